/* libmpi_stacker.so - a stand-in for another MPI tool preloaded next to
 * provio, made the way Darshan is: its MPI_Init and MPI_File_open call
 * PMPI_Init and PMPI_File_open directly (whatever definition the loader
 * binds first), instead of the next MPI_ definition.  Each call appends a
 * line to $STACKER_LOG, so the test can see the tool ran. */
#include <fcntl.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void note(const char *what)
{
  const char *log = getenv("STACKER_LOG");
  if (!log) return;
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  if (write(fd, what, strlen(what)) < 0) {
    /* the test sees the line missing */
  }
  close(fd);
}

int MPI_Init(int *argc, char ***argv)
{
  note("MPI_Init\n");
  return PMPI_Init(argc, argv);
}

int MPI_File_open(MPI_Comm comm, const char *name, int amode, MPI_Info info, MPI_File *fh)
{
  note("MPI_File_open\n");
  return PMPI_File_open(comm, name, amode, info, fh);
}
