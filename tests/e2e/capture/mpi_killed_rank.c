/* mpi_killed_rank DIR - every rank writes and closes DIR/rank<r>.dat (4096
 * bytes in 4 writes); then rank 1 kills itself with SIGKILL, mid-job. */
#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char path[4096], block[1024];
  memset(block, 'r', sizeof block);
  snprintf(path, sizeof path, "%s/rank%d.dat", argc > 1 ? argv[1] : ".", rank);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  for (int i = 0; i < 4; i++)
    if (write(fd, block, sizeof block) != sizeof block) MPI_Abort(MPI_COMM_WORLD, 1);
  close(fd);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 1) raise(SIGKILL);
  MPI_Finalize();
  return 0;
}
