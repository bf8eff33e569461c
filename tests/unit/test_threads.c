/* The recorder under many threads: each thread its own file, every record
 * present exactly once, private permissions, valid N-Triples. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "nt_parse.h"
#include "provio.h"

#define THREADS 8
#define RECORDS 5000

static void *annotate_many(void *arg)
{
  char key[32], value[64];
  for (int i = 0; i < RECORDS; i++) {
    snprintf(key, sizeof key, "k%d", i);
    snprintf(value, sizeof value, "thread %ld value \"%d\"\n", (long)arg, i);
    if (provio_annotate(key, value) != 0) return (void *)1;
  }
  return NULL;
}

static int count_lines_with(const char *buf, const char *needle)
{
  int n = 0;
  for (const char *p = buf; (p = strstr(p, needle)); p++) n++;
  return n;
}

START_TEST(many_threads_write_at_once)
{
  char *dir = make_temp_dir();
  char out[512];
  snprintf(out, sizeof out, "%s/run", dir);
  setenv("PROVIO_DIR", out, 1);
  setenv("PROVIO_JOB_ID", "threads-test", 1);
  ck_assert_int_eq(pv_core_init(0, NULL, NULL), 0);
  ck_assert(provio_active());

  pthread_t th[THREADS];
  for (long i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, annotate_many, (void *)i);
  for (int i = 0; i < THREADS; i++) {
    void *rc;
    pthread_join(th[i], &rc);
    ck_assert_ptr_null(rc);
  }
  pv_core_shutdown();
  ck_assert(!provio_active());

  char hostdir[1024];
  snprintf(hostdir, sizeof hostdir, "%s/%s", out, pv_proc.id.host);
  struct stat st;
  ck_assert_int_eq(stat(out, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0700);
  ck_assert_int_eq(stat(hostdir, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0700);

  DIR *d = opendir(hostdir);
  struct dirent *e;
  int files = 0;
  long total = 0;
  nt_result *r = malloc(sizeof *r);
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", hostdir, e->d_name);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    size_t n;
    char *buf = read_file(path, &n);
    ck_assert(strncmp(buf, "# provio-nt 1\n", 14) == 0);
    ck_assert_msg(n > 13 && strcmp(buf + n - 13, "# provio-end\n") == 0, "unfinished: %s", path);
    nt_parse(buf, n, r);
    ck_assert_int_eq(r->errors, 0);
    /* 6 triples per annotation (link, type, thread, key, value, time), 5 describing the thread */
    ck_assert_int_eq(r->triples, 6 * RECORDS + 5);
    ck_assert_int_eq(count_lines_with(buf, "#value> \"thread "), RECORDS);
    total += r->triples;
    files++;
    free(buf);
  }
  closedir(d);
  free(r);
  ck_assert_int_eq(files, THREADS);
  ck_assert_int_eq(total, THREADS * (6L * RECORDS + 5));
}
END_TEST

START_TEST(inactive_without_output_dir)
{
  unsetenv("PROVIO_DIR");
  ck_assert_int_eq(pv_core_init(0, NULL, NULL), -1);
  ck_assert(!provio_active());
  ck_assert_int_eq(provio_annotate("k", "v"), -1);
}
END_TEST

START_TEST(refuses_symlinked_host_directory)
{
  char *dir = make_temp_dir();
  char out[512], victim[512], link[1024];
  snprintf(out, sizeof out, "%s/run", dir);
  snprintf(victim, sizeof victim, "%s/elsewhere", dir);
  mkdir(out, 0700);
  mkdir(victim, 0700);
  setenv("PROVIO_DIR", out, 1);
  pv_config c;
  pv_identity id;
  pv_config_load(&c);
  pv_identity_init(&id, &c, 0);
  snprintf(link, sizeof link, "%s/%s", out, id.host);
  ck_assert_int_eq(symlink(victim, link), 0);
  ck_assert_int_eq(pv_core_init(0, NULL, NULL), -1);
  ck_assert(!provio_active());
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, many_threads_write_at_once);
  tcase_add_test(tc, inactive_without_output_dir);
  tcase_add_test(tc, refuses_symlinked_host_directory);
  suite_add_tcase(s, tc);
  return s;
}
