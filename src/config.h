/* config.h - run-time settings, read once at load: the file PROVIO_CONFIG
 * names (docs/configuration.md), then the environment, which overrides it.
 * Parsed into static storage with raw system calls: the constructor of a
 * preloaded library must not allocate, and a forked child or a signal
 * handler may be the first to get here. */
#ifndef PROVIO_CONFIG_H
#define PROVIO_CONFIG_H

#include <stddef.h>

#define PV_MAX_PREFIXES 32

enum pv_mode { PV_MODE_SUMMARY = 0, PV_MODE_TRACE = 1 };

/* Record classes a configuration switches on or off (all on by default). */
enum pv_record_class {
  PV_REC_FILES = 1 << 0,           /* file sessions, path queries, name operations */
  PV_REC_HDF5_GROUPS = 1 << 1,     /* HDF5 object sessions, by kind */
  PV_REC_HDF5_DATASETS = 1 << 2,
  PV_REC_HDF5_ATTRIBUTES = 1 << 3,
  PV_REC_HDF5_DATATYPES = 1 << 4,
  PV_REC_CALLSITES = 1 << 5,       /* provio:callSite */
  PV_REC_DURATIONS = 1 << 6,       /* ns spent inside calls */
  PV_REC_THREADS = 1 << 7,         /* thread agents and what they are associated with */
  PV_REC_ALL = (1 << 8) - 1
};

typedef struct pv_prefix_list {
  int count;
  const char *item[PV_MAX_PREFIXES];
  size_t len[PV_MAX_PREFIXES];
} pv_prefix_list;

/* What was wrong with the configuration: one line each for the log. */
#define PV_CONFIG_PROBLEMS 8
#define PV_CONFIG_PROBLEM_MAX 200

typedef struct pv_config {
  const char *dir;            /* dir, PROVIO_DIR; NULL disables recording */
  enum pv_mode mode;          /* mode, PROVIO_MODE */
  const char *log_path;       /* log, PROVIO_LOG; NULL: no diagnostics at all */
  const char *job;            /* job_id, PROVIO_JOB_ID, overrides scheduler ids */
  unsigned records;           /* enum pv_record_class bits switched on */
  pv_prefix_list exclude;     /* paths never recorded */
  pv_prefix_list include;     /* exceptions to exclude (/dev/shm) */
  pv_prefix_list local;       /* node-local prefixes: file IRIs name the host */
  int problems;               /* how many; the first PV_CONFIG_PROBLEMS are described */
  char problem[PV_CONFIG_PROBLEMS][PV_CONFIG_PROBLEM_MAX];
} pv_config;

/* Fills c: defaults, then the file $PROVIO_CONFIG, then the environment.
 * A bad setting keeps the value before it and is described in c->problem;
 * nothing is printed.  Strings point into static storage or the
 * environment.  Not thread-safe: once per process. */
void pv_config_load(pv_config *c);

/* The steps of pv_config_load, for provio-run, which must see what a
 * configuration file says without the environment. */
void pv_config_defaults(pv_config *c);
void pv_config_read_file(pv_config *c, const char *path);

/* The configuration file syntax, the one parser of it: text (n bytes,
 * changed in place) is lines of "key = value" (blanks around both
 * dropped), blank lines and lines starting with #; text[n] must be
 * writable (a value may end there).  For each setting,
 * setting(ctx, line, key, value) with both NUL-terminated; for each other
 * line, problem(ctx, line, what). */
void pv_config_parse(char *text, size_t n, void (*setting)(void *ctx, int line, const char *key, const char *value),
                     void (*problem)(void *ctx, int line, const char *what), void *ctx);

/* Splits a colon-separated list into l, copying into storage (size cap).
 * Empty elements are skipped. */
void pv_prefix_list_parse(pv_prefix_list *l, const char *spec, char *storage, size_t cap);

/* Whether path (n bytes) equals a listed prefix or lies below one. */
int pv_prefix_list_match(const pv_prefix_list *l, const char *path, size_t n);

#endif
