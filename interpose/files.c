/* files.c - the descriptor table and the records of file sessions and name
 * operations: what every interception module reports into. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "interpose.h"
#include "serialize.h"
#include "sys.h"
#include "vocab.h"

pv_session *pv_fd_chunks[PV_FD_MAX / PV_FD_CHUNK];
static uint64_t base_ticks;
static int64_t base_ns;

/* ---- clock -------------------------------------------------------------- */

/* The rate of ticks comes from this pair and a later one: the pair must be
 * read as one instant.  The first clock read of a process maps the vDSO's
 * pages in (tens of microseconds on a virtual machine); read between the
 * ticks and the clock, it skewed the rate of a short process by up to 1%,
 * and event times converted with it came out of order: a read stamped
 * after the write that followed it, and lineage lost its input. */
void pv_clock_init(void)
{
  (void)pv_now_ns();
  uint64_t before = pv_ticks();
  base_ns = pv_now_ns();
  base_ticks = before + (pv_ticks() - before) / 2;
}

/* The rate, as the bits of a positive double (which order as the numbers
 * do), only ever goes up until it is fixed.  A session's time counters
 * (writeTime) are rewritten in place as the run goes on, and prov-merge,
 * merging a running job, keeps the larger of two values of a counter: had
 * the rate gone down between two writes, the older value would win. */
static uint64_t rate_bits;
static int rate_fixed;

int64_t pv_ticks_to_ns(uint64_t ticks)
{
  uint64_t bits = __atomic_load_n(&rate_bits, __ATOMIC_RELAXED);
  if (!__atomic_load_n(&rate_fixed, __ATOMIC_RELAXED)) {
    int64_t ns = pv_now_ns() - base_ns;
    uint64_t span = pv_ticks() - base_ticks;
    if (ns > 0 && span > 0) {
      double rate = (double)ns / (double)span;
      uint64_t seen;
      memcpy(&seen, &rate, sizeof seen);
      /* Over the first millisecond an estimate is too coarse to keep (two
       * clock reads' jitter is a tenth of a percent of it, and the rate
       * kept at 50 ms is the highest seen): it is used, and forgotten. */
      while (ns >= 1000000 && seen > bits &&
             !__atomic_compare_exchange_n(&rate_bits, &bits, seen, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
      if (seen > bits) bits = seen;
      /* Once 50 ms have passed the rate is known well enough to keep. */
      if (ns > 50000000) __atomic_store_n(&rate_fixed, 1, __ATOMIC_RELAXED);
    }
  }
  double rate;
  memcpy(&rate, &bits, sizeof rate);
  return bits ? (int64_t)((double)ticks * rate) : 0;
}

/* ---- descriptor table --------------------------------------------------- */

static void begin_record(pv_session *s, int fd);

/* Directories are tracked to resolve the *at calls made relative to them;
 * opening one moves no data. */
static int worth_a_record(const pv_session *s) { return !s->excluded && !(s->flags & O_DIRECTORY); }

/* 1 + the highest descriptor given a slot (atomic), and one bit per
 * descriptor whose slot may hold a session (atomic; set before it starts,
 * cleared once it ended): flushing at fork, exec and exit and closing a
 * range visit those slots only.  A slot is page sized: a walk over every
 * number up to the highest faulted in a page per number, in every process
 * a shell forks (bash keeps its script on descriptor 255). */
static unsigned fd_reached;
static uint64_t fd_live[PV_FD_MAX / 64];

int pv_fd_next_live(unsigned from)
{
  unsigned reached = __atomic_load_n(&fd_reached, __ATOMIC_ACQUIRE);
  for (unsigned w = from / 64; w * 64 < reached; w++) {
    uint64_t bits = __atomic_load_n(&fd_live[w], __ATOMIC_ACQUIRE);
    if (w == from / 64) bits &= ~(uint64_t)0 << (from % 64);
    if (bits) return (int)(w * 64 + (unsigned)__builtin_ctzll(bits));
  }
  return -1;
}

pv_session *pv_fd_slot(int fd)
{
  if ((unsigned)fd >= PV_FD_MAX) return NULL;
  pv_session **cell = &pv_fd_chunks[fd / PV_FD_CHUNK];
  pv_session *chunk = __atomic_load_n(cell, __ATOMIC_ACQUIRE);
  if (!chunk) {
    pv_session *fresh = pv_sys_mmap(NULL, sizeof(pv_session) * PV_FD_CHUNK, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (fresh == MAP_FAILED) return NULL;
    pv_session *expected = NULL;
    if (__atomic_compare_exchange_n(cell, &expected, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      chunk = fresh;
    } else {
      pv_sys_munmap(fresh, sizeof(pv_session) * PV_FD_CHUNK);
      chunk = expected;
    }
  }
  unsigned reached = __atomic_load_n(&fd_reached, __ATOMIC_RELAXED);
  while (reached <= (unsigned)fd &&
         !__atomic_compare_exchange_n(&fd_reached, &reached, (unsigned)fd + 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    ;
  return &chunk[fd % PV_FD_CHUNK];
}

int pv_path_excluded(const char *canon, size_t len)
{
  /* Our own output is not the program's data, wherever it lives. */
  size_t dl = pv_proc.out_dir_len;
  if (dl && len >= dl && memcmp(canon, pv_proc.out_dir, dl) == 0 && (len == dl || canon[dl] == '/'))
    return 1;
  if (pv_prefix_list_match(&pv_proc.cfg.include, canon, len)) return 0;
  return pv_prefix_list_match(&pv_proc.cfg.exclude, canon, len);
}

size_t pv_canon_at(int dirfd, const char *path, char *dst, size_t cap)
{
  if (path[0] == '/' || dirfd == AT_FDCWD) return pv_path_canon(dst, cap, pv_proc.cwd, path);
  /* The directory's path goes into a per-thread buffer, not onto a stack
   * that may be small; inside provio (depth) a signal handler's calls pass
   * through and cannot reuse it. */
  pv_tls.depth++;
  size_t n = 0;
  char *dirbuf = pv_thread_path(2);
  pv_session *d = dirbuf ? pv_fd_slot(dirfd) : NULL;
  /* A directory descriptor we saw opened; otherwise ask the kernel. */
  if (d && __atomic_load_n(&d->active, __ATOMIC_ACQUIRE)) {
    memcpy(dirbuf, d->path, d->path_len);
    dirbuf[d->path_len] = 0;
    n = pv_path_canon(dst, cap, dirbuf, path);
  } else if (dirbuf) {
    char link[32] = "/proc/self/fd/", *p = link + 14;
    p[pv_fmt_u64(p, (uint64_t)dirfd)] = 0;
    ssize_t len = syscall(SYS_readlinkat, AT_FDCWD, link, dirbuf, PV_PATH_MAX);
    if (len > 0 && dirbuf[0] == '/') {
      dirbuf[len] = 0;
      n = pv_path_canon(dst, cap, dirbuf, path);
    }
  }
  pv_tls.depth--;
  return n;
}

/* Libraries open files for their own bookkeeping: MPI's shared-memory
 * segments and lock tests.  Marked, not hidden: the user may want them.
 * Asked when a record's head is written, not at every open. */
static int library_internal(const char *canon, size_t len)
{
#define MARKER(text) {text, sizeof text - 1}
  static const struct { const char *text; size_t len; } markers[] = {
      MARKER("/ompi."), MARKER("/open-mpi"), MARKER("/vader_segment"), MARKER("/sm_segment"),
      MARKER("/psm2_shm"), MARKER("/ucx_"), MARKER("/pmix"), MARKER("/lockedfile")};
#undef MARKER
  /* They live in node-local scratch; anything else needs no search.  Each
   * marker starts at a slash: a path is tried at its few slashes, and only
   * where the next byte starts a marker (/dev/shm is node-local, and jobs
   * open thousands of files there). */
  if (!pv_prefix_list_match(&pv_proc.cfg.local, canon, len)) return 0;
  const char *end = canon + len;
  for (const char *p = canon; (p = memchr(p, '/', (size_t)(end - p))); p++) {
    if (!memchr("ovspul", p + 1 < end ? p[1] : 0, 6)) continue; /* no marker's second byte */
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
      if ((size_t)(end - p) >= markers[i].len && p[1] == markers[i].text[1] &&
          memcmp(p, markers[i].text, markers[i].len) == 0)
        return 1;
  }
  return 0;
}

/* Which file the session is on (device and inode: the same for every
 * path that reaches it), and whether it starts empty: one stat, from fd,
 * or by path when there is no descriptor (fd < 0). */
static void identify(pv_session *s, int fd)
{
  struct stat st;
  int e = errno, rc = -1;
  if (fd >= 0) {
    rc = pv_sys_fstat(fd, &st);
  } else if (s->path_len < PV_PATH_MAX) {
    s->path[s->path_len] = 0;
    rc = pv_sys_stat(s->path, &st);
  }
  errno = e;
  s->has_id = rc == 0;
  if (rc != 0) return;
  s->dev = (uint64_t)st.st_dev;
  s->ino = (uint64_t)st.st_ino;
  s->new_content |= st.st_size == 0;
}

/* truncated: the open itself emptied the file (O_TRUNC), a change. */
static pv_session *start(pv_session *s, int fd, const char *canon, size_t len, int flags, int truncated,
                         int api, uintptr_t callsite)
{
  s->excluded = pv_file_unrecorded(canon, len);
  s->inner_layer = 0;
  s->mapped_writable = 0;
  s->flags = flags;
  s->api = api;
  s->via_layer = pv_tls.layer;
  s->via_call = pv_tls.layer ? pv_tls.layer_call : NULL;
  s->open_ns = pv_now_ns();
  s->callsite = callsite;
  s->owner = &pv_tls;
  memset(s->counter, 0, sizeof s->counter);
  memset(s->shared, 0, sizeof s->shared);
  memset(s->first_at, 0, sizeof s->first_at);
  memset(s->stamped, 0, sizeof s->stamped);
  memset(s->last_at, 0, sizeof s->last_at);
  memcpy(s->path, canon, len);
  s->path_len = len;
  /* An exclusive create made the file: it starts empty. */
  s->new_content = truncated || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
  s->has_id = 0;
  if (truncated) pv_mark(s, 1, pv_ticks());
  begin_record(s, fd);
  __atomic_store_n(&s->active, 1, __ATOMIC_RELEASE);
  return s->excluded ? NULL : s;
}

static pv_session *track(int fd, const char *canon, size_t len, int flags, int truncated, int api,
                         uintptr_t callsite)
{
  pv_session *s = pv_fd_slot(fd);
  if (!s) return NULL;
  if (__atomic_load_n(&s->active, __ATOMIC_ACQUIRE)) pv_track_close(fd); /* missed close */
  pv_session *tracked = start(s, fd, canon, len, flags, truncated, api, callsite);
  __atomic_fetch_or(&fd_live[fd / 64], (uint64_t)1 << (fd % 64), __ATOMIC_RELEASE);
  return tracked;
}

pv_session *pv_track_canonical(int fd, const char *canon, size_t len, int flags, int api,
                               uintptr_t callsite)
{
  return track(fd, canon, len, flags, flags & O_TRUNC, api, callsite);
}

pv_session *pv_session_start(pv_session *s, const char *canon, size_t len, int flags, int api,
                             uintptr_t callsite)
{
  return start(s, -1, canon, len, flags, flags & O_TRUNC, api, callsite);
}

pv_session *pv_track_open(int fd, int dirfd, const char *path, int flags, int api, uintptr_t callsite)
{
  /* Off the stack: opens happen on small thread stacks and sigaltstacks. */
  char *canon = pv_thread_path(0);
  size_t len = canon ? pv_canon_at(dirfd, path, canon, PV_PATH_MAX) : 0;
  if (!len) return NULL;
  return pv_track_canonical(fd, canon, len, flags, api, callsite);
}

/* A copy truncates nothing: its flags are the original open's. */
void pv_track_dup(int oldfd, int newfd)
{
  pv_session *old = pv_fd_session(oldfd);
  if (!old || oldfd == newfd) return;
  track(newfd, old->path, old->path_len, old->flags, 0, old->api, old->callsite);
}

/* ---- records ------------------------------------------------------------ */

static char *put_flags(char *p, int flags)
{
  static const struct { int bit; const char *name; } names[] = {
      {O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"},   {O_TRUNC, "O_TRUNC"},       {O_APPEND, "O_APPEND"},
      {O_SYNC, "O_SYNC"},   {O_DSYNC, "O_DSYNC"}, {O_DIRECT, "O_DIRECT"},     {O_NOATIME, "O_NOATIME"},
      {O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE"},    {O_DIRECTORY, "O_DIRECTORY"},
  };
  int acc = flags & O_ACCMODE;
  *p++ = '"';
  p = acc == O_WRONLY ? PV_PUT_LIT(p, "O_WRONLY") : acc == O_RDWR ? PV_PUT_LIT(p, "O_RDWR")
                                                                  : PV_PUT_LIT(p, "O_RDONLY");
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if ((flags & names[i].bit) == names[i].bit && names[i].bit) {
      *p++ = '|';
      p = pv_put(p, names[i].name, strlen(names[i].name));
    }
  *p++ = '"';
  return p;
}

/* ---- access records --------------------------------------------------------
 * A session's record is written when the session starts, in the record file
 * of the thread that opened it: file, mode, time, call site.  What the
 * session does is added to it as it happens: a line per counter once it is
 * no longer 0, the read (prov:used) at the first read, the FileVersion at
 * the first write, and the numbers and end times rewritten in place, at
 * close for sure and every PV_REFRESH_TICKS in between.  The file is a
 * shared mapping, on the page cache the moment it changes, so a process
 * killed with files open leaves what they saw up to then.  A number that
 * changes sits in a fixed-width field (pv_put_fixed). */

/* pv_record_at.lines */
enum { LINE_USED = 1, LINE_LAYER = 2, LINE_VERSION = 4, LINE_NEW = 8, LINE_FIRST_READ = 16, LINE_FIRST_WRITE = 32 };

/* A record's times (ns, 0: none): first and latest read [0] and change [1]. */
typedef struct stamps {
  int64_t first[2], last[2];
  int new_content;
} stamps;

/* ---- repeated sessions ----------------------------------------------------
 * A program that opens and closes one file thousands of times would write
 * thousands of near-identical records.  The first session of a thread on a
 * file gets its own record; from the second on (opened the same way), one
 * more record sums them all, provio:sessions counting them. */
#define AGGREGATES 16
enum { AGG_SEEN_ONCE = 1, AGG_SUMMING = 2 };

typedef struct pv_aggregate {
  uint64_t file_id;              /* the record file the entry belongs to */
  uint64_t last_use;
  int state, kind;               /* kind: access mode, api and layer; sessions of one kind sum */
  int busy;                      /* atomic: a session adding to it is open */
  uint64_t total[PV_COUNTERS];   /* of its sessions already closed */
  stamps times;                  /* of its sessions already closed */
  uint64_t sessions;             /* begun */
  pv_record_at rec;
  int has_id;                    /* and dev, ino: the file's identity */
  uint64_t dev, ino;
  size_t path_len;
  uint64_t path_tail;            /* the path's last bytes: most other paths differ there */
  unsigned name_gen;             /* name_gen of the path's bucket when the entry was made */
} aggregate;

/* The entries are searched at every open: they sit together, their paths
 * apart, and only the entries ever taken are visited (a process that opens
 * two files touches two). */
typedef struct aggregate_table {
  uint64_t clock;
  int used;                      /* entries taken so far */
  aggregate entry[AGGREGATES];
  char path[AGGREGATES][PV_PATH_MAX];
} aggregate_table;

/* Changes to the name space by this process (unlink, rename, ...), counted
 * per bucket of paths (atomic): an entry whose bucket changed since it was
 * made may name another file now.  What lets a repeated session be summed
 * without a stat: sessions from the third on are taken to be on the file
 * the second one identified, unless the process renamed, removed or
 * exclusively created something of that name since. */
#define NAME_BUCKETS 256
static unsigned name_gen[NAME_BUCKETS];

static unsigned name_bucket(const char *path, size_t len)
{
  uint64_t tail = 0;
  size_t n = len < sizeof tail ? len : sizeof tail;
  memcpy(&tail, path + len - n, n);
  return (unsigned)(((tail ^ len) * 0x9E3779B97F4A7C15ull) >> 56) % NAME_BUCKETS;
}

static unsigned name_gen_of(const char *path, size_t len)
{
  return __atomic_load_n(&name_gen[name_bucket(path, len)], __ATOMIC_ACQUIRE);
}

static void name_changed(const char *path, size_t len)
{
  __atomic_fetch_add(&name_gen[name_bucket(path, len)], 1, __ATOMIC_RELEASE);
}

static int session_kind(const pv_session *s) { return (s->flags & O_ACCMODE) | s->api << 2 | s->via_layer << 5; }

static uint64_t path_tail(const pv_session *s)
{
  uint64_t tail = 0;
  size_t n = s->path_len < sizeof tail ? s->path_len : sizeof tail;
  memcpy(&tail, s->path + s->path_len - n, n);
  return tail;
}

static int same_path(const aggregate_table *table, const aggregate *e, const pv_thread *t,
                     const pv_session *s, uint64_t tail)
{
  return e->file_id == t->file_id && e->state && e->path_len == s->path_len && e->path_tail == tail &&
         memcmp(table->path[e - table->entry], s->path, s->path_len) == 0;
}

/* A path that names another file now (replaced, or deleted and made
 * anew) starts another sum: a record has one file identity. */
static int same_file(const aggregate *e, const pv_session *s)
{
  return e->has_id == s->has_id && e->dev == s->dev && e->ino == s->ino;
}

/* Whether the session may add to entry e of its path: the same kind, no
 * change to the name since e was made, and not a file its open created. */
static int may_sum(const aggregate *e, const pv_session *s)
{
  return e->kind == session_kind(s) && e->name_gen == name_gen_of(s->path, s->path_len) &&
         (s->flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
}

/* The thread's entry for the session's path and kind, or the least
 * recently used one made over for it (state 0, identity not yet set); NULL
 * while one session of that kind is open already (a second one gets a
 * record of its own). */
static aggregate *find_aggregate(pv_thread *t, const pv_session *s)
{
  if (!t->capture) {
    void *m = pv_sys_mmap(NULL, sizeof(aggregate_table), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return NULL;
    t->capture = m;
  }
  aggregate_table *table = t->capture;
  aggregate *victim = NULL;
  uint64_t victim_age = 0, tail = path_tail(s);
  table->clock++;
  /* An entry never taken is as good a victim as a stale one. */
  int candidates = table->used < AGGREGATES ? table->used + 1 : AGGREGATES;
  for (int i = 0; i < candidates; i++) {
    aggregate *e = &table->entry[i];
    int match = same_path(table, e, t, s, tail) && may_sum(e, s);
    if (__atomic_load_n(&e->busy, __ATOMIC_ACQUIRE)) {
      if (match) return NULL;
      continue;
    }
    if (match) {
      e->last_use = table->clock;
      return e;
    }
    uint64_t age = e->file_id != t->file_id || !e->state ? 0 : e->last_use;
    if (!victim || age < victim_age) victim = e, victim_age = age;
  }
  if (!victim) return NULL;
  if (victim == &table->entry[table->used]) table->used++;
  victim->file_id = t->file_id;
  victim->last_use = table->clock;
  victim->state = 0;
  victim->kind = session_kind(s);
  victim->name_gen = name_gen_of(s->path, s->path_len);
  victim->path_len = s->path_len;
  victim->path_tail = tail;
  memcpy(table->path[victim - table->entry], s->path, s->path_len);
  return victim;
}

static uint32_t offset_of(const pv_thread *t, const char *p) { return (uint32_t)(p - t->writer.base); }

/* "<s> <pred>   "N"^^xsd:long ." remembering where the field is. */
static char *put_fixed_long(pv_thread *t, char *p, const char *acc, size_t al, const char *pred,
                            uint64_t v, uint32_t *at)
{
  p = pv_put_subject(p, acc, al);
  p = pv_put(p, pred, strlen(pred));
  *p++ = ' ';
  *at = offset_of(t, p);
  pv_put_fixed(p, v);
  p += PV_FIXED_WIDTH;
  return pv_put_end(PV_PUT_LIT(p, PV_XSD_LONG_TAIL));
}

/* Exactly the counters a session had, by property, in pv_counter order. */
static const char *const counter_terms[PV_COUNTERS] = {
    PV_TERM("bytesRead"), PV_TERM("bytesWritten"), PV_TERM("reads"),     PV_TERM("writes"),
    PV_TERM("seeks"),     PV_TERM("syncs"),        PV_TERM("metaOps"),   PV_TERM("readTime"),
    PV_TERM("writeTime"), PV_TERM("metaTime"),     PV_TERM("layerCalls"),  PV_TERM("collectiveCalls"),
};

static int is_time_counter(int i)
{
  return i == PV_C_READ_TICKS || i == PV_C_WRITE_TICKS || i == PV_C_META_TICKS;
}

static const char *const api_names[] = {"posix", "stdio", "mpiio", "inherited"};
static const char *const layer_names[] = {"", "mpiio", "hdf5"};

/* Clock reading `at` of session s as a time, converted once: a record is
 * rewritten as its session goes on, and the same reading converted again
 * from a later instant comes out a microsecond or so apart (merged
 * mid-run and again, the session would have two times).  Two threads
 * stamping one session at once may each convert anew; what either writes
 * is a good time for its reading. */
static int64_t stamp(pv_session *s, struct pv_stamp *m, uint64_t at, uint64_t now_t, int64_t now)
{
  if (at >= now_t) return now; /* PV_STILL: until now, whenever asked */
  if (__atomic_load_n(&m->at, __ATOMIC_ACQUIRE) == at) {
    int64_t ns = __atomic_load_n(&m->ns, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&m->at, __ATOMIC_ACQUIRE) == at) return ns;
  }
  int64_t ns = pv_real_time(at, now_t, now, s->open_ns, pv_ticks_to_ns);
  __atomic_store_n(&m->at, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&m->ns, ns, __ATOMIC_RELEASE);
  __atomic_store_n(&m->at, at, __ATOMIC_RELEASE);
  return ns;
}

/* The session's own times at now, c its counts. */
static void session_stamps(pv_session *s, const uint64_t *c, int64_t now, stamps *st)
{
  uint64_t now_t = pv_ticks();
  for (int k = 0; k < 2; k++) {
    uint64_t first = __atomic_load_n(&s->first_at[k], __ATOMIC_RELAXED);
    uint64_t last = __atomic_load_n(&s->last_at[k], __ATOMIC_RELAXED);
    if (!first && last) { /* only buffered bytes so far: from now on */
      first = now_t;
      __atomic_store_n(&s->first_at[k], first, __ATOMIC_RELAXED);
    }
    st->first[k] = first ? stamp(s, &s->stamped[0][k], first, now_t, now) : 0;
    st->last[k] = last ? stamp(s, &s->stamped[1][k], last, now_t, now) : 0;
    /* Counted without the clock (a stream's buffer a fork handed down):
     * somewhere in the session. */
    if (!st->first[k] && c[k ? PV_C_BYTES_WRITTEN : PV_C_READS]) {
      st->first[k] = s->open_ns;
      st->last[k] = now;
    }
  }
  if (s->mapped_writable) st->last[1] = now;
  st->new_content = s->new_content;
}

/* Sums the times of two records: the earliest first, the latest last. */
static void add_stamps(stamps *to, const stamps *from)
{
  for (int k = 0; k < 2; k++) {
    if (from->first[k] && (!to->first[k] || from->first[k] < to->first[k])) to->first[k] = from->first[k];
    if (from->last[k] > to->last[k]) to->last[k] = from->last[k];
  }
  to->new_content |= from->new_content;
}

/* "<s> pred "time" ." and, with at, where the time's digits are. */
static char *put_time_at(pv_thread *t, char *p, const char *s, size_t sl, const char *pred, int64_t ns,
                         uint32_t *at)
{
  p = pv_put_subject(p, s, sl);
  p = pv_put(p, pred, strlen(pred));
  *p++ = ' ';
  if (at) *at = offset_of(t, p) + 1;
  return pv_put_end(pv_put_time(p, ns));
}

/* A FileVersion of file (NULL: of its session's file, which prov-merge
 * says), generated by this process at when; *time_at (if given) gets the
 * offset of the time's digits for later rewriting. */
static char *put_version(pv_thread *t, char *p, const char *ver, size_t vl, const char *file, size_t fl,
                         int64_t when, uint32_t *time_at)
{
  /* prov:wasGeneratedBy this process: prov-merge adds it from the record
   * file the type is in. */
  p = PV_TRIPLE_TYPE(p, ver, vl, PV_TERM("FileVersion"));
  if (file) p = PV_TRIPLE_IRI(p, ver, vl, PV_PROV("specializationOf"), file, fl);
  return put_time_at(t, p, ver, vl, PV_PROV("generatedAtTime"), when, time_at);
}

/* The head of a record: what is known when the session starts. */
static char *put_head(pv_thread *t, char *p, const pv_session *s, pv_record_at *r, const char *acc, size_t al,
                      const char *file, size_t fl, int64_t now, int summing)
{
  /* The file's classes and the access's prov:Activity follow from
   * provio:file and provio:FileAccess, its process and thread from the
   * record file the type is in (prov-merge adds them all): so another
   * thread's copy of the record leaves the type to the opener's file. */
  if (r->tid == t->tid) p = PV_TRIPLE_TYPE(p, acc, al, PV_TERM("FileAccess"));
  p = PV_TRIPLE_IRI(p, acc, al, PV_TERM("file"), file, fl);
  p = PV_TRIPLE_TIME(p, acc, al, PV_PROV("startedAtTime"), s->open_ns);
  p = put_time_at(t, p, acc, al, PV_PROV("endedAtTime"), now, &r->end);
  p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("api"), api_names[s->api], strlen(api_names[s->api]));
  p = pv_put_end(put_flags(PV_PUT_LIT(pv_put_subject(p, acc, al), PV_TERM("openFlags") " "), s->flags));
  if (library_internal(s->path, s->path_len))
    p = pv_put_end(PV_PUT_LIT(pv_put_subject(p, acc, al), PV_TERM("libraryInternal") " \"true\"^^" PV_XSD("boolean")));
  if (s->callsite) {
    char cs[512];
    size_t cl = pv_callsite_name(s->callsite, cs, sizeof cs);
    if (cl) p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("callSite"), cs, cl);
  }
  if (s->has_id) {
    char id[2 * 20 + 1];
    size_t n = pv_fmt_u64(id, s->dev);
    id[n++] = ':';
    n += pv_fmt_u64(id + n, s->ino);
    p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("fileId"), id, n);
  }
  if (summing) p = put_fixed_long(t, p, acc, al, PV_TERM("sessions"), 1, &r->sessions);
  return p;
}

static uint64_t counter_value(int i, const uint64_t *c)
{
  return is_time_counter(i) ? (uint64_t)pv_ticks_to_ns(c[i]) : c[i];
}

/* A version exists once the file changed; then whether it is new content. */
static int lacks_version_lines(const pv_record_at *r, const stamps *st)
{
  return st->first[1] && (!(r->lines & LINE_VERSION) || (st->new_content && !(r->lines & LINE_NEW)));
}

/* A first read (k 0) or change (1) is written once it differs, to the
 * microsecond, from the latest (rewritten in place): until then the
 * latest says it, and prov-merge takes it (docs/model.md, "What the
 * records leave out"). */
static int lacks_first(const pv_record_at *r, const stamps *st, int k)
{
  int shown = k ? LINE_VERSION : LINE_USED, line = k ? LINE_FIRST_WRITE : LINE_FIRST_READ;
  return (r->lines & shown) && !(r->lines & line) && st->first[k] / 1000 != st->last[k] / 1000;
}

/* Whether record r lacks lines in t's record file for counts c and times st. */
static int lacks_lines(const pv_thread *t, const pv_record_at *r, const uint64_t *c, const stamps *st)
{
  if (r->file_id != t->file_id) return 1;
  for (int i = 0; i < PV_COUNTERS; i++)
    if (c[i] && !r->counter[i]) return 1;
  return (c[PV_C_READS] && !(r->lines & LINE_USED)) || (c[PV_C_LAYER_IO] && !(r->lines & LINE_LAYER)) ||
         lacks_version_lines(r, st) || lacks_first(r, st, 0) || lacks_first(r, st, 1);
}

/* Appends what record r lacks in t's record file: all of it if that file
 * holds none of it yet. */
static void append_lines(pv_thread *t, const pv_session *s, pv_record_at *r, const uint64_t *c,
                         const stamps *st, uint64_t sessions, int64_t now)
{
  size_t fmax = PV_FILE_IRI_MAX(s->path_len);
  char *p = pv_record_begin(t, (26 + PV_COUNTERS) * PV_RECORD_LINE + 6 * fmax + PV_LITERAL_MAX(512));
  if (!p) return;
  char *acc = t->record_iri[0], *ver = t->record_iri[1], *file = t->scratch[0];
  if (!r->n) {
    size_t n = pv_thread_new_iri(t, acc, "a");
    for (size_t i = pv_proc.id.rec_iri_len + 1; i < n; i++) r->n = r->n * 10 + (uint64_t)(acc[i] - '0');
    r->tid = t->tid;
  }
  size_t al = pv_record_iri(acc, &pv_proc.id, "a", r->n);
  size_t fl = pv_file_iri(file, &pv_proc.id, &pv_proc.cfg, s->path, s->path_len);
  if (r->file_id != t->file_id) {
    memset(r->counter, 0, sizeof r->counter);
    r->file_id = t->file_id;
    p = put_head(t, p, s, r, acc, al, file, fl, now, sessions != 0);
    r->lines = 0;
    if (s->via_layer) {
      const char *layer = layer_names[s->via_layer];
      p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("viaLayer"), layer, strlen(layer));
      if (s->via_call) p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("viaCall"), s->via_call, strlen(s->via_call));
      r->lines |= LINE_LAYER;
    }
  }
  for (int i = 0; i < PV_COUNTERS; i++)
    if (c[i] && !r->counter[i]) p = put_fixed_long(t, p, acc, al, counter_terms[i], counter_value(i, c), &r->counter[i]);
  if (c[PV_C_READS] && !(r->lines & LINE_USED)) {
    /* <process> prov:used <file>: prov-merge adds it for a session that read */
    p = put_time_at(t, p, acc, al, PV_TERM("lastReadAt"), st->last[0], &r->last_read);
    r->lines |= LINE_USED;
  }
  if (lacks_first(r, st, 0)) {
    p = put_time_at(t, p, acc, al, PV_TERM("firstReadAt"), st->first[0], NULL);
    r->lines |= LINE_FIRST_READ;
  }
  if (c[PV_C_LAYER_IO] && !(r->lines & LINE_LAYER)) {
    const char *layer = layer_names[s->inner_layer];
    p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("viaLayer"), layer, strlen(layer));
    r->lines |= LINE_LAYER;
  }
  if (lacks_version_lines(r, st)) {
    size_t vl = pv_record_iri(ver, &pv_proc.id, "v", r->n);
    if (!(r->lines & LINE_VERSION)) {
      p = put_version(t, p, ver, vl, NULL, 0, st->last[1], &r->generated);
      p = PV_TRIPLE_IRI(p, acc, al, PV_TERM("version"), ver, vl);
      r->lines |= LINE_VERSION;
    }
    if (st->new_content && !(r->lines & LINE_NEW)) {
      p = pv_put_end(PV_PUT_LIT(pv_put_subject(p, ver, vl), PV_TERM("newContent") " \"true\"^^" PV_XSD("boolean")));
      r->lines |= LINE_NEW;
    }
  }
  if (lacks_first(r, st, 1)) {
    p = put_time_at(t, p, acc, al, PV_TERM("firstWriteAt"), st->first[1], NULL);
    r->lines |= LINE_FIRST_WRITE;
  }
  pv_record_end(t, p);
}

/* Brings record r up to date in t's record file: appends the lines it
 * lacks, then rewrites its numbers and times in place.  c: the counts (for
 * a summing record, of all its sessions); sessions: how many (0: a
 * session's own record). */
static void sync_record(pv_thread *t, const pv_session *s, pv_record_at *r, const uint64_t *c,
                        const stamps *st, uint64_t sessions, int64_t now)
{
  if (lacks_lines(t, r, c, st)) append_lines(t, s, r, c, st, sessions, now);
  if (r->file_id != t->file_id) return; /* recording stopped */
  char *base = t->writer.base;
  for (int i = 0; i < PV_COUNTERS; i++)
    if (r->counter[i]) pv_put_fixed(base + r->counter[i], counter_value(i, c));
  pv_fmt_datetime(base + r->end, now);
  if (r->lines & LINE_USED) pv_fmt_datetime(base + r->last_read, st->last[0]);
  if (r->lines & LINE_VERSION) pv_fmt_datetime(base + r->generated, st->last[1]);
  if (sessions) pv_put_fixed(base + r->sessions, sessions);
}

static void session_counts(const pv_session *s, uint64_t *c)
{
  for (int i = 0; i < PV_COUNTERS; i++)
    c[i] = __atomic_load_n(&s->counter[i], __ATOMIC_RELAXED) + __atomic_load_n(&s->shared[i], __ATOMIC_RELAXED);
  /* Times are still taken (the calls are not told apart), just not written. */
  if (!(pv_proc.cfg.records & PV_REC_DURATIONS))
    c[PV_C_READ_TICKS] = c[PV_C_WRITE_TICKS] = c[PV_C_META_TICKS] = 0;
}

static pv_record_at *record_of(pv_session *s) { return s->agg ? &s->agg->rec : &s->own; }

/* Brings s's record up to date with the session's counts c and times own.
 * A thread other than the one that wrote the record (it closes a
 * descriptor another thread opened) cannot touch that thread's file: it
 * writes the record anew in its own, under the same IRIs, with the final
 * numbers.  Numbers and last times only grow, so readers take the largest
 * value of each (of a first time, the earliest). */
static void update_record(pv_thread *t, pv_session *s, const uint64_t *c, const stamps *own, int64_t now)
{
  aggregate *a = s->agg;
  uint64_t sum[PV_COUNTERS];
  for (int i = 0; i < PV_COUNTERS; i++) sum[i] = c[i] + (a ? a->total[i] : 0);
  stamps st = *own;
  if (a) add_stamps(&st, &a->times);
  pv_record_at *r = record_of(s), copy;
  if (r->n && (r->tid != t->tid || s->owner != (const void *)&pv_tls)) {
    copy = *r;
    copy.file_id = 0;
    copy.lines = 0;
    r = &copy;
  }
  sync_record(t, s, r, sum, &st, a ? a->sessions : 0, now);
}

/* The next refreshes: at the next read until the record shows reads, at
 * the next write until it shows writes and its version, else a while
 * from now. */
static void schedule(pv_session *s)
{
  const pv_record_at *r = record_of(s);
  uint64_t later = pv_ticks() + PV_REFRESH_TICKS;
  s->due[0] = r->counter[PV_C_READS] ? later : 0;
  s->due[1] = (r->counter[PV_C_WRITES] && r->lines & LINE_VERSION) || (s->flags & O_ACCMODE) == O_RDONLY ? later : 0;
}


static void begin_record(pv_session *s, int fd)
{
  memset(&s->own, 0, sizeof s->own);
  s->agg = NULL;
  s->due[0] = s->due[1] = 0;
  if (!worth_a_record(s)) {
    s->due[0] = s->due[1] = UINT64_MAX;
    return;
  }
  /* Most inherited descriptors are never used: recorded once they are. */
  pv_thread *t = s->api == PV_API_INHERITED ? NULL : pv_thread_current();
  aggregate *a = t ? find_aggregate(t, s) : NULL;
  if (a && a->state == AGG_SUMMING) {
    /* From the third session on, the file the second one identified: no
     * stat at each open of a file opened over and over. */
    s->has_id = a->has_id;
    s->dev = a->dev;
    s->ino = a->ino;
  } else {
    identify(s, fd);
    if (a && a->state == AGG_SEEN_ONCE && !same_file(a, s)) a->state = 0; /* replaced: starts over */
    if (a && !a->state) {
      a->has_id = s->has_id;
      a->dev = s->dev;
      a->ino = s->ino;
    }
  }
  if (!t) return;
  if (a && a->state) {
    if (a->state == AGG_SEEN_ONCE) {
      memset(&a->rec, 0, sizeof a->rec);
      memset(a->total, 0, sizeof a->total);
      memset(&a->times, 0, sizeof a->times);
      a->sessions = 0;
      a->state = AGG_SUMMING;
    }
    a->sessions++;
    __atomic_store_n(&a->busy, 1, __ATOMIC_RELAXED);
    s->agg = a;
  } else if (a) {
    a->state = AGG_SEEN_ONCE;
  }
  pv_record_at *r = record_of(s);
  if (s->agg && r->file_id == t->file_id) {
    pv_put_fixed(t->writer.base + r->sessions, s->agg->sessions); /* the rest changes as it is used */
  } else {
    uint64_t none[PV_COUNTERS] = {0};
    int64_t now = pv_now_ns();
    stamps st;
    session_stamps(s, none, now, &st);
    update_record(t, s, none, &st, now);
  }
  schedule(s);
}

void pv_session_refresh(pv_session *s)
{
  int saved = errno;
  pv_tls.depth++;
  pv_thread *t = pv_thread_current();
  const pv_record_at *r = record_of(s);
  /* A thread that inherited the opener's TLS address is not the opener. */
  if (t && (!r->n || r->tid == t->tid)) {
    uint64_t c[PV_COUNTERS];
    session_counts(s, c);
    int64_t now = pv_now_ns();
    stamps st;
    session_stamps(s, c, now, &st);
    update_record(t, s, c, &st, now);
    schedule(s);
  } else {
    s->due[0] = s->due[1] = UINT64_MAX;
  }
  pv_tls.depth--;
  errno = saved;
}

/* The final update of a session's record; it no longer adds to a summing one. */
static void end_record(pv_session *s, int64_t now)
{
  uint64_t c[PV_COUNTERS];
  session_counts(s, c);
  stamps st;
  session_stamps(s, c, now, &st);
  pv_thread *t = pv_thread_current();
  if (t) update_record(t, s, c, &st, now);
  aggregate *a = s->agg;
  if (a) {
    for (int i = 0; i < PV_COUNTERS; i++) a->total[i] += c[i];
    add_stamps(&a->times, &st);
    __atomic_store_n(&a->busy, 0, __ATOMIC_RELEASE);
    s->agg = NULL;
  }
}

void pv_track_close(int fd)
{
  if (!pv_fd_tracked(fd)) return;
  pv_session *s = pv_fd_slot(fd);
  pv_session_finish(s);
  uint64_t bit = (uint64_t)1 << (fd % 64);
  __atomic_fetch_and(&fd_live[fd / 64], ~bit, __ATOMIC_ACQ_REL);
  /* The number tracked again by another thread meanwhile (dup2 onto it). */
  if (__atomic_load_n(&s->active, __ATOMIC_ACQUIRE)) __atomic_fetch_or(&fd_live[fd / 64], bit, __ATOMIC_RELEASE);
}

void pv_session_finish(pv_session *s)
{
  if (!__atomic_exchange_n(&s->active, 0, __ATOMIC_ACQ_REL)) return;
  if (worth_a_record(s)) end_record(s, pv_now_ns());
}

void pv_track_flush_all(enum pv_flush how)
{
  for (int fd = pv_fd_next_live(0); fd >= 0; fd = pv_fd_next_live((unsigned)fd + 1)) {
    pv_session *s = pv_fd_slot(fd);
    if (!s || !__atomic_load_n(&s->active, __ATOMIC_ACQUIRE) || !worth_a_record(s)) continue;
    /* A descriptor left open that saw nothing since it was opened (or
     * since the fork or exec that handed it down) and has no record yet
     * has nothing to say. */
    int quiet = !record_of(s)->n && !s->last_at[1] &&
                !s->counter[PV_C_READS] && !s->shared[PV_C_READS] && !s->counter[PV_C_WRITES] &&
                !s->shared[PV_C_WRITES] && !s->counter[PV_C_META] && !s->shared[PV_C_META];
    if (how == PV_FLUSH_CLOSE) {
      if (__atomic_exchange_n(&s->active, 0, __ATOMIC_ACQ_REL) && !quiet) end_record(s, pv_now_ns());
      continue;
    }
    if (how == PV_FLUSH_RESTART && !quiet) end_record(s, pv_now_ns());
    /* A forked child's copy of a summing record belongs to the parent. */
    if (s->agg) __atomic_store_n(&s->agg->busy, 0, __ATOMIC_RELEASE);
    s->agg = NULL;
    memset(&s->own, 0, sizeof s->own);
    /* What comes next continues the content unless the file is still
     * as empty as it was found. */
    s->new_content &= !s->last_at[1];
    memset(s->first_at, 0, sizeof s->first_at);
    memset(s->stamped, 0, sizeof s->stamped);
    memset(s->last_at, 0, sizeof s->last_at);
    s->mapped_writable = 0;
    s->inner_layer = 0;
    /* Descriptors survive exec and fork; what happens next is new, and
     * gets a record once it is used. */
    memset(s->counter, 0, sizeof s->counter);
    memset(s->shared, 0, sizeof s->shared);
    s->due[0] = s->due[1] = 0;
    s->open_ns = pv_now_ns();
    s->flags &= ~(O_TRUNC | O_CREAT);
  }
}

/* An O_TMPFILE file has no name until linkat gives it one (the atomic
 * write of systemd and others): its session, opened on the directory, is
 * not recorded (worth_a_record: O_TMPFILE includes O_DIRECTORY) but
 * counts; named, it becomes the session of a file created at its open. */
int pv_track_named(int fd, int dirfd, const char *path)
{
  pv_session *s = pv_fd_session(fd);
  if (!s || (s->flags & O_TMPFILE) != O_TMPFILE) return -1;
  char *canon = pv_thread_path(1);
  size_t len = canon ? pv_canon_at(dirfd, path, canon, PV_PATH_MAX) : 0;
  if (!len) return -1;
  name_changed(canon, len);
  memcpy(s->path, canon, len);
  s->path_len = len;
  s->flags = (s->flags & ~O_TMPFILE) | O_CREAT;
  s->excluded = pv_file_unrecorded(canon, len);
  s->new_content = 1;
  begin_record(s, fd);
  if (!s->excluded) pv_session_refresh(s);
  return 0;
}

void pv_record_name_op(const char *op, int dirfd, const char *path, int dirfd2, const char *target,
                       uintptr_t callsite)
{
  /* Two paths are too much for a small thread stack. */
  char *canon = pv_thread_path(0), *canon2 = pv_thread_path(1);
  if (!canon || !canon2) return;
  size_t len = pv_canon_at(dirfd, path, canon, PV_PATH_MAX), len2 = 0;
  if (len) name_changed(canon, len);
  if (!len || pv_file_unrecorded(canon, len)) return;
  if (target) {
    /* symlink's target is stored text, relative to the link's directory */
    len2 = pv_canon_at(dirfd2, target, canon2, PV_PATH_MAX);
    if (!len2) return;
    name_changed(canon2, len2);
  }
  pv_thread *t = pv_thread_current();
  if (!t) return;
  char cs[512];
  size_t cl = callsite ? pv_callsite_name(callsite, cs, sizeof cs) : 0;
  char *p = pv_record_begin(t, 16 * PV_RECORD_LINE + 4 * PV_FILE_IRI_MAX(len) +
                                   4 * PV_FILE_IRI_MAX(len2) + PV_LITERAL_MAX(cl));
  if (!p) return;
  char *opi = t->record_iri[0], *file = t->scratch[0], *file2 = t->scratch[1];
  size_t ol = pv_thread_new_iri(t, opi, "o");
  size_t fl = pv_file_iri(file, &pv_proc.id, &pv_proc.cfg, canon, len);
  size_t fl2 = target ? pv_file_iri(file2, &pv_proc.id, &pv_proc.cfg, canon2, len2) : 0;
  int64_t now = pv_now_ns();
  p = PV_TRIPLE_TYPE(p, opi, ol, PV_TERM("FileOperation"));
  p = PV_TRIPLE_STRING(p, opi, ol, PV_TERM("operation"), op, strlen(op));
  p = PV_TRIPLE_IRI(p, opi, ol, PV_TERM("file"), file, fl); /* provio:partOf: from the record file */
  p = PV_TRIPLE_TIME(p, opi, ol, PV_PROV("atTime"), now);
  if (cl) {
    p = PV_TRIPLE_STRING(p, opi, ol, PV_TERM("callSite"), cs, cl);
  }
  if (target) {
    p = PV_TRIPLE_IRI(p, opi, ol, PV_TERM("target"), file2, fl2);
  }
  if (strcmp(op, "rename") == 0) {
    /* The target now holds what the source held. */
    char *ver = t->record_iri[1];
    size_t vl = pv_thread_new_iri(t, ver, "v");
    p = put_version(t, p, ver, vl, file2, fl2, now, NULL);
    p = PV_TRIPLE_IRI(p, ver, vl, PV_TERM("renamedFrom"), file, fl);
  }
  pv_record_end(t, p);
}
