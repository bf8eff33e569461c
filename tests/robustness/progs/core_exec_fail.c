/* Exec attempts that fail (a PATH search's first probes), after which the
 * program goes on and writes a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
  char *args[] = {"missing", NULL};
  int rc = execv("/nonexistent/missing", args);
  printf("execv: %d %s\n", rc, strerror(errno));
  rc = execvp("no-such-program-anywhere", args);
  printf("execvp: %d %s\n", rc, strerror(errno));
  int fd = open("after-exec.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  printf("write %d\n", (int)write(fd, "after\n", 6));
  close(fd);
  return 0;
}
