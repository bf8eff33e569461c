/* replace.h - replacing a store's data as a whole.
 *
 * Redland's BDB storage has no transactions, so a merge never writes into
 * the data it reads: it builds a new data directory in the store (a copy
 * of the current one, then the additions), writes it to disk, and then
 * replaces the store's marker, which names the data directory, with a
 * plain rename (renameat2's flags are refused by NFS, Lustre and FUSE; a
 * rename over a file is atomic on all of them).  A reader that read the
 * old marker reads the old data whole; one that reads the marker
 * afterwards sees the new data whole; a merge that fails, is interrupted
 * or killed leaves the old marker, and so the old store, as it was.  A
 * new store is built whole in a directory beside its place and renamed
 * there.  Leftovers of killed merges are removed by the next merge once
 * their lock shows that nobody holds them. */
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
  char *old_data;       /* the data directory of the existing store (or NULL) */
  pv_marker marker;     /* the existing store's */
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

/* Makes the directory for the new data (t->data): empty (copy=0), or
 * holding a copy of the current data files except those named in skip
 * (NULL-terminated). */
int pv_target_prepare(pv_target *t, int copy, const char *const *skip, char *err, size_t errlen);

/* Writes the new data to disk, puts a marker naming it in place, and
 * removes the old data. */
int pv_target_commit(pv_target *t, char *err, size_t errlen);

/* Deletes the new data if it is still there and unlocks; frees t. */
void pv_target_close(pv_target *t);

/* Removes a directory and everything in it (symbolic links not followed). */
int pv_remove_dir(const char *dir);

#endif
