/* stdio_counts DIR - stdio calls whose byte and call counts are known, for
 * capture.stdio_counts.  Each file is one session; test_stdio_mpi.py holds
 * the expected numbers and creates the inputs (lines.txt, chars.txt,
 * blocks.bin, getline.txt, nums.txt).  stdout should be a file: it gets
 * five writes, then is reopened onto reopened.txt, which gets three and is
 * never closed (exit must still finish its record).  Built as distributions
 * build programs (-O2 -D_FORTIFY_SOURCE=2), so the fortified entry points
 * and the header inlines are the ones exercised.  Exits with status 3. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *dir;

static const char *at(const char *name)
{
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static FILE *must_open(const char *name, const char *mode)
{
  FILE *f = fopen(at(name), mode);
  if (!f) {
    perror(name);
    exit(1);
  }
  return f;
}

int main(int argc, char **argv)
{
  if (argc != 2) return 2;
  dir = argv[1];
  char rec[37], buf[4096];
  memset(rec, 'a', sizeof rec - 1);
  rec[sizeof rec - 1] = '\n';

  /* 75 writes, 3700 bytes: 50 of one 37-byte item, 25 of two. */
  FILE *f = must_open("fwrite.txt", "w");
  for (int i = 0; i < 50; i++) fwrite(rec, 1, sizeof rec, f);
  char two[2 * sizeof rec];
  memcpy(two, rec, sizeof rec);
  memcpy(two + sizeof rec, rec, sizeof rec);
  for (int i = 0; i < 25; i++) fwrite(two, sizeof rec, 2, f);
  fclose(f);

  /* Reads until the call that returns nothing. */
  f = must_open("lines.txt", "r");
  while (fgets(buf, 64, f)) continue;
  fclose(f);
  f = must_open("chars.txt", "r");
  while (getc(f) != EOF) continue;
  fclose(f);
  f = must_open("blocks.bin", "r");
  while (fread(buf, 1, sizeof buf, f) > 0) continue;
  fclose(f);
  f = must_open("getline.txt", "r");
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) continue;
  free(line);
  fclose(f);
  f = must_open("nums.txt", "r");
  int n, sum = 0;
  while (fscanf(f, "%d", &n) == 1) sum += n;
  fclose(f);

  /* 22 writes of formatted text, strings and characters. */
  f = must_open("fprintf.txt", "w");
  for (int i = 0; i < 10; i++) fprintf(f, "%d:%s\n", i, "xyz");
  for (int i = 0; i < 5; i++) fputs("hello\n", f);
  for (int i = 0; i < 7; i++) fputc('x', f);
  fclose(f);

  /* POSIX and stdio on one descriptor: 3 + 4 writes, 130 bytes. */
  int fd = open(at("mixed.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (int i = 0; i < 3; i++)
    if (write(fd, "0123456789", 10) != 10) return 1;
  f = fdopen(fd, "w");
  for (int i = 0; i < 4; i++) fwrite(rec, 1, 25, f);
  fclose(f);

  /* Positioning: 5 seeks, 1 flush, one write and one read of 10 bytes. */
  f = must_open("seek.txt", "w+");
  fputs("0123456789", f);
  fflush(f);
  fseek(f, 0, SEEK_SET);
  long where = ftell(f);
  rewind(f);
  fpos_t pos;
  fgetpos(f, &pos);
  fsetpos(f, &pos);
  size_t got = fread(buf, 1, 10, f);
  fclose(f);

  /* errno and results of failing calls, for the comparison with an
   * untracked run; a call that succeeds leaves errno alone. */
  errno = 0;
  FILE *none = fopen(at("missing/none.txt"), "r");
  int e_open = errno;
  f = must_open("probe.txt", "r");
  errno = 0;
  size_t w = fwrite("x", 1, 1, f);
  int e_write = errno;
  errno = 0;
  int s = fseek(f, -5, SEEK_SET);
  int e_seek = errno;
  errno = 777;
  int c = getc(f);
  int e_ok = errno;
  fclose(f);
  fprintf(stderr, "fopen %d %d fwrite %zu %d fseek %d %d getc %c %d\n", none == NULL, e_open, w, e_write,
          s, e_seek, c, e_ok);

  /* The standard output: 5 writes, 20 bytes. */
  printf("%s=%d\n", "count", 42);
  puts("done");
  putchar('!');
  putchar('\n');
  fwrite("xyz\n", 1, 4, stdout);
  if (!freopen(at("reopened.txt"), "w", stdout)) return 1;
  for (int i = 0; i < 3; i++) printf("after %d\n", i);
  fprintf(stderr, "sum=%d where=%ld got=%zu\n", sum, where, got);
  return 3;
}
