# The MPI programs of test_mpi.py, each built once per MPI family: against
# Open MPI (find_package(MPI)) as <name>.openmpi and against the MPICH ABI
# (pkg-config mpich) as <name>.mpich, beside the programs of progs/.
pkg_check_modules(PROVIO_ROBUST_MPICH QUIET IMPORTED_TARGET mpich)
file(GLOB PROVIO_ROBUST_MPI_PROGS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/mpi/*.c)
foreach(src ${PROVIO_ROBUST_MPI_PROGS})
  get_filename_component(prog ${src} NAME_WE)
  set(families openmpi)
  if(PROVIO_ROBUST_MPICH_FOUND)
    list(APPEND families mpich)
  endif()
  foreach(family ${families})
    add_executable(robust_${prog}_${family} ${src})
    set_target_properties(robust_${prog}_${family} PROPERTIES OUTPUT_NAME ${prog}.${family}
      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/robustness)
  endforeach()
  target_link_libraries(robust_${prog}_openmpi PRIVATE MPI::MPI_C)
  if(PROVIO_ROBUST_MPICH_FOUND)
    target_link_libraries(robust_${prog}_mpich PRIVATE PkgConfig::PROVIO_ROBUST_MPICH)
  endif()
endforeach()
