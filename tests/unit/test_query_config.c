/* Config: the settings recorded by the processes a result came from (the
 * domain records and checkpoints: tests/e2e/query/test_query.py, domain). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"

#define HEADER "?level\t?process\t?command\t?kind\t?group\t?key\t?value\t?step\t?time\n"

static char *config(const char *target, int expect)
{
  captured c;
  char err[256];
  ck_assert_int_eq(pv_query_config(pipeline_store(), (char *const[]){(char *)target}, 1, PV_FMT_TSV, capture_begin(&c), err, sizeof err), expect);
  return capture_end(&c);
}

START_TEST(settings_of_every_process_in_the_lineage)
{
  char *t = config("/data/dec.h5", PV_EXIT_OK);
  ck_assert_str_eq(t,
                   HEADER
                   "1\t<urn:provio:job:session:n1:77/proc/n1/501.101000>\t\"/opt/app/decimate --factor 4 raw.dat dec.h5\"\t"
                   "\"setting\"\t\t\"factor\"\t\"4\"\t\t\n"
                   "2\t<urn:provio:job:pmix:sim.1/proc/n1/1001.1000>\t\"/opt/app/simulate params.txt raw.dat\"\t"
                   "\"setting\"\t\t\"samples\"\t\"4096\"\t\t\n");
  free(t);
}
END_TEST

START_TEST(none_recorded_and_no_target)
{
  char *t = config("/data/counts.txt", PV_EXIT_OK);
  ck_assert_str_eq(t, HEADER);
  free(t);
  t = config("/data/none", PV_EXIT_NO_TARGET);
  ck_assert_str_eq(t, "");
  free(t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_config");
  TCase *tc = tcase_create("config");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_add_test(tc, settings_of_every_process_in_the_lineage);
  tcase_add_test(tc, none_recorded_and_no_target);
  suite_add_tcase(s, tc);
  return s;
}
