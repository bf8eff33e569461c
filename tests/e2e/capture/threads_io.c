/* threads_io DIR THREADS N - each thread writes its own file (N writes of 10
 * bytes, then N/2 reads of 10 bytes) and N one-byte pwrites into one shared
 * descriptor: exact counts under threads are what the test checks. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int shared_fd, n;

static void *work(void *arg)
{
  long id = (long)arg;
  char name[64], buf[10] = "0123456789";
  snprintf(name, sizeof name, "thread%ld.dat", id);
  int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  for (int i = 0; i < n; i++)
    if (write(fd, buf, 10) != 10) exit(1);
  lseek(fd, 0, SEEK_SET);
  for (int i = 0; i < n / 2; i++)
    if (read(fd, buf, 10) != 10) exit(1);
  close(fd);
  for (int i = 0; i < n; i++)
    if (pwrite(shared_fd, "s", 1, id * n + i) != 1) exit(1);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc != 4 || chdir(argv[1]) != 0) return 2;
  int threads = atoi(argv[2]);
  n = atoi(argv[3]);
  shared_fd = open("shared.dat", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pthread_t th[64];
  for (long i = 0; i < threads; i++) pthread_create(&th[i], NULL, work, (void *)i);
  for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
  close(shared_fd);
  return 0;
}
