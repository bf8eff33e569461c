/* The vfork pattern of posix shells and spawn libraries: the child tries
 * to exec, and on failure reports errno through the memory it shares with
 * the parent before _exit(127).  With an argument, the child execs it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  volatile int child_errno = 0;
  char *target = argc > 1 ? argv[1] : "/nonexistent/program";
  char *args[] = {target, argc > 2 ? argv[2] : NULL, NULL};
  fflush(stdout);
  pid_t pid = vfork();
  if (pid == 0) {
    execv(target, args);
    child_errno = errno;
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("vfork %s, child errno %s, status %d\n", pid > 0 ? "ok" : "failed",
         child_errno ? strerror(child_errno) : "none", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
