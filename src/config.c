/* config.c - run-time settings from the environment. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

/* The dynamic loader's own files are read by every process and say nothing
 * about the job's data; the kernel's pseudo file systems neither. */
#define DEFAULT_EXCLUDE "/proc:/sys:/dev:/etc/ld.so.cache:/lib:/lib64:/usr/lib:/usr/lib64"
#define DEFAULT_INCLUDE "/dev/shm"
#define DEFAULT_LOCAL "/tmp:/var/tmp:/dev/shm:/run"

static char exclude_storage[4096], include_storage[1024], local_storage[2048];

void pv_prefix_list_parse(pv_prefix_list *l, const char *spec, char *storage, size_t cap)
{
  l->count = 0;
  if (!spec || cap == 0) return;
  size_t n = strlen(spec);
  if (n >= cap) n = cap - 1;
  memcpy(storage, spec, n);
  storage[n] = 0;
  char *p = storage;
  while (*p && l->count < PV_MAX_PREFIXES) {
    char *end = strchr(p, ':');
    if (end) *end = 0;
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/') p[--len] = 0; /* "/tmp/" == "/tmp" */
    if (len) {
      l->item[l->count] = p;
      l->len[l->count] = len;
      l->count++;
    }
    if (!end) break;
    p = end + 1;
  }
}

int pv_prefix_list_match(const pv_prefix_list *l, const char *path, size_t n)
{
  for (int i = 0; i < l->count; i++) {
    size_t len = l->len[i];
    if (n < len || memcmp(path, l->item[i], len) != 0) continue;
    if (n == len || path[len] == '/' || (len == 1 && l->item[i][0] == '/')) return 1;
  }
  return 0;
}

static const char *env_or(const char *name, const char *fallback)
{
  const char *v = getenv(name);
  return v ? v : fallback;
}

void pv_config_load(pv_config *c, const char **warning)
{
  memset(c, 0, sizeof *c);
  if (warning) *warning = NULL;
  const char *dir = getenv("PROVIO_DIR");
  c->dir = dir && *dir ? dir : NULL;
  const char *log = getenv("PROVIO_LOG");
  c->log_path = log && *log ? log : NULL;
  const char *job = getenv("PROVIO_JOB_ID");
  c->job = job && *job ? job : NULL;

  const char *mode = getenv("PROVIO_MODE");
  if (!mode || !*mode || strcmp(mode, "summary") == 0) {
    c->mode = PV_MODE_SUMMARY;
  } else if (strcmp(mode, "trace") == 0) {
    c->mode = PV_MODE_TRACE;
  } else {
    c->mode = PV_MODE_SUMMARY;
    if (warning) *warning = "PROVIO_MODE is neither summary nor trace; using summary";
  }
  const char *cs = getenv("PROVIO_CALLSITES");
  c->callsites = !(cs && (strcmp(cs, "0") == 0 || strcmp(cs, "off") == 0 || strcmp(cs, "no") == 0));

  pv_prefix_list_parse(&c->exclude, env_or("PROVIO_EXCLUDE", DEFAULT_EXCLUDE), exclude_storage,
                       sizeof exclude_storage);
  pv_prefix_list_parse(&c->include, env_or("PROVIO_INCLUDE", DEFAULT_INCLUDE), include_storage,
                       sizeof include_storage);
  pv_prefix_list_parse(&c->local, env_or("PROVIO_LOCAL", DEFAULT_LOCAL), local_storage,
                       sizeof local_storage);
}
