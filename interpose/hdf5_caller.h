/* hdf5_caller.h - whether a caller is the HDF5 the provio connector is
 * built for: the library loaded under that HDF5's soname (the one the
 * connector's own dependency resolves to).  Another HDF5 in the process
 * (Debian's 1.10 under h5py, a wheel's private copy) must get neither the
 * connector nor provio's HDF5_VOL_CONNECTOR (docs/hdf5.md). */
#ifndef PROVIO_HDF5_CALLER_H
#define PROVIO_HDF5_CALLER_H

#include <dlfcn.h>

#ifndef PROVIO_HDF5_SONAME
#error "PROVIO_HDF5_SONAME: the soname of the HDF5 the connector links"
#endif

/* Whether the code at ret belongs to that library.  Asks the dynamic
 * loader only: no HDF5 call, as the caller may be initialising. */
static inline int pv_h5_caller_is_ours(const void *ret)
{
  void *h = dlopen(PROVIO_HDF5_SONAME, RTLD_LAZY | RTLD_NOLOAD);
  if (!h) return 0;
  Dl_info caller, ours;
  void *sym = dlsym(h, "H5open");
  int same = sym && dladdr(ret, &caller) && dladdr(sym, &ours) && caller.dli_fbase == ours.dli_fbase;
  dlclose(h);
  return same;
}

#endif
