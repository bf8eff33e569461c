/* nolocks.c - LD_PRELOAD shim: a file system without working locks, as
 * Lustre mounted with noflock is (flock and fcntl locks fail with ENOSYS).
 * Every other fcntl command goes through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>

int flock(int fd, int op)
{
  (void)fd;
  (void)op;
  errno = ENOSYS;
  return -1;
}

static int forward(const char *name, int fd, int cmd, void *arg)
{
  if (cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) {
    errno = ENOSYS;
    return -1;
  }
  int (*real)(int, int, ...) = (int (*)(int, int, ...))dlsym(RTLD_NEXT, name);
  return real(fd, cmd, arg);
}

#define SHIM(name)                        \
  int name(int fd, int cmd, ...)          \
  {                                       \
    va_list ap;                           \
    va_start(ap, cmd);                    \
    void *arg = va_arg(ap, void *);       \
    va_end(ap);                           \
    return forward(#name, fd, cmd, arg);  \
  }
SHIM(fcntl)
SHIM(fcntl64)
