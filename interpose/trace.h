/* trace.h - per-call records (PROVIO_MODE=trace) and the per-path summary of
 * queries that open nothing (the stat family). */
#ifndef PROVIO_TRACE_H
#define PROVIO_TRACE_H

#include <stdint.h>

#include "core.h"

static inline int pv_tracing(void) { return pv_proc.cfg.mode == PV_MODE_TRACE; }

/* One provio:IoCall for a call on fd (rc: what it returned). */
void pv_trace_fd(const char *fn, int fd, int64_t rc, uint64_t t0);
/* One provio:IoCall for a call on a path. */
void pv_trace_path(const char *fn, int dirfd, const char *path, int64_t rc, uint64_t t0);

/* A stat-like query of path: traced in trace mode, else summed per path and
 * written at exit (or exec) by pv_path_queries_flush, which zeroes the sums. */
void pv_path_query(const char *fn, int dirfd, const char *path, int64_t rc, uint64_t t0);
void pv_path_queries_flush(void);
/* In a forked child: drops the sums, which belong to the parent. */
void pv_path_queries_forget(void);

/* The application's call site for a wrapper's return address: the address
 * itself, or if that lies inside libc, MPI, HDF5 or provio, the first frame
 * of the stack outside them.  0 when call sites are off. */
uintptr_t pv_callsite_find(uintptr_t return_address);

#endif
