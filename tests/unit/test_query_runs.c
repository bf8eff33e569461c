/* Runs: the jobs in a store and the processes of one job. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"

#define DT "^^<http://www.w3.org/2001/XMLSchema#dateTime>"

static char *runs(const char *job, int expect)
{
  captured c;
  char err[256];
  ck_assert_int_eq(pv_query_runs(pipeline_store(), job, PV_FMT_TSV, capture_begin(&c), err, sizeof err), expect);
  return capture_end(&c);
}

START_TEST(jobs_with_start_end_ranks_and_exit)
{
  char *t = runs(NULL, PV_EXIT_OK);
  ck_assert_str_eq(t,
                   "?job\t?start\t?end\t?processes\t?ranks\t?exit\t?unfinished\n"
                   "\"pmix:sim.1\"\t\"2026-01-01T00:00:01.000000Z\"" DT "\t\"2026-01-01T00:00:25.000000Z\"" DT
                   "\t2\t2\t0\t0\n"
                   "\"session:n1:77\"\t\"2026-01-01T00:01:00.000000Z\"" DT "\t\"2026-01-01T00:02:00.000000Z\"" DT
                   "\t7\t0\t1\t0\n");
  free(t);
}
END_TEST

START_TEST(processes_of_one_job)
{
  char *t = runs("pmix:sim.1", PV_EXIT_OK);
  ck_assert_int_eq(count_lines_with(t, ""), 3);
  ck_assert_int_eq(count_lines_with(t, "<urn:provio:job:pmix:sim.1/proc/n2/1002.1000>\t"), 1);
  ck_assert_ptr_nonnull(strstr(t, "\t\"n2\"\t1002\t1\t0\t\"/opt/app/simulate params.txt raw.dat\"\n"));
  free(t);
  /* by IRI too; the exec'd image has no exit status of its own */
  t = runs("urn:provio:job:session:n1:77", PV_EXIT_OK);
  ck_assert_int_eq(count_lines_with(t, ""), 8);
  ck_assert_ptr_nonnull(strstr(t, "\t\"n1\"\t502\t\t\t\"bash run.sh\"\n"));
  ck_assert_ptr_nonnull(strstr(t, "\t\"n1\"\t503\t\t1\t\"/opt/app/plot dec.h5\"\n"));
  free(t);
}
END_TEST

START_TEST(unknown_job)
{
  char *t = runs("slurm:42", PV_EXIT_NO_TARGET);
  ck_assert_str_eq(t, "");
  free(t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_runs");
  TCase *tc = tcase_create("runs");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_add_test(tc, jobs_with_start_end_ranks_and_exit);
  tcase_add_test(tc, processes_of_one_job);
  tcase_add_test(tc, unknown_job);
  suite_add_tcase(s, tc);
  return s;
}
