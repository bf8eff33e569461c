# End-to-end tests of the capture library: real programs, tracked, their
# records parsed by rapper (tests/e2e/provio_e2e.py).
find_program(RAPPER rapper REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

foreach(prog all_posix killed_writer threads_io errno_probe)
  add_executable(${prog} e2e/capture/${prog}.c)
  target_link_libraries(${prog} PRIVATE Threads::Threads)
endforeach()

add_executable(mpi_killed_rank e2e/capture/mpi_killed_rank.c)
target_link_libraries(mpi_killed_rank PRIVATE MPI::MPI_C)

add_library(mpi-provio-test SHARED e2e/capture/fake_mpi_io.c)
add_executable(callsite_probe e2e/capture/callsite_probe.c)
target_link_libraries(callsite_probe PRIVATE mpi-provio-test)

set(PROVIO_E2E_ENV
  PROVIO_LIB=$<TARGET_FILE:provio>
  PROVIO_RUN=$<TARGET_FILE:provio-run>
  PROVIO_TEST_BIN=${CMAKE_CURRENT_BINARY_DIR}
  PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/e2e
  PYTHONDONTWRITEBYTECODE=1)

foreach(case wrappers pipeline dash python3 tar_gzip identical sigkill threads provio_run exclusions
        callsites killed_rank)
  add_test(NAME capture.${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/capture/test_capture.py ${case})
  set_tests_properties(capture.${case} PROPERTIES LABELS "e2e;capture"
    ENVIRONMENT "${PROVIO_E2E_ENV}" TIMEOUT 300)
endforeach()
