/* merge_follow.c - prov-merge --follow (merge_follow.h). */
#include "merge_follow.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reader.h"

#define BLOCK 65536 /* bytes a pass compares at a time to find what was rewritten */

/* What the last pass read of one record file. */
typedef struct tracked {
  char *path;
  dev_t dev;
  ino_t ino;
  off_t read_to;      /* a line start: all before it was read */
  pv_hash *blocks;    /* of [0, read_to), BLOCK bytes each (the last shorter) */
  size_t nblocks;
  int finished;
  char *thread_iri;
} tracked;

typedef struct follower {
  const pv_follow_opts *opts;
  tracked *last, *now; /* by path: the last pass's files, and this pass's */
  size_t nlast, nnow, capnow;
  int final;           /* this pass reads every file to its end, a partial line too */
  char host[256];
} follower;

static void tracked_free(tracked *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(v[i].path);
    free(v[i].blocks);
    free(v[i].thread_iri);
  }
  free(v);
}

static int by_path(const void *key, const void *elem) { return strcmp(key, ((const tracked *)elem)->path); }

/* The start of the line holding byte at, given the block before it. */
static off_t line_start(const char *prev, size_t n, off_t prev_at)
{
  for (size_t i = n; i > 0; i--)
    if (prev[i - 1] == '\n') return prev_at + (off_t)i;
  return 0; /* a line longer than a block: all of the file again */
}

/* Where the file differs from what the last pass read, or t->read_to. */
static off_t first_change(int fd, const tracked *t)
{
  static char buf[2][BLOCK];
  for (size_t b = 0; b < t->nblocks; b++) {
    off_t at = (off_t)b * BLOCK;
    size_t want = t->read_to - at < BLOCK ? (size_t)(t->read_to - at) : BLOCK;
    char *cur = buf[b % 2];
    if (pread(fd, cur, want, at) != (ssize_t)want) return 0;
    pv_hash h = pv_hash_bytes(cur, want);
    if (h.hi != t->blocks[b].hi || h.lo != t->blocks[b].lo)
      return b ? line_start(buf[(b - 1) % 2], BLOCK, at - BLOCK) : 0;
  }
  return t->read_to;
}

/* The end of the last complete line before end (a running writer may be
 * in the middle of the next), not before start. */
static off_t last_line_end(int fd, off_t start, off_t end)
{
  char buf[4096];
  while (end > start) {
    off_t from = end - start > (off_t)sizeof buf ? end - (off_t)sizeof buf : start;
    ssize_t n = pread(fd, buf, (size_t)(end - from), from);
    if (n != end - from) return start;
    for (ssize_t i = n; i > 0; i--)
      if (buf[i - 1] == '\n') return from + i;
    end = from;
  }
  return start;
}

static off_t resume_from(void *ctx, pv_rfile *f)
{
  follower *w = ctx;
  /* the first pass has no table yet (bsearch on NULL is undefined) */
  tracked *t = w->nlast ? bsearch(f->path, w->last, w->nlast, sizeof *t, by_path) : NULL;
  int fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 0; /* the pass itself says what is wrong */
  off_t from = 0;
  if (t && t->dev == f->dev && t->ino == f->ino && f->data_end >= t->read_to) {
    if (w->opts->incremental) from = first_change(fd, t);
    if (t->finished) f->finished = 1; /* a finished file no longer changes */
    if (t->thread_iri && !f->thread_iri) f->thread_iri = strdup(t->thread_iri);
  }
  if (!w->final && !f->finished) f->data_end = last_line_end(fd, from, f->data_end);
  close(fd);
  return from;
}

static int remember(follower *w, const pv_rfile *f)
{
  if (w->nnow == w->capnow) {
    size_t cap = w->capnow ? 2 * w->capnow : 256;
    tracked *v = realloc(w->now, cap * sizeof *v);
    if (!v) return -1;
    w->now = v;
    w->capnow = cap;
  }
  tracked *t = &w->now[w->nnow];
  *t = (tracked){.path = strdup(f->path), .dev = f->dev, .ino = f->ino, .read_to = f->data_end,
                 .finished = f->finished, .thread_iri = f->thread_iri ? strdup(f->thread_iri) : NULL};
  t->nblocks = (size_t)((t->read_to + BLOCK - 1) / BLOCK);
  t->blocks = malloc((t->nblocks ? t->nblocks : 1) * sizeof *t->blocks);
  int fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  static char buf[BLOCK];
  for (size_t b = 0; t->blocks && fd >= 0 && b < t->nblocks; b++) {
    off_t at = (off_t)b * BLOCK;
    size_t want = t->read_to - at < BLOCK ? (size_t)(t->read_to - at) : BLOCK;
    /* unreadable now: a block that matches nothing, read again next time */
    t->blocks[b] = pread(fd, buf, want, at) == (ssize_t)want ? pv_hash_bytes(buf, want) : (pv_hash){0, 0};
  }
  if (fd >= 0) close(fd);
  else t->nblocks = 0, t->read_to = 0;
  w->nnow++;
  return t->path && t->blocks ? 0 : -1;
}

static void file_read(void *ctx, const pv_rfile *f)
{
  follower *w = ctx;
  if (remember(w, f) != 0) w->final = -1; /* out of memory: the next pass reads all again */
}

/* "<pid>.<start>.<tid>..." is a process's record file. */
static int record_path(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (int part = 0; part < 3; part++) {
    if (*base < '0' || *base > '9') return 0;
    while (*base >= '0' && *base <= '9') base++;
    if (*base++ != '.') return 0;
  }
  return 1;
}

/* A record file's process, if it ran on this host: "<host>/<pid>.<start>.<tid>...". */
static pid_t local_pid(const follower *w, const char *path)
{
  const char *base = strrchr(path, '/');
  if (!base) return 0;
  const char *host = base;
  while (host > path && host[-1] != '/') host--;
  size_t hl = (size_t)(base - host), ml = strcspn(w->host, ".");
  int here = (hl == strlen(w->host) || hl == ml) && strncmp(host, w->host, hl) == 0;
  char *end;
  long pid = strtol(base + 1, &end, 10);
  return here && *end == '.' && pid > 0 ? (pid_t)pid : 0;
}

/* Every process of the job has ended: its files are finished, or it is
 * gone from this host.  Files that are not a process's (a server's
 * context, the MLflow import) do not count. */
static int job_ended(const follower *w)
{
  for (size_t i = 0; i < w->nnow; i++) {
    const tracked *t = &w->now[i];
    if (t->finished || !record_path(t->path)) continue;
    pid_t pid = local_pid(w, t->path);
    if (!pid || kill(pid, 0) == 0 || errno != ESRCH) return 0;
  }
  return 1;
}

static void pause_for(double seconds)
{
  struct timespec d = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  nanosleep(&d, NULL); /* a signal ends it early */
}

int pv_follow(const pv_merge_opts *o, const pv_follow_opts *f, pv_merge_once once, void *ctx, char *err,
              size_t errlen)
{
  follower w = {.opts = f};
  if (gethostname(w.host, sizeof w.host - 1) != 0) w.host[0] = 0;
  pv_merge_resume resume = {&w, resume_from, file_read};
  pv_merge_opts pass = *o;
  pass.resume = &resume;
  int status = 0;
  for (int n = 1;; n++) {
    int asked = *f->asked != 0;
    if (asked) w.final = 1;
    pv_merge_stats st;
    status = once(ctx, &pass, &st, err, errlen);
    int lost = w.final < 0;
    int ended = !status && !lost && job_ended(&w);
    if (!status) {
      if (lost) { /* the next pass reads everything again */
        tracked_free(w.now, w.nnow);
        w.now = NULL;
        w.nnow = w.capnow = 0;
        w.final = 0;
      }
      tracked_free(w.last, w.nlast);
      w.last = w.now;
      w.nlast = w.nnow;
      w.now = NULL;
      w.nnow = w.capnow = 0;
      f->report(&st, n, ended && w.final);
    } else {
      tracked_free(w.now, w.nnow);
    }
    pv_merge_stats_free(&st);
    /* the pass after the one that found the job ended reads the partial
     * last lines of killed processes too */
    if (status || (w.final && (ended || asked))) break;
    w.final = ended;
    if (!ended && !*f->asked) pause_for(f->interval);
  }
  tracked_free(w.last, w.nlast);
  return status;
}
