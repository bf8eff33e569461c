/* replace.h - replacing a store directory as a whole.
 *
 * Redland's BDB storage has no transactions, so a merge never writes into
 * the store it reads: it builds a new store directory beside the old one
 * (a copy of it, then the additions) and swaps the two names with one
 * renameat2(RENAME_EXCHANGE).  A reader that opened the old store keeps
 * reading it whole; one that opens the store afterwards sees the new one
 * whole; a merge that fails or is interrupted leaves the old one as it was. */
#ifndef PROVIO_STORE_REPLACE_H
#define PROVIO_STORE_REPLACE_H

#include <stddef.h>

enum pv_target_kind {
  PV_TARGET_NEW = 0,    /* nothing there (or an empty directory): the merge makes the store */
  PV_TARGET_STORE = 1,  /* an existing provio store */
};

typedef struct pv_target {
  char *path;           /* the store directory as given */
  char *tmp;            /* the new store being built, beside it */
  int kind;             /* enum pv_target_kind */
  int empty_dir;        /* path is an empty directory */
  int lock_fd;          /* the old store, locked against a second merge */
} pv_target;

/* Checks that path can become or is a provio store that this process may
 * replace, and locks an existing one.  0, or a PV_STORE_* status of
 * store.h with a one-line message in err. */
int pv_target_open(pv_target *t, const char *path, char *err, size_t errlen);

/* Makes the directory for the new store beside the old one (t->tmp):
 * empty (copy=0), or holding a copy of the old store's files except those
 * named in skip (NULL-terminated). */
int pv_target_prepare(pv_target *t, int copy, const char *const *skip, char *err, size_t errlen);

/* Flushes the new store to disk and puts it in place of the old one, which
 * is then deleted. */
int pv_target_commit(pv_target *t, char *err, size_t errlen);

/* Deletes the new store if it is still there and unlocks; frees t. */
void pv_target_close(pv_target *t);

/* Removes a directory and the files in it (one level: stores are flat). */
int pv_remove_flat_dir(const char *dir);

#endif
