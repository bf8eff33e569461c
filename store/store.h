/* store.h - the consolidated provenance store (stage 2 and 3).
 *
 * A store is a directory:
 *   STORE/provio-store    marker: "provio-store 1" and the storage options
 *   STORE/provio-*.db     Redland "hashes" storage, Berkeley DB files
 * The marker is how the tools tell our store from a directory another program
 * made.  Redland has no transactions: writers build a new store directory
 * beside the old one and rename it into place (see merge). */
#ifndef PROVIO_STORE_H
#define PROVIO_STORE_H

#include <librdf.h>
#include <stddef.h>

#define PV_STORE_MARKER "provio-store"
#define PV_STORE_NAME "provio"   /* Redland storage name: file prefix */

enum pv_store_status {
  PV_STORE_OK = 0,
  PV_STORE_MISSING = 1,   /* no such directory */
  PV_STORE_FOREIGN = 2,   /* exists, but is not a provio store */
  PV_STORE_ERROR = 3,     /* exists and looks like ours, Redland failed */
};

typedef struct pv_store {
  librdf_world *world;
  librdf_storage *storage;
  librdf_model *model;
} pv_store;

/* Opens an existing store read-only (writable=0) or for adding (1).
 * On failure fills err (one line, no newline) and returns the status. */
int pv_store_open(pv_store *s, const char *dir, int writable, char *err, size_t errlen);

/* Creates an empty store in dir, which must not exist yet (it is created
 * 0700). */
int pv_store_create(pv_store *s, const char *dir, char *err, size_t errlen);

/* The same in dir, an existing empty directory the caller made (a merge
 * builds its new store in a fresh mkdtemp directory). */
int pv_store_create_in(pv_store *s, const char *dir, char *err, size_t errlen);

/* Writes everything out and releases the store. */
void pv_store_close(pv_store *s);

/* The world a store uses, made once with raptor/rasqal log output captured
 * instead of printed: handlers registered with pv_store_set_log_handler. */
librdf_world *pv_store_world(void);
void pv_store_set_log_handler(void *data, librdf_log_func handler);

#endif
