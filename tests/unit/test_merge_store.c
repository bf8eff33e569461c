/* Merging into a store: the same run twice changes nothing (not even the
 * files), merging job by job gives what merging them together gives and
 * links the jobs through the file they share, and every failure leaves the
 * existing store exactly as it was. */
#include <dirent.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merge.h"
#include "nt_parse.h"
#include "store.h"

#define PROV "http://www.w3.org/ns/prov#"
#define PIO "https://w3id.org/provio/ns#"
#define TIME "\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
#define LONG "\"^^<http://www.w3.org/2001/XMLSchema#long> .\n"

static char *base;

static void setup(void) { base = make_temp_dir(); }
static void teardown(void)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  ck_assert_int_eq(system(cmd), 0);
  free(base);
}

static char *path(const char *rel)
{
  static char buf[16][600];
  static int k;
  char *p = buf[k++ & 15];
  snprintf(p, sizeof buf[0], "%s/%s", base, rel);
  return p;
}

/* One process of job `job` that reads `in` (if any) at minute m+1 and writes
 * `out` at minute m+2, as one finished record file under dir. */
static void job_files(const char *dir, const char *job, int pid, int m, const char *in, const char *out)
{
  char d[600], f[700], p[300], t[400];
  snprintf(d, sizeof d, "%s/h", dir);
  mkdir(dir, 0700);
  mkdir(d, 0700);
  snprintf(f, sizeof f, "%s/%d.%d.%d.nt", d, pid, m, pid);
  snprintf(p, sizeof p, "urn:provio:job:%s/proc/h/%d.%d", job, pid, m);
  snprintf(t, sizeof t, "%s/thread/%d", p, pid);
  FILE *o = fopen(f, "w");
  fprintf(o, "# provio-nt 1\n");
  fprintf(o, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "Thread> .\n", t);
  fprintf(o, "<%s> <" PIO "threadOf> <%s> .\n", t, p);
  fprintf(o, "<%s> <" PIO "host> \"h\" .\n", p);
  fprintf(o, "<%s> <" PIO "pid> \"%d" LONG, p, pid);
  fprintf(o, "<%s> <" PROV "startedAtTime> \"2026-11-22T05:%02d:00Z" TIME, p, m);
  if (in) {
    fprintf(o, "<%s> <" PROV "used> <file://%s> .\n", p, in);
    fprintf(o, "<%s/access/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "FileAccess> .\n", t);
    fprintf(o, "<%s/access/1> <" PIO "partOf> <%s> .\n", t, p);
    fprintf(o, "<%s/access/1> <" PIO "file> <file://%s> .\n", t, in);
    fprintf(o, "<%s/access/1> <" PROV "startedAtTime> \"2026-11-22T05:%02d:00Z" TIME, t, m + 1);
    fprintf(o, "<%s/access/1> <" PIO "reads> \"3" LONG, t);
  }
  fprintf(o, "<%s/access/2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "FileAccess> .\n", t);
  fprintf(o, "<%s/access/2> <" PIO "partOf> <%s> .\n", t, p);
  fprintf(o, "<%s/access/2> <" PIO "file> <file://%s> .\n", t, out);
  fprintf(o, "<%s/access/2> <" PIO "version> <%s/version/3> .\n", t, t);
  fprintf(o, "<%s/version/3> <" PROV "specializationOf> <file://%s> .\n", t, out);
  fprintf(o, "<%s/version/3> <" PROV "wasGeneratedBy> <%s> .\n", t, p);
  fprintf(o, "<%s/version/3> <" PROV "generatedAtTime> \"2026-11-22T05:%02d:00Z" TIME, t, m + 2);
  fprintf(o, "<%s> <" PIO "endedBy> \"exit\" .\n", p);
  fprintf(o, "# provio-end\n");
  fclose(o);
}

static int merge(const char *store, const char *in1, const char *in2, const char *output, pv_merge_stats *st)
{
  char *inputs[] = {(char *)in1, (char *)in2};
  pv_merge_opts o = {.store = store, .output = output, .format = "ntriples", .inputs = inputs,
                     .ninputs = in2 ? 2 : 1, .threads = 2};
  char err[1024];
  int rc = pv_merge(&o, st, err, sizeof err);
  if (rc) fprintf(stderr, "merge: %s\n", err);
  return rc;
}

/* The store's triples as sorted N-Triples text. */
static char *dump(const char *store)
{
  char out[700];
  snprintf(out, sizeof out, "%s.dump.nt", store);
  pv_merge_stats st;
  char *inputs[] = {path("empty-run")};
  mkdir(inputs[0], 0700);
  FILE *f = fopen(path("empty-run/0.0.0.nt"), "w");
  fclose(f);
  pv_merge_opts o = {.store = store, .output = out, .format = "ntriples", .inputs = inputs, .ninputs = 1};
  char err[1024];
  ck_assert_int_eq(pv_merge(&o, &st, err, sizeof err), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  char cmd[2000];
  snprintf(cmd, sizeof cmd, "LC_ALL=C sort -o '%s' '%s'", out, out);
  ck_assert_int_eq(system(cmd), 0);
  size_t n;
  char *text = read_file(out, &n);
  unlink(out);
  return text;
}

/* A file of the store's current data directory. */
static char *data_file(const char *store, const char *name)
{
  pv_marker m;
  ck_assert_int_eq(pv_marker_read(store, &m), 0);
  char *data = pv_marker_data_path(store, &m), *p = malloc(strlen(data) + strlen(name) + 2);
  sprintf(p, "%s/%s", data, name);
  free(data);
  return p;
}

static ino_t inode(const char *p)
{
  struct stat st;
  ck_assert_int_eq(stat(p, &st), 0);
  return st.st_ino;
}

START_TEST(same_run_twice_changes_nothing)
{
  job_files(path("a"), "A", 10, 1, NULL, "/shared/x");
  pv_merge_stats st;
  ck_assert_int_eq(merge(path("store"), path("a"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_eq(st.store_changed, 1);
  ck_assert_int_gt(st.triples_new, 0);
  pv_merge_stats_free(&st);
  ino_t before = inode(path("store"));
  struct stat db0, db1;
  char *db = data_file(path("store"), "provio-sp2o.db");
  ck_assert_int_eq(stat(db, &db0), 0);
  char *d0 = dump(path("store"));
  ck_assert_int_eq(merge(path("store"), path("a"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_eq(st.store_changed, 0);
  ck_assert_int_eq(st.triples_new, 0);
  ck_assert_int_eq(st.derived_added + st.derived_removed, 0);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(inode(path("store")), before);
  ck_assert_int_eq(stat(db, &db1), 0);
  ck_assert_int_eq(db0.st_mtim.tv_nsec, db1.st_mtim.tv_nsec);
  free(db);
  char *d1 = dump(path("store"));
  ck_assert_str_eq(d0, d1);
  free(d0);
  free(d1);
}
END_TEST

START_TEST(jobs_merged_apart_equal_jobs_merged_together)
{
  job_files(path("a"), "A", 10, 1, NULL, "/shared/x");
  job_files(path("b"), "B", 10, 10, "/shared/x", "/shared/y"); /* same pid, another job */
  pv_merge_stats st;
  ck_assert_int_eq(merge(path("s1"), path("a"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(merge(path("s1"), path("b"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_gt(st.derived_added, 0);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(merge(path("s2"), path("a"), path("b"), NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  char *d1 = dump(path("s1")), *d2 = dump(path("s2"));
  ck_assert_str_eq(d1, d2);
  /* the lineage crosses the jobs */
  ck_assert_ptr_nonnull(strstr(d1, "<urn:provio:job:B/proc/h/10.10> <" PROV "used> "
                                   "<urn:provio:job:A/proc/h/10.1/thread/10/version/3> ."));
  ck_assert_ptr_nonnull(strstr(d1, "<urn:provio:job:B/proc/h/10.10> <" PROV "wasInformedBy> "
                                   "<urn:provio:job:A/proc/h/10.1> ."));
  ck_assert_ptr_nonnull(strstr(d1, "<urn:provio:job:B/proc/h/10.10/thread/10/version/3> <" PROV "wasDerivedFrom> "
                                   "<urn:provio:job:A/proc/h/10.1/thread/10/version/3> ."));
  nt_result *r = malloc(sizeof *r);
  nt_parse(d1, strlen(d1), r);
  ck_assert_int_eq(r->errors, 0);
  free(r);
  free(d1);
  free(d2);
}
END_TEST

START_TEST(a_later_job_moves_a_derivation)
{
  /* C read x at minute 21; A wrote x at minute 3 and, merged later, D
   * wrote it at minute 12: C used D's version, not A's any more */
  job_files(path("a"), "A", 10, 1, NULL, "/shared/x");
  job_files(path("c"), "C", 30, 20, "/shared/x", "/shared/z");
  job_files(path("d"), "D", 40, 10, NULL, "/shared/x");
  pv_merge_stats st;
  ck_assert_int_eq(merge(path("s1"), path("a"), path("c"), NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(merge(path("s1"), path("d"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_gt(st.derived_removed, 0);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(merge(path("s2"), path("a"), path("c"), NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(merge(path("s2"), path("d"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  char *d1 = dump(path("s1"));
  ck_assert_ptr_null(strstr(d1, "<urn:provio:job:C/proc/h/30.20> <" PROV "used> <urn:provio:job:A/"));
  ck_assert_ptr_nonnull(strstr(d1, "<urn:provio:job:C/proc/h/30.20> <" PROV "used> <urn:provio:job:D/"));
  free(d1);
}
END_TEST

/* Runs a failing merge and checks the store is untouched. */
static void fails_leaving_store(const char *in_arg, const char *out_arg, int want)
{
  char *in = strdup(in_arg), *output = out_arg ? strdup(out_arg) : NULL; /* path() reuses its buffers */
  pv_merge_stats st;
  char *before = dump(path("store"));
  ino_t ino = inode(path("store"));
  ck_assert_int_eq(merge(path("store"), in, NULL, output, &st), want);
  pv_merge_stats_free(&st);
  ck_assert_int_eq(inode(path("store")), ino);
  char *after = dump(path("store"));
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  free(in);
  free(output);
}

/* Each merge adds a segment; the merge that finds PV_STORE_SEGMENTS_MAX
 * of them folds them into its own, and the store is still what merging
 * every job at once gives, derivations across jobs and a withdrawn one
 * included. */
START_TEST(segments_are_folded_and_change_nothing)
{
  char dir[64], job[16], in[32], out[32];
  int jobs = PV_STORE_SEGMENTS_MAX + 1;
  pv_merge_stats st;
  for (int k = 0; k < jobs; k++) {
    snprintf(dir, sizeof dir, "j%d", k);
    snprintf(job, sizeof job, "J%d", k);
    snprintf(in, sizeof in, "/shared/f%d", k);
    snprintf(out, sizeof out, "/shared/f%d", k + 1);
    job_files(path(dir), job, 10 + k, 3 * k + 1, k ? in : NULL, out);
    ck_assert_int_eq(merge(path("apart"), path(dir), NULL, NULL, &st), PV_MERGE_OK);
    pv_merge_stats_free(&st);
    pv_marker m;
    ck_assert_int_eq(pv_marker_read(path("apart"), &m), 0);
    ck_assert_int_eq(m.nseg, k < PV_STORE_SEGMENTS_MAX ? k + 1 : 1);
    /* the store holds what the marker names and nothing else */
    int ndata = 0;
    DIR *d = opendir(path("apart"));
    for (struct dirent *e; (e = readdir(d));) ndata += strncmp(e->d_name, "data.", 5) == 0;
    closedir(d);
    ck_assert_int_eq(ndata, m.nseg);
  }
  job_files(path("late"), "L", 99, 2, NULL, "/shared/f1"); /* writes between J0's write and J1's read */
  ck_assert_int_eq(merge(path("apart"), path("late"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_gt(st.derived_removed, 0);
  pv_merge_stats_free(&st);
  char cmd[4000];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -r '%s'/j*/h/* '%s'/late/h/* '%s'", path("all/h"), path(""),
           path(""), path("all/h"));
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(merge(path("together"), path("all"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  char *a = dump(path("apart")), *b = dump(path("together"));
  ck_assert_str_eq(a, b);
  free(a);
  free(b);
}
END_TEST

START_TEST(failures_leave_the_store_intact)
{
  job_files(path("a"), "A", 10, 1, NULL, "/shared/x");
  job_files(path("b"), "B", 20, 10, "/shared/x", "/shared/y");
  pv_merge_stats st;
  ck_assert_int_eq(merge(path("store"), path("a"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);

  fails_leaving_store(path("missing"), NULL, PV_MERGE_INPUT);
  mkdir(path("empty"), 0700);
  fails_leaving_store(path("empty"), NULL, PV_MERGE_INPUT);
  FILE *f = fopen(path("b/h/foreign.nt"), "w");
  fputs("<urn:a:b> <urn:a:p> <urn:a:o> .\n", f);
  fclose(f);
  fails_leaving_store(path("b"), NULL, PV_MERGE_INPUT);
  unlink(path("b/h/foreign.nt"));
  fails_leaving_store(path("b"), path("no/such/dir/out.nt"), PV_MERGE_OUTPUT);

  /* a second merge at the same time is refused */
  int fd = open(path("store/" PV_STORE_LOCK), O_RDWR);
  ck_assert_int_eq(flock(fd, LOCK_EX), 0);
  ck_assert_int_eq(merge(path("store"), path("b"), NULL, NULL, &st), PV_MERGE_STORE);
  pv_merge_stats_free(&st);
  close(fd);

  /* nothing is left beside it */
  char cmd[800];
  snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c merge- >/dev/null", base);
  ck_assert_int_ne(system(cmd), 0);

  /* stores that are not ours are refused, and left alone */
  f = fopen(path("file"), "w");
  fputs("not a store\n", f);
  fclose(f);
  ck_assert_int_eq(merge(path("file"), path("a"), NULL, NULL, &st), PV_MERGE_STORE);
  pv_merge_stats_free(&st);
  mkdir(path("other"), 0700);
  f = fopen(path("other/data"), "w");
  fclose(f);
  ck_assert_int_eq(merge(path("other"), path("a"), NULL, NULL, &st), PV_MERGE_STORE);
  pv_merge_stats_free(&st);
  struct stat s;
  ck_assert_int_eq(stat(path("other/data"), &s), 0);
  ck_assert_int_eq(stat(path("other/provio-store"), &s), -1);

  /* and then the merge still works */
  ck_assert_int_eq(merge(path("store"), path("b"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_gt(st.triples_new, 0);
  pv_merge_stats_free(&st);
}
END_TEST

START_TEST(a_stop_request_leaves_no_store)
{
  job_files(path("a"), "A", 10, 1, NULL, "/shared/x");
  volatile sig_atomic_t stop = 1;
  char *inputs[] = {path("a")};
  pv_merge_opts o = {.store = path("store"), .inputs = inputs, .ninputs = 1, .stop = &stop};
  pv_merge_stats st;
  char err[512];
  ck_assert_int_eq(pv_merge(&o, &st, err, sizeof err), PV_MERGE_STOPPED);
  pv_merge_stats_free(&st);
  struct stat s;
  ck_assert_int_eq(stat(path("store"), &s), -1);
}
END_TEST

/* A summing record as the capture leaves it at some moment: fixed-width
 * zero-padded counters and times rewritten in place, plus the classes and
 * the operation time that PROV tools need in another form. */
static void summing_record(const char *dir, int sessions, int reads, int end_minute)
{
  mkdir(dir, 0700);
  char d[600];
  snprintf(d, sizeof d, "%s/h", dir);
  mkdir(d, 0700);
  snprintf(d, sizeof d, "%s/h/10.1.10.nt", dir);
  const char *p = "urn:provio:job:A/proc/h/10.1", *t = "urn:provio:job:A/proc/h/10.1/thread/10";
  FILE *o = fopen(d, "w");
  fprintf(o, "# provio-nt 1\n");
  fprintf(o, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV "SoftwareAgent> .\n", t);
  fprintf(o, "<urn:provio:user:u> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV "Person> .\n");
  fprintf(o, "<urn:provio:job:A> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "Job> .\n");
  fprintf(o, "<%s/op/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "FileOperation> .\n", t);
  fprintf(o, "<%s/op/1> <" PROV "atTime> \"2026-11-22T05:01:00.000000Z" TIME, t);
  fprintf(o, "<%s/access/2> <" PIO "partOf> <%s> .\n", t, p);
  fprintf(o, "<%s/access/2> <" PIO "sessions> \"%019d" LONG, t, sessions);
  fprintf(o, "<%s/access/2> <" PIO "reads> \"%019d" LONG, t, reads);
  fprintf(o, "<%s/access/2> <" PIO "seeks> \"+0000000000000000000" LONG, t);
  fprintf(o, "<%s/access/2> <" PROV "startedAtTime> \"2026-11-22T05:00:00.000000Z" TIME, t);
  fprintf(o, "<%s/access/2> <" PROV "endedAtTime> \"2026-11-22T05:%02d:00.000000Z" TIME, t, end_minute);
  fclose(o);
}

static int count(const char *text, const char *needle)
{
  int n = 0;
  for (const char *at = text; (at = strstr(at, needle)); at++) n++;
  return n;
}

START_TEST(counters_are_canonical_and_single_valued)
{
  pv_merge_stats st;
  summing_record(path("a"), 2, 5, 3);
  ck_assert_int_eq(merge(path("store"), path("a"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  summing_record(path("a"), 9, 12, 7); /* the same record, later */
  ck_assert_int_eq(merge(path("store"), path("a"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  summing_record(path("old"), 2, 5, 3); /* an older copy merged last */
  ck_assert_int_eq(merge(path("store"), path("old"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_eq(st.triples_new, 0);
  pv_merge_stats_free(&st);

  char *d = dump(path("store"));
  const char *a = "<urn:provio:job:A/proc/h/10.1/thread/10/access/2> ";
  char want[400];
  static const char *const one[][2] = {{PIO "sessions", "\"9" LONG},
                                       {PIO "reads", "\"12" LONG},
                                       {PIO "seeks", "\"0" LONG},
                                       {PROV "endedAtTime", "\"2026-11-22T05:07:00.000000Z" TIME}};
  for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
    snprintf(want, sizeof want, "%s<%s> ", a, one[i][0]);
    ck_assert_int_eq(count(d, want), 1);
    snprintf(want, sizeof want, "%s<%s> %s", a, one[i][0], one[i][1]);
    ck_assert_ptr_nonnull(strstr(d, want));
  }
  ck_assert_ptr_null(strstr(d, "\"00"));

  /* every agent a prov:Agent; the job and the operation PROV activities,
   * the operation's time its start and end */
  ck_assert_ptr_nonnull(strstr(d, "<urn:provio:job:A/proc/h/10.1/thread/10> "
                                  "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV "Agent> ."));
  ck_assert_ptr_nonnull(strstr(d, "<urn:provio:user:u> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV
                                  "Agent> ."));
  ck_assert_ptr_nonnull(strstr(d, "<urn:provio:job:A> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV
                                  "Activity> ."));
  const char *op = "<urn:provio:job:A/proc/h/10.1/thread/10/op/1> ";
  snprintf(want, sizeof want, "%s<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV "Activity> .", op);
  ck_assert_ptr_nonnull(strstr(d, want));
  snprintf(want, sizeof want, "%s<" PROV "startedAtTime> \"2026-11-22T05:01:00.000000Z" TIME, op);
  ck_assert_ptr_nonnull(strstr(d, want));
  snprintf(want, sizeof want, "%s<" PROV "endedAtTime> \"2026-11-22T05:01:00.000000Z" TIME, op);
  ck_assert_ptr_nonnull(strstr(d, want));
  snprintf(want, sizeof want, "%s<" PROV "atTime>", op);
  ck_assert_ptr_null(strstr(d, want));
  free(d);
}
END_TEST

/* Records name a file's classes and the PROV class of a session and a
 * version only through provio:file and the provio classes; the store
 * holds them all. */
START_TEST(classes_records_leave_out_are_stored)
{
  char d[600];
  snprintf(d, sizeof d, "%s", path("r"));
  mkdir(d, 0700);
  snprintf(d, sizeof d, "%s/h", path("r"));
  mkdir(d, 0700);
  snprintf(d, sizeof d, "%s/h/10.1.10.nt", path("r"));
  const char *a = "urn:provio:r:h/10.1/a1", *v = "urn:provio:r:h/10.1/v1", *f = "file:///d/x";
  FILE *o = fopen(d, "w");
  fprintf(o, "# provio-nt 1\n");
  fprintf(o, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "FileAccess> .\n", a);
  fprintf(o, "<%s> <" PIO "file> <%s> .\n", a, f);
  fprintf(o, "<%s> <" PIO "version> <%s> .\n", a, v);
  fprintf(o, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "FileVersion> .\n", v);
  fclose(o);
  pv_merge_stats st;
  ck_assert_int_eq(merge(path("store"), path("r"), NULL, NULL, &st), PV_MERGE_OK);
  ck_assert_int_eq(st.triples_read, 4);
  ck_assert_int_eq(st.triples_new, 8);
  ck_assert_int_eq(st.duplicates, 0);
  pv_merge_stats_free(&st);
  char *dump_text = dump(path("store")), want[400];
  static const char *const implied[][2] = {
      {"urn:provio:r:h/10.1/a1", PROV "Activity"}, {"urn:provio:r:h/10.1/v1", PROV "Entity"},
      {"file:///d/x", PIO "File"}, {"file:///d/x", PROV "Entity"}};
  for (size_t i = 0; i < sizeof implied / sizeof implied[0]; i++) {
    snprintf(want, sizeof want, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <%s> .", implied[i][0],
             implied[i][1]);
    ck_assert_ptr_nonnull(strstr(dump_text, want));
  }
  free(dump_text);
}
END_TEST

/* What a record leaves to its record file (docs/model.md, "What the records
 * leave out and the store adds"): a session's process and thread, an
 * operation's and a path query's process, a version's generating process,
 * all from the header of the thread's first file, also for records in its
 * later segments; a thread that is no agent gets no sessions. */
static void thread_file(const char *name, const char *thread, int agent, const char *body)
{
  FILE *o = fopen(path(name), "w");
  fprintf(o, "# provio-nt 1\n");
  if (thread) {
    fprintf(o, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PIO "Thread> .\n", thread);
    fprintf(o, "<%s> <" PIO "threadOf> <urn:provio:job:A/proc/h/10.1> .\n", thread);
    if (agent) fprintf(o, "<%s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" PROV "SoftwareAgent> .\n", thread);
  }
  fputs(body, o);
  fclose(o);
}

#define TYPE "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
#define R "urn:provio:r:h/10.1/"

START_TEST(writers_records_leave_out_are_stored)
{
  const char *p = "urn:provio:job:A/proc/h/10.1", *t10 = "urn:provio:job:A/proc/h/10.1/thread/10";
  mkdir(path("r"), 0700);
  mkdir(path("r/h"), 0700);
  thread_file("r/h/10.1.10.nt", t10, 1,
              "<" R "a1> " TYPE "<" PIO "FileAccess> .\n"
              "<" R "v1> " TYPE "<" PIO "FileVersion> .\n"
              "<" R "o2> " TYPE "<" PIO "FileOperation> .\n");
  thread_file("r/h/10.1.10.s1.nt", NULL, 0,
              "<" R "a3> " TYPE "<" PIO "FileAccess> .\n"
              "<" R "q4> " TYPE "<" PIO "PathQueries> .\n");
  /* thread 11 is no agent; it closed a1 and wrote it again, untyped */
  thread_file("r/h/10.1.11.nt", "urn:provio:job:A/proc/h/10.1/thread/11", 0,
              "<" R "a5> " TYPE "<" PIO "FileAccess> .\n"
              "<" R "a1> <" PIO "reads> \"1" LONG);
  pv_merge_stats st;
  ck_assert_int_eq(merge(path("store"), path("r"), NULL, NULL, &st), PV_MERGE_OK);
  pv_merge_stats_free(&st);
  char *d = dump(path("store")), want[400];
  static const char *const added[][2] = {
      {R "a1", PIO "partOf"}, {R "a3", PIO "partOf"}, {R "a5", PIO "partOf"}, {R "o2", PIO "partOf"},
      {R "q4", PIO "partOf"}, {R "v1", PROV "wasGeneratedBy"}};
  for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
    snprintf(want, sizeof want, "<%s> <%s> <%s> .\n", added[i][0], added[i][1], p);
    ck_assert_msg(strstr(d, want), "missing %s", want);
  }
  for (const char *a = R "a1"; a; a = strcmp(a, R "a1") == 0 ? R "a3" : NULL) {
    snprintf(want, sizeof want, "<%s> <" PROV "wasAssociatedWith> <%s> .\n", a, t10);
    ck_assert_msg(strstr(d, want), "missing %s", want);
  }
  ck_assert_int_eq(count(d, "<" PROV "wasAssociatedWith> "), 2);
  ck_assert_int_eq(count(d, "<" PIO "partOf> "), 5);
  free(d);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("merge_store");
  TCase *c = tcase_create("store");
  tcase_add_checked_fixture(c, setup, teardown);
  tcase_set_timeout(c, 60);
  tcase_add_test(c, same_run_twice_changes_nothing);
  tcase_add_test(c, jobs_merged_apart_equal_jobs_merged_together);
  tcase_add_test(c, a_later_job_moves_a_derivation);
  tcase_add_test(c, segments_are_folded_and_change_nothing);
  tcase_add_test(c, failures_leave_the_store_intact);
  tcase_add_test(c, a_stop_request_leaves_no_store);
  tcase_add_test(c, counters_are_canonical_and_single_valued);
  tcase_add_test(c, classes_records_leave_out_are_stored);
  tcase_add_test(c, writers_records_leave_out_are_stored);
  suite_add_tcase(s, c);
  return s;
}
