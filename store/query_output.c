/* query_output.c - printing tables of RDF terms, and output escaping. */
#define _GNU_SOURCE /* qsort_r */
#include "query_output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serialize.h"
#include "vocab.h"

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

void pv_table_init(pv_table *t, size_t ncols, const char *const *names)
{
  memset(t, 0, sizeof *t);
  t->ncols = ncols;
  t->names = calloc(ncols ? ncols : 1, sizeof *t->names);
  for (size_t i = 0; i < ncols; i++) t->names[i] = strdup(names[i]);
}

pv_cell *pv_table_row(pv_table *t)
{
  if (t->nrows == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 64;
    t->cells = realloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
    if (!t->cells) abort();
  }
  pv_cell *row = t->cells + t->nrows++ * t->ncols;
  memset(row, 0, t->ncols * sizeof *row);
  return row;
}

void pv_cell_set(pv_cell *c, enum pv_cell_kind kind, const char *value, const char *datatype,
                 const char *lang)
{
  free(c->value);
  free(c->datatype);
  free(c->lang);
  c->kind = value ? kind : PV_CELL_UNBOUND;
  c->value = dup_or_null(value);
  c->datatype = value ? dup_or_null(datatype) : NULL;
  c->lang = value && lang && *lang ? strdup(lang) : NULL;
}

void pv_cell_string(pv_cell *c, const char *value) { pv_cell_set(c, PV_CELL_LITERAL, value, NULL, NULL); }
void pv_cell_iri(pv_cell *c, const char *iri) { pv_cell_set(c, PV_CELL_URI, iri, NULL, NULL); }

void pv_cell_time(pv_cell *c, const char *xsd_datetime)
{
  pv_cell_set(c, PV_CELL_LITERAL, xsd_datetime, PV_NS_XSD "dateTime", NULL);
}

void pv_cell_long(pv_cell *c, int64_t v)
{
  /* A computed count or sum is an integer, as SPARQL's own SUM gives */
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, v);
  pv_cell_set(c, PV_CELL_LITERAL, buf, PV_NS_XSD "integer", NULL);
}

void pv_cell_seconds(pv_cell *c, int64_t ns)
{
  char buf[48];
  uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
  snprintf(buf, sizeof buf, "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "", a / 1000000000u,
           a % 1000000000u / 1000u);
  pv_cell_set(c, PV_CELL_LITERAL, buf, PV_NS_XSD "decimal", NULL);
}

struct sort_ctx {
  int (*cmp)(const pv_cell *, const pv_cell *, size_t);
  size_t ncols;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
  const struct sort_ctx *ctx = arg;
  return ctx->cmp(a, b, ctx->ncols);
}

void pv_table_sort(pv_table *t, int (*cmp)(const pv_cell *a, const pv_cell *b, size_t ncols))
{
  /* A row is ncols contiguous cells: qsort moves whole rows. */
  struct sort_ctx ctx = {cmp, t->ncols};
  if (t->nrows > 1) qsort_r(t->cells, t->nrows, t->ncols * sizeof *t->cells, cmp_rows, &ctx);
}

void pv_table_free(pv_table *t)
{
  for (size_t i = 0; i < t->nrows * t->ncols; i++) pv_cell_set(&t->cells[i], PV_CELL_UNBOUND, NULL, NULL, NULL);
  for (size_t i = 0; i < t->ncols; i++) free(t->names[i]);
  free(t->names);
  free(t->cells);
  memset(t, 0, sizeof *t);
}

int pv_is_terminal(FILE *out) { return isatty(fileno(out)); }

void pv_put_utf8(FILE *out, const char *s, size_t n, int (*esc)(FILE *out, unsigned char c),
                 const char *invalid, size_t max)
{
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0, shown = 0; i < n; shown++) {
    if (shown == max) {
      fputs("...", out);
      return;
    }
    size_t len = u[i] < 0x80 ? 1 : pv_utf8_seq_len(u + i, n - i);
    if (len == 1 && u[i] < 0x80) {
      if (!esc(out, u[i])) putc(u[i], out);
    } else if (len) {
      fwrite(u + i, 1, len, out);
    } else if (invalid) {
      fputs(invalid, out);
    } else {
      fprintf(out, "\\x%02X", u[i]);
    }
    i += len ? len : 1;
  }
}

static int json_escape(FILE *out, unsigned char c)
{
  static const char short_esc[] = {['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\b'] = 'b', ['\f'] = 'f',
                                   ['"'] = '"', ['\\'] = '\\'};
  if (c < sizeof short_esc && short_esc[c]) fprintf(out, "\\%c", short_esc[c]);
  else if (c < 0x20 || c == 0x7F) fprintf(out, "\\u%04x", c);
  else return 0;
  return 1;
}

void pv_json_string(FILE *out, const char *s, size_t n)
{
  putc('"', out);
  pv_put_utf8(out, s, n, json_escape, "\\ufffd", SIZE_MAX);
  putc('"', out);
}

static int text_escape(FILE *out, unsigned char c)
{
  if (c == '\\') fputs("\\\\", out);
  else if (c < 0x20 || c == 0x7F) fprintf(out, "\\x%02X", c);
  else return 0;
  return 1;
}

void pv_put_escaped(FILE *out, const char *s, size_t n) { pv_put_utf8(out, s, n, text_escape, NULL, SIZE_MAX); }

size_t pv_unescape_text(char *out, const char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') {
      out[o++] = '\\';
      i++;
    } else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && sscanf(s + i + 2, "%2X", &v) == 1 &&
               strchr("0123456789ABCDEF", s[i + 2]) && strchr("0123456789ABCDEF", s[i + 3])) {
      out[o++] = (char)v;
      i += 3;
    } else if (s[i] == '\\') {
      return (size_t)-1;
    } else {
      out[o++] = s[i];
    }
  }
  return o;
}

/* SPARQL 1.1 TSV results write terms as Turtle does. */
static int turtle_string_escape(FILE *out, unsigned char c)
{
  static const char short_esc[] = {['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['"'] = '"', ['\\'] = '\\'};
  if (c < sizeof short_esc && short_esc[c]) fprintf(out, "\\%c", short_esc[c]);
  else if (c < 0x20 || c == 0x7F) fprintf(out, "\\u%04X", c);
  else return 0;
  return 1;
}

static int iri_escape(FILE *out, unsigned char c)
{
  if (c > 0x20 && c != 0x7F && !strchr("<>\"{}|^`\\", c)) return 0;
  fprintf(out, "\\u%04X", c);
  return 1;
}

/* Whether a literal can be written bare: Turtle's own forms of integer,
 * decimal, double and boolean. */
static int turtle_bare(const pv_cell *c)
{
  size_t nl = sizeof PV_NS_XSD - 1;
  if (!c->datatype || strncmp(c->datatype, PV_NS_XSD, nl) != 0) return 0;
  const char *t = c->datatype + nl, *v = c->value;
  if (strcmp(t, "boolean") == 0) return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
  int is_int = strcmp(t, "integer") == 0, is_dec = strcmp(t, "decimal") == 0, is_dbl = strcmp(t, "double") == 0;
  if (!is_int && !is_dec && !is_dbl) return 0;
  if (*v == '+' || *v == '-') v++;
  size_t before = strspn(v, "0123456789"), after = 0;
  v += before;
  if (*v == '.') {
    after = strspn(v + 1, "0123456789");
    v += 1 + after;
  }
  if (is_int) return before && !*v && !after && !strchr(c->value, '.');
  if (is_dec) return after && !*v;
  if ((!before && !after) || (*v != 'e' && *v != 'E')) return 0;
  v++;
  if (*v == '+' || *v == '-') v++;
  return *v && strspn(v, "0123456789") == strlen(v);
}

static void put_turtle_term(FILE *out, const pv_cell *c)
{
  switch (c->kind) {
  case PV_CELL_UNBOUND:
    return;
  case PV_CELL_URI:
    putc('<', out);
    pv_put_utf8(out, c->value, strlen(c->value), iri_escape, "\\uFFFD", SIZE_MAX);
    putc('>', out);
    return;
  case PV_CELL_BNODE:
    fprintf(out, "_:%s", c->value);
    return;
  case PV_CELL_LITERAL:
    if (turtle_bare(c)) {
      fputs(c->value, out);
      return;
    }
    putc('"', out);
    pv_put_utf8(out, c->value, strlen(c->value), turtle_string_escape, "\\uFFFD", SIZE_MAX);
    putc('"', out);
    if (c->lang) fprintf(out, "@%s", c->lang);
    else if (c->datatype && strcmp(c->datatype, PV_NS_XSD "string") != 0) {
      fputs("^^<", out);
      pv_put_utf8(out, c->datatype, strlen(c->datatype), iri_escape, "\\uFFFD", SIZE_MAX);
      putc('>', out);
    }
    return;
  }
}

/* Terms of our own namespaces read better as prefixed names in a table. */
static const struct { const char *prefix, *ns; } known_ns[] = {
    {"rdf:", PV_NS_RDF}, {"rdfs:", "http://www.w3.org/2000/01/rdf-schema#"}, {"xsd:", PV_NS_XSD},
    {"prov:", PV_NS_PROV}, {"provio:", PV_NS_PROVIO},
};

static void put_cell(FILE *out, const pv_cell *c, enum pv_format fmt)
{
  if (c->kind == PV_CELL_UNBOUND) return;
  const char *v = c->value;
  if (fmt == PV_FMT_TABLE && c->kind == PV_CELL_URI)
    for (size_t i = 0; i < sizeof known_ns / sizeof known_ns[0]; i++) {
      size_t nl = strlen(known_ns[i].ns);
      if (strncmp(v, known_ns[i].ns, nl) == 0 && v[nl]) {
        fputs(known_ns[i].prefix, out);
        v += nl;
        break;
      }
    }
  if (fmt == PV_FMT_TABLE && c->kind == PV_CELL_BNODE) fputs("_:", out);
  if (fmt == PV_FMT_CSV) {
    if (!strpbrk(v, ",\"\r\n")) {
      fputs(v, out);
      return;
    }
    putc('"', out);
    for (; *v; v++) {
      if (*v == '"') putc('"', out);
      putc(*v, out);
    }
    putc('"', out);
    return;
  }
  pv_put_escaped(out, v, strlen(v));
}

static int is_numeric(const pv_cell *c)
{
  static const char *const types[] = {"integer", "long", "int", "short", "byte", "decimal",
                                      "double", "float", "nonNegativeInteger", "unsignedLong"};
  size_t nl = sizeof PV_NS_XSD - 1;
  if (c->kind != PV_CELL_LITERAL || !c->datatype || strncmp(c->datatype, PV_NS_XSD, nl) != 0) return 0;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcmp(c->datatype + nl, types[i]) == 0) return 1;
  return 0;
}

/* Display width: code points (continuation bytes take no column). */
static size_t text_width(const char *s, size_t n)
{
  size_t w = 0;
  for (size_t i = 0; i < n; i++) w += ((unsigned char)s[i] & 0xC0) != 0x80;
  return w;
}

static char *render(const pv_cell *c, size_t *width)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  put_cell(m, c, PV_FMT_TABLE);
  fclose(m);
  *width = text_width(buf, len);
  return buf;
}

static void print_aligned(const pv_table *t, FILE *out)
{
  size_t n = t->nrows * t->ncols;
  char **text = malloc((n ? n : 1) * sizeof *text);
  size_t *tw = malloc((n ? n : 1) * sizeof *tw), *colw = calloc(t->ncols, sizeof *colw);
  for (size_t j = 0; j < t->ncols; j++) colw[j] = text_width(t->names[j], strlen(t->names[j]));
  for (size_t i = 0; i < n; i++) {
    text[i] = render(&t->cells[i], &tw[i]);
    if (tw[i] > colw[i % t->ncols]) colw[i % t->ncols] = tw[i];
  }
  for (size_t j = 0; j < t->ncols; j++)
    fprintf(out, "%s%-*s", j ? "  " : "", j + 1 < t->ncols ? (int)colw[j] : 0, t->names[j]);
  putc('\n', out);
  for (size_t j = 0; j < t->ncols; j++) {
    fputs(j ? "  " : "", out);
    for (size_t k = 0; k < colw[j]; k++) putc('-', out);
  }
  putc('\n', out);
  char *line = NULL;
  size_t cap = 0;
  for (size_t r = 0; r < t->nrows; r++) {
    FILE *m = open_memstream(&line, &cap);
    for (size_t j = 0; j < t->ncols; j++) {
      size_t i = r * t->ncols + j, pad = colw[j] - tw[i];
      int num = is_numeric(&t->cells[i]);
      fprintf(m, "%s%*s%s%*s", j ? "  " : "", num ? (int)pad : 0, "", text[i], num ? 0 : (int)pad, "");
    }
    fclose(m);
    size_t len = strlen(line);
    while (len && line[len - 1] == ' ') len--; /* empty trailing cells */
    fwrite(line, 1, len, out);
    putc('\n', out);
  }
  free(line);
  for (size_t i = 0; i < n; i++) free(text[i]);
  free(text);
  free(tw);
  free(colw);
}

static void print_json(const pv_table *t, FILE *out)
{
  fputs("{\"head\":{\"vars\":[", out);
  for (size_t j = 0; j < t->ncols; j++) {
    if (j) putc(',', out);
    pv_json_string(out, t->names[j], strlen(t->names[j]));
  }
  fputs("]},\"results\":{\"bindings\":[", out);
  for (size_t r = 0; r < t->nrows; r++) {
    fputs(r ? ",\n{" : "\n{", out);
    int first = 1;
    for (size_t j = 0; j < t->ncols; j++) {
      const pv_cell *c = &t->cells[r * t->ncols + j];
      if (c->kind == PV_CELL_UNBOUND) continue;
      static const char *const kinds[] = {"", "uri", "bnode", "literal"};
      if (!first) putc(',', out);
      first = 0;
      pv_json_string(out, t->names[j], strlen(t->names[j]));
      fprintf(out, ":{\"type\":\"%s\",\"value\":", kinds[c->kind]);
      pv_json_string(out, c->value, strlen(c->value));
      if (c->datatype) {
        fputs(",\"datatype\":", out);
        pv_json_string(out, c->datatype, strlen(c->datatype));
      }
      if (c->lang) {
        fputs(",\"xml:lang\":", out);
        pv_json_string(out, c->lang, strlen(c->lang));
      }
      putc('}', out);
    }
    putc('}', out);
  }
  fputs("\n]}}\n", out);
}

int pv_table_print(const pv_table *t, enum pv_format fmt, FILE *out)
{
  if (fmt == PV_FMT_JSON) {
    print_json(t, out);
  } else if (fmt == PV_FMT_TABLE) {
    print_aligned(t, out);
  } else if (fmt == PV_FMT_TSV) {
    for (size_t j = 0; j < t->ncols; j++) fprintf(out, "%s?%s", j ? "\t" : "", t->names[j]);
    putc('\n', out);
    for (size_t r = 0; r < t->nrows; r++) {
      for (size_t j = 0; j < t->ncols; j++) {
        if (j) putc('\t', out);
        put_turtle_term(out, &t->cells[r * t->ncols + j]);
      }
      putc('\n', out);
    }
  } else {
    for (size_t j = 0; j < t->ncols; j++) {
      if (j) putc(',', out);
      pv_cell name = {PV_CELL_LITERAL, t->names[j], NULL, NULL};
      put_cell(out, &name, fmt);
    }
    fputs("\r\n", out);
    for (size_t r = 0; r < t->nrows; r++) {
      for (size_t j = 0; j < t->ncols; j++) {
        if (j) putc(',', out);
        put_cell(out, &t->cells[r * t->ncols + j], fmt);
      }
      fputs("\r\n", out);
    }
  }
  return fflush(out) == 0 && !ferror(out) ? PV_EXIT_OK : PV_EXIT_ERROR;
}

int pv_print_boolean(int yes, enum pv_format fmt, FILE *out)
{
  if (fmt == PV_FMT_JSON)
    fprintf(out, "{\"head\":{},\"boolean\":%s}\n", yes ? "true" : "false");
  else
    fprintf(out, "%s\n", yes ? "true" : "false");
  return fflush(out) == 0 && !ferror(out) ? PV_EXIT_OK : PV_EXIT_ERROR;
}
