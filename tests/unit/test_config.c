/* The configuration: the file PROVIO_CONFIG names, in its one syntax, then
 * the environment over it; a bad line or value is described and ignored,
 * never fatal, and the setting keeps the value it had. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "nt_parse.h"

static const char *const variables[] = {"PROVIO_CONFIG", "PROVIO_DIR", "PROVIO_MODE", "PROVIO_LOG",
                                        "PROVIO_JOB_ID", "PROVIO_EXCLUDE", "PROVIO_INCLUDE", "PROVIO_LOCAL",
                                        "PROVIO_FILES", "PROVIO_HDF5_GROUPS", "PROVIO_HDF5_DATASETS",
                                        "PROVIO_HDF5_ATTRIBUTES", "PROVIO_HDF5_DATATYPES", "PROVIO_CALLSITES",
                                        "PROVIO_DURATIONS", "PROVIO_THREADS", NULL};

/* A configuration file with text, named in PROVIO_CONFIG; the environment
 * holds no other PROVIO_ setting. */
static char dir[512], path[600];

static const char *config_file(const char *text)
{
  for (int i = 0; variables[i]; i++) unsetenv(variables[i]);
  snprintf(dir, sizeof dir, "%s", make_temp_dir());
  snprintf(path, sizeof path, "%s/provio.conf", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  setenv("PROVIO_CONFIG", path, 1);
  return path;
}

static void remove_config_file(void)
{
  if (!dir[0]) return;
  unlink(path);
  rmdir(dir);
}

START_TEST(defaults_record_everything)
{
  for (int i = 0; variables[i]; i++) unsetenv(variables[i]);
  pv_config c;
  pv_config_load(&c);
  ck_assert_ptr_null(c.dir);
  ck_assert_int_eq(c.mode, PV_MODE_SUMMARY);
  ck_assert_uint_eq(c.records, PV_REC_ALL);
  ck_assert(pv_prefix_list_match(&c.exclude, "/proc/1/stat", 12));
  ck_assert(pv_prefix_list_match(&c.include, "/dev/shm/x", 10));
  ck_assert(pv_prefix_list_match(&c.local, "/tmp", 4));
  ck_assert_int_eq(c.problems, 0);
}
END_TEST

START_TEST(file_sets_every_kind_of_setting)
{
  config_file("# what the acquisition job records\n"
              "\n"
              "dir = /scratch/prov\n"
              "  mode=trace\r\n"
              "job_id = das run 7  \n"
              "\tlog\t=\t/tmp/provio.log\n"
              "exclude = /proc:/scratch/tmp/\n"
              "include=\n"
              "files = off\n"
              "hdf5_attributes = no\n"
              "hdf5_datatypes = 0\n"
              "durations = false\n"
              "threads = off\n"
              "callsites = off\n"
              "hdf5_groups = off\n"
              "hdf5_groups = on\n"
              "PROVIO_LOCAL=/local\n");
  pv_config c;
  pv_config_load(&c);
  ck_assert_int_eq(c.problems, 0);
  ck_assert_str_eq(c.dir, "/scratch/prov");
  ck_assert_int_eq(c.mode, PV_MODE_TRACE);
  ck_assert_str_eq(c.job, "das run 7");
  ck_assert_str_eq(c.log_path, "/tmp/provio.log");
  ck_assert(pv_prefix_list_match(&c.exclude, "/scratch/tmp/a", 14));
  ck_assert(!pv_prefix_list_match(&c.exclude, "/sys/x", 6));
  ck_assert_int_eq(c.include.count, 0);
  ck_assert(pv_prefix_list_match(&c.local, "/local/x", 8));
  ck_assert(!pv_prefix_list_match(&c.local, "/tmp", 4));
  ck_assert_uint_eq(c.records, PV_REC_HDF5_GROUPS | PV_REC_HDF5_DATASETS);
}
END_TEST

START_TEST(environment_overrides_the_file)
{
  config_file("dir = /from/file\nmode = trace\nthreads = off\ndurations = off\n");
  setenv("PROVIO_DIR", "/from/env", 1);
  setenv("PROVIO_MODE", "summary", 1);
  setenv("PROVIO_THREADS", "on", 1);
  pv_config c;
  pv_config_load(&c);
  ck_assert_str_eq(c.dir, "/from/env");
  ck_assert_int_eq(c.mode, PV_MODE_SUMMARY);
  ck_assert(c.records & PV_REC_THREADS);
  ck_assert(!(c.records & PV_REC_DURATIONS));
  ck_assert_int_eq(c.problems, 0);
}
END_TEST

START_TEST(bad_lines_are_described_and_ignored)
{
  const char *path = config_file("mode = trace\n"
                                 "colour = blue\n"
                                 "mode = fast\n"
                                 "files = maybe\n"
                                 "just words\n"
                                 "bad key = 1\n");
  setenv("PROVIO_DURATIONS", "sometimes", 1);
  pv_config c;
  pv_config_load(&c);
  ck_assert_int_eq(c.mode, PV_MODE_TRACE); /* the value before the bad one */
  ck_assert_uint_eq(c.records, PV_REC_ALL);
  ck_assert_int_eq(c.problems, 6);
  char want[700];
  snprintf(want, sizeof want, "%s:2: unknown key, ignored: colour", path);
  ck_assert_str_eq(c.problem[0], want);
  snprintf(want, sizeof want, "%s:3: bad value, ignored: mode", path);
  ck_assert_str_eq(c.problem[1], want);
  snprintf(want, sizeof want, "%s:4: bad value, ignored: files", path);
  ck_assert_str_eq(c.problem[2], want);
  snprintf(want, sizeof want, "%s:5: expected KEY = VALUE (line ignored)", path);
  ck_assert_str_eq(c.problem[3], want);
  snprintf(want, sizeof want, "%s:6: expected KEY = VALUE (line ignored)", path);
  ck_assert_str_eq(c.problem[4], want);
  ck_assert_str_eq(c.problem[5], "PROVIO_DURATIONS: bad value, ignored: sometimes");
}
END_TEST

START_TEST(unreadable_file_keeps_the_defaults)
{
  config_file("");
  setenv("PROVIO_CONFIG", "/no/such/provio.conf", 1);
  setenv("PROVIO_DIR", "/out", 1);
  pv_config c;
  pv_config_load(&c);
  ck_assert_str_eq(c.dir, "/out");
  ck_assert_uint_eq(c.records, PV_REC_ALL);
  ck_assert_int_eq(c.problems, 1);
  ck_assert_str_eq(c.problem[0], "/no/such/provio.conf: cannot read this configuration file");
  /* a directory is no configuration file either */
  setenv("PROVIO_CONFIG", "/", 1);
  pv_config_load(&c);
  ck_assert_int_eq(c.problems, 1);
}
END_TEST

START_TEST(many_problems_are_counted)
{
  char text[2048] = "";
  for (int i = 0; i < 20; i++) strcat(text, "nonsense\n");
  config_file(text);
  pv_config c;
  pv_config_load(&c);
  ck_assert_int_eq(c.problems, 20);
  ck_assert(strstr(c.problem[PV_CONFIG_PROBLEMS - 1], ":8: expected"));
}
END_TEST

/* The parser itself: what is a setting, what a problem, what neither. */
typedef struct seen {
  char out[512];
} seen;

static void note_setting(void *ctx, int line, const char *key, const char *value)
{
  seen *s = ctx;
  snprintf(s->out + strlen(s->out), sizeof s->out - strlen(s->out), "%d[%s][%s]", line, key, value);
}

static void note_problem(void *ctx, int line, const char *what)
{
  seen *s = ctx;
  snprintf(s->out + strlen(s->out), sizeof s->out - strlen(s->out), "%d!", line);
}

static const char *parse(const char *text, size_t n)
{
  static seen s;
  static char buf[256];
  memcpy(buf, text, n);
  s.out[0] = 0;
  pv_config_parse(buf, n, note_setting, note_problem, &s);
  return s.out;
}

START_TEST(parser_lines)
{
  ck_assert_str_eq(parse("a=1\n#b=2\n\n  \nc = x = y \r\n", 25), "1[a][1]5[c][x = y]");
  ck_assert_str_eq(parse("a=\r\rb\n", 6), "1[a][\r\rb]"); /* only the line end's CR goes */
  ck_assert_str_eq(parse("a=1\0x\nb=2", 9), "1!2[b][2]");    /* NUL: the line is not cut short */
  ck_assert_str_eq(parse("=1\n-a=2\nk", 9), "1!2!3!");
  ck_assert_str_eq(parse("last=value", 10), "1[last][value]"); /* no final newline */
  ck_assert_str_eq(parse("", 0), "");
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("config");
  tcase_add_checked_fixture(tc, NULL, remove_config_file);
  tcase_add_test(tc, defaults_record_everything);
  tcase_add_test(tc, file_sets_every_kind_of_setting);
  tcase_add_test(tc, environment_overrides_the_file);
  tcase_add_test(tc, bad_lines_are_described_and_ignored);
  tcase_add_test(tc, unreadable_file_keeps_the_defaults);
  tcase_add_test(tc, many_problems_are_counted);
  tcase_add_test(tc, parser_lines);
  suite_add_tcase(s, tc);
  return s;
}
