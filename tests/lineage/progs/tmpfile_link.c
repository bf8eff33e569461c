/* tmpfile_link empty IN OUT  reads IN, writes it to an O_TMPFILE file in the
 *                            working directory and names that file OUT with
 *                            linkat(fd, "", ..., AT_EMPTY_PATH)
 * tmpfile_link proc IN OUT   the same, named through /proc/self/fd/N (how a
 *                            program without CAP_DAC_READ_SEARCH does it) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
  perror(what);
  exit(1);
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: tmpfile_link empty|proc IN OUT\n");
    return 2;
  }
  char buf[4096];
  int in = open(argv[2], O_RDONLY);
  ssize_t n = in < 0 ? -1 : read(in, buf, sizeof buf);
  if (n < 0 || close(in) != 0) die(argv[2]);
  int fd = open(".", O_TMPFILE | O_WRONLY, 0600);
  if (fd < 0) die("O_TMPFILE");
  if (write(fd, buf, (size_t)n) != n) die("write");
  if (strcmp(argv[1], "empty") == 0) {
    if (linkat(fd, "", AT_FDCWD, argv[3], AT_EMPTY_PATH) != 0) die("linkat");
  } else {
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, self, AT_FDCWD, argv[3], AT_SYMLINK_FOLLOW) != 0) die("linkat");
  }
  return close(fd) == 0 ? 0 : 1;
}
