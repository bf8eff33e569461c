/* Impact: everything derived from a target, and nothing made before the
 * data was read (tests/e2e/query/pipeline.nt describes the runs). */
#include <check.h>
#include <stdlib.h>

#include "query_fixture.h"

START_TEST(impact_of_an_input_reaches_every_consumer)
{
  char *t = lineage_tsv("/data/params.txt", PV_FORWARD, -1);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/simulate params.txt raw.dat", "rank 0"), 1);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/simulate params.txt raw.dat", "rank 1"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:10"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:12"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.h5", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/raw.h5:/DAS/raw", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat.lock", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated@units", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/decimate --factor 4 raw.dat dec.h5", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/plot dec.h5", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/plots:/fig.png", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "process", "cp dec.h5 'we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt'", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt", NULL), 3);
  ck_assert_int_eq(tsv_rows(t), 17);
  free(t);
}
END_TEST

START_TEST(outputs_written_before_reading_are_not_impacted)
{
  /* rank 1 read late.txt after it had written everything */
  char *t = lineage_tsv("/data/late.txt", PV_FORWARD, -1);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/simulate params.txt raw.dat", "rank 1"), 1);
  ck_assert_int_eq(tsv_rows(t), 2);
  free(t);
  /* what rank 1 wrote after reading its scratch file back, and not before */
  t = lineage_tsv("n2:/tmp/scratch.bin", PV_FORWARD, 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:12"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:10"), -1);
  free(t);
}
END_TEST

START_TEST(impact_of_one_version_starts_there)
{
  /* rank 0's raw.dat, revised by rank 1's, which decimate read */
  char *t = lineage_tsv("urn:provio:job:pmix:sim.1/proc/n1/1001.1000/thread/1001/version/3", PV_FORWARD, -1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:10"), 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:12"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 2);
  ck_assert_int_eq(count_lines_with(t, "params.txt\t"), 0);
  ck_assert_int_eq(count_lines_with(t, "raw.h5\t"), 0);
  free(t);
}
END_TEST

START_TEST(impact_flows_through_a_pipe)
{
  char *t = lineage_tsv("/data/names.txt", PV_FORWARD, -1);
  ck_assert_int_eq(tsv_level(t, "process", "sort /data/names.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "uniq -c", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/counts.txt", NULL), 3);
  ck_assert_int_eq(tsv_rows(t), 4);
  free(t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_impact");
  TCase *tc = tcase_create("impact");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_add_test(tc, impact_of_an_input_reaches_every_consumer);
  tcase_add_test(tc, outputs_written_before_reading_are_not_impacted);
  tcase_add_test(tc, impact_of_one_version_starts_there);
  tcase_add_test(tc, impact_flows_through_a_pipe);
  suite_add_tcase(s, tc);
  return s;
}
