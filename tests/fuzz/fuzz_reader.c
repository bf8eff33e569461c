/* fuzz_reader - prov-merge's line reader (store/reader.c) on any bytes as a
 * record file.  Every line has at most one outcome (a triple or a reject),
 * rejects name line starts, every triple decodes, and reading the file in
 * two windows split anywhere gives exactly what one window gives.
 *
 * Input: two bytes choose the split point, the rest is the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"

#define REQUIRE(cond)                                                  \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "fuzz_reader: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                         \
    }                                                                  \
  } while (0)

static pv_reader *reader;
static char dir[64], path[96];

static void remove_file(void)
{
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  /* memory-backed if possible: the file is rewritten for every input */
  snprintf(dir, sizeof dir, "%s/fuzz_reader.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  REQUIRE(mkdtemp(dir));
  /* the tracker's file name, so that any content counts as a record file */
  snprintf(path, sizeof path, "%s/1.2.3.nt", dir);
  reader = pv_reader_new();
  REQUIRE(reader);
  atexit(remove_file);
  return 0;
}

/* What a read reported, in file order: per line start, 'T' + the triple's
 * encoding or 'R'. */
typedef struct outcome {
  off_t *at;
  char **what;
  size_t *len;
  size_t n, cap;
  const char *data;
  off_t size;
} outcome;

static void add(outcome *o, off_t at, char kind, const char *enc, size_t n)
{
  if (o->n == o->cap) {
    o->cap = o->cap ? 2 * o->cap : 64;
    o->at = realloc(o->at, o->cap * sizeof *o->at);
    o->what = realloc(o->what, o->cap * sizeof *o->what);
    o->len = realloc(o->len, o->cap * sizeof *o->len);
  }
  o->at[o->n] = at;
  o->what[o->n] = malloc(n + 1);
  o->what[o->n][0] = kind;
  memcpy(o->what[o->n] + 1, enc, n);
  o->len[o->n++] = n + 1;
}

static int on_triple(void *ctx, const char *enc, size_t n)
{
  pv_term t[3];
  pv_dec_triple(enc, t);
  for (int i = 0; i < 3; i++) REQUIRE(t[i].s && (t[i].kind == PV_T_IRI || i == 2));
  /* the line it came from is not known to the sink: ordered by content */
  add(ctx, -1, 'T', enc, n);
  return 0;
}

static void on_reject(void *ctx, off_t at, const char *why)
{
  outcome *o = ctx;
  REQUIRE(why && *why);
  REQUIRE(at >= 0 && at < o->size && (at == 0 || o->data[at - 1] == '\n'));
  add(o, at, 'R', "", 0);
}

static int cmp_entry(const outcome *o, size_t a, size_t b)
{
  if (o->at[a] != o->at[b]) return o->at[a] < o->at[b] ? -1 : 1;
  size_t n = o->len[a] < o->len[b] ? o->len[a] : o->len[b];
  int c = memcmp(o->what[a], o->what[b], n);
  return c ? c : (o->len[a] > o->len[b]) - (o->len[a] < o->len[b]);
}

static void sort(outcome *o)
{
  for (size_t i = 1; i < o->n; i++)
    for (size_t j = i; j > 0 && cmp_entry(o, j - 1, j) > 0; j--) {
      off_t a = o->at[j];
      o->at[j] = o->at[j - 1];
      o->at[j - 1] = a;
      char *w = o->what[j];
      o->what[j] = o->what[j - 1];
      o->what[j - 1] = w;
      size_t l = o->len[j];
      o->len[j] = o->len[j - 1];
      o->len[j - 1] = l;
    }
}

static void release(outcome *o)
{
  for (size_t i = 0; i < o->n; i++) free(o->what[i]);
  free(o->at);
  free(o->what);
  free(o->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2 || size > 65536) return 0;
  unsigned split_sel = (unsigned)data[0] << 8 | data[1];
  const char *content = (const char *)data + 2;
  size_t n = size - 2;
  /* the line checker alone, on a buffer that ends where the line does */
  char *line = malloc(n ? n : 1);
  memcpy(line, content, n);
  pv_nt_check_line(line, n);
  free(line);
  FILE *f = fopen(path, "wb");
  REQUIRE(f && fwrite(content, 1, n, f) == n && fclose(f) == 0);

  pv_rfiles files;
  char err[256], *paths[] = {path};
  REQUIRE(pv_rfiles_find(&files, paths, 1, 0, err, sizeof err) == PV_FIND_OK && files.n == 1);
  off_t end = files.v[0].data_end;
  REQUIRE(end >= 0 && (size_t)end <= n);

  outcome whole = {.data = content, .size = (off_t)n}, parts = whole;
  pv_reader_sink sink = {&whole, on_triple, on_reject};
  REQUIRE(pv_reader_window(reader, &files.v[0], 0, end + 1, &sink) == 0);
  off_t split = end ? (off_t)(split_sel % (unsigned)end) : 0;
  sink.ctx = &parts;
  REQUIRE(pv_reader_window(reader, &files.v[0], split, end + 1, &sink) == 0);
  REQUIRE(pv_reader_window(reader, &files.v[0], 0, split, &sink) == 0);
  pv_rfiles_free(&files);

  sort(&whole);
  sort(&parts);
  REQUIRE(whole.n == parts.n);
  for (size_t i = 0; i < whole.n; i++) {
    REQUIRE(whole.at[i] == parts.at[i] && whole.len[i] == parts.len[i] &&
            memcmp(whole.what[i], parts.what[i], whole.len[i]) == 0);
    /* a line is rejected once at most */
    if (i && whole.at[i] >= 0) REQUIRE(whole.at[i] != whole.at[i - 1]);
  }
  release(&whole);
  release(&parts);
  return 0;
}
