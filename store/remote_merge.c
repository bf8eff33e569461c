/* remote_merge.c - prov-merge into a server store. */
#define _GNU_SOURCE
#include "remote_merge.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remote.h"
#include "remote_query.h"
#include "seen.h"
#include "term.h"

/* The graph of a set of record directories: a hash of their real paths,
 * so the same directories always land in the same graph. */
static void graph_of(const pv_merge_opts *o, char graph[64])
{
  pv_text all = {0};
  char *const *paths = o->named ? o->named : o->inputs;
  int npaths = o->named ? o->nnamed : o->ninputs;
  for (int i = 0; i < npaths; i++) {
    char *real = realpath(paths[i], NULL);
    pv_text_add(&all, real ? real : paths[i], strlen(real ? real : paths[i]) + 1);
    free(real);
  }
  pv_hash h = pv_hash_bytes(all.p ? all.p : "", all.n);
  pv_text_free(&all);
  snprintf(graph, 64, "urn:provio:graph:%016llx%016llx", (unsigned long long)h.hi, (unsigned long long)h.lo);
}

/* What the other published graphs hold, as a record file the merge reads
 * with the job's own (so derive.c links this job to theirs), and the set of
 * its lines, which are not loaded again. */
static int write_context(pv_remote *r, const char *path, pv_seen *known, char *err, size_t errlen)
{
  pv_store mem;
  int rc = pv_remote_fetch_all(r, &mem, err, errlen);
  FILE *f = rc ? NULL : fopen(path, "wx");
  if (!rc && !f) {
    snprintf(err, errlen, "%s: cannot write", path);
    rc = PV_MERGE_FAILED;
  }
  librdf_serializer *ser = f ? librdf_new_serializer(mem.world, "ntriples", NULL, NULL) : NULL;
  if (f && (fputs("# provio-nt 1\n", f) < 0 || !ser ||
            librdf_serializer_serialize_model_to_file_handle(ser, f, NULL, mem.model) != 0)) {
    snprintf(err, errlen, "%s: cannot write", path);
    rc = PV_MERGE_FAILED;
  }
  if (ser) librdf_free_serializer(ser);
  if (f && fclose(f) != 0 && !rc) rc = PV_MERGE_FAILED;
  if (mem.model || mem.storage) pv_store_close(&mem);
  f = rc ? NULL : fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while (f && (len = getline(&line, &cap, f)) > 0)
    if (line[0] != '#' && pv_seen_add(known, pv_hash_bytes(line, (size_t)len), 0) < 0) rc = PV_MERGE_FAILED;
  free(line);
  if (f) fclose(f);
  return rc;
}

/* The temporary graph file, in chunks of whole lines, into staging. */
static int upload(pv_remote *r, const char *path, const char *staging, pv_seen *known, unsigned long long *n,
                  char *err, size_t errlen)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "%s: cannot read the merged graph", path);
    return PV_MERGE_FAILED;
  }
  pv_text chunk = {0};
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rc = 0;
  while (!rc && (len = getline(&line, &cap, f)) > 0) {
    if (line[0] == '#' || pv_seen_state(known, pv_hash_bytes(line, (size_t)len)) != PV_SEEN_NO) continue;
    if (pv_text_add(&chunk, line, (size_t)len)) rc = PV_MERGE_FAILED;
    (*n)++;
    if (!rc && chunk.n >= PV_REMOTE_CHUNK) {
      rc = pv_remote_post_graph(r, staging, chunk.p, chunk.n, err, errlen);
      chunk.n = 0;
    }
  }
  if (!rc && chunk.n) rc = pv_remote_post_graph(r, staging, chunk.p, chunk.n, err, errlen);
  free(line);
  pv_text_free(&chunk);
  fclose(f);
  return rc;
}

/* The test hook of docs/server-store.md: with PROVIO_MERGE_HOLD set, a
 * load whose staging graph is complete says so on stderr and waits for
 * its standard input to close before publishing (a test kills it there). */
static void hold_before_publishing(const char *staging)
{
  if (!getenv("PROVIO_MERGE_HOLD")) return;
  fprintf(stderr, "prov-merge: staged <%s>\n", staging);
  fflush(stderr);
  char buf[256];
  while (read(STDIN_FILENO, buf, sizeof buf) > 0) continue;
}

/* One small update: the registry lists the loaded graph instead of the
 * job's previous one.  Nothing is copied (a copy of a big graph in one
 * transaction is what Virtuoso refuses: its transaction log limit). */
static int publish(pv_remote *r, const char *loaded, const char *previous, const char *legacy, char *err,
                   size_t errlen)
{
  pv_text u = {0};
  int bad = pv_text_str(&u, "DELETE DATA { GRAPH ") || pv_sparql_iri(&u, PV_REMOTE_REGISTRY) ||
            pv_text_str(&u, " { ") || pv_sparql_iri(&u, previous) || pv_text_str(&u, " a ") ||
            pv_sparql_iri(&u, PV_REMOTE_GRAPH_CLASS) || pv_text_str(&u, " . ") || pv_sparql_iri(&u, legacy) ||
            pv_text_str(&u, " a ") || pv_sparql_iri(&u, PV_REMOTE_GRAPH_CLASS) ||
            pv_text_str(&u, " } } ;\nINSERT DATA { GRAPH ") || pv_sparql_iri(&u, PV_REMOTE_REGISTRY) ||
            pv_text_str(&u, " { ") || pv_sparql_iri(&u, loaded) || pv_text_str(&u, " a ") ||
            pv_sparql_iri(&u, PV_REMOTE_GRAPH_CLASS) || pv_text_str(&u, " } }");
  int rc = bad ? PV_MERGE_FAILED : pv_remote_update(r, u.p, err, errlen);
  if (bad) snprintf(err, errlen, "out of memory");
  pv_text_free(&u);
  return rc;
}

static int drop(pv_remote *r, const char *graph, char *err, size_t errlen)
{
  pv_text u = {0};
  int rc = pv_text_str(&u, "DROP SILENT GRAPH ") || pv_sparql_iri(&u, graph) ? PV_MERGE_FAILED
                                                                               : pv_remote_update(r, u.p, err, errlen);
  pv_text_free(&u);
  return rc;
}

int pv_merge_remote(const pv_merge_opts *o, pv_merge_stats *st, char graph[64], unsigned long long *uploaded,
                    char *err, size_t errlen)
{
  memset(st, 0, sizeof *st);
  *uploaded = 0;
  graph_of(o, graph);
  pv_remote r;
  /* credentials and server first: a merge that cannot load is not run */
  int rc = pv_remote_open(&r, o->store, 1, err, errlen);
  /* A load goes into a graph of its own, GRAPH/N+1 after GRAPH/N (a
   * killed load's leftovers there are dropped first), and is published by
   * naming it in the registry instead of GRAPH/N.  A name is never used
   * again once published, so a reader that finds the registry changed
   * after its reads knows they may have met a dropped graph (and runs
   * again, pv_remote_reread), where reused names would hide that. */
  char job[56], staging[64], previous[64] = "";
  snprintf(job, sizeof job, "%s", graph);
  size_t jl = strlen(job);
  unsigned long long n = 0;
  for (size_t i = 0; !rc && i < r.ndataset; i++)
    if (r.dataset[i] && strncmp(r.dataset[i], job, jl) == 0 && r.dataset[i][jl] == '/') {
      snprintf(previous, sizeof previous, "%s", r.dataset[i]);
      n = strtoull(r.dataset[i] + jl + 1, NULL, 10);
    }
  snprintf(staging, sizeof staging, "%s/%llu", job, n + 1);
  if (!previous[0]) snprintf(previous, sizeof previous, "%s/0", job); /* none: a name nothing has */
  snprintf(graph, 64, "%s", staging);
  if (!rc) rc = drop(&r, staging, err, errlen);
  if (rc) {
    pv_remote_close(&r);
    return rc;
  }
  const char *tmp = getenv("TMPDIR");
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/provio-merge-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "%s: cannot make a temporary directory", dir);
    pv_remote_close(&r);
    return PV_MERGE_FAILED;
  }
  char nt[PATH_MAX + 16], context[PATH_MAX + 16];
  snprintf(nt, sizeof nt, "%s/graph.nt", dir);
  snprintf(context, sizeof context, "%s/context.nt", dir);
  /* the job's previous load is replaced, not context */
  pv_remote_exclude(&r, job);
  pv_remote_exclude(&r, previous);
  pv_seen *known = pv_seen_new(1 << 16);
  rc = known ? write_context(&r, context, known, err, errlen) : PV_MERGE_FAILED;
  char **inputs = rc ? NULL : malloc((size_t)(o->ninputs + 1) * sizeof *inputs);
  pv_merge_opts local = *o;
  if (inputs) {
    memcpy(inputs, o->inputs, (size_t)o->ninputs * sizeof *inputs);
    inputs[o->ninputs] = context;
    local.inputs = inputs;
    local.ninputs = o->ninputs + 1;
    local.store = NULL;
    local.output = nt;
    local.format = "ntriples";
    rc = pv_merge(&local, st, err, errlen);
  } else if (!rc) {
    rc = PV_MERGE_FAILED;
  }
  if (!rc) rc = upload(&r, nt, staging, known, uploaded, err, errlen);
  free(inputs);
  if (known) pv_seen_free(known);
  unlink(context);
  if (!rc && o->stop && *o->stop) {
    snprintf(err, errlen, "interrupted");
    rc = PV_MERGE_STOPPED;
  }
  if (!rc) hold_before_publishing(staging);
  if (!rc) rc = publish(&r, staging, previous, job, err, errlen);
  char ignored[64];
  /* the unpublished graph: the previous load, or this failed one (and a
   * graph the job had when a load was copied into it: one name) */
  drop(&r, rc ? staging : previous, ignored, sizeof ignored);
  if (!rc) drop(&r, job, ignored, sizeof ignored);
  unlink(nt);
  rmdir(dir);
  pv_remote_close(&r);
  return rc;
}
