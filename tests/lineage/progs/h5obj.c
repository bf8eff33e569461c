/* h5obj make FILE    creates FILE with datasets /a/x and /a/z and a group /b
 * h5obj derive FILE  reads /a/x only and writes /b/y from it (same file) */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#define N 16

#define CHECK(x)                                                    \
  do {                                                              \
    if ((x) < 0) {                                                  \
      fprintf(stderr, "h5obj: %s failed (line %d)\n", #x, __LINE__); \
      return 1;                                                     \
    }                                                               \
  } while (0)

static int put(hid_t loc, const char *name, const int *v)
{
  hsize_t dims[1] = {N};
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(d);
  CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v));
  CHECK(H5Dclose(d));
  H5Sclose(space);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 3) return 2;
  int v[N];
  if (!strcmp(argv[1], "make")) {
    hid_t f = H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(f);
    hid_t a = H5Gcreate2(f, "/a", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(a);
    for (int i = 0; i < N; i++) v[i] = i;
    if (put(a, "x", v)) return 1;
    for (int i = 0; i < N; i++) v[i] = -i;
    if (put(a, "z", v)) return 1;
    CHECK(H5Gclose(a));
    hid_t b = H5Gcreate2(f, "/b", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(b);
    CHECK(H5Gclose(b));
    CHECK(H5Fclose(f));
    return 0;
  }
  hid_t f = H5Fopen(argv[2], H5F_ACC_RDWR, H5P_DEFAULT);
  CHECK(f);
  hid_t x = H5Dopen2(f, "/a/x", H5P_DEFAULT);
  CHECK(x);
  CHECK(H5Dread(x, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v));
  CHECK(H5Dclose(x));
  for (int i = 0; i < N; i++) v[i] *= 2;
  if (put(f, "/b/y", v)) return 1;
  CHECK(H5Fclose(f));
  return 0;
}
