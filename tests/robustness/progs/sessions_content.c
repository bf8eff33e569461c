/* sessions_content DIR - the ways a session meets a file's content, one
 * file each in DIR (trunc.txt, app.txt, idle.txt, emptied.txt exist and
 * are not empty; new.txt and idle-new.txt do not exist):
 *   trunc.txt     opened O_TRUNC, written: new content
 *   new.txt       created, written: new content (it was empty)
 *   app.txt       appended to: a revision
 *   emptied.txt   ftruncate(0) then written: new content
 *   idle.txt      O_RDWR|O_CREAT, nothing written: no change
 *   idle-new.txt  created O_RDWR|O_CREAT, nothing written: no change */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int at(const char *dir, const char *name, int flags)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, flags, 0600);
  printf("%s fd=%d errno=%d\n", name, fd, fd < 0 ? errno : 0);
  return fd;
}

static void put(int fd, const char *s)
{
  ssize_t n = write(fd, s, strlen(s));
  printf(" wrote=%zd close=%d\n", n, close(fd));
}

int main(int argc, char **argv)
{
  if (argc != 2) return 2;
  put(at(argv[1], "trunc.txt", O_WRONLY | O_TRUNC), "new\n");
  put(at(argv[1], "new.txt", O_WRONLY | O_CREAT | O_EXCL), "new\n");
  put(at(argv[1], "app.txt", O_WRONLY | O_APPEND), "more\n");
  int fd = at(argv[1], "emptied.txt", O_RDWR);
  printf(" ftruncate=%d", ftruncate(fd, 0));
  put(fd, "new\n");
  printf(" close=%d\n", close(at(argv[1], "idle.txt", O_RDWR | O_CREAT)));
  printf(" close=%d\n", close(at(argv[1], "idle-new.txt", O_RDWR | O_CREAT)));
  return 0;
}
