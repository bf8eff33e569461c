/* run_config.h - provio-run's --config file: NAME=VALUE lines, # comments. */
#ifndef PROVIO_RUN_CONFIG_H
#define PROVIO_RUN_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* Reads f to its end and calls set(ctx, name, value) for each setting, in
 * order; a non-zero return from set stops the reading.  Names must be
 * PROVIO_ followed by [A-Z0-9_], so that a config file cannot change what
 * the command itself sees.  Returns 0, or -1 with "LINE: what" in err. */
int pv_run_config_read(FILE *f, int (*set)(void *ctx, const char *name, const char *value), void *ctx,
                       char *err, size_t errlen);

#endif
