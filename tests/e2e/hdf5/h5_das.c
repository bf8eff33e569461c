/* h5_das - serial HDF5 programs the connector's end-to-end tests track.
 *
 *   h5_das make FILE            groups, datasets (many small writes, an
 *                               extendible, an anonymous one, one whose name
 *                               needs encoding), attributes,
 *                               a named datatype, hard/soft/external links,
 *                               move, copy, delete; /DAS/raw is then opened
 *                               relative to /DAS and by absolute path
 *   h5_das decimate IN OUT [F]  reads IN:/DAS/raw, writes every F-th sample
 *                               to OUT:/DAS/decimated
 *   h5_das fail FILE            a failing H5Dopen, with HDF5's automatic
 *                               error printing on (the stack goes to stderr)
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
#define CHUNK 100

#define CHECK(x)                                                   \
  do {                                                             \
    if ((x) < 0) {                                                 \
      fprintf(stderr, "h5_das: %s failed (line %d)\n", #x, __LINE__); \
      exit(1);                                                     \
    }                                                              \
  } while (0)

typedef struct sample {
  double t;
  float v;
} sample;

static void write_string_attr(hid_t obj, const char *name, const char *value)
{
  hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
  CHECK(H5Tset_size(type, strlen(value)));
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(a);
  CHECK(H5Awrite(a, type, value));
  CHECK(H5Aclose(a));
  H5Sclose(space);
  H5Tclose(type);
}

static double sum_raw(hid_t d)
{
  double *buf = malloc(N * sizeof *buf), s = 0;
  CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
  for (int i = 0; i < N; i++) s += buf[i];
  free(buf);
  return s;
}

static int make(const char *path)
{
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f);
  hid_t das = H5Gcreate2(f, "/DAS", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(das);
  int rate = 100;
  hid_t scalar = H5Screate(H5S_SCALAR);
  hid_t ra = H5Acreate2(das, "rate", H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(H5Awrite(ra, H5T_NATIVE_INT, &rate));
  CHECK(H5Aclose(ra));

  /* /DAS/raw in N/CHUNK small hyperslab writes. */
  hsize_t n = N, c = CHUNK;
  hid_t space = H5Screate_simple(1, &n, NULL), mem = H5Screate_simple(1, &c, NULL);
  hid_t raw = H5Dcreate2(das, "raw", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(raw);
  double buf[CHUNK];
  for (hsize_t off = 0; off < N; off += CHUNK) {
    for (int i = 0; i < CHUNK; i++) buf[i] = (double)(off + (hsize_t)i);
    CHECK(H5Sselect_hyperslab(space, H5S_SELECT_SET, &off, NULL, &c, NULL));
    CHECK(H5Dwrite(raw, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, buf));
  }
  write_string_attr(raw, "units", "m/s");
  CHECK(H5Dclose(raw));

  /* A named datatype and a dataset of it. */
  hid_t types = H5Gcreate2(f, "types", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t st = H5Tcreate(H5T_COMPOUND, sizeof(sample));
  CHECK(H5Tinsert(st, "t", HOFFSET(sample, t), H5T_NATIVE_DOUBLE));
  CHECK(H5Tinsert(st, "v", HOFFSET(sample, v), H5T_NATIVE_FLOAT));
  CHECK(H5Tcommit2(types, "sample_t", st, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  hsize_t ne = 4;
  hid_t espace = H5Screate_simple(1, &ne, NULL);
  hid_t ev = H5Dcreate2(das, "events", st, espace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  sample s[4];
  memset(s, 0, sizeof s); /* the padding too: it goes to the file */
  for (int i = 0; i < 4; i++) {
    s[i].t = i;
    s[i].v = (float)i + 1;
  }
  CHECK(H5Dwrite(ev, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, s));
  CHECK(H5Dclose(ev));
  CHECK(H5Tclose(st));
  CHECK(H5Gclose(types));

  /* Extendible: written, extended, written again. */
  hsize_t cur = 100, max = H5S_UNLIMITED, chunk = 50;
  hid_t sspace = H5Screate_simple(1, &cur, &max), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  CHECK(H5Pset_chunk(dcpl, 1, &chunk));
  hid_t stream = H5Dcreate2(das, "stream", H5T_NATIVE_INT, sspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  int ibuf[200] = {0};
  CHECK(H5Dwrite(stream, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ibuf));
  hsize_t grown = 200;
  CHECK(H5Dset_extent(stream, &grown));
  CHECK(H5Dwrite(stream, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ibuf));
  CHECK(H5Dclose(stream));

  /* Anonymous until linked. */
  hid_t anon = H5Dcreate_anon(f, H5T_NATIVE_INT, espace, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(H5Dwrite(anon, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ibuf));
  CHECK(H5Olink(anon, das, "anon", H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Dclose(anon));

  /* Links, move, copy, delete. */
  CHECK(H5Lcreate_hard(das, "raw", f, "/DAS/raw_alias", H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Lcreate_soft("/DAS/raw", f, "latest", H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Lcreate_external("other.h5", "/x", f, "ext", H5P_DEFAULT, H5P_DEFAULT));
  hid_t tmp = H5Gcreate2(das, "tmp", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(H5Gclose(tmp));
  CHECK(H5Lmove(das, "tmp", f, "/DAS/old", H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Ocopy(f, "/DAS/raw", das, "raw_copy", H5P_DEFAULT, H5P_DEFAULT));
  CHECK(H5Ldelete(f, "/DAS/old", H5P_DEFAULT));

  /* Names that need encoding: '@' and '#' in a path, '/' in an attribute. */
  hid_t odd = H5Dcreate2(das, "a b@c#d", H5T_NATIVE_INT, espace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(odd);
  write_string_attr(odd, "x/y", "z");
  CHECK(H5Dclose(odd));

  /* One object, opened two ways: relative to /DAS and absolute. */
  hid_t rel = H5Dopen2(das, "raw", H5P_DEFAULT), abs_ = H5Dopen2(f, "/DAS/raw", H5P_DEFAULT);
  CHECK(rel);
  CHECK(abs_);
  double a = sum_raw(rel), b = sum_raw(abs_);
  CHECK(H5Dclose(rel));
  CHECK(H5Dclose(abs_));
  CHECK(H5Fflush(f, H5F_SCOPE_GLOBAL));

  H5Sclose(space);
  H5Sclose(mem);
  H5Sclose(sspace);
  H5Sclose(espace);
  H5Sclose(scalar);
  H5Pclose(dcpl);
  CHECK(H5Gclose(das));
  CHECK(H5Fclose(f));
  printf("h5_das: made %s (sums %.0f %.0f)\n", path, a, b);
  return a == b ? 0 : 1;
}

static int decimate(const char *in, const char *out, int factor)
{
  hid_t fi = H5Fopen(in, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(fi);
  hid_t raw = H5Dopen2(fi, "/DAS/raw", H5P_DEFAULT);
  CHECK(raw);
  double *buf = malloc(N * sizeof *buf);
  CHECK(H5Dread(raw, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
  CHECK(H5Dclose(raw));
  CHECK(H5Fclose(fi));

  hsize_t n = 0;
  for (int i = 0; i < N; i += factor) buf[n++] = buf[i];
  hid_t fo = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(fo);
  hid_t das = H5Gcreate2(fo, "DAS", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t d = H5Dcreate2(das, "decimated", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(d);
  CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
  hid_t scalar = H5Screate(H5S_SCALAR);
  hid_t fa = H5Acreate2(d, "factor", H5T_NATIVE_INT, scalar, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(H5Awrite(fa, H5T_NATIVE_INT, &factor));
  CHECK(H5Aclose(fa));
  CHECK(H5Dclose(d));
  H5Sclose(space);
  H5Sclose(scalar);
  CHECK(H5Gclose(das));
  CHECK(H5Fclose(fo));
  free(buf);
  printf("h5_das: kept %llu samples\n", (unsigned long long)n);
  return 0;
}

/* The error stack HDF5 prints must be the same with provio stacked: a
 * failing open first (before the connector has seen any file), then
 * failures on objects of an open file, then another failing open. */
static int fail(const char *path)
{
  hid_t f0 = H5Fopen("no-such-file.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f);
  hid_t d = H5Dopen2(f, "/no/such/dataset", H5P_DEFAULT);
  hid_t g = H5Gopen2(f, "missing", H5P_DEFAULT);
  herr_t l = H5Ldelete(f, "absent", H5P_DEFAULT);
  CHECK(H5Fclose(f));
  hid_t f2 = H5Fopen("no-such-file.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
  return f0 < 0 && d < 0 && g < 0 && l < 0 && f2 < 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
  if (argc >= 3 && strcmp(argv[1], "make") == 0) return make(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "decimate") == 0)
    return decimate(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 10);
  if (argc >= 3 && strcmp(argv[1], "fail") == 0) return fail(argv[2]);
  fprintf(stderr, "usage: h5_das make FILE | decimate IN OUT [F] | fail FILE\n");
  return 2;
}
