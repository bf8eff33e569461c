/* hdf5_env.c - HDF5_VOL_CONNECTOR as each caller would see it untracked.
 *
 * provio-run points HDF5_VOL_CONNECTOR at the provio connector for every
 * process it starts, and keeps what the user had in
 * PROVIO_HDF5_USER_VOL_CONNECTOR (empty: unset).  An HDF5 of 1.12 or later
 * that is not provio's (a wheel's private copy) reads the variable when it
 * initialises, cannot load the connector (hdf5_caller.h) and would then
 * fail every call; the program itself may print or pass on the variable.
 * So the provio connector is what provio's HDF5 reads, and every other
 * caller reads the user's value. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "hdf5_caller.h"
#include "interpose.h"

/* glibc's getenv is this scan of environ: done here, nothing needs
 * resolving before the first call (which comes before any constructor).
 * The first two bytes are compared before any call: a start (setlocale
 * alone asks for a dozen names, provio's own settings for forty) scans the
 * whole environment about fifty times. */
static char *lookup(const char *name)
{
  size_t n = strlen(name);
  for (char **e = environ; e && *e; e++) {
    const char *v = *e;
    if (v[0] != name[0] || (n > 1 && v[1] != name[1])) continue;
    if (strncmp(v, name, n) == 0 && v[n] == '=') return (char *)v + n + 1;
  }
  return NULL;
}

PV_EXPORT char *getenv(const char *name)
{
  if (!*name) return NULL;
  char *v = lookup(name);
  if (!v || name[0] != 'H' || strcmp(name, "HDF5_VOL_CONNECTOR") != 0 || strncmp(v, "provio", 6) != 0)
    return v;
  char *user = lookup("PROVIO_HDF5_USER_VOL_CONNECTOR");
  if (!user || pv_h5_caller_is_ours(__builtin_return_address(0))) return v;
  return *user ? user : NULL;
}
