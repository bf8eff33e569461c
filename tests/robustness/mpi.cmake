# The MPI programs of test_mpi.py, each built once per MPI family: against
# Open MPI (find_package(MPI)) as <name>.openmpi and against the MPICH ABI
# (pkg-config mpich) as <name>.mpich, beside the programs of progs/.
# via_library.<family> links no MPI itself, only libroundtrip.<family>.so.
pkg_check_modules(PROVIO_ROBUST_MPICH QUIET IMPORTED_TARGET mpich)
set(pv_robust_families openmpi)
set(pv_robust_mpi_openmpi MPI::MPI_C)
if(PROVIO_ROBUST_MPICH_FOUND)
  list(APPEND pv_robust_families mpich)
  set(pv_robust_mpi_mpich PkgConfig::PROVIO_ROBUST_MPICH)
endif()
set(pv_robust_src ${CMAKE_CURRENT_LIST_DIR}/mpi)
foreach(family ${pv_robust_families})
  add_executable(robust_mpiio_roundtrip_${family} ${pv_robust_src}/mpiio_roundtrip.c)
  target_link_libraries(robust_mpiio_roundtrip_${family} PRIVATE ${pv_robust_mpi_${family}})
  add_executable(robust_dataflow_${family} ${pv_robust_src}/dataflow.c)
  target_link_libraries(robust_dataflow_${family} PRIVATE ${pv_robust_mpi_${family}})
  set_target_properties(robust_dataflow_${family} PROPERTIES OUTPUT_NAME dataflow.${family}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/robustness)
  add_library(robust_roundtrip_${family} SHARED ${pv_robust_src}/mpiio_roundtrip.c)
  target_compile_definitions(robust_roundtrip_${family} PRIVATE ROUNDTRIP_LIBRARY)
  target_link_libraries(robust_roundtrip_${family} PRIVATE ${pv_robust_mpi_${family}})
  add_executable(robust_via_library_${family} ${pv_robust_src}/lib/via_library.c)
  target_link_libraries(robust_via_library_${family} PRIVATE robust_roundtrip_${family})
  set_target_properties(robust_mpiio_roundtrip_${family} robust_via_library_${family} robust_roundtrip_${family}
    PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/robustness
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/robustness)
  set_target_properties(robust_mpiio_roundtrip_${family} PROPERTIES OUTPUT_NAME mpiio_roundtrip.${family})
  set_target_properties(robust_via_library_${family} PROPERTIES OUTPUT_NAME via_library.${family})
  set_target_properties(robust_roundtrip_${family} PROPERTIES OUTPUT_NAME roundtrip.${family})
endforeach()
