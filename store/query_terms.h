/* query_terms.h - the vocabulary of docs/model.md as ready librdf nodes, and
 * small readers over the model.  Lineage, stats and runs walk the graph
 * through these (no SPARQL per step: Rasqal has no property paths, and a
 * lookup through librdf is ~20x cheaper than a query). */
#ifndef PROVIO_QUERY_TERMS_H
#define PROVIO_QUERY_TERMS_H

#include <librdf.h>
#include <stddef.h>
#include <stdint.h>

#include "query_index.h"
#include "store.h"

#define PV_TERMS(X)                                                                          \
  X(TYPE, PV_NS_RDF, "type")                                                                \
  X(USED, PV_NS_PROV, "used")                                                               \
  X(GENERATED_BY, PV_NS_PROV, "wasGeneratedBy")                                             \
  X(GENERATED_AT, PV_NS_PROV, "generatedAtTime")                                            \
  X(DERIVED_FROM, PV_NS_PROV, "wasDerivedFrom")                                             \
  X(REVISION_OF, PV_NS_PROV, "wasRevisionOf")                                               \
  X(SPECIALIZATION_OF, PV_NS_PROV, "specializationOf")                                      \
  X(ASSOCIATED_WITH, PV_NS_PROV, "wasAssociatedWith")                                       \
  X(INFORMED_BY, PV_NS_PROV, "wasInformedBy")                                               \
  X(STARTED_AT, PV_NS_PROV, "startedAtTime")                                                \
  X(ENDED_AT, PV_NS_PROV, "endedAtTime")                                                    \
  X(PART_OF, PV_NS_PROVIO, "partOf")                                                        \
  X(FILE, PV_NS_PROVIO, "file")                                                             \
  X(BYTES_READ, PV_NS_PROVIO, "bytesRead")                                                  \
  X(BYTES_WRITTEN, PV_NS_PROVIO, "bytesWritten")                                            \
  X(READS, PV_NS_PROVIO, "reads")                                                           \
  X(WRITES, PV_NS_PROVIO, "writes")                                                         \
  X(META_OPS, PV_NS_PROVIO, "metaOps")                                                      \
  X(READ_TIME, PV_NS_PROVIO, "readTime")                                                    \
  X(WRITE_TIME, PV_NS_PROVIO, "writeTime")                                                  \
  X(META_TIME, PV_NS_PROVIO, "metaTime")                                                    \
  X(API, PV_NS_PROVIO, "api")                                                               \
  X(LIBRARY_INTERNAL, PV_NS_PROVIO, "libraryInternal")                                      \
  X(COMMAND_LINE, PV_NS_PROVIO, "commandLine")                                              \
  X(HOST, PV_NS_PROVIO, "host")                                                             \
  X(PID, PV_NS_PROVIO, "pid")                                                               \
  X(PPID, PV_NS_PROVIO, "ppid")                                                             \
  X(RANK, PV_NS_PROVIO, "rank")                                                             \
  X(WORLD_SIZE, PV_NS_PROVIO, "worldSize")                                                  \
  X(EXIT_STATUS, PV_NS_PROVIO, "exitStatus")                                                \
  X(ENDED_BY, PV_NS_PROVIO, "endedBy")                                                      \
  X(EXECUTABLE, PV_NS_PROVIO, "executable")                                                 \
  X(PART_OF_JOB, PV_NS_PROVIO, "partOfJob")                                                 \
  X(JOB_ID, PV_NS_PROVIO, "jobId")                                                          \
  X(FORKED_FROM, PV_NS_PROVIO, "forkedFrom")                                                \
  X(EXECED_FROM, PV_NS_PROVIO, "execedFrom")                                                \
  X(MEMBER, PV_NS_PROVIO, "member")                                                          \
  X(ENVIRONMENT, PV_NS_PROVIO, "environment")                                                \
  X(IN_FILE, PV_NS_PROVIO, "inFile")                                                         \
  X(PEER_RANK, PV_NS_PROVIO, "peerRank")                                                     \
  X(READS_PIPE, PV_NS_PROVIO, "readsPipe")                                                  \
  X(WRITES_PIPE, PV_NS_PROVIO, "writesPipe")                                                \
  X(SESSIONS, PV_NS_PROVIO, "sessions")                                                     \
  X(C_PATH_QUERIES, PV_NS_PROVIO, "PathQueries")                                            \
  X(SETTING, PV_NS_PROVIO, "setting")                                                       \
  X(KEY, PV_NS_PROVIO, "key")                                                               \
  X(VALUE, PV_NS_PROVIO, "value")                                                           \
  X(GROUP, PV_NS_PROVIO, "group")                                                           \
  X(LABEL, PV_NS_PROVIO, "label")                                                           \
  X(METRIC, PV_NS_PROVIO, "metric")                                                         \
  X(MEASURED, PV_NS_PROVIO, "measured")                                                     \
  X(STEP, PV_NS_PROVIO, "step")                                                             \
  X(CONFIG_FILE, PV_NS_PROVIO, "configFile")                                                \
  X(CHECKPOINT_OF, PV_NS_PROVIO, "checkpointOf")                                            \
  X(AT_TIME, PV_NS_PROV, "atTime")                                                          \
  X(ENTITY, PV_NS_PROV, "entity")                                                           \
  X(C_CHECKPOINT, PV_NS_PROVIO, "Checkpoint")                                               \
  X(C_FILE, PV_NS_PROVIO, "File")                                                           \
  X(C_FILE_VERSION, PV_NS_PROVIO, "FileVersion")                                            \
  X(C_HDF5_OBJECT, PV_NS_PROVIO, "Hdf5Object")                                              \
  X(C_HDF5_VERSION, PV_NS_PROVIO, "Hdf5ObjectVersion")                                      \
  X(C_PROCESS, PV_NS_PROVIO, "Process")                                                     \
  X(C_PROGRAM, PV_NS_PROVIO, "Program")                                                     \
  X(C_RANK, PV_NS_PROVIO, "Rank")                                                           \
  X(C_USER, PV_NS_PROVIO, "User")                                                           \
  X(C_THREAD, PV_NS_PROVIO, "Thread")                                                       \
  X(C_JOB, PV_NS_PROVIO, "Job")                                                             \
  X(C_FILE_ACCESS, PV_NS_PROVIO, "FileAccess")                                              \
  X(C_MESSAGE, PV_NS_PROVIO, "Message")                                                     \
  X(C_EXCHANGE, PV_NS_PROVIO, "Exchange")                                                   \
  X(C_ACTIVITY, PV_NS_PROV, "Activity")                                                     \
  X(C_AGENT, PV_NS_PROV, "Agent")                                                           \
  X(C_SOFTWARE_AGENT, PV_NS_PROV, "SoftwareAgent")                                          \
  X(C_PERSON, PV_NS_PROV, "Person")                                                         \
  X(C_ENTITY, PV_NS_PROV, "Entity")

#define PV_TERM_ENUM(id, ns, local) PV_T_##id,
enum pv_term_id { PV_TERMS(PV_TERM_ENUM) PV_T_COUNT };
#undef PV_TERM_ENUM

/* What a node is, from its rdf:type (most specific class wins). */
enum pv_kind {
  PV_K_OTHER,
  PV_K_FILE_VERSION,
  PV_K_HDF5_VERSION,
  PV_K_HDF5_OBJECT,
  PV_K_FILE,
  PV_K_PROCESS,
  PV_K_PROGRAM,
  PV_K_RANK,
  PV_K_USER,
  PV_K_THREAD,
  PV_K_JOB,
  PV_K_ACTIVITY,
  PV_K_AGENT,
  PV_K_ENTITY,
  PV_K_MESSAGE,
  PV_K_EXCHANGE,
};

/* A model that is a cache of a server store (remote_query.h): every
 * reader below first asks it to bring in what the lookup reads, so the
 * commands run unchanged on it and answer as on the whole store. */
typedef struct pv_store_fill {
  /* Every triple of subject; or of every subject with (predicate, object);
   * or, object NULL too, of every subject with predicate. */
  void (*need)(struct pv_store_fill *f, librdf_node *subject, librdf_node *predicate, librdf_node *object);
  /* A walk from target is about to start (lineage.h): what it may reach
   * is brought in at once rather than a lookup at a time. */
  void (*walk)(struct pv_store_fill *f, librdf_node *target, int forward, int depth, int from_process);
} pv_store_fill;

typedef struct pv_q {
  librdf_world *world;
  librdf_model *model;
  librdf_node *t[PV_T_COUNT];
  /* The kinds of agents seen (IRI -> enum pv_kind): the program and user
   * of thousands of processes are the same few agents. */
  pv_index agent_kinds;
  pv_store_fill *fill; /* the store's, or NULL */
  /* The store's (subject, predicate) -> object file, read directly for
   * pv_q_arcs_of, and the terms encoded as its keys hold them; NULL
   * where only Redland's lookups can answer (several segments, a server). */
  void *sp2o;
  unsigned char *key_term[PV_T_COUNT];
  size_t key_term_len[PV_T_COUNT];
  /* Objects pv_q_arcs_of decoded, by their stored bytes (direct-mapped,
   * PV_Q_DECODED slots, allocated at first use): the types, program, user
   * and host of thousands of processes are a few values, and decoding one
   * interns its IRI in a tree of every IRI seen. */
  struct pv_q_decoded *decoded;
} pv_q;
#define PV_Q_DECODED 1024

void pv_q_init(pv_q *q, pv_store *s);
void pv_q_free(pv_q *q);

/* The IRI of a resource node (NULL for literals and blank nodes). */
const char *pv_q_iri(librdf_node *n);
librdf_node *pv_q_node(pv_q *q, const char *iri);
/* Whether the store describes the node (has a type, or is used). */
int pv_q_known(pv_q *q, librdf_node *n);

/* The first object of (subject, term): a new node the caller frees, or NULL. */
librdf_node *pv_q_target(pv_q *q, librdf_node *subject, enum pv_term_id term);
/* The same as a malloc'd string (literal value or IRI), or NULL. */
char *pv_q_string(pv_q *q, librdf_node *subject, enum pv_term_id term);
/* Objects of a subject found for several terms at once: v[k].term is the
 * index of the term in the caller's list. */
typedef struct pv_q_arcs {
  size_t n, cap;
  struct pv_q_arc {
    size_t term;
    librdf_node *node;
  } *v;
} pv_q_arcs;
/* Every object of subject under each of terms[0..n) (bit i of `all` set),
 * or only the first (bit clear), appended to *a: one pass over the
 * subject's arcs where the store allows, a lookup per term otherwise. */
void pv_q_arcs_of(pv_q *q, librdf_node *subject, const enum pv_term_id *terms, size_t n, unsigned all,
                  pv_q_arcs *a);
/* Appends node (owned; NULL: nothing) under term index `term`. */
void pv_q_arcs_add(pv_q_arcs *a, size_t term, librdf_node *node);
/* The first object found for term index i, borrowed, or NULL. */
librdf_node *pv_q_arcs_first(const pv_q_arcs *a, size_t i);
void pv_q_arcs_free(pv_q_arcs *a);
/* The display name of the agent of kind k (PV_K_PROGRAM, PV_K_USER) among
 * the objects of term index `term` in a (a process's prov:wasAssociatedWith),
 * or NULL. */
char *pv_q_agent_name(pv_q *q, const pv_q_arcs *a, size_t term, enum pv_kind k);
/* A node's value as pv_q_string and pv_q_long give it (n may be NULL). */
char *pv_q_node_string(librdf_node *n);
int pv_q_node_long(librdf_node *n, int64_t *v);
/* An integer object; returns 0 and sets *v, or -1 if absent or not one. */
int pv_q_long(pv_q *q, librdf_node *subject, enum pv_term_id term, int64_t *v);
/* Whether an xsd:boolean property is true: provio:libraryInternal on a
 * session of a file an I/O library opened for itself (MPI's shared-memory
 * segments, lock tests: stats leave it out), provio:environment on a file
 * the environment read (lineage hides it). */
int pv_q_true(pv_q *q, librdf_node *subject, enum pv_term_id term);
/* The program a process ran (its executable, else its Program agent), as
 * a malloc'd name, or NULL; _in from arcs read already, whose term index
 * exe is provio:executable and agents prov:wasAssociatedWith. */
char *pv_q_program(pv_q *q, librdf_node *process);
char *pv_q_program_in(pv_q *q, const pv_q_arcs *a, size_t exe, size_t agents);
/* A job's name: its provio:jobId, else what its IRI says (malloc'd). */
char *pv_q_job_name(pv_q *q, const char *iri);
/* Iterators over objects of (subject, term) or subjects of (term, object). */
librdf_iterator *pv_q_targets(pv_q *q, librdf_node *subject, enum pv_term_id term);
librdf_iterator *pv_q_sources(pv_q *q, enum pv_term_id term, librdf_node *object);
/* The first subject of (term, object), a new node, or NULL. */
librdf_node *pv_q_source(pv_q *q, enum pv_term_id term, librdf_node *object);
/* Every statement with predicate term; the caller frees the stream, then
 * *pattern. */
librdf_stream *pv_q_statements(pv_q *q, enum pv_term_id term, librdf_statement **pattern);

enum pv_kind pv_q_kind(pv_q *q, librdf_node *n);
/* The kind of n from the rdf:type objects read into a under term index
 * `types` (pv_q_arcs_of): what pv_q_kind answers, without its lookup. */
enum pv_kind pv_q_kind_in(const pv_q *q, librdf_node *n, const pv_q_arcs *a, size_t types);
const char *pv_kind_name(enum pv_kind k);

/* The name a person knows a thing by, decoded from its IRI (docs/model.md,
 * "Identifiers"): a file as its path ("/p/x", or "host:/tmp/x" for a
 * node-local file), an HDF5 object as "PATH:/object", a program as its
 * path, a user or job by name; anything else is the IRI itself.  Returns a
 * malloc'd string of *len bytes (paths may hold any byte, even NUL). */
char *pv_display_name(const char *iri, size_t *len);

#endif
