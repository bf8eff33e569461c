/* hdf5_caller.h - whether a caller is the HDF5 the provio connector is
 * built for: the library loaded under that HDF5's soname (the one the
 * connector's own dependency resolves to).  Another HDF5 in the process
 * (Debian's 1.10 under h5py, a wheel's private copy) must get neither the
 * connector nor provio's HDF5_VOL_CONNECTOR (docs/hdf5.md). */
#ifndef PROVIO_HDF5_CALLER_H
#define PROVIO_HDF5_CALLER_H

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#ifndef PROVIO_HDF5_SONAME
#error "PROVIO_HDF5_SONAME: the soname of the HDF5 the connector links"
#endif

/* Whether the code at ret belongs to that library: the object it lies in
 * was loaded under that soname.  _dl_find_object (glibc 2.35) takes no
 * lock and allocates nothing: this runs inside getenv, where dlopen could
 * deadlock against a thread holding the loader lock, and must not touch
 * the caller's dlerror().  No HDF5 call either, as the caller may be
 * initialising.  A library dlopen'ed under another name is not taken for
 * ours: it then runs untracked, never with a foreign connector. */
static inline int pv_h5_caller_is_ours(const void *ret)
{
  struct dl_find_object o;
  if (_dl_find_object((void *)ret, &o) != 0 || !o.dlfo_link_map || !o.dlfo_link_map->l_name) return 0;
  const char *name = o.dlfo_link_map->l_name, *base = strrchr(name, '/');
  return strcmp(base ? base + 1 : name, PROVIO_HDF5_SONAME) == 0;
}

#endif
