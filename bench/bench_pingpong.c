/* bench_pingpong - the MPI-heavy case: 8-byte messages back and forth.
 *
 *   mpirun -n 2 bench_pingpong [ROUNDS]
 *
 * Rank 0 sends 8 bytes to rank 1, which sends them back, ROUNDS times
 * (default 200,000); rank 0 prints "seconds <s> rounds <n>". */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  long rounds = argc > 1 ? atol(argv[1]) : 200000;
  long msg = 0;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < rounds; i++) {
    if (rank == 0) {
      MPI_Send(&msg, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(&msg, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(&msg, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      msg++;
      MPI_Send(&msg, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD);
    }
  }
  double dt = MPI_Wtime() - t0;
  if (rank == 0) printf("seconds %.6f rounds %ld\n", dt, msg);
  MPI_Finalize();
  return rank == 0 && msg != rounds;
}
