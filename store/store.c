/* store.c - opening and creating provio stores (Redland hashes over BDB). */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MARKER_TEXT PV_STORE_MARKER " 1\nstorage=hashes hash-type=bdb name=" PV_STORE_NAME "\n"

static librdf_world *world;
static void *log_data;
static librdf_log_func log_handler;

/* Redland prints its messages on stderr unless a handler takes them. */
static int route_log(void *data, librdf_log_message *m)
{
  if (log_handler) return log_handler(log_data, m);
  return 1; /* swallowed: callers that care install a handler */
}

librdf_world *pv_store_world(void)
{
  if (!world) {
    world = librdf_new_world();
    librdf_world_set_logger(world, NULL, route_log);
    librdf_world_open(world);
  }
  return world;
}

void pv_store_set_log_handler(void *data, librdf_log_func handler)
{
  log_data = data;
  log_handler = handler;
}

static int fail(char *err, size_t errlen, int status, const char *fmt, const char *dir)
{
  if (err && errlen) snprintf(err, errlen, fmt, dir);
  return status;
}

static int attach(pv_store *s, const char *dir, int create, int writable, char *err, size_t errlen)
{
  /* Redland reads option values between quotes with \ as the escape:
   * a path with either must not end the value early or lose a byte. */
  char quoted[8200], options[8400];
  size_t q = 0;
  if (strlen(dir) > 4000) return fail(err, errlen, PV_STORE_ERROR, "%s: store path too long", dir);
  for (const char *c = dir; *c; c++) {
    if (*c == '\'' || *c == '\\') quoted[q++] = '\\';
    quoted[q++] = *c;
  }
  quoted[q] = 0;
  snprintf(options, sizeof options, "hash-type='bdb',dir='%s',new='%s',write='%s'", quoted,
           create ? "yes" : "no", writable ? "yes" : "no");
  s->world = pv_store_world();
  s->storage = librdf_new_storage(s->world, "hashes", PV_STORE_NAME, options);
  if (!s->storage) return fail(err, errlen, PV_STORE_ERROR, "%s: cannot open the Redland store", dir);
  s->model = librdf_new_model(s->world, s->storage, NULL);
  if (!s->model) {
    librdf_free_storage(s->storage);
    s->storage = NULL;
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot open the Redland model", dir);
  }
  return PV_STORE_OK;
}

int pv_store_open(pv_store *s, const char *dir, int writable, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  struct stat st;
  if (stat(dir, &st) != 0)
    return fail(err, errlen, PV_STORE_MISSING, "%s: no such store", dir);
  if (!S_ISDIR(st.st_mode))
    return fail(err, errlen, PV_STORE_FOREIGN, "%s: not a provio store (not a directory)", dir);
  char marker[4200], head[sizeof PV_STORE_MARKER + 2] = {0};
  snprintf(marker, sizeof marker, "%s/%s", dir, PV_STORE_MARKER);
  FILE *f = fopen(marker, "r");
  size_t got = f ? fread(head, 1, sizeof head - 1, f) : 0;
  if (f) fclose(f);
  if (got < sizeof PV_STORE_MARKER || memcmp(head, PV_STORE_MARKER " ", sizeof PV_STORE_MARKER) != 0)
    return fail(err, errlen, PV_STORE_FOREIGN, "%s: not a provio store (no provio-store marker)", dir);
  return attach(s, dir, 0, writable, err, errlen);
}

int pv_store_create(pv_store *s, const char *dir, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  if (mkdir(dir, 0700) != 0)
    return fail(err, errlen, PV_STORE_ERROR,
                errno == EEXIST ? "%s: already exists" : "%s: cannot create the store directory", dir);
  return pv_store_create_in(s, dir, err, errlen);
}

int pv_store_create_in(pv_store *s, const char *dir, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  char marker[4200];
  snprintf(marker, sizeof marker, "%s/%s", dir, PV_STORE_MARKER);
  FILE *f = fopen(marker, "wx");
  if (!f || fputs(MARKER_TEXT, f) < 0 || fclose(f) != 0)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot write the store marker", dir);
  return attach(s, dir, 1, 1, err, errlen);
}

void pv_store_close(pv_store *s)
{
  if (s->model) {
    librdf_model_sync(s->model);
    librdf_free_model(s->model);
  }
  if (s->storage) librdf_free_storage(s->storage);
  s->model = NULL;
  s->storage = NULL;
}
