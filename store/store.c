/* store.c - opening and creating provio stores (Redland hashes over BDB). */
#include "store.h"

#include "store_union.h"

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
    pv_union_register(world);
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
static int parse_file_line(const char *line, pv_segment *g)
{
  if (g->nfiles == PV_STORE_FILES_MAX) return -1;
  int at = g->nfiles;
  if (sscanf(line, "file %63s %llu %32s", g->file[at].name, &g->file[at].size, g->file[at].sum) != 3) return -1;
  if (strchr(g->file[at].name, '/') || g->file[at].name[0] == '.') return -1;
  g->nfiles++;
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
           m->version >= 1 && m->version <= 3;
  pv_segment *g = NULL;
  while (ok && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "data=", 5) == 0) {
      ok = m->nseg < PV_STORE_SEGMENTS_MAX;
      g = ok ? &m->seg[m->nseg++] : NULL;
      /* the data directory is one name inside the store, never a way out */
      ok = ok && snprintf(g->data, sizeof g->data, "%s", line + 5) < (int)sizeof g->data &&
           strncmp(g->data, "data.", 5) == 0 && !strchr(g->data, '/');
    } else if (strcmp(line, "checked") == 0) {
      ok = g != NULL;
      if (g) g->checked = 1;
    } else if (strncmp(line, "file ", 5) == 0) {
      ok = g && parse_file_line(line, g) == 0;
    }
  }
  fclose(f);
  if (ok && m->version >= 2) {
    ok = m->nseg > 0;
    for (int i = 0; ok && i < m->nseg; i++) ok = m->seg[i].nfiles > 0;
  }
  return ok ? 0 : -1;
}

char *pv_marker_segment_path(const char *dir, const pv_marker *m, int i)
{
  const char *name = m->version >= 2 ? m->seg[i].data : "";
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s", dir, *name ? "/" : "", name);
  return p;
}

char *pv_marker_data_path(const char *dir, const pv_marker *m)
{
  return pv_marker_segment_path(dir, m, m->nseg > 0 ? m->nseg - 1 : 0);
}

/* 0, PV_STORE_DAMAGED with err, or -1 if a data directory or file is gone
 * (a merge may just have replaced the marker). */
static int check_sizes(const char *dir, const pv_marker *m, char *err, size_t errlen)
{
  struct stat st;
  if (m->version == 1) return 0;
  for (int g = 0; g < m->nseg; g++) {
    const pv_segment *seg = &m->seg[g];
    for (int i = 0; i < seg->nfiles; i++) {
      char path[4400], what[512];
      snprintf(path, sizeof path, "%s/%s/%s", dir, seg->data, seg->file[i].name);
      if (stat(path, &st) != 0) return -1;
      if ((unsigned long long)st.st_size != seg->file[i].size) {
        snprintf(what, sizeof what, "%s/%s is %llu bytes, the last merge left %llu", seg->data, seg->file[i].name,
                 (unsigned long long)st.st_size, seg->file[i].size);
        return pv_store_damaged(err, errlen, dir, what);
      }
    }
  }
  return 0;
}

/* A Redland hashes storage over the BDB files in dir (not yet opened). */
static librdf_storage *hashes_storage(librdf_world *w, const char *dir, int create, int writable)
{
  /* Redland reads option values between quotes with \ as the escape:
   * a path with either must not end the value early or lose a byte. */
  char quoted[8200], options[8400];
  size_t q = 0;
  for (const char *c = dir; *c; c++) {
    if (*c == '\'' || *c == '\\') quoted[q++] = '\\';
    quoted[q++] = *c;
  }
  quoted[q] = 0;
  snprintf(options, sizeof options, "hash-type='bdb',dir='%s',new='%s',write='%s'", quoted,
           create ? "yes" : "no", writable ? "yes" : "no");
  return librdf_new_storage(w, "hashes", PV_STORE_NAME, options);
}

/* Opens the data directories dirs (oldest first) as one model: the newest
 * made empty if create, written to if writable.  Messages name the store,
 * label. */
static int attach(pv_store *s, const char *const *dirs, int n, const char *label, int create, int writable,
                  char *err, size_t errlen)
{
  for (int i = 0; i < n; i++)
    if (strlen(dirs[i]) > 4000) return fail(err, errlen, PV_STORE_ERROR, "%s: store path too long", label);
  s->world = pv_store_world();
  pv_bdb_clear();
  librdf_storage *segs[PV_STORE_SEGMENTS_MAX + 1];
  int made = 0;
  for (; made < n; made++) {
    int newest = made == n - 1;
    if (!(segs[made] = hashes_storage(s->world, dirs[made], newest && create, newest && writable))) break;
  }
  if (made < n) {
    while (made-- > 0) librdf_free_storage(segs[made]);
  } else {
    s->storage = n == 1 ? segs[0] : pv_union_new(s->world, segs, n, dirs, writable);
  }
  s->model = s->storage ? librdf_new_model(s->world, s->storage, NULL) : NULL;
  if (s->model && n == 1 && !writable) {
    char sp2o[4100];
    snprintf(sp2o, sizeof sp2o, "%s/%s-sp2o.db", dirs[0], PV_STORE_NAME);
    s->sp2o = pv_bdb_file(sp2o);
  }
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

/* The directories of a store's segments, plus extra if not NULL. */
static int segment_dirs(const char *dir, const pv_marker *m, const char *extra, char **dirs)
{
  int n = m->version >= 2 ? m->nseg : 1;
  for (int i = 0; i < n; i++)
    if (!(dirs[i] = pv_marker_segment_path(dir, m, i))) return -1;
  if (extra && !(dirs[n++] = strdup(extra))) return -1;
  return n;
}

static void free_dirs(char **dirs, int n)
{
  for (int i = 0; i < n; i++) free(dirs[i]);
}

int pv_store_open(pv_store *s, const char *dir, int writable, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  struct stat st;
  if (stat(dir, &st) != 0)
    return fail(err, errlen, PV_STORE_MISSING, "%s: no such store", dir);
  if (!S_ISDIR(st.st_mode))
    return fail(err, errlen, PV_STORE_FOREIGN, "%s: not a provio store (not a directory)", dir);
  /* A merge removes data it replaced after the marker no longer names it:
   * one read between the two finds it gone, so read the marker again. */
  for (int tries = 0;; tries++) {
    pv_marker m;
    if (pv_marker_read(dir, &m) != 0)
      return fail(err, errlen, PV_STORE_FOREIGN, "%s: not a provio store (no provio-store marker)", dir);
    int rc = check_sizes(dir, &m, err, errlen);
    if (rc < 0 && tries < 3) continue;
    if (rc < 0) rc = pv_store_damaged(err, errlen, dir, "a data file it names is missing");
    if (rc != PV_STORE_OK) return rc;
    char *dirs[PV_STORE_SEGMENTS_MAX] = {0};
    int n = segment_dirs(dir, &m, NULL, dirs);
    rc = n < 0 ? fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", dir)
               : attach(s, (const char *const *)dirs, n, dir, 0, writable && n == 1, err, errlen);
    free_dirs(dirs, PV_STORE_SEGMENTS_MAX);
    return rc;
  }
}

int pv_store_open_over(pv_store *s, const char *dir, const pv_marker *m, const char *data, int create, char *err,
                       size_t errlen)
{
  memset(s, 0, sizeof *s);
  char *dirs[PV_STORE_SEGMENTS_MAX + 1] = {0};
  int n = m ? segment_dirs(dir, m, data, dirs) : (dirs[0] = strdup(data)) ? 1 : -1;
  int rc = n < 0 ? fail(err, errlen, PV_STORE_ERROR, "%s: out of memory", dir)
                 : attach(s, (const char *const *)dirs, n, data, create, 1, err, errlen);
  free_dirs(dirs, PV_STORE_SEGMENTS_MAX + 1);
  return rc;
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
  const char *dirs[] = {dir};
  return attach(s, dirs, 1, dir, 1, 1, err, errlen);
}

int pv_store_open_data(pv_store *s, const char *dir, int create, char *err, size_t errlen)
{
  return pv_store_open_over(s, dir, NULL, dir, create, err, errlen);
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
