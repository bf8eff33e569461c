/* seen.c - sharded open-addressing set of triple hashes. */
#include "seen.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#define SHARDS 64
#define DERIVED_BIT 1ULL

/* An empty slot is all zero; a key never is (see key()). */
typedef struct entry {
  uint64_t hi, lo; /* lo bit 0: derived only */
} entry;

typedef struct shard {
  pthread_mutex_t lock;
  entry *slot;
  size_t mask, used;
} shard;

struct pv_seen {
  shard shard[SHARDS];
};

static entry key(pv_hash h)
{
  entry e = {h.hi, h.lo & ~DERIVED_BIT};
  if (!e.hi && !e.lo) e.hi = 1;
  return e;
}

static shard *shard_of(pv_seen *s, entry k) { return &s->shard[k.hi >> 58]; }
static size_t home(const shard *sh, entry k) { return (size_t)(k.lo ^ (k.hi << 6)) >> 1 & sh->mask; }
static int same(entry a, entry b) { return a.hi == b.hi && (a.lo & ~DERIVED_BIT) == b.lo; }
static int empty(entry a) { return !a.hi && !a.lo; }

static int init_shard(shard *sh, size_t slots)
{
  size_t n = 16;
  while (n < slots) n *= 2;
  sh->slot = calloc(n, sizeof *sh->slot);
  sh->mask = n - 1;
  sh->used = 0;
  return sh->slot ? 0 : -1;
}

pv_seen *pv_seen_new(size_t expect)
{
  pv_seen *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  for (int i = 0; i < SHARDS; i++) {
    pthread_mutex_init(&s->shard[i].lock, NULL);
    if (init_shard(&s->shard[i], 2 * expect / SHARDS) != 0) {
      pv_seen_free(s);
      return NULL;
    }
  }
  return s;
}

void pv_seen_free(pv_seen *s)
{
  if (!s) return;
  for (int i = 0; i < SHARDS; i++) {
    free(s->shard[i].slot);
    pthread_mutex_destroy(&s->shard[i].lock);
  }
  free(s);
}

static entry *find(shard *sh, entry k)
{
  size_t i = home(sh, k);
  while (!empty(sh->slot[i]) && !same(sh->slot[i], k)) i = (i + 1) & sh->mask;
  return &sh->slot[i];
}

static int resize(shard *sh, size_t slots)
{
  shard bigger;
  if (init_shard(&bigger, slots) != 0) return -1;
  for (size_t i = 0; i <= sh->mask; i++)
    if (!empty(sh->slot[i])) *find(&bigger, sh->slot[i]) = sh->slot[i];
  free(sh->slot);
  sh->slot = bigger.slot;
  sh->mask = bigger.mask;
  return 0;
}

static int grow(shard *sh) { return resize(sh, 2 * (sh->mask + 1)); }

/* Room for `more` hashes more, spread over the shards as their keys are
 * (hashes: evenly), a quarter to spare: a set grown by doubling as it
 * fills rehashes everything it holds again and again (a tenth of a merge
 * into a store of 20 jobs, reading its 1.3M hashes). */
static int reserve(pv_seen *s, size_t more)
{
  size_t per = more / SHARDS + more / SHARDS / 4 + 16;
  for (int i = 0; i < SHARDS; i++) {
    shard *sh = &s->shard[i];
    if ((sh->used + per) * 10 > (sh->mask + 1) * 7 && resize(sh, (sh->used + per) * 10 / 7 + 1) != 0) return -1;
  }
  return 0;
}

int pv_seen_add(pv_seen *s, pv_hash h, int derived)
{
  entry k = key(h);
  shard *sh = shard_of(s, k);
  pthread_mutex_lock(&sh->lock);
  int added = 0;
  entry *e = find(sh, k);
  if (empty(*e)) {
    if ((sh->used + 1) * 10 > (sh->mask + 1) * 7) {
      if (grow(sh) != 0) {
        pthread_mutex_unlock(&sh->lock);
        return -1;
      }
      e = find(sh, k);
    }
    *e = k;
    if (derived) e->lo |= DERIVED_BIT;
    sh->used++;
    added = 1;
  } else if (!derived) {
    e->lo &= ~DERIVED_BIT;
  }
  pthread_mutex_unlock(&sh->lock);
  return added;
}

int pv_seen_state(pv_seen *s, pv_hash h)
{
  entry k = key(h);
  shard *sh = shard_of(s, k);
  pthread_mutex_lock(&sh->lock);
  entry *e = find(sh, k);
  int state = empty(*e) ? PV_SEEN_NO : (e->lo & DERIVED_BIT) ? PV_SEEN_DERIVED : PV_SEEN_RECORDED;
  pthread_mutex_unlock(&sh->lock);
  return state;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
void pv_seen_remove(pv_seen *s, pv_hash h)
{
  entry k = key(h);
  shard *sh = shard_of(s, k);
  pthread_mutex_lock(&sh->lock);
  entry *e = find(sh, k);
  if (!empty(*e)) {
    size_t hole = (size_t)(e - sh->slot), i = hole;
    for (;;) {
      i = (i + 1) & sh->mask;
      if (empty(sh->slot[i])) break;
      entry clean = {sh->slot[i].hi, sh->slot[i].lo & ~DERIVED_BIT};
      size_t want = home(sh, clean);
      /* move it back if its home is not in (hole, i] */
      if (((i - want) & sh->mask) >= ((i - hole) & sh->mask)) {
        sh->slot[hole] = sh->slot[i];
        hole = i;
      }
    }
    sh->slot[hole] = (entry){0, 0};
    sh->used--;
  }
  pthread_mutex_unlock(&sh->lock);
}

size_t pv_seen_count(pv_seen *s)
{
  size_t n = 0;
  for (int i = 0; i < SHARDS; i++) n += s->shard[i].used;
  return n;
}

int pv_seen_write(pv_seen *s, FILE *f)
{
  for (int i = 0; i < SHARDS; i++) {
    shard *sh = &s->shard[i];
    for (size_t j = 0; j <= sh->mask; j++)
      if (!empty(sh->slot[j]) && fwrite(&sh->slot[j], sizeof(entry), 1, f) != 1) return -1;
  }
  return 0;
}

int pv_seen_read(pv_seen *s, FILE *f, size_t n)
{
  /* n comes from the file: a damaged one must not size the set */
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || n > (uint64_t)st.st_size / sizeof(entry)) return -1;
  if (reserve(s, n) != 0) return -1;
  entry chunk[4096];
  for (size_t i = 0; i < n;) {
    size_t want = n - i < 4096 ? n - i : 4096;
    if (fread(chunk, sizeof *chunk, want, f) != want) return -1;
    for (size_t k = 0; k < want; k++)
      if (pv_seen_add(s, (pv_hash){chunk[k].hi, chunk[k].lo}, (int)(chunk[k].lo & DERIVED_BIT)) < 0) return -1;
    i += want;
  }
  return 0;
}
