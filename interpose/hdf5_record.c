/* hdf5_record.c - provenance sessions of HDF5 objects, and their records.
 *
 * A session starts when an object is opened or created and is written out,
 * as one record, when it is closed: the access with what moved, a new
 * version of the object if the session changed it, and (the first time in
 * the process) the object's entity: by file and full object path, as the
 * under connector names the object itself, with its kind and datatype.
 * docs/model.md ("HDF5 objects") defines every term written here.
 *
 * The under connector is asked for names, datatypes and shapes through its
 * own callbacks (PV_QUERY): a query that fails leaves no trace in the
 * application's error stack and prints nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_vol.h"
#include "serialize.h"
#include "vocab.h"

#define PV_QUERY(o, member, args) ((o)->cls && (o)->cls->member ? (o)->cls->member args : -1)
#define DXPL H5P_LST_DATASET_XFER_ID_g

/* A query failed after the application's call succeeded: its entries on
 * the error stack are ours, not the application's. */
static void forget_errors(void) { H5Eclear2(H5E_DEFAULT); }

void pv_h5_quiet_begin(pv_h5quiet *q)
{
  q->saved = H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) >= 0;
  if (q->saved) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void pv_h5_quiet_end(pv_h5quiet *q)
{
  if (q->saved) H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* Where provio asks the connector questions: not the program's I/O
 * (depth), nothing printed, errno as it was. */
typedef struct asking {
  pv_h5quiet quiet;
  int saved_errno;
} asking;

static void ask_begin(asking *a)
{
  a->saved_errno = errno;
  PV_CORE->tls()->depth++;
  pv_h5_quiet_begin(&a->quiet);
}

static void ask_end(asking *a)
{
  pv_h5_quiet_end(&a->quiet);
  PV_CORE->tls()->depth--;
  errno = a->saved_errno;
}

/* ---- entities this process has described --------------------------------
 * An entity's description (its type, kind, file, path, datatype) is the same
 * in every session: it is written once per process.  A fixed table of 64-bit
 * keys, filled with compare-and-swap: no lock; when a probe run is full the
 * entity is simply described again. */
#define SEEN_SLOTS (1u << 16)
#define SEEN_PROBES 32
enum { KEY_FILE = 1, KEY_OBJECT = 2, KEY_OWNER = 3 };
static uint64_t *seen_table;

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return (h ^ 0xff) * 0x100000001b3ull; /* ends every part: "a","bc" differs from "ab","c" */
}

static uint64_t key_of(int kind, const char *file, size_t fl, const char *path, size_t pl,
                       const char *attr, size_t al)
{
  uint64_t h = fnv(0xcbf29ce484222325ull + (uint64_t)kind, file, fl);
  if (path) h = fnv(h, path, pl);
  if (attr) h = fnv(h, attr, al);
  return h | 1; /* 0 marks a free slot */
}

/* Whether key was described before; with mark, it counts as described now. */
static int seen(uint64_t key, int mark)
{
  uint64_t *t = __atomic_load_n(&seen_table, __ATOMIC_ACQUIRE);
  if (!t) {
    if (!mark) return 0;
    uint64_t *fresh = calloc(SEEN_SLOTS, sizeof *fresh), *none = NULL;
    if (!fresh) return 0;
    if (!__atomic_compare_exchange_n(&seen_table, &none, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      free(fresh);
      fresh = none;
    }
    t = fresh;
  }
  for (unsigned i = 0; i < SEEN_PROBES; i++) {
    uint64_t *slot = &t[(key + i) & (SEEN_SLOTS - 1)], cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (cur == key) return 1;
    if (cur) continue;
    if (!mark) return 0;
    if (__atomic_compare_exchange_n(slot, &cur, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 0;
    if (cur == key) return 1;
  }
  return 0;
}

void pv_h5_record_term(void) { free(__atomic_exchange_n(&seen_table, NULL, __ATOMIC_ACQ_REL)); }

/* ---- files --------------------------------------------------------------- */

static pv_h5file *file_new(const char *name, size_t n, int parallel)
{
  char canon[PV_PATH_MAX];
  size_t cl = PV_CORE->path_canon(canon, sizeof canon, PV_CORE->proc->cwd, name);
  if (!cl) return NULL;
  pv_h5file *f = malloc(sizeof *f + n + cl + 2);
  if (!f) return NULL;
  f->refs = 1;
  f->parallel = parallel;
  f->excluded = PV_CORE->path_excluded(canon, cl); /* the capture's rule for any file */
  memcpy(f->data, name, n);
  f->data[n] = 0;
  f->name_len = n;
  f->canon = f->data + n + 1;
  memcpy(f->canon, canon, cl);
  f->canon[cl] = 0;
  f->canon_len = cl;
  f->key = key_of(KEY_FILE, canon, cl, NULL, 0, NULL, 0);
  return f;
}

static void file_release(pv_h5file *f)
{
  if (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) free(f);
}

/* The file o lives in: parent's when the under connector gives the same
 * name (the common case), else a new one (external links, mounts). */
static pv_h5file *file_of(pv_h5obj *o, const pv_h5obj *parent)
{
  char name[PV_PATH_MAX];
  size_t len = 0;
  H5VL_file_get_args_t a = {.op_type = H5VL_FILE_GET_NAME};
  a.args.get_name.type = o->type;
  a.args.get_name.buf_size = sizeof name;
  a.args.get_name.buf = name;
  a.args.get_name.file_name_len = &len;
  if (PV_QUERY(o, file_cls.get, (o->under, &a, DXPL, NULL)) < 0) {
    forget_errors();
    return NULL;
  }
  if (len == 0 || len >= sizeof name) return NULL;
  name[len] = 0;
  pv_h5file *pf = parent && parent->s ? parent->s->file : NULL;
  if (pf && pf->name_len == len && memcmp(pf->data, name, len) == 0) {
    __atomic_add_fetch(&pf->refs, 1, __ATOMIC_ACQ_REL);
    return pf;
  }
  return file_new(name, len, pf ? pf->parallel : 0);
}

/* ---- names, datatypes, shapes --------------------------------------------- */

/* The object's full path, from the object (for an attribute, its owner's).
 * Returns the length, which may exceed cap (then ask again, bigger). */
static size_t object_name(pv_h5obj *o, char *buf, size_t cap)
{
  size_t len = 0;
  H5VL_loc_params_t loc = {.obj_type = o->type, .type = H5VL_OBJECT_BY_SELF};
  H5VL_object_get_args_t a = {.op_type = H5VL_OBJECT_GET_NAME};
  a.args.get_name.buf_size = cap;
  a.args.get_name.buf = buf;
  a.args.get_name.name_len = &len;
  if (PV_QUERY(o, object_cls.get, (o->under, &loc, &a, DXPL, NULL)) < 0) {
    forget_errors();
    return 0;
  }
  return len;
}

static size_t attribute_name(pv_h5obj *o, char *buf, size_t cap)
{
  size_t len = 0;
  H5VL_attr_get_args_t a = {.op_type = H5VL_ATTR_GET_NAME};
  a.args.get_name.loc_params.obj_type = H5I_ATTR;
  a.args.get_name.loc_params.type = H5VL_OBJECT_BY_SELF;
  a.args.get_name.buf_size = cap;
  a.args.get_name.buf = buf;
  a.args.get_name.attr_name_len = &len;
  if (PV_QUERY(o, attr_cls.get, (o->under, &a, DXPL, NULL)) < 0) {
    forget_errors();
    return 0;
  }
  return len;
}

/* A name into buf (cap bytes), or into *heap when longer; NULL if none. */
static const char *ask_name(pv_h5obj *o, size_t (*ask)(pv_h5obj *, char *, size_t), char *buf,
                            size_t cap, char **heap, size_t *len)
{
  size_t n = ask(o, buf, cap);
  *heap = NULL;
  if (n >= cap) {
    if (!(*heap = malloc(n + 1)) || ask(o, *heap, n + 1) != n) return NULL;
    buf = *heap;
  }
  *len = n;
  return buf;
}

/* Compact datatype names: int32le, uint8, float64be, string16, vstring,
 * compound24, enum4, opaque8, bitfield2, array40, vlen, reference, time. */
static void describe_type(hid_t t, char *dst)
{
  static const char *const names[] = {
      [H5T_INTEGER] = "int",    [H5T_FLOAT] = "float",   [H5T_TIME] = "time",
      [H5T_STRING] = "string",  [H5T_BITFIELD] = "bitfield", [H5T_OPAQUE] = "opaque",
      [H5T_COMPOUND] = "compound", [H5T_REFERENCE] = "reference", [H5T_ENUM] = "enum",
      [H5T_VLEN] = "vlen",      [H5T_ARRAY] = "array",
  };
  H5T_class_t c = H5Tget_class(t);
  size_t size = H5Tget_size(t);
  if (c < 0 || c >= (H5T_class_t)(sizeof names / sizeof names[0]) || !names[c]) {
    dst[0] = 0;
    return;
  }
  char *p = dst;
  int sized = c != H5T_VLEN && c != H5T_REFERENCE && c != H5T_TIME;
  if (c == H5T_STRING && H5Tis_variable_str(t) > 0) {
    p = PV_PUT_LIT(p, "vstring");
    sized = 0;
  } else {
    if (c == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE) *p++ = 'u';
    p = pv_put(p, names[c], strlen(names[c]));
  }
  if (sized) {
    int bits = c == H5T_INTEGER || c == H5T_FLOAT || c == H5T_BITFIELD;
    p += pv_fmt_u64(p, bits ? 8 * size : size);
    if (bits && size > 1) p = H5Tget_order(t) == H5T_ORDER_BE ? PV_PUT_LIT(p, "be") : PV_PUT_LIT(p, "le");
  }
  *p = 0; /* at most "bitfield" or "compound", 20 digits and "le": fits datatype[] */
}

/* The dataspace: its dimensions (written out at close) and the element
 * count that H5S_ALL transfers move. */
static void describe_space(pv_h5session *s, hid_t space)
{
  s->extent = 0;
  s->rank = -2;
  H5S_class_t c = H5Sget_simple_extent_type(space);
  if (c == H5S_NULL) {
    s->rank = -1;
    return;
  }
  int rank = H5Sget_simple_extent_dims(space, s->dims, s->max_dims);
  if (rank < 0) return;
  uint64_t n = 1;
  for (int i = 0; i < rank; i++) n *= s->dims[i];
  s->extent = n;
  s->rank = rank;
}

/* The datatype and dataspace of a dataset or attribute, asked of the under
 * connector when the application did not pass them (open). */
static void describe(pv_h5obj *o, hid_t type_id, hid_t space_id, int want_type)
{
  pv_h5session *s = o->s;
  hid_t asked_type = H5I_INVALID_HID, asked_space = H5I_INVALID_HID;
  if (o->type == H5I_DATASET && (type_id < 0 || space_id < 0)) {
    H5VL_dataset_get_args_t t = {.op_type = H5VL_DATASET_GET_TYPE}, sp = {.op_type = H5VL_DATASET_GET_SPACE};
    if (want_type && type_id < 0 && PV_QUERY(o, dataset_cls.get, (o->under, &t, DXPL, NULL)) >= 0)
      type_id = asked_type = t.args.get_type.type_id;
    if (space_id < 0 && PV_QUERY(o, dataset_cls.get, (o->under, &sp, DXPL, NULL)) >= 0)
      space_id = asked_space = sp.args.get_space.space_id;
  } else if (o->type == H5I_ATTR && (type_id < 0 || space_id < 0)) {
    H5VL_attr_get_args_t t = {.op_type = H5VL_ATTR_GET_TYPE}, sp = {.op_type = H5VL_ATTR_GET_SPACE};
    if (want_type && type_id < 0 && PV_QUERY(o, attr_cls.get, (o->under, &t, DXPL, NULL)) >= 0)
      type_id = asked_type = t.args.get_type.type_id;
    if (space_id < 0 && PV_QUERY(o, attr_cls.get, (o->under, &sp, DXPL, NULL)) >= 0)
      space_id = asked_space = sp.args.get_space.space_id;
  }
  if (want_type && type_id >= 0) describe_type(type_id, s->datatype);
  if (space_id >= 0) describe_space(s, space_id);
  if (asked_type >= 0) H5Tclose(asked_type);
  if (asked_space >= 0) H5Sclose(asked_space);
  s->shape_stale = 0;
}

/* ---- sessions ------------------------------------------------------------ */

static pv_h5session *session_new(size_t path_len, const char *path, size_t attr_len, const char *attr)
{
  pv_h5session *s = calloc(1, sizeof *s + path_len + attr_len + 2);
  if (!s) return NULL;
  memcpy(s->path, path, path_len);
  s->path_len = path_len;
  s->attr = s->path + path_len + 1;
  if (attr) memcpy(s->attr, attr, attr_len);
  s->attr_len = attr_len;
  s->type_cache = H5I_INVALID_HID;
  s->rank = -2;
  return s;
}

/* The record class of each kind of object handle (0: none is recorded). */
static unsigned record_class(H5I_type_t type)
{
  switch (type) {
  case H5I_GROUP: return PV_REC_HDF5_GROUPS;
  case H5I_DATASET: return PV_REC_HDF5_DATASETS;
  case H5I_ATTR: return PV_REC_HDF5_ATTRIBUTES;
  case H5I_DATATYPE: return PV_REC_HDF5_DATATYPES;
  default: return 0;
  }
}

void pv_h5_session_start(pv_h5obj *o, const pv_h5obj *parent, int created, hid_t type_id,
                         hid_t space_id)
{
  if (!(record_class(o->type) & PV_CORE->proc->cfg.records)) {
    o->untracked = 1;
    return;
  }
  asking ask;
  ask_begin(&ask);
  char pbuf[1024], abuf[256], *pheap, *aheap = NULL;
  size_t pl = 0, al = 0;
  const char *path = ask_name(o, object_name, pbuf, sizeof pbuf, &pheap, &pl);
  const char *attr = o->type == H5I_ATTR ? ask_name(o, attribute_name, abuf, sizeof abuf, &aheap, &al) : NULL;
  pv_h5file *f = path && (attr || o->type != H5I_ATTR) ? file_of(o, parent) : NULL;
  pv_h5session *s = f && !f->excluded ? session_new(pl, path, al, attr) : NULL;
  if (s) {
    s->file = f;
    s->open_ns = o->open_ns;
    s->created = created != 0;
    if (created) pv_h5_mark(s, 1);
    s->key = key_of(KEY_OBJECT, f->canon, f->canon_len, path, pl, attr, al);
    o->s = s;
    /* Datatype and shape: from the application's arguments when it created
     * the object; asked of the connector only for an object this process
     * has not described yet (an attribute's extent is needed for its
     * transfers, a dataset's only for H5S_ALL ones: asked then). */
    if (o->type != H5I_GROUP && (created || !seen(s->key, 0)))
      describe(o, type_id, space_id, o->type != H5I_DATATYPE || type_id >= 0);
    else
      s->shape_stale = 1;
  } else {
    file_release(f);
    o->untracked = 1;
  }
  free(pheap);
  free(aheap);
  ask_end(&ask);
}

void pv_h5_file_session_start(pv_h5obj *o, const char *name, unsigned flags, int created, int parallel)
{
  pv_h5file *f = file_new(name, strlen(name), parallel);
  pv_h5session *s = f && !f->excluded ? session_new(1, "/", 0, NULL) : NULL;
  if (!s) {
    file_release(f);
    o->untracked = 1;
    return;
  }
  s->file = f;
  s->open_ns = o->open_ns;
  s->created = created != 0;
  s->file_flags = flags;
  o->s = s;
}

void pv_h5_file_session_reopen(pv_h5obj *o, const pv_h5obj *first)
{
  pv_h5session *s = session_new(1, "/", 0, NULL);
  if (!s) return;
  s->file = first->s->file;
  __atomic_add_fetch(&s->file->refs, 1, __ATOMIC_ACQ_REL);
  s->open_ns = o->open_ns;
  s->file_flags = first->s->file_flags & ~(unsigned)(H5F_ACC_TRUNC | H5F_ACC_EXCL | H5F_ACC_CREAT);
  o->s = s;
}

void pv_h5_session_before_close(pv_h5obj *o)
{
  pv_h5session *s = o->s;
  if (s->path_len && !(s->shape_stale && s->modified)) return;
  asking ask;
  ask_begin(&ask);
  if (!s->path_len) {
    /* Created anonymous (H5Dcreate_anon): it has a name now if linked.  This
     * close may be HDF5 cleaning up after a failure whose errors are on the
     * stack: they are kept aside while the name is asked for. */
    char pbuf[1024], *pheap;
    size_t pl = 0;
    hid_t errors = H5Eget_current_stack();
    const char *path = ask_name(o, object_name, pbuf, sizeof pbuf, &pheap, &pl);
    if (errors >= 0) H5Eset_current_stack(errors);
    pv_h5session *named = path && pl ? session_new(pl, path, s->attr_len, s->attr) : NULL;
    if (named) {
      memcpy(named, s, offsetof(pv_h5session, path_len));
      named->key = key_of(KEY_OBJECT, s->file->canon, s->file->canon_len, path, pl, NULL, 0);
      free(s);
      o->s = s = named;
    }
    free(pheap);
  }
  if (s->shape_stale && s->modified) describe(o, H5I_INVALID_HID, H5I_INVALID_HID, 0);
  ask_end(&ask);
}

uint64_t pv_h5_transfer_elems(pv_h5obj *o, hid_t mem_space, hid_t file_space)
{
  hssize_t n;
  if (file_space > H5S_PLIST)
    n = H5Sget_select_npoints(file_space);
  else if (mem_space > H5S_PLIST)
    n = H5Sget_select_npoints(mem_space);
  else
    return pv_h5_extent(o);
  return n > 0 ? (uint64_t)n : 0;
}

uint64_t pv_h5_extent(pv_h5obj *o)
{
  if (o->s->shape_stale) {
    asking ask;
    ask_begin(&ask);
    describe(o, H5I_INVALID_HID, H5I_INVALID_HID, 0);
    ask_end(&ask);
  }
  return o->s->extent;
}

size_t pv_h5_type_size(pv_h5session *s, hid_t type_id)
{
  /* HDF5 never hands out an identifier twice, so a cached one stays right. */
  if (type_id != s->type_cache) {
    s->type_cache_size = H5Tget_size(type_id);
    s->type_cache = type_id;
  }
  return s->type_cache_size;
}

/* ---- the full path of an object reached by name -------------------------- */

char *pv_h5_probe_path(pv_h5obj *loc, const char *name, int hard_only, const char **kind)
{
  if (!name || !loc->s) return NULL;
  asking ask;
  ask_begin(&ask);
  char *path = NULL;
  H5VL_loc_params_t lp = {.obj_type = loc->type, .type = H5VL_OBJECT_BY_NAME};
  lp.loc_data.loc_by_name.name = name;
  lp.loc_data.loc_by_name.lapl_id = H5P_LST_LINK_ACCESS_ID_g;
  H5L_info2_t li;
  H5VL_link_get_args_t la = {.op_type = H5VL_LINK_GET_INFO};
  la.args.get_info.linfo = &li;
  H5I_type_t type = H5I_BADID;
  void *obj = NULL;
  int ok = !hard_only ||
           (PV_QUERY(loc, link_cls.get, (loc->under, &lp, &la, DXPL, NULL)) >= 0 && li.type == H5L_TYPE_HARD);
  if (ok) obj = loc->cls && loc->cls->object_cls.open
                    ? loc->cls->object_cls.open(loc->under, &lp, &type, DXPL, NULL)
                    : NULL;
  if (obj) {
    pv_h5obj tmp = {.under = obj, .under_vol_id = loc->under_vol_id, .cls = loc->cls, .type = type};
    size_t pl = 0;
    pv_h5file *f = file_of(&tmp, loc);
    char buf[1024], *heap = NULL;
    const char *got = f == loc->s->file ? ask_name(&tmp, object_name, buf, sizeof buf, &heap, &pl) : NULL;
    if (got && pl && (path = heap ? heap : malloc(pl + 1))) {
      if (!heap) memcpy(path, got, pl);
      path[pl] = 0;
    } else {
      free(heap);
    }
    file_release(f);
    *kind = type == H5I_DATASET ? "dataset" : type == H5I_GROUP ? "group" : "datatype";
    herr_t rc = type == H5I_DATASET ? PV_QUERY(loc, dataset_cls.close, (obj, DXPL, NULL))
              : type == H5I_GROUP   ? PV_QUERY(loc, group_cls.close, (obj, DXPL, NULL))
                                    : PV_QUERY(loc, datatype_cls.close, (obj, DXPL, NULL));
    if (rc < 0) ok = 0;
  } else {
    ok = 0;
  }
  if (!ok) forget_errors();
  ask_end(&ask);
  return path;
}

/* ---- records ------------------------------------------------------------- */

/* An IRI already written into the record (without angle brackets), so that
 * later lines copy it instead of encoding it again. */
typedef struct span {
  const char *s;
  size_t n;
} span;

/* One triple about span x; pred is a literal token such as PV_TERM("x"). */
#define A(p, x, cls) PV_TRIPLE_TYPE(p, (x).s, (x).n, cls)
#define IRI(p, x, pred, o) PV_TRIPLE_IRI(p, (x).s, (x).n, pred, (o).s, (o).n)
#define STR(p, x, pred, v, len) PV_TRIPLE_STRING(p, (x).s, (x).n, pred, v, len)
#define LONG(p, x, pred, v) PV_TRIPLE_LONG(p, (x).s, (x).n, pred, v)
#define TIME(p, x, pred, ns) PV_TRIPLE_TIME(p, (x).s, (x).n, pred, ns)
#define TRUE(p, x, pred) \
  pv_put_end(PV_PUT_LIT(pv_put_subject(p, (x).s, (x).n), pred " \"true\"^^" PV_XSD("boolean")))

/* The file's IRI, built in buf (a thread's scratch room), and its entity
 * lines the first time in the process. */
static char *put_file_entity(char *p, const pv_h5file *f, char *buf, span *file)
{
  *file = (span){buf, PV_CORE->file_iri(buf, &PV_CORE->proc->id, &PV_CORE->proc->cfg, f->canon, f->canon_len)};
  if (seen(f->key, 1)) return p;
  p = A(p, *file, PV_PROV("Entity"));
  return A(p, *file, PV_TERM("File"));
}

/* <file#path> (and @attribute): file's IRI, then the object path and the
 * attribute name percent-encoded, so that '@' in a path (always %40 there)
 * cannot be mistaken for the separator.  Also keeps the owner's IRI, which
 * is the attribute's up to the '@'. */
static char *put_object(char *p, span file, const char *path, size_t pl, const char *attr, size_t al,
                        span *out, span *owner)
{
  char *s = p;
  p = pv_put(p, file.s, file.n);
  *p++ = '#';
  p += pv_iri_encode(p, path, pl, "/");
  if (owner) *owner = (span){s, (size_t)(p - s)};
  if (attr) {
    *p++ = '@';
    p += pv_iri_encode(p, attr, al, "");
  }
  *out = (span){s, (size_t)(p - s)};
  return p;
}

static const char *const kind_names[] = {[H5I_FILE] = "file", [H5I_GROUP] = "group",
                                         [H5I_DATATYPE] = "datatype", [H5I_DATASET] = "dataset",
                                         [H5I_ATTR] = "attribute"};

/* An object's entity after its first line (o a prov:Entity): a
 * provio:Hdf5Object with its kind (when known), file and path (an
 * attribute's path is its owner's, which has it). */
static char *put_entity(char *p, span o, span file, const char *kind, const char *path, size_t pl,
                        int attr)
{
  p = A(p, o, PV_TERM("Hdf5Object"));
  if (kind) p = STR(p, o, PV_TERM("hdf5Kind"), kind, strlen(kind));
  p = IRI(p, o, PV_TERM("inFile"), file);
  return attr ? p : STR(p, o, PV_TERM("objectPath"), path, pl);
}

/* An object named in a record: its IRI is written into the record as the
 * subject of its entity lines (written in full unless key says this process
 * described it already) and kept in *o. */
static char *put_named(char *p, span file, uint64_t key, const char *kind, const char *path, size_t pl,
                       const char *attr, size_t al, span *o, span *owner)
{
  char *start = p + 1;
  *p++ = '<';
  put_object(start, file, path, pl, attr, al, o, owner);
  p = start + o->n;
  *p++ = '>';
  if (seen(key, 1)) return pv_put_end(PV_PUT_LIT(p, " " PV_RDF_TYPE " " PV_TERM("Hdf5Object")));
  p = pv_put_end(PV_PUT_LIT(p, " " PV_RDF_TYPE " " PV_PROV("Entity")));
  return put_entity(p, *o, file, kind, path, pl, attr != NULL);
}

/* A new version of o, generated by this process at ns. */
static char *put_version(pv_thread *t, char *p, span o, int64_t ns, span *v, char *buf)
{
  *v = (span){buf, PV_CORE->thread_new_iri(t, buf, "hv")};
  span proc = {PV_CORE->proc->id.proc_iri, PV_CORE->proc->id.proc_iri_len};
  p = A(p, *v, PV_PROV("Entity"));
  p = A(p, *v, PV_TERM("Hdf5ObjectVersion"));
  p = IRI(p, *v, PV_PROV("specializationOf"), o);
  p = IRI(p, *v, PV_PROV("wasGeneratedBy"), proc);
  return TIME(p, *v, PV_PROV("generatedAtTime"), ns);
}

/* Room for a record naming at most `objects` objects of f with names of at
 * most `names` bytes in all, in at most `lines` lines. */
static size_t record_max(pv_thread *t, const pv_h5file *f, size_t objects, size_t names, size_t lines)
{
  size_t obj = PV_FILE_IRI_MAX(f->canon_len) + 2 + 3 * names;
  return lines * (2 * obj + t->iri_len + PV_CORE->proc->id.proc_iri_len + 256) +
         objects * (PV_LITERAL_MAX(names) + 2 * obj);
}

static const char *const counter_terms[PV_H5_COUNTERS] = {
    [PV_H5_READS] = PV_TERM("reads"),
    [PV_H5_WRITES] = PV_TERM("writes"),
    [PV_H5_BYTES_READ] = PV_TERM("bytesRead"),
    [PV_H5_BYTES_WRITTEN] = PV_TERM("bytesWritten"),
    [PV_H5_ELEMS_READ] = PV_TERM("elementsRead"),
    [PV_H5_ELEMS_WRITTEN] = PV_TERM("elementsWritten"),
    [PV_H5_READ_TICKS] = PV_TERM("readTime"),
    [PV_H5_WRITE_TICKS] = PV_TERM("writeTime"),
    [PV_H5_META_OPS] = PV_TERM("metaOps"),
    [PV_H5_META_TICKS] = PV_TERM("metaTime"),
    [PV_H5_FLUSHES] = PV_TERM("flushes"),
    [PV_H5_COLLECTIVE] = PV_TERM("collectiveTransfers"),
    [PV_H5_INDEPENDENT] = PV_TERM("independentTransfers"),
};

static int is_ticks(int i)
{
  return i == PV_H5_READ_TICKS || i == PV_H5_WRITE_TICKS || i == PV_H5_META_TICKS;
}

/* The lines every access starts with; counters that stayed 0 are left out
 * (as are metaOps of an object, always its open and close). */
static char *put_access(pv_thread *t, char *p, span a, pv_h5session *s, int64_t end, int object)
{
  span proc = {PV_CORE->proc->id.proc_iri, PV_CORE->proc->id.proc_iri_len}, thread = {t->iri, t->iri_len};
  p = A(p, a, PV_PROV("Activity"));
  p = object ? A(p, a, PV_TERM("Hdf5Access")) : A(p, a, PV_TERM("FileAccess"));
  p = IRI(p, a, PV_TERM("partOf"), proc);
  unsigned records = PV_CORE->proc->cfg.records;
  if (records & PV_REC_THREADS) p = IRI(p, a, PV_PROV("wasAssociatedWith"), thread);
  p = TIME(p, a, PV_PROV("startedAtTime"), s->open_ns);
  p = TIME(p, a, PV_PROV("endedAtTime"), end);
  if (s->created) p = TRUE(p, a, PV_TERM("created"));
  for (int i = 0; i < PV_H5_COUNTERS; i++) {
    if (!s->n[i] || (object && i == PV_H5_META_OPS) || (is_ticks(i) && !(records & PV_REC_DURATIONS))) continue;
    p = pv_put_subject(p, a.s, a.n);
    p = pv_put(p, counter_terms[i], strlen(counter_terms[i]));
    *p++ = ' ';
    p = pv_put_end(pv_put_long(p, is_ticks(i) ? PV_CORE->ticks_to_ns(s->n[i]) : (int64_t)s->n[i]));
  }
  return p;
}

static char *put_file_flags(char *p, unsigned flags)
{
  /* The H5F_ACC_* macros are calls (H5open first), not constants. */
  const struct { unsigned bit; const char *name; } names[] = {
      {H5F_ACC_TRUNC, "H5F_ACC_TRUNC"},           {H5F_ACC_EXCL, "H5F_ACC_EXCL"},
      {H5F_ACC_CREAT, "H5F_ACC_CREAT"},           {H5F_ACC_SWMR_WRITE, "H5F_ACC_SWMR_WRITE"},
      {H5F_ACC_SWMR_READ, "H5F_ACC_SWMR_READ"},
  };
  *p++ = '"';
  p = flags & H5F_ACC_RDWR ? PV_PUT_LIT(p, "H5F_ACC_RDWR") : PV_PUT_LIT(p, "H5F_ACC_RDONLY");
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (flags & names[i].bit) {
      *p++ = '|';
      p = pv_put(p, names[i].name, strlen(names[i].name));
    }
  *p++ = '"';
  return p;
}

static char *put_dims(char *p, int rank, const hsize_t *d)
{
  *p++ = '"';
  *p++ = '[';
  for (int i = 0; i < rank; i++) {
    if (i) *p++ = ',';
    p = d[i] == H5S_UNLIMITED ? PV_PUT_LIT(p, "unlimited") : p + pv_fmt_u64(p, d[i]);
  }
  return PV_PUT_LIT(p, "]\"");
}

/* provio:shape "[100,200]" ("null" for an empty dataspace), and
 * provio:maxShape where the maximum differs. */
static char *put_shape(char *p, span a, const pv_h5session *s)
{
  p = PV_PUT_LIT(pv_put_subject(p, a.s, a.n), PV_TERM("shape") " ");
  p = s->rank < 0 ? PV_PUT_LIT(p, "\"null\"") : put_dims(p, s->rank, s->dims);
  p = pv_put_end(p);
  int differs = 0;
  for (int i = 0; i < s->rank; i++) differs |= s->max_dims[i] != s->dims[i];
  if (!differs) return p;
  p = PV_PUT_LIT(pv_put_subject(p, a.s, a.n), PV_TERM("maxShape") " ");
  return pv_put_end(put_dims(p, s->rank, s->max_dims));
}

/* H5Fcreate/H5Fopen .. H5Fclose: a provio:FileAccess with api "hdf5". */
static void emit_file_session(pv_thread *t, pv_h5session *s, int64_t end)
{
  char *p = PV_CORE->record_begin(t, record_max(t, s->file, 1, 1, 24));
  if (!p) return;
  char acc[PV_IRI_MAX + 64];
  span a = {acc, PV_CORE->thread_new_iri(t, acc, "ha")}, file;
  p = put_file_entity(p, s->file, t->scratch[0], &file);
  p = put_access(t, p, a, s, end, 0);
  p = IRI(p, a, PV_TERM("file"), file);
  p = STR(p, a, PV_TERM("api"), "hdf5", 4);
  p = pv_put_end(put_file_flags(PV_PUT_LIT(pv_put_subject(p, a.s, a.n), PV_TERM("openFlags") " "),
                                s->file_flags));
  if (s->file->parallel) p = TRUE(p, a, PV_TERM("parallel"));
  pv_record_end(t, p);
}

/* The session's read [0] or change [1] times as of end (0: none). */
static void session_times(const pv_h5session *s, int64_t end, int64_t first[2], int64_t last[2])
{
  uint64_t now_t = pv_ticks();
  for (int k = 0; k < 2; k++) {
    first[k] = s->first_at[k] ? pv_real_time(s->first_at[k], now_t, end, s->open_ns, PV_CORE->ticks_to_ns) : 0;
    last[k] = s->last_at[k] ? pv_real_time(s->last_at[k], now_t, end, s->open_ns, PV_CORE->ticks_to_ns) : 0;
  }
}

/* open..close of a group, dataset, attribute or named datatype. */
static void emit_object_session(pv_thread *t, H5I_type_t type, pv_h5session *s, int64_t end)
{
  if (!s->path_len) return; /* anonymous to the end: nothing names it */
  char *p = PV_CORE->record_begin(t, record_max(t, s->file, 2, s->path_len + s->attr_len, 50));
  if (!p) return;
  char acc[PV_IRI_MAX + 64], ver[PV_IRI_MAX + 64];
  span a = {acc, PV_CORE->thread_new_iri(t, acc, "ha")}, file, o, owner, v;
  span proc = {PV_CORE->proc->id.proc_iri, PV_CORE->proc->id.proc_iri_len};
  int attr = type == H5I_ATTR, described = seen(s->key, 0);
  p = put_file_entity(p, s->file, t->scratch[0], &file);
  p = put_named(p, file, s->key, kind_names[type], s->path, s->path_len, attr ? s->attr : NULL,
                s->attr_len, &o, &owner);
  if (!described) {
    if (attr) {
      p = IRI(p, o, PV_TERM("attributeOf"), owner);
      p = STR(p, o, PV_TERM("attributeName"), s->attr, s->attr_len);
      if (!seen(key_of(KEY_OWNER, s->file->canon, s->file->canon_len, s->path, s->path_len, NULL, 0), 1))
        p = put_entity(A(p, owner, PV_PROV("Entity")), owner, file, NULL, s->path, s->path_len, 0);
    }
    if (s->datatype[0]) p = STR(p, o, PV_TERM("datatype"), s->datatype, strlen(s->datatype));
  }
  if (s->n[PV_H5_READS]) p = IRI(p, proc, PV_PROV("used"), o);
  p = put_access(t, p, a, s, end, 1);
  p = IRI(p, a, PV_TERM("object"), o);
  if (s->rank >= -1) p = put_shape(p, a, s);
  int64_t first[2], last[2];
  session_times(s, end, first, last);
  if (first[0]) {
    p = TIME(p, a, PV_TERM("firstReadAt"), first[0]);
    p = TIME(p, a, PV_TERM("lastReadAt"), last[0]);
  }
  if (s->n[PV_H5_WRITES] || s->created || s->modified) {
    p = put_version(t, p, o, last[1], &v, ver);
    p = IRI(p, a, PV_TERM("version"), v);
    p = TIME(p, a, PV_TERM("firstWriteAt"), first[1]);
    if (s->created) p = TRUE(p, v, PV_TERM("newContent"));
  }
  pv_record_end(t, p);
}

void pv_h5_session_end(pv_h5obj *o)
{
  pv_h5session *s = o->s;
  o->s = NULL;
  int saved = errno;
  PV_CORE->tls()->depth++;
  pv_thread *t = PV_CORE->thread_current();
  if (t) {
    int64_t end = PV_CORE->now_ns();
    if (o->type == H5I_FILE)
      emit_file_session(t, s, end);
    else
      emit_object_session(t, o->type, s, end);
  }
  PV_CORE->tls()->depth--;
  errno = saved;
  file_release(s->file);
  free(s);
}

static const char *const op_names[] = {
    [PV_H5_OP_DELETE] = "delete",           [PV_H5_OP_MOVE] = "move",
    [PV_H5_OP_COPY_LINK] = "copyLink",      [PV_H5_OP_COPY_OBJECT] = "copy",
    [PV_H5_OP_HARD_LINK] = "hardLink",      [PV_H5_OP_SOFT_LINK] = "softLink",
    [PV_H5_OP_EXTERNAL_LINK] = "externalLink", [PV_H5_OP_USER_LINK] = "userLink",
    [PV_H5_OP_ATTR_DELETE] = "attributeDelete", [PV_H5_OP_ATTR_RENAME] = "attributeRename",
};

static size_t len0(const char *s) { return s ? strlen(s) : 0; }

/* An object an operation names: its session's (a location) or a resolved
 * path, with an entity key of its own. */
static char *put_op_object(char *p, span file, const pv_h5file *f, const char *kind, const char *path,
                           size_t pl, span *o)
{
  return put_named(p, file, key_of(KEY_OBJECT, f->canon, f->canon_len, path, pl, NULL, 0), kind, path,
                   pl, NULL, 0, o, NULL);
}

static const char *loc_kind(const pv_h5obj *o) { return kind_names[o->type == H5I_FILE ? H5I_GROUP : o->type]; }

/* An operation on names: provio:Hdf5Operation with where it happened, the
 * names as given, and the objects by full path when they could be found. */
void pv_h5_record_op(pv_h5op *op)
{
  pv_h5session *ls = op->loc->s, *ds = op->dst_loc ? op->dst_loc->s : NULL;
  if (!ls || (op->dst_loc && !ds)) return;
  int saved = errno;
  PV_CORE->tls()->depth++;
  pv_thread *t = PV_CORE->thread_current();
  size_t names = ls->path_len + (ds ? ds->path_len : 0) + len0(op->name) + len0(op->dst_name) +
                 len0(op->link_target) + len0(op->attr_name) + len0(op->attr_new_name) +
                 len0(op->obj_path) + len0(op->dst_path);
  const pv_h5file *lf = ls->file, *df = ds ? ds->file : lf;
  const pv_h5file *big = df->canon_len > lf->canon_len ? df : lf;
  char *p = t ? PV_CORE->record_begin(t, record_max(t, big, 6, names, 60)) : NULL;
  if (p) {
    char opb[PV_IRI_MAX + 64], ver[PV_IRI_MAX + 64];
    span x = {opb, PV_CORE->thread_new_iri(t, opb, "ho")}, file, dfile, loc, dloc, obj, dst, v;
    span proc = {PV_CORE->proc->id.proc_iri, PV_CORE->proc->id.proc_iri_len}, thread = {t->iri, t->iri_len};
    const char *opn = op_names[op->op];
    p = put_file_entity(p, lf, t->scratch[0], &file);
    dfile = file;
    if (df != lf) p = put_file_entity(p, df, t->scratch[1], &dfile);
    p = A(p, x, PV_PROV("Activity"));
    p = A(p, x, PV_TERM("Hdf5Operation"));
    p = STR(p, x, PV_TERM("operation"), opn, strlen(opn));
    p = IRI(p, x, PV_TERM("partOf"), proc);
    unsigned records = PV_CORE->proc->cfg.records;
    if (records & PV_REC_THREADS) p = IRI(p, x, PV_PROV("wasAssociatedWith"), thread);
    p = TIME(p, x, PV_PROV("atTime"), op->at_ns);
    if (records & PV_REC_DURATIONS) p = LONG(p, x, PV_TERM("duration"), PV_CORE->ticks_to_ns(op->ticks));
    p = IRI(p, x, PV_TERM("inFile"), file);
    p = put_op_object(p, file, lf, loc_kind(op->loc), ls->path, ls->path_len, &loc);
    p = IRI(p, x, PV_TERM("location"), loc);
    if (op->name) p = STR(p, x, PV_TERM("linkName"), op->name, strlen(op->name));
    if (ds) {
      p = put_op_object(p, dfile, df, loc_kind(op->dst_loc), ds->path, ds->path_len, &dloc);
      p = IRI(p, x, PV_TERM("targetLocation"), dloc);
      if (op->dst_name) p = STR(p, x, PV_TERM("targetName"), op->dst_name, strlen(op->dst_name));
    }
    if (op->link_target) p = STR(p, x, PV_TERM("linkTarget"), op->link_target, strlen(op->link_target));
    if (op->attr_name) p = STR(p, x, PV_TERM("attributeName"), op->attr_name, strlen(op->attr_name));
    if (op->attr_new_name)
      p = STR(p, x, PV_TERM("targetName"), op->attr_new_name, strlen(op->attr_new_name));
    if (op->obj_path) {
      p = put_op_object(p, file, lf, op->obj_kind, op->obj_path, strlen(op->obj_path), &obj);
      p = IRI(p, x, PV_TERM("object"), obj);
    }
    if (op->dst_path) {
      p = put_op_object(p, dfile, df, op->dst_kind, op->dst_path, strlen(op->dst_path), &dst);
      p = IRI(p, x, PV_TERM("target"), dst);
      if (op->op == PV_H5_OP_MOVE || op->op == PV_H5_OP_COPY_OBJECT) {
        p = put_version(t, p, dst, op->at_ns + PV_CORE->ticks_to_ns(op->ticks), &v, ver);
        p = IRI(p, x, PV_TERM("version"), v);
        if (op->obj_path && op->op == PV_H5_OP_MOVE) p = IRI(p, v, PV_TERM("renamedFrom"), obj);
        if (op->obj_path && op->op == PV_H5_OP_COPY_OBJECT) {
          p = IRI(p, proc, PV_PROV("used"), obj);
          p = IRI(p, v, PV_PROV("wasDerivedFrom"), obj);
        }
      }
    }
    pv_record_end(t, p);
  }
  PV_CORE->tls()->depth--;
  errno = saved;
}
