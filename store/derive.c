/* derive.c - the fact table and the derivations of docs/model.md. */
#define _GNU_SOURCE /* memmem */
#include "derive.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vocab.h"

#define NONE (-1)

/* Node flags */
enum {
  F_ACCESS = 1 << 0,      /* rdf:type provio:FileAccess or provio:Hdf5Access */
  F_THREAD = 1 << 1,      /* rdf:type provio:Thread */
  F_COMPLETE = 1 << 2,    /* a merge saw the thread's files finished */
  F_INCOMPLETE = 1 << 3,  /* a merge saw them unfinished */
  F_ENDED = 1 << 4,       /* has provio:endedBy */
  F_EXEC = 1 << 5,        /* provio:endedBy "exec" */
  F_PID = 1 << 6,
  F_PPID = 1 << 7,
  F_START = 1 << 8,
  F_END = 1 << 9,
  F_GEN = 1 << 10,
  F_LITERAL = 1 << 11,    /* a string value (host, pipe), not an IRI */
};

typedef struct node {
  char *s;
  uint32_t n;
  uint32_t flags;
  int64_t pid, ppid, reads;
  int64_t start, end, gen;  /* microseconds since 1970 */
  int32_t host, forked_from, part_of, file, version, spec_of, gen_by, renamed_from, thread_of;
  int32_t reads_pipe, writes_pipe;
} node;

struct pv_facts {
  node *v;
  size_t n, cap;
  int32_t *index;  /* open addressing over v by string */
  size_t mask;
};

/* ---- the vocabulary the derivations read and write ---- */

enum pred {
  P_TYPE, P_THREAD_OF, P_HOST, P_PID, P_PPID, P_STARTED, P_ENDED, P_ENDED_BY, P_FORKED_FROM, P_PART_OF,
  P_FILE, P_OBJECT, P_VERSION, P_READS, P_SPEC_OF, P_GEN_BY, P_GEN_AT, P_RENAMED_FROM, P_READS_PIPE, P_WRITES_PIPE,
  P_COUNT
};

static const char *const pred_iri[P_COUNT] = {
    [P_TYPE] = PV_NS_RDF "type",
    [P_THREAD_OF] = PV_NS_PROVIO "threadOf",
    [P_HOST] = PV_NS_PROVIO "host",
    [P_PID] = PV_NS_PROVIO "pid",
    [P_PPID] = PV_NS_PROVIO "ppid",
    [P_STARTED] = PV_NS_PROV "startedAtTime",
    [P_ENDED] = PV_NS_PROV "endedAtTime",
    [P_ENDED_BY] = PV_NS_PROVIO "endedBy",
    [P_FORKED_FROM] = PV_NS_PROVIO "forkedFrom",
    [P_PART_OF] = PV_NS_PROVIO "partOf",
    [P_FILE] = PV_NS_PROVIO "file",
    [P_OBJECT] = PV_NS_PROVIO "object",
    [P_VERSION] = PV_NS_PROVIO "version",
    [P_READS] = PV_NS_PROVIO "reads",
    [P_SPEC_OF] = PV_NS_PROV "specializationOf",
    [P_GEN_BY] = PV_NS_PROV "wasGeneratedBy",
    [P_GEN_AT] = PV_NS_PROV "generatedAtTime",
    [P_RENAMED_FROM] = PV_NS_PROVIO "renamedFrom",
    [P_READS_PIPE] = PV_NS_PROVIO "readsPipe",
    [P_WRITES_PIPE] = PV_NS_PROVIO "writesPipe",
};

#define FILE_ACCESS PV_NS_PROVIO "FileAccess"
#define HDF5_ACCESS PV_NS_PROVIO "Hdf5Access" /* its provio:object plays the file */
#define THREAD PV_NS_PROVIO "Thread"

static int pred_of(const pv_term *p)
{
  if (p->kind != PV_T_IRI) return -1;
  for (int i = 0; i < P_COUNT; i++)
    if (pv_term_is(p, pred_iri[i])) return i;
  return -1;
}

/* Trace-mode call records (<thread>/call/<n>) carry partOf, file and
 * times too, one per call: the derivations never need them. */
static int is_call_record(const pv_term *s)
{
  return s->n > 6 && memmem(s->s, s->n, "/call/", 6) != NULL;
}

int pv_facts_wanted(const pv_term t[3])
{
  int p = pred_of(&t[1]);
  if (p < 0 || t[0].kind != PV_T_IRI || is_call_record(&t[0])) return 0;
  if (p == P_TYPE)
    return pv_term_is(&t[2], FILE_ACCESS) || pv_term_is(&t[2], HDF5_ACCESS) || pv_term_is(&t[2], THREAD);
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
  if (!f->index) {
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
  free(f->index);
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

/* The node for a string, made if new; NONE if memory ran out. */
static int32_t intern(pv_facts *f, const char *s, size_t n, uint32_t lit)
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
  *k = intern(f, o->s, o->n, lit);
  return *k == NONE ? -1 : 0;
}

int pv_facts_add(pv_facts *f, const pv_term t[3])
{
  int p = pred_of(&t[1]);
  if (p < 0 || t[0].kind != PV_T_IRI) return 0;
  int32_t s = intern(f, t[0].s, t[0].n, 0);
  if (s == NONE) return -1;
  const pv_term *o = &t[2];
  int64_t v;
#define X (f->v[s])
  switch (p) {
  case P_TYPE:
    if (pv_term_is(o, FILE_ACCESS) || pv_term_is(o, HDF5_ACCESS)) X.flags |= F_ACCESS;
    if (pv_term_is(o, THREAD)) X.flags |= F_THREAD;
    return 0;
  case P_HOST:
  case P_READS_PIPE:
  case P_WRITES_PIPE: {
    int32_t k;
    if (object_node(f, o, F_LITERAL, &k)) return -1;
    if (k != NONE) *(p == P_HOST ? &X.host : p == P_READS_PIPE ? &X.reads_pipe : &X.writes_pipe) = k;
    return 0;
  }
  case P_PID:
  case P_PPID:
  case P_READS:
    if (pv_term_long(o, &v) != 0) return 0;
    if (p == P_PID) X.pid = v, X.flags |= F_PID;
    if (p == P_PPID) X.ppid = v, X.flags |= F_PPID;
    if (p == P_READS && v > X.reads) X.reads = v; /* a summing record grows */
    return 0;
  case P_STARTED:
    if (pv_term_time(o, &v) != 0) return 0;
    if (!(X.flags & F_START) || v < X.start) X.start = v;
    X.flags |= F_START;
    return 0;
  case P_ENDED:
  case P_GEN_AT:
    /* A summing record's end and generation times are rewritten in place
     * as sessions close: the latest value seen is the true one. */
    if (pv_term_time(o, &v) != 0) return 0;
    if (p == P_ENDED) {
      if (!(X.flags & F_END) || v > X.end) X.end = v;
      X.flags |= F_END;
    } else {
      if (!(X.flags & F_GEN) || v > X.gen) X.gen = v;
      X.flags |= F_GEN;
    }
    return 0;
  case P_ENDED_BY:
    if (o->kind == PV_T_IRI) return 0;
    if (o->n == 7 && memcmp(o->s, "unknown", 7) == 0) return 0; /* ours, not a fact */
    X.flags |= F_ENDED;
    if (o->n == 4 && memcmp(o->s, "exec", 4) == 0) X.flags |= F_EXEC;
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
    }
    return 0;
  }
  }
#undef X
}

int pv_facts_thread(pv_facts *f, const char *thread_iri, int complete)
{
  int32_t k = intern(f, thread_iri, strlen(thread_iri), 0);
  if (k == NONE) return -1;
  f->v[k].flags |= complete ? F_COMPLETE : F_INCOMPLETE;
  return 0;
}

/* ---- derivations ---- */

typedef struct use {
  int32_t proc, version;
  int64_t at;
} use;

typedef struct deriver {
  pv_facts *f;
  pv_emit_fn emit;
  void *ctx;
  int status;
} deriver;

static pv_term iri_term(const node *x) { return (pv_term){PV_T_IRI, x->s, x->n, NULL, 0}; }

static void emit(deriver *d, int32_t s, const char *pred, const pv_term *o)
{
  if (d->status) return;
  pv_term t[3] = {iri_term(&d->f->v[s]), {PV_T_IRI, pred, (uint32_t)strlen(pred), NULL, 0}, *o};
  d->status = d->emit(d->ctx, t);
}

static void emit_ref(deriver *d, int32_t s, const char *pred, int32_t o)
{
  pv_term t = iri_term(&d->f->v[o]);
  emit(d, s, pred, &t);
}

/* A qualified usage or generation (PROV-O's qualified pattern): the
 * influence is a node of its own, <base>/<suffix> after the session or
 * version it stands for (no blank nodes: stores merge), with its time. */
typedef struct qualified {
  const char *pred, *suffix, *cls, *role;
} qualified;

static const qualified usage = {PV_NS_PROV "qualifiedUsage", "/usage", PV_NS_PROV "Usage", PV_NS_PROV "entity"};
static const qualified generation = {PV_NS_PROV "qualifiedGeneration", "/generation", PV_NS_PROV "Generation",
                                     PV_NS_PROV "activity"};

static pv_term iri_of(const char *s) { return (pv_term){PV_T_IRI, s, (uint32_t)strlen(s), NULL, 0}; }

static void emit_qualified(deriver *d, const qualified *k, int32_t owner, int32_t base, int32_t to, int64_t us)
{
  const node *x = &d->f->v[base];
  size_t n = x->n + strlen(k->suffix);
  char *iri = malloc(n + 1), at[40];
  if (!iri) {
    d->status = -1;
    return;
  }
  memcpy(iri, x->s, x->n);
  strcpy(iri + x->n, k->suffix);
  time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  int len = snprintf(at, sizeof at, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us - (int64_t)sec * 1000000));
  pv_term q = iri_of(iri), t[3];
  emit(d, owner, k->pred, &q);
  const pv_term facts[][2] = {
      {iri_of(PV_NS_RDF "type"), iri_of(k->cls)},
      {iri_of(k->role), iri_term(&d->f->v[to])},
      {iri_of(PV_NS_PROV "atTime"), {PV_T_TYPED, at, (uint32_t)len, PV_NS_XSD "dateTime", sizeof PV_NS_XSD "dateTime" - 1}},
  };
  t[0] = q;
  for (size_t i = 0; i < sizeof facts / sizeof facts[0] && !d->status; i++) {
    t[1] = facts[i][0];
    t[2] = facts[i][1];
    d->status = d->emit(d->ctx, t);
  }
  free(iri);
}

/* Sort helpers work on index arrays; the table is reached through a
 * file-scope pointer because qsort has no context argument. */
static const pv_facts *sorting;

static int cmp_str(const node *a, const node *b)
{
  int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
  return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* versions: by file, then generation time, then IRI */
static int by_file_time(const void *pa, const void *pb)
{
  const node *a = &sorting->v[*(const int32_t *)pa], *b = &sorting->v[*(const int32_t *)pb];
  if (a->spec_of != b->spec_of) return a->spec_of < b->spec_of ? -1 : 1;
  if (a->gen != b->gen) return a->gen < b->gen ? -1 : 1;
  return cmp_str(a, b);
}

/* versions: by generating process */
static int by_generator(const void *pa, const void *pb)
{
  const node *a = &sorting->v[*(const int32_t *)pa], *b = &sorting->v[*(const int32_t *)pb];
  if (a->gen_by != b->gen_by) return a->gen_by < b->gen_by ? -1 : 1;
  if (a->gen != b->gen) return a->gen < b->gen ? -1 : 1;
  return cmp_str(a, b);
}

/* processes: by host, pid, start */
static int by_image(const void *pa, const void *pb)
{
  const node *a = &sorting->v[*(const int32_t *)pa], *b = &sorting->v[*(const int32_t *)pb];
  if (a->host != b->host) return a->host < b->host ? -1 : 1;
  if (a->pid != b->pid) return a->pid < b->pid ? -1 : 1;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return cmp_str(a, b);
}

static int by_proc(const void *pa, const void *pb)
{
  const use *a = pa, *b = pb;
  if (a->proc != b->proc) return a->proc < b->proc ? -1 : 1;
  if (a->at != b->at) return a->at < b->at ? -1 : 1;
  return (a->version > b->version) - (a->version < b->version);
}

typedef struct versions {
  int32_t *v;    /* dated versions sorted by file, time */
  size_t n;
  size_t *first; /* per node: index in v of its file's first version, or SIZE_MAX */
} versions;

/* The latest version of file generated at or before t, other than skip. */
static int32_t version_at(const pv_facts *f, const versions *vs, int32_t file, int64_t t, int32_t skip)
{
  size_t i = vs->first[file];
  int32_t best = NONE;
  if (i == SIZE_MAX) return NONE;
  for (; i < vs->n && f->v[vs->v[i]].spec_of == file && f->v[vs->v[i]].gen <= t; i++)
    if (vs->v[i] != skip) best = vs->v[i];
  return best;
}

static int is_process(const node *x) { return (x->flags & F_PID) && x->host != NONE; }

/* Running at time t: started by then, not ended before. */
static int running_at(const node *p, int64_t t)
{
  return (p->flags & F_START) && p->start <= t && (!(p->flags & F_END) || p->end >= t);
}

static void derive_versions(deriver *d, versions *vs, use **uses_out, size_t *nuses)
{
  pv_facts *f = d->f;
  for (size_t i = 0; i < vs->n; i++)
    if (f->v[vs->v[i]].gen_by != NONE)
      emit_qualified(d, &generation, vs->v[i], vs->v[i], f->v[vs->v[i]].gen_by, f->v[vs->v[i]].gen);
  /* prov:wasRevisionOf between consecutive versions of a file */
  for (size_t i = 1; i < vs->n; i++)
    if (f->v[vs->v[i]].spec_of == f->v[vs->v[i - 1]].spec_of)
      emit_ref(d, vs->v[i], PV_NS_PROV "wasRevisionOf", vs->v[i - 1]);

  /* the version each read session saw */
  use *uses = NULL;
  size_t n = 0, cap = 0;
  for (size_t k = 0; k < f->n; k++) {
    node *a = &f->v[k];
    if (!(a->flags & F_ACCESS) || a->reads <= 0 || !(a->flags & F_START) || a->part_of == NONE ||
        a->file == NONE)
      continue;
    int32_t v = version_at(f, vs, a->file, a->start, a->version);
    emit_qualified(d, &usage, a->part_of, (int32_t)k, v == NONE ? a->file : v, a->start);
    if (v == NONE) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      use *u = realloc(uses, cap * sizeof *u);
      if (!u) {
        d->status = -1;
        break;
      }
      uses = u;
    }
    uses[n++] = (use){a->part_of, v, a->start};
  }
  sorting = f;
  if (n) qsort(uses, n, sizeof *uses, by_proc); /* uses is NULL when n is 0: UB for qsort */
  for (size_t i = 0; i < n; i++) {
    if (i && uses[i].proc == uses[i - 1].proc && uses[i].version == uses[i - 1].version) continue;
    emit_ref(d, uses[i].proc, PV_NS_PROV "used", uses[i].version);
    int32_t maker = f->v[uses[i].version].gen_by;
    if (maker != NONE && maker != uses[i].proc)
      emit_ref(d, uses[i].proc, PV_NS_PROV "wasInformedBy", maker);
  }
  *uses_out = uses;
  *nuses = n;
}

static void derive_derivations(deriver *d, versions *vs, const use *uses, size_t nuses)
{
  pv_facts *f = d->f;
  /* A renamed file holds what its source held. */
  for (size_t i = 0; i < vs->n; i++) {
    node *v = &f->v[vs->v[i]];
    if (v->renamed_from == NONE) continue;
    int32_t u = version_at(f, vs, v->renamed_from, v->gen, vs->v[i]);
    if (u != NONE) emit_ref(d, vs->v[i], PV_NS_PROV "wasDerivedFrom", u);
  }
  /* A version derives from what its process had used before generating it. */
  int32_t *byproc = malloc((vs->n + 1) * sizeof *byproc);
  if (!byproc) {
    d->status = -1;
    return;
  }
  size_t m = 0;
  for (size_t i = 0; i < vs->n; i++)
    if (f->v[vs->v[i]].gen_by != NONE) byproc[m++] = vs->v[i];
  sorting = f;
  qsort(byproc, m, sizeof *byproc, by_generator);
  size_t u = 0;
  for (size_t i = 0; i < m; i++) {
    node *v = &f->v[byproc[i]];
    while (u < nuses && uses[u].proc < v->gen_by) u++;
    for (size_t j = u; j < nuses && uses[j].proc == v->gen_by && uses[j].at <= v->gen; j++) {
      if (uses[j].version == byproc[i]) continue;
      if (j > u && uses[j].version == uses[j - 1].version) continue;
      emit_ref(d, byproc[i], PV_NS_PROV "wasDerivedFrom", uses[j].version);
    }
  }
  free(byproc);
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
  for (size_t i = 0; i < n; i++) {
    node *r = &f->v[procs[i]];
    if (r->reads_pipe == NONE) continue;
    for (size_t j = 0; j < n; j++) {
      node *w = &f->v[procs[j]];
      if (j == i || w->writes_pipe != r->reads_pipe) continue;
      int overlap = (!(r->flags & F_END) || w->start <= r->end) && (!(w->flags & F_END) || r->start <= w->end);
      if (overlap) emit_ref(d, procs[i], PV_NS_PROV "wasInformedBy", procs[j]);
    }
  }
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
    emit(d, (int32_t)k, PV_NS_PROVIO "recordsComplete", complete ? &yes : &no);
    if (!complete && t->thread_of != NONE) cut_short[t->thread_of] = 1;
  }
  for (size_t k = 0; k < f->n; k++)
    if (cut_short[k] && !(f->v[k].flags & F_ENDED)) emit(d, (int32_t)k, PV_NS_PROVIO "endedBy", &unknown);
  free(cut_short);
}

int pv_facts_derive(pv_facts *f, pv_emit_fn fn, void *ctx)
{
  deriver d = {f, fn, ctx, 0};
  versions vs = {0};
  vs.v = malloc((f->n + 1) * sizeof *vs.v);
  vs.first = malloc((f->n + 1) * sizeof *vs.first);
  use *uses = NULL;
  size_t nuses = 0;
  if (!vs.v || !vs.first) {
    d.status = -1;
    goto done;
  }
  for (size_t k = 0; k < f->n; k++) {
    vs.first[k] = SIZE_MAX;
    if (f->v[k].spec_of != NONE && (f->v[k].flags & F_GEN)) vs.v[vs.n++] = (int32_t)k;
  }
  sorting = f;
  qsort(vs.v, vs.n, sizeof *vs.v, by_file_time);
  for (size_t i = vs.n; i-- > 0;) vs.first[f->v[vs.v[i]].spec_of] = i;

  derive_versions(&d, &vs, &uses, &nuses);
  derive_derivations(&d, &vs, uses, nuses);
  derive_processes(&d);
  derive_threads(&d);
done:
  free(uses);
  free(vs.v);
  free(vs.first);
  return d.status;
}

/* ---- persistence: the nodes in order, so references stay valid ---- */

#define FACTS_MAGIC 0x31544346u /* "FCT1" */

int pv_facts_write(pv_facts *f, FILE *out)
{
  uint32_t head[2] = {FACTS_MAGIC, (uint32_t)f->n};
  if (fwrite(head, sizeof head, 1, out) != 1) return -1;
  for (size_t k = 0; k < f->n; k++) {
    node x = f->v[k];
    if (fwrite(&x.n, 4, 1, out) != 1 || (x.n && fwrite(x.s, x.n, 1, out) != 1)) return -1;
    x.s = NULL;
    if (fwrite(&x, sizeof x, 1, out) != 1) return -1;
  }
  return 0;
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
    int32_t at = intern(f, s, n, x.flags & F_LITERAL);
    free(s);
    if (at != (int32_t)k) return -1; /* duplicate or no memory: not our file */
    x.s = f->v[at].s;
    x.n = n;
    f->v[at] = x;
  }
  for (size_t k = 0; k < f->n; k++) {
    node *x = &f->v[k];
    int32_t *refs[] = {&x->host, &x->forked_from, &x->part_of, &x->file, &x->version, &x->spec_of,
                       &x->gen_by, &x->renamed_from, &x->thread_of, &x->reads_pipe, &x->writes_pipe};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
      if (*refs[i] < NONE || *refs[i] >= (int32_t)f->n) return -1;
  }
  return 0;
}
