/* Naming a target: paths in every form the capture records them, HDF5
 * objects, node-local files and IRIs; names are never query text. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineage.h"
#include "query_fixture.h"

/* The IRI a target resolves to, or NULL (with the status in *rc). */
static char *resolve(const char *target, int *rc)
{
  pv_q q;
  pv_q_init(&q, pipeline_store());
  librdf_node *n;
  char err[512];
  *rc = pv_lineage_resolve(&q, target, &n, err, sizeof err);
  char *iri = *rc == PV_EXIT_OK ? strdup(pv_q_iri(n)) : NULL;
  if (*rc == PV_EXIT_OK) librdf_free_node(n);
  else ck_assert_ptr_nonnull(strstr(err, "not in the store"));
  pv_q_free(&q);
  return iri;
}

static void assert_resolves(const char *target, const char *iri)
{
  int rc;
  char *got = resolve(target, &rc);
  ck_assert_msg(got && strcmp(got, iri) == 0, "%s -> %s, expected %s", target, got ? got : "(none)", iri);
  free(got);
}

static void assert_absent(const char *target)
{
  int rc;
  char *got = resolve(target, &rc);
  ck_assert_msg(!got, "%s resolved to %s", target, got);
  ck_assert_int_eq(rc, PV_EXIT_NO_TARGET);
}

START_TEST(paths_absolute_relative_and_unclean)
{
  assert_resolves("/data/dec.h5", "file:///data/dec.h5");
  assert_resolves("//data/./x/../dec.h5", "file:///data/dec.h5");
  ck_assert_int_eq(chdir("/"), 0);
  assert_resolves("data/dec.h5", "file:///data/dec.h5");
  ck_assert_int_eq(chdir("/tmp"), 0);
  assert_resolves("../data/raw.dat", "file:///data/raw.dat");
  assert_absent("data/dec.h5"); /* /tmp/data/dec.h5 */
}
END_TEST

START_TEST(hdf5_objects_and_node_local_files)
{
  assert_resolves("/data/dec.h5:/DAS/decimated", "file:///data/dec.h5#/DAS/decimated");
  assert_resolves("/data/dec.h5:/DAS/decimated@units", "file:///data/dec.h5#/DAS/decimated@units");
  assert_resolves("n2:/tmp/scratch.bin", "file://n2/tmp/scratch.bin");
  /* a node-local file is also found by its path alone */
  assert_resolves("/tmp/scratch.bin", "file://n2/tmp/scratch.bin");
  /* the whole string is a path before it is PATH:/object */
  assert_resolves("/data/plots:/fig.png", "file:///data/plots%3A/fig.png");
  assert_absent("/data/dec.h5:/DAS/nothing");
  assert_absent("n3:/tmp/scratch.bin/x");
}
END_TEST

START_TEST(iris_in_every_form)
{
  assert_resolves("<file:///data/raw.h5#/DAS/raw>", "file:///data/raw.h5#/DAS/raw");
  assert_resolves("file:///data/params.txt", "file:///data/params.txt");
  assert_resolves("urn:provio:job:pmix:sim.1", "urn:provio:job:pmix:sim.1");
  assert_absent("urn:provio:job:none");
  assert_absent("<file:///data/params.txt");
}
END_TEST

START_TEST(names_are_bytes_not_query_text)
{
  assert_resolves("/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt",
                  "file:///data/we%20ird%0A%22q%22%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%23%25.txt");
  /* text that would change a query if it were pasted into one */
  assert_absent("/data/x> } UNION { ?s ?p ?o } #");
  assert_absent("/data/dec.h5> ?p ?o } #");
  assert_absent("\" . } #");
  assert_absent("/data/dec.h5%20");
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_target");
  TCase *tc = tcase_create("target");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_add_test(tc, paths_absolute_relative_and_unclean);
  tcase_add_test(tc, hdf5_objects_and_node_local_files);
  tcase_add_test(tc, iris_in_every_form);
  tcase_add_test(tc, names_are_bytes_not_query_text);
  suite_add_tcase(s, tc);
  return s;
}
