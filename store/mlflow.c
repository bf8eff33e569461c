/* mlflow.c - MLflow's file store read as provio records (mlflow.h).
 *
 * The layout (MLflow's FileStore): DIR/<experiment id>/meta.yaml (name,
 * lifecycle_stage), DIR/<experiment id>/<run id>/meta.yaml (run_id,
 * run_name, start_time and end_time in ms since 1970, status 1-5,
 * artifact_uri, lifecycle_stage), and in the run directory params/<key>
 * and tags/<key> (the value is the file's content), metrics/<key> (one
 * "timestamp value step" line per logged value) and artifacts/; keys may
 * hold '/', which makes subdirectories. */
#define _GNU_SOURCE
#include "mlflow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ident.h"
#include "serialize.h"
#include "vocab.h"

#define RUN_NS "https://w3id.org/provio/mlflow/"
#define RDFS_LABEL "<http://www.w3.org/2000/01/rdf-schema#label>"
#define MAX_VALUE (1 << 20)   /* a param or tag longer than this is not MLflow's */
#define MAX_METRIC (64 << 20) /* a metric history */
#define MAX_DEPTH 32          /* of keys with '/' and of artifact directories */

typedef struct writer {
  FILE *out, *warn;
  pv_identity id;
  pv_config cfg;
  char *buf;
  size_t cap;
} writer;

static char *room(writer *w, size_t n)
{
  if (n > w->cap) {
    char *b = realloc(w->buf, n);
    if (!b) return NULL;
    w->buf = b;
    w->cap = n;
  }
  return w->buf;
}

/* "<s> pred " then the object token o (on bytes), then " .\n". */
static void triple(writer *w, const char *s, const char *pred, const char *o, size_t on)
{
  fprintf(w->out, "<%s> %s ", s, pred);
  fwrite(o, 1, on, w->out);
  fputs(" .\n", w->out);
}

static void put_iri(writer *w, const char *s, const char *pred, const char *o)
{
  fprintf(w->out, "<%s> %s <%s> .\n", s, pred, o);
}

static void put_string(writer *w, const char *s, const char *pred, const char *v, size_t n)
{
  char *b = room(w, PV_LITERAL_MAX(n) + 2);
  if (b) triple(w, s, pred, b, (size_t)(pv_put_string(b, v, n) - b));
}

static void put_typed(writer *w, const char *s, const char *pred, const char *lex, const char *type)
{
  fprintf(w->out, "<%s> %s \"%s\"^^<%s%s> .\n", s, pred, lex, PV_NS_XSD, type);
}

static void put_ms(writer *w, const char *s, const char *pred, int64_t ms)
{
  char b[PV_TYPED_MAX];
  triple(w, s, pred, b, (size_t)(pv_put_time(b, ms * 1000000) - b));
}

/* base + "/" + kind + "/" + key percent-encoded (malloc'd). */
static char *sub_iri(const char *base, const char *kind, const char *key)
{
  size_t bl = strlen(base), kl = strlen(kind), n = strlen(key);
  char *s = malloc(bl + kl + 3 + PV_IRI_ENC_MAX(n) + 1);
  if (!s) return NULL;
  char *p = pv_put(s, base, bl);
  *p++ = '/';
  p = pv_put(p, kind, kl);
  *p++ = '/';
  p += pv_iri_encode(p, key, n, "");
  *p = 0;
  return s;
}

/* A small regular file's content (NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t max, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd < 0) return NULL;
  char *b = NULL;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max && (b = malloc((size_t)st.st_size + 1))) {
    ssize_t got = read(fd, b, (size_t)st.st_size);
    if (got < 0) {
      free(b);
      b = NULL;
    } else {
      b[got] = 0;
      *len = (size_t)got;
    }
  }
  close(fd);
  return b;
}

/* The value of a top-level "key: value" line of a meta.yaml (quotes
 * removed), or NULL for absent, null or empty; malloc'd. */
static char *yaml_value(const char *text, const char *key)
{
  size_t kl = strlen(key);
  for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    if (strncmp(line, key, kl) != 0 || line[kl] != ':') continue;
    const char *v = line + kl + 1, *end = strchr(v, '\n');
    if (!end) end = v + strlen(v);
    while (v < end && *v == ' ') v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\r')) end--;
    char *out = malloc((size_t)(end - v) + 1), *o = out;
    if (!out) return NULL;
    if (end - v >= 2 && (*v == '\'' || *v == '"') && end[-1] == *v) {
      char q = *v;
      for (const char *p = v + 1; p < end - 1; p++) {
        if (q == '\'' && *p == '\'' && p[1] == '\'') p++; /* '' is a quote */
        else if (q == '"' && *p == '\\' && p + 1 < end - 1) p++;
        *o++ = *p;
      }
    } else {
      memcpy(o, v, (size_t)(end - v));
      o += end - v;
    }
    *o = 0;
    if (!*out || strcmp(out, "null") == 0 || strcmp(out, "~") == 0) {
      free(out);
      return NULL;
    }
    return out;
  }
  return NULL;
}

static char *meta_of(const char *dir)
{
  char path[PV_PATH_MAX + 16];
  size_t n;
  snprintf(path, sizeof path, "%s/meta.yaml", dir);
  return slurp(path, MAX_VALUE, &n);
}

/* Calls fn for every regular file below dir with its key (the path below
 * dir), not following symbolic links. */
typedef void (*file_fn)(writer *w, void *ctx, const char *path, const char *key);

static void each_file(writer *w, const char *dir, const char *prefix, int depth, file_fn fn, void *ctx)
{
  DIR *d = depth < MAX_DEPTH ? opendir(dir) : NULL;
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
    char path[PV_PATH_MAX], key[PV_PATH_MAX];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
        (size_t)snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "/" : "", e->d_name) >= sizeof key ||
        lstat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode)) each_file(w, path, key, depth + 1, fn, ctx);
    else if (S_ISREG(st.st_mode)) fn(w, ctx, path, key);
  }
  closedir(d);
}

typedef struct run {
  const char *iri, *dir;
  int64_t start_ms;
  int has_start;
  char *tags;     /* the run's tags, "key\0value\0" pairs, for group overrides */
  size_t ntags, tags_len;
} run;

static void put_record(writer *w, const run *r, const char *kind, const char *link, const char *cls,
                       const char *key, const char *value, size_t vn, const char *group)
{
  char *s = sub_iri(r->iri, kind, key);
  if (!s) return;
  put_iri(w, r->iri, link, s);
  fprintf(w->out, "<%s> " PV_RDF_TYPE " %s .\n", s, cls);
  put_string(w, s, PV_TERM("key"), key, strlen(key));
  put_string(w, s, PV_TERM("value"), value, vn);
  if (group) put_string(w, s, PV_TERM("group"), group, strlen(group));
  if (r->has_start) put_ms(w, s, PV_PROV("generatedAtTime"), r->start_ms);
  free(s);
}

/* A param's group: a tag provio.group.KEY, else Hyperparameters. */
static const char *group_of(const run *r, const char *key)
{
  static const char prefix[] = "provio.group.";
  const char *t = r->tags;
  for (size_t i = 0; i < r->ntags; i++) {
    const char *v = t + strlen(t) + 1;
    if (strncmp(t, prefix, sizeof prefix - 1) == 0 && strcmp(t + sizeof prefix - 1, key) == 0) return v;
    t = v + strlen(v) + 1;
  }
  return "Hyperparameters";
}

static void on_tag(writer *w, void *ctx, const char *path, const char *key)
{
  run *r = ctx;
  size_t n;
  char *v = slurp(path, MAX_VALUE, &n);
  if (!v) return;
  put_record(w, r, "tag", PV_TERM("label"), PV_TERM("Label"), key, v, n, NULL);
  size_t kl = strlen(key), at = r->tags_len;
  char *t = realloc(r->tags, at + kl + n + 2);
  if (t) {
    memcpy(t + at, key, kl + 1);
    memcpy(t + at + kl + 1, v, n);
    t[at + kl + 1 + n] = 0;
    r->tags = t;
    r->ntags++;
    r->tags_len = at + kl + n + 2;
  }
  free(v);
}

static void on_param(writer *w, void *ctx, const char *path, const char *key)
{
  run *r = ctx;
  size_t n;
  char *v = slurp(path, MAX_VALUE, &n);
  if (!v) return;
  put_record(w, r, "param", PV_TERM("setting"), PV_TERM("Setting"), key, v, n, group_of(r, key));
  free(v);
}

/* The shortest decimal that reads back as v, in xsd:double's lexical space. */
static void double_lexical(double v, char *dst, size_t cap)
{
  if (isnan(v)) snprintf(dst, cap, "NaN");
  else if (isinf(v)) snprintf(dst, cap, v > 0 ? "INF" : "-INF");
  else
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(dst, cap, "%.*g", prec, v);
      if (strtod(dst, NULL) == v) break;
    }
}

static void on_metric(writer *w, void *ctx, const char *path, const char *key)
{
  run *r = ctx;
  size_t n;
  char *text = slurp(path, MAX_METRIC, &n);
  if (!text) return;
  char *base = sub_iri(r->iri, "metric", key);
  long line = 0;
  for (char *p = text, *next; base && p && *p; p = next) {
    next = strchr(p, '\n');
    if (next) *next++ = 0;
    line++;
    long long ts, step = 0; /* no step in the oldest stores */
    double v;
    if (sscanf(p, "%lld %lf %lld", &ts, &v, &step) < 2) {
      if (w->warn) fprintf(w->warn, "prov-merge: warning: %s:%ld: not \"timestamp value step\": left out\n", path, line);
      continue;
    }
    char s[PV_PATH_MAX * 4], num[40];
    snprintf(s, sizeof s, "%s/%ld", base, line);
    put_iri(w, r->iri, PV_TERM("metric"), s);
    fprintf(w->out, "<%s> " PV_RDF_TYPE " " PV_TERM("Metric") " .\n", s);
    put_string(w, s, PV_TERM("key"), key, strlen(key));
    double_lexical(v, num, sizeof num);
    put_typed(w, s, PV_TERM("measured"), num, "double");
    snprintf(num, sizeof num, "%lld", step);
    put_typed(w, s, PV_TERM("step"), num, "long");
    put_ms(w, s, PV_PROV("generatedAtTime"), ts);
  }
  free(base);
  free(text);
}

/* Each artifact file, named as the capture names it on this host. */
static void on_artifact(writer *w, void *ctx, const char *path, const char *key)
{
  run *r = ctx;
  char canon[PV_PATH_MAX];
  size_t n = pv_path_canon(canon, sizeof canon, "/", path);
  char *file = n ? room(w, PV_FILE_IRI_MAX(n) + 1) : NULL;
  char *s = file ? sub_iri(r->iri, "artifact", key) : NULL;
  if (!s) return;
  file[pv_file_iri(file, &w->id, &w->cfg, canon, n)] = 0;
  put_iri(w, r->iri, PV_TERM("artifact"), s);
  fprintf(w->out, "<%s> " PV_RDF_TYPE " " PV_TERM("MlflowArtifact") " .\n", s);
  put_iri(w, s, PV_TERM("file"), file);
  put_string(w, s, PV_TERM("key"), key, strlen(key));
  free(s);
}

static const char *status_name(const char *code)
{
  static const char *const names[] = {"", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
  int c = code ? atoi(code) : 0;
  return c >= 1 && c <= 5 ? names[c] : code && *code >= 'A' && *code <= 'Z' ? code : NULL;
}

/* The directory artifact_uri names (file: URIs only), if it is one. */
static char *artifact_dir(const char *uri, const char *run_dir)
{
  char *d = NULL;
  if (uri && strncmp(uri, "file://", 7) == 0) {
    const char *p = strchr(uri + 7, '/');
    if (p && (d = strdup(p))) d[pv_iri_decode(d, d, strlen(d)) == (size_t)-1 ? 0 : strlen(d)] = 0;
  } else if (uri && uri[0] == '/') {
    d = strdup(uri);
  }
  struct stat st;
  if (d && stat(d, &st) == 0 && S_ISDIR(st.st_mode)) return d;
  free(d); /* moved with its mlruns: the run's own artifacts/ */
  if (asprintf(&d, "%s/artifacts", run_dir) < 0) return NULL;
  return d;
}

static int import_run(writer *w, const char *exp_id, const char *exp_name, const char *run_dir, const char *meta)
{
  char *id = yaml_value(meta, "run_id"), *name = yaml_value(meta, "run_name");
  char *start = yaml_value(meta, "start_time"), *end = yaml_value(meta, "end_time");
  char *status = yaml_value(meta, "status"), *uri = yaml_value(meta, "artifact_uri");
  char *stage = yaml_value(meta, "lifecycle_stage");
  if (!id) id = yaml_value(meta, "run_uuid");
  int imported = 0;
  if (id && (!stage || strcmp(stage, "deleted") != 0)) {
    size_t el = strlen(exp_id), il = strlen(id);
    char *iri = malloc(sizeof RUN_NS + PV_IRI_ENC_MAX(el) + PV_IRI_ENC_MAX(il) + 2);
    if (iri) {
      char *p = pv_put(iri, RUN_NS, sizeof RUN_NS - 1);
      p += pv_iri_encode(p, exp_id, el, "");
      *p++ = '/';
      p += pv_iri_encode(p, id, il, "");
      *p = 0;
      run r = {iri, run_dir, start ? strtoll(start, NULL, 10) : 0, start != NULL, NULL, 0, 0};
      fprintf(w->out, "<%s> " PV_RDF_TYPE " " PV_PROV("Activity") " .\n", iri);
      fprintf(w->out, "<%s> " PV_RDF_TYPE " " PV_TERM("MlflowRun") " .\n", iri);
      if (name) put_string(w, iri, RDFS_LABEL, name, strlen(name));
      if (exp_name) put_string(w, iri, PV_TERM("experiment"), exp_name, strlen(exp_name));
      if (status_name(status)) put_string(w, iri, PV_TERM("runStatus"), status_name(status), strlen(status_name(status)));
      if (start) put_ms(w, iri, PV_PROV("startedAtTime"), r.start_ms);
      if (end) put_ms(w, iri, PV_PROV("endedAtTime"), strtoll(end, NULL, 10));
      char sub[PV_PATH_MAX + 16];
      static const struct { const char *dir; file_fn fn; } parts[] = {
          {"tags", on_tag}, {"params", on_param}, {"metrics", on_metric}}; /* tags first: groups */
      for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(sub, sizeof sub, "%s/%s", run_dir, parts[i].dir);
        each_file(w, sub, "", 0, parts[i].fn, &r);
      }
      char *art = artifact_dir(uri, run_dir);
      if (art) each_file(w, art, "", 0, on_artifact, &r);
      free(art);
      free(r.tags);
      free(iri);
      imported = 1;
    }
  }
  free(id);
  free(name);
  free(start);
  free(end);
  free(status);
  free(uri);
  free(stage);
  return imported;
}

int pv_mlflow_records(const char *dir, FILE *out, FILE *warn, char *err, size_t errlen)
{
  DIR *top = opendir(dir);
  if (!top) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return -1;
  }
  writer w = {.out = out, .warn = warn};
  pv_config_load(&w.cfg);
  pv_identity_init(&w.id, &w.cfg, 0);
  fputs(PV_FILE_MAGIC "\n", out);
  int runs = 0, experiments = 0;
  for (struct dirent *e; (e = readdir(top));) {
    if (e->d_name[0] == '.') continue; /* ., .., .trash (deleted experiments) */
    char exp_dir[PV_PATH_MAX];
    if ((size_t)snprintf(exp_dir, sizeof exp_dir, "%s/%s", dir, e->d_name) >= sizeof exp_dir) continue;
    char *meta = meta_of(exp_dir);
    char *exp_id = meta ? yaml_value(meta, "experiment_id") : NULL;
    char *stage = meta ? yaml_value(meta, "lifecycle_stage") : NULL;
    char *exp_name = meta ? yaml_value(meta, "name") : NULL;
    if (exp_id && (!stage || strcmp(stage, "deleted") != 0)) {
      experiments++;
      DIR *d = opendir(exp_dir);
      for (struct dirent *r; d && (r = readdir(d));) {
        char run_dir[PV_PATH_MAX];
        if (r->d_name[0] == '.' ||
            (size_t)snprintf(run_dir, sizeof run_dir, "%s/%s", exp_dir, r->d_name) >= sizeof run_dir)
          continue;
        char *run_meta = meta_of(run_dir);
        if (run_meta) runs += import_run(&w, exp_id, exp_name, run_dir, run_meta);
        free(run_meta);
      }
      if (d) closedir(d);
    }
    free(meta);
    free(exp_id);
    free(stage);
    free(exp_name);
  }
  closedir(top);
  free(w.buf);
  if (!experiments) {
    snprintf(err, errlen, "%s: not an MLflow file store (no <experiment>/meta.yaml)", dir);
    return -1;
  }
  if (ferror(out)) {
    snprintf(err, errlen, "cannot write the MLflow records");
    return -1;
  }
  return runs;
}
