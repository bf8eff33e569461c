/* sessions_ids A B C - reads A with read(), B with fread() and C through
 * a dup() of its descriptor (three names of one file: a path, a symbolic
 * link, a hard link). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 4) return 2;
  char buf[16];
  int a = open(argv[1], O_RDONLY);
  ssize_t ra = read(a, buf, sizeof buf);
  FILE *b = fopen(argv[2], "r");
  size_t rb = b ? fread(buf, 1, sizeof buf, b) : 0;
  int c = open(argv[3], O_RDONLY);
  int d = dup(c);
  ssize_t rd = read(d, buf, sizeof buf);
  printf("a=%d:%zd b=%zu c=%d d=%d:%zd closed=%d,%d,%d,%d\n", a, ra, rb, c, d, rd, close(a),
         b ? fclose(b) : -1, close(c), close(d));
  return 0;
}
