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
 * duplicate check (pv_bdb_adding_new).
 *
 * It also puts the pairs of statements known to be new in key order.
 * Redland writes each statement into its three btrees as it comes, at
 * keys all over each tree: every insert lands on another leaf, which
 * splits half full, and once the files outgrow the cache nearly every
 * insert evicts a dirty page (a 40k-rank job: 3M triples, 271 s).  The
 * pairs are kept per file (PENDING_MAX bytes at most) and put sorted the
 * way BDB compares keys; into a new file that is an append, which fills
 * pages whole.  Duplicates of one key keep their order (the sort is
 * stable).  Anything else done on the file (a read, a cursor, a delete,
 * sync, close) first puts what is pending, so nobody sees a difference;
 * pv_bdb_put_failed reports a put that failed meanwhile. */
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
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Redland's only DB_GET_BOTH lookup through DB->get is its "does the
 * store hold this statement" check before an add (deletes go through a
 * cursor). */
static int (*real_get)(DB *, DB_TXN *, DBT *, DBT *, u_int32_t);

static int (*real_put)(DB *, DB_TXN *, DBT *, DBT *, u_int32_t);
static int (*real_del)(DB *, DB_TXN *, DBT *, u_int32_t);
static int (*real_cursor)(DB *, DB_TXN *, DBC **, u_int32_t);
static int (*real_cursor_get)(DBC *, DBT *, DBT *, u_int32_t);
static int (*real_sync)(DB *, u_int32_t);
static int (*real_close)(DB *, u_int32_t);

#define PENDING_MAX (32u << 20)
#define PAGE_SIZE (64u << 10)

/* A file's pairs not yet put: [key length, data length, key, data] each,
 * from `at` in arena; `order` their offsets, sorted when put. */
typedef struct pending {
  char *arena;
  size_t len, cap;
  size_t *order, n, ncap;
} pending;

static int failed; /* a deferred put failed since the last pv_bdb_put_failed */

/* The handles open in this process, for pv_bdb_file (a store has three). */
#define OPEN_MAX 64
static DB *open_dbs[OPEN_MAX];
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_open(DB *db, DB *was)
{
  pthread_mutex_lock(&open_lock);
  for (int i = 0; i < OPEN_MAX; i++)
    if (open_dbs[i] == was) {
      open_dbs[i] = db;
      break;
    }
  pthread_mutex_unlock(&open_lock);
}

static const char *sort_base;

/* BDB's default btree order: bytes, then the shorter first. */
static int bytes_order(const void *a, size_t la, const void *b, size_t lb)
{
  int c = memcmp(a, b, la < lb ? la : lb);
  return c ? c : (la > lb) - (la < lb);
}

/* The same order as BDB's own __bam_defcmp, which compares byte by byte:
 * Redland's keys share long prefixes (a process's IRI), and that loop was
 * a third of a lineage walk's instructions.  Being the same order, it
 * reads files written with the default. */
static int key_order(DB *db, const DBT *a, const DBT *b)
{
  (void)db;
  return bytes_order(a->data, a->size, b->data, b->size);
}

static int by_key(const void *pa, const void *pb)
{
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  uint32_t la, lb;
  memcpy(&la, sort_base + a, 4);
  memcpy(&lb, sort_base + b, 4);
  int c = bytes_order(sort_base + a + 8, la, sort_base + b + 8, lb);
  return c ? c : (a > b) - (a < b);
}

static int put_pending(DB *db)
{
  pending *p = db->app_private;
  if (!p || !p->n) return 0;
  sort_base = p->arena;
  qsort(p->order, p->n, sizeof *p->order, by_key);
  int rc = 0;
  for (size_t i = 0; i < p->n; i++) {
    const char *e = p->arena + p->order[i];
    DBT key = {0}, data = {0};
    memcpy(&key.size, e, 4);
    memcpy(&data.size, e + 4, 4);
    key.data = (void *)(e + 8);
    data.data = (void *)(e + 8 + key.size);
    int r = real_put(db, NULL, &key, &data, 0);
    if (r && !rc) rc = r;
  }
  p->len = p->n = 0;
  if (rc) failed = 1;
  return rc;
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 1024;
  while (c < need) c *= 2;
  void *m = realloc(*v, c * size);
  if (!m) return -1;
  *v = m;
  *cap = c;
  return 0;
}

static int put_in_order(DB *db, DB_TXN *txn, DBT *key, DBT *data, u_int32_t flags)
{
  pending *p = db->app_private;
  if (!known_new || flags || txn || !p) {
    put_pending(db);
    return real_put(db, txn, key, data, flags);
  }
  size_t need = 8 + (size_t)key->size + data->size;
  if (p->len + need > PENDING_MAX && put_pending(db)) return -1;
  if (grow((void **)&p->arena, &p->cap, p->len + need, 1) || grow((void **)&p->order, &p->ncap, p->n + 1, sizeof(size_t))) {
    put_pending(db);
    return real_put(db, txn, key, data, flags);
  }
  char *e = p->arena + p->len;
  memcpy(e, &key->size, 4);
  memcpy(e + 4, &data->size, 4);
  memcpy(e + 8, key->data, key->size);
  memcpy(e + 8 + key->size, data->data, data->size);
  p->order[p->n++] = p->len;
  p->len += need;
  return 0;
}

/* With a comparison function of its own (key_order), BDB hands back a
 * copy of the key even for the lookups that take it as input (DB->get,
 * DB_SET, DB_GET_BOTH): the tree's key may differ from an equal one given.  With
 * DB_DBT_MALLOC on the key, as Redland's cursors ask, that copy is
 * malloc'd and Redland, which expects its own key back, never frees it
 * (about 90 bytes per lookup).  The keys are equal byte for byte here, so
 * the caller gets its own back and the copy is freed. */
static void keep_given_key(DBT *key, u_int32_t flags, void *given, u_int32_t size, int rc)
{
  u_int32_t op = flags & DB_OPFLAGS_MASK;
  if ((op != 0 && op != DB_SET && op != DB_GET_BOTH) || key->data == given) return;
  if (rc == 0 && (key->flags & DB_DBT_MALLOC)) free(key->data);
  key->data = given;
  key->size = size;
}

static int get_unless_new(DB *db, DB_TXN *txn, DBT *key, DBT *data, u_int32_t flags)
{
  if (known_new && flags == DB_GET_BOTH) return DB_NOTFOUND;
  put_pending(db);
  void *given = key->data;
  u_int32_t size = key->size;
  int rc = real_get(db, txn, key, data, flags);
  keep_given_key(key, flags, given, size, rc);
  return rc;
}

static int cursor_get(DBC *c, DBT *key, DBT *data, u_int32_t flags)
{
  void *given = key->data;
  u_int32_t size = key->size;
  int rc = real_cursor_get(c, key, data, flags);
  keep_given_key(key, flags, given, size, rc);
  return rc;
}

static int del_after_pending(DB *db, DB_TXN *txn, DBT *key, u_int32_t flags)
{
  put_pending(db);
  return real_del(db, txn, key, flags);
}

static int cursor_after_pending(DB *db, DB_TXN *txn, DBC **c, u_int32_t flags)
{
  put_pending(db);
  int rc = real_cursor(db, txn, c, flags);
  /* BDB reuses closed cursors: one may be wrapped already */
  if (rc == 0 && (*c)->get != cursor_get) {
    real_cursor_get = (*c)->get;
    (*c)->get = (*c)->c_get = cursor_get;
  }
  return rc;
}

static int sync_after_pending(DB *db, u_int32_t flags)
{
  int rc = put_pending(db);
  int s = real_sync(db, flags);
  return rc ? rc : s;
}

static int close_after_pending(DB *db, u_int32_t flags)
{
  int rc = put_pending(db);
  pending *p = db->app_private;
  if (p) {
    free(p->arena);
    free(p->order);
    free(p);
  }
  db->app_private = NULL;
  note_open(NULL, db);
  int c = real_close(db, flags);
  return rc ? rc : c;
}

static void keep_message(const DB_ENV *env, const char *prefix, const char *msg)
{
  (void)env;
  (void)prefix;
  snprintf(last, sizeof last, "%s", msg);
}

int pv_bdb_put_failed(void)
{
  int f = failed;
  failed = 0;
  return f ? -1 : 0;
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
    /* Only a new file takes it (an existing one keeps its own); fewer
     * pages to allocate and split per triple: 16k ranks merged with 25%
     * less CPU than with 4 KiB pages, and lookups no slower. */
    (*dbp)->set_pagesize(*dbp, PAGE_SIZE);
    (*dbp)->set_bt_compare(*dbp, key_order);
    DB *db = *dbp;
    real_get = db->get;
    real_put = db->put;
    real_del = db->del;
    real_cursor = db->cursor;
    real_sync = db->sync;
    real_close = db->close;
    db->get = get_unless_new;
    db->put = put_in_order;
    db->del = del_after_pending;
    db->cursor = cursor_after_pending;
    db->sync = sync_after_pending;
    db->close = close_after_pending;
    db->app_private = calloc(1, sizeof(pending));
    note_open(db, NULL);
  }
  return rc;
}

void *pv_bdb_file(const char *path)
{
  DB *found = NULL;
  pthread_mutex_lock(&open_lock);
  for (int i = 0; i < OPEN_MAX && !found; i++) {
    const char *file = NULL, *name = NULL;
    if (open_dbs[i] && open_dbs[i]->get_dbname(open_dbs[i], &file, &name) == 0 && file && !name &&
        strcmp(file, path) == 0)
      found = open_dbs[i];
  }
  pthread_mutex_unlock(&open_lock);
  return found;
}

int pv_bdb_scan(void *file, const void *prefix, size_t len, pv_bdb_each each, void *ctx)
{
  DB *db = file;
  DBC *c;
  if (!db || db->cursor(db, NULL, &c, 0) != 0) return -1;
  /* DB_DBT_REALLOC: one buffer each, grown as the pairs need */
  DBT key = {.data = malloc(len ? len : 1), .size = (u_int32_t)len, .flags = DB_DBT_REALLOC};
  DBT data = {.flags = DB_DBT_REALLOC};
  int rc = key.data ? 0 : -1;
  if (key.data) {
    memcpy(key.data, prefix, len);
    int got = c->get(c, &key, &data, DB_SET_RANGE);
    while (got == 0 && key.size >= len && memcmp(key.data, prefix, len) == 0) {
      int r = each(ctx, key.data, key.size, data.data, data.size);
      if (r < 0) break;
      got = c->get(c, &key, &data, r ? DB_NEXT_NODUP : DB_NEXT);
    }
    if (got != 0 && got != DB_NOTFOUND) rc = -1;
  }
  free(key.data);
  free(data.data);
  c->close(c);
  return rc;
}
#else
int pv_bdb_put_failed(void) { return 0; }
void *pv_bdb_file(const char *path)
{
  (void)path;
  return NULL;
}
int pv_bdb_scan(void *file, const void *prefix, size_t len, pv_bdb_each each, void *ctx)
{
  (void)file, (void)prefix, (void)len, (void)each, (void)ctx;
  return -1;
}
#endif
