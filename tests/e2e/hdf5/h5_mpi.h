/* h5_mpi.h - what the parallel HDF5 programs of the tests and the demo
 * share: a failed call stops every rank, naming the call, and the file
 * access list of MPI-IO over MPI_COMM_WORLD. */
#ifndef PROVIO_TEST_H5_MPI_H
#define PROVIO_TEST_H5_MPI_H

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>

#define CHECK(x)                                                               \
  do {                                                                         \
    if ((x) < 0) {                                                             \
      fprintf(stderr, "%s: %s failed (line %d)\n", __FILE__, #x, __LINE__);    \
      MPI_Abort(MPI_COMM_WORLD, 1);                                            \
    }                                                                          \
  } while (0)

static inline hid_t mpio_fapl(void)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  CHECK(H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL));
  return fapl;
}

#endif
