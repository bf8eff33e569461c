/* bench_meta - an mdtest-shaped metadata workload, one directory per rank.
 *
 *   mpirun -n 2 bench_meta DIR FILES
 *
 * Each rank creates FILES files of 4 KiB in DIR/rank<r>/ (open, write,
 * close), stats each, reopens and reads each, and unlinks each; the phases
 * are separated by barriers, as mdtest's are.  Rank 0 prints one line:
 *   seconds <total> create <s> stat <s> read <s> remove <s> sessions <n>
 * where sessions counts the open..close sessions of all ranks (what
 * bench/run divides the provenance volume by). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double phase(double *t)
{
  MPI_Barrier(MPI_COMM_WORLD);
  double now = MPI_Wtime(), d = now - *t;
  *t = now;
  return d;
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc != 3) {
    if (rank == 0) fprintf(stderr, "usage: bench_meta DIR FILES\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  long files = atol(argv[2]);
  char dir[4096], path[4200];
  snprintf(dir, sizeof dir, "%s/rank%d", argv[1], rank);
  if (mkdir(dir, 0700) != 0) {
    perror(dir);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  static char block[4096];
  double t = MPI_Wtime(), start = t, d[4];
  int bad = 0;
  for (long i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/f.%ld", dir, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    bad |= fd < 0 || write(fd, block, sizeof block) != (ssize_t)sizeof block;
    close(fd);
  }
  d[0] = phase(&t);
  struct stat st;
  for (long i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/f.%ld", dir, i);
    bad |= stat(path, &st) != 0 || st.st_size != (off_t)sizeof block;
  }
  d[1] = phase(&t);
  for (long i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/f.%ld", dir, i);
    int fd = open(path, O_RDONLY);
    bad |= fd < 0 || read(fd, block, sizeof block) != (ssize_t)sizeof block;
    close(fd);
  }
  d[2] = phase(&t);
  for (long i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/f.%ld", dir, i);
    bad |= unlink(path) != 0;
  }
  rmdir(dir);
  d[3] = phase(&t);
  int any_bad = 0;
  MPI_Reduce(&bad, &any_bad, 1, MPI_INT, MPI_LOR, 0, MPI_COMM_WORLD);
  if (rank == 0)
    printf("seconds %.6f create %.6f stat %.6f read %.6f remove %.6f sessions %ld\n", t - start, d[0],
           d[1], d[2], d[3], 2 * files * size);
  MPI_Finalize();
  return any_bad;
}
