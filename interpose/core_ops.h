/* core_ops.h - the one private entry point of libprovio.so.
 *
 * libprovio.so is preloaded into every process, so everything it exports
 * lands in the program's symbol namespace: it exports the public API
 * (include/provio.h), the functions it wraps, and nothing of its core.
 * Capture modules built as libraries of their own (the HDF5 VOL plugin,
 * the per-MPI preload libraries) still have to write through the same
 * per-thread recorders, so the core hands them this table of functions,
 * exported under one versioned name:
 *
 *   extern const struct provio_core_ops provio_core_ops_v1;
 *
 * A module checks version (the layout below) and size (how many members
 * the libprovio.so it runs with has: members are only ever appended, so a
 * newer libprovio serves older modules).  An incompatible change takes a
 * new version and a new symbol name (provio_core_ops_v2), never an edit of
 * this one's meaning.  Members are what a module needs and the core owns:
 * state (the process and the calling thread's guard and layer), the
 * recorder, file names, and descriptor-less sessions.  The serializer,
 * pure and inline for the most part, is compiled into the module itself. */
#ifndef PROVIO_CORE_OPS_H
#define PROVIO_CORE_OPS_H

#include "interpose.h"

#define PROVIO_CORE_OPS_VERSION 1

struct provio_core_ops {
  unsigned version;                  /* PROVIO_CORE_OPS_VERSION */
  size_t size;                       /* sizeof the libprovio.so's table */
  /* The process (read-only after init) and the calling thread's guard,
   * recorder cache and layer (struct pv_tls). */
  const pv_process *proc;
  struct pv_tls *(*tls)(void);
  /* The recorder: see core.h for each (pv_record_end is inline there). */
  pv_thread *(*thread_current)(void);
  char *(*record_begin)(pv_thread *t, size_t max);
  size_t (*thread_new_iri)(pv_thread *t, char *dst, const char *kind);
  int64_t (*now_ns)(void);
  int64_t (*ticks_to_ns)(uint64_t ticks);
  int (*path_excluded)(const char *canon, size_t len);
  size_t (*path_canon)(char *dst, size_t cap, const char *cwd, const char *path);
  size_t (*file_iri)(char *dst, const pv_identity *id, const pv_config *c, const char *canon, size_t n);
  void (*log)(const char *what, const char *detail);
  void (*fail)(const char *why);
  /* Sessions outside the descriptor table (an MPI-IO file handle's), and
   * what the MPI modules record besides: see interpose.h and trace.h. */
  pv_session *(*session_start)(pv_session *s, const char *canon, size_t len, int flags, int api,
                               uintptr_t callsite);
  void (*session_finish)(pv_session *s);
  size_t (*canon_at)(int dirfd, const char *path, char *dst, size_t cap);
  uintptr_t (*callsite_find)(uintptr_t return_address);
  void (*record_rank)(long rank, long size);
  void *(*next_symbol)(const char *name);
  /* For wrapper modules (the MPI ones): registration of their hooks
   * (interpose.h), the guard and layer around their work, trace records and
   * accounting on their sessions. */
  void (*register_module)(pv_module *m);
  /* Whether a wrapper must only call through: inside provio, recording
   * off, or (unless layer is PV_LAYER_NONE) already inside a call of layer. */
  int (*idle)(int layer);
  void (*enter)(void); /* around provio's own work: calls it makes pass through */
  void (*leave)(void);
  pv_layer_save (*layer_enter)(int layer, const char *call);
  void (*layer_leave)(pv_layer_save outer);
  int (*tracing)(void);
  void (*trace_fd)(const char *fn, int fd, int64_t rc, uint64_t t0);
  void (*trace_path)(const char *fn, int dirfd, const char *path, int64_t rc, uint64_t t0);
  void (*account_io)(pv_session *s, int is_write, ssize_t rc, uint64_t t0);
  void (*count)(pv_session *s, int counter, uint64_t v);
};

extern const struct provio_core_ops provio_core_ops_v1;

#endif
