/* merge_mpi.h - prov-merge --mpi: the ranks of an MPI job share a merge
 * (docs/scaling.md).
 *
 * Rank 0 finds the record files (refusing or skipping what a serial merge
 * would), splits them by host directory into shares of about equal size
 * (a directory larger than a share is split by file) and sends each rank
 * its list.  Every rank parses and deduplicates its share in parallel; the
 * other ranks send the triples new to them, and each file's thread facts,
 * to rank 0, whose merge deduplicates them against its own and the
 * store's and stores, derives and (server store) loads and publishes as a
 * serial merge does.  A rank that fails makes rank 0's merge fail: the
 * store is left as it was, nothing is published.  All ranks exit with
 * rank 0's status. */
#ifndef PROVIO_TOOLS_MERGE_MPI_H
#define PROVIO_TOOLS_MERGE_MPI_H

#include "merge.h"

/* MPI_Init_thread; fills rank and size.  0, or -1 with err filled. */
int pv_mpi_start(int *argc, char ***argv, int *rank, int *size, char *err, size_t errlen);
void pv_mpi_finish(void);

/* Runs this rank's part of the merge of o->inputs (the paths as the user
 * named them).  rank0_file, if not NULL, is one more record file that
 * only rank 0 reads (the MLflow import).  On rank 0, remote selects the
 * server store (graph and uploaded as pv_merge_remote fills them) and st
 * holds the totals of all ranks; on the others st holds this rank's
 * rejected lines and warnings, which each rank lists itself (on rank 0,
 * listed_elsewhere counts the other ranks' rejected lines).  Returns rank
 * 0's status on every rank; err is filled on rank 0. */
int pv_mpi_merge(const pv_merge_opts *o, const char *rank0_file, int remote, pv_merge_stats *st, char graph[64],
                 unsigned long long *uploaded, unsigned long long *listed_elsewhere, char *err, size_t errlen);

#endif
