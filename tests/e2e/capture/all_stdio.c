/* all_stdio DIR - calls every stdio function libprovio wraps, once at
 * least, for capture.stdio_wrappers (trace mode: each must leave a record
 * named after it).  Built without optimisation or builtins, so that no call
 * is inlined or rewritten into another; stdin must hold "7 8 9 10 x\n".
 * Entry points the headers hide (the plain scanf family under C99, the
 * fortified __*_chk forms, _IO_getc) are declared here by hand. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int plain_fscanf(FILE *f, const char *fmt, ...) __asm__("fscanf");
int plain_vfscanf(FILE *f, const char *fmt, va_list ap) __asm__("vfscanf");
int plain_scanf(const char *fmt, ...) __asm__("scanf");
int plain_vscanf(const char *fmt, va_list ap) __asm__("vscanf");
int __isoc99_fscanf(FILE *f, const char *fmt, ...);
int __isoc99_vfscanf(FILE *f, const char *fmt, va_list ap);
int __isoc99_scanf(const char *fmt, ...);
int __isoc99_vscanf(const char *fmt, va_list ap);
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
size_t __fread_chk(void *b, size_t cap, size_t size, size_t n, FILE *f);
size_t __fread_unlocked_chk(void *b, size_t cap, size_t size, size_t n, FILE *f);
char *__fgets_chk(char *s, size_t cap, int n, FILE *f);
char *__fgets_unlocked_chk(char *s, size_t cap, int n, FILE *f);
int _IO_getc(FILE *f);
int _IO_putc(int c, FILE *f);

static int failures;
#define CHECK(cond)                                                                               \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      fprintf(stderr, "all_stdio: line %d: %s failed\n", __LINE__, #cond);                        \
      failures++;                                                                                 \
    }                                                                                             \
  } while (0)

/* The va_list forms need a variadic caller. */
#define VA_CALL(rc, fn, last, ...)                                                                \
  do {                                                                                            \
    va_list ap;                                                                                   \
    va_start(ap, last);                                                                           \
    rc = fn(__VA_ARGS__, ap);                                                                     \
    va_end(ap);                                                                                   \
  } while (0)
static int call_vfprintf(FILE *f, const char *fmt, ...) { int rc; VA_CALL(rc, vfprintf, fmt, f, fmt); return rc; }
static int call_vfprintf_chk(FILE *f, const char *fmt, ...) { int rc; VA_CALL(rc, __vfprintf_chk, fmt, f, 1, fmt); return rc; }
static int call_vprintf(const char *fmt, ...) { int rc; VA_CALL(rc, vprintf, fmt, fmt); return rc; }
static int call_vprintf_chk(const char *fmt, ...) { int rc; VA_CALL(rc, __vprintf_chk, fmt, 1, fmt); return rc; }
static int call_vfscanf(FILE *f, const char *fmt, ...) { int rc; VA_CALL(rc, plain_vfscanf, fmt, f, fmt); return rc; }
static int call_isoc99_vfscanf(FILE *f, const char *fmt, ...) { int rc; VA_CALL(rc, __isoc99_vfscanf, fmt, f, fmt); return rc; }
static int call_vscanf(const char *fmt, ...) { int rc; VA_CALL(rc, plain_vscanf, fmt, fmt); return rc; }
static int call_isoc99_vscanf(const char *fmt, ...) { int rc; VA_CALL(rc, __isoc99_vscanf, fmt, fmt); return rc; }

int main(int argc, char **argv)
{
  if (argc != 2) return 2;
  char path[4096], path2[4096], buf[256];
  snprintf(path, sizeof path, "%s/all_stdio.txt", argv[1]);
  snprintf(path2, sizeof path2, "%s/all_stdio2.txt", argv[1]);

  /* writing */
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  CHECK(fwrite("12 ", 1, 3, f) == 3);
  CHECK(fwrite_unlocked("13 ", 1, 3, f) == 3);
  CHECK(fputs("14 ", f) >= 0);
  CHECK(fputs_unlocked("15 ", f) >= 0);
  CHECK(putc('1', f) == '1');
  CHECK(fputc('6', f) == '6');
  CHECK(_IO_putc(' ', f) == ' ');
  CHECK(putc_unlocked('1', f) == '1');
  CHECK(fputc_unlocked('7', f) == '7');
  CHECK(fprintf(f, " %d", 18) == 3);
  CHECK(call_vfprintf(f, " %d", 19) == 3);
  CHECK(__fprintf_chk(f, 1, " %d", 20) == 3);
  CHECK(call_vfprintf_chk(f, " %d\nline two\nline three\nline four\nline five\n", 21) > 0);
  CHECK(fflush(f) == 0);
  CHECK(fflush_unlocked(f) == 0);
  CHECK(fclose(f) == 0);

  /* reading and positioning */
  f = fopen64(path, "r");
  CHECK(f != NULL);
  int a = 0, b = 0;
  CHECK(plain_fscanf(f, "%d", &a) == 1 && a == 12);
  CHECK(__isoc99_fscanf(f, "%d", &a) == 1 && a == 13);
  CHECK(call_vfscanf(f, "%d", &a) == 1 && a == 14);
  CHECK(call_isoc99_vfscanf(f, "%d", &a) == 1 && a == 15);
  CHECK(getc(f) == ' ');
  CHECK(fgetc(f) == '1');
  CHECK(_IO_getc(f) == '6');
  CHECK(getc_unlocked(f) == ' ');
  CHECK(fgetc_unlocked(f) == '1');
  CHECK(fread(buf, 1, 1, f) == 1);
  CHECK(fread_unlocked(buf, 1, 1, f) == 1);
  CHECK(__fread_chk(buf, sizeof buf, 1, 3, f) == 3);
  CHECK(__fread_unlocked_chk(buf, sizeof buf, 1, 3, f) == 3);
  CHECK(fgets(buf, sizeof buf, f) != NULL);
  CHECK(fgets_unlocked(buf, sizeof buf, f) && strcmp(buf, "line two\n") == 0);
  CHECK(__fgets_chk(buf, sizeof buf, sizeof buf, f) && strcmp(buf, "line three\n") == 0);
  CHECK(__fgets_unlocked_chk(buf, sizeof buf, sizeof buf, f) && strcmp(buf, "line four\n") == 0);
  char *line = NULL;
  size_t cap = 0;
  CHECK(getline(&line, &cap, f) == 10);
  CHECK(getline(&line, &cap, f) == -1);
  long at = ftell(f);
  CHECK(at > 0);
  CHECK(fseek(f, 0, SEEK_SET) == 0);
  CHECK(fseeko(f, 3, SEEK_SET) == 0 && ftello(f) == 3);
  CHECK(fseeko64(f, 6, SEEK_SET) == 0 && ftello64(f) == 6);
  rewind(f);
  CHECK(getdelim(&line, &cap, ' ', f) == 3 && strcmp(line, "12 ") == 0);
  CHECK(__getdelim(&line, &cap, ' ', f) == 3 && strcmp(line, "13 ") == 0);
  fpos_t pos;
  fpos64_t pos64;
  CHECK(fgetpos(f, &pos) == 0 && fgetpos64(f, &pos64) == 0);
  CHECK(fsetpos(f, &pos) == 0 && fsetpos64(f, &pos64) == 0);
  CHECK(fclose(f) == 0);
  free(line);

  /* reopening */
  f = fopen(path2, "w+");
  CHECK(f != NULL);
  f = freopen(path, "r", f);
  CHECK(f != NULL && getc(f) == '1');
  f = freopen64(NULL, "r", f);
  CHECK(f != NULL && getc(f) == '1');
  FILE *g = fdopen(dup(fileno(f)), "r");
  CHECK(g != NULL && fclose(g) == 0);
  CHECK(fclose(f) == 0);

  /* the standard streams */
  CHECK(plain_scanf("%d", &a) == 1 && a == 7);
  CHECK(__isoc99_scanf("%d", &a) == 1 && a == 8);
  CHECK(call_vscanf("%d", &a) == 1 && a == 9);
  CHECK(call_isoc99_vscanf("%d%*c", &b) == 1 && b == 10);
  CHECK(getchar() == 'x');
  CHECK(getchar_unlocked() == '\n');
  CHECK(printf("%s %d\n", "printf", 1) == 9);
  CHECK(call_vprintf("%s %d\n", "vprintf", 2) == 10);
  CHECK(__printf_chk(1, "%s %d\n", "__printf_chk", 3) == 15);
  CHECK(call_vprintf_chk("%s %d\n", "__vprintf_chk", 4) == 16);
  CHECK(puts("puts") >= 0);
  CHECK(putchar('p') == 'p');
  CHECK(putchar_unlocked('\n') == '\n');
  return failures ? 1 : 0;
}
