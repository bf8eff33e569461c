/* store_bdb.c - Berkeley DB under Redland: its messages and its cache.
 *
 * Redland opens each of its BDB files without an environment and sets
 * neither an error callback nor a cache size: BDB then prints its
 * messages on stderr ("BDB0004 fop_read_meta: ... unexpected file type")
 * and uses a 256 KiB cache whatever the store's size (past a few hundred
 * thousand triples nearly every insert then goes through the kernel;
 * measured: 1M triples load 28% faster with 64 MiB).  Redland has no
 * option for either, so the store library defines db_create itself: the
 * dynamic linker binds librdf's call to this definition in the program,
 * which calls the real one and sets both, and can skip Redland's
 * duplicate check (pv_bdb_adding_new). */
#define _GNU_SOURCE
#include "store.h"

#include <stdio.h>

static __thread char last[256];
static size_t cache;

const char *pv_bdb_message(void) { return last; }
void pv_bdb_clear(void) { last[0] = 0; }
size_t pv_bdb_cache(size_t bytes)
{
  size_t was = cache;
  cache = bytes;
  return was;
}

static __thread int known_new;
void pv_bdb_adding_new(int on) { known_new = on; }

#ifdef PROVIO_HAVE_DB_H
#include <db.h>
#include <dlfcn.h>
#include <errno.h>

/* Redland's only DB_GET_BOTH lookup through DB->get is its "does the
 * store hold this statement" check before an add (deletes go through a
 * cursor). */
static int (*real_get)(DB *, DB_TXN *, DBT *, DBT *, u_int32_t);

static int get_unless_new(DB *db, DB_TXN *txn, DBT *key, DBT *data, u_int32_t flags)
{
  if (known_new && flags == DB_GET_BOTH) return DB_NOTFOUND;
  return real_get(db, txn, key, data, flags);
}

static void keep_message(const DB_ENV *env, const char *prefix, const char *msg)
{
  (void)env;
  (void)prefix;
  snprintf(last, sizeof last, "%s", msg);
}

int db_create(DB **dbp, DB_ENV *env, u_int32_t flags)
{
  static int (*real)(DB **, DB_ENV *, u_int32_t);
  if (!real) real = (int (*)(DB **, DB_ENV *, u_int32_t))dlsym(RTLD_NEXT, "db_create");
  if (!real) return ENOENT;
  int rc = real(dbp, env, flags);
  if (rc == 0 && !env) {
    (*dbp)->set_errcall(*dbp, keep_message);
    if (cache) (*dbp)->set_cachesize(*dbp, 0, (u_int32_t)cache, 1);
    real_get = (*dbp)->get;
    (*dbp)->get = get_unless_new;
  }
  return rc;
}
#endif
