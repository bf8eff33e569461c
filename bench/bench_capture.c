/* bench_capture - what tracking costs a call-heavy program.
 *
 *   bench_capture [--pairs N] [--calls N] [--dir DIR]
 *
 * Runs the same workload untracked and tracked (LD_PRELOAD=libprovio.so),
 * interleaved, N pairs (default 15), in DIR (default /dev/shm), and prints
 * each pair's ratio of the workload's time (measured inside the child, so
 * process start-up, which this machine's scheduler makes noisy, is left
 * out; provio's own start-up and exit are in the "with start/exit" column),
 * the median ratio and the overhead per intercepted call.  The workload: small write()s and read()s on one file,
 * open/close churn, and stdio fwrite/fgets; --calls sets the count of each
 * kind (default 1,000,000 small writes and as many reads). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns the number of intercepted calls it made. */
static long workload(const char *dir, long calls)
{
  char path[4096];
  long n = 0;
  snprintf(path, sizeof path, "%s/bench-data", dir);
  char buf[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  for (long i = 0; i < calls; i++) n += write(fd, buf, 16) == 16;
  lseek(fd, 0, SEEK_SET);
  for (long i = 0; i < calls; i++) n += read(fd, buf, 16) == 16;
  close(fd);
  n += 3;
  for (long i = 0; i < calls / 50; i++) { /* open/close churn */
    fd = open(path, O_RDONLY);
    n += pread(fd, buf, 16, 0) == 16;
    close(fd);
    n += 2;
  }
  FILE *f = fopen(path, "w");
  for (long i = 0; i < calls / 4; i++) n += fwrite(buf, 1, sizeof buf, f) == sizeof buf;
  fclose(f);
  f = fopen(path, "r");
  while (fgets(buf, sizeof buf, f)) n++;
  fclose(f);
  unlink(path);
  return n + 5;
}

/* Runs the workload in a child; returns its in-process seconds and sets
 * *wall to the seconds from spawn to exit. */
static double run_child(char *self, const char *dir, long calls, const char *lib, const char *out,
                        double *wall)
{
  char callstr[32];
  snprintf(callstr, sizeof callstr, "%ld", calls);
  char *argv[] = {self, "--workload", (char *)dir, callstr, NULL};
  /* The untracked run gets the same environment minus the preload. */
  int envc = 0;
  while (environ[envc]) envc++;
  char **env = calloc((size_t)envc + 4, sizeof *env);
  int k = 0;
  for (int i = 0; i < envc; i++)
    if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "PROVIO_", 7)) env[k++] = environ[i];
  char pre[4200], pdir[4200];
  if (lib) {
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", lib);
    snprintf(pdir, sizeof pdir, "PROVIO_DIR=%s", out);
    env[k++] = pre;
    env[k++] = pdir;
  }
  int pipefd[2];
  if (pipe(pipefd) != 0) exit(1);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  double t0 = now();
  pid_t pid;
  if (posix_spawn(&pid, self, &fa, NULL, argv, env) != 0) exit(1);
  close(pipefd[1]);
  char line[64] = {0};
  ssize_t got = read(pipefd[0], line, sizeof line - 1);
  close(pipefd[0]);
  int status;
  waitpid(pid, &status, 0);
  *wall = now() - t0;
  posix_spawn_file_actions_destroy(&fa);
  free(env);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench_capture: workload failed\n");
    exit(1);
  }
  return got > 0 ? atof(line) : *wall;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--workload") == 0) {
    double t0 = now();
    long n = workload(argv[2], atol(argv[3]));
    printf("%.9f\n", now() - t0);
    return n > 0 ? 0 : 1;
  }
  int pairs = 15;
  long calls = 1000000;
  const char *dir = "/dev/shm", *lib = getenv("PROVIO_BENCH_LIB");
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--calls") && i + 1 < argc) calls = atol(argv[++i]);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--lib") && i + 1 < argc) lib = argv[++i];
    else {
      fprintf(stderr, "usage: bench_capture [--pairs N] [--calls N] [--dir DIR] [--lib libprovio.so]\n");
      return 2;
    }
  }
  if (!lib) lib = PROVIO_LIB_PATH;
  char work[4096], out[4200];
  snprintf(work, sizeof work, "%s/provio-bench-capture.XXXXXX", dir);
  if (!mkdtemp(work)) return 1;
  snprintf(out, sizeof out, "%s/prov", work);
  /* intercepted calls per run: the writes, the reads, the churn, the stdio
   * calls and the fgets lines (calls/4 lines of 64 bytes) */
  long n = 2 * calls + 3 * (calls / 50) + 2 * (calls / 4) + 8;
  double *ratio = calloc((size_t)pairs, sizeof *ratio), *delta = calloc((size_t)pairs, sizeof *delta),
         *wall_ratio = calloc((size_t)pairs, sizeof *wall_ratio);
  double base_sum = 0;
  printf("capture overhead: %ld small writes + %ld reads, %ld open/pread/close, %ld fwrite + fgets\n",
         calls, calls, calls / 50, calls / 4);
  printf("%6s %12s %12s %8s %20s\n", "pair", "untracked s", "tracked s", "ratio", "with start/exit");
  double wu, wt;
  run_child(argv[0], work, calls / 10, NULL, out, &wu); /* warm the page cache */
  for (int i = 0; i < pairs; i++) {
    double u = run_child(argv[0], work, calls, NULL, out, &wu);
    double t = run_child(argv[0], work, calls, lib, out, &wt);
    ratio[i] = t / u;
    wall_ratio[i] = wt / wu;
    delta[i] = (t - u) * 1e9 / (double)n;
    base_sum += u;
    printf("%6d %12.4f %12.4f %8.4f %20.4f\n", i + 1, u, t, ratio[i], wall_ratio[i]);
  }
  qsort(wall_ratio, (size_t)pairs, sizeof *wall_ratio, cmp);
  qsort(ratio, (size_t)pairs, sizeof *ratio, cmp);
  qsort(delta, (size_t)pairs, sizeof *delta, cmp);
  printf("median ratio tracked/untracked: %.4f (target <= 1.05); with start-up and exit: %.4f\n",
         ratio[pairs / 2], wall_ratio[pairs / 2]);
  printf("median overhead per intercepted call: %.1f ns (target <= 30 ns); untracked call: %.1f ns\n",
         delta[pairs / 2], base_sum / pairs * 1e9 / (double)n);
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
  return system(cmd) == 0 ? 0 : 1;
}
