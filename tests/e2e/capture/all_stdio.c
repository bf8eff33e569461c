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
#include <fcntl.h>
#include <wchar.h>

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
int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
int plain_fwscanf(FILE *f, const wchar_t *fmt, ...) __asm__("fwscanf");
int plain_vfwscanf(FILE *f, const wchar_t *fmt, va_list ap) __asm__("vfwscanf");
int plain_wscanf(const wchar_t *fmt, ...) __asm__("wscanf");
int plain_vwscanf(const wchar_t *fmt, va_list ap) __asm__("vwscanf");
int __isoc99_fwscanf(FILE *f, const wchar_t *fmt, ...);
int __isoc99_vfwscanf(FILE *f, const wchar_t *fmt, va_list ap);
int __isoc99_wscanf(const wchar_t *fmt, ...);
int __isoc99_vwscanf(const wchar_t *fmt, va_list ap);
int __fwprintf_chk(FILE *f, int flag, const wchar_t *fmt, ...);
int __vfwprintf_chk(FILE *f, int flag, const wchar_t *fmt, va_list ap);
int __wprintf_chk(int flag, const wchar_t *fmt, ...);
int __vwprintf_chk(int flag, const wchar_t *fmt, va_list ap);
wchar_t *__fgetws_chk(wchar_t *s, size_t cap, int n, FILE *f);
wchar_t *__fgetws_unlocked_chk(wchar_t *s, size_t cap, int n, FILE *f);
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
static int call_vdprintf(int fd, const char *fmt, ...) { int rc; VA_CALL(rc, vdprintf, fmt, fd, fmt); return rc; }
static int call_vdprintf_chk(int fd, const char *fmt, ...) { int rc; VA_CALL(rc, __vdprintf_chk, fmt, fd, 1, fmt); return rc; }
static int call_vfwprintf(FILE *f, const wchar_t *fmt, ...) { int rc; VA_CALL(rc, vfwprintf, fmt, f, fmt); return rc; }
static int call_vfwprintf_chk(FILE *f, const wchar_t *fmt, ...) { int rc; VA_CALL(rc, __vfwprintf_chk, fmt, f, 1, fmt); return rc; }
static int call_vwprintf(const wchar_t *fmt, ...) { int rc; VA_CALL(rc, vwprintf, fmt, fmt); return rc; }
static int call_vwprintf_chk(const wchar_t *fmt, ...) { int rc; VA_CALL(rc, __vwprintf_chk, fmt, 1, fmt); return rc; }
static int call_vfwscanf(FILE *f, const wchar_t *fmt, ...) { int rc; VA_CALL(rc, plain_vfwscanf, fmt, f, fmt); return rc; }
static int call_isoc99_vfwscanf(FILE *f, const wchar_t *fmt, ...) { int rc; VA_CALL(rc, __isoc99_vfwscanf, fmt, f, fmt); return rc; }
static int call_vwscanf(const wchar_t *fmt, ...) { int rc; VA_CALL(rc, plain_vwscanf, fmt, fmt); return rc; }
static int call_isoc99_vwscanf(const wchar_t *fmt, ...) { int rc; VA_CALL(rc, __isoc99_vwscanf, fmt, fmt); return rc; }

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

  /* descriptors, the refill and flush of inlined getc and putc */
  snprintf(path, sizeof path, "%s/all_stdio_w.txt", argv[1]);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(dprintf(fd, "%d\n", 1) == 2 && call_vdprintf(fd, "%d\n", 2) == 2);
  CHECK(__dprintf_chk(fd, 1, "%d\n", 3) == 2 && call_vdprintf_chk(fd, "%d\n", 4) == 2);
  close(fd);
  f = fopen(path, "r");
  CHECK(f != NULL && __uflow(f) == '1' && fclose(f) == 0);
  f = fopen(path, "a");
  CHECK(f != NULL && __overflow(f, 'x') == 'x' && fclose(f) == 0);

  /* wide streams */
  f = fopen(path, "w");
  CHECK(fputwc(L'a', f) == L'a' && putwc(L'b', f) == L'b');
  CHECK(fputwc_unlocked(L'c', f) == L'c' && putwc_unlocked(L'd', f) == L'd');
  CHECK(fputws(L" 5\n", f) >= 0 && fputws_unlocked(L" 6\n", f) >= 0);
  CHECK(fwprintf(f, L" %d\n", 7) == 3 && call_vfwprintf(f, L" %d\n", 8) == 3);
  CHECK(__fwprintf_chk(f, 1, L" %d\n", 9) == 3 && call_vfwprintf_chk(f, L"%d\n", 10) == 3);
  CHECK(fputws(L"11\n12\n13\n14\n", f) >= 0 && fclose(f) == 0);
  f = fopen(path, "r");
  wchar_t w[64];
  CHECK(fgetwc(f) == L'a' && getwc(f) == L'b' && fgetwc_unlocked(f) == L'c' && getwc_unlocked(f) == L'd');
  CHECK(fgetws(w, 64, f) && fgetws_unlocked(w, 64, f) && wcscmp(w, L" 6\n") == 0);
  CHECK(__fgetws_chk(w, 64, 64, f) && __fgetws_unlocked_chk(w, 64, 64, f) && wcscmp(w, L" 8\n") == 0);
  CHECK(plain_fwscanf(f, L"%d", &a) == 1 && a == 9);
  CHECK(__isoc99_fwscanf(f, L"%d", &a) == 1 && a == 10);
  CHECK(call_vfwscanf(f, L"%d", &a) == 1 && a == 11);
  CHECK(call_isoc99_vfwscanf(f, L"%d", &a) == 1 && a == 12);
  CHECK(fclose(f) == 0);
  /* The standard streams are byte streams by now: their wide calls fail,
   * having been called. */
  getwchar(), getwchar_unlocked(), putwchar(L'w'), putwchar_unlocked(L'w');
  wprintf(L"w"), call_vwprintf(L"w"), __wprintf_chk(1, L"w"), call_vwprintf_chk(L"w");
  plain_wscanf(L"%d", &a), __isoc99_wscanf(L"%d", &a), call_vwscanf(L"%d", &a), call_isoc99_vwscanf(L"%d", &a);
  return failures ? 1 : 0;
}
