/* store_union.c - a Redland storage that reads several segments as one.
 *
 * A merge writes its triples into a segment of its own instead of into a
 * copy of the whole store (docs/prov-merge.md, "The store"), so a store is
 * a list of Redland hashes/BDB storages, oldest first.  Their triples are
 * disjoint (a merge stores only triples the store does not hold), so the
 * union is their concatenation, less the triples a newer segment removed:
 * each segment's PV_STORE_REMOVED lists the hashes (term.h) of triples of
 * older segments that its merge took out (a counter's superseded value, a
 * derivation that no longer holds).  A triple of segment i is visible
 * unless a segment after i removed it.
 *
 * Registered as "provio-union" in the store's world; pv_union_new builds
 * one over storages already made (not yet opened): the newest is the one
 * written to when dir is given. */
#define _GNU_SOURCE
#include "store_union.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "term.h"

#define UNION_NAME "provio-union"

typedef struct removal {
  pv_hash h;
  int32_t by;  /* the newest segment that removed it; -1: free slot */
} removal;

typedef struct uni {
  librdf_storage **seg;
  int n;
  char *dir;           /* the newest segment's directory, written to; NULL: read only */
  removal *rm;         /* open addressing by hash */
  size_t rm_mask, rm_count;
  pv_hash *added_rm;   /* removals of this writer, saved in dir */
  size_t nadded, capadded;
  int dirty;
  pv_buf enc;
} uni;

/* the storages pv_union_new hands to the factory's init */
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;
static uni *handoff;

static removal *rm_slot(uni *u, pv_hash h)
{
  size_t i = (size_t)h.lo & u->rm_mask;
  while (u->rm[i].by >= 0 && (u->rm[i].h.hi != h.hi || u->rm[i].h.lo != h.lo)) i = (i + 1) & u->rm_mask;
  return &u->rm[i];
}

static int rm_put(uni *u, pv_hash h, int32_t by)
{
  if ((u->rm_count + 1) * 10 > (u->rm_mask + 1) * 7) {
    size_t cap = u->rm_mask ? 2 * (u->rm_mask + 1) : 1024;
    removal *old = u->rm;
    size_t old_cap = u->rm_mask ? u->rm_mask + 1 : 0;
    u->rm = malloc(cap * sizeof *u->rm);
    if (!u->rm) {
      u->rm = old;
      return -1;
    }
    for (size_t i = 0; i < cap; i++) u->rm[i].by = -1;
    u->rm_mask = cap - 1;
    for (size_t i = 0; i < old_cap; i++)
      if (old[i].by >= 0) *rm_slot(u, old[i].h) = old[i];
    free(old);
  }
  removal *r = rm_slot(u, h);
  if (r->by < 0) {
    u->rm_count++;
    r->h = h;
    r->by = by;
  } else if (by > r->by) {
    r->by = by;
  }
  return 0;
}

/* Whether a triple of segment i is in the union. */
static int visible(uni *u, int i, librdf_statement *st)
{
  if (!u->rm_count) return 1;
  u->enc.len = 0;
  size_t n = pv_enc_statement(&u->enc, st);
  if (!n) return 1;
  removal *r = rm_slot(u, pv_hash_bytes(u->enc.p, n));
  return r->by <= i;
}

static int load_removed(uni *u, int by, const char *dir)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, PV_STORE_REMOVED);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  pv_hash h[256];
  ssize_t got;
  int rc = 0;
  while (rc == 0 && (got = read(fd, h, sizeof h)) > 0)
    for (size_t i = 0; rc == 0 && i < (size_t)got / sizeof *h; i++) rc = rm_put(u, h[i], by);
  close(fd);
  return rc;
}

static void uni_free(uni *u)
{
  for (int i = 0; i < u->n; i++)
    if (u->seg[i]) librdf_free_storage(u->seg[i]);
  free(u->seg);
  free(u->dir);
  free(u->rm);
  free(u->added_rm);
  pv_buf_free(&u->enc);
  free(u);
}

/* ---- the factory ---- */

static int u_init(librdf_storage *storage, const char *name, librdf_hash *options)
{
  (void)name;
  if (options) librdf_free_hash(options);
  uni *u = handoff;
  handoff = NULL;
  if (!u) return 1;
  librdf_storage_set_instance(storage, u);
  return 0;
}

static void u_terminate(librdf_storage *storage)
{
  uni *u = librdf_storage_get_instance(storage);
  if (u) uni_free(u);
}

static int u_open(librdf_storage *storage, librdf_model *model)
{
  uni *u = librdf_storage_get_instance(storage);
  /* Berkeley DB opens its files here: the old segments, only read, with
   * its default cache, the one written with the cache asked for */
  size_t cache = pv_bdb_cache(0);
  int i = 0;
  for (; i < u->n; i++) {
    pv_bdb_cache(i == u->n - 1 && u->dir ? cache : 0);
    if (librdf_storage_open(u->seg[i], model) != 0) break;
  }
  pv_bdb_cache(cache);
  if (i == u->n) return 0;
  while (i-- > 0) librdf_storage_close(u->seg[i]);
  return 1;
}

static int save_removed(uni *u)
{
  if (!u->dirty) return 0;
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", u->dir, PV_STORE_REMOVED);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return 1;
  size_t bytes = u->nadded * sizeof *u->added_rm;
  int ok = write(fd, u->added_rm, bytes) == (ssize_t)bytes;
  if (close(fd) != 0) ok = 0;
  u->dirty = !ok;
  return !ok;
}

static int u_sync(librdf_storage *storage)
{
  uni *u = librdf_storage_get_instance(storage);
  int rc = u->dir ? librdf_storage_sync(u->seg[u->n - 1]) : 0;
  return rc | (u->dir ? save_removed(u) : 0);
}

static int u_close(librdf_storage *storage)
{
  uni *u = librdf_storage_get_instance(storage);
  int rc = u->dir ? save_removed(u) : 0;
  for (int i = 0; i < u->n; i++) rc |= librdf_storage_close(u->seg[i]);
  return rc;
}

static int u_size(librdf_storage *storage)
{
  uni *u = librdf_storage_get_instance(storage);
  long total = 0;
  for (int i = 0; i < u->n; i++) {
    int n = librdf_storage_size(u->seg[i]);
    if (n < 0) return -1;
    total += n;
  }
  total -= (long)u->rm_count;
  return total < 0 ? 0 : (int)total;
}

static int u_add(librdf_storage *storage, librdf_statement *st)
{
  uni *u = librdf_storage_get_instance(storage);
  return u->dir ? librdf_storage_add_statement(u->seg[u->n - 1], st) : 1;
}

static int u_add_stream(librdf_storage *storage, librdf_stream *stream)
{
  uni *u = librdf_storage_get_instance(storage);
  return u->dir ? librdf_storage_add_statements(u->seg[u->n - 1], stream) : 1;
}

/* Whether segment g holds st.  Through a search: Redland's own check
 * (DB_GET_BOTH) fails on a segment opened read-only. */
static int holds(librdf_storage *g, librdf_statement *st)
{
  librdf_stream *found = librdf_storage_find_statements(g, st);
  int yes = found && !librdf_stream_end(found);
  if (found) librdf_free_stream(found);
  return yes;
}

static int u_contains(librdf_storage *storage, librdf_statement *st)
{
  uni *u = librdf_storage_get_instance(storage);
  for (int i = u->n - 1; i >= 0; i--)
    if (holds(u->seg[i], st) && visible(u, i, st)) return 1;
  return 0;
}

static int u_remove(librdf_storage *storage, librdf_statement *st)
{
  uni *u = librdf_storage_get_instance(storage);
  if (!u->dir) return 1;
  int newest = u->n - 1, rc = 0;
  if (holds(u->seg[newest], st))
    rc = librdf_storage_remove_statement(u->seg[newest], st);
  for (int i = newest - 1; rc == 0 && i >= 0; i--) {
    if (!holds(u->seg[i], st) || !visible(u, i, st)) continue;
    u->enc.len = 0;
    size_t n = pv_enc_statement(&u->enc, st);
    pv_hash h = pv_hash_bytes(u->enc.p, n);
    if (!n || rm_put(u, h, newest) != 0) return 1;
    if (u->nadded == u->capadded) {
      size_t cap = u->capadded ? 2 * u->capadded : 256;
      pv_hash *grown = realloc(u->added_rm, cap * sizeof *grown);
      if (!grown) return 1;
      u->added_rm = grown;
      u->capadded = cap;
    }
    u->added_rm[u->nadded++] = h;
    u->dirty = 1;
    break;
  }
  return rc;
}

/* ---- the union stream ---- */

typedef struct ustream {
  uni *u;
  librdf_statement *pattern;  /* NULL: everything */
  int i;                      /* the segment being read */
  librdf_stream *cur;         /* its stream; NULL at the end */
} ustream;

/* Moves to the next visible statement from where cur is, across segments. */
static void settle(ustream *s)
{
  for (;;) {
    while (s->cur && !librdf_stream_end(s->cur)) {
      librdf_statement *st = librdf_stream_get_object(s->cur);
      if (st && visible(s->u, s->i, st)) return;
      librdf_stream_next(s->cur);
    }
    if (s->cur) librdf_free_stream(s->cur);
    s->cur = NULL;
    if (++s->i >= s->u->n) return;
    librdf_storage *g = s->u->seg[s->i];
    s->cur = s->pattern ? librdf_storage_find_statements(g, s->pattern) : librdf_storage_serialise(g);
    if (!s->cur) return;
  }
}

static int us_end(void *ctx) { return ((ustream *)ctx)->cur == NULL; }

static int us_next(void *ctx)
{
  ustream *s = ctx;
  if (!s->cur) return 1;
  librdf_stream_next(s->cur);
  settle(s);
  return s->cur == NULL;
}

static void *us_get(void *ctx, int flags)
{
  ustream *s = ctx;
  if (!s->cur) return NULL;
  if (flags == LIBRDF_ITERATOR_GET_METHOD_GET_CONTEXT) return librdf_stream_get_context2(s->cur);
  return librdf_stream_get_object(s->cur);
}

static void us_finished(void *ctx)
{
  ustream *s = ctx;
  if (s->cur) librdf_free_stream(s->cur);
  if (s->pattern) librdf_free_statement(s->pattern);
  free(s);
}

static librdf_stream *union_stream(librdf_storage *storage, librdf_statement *pattern)
{
  uni *u = librdf_storage_get_instance(storage);
  ustream *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->u = u;
  s->i = -1;
  if (pattern && !(s->pattern = librdf_new_statement_from_statement(pattern))) {
    free(s);
    return NULL;
  }
  settle(s);
  librdf_stream *out = librdf_new_stream(librdf_storage_get_world(storage), s, us_end, us_next, us_get, us_finished);
  if (!out) us_finished(s);
  return out;
}

static librdf_stream *u_serialise(librdf_storage *storage) { return union_stream(storage, NULL); }

static librdf_stream *u_find(librdf_storage *storage, librdf_statement *pattern)
{
  return union_stream(storage, pattern);
}

/* ---- sources and targets ----
 * Without these Redland answers get_targets and get_sources through
 * find_statements, decoding whole statements of every segment and mapping
 * them to one node: impact of a file over a store of 4 segments took 4x
 * the time over one.  Each segment's hashes answer them from one index,
 * decoding only the node asked for. */

typedef struct unodes {
  uni *u;
  librdf_node *a, *b; /* targets: (source, arc); sources: (arc, target) */
  int targets;
  int i;              /* the segment being read */
  librdf_iterator *cur;
} unodes;

static int node_visible(unodes *s, librdf_node *n)
{
  if (!s->u->rm_count) return 1;
  librdf_world *w = librdf_storage_get_world(s->u->seg[s->i]);
  librdf_node *sub = s->targets ? s->a : n, *pred = s->targets ? s->b : s->a, *obj = s->targets ? n : s->b;
  librdf_statement *st = librdf_new_statement_from_nodes(w, librdf_new_node_from_node(sub),
                                                         librdf_new_node_from_node(pred),
                                                         librdf_new_node_from_node(obj));
  int yes = !st || visible(s->u, s->i, st);
  if (st) librdf_free_statement(st);
  return yes;
}

static void settle_nodes(unodes *s)
{
  for (;;) {
    while (s->cur && !librdf_iterator_end(s->cur)) {
      librdf_node *n = librdf_iterator_get_object(s->cur);
      if (n && node_visible(s, n)) return;
      librdf_iterator_next(s->cur);
    }
    if (s->cur) librdf_free_iterator(s->cur);
    s->cur = NULL;
    if (++s->i >= s->u->n) return;
    librdf_storage *g = s->u->seg[s->i];
    s->cur = s->targets ? librdf_storage_get_targets(g, s->a, s->b) : librdf_storage_get_sources(g, s->a, s->b);
    if (!s->cur) return;
  }
}

static int un_end(void *ctx) { return ((unodes *)ctx)->cur == NULL; }

static int un_next(void *ctx)
{
  unodes *s = ctx;
  if (!s->cur) return 1;
  librdf_iterator_next(s->cur);
  settle_nodes(s);
  return s->cur == NULL;
}

static void *un_get(void *ctx, int flags)
{
  unodes *s = ctx;
  if (!s->cur) return NULL;
  if (flags == LIBRDF_ITERATOR_GET_METHOD_GET_CONTEXT) return librdf_iterator_get_context(s->cur);
  return librdf_iterator_get_object(s->cur);
}

static void un_finished(void *ctx)
{
  unodes *s = ctx;
  if (s->cur) librdf_free_iterator(s->cur);
  librdf_free_node(s->a);
  librdf_free_node(s->b);
  free(s);
}

static librdf_iterator *union_nodes(librdf_storage *storage, librdf_node *a, librdf_node *b, int targets)
{
  uni *u = librdf_storage_get_instance(storage);
  unodes *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  *s = (unodes){u, librdf_new_node_from_node(a), librdf_new_node_from_node(b), targets, -1, NULL};
  if (!s->a || !s->b) {
    if (s->a) librdf_free_node(s->a);
    if (s->b) librdf_free_node(s->b);
    free(s);
    return NULL;
  }
  settle_nodes(s);
  librdf_iterator *out = librdf_new_iterator(librdf_storage_get_world(storage), s, un_end, un_next, un_get, un_finished);
  if (!out) un_finished(s);
  return out;
}

static librdf_iterator *u_targets(librdf_storage *storage, librdf_node *source, librdf_node *arc)
{
  return union_nodes(storage, source, arc, 1);
}

static librdf_iterator *u_sources(librdf_storage *storage, librdf_node *arc, librdf_node *target)
{
  return union_nodes(storage, arc, target, 0);
}

static void u_factory(librdf_storage_factory *f)
{
  /* Redland has set the name and label */
  *f = (librdf_storage_factory){.version = LIBRDF_STORAGE_INTERFACE_VERSION, .name = f->name, .label = f->label,
                                .init = u_init, .terminate = u_terminate, .open = u_open, .close = u_close,
                                .size = u_size, .add_statement = u_add, .add_statements = u_add_stream,
                                .remove_statement = u_remove, .contains_statement = u_contains,
                                .serialise = u_serialise, .find_statements = u_find, .find_sources = u_sources,
                                .find_targets = u_targets, .sync = u_sync};
}

void pv_union_register(librdf_world *world)
{
  librdf_storage_register_factory(world, UNION_NAME, "provio segments", u_factory);
}

librdf_storage *pv_union_new(librdf_world *world, librdf_storage **segs, int n, const char *const *dirs,
                             int writable)
{
  uni *u = calloc(1, sizeof *u);
  if (!u || !(u->seg = calloc((size_t)n, sizeof *u->seg))) {
    free(u);
    return NULL;
  }
  int ok = !writable || (u->dir = strdup(dirs[n - 1]));
  for (int i = 0; ok && i < n; i++) ok = load_removed(u, i, dirs[i]) == 0;
  /* from here the union owns the storages */
  memcpy(u->seg, segs, (size_t)n * sizeof *segs);
  u->n = n;
  if (!ok) {
    uni_free(u);
    return NULL;
  }
  pthread_mutex_lock(&handoff_lock);
  handoff = u;
  librdf_storage *s = librdf_new_storage(world, UNION_NAME, NULL, NULL);
  if (handoff) { /* init never ran */
    handoff = NULL;
    uni_free(u);
  }
  pthread_mutex_unlock(&handoff_lock);
  return s;
}
