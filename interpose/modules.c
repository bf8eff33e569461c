/* modules.c - the registry of capture modules (interpose.h).  Modules in
 * libraries of their own register through core_ops.h's table. */
#include "interpose.h"

/* The linker's bounds of the PV_MODULE entries of libprovio.so. */
extern pv_module *const __start_pv_modules[] __attribute__((visibility("hidden")));
extern pv_module *const __stop_pv_modules[] __attribute__((visibility("hidden")));

static pv_module *registered; /* modules of other libraries, last registered first */

void pv_module_register(pv_module *m)
{
  m->next = __atomic_load_n(&registered, __ATOMIC_ACQUIRE);
  while (!__atomic_compare_exchange_n(&registered, &m->next, m, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    ;
}

void pv_modules_run(enum pv_hook hook)
{
  for (pv_module *const *e = __start_pv_modules; e < __stop_pv_modules; e++)
    if ((*e)->hook[hook]) (*e)->hook[hook]();
  for (pv_module *m = __atomic_load_n(&registered, __ATOMIC_ACQUIRE); m; m = m->next)
    if (m->hook[hook]) m->hook[hook]();
}

void pv_resolve_all(void)
{
  enum { NOT_YET, UNDER_WAY, DONE };
  static int state;
  static __thread int resolver __attribute__((tls_model("initial-exec")));
  int expected = NOT_YET;
  if (__atomic_compare_exchange_n(&state, &expected, UNDER_WAY, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    resolver = 1;
    pv_modules_run(PV_HOOK_RESOLVE);
    resolver = 0;
    __atomic_store_n(&state, DONE, __ATOMIC_RELEASE);
    return;
  }
  /* Another thread (one started by an earlier library's constructor) waits
   * for the pointers instead of calling through NULL; the resolving
   * thread itself, re-entered from dlsym, cannot wait for itself. */
  if (resolver) return;
  while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != DONE) pv_cpu_relax();
}
