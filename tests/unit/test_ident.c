/* Identifiers: canonical paths, file IRIs (shared vs node-local) and their
 * exact reversal, and the job a process belongs to. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ident.h"

static const char *canon(const char *cwd, const char *path)
{
  static char out[PV_PATH_MAX + 1];
  size_t n = pv_path_canon(out, PV_PATH_MAX, cwd, path);
  out[n] = 0;
  return out;
}

START_TEST(canonical_paths)
{
  ck_assert_str_eq(canon("/home/u", "data/x.h5"), "/home/u/data/x.h5");
  ck_assert_str_eq(canon("/home/u", "/abs//dir/./f"), "/abs/dir/f");
  ck_assert_str_eq(canon("/home/u/run", "../in/./a.nc"), "/home/u/in/a.nc");
  ck_assert_str_eq(canon("/", "../../.."), "/");
  ck_assert_str_eq(canon("/a/b", ".."), "/a");
  ck_assert_str_eq(canon("/a/b", "."), "/a/b");
  ck_assert_str_eq(canon("/a", "b/"), "/a/b");
  ck_assert_str_eq(canon("/x", "/"), "/");
  /* paths copied whole when already canonical, and their near misses */
  ck_assert_str_eq(canon("/home/u", "/abs/dir/f"), "/abs/dir/f");
  ck_assert_str_eq(canon("/home/u", "a/b.c"), "/home/u/a/b.c");
  ck_assert_str_eq(canon("/home/u/", "x"), "/home/u/x");
  ck_assert_str_eq(canon("/a/./b", "c"), "/a/b/c");
  ck_assert_str_eq(canon("/a/b", "c/.."), "/a/b");
  ck_assert_str_eq(canon("/a/b", ".hidden/..x"), "/a/b/.hidden/..x");
  ck_assert_str_eq(canon("/a", "/b/"), "/b");
  ck_assert_str_eq(canon("/a", "/b/."), "/b");
  char small[4];
  ck_assert_int_eq(pv_path_canon(small, sizeof small, "/", "/toolong"), 0);
  ck_assert_int_eq(pv_path_canon(small, sizeof small, "/", "/abc"), 4);
  ck_assert_int_eq(pv_path_canon(small, sizeof small, "/a", "bc"), 0);
  ck_assert_int_eq(pv_path_canon(small, sizeof small, "/a", "b"), 4);
}
END_TEST

static pv_config test_config(void)
{
  pv_config c;
  unsetenv("PROVIO_LOCAL");
  pv_config_load(&c);
  return c;
}

START_TEST(file_iris_shared_and_local)
{
  pv_config c = test_config();
  pv_identity id;
  memset(&id, 0, sizeof id);
  strcpy(id.host, "node7");
  char iri[512];
  size_t n = pv_file_iri(iri, &id, &c, "/lustre/p/a b.h5", 16);
  iri[n] = 0;
  ck_assert_str_eq(iri, "file:///lustre/p/a%20b.h5");
  n = pv_file_iri(iri, &id, &c, "/tmp/x", 6);
  iri[n] = 0;
  ck_assert_str_eq(iri, "file://node7/tmp/x");
  n = pv_file_iri(iri, &id, &c, "/tmpfoo", 7); /* a prefix match is by component */
  iri[n] = 0;
  ck_assert_str_eq(iri, "file:///tmpfoo");
  /* the store names a file on a host it is told of the same way */
  n = pv_file_iri_on(iri, "node7", 5, "/tmp/x", 6);
  iri[n] = 0;
  ck_assert_str_eq(iri, "file://node7/tmp/x");
  n = pv_file_iri_on(iri, NULL, 0, "/lustre/p/a b.h5", 16);
  iri[n] = 0;
  ck_assert_str_eq(iri, "file:///lustre/p/a%20b.h5");
}
END_TEST

START_TEST(file_iri_parse_reverses)
{
  pv_config c = test_config();
  pv_identity id;
  memset(&id, 0, sizeof id);
  strcpy(id.host, "n%1");
  const char *paths[] = {"/a", "/tmp/we ird\n#%\xff", "/dev/shm/x/y", "/p/\xc3\xa9/q"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    char iri[512], host[64], path[256];
    size_t hl, pl, n = pv_file_iri(iri, &id, &c, paths[i], strlen(paths[i]));
    ck_assert_int_eq(pv_file_iri_parse(iri, n, host, sizeof host, &hl, path, sizeof path, &pl), 0);
    ck_assert_int_eq(pl, strlen(paths[i]));
    ck_assert_mem_eq(path, paths[i], pl);
    int local = strncmp(paths[i], "/tmp", 4) == 0 || strncmp(paths[i], "/dev/shm", 8) == 0;
    ck_assert_int_eq(hl, local ? 3 : 0);
  }
  char host[8], path[8];
  size_t hl, pl;
  ck_assert_int_eq(pv_file_iri_parse("http://x/y", 10, host, 8, &hl, path, 8, &pl), -1);
  /* an HDF5 object IRI names its file before the fragment */
  ck_assert_int_eq(pv_file_iri_parse("file:///d/x.h5#/g/d", 19, host, 8, &hl, path, 8, &pl), 0);
  ck_assert_int_eq(pl, 7);
  ck_assert_mem_eq(path, "/d/x.h5", 7);
}
END_TEST

START_TEST(job_from_scheduler_environment)
{
  pv_config c;
  pv_identity id;
  unsetenv("PROVIO_JOB_ID");
  unsetenv("PMIX_NAMESPACE");
  unsetenv("RP_TASK_ID");
  setenv("SLURM_JOB_ID", "991", 1);
  setenv("SLURM_STEP_ID", "3", 1);
  pv_config_load(&c);
  pv_identity_init(&id, &c, 1000);
  ck_assert_str_eq(id.job, "slurm:991.3");
  ck_assert_str_eq(id.scheduler, "slurm");
  ck_assert_str_eq(id.job_iri, "urn:provio:job:slurm:991.3");
  ck_assert(strncmp(id.proc_iri, "urn:provio:job:slurm:991.3/proc/", 32) == 0);

  setenv("RP_TASK_ID", "task.0007", 1);
  pv_identity_init(&id, &c, 1000);
  ck_assert_str_eq(id.job, "slurm:991.3:task:task.0007");

  setenv("PROVIO_JOB_ID", "my job/1", 1);
  unsetenv("RP_TASK_ID");
  pv_config_load(&c);
  pv_identity_init(&id, &c, 1000);
  ck_assert_str_eq(id.job, "my job/1");
  ck_assert_str_eq(id.job_iri, "urn:provio:job:my%20job%2F1");

  unsetenv("PROVIO_JOB_ID");
  unsetenv("SLURM_JOB_ID");
  pv_config_load(&c);
  pv_identity_init(&id, &c, 1000);
  ck_assert_str_eq(id.scheduler, "session");
  ck_assert(strncmp(id.job, "session:", 8) == 0);
}
END_TEST

START_TEST(process_iris_differ_by_start_time)
{
  pv_config c;
  pv_identity a, b;
  setenv("PROVIO_JOB_ID", "j", 1);
  pv_config_load(&c);
  pv_identity_init(&a, &c, 1000);
  pv_identity_init(&b, &c, 1001); /* same pid after exec: a new image */
  ck_assert_str_ne(a.proc_iri, b.proc_iri);
}
END_TEST

START_TEST(prefix_lists)
{
  pv_prefix_list l;
  char storage[128];
  pv_prefix_list_parse(&l, "/proc::/dev/:/", storage, sizeof storage);
  ck_assert_int_eq(l.count, 3);
  ck_assert(pv_prefix_list_match(&l, "/proc/self", 10));
  ck_assert(pv_prefix_list_match(&l, "/dev", 4));
  ck_assert(pv_prefix_list_match(&l, "/anything", 9)); /* "/" matches all */
  pv_prefix_list_parse(&l, "/proc", storage, sizeof storage);
  ck_assert(!pv_prefix_list_match(&l, "/processed", 10));
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("ident");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, canonical_paths);
  tcase_add_test(tc, file_iris_shared_and_local);
  tcase_add_test(tc, file_iri_parse_reverses);
  tcase_add_test(tc, job_from_scheduler_environment);
  tcase_add_test(tc, process_iris_differ_by_start_time);
  tcase_add_test(tc, prefix_lists);
  suite_add_tcase(s, tc);
  return s;
}
