/* sessions_repeat IN OUT N - N times: open IN, read it, close it; then N
 * times: open OUT for appending, write a line, close it.  The clock moves
 * on between the sessions (clock_moves_on.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock_moves_on.h"

int main(int argc, char **argv)
{
  if (argc != 4) return 2;
  char buf[64];
  long read_total = 0, wrote_total = 0;
  for (int i = 0; i < atoi(argv[3]); i++) {
    int fd = open(argv[1], O_RDONLY);
    read_total += read(fd, buf, sizeof buf);
    close(fd);
    clock_moves_on();
  }
  for (int i = 0; i < atoi(argv[3]); i++) {
    int fd = open(argv[2], O_WRONLY | O_APPEND);
    wrote_total += write(fd, "line\n", 5);
    close(fd);
    clock_moves_on();
  }
  printf("read=%ld wrote=%ld\n", read_total, wrote_total);
  return 0;
}
