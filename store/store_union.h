/* store_union.h - several segments read as one Redland storage (see
 * store_union.c).  Internal to the store library. */
#ifndef PROVIO_STORE_UNION_H
#define PROVIO_STORE_UNION_H

#include <librdf.h>

#include "store.h"

/* Registers the "provio-union" storage in world (once, by pv_store_world). */
void pv_union_register(librdf_world *world);

/* A storage over the n storages segs (made, not opened; oldest first),
 * whose directories are dirs.  writable: statements are added to the
 * newest, and removals of older segments' triples are kept in its
 * directory.  The storage owns segs from then on, even if it fails (NULL). */
librdf_storage *pv_union_new(librdf_world *world, librdf_storage **segs, int n, const char *const *dirs,
                             int writable);

#endif
