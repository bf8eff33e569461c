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
  /* Each lookup fills its pointer once, whoever does it first: threads
   * racing here or in PV_REAL only repeat a lookup. */
  static int done;
  if (__atomic_load_n(&done, __ATOMIC_ACQUIRE)) return;
  pv_modules_run(PV_HOOK_RESOLVE);
  __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
}
