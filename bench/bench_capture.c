/* bench_capture - what tracking costs a call-heavy program.
 *
 *   bench_capture [--pairs N] [--calls N] [--dir DIR]
 *   bench_capture --cycles N [--pairs N] [--dir DIR]
 *
 * Runs the same workload untracked and tracked (LD_PRELOAD=libprovio.so),
 * interleaved, N pairs (default 15), in DIR (default /dev/shm), and prints
 * each pair's ratio of the workload's time (measured inside the child, so
 * process start-up, which this machine's scheduler makes noisy, is left
 * out; provio's own start-up and exit are in the "with start/exit" column),
 * the median ratio, the median ratio of the open/close phase and the
 * overhead per intercepted call.  The workload: small write()s and read()s
 * on one file, open/close churn, and stdio fwrite/fgets; --calls sets the
 * count of each kind (default 1,000,000 small writes and as many reads).
 *
 * With --cycles, the workload is N open/close cycles of one file and then N
 * open(O_APPEND)/write/close cycles of another, and what it prints is the
 * nanoseconds tracking adds to one cycle of each (tracked minus untracked,
 * median of the pairs): the cost of a file session, whatever it does. */
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

/* The phases of the churn workload, each timed. */
enum { PHASE_WRITE, PHASE_READ, PHASE_CHURN, PHASE_STDIO, PHASES };

/* Fills seconds[] per phase; returns the number of intercepted calls made. */
static long workload(const char *dir, long calls, double *seconds)
{
  char path[4096];
  long n = 0;
  snprintf(path, sizeof path, "%s/bench-data", dir);
  char buf[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
  double t = now();
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  for (long i = 0; i < calls; i++) n += write(fd, buf, 16) == 16;
  seconds[PHASE_WRITE] = now() - t;
  t = now();
  lseek(fd, 0, SEEK_SET);
  for (long i = 0; i < calls; i++) n += read(fd, buf, 16) == 16;
  close(fd);
  n += 3;
  seconds[PHASE_READ] = now() - t;
  t = now();
  for (long i = 0; i < calls / 50; i++) { /* open/close churn */
    fd = open(path, O_RDONLY);
    n += pread(fd, buf, 16, 0) == 16;
    close(fd);
    n += 2;
  }
  seconds[PHASE_CHURN] = now() - t;
  t = now();
  FILE *f = fopen(path, "w");
  for (long i = 0; i < calls / 4; i++) n += fwrite(buf, 1, sizeof buf, f) == sizeof buf;
  fclose(f);
  f = fopen(path, "r");
  while (fgets(buf, sizeof buf, f)) n++;
  fclose(f);
  unlink(path);
  seconds[PHASE_STDIO] = now() - t;
  return n + 5;
}

/* The --cycles workload: ns per open/close cycle [0] and per
 * open(O_APPEND)/write/close cycle [1]. */
static int cycles(const char *dir, long count, double *ns)
{
  char plain[4096], log[4096];
  snprintf(plain, sizeof plain, "%s/bench-cycle", dir);
  snprintf(log, sizeof log, "%s/bench-append", dir);
  static const char line[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
  int bad = 0, fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  bad |= fd < 0 || close(fd) != 0;
  double t = now();
  for (long i = 0; i < count; i++) {
    fd = open(plain, O_RDONLY);
    bad |= fd < 0 || close(fd) != 0;
  }
  ns[0] = (now() - t) * 1e9 / (double)count;
  t = now();
  for (long i = 0; i < count; i++) {
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    bad |= fd < 0 || write(fd, line, sizeof line) != (ssize_t)sizeof line || close(fd) != 0;
  }
  ns[1] = (now() - t) * 1e9 / (double)count;
  unlink(plain);
  unlink(log);
  return bad;
}

/* Runs a child workload (mode: "--workload" or "--cycles"); fills up to
 * nvalues numbers from the line it prints and sets *wall to the seconds
 * from spawn to exit. */
static void run_child(char *self, const char *mode, const char *dir, long count, const char *lib,
                      const char *out, double *values, int nvalues, double *wall)
{
  char countstr[32];
  snprintf(countstr, sizeof countstr, "%ld", count);
  char *argv[] = {self, (char *)mode, (char *)dir, countstr, NULL};
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
  char line[256] = {0};
  size_t got = 0;
  ssize_t r;
  while (got < sizeof line - 1 && (r = read(pipefd[0], line + got, sizeof line - 1 - got)) > 0) got += (size_t)r;
  close(pipefd[0]);
  int status;
  waitpid(pid, &status, 0);
  *wall = now() - t0;
  posix_spawn_file_actions_destroy(&fa);
  free(env);
  char *p = line;
  for (int i = 0; i < nvalues; i++) {
    char *end;
    values[i] = strtod(p, &end);
    if (end == p) {
      fprintf(stderr, "bench_capture: the workload printed no result\n");
      exit(1);
    }
    p = end;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench_capture: workload failed\n");
    exit(1);
  }
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

/* The --cycles report: per pair, then the medians of tracked - untracked. */
static void measure_cycles(char *self, const char *work, const char *lib, const char *out, int pairs,
                           long count)
{
  double *delta[2] = {calloc((size_t)pairs, sizeof(double)), calloc((size_t)pairs, sizeof(double))};
  double u[2], t[2], wall;
  printf("session cycles: %ld open/close, then %ld open(O_APPEND)/write(64 B)/close\n", count, count);
  printf("%6s %14s %14s %16s %16s\n", "pair", "untracked ns", "tracked ns", "append untr. ns", "append tr. ns");
  run_child(self, "--cycles", work, count / 10, NULL, out, u, 2, &wall); /* warm up */
  for (int i = 0; i < pairs; i++) {
    run_child(self, "--cycles", work, count, NULL, out, u, 2, &wall);
    run_child(self, "--cycles", work, count, lib, out, t, 2, &wall);
    for (int k = 0; k < 2; k++) delta[k][i] = t[k] - u[k];
    printf("%6d %14.1f %14.1f %16.1f %16.1f\n", i + 1, u[0], t[0], u[1], t[1]);
  }
  printf("median overhead per open/close cycle: %.0f ns (target <= 300 ns)\n", median(delta[0], pairs));
  printf("median overhead per open(O_APPEND)/write/close cycle: %.0f ns (target <= 300 ns)\n",
         median(delta[1], pairs));
  free(delta[0]);
  free(delta[1]);
}

/* The churn report: per pair, the medians of the ratios, of the open/close
 * phase's ratio and of the overhead per call. */
static void measure_churn(char *self, const char *work, const char *lib, const char *out, int pairs, long calls)
{
  /* intercepted calls per run: the writes, the reads, the churn, the stdio
   * calls and the fgets lines (calls/4 lines of 64 bytes) */
  long n = 2 * calls + 3 * (calls / 50) + 2 * (calls / 4) + 8;
  double *ratio = calloc((size_t)pairs, sizeof *ratio), *delta = calloc((size_t)pairs, sizeof *delta),
         *wall_ratio = calloc((size_t)pairs, sizeof *wall_ratio), *churn_ratio = calloc((size_t)pairs, sizeof *churn_ratio);
  double base_sum = 0;
  printf("capture overhead: %ld small writes + %ld reads, %ld open/pread/close, %ld fwrite + fgets\n",
         calls, calls, calls / 50, calls / 4);
  printf("%6s %12s %12s %8s %20s %12s\n", "pair", "untracked s", "tracked s", "ratio", "with start/exit",
         "open/close");
  double wu, wt, u[1 + PHASES], t[1 + PHASES];
  run_child(self, "--workload", work, calls / 10, NULL, out, u, 1 + PHASES, &wu); /* warm the page cache */
  for (int i = 0; i < pairs; i++) {
    run_child(self, "--workload", work, calls, NULL, out, u, 1 + PHASES, &wu);
    run_child(self, "--workload", work, calls, lib, out, t, 1 + PHASES, &wt);
    ratio[i] = t[0] / u[0];
    wall_ratio[i] = wt / wu;
    churn_ratio[i] = t[1 + PHASE_CHURN] / u[1 + PHASE_CHURN];
    delta[i] = (t[0] - u[0]) * 1e9 / (double)n;
    base_sum += u[0];
    printf("%6d %12.4f %12.4f %8.4f %20.4f %12.4f\n", i + 1, u[0], t[0], ratio[i], wall_ratio[i], churn_ratio[i]);
  }
  printf("median ratio tracked/untracked: %.4f (target <= 1.05); with start-up and exit: %.4f\n",
         median(ratio, pairs), median(wall_ratio, pairs));
  printf("median ratio of the open/close phase: %.4f (target <= 1.2)\n", median(churn_ratio, pairs));
  printf("median overhead per intercepted call: %.1f ns (target <= 30 ns); untracked call: %.1f ns\n",
         median(delta, pairs), base_sum / pairs * 1e9 / (double)n);
  free(ratio);
  free(delta);
  free(wall_ratio);
  free(churn_ratio);
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--workload") == 0) {
    double seconds[PHASES], t0 = now();
    long n = workload(argv[2], atol(argv[3]), seconds);
    printf("%.9f", now() - t0);
    for (int i = 0; i < PHASES; i++) printf(" %.9f", seconds[i]);
    printf("\n");
    return n > 0 ? 0 : 1;
  }
  if (argc == 4 && strcmp(argv[1], "--cycles") == 0) {
    double ns[2];
    int bad = cycles(argv[2], atol(argv[3]), ns);
    printf("%.3f %.3f\n", ns[0], ns[1]);
    return bad;
  }
  int pairs = 15;
  long calls = 1000000, cycle_count = 0;
  const char *dir = "/dev/shm", *lib = getenv("PROVIO_BENCH_LIB");
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--calls") && i + 1 < argc) calls = atol(argv[++i]);
    else if (!strcmp(argv[i], "--cycles") && i + 1 < argc) cycle_count = atol(argv[++i]);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--lib") && i + 1 < argc) lib = argv[++i];
    else {
      fprintf(stderr, "usage: bench_capture [--pairs N] [--calls N | --cycles N] [--dir DIR] [--lib libprovio.so]\n");
      return 2;
    }
  }
  if (pairs < 1 || calls < 50 || cycle_count < 0) {
    fprintf(stderr, "bench_capture: --pairs must be >= 1, --calls >= 50, --cycles >= 0\n");
    return 2;
  }
  if (!lib) lib = PROVIO_LIB_PATH;
  char work[4096], out[4200];
  snprintf(work, sizeof work, "%s/provio-bench-capture.XXXXXX", dir);
  if (!mkdtemp(work)) return 1;
  snprintf(out, sizeof out, "%s/prov", work);
  if (cycle_count) measure_cycles(argv[0], work, lib, out, pairs, cycle_count);
  else measure_churn(argv[0], work, lib, out, pairs, calls);
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
  return system(cmd) == 0 ? 0 : 1;
}
