/* Reading record files: every good line kept, every bad one rejected with
 * its line number, whatever sits next to it; unfinished files (NUL padding,
 * a partial last line) and windows that split a file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nt_parse.h"
#include "reader.h"

#define T(s, o) "<urn:provio:t/" s "> <urn:provio:t/p> " o " .\n"

typedef struct seen_lines {
  long triples;
  long rejects;
  off_t reject_at[64];
  char why[64][128];
  char first_object[256];
} seen_lines;

static int on_triple(void *ctx, const char *enc, size_t n)
{
  seen_lines *s = ctx;
  if (s->triples++ == 0) {
    pv_term t[3];
    pv_dec_triple(enc, t);
    snprintf(s->first_object, sizeof s->first_object, "%.*s", (int)t[2].n, t[2].s);
  }
  return 0;
}

static void on_reject(void *ctx, off_t off, const char *why)
{
  seen_lines *s = ctx;
  if (s->rejects < 64) {
    s->reject_at[s->rejects] = off;
    snprintf(s->why[s->rejects], sizeof s->why[0], "%s", why);
  }
  s->rejects++;
}

/* Writes content (n bytes) as a record file and reads it in windows of
 * window bytes; returns the line numbers of the rejects in lines. */
static void read_file_windows(const char *content, size_t n, off_t window, seen_lines *s, long *lines,
                              int *finished)
{
  char *dir = make_temp_dir(), path[512];
  snprintf(path, sizeof path, "%s/1.2.3.nt", dir);
  FILE *f = fopen(path, "wb");
  fwrite(content, 1, n, f);
  fclose(f);
  pv_rfiles files;
  char err[256];
  char *paths[] = {dir};
  ck_assert_int_eq(pv_rfiles_find(&files, paths, 1, 0, err, sizeof err), PV_FIND_OK);
  ck_assert_int_eq(files.n, 1);
  memset(s, 0, sizeof *s);
  pv_reader *r = pv_reader_new();
  pv_reader_sink sink = {s, on_triple, on_reject};
  for (off_t at = 0; at < files.v[0].data_end; at += window)
    ck_assert_int_eq(pv_reader_window(r, &files.v[0], at, at + window, &sink), 0);
  pv_reader_free(r);
  /* windows may report out of order: sort the offsets */
  for (long i = 0; i < s->rejects && i < 64; i++)
    for (long j = i + 1; j < s->rejects && j < 64; j++)
      if (s->reject_at[j] < s->reject_at[i]) {
        off_t t = s->reject_at[i];
        s->reject_at[i] = s->reject_at[j];
        s->reject_at[j] = t;
      }
  pv_line_numbers(path, s->reject_at, lines, (size_t)(s->rejects < 64 ? s->rejects : 64));
  *finished = files.v[0].finished;
  pv_rfiles_free(&files);
  remove(path);
  remove(dir);
  free(dir);
}

/* Each damage sits between good lines.  The unterminated literal on line 3
 * is the case where raptor, given the whole text, drops lines 4 and 5 too
 * and still reports success. */
static const char damaged[] =
    "# provio-nt 1\n"                                         /* 1 */
    T("a", "\"1\"")                                           /* 2 good */
    "<urn:provio:t/b> <urn:provio:t/p> \"unterminated\n"      /* 3 bad */
    T("c", "\"3\"")                                           /* 4 good */
    T("d", "\"4\"")                                           /* 5 good */
    "<urn:provio:t/e> <urn:provio:t/p> \"x\\q\" .\n"          /* 6 bad escape */
    T("f", "\"6\"^^<http://www.w3.org/2001/XMLSchema#long>")  /* 7 good */
    "<urn:provio:t/g> <urn:provio:t/p> \"\xff\xfe\" .\n"      /* 8 bad UTF-8 (raptor) */
    T("h", "<urn:provio:t/o>")                                /* 9 good */
    "_:b1 <urn:provio:t/p> <urn:provio:t/o> .\n"              /* 10 blank node */
    "<relative> <urn:provio:t/p> <urn:provio:t/o> .\n"        /* 11 relative IRI */
    "<urn:provio:t/i> <urn:provio:t/p> <urn:provio:t/o>\n"    /* 12 no final dot */
    "garbage \x01\x02 here\n"                                 /* 13 garbage */
    "\n"                                                      /* 14 blank: skipped */
    "# a comment\n"                                           /* 15 comment: skipped */
    "<urn:provio:t/j> <urn:provio:t/p> \"a\0b\" .\n"          /* 16 NUL inside */
    T("k", "\"tab\\there\"@en-GB")                            /* 17 good */
    "<urn:provio:t/l> <urn:provio:t/p> \"x\" . junk\n"        /* 18 junk after dot */
    T("m", "\"\\u00e9\"")                                     /* 19 good */
    "<urn:provio:t/n> <urn:provio:t/p> \"partial";            /* 20 truncated */

START_TEST(good_lines_survive_bad_neighbours)
{
  char padded[sizeof damaged + 4096];
  memcpy(padded, damaged, sizeof damaged - 1);
  memset(padded + sizeof damaged - 1, 0, 4096); /* what a killed writer leaves */
  seen_lines s;
  long lines[64];
  int finished;
  read_file_windows(padded, sizeof padded, 1 << 20, &s, lines, &finished);
  ck_assert_int_eq(s.triples, 7);
  ck_assert_int_eq(s.rejects, 10);
  static const long want[] = {3, 6, 8, 10, 11, 12, 13, 16, 18, 20};
  for (long i = 0; i < s.rejects; i++) ck_assert_int_eq(lines[i], want[i]);
  ck_assert_int_eq(finished, 0);
  ck_assert_str_eq(s.first_object, "1");

  /* an independent count: raptor on the good lines alone */
  char good[4096] = "";
  strcat(good, T("a", "\"1\"") T("c", "\"3\"") T("d", "\"4\""));
  strcat(good, T("f", "\"6\"^^<http://www.w3.org/2001/XMLSchema#long>") T("h", "<urn:provio:t/o>"));
  strcat(good, T("k", "\"tab\\there\"@en-GB") T("m", "\"\\u00e9\""));
  nt_result *r = malloc(sizeof *r);
  nt_parse(good, strlen(good), r);
  ck_assert_int_eq(r->errors, 0);
  ck_assert_int_eq(r->triples, s.triples);
  free(r);
}
END_TEST

START_TEST(line_with_nul_is_one_reject)
{
  static const char text[] = "# provio-nt 1\n<urn:a:b> <urn:a:p> \"a\0b\" .\n" T("z", "\"1\"") "# provio-end\n";
  seen_lines s;
  long lines[64];
  int finished;
  read_file_windows(text, sizeof text - 1, 1 << 20, &s, lines, &finished);
  ck_assert_int_eq(s.triples, 1);
  ck_assert_int_eq(s.rejects, 1);
  ck_assert_int_eq(lines[0], 2);
  ck_assert_int_eq(finished, 1);
}
END_TEST

START_TEST(windows_split_lines_exactly_once)
{
  /* 3000 lines read in windows of many sizes: always 3000 triples */
  size_t cap = 3000 * 80 + 64, n = 0;
  char *text = malloc(cap);
  n += (size_t)sprintf(text, "# provio-nt 1\n");
  for (int i = 0; i < 3000; i++) n += (size_t)sprintf(text + n, "<urn:provio:w/%d> <urn:provio:w/p> \"%d\" .\n", i, i * 7);
  n += (size_t)sprintf(text + n, "# provio-end\n");
  static const off_t windows[] = {1, 7, 61, 62, 63, 4096, 1 << 20};
  for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
    seen_lines s;
    long lines[64];
    int finished;
    read_file_windows(text, n, windows[w], &s, lines, &finished);
    ck_assert_int_eq(s.triples, 3000);
    ck_assert_int_eq(s.rejects, 0);
    ck_assert_int_eq(finished, 1);
  }
  free(text);
}
END_TEST

START_TEST(line_check_accepts_what_provio_writes)
{
  static const char *const good[] = {
      "<urn:provio:job:x/proc/h/1.2> <https://w3id.org/provio/ns#host> \"node 1\" .",
      "<file:///a%20b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/provio/ns#File>.",
      "<urn:a:b> <urn:a:p> \"q\\\"uote\\\\ \\u00e9 \\U0001F600\" .  # comment",
      "  <urn:a:b>\t<urn:a:p>\t\"x\"@de .",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) ck_assert_ptr_null(pv_nt_check_line(good[i], strlen(good[i])));
  static const char *const bad[] = {
      "<urn:a:b> <urn:a:p> \"x\" . .", "<urn:a:b> <urn:a:p>", "<urn:a b> <urn:a:p> \"x\" .",
      "<urn:a:b> \"p\" \"x\" .",         "<urn:a:b> <urn:a:p> \"x\"@ .", "<urn:a:b> <urn:a:p> \"x\\u12\" .",
      "<urn:a:b> <urn:a:p> _:x .",      "<:a> <urn:a:p> <urn:a:o> .",  "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) ck_assert_ptr_nonnull(pv_nt_check_line(bad[i], strlen(bad[i])));
}
END_TEST

START_TEST(numbers_are_read_canonical)
{
  /* A rewritable number as the capture writes it (padded before the
   * literal) and as earlier versions did (zero-padded inside it). */
  static const char *const lines[] = {
      "# provio-nt 1\n<urn:a:b> <urn:a:p>                 \"42\"^^<http://www.w3.org/2001/XMLSchema#long> .\n",
      "# provio-nt 1\n" T("b", "\"0000000000000000042\"^^<http://www.w3.org/2001/XMLSchema#long>"),
      "# provio-nt 1\n" T("b", "\"0000000000000000000\"^^<http://www.w3.org/2001/XMLSchema#long>"),
      "# provio-nt 1\n" T("b", "\"007\""), /* a string stays as written */
  };
  static const char *const want[] = {"42", "42", "0", "007"};
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    seen_lines s;
    long at[64];
    int finished;
    read_file_windows(lines[i], strlen(lines[i]), 1 << 20, &s, at, &finished);
    ck_assert_int_eq(s.triples, 1);
    ck_assert_str_eq(s.first_object, want[i]);
  }
}
END_TEST

START_TEST(finds_files_and_refuses_foreign_ones)
{
  char *dir = make_temp_dir(), path[512], err[512];
  snprintf(path, sizeof path, "%s/h", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/h/1.2.3.nt", dir);
  FILE *f = fopen(path, "w");
  fputs("# provio-nt 1\n", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/h/1.2.3.s1.nt", dir);
  f = fopen(path, "w"); /* killed before its first line: empty, still ours */
  fclose(f);
  char *paths[] = {dir};
  pv_rfiles files;
  ck_assert_int_eq(pv_rfiles_find(&files, paths, 1, 0, err, sizeof err), PV_FIND_OK);
  ck_assert_int_eq(files.n, 2);
  ck_assert_str_eq(files.v[0].group, files.v[1].group); /* one thread's segments */
  pv_rfiles_free(&files);

  snprintf(path, sizeof path, "%s/h/other.nt", dir);
  f = fopen(path, "w");
  fputs("<urn:a:b> <urn:a:p> <urn:a:o> .\n", f);
  fclose(f);
  ck_assert_int_eq(pv_rfiles_find(&files, paths, 1, 0, err, sizeof err), PV_FIND_FOREIGN);
  ck_assert_ptr_nonnull(strstr(err, "other.nt"));
  pv_rfiles_free(&files);
  char missing[600];
  snprintf(missing, sizeof missing, "%s/nothing", dir);
  char *p2[] = {missing};
  ck_assert_int_eq(pv_rfiles_find(&files, p2, 1, 0, err, sizeof err), PV_FIND_MISSING);
  pv_rfiles_free(&files);
  mkdir(missing, 0700);
  ck_assert_int_eq(pv_rfiles_find(&files, p2, 1, 0, err, sizeof err), PV_FIND_EMPTY);
  pv_rfiles_free(&files);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
  free(dir);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("merge_lines");
  TCase *c = tcase_create("reader");
  tcase_add_test(c, good_lines_survive_bad_neighbours);
  tcase_add_test(c, line_with_nul_is_one_reject);
  tcase_add_test(c, windows_split_lines_exactly_once);
  tcase_add_test(c, line_check_accepts_what_provio_writes);
  tcase_add_test(c, numbers_are_read_canonical);
  tcase_add_test(c, finds_files_and_refuses_foreign_ones);
  suite_add_tcase(s, c);
  return s;
}
