/* store.c - opening and creating provio stores (Redland hashes over BDB). */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int pv_store_damaged(char *err, size_t errlen, const char *dir, const char *what)
{
  if (err && errlen)
    snprintf(err, errlen,
             "%s: the store is damaged (%s); rebuild it: merge the record directories of its jobs into a new "
             "store (prov-merge -s NEW_STORE RUN_DIR...) and use that instead",
             dir, what);
  return PV_STORE_DAMAGED;
}

/* "name size sum" after "file ". */
static int parse_file_line(const char *line, pv_marker *m)
{
  if (m->nfiles == PV_STORE_FILES_MAX) return -1;
  int at = m->nfiles;
  if (sscanf(line, "file %63s %llu %32s", m->file[at].name, &m->file[at].size, m->file[at].sum) != 3) return -1;
  if (strchr(m->file[at].name, '/') || m->file[at].name[0] == '.') return -1;
  m->nfiles++;
  return 0;
}

int pv_marker_read(const char *dir, pv_marker *m)
{
  memset(m, 0, sizeof *m);
  char path[4200], line[256];
  snprintf(path, sizeof path, "%s/%s", dir, PV_STORE_MARKER);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int ok = fgets(line, sizeof line, f) && sscanf(line, PV_STORE_MARKER " %d", &m->version) == 1 &&
           (m->version == 1 || m->version == 2);
  while (ok && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "data=", 5) == 0)
      ok = snprintf(m->data, sizeof m->data, "%s", line + 5) < (int)sizeof m->data;
    else if (strncmp(line, "file ", 5) == 0)
      ok = parse_file_line(line, m) == 0;
  }
  fclose(f);
  /* the data directory is one name inside the store, never a way out */
  if (ok && m->version == 2)
    ok = strncmp(m->data, "data.", 5) == 0 && !strchr(m->data, '/') && m->nfiles > 0;
  return ok ? 0 : -1;
}

char *pv_marker_data_path(const char *dir, const pv_marker *m)
{
  size_t n = strlen(dir) + strlen(m->data) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s", dir, m->version == 2 ? "/" : "", m->version == 2 ? m->data : "");
  return p;
}

/* 0, PV_STORE_DAMAGED with err, or -1 if the data directory is gone (a
 * merge may just have replaced it). */
static int check_sizes(const char *dir, const char *data, const pv_marker *m, char *err, size_t errlen)
{
  struct stat st;
  if (m->version == 1) return 0;
  if (stat(data, &st) != 0) return -1;
  for (int i = 0; i < m->nfiles; i++) {
    char path[4400], what[512];
    snprintf(path, sizeof path, "%s/%s", data, m->file[i].name);
    if (stat(path, &st) != 0) {
      snprintf(what, sizeof what, "%s/%s is missing", m->data, m->file[i].name);
      return pv_store_damaged(err, errlen, dir, what);
    }
    if ((unsigned long long)st.st_size != m->file[i].size) {
      snprintf(what, sizeof what, "%s/%s is %llu bytes, the last merge left %llu", m->data, m->file[i].name,
               (unsigned long long)st.st_size, m->file[i].size);
      return pv_store_damaged(err, errlen, dir, what);
    }
  }
  return 0;
}

/* Opens the Redland storage in dir; messages name the store, label. */
static int attach(pv_store *s, const char *dir, const char *label, int create, int writable, char *err,
                  size_t errlen)
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
  pv_bdb_clear();
  s->storage = librdf_new_storage(s->world, "hashes", PV_STORE_NAME, options);
  s->model = s->storage ? librdf_new_model(s->world, s->storage, NULL) : NULL;
  if (s->model) return PV_STORE_OK;
  if (s->storage) librdf_free_storage(s->storage);
  s->storage = NULL;
  /* Berkeley DB refuses only files that are not what it wrote */
  if (!create && pv_bdb_message()[0]) {
    char what[400];
    snprintf(what, sizeof what, "Berkeley DB: %s", pv_bdb_message());
    return pv_store_damaged(err, errlen, label, what);
  }
  return fail(err, errlen, PV_STORE_ERROR, "%s: cannot open the Redland store", label);
}

int pv_store_open(pv_store *s, const char *dir, int writable, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  struct stat st;
  if (stat(dir, &st) != 0)
    return fail(err, errlen, PV_STORE_MISSING, "%s: no such store", dir);
  if (!S_ISDIR(st.st_mode))
    return fail(err, errlen, PV_STORE_FOREIGN, "%s: not a provio store (not a directory)", dir);
  /* A merge replaces the data directory after the marker names the new
   * one: one read between the two finds the old one gone, so read again. */
  for (int tries = 0;; tries++) {
    pv_marker m;
    if (pv_marker_read(dir, &m) != 0)
      return fail(err, errlen, PV_STORE_FOREIGN, "%s: not a provio store (no provio-store marker)", dir);
    char *data = pv_marker_data_path(dir, &m);
    if (!data) return fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", dir);
    int rc = check_sizes(dir, data, &m, err, errlen);
    if (rc < 0 && tries < 3) {
      free(data);
      continue;
    }
    if (rc < 0) rc = pv_store_damaged(err, errlen, dir, "its data directory is missing");
    if (rc == PV_STORE_OK) {
      rc = attach(s, data, dir, 0, writable, err, errlen);
    }
    free(data);
    return rc;
  }
}

int pv_store_create(pv_store *s, const char *dir, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  if (mkdir(dir, 0700) != 0)
    return fail(err, errlen, PV_STORE_ERROR,
                errno == EEXIST ? "%s: already exists" : "%s: cannot create the store directory", dir);
  char marker[4200];
  snprintf(marker, sizeof marker, "%s/%s", dir, PV_STORE_MARKER);
  FILE *f = fopen(marker, "wx");
  if (!f || fputs(MARKER_TEXT, f) < 0 || fclose(f) != 0)
    return fail(err, errlen, PV_STORE_ERROR, "%s: cannot write the store marker", dir);
  return attach(s, dir, dir, 1, 1, err, errlen);
}

int pv_store_open_data(pv_store *s, const char *dir, int create, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  return attach(s, dir, dir, create, 1, err, errlen);
}

int pv_store_memory(pv_store *s, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  s->world = pv_store_world();
  s->storage = librdf_new_storage(s->world, "hashes", "memory", "hash-type='memory'");
  s->model = s->storage ? librdf_new_model(s->world, s->storage, NULL) : NULL;
  if (s->model) return PV_STORE_OK;
  if (s->storage) librdf_free_storage(s->storage);
  s->storage = NULL;
  return fail(err, errlen, PV_STORE_ERROR, "%s: cannot make an in-memory Redland store", "memory");
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
