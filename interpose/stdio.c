/* stdio.c - buffered streams, attributed to the file entities of their
 * descriptors: a stream's bytes and calls are counted on the session of
 * fileno(stream), which fopen starts (api "stdio") and fclose finishes.
 *
 * Counted here, at the stream level, and nowhere else: glibc's stdio reaches
 * the kernel through its internal read/write/open/close, never through the
 * exported symbols the POSIX wrappers replace, so nothing is counted twice.
 * Bytes are what each call returned (items * size for fread, the length
 * printed for fprintf, strlen of the string for fgets and fputs).  The
 * scanf family returns items, not bytes: its calls count as reads without
 * bytes.  Wide streams count characters (their encoding makes at least as
 * many bytes of them).  With optimisation glibc's headers inline
 * getc_unlocked and putc_unlocked into buffer accesses no interposer can
 * see, calling __uflow and __overflow when the buffer runs empty or full:
 * those two are counted by the buffer they move (see there).  getline
 * compiles to __getdelim, printf to puts or putchar when the format allows,
 * and _FORTIFY_SOURCE turns fprintf, fread, fgets, dprintf into their
 * __*_chk forms: all wrapped.  ungetc moves no data to or from
 * the file and is not counted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>

/* In C99 and later <stdio.h> and <wchar.h> rename the scanf families to
 * __isoc99_*; both sets are entry points (the plain ones for older
 * binaries), so their declarations are kept out of the way of ours. */
#define fscanf pv_header_fscanf
#define vfscanf pv_header_vfscanf
#define scanf pv_header_scanf
#define vscanf pv_header_vscanf
#define fwscanf pv_header_fwscanf
#define vfwscanf pv_header_vfwscanf
#define wscanf pv_header_wscanf
#define vwscanf pv_header_vwscanf
#include <stdio.h>
#include <wchar.h>
#undef fscanf
#undef vfscanf
#undef scanf
#undef vscanf
#undef fwscanf
#undef vfwscanf
#undef wscanf
#undef vwscanf

#include "interpose.h"
#include "trace.h"

/* glibc's optimised headers make these macros (inlined for small constant
 * sizes, as invisible to us as getc_unlocked); here they name functions. */
#undef fread_unlocked
#undef fwrite_unlocked

#define UNPAREN(...) __VA_ARGS__

#define STDIO_FUNCTIONS(X)                                                                        \
  X(FILE *, fopen, (const char *path, const char *mode))                                          \
  X(FILE *, fopen64, (const char *path, const char *mode))                                        \
  X(FILE *, fdopen, (int fd, const char *mode))                                                   \
  X(FILE *, freopen, (const char *path, const char *mode, FILE *f))                               \
  X(FILE *, freopen64, (const char *path, const char *mode, FILE *f))                             \
  X(int, fclose, (FILE *f))                                                                       \
  X(size_t, fread, (void *b, size_t size, size_t n, FILE *f))                                     \
  X(size_t, fread_unlocked, (void *b, size_t size, size_t n, FILE *f))                            \
  X(size_t, __fread_chk, (void *b, size_t cap, size_t size, size_t n, FILE *f))                   \
  X(size_t, __fread_unlocked_chk, (void *b, size_t cap, size_t size, size_t n, FILE *f))          \
  X(char *, fgets, (char *s, int n, FILE *f))                                                     \
  X(char *, fgets_unlocked, (char *s, int n, FILE *f))                                            \
  X(char *, __fgets_chk, (char *s, size_t cap, int n, FILE *f))                                   \
  X(char *, __fgets_unlocked_chk, (char *s, size_t cap, int n, FILE *f))                          \
  X(int, getc, (FILE *f))                                                                         \
  X(int, fgetc, (FILE *f))                                                                        \
  X(int, _IO_getc, (FILE *f))                                                                     \
  X(int, getc_unlocked, (FILE *f))                                                                \
  X(int, fgetc_unlocked, (FILE *f))                                                               \
  X(int, getchar, (void))                                                                         \
  X(int, getchar_unlocked, (void))                                                                \
  X(ssize_t, getline, (char **line, size_t *cap, FILE *f))                                        \
  X(ssize_t, getdelim, (char **line, size_t *cap, int delim, FILE *f))                            \
  X(ssize_t, __getdelim, (char **line, size_t *cap, int delim, FILE *f))                          \
  X(int, vfscanf, (FILE *f, const char *fmt, va_list ap))                                         \
  X(int, __isoc99_vfscanf, (FILE *f, const char *fmt, va_list ap))                                \
  X(int, vscanf, (const char *fmt, va_list ap))                                                   \
  X(int, __isoc99_vscanf, (const char *fmt, va_list ap))                                          \
  X(size_t, fwrite, (const void *b, size_t size, size_t n, FILE *f))                              \
  X(size_t, fwrite_unlocked, (const void *b, size_t size, size_t n, FILE *f))                     \
  X(int, fputs, (const char *s, FILE *f))                                                         \
  X(int, fputs_unlocked, (const char *s, FILE *f))                                                \
  X(int, puts, (const char *s))                                                                   \
  X(int, putc, (int c, FILE *f))                                                                  \
  X(int, fputc, (int c, FILE *f))                                                                 \
  X(int, _IO_putc, (int c, FILE *f))                                                              \
  X(int, putc_unlocked, (int c, FILE *f))                                                         \
  X(int, fputc_unlocked, (int c, FILE *f))                                                        \
  X(int, putchar, (int c))                                                                        \
  X(int, putchar_unlocked, (int c))                                                               \
  X(int, vfprintf, (FILE *f, const char *fmt, va_list ap))                                        \
  X(int, __vfprintf_chk, (FILE *f, int flag, const char *fmt, va_list ap))                        \
  X(int, vprintf, (const char *fmt, va_list ap))                                                  \
  X(int, __vprintf_chk, (int flag, const char *fmt, va_list ap))                                  \
  X(int, fflush, (FILE *f))                                                                       \
  X(int, fflush_unlocked, (FILE *f))                                                              \
  X(int, fseek, (FILE *f, long off, int whence))                                                  \
  X(int, fseeko, (FILE *f, off_t off, int whence))                                                \
  X(int, fseeko64, (FILE *f, off64_t off, int whence))                                            \
  X(long, ftell, (FILE *f))                                                                       \
  X(off_t, ftello, (FILE *f))                                                                     \
  X(off64_t, ftello64, (FILE *f))                                                                 \
  X(void, rewind, (FILE *f))                                                                      \
  X(int, fgetpos, (FILE *f, fpos_t *pos))                                                         \
  X(int, fgetpos64, (FILE *f, fpos64_t *pos))                                                     \
  X(int, fsetpos, (FILE *f, const fpos_t *pos))                                                   \
  X(int, fsetpos64, (FILE *f, const fpos64_t *pos))                                                \
  X(int, __uflow, (FILE *f))                                                                      \
  X(int, __overflow, (FILE *f, int c))                                                            \
  X(int, vdprintf, (int fd, const char *fmt, va_list ap))                                         \
  X(int, __vdprintf_chk, (int fd, int flag, const char *fmt, va_list ap))                         \
  X(wint_t, fgetwc, (FILE *f))                                                                    \
  X(wint_t, getwc, (FILE *f))                                                                     \
  X(wint_t, fgetwc_unlocked, (FILE *f))                                                           \
  X(wint_t, getwc_unlocked, (FILE *f))                                                            \
  X(wint_t, getwchar, (void))                                                                     \
  X(wint_t, getwchar_unlocked, (void))                                                            \
  X(wchar_t *, fgetws, (wchar_t *s, int n, FILE *f))                                              \
  X(wchar_t *, fgetws_unlocked, (wchar_t *s, int n, FILE *f))                                     \
  X(wchar_t *, __fgetws_chk, (wchar_t *s, size_t cap, int n, FILE *f))                            \
  X(wchar_t *, __fgetws_unlocked_chk, (wchar_t *s, size_t cap, int n, FILE *f))                   \
  X(wint_t, fputwc, (wchar_t c, FILE *f))                                                         \
  X(wint_t, putwc, (wchar_t c, FILE *f))                                                          \
  X(wint_t, fputwc_unlocked, (wchar_t c, FILE *f))                                                \
  X(wint_t, putwc_unlocked, (wchar_t c, FILE *f))                                                 \
  X(wint_t, putwchar, (wchar_t c))                                                                \
  X(wint_t, putwchar_unlocked, (wchar_t c))                                                       \
  X(int, fputws, (const wchar_t *s, FILE *f))                                                     \
  X(int, fputws_unlocked, (const wchar_t *s, FILE *f))                                            \
  X(int, vfwprintf, (FILE *f, const wchar_t *fmt, va_list ap))                                    \
  X(int, __vfwprintf_chk, (FILE *f, int flag, const wchar_t *fmt, va_list ap))                    \
  X(int, vwprintf, (const wchar_t *fmt, va_list ap))                                              \
  X(int, __vwprintf_chk, (int flag, const wchar_t *fmt, va_list ap))                              \
  X(int, vfwscanf, (FILE *f, const wchar_t *fmt, va_list ap))                                     \
  X(int, __isoc99_vfwscanf, (FILE *f, const wchar_t *fmt, va_list ap))                            \
  X(int, vwscanf, (const wchar_t *fmt, va_list ap))                                               \
  X(int, __isoc99_vwscanf, (const wchar_t *fmt, va_list ap))

/* Streams on descriptors that name no file provio tracks. */
#define STDIO_MAKERS(X)                                                                           \
  X(FILE *, tmpfile, (void))                                                                      \
  X(FILE *, tmpfile64, (void))                                                                    \
  X(FILE *, popen, (const char *cmd, const char *mode))

/* The scanf family of C23 (glibc 2.38 and later), absent before. */
#define STDIO_OPTIONAL(X)                                                                         \
  X(int, __isoc23_vfscanf, (FILE *f, const char *fmt, va_list ap))                                \
  X(int, __isoc23_vscanf, (const char *fmt, va_list ap))                                          \
  X(int, __isoc23_vfwscanf, (FILE *f, const wchar_t *fmt, va_list ap))                            \
  X(int, __isoc23_vwscanf, (const wchar_t *fmt, va_list ap))

/* The variadic entry points, forwarded to the va_list form above that
 * glibc itself uses for each: (name, forwarded to, parameters, last named
 * parameter, forwarded arguments). */
#define STDIO_VARIADIC(X)                                                                         \
  X(fprintf, vfprintf, (FILE *f, const char *fmt, ...), fmt, (f, fmt, ap))                        \
  X(__fprintf_chk, __vfprintf_chk, (FILE *f, int flag, const char *fmt, ...), fmt, (f, flag, fmt, ap)) \
  X(printf, vprintf, (const char *fmt, ...), fmt, (fmt, ap))                                      \
  X(__printf_chk, __vprintf_chk, (int flag, const char *fmt, ...), fmt, (flag, fmt, ap))          \
  X(fscanf, vfscanf, (FILE *f, const char *fmt, ...), fmt, (f, fmt, ap))                          \
  X(__isoc99_fscanf, __isoc99_vfscanf, (FILE *f, const char *fmt, ...), fmt, (f, fmt, ap))        \
  X(scanf, vscanf, (const char *fmt, ...), fmt, (fmt, ap))                                        \
  X(__isoc99_scanf, __isoc99_vscanf, (const char *fmt, ...), fmt, (fmt, ap))                      \
  X(__isoc23_fscanf, __isoc23_vfscanf, (FILE *f, const char *fmt, ...), fmt, (f, fmt, ap))        \
  X(__isoc23_scanf, __isoc23_vscanf, (const char *fmt, ...), fmt, (fmt, ap))                      \
  X(dprintf, vdprintf, (int fd, const char *fmt, ...), fmt, (fd, fmt, ap))                        \
  X(__dprintf_chk, __vdprintf_chk, (int fd, int flag, const char *fmt, ...), fmt, (fd, flag, fmt, ap)) \
  X(fwprintf, vfwprintf, (FILE *f, const wchar_t *fmt, ...), fmt, (f, fmt, ap))                   \
  X(__fwprintf_chk, __vfwprintf_chk, (FILE *f, int flag, const wchar_t *fmt, ...), fmt, (f, flag, fmt, ap)) \
  X(wprintf, vwprintf, (const wchar_t *fmt, ...), fmt, (fmt, ap))                                 \
  X(__wprintf_chk, __vwprintf_chk, (int flag, const wchar_t *fmt, ...), fmt, (flag, fmt, ap))     \
  X(fwscanf, vfwscanf, (FILE *f, const wchar_t *fmt, ...), fmt, (f, fmt, ap))                     \
  X(__isoc99_fwscanf, __isoc99_vfwscanf, (FILE *f, const wchar_t *fmt, ...), fmt, (f, fmt, ap))   \
  X(__isoc23_fwscanf, __isoc23_vfwscanf, (FILE *f, const wchar_t *fmt, ...), fmt, (f, fmt, ap))   \
  X(wscanf, vwscanf, (const wchar_t *fmt, ...), fmt, (fmt, ap))                                   \
  X(__isoc99_wscanf, __isoc99_vwscanf, (const wchar_t *fmt, ...), fmt, (fmt, ap))                 \
  X(__isoc23_wscanf, __isoc23_vwscanf, (const wchar_t *fmt, ...), fmt, (fmt, ap))

STDIO_FUNCTIONS(PV_DECLARE_LAZY)
STDIO_OPTIONAL(PV_DECLARE_OPTIONAL)
STDIO_MAKERS(PV_DECLARE_LAZY)
static void resolve(void)
{
  STDIO_FUNCTIONS(PV_RESOLVE_REAL)
  STDIO_OPTIONAL(PV_RESOLVE_OPTIONAL)
  STDIO_MAKERS(PV_RESOLVE_REAL)
}
PV_MODULE(stdio, [PV_HOOK_RESOLVE] = resolve)


/* glibc's own test in fileno(), without its call or its errno: only file
 * streams have a descriptor (fmemopen, open_memstream and fopencookie
 * streams have none, and the latter two leave _fileno unset). */
#define GLIBC_IO_IS_FILEBUF 0x2000
static inline int stream_fd(FILE *f)
{
  return f && (f->_flags & GLIBC_IO_IS_FILEBUF) ? f->_fileno : -1;
}

/* ---- shapes shared by the wrappers ------------------------------------- */

/* The descriptor fd_ and its session s_ (NULL: not tracked). */
#define SESSION_OF(fd)                                                                            \
  int fd_ = (fd);                                                                                 \
  pv_session *s_ = pv_fd_session(fd_);
#define STREAM_SESSION(stream) SESSION_OF(stream_fd(stream))

/* After STREAM_SESSION: the real call, then, if the stream's descriptor is
 * tracked, its accounting.  bytes is an expression of rc_.  A call the
 * stream's buffer serves entirely (served, tested before it) makes no
 * kernel call and is counted without the clock: two reads of the TSC would
 * cost more than such a call.  Time is that of the calls that refill or
 * flush the buffer, which is where the time goes. */
#define STREAM_BODY(ret, fn, is_write, served, real_call, bytes)                                  \
  if (!s_ && !pv_tracing()) return real_call;                                                     \
  if (s_ && !pv_tracing() && (served)) {                                                          \
    ret rc_ = real_call;                                                                          \
    pv_account_calls(s_, is_write, (ssize_t)(bytes));                                             \
    return rc_;                                                                                   \
  }                                                                                               \
  uint64_t t0_ = pv_ticks();                                                                      \
  ret rc_ = real_call;                                                                            \
  ssize_t n_ = (ssize_t)(bytes);                                                                  \
  if (s_) pv_account_io(s_, is_write, n_, t0_);                                                   \
  if (pv_tracing()) pv_trace_fd(fn, fd_, n_, t0_);                                                \
  return rc_;

/* A read- or write-like call. */
#define IO_WRAPPER(ret, name, params, args, stream, is_write, served, bytes)                      \
  PV_EXPORT ret name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    STREAM_SESSION(stream)                                                                        \
    STREAM_BODY(ret, #name, is_write, served, PV_REAL(name) args, bytes)                          \
  }

/* What the buffer holds for reading or has room for, the test of glibc's
 * own inline getc and putc.  (A line-buffered stream's write end stays
 * behind its write pointer: every write of it may flush.) */
static inline size_t buffered(FILE *f, int is_write, const char **at)
{
  char *p = is_write ? f->_IO_write_ptr : f->_IO_read_ptr;
  char *end = is_write ? f->_IO_write_end : f->_IO_read_end;
  *at = p;
  return p < end ? (size_t)(end - p) : 0;
}
static inline int fits(FILE *f, int is_write, size_t n)
{
  const char *at;
  return n <= buffered(f, is_write, &at);
}
static inline int items_fit(FILE *f, int is_write, size_t size, size_t n)
{
  size_t total;
  return !__builtin_mul_overflow(size, n, &total) && fits(f, is_write, total);
}
/* A line read: the delimiter within the first max bytes, or max bytes.
 * (Pointers read once: another thread's refill only moves them within the
 * buffer.) */
static inline int line_fits(FILE *f, int delim, size_t max)
{
  const char *at;
  size_t have = buffered(f, 0, &at);
  return have >= max || (have && memchr(at, delim, have));
}

/* The va_list forms, as a body shared with their variadic callers so that
 * each call is traced under the name the program called (fd: the
 * descriptor written or read, a stream's or dprintf's own). */
#define FORMATTED(name, params, args, fd, is_write, bytes)                                        \
  static int as_##name(const char *fn_, UNPAREN params)                                           \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    SESSION_OF(fd)                                                                                \
    STREAM_BODY(int, fn_, is_write, 0, PV_REAL(name) args, bytes)                                 \
  }                                                                                               \
  PV_EXPORT int name params { return as_##name(#name, UNPAREN args); }
#define VARIADIC(name, vname, params, last, args)                                                 \
  PV_EXPORT int name params                                                                       \
  {                                                                                               \
    va_list ap;                                                                                   \
    va_start(ap, last);                                                                           \
    int rc = as_##vname(#name, UNPAREN args);                                                     \
    va_end(ap);                                                                                   \
    return rc;                                                                                    \
  }

/* Positioning and flushing: counted under counter, timed as meta. */
#define META_WRAPPER(ret, name, params, args, stream, counter)                                    \
  PV_EXPORT ret name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    STREAM_SESSION(stream)                                                                        \
    if (!s_ && !pv_tracing()) return PV_REAL(name) args;                                          \
    uint64_t t0_ = pv_ticks();                                                                    \
    ret rc_ = PV_REAL(name) args;                                                                 \
    metered(#name, s_, fd_, counter, (int64_t)rc_, t0_);                                          \
    return rc_;                                                                                   \
  }

static void metered(const char *fn, pv_session *s, int fd, int counter, int64_t rc, uint64_t t0)
{
  if (s) {
    pv_count(s, counter, 1);
    pv_count(s, PV_C_META_TICKS, pv_ticks() - t0);
  }
  if (pv_tracing()) pv_trace_fd(fn, fd, rc, t0);
}

/* ---- opening and closing ------------------------------------------------- */

/* fopen's mode string as open(2) flags, the way glibc reads it: the first
 * letter, then up to six modifiers before a ",ccs=" part. */
static int mode_flags(const char *mode)
{
  int flags = mode[0] == 'r' ? O_RDONLY
            : mode[0] == 'w' ? O_WRONLY | O_CREAT | O_TRUNC
            : O_WRONLY | O_CREAT | O_APPEND;
  for (int i = 1; i < 7 && mode[i] && mode[i] != ','; i++) {
    if (mode[i] == '+') flags = (flags & ~O_ACCMODE) | O_RDWR;
    else if (mode[i] == 'x') flags |= O_EXCL;
    else if (mode[i] == 'e') flags |= O_CLOEXEC;
  }
  return flags;
}

/* A stream opened on path (or, with path NULL, on the canonical name
 * canon): its descriptor becomes a stdio session. */
static FILE *opened(const char *fn, FILE *f, const char *path, const char *canon, size_t len,
                    const char *mode, uintptr_t caller, uint64_t t0)
{
  int fd = stream_fd(f);
  if (fd < 0 || (!path && !len)) return f;
  int e = errno;
  pv_tls.depth++;
  uintptr_t site = pv_callsite_find(caller);
  if (path) pv_track_open(fd, AT_FDCWD, path, mode_flags(mode), PV_API_STDIO, site);
  else pv_track_canonical(fd, canon, len, mode_flags(mode), PV_API_STDIO, site);
  if (pv_tracing()) pv_trace_fd(fn, fd, fd, t0);
  pv_tls.depth--;
  errno = e;
  return f;
}

PV_EXPORT FILE *fopen(const char *path, const char *mode)
{
  if (PV_IDLE()) return PV_REAL(fopen)(path, mode);
  uint64_t t0 = pv_ticks();
  return opened("fopen", PV_REAL(fopen)(path, mode), path, NULL, 0, mode, CALLER(), t0);
}
PV_EXPORT FILE *fopen64(const char *path, const char *mode)
{
  if (PV_IDLE()) return PV_REAL(fopen64)(path, mode);
  uint64_t t0 = pv_ticks();
  return opened("fopen64", PV_REAL(fopen64)(path, mode), path, NULL, 0, mode, CALLER(), t0);
}

/* The descriptor keeps the session its open started: the stream only adds
 * the calls made through it. */
PV_EXPORT FILE *fdopen(int fd, const char *mode)
{
  if (PV_IDLE()) return PV_REAL(fdopen)(fd, mode);
  uint64_t t0 = pv_ticks();
  FILE *f = PV_REAL(fdopen)(fd, mode);
  if (pv_tracing()) pv_trace_fd("fdopen", fd, f ? fd : -1, t0);
  return f;
}

/* freopen closes the stream's file whatever happens, and glibc gives the
 * new file the old descriptor number: the old session is written first.
 * With no path the same file is reopened in a new mode. */
static FILE *reopened(const char *fn, FILE *(*real)(const char *, const char *, FILE *),
                      const char *path, const char *mode, FILE *f, uintptr_t caller)
{
  uint64_t t0 = pv_ticks();
  char canon[PV_PATH_MAX];
  size_t len = 0;
  int fd = stream_fd(f);
  if (fd >= 0) {
    int e = errno;
    pv_tls.depth++;
    pv_session *s = pv_fd_session(fd);
    if (s && !path) memcpy(canon, s->path, len = s->path_len);
    pv_track_close(fd);
    pv_tls.depth--;
    errno = e;
  }
  return opened(fn, real(path, mode, f), path, canon, len, mode, caller, t0);
}
PV_EXPORT FILE *freopen(const char *path, const char *mode, FILE *f)
{
  if (PV_IDLE()) return PV_REAL(freopen)(path, mode, f);
  return reopened("freopen", PV_REAL(freopen), path, mode, f, CALLER());
}
PV_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *f)
{
  if (PV_IDLE()) return PV_REAL(freopen64)(path, mode, f);
  return reopened("freopen64", PV_REAL(freopen64), path, mode, f, CALLER());
}

/* As close(): the record is written before the descriptor is released. */
PV_EXPORT int fclose(FILE *f)
{
  if (PV_IDLE()) return PV_REAL(fclose)(f);
  int fd = stream_fd(f);
  if (fd >= 0) pv_closing("fclose", fd);
  return PV_REAL(fclose)(f);
}

/* Streams on descriptors that name no file to record: an unnamed
 * temporary file, a pipe. */
static FILE *appeared(FILE *f)
{
  if (f) pv_fd_appeared(stream_fd(f));
  return f;
}
PV_EXPORT FILE *tmpfile(void)
{
  if (PV_IDLE()) return PV_REAL(tmpfile)();
  return appeared(PV_REAL(tmpfile)());
}
PV_EXPORT FILE *tmpfile64(void)
{
  if (PV_IDLE()) return PV_REAL(tmpfile64)();
  return appeared(PV_REAL(tmpfile64)());
}
PV_EXPORT FILE *popen(const char *cmd, const char *mode)
{
  if (PV_IDLE()) return PV_REAL(popen)(cmd, mode);
  return appeared(PV_REAL(popen)(cmd, mode));
}

/* ---- data ---------------------------------------------------------------- */

#define ITEMS(size) (rc_ * (size))
#define LINE_READ (rc_ ? strlen(rc_) : 0)
#define POSITIVE (rc_ > 0 ? rc_ : 0)
#define CHAR_MOVED (rc_ != EOF)
#define STRING_PUT(extra) (rc_ >= 0 ? strlen(s) + (extra) : 0)

IO_WRAPPER(size_t, fread, (void *b, size_t size, size_t n, FILE *f), (b, size, n, f), f, 0, items_fit(f, 0, size, n), ITEMS(size))
IO_WRAPPER(size_t, fread_unlocked, (void *b, size_t size, size_t n, FILE *f), (b, size, n, f), f, 0, items_fit(f, 0, size, n), ITEMS(size))
IO_WRAPPER(size_t, __fread_chk, (void *b, size_t cap, size_t size, size_t n, FILE *f), (b, cap, size, n, f), f, 0, items_fit(f, 0, size, n), ITEMS(size))
IO_WRAPPER(size_t, __fread_unlocked_chk, (void *b, size_t cap, size_t size, size_t n, FILE *f), (b, cap, size, n, f), f, 0, items_fit(f, 0, size, n), ITEMS(size))
IO_WRAPPER(char *, fgets, (char *s, int n, FILE *f), (s, n, f), f, 0, line_fits(f, '\n', (size_t)n - 1), LINE_READ)
IO_WRAPPER(char *, fgets_unlocked, (char *s, int n, FILE *f), (s, n, f), f, 0, line_fits(f, '\n', (size_t)n - 1), LINE_READ)
IO_WRAPPER(char *, __fgets_chk, (char *s, size_t cap, int n, FILE *f), (s, cap, n, f), f, 0, line_fits(f, '\n', (size_t)n - 1), LINE_READ)
IO_WRAPPER(char *, __fgets_unlocked_chk, (char *s, size_t cap, int n, FILE *f), (s, cap, n, f), f, 0, line_fits(f, '\n', (size_t)n - 1), LINE_READ)
IO_WRAPPER(int, getc, (FILE *f), (f), f, 0, fits(f, 0, 1), CHAR_MOVED)
IO_WRAPPER(int, fgetc, (FILE *f), (f), f, 0, fits(f, 0, 1), CHAR_MOVED)
IO_WRAPPER(int, _IO_getc, (FILE *f), (f), f, 0, fits(f, 0, 1), CHAR_MOVED)
IO_WRAPPER(int, getc_unlocked, (FILE *f), (f), f, 0, fits(f, 0, 1), CHAR_MOVED)
IO_WRAPPER(int, fgetc_unlocked, (FILE *f), (f), f, 0, fits(f, 0, 1), CHAR_MOVED)
IO_WRAPPER(int, getchar, (void), (), stdin, 0, fits(stdin, 0, 1), CHAR_MOVED)
IO_WRAPPER(int, getchar_unlocked, (void), (), stdin, 0, fits(stdin, 0, 1), CHAR_MOVED)
IO_WRAPPER(ssize_t, getline, (char **line, size_t *cap, FILE *f), (line, cap, f), f, 0, line_fits(f, '\n', SIZE_MAX), POSITIVE)
IO_WRAPPER(ssize_t, getdelim, (char **line, size_t *cap, int delim, FILE *f), (line, cap, delim, f), f, 0, line_fits(f, delim, SIZE_MAX), POSITIVE)
IO_WRAPPER(ssize_t, __getdelim, (char **line, size_t *cap, int delim, FILE *f), (line, cap, delim, f), f, 0, line_fits(f, delim, SIZE_MAX), POSITIVE)

IO_WRAPPER(size_t, fwrite, (const void *b, size_t size, size_t n, FILE *f), (b, size, n, f), f, 1, items_fit(f, 1, size, n), ITEMS(size))
IO_WRAPPER(size_t, fwrite_unlocked, (const void *b, size_t size, size_t n, FILE *f), (b, size, n, f), f, 1, items_fit(f, 1, size, n), ITEMS(size))
IO_WRAPPER(int, fputs, (const char *s, FILE *f), (s, f), f, 1, fits(f, 1, strlen(s)), STRING_PUT(0))
IO_WRAPPER(int, fputs_unlocked, (const char *s, FILE *f), (s, f), f, 1, fits(f, 1, strlen(s)), STRING_PUT(0))
IO_WRAPPER(int, puts, (const char *s), (s), stdout, 1, fits(stdout, 1, strlen(s) + 1), STRING_PUT(1))
IO_WRAPPER(int, putc, (int c, FILE *f), (c, f), f, 1, fits(f, 1, 1), CHAR_MOVED)
IO_WRAPPER(int, fputc, (int c, FILE *f), (c, f), f, 1, fits(f, 1, 1), CHAR_MOVED)
IO_WRAPPER(int, _IO_putc, (int c, FILE *f), (c, f), f, 1, fits(f, 1, 1), CHAR_MOVED)
IO_WRAPPER(int, putc_unlocked, (int c, FILE *f), (c, f), f, 1, fits(f, 1, 1), CHAR_MOVED)
IO_WRAPPER(int, fputc_unlocked, (int c, FILE *f), (c, f), f, 1, fits(f, 1, 1), CHAR_MOVED)
IO_WRAPPER(int, putchar, (int c), (c), stdout, 1, fits(stdout, 1, 1), CHAR_MOVED)
IO_WRAPPER(int, putchar_unlocked, (int c), (c), stdout, 1, fits(stdout, 1, 1), CHAR_MOVED)

FORMATTED(vfprintf, (FILE *f, const char *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 1, POSITIVE)
FORMATTED(__vfprintf_chk, (FILE *f, int flag, const char *fmt, va_list ap), (f, flag, fmt, ap), stream_fd(f), 1, POSITIVE)
FORMATTED(vprintf, (const char *fmt, va_list ap), (fmt, ap), stream_fd(stdout), 1, POSITIVE)
FORMATTED(__vprintf_chk, (int flag, const char *fmt, va_list ap), (flag, fmt, ap), stream_fd(stdout), 1, POSITIVE)
FORMATTED(vdprintf, (int fd, const char *fmt, va_list ap), (fd, fmt, ap), fd, 1, POSITIVE)
FORMATTED(__vdprintf_chk, (int fd, int flag, const char *fmt, va_list ap), (fd, flag, fmt, ap), fd, 1, POSITIVE)
FORMATTED(vfscanf, (FILE *f, const char *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 0, 0)
FORMATTED(__isoc99_vfscanf, (FILE *f, const char *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 0, 0)
FORMATTED(__isoc23_vfscanf, (FILE *f, const char *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 0, 0)
FORMATTED(vscanf, (const char *fmt, va_list ap), (fmt, ap), stream_fd(stdin), 0, 0)
FORMATTED(__isoc99_vscanf, (const char *fmt, va_list ap), (fmt, ap), stream_fd(stdin), 0, 0)
FORMATTED(__isoc23_vscanf, (const char *fmt, va_list ap), (fmt, ap), stream_fd(stdin), 0, 0)

/* Wide streams: what they move is counted in characters, which the
 * stream's encoding turns into at least as many bytes; their buffer is
 * internal to the library, so every call is timed. */
#define WCHAR_MOVED (rc_ != WEOF)
#define WLINE_READ (rc_ ? wcslen(rc_) : 0)
#define WSTRING_PUT (rc_ >= 0 ? wcslen(s) : 0)
IO_WRAPPER(wint_t, fgetwc, (FILE *f), (f), f, 0, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, getwc, (FILE *f), (f), f, 0, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, fgetwc_unlocked, (FILE *f), (f), f, 0, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, getwc_unlocked, (FILE *f), (f), f, 0, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, getwchar, (void), (), stdin, 0, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, getwchar_unlocked, (void), (), stdin, 0, 0, WCHAR_MOVED)
IO_WRAPPER(wchar_t *, fgetws, (wchar_t *s, int n, FILE *f), (s, n, f), f, 0, 0, WLINE_READ)
IO_WRAPPER(wchar_t *, fgetws_unlocked, (wchar_t *s, int n, FILE *f), (s, n, f), f, 0, 0, WLINE_READ)
IO_WRAPPER(wchar_t *, __fgetws_chk, (wchar_t *s, size_t cap, int n, FILE *f), (s, cap, n, f), f, 0, 0, WLINE_READ)
IO_WRAPPER(wchar_t *, __fgetws_unlocked_chk, (wchar_t *s, size_t cap, int n, FILE *f), (s, cap, n, f), f, 0, 0, WLINE_READ)
IO_WRAPPER(wint_t, fputwc, (wchar_t c, FILE *f), (c, f), f, 1, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, putwc, (wchar_t c, FILE *f), (c, f), f, 1, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, fputwc_unlocked, (wchar_t c, FILE *f), (c, f), f, 1, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, putwc_unlocked, (wchar_t c, FILE *f), (c, f), f, 1, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, putwchar, (wchar_t c), (c), stdout, 1, 0, WCHAR_MOVED)
IO_WRAPPER(wint_t, putwchar_unlocked, (wchar_t c), (c), stdout, 1, 0, WCHAR_MOVED)
IO_WRAPPER(int, fputws, (const wchar_t *s, FILE *f), (s, f), f, 1, 0, WSTRING_PUT)
IO_WRAPPER(int, fputws_unlocked, (const wchar_t *s, FILE *f), (s, f), f, 1, 0, WSTRING_PUT)
FORMATTED(vfwprintf, (FILE *f, const wchar_t *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 1, POSITIVE)
FORMATTED(__vfwprintf_chk, (FILE *f, int flag, const wchar_t *fmt, va_list ap), (f, flag, fmt, ap), stream_fd(f), 1, POSITIVE)
FORMATTED(vwprintf, (const wchar_t *fmt, va_list ap), (fmt, ap), stream_fd(stdout), 1, POSITIVE)
FORMATTED(__vwprintf_chk, (int flag, const wchar_t *fmt, va_list ap), (flag, fmt, ap), stream_fd(stdout), 1, POSITIVE)
FORMATTED(vfwscanf, (FILE *f, const wchar_t *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 0, 0)
FORMATTED(__isoc99_vfwscanf, (FILE *f, const wchar_t *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 0, 0)
FORMATTED(__isoc23_vfwscanf, (FILE *f, const wchar_t *fmt, va_list ap), (f, fmt, ap), stream_fd(f), 0, 0)
FORMATTED(vwscanf, (const wchar_t *fmt, va_list ap), (fmt, ap), stream_fd(stdin), 0, 0)
FORMATTED(__isoc99_vwscanf, (const wchar_t *fmt, va_list ap), (fmt, ap), stream_fd(stdin), 0, 0)
FORMATTED(__isoc23_vwscanf, (const wchar_t *fmt, va_list ap), (fmt, ap), stream_fd(stdin), 0, 0)
STDIO_VARIADIC(VARIADIC)

/* What an inlined getc_unlocked calls when the buffer is empty: the
 * refill it makes is what the inlined code goes on to read, so its bytes
 * are counted here (exact for a stream read that way; a refill that a
 * later fread consumes counts twice). */
#define REFILLED (rc_ != EOF ? f->_IO_read_end - f->_IO_read_base : 0)
IO_WRAPPER(int, __uflow, (FILE *f), (f), f, 0, 0, REFILLED)

/* What an inlined putc_unlocked calls when the buffer is full: it hands
 * the kernel what the inlined code stored (or, on a stream not yet
 * writing, starts with the one character), so each byte is counted as
 * the buffer that holds it fills.  A last, partly filled buffer is written
 * by fclose or fflush unseen; bytes a counted fwrite left in the buffer
 * count twice. */
#define GLIBC_IO_CURRENTLY_PUTTING 0x800
static inline size_t pending(FILE *f)
{
  return (f->_flags & GLIBC_IO_CURRENTLY_PUTTING) && f->_IO_write_ptr > f->_IO_write_base
             ? (size_t)(f->_IO_write_ptr - f->_IO_write_base)
             : 1;
}
PV_EXPORT int __overflow(FILE *f, int c)
{
  if (PV_IDLE()) return PV_REAL(__overflow)(f, c);
  STREAM_SESSION(f)
  size_t flushed = s_ ? pending(f) : 0;
  STREAM_BODY(int, "__overflow", 1, 0, PV_REAL(__overflow)(f, c), rc_ != EOF ? flushed : 0)
}

/* ---- flushing and positioning --------------------------------------------
 * fflush hands the buffer to the kernel without syncing it: a meta
 * operation.  fflush(NULL) names no stream and counts nowhere. */

META_WRAPPER(int, fflush, (FILE *f), (f), f, PV_C_META)
META_WRAPPER(int, fflush_unlocked, (FILE *f), (f), f, PV_C_META)
META_WRAPPER(int, fseek, (FILE *f, long off, int whence), (f, off, whence), f, PV_C_SEEKS)
META_WRAPPER(int, fseeko, (FILE *f, off_t off, int whence), (f, off, whence), f, PV_C_SEEKS)
META_WRAPPER(int, fseeko64, (FILE *f, off64_t off, int whence), (f, off, whence), f, PV_C_SEEKS)
META_WRAPPER(long, ftell, (FILE *f), (f), f, PV_C_SEEKS)
META_WRAPPER(off_t, ftello, (FILE *f), (f), f, PV_C_SEEKS)
META_WRAPPER(off64_t, ftello64, (FILE *f), (f), f, PV_C_SEEKS)
META_WRAPPER(int, fgetpos, (FILE *f, fpos_t *pos), (f, pos), f, PV_C_SEEKS)
META_WRAPPER(int, fgetpos64, (FILE *f, fpos64_t *pos), (f, pos), f, PV_C_SEEKS)
META_WRAPPER(int, fsetpos, (FILE *f, const fpos_t *pos), (f, pos), f, PV_C_SEEKS)
META_WRAPPER(int, fsetpos64, (FILE *f, const fpos64_t *pos), (f, pos), f, PV_C_SEEKS)

PV_EXPORT void rewind(FILE *f)
{
  if (PV_IDLE()) {
    PV_REAL(rewind)(f);
    return;
  }
  STREAM_SESSION(f)
  uint64_t t0 = pv_ticks();
  PV_REAL(rewind)(f);
  if (s_ || pv_tracing()) metered("rewind", s_, fd_, PV_C_SEEKS, 0, t0);
}
