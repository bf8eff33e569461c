/* A vfork child whose exec fails and that leaves through exit(), not
 * _exit(): undefined by POSIX but common.  The child runs the destructors
 * in its parent's memory; the parent then writes after.txt and exits 0. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
  fflush(stdout);
  pid_t pid = vfork();
  if (pid == 0) {
    char *args[] = {"/nonexistent/program", NULL};
    execv(args[0], args);
    exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  int fd = open("after.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ssize_t w = write(fd, "after\n", 6);
  close(fd);
  printf("child status %d, wrote %zd\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, w);
  return 0;
}
