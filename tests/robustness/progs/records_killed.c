/* records_killed IN OUT APPEND - reads IN, writes OUT (created) and APPEND
 * (an existing file, opened without O_CREAT or O_TRUNC), then dies of
 * SIGKILL with all three still open. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 4) return 2;
  char buf[256];
  int in = open(argv[1], O_RDONLY);
  ssize_t n = read(in, buf, sizeof buf);
  size_t len = n > 0 ? (size_t)n : 0;
  int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ssize_t w = write(out, buf, len);
  int app = open(argv[3], O_WRONLY | O_APPEND);
  ssize_t a = write(app, buf, len);
  printf("in=%d out=%d append=%d read=%zd wrote=%zd appended=%zd\n", in, out, app, n, w, a);
  fflush(stdout);
  raise(SIGKILL);
  return 1;
}
