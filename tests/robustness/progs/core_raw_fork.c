/* A parent with 50 file sessions forks without fork() (a raw clone
 * syscall, as _Fork does: no atfork handlers run); the child writes its
 * own files.  The parent's records must stay the parent's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void sessions(const char *name, int n)
{
  for (int i = 0; i < n; i++) {
    int fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0600);
    (void)!write(fd, "line\n", 5);
    close(fd);
  }
}

int main(void)
{
  sessions("parent.txt", 50);
  fflush(stdout);
  pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) {
    sessions("child.txt", 200);
    sessions("parent.txt", 100);
    char big[8192] = {0};
    int fd = open("child-big.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    for (int i = 0; i < 200; i++) (void)!write(fd, big, sizeof big);
    close(fd);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
