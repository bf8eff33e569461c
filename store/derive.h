/* derive.h - what prov-merge adds to the records (docs/model.md, "Version
 * model"): versions, what each read saw, what each version derives from,
 * joint versions, MPI messages and exchanges, environment files.
 *
 * The capture cannot know what other processes did.  The facts that the
 * derivations need are kept in a small table, one entry per process,
 * session, version, file, operation, data flow and thread, never per
 * triple; the table travels with the store, so merging job B later
 * derives across jobs exactly as merging A and B together. */
#ifndef PROVIO_STORE_DERIVE_H
#define PROVIO_STORE_DERIVE_H

#include <stdio.h>

#include "term.h"

typedef struct pv_facts pv_facts;

pv_facts *pv_facts_new(void);
void pv_facts_free(pv_facts *f);

/* Whether a triple carries a fact the derivations use.  Thread-safe. */
int pv_facts_wanted(const pv_term t[3]);

/* Takes in a wanted triple.  0, or -1 out of memory. */
int pv_facts_add(pv_facts *f, const pv_term t[3]);

/* One merge saw all record files of this thread finished (complete=1) or
 * not.  "Finished" is sticky: a later merge of the same files after the
 * process ended turns an earlier false into true. */
int pv_facts_thread(pv_facts *f, const char *thread_iri, int complete);

/* Calls emit for every derived triple (a triple two rules give comes
 * twice: callers keep sets).  Stops at, and returns, the first
 * non-zero value emit returns; -1 if memory ran out. */
typedef int (*pv_emit_fn)(void *ctx, const pv_term t[3]);
int pv_facts_derive(pv_facts *f, pv_emit_fn emit, void *ctx);

/* Saves and restores the table (the store's merge state).  0 or -1. */
int pv_facts_write(pv_facts *f, FILE *out);
int pv_facts_read(pv_facts *f, FILE *in);

#endif
