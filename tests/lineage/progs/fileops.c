/* fileops LABEL OP... - a scripted sequence of file calls, so each lineage
 * case states in its command line exactly what its processes did and in
 * which order.  LABEL only names the process (its command line) in the
 * case's expectations.  Slots are one letter; the data read so far is kept
 * and is what every write writes (a fixed line before any read).
 *
 *   open S PATH MODE  r, w (create, truncate), a (append), rw (O_RDWR|O_CREAT)
 *   fd S N            use the inherited descriptor N
 *   read S            read to end of file
 *   write S           write the data read so far
 *   fsync S, close S
 *   post N, wait N    write / read one byte on descriptor N (a pipe between
 *                     processes of the case: ordering without sleeps)
 *   child OP... end   fork; the child runs OP... and exits, the parent waits
 *                     for it and goes on after "end"
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int slot[128];
static char data[1 << 20];
static size_t len;

static void die(const char *what, const char *arg)
{
  fprintf(stderr, "fileops: %s %s: ", what, arg);
  perror(NULL);
  exit(1);
}

static int mode_flags(const char *m)
{
  if (!strcmp(m, "r")) return O_RDONLY;
  if (!strcmp(m, "w")) return O_WRONLY | O_CREAT | O_TRUNC;
  if (!strcmp(m, "a")) return O_WRONLY | O_CREAT | O_APPEND;
  if (!strcmp(m, "rw")) return O_RDWR | O_CREAT;
  fprintf(stderr, "fileops: bad mode %s\n", m);
  exit(2);
}

static int *at(const char *s) { return &slot[(unsigned char)s[0] & 127]; }

/* Runs ops from argv[i]; returns the index after an "end" (or argc). */
static int run(int argc, char **argv, int i)
{
  while (i < argc) {
    const char *op = argv[i++];
    if (!strcmp(op, "end")) return i;
    if (!strcmp(op, "child")) {
      pid_t pid = fork();
      if (pid < 0) die("fork", "");
      if (pid == 0) {
        run(argc, argv, i);
        exit(0);
      }
      int st;
      if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) die("child", "failed");
      for (int depth = 1; depth && i < argc; i++)
        depth += !strcmp(argv[i], "child") - !strcmp(argv[i], "end");
      continue;
    }
    if (i >= argc) die("missing argument of", op);
    const char *a = argv[i++];
    if (!strcmp(op, "open")) {
      if (i + 1 >= argc) die("missing arguments of open", a);
      int fd = open(argv[i], mode_flags(argv[i + 1]), 0644);
      if (fd < 0) die("open", argv[i]);
      *at(a) = fd;
      i += 2;
    } else if (!strcmp(op, "fd")) {
      if (i >= argc) die("missing descriptor of fd", a);
      *at(a) = atoi(argv[i++]);
    } else if (!strcmp(op, "read")) {
      ssize_t n;
      while ((n = read(*at(a), data + len, sizeof data - len)) > 0) len += (size_t)n;
      if (n < 0) die("read", a);
    } else if (!strcmp(op, "write")) {
      const char *buf = len ? data : "fixed\n";
      size_t n = len ? len : 6;
      if (write(*at(a), buf, n) != (ssize_t)n) die("write", a);
    } else if (!strcmp(op, "fsync")) {
      if (fsync(*at(a)) < 0) die("fsync", a);
    } else if (!strcmp(op, "close")) {
      if (close(*at(a)) < 0) die("close", a);
    } else if (!strcmp(op, "post")) {
      if (write(atoi(a), "!", 1) != 1) die("post", a);
    } else if (!strcmp(op, "wait")) {
      char c;
      if (read(atoi(a), &c, 1) != 1) die("wait", a);
    } else {
      fprintf(stderr, "fileops: unknown op %s\n", op);
      exit(2);
    }
  }
  return i;
}

int main(int argc, char **argv)
{
  run(argc, argv, 2);
  return 0;
}
