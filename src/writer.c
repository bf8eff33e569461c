/* writer.c - append-only N-Triples file in a growing shared mapping. */
#include "writer.h"

#include <errno.h>

#include "sys.h"

int pv_writer_open(pv_writer *w, int dirfd, const char *name)
{
  w->fd = -1;
  w->base = NULL;
  w->mapped = w->len = 0;
  int fd = pv_sys_openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  /* Reserve the whole span now so that later chunks land contiguously. */
  void *base = pv_sys_mmap(NULL, PV_WRITER_SPAN, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    int e = errno;
    pv_sys_close(fd);
    return -e;
  }
  w->fd = fd;
  w->base = base;
  return 0;
}

/* Extends the file by one chunk (or more) and maps it in place.  Blocks are
 * allocated, not left sparse: a store into a hole of a full file system
 * would raise SIGBUS in the host program. */
static int grow(pv_writer *w, size_t need)
{
  size_t add = PV_WRITER_CHUNK;
  while (add < need) add += PV_WRITER_CHUNK;
  if (w->mapped + add > PV_WRITER_SPAN) return -1;
  if (pv_sys_fallocate(w->fd, 0, w->mapped, add) != 0) {
    if (errno != EOPNOTSUPP && errno != ENOSYS) return -1;
    if (pv_sys_ftruncate(w->fd, w->mapped + add) != 0) return -1;
  }
  void *p = pv_sys_mmap(w->base + w->mapped, add, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_FIXED | MAP_POPULATE, w->fd, w->mapped);
  if (p == MAP_FAILED) return -1;
  w->mapped += add;
  return 0;
}

char *pv_writer_reserve(pv_writer *w, size_t n)
{
  if (!w->base) return NULL;
  if (w->mapped - w->len < n && grow(w, n - (w->mapped - w->len)) != 0) return NULL;
  return w->base + w->len;
}

void pv_writer_close(pv_writer *w)
{
  if (!w->base) return;
  pv_sys_munmap(w->base, PV_WRITER_SPAN);
  pv_sys_ftruncate(w->fd, w->len);
  pv_sys_close(w->fd);
  w->base = NULL;
  w->fd = -1;
}

void pv_writer_abandon(pv_writer *w)
{
  if (!w->base) return;
  pv_sys_munmap(w->base, PV_WRITER_SPAN);
  pv_sys_close(w->fd);
  w->base = NULL;
  w->fd = -1;
}
