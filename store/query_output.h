/* query_output.h - tables of RDF terms printed as table, TSV, CSV or W3C
 * SPARQL JSON, and the escaping every prov-query output needs.  SPARQL
 * results, stats, runs and config all go through one table so that their
 * formats agree. */
#ifndef PROVIO_QUERY_OUTPUT_H
#define PROVIO_QUERY_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "query.h"

enum pv_cell_kind { PV_CELL_UNBOUND, PV_CELL_URI, PV_CELL_BNODE, PV_CELL_LITERAL };

typedef struct pv_cell {
  enum pv_cell_kind kind;
  char *value;    /* IRI, blank node label or lexical form */
  char *datatype; /* literal datatype IRI, or NULL */
  char *lang;     /* literal language tag, or NULL */
} pv_cell;

typedef struct pv_table {
  size_t ncols, nrows, cap;
  char **names;
  pv_cell *cells; /* nrows * ncols, row-major */
} pv_table;

void pv_table_init(pv_table *t, size_t ncols, const char *const *names);
/* A new row of ncols unbound cells. */
pv_cell *pv_table_row(pv_table *t);
/* Setters copy their arguments; value NULL leaves the cell unbound. */
void pv_cell_set(pv_cell *c, enum pv_cell_kind kind, const char *value, const char *datatype,
                 const char *lang);
void pv_cell_string(pv_cell *c, const char *value);
void pv_cell_iri(pv_cell *c, const char *iri);
void pv_cell_long(pv_cell *c, int64_t v);
void pv_cell_time(pv_cell *c, const char *xsd_datetime);
void pv_cell_seconds(pv_cell *c, int64_t ns); /* xsd:decimal seconds, 6 decimals */
/* Sorts rows by cmp on whole rows (qsort contract). */
void pv_table_sort(pv_table *t, int (*cmp)(const pv_cell *a, const pv_cell *b, size_t ncols));
/* Prints as table, tsv, csv or json; returns PV_EXIT_OK or PV_EXIT_ERROR
 * if the stream failed. */
int pv_table_print(const pv_table *t, enum pv_format fmt, FILE *out);
void pv_table_free(pv_table *t);

/* An ASK answer: true or false, or W3C SPARQL JSON's boolean object. */
int pv_print_boolean(int yes, enum pv_format fmt, FILE *out);

/* Text for a format that must be valid UTF-8: each ASCII byte through esc
 * (which writes it escaped and returns 1, or returns 0 to keep it), valid
 * UTF-8 sequences as they are, each invalid byte as `invalid` (NULL:
 * as \xHH, keeping the byte); after max
 * characters, "..." instead of the rest. */
void pv_put_utf8(FILE *out, const char *s, size_t n, int (*esc)(FILE *out, unsigned char c),
                 const char *invalid, size_t max);

/* A JSON string (with quotes): exact for valid UTF-8, each invalid byte
 * becomes U+FFFD since JSON text is Unicode. */
void pv_json_string(FILE *out, const char *s, size_t n);

/* A name for a line of text: \\ for a backslash, \xHH for control bytes
 * and bytes that are not UTF-8, so that the line is unambiguous and
 * pv_unescape_text gives back the exact bytes. */
void pv_put_escaped(FILE *out, const char *s, size_t n);

/* Undoes pv_put_escaped into out (room for n bytes); returns the length,
 * or (size_t)-1 if s has a backslash that is no such escape. */
size_t pv_unescape_text(char *out, const char *s, size_t n);

/* Whether out goes to a terminal (the default format depends on it). */
int pv_is_terminal(FILE *out);

#endif
