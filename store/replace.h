/* replace.h - adding a segment to a store.
 *
 * Redland's BDB storage has no transactions, so a merge never writes into
 * the data readers read: it writes its triples into a new data directory
 * (a segment) in the store, writes it to disk, and then replaces the
 * store's marker, which lists the segments, with a plain rename
 * (renameat2's flags are refused by NFS, Lustre and FUSE; a rename over a
 * file is atomic on all of them).  A reader that read the old marker
 * reads the old segments; one that reads the marker afterwards sees the
 * new one too; a merge that fails, is interrupted or killed leaves the old
 * marker, and so the old store, as it was.  A new store is built whole in
 * a directory beside its place and renamed there.  Leftovers of killed
 * merges are removed by the next merge once their lock shows that nobody
 * holds them. */
#ifndef PROVIO_STORE_REPLACE_H
#define PROVIO_STORE_REPLACE_H

#include <stddef.h>

#include "store.h"

enum pv_target_kind {
  PV_TARGET_NEW = 0,    /* nothing there (or an empty directory): the merge makes the store */
  PV_TARGET_STORE = 1,  /* an existing provio store */
};

typedef struct pv_target {
  char *path;           /* the store directory as given */
  char *root;           /* holds the marker and the lock: path, or a new store's directory beside it */
  char *data;           /* the new data directory being filled, in root */
  char *old_data;       /* the newest data directory of the existing store (or NULL) */
  pv_marker marker;     /* the existing store's */
  int keep;             /* of its segments, how many (the oldest) the new marker keeps */
  int kind;             /* enum pv_target_kind */
  int lock_fd;          /* root's provio-lock, locked with flock or fcntl */
  int lock_excl;        /* or locked with an O_EXCL owner file */
  int placed;           /* a new store's root was renamed into place */
} pv_target;

/* Checks that path can become or is a provio store that this process may
 * replace; locks an existing one, removes what killed merges left, and
 * checks its files against the checksums of its marker.  0, or a
 * PV_STORE_* status of store.h with a one-line message in err. */
int pv_target_open(pv_target *t, const char *path, char *err, size_t errlen);

/* Makes the directory for the new segment (t->data): empty, or, for a
 * store of marker version 1, holding a copy of its data files except
 * those named in skip (NULL-terminated). */
int pv_target_prepare(pv_target *t, const char *const *skip, char *err, size_t errlen);

/* Writes the new segment to disk and puts in place a marker naming the
 * t->keep oldest segments and the new one; removes the segments no longer
 * named and the files called superseded (if not NULL) of those kept: the
 * new segment holds what replaces them. */
int pv_target_commit(pv_target *t, const char *superseded, char *err, size_t errlen);

/* Deletes the new data if it is still there and unlocks; frees t. */
void pv_target_close(pv_target *t);

/* Removes a directory and everything in it (symbolic links not followed). */
int pv_remove_dir(const char *dir);

#endif
