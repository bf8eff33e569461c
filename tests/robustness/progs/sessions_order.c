/* sessions_order IN OUT - opens IN, creates OUT, writes OUT twice, closes
 * OUT, then reads IN twice: the reads come after OUT's last change, though
 * IN was open all along.  The clock moves on between the steps, so every
 * time the records keep (in microseconds) differs from the one before. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "clock_moves_on.h"

int main(int argc, char **argv)
{
  if (argc != 3) return 2;
  char buf[4];
  int in = open(argv[1], O_RDONLY);
  int out = open(argv[2], O_WRONLY | O_CREAT, 0600);
  clock_moves_on();
  ssize_t w1 = write(out, "ab", 2);
  clock_moves_on();
  ssize_t w2 = write(out, "cd", 2);
  clock_moves_on();
  int c = close(out);
  clock_moves_on();
  ssize_t r1 = read(in, buf, 2);
  clock_moves_on();
  ssize_t r2 = read(in, buf, 2);
  clock_moves_on();
  printf("in=%d out=%d wrote=%zd,%zd closed=%d read=%zd,%zd closed=%d\n", in, out, w1, w2, c, r1, r2,
         close(in));
  return 0;
}
