/* mpi_flow MODE DIR - two ranks whose files are DIR/NAME; data moves between
 * them only as MODE says (MPI_COMM_WORLD, 2 ranks).
 *
 *   bcast     rank 0 reads params, rank 1 reads r1; params is broadcast from
 *             0; each rank writes out<rank>: nothing flows from 1 to 0
 *   reduce    each rank reads in<rank>; a sum is reduced to rank 0; each
 *             rank writes out<rank>
 *   sendrecv  each rank reads in<rank>; rank 0 sends to rank 1; each rank
 *             writes out<rank>
 *   n1        each rank reads in<rank> and pwrites it at its own offset of
 *             one shared file (opened by both, neither truncates)
 *   mpiio     the same through MPI_File_write_at_all
 */
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 64

static char dir[4096];

static void die(const char *what)
{
  perror(what);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

static const char *path(const char *name, int rank)
{
  static char p[8192];
  if (rank >= 0)
    snprintf(p, sizeof p, "%s/%s%d", dir, name, rank);
  else
    snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

/* Reads up to BLOCK bytes of the file into buf (zero padded). */
static void slurp(const char *p, char *buf)
{
  memset(buf, 0, BLOCK);
  int fd = open(p, O_RDONLY);
  if (fd < 0 || read(fd, buf, BLOCK) < 0 || close(fd) < 0) die(p);
}

static void spill(const char *p, const void *buf, size_t n)
{
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, buf, n) != (ssize_t)n || close(fd) < 0) die(p);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc != 3) MPI_Abort(MPI_COMM_WORLD, 2);
  snprintf(dir, sizeof dir, "%s", argv[2]);
  const char *mode = argv[1];
  char buf[2 * BLOCK] = {0};

  if (!strcmp(mode, "bcast")) {
    slurp(rank == 0 ? path("params", -1) : path("r", rank), rank == 0 ? buf : buf + BLOCK);
    MPI_Bcast(buf, BLOCK, MPI_CHAR, 0, MPI_COMM_WORLD);
    spill(path("out", rank), buf, sizeof buf);
  } else if (!strcmp(mode, "reduce") || !strcmp(mode, "sendrecv")) {
    slurp(path("in", rank), buf);
    if (!strcmp(mode, "reduce")) {
      long mine = 0, sum = 0;
      for (int i = 0; i < BLOCK; i++) mine += buf[i];
      MPI_Reduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
      if (rank == 0) memcpy(buf + BLOCK, &sum, sizeof sum);
    } else if (rank == 0) {
      MPI_Send(buf, BLOCK, MPI_CHAR, 1, 7, MPI_COMM_WORLD);
    } else {
      MPI_Recv(buf + BLOCK, BLOCK, MPI_CHAR, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    spill(path("out", rank), buf, sizeof buf);
  } else if (!strcmp(mode, "n1")) {
    slurp(path("in", rank), buf);
    int fd = open(path("shared", -1), O_WRONLY | O_CREAT, 0644);
    if (fd < 0) die("shared");
    /* both sessions are open while either writes: one job version */
    MPI_Barrier(MPI_COMM_WORLD);
    if (pwrite(fd, buf, BLOCK, (off_t)rank * BLOCK) != BLOCK) die("pwrite");
    MPI_Barrier(MPI_COMM_WORLD);
    if (close(fd) < 0) die("close");
  } else if (!strcmp(mode, "mpiio")) {
    slurp(path("in", rank), buf);
    MPI_File f;
    if (MPI_File_open(MPI_COMM_WORLD, path("shared", -1), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL,
                      &f) != MPI_SUCCESS)
      die("MPI_File_open");
    if (MPI_File_write_at_all(f, (MPI_Offset)rank * BLOCK, buf, BLOCK, MPI_CHAR, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS)
      die("MPI_File_write_at_all");
    MPI_File_close(&f);
  } else {
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Finalize();
  return 0;
}
