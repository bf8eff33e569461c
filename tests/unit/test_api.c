/* The public calls (include/provio.h): each writes the record the
 * vocabulary contract gives (docs/model.md, "Records a program adds"),
 * valid N-Triples to raptor whatever bytes its arguments hold; nothing and
 * -1 when not recording or given NULL; errno untouched. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "nt_parse.h"
#include "serialize.h"
#include "provio.h"
#include "vocab.h"

#define RDF_TYPE PV_NS_RDF "type"
#define RDFS PV_NS_RDFS
#define XSD_DOUBLE PV_NS_XSD "double"
#define XSD_LONG PV_NS_XSD "long"
#define XSD_DATETIME PV_NS_XSD "dateTime"

static char *out_dir;

static void start_recording(void)
{
  char *dir = make_temp_dir();
  out_dir = malloc(strlen(dir) + 8);
  sprintf(out_dir, "%s/run", dir);
  setenv("PROVIO_DIR", out_dir, 1);
  setenv("PROVIO_JOB_ID", "api-test", 1);
  ck_assert_int_eq(pv_core_init(0, NULL, NULL), 0);
}

/* Stops recording and parses every record file of this process. */
static nt_graph *records(void)
{
  pv_core_shutdown();
  char hostdir[1024];
  snprintf(hostdir, sizeof hostdir, "%s/%s", out_dir, pv_proc.id.host);
  DIR *d = opendir(hostdir);
  ck_assert_ptr_nonnull(d);
  size_t all_len = 0;
  char *all = NULL;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", hostdir, e->d_name);
    size_t n;
    char *buf = read_file(path, &n);
    all = realloc(all, all_len + n + 1);
    memcpy(all + all_len, buf, n);
    all_len += n;
    free(buf);
  }
  closedir(d);
  *strrchr(out_dir, '/') = 0;
  remove_tree(out_dir);
  nt_graph *g = nt_parse_graph(all, all_len);
  free(all);
  ck_assert_int_eq(g->errors, 0);
  return g;
}

/* The object of the one (s, p) triple, which must exist. */
static const nt_triple *one(const nt_graph *g, const char *s, const char *p)
{
  const nt_triple *t = nt_find(g, s, p, 0);
  ck_assert_msg(t != NULL, "no <%s> <%s>", s, p);
  ck_assert_msg(nt_find(g, s, p, 1) == NULL, "two <%s> <%s>", s, p);
  return t;
}

static void assert_string(const nt_graph *g, const char *s, const char *p, const char *value)
{
  const nt_triple *t = one(g, s, p);
  ck_assert(!t->o_is_iri && !t->datatype);
  ck_assert_str_eq(t->o, value);
}

static void assert_typed(const nt_graph *g, const char *s, const char *p, const char *value, const char *type)
{
  const nt_triple *t = one(g, s, p);
  ck_assert_ptr_nonnull(t->datatype);
  ck_assert_str_eq(t->datatype, type);
  if (value) ck_assert_str_eq(t->o, value);
}

static void assert_iri(const nt_graph *g, const char *s, const char *p, const char *iri)
{
  const nt_triple *t = one(g, s, p);
  ck_assert(t->o_is_iri);
  ck_assert_str_eq(t->o, iri);
}

/* The record the process links by provio:<link>, number i, with its
 * class and time checked, associated with a thread of the process. */
static const char *record(const nt_graph *g, const char *link, const char *class, int i)
{
  char pred[256], type[256];
  snprintf(pred, sizeof pred, PV_NS_PROVIO "%s", link);
  snprintf(type, sizeof type, PV_NS_PROVIO "%s", class);
  const nt_triple *t = nt_find(g, pv_proc.id.proc_iri, pred, i);
  ck_assert_msg(t != NULL, "no provio:%s record %d", link, i);
  ck_assert(t->o_is_iri);
  const nt_triple *by = one(g, t->o, PV_NS_PROV "wasAssociatedWith");
  ck_assert_msg(by->o_is_iri && strncmp(by->o, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len) == 0 &&
                    strncmp(by->o + pv_proc.id.proc_iri_len, "/thread/", 8) == 0,
                "record %s is not associated with a thread of the process", t->o);
  assert_iri(g, t->o, RDF_TYPE, type);
  /* settings, labels and metrics are entities, made at that time; the
   * other records activities of an instant */
  int entity = strcmp(class, "Setting") == 0 || strcmp(class, "Label") == 0 || strcmp(class, "Metric") == 0;
  assert_typed(g, t->o, entity ? PV_NS_PROV "generatedAtTime" : PV_NS_PROV "atTime", NULL, XSD_DATETIME);
  ck_assert_ptr_null(nt_find(g, t->o, entity ? PV_NS_PROV "atTime" : PV_NS_PROV "generatedAtTime", 0));
  return t->o;
}

static char *file_iri(const char *path)
{
  char canon[PV_PATH_MAX], *iri = malloc(PV_FILE_IRI_MAX(PV_PATH_MAX) + 1);
  size_t n = pv_path_canon(canon, sizeof canon, pv_proc.cwd, path);
  iri[pv_file_iri(iri, &pv_proc.id, &pv_proc.cfg, canon, n)] = 0;
  return iri;
}

START_TEST(settings_and_labels)
{
  start_recording();
  ck_assert_int_eq(provio_config("Hyperparameters", "learning_rate", "0.01"), 0);
  ck_assert_int_eq(provio_annotate("seed", "42"), 0);
  ck_assert_int_eq(provio_label("campaign", "gnn-2026"), 0);
  nt_graph *g = records();
  const char *s = record(g, "setting", "Setting", 0);
  assert_string(g, s, PV_NS_PROVIO "key", "learning_rate");
  assert_string(g, s, PV_NS_PROVIO "value", "0.01");
  assert_string(g, s, PV_NS_PROVIO "group", "Hyperparameters");
  s = record(g, "setting", "Setting", 1);
  assert_string(g, s, PV_NS_PROVIO "key", "seed");
  assert_string(g, s, PV_NS_PROVIO "value", "42");
  ck_assert_ptr_null(nt_find(g, s, PV_NS_PROVIO "group", 0));
  s = record(g, "label", "Label", 0);
  assert_string(g, s, PV_NS_PROVIO "key", "campaign");
  assert_string(g, s, PV_NS_PROVIO "value", "gnn-2026");
  nt_graph_free(g);
}
END_TEST

START_TEST(metrics_keep_value_and_step)
{
  start_recording();
  const double values[] = {0.91, 1.0 / 3.0, -0.0, 1e300, 5e-324, NAN, INFINITY, -INFINITY};
  const char *forms[] = {"0.91", "0.33333333333333331", "-0", "1e+300", NULL, "NaN", "INF", "-INF"};
  int n = sizeof values / sizeof values[0];
  for (int i = 0; i < n; i++) ck_assert_int_eq(provio_metric("accuracy", values[i], i), 0);
  ck_assert_int_eq(provio_metric("loss", 2.5, -1), 0);
  nt_graph *g = records();
  for (int i = 0; i < n; i++) {
    const char *m = record(g, "metric", "Metric", i);
    assert_string(g, m, PV_NS_PROVIO "key", "accuracy");
    const nt_triple *v = one(g, m, PV_NS_PROVIO "measured");
    ck_assert_str_eq(v->datatype, XSD_DOUBLE);
    if (forms[i]) ck_assert_str_eq(v->o, forms[i]);
    if (!isnan(values[i])) ck_assert(strtod(v->o, NULL) == values[i] || isinf(values[i]));
    char step[8];
    snprintf(step, sizeof step, "%d", i);
    assert_typed(g, m, PV_NS_PROVIO "step", step, XSD_LONG);
  }
  const char *m = record(g, "metric", "Metric", n);
  assert_string(g, m, PV_NS_PROVIO "key", "loss");
  assert_typed(g, m, PV_NS_PROVIO "measured", "2.5", XSD_DOUBLE);
  ck_assert_ptr_null(nt_find(g, m, PV_NS_PROVIO "step", 0));
  nt_graph_free(g);
}
END_TEST

START_TEST(files_named_as_the_capture_names_them)
{
  start_recording();
  char *dir = make_temp_dir(), cfg[1024], ckpt[1024], rel[1024];
  snprintf(cfg, sizeof cfg, "%s/train.yaml", dir);
  snprintf(ckpt, sizeof ckpt, "%s/ckpt_1_3.pt", dir);
  fclose(fopen(cfg, "w"));
  fclose(fopen(ckpt, "w"));
  struct stat st;
  ck_assert_int_eq(stat(ckpt, &st), 0);
  char id[64];
  snprintf(id, sizeof id, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
  /* a relative path with "." and ".." is named absolute and clean */
  ck_assert_int_eq(chdir(dir), 0);
  strcpy(pv_proc.cwd, dir); /* what the chdir wrapper keeps current */
  snprintf(rel, sizeof rel, "./sub/../ckpt_1_3.pt");
  ck_assert_int_eq(mkdir("sub", 0700), 0);
  ck_assert_int_eq(provio_config_file(cfg), 0);
  ck_assert_int_eq(provio_checkpoint(rel, 3), 0);
  ck_assert_int_eq(provio_checkpoint("never-written.pt", -1), 0);
  nt_graph *g = records();
  const char *c = record(g, "configFile", "ConfigFileUse", 0);
  assert_iri(g, c, PV_NS_PROVIO "file", file_iri(cfg));
  one(g, c, PV_NS_PROVIO "fileId");
  c = record(g, "checkpoint", "CheckpointMark", 0);
  assert_iri(g, c, PV_NS_PROVIO "file", file_iri(ckpt));
  assert_string(g, c, PV_NS_PROVIO "fileId", id);
  assert_typed(g, c, PV_NS_PROVIO "step", "3", XSD_LONG);
  c = record(g, "checkpoint", "CheckpointMark", 1);
  ck_assert_ptr_null(nt_find(g, c, PV_NS_PROVIO "fileId", 0)); /* no such file */
  ck_assert_ptr_null(nt_find(g, c, PV_NS_PROVIO "step", 0));
  nt_graph_free(g);
  remove_tree(dir);
}
END_TEST

START_TEST(user_classes_and_relations)
{
  start_recording();
  ck_assert_int_eq(provio_declare_class("ModelCheckpoint", NULL), 0);
  ck_assert_int_eq(provio_declare_class("LoraCheckpoint", "ModelCheckpoint"), 0);
  ck_assert_int_eq(provio_declare_class("Dataset", "prov:Collection"), 0);
  ck_assert_int_eq(provio_declare_relation("fineTunedFrom", "prov:wasDerivedFrom"), 0);
  ck_assert_int_eq(provio_declare_relation("cites", "http://purl.org/spar/cito/cites"), 0);
  ck_assert_int_eq(provio_declare_relation("checks", NULL), 0);
  ck_assert_int_eq(provio_relate("/data/lora.pt", "fineTunedFrom", "/data/base.pt"), 0);
  nt_graph *g = records();
  const char *u = PV_NS_USER;
  char iri[256];
  struct { const char *name, *kind, *super, *parent; } d[] = {
      {"ModelCheckpoint", RDFS "Class", RDFS "subClassOf", PV_NS_PROV "Entity"},
      {"LoraCheckpoint", RDFS "Class", RDFS "subClassOf", PV_NS_USER "ModelCheckpoint"},
      {"Dataset", RDFS "Class", RDFS "subClassOf", PV_NS_PROV "Collection"},
      {"fineTunedFrom", PV_NS_RDF "Property", RDFS "subPropertyOf", PV_NS_PROV "wasDerivedFrom"},
      {"cites", PV_NS_RDF "Property", RDFS "subPropertyOf", "http://purl.org/spar/cito/cites"},
      {"checks", PV_NS_RDF "Property", RDFS "subPropertyOf", PV_NS_PROV "wasInfluencedBy"},
  };
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
    snprintf(iri, sizeof iri, "%s%s", u, d[i].name);
    assert_iri(g, iri, RDF_TYPE, d[i].kind);
    assert_iri(g, iri, d[i].super, d[i].parent);
    assert_string(g, iri, RDFS "label", d[i].name);
  }
  char *lora = file_iri("/data/lora.pt"), *base = file_iri("/data/base.pt");
  snprintf(iri, sizeof iri, "%sfineTunedFrom", u);
  assert_iri(g, lora, iri, base);
  const char *r = record(g, "relation", "Relation", 0);
  assert_iri(g, r, PV_NS_PROVIO "subject", lora);
  assert_iri(g, r, PV_NS_PROVIO "predicate", iri);
  assert_iri(g, r, PV_NS_PROVIO "object", base);
  nt_graph_free(g);
}
END_TEST

/* Text as text (N-Triples escapes, invalid UTF-8 as U+FFFD); names in
 * IRIs percent-encoded, so that they decode to the same bytes. */
START_TEST(any_bytes_stay_valid)
{
  start_recording();
  const char key[] = "k\"\\\n\r\t\x01\x7f", value[] = "caf\xc3\xa9 \xff\xfe end";
  const char path[] = "/tmp/we ird>\"%{}|^`\\\x01\xff.pt";
  const char name[] = "my class#<>\" \xff";
  ck_assert_int_eq(provio_config(key, key, value), 0);
  ck_assert_int_eq(provio_metric(value, 1.5, 0), 0);
  ck_assert_int_eq(provio_checkpoint(path, 1), 0);
  ck_assert_int_eq(provio_declare_class(name, "https://ex.org/a b>\"c"), 0);
  ck_assert_int_eq(provio_relate(path, name, path), 0);
  nt_graph *g = records();
  const char *s = record(g, "setting", "Setting", 0);
  assert_string(g, s, PV_NS_PROVIO "key", key);
  assert_string(g, s, PV_NS_PROVIO "group", key);
  assert_string(g, s, PV_NS_PROVIO "value", "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end");
  const char *c = record(g, "checkpoint", "CheckpointMark", 0);
  const nt_triple *f = one(g, c, PV_NS_PROVIO "file");
  char host[256], back[PV_PATH_MAX];
  size_t hl, bl;
  ck_assert_int_eq(pv_file_iri_parse(f->o, strlen(f->o), host, sizeof host, &hl, back, sizeof back, &bl), 0);
  ck_assert_uint_eq(bl, strlen(path));
  ck_assert(memcmp(back, path, bl) == 0);
  const nt_triple *cls = nt_find(g, NULL, RDFS "subClassOf", 0);
  ck_assert_str_eq(cls->o, "https://ex.org/a%20b%3E%22c");
  ck_assert(strncmp(cls->s, PV_NS_USER, strlen(PV_NS_USER)) == 0);
  char decoded[256];
  size_t dl = pv_iri_decode(decoded, cls->s + strlen(PV_NS_USER), strlen(cls->s) - strlen(PV_NS_USER));
  ck_assert_uint_eq(dl, strlen(name));
  ck_assert(memcmp(decoded, name, dl) == 0);
  record(g, "relation", "Relation", 0);
  nt_graph_free(g);
}
END_TEST

START_TEST(null_arguments_record_nothing)
{
  start_recording();
  errno = EBADF;
  ck_assert_int_eq(provio_config(NULL, NULL, "v"), -1);
  ck_assert_int_eq(provio_config("g", "k", NULL), -1);
  ck_assert_int_eq(provio_annotate(NULL, "v"), -1);
  ck_assert_int_eq(provio_label("k", NULL), -1);
  ck_assert_int_eq(provio_metric(NULL, 1.0, 1), -1);
  ck_assert_int_eq(provio_config_file(NULL), -1);
  ck_assert_int_eq(provio_checkpoint(NULL, 1), -1);
  ck_assert_int_eq(provio_declare_class(NULL, "prov:Entity"), -1);
  ck_assert_int_eq(provio_declare_relation(NULL, NULL), -1);
  ck_assert_int_eq(provio_relate(NULL, "r", "/b"), -1);
  ck_assert_int_eq(provio_relate("/a", NULL, "/b"), -1);
  ck_assert_int_eq(provio_relate("/a", "r", NULL), -1);
  ck_assert_int_eq(errno, EBADF);
  ck_assert_int_eq(provio_config(NULL, "k", "v"), 0); /* group NULL: none */
  ck_assert_int_eq(errno, EBADF);
  nt_graph *g = records();
  record(g, "setting", "Setting", 0);
  ck_assert_ptr_null(nt_find(g, pv_proc.id.proc_iri, PV_NS_PROVIO "setting", 1));
  ck_assert_ptr_null(nt_find(g, NULL, PV_NS_PROVIO "metric", 0));
  ck_assert_ptr_null(nt_find(g, NULL, PV_NS_PROVIO "checkpoint", 0));
  ck_assert_ptr_null(nt_find(g, NULL, RDFS "subClassOf", 0));
  ck_assert_ptr_null(nt_find(g, NULL, PV_NS_PROVIO "relation", 0));
  nt_graph_free(g);
}
END_TEST

START_TEST(not_recording_returns_minus_one)
{
  unsetenv("PROVIO_DIR");
  ck_assert_int_eq(pv_core_init(0, NULL, NULL), -1);
  errno = ENOENT;
  ck_assert_int_eq(provio_config("g", "k", "v"), -1);
  ck_assert_int_eq(provio_annotate("k", "v"), -1);
  ck_assert_int_eq(provio_label("k", "v"), -1);
  ck_assert_int_eq(provio_metric("m", 1.0, 1), -1);
  ck_assert_int_eq(provio_config_file("/etc/hostname"), -1);
  ck_assert_int_eq(provio_checkpoint("/etc/hostname", 1), -1);
  ck_assert_int_eq(provio_declare_class("C", NULL), -1);
  ck_assert_int_eq(provio_declare_relation("r", NULL), -1);
  ck_assert_int_eq(provio_relate("/a", "r", "/b"), -1);
  ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A program in a locale with a decimal comma still writes xsd:double. */
START_TEST(metrics_ignore_the_decimal_comma)
{
  char *locales = make_temp_dir(), cmd[1024];
  snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 2>/dev/null", locales);
  ck_assert_int_eq(system(cmd), 0);
  setenv("LOCPATH", locales, 1);
  ck_assert_ptr_nonnull(setlocale(LC_NUMERIC, "de_DE.UTF-8"));
  ck_assert_str_eq(localeconv()->decimal_point, ",");
  remove_tree(locales);
  start_recording();
  ck_assert_int_eq(provio_metric("accuracy", 0.91, 1), 0);
  ck_assert_int_eq(provio_metric("loss", 1.0 / 3.0, 1), 0);
  nt_graph *g = records();
  assert_typed(g, record(g, "metric", "Metric", 0), PV_NS_PROVIO "measured", "0.91", XSD_DOUBLE);
  assert_typed(g, record(g, "metric", "Metric", 1), PV_NS_PROVIO "measured", "0.33333333333333331", XSD_DOUBLE);
  nt_graph_free(g);
}
END_TEST

static void *metric_from_thread(void *arg)
{
  (void)arg;
  provio_metric("thread_metric", 7.0, 1);
  return (void *)(long)pv_tls.thread->tid;
}

/* A record is the calling thread's: associated with it. */
START_TEST(records_belong_to_the_calling_thread)
{
  start_recording();
  pthread_t th;
  void *tid;
  pthread_create(&th, NULL, metric_from_thread, NULL);
  pthread_join(th, &tid);
  nt_graph *g = records();
  const char *m = record(g, "metric", "Metric", 0);
  char thread[PV_IRI_MAX + 32];
  snprintf(thread, sizeof thread, "%s/thread/%ld", pv_proc.id.proc_iri, (long)tid);
  assert_iri(g, m, PV_NS_PROV "wasAssociatedWith", thread);
  nt_graph_free(g);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("api");
  TCase *tc = tcase_create("records");
  tcase_set_timeout(tc, 120); /* localedef: seconds on a loaded machine */
  tcase_add_test(tc, settings_and_labels);
  tcase_add_test(tc, metrics_keep_value_and_step);
  tcase_add_test(tc, metrics_ignore_the_decimal_comma);
  tcase_add_test(tc, files_named_as_the_capture_names_them);
  tcase_add_test(tc, user_classes_and_relations);
  tcase_add_test(tc, any_bytes_stay_valid);
  tcase_add_test(tc, null_arguments_record_nothing);
  tcase_add_test(tc, not_recording_returns_minus_one);
  tcase_add_test(tc, records_belong_to_the_calling_thread);
  suite_add_tcase(s, tc);
  return s;
}
