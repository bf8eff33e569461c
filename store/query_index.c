/* query_index.c - a string -> index map with linear probing. */
#include "query_index.h"

#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

static size_t slot_of(const pv_index *ix, const char *key)
{
  size_t i = hash(key) & (ix->nslots - 1);
  while (ix->keys[i] && strcmp(ix->keys[i], key) != 0) i = (i + 1) & (ix->nslots - 1);
  return i;
}

size_t pv_index_get(const pv_index *ix, const char *key)
{
  if (!ix->nslots) return SIZE_MAX;
  size_t i = slot_of(ix, key);
  return ix->keys[i] ? ix->vals[i] : SIZE_MAX;
}

static void grow(pv_index *ix)
{
  pv_index old = *ix;
  ix->nslots = old.nslots ? 2 * old.nslots : 64;
  ix->keys = calloc(ix->nslots, sizeof *ix->keys);
  ix->vals = malloc(ix->nslots * sizeof *ix->vals);
  if (!ix->keys || !ix->vals) abort();
  for (size_t i = 0; i < old.nslots; i++)
    if (old.keys[i]) {
      size_t s = slot_of(ix, old.keys[i]);
      ix->keys[s] = old.keys[i];
      ix->vals[s] = old.vals[i];
    }
  free(old.keys);
  free(old.vals);
}

void pv_index_put(pv_index *ix, const char *key, size_t v)
{
  if (2 * (ix->n + 1) > ix->nslots) grow(ix);
  size_t i = slot_of(ix, key);
  if (!ix->keys[i]) {
    ix->keys[i] = strdup(key);
    ix->n++;
  }
  ix->vals[i] = v;
}

void pv_index_free(pv_index *ix)
{
  for (size_t i = 0; i < ix->nslots; i++) free(ix->keys[i]);
  free(ix->keys);
  free(ix->vals);
  memset(ix, 0, sizeof *ix);
}
