/* Threads still running (and recording) when main returns. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_barrier_t started;

static void *busy(void *arg)
{
  char name[32];
  snprintf(name, sizeof name, "t%ld.txt", (long)arg);
  for (long i = 0;; i++) {
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    (void)!write(fd, "x", 1);
    close(fd);
    if (i == 20) pthread_barrier_wait(&started);
  }
  return NULL;
}

int main(void)
{
  pthread_barrier_init(&started, NULL, 5);
  pthread_t th;
  for (long i = 0; i < 4; i++) pthread_create(&th, NULL, busy, (void *)i);
  pthread_barrier_wait(&started);
  printf("leaving with threads running\n");
  return 0;
}
