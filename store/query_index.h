/* query_index.h - a string -> index map (open addressing), for visited
 * sets and group-by in C: Rasqal's COUNT(DISTINCT) and GROUP BY over big
 * sums cannot be trusted (docs/prov-query.md). */
#ifndef PROVIO_QUERY_INDEX_H
#define PROVIO_QUERY_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct pv_index {
  char **keys;   /* owned copies */
  size_t *vals;
  size_t n, nslots;
} pv_index;

/* The value stored for key, or SIZE_MAX. */
size_t pv_index_get(const pv_index *ix, const char *key);
/* Stores key -> v (a new key; replaces the value of a known one). */
void pv_index_put(pv_index *ix, const char *key, size_t v);
void pv_index_free(pv_index *ix);

#endif
