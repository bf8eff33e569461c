/* lineage_config.c - the configuration behind a result (what the processes
 * in its lineage recorded: settings, labels, metrics, configuration files,
 * and the checkpoints among its versions), and metric series. */
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "query_output.h"

#define XSD_DOUBLE "http://www.w3.org/2001/XMLSchema#double"

static int64_t cell_long(const pv_cell *c) { return c->value ? strtoll(c->value, NULL, 10) : -1; }
static const char *cell_text(const pv_cell *c) { return c->value ? c->value : ""; }

static void cell_node(pv_cell *c, librdf_node *n)
{
  if (!n) return;
  if (librdf_node_is_literal(n)) {
    librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
    pv_cell_set(c, PV_CELL_LITERAL, (const char *)librdf_node_get_literal_value(n),
                dt ? (const char *)librdf_uri_as_string(dt) : NULL, NULL);
  } else if (pv_q_iri(n)) {
    pv_cell_iri(c, pv_q_iri(n));
  }
}

/* Sets c to the first object of (subject, term), if any. */
static void cell_of(pv_q *q, pv_cell *c, librdf_node *subject, enum pv_term_id term)
{
  librdf_node *n = pv_q_target(q, subject, term);
  cell_node(c, n);
  if (n) librdf_free_node(n);
}

/* When a record was made: a setting's, label's or metric's
 * prov:generatedAtTime (they are entities); a configuration file use's
 * prov:atTime, which prov-merge stores as its prov:startedAtTime
 * (conform.c), as it did with the entities' time before they had their
 * own; a store loaded as is keeps prov:atTime. */
static void cell_record_time(pv_q *q, pv_cell *c, librdf_node *record)
{
  cell_of(q, c, record, PV_T_GENERATED_AT);
  if (!c->value) cell_of(q, c, record, PV_T_STARTED_AT);
  if (!c->value) cell_of(q, c, record, PV_T_AT_TIME);
}

/* ---- config ---- */

enum { C_LEVEL, C_PROCESS, C_COMMAND, C_KIND, C_GROUP, C_KEY, C_VALUE, C_STEP, C_TIME, C_NCOLS };
static const char *const config_cols[] = {"level", "process", "command", "kind", "group",
                                          "key", "value", "step", "time"};

static pv_cell *config_row(pv_table *t, long level, librdf_node *process, const char *cmd, const char *kind)
{
  pv_cell *row = pv_table_row(t);
  pv_cell_long(&row[C_LEVEL], level);
  cell_node(&row[C_PROCESS], process);
  pv_cell_string(&row[C_COMMAND], cmd);
  pv_cell_string(&row[C_KIND], kind);
  return row;
}

/* What process p (at level) recorded about its run. */
static void process_rows(pv_q *q, pv_table *t, long level, librdf_node *p)
{
  static const struct {
    enum pv_term_id link;
    const char *kind;
  } records[] = {{PV_T_SETTING, "setting"}, {PV_T_LABEL, "label"}, {PV_T_METRIC, "metric"},
                 {PV_T_CONFIG_FILE, "configfile"}};
  char *cmd = pv_q_string(q, p, PV_T_COMMAND_LINE);
  for (size_t k = 0; k < sizeof records / sizeof records[0]; k++) {
    librdf_iterator *it = pv_q_targets(q, p, records[k].link);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
      librdf_node *r = librdf_iterator_get_object(it);
      pv_cell *row = config_row(t, level, p, cmd, records[k].kind);
      cell_of(q, &row[C_GROUP], r, PV_T_GROUP);
      cell_of(q, &row[C_STEP], r, PV_T_STEP);
      cell_record_time(q, &row[C_TIME], r);
      if (records[k].link == PV_T_CONFIG_FILE) {
        /* the file, and the version of it prov-merge found current then */
        cell_of(q, &row[C_KEY], r, PV_T_FILE);
        size_t n = strlen(pv_q_iri(r));
        char *usage = malloc(n + sizeof "/usage");
        if (!usage) continue;
        memcpy(usage, pv_q_iri(r), n);
        memcpy(usage + n, "/usage", sizeof "/usage");
        librdf_node *u = pv_q_node(q, usage);
        if (u) cell_of(q, &row[C_VALUE], u, PV_T_ENTITY);
        if (u) librdf_free_node(u);
        free(usage);
      } else {
        cell_of(q, &row[C_KEY], r, PV_T_KEY);
        cell_of(q, &row[C_VALUE], r, records[k].link == PV_T_METRIC ? PV_T_MEASURED : PV_T_VALUE);
      }
    }
    if (it) librdf_free_iterator(it);
  }
  free(cmd);
}

static int is_a(pv_q *q, librdf_node *n, enum pv_term_id cls)
{
  librdf_iterator *it = pv_q_targets(q, n, PV_T_TYPE);
  int yes = 0;
  for (; it && !yes && !librdf_iterator_end(it); librdf_iterator_next(it))
    yes = librdf_node_equals(librdf_iterator_get_object(it), q->t[cls]);
  if (it) librdf_free_iterator(it);
  return yes;
}

/* A checkpoint version: its file, its step and the process it belongs to
 * (whose configuration rows the lineage lists too). */
static void checkpoint_row(pv_q *q, pv_table *t, long level, librdf_node *v)
{
  librdf_node *p = pv_q_target(q, v, PV_T_CHECKPOINT_OF);
  char *cmd = p ? pv_q_string(q, p, PV_T_COMMAND_LINE) : NULL;
  pv_cell *row = config_row(t, level, p, cmd, "checkpoint");
  cell_of(q, &row[C_KEY], v, PV_T_SPECIALIZATION_OF);
  cell_node(&row[C_VALUE], v);
  cell_of(q, &row[C_STEP], v, PV_T_STEP);
  cell_of(q, &row[C_TIME], v, PV_T_GENERATED_AT);
  free(cmd);
  if (p) librdf_free_node(p);
}

static int kind_rank(const char *k)
{
  static const char *const order[] = {"checkpoint", "configfile", "setting", "label", "metric"};
  for (int i = 0; i < 5; i++)
    if (strcmp(k, order[i]) == 0) return i;
  return 5;
}

static int by_config_row(const pv_cell *a, const pv_cell *b, size_t ncols)
{
  (void)ncols;
  int64_t x = cell_long(&a[C_LEVEL]), y = cell_long(&b[C_LEVEL]);
  if (x != y) return x < y ? -1 : 1;
  int c = strcmp(cell_text(&a[C_PROCESS]), cell_text(&b[C_PROCESS]));
  if (!c) c = kind_rank(cell_text(&a[C_KIND])) - kind_rank(cell_text(&b[C_KIND]));
  if (!c) c = strcmp(cell_text(&a[C_GROUP]), cell_text(&b[C_GROUP]));
  if (!c) c = strcmp(cell_text(&a[C_KEY]), cell_text(&b[C_KEY]));
  if (!c && (x = cell_long(&a[C_STEP])) != (y = cell_long(&b[C_STEP]))) return x < y ? -1 : 1;
  if (!c) c = strcmp(cell_text(&a[C_TIME]), cell_text(&b[C_TIME]));
  return c;
}

/* Moves the rows of src to the end of dst (same columns). */
static void append_rows(pv_table *dst, const pv_table *src)
{
  for (size_t r = 0; r < src->nrows; r++) {
    pv_cell *row = pv_table_row(dst);
    for (size_t c = 0; c < src->ncols; c++) {
      const pv_cell *s = &src->cells[r * src->ncols + c];
      pv_cell_set(&row[c], s->kind, s->value, s->datatype, s->lang);
    }
  }
}

/* Activities the lineage holds: tracked processes and imported runs. */
static int is_run(enum pv_kind k) { return k == PV_K_PROCESS || k == PV_K_ACTIVITY; }

int pv_query_config(pv_store *s, char *const *targets, int ntargets, enum pv_format fmt, FILE *out, char *err,
                    size_t errlen)
{
  pv_q q;
  pv_q_init(&q, s);
  pv_table all;
  pv_table_init(&all, C_NCOLS, config_cols);
  int rc = PV_EXIT_OK;
  for (int i = 0; i < ntargets && rc == PV_EXIT_OK; i++) {
    librdf_node *node;
    rc = pv_lineage_resolve(&q, targets[i], &node, err, errlen);
    if (rc != PV_EXIT_OK) break;
    pv_lineage l;
    pv_lineage_walk(&q, node, &(pv_walk){PV_BACKWARD, -1, 0}, &l);
    pv_table t;
    pv_table_init(&t, C_NCOLS, config_cols);
    for (size_t k = 0; k < l.n; k++) {
      if (is_run(l.nodes[k].kind)) process_rows(&q, &t, l.nodes[k].level, l.nodes[k].node);
      else if (is_a(&q, l.nodes[k].node, PV_T_C_CHECKPOINT)) checkpoint_row(&q, &t, l.nodes[k].level, l.nodes[k].node);
    }
    pv_table_sort(&t, by_config_row); /* per target: targets keep the order given */
    append_rows(&all, &t);
    pv_table_free(&t);
    pv_lineage_free(&l);
    librdf_free_node(node);
  }
  if (rc == PV_EXIT_OK) {
    rc = pv_table_print(&all, fmt, out);
    if (rc != PV_EXIT_OK) snprintf(err, errlen, "cannot write the output");
  }
  pv_table_free(&all);
  pv_q_free(&q);
  return rc;
}

/* ---- metrics ---- */

enum { M_PROCESS, M_COMMAND, M_NAME, M_STEP, M_VALUE, M_TIME, M_NCOLS };

static void metric_rows(pv_q *q, pv_table *t, librdf_node *p, const char *name)
{
  char *cmd = NULL;
  librdf_iterator *it = pv_q_targets(q, p, PV_T_METRIC);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *r = librdf_iterator_get_object(it);
    char *key = pv_q_string(q, r, PV_T_KEY);
    if (name && (!key || strcmp(key, name) != 0)) {
      free(key);
      continue;
    }
    if (!cmd) cmd = pv_q_string(q, p, PV_T_COMMAND_LINE);
    pv_cell *row = pv_table_row(t);
    cell_node(&row[M_PROCESS], p);
    pv_cell_string(&row[M_COMMAND], cmd);
    pv_cell_string(&row[M_NAME], key);
    cell_of(q, &row[M_STEP], r, PV_T_STEP);
    cell_of(q, &row[M_VALUE], r, PV_T_MEASURED);
    cell_record_time(q, &row[M_TIME], r);
    free(key);
  }
  if (it) librdf_free_iterator(it);
  free(cmd);
}

static int by_metric_row(const pv_cell *a, const pv_cell *b, size_t ncols)
{
  (void)ncols;
  int c = strcmp(cell_text(&a[M_PROCESS]), cell_text(&b[M_PROCESS]));
  if (!c) c = strcmp(cell_text(&a[M_NAME]), cell_text(&b[M_NAME]));
  int64_t x = cell_long(&a[M_STEP]), y = cell_long(&b[M_STEP]);
  if (!c && x != y) return x < y ? -1 : 1;
  if (!c) c = strcmp(cell_text(&a[M_TIME]), cell_text(&b[M_TIME]));
  return c;
}

/* The processes of the job named run (its id or IRI); 0 if none is. */
static size_t job_processes(pv_q *q, const char *run, pv_table *t, const char *name)
{
  size_t found = 0;
  librdf_statement *pattern;
  librdf_stream *st = pv_q_statements(q, PV_T_PART_OF_JOB, &pattern);
  for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
    librdf_statement *x = librdf_stream_get_object(st);
    const char *job = pv_q_iri(librdf_statement_get_object(x));
    if (!job) continue;
    char *jn = strcmp(job, run) == 0 ? NULL : pv_q_job_name(q, job);
    if (!jn || strcmp(jn, run) == 0) {
      found++;
      metric_rows(q, t, librdf_statement_get_subject(x), name);
    }
    free(jn);
  }
  if (st) librdf_free_stream(st);
  if (pattern) librdf_free_statement(pattern);
  return found;
}

int pv_query_metrics(pv_store *s, const char *run, const char *name, enum pv_format fmt, FILE *out, char *err,
                     size_t errlen)
{
  static const char *const cols[] = {"process", "command", "name", "step", "value", "time"};
  pv_q q;
  pv_q_init(&q, s);
  pv_table t;
  pv_table_init(&t, M_NCOLS, cols);
  int rc = PV_EXIT_OK;
  if (!run) {
    /* every process that recorded a metric */
    librdf_statement *pattern;
    librdf_stream *st = pv_q_statements(&q, PV_T_METRIC, &pattern);
    pv_index seen = {0};
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
      librdf_node *p = librdf_statement_get_subject(librdf_stream_get_object(st));
      if (!pv_q_iri(p) || pv_index_get(&seen, pv_q_iri(p)) != SIZE_MAX) continue;
      pv_index_put(&seen, pv_q_iri(p), 0);
      metric_rows(&q, &t, p, name);
    }
    pv_index_free(&seen);
    if (st) librdf_free_stream(st);
    if (pattern) librdf_free_statement(pattern);
  } else if (!job_processes(&q, run, &t, name)) {
    librdf_node *node;
    rc = pv_lineage_resolve(&q, run, &node, err, errlen);
    if (rc == PV_EXIT_OK) {
      pv_lineage l;
      pv_lineage_walk(&q, node, &(pv_walk){PV_BACKWARD, -1, 0}, &l);
      for (size_t k = 0; k < l.n; k++)
        if (is_run(l.nodes[k].kind)) metric_rows(&q, &t, l.nodes[k].node, name);
      pv_lineage_free(&l);
      librdf_free_node(node);
    }
  }
  if (rc == PV_EXIT_OK) {
    pv_table_sort(&t, by_metric_row);
    rc = pv_table_print(&t, fmt, out);
    if (rc != PV_EXIT_OK) snprintf(err, errlen, "cannot write the output");
  }
  pv_table_free(&t);
  pv_q_free(&q);
  return rc;
}
