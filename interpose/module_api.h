/* module_api.h - the core as a module in its own preload library sees it.
 *
 * The MPI modules are separate libraries (libprovio-mpi-<family>.so, see
 * mpi.c) so that libprovio.so never puts MPI_* symbols into a process.
 * They reach libprovio.so's core only through this one table, which
 * libprovio.so exports under the one name PV_MODULE_API_SYMBOL: the list of
 * what such a module may use is here and nowhere else, and libprovio.so's
 * other symbols can stay private.  A module finds the table with dlsym at
 * load (no link-time dependency on libprovio.so) and, without it or with
 * another version, stays inert: every call passes straight through.  Such
 * a module resolves its own functions when first called (PV_HOOK_RESOLVE
 * runs only for libprovio.so's modules, at its load). */
#ifndef PROVIO_MODULE_API_H
#define PROVIO_MODULE_API_H

#include "interpose.h"

#define PV_MODULE_API_SYMBOL "pv_module_core"
#define PV_MODULE_API_VERSION 1

typedef struct pv_module_api {
  int version; /* PV_MODULE_API_VERSION */
  void (*register_module)(pv_module *m);
  /* Whether a wrapper must only call through: inside provio, recording
   * off, or (unless layer is PV_LAYER_NONE) already inside a call of layer. */
  int (*idle)(int layer);
  /* Around provio's own work inside a wrapper: calls it makes pass through. */
  void (*enter)(void);
  void (*leave)(void);
  pv_layer_save (*layer_enter)(int layer, const char *call);
  void (*layer_leave)(pv_layer_save outer);
  int (*tracing)(void);
  void (*trace_fd)(const char *fn, int fd, int64_t rc, uint64_t t0);
  void (*trace_path)(const char *fn, int dirfd, const char *path, int64_t rc, uint64_t t0);
  size_t (*canon_at)(int dirfd, const char *path, char *dst, size_t cap);
  int (*path_excluded)(const char *canon, size_t len);
  uintptr_t (*callsite_find)(uintptr_t return_address);
  pv_session *(*session_start)(pv_session *s, const char *canon, size_t len, int flags, int api,
                               uintptr_t callsite);
  void (*session_finish)(pv_session *s);
  void (*account_io)(pv_session *s, int is_write, ssize_t rc, uint64_t t0);
  void (*count)(pv_session *s, int counter, uint64_t v);
  void (*record_rank)(long rank, long size);
} pv_module_api;

#endif
