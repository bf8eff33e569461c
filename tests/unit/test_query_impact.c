/* Impact: everything derived from a target, the exact inverse of lineage
 * (tests/e2e/query/pipeline.nt describes the runs). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"

#define SIM "/opt/app/simulate params.txt raw.dat"
#define DECIMATE "/opt/app/decimate --factor 4 raw.dat dec.h5"
#define WEIRD "/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt"

START_TEST(impact_of_an_input_reaches_every_consumer)
{
  char *t = lineage_tsv("/data/params.txt", PV_FORWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 0);
  /* its readers, and what was derived from it, MPI data included */
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 0"), 1);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 1"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "joint version"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.h5", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/raw.h5:/DAS/raw", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "exchange", "MPI_COMM_WORLD exchange (job pmix:sim.1)", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated@units", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "process", DECIMATE, NULL), 2);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/plot dec.h5", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/plots:/fig.png", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "process", "cp dec.h5 'we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt'", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "file version", WEIRD, NULL), 3);
  ck_assert_int_eq(tsv_rows(t), 17);
  /* the lock file rank 0 wrote is not data; nor are the members of raw.dat's version */
  ck_assert_int_eq(count_lines_with(t, "raw.dat.lock"), 0);
  ck_assert_int_eq(count_lines_with(t, "/1001/version/3>"), 0);
  free(t);
}
END_TEST

START_TEST(outputs_written_before_reading_are_not_impacted)
{
  /* rank 1 read late.txt after it had written everything */
  char *t = lineage_tsv("/data/late.txt", PV_FORWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 1"), 1);
  ck_assert_int_eq(tsv_rows(t), 2);
  free(t);
  /* rank 1 read its scratch file back before writing raw.dat and before
   * the allreduce, not before writing the scratch file */
  t = lineage_tsv("n2:/tmp/scratch.bin", PV_FORWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:12"), 1);
  ck_assert_int_eq(tsv_level(t, "exchange", "MPI_COMM_WORLD exchange (job pmix:sim.1)", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", NULL), -1);
  free(t);
}
END_TEST

START_TEST(impact_of_one_version_starts_there)
{
  char *t = lineage_tsv("urn:provio:job:pmix:sim.1/proc/n1/1001.1000/thread/1001/version/5", PV_FORWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.h5", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", DECIMATE, NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", WEIRD, NULL), 2);
  ck_assert_int_eq(count_lines_with(t, "params.txt\""), 0);
  ck_assert_int_eq(count_lines_with(t, "raw.dat\""), 0);
  free(t);
  /* a member of a joint version stands for the joint version */
  t = lineage_tsv("urn:provio:job:pmix:sim.1/proc/n2/1002.1000/thread/1002/version/6", PV_FORWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "joint version of 2 sessions"), 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 1);
  free(t);
}
END_TEST

START_TEST(impact_of_a_pipe_input_is_what_was_derived_and_its_readers)
{
  char *t = lineage_tsv("/data/names.txt", PV_FORWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "process", "sort /data/names.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/counts.txt", NULL), 1);
  ck_assert_int_eq(tsv_rows(t), 3);
  free(t);
}
END_TEST

START_TEST(impact_of_a_process_is_what_it_and_its_children_made)
{
  /* the script wrote nothing itself */
  char *t = lineage_tsv("urn:provio:job:session:n1:77/proc/n1/500.100000", PV_FORWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "process", DECIMATE, NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 502"), 1);
  ck_assert_int_eq(tsv_level(t, "process", "sort /data/names.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "uniq -c", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/plot dec.h5", NULL), 1);
  ck_assert_int_eq(tsv_rows(t), 6);
  free(t);
  t = lineage_tsv("urn:provio:job:session:n1:77/proc/n1/500.100000", PV_FORWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "file version", WEIRD, NULL), 3); /* bash 502 exec'd cp */
  ck_assert_int_eq(tsv_level(t, "file version", "/data/counts.txt", NULL), 2);
  ck_assert_int_eq(count_lines_with(t, "params.txt"), 0);
  free(t);
  /* rank 0: what it wrote, sent, and what was made from those */
  t = lineage_tsv("urn:provio:job:pmix:sim.1/proc/n1/1001.1000", PV_FORWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "joint version"), 1);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", NULL), 1);
  ck_assert_int_eq(count_lines_with(t, "raw.dat.lock"), 0);
  free(t);
}
END_TEST

/* The nodes of the store a walk can start from and end at: entities and
 * processes, not the files that have versions (their lineage is that of
 * their latest version, their impact that of every version) nor members
 * of a joint version (which stand for the joint version); without `all`
 * not the environment. */
static char **walk_nodes(int all)
{
  captured c;
  char err[256];
  const char *q =
      "SELECT DISTINCT ?n WHERE { { ?n a prov:Entity } UNION { ?n a provio:Process } "
      "OPTIONAL { ?v prov:specializationOf ?n } OPTIONAL { ?j provio:member ?n } "
      "OPTIONAL { ?n provio:environment ?e } OPTIONAL { ?n prov:specializationOf ?f . ?f provio:environment ?fe } "
      "FILTER(!BOUND(?v) && !BOUND(?j) && !BOUND(?e) && !BOUND(?fe)) } ORDER BY ?n";
  const char *q_all = "SELECT DISTINCT ?n WHERE { { ?n a prov:Entity } UNION { ?n a provio:Process } "
                      "OPTIONAL { ?v prov:specializationOf ?n } OPTIONAL { ?j provio:member ?n } "
                      "FILTER(!BOUND(?v) && !BOUND(?j)) } ORDER BY ?n";
  ck_assert_int_eq(pv_query_sparql(pipeline_store(), all ? q_all : q, PV_FMT_TSV, capture_begin(&c), err, sizeof err),
                   PV_EXIT_OK);
  char *t = capture_end(&c), **v = calloc(1, sizeof *v);
  size_t n = 0;
  for (char *line = strchr(t, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
    v = realloc(v, (n + 2) * sizeof *v);
    v[n++] = strndup(line + 2, strcspn(line + 2, ">"));
    v[n] = NULL;
  }
  free(t);
  return v;
}

static int has(char **v, const char *s)
{
  for (; *v; v++)
    if (strcmp(*v, s) == 0) return 1;
  return 0;
}

/* Y is in impact(S) exactly when S is in lineage(Y), for every pair. */
static void check_inverse(int all)
{
  char **nodes = walk_nodes(all);
  size_t n = 0;
  while (nodes[n]) n++;
  ck_assert_uint_ge(n, 25);
  char ***lin = calloc(n, sizeof *lin), ***imp = calloc(n, sizeof *imp);
  for (size_t i = 0; i < n; i++) {
    char target[1024];
    snprintf(target, sizeof target, "<%s>", nodes[i]);
    char *t = lineage_tsv(target, PV_BACKWARD, -1, all);
    lin[i] = tsv_iris(t);
    free(t);
    t = lineage_tsv(target, PV_FORWARD, -1, all);
    imp[i] = tsv_iris(t);
    free(t);
  }
  int pairs = 0;
  for (size_t s = 0; s < n; s++)
    for (size_t y = 0; y < n; y++) {
      int back = has(lin[y], nodes[s]), fwd = has(imp[s], nodes[y]);
      ck_assert_msg(back == fwd, "%s %s the lineage of %s, but %s its impact", nodes[s], back ? "in" : "not in",
                    nodes[y], fwd ? "in" : "not in");
      pairs += back;
    }
  ck_assert_int_ge(pairs, 100); /* not true of an empty walk */
  for (size_t i = 0; i < n; i++) {
    free_strings(lin[i]);
    free_strings(imp[i]);
  }
  free(lin);
  free(imp);
  free_strings(nodes);
}

START_TEST(impact_is_the_inverse_of_lineage)
{
  check_inverse(0);
  check_inverse(1);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_impact");
  TCase *tc = tcase_create("impact");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, impact_of_an_input_reaches_every_consumer);
  tcase_add_test(tc, outputs_written_before_reading_are_not_impacted);
  tcase_add_test(tc, impact_of_one_version_starts_there);
  tcase_add_test(tc, impact_of_a_pipe_input_is_what_was_derived_and_its_readers);
  tcase_add_test(tc, impact_of_a_process_is_what_it_and_its_children_made);
  tcase_add_test(tc, impact_is_the_inverse_of_lineage);
  suite_add_tcase(s, tc);
  return s;
}
