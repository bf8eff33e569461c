/* Threads that record, then one large allocation: under `ulimit -v` it
 * must succeed tracked whenever it succeeds untracked. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_barrier_t ready, done;

static void *worker(void *arg)
{
  char name[32];
  snprintf(name, sizeof name, "w%ld.txt", (long)arg);
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  (void)!write(fd, "x\n", 2);
  close(fd);
  pthread_barrier_wait(&ready);
  pthread_barrier_wait(&done);
  return NULL;
}

int main(int argc, char **argv)
{
  size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 1000;
  pthread_barrier_init(&ready, NULL, 5);
  pthread_barrier_init(&done, NULL, 5);
  pthread_t th[4];
  for (long i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&ready);
  char *big = malloc(mb << 20);
  printf("malloc %zu MB: %s\n", mb, big ? "ok" : "failed");
  if (big) memset(big, 1, 4096);
  free(big);
  pthread_barrier_wait(&done);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  return 0;
}
