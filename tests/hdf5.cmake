# The HDF5 VOL connector's tests (docs/hdf5.md), when HDF5 with the VOL
# API was found.
#
#   hdf5-api.*  HDF5's own API test suite for VOL connectors (test/API and
#               testpar/API of the HDF5 source the bootstrap kept), run
#               natively and with provio stacked: the counts must match.
#   hdf5.e2e.*  tracked serial and 2-rank programs, records checked with
#               rapper and asserted triple by triple.
if(NOT PROVIO_HAVE_HDF5)
  return()
endif()

set(pv_h5_src ${PROVIO_HDF5_PREFIX}/src CACHE PATH "HDF5 source tree with test/API (for the hdf5-api tests)")
set(pv_h5_scripts ${CMAKE_CURRENT_SOURCE_DIR}/e2e/hdf5)
set(pv_h5_plugin_dir $<TARGET_FILE_DIR:provio_vol>)

function(pv_h5_program name)
  add_executable(${name} ${ARGN})
  target_include_directories(${name} PRIVATE ${PROVIO_HDF5_INCLUDE_DIR})
  target_link_libraries(${name} PRIVATE ${PROVIO_HDF5_LIBRARY} MPI::MPI_C)
  set_target_properties(${name} PROPERTIES BUILD_RPATH ${PROVIO_HDF5_PREFIX}/lib)
endfunction()

pv_h5_program(h5_das e2e/hdf5/h5_das.c)
pv_h5_program(h5_par e2e/hdf5/h5_par.c)

# Every e2e scenario runs through one script; the programs find the plugin
# through the same two variables a user sets (no LD_PRELOAD unless asked).
foreach(scenario serial lineage parallel errors untouched untracked preload run)
  add_test(NAME hdf5.e2e.${scenario}
    COMMAND bash ${pv_h5_scripts}/hdf5_e2e.sh ${scenario} ${pv_h5_plugin_dir}
            $<TARGET_FILE:provio> $<TARGET_FILE_DIR:h5_das> $<TARGET_FILE:provio-run>)
  set_tests_properties(hdf5.e2e.${scenario} PROPERTIES LABELS "e2e;hdf5" TIMEOUT 120
                       ENVIRONMENT H5DUMP=${PROVIO_HDF5_PREFIX}/bin/h5dump)
endforeach()
set_tests_properties(hdf5.e2e.parallel PROPERTIES PROCESSORS 2)

# HDF5's API tests are not built by its autotools build: compiled here from
# the same source package against the installed library, with the test
# harness they need (h5test.c, testframe.c) and the two headers its CMake
# would generate.
#
# Not in the sanitizer build: they test HDF5 itself (minutes under ASan,
# nothing of provio's that the hdf5.e2e tests do not reach), and HDF5's
# private headers need the compiler HDF5 was configured with (_Float16).
if(PROVIO_SANITIZE)
  message(STATUS "sanitizer build: hdf5-api tests not built")
elseif(EXISTS ${pv_h5_src}/test/API/H5_api_test.c AND EXISTS ${pv_h5_src}/testpar/API/H5_api_test_parallel.c)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/hdf5-api)
  file(WRITE ${gen}/H5_api_test_config.h
       "#ifndef H5_API_TEST_CONFIG_H\n#define H5_API_TEST_CONFIG_H\n#include \"hdf5.h\"\n#endif\n")
  file(WRITE ${gen}/H5srcdir_str.h "static const char *config_srcdir = \".\";\n")
  set(api ${pv_h5_src}/test/API)
  set(papi ${pv_h5_src}/testpar/API)
  set(harness ${api}/H5_api_test_util.c ${pv_h5_src}/test/h5test.c ${pv_h5_src}/test/testframe.c)
  foreach(t attribute dataset datatype file group link misc object)
    list(APPEND serial_sources ${api}/H5_api_${t}_test.c)
    list(APPEND parallel_sources ${papi}/H5_api_${t}_test_parallel.c)
  endforeach()
  pv_h5_program(h5_api_test ${serial_sources} ${api}/H5_api_test.c ${harness})
  pv_h5_program(h5_api_test_parallel ${parallel_sources} ${papi}/H5_api_test_parallel.c ${harness})
  foreach(t h5_api_test h5_api_test_parallel)
    target_include_directories(${t} PRIVATE ${gen} ${pv_h5_src}/src ${pv_h5_src}/test ${api}
                                            ${pv_h5_src}/testpar ${papi})
    # Third-party test code: its warnings are not ours.  -fcommon: the
    # parallel driver defines counters h5test.c also defines.
    target_compile_options(${t} PRIVATE -w -fcommon)
    target_link_libraries(${t} PRIVATE m)
  endforeach()
  add_test(NAME hdf5-api.serial
    COMMAND bash ${pv_h5_scripts}/api_suite.sh ${pv_h5_plugin_dir} $<TARGET_FILE:h5_api_test>)
  add_test(NAME hdf5-api.parallel
    COMMAND bash ${pv_h5_scripts}/api_suite.sh --mpi ${pv_h5_plugin_dir} $<TARGET_FILE:h5_api_test_parallel>)
  set_tests_properties(hdf5-api.serial hdf5-api.parallel PROPERTIES LABELS "hdf5-api;hdf5" TIMEOUT 600)
  set_tests_properties(hdf5-api.parallel PROPERTIES PROCESSORS 2)
else()
  message(STATUS "HDF5 source with test/API not at ${pv_h5_src}: hdf5-api tests not built")
endif()

# The demo workflow's HDF5 steps (tools/demo_run.sh): acquisition, and the
# 2-rank decimation through parallel HDF5.
pv_h5_program(demo_acquire e2e/progs/demo_acquire.c)
target_link_libraries(demo_acquire PRIVATE provio)
pv_h5_program(demo_decimate_h5 e2e/progs/demo_decimate_h5.c)
# The README's demo workflow itself, checked (tests/e2e/demo/test_demo.sh).
add_test(NAME demo.dassa COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/demo/test_demo.sh ${PROJECT_BINARY_DIR})
set_tests_properties(demo.dassa PROPERTIES LABELS "e2e;demo" TIMEOUT 300 PROCESSORS 2)
