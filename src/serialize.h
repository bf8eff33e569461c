/* serialize.h - N-Triples escaping and the path <-> IRI mapping.
 *
 * Every function writes into a caller-supplied buffer and never allocates:
 * they run inside intercepted calls.  Output bounds are exact, so callers can
 * reserve space in the writer before serializing (see PV_*_MAX below). */
#ifndef PROVIO_SERIALIZE_H
#define PROVIO_SERIALIZE_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case output sizes for n input bytes. */
#define PV_IRI_ENC_MAX(n) (3 * (size_t)(n))     /* every byte as %XX */
#define PV_LITERAL_MAX(n) (6 * (size_t)(n))     /* control byte as \u00XX */

/* Percent-encodes bytes so that the result is legal inside an N-Triples
 * IRIREF and decodes back to exactly the same bytes (pv_iri_decode).
 * Unreserved characters (RFC 3986) and those in keep (e.g. "/" for paths)
 * pass through; everything else, '%' and all non-ASCII included, becomes %XX.
 * Returns the number of bytes written. */
size_t pv_iri_encode(char *dst, const char *src, size_t n, const char *keep);

/* Inverse of pv_iri_encode.  Writes at most n bytes; returns the decoded
 * length, or (size_t)-1 if src holds a malformed %-escape. dst may be src. */
size_t pv_iri_decode(char *dst, const char *src, size_t n);

/* Escapes bytes as the body of an N-Triples string literal (without the
 * quotes): \" \\ \n \r \t, other C0 controls and DEL as \u00XX, valid
 * UTF-8 as is, and each byte of an invalid UTF-8 sequence as \uFFFD (a
 * literal is Unicode text; exact bytes of a path live in its IRI). */
size_t pv_literal_escape(char *dst, const char *src, size_t n);

/* Length of the longest prefix of s (n bytes) that is well-formed UTF-8
 * scalar text starting at s, at most one code point: returns the byte length
 * of the code point at s, or 0 if s does not start a valid sequence. */
size_t pv_utf8_seq_len(const unsigned char *s, size_t n);

/* Decimal and time formatting for typed literals. */
size_t pv_fmt_u64(char *dst, uint64_t v);
size_t pv_fmt_i64(char *dst, int64_t v);
/* A number rewritten in place (docs/model.md, "Written at open, kept
 * current in place"): right-aligned in a field of PV_FIXED_WIDTH bytes,
 * spaces, the literal's opening quote, the digits; so the literal itself
 * stays canonical ("42", not "00042"). */
#define PV_FIXED_DIGITS 19                   /* any xsd:long */
#define PV_FIXED_WIDTH (PV_FIXED_DIGITS + 1) /* and its opening quote */
void pv_put_fixed(char *p, uint64_t v);
/* xsd:dateTime in UTC with microseconds: 2026-11-22T05:07:06.123456Z
 * (27 bytes, no terminator). */
#define PV_DATETIME_LEN 27
size_t pv_fmt_datetime(char *dst, int64_t unix_ns);

/* Line building: each helper writes at p and returns the new end.  The
 * caller reserved enough room (the *_MAX bounds above). */
#include <string.h>

static inline char *pv_put(char *p, const char *s, size_t n)
{
  memcpy(p, s, n);
  return p + n;
}
#define PV_PUT_LIT(p, lit) pv_put((p), (lit), sizeof(lit) - 1)

/* <iri> from an IRI that is already valid inside an IRIREF. */
static inline char *pv_put_iri(char *p, const char *iri, size_t n)
{
  *p++ = '<';
  p = pv_put(p, iri, n);
  *p++ = '>';
  return p;
}

/* "<iri> ": the subject of a triple. */
static inline char *pv_put_subject(char *p, const char *iri, size_t n)
{
  p = pv_put_iri(p, iri, n);
  *p++ = ' ';
  return p;
}

/* "text" with N-Triples escapes; needs PV_LITERAL_MAX(n) + 2 bytes. */
static inline char *pv_put_string(char *p, const char *s, size_t n)
{
  *p++ = '"';
  p += pv_literal_escape(p, s, n);
  *p++ = '"';
  return p;
}

#define PV_XSD_LONG_TAIL "\"^^<http://www.w3.org/2001/XMLSchema#long>"
#define PV_XSD_DATETIME_TAIL "\"^^<http://www.w3.org/2001/XMLSchema#dateTime>"
#define PV_TYPED_MAX 80 /* longest typed number or time literal */

static inline char *pv_put_long(char *p, int64_t v)
{
  *p++ = '"';
  p += pv_fmt_i64(p, v);
  return PV_PUT_LIT(p, PV_XSD_LONG_TAIL);
}

static inline char *pv_put_time(char *p, int64_t unix_ns)
{
  *p++ = '"';
  p += pv_fmt_datetime(p, unix_ns);
  return PV_PUT_LIT(p, PV_XSD_DATETIME_TAIL);
}

static inline char *pv_put_end(char *p) { return PV_PUT_LIT(p, " .\n"); }

/* Whole triples "<s> pred object .\n", pred a literal token such as
 * PV_PROV("used"); s and o IRIs given with their lengths. */
#define PV_TRIPLE_TYPE(p, s, sl, type) \
  pv_put_end(PV_PUT_LIT(pv_put_subject((p), (s), (sl)), PV_RDF_TYPE " " type))
#define PV_TRIPLE_IRI(p, s, sl, pred, o, ol) \
  pv_put_end(pv_put_iri(PV_PUT_LIT(pv_put_subject((p), (s), (sl)), pred " "), (o), (ol)))
#define PV_TRIPLE_STRING(p, s, sl, pred, str, n) \
  pv_put_end(pv_put_string(PV_PUT_LIT(pv_put_subject((p), (s), (sl)), pred " "), (str), (n)))
#define PV_TRIPLE_LONG(p, s, sl, pred, v) \
  pv_put_end(pv_put_long(PV_PUT_LIT(pv_put_subject((p), (s), (sl)), pred " "), (v)))
#define PV_TRIPLE_TIME(p, s, sl, pred, ns) \
  pv_put_end(pv_put_time(PV_PUT_LIT(pv_put_subject((p), (s), (sl)), pred " "), (ns)))

#endif
