/* Two ranks write their halves of one file collectively without asking for
 * a status (MPI_STATUS_IGNORE: NULL in Open MPI, 1 in the MPICH ABI), then
 * each reads the other's half; prints what it read and every return code.
 * Built once per MPI family (mpi.cmake), also as a library with -DROUNDTRIP_LIBRARY
 * for via_library.c. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int roundtrip(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char buf[1000];
  memset(buf, 'a' + rank, sizeof buf);
  MPI_File fh;
  int open = MPI_File_open(MPI_COMM_WORLD, argc > 1 ? argv[1] : "roundtrip.dat", MPI_MODE_CREATE | MPI_MODE_RDWR,
                           MPI_INFO_NULL, &fh);
  int write = MPI_File_write_at_all(fh, (MPI_Offset)rank * sizeof buf, buf, sizeof buf, MPI_CHAR, MPI_STATUS_IGNORE);
  /* MPI's sync-barrier-sync: the other rank's write is then visible */
  int sync = MPI_File_sync(fh);
  MPI_Barrier(MPI_COMM_WORLD);
  sync |= MPI_File_sync(fh);
  memset(buf, 0, sizeof buf);
  int read = MPI_File_read_at_all(fh, (MPI_Offset)((rank + 1) % size) * sizeof buf, buf, sizeof buf, MPI_CHAR,
                                  MPI_STATUS_IGNORE);
  /* "open" as second argument: end with the file open and MPI not
   * finalized, as a rank that fails and exits does */
  if (argc > 2 && !strcmp(argv[2], "open")) {
    printf("rank %d of %d: open %d write %d sync %d read %d, read '%c'...'%c'\n", rank, size, open, write, sync,
           read, buf[0], buf[sizeof buf - 1]);
    return 0;
  }
  int close = MPI_File_close(&fh);
  printf("rank %d of %d: open %d write %d sync %d read %d close %d, read '%c'...'%c'\n", rank, size, open, write,
         sync, read, close, buf[0], buf[sizeof buf - 1]);
  MPI_Finalize();
  return 0;
}

#ifndef ROUNDTRIP_LIBRARY
int main(int argc, char **argv) { return roundtrip(argc, argv); }
#endif
