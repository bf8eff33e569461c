/* bench_procs - what tracking adds to the start and exit of a process.
 *
 *   bench_procs [--pairs N] [--runs N] [--dir DIR] [--lib libprovio.so] [-- PROGRAM ARGS...]
 *
 * Starts PROGRAM (default /bin/true) --runs times (default 50) untracked,
 * then as many times tracked (LD_PRELOAD=libprovio.so, records in a fresh
 * directory under DIR, default /dev/shm), interleaved, N pairs (default
 * 7), and prints each pair's microseconds per process and the median of
 * the per-process differences: provio's start-up and exit cost, the one
 * a shell loop of short commands pays for every command. */
#define _GNU_SOURCE
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The environment without provio's variables, plus env_extra. */
static char **environment(char *const *env_extra)
{
  int envc = 0, extra = 0;
  while (environ[envc]) envc++;
  while (env_extra && env_extra[extra]) extra++;
  char **env = calloc((size_t)(envc + extra + 1), sizeof *env);
  int k = 0;
  for (int i = 0; i < envc; i++)
    if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "PROVIO_", 7)) env[k++] = environ[i];
  for (int i = 0; i < extra; i++) env[k++] = env_extra[i];
  return env;
}

/* Seconds per process of runs starts of argv, one after the other. */
static double per_process(char **argv, char **env, int runs)
{
  double t0 = now();
  for (int i = 0; i < runs; i++) {
    pid_t pid;
    int status;
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, env) != 0 || waitpid(pid, &status, 0) != pid ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "bench_procs: %s failed\n", argv[0]);
      exit(1);
    }
  }
  return (now() - t0) / runs;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  int pairs = 7, runs = 50;
  const char *dir = "/dev/shm", *lib = PROVIO_LIB_PATH;
  char *default_prog[] = {"/bin/true", NULL}, **prog = default_prog;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--lib") && i + 1 < argc) lib = argv[++i];
    else if (!strcmp(argv[i], "--") && i + 1 < argc) {
      prog = argv + i + 1;
      break;
    } else {
      fprintf(stderr, "usage: bench_procs [--pairs N] [--runs N] [--dir DIR] [--lib libprovio.so] "
                      "[-- PROGRAM ARGS...]\n");
      return 2;
    }
  }
  if (pairs < 1 || runs < 1) return 2;
  char records[4096], pre[4200], pdir[4200];
  snprintf(records, sizeof records, "%s/bench_procs.XXXXXX", dir);
  if (!mkdtemp(records)) {
    perror("bench_procs: mkdtemp");
    return 1;
  }
  snprintf(pre, sizeof pre, "LD_PRELOAD=%s", lib);
  snprintf(pdir, sizeof pdir, "PROVIO_DIR=%s/records", records);
  char *tracked_vars[] = {pre, pdir, NULL};
  char **untracked_env = environment(NULL), **tracked_env = environment(tracked_vars);
  double *delta = calloc((size_t)pairs, sizeof *delta);
  printf("pair  untracked_us  tracked_us  overhead_us\n");
  for (int i = 0; i < pairs; i++) {
    double u = per_process(prog, untracked_env, runs);
    double t = per_process(prog, tracked_env, runs);
    delta[i] = (t - u) * 1e6;
    printf("%4d  %12.1f  %10.1f  %11.1f\n", i + 1, u * 1e6, t * 1e6, delta[i]);
    nftw(records, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    mkdir(records, 0700);
  }
  rmdir(records);
  qsort(delta, (size_t)pairs, sizeof *delta, cmp);
  printf("overhead per process: %.1f us (median of %d pairs, min %.1f, max %.1f)\n", delta[pairs / 2], pairs,
         delta[0], delta[pairs - 1]);
  return 0;
}
