/* writer.h - one append-only N-Triples file backed by a shared file mapping.
 *
 * Records are copied straight into a MAP_SHARED mapping of the file, so
 * they are in the page cache the moment they are written: a process killed
 * by SIGKILL loses nothing it had committed.  The mapping lives inside one
 * address range reserved up front, so the file grows in chunks without ever
 * moving and a record can span a chunk boundary.
 *
 * A file that was closed properly is trimmed to its committed length; one
 * that was not ends in NUL padding after its last committed line (or, if the
 * process died between two chunk extensions, in a partial last line). */
#ifndef PROVIO_WRITER_H
#define PROVIO_WRITER_H

#include <stddef.h>

#define PV_WRITER_CHUNK ((size_t)1 << 20)   /* file growth step */
#define PV_WRITER_SPAN ((size_t)1 << 30)    /* address space per file */

/* The writer holds no descriptor between growths: a tracked program sees
 * the same descriptor numbers it would see untracked. */
typedef struct pv_writer {
  int dirfd;
  char name[96];
  char *base;     /* start of the reserved range, file offset 0 */
  size_t mapped;  /* bytes of the file mapped (and allocated) */
  size_t len;     /* bytes committed */
} pv_writer;

/* Creates dirfd/name exclusively, 0600, never through a symlink.
 * Returns 0, or -errno (nothing is left open on failure). */
int pv_writer_open(pv_writer *w, int dirfd, const char *name);

/* Returns a pointer to n writable bytes at the end of the committed data,
 * or NULL if the file cannot grow (no space, span exhausted). */
char *pv_writer_reserve(pv_writer *w, size_t n);

/* Marks everything up to end (inside the last reservation) as written. */
static inline void pv_writer_commit(pv_writer *w, const char *end)
{
  w->len = (size_t)(end - w->base);
}

/* Trims the file to the committed length and releases it. */
void pv_writer_close(pv_writer *w);

/* Releases the mapping without touching the file: for a forked child,
 * whose inherited mappings still point at the parent's files. */
void pv_writer_abandon(pv_writer *w);

#endif
