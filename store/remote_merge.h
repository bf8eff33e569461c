/* remote_merge.h - prov-merge into a server store (docs/server-store.md).
 *
 * The records are merged as for an embedded store (merge.h) into a private
 * temporary one, and its whole graph is loaded into a named graph of the
 * merged set of record directories: each such job has two, its slots, and
 * a load goes into the one not published, in chunks of PV_REMOTE_CHUNK
 * bytes through the Graph Store HTTP Protocol, then one small SPARQL Update
 * lists it in the registry of published graphs instead of the other, which
 * is then dropped.  Readers name only published graphs, so a load that
 * fails or is killed leaves nothing they see; merging the same directories
 * again replaces the graph with the same triples. */
#ifndef PROVIO_REMOTE_MERGE_H
#define PROVIO_REMOTE_MERGE_H

#include "merge.h"

#define PV_REMOTE_CHUNK (4 << 20)

/* o->store is the server's query endpoint.  Returns 0, an enum
 * pv_merge_status or an enum pv_remote_status; graph receives the IRI of
 * the named graph loaded, uploaded the number of triples loaded. */
int pv_merge_remote(const pv_merge_opts *o, pv_merge_stats *st, char graph[64], unsigned long long *uploaded,
                    char *err, size_t errlen);

#endif
