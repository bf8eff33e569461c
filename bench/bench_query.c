/* bench_query - prov-query at scale: lineage of a file 10 derivation levels
 * deep in a store of 1M triples (target: under 100 ms), next to the walk
 * PROV-IO+ asks its users to write as SPARQL (3 queries per level, which
 * finds processes and inputs only, and reads after writing too), and the
 * stats command over every session of the store.
 *
 *   bench_query [triples] [STORE-DIR]
 *
 * The synthetic store follows docs/model.md: chains of 10 processes, each
 * reading the previous one's output, a shared config file and two of 1000
 * library files (the environment), and writing its own output (with what
 * prov-merge derives).
 * With STORE-DIR the store is kept there and reused on the next run; else
 * it is built in a scratch directory on /dev/shm and removed. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "query.h"
#include "query_load.h"

#define LEVELS 10
#define REPEAT 9

static const char *const PROV = "http://www.w3.org/ns/prov#", *const PV = "https://w3id.org/provio/ns#";

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long triples;

static void t(FILE *f, const char *s, const char *ns, const char *p, const char *o)
{
  fprintf(f, "<%s> <%s%s> %s .\n", s, ns, p, o);
  triples++;
}

static const char *iri(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *iri(const char *fmt, ...)
{
  static char buf[8][512];
  static int k;
  char *b = buf[k++ & 7];
  va_list ap;
  va_start(ap, fmt);
  b[0] = '<';
  int n = vsnprintf(b + 1, sizeof buf[0] - 3, fmt, ap);
  va_end(ap);
  strcpy(b + 1 + n, ">");
  return b;
}

static const char *when(int sec, int part)
{
  static char buf[4][96];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, sizeof buf[0], "\"2026-01-01T%02d:%02d:%02d.%06dZ\"^^<http://www.w3.org/2001/XMLSchema#dateTime>",
           sec / 3600, sec / 60 % 60, sec % 60, part);
  return b;
}

static const char *num(long v)
{
  static char buf[4][80];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, sizeof buf[0], "\"%ld\"^^<http://www.w3.org/2001/XMLSchema#long>", v);
  return b;
}

/* One read or write session of process p (thread th) on file f. */
static void access_rec(FILE *f, const char *p, const char *th, int n, const char *file, int sec, int write,
                       const char *version)
{
  char a[512];
  snprintf(a, sizeof a, "%s/access/%d", th, n);
  t(f, a, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sActivity", PROV));
  t(f, a, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sFileAccess", PV));
  t(f, a, PV, "partOf", iri("%s", p));
  t(f, a, PROV, "wasAssociatedWith", iri("%s", th));
  t(f, a, PV, "file", iri("%s", file));
  t(f, a, PROV, "startedAtTime", when(sec, n));
  t(f, a, PROV, "endedAtTime", when(sec, n + 500000));
  t(f, a, PV, "api", "\"posix\"");
  t(f, a, PV, write ? "writes" : "reads", num(16));
  t(f, a, PV, write ? "bytesWritten" : "bytesRead", num(1048576L * (n + 1)));
  t(f, a, PV, write ? "writeTime" : "readTime", num(250000L * (n + 1)));
  if (!write) {
    t(f, p, PROV, "used", iri("%s", file));
    return;
  }
  t(f, version, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sFileVersion", PV));
  t(f, version, PROV, "specializationOf", iri("%s", file));
  t(f, version, PROV, "wasGeneratedBy", iri("%s", p));
  t(f, version, PROV, "generatedAtTime", when(sec, n + 500000));
  t(f, a, PV, "version", iri("%s", version));
}

/* Chains of LEVELS processes until the store holds `want` triples. */
static void generate(FILE *f, long want)
{
  const char *user = "urn:provio:user:bench";
  for (int c = 0; triples < want; c++) {
    char prev_p[256] = "", prev_v[300] = "", prev_file[256];
    snprintf(prev_file, sizeof prev_file, "file:///bench/input/c%d.raw", c);
    for (int s = 0; s < LEVELS; s++) {
      char p[256], th[300], file[256], v[320], prog[128], cmd[512];
      int sec = s * 10, pid = 1000 + c * LEVELS + s;
      snprintf(p, sizeof p, "urn:provio:job:bench:%d/proc/n%d/%d.%d", c, c % 64, pid, sec);
      snprintf(th, sizeof th, "%s/thread/%d", p, pid);
      snprintf(file, sizeof file, "file:///bench/c%d/stage%d.dat", c, s);
      snprintf(v, sizeof v, "%s/version/9", th);
      snprintf(prog, sizeof prog, "urn:provio:program:/bench/bin/stage%d", s);
      snprintf(cmd, sizeof cmd, "\"/bench/bin/stage%d --in %s\"", s, prev_file + 7);
      t(f, p, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sProcess", PV));
      t(f, p, PV, "partOfJob", iri("urn:provio:job:bench:%d", c));
      char host[32];
      snprintf(host, sizeof host, "\"n%d\"", c % 64);
      t(f, p, PV, "host", host);
      t(f, p, PV, "pid", num(pid));
      t(f, p, PV, "ppid", num(999));
      t(f, p, PROV, "startedAtTime", when(sec, 0));
      t(f, p, PROV, "endedAtTime", when(sec + 5, 0));
      t(f, p, PV, "commandLine", cmd);
      t(f, p, PV, "exitStatus", num(0));
      t(f, p, PROV, "wasAssociatedWith", iri("%s", prog));
      t(f, p, PROV, "wasAssociatedWith", iri("%s", user));
      t(f, p, PROV, "wasAssociatedWith", iri("%s", th));
      t(f, th, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sThread", PV));
      t(f, th, PV, "threadOf", iri("%s", p));
      t(f, th, PROV, "actedOnBehalfOf", iri("%s", user));
      t(f, prog, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sProgram", PV));
      t(f, file, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type", iri("%sFile", PV));
      access_rec(f, p, th, 1, prev_file, sec + 1, 0, NULL);
      access_rec(f, p, th, 2, "file:///bench/config.yaml", sec + 1, 0, NULL);
      for (int k = 0; k < 2; k++) {
        char lib[128];
        snprintf(lib, sizeof lib, "file:///bench/lib/%d.dat", (c * 7 + s * 13 + k * 101) % 1000);
        access_rec(f, p, th, 3 + k, lib, sec + 1, 0, NULL);
      }
      access_rec(f, p, th, 5, file, sec + 2, 1, v);
      /* what prov-merge derives: the version from everything read before
       * (an outside input as the file itself), the libraries marked as the
       * environment */
      t(f, v, PROV, "wasDerivedFrom", iri("%s", s > 0 ? prev_v : prev_file));
      t(f, v, PROV, "wasDerivedFrom", iri("file:///bench/config.yaml"));
      for (int k = 0; k < 2; k++) {
        char lib[128];
        snprintf(lib, sizeof lib, "file:///bench/lib/%d.dat", (c * 7 + s * 13 + k * 101) % 1000);
        t(f, v, PROV, "wasDerivedFrom", iri("%s", lib));
        t(f, lib, PV, "environment", "\"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>");
      }
      if (s > 0) {
        t(f, p, PROV, "used", iri("%s", prev_v));
        t(f, p, PROV, "wasInformedBy", iri("%s", prev_p));
      }
      strcpy(prev_p, p);
      strcpy(prev_v, v);
      strcpy(prev_file, file);
    }
  }
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* One SELECT with the given IRI pasted in; calls back on each result. */
static int sparql_column(pv_store *s, const char *fmt, const char *node, char ***out, int *n)
{
  char q[2048];
  snprintf(q, sizeof q, fmt, node);
  librdf_query *query = librdf_new_query(s->world, "sparql", NULL, (const unsigned char *)q, NULL);
  librdf_query_results *r = query ? librdf_query_execute(query, s->model) : NULL;
  for (; r && !librdf_query_results_finished(r); librdf_query_results_next(r)) {
    librdf_node *v = librdf_query_results_get_binding_value(r, 0);
    if (v && librdf_node_is_resource(v)) {
      *out = realloc(*out, (size_t)(*n + 1) * sizeof **out);
      (*out)[(*n)++] = strdup((const char *)librdf_uri_as_string(librdf_node_get_uri(v)));
    }
    if (v) librdf_free_node(v);
  }
  if (r) librdf_free_query_results(r);
  if (query) librdf_free_query(query);
  return 0;
}

/* The PROV-IO+ way: per level, the generating process of each version,
 * what it used, and what those were derived from (3 queries per level). */
static int sparql_lineage(pv_store *s, const char *version)
{
  char **frontier = malloc(sizeof *frontier);
  int nf = 1, found = 0;
  frontier[0] = strdup(version);
  for (int level = 0; level < LEVELS && nf; level++) {
    char **procs = NULL, **used = NULL, **next = NULL;
    int np = 0, nu = 0, nn = 0;
    for (int i = 0; i < nf; i++)
      sparql_column(s, "SELECT ?p WHERE { <%s> <http://www.w3.org/ns/prov#wasGeneratedBy> ?p }", frontier[i], &procs, &np);
    for (int i = 0; i < np; i++)
      sparql_column(s, "SELECT ?u WHERE { <%s> <http://www.w3.org/ns/prov#used> ?u }", procs[i], &used, &nu);
    for (int i = 0; i < nf; i++)
      sparql_column(s, "SELECT ?u WHERE { <%s> <http://www.w3.org/ns/prov#wasDerivedFrom> ?u }", frontier[i], &next, &nn);
    found += np + nu;
    for (int i = 0; i < nf; i++) free(frontier[i]);
    for (int i = 0; i < np; i++) free(procs[i]);
    for (int i = 0; i < nu; i++) free(used[i]);
    free(frontier);
    free(procs);
    free(used);
    frontier = next;
    nf = nn;
  }
  for (int i = 0; i < nf; i++) free(frontier[i]);
  free(frontier);
  return found;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

int main(int argc, char **argv)
{
  long want = argc > 1 ? atol(argv[1]) : 1000000;
  char scratch[] = "/dev/shm/provio-bench-query.XXXXXX", dir[3900], err[1024];
  int keep = argc > 2;
  if (keep) {
    snprintf(dir, sizeof dir, "%s", argv[2]);
  } else {
    if (!mkdtemp(scratch)) {
      perror("bench_query: mkdtemp");
      return 1;
    }
    snprintf(dir, sizeof dir, "%s/store", scratch);
  }
  pv_store s;
  struct stat st;
  if (stat(dir, &st) != 0) {
    char nt[4300];
    snprintf(nt, sizeof nt, "%s.nt", dir);
    FILE *f = fopen(nt, "w");
    if (!f) {
      perror(nt);
      return 1;
    }
    generate(f, want);
    fclose(f);
    double t0 = now();
    if (pv_store_create(&s, dir, err, sizeof err) != PV_STORE_OK || pv_query_load(&s, nt, err, sizeof err) < 0) {
      fprintf(stderr, "bench_query: %s\n", err);
      return 1;
    }
    pv_store_close(&s);
    unlink(nt);
    printf("store: %ld triples loaded in %.1f s (%s)\n", triples, now() - t0, dir);
  }
  double t0 = now();
  if (pv_query_open(&s, dir, err, sizeof err) != PV_EXIT_OK) {
    fprintf(stderr, "bench_query: %s\n", err);
    return 1;
  }
  printf("open: %.2f ms\n", (now() - t0) * 1e3);

  /* The last output of chain 0: 10 derivation levels down to its input. */
  const char *target = "/bench/c0/stage9.dat";
  FILE *null = fopen("/dev/null", "w");
  double walk[REPEAT], sq[REPEAT];
  int found = 0;
  char *text = NULL;
  size_t len = 0;
  for (int i = 0; i < REPEAT; i++) {
    /* interleaved, so that both see the same cache state */
    double a = now();
    FILE *m = open_memstream(&text, &len);
    if (pv_query_lineage(&s, target, &(pv_walk){PV_BACKWARD, -1, 0}, PV_FMT_TEXT, m, err, sizeof err) != PV_EXIT_OK) {
      fprintf(stderr, "bench_query: %s\n", err);
      return 1;
    }
    fclose(m);
    double b = now();
    found = sparql_lineage(&s, "urn:provio:job:bench:0/proc/n0/1009.90/thread/1009/version/9");
    double c = now();
    if (found < 2 * LEVELS) {
      fprintf(stderr, "bench_query: the SPARQL walk found %d nodes\n", found);
      return 1;
    }
    walk[i] = (b - a) * 1e3;
    sq[i] = (c - b) * 1e3;
  }
  int lines = 0, deepest = 0;
  for (char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    lines++;
    int level = atoi(p);
    if (level > deepest) deepest = level;
  }
  if (!strstr(text, "/bench/input/c0.raw")) {
    fprintf(stderr, "bench_query: the lineage did not reach the chain's input\n%s", text);
    return 1;
  }
  free(text);
  printf("lineage of %s: %d nodes, %d levels deep\n", target, lines, deepest);
  printf("  prov-query lineage (resolve, walk, describe, print): median %.2f ms of %d (target < 100)\n",
         median(walk, REPEAT), REPEAT);
  printf("  PROV-IO+-style SPARQL, 3 queries per level:          median %.2f ms, %d results\n",
         median(sq, REPEAT), found);

  double stats[3];
  for (int i = 0; i < 3; i++) {
    double a = now();
    if (pv_query_stats(&s, PV_BY_PROGRAM, PV_FMT_TSV, null, err, sizeof err) != PV_EXIT_OK) {
      fprintf(stderr, "bench_query: %s\n", err);
      return 1;
    }
    stats[i] = (now() - a) * 1e3;
  }
  printf("stats --by program over every session: median %.0f ms of 3\n", median(stats, 3));
  fclose(null);
  pv_store_close(&s);
  if (!keep) {
    nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  }
  return 0;
}
