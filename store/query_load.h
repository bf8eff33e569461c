/* query_load.h - loading N-Triples into a store unchanged (test fixtures,
 * benchmarks); real runs go through prov-merge. */
#ifndef PROVIO_QUERY_LOAD_H
#define PROVIO_QUERY_LOAD_H

#include <stddef.h>

#include "store.h"

/* Adds every triple of the N-Triples file at path; returns how many were
 * added, or -1 (err filled) if the file cannot be read or any line is bad. */
long pv_query_load(pv_store *s, const char *path, char *err, size_t errlen);

#endif
