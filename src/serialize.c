/* serialize.c - N-Triples escaping and the reversible path <-> IRI mapping. */
#include "serialize.h"

#include <string.h>

static const char hex_digits[] = "0123456789ABCDEF";

/* pass[c]: byte c may stand as itself in an IRI (RFC 3986 unreserved),
 * and for paths '/' too: one load a byte (every record names its files). */
#define UNRESERVED ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1
static const unsigned char pass_unreserved[256] = {UNRESERVED};
static const unsigned char pass_path[256] = {UNRESERVED, ['/'] = 1};
#undef UNRESERVED

size_t pv_iri_encode(char *dst, const char *src, size_t n, const char *keep)
{
  unsigned char built[256];
  const unsigned char *pass = pass_unreserved;
  if (keep && keep[0] == '/' && !keep[1]) {
    pass = pass_path;
  } else if (keep && keep[0]) {
    memcpy(built, pass_unreserved, sizeof built);
    for (const char *k = keep; *k; k++)
      if (*k != '%') built[(unsigned char)*k] = 1;
    pass = built;
  }
  char *out = dst;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)src[i];
    if (pass[c]) {
      *out++ = (char)c;
    } else {
      *out++ = '%';
      *out++ = hex_digits[c >> 4];
      *out++ = hex_digits[c & 15];
    }
  }
  return (size_t)(out - dst);
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

size_t pv_iri_decode(char *dst, const char *src, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (src[i] != '%') {
      dst[o++] = src[i];
      continue;
    }
    if (i + 2 >= n) return (size_t)-1;
    int hi = hex_value(src[i + 1]), lo = hex_value(src[i + 2]);
    if (hi < 0 || lo < 0) return (size_t)-1;
    dst[o++] = (char)(hi << 4 | lo);
    i += 2;
  }
  return o;
}

size_t pv_utf8_seq_len(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  /* Overlong forms, surrogates and values past U+10FFFF are not Unicode
   * scalar values, and a strict parser rejects them. */
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

/* Whether none of the 8 bytes in x needs escaping in a literal: each is
 * printable ASCII (0x20..0x7E) and neither '"' nor '\\'.  Call sites, API
 * names and paths are mostly such text, and are copied 8 bytes a step. */
static int plain_word(uint64_t x)
{
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
#define HAS_ZERO(v) (((v) - ones) & ~(v) & highs)
  uint64_t below_space = (x - ones * 0x20) & ~x & highs;   /* some byte < 0x20 */
  uint64_t from_del = ((x + ones * 0x01) | x) & highs;      /* some byte >= 0x7F */
  return !(below_space | from_del | HAS_ZERO(x ^ (ones * '"')) | HAS_ZERO(x ^ (ones * '\\')));
#undef HAS_ZERO
}

size_t pv_literal_escape(char *dst, const char *src, size_t n)
{
  char *out = dst;
  const unsigned char *s = (const unsigned char *)src;
  size_t i = 0;
  while (i < n) {
    uint64_t word;
    if (n - i >= 8 && (memcpy(&word, s + i, 8), plain_word(word))) {
      memcpy(out, &word, 8);
      out += 8;
      i += 8;
      continue;
    }
    unsigned char c = s[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      *out++ = (char)c;
      i++;
      continue;
    }
    switch (c) {
    case '"': *out++ = '\\'; *out++ = '"'; i++; continue;
    case '\\': *out++ = '\\'; *out++ = '\\'; i++; continue;
    case '\n': *out++ = '\\'; *out++ = 'n'; i++; continue;
    case '\r': *out++ = '\\'; *out++ = 'r'; i++; continue;
    case '\t': *out++ = '\\'; *out++ = 't'; i++; continue;
    default: break;
    }
    if (c < 0x80) { /* remaining C0 controls and DEL */
      memcpy(out, "\\u00", 4);
      out[4] = hex_digits[c >> 4];
      out[5] = hex_digits[c & 15];
      out += 6;
      i++;
      continue;
    }
    size_t len = pv_utf8_seq_len(s + i, n - i);
    if (len) {
      memcpy(out, s + i, len);
      out += len;
      i += len;
    } else {
      memcpy(out, "\\uFFFD", 6);
      out += 6;
      i++;
    }
  }
  return (size_t)(out - dst);
}

/* Two digits per step: a division by 100 and a table copy cost what one
 * digit did (records are formatted inside intercepted calls). */
static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* Writes v's decimal digits so that they end just before end; returns where
 * they start. */
static char *digits_before(char *end, uint64_t v)
{
  while (v >= 100) {
    end -= 2;
    memcpy(end, digit_pairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    end -= 2;
    memcpy(end, digit_pairs + 2 * v, 2);
  } else {
    *--end = (char)('0' + v);
  }
  return end;
}

size_t pv_fmt_u64(char *dst, uint64_t v)
{
  char tmp[20];
  char *start = digits_before(tmp + sizeof tmp, v);
  size_t n = (size_t)(tmp + sizeof tmp - start);
  memcpy(dst, start, n);
  return n;
}

void pv_put_fixed(char *p, uint64_t v)
{
  /* One constant-size fill (two stores), then the digits and the quote over
   * its end. */
  memset(p, ' ', PV_FIXED_WIDTH);
  *(digits_before(p + PV_FIXED_WIDTH, v) - 1) = '"';
}

size_t pv_fmt_i64(char *dst, int64_t v)
{
  if (v >= 0) return pv_fmt_u64(dst, (uint64_t)v);
  dst[0] = '-';
  return 1 + pv_fmt_u64(dst + 1, (uint64_t)0 - (uint64_t)v);
}

static void put2(char *dst, unsigned v) { memcpy(dst, digit_pairs + 2 * v, 2); }

/* "YYYY-MM-DDTHH:MM:SS." of secs since the epoch. */
static void fmt_second(char *dst, int64_t secs)
{
  /* Civil date from days since the epoch (Howard Hinnant's algorithm):
   * gmtime_r would do, but may take a lock on some libcs. */
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) { rem += 86400; days--; }
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  unsigned doe = (unsigned)(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t year = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned day = doy - (153 * mp + 2) / 5 + 1;
  unsigned month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) year++;
  unsigned y = (unsigned)year % 10000;
  put2(dst, y / 100);
  put2(dst + 2, y % 100);
  dst[4] = '-';
  put2(dst + 5, month);
  dst[7] = '-';
  put2(dst + 8, day);
  dst[10] = 'T';
  put2(dst + 11, (unsigned)(rem / 3600));
  dst[13] = ':';
  put2(dst + 14, (unsigned)(rem / 60 % 60));
  dst[16] = ':';
  put2(dst + 17, (unsigned)(rem % 60));
  dst[19] = '.';
}

/* The last second formatted, shared by all threads under a sequence
 * counter (odd while being written): a reader that saw the counter change
 * formats the second itself, a writer that finds it taken does not cache.
 * No lock, and records are written many times a second. */
#define SECOND_WORDS 3 /* the 20 bytes of "YYYY-MM-DDTHH:MM:SS." */
static struct {
  unsigned seq;
  int64_t secs;
  uint64_t text[SECOND_WORDS];
} second_cache = {0, INT64_MIN, {0}};

static void cached_second(char *dst, int64_t secs)
{
  uint64_t words[SECOND_WORDS];
  unsigned seq = __atomic_load_n(&second_cache.seq, __ATOMIC_ACQUIRE);
  if (!(seq & 1) && __atomic_load_n(&second_cache.secs, __ATOMIC_RELAXED) == secs) {
    for (int i = 0; i < SECOND_WORDS; i++) words[i] = __atomic_load_n(&second_cache.text[i], __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&second_cache.seq, __ATOMIC_RELAXED) == seq) {
      memcpy(dst, words, 20);
      return;
    }
  }
  fmt_second((char *)words, secs);
  memcpy(dst, words, 20);
  if ((seq & 1) || !__atomic_compare_exchange_n(&second_cache.seq, &seq, seq + 1, 0, __ATOMIC_ACQUIRE,
                                                __ATOMIC_RELAXED))
    return;
  __atomic_thread_fence(__ATOMIC_RELEASE); /* the odd count before the text */
  __atomic_store_n(&second_cache.secs, secs, __ATOMIC_RELAXED);
  for (int i = 0; i < SECOND_WORDS; i++) __atomic_store_n(&second_cache.text[i], words[i], __ATOMIC_RELAXED);
  __atomic_store_n(&second_cache.seq, seq + 2, __ATOMIC_RELEASE);
}

size_t pv_fmt_datetime(char *dst, int64_t unix_ns)
{
  int64_t secs = unix_ns / 1000000000;
  int64_t ns = unix_ns % 1000000000;
  if (ns < 0) { ns += 1000000000; secs--; }
  cached_second(dst, secs);
  unsigned us = (unsigned)(ns / 1000);
  put2(dst + 20, us / 10000);
  put2(dst + 22, us / 100 % 100);
  put2(dst + 24, us % 100);
  dst[26] = 'Z';
  return PV_DATETIME_LEN;
}
