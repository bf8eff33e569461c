/* seen.h - the set of triples a store holds, by 128-bit hash.
 *
 * Deduplication without asking Berkeley DB: parser threads look every triple
 * up here (the set is split into independently locked shards), and only
 * triples it has not seen travel on to the single store writer.  Each entry
 * also says whether the triple is only derived by prov-merge, so that a
 * derivation that no longer holds can be taken out without touching a
 * recorded triple.  Memory: 16 bytes a slot, at most 70% full, so 23 to 46
 * bytes per distinct triple. */
#ifndef PROVIO_STORE_SEEN_H
#define PROVIO_STORE_SEEN_H

#include <stddef.h>
#include <stdio.h>

#include "term.h"

enum pv_seen_state { PV_SEEN_NO = 0, PV_SEEN_RECORDED = 1, PV_SEEN_DERIVED = 2 };

typedef struct pv_seen pv_seen;

pv_seen *pv_seen_new(size_t expect);
void pv_seen_free(pv_seen *s);

/* Adds h.  Returns 1 if it was not there, 0 if it was, -1 out of memory.
 * Adding a recorded triple over a derived one marks it recorded. */
int pv_seen_add(pv_seen *s, pv_hash h, int derived);
int pv_seen_state(pv_seen *s, pv_hash h);
void pv_seen_remove(pv_seen *s, pv_hash h);
size_t pv_seen_count(pv_seen *s);

/* Entries as 16-byte records; read adds n of them.  0 or -1. */
int pv_seen_write(pv_seen *s, FILE *f);
int pv_seen_read(pv_seen *s, FILE *f, size_t n);

#endif
