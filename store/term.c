/* term.c - the byte encoding of triples, their hash, and librdf nodes. */
#include "term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A large buffer's new pages are mapped in 1 MiB ahead of its end with
 * MADV_POPULATE_WRITE: one call instead of 256 page faults, each of which
 * costs more than ten times as much per page on the VMs merges run on.
 * A kernel before 5.14 refuses it: then it is not asked again. */
#define READY_STEP (1u << 20)

static void get_ready(pv_buf *b, size_t end)
{
  size_t was = b->ready;
  b->ready = b->cap; /* unless mapped in below: the faults will do */
#ifdef MADV_POPULATE_WRITE
  static int refused;
  static uintptr_t page;
  if (__atomic_load_n(&refused, __ATOMIC_RELAXED)) return;
  if (!page) {
    long size = sysconf(_SC_PAGESIZE);
    page = size > 0 ? (uintptr_t)size : 4096;
  }
  uintptr_t from = ((uintptr_t)b->p + was + page - 1) & ~(page - 1);
  uintptr_t to = ((uintptr_t)b->p + end + READY_STEP) & ~(page - 1), limit = ((uintptr_t)b->p + b->cap) & ~(page - 1);
  if (to > limit) to = limit;
  if (to <= from) return;
  if (madvise((void *)from, to - from, MADV_POPULATE_WRITE) == 0) b->ready = to - (uintptr_t)b->p;
  else __atomic_store_n(&refused, 1, __ATOMIC_RELAXED);
#else
  (void)was, (void)end;
#endif
}

int pv_buf_reserve(pv_buf *b, size_t more)
{
  if (b->cap - b->len < more) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    if (p != b->p) b->ready = b->len; /* what realloc copied is mapped */
    b->p = p;
    b->cap = cap;
  }
  if (b->cap >= 4 * READY_STEP && b->len + more > b->ready) get_ready(b, b->len + more);
  return 0;
}

void pv_buf_free(pv_buf *b)
{
  free(b->p);
  b->p = NULL;
  b->len = b->cap = b->ready = 0;
}

static char *put_part(char *p, const char *s, uint32_t n)
{
  memcpy(p, &n, 4);
  if (n) memcpy(p + 4, s, n);
  return p + 4 + n;
}

static size_t term_size(const pv_term *t)
{
  return 1 + 4 + t->n + (t->kind == PV_T_TYPED || t->kind == PV_T_LANG ? 4 + t->xn : 0);
}

size_t pv_enc_terms(pv_buf *b, const pv_term t[3])
{
  size_t need = term_size(&t[0]) + term_size(&t[1]) + term_size(&t[2]);
  if (pv_buf_reserve(b, need) != 0) return 0;
  char *p = b->p + b->len;
  for (int i = 0; i < 3; i++) {
    *p++ = t[i].kind;
    p = put_part(p, t[i].s, t[i].n);
    if (t[i].kind == PV_T_TYPED || t[i].kind == PV_T_LANG) p = put_part(p, t[i].x, t[i].xn);
  }
  b->len += need;
  return need;
}

static int from_raptor(const raptor_term *r, pv_term *t)
{
  size_t n = 0;
  memset(t, 0, sizeof *t);
  switch (r->type) {
  case RAPTOR_TERM_TYPE_URI:
    t->kind = PV_T_IRI;
    t->s = (const char *)raptor_uri_as_counted_string(r->value.uri, &n);
    t->n = (uint32_t)n;
    return 0;
  case RAPTOR_TERM_TYPE_LITERAL:
    t->s = (const char *)r->value.literal.string;
    t->n = r->value.literal.string_len;
    if (r->value.literal.datatype) {
      t->kind = PV_T_TYPED;
      t->x = (const char *)raptor_uri_as_counted_string(r->value.literal.datatype, &n);
      t->xn = (uint32_t)n;
    } else if (r->value.literal.language && r->value.literal.language_len) {
      t->kind = PV_T_LANG;
      t->x = (const char *)r->value.literal.language;
      t->xn = r->value.literal.language_len;
    } else {
      t->kind = PV_T_PLAIN;
    }
    return 0;
  default:
    return -1; /* blank node or unknown */
  }
}

size_t pv_enc_statement(pv_buf *b, const raptor_statement *st)
{
  pv_term t[3];
  if (from_raptor(st->subject, &t[0]) || from_raptor(st->predicate, &t[1]) ||
      from_raptor(st->object, &t[2]))
    return 0;
  return pv_enc_terms(b, t);
}

static const char *get_part(const char *p, const char **s, uint32_t *n)
{
  memcpy(n, p, 4);
  *s = p + 4;
  return p + 4 + *n;
}

size_t pv_dec_triple(const char *p, pv_term t[3])
{
  const char *start = p;
  for (int i = 0; i < 3; i++) {
    t[i].kind = *p++;
    p = get_part(p, &t[i].s, &t[i].n);
    t[i].x = NULL;
    t[i].xn = 0;
    if (t[i].kind == PV_T_TYPED || t[i].kind == PV_T_LANG) p = get_part(p, &t[i].x, &t[i].xn);
  }
  return (size_t)(p - start);
}

/* MurmurHash3 x64 128 (public domain, Austin Appleby): fast and well
 * mixed.  Triples are told apart by it alone, so it must never change:
 * stores keep these hashes. */
static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t fmix(uint64_t k)
{
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

pv_hash pv_hash_bytes(const void *key, size_t len)
{
  const unsigned char *data = key;
  const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
  uint64_t h1 = 0x70726f76696f3031ULL, h2 = h1; /* "provio01" */
  size_t nblocks = len / 16;
  for (size_t i = 0; i < nblocks; i++) {
    uint64_t k1, k2;
    memcpy(&k1, data + 16 * i, 8);
    memcpy(&k2, data + 16 * i + 8, 8);
    k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
    h1 = rotl(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
    h2 = rotl(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
  }
  const unsigned char *tail = data + 16 * nblocks;
  uint64_t k1 = 0, k2 = 0;
  size_t rest = len & 15;
  for (size_t i = rest; i > 8; i--) k2 ^= (uint64_t)tail[i - 1] << (8 * (i - 9));
  if (rest > 8) { k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2; }
  for (size_t i = rest < 8 ? rest : 8; i > 0; i--) k1 ^= (uint64_t)tail[i - 1] << (8 * (i - 1));
  if (rest) { k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1; }
  h1 ^= len; h2 ^= len;
  h1 += h2; h2 += h1;
  h1 = fmix(h1); h2 = fmix(h2);
  h1 += h2; h2 += h1;
  return (pv_hash){h1, h2};
}

int pv_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

int pv_term_is(const pv_term *t, const char *iri)
{
  size_t n = strlen(iri);
  return t->kind == PV_T_IRI && t->n == n && memcmp(t->s, iri, n) == 0;
}

int pv_term_long(const pv_term *t, int64_t *v)
{
  if (t->kind == PV_T_IRI || t->n == 0 || t->n > 20) return -1;
  const char *s = t->s, *e = t->s + t->n;
  int neg = *s == '-';
  if (neg || *s == '+') s++;
  if (s == e) return -1;
  int64_t r = 0;
  for (; s < e; s++) {
    if (*s < '0' || *s > '9' || r > (INT64_MAX - 9) / 10) return -1;
    r = r * 10 + (*s - '0');
  }
  *v = neg ? -r : r;
  return 0;
}

static int digits(const char *s, int n, int *v)
{
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    *v = *v * 10 + (s[i] - '0');
  }
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int pv_term_time(const pv_term *t, int64_t *us)
{
  /* 2026-11-22T05:07:06[.ffffff]Z */
  const char *s = t->s;
  if (t->kind == PV_T_IRI || t->n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s[t->n - 1] != 'Z')
    return -1;
  int y, mo, d, h, mi, se;
  if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
      digits(s + 14, 2, &mi) || digits(s + 17, 2, &se) || mo < 1 || mo > 12 || d < 1 || d > 31)
    return -1;
  int64_t frac = 0;
  size_t i = 19;
  if (s[i] == '.') {
    int scale = 0;
    for (i++; i < t->n - 1; i++, scale++) {
      if (s[i] < '0' || s[i] > '9') return -1;
      if (scale < 6) frac = frac * 10 + (s[i] - '0');
    }
    for (; scale < 6; scale++) frac *= 10;
  }
  if (i != t->n - 1) return -1;
  *us = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000000LL + se * 1000000LL + frac;
  return 0;
}

/* Datatype IRIs repeat on every literal: keep a few, made once. */
static librdf_uri *cached_datatype(pv_rdf_cache *c, const char *s, size_t n)
{
  for (int i = 0; i < c->ndt; i++)
    if (c->dt[i].n == n && memcmp(c->dt[i].iri, s, n) == 0) return c->dt[i].uri;
  if (c->ndt == (int)(sizeof c->dt / sizeof c->dt[0])) return NULL;
  char *copy = malloc(n ? n : 1);
  librdf_uri *u = copy ? librdf_new_uri2(c->world, (const unsigned char *)s, n) : NULL;
  if (!u) {
    free(copy);
    return NULL;
  }
  memcpy(copy, s, n);
  c->dt[c->ndt].iri = copy;
  c->dt[c->ndt].n = n;
  c->dt[c->ndt++].uri = u;
  return u;
}

static librdf_node *typed_literal(pv_rdf_cache *c, const pv_term *t)
{
  librdf_uri *u = cached_datatype(c, t->x, t->xn), *own = NULL;
  if (!u) u = own = librdf_new_uri2(c->world, (const unsigned char *)t->x, t->xn);
  if (!u) return NULL;
  librdf_node *n = librdf_new_node_from_typed_counted_literal(c->world, (const unsigned char *)t->s, t->n,
                                                              NULL, 0, u);
  if (own) librdf_free_uri(own);
  return n;
}

static librdf_node *node(pv_rdf_cache *c, const pv_term *t)
{
  char lang[64];
  switch (t->kind) {
  case PV_T_IRI:
    return librdf_new_node_from_counted_uri_string(c->world, (const unsigned char *)t->s, t->n);
  case PV_T_TYPED:
    return typed_literal(c, t);
  case PV_T_LANG:
    if (t->xn >= sizeof lang) return NULL;
    memcpy(lang, t->x, t->xn);
    lang[t->xn] = 0;
    return librdf_new_node_from_typed_counted_literal(c->world, (const unsigned char *)t->s, t->n, lang,
                                                      t->xn, NULL);
  default:
    return librdf_new_node_from_typed_counted_literal(c->world, (const unsigned char *)t->s, t->n, NULL,
                                                      0, NULL);
  }
}

librdf_statement *pv_rdf_statement(pv_rdf_cache *c, const pv_term t[3])
{
  librdf_node *s = node(c, &t[0]), *p = node(c, &t[1]), *o = node(c, &t[2]);
  if (s && p && o) return librdf_new_statement_from_nodes(c->world, s, p, o);
  if (s) librdf_free_node(s);
  if (p) librdf_free_node(p);
  if (o) librdf_free_node(o);
  return NULL;
}

void pv_rdf_cache_free(pv_rdf_cache *c)
{
  for (int i = 0; i < c->ndt; i++) {
    librdf_free_uri(c->dt[i].uri);
    free(c->dt[i].iri);
  }
  c->ndt = 0;
}
