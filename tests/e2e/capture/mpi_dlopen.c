/* mpi_dlopen MODULE PATH - runs libmpi_module.so's mpi_module_run(PATH)
 * from a program that does not link MPI, the module loaded RTLD_LOCAL. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
  if (argc != 3) return 2;
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "mpi_dlopen: %s\n", dlerror());
    return 3;
  }
  int (*run)(int, char **, const char *) = (int (*)(int, char **, const char *))dlsym(h, "mpi_module_run");
  return run ? run(argc, argv, argv[2]) : 4;
}
