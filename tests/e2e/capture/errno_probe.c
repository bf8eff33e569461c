/* errno_probe DIR - prints what a series of failing and succeeding calls
 * return and leave in errno.  Tracked and untracked output must be equal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW(expr)                                              \
  do {                                                          \
    errno = 4242;                                               \
    long rc_ = (long)(expr);                                    \
    printf("%-40s rc=%ld errno=%d\n", #expr, rc_, errno);       \
  } while (0)

int main(int argc, char **argv)
{
  if (argc != 2 || chdir(argv[1]) != 0) return 2;
  struct stat st;
  char buf[16];
  SHOW(open("missing", O_RDONLY));
  SHOW(open("f", O_WRONLY | O_CREAT | O_TRUNC, 0600));
  int fd = open("f", O_RDWR);
  SHOW(write(fd, "abc", 3));
  SHOW(lseek(fd, 0, SEEK_SET));
  SHOW(read(fd, buf, sizeof buf));
  SHOW(read(-1, buf, 1));
  SHOW(write(12345, buf, 1));
  SHOW(stat("missing", &st));
  SHOW(stat("f", &st) == 0 && st.st_size == 3);
  SHOW(rename("missing", "x"));
  SHOW(unlink("missing"));
  SHOW(mkdir("f", 0700));
  SHOW(close(fd));
  SHOW(close(fd));
  SHOW(dup2(-5, 40));
  return 3; /* a distinctive exit status, compared too */
}
