/* hdf5_plugin.c - libprovio_vol.so, the file HDF5 finds on HDF5_PLUGIN_PATH.
 *
 * Every HDF5 that searches HDF5_PLUGIN_PATH dlopens every library there and
 * asks it what it is: 1.10 when it looks for a filter, 1.12 and later for
 * connectors and filters too.  The connector itself (libprovio_h5vol.so)
 * links the HDF5 it is built for, and MPI through it; loaded into a process
 * that uses another HDF5 (Debian's 1.10 under h5py, a wheel's own copy) it
 * is a second HDF5 in one process.  So this file depends on nothing, and
 * answers only the HDF5 the connector is built for (hdf5_caller.h).  Any
 * other caller is told "not a plugin" (H5PL_TYPE_ERROR, which no search
 * of any version matches) and the connector is never loaded. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <H5PLextern.h>

#include "hdf5_caller.h"

#define PV_H5VOL_LIBRARY "libprovio_h5vol.so" /* in the directory above this one */

/* The connector's class, from the library beside this directory (loaded
 * once; HDF5 may ask again through its plugin cache). */
static const void *connector_class(void)
{
  Dl_info self;
  char path[PATH_MAX];
  if (!dladdr((void *)connector_class, &self) || !self.dli_fname) return NULL;
  const char *slash = strrchr(self.dli_fname, '/');
  int dir = slash ? (int)(slash - self.dli_fname) : 1;
  if (snprintf(path, sizeof path, "%.*s/../%s", dir, slash ? self.dli_fname : ".", PV_H5VOL_LIBRARY) >=
      (int)sizeof path)
    return NULL;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  const void *(*cls)(void) = h ? (const void *(*)(void))dlsym(h, "provio_h5vol_class") : NULL;
  return cls ? cls() : NULL;
}

__attribute__((visibility("default"))) H5PL_type_t H5PLget_plugin_type(void)
{
  return pv_h5_caller_is_ours(__builtin_return_address(0)) ? H5PL_TYPE_VOL : H5PL_TYPE_ERROR;
}

__attribute__((visibility("default"))) const void *H5PLget_plugin_info(void)
{
  return pv_h5_caller_is_ours(__builtin_return_address(0)) ? connector_class() : NULL;
}
