/* remote_query.h - prov-query's commands on a server store.
 *
 * SPARQL goes to the server as the user wrote it (the server's full SPARQL
 * 1.1: property paths, EXISTS, MINUS) and is printed exactly as
 * pv_query_sparql prints.  lineage, impact, stats, runs and config run
 * store/'s own code (query.h) over the part of the server's graph they need,
 * copied into an in-memory store: one implementation of each answer. */
#ifndef PROVIO_REMOTE_QUERY_H
#define PROVIO_REMOTE_QUERY_H

#include <stdio.h>

#include "query.h"
#include "remote.h"

int pv_remote_sparql(pv_remote *r, const char *query, enum pv_format fmt, FILE *out, char *err, size_t errlen);

/* Copies into mem (pv_store_memory) every published triple. */
int pv_remote_fetch_all(pv_remote *r, pv_store *mem, char *err, size_t errlen);

#endif
