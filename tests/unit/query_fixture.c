/* query_fixture.c - fixture stores and output capture for query tests. */
#include "query_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nt_parse.h"
#include "query_load.h"

char *build_store(const char *nt_path)
{
  char *tmp = make_temp_dir(), err[1024];
  size_t n = strlen(tmp);
  char *dir = realloc(tmp, n + 8);
  strcpy(dir + n, "/store");
  pv_store s;
  if (pv_store_create(&s, dir, err, sizeof err) != PV_STORE_OK || pv_query_load(&s, nt_path, err, sizeof err) < 0) {
    fprintf(stderr, "fixture: %s\n", err);
    abort();
  }
  pv_store_close(&s);
  return dir;
}

void remove_store(char *dir)
{
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
  rmdir(dir);
  char *slash = strrchr(dir, '/');
  *slash = 0;
  rmdir(dir); /* the temporary directory around it */
  free(dir);
}

static char *pipeline_dir;

void pipeline_build(void) { pipeline_dir = build_store(QUERY_FIXTURES "/pipeline.nt"); }

void pipeline_remove(void)
{
  remove_store(pipeline_dir);
  pipeline_dir = NULL;
}

pv_store *pipeline_store(void)
{
  static pv_store s;
  static int open;
  char err[1024];
  if (!open && pv_store_open(&s, pipeline_dir, 0, err, sizeof err) != PV_STORE_OK) {
    fprintf(stderr, "fixture: %s\n", err);
    abort();
  }
  open = 1;
  return &s;
}

FILE *capture_begin(captured *c)
{
  memset(c, 0, sizeof *c);
  c->f = open_memstream(&c->text, &c->len);
  return c->f;
}

char *capture_end(captured *c)
{
  fclose(c->f);
  return c->text;
}

int count_lines_with(const char *text, const char *needle)
{
  int n = 0;
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    char *copy = strndup(line, len);
    n += strstr(copy, needle) != NULL;
    free(copy);
    line = end ? end + 1 : NULL;
  }
  return n;
}

char *lineage_tsv(const char *target, enum pv_lineage_dir dir, int depth, int all)
{
  captured c;
  char err[1024] = "";
  pv_walk w = {dir, depth, all};
  int rc = pv_query_lineage(pipeline_store(), target, &w, PV_FMT_TSV, capture_begin(&c), err, sizeof err);
  char *out = capture_end(&c);
  if (rc != PV_EXIT_OK) {
    fprintf(stderr, "lineage %s: %s\n", target, err);
    abort();
  }
  return out;
}

/* The lexical form of a SPARQL TSV term: a quoted literal unescaped, a
 * bare one (an integer) as it is. */
static char *tsv_value(const char *f)
{
  char *v = strdup(f), *o = v;
  if (*f != '"') return v;
  for (f++; *f && *f != '"'; f++) {
    if (*f != '\\') {
      *o++ = *f;
      continue;
    }
    f++;
    if (*f == 'u') {
      unsigned c;
      sscanf(f + 1, "%4X", &c);
      if (c < 0x80) *o++ = (char)c; /* control characters only, in our output */
      else o += sprintf(o, "\xef\xbf\xbd");
      f += 4;
    } else {
      *o++ = *f == 'n' ? '\n' : *f == 't' ? '\t' : *f == 'r' ? '\r' : *f;
    }
  }
  *o = 0;
  return v;
}

int tsv_level(const char *tsv, const char *kind, const char *name, const char *detail)
{
  const char *line = strchr(tsv, '\n'); /* after the header */
  while (line && *++line) {
    char *row = strndup(line, strcspn(line, "\n")), *rest = row, *f[4];
    for (int i = 0; i < 4; i++) f[i] = strsep(&rest, "\t"); /* keeps empty fields */
    int level = -1;
    if (f[3]) {
      char *k = tsv_value(f[1]), *n = tsv_value(f[2]), *d = tsv_value(f[3]);
      if (strcmp(k, kind) == 0 && strcmp(n, name) == 0 && (!detail || strstr(d, detail))) level = atoi(f[0]);
      free(k);
      free(n);
      free(d);
    }
    free(row);
    if (level >= 0) return level;
    line = strchr(line, '\n');
  }
  return -1;
}

int tsv_rows(const char *tsv) { return count_lines_with(tsv, "\t") - 1; }

char **tsv_iris(const char *tsv)
{
  char **v = calloc(1, sizeof *v);
  size_t n = 0;
  for (const char *line = strchr(tsv, '\n'); line && *++line; line = strchr(line, '\n')) {
    char *row = strndup(line, strcspn(line, "\n")), *rest = row, *f = NULL;
    for (int i = 0; i < 7; i++) f = strsep(&rest, "\t"); /* ?iri, the 7th column: <...> */
    if (f && f[0] == '<') {
      v = realloc(v, (n + 2) * sizeof *v);
      v[n++] = strndup(f + 1, strlen(f) - 2);
      v[n] = NULL;
    }
    free(row);
  }
  return v;
}

void free_strings(char **v)
{
  for (size_t i = 0; v && v[i]; i++) free(v[i]);
  free(v);
}
