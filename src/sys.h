/* sys.h - the system calls provio itself makes, issued directly.
 *
 * libprovio.so interposes open, mmap, ftruncate and friends; the core must
 * not go through those wrappers (recursion) nor through anything that might
 * allocate.  Raw syscalls set errno on failure, so every entry point from an
 * intercepted call saves and restores errno around the core. */
#ifndef PROVIO_SYS_H
#define PROVIO_SYS_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>


static inline int pv_sys_openat(int dirfd, const char *path, int flags, int mode)
{ return (int)syscall(SYS_openat, dirfd, path, flags, mode); }
static inline int pv_sys_close(int fd) { return (int)syscall(SYS_close, fd); }
static inline int pv_sys_mkdirat(int dirfd, const char *path, int mode)
{ return (int)syscall(SYS_mkdirat, dirfd, path, mode); }
static inline int pv_sys_ftruncate(int fd, off_t len) { return (int)syscall(SYS_ftruncate, fd, len); }
/* The kernel takes the offset as low and high words; on a 64-bit
 * system the low one holds all of it. */
static inline ssize_t pv_sys_pwritev(int fd, const struct iovec *iov, int n, off_t off)
{ return (ssize_t)syscall(SYS_pwritev, fd, iov, n, (unsigned long)off, 0UL); }
static inline void *pv_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{ return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off); }
static inline void *pv_sys_mremap(void *addr, size_t old, size_t len, int flags)
{ return (void *)syscall(SYS_mremap, addr, old, len, flags); }
static inline int pv_sys_madvise(void *addr, size_t len, int advice)
{ return (int)syscall(SYS_madvise, addr, len, advice); }
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
/* Maps in the pages holding [p, p + n) for writing, all in one call: a
 * page fault costs several microseconds on a virtual machine, and every
 * process start writes these pages anyway.  A kernel before 5.14 refuses
 * the advice; the pages then fault in as they are written. */
static inline void pv_sys_populate(const void *p, size_t n)
{
  uintptr_t mask = (uintptr_t)getpagesize() - 1, from = (uintptr_t)p & ~mask;
  syscall(SYS_madvise, from, (((uintptr_t)p + n + mask) & ~mask) - from, MADV_POPULATE_WRITE);
}
static inline int pv_sys_munmap(void *addr, size_t len) { return (int)syscall(SYS_munmap, addr, len); }
static inline ssize_t pv_sys_read(int fd, void *buf, size_t n)
{ return (ssize_t)syscall(SYS_read, fd, buf, n); }
static inline ssize_t pv_sys_write(int fd, const void *buf, size_t n)
{ return (ssize_t)syscall(SYS_write, fd, buf, n); }
static inline int pv_sys_fstat(int fd, struct stat *st) { return (int)syscall(SYS_fstat, fd, st); }
static inline int pv_sys_stat(const char *path, struct stat *st)
{ return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0); }
static inline int pv_sys_gettid(void) { return (int)syscall(SYS_gettid); }

#endif
