/* Data between two ranks by the calls the MPI module records as flows
 * (test_dataflow.py): a receive from a named source, a broadcast from 0,
 * a reduction to 0, allreduces on MPI_COMM_WORLD, on a duplicate of it and
 * on one-rank communicators, receives from MPI_ANY_SOURCE into
 * MPI_STATUS_IGNORE (blocking, and nonblocking completed by MPI_Waitall
 * with MPI_STATUSES_IGNORE), a sendrecv, and a nonblocking broadcast and
 * allreduce.  Prints what each rank got and
 * every return code.  The first argument (a data file) is not used; with
 * "kill" as second, rank 1 ends by SIGKILL instead of MPI_Finalize. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, rc = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int other = 1 - rank;
  long v = 0, sum = 0, got[2] = {0, 0};

  if (rank == 0) rc |= MPI_Send(&(long){7}, 1, MPI_LONG, 1, 1, MPI_COMM_WORLD);
  else rc |= MPI_Recv(&v, 1, MPI_LONG, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

  long b = rank == 0 ? 11 : 0;
  rc |= MPI_Bcast(&b, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  long mine = rank + 1;
  rc |= MPI_Reduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  long all = 0;
  rc |= MPI_Allreduce(&mine, &all, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);

  long any = 0;
  if (rank == 1) rc |= MPI_Send(&(long){13}, 1, MPI_LONG, 0, 2, MPI_COMM_WORLD);
  else rc |= MPI_Recv(&any, 1, MPI_LONG, MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

  MPI_Request req[2];
  /* through a volatile: GCC takes MPICH's (MPI_Status *)1 for an array */
  MPI_Status *volatile ignore = MPI_STATUSES_IGNORE;
  if (rank == 0) {
    rc |= MPI_Irecv(&got[0], 1, MPI_LONG, MPI_ANY_SOURCE, 3, MPI_COMM_WORLD, &req[0]);
    rc |= MPI_Irecv(&got[1], 1, MPI_LONG, 1, 4, MPI_COMM_WORLD, &req[1]);
    rc |= MPI_Waitall(2, req, ignore);
  } else {
    rc |= MPI_Send(&(long){17}, 1, MPI_LONG, 0, 3, MPI_COMM_WORLD);
    rc |= MPI_Send(&(long){19}, 1, MPI_LONG, 0, 4, MPI_COMM_WORLD);
  }

  MPI_Comm dup, alone;
  long dsum = 0, asum = 0;
  rc |= MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  rc |= MPI_Allreduce(&mine, &dsum, 1, MPI_LONG, MPI_SUM, dup);
  rc |= MPI_Comm_free(&dup);
  rc |= MPI_Comm_split(MPI_COMM_WORLD, rank, 0, &alone);
  rc |= MPI_Allreduce(&mine, &asum, 1, MPI_LONG, MPI_SUM, alone);
  rc |= MPI_Comm_free(&alone);

  long out = 100 + rank, in = 0;
  rc |= MPI_Sendrecv(&out, 1, MPI_LONG, other, 5, &in, 1, MPI_LONG, other, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

  /* nonblocking collectives, completed in whichever order by MPI_Waitany */
  long ib = rank == 0 ? 23 : 0, iall = 0;
  MPI_Request coll[2];
  rc |= MPI_Ibcast(&ib, 1, MPI_LONG, 0, MPI_COMM_WORLD, &coll[0]);
  rc |= MPI_Iallreduce(&mine, &iall, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD, &coll[1]);
  for (int i = 0, index; i < 2; i++) rc |= MPI_Waitany(2, coll, &index, MPI_STATUS_IGNORE);

  if (rank == 1 && argc > 2 && !strcmp(argv[2], "kill")) kill(getpid(), SIGKILL);
  printf("rank %d: v %ld b %ld sum %ld all %ld any %ld got %ld %ld dup %ld alone %ld in %ld ib %ld iall %ld rc %d\n",
         rank, v, b, sum, all, any, got[0], got[1], dsum, asum, in, ib, iall, rc);
  MPI_Finalize();
  return 0;
}
