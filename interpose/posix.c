/* posix.c - POSIX file I/O: opens, reads and writes, descriptor juggling,
 * name operations and the stat family (including the entry points glibc
 * 2.33+ exports directly, which Darshan and Recorder miss). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string.h>

#include "interpose.h"
#include "sys.h"
#include "trace.h"

struct statx;

#define POSIX_FUNCTIONS(X)                                                                         \
  X(int, open, (const char *path, int flags, ...))                                                 \
  X(int, open64, (const char *path, int flags, ...))                                               \
  X(int, openat, (int dirfd, const char *path, int flags, ...))                                    \
  X(int, openat64, (int dirfd, const char *path, int flags, ...))                                  \
  X(int, __open_2, (const char *path, int flags))                                                  \
  X(int, __open64_2, (const char *path, int flags))                                                \
  X(int, __openat_2, (int dirfd, const char *path, int flags))                                     \
  X(int, __openat64_2, (int dirfd, const char *path, int flags))                                   \
  X(int, creat, (const char *path, mode_t mode))                                                   \
  X(int, creat64, (const char *path, mode_t mode))                                                 \
  X(int, close, (int fd))                                                                          \
  X(ssize_t, read, (int fd, void *buf, size_t n))                                                  \
  X(ssize_t, write, (int fd, const void *buf, size_t n))                                           \
  X(ssize_t, pread, (int fd, void *buf, size_t n, off_t off))                                      \
  X(ssize_t, pread64, (int fd, void *buf, size_t n, off64_t off))                                  \
  X(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off))                               \
  X(ssize_t, pwrite64, (int fd, const void *buf, size_t n, off64_t off))                           \
  X(ssize_t, readv, (int fd, const struct iovec *iov, int cnt))                                    \
  X(ssize_t, writev, (int fd, const struct iovec *iov, int cnt))                                   \
  X(ssize_t, preadv, (int fd, const struct iovec *iov, int cnt, off_t off))                        \
  X(ssize_t, preadv64, (int fd, const struct iovec *iov, int cnt, off64_t off))                    \
  X(ssize_t, pwritev, (int fd, const struct iovec *iov, int cnt, off_t off))                       \
  X(ssize_t, pwritev64, (int fd, const struct iovec *iov, int cnt, off64_t off))                   \
  X(off_t, lseek, (int fd, off_t off, int whence))                                                 \
  X(off64_t, lseek64, (int fd, off64_t off, int whence))                                           \
  X(int, fsync, (int fd))                                                                          \
  X(int, fdatasync, (int fd))                                                                      \
  X(int, ftruncate, (int fd, off_t len))                                                           \
  X(int, ftruncate64, (int fd, off64_t len))                                                       \
  X(int, truncate, (const char *path, off_t len))                                                  \
  X(int, truncate64, (const char *path, off64_t len))                                              \
  X(void *, mmap, (void *addr, size_t len, int prot, int flags, int fd, off_t off))                \
  X(void *, mmap64, (void *addr, size_t len, int prot, int flags, int fd, off64_t off))            \
  X(int, dup, (int fd))                                                                            \
  X(int, dup2, (int fd, int newfd))                                                                \
  X(int, dup3, (int fd, int newfd, int flags))                                                     \
  X(int, fcntl, (int fd, int cmd, ...))                                                            \
  X(int, ioctl, (int fd, unsigned long request, ...))                                              \
  X(int, rename, (const char *from, const char *to))                                               \
  X(int, renameat, (int fd1, const char *from, int fd2, const char *to))                           \
  X(int, unlink, (const char *path))                                                               \
  X(int, unlinkat, (int dirfd, const char *path, int flags))                                       \
  X(int, link, (const char *from, const char *to))                                                 \
  X(int, linkat, (int fd1, const char *from, int fd2, const char *to, int flags))                  \
  X(int, symlink, (const char *target, const char *path))                                          \
  X(int, symlinkat, (const char *target, int dirfd, const char *path))                             \
  X(int, mkdir, (const char *path, mode_t mode))                                                   \
  X(int, mkdirat, (int dirfd, const char *path, mode_t mode))                                      \
  X(int, rmdir, (const char *path))                                                                \
  X(int, chdir, (const char *path))                                                                \
  X(int, fchdir, (int fd))                                                                         \
  X(ssize_t, sendfile, (int out, int in, off_t *off, size_t n))                                    \
  X(ssize_t, sendfile64, (int out, int in, off64_t *off, size_t n))                                \
  X(int, __xstat, (int ver, const char *path, struct stat *st))                                    \
  X(int, __lxstat, (int ver, const char *path, struct stat *st))                                   \
  X(int, __fxstat, (int ver, int fd, struct stat *st))                                             \
  X(int, __fxstatat, (int ver, int dirfd, const char *path, struct stat *st, int flags))           \
  X(int, __xstat64, (int ver, const char *path, struct stat64 *st))                                \
  X(int, __lxstat64, (int ver, const char *path, struct stat64 *st))                               \
  X(int, __fxstat64, (int ver, int fd, struct stat64 *st))                                         \
  X(int, __fxstatat64, (int ver, int dirfd, const char *path, struct stat64 *st, int flags))       \
  X(ssize_t, __read_chk, (int fd, void *buf, size_t n, size_t cap))                                \
  X(ssize_t, __pread_chk, (int fd, void *buf, size_t n, off_t off, size_t cap))                    \
  X(ssize_t, __pread64_chk, (int fd, void *buf, size_t n, off64_t off, size_t cap))                \
  X(int, closedir, (DIR *d))                                                                       \
  X(ssize_t, splice, (int in, off64_t *oin, int out, off64_t *oout, size_t n, unsigned f))         \
  X(int, fallocate, (int fd, int mode, off_t off, off_t len))                                      \
  X(int, fallocate64, (int fd, int mode, off64_t off, off64_t len))                                \
  X(int, posix_fallocate, (int fd, off_t off, off_t len))                                          \
  X(int, posix_fallocate64, (int fd, off64_t off, off64_t len))                                    \
  X(int, mkstemp, (char *tmpl))                                                                    \
  X(int, mkstemp64, (char *tmpl))                                                                  \
  X(int, mkostemp, (char *tmpl, int flags))                                                        \
  X(int, mkostemp64, (char *tmpl, int flags))                                                      \
  X(int, mkstemps, (char *tmpl, int suffixlen))                                                    \
  X(int, mkstemps64, (char *tmpl, int suffixlen))                                                  \
  X(int, mkostemps, (char *tmpl, int suffixlen, int flags))                                        \
  X(int, mkostemps64, (char *tmpl, int suffixlen, int flags))

/* Entry points newer than the oldest C library provio runs on. */
#define POSIX_OPTIONAL(X)                                                                          \
  X(int, close_range, (unsigned first, unsigned last, int flags))                                  \
  X(ssize_t, preadv2, (int fd, const struct iovec *iov, int cnt, off_t off, int fl))               \
  X(ssize_t, preadv64v2, (int fd, const struct iovec *iov, int cnt, off64_t off, int fl))          \
  X(ssize_t, pwritev2, (int fd, const struct iovec *iov, int cnt, off_t off, int fl))              \
  X(ssize_t, pwritev64v2, (int fd, const struct iovec *iov, int cnt, off64_t off, int fl))         \
  X(int, fcntl64, (int fd, int cmd, ...))                                                          \
  X(int, renameat2, (int fd1, const char *from, int fd2, const char *to, unsigned fl))             \
  X(ssize_t, copy_file_range, (int in, off64_t *oin, int out, off64_t *oout, size_t n, unsigned f)) \
  X(int, stat, (const char *path, struct stat *st))                                                \
  X(int, lstat, (const char *path, struct stat *st))                                               \
  X(int, fstat, (int fd, struct stat *st))                                                         \
  X(int, fstatat, (int dirfd, const char *path, struct stat *st, int flags))                       \
  X(int, stat64, (const char *path, struct stat64 *st))                                            \
  X(int, lstat64, (const char *path, struct stat64 *st))                                           \
  X(int, fstat64, (int fd, struct stat64 *st))                                                     \
  X(int, fstatat64, (int dirfd, const char *path, struct stat64 *st, int flags))                   \
  X(int, statx, (int dirfd, const char *path, int flags, unsigned mask, struct statx *st))

POSIX_FUNCTIONS(PV_DECLARE_LAZY)
POSIX_OPTIONAL(PV_DECLARE_OPTIONAL)

/* Calls that make descriptors naming no file provio tracks (the
 * descriptor table section below says why they are wrapped). */
#define POSIX_MAKERS(X)                                                                            \
  X(DIR *, opendir, (const char *path))                                                            \
  X(int, socket, (int domain, int type, int protocol))                                             \
  X(int, socketpair, (int domain, int type, int protocol, int sv[2]))                              \
  X(int, accept, (int fd, __SOCKADDR_ARG addr, socklen_t *len))                                    \
  X(int, accept4, (int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags))                        \
  X(ssize_t, recvmsg, (int fd, struct msghdr *msg, int flags))                                     \
  X(int, recvmmsg, (int fd, struct mmsghdr *v, unsigned n, int flags, struct timespec *tmo))       \
  X(int, pipe, (int fds[2]))                                                                       \
  X(int, pipe2, (int fds[2], int flags))                                                           \
  X(int, eventfd, (unsigned int count, int flags))                                                 \
  X(int, epoll_create, (int size))                                                                 \
  X(int, epoll_create1, (int flags))                                                               \
  X(int, timerfd_create, (int clock, int flags))                                                   \
  X(int, signalfd, (int fd, const sigset_t *mask, int flags))                                      \
  X(int, inotify_init, (void))                                                                     \
  X(int, inotify_init1, (int flags))                                                               \
  X(int, fanotify_init, (unsigned flags, unsigned event_flags))                                    \
  X(int, open_by_handle_at, (int mount_fd, struct file_handle *h, int flags))                      \
  X(int, posix_openpt, (int flags))
#define POSIX_OPTIONAL_MAKERS(X)                                                                   \
  X(int, memfd_create, (const char *name, unsigned flags))                                         \
  X(int, pidfd_open, (pid_t pid, unsigned flags))                                                  \
  X(int, pidfd_getfd, (int pidfd, int fd, unsigned flags))
POSIX_MAKERS(PV_DECLARE_LAZY)
POSIX_OPTIONAL_MAKERS(PV_DECLARE_OPTIONAL)

/* closefrom returns nothing to fail with: without the library's, the
 * system call it is made of. */
static void closefrom_by_syscall(int lowfd) { syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0); }
PV_DECLARE_LAZY_OR(void, closefrom, (int lowfd), closefrom_by_syscall)

static void resolve(void)
{
  POSIX_FUNCTIONS(PV_RESOLVE_REAL)
  POSIX_OPTIONAL(PV_RESOLVE_OPTIONAL)
  POSIX_MAKERS(PV_RESOLVE_REAL)
  POSIX_OPTIONAL_MAKERS(PV_RESOLVE_OPTIONAL)
  PV_RESOLVE_REAL(void, closefrom, (int lowfd))
}
PV_MODULE(posix, [PV_HOOK_RESOLVE] = resolve)


/* ---- shapes shared by many wrappers ------------------------------------ */

/* A call on descriptor fd; account is what a tracked session gets (it sees
 * s_, rc_ and t0_). */
#define DESCRIPTOR_WRAPPER(ret, name, params, args, fd, account)                                  \
  PV_EXPORT ret name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    pv_session *s_ = pv_fd_session(fd);                                                           \
    if (!s_ && !pv_tracing()) return PV_REAL(name) args;                                          \
    uint64_t t0_ = pv_ticks();                                                                    \
    ret rc_ = PV_REAL(name) args;                                                                 \
    if (s_) account;                                                                              \
    if (pv_tracing()) pv_trace_fd(#name, fd, (int64_t)rc_, t0_);                                  \
    return rc_;                                                                                   \
  }

/* Reads and writes: bytes, count and time. */
#define IO_WRAPPER(ret, name, params, args, fd, is_write)                                         \
  DESCRIPTOR_WRAPPER(ret, name, params, args, fd, pv_account_io(s_, is_write, (ssize_t)rc_, t0_))

/* Anything else on a descriptor: counted under counter, timed as meta. */
static inline void account_meta(pv_session *s, int counter, uint64_t t0)
{
  pv_count(s, counter, 1);
  pv_count(s, PV_C_META_TICKS, pv_ticks() - t0);
}
#define FD_WRAPPER(ret, name, params, args, fd, counter)                                          \
  DESCRIPTOR_WRAPPER(ret, name, params, args, fd, account_meta(s_, counter, t0_))

/* A query by path (stat family, truncate): summed per path, no record per
 * call in summary mode. */
#define PATH_WRAPPER(ret, name, params, args, dirfd, path)                                        \
  PV_EXPORT ret name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    uint64_t t0_ = pv_ticks();                                                                    \
    ret rc_ = PV_REAL(name) args;                                                                 \
    int e_ = errno;                                                                               \
    pv_path_query(#name, dirfd, path, (int64_t)rc_, t0_);                                         \
    errno = e_;                                                                                   \
    return rc_;                                                                                   \
  }

/* A change to the name space, recorded with its call site. */
#define NAME_WRAPPER(ret, name, params, args, op, dirfd, path, dirfd2, target)                    \
  PV_EXPORT ret name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    uint64_t t0_ = pv_ticks();                                                                    \
    ret rc_ = PV_REAL(name) args;                                                                 \
    if (rc_ == 0) {                                                                               \
      int e_ = errno;                                                                             \
      pv_tls.depth++;                                                                             \
      pv_record_name_op(op, dirfd, path, dirfd2, target, pv_callsite_find(CALLER()));             \
      if (pv_tracing()) pv_trace_path(#name, dirfd, path, 0, t0_);                                \
      pv_tls.depth--;                                                                             \
      errno = e_;                                                                                 \
    }                                                                                             \
    return rc_;                                                                                   \
  }

/* ---- opening ------------------------------------------------------------ */

static int opened(const char *fn, int fd, int dirfd, const char *path, int flags, uintptr_t caller,
                  uint64_t t0)
{
  if (fd < 0 || !path) return fd;
  int e = errno;
  pv_tls.depth++;
  pv_track_open(fd, dirfd, path, flags, PV_API_POSIX, pv_callsite_find(caller));
  if (pv_tracing()) pv_trace_fd(fn, fd, fd, t0);
  pv_tls.depth--;
  errno = e;
  return fd;
}

static int needs_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

/* The mode argument exists only when the flags create a file. */
#define MODE_ARG(flags)                                                                           \
  mode_t mode = 0;                                                                                \
  if (needs_mode(flags)) {                                                                        \
    va_list ap;                                                                                   \
    va_start(ap, flags);                                                                          \
    mode = (mode_t)va_arg(ap, int);                                                               \
    va_end(ap);                                                                                   \
  }

#define OPEN_BODY(name, dirfd, call)                                                              \
  if (PV_IDLE()) return PV_REAL(name) call;                                                       \
  uint64_t t0 = pv_ticks();                                                                       \
  int fd = PV_REAL(name) call;                                                                    \
  return opened(#name, fd, dirfd, path, flags, CALLER(), t0);

PV_EXPORT int open(const char *path, int flags, ...)
{
  MODE_ARG(flags)
  OPEN_BODY(open, AT_FDCWD, (path, flags, mode))
}
PV_EXPORT int open64(const char *path, int flags, ...)
{
  MODE_ARG(flags)
  OPEN_BODY(open64, AT_FDCWD, (path, flags, mode))
}
PV_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
  MODE_ARG(flags)
  OPEN_BODY(openat, dirfd, (dirfd, path, flags, mode))
}
PV_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
  MODE_ARG(flags)
  OPEN_BODY(openat64, dirfd, (dirfd, path, flags, mode))
}
/* The _FORTIFY_SOURCE entry points: open() with constant flags and no mode. */
PV_EXPORT int __open_2(const char *path, int flags) { OPEN_BODY(__open_2, AT_FDCWD, (path, flags)) }
PV_EXPORT int __open64_2(const char *path, int flags) { OPEN_BODY(__open64_2, AT_FDCWD, (path, flags)) }
PV_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
  OPEN_BODY(__openat_2, dirfd, (dirfd, path, flags))
}
PV_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
  OPEN_BODY(__openat64_2, dirfd, (dirfd, path, flags))
}
PV_EXPORT int creat(const char *path, mode_t mode)
{
  int flags = O_WRONLY | O_CREAT | O_TRUNC;
  OPEN_BODY(creat, AT_FDCWD, (path, mode))
}
PV_EXPORT int creat64(const char *path, mode_t mode)
{
  int flags = O_WRONLY | O_CREAT | O_TRUNC;
  OPEN_BODY(creat64, AT_FDCWD, (path, mode))
}

/* The template, filled in, names the file made (read-write, created,
 * exclusive, plus the caller's flags). */
#define TEMP_FLAGS (O_RDWR | O_CREAT | O_EXCL)
#define MKSTEMP_BODY(name, call, extra)                                                           \
  if (PV_IDLE()) return PV_REAL(name) call;                                                       \
  uint64_t t0 = pv_ticks();                                                                       \
  int fd = PV_REAL(name) call;                                                                    \
  return opened(#name, fd, AT_FDCWD, tmpl, TEMP_FLAGS | (extra), CALLER(), t0);
PV_EXPORT int mkstemp(char *tmpl) { MKSTEMP_BODY(mkstemp, (tmpl), 0) }
PV_EXPORT int mkstemp64(char *tmpl) { MKSTEMP_BODY(mkstemp64, (tmpl), 0) }
PV_EXPORT int mkostemp(char *tmpl, int flags) { MKSTEMP_BODY(mkostemp, (tmpl, flags), flags) }
PV_EXPORT int mkostemp64(char *tmpl, int flags) { MKSTEMP_BODY(mkostemp64, (tmpl, flags), flags) }
PV_EXPORT int mkstemps(char *tmpl, int suffixlen) { MKSTEMP_BODY(mkstemps, (tmpl, suffixlen), 0) }
PV_EXPORT int mkstemps64(char *tmpl, int suffixlen) { MKSTEMP_BODY(mkstemps64, (tmpl, suffixlen), 0) }
PV_EXPORT int mkostemps(char *tmpl, int suffixlen, int flags)
{
  MKSTEMP_BODY(mkostemps, (tmpl, suffixlen, flags), flags)
}
PV_EXPORT int mkostemps64(char *tmpl, int suffixlen, int flags)
{
  MKSTEMP_BODY(mkostemps64, (tmpl, suffixlen, flags), flags)
}

/* ---- closing ------------------------------------------------------------ */

/* The record is written before the descriptor is released: once closed,
 * another thread may get the same number for a new file. */
void pv_closing(const char *fn, int fd)
{
  if (!pv_fd_tracked(fd) && !pv_tracing()) return;
  pv_tls.depth++;
  int e = errno;
  if (pv_tracing()) pv_trace_fd(fn, fd, 0, pv_ticks());
  pv_track_close(fd);
  errno = e;
  pv_tls.depth--;
}

PV_EXPORT int close(int fd)
{
  if (PV_IDLE()) return PV_REAL(close)(fd);
  pv_closing("close", fd);
  return PV_REAL(close)(fd);
}

/* Ends the sessions of descriptors first..last: only the numbers that
 * hold one are visited, so a range up to ~0 costs nothing more. */
static void close_sessions(unsigned first, unsigned last)
{
  for (int fd = pv_fd_next_live(first); fd >= 0 && (unsigned)fd <= last; fd = pv_fd_next_live((unsigned)fd + 1))
    pv_track_close(fd);
}

/* The records are written after the range is released (it may fail, and
 * then nothing was closed); a number reused in between is a new open, whose
 * wrapper finished the old session already. */
PV_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
  if (PV_IDLE()) return PV_REAL(close_range)(first, last, flags);
  uint64_t t0 = pv_ticks();
  int rc = PV_REAL(close_range)(first, last, flags);
  if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC)) {
    int e = errno;
    pv_tls.depth++;
    close_sessions(first, last);
    if (pv_tracing()) pv_trace_fd("close_range", (int)first, rc, t0);
    pv_tls.depth--;
    errno = e;
  }
  return rc;
}

PV_EXPORT void closefrom(int lowfd)
{
  if (PV_IDLE()) {
    PV_REAL(closefrom)(lowfd);
    return;
  }
  uint64_t t0 = pv_ticks();
  PV_REAL(closefrom)(lowfd);
  int e = errno;
  pv_tls.depth++;
  if (lowfd >= 0) close_sessions((unsigned)lowfd, ~0u);
  if (pv_tracing()) pv_trace_fd("closefrom", lowfd, 0, t0);
  pv_tls.depth--;
  errno = e;
}

/* A directory stream closes its descriptor inside the library: fdopendir
 * turns a tracked descriptor into one (nftw, fts). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnonnull-compare"
PV_EXPORT int closedir(DIR *d)
{
  /* glibc answers a null stream (declared impossible) with EINVAL. */
  if (PV_IDLE() || !d) return PV_REAL(closedir)(d);
  pv_closing("closedir", dirfd(d));
  return PV_REAL(closedir)(d);
}
#pragma GCC diagnostic pop

/* ---- descriptors that name no tracked file ------------------------------
 * A descriptor number is reused as soon as it is free.  If provio missed a
 * close (a raw system call, a library closing for the program), the next
 * descriptor with that number would inherit the dead file's session and
 * its traffic would be recorded on that file.  Every call that makes a
 * descriptor provio does not track ends such a session first. */

void pv_fd_appeared(int fd)
{
  if (!pv_fd_tracked(fd)) return;
  int e = errno;
  pv_tls.depth++;
  pv_track_close(fd);
  pv_tls.depth--;
  errno = e;
}

#define CREATOR_WRAPPER(name, params, args)                                                       \
  PV_EXPORT int name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    int new_ = PV_REAL(name) args;                                                                \
    if (new_ >= 0) pv_fd_appeared(new_);                                                          \
    return new_;                                                                                  \
  }
#define PAIR_WRAPPER(name, params, args, pair)                                                    \
  PV_EXPORT int name params                                                                       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name) args;                                                     \
    int rc = PV_REAL(name) args;                                                                  \
    if (rc == 0) {                                                                                \
      pv_fd_appeared(pair[0]);                                                                    \
      pv_fd_appeared(pair[1]);                                                                    \
    }                                                                                             \
    return rc;                                                                                    \
  }
CREATOR_WRAPPER(socket, (int domain, int type, int protocol), (domain, type, protocol))
PAIR_WRAPPER(socketpair, (int domain, int type, int protocol, int sv[2]), (domain, type, protocol, sv), sv)
CREATOR_WRAPPER(accept, (int fd, __SOCKADDR_ARG addr, socklen_t *len), (fd, addr, len))
CREATOR_WRAPPER(accept4, (int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags), (fd, addr, len, flags))
PAIR_WRAPPER(pipe, (int fds[2]), (fds), fds)
PAIR_WRAPPER(pipe2, (int fds[2], int flags), (fds, flags), fds)
CREATOR_WRAPPER(eventfd, (unsigned int count, int flags), (count, flags))
CREATOR_WRAPPER(epoll_create, (int size), (size))
CREATOR_WRAPPER(epoll_create1, (int flags), (flags))
CREATOR_WRAPPER(timerfd_create, (int clock, int flags), (clock, flags))
CREATOR_WRAPPER(signalfd, (int fd, const sigset_t *mask, int flags), (fd, mask, flags))
CREATOR_WRAPPER(inotify_init, (void), ())
CREATOR_WRAPPER(inotify_init1, (int flags), (flags))
CREATOR_WRAPPER(fanotify_init, (unsigned flags, unsigned event_flags), (flags, event_flags))
CREATOR_WRAPPER(open_by_handle_at, (int mount_fd, struct file_handle *h, int flags), (mount_fd, h, flags))
CREATOR_WRAPPER(posix_openpt, (int flags), (flags))
CREATOR_WRAPPER(memfd_create, (const char *name, unsigned flags), (name, flags))
CREATOR_WRAPPER(pidfd_open, (pid_t pid, unsigned flags), (pid, flags))
CREATOR_WRAPPER(pidfd_getfd, (int pidfd, int fd, unsigned flags), (pidfd, fd, flags))

PV_EXPORT DIR *opendir(const char *path)
{
  if (PV_IDLE()) return PV_REAL(opendir)(path);
  DIR *d = PV_REAL(opendir)(path);
  if (d) pv_fd_appeared(dirfd(d));
  return d;
}

/* Descriptors passed in a message (SCM_RIGHTS) are new ones. */
static void received(struct msghdr *msg)
{
  if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr)) return;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
      pv_fd_appeared(fd);
    }
  }
}
PV_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
  if (PV_IDLE()) return PV_REAL(recvmsg)(fd, msg, flags);
  ssize_t rc = PV_REAL(recvmsg)(fd, msg, flags);
  if (rc >= 0) received(msg);
  return rc;
}
PV_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned n, int flags, struct timespec *tmo)
{
  if (PV_IDLE()) return PV_REAL(recvmmsg)(fd, v, n, flags, tmo);
  int rc = PV_REAL(recvmmsg)(fd, v, n, flags, tmo);
  for (int i = 0; i < rc; i++) received(&v[i].msg_hdr);
  return rc;
}

/* ---- data --------------------------------------------------------------- */

IO_WRAPPER(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n), fd, 0)
IO_WRAPPER(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n), fd, 1)
IO_WRAPPER(ssize_t, pread, (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off), fd, 0)
IO_WRAPPER(ssize_t, pread64, (int fd, void *buf, size_t n, off64_t off), (fd, buf, n, off), fd, 0)
IO_WRAPPER(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off), fd, 1)
IO_WRAPPER(ssize_t, pwrite64, (int fd, const void *buf, size_t n, off64_t off), (fd, buf, n, off), fd, 1)
/* The _FORTIFY_SOURCE forms (cap: the size of the buffer the compiler saw). */
IO_WRAPPER(ssize_t, __read_chk, (int fd, void *buf, size_t n, size_t cap), (fd, buf, n, cap), fd, 0)
IO_WRAPPER(ssize_t, __pread_chk, (int fd, void *buf, size_t n, off_t off, size_t cap), (fd, buf, n, off, cap), fd, 0)
IO_WRAPPER(ssize_t, __pread64_chk, (int fd, void *buf, size_t n, off64_t off, size_t cap), (fd, buf, n, off, cap), fd, 0)
IO_WRAPPER(ssize_t, readv, (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt), fd, 0)
IO_WRAPPER(ssize_t, writev, (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt), fd, 1)
IO_WRAPPER(ssize_t, preadv, (int fd, const struct iovec *iov, int cnt, off_t off), (fd, iov, cnt, off), fd, 0)
IO_WRAPPER(ssize_t, preadv64, (int fd, const struct iovec *iov, int cnt, off64_t off), (fd, iov, cnt, off), fd, 0)
IO_WRAPPER(ssize_t, pwritev, (int fd, const struct iovec *iov, int cnt, off_t off), (fd, iov, cnt, off), fd, 1)
IO_WRAPPER(ssize_t, pwritev64, (int fd, const struct iovec *iov, int cnt, off64_t off), (fd, iov, cnt, off), fd, 1)
IO_WRAPPER(ssize_t, preadv2, (int fd, const struct iovec *iov, int cnt, off_t off, int fl), (fd, iov, cnt, off, fl), fd, 0)
IO_WRAPPER(ssize_t, preadv64v2, (int fd, const struct iovec *iov, int cnt, off64_t off, int fl), (fd, iov, cnt, off, fl), fd, 0)
IO_WRAPPER(ssize_t, pwritev2, (int fd, const struct iovec *iov, int cnt, off_t off, int fl), (fd, iov, cnt, off, fl), fd, 1)
IO_WRAPPER(ssize_t, pwritev64v2, (int fd, const struct iovec *iov, int cnt, off64_t off, int fl), (fd, iov, cnt, off, fl), fd, 1)

/* Data moved between two descriptors inside the kernel: a read of one and
 * a write of the other. */
static ssize_t moved(const char *fn, int in, int out, ssize_t rc, uint64_t t0)
{
  pv_session *si = pv_fd_session(in), *so = pv_fd_session(out);
  if (si) pv_account_io(si, 0, rc, t0);
  if (so) pv_account_io(so, 1, rc, t0);
  if (pv_tracing()) pv_trace_fd(fn, out, rc, t0);
  return rc;
}
PV_EXPORT ssize_t copy_file_range(int in, off64_t *oin, int out, off64_t *oout, size_t n, unsigned f)
{
  if (PV_IDLE()) return PV_REAL(copy_file_range)(in, oin, out, oout, n, f);
  uint64_t t0 = pv_ticks();
  return moved("copy_file_range", in, out, PV_REAL(copy_file_range)(in, oin, out, oout, n, f), t0);
}
PV_EXPORT ssize_t splice(int in, off64_t *oin, int out, off64_t *oout, size_t n, unsigned f)
{
  if (PV_IDLE()) return PV_REAL(splice)(in, oin, out, oout, n, f);
  uint64_t t0 = pv_ticks();
  return moved("splice", in, out, PV_REAL(splice)(in, oin, out, oout, n, f), t0);
}
PV_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
  if (PV_IDLE()) return PV_REAL(sendfile)(out, in, off, n);
  uint64_t t0 = pv_ticks();
  return moved("sendfile", in, out, PV_REAL(sendfile)(out, in, off, n), t0);
}
PV_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
  if (PV_IDLE()) return PV_REAL(sendfile64)(out, in, off, n);
  uint64_t t0 = pv_ticks();
  return moved("sendfile64", in, out, PV_REAL(sendfile64)(out, in, off, n), t0);
}

/* A shared writable mapping will change the file; any mapping reads it,
 * from now on, at times no call shows. */
static void *mapped(const char *fn, void *rc, int prot, int flags, int fd, uint64_t t0)
{
  pv_session *s = rc != MAP_FAILED && !(flags & MAP_ANONYMOUS) ? pv_fd_session(fd) : NULL;
  if (s) {
    uint64_t now = pv_ticks();
    int changes = (prot & PROT_WRITE) && (flags & MAP_SHARED);
    pv_count(s, changes ? PV_C_WRITES : PV_C_READS, 1);
    pv_count(s, PV_C_META_TICKS, now - t0);
    pv_mark(s, changes, now);
    if (changes) s->mapped_writable = 1;
    else __atomic_store_n(&s->last_at[0], PV_STILL, __ATOMIC_RELAXED);
    pv_refresh_if_due(s, changes, now);
  }
  if (pv_tracing() && !(flags & MAP_ANONYMOUS)) pv_trace_fd(fn, fd, rc == MAP_FAILED ? -1 : 0, t0);
  return rc;
}
/* Allocators map anonymous memory, possibly before init or inside a
 * lookup: an anonymous mapping never resolves (the dlsym deadlock Darshan
 * met); until a file mapping or a fork resolved the next mmap, it is the
 * system call. */
#define MMAP_WRAPPER(name, off_type)                                                              \
  PV_EXPORT void *name(void *addr, size_t len, int prot, int flags, int fd, off_type off)         \
  {                                                                                               \
    if (PV_IDLE() || (flags & MAP_ANONYMOUS)) {                                                   \
      if (!__atomic_load_n(&real_##name, __ATOMIC_RELAXED))                                       \
        return pv_sys_mmap(addr, len, prot, flags, fd, off);                                      \
      return real_##name(addr, len, prot, flags, fd, off);                                        \
    }                                                                                             \
    uint64_t t0 = pv_ticks();                                                                     \
    return mapped(#name, PV_REAL(name)(addr, len, prot, flags, fd, off), prot, flags, fd, t0);    \
  }
MMAP_WRAPPER(mmap, off_t)
MMAP_WRAPPER(mmap64, off64_t)

/* ---- positioning, syncing, sizing --------------------------------------- */

FD_WRAPPER(off_t, lseek, (int fd, off_t off, int whence), (fd, off, whence), fd, PV_C_SEEKS)
FD_WRAPPER(off64_t, lseek64, (int fd, off64_t off, int whence), (fd, off, whence), fd, PV_C_SEEKS)
FD_WRAPPER(int, fsync, (int fd), (fd), fd, PV_C_SYNCS)
FD_WRAPPER(int, fdatasync, (int fd), (fd), fd, PV_C_SYNCS)

/* A truncation or an allocation changes the file without writing bytes:
 * a write-like call that makes a version, as a shared writable mapping
 * does; emptied: nothing of the earlier content is left. */
static inline void account_change(pv_session *s, int rc, uint64_t t0, int emptied)
{
  if (rc != 0) return;
  uint64_t now = pv_ticks();
  pv_count(s, PV_C_WRITES, 1);
  pv_count(s, PV_C_WRITE_TICKS, now - t0);
  pv_mark(s, 1, now);
  if (emptied) s->new_content = 1;
  pv_refresh_if_due(s, 1, now);
}
#define CHANGE_WRAPPER(name, params, args, fd, changes, emptied)                                  \
  DESCRIPTOR_WRAPPER(int, name, params, args, fd, account_change(s_, (changes) ? rc_ : -1, t0_, emptied))
CHANGE_WRAPPER(ftruncate, (int fd, off_t len), (fd, len), fd, 1, len == 0)
CHANGE_WRAPPER(ftruncate64, (int fd, off64_t len), (fd, len), fd, 1, len == 0)
/* Keeping the size only reserves blocks: the contents stay as they were. */
CHANGE_WRAPPER(fallocate, (int fd, int mode, off_t off, off_t len), (fd, mode, off, len), fd, mode != FALLOC_FL_KEEP_SIZE, 0)
CHANGE_WRAPPER(fallocate64, (int fd, int mode, off64_t off, off64_t len), (fd, mode, off, len), fd, mode != FALLOC_FL_KEEP_SIZE, 0)
CHANGE_WRAPPER(posix_fallocate, (int fd, off_t off, off_t len), (fd, off, len), fd, 1, 0)
CHANGE_WRAPPER(posix_fallocate64, (int fd, off64_t off, off64_t len), (fd, off, len), fd, 1, 0)
FD_WRAPPER(int, fstat, (int fd, struct stat *st), (fd, st), fd, PV_C_META)
FD_WRAPPER(int, fstat64, (int fd, struct stat64 *st), (fd, st), fd, PV_C_META)
FD_WRAPPER(int, __fxstat, (int ver, int fd, struct stat *st), (ver, fd, st), fd, PV_C_META)
FD_WRAPPER(int, __fxstat64, (int ver, int fd, struct stat64 *st), (ver, fd, st), fd, PV_C_META)

/* ---- descriptor copies --------------------------------------------------- */

static int duplicated(const char *fn, int oldfd, int newfd, uint64_t t0)
{
  if (newfd < 0) return newfd;
  int e = errno;
  pv_tls.depth++;
  /* newfd now names oldfd's file: whatever it named before (dup2 and dup3
   * close it silently) is finished, whether or not oldfd is tracked. */
  if (pv_fd_session(oldfd)) pv_track_dup(oldfd, newfd);
  else if (oldfd != newfd && pv_fd_tracked(newfd)) pv_track_close(newfd);
  if (pv_tracing()) pv_trace_fd(fn, newfd, newfd, t0);
  pv_tls.depth--;
  errno = e;
  return newfd;
}
PV_EXPORT int dup(int fd)
{
  if (PV_IDLE()) return PV_REAL(dup)(fd);
  uint64_t t0 = pv_ticks();
  return duplicated("dup", fd, PV_REAL(dup)(fd), t0);
}
PV_EXPORT int dup2(int fd, int newfd)
{
  if (PV_IDLE()) return PV_REAL(dup2)(fd, newfd);
  uint64_t t0 = pv_ticks();
  return duplicated("dup2", fd, PV_REAL(dup2)(fd, newfd), t0);
}
PV_EXPORT int dup3(int fd, int newfd, int flags)
{
  if (PV_IDLE()) return PV_REAL(dup3)(fd, newfd, flags);
  uint64_t t0 = pv_ticks();
  return duplicated("dup3", fd, PV_REAL(dup3)(fd, newfd, flags), t0);
}

/* fcntl's third argument is an int or a pointer; both travel in the same
 * register class, so it is passed on as a pointer-sized value. */
#define FCNTL_BODY(name)                                                                          \
  va_list ap;                                                                                     \
  va_start(ap, cmd);                                                                              \
  void *arg = va_arg(ap, void *);                                                                 \
  va_end(ap);                                                                                     \
  if (PV_IDLE()) return PV_REAL(name)(fd, cmd, arg);                                              \
  uint64_t t0 = pv_ticks();                                                                       \
  int rc = PV_REAL(name)(fd, cmd, arg);                                                           \
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) return duplicated(#name, fd, rc, t0);             \
  return rc;
PV_EXPORT int fcntl(int fd, int cmd, ...) { FCNTL_BODY(fcntl) }
PV_EXPORT int fcntl64(int fd, int cmd, ...) { FCNTL_BODY(fcntl64) }

/* The descriptor linkat's source names by itself: "" with AT_EMPTY_PATH,
 * or /proc/self/fd/N (how an unprivileged program links an O_TMPFILE
 * file); else -1. */
static int linked_descriptor(int fd1, const char *from, int flags)
{
  static const char self[] = "/proc/self/fd/";
  if (!from) return -1;
  if ((flags & AT_EMPTY_PATH) && !from[0]) return fd1;
  if (strncmp(from, self, sizeof self - 1) != 0) return -1;
  long n = 0;
  const char *d = from + sizeof self - 1;
  for (; *d >= '0' && *d <= '9' && n < INT_MAX / 10; d++) n = 10 * n + (*d - '0');
  return *d || d == from + sizeof self - 1 ? -1 : (int)n;
}

/* linkat names a file: an O_TMPFILE one (files.c, pv_track_named) is from
 * then on a file of that name; any other link is a name operation. */
PV_EXPORT int linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{
  if (PV_IDLE()) return PV_REAL(linkat)(fd1, from, fd2, to, flags);
  uint64_t t0 = pv_ticks();
  int rc = PV_REAL(linkat)(fd1, from, fd2, to, flags);
  if (rc == 0) {
    int e = errno;
    pv_tls.depth++;
    int fd = linked_descriptor(fd1, from, flags);
    if (fd < 0 || pv_track_named(fd, fd2, to) != 0)
      pv_record_name_op("link", fd1, from, fd2, to, pv_callsite_find(CALLER()));
    if (pv_tracing()) pv_trace_path("linkat", fd1, from, 0, t0);
    pv_tls.depth--;
    errno = e;
  }
  return rc;
}

/* A clone (FICLONE, FICLONERANGE: `cp`'s default --reflink=auto on XFS
 * and btrfs) makes the destination share the source's blocks: a read of
 * one and a write of the other, though no data moves.  Without it cp's
 * output had no version and no ancestor.  Its length is the range's, or
 * (the whole file, or a range to the end) read with one fstat after a
 * clone that worked: ioctl's other requests pass straight through. */
static void cloned(int out, unsigned long request, void *arg, uint64_t t0)
{
  int saved = errno, in;
  uint64_t from = 0, len = 0;
  if (request == FICLONE) {
    in = (int)(intptr_t)arg;
  } else {
    const struct file_clone_range *r = arg;
    in = (int)r->src_fd;
    from = r->src_offset;
    len = r->src_length;
  }
  struct stat st;
  if (!len && pv_sys_fstat(in, &st) == 0 && (uint64_t)st.st_size > from) len = (uint64_t)st.st_size - from;
  errno = saved;
  moved("ioctl", in, out, len > SSIZE_MAX ? SSIZE_MAX : (ssize_t)len, t0);
}

/* ioctl's third argument is an int or a pointer, passed on as fcntl's. */
PV_EXPORT int ioctl(int fd, unsigned long request, ...)
{
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (PV_IDLE() || (request != FICLONE && request != FICLONERANGE)) return PV_REAL(ioctl)(fd, request, arg);
  uint64_t t0 = pv_ticks();
  int rc = PV_REAL(ioctl)(fd, request, arg);
  if (rc == 0) cloned(fd, request, arg, t0);
  else if (pv_tracing()) pv_trace_fd("ioctl", fd, rc, t0); /* arg may point nowhere */
  return rc;
}

/* ---- the name space ----------------------------------------------------- */

NAME_WRAPPER(int, rename, (const char *from, const char *to), (from, to), "rename", AT_FDCWD, from, AT_FDCWD, to)
NAME_WRAPPER(int, renameat, (int fd1, const char *from, int fd2, const char *to), (fd1, from, fd2, to), "rename", fd1, from, fd2, to)
NAME_WRAPPER(int, renameat2, (int fd1, const char *from, int fd2, const char *to, unsigned fl), (fd1, from, fd2, to, fl), "rename", fd1, from, fd2, to)
NAME_WRAPPER(int, unlink, (const char *path), (path), "unlink", AT_FDCWD, path, AT_FDCWD, NULL)
NAME_WRAPPER(int, unlinkat, (int dirfd, const char *path, int flags), (dirfd, path, flags), (flags & AT_REMOVEDIR) ? "rmdir" : "unlink", dirfd, path, AT_FDCWD, NULL)
NAME_WRAPPER(int, link, (const char *from, const char *to), (from, to), "link", AT_FDCWD, from, AT_FDCWD, to)
NAME_WRAPPER(int, symlink, (const char *target, const char *path), (target, path), "symlink", AT_FDCWD, path, AT_FDCWD, target)
NAME_WRAPPER(int, symlinkat, (const char *target, int dirfd, const char *path), (target, dirfd, path), "symlink", dirfd, path, dirfd, target)
NAME_WRAPPER(int, mkdir, (const char *path, mode_t mode), (path, mode), "mkdir", AT_FDCWD, path, AT_FDCWD, NULL)
NAME_WRAPPER(int, mkdirat, (int dirfd, const char *path, mode_t mode), (dirfd, path, mode), "mkdir", dirfd, path, AT_FDCWD, NULL)
NAME_WRAPPER(int, rmdir, (const char *path), (path), "rmdir", AT_FDCWD, path, AT_FDCWD, NULL)

/* truncate by name is a name operation and, like ftruncate, a change of
 * the file: a session of one write-like call, on a slot of its own (the
 * call is rare: the slot and its path are mapped for it, off the stack). */
static int truncated(const char *fn, int rc, const char *path, int emptied, uintptr_t caller, uint64_t t0)
{
  if (rc != 0) return rc;
  int e = errno;
  pv_tls.depth++;
  uintptr_t site = pv_callsite_find(caller);
  pv_record_name_op("truncate", AT_FDCWD, path, AT_FDCWD, NULL, site);
  struct { pv_session s; char canon[PV_PATH_MAX]; } *m =
      pv_sys_mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m != MAP_FAILED) {
    size_t len = pv_canon_at(AT_FDCWD, path, m->canon, sizeof m->canon);
    pv_session *live = len ? pv_session_start(&m->s, m->canon, len, O_WRONLY, PV_API_POSIX, site) : NULL;
    if (live) account_change(live, 0, t0, emptied);
    if (len) pv_session_finish(&m->s);
    pv_sys_munmap(m, sizeof *m);
  }
  if (pv_tracing()) pv_trace_path(fn, AT_FDCWD, path, 0, t0);
  pv_tls.depth--;
  errno = e;
  return rc;
}
PV_EXPORT int truncate(const char *path, off_t len)
{
  if (PV_IDLE()) return PV_REAL(truncate)(path, len);
  uint64_t t0 = pv_ticks();
  return truncated("truncate", PV_REAL(truncate)(path, len), path, len == 0, CALLER(), t0);
}
PV_EXPORT int truncate64(const char *path, off64_t len)
{
  if (PV_IDLE()) return PV_REAL(truncate64)(path, len);
  uint64_t t0 = pv_ticks();
  return truncated("truncate64", PV_REAL(truncate64)(path, len), path, len == 0, CALLER(), t0);
}

/* Relative paths are resolved against the cwd we keep, without asking. */
static int changed_dir(const char *fn, int rc, int fd, const char *path, uint64_t t0)
{
  if (rc != 0) return rc;
  int e = errno;
  pv_tls.depth++;
  char *canon = pv_thread_path(0); /* off the stack, as for opens */
  size_t n = !canon ? 0
             : path ? pv_canon_at(AT_FDCWD, path, canon, PV_PATH_MAX - 1)
                    : pv_canon_at(fd, ".", canon, PV_PATH_MAX - 1);
  if (n) {
    memcpy(pv_proc.cwd, canon, n);
    pv_proc.cwd[n] = 0;
  }
  pv_tls.depth--;
  if (pv_tracing()) pv_trace_path(fn, AT_FDCWD, pv_proc.cwd, rc, t0);
  errno = e;
  return rc;
}
PV_EXPORT int chdir(const char *path)
{
  if (PV_IDLE()) return PV_REAL(chdir)(path);
  uint64_t t0 = pv_ticks();
  return changed_dir("chdir", PV_REAL(chdir)(path), -1, path, t0);
}
PV_EXPORT int fchdir(int fd)
{
  if (PV_IDLE()) return PV_REAL(fchdir)(fd);
  uint64_t t0 = pv_ticks();
  return changed_dir("fchdir", PV_REAL(fchdir)(fd), fd, NULL, t0);
}

/* ---- the stat family ----------------------------------------------------- */

PATH_WRAPPER(int, stat, (const char *path, struct stat *st), (path, st), AT_FDCWD, path)
PATH_WRAPPER(int, lstat, (const char *path, struct stat *st), (path, st), AT_FDCWD, path)
PATH_WRAPPER(int, fstatat, (int dirfd, const char *path, struct stat *st, int flags), (dirfd, path, st, flags), dirfd, path)
PATH_WRAPPER(int, stat64, (const char *path, struct stat64 *st), (path, st), AT_FDCWD, path)
PATH_WRAPPER(int, lstat64, (const char *path, struct stat64 *st), (path, st), AT_FDCWD, path)
PATH_WRAPPER(int, fstatat64, (int dirfd, const char *path, struct stat64 *st, int flags), (dirfd, path, st, flags), dirfd, path)
PATH_WRAPPER(int, statx, (int dirfd, const char *path, int flags, unsigned mask, struct statx *st), (dirfd, path, flags, mask, st), dirfd, path)
PATH_WRAPPER(int, __xstat, (int ver, const char *path, struct stat *st), (ver, path, st), AT_FDCWD, path)
PATH_WRAPPER(int, __lxstat, (int ver, const char *path, struct stat *st), (ver, path, st), AT_FDCWD, path)
PATH_WRAPPER(int, __fxstatat, (int ver, int dirfd, const char *path, struct stat *st, int flags), (ver, dirfd, path, st, flags), dirfd, path)
PATH_WRAPPER(int, __xstat64, (int ver, const char *path, struct stat64 *st), (ver, path, st), AT_FDCWD, path)
PATH_WRAPPER(int, __lxstat64, (int ver, const char *path, struct stat64 *st), (ver, path, st), AT_FDCWD, path)
PATH_WRAPPER(int, __fxstatat64, (int ver, int dirfd, const char *path, struct stat64 *st, int flags), (ver, dirfd, path, st, flags), dirfd, path)
