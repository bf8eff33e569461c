/* trace.c - per-call records and the per-path query summary. */
#define _GNU_SOURCE
#include "trace.h"

#include <fcntl.h>
#include <string.h>

#include "interpose.h"
#include "serialize.h"
#include "sys.h"
#include "vocab.h"


static void emit_call(const char *fn, const char *canon, size_t len, int fd, int64_t rc, uint64_t t0)
{
  uint64_t t1 = pv_ticks();
  pv_thread *t = pv_thread_current();
  if (!t) return;
  char *p = pv_record_begin(t, 12 * PV_RECORD_LINE + 2 * PV_FILE_IRI_MAX(len));
  if (!p) return;
  char call[PV_IRI_MAX + 64];
  size_t cl = pv_thread_new_iri(t, call, "c");
  int64_t start = pv_now_ns() - pv_ticks_to_ns(t1 - t0);
  p = PV_TRIPLE_TYPE(p, call, cl, PV_PROV("Activity"));
  p = PV_TRIPLE_TYPE(p, call, cl, PV_TERM("IoCall"));
  p = PV_TRIPLE_STRING(p, call, cl, PV_TERM("function"), fn, strlen(fn));
  p = PV_TRIPLE_IRI(p, call, cl, PV_TERM("partOf"), pv_proc.id.proc_iri, pv_proc.id.proc_iri_len);
  if (pv_proc.cfg.records & PV_REC_THREADS)
    p = PV_TRIPLE_IRI(p, call, cl, PV_PROV("wasAssociatedWith"), t->iri, t->iri_len);
  p = PV_TRIPLE_TIME(p, call, cl, PV_PROV("startedAtTime"), start);
  if (pv_proc.cfg.records & PV_REC_DURATIONS)
    p = PV_TRIPLE_LONG(p, call, cl, PV_TERM("duration"), pv_ticks_to_ns(t1 - t0));
  p = PV_TRIPLE_LONG(p, call, cl, PV_TERM("result"), rc);
  if (len) {
    size_t fl = pv_file_iri(t->scratch[0], &pv_proc.id, &pv_proc.cfg, canon, len);
    p = PV_TRIPLE_IRI(p, call, cl, PV_TERM("file"), t->scratch[0], fl);
  } else if (fd >= 0) {
    p = PV_TRIPLE_LONG(p, call, cl, PV_TERM("fd"), fd);
  }
  if (pv_tls.layer && pv_tls.layer_call)
    p = PV_TRIPLE_STRING(p, call, cl, PV_TERM("viaCall"), pv_tls.layer_call, strlen(pv_tls.layer_call));
  if (pv_tls.layer) {
    p = pv_put_subject(p, call, cl);
    p = pv_put_end(pv_put_string(PV_PUT_LIT(p, PV_TERM("viaLayer") " "),
                                 pv_tls.layer == PV_LAYER_HDF5 ? "hdf5" : "mpiio",
                                 pv_tls.layer == PV_LAYER_HDF5 ? 4 : 5));
  }
  pv_record_end(t, p);
}

void pv_trace_fd(const char *fn, int fd, int64_t rc, uint64_t t0)
{
  int e = errno;
  pv_tls.depth++;
  pv_session *s = pv_fd_session(fd);
  emit_call(fn, s ? s->path : NULL, s ? s->path_len : 0, fd, rc, t0);
  pv_tls.depth--;
  errno = e;
}

void pv_trace_path(const char *fn, int dirfd, const char *path, int64_t rc, uint64_t t0)
{
  if (!path) return;
  int e = errno;
  pv_tls.depth++;
  char *canon = pv_thread_path(0); /* off the stack, as in pv_path_query */
  size_t len = canon ? pv_canon_at(dirfd, path, canon, PV_PATH_MAX) : 0;
  if (len && !pv_path_excluded(canon, len)) emit_call(fn, canon, len, -1, rc, t0);
  pv_tls.depth--;
  errno = e;
}

/* ---- per-path query summary ----------------------------------------------
 * An open-addressing index in lazily mapped memory over slots taken in
 * order, each claimed by compare-and-swap: no lock, no allocation per
 * call.  The index is small and the slots dense, so that a process touches
 * a handful of pages for the paths it queried, not one per path (every
 * page of it would fault in every short-lived process, and a shell looks
 * each command up along the whole PATH). */
#define QUERY_SLOTS 4096
#define QUERY_INDEX (2 * QUERY_SLOTS)
#define QUERY_PROBES 32

typedef struct query_slot {
  uint64_t hash;
  unsigned len;
  uint64_t count, ticks;
  const char *path;  /* in the table's text; set last (atomic): the slot is filled */
} query_slot;

typedef struct query_table {
  unsigned used;                   /* slots taken (atomic) */
  uint16_t index[QUERY_INDEX];     /* 1 + slot of the path hashed here; 0: free (atomic) */
  query_slot slot[QUERY_SLOTS];
  size_t text_used;                /* atomic */
  char text[QUERY_SLOTS * PV_PATH_MAX]; /* a slot is taken once: it never fills up */
} query_table;

static query_table *queries;

static uint64_t hash_path(const char *s, size_t n)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static query_table *table_get(void)
{
  query_table *q = __atomic_load_n(&queries, __ATOMIC_ACQUIRE);
  if (q) return q;
  query_table *fresh = pv_sys_mmap(NULL, sizeof *fresh, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (fresh == MAP_FAILED) return NULL;
  if (__atomic_compare_exchange_n(&queries, &q, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return fresh;
  pv_sys_munmap(fresh, sizeof *fresh);
  return q;
}

/* A slot filled with canon, not yet in the index; 0 when all are taken. */
static unsigned fill_slot(query_table *table, const char *canon, size_t len, uint64_t h)
{
  unsigned k = __atomic_fetch_add(&table->used, 1, __ATOMIC_ACQ_REL);
  if (k >= QUERY_SLOTS) return 0;
  query_slot *q = &table->slot[k];
  char *text = table->text + __atomic_fetch_add(&table->text_used, len, __ATOMIC_RELAXED);
  memcpy(text, canon, len);
  q->hash = h;
  q->len = (unsigned)len;
  __atomic_store_n(&q->path, text, __ATOMIC_RELEASE);
  return k + 1;
}

/* One more query of canon, summed into its slot. */
static void count_query(const char *canon, size_t len, uint64_t t0)
{
  query_table *table = table_get();
  if (!table) return;
  uint64_t h = hash_path(canon, len);
  unsigned spare = 0; /* a slot filled for a cell another thread took first */
  for (int probe = 0; probe < QUERY_PROBES; probe++) {
    uint16_t *cell = &table->index[(h + (uint64_t)probe) % QUERY_INDEX];
    uint16_t k = __atomic_load_n(cell, __ATOMIC_ACQUIRE);
    if (k == 0) {
      if (!spare && !(spare = fill_slot(table, canon, len, h))) return;
      if (__atomic_compare_exchange_n(cell, &k, (uint16_t)spare, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        k = (uint16_t)spare;
        spare = 0;
      }
    }
    query_slot *q = &table->slot[k - 1];
    if (q->hash != h || q->len != len || memcmp(q->path, canon, len) != 0) continue;
    __atomic_fetch_add(&q->count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&q->ticks, pv_ticks() - t0, __ATOMIC_RELAXED);
    return;
  }
}

void pv_path_query(const char *fn, int dirfd, const char *path, int64_t rc, uint64_t t0)
{
  if (!path) return;
  if (pv_tracing()) {
    pv_trace_path(fn, dirfd, path, rc, t0);
    return;
  }
  /* The path goes in the thread's buffer, not on a stack that may be
   * small; it is ours only while the calls we make pass through. */
  pv_tls.depth++;
  char *canon = pv_thread_path(0);
  size_t len = canon ? pv_canon_at(dirfd, path, canon, PV_PATH_MAX) : 0;
  if (len && !pv_file_unrecorded(canon, len)) count_query(canon, len, t0);
  pv_tls.depth--;
}

void pv_path_queries_forget(void)
{
  /* A forked child: the parent's counts are the parent's.  Its copy of the
   * table goes whole; the child maps a fresh one when it queries. */
  query_table *table = __atomic_exchange_n(&queries, NULL, __ATOMIC_ACQ_REL);
  if (table) pv_sys_munmap(table, sizeof *table);
}

void pv_path_queries_flush(void)
{
  if (!__atomic_load_n(&queries, __ATOMIC_ACQUIRE)) return;
  /* Before the table is read: in the child of a raw clone, this is where
   * the fork is noticed and the parent's table dropped. */
  pv_thread *t = pv_thread_current();
  query_table *table = __atomic_load_n(&queries, __ATOMIC_ACQUIRE);
  if (!t || !table) return;
  unsigned used = __atomic_load_n(&table->used, __ATOMIC_ACQUIRE);
  for (unsigned k = 0; k < used && k < QUERY_SLOTS; k++) {
    query_slot *q = &table->slot[k];
    /* still being filled by a thread racing this flush */
    if (!__atomic_load_n(&q->path, __ATOMIC_ACQUIRE)) continue;
    uint64_t n = __atomic_exchange_n(&q->count, 0, __ATOMIC_ACQ_REL);
    uint64_t ticks = __atomic_exchange_n(&q->ticks, 0, __ATOMIC_ACQ_REL);
    if (!n) continue;
    char *p = pv_record_begin(t, 10 * PV_RECORD_LINE + 3 * PV_FILE_IRI_MAX(q->len));
    if (!p) return;
    char acc[PV_IRI_MAX + 64];
    size_t al = pv_thread_new_iri(t, acc, "q");
    size_t fl = pv_file_iri(t->scratch[0], &pv_proc.id, &pv_proc.cfg, q->path, q->len);
    p = PV_TRIPLE_TYPE(p, acc, al, PV_TERM("PathQueries")); /* provio:partOf: from the record file */
    p = PV_TRIPLE_IRI(p, acc, al, PV_TERM("file"), t->scratch[0], fl);
    p = PV_TRIPLE_LONG(p, acc, al, PV_TERM("metaOps"), (int64_t)n);
    if (pv_proc.cfg.records & PV_REC_DURATIONS)
      p = PV_TRIPLE_LONG(p, acc, al, PV_TERM("metaTime"), pv_ticks_to_ns(ticks));
    pv_record_end(t, p);
  }
}
