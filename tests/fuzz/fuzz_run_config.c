/* fuzz_run_config - the configuration file parser (src/config.c, shared by
 * libprovio.so's PROVIO_CONFIG and provio-run --config) on any bytes.
 * Every setting it reports is one whole line of the file, "KEY = VALUE"
 * with blanks only around the two, in file order; each line is reported at
 * most once, as a setting or as a problem; nothing is made up from part
 * of a line or cut short. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define REQUIRE(cond)                                                      \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "fuzz_run_config: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                             \
    }                                                                      \
  } while (0)

typedef struct cursor {
  const char *data, *end; /* the input as given */
  int last_line;          /* the line last reported */
} cursor;

static int blank(char c) { return c == ' ' || c == '\t'; }

/* Line number n (from 1) of the input, without its line end. */
static const char *input_line(const cursor *c, int n, size_t *len)
{
  const char *p = c->data;
  for (int i = 1; i < n; i++) {
    const char *nl = memchr(p, '\n', (size_t)(c->end - p));
    REQUIRE(nl);
    p = nl + 1;
  }
  REQUIRE(p < c->end);
  const char *nl = memchr(p, '\n', (size_t)(c->end - p));
  const char *e = nl ? nl : c->end;
  if (e > p && e[-1] == '\r') e--;
  *len = (size_t)(e - p);
  return p;
}

static void next_line(cursor *c, int line)
{
  REQUIRE(line > c->last_line);
  c->last_line = line;
}

static void on_setting(void *ctx, int line, const char *key, const char *value)
{
  cursor *c = ctx;
  next_line(c, line);
  size_t kl = strlen(key), vl = strlen(value), n;
  REQUIRE(kl > 0);
  for (const char *s = key; *s; s++)
    REQUIRE((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_');
  REQUIRE(!vl || (!blank(value[0]) && !blank(value[vl - 1])));
  const char *s = input_line(c, line, &n), *e = s + n;
  while (s < e && blank(*s)) s++;
  REQUIRE((size_t)(e - s) >= kl && memcmp(s, key, kl) == 0);
  for (s += kl; s < e && blank(*s); s++)
    ;
  REQUIRE(s < e && *s == '=');
  for (s++; s < e && blank(*s); s++)
    ;
  REQUIRE((size_t)(e - s) >= vl && memcmp(s, value, vl) == 0);
  for (s += vl; s < e; s++) REQUIRE(blank(*s));
}

static void on_problem(void *ctx, int line, const char *what)
{
  cursor *c = ctx;
  next_line(c, line);
  size_t n;
  input_line(c, line, &n);
  REQUIRE(what && *what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1); /* the parser may end the last value in the byte after */
  REQUIRE(text);
  memcpy(text, data, size);
  cursor c = {(const char *)data, (const char *)data + size, 0};
  pv_config_parse(text, size, on_setting, on_problem, &c);
  free(text);
  return 0;
}
