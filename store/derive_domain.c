/* derive_domain.c - what prov-merge adds to the domain records of
 * docs/model.md ("Domain records"): the version a checkpoint mark names,
 * RDFS over the user's classes and relations, and the versions MLflow
 * artifacts name.  (A configuration file
 * use is a read: derive.c resolves it with the reads.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive_impl.h"

static int in_ns(const pv_term *t, const char *ns)
{
  size_t n = strlen(ns);
  return t->kind == PV_T_IRI && t->n > n && memcmp(t->s, ns, n) == 0;
}

int pv_domain_wanted(const pv_term t[3])
{
  if (in_ns(&t[1], PV_NS_USER)) return t[2].kind == PV_T_IRI;
  if (pv_term_is(&t[1], PV_NS_RDF "type")) return in_ns(&t[2], PV_NS_USER);
  if (pv_term_is(&t[1], PV_NS_RDFS "subClassOf") || pv_term_is(&t[1], PV_NS_RDFS "subPropertyOf"))
    return in_ns(&t[0], PV_NS_USER) && t[2].kind == PV_T_IRI;
  return 0;
}

int pv_domain_add(pv_facts *f, int32_t s, const pv_term t[3])
{
  int32_t o = pv_facts_intern(f, t[2].s, t[2].n, 0);
  if (o == NONE) return -1;
  if (!in_ns(&t[1], PV_NS_USER) && !pv_term_is(&t[1], PV_NS_RDF "type")) {
    f->v[s].parent = o; /* the contract declares one parent per name */
    return 0;
  }
  int32_t p = pv_facts_intern(f, t[1].s, t[1].n, 0);
  if (p == NONE) return -1;
  if (f->nut == f->caput) {
    size_t cap = f->caput ? 2 * f->caput : 64;
    user_triple *ut = realloc(f->ut, cap * sizeof *ut);
    if (!ut) return -1;
    f->ut = ut;
    f->caput = cap;
  }
  f->ut[f->nut++] = (user_triple){s, p, o};
  return 0;
}

/* [lo, hi) of the versions of file: make_units left d->vs sorted by the
 * file they specialise. */
static void versions_of(const deriver *d, int32_t file, size_t *lo, size_t *hi)
{
  const pv_facts *f = d->f;
  size_t l = 0, h = d->nv;
  while (l < h) {
    size_t m = (l + h) / 2;
    if (f->v[d->vs[m].v].spec_of < file) l = m + 1;
    else h = m;
  }
  for (*lo = h = l; h < d->nv && f->v[d->vs[h].v].spec_of == file; h++) {}
  *hi = h;
}

/* A checkpoint is the version of its file that its process last began to
 * write at or before the mark: by name, or, when the file was renamed
 * since, by (host, file id). */
static int32_t checkpoint_version(const deriver *d, const node *mark)
{
  const pv_facts *f = d->f;
  const node *proc = &f->v[mark->part_of];
  int32_t best = NONE;
  size_t lo, hi;
  versions_of(d, mark->file, &lo, &hi);
  int by_id = lo == hi && mark->file_id != NONE;
  if (by_id) lo = 0, hi = d->nv;
  for (size_t i = lo; i < hi; i++) {
    const ver *v = &d->vs[i];
    int32_t writer = v->proc != NONE ? v->proc : f->v[v->v].gen_by;
    if (writer != mark->part_of || v->first > mark->start || (by_id && (v->ka != proc->host || v->kb != mark->file_id)))
      continue;
    if (best == NONE || v->first > d->vs[best].first) best = (int32_t)i;
  }
  return best;
}

void pv_derive_checkpoints(deriver *d)
{
  pv_facts *f = d->f;
  for (size_t k = 0; k < f->n && !d->status; k++) {
    node *mark = &f->v[k];
    if (!(mark->flags & F_CHECKPOINT) || !(mark->flags & F_START) || mark->part_of == NONE || mark->file == NONE)
      continue;
    int32_t i = checkpoint_version(d, mark);
    if (i == NONE) continue;
    src v = unit_src(d, d->vs[i].unit);
    pv_derive_emit_type(d, v, PV_NS_PROVIO "Checkpoint");
    pv_derive_emit_src(d, v, PV_NS_PROVIO "checkpointOf", node_src(mark->part_of));
    if (mark->flags & F_STEP) {
      char n[24];
      int len = snprintf(n, sizeof n, "%lld", (long long)mark->step);
      pv_term step = {PV_T_TYPED, n, (uint32_t)len, PV_NS_XSD "long", sizeof PV_NS_XSD "long" - 1};
      pv_derive_emit(d, v, PV_NS_PROVIO "step", &step);
    }
  }
}

/* Declarations chain user names to a PROV-O or provio term; a cycle or an
 * absurd depth is the user's mistake, not a reason to loop. */
#define MAX_DEPTH 64

void pv_derive_rdfs(deriver *d)
{
  pv_facts *f = d->f;
  for (size_t i = 0; i < f->nut && !d->status; i++) {
    user_triple u = f->ut[i];
    int typed = f->v[u.p].n == sizeof PV_NS_RDF "type" - 1 && memcmp(f->v[u.p].s, PV_NS_RDF "type", f->v[u.p].n) == 0;
    int32_t up = f->v[typed ? u.o : u.p].parent;
    for (int depth = 0; up != NONE && depth < MAX_DEPTH && !d->status; depth++, up = f->v[up].parent) {
      pv_term t[3] = {iri_term(&f->v[u.s]), iri_term(&f->v[typed ? u.p : up]), iri_term(&f->v[typed ? up : u.o])};
      d->status = d->emit(d->ctx, t);
    }
  }
}

/* An MLflow artifact is the version of its file last written in its run's
 * time window (prov-merge --mlflow); the process that wrote it took part
 * in the run. */
void pv_derive_artifacts(deriver *d)
{
  pv_facts *f = d->f;
  for (size_t k = 0; k < f->n && !d->status; k++) {
    const node *a = &f->v[k];
    if (a->artifact_of == NONE || a->file == NONE) continue;
    const node *run = &f->v[a->artifact_of];
    if (!(run->flags & F_START)) continue;
    int32_t best = NONE;
    size_t lo, hi;
    versions_of(d, a->file, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
      const ver *v = &d->vs[i];
      if (v->last < run->start || ((run->flags & F_END) && v->last > run->end)) continue;
      if (best == NONE || v->last > d->vs[best].last) best = (int32_t)i;
    }
    if (best == NONE) continue;
    int32_t maker = d->vs[best].proc != NONE ? d->vs[best].proc : f->v[d->vs[best].v].gen_by;
    pv_derive_emit_src(d, unit_src(d, d->vs[best].unit), PV_NS_PROVIO "artifactOf", node_src(a->artifact_of));
    if (maker != NONE) pv_derive_emit_src(d, node_src(maker), PV_NS_PROVIO "mlflowRun", node_src(a->artifact_of));
  }
}
