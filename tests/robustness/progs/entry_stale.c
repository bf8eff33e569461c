/* A file's descriptor is closed behind provio's back, then its number is
 * reused by a descriptor provio does not open (socket, pipe, ...), and
 * traffic flows through it.  Usage: entry_stale CLOSE MAKER, with CLOSE one
 * of closefrom, close_range, syscall and MAKER one of socketpair, pipe,
 * eventfd, memfd, scm.  Prints the descriptor numbers it gets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK 4000
#define ROUNDS 10

/* Writes ROUNDS chunks into w, reading each back from r (if any). */
static int traffic(int w, int r)
{
  static char buf[CHUNK];
  long moved = 0;
  for (int i = 0; i < ROUNDS; i++) {
    memset(buf, 'a' + i, sizeof buf);
    ssize_t n = write(w, buf, sizeof buf);
    if (n != (ssize_t)sizeof buf) return printf("write: %zd errno=%d\n", n, errno), 1;
    if (r >= 0 && read(r, buf, sizeof buf) != n) return printf("read errno=%d\n", errno), 1;
    moved += n;
  }
  printf("moved %ld\n", moved);
  return 0;
}

/* Receives over sock a descriptor sent in an SCM_RIGHTS message. */
static int pass_fd(int to, int from, int fd)
{
  char c = 'x', ctl[CMSG_SPACE(sizeof(int))];
  memset(ctl, 0, sizeof ctl);
  struct iovec iov = {&c, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  if (sendmsg(to, &msg, 0) != 1) return -1;
  msg.msg_controllen = sizeof ctl;
  if (recvmsg(from, &msg, 0) != 1) return -1;
  int got;
  memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof got);
  return got;
}

int main(int argc, char **argv)
{
  if (argc != 3) return 2;
  const char *m = argv[2];
  int peer[2] = {-1, -1};
  if (!strcmp(m, "scm") && socketpair(AF_UNIX, SOCK_STREAM, 0, peer)) return 1;
  int in = open("in.dat", O_RDONLY);
  char head[100];
  printf("in=%d read=%zd\n", in, read(in, head, sizeof head));
  if (!strcmp(argv[1], "closefrom")) closefrom((int)in);
  else if (!strcmp(argv[1], "close_range")) printf("close_range=%d\n", close_range(in, ~0u, 0));
  else syscall(SYS_close, in);

  if (!strcmp(m, "socketpair")) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return printf("socketpair errno=%d\n", errno), 1;
    printf("pair=%d,%d\n", sv[0], sv[1]);
    return traffic(sv[0], sv[1]);
  }
  if (!strcmp(m, "scm")) {
    int got = pass_fd(peer[0], peer[1], peer[0]);
    printf("received=%d\n", got);
    return traffic(got, peer[1]);
  }
  if (!strcmp(m, "pipe")) {
    int p[2];
    if (pipe(p)) return 1;
    printf("pipe=%d,%d\n", p[0], p[1]);
    return traffic(p[1], p[0]);
  }
  if (!strcmp(m, "eventfd")) {
    int e = eventfd(0, 0);
    printf("eventfd=%d\n", e);
    unsigned long long v = 1;
    long moved = 0;
    for (int i = 0; i < 100; i++) moved += write(e, &v, sizeof v);
    printf("moved %ld\n", moved);
    return 0;
  }
  if (!strcmp(m, "memfd")) {
    int f = memfd_create("scratch", 0);
    printf("memfd=%d\n", f);
    return traffic(f, -1);
  }
  return 2;
}
