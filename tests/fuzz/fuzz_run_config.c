/* fuzz_run_config - provio-run's --config parser (tools/run_config.c) on any
 * bytes.  Every setting it reports is one whole line of the file, NAME=VALUE
 * with a PROVIO_ name, in file order: nothing is made up from part of a line
 * or cut short. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_config.h"

#define REQUIRE(cond)                                                      \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "fuzz_run_config: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                             \
    }                                                                      \
  } while (0)

typedef struct cursor {
  const char *p, *end; /* the input lines not yet matched */
  int settings;
} cursor;

/* The next line of the input that, without leading blanks and its line
 * end, is exactly name=value. */
static int on_set(void *ctx, const char *name, const char *value)
{
  cursor *c = ctx;
  REQUIRE(strncmp(name, "PROVIO_", 7) == 0 && name[7]);
  for (const char *s = name; *s; s++) REQUIRE((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_');
  size_t nl = strlen(name), vl = strlen(value);
  while (c->p < c->end) {
    const char *e = memchr(c->p, '\n', (size_t)(c->end - c->p));
    e = e ? e : c->end;
    const char *s = c->p + strspn(c->p, " \t");
    size_t len = (size_t)(e - s);
    if (len && s[len - 1] == '\r') len--;
    c->p = e + (e < c->end);
    if (s < e && len == nl + 1 + vl && memcmp(s, name, nl) == 0 && s[nl] == '=' && memcmp(s + nl + 1, value, vl) == 0) {
      c->settings++;
      return 0;
    }
  }
  REQUIRE(!"a setting that is no line of the file");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!size) return 0;
  FILE *f = fmemopen((void *)data, size, "r");
  REQUIRE(f);
  cursor c = {(const char *)data, (const char *)data + size, 0};
  char err[128] = "";
  int rc = pv_run_config_read(f, on_set, &c, err, sizeof err);
  fclose(f);
  REQUIRE(rc == 0 || (rc == -1 && err[0] >= '1' && err[0] <= '9'));
  return 0;
}
