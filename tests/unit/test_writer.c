/* The mmap-backed writer: growth across chunks, trimming on close, private
 * file creation, and records that survive SIGKILL. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nt_parse.h"
#include "serialize.h"
#include "writer.h"


/* One N-Triples line whose length varies with i. */
static char *put_line(char *p, long i)
{
  p = PV_PUT_LIT(p, "<urn:provio:test/s> <urn:provio:test/p> \"");
  for (long k = 0; k < i % 97; k++) *p++ = (char)('a' + k % 26);
  p = PV_PUT_LIT(p, "\"^^<urn:provio:test/n");
  p += pv_fmt_i64(p, i);
  return pv_put_end(PV_PUT_LIT(p, ">"));
}

/* The file at path is valid N-Triples, no NUL byte, exactly lines triples. */
static void assert_triples(const char *path, long lines)
{
  size_t n;
  char *buf = read_file(path, &n);
  ck_assert_ptr_null(memchr(buf, 0, n));
  nt_result *r = malloc(sizeof *r);
  nt_parse(buf, n, r);
  ck_assert_int_eq(r->errors, 0);
  ck_assert_int_eq(r->triples, lines);
  free(r);
  free(buf);
}

START_TEST(grows_across_chunks_and_trims)
{
  char *dir = make_temp_dir();
  pv_dir d;
  ck_assert_int_eq(pv_dir_init(&d, dir), 0);
  pv_writer w;
  ck_assert_int_eq(pv_writer_open(&w, &d, "a.nt"), 0);
  size_t total = 0;
  long lines = 0;
  while (total < 3 * PV_WRITER_CHUNK + 12345) {
    char *p = pv_writer_reserve(&w, 512);
    ck_assert_ptr_nonnull(p);
    char *e = put_line(p, lines++);
    pv_writer_commit(&w, e);
    total += (size_t)(e - p);
  }
  ck_assert_int_eq(w.len, total);
  pv_writer_close(&w);

  char path[256];
  snprintf(path, sizeof path, "%s/a.nt", dir);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_size, (off_t)total);
  ck_assert_int_eq(st.st_mode & 0777, 0600);
  assert_triples(path, lines);
}
END_TEST

START_TEST(refuses_existing_files_and_symlinks)
{
  char *dir = make_temp_dir();
  pv_dir d;
  ck_assert_int_eq(pv_dir_init(&d, dir), 0);
  char target[256], link[256];
  snprintf(target, sizeof target, "%s/victim", dir);
  snprintf(link, sizeof link, "%s/b.nt", dir);
  ck_assert_int_eq(symlink(target, link), 0);
  pv_writer w;
  ck_assert_int_eq(pv_writer_open(&w, &d, "b.nt"), -EEXIST);
  ck_assert_int_ne(access(target, F_OK), 0); /* nothing created through the link */
  ck_assert_int_eq(pv_writer_open(&w, &d, "c.nt"), 0);
  pv_writer_close(&w);
  ck_assert_int_eq(pv_writer_open(&w, &d, "c.nt"), -EEXIST);
}
END_TEST

/* Complete lines of an unfinished file: before the newline padding,
 * without a trailing partial line (every complete triple ends in " ."). */
static size_t complete_prefix(const char *buf, size_t n)
{
  while (n && buf[n - 1] == '\n') n--;
  if (n >= 2 && buf[n - 2] == ' ' && buf[n - 1] == '.') return n;
  while (n && buf[n - 1] != '\n') n--;
  return n;
}

START_TEST(survives_sigkill_mid_stream)
{
  char *dir = make_temp_dir();
  pv_dir d;
  ck_assert_int_eq(pv_dir_init(&d, dir), 0);
  int ready[2];
  ck_assert_int_eq(pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {
    pv_writer w;
    if (pv_writer_open(&w, &d, "k.nt") != 0) _exit(2);
    for (long i = 0;; i++) {
      char *p = pv_writer_reserve(&w, 512);
      if (!p) _exit(3);
      pv_writer_commit(&w, put_line(p, i));
      /* Tell the parent how far we got once past two chunks, then keep
       * writing until killed. */
      if (i == 30000) {
        long n = i + 1;
        if (write(ready[1], &n, sizeof n) != sizeof n) _exit(4);
      }
    }
  }
  long written = 0;
  ck_assert_int_eq(read(ready[0], &written, sizeof written), sizeof written);
  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  char path[256];
  snprintf(path, sizeof path, "%s/k.nt", dir);
  size_t n;
  char *buf = read_file(path, &n);
  ck_assert_ptr_null(memchr(buf, 0, n)); /* newline padding: valid as it lies */
  size_t good = complete_prefix(buf, n);
  nt_result *r = malloc(sizeof *r);
  nt_parse(buf, good, r);
  ck_assert_int_eq(r->errors, 0);
  ck_assert_int_ge(r->triples, written);
  free(r);
  free(buf);
}
END_TEST

/* Under RLIMIT_FSIZE the file stops growing at the limit (a growth past it
 * would raise SIGXFSZ) and says so; a trim and untrim keep it padded. */
START_TEST(stops_at_the_file_size_limit)
{
  char *dir = make_temp_dir();
  pv_dir d;
  ck_assert_int_eq(pv_dir_init(&d, dir), 0);
  struct rlimit rl = {300 * 1024 + 100, RLIM_INFINITY};
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
  pv_writer w;
  ck_assert_int_eq(pv_writer_open(&w, &d, "f.nt"), 0);
  long lines = 0;
  char *p;
  while ((p = pv_writer_reserve(&w, 512))) pv_writer_commit(&w, put_line(p, lines++));
  ck_assert(w.full);
  ck_assert_int_eq(w.mapped, 300 * 1024);
  ck_assert_int_eq(pv_writer_trim(&w, w.len), 0);
  ck_assert_int_eq(pv_writer_untrim(&w), 0);
  char path[256];
  snprintf(path, sizeof path, "%s/f.nt", dir);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_size, 300 * 1024);
  assert_triples(path, lines);
  pv_writer_close(&w);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("writer");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, grows_across_chunks_and_trims);
  tcase_add_test(tc, refuses_existing_files_and_symlinks);
  tcase_add_test(tc, survives_sigkill_mid_stream);
  tcase_add_test(tc, stops_at_the_file_size_limit);
  suite_add_tcase(s, tc);
  return s;
}
