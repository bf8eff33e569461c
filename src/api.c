/* api.c - the public calls of include/provio.h: what a program says about
 * its own run (docs/model.md, "Records a program adds").  Each record is
 * written by the calling thread into its own file, like captured I/O. */
#include "provio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "serialize.h"
#include "sys.h"
#include "vocab.h"

#define STR(x) #x
#define XSTR(x) STR(x)

const char *provio_version(void)
{
  return XSTR(PROVIO_VERSION_MAJOR) "." XSTR(PROVIO_VERSION_MINOR) "." XSTR(PROVIO_VERSION_PATCH);
}

static inline int recording(void) { return __atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) == PV_ACTIVE; }

int provio_active(void) { return recording(); }

/* Not recording, a call costs that load and a compare: what it would do,
 * with its stack frame, is out of line. */
#define OUT_OF_LINE __attribute__((noinline))

/* ---- a call in progress ------------------------------------------------------ */

/* The calling thread's recorder for a public call, with provio's guard
 * raised, or NULL.  Inside provio already (a signal handler that
 * interrupted it, a vfork child) the thread's buffers are in use: the
 * call records nothing then. */
static pv_thread *call_enter(int *saved_errno)
{
  if (!recording() || pv_tls.depth) return NULL;
  *saved_errno = errno;
  pv_tls.depth++;
  pv_thread *t = pv_thread_current();
  if (!t) {
    pv_tls.depth--;
    errno = *saved_errno;
  }
  return t;
}

static int call_leave(int saved_errno, int rc)
{
  pv_tls.depth--;
  errno = saved_errno;
  return rc;
}

/* One kind of record: <proc> link <R> . <R> a class . <R> time "when" . */
typedef struct record_kind {
  const char *name; /* in the record's IRI */
  const char *link, *class;
  const char *time; /* an entity's prov:generatedAtTime; an activity's instant, prov:atTime */
} record_kind;

#define ENTITY_TIME PV_PROV("generatedAtTime")
#define INSTANT PV_PROV("atTime")
static const record_kind SETTING = {"s", PV_TERM("setting"), PV_TERM("Setting"), ENTITY_TIME};
static const record_kind LABEL = {"l", PV_TERM("label"), PV_TERM("Label"), ENTITY_TIME};
static const record_kind METRIC = {"m", PV_TERM("metric"), PV_TERM("Metric"), ENTITY_TIME};
static const record_kind CONFIG_FILE = {"cf", PV_TERM("configFile"), PV_TERM("ConfigFileUse"), INSTANT};
static const record_kind CHECKPOINT = {"ck", PV_TERM("checkpoint"), PV_TERM("CheckpointMark"), INSTANT};
static const record_kind RELATION = {"rl", PV_TERM("relation"), PV_TERM("Relation"), INSTANT};

/* "<s> pred " for a predicate given as a string. */
static char *put_subject_pred(char *p, const char *s, size_t sl, const char *pred)
{
  p = pv_put_subject(p, s, sl);
  p = pv_put(p, pred, strlen(pred));
  *p++ = ' ';
  return p;
}

/* Begins record r (t->record_iri[0], its length in *rl) of kind k with
 * room for body more bytes after its first lines; NULL if not recording. */
static char *record_begin(pv_thread *t, const record_kind *k, size_t body, size_t *rl)
{
  char *p = pv_record_begin(t, 5 * PV_RECORD_LINE + 2 * pv_proc.id.proc_iri_len + body);
  if (!p) return NULL;
  char *r = t->record_iri[0];
  *rl = pv_thread_new_iri(t, r, k->name);
  p = pv_put_end(pv_put_iri(put_subject_pred(p, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len, k->link), r, *rl));
  p = pv_put_end(pv_put(put_subject_pred(p, r, *rl, PV_RDF_TYPE), k->class, strlen(k->class)));
  /* The thread is not in the record's name (docs/model.md, "Record names"). */
  if (pv_proc.cfg.records & PV_REC_THREADS) {
    p = PV_PUT_LIT(pv_put_subject(p, r, *rl), PV_PROV("wasAssociatedWith") " <");
    p = pv_put_end(PV_PUT_LIT(p + pv_thread_iri(p, &pv_proc.id, t->tid), ">"));
  }
  return p;
}

/* Ends the record of kind k with its time. */
static void record_end(pv_thread *t, const record_kind *k, char *p, size_t rl)
{
  p = pv_put_end(pv_put_time(put_subject_pred(p, t->record_iri[0], rl, k->time), pv_now_ns()));
  pv_record_end(t, p);
}

/* ---- settings, labels, metrics ---------------------------------------------- */

OUT_OF_LINE static int key_value_record(const record_kind *k, const char *group, const char *key, const char *value)
{
  int saved;
  if (!key || !value) return -1;
  pv_thread *t = call_enter(&saved);
  if (!t) return -1;
  size_t kl = strlen(key), vl = strlen(value), gl = group ? strlen(group) : 0, rl;
  char *p = record_begin(t, k, 3 * PV_RECORD_LINE + PV_LITERAL_MAX(kl) + PV_LITERAL_MAX(vl) + PV_LITERAL_MAX(gl), &rl);
  if (!p) return call_leave(saved, -1);
  const char *r = t->record_iri[0];
  p = PV_TRIPLE_STRING(p, r, rl, PV_TERM("key"), key, kl);
  p = PV_TRIPLE_STRING(p, r, rl, PV_TERM("value"), value, vl);
  if (group) p = PV_TRIPLE_STRING(p, r, rl, PV_TERM("group"), group, gl);
  record_end(t, k, p, rl);
  return call_leave(saved, 0);
}

int provio_config(const char *group, const char *key, const char *value)
{
  return recording() ? key_value_record(&SETTING, group, key, value) : -1;
}

int provio_annotate(const char *key, const char *value) { return provio_config(NULL, key, value); }

int provio_label(const char *key, const char *value)
{
  return recording() ? key_value_record(&LABEL, NULL, key, value) : -1;
}

#define DOUBLE_MAX 40 /* "-1.2345678901234567e-308" and room to spare */

/* The xsd:double lexical form of v: 15 significant digits if they read
 * back as v (0.91, not 0.91000000000000003), else the 17 that always do;
 * a '.' whatever decimal point LC_NUMERIC would have printf write. */
static size_t format_double(char *dst, double v)
{
  if (isnan(v)) return (size_t)(pv_put(dst, "NaN", 3) - dst);
  if (isinf(v)) return v > 0 ? (size_t)(pv_put(dst, "INF", 3) - dst) : (size_t)(pv_put(dst, "-INF", 4) - dst);
  char buf[64];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
  size_t n = 0;
  for (const char *s = buf; *s && n < DOUBLE_MAX; s++) {
    if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == 'e' || *s == 'E')
      dst[n++] = *s;
    else if (n == 0 || dst[n - 1] != '.')
      dst[n++] = '.'; /* the locale's decimal point, one byte or several */
  }
  return n;
}

OUT_OF_LINE static int metric_record(const char *name, double value, long step)
{
  int saved;
  if (!name) return -1;
  pv_thread *t = call_enter(&saved);
  if (!t) return -1;
  size_t nl = strlen(name), rl;
  char *p = record_begin(t, &METRIC, 3 * PV_RECORD_LINE + PV_LITERAL_MAX(nl), &rl);
  if (!p) return call_leave(saved, -1);
  const char *r = t->record_iri[0];
  p = PV_TRIPLE_STRING(p, r, rl, PV_TERM("key"), name, nl);
  p = PV_PUT_LIT(pv_put_subject(p, r, rl), PV_TERM("measured") " \"");
  p += format_double(p, value);
  p = pv_put_end(PV_PUT_LIT(p, "\"^^" PV_XSD("double")));
  if (step >= 0) p = PV_TRIPLE_LONG(p, r, rl, PV_TERM("step"), step);
  record_end(t, &METRIC, p, rl);
  return call_leave(saved, 0);
}

int provio_metric(const char *name, double value, long step)
{
  return recording() ? metric_record(name, value, step) : -1;
}

/* ---- files ------------------------------------------------------------------ */

/* path made absolute and clean into the thread's buffer i, as the
 * capture names files; its length, 0 if too long.  Only inside a call. */
static size_t canon_path(pv_thread *t, int i, const char *path)
{
  return pv_path_canon(t->path[i], PV_PATH_MAX, pv_proc.cwd, path);
}

/* Records on a file: <R> provio:file <F> ; provio:fileId "DEV:INO" (the
 * file the path leads to now, as a session's fstat at open would see it)
 * ; provio:step N (if >= 0). */
OUT_OF_LINE static int file_record(const record_kind *k, const char *path, long step)
{
  int saved;
  if (!path) return -1;
  pv_thread *t = call_enter(&saved);
  if (!t) return -1;
  size_t cl = canon_path(t, 0, path), rl;
  if (!cl) return call_leave(saved, -1);
  struct stat st;
  int known = pv_sys_stat(path, &st) == 0;
  char *p = record_begin(t, k, 4 * PV_RECORD_LINE + PV_FILE_IRI_MAX(cl), &rl);
  if (!p) return call_leave(saved, -1);
  const char *r = t->record_iri[0];
  char *file = t->scratch[0];
  size_t fl = pv_file_iri(file, &pv_proc.id, &pv_proc.cfg, t->path[0], cl);
  p = PV_TRIPLE_IRI(p, r, rl, PV_TERM("file"), file, fl);
  if (known) {
    char id[2 * 20 + 1];
    size_t n = pv_fmt_u64(id, (uint64_t)st.st_dev);
    id[n++] = ':';
    n += pv_fmt_u64(id + n, (uint64_t)st.st_ino);
    p = PV_TRIPLE_STRING(p, r, rl, PV_TERM("fileId"), id, n);
  }
  if (step >= 0) p = PV_TRIPLE_LONG(p, r, rl, PV_TERM("step"), step);
  record_end(t, k, p, rl);
  return call_leave(saved, 0);
}

int provio_config_file(const char *path) { return recording() ? file_record(&CONFIG_FILE, path, -1) : -1; }

int provio_checkpoint(const char *path, long step)
{
  return recording() ? file_record(&CHECKPOINT, path, step) : -1;
}

/* ---- user classes and relations ----------------------------------------- */

/* Bound of put_term's output for a name of n bytes. */
#define TERM_MAX(n) (sizeof PV_NS_PROVIO + sizeof PV_NS_USER + PV_IRI_ENC_MAX(n) + 2)

/* Whether name starts with an IRI scheme ("https:", "urn:"). */
static int is_iri(const char *name)
{
  const char *s = name;
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
  while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '+' ||
         *s == '-' || *s == '.')
    s++;
  return *s == ':';
}

/* <https://w3id.org/provio/user#NAME>: a class or relation of the
 * program's own, its name percent-encoded as paths are. */
static char *put_user_term(char *p, const char *name)
{
  p = PV_PUT_LIT(p, "<" PV_NS_USER);
  p += pv_iri_encode(p, name, strlen(name), "/");
  *p++ = '>';
  return p;
}

/* <iri> for a term a program names: "prov:X" and "provio:X" expanded, an
 * IRI as given (bytes an IRIREF may not hold %-encoded), and any other
 * name a term of the program's own. */
static char *put_term(char *p, const char *name)
{
  static const char not_in_iri[] = "<>\"{}|^`\\";
  size_t n = strlen(name);
  if (strncmp(name, "prov:", 5) == 0) {
    p = PV_PUT_LIT(p, "<" PV_NS_PROV);
    p += pv_iri_encode(p, name + 5, n - 5, "");
  } else if (strncmp(name, "provio:", 7) == 0) {
    p = PV_PUT_LIT(p, "<" PV_NS_PROVIO);
    p += pv_iri_encode(p, name + 7, n - 7, "");
  } else if (is_iri(name)) {
    *p++ = '<';
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
      if (*s > 0x20 && *s < 0x7F && !strchr(not_in_iri, *s)) *p++ = (char)*s;
      else p += pv_iri_encode(p, (const char *)s, 1, "");
    }
  } else {
    return put_user_term(p, name);
  }
  *p++ = '>';
  return p;
}

/* <user#NAME> a kind ; super <PARENT> ; rdfs:label "NAME" . */
OUT_OF_LINE static int declare(const char *name, const char *parent, const char *kind, const char *super)
{
  int saved;
  if (!name || !*name || !*parent) return -1;
  pv_thread *t = call_enter(&saved);
  if (!t) return -1;
  size_t nl = strlen(name);
  char *p = pv_record_begin(t, 3 * PV_RECORD_LINE + 3 * TERM_MAX(nl) + TERM_MAX(strlen(parent)) + PV_LITERAL_MAX(nl));
  if (!p) return call_leave(saved, -1);
  char *term = p; /* written once, copied as the subject of the lines after */
  p = put_user_term(p, name);
  size_t tl = (size_t)(p - term);
  p = pv_put_end(pv_put(PV_PUT_LIT(p, " " PV_RDF_TYPE " "), kind, strlen(kind)));
  p = pv_put(pv_put(p, term, tl), " ", 1);
  p = pv_put_end(put_term(pv_put(pv_put(p, super, strlen(super)), " ", 1), parent));
  p = pv_put(pv_put(p, term, tl), " ", 1);
  p = pv_put_end(pv_put_string(PV_PUT_LIT(p, PV_RDFS("label") " "), name, nl));
  pv_record_end(t, p);
  return call_leave(saved, 0);
}

int provio_declare_class(const char *name, const char *parent)
{
  if (!recording()) return -1;
  return declare(name, parent ? parent : "prov:Entity", PV_RDFS("Class"), PV_RDFS("subClassOf"));
}

int provio_declare_relation(const char *name, const char *parent)
{
  if (!recording()) return -1;
  return declare(name, parent ? parent : "prov:wasInfluencedBy", "<" PV_NS_RDF "Property>", PV_RDFS("subPropertyOf"));
}

OUT_OF_LINE static int relate_record(const char *subject_path, const char *relation, const char *object_path)
{
  int saved;
  if (!subject_path || !relation || !*relation || !object_path) return -1;
  pv_thread *t = call_enter(&saved);
  if (!t) return -1;
  size_t sl = canon_path(t, 0, subject_path), ol = canon_path(t, 1, object_path), rl;
  if (!sl || !ol) return call_leave(saved, -1);
  size_t max = 6 * PV_RECORD_LINE + 3 * PV_FILE_IRI_MAX(sl) + 3 * PV_FILE_IRI_MAX(ol) + 2 * TERM_MAX(strlen(relation));
  char *p = record_begin(t, &RELATION, max, &rl);
  if (!p) return call_leave(saved, -1);
  const char *r = t->record_iri[0];
  char *subject = t->scratch[0], *object = t->scratch[1];
  size_t sfl = pv_file_iri(subject, &pv_proc.id, &pv_proc.cfg, t->path[0], sl);
  size_t ofl = pv_file_iri(object, &pv_proc.id, &pv_proc.cfg, t->path[1], ol);
  p = pv_put_end(pv_put_iri(PV_PUT_LIT(put_term(pv_put_subject(p, subject, sfl), relation), " "), object, ofl));
  p = PV_TRIPLE_IRI(p, r, rl, PV_TERM("subject"), subject, sfl);
  p = pv_put_end(put_term(PV_PUT_LIT(pv_put_subject(p, r, rl), PV_TERM("predicate") " "), relation));
  p = PV_TRIPLE_IRI(p, r, rl, PV_TERM("object"), object, ofl);
  record_end(t, &RELATION, p, rl);
  return call_leave(saved, 0);
}

int provio_relate(const char *subject_path, const char *relation, const char *object_path)
{
  return recording() ? relate_record(subject_path, relation, object_path) : -1;
}
