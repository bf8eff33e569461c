/* lineage.c - resolving a target and walking lineage and impact. */
#include "lineage.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ident.h"
#include "query_output.h"
#include "serialize.h"

/* ---- naming a target ---- */

/* The file IRI of an absolute path, as the capture names it: on
 * host (node-local) or shared (host NULL), with #object for HDF5, whose
 * first `owner` bytes are a path and the rest, after an '@', an attribute
 * name (docs/model.md, "HDF5 objects"). */
static char *file_iri(const char *host, size_t hl, const char *path, size_t pl, const char *object,
                      size_t owner)
{
  size_t ol = object ? strlen(object) : 0;
  char *iri = malloc(PV_FILE_IRI_MAX(pl) + PV_IRI_ENC_MAX(ol) + 2);
  if (!iri) return NULL;
  size_t n = pv_file_iri_on(iri, host, hl, path, pl);
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
    n = cand ? known(q, cand) : NULL;
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
        *node = iri ? known(q, iri) : NULL;
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

/* The visited-set value of a node the walk does not show or go through. */
#define HIDDEN (SIZE_MAX - 1)

typedef struct walker {
  pv_q *q;
  pv_lineage *l;
  /* Forward from a process: the processes it started, forked, exec'd or
   * piped into, transitively (their keys).  Only these make things; any
   * other process reached forward is a reader, and ends there. */
  pv_index *makers;
} walker;

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

static size_t edge_hash(size_t from, size_t to, enum pv_link link)
{
  uint64_t h = ((uint64_t)from * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)to * 0xc2b2ae3d27d4eb4fULL) ^ (uint64_t)link;
  return (size_t)(h ^ (h >> 31));
}

/* The set slot of edge (from, to, link): holding it, or free. */
static size_t *edge_slot(pv_lineage *l, size_t from, size_t to, enum pv_link link)
{
  for (size_t i = edge_hash(from, to, link) & l->edge_mask;; i = (i + 1) & l->edge_mask) {
    size_t *slot = &l->edge_set[i];
    if (!*slot) return slot;
    const pv_lin_edge *e = &l->edges[*slot - 1];
    if (e->from == from && e->to == to && e->link == link) return slot;
  }
}

static int grow_edge_set(pv_lineage *l)
{
  size_t size = l->edge_set ? 2 * (l->edge_mask + 1) : 256;
  size_t *set = calloc(size, sizeof *set);
  if (!set) return -1;
  free(l->edge_set);
  l->edge_set = set;
  l->edge_mask = size - 1;
  for (size_t i = 0; i < l->ne; i++)
    *edge_slot(l, l->edges[i].from, l->edges[i].to, l->edges[i].link) = i + 1;
  return 0;
}

/* Records that `at`, being expanded, reached node idx by link: one edge
 * per pair and relation (a joint version's contributor comes twice),
 * found by hash: scanning the edges of `at` was quadratic in the ranks
 * writing an N-1 file. */
static void add_edge(pv_lineage *l, size_t at, size_t idx, enum pv_link link)
{
  int back = l->walk.dir == PV_BACKWARD;
  size_t from = back ? at : idx, to = back ? idx : at;
  if (2 * (l->ne + 1) > (l->edge_set ? l->edge_mask + 1 : 0) && grow_edge_set(l) != 0) return;
  size_t *slot = edge_slot(l, from, to, link);
  if (*slot) return;
  if (l->ne == l->ecap) {
    size_t cap = l->ecap ? 2 * l->ecap : 64;
    pv_lin_edge *edges = realloc(l->edges, cap * sizeof *edges);
    if (!edges) return;
    l->edges = edges;
    l->ecap = cap;
  }
  l->edges[l->ne++] = (pv_lin_edge){from, to, link};
  *slot = l->ne;
}

static int is_entity(enum pv_kind k)
{
  return k == PV_K_FILE_VERSION || k == PV_K_HDF5_VERSION || k == PV_K_HDF5_OBJECT || k == PV_K_FILE ||
         k == PV_K_MESSAGE || k == PV_K_EXCHANGE || k == PV_K_ENTITY || k == PV_K_OTHER;
}

static int is_process(enum pv_kind k) { return k == PV_K_PROCESS || k == PV_K_ACTIVITY; }

/* Whether entity n is the environment's: it, or what it is a version of,
 * or the file an HDF5 object is in, is marked provio:environment by
 * prov-merge. */
static int environment(pv_q *q, librdf_node *n)
{
  static const enum pv_term_id up[] = {PV_T_SPECIALIZATION_OF, PV_T_IN_FILE};
  int env = pv_q_true(q, n, PV_T_ENVIRONMENT);
  for (size_t i = 0; !env && i < sizeof up / sizeof up[0]; i++) {
    librdf_node *of = pv_q_target(q, n, up[i]);
    env = of && environment(q, of);
    if (of) librdf_free_node(of);
  }
  return env;
}

/* The arcs of a process that say what it is, describe it and link it to
 * its parents: indexes into process_terms. */
enum process_arc {
  PA_TYPE,
  PA_FORKED_FROM,
  PA_EXECED_FROM,
  PA_INFORMED_BY,
  PA_READS_PIPE,
  PA_HOST,
  PA_PID,
  PA_PPID,
  PA_EXECUTABLE,
  PA_RANK,
  PA_EXIT,
  PA_COMMAND,
  PA_AGENTS,
  PA_COUNT
};
static const enum pv_term_id process_terms[PA_COUNT] = {
    [PA_TYPE] = PV_T_TYPE,           [PA_FORKED_FROM] = PV_T_FORKED_FROM, [PA_EXECED_FROM] = PV_T_EXECED_FROM,
    [PA_INFORMED_BY] = PV_T_INFORMED_BY, [PA_READS_PIPE] = PV_T_READS_PIPE, [PA_HOST] = PV_T_HOST,
    [PA_PID] = PV_T_PID,             [PA_PPID] = PV_T_PPID,               [PA_EXECUTABLE] = PV_T_EXECUTABLE,
    [PA_RANK] = PV_T_RANK,           [PA_EXIT] = PV_T_EXIT_STATUS,        [PA_COMMAND] = PV_T_COMMAND_LINE,
    [PA_AGENTS] = PV_T_ASSOCIATED_WITH,
};

enum pv_kind pv_lineage_process_facts(pv_q *q, librdf_node *n, pv_process_facts *f)
{
  static const unsigned every =
      1u << PA_TYPE | 1u << PA_FORKED_FROM | 1u << PA_EXECED_FROM | 1u << PA_INFORMED_BY | 1u << PA_AGENTS;
  pv_q_arcs a = {0};
  memset(f, 0, sizeof *f);
  pv_q_arcs_of(q, n, process_terms, PA_COUNT, every, &a);
  enum pv_kind kind = pv_q_kind_in(q, n, &a, PA_TYPE);
  if (is_process(kind)) {
    f->has_pid = pv_q_node_long(pv_q_arcs_first(&a, PA_PID), &f->pid) == 0;
    f->has_ppid = pv_q_node_long(pv_q_arcs_first(&a, PA_PPID), &f->ppid) == 0;
    f->has_rank = pv_q_node_long(pv_q_arcs_first(&a, PA_RANK), &f->rank) == 0;
    f->has_exit = pv_q_node_long(pv_q_arcs_first(&a, PA_EXIT), &f->exit) == 0;
    f->host = pv_q_node_string(pv_q_arcs_first(&a, PA_HOST));
    f->program = pv_q_program_in(q, &a, PA_EXECUTABLE, PA_AGENTS);
    f->user = pv_q_agent_name(q, &a, PA_AGENTS, PV_K_USER);
    f->command = pv_q_node_string(pv_q_arcs_first(&a, PA_COMMAND));
    f->reads_pipe = pv_q_node_string(pv_q_arcs_first(&a, PA_READS_PIPE));
    for (size_t i = 0; i < a.n; i++)
      if (a.v[i].term == PA_FORKED_FROM || a.v[i].term == PA_EXECED_FROM || a.v[i].term == PA_INFORMED_BY)
        pv_q_arcs_add(&f->parents, a.v[i].term, librdf_new_node_from_node(a.v[i].node));
  }
  pv_q_arcs_free(&a);
  return kind;
}

void pv_process_facts_free(pv_process_facts *f)
{
  free(f->host);
  free(f->program);
  free(f->user);
  free(f->command);
  free(f->reads_pipe);
  pv_q_arcs_free(&f->parents);
  memset(f, 0, sizeof *f);
}

/* Whether what a walk reaches by link is a process (an activity, at
 * least): a parent or child, a generator (backward) or a reader
 * (forward). */
static int reaches_process(const pv_lineage *l, enum pv_link link)
{
  int back = l->walk.dir == PV_BACKWARD;
  return link == PV_L_FORKED_FROM || link == PV_L_EXECED_FROM || link == PV_L_STARTED_BY || link == PV_L_PIPE ||
         (back ? link == PV_L_GENERATED_BY : link == PV_L_USED);
}

/* n's kind; for what is likely a process also its facts, which tell the
 * kind too, into *facts (NULL when n is no process). */
static enum pv_kind classify(walker *w, librdf_node *n, enum pv_link link, pv_process_facts **facts)
{
  *facts = reaches_process(w->l, link) ? malloc(sizeof **facts) : NULL;
  if (!*facts) return pv_q_kind(w->q, n);
  enum pv_kind kind = pv_lineage_process_facts(w->q, n, *facts);
  if (!is_process(kind)) {
    free(*facts);
    *facts = NULL;
  }
  return kind;
}

/* Adds n (borrowed) one level below node `at` (SIZE_MAX: a target),
 * linked by link, unless it is hidden environment. */
static void reach(walker *w, size_t at, librdf_node *n, enum pv_link link)
{
  pv_lineage *l = w->l;
  char *key = node_key(n);
  if (!key) return;
  size_t idx = pv_index_get(&l->visited, key);
  if (idx == SIZE_MAX) {
    pv_process_facts *facts;
    enum pv_kind kind = classify(w, n, link, &facts);
    if (at != SIZE_MAX && !l->walk.all && is_entity(kind) && environment(w->q, n)) {
      pv_index_put(&l->visited, key, HIDDEN);
      free(key);
      return;
    }
    if (l->n == l->cap) {
      l->cap = l->cap ? 2 * l->cap : 64;
      l->nodes = realloc(l->nodes, l->cap * sizeof *l->nodes);
    }
    idx = l->n++;
    pv_index_put(&l->visited, key, idx);
    l->nodes[idx] = (pv_lin_node){librdf_new_node_from_node(n), key, kind,
                                  at == SIZE_MAX ? 0 : l->nodes[at].level + 1, SIZE_MAX, facts};
    key = NULL;
    if (at != SIZE_MAX) l->nodes[idx].via = l->ne;
  }
  free(key);
  if (at != SIZE_MAX && idx != at && idx != HIDDEN) add_edge(l, at, idx, link);
}

/* The joint version a session's version is a member of, or NULL: readers
 * see the joint version, so it stands for its members. */
static librdf_node *joint_of(pv_q *q, librdf_node *v)
{
  return pv_q_source(q, PV_T_MEMBER, v);
}

/* Reaches entity v, or the joint version it is a member of. */
static void reach_entity(walker *w, size_t at, librdf_node *v, enum pv_link link)
{
  librdf_node *joint = joint_of(w->q, v);
  reach(w, at, joint ? joint : v, link);
  if (joint) librdf_free_node(joint);
}

/* Calls reach for every object of (node at, term), or every subject of
 * (term, node at) when `sources`. */
static void reach_all(walker *w, size_t at, enum pv_term_id term, int sources, enum pv_link link)
{
  librdf_node *n = w->l->nodes[at].node;
  /* What a process generated or an entity derives from is an entity;
   * what generated an entity, or used it, a process. */
  int entities = link == PV_L_DERIVED_FROM || link == PV_L_REVISION_OF || (link == PV_L_GENERATED_BY && sources);
  librdf_iterator *it = sources ? pv_q_sources(w->q, term, n) : pv_q_targets(w->q, n, term);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *m = librdf_iterator_get_object(it);
    if (librdf_node_is_literal(m)) continue;
    if (entities) reach_entity(w, at, m, link);
    else reach(w, at, m, link);
  }
  if (it) librdf_free_iterator(it);
}

/* The processes that generated entity `at`.  A joint version names every
 * contributor itself: prov-merge gives it the generator of each member
 * (store/derive.c, emit_generations), so its 40k members of an N-1 file
 * need not be read here. */
static void reach_generators(walker *w, size_t at)
{
  reach_all(w, at, PV_T_GENERATED_BY, 0, PV_L_GENERATED_BY);
}

/* The objects of (process `at`, pa) as its facts hold them, or, for a
 * process without (a target; any of a forward walk), of a lookup; with
 * `sources`, the subjects of (pa, `at`).  Appended to *out (new nodes). */
static void chain_nodes(walker *w, size_t at, enum process_arc pa, int sources, pv_q_arcs *out)
{
  const pv_lin_node *p = &w->l->nodes[at];
  if (p->facts && !sources) {
    for (size_t i = 0; i < p->facts->parents.n; i++)
      if (p->facts->parents.v[i].term == pa)
        pv_q_arcs_add(out, pa, librdf_new_node_from_node(p->facts->parents.v[i].node));
    return;
  }
  librdf_iterator *it = sources ? pv_q_sources(w->q, process_terms[pa], p->node)
                                : pv_q_targets(w->q, p->node, process_terms[pa]);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
    pv_q_arcs_add(out, pa, librdf_new_node_from_node(librdf_iterator_get_object(it)));
  if (it) librdf_free_iterator(it);
}

/* Reaches every node of (process `at`, pa) (backward) or (pa, `at`). */
static void reach_chain_link(walker *w, size_t at, enum process_arc pa, enum pv_link link)
{
  pv_q_arcs to = {0};
  chain_nodes(w, at, pa, w->l->walk.dir == PV_FORWARD, &to);
  for (size_t i = 0; i < to.n; i++)
    if (!librdf_node_is_literal(to.v[i].node)) reach(w, at, to.v[i].node, link);
  pv_q_arcs_free(&to);
}

/* The process whose pid is p's parent pid on p's host, among those linked
 * by wasInformedBy (which also links processes through data); backward
 * the one that started p, forward the ones p started. */
static void reach_started(walker *w, size_t at)
{
  int back = w->l->walk.dir == PV_BACKWARD;
  pv_q_arcs linked = {0};
  chain_nodes(w, at, PA_INFORMED_BY, !back, &linked);
  /* p's host and pid only once there is a candidate: most processes (every
   * rank of an N-1 job) have none. */
  const pv_lin_node *p = &w->l->nodes[at];
  const pv_process_facts *f = p->facts;
  char *host = !linked.n ? NULL : f ? (f->host ? strdup(f->host) : NULL) : pv_q_string(w->q, p->node, PV_T_HOST);
  int64_t own = 0, other;
  int known = 0;
  if (host && f) {
    known = back ? f->has_ppid : f->has_pid;
    own = back ? f->ppid : f->pid;
  } else if (host) {
    known = pv_q_long(w->q, p->node, back ? PV_T_PPID : PV_T_PID, &own) == 0;
  }
  for (size_t i = 0; known && i < linked.n; i++) {
    librdf_node *o = linked.v[i].node;
    char *oh = pv_q_string(w->q, o, PV_T_HOST);
    if (oh && strcmp(oh, host) == 0 && pv_q_long(w->q, o, back ? PV_T_PID : PV_T_PPID, &other) == 0 &&
        other == own)
      reach(w, at, o, PV_L_STARTED_BY);
    free(oh);
  }
  pv_q_arcs_free(&linked);
  free(host);
}

/* The other ends of a process's standard input (backward: its writer) or
 * output (forward: its reader) pipe, which provio:readsPipe / writesPipe
 * name by host and inode. */
static void reach_pipe(walker *w, size_t at)
{
  int back = w->l->walk.dir == PV_BACKWARD;
  const pv_process_facts *f = w->l->nodes[at].facts;
  char *pipe = f && back ? (f->reads_pipe ? strdup(f->reads_pipe) : NULL)
                         : pv_q_string(w->q, w->l->nodes[at].node, back ? PV_T_READS_PIPE : PV_T_WRITES_PIPE);
  if (!pipe) return;
  librdf_node *lit = librdf_new_node_from_literal(w->q->world, (const unsigned char *)pipe, NULL, 0);
  librdf_iterator *it = lit ? pv_q_sources(w->q, back ? PV_T_WRITES_PIPE : PV_T_READS_PIPE, lit) : NULL;
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
    reach(w, at, librdf_iterator_get_object(it), PV_L_PIPE);
  if (it) librdf_free_iterator(it);
  if (lit) librdf_free_node(lit);
  free(pipe);
}

/* The process chain: backward the processes that started, forked, exec'd
 * or piped into process `at`; forward those it started, forked, exec'd or
 * piped into. */
static void reach_chain(walker *w, size_t at)
{
  reach_chain_link(w, at, PA_FORKED_FROM, PV_L_FORKED_FROM);
  reach_chain_link(w, at, PA_EXECED_FROM, PV_L_EXECED_FROM);
  reach_started(w, at);
  reach_pipe(w, at);
}

/* Whether process p used a version of x (a file or HDF5 object). */
static int used_version_of(pv_q *q, librdf_node *p, librdf_node *x)
{
  int found = 0;
  librdf_iterator *it = pv_q_targets(q, p, PV_T_USED);
  for (; it && !found && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *of = pv_q_target(q, librdf_iterator_get_object(it), PV_T_SPECIALIZATION_OF);
    found = of && librdf_node_equals(of, x);
    if (of) librdf_free_node(of);
  }
  if (it) librdf_free_iterator(it);
  return found;
}

/* A target process's sources: what it used.  The capture names the file
 * of every read, prov-merge the version the read saw: the file itself
 * counts only where no version of it was seen (an input from outside). */
static void reach_used(walker *w, size_t at)
{
  librdf_node *p = w->l->nodes[at].node;
  librdf_iterator *it = pv_q_targets(w->q, p, PV_T_USED);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *x = librdf_iterator_get_object(it);
    enum pv_kind k = pv_q_kind(w->q, x);
    if ((k == PV_K_FILE || k == PV_K_HDF5_OBJECT) && used_version_of(w->q, p, x)) continue;
    reach_entity(w, at, x, PV_L_USED);
  }
  if (it) librdf_free_iterator(it);
}

static void expand_backward(walker *w, size_t at)
{
  enum pv_kind k = w->l->nodes[at].kind;
  if (is_entity(k)) {
    reach_all(w, at, PV_T_DERIVED_FROM, 0, PV_L_DERIVED_FROM);
    reach_all(w, at, PV_T_REVISION_OF, 0, PV_L_REVISION_OF);
    reach_generators(w, at);
  } else if (is_process(k)) {
    /* prov-merge derived what each entity came from: a process reached
     * from what it generated is context, not a source of its own. */
    if (w->l->nodes[at].via == SIZE_MAX) reach_used(w, at);
    reach_chain(w, at);
  }
}

static void expand_forward(walker *w, size_t at)
{
  enum pv_kind k = w->l->nodes[at].kind;
  if (is_entity(k)) {
    reach_all(w, at, PV_T_DERIVED_FROM, 1, PV_L_DERIVED_FROM);
    reach_all(w, at, PV_T_REVISION_OF, 1, PV_L_REVISION_OF);
    reach_all(w, at, PV_T_USED, 1, PV_L_USED);
  } else if (is_process(k) && w->makers && pv_index_get(w->makers, w->l->nodes[at].key) != SIZE_MAX) {
    reach_chain(w, at);
    reach_all(w, at, PV_T_GENERATED_BY, 1, PV_L_GENERATED_BY);
  }
}

/* The versions a file holds now: those with the latest prov:generatedAtTime
 * (xsd:dateTime strings compare in time order; ties all).  NULL-terminated
 * array of new nodes, or NULL if no version has a time. */
static librdf_node **latest_versions(pv_q *q, librdf_node *file)
{
  librdf_node **best = NULL;
  size_t nb = 0;
  char *best_t = NULL;
  librdf_iterator *it = pv_q_sources(q, PV_T_SPECIALIZATION_OF, file);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *v = librdf_iterator_get_object(it);
    char *vt = pv_q_string(q, v, PV_T_GENERATED_AT);
    int c = vt && best_t ? strcmp(vt, best_t) : vt ? 1 : -1;
    if (c < 0) {
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

static void walk(walker *w, librdf_node *target, void (*expand)(walker *, size_t))
{
  pv_lineage *l = w->l;
  /* A file's lineage is that of its content now (its latest version); its
   * impact starts from the file and every version of it. */
  librdf_node **v = l->walk.dir == PV_BACKWARD ? latest_versions(w->q, target) : NULL;
  for (size_t i = 0; v && v[i]; i++) {
    reach_entity(w, SIZE_MAX, v[i], PV_L_COUNT);
    librdf_free_node(v[i]);
  }
  free(v);
  if (l->n == 0) reach_entity(w, SIZE_MAX, target, PV_L_COUNT);
  librdf_iterator *it = l->walk.dir == PV_FORWARD ? pv_q_sources(w->q, PV_T_SPECIALIZATION_OF, target) : NULL;
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
    reach_entity(w, SIZE_MAX, librdf_iterator_get_object(it), PV_L_COUNT);
  if (it) librdf_free_iterator(it);
  for (size_t i = 0; i < l->n; i++)
    if (l->walk.depth < 0 || l->nodes[i].level < l->walk.depth) expand(w, i);
}

void pv_lineage_walk(pv_q *q, librdf_node *target, const pv_walk *how, pv_lineage *out)
{
  memset(out, 0, sizeof *out);
  out->walk = *how;
  walker w = {q, out, NULL};
  pv_lineage makers = {.walk = {PV_FORWARD, -1, 1}};
  if (q->fill) q->fill->walk(q->fill, target, how->dir == PV_FORWARD, how->depth, is_process(pv_q_kind(q, target)));
  if (how->dir == PV_FORWARD) {
    /* First the processes that make things for a process target: its
     * chain, which only a chain reaches. */
    if (is_process(pv_q_kind(q, target))) {
      walker m = {q, &makers, NULL};
      walk(&m, target, reach_chain);
      w.makers = &makers.visited;
    }
    walk(&w, target, expand_forward);
  } else {
    walk(&w, target, expand_backward);
  }
  pv_lineage_free(&makers);
}

void pv_lineage_free(pv_lineage *l)
{
  for (size_t i = 0; i < l->n; i++) {
    librdf_free_node(l->nodes[i].node);
    free(l->nodes[i].key);
    if (l->nodes[i].facts) pv_process_facts_free(l->nodes[i].facts);
    free(l->nodes[i].facts);
  }
  free(l->nodes);
  free(l->edges);
  free(l->edge_set);
  pv_index_free(&l->visited);
  memset(l, 0, sizeof *l);
}
