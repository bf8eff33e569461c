/* replace.c - building a store beside the old one and swapping it in. */
#define _GNU_SOURCE
#include "replace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static int fail(char *err, size_t errlen, int status, const char *fmt, const char *a, const char *b)
{
  snprintf(err, errlen, fmt, a, b ? b : "");
  return status;
}

static char *parent_of(const char *path)
{
  char *copy = strdup(path);
  if (!copy) return NULL;
  char *d = strdup(dirname(copy));
  free(copy);
  return d;
}

static int dir_is_empty(const char *path)
{
  DIR *d = opendir(path);
  if (!d) return 0;
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      empty = 0;
      break;
    }
  closedir(d);
  return empty;
}

int pv_target_open(pv_target *t, const char *path, char *err, size_t errlen)
{
  memset(t, 0, sizeof *t);
  t->lock_fd = -1;
  t->path = strdup(path);
  char *parent = parent_of(path);
  if (!t->path || !parent) {
    free(parent);
    return fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", path, NULL);
  }
  struct stat st;
  int status = PV_STORE_OK;
  if (lstat(path, &st) != 0) {
    if (errno != ENOENT)
      status = fail(err, errlen, PV_STORE_ERROR, "%s: %s", path, strerror(errno));
    else if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
      status = fail(err, errlen, PV_STORE_MISSING, "%s: its directory %s does not exist", path, parent);
    t->kind = PV_TARGET_NEW;
  } else if (S_ISLNK(st.st_mode)) {
    status = fail(err, errlen, PV_STORE_FOREIGN, "%s: is a symbolic link (give the store directory itself)",
                  path, NULL);
  } else if (!S_ISDIR(st.st_mode)) {
    status = fail(err, errlen, PV_STORE_FOREIGN, "%s: exists and is not a directory", path, NULL);
  } else {
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/%s", path, PV_STORE_MARKER);
    if (access(marker, F_OK) == 0) {
      t->kind = PV_TARGET_STORE;
    } else if (dir_is_empty(path)) {
      t->kind = PV_TARGET_NEW;
      t->empty_dir = 1;
    } else {
      status = fail(err, errlen, PV_STORE_FOREIGN,
                    "%s: exists and is not a provio store (no %s marker); refusing to touch it", path,
                    PV_STORE_MARKER);
    }
  }
  if (status == PV_STORE_OK && access(parent, W_OK | X_OK) != 0)
    status = fail(err, errlen, PV_STORE_ERROR, "%s: cannot write in %s (the new store is built there)", path,
                  parent);
  if (status == PV_STORE_OK && t->kind == PV_TARGET_STORE) {
    t->lock_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (t->lock_fd < 0)
      status = fail(err, errlen, PV_STORE_ERROR, "%s: cannot open: %s", path, strerror(errno));
    else if (flock(t->lock_fd, LOCK_EX | LOCK_NB) != 0)
      status = fail(err, errlen, PV_STORE_ERROR, "%s: another prov-merge is writing this store", path, NULL);
  }
  free(parent);
  return status;
}

/* Copies one file with copy_file_range (a reflink where the file system
 * can), falling back to read and write. */
static int copy_file(int from_dir, int to_dir, const char *name)
{
  int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return -1;
  int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    close(in);
    return -1;
  }
  int rc = 0;
  for (;;) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
    if (n > 0) continue;
    if (n == 0) break;
    if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) {
      rc = -1;
      break;
    }
    char buf[1 << 16];
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) > 0)
      if (write(out, buf, (size_t)r) != r) {
        rc = -1;
        break;
      }
    if (r < 0) rc = -1;
    break;
  }
  close(in);
  if (close(out) != 0) rc = -1;
  return rc;
}

int pv_target_prepare(pv_target *t, int copy, const char *const *skip, char *err, size_t errlen)
{
  char *parent = parent_of(t->path), *base = strdup(t->path);
  size_t n = strlen(t->path) + 64;
  t->tmp = malloc(n);
  if (!parent || !base || !t->tmp) {
    free(parent);
    free(base);
    return fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", t->path, NULL);
  }
  /* .<name>.merge-XXXXXX in the same directory: a rename, not a copy */
  snprintf(t->tmp, n, "%s/.%s.merge-XXXXXX", parent, basename(base));
  free(parent);
  free(base);
  if (!mkdtemp(t->tmp)) {
    free(t->tmp);
    t->tmp = NULL;
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot create the new store beside it: %s", t->path,
                strerror(errno));
  }
  if (!copy) return PV_STORE_OK;
  int from = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int to = open(t->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = from >= 0 ? fdopendir(dup(from)) : NULL;
  int status = d && to >= 0 ? PV_STORE_OK
                            : fail(err, errlen, PV_STORE_ERROR, "%s: cannot read: %s", t->path, strerror(errno));
  struct dirent *e;
  while (status == PV_STORE_OK && d && (e = readdir(d))) {
    struct stat st;
    if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    int skipped = 0;
    for (const char *const *s = skip; s && *s; s++) skipped |= strcmp(*s, e->d_name) == 0;
    if (!skipped && copy_file(from, to, e->d_name) != 0)
      status = fail(err, errlen, PV_STORE_ERROR, "%s: cannot copy the store: %s", t->path, strerror(errno));
  }
  if (d) closedir(d);
  if (from >= 0) close(from);
  if (to >= 0) close(to);
  return status;
}

static int sync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR *d = fdopendir(dup(fd));
  int rc = d ? 0 : -1;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int f = openat(fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) continue;
    struct stat st;
    if (fstat(f, &st) == 0 && S_ISREG(st.st_mode) && fsync(f) != 0) rc = -1;
    close(f);
  }
  if (d) closedir(d);
  if (fsync(fd) != 0) rc = -1;
  close(fd);
  return rc;
}

int pv_target_commit(pv_target *t, char *err, size_t errlen)
{
  if (sync_dir(t->tmp) != 0)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot write the new store to disk: %s", t->path,
                strerror(errno));
  int exchange = t->kind == PV_TARGET_STORE || t->empty_dir;
  if (renameat2(AT_FDCWD, t->tmp, AT_FDCWD, t->path, exchange ? RENAME_EXCHANGE : RENAME_NOREPLACE) != 0)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot put the new store in place: %s", t->path,
                errno == EEXIST ? "another merge created it meanwhile" : strerror(errno));
  /* t->tmp now names the old store (or nothing) */
  if (exchange) pv_remove_flat_dir(t->tmp);
  free(t->tmp);
  t->tmp = NULL;
  char *parent = parent_of(t->path);
  if (parent) {
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      fsync(fd);
      close(fd);
    }
    free(parent);
  }
  return PV_STORE_OK;
}

int pv_remove_flat_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(fd, e->d_name, 0);
  closedir(d);
  return rmdir(dir);
}

void pv_target_close(pv_target *t)
{
  if (t->tmp) pv_remove_flat_dir(t->tmp);
  if (t->lock_fd >= 0) close(t->lock_fd);
  free(t->tmp);
  free(t->path);
  memset(t, 0, sizeof *t);
  t->lock_fd = -1;
}
