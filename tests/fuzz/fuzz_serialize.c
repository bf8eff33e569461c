/* fuzz_serialize - the escaper and the path <-> IRI mapping (src/serialize.c,
 * src/ident.c).  For any bytes: a literal and a file IRI written from them
 * are legal N-Triples, raptor reads back exactly the text and IRI that were
 * meant, and the IRI decodes to the path again.
 *
 * Input: flags byte (bit 0: the path is node-local, so the IRI names the
 * host), host length byte, host bytes, then the text (literal and path). */
#define _GNU_SOURCE
#include <raptor2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "serialize.h"

#define REQUIRE(cond)                                                     \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "fuzz_serialize: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                            \
    }                                                                     \
  } while (0)

static raptor_world *world;

typedef struct parsed {
  int statements, errors;
  char *subject, *object;
  size_t subject_len, object_len;
} parsed;

static void on_statement(void *data, raptor_statement *st)
{
  parsed *p = data;
  if (p->statements++) return;
  REQUIRE(st->subject->type == RAPTOR_TERM_TYPE_URI && st->object->type == RAPTOR_TERM_TYPE_LITERAL);
  size_t n;
  const unsigned char *s = raptor_uri_as_counted_string(st->subject->value.uri, &n);
  p->subject = malloc(n + 1);
  memcpy(p->subject, s, n);
  p->subject_len = n;
  n = st->object->value.literal.string_len;
  p->object = malloc(n + 1);
  memcpy(p->object, st->object->value.literal.string, n);
  p->object_len = n;
}

static void on_log(void *data, raptor_log_message *m)
{
  if (m->level >= RAPTOR_LOG_LEVEL_ERROR) ((parsed *)data)->errors++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  world = raptor_new_world();
  REQUIRE(world && raptor_world_open(world) == 0);
  return 0;
}

/* Strict UTF-8 of our own (not pv_utf8_seq_len's): the length of the
 * scalar value at s, or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  if (s[0] < 0x80) return 1;
  size_t len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
  if (!len || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (s[0] == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
  if (s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
  if (s[0] == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
  if (s[0] == 0xF4 && s[1] >= 0x90) return 0; /* past U+10FFFF */
  return len;
}

/* The text a literal must carry: the input, each byte of an invalid UTF-8
 * sequence replaced by U+FFFD. */
static size_t expected_text(char *dst, const unsigned char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t len = utf8_len(s + i, n - i);
    if (len) {
      memcpy(dst + o, s + i, len);
      o += len;
      i += len;
    } else {
      memcpy(dst + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    }
  }
  return o;
}

/* The literal body is legal N-Triples STRING_LITERAL_QUOTE content. */
static void check_literal_syntax(const char *e, size_t n)
{
  const unsigned char *s = (const unsigned char *)e;
  for (size_t i = 0; i < n;) {
    REQUIRE(s[i] != '"' && s[i] != '\n' && s[i] != '\r');
    if (s[i] == '\\') {
      REQUIRE(i + 1 < n);
      if (strchr("tbnrf\"'\\", s[i + 1]) && s[i + 1]) {
        i += 2;
      } else {
        size_t k = s[i + 1] == 'u' ? 4 : s[i + 1] == 'U' ? 8 : 0;
        REQUIRE(k && i + 2 + k <= n);
        for (size_t j = 0; j < k; j++) REQUIRE(strchr("0123456789ABCDEFabcdef", s[i + 2 + j]) && s[i + 2 + j]);
        i += 2 + k;
      }
      continue;
    }
    size_t len = utf8_len(s + i, n - i);
    REQUIRE(len);
    i += len;
  }
}

/* The IRI is legal IRIREF content without escapes. */
static void check_iri_syntax(const char *iri, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)iri[i];
    REQUIRE(c > 0x20 && c < 0x7F && !strchr("<>\"{}|^`\\", c));
    if (c == '%')
      REQUIRE(i + 2 < n && strchr("0123456789ABCDEF", iri[i + 1]) && iri[i + 1] &&
              strchr("0123456789ABCDEF", iri[i + 2]) && iri[i + 2]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2) return 0;
  int local = data[0] & 1;
  size_t host_len = data[1] % 64;
  if (size < 2 + host_len) return 0;
  const char *text = (const char *)data + 2 + host_len;
  size_t n = size - 2 - host_len;

  /* any bytes: the IRI encoding decodes to them */
  char *enc = malloc(PV_IRI_ENC_MAX(n) + 1), *dec = malloc(n + 1);
  size_t en = pv_iri_encode(enc, text, n, "/");
  REQUIRE(en <= PV_IRI_ENC_MAX(n));
  check_iri_syntax(enc, en);
  REQUIRE(pv_iri_decode(dec, enc, en) == n && memcmp(dec, text, n) == 0);

  /* the text as a path: canonical, and its file IRI maps back to it */
  pv_identity id;
  memset(&id, 0, sizeof id);
  memcpy(id.host, data + 2, host_len);
  id.host[strnlen(id.host, host_len)] = 0;
  pv_config cfg;
  memset(&cfg, 0, sizeof cfg);
  if (local) {
    cfg.local.count = 1;
    cfg.local.item[0] = "/";
    cfg.local.len[0] = 1;
  }
  char *path = strndup(text, n), canon[PV_PATH_MAX];
  size_t cn = pv_path_canon(canon, sizeof canon, "/work/dir", path);
  free(path);
  char *iri = malloc(PV_FILE_IRI_MAX(PV_PATH_MAX));
  size_t in = 0;
  if (cn) {
    REQUIRE(canon[0] == '/' && (cn == 1 || canon[cn - 1] != '/'));
    for (size_t i = 0; i + 1 < cn; i++) REQUIRE(!(canon[i] == '/' && canon[i + 1] == '/'));
    REQUIRE(!memmem(canon, cn, "/./", 3) && !memmem(canon, cn, "/../", 4));
    in = pv_file_iri(iri, &id, &cfg, canon, cn);
    REQUIRE(in <= PV_FILE_IRI_MAX(cn));
    check_iri_syntax(iri, in);
    char host[256], back[PV_PATH_MAX];
    size_t hl, pl;
    REQUIRE(pv_file_iri_parse(iri, in, host, sizeof host, &hl, back, sizeof back, &pl) == 0);
    size_t want_hl = local ? strlen(id.host) : 0;
    REQUIRE(hl == want_hl && memcmp(host, id.host, hl) == 0);
    REQUIRE(pl == cn && memcmp(back, canon, cn) == 0);
  } else {
    memcpy(iri, "file:///", 8);
    in = 8;
  }

  /* the text as a literal: legal, and raptor reads back the text meant.
   * Up to a NUL only: what provio records are C strings, and raptor ends a
   * literal's value at an escaped NUL. */
  n = strnlen(text, n);
  char *lit = malloc(PV_LITERAL_MAX(n) + 1), *want = malloc(3 * n + 1);
  size_t ln = pv_literal_escape(lit, text, n);
  REQUIRE(ln <= PV_LITERAL_MAX(n));
  check_literal_syntax(lit, ln);
  size_t wn = expected_text(want, (const unsigned char *)text, n);

  size_t cap = in + ln + 64;
  char *line = malloc(cap);
  size_t k = (size_t)snprintf(line, cap, "<%.*s> <urn:provio:p> \"%.*s\" .\n", (int)in, iri, (int)ln, lit);
  parsed p = {0};
  raptor_parser *rp = raptor_new_parser(world, "ntriples");
  raptor_world_set_log_handler(world, &p, on_log);
  raptor_parser_set_statement_handler(rp, &p, on_statement);
  raptor_uri *base = raptor_new_uri(world, (const unsigned char *)"urn:provio:base");
  raptor_parser_parse_start(rp, base);
  raptor_parser_parse_chunk(rp, (const unsigned char *)line, k, 1);
  raptor_free_parser(rp);
  raptor_free_uri(base);
  REQUIRE(p.errors == 0 && p.statements == 1);
  REQUIRE(p.subject_len == in && memcmp(p.subject, iri, in) == 0);
  REQUIRE(p.object_len == wn && memcmp(p.object, want, wn) == 0);
  free(p.subject);
  free(p.object);
  free(line);
  free(lit);
  free(want);
  free(iri);
  free(enc);
  free(dec);
  return 0;
}
