# HDF5 programs of the robustness cases (test_hdf5.py): built against the
# HDF5 the connector is built for, into the same directory as progs/.
foreach(src h5_async_es h5_vol_chain)
  add_executable(robust_${src} ${CMAKE_CURRENT_LIST_DIR}/hdf5/${src}.c)
  target_include_directories(robust_${src} PRIVATE ${PROVIO_HDF5_INCLUDE_DIR})
  target_link_libraries(robust_${src} PRIVATE ${PROVIO_HDF5_LIBRARY} MPI::MPI_C)
  set_target_properties(robust_${src} PROPERTIES OUTPUT_NAME ${src} BUILD_RPATH ${PROVIO_HDF5_PREFIX}/lib
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/robustness)
endforeach()
