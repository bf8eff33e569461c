/* A program that links no MPI and asks, as libraries with optional MPI
 * support do, whether MPI is there through weak symbols. */
#include <stdio.h>

extern int MPI_Init() __attribute__((weak));
extern int PMPI_File_open() __attribute__((weak));
extern int MPI_File_write_at_all() __attribute__((weak));

int main(void)
{
  printf("MPI_Init %d PMPI_File_open %d MPI_File_write_at_all %d\n", MPI_Init != 0, PMPI_File_open != 0,
         MPI_File_write_at_all != 0);
  return 0;
}
