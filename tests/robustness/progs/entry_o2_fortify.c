/* What a distribution compiler makes of ordinary stdio and POSIX reads:
 * built with -O2 -D_FORTIFY_SOURCE=2 (the name's _fortify suffix asks
 * robustness.cmake for it), read, pread, fread, fgets, fprintf, printf and
 * dprintf become their __*_chk forms and getc_unlocked/putc_unlocked are
 * inlined around __uflow/__overflow.  argv[1]: a size the compiler cannot
 * see (no bound it could prove keeps a call unchecked).  Prints the bytes each call moved. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
  char buf[256];
  long total = 0;

  int fd = open("in.txt", O_RDONLY);
  ssize_t r = read(fd, buf, n), p = pread(fd, buf, n, 0), p64 = pread64(fd, buf, n, 0);
  close(fd);
  printf("read %zd pread %zd pread64 %zd\n", r, p, p64);
  total += r + p + p64;

  FILE *f = fopen("in.txt", "r");
  size_t fr = fread(buf, 1, n, f);
  size_t fg = fgets(buf, (int)n, f) ? strlen(buf) : 0;
  size_t fru = fread_unlocked(buf, 1, n, f);
  size_t fgu = fgets_unlocked(buf, (int)n, f) ? strlen(buf) : 0;
  fclose(f);
  printf("fread %zu fgets %zu fread_unlocked %zu fgets_unlocked %zu\n", fr, fg, fru, fgu);
  total += (long)(fr + fg + fru + fgu);

  f = fopen("in.txt", "r");
  long got = 0;
  while (getc_unlocked(f) != EOF) got++;
  fclose(f);
  printf("getc_unlocked %ld\n", got);
  total += got;
  printf("total read %ld\n", total);

  FILE *o = fopen("out.txt", "w");
  for (int i = 0; i < 10000; i++) putc_unlocked('a' + i % 26, o);
  fclose(o);
  o = fopen("fmt.txt", "w");
  int fp = fprintf(o, "%zu %s\n", n, argv[0]);
  fclose(o);
  int d = open("d.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int dp = dprintf(d, "%zu\n", n);
  close(d);
  printf("fprintf %d dprintf %d\n", fp, dp);
  return 0;
}
