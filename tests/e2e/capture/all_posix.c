/* all_posix DIR - calls every POSIX and process function provio wraps,
 * once each, on files in DIR.  Run in trace mode, its records must name
 * every one of them (test_capture.py wrappers). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Entry points that headers reach only through macros or not at all. */
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);
int __xstat(int, const char *, struct stat *);
int __lxstat(int, const char *, struct stat *);
int __fxstat(int, int, struct stat *);
int __fxstatat(int, int, const char *, struct stat *, int);
int __xstat64(int, const char *, struct stat64 *);
int __lxstat64(int, const char *, struct stat64 *);
int __fxstat64(int, int, struct stat64 *);
int __fxstatat64(int, int, const char *, struct stat64 *, int);
int close_range(unsigned, unsigned, int);
ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __pread64_chk(int, void *, size_t, off64_t, size_t);

#define CHECK(x)                                                      \
  do {                                                                \
    if (!(x)) {                                                       \
      fprintf(stderr, "all_posix: %s failed at line %d\n", #x, __LINE__); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

extern char **environ;

int main(int argc, char **argv)
{
  CHECK(argc == 2 && chdir(argv[1]) == 0);
  int dfd = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  char buf[256] = "provio all_posix data\n";
  struct iovec iov = {buf, 8};
  struct stat st;
  struct stat64 st64;
  struct statx stx;

  int fd = creat("a", 0600);
  CHECK(fd >= 0 && write(fd, buf, 22) == 22);
  CHECK(writev(fd, &iov, 1) == 8 && pwrite(fd, buf, 4, 100) == 4 && pwrite64(fd, buf, 4, 104) == 4);
  CHECK(pwritev(fd, &iov, 1, 200) == 8 && pwritev64(fd, &iov, 1, 208) == 8);
  CHECK(pwritev2(fd, &iov, 1, 216, 0) == 8 && pwritev64v2(fd, &iov, 1, 224, 0) == 8);
  CHECK(fsync(fd) == 0 && fdatasync(fd) == 0 && ftruncate(fd, 300) == 0 && ftruncate64(fd, 300) == 0);
  CHECK(fstat(fd, &st) == 0 && fstat64(fd, &st64) == 0 && __fxstat(1, fd, &st) == 0 &&
        __fxstat64(1, fd, &st64) == 0);
  CHECK(close(fd) == 0);
  CHECK((fd = creat64("b", 0600)) >= 0 && close(fd) == 0);

  CHECK((fd = open("a", O_RDONLY)) >= 0 && read(fd, buf, 4) == 4 && readv(fd, &iov, 1) == 8);
  CHECK(pread(fd, buf, 4, 0) == 4 && pread64(fd, buf, 4, 0) == 4);
  CHECK(preadv(fd, &iov, 1, 0) == 8 && preadv64(fd, &iov, 1, 0) == 8);
  CHECK(preadv2(fd, &iov, 1, 0, 0) == 8 && preadv64v2(fd, &iov, 1, 0, 0) == 8);
  CHECK(lseek(fd, 0, SEEK_SET) == 0 && lseek64(fd, 0, SEEK_SET) == 0);
  void *m = mmap(NULL, 100, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(m != MAP_FAILED && munmap(m, 100) == 0);
  m = mmap64(NULL, 100, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(m != MAP_FAILED && munmap(m, 100) == 0);
  int d1 = dup(fd), d2 = dup2(fd, 50), d3 = dup3(fd, 51, O_CLOEXEC), d4 = fcntl(fd, F_DUPFD, 60),
      d5 = fcntl64(fd, F_DUPFD_CLOEXEC, 70);
  CHECK(d1 >= 0 && d2 == 50 && d3 == 51 && d4 >= 60 && d5 >= 70);
  CHECK(close(d1) == 0 && close(d2) == 0 && close(d3) == 0 && close(d4) == 0 && close(d5) == 0);
  int out = open64("c", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(out >= 0 && copy_file_range(fd, NULL, out, NULL, 10, 0) == 10);
  CHECK(lseek(fd, 0, SEEK_SET) == 0 && sendfile(out, fd, NULL, 5) == 5 && sendfile64(out, fd, NULL, 5) == 5);
  /* a clone, which tmpfs refuses (EOPNOTSUPP or EXDEV; lineage.reflink
   * clones on XFS): a failure and its errno come back unchanged */
  errno = 0;
  int clone = ioctl(out, FICLONE, fd);
  CHECK(clone == 0 || (clone == -1 && (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL)));
  CHECK(close(out) == 0 && close(fd) == 0);

  CHECK((fd = openat(dfd, "a", O_RDONLY)) >= 0 && close(fd) == 0);
  CHECK((fd = openat64(dfd, "a", O_RDONLY)) >= 0 && close(fd) == 0);
  CHECK((fd = __open_2("a", O_RDONLY)) >= 0 && close(fd) == 0);
  CHECK((fd = __open64_2("a", O_RDONLY)) >= 0 && close(fd) == 0);
  CHECK((fd = __openat_2(dfd, "a", O_RDONLY)) >= 0 && close(fd) == 0);
  CHECK((fd = __openat64_2(dfd, "a", O_RDONLY)) >= 0 && close(fd) == 0);
  CHECK((fd = open("a", O_RDONLY)) >= 0 && close_range((unsigned)fd, (unsigned)fd, 0) == 0);
  closefrom(1 << 16);

  /* fortified reads, allocation, splice, temporary files, directory streams */
  CHECK((fd = open("a", O_RDWR)) >= 0 && __read_chk(fd, buf, 4, sizeof buf) == 4);
  CHECK(__pread_chk(fd, buf, 4, 0, sizeof buf) == 4 && __pread64_chk(fd, buf, 4, 0, sizeof buf) == 4);
  CHECK(fallocate(fd, 0, 0, 4096) == 0 && fallocate64(fd, 0, 0, 4096) == 0);
  CHECK(posix_fallocate(fd, 0, 4096) == 0 && posix_fallocate64(fd, 0, 4096) == 0);
  int p[2];
  CHECK(pipe(p) == 0 && splice(fd, NULL, p[1], NULL, 4, 0) == 4);
  CHECK(close(p[0]) == 0 && close(p[1]) == 0 && close(fd) == 0);
  char t[32];
  CHECK((fd = mkstemp(strcpy(t, "tXXXXXX"))) >= 0 && close(fd) == 0);
  CHECK((fd = mkstemp64(strcpy(t, "tXXXXXX"))) >= 0 && close(fd) == 0);
  CHECK((fd = mkostemp(strcpy(t, "tXXXXXX"), O_CLOEXEC)) >= 0 && close(fd) == 0);
  CHECK((fd = mkostemp64(strcpy(t, "tXXXXXX"), O_CLOEXEC)) >= 0 && close(fd) == 0);
  CHECK((fd = mkstemps(strcpy(t, "tXXXXXX.s"), 2)) >= 0 && close(fd) == 0);
  CHECK((fd = mkstemps64(strcpy(t, "tXXXXXX.s"), 2)) >= 0 && close(fd) == 0);
  CHECK((fd = mkostemps(strcpy(t, "tXXXXXX.s"), 2, O_CLOEXEC)) >= 0 && close(fd) == 0);
  CHECK((fd = mkostemps64(strcpy(t, "tXXXXXX.s"), 2, O_CLOEXEC)) >= 0 && close(fd) == 0);
  DIR *dir = fdopendir(open(".", O_RDONLY | O_DIRECTORY));
  CHECK(dir != NULL && closedir(dir) == 0);

  CHECK(stat("a", &st) == 0 && lstat("a", &st) == 0 && fstatat(dfd, "a", &st, 0) == 0);
  CHECK(stat64("a", &st64) == 0 && lstat64("a", &st64) == 0 && fstatat64(dfd, "a", &st64, 0) == 0);
  CHECK(statx(dfd, "a", 0, STATX_SIZE, &stx) == 0);
  CHECK(__xstat(1, "a", &st) == 0 && __lxstat(1, "a", &st) == 0 && __fxstatat(1, dfd, "a", &st, 0) == 0);
  CHECK(__xstat64(1, "a", &st64) == 0 && __lxstat64(1, "a", &st64) == 0 &&
        __fxstatat64(1, dfd, "a", &st64, 0) == 0);

  CHECK(truncate("a", 50) == 0 && truncate64("a", 40) == 0);
  CHECK(rename("b", "b2") == 0 && renameat(dfd, "b2", dfd, "b3") == 0 &&
        renameat2(dfd, "b3", dfd, "b4", 0) == 0);
  CHECK(link("a", "l1") == 0 && linkat(dfd, "a", dfd, "l2", 0) == 0);
  CHECK(symlink("a", "s1") == 0 && symlinkat("a", dfd, "s2") == 0);
  CHECK(unlink("l1") == 0 && unlinkat(dfd, "l2", 0) == 0);
  CHECK(mkdir("d1", 0700) == 0 && mkdirat(dfd, "d2", 0700) == 0);
  CHECK(rmdir("d1") == 0 && unlinkat(dfd, "d2", AT_REMOVEDIR) == 0);
  CHECK(mkdir("sub", 0700) == 0 && chdir("sub") == 0 && fchdir(dfd) == 0);

  /* processes: fork, vfork, posix_spawn(p), the exec family, _exit */
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  CHECK(pid > 0 && waitpid(pid, NULL, 0) == pid);
  pid = vfork();
  if (pid == 0) _exit(0);
  CHECK(pid > 0 && waitpid(pid, NULL, 0) == pid);
  char *targv[] = {"true", NULL};
  CHECK(posix_spawn(&pid, "/bin/true", NULL, NULL, targv, environ) == 0 && waitpid(pid, NULL, 0) == pid);
  CHECK(posix_spawnp(&pid, "true", NULL, NULL, targv, environ) == 0 && waitpid(pid, NULL, 0) == pid);
  static const char *const execs[] = {"execve", "execv", "execvp", "execvpe", "execl",
                                      "execlp", "execle", "fexecve", "execveat", NULL};
  for (int i = 0; execs[i]; i++) {
    pid = fork();
    if (pid == 0) {
      const char *e = execs[i];
      if (!strcmp(e, "execve")) execve("/bin/true", targv, environ);
      if (!strcmp(e, "execv")) execv("/bin/true", targv);
      if (!strcmp(e, "execvp")) execvp("true", targv);
      if (!strcmp(e, "execvpe")) execvpe("true", targv, environ);
      if (!strcmp(e, "execl")) execl("/bin/true", "true", (char *)NULL);
      if (!strcmp(e, "execlp")) execlp("true", "true", (char *)NULL);
      if (!strcmp(e, "execle")) execle("/bin/true", "true", (char *)NULL, environ);
      if (!strcmp(e, "fexecve")) fexecve(open("/bin/true", O_RDONLY | O_CLOEXEC), targv, environ);
      if (!strcmp(e, "execveat")) execveat(AT_FDCWD, "/bin/true", targv, environ, 0);
      _exit(99);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  close(dfd);
  puts("all_posix: done");
  return 0;
}
