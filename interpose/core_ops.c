/* core_ops.c - the table of core functions that separately built capture
 * modules write through (core_ops.h). */
#include "core_ops.h"

#include "trace.h"

static struct pv_tls *tls(void) { return &pv_tls; }
static int idle(int layer) { return PV_IDLE() || (layer != PV_LAYER_NONE && pv_tls.layer == layer); }
static void enter(void) { pv_tls.depth++; }
static void leave(void) { pv_tls.depth--; }
static int tracing(void) { return pv_tracing(); }

PV_EXPORT const struct provio_core_ops provio_core_ops_v1 = {
    .version = PROVIO_CORE_OPS_VERSION,
    .size = sizeof(struct provio_core_ops),
    .proc = &pv_proc,
    .tls = tls,
    .thread_current = pv_thread_current,
    .record_begin = pv_record_begin,
    .thread_new_iri = pv_thread_new_iri,
    .now_ns = pv_now_ns,
    .ticks_to_ns = pv_ticks_to_ns,
    .path_excluded = pv_path_excluded,
    .path_canon = pv_path_canon,
    .file_iri = pv_file_iri,
    .log = pv_log,
    .fail = pv_core_fail,
    .session_start = pv_session_start,
    .session_finish = pv_session_finish,
    .canon_at = pv_canon_at,
    .callsite_find = pv_callsite_find,
    .record_rank = pv_record_rank,
    .next_symbol = pv_next_symbol,
    .register_module = pv_module_register,
    .idle = idle,
    .enter = enter,
    .leave = leave,
    .layer_enter = pv_layer_enter,
    .layer_leave = pv_layer_leave,
    .tracing = tracing,
    .trace_fd = pv_trace_fd,
    .trace_path = pv_trace_path,
    .account_io = pv_account_io,
    .count = pv_count,
};
