/* h5_par FILE - a parallel HDF5 program the connector's end-to-end tests
 * track (run on 2 ranks): every rank writes its slice of /sim/indep in
 * several independent writes and of /sim/coll in one collective write,
 * with an attribute, a named datatype and a soft link; then the file is
 * reopened read-only and /sim/coll read back collectively. */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "h5_mpi.h"

#define SLICE 256 /* elements per rank */
#define PIECES 4  /* independent writes per rank */

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *path = argc > 1 ? argv[1] : "par.h5";

  hid_t fapl = mpio_fapl();
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  CHECK(f);
  hid_t sim = H5Gcreate2(f, "/sim", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(sim);

  hsize_t n = (hsize_t)SLICE * (hsize_t)size, piece = SLICE / PIECES, slice = SLICE;
  hid_t space = H5Screate_simple(1, &n, NULL);
  double buf[SLICE];
  for (int i = 0; i < SLICE; i++) buf[i] = rank * SLICE + i;

  /* Independent: the default transfer property list, several writes. */
  hid_t indep = H5Dcreate2(sim, "indep", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(indep);
  hid_t mem = H5Screate_simple(1, &piece, NULL);
  for (int k = 0; k < PIECES; k++) {
    hsize_t off = (hsize_t)rank * SLICE + (hsize_t)k * piece;
    CHECK(H5Sselect_hyperslab(space, H5S_SELECT_SET, &off, NULL, &piece, NULL));
    CHECK(H5Dwrite(indep, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, buf + k * piece));
  }
  CHECK(H5Dclose(indep));
  H5Sclose(mem);

  /* Collective: one write per rank through an MPI-IO collective dxpl. */
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  CHECK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  hid_t coll = H5Dcreate2(sim, "coll", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(coll);
  hsize_t off = (hsize_t)rank * SLICE;
  mem = H5Screate_simple(1, &slice, NULL);
  CHECK(H5Sselect_hyperslab(space, H5S_SELECT_SET, &off, NULL, &slice, NULL));
  CHECK(H5Dwrite(coll, H5T_NATIVE_DOUBLE, mem, space, dxpl, buf));
  int step = 7;
  hid_t scalar = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(coll, "step", H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(H5Awrite(a, H5T_NATIVE_INT, &step));
  CHECK(H5Aclose(a));
  CHECK(H5Dclose(coll));

  hid_t cell = H5Tcopy(H5T_NATIVE_INT);
  CHECK(H5Tcommit2(sim, "cell_t", cell, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Tclose(cell));
  CHECK(H5Lcreate_soft("/sim/coll", f, "latest", H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Gclose(sim));
  CHECK(H5Fclose(f));

  /* Read back: every rank reads the whole dataset collectively. */
  f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  CHECK(f);
  coll = H5Dopen2(f, "/sim/coll", H5P_DEFAULT);
  CHECK(coll);
  double *all = malloc(n * sizeof *all);
  CHECK(H5Dread(coll, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, dxpl, all));
  int ok = 1;
  for (hsize_t i = 0; i < n; i++) ok &= all[i] == (double)i;
  free(all);
  CHECK(H5Dclose(coll));
  CHECK(H5Fclose(f));
  H5Sclose(mem);
  H5Sclose(space);
  H5Sclose(scalar);
  H5Pclose(dxpl);
  H5Pclose(fapl);
  if (rank == 0) printf("h5_par: %d ranks, data %s\n", size, ok ? "ok" : "WRONG");
  MPI_Finalize();
  return ok ? 0 : 1;
}
