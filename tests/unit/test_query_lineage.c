/* Lineage: every ancestor of a target once, at its level, over the edges
 * prov-merge derived, and nothing that did not lead to it
 * (tests/e2e/query/pipeline.nt describes the runs). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"

#define SIM "/opt/app/simulate params.txt raw.dat"
#define DECIMATE "/opt/app/decimate --factor 4 raw.dat dec.h5"
#define MESSAGE "urn:provio:job:pmix:sim.1/proc/n2/1002.1000/thread/1002/flow/1/data"
#define EXCHANGE "urn:provio:job:pmix:sim.1/exchange/world"

START_TEST(file_lineage_lists_each_ancestor_once_at_its_level)
{
  char *t = lineage_tsv("/data/dec.h5", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", "00:01:20"), 0);
  ck_assert_int_eq(tsv_level(t, "process", DECIMATE, "pid 501"), 1);
  /* what decimate had read: raw.dat's one version both ranks wrote */
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat", "00:00:12.000000Z, joint version of 2 sessions"), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.h5", "00:00:11"), 1);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/raw.h5:/DAS/raw", "00:00:11"), 1);
  ck_assert_int_eq(tsv_level(t, "hdf5 object", "/data/cal.h5:/calib/gain", NULL), 1); /* from outside */
  /* the joint version: both contributors, and what each had seen */
  ck_assert_int_eq(tsv_level(t, "process", SIM, "pid 1001 on n1, rank 0"), 2);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "pid 1002 on n2, rank 1"), 2);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", MESSAGE), 2);
  ck_assert_int_eq(tsv_level(t, "exchange", "MPI_COMM_WORLD exchange (job pmix:sim.1)", EXCHANGE), 2);
  /* the script that started decimate: context */
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 500"), 2);
  ck_assert_int_eq(tsv_rows(t), 13); /* exactly these, each once */
  free(t);
}
END_TEST

START_TEST(what_did_not_lead_to_the_target_is_left_out)
{
  char *t = lineage_tsv("/data/dec.h5", PV_BACKWARD, -1, 0);
  /* rank 1 read late.txt after writing raw.dat */
  ck_assert_int_eq(count_lines_with(t, "late.txt"), 0);
  /* the members of the joint version, later consumers, agents, threads, the other pipeline */
  ck_assert_int_eq(count_lines_with(t, "/1001/version/3>"), 0);
  ck_assert_int_eq(count_lines_with(t, "/1002/version/6>"), 0);
  ck_assert_int_eq(count_lines_with(t, "plot"), 0);
  ck_assert_int_eq(count_lines_with(t, "cp dec.h5"), 0);
  ck_assert_int_eq(count_lines_with(t, "\t\"thread\"\t"), 0);
  ck_assert_int_eq(count_lines_with(t, "\t\"program\"\t"), 0);
  ck_assert_int_eq(count_lines_with(t, "\t\"user\"\t"), 0);
  ck_assert_int_eq(count_lines_with(t, "\t\"rank\"\t"), 0);
  ck_assert_int_eq(count_lines_with(t, "sort"), 0);
  free(t);
  /* A process is not expanded into what it read: rank 1 wrote its scratch
   * file after reading params.txt, before the MPI data came and late.txt. */
  t = lineage_tsv("n2:/tmp/scratch.bin", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 1"), 1);
  ck_assert_int_eq(tsv_rows(t), 3);
  free(t);
}
END_TEST

START_TEST(the_environment_is_hidden_unless_all)
{
  char *t = lineage_tsv("/data/raw.dat", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(count_lines_with(t, "openmpi"), 0);
  ck_assert_int_eq(count_lines_with(t, "raw.dat.lock"), 0);
  ck_assert_int_eq(tsv_rows(t), 7);
  free(t);
  t = lineage_tsv("/data/raw.dat", PV_BACKWARD, -1, 1);
  ck_assert_int_eq(tsv_level(t, "file", "/etc/openmpi/openmpi-mca-params.conf", NULL), 1);
  /* a version of an environment file: hidden through its file */
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat.lock", "00:00:06"), 1);
  ck_assert_int_eq(tsv_rows(t), 9);
  free(t);
  /* asked for by name, the environment is shown */
  t = lineage_tsv("/data/raw.dat.lock", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/raw.dat.lock", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 0"), 1);
  free(t);
}
END_TEST

START_TEST(agents_are_attributes_of_their_process)
{
  char *t = lineage_tsv("/data/raw.dat", PV_BACKWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "process", SIM,
                             "pid 1002 on n2, rank 1, exit 0, program /opt/app/simulate, user alice"), 1);
  /* ?pid ?host ?rank ?exit ?program ?user */
  ck_assert_int_eq(count_lines_with(t, "\t1002\t\"n2\"\t1\t0\t\"/opt/app/simulate\"\t\"alice\""), 1);
  ck_assert_ptr_nonnull(strstr(t, "\t?pid\t?host\t?rank\t?exit\t?program\t?user\n"));
  ck_assert_int_eq(count_lines_with(t, "urn:provio:program:"), 0);
  ck_assert_int_eq(count_lines_with(t, "urn:provio:user:"), 0);
  ck_assert_int_eq(count_lines_with(t, "/rank/"), 0);
  free(t);
}
END_TEST

START_TEST(depth_limits_the_levels)
{
  char *t = lineage_tsv("/data/dec.h5", PV_BACKWARD, 1, 0);
  ck_assert_int_eq(tsv_rows(t), 6);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), -1);
  free(t);
  t = lineage_tsv("/data/dec.h5", PV_BACKWARD, 0, 0);
  ck_assert_int_eq(tsv_rows(t), 1);
  free(t);
}
END_TEST

START_TEST(hdf5_object_lineage_goes_object_to_object)
{
  char *t = lineage_tsv("/data/dec.h5:/DAS/decimated", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/raw.h5:/DAS/raw", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "hdf5 object", "/data/cal.h5:/calib/gain", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 0"), 2);
  free(t);
  t = lineage_tsv("/data/dec.h5:/DAS/decimated@units", PV_BACKWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "object version", "/data/dec.h5:/DAS/decimated@units", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "process", DECIMATE, NULL), 1);
  free(t);
}
END_TEST

START_TEST(a_pipe_is_context_and_its_data_a_derivation)
{
  /* sort /data/names.txt | uniq -c > /data/counts.txt */
  char *t = lineage_tsv("/data/counts.txt", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/counts.txt", NULL), 0);
  ck_assert_int_eq(tsv_level(t, "process", "uniq -c", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file", "/data/names.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "sort /data/names.txt", NULL), 2);
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", NULL), 2);
  ck_assert_int_eq(count_lines_with(t, "\t\"sort /data/names.txt\"\t\"pid 510 on n1, exit 0, program /usr/bin/sort, "
                                       "user alice\"\t\"prov:wasInformedBy\"\t\"pid 511 on n1\"\t"),
                   1);
  ck_assert_int_eq(tsv_rows(t), 5);
  free(t);
}
END_TEST

START_TEST(fork_and_exec_lead_back_to_the_script)
{
  char *t = lineage_tsv("/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt", PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "process", "cp dec.h5 'we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt'", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file version", "/data/dec.h5", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 502"), 2); /* exec'd into cp */
  ck_assert_int_eq(tsv_level(t, "process", "bash run.sh", "pid 500"), 3); /* started decimate */
  ck_assert_int_eq(count_lines_with(t, "provio:execedFrom"), 1);
  free(t);
  /* from cp itself: the image that exec'd it, and the script that forked that */
  t = lineage_tsv("urn:provio:job:session:n1:77/proc/n1/502.132000", PV_BACKWARD, 2, 0);
  ck_assert_int_eq(count_lines_with(t, "\t\"bash run.sh\"\t\"pid 502 on n1, program /usr/bin/bash, user alice\"\t"
                                       "\"provio:execedFrom\"\t"),
                   1);
  ck_assert_int_eq(count_lines_with(t, "\t\"bash run.sh\"\t\"pid 500 on n1, exit 0, program /usr/bin/bash, "
                                       "user alice\"\t\"provio:forkedFrom\"\t"),
                   1);
  free(t);
}
END_TEST

START_TEST(a_process_target_lists_what_it_read)
{
  char *t = lineage_tsv("urn:provio:job:pmix:sim.1/proc/n2/1002.1000", PV_BACKWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 1"), 0);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file", "/data/late.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "exchange", "MPI_COMM_WORLD exchange (job pmix:sim.1)", NULL), 1);
  /* the version of the scratch file it read back, not the file as well */
  ck_assert_int_eq(tsv_level(t, "file version", "n2:/tmp/scratch.bin", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "file", "n2:/tmp/scratch.bin", NULL), -1);
  ck_assert_int_eq(tsv_rows(t), 6); /* the lock file is the environment */
  free(t);
}
END_TEST

START_TEST(messages_are_named_for_people_and_targets_by_iri)
{
  char *t = lineage_tsv(MESSAGE, PV_BACKWARD, -1, 0);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", MESSAGE), 0);
  ck_assert_int_eq(tsv_level(t, "file", "/data/params.txt", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 0"), 1);
  ck_assert_int_eq(tsv_rows(t), 3);
  free(t);
  t = lineage_tsv("<" EXCHANGE ">", PV_BACKWARD, 1, 0);
  ck_assert_int_eq(tsv_level(t, "exchange", "MPI_COMM_WORLD exchange (job pmix:sim.1)", EXCHANGE), 0);
  ck_assert_int_eq(tsv_level(t, "message", "rank 0 -> rank 1 (job pmix:sim.1)", NULL), 1);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 0"), 1);
  ck_assert_int_eq(tsv_level(t, "process", SIM, "rank 1"), 1);
  free(t);
}
END_TEST

START_TEST(text_lists_one_ancestor_per_line)
{
  captured c;
  char err[256];
  ck_assert_int_eq(pv_query_lineage(pipeline_store(), "/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt",
                                    &(pv_walk){PV_BACKWARD, -1, 0}, PV_FMT_TEXT, capture_begin(&c), err, sizeof err),
                   PV_EXIT_OK);
  char *t = capture_end(&c);
  /* the newline in the name is shown escaped, so each node stays one line */
  ck_assert_int_eq(count_lines_with(t, ""), 16);
  ck_assert_int_eq(count_lines_with(t, "we ird\\x0A\"q\""), 3);
  ck_assert_ptr_nonnull(strstr(t, "  0  file version  /data/we ird"));
  ck_assert_ptr_nonnull(strstr(t, "  1  process       cp dec.h5"));
  ck_assert_ptr_nonnull(strstr(t, "exec'd into pid 502 on n1"));
  ck_assert_ptr_nonnull(strstr(t, "[pid 1001 on n1, rank 0, exit 0, program /opt/app/simulate, user alice]"));
  ck_assert_ptr_nonnull(strstr(t, "  message       rank 0 -> rank 1 (job pmix:sim.1)  [" MESSAGE "]  source of"));
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
  tcase_add_test(tc, the_environment_is_hidden_unless_all);
  tcase_add_test(tc, agents_are_attributes_of_their_process);
  tcase_add_test(tc, depth_limits_the_levels);
  tcase_add_test(tc, hdf5_object_lineage_goes_object_to_object);
  tcase_add_test(tc, a_pipe_is_context_and_its_data_a_derivation);
  tcase_add_test(tc, fork_and_exec_lead_back_to_the_script);
  tcase_add_test(tc, a_process_target_lists_what_it_read);
  tcase_add_test(tc, messages_are_named_for_people_and_targets_by_iri);
  tcase_add_test(tc, text_lists_one_ancestor_per_line);
  suite_add_tcase(s, tc);
  return s;
}
