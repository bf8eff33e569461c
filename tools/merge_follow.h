/* merge_follow.h - prov-merge --follow: consolidating a running job
 * (docs/prov-merge.md, "Following a running job").
 *
 * Every interval a pass merges what changed: a record file is read again
 * only from the first 64 KiB block that differs from what the last pass
 * read (the writer rewrites counters in place), and up to its last
 * complete line while its process runs.  The store's own deduplication and
 * its one value per counter make each pass, and so the last, leave the
 * store one merge at the end would.  It stops after the pass that finds
 * every process of the job ended (each record file ends with
 * "# provio-end", or its process is gone from this host), or after one
 * last pass once asked to stop. */
#ifndef PROVIO_TOOLS_MERGE_FOLLOW_H
#define PROVIO_TOOLS_MERGE_FOLLOW_H

#include <signal.h>

#include "merge.h"

/* One merge: a store's, or a server's (which reads all again: resume is
 * NULL for it).  Returns a status. */
typedef int (*pv_merge_once)(void *ctx, const pv_merge_opts *o, pv_merge_stats *st, char *err, size_t errlen);

typedef struct pv_follow_opts {
  double interval;               /* seconds between passes */
  int incremental;               /* each pass reads only what changed (embedded store) */
  volatile sig_atomic_t *asked;  /* non-zero: one last pass, then stop */
  void (*report)(const pv_merge_stats *st, int pass, int ended); /* after each pass */
} pv_follow_opts;

/* Runs passes of once over o until the job ends or stop is asked.  The
 * status of the last pass (o->stop aborts a pass: PV_MERGE_STOPPED). */
int pv_follow(const pv_merge_opts *o, const pv_follow_opts *f, pv_merge_once once, void *ctx, char *err,
              size_t errlen);

#endif
