/* derived_lines.h - the triples a derivation emits, collected as lines
 * "s p o" (each once: two rules may give one triple), for the merge's
 * unit tests of derive.c and derive_domain.c. */
#ifndef PROVIO_TEST_DERIVED_LINES_H
#define PROVIO_TEST_DERIVED_LINES_H

#include "term.h"

typedef struct out {
  char line[256][600];
  int n;
} out;

/* A pv_emit callback: ctx is an out. */
int collect(void *ctx, const pv_term t[3]);

/* 1 if o holds the triple (s p obj). */
int has(const out *o, const char *s, const char *p, const char *obj);

#endif
