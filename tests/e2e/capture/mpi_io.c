/* mpi_io DIR - an MPI job for capture.mpi_io: every rank runs 4 threads
 * that each write their own files (200 fwrite calls of 32 bytes through
 * stdio, 50 write calls of 64 bytes through POSIX), then all ranks write
 * and read DIR/shared.dat through MPI-IO, independently and collectively:
 *   write_at 1000 ints at rank*4000            (independent, 4000 bytes)
 *   write_at_all 1000 ints at (size+rank)*4000 (collective, 4000 bytes)
 *   sync
 *   read_at the first block back               (independent, 4000 bytes)
 *   read_at_all the second block back          (collective, 4000 bytes)
 *   read_at 1000 ints from 2000 bytes before the end: 500 come back
 *                                              (independent, 2000 bytes)
 * Rank 0 prints a checksum of what was read. */
#include <fcntl.h>
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 4
#define N 1000

static const char *dir;
static int rank;

static void fail(const char *what)
{
  fprintf(stderr, "mpi_io rank %d: %s failed\n", rank, what);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

static void *worker(void *arg)
{
  int t = (int)(long)arg;
  char path[4096], rec[32];
  memset(rec, 'a' + t, sizeof rec);
  snprintf(path, sizeof path, "%s/r%d.t%d.txt", dir, rank, t);
  FILE *f = fopen(path, "w");
  if (!f) fail("fopen");
  for (int i = 0; i < 200; i++)
    if (fwrite(rec, 1, sizeof rec, f) != sizeof rec) fail("fwrite");
  if (fclose(f) != 0) fail("fclose");
  snprintf(path, sizeof path, "%s/r%d.t%d.bin", dir, rank, t);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("open");
  char block[64];
  memset(block, 'A' + t, sizeof block);
  for (int i = 0; i < 50; i++)
    if (write(fd, block, sizeof block) != sizeof block) fail("write");
  if (close(fd) != 0) fail("close");
  return NULL;
}

int main(int argc, char **argv)
{
  int provided, size;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc != 2) fail("usage: mpi_io DIR");
  dir = argv[1];

  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++)
    if (pthread_create(&th[t], NULL, worker, (void *)t) != 0) fail("pthread_create");
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);

  char path[4096];
  snprintf(path, sizeof path, "%s/shared.dat", dir);
  MPI_File fh;
  if (MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh))
    fail("MPI_File_open");
  int out[N], in[N];
  for (int i = 0; i < N; i++) out[i] = rank * N + i;
  MPI_Offset block = (MPI_Offset)N * sizeof(int);
  MPI_Status st;
  if (MPI_File_write_at(fh, rank * block, out, N, MPI_INT, MPI_STATUS_IGNORE)) fail("write_at");
  if (MPI_File_write_at_all(fh, (size + rank) * block, out, N, MPI_INT, &st)) fail("write_at_all");
  if (MPI_File_sync(fh)) fail("sync");
  long sum = 0;
  if (MPI_File_read_at(fh, rank * block, in, N, MPI_INT, &st)) fail("read_at");
  for (int i = 0; i < N; i++) sum += in[i];
  if (MPI_File_read_at_all(fh, (size + rank) * block, in, N, MPI_INT, MPI_STATUS_IGNORE))
    fail("read_at_all");
  for (int i = 0; i < N; i++) sum += in[i];
  if (MPI_File_read_at(fh, 2 * size * block - 2000, in, N, MPI_INT, &st)) fail("read_at end");
  int got;
  MPI_Get_count(&st, MPI_INT, &got);
  if (got != 500) fail("short read");
  if (MPI_File_close(&fh)) fail("MPI_File_close");

  long total;
  MPI_Reduce(&sum, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("mpi_io: %d ranks, %d threads each, checksum %ld\n", size, THREADS, total);
  MPI_Finalize();
  return 0;
}
