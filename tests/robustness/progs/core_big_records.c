/* Enough file sessions to need several record-file chunks (under
 * `ulimit -f`, more than the limit allows in one file). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  int ok = 0;
  for (int i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "f%d.txt", i % 4000);
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ok += write(fd, "x\n", 2) == 2;
    close(fd);
    unlink(name);
  }
  printf("%d writes ok\n", ok);
  return 0;
}
