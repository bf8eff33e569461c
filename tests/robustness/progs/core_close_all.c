/* Closes every descriptor above 2 (close_range, or dup2 over each of
 * 3..1023 with argument "dup2"), keeping many directories open in the
 * program's work tree, then writes files: records must still land in
 * PROVIO_DIR and nowhere else. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
  int dup2_all = argc > 1 && strcmp(argv[1], "dup2") == 0;
  mkdir("tree", 0700);
  if (dup2_all) {
    int keep = open("tree", O_RDONLY | O_DIRECTORY);
    for (int fd = 3; fd < 1024; fd++)
      if (fd != keep) dup2(keep, fd);
  } else {
    if (close_range(3, ~0U, 0) != 0) printf("close_range: %s\n", strerror(errno));
    /* An nftw-style walk keeps one descriptor per directory level open. */
    for (int i = 0; i < 800; i++) {
      char d[64];
      snprintf(d, sizeof d, "tree/d%d", i);
      mkdir(d, 0700);
      open(d, O_RDONLY | O_DIRECTORY);
    }
  }
  for (int i = 0; i < 20; i++) {
    char f[64];
    snprintf(f, sizeof f, "out%d.txt", i);
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    printf("%s: fd %d write %d\n", f, fd, (int)write(fd, "data\n", 5));
    close(fd);
  }
  return 0;
}
