/* libmpi_module.so - MPI code in a module a program without MPI dlopen's
 * with RTLD_LOCAL, as Python loads an MPI extension: its calls bind to
 * provio's wrappers first, while libmpi is outside the global scope where
 * RTLD_NEXT looks.  mpi_module_run writes 4 ints to path through MPI-IO. */
#include <mpi.h>
#include <stdio.h>

int mpi_module_run(int argc, char **argv, const char *path)
{
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 10;
  int rank, v[4] = {1, 2, 3, 4};
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_File fh;
  if (MPI_File_open(MPI_COMM_SELF, path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh) ||
      MPI_File_write(fh, v, 4, MPI_INT, MPI_STATUS_IGNORE) || MPI_File_close(&fh))
    return 11;
  printf("mpi_module: rank %d wrote %s\n", rank, path);
  return MPI_Finalize() == MPI_SUCCESS ? 0 : 12;
}
