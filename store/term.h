/* term.h - triples in a compact byte encoding that crosses threads.
 *
 * Parser threads each own a raptor world; the librdf world of the store is
 * not thread-safe.  So a parsed triple travels as bytes: for each of its
 * three terms a kind byte, a 4-byte length and the bytes, plus the datatype
 * IRI or language tag of a literal.  The same bytes are what a triple's
 * 128-bit identity hash is taken over, so two spellings of one triple
 * (different escapes, say) hash alike. */
#ifndef PROVIO_STORE_TERM_H
#define PROVIO_STORE_TERM_H

#include <librdf.h>
#include <stddef.h>
#include <stdint.h>

enum pv_term_kind {
  PV_T_IRI = 'U',
  PV_T_PLAIN = 'L',  /* plain literal (xsd:string) */
  PV_T_TYPED = 'T',  /* literal with a datatype IRI in x */
  PV_T_LANG = 'G',   /* literal with a language tag in x */
};

typedef struct pv_term {
  char kind;          /* enum pv_term_kind */
  const char *s;      /* IRI or literal text, not NUL-terminated */
  uint32_t n;
  const char *x;      /* datatype IRI or language tag */
  uint32_t xn;
} pv_term;

/* A growable byte buffer. */
typedef struct pv_buf {
  char *p;
  size_t len, cap;
  size_t ready; /* bytes from p on known to be mapped in (see term.c) */
} pv_buf;

int pv_buf_reserve(pv_buf *b, size_t more);
void pv_buf_free(pv_buf *b);

/* Appends the encoding of a raptor/librdf statement; returns its length, or
 * 0 if a term is a blank node (provio never writes them: they would merge
 * across files) or memory ran out. */
size_t pv_enc_statement(pv_buf *b, const raptor_statement *st);

/* Appends the encoding of three terms; returns its length (0: no memory). */
size_t pv_enc_terms(pv_buf *b, const pv_term t[3]);

/* Decodes the triple at p into t (pointing into p); returns its length. */
size_t pv_dec_triple(const char *p, pv_term t[3]);

/* The identity of a triple: a 128-bit hash of its encoding. */
typedef struct pv_hash {
  uint64_t hi, lo;
} pv_hash;
pv_hash pv_hash_bytes(const void *p, size_t n);

/* Whether term t is the IRI iri (NUL-terminated). */
int pv_term_is(const pv_term *t, const char *iri);
/* Byte order of two strings, the shorter first on a common prefix. */
int pv_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

/* Parses an xsd:long literal, leading zeros allowed; 0 on success. */
int pv_term_long(const pv_term *t, int64_t *v);

/* Parses an xsd:dateTime literal in UTC ("...Z", optional fraction) into
 * microseconds since 1970; 0 on success. */
int pv_term_time(const pv_term *t, int64_t *us);

/* Builds librdf nodes in the store's world and the statement from them.
 * Datatype IRIs are cached in c (release with pv_rdf_cache_free). */
typedef struct pv_rdf_cache {
  librdf_world *world;
  struct { char *iri; size_t n; librdf_uri *uri; } dt[8];
  int ndt;
} pv_rdf_cache;
librdf_statement *pv_rdf_statement(pv_rdf_cache *c, const pv_term t[3]);
void pv_rdf_cache_free(pv_rdf_cache *c);

#endif
