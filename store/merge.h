/* merge.h - consolidating record files into a store (prov-merge).
 *
 * Parser threads (one per core) read windows of the record files, check
 * and parse each line, and look each triple up in the set of triples the
 * store already holds (seen.h); only new triples go on, through a bounded
 * queue, to the one thread that writes the Redland store.  At the end the
 * derivations of docs/model.md are brought up to date, and the new segment
 * joins the store in one rename of the store's marker (replace.h).
 *
 * Memory: the seen set (23-46 bytes per distinct triple of the store), the
 * fact table (a few hundred bytes per process, file session, version and
 * thread), the queue (at most 4 MiB per parser thread) and each parser's
 * window (about 3 times PV_MERGE_WINDOW).  The record files themselves are
 * never held whole. */
#ifndef PROVIO_STORE_MERGE_H
#define PROVIO_STORE_MERGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PV_MERGE_WINDOW ((off_t)2 << 20) /* bytes of a file one parser takes at a time */
#define PV_MERGE_STATE "provio-merge.state" /* in the store: seen set and fact table */

enum pv_merge_status {
  PV_MERGE_OK = 0,
  PV_MERGE_FAILED = 1,   /* out of memory, Redland or I/O failure during the merge */
  PV_MERGE_INPUT = 3,    /* missing or empty directory, foreign, another user's or unreadable file */
  PV_MERGE_STORE = 4,    /* store path unusable, foreign store, or locked */
  PV_MERGE_OUTPUT = 5,   /* cannot write the -o file */
  PV_MERGE_DAMAGED = 7,  /* the store's files are not what its last merge left */
  PV_MERGE_STOPPED = 130 /* stopped by a signal */
};

typedef struct pv_merge_reject {
  const char *path;
  off_t offset;          /* of the line in the file */
  long line;             /* 1-based, filled in at the end */
  char *why;
} pv_merge_reject;

typedef struct pv_merge_stats {
  size_t files, files_done, files_unfinished;
  uint64_t bytes, bytes_done;
  uint64_t triples_read;     /* good lines */
  uint64_t triples_new;      /* of those and the triples they imply (conform.h), not yet in the store: stored */
  uint64_t duplicates;       /* of those, already in the store or seen before */
  uint64_t derived_added, derived_removed;
  uint64_t lines_rejected;
  uint64_t store_triples;    /* in the store afterwards */
  int store_changed;         /* 0: the store was left exactly as it was */
  double seconds;
  pv_merge_reject *rejects;  /* the first PV_MERGE_REJECTS_KEPT, by file and line */
  size_t nrejects;
  char **warnings;           /* files and directories left out, "PATH: skipped: why" */
  size_t nwarnings;
} pv_merge_stats;

#define PV_MERGE_REJECTS_KEPT 10000

/* prov-merge --mpi (docs/scaling.md): a rank other than 0 parses and
 * deduplicates its share of the record files and hands on what it found
 * instead of storing it; rank 0 merges its own share and the other ranks'
 * records.  Records are the parsers' own batches: per triple 1 byte (is a
 * fact), 4 bytes length (host order), its encoding (term.h). */
typedef struct pv_merge_export {
  void *ctx;
  /* a batch of triples new to this rank; non-zero stops the merge */
  int (*records)(void *ctx, const char *recs, size_t n);
  /* at the end, each record file read: what the thread derivations need */
  int (*file)(void *ctx, const char *group, int finished, const char *thread_iri);
} pv_merge_export;

/* prov-merge --follow: a pass reads only what changed since the last.
 * from is asked, before reading, where in f to start (0: all of it;
 * f->data_end: nothing); it may lower f->data_end (a line being written)
 * and fill in f->finished and f->thread_iri (malloc'd) that the last pass
 * saw in the part not read again.  read is told, after a merge that
 * succeeded, each file as this pass left it. */
typedef struct pv_rfile pv_rfile;
typedef struct pv_merge_resume {
  void *ctx;
  off_t (*from)(void *ctx, pv_rfile *f);
  void (*read)(void *ctx, const pv_rfile *f);
} pv_merge_resume;

typedef struct pv_merge_import pv_merge_import;
/* Run in a thread of its own while rank 0's parsers run: feeds the other
 * ranks' records and files.  Returns 0, or a pv_merge_status with a
 * one-line message in err. */
typedef int (*pv_merge_importer)(void *ctx, pv_merge_import *imp, char *err, size_t errlen);
int pv_merge_import_records(pv_merge_import *imp, const char *recs, size_t n);
int pv_merge_import_file(pv_merge_import *imp, const char *group, int finished, const char *thread_iri);

typedef struct pv_merge_opts {
  const char *store;         /* store directory; NULL: a temporary one (output needed) */
  const char *output;        /* also write the whole graph here ("-": stdout), or NULL */
  const char *format;        /* "ntriples" or "turtle" */
  char *const *inputs;       /* directories and record files */
  int ninputs;
  char *const *named;        /* set if inputs is one rank's share (--mpi): the paths the */
  int nnamed;                /* user named, which name the server graph */
  int threads;               /* parser threads; 0: one per online core */
  int follow;                /* follow symbolic links named in inputs */
  int skip_foreign;          /* leave out (warning) records others could have planted, instead of failing */
  /* called by the merging thread about 5 times a second, and once at the end */
  void (*progress)(void *ctx, const pv_merge_stats *s, int final);
  void *progress_ctx;
  volatile sig_atomic_t *stop; /* non-zero: give up, leaving the store as it was */
  const pv_merge_export *export; /* set: no store, no derivations; found triples go here */
  pv_merge_importer import;      /* set: more records, parsed elsewhere */
  const pv_merge_resume *resume; /* set: read only from where it says */
  void *import_ctx;
} pv_merge_opts;

/* Runs a merge.  Returns an enum pv_merge_status; on failure err holds a
 * one-line message.  st is filled in either way (free with
 * pv_merge_stats_free). */
int pv_merge(const pv_merge_opts *o, pv_merge_stats *st, char *err, size_t errlen);
void pv_merge_stats_free(pv_merge_stats *st);

#endif
