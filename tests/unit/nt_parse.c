/* nt_parse.c - raptor-backed validation helpers for the unit tests. */
#define _GNU_SOURCE /* nftw */
#include "nt_parse.h"

#include <ftw.h>
#include <raptor2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_log(void *data, raptor_log_message *m)
{
  nt_result *r = data;
  if (m->level >= RAPTOR_LOG_LEVEL_WARN) r->errors++;
}

static void copy_term(raptor_term *t, char *dst, size_t cap, size_t *len)
{
  const unsigned char *s = NULL;
  size_t n = 0;
  if (t->type == RAPTOR_TERM_TYPE_URI) {
    s = raptor_uri_as_counted_string(t->value.uri, &n);
  } else if (t->type == RAPTOR_TERM_TYPE_LITERAL) {
    s = t->value.literal.string;
    n = t->value.literal.string_len;
  }
  if (n > cap) n = cap;
  if (s) memcpy(dst, s, n);
  *len = n;
}

static void on_triple(void *data, raptor_statement *st)
{
  nt_result *r = data;
  if (r->triples++ == 0) {
    copy_term(st->subject, r->subject, sizeof r->subject, &r->subject_len);
    copy_term(st->object, r->object, sizeof r->object, &r->object_len);
  }
}

static void parse(const char *buf, size_t n, void *data, raptor_log_handler log,
                  raptor_statement_handler triple)
{
  raptor_world *w = raptor_new_world();
  raptor_world_set_log_handler(w, data, log);
  raptor_world_open(w);
  raptor_parser *p = raptor_new_parser(w, "ntriples");
  raptor_parser_set_statement_handler(p, data, triple);
  raptor_uri *base = raptor_new_uri(w, (const unsigned char *)"file:///base");
  raptor_parser_parse_start(p, base);
  raptor_parser_parse_chunk(p, (const unsigned char *)buf, n, 1);
  raptor_free_uri(base);
  raptor_free_parser(p);
  raptor_free_world(w);
}

void nt_parse(const char *buf, size_t n, nt_result *r)
{
  memset(r, 0, sizeof *r);
  parse(buf, n, r, on_log, on_triple);
}

static char *term_string(raptor_term *t)
{
  char buf[65536];
  size_t n;
  copy_term(t, buf, sizeof buf - 1, &n);
  char *s = malloc(n + 1);
  memcpy(s, buf, n);
  s[n] = 0;
  return s;
}

static void on_graph_triple(void *data, raptor_statement *st)
{
  nt_graph *g = data;
  if (g->n == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 64;
    g->t = realloc(g->t, (size_t)g->cap * sizeof *g->t);
  }
  nt_triple *t = &g->t[g->n++];
  t->s = term_string(st->subject);
  t->p = term_string(st->predicate);
  t->o = term_string(st->object);
  t->o_is_iri = st->object->type == RAPTOR_TERM_TYPE_URI;
  raptor_uri *dt = st->object->type == RAPTOR_TERM_TYPE_LITERAL ? st->object->value.literal.datatype : NULL;
  t->datatype = dt ? strdup((const char *)raptor_uri_as_string(dt)) : NULL;
}

static void on_graph_log(void *data, raptor_log_message *m)
{
  nt_graph *g = data;
  if (m->level >= RAPTOR_LOG_LEVEL_WARN) g->errors++;
}

nt_graph *nt_parse_graph(const char *buf, size_t n)
{
  nt_graph *g = calloc(1, sizeof *g);
  parse(buf, n, g, on_graph_log, on_graph_triple);
  return g;
}

void nt_graph_free(nt_graph *g)
{
  for (long i = 0; i < g->n; i++) {
    free(g->t[i].s);
    free(g->t[i].p);
    free(g->t[i].o);
    free(g->t[i].datatype);
  }
  free(g->t);
  free(g);
}

const nt_triple *nt_find(const nt_graph *g, const char *s, const char *p, int i)
{
  for (long k = 0; k < g->n; k++)
    if ((!s || strcmp(g->t[k].s, s) == 0) && (!p || strcmp(g->t[k].p, p) == 0) && i-- == 0) return &g->t[k];
  return NULL;
}

char *read_file(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)size + 1);
  *n = fread(buf, 1, (size_t)size, f);
  buf[*n] = 0;
  fclose(f);
  return buf;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
  (void)st, (void)type, (void)f;
  return remove(path);
}

void remove_tree(const char *dir)
{
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The directories this process made, removed when it exits: Check runs each
 * test in a forked child, and a failing assertion exits from the middle of
 * the test, so a test cannot be trusted to clean up after itself. */
static char *made_dirs[64];
static int made_count;
static pid_t made_by;

static void remove_made_dirs(void)
{
  if (getpid() != made_by) return; /* a child of ours inherited the list */
  for (int i = 0; i < made_count; i++) remove_tree(made_dirs[i]);
}

char *make_temp_dir(void)
{
  const char *base = getenv("PROVIO_TEST_TMP");
  if (!base) base = "/dev/shm";
  char *t = malloc(strlen(base) + 32);
  sprintf(t, "%s/provio-test.XXXXXX", base);
  if (!mkdtemp(t)) {
    sprintf(t, "/tmp/provio-test.XXXXXX");
    if (!mkdtemp(t)) abort();
  }
  if (made_by != getpid()) {
    made_by = getpid();
    made_count = 0;
    atexit(remove_made_dirs);
  }
  if (made_count < 64) made_dirs[made_count++] = strdup(t);
  return t;
}
