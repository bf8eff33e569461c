"""What libprovio.so puts into every process's symbol namespace: the public
API (provio_*), the functions it wraps, and nothing of its core.  The
HDF5 plugin exports only the two entry points HDF5 looks up, and pulls in
nothing."""
import os
import re
import subprocess

from harness import PROVIO_LIB, check, main


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def libc_path(lib):
    out = subprocess.run(["ldd", lib], capture_output=True, text=True, check=True).stdout
    m = re.search(r"libc\.so\.6 => (\S+)", out)
    check(m, f"no libc in ldd {lib}: {out}")
    return m.group(1)


def case_libprovio(work):
    """Every export is provio_* (include/provio.h and the core's one table
    for separately built modules) or a function a C library defines (a
    wrapper): this libc's, or the __isoc23_ forms of glibc 2.38 and later.
    No MPI function: those live in the MPI modules (docs/mpi.md)."""
    libc = exported(libc_path(PROVIO_LIB))
    ours = exported(PROVIO_LIB)
    stray = sorted(s for s in ours if not (s.startswith("provio_") or s in libc or
                                           s.startswith("__isoc23_")))
    check(not stray, f"libprovio.so exports {len(stray)} symbols it must not: {stray}")
    check("provio_core_ops_v1" in ours and "read" in ours, f"expected exports missing: {sorted(ours)}")


def case_vol_plugin(work):
    """The plugin HDF5 dlopens exports its two entry points and depends on
    no library but libc (hdf5_plugin.c); the connector it loads exports
    the one function the plugin asks for."""
    here = os.path.dirname(PROVIO_LIB)
    plugin = os.path.join(here, "hdf5", "libprovio_vol.so")
    if not os.path.exists(plugin):
        return  # built without HDF5
    ours = exported(plugin)
    check(ours == {"H5PLget_plugin_type", "H5PLget_plugin_info"}, f"libprovio_vol.so exports {sorted(ours)}")
    needed = subprocess.run(["objdump", "-p", plugin], capture_output=True, text=True, check=True).stdout
    needed = sorted(re.findall(r"NEEDED\s+(\S+)", needed))
    check(set(needed) <= {"libc.so.6", "libdl.so.2"}, f"libprovio_vol.so needs {needed}")
    connector = exported(os.path.join(here, "libprovio_h5vol.so"))
    check(connector == {"provio_h5vol_class"}, f"libprovio_h5vol.so exports {sorted(connector)}")

if __name__ == "__main__":
    main()
