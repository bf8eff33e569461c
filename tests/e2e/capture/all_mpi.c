/* all_mpi INIT NAMES DIR - calls every MPI function libprovio wraps, for
 * capture.mpi_wrappers (trace mode: each must leave a record named after
 * it).  INIT is how MPI starts: Init, Init_thread, PInit or PInit_thread
 * (the PMPI_ entry points).  NAMES is "mpi" or "pmpi": which names the
 * MPI-IO and MPI_Finalize calls use; "none" skips MPI-IO.  All I/O is on
 * MPI_COMM_SELF, so ranks started together do not depend on each other. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pmpi;
#define CALL(name, ...) (pmpi ? PMPI_##name(__VA_ARGS__) : MPI_##name(__VA_ARGS__))

static int failures;
#define CHECK(call)                                                                               \
  do {                                                                                            \
    if ((call) != MPI_SUCCESS) {                                                                  \
      fprintf(stderr, "all_mpi: line %d: %s failed\n", __LINE__, #call);                          \
      failures++;                                                                                 \
    }                                                                                             \
  } while (0)

/* Each read or each write (kind), once. */
#define EVERY(kind, buf)                                                                          \
  CHECK(CALL(File_##kind, fh, buf, 4, MPI_INT, &st));                                             \
  CHECK(CALL(File_##kind##_at, fh, 16, buf, 4, MPI_INT, &st));                                    \
  CHECK(CALL(File_##kind##_all, fh, buf, 4, MPI_INT, &st));                                       \
  CHECK(CALL(File_##kind##_at_all, fh, 48, buf, 4, MPI_INT, &st));                                \
  CHECK(CALL(File_##kind##_shared, fh, buf, 4, MPI_INT, &st));                                    \
  CHECK(CALL(File_##kind##_ordered, fh, buf, 4, MPI_INT, &st));                                   \
  CHECK(CALL(File_i##kind, fh, buf, 4, MPI_INT, &rq) || MPI_Wait(&rq, &st));                      \
  CHECK(CALL(File_i##kind##_at, fh, 96, buf, 4, MPI_INT, &rq) || MPI_Wait(&rq, &st));             \
  CHECK(CALL(File_i##kind##_all, fh, buf, 4, MPI_INT, &rq) || MPI_Wait(&rq, &st));                \
  CHECK(CALL(File_i##kind##_at_all, fh, 128, buf, 4, MPI_INT, &rq) || MPI_Wait(&rq, &st));        \
  CHECK(CALL(File_i##kind##_shared, fh, buf, 4, MPI_INT, &rq) || MPI_Wait(&rq, &st));

static void file_calls(const char *path)
{
  MPI_File fh;
  MPI_Status st;
  MPI_Request rq;
  int v[4] = {1, 2, 3, 4}, r[4];
  CHECK(CALL(File_open, MPI_COMM_SELF, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh));
  CHECK(CALL(File_set_size, fh, 0));
  EVERY(write, v)
  CHECK(CALL(File_sync, fh));
  CHECK(MPI_File_seek(fh, 0, MPI_SEEK_SET));
  CHECK(MPI_File_seek_shared(fh, 0, MPI_SEEK_SET));
  EVERY(read, r)
  CHECK(CALL(File_close, &fh));
}

int main(int argc, char **argv)
{
  if (argc != 4) return 2;
  const char *init = argv[1];
  pmpi = strcmp(argv[2], "pmpi") == 0;
  int provided;
  if (strcmp(init, "Init") == 0) CHECK(MPI_Init(&argc, &argv));
  else if (strcmp(init, "PInit") == 0) CHECK(PMPI_Init(&argc, &argv));
  else if (strcmp(init, "Init_thread") == 0) CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided));
  else CHECK(PMPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided));
  if (strcmp(argv[2], "none") != 0) {
    char path[4096];
    snprintf(path, sizeof path, "%s/all_mpi.%s.%s.dat", argv[3], init, argv[2]);
    file_calls(path);
  }
  CHECK(CALL(Finalize));
  return failures ? 1 : 0;
}
