/* process.c - the preload library's entry and exit: starts the recorder when
 * the library is loaded and finishes its files however the process ends. */
#include <pthread.h>

#include "core.h"

static void after_fork_child(void) { pv_core_after_fork_child(); }

/* glibc passes argc/argv to ELF constructors: the command line is known
 * without reading /proc. */
__attribute__((constructor)) static void provio_load(int argc, char **argv)
{
  pv_tls.depth++;
  if (pv_core_init(argc, argv) == 0) pthread_atfork(NULL, NULL, after_fork_child);
  pv_tls.depth--;
}

__attribute__((destructor)) static void provio_unload(void)
{
  pv_tls.depth++;
  pv_core_shutdown();
  pv_tls.depth--;
}
