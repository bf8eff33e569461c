# Regression tests for capture hardening (ctest label "robustness"): every
# case runs a program untracked and tracked and requires the same output,
# exit status, errno values and descriptor numbers, and records that rapper
# parses.  Each area keeps its cases in test_<area>.py (one "def case_NAME"
# per ctest case) and its programs in progs/<name>.c: adding a case needs no
# edit here.
file(GLOB PROVIO_ROBUST_PROGS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/progs/*.c)
foreach(src ${PROVIO_ROBUST_PROGS})
  get_filename_component(prog ${src} NAME_WE)
  add_executable(robust_${prog} ${src})
  set_target_properties(robust_${prog} PROPERTIES OUTPUT_NAME ${prog}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/robustness)
  target_link_libraries(robust_${prog} PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
  # Built as distributions build: fortified calls, inlined stdio macros.
  if(prog MATCHES "_fortify$")
    target_compile_options(robust_${prog} PRIVATE -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
  endif()
endforeach()
if(PROVIO_HAVE_HDF5)
  include(${CMAKE_CURRENT_LIST_DIR}/hdf5.cmake)
endif()

include(${CMAKE_CURRENT_LIST_DIR}/mpi.cmake)

# Cases that check what a run left go on to merge and query it.
set(pv_robust_env "${PROVIO_E2E_ENV};PROVIO_ROBUST_BIN=${CMAKE_CURRENT_BINARY_DIR}/robustness")
if(TARGET prov-merge)
  list(APPEND pv_robust_env PROV_MERGE=$<TARGET_FILE:prov-merge> PROV_QUERY=$<TARGET_FILE:prov-query>)
endif()

file(GLOB PROVIO_ROBUST_AREAS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_*.py)
foreach(script ${PROVIO_ROBUST_AREAS})
  get_filename_component(area ${script} NAME_WE)
  string(REPLACE "test_" "" area ${area})
  file(STRINGS ${script} defs REGEX "^def case_[A-Za-z0-9_]+\\(")
  foreach(def ${defs})
    string(REGEX REPLACE "^def case_([A-Za-z0-9_]+)\\(.*" "\\1" case ${def})
    add_test(NAME robustness.${area}.${case}
      COMMAND ${Python3_EXECUTABLE} ${script} ${case})
    set_tests_properties(robustness.${area}.${case} PROPERTIES LABELS "robustness"
      ENVIRONMENT "${pv_robust_env};PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e:${CMAKE_CURRENT_LIST_DIR}"
      TIMEOUT 300)
  endforeach()
endforeach()
