/* config.h - run-time settings, read once from the environment at load.
 * Parsed into static storage: the constructor of a preloaded library must
 * not allocate. */
#ifndef PROVIO_CONFIG_H
#define PROVIO_CONFIG_H

#include <stddef.h>

#define PV_MAX_PREFIXES 32

enum pv_mode { PV_MODE_SUMMARY = 0, PV_MODE_TRACE = 1 };

typedef struct pv_prefix_list {
  int count;
  const char *item[PV_MAX_PREFIXES];
  size_t len[PV_MAX_PREFIXES];
} pv_prefix_list;

typedef struct pv_config {
  const char *dir;            /* PROVIO_DIR; NULL disables recording */
  enum pv_mode mode;          /* PROVIO_MODE */
  const char *log_path;       /* PROVIO_LOG; NULL: no diagnostics at all */
  int callsites;              /* PROVIO_CALLSITES=0 turns call sites off */
  const char *job;            /* PROVIO_JOB_ID, overrides scheduler ids */
  pv_prefix_list exclude;     /* paths never recorded */
  pv_prefix_list include;     /* exceptions to exclude (/dev/shm) */
  pv_prefix_list local;       /* node-local prefixes: file IRIs name the host */
} pv_config;

/* Fills c from the environment (getenv only).  Unknown values fall back to
 * defaults; a problem is reported through *warning (static text) if given. */
void pv_config_load(pv_config *c, const char **warning);

/* Splits a colon-separated list into l, copying into storage (size cap).
 * Empty elements are skipped. */
void pv_prefix_list_parse(pv_prefix_list *l, const char *spec, char *storage, size_t cap);

/* Whether path (n bytes) equals a listed prefix or lies below one. */
int pv_prefix_list_match(const pv_prefix_list *l, const char *path, size_t n);

#endif
