/* replace.c - building a store's new data beside the old and switching the
 * marker to it; the merge lock. */
#define _GNU_SOURCE
#include "replace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "term.h"

#define LOCK_OWNER PV_STORE_LOCK ".owner"
#define DATA_PREFIX "data."
#define SUM_CHUNK (1 << 20)

static int fail(char *err, size_t errlen, int status, const char *fmt, const char *a, const char *b)
{
  snprintf(err, errlen, fmt, a, b ? b : "");
  return status;
}

static char *join(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* dirname or basename of path, malloc'd (both may modify their argument) */
static char *path_part(const char *path, char *(*part)(char *))
{
  char *copy = strdup(path);
  if (!copy) return NULL;
  char *p = strdup(part(copy));
  free(copy);
  return p;
}

static char *parent_of(const char *path) { return path_part(path, dirname); }
static char *base_of(const char *path) { return path_part(path, basename); }

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

static int starts_with(const char *s, const char *head) { return strncmp(s, head, strlen(head)) == 0; }

static void sync_path(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

static int remove_at(int dirfd, const char *name, int depth)
{
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) return unlinkat(dirfd, name, 0);
  int fd = depth < 8 ? openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0) close(fd);
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove_at(fd, e->d_name, depth + 1);
  closedir(d);
  return unlinkat(dirfd, name, AT_REMOVEDIR);
}

int pv_remove_dir(const char *dir) { return remove_at(AT_FDCWD, dir, 0); }

/* ---- the lock ---- */

/* Without working flock or fcntl locks (Lustre mounted noflock, some FUSE
 * file systems): a file made with O_EXCL, holding the owner's pid and
 * host.  One left by a killed merge is removed when its owner provably
 * died: it ran on this host and its pid is gone.  0 locked, 1 held by
 * another (why says by whom), -1 error. */
static int lock_excl(const char *root, char *why, size_t whylen)
{
  char path[4200], host[256] = "";
  snprintf(path, sizeof path, "%s/%s", root, LOCK_OWNER);
  gethostname(host, sizeof host - 1);
  for (int tries = 0; tries < 2; tries++) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      int ok = dprintf(fd, "%ld %s\n", (long)getpid(), host) > 0 && fsync(fd) == 0;
      if (close(fd) == 0 && ok) return 0;
      unlink(path);
      snprintf(why, whylen, "cannot write %s", path);
      return -1;
    }
    if (errno != EEXIST) {
      snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
      return -1;
    }
    long pid = 0;
    char other[256] = "";
    FILE *f = fopen(path, "r");
    if (f) {
      if (fscanf(f, "%ld %255s", &pid, other) != 2) pid = 0;
      fclose(f);
    }
    if (tries == 0 && pid > 0 && strcmp(other, host) == 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
      unlink(path);
      continue;
    }
    snprintf(why, whylen,
             "another prov-merge (pid %ld on %s) is writing this store (the file system has no flock or fcntl "
             "locks; if that merge is gone, remove %s)",
             pid, other[0] ? other : "an unknown host", path);
    return 1;
  }
  return 1;
}

/* Locks root/provio-lock (made if create): flock, else fcntl (NFS gives
 * both; flock on some FUSE file systems fails), else lock_excl.  0 locked
 * (*fd >= 0, or *excl set), 1 held by another, -1 error; why says which. */
static int lock_dir(const char *root, int create, int *fd_out, int *excl, char *why, size_t whylen)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", root, PV_STORE_LOCK);
  *fd_out = -1;
  *excl = 0;
  int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
  if (fd < 0) {
    snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    *fd_out = fd;
    return 0;
  }
  int busy = errno == EWOULDBLOCK;
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (!busy && fcntl(fd, F_SETLK, &l) == 0) {
    *fd_out = fd;
    return 0;
  }
  busy = busy || errno == EAGAIN || errno == EACCES;
  close(fd);
  if (busy) {
    snprintf(why, whylen, "another prov-merge is writing this store");
    return 1;
  }
  int rc = lock_excl(root, why, whylen);
  *excl = rc == 0;
  return rc;
}

static void unlock_dir(const char *root, int fd, int excl)
{
  if (excl) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", root, LOCK_OWNER);
    unlink(path);
  }
  if (fd >= 0) close(fd);
}

/* ---- checksums ---- */

/* A file's size and 128-bit checksum (hex): the hash of its 1 MiB
 * chunks' hashes, chained. */
static int file_sum(int dirfd, const char *name, unsigned long long *size, char sum[33])
{
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  char *buf = malloc(SUM_CHUNK);
  pv_hash acc[2] = {{0, 0}, {0, 0}};
  unsigned long long total = 0;
  ssize_t n = buf ? 1 : -1;
  while (buf && (n = read(fd, buf, SUM_CHUNK)) > 0) {
    acc[1] = pv_hash_bytes(buf, (size_t)n);
    acc[0] = pv_hash_bytes(acc, sizeof acc);
    total += (unsigned long long)n;
  }
  free(buf);
  close(fd);
  if (n < 0) return -1;
  *size = total;
  snprintf(sum, 33, "%016llx%016llx", (unsigned long long)acc[0].hi, (unsigned long long)acc[0].lo);
  return 0;
}

/* The store's files against its marker: every file's size, and the
 * checksums of the segments no merge has checked yet (the newest, as a
 * rule: what the last merge wrote).  Checked once, a segment is never
 * written again, and only a size check would find later damage cheaply;
 * reading every segment whole at every merge made each merge cost the
 * whole store. */
static int verify(pv_target *t, char *err, size_t errlen)
{
  if (t->marker.version == 1) return PV_STORE_OK;
  int status = PV_STORE_OK;
  for (int g = 0; status == PV_STORE_OK && g < t->marker.nseg; g++) {
    pv_segment *seg = &t->marker.seg[g];
    char *dir = join(t->path, seg->data);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    free(dir);
    if (dfd < 0) return pv_store_damaged(err, errlen, t->path, "a data directory it names is missing");
    for (int i = 0; status == PV_STORE_OK && i < seg->nfiles; i++) {
      unsigned long long size;
      char sum[33], what[512];
      const char *name = seg->file[i].name;
      struct stat st;
      int bad = seg->checked ? fstatat(dfd, name, &st, 0) : file_sum(dfd, name, &size, sum);
      if (seg->checked && !bad) size = (unsigned long long)st.st_size;
      if (bad) {
        snprintf(what, sizeof what, "%s/%s: %s", seg->data, name, strerror(errno));
        status = pv_store_damaged(err, errlen, t->path, what);
      } else if (size != seg->file[i].size) {
        snprintf(what, sizeof what, "%s/%s is %llu bytes, the last merge left %llu", seg->data, name, size,
                 seg->file[i].size);
        status = pv_store_damaged(err, errlen, t->path, what);
      } else if (!seg->checked && strcmp(sum, seg->file[i].sum) != 0) {
        snprintf(what, sizeof what, "%s/%s does not match its checksum (%llu bytes, the last merge left %llu)",
                 seg->data, name, size, seg->file[i].size);
        status = pv_store_damaged(err, errlen, t->path, what);
      }
    }
    close(dfd);
  }
  for (int g = 0; status == PV_STORE_OK && g < t->marker.nseg; g++) t->marker.seg[g].checked = 1;
  return status;
}

/* ---- leftovers ---- */

static int ours_in_root(const char *name)
{
  return strcmp(name, PV_STORE_MARKER) == 0 || strcmp(name, PV_STORE_LOCK) == 0 || strcmp(name, LOCK_OWNER) == 0;
}

/* In a locked store: data directories the marker does not name (a killed
 * merge's, or those a merge killed after its switch had folded into its
 * own), marker drafts, and, once the marker names a data directory, data files beside
 * it (a version 1 store's, upgraded). */
static void remove_leftovers(pv_target *t)
{
  int fd = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0) close(fd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *n = e->d_name;
    int named = 0;
    for (int g = 0; g < t->marker.nseg; g++) named |= strcmp(n, t->marker.seg[g].data) == 0;
    int stale = (starts_with(n, DATA_PREFIX) && !named) || starts_with(n, "." PV_STORE_MARKER ".") ||
                (t->marker.version >= 2 && starts_with(n, PV_STORE_NAME "-") && !ours_in_root(n));
    if (stale) remove_at(fd, n, 0);
  }
  closedir(d);
}

/* A directory a merge made but was killed in before it created its lock
 * in it: a live merge passes that point within microseconds, so one that
 * old is dead. */
#define LOCKLESS_DEAD_AFTER 600

static int dead_without_lock(const char *dir)
{
  struct stat d, l;
  char *lock = join(dir, PV_STORE_LOCK);
  int dead = lock && lstat(dir, &d) == 0 && lstat(lock, &l) != 0 && errno == ENOENT &&
             time(NULL) - d.st_mtime > LOCKLESS_DEAD_AFTER;
  free(lock);
  return dead;
}

/* Beside a new store's place: the directories of first merges that were
 * killed (.NAME.new-XXXXXX whose lock nobody holds, or that never got
 * one). */
static void remove_dead_siblings(const char *parent, const char *base)
{
  char head[300];
  snprintf(head, sizeof head, ".%s.new-", base);
  DIR *d = opendir(parent);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (!starts_with(e->d_name, head)) continue;
    char *dir = join(parent, e->d_name), why[5000];
    int fd, excl;
    if (dir && dead_without_lock(dir)) {
      pv_remove_dir(dir);
    } else if (dir && lock_dir(dir, 0, &fd, &excl, why, sizeof why) == 0) {
      pv_remove_dir(dir);
      unlock_dir(dir, fd, excl);
    }
    free(dir);
  }
  if (d) closedir(d);
}

/* Beside a store: the .NAME.merge-XXXXXX copies that merges of earlier
 * versions left when killed.  Those merges held a flock on the store
 * directory itself: if we can take it, none of them is running. */
static void remove_old_copies(const char *path, const char *parent, const char *base)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    char head[300];
    snprintf(head, sizeof head, ".%s.merge-", base);
    DIR *d = opendir(parent);
    struct dirent *e;
    while (d && (e = readdir(d)))
      if (starts_with(e->d_name, head)) {
        char *dir = join(parent, e->d_name);
        if (dir) pv_remove_dir(dir);
        free(dir);
      }
    if (d) closedir(d);
  }
  close(fd);
}

/* ---- the target ---- */

int pv_target_open(pv_target *t, const char *path, char *err, size_t errlen)
{
  memset(t, 0, sizeof *t);
  t->lock_fd = -1;
  t->path = strdup(path);
  char *parent = parent_of(path), *base = base_of(path);
  if (!t->path || !parent || !base) {
    free(parent);
    free(base);
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
  } else if (pv_marker_read(path, &t->marker) == 0) {
    t->kind = PV_TARGET_STORE;
  } else if (dir_is_empty(path)) {
    t->kind = PV_TARGET_NEW;
  } else {
    status = fail(err, errlen, PV_STORE_FOREIGN,
                  "%s: exists and is not a provio store (no %s marker); refusing to touch it", path,
                  PV_STORE_MARKER);
  }
  const char *place = t->kind == PV_TARGET_STORE ? path : parent;
  if (status == PV_STORE_OK && access(place, W_OK | X_OK) != 0)
    status = fail(err, errlen, PV_STORE_ERROR, "%s: cannot write in %s (the new store is built there)", path,
                  place);
  if (status == PV_STORE_OK && t->kind == PV_TARGET_NEW) remove_dead_siblings(parent, base);
  if (status == PV_STORE_OK && t->kind == PV_TARGET_STORE) {
    char why[5000];
    int rc = (t->root = strdup(path)) ? lock_dir(path, 1, &t->lock_fd, &t->lock_excl, why, sizeof why) : -1;
    if (!t->root) status = fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", path, NULL);
    else if (rc != 0) status = fail(err, errlen, PV_STORE_ERROR, "%s: %s", path, why);
    /* another merge may have switched the data while we waited */
    else if (pv_marker_read(path, &t->marker) != 0)
      status = fail(err, errlen, PV_STORE_FOREIGN, "%s: its %s marker is damaged", path, PV_STORE_MARKER);
    else if (!(t->old_data = pv_marker_data_path(path, &t->marker)))
      status = fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", path, NULL);
    else {
      remove_leftovers(t);
      remove_old_copies(path, parent, base);
      status = verify(t, err, errlen);
      t->keep = t->marker.version >= 2 ? t->marker.nseg : 0;
    }
  }
  free(parent);
  free(base);
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

static char *make_temp_dir(const char *dir, const char *pattern)
{
  char *p = join(dir, pattern);
  if (p && !mkdtemp(p)) {
    free(p);
    p = NULL;
  }
  return p;
}

int pv_target_prepare(pv_target *t, const char *const *skip, char *err, size_t errlen)
{
  if (t->kind == PV_TARGET_NEW) {
    /* built whole beside its place, renamed there at the end */
    char *parent = parent_of(t->path), *base = base_of(t->path), pattern[300], why[5000] = "";
    snprintf(pattern, sizeof pattern, ".%s.new-XXXXXX", base ? base : "");
    t->root = parent && base ? make_temp_dir(parent, pattern) : NULL;
    free(parent);
    free(base);
    if (!t->root || lock_dir(t->root, 1, &t->lock_fd, &t->lock_excl, why, sizeof why) != 0)
      return fail(err, errlen, PV_STORE_ERROR, "%s: cannot create the new store beside it: %s", t->path,
                  why[0] ? why : strerror(errno));
  }
  t->data = make_temp_dir(t->root, DATA_PREFIX "XXXXXX");
  if (!t->data)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot create the new data directory: %s", t->path,
                strerror(errno));
  /* a version 1 store's data files are moved into a segment of the new layout */
  if (t->kind != PV_TARGET_STORE || t->marker.version != 1) return PV_STORE_OK;
  int from = open(t->old_data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int to = open(t->data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = from >= 0 ? fdopendir(dup(from)) : NULL;
  int status = d && to >= 0 ? PV_STORE_OK
                            : fail(err, errlen, PV_STORE_ERROR, "%s: cannot read: %s", t->path, strerror(errno));
  struct dirent *e;
  while (status == PV_STORE_OK && d && (e = readdir(d))) {
    struct stat st;
    if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    /* a version 1 store keeps its marker and lock among the data */
    int skipped = ours_in_root(e->d_name) || starts_with(e->d_name, ".");
    for (const char *const *s = skip; s && *s; s++) skipped |= strcmp(*s, e->d_name) == 0;
    if (!skipped && copy_file(from, to, e->d_name) != 0)
      status = fail(err, errlen, PV_STORE_ERROR, "%s: cannot copy the store: %s", t->path, strerror(errno));
  }
  if (d) closedir(d);
  if (from >= 0) close(from);
  if (to >= 0) close(to);
  return status;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int append(pv_buf *text, const char *line)
{
  size_t len = strlen(line);
  if (pv_buf_reserve(text, len) != 0) return -1;
  memcpy(text->p + text->len, line, len);
  text->len += len;
  return 0;
}

/* Flushes every file of the new data directory and adds it, sorted by
 * name, with its size and checksum, to the marker text. */
static int sync_and_sum(const char *dir, const char *name, pv_buf *text)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(dup(fd)) : NULL;
  char *names[PV_STORE_FILES_MAX];
  size_t n = 0;
  int rc = d ? 0 : -1;
  struct dirent *e;
  while (rc == 0 && d && (e = readdir(d))) {
    int f = openat(fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) continue;
    struct stat st;
    if (fstat(f, &st) == 0 && S_ISREG(st.st_mode)) {
      if (fsync(f) != 0 || n == PV_STORE_FILES_MAX || !(names[n++] = strdup(e->d_name))) rc = -1;
    }
    close(f);
  }
  if (d) closedir(d);
  if (rc == 0 && fsync(fd) != 0) rc = -1;
  qsort(names, n, sizeof *names, by_name);
  char line[400];
  snprintf(line, sizeof line, "data=%s\n", name);
  if (rc == 0) rc = append(text, line);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    unsigned long long size;
    char sum[33];
    rc = file_sum(fd, names[i], &size, sum);
    snprintf(line, sizeof line, "file %s %llu %s\n", names[i], size, sum);
    if (rc == 0) rc = append(text, line);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  if (fd >= 0) close(fd);
  return rc;
}

/* The marker's lines for the old segments the new store keeps, as they
 * were (a merge never writes into them), less the files named superseded. */
static int old_segments(const pv_target *t, const char *superseded, pv_buf *text)
{
  int rc = 0;
  for (int g = 0; rc == 0 && g < t->keep; g++) {
    const pv_segment *seg = &t->marker.seg[g];
    char line[400];
    snprintf(line, sizeof line, "data=%s\n%s", seg->data, seg->checked ? "checked\n" : "");
    rc = append(text, line);
    for (int i = 0; rc == 0 && i < seg->nfiles; i++) {
      if (superseded && strcmp(seg->file[i].name, superseded) == 0) continue;
      snprintf(line, sizeof line, "file %s %llu %s\n", seg->file[i].name, seg->file[i].size, seg->file[i].sum);
      rc = append(text, line);
    }
  }
  return rc;
}

/* Deletes the files named superseded from the old segments kept. */
static void drop_superseded(const pv_target *t, const char *superseded)
{
  for (int g = 0; superseded && g < t->keep; g++) {
    char *dir = join(t->path, t->marker.seg[g].data), *file = dir ? join(dir, superseded) : NULL;
    if (file) unlink(file);
    free(file);
    free(dir);
  }
}

/* Replaces root's marker with text: a draft, flushed, renamed over it. */
static int put_marker(const char *root, const pv_buf *text)
{
  char draft[4200], path[4200];
  snprintf(draft, sizeof draft, "%s/." PV_STORE_MARKER ".XXXXXX", root);
  snprintf(path, sizeof path, "%s/" PV_STORE_MARKER, root);
  int fd = mkstemp(draft);
  if (fd < 0) return -1;
  int ok = write(fd, text->p, text->len) == (ssize_t)text->len && fsync(fd) == 0;
  if (close(fd) != 0) ok = 0;
  if (!ok || rename(draft, path) != 0) {
    unlink(draft);
    return -1;
  }
  sync_path(root);
  return 0;
}

int pv_target_commit(pv_target *t, const char *superseded, char *err, size_t errlen)
{
  const char *name = strrchr(t->data, '/') + 1;
  pv_buf text = {0};
  int rc = append(&text, PV_STORE_MARKER " 3\nstorage=hashes hash-type=bdb name=" PV_STORE_NAME "\n");
  if (rc == 0) rc = old_segments(t, superseded, &text);
  if (rc == 0) rc = sync_and_sum(t->data, name, &text);
  if (rc == 0) rc = put_marker(t->root, &text);
  pv_buf_free(&text);
  if (rc != 0)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot write the new store to disk: %s", t->path,
                strerror(errno ? errno : EIO));
  /* The switch is done: the new data is the store's now. */
  drop_superseded(t, superseded);
  pv_segment *seg = &t->marker.seg[t->keep];
  memset(seg, 0, sizeof *seg);
  snprintf(seg->data, sizeof seg->data, "%s", name);
  t->marker.nseg = t->keep + 1;
  t->marker.version = 3;
  free(t->data);
  t->data = NULL;
  if (t->kind == PV_TARGET_STORE) {
    remove_leftovers(t); /* the old data */
    return PV_STORE_OK;
  }
  /* A plain rename: onto nothing, or onto an empty directory, which it
   * replaces; a store another merge made meanwhile is not empty. */
  if (rename(t->root, t->path) != 0)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot put the new store in place: %s", t->path,
                errno == EEXIST || errno == ENOTEMPTY ? "another merge created it meanwhile" : strerror(errno));
  t->placed = 1;
  free(t->root);
  t->root = strdup(t->path);
  char *parent = parent_of(t->path);
  if (parent) sync_path(parent);
  free(parent);
  return PV_STORE_OK;
}

void pv_target_close(pv_target *t)
{
  if (t->data) pv_remove_dir(t->data);
  if (t->kind == PV_TARGET_NEW && t->root && !t->placed) pv_remove_dir(t->root);
  if (t->root) unlock_dir(t->root, t->lock_fd, t->lock_excl);
  else if (t->lock_fd >= 0) close(t->lock_fd);
  free(t->data);
  free(t->root);
  free(t->old_data);
  free(t->path);
  memset(t, 0, sizeof *t);
  t->lock_fd = -1;
}
