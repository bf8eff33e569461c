# prov-query: unit tests over fixture stores (tests/e2e/query/pipeline.nt,
# loaded as is), and end-to-end tests of the tool on fixtures and on real
# tracked runs (tests/e2e/query/test_query.py).
add_library(provio_querytest STATIC unit/query_fixture.c)
target_link_libraries(provio_querytest PUBLIC provio_query provio_testutil)
target_compile_definitions(provio_querytest PRIVATE QUERY_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/e2e/query")

foreach(name query_sparql query_lineage query_impact query_target query_stats query_runs query_config
        query_output)
  add_executable(test_${name} unit/test_${name}.c)
  target_link_libraries(test_${name} PRIVATE provio_querytest)
  add_test(NAME unit.${name} COMMAND test_${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS "unit;query")
endforeach()

add_executable(query_mkstore e2e/progs/query_mkstore.c)
target_link_libraries(query_mkstore PRIVATE provio_query)

# End to end: the tool on the fixture (formats, errors, help), and on real
# runs tracked by libprovio.so / provio-run and merged by prov-merge.
set(pv_query_env
  PROV_QUERY=$<TARGET_FILE:prov-query>
  QUERY_MKSTORE=$<TARGET_FILE:query_mkstore>
  QUERY_FIXTURES=${CMAKE_CURRENT_SOURCE_DIR}/e2e/query
  QUERY_MAN=${PROJECT_SOURCE_DIR}/docs/man/prov-query.1
  PROVIO_LIB=$<TARGET_FILE:provio>
  PROVIO_RUN=$<TARGET_FILE:provio-run>
  PROVIO_TEST_BIN=${CMAKE_CURRENT_BINARY_DIR}
  PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e
  PYTHONDONTWRITEBYTECODE=1)
set(pv_query_cases formats errors help)
if(TARGET prov-merge)
  list(APPEND pv_query_env PROV_MERGE=$<TARGET_FILE:prov-merge>)
  list(APPEND pv_query_cases pipeline mpi names domain train_c train_py)
endif()

function(pv_query_e2e case env)
  add_test(NAME e2e.query_${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/query/test_query.py ${case})
  set_tests_properties(e2e.query_${case} PROPERTIES LABELS "e2e;query" ENVIRONMENT "${env}" TIMEOUT 300)
endfunction()
foreach(case ${pv_query_cases})
  pv_query_e2e(${case} "${pv_query_env}")
endforeach()
if(TARGET prov-merge)
  set_tests_properties(e2e.query_mpi PROPERTIES PROCESSORS 2)
endif()

# HDF5 object lineage needs the VOL connector's test program, which
# hdf5.cmake defines: registered once every test file has been read.
function(pv_query_hdf5_e2e)
  if(TARGET h5_das AND TARGET provio_vol AND TARGET prov-merge)
    pv_query_e2e(hdf5 "${pv_query_env};H5_DAS=$<TARGET_FILE:h5_das>")
  endif()
endfunction()
if(PROVIO_HAVE_HDF5 AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  cmake_language(DEFER CALL pv_query_hdf5_e2e)
endif()
