/* Lineage: every ancestor of a target once, at its level, and nothing that
 * did not lead to it (tests/e2e/query/pipeline.nt describes the runs). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"

START_TEST(file_lineage_lists_each_ancestor_once_at_its_level)
{
  char *t = lineage_tsv("/data/dec.h5", PV_BACKWARD, -1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", "00:01:20"), 0);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/decimate --factor 4 raw.dat dec.h5", "pid 501"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:12"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.h5", "00:00:11"), 1);
  /* datasets decimate read before writing: one rank 0 wrote, one from outside */
  ck_assert_int_eq(tsv_level(t, "object version", "/data/raw.h5:/DAS/raw", "00:00:11"), 1);
  ck_assert_int_eq(tsv_level(t, "hdf5 object", "/data/cal.h5:/calib/gain", NULL), 1);
  /* rank 1's version revised rank 0's; rank 1 had written scratch first */
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:10"), 2);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/simulate params.txt raw.dat", "pid 1001 on n1, rank 0"), 2);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/simulate params.txt raw.dat", "pid 1002 on n2, rank 1"), 2);
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 2);
  /* never written by a tracked process: the input itself */
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 500"), 2);
  ck_assert_int_eq(tsv_level(t, "program", "/opt/app/decimate", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "user", "alice", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "program", "/opt/app/simulate", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "rank", "rank 0 of pmix:sim.1", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "rank", "rank 1 of pmix:sim.1", NULL), 3);
  ck_assert_int_eq(tsv_level(t, "program", "/usr/bin/bash", NULL), 3);
  ck_assert_int_eq(tsv_rows(t), 18); /* exactly these, each once */
  free(t);
}
END_TEST

START_TEST(what_did_not_lead_to_the_target_is_left_out)
{
  char *t = lineage_tsv("/data/dec.h5", PV_BACKWARD, -1);
  /* rank 1 read late.txt after writing raw.dat */
  ck_assert_int_eq(count_lines_with(t, "late.txt"), 0);
  /* the MPI lock file, later consumers, threads, the other pipeline */
  ck_assert_int_eq(count_lines_with(t, "raw.dat.lock"), 0);
  ck_assert_int_eq(count_lines_with(t, "plot"), 0);
  ck_assert_int_eq(count_lines_with(t, "cp dec.h5"), 0);
  ck_assert_int_eq(count_lines_with(t, "\tthread\t"), 0);
  ck_assert_int_eq(count_lines_with(t, "sort"), 0);
  free(t);
  /* What late.txt could have fed: nothing rank 1 wrote before reading it. */
  t = lineage_tsv("/data/raw.dat", PV_BACKWARD, 1);
  ck_assert_int_eq(count_lines_with(t, "late.txt"), 0);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 1);
  free(t);
}
END_TEST

START_TEST(depth_limits_the_levels)
{
  char *t = lineage_tsv("/data/dec.h5", PV_BACKWARD, 1);
  ck_assert_int_eq(tsv_rows(t), 6);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:10"), -1);
  free(t);
  t = lineage_tsv("/data/dec.h5", PV_BACKWARD, 0);
  ck_assert_int_eq(tsv_rows(t), 1);
  free(t);
}
END_TEST

START_TEST(hdf5_object_lineage_goes_object_to_object)
{
  char *t = lineage_tsv("/data/dec.h5:/DAS/decimated", PV_BACKWARD, -1);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/raw.h5:/DAS/raw", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "hdf5 object", "/data/cal.h5:/calib/gain", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/simulate params.txt raw.dat", "rank 0"), 2);
  free(t);
  t = lineage_tsv("/data/dec.h5:/DAS/decimated@units", PV_BACKWARD, 1);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated@units", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "process", "/opt/app/decimate --factor 4 raw.dat dec.h5", NULL), 1);
  free(t);
}
END_TEST

START_TEST(a_pipe_carries_lineage_between_processes)
{
  /* sort /data/names.txt | uniq -c > /data/counts.txt */
  char *t = lineage_tsv("/data/counts.txt", PV_BACKWARD, -1);
  ck_assert_int_eq(tsv_level(t, "process", "uniq -c", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "sort /data/names.txt", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "file", "/data/names.txt", NULL), 3);
  ck_assert_int_eq(count_lines_with(t, "\t\"sort /data/names.txt\"\t\"pid 510 on n1, exit 0\"\t\"prov:wasInformedBy\"\t\"pid 511 on n1\"\t"), 1);
  free(t);
}
END_TEST

START_TEST(fork_and_exec_lead_back_to_the_script)
{
  char *t = lineage_tsv("/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt", PV_BACKWARD, -1);
  ck_assert_int_eq(tsv_level(t, "process", "cp dec.h5 'we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt'", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 502"), 2); /* exec'd into cp */
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 500"), 3);
  ck_assert_int_eq(count_lines_with(t, "provio:execedFrom"), 1);
  free(t);
  /* from cp itself: the image that exec'd it, and the script that forked that */
  t = lineage_tsv("urn:provio:job:session:n1:77/proc/n1/502.132000", PV_BACKWARD, 2);
  ck_assert_int_eq(count_lines_with(t, "\t\"bash run.sh\"\t\"pid 502 on n1\"\t\"provio:execedFrom\"\t"), 1);
  ck_assert_int_eq(count_lines_with(t, "\t\"bash run.sh\"\t\"pid 500 on n1, exit 0\"\t\"provio:forkedFrom\"\t"), 1);
  free(t);
}
END_TEST

START_TEST(a_process_target_lists_what_it_read)
{
  char *t = lineage_tsv("urn:provio:job:pmix:sim.1/proc/n2/1002.1000", PV_BACKWARD, 1);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file", "/data/late.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "program", "/opt/app/simulate", NULL), 1);
  free(t);
}
END_TEST

START_TEST(text_lists_one_ancestor_per_line)
{
  captured c;
  char err[256];
  ck_assert_int_eq(pv_query_lineage(pipeline_store(), "/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt",
                                    PV_BACKWARD, -1, PV_FMT_TEXT, capture_begin(&c), err, sizeof err),
                   PV_EXIT_OK);
  char *t = capture_end(&c);
  /* the newline in the name is shown escaped, so each node stays one line */
  ck_assert_int_eq(count_lines_with(t, ""), 22);
  ck_assert_int_eq(count_lines_with(t, "we ird\\x0A\"q\""), 3);
  ck_assert_ptr_nonnull(strstr(t, "  0  file version  /data/we ird"));
  ck_assert_ptr_nonnull(strstr(t, "  1  process       cp dec.h5"));
  ck_assert_ptr_nonnull(strstr(t, "exec'd into pid 502 on n1"));
  free(t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_lineage");
  TCase *tc = tcase_create("lineage");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_add_test(tc, file_lineage_lists_each_ancestor_once_at_its_level);
  tcase_add_test(tc, what_did_not_lead_to_the_target_is_left_out);
  tcase_add_test(tc, depth_limits_the_levels);
  tcase_add_test(tc, hdf5_object_lineage_goes_object_to_object);
  tcase_add_test(tc, a_pipe_carries_lineage_between_processes);
  tcase_add_test(tc, fork_and_exec_lead_back_to_the_script);
  tcase_add_test(tc, a_process_target_lists_what_it_read);
  tcase_add_test(tc, text_lists_one_ancestor_per_line);
  suite_add_tcase(s, tc);
  return s;
}
