/* query_fixture.h - stores for the prov-query unit tests, built from
 * N-Triples fixtures as they are, and output captured in memory. */
#ifndef PROVIO_TEST_QUERY_FIXTURE_H
#define PROVIO_TEST_QUERY_FIXTURE_H

#include <stdio.h>

#include "query.h"

/* tests/e2e/query/pipeline.nt: two jobs (a 2-rank MPI simulation, then a
 * shell script's decimate, cp, plot and a sort | uniq pipeline) as the
 * capture and prov-merge describe them in docs/model.md.  Built once per
 * test case (an unchecked fixture: pipeline_build / pipeline_remove), then
 * opened read-only in each test by pipeline_store, as prov-query opens it. */
void pipeline_build(void);
void pipeline_remove(void);
pv_store *pipeline_store(void);

/* A store built from an N-Triples file in a fresh temporary directory
 * (returned; remove it with remove_store). */
char *build_store(const char *nt_path);
void remove_store(char *dir);

/* Output of a query command, captured in memory. */
typedef struct captured {
  char *text;
  size_t len;
  FILE *f;
} captured;
FILE *capture_begin(captured *c);
char *capture_end(captured *c); /* NUL-terminated; free with free() */

/* How many lines of text contain needle. */
int count_lines_with(const char *text, const char *needle);

/* Lineage or impact as TSV (pv_query_lineage with PV_FMT_TSV, which must
 * succeed; all: the environment too) and the level of its row of that kind
 * and name whose detail contains detail (NULL: any), or -1; tsv_rows
 * counts its rows, tsv_iris lists its ?iri column as a NULL-terminated
 * array (free_strings frees it). */
char *lineage_tsv(const char *target, enum pv_lineage_dir dir, int depth, int all);
int tsv_level(const char *tsv, const char *kind, const char *name, const char *detail);
int tsv_rows(const char *tsv);
char **tsv_iris(const char *tsv);
void free_strings(char **v);

#endif
