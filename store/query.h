/* query.h - stage 3: answering questions about a store (prov-query).
 *
 * Each command writes its answer to a stream and returns one of the exit
 * statuses below, which prov-query passes on as its exit code; on failure
 * err holds one line (no newline) for the user.  User input (paths, object
 * names, IRIs) reaches the store through librdf node calls only and is never
 * pasted into query text. */
#ifndef PROVIO_QUERY_H
#define PROVIO_QUERY_H

#include <stdio.h>

#include "store.h"

enum pv_query_exit {
  PV_EXIT_OK = 0,
  PV_EXIT_ERROR = 1,       /* Redland failed, output could not be written */
  PV_EXIT_USAGE = 2,       /* bad command line */
  PV_EXIT_NO_STORE = 3,    /* the store directory does not exist */
  PV_EXIT_FOREIGN = 4,     /* a directory that is not a provio store */
  PV_EXIT_BAD_QUERY = 5,   /* SPARQL that does not parse or Rasqal cannot run */
  PV_EXIT_NO_TARGET = 6,   /* the lineage/impact/config target is not in the store */
  PV_EXIT_DAMAGED = 7,     /* the store's files are not what its last merge left */
};

enum pv_format {
  PV_FMT_TABLE, /* aligned columns for people */
  PV_FMT_TSV,   /* W3C SPARQL 1.1 TSV: ?names, then terms as in Turtle */
  PV_FMT_CSV,   /* RFC 4180 (the W3C SPARQL CSV results format) */
  PV_FMT_JSON,  /* W3C SPARQL 1.1 JSON results; lineage: its own object */
  PV_FMT_TEXT,  /* lineage: one ancestor per line */
  PV_FMT_DOT,   /* lineage: a Graphviz digraph */
};

/* The prefixes every SPARQL query gets, one per line of PV_QUERY_PROLOGUE. */
#define PV_QUERY_PROLOGUE                                      \
  "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> " \
  "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "      \
  "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "           \
  "PREFIX prov: <http://www.w3.org/ns/prov#> "                 \
  "PREFIX provio: <https://w3id.org/provio/ns#>\n"

/* Opens a store read-only with the status mapped to an exit code. */
int pv_query_open(pv_store *s, const char *dir, char *err, size_t errlen);

/* Runs SPARQL (SELECT, ASK, CONSTRUCT) with the prologue's prefixes.
 * SELECT and ASK print in fmt (table, tsv, csv, json); CONSTRUCT prints
 * N-Triples whatever fmt is. */
int pv_query_sparql(pv_store *s, const char *query, enum pv_format fmt, FILE *out, char *err,
                    size_t errlen);

enum pv_lineage_dir { PV_BACKWARD, PV_FORWARD };

/* What a lineage or impact walk covers. */
typedef struct pv_walk {
  enum pv_lineage_dir dir; /* backward: what target came from; forward: what came from it */
  int depth;               /* at most this many levels; < 0: all */
  int all;                 /* also the environment (provio:environment files), else hidden */
} pv_walk;

/* lineage and impact of target (resolved by pv_lineage_resolve, lineage.h).
 * fmt: text, tsv, json or dot. */
int pv_query_lineage(pv_store *s, const char *target, const pv_walk *w, enum pv_format fmt, FILE *out,
                     char *err, size_t errlen);

enum pv_stats_by { PV_BY_PROGRAM, PV_BY_FILE, PV_BY_RANK, PV_BY_HOST };

/* Bytes, call counts and time inside I/O calls per program, file, rank or
 * host, largest first.  Sums are 64-bit and computed here, not in SPARQL:
 * Rasqal's integers are C ints. */
int pv_query_stats(pv_store *s, enum pv_stats_by by, enum pv_format fmt, FILE *out, char *err,
                   size_t errlen);

/* The jobs in the store (job == NULL), or the processes of one job. */
int pv_query_runs(pv_store *s, const char *job, enum pv_format fmt, FILE *out, char *err,
                  size_t errlen);

/* What the processes in each target's lineage recorded about their run
 * (settings, labels, metrics, configuration files) and the checkpoints
 * among its versions: one table, the targets in the order given. */
int pv_query_config(pv_store *s, char *const *targets, int ntargets, enum pv_format fmt, FILE *out, char *err,
                    size_t errlen);

/* Metric series: of every process (run NULL), of a job's processes (run:
 * its id or IRI), else of the processes in run's lineage (a target);
 * name: only that metric. */
int pv_query_metrics(pv_store *s, const char *run, const char *name, enum pv_format fmt, FILE *out, char *err,
                     size_t errlen);

#endif
