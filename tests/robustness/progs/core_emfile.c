/* Opens descriptors until EMFILE (run under a low RLIMIT_NOFILE) and
 * prints how many it got and their numbers: tracked must equal untracked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
  int fds[4096], n = 0;
  for (; n < 4096; n++) {
    fds[n] = open("/dev/null", O_RDONLY);
    if (fds[n] < 0) break;
  }
  printf("opened %d, then errno %s\n", n, strerror(errno));
  for (int i = 0; i < n; i++) printf("%d ", fds[i]);
  printf("\n");
  for (int i = 0; i < n; i++) close(fds[i]);
  /* A file written after the program ran out: recorded as usual. */
  int fd = open("after.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  printf("after: %d write %d\n", fd, (int)write(fd, "y\n", 2));
  close(fd);
  return 0;
}
