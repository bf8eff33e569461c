/* merge.c - parser threads, the single store writer, derivations, swap. */
#include "merge.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conform.h"
#include "derive.h"
#include "reader.h"
#include "replace.h"
#include "seen.h"
#include "store.h"
#include "term.h"
#include "vocab.h"

#define BATCH_BYTES (1 << 20)
#define BATCHES_PER_THREAD 4
#define STATE_MAGIC "PVMS0001"
#define BDB_CACHE (32u << 20) /* per BDB file written; a store has three */
#define SEEN_EXPECT_MAX (1u << 20) /* triples the seen set is first sized for, at most */

typedef struct unit {
  size_t file;
  off_t start, end;
} unit;

typedef struct batch {
  struct batch *next;
  pv_buf buf; /* records: 1 byte "is a fact", 4 bytes length, encoding */
} batch;

/* The triples derived from one state of the fact table. */
typedef struct derived {
  pv_buf enc;    /* records: 4 bytes length, encoding */
  pv_seen *set;
} derived;

typedef struct merger {
  const pv_merge_opts *o;
  pv_merge_stats *st;
  char *err;
  size_t errlen;
  int status;

  pv_rfiles files;
  pv_rfiles imported;   /* the other ranks' record files (--mpi), no data here */
  unit *units;
  size_t nunits, next_unit;
  size_t *units_left;   /* per file */
  pv_seen *seen;
  pv_facts *facts;
  int incremental;      /* the store held triples before this merge */

  pthread_mutex_t lock; /* the queue, worker failures and rejects */
  pthread_cond_t can_pop, can_push;
  batch *head, *tail;
  size_t queued, max_queued;
  int workers_left, abort;
  uint64_t triples_read, duplicates, bytes_done, files_done; /* atomics */

  pv_target target;
  char *scratch_dir;    /* without -s: a temporary store */
  pv_store store;
  int store_open;
  pv_rdf_cache cache;
  char *out_tmp;        /* -o written here, renamed at the end */
  struct timespec t0, last_progress;
} merger;

static int set_error(merger *m, int status, const char *fmt, const char *a, const char *b)
{
  if (!m->status) {
    snprintf(m->err, m->errlen, fmt, a, b ? b : "");
    m->status = status;
  }
  return status;
}

static double since(const struct timespec *t)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) * 1e-9;
}

/* ---- parser threads ---- */

typedef struct worker {
  merger *m;
  pv_reader *reader;
  size_t file;
  pv_conform_src src;   /* the file's writer, from its thread's header */
  batch *cur;
  pv_buf scratch;       /* a rewritten triple's encoding */
  uint64_t read;        /* good lines not yet added to m->triples_read */
  uint64_t duplicates;  /* not yet added to m->duplicates */
  pthread_t thread;
} worker;

/* Hands a full batch to the writer; waits while the queue is full. */
static int push(worker *w)
{
  merger *m = w->m;
  batch *b = w->cur;
  w->cur = NULL;
  __atomic_add_fetch(&m->triples_read, w->read, __ATOMIC_RELAXED);
  __atomic_add_fetch(&m->duplicates, w->duplicates, __ATOMIC_RELAXED);
  w->read = w->duplicates = 0;
  if (!b) return 0;
  pthread_mutex_lock(&m->lock);
  while (m->queued >= m->max_queued && !m->abort) pthread_cond_wait(&m->can_push, &m->lock);
  int aborted = m->abort;
  if (!aborted) {
    if (m->tail) m->tail->next = b;
    else m->head = b;
    m->tail = b;
    m->queued++;
    pthread_cond_signal(&m->can_pop);
  }
  pthread_mutex_unlock(&m->lock);
  if (aborted) {
    pv_buf_free(&b->buf);
    free(b);
    return 1;
  }
  return 0;
}

/* Queues one triple for the store unless it is there already. */
static int add_triple(worker *w, const char *enc, size_t n, const pv_term t[3])
{
  int added = pv_seen_add(w->m->seen, pv_hash_bytes(enc, n), 0);
  w->duplicates += added == 0;
  if (added <= 0) return added;
  if (!w->cur && !(w->cur = calloc(1, sizeof *w->cur))) return -1;
  pv_buf *b = &w->cur->buf;
  if (pv_buf_reserve(b, 5 + n) != 0) return -1;
  b->p[b->len] = (char)pv_facts_wanted(t);
  uint32_t len = (uint32_t)n;
  memcpy(b->p + b->len + 1, &len, 4);
  memcpy(b->p + b->len + 5, enc, n);
  b->len += 5 + n;
  return b->len >= BATCH_BYTES ? push(w) : 0;
}

static int on_triple(void *ctx, const char *enc, size_t n)
{
  worker *w = ctx;
  if (++w->read == 4096) { /* for the progress display when all are duplicates */
    __atomic_add_fetch(&w->m->triples_read, w->read, __ATOMIC_RELAXED);
    w->read = 0;
  }
  pv_term t[3];
  pv_dec_triple(enc, t);
  pv_conformed c;
  pv_conform(t, &w->src, &c);
  for (int i = 0; i < c.n; i++) {
    int rc;
    if (i == 0 && !c.rewritten) {
      rc = add_triple(w, enc, n, t);
    } else {
      w->scratch.len = 0;
      size_t m = pv_enc_terms(&w->scratch, c.t[i]);
      rc = m ? add_triple(w, w->scratch.p, m, c.t[i]) : -1;
    }
    if (rc) return rc;
  }
  return 0;
}

static void on_reject(void *ctx, off_t off, const char *why)
{
  worker *w = ctx;
  merger *m = w->m;
  pthread_mutex_lock(&m->lock);
  pv_merge_stats *st = m->st;
  st->lines_rejected++;
  if (st->nrejects < PV_MERGE_REJECTS_KEPT) {
    char *copy = strdup(why);
    if (copy) st->rejects[st->nrejects++] = (pv_merge_reject){m->files.v[w->file].path, off, 0, copy};
  }
  pthread_mutex_unlock(&m->lock);
}

static void stop_all(merger *m)
{
  pthread_mutex_lock(&m->lock);
  m->abort = 1;
  pthread_cond_broadcast(&m->can_push);
  pthread_cond_broadcast(&m->can_pop);
  pthread_mutex_unlock(&m->lock);
}

static void *work(void *arg)
{
  worker *w = arg;
  merger *m = w->m;
  pv_reader_sink sink = {w, on_triple, on_reject};
  for (;;) {
    size_t u = __atomic_fetch_add(&m->next_unit, 1, __ATOMIC_RELAXED);
    if (u >= m->nunits || __atomic_load_n(&m->abort, __ATOMIC_RELAXED)) break;
    unit *un = &m->units[u];
    w->file = un->file;
    const pv_rheader *h = pv_rfile_header(&m->files, un->file);
    w->src = (pv_conform_src){h ? h->process : NULL, h ? h->agent : NULL};
    int rc = h ? pv_reader_window(w->reader, &m->files.v[un->file], un->start, un->end, &sink) : -1;
    if (rc != 0) {
      if (rc < 0) {
        int e = errno;
        pthread_mutex_lock(&m->lock);
        set_error(m, e == ENOMEM ? PV_MERGE_FAILED : PV_MERGE_INPUT, "%s: cannot read: %s",
                  m->files.v[un->file].path, strerror(e ? e : EIO));
        pthread_mutex_unlock(&m->lock);
      }
      stop_all(m);
      break;
    }
    off_t end = un->end < m->files.v[un->file].data_end ? un->end : m->files.v[un->file].data_end;
    __atomic_add_fetch(&m->bytes_done, (uint64_t)(end - un->start), __ATOMIC_RELAXED);
    if (__atomic_sub_fetch(&m->units_left[un->file], 1, __ATOMIC_RELAXED) == 0)
      __atomic_add_fetch(&m->files_done, 1, __ATOMIC_RELAXED);
  }
  push(w);
  pthread_mutex_lock(&m->lock);
  m->workers_left--;
  pthread_cond_signal(&m->can_pop);
  pthread_mutex_unlock(&m->lock);
  return NULL;
}

/* ---- records parsed by other ranks (--mpi) ---- */

struct pv_merge_import {
  worker w; /* deduplicates against this merge's triples like a parser */
};

int pv_merge_import_records(pv_merge_import *imp, const char *recs, size_t n)
{
  for (size_t at = 0; at + 5 <= n;) {
    uint32_t len;
    memcpy(&len, recs + at + 1, 4);
    if (len > n - at - 5) return -1;
    pv_term t[3];
    pv_dec_triple(recs + at + 5, t);
    if (add_triple(&imp->w, recs + at + 5, len, t) != 0) return -1;
    at += 5 + len;
  }
  return 0;
}

int pv_merge_import_file(pv_merge_import *imp, const char *group, int finished, const char *thread_iri)
{
  pv_rfiles *v = &imp->w.m->imported;
  if (v->n == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 256;
    pv_rfile *grown = realloc(v->v, cap * sizeof *grown);
    if (!grown) return -1;
    v->v = grown;
    v->cap = cap;
  }
  pv_rfile *f = &v->v[v->n];
  *f = (pv_rfile){.path = strdup(group), .group = strdup(group), .finished = finished,
                  .thread_iri = *thread_iri ? strdup(thread_iri) : NULL};
  v->n++;
  return f->path && f->group && (f->thread_iri || !*thread_iri) ? 0 : -1;
}

static void *import_thread(void *arg)
{
  pv_merge_import *imp = arg;
  merger *m = imp->w.m;
  char err[1024] = "";
  int rc = m->o->import(m->o->import_ctx, imp, err, sizeof err);
  if (!rc) rc = push(&imp->w);
  if (rc) {
    pthread_mutex_lock(&m->lock);
    set_error(m, rc > 0 ? rc : PV_MERGE_FAILED, "%s%s", *err ? err : "out of memory", NULL);
    pthread_mutex_unlock(&m->lock);
    stop_all(m);
  }
  pv_buf_free(&imp->w.scratch);
  pthread_mutex_lock(&m->lock);
  m->workers_left--;
  pthread_cond_signal(&m->can_pop);
  pthread_mutex_unlock(&m->lock);
  return NULL;
}

/* The imported files join this merge's own once every parser is done. */
static int adopt_imported(merger *m)
{
  pv_rfiles *v = &m->files, *in = &m->imported;
  if (!in->n) return 0;
  pv_rfile *grown = realloc(v->v, (v->n + in->n) * sizeof *grown);
  if (!grown) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
  memcpy(grown + v->n, in->v, in->n * sizeof *grown);
  v->v = grown;
  v->n += in->n;
  v->cap = v->n;
  free(in->v);
  *in = (pv_rfiles){0};
  m->st->files = v->n;
  return 0;
}

/* What this rank found, for rank 0: each file's thread facts. */
static int export_files(merger *m)
{
  const pv_merge_export *e = m->o->export;
  for (size_t i = 0; i < m->files.n && !m->status; i++) {
    pv_rfile *f = &m->files.v[i];
    if (e->file(e->ctx, f->group, f->finished, f->thread_iri ? f->thread_iri : "") != 0)
      set_error(m, PV_MERGE_FAILED, "%s: cannot hand the file on to rank 0", f->path, NULL);
  }
  return m->status;
}

/* The next batch, or NULL: *done says whether all are through (else it is
 * time to report progress). */
static batch *pop(merger *m, int *done)
{
  pthread_mutex_lock(&m->lock);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 200000000;
  if (until.tv_nsec >= 1000000000) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000;
  }
  while (!m->head && m->workers_left > 0 && !m->abort)
    if (pthread_cond_timedwait(&m->can_pop, &m->lock, &until) == ETIMEDOUT) break;
  batch *b = m->head;
  if (b) {
    m->head = b->next;
    if (!m->head) m->tail = NULL;
    m->queued--;
    pthread_cond_signal(&m->can_push);
  }
  *done = !b && (m->workers_left == 0 || m->abort);
  pthread_mutex_unlock(&m->lock);
  return b;
}

/* ---- the store ---- */

static int store_status(int s) { return s == PV_STORE_DAMAGED ? PV_MERGE_DAMAGED : PV_MERGE_STORE; }

/* Compaction: a store of PV_STORE_SEGMENTS_MAX segments gets one new
 * segment holding all of them (and this merge's additions); readers look
 * every pattern up in each segment, so their number is kept small. */
static int fold_segments(merger *m)
{
  pv_store old;
  int rc = pv_store_open(&old, m->o->store, 0, m->err, m->errlen);
  if (rc) return m->status = store_status(rc), -1;
  librdf_stream *all = librdf_model_as_stream(old.model);
  rc = all ? 0 : -1;
  pv_bdb_adding_new(1); /* the segments hold disjoint triples */
  for (; rc == 0 && !librdf_stream_end(all); librdf_stream_next(all))
    rc = librdf_model_add_statement(m->store.model, librdf_stream_get_object(all));
  pv_bdb_adding_new(0);
  if (all) librdf_free_stream(all);
  pv_store_close(&old);
  return rc ? set_error(m, PV_MERGE_FAILED, "%s: Redland could not fold the store's segments into one%s",
                        m->o->store, NULL)
            : 0;
}

static int ensure_store(merger *m)
{
  if (m->store_open) return 0;
  int s;
  if (m->o->store) {
    static const char *const skip[] = {PV_MERGE_STATE, NULL};
    pv_target *t = &m->target;
    int layered = t->kind == PV_TARGET_STORE && t->marker.version >= 2;
    if (layered && t->marker.nseg >= PV_STORE_SEGMENTS_MAX) t->keep = 0;
    s = pv_target_prepare(t, skip, m->err, m->errlen);
    pv_marker kept = t->marker;
    kept.nseg = t->keep;
    int fresh = t->kind == PV_TARGET_NEW || layered;
    if (!s) s = pv_store_open_over(&m->store, t->root, t->keep ? &kept : NULL, t->data, fresh, m->err, m->errlen);
    m->store_open = !s;
    if (!s && layered && !t->keep && fold_segments(m)) return -1;
  } else {
    const char *tmp = getenv("TMPDIR");
    size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
    m->scratch_dir = malloc(n);
    if (!m->scratch_dir) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
    snprintf(m->scratch_dir, n, "%s/prov-merge.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(m->scratch_dir)) {
      free(m->scratch_dir);
      m->scratch_dir = NULL;
      return set_error(m, PV_MERGE_STORE, "cannot make a temporary store: %s", strerror(errno), NULL);
    }
    s = pv_store_open_data(&m->store, m->scratch_dir, 1, m->err, m->errlen);
  }
  if (s) {
    m->status = store_status(s);
    return -1;
  }
  m->cache.world = m->store.world;
  m->store_open = 1;
  return 0;
}

static int change(merger *m, const pv_term t[3], int add)
{
  if (ensure_store(m) != 0) return -1;
  librdf_statement *s = pv_rdf_statement(&m->cache, t);
  /* The seen set has said an added triple is new. */
  pv_bdb_adding_new(add);
  int rc = s ? (add ? librdf_model_add_statement(m->store.model, s)
                    : librdf_model_remove_statement(m->store.model, s))
             : -1;
  pv_bdb_adding_new(0);
  if (s) librdf_free_statement(s);
  if (rc) return set_error(m, PV_MERGE_FAILED, "%s: Redland could not %s a triple", m->o->store ? m->o->store : "store",
                           add ? "add" : "remove");
  return 0;
}

/* A record rewritten in place (a summing record, or one written at open
 * and updated as the session goes) leaves a value per merge that saw it;
 * of a counter or a time the store keeps one, the one conform.h says.
 * Only a store merged into before can hold another.  Returns 1 to store t,
 * 0 if the value already stored stands, -1 on failure. */
static int supersede(merger *m, const pv_term t[3])
{
  int keep = pv_single_valued(&t[1]);
  if (!keep || !m->incremental || t[2].kind == PV_T_IRI) return 1;
  if (ensure_store(m) != 0) return -1;
  librdf_statement *st = pv_rdf_statement(&m->cache, t);
  if (!st) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL), -1;
  librdf_iterator *it = librdf_model_get_targets(m->store.model, librdf_statement_get_subject(st),
                                                 librdf_statement_get_predicate(st));
  librdf_node *drop[8];
  size_t ndrop = 0;
  int store = 1;
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *o = librdf_iterator_get_object(it);
    if (!o || !librdf_node_is_literal(o)) continue;
    size_t len;
    const char *v = (const char *)librdf_node_get_literal_value_as_counted_string(o, &len);
    pv_term old = {PV_T_TYPED, v, (uint32_t)len, NULL, 0};
    int order;
    if (pv_literal_cmp(&t[2], &old, &order) != 0) continue;
    if (order * keep < 0 || (order == 0 && len == t[2].n && memcmp(v, t[2].s, len) == 0)) store = 0;
    else if (ndrop < sizeof drop / sizeof drop[0]) drop[ndrop++] = librdf_new_node_from_node(o);
  }
  if (it) librdf_free_iterator(it);
  pv_buf enc = {0};
  int rc = 0;
  for (size_t i = 0; i < ndrop; i++) {
    librdf_statement *old = drop[i] ? librdf_new_statement_from_nodes(
                                          m->store.world, librdf_new_node_from_node(librdf_statement_get_subject(st)),
                                          librdf_new_node_from_node(librdf_statement_get_predicate(st)), drop[i])
                                    : NULL;
    enc.len = 0;
    size_t n = old ? pv_enc_statement(&enc, old) : 0;
    if (!n || librdf_model_remove_statement(m->store.model, old)) rc = -1;
    else pv_seen_remove(m->seen, pv_hash_bytes(enc.p, n));
    if (old) librdf_free_statement(old);
  }
  pv_buf_free(&enc);
  librdf_free_statement(st);
  if (rc) return set_error(m, PV_MERGE_FAILED, "%s: Redland could not replace a value", m->o->store, NULL), -1;
  return store;
}

static int write_state(merger *m, const char *dir)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, PV_MERGE_STATE);
  unlink(path);
  FILE *f = fopen(path, "wbx");
  uint64_t n = pv_seen_count(m->seen);
  int ok = f && fwrite(STATE_MAGIC, 8, 1, f) == 1 && fwrite(&n, 8, 1, f) == 1 && pv_seen_write(m->seen, f) == 0 &&
           pv_facts_write(m->facts, f) == 0;
  if (f && fclose(f) != 0) ok = 0;
  return ok ? 0 : set_error(m, PV_MERGE_STORE, "%s: cannot write the merge state: %s", dir, strerror(errno));
}

/* Rebuilds the seen set and fact table from the store's own triples: for
 * a store without a (readable) merge state. */
static int scan_store(merger *m)
{
  pv_store s;
  int rc = pv_store_open(&s, m->o->store, 0, m->err, m->errlen);
  if (rc) return m->status = store_status(rc);
  librdf_stream *stream = librdf_model_as_stream(s.model);
  pv_buf b = {0};
  rc = stream ? 0 : -1;
  for (; rc == 0 && stream && !librdf_stream_end(stream); librdf_stream_next(stream)) {
    librdf_statement *st = librdf_stream_get_object(stream);
    b.len = 0;
    size_t n = st ? pv_enc_statement(&b, st) : 0;
    if (!n) continue; /* blank nodes: not ours to dedupe */
    pv_term t[3];
    pv_dec_triple(b.p, t);
    if (pv_seen_add(m->seen, pv_hash_bytes(b.p, n), 0) < 0 || (pv_facts_wanted(t) && pv_facts_add(m->facts, t)))
      rc = -1;
  }
  if (stream) librdf_free_stream(stream);
  pv_buf_free(&b);
  pv_store_close(&s);
  return rc ? set_error(m, PV_MERGE_STORE, "%s: cannot read the store", m->o->store, NULL) : 0;
}

static int load_state(merger *m)
{
  if (!m->o->store || m->target.kind != PV_TARGET_STORE) return 0;
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", m->target.old_data, PV_MERGE_STATE);
  FILE *f = fopen(path, "rb");
  if (f) {
    char magic[8];
    uint64_t n;
    int ok = fread(magic, 8, 1, f) == 1 && memcmp(magic, STATE_MAGIC, 8) == 0 && fread(&n, 8, 1, f) == 1 &&
             pv_seen_read(m->seen, f, n) == 0 && pv_facts_read(m->facts, f) == 0 && fgetc(f) == EOF;
    fclose(f);
    if (ok) return 0;
    /* damaged: start over from the triples themselves */
    pv_seen_free(m->seen);
    pv_facts_free(m->facts);
    m->seen = pv_seen_new(1 << 16);
    m->facts = pv_facts_new();
    if (!m->seen || !m->facts) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
  }
  return scan_store(m);
}

/* ---- derivations ---- */

static int collect(void *ctx, const pv_term t[3])
{
  derived *d = ctx;
  size_t at = d->enc.len;
  if (pv_buf_reserve(&d->enc, 4) != 0) return -1;
  d->enc.len += 4;
  size_t n = pv_enc_terms(&d->enc, t);
  if (!n) return -1;
  int added = pv_seen_add(d->set, pv_hash_bytes(d->enc.p + at + 4, n), 0);
  if (added < 0) return -1;
  if (!added) {
    d->enc.len = at; /* derived twice */
    return 0;
  }
  uint32_t len = (uint32_t)n;
  memcpy(d->enc.p + at, &len, 4);
  return 0;
}

/* expect: about how many triples will be derived */
static int derive_all(merger *m, derived *d, size_t expect)
{
  memset(d, 0, sizeof *d);
  d->set = pv_seen_new(expect);
  if (!d->set || pv_facts_derive(m->facts, collect, d) != 0)
    return set_error(m, PV_MERGE_FAILED, "out of memory while deriving%s", "", NULL);
  return 0;
}

static void derived_free(derived *d)
{
  pv_buf_free(&d->enc);
  pv_seen_free(d->set);
}

static const pv_rfile *by_group_base;

static int by_group(const void *pa, const void *pb)
{
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  int c = strcmp(by_group_base[a].group, by_group_base[b].group);
  return c ? c : (a > b) - (a < b);
}

/* Which threads' record files are all finished, as this merge saw them.
 * The files sorted by group: comparing every pair took 6.7 s at 32k files. */
static int note_threads(merger *m)
{
  pv_rfile *v = m->files.v;
  size_t n = m->files.n, *order = malloc((n ? n : 1) * sizeof *order);
  if (!order) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
  for (size_t i = 0; i < n; i++) order[i] = i;
  by_group_base = v;
  qsort(order, n, sizeof *order, by_group);
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    const char *group = v[order[i]].group, *iri = NULL;
    int complete = 1;
    for (; i < n && strcmp(v[order[i]].group, group) == 0; i++) {
      pv_rfile *f = &v[order[i]];
      if (!f->finished) m->st->files_unfinished++;
      if (f->thread_iri) iri = f->thread_iri;
      complete &= f->finished;
    }
    if (iri && pv_facts_thread(m->facts, iri, complete) != 0)
      rc = set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
  }
  free(order);
  return rc;
}

/* Encoded triples (offsets into by_subject_base) by subject, predicate. */
static const char *by_subject_base;

static int by_subject(const void *pa, const void *pb)
{
  pv_term a[3], b[3];
  pv_dec_triple(by_subject_base + *(const size_t *)pa, a);
  pv_dec_triple(by_subject_base + *(const size_t *)pb, b);
  int c = pv_bytes_cmp(a[0].s, a[0].n, b[0].s, b[0].n);
  return c ? c : pv_bytes_cmp(a[1].s, a[1].n, b[1].s, b[1].n);
}

static int update_derived(merger *m, derived *old)
{
  derived now;
  if (note_threads(m) || derive_all(m, &now, pv_seen_count(old->set) + 1024)) return -1;
  pv_term t[3];
  /* Added in subject order: the derivations come out rule by rule, with
   * subjects all over the store, and Berkeley DB's btrees took 3.5 times
   * as long per triple that way as for the records' own triples. */
  size_t n_new = 0, *fresh = NULL;
  for (size_t at = 0; at < now.enc.len;) {
    uint32_t n;
    memcpy(&n, now.enc.p + at, 4);
    if (pv_seen_state(m->seen, pv_hash_bytes(now.enc.p + at + 4, n)) == PV_SEEN_NO) {
      size_t *grown = n_new % 4096 ? fresh : realloc(fresh, (n_new + 4096) * sizeof *fresh);
      if (!grown) {
        free(fresh);
        derived_free(&now);
        return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
      }
      fresh = grown;
      fresh[n_new++] = at + 4;
    }
    at += 4 + n;
  }
  by_subject_base = now.enc.p;
  if (n_new) qsort(fresh, n_new, sizeof *fresh, by_subject);
  for (size_t i = 0; !m->status && i < n_new; i++) {
    const char *enc = now.enc.p + fresh[i];
    uint32_t n;
    memcpy(&n, enc - 4, 4);
    pv_hash h = pv_hash_bytes(enc, n);
    if (pv_seen_state(m->seen, h) != PV_SEEN_NO) continue; /* a repeat */
    pv_dec_triple(enc, t);
    if (pv_seen_add(m->seen, h, 1) < 0 || change(m, t, 1)) break;
    m->st->derived_added++;
  }
  free(fresh);
  /* Derivations that no longer hold (a version merged later came between a
   * write and a read) go, unless the capture recorded the same triple. */
  for (size_t at = 0; !m->status && at < old->enc.len;) {
    uint32_t n;
    memcpy(&n, old->enc.p + at, 4);
    const char *enc = old->enc.p + at + 4;
    at += 4 + n;
    pv_hash h = pv_hash_bytes(enc, n);
    if (pv_seen_state(now.set, h) != PV_SEEN_NO || pv_seen_state(m->seen, h) != PV_SEEN_DERIVED) continue;
    pv_dec_triple(enc, t);
    if (change(m, t, 0)) break;
    pv_seen_remove(m->seen, h);
    m->st->derived_removed++;
  }
  derived_free(&now);
  return m->status ? -1 : 0;
}

/* ---- output ---- */

static int write_output(merger *m, librdf_model *model)
{
  const char *out = m->o->output;
  int turtle = m->o->format && strcmp(m->o->format, "turtle") == 0;
  librdf_world *world = pv_store_world();
  librdf_serializer *ser = librdf_new_serializer(world, turtle ? "turtle" : "ntriples", NULL, NULL);
  if (!ser) return set_error(m, PV_MERGE_FAILED, "cannot make a %s serializer", turtle ? "Turtle" : "N-Triples", NULL);
  if (turtle) {
    static const char *const ns[][2] = {{"prov", PV_NS_PROV}, {"provio", PV_NS_PROVIO}, {"xsd", PV_NS_XSD}, {"rdf", PV_NS_RDF}};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
      librdf_uri *u = librdf_new_uri(world, (const unsigned char *)ns[i][1]);
      if (u) {
        librdf_serializer_set_namespace(ser, u, ns[i][0]);
        librdf_free_uri(u);
      }
    }
  }
  FILE *f = stdout;
  struct stat st;
  if (strcmp(out, "-") != 0 && lstat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
    /* Renaming over a device, FIFO, symlink or directory would replace it. */
    librdf_free_serializer(ser);
    return set_error(m, PV_MERGE_OUTPUT, "%s: not a regular file", out, NULL);
  }
  if (strcmp(out, "-") != 0) {
    size_t n = strlen(out) + 16;
    m->out_tmp = malloc(n);
    int fd = -1;
    if (m->out_tmp) {
      snprintf(m->out_tmp, n, "%s.tmp-XXXXXX", out);
      fd = mkstemp(m->out_tmp);
    }
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
      if (fd >= 0) close(fd);
      free(m->out_tmp);
      m->out_tmp = NULL;
      librdf_free_serializer(ser);
      return set_error(m, PV_MERGE_OUTPUT, "%s: cannot write: %s", out, strerror(errno));
    }
  }
  int rc = librdf_serializer_serialize_model_to_file_handle(ser, f, NULL, model);
  librdf_free_serializer(ser);
  if (fflush(f) != 0) rc = -1;
  if (f != stdout && (fsync(fileno(f)) != 0 || fclose(f) != 0)) rc = -1;
  if (rc) return set_error(m, PV_MERGE_OUTPUT, "%s: cannot write: %s", out, strerror(errno ? errno : EIO));
  return 0;
}

/* Renames the finished -o file into place. */
static int publish_output(merger *m)
{
  if (rename(m->out_tmp, m->o->output) != 0)
    return set_error(m, PV_MERGE_OUTPUT, "%s: cannot write: %s", m->o->output, strerror(errno));
  free(m->out_tmp);
  m->out_tmp = NULL;
  return 0;
}

static int output_unchanged_store(merger *m)
{
  pv_store s;
  int rc = pv_store_open(&s, m->o->store, 0, m->err, m->errlen);
  if (rc) return m->status = store_status(rc);
  rc = write_output(m, s.model);
  pv_store_close(&s);
  return rc;
}

/* ---- the run ---- */

static int plan(merger *m)
{
  size_t cap = 0;
  m->units_left = calloc(m->files.n + 1, sizeof *m->units_left);
  if (!m->units_left) return -1;
  for (size_t i = 0; i < m->files.n; i++) {
    pv_rfile *f = &m->files.v[i];
    const pv_merge_resume *r = m->o->resume;
    off_t from = r ? r->from(r->ctx, f) : 0;
    m->st->bytes += (uint64_t)(f->data_end > from ? f->data_end - from : 0);
    if (f->data_end <= from) m->files_done++;
    for (off_t at = from; at < f->data_end; at += PV_MERGE_WINDOW) {
      if (m->nunits == cap) {
        cap = cap ? 2 * cap : 256;
        unit *u = realloc(m->units, cap * sizeof *u);
        if (!u) return -1;
        m->units = u;
      }
      m->units[m->nunits++] = (unit){i, at, at + PV_MERGE_WINDOW};
      m->units_left[i]++;
    }
  }
  return 0;
}

static void fill_stats(merger *m)
{
  pv_merge_stats *st = m->st;
  st->files_done = __atomic_load_n(&m->files_done, __ATOMIC_RELAXED);
  st->bytes_done = __atomic_load_n(&m->bytes_done, __ATOMIC_RELAXED);
  st->triples_read = __atomic_load_n(&m->triples_read, __ATOMIC_RELAXED);
  st->duplicates = __atomic_load_n(&m->duplicates, __ATOMIC_RELAXED);
  st->seconds = since(&m->t0);
}

static void progress(merger *m, int final)
{
  if (!m->o->progress) return;
  if (!final && since(&m->last_progress) < 0.2) return;
  clock_gettime(CLOCK_MONOTONIC, &m->last_progress);
  fill_stats(m);
  m->st->store_triples = pv_seen_count(m->seen);
  m->o->progress(m->o->progress_ctx, m->st, final);
}

static int stopped(merger *m)
{
  if (m->o->stop && *m->o->stop) return set_error(m, PV_MERGE_STOPPED, "stopped by a signal%s", "", NULL);
  return m->status;
}

/* Takes the batches of the parser threads into the store. */
static void write_batches(merger *m)
{
  int done = 0;
  while (!done) {
    batch *b = pop(m, &done);
    const pv_merge_export *e = m->o->export;
    if (b && e && !m->status && e->records(e->ctx, b->buf.p, b->buf.len) != 0)
      set_error(m, PV_MERGE_FAILED, "cannot hand the records on to rank 0%s", "", NULL);
    for (size_t at = 0; b && !e && !m->status && at < b->buf.len;) {
      int fact = b->buf.p[at];
      uint32_t n;
      memcpy(&n, b->buf.p + at + 1, 4);
      pv_term t[3];
      pv_dec_triple(b->buf.p + at + 5, t);
      at += 5 + n;
      if (fact && pv_facts_add(m->facts, t) != 0) {
        set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
        break;
      }
      int store = supersede(m, t);
      if (store < 0) break;
      if (!store) {
        pv_seen_remove(m->seen, pv_hash_bytes(b->buf.p + at - n, n));
        continue;
      }
      if (change(m, t, 1) != 0) break;
      m->st->triples_new++;
    }
    if (b) {
      pv_buf_free(&b->buf);
      free(b);
    }
    if (stopped(m)) {
      stop_all(m);
      while (!done) { /* drain what the parsers already queued */
        b = pop(m, &done);
        if (b) {
          pv_buf_free(&b->buf);
          free(b);
        }
      }
      break;
    }
    progress(m, 0);
  }
}

static int by_place(const void *pa, const void *pb)
{
  const pv_merge_reject *a = pa, *b = pb;
  int c = strcmp(a->path, b->path);
  return c ? c : (a->offset > b->offset) - (a->offset < b->offset);
}

static void number_rejects(pv_merge_stats *st)
{
  qsort(st->rejects, st->nrejects, sizeof *st->rejects, by_place);
  for (size_t i = 0; i < st->nrejects;) {
    size_t j = i;
    while (j < st->nrejects && st->rejects[j].path == st->rejects[i].path) j++;
    off_t *offs = malloc((j - i) * sizeof *offs);
    long *lines = malloc((j - i) * sizeof *lines);
    if (offs && lines) {
      for (size_t k = i; k < j; k++) offs[k - i] = st->rejects[k].offset;
      pv_line_numbers(st->rejects[i].path, offs, lines, j - i);
      for (size_t k = i; k < j; k++) st->rejects[k].line = lines[k - i];
    }
    free(offs);
    free(lines);
    i = j;
  }
}

static int run(merger *m)
{
  int flags = (m->o->follow ? PV_FIND_FOLLOW : 0) | (m->o->skip_foreign ? PV_FIND_SKIP_FOREIGN : 0);
  int s = pv_rfiles_find(&m->files, m->o->inputs, m->o->ninputs, flags, m->err, m->errlen);
  m->st->warnings = m->files.warnings;
  m->st->nwarnings = m->files.nwarnings;
  m->files.warnings = NULL;
  m->files.nwarnings = 0;
  if (s) return m->status = PV_MERGE_INPUT;
  m->st->files = m->files.n;
  if (m->o->store && (s = pv_target_open(&m->target, m->o->store, m->err, m->errlen)))
    return m->status = store_status(s);
  m->st->rejects = calloc(PV_MERGE_REJECTS_KEPT, sizeof *m->st->rejects);
  if (plan(m) != 0 || !m->st->rejects) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
  /* about 120 bytes a triple; capped, as a hole in a sparse file counts
   * in bytes (the set grows as it fills) */
  uint64_t expect = m->st->bytes / 120;
  m->seen = pv_seen_new((size_t)(expect < SEEN_EXPECT_MAX ? expect : SEEN_EXPECT_MAX) + 1024);
  m->facts = pv_facts_new();
  if (!m->seen || !m->facts) return set_error(m, PV_MERGE_FAILED, "out of memory%s", "", NULL);
  if (load_state(m)) return m->status;
  m->incremental = pv_seen_count(m->seen) > 0;
  derived old;
  if (derive_all(m, &old, 1024)) return m->status;

  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t nthreads = m->o->threads > 0 ? (size_t)m->o->threads : cores > 0 ? (size_t)cores : 1;
  if (nthreads > m->nunits) nthreads = m->nunits ? m->nunits : 1;
  worker *w = calloc(nthreads, sizeof *w);
  m->max_queued = BATCHES_PER_THREAD * nthreads;
  size_t started = 0;
  for (; w && started < nthreads; started++) {
    w[started].m = m;
    w[started].reader = pv_reader_new();
    if (!w[started].reader) break;
    m->workers_left++;
    if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0) {
      m->workers_left--;
      pv_reader_free(w[started].reader);
      break;
    }
  }
  pv_merge_import imp = {.w = {.m = m}};
  pthread_t importer;
  int importing = started && m->o->import;
  if (importing) {
    m->workers_left++;
    if (pthread_create(&importer, NULL, import_thread, &imp) != 0) {
      m->workers_left--;
      importing = 0;
      set_error(m, PV_MERGE_FAILED, "cannot start the thread that takes the other ranks' records%s", "", NULL);
      stop_all(m);
    }
  }
  if (started == 0) set_error(m, PV_MERGE_FAILED, "cannot start parser threads%s", "", NULL);
  else write_batches(m);
  for (size_t i = 0; i < started; i++) {
    pthread_join(w[i].thread, NULL);
    pv_reader_free(w[i].reader);
    pv_buf_free(&w[i].scratch);
  }
  free(w);
  if (importing) pthread_join(importer, NULL);
  fill_stats(m);
  if (m->o->export) {
    if (!m->status) export_files(m);
    number_rejects(m->st);
    derived_free(&old);
    return m->status;
  }
  if (!m->status) adopt_imported(m);
  if (!m->status && !stopped(m)) update_derived(m, &old);
  derived_free(&old);
  number_rejects(m->st);
  if (m->status) return m->status;

  /* A merge into a new place always leaves a store there, even if empty. */
  if ((!m->o->store || m->target.kind == PV_TARGET_NEW) && ensure_store(m) != 0) return m->status;
  m->st->store_changed = m->store_open;
  m->st->store_triples = pv_seen_count(m->seen);
  if (m->store_open) {
    if (write_state(m, m->o->store ? m->target.data : m->scratch_dir)) return m->status;
    librdf_model_sync(m->store.model);
    if (pv_bdb_put_failed())
      return set_error(m, PV_MERGE_FAILED, "%s: Berkeley DB could not write the store%s", m->o->store ? m->o->store : "store", "");
    if (m->o->output && write_output(m, m->store.model)) return m->status;
    pv_rdf_cache_free(&m->cache);
    pv_store_close(&m->store);
    m->store_open = 0;
    if (stopped(m)) return m->status;
    /* The output first: if it cannot be put in place, the store stays as it was. */
    if (m->out_tmp && publish_output(m)) return m->status;
    if (m->o->store && pv_target_commit(&m->target, PV_MERGE_STATE, m->err, m->errlen)) return m->status = PV_MERGE_STORE;
  } else if (m->o->output && output_unchanged_store(m)) {
    return m->status;
  }
  if (m->out_tmp && publish_output(m)) return m->status;
  return PV_MERGE_OK;
}

int pv_merge(const pv_merge_opts *o, pv_merge_stats *st, char *err, size_t errlen)
{
  memset(st, 0, sizeof *st);
  merger m = {.o = o, .st = st, .err = err, .errlen = errlen};
  err[0] = 0;
  pthread_mutex_init(&m.lock, NULL);
  pthread_cond_init(&m.can_pop, NULL);
  pthread_cond_init(&m.can_push, NULL);
  m.target.lock_fd = -1;
  clock_gettime(CLOCK_MONOTONIC, &m.t0);
  m.last_progress = m.t0;
  /* Redland reports through its log: keep it off the terminal. */
  pv_store_world();
  pv_bdb_cache(BDB_CACHE);

  int status = run(&m);
  if (!status) progress(&m, 1);
  for (size_t i = 0; !status && o->resume && i < m.files.n; i++) o->resume->read(o->resume->ctx, &m.files.v[i]);

  if (m.store_open) {
    pv_rdf_cache_free(&m.cache);
    pv_store_close(&m.store);
  }
  if (m.scratch_dir) {
    pv_remove_dir(m.scratch_dir);
    free(m.scratch_dir);
  }
  if (m.out_tmp) {
    unlink(m.out_tmp);
    free(m.out_tmp);
  }
  pv_target_close(&m.target);
  st->seconds = since(&m.t0);
  /* the reject paths point into the file list: keep it alive with them */
  st->files = m.files.n;
  for (size_t i = 0; i < st->nrejects; i++) st->rejects[i].path = strdup(st->rejects[i].path);
  pv_rfiles_free(&m.files);
  pv_rfiles_free(&m.imported);
  free(m.units);
  free(m.units_left);
  pv_seen_free(m.seen);
  pv_facts_free(m.facts);
  pthread_mutex_destroy(&m.lock);
  pthread_cond_destroy(&m.can_pop);
  pthread_cond_destroy(&m.can_push);
  return status;
}

void pv_merge_stats_free(pv_merge_stats *st)
{
  for (size_t i = 0; i < st->nrejects; i++) {
    free((char *)st->rejects[i].path);
    free(st->rejects[i].why);
  }
  free(st->rejects);
  for (size_t i = 0; i < st->nwarnings; i++) free(st->warnings[i]);
  free(st->warnings);
  memset(st, 0, sizeof *st);
}
