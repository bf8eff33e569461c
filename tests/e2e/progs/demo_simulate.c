/* demo_simulate PARAMS OUT - the demo job's MPI step: every rank reads the
 * parameter file and writes its own block of OUT with POSIX pwrite. */
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "provio.h"

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc != 3) {
    if (rank == 0) fprintf(stderr, "usage: demo_simulate PARAMS OUT\n");
    MPI_Finalize();
    return 2;
  }
  FILE *params = fopen(argv[1], "r");
  long samples = 4096;
  if (!params || fscanf(params, "samples=%ld", &samples) != 1) {
    fprintf(stderr, "demo_simulate: cannot read %s\n", argv[1]);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  fclose(params);
  char value[32];
  snprintf(value, sizeof value, "%ld", samples);
  provio_annotate("samples", value); /* a no-op when untracked */

  int fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
  if (fd < 0) MPI_Abort(MPI_COMM_WORLD, 1);
  double *block = malloc((size_t)samples * sizeof *block);
  for (long i = 0; i < samples; i++) block[i] = (double)(rank * samples + i) * 0.5;
  off_t offset = (off_t)rank * samples * (off_t)sizeof *block;
  if (pwrite(fd, block, (size_t)samples * sizeof *block, offset) < 0) MPI_Abort(MPI_COMM_WORLD, 1);
  close(fd);
  free(block);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) printf("demo_simulate: %d ranks wrote %ld samples each to %s\n", size, samples, argv[2]);
  MPI_Finalize();
  return 0;
}
