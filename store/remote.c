/* remote.c - talking to a SPARQL 1.1 server over HTTP (libcurl). */
#define _GNU_SOURCE /* memmem */
#include "remote.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define XSD_DATETIME "http://www.w3.org/2001/XMLSchema#dateTime"

int pv_text_add(pv_text *t, const char *s, size_t n)
{
  if (t->n + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->n + n + 1) cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p) return -1;
    t->p = p;
    t->cap = cap;
  }
  memcpy(t->p + t->n, s, n);
  t->n += n;
  t->p[t->n] = 0;
  return 0;
}

int pv_text_str(pv_text *t, const char *s) { return pv_text_add(t, s, strlen(s)); }

void pv_text_free(pv_text *t)
{
  free(t->p);
  memset(t, 0, sizeof *t);
}

static int add_uchar(pv_text *t, unsigned c)
{
  char u[8];
  snprintf(u, sizeof u, "\\u%04X", c);
  return pv_text_add(t, u, 6);
}

/* SPARQL 1.1, IRIREF: no <>"{}|^`\ and nothing up to space; a \u escape
 * stands for its character anywhere in a query. */
int pv_sparql_iri(pv_text *t, const char *iri)
{
  int rc = pv_text_add(t, "<", 1);
  for (const unsigned char *c = (const unsigned char *)iri; *c && !rc; c++)
    rc = *c <= 0x20 || strchr("<>\"{}|^`\\", *c) ? add_uchar(t, *c) : pv_text_add(t, (const char *)c, 1);
  return rc ? rc : pv_text_add(t, ">", 1);
}

/* STRING_LITERAL_QUOTE: ECHAR escapes for quotes and backslash, \u for
 * every control character (line breaks end the literal otherwise). */
int pv_sparql_string(pv_text *t, const char *s, size_t n)
{
  int rc = pv_text_add(t, "\"", 1);
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c == '\'') {
      char e[2] = {'\\', (char)c};
      rc = pv_text_add(t, e, 2);
    } else if (c < 0x20 || c == 0x7f) {
      rc = add_uchar(t, c);
    } else {
      rc = pv_text_add(t, (const char *)&c, 1);
    }
  }
  return rc ? rc : pv_text_add(t, "\"", 1);
}

static int digits(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

size_t pv_datetime_canonical(const char *lex, size_t n, char out[32])
{
  /* YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z */
  if (n < 20 || lex[n - 1] != 'Z' || !digits(lex, 4) || lex[4] != '-' || !digits(lex + 5, 2) || lex[7] != '-' ||
      !digits(lex + 8, 2) || lex[10] != 'T' || !digits(lex + 11, 2) || lex[13] != ':' || !digits(lex + 14, 2) ||
      lex[16] != ':' || !digits(lex + 17, 2))
    return 0;
  size_t frac = 0;
  if (n > 20) {
    if (lex[19] != '.' || n - 21 > 9 || n - 21 < 1 || !digits(lex + 20, n - 21)) return 0;
    frac = n - 21;
  } else if (n != 20) {
    return 0;
  }
  memcpy(out, lex, 19);
  out[19] = '.';
  for (size_t i = 0; i < 6; i++) out[20 + i] = i < frac ? lex[20 + i] : '0';
  out[26] = 'Z';
  out[27] = 0;
  return 27;
}

int pv_ntriples_canonical(pv_text *t)
{
  static const char tail[] = "\"^^<" XSD_DATETIME ">";
  if (!t->p || !strstr(t->p, tail)) return 0;
  pv_text o = {0};
  const char *p = t->p, *end = t->p + t->n;
  for (const char *hit; (hit = strstr(p, tail));) {
    /* the lexical form: back to its opening quote (a time has no quotes
     * or escapes in it; anything else is left as it is) */
    const char *open = hit;
    while (open > p && open[-1] != '"' && open[-1] != '\n' && hit - open < 40) open--;
    char canon[32];
    size_t cn = open > p && open[-1] == '"' ? pv_datetime_canonical(open, (size_t)(hit - open), canon) : 0;
    if (cn ? pv_text_add(&o, p, (size_t)(open - p)) || pv_text_add(&o, canon, cn)
           : pv_text_add(&o, p, (size_t)(hit - p))) {
      pv_text_free(&o);
      return -1;
    }
    p = hit;
    if (pv_text_add(&o, p, sizeof tail - 1)) {
      pv_text_free(&o);
      return -1;
    }
    p += sizeof tail - 1;
  }
  if (pv_text_add(&o, p, (size_t)(end - p))) {
    pv_text_free(&o);
    return -1;
  }
  pv_text_free(t);
  *t = o;
  return 0;
}

int pv_remote_is_url(const char *store)
{
  return strncmp(store, "http://", 7) == 0 || strncmp(store, "https://", 8) == 0;
}

static int fail(char *err, size_t errlen, int status, const char *fmt, const char *a, const char *b)
{
  snprintf(err, errlen, fmt, a, b ? b : "");
  return status;
}

/* "user=NAME", "password=SECRET", and optionally "update=URL" and
 * "graph-store=URL" (servers other than Virtuoso) lines.  The file must be
 * the user's own and readable by nobody else: it holds a password. */
static int read_credentials(pv_remote *r, char *err, size_t errlen)
{
  const char *path = getenv(PV_REMOTE_AUTH_ENV);
  if (!path || !*path)
    return fail(err, errlen, PV_REMOTE_AUTH_FILE,
                "no credentials: updating a server store needs " PV_REMOTE_AUTH_ENV
                " naming a file of user=NAME and password=SECRET lines (mode 0600)%s%s",
                "", NULL);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(err, errlen, PV_REMOTE_AUTH_FILE, "%s: cannot open the credentials file (%s)", path, strerror(errno));
  struct stat st;
  char why[128] = "";
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    snprintf(why, sizeof why, "not a regular file");
  else if (st.st_uid != geteuid())
    snprintf(why, sizeof why, "owned by uid %u, not by you (uid %u)", (unsigned)st.st_uid, (unsigned)geteuid());
  else if (st.st_mode & 077)
    snprintf(why, sizeof why, "mode %04o: others can read the password; chmod 600 it", (unsigned)(st.st_mode & 07777));
  if (*why) {
    close(fd);
    return fail(err, errlen, PV_REMOTE_AUTH_FILE, "%s: credentials file refused: %s", path, why);
  }
  FILE *f = fdopen(fd, "r");
  char line[4096];
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    char **field = strncmp(line, "user=", 5) == 0         ? &r->user
                   : strncmp(line, "password=", 9) == 0    ? &r->password
                   : strncmp(line, "update=", 7) == 0      ? &r->update
                   : strncmp(line, "graph-store=", 12) == 0 ? &r->graph_store
                                                           : NULL;
    if (!field) continue;
    free(*field);
    *field = strdup(strchr(line, '=') + 1);
  }
  if (f) fclose(f);
  else close(fd);
  if (!r->user || !r->password || !*r->user)
    return fail(err, errlen, PV_REMOTE_AUTH_FILE, "%s: credentials file has no user= and password= lines%s", path, NULL);
  return PV_REMOTE_OK;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
  return pv_text_add(ctx, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
  pv_remote *r = ctx;
  if (size * n > 7 && strncasecmp(p, "Server:", 7) == 0 && memmem(p, size * n, "Virtuoso", 8)) r->virtuoso = 1;
  return size * n;
}

/* The first line of a server's complaint, for a one-line message. */
static void first_line(const pv_text *body, char *out, size_t outlen)
{
  const char *p = body->p ? body->p : "";
  while (*p == '\n' || *p == '\r' || *p == ' ') p++;
  int len = (int)strcspn(p, "\r\n");
  snprintf(out, outlen, "%.*s", len > 300 ? 300 : len, p);
}

static int request_once(pv_remote *r, const char *url, int auth, const char *ctype, const char *body, size_t n,
                        const char *accept, pv_text *out, char *err, size_t errlen);

/* One request; one that Virtuoso chose as a deadlock's victim (SQL state
 * 40001: two loads at once) is sent again, as its manual says to. */
static int request(pv_remote *r, const char *url, int auth, const char *ctype, const char *body, size_t n,
                   const char *accept, pv_text *out, char *err, size_t errlen)
{
  for (int attempt = 0;; attempt++) {
    out->n = 0;
    int rc = request_once(r, url, auth, ctype, body, n, accept, out, err, errlen);
    if (rc != PV_REMOTE_SERVER || r->http_status != 500 || !out->p || !strstr(out->p, "40001") || attempt == 20)
      return rc;
    usleep(50000u << (attempt < 5 ? attempt : 5));
  }
}

/* One request: POST of body (content type ctype) to url; answer in out. */
static int request_once(pv_remote *r, const char *url, int auth, const char *ctype, const char *body, size_t n,
                   const char *accept, pv_text *out, char *err, size_t errlen)
{
  CURL *c = r->curl;
  curl_easy_reset(c);
  struct curl_slist *h = NULL;
  char line[256];
  snprintf(line, sizeof line, "Content-Type: %s", ctype);
  h = curl_slist_append(h, line);
  snprintf(line, sizeof line, "Accept: %s", accept ? accept : "*/*");
  h = curl_slist_append(h, line);
  h = curl_slist_append(h, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (auth) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_DIGEST);
    curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, r->password);
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(h);
  long code = 0;
  char *type = NULL;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
  snprintf(r->content_type, sizeof r->content_type, "%s", type ? type : "");
  r->http_status = code;
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_OPERATION_TIMEDOUT ||
      rc == CURLE_COULDNT_RESOLVE_PROXY)
    return fail(err, errlen, PV_REMOTE_UNREACHABLE, "%s: cannot reach the server (%s)", url, curl_easy_strerror(rc));
  if (rc != CURLE_OK)
    return fail(err, errlen, PV_REMOTE_SERVER, "%s: %s", url, curl_easy_strerror(rc));
  if (code >= 200 && code < 300) return PV_REMOTE_OK;
  char why[320];
  first_line(out, why, sizeof why);
  if (code == 401 || code == 403)
    return fail(err, errlen, PV_REMOTE_REFUSED, "%s: the server refused the credentials (HTTP %s)", url,
                code == 401 ? "401 Unauthorized" : "403 Forbidden");
  snprintf(line, sizeof line, "%ld", code);
  if (code == 400) return fail(err, errlen, PV_REMOTE_BAD_QUERY, "malformed query: the server says: %s%s", why, NULL);
  snprintf(err, errlen, "%s: the server failed (HTTP %s): %s", url, line, why);
  return PV_REMOTE_SERVER;
}

static int form_field(pv_text *t, CURL *c, const char *name, const char *value)
{
  char *v = curl_easy_escape(c, value, 0);
  int rc = !v || (t->n && pv_text_add(t, "&", 1)) || pv_text_str(t, name) || pv_text_add(t, "=", 1) ||
           pv_text_str(t, v);
  curl_free(v);
  return rc ? -1 : 0;
}

static int oom(char *err, size_t errlen)
{
  snprintf(err, errlen, "out of memory");
  return PV_REMOTE_SERVER;
}

/* A query with the published graphs as its dataset (with_dataset), or
 * none (the registry is read that way). */
static int query(pv_remote *r, const char *q, int with_dataset, const char *accept, pv_text *out, char *err,
                 size_t errlen)
{
  pv_text form = {0};
  int bad = form_field(&form, r->curl, "query", q);
  size_t used = 0;
  for (size_t i = 0; with_dataset && i < r->ndataset && !bad; i++)
    if (r->dataset[i]) {
      bad = form_field(&form, r->curl, "default-graph-uri", r->dataset[i]) ||
            form_field(&form, r->curl, "named-graph-uri", r->dataset[i]);
      used++;
    }
  /* no graph named: the server would take all of them */
  if (with_dataset && !used && !bad) bad = form_field(&form, r->curl, "default-graph-uri", "urn:provio:empty");
  if (bad) {
    pv_text_free(&form);
    return oom(err, errlen);
  }
  out->n = 0;
  int rc = request(r, r->endpoint, 0, "application/x-www-form-urlencoded", form.p, form.n, accept, out, err, errlen);
  pv_text_free(&form);
  return rc;
}

int pv_remote_query(pv_remote *r, const char *q, const char *accept, pv_text *out, char *err, size_t errlen)
{
  return query(r, q, 1, accept, out, err, errlen);
}

/* The registry, read as CSV: a header line, then one IRI a line (ours
 * are plain; a line with a quote or comma in it is not one of ours). */
static int load_dataset(pv_remote *r, char *err, size_t errlen)
{
  pv_text q = {0}, out = {0};
  int rc = pv_text_str(&q, "SELECT DISTINCT ?g WHERE { GRAPH ") || pv_sparql_iri(&q, PV_REMOTE_REGISTRY) ||
                   pv_text_str(&q, " { ?g a ") || pv_sparql_iri(&q, PV_REMOTE_GRAPH_CLASS) ||
                   pv_text_str(&q, " } } ORDER BY ?g")
               ? oom(err, errlen)
               : query(r, q.p, 0, "text/csv", &out, err, errlen);
  pv_text_free(&q);
  char *save = NULL;
  for (char *line = rc ? NULL : strtok_r(out.p, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    size_t n = strlen(line);
    if (n < 3 || line[0] != '"' || line[n - 1] != '"' || strcmp(line, "\"g\"") == 0) continue;
    line[n - 1] = 0;
    if (strpbrk(line + 1, "\",")) continue;
    char **grown = realloc(r->dataset, (r->ndataset + 1) * sizeof *grown);
    if (!grown || !(grown[r->ndataset] = strdup(line + 1))) {
      if (grown) r->dataset = grown;
      rc = oom(err, errlen);
      break;
    }
    r->dataset = grown;
    r->ndataset++;
  }
  pv_text_free(&out);
  return rc;
}

int pv_remote_reread(pv_remote *r, int *changed, char *err, size_t errlen)
{
  char **was = r->dataset;
  size_t nwas = r->ndataset;
  r->dataset = NULL;
  r->ndataset = 0;
  int rc = load_dataset(r, err, errlen);
  *changed = rc || nwas != r->ndataset;
  for (size_t i = 0; !*changed && i < nwas; i++)
    *changed = !was[i] || strcmp(was[i], r->dataset[i]) != 0;
  for (size_t i = 0; i < nwas; i++) free(was[i]);
  free(was);
  return rc;
}

void pv_remote_exclude(pv_remote *r, const char *graph)
{
  for (size_t i = 0; i < r->ndataset; i++)
    if (r->dataset[i] && strcmp(r->dataset[i], graph) == 0) {
      free(r->dataset[i]);
      r->dataset[i] = NULL;
    }
}

/* Virtuoso's authenticated endpoints beside /sparql; another server's are
 * named in the credentials file. */
static char *sibling(const char *endpoint, const char *name)
{
  size_t n = strlen(endpoint);
  const char *slash = strrchr(endpoint, '/');
  size_t keep = slash ? (size_t)(slash - endpoint) + 1 : n;
  char *s = malloc(keep + strlen(name) + 1);
  if (s) {
    memcpy(s, endpoint, keep);
    strcpy(s + keep, name);
  }
  return s;
}

int pv_remote_open(pv_remote *r, const char *endpoint, int for_update, char *err, size_t errlen)
{
  memset(r, 0, sizeof *r);
  static int global;
  if (!global++) curl_global_init(CURL_GLOBAL_DEFAULT);
  r->curl = curl_easy_init();
  r->endpoint = strdup(endpoint);
  if (!r->curl || !r->endpoint) return oom(err, errlen);
  if (for_update) {
    int rc = read_credentials(r, err, errlen);
    if (rc) return rc;
    if (!r->update) r->update = sibling(endpoint, "sparql-auth");
    if (!r->graph_store) r->graph_store = sibling(endpoint, "sparql-graph-crud-auth");
    if (!r->update || !r->graph_store) return oom(err, errlen);
  }
  return load_dataset(r, err, errlen);
}

void pv_remote_close(pv_remote *r)
{
  if (r->curl) curl_easy_cleanup(r->curl);
  for (size_t i = 0; i < r->ndataset; i++) free(r->dataset[i]);
  free(r->dataset);
  if (r->password) memset(r->password, 0, strlen(r->password));
  free(r->password);
  free(r->user);
  free(r->endpoint);
  free(r->update);
  free(r->graph_store);
  memset(r, 0, sizeof *r);
}

struct parse_error {
  int seen;
  char first[256];
};

static int keep_parse_error(void *data, librdf_log_message *m)
{
  struct parse_error *e = data;
  if (librdf_log_message_level(m) >= LIBRDF_LOG_ERROR && !e->seen++)
    snprintf(e->first, sizeof e->first, "%s", librdf_log_message_message(m));
  return 1;
}

int pv_remote_construct_each(pv_remote *r, const char *q, librdf_world *world,
                             int (*each)(void *ctx, librdf_statement *st), void *ctx, char *err, size_t errlen)
{
  pv_text out = {0};
  int rc = query(r, q, 1, "application/n-triples", &out, err, errlen);
  if (!rc && pv_ntriples_canonical(&out)) rc = oom(err, errlen);
  if (!rc && out.n) {
    struct parse_error e = {0, ""};
    pv_store_set_log_handler(&e, keep_parse_error);
    librdf_parser *p = librdf_new_parser(world, "ntriples", NULL, NULL);
    librdf_uri *base = librdf_new_uri(world, (const unsigned char *)"urn:provio:server");
    librdf_stream *st = p && base ? librdf_parser_parse_counted_string_as_stream(p, (const unsigned char *)out.p, out.n, base)
                                  : NULL;
    for (; st && !rc && !librdf_stream_end(st); librdf_stream_next(st))
      if (each(ctx, librdf_stream_get_object(st))) rc = oom(err, errlen);
    if (!rc && (!st || e.seen))
      rc = fail(err, errlen, PV_REMOTE_SERVER, "%s: the server's N-Triples do not parse (%s)", r->endpoint,
                e.seen ? e.first : "parser failed");
    if (st) librdf_free_stream(st);
    if (base) librdf_free_uri(base);
    if (p) librdf_free_parser(p);
    pv_store_set_log_handler(NULL, NULL);
  }
  pv_text_free(&out);
  return rc;
}

static int add_to_model(void *model, librdf_statement *st)
{
  return librdf_model_add_statement(model, st) ? -1 : 0;
}

int pv_remote_construct(pv_remote *r, const char *q, librdf_world *world, librdf_model *model, char *err,
                        size_t errlen)
{
  return pv_remote_construct_each(r, q, world, add_to_model, model, err, errlen);
}

int pv_remote_update(pv_remote *r, const char *update, char *err, size_t errlen)
{
  pv_text form = {0}, out = {0};
  if (form_field(&form, r->curl, "update", update)) return oom(err, errlen);
  int rc = request(r, r->update, 1, "application/x-www-form-urlencoded", form.p, form.n, NULL, &out, err, errlen);
  pv_text_free(&form);
  pv_text_free(&out);
  return rc;
}

int pv_remote_post_graph(pv_remote *r, const char *graph, const char *data, size_t n, char *err, size_t errlen)
{
  char *g = curl_easy_escape(r->curl, graph, 0);
  pv_text url = {0}, out = {0};
  int bad = !g || pv_text_str(&url, r->graph_store) || pv_text_str(&url, "?graph=") || pv_text_str(&url, g);
  curl_free(g);
  int rc = bad ? oom(err, errlen)
               : request(r, url.p, 1, "application/n-triples", data, n, NULL, &out, err, errlen);
  pv_text_free(&url);
  pv_text_free(&out);
  return rc;
}
