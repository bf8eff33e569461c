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

/* The calls below record on the calling process and thread (and so its
 * MPI rank), timestamped, through the same per-thread files as captured
 * I/O.  Each returns 0 if recorded, -1 if the process is not recording
 * (then it costs one load and compare) or an argument is NULL.  They are
 * thread-safe, never print and leave errno as it was; strings may hold
 * any bytes, and paths are named as the program names them. */

/* A setting of this run (a configuration value, a hyperparameter), in
 * group, such as "Hyperparameters", "Preselection" or "Training" (NULL:
 * none).  prov-query's `config` shows it for every file the run made. */
PROVIO_API int provio_config(const char *group, const char *key, const char *value);

/* provio_config(NULL, key, value). */
PROVIO_API int provio_annotate(const char *key, const char *value);

/* A configuration file as a whole: its current version becomes an input
 * (prov:used) of this process.  Its content is not parsed. */
PROVIO_API int provio_config_file(const char *path);

/* A measured value (accuracy, loss) at step, an epoch or iteration (-1:
 * none).  NaN and infinities are kept. */
PROVIO_API int provio_metric(const char *name, double value, long step);

/* Marks the file at path, as this process last wrote it (call it once the
 * file is written), as a checkpoint at step (-1: none), tied to this
 * process's settings. */
PROVIO_API int provio_checkpoint(const char *path, long step);

/* A free label of the run: workflow type, campaign, experiment name. */
PROVIO_API int provio_label(const char *key, const char *value);

/* Classes and relations of the program's own, <https://w3id.org/provio/
 * user#NAME>, declared under parent (rdfs:subClassOf, rdfs:subPropertyOf)
 * so that queries over the standard terms find them.  parent: "prov:X",
 * "provio:X", a full IRI, or the name of another declared term; NULL is
 * prov:Entity for a class, prov:wasInfluencedBy for a relation. */
PROVIO_API int provio_declare_class(const char *name, const char *parent);
PROVIO_API int provio_declare_relation(const char *name, const char *parent);

/* States `subject relation object` between two files; relation is named
 * as a parent above (a declared name, "prov:X", an IRI). */
PROVIO_API int provio_relate(const char *subject_path, const char *relation, const char *object_path);

#ifdef __cplusplus
}
#endif

#endif
