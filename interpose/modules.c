/* modules.c - the registry of capture modules (interpose.h) and the table
 * through which modules in their own libraries reach the core
 * (module_api.h). */
#include "module_api.h"
#include "trace.h"

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
  static int resolving;
  if (__atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL)) return;
  pv_modules_run(PV_HOOK_RESOLVE);
}

/* ---- the table for modules in other libraries ------------------------------- */

static int api_idle(int layer) { return PV_IDLE() || (layer != PV_LAYER_NONE && pv_tls.layer == layer); }
static void api_enter(void) { pv_tls.depth++; }
static void api_leave(void) { pv_tls.depth--; }
static int api_tracing(void) { return pv_tracing(); }

PV_EXPORT const pv_module_api pv_module_core = {
    .version = PV_MODULE_API_VERSION,
    .register_module = pv_module_register,
    .idle = api_idle,
    .enter = api_enter,
    .leave = api_leave,
    .layer_enter = pv_layer_enter,
    .layer_leave = pv_layer_leave,
    .tracing = api_tracing,
    .trace_fd = pv_trace_fd,
    .trace_path = pv_trace_path,
    .canon_at = pv_canon_at,
    .path_excluded = pv_path_excluded,
    .callsite_find = pv_callsite_find,
    .session_start = pv_session_start,
    .session_finish = pv_session_finish,
    .account_io = pv_account_io,
    .count = pv_count,
    .record_rank = pv_record_rank,
};
