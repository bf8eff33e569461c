/* lineage.h - walking provenance backward (lineage) and forward (impact).
 *
 * The walk is breadth-first over librdf node lookups with a visited set,
 * so every node is listed once, at the smallest number of steps from the
 * target (its level).  It follows the edges prov-merge derived (it
 * computes no timing of its own); which ones, and why, is in
 * docs/prov-query.md ("How lineage is walked"). */
#ifndef PROVIO_LINEAGE_H
#define PROVIO_LINEAGE_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "query_index.h"
#include "query_terms.h"

/* How two nodes are linked; an edge always points the PROV way (from the
 * later thing to the earlier: entity -> activity that generated it,
 * derived -> source, process -> what it used, child -> parent process). */
enum pv_link {
  PV_L_GENERATED_BY,  /* prov:wasGeneratedBy (a joint version: each contributor) */
  PV_L_DERIVED_FROM,  /* prov:wasDerivedFrom */
  PV_L_REVISION_OF,   /* prov:wasRevisionOf */
  PV_L_USED,          /* prov:used */
  PV_L_FORKED_FROM,   /* provio:forkedFrom */
  PV_L_EXECED_FROM,   /* provio:execedFrom */
  PV_L_STARTED_BY,    /* prov:wasInformedBy, from the parent process */
  PV_L_PIPE,          /* prov:wasInformedBy, reader of the writer's pipe */
  PV_L_COUNT
};

/* What describes a process and links it to the processes that started it,
 * read in one pass over its arcs (store permitting). */
typedef struct pv_process_facts {
  int has_pid, has_ppid, has_rank, has_exit;
  int64_t pid, ppid, rank, exit;
  char *host, *program, *user, *command, *reads_pipe;
  pv_q_arcs parents; /* its forkedFrom, execedFrom and wasInformedBy objects */
} pv_process_facts;
typedef struct pv_lin_node {
  librdf_node *node;
  char *key;          /* IRI (or _:label): the visited-set key */
  enum pv_kind kind;
  int level;
  size_t via;         /* edge that first reached it; SIZE_MAX for a target */
  /* A process the walk reached as a process (a generator, a reader, a
   * parent or child: the thousands of ranks of an N-1 file): its facts,
   * read once for both the walk and the printer, which saves five lookups
   * a rank.  NULL for any other node. */
  pv_process_facts *facts;
} pv_lin_node;

typedef struct pv_lin_edge {
  size_t from, to;    /* node indexes, PROV direction */
  enum pv_link link;
} pv_lin_edge;

typedef struct pv_lineage {
  pv_walk walk;
  pv_lin_node *nodes;
  size_t n, cap;
  pv_lin_edge *edges;
  size_t ne, ecap;
  size_t *edge_set;   /* open addressing over edges: 1 + index, 0 free */
  size_t edge_mask;
  pv_index visited;   /* key -> node index (or a mark: hidden environment) */
} pv_lineage;

/* Finds what TARGET names: an IRI (<...>, file://, urn:, http(s)://), a path
 * (absolute or relative to the working directory, any bytes), PATH:/object
 * for an HDF5 object, or HOST:/path for a node-local file.  Ambiguous forms
 * are tried in that order against the store.  Returns PV_EXIT_OK and the
 * node (caller frees), or PV_EXIT_NO_TARGET. */
int pv_lineage_resolve(pv_q *q, const char *target, librdf_node **node, char *err, size_t errlen);

/* Walks from target as w says. */
void pv_lineage_walk(pv_q *q, librdf_node *target, const pv_walk *w, pv_lineage *out);
void pv_lineage_free(pv_lineage *l);
/* Reads the facts of process n into *f (caller frees them); returns its kind,
 * which its rdf:type arcs, read in the same pass, say.  For a node of
 * another kind *f stays empty. */
enum pv_kind pv_lineage_process_facts(pv_q *q, librdf_node *n, pv_process_facts *f);
void pv_process_facts_free(pv_process_facts *f);

/* Printing (lineage_output.c): text, tsv, json or dot. */
int pv_lineage_print(pv_q *q, const pv_lineage *l, enum pv_format fmt, FILE *out);

#endif
