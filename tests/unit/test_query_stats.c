/* Statistics: exact 64-bit sums per program, file, rank and host, with
 * library-internal and higher-layer sessions not counted twice. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nt_parse.h"
#include "query_fixture.h"

static char *stats(pv_store *s, enum pv_stats_by by)
{
  captured c;
  char err[256];
  ck_assert_int_eq(pv_query_stats(s, by, PV_FMT_TSV, capture_begin(&c), err, sizeof err), PV_EXIT_OK);
  return capture_end(&c);
}

/* columns: key bytes_read bytes_written reads writes meta_ops read_s write_s meta_s sessions */
START_TEST(per_program_totals_are_what_the_programs_did)
{
  char *t = stats(pipeline_store(), PV_BY_PROGRAM);
  /* simulate: raw.dat 3,000,000,000 + 2,500,000,000, raw.h5 1 MiB, scratch
   * 100; not the MPI lock file, not the MPI-IO view of raw.dat */
  ck_assert_ptr_nonnull(strstr(t, "\n\"/opt/app/simulate\"\t145\t5501048676\t4\t5511\t4\t0.000003\t3.505000\t0.001000\t8\n"));
  /* decimate: largest first; its 7 stat calls are metadata operations */
  ck_assert_ptr_nonnull(strstr(t, "\n\"/opt/app/decimate\"\t5501048576\t262144\t5510\t10\t7\t3.004000\t0.001000\t0.000007\t3\n"));
  ck_assert_ptr_nonnull(strstr(t, "?program\t?bytes_read\t?bytes_written\t?reads\t?writes\t?meta_ops\t?read_s\t?write_s\t?meta_s\t?sessions\n"
                                 "\"/opt/app/decimate\"\t"));
  ck_assert_ptr_nonnull(strstr(t, "\n\"/usr/bin/uniq\"\t0\t120\t0\t1\t"));
  free(t);
}
END_TEST

START_TEST(per_file_rank_and_host)
{
  char *t = stats(pipeline_store(), PV_BY_FILE);
  ck_assert_ptr_nonnull(strstr(t, "\n\"/data/raw.dat\"\t5500000000\t5500000000\t5500\t5500\t7\t"));
  ck_assert_ptr_nonnull(strstr(t, "\n\"n2:/tmp/scratch.bin\"\t100\t100\t1\t1\t"));
  ck_assert_ptr_null(strstr(t, "raw.dat.lock"));
  free(t);
  t = stats(pipeline_store(), PV_BY_RANK);
  ck_assert_ptr_nonnull(strstr(t, "\n\"0\"\t20\t3001048576\t1\t3010\t"));
  ck_assert_ptr_nonnull(strstr(t, "\n\"1\"\t125\t2500000100\t3\t2501\t"));
  free(t);
  t = stats(pipeline_store(), PV_BY_HOST);
  ck_assert_ptr_nonnull(strstr(t, "\n\"n2\"\t125\t2500000100\t"));
  free(t);
}
END_TEST

/* A synthetic job whose byte counts sum past 4 GiB, each value below
 * 2^31: where Rasqal's int arithmetic gives up. */
START_TEST(sums_past_4_gib_are_exact)
{
  char *dir = make_temp_dir(), path[4200];
  snprintf(path, sizeof path, "%s/big.nt", dir);
  FILE *f = fopen(path, "w");
  const char *P = "<urn:provio:job:big/proc/n1/7.1>", *pv = "https://w3id.org/provio/ns#";
  fprintf(f, "%s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <%sProcess> .\n", P, pv);
  fprintf(f, "%s <%sexecutable> <file:///bin/writer> .\n", P, pv);
  for (int i = 0; i < 3000; i++) {
    fprintf(f, "<urn:provio:job:big/proc/n1/7.1/thread/7/access/%d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <%sFileAccess> .\n", i, pv);
    fprintf(f, "<urn:provio:job:big/proc/n1/7.1/thread/7/access/%d> <%spartOf> %s .\n", i, pv, P);
    fprintf(f, "<urn:provio:job:big/proc/n1/7.1/thread/7/access/%d> <%sfile> <file:///scratch/out.%d> .\n", i, pv, i % 2);
    fprintf(f, "<urn:provio:job:big/proc/n1/7.1/thread/7/access/%d> <%swrites> \"1\"^^<http://www.w3.org/2001/XMLSchema#long> .\n", i, pv);
    fprintf(f, "<urn:provio:job:big/proc/n1/7.1/thread/7/access/%d> <%sbytesWritten> \"%d\"^^<http://www.w3.org/2001/XMLSchema#long> .\n",
            i, pv, 2000000000 + i);
  }
  fclose(f);
  char *store_dir = build_store(path);
  unlink(path);
  rmdir(dir);
  free(dir);
  pv_store s;
  char err[256];
  ck_assert_int_eq(pv_query_open(&s, store_dir, err, sizeof err), PV_EXIT_OK);
  /* 3000 * 2e9 + 0 + 1 + ... + 2999 */
  char *t = stats(&s, PV_BY_PROGRAM);
  ck_assert_ptr_nonnull(strstr(t, "\n\"/bin/writer\"\t0\t6000004498500\t0\t3000\t0\t"));
  free(t);
  t = stats(&s, PV_BY_FILE);
  ck_assert_ptr_nonnull(strstr(t, "\n\"/scratch/out.1\"\t0\t3000002250000\t0\t1500\t")); /* odd i */
  ck_assert_ptr_nonnull(strstr(t, "\n\"/scratch/out.0\"\t0\t3000002248500\t"));
  free(t);
  /* What docs/prov-query.md tells SPARQL users to do gives the same sum. */
  captured c;
  ck_assert_int_eq(pv_query_sparql(&s, "SELECT (SUM(xsd:decimal(?b)) AS ?sum) WHERE { ?a provio:bytesWritten ?b }",
                                   PV_FMT_TSV, capture_begin(&c), err, sizeof err), PV_EXIT_OK);
  t = capture_end(&c);
  ck_assert_str_eq(t, "?sum\n6000004498500.0\n");
  free(t);
  pv_store_close(&s);
  remove_store(store_dir);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_stats");
  TCase *tc = tcase_create("stats");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, per_program_totals_are_what_the_programs_did);
  tcase_add_test(tc, per_file_rank_and_host);
  tcase_add_test(tc, sums_past_4_gib_are_exact);
  suite_add_tcase(s, tc);
  return s;
}
