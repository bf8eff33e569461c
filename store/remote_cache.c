/* remote_cache.c - a server store read a part at a time. */
#include "remote_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "vocab.h"

/* IRIs per request when fetching descriptions: a few kB of query text. */
#define BATCH 256

static void failed(pv_remote_cache *c, int status)
{
  if (!c->status) c->status = status;
}

typedef struct fetch_ctx {
  pv_remote_cache *c;
  size_t generation;
} fetch_ctx;

/* A triple of a fetched description: kept unless its subject was described
 * by an earlier fetch (then the model has it already); its subject is
 * described from now on. */
static int keep(void *ctx, librdf_statement *st)
{
  fetch_ctx *f = ctx;
  const char *s = pv_q_iri(librdf_statement_get_subject(st));
  if (!s) return 0;
  size_t g = pv_index_get(&f->c->described, s);
  if (g != SIZE_MAX && g != f->generation) return 0;
  if (g == SIZE_MAX) pv_index_put(&f->c->described, s, f->generation);
  return librdf_model_add_statement(f->c->model, st) ? -1 : 0;
}

/* A CONSTRUCT of whole descriptions ({ ?s ?p ?o }) into the model. */
static int fetch(pv_remote_cache *c, const pv_text *q)
{
  if (c->status) return c->status;
  if (!q->p) {
    snprintf(c->err, sizeof c->err, "out of memory");
    failed(c, PV_EXIT_ERROR);
    return c->status;
  }
  fetch_ctx f = {c, ++c->generation};
  c->requests++;
  int rc = pv_remote_construct_each(c->r, q->p, c->world, keep, &f, c->err, sizeof c->err);
  if (rc) failed(c, rc);
  return rc;
}

/* The term as query text: IRI or literal; -1 for a blank node (the
 * server's labels cannot be named in a query) or no memory. */
static int add_term(pv_text *t, librdf_node *n)
{
  if (pv_q_iri(n)) return pv_sparql_iri(t, pv_q_iri(n));
  if (!librdf_node_is_literal(n)) return -1;
  size_t len;
  const char *v = (const char *)librdf_node_get_literal_value_as_counted_string(n, &len);
  librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
  const char *lang = librdf_node_get_literal_value_language(n);
  if (pv_sparql_string(t, v, len)) return -1;
  if (dt) return pv_text_str(t, "^^") || pv_sparql_iri(t, (const char *)librdf_uri_as_string(dt));
  /* a language tag is letters, digits and hyphens: anything else is not one */
  if (lang && lang[strspn(lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")]) return -1;
  return lang ? pv_text_str(t, "@") || pv_text_str(t, lang) : 0;
}

/* Every triple of the subjects named (those not described yet). */
static void describe(pv_remote_cache *c, char *const *iris, size_t n)
{
  for (size_t i = 0; i < n && !c->status;) {
    pv_text q = {0};
    size_t first = i, used = 0;
    int bad = pv_text_str(&q, "CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s {");
    for (; i < n && used < BATCH; i++)
      if (pv_index_get(&c->described, iris[i]) == SIZE_MAX) {
        bad = bad || pv_text_str(&q, " ") || pv_sparql_iri(&q, iris[i]);
        used++;
      }
    bad = bad || pv_text_str(&q, " } ?s ?p ?o }");
    if (bad) pv_text_free(&q);
    if (used && !fetch(c, &q))
      /* described, triples or none */
      for (size_t k = first; k < i; k++)
        if (pv_index_get(&c->described, iris[k]) == SIZE_MAX) pv_index_put(&c->described, iris[k], c->generation);
    pv_text_free(&q);
  }
}

/* The asked index's key of a (predicate, object) lookup: the predicate,
 * then the object's IRI, its literal form, or nothing (any object). */
static int asked_key(pv_text *key, const char *predicate, librdf_node *object, const char *object_iri)
{
  if (pv_text_str(key, predicate) || pv_text_str(key, "\n")) return -1;
  if (object_iri) return pv_text_str(key, "I") || pv_text_str(key, object_iri);
  if (!object) return pv_text_str(key, "*");
  if (!librdf_node_is_literal(object)) return pv_text_str(key, "B");
  size_t len;
  const char *v = (const char *)librdf_node_get_literal_value_as_counted_string(object, &len);
  librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(object);
  const char *lang = librdf_node_get_literal_value_language(object);
  return pv_text_str(key, "L") || pv_text_add(key, v, len) || pv_text_str(key, "\n") ||
         pv_text_str(key, dt ? (const char *)librdf_uri_as_string(dt) : "") || pv_text_str(key, "\n") ||
         pv_text_str(key, lang ? lang : "");
}

static void need(pv_store_fill *f, librdf_node *subject, librdf_node *predicate, librdf_node *object)
{
  pv_remote_cache *c = (pv_remote_cache *)f;
  if (c->status) return;
  if (subject) {
    char *iri = (char *)pv_q_iri(subject);
    if (iri) describe(c, &iri, 1);
    return;
  }
  const char *pred = pv_q_iri(predicate);
  pv_text key = {0}, q = {0};
  if (!pred || asked_key(&key, pred, object, object ? pv_q_iri(object) : NULL) ||
      pv_index_get(&c->asked, key.p) != SIZE_MAX) {
    pv_text_free(&key);
    return;
  }
  /* Every subject with (predicate, object), described whole. */
  int named = pv_text_str(&q, "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT DISTINCT ?s WHERE { ?s ") == 0 &&
              pv_sparql_iri(&q, pred) == 0 && pv_text_str(&q, " ") == 0 &&
              (object ? add_term(&q, object) : pv_text_str(&q, "?any")) == 0 &&
              pv_text_str(&q, " } } ?s ?p ?o }") == 0;
  /* a blank node's triples are none the server can name: nothing to bring */
  if (!named && object && !pv_q_iri(object) && !librdf_node_is_literal(object)) pv_index_put(&c->asked, key.p, 0);
  else if (named && !fetch(c, &q)) pv_index_put(&c->asked, key.p, 0);
  pv_text_free(&q);
  pv_text_free(&key);
}

/* ---- walks ---- */

/* One step of a walk (?x to ?y), as a union of triple patterns: a
 * superset of what lineage.c follows (it decides what to show; this only
 * brings in what it may read).  Backward: what an entity derives from and
 * was generated by, a joint version's members and the joint version of a
 * member, the processes that started, forked, exec'd or piped into a
 * process.  Forward: what derives from, revises or used an entity, a
 * member's joint version and, from a process target, what its chain
 * started and generated. */
#define P(x) "<" x ">"
static const char *const back_step =
    "{ ?x " P(PV_NS_PROV "wasDerivedFrom") " ?y } UNION { ?x " P(PV_NS_PROV "wasRevisionOf") " ?y } UNION "
    "{ ?x " P(PV_NS_PROV "wasGeneratedBy") " ?y } UNION { ?x " P(PV_NS_PROVIO "member") " ?y } UNION "
    "{ ?y " P(PV_NS_PROVIO "member") " ?x } UNION { ?x " P(PV_NS_PROVIO "forkedFrom") " ?y } UNION "
    "{ ?x " P(PV_NS_PROVIO "execedFrom") " ?y } UNION { ?x " P(PV_NS_PROV "wasInformedBy") " ?y } UNION "
    "{ ?x " P(PV_NS_PROVIO "readsPipe") " ?pipe . ?y " P(PV_NS_PROVIO "writesPipe") " ?pipe }";
static const char *const fwd_step =
    "{ ?y " P(PV_NS_PROV "wasDerivedFrom") " ?x } UNION { ?y " P(PV_NS_PROV "wasRevisionOf") " ?x } UNION "
    "{ ?y " P(PV_NS_PROV "used") " ?x } UNION { ?y " P(PV_NS_PROVIO "member") " ?x }";
static const char *const fwd_process_step =
    " UNION { ?y " P(PV_NS_PROVIO "forkedFrom") " ?x } UNION { ?y " P(PV_NS_PROVIO "execedFrom") " ?x } UNION "
    "{ ?y " P(PV_NS_PROV "wasInformedBy") " ?x } UNION { ?y " P(PV_NS_PROV "wasGeneratedBy") " ?x } UNION "
    "{ ?x " P(PV_NS_PROVIO "writesPipe") " ?pipe . ?y " P(PV_NS_PROVIO "readsPipe") " ?pipe }";

/* The predicates whose (predicate, node) lookups a finished step answers:
 * every ?y with (?y, predicate, x) is one step from x. */
static const char *const back_in[] = {PV_NS_PROVIO "member", NULL};
static const char *const fwd_in[] = {PV_NS_PROV "wasDerivedFrom", PV_NS_PROV "wasRevisionOf", PV_NS_PROV "used",
                                     PV_NS_PROVIO "member", NULL};
static const char *const fwd_process_in[] = {PV_NS_PROVIO "forkedFrom", PV_NS_PROVIO "execedFrom",
                                             PV_NS_PROV "wasInformedBy", PV_NS_PROV "wasGeneratedBy", NULL};

typedef struct reached {
  char **iri;
  int *dist;
  size_t n;
} reached;

static void reached_free(reached *r)
{
  for (size_t i = 0; i < r->n; i++) free(r->iri[i]);
  free(r->iri);
  free(r->dist);
  memset(r, 0, sizeof *r);
}

static int reached_add(reached *r, const char *iri, size_t len, int dist)
{
  char **iris = realloc(r->iri, (r->n + 1) * sizeof *iris);
  if (iris) r->iri = iris;
  int *d = iris ? realloc(r->dist, (r->n + 1) * sizeof *d) : NULL;
  if (d) r->dist = d;
  char *copy = d ? strndup(iri, len) : NULL;
  if (!copy) return -1;
  r->iri[r->n] = copy;
  r->dist[r->n++] = dist;
  return 0;
}

/* The IRI column, and the number after it, of CSV result lines (RFC 4180:
 * a field with a quote, comma or line break in it is quoted, quotes
 * doubled); the header line is skipped. */
static int read_csv(const pv_text *csv, int with_dist, reached *r)
{
  const char *p = csv->p ? csv->p : "", *end = p + csv->n;
  p += strcspn(p, "\n");
  pv_text field = {0};
  int rc = 0;
  while (!rc && p < end) {
    while (p < end && (*p == '\n' || *p == '\r')) p++;
    if (p >= end) break;
    field.n = 0;
    if (*p == '"') {
      for (p++; p < end && !rc; p++) {
        if (*p == '"' && (p + 1 >= end || p[1] != '"')) break;
        if (*p == '"') p++;
        rc = pv_text_add(&field, p, 1);
      }
      p++;
    } else {
      size_t n = strcspn(p, ",\r\n");
      rc = pv_text_add(&field, p, n);
      p += n;
    }
    long dist = with_dist && p < end && *p == ',' ? strtol(p + 1, NULL, 10) : 0;
    p += strcspn(p, "\n");
    if (!rc && field.n) rc = reached_add(r, field.p, field.n, (int)dist);
  }
  pv_text_free(&field);
  return rc;
}

static int select_csv(pv_remote_cache *c, const pv_text *q, int with_dist, reached *r)
{
  if (!q->p) return -1;
  pv_text out = {0};
  c->requests++;
  int rc = pv_remote_query(c->r, q->p, "text/csv", &out, c->err, sizeof c->err);
  if (!rc && read_csv(&out, with_dist, r)) rc = -1;
  pv_text_free(&out);
  return rc;
}

/* Where a walk starts: the target, the versions of a file target, and
 * what a process target used. */
static int add_seeds(pv_text *q, const char *target, int forward)
{
  return pv_text_str(q, "{ BIND(") || pv_sparql_iri(q, target) || pv_text_str(q, " AS ?x) } UNION { ?x ") ||
         pv_sparql_iri(q, PV_NS_PROV "specializationOf") || pv_text_str(q, " ") || pv_sparql_iri(q, target) ||
         pv_text_str(q, " }") ||
         (!forward && (pv_text_str(q, " UNION { ") || pv_sparql_iri(q, target) || pv_text_str(q, " ") ||
                       pv_sparql_iri(q, PV_NS_PROV "used") || pv_text_str(q, " ?x }")));
}

/* Virtuoso: everything within max steps (max < 0: all), with its
 * distance, in one transitive subquery. */
static int reach_transitive(pv_remote_cache *c, const char *target, const char *step, int forward, int max,
                            reached *r)
{
  char bound[32] = "";
  if (max >= 0) snprintf(bound, sizeof bound, " t_max(%d),", max);
  pv_text q = {0};
  int bad = pv_text_str(&q, "SELECT ?y (MIN(?d) AS ?dist) WHERE { { SELECT ?x ?y WHERE { ") ||
            pv_text_str(&q, step) ||
            pv_text_str(&q, " } } OPTION (TRANSITIVE, t_in(?x), t_out(?y), t_distinct, t_min(0),") ||
            pv_text_str(&q, bound) || pv_text_str(&q, " t_step('step_no') AS ?d) . { SELECT ?x WHERE { ") ||
            add_seeds(&q, target, forward) || pv_text_str(&q, " } } FILTER (isIRI(?y)) } GROUP BY ?y");
  int rc = bad ? -1 : select_csv(c, &q, 1, r);
  pv_text_free(&q);
  return rc;
}

/* Any SPARQL 1.1 server: one query per level, the frontier as VALUES. */
static int reach_by_level(pv_remote_cache *c, const char *target, const char *step, int forward, int max,
                          reached *r)
{
  pv_text q = {0};
  int rc = pv_text_str(&q, "SELECT DISTINCT ?x WHERE { ") || add_seeds(&q, target, forward) ||
                   pv_text_str(&q, " FILTER (isIRI(?x)) }")
               ? -1
               : select_csv(c, &q, 0, r);
  pv_index seen = {0};
  for (size_t i = 0; i < r->n; i++) pv_index_put(&seen, r->iri[i], 0);
  size_t from = 0;
  for (int level = 1; !rc && from < r->n && (max < 0 || level <= max); level++) {
    size_t to = r->n;
    for (size_t i = from; !rc && i < to; i += BATCH) {
      q.n = 0;
      rc = pv_text_str(&q, "SELECT DISTINCT ?y WHERE { VALUES ?x {") ? -1 : 0;
      for (size_t k = i; !rc && k < to && k < i + BATCH; k++)
        rc = pv_text_str(&q, " ") || pv_sparql_iri(&q, r->iri[k]) ? -1 : 0;
      reached next = {0};
      if (!rc && !(rc = pv_text_str(&q, " } ") || pv_text_str(&q, step) || pv_text_str(&q, " FILTER (isIRI(?y)) }") ? -1 : 0))
        rc = select_csv(c, &q, 0, &next);
      for (size_t k = 0; !rc && k < next.n; k++)
        if (pv_index_get(&seen, next.iri[k]) == SIZE_MAX) {
          pv_index_put(&seen, next.iri[k], 0);
          rc = reached_add(r, next.iri[k], strlen(next.iri[k]), level);
        }
      reached_free(&next);
    }
    from = to;
  }
  pv_index_free(&seen);
  pv_text_free(&q);
  return rc;
}

/* Marks (predicate, node) lookups answered for the nodes whose every next
 * step was taken. */
static void mark_asked(pv_remote_cache *c, const reached *r, int max, const char *const *preds)
{
  for (size_t i = 0; i < r->n; i++) {
    if (max >= 0 && r->dist[i] >= max) continue;
    for (size_t k = 0; preds[k]; k++) {
      pv_text key = {0};
      if (!asked_key(&key, preds[k], NULL, r->iri[i])) pv_index_put(&c->asked, key.p, 0);
      pv_text_free(&key);
    }
  }
}

/* What the walk reads of the nodes it reaches besides their own triples:
 * the file a version is of and the file an HDF5 object is in (whether it
 * is the environment's), a process's agents (its program and user), in
 * two more batches rather than a request each. */
static void describe_around(pv_remote_cache *c, const reached *r)
{
  static const char *const around[] = {PV_NS_PROV "specializationOf", PV_NS_PROVIO "inFile",
                                       PV_NS_PROV "wasAssociatedWith"};
  reached next = {0}, cur = {0};
  pv_index seen = {0};
  for (int round = 0; round < 2 && !c->status; round++) {
    const reached *from = round ? &cur : r;
    for (size_t i = 0; i < from->n; i++) {
      librdf_node *s = librdf_new_node_from_uri_string(c->world, (const unsigned char *)from->iri[i]);
      for (size_t k = 0; s && k < sizeof around / sizeof around[0]; k++) {
        librdf_node *p = librdf_new_node_from_uri_string(c->world, (const unsigned char *)around[k]);
        librdf_iterator *it = p ? librdf_model_get_targets(c->model, s, p) : NULL;
        for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
          const char *o = pv_q_iri(librdf_iterator_get_object(it));
          if (o && pv_index_get(&c->described, o) == SIZE_MAX && pv_index_get(&seen, o) == SIZE_MAX) {
            pv_index_put(&seen, o, 0);
            reached_add(&next, o, strlen(o), 0);
          }
        }
        if (it) librdf_free_iterator(it);
        if (p) librdf_free_node(p);
      }
      if (s) librdf_free_node(s);
    }
    reached_free(&cur);
    describe(c, next.iri, next.n);
    cur = next;
    memset(&next, 0, sizeof next);
  }
  reached_free(&cur);
  pv_index_free(&seen);
}

static void walk(pv_store_fill *f, librdf_node *target, int forward, int depth, int from_process)
{
  pv_remote_cache *c = (pv_remote_cache *)f;
  const char *iri = pv_q_iri(target);
  if (c->status || !iri) return;
  pv_text step = {0};
  int bad = pv_text_str(&step, forward ? fwd_step : back_step) ||
            (forward && from_process && pv_text_str(&step, fwd_process_step));
  /* A level of the walk is at most two steps here (a member and its
   * joint version); the seeds are one step in. */
  int max = depth < 0 ? -1 : 2 * depth + 2;
  reached r = {0};
  if (!bad) bad = (c->r->virtuoso ? reach_transitive : reach_by_level)(c, iri, step.p, forward, max, &r);
  pv_text_free(&step);
  if (!bad) {
    describe(c, r.iri, r.n);
    describe_around(c, &r);
    mark_asked(c, &r, max, forward ? fwd_in : back_in);
    if (forward && from_process) mark_asked(c, &r, max, fwd_process_in);
    /* the seeds hold every version of the target */
    pv_text key = {0};
    if (!asked_key(&key, PV_NS_PROV "specializationOf", NULL, iri)) pv_index_put(&c->asked, key.p, 0);
    pv_text_free(&key);
  }
  /* a failed shortcut costs only time: the lookups bring in what they read */
  if (bad && c->status == 0) c->err[0] = 0;
  reached_free(&r);
}

int pv_remote_cache_open(pv_remote_cache *c, pv_remote *r, pv_store *s, char *err, size_t errlen)
{
  memset(c, 0, sizeof *c);
  if (pv_store_memory(s, err, errlen)) return PV_EXIT_ERROR;
  c->fill.need = need;
  c->fill.walk = walk;
  c->r = r;
  c->world = s->world;
  c->model = s->model;
  s->fill = &c->fill;
  return PV_EXIT_OK;
}

void pv_remote_cache_close(pv_remote_cache *c)
{
  pv_index_free(&c->described);
  pv_index_free(&c->asked);
  memset(c, 0, sizeof *c);
}
