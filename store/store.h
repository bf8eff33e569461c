/* store.h - the consolidated provenance store (stage 2 and 3).
 *
 * A store is a directory:
 *   STORE/provio-store    marker: "provio-store 3", the storage options, the
 *                         segments (data directories), oldest first, and
 *                         the size and checksum of each of their files
 *   STORE/data.XXXXXX/    a segment: Redland "hashes" storage (Berkeley DB
 *                         files) with the triples one merge added, what it
 *                         removed of older segments, prov-merge's state
 *   STORE/provio-lock     what a merge locks
 * The marker is how the tools tell our store from a directory another
 * program made, and the one thing a merge replaces (with a plain rename,
 * which every file system does atomically): a merge writes a new segment
 * and the marker then names it too (see replace.h); readers see the union
 * of the segments (store_union.c).  Stores of marker version 1 (and
 * pv_store_create's) keep the data files beside the marker, unchecked;
 * version 2 has one segment. */
#ifndef PROVIO_STORE_H
#define PROVIO_STORE_H

#include <librdf.h>
#include <stddef.h>

#define PV_STORE_MARKER "provio-store"
#define PV_STORE_NAME "provio"   /* Redland storage name: file prefix */
#define PV_STORE_LOCK "provio-lock"
#define PV_STORE_FILES_MAX 8
#define PV_STORE_SEGMENTS_MAX 16
/* in a segment: the hashes (term.h) of the triples of older segments it
 * removes */
#define PV_STORE_REMOVED "provio-removed"

enum pv_store_status {
  PV_STORE_OK = 0,
  PV_STORE_MISSING = 1,   /* no such directory */
  PV_STORE_FOREIGN = 2,   /* exists, but is not a provio store */
  PV_STORE_ERROR = 3,     /* exists and looks like ours, Redland failed */
  PV_STORE_DAMAGED = 4,   /* its files are not what the last merge left */
};

/* One segment of a store: a data directory and what its files were when
 * the merge that wrote it ended. */
typedef struct pv_segment {
  char data[64];           /* the data directory, in the store */
  int checked;             /* a later merge verified the files' checksums */
  int nfiles;
  struct {
    char name[64];
    unsigned long long size;
    char sum[33];          /* 128-bit checksum, hex */
  } file[PV_STORE_FILES_MAX];
} pv_segment;

/* What a store's marker says: its segments, oldest first.  A reader sees
 * their union, less what a newer segment removed (PV_STORE_REMOVED). */
typedef struct pv_marker {
  int version;             /* 1: data files beside the marker, unchecked */
  int nseg;                /* versions 2 and 3 */
  pv_segment seg[PV_STORE_SEGMENTS_MAX];
} pv_marker;

/* Reads dir's marker.  0, or -1 if there is none or it is not ours. */
int pv_marker_read(const char *dir, pv_marker *m);

/* The directory holding the store's newest data files (malloc'd). */
char *pv_marker_data_path(const char *dir, const pv_marker *m);
/* The directory of segment i (malloc'd). */
char *pv_marker_segment_path(const char *dir, const pv_marker *m, int i);

/* Fills err with the one-line "damaged store" message, what saying what
 * is wrong, and returns PV_STORE_DAMAGED. */
int pv_store_damaged(char *err, size_t errlen, const char *dir, const char *what);

typedef struct pv_store {
  librdf_world *world;
  librdf_storage *storage;
  librdf_model *model;
  /* Set when the model is a cache of a server store that fills itself as
   * queries read it (query_terms.h); NULL when it holds the whole store. */
  struct pv_store_fill *fill;
  /* A store of one segment opened read-only: its (subject, predicate) ->
   * object file (pv_bdb_file), or NULL. */
  void *sp2o;
} pv_store;

/* Opens an existing store read-only (writable=0) or for adding (1).  The
 * sizes of its files must be those its marker records (a truncated file is
 * the common damage: a full quota, a copy cut short).  On failure fills err
 * (one line, no newline) and returns the status. */
int pv_store_open(pv_store *s, const char *dir, int writable, char *err, size_t errlen);

/* Creates an empty store in dir, which must not exist yet (it is created
 * 0700). */
int pv_store_create(pv_store *s, const char *dir, char *err, size_t errlen);

/* Opens a data directory directly: an empty one (create=1) for a new
 * store's data.  No marker is read or written: a merge writes the marker
 * when the data is complete. */
int pv_store_open_data(pv_store *s, const char *dir, int create, char *err, size_t errlen);

/* Opens the union of the segments of the store in dir that m names (read
 * only) and the data directory data (create=1: empty), into which the
 * statements added go; a statement removed that an older segment holds is
 * noted in data's PV_STORE_REMOVED. */
int pv_store_open_over(pv_store *s, const char *dir, const pv_marker *m, const char *data, int create, char *err,
                       size_t errlen);

/* An empty store in memory (a server store's graph, copied for a query). */
int pv_store_memory(pv_store *s, char *err, size_t errlen);

/* Writes everything out and releases the store. */
void pv_store_close(pv_store *s);

/* The world a store uses, made once with raptor/rasqal log output captured
 * instead of printed: handlers registered with pv_store_set_log_handler. */
librdf_world *pv_store_world(void);
void pv_store_set_log_handler(void *data, librdf_log_func handler);

/* Berkeley DB's own messages never reach stderr: store_bdb.c gives every
 * BDB handle an error callback that keeps the last one (per thread) here,
 * "" if none.  pv_bdb_cache sets the cache of BDB files opened from then
 * on (0: BDB's default) and returns the one set before; only prov-merge,
 * which writes, asks for one. */
const char *pv_bdb_message(void);
void pv_bdb_clear(void);
size_t pv_bdb_cache(size_t bytes);

/* While on (this thread), Redland's hashes storage adds a statement
 * without first asking whether the store holds it: that check scans every
 * value stored under the statement's subject and predicate (Berkeley DB's
 * DB_GET_BOTH over unsorted duplicates), quadratic for a subject with
 * thousands of values, such as the joint version of an N-1 file (40k
 * ranks: minutes).  Only for a caller that knows the statement is new. */
void pv_bdb_adding_new(int on);

/* The pairs of statements added while pv_bdb_adding_new is on are put in
 * key order, later (store_bdb.c): on the file's next read, sync or close.
 * Whether such a put failed since the last call (sync the model first). */
int pv_bdb_put_failed(void);

/* Reading a BDB file of the store directly, for what Redland's storage
 * interface cannot ask in one lookup (all of a subject's arcs: its hashes
 * index subject and predicate together).  pv_bdb_file: the open handle of
 * the file at path (as Redland named it when opening), or NULL.
 * pv_bdb_scan calls each for every pair whose key starts with prefix, in
 * key order, until it returns -1; 1 skips the rest of that key's values.
 * 0 when done, -1 if the file could not be read. */
typedef int (*pv_bdb_each)(void *ctx, const void *key, size_t klen, const void *val, size_t vlen);
void *pv_bdb_file(const char *path);
int pv_bdb_scan(void *file, const void *prefix, size_t len, pv_bdb_each each, void *ctx);

#endif
