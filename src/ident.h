/* ident.h - who is recording, and the IRIs that name things.
 * The scheme is documented in docs/model.md ("Identifiers"). */
#ifndef PROVIO_IDENT_H
#define PROVIO_IDENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "serialize.h"

#define PV_PATH_MAX 4096
#define PV_JOB_MAX 256
#define PV_IRI_MAX 1024

typedef struct pv_identity {
  char host[256];           /* short host name, as the IRIs use it */
  char job[PV_JOB_MAX];     /* e.g. "slurm:1234.0", "pmix:...", "session:node1:4711" */
  const char *scheduler;    /* "slurm", "lsf", "pbs", "flux", "pmix", "provio", "session" */
  pid_t pid;
  int64_t start_ns;         /* when this process image started recording (UTC ns) */
  char job_iri[PV_IRI_MAX];
  char proc_iri[PV_IRI_MAX];  /* the process image: unique per (job, host, pid, start) */
  size_t job_iri_len, proc_iri_len;
  /* urn:provio:r:<host>/<pid>.<start_ns>/: what the names of the image's
   * records start with; unique like proc_iri, without the job's name,
   * since these are the most frequent subjects of the records. */
  char rec_iri[PV_IRI_MAX / 2];
  size_t rec_iri_len;
} pv_identity;

/* <proc_iri>/thread/<tid>; dst needs proc_iri_len + 32 bytes.  Inline:
 * the MPI modules link serialize.c only. */
static inline size_t pv_thread_iri(char *dst, const pv_identity *id, int tid)
{
  char *p = pv_put(dst, id->proc_iri, id->proc_iri_len);
  p = PV_PUT_LIT(p, "/thread/");
  p += pv_fmt_u64(p, (uint64_t)tid);
  return (size_t)(p - dst);
}

/* <rec_iri><kind><n>: record n of the image; dst needs rec_iri_len + 24
 * + strlen(kind) bytes. */
static inline size_t pv_record_iri(char *dst, const pv_identity *id, const char *kind, uint64_t n)
{
  char *p = pv_put(dst, id->rec_iri, id->rec_iri_len);
  p = pv_put(p, kind, strlen(kind));
  p += pv_fmt_u64(p, n);
  return (size_t)(p - dst);
}

/* Fills id for the calling process.  Uses getenv, uname and getpid only. */
void pv_identity_init(pv_identity *id, const pv_config *c, int64_t now_ns);

/* Joins path onto cwd (if relative) and removes ".", ".." and repeated
 * slashes without touching the file system.  Returns the length written
 * (no terminator), or 0 if it does not fit in cap. */
size_t pv_path_canon(char *dst, size_t cap, const char *cwd, const char *path);

/* Writes <file://host/path> for a node-local path or <file:///path>
 * otherwise, with the path percent-encoded (reversible).  canon must be an
 * absolute path from pv_path_canon.  dst needs PV_FILE_IRI_MAX(n) bytes. */
#define PV_FILE_IRI_MAX(n) (16 + 3 * 256 + 3 * (size_t)(n))
size_t pv_file_iri(char *dst, const pv_identity *id, const pv_config *c, const char *canon, size_t n);

/* The same IRI for a path known to be on host (hl bytes; NULL: a shared
 * path), whoever asks: the one place the scheme is spelled out, for the
 * capture and for the store naming a file it was asked about. */
size_t pv_file_iri_on(char *dst, const char *host, size_t hl, const char *canon, size_t n);

/* Reverses pv_file_iri (without the angle brackets): the host part (empty
 * for shared paths) and the original path bytes.  Returns 0, or -1 if iri
 * is not a file IRI of this form. */
int pv_file_iri_parse(const char *iri, size_t n, char *host, size_t host_cap, size_t *host_len,
                      char *path, size_t path_cap, size_t *path_len);

#endif
