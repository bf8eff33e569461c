/* A stand-in for an I/O library (its name starts with "libmpi", which the
 * call-site walk treats as infrastructure): the file it opens must be
 * attributed to the application function that called it. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int fake_library_write(const char *path)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  ssize_t n = write(fd, "via library\n", 12);
  return close(fd) == 0 && n == 12 ? 0 : -1;
}
