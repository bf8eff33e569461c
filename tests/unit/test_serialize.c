/* Escaping and the path <-> IRI mapping: every byte string must come out as
 * N-Triples that raptor accepts, and every path must come back exactly. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nt_parse.h"
#include "serialize.h"

static size_t encode_line(char *line, const char *s, size_t n)
{
  char *p = line;
  p = PV_PUT_LIT(p, "<file://");
  p += pv_iri_encode(p, s, n, "/");
  p = PV_PUT_LIT(p, "> <urn:p> ");
  p = pv_put_string(p, s, n);
  return (size_t)(pv_put_end(p) - line);
}

static int valid_utf8(const char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    size_t l = pv_utf8_seq_len((const unsigned char *)s + i, n - i);
    if (!l) return 0;
    i += l;
  }
  return 1;
}

START_TEST(literal_escapes)
{
  static const struct { const char *in, *out; } cases[] = {
      {"plain", "plain"},
      {"a\"b", "a\\\"b"},
      {"back\\slash", "back\\\\slash"},
      {"nl\ncr\rtab\t", "nl\\ncr\\rtab\\t"},
      {"\x01\x1f\x7f", "\\u0001\\u001F\\u007F"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},            /* valid UTF-8 kept */
      {"\xff", "\\uFFFD"},                       /* invalid byte */
      {"\xc3", "\\uFFFD"},                       /* truncated sequence */
      {"\xc0\xaf", "\\uFFFD\\uFFFD"},            /* overlong */
      {"\xed\xa0\x80", "\\uFFFD\\uFFFD\\uFFFD"}, /* surrogate */
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},  /* 4-byte emoji */
      {"<>{}#%", "<>{}#%"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[256];
    size_t n = pv_literal_escape(out, cases[i].in, strlen(cases[i].in));
    ck_assert_int_eq(n, strlen(cases[i].out));
    ck_assert_mem_eq(out, cases[i].out, n);
  }
}
END_TEST

/* Plain text is copied 8 bytes a step: any byte, at any place of a longer
 * text, is escaped as it is on its own. */
START_TEST(literal_escape_of_each_byte_at_each_place)
{
  const char plain[] = "abcdefghijklmnopq"; /* 17 bytes: two whole steps and a tail */
  size_t len = sizeof plain - 1;
  for (int b = 0; b < 256; b++) {
    char alone[8];
    char byte = (char)b;
    size_t an = pv_literal_escape(alone, &byte, 1);
    for (size_t at = 0; at < len; at++) {
      char in[32], out[64], want[64];
      memcpy(in, plain, len);
      in[at] = byte;
      memcpy(want, plain, at);
      memcpy(want + at, alone, an);
      memcpy(want + at + an, plain + at + 1, len - at - 1);
      size_t n = pv_literal_escape(out, in, len);
      ck_assert_int_eq(n, len - 1 + an);
      ck_assert_mem_eq(out, want, n);
    }
  }
}
END_TEST

START_TEST(iri_encoding_of_special_bytes)
{
  const char *in = "/a b/\"q\"<x>\\{y}|^`#%\n\t\xff\xc3\xa9";
  char out[256];
  size_t n = pv_iri_encode(out, in, strlen(in), "/");
  out[n] = 0;
  ck_assert_str_eq(out, "/a%20b/%22q%22%3Cx%3E%5C%7By%7D%7C%5E%60%23%25%0A%09%FF%C3%A9");
}
END_TEST

START_TEST(iri_round_trip_every_byte)
{
  for (int c = 0; c < 256; c++) {
    char in[3] = {'/', (char)c, 'z'}, enc[9], dec[3];
    size_t n = pv_iri_encode(enc, in, 3, "/");
    ck_assert_int_eq(pv_iri_decode(dec, enc, n), 3);
    ck_assert_mem_eq(dec, in, 3);
  }
}
END_TEST

START_TEST(iri_decode_rejects_malformed)
{
  char out[8];
  ck_assert_int_eq(pv_iri_decode(out, "%4", 2), (size_t)-1);
  ck_assert_int_eq(pv_iri_decode(out, "%zz", 3), (size_t)-1);
  ck_assert_int_eq(pv_iri_decode(out, "a%", 2), (size_t)-1);
  ck_assert_int_eq(pv_iri_decode(out, "%41", 3), 1);
  ck_assert_int_eq(out[0], 'A');
}
END_TEST

/* Random byte strings, biased towards the troublesome ones. */
static size_t random_bytes(char *s, size_t max, unsigned *seed)
{
  static const char nasty[] = " \"<>\\{}|^`#%\n\r\t\x01\x7f/.:";
  size_t n = 1 + (size_t)rand_r(seed) % max;
  for (size_t i = 0; i < n; i++) {
    int k = rand_r(seed) % 4;
    if (k == 0) s[i] = nasty[rand_r(seed) % (sizeof nasty - 1)];
    else if (k == 1) s[i] = (char)(rand_r(seed) % 256);
    else if (k == 2 && i + 2 < n) { /* a valid 2-byte sequence */
      s[i++] = (char)(0xC2 + rand_r(seed) % 30);
      s[i] = (char)(0x80 + rand_r(seed) % 64);
    } else s[i] = (char)('a' + rand_r(seed) % 26);
    if (s[i] == 0) s[i] = 'x'; /* paths hold no NUL */
  }
  return n;
}

START_TEST(random_strings_parse_with_raptor_and_round_trip)
{
  unsigned seed = 12345;
  static char in[600], line[8192], back[600];
  nt_result *r = malloc(sizeof *r);
  for (int iter = 0; iter < 3000; iter++) {
    size_t n = random_bytes(in, sizeof in, &seed);
    size_t len = encode_line(line, in, n);
    nt_parse(line, len, r);
    ck_assert_msg(r->errors == 0 && r->triples == 1, "raptor rejected: %.*s", (int)len, line);
    /* the subject IRI decodes to exactly the original bytes */
    ck_assert(r->subject_len >= 7 && memcmp(r->subject, "file://", 7) == 0);
    size_t bl = pv_iri_decode(back, r->subject + 7, r->subject_len - 7);
    ck_assert_int_eq(bl, n);
    ck_assert_mem_eq(back, in, n);
    /* the literal keeps valid UTF-8 text exactly */
    if (valid_utf8(in, n)) {
      ck_assert_int_eq(r->object_len, n);
      ck_assert_mem_eq(r->object, in, n);
    }
  }
  free(r);
}
END_TEST

START_TEST(numbers_and_times)
{
  char out[64];
  out[pv_fmt_i64(out, 0)] = 0;
  ck_assert_str_eq(out, "0");
  out[pv_fmt_i64(out, INT64_MIN)] = 0;
  ck_assert_str_eq(out, "-9223372036854775808");
  out[pv_fmt_u64(out, UINT64_MAX)] = 0;
  ck_assert_str_eq(out, "18446744073709551615");
  unsigned seed = 7;
  for (int i = 0; i < 20000; i++) {
    int64_t secs = (int64_t)(((uint64_t)rand_r(&seed) << 20) ^ (uint64_t)rand_r(&seed)) % 8000000000LL;
    int64_t ns = secs * 1000000000 + rand_r(&seed) % 1000000000;
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char want[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ns % 1000000000 / 1000));
    ck_assert_int_eq(pv_fmt_datetime(out, ns), PV_DATETIME_LEN);
    out[PV_DATETIME_LEN] = 0;
    ck_assert_str_eq(out, want);
  }
}
END_TEST

/* Times are formatted from a cached second: every microsecond of a run of
 * seconds (and the step back to an earlier one) must still read right. */
START_TEST(times_within_and_across_seconds)
{
  char out[PV_DATETIME_LEN + 1], want[64];
  int64_t base = 1795000000LL * 1000000000;
  int64_t steps[] = {0, 1000, 999999000, 1000000000, 1000999999, 5999999999, 0, 86400000000000LL};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    int64_t ns = base + steps[i];
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000 / 1000));
    pv_fmt_datetime(out, ns);
    out[PV_DATETIME_LEN] = 0;
    ck_assert_str_eq(out, want);
  }
}
END_TEST

/* A number rewritten in place: right-aligned, quote just before it, the
 * rest spaces, whatever the field held before. */
START_TEST(fixed_width_numbers)
{
  static const struct { uint64_t v; const char *text; } cases[] = {
      {0, "                  \"0"}, {7, "                  \"7"}, {42, "                 \"42"},
      {100, "                \"100"}, {9223372036854775807ULL, "\"9223372036854775807"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char field[PV_FIXED_WIDTH + 1];
    memset(field, 'x', PV_FIXED_WIDTH);
    field[PV_FIXED_WIDTH] = 0;
    pv_put_fixed(field, cases[i].v);
    ck_assert_str_eq(field, cases[i].text);
  }
}
END_TEST

START_TEST(typed_literals_parse)
{
  char line[512], *p = line;
  p = PV_PUT_LIT(p, "<urn:s> <urn:p> ");
  p = pv_put_long(p, -42);
  p = pv_put_end(p);
  p = PV_PUT_LIT(p, "<urn:s> <urn:p> ");
  p = pv_put_time(p, 1795000000123456789LL);
  p = pv_put_end(p);
  nt_result r;
  nt_parse(line, (size_t)(p - line), &r);
  ck_assert_int_eq(r.errors, 0);
  ck_assert_int_eq(r.triples, 2);
  ck_assert_int_eq(r.object_len, 3);
  ck_assert_mem_eq(r.object, "-42", 3);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("serialize");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, literal_escapes);
  tcase_add_test(tc, literal_escape_of_each_byte_at_each_place);
  tcase_add_test(tc, iri_encoding_of_special_bytes);
  tcase_add_test(tc, iri_round_trip_every_byte);
  tcase_add_test(tc, iri_decode_rejects_malformed);
  tcase_add_test(tc, random_strings_parse_with_raptor_and_round_trip);
  tcase_add_test(tc, numbers_and_times);
  tcase_add_test(tc, typed_literals_parse);
  tcase_add_test(tc, times_within_and_across_seconds);
  tcase_add_test(tc, fixed_width_numbers);
  suite_add_tcase(s, tc);
  return s;
}
