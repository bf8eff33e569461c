/* config.c - run-time settings: the configuration file, then the environment. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "serialize.h"
#include "sys.h"

/* The dynamic loader's own files are read by every process and say nothing
 * about the job's data; the kernel's pseudo file systems neither. */
#define DEFAULT_EXCLUDE "/proc:/sys:/dev:/etc/ld.so.cache:/lib:/lib64:/usr/lib:/usr/lib64"
#define DEFAULT_INCLUDE "/dev/shm"
#define DEFAULT_LOCAL "/tmp:/var/tmp:/dev/shm:/run"

/* A configuration file is a few lines; a bigger one is not ours. */
#define FILE_MAX 65536

/* The lists' text, the small ones first, from the start of a page: every
 * start fills all three, and so their first bytes share one page (each
 * page touched is a page fault in every process: core.h, pv_process). */
static struct {
  char include[1024], local[2048], exclude[4096];
} list_text __attribute__((aligned(4096)));
static char file_text[FILE_MAX + 1]; /* the file's values point into it */

void pv_prefix_list_parse(pv_prefix_list *l, const char *spec, char *storage, size_t cap)
{
  l->count = 0;
  if (!spec || cap == 0) return;
  size_t n = strlen(spec);
  if (n >= cap) n = cap - 1;
  memcpy(storage, spec, n);
  storage[n] = 0;
  char *p = storage;
  while (*p && l->count < PV_MAX_PREFIXES) {
    char *end = strchr(p, ':');
    if (end) *end = 0;
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/') p[--len] = 0; /* "/tmp/" == "/tmp" */
    if (len) {
      l->item[l->count] = p;
      l->len[l->count] = len;
      l->count++;
    }
    if (!end) break;
    p = end + 1;
  }
}

int pv_prefix_list_match(const pv_prefix_list *l, const char *path, size_t n)
{
  for (int i = 0; i < l->count; i++) {
    size_t len = l->len[i];
    /* Prefixes mostly differ right after their first slash: tried there
     * before a call compares them (this runs at every open). */
    if (n < len || (len > 1 && path[1] != l->item[i][1]) || memcmp(path, l->item[i], len) != 0) continue;
    if (n == len || path[len] == '/' || (len == 1 && l->item[i][0] == '/')) return 1;
  }
  return 0;
}

/* ---- the settings --------------------------------------------------------
 * Each has a key in the file and a variable in the environment: the key is
 * the variable's name without PROVIO_, in lower case, and the file may use
 * the variable's name too (provio-run's older configuration files). */
enum kind { K_STRING, K_MODE, K_SWITCH, K_LIST };

typedef struct setting {
  const char *key, *env;
  enum kind kind;
  size_t field;   /* K_STRING: offset of its const char *; K_LIST: of its pv_prefix_list */
  unsigned bit;   /* K_SWITCH: its enum pv_record_class */
  char *storage;  /* K_LIST */
  size_t cap;
} setting;

#define LIST(key, env, field, storage) {key, env, K_LIST, offsetof(pv_config, field), 0, storage, sizeof storage}
#define SWITCH(key, env, bit) {key, env, K_SWITCH, 0, bit, NULL, 0}
static const setting settings[] = {
    {"dir", "PROVIO_DIR", K_STRING, offsetof(pv_config, dir), 0, NULL, 0},
    {"mode", "PROVIO_MODE", K_MODE, 0, 0, NULL, 0},
    {"log", "PROVIO_LOG", K_STRING, offsetof(pv_config, log_path), 0, NULL, 0},
    {"job_id", "PROVIO_JOB_ID", K_STRING, offsetof(pv_config, job), 0, NULL, 0},
    LIST("exclude", "PROVIO_EXCLUDE", exclude, list_text.exclude),
    LIST("include", "PROVIO_INCLUDE", include, list_text.include),
    LIST("local", "PROVIO_LOCAL", local, list_text.local),
    SWITCH("files", "PROVIO_FILES", PV_REC_FILES),
    SWITCH("hdf5_groups", "PROVIO_HDF5_GROUPS", PV_REC_HDF5_GROUPS),
    SWITCH("hdf5_datasets", "PROVIO_HDF5_DATASETS", PV_REC_HDF5_DATASETS),
    SWITCH("hdf5_attributes", "PROVIO_HDF5_ATTRIBUTES", PV_REC_HDF5_ATTRIBUTES),
    SWITCH("hdf5_datatypes", "PROVIO_HDF5_DATATYPES", PV_REC_HDF5_DATATYPES),
    SWITCH("callsites", "PROVIO_CALLSITES", PV_REC_CALLSITES),
    SWITCH("durations", "PROVIO_DURATIONS", PV_REC_DURATIONS),
    SWITCH("threads", "PROVIO_THREADS", PV_REC_THREADS),
};
#define SETTINGS (sizeof settings / sizeof settings[0])

static int is(const char *v, const char *a, const char *b, const char *c, const char *d)
{
  return !strcmp(v, a) || !strcmp(v, b) || !strcmp(v, c) || !strcmp(v, d);
}

/* Sets s to v; -1 (nothing changed) if v is no value of s. */
static int apply(pv_config *c, const setting *s, const char *v)
{
  switch (s->kind) {
  case K_STRING:
    *(const char **)((char *)c + s->field) = *v ? v : NULL;
    return 0;
  case K_MODE:
    if (!*v || !strcmp(v, "summary")) c->mode = PV_MODE_SUMMARY;
    else if (!strcmp(v, "trace")) c->mode = PV_MODE_TRACE;
    else return -1;
    return 0;
  case K_SWITCH:
    if (is(v, "on", "1", "yes", "true")) c->records |= s->bit;
    else if (is(v, "off", "0", "no", "false")) c->records &= ~s->bit;
    else return -1;
    return 0;
  case K_LIST:
    pv_prefix_list_parse((pv_prefix_list *)((char *)c + s->field), v, s->storage, s->cap);
    return 0;
  }
  return -1;
}

/* "where[:line]: what[ detail]", cut to fit. */
static void add_problem(pv_config *c, const char *where, int line, const char *what, const char *detail)
{
  if (c->problems++ >= PV_CONFIG_PROBLEMS) return;
  char *p = c->problem[c->problems - 1], *end = p + PV_CONFIG_PROBLEM_MAX - 1;
  const char *parts[] = {where, line ? ":" : "", "", ": ", what, detail ? " " : "", detail ? detail : ""};
  char number[24];
  number[line ? pv_fmt_u64(number, (uint64_t)line) : 0] = 0;
  parts[2] = number;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    for (const char *s = parts[i]; *s && p < end; s++) *p++ = *s;
  *p = 0;
}

void pv_config_defaults(pv_config *c)
{
  pv_sys_populate(&list_text, sizeof list_text.include + sizeof list_text.local + 256);
  memset(c, 0, sizeof *c);
  c->mode = PV_MODE_SUMMARY;
  c->records = PV_REC_ALL;
  pv_prefix_list_parse(&c->exclude, DEFAULT_EXCLUDE, list_text.exclude, sizeof list_text.exclude);
  pv_prefix_list_parse(&c->include, DEFAULT_INCLUDE, list_text.include, sizeof list_text.include);
  pv_prefix_list_parse(&c->local, DEFAULT_LOCAL, list_text.local, sizeof list_text.local);
}

/* ---- the file --------------------------------------------------------------- */

static int blank(char ch) { return ch == ' ' || ch == '\t'; }

static int key_ok(const char *s, const char *end)
{
  if (s == end) return 0;
  for (; s < end; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

void pv_config_parse(char *text, size_t n, void (*setting)(void *ctx, int line, const char *key, const char *value),
                     void (*problem)(void *ctx, int line, const char *what), void *ctx)
{
  char *p = text, *end = text + n;
  for (int line = 1; p < end; line++) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *e = nl ? nl : end, *next = nl ? nl + 1 : end;
    /* only the line end (LF or CRLF) goes: a CR inside a value is part of it */
    if (e > p && e[-1] == '\r') e--;
    char *s = p;
    while (s < e && blank(*s)) s++;
    char *eq = memchr(s, '=', (size_t)(e - s)), *key_end = eq;
    while (key_end && key_end > s && blank(key_end[-1])) key_end--;
    if (memchr(p, 0, (size_t)(e - p))) {
      problem(ctx, line, "NUL byte in the line");
    } else if (s == e || *s == '#') {
      /* blank or comment */
    } else if (!eq || !key_ok(s, key_end)) {
      problem(ctx, line, "expected KEY = VALUE");
    } else {
      char *v = eq + 1;
      while (v < e && blank(*v)) v++;
      while (e > v && blank(e[-1])) e--;
      *key_end = 0;
      *e = 0; /* the line end, or the byte after the text */
      setting(ctx, line, s, v);
    }
    p = next;
  }
}

typedef struct file_ctx {
  pv_config *c;
  const char *path;
} file_ctx;

static void file_setting(void *ctx, int line, const char *key, const char *value)
{
  file_ctx *f = ctx;
  for (size_t i = 0; i < SETTINGS; i++)
    if (!strcmp(key, settings[i].key) || !strcmp(key, settings[i].env)) {
      if (apply(f->c, &settings[i], value) != 0) add_problem(f->c, f->path, line, "bad value, ignored:", key);
      return;
    }
  add_problem(f->c, f->path, line, "unknown key, ignored:", key);
}

static void file_problem(void *ctx, int line, const char *what)
{
  file_ctx *f = ctx;
  add_problem(f->c, f->path, line, what, "(line ignored)");
}

void pv_config_read_file(pv_config *c, const char *path)
{
  int saved = errno;
  int fd = pv_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
  struct stat st;
  size_t n = 0;
  if (fd < 0 || pv_sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    add_problem(c, path, 0, "cannot read this configuration file", NULL);
  } else if (st.st_size > FILE_MAX) {
    add_problem(c, path, 0, "configuration file longer than 65536 bytes, not read", NULL);
  } else {
    ssize_t got;
    while (n < FILE_MAX && (got = pv_sys_read(fd, file_text + n, FILE_MAX - n)) != 0) {
      if (got > 0) n += (size_t)got;
      else if (errno != EINTR) break;
    }
    file_ctx f = {c, path};
    pv_config_parse(file_text, n, file_setting, file_problem, &f);
  }
  if (fd >= 0) pv_sys_close(fd);
  errno = saved;
}

void pv_config_load(pv_config *c)
{
  pv_config_defaults(c);
  const char *file = getenv("PROVIO_CONFIG");
  if (file && *file) pv_config_read_file(c, file);
  for (size_t i = 0; i < SETTINGS; i++) {
    const char *v = getenv(settings[i].env);
    if (v && apply(c, &settings[i], v) != 0) add_problem(c, settings[i].env, 0, "bad value, ignored:", v);
  }
}
