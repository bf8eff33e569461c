/* writer.c - append-only N-Triples file in a growing shared mapping. */
#include "writer.h"

#include <errno.h>
#include <string.h>

#include "sys.h"

static int open_existing(pv_writer *w)
{
  return pv_sys_openat(w->dirfd, w->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
}

int pv_writer_open(pv_writer *w, int dirfd, const char *name)
{
  w->base = NULL;
  w->mapped = w->len = 0;
  size_t n = strlen(name);
  if (n >= sizeof w->name) return -ENAMETOOLONG;
  int fd = pv_sys_openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  pv_sys_close(fd);
  /* Reserve the whole span now so that later chunks land contiguously. */
  void *base = pv_sys_mmap(NULL, PV_WRITER_SPAN, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return -errno;
  w->dirfd = dirfd;
  memcpy(w->name, name, n + 1);
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
  int fd = open_existing(w), rc = -1;
  if (fd < 0) return -1;
  if (pv_sys_fallocate(fd, 0, (off_t)w->mapped, (off_t)add) == 0 ||
      ((errno == EOPNOTSUPP || errno == ENOSYS) && pv_sys_ftruncate(fd, (off_t)(w->mapped + add)) == 0)) {
    void *p = pv_sys_mmap(w->base + w->mapped, add, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, (off_t)w->mapped);
    if (p != MAP_FAILED) {
      w->mapped += add;
      rc = 0;
    }
  }
  pv_sys_close(fd);
  return rc;
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
  int fd = open_existing(w);
  if (fd >= 0) {
    pv_sys_ftruncate(fd, (off_t)w->len);
    pv_sys_close(fd);
  }
  w->base = NULL;
}

void pv_writer_abandon(pv_writer *w)
{
  if (!w->base) return;
  pv_sys_munmap(w->base, PV_WRITER_SPAN);
  w->base = NULL;
}
