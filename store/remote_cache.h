/* remote_cache.h - a server store read a part at a time (docs/server-store.md).
 *
 * prov-query's lineage, impact, stats, runs, config and metrics run
 * store/'s own code (query.h) over an in-memory model that fills itself
 * from the server as the code reads it (pv_store_fill, query_terms.h):
 * before a lookup of a subject all of that subject's triples are fetched,
 * before a lookup of (predicate, object) all triples of every subject that
 * has it.  The model only ever holds whole descriptions of subjects, so a
 * lookup answers exactly as on the whole store: one implementation of each
 * answer, and only what it reads crosses the network.
 *
 * A walk (lineage, impact, and the walks of config and metrics) first asks
 * the server for everything it may reach in one query: Virtuoso's
 * transitive subquery, or on another server one query per level (VALUES),
 * then fetches those descriptions in a few batches. */
#ifndef PROVIO_REMOTE_CACHE_H
#define PROVIO_REMOTE_CACHE_H

#include "query_index.h"
#include "query_terms.h"
#include "remote.h"

typedef struct pv_remote_cache {
  pv_store_fill fill;   /* first: the store's fill is this */
  pv_remote *r;
  librdf_world *world;
  librdf_model *model;
  pv_index described;   /* subjects whose every triple is in model */
  pv_index asked;       /* (predicate, object) and predicate lookups done */
  size_t generation;    /* of the fetch under way */
  int status;           /* the first failure (enum pv_remote_status), 0 */
  char err[512];
  unsigned long requests; /* sent to the server, for the bench */
} pv_remote_cache;

/* Makes s an empty in-memory store that fills itself from r (which must
 * stay open while s is read).  Returns a pv_query_exit status. */
int pv_remote_cache_open(pv_remote_cache *c, pv_remote *r, pv_store *s, char *err, size_t errlen);
void pv_remote_cache_close(pv_remote_cache *c);

#endif
