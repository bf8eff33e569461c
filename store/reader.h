/* reader.h - finding and reading provio record files (docs/model.md,
 * "Record files"), finished or not, keeping every good line.
 *
 * Finding is one pass over the given paths (pv_rfiles_find).  Reading works
 * on windows of a file so that one large file spreads over several parser
 * threads; each thread has its own pv_reader (its own raptor world).
 *
 * Lines are checked by us first (one N-Triples statement, IRIs absolute,
 * literals closed on the line, no blank nodes) and only then handed to
 * raptor: raptor's own recovery after a bad line can swallow the good lines
 * after it while its parse calls still report success.  What raptor then
 * reports through its log handler is tied to the line it names, and a line
 * counts only if it gave exactly one statement and no message. */
#ifndef PROVIO_STORE_READER_H
#define PROVIO_STORE_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "term.h"

/* Who wrote a thread's record files, from the head of its first file: what
 * the records leave out of each session and the merge adds back
 * (docs/model.md, "What the records leave out"). */
typedef struct pv_rheader {
  char *process;      /* provio:threadOf: the process the thread belongs to */
  char *agent;        /* the thread, if it is recorded as a prov:SoftwareAgent */
} pv_rheader;

typedef struct pv_rfile {
  char *path;
  dev_t dev;          /* the file found: a window opens only the same one */
  ino_t ino;
  int follow;         /* named through a symbolic link the user asked to follow */
  char *group;        /* path without segment and ".nt": one thread's files */
  off_t data_end;     /* after the data, before any padding */
  int finished;       /* set by the reader: saw "# provio-end" */
  char *thread_iri;   /* set by the reader: the thread this file records */
  long head;          /* the group's first file (segment 0) in pv_rfiles, -1 if not found */
  pv_rheader *header; /* set by pv_rfile_header (on the head file) */
} pv_rfile;

typedef struct pv_rfiles {
  pv_rfile *v;
  size_t n, cap;
  char **warnings;    /* "PATH: skipped: why", one per file or directory left out */
  size_t nwarnings;
} pv_rfiles;

enum pv_find_status {
  PV_FIND_OK = 0,
  PV_FIND_MISSING,    /* a path does not exist */
  PV_FIND_EMPTY,      /* no record files under the paths */
  PV_FIND_FOREIGN,    /* a .nt file (or a named file) that is not a provio record file */
  PV_FIND_IO,         /* cannot read a directory or file */
  PV_FIND_REFUSED,    /* another user's (or a group- or world-writable) file or
                         directory, or a symbolic link not to be followed */
};

enum pv_find_flags {
  PV_FIND_FOLLOW = 1,       /* follow symbolic links named as paths */
  PV_FIND_SKIP_FOREIGN = 2, /* leave out (with a warning) what PV_FIND_REFUSED refuses */
};

/* Collects every "*.nt" file below the given directories (recursively,
 * symlinks below them not followed) and every file named directly, sorted
 * by path.  Files and directories must belong to the user and be writable
 * by nobody else: a record another user could have planted is refused
 * (flags: PV_FIND_SKIP_FOREIGN).  Anything that is not a regular file
 * (a FIFO, a device) is left out with a warning, never opened for
 * reading.  Fails on the first problem, with a one-line message in err. */
int pv_rfiles_find(pv_rfiles *out, char *const *paths, int npaths, int flags, char *err, size_t errlen);
void pv_rfiles_free(pv_rfiles *f);

/* The header of file i's thread, read once from the head of its group's
 * first file (thread-safe; an empty header if that file is not among
 * those found or its head is damaged); NULL only if memory ran out. */
const pv_rheader *pv_rfile_header(pv_rfiles *files, size_t i);

/* What a reader reports while reading a window. */
typedef struct pv_reader_sink {
  void *ctx;
  /* one good triple: its encoding (pv_dec_triple reads it) */
  int (*triple)(void *ctx, const char *enc, size_t n);
  /* a line that was skipped: byte offset of its start in the file, why */
  void (*reject)(void *ctx, off_t line_start, const char *why);
} pv_reader_sink;

typedef struct pv_reader pv_reader;
pv_reader *pv_reader_new(void);
void pv_reader_free(pv_reader *r);

/* Reads the lines of f that start in [start, end) (the last one may run
 * past end).  Returns 0, -1 if the file cannot be read, or the non-zero
 * value a sink callback returned (which stops the reading). */
int pv_reader_window(pv_reader *r, pv_rfile *f, off_t start, off_t end, const pv_reader_sink *sink);

/* Checks that line (n bytes, no newline) is one N-Triples statement of the
 * form provio writes.  Returns NULL if so, else why not. */
const char *pv_nt_check_line(const char *line, size_t n);

/* Line numbers (1-based) of the lines starting at byte offsets offs
 * (ascending) of path, in one pass; 0 where the file cannot be read. */
void pv_line_numbers(const char *path, const off_t *offs, long *lines, size_t n);

#endif
