/* derive_impl.h - the fact table and the deriver, shared by derive.c (the
 * I/O derivations) and derive_domain.c (those of the domain records:
 * configuration files, checkpoints, user classes and relations).  Not a
 * public interface: only these two files include it. */
#ifndef PROVIO_STORE_DERIVE_IMPL_H
#define PROVIO_STORE_DERIVE_IMPL_H

#include <stdint.h>
#include <string.h>

#include "derive.h"
#include "seen.h"
#include "vocab.h"

#define NONE (-1)

/* Node flags */
enum {
  F_ACCESS = 1 << 0,      /* rdf:type provio:FileAccess or provio:Hdf5Access */
  F_THREAD = 1 << 1,      /* rdf:type provio:Thread */
  F_COMPLETE = 1 << 2,    /* a merge saw the thread's files finished */
  F_INCOMPLETE = 1 << 3,  /* a merge saw them unfinished */
  F_ENDED = 1 << 4,       /* has provio:endedBy */
  F_EXEC = 1 << 5,        /* provio:endedBy "exec" */
  F_PID = 1 << 6,
  F_PPID = 1 << 7,
  F_START = 1 << 8,
  F_END = 1 << 9,
  F_GEN = 1 << 10,
  F_LITERAL = 1 << 11,    /* a string value (host, pipe), not an IRI */
  F_FIRST_READ = 1 << 12,
  F_LAST_READ = 1 << 13,
  F_FIRST_WRITE = 1 << 14,
  F_NEW_CONTENT = 1 << 15, /* a version: provio:newContent true */
  F_LIB_INTERNAL = 1 << 16,
  F_UNLINK = 1 << 17,     /* provio:operation "unlink" */
  F_RENAME = 1 << 18,     /* provio:operation "rename" */
  F_RANK = 1 << 19,
  F_FLOW = 1 << 20,       /* rdf:type provio:DataFlow */
  F_PEER = 1 << 21,
  F_FIRST_AT = 1 << 22,
  F_LAST_AT = 1 << 23,
  F_DIR_IN = 1 << 24,     /* provio:direction "in" or "both" */
  F_DIR_OUT = 1 << 25,    /* "out" or "both" */
  F_MPI = 1 << 26,        /* a process some DataFlow is part of */
  F_VIA_HDF5 = 1 << 27,   /* an access made inside HDF5 calls (provio:viaLayer "hdf5") */
  F_CONFIG_USE = 1 << 28, /* rdf:type provio:ConfigFileUse: read as a whole at its start (prov:atTime) */
  F_CHECKPOINT = 1 << 29, /* rdf:type provio:CheckpointMark */
  F_STEP = 1 << 30,       /* has provio:step */
};
#define F_CALL (1u << 31) /* rdf:type provio:IoCall: in the table only if typed late */

typedef struct node {
  char *s;
  uint32_t n;
  uint32_t flags;
  int64_t pid, ppid, reads, rank, peer;
  int64_t start, end, gen;  /* microseconds since 1970 */
  int64_t first_read, last_read, first_write, first_at, last_at;
  int64_t step;
  int32_t host, forked_from, part_of, file, version, spec_of, gen_by, renamed_from, thread_of;
  int32_t reads_pipe, writes_pipe, file_id, target, job, executable, communicator;
  int32_t parent;  /* a user class or relation: rdfs:subClassOf / rdfs:subPropertyOf */
  int32_t artifact_of; /* an MLflow artifact record: its run (<run> provio:artifact <record>) */
} node;

/* A triple over user terms (a user relation between two nodes, or a node
 * typed with a user class: p is rdf:type's node), for RDFS. */
typedef struct user_triple {
  int32_t s, p, o;
} user_triple;

struct pv_facts {
  node *v;
  size_t n, cap;
  int32_t *index;  /* open addressing over v by string */
  size_t mask;
  user_triple *ut;
  size_t nut, caput;
  pv_seen *calls;  /* trace-mode calls (rdf:type provio:IoCall), by IRI hash */
};

/* What a derived triple names: a node of the table, or an entity the
 * derivations make: <M>/joint, <F>/data, <job>/exchange/<C>. */
enum { K_NODE, K_JOINT, K_MSG, K_EXCH };
typedef struct src {
  int32_t kind, a, b;
} src;

/* A version with what the rules need of it. */
typedef struct ver {
  int32_t v, acc, proc, job, unit;
  int32_t ka, kb;         /* its chain: (host, fileId), or (PATH, file) */
  int64_t first, last;    /* first and last change */
  int64_t s0, s1;         /* its write session, open to close */
} ver;

/* What readers see: one version, or the joint version of several. */
typedef struct unit {
  int32_t m;              /* the version, or the member with the smallest IRI */
  int32_t joint, fresh;   /* fresh: new content, not a revision */
  int64_t first, last;
} unit;

#define PATH (-2) /* the chain key of versions found by their file's name */

typedef struct entry {
  int32_t ka, kb, unit;
  int64_t first;
} entry;

typedef struct cut {
  int32_t path;
  int64_t at;
} cut;

/* proc saw x, first at r1 */
typedef struct seen {
  int32_t proc;
  int64_t r1;
  src x;
} seen;

/* to derives from what proc saw up to bound */
typedef struct want {
  int32_t proc;
  int64_t bound;
  src to;
} want;

typedef struct edge {
  int32_t from, to;
} edge;

typedef struct deriver {
  pv_facts *f;
  pv_emit_fn emit;
  void *ctx;
  int status;
  ver *vs;
  size_t nv;
  unit *us;
  size_t nu;
  int32_t *unit_of;       /* per node: the unit of a version, or NONE */
  entry *es;
  size_t ne;
  cut *cuts;
  size_t ncuts;
  seen *sn;
  size_t nsn, capsn;
  want *wn;
  size_t nwn, capwn;
  edge *pipes;            /* writer -> reader, sorted by reader */
  size_t npipes;
  pv_buf buf[3];          /* IRIs being built: subject, object, qualified node */
} deriver;

/* The node for a string, made if new; NONE if memory ran out. */
int32_t pv_facts_intern(pv_facts *f, const char *s, size_t n, uint32_t lit);

static inline pv_term iri_term(const node *x) { return (pv_term){PV_T_IRI, x->s, x->n, NULL, 0}; }
static inline src node_src(int32_t k) { return (src){K_NODE, k, NONE}; }
static inline pv_term iri_of(const char *s) { return (pv_term){PV_T_IRI, s, (uint32_t)strlen(s), NULL, 0}; }
static inline src unit_src(const deriver *d, int32_t u)
{
  return (src){d->us[u].joint ? K_JOINT : K_NODE, d->us[u].m, NONE};
}

/* Emit a derived triple (no-ops once d->status is set). */
void pv_derive_emit(deriver *d, src s, const char *pred, const pv_term *o);
void pv_derive_emit_src(deriver *d, src s, const char *pred, src o);
void pv_derive_emit_type(deriver *d, src s, const char *cls);

/* derive_domain.c */
#ifndef PV_NS_RDFS
#define PV_NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#endif
#define PV_NS_USER "https://w3id.org/provio/user#" /* provio_declare_class / _relation names */
int pv_domain_wanted(const pv_term t[3]);
int pv_domain_add(pv_facts *f, int32_t s, const pv_term t[3]);
void pv_derive_checkpoints(deriver *d);
void pv_derive_rdfs(deriver *d);
void pv_derive_artifacts(deriver *d);

#endif
