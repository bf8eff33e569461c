/* query_sparql.c - SPARQL over a store through Rasqal, with its messages
 * turned into one clear error and its warnings kept from the user. */
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "query_output.h"

int pv_query_open(pv_store *s, const char *dir, char *err, size_t errlen)
{
  switch (pv_store_open(s, dir, 0, err, errlen)) {
  case PV_STORE_OK: return PV_EXIT_OK;
  case PV_STORE_MISSING: return PV_EXIT_NO_STORE;
  case PV_STORE_FOREIGN: return PV_EXIT_FOREIGN;
  case PV_STORE_DAMAGED: return PV_EXIT_DAMAGED;
  default: return PV_EXIT_ERROR;
  }
}

/* The first error Rasqal reports while parsing.  Rasqal 0.9.33 also warns
 * about every aggregate ("variable ... bound but unused"), which says
 * nothing about the user's query: warnings are dropped. */
struct first_error {
  char message[512];
  int line, seen;
};

static void keep_first_error(void *data, raptor_log_message *m)
{
  struct first_error *e = data;
  if (m->level < RAPTOR_LOG_LEVEL_ERROR || e->seen) return;
  snprintf(e->message, sizeof e->message, "%s", m->text ? m->text : "error");
  e->line = m->locator ? m->locator->line : -1;
  e->seen = 1;
}

static void drop_message(void *data, raptor_log_message *m) {}

static int drop_librdf_message(void *data, librdf_log_message *m) { return 1; }

/* "line N: message", quoting the user's line N (the prologue is line 1 of
 * what Rasqal parsed, so the user's lines are one further down). */
static void describe_error(const struct first_error *e, const char *query, char *err, size_t errlen)
{
  int line = e->line - 1;
  const char *p = query;
  for (int i = 1; line >= 1 && i < line && p; i++)
    if ((p = strchr(p, '\n'))) p++;
  if (line < 1 || !p) {
    snprintf(err, errlen, "malformed query: %s", e->message);
    return;
  }
  int len = (int)strcspn(p, "\n");
  if (len > 120) len = 120;
  snprintf(err, errlen, "malformed query: line %d: %s: %.*s", line, e->message, len, p);
}

/* Parses the query with Rasqal alone, for one clear error, its verb, and
 * the names of the variables it selects (librdf reports none for a SELECT
 * without rows).  Returns the parsed query, or NULL with err filled. */
static rasqal_query *parse(pv_store *s, const char *text, const char *query, char *err, size_t errlen)
{
  rasqal_world *rw = librdf_world_get_rasqal(s->world);
  struct first_error e = {.seen = 0};
  rasqal_world_set_log_handler(rw, &e, keep_first_error);
  rasqal_query *q = rasqal_new_query(rw, "sparql", NULL);
  int failed = !q || rasqal_query_prepare(q, (const unsigned char *)text, NULL) != 0;
  rasqal_world_set_log_handler(rw, NULL, drop_message);
  rasqal_query_verb verb = failed ? RASQAL_QUERY_VERB_UNKNOWN : rasqal_query_get_verb(q);
  if (failed) {
    if (e.seen) describe_error(&e, query, err, errlen);
    else snprintf(err, errlen, "malformed query");
  } else if (verb == RASQAL_QUERY_VERB_DESCRIBE) {
    snprintf(err, errlen, "malformed query: DESCRIBE is not supported by Rasqal 0.9.33 (use CONSTRUCT)");
  } else if (verb != RASQAL_QUERY_VERB_SELECT && verb != RASQAL_QUERY_VERB_ASK &&
             verb != RASQAL_QUERY_VERB_CONSTRUCT) {
    snprintf(err, errlen, "malformed query: only SELECT, ASK and CONSTRUCT (the store is read-only)");
  } else {
    return q;
  }
  if (q) rasqal_free_query(q);
  return NULL;
}

static void cell_from_node(pv_cell *c, librdf_node *n)
{
  if (!n) return;
  if (librdf_node_is_resource(n)) {
    pv_cell_iri(c, (const char *)librdf_uri_as_string(librdf_node_get_uri(n)));
  } else if (librdf_node_is_blank(n)) {
    pv_cell_set(c, PV_CELL_BNODE, (const char *)librdf_node_get_blank_identifier(n), NULL, NULL);
  } else {
    librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
    pv_cell_set(c, PV_CELL_LITERAL, (const char *)librdf_node_get_literal_value(n),
                dt ? (const char *)librdf_uri_as_string(dt) : NULL, librdf_node_get_literal_value_language(n));
  }
}

static int print_bindings(rasqal_query *parsed, librdf_query_results *r, enum pv_format fmt, FILE *out)
{
  raptor_sequence *vars = rasqal_query_get_bound_variable_sequence(parsed);
  int n = vars ? raptor_sequence_size(vars) : 0;
  const char **names = calloc(n > 0 ? (size_t)n : 1, sizeof *names);
  for (int i = 0; i < n; i++) names[i] = (const char *)((rasqal_variable *)raptor_sequence_get_at(vars, i))->name;
  pv_table t;
  pv_table_init(&t, (size_t)n, names);
  free(names);
  for (; !librdf_query_results_finished(r); librdf_query_results_next(r)) {
    pv_cell *row = pv_table_row(&t);
    for (int i = 0; i < n; i++) {
      librdf_node *v = librdf_query_results_get_binding_value_by_name(r, t.names[i]);
      cell_from_node(&row[i], v);
      if (v) librdf_free_node(v);
    }
  }
  int rc = pv_table_print(&t, fmt, out);
  pv_table_free(&t);
  return rc;
}

static int print_graph(pv_store *s, librdf_query_results *r, FILE *out)
{
  librdf_stream *st = librdf_query_results_as_stream(r);
  librdf_serializer *ser = librdf_new_serializer(s->world, "ntriples", NULL, NULL);
  int failed = !st || !ser || librdf_serializer_serialize_stream_to_file_handle(ser, out, NULL, st) != 0;
  if (ser) librdf_free_serializer(ser);
  if (st) librdf_free_stream(st);
  return failed || fflush(out) != 0 || ferror(out) ? PV_EXIT_ERROR : PV_EXIT_OK;
}

int pv_query_sparql(pv_store *s, const char *query, enum pv_format fmt, FILE *out, char *err,
                    size_t errlen)
{
  size_t ql = strlen(query);
  char *text = malloc(sizeof PV_QUERY_PROLOGUE + ql);
  memcpy(text, PV_QUERY_PROLOGUE, sizeof PV_QUERY_PROLOGUE - 1);
  memcpy(text + sizeof PV_QUERY_PROLOGUE - 1, query, ql + 1);
  *err = 0;
  rasqal_query *parsed = parse(s, text, query, err, errlen);
  if (!parsed) {
    free(text);
    return PV_EXIT_BAD_QUERY;
  }
  pv_store_set_log_handler(NULL, drop_librdf_message);
  librdf_query *q = librdf_new_query(s->world, "sparql", NULL, (const unsigned char *)text, NULL);
  librdf_query_results *r = q ? librdf_query_execute(q, s->model) : NULL;
  free(text);
  int rc;
  if (!r) {
    snprintf(err, errlen, "Rasqal could not run the query");
    rc = PV_EXIT_ERROR;
  } else if (rasqal_query_get_verb(parsed) == RASQAL_QUERY_VERB_SELECT) {
    rc = print_bindings(parsed, r, fmt, out);
  } else if (librdf_query_results_is_boolean(r)) {
    rc = pv_print_boolean(librdf_query_results_get_boolean(r) > 0, fmt, out);
  } else {
    rc = print_graph(s, r, out);
  }
  if (rc == PV_EXIT_ERROR && !*err) snprintf(err, errlen, "cannot write the results");
  if (r) librdf_free_query_results(r);
  if (q) librdf_free_query(q);
  rasqal_free_query(parsed);
  pv_store_set_log_handler(NULL, NULL);
  return rc;
}
