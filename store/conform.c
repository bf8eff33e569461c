/* conform.c - captured triples in the form standard PROV-O tools read. */
#include "conform.h"

#include <string.h>

#include "vocab.h"

#define RDF_TYPE PV_NS_RDF "type"

static int is_iri(const pv_term *t, const char *ns, const char *local)
{
  size_t nl = strlen(ns), ll = strlen(local);
  return t->kind == PV_T_IRI && t->n == nl + ll && memcmp(t->s, ns, nl) == 0 && memcmp(t->s + nl, local, ll) == 0;
}

static pv_term iri(const char *s) { return (pv_term){PV_T_IRI, s, (uint32_t)strlen(s), NULL, 0}; }

/* The PROV-O class a type implies that tools will not infer: the base
 * class of a PROV subclass, and for the extension classes the capture
 * writes without a PROV class (to keep records small), theirs
 * (docs/provio.ttl). */
static const char *implied_class(const pv_term *type)
{
  static const struct { const char *ns, *local, *base; } implied[] = {
      {PV_NS_PROV, "SoftwareAgent", PV_NS_PROV "Agent"},
      {PV_NS_PROV, "Person", PV_NS_PROV "Agent"},
      {PV_NS_PROV, "Organization", PV_NS_PROV "Agent"},
      {PV_NS_PROVIO, "Job", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "FileOperation", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "FileAccess", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "PathQueries", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "FileVersion", PV_NS_PROV "Entity"},
      {PV_NS_PROVIO, "Setting", PV_NS_PROV "Entity"},
      {PV_NS_PROVIO, "Label", PV_NS_PROV "Entity"},
      {PV_NS_PROVIO, "Metric", PV_NS_PROV "Entity"},
      {PV_NS_PROVIO, "ConfigFileUse", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "CheckpointMark", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "Relation", PV_NS_PROV "Activity"},
      {PV_NS_PROVIO, "MlflowArtifact", PV_NS_PROV "Entity"}, /* prov-merge --mlflow */
  };
  for (size_t i = 0; i < sizeof implied / sizeof implied[0]; i++)
    if (is_iri(type, implied[i].ns, implied[i].local)) return implied[i].base;
  return NULL;
}

static int is_integer_type(const pv_term *t)
{
  static const char *const types[] = {"long", "integer", "int", "short", "byte", "nonNegativeInteger",
                                      "unsignedLong", "unsignedInt", "positiveInteger"};
  if (t->kind != PV_T_TYPED) return 0;
  size_t nl = sizeof PV_NS_XSD - 1;
  if (t->xn <= nl || memcmp(t->x, PV_NS_XSD, nl) != 0) return 0;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (t->xn - nl == strlen(types[i]) && memcmp(t->x + nl, types[i], t->xn - nl) == 0) return 1;
  return 0;
}

/* The canonical form of an integer literal (no sign but '-', no leading
 * zero) into buf, or 0 if it is one already or no integer. */
static int canonical_integer(const pv_term *o, char *buf, size_t cap)
{
  const char *s = o->s, *end = o->s + o->n;
  int neg = 0;
  if (s < end && (*s == '+' || *s == '-')) neg = *s++ == '-';
  const char *digits = s;
  for (; s < end; s++)
    if (*s < '0' || *s > '9') return 0;
  if (digits == end) return 0;
  while (digits + 1 < end && *digits == '0') digits++;
  if (*digits == '0') neg = 0; /* -0 is 0 */
  size_t n = (size_t)(end - digits);
  if ((size_t)neg + n == o->n || neg + n + 1 > cap) return 0;
  buf[0] = '-';
  memcpy(buf + neg, digits, n);
  return neg + (int)n;
}

/* What a record of a class leaves to its record file: each record names
 * the process (provio:partOf) and, for a file session, the thread
 * (prov:wasAssociatedWith) that wrote it; a FileVersion the process that
 * generated it. */
static void add_writer(const pv_term t[3], const pv_conform_src *src, pv_conformed *c)
{
  int access = is_iri(&t[2], PV_NS_PROVIO, "FileAccess");
  const char *pred = NULL;
  if (access || is_iri(&t[2], PV_NS_PROVIO, "FileOperation") || is_iri(&t[2], PV_NS_PROVIO, "PathQueries"))
    pred = PV_NS_PROVIO "partOf";
  else if (is_iri(&t[2], PV_NS_PROVIO, "FileVersion"))
    pred = PV_NS_PROV "wasGeneratedBy";
  if (!pred || !src || !src->process) return;
  pv_term *x = c->t[c->n++];
  x[0] = t[0];
  x[1] = iri(pred);
  x[2] = iri(src->process);
  if (access && src->agent) {
    x = c->t[c->n++];
    x[0] = t[0];
    x[1] = iri(PV_NS_PROV "wasAssociatedWith");
    x[2] = iri(src->agent);
  }
}

void pv_conform(const pv_term t[3], const pv_conform_src *src, pv_conformed *c)
{
  memcpy(c->t[0], t, sizeof c->t[0]);
  c->n = 1;
  c->rewritten = 0;
  if (is_integer_type(&t[2])) {
    int n = canonical_integer(&t[2], c->num, sizeof c->num);
    if (n) {
      c->t[0][2].s = c->num;
      c->t[0][2].n = (uint32_t)n;
      c->rewritten = 1;
    }
  } else if (is_iri(&t[1], PV_NS_RDF, "type")) {
    const char *base = implied_class(&t[2]);
    if (base) {
      memcpy(c->t[1], t, sizeof c->t[1]);
      c->t[1][2] = iri(base);
      c->n = 2;
    }
    add_writer(t, src, c);
  } else if (is_iri(&t[1], PV_NS_PROVIO, "file") && t[2].kind == PV_T_IRI) {
    /* The range of provio:file: the capture does not repeat a file's
     * classes in every session that names it. */
    for (int i = 1; i <= 2; i++) {
      c->t[i][0] = t[2];
      c->t[i][1] = iri(RDF_TYPE);
    }
    c->t[1][2] = iri(PV_NS_PROVIO "File");
    c->t[2][2] = iri(PV_NS_PROV "Entity");
    c->n = 3;
  } else if (is_iri(&t[1], PV_NS_PROV, "atTime")) {
    /* The capture writes it on operations, which are activities; PROV-O
     * keeps it for instantaneous events: an operation starts and ends
     * then. */
    memcpy(c->t[1], t, sizeof c->t[1]);
    c->t[0][1] = iri(PV_NS_PROV "startedAtTime");
    c->t[1][1] = iri(PV_NS_PROV "endedAtTime");
    c->n = 2;
    c->rewritten = 1;
  }
}

int pv_single_valued(const pv_term *pred)
{
  static const char *const grow[] = {
      "reads", "writes", "seeks", "syncs", "metaOps", "bytesRead", "bytesWritten", "readTime", "writeTime",
      "metaTime", "layerCalls", "sessions", "collectiveCalls", "elementsRead", "elementsWritten", "flushes",
      "collectiveTransfers", "independentTransfers"};
  if (pred->kind != PV_T_IRI) return 0;
  if (is_iri(pred, PV_NS_PROV, "endedAtTime") || is_iri(pred, PV_NS_PROV, "generatedAtTime")) return 1;
  if (is_iri(pred, PV_NS_PROV, "startedAtTime")) return -1;
  /* first and last read, first write, first and last data arrival */
  if (is_iri(pred, PV_NS_PROVIO, "lastReadAt") || is_iri(pred, PV_NS_PROVIO, "lastAt") ||
      is_iri(pred, PV_NS_PROVIO, "messages"))
    return 1;
  if (is_iri(pred, PV_NS_PROVIO, "firstReadAt") || is_iri(pred, PV_NS_PROVIO, "firstWriteAt") ||
      is_iri(pred, PV_NS_PROVIO, "firstAt"))
    return -1;
  for (size_t i = 0; i < sizeof grow / sizeof grow[0]; i++)
    if (is_iri(pred, PV_NS_PROVIO, grow[i])) return 1;
  return 0;
}

int pv_literal_cmp(const pv_term *a, const pv_term *b, int *order)
{
  int64_t x, y;
  if ((pv_term_long(a, &x) || pv_term_long(b, &y)) && (pv_term_time(a, &x) || pv_term_time(b, &y))) return -1;
  *order = (x > y) - (x < y);
  return 0;
}
