/* derive.c - the fact table and the derivations of docs/model.md
 * ("Version model"). */
#include "derive_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seen.h"
#include "vocab.h"


/* ---- the vocabulary the derivations read and write ---- */

enum pred {
  P_TYPE, P_THREAD_OF, P_HOST, P_PID, P_PPID, P_STARTED, P_ENDED, P_ENDED_BY, P_FORKED_FROM, P_PART_OF,
  P_FILE, P_OBJECT, P_VERSION, P_READS, P_SPEC_OF, P_GEN_BY, P_GEN_AT, P_RENAMED_FROM, P_READS_PIPE, P_WRITES_PIPE,
  P_FIRST_READ, P_LAST_READ, P_FIRST_WRITE, P_FILE_ID, P_NEW_CONTENT, P_LIB_INTERNAL, P_OPERATION, P_TARGET,
  P_RANK, P_JOB, P_EXECUTABLE, P_PEER_RANK, P_COMMUNICATOR, P_DIRECTION, P_FIRST_AT, P_LAST_AT,
  P_VIA_LAYER, P_AT_TIME, P_CONFIG_FILE, P_CHECKPOINT, P_STEP, P_ARTIFACT, P_COUNT
};

/* Local names after their namespace: pred_of compares the namespace once. */
static const struct { const char *ns, *local; } pred_name[P_COUNT] = {
    [P_TYPE] = {PV_NS_RDF, "type"},
    [P_THREAD_OF] = {PV_NS_PROVIO, "threadOf"},
    [P_HOST] = {PV_NS_PROVIO, "host"},
    [P_PID] = {PV_NS_PROVIO, "pid"},
    [P_PPID] = {PV_NS_PROVIO, "ppid"},
    [P_STARTED] = {PV_NS_PROV, "startedAtTime"},
    [P_ENDED] = {PV_NS_PROV, "endedAtTime"},
    [P_ENDED_BY] = {PV_NS_PROVIO, "endedBy"},
    [P_FORKED_FROM] = {PV_NS_PROVIO, "forkedFrom"},
    [P_PART_OF] = {PV_NS_PROVIO, "partOf"},
    [P_FILE] = {PV_NS_PROVIO, "file"},
    [P_OBJECT] = {PV_NS_PROVIO, "object"},
    [P_VERSION] = {PV_NS_PROVIO, "version"},
    [P_READS] = {PV_NS_PROVIO, "reads"},
    [P_SPEC_OF] = {PV_NS_PROV, "specializationOf"},
    [P_GEN_BY] = {PV_NS_PROV, "wasGeneratedBy"},
    [P_GEN_AT] = {PV_NS_PROV, "generatedAtTime"},
    [P_RENAMED_FROM] = {PV_NS_PROVIO, "renamedFrom"},
    [P_READS_PIPE] = {PV_NS_PROVIO, "readsPipe"},
    [P_WRITES_PIPE] = {PV_NS_PROVIO, "writesPipe"},
    [P_FIRST_READ] = {PV_NS_PROVIO, "firstReadAt"},
    [P_LAST_READ] = {PV_NS_PROVIO, "lastReadAt"},
    [P_FIRST_WRITE] = {PV_NS_PROVIO, "firstWriteAt"},
    [P_FILE_ID] = {PV_NS_PROVIO, "fileId"},
    [P_NEW_CONTENT] = {PV_NS_PROVIO, "newContent"},
    [P_LIB_INTERNAL] = {PV_NS_PROVIO, "libraryInternal"},
    [P_OPERATION] = {PV_NS_PROVIO, "operation"},
    [P_TARGET] = {PV_NS_PROVIO, "target"},
    [P_RANK] = {PV_NS_PROVIO, "rank"},
    [P_JOB] = {PV_NS_PROVIO, "partOfJob"},
    [P_EXECUTABLE] = {PV_NS_PROVIO, "executable"},
    [P_PEER_RANK] = {PV_NS_PROVIO, "peerRank"},
    [P_COMMUNICATOR] = {PV_NS_PROVIO, "communicator"},
    [P_DIRECTION] = {PV_NS_PROVIO, "direction"},
    [P_FIRST_AT] = {PV_NS_PROVIO, "firstAt"},
    [P_LAST_AT] = {PV_NS_PROVIO, "lastAt"},
    [P_VIA_LAYER] = {PV_NS_PROVIO, "viaLayer"},
    [P_AT_TIME] = {PV_NS_PROV, "atTime"},
    [P_CONFIG_FILE] = {PV_NS_PROVIO, "configFile"},
    [P_CHECKPOINT] = {PV_NS_PROVIO, "checkpoint"},
    [P_STEP] = {PV_NS_PROVIO, "step"},
    [P_ARTIFACT] = {PV_NS_PROVIO, "artifact"},
};

#define FILE_ACCESS PV_NS_PROVIO "FileAccess"
#define HDF5_ACCESS PV_NS_PROVIO "Hdf5Access" /* its provio:object plays the file */
#define THREAD PV_NS_PROVIO "Thread"
#define DATA_FLOW PV_NS_PROVIO "DataFlow"
#define CONFIG_USE PV_NS_PROVIO "ConfigFileUse"
#define CHECKPOINT_MARK PV_NS_PROVIO "CheckpointMark"
#define IO_CALL PV_NS_PROVIO "IoCall" /* trace mode: one per call, never a fact */

static int has_prefix(const pv_term *t, const char *ns, size_t n) { return t->n > n && memcmp(t->s, ns, n) == 0; }

/* Called for every triple by the parser threads: one namespace compare,
 * then local names of the right length only. */
static int pred_of(const pv_term *p)
{
  if (p->kind != PV_T_IRI) return -1;
  const char *ns;
  size_t nl;
  if (has_prefix(p, PV_NS_PROVIO, sizeof PV_NS_PROVIO - 1)) ns = PV_NS_PROVIO, nl = sizeof PV_NS_PROVIO - 1;
  else if (has_prefix(p, PV_NS_PROV, sizeof PV_NS_PROV - 1)) ns = PV_NS_PROV, nl = sizeof PV_NS_PROV - 1;
  else if (has_prefix(p, PV_NS_RDF, sizeof PV_NS_RDF - 1)) ns = PV_NS_RDF, nl = sizeof PV_NS_RDF - 1;
  else return -1;
  const char *local = p->s + nl;
  size_t ln = p->n - nl;
  for (int i = 0; i < P_COUNT; i++)
    if (pred_name[i].ns == ns && strlen(pred_name[i].local) == ln && memcmp(pred_name[i].local, local, ln) == 0)
      return i;
  return -1;
}

static int literal_is(const pv_term *o, const char *s)
{
  size_t n = strlen(s);
  return o->kind != PV_T_IRI && o->n == n && memcmp(o->s, s, n) == 0;
}

int pv_facts_wanted(const pv_term t[3])
{
  int p = pred_of(&t[1]);
  if (t[0].kind != PV_T_IRI) return 0;
  if (p < 0) return pv_domain_wanted(t);
  if (p == P_TYPE)
    return pv_term_is(&t[2], FILE_ACCESS) || pv_term_is(&t[2], HDF5_ACCESS) || pv_term_is(&t[2], THREAD) ||
           pv_term_is(&t[2], DATA_FLOW) || pv_term_is(&t[2], CONFIG_USE) || pv_term_is(&t[2], CHECKPOINT_MARK) ||
           pv_term_is(&t[2], IO_CALL) || pv_domain_wanted(t);
  return 1;
}

/* ---- the table ---- */

static size_t str_hash(const char *s, size_t n, uint32_t flags)
{
  uint64_t h = 1469598103934665603ULL ^ (flags & F_LITERAL);
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return (size_t)(h ^ (h >> 29));
}

pv_facts *pv_facts_new(void)
{
  pv_facts *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->mask = 1023;
  f->index = malloc((f->mask + 1) * sizeof *f->index);
  f->calls = pv_seen_new(1024);
  if (!f->index || !f->calls) {
    free(f->index);
    pv_seen_free(f->calls);
    free(f);
    return NULL;
  }
  memset(f->index, 0xff, (f->mask + 1) * sizeof *f->index);
  return f;
}

void pv_facts_free(pv_facts *f)
{
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) free(f->v[i].s);
  free(f->v);
  free(f->ut);
  free(f->index);
  pv_seen_free(f->calls);
  free(f);
}

static int32_t *slot_for(pv_facts *f, const char *s, size_t n, uint32_t lit)
{
  size_t i = str_hash(s, n, lit) & f->mask;
  for (;;) {
    int32_t k = f->index[i];
    if (k == NONE) return &f->index[i];
    node *x = &f->v[k];
    if (x->n == n && (x->flags & F_LITERAL) == lit && memcmp(x->s, s, n) == 0) return &f->index[i];
    i = (i + 1) & f->mask;
  }
}

static int rehash(pv_facts *f)
{
  size_t size = 2 * (f->mask + 1);
  int32_t *index = malloc(size * sizeof *index);
  if (!index) return -1;
  memset(index, 0xff, size * sizeof *index);
  free(f->index);
  f->index = index;
  f->mask = size - 1;
  for (size_t k = 0; k < f->n; k++) *slot_for(f, f->v[k].s, f->v[k].n, f->v[k].flags & F_LITERAL) = (int32_t)k;
  return 0;
}

int32_t pv_facts_intern(pv_facts *f, const char *s, size_t n, uint32_t lit)
{
  int32_t *slot = slot_for(f, s, n, lit);
  if (*slot != NONE) return *slot;
  if ((f->n + 1) * 2 > f->mask + 1) {
    if (rehash(f) != 0) return NONE;
    slot = slot_for(f, s, n, lit);
  }
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 256;
    node *v = realloc(f->v, cap * sizeof *v);
    if (!v) return NONE;
    f->v = v;
    f->cap = cap;
  }
  node *x = &f->v[f->n];
  memset(x, 0, sizeof *x);
  x->s = malloc(n ? n : 1);
  if (!x->s) return NONE;
  memcpy(x->s, s, n);
  x->n = (uint32_t)n;
  x->flags = lit;
  x->host = x->forked_from = x->part_of = x->file = x->version = x->spec_of = x->gen_by = NONE;
  x->renamed_from = x->thread_of = x->reads_pipe = x->writes_pipe = NONE;
  x->file_id = x->target = x->job = x->executable = x->communicator = x->parent = x->artifact_of = NONE;
  *slot = (int32_t)f->n;
  return (int32_t)f->n++;
}

/* The node an object names (an IRI, or with lit a string) in *k, left
 * NONE if the object is of the other kind.  Into a local: interning may
 * move the table.  -1 if memory ran out. */
static int object_node(pv_facts *f, const pv_term *o, uint32_t lit, int32_t *k)
{
  *k = NONE;
  if ((lit && o->kind == PV_T_IRI) || (!lit && o->kind != PV_T_IRI)) return 0;
  *k = pv_facts_intern(f, o->s, o->n, lit);
  return *k == NONE ? -1 : 0;
}

/* Keeps the least (first) or greatest (last) of the times a record
 * rewritten in place leaves. */
static void keep_time(node *x, uint32_t flag, int64_t *slot, int64_t v, int least)
{
  if (!(x->flags & flag) || (least ? v < *slot : v > *slot)) *slot = v;
  x->flags |= flag;
}

int pv_facts_add(pv_facts *f, const pv_term t[3])
{
  int p = pred_of(&t[1]);
  if (t[0].kind != PV_T_IRI || (p < 0 && !pv_domain_wanted(t))) return 0;
  /* A trace-mode call carries partOf, file and times too, one per call:
   * known by its type (written first), it gets no node. */
  pv_hash h = pv_hash_bytes(t[0].s, t[0].n);
  if (p == P_TYPE && pv_term_is(&t[2], IO_CALL)) {
    int32_t *slot = slot_for(f, t[0].s, t[0].n, 0);
    if (*slot != NONE) f->v[*slot].flags |= F_CALL; /* typed late: left out when saved */
    return pv_seen_add(f->calls, h, 0) < 0 ? -1 : 0;
  }
  if (pv_seen_state(f->calls, h) != PV_SEEN_NO) return 0;
  int32_t s = pv_facts_intern(f, t[0].s, t[0].n, 0);
  if (s == NONE) return -1;
  if (p < 0) return pv_domain_add(f, s, t);
  const pv_term *o = &t[2];
  int64_t v;
#define X (f->v[s])
  switch (p) {
  case P_TYPE:
    if (pv_term_is(o, FILE_ACCESS) || pv_term_is(o, HDF5_ACCESS)) X.flags |= F_ACCESS;
    if (pv_term_is(o, THREAD)) X.flags |= F_THREAD;
    if (pv_term_is(o, DATA_FLOW)) X.flags |= F_FLOW;
    if (pv_term_is(o, CONFIG_USE)) X.flags |= F_CONFIG_USE;
    if (pv_term_is(o, CHECKPOINT_MARK)) X.flags |= F_CHECKPOINT;
    return pv_domain_wanted(t) ? pv_domain_add(f, s, t) : 0;
  case P_HOST:
  case P_READS_PIPE:
  case P_WRITES_PIPE:
  case P_FILE_ID:
  case P_COMMUNICATOR: {
    int32_t k;
    if (object_node(f, o, F_LITERAL, &k)) return -1;
    if (k == NONE) return 0;
    int32_t *slot = p == P_HOST ? &X.host : p == P_READS_PIPE ? &X.reads_pipe : p == P_WRITES_PIPE ? &X.writes_pipe
                  : p == P_FILE_ID ? &X.file_id : &X.communicator;
    *slot = k;
    return 0;
  }
  case P_PID:
  case P_PPID:
  case P_READS:
  case P_RANK:
  case P_PEER_RANK:
  case P_STEP:
    if (pv_term_long(o, &v) != 0) return 0;
    if (p == P_STEP) X.step = v, X.flags |= F_STEP;
    if (p == P_PID) X.pid = v, X.flags |= F_PID;
    if (p == P_PPID) X.ppid = v, X.flags |= F_PPID;
    if (p == P_RANK) X.rank = v, X.flags |= F_RANK;
    if (p == P_PEER_RANK) X.peer = v, X.flags |= F_PEER;
    if (p == P_READS && v > X.reads) X.reads = v; /* a summing record grows */
    return 0;
  case P_STARTED:
  case P_ENDED:
  case P_GEN_AT:
  case P_FIRST_READ:
  case P_LAST_READ:
  case P_FIRST_WRITE:
  case P_FIRST_AT:
  case P_LAST_AT:
  case P_AT_TIME:
    /* A summing record's end, last read and generation times are
     * rewritten in place as sessions go: the latest value seen is the
     * true one; of first times, the earliest. */
    if (pv_term_time(o, &v) != 0) return 0;
    switch (p) {
    case P_STARTED:
    case P_AT_TIME: keep_time(&X, F_START, &X.start, v, 1); break; /* a record's time: when its act began */
    case P_ENDED: keep_time(&X, F_END, &X.end, v, 0); break;
    case P_GEN_AT: keep_time(&X, F_GEN, &X.gen, v, 0); break;
    case P_FIRST_READ: keep_time(&X, F_FIRST_READ, &X.first_read, v, 1); break;
    case P_LAST_READ: keep_time(&X, F_LAST_READ, &X.last_read, v, 0); break;
    case P_FIRST_WRITE: keep_time(&X, F_FIRST_WRITE, &X.first_write, v, 1); break;
    case P_FIRST_AT: keep_time(&X, F_FIRST_AT, &X.first_at, v, 1); break;
    default: keep_time(&X, F_LAST_AT, &X.last_at, v, 0); break;
    }
    return 0;
  case P_ENDED_BY:
    if (o->kind == PV_T_IRI) return 0;
    if (literal_is(o, "unknown")) return 0; /* ours, not a fact */
    X.flags |= F_ENDED;
    if (literal_is(o, "exec")) X.flags |= F_EXEC;
    return 0;
  case P_NEW_CONTENT:
  case P_LIB_INTERNAL:
    if (literal_is(o, "true") || literal_is(o, "1")) X.flags |= p == P_NEW_CONTENT ? F_NEW_CONTENT : F_LIB_INTERNAL;
    return 0;
  case P_VIA_LAYER:
    if (literal_is(o, "hdf5")) X.flags |= F_VIA_HDF5;
    return 0;
  case P_OPERATION:
    if (literal_is(o, "unlink")) X.flags |= F_UNLINK;
    if (literal_is(o, "rename")) X.flags |= F_RENAME;
    return 0;
  case P_DIRECTION:
    if (literal_is(o, "in")) X.flags |= F_DIR_IN;
    if (literal_is(o, "out")) X.flags |= F_DIR_OUT;
    if (literal_is(o, "both")) X.flags |= F_DIR_IN | F_DIR_OUT;
    return 0;
  default: {
    int32_t k;
    if (object_node(f, o, 0, &k)) return -1;
    if (k == NONE) return 0;
    switch (p) {
    case P_THREAD_OF: X.thread_of = k; break;
    case P_FORKED_FROM: X.forked_from = k; break;
    case P_PART_OF: X.part_of = k; break;
    case P_FILE:
    case P_OBJECT: X.file = k; break;
    case P_VERSION: X.version = k; break;
    case P_SPEC_OF: X.spec_of = k; break;
    case P_GEN_BY: X.gen_by = k; break;
    case P_RENAMED_FROM: X.renamed_from = k; break;
    case P_TARGET: X.target = k; break;
    case P_JOB: X.job = k; break;
    case P_EXECUTABLE: X.executable = k; break;
    case P_CONFIG_FILE:
    case P_CHECKPOINT: f->v[k].part_of = s; break; /* <proc> provio:configFile <record> */
    case P_ARTIFACT: f->v[k].artifact_of = s; break;
    }
    return 0;
  }
  }
#undef X
}

int pv_facts_thread(pv_facts *f, const char *thread_iri, int complete)
{
  int32_t k = pv_facts_intern(f, thread_iri, strlen(thread_iri), 0);
  if (k == NONE) return -1;
  f->v[k].flags |= complete ? F_COMPLETE : F_INCOMPLETE;
  return 0;
}

/* ---- derivations ---- */


static void *grow(deriver *d, void *p, size_t *cap, size_t n, size_t size)
{
  if (n < *cap) return p;
  size_t c = *cap ? 2 * *cap : 256;
  void *q = realloc(p, c * size);
  if (!q) {
    d->status = -1;
    return NULL;
  }
  *cap = c;
  return q;
}

static void add_seen(deriver *d, int32_t proc, int64_t r1, src x)
{
  seen *s = grow(d, d->sn, &d->capsn, d->nsn, sizeof *s);
  if (!s) return;
  d->sn = s;
  s[d->nsn++] = (seen){proc, r1, x};
}

static void add_want(deriver *d, int32_t proc, int64_t bound, src to)
{
  want *w = grow(d, d->wn, &d->capwn, d->nwn, sizeof *w);
  if (!w) return;
  d->wn = w;
  w[d->nwn++] = (want){proc, bound, to};
}

static int same_src(src a, src b) { return a.kind == b.kind && a.a == b.a && a.b == b.b; }

static void put(deriver *d, pv_buf *b, const char *s, size_t n)
{
  if (d->status || pv_buf_reserve(b, n) != 0) {
    d->status = -1;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

/* The IRI of x, built in b if it is not a node's. */
static pv_term src_term(deriver *d, src x, pv_buf *b)
{
  const node *n = &d->f->v[x.a];
  if (x.kind == K_NODE) return iri_term(n);
  static const char *const suffix[] = {[K_JOINT] = "/joint", [K_MSG] = "/data", [K_EXCH] = "/exchange/"};
  b->len = 0;
  put(d, b, n->s, n->n);
  put(d, b, suffix[x.kind], strlen(suffix[x.kind]));
  if (x.kind == K_EXCH) put(d, b, d->f->v[x.b].s, d->f->v[x.b].n);
  if (d->status) return iri_of("");
  return (pv_term){PV_T_IRI, b->p, (uint32_t)b->len, NULL, 0};
}

void pv_derive_emit(deriver *d, src s, const char *pred, const pv_term *o)
{
  if (d->status) return;
  pv_term t[3] = {src_term(d, s, &d->buf[0]), iri_of(pred), *o};
  if (!d->status) d->status = d->emit(d->ctx, t);
}

void pv_derive_emit_src(deriver *d, src s, const char *pred, src o)
{
  pv_term t = src_term(d, o, &d->buf[1]);
  pv_derive_emit(d, s, pred, &t);
}

static void emit_ref(deriver *d, int32_t s, const char *pred, int32_t o) { pv_derive_emit_src(d, node_src(s), pred, node_src(o)); }

void pv_derive_emit_type(deriver *d, src s, const char *cls)
{
  pv_term t = iri_of(cls);
  pv_derive_emit(d, s, PV_NS_RDF "type", &t);
}

static pv_term time_term(int64_t us, char at[40])
{
  time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  int len = snprintf(at, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us - (int64_t)sec * 1000000));
  return (pv_term){PV_T_TYPED, at, (uint32_t)len, PV_NS_XSD "dateTime", sizeof PV_NS_XSD "dateTime" - 1};
}

/* A qualified usage or generation (PROV-O's qualified pattern): the
 * influence is a node of its own, <base><suffix> after the session or
 * version it stands for (no blank nodes: stores merge), with its time. */
typedef struct qualified {
  const char *pred, *cls, *role;
} qualified;

static const qualified usage = {PV_NS_PROV "qualifiedUsage", PV_NS_PROV "Usage", PV_NS_PROV "entity"};
static const qualified generation = {PV_NS_PROV "qualifiedGeneration", PV_NS_PROV "Generation", PV_NS_PROV "activity"};

static void emit_qualified(deriver *d, const qualified *k, src owner, src base, const char *suffix, src to, int64_t us)
{
  pv_buf *b = &d->buf[2];
  pv_term bt = src_term(d, base, &d->buf[0]);
  b->len = 0;
  put(d, b, bt.s, bt.n);
  put(d, b, suffix, strlen(suffix));
  if (d->status) return;
  pv_term q = {PV_T_IRI, b->p, (uint32_t)b->len, NULL, 0};
  pv_derive_emit(d, owner, k->pred, &q);
  char at[40];
  pv_term role = src_term(d, to, &d->buf[1]);
  q = (pv_term){PV_T_IRI, b->p, (uint32_t)b->len, NULL, 0};
  const pv_term facts[][2] = {
      {iri_of(PV_NS_RDF "type"), iri_of(k->cls)},
      {iri_of(k->role), role},
      {iri_of(PV_NS_PROV "atTime"), time_term(us, at)},
  };
  for (size_t i = 0; i < sizeof facts / sizeof facts[0] && !d->status; i++) {
    pv_term t[3] = {q, facts[i][0], facts[i][1]};
    d->status = d->emit(d->ctx, t);
  }
}

/* Sort helpers work on arrays; the table is reached through a file-scope
 * pointer because qsort has no context argument. */
static const pv_facts *sorting;
static const unit *sorting_units;

static int cmp_str(const node *a, const node *b) { return pv_bytes_cmp(a->s, a->n, b->s, b->n); }

#define CMP(x, y) \
  do { \
    if ((x) != (y)) return (x) < (y) ? -1 : 1; \
  } while (0)

static int cmp_src(src a, src b)
{
  CMP(a.kind, b.kind);
  CMP(a.a, b.a);
  CMP(a.b, b.b);
  return 0;
}

/* write sessions: by file, job, open time */
static int by_session(const void *pa, const void *pb)
{
  const ver *a = pa, *b = pb;
  const node *va = &sorting->v[a->v], *vb = &sorting->v[b->v];
  CMP(va->spec_of, vb->spec_of);
  CMP(a->job, b->job);
  CMP(a->s0, b->s0);
  return cmp_str(va, vb);
}

static int by_chain(const void *pa, const void *pb)
{
  const entry *a = pa, *b = pb;
  CMP(a->ka, b->ka);
  CMP(a->kb, b->kb);
  CMP(a->first, b->first);
  if (a->unit == b->unit) return 0;
  return cmp_str(&sorting->v[sorting_units[a->unit].m], &sorting->v[sorting_units[b->unit].m]);
}

static int by_cut(const void *pa, const void *pb)
{
  const cut *a = pa, *b = pb;
  CMP(a->path, b->path);
  CMP(a->at, b->at);
  return 0;
}

static int by_proc_src(const void *pa, const void *pb)
{
  const seen *a = pa, *b = pb;
  CMP(a->proc, b->proc);
  int c = cmp_src(a->x, b->x);
  if (c) return c;
  CMP(a->r1, b->r1);
  return 0;
}

static int by_proc_time(const void *pa, const void *pb)
{
  const seen *a = pa, *b = pb;
  CMP(a->proc, b->proc);
  CMP(a->r1, b->r1);
  return cmp_src(a->x, b->x);
}

static int by_want(const void *pa, const void *pb)
{
  const want *a = pa, *b = pb;
  CMP(a->proc, b->proc);
  int c = cmp_src(a->to, b->to);
  if (c) return c;
  CMP(b->bound, a->bound); /* the latest bound first */
  return 0;
}

static int by_edge(const void *pa, const void *pb)
{
  const edge *a = pa, *b = pb;
  CMP(a->to, b->to);
  CMP(a->from, b->from);
  return 0;
}

typedef struct contrib {
  int32_t proc;
  int64_t last;
} contrib;

/* a joint version's contributors: by IRI, the latest change first */
static int by_contributor(const void *pa, const void *pb)
{
  const contrib *a = pa, *b = pb;
  if (a->proc != b->proc) return cmp_str(&sorting->v[a->proc], &sorting->v[b->proc]);
  CMP(b->last, a->last);
  return 0;
}

/* processes: by host, pid, start */
static int by_image(const void *pa, const void *pb)
{
  const node *a = &sorting->v[*(const int32_t *)pa], *b = &sorting->v[*(const int32_t *)pb];
  CMP(a->host, b->host);
  CMP(a->pid, b->pid);
  CMP(a->start, b->start);
  return cmp_str(a, b);
}

/* MPI processes: by job, rank, start */
static int by_rank(const void *pa, const void *pb)
{
  const node *a = &sorting->v[*(const int32_t *)pa], *b = &sorting->v[*(const int32_t *)pb];
  CMP(a->job, b->job);
  CMP(a->rank, b->rank);
  CMP(a->start, b->start);
  return cmp_str(a, b);
}

static int is_process(const node *x) { return (x->flags & F_PID) && x->host != NONE; }

/* Running at time t: started by then, not ended before. */
static int running_at(const node *p, int64_t t)
{
  return (p->flags & F_START) && p->start <= t && (!(p->flags & F_END) || p->end >= t);
}

/* The versions, with their first and last change, chain and session. */
static int collect_versions(deriver *d)
{
  pv_facts *f = d->f;
  d->vs = malloc((f->n + 1) * sizeof *d->vs);
  d->unit_of = malloc((f->n + 1) * sizeof *d->unit_of);
  int32_t *acc_of = d->unit_of; /* borrowed until the units are made */
  if (!d->vs || !d->unit_of) return d->status = -1;
  for (size_t k = 0; k < f->n; k++) acc_of[k] = NONE;
  for (size_t k = 0; k < f->n; k++)
    if ((f->v[k].flags & F_ACCESS) && f->v[k].version != NONE) acc_of[f->v[k].version] = (int32_t)k;
  /* A session's version is of the session's file: the records leave it
   * out (docs/model.md, "What the records leave out"); given again at
   * every merge, so it is never withdrawn. */
  for (size_t k = 0; k < f->n; k++) {
    node *x = &f->v[k];
    int32_t file = acc_of[k] != NONE ? f->v[acc_of[k]].file : NONE;
    if (file == NONE || (x->spec_of != NONE && x->spec_of != file)) continue;
    x->spec_of = file;
    pv_derive_emit_src(d, node_src((int32_t)k), PV_NS_PROV "specializationOf", node_src(file));
  }
  for (size_t k = 0; k < f->n; k++) {
    node *x = &f->v[k];
    if (x->spec_of == NONE || !(x->flags & F_GEN)) continue;
    ver v = {(int32_t)k, acc_of[k], x->gen_by, NONE, NONE, PATH, x->spec_of, x->gen, x->gen, x->gen, x->gen};
    if (v.acc != NONE) {
      node *a = &f->v[v.acc];
      if (a->flags & F_FIRST_WRITE) v.first = a->first_write; /* else it was the last: x->gen */
      if (a->flags & F_START) v.s0 = a->start;
      if ((a->flags & F_END) && a->end > v.s1) v.s1 = a->end;
      if (a->part_of != NONE) {
        v.proc = a->part_of;
        node *p = &f->v[a->part_of];
        v.job = p->job;
        if (a->file_id != NONE && p->host != NONE) v.ka = p->host, v.kb = a->file_id;
      }
    }
    if (v.first > v.last) v.first = v.last;
    if (v.s0 > v.first) v.s0 = v.first;
    d->vs[d->nv++] = v;
  }
  return d->status;
}

/* Overlapping write sessions of one job on one file are one version:
 * a sweep over the sessions sorted by file, job and open time. */
/* Until when later write sessions of the same file and job join a
 * session's joint version: its close, or for an MPI rank the rank's end.
 * Ranks of an N-1 file open, write and close on their own: rank 1 may open
 * after rank 0 closed, and their blocks are still one content. */
static int64_t joins_until(const pv_facts *f, const ver *v)
{
  const node *p = v->proc != NONE ? &f->v[v->proc] : NULL;
  if (p && (p->flags & F_RANK) && (p->flags & F_END) && p->end > v->s1) return p->end;
  return v->s1;
}

/* A process that replaces the content it wrote before (a later session,
 * new content) starts a version of its own, not part of the joint one;
 * a session opened inside another of the process (POSIX under MPI-IO)
 * is the same write.  in_group[p]: 1 + the first session of the group p
 * last wrote in, closed[p] when that session closed. */
static int rewrites(const pv_facts *f, const ver *v, size_t group, const size_t *in_group, const int64_t *closed)
{
  return v->proc != NONE && in_group[v->proc] == group + 1 && v->s0 > closed[v->proc] &&
         (f->v[v->v].flags & F_NEW_CONTENT);
}

static void make_units(deriver *d)
{
  pv_facts *f = d->f;
  d->us = malloc((d->nv + 1) * sizeof *d->us);
  if (!d->us) {
    d->status = -1;
    return;
  }
  size_t *in_group = calloc(f->n + 1, sizeof *in_group);
  int64_t *closed = malloc((f->n + 1) * sizeof *closed);
  if (!in_group || !closed) {
    free(in_group);
    free(closed);
    d->status = -1;
    return;
  }
  sorting = f;
  qsort(d->vs, d->nv, sizeof *d->vs, by_session);
  for (size_t k = 0; k < f->n; k++) d->unit_of[k] = NONE;
  for (size_t i = 0; i < d->nv;) {
    size_t j = i + 1;
    int64_t end = joins_until(f, &d->vs[i]);
    if (d->vs[i].proc != NONE) in_group[d->vs[i].proc] = i + 1, closed[d->vs[i].proc] = d->vs[i].s1;
    if (d->vs[i].acc != NONE && d->vs[i].job != NONE)
      for (; j < d->nv && d->vs[j].acc != NONE && f->v[d->vs[j].v].spec_of == f->v[d->vs[i].v].spec_of &&
             d->vs[j].job == d->vs[i].job && d->vs[j].s0 <= end && !rewrites(f, &d->vs[j], i, in_group, closed);
           j++) {
        if (joins_until(f, &d->vs[j]) > end) end = joins_until(f, &d->vs[j]);
        if (d->vs[j].proc != NONE && (in_group[d->vs[j].proc] != i + 1 || d->vs[j].s1 > closed[d->vs[j].proc]))
          in_group[d->vs[j].proc] = i + 1, closed[d->vs[j].proc] = d->vs[j].s1;
      }
    unit u = {d->vs[i].v, j - i > 1, 0, d->vs[i].first, d->vs[i].last};
    for (size_t k = i; k < j; k++) {
      ver *v = &d->vs[k];
      node *x = &f->v[v->v];
      if (cmp_str(x, &f->v[u.m]) < 0) u.m = v->v;
      if ((x->flags & F_NEW_CONTENT) || x->renamed_from != NONE) u.fresh = 1;
      if (v->first < u.first) u.first = v->first;
      if (v->last > u.last) u.last = v->last;
      v->unit = (int32_t)d->nu;
      d->unit_of[v->v] = (int32_t)d->nu;
    }
    d->us[d->nu++] = u;
    i = j;
  }
  free(in_group);
  free(closed);
}

/* Per version with a generator: its qualified generation; per joint
 * version: what makes it a version, its members and contributors. */
static void emit_generations(deriver *d)
{
  pv_facts *f = d->f;
  for (size_t i = 0; i < d->nv; i++)
    if (f->v[d->vs[i].v].gen_by != NONE)
      emit_qualified(d, &generation, node_src(d->vs[i].v), node_src(d->vs[i].v), "/generation",
                     node_src(f->v[d->vs[i].v].gen_by), d->vs[i].last);
  /* the members of a unit are adjacent (make_units) */
  for (size_t i = 0; i < d->nv && !d->status;) {
    size_t j = i;
    while (j < d->nv && d->vs[j].unit == d->vs[i].unit) j++;
    unit *u = &d->us[d->vs[i].unit];
    if (u->joint) {
      src J = unit_src(d, d->vs[i].unit);
      char at[40];
      pv_derive_emit_type(d, J, PV_NS_PROV "Entity");
      pv_derive_emit_type(d, J, PV_NS_PROVIO "FileVersion");
      pv_derive_emit_src(d, J, PV_NS_PROV "specializationOf", node_src(f->v[u->m].spec_of));
      pv_term t = time_term(u->last, at);
      pv_derive_emit(d, J, PV_NS_PROV "generatedAtTime", &t);
      /* one generation per contributing process, numbered in the order
       * of their IRIs (not of the table), at its last change; every
       * member's own generator is one, even one its session does not name
       * (forged records), so lineage reads the contributors from the
       * joint version alone */
      contrib *c = malloc(2 * (j - i) * sizeof *c);
      size_t nc = 0;
      if (!c) d->status = -1;
      for (size_t k = i; k < j && !d->status; k++) {
        pv_derive_emit_src(d, J, PV_NS_PROVIO "member", node_src(d->vs[k].v));
        int32_t own = f->v[d->vs[k].v].gen_by;
        if (d->vs[k].proc != NONE) c[nc++] = (contrib){d->vs[k].proc, d->vs[k].last};
        if (own != NONE && own != d->vs[k].proc) c[nc++] = (contrib){own, d->vs[k].last};
      }
      if (nc) qsort(c, nc, sizeof *c, by_contributor);
      for (size_t k = 0, no = 0; k < nc && !d->status; k++) {
        if (k && c[k].proc == c[k - 1].proc) continue; /* the first has the last change */
        char suffix[40];
        snprintf(suffix, sizeof suffix, "/%zu/generation", ++no);
        pv_derive_emit_src(d, J, PV_NS_PROV "wasGeneratedBy", node_src(c[k].proc));
        emit_qualified(d, &generation, J, J, suffix, node_src(c[k].proc), c[k].last);
      }
      free(c);
    }
    i = j;
  }
}

/* The chains: each unit under the chain of each member, and under the
 * file of each member (how a read by name finds it). */
static void make_chains(deriver *d)
{
  d->es = malloc((2 * d->nv + 1) * sizeof *d->es);
  if (!d->es) {
    d->status = -1;
    return;
  }
  for (size_t i = 0; i < d->nv; i++) {
    ver *v = &d->vs[i];
    int64_t first = d->us[v->unit].first;
    if (v->ka != PATH) d->es[d->ne++] = (entry){v->ka, v->kb, v->unit, first};
    d->es[d->ne++] = (entry){PATH, d->f->v[v->v].spec_of, v->unit, first};
  }
  sorting = d->f;
  sorting_units = d->us;
  qsort(d->es, d->ne, sizeof *d->es, by_chain);
  size_t n = 0;
  for (size_t i = 0; i < d->ne; i++)
    if (!n || d->es[i].ka != d->es[n - 1].ka || d->es[i].kb != d->es[n - 1].kb || d->es[i].unit != d->es[n - 1].unit)
      d->es[n++] = d->es[i];
  d->ne = n;
}

/* [lo, hi) of the chain (ka, kb) */
static void chain_range(const deriver *d, int32_t ka, int32_t kb, size_t *lo, size_t *hi)
{
  size_t l = 0, h = d->ne;
  while (l < h) {
    size_t m = (l + h) / 2;
    const entry *e = &d->es[m];
    if (e->ka < ka || (e->ka == ka && e->kb < kb)) l = m + 1;
    else h = m;
  }
  *lo = l;
  for (h = l; h < d->ne && d->es[h].ka == ka && d->es[h].kb == kb; h++) {}
  *hi = h;
}

/* The first index in [lo, hi) whose first change is after t. */
static size_t after(const deriver *d, size_t lo, size_t hi, int64_t t)
{
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (d->es[m].first <= t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/* Unlinks and renames: a name's history before them is another file's. */
static void collect_cuts(deriver *d)
{
  pv_facts *f = d->f;
  size_t cap = 0;
  for (size_t k = 0; k < f->n && !d->status; k++) {
    node *x = &f->v[k];
    if (!(x->flags & (F_UNLINK | F_RENAME)) || !(x->flags & F_START) || x->file == NONE) continue;
    for (int side = 0; side < 2; side++) {
      int32_t path = side ? x->target : x->file;
      if (path == NONE || (side && !(x->flags & F_RENAME))) continue;
      cut *c = grow(d, d->cuts, &cap, d->ncuts, sizeof *c);
      if (!c) return;
      d->cuts = c;
      c[d->ncuts++] = (cut){path, x->start};
    }
  }
  if (d->ncuts) qsort(d->cuts, d->ncuts, sizeof *d->cuts, by_cut);
}

/* The time of the last cut of path before t, or INT64_MIN. */
static int64_t cut_before(const deriver *d, int32_t path, int64_t t)
{
  size_t l = 0, h = d->ncuts;
  while (l < h) {
    size_t m = (l + h) / 2;
    const cut *c = &d->cuts[m];
    if (c->path < path || (c->path == path && c->at < t)) l = m + 1;
    else h = m;
  }
  return l > 0 && d->cuts[l - 1].path == path ? d->cuts[l - 1].at : INT64_MIN;
}

/* What a read of [r1, r2] found in chain [lo, hi) among the versions
 * first changed at or after from: *latest, the last unit first changed by
 * r1 (or NONE), and the units first changed in (r1, r2] into more. */
typedef struct found {
  int32_t latest;
  int64_t latest_first;
  int32_t *more;
  size_t nmore, cap;
} found;

static void look(deriver *d, size_t lo, size_t hi, int64_t from, int64_t r1, int64_t r2, int32_t own, found *out)
{
  size_t i = after(d, lo, hi, r1);
  for (size_t k = i; k-- > lo && d->es[k].first >= from;)
    if (d->es[k].unit != own) {
      if (out->latest == NONE || d->es[k].first > out->latest_first) {
        out->latest = d->es[k].unit;
        out->latest_first = d->es[k].first;
      }
      break;
    }
  for (; i < hi && d->es[i].first <= r2; i++) {
    if (d->es[i].unit == own || d->es[i].first < from) continue;
    int32_t *m = grow(d, out->more, &out->cap, out->nmore, sizeof *m);
    if (!m) return;
    out->more = m;
    m[out->nmore++] = d->es[i].unit;
  }
}

/* A session's first read or change that its record leaves out is its
 * latest (docs/model.md, "What the records leave out"). */
static void emit_first_times(deriver *d)
{
  pv_facts *f = d->f;
  char at[40];
  for (size_t k = 0; k < f->n && !d->status; k++) {
    const node *a = &f->v[k];
    if (!(a->flags & F_ACCESS)) continue;
    if ((a->flags & F_LAST_READ) && !(a->flags & F_FIRST_READ)) {
      pv_term t = time_term(a->last_read, at);
      pv_derive_emit(d, node_src((int32_t)k), PV_NS_PROVIO "firstReadAt", &t);
    }
    if (a->version != NONE && !(a->flags & F_FIRST_WRITE) && (f->v[a->version].flags & F_GEN)) {
      pv_term t = time_term(f->v[a->version].gen, at);
      pv_derive_emit(d, node_src((int32_t)k), PV_NS_PROVIO "firstWriteAt", &t);
    }
  }
}

static void derive_reads(deriver *d)
{
  pv_facts *f = d->f;
  found fd = {0};
  for (size_t k = 0; k < f->n && !d->status; k++) {
    node *a = &f->v[k];
    /* A session that read names its process's use of the file only
     * through its counts (docs/model.md, "What the records leave out"). */
    if ((a->flags & F_ACCESS) && a->reads > 0 && a->part_of != NONE && a->file != NONE)
      pv_derive_emit_src(d, node_src(a->part_of), PV_NS_PROV "used", node_src(a->file));
    /* HDF5's own reads of a file it opened (superblock, object headers,
     * every chunk) stand for the object reads the connector records: as
     * sources they would make each object derive from the whole file. */
    /* A configuration file given to provio_config_file is read, as a
     * whole, at the time of the call. */
    int reader = (a->flags & F_ACCESS) ? a->reads > 0 && !(a->flags & F_VIA_HDF5) : (a->flags & F_CONFIG_USE) != 0;
    if (!reader || !(a->flags & F_START) || a->part_of == NONE || a->file == NONE) continue;
    int64_t r1 = a->flags & F_FIRST_READ ? a->first_read : a->flags & F_LAST_READ ? a->last_read : a->start;
    int64_t r2 = a->flags & F_LAST_READ ? a->last_read : a->flags & F_END ? a->end : r1;
    if (r2 < r1) r2 = r1;
    int32_t own = a->version != NONE ? d->unit_of[a->version] : NONE;
    node *p = &f->v[a->part_of];
    size_t lo, hi;
    fd.latest = NONE;
    fd.nmore = 0;
    if (a->file_id != NONE && p->host != NONE) {
      chain_range(d, p->host, a->file_id, &lo, &hi);
      look(d, lo, hi, INT64_MIN, r1, r2, own, &fd);
    }
    chain_range(d, PATH, a->file, &lo, &hi);
    look(d, lo, hi, cut_before(d, a->file, r1), r1, r2, own, &fd);
    src first = node_src(a->file);
    if (fd.latest != NONE) first = unit_src(d, fd.latest);
    else if (fd.nmore) first = unit_src(d, fd.more[0]);
    emit_qualified(d, &usage, node_src(a->part_of), node_src((int32_t)k), "/usage", first, r1);
    if (fd.latest == NONE && !fd.nmore) {
      add_seen(d, a->part_of, r1, first); /* an outside input */
      continue;
    }
    for (size_t i = 0; i <= fd.nmore && !d->status; i++) {
      int32_t u = i == 0 ? fd.latest : fd.more[i - 1];
      if (u == NONE || (i > 0 && u == fd.latest)) continue;
      src x = unit_src(d, u);
      pv_derive_emit_src(d, node_src(a->part_of), PV_NS_PROV "used", x);
      add_seen(d, a->part_of, r1, x);
      /* a joint version's contributors are found through its generations:
       * a link to each from each reader would be quadratic */
      int32_t maker = f->v[d->us[u].m].gen_by;
      if (!d->us[u].joint && maker != NONE && maker != a->part_of)
        emit_ref(d, a->part_of, PV_NS_PROV "wasInformedBy", maker);
    }
  }
  free(fd.more);
}

/* A version derives from what its process saw before its last change; a
 * revision continues the previous version of its chain; a rename's
 * version derives from the source's version at the rename. */
static void derive_versions(deriver *d)
{
  pv_facts *f = d->f;
  for (size_t i = 0; i < d->nv && !d->status; i++) {
    ver *v = &d->vs[i];
    node *x = &f->v[v->v];
    src me = unit_src(d, v->unit);
    if (v->proc != NONE || x->gen_by != NONE) add_want(d, v->proc != NONE ? v->proc : x->gen_by, v->last, me);
    if (x->renamed_from != NONE) {
      size_t lo, hi;
      found fd = {NONE, 0, NULL, 0, 0};
      chain_range(d, PATH, x->renamed_from, &lo, &hi);
      look(d, lo, hi, cut_before(d, x->renamed_from, v->last), v->last, v->last, v->unit, &fd);
      pv_derive_emit_src(d, me, PV_NS_PROV "wasDerivedFrom",
               fd.latest != NONE ? unit_src(d, fd.latest) : node_src(x->renamed_from));
      free(fd.more);
    }
    if (d->us[v->unit].fresh) continue;
    /* the unit before this one in the version's own chain */
    entry key = {v->ka, v->ka == PATH ? x->spec_of : v->kb, v->unit, d->us[v->unit].first};
    int64_t from = v->ka == PATH ? cut_before(d, x->spec_of, key.first) : INT64_MIN;
    const entry *e = bsearch(&key, d->es, d->ne, sizeof *d->es, by_chain);
    if (e && e > d->es && e[-1].ka == key.ka && e[-1].kb == key.kb && e[-1].first >= from)
      pv_derive_emit_src(d, me, PV_NS_PROV "wasRevisionOf", unit_src(d, e[-1].unit));
  }
}

/* The MPI process of rank r of a job, among procs sorted by_rank: one
 * that has data flows before one that merely inherited the rank, and of
 * those the one running at t. */
static int32_t rank_process(const deriver *d, const int32_t *procs, size_t n, int32_t job, int64_t rank, int64_t t)
{
  const pv_facts *f = d->f;
  size_t l = 0, h = n;
  while (l < h) {
    size_t m = (l + h) / 2;
    const node *x = &f->v[procs[m]];
    if (x->job < job || (x->job == job && x->rank < rank)) l = m + 1;
    else h = m;
  }
  int32_t best = NONE;
  int score = -1;
  for (; l < n && f->v[procs[l]].job == job && f->v[procs[l]].rank == rank; l++) {
    const node *x = &f->v[procs[l]];
    int s = 2 * ((x->flags & F_MPI) != 0) + running_at(x, t);
    if (s > score) best = procs[l], score = s;
  }
  return best;
}

/* Data between ranks: a message entity per peer flow, an exchange entity
 * per communicator of a job; the receiver saw them at their first
 * arrival, the sender's sources up to the last go into them. */
static void derive_flows(deriver *d)
{
  pv_facts *f = d->f;
  int32_t *procs = malloc((f->n + 1) * sizeof *procs);
  if (!procs) {
    d->status = -1;
    return;
  }
  size_t n = 0;
  for (size_t k = 0; k < f->n; k++)
    if ((f->v[k].flags & F_FLOW) && f->v[k].part_of != NONE) f->v[f->v[k].part_of].flags |= F_MPI;
  for (size_t k = 0; k < f->n; k++)
    if (is_process(&f->v[k]) && (f->v[k].flags & F_RANK) && f->v[k].job != NONE) procs[n++] = (int32_t)k;
  sorting = f;
  qsort(procs, n, sizeof *procs, by_rank);
  for (size_t k = 0; k < f->n && !d->status; k++) {
    node *fl = &f->v[k];
    if (!(fl->flags & F_FLOW) || fl->part_of == NONE || !(fl->flags & (F_FIRST_AT | F_LAST_AT))) continue;
    int64_t first = fl->flags & F_FIRST_AT ? fl->first_at : fl->last_at;
    int64_t last = fl->flags & F_LAST_AT ? fl->last_at : fl->first_at;
    int32_t r = fl->part_of, job = f->v[r].job;
    if (fl->flags & F_PEER) {
      src m = {K_MSG, (int32_t)k, NONE};
      pv_derive_emit_type(d, m, PV_NS_PROV "Entity");
      pv_derive_emit_type(d, m, PV_NS_PROVIO "Message");
      pv_derive_emit_src(d, node_src(r), PV_NS_PROV "used", m);
      add_seen(d, r, first, m);
      int32_t s = job == NONE ? NONE : rank_process(d, procs, n, job, fl->peer, last);
      if (s == NONE) continue;
      pv_derive_emit_src(d, m, PV_NS_PROV "wasGeneratedBy", node_src(s));
      if (s != r) emit_ref(d, r, PV_NS_PROV "wasInformedBy", s);
      add_want(d, s, last, m);
    } else if (fl->communicator != NONE && job != NONE) {
      src x = {K_EXCH, job, fl->communicator};
      pv_derive_emit_type(d, x, PV_NS_PROV "Entity");
      pv_derive_emit_type(d, x, PV_NS_PROVIO "Exchange");
      if (fl->flags & F_DIR_OUT) {
        pv_derive_emit_src(d, x, PV_NS_PROV "wasGeneratedBy", node_src(r));
        add_want(d, r, last, x);
      }
      if (fl->flags & F_DIR_IN) {
        pv_derive_emit_src(d, node_src(r), PV_NS_PROV "used", x);
        add_seen(d, r, first, x);
      }
    }
  }
  free(procs);
}

/* Who wrote a pipe another read (a shell pipeline), by
 * pipe: writers and readers of one pipe are adjacent after sorting. */
static int by_pipe(const void *pa, const void *pb)
{
  const int32_t *a = pa, *b = pb; /* {pipe, proc, reads} */
  CMP(a[0], b[0]);
  CMP(a[2], b[2]);
  CMP(a[1], b[1]);
  return 0;
}

static void find_pipes(deriver *d)
{
  pv_facts *f = d->f;
  int32_t(*ends)[3] = malloc((2 * f->n + 1) * sizeof *ends);
  size_t n = 0, cap = 0;
  if (!ends) {
    d->status = -1;
    return;
  }
  for (size_t k = 0; k < f->n; k++) {
    node *p = &f->v[k];
    if (!is_process(p) || !(p->flags & F_START)) continue;
    if (p->writes_pipe != NONE) ends[n][0] = p->writes_pipe, ends[n][1] = (int32_t)k, ends[n++][2] = 0;
    if (p->reads_pipe != NONE) ends[n][0] = p->reads_pipe, ends[n][1] = (int32_t)k, ends[n++][2] = 1;
  }
  qsort(ends, n, sizeof *ends, by_pipe);
  for (size_t i = 0; i < n && !d->status;) {
    size_t j = i, w;
    while (j < n && ends[j][0] == ends[i][0]) j++;
    for (w = i; w < j && ends[w][2] == 0; w++) {}
    for (size_t a = i; a < w; a++)
      for (size_t b = w; b < j; b++) {
        node *wr = &f->v[ends[a][1]], *rd = &f->v[ends[b][1]];
        if (ends[a][1] == ends[b][1]) continue;
        /* not "while both ran": what a writer that has exited left in
         * the pipe is read by an image that starts later (cat a | prog) */
        if ((rd->flags & F_END) && wr->start > rd->end) continue;
        edge *e = grow(d, d->pipes, &cap, d->npipes, sizeof *e);
        if (!e) break;
        d->pipes = e;
        e[d->npipes++] = (edge){ends[a][1], ends[b][1]};
      }
    i = j;
  }
  free(ends);
  if (d->npipes) qsort(d->pipes, d->npipes, sizeof *d->pipes, by_edge);
}

/* [lo, hi) of the edges into, or the seen records of, proc */
static void edges_into(const deriver *d, int32_t proc, size_t *lo, size_t *hi)
{
  size_t l = 0, h = d->npipes;
  while (l < h) {
    size_t m = (l + h) / 2;
    if (d->pipes[m].to < proc) l = m + 1;
    else h = m;
  }
  for (*lo = l; l < d->npipes && d->pipes[l].to == proc; l++) {}
  *hi = l;
}

static void seen_of(const deriver *d, size_t n, int32_t proc, size_t *lo, size_t *hi)
{
  size_t l = 0, h = n;
  while (l < h) {
    size_t m = (l + h) / 2;
    if (d->sn[m].proc < proc) l = m + 1;
    else h = m;
  }
  for (*lo = l; l < n && d->sn[l].proc == proc; l++) {}
  *hi = l;
}

/* A pipe has no times: its reader saw everything its writers saw, and
 * their writers' (a depth-first walk up the pipes from each reader). */
static void inherit_through_pipes(deriver *d)
{
  if (!d->npipes) return;
  pv_facts *f = d->f;
  int32_t *mark = malloc((f->n + 1) * sizeof *mark), *stack = malloc((d->npipes + 1) * sizeof *stack);
  if (!mark || !stack) {
    free(mark);
    free(stack);
    d->status = -1;
    return;
  }
  for (size_t k = 0; k < f->n; k++) mark[k] = NONE;
  qsort(d->sn, d->nsn, sizeof *d->sn, by_proc_time);
  size_t direct = d->nsn;
  for (size_t i = 0; i < d->npipes && !d->status; i++) {
    int32_t r = d->pipes[i].to;
    if (i && d->pipes[i - 1].to == r) continue;
    size_t top = 0;
    stack[top++] = r;
    mark[r] = r;
    while (top && !d->status) {
      int32_t p = stack[--top];
      size_t lo, hi;
      edges_into(d, p, &lo, &hi);
      for (size_t e = lo; e < hi; e++) {
        int32_t w = d->pipes[e].from;
        if (mark[w] == r) continue;
        mark[w] = r;
        if (top < d->npipes) stack[top++] = w;
        size_t slo, shi;
        seen_of(d, direct, w, &slo, &shi);
        for (size_t s = slo; s < shi && !d->status; s++) add_seen(d, r, INT64_MIN, d->sn[s].x);
      }
    }
  }
  free(mark);
  free(stack);
}

/* Each want: its entity derives from what the process saw by its bound. */
static void derive_wants(deriver *d)
{
  if (d->nsn) qsort(d->sn, d->nsn, sizeof *d->sn, by_proc_src);
  size_t n = 0;
  for (size_t i = 0; i < d->nsn; i++) /* per process and source, the first time */
    if (!n || d->sn[i].proc != d->sn[n - 1].proc || !same_src(d->sn[i].x, d->sn[n - 1].x)) d->sn[n++] = d->sn[i];
  d->nsn = n;
  if (d->nsn) qsort(d->sn, d->nsn, sizeof *d->sn, by_proc_time);
  if (d->nwn) qsort(d->wn, d->nwn, sizeof *d->wn, by_want);
  for (size_t i = 0; i < d->nwn && !d->status; i++) {
    want *w = &d->wn[i];
    if (i && w->proc == w[-1].proc && same_src(w->to, w[-1].to)) continue;
    size_t lo, hi;
    seen_of(d, d->nsn, w->proc, &lo, &hi);
    for (size_t s = lo; s < hi && d->sn[s].r1 <= w->bound && !d->status; s++)
      if (!same_src(d->sn[s].x, w->to)) pv_derive_emit_src(d, w->to, PV_NS_PROV "wasDerivedFrom", d->sn[s].x);
  }
}

/* Whether path (decoded, NUL-terminated) is prefix or below it. */
static int under(const char *path, const char *prefix, size_t n)
{
  while (n > 1 && prefix[n - 1] == '/') n--;
  return n && strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/' || prefix[n - 1] == '/');
}

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

/* The decoded path of a file or object IRI (file:///p, file://host/p,
 * <file>#<object>), or 0 if it is none. */
static int file_path(const node *x, pv_buf *b)
{
  if (x->n < 8 || memcmp(x->s, "file://", 7) != 0) return 0;
  const char *p = memchr(x->s + 7, '/', x->n - 7), *end = x->s + x->n;
  if (!p) return 0;
  b->len = 0;
  if (pv_buf_reserve(b, (size_t)(end - p) + 1) != 0) return 0;
  for (; p < end && *p != '#'; p++) {
    int h, l;
    if (*p == '%' && end - p > 2 && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) {
      b->p[b->len++] = (char)(h * 16 + l);
      p += 2;
    } else {
      b->p[b->len++] = *p;
    }
  }
  b->p[b->len] = 0;
  return 1;
}

static int ends_with(const char *s, size_t n, const char *tail)
{
  size_t t = strlen(tail);
  return n >= t && memcmp(s + n - t, tail, t) == 0;
}

static int environment_path(const char *path, size_t n)
{
  static const char *const system[] = {"/etc", "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin",
                                       "/proc", "/sys", "/dev", "/run"};
  /* /dev/shm is where jobs stage data on a node (its library files are
   * caught as library-internal accesses instead). */
  for (size_t i = 0; i < sizeof system / sizeof system[0]; i++)
    if (under(path, system[i], strlen(system[i])) && !under(path, "/dev/shm", 8)) return 1;
  if (ends_with(path, n, ".pth") || ends_with(path, n, ".pyc") || strstr(path, "/site-packages/") ||
      strstr(path, "/__pycache__/"))
    return 1;
  const char *env = getenv("PROVIO_ENVIRONMENT");
  for (const char *s = env; s && *s;) {
    const char *e = strchr(s, ':');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len && s[0] == '/' && under(path, s, len)) return 1;
    s = e ? e + 1 : NULL;
  }
  return 0;
}

/* provio:environment: files the program's environment reads, not its
 * data (docs/model.md, "Environment"). */
static void derive_environment(deriver *d)
{
  pv_facts *f = d->f;
  static const pv_term yes = {PV_T_TYPED, "true", 4, PV_NS_XSD "boolean", sizeof PV_NS_XSD "boolean" - 1};
  /* per file: 1 named, 2 an executable, 4 a library-internal access, 8 another access */
  unsigned char *use = calloc(f->n + 1, 1);
  if (!use) {
    d->status = -1;
    return;
  }
  for (size_t k = 0; k < f->n; k++) {
    node *x = &f->v[k];
    if (x->spec_of != NONE) use[x->spec_of] |= 1;
    if (x->executable != NONE) use[x->executable] |= 2;
    if ((x->flags & F_ACCESS) && x->file != NONE) use[x->file] |= x->flags & F_LIB_INTERNAL ? 4 : 8;
  }
  for (size_t k = 0; k < f->n && !d->status; k++) {
    if (!use[k] || !file_path(&f->v[k], &d->buf[2])) continue;
    if ((use[k] & 2) || (use[k] & 12) == 4 || environment_path(d->buf[2].p, d->buf[2].len)) {
      pv_derive_emit_type(d, node_src((int32_t)k), PV_NS_PROV "Entity"); /* an executable has no other class */
      pv_derive_emit(d, node_src((int32_t)k), PV_NS_PROVIO "environment", &yes);
    }
  }
  free(use);
}

static void derive_processes(deriver *d)
{
  pv_facts *f = d->f;
  int32_t *procs = malloc((f->n + 1) * sizeof *procs);
  unsigned char *linked = calloc(f->n + 1, 1);
  if (!procs || !linked) {
    free(procs);
    free(linked);
    d->status = -1;
    return;
  }
  size_t n = 0;
  for (size_t k = 0; k < f->n; k++)
    if (is_process(&f->v[k]) && (f->v[k].flags & F_START)) procs[n++] = (int32_t)k;
  sorting = f;
  qsort(procs, n, sizeof *procs, by_image);

  for (size_t i = 0; i < n; i++) {
    node *p = &f->v[procs[i]];
    if (p->forked_from != NONE) {
      emit_ref(d, procs[i], PV_NS_PROV "wasInformedBy", p->forked_from);
      linked[procs[i]] = 1;
    }
    /* exec: the next image of the same host and pid */
    if (i + 1 < n) {
      node *q = &f->v[procs[i + 1]];
      if (q->host == p->host && q->pid == p->pid && (p->flags & F_EXEC) &&
          (!(p->flags & F_END) || p->end <= q->start)) {
        emit_ref(d, procs[i + 1], PV_NS_PROVIO "execedFrom", procs[i]);
        emit_ref(d, procs[i + 1], PV_NS_PROV "wasInformedBy", procs[i]);
        linked[procs[i + 1]] = 1;
      }
    }
  }
  /* spawn: the image of the parent pid on the same host running at start */
  for (size_t i = 0; i < n; i++) {
    node *c = &f->v[procs[i]];
    if (linked[procs[i]] || !(c->flags & F_PPID)) continue;
    size_t lo = 0, hi = n; /* first image with (host, pid) >= (c->host, c->ppid) */
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      node *x = &f->v[procs[mid]];
      if (x->host < c->host || (x->host == c->host && x->pid < c->ppid)) lo = mid + 1;
      else hi = mid;
    }
    int32_t parent = NONE;
    for (size_t j = lo; j < n && f->v[procs[j]].host == c->host && f->v[procs[j]].pid == c->ppid; j++)
      if (f->v[procs[j]].start <= c->start) parent = procs[j];
    if (parent != NONE && parent != procs[i] && running_at(&f->v[parent], c->start))
      emit_ref(d, procs[i], PV_NS_PROV "wasInformedBy", parent);
  }
  /* a shell pipeline: the writer of a pipe informs its reader */
  for (size_t i = 0; i < d->npipes; i++) emit_ref(d, d->pipes[i].to, PV_NS_PROV "wasInformedBy", d->pipes[i].from);
  free(procs);
  free(linked);
}

static void derive_threads(deriver *d)
{
  pv_facts *f = d->f;
  static const pv_term yes = {PV_T_TYPED, "true", 4, PV_NS_XSD "boolean", sizeof PV_NS_XSD "boolean" - 1};
  static const pv_term no = {PV_T_TYPED, "false", 5, PV_NS_XSD "boolean", sizeof PV_NS_XSD "boolean" - 1};
  static const pv_term unknown = {PV_T_PLAIN, "unknown", 7, NULL, 0};
  unsigned char *cut_short = calloc(f->n + 1, 1);
  if (!cut_short) {
    d->status = -1;
    return;
  }
  for (size_t k = 0; k < f->n; k++) {
    node *t = &f->v[k];
    if (!(t->flags & (F_COMPLETE | F_INCOMPLETE))) continue;
    int complete = (t->flags & F_COMPLETE) != 0;
    pv_derive_emit(d, node_src((int32_t)k), PV_NS_PROVIO "recordsComplete", complete ? &yes : &no);
    if (!complete && t->thread_of != NONE) cut_short[t->thread_of] = 1;
  }
  for (size_t k = 0; k < f->n; k++)
    if (cut_short[k] && !(f->v[k].flags & F_ENDED)) pv_derive_emit(d, node_src((int32_t)k), PV_NS_PROVIO "endedBy", &unknown);
  free(cut_short);
}

int pv_facts_derive(pv_facts *f, pv_emit_fn fn, void *ctx)
{
  deriver d = {.f = f, .emit = fn, .ctx = ctx};
  if (collect_versions(&d) == 0) make_units(&d);
  if (!d.status) emit_generations(&d);
  if (!d.status) emit_first_times(&d);
  if (!d.status) make_chains(&d);
  if (!d.status) collect_cuts(&d);
  if (!d.status) derive_reads(&d);
  if (!d.status) derive_flows(&d);
  if (!d.status) find_pipes(&d);
  if (!d.status) inherit_through_pipes(&d);
  if (!d.status) derive_versions(&d);
  if (!d.status) pv_derive_checkpoints(&d);
  if (!d.status) derive_wants(&d);
  if (!d.status) pv_derive_rdfs(&d);
  if (!d.status) pv_derive_artifacts(&d);
  if (!d.status) derive_environment(&d);
  if (!d.status) derive_processes(&d);
  if (!d.status) derive_threads(&d);
  free(d.vs);
  free(d.us);
  free(d.unit_of);
  free(d.es);
  free(d.cuts);
  free(d.sn);
  free(d.wn);
  free(d.pipes);
  for (int i = 0; i < 3; i++) pv_buf_free(&d.buf[i]);
  return d.status;
}

/* ---- persistence: the nodes in order, so references stay valid ---- */

#define FACTS_MAGIC 0x33544346u /* "FCT3": the node layout of issue 13, user triples after the nodes */

/* The references a node holds to others. */
#define NREFS 18
static void refs_of(node *x, int32_t *refs[NREFS])
{
  int32_t *all[NREFS] = {&x->host, &x->forked_from, &x->part_of, &x->file, &x->version, &x->spec_of,
                         &x->gen_by, &x->renamed_from, &x->thread_of, &x->reads_pipe, &x->writes_pipe,
                         &x->file_id, &x->target, &x->job, &x->executable, &x->communicator, &x->parent,
                         &x->artifact_of};
  memcpy(refs, all, sizeof all);
}

/* Without the calls typed after their other triples came (a record split
 * between two parser windows): nothing refers to a call. */
int pv_facts_write(pv_facts *f, FILE *out)
{
  int32_t *renum = malloc((f->n + 1) * sizeof *renum), kept = 0;
  if (!renum) return -1;
  for (size_t k = 0; k < f->n; k++) renum[k] = f->v[k].flags & F_CALL ? NONE : kept++;
  uint32_t head[2] = {FACTS_MAGIC, (uint32_t)kept};
  int rc = fwrite(head, sizeof head, 1, out) == 1 ? 0 : -1;
  for (size_t k = 0; k < f->n && !rc; k++) {
    if (renum[k] == NONE) continue;
    node x = f->v[k];
    if (fwrite(&x.n, 4, 1, out) != 1 || (x.n && fwrite(x.s, x.n, 1, out) != 1)) rc = -1;
    x.s = NULL;
    int32_t *refs[NREFS];
    refs_of(&x, refs);
    for (size_t i = 0; i < NREFS; i++)
      if (*refs[i] != NONE) *refs[i] = renum[*refs[i]];
    if (!rc && fwrite(&x, sizeof x, 1, out) != 1) rc = -1;
  }
  /* User triples never name a call; one that did would be dropped with it. */
  uint64_t nut = 0;
  for (size_t i = 0; i < f->nut; i++)
    if (renum[f->ut[i].s] != NONE && renum[f->ut[i].p] != NONE && renum[f->ut[i].o] != NONE) nut++;
  if (!rc && fwrite(&nut, sizeof nut, 1, out) != 1) rc = -1;
  for (size_t i = 0; i < f->nut && !rc; i++) {
    user_triple u = {renum[f->ut[i].s], renum[f->ut[i].p], renum[f->ut[i].o]};
    if (u.s != NONE && u.p != NONE && u.o != NONE && fwrite(&u, sizeof u, 1, out) != 1) rc = -1;
  }
  free(renum);
  return rc;
}

int pv_facts_read(pv_facts *f, FILE *in)
{
  uint32_t head[2];
  if (fread(head, sizeof head, 1, in) != 1 || head[0] != FACTS_MAGIC || f->n != 0) return -1;
  for (uint32_t k = 0; k < head[1]; k++) {
    uint32_t n;
    if (fread(&n, 4, 1, in) != 1 || n > (1u << 24)) return -1;
    char *s = malloc(n ? n : 1);
    node x;
    if (!s || (n && fread(s, n, 1, in) != 1) || fread(&x, sizeof x, 1, in) != 1) {
      free(s);
      return -1;
    }
    int32_t at = pv_facts_intern(f, s, n, x.flags & F_LITERAL);
    free(s);
    if (at != (int32_t)k) return -1; /* duplicate or no memory: not our file */
    x.s = f->v[at].s;
    x.n = n;
    f->v[at] = x;
  }
  for (size_t k = 0; k < f->n; k++) {
    int32_t *refs[NREFS];
    refs_of(&f->v[k], refs);
    for (size_t i = 0; i < NREFS; i++)
      if (*refs[i] < NONE || *refs[i] >= (int32_t)f->n) return -1;
  }
  uint64_t nut;
  if (fread(&nut, sizeof nut, 1, in) != 1 || nut > f->n * (uint64_t)f->n) return -1;
  if (nut) {
    f->ut = malloc(nut * sizeof *f->ut);
    if (!f->ut || fread(f->ut, sizeof *f->ut, nut, in) != nut) return -1;
    f->nut = f->caput = nut;
    for (size_t i = 0; i < nut; i++)
      if (f->ut[i].s < 0 || f->ut[i].p < 0 || f->ut[i].o < 0 || f->ut[i].s >= (int32_t)f->n ||
          f->ut[i].p >= (int32_t)f->n || f->ut[i].o >= (int32_t)f->n)
        return -1;
  }
  return 0;
}
