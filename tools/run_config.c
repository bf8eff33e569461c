/* run_config.c - provio-run's config file parser. */
#define _GNU_SOURCE
#include "run_config.h"

#include <string.h>

int pv_run_config_read(FILE *f, int (*set)(void *ctx, const char *name, const char *value), void *ctx,
                       char *err, size_t errlen)
{
  char line[8192];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *s = line + strspn(line, " \t");
    s[strcspn(s, "\r\n")] = 0;
    if (!*s || *s == '#') continue;
    char *eq = strchr(s, '=');
    if (!eq || strncmp(s, "PROVIO_", 7) != 0) {
      snprintf(err, errlen, "%d: expected PROVIO_NAME=VALUE", lineno);
      return -1;
    }
    *eq = 0;
    set(ctx, s, eq + 1);
  }
  return 0;
}
