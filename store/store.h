/* store.h - the consolidated provenance store (stage 2 and 3).
 *
 * A store is a directory:
 *   STORE/provio-store    marker: "provio-store 2", the storage options, the
 *                         data directory and the size and checksum of each
 *                         of its files
 *   STORE/data.XXXXXX/    Redland "hashes" storage (Berkeley DB files) and
 *                         prov-merge's state
 *   STORE/provio-lock     what a merge locks
 * The marker is how the tools tell our store from a directory another
 * program made, and the one thing a merge replaces (with a plain rename,
 * which every file system does atomically): a new data directory is built
 * beside the current one and the marker then names it (see replace.h).
 * Stores of marker version 1 (and pv_store_create's) keep the data files
 * beside the marker, unchecked. */
#ifndef PROVIO_STORE_H
#define PROVIO_STORE_H

#include <librdf.h>
#include <stddef.h>

#define PV_STORE_MARKER "provio-store"
#define PV_STORE_NAME "provio"   /* Redland storage name: file prefix */
#define PV_STORE_LOCK "provio-lock"
#define PV_STORE_FILES_MAX 8

enum pv_store_status {
  PV_STORE_OK = 0,
  PV_STORE_MISSING = 1,   /* no such directory */
  PV_STORE_FOREIGN = 2,   /* exists, but is not a provio store */
  PV_STORE_ERROR = 3,     /* exists and looks like ours, Redland failed */
  PV_STORE_DAMAGED = 4,   /* its files are not what the last merge left */
};

/* What a store's marker says. */
typedef struct pv_marker {
  int version;             /* 1: data files beside the marker, unchecked */
  char data[64];           /* version 2: the data directory, in the store */
  int nfiles;
  struct {
    char name[64];
    unsigned long long size;
    char sum[33];          /* 128-bit checksum, hex */
  } file[PV_STORE_FILES_MAX];
} pv_marker;

/* Reads dir's marker.  0, or -1 if there is none or it is not ours. */
int pv_marker_read(const char *dir, pv_marker *m);

/* The directory holding the store's data files (malloc'd). */
char *pv_marker_data_path(const char *dir, const pv_marker *m);

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
 * store's data, or a copy of a store's data files.  No marker is read or
 * written: a merge writes the marker when the data is complete. */
int pv_store_open_data(pv_store *s, const char *dir, int create, char *err, size_t errlen);

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
 * on (0: BDB's default); only prov-merge, which writes, asks for one. */
const char *pv_bdb_message(void);
void pv_bdb_clear(void);
void pv_bdb_cache(size_t bytes);

/* While on (this thread), Redland's hashes storage adds a statement
 * without first asking whether the store holds it: that check scans every
 * value stored under the statement's subject and predicate (Berkeley DB's
 * DB_GET_BOTH over unsorted duplicates), quadratic for a subject with
 * thousands of values, such as the joint version of an N-1 file (40k
 * ranks: minutes).  Only for a caller that knows the statement is new. */
void pv_bdb_adding_new(int on);

#endif
