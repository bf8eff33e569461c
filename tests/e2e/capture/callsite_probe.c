/* callsite_probe DIR - opens one file directly from write_direct() and one
 * through a library from write_report(): provio:callSite must name them. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int fake_library_write(const char *path);

__attribute__((noinline)) int write_direct(void)
{
  int fd = open("direct.dat", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ssize_t n = write(fd, "direct\n", 7);
  return close(fd) == 0 && n == 7 ? 0 : 1;
}

__attribute__((noinline)) int write_report(void) { return fake_library_write("via_lib.dat") ? 1 : 0; }

int main(int argc, char **argv)
{
  if (argc != 2 || chdir(argv[1]) != 0) return 2;
  return write_direct() | write_report();
}
