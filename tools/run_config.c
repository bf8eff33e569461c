/* run_config.c - provio-run's config file parser. */
#define _GNU_SOURCE
#include "run_config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* A name the command's own environment cannot have been meant by: a typo
 * such as "PROVIO_DIR =" would otherwise set a variable nobody reads. */
static int name_ok(const char *s, size_t n)
{
  if (n <= 7 || strncmp(s, "PROVIO_", 7) != 0) return 0;
  for (size_t i = 7; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) return 0;
  return 1;
}

int pv_run_config_read(FILE *f, int (*set)(void *ctx, const char *name, const char *value), void *ctx,
                       char *err, size_t errlen)
{
  /* getline, not a fixed buffer: a long line must not be cut in two, the
   * second part read as a line of its own; and its length shows a NUL,
   * which would silently end a value early. */
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int lineno = 0, rc = 0;
  while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    const char *problem = NULL;
    /* only the line end (LF or CRLF) goes: a CR inside a value is part of it */
    if (len && line[len - 1] == '\n') line[--len] = 0;
    if (len && line[len - 1] == '\r') line[--len] = 0;
    char *s = line + strspn(line, " \t"), *eq = strchr(s, '=');
    if (memchr(line, 0, (size_t)len)) {
      problem = "NUL byte in the line";
    } else if (!*s || *s == '#') {
      continue;
    } else if (!eq || !name_ok(s, (size_t)(eq - s))) {
      problem = "expected PROVIO_NAME=VALUE";
    } else {
      *eq = 0;
      if (set(ctx, s, eq + 1) != 0) problem = "cannot set it";
    }
    if (problem) {
      snprintf(err, errlen, "%d: %s", lineno, problem);
      rc = -1;
    }
  }
  if (rc == 0 && ferror(f)) {
    snprintf(err, errlen, "%d: read error", lineno + 1);
    rc = -1;
  }
  free(line);
  return rc;
}
