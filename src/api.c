/* api.c - the public calls of include/provio.h. */
#include "provio.h"

#include <errno.h>
#include <string.h>

#include "core.h"
#include "serialize.h"
#include "vocab.h"

#define STR(x) #x
#define XSTR(x) STR(x)

const char *provio_version(void)
{
  return XSTR(PROVIO_VERSION_MAJOR) "." XSTR(PROVIO_VERSION_MINOR) "." XSTR(PROVIO_VERSION_PATCH);
}

int provio_active(void)
{
  return __atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) == PV_ACTIVE;
}

/* <proc> provio:setting <s> . <s> a provio:Setting; provio:key "k"; provio:value "v" */
int provio_annotate(const char *key, const char *value)
{
  if (!key || !value) return -1;
  int saved = errno, rc = -1;
  pv_tls.depth++;
  pv_thread *t = pv_thread_current();
  size_t kl = strlen(key), vl = strlen(value);
  char *p = t ? pv_record_begin(t, 1024 + 6 * t->iri_len + 2 * pv_proc.id.proc_iri_len +
                                       PV_LITERAL_MAX(kl) + PV_LITERAL_MAX(vl))
              : NULL;
  if (p) {
    char s[PV_IRI_MAX + 64];
    size_t sl = pv_thread_new_iri(t, s, "s");
    p = PV_TRIPLE_IRI(p, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len, PV_TERM("setting"), s, sl);
    p = PV_TRIPLE_TYPE(p, s, sl, PV_TERM("Setting"));
    p = PV_TRIPLE_STRING(p, s, sl, PV_TERM("key"), key, kl);
    p = PV_TRIPLE_STRING(p, s, sl, PV_TERM("value"), value, vl);
    pv_record_end(t, p);
    rc = 0;
  }
  pv_tls.depth--;
  errno = saved;
  return rc;
}
