/* lineage.c - resolving a target and walking lineage and impact. */
#include "lineage.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "ident.h"
#include "query_output.h"
#include "serialize.h"

/* ---- naming a target ---- */

/* The file IRI of an absolute path, made by the capture's own encoder: on
 * host (node-local) or shared (host NULL), with #object for HDF5, whose
 * first `owner` bytes are a path and the rest, after an '@', an attribute
 * name (docs/model.md, "HDF5 objects"). */
static char *file_iri(const char *host, size_t hl, const char *path, size_t pl, const char *object,
                      size_t owner)
{
  pv_identity id;
  pv_config c;
  memset(&id, 0, sizeof id);
  memset(&c, 0, sizeof c);
  if (host) {
    memcpy(id.host, host, hl < sizeof id.host ? hl : sizeof id.host - 1);
    c.local.count = 1;
    c.local.item[0] = "/";
    c.local.len[0] = 1;
  }
  size_t ol = object ? strlen(object) : 0;
  char *iri = malloc(PV_FILE_IRI_MAX(pl) + PV_IRI_ENC_MAX(ol) + 2);
  size_t n = pv_file_iri(iri, &id, &c, path, pl);
  if (object) {
    iri[n++] = '#';
    n += pv_iri_encode(iri + n, object, owner, "/");
    if (owner < ol) {
      iri[n++] = '@';
      n += pv_iri_encode(iri + n, object + owner + 1, ol - owner - 1, "");
    }
  }
  iri[n] = 0;
  return iri;
}

/* The node for iri if the store mentions it. */
static librdf_node *known(pv_q *q, const char *iri)
{
  librdf_node *n = pv_q_node(q, iri);
  if (n && pv_q_known(q, n)) return n;
  if (n) librdf_free_node(n);
  return NULL;
}

/* path (len bytes, relative to the working directory or absolute) made
 * canonical the way the capture does it: lexically, symlinks kept. */
static char *canonical(const char *path, size_t len, size_t *cl)
{
  char cwd[PV_PATH_MAX], *p = strndup(path, len), *out = malloc(PV_PATH_MAX + 1);
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  *cl = pv_path_canon(out, PV_PATH_MAX, cwd, p);
  out[*cl] = 0;
  free(p);
  if (!*cl) {
    free(out);
    return NULL;
  }
  return out;
}

/* A file path as this host or the shared file system would name it. */
static librdf_node *find_path(pv_q *q, const char *path, size_t len, const char *object, char **tried)
{
  size_t cl;
  char *canon = canonical(path, len, &cl);
  if (!canon) return NULL;
  struct utsname u;
  const char *host = uname(&u) == 0 ? u.nodename : "localhost";
  size_t hl = strcspn(host, ".");
  /* An object path, or an owner path and an attribute after its last '@'. */
  size_t ol = object ? strlen(object) : 0;
  const char *at = object ? strrchr(object, '@') : NULL;
  char *iri = NULL;
  librdf_node *n = NULL;
  for (int k = 0; !n && k < (at ? 4 : 2); k++) {
    char *cand = file_iri(k & 1 ? host : NULL, hl, canon, cl, object, k < 2 ? ol : (size_t)(at - object));
    n = known(q, cand);
    if (!iri) iri = cand; /* the shared name, for the error message */
    else free(cand);
  }
  if (!*tried) *tried = iri;
  else free(iri);
  free(canon);
  return n;
}

/* A node-local file named on any host: the store's files, by path. */
static librdf_node *find_on_any_host(pv_q *q, const char *path, size_t len)
{
  size_t cl;
  char *canon = canonical(path, len, &cl);
  if (!canon) return NULL;
  librdf_node *found = NULL;
  librdf_iterator *it = pv_q_sources(q, PV_T_TYPE, q->t[PV_T_C_FILE]);
  char host[256], *p = malloc(cl + 1);
  for (; it && !found && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *f = librdf_iterator_get_object(it);
    const char *iri = pv_q_iri(f);
    size_t hl, pl;
    if (iri && pv_file_iri_parse(iri, strlen(iri), host, sizeof host, &hl, p, cl, &pl) == 0 && hl &&
        pl == cl && memcmp(p, canon, cl) == 0 && !strchr(iri, '#'))
      found = librdf_new_node_from_node(f);
  }
  if (it) librdf_free_iterator(it);
  free(p);
  free(canon);
  return found;
}

static int is_iri(const char *t)
{
  static const char *const schemes[] = {"file://", "urn:", "http://", "https://"};
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    if (strncmp(t, schemes[i], strlen(schemes[i])) == 0) return 1;
  return 0;
}

static librdf_node *resolve(pv_q *q, const char *target, char **tried)
{
  size_t n = strlen(target);
  librdf_node *found = NULL, **node = &found;
  if (n >= 2 && target[0] == '<' && target[n - 1] == '>') {
    char *iri = strndup(target + 1, n - 2);
    *node = known(q, iri);
    free(iri);
  } else if (is_iri(target)) {
    *node = known(q, target);
  } else {
    /* The whole string as a path first: a ':' can be part of a name. */
    *node = find_path(q, target, n, NULL, tried);
    /* Then PATH:/object and HOST:/path, splitting at each ":/", the last
     * one first. */
    for (size_t i = n; !*node && i-- > 1;) {
      if (target[i] != '/' || target[i - 1] != ':') continue;
      *node = find_path(q, target, i - 1, target + i, tried);
      if (!*node && !memchr(target, '/', i - 1)) {
        char *iri = file_iri(target, i - 1, target + i, n - i, NULL, 0);
        *node = known(q, iri);
        free(iri);
      }
    }
    char real[PATH_MAX];
    if (!*node && realpath(target, real)) *node = find_path(q, real, strlen(real), NULL, tried);
    if (!*node) *node = find_on_any_host(q, target, n);
  }
  return found;
}

int pv_lineage_resolve(pv_q *q, const char *target, librdf_node **node, char *err, size_t errlen)
{
  char *tried = NULL;
  *node = resolve(q, target, &tried);
  /* A name as the text output printed it (pv_put_escaped): a backslash
   * there is an escape, unless the name itself is in the store. */
  size_t n = strlen(target);
  char *name = !*node && strchr(target, '\\') ? malloc(n + 1) : NULL;
  size_t len = name ? pv_unescape_text(name, target, n) : (size_t)-1;
  if (len != (size_t)-1 && !memchr(name, 0, len)) {
    name[len] = 0;
    char *ignored = NULL;
    *node = resolve(q, name, &ignored);
    free(ignored);
  }
  free(name);
  if (!*node) {
    if (tried) snprintf(err, errlen, "%s: not in the store (no %s)", target, tried);
    else snprintf(err, errlen, "%s: not in the store", target);
  }
  free(tried);
  return *node ? PV_EXIT_OK : PV_EXIT_NO_TARGET;
}

/* ---- the walk ---- */

static char *node_key(librdf_node *n)
{
  const char *iri = pv_q_iri(n);
  if (iri) return strdup(iri);
  const char *b = librdf_node_is_blank(n) ? (const char *)librdf_node_get_blank_identifier(n) : NULL;
  if (!b) return NULL;
  char *k = malloc(strlen(b) + 3);
  sprintf(k, "_:%s", b);
  return k;
}

/* Records that `at`, being expanded, reached node idx by link. */
static void add_edge(pv_lineage *l, size_t at, size_t idx, enum pv_link link)
{
  size_t from = l->dir == PV_BACKWARD ? at : idx, to = l->dir == PV_BACKWARD ? idx : at;
  /* One edge per pair and relation.  The edges of `at` are the last ones
   * added, so a repeat (two read sessions of one file) is among them. */
  for (size_t i = l->ne; i-- > 0;) {
    const pv_lin_edge *e = &l->edges[i];
    if ((l->dir == PV_BACKWARD ? e->from : e->to) != at) break;
    if (e->from == from && e->to == to && e->link == link) return;
  }
  if (l->ne == l->ecap) {
    l->ecap = l->ecap ? 2 * l->ecap : 64;
    l->edges = realloc(l->edges, l->ecap * sizeof *l->edges);
  }
  l->edges[l->ne++] = (pv_lin_edge){from, to, link};
}

/* Adds n (borrowed) one level below node `at`, linked by link.  The
 * edge's ends follow PROV: backward, `at` is the later thing. */
static void reach(pv_q *q, pv_lineage *l, size_t at, librdf_node *n, enum pv_link link)
{
  char *key = node_key(n);
  if (!key) return;
  size_t idx = pv_index_get(&l->visited, key);
  if (idx == SIZE_MAX) {
    if (l->n == l->cap) {
      l->cap = l->cap ? 2 * l->cap : 64;
      l->nodes = realloc(l->nodes, l->cap * sizeof *l->nodes);
    }
    idx = l->n++;
    pv_index_put(&l->visited, key, idx);
    l->nodes[idx] = (pv_lin_node){librdf_new_node_from_node(n), key, pv_q_kind(q, n),
                                  at == SIZE_MAX ? 0 : l->nodes[at].level + 1, SIZE_MAX};
    key = NULL;
    if (at != SIZE_MAX) l->nodes[idx].via = l->ne;
  }
  free(key);
  if (at != SIZE_MAX && idx != at) add_edge(l, at, idx, link);
}

/* Calls reach for every object of (subject, term), or every subject of
 * (term, object) when `sources`. */
static void reach_all(pv_q *q, pv_lineage *l, size_t at, enum pv_term_id term, int sources,
                      enum pv_link link)
{
  librdf_node *n = l->nodes[at].node;
  librdf_iterator *it = sources ? pv_q_sources(q, term, n) : pv_q_targets(q, n, term);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *m = librdf_iterator_get_object(it);
    if (librdf_node_is_literal(m)) continue;
    /* Threads are how a process did its work, not where data came from. */
    if (link == PV_L_ASSOCIATED && pv_q_kind(q, m) == PV_K_THREAD) continue;
    reach(q, l, at, m, link);
  }
  if (it) librdf_free_iterator(it);
}

/* The versions of file current at time t (xsd:dateTime strings compare in
 * time order): the latest generated at or before t (t NULL: the latest of
 * all); ties are all returned.  NULL-terminated array of new nodes, or NULL
 * if the file had no version by then. */
static librdf_node **versions_at(pv_q *q, librdf_node *file, const char *t)
{
  librdf_node **best = NULL;
  size_t nb = 0;
  char *best_t = NULL;
  librdf_iterator *it = pv_q_sources(q, PV_T_SPECIALIZATION_OF, file);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *v = librdf_iterator_get_object(it);
    char *vt = pv_q_string(q, v, PV_T_GENERATED_AT);
    int c = vt && best_t ? strcmp(vt, best_t) : vt ? 1 : -1;
    if (!vt || (t && strcmp(vt, t) > 0) || c < 0) {
      free(vt);
      continue;
    }
    if (c > 0) {
      for (size_t i = 0; i < nb; i++) librdf_free_node(best[i]);
      nb = 0;
      free(best_t);
      best_t = vt;
    } else {
      free(vt);
    }
    best = realloc(best, (nb + 2) * sizeof *best);
    best[nb++] = librdf_new_node_from_node(v);
    best[nb] = NULL;
  }
  if (it) librdf_free_iterator(it);
  free(best_t);
  return best;
}

static void free_nodes(librdf_node **v)
{
  for (size_t i = 0; v && v[i]; i++) librdf_free_node(v[i]);
  free(v);
}

/* What file f held at time t: its version then, or f itself if no tracked
 * process had written it yet (an input from outside the store). */
static void reach_content(pv_q *q, pv_lineage *l, size_t at, librdf_node *f, const char *t,
                          enum pv_link link)
{
  librdf_node **v = versions_at(q, f, t);
  if (!v) reach(q, l, at, f, link);
  for (size_t i = 0; v && v[i]; i++) reach(q, l, at, v[i], link);
  free_nodes(v);
}

/* Calls fn for every read session of process p: of a file (FileAccess) or
 * of an HDF5 object (Hdf5Access), with what it read and when it began. */
static void each_read(pv_q *q, librdf_node *p,
                      void (*fn)(pv_q *, pv_lineage *, size_t, librdf_node *, const char *, void *),
                      pv_lineage *l, size_t at, void *arg)
{
  librdf_iterator *it = pv_q_sources(q, PV_T_PART_OF, p);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *a = librdf_iterator_get_object(it);
    int64_t reads;
    /* Trace-mode calls are part of the process too, one per call: session
     * IRIs (docs/model.md) tell them apart without a lookup. */
    const char *iri = pv_q_iri(a);
    int object = iri && strstr(iri, "/h5access/");
    if (!object && (!iri || !strstr(iri, "/access/"))) continue;
    if (pv_q_long(q, a, PV_T_READS, &reads) != 0 || reads <= 0 || pv_q_library_internal(q, a)) continue;
    librdf_node *f = pv_q_target(q, a, object ? PV_T_OBJECT : PV_T_FILE);
    char *t = pv_q_string(q, a, PV_T_STARTED_AT);
    if (f && t) fn(q, l, at, f, t, arg);
    free(t);
    if (f) librdf_free_node(f);
  }
  if (it) librdf_free_iterator(it);
}

/* Backward: a session of the generating process that started reading
 * before the entity was generated is a source of it (prov-merge derives the
 * same for versions; this also finds inputs no tracked process wrote). */
static void source_read(pv_q *q, pv_lineage *l, size_t at, librdf_node *f, const char *t, void *gen)
{
  if (!gen || strcmp(t, gen) < 0) reach_content(q, l, at, f, t, PV_L_READ_BEFORE);
}

/* Everything a process read, as it was when it read it. */
static void any_read(pv_q *q, pv_lineage *l, size_t at, librdf_node *f, const char *t, void *unused)
{
  reach_content(q, l, at, f, t, PV_L_USED);
}

/* The other ends of a process's standard input or output pipe
 * (provio:readsPipe / writesPipe name the pipe by host and inode). */
static void reach_pipe(pv_q *q, pv_lineage *l, size_t at, enum pv_term_id own, enum pv_term_id other)
{
  char *pipe = pv_q_string(q, l->nodes[at].node, own);
  if (!pipe) return;
  librdf_node *lit = librdf_new_node_from_literal(q->world, (const unsigned char *)pipe, NULL, 0);
  librdf_iterator *it = lit ? pv_q_sources(q, other, lit) : NULL;
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
    reach(q, l, at, librdf_iterator_get_object(it), PV_L_PIPE);
  if (it) librdf_free_iterator(it);
  if (lit) librdf_free_node(lit);
  free(pipe);
}

/* Whether node i was reached through a pipe: then all its data came from
 * (or went to) the other end, without times to tell what came first. */
static int piped(const pv_lineage *l, size_t i)
{
  return l->nodes[i].via != SIZE_MAX && l->edges[l->nodes[i].via].link == PV_L_PIPE;
}

/* Forward: versions process p generated after a session that read what
 * the entity at `at` is (the file itself, or the version current then). */
struct read_of {
  librdf_node *file, *version, *process;
};

static void output_after_read(pv_q *q, pv_lineage *l, size_t at, librdf_node *f, const char *t, void *arg)
{
  struct read_of *r = arg;
  if (!librdf_node_equals(f, r->file)) return;
  if (r->version) {
    librdf_node **v = versions_at(q, f, t);
    int saw = 0;
    for (size_t i = 0; v && v[i]; i++) saw |= librdf_node_equals(v[i], r->version);
    free_nodes(v);
    if (!saw) return;
  }
  librdf_iterator *it = pv_q_sources(q, PV_T_GENERATED_BY, r->process);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *out = librdf_iterator_get_object(it);
    char *gt = pv_q_string(q, out, PV_T_GENERATED_AT);
    if (gt && strcmp(gt, t) > 0) reach(q, l, at, out, PV_L_READ_BEFORE);
    free(gt);
  }
  if (it) librdf_free_iterator(it);
}

static int is_entity(enum pv_kind k)
{
  return k == PV_K_FILE_VERSION || k == PV_K_HDF5_VERSION || k == PV_K_HDF5_OBJECT || k == PV_K_FILE ||
         k == PV_K_ENTITY || k == PV_K_OTHER;
}

static int is_agent(enum pv_kind k)
{
  return k == PV_K_PROGRAM || k == PV_K_RANK || k == PV_K_USER || k == PV_K_THREAD || k == PV_K_AGENT;
}

/* The process that started p (fork, spawn): wasInformedBy also links
 * processes through data, so only the one whose pid is p's parent pid on
 * p's host counts. */
static void reach_parent(pv_q *q, pv_lineage *l, size_t at)
{
  librdf_node *p = l->nodes[at].node;
  int64_t ppid, pid;
  char *host = pv_q_string(q, p, PV_T_HOST);
  if (pv_q_long(q, p, PV_T_PPID, &ppid) == 0 && host) {
    librdf_iterator *it = pv_q_targets(q, p, PV_T_INFORMED_BY);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
      librdf_node *o = librdf_iterator_get_object(it);
      char *oh = pv_q_string(q, o, PV_T_HOST);
      if (oh && strcmp(oh, host) == 0 && pv_q_long(q, o, PV_T_PID, &pid) == 0 && pid == ppid)
        reach(q, l, at, o, PV_L_STARTED_BY);
      free(oh);
    }
    if (it) librdf_free_iterator(it);
  }
  free(host);
}

static void expand_backward(pv_q *q, pv_lineage *l, size_t at)
{
  enum pv_kind k = l->nodes[at].kind;
  librdf_node *n = l->nodes[at].node;
  if (is_entity(k)) {
    reach_all(q, l, at, PV_T_DERIVED_FROM, 0, PV_L_DERIVED_FROM);
    reach_all(q, l, at, PV_T_REVISION_OF, 0, PV_L_REVISION_OF);
    char *gen = pv_q_string(q, n, PV_T_GENERATED_AT);
    librdf_node *from = pv_q_target(q, n, PV_T_RENAMED_FROM);
    if (from) {
      reach_content(q, l, at, from, gen, PV_L_RENAMED_FROM);
      librdf_free_node(from);
    }
    librdf_iterator *it = pv_q_targets(q, n, PV_T_GENERATED_BY);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
      librdf_node *p = librdf_iterator_get_object(it);
      reach(q, l, at, p, PV_L_GENERATED_BY);
      each_read(q, p, source_read, l, at, gen);
    }
    if (it) librdf_free_iterator(it);
    free(gen);
  } else if (k == PV_K_PROCESS || k == PV_K_ACTIVITY) {
    /* A target process, or one that fed a pipe: everything it read.  A
     * process reached from what it generated: its inputs came with that
     * entity (read before). */
    if (l->nodes[at].level == 0 || piped(l, at)) each_read(q, n, any_read, l, at, NULL);
    reach_pipe(q, l, at, PV_T_READS_PIPE, PV_T_WRITES_PIPE);
    reach_all(q, l, at, PV_T_ASSOCIATED_WITH, 0, PV_L_ASSOCIATED);
    reach_all(q, l, at, PV_T_FORKED_FROM, 0, PV_L_FORKED_FROM);
    reach_all(q, l, at, PV_T_EXECED_FROM, 0, PV_L_EXECED_FROM);
    reach_parent(q, l, at);
  } else if (is_agent(k)) {
    reach_all(q, l, at, PV_T_ON_BEHALF_OF, 0, PV_L_ON_BEHALF_OF);
  }
}

static void expand_forward(pv_q *q, pv_lineage *l, size_t at)
{
  enum pv_kind k = l->nodes[at].kind;
  librdf_node *n = l->nodes[at].node;
  if (k == PV_K_PROCESS || k == PV_K_ACTIVITY) {
    /* Impact is what was made from data: a process's own outputs come with
     * the data it read (made after reading), but a target process, or one
     * at the reading end of a pipe, may have made anything from it. */
    reach_pipe(q, l, at, PV_T_WRITES_PIPE, PV_T_READS_PIPE);
    if (piped(l, at) || l->nodes[at].level == 0) reach_all(q, l, at, PV_T_GENERATED_BY, 1, PV_L_GENERATED_BY);
    return;
  }
  if (!is_entity(k)) return;
  reach_all(q, l, at, PV_T_DERIVED_FROM, 1, PV_L_DERIVED_FROM);
  reach_all(q, l, at, PV_T_REVISION_OF, 1, PV_L_REVISION_OF);
  struct read_of r = {n, NULL, NULL};
  librdf_node *of = pv_q_target(q, n, PV_T_SPECIALIZATION_OF);
  if (of) {
    r.file = of;
    r.version = n;
  }
  /* Renamed: the copy under the new name holds what the file held. */
  librdf_iterator *it = pv_q_sources(q, PV_T_RENAMED_FROM, r.file);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *v = librdf_iterator_get_object(it);
    char *t = pv_q_string(q, v, PV_T_GENERATED_AT);
    librdf_node **cur = r.version ? versions_at(q, r.file, t) : NULL;
    int held = !r.version;
    for (size_t i = 0; cur && cur[i]; i++) held |= librdf_node_equals(cur[i], r.version);
    if (held) reach(q, l, at, v, PV_L_RENAMED_FROM);
    free_nodes(cur);
    free(t);
  }
  if (it) librdf_free_iterator(it);
  it = pv_q_sources(q, PV_T_USED, n);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    r.process = librdf_iterator_get_object(it);
    reach(q, l, at, r.process, PV_L_USED);
    each_read(q, r.process, output_after_read, l, at, &r);
  }
  if (it) librdf_free_iterator(it);
  if (of) librdf_free_node(of);
}

void pv_lineage_walk(pv_q *q, librdf_node *target, enum pv_lineage_dir dir, int depth, pv_lineage *out)
{
  memset(out, 0, sizeof *out);
  out->dir = dir;
  /* A file's lineage is that of its content now (its latest version); its
   * impact starts from the file and every version of it. */
  librdf_node **v = versions_at(q, target, NULL);
  if (dir == PV_BACKWARD && v) {
    for (size_t i = 0; v[i]; i++) reach(q, out, SIZE_MAX, v[i], PV_L_COUNT);
  } else {
    reach(q, out, SIZE_MAX, target, PV_L_COUNT);
    librdf_iterator *it = dir == PV_FORWARD ? pv_q_sources(q, PV_T_SPECIALIZATION_OF, target) : NULL;
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
      reach(q, out, SIZE_MAX, librdf_iterator_get_object(it), PV_L_COUNT);
    if (it) librdf_free_iterator(it);
  }
  free_nodes(v);
  for (size_t i = 0; i < out->n; i++) {
    if (depth >= 0 && out->nodes[i].level >= depth) continue;
    if (dir == PV_BACKWARD) expand_backward(q, out, i);
    else expand_forward(q, out, i);
  }
}

void pv_lineage_free(pv_lineage *l)
{
  for (size_t i = 0; i < l->n; i++) {
    librdf_free_node(l->nodes[i].node);
    free(l->nodes[i].key);
  }
  free(l->nodes);
  free(l->edges);
  pv_index_free(&l->visited);
  memset(l, 0, sizeof *l);
}
