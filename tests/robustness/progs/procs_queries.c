/* Path queries summed per process image across many forks, a raw clone
 * and an exec: each image reports its own counts, never its parent's.
 *   parent: a.txt 3 + 2 times, q0..q{paths-1} once each, shared.txt once
 *   fork child i: shared.txt i+1 times, then exit()
 *   raw clone child: r.txt 4 times, then exit()
 *   exec child: e.txt twice, then execs /bin/true */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void query(const char *path, int times)
{
  struct stat st;
  for (int i = 0; i < times; i++) printf("%s %d\n", path, stat(path, &st));
}

static void reap(pid_t pid, const char *what)
{
  int status = 0;
  waitpid(pid, &status, 0);
  printf("%s exited %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
  int children = argc > 1 ? atoi(argv[1]) : 20, paths = argc > 2 ? atoi(argv[2]) : 300;
  query("a.txt", 3);
  query("shared.txt", 1);
  fflush(stdout);
  for (int i = 0; i < children; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      query("shared.txt", i + 1);
      exit(0);
    }
    reap(pid, "fork child");
  }
  fflush(stdout);
  pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) {
    query("r.txt", 4);
    exit(0);
  }
  reap(pid, "clone child");
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    query("e.txt", 2);
    fflush(stdout);
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  reap(pid, "exec child");
  char name[32];
  for (int i = 0; i < paths; i++) {
    snprintf(name, sizeof name, "q%d", i);
    query(name, 1);
  }
  query("a.txt", 2);
  return 0;
}
