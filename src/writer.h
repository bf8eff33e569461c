/* writer.h - one append-only N-Triples file backed by a shared file mapping.
 *
 * Records are copied straight into a MAP_SHARED mapping of the file, so
 * they are in the page cache the moment they are written: a process killed
 * by SIGKILL loses nothing it had committed.  The file grows in chunks; the
 * mapping grows with it (mremap), so the process reserves no more address
 * space than the file's size (a reservation up front counts against
 * `ulimit -v` of the host program).
 *
 * A file that was closed properly is trimmed to its committed length; one
 * that was not ends in newline padding after its last committed line (a
 * partial last line if the process died while writing a record), so it is
 * valid N-Triples as it lies.
 *
 * The writer holds no descriptor: every growth reopens the file by path in
 * a directory whose identity is checked, so a program that closes or
 * replaces all its descriptors (close_range, dup2 over every number)
 * neither loses records nor gets them written into its own directories,
 * and sees the descriptor numbers it would see untracked. */
#ifndef PROVIO_WRITER_H
#define PROVIO_WRITER_H

#include <stddef.h>
#include <sys/types.h>

/* A file starts small: most processes write a few KB, and a forked child
 * that execs at once its start and end records.  32 KiB hold those as
 * bounded from their actual strings (interpose/process.c).  It doubles, up
 * to growth steps of PV_WRITER_CHUNK: every byte of it is written once. */
#define PV_WRITER_FIRST ((size_t)1 << 15)
#define PV_WRITER_CHUNK ((size_t)1 << 20)

/* A directory named by absolute path, and who it must be. */
typedef struct pv_dir {
  const char *path;
  dev_t dev;
  ino_t ino;
} pv_dir;

/* Fills d for path (kept by reference): the directory must be ours and
 * writable by nobody else.  Returns 0 or -errno. */
int pv_dir_init(pv_dir *d, const char *path);

/* A descriptor of d if it is still the directory pv_dir_init saw, else -1. */
int pv_dir_open(const pv_dir *d);

/* Who may write a file now (pv_writer.state, atomic): the thread recording
 * into it, or whoever finishes it at exit, never both. */
enum pv_writer_state { PV_WRITER_IDLE = 0, PV_WRITER_BUSY = 1, PV_WRITER_DONE = 2 };

typedef struct pv_writer {
  const pv_dir *dir;
  char name[96];
  char *base;     /* the file's mapping, offset 0; moves when it grows */
  size_t mapped;  /* bytes of the file mapped (and allocated) */
  size_t len;     /* bytes committed */
  size_t populated; /* bytes of the mapping from 0 whose pages are mapped in */
  int state;      /* enum pv_writer_state */
  int full;       /* the file size limit (RLIMIT_FSIZE) stopped growth */
} pv_writer;

/* Creates dir/name exclusively, 0600, never through a symlink, and maps its
 * first chunk.  Returns 0, or -errno (nothing is left open on failure). */
int pv_writer_open(pv_writer *w, const pv_dir *dir, const char *name);

/* Returns a pointer to n writable bytes at the end of the committed data,
 * or NULL if the file cannot grow (no space, file size limit: w->full).
 * The pointer is valid until the next reserve. */
char *pv_writer_reserve(pv_writer *w, size_t n);

/* Pages are mapped in ahead of the records, a window at a time, once the
 * records come within PV_WRITER_AHEAD bytes of the end of those mapped in
 * (checked when a record is begun): one system call per window instead of
 * a page fault per 4 KiB, and a short process maps in the few pages it
 * writes, not its whole first chunk (a page fault costs 10 us on some
 * virtual machines). */
#define PV_WRITER_AHEAD ((size_t)2048)
#define PV_WRITER_WINDOW_MIN ((size_t)8192)
#define PV_WRITER_WINDOW_MAX ((size_t)1 << 18)

/* Marks everything up to end (inside the last reservation) as written. */
static inline void pv_writer_commit(pv_writer *w, const char *end)
{
  w->len = (size_t)(end - w->base);
}

/* Sets the file's size to len bytes (committed data, or more after it),
 * keeping the mapping; 0 or -1.  What lies past len is dropped. */
int pv_writer_trim(pv_writer *w, size_t len);

/* Undoes a trim: the file is as long as its mapping again, the space after
 * the committed data newline padding.  0 or -1. */
int pv_writer_untrim(pv_writer *w);

/* Trims the file to the committed length and releases the mapping. */
void pv_writer_close(pv_writer *w);

/* Forgets the file without touching the file or the address range: for a
 * forked child, which did not inherit the mapping (MADV_DONTFORK) and may
 * already use the range for something else. */
void pv_writer_forget(pv_writer *w);

#endif
