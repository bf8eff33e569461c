/* conform.h - captured triples in the form standard PROV-O tools read
 * (docs/prov-merge.md, "What the store holds beyond the records").
 *
 * The merge passes every record line through here before it dedupes and
 * stores it: integers become canonical (a zero-padded counter rewritten in
 * place is the same number as its final value), each PROV subclass gets
 * its PROV-O base class too (tools such as python's prov infer nothing),
 * the extension classes that the capture leaves without one get it, the
 * files sessions name get their classes (the range of provio:file), and
 * prov:atTime on an activity becomes its start and end.  What the capture
 * leaves out of each record because its record file says it (the process
 * and thread, docs/model.md "What the records leave out") comes back here
 * from the file's header. */
#ifndef PROVIO_STORE_CONFORM_H
#define PROVIO_STORE_CONFORM_H

#include "term.h"

#define PV_CONFORM_MAX 4

/* The record file a triple came from: its thread's process, and the
 * thread if it is recorded as an agent (NULL: unknown, or not). */
typedef struct pv_conform_src {
  const char *process, *agent;
} pv_conform_src;

typedef struct pv_conformed {
  pv_term t[PV_CONFORM_MAX][3]; /* pointing into the input or into num */
  int n;
  int rewritten; /* t[0] differs from the input */
  char num[24];
} pv_conformed;

/* Fills c with the triples that stand for t, read from a record file of
 * src (NULL: none), in the store (1 to PV_CONFORM_MAX). */
void pv_conform(const pv_term t[3], const pv_conform_src *src, pv_conformed *c);

/* For a property that a record rewrites in place as it grows (counters,
 * end and generation times), which value of several the store keeps:
 * 1 the greatest, -1 the least (start times), 0 any number of values. */
int pv_single_valued(const pv_term *pred);

/* Orders two values of a single-valued property (numbers or times):
 * *order <0, 0, >0; returns -1 if either is neither. */
int pv_literal_cmp(const pv_term *a, const pv_term *b, int *order);

#endif
