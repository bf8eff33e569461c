# prov-merge: unit tests of its parts and of whole merges, and end-to-end
# tests of the tool on generated jobs (bench/gen_job) and on real tracked runs.
# What derivations emit, as lines (the tests of derive.c and derive_domain.c).
add_library(provio_test_derived STATIC unit/derived_lines.c)
target_link_libraries(provio_test_derived PUBLIC provio_merge provio_testutil)
foreach(name merge_lines merge_derive merge_domain merge_seen merge_store)
  add_executable(test_${name} unit/test_${name}.c)
  target_link_libraries(test_${name} PRIVATE provio_merge provio_testutil)
  if(name MATCHES "merge_derive|merge_domain")
    target_link_libraries(test_${name} PRIVATE provio_test_derived)
  endif()
  add_test(NAME unit.${name} COMMAND test_${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS "unit;merge")
endforeach()

foreach(case killed garbage twice crossjob errors tracked mpi mpimerge)
  add_test(NAME e2e.merge.${case}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_merge.sh ${case}
      $<TARGET_FILE:prov-merge> $<TARGET_FILE:gen_job> $<TARGET_FILE:provio>
      $<TARGET_FILE:provio-run> $<TARGET_FILE:demo_simulate> $<TARGET_FILE:demo_decimate>)
  set_tests_properties(e2e.merge.${case} PROPERTIES LABELS "e2e;merge" TIMEOUT 300)
endforeach()

# prov-merge --mlflow: a hand-built MLflow file store joined to a tracked run.
foreach(case join window)
  add_test(NAME e2e.merge.mlflow_${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_mlflow.py ${case})
  set_tests_properties(e2e.merge.mlflow_${case} PROPERTIES LABELS "e2e;merge" TIMEOUT 300
    ENVIRONMENT "PROV_MERGE=$<TARGET_FILE:prov-merge>;PROV_QUERY=$<TARGET_FILE:prov-query>;PROVIO_LIB=$<TARGET_FILE:provio>;PROVIO_RUN=$<TARGET_FILE:provio-run>;PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e;PYTHONDONTWRITEBYTECODE=1")
endforeach()

# A store that holds up (tests/e2e/merge/test_robust.py): on a FUSE mount
# (bindfs) and without file locks (nolocks.c), damaged, after a killed
# merge, fed forged, FIFO and sparse record files, merged while a job runs.
add_library(test_nolocks MODULE e2e/merge/nolocks.c)
target_link_libraries(test_nolocks PRIVATE ${CMAKE_DL_LIBS})
foreach(case bindfs nolocks damaged killed foreign fifo sparse running)
  add_test(NAME e2e.merge.robust_${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_robust.py ${case})
  set_tests_properties(e2e.merge.robust_${case} PROPERTIES LABELS "e2e;merge" TIMEOUT 300 SKIP_RETURN_CODE 77
    ENVIRONMENT "PROV_MERGE=$<TARGET_FILE:prov-merge>;PROV_QUERY=$<TARGET_FILE:prov-query>;GEN_JOB=$<TARGET_FILE:gen_job>;NOLOCKS=$<TARGET_FILE:test_nolocks>;MKSTORE=$<TARGET_FILE:query_mkstore>;PROVIO_LIB=$<TARGET_FILE:provio>;PROVIO_TEST_BIN=${CMAKE_CURRENT_BINARY_DIR};PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e;PYTHONDONTWRITEBYTECODE=1")
endforeach()

# PROV-O conformance of the merged graph of real tracked runs
# (tests/e2e/merge/test_prov.py); python's prov package (Debian
# python3-prov) where an interpreter has it.
set(pv_prov_python "")
foreach(py ${Python3_EXECUTABLE} /usr/bin/python3)
  if(NOT pv_prov_python AND EXISTS ${py})
    execute_process(COMMAND ${py} -c "import prov.model" RESULT_VARIABLE pv_rc OUTPUT_QUIET ERROR_QUIET)
    if(pv_rc EQUAL 0)
      set(pv_prov_python ${py})
    endif()
  endif()
endforeach()
function(pv_prov_e2e)
  set(cases ontology conformance)
  if(pv_prov_python)
    list(APPEND cases python_prov)
  endif()
  set(env PROV_MERGE=$<TARGET_FILE:prov-merge> PROV_QUERY=$<TARGET_FILE:prov-query> PROVIO_LIB=$<TARGET_FILE:provio> PROVIO_RUN=$<TARGET_FILE:provio-run>
      PROVIO_TEST_BIN=${CMAKE_CURRENT_BINARY_DIR} PROVIO_SOURCE=${PROJECT_SOURCE_DIR} PROV_PYTHON=${pv_prov_python}
      PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e PYTHONDONTWRITEBYTECODE=1)
  if(TARGET h5_das AND TARGET provio_vol)
    list(APPEND env H5_DAS=$<TARGET_FILE:h5_das>)
  endif()
  foreach(case ${cases})
    add_test(NAME e2e.merge.prov_${case}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_prov.py ${case})
    set_tests_properties(e2e.merge.prov_${case} PROPERTIES LABELS "e2e;merge" ENVIRONMENT "${env}" TIMEOUT 300
      PROCESSORS 2)
  endforeach()
endfunction()
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  cmake_language(DEFER CALL pv_prov_e2e)
else()
  pv_prov_e2e()
endif()

# An N-1 job of 2000 ranks (tests/e2e/merge/test_shared.py): lineage and
# impact of the shared file are right at a size where quadratic steps show.
add_test(NAME e2e.merge.shared_n1 COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_shared.py)
set_tests_properties(e2e.merge.shared_n1 PROPERTIES LABELS "e2e;merge" TIMEOUT 300
  ENVIRONMENT "PROV_MERGE=$<TARGET_FILE:prov-merge>;PROV_QUERY=$<TARGET_FILE:prov-query>;GEN_JOB=$<TARGET_FILE:gen_job>;PYTHONDONTWRITEBYTECODE=1")

# prov-merge --follow (tests/e2e/merge/test_follow.py): a running job
# consolidated pass by pass equals one merge at the end.
foreach(case embedded signal server)
  set(labels "e2e;merge")
  if(case STREQUAL "server")
    set(labels "e2e;merge;server")
  endif()
  add_test(NAME e2e.merge.follow_${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_follow.py ${case})
  set_tests_properties(e2e.merge.follow_${case} PROPERTIES LABELS "${labels}" TIMEOUT 300 SKIP_RETURN_CODE 77
    ENVIRONMENT "PROV_MERGE=$<TARGET_FILE:prov-merge>;PROV_QUERY=$<TARGET_FILE:prov-query>;PROVIO_LIB=$<TARGET_FILE:provio>;STORE_SERVER=${PROJECT_SOURCE_DIR}/tools/store-server.sh;PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e;PYTHONDONTWRITEBYTECODE=1")
endforeach()
