/* query_terms.c - vocabulary nodes and readers over the model. */
#include "query_terms.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "store.h"
#include "serialize.h"
#include "vocab.h"

struct pv_q_decoded {
  uint64_t hash;
  unsigned char *bytes;
  size_t len;
  librdf_node *node;
};

void pv_q_init(pv_q *q, pv_store *s)
{
#define PV_TERM_IRI(id, ns, local) ns local,
  static const char *const iris[PV_T_COUNT] = {PV_TERMS(PV_TERM_IRI)};
#undef PV_TERM_IRI
  *q = (pv_q){.world = s->world, .model = s->model, .fill = s->fill, .sp2o = s->fill ? NULL : s->sp2o};
  for (int i = 0; i < PV_T_COUNT; i++) q->t[i] = pv_q_node(q, iris[i]);
}

void pv_q_free(pv_q *q)
{
  for (int i = 0; i < PV_T_COUNT; i++)
    if (q->t[i]) librdf_free_node(q->t[i]);
  pv_index_free(&q->agent_kinds);
  for (int i = 0; i < PV_T_COUNT; i++) free(q->key_term[i]);
  for (size_t i = 0; q->decoded && i < PV_Q_DECODED; i++) {
    free(q->decoded[i].bytes);
    if (q->decoded[i].node) librdf_free_node(q->decoded[i].node);
  }
  free(q->decoded);
  memset(q, 0, sizeof *q);
}

const char *pv_q_iri(librdf_node *n)
{
  if (!n || !librdf_node_is_resource(n)) return NULL;
  return (const char *)librdf_uri_as_string(librdf_node_get_uri(n));
}

librdf_node *pv_q_node(pv_q *q, const char *iri)
{
  return librdf_new_node_from_uri_string(q->world, (const unsigned char *)iri);
}

int pv_q_known(pv_q *q, librdf_node *n)
{
  /* Redland's hashes storage indexes (subject, predicate) and (predicate,
   * object) only: a node's arcs without a predicate are a full scan.  What
   * the capture writes is typed; a file only ever mentioned is used, or a
   * session's file. */
  static const enum pv_term_id in[] = {PV_T_USED, PV_T_FILE, PV_T_SPECIALIZATION_OF};
  librdf_node *type = pv_q_target(q, n, PV_T_TYPE);
  if (type) {
    librdf_free_node(type);
    return 1;
  }
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    librdf_node *s = pv_q_source(q, in[i], n);
    if (s) {
      librdf_free_node(s);
      return 1;
    }
  }
  return 0;
}

librdf_node *pv_q_target(pv_q *q, librdf_node *subject, enum pv_term_id term)
{
  if (q->fill) q->fill->need(q->fill, subject, NULL, NULL);
  return librdf_model_get_target(q->model, subject, q->t[term]);
}

char *pv_q_node_string(librdf_node *n)
{
  const char *s = !n ? NULL : librdf_node_is_literal(n) ? (const char *)librdf_node_get_literal_value(n) : pv_q_iri(n);
  return s ? strdup(s) : NULL;
}

char *pv_q_string(pv_q *q, librdf_node *subject, enum pv_term_id term)
{
  librdf_node *n = pv_q_target(q, subject, term);
  char *copy = pv_q_node_string(n);
  if (n) librdf_free_node(n);
  return copy;
}

int pv_q_node_long(librdf_node *n, int64_t *v)
{
  if (!n || !librdf_node_is_literal(n)) return -1;
  const char *s = (const char *)librdf_node_get_literal_value(n);
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (end == s || *end || errno) return -1;
  *v = x;
  return 0;
}

int pv_q_long(pv_q *q, librdf_node *subject, enum pv_term_id term, int64_t *v)
{
  librdf_node *n = pv_q_target(q, subject, term);
  int rc = pv_q_node_long(n, v);
  if (n) librdf_free_node(n);
  return rc;
}

/* Redland's hashes storage keys a statement in its sp2o file by
 * librdf_statement_encode_parts2 of subject and predicate: a magic byte,
 * then each part tagged.  The key of (s, p) is then the encoding of s
 * alone followed by that of p without its magic byte, which is checked
 * here once per term before a scan relies on it. */
static size_t encode_parts(pv_q *q, librdf_node *s, librdf_node *p, unsigned char **out)
{
  librdf_statement *st = librdf_new_statement_from_nodes(q->world, s ? librdf_new_node_from_node(s) : NULL,
                                                         p ? librdf_new_node_from_node(p) : NULL, NULL);
  librdf_statement_part fields = (s ? LIBRDF_STATEMENT_SUBJECT : 0) | (p ? LIBRDF_STATEMENT_PREDICATE : 0);
  size_t len = st ? librdf_statement_encode_parts2(q->world, st, NULL, NULL, 0, fields) : 0;
  *out = len ? malloc(len) : NULL;
  if (*out && librdf_statement_encode_parts2(q->world, st, NULL, *out, len, fields) != len) len = 0;
  if (st) librdf_free_statement(st);
  if (!len) {
    free(*out);
    *out = NULL;
  }
  return len;
}

static int key_term_ready(pv_q *q, librdf_node *subject, enum pv_term_id t, const unsigned char *prefix, size_t plen)
{
  if (q->key_term[t]) return 1;
  unsigned char *pred, *both;
  size_t pl = encode_parts(q, NULL, q->t[t], &pred), bl = encode_parts(q, subject, q->t[t], &both);
  int same = pl > 1 && bl == plen + pl - 1 && memcmp(both, prefix, plen) == 0 && memcmp(both + plen, pred + 1, pl - 1) == 0;
  free(both);
  if (!same) {
    free(pred);
    q->sp2o = NULL; /* not the layout expected: lookups from now on */
    return 0;
  }
  memmove(pred, pred + 1, pl - 1);
  q->key_term[t] = pred;
  q->key_term_len[t] = pl - 1;
  return 1;
}

void pv_q_arcs_add(pv_q_arcs *a, size_t term, librdf_node *node)
{
  if (!node) return;
  if (a->n == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 16;
    struct pv_q_arc *v = realloc(a->v, cap * sizeof *v);
    if (!v) {
      librdf_free_node(node);
      return;
    }
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = (struct pv_q_arc){term, node};
}

librdf_node *pv_q_arcs_first(const pv_q_arcs *a, size_t i)
{
  for (size_t k = 0; k < a->n; k++)
    if (a->v[k].term == i) return a->v[k].node;
  return NULL;
}

void pv_q_arcs_free(pv_q_arcs *a)
{
  for (size_t k = 0; k < a->n; k++) librdf_free_node(a->v[k].node);
  free(a->v);
  memset(a, 0, sizeof *a);
}

typedef struct arc_scan {
  pv_q *q;
  const enum pv_term_id *terms;
  size_t n, prefix_len;
  unsigned all, found;
  pv_q_arcs *out;
  librdf_statement *st;
} arc_scan;

/* The object stored as val, a new node: from the cache, else decoded. */
static librdf_node *object_of(arc_scan *f, const void *val, size_t vlen)
{
  pv_q *q = f->q;
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < vlen; i++) h = (h ^ ((const unsigned char *)val)[i]) * 1099511628211ull;
  if (!q->decoded) q->decoded = calloc(PV_Q_DECODED, sizeof *q->decoded);
  struct pv_q_decoded *d = q->decoded ? &q->decoded[h % PV_Q_DECODED] : NULL;
  if (d && d->node && d->hash == h && d->len == vlen && memcmp(d->bytes, val, vlen) == 0)
    return librdf_new_node_from_node(d->node);
  librdf_node *context = NULL, *node = NULL;
  if (librdf_statement_decode2(q->world, f->st, &context, (unsigned char *)val, vlen) &&
      librdf_statement_get_object(f->st))
    node = librdf_new_node_from_node(librdf_statement_get_object(f->st));
  if (context) librdf_free_node(context);
  librdf_statement_clear(f->st);
  /* The first value a slot sees keeps it: a process's first values are
   * the common ones, and the unique ones (pids, thread IRIs) would only
   * evict each other. */
  librdf_node *kept = node && d && !d->node ? librdf_new_node_from_node(node) : NULL;
  unsigned char *bytes = kept ? malloc(vlen) : NULL;
  if (bytes) {
    memcpy(bytes, val, vlen);
    *d = (struct pv_q_decoded){h, bytes, vlen, kept};
  } else if (kept) {
    librdf_free_node(kept);
  }
  return node;
}

static int take_arc(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
  arc_scan *f = ctx;
  const unsigned char *pred = (const unsigned char *)key + f->prefix_len;
  size_t pl = klen - f->prefix_len;
  for (size_t i = 0; i < f->n; i++) {
    enum pv_term_id t = f->terms[i];
    if (f->q->key_term_len[t] != pl || memcmp(f->q->key_term[t], pred, pl) != 0) continue;
    if ((f->found >> i & 1) && !(f->all >> i & 1)) return 1;
    librdf_node *object = object_of(f, val, vlen);
    if (object) {
      pv_q_arcs_add(f->out, i, object);
      f->found |= 1u << i;
    }
    return f->all >> i & 1 ? 0 : 1;
  }
  return 1;
}

void pv_q_arcs_of(pv_q *q, librdf_node *subject, const enum pv_term_id *terms, size_t n, unsigned all,
                  pv_q_arcs *a)
{
  unsigned char *prefix = NULL;
  size_t plen = q->sp2o && n <= 32 ? encode_parts(q, subject, NULL, &prefix) : 0;
  for (size_t i = 0; plen && i < n; i++)
    if (!key_term_ready(q, subject, terms[i], prefix, plen)) plen = 0;
  size_t had = a->n;
  arc_scan f = {q, terms, n, plen, all, 0, a, plen ? librdf_new_statement(q->world) : NULL};
  int scanned = f.st && pv_bdb_scan(q->sp2o, prefix, plen, take_arc, &f) == 0;
  if (f.st) librdf_free_statement(f.st);
  free(prefix);
  if (scanned) return;
  while (a->n > had) librdf_free_node(a->v[--a->n].node);
  for (size_t i = 0; i < n; i++) {
    if (!(all >> i & 1)) {
      pv_q_arcs_add(a, i, pv_q_target(q, subject, terms[i]));
      continue;
    }
    librdf_iterator *it = pv_q_targets(q, subject, terms[i]);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
      pv_q_arcs_add(a, i, librdf_new_node_from_node(librdf_iterator_get_object(it)));
    if (it) librdf_free_iterator(it);
  }
}

int pv_q_true(pv_q *q, librdf_node *subject, enum pv_term_id term)
{
  char *v = pv_q_string(q, subject, term);
  int yes = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
  free(v);
  return yes;
}

/* The display name of an agent of kind k among the objects of term index
 * `term` in a (a process's agents: there is one of each kind).  Agents
 * already classified are looked at first: the program and user of
 * thousands of processes are a few agents, but each process has threads
 * of its own, and classifying one costs a lookup. */
char *pv_q_agent_name(pv_q *q, const pv_q_arcs *a, size_t term, enum pv_kind k)
{
  size_t len;
  for (int classify = 0; classify < 2; classify++)
    for (size_t i = 0; i < a->n; i++) {
      if (a->v[i].term != term) continue;
      const char *iri = pv_q_iri(a->v[i].node);
      size_t kind = iri ? pv_index_get(&q->agent_kinds, iri) : (size_t)PV_K_OTHER;
      if (classify && kind == SIZE_MAX) {
        kind = pv_q_kind(q, a->v[i].node);
        pv_index_put(&q->agent_kinds, iri, kind);
      }
      if (kind == (size_t)k) return pv_display_name(iri, &len);
    }
  return NULL;
}

char *pv_q_program_in(pv_q *q, const pv_q_arcs *a, size_t exe, size_t agents)
{
  char *path = pv_q_node_string(pv_q_arcs_first(a, exe));
  if (!path) return pv_q_agent_name(q, a, agents, PV_K_PROGRAM);
  size_t len;
  char *name = pv_display_name(path, &len);
  free(path);
  return name;
}

char *pv_q_program(pv_q *q, librdf_node *process)
{
  /* Most processes have an executable: one lookup, and the agents only
   * without it (stats asks this of every process). */
  static const enum pv_term_id agents[] = {PV_T_EXECUTABLE, PV_T_ASSOCIATED_WITH};
  pv_q_arcs a = {0};
  pv_q_arcs_add(&a, 0, pv_q_target(q, process, PV_T_EXECUTABLE));
  if (!a.n) pv_q_arcs_of(q, process, agents, 2, 1u << 1, &a);
  char *name = pv_q_program_in(q, &a, 0, 1);
  pv_q_arcs_free(&a);
  return name;
}

/* What a lookup found, copied: bringing in triples (pv_store_fill) while
 * an iterator over the model is open would move the cursors under it. */
typedef struct snapshot {
  void **items;
  size_t n, at;
  int statements;
} snapshot;

static int snapshot_end(void *c)
{
  snapshot *s = c;
  return s->at >= s->n;
}

static int snapshot_next(void *c)
{
  snapshot *s = c;
  if (s->at < s->n) s->at++;
  return s->at >= s->n;
}

static void *snapshot_get(void *c, int flags)
{
  snapshot *s = c;
  (void)flags;
  return s->at < s->n ? s->items[s->at] : NULL;
}

static void snapshot_free(void *c)
{
  snapshot *s = c;
  for (size_t i = 0; i < s->n; i++)
    if (s->statements) librdf_free_statement(s->items[i]);
    else librdf_free_node(s->items[i]);
  free(s->items);
  free(s);
}

static int snapshot_add(snapshot *s, void *item)
{
  void **grown = item ? realloc(s->items, (s->n + 1) * sizeof *grown) : NULL;
  if (!grown) return -1;
  s->items = grown;
  s->items[s->n++] = item;
  return 0;
}

static librdf_iterator *snapshot_nodes(pv_q *q, librdf_iterator *it)
{
  snapshot *s = calloc(1, sizeof *s);
  for (; s && it && !librdf_iterator_end(it); librdf_iterator_next(it))
    if (snapshot_add(s, librdf_new_node_from_node(librdf_iterator_get_object(it)))) break;
  if (it) librdf_free_iterator(it);
  librdf_iterator *copy = s ? librdf_new_iterator(q->world, s, snapshot_end, snapshot_next, snapshot_get, snapshot_free) : NULL;
  if (s && !copy) snapshot_free(s);
  return copy;
}

librdf_iterator *pv_q_targets(pv_q *q, librdf_node *subject, enum pv_term_id term)
{
  if (!q->fill) return librdf_model_get_targets(q->model, subject, q->t[term]);
  q->fill->need(q->fill, subject, NULL, NULL);
  return snapshot_nodes(q, librdf_model_get_targets(q->model, subject, q->t[term]));
}

librdf_iterator *pv_q_sources(pv_q *q, enum pv_term_id term, librdf_node *object)
{
  if (!q->fill) return librdf_model_get_sources(q->model, q->t[term], object);
  q->fill->need(q->fill, NULL, q->t[term], object);
  return snapshot_nodes(q, librdf_model_get_sources(q->model, q->t[term], object));
}

librdf_node *pv_q_source(pv_q *q, enum pv_term_id term, librdf_node *object)
{
  if (q->fill) q->fill->need(q->fill, NULL, q->t[term], object);
  return librdf_model_get_source(q->model, q->t[term], object);
}

librdf_stream *pv_q_statements(pv_q *q, enum pv_term_id term, librdf_statement **pattern)
{
  if (q->fill) q->fill->need(q->fill, NULL, q->t[term], NULL);
  *pattern = librdf_new_statement_from_nodes(q->world, NULL, librdf_new_node_from_node(q->t[term]), NULL);
  librdf_stream *st = *pattern ? librdf_model_find_statements(q->model, *pattern) : NULL;
  if (!q->fill || !st) return st;
  snapshot *s = calloc(1, sizeof *s);
  if (s) s->statements = 1;
  for (; st && !librdf_stream_end(st); librdf_stream_next(st))
    if (snapshot_add(s, librdf_new_statement_from_statement(librdf_stream_get_object(st)))) break;
  librdf_free_stream(st);
  librdf_stream *copy = s ? librdf_new_stream(q->world, s, snapshot_end, snapshot_next, snapshot_get, snapshot_free) : NULL;
  if (s && !copy) snapshot_free(s);
  return copy;
}

/* The classes that say what a node is, most telling first: a node typed
 * provio:FileVersion and prov:Entity is a file version. */
static const struct {
  enum pv_term_id cls;
  enum pv_kind kind;
} kind_order[] = {
    {PV_T_C_FILE_VERSION, PV_K_FILE_VERSION}, {PV_T_C_HDF5_VERSION, PV_K_HDF5_VERSION},
    {PV_T_C_HDF5_OBJECT, PV_K_HDF5_OBJECT},
    {PV_T_C_FILE, PV_K_FILE},                 {PV_T_C_PROCESS, PV_K_PROCESS},
    {PV_T_C_PROGRAM, PV_K_PROGRAM},           {PV_T_C_RANK, PV_K_RANK},
    {PV_T_C_USER, PV_K_USER},                 {PV_T_C_THREAD, PV_K_THREAD},
    {PV_T_C_JOB, PV_K_JOB},                   {PV_T_C_ACTIVITY, PV_K_ACTIVITY},
    {PV_T_C_SOFTWARE_AGENT, PV_K_AGENT},      {PV_T_C_PERSON, PV_K_AGENT},
    {PV_T_C_AGENT, PV_K_AGENT},               {PV_T_C_MESSAGE, PV_K_MESSAGE},
    {PV_T_C_EXCHANGE, PV_K_EXCHANGE},         {PV_T_C_ENTITY, PV_K_ENTITY},
};
enum { KINDS = sizeof kind_order / sizeof kind_order[0] };

/* The better of `best` (an index in kind_order, KINDS: none yet) and type. */
static size_t better_kind(const pv_q *q, librdf_node *type, size_t best)
{
  for (size_t i = 0; i < best; i++)
    if (librdf_node_equals(type, q->t[kind_order[i].cls])) return i;
  return best;
}

static enum pv_kind kind_of(librdf_node *n, size_t best)
{
  if (best < KINDS) return kind_order[best].kind;
  /* Untyped: a file IRI still says what it names. */
  const char *iri = pv_q_iri(n);
  if (iri && strncmp(iri, "file://", 7) == 0) return strchr(iri, '#') ? PV_K_HDF5_OBJECT : PV_K_FILE;
  return PV_K_OTHER;
}

enum pv_kind pv_q_kind(pv_q *q, librdf_node *n)
{
  size_t best = KINDS;
  librdf_iterator *it = pv_q_targets(q, n, PV_T_TYPE);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
    best = better_kind(q, librdf_iterator_get_object(it), best);
  if (it) librdf_free_iterator(it);
  return kind_of(n, best);
}

enum pv_kind pv_q_kind_in(const pv_q *q, librdf_node *n, const pv_q_arcs *a, size_t types)
{
  size_t best = KINDS;
  for (size_t i = 0; i < a->n; i++)
    if (a->v[i].term == types) best = better_kind(q, a->v[i].node, best);
  return kind_of(n, best);
}

const char *pv_kind_name(enum pv_kind k)
{
  static const char *const names[] = {
      [PV_K_OTHER] = "node",       [PV_K_FILE_VERSION] = "file version", [PV_K_HDF5_OBJECT] = "hdf5 object",
      [PV_K_HDF5_VERSION] = "object version",
      [PV_K_FILE] = "file",        [PV_K_PROCESS] = "process",           [PV_K_PROGRAM] = "program",
      [PV_K_RANK] = "rank",        [PV_K_USER] = "user",                 [PV_K_THREAD] = "thread",
      [PV_K_JOB] = "job",          [PV_K_ACTIVITY] = "activity",         [PV_K_AGENT] = "agent",
      [PV_K_ENTITY] = "entity",    [PV_K_MESSAGE] = "message",           [PV_K_EXCHANGE] = "exchange",
  };
  return names[k];
}

/* Decodes a %-encoded tail into a new string, or NULL if malformed. */
static char *decoded(const char *s, size_t n, size_t *len)
{
  char *out = malloc(n + 1);
  size_t l = pv_iri_decode(out, s, n);
  if (l == (size_t)-1) {
    free(out);
    return NULL;
  }
  out[l] = 0;
  *len = l;
  return out;
}

char *pv_display_name(const char *iri, size_t *len)
{
  size_t n = strlen(iri);
  static const char *const urns[] = {PV_URN "program:", PV_URN "user:"};
  for (size_t i = 0; i < sizeof urns / sizeof urns[0]; i++) {
    size_t pl = strlen(urns[i]);
    char *name;
    if (strncmp(iri, urns[i], pl) == 0 && (name = decoded(iri + pl, n - pl, len))) return name;
  }
  /* urn:provio:job:<job>, and <job IRI>/rank/<n> as "rank n of <job>" */
  size_t jl = strlen(PV_URN "job:");
  if (strncmp(iri, PV_URN "job:", jl) == 0) {
    const char *slash = strchr(iri + jl, '/'), *rank = slash && strncmp(slash, "/rank/", 6) == 0 ? slash + 6 : NULL;
    char *job = (!slash || rank) ? decoded(iri + jl, (size_t)((slash ? slash : iri + n) - iri - jl), len) : NULL;
    if (job && !rank) return job;
    if (job && !strchr(rank, '/')) {
      char *out = malloc(strlen(rank) + *len + 16);
      *len = (size_t)sprintf(out, "rank %s of %s", rank, job);
      free(job);
      return out;
    }
    free(job);
  }
  char *host = malloc(n + 1), *path = malloc(n + 1);
  size_t hl, pl;
  if (pv_file_iri_parse(iri, n, host, n, &hl, path, n, &pl) == 0) {
    const char *frag = strchr(iri, '#');
    size_t fl = 0;
    char *object = frag ? decoded(frag + 1, strlen(frag + 1), &fl) : NULL;
    if (!frag || object) {
      /* host:/path and path:/object, the forms a TARGET takes. */
      char *out = malloc(hl + pl + fl + 3), *p = out;
      if (hl) {
        memcpy(p, host, hl);
        p += hl;
        *p++ = ':';
      }
      memcpy(p, path, pl);
      p += pl;
      if (object) {
        *p++ = ':';
        memcpy(p, object, fl);
        p += fl;
      }
      *p = 0;
      *len = (size_t)(p - out);
      free(object);
      free(host);
      free(path);
      return out;
    }
  }
  free(host);
  free(path);
  *len = n;
  return strdup(iri);
}
