/* bench_hdf5 - what the provio VOL connector costs an HDF5 program.
 *
 *   bench_hdf5 [--pairs N] [--reps R] [--dir DIR]
 *
 * Runs on 2 MPI ranks (started without a launcher, it starts itself with
 * mpirun -n 2).  One parallel HDF5 workload, through the native connector
 * (untracked) and with provio stacked on it and recording (tracked,
 * PROVIO_DIR on DIR, default /dev/shm), interleaved in one job so that both
 * see the same machine.  A pair runs each side R times (default 3),
 * alternating, and its ratio is the best tracked time over the best
 * untracked one (a shared machine only ever adds time); the order inside a
 * pair alternates too.  Prints each pair's ratio and the median of N pairs
 * (default 11).
 *
 * The workload, per rank, shaped like a simulation's output step: 64 small
 * datasets, each created and written in 16 small hyperslab writes, then
 * reopened and read back in 16 small reads; a log dataset written in 2,000
 * small writes and read back in as many reads; 4 large datasets (8 MiB a
 * rank) written and read collectively.  Small transfers move 4 KiB. */
#define _GNU_SOURCE
#include <ftw.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SMALL_DSETS 64
#define SMALL_WRITES 16
#define PIECES 2000
#define PIECE 512 /* 4 KiB: the transfer size of the IOR-HDF5 runs in which
                     HDF5's own pass-through connector cost 13-16% */
#define LARGE_DSETS 4
#define LARGE_ELEMS (1 << 20)

static int rank, size;

#define CHECK(x)                                                        \
  do {                                                                  \
    if ((x) < 0) {                                                      \
      fprintf(stderr, "bench_hdf5: %s failed (line %d)\n", #x, __LINE__); \
      MPI_Abort(MPI_COMM_WORLD, 1);                                     \
    }                                                                   \
  } while (0)

/* The first count elements of the rank's slice [rank*n, (rank+1)*n) of a
 * 1-d dataset of size*n elements. */
static hid_t slice(hsize_t n, hsize_t count)
{
  hsize_t total = n * (hsize_t)size, off = n * (hsize_t)rank;
  hid_t s = H5Screate_simple(1, &total, NULL);
  CHECK(H5Sselect_hyperslab(s, H5S_SELECT_SET, &off, NULL, &count, NULL));
  return s;
}

/* Transfers of PIECE elements at the k-th piece of the rank's slice. */
static void pieces(hid_t d, int is_write, hsize_t slice_elems, int count, double *buf)
{
  hsize_t piece = PIECE;
  hid_t mem = H5Screate_simple(1, &piece, NULL), file = slice(slice_elems, piece);
  for (int k = 0; k < count; k++) {
    hsize_t off = slice_elems * (hsize_t)rank + (hsize_t)k * PIECE;
    CHECK(H5Sselect_hyperslab(file, H5S_SELECT_SET, &off, NULL, &piece, NULL));
    if (is_write)
      CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, mem, file, H5P_DEFAULT, buf));
    else
      CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, mem, file, H5P_DEFAULT, buf));
  }
  H5Sclose(mem);
  H5Sclose(file);
}

static void small_datasets(hid_t f, double *buf)
{
  hid_t g = H5Gcreate2(f, "small", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t n = (hsize_t)SMALL_WRITES * PIECE, total = n * (hsize_t)size;
  hid_t space = H5Screate_simple(1, &total, NULL);
  char name[32];
  for (int k = 0; k < SMALL_DSETS; k++) {
    snprintf(name, sizeof name, "d%d", k);
    hid_t d = H5Dcreate2(g, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(d);
    pieces(d, 1, n, SMALL_WRITES, buf);
    CHECK(H5Dclose(d));
  }
  for (int k = 0; k < SMALL_DSETS; k++) {
    snprintf(name, sizeof name, "d%d", k);
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    CHECK(d);
    pieces(d, 0, n, SMALL_WRITES, buf);
    CHECK(H5Dclose(d));
  }
  H5Sclose(space);
  CHECK(H5Gclose(g));
}

static void small_pieces(hid_t f, double *buf)
{
  hsize_t n = (hsize_t)PIECES * PIECE, total = n * (hsize_t)size;
  hid_t space = H5Screate_simple(1, &total, NULL);
  hid_t d = H5Dcreate2(f, "log", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(d);
  pieces(d, 1, n, PIECES, buf);
  pieces(d, 0, n, PIECES, buf);
  CHECK(H5Dclose(d));
  H5Sclose(space);
}

static void large_datasets(hid_t f, double *big)
{
  hsize_t n = LARGE_ELEMS;
  hid_t mem = H5Screate_simple(1, &n, NULL), file = slice(n, n);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  CHECK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  char name[32];
  for (int k = 0; k < LARGE_DSETS; k++) {
    snprintf(name, sizeof name, "big%d", k);
    hid_t d = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, file, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, mem, file, dxpl, big));
    CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, mem, file, dxpl, big));
    CHECK(H5Dclose(d));
  }
  H5Pclose(dxpl);
  H5Sclose(mem);
  H5Sclose(file);
}

static double workload(hid_t fapl, const char *dir, int iter, double *buf, double *big)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/work%d.h5", dir, iter);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  CHECK(f);
  small_datasets(f, buf);
  small_pieces(f, buf);
  large_datasets(f, big);
  CHECK(H5Fclose(f));
  MPI_Barrier(MPI_COMM_WORLD);
  double t = MPI_Wtime() - t0;
  if (rank == 0) unlink(path);
  return t;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  return remove(path);
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Without an MPI launcher around us: start ourselves on 2 ranks. */
static void relaunch(int argc, char **argv)
{
  if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK")) return;
  char **args = calloc((size_t)argc + 8, sizeof *args);
  int k = 0;
  args[k++] = "mpirun";
  args[k++] = "--oversubscribe";
  if (geteuid() == 0) args[k++] = "--allow-run-as-root";
  args[k++] = "-n";
  args[k++] = "2";
  for (int i = 0; i < argc; i++) args[k++] = argv[i];
  execvp("mpirun", args);
  perror("bench_hdf5: mpirun");
  exit(1);
}

int main(int argc, char **argv)
{
  int pairs = 11, reps = 3;
  const char *base = "/dev/shm";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--pairs")) pairs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--dir")) base = argv[i + 1];
  }
  if (pairs < 1 || pairs > 1000) pairs = 11;
  if (reps < 1 || reps > 100) reps = 3;
  relaunch(argc, argv);

  /* Scratch named by rank 0; the connector (and libprovio.so, which it
   * brings) must see PROVIO_DIR and the plugin path before HDF5 starts. */
  char dir[4096] = "";
  char prov[4200];
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank == 0) {
    snprintf(dir, sizeof dir, "%s/provio-bench-h5.XXXXXX", base);
    if (!mkdtemp(dir)) dir[0] = 0;
  }
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (!dir[0]) {
    if (rank == 0) fprintf(stderr, "bench_hdf5: cannot make a scratch directory in %s\n", base);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  snprintf(prov, sizeof prov, "%s/prov", dir);
  setenv("PROVIO_DIR", prov, 1);
  setenv("HDF5_PLUGIN_PATH", PV_PLUGIN_DIR, 1);
  unsetenv("HDF5_VOL_CONNECTOR");

  hid_t native = H5Pcreate(H5P_FILE_ACCESS), tracked = H5Pcreate(H5P_FILE_ACCESS);
  CHECK(H5Pset_fapl_mpio(native, MPI_COMM_WORLD, MPI_INFO_NULL));
  CHECK(H5Pset_fapl_mpio(tracked, MPI_COMM_WORLD, MPI_INFO_NULL));
  hid_t provio = H5VLregister_connector_by_name("provio", H5P_DEFAULT);
  void *info = NULL;
  CHECK(provio);
  CHECK(H5VLconnector_str_to_info("under_vol=0;under_info={}", provio, &info));
  CHECK(H5Pset_vol(tracked, provio, info));

  double *buf = calloc(PIECE, sizeof *buf), *big = calloc(LARGE_ELEMS, sizeof *big);
  double *ratio = calloc((size_t)pairs, sizeof *ratio), sum_u = 0, sum_t = 0;
  workload(native, dir, -1, buf, big); /* warm-up: page cache, MPI, HDF5 */
  workload(tracked, dir, -2, buf, big);
  for (int i = 0, run = 0; i < pairs; i++) {
    double u = 1e30, t = 1e30;
    for (int r = 0; r < 2 * reps; r++) {
      int is_tracked = (r + i) % 2;
      double x = workload(is_tracked ? tracked : native, dir, run++, buf, big);
      if (is_tracked && x < t) t = x;
      if (!is_tracked && x < u) u = x;
    }
    ratio[i] = t / u;
    sum_u += u;
    sum_t += t;
    if (rank == 0) printf("pair %d: untracked %.4f s, tracked %.4f s, ratio %.4f\n", i + 1, u, t, ratio[i]);
  }
  qsort(ratio, (size_t)pairs, sizeof *ratio, cmp);
  double median = pairs % 2 ? ratio[pairs / 2] : (ratio[pairs / 2 - 1] + ratio[pairs / 2]) / 2;
  if (rank == 0) {
    printf("bench_hdf5: %d ranks, %d pairs of %d runs a side, mean best untracked %.4f s, tracked %.4f s\n",
           size, pairs, reps, sum_u / pairs, sum_t / pairs);
    printf("bench_hdf5: median ratio tracked/untracked %.4f (target <= 1.03)\n", median);
  }
  H5VLfree_connector_info(provio, info);
  H5Pclose(native);
  H5Pclose(tracked);
  H5VLclose(provio);
  free(buf);
  free(big);
  free(ratio);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0 && nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fprintf(stderr, "bench_hdf5: could not remove %s\n", dir);
  MPI_Finalize();
  return 0;
}
