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

void pv_clock_init(void)
{
  base_ticks = pv_ticks();
  base_ns = pv_now_ns();
}

int64_t pv_ticks_to_ns(uint64_t ticks)
{
  /* Once 50 ms have passed the rate is known well enough to keep. */
  static double ns_per_tick; /* a benign race: every writer stores a good value */
  double rate = ns_per_tick;
  if (rate == 0) {
    int64_t ns = pv_now_ns() - base_ns;
    uint64_t span = pv_ticks() - base_ticks;
    if (ns <= 0 || span == 0) return 0;
    rate = (double)ns / (double)span;
    if (ns > 50000000) ns_per_tick = rate;
  }
  return (int64_t)((double)ticks * rate);
}

/* ---- descriptor table --------------------------------------------------- */

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
 * segments and lock tests.  Marked, not hidden: the user may want them. */
static int library_internal(const char *canon, size_t len)
{
  static const char *const markers[] = {"/ompi.", "/open-mpi", "/vader_segment", "/sm_segment",
                                         "/psm2_shm", "/ucx_", "/pmix", "/lockedfile", NULL};
  /* They live in node-local scratch; anything else needs no search. */
  if (!pv_prefix_list_match(&pv_proc.cfg.local, canon, len)) return 0;
  for (int i = 0; markers[i]; i++)
    if (memmem(canon, len, markers[i], strlen(markers[i]))) return 1;
  return 0;
}

pv_session *pv_track_canonical(int fd, const char *canon, size_t len, int flags, int api,
                               uintptr_t callsite)
{
  pv_session *s = pv_fd_slot(fd);
  if (!s) return NULL;
  if (__atomic_load_n(&s->active, __ATOMIC_ACQUIRE)) pv_track_close(fd); /* missed close */
  return pv_session_start(s, canon, len, flags, api, callsite);
}

pv_session *pv_session_start(pv_session *s, const char *canon, size_t len, int flags, int api,
                             uintptr_t callsite)
{
  s->excluded = pv_path_excluded(canon, len);
  s->inner_layer = 0;
  s->mapped_writable = 0;
  s->flags = flags;
  s->api = api;
  s->via_layer = pv_tls.layer;
  s->via_call = pv_tls.layer ? pv_tls.layer_call : NULL;
  s->library_internal = library_internal(canon, len);
  s->open_ns = pv_now_ns();
  s->callsite = callsite;
  s->owner = &pv_tls;
  memset(s->counter, 0, sizeof s->counter);
  memset(s->shared, 0, sizeof s->shared);
  memcpy(s->path, canon, len);
  s->path_len = len;
  __atomic_store_n(&s->active, 1, __ATOMIC_RELEASE);
  return s->excluded ? NULL : s;
}

pv_session *pv_track_open(int fd, int dirfd, const char *path, int flags, int api, uintptr_t callsite)
{
  char canon[PV_PATH_MAX];
  size_t len = pv_canon_at(dirfd, path, canon, sizeof canon);
  if (!len) return NULL;
  return pv_track_canonical(fd, canon, len, flags, api, callsite);
}

void pv_track_dup(int oldfd, int newfd)
{
  pv_session *old = pv_fd_session(oldfd);
  if (!old || oldfd == newfd) return;
  pv_track_canonical(newfd, old->path, old->path_len, old->flags, old->api, old->callsite);
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

#define FIXED_DIGITS 19 /* any xsd:long, zero-padded, so it can be rewritten in place */

/* ---- repeated sessions ----------------------------------------------------
 * A program that opens and closes one file thousands of times would write
 * thousands of near-identical records.  The first session of a thread on a
 * file gets its own record; from the second on, one more record sums them
 * all, with its numbers written at fixed width and rewritten in place in
 * the mapped file as sessions close.  It is on the page cache the moment it
 * changes, so SIGKILL loses nothing here either. */
#define AGGREGATES 16
enum { AGG_SEEN_ONCE = 1, AGG_SUMMING = 2 };

typedef struct aggregate {
  uint64_t file_id;             /* the record file the offsets refer to */
  uint64_t last_use;
  int state, wrote, kind;        /* kind: wrote, api and layer; sessions of one kind sum */
  uint64_t total[PV_COUNTERS], sessions;
  size_t at_counter[PV_COUNTERS], at_sessions, at_end, at_generated;
  size_t path_len;
  char path[PV_PATH_MAX];
} aggregate;

typedef struct aggregate_table {
  uint64_t clock;
  aggregate entry[AGGREGATES];
} aggregate_table;

/* The thread's entry for (path, wrote), or the least recently used one
 * made over for it. */
static aggregate *find_aggregate(pv_thread *t, const pv_session *s, int wrote)
{
  if (!t->capture) {
    void *m = pv_sys_mmap(NULL, sizeof(aggregate_table), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return NULL;
    t->capture = m;
  }
  aggregate_table *table = t->capture;
  aggregate *victim = &table->entry[0];
  int kind = wrote | (s->counter[PV_C_READS] + s->shared[PV_C_READS] > 0) << 1 | s->api << 2 |
             s->via_layer << 5;
  table->clock++;
  for (int i = 0; i < AGGREGATES; i++) {
    aggregate *e = &table->entry[i];
    if (e->file_id == t->file_id && e->state && e->kind == kind && e->path_len == s->path_len &&
        memcmp(e->path, s->path, s->path_len) == 0) {
      e->last_use = table->clock;
      return e;
    }
    if (e->file_id != t->file_id || !e->state) victim = e, victim->last_use = 0;
    else if (victim->file_id == t->file_id && victim->state && e->last_use < victim->last_use) victim = e;
  }
  victim->file_id = t->file_id;
  victim->last_use = table->clock;
  victim->state = 0;
  victim->wrote = wrote;
  victim->kind = kind;
  victim->path_len = s->path_len;
  memcpy(victim->path, s->path, s->path_len);
  return victim;
}

static void put_fixed(char *p, uint64_t v)
{
  char digits[20];
  size_t n = pv_fmt_u64(digits, v);
  memset(p, '0', FIXED_DIGITS - n);
  memcpy(p + FIXED_DIGITS - n, digits, n);
}

/* "<s> <pred> "000...N"^^xsd:long ." remembering where the digits are. */
static char *put_fixed_long(pv_thread *t, char *p, const char *acc, size_t al, const char *pred,
                            uint64_t v, size_t *at)
{
  p = pv_put_subject(p, acc, al);
  p = pv_put(p, pred, strlen(pred));
  p = PV_PUT_LIT(p, " \"");
  *at = (size_t)(p - t->writer.base);
  put_fixed(p, v);
  p += FIXED_DIGITS;
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

/* A FileVersion of file, generated by this process at when; *time_at (if
 * given) gets the offset of the time's digits for later rewriting. */
static char *put_version(pv_thread *t, char *p, const char *ver, size_t vl, const char *file, size_t fl,
                         int64_t when, size_t *time_at)
{
  p = PV_TRIPLE_TYPE(p, ver, vl, PV_PROV("Entity"));
  p = PV_TRIPLE_TYPE(p, ver, vl, PV_TERM("FileVersion"));
  p = PV_TRIPLE_IRI(p, ver, vl, PV_PROV("specializationOf"), file, fl);
  p = PV_TRIPLE_IRI(p, ver, vl, PV_PROV("wasGeneratedBy"), pv_proc.id.proc_iri, pv_proc.id.proc_iri_len);
  p = PV_PUT_LIT(pv_put_subject(p, ver, vl), PV_PROV("generatedAtTime") " ");
  if (time_at) *time_at = (size_t)(p - t->writer.base) + 1;
  return pv_put_end(pv_put_time(p, when));
}

/* One FileAccess record (and the FileVersion it produced).  With agg, the
 * numbers and end times are fixed width and their places remembered. */
static void write_access(pv_thread *t, const pv_session *s, const uint64_t *c, int64_t end_ns, int wrote,
                         aggregate *agg)
{
  int read = c[PV_C_READS] > 0;
  char callsite[512];
  size_t cl = s->callsite ? pv_callsite_name(s->callsite, callsite, sizeof callsite) : 0;
  size_t fmax = PV_FILE_IRI_MAX(s->path_len);
  char *p = pv_record_begin(t, 44 * PV_RECORD_LINE + 6 * fmax + PV_LITERAL_MAX(cl));
  if (!p) return;
  char acc[PV_IRI_MAX + 64], ver[PV_IRI_MAX + 64], *file = t->scratch[0];
  size_t al = pv_thread_new_iri(t, acc, "access");
  size_t fl = pv_file_iri(file, &pv_proc.id, &pv_proc.cfg, s->path, s->path_len);
  const char *proc = pv_proc.id.proc_iri;
  size_t pl = pv_proc.id.proc_iri_len;

  p = PV_TRIPLE_TYPE(p, file, fl, PV_TERM("File"));
  p = PV_TRIPLE_TYPE(p, file, fl, PV_PROV("Entity"));
  if (read) {
    p = PV_TRIPLE_IRI(p, proc, pl, PV_PROV("used"), file, fl);
  }
  p = PV_TRIPLE_TYPE(p, acc, al, PV_PROV("Activity"));
  p = PV_TRIPLE_TYPE(p, acc, al, PV_TERM("FileAccess"));
  p = PV_TRIPLE_IRI(p, acc, al, PV_TERM("partOf"), proc, pl);
  p = PV_TRIPLE_IRI(p, acc, al, PV_PROV("wasAssociatedWith"), t->iri, t->iri_len);
  p = PV_TRIPLE_IRI(p, acc, al, PV_TERM("file"), file, fl);
  p = PV_TRIPLE_TIME(p, acc, al, PV_PROV("startedAtTime"), s->open_ns);
  p = PV_PUT_LIT(pv_put_subject(p, acc, al), PV_PROV("endedAtTime") " ");
  if (agg) agg->at_end = (size_t)(p - t->writer.base) + 1;
  p = pv_put_end(pv_put_time(p, end_ns));
  p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("api"), api_names[s->api], strlen(api_names[s->api]));
  p = pv_put_end(put_flags(PV_PUT_LIT(pv_put_subject(p, acc, al), PV_TERM("openFlags") " "), s->flags));
  for (int i = 0; i < PV_COUNTERS; i++) {
    uint64_t v = is_time_counter(i) ? (uint64_t)pv_ticks_to_ns(c[i]) : c[i];
    if (agg) {
      p = put_fixed_long(t, p, acc, al, counter_terms[i], v, &agg->at_counter[i]);
    } else if (c[i]) {
      p = pv_put(pv_put_subject(p, acc, al), counter_terms[i], strlen(counter_terms[i]));
      *p++ = ' ';
      p = pv_put_end(pv_put_long(p, (int64_t)v));
    }
  }
  if (agg) p = put_fixed_long(t, p, acc, al, PV_TERM("sessions"), 1, &agg->at_sessions);
  if (s->via_layer || c[PV_C_LAYER_IO]) {
    const char *layer = layer_names[s->via_layer ? s->via_layer : s->inner_layer];
    p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("viaLayer"), layer, strlen(layer));
    if (s->via_call) p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("viaCall"), s->via_call, strlen(s->via_call));
  }
  if (s->library_internal)
    p = pv_put_end(PV_PUT_LIT(pv_put_subject(p, acc, al), PV_TERM("libraryInternal") " \"true\"^^" PV_XSD("boolean")));
  if (cl) {
    p = PV_TRIPLE_STRING(p, acc, al, PV_TERM("callSite"), callsite, cl);
  }
  if (wrote) {
    size_t vl = pv_thread_new_iri(t, ver, "version");
    p = put_version(t, p, ver, vl, file, fl, end_ns, agg ? &agg->at_generated : NULL);
    p = PV_TRIPLE_IRI(p, acc, al, PV_TERM("version"), ver, vl);
  }
  pv_record_end(t, p);
}

/* Adds one more session to a summing record, in place. */
static void add_to_aggregate(pv_thread *t, aggregate *e, const uint64_t *c, int64_t end_ns)
{
  char *base = t->writer.base;
  for (int i = 0; i < PV_COUNTERS; i++) {
    if (!c[i]) continue;
    e->total[i] += c[i];
    put_fixed(base + e->at_counter[i], is_time_counter(i) ? (uint64_t)pv_ticks_to_ns(e->total[i]) : e->total[i]);
  }
  put_fixed(base + e->at_sessions, ++e->sessions);
  pv_fmt_datetime(base + e->at_end, end_ns);
  if (e->wrote) pv_fmt_datetime(base + e->at_generated, end_ns);
}

static void emit_session(pv_session *s, int64_t end_ns)
{
  pv_thread *t = pv_thread_current();
  if (!t) return;
  uint64_t c[PV_COUNTERS];
  for (int i = 0; i < PV_COUNTERS; i++)
    c[i] = __atomic_load_n(&s->counter[i], __ATOMIC_RELAXED) + __atomic_load_n(&s->shared[i], __ATOMIC_RELAXED);
  /* A failed write changes nothing: a version needs bytes, a truncation,
   * a creation or a writable shared mapping. */
  int wrote = c[PV_C_BYTES_WRITTEN] > 0 || (s->flags & (O_TRUNC | O_CREAT)) || s->mapped_writable;
  aggregate *e = find_aggregate(t, s, wrote);
  if (!e || !e->state) {
    write_access(t, s, c, end_ns, wrote, NULL);
    if (e) e->state = AGG_SEEN_ONCE;
  } else if (e->state == AGG_SEEN_ONCE) {
    uint64_t file_id = t->file_id;
    write_access(t, s, c, end_ns, wrote, e);
    if (t->file_id != file_id) return; /* a new segment began: offsets are stale */
    memcpy(e->total, c, sizeof e->total);
    e->sessions = 1;
    e->state = AGG_SUMMING;
  } else {
    add_to_aggregate(t, e, c, end_ns);
  }
}

/* Directories are tracked to resolve the *at calls made relative to them;
 * opening one moves no data. */
static int worth_a_record(const pv_session *s) { return !s->excluded && !(s->flags & O_DIRECTORY); }

void pv_track_close(int fd)
{
  if (pv_fd_tracked(fd)) pv_session_finish(pv_fd_slot(fd));
}

void pv_session_finish(pv_session *s)
{
  if (!__atomic_exchange_n(&s->active, 0, __ATOMIC_ACQ_REL)) return;
  if (worth_a_record(s)) emit_session(s, pv_now_ns());
}

void pv_track_flush_all(enum pv_flush how)
{
  for (size_t k = 0; k < PV_FD_MAX / PV_FD_CHUNK; k++) {
    pv_session *chunk = __atomic_load_n(&pv_fd_chunks[k], __ATOMIC_ACQUIRE);
    if (!chunk) continue;
    for (int i = 0; i < PV_FD_CHUNK; i++) {
      pv_session *s = &chunk[i];
      if (!__atomic_load_n(&s->active, __ATOMIC_ACQUIRE) || !worth_a_record(s)) continue;
      /* A descriptor left open that saw nothing since it was opened (or
       * since the fork or exec that handed it down) has nothing to say. */
      int idle = !(s->flags & (O_TRUNC | O_CREAT)) && !s->mapped_writable &&
                 !s->counter[PV_C_READS] && !s->shared[PV_C_READS] && !s->counter[PV_C_WRITES] &&
                 !s->shared[PV_C_WRITES] && !s->counter[PV_C_META] && !s->shared[PV_C_META];
      if (how == PV_FLUSH_CLOSE) {
        if (__atomic_exchange_n(&s->active, 0, __ATOMIC_ACQ_REL) && !idle) emit_session(s, pv_now_ns());
        continue;
      }
      if (how == PV_FLUSH_RESTART && !idle) emit_session(s, pv_now_ns());
      s->mapped_writable = 0;
      s->inner_layer = 0;
      /* Descriptors survive exec and fork; what happens next is new. */
      memset(s->counter, 0, sizeof s->counter);
      memset(s->shared, 0, sizeof s->shared);
      s->open_ns = pv_now_ns();
      s->flags &= ~(O_TRUNC | O_CREAT);
    }
  }
}

void pv_record_name_op(const char *op, int dirfd, const char *path, int dirfd2, const char *target,
                       uintptr_t callsite)
{
  /* Two paths are too much for a small thread stack. */
  char *canon = pv_thread_path(0), *canon2 = pv_thread_path(1);
  if (!canon || !canon2) return;
  size_t len = pv_canon_at(dirfd, path, canon, PV_PATH_MAX), len2 = 0;
  if (!len || pv_path_excluded(canon, len)) return;
  if (target) {
    /* symlink's target is stored text, relative to the link's directory */
    len2 = pv_canon_at(dirfd2, target, canon2, PV_PATH_MAX);
    if (!len2) return;
  }
  pv_thread *t = pv_thread_current();
  if (!t) return;
  char cs[512];
  size_t cl = callsite ? pv_callsite_name(callsite, cs, sizeof cs) : 0;
  char *p = pv_record_begin(t, 16 * PV_RECORD_LINE + 4 * PV_FILE_IRI_MAX(len) +
                                   4 * PV_FILE_IRI_MAX(len2) + PV_LITERAL_MAX(cl));
  if (!p) return;
  char opi[PV_IRI_MAX + 64], *file = t->scratch[0], *file2 = t->scratch[1];
  size_t ol = pv_thread_new_iri(t, opi, "op");
  size_t fl = pv_file_iri(file, &pv_proc.id, &pv_proc.cfg, canon, len);
  size_t fl2 = target ? pv_file_iri(file2, &pv_proc.id, &pv_proc.cfg, canon2, len2) : 0;
  int64_t now = pv_now_ns();
  p = PV_TRIPLE_TYPE(p, opi, ol, PV_TERM("FileOperation"));
  p = PV_TRIPLE_STRING(p, opi, ol, PV_TERM("operation"), op, strlen(op));
  p = PV_TRIPLE_IRI(p, opi, ol, PV_TERM("partOf"), pv_proc.id.proc_iri, pv_proc.id.proc_iri_len);
  p = PV_TRIPLE_IRI(p, opi, ol, PV_TERM("file"), file, fl);
  p = PV_TRIPLE_TIME(p, opi, ol, PV_PROV("atTime"), now);
  if (cl) {
    p = PV_TRIPLE_STRING(p, opi, ol, PV_TERM("callSite"), cs, cl);
  }
  if (target) {
    p = PV_TRIPLE_IRI(p, opi, ol, PV_TERM("target"), file2, fl2);
  }
  if (strcmp(op, "rename") == 0) {
    /* The target now holds what the source held. */
    char ver[PV_IRI_MAX + 64];
    size_t vl = pv_thread_new_iri(t, ver, "version");
    p = put_version(t, p, ver, vl, file2, fl2, now, NULL);
    p = PV_TRIPLE_IRI(p, ver, vl, PV_TERM("renamedFrom"), file, fl);
  }
  pv_record_end(t, p);
}
