/* demo_acquire OUT [CHANNELS SAMPLES] - the demo's acquisition step, in the
 * shape of a distributed acoustic sensing (DAS) interrogator: one HDF5 file
 * with the strain of every channel over time in /DAS/raw (float32,
 * channels x samples) and the sampling rate as its attribute.  The signal
 * is noise with a few strong events, so that the analysis step finds some. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "provio.h"

#define SAMPLING_HZ 500

#define CHECK(x)                                                        \
  do {                                                                  \
    if ((x) < 0) {                                                      \
      fprintf(stderr, "demo_acquire: %s failed (line %d)\n", #x, __LINE__); \
      exit(1);                                                          \
    }                                                                   \
  } while (0)

int main(int argc, char **argv)
{
  if (argc != 2 && argc != 4) {
    fprintf(stderr, "usage: demo_acquire OUT [CHANNELS SAMPLES]\n");
    return 2;
  }
  hsize_t dims[2] = {argc == 4 ? strtoull(argv[2], NULL, 10) : 16, argc == 4 ? strtoull(argv[3], NULL, 10) : 6000};
  if (!dims[0] || !dims[1]) return 2;
  float *strain = malloc(dims[0] * dims[1] * sizeof *strain);
  if (!strain) return 1;
  unsigned seed = 7;
  for (hsize_t i = 0; i < dims[0] * dims[1]; i++) {
    seed = seed * 1103515245u + 12345u;
    strain[i] = (float)((seed >> 16) % 2001) / 1000.0f - 1.0f;
    if (i % 997 == 0) strain[i] *= 25.0f; /* an event */
  }
  int hz = SAMPLING_HZ;
  char value[16];
  snprintf(value, sizeof value, "%d", hz);
  provio_config("Acquisition", "sampling_hz", value); /* a no-op when untracked */

  hid_t f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f);
  hid_t das = H5Gcreate2(f, "/DAS", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(das);
  hid_t space = H5Screate_simple(2, dims, NULL);
  hid_t raw = H5Dcreate2(das, "raw", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(raw);
  CHECK(H5Dwrite(raw, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, strain));
  hid_t scalar = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(raw, "SamplingFrequency(HZ)", H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(a);
  CHECK(H5Awrite(a, H5T_NATIVE_INT, &hz));
  CHECK(H5Aclose(a));
  CHECK(H5Sclose(scalar));
  CHECK(H5Dclose(raw));
  CHECK(H5Sclose(space));
  CHECK(H5Gclose(das));
  CHECK(H5Fclose(f));
  free(strain);
  printf("demo_acquire: %llu channels x %llu samples at %d Hz in %s\n", (unsigned long long)dims[0],
         (unsigned long long)dims[1], hz, argv[1]);
  return 0;
}
