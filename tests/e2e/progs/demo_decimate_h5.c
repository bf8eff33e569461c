/* demo_decimate_h5 IN OUT [FACTOR] - the demo's decimation step, on any
 * number of MPI ranks through parallel HDF5: each rank reads its channels
 * of IN:/DAS/raw and the sampling rate attribute, keeps every FACTOR-th
 * sample, and all write OUT:/DAS/decimated collectively, with the new
 * sampling rate as its attribute. */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "../hdf5/h5_mpi.h"

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 3) {
    if (rank == 0) fprintf(stderr, "usage: demo_decimate_h5 IN OUT [FACTOR]\n");
    MPI_Finalize();
    return 2;
  }
  hsize_t factor = argc > 3 ? strtoull(argv[3], NULL, 10) : 10;
  if (factor < 1) factor = 1;

  hid_t fapl = mpio_fapl();
  hid_t in = H5Fopen(argv[1], H5F_ACC_RDONLY, fapl);
  CHECK(in);
  hid_t raw = H5Dopen2(in, "/DAS/raw", H5P_DEFAULT);
  CHECK(raw);
  int hz = 0;
  hid_t a = H5Aopen(raw, "SamplingFrequency(HZ)", H5P_DEFAULT);
  CHECK(a);
  CHECK(H5Aread(a, H5T_NATIVE_INT, &hz));
  CHECK(H5Aclose(a));
  hid_t space = H5Dget_space(raw);
  hsize_t dims[2];
  CHECK(H5Sget_simple_extent_dims(space, dims, NULL));
  /* this rank's channels: [first, first + count) */
  hsize_t first = dims[0] * (hsize_t)rank / (hsize_t)size;
  hsize_t count[2] = {dims[0] * (hsize_t)(rank + 1) / (hsize_t)size - first, dims[1]};
  hsize_t start[2] = {first, 0};
  float *mine = malloc((count[0] * count[1] + 1) * sizeof *mine);
  CHECK(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL));
  hid_t mem = H5Screate_simple(2, count, NULL);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  CHECK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  CHECK(H5Dread(raw, H5T_NATIVE_FLOAT, mem, space, dxpl, mine));
  CHECK(H5Sclose(mem));
  CHECK(H5Sclose(space));
  CHECK(H5Dclose(raw));
  CHECK(H5Fclose(in));

  hsize_t out_dims[2] = {dims[0], (dims[1] + factor - 1) / factor};
  hsize_t out_count[2] = {count[0], out_dims[1]};
  float *kept = malloc((out_count[0] * out_count[1] + 1) * sizeof *kept);
  for (hsize_t c = 0; c < count[0]; c++)
    for (hsize_t s = 0; s < out_dims[1]; s++) kept[c * out_dims[1] + s] = mine[c * dims[1] + s * factor];

  hid_t out = H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  CHECK(out);
  hid_t das = H5Gcreate2(out, "/DAS", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(das);
  hid_t out_space = H5Screate_simple(2, out_dims, NULL);
  hid_t dec = H5Dcreate2(das, "decimated", H5T_IEEE_F32LE, out_space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(dec);
  CHECK(H5Sselect_hyperslab(out_space, H5S_SELECT_SET, start, NULL, out_count, NULL));
  mem = H5Screate_simple(2, out_count, NULL);
  CHECK(H5Dwrite(dec, H5T_NATIVE_FLOAT, mem, out_space, dxpl, kept));
  int out_hz = hz / (int)factor;
  hid_t scalar = H5Screate(H5S_SCALAR);
  a = H5Acreate2(dec, "SamplingFrequency(HZ)", H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(a);
  CHECK(H5Awrite(a, H5T_NATIVE_INT, &out_hz)); /* collective: every rank writes the same value */
  CHECK(H5Aclose(a));
  CHECK(H5Sclose(scalar));
  CHECK(H5Sclose(mem));
  CHECK(H5Sclose(out_space));
  CHECK(H5Dclose(dec));
  CHECK(H5Gclose(das));
  CHECK(H5Fclose(out));
  CHECK(H5Pclose(dxpl));
  CHECK(H5Pclose(fapl));
  free(mine);
  free(kept);
  if (rank == 0)
    printf("demo_decimate_h5: %d ranks kept every %llu-th sample of %llu channels: %d Hz in %s\n", size,
           (unsigned long long)factor, (unsigned long long)dims[0], out_hz, argv[2]);
  MPI_Finalize();
  return 0;
}
