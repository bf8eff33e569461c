/* mmapio read IN OUT   reads IN through a private read-only mapping and
 *                      writes it to OUT with write()
 * mmapio write IN OUT  reads IN with read() and writes it to OUT through a
 *                      shared writable mapping (no write() on OUT) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what)
{
  perror(what);
  exit(1);
}

int main(int argc, char **argv)
{
  if (argc != 4) return 2;
  int in = open(argv[2], O_RDONLY);
  struct stat st;
  if (in < 0 || fstat(in, &st) < 0 || st.st_size == 0) die(argv[2]);
  size_t n = (size_t)st.st_size;
  if (!strcmp(argv[1], "read")) {
    char *src = mmap(NULL, n, PROT_READ, MAP_PRIVATE, in, 0);
    if (src == MAP_FAILED) die("mmap in");
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || write(out, src, n) != (ssize_t)n || close(out) < 0) die(argv[3]);
    munmap(src, n);
  } else {
    char *buf = malloc(n);
    if (!buf || read(in, buf, n) != (ssize_t)n) die("read in");
    int out = open(argv[3], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || ftruncate(out, (off_t)n) < 0) die(argv[3]);
    char *dst = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0);
    if (dst == MAP_FAILED) die("mmap out");
    memcpy(dst, buf, n);
    if (msync(dst, n, MS_SYNC) < 0 || munmap(dst, n) < 0 || close(out) < 0) die("unmap out");
    free(buf);
  }
  close(in);
  return 0;
}
