/* The server store: user input becomes query text only escaped, times come
 * back in provio's form, and credentials are read only from a private file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote.h"

static char *iri(const char *s)
{
  pv_text t = {0};
  ck_assert_int_eq(pv_sparql_iri(&t, s), 0);
  return t.p;
}

static char *str(const char *s, size_t n)
{
  pv_text t = {0};
  ck_assert_int_eq(pv_sparql_string(&t, s, n), 0);
  return t.p;
}

START_TEST(iri_cannot_end_early)
{
  char *s = iri("file:///a> } ; DROP ALL ; <x");
  ck_assert_str_eq(s, "<file:///a\\u003E\\u0020\\u007D\\u0020;\\u0020DROP\\u0020ALL\\u0020;\\u0020\\u003Cx>");
  free(s);
  s = iri("urn:a\"b\\c\n{|^`");
  ck_assert_str_eq(s, "<urn:a\\u0022b\\u005Cc\\u000A\\u007B\\u007C\\u005E\\u0060>");
  free(s);
  s = iri("file:///caf\xc3\xa9");
  ck_assert_str_eq(s, "<file:///caf\xc3\xa9>");
  free(s);
}
END_TEST

START_TEST(string_cannot_end_early)
{
  const char *in = "a\" } ; DROP ALL #\\\n\r\t\x01'";
  char *s = str(in, strlen(in));
  ck_assert_str_eq(s, "\"a\\\" } ; DROP ALL #\\\\\\u000A\\u000D\\u0009\\u0001\\'\"");
  free(s);
  /* a NUL byte is one more escaped character, not the end */
  s = str("a\0b", 3);
  ck_assert_str_eq(s, "\"a\\u0000b\"");
  free(s);
}
END_TEST

START_TEST(datetime_back_to_six_digits)
{
  char out[32];
  ck_assert_uint_eq(pv_datetime_canonical("2026-01-01T00:00:01.5Z", 22, out), 27);
  ck_assert_str_eq(out, "2026-01-01T00:00:01.500000Z");
  ck_assert_uint_eq(pv_datetime_canonical("2026-01-01T00:00:03Z", 20, out), 27);
  ck_assert_str_eq(out, "2026-01-01T00:00:03.000000Z");
  ck_assert_uint_eq(pv_datetime_canonical("2026-01-01T00:00:03+01:00", 25, out), 0);
  ck_assert_uint_eq(pv_datetime_canonical("not a time at all!!Z", 20, out), 0);
  pv_text t = {0};
  const char nt[] = "<urn:a> <urn:t> \"2026-01-01T00:00:01.5Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
                    "<urn:a> <urn:s> \"x\" .\n";
  pv_text_str(&t, nt);
  ck_assert_int_eq(pv_ntriples_canonical(&t), 0);
  ck_assert_str_eq(t.p, "<urn:a> <urn:t> \"2026-01-01T00:00:01.500000Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
                        "<urn:a> <urn:s> \"x\" .\n");
  pv_text_free(&t);
}
END_TEST

static int open_with(const char *content, mode_t mode, char *err, size_t errlen)
{
  char path[] = "/tmp/provio-auth-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
  close(fd);
  chmod(path, mode);
  setenv(PV_REMOTE_AUTH_ENV, path, 1);
  pv_remote r;
  /* nothing listens on port 1: credentials are checked before any request */
  int rc = pv_remote_open(&r, "http://127.0.0.1:1/sparql", 1, err, errlen);
  pv_remote_close(&r);
  unlink(path);
  return rc;
}

START_TEST(credentials_only_from_a_private_file)
{
  char err[512];
  ck_assert_int_eq(open_with("user=u\npassword=p\n", 0644, err, sizeof err), PV_REMOTE_AUTH_FILE);
  ck_assert_ptr_nonnull(strstr(err, "mode 0644"));
  ck_assert_int_eq(open_with("user=u\n", 0600, err, sizeof err), PV_REMOTE_AUTH_FILE);
  ck_assert_int_eq(open_with("user=u\npassword=p\n", 0600, err, sizeof err), PV_REMOTE_UNREACHABLE);
  unsetenv(PV_REMOTE_AUTH_ENV);
  pv_remote r;
  ck_assert_int_eq(pv_remote_open(&r, "http://127.0.0.1:1/sparql", 1, err, sizeof err), PV_REMOTE_AUTH_FILE);
  pv_remote_close(&r);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("remote_escape");
  TCase *tc = tcase_create("escape");
  tcase_add_test(tc, iri_cannot_end_early);
  tcase_add_test(tc, string_cannot_end_early);
  tcase_add_test(tc, datetime_back_to_six_digits);
  tcase_add_test(tc, credentials_only_from_a_private_file);
  suite_add_tcase(s, tc);
  return s;
}
