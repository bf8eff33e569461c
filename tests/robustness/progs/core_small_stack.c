/* Name operations, file I/O and stat from a thread with a 16 KiB stack and
 * from a signal handler running on an 8 KiB alternate stack; the thread
 * also forks (the child's start record is written on that stack). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void name_ops(const char *tag)
{
  char a[64], b[64], l[64];
  snprintf(a, sizeof a, "%s.a", tag);
  snprintf(b, sizeof b, "%s.b", tag);
  snprintf(l, sizeof l, "%s.l", tag);
  int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int w = (int)write(fd, "x\n", 2);
  close(fd);
  struct stat st;
  int st_rc = stat(a, &st);
  int r = rename(a, b);
  int s = symlink(b, l);
  int u1 = unlink(l), u2 = unlink(b);
  char line[128];
  int n = snprintf(line, sizeof line, "%s: fd>=0 %d write %d stat %d rename %d symlink %d unlink %d %d\n",
                   tag, fd >= 0, w, st_rc, r, s, u1, u2);
  (void)!write(1, line, (size_t)n);
}

static void *small_thread(void *arg)
{
  (void)arg;
  name_ops("thread");
  pid_t child = fork();
  if (child == 0) {
    name_ops("child");
    _exit(0);
  }
  int status = -1;
  waitpid(child, &status, 0);
  char line[64];
  int n = snprintf(line, sizeof line, "child status %d\n", status);
  (void)!write(1, line, (size_t)n);
  return NULL;
}

static void on_signal(int sig)
{
  (void)sig;
  int e = errno;
  name_ops("handler");
  errno = e;
}

int main(void)
{
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 16384);
  pthread_t th;
  if (pthread_create(&th, &attr, small_thread, NULL) != 0) return 2;
  pthread_join(th, NULL);

  static char alt[8192];
  stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
  if (sigaltstack(&ss, NULL) != 0) return 3;
  struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_ONSTACK};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("done\n");
  return 0;
}
