/* killed_writer DIR - writes and closes DIR/closed.dat (1000 bytes in 10
 * writes), leaves DIR/open.dat open with 5 bytes written, says "ready" on
 * stdout and waits to be killed. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 2 || chdir(argv[1]) != 0) return 2;
  char block[100];
  memset(block, 'x', sizeof block);
  int fd = open("closed.dat", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  for (int i = 0; i < 10; i++)
    if (write(fd, block, sizeof block) != sizeof block) return 1;
  close(fd);
  fd = open("open.dat", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (write(fd, block, 5) != 5) return 1;
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
