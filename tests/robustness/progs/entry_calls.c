/* Entry points beyond read and write, one per mode (argv[1]); each prints
 * what the calls returned. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <wchar.h>

static int getline_mode(void)
{
  FILE *f = fopen("in.txt", "r");
  char *line = NULL;
  size_t cap = 0;
  long total = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) total += n;
  while ((n = getdelim(&line, &cap, ' ', f)) > 0) total += n;
  fclose(f);
  free(line);
  int d = open("d.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int dp = dprintf(d, "%ld lines\n", total);
  close(d);
  printf("getline %ld dprintf %d\n", total, dp);
  return 0;
}

static int wide_mode(void)
{
  FILE *f = fopen("w.txt", "w");
  int a = fputws(L"hello\n", f);
  int b = fwprintf(f, L"%d\n", 42);
  wint_t c = fputwc(L'x', f);
  wint_t d = putwc(L'\n', f);
  fclose(f);
  printf("fputws %d fwprintf %d fputwc %d putwc %d\n", a, b, (int)c, (int)d);
  f = fopen("w.txt", "r");
  wchar_t line[64];
  size_t l = fgetws(line, 64, f) ? wcslen(line) : 0;
  int v = 0, s = fwscanf(f, L"%d", &v);
  wint_t g = fgetwc(f), h = getwc(f);
  fclose(f);
  printf("fgetws %zu fwscanf %d %d fgetwc %d getwc %d\n", l, s, v, (int)g, (int)h);
  return 0;
}

static int mkstemp_mode(void)
{
  char t1[] = "tmpAXXXXXX", t2[] = "tmpBXXXXXX.dat";
  int a = mkstemp(t1), b = mkostemps(t2, 4, O_CLOEXEC);
  printf("mkstemp %d mkostemps %d\n", a >= 0, b >= 0);
  printf("wrote %zd %zd\n", write(a, "0123456789", 10), write(b, "01234", 5));
  close(a);
  close(b);
  return 0;
}

static int change_mode(void)
{
  int f = open("f.dat", O_RDWR), h = open("h.dat", O_RDWR), k = open("k.dat", O_RDWR),
      p = open("p.dat", O_RDWR);
  printf("ftruncate %d\n", ftruncate(f, 10));
  printf("truncate %d\n", truncate("g.dat", 5));
  printf("fallocate %d keep_size %d\n", fallocate(h, 0, 0, 8192), fallocate(k, FALLOC_FL_KEEP_SIZE, 0, 8192));
  printf("posix_fallocate %d\n", posix_fallocate(p, 0, 8192));
  errno = 0;
  printf("ftruncate bad %d errno %d\n", ftruncate(-1, 0), errno);
  close(f), close(h), close(k), close(p);
  return 0;
}

static int splice_mode(void)
{
  int in = open("in.txt", O_RDONLY), out = open("spliced.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600), p[2];
  if (pipe(p)) return 1;
  ssize_t a = splice(in, NULL, p[1], NULL, 1000, 0);
  ssize_t b = splice(p[0], NULL, out, NULL, (size_t)a, 0);
  printf("splice %zd %zd\n", a, b);
  return 0;
}

/* A stream on a descriptor with no name reuses a number whose close
 * provio missed. */
static int tmpfile_mode(void)
{
  char buf[100];
  int in = open("in.txt", O_RDONLY);
  printf("in %d read %zd\n", in, read(in, buf, sizeof buf));
  syscall(SYS_close, in);
  FILE *t = tmpfile();
  static char big[5000];
  printf("tmpfile %d fwrite %zu\n", fileno(t), fwrite(big, 1, sizeof big, t));
  fclose(t);
  return 0;
}

/* closedir closes a descriptor the program opened; a directory opened
 * unseen then takes its number, and a file made relative to it is in it. */
static int closedir_mode(void)
{
  int a = open("A", O_RDONLY | O_DIRECTORY);
  DIR *d = fdopendir(a);
  printf("closedir %d\n", closedir(d));
  int b = (int)syscall(SYS_openat, AT_FDCWD, "B", O_RDONLY | O_DIRECTORY);
  int f = openat(b, "f.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  printf("a %d b %d wrote %zd\n", a, b, write(f, "x", 1));
  close(f);
  return 0;
}

/* A wrapped function the C library lacks (the C23 scanf of glibc 2.38, on
 * an older one) fails with ENOSYS instead of calling through NULL. */
static int missing_mode(void)
{
  int (*fn)(FILE *, const char *, ...) = (int (*)(FILE *, const char *, ...))dlsym(RTLD_DEFAULT, "__isoc23_fscanf");
  if (!fn) return printf("absent\n"), 0;
  int v = 0;
  errno = 0;
  int rc = fn(stdin, "%d", &v);
  printf("rc %d v %d errno %s\n", rc, v, rc == 1 ? "-" : strerror(errno));
  return 0;
}

int main(int argc, char **argv)
{
  static const struct { const char *name; int (*fn)(void); } modes[] = {
      {"getline", getline_mode},   {"wide", wide_mode},         {"mkstemp", mkstemp_mode},
      {"change", change_mode},     {"splice", splice_mode},
      {"tmpfile", tmpfile_mode},   {"closedir", closedir_mode}, {"missing", missing_mode},
  };
  for (size_t i = 0; argc > 1 && i < sizeof modes / sizeof modes[0]; i++)
    if (!strcmp(argv[1], modes[i].name)) return modes[i].fn();
  return 2;
}
