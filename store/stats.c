/* stats.c - I/O statistics and the runs in a store, summed in C.
 *
 * Rasqal 0.9.33 computes with C ints: SUM over byte counts wraps past 2^31
 * and COUNT(DISTINCT) is wrong, so the numbers here come from walking the
 * FileAccess records with 64-bit integers. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "query_index.h"
#include "query_output.h"
#include "query_terms.h"

enum { S_BYTES_READ, S_BYTES_WRITTEN, S_READS, S_WRITES, S_META_OPS, S_READ_TIME, S_WRITE_TIME, S_META_TIME, S_N };

static const enum pv_term_id stat_terms[S_N] = {
    PV_T_BYTES_READ, PV_T_BYTES_WRITTEN, PV_T_READS,      PV_T_WRITES,
    PV_T_META_OPS,   PV_T_READ_TIME,     PV_T_WRITE_TIME, PV_T_META_TIME,
};

typedef struct group {
  char *key;
  int64_t v[S_N];
  int64_t sessions;
} group;

typedef struct groups {
  pv_index index;
  group *g;
  size_t n, cap;
} groups;

static group *group_for(groups *gs, const char *key)
{
  size_t i = pv_index_get(&gs->index, key);
  if (i != SIZE_MAX) return &gs->g[i];
  if (gs->n == gs->cap) {
    gs->cap = gs->cap ? 2 * gs->cap : 64;
    gs->g = realloc(gs->g, gs->cap * sizeof *gs->g);
  }
  pv_index_put(&gs->index, key, gs->n);
  gs->g[gs->n] = (group){.key = strdup(key)};
  return &gs->g[gs->n++];
}

/* Adds a record's counters.  The capture writes only counters that are not
 * zero, and no bytes or time without calls: a missing call count spares
 * the lookups that go with it (each is a Berkeley DB read). */
static void add_counters(pv_q *q, librdf_node *a, group *g)
{
  static const int needs[S_N] = {
      [S_BYTES_READ] = S_READS, [S_READ_TIME] = S_READS,      [S_BYTES_WRITTEN] = S_WRITES,
      [S_WRITE_TIME] = S_WRITES, [S_META_TIME] = S_META_OPS, [S_READS] = -1,
      [S_WRITES] = -1,           [S_META_OPS] = -1,
  };
  static const int order[S_N] = {S_READS,      S_WRITES,     S_META_OPS,  S_BYTES_READ,
                                 S_BYTES_WRITTEN, S_READ_TIME, S_WRITE_TIME, S_META_TIME};
  int64_t v[S_N] = {0};
  for (int i = 0; i < S_N; i++) {
    int k = order[i];
    if (needs[k] >= 0 && !v[needs[k]]) continue;
    if (pv_q_long(q, a, stat_terms[k], &v[k]) == 0) g->v[k] += v[k];
  }
}

static char *name_of(const char *iri)
{
  size_t len;
  return pv_display_name(iri, &len);
}

/* The group key of an access's process, cached per process: a store has
 * far fewer processes than sessions. */
static char *process_key(pv_q *q, pv_index *cache, char ***keys, size_t *nkeys, librdf_node *p,
                         enum pv_stats_by by)
{
  const char *iri = pv_q_iri(p);
  size_t i = iri ? pv_index_get(cache, iri) : SIZE_MAX;
  if (i != SIZE_MAX) return (*keys)[i];
  char *key = NULL;
  int64_t rank;
  if (by == PV_BY_PROGRAM) key = pv_q_program(q, p);
  else if (by == PV_BY_HOST) key = pv_q_string(q, p, PV_T_HOST);
  else if (pv_q_long(q, p, PV_T_RANK, &rank) == 0) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, rank);
    key = strdup(buf);
  }
  if (!key) key = strdup(by == PV_BY_RANK ? "(no rank)" : "(unknown)");
  *keys = realloc(*keys, (*nkeys + 1) * sizeof **keys);
  (*keys)[*nkeys] = key;
  if (iri) pv_index_put(cache, iri, *nkeys);
  (*nkeys)++;
  return key;
}

/* Whether an access is counted: sessions an I/O library opened for itself
 * (MPI lock tests, shared memory) are not the program's I/O, and MPI-IO or
 * HDF5 sessions are a view of bytes their POSIX sessions already count. */
static int counted(pv_q *q, librdf_node *a)
{
  char *api = pv_q_string(q, a, PV_T_API);
  int yes = !pv_q_true(q, a, PV_T_LIBRARY_INTERNAL) && !(api && (strcmp(api, "mpiio") == 0 || strcmp(api, "hdf5") == 0));
  free(api);
  return yes;
}

static int by_volume(const pv_cell *a, const pv_cell *b, size_t ncols)
{
  /* columns 1,2: bytes read, written; 6,7: read, write time (see cols) */
  int64_t va = strtoll(a[1].value, NULL, 10) + strtoll(a[2].value, NULL, 10);
  int64_t vb = strtoll(b[1].value, NULL, 10) + strtoll(b[2].value, NULL, 10);
  if (va != vb) return va < vb ? 1 : -1;
  double ta = strtod(a[6].value, NULL) + strtod(a[7].value, NULL);
  double tb = strtod(b[6].value, NULL) + strtod(b[7].value, NULL);
  if (ta != tb) return ta < tb ? 1 : -1;
  return strcmp(a[0].value, b[0].value);
}

int pv_query_stats(pv_store *s, enum pv_stats_by by, enum pv_format fmt, FILE *out, char *err,
                   size_t errlen)
{
  static const char *const by_names[] = {"program", "file", "rank", "host"};
  pv_q q;
  pv_q_init(&q, s);
  groups gs = {0};
  pv_index cache = {0};
  char **keys = NULL;
  size_t nkeys = 0;
  /* Sessions (FileAccess), and the stat-family calls summed per path
   * (PathQueries), which are metadata operations and time only. */
  for (int cls = 0; cls < 2; cls++) {
    librdf_iterator *it = pv_q_sources(&q, PV_T_TYPE, q.t[cls ? PV_T_C_PATH_QUERIES : PV_T_C_FILE_ACCESS]);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
      librdf_node *a = librdf_iterator_get_object(it);
      if (!counted(&q, a)) continue;
      group *g;
      if (by == PV_BY_FILE) {
        char *f = pv_q_string(&q, a, PV_T_FILE), *name = f ? name_of(f) : strdup("(unknown)");
        g = group_for(&gs, name);
        free(name);
        free(f);
      } else {
        librdf_node *p = pv_q_target(&q, a, PV_T_PART_OF);
        g = group_for(&gs, p ? process_key(&q, &cache, &keys, &nkeys, p, by) : "(unknown)");
        if (p) librdf_free_node(p);
      }
      int64_t v;
      /* A summing record covers provio:sessions sessions. */
      if (!cls) g->sessions += pv_q_long(&q, a, PV_T_SESSIONS, &v) == 0 ? v : 1;
      add_counters(&q, a, g);
    }
    if (it) librdf_free_iterator(it);
  }

  const char *cols[] = {by_names[by], "bytes_read", "bytes_written", "reads", "writes", "meta_ops",
                        "read_s", "write_s", "meta_s", "sessions"};
  pv_table t;
  pv_table_init(&t, 10, cols);
  for (size_t i = 0; i < gs.n; i++) {
    pv_cell *row = pv_table_row(&t);
    pv_cell_string(&row[0], gs.g[i].key);
    for (int k = 0; k < S_META_OPS + 1; k++) pv_cell_long(&row[1 + k], gs.g[i].v[k]);
    for (int k = S_READ_TIME; k < S_N; k++) pv_cell_seconds(&row[1 + k], gs.g[i].v[k]);
    pv_cell_long(&row[9], gs.g[i].sessions);
    free(gs.g[i].key);
  }
  pv_table_sort(&t, by_volume);
  int rc = pv_table_print(&t, fmt, out);
  if (rc != PV_EXIT_OK) snprintf(err, errlen, "cannot write the output");
  pv_table_free(&t);
  for (size_t i = 0; i < nkeys; i++) free(keys[i]);
  free(keys);
  free(gs.g);
  pv_index_free(&gs.index);
  pv_index_free(&cache);
  pv_q_free(&q);
  return rc;
}

/* ---- runs ---- */

typedef struct proc_row {
  char *job, *start, *end, *host, *cmd;
  int64_t pid, rank, status;
  int has_rank, has_status;
} proc_row;

static void read_process(pv_q *q, librdf_node *p, proc_row *r)
{
  memset(r, 0, sizeof *r);
  r->job = pv_q_string(q, p, PV_T_PART_OF_JOB);
  r->start = pv_q_string(q, p, PV_T_STARTED_AT);
  r->end = pv_q_string(q, p, PV_T_ENDED_AT);
  r->host = pv_q_string(q, p, PV_T_HOST);
  r->cmd = pv_q_string(q, p, PV_T_COMMAND_LINE);
  if (pv_q_long(q, p, PV_T_PID, &r->pid) != 0) r->pid = -1;
  r->has_rank = pv_q_long(q, p, PV_T_RANK, &r->rank) == 0;
  r->has_status = pv_q_long(q, p, PV_T_EXIT_STATUS, &r->status) == 0;
}

static void free_row(proc_row *r)
{
  free(r->job);
  free(r->start);
  free(r->end);
  free(r->host);
  free(r->cmd);
}

char *pv_q_job_name(pv_q *q, const char *iri)
{
  librdf_node *j = pv_q_node(q, iri);
  char *id = j ? pv_q_string(q, j, PV_T_JOB_ID) : NULL;
  if (j) librdf_free_node(j);
  return id ? id : name_of(iri);
}

static void keep_min(char **cur, const char *v)
{
  if (v && (!*cur || strcmp(v, *cur) < 0)) {
    free(*cur);
    *cur = strdup(v);
  }
}

static void keep_max(char **cur, const char *v)
{
  if (v && (!*cur || strcmp(v, *cur) > 0)) {
    free(*cur);
    *cur = strdup(v);
  }
}

static int by_start(const pv_cell *a, const pv_cell *b, size_t ncols)
{
  /* column 1 is the start time (xsd:dateTime compares as text) */
  int c = strcmp(a[1].value ? a[1].value : "", b[1].value ? b[1].value : "");
  return c ? c : strcmp(a[0].value ? a[0].value : "", b[0].value ? b[0].value : "");
}

typedef struct job_row {
  char *iri, *start, *end;
  int64_t processes, exit_max, with_status, finished;
  pv_index ranks;
} job_row;

int pv_query_runs(pv_store *s, const char *job, enum pv_format fmt, FILE *out, char *err, size_t errlen)
{
  pv_q q;
  pv_q_init(&q, s);
  pv_table t;
  static const char *const job_cols[] = {"job", "start", "end", "processes", "ranks", "exit", "unfinished"};
  static const char *const proc_cols[] = {"process", "start", "end", "host", "pid", "rank", "exit", "command"};
  pv_table_init(&t, job ? 8 : 7, job ? proc_cols : job_cols);
  pv_index jobs = {0};
  job_row *jr = NULL;
  size_t nj = 0, matched = 0;
  librdf_iterator *it = pv_q_sources(&q, PV_T_TYPE, q.t[PV_T_C_PROCESS]);
  for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
    librdf_node *p = librdf_iterator_get_object(it);
    proc_row r;
    read_process(&q, p, &r);
    const char *jiri = r.job ? r.job : "(no job)";
    if (job) {
      char *name = r.job ? pv_q_job_name(&q, r.job) : strdup(jiri);
      int match = strcmp(name, job) == 0 || strcmp(jiri, job) == 0;
      free(name);
      if (match) {
        matched++;
        pv_cell *row = pv_table_row(&t);
        pv_cell_iri(&row[0], pv_q_iri(p));
        pv_cell_time(&row[1], r.start);
        pv_cell_time(&row[2], r.end);
        pv_cell_string(&row[3], r.host);
        if (r.pid >= 0) pv_cell_long(&row[4], r.pid);
        if (r.has_rank) pv_cell_long(&row[5], r.rank);
        if (r.has_status) pv_cell_long(&row[6], r.status);
        pv_cell_string(&row[7], r.cmd);
      }
      free_row(&r);
      continue;
    }
    size_t i = pv_index_get(&jobs, jiri);
    if (i == SIZE_MAX) {
      jr = realloc(jr, (nj + 1) * sizeof *jr);
      jr[nj] = (job_row){.iri = strdup(jiri)};
      pv_index_put(&jobs, jiri, nj);
      i = nj++;
    }
    job_row *j = &jr[i];
    j->processes++;
    keep_min(&j->start, r.start);
    keep_max(&j->end, r.end);
    if (r.has_rank) {
      char rk[32];
      snprintf(rk, sizeof rk, "%" PRId64, r.rank);
      pv_index_put(&j->ranks, rk, 0);
    }
    if (r.has_status) {
      j->finished++;
      if (!j->with_status++ || r.status > j->exit_max) j->exit_max = r.status;
    } else {
      /* An image that exec'd another ended well: the next one goes on. */
      char *how = pv_q_string(&q, p, PV_T_ENDED_BY);
      if (how && strcmp(how, "exec") == 0) j->finished++;
      free(how);
    }
    free_row(&r);
  }
  if (it) librdf_free_iterator(it);
  for (size_t i = 0; i < nj; i++) {
    pv_cell *row = pv_table_row(&t);
    char *name = strcmp(jr[i].iri, "(no job)") ? pv_q_job_name(&q, jr[i].iri) : strdup(jr[i].iri);
    pv_cell_string(&row[0], name);
    pv_cell_time(&row[1], jr[i].start);
    pv_cell_time(&row[2], jr[i].end);
    pv_cell_long(&row[3], jr[i].processes);
    pv_cell_long(&row[4], (int64_t)jr[i].ranks.n);
    if (jr[i].with_status) pv_cell_long(&row[5], jr[i].exit_max);
    pv_cell_long(&row[6], jr[i].processes - jr[i].finished);
    free(name);
    free(jr[i].iri);
    free(jr[i].start);
    free(jr[i].end);
    pv_index_free(&jr[i].ranks);
  }
  free(jr);
  pv_index_free(&jobs);
  pv_table_sort(&t, by_start);
  int rc = PV_EXIT_OK;
  if (job && !matched) {
    snprintf(err, errlen, "%s: no such job in the store", job);
    rc = PV_EXIT_NO_TARGET;
  } else if ((rc = pv_table_print(&t, fmt, out)) != PV_EXIT_OK) {
    snprintf(err, errlen, "cannot write the output");
  }
  pv_table_free(&t);
  pv_q_free(&q);
  return rc;
}
