# Ground-truth lineage cases (ctest label "lineage", issue 9's acceptance):
# small programs whose true ancestry is known run tracked, prov-merge builds
# a store, and every case asserts prov-query's lineage of each output (no
# missing, no false ancestor) and that impact is its exact inverse.  Cases
# are the "def case_NAME" functions of test_lineage.py; programs are
# progs/*.c (mpi_* built with MPI, h5* against HDF5 with the VOL API).
if(NOT TARGET prov-merge)
  return()
endif()
set(pv_lin_dir ${CMAKE_CURRENT_LIST_DIR})
set(pv_lin_bin ${CMAKE_CURRENT_BINARY_DIR}/lineage)
file(GLOB pv_lin_progs CONFIGURE_DEPENDS ${pv_lin_dir}/progs/*.c)
foreach(src ${pv_lin_progs})
  get_filename_component(prog ${src} NAME_WE)
  if(prog MATCHES "^h5")
    if(NOT PROVIO_HAVE_HDF5)
      continue()
    endif()
    pv_h5_program(lineage_${prog} ${src})
  else()
    add_executable(lineage_${prog} ${src})
    if(prog MATCHES "^mpi_")
      target_link_libraries(lineage_${prog} PRIVATE MPI::MPI_C)
    endif()
  endif()
  set_target_properties(lineage_${prog} PROPERTIES OUTPUT_NAME ${prog} RUNTIME_OUTPUT_DIRECTORY ${pv_lin_bin})
endforeach()

set(pv_lin_env ${PROVIO_E2E_ENV} PROVIO_LINEAGE_BIN=${pv_lin_bin}
    PROV_MERGE=$<TARGET_FILE:prov-merge> PROV_QUERY=$<TARGET_FILE:prov-query>
    PROVIO_MPI_MODULE=$<TARGET_FILE:provio-mpi-openmpi>)
if(PROVIO_HAVE_HDF5)
  list(APPEND pv_lin_env PROVIO_H5_PLUGIN_DIR=$<TARGET_FILE_DIR:provio_vol>)
endif()
file(STRINGS ${pv_lin_dir}/test_lineage.py defs REGEX "^def case_[A-Za-z0-9_]+\\(")
foreach(def ${defs})
  string(REGEX REPLACE "^def case_([A-Za-z0-9_]+)\\(.*" "\\1" case ${def})
  if(case MATCHES "^hdf5" AND NOT PROVIO_HAVE_HDF5)
    continue()
  endif()
  add_test(NAME lineage.${case} COMMAND ${Python3_EXECUTABLE} ${pv_lin_dir}/test_lineage.py ${case})
  set_tests_properties(lineage.${case} PROPERTIES LABELS lineage TIMEOUT 120 SKIP_RETURN_CODE 77
    ENVIRONMENT "${pv_lin_env}")
  if(case MATCHES "^mpi")
    set_tests_properties(lineage.${case} PROPERTIES PROCESSORS 2)
  endif()
endforeach()
