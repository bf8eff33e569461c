/* hdf5_vol.c - "provio", a passthrough VOL connector for HDF5 1.14.
 *
 * Loaded as a plugin (through libprovio_vol.so, hdf5_plugin.c):
 *   HDF5_PLUGIN_PATH=<prefix>/lib/provio/hdf5
 *   HDF5_VOL_CONNECTOR="provio under_vol=0;under_info={}"
 * Every callback forwards to the connector underneath (native by default,
 * any other by under_vol/under_info), and those that open, create, read,
 * write, flush, close, move, copy or delete objects also feed the object's
 * provenance session (hdf5_record.c).
 *
 * Rules this file keeps: never write into the user's file, never call MPI
 * (parallel HDF5 needs every rank to make the same metadata calls), never
 * exit, and return the under connector's results and errors untouched.
 * Public HDF5 calls clear the error stack when entered, so after a failed
 * under call we either make none or save and restore the stack.  While a
 * call is forwarded, pv_tls.layer says so: the POSIX capture below records
 * the I/O HDF5 makes as provio:viaLayer "hdf5", not as the program's. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <H5VLpassthru.h>
#include <hdf5.h>

#include "hdf5_vol.h"
#include "serialize.h"

#define PV_VOL_NAME "provio"
#define PV_VOL_VALUE 3071  /* outside the values The HDF Group has assigned */
#define PV_VOL_VERSION 1

typedef struct pv_h5info {
  hid_t under_vol_id;
  void *under_vol_info;
} pv_h5info;

typedef struct pv_h5wrap_ctx {
  hid_t under_vol_id;
  const H5VL_class_t *cls;
  void *under_wrap_ctx;
} pv_h5wrap_ctx;

static const H5VL_class_t pv_h5_class;

/* ---- around every forwarded call ---------------------------------------- */

typedef struct pv_h5call {
  struct pv_tls *tls;
  pv_layer_save outer;
  uint64_t t0;
} pv_h5call;

/* The POSIX capture below sees api as the HDF5 call its I/O belongs to. */
static inline void layer_enter(pv_h5call *c, const char *api)
{
  c->tls = PV_CORE->tls();
  c->outer = pv_layer_enter_at(c->tls, PV_LAYER_HDF5, api);
}

static inline void layer_leave(pv_h5call *c) { pv_layer_leave_at(c->tls, c->outer); }

/* The same, timed: call_end returns the ticks spent in the call. */
static inline void call_begin(pv_h5call *c, const char *api)
{
  layer_enter(c, api);
  c->t0 = pv_ticks();
}

static inline uint64_t call_end(pv_h5call *c)
{
  uint64_t t = pv_ticks() - c->t0;
  layer_leave(c);
  return t;
}

/* Recording: on, and this call is the application's (not provio's). */
static inline int recording(void)
{
  return PV_CORE->tls()->depth == 0 && PV_CORE->proc->state == PV_ACTIVE;
}

/* Without an object of the under connector yet (the first file open), its
 * class is unknown and a public forwarder (H5VLfile_open and the like) has
 * to make the call.  On failure that forwarder prints the stack at once if
 * automatic printing is on (the application's own call prints it again)
 * and adds two entries of its own above the under connector's: printing is
 * off while it runs (pv_h5_quiet), and its two entries are popped. */
static void quiet_end_popping(pv_h5quiet *q, int failed)
{
  if (failed) H5Epop(H5E_DEFAULT, 2);
  pv_h5_quiet_end(q);
}

/* ---- wrappers ------------------------------------------------------------ */

/* The under connectors we forward to.  Each is held by one reference for as
 * long as HDF5 runs, so objects need no reference of their own (and their
 * close path no public call that would clear the error stack). */
#define PV_H5_CONNECTORS 16
static struct {
  hid_t id;                    /* 0: free; written once with a CAS */
  const H5VL_class_t *cls;
} held[PV_H5_CONNECTORS];

static const H5VL_class_t *held_class(hid_t id)
{
  for (int i = 0; i < PV_H5_CONNECTORS; i++)
    if (__atomic_load_n(&held[i].id, __ATOMIC_ACQUIRE) == id)
      return __atomic_load_n(&held[i].cls, __ATOMIC_ACQUIRE);
  return NULL;
}

/* Holds id (once) and learns its class from an object it returned. */
static const H5VL_class_t *hold_connector(hid_t id, void *under_obj)
{
  int slot = -1;
  for (int i = 0; i < PV_H5_CONNECTORS && slot < 0; i++) {
    hid_t cur = __atomic_load_n(&held[i].id, __ATOMIC_ACQUIRE), zero = 0;
    if (cur == id) slot = i;
    else if (cur == 0 && __atomic_compare_exchange_n(&held[i].id, &zero, id, 0, __ATOMIC_ACQ_REL,
                                                     __ATOMIC_ACQUIRE)) {
      H5Iinc_ref(id);
      slot = i;
    } else if (zero == id) {
      slot = i;
    }
  }
  if (slot < 0) return NULL;
  const H5VL_class_t *cls = __atomic_load_n(&held[slot].cls, __ATOMIC_ACQUIRE);
  if (!cls && under_obj) {
    pv_h5quiet q;
    pv_h5_quiet_begin(&q);
    if (H5VLintrospect_get_conn_cls(under_obj, id, H5VL_GET_CONN_LVL_CURR, &cls) < 0) {
      cls = NULL;
      H5Eclear2(H5E_DEFAULT); /* the open succeeded: nothing of the user's is lost */
    }
    pv_h5_quiet_end(&q);
    if (cls) __atomic_store_n(&held[slot].cls, cls, __ATOMIC_RELEASE);
  }
  return cls;
}

static pv_h5obj *wrap(void *under, hid_t under_vol_id, const H5VL_class_t *cls, H5I_type_t type)
{
  pv_h5obj *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->under = under;
  o->under_vol_id = under_vol_id;
  o->cls = cls;
  o->type = type;
  o->open_ns = PV_CORE->now_ns();
  return o;
}

/* An async request the under connector returned: wrapped like an object. */
static void wrap_request(void **req, const pv_h5obj *o)
{
  if (req && *req) {
    pv_h5obj *r = wrap(*req, o->under_vol_id, o->cls, H5I_BADID);
    if (r) {
      r->untracked = 1;
      *req = r;
    }
  }
}

static void count(pv_h5obj *o, int counter, uint64_t ns)
{
  if (o && o->s && PV_CORE->tls()->depth == 0) {
    o->s->n[counter]++;
    o->s->n[PV_H5_META_TICKS] += ns;
  }
}

/* After an object open or create: the wrapper and its session. */
static void *opened(pv_h5obj *parent, void *under, H5I_type_t type, void **req, int created,
                    hid_t type_id, hid_t space_id, uint64_t ns)
{
  if (!under) return NULL;
  pv_h5obj *o = wrap(under, parent->under_vol_id, parent->cls, type);
  if (!o) return NULL;
  wrap_request(req, parent);
  if (recording())
    pv_h5_session_start(o, parent, created, type_id, space_id);
  else
    o->untracked = 1;
  count(o, PV_H5_META_OPS, ns);
  return o;
}

/* Objects HDF5 wraps itself (iteration callbacks, external link targets)
 * get their session at their first data transfer. */
static pv_h5session *session_of(pv_h5obj *o)
{
  if (!o->s && !o->untracked && recording()) {
    pv_h5_session_start(o, NULL, 0, H5I_INVALID_HID, H5I_INVALID_HID);
    if (!o->s) o->untracked = 1;
  }
  return PV_CORE->tls()->depth == 0 ? o->s : NULL;
}

/* After a successful close: the record, then the wrapper goes. */
static void closed(pv_h5obj *o, uint64_t ns)
{
  if (o->s) {
    count(o, PV_H5_META_OPS, ns);
    pv_h5_session_end(o);
  }
  free(o);
}

static void *under_of(void *obj) { return obj ? ((pv_h5obj *)obj)->under : NULL; }

static const char *loc_name(const H5VL_loc_params_t *loc)
{
  return loc && loc->type == H5VL_OBJECT_BY_NAME ? loc->loc_data.loc_by_name.name : NULL;
}

/* ---- the three shapes most callbacks have --------------------------------
 * FORWARD: the call goes to the under connector, nothing is recorded.
 * OPENER:  an object is opened or created: its wrapper and session.
 * CLOSER:  an object is closed: its session is written out.
 * Each names its parameters, the under class member, the arguments for it
 * and the public forwarder used when the under class lacks the member. */
#define FORWARD(name, params, api, member, under_args, public_call) \
  static herr_t name params                                         \
  {                                                                 \
    pv_h5obj *o = obj;                                              \
    pv_h5call c;                                                    \
    layer_enter(&c, api);                                           \
    herr_t rc = PV_UNDER(o, member, under_args, public_call);       \
    layer_leave(&c);                                                \
    wrap_request(req, o);                                           \
    return rc;                                                      \
  }

#define OPENER(name, params, api, member, under_args, public_call, type, created, type_id, space_id) \
  static void *name params                                                                          \
  {                                                                                                 \
    pv_h5obj *o = obj;                                                                              \
    pv_h5call c;                                                                                    \
    call_begin(&c, api);                                                                            \
    void *under = PV_UNDER(o, member, under_args, public_call);                                     \
    uint64_t ticks = call_end(&c);                                                                  \
    return opened(o, under, type, req, created, type_id, space_id, ticks);                          \
  }

#define CLOSER(name, api, member, public_fn)                                                \
  static herr_t name(void *obj, hid_t dxpl, void **req)                                     \
  {                                                                                         \
    pv_h5obj *o = obj;                                                                      \
    if (o->s) pv_h5_session_before_close(o);                                                \
    pv_h5call c;                                                                            \
    call_begin(&c, api);                                                                    \
    herr_t rc = PV_UNDER(o, member, (o->under, dxpl, req), public_fn(o->under, o->under_vol_id, dxpl, req)); \
    uint64_t ticks = call_end(&c);                                                          \
    wrap_request(req, o);                                                                   \
    if (rc >= 0) closed(o, ticks);                                                          \
    return rc;                                                                              \
  }

/* ---- management and info ------------------------------------------------- */

static herr_t vol_init(hid_t vipl_id) { return 0; }

/* HDF5 is closing (or let go of us): its identifiers may mean other
 * connectors if it starts again. */
static herr_t vol_term(void)
{
  for (int i = 0; i < PV_H5_CONNECTORS; i++) {
    __atomic_store_n(&held[i].cls, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&held[i].id, 0, __ATOMIC_RELEASE);
  }
  pv_h5_record_term();
  return 0;
}

static void *info_copy(const void *src)
{
  const pv_h5info *in = src;
  pv_h5info *out = calloc(1, sizeof *out);
  if (!in || !out) {
    free(out);
    return NULL;
  }
  out->under_vol_id = in->under_vol_id;
  H5Iinc_ref(out->under_vol_id);
  if (in->under_vol_info)
    H5VLcopy_connector_info(out->under_vol_id, &out->under_vol_info, in->under_vol_info);
  return out;
}

static herr_t info_cmp(int *cmp, const void *a, const void *b)
{
  const pv_h5info *x = a, *y = b;
  *cmp = 0;
  if (H5VLcmp_connector_cls(cmp, x->under_vol_id, y->under_vol_id) < 0) return -1;
  if (*cmp) return 0;
  return H5VLcmp_connector_info(cmp, x->under_vol_id, x->under_vol_info, y->under_vol_info);
}

static herr_t info_free(void *p)
{
  pv_h5info *info = p;
  if (!info) return 0;
  hid_t err = H5Eget_current_stack();
  if (info->under_vol_info) H5VLfree_connector_info(info->under_vol_id, info->under_vol_info);
  H5Idec_ref(info->under_vol_id);
  H5Eset_current_stack(err);
  free(info);
  return 0;
}

static herr_t info_to_str(const void *p, char **str)
{
  const pv_h5info *info = p;
  H5VL_class_value_t value = (H5VL_class_value_t)-1;
  char *under = NULL;
  H5VLget_value(info->under_vol_id, &value);
  H5VLconnector_info_to_str(info->under_vol_info, info->under_vol_id, &under);
  size_t n = 48 + (under ? strlen(under) : 0);
  *str = H5allocate_memory(n, 0);
  if (!*str) return -1;
  char *s = *str;
  memcpy(s, "under_vol=", 10);
  s += 10;
  char digits[24];
  size_t dl = pv_fmt_u64(digits, (uint64_t)(unsigned)value);
  memcpy(s, digits, dl);
  s += dl;
  memcpy(s, ";under_info={", 13);
  s += 13;
  if (under) {
    size_t ul = strlen(under);
    memcpy(s, under, ul);
    s += ul;
  }
  *s++ = '}';
  *s = 0;
  H5free_memory(under);
  return 0;
}

/* The connector under_vol names: its value, or its name (what a user's
 * HDF5_VOL_CONNECTOR starts with, which provio-run moves under provio).
 * The library's own connectors are not found by value or name in 1.14. */
static hid_t under_connector(const char *v)
{
  size_t n = strcspn(v, ";");
  char name[256], *end;
  if (n == 0 || n >= sizeof name) return -1;
  memcpy(name, v, n);
  name[n] = 0;
  unsigned long value = strtoul(name, &end, 10);
  int by_value = *end == 0;
  hid_t id = -1;
  if (by_value ? value == H5VL_NATIVE_VALUE : !strcmp(name, "native")) id = H5VL_NATIVE;
  else if (by_value ? value == H5VL_PASSTHRU_VALUE : !strcmp(name, "pass_through")) id = H5VL_PASSTHRU;
  else if (by_value) return H5VLregister_connector_by_value((H5VL_class_value_t)value, H5P_DEFAULT);
  else return H5VLregister_connector_by_name(name, H5P_DEFAULT);
  return id >= 0 && H5Iinc_ref(id) >= 0 ? id : -1;
}

/* "under_vol=<value or name>;under_info={<under connector's own string>}";
 * an empty or missing string means the native connector. */
static herr_t str_to_info(const char *str, void **out)
{
  const char *v = str ? strstr(str, "under_vol=") : NULL;
  hid_t under_id = under_connector(v ? v + 10 : "0");
  if (under_id < 0) return -1;
  void *under_info = NULL;
  const char *open = str ? strchr(str, '{') : NULL, *close = str ? strrchr(str, '}') : NULL;
  if (open && close && close > open + 1) {
    size_t n = (size_t)(close - open - 1);
    char *inner = malloc(n + 1);
    if (!inner) {
      H5VLunregister_connector(under_id);
      return -1;
    }
    memcpy(inner, open + 1, n);
    inner[n] = 0;
    herr_t rc = H5VLconnector_str_to_info(inner, under_id, &under_info);
    free(inner);
    if (rc < 0) {
      H5VLunregister_connector(under_id);
      return -1;
    }
  }
  pv_h5info *info = calloc(1, sizeof *info);
  if (!info) return -1;
  info->under_vol_id = under_id;
  info->under_vol_info = under_info;
  *out = info;
  return 0;
}

/* ---- wrapping ------------------------------------------------------------ */

static void *get_object(const void *obj)
{
  const pv_h5obj *o = obj;
  return H5VLget_object(o->under, o->under_vol_id);
}

static herr_t get_wrap_ctx(const void *obj, void **ctx)
{
  const pv_h5obj *o = obj;
  pv_h5wrap_ctx *c = calloc(1, sizeof *c);
  if (!c) return -1;
  c->under_vol_id = o->under_vol_id;
  c->cls = o->cls;
  if (H5VLget_wrap_ctx(o->under, o->under_vol_id, &c->under_wrap_ctx) < 0) {
    free(c);
    return -1;
  }
  *ctx = c;
  return 0;
}

static void *wrap_object(void *obj, H5I_type_t type, void *ctx)
{
  pv_h5wrap_ctx *c = ctx;
  void *under = H5VLwrap_object(obj, type, c->under_vol_id, c->under_wrap_ctx);
  return under ? wrap(under, c->under_vol_id, c->cls, type) : NULL;
}

static void *unwrap_object(void *obj)
{
  pv_h5obj *o = obj;
  void *under = H5VLunwrap_object(o->under, o->under_vol_id);
  if (under) closed(o, 0);
  return under;
}

static herr_t free_wrap_ctx(void *ctx)
{
  pv_h5wrap_ctx *c = ctx;
  herr_t rc = c->under_wrap_ctx ? H5VLfree_wrap_ctx(c->under_wrap_ctx, c->under_vol_id) : 0;
  free(c);
  return rc;
}

/* ---- attributes ---------------------------------------------------------- */

OPENER(attr_create,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t type_id, hid_t space_id,
        hid_t acpl, hid_t aapl, hid_t dxpl, void **req),
       "H5Acreate", attr_cls.create, (o->under, loc, name, type_id, space_id, acpl, aapl, dxpl, req),
       H5VLattr_create(o->under, loc, o->under_vol_id, name, type_id, space_id, acpl, aapl, dxpl, req),
       H5I_ATTR, 1, type_id, space_id)

OPENER(attr_open,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t aapl, hid_t dxpl, void **req),
       "H5Aopen", attr_cls.open, (o->under, loc, name, aapl, dxpl, req),
       H5VLattr_open(o->under, loc, o->under_vol_id, name, aapl, dxpl, req),
       H5I_ATTR, 0, H5I_INVALID_HID, H5I_INVALID_HID)

/* Reads and writes of a whole attribute. */
static void attr_transfer(pv_h5obj *o, int is_write, hid_t mem_type, uint64_t ns)
{
  pv_h5session *s = session_of(o);
  if (!s) return;
  uint64_t elems = pv_h5_extent(o);
  s->n[is_write ? PV_H5_WRITES : PV_H5_READS]++;
  s->n[is_write ? PV_H5_ELEMS_WRITTEN : PV_H5_ELEMS_READ] += elems;
  s->n[is_write ? PV_H5_BYTES_WRITTEN : PV_H5_BYTES_READ] += elems * pv_h5_type_size(s, mem_type);
  s->n[is_write ? PV_H5_WRITE_TICKS : PV_H5_READ_TICKS] += ns;
  pv_h5_mark(s, is_write);
}

static herr_t attr_read(void *obj, hid_t mem_type, void *buf, hid_t dxpl, void **req)
{
  pv_h5obj *o = obj;
  pv_h5call c;
  call_begin(&c, "H5Aread");
  herr_t rc = PV_UNDER(o, attr_cls.read, (o->under, mem_type, buf, dxpl, req),
                       H5VLattr_read(o->under, o->under_vol_id, mem_type, buf, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, o);
  if (rc >= 0) attr_transfer(o, 0, mem_type, ns);
  return rc;
}

static herr_t attr_write(void *obj, hid_t mem_type, const void *buf, hid_t dxpl, void **req)
{
  pv_h5obj *o = obj;
  pv_h5call c;
  call_begin(&c, "H5Awrite");
  herr_t rc = PV_UNDER(o, attr_cls.write, (o->under, mem_type, buf, dxpl, req),
                       H5VLattr_write(o->under, o->under_vol_id, mem_type, buf, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, o);
  if (rc >= 0) attr_transfer(o, 1, mem_type, ns);
  return rc;
}

FORWARD(attr_get, (void *obj, H5VL_attr_get_args_t *args, hid_t dxpl, void **req),
        "H5Aget", attr_cls.get, (o->under, args, dxpl, req),
        H5VLattr_get(o->under, o->under_vol_id, args, dxpl, req))

static herr_t attr_specific(void *obj, const H5VL_loc_params_t *loc, H5VL_attr_specific_args_t *args,
                            hid_t dxpl, void **req)
{
  pv_h5obj *o = obj;
  pv_h5call c;
  call_begin(&c, "H5Aspecific");
  int64_t at = PV_CORE->now_ns();
  herr_t rc = PV_UNDER(o, attr_cls.specific, (o->under, loc, args, dxpl, req),
                       H5VLattr_specific(o->under, loc, o->under_vol_id, args, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, o);
  int del = args->op_type == H5VL_ATTR_DELETE, ren = args->op_type == H5VL_ATTR_RENAME;
  if (rc >= 0 && (del || ren) && recording()) {
    pv_h5op op = {.op = del ? PV_H5_OP_ATTR_DELETE : PV_H5_OP_ATTR_RENAME,
                  .at_ns = at,
                  .ticks = ns,
                  .loc = o,
                  .name = loc_name(loc),
                  .attr_name = del ? args->args.del.name : args->args.rename.old_name,
                  .attr_new_name = ren ? args->args.rename.new_name : NULL};
    pv_h5_record_op(&op);
  }
  return rc;
}

FORWARD(attr_optional, (void *obj, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5Aoptional", attr_cls.optional, (o->under, args, dxpl, req),
        H5VLattr_optional(o->under, o->under_vol_id, args, dxpl, req))

CLOSER(attr_close, "H5Aclose", attr_cls.close, H5VLattr_close)

/* ---- datasets ------------------------------------------------------------ */

OPENER(dataset_create,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t lcpl, hid_t type_id,
        hid_t space_id, hid_t dcpl, hid_t dapl, hid_t dxpl, void **req),
       "H5Dcreate", dataset_cls.create, (o->under, loc, name, lcpl, type_id, space_id, dcpl, dapl, dxpl, req),
       H5VLdataset_create(o->under, loc, o->under_vol_id, name, lcpl, type_id, space_id, dcpl, dapl, dxpl, req),
       H5I_DATASET, 1, type_id, space_id)

OPENER(dataset_open,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t dapl, hid_t dxpl, void **req),
       "H5Dopen", dataset_cls.open, (o->under, loc, name, dapl, dxpl, req),
       H5VLdataset_open(o->under, loc, o->under_vol_id, name, dapl, dxpl, req),
       H5I_DATASET, 0, H5I_INVALID_HID, H5I_INVALID_HID)

static int collective(hid_t dxpl)
{
#ifdef H5_HAVE_PARALLEL
  H5FD_mpio_xfer_t mode = H5FD_MPIO_INDEPENDENT;
  if (dxpl != H5P_LST_DATASET_XFER_ID_g && H5Pget_dxpl_mpio(dxpl, &mode) < 0) return 0;
  return mode == H5FD_MPIO_COLLECTIVE;
#else
  return 0;
#endif
}

#define PV_H5_BATCH 8 /* multi-dataset transfers up to this size need no allocation */

/* H5Dread/H5Dwrite and their _multi forms.  Accounting happens only after
 * success, from the selections the application passed. */
static herr_t dataset_transfer(int is_write, size_t n, void *dset[], hid_t mem_type[],
                               hid_t mem_space[], hid_t file_space[], hid_t dxpl, void *buf[],
                               void **req)
{
  pv_h5obj *o0 = dset[0];
  void *local[PV_H5_BATCH], **under = local;
  if (n > PV_H5_BATCH && !(under = malloc(n * sizeof *under))) return -1;
  herr_t rc = -1;
  for (size_t i = 0; i < n; i++) {
    pv_h5obj *d = dset[i];
    if (d->under_vol_id != o0->under_vol_id) goto out;
    under[i] = d->under;
  }
  pv_h5call c;
  call_begin(&c, is_write ? "H5Dwrite" : "H5Dread");
  if (is_write)
    rc = PV_UNDER(o0, dataset_cls.write,
                  (n, under, mem_type, mem_space, file_space, dxpl, (const void **)buf, req),
                  H5VLdataset_write(n, under, o0->under_vol_id, mem_type, mem_space, file_space,
                                    dxpl, (const void **)buf, req));
  else
    rc = PV_UNDER(o0, dataset_cls.read, (n, under, mem_type, mem_space, file_space, dxpl, buf, req),
                  H5VLdataset_read(n, under, o0->under_vol_id, mem_type, mem_space, file_space,
                                   dxpl, buf, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, o0);
  if (rc < 0 || !recording()) goto out;
  int coll = -1;
  for (size_t i = 0; i < n; i++) {
    pv_h5session *s = session_of(dset[i]);
    if (!s) continue;
    uint64_t elems = pv_h5_transfer_elems(dset[i], mem_space[i], file_space[i]);
    s->n[is_write ? PV_H5_WRITES : PV_H5_READS]++;
    s->n[is_write ? PV_H5_ELEMS_WRITTEN : PV_H5_ELEMS_READ] += elems;
    s->n[is_write ? PV_H5_BYTES_WRITTEN : PV_H5_BYTES_READ] += elems * pv_h5_type_size(s, mem_type[i]);
    s->n[is_write ? PV_H5_WRITE_TICKS : PV_H5_READ_TICKS] += n == 1 ? ns : ns / n;
    pv_h5_mark(s, is_write);
    if (s->file->parallel) {
      if (coll < 0) coll = collective(dxpl);
      s->n[coll ? PV_H5_COLLECTIVE : PV_H5_INDEPENDENT]++;
    }
  }
out:
  if (under != local) free(under);
  return rc;
}

static herr_t dataset_read(size_t n, void *dset[], hid_t mem_type[], hid_t mem_space[],
                           hid_t file_space[], hid_t dxpl, void *buf[], void **req)
{
  return dataset_transfer(0, n, dset, mem_type, mem_space, file_space, dxpl, buf, req);
}

static herr_t dataset_write(size_t n, void *dset[], hid_t mem_type[], hid_t mem_space[],
                            hid_t file_space[], hid_t dxpl, const void *buf[], void **req)
{
  return dataset_transfer(1, n, dset, mem_type, mem_space, file_space, dxpl, (void **)buf, req);
}

FORWARD(dataset_get, (void *obj, H5VL_dataset_get_args_t *args, hid_t dxpl, void **req),
        "H5Dget", dataset_cls.get, (o->under, args, dxpl, req),
        H5VLdataset_get(o->under, o->under_vol_id, args, dxpl, req))

static herr_t dataset_specific(void *obj, H5VL_dataset_specific_args_t *args, hid_t dxpl, void **req)
{
  pv_h5obj *o = obj;
  /* A refresh may replace the object: keep what the forwarding needs. */
  pv_h5obj saved = *o;
  pv_h5call c;
  call_begin(&c, args->op_type == H5VL_DATASET_FLUSH ? "H5Dflush" : "H5Dspecific");
  herr_t rc = PV_UNDER(&saved, dataset_cls.specific, (saved.under, args, dxpl, req),
                       H5VLdataset_specific(saved.under, saved.under_vol_id, args, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, &saved);
  if (rc >= 0 && args->op_type == H5VL_DATASET_SET_EXTENT && session_of(o)) {
    o->s->modified = 1;
    o->s->shape_stale = 1;
    pv_h5_mark(o->s, 1);
    count(o, PV_H5_META_OPS, ns);
  } else if (rc >= 0 && args->op_type == H5VL_DATASET_FLUSH) {
    count(o, PV_H5_FLUSHES, ns);
  }
  return rc;
}

/* Direct chunk writes (H5Dwrite_chunk) move bytes without H5Dwrite. */
static herr_t dataset_optional(void *obj, H5VL_optional_args_t *args, hid_t dxpl, void **req)
{
  pv_h5obj *o = obj;
  pv_h5call c;
  call_begin(&c, "H5Doptional");
  herr_t rc = PV_UNDER(o, dataset_cls.optional, (o->under, args, dxpl, req),
                       H5VLdataset_optional(o->under, o->under_vol_id, args, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, o);
  if (rc >= 0 && args->args &&
      (args->op_type == H5VL_NATIVE_DATASET_CHUNK_WRITE ||
       args->op_type == H5VL_NATIVE_DATASET_CHUNK_READ) &&
      session_of(o)) {
    H5VL_native_dataset_optional_args_t *a = args->args;
    if (args->op_type == H5VL_NATIVE_DATASET_CHUNK_WRITE) {
      o->s->n[PV_H5_WRITES]++;
      o->s->n[PV_H5_BYTES_WRITTEN] += a->chunk_write.size;
      o->s->n[PV_H5_WRITE_TICKS] += ns;
    } else {
      o->s->n[PV_H5_READS]++;
      o->s->n[PV_H5_READ_TICKS] += ns;
    }
    pv_h5_mark(o->s, args->op_type == H5VL_NATIVE_DATASET_CHUNK_WRITE);
  }
  return rc;
}

CLOSER(dataset_close, "H5Dclose", dataset_cls.close, H5VLdataset_close)

/* ---- named datatypes ----------------------------------------------------- */

OPENER(datatype_commit,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t type_id, hid_t lcpl,
        hid_t tcpl, hid_t tapl, hid_t dxpl, void **req),
       "H5Tcommit", datatype_cls.commit, (o->under, loc, name, type_id, lcpl, tcpl, tapl, dxpl, req),
       H5VLdatatype_commit(o->under, loc, o->under_vol_id, name, type_id, lcpl, tcpl, tapl, dxpl, req),
       H5I_DATATYPE, 1, type_id, H5I_INVALID_HID)

OPENER(datatype_open,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t tapl, hid_t dxpl, void **req),
       "H5Topen", datatype_cls.open, (o->under, loc, name, tapl, dxpl, req),
       H5VLdatatype_open(o->under, loc, o->under_vol_id, name, tapl, dxpl, req),
       H5I_DATATYPE, 0, H5I_INVALID_HID, H5I_INVALID_HID)

FORWARD(datatype_get, (void *obj, H5VL_datatype_get_args_t *args, hid_t dxpl, void **req),
        "H5Tget", datatype_cls.get, (o->under, args, dxpl, req),
        H5VLdatatype_get(o->under, o->under_vol_id, args, dxpl, req))

static herr_t datatype_specific(void *obj, H5VL_datatype_specific_args_t *args, hid_t dxpl,
                                void **req)
{
  pv_h5obj *o = obj, saved = *o;
  pv_h5call c;
  call_begin(&c, "H5Tspecific");
  herr_t rc = PV_UNDER(&saved, datatype_cls.specific, (saved.under, args, dxpl, req),
                       H5VLdatatype_specific(saved.under, saved.under_vol_id, args, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, &saved);
  if (rc >= 0 && args->op_type == H5VL_DATATYPE_FLUSH) count(o, PV_H5_FLUSHES, ns);
  return rc;
}

FORWARD(datatype_optional, (void *obj, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5Toptional", datatype_cls.optional, (o->under, args, dxpl, req),
        H5VLdatatype_optional(o->under, o->under_vol_id, args, dxpl, req))

CLOSER(datatype_close, "H5Tclose", datatype_cls.close, H5VLdatatype_close)

/* ---- files --------------------------------------------------------------- */

/* A copy of fapl that names the under connector instead of us. */
static hid_t under_fapl(hid_t fapl, pv_h5info **info, hid_t *under_id)
{
  *info = NULL;
  H5Pget_vol_info(fapl, (void **)info);
  *under_id = *info ? (*info)->under_vol_id : H5VL_NATIVE;
  hid_t copy = H5Pcopy(fapl);
  if (copy >= 0 && H5Pset_vol(copy, *under_id, *info ? (*info)->under_vol_info : NULL) < 0) {
    H5Pclose(copy);
    copy = H5I_INVALID_HID;
  }
  return copy;
}

/* Releases what under_fapl made; keeps the error stack of a failed call. */
static void under_fapl_release(hid_t copy, pv_h5info *info, int failed)
{
  hid_t err = failed ? H5Eget_current_stack() : H5I_INVALID_HID;
  if (copy >= 0) H5Pclose(copy);
  info_free(info);
  if (failed && err >= 0) H5Eset_current_stack(err);
}

static int fapl_parallel(hid_t fapl)
{
#ifdef H5_HAVE_PARALLEL
  return H5Pget_driver(fapl) == H5FD_MPIO;
#else
  return 0;
#endif
}

static void *file_open_or_create(int create, const char *name, unsigned flags, hid_t fcpl, hid_t fapl,
                                 hid_t dxpl, void **req)
{
  pv_h5info *info;
  hid_t under_id, ufapl = under_fapl(fapl, &info, &under_id);
  if (ufapl < 0) {
    info_free(info);
    return NULL;
  }
  int parallel = fapl_parallel(fapl);
  pv_h5obj u = {.under_vol_id = under_id, .cls = held_class(under_id)};
  pv_h5quiet q;
  int direct = u.cls && (create ? u.cls->file_cls.create != NULL : u.cls->file_cls.open != NULL);
  if (!direct) pv_h5_quiet_begin(&q);
  pv_h5call c;
  call_begin(&c, create ? "H5Fcreate" : "H5Fopen");
  void *under = create ? PV_UNDER(&u, file_cls.create, (name, flags, fcpl, ufapl, dxpl, req),
                                  H5VLfile_create(name, flags, fcpl, ufapl, dxpl, req))
                       : PV_UNDER(&u, file_cls.open, (name, flags, ufapl, dxpl, req),
                                  H5VLfile_open(name, flags, ufapl, dxpl, req));
  uint64_t ns = call_end(&c);
  if (!direct) quiet_end_popping(&q, under == NULL);
  pv_h5obj *f = NULL;
  if (under) {
    f = wrap(under, under_id, hold_connector(under_id, under), H5I_FILE);
    if (f) {
      wrap_request(req, f);
      if (recording()) pv_h5_file_session_start(f, name, flags, create, parallel);
      count(f, PV_H5_META_OPS, ns);
    }
  }
  under_fapl_release(ufapl, info, under == NULL);
  return f;
}

static void *file_create(const char *name, unsigned flags, hid_t fcpl, hid_t fapl, hid_t dxpl,
                         void **req)
{
  return file_open_or_create(1, name, flags, fcpl, fapl, dxpl, req);
}

static void *file_open(const char *name, unsigned flags, hid_t fapl, hid_t dxpl, void **req)
{
  return file_open_or_create(0, name, flags, H5P_DEFAULT, fapl, dxpl, req);
}

FORWARD(file_get, (void *obj, H5VL_file_get_args_t *args, hid_t dxpl, void **req),
        "H5Fget", file_cls.get, (o->under, args, dxpl, req),
        H5VLfile_get(o->under, o->under_vol_id, args, dxpl, req))

/* is_accessible and delete come without a file object: like open, they
 * take a fapl naming us, which must name the under connector instead. */
static herr_t file_by_name(H5VL_file_specific_args_t *args, hid_t *fapl, hid_t dxpl, void **req)
{
  pv_h5info *info;
  hid_t under_id, ufapl = under_fapl(*fapl, &info, &under_id);
  if (ufapl < 0) {
    info_free(info);
    return -1;
  }
  hid_t user_fapl = *fapl;
  *fapl = ufapl;
  pv_h5obj u = {.under_vol_id = under_id, .cls = held_class(under_id)};
  pv_h5quiet q;
  int direct = u.cls && u.cls->file_cls.specific;
  if (!direct) pv_h5_quiet_begin(&q);
  pv_h5call c;
  layer_enter(&c, args->op_type == H5VL_FILE_DELETE ? "H5Fdelete" : "H5Fis_accessible");
  herr_t rc = PV_UNDER(&u, file_cls.specific, (NULL, args, dxpl, req),
                       H5VLfile_specific(NULL, under_id, args, dxpl, req));
  layer_leave(&c);
  if (!direct) quiet_end_popping(&q, rc < 0);
  *fapl = user_fapl;
  wrap_request(req, &u);
  under_fapl_release(ufapl, info, rc < 0);
  return rc;
}

static herr_t file_specific(void *obj, H5VL_file_specific_args_t *args, hid_t dxpl, void **req)
{
  if (args->op_type == H5VL_FILE_IS_ACCESSIBLE)
    return file_by_name(args, &args->args.is_accessible.fapl_id, dxpl, req);
  if (args->op_type == H5VL_FILE_DELETE) return file_by_name(args, &args->args.del.fapl_id, dxpl, req);

  pv_h5obj *o = obj, saved = *o;
  pv_h5call c;
  call_begin(&c, args->op_type == H5VL_FILE_FLUSH ? "H5Fflush" : "H5Fspecific");
  herr_t rc = PV_UNDER(&saved, file_cls.specific, (saved.under, args, dxpl, req),
                       H5VLfile_specific(saved.under, saved.under_vol_id, args, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, &saved);
  if (rc < 0) return rc;
  if (args->op_type == H5VL_FILE_FLUSH) {
    count(o, PV_H5_FLUSHES, ns);
  } else if (args->op_type == H5VL_FILE_REOPEN && *args->args.reopen.file) {
    pv_h5obj *f = wrap(*args->args.reopen.file, saved.under_vol_id, saved.cls, H5I_FILE);
    if (f && o->s && recording()) pv_h5_file_session_reopen(f, o);
    *args->args.reopen.file = f;
  }
  return rc;
}

FORWARD(file_optional, (void *obj, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5Foptional", file_cls.optional, (o->under, args, dxpl, req),
        H5VLfile_optional(o->under, o->under_vol_id, args, dxpl, req))

CLOSER(file_close, "H5Fclose", file_cls.close, H5VLfile_close)

/* ---- groups -------------------------------------------------------------- */

OPENER(group_create,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t lcpl, hid_t gcpl,
        hid_t gapl, hid_t dxpl, void **req),
       "H5Gcreate", group_cls.create, (o->under, loc, name, lcpl, gcpl, gapl, dxpl, req),
       H5VLgroup_create(o->under, loc, o->under_vol_id, name, lcpl, gcpl, gapl, dxpl, req),
       H5I_GROUP, 1, H5I_INVALID_HID, H5I_INVALID_HID)

OPENER(group_open,
       (void *obj, const H5VL_loc_params_t *loc, const char *name, hid_t gapl, hid_t dxpl, void **req),
       "H5Gopen", group_cls.open, (o->under, loc, name, gapl, dxpl, req),
       H5VLgroup_open(o->under, loc, o->under_vol_id, name, gapl, dxpl, req),
       H5I_GROUP, 0, H5I_INVALID_HID, H5I_INVALID_HID)

FORWARD(group_get, (void *obj, H5VL_group_get_args_t *args, hid_t dxpl, void **req),
        "H5Gget", group_cls.get, (o->under, args, dxpl, req),
        H5VLgroup_get(o->under, o->under_vol_id, args, dxpl, req))

static herr_t group_specific(void *obj, H5VL_group_specific_args_t *args, hid_t dxpl, void **req)
{
  pv_h5obj *o = obj, saved = *o;
  H5VL_group_specific_args_t mount;
  H5VL_group_specific_args_t *a = args;
  if (args->op_type == H5VL_GROUP_MOUNT) {
    mount = *args;
    mount.args.mount.child_file = under_of(args->args.mount.child_file);
    a = &mount;
  }
  pv_h5call c;
  call_begin(&c, args->op_type == H5VL_GROUP_FLUSH ? "H5Gflush" : "H5Gspecific");
  herr_t rc = PV_UNDER(&saved, group_cls.specific, (saved.under, a, dxpl, req),
                       H5VLgroup_specific(saved.under, saved.under_vol_id, a, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, &saved);
  if (rc >= 0 && args->op_type == H5VL_GROUP_FLUSH) count(o, PV_H5_FLUSHES, ns);
  return rc;
}

FORWARD(group_optional, (void *obj, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5Goptional", group_cls.optional, (o->under, args, dxpl, req),
        H5VLgroup_optional(o->under, o->under_vol_id, args, dxpl, req))

CLOSER(group_close, "H5Gclose", group_cls.close, H5VLgroup_close)

/* ---- links --------------------------------------------------------------- */

/* Whether names of o's file may be looked up for the record: not in files
 * opened through MPI-IO, where lookups could be collective operations that
 * other ranks do not make. */
static int may_probe(pv_h5obj *o) { return o && o->s && !o->s->file->parallel; }

/* "file:path" from an external link's value: a version and flags byte
 * (version 0), then two NUL-terminated strings.  Read here rather than with
 * H5Lunpack_elink_val, which prints an error for a value it does not like
 * (user-defined links of the external type may carry anything). */
static int external_target(const void *buf, size_t n, char *dst, size_t cap)
{
  const char *v = buf, *end = v + n;
  if (!v || n < 3 || (unsigned char)v[0] >> 4 != 0) return 0;
  const char *file = v + 1, *file_end = memchr(file, 0, (size_t)(end - file));
  if (!file_end) return 0;
  const char *path = file_end + 1, *path_end = memchr(path, 0, (size_t)(end - path));
  size_t fl = (size_t)(file_end - file), pl = path_end ? (size_t)(path_end - path) : 0;
  if (!path_end || fl + pl + 2 > cap) return 0;
  memcpy(dst, file, fl);
  dst[fl] = ':';
  memcpy(dst + fl + 1, path, pl);
  dst[fl + 1 + pl] = 0;
  return 1;
}

static herr_t link_create(H5VL_link_create_args_t *args, void *obj, const H5VL_loc_params_t *loc,
                          hid_t lcpl, hid_t lapl, hid_t dxpl, void **req)
{
  pv_h5obj *o = obj, *cur = NULL;
  pv_h5obj base = {0};
  if (o) base = *o;
  if (args->op_type == H5VL_LINK_CREATE_HARD && args->args.hard.curr_obj) {
    cur = args->args.hard.curr_obj;
    if (!o) base = *cur;
    args->args.hard.curr_obj = cur->under;
  }
  if (!o && !cur) return -1;
  pv_h5call c;
  call_begin(&c, "H5Lcreate");
  int64_t at = PV_CORE->now_ns();
  herr_t rc = PV_UNDER(&base, link_cls.create, (args, under_of(o), loc, lcpl, lapl, dxpl, req),
                       H5VLlink_create(args, under_of(o), loc, base.under_vol_id, lcpl, lapl, dxpl, req));
  uint64_t ns = call_end(&c);
  if (cur) args->args.hard.curr_obj = cur;
  wrap_request(req, &base);
  pv_h5obj *where = o ? o : cur;
  if (rc < 0 || !recording() || !session_of(where)) return rc;

  pv_h5op op = {.at_ns = at, .ticks = ns, .loc = where, .name = loc_name(loc)};
  char target[1024];
  switch (args->op_type) {
  case H5VL_LINK_CREATE_HARD:
    op.op = PV_H5_OP_HARD_LINK;
    if (may_probe(where)) {
      pv_h5obj *src = cur ? cur : o;
      op.obj_path = pv_h5_probe_path(src, loc_name(&args->args.hard.curr_loc_params), 0, &op.obj_kind);
      op.dst_path = pv_h5_probe_path(where, op.name, 1, &op.dst_kind);
    }
    break;
  case H5VL_LINK_CREATE_SOFT:
    op.op = PV_H5_OP_SOFT_LINK;
    op.link_target = args->args.soft.target;
    break;
  case H5VL_LINK_CREATE_UD:
    op.op = PV_H5_OP_USER_LINK;
    if (args->args.ud.type == H5L_TYPE_EXTERNAL &&
        external_target(args->args.ud.buf, args->args.ud.buf_size, target, sizeof target)) {
      op.op = PV_H5_OP_EXTERNAL_LINK;
      op.link_target = target;
    }
    break;
  }
  pv_h5_record_op(&op);
  free(op.obj_path);
  free(op.dst_path);
  return rc;
}

/* H5Lcopy and H5Lmove: the object's path before, and the path it has after. */
static herr_t link_copy_or_move(int move, void *src_obj, const H5VL_loc_params_t *loc1, void *dst_obj,
                                const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl, hid_t dxpl,
                                void **req)
{
  pv_h5obj *src = src_obj, *dst = dst_obj, *any = src ? src : dst;
  if (!any) return -1;
  pv_h5op op = {.op = move ? PV_H5_OP_MOVE : PV_H5_OP_COPY_LINK,
                .loc = src ? src : dst,
                .name = loc_name(loc1),
                .dst_loc = dst ? dst : src,
                .dst_name = loc_name(loc2)};
  int record = recording() && session_of(op.loc) && session_of(op.dst_loc);
  if (record && may_probe(op.loc)) op.obj_path = pv_h5_probe_path(op.loc, op.name, 1, &op.obj_kind);
  pv_h5call c;
  call_begin(&c, move ? "H5Lmove" : "H5Lcopy");
  op.at_ns = PV_CORE->now_ns();
  herr_t rc;
  if (move)
    rc = PV_UNDER(any, link_cls.move, (under_of(src), loc1, under_of(dst), loc2, lcpl, lapl, dxpl, req),
                  H5VLlink_move(under_of(src), loc1, under_of(dst), loc2, any->under_vol_id, lcpl,
                                lapl, dxpl, req));
  else
    rc = PV_UNDER(any, link_cls.copy, (under_of(src), loc1, under_of(dst), loc2, lcpl, lapl, dxpl, req),
                  H5VLlink_copy(under_of(src), loc1, under_of(dst), loc2, any->under_vol_id, lcpl,
                                lapl, dxpl, req));
  op.ticks = call_end(&c);
  wrap_request(req, any);
  if (rc >= 0 && record) {
    if (op.obj_path) op.dst_path = pv_h5_probe_path(op.dst_loc, op.dst_name, 1, &op.dst_kind);
    pv_h5_record_op(&op);
  }
  free(op.obj_path);
  free(op.dst_path);
  return rc;
}

static herr_t link_copy(void *src, const H5VL_loc_params_t *loc1, void *dst,
                        const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl, hid_t dxpl, void **req)
{
  return link_copy_or_move(0, src, loc1, dst, loc2, lcpl, lapl, dxpl, req);
}

static herr_t link_move(void *src, const H5VL_loc_params_t *loc1, void *dst,
                        const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl, hid_t dxpl, void **req)
{
  return link_copy_or_move(1, src, loc1, dst, loc2, lcpl, lapl, dxpl, req);
}

FORWARD(link_get, (void *obj, const H5VL_loc_params_t *loc, H5VL_link_get_args_t *args, hid_t dxpl, void **req),
        "H5Lget", link_cls.get, (o->under, loc, args, dxpl, req),
        H5VLlink_get(o->under, loc, o->under_vol_id, args, dxpl, req))

static herr_t link_specific(void *obj, const H5VL_loc_params_t *loc, H5VL_link_specific_args_t *args,
                            hid_t dxpl, void **req)
{
  pv_h5obj *o = obj;
  int del = args->op_type == H5VL_LINK_DELETE;
  pv_h5op op = {.op = PV_H5_OP_DELETE, .loc = o, .name = loc_name(loc)};
  int record = del && recording() && session_of(o);
  if (record && op.name && may_probe(o)) op.obj_path = pv_h5_probe_path(o, op.name, 1, &op.obj_kind);
  pv_h5call c;
  call_begin(&c, del ? "H5Ldelete" : "H5Lspecific");
  op.at_ns = PV_CORE->now_ns();
  herr_t rc = PV_UNDER(o, link_cls.specific, (o->under, loc, args, dxpl, req),
                       H5VLlink_specific(o->under, loc, o->under_vol_id, args, dxpl, req));
  op.ticks = call_end(&c);
  wrap_request(req, o);
  if (rc >= 0 && record) pv_h5_record_op(&op);
  free(op.obj_path);
  return rc;
}

FORWARD(link_optional, (void *obj, const H5VL_loc_params_t *loc, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5Loptional", link_cls.optional, (o->under, loc, args, dxpl, req),
        H5VLlink_optional(o->under, loc, o->under_vol_id, args, dxpl, req))

/* ---- objects ------------------------------------------------------------- */

static void *object_open(void *obj, const H5VL_loc_params_t *loc, H5I_type_t *type, hid_t dxpl,
                         void **req)
{
  pv_h5obj *o = obj;
  pv_h5call c;
  call_begin(&c, "H5Oopen");
  void *under = PV_UNDER(o, object_cls.open, (o->under, loc, type, dxpl, req),
                         H5VLobject_open(o->under, loc, o->under_vol_id, type, dxpl, req));
  uint64_t ns = call_end(&c);
  return opened(o, under, under ? *type : H5I_BADID, req, 0, H5I_INVALID_HID, H5I_INVALID_HID, ns);
}

static herr_t object_copy(void *src_obj, const H5VL_loc_params_t *src_loc, const char *src_name,
                          void *dst_obj, const H5VL_loc_params_t *dst_loc, const char *dst_name,
                          hid_t ocpypl, hid_t lcpl, hid_t dxpl, void **req)
{
  pv_h5obj *src = src_obj, *dst = dst_obj;
  pv_h5call c;
  call_begin(&c, "H5Ocopy");
  int64_t at = PV_CORE->now_ns();
  herr_t rc = PV_UNDER(src, object_cls.copy,
                       (src->under, src_loc, src_name, dst->under, dst_loc, dst_name, ocpypl, lcpl,
                        dxpl, req),
                       H5VLobject_copy(src->under, src_loc, src_name, dst->under, dst_loc, dst_name,
                                       src->under_vol_id, ocpypl, lcpl, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, src);
  if (rc >= 0 && recording() && session_of(src) && session_of(dst)) {
    pv_h5op op = {.op = PV_H5_OP_COPY_OBJECT, .at_ns = at, .ticks = ns, .loc = src,
                  .name = src_name, .dst_loc = dst, .dst_name = dst_name};
    if (may_probe(src) && may_probe(dst)) {
      op.obj_path = pv_h5_probe_path(src, src_name, 0, &op.obj_kind);
      op.dst_path = pv_h5_probe_path(dst, dst_name, 1, &op.dst_kind);
    }
    pv_h5_record_op(&op);
    free(op.obj_path);
    free(op.dst_path);
  }
  return rc;
}

FORWARD(object_get, (void *obj, const H5VL_loc_params_t *loc, H5VL_object_get_args_t *args, hid_t dxpl, void **req),
        "H5Oget", object_cls.get, (o->under, loc, args, dxpl, req),
        H5VLobject_get(o->under, loc, o->under_vol_id, args, dxpl, req))

static herr_t object_specific(void *obj, const H5VL_loc_params_t *loc, H5VL_object_specific_args_t *args,
                              hid_t dxpl, void **req)
{
  pv_h5obj *o = obj, saved = *o;
  pv_h5call c;
  call_begin(&c, args->op_type == H5VL_OBJECT_FLUSH ? "H5Oflush" : "H5Ospecific");
  herr_t rc = PV_UNDER(&saved, object_cls.specific, (saved.under, loc, args, dxpl, req),
                       H5VLobject_specific(saved.under, loc, saved.under_vol_id, args, dxpl, req));
  uint64_t ns = call_end(&c);
  wrap_request(req, &saved);
  if (rc >= 0 && args->op_type == H5VL_OBJECT_FLUSH && loc->type == H5VL_OBJECT_BY_SELF)
    count(o, PV_H5_FLUSHES, ns);
  return rc;
}

FORWARD(object_optional, (void *obj, const H5VL_loc_params_t *loc, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5Ooptional", object_cls.optional, (o->under, loc, args, dxpl, req),
        H5VLobject_optional(o->under, loc, o->under_vol_id, args, dxpl, req))

/* ---- introspection ------------------------------------------------------- */

static herr_t introspect_get_conn_cls(void *obj, H5VL_get_conn_lvl_t lvl, const H5VL_class_t **cls)
{
  pv_h5obj *o = obj;
  if (lvl == H5VL_GET_CONN_LVL_CURR) {
    *cls = &pv_h5_class;
    return 0;
  }
  return PV_UNDER(o, introspect_cls.get_conn_cls, (o->under, lvl, cls),
                  H5VLintrospect_get_conn_cls(o->under, o->under_vol_id, lvl, cls));
}

static herr_t introspect_get_cap_flags(const void *p, uint64_t *flags)
{
  const pv_h5info *info = p;
  hid_t id = info ? info->under_vol_id : H5VL_NATIVE;
  herr_t rc = H5VLintrospect_get_cap_flags(info ? info->under_vol_info : NULL, id, flags);
  if (rc >= 0) *flags |= pv_h5_class.cap_flags;
  return rc;
}

static herr_t introspect_opt_query(void *obj, H5VL_subclass_t subcls, int op, uint64_t *flags)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, introspect_cls.opt_query, (o->under, subcls, op, flags),
                  H5VLintrospect_opt_query(o->under, o->under_vol_id, subcls, op, flags));
}

/* ---- async requests ------------------------------------------------------ */

/* A request's wrapper belongs to whoever holds the request until it calls
 * request_free: HDF5 1.14's event sets wait (or cancel, or are notified)
 * and then free, so only request_free may release the wrapper. */
static herr_t request_wait(void *obj, uint64_t timeout, H5VL_request_status_t *status)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, request_cls.wait, (o->under, timeout, status),
                  H5VLrequest_wait(o->under, o->under_vol_id, timeout, status));
}

static herr_t request_notify(void *obj, H5VL_request_notify_t cb, void *ctx)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, request_cls.notify, (o->under, cb, ctx),
                  H5VLrequest_notify(o->under, o->under_vol_id, cb, ctx));
}

static herr_t request_cancel(void *obj, H5VL_request_status_t *status)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, request_cls.cancel, (o->under, status),
                  H5VLrequest_cancel(o->under, o->under_vol_id, status));
}

static herr_t request_specific(void *obj, H5VL_request_specific_args_t *args)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, request_cls.specific, (o->under, args),
                  H5VLrequest_specific(o->under, o->under_vol_id, args));
}

static herr_t request_optional(void *obj, H5VL_optional_args_t *args)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, request_cls.optional, (o->under, args),
                  H5VLrequest_optional(o->under, o->under_vol_id, args));
}

static herr_t request_free(void *obj)
{
  pv_h5obj *o = obj;
  herr_t rc = PV_UNDER(o, request_cls.free, (o->under), H5VLrequest_free(o->under, o->under_vol_id));
  if (rc >= 0) free(o);
  return rc;
}

/* ---- blobs, tokens, catch-all -------------------------------------------- */

static herr_t blob_put(void *obj, const void *buf, size_t size, void *blob_id, void *ctx)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, blob_cls.put, (o->under, buf, size, blob_id, ctx),
                  H5VLblob_put(o->under, o->under_vol_id, buf, size, blob_id, ctx));
}

static herr_t blob_get(void *obj, const void *blob_id, void *buf, size_t size, void *ctx)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, blob_cls.get, (o->under, blob_id, buf, size, ctx),
                  H5VLblob_get(o->under, o->under_vol_id, blob_id, buf, size, ctx));
}

static herr_t blob_specific(void *obj, void *blob_id, H5VL_blob_specific_args_t *args)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, blob_cls.specific, (o->under, blob_id, args),
                  H5VLblob_specific(o->under, o->under_vol_id, blob_id, args));
}

static herr_t blob_optional(void *obj, void *blob_id, H5VL_optional_args_t *args)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, blob_cls.optional, (o->under, blob_id, args),
                  H5VLblob_optional(o->under, o->under_vol_id, blob_id, args));
}

static herr_t token_cmp(void *obj, const H5O_token_t *a, const H5O_token_t *b, int *cmp)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, token_cls.cmp, (o->under, a, b, cmp),
                  H5VLtoken_cmp(o->under, o->under_vol_id, a, b, cmp));
}

static herr_t token_to_str(void *obj, H5I_type_t type, const H5O_token_t *token, char **str)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, token_cls.to_str, (o->under, type, token, str),
                  H5VLtoken_to_str(o->under, type, o->under_vol_id, token, str));
}

static herr_t token_from_str(void *obj, H5I_type_t type, const char *str, H5O_token_t *token)
{
  pv_h5obj *o = obj;
  return PV_UNDER(o, token_cls.from_str, (o->under, type, str, token),
                  H5VLtoken_from_str(o->under, type, o->under_vol_id, str, token));
}

FORWARD(optional, (void *obj, H5VL_optional_args_t *args, hid_t dxpl, void **req),
        "H5VLoptional", optional, (o->under, args, dxpl, req),
        H5VLoptional(o->under, o->under_vol_id, args, dxpl, req))

/* ---- the class ----------------------------------------------------------- */

static const H5VL_class_t pv_h5_class = {
    .version = H5VL_VERSION,
    .value = (H5VL_class_value_t)PV_VOL_VALUE,
    .name = PV_VOL_NAME,
    .conn_version = PV_VOL_VERSION,
    .cap_flags = 0,
    .initialize = vol_init,
    .terminate = vol_term,
    .info_cls = {sizeof(pv_h5info), info_copy, info_cmp, info_free, info_to_str, str_to_info},
    .wrap_cls = {get_object, get_wrap_ctx, wrap_object, unwrap_object, free_wrap_ctx},
    .attr_cls = {attr_create, attr_open, attr_read, attr_write, attr_get, attr_specific, attr_optional,
                 attr_close},
    .dataset_cls = {dataset_create, dataset_open, dataset_read, dataset_write, dataset_get,
                    dataset_specific, dataset_optional, dataset_close},
    .datatype_cls = {datatype_commit, datatype_open, datatype_get, datatype_specific,
                     datatype_optional, datatype_close},
    .file_cls = {file_create, file_open, file_get, file_specific, file_optional, file_close},
    .group_cls = {group_create, group_open, group_get, group_specific, group_optional, group_close},
    .link_cls = {link_create, link_copy, link_move, link_get, link_specific, link_optional},
    .object_cls = {object_open, object_copy, object_get, object_specific, object_optional},
    .introspect_cls = {introspect_get_conn_cls, introspect_get_cap_flags, introspect_opt_query},
    .request_cls = {request_wait, request_notify, request_cancel, request_specific, request_optional,
                    request_free},
    .blob_cls = {blob_put, blob_get, blob_specific, blob_optional},
    .token_cls = {token_cmp, token_to_str, token_from_str},
    .optional = optional,
};

/* What libprovio_vol.so (hdf5_plugin.c) hands HDF5 once it has made sure
 * the HDF5 asking is the one this library links. */
__attribute__((visibility("default"))) const void *provio_h5vol_class(void) { return &pv_h5_class; }
