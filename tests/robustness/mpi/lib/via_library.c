/* mpiio_roundtrip reached through a library: the program itself links no
 * MPI (as one using MPI only through parallel HDF5 or PETSc). */
int roundtrip(int argc, char **argv);

int main(int argc, char **argv) { return roundtrip(argc, argv); }
