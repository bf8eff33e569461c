# End-to-end tests of the stdio and MPI capture modules (interpose/stdio.c,
# interpose/mpi.c): real programs run tracked, their records parsed by
# rapper through tests/e2e/provio_e2e.py.  Comes after capture.cmake, whose
# Python3, rapper and PROVIO_E2E_ENV it uses.

# Every wrapper must be reached by a call of its own name: no inlining and
# no builtin rewriting (printf into puts) in all_stdio.
add_executable(all_stdio e2e/capture/all_stdio.c)
target_compile_options(all_stdio PRIVATE -O0 -fno-builtin -U_FORTIFY_SOURCE)
# Counted as distributions build programs.
add_executable(stdio_counts e2e/capture/stdio_counts.c)
target_compile_options(stdio_counts PRIVATE -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
add_executable(mpi_io e2e/capture/mpi_io.c)
target_link_libraries(mpi_io PRIVATE MPI::MPI_C Threads::Threads)
add_executable(all_mpi e2e/capture/all_mpi.c)
target_link_libraries(all_mpi PRIVATE MPI::MPI_C)
# Another MPI tool to stack with provio; like one, it does not link MPI.
add_library(mpi_stacker SHARED e2e/capture/mpi_stacker.c)
target_include_directories(mpi_stacker PRIVATE ${MPI_C_INCLUDE_DIRS})
# MPI code in a module loaded RTLD_LOCAL by a program without MPI.
add_library(mpi_module MODULE e2e/capture/mpi_module.c)
target_link_libraries(mpi_module PRIVATE MPI::MPI_C)
add_executable(mpi_dlopen e2e/capture/mpi_dlopen.c)
target_link_libraries(mpi_dlopen PRIVATE ${CMAKE_DL_LIBS})

foreach(case stdio_counts stdio_wrappers stdio_identical mpi_io mpi_wrappers mpi_singleton mpi_stacking
    mpi_dlopen)
  add_test(NAME capture.${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/capture/test_stdio_mpi.py ${case})
  set_tests_properties(capture.${case} PROPERTIES LABELS "e2e;capture" TIMEOUT 300
    ENVIRONMENT "${PROVIO_E2E_ENV};MPIEXEC=${MPIEXEC_EXECUTABLE};STACKER_LIB=$<TARGET_FILE:mpi_stacker>;MPI_MODULE=$<TARGET_FILE:mpi_module>")
endforeach()
