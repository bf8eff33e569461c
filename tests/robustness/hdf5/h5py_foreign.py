"""An h5py program on Debian's own HDF5 (1.10, not provio's): writes and
reads a file, asks for filters HDF5 looks for on HDF5_PLUGIN_PATH, and
prints whether a second HDF5 (or MPI) got into the process."""
import h5py
import numpy as np

print("hdf5", h5py.version.hdf5_version)
with h5py.File("foreign.h5", "w") as f:
    f.create_dataset("d", data=np.arange(10))
for fid in (32004, 307):  # LZ4 and bzip2: dynamically loaded filters
    print(fid, "available:", h5py.h5z.filter_avail(fid))
with h5py.File("foreign.h5", "r") as f:
    print("sum", int(f["d"][:].sum()))
maps = open("/proc/self/maps").read()
print("second hdf5:", "libhdf5.so.310" in maps, "mpi:", "libmpi" in maps)
