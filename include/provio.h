/* provio.h - the public C API of provio.
 *
 * Programs need none of this to be tracked: libprovio.so, loaded with
 * LD_PRELOAD (or through provio-run), records their I/O on its own.  These
 * calls let a program add what interception cannot see, such as the settings
 * or hyperparameters a run used, and are safe to call when the program runs
 * untracked: they then do nothing. Link with -lprovio (pkg-config provio). */
#ifndef PROVIO_H
#define PROVIO_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PROVIO_API __attribute__((visibility("default")))
#else
#define PROVIO_API
#endif

#define PROVIO_VERSION_MAJOR 0
#define PROVIO_VERSION_MINOR 1
#define PROVIO_VERSION_PATCH 0

/* "0.1.0": the version of the library actually loaded. */
PROVIO_API const char *provio_version(void);

/* 1 if this process is recording provenance now, 0 otherwise. */
PROVIO_API int provio_active(void);

/* Records a named setting of this run (a configuration value, a
 * hyperparameter) on the current process; prov-query's `config` command
 * shows it for every file the process produced.  Any bytes are allowed.
 * Returns 0 if recorded, -1 if not recording. */
PROVIO_API int provio_annotate(const char *key, const char *value);

#ifdef __cplusplus
}
#endif

#endif
