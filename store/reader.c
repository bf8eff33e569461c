/* reader.c - record files: finding them, and reading their good lines. */
#define _GNU_SOURCE
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <raptor2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vocab.h"

#define RDF_TYPE PV_NS_RDF "type"
#define PROVIO_THREAD PV_NS_PROVIO "Thread"
#define END_LINE "# provio-end"
#define FEED_PIECE (64 * 1024) /* raptor copies its buffer per chunk: keep chunks small */

/* ---- one line, checked before raptor sees it ---- */

static int is_ws(char c) { return c == ' ' || c == '\t'; }
static int is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static const char *skip_ws(const char *p, const char *e)
{
  while (p < e && is_ws(*p)) p++;
  return p;
}

static int uchar_at(const char *p, const char *e)
{
  if (e - p < 2) return 0; /* a backslash that ends the line */
  int n = p[1] == 'u' ? 4 : p[1] == 'U' ? 8 : 0;
  if (!n || e - p < 2 + n) return 0;
  for (int i = 0; i < n; i++)
    if (!is_hex(p[2 + i])) return 0;
  return 2 + n;
}

/* <absolute-IRI>; returns the end or NULL. */
static const char *iri(const char *p, const char *e, const char **why)
{
  if (p >= e || *p != '<') {
    *why = p < e && *p == '_' ? "blank node (provio writes none)" : "expected an IRI";
    return NULL;
  }
  const char *s = ++p;
  while (p < e && *p != '>') {
    unsigned char c = (unsigned char)*p;
    if (c == '\\') {
      int k = uchar_at(p, e);
      if (!k) break;
      p += k;
      continue;
    }
    if (c <= 0x20 || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' || c == '`')
      break;
    p++;
  }
  if (p >= e || *p != '>') {
    *why = "bad or unterminated IRI";
    return NULL;
  }
  /* scheme ":" - a relative IRI would be resolved against a made-up base */
  const char *q = s;
  if (q < p && is_alpha(*q))
    while (q < p && (is_alpha(*q) || (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.')) q++;
  if (q == s || q >= p || *q != ':') {
    *why = "relative IRI";
    return NULL;
  }
  return p + 1;
}

static const char *literal(const char *p, const char *e, const char **why)
{
  p++; /* opening quote */
  while (p < e && *p != '"') {
    if (*p == '\\') {
      if (p + 1 < e && strchr("tbnrf\"'\\", p[1])) {
        p += 2;
        continue;
      }
      int k = uchar_at(p, e);
      if (!k) {
        *why = "bad escape in literal";
        return NULL;
      }
      p += k;
      continue;
    }
    p++;
  }
  if (p >= e) {
    *why = "unterminated literal";
    return NULL;
  }
  p++;
  if (p + 1 < e && p[0] == '^' && p[1] == '^') return iri(p + 2, e, why);
  if (p < e && *p == '@') {
    const char *s = ++p;
    while (p < e && is_alpha(*p)) p++;
    if (p == s) {
      *why = "bad language tag";
      return NULL;
    }
    while (p < e && *p == '-') {
      s = ++p;
      while (p < e && (is_alpha(*p) || (*p >= '0' && *p <= '9'))) p++;
      if (p == s) {
        *why = "bad language tag";
        return NULL;
      }
    }
  }
  return p;
}

const char *pv_nt_check_line(const char *line, size_t n)
{
  const char *p = line, *e = line + n, *why = NULL;
  if (!(p = iri(skip_ws(p, e), e, &why))) return why;
  if (!(p = iri(skip_ws(p, e), e, &why))) return why;
  p = skip_ws(p, e);
  if (p < e && *p == '"') {
    if (!(p = literal(p, e, &why))) return why;
  } else if (!(p = iri(p, e, &why))) {
    return why;
  }
  p = skip_ws(p, e);
  if (p >= e || *p != '.') return "missing final '.'";
  p = skip_ws(p + 1, e);
  if (p < e && *p != '#') return "junk after the final '.'";
  return NULL;
}

/* ---- finding record files ---- */

/* <pid>.<start-ns>.<tid>[.s<n>].nt: the name the tracker gives its files. */
static int record_file_name(const char *path)
{
  const char *p = strrchr(path, '/');
  p = p ? p + 1 : path;
  for (int field = 0; field < 3; field++) {
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    if (*p++ != '.') return 0;
  }
  if (*p == 's') {
    p++;
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    if (*p++ != '.') return 0;
  }
  return strcmp(p, "nt") == 0;
}

static int fail(char *err, size_t errlen, int status, const char *fmt, const char *a, const char *b)
{
  snprintf(err, errlen, fmt, a, b ? b : "");
  return status;
}

static int ends_with(const char *s, const char *tail)
{
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0;
}

/* "<dir>/<pid>.<start>.<tid>[.s<n>].nt" -> "<dir>/<pid>.<start>.<tid>" */
static char *group_of(const char *path)
{
  size_t n = strlen(path) - 3;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = NULL;
  for (const char *p = path + n - 1; p > base; p--)
    if (*p == '.') {
      dot = p;
      break;
    }
  if (dot && dot[1] == 's' && dot + 2 < path + n) {
    size_t k = 2;
    while (dot + k < path + n && dot[k] >= '0' && dot[k] <= '9') k++;
    if (dot + k == path + n) n = (size_t)(dot - path);
  }
  return strndup(path, n);
}

/* Keeps a warning about something left out; -1 out of memory. */
static int warn(pv_rfiles *out, const char *path, const char *why)
{
  char **w = realloc(out->warnings, (out->nwarnings + 1) * sizeof *w);
  if (!w) return -1;
  out->warnings = w;
  size_t n = strlen(path) + strlen(why) + 16;
  if (!(w[out->nwarnings] = malloc(n))) return -1;
  snprintf(w[out->nwarnings++], n, "%s: skipped: %s", path, why);
  return 0;
}

/* Why another user could have planted or changed what st describes, or
 * NULL if nobody but us can. */
static const char *foreign(const struct stat *st, char *buf, size_t n)
{
  if (st->st_uid != geteuid()) {
    snprintf(buf, n, "owned by uid %u, not by you (uid %u)", (unsigned)st->st_uid, (unsigned)geteuid());
    return buf;
  }
  if (st->st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(buf, n, "writable by %s", st->st_mode & S_IWOTH ? "others" : "its group");
    return buf;
  }
  return NULL;
}

/* A foreign file or directory: refused, or left out with a warning.
 * Returns PV_FIND_OK to go on without it. */
static int refuse(pv_rfiles *out, const char *path, const char *why, int flags, char *err, size_t errlen)
{
  if (flags & PV_FIND_SKIP_FOREIGN)
    return warn(out, path, why) ? fail(err, errlen, PV_FIND_IO, "%s: out of memory", path, NULL) : PV_FIND_OK;
  return fail(err, errlen, PV_FIND_REFUSED,
              "%s: %s; refusing records another user could have planted (--skip-foreign leaves them out)", path,
              why);
}

static const char *kind_of(mode_t m)
{
  return S_ISFIFO(m) ? "a FIFO, not a regular file"
         : S_ISSOCK(m) ? "a socket, not a regular file"
         : S_ISCHR(m) || S_ISBLK(m) ? "a device, not a regular file"
         : S_ISLNK(m) ? "a symbolic link (not followed)"
                      : "not a regular file";
}

/* Where the file's data ends, a hole at its end left out: a sparse file
 * is not read through.  The end of the last extent, by bisection over
 * SEEK_DATA (which says "no data from here on"); size where the file
 * system has no SEEK_DATA. */
static off_t data_end(int fd, off_t size)
{
  off_t lo = 0, hi = size;
  while (lo < hi) {
    off_t mid = lo + (hi - lo) / 2, d = lseek(fd, mid, SEEK_DATA);
    if (d < 0) {
      if (errno != ENXIO) return size;
      hi = mid;
      continue;
    }
    off_t h = lseek(fd, d, SEEK_HOLE);
    if (h < 0) return size;
    lo = h > size ? size : h;
  }
  return lo;
}

/* Opens and checks one file; adds it to out. */
static int add_file(pv_rfiles *out, const char *path, int follow, int flags, char *err, size_t errlen)
{
  /* O_NONBLOCK: a FIFO put in the file's place must not hang the open */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0 && errno == ELOOP)
    return fail(err, errlen, PV_FIND_REFUSED, "%s: is a symbolic link (--follow-symlinks follows it)", path, NULL);
  if (fd < 0 && errno == ENXIO && warn(out, path, "a socket, not a regular file") == 0) return PV_FIND_OK;
  if (fd < 0) return fail(err, errlen, PV_FIND_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  char why[128];
  const char *bad;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return fail(err, errlen, PV_FIND_IO, "%s: cannot read: %s", path, strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return warn(out, path, kind_of(st.st_mode)) ? fail(err, errlen, PV_FIND_IO, "%s: out of memory", path, NULL)
                                                : PV_FIND_OK;
  }
  if ((bad = foreign(&st, why, sizeof why))) {
    close(fd);
    return refuse(out, path, bad, flags, err, errlen);
  }
  char head[sizeof PV_FILE_MAGIC] = {0};
  ssize_t got = pread(fd, head, sizeof head, 0);
  if (got < 0) {
    close(fd);
    return fail(err, errlen, PV_FIND_IO, "%s: cannot read: %s", path, strerror(errno));
  }
  /* A process killed right after creating its file leaves it empty or all
   * NUL: a record file with nothing in it, not a foreign file.  One whose
   * first line was damaged still has the tracker's name: its other lines
   * are checked one by one like any. */
  int ours = got == 0 || head[0] == 0 ||
             (got == (ssize_t)sizeof head && memcmp(head, PV_FILE_MAGIC "\n", sizeof head) == 0) ||
             record_file_name(path);
  if (!ours) {
    close(fd);
    return fail(err, errlen, PV_FIND_FOREIGN, "%s: not a provio record file (no '%s' first line)", path,
                PV_FILE_MAGIC);
  }
  /* Padding is at the end of an unfinished file: newlines (NULs from older
   * writers).  The last line keeps its newline if it is complete (a triple
   * ends in ".", a comment is a line); otherwise its writer stopped
   * mid-line. */
  off_t size = data_end(fd, st.st_size), end = size;
  char buf[65536];
  int complete = 0;
  while (end > 0) {
    off_t from = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
    ssize_t n = pread(fd, buf, (size_t)(end - from), from);
    if (n != end - from) {
      close(fd);
      return fail(err, errlen, PV_FIND_IO, "%s: read error: %s", path, n < 0 ? strerror(errno) : "short read");
    }
    while (n > 0 && (buf[n - 1] == 0 || buf[n - 1] == '\n')) n--;
    end = from + n;
    if (n > 0) {
      ssize_t line = n - 1;
      while (line > 0 && buf[line - 1] != '\n') line--;
      complete = buf[n - 1] == '.' || ((line > 0 || from == 0) && buf[line] == '#');
      break;
    }
  }
  if (end < size && complete) end++;
  close(fd);
  if (out->n == out->cap) {
    size_t cap = out->cap ? 2 * out->cap : 64;
    pv_rfile *v = realloc(out->v, cap * sizeof *v);
    if (!v) return fail(err, errlen, PV_FIND_IO, "%s: out of memory", path, NULL);
    out->v = v;
    out->cap = cap;
  }
  pv_rfile *f = &out->v[out->n];
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  f->group = group_of(path);
  if (!f->path || !f->group) {
    free(f->path);
    free(f->group);
    return fail(err, errlen, PV_FIND_IO, "%s: out of memory", path, NULL);
  }
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->follow = follow;
  f->data_end = end;
  out->n++;
  return PV_FIND_OK;
}

static int walk(pv_rfiles *out, const char *dir, int depth, int flags, char *err, size_t errlen)
{
  if (depth > 64) return fail(err, errlen, PV_FIND_IO, "%s: directories nested too deep", dir, NULL);
  int follow = depth == 0 && (flags & PV_FIND_FOLLOW);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0 && errno == ELOOP)
    return fail(err, errlen, PV_FIND_REFUSED, "%s: is a symbolic link (--follow-symlinks follows it)", dir, NULL);
  struct stat st;
  char why[128];
  const char *bad = fd >= 0 && fstat(fd, &st) == 0 ? foreign(&st, why, sizeof why) : NULL;
  if (bad) {
    close(fd);
    return refuse(out, dir, bad, flags, err, errlen);
  }
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0) close(fd);
    return fail(err, errlen, PV_FIND_IO, "%s: cannot read the directory: %s", dir, strerror(errno));
  }
  int status = PV_FIND_OK;
  struct dirent *e;
  while (status == PV_FIND_OK && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *path = malloc(n);
    if (!path) {
      status = fail(err, errlen, PV_FIND_IO, "%s: out of memory", dir, NULL);
      break;
    }
    snprintf(path, n, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      status = fail(err, errlen, PV_FIND_IO, "%s: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
      status = walk(out, path, depth + 1, flags, err, errlen);
    else if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".nt"))
      status = add_file(out, path, 0, flags, err, errlen);
    else if (ends_with(e->d_name, ".nt") && warn(out, path, kind_of(st.st_mode)))
      status = fail(err, errlen, PV_FIND_IO, "%s: out of memory", dir, NULL);
    free(path);
  }
  closedir(d);
  return status;
}

static int by_path(const void *a, const void *b)
{
  return strcmp(((const pv_rfile *)a)->path, ((const pv_rfile *)b)->path);
}

static int by_path_key(const void *key, const void *f) { return strcmp(key, ((const pv_rfile *)f)->path); }

/* Each file's group's first file, "<group>.nt", which the thread header
 * heads (the files are sorted by path). */
static void link_heads(pv_rfiles *out)
{
  for (size_t i = 0; i < out->n; i++) {
    pv_rfile *f = &out->v[i];
    size_t n = strlen(f->group);
    char *first = malloc(n + 4);
    pv_rfile *head = NULL;
    if (first) {
      memcpy(first, f->group, n);
      memcpy(first + n, ".nt", 4);
      head = bsearch(first, out->v, out->n, sizeof *out->v, by_path_key);
      free(first);
    }
    f->head = head ? head - out->v : -1;
  }
}

int pv_rfiles_find(pv_rfiles *out, char *const *paths, int npaths, int flags, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  for (int i = 0; i < npaths; i++) {
    struct stat st;
    int follow = flags & PV_FIND_FOLLOW;
    if ((follow ? stat(paths[i], &st) : lstat(paths[i], &st)) != 0)
      return fail(err, errlen, PV_FIND_MISSING, "%s: %s", paths[i], strerror(errno));
    size_t before = out->n, warned = out->nwarnings;
    int dir = S_ISDIR(st.st_mode);
    int status = dir ? walk(out, paths[i], 0, flags, err, errlen) : add_file(out, paths[i], follow, flags, err, errlen);
    if (status != PV_FIND_OK) return status;
    if (dir && out->n == before && out->nwarnings == warned)
      return fail(err, errlen, PV_FIND_EMPTY, "%s: no provio record files (*.nt) in it", paths[i], NULL);
  }
  if (out->n == 0)
    return fail(err, errlen, PV_FIND_EMPTY, "no record files to merge%s%s",
                out->nwarnings ? ": " : "", out->nwarnings ? out->warnings[out->nwarnings - 1] : NULL);
  qsort(out->v, out->n, sizeof *out->v, by_path);
  /* The same file named twice (a directory and a file in it) is read once. */
  size_t k = 0;
  for (size_t i = 0; i < out->n; i++) {
    if (k && strcmp(out->v[k - 1].path, out->v[i].path) == 0) {
      free(out->v[i].path);
      free(out->v[i].group);
      continue;
    }
    out->v[k++] = out->v[i];
  }
  out->n = k;
  link_heads(out);
  return PV_FIND_OK;
}

void pv_rfiles_free(pv_rfiles *f)
{
  for (size_t i = 0; i < f->n; i++) {
    free(f->v[i].path);
    free(f->v[i].group);
    free(f->v[i].thread_iri);
    if (f->v[i].header) {
      free(f->v[i].header->process);
      free(f->v[i].header->agent);
      free(f->v[i].header);
    }
  }
  free(f->v);
  for (size_t i = 0; i < f->nwarnings; i++) free(f->warnings[i]);
  free(f->warnings);
  memset(f, 0, sizeof *f);
}

/* ---- reading a window ---- */

struct pv_reader {
  raptor_world *world;
  raptor_parser *parser; /* made per window: reusing one is quadratic in raptor 2.0.15 */
  raptor_uri *base;
  pv_buf data;           /* the window's bytes */
  pv_buf feed;           /* lines that passed pv_nt_check_line */
  pv_buf stmts;          /* per statement: u32 fed-line index, u32 length, encoding */
  off_t *line_off;       /* fed line -> file offset */
  unsigned *count;       /* fed line -> statements raptor gave */
  char **error;          /* fed line -> raptor's first message */
  size_t lines, lines_cap;
  int oom;
};

pv_reader *pv_reader_new(void)
{
  pv_reader *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->world = raptor_new_world();
  if (!r->world || raptor_world_open(r->world) != 0) {
    pv_reader_free(r);
    return NULL;
  }
  r->base = raptor_new_uri(r->world, (const unsigned char *)"urn:provio:base");
  if (!r->base) {
    pv_reader_free(r);
    return NULL;
  }
  return r;
}

void pv_reader_free(pv_reader *r)
{
  if (!r) return;
  if (r->base) raptor_free_uri(r->base);
  if (r->world) raptor_free_world(r->world);
  pv_buf_free(&r->data);
  pv_buf_free(&r->feed);
  pv_buf_free(&r->stmts);
  free(r->line_off);
  free(r->count);
  free(r->error);
  free(r);
}

static long fed_line(pv_reader *r, const raptor_locator *loc)
{
  long k = loc ? (long)loc->line - 1 : -1;
  return k >= 0 && (size_t)k < r->lines ? k : -1;
}

static void on_log(void *data, raptor_log_message *m)
{
  pv_reader *r = data;
  if (m->level < RAPTOR_LOG_LEVEL_ERROR) return;
  long k = fed_line(r, m->locator);
  if (k < 0) k = r->lines ? (long)r->lines - 1 : -1; /* no line named: blame the last one */
  if (k >= 0 && !r->error[k]) {
    r->error[k] = strdup(m->text ? m->text : "rejected by the N-Triples parser");
    if (!r->error[k]) r->oom = 1;
  }
}

/* Record files of earlier versions wrote numbers that are rewritten in
 * place zero-padded ("0000000000000000042"): the store keeps the canonical
 * spelling, one triple per value however it was written.  NULL if o is
 * canonical already (or not an xsd:long). */
static raptor_term *canonical_long(raptor_world *w, const raptor_term *o)
{
  if (o->type != RAPTOR_TERM_TYPE_LITERAL || !o->value.literal.datatype) return NULL;
  const unsigned char *s = o->value.literal.string;
  unsigned n = o->value.literal.string_len;
  if (n < 2 || s[0] != '0' ||
      strcmp((const char *)raptor_uri_as_string(o->value.literal.datatype), PV_NS_XSD "long") != 0)
    return NULL;
  while (n > 1 && s[0] == '0') s++, n--;
  return raptor_new_term_from_counted_literal(w, s, n, o->value.literal.datatype, NULL, 0);
}

static void on_statement(void *data, raptor_statement *st)
{
  pv_reader *r = data;
  long k = fed_line(r, raptor_parser_get_locator(r->parser));
  if (k < 0) return;
  r->count[k]++;
  uint32_t head[2] = {(uint32_t)k, 0};
  size_t at = r->stmts.len;
  if (pv_buf_reserve(&r->stmts, sizeof head) != 0) {
    r->oom = 1;
    return;
  }
  r->stmts.len += sizeof head;
  raptor_term *canon = canonical_long(r->world, st->object);
  raptor_statement copy;
  if (canon) {
    copy = *st;
    copy.object = canon;
    st = &copy;
  }
  size_t n = pv_enc_statement(&r->stmts, st);
  if (canon) raptor_free_term(canon);
  if (!n) {
    /* a blank node (our own check lets none through) or no memory */
    r->stmts.len = at;
    if (!r->error[k]) r->error[k] = strdup("blank node (provio writes none)");
    return;
  }
  head[1] = (uint32_t)n;
  memcpy(r->stmts.p + at, head, sizeof head);
}

static int add_fed_line(pv_reader *r, off_t off, const char *s, size_t n)
{
  if (r->lines == r->lines_cap) {
    size_t cap = r->lines_cap ? 2 * r->lines_cap : 4096;
    off_t *o = realloc(r->line_off, cap * sizeof *o);
    if (o) r->line_off = o;
    unsigned *c = realloc(r->count, cap * sizeof *c);
    if (c) r->count = c;
    char **e = realloc(r->error, cap * sizeof *e);
    if (e) r->error = e;
    if (!o || !c || !e) return -1;
    r->lines_cap = cap;
  }
  if (pv_buf_reserve(&r->feed, n + 1) != 0) return -1;
  memcpy(r->feed.p + r->feed.len, s, n);
  r->feed.p[r->feed.len + n] = '\n';
  r->feed.len += n + 1;
  r->line_off[r->lines] = off;
  r->count[r->lines] = 0;
  r->error[r->lines++] = NULL;
  return 0;
}

/* Reads [from, to) of the file and on, up to limit, to the end of the line
 * that crosses to. */
static int read_span(pv_reader *r, int fd, off_t from, off_t to, off_t limit)
{
  r->data.len = 0;
  if (to > limit) to = limit;
  off_t at = from;
  while (at < to) {
    size_t want = (size_t)(to - at);
    if (pv_buf_reserve(&r->data, want) != 0) return -1;
    ssize_t n = pread(fd, r->data.p + r->data.len, want, at);
    if (n < 0) return -1;
    if (n == 0) return 0; /* the file shrank: use what is there */
    r->data.len += (size_t)n;
    at += n;
  }
  while (at < limit && r->data.len && r->data.p[r->data.len - 1] != '\n') {
    /* a hole ends the line: it holds no newline to look for */
    off_t data = lseek(fd, at, SEEK_DATA);
    if (data > at || (data < 0 && errno == ENXIO)) break;
    size_t want = limit - at < 65536 ? (size_t)(limit - at) : 65536;
    if (pv_buf_reserve(&r->data, want) != 0) return -1;
    ssize_t n = pread(fd, r->data.p + r->data.len, want, at);
    if (n < 0) return -1;
    if (n == 0) break;
    char *nl = memchr(r->data.p + r->data.len, '\n', (size_t)n);
    if (nl) {
      r->data.len = (size_t)(nl + 1 - r->data.p);
      break;
    }
    r->data.len += (size_t)n;
    at += n;
  }
  return 0;
}

static int only_ws(const char *p, const char *e)
{
  return skip_ws(p, e) == e;
}

/* Sorts the window's lines into comments, rejects and lines for raptor. */
static int scan_lines(pv_reader *r, pv_rfile *f, off_t from, off_t start, const pv_reader_sink *sink)
{
  const char *b = r->data.p, *e = b + r->data.len, *p = b;
  if (start > 0) {
    /* b[0] is the byte before start: begin at the first line start >= start */
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    if (!nl) return 0;
    p = nl + 1;
  }
  while (p < e) {
    off_t off = from + (p - b);
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    if (!nl) {
      if (!only_ws(p, e)) sink->reject(sink->ctx, off, "truncated line (its writer stopped mid-line)");
      break;
    }
    size_t n = (size_t)(nl - p);
    if (n && p[n - 1] == '\r') n--;
    const char *q = skip_ws(p, p + n), *why;
    if (memchr(p, 0, n)) {
      sink->reject(sink->ctx, off, "NUL bytes in the line (unwritten or damaged data)");
    } else if (q == p + n) {
      /* blank */
    } else if (*q == '#') {
      size_t m = sizeof END_LINE - 1;
      if ((size_t)(p + n - q) >= m && memcmp(q, END_LINE, m) == 0 && only_ws(q + m, p + n))
        __atomic_store_n(&f->finished, 1, __ATOMIC_RELAXED);
    } else if ((why = pv_nt_check_line(p, n))) {
      sink->reject(sink->ctx, off, why);
    } else if (add_fed_line(r, off, p, n) != 0) {
      return -1;
    }
    p = nl + 1;
  }
  return 0;
}

static void parse_fed_lines(pv_reader *r)
{
  r->parser = raptor_new_parser(r->world, "ntriples");
  if (!r->parser) {
    r->oom = 1;
    return;
  }
  raptor_world_set_log_handler(r->world, r, on_log);
  raptor_parser_set_statement_handler(r->parser, r, on_statement);
  raptor_parser_parse_start(r->parser, r->base);
  const char *s = r->feed.p, *e = s + r->feed.len;
  while (s < e) {
    const char *c = s + FEED_PIECE;
    if (c >= e) {
      c = e;
    } else {
      c = memchr(c, '\n', (size_t)(e - c));
      c = c ? c + 1 : e;
    }
    raptor_parser_parse_chunk(r->parser, (const unsigned char *)s, (size_t)(c - s), 0);
    s = c;
  }
  raptor_parser_parse_chunk(r->parser, NULL, 0, 1);
  raptor_free_parser(r->parser);
  r->parser = NULL;
}

static void note_thread(pv_rfile *f, const char *enc)
{
  pv_term t[3];
  pv_dec_triple(enc, t);
  if (f->thread_iri || !pv_term_is(&t[1], RDF_TYPE) || !pv_term_is(&t[2], PROVIO_THREAD)) return;
  char *iri = strndup(t[0].s, t[0].n), *none = NULL;
  if (iri && !__atomic_compare_exchange_n(&f->thread_iri, &none, iri, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    free(iri);
}

/* The IRI of the term starting at p in [p, e) ("<...>"), or NULL. */
static const char *iri_at(const char *p, const char *e, size_t *n)
{
  if (p >= e || *p != '<') return NULL;
  const char *close = memchr(p, '>', (size_t)(e - p));
  if (!close) return NULL;
  *n = (size_t)(close - p - 1);
  return p + 1;
}

/* Reads the thread's lines that head a first record file (the writer puts
 * them right after the magic line): its provio:threadOf, and whether it is
 * a prov:SoftwareAgent. */
static void read_header(const pv_rfile *f, pv_rheader *h)
{
  int fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (f->follow ? 0 : O_NOFOLLOW));
  if (fd < 0) return;
  struct stat st;
  char buf[65536];
  ssize_t got = fstat(fd, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino ? pread(fd, buf, sizeof buf, 0) : -1;
  close(fd);
  const char *p = got > 0 ? memchr(buf, '\n', (size_t)got) : NULL, *e = buf + (got > 0 ? got : 0);
  const char *thread = NULL;
  size_t tn = 0;
  for (const char *nl; p && p + 1 < e && (nl = memchr(p + 1, '\n', (size_t)(e - p - 1))); p = nl) {
    const char *line = p + 1, *s, *pred, *o;
    size_t sn, pn, on = 0;
    if (pv_nt_check_line(line, (size_t)(nl - line)) || !(s = iri_at(line, nl, &sn))) break;
    if (thread && (sn != tn || memcmp(s, thread, sn) != 0)) break; /* past the thread's lines */
    if (!(pred = iri_at(s + sn + 2, nl, &pn))) break;
    o = iri_at(pred + pn + 2, nl, &on);
    if (!o) continue;
#define IS(t, tl, iri) ((tl) == sizeof(iri) - 1 && memcmp(t, iri, tl) == 0)
    if (IS(pred, pn, RDF_TYPE) && IS(o, on, PROVIO_THREAD)) {
      thread = s;
      tn = sn;
    } else if (thread && IS(pred, pn, PV_NS_PROVIO "threadOf") && !h->process) {
      h->process = strndup(o, on);
    } else if (thread && IS(pred, pn, RDF_TYPE) && IS(o, on, PV_NS_PROV "SoftwareAgent") && !h->agent) {
      h->agent = strndup(s, sn);
    }
#undef IS
  }
}

const pv_rheader *pv_rfile_header(pv_rfiles *files, size_t i)
{
  static pv_rheader none;
  long k = files->v[i].head;
  if (k < 0) return &none;
  pv_rfile *head = &files->v[k];
  pv_rheader *h = __atomic_load_n(&head->header, __ATOMIC_ACQUIRE), *expected = NULL;
  if (h) return h;
  if (!(h = calloc(1, sizeof *h))) return NULL;
  read_header(head, h);
  if (!__atomic_compare_exchange_n(&head->header, &expected, h, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    free(h->process);
    free(h->agent);
    free(h);
    return expected;
  }
  return h;
}

int pv_reader_window(pv_reader *r, pv_rfile *f, off_t start, off_t end, const pv_reader_sink *sink)
{
  if (start >= f->data_end || start >= end) return 0;
  int fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (f->follow ? 0 : O_NOFOLLOW));
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
    close(fd);
    errno = ESTALE; /* another file put in its place since it was found */
    return -1;
  }
  /* A window inside a hole of a sparse file holds no line to read. */
  off_t data = lseek(fd, start, SEEK_DATA);
  if (data >= end || (data < 0 && errno == ENXIO)) {
    close(fd);
    return 0;
  }
  off_t from = start > 0 ? start - 1 : 0;
  int rc = read_span(r, fd, from, end, f->data_end);
  close(fd);
  if (rc != 0) return -1;
  r->feed.len = r->stmts.len = 0;
  r->lines = 0;
  r->oom = 0;
  if (scan_lines(r, f, from, start, sink) != 0) return -1;
  if (r->lines) parse_fed_lines(r);
  int status = r->oom ? -1 : 0;
  for (size_t at = 0; status == 0 && at < r->stmts.len;) {
    uint32_t head[2];
    memcpy(head, r->stmts.p + at, sizeof head);
    const char *enc = r->stmts.p + at + sizeof head;
    at += sizeof head + head[1];
    if (r->error[head[0]] || r->count[head[0]] != 1) continue;
    note_thread(f, enc);
    status = sink->triple(sink->ctx, enc, head[1]);
  }
  for (size_t k = 0; k < r->lines; k++) {
    if (status == 0 && (r->error[k] || r->count[k] != 1))
      sink->reject(sink->ctx, r->line_off[k],
                   r->error[k] ? r->error[k]
                   : r->count[k] ? "more than one statement in the line"
                                 : "the N-Triples parser took nothing from the line");
    free(r->error[k]);
    r->error[k] = NULL;
  }
  return status;
}

void pv_line_numbers(const char *path, const off_t *offs, long *lines, size_t n)
{
  for (size_t i = 0; i < n; i++) lines[i] = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return;
  char buf[65536];
  long line = 1;
  off_t at = 0;
  size_t k = 0;
  while (k < n) {
    ssize_t got = pread(fd, buf, sizeof buf, at);
    if (got <= 0) break;
    for (ssize_t i = 0; i < got && k < n; i++) {
      while (k < n && offs[k] <= at + i) lines[k++] = line;
      line += buf[i] == '\n';
    }
    at += got;
  }
  while (k < n && offs[k] <= at) lines[k++] = line;
  close(fd);
}
