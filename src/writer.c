/* writer.c - append-only N-Triples file in a growing shared mapping. */
#define _GNU_SOURCE
#include "writer.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "sys.h"

int pv_dir_init(pv_dir *d, const char *path)
{
  d->path = path;
  int fd = pv_sys_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return -errno;
  struct stat st;
  int rc = pv_sys_fstat(fd, &st);
  pv_sys_close(fd);
  if (rc != 0) return -errno;
  /* One someone else made could be read or swapped by them; one others may
   * write to, they could swap our files in. */
  if (st.st_uid != getuid() || (st.st_mode & 022)) return -EPERM;
  d->dev = st.st_dev;
  d->ino = st.st_ino;
  return 0;
}

int pv_dir_open(const pv_dir *d)
{
  int fd = pv_sys_openat(AT_FDCWD, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  struct stat st;
  if (fd >= 0 && (pv_sys_fstat(fd, &st) != 0 || st.st_dev != d->dev || st.st_ino != d->ino)) {
    pv_sys_close(fd);
    errno = ESTALE;
    return -1;
  }
  return fd;
}

static int open_file(const pv_writer *w, int flags)
{
  int dir = pv_dir_open(w->dir);
  if (dir < 0) return -1;
  int fd = pv_sys_openat(dir, w->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | flags, 0600);
  int e = errno;
  pv_sys_close(dir);
  errno = e;
  return fd;
}

/* Largest size a file may have now, page aligned: a growth beyond
 * RLIMIT_FSIZE would kill the host program with SIGXFSZ. */
static size_t size_limit(void)
{
  struct rlimit rl;
  if (syscall(SYS_getrlimit, RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return (size_t)-1;
  return (size_t)rl.rlim_cur & ~((size_t)getpagesize() - 1);
}

/* Makes the file size bytes long and maps all of it, bytes from on being
 * newlines.  They are written, not mapped and then set: the file never
 * holds bytes that are not N-Triples, whenever the process is killed, and
 * its blocks are allocated (a store into a hole of a full file system
 * would raise SIGBUS in the host program).  They come from one page, named
 * over and over in a vector: a buffer as long as a write would cost every
 * process a page fault per page of it when first read (about 60 us per
 * process start on a virtual machine, measured). */
static const char newlines[4096] __attribute__((aligned(4096))) = {[0 ... 4095] = '\n'};
#define NEWLINE_PAGES 32

static int extend(pv_writer *w, int fd, size_t size, size_t from)
{
  struct iovec iov[NEWLINE_PAGES];
  for (size_t off = from; off < size;) {
    int n = 0;
    for (size_t left = size - off; left > 0 && n < NEWLINE_PAGES; n++) {
      iov[n].iov_base = (void *)newlines;
      iov[n].iov_len = left < sizeof newlines ? left : sizeof newlines;
      left -= iov[n].iov_len;
    }
    ssize_t k = pv_sys_pwritev(fd, iov, n, (off_t)off);
    if (k <= 0) {
      pv_sys_ftruncate(fd, (off_t)from); /* the size it had */
      return -1;
    }
    off += (size_t)k;
  }
  void *p = size <= w->mapped ? w->base
            : w->base ? pv_sys_mremap(w->base, w->mapped, size, MREMAP_MAYMOVE)
                      : pv_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    pv_sys_ftruncate(fd, (off_t)w->mapped);
    return -1;
  }
  /* A child forked behind our back (a raw clone) must not write into our
   * files; it finds the range unmapped and starts its own. */
  if (size > w->mapped) pv_sys_madvise(p, size, MADV_DONTFORK);
  w->base = p;
  w->mapped = size;
  return 0;
}

static void populate(pv_writer *w)
{
  size_t page = (size_t)getpagesize();
  /* as far ahead as the file holds records already, within bounds: a
   * short process maps in two pages, a long one a window per call */
  size_t ahead = w->len < PV_WRITER_WINDOW_MIN   ? PV_WRITER_WINDOW_MIN
                 : w->len > PV_WRITER_WINDOW_MAX ? PV_WRITER_WINDOW_MAX
                                                 : w->len;
  size_t to = (w->len + ahead + page - 1) & ~(page - 1);
  if (to > w->mapped) to = w->mapped;
  /* A kernel without MADV_POPULATE_WRITE (before 5.14) leaves the pages
   * to fault in as they are written. */
  if (to > w->populated) pv_sys_madvise(w->base + w->populated, to - w->populated, MADV_POPULATE_WRITE);
  w->populated = to;
}

static int grow(pv_writer *w, size_t need)
{
  /* A mapped file is never empty; were it, doubling 0 would never end. */
  size_t size = w->mapped ? w->mapped : (size_t)getpagesize();
  do
    size += size < PV_WRITER_CHUNK ? size : PV_WRITER_CHUNK;
  while (size < w->len + need);
  size_t limit = size_limit();
  if (size > limit) {
    size = limit;
    if (size <= w->mapped || size < w->len + need) {
      w->full = 1;
      return -1;
    }
  }
  int fd = open_file(w, 0);
  if (fd < 0) return -1;
  int rc = extend(w, fd, size, w->mapped);
  pv_sys_close(fd);
  return rc;
}

int pv_writer_open(pv_writer *w, const pv_dir *dir, const char *name)
{
  w->base = NULL;
  w->mapped = w->len = w->populated = 0;
  w->full = 0;
  w->dir = dir;
  size_t n = strlen(name);
  if (n >= sizeof w->name) return -ENAMETOOLONG;
  memcpy(w->name, name, n + 1);
  int fd = open_file(w, O_CREAT | O_EXCL);
  if (fd < 0) return -errno;
  size_t size = size_limit() < PV_WRITER_FIRST ? size_limit() : PV_WRITER_FIRST;
  int rc = size == 0 ? -EFBIG : extend(w, fd, size, 0) == 0 ? 0 : -errno;
  if (rc) {
    /* Nothing half made is left behind. */
    int dir_fd = pv_dir_open(dir);
    if (dir_fd >= 0) {
      syscall(SYS_unlinkat, dir_fd, name, 0);
      pv_sys_close(dir_fd);
    }
  }
  pv_sys_close(fd);
  return rc;
}

char *pv_writer_reserve(pv_writer *w, size_t n)
{
  if (!w->base) return NULL;
  if (w->mapped - w->len < n && grow(w, n) != 0) return NULL;
  if (__builtin_expect(w->len + PV_WRITER_AHEAD > w->populated, 0)) populate(w);
  return w->base + w->len;
}

int pv_writer_trim(pv_writer *w, size_t len)
{
  int fd = open_file(w, 0);
  if (fd < 0) return -1;
  int rc = pv_sys_ftruncate(fd, (off_t)len);
  pv_sys_close(fd);
  return rc;
}

int pv_writer_untrim(pv_writer *w)
{
  if (w->mapped > size_limit()) return -1; /* the limit was lowered since */
  int fd = open_file(w, 0);
  if (fd < 0) return -1;
  /* The pages past the trimmed end were dropped: pad them again. */
  int rc = extend(w, fd, w->mapped, w->len);
  pv_sys_close(fd);
  w->populated = w->len & ~((size_t)getpagesize() - 1); /* mapped in again by the next reserve */
  return rc;
}

void pv_writer_close(pv_writer *w)
{
  if (!w->base) return;
  pv_writer_trim(w, w->len);
  pv_sys_munmap(w->base, w->mapped);
  w->base = NULL;
}

void pv_writer_forget(pv_writer *w) { w->base = NULL; }
