/* h5_async_es [provio] - asynchronous HDF5 calls through an event set.
 *
 * The native connector completes async calls at once and hands back no
 * request, so the request protocol (wait, then free) is never exercised
 * with it.  "fake_async" is the native connector under another name that
 * does hand back a request for every write and close, completed at once:
 * H5ESwait then waits on each and frees it (H5EScancel cancels and frees),
 * exactly as with a real async connector.  With "provio" the file is opened through provio stacked on
 * fake_async (HDF5_PLUGIN_PATH must reach the plugin), so provio wraps
 * every request.  Prints what the program observes. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static H5VL_class_t fake;
static const H5VL_class_t *native;

typedef struct {
  int done;
} token;

static void *new_token(void **req)
{
  token *t = calloc(1, sizeof *t);
  if (req) *req = t;
  return t;
}

static herr_t fake_write(size_t n, void *dset[], hid_t mt[], hid_t ms[], hid_t fs[], hid_t dxpl,
                         const void *buf[], void **req)
{
  herr_t rc = native->dataset_cls.write(n, dset, mt, ms, fs, dxpl, buf, NULL);
  if (rc >= 0 && req) new_token(req);
  return rc;
}

static herr_t fake_dset_close(void *dset, hid_t dxpl, void **req)
{
  herr_t rc = native->dataset_cls.close(dset, dxpl, NULL);
  if (rc >= 0 && req) new_token(req);
  return rc;
}

static herr_t fake_file_close(void *file, hid_t dxpl, void **req)
{
  herr_t rc = native->file_cls.close(file, dxpl, NULL);
  if (rc >= 0 && req) new_token(req);
  return rc;
}

static herr_t fake_wait(void *req, uint64_t timeout, H5VL_request_status_t *status)
{
  (void)timeout;
  ((token *)req)->done = 1;
  *status = H5VL_REQUEST_STATUS_SUCCEED;
  return 0;
}

static herr_t fake_notify(void *req, H5VL_request_notify_t cb, void *ctx)
{
  (void)req;
  return cb(ctx, H5VL_REQUEST_STATUS_SUCCEED);
}

static herr_t fake_cancel(void *req, H5VL_request_status_t *status)
{
  (void)req;
  *status = H5VL_REQUEST_STATUS_CANCELED;
  return 0;
}

static herr_t fake_free(void *req)
{
  free(req);
  return 0;
}

static herr_t fake_conn_cls(void *obj, H5VL_get_conn_lvl_t lvl, const H5VL_class_t **cls)
{
  (void)obj, (void)lvl;
  *cls = &fake;
  return 0;
}

static herr_t fake_cap_flags(const void *info, uint64_t *flags)
{
  (void)info;
  *flags = fake.cap_flags;
  return 0;
}

/* The native class, learned from a natively opened file. */
static hid_t register_fake(void)
{
  hid_t f = H5Fcreate("probe.h5", H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (H5VLintrospect_get_conn_cls(H5VLobject(f), H5VL_NATIVE, H5VL_GET_CONN_LVL_CURR, &native) < 0)
    return -1;
  H5Fclose(f);
  remove("probe.h5");
  fake = *native;
  fake.name = "fake_async";
  fake.value = 3999;
  fake.cap_flags |= H5VL_CAP_FLAG_ASYNC;
  fake.dataset_cls.write = fake_write;
  fake.dataset_cls.close = fake_dset_close;
  fake.file_cls.close = fake_file_close;
  fake.request_cls.wait = fake_wait;
  fake.request_cls.notify = fake_notify;
  fake.request_cls.cancel = fake_cancel;
  fake.request_cls.free = fake_free;
  fake.introspect_cls.get_conn_cls = fake_conn_cls;
  fake.introspect_cls.get_cap_flags = fake_cap_flags;
  return H5VLregister_connector(&fake, H5P_DEFAULT);
}

int main(int argc, char **argv)
{
  hid_t fake_id = register_fake();
  if (fake_id < 0) return 2;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (argc > 1 && !strcmp(argv[1], "provio")) {
    hid_t pv = H5VLregister_connector_by_name("provio", H5P_DEFAULT);
    if (pv < 0) return 3;
    struct { hid_t under_vol_id; void *under_vol_info; } info = {fake_id, NULL};
    H5Pset_vol(fapl, pv, &info);
    H5VLclose(pv);
  } else {
    H5Pset_vol(fapl, fake_id, NULL);
  }
  int rounds = 3, data[16];
  for (int r = 0; r < rounds; r++) {
    hid_t es = H5EScreate();
    char name[32];
    snprintf(name, sizeof name, "async%d.h5", r);
    hid_t f = H5Fcreate_async(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl, es);
    hsize_t dims[1] = {16};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate_async(f, "d", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT, es);
    for (int i = 0; i < 16; i++) data[i] = r * 100 + i;
    herr_t w = H5Dwrite_async(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data, es);
    size_t count = 0;
    H5ESget_count(es, &count);
    herr_t dc = H5Dclose_async(d, es);
    herr_t fc = H5Fclose_async(f, es);
    size_t pending = 99;
    hbool_t failed = 1;
    /* The last round cancels what it would have waited for. */
    herr_t wt = r < rounds - 1 ? H5ESwait(es, H5ES_WAIT_FOREVER, &pending, &failed)
                               : H5EScancel(es, &pending, &failed);
    printf("round %d: write %d (events after write %zu) dclose %d fclose %d %s %d pending %zu failed %d\n",
           r, (int)w, count, (int)dc, (int)fc, r < rounds - 1 ? "wait" : "cancel", (int)wt, pending,
           (int)failed);
    H5ESclose(es);
    H5Sclose(sp);
    f = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "d", H5P_DEFAULT);
    memset(data, 0, sizeof data);
    H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    printf("round %d: read back %d..%d\n", r, data[0], data[15]);
    H5Dclose(d);
    H5Fclose(f);
  }
  H5Pclose(fapl);
  return 0;
}
