/* sessions_replace PATH N - N times: open PATH, read it, close it; then
 * replace PATH (unlink it, create it anew exclusively, write a line) and
 * read it N times again the same way. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long read_n(const char *path, int n)
{
  char buf[64];
  long total = 0;
  for (int i = 0; i < n; i++) {
    int fd = open(path, O_RDONLY);
    total += read(fd, buf, sizeof buf);
    close(fd);
  }
  return total;
}

int main(int argc, char **argv)
{
  if (argc != 3) return 2;
  long before = read_n(argv[1], atoi(argv[2]));
  if (unlink(argv[1]) != 0) return 1;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || write(fd, "new content\n", 12) != 12 || close(fd) != 0) return 1;
  long after = read_n(argv[1], atoi(argv[2]));
  printf("before=%ld after=%ld\n", before, after);
  return 0;
}
