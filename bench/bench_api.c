/* bench_api - what one provio_metric call costs a C program linked with
 * -lprovio, in ns: recording (records on /dev/shm) and not recording.
 *
 *   bench_api [--pairs N] [--dir DIR]
 *
 * Each measurement is a fresh process (this program again, with --child):
 * not recording (no PROVIO_DIR) and recording, interleaved, N pairs
 * (default 7, at least 7 for numbers worth keeping); prints every pair and
 * the medians. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "provio.h"

#define IDLE_CALLS 20000000L
#define RECORDING_CALLS 20000L /* about 600 bytes of records each */

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The measured loop: ns per call. */
static int child(void)
{
  long calls = provio_active() ? RECORDING_CALLS : IDLE_CALLS;
  int failed = 0;
  double t0 = now();
  for (long i = 0; i < calls; i++) failed |= provio_metric("accuracy", 0.5 + (double)i * 1e-9, i);
  double ns = (now() - t0) * 1e9 / (double)calls;
  /* recording: every call returns 0; not recording: every call -1 */
  if (failed != (provio_active() ? 0 : -1)) return 1;
  printf("%.2f\n", ns);
  return 0;
}

static double measure(const char *self, const char *records)
{
  char cmd[8192];
  if (records) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && PROVIO_DIR='%s' '%s' --child", records, records, self);
  } else {
    snprintf(cmd, sizeof cmd, "env -u PROVIO_DIR '%s' --child", self);
  }
  FILE *p = popen(cmd, "r");
  double ns = -1;
  if (!p || fscanf(p, "%lf", &ns) != 1) ns = -1;
  if (p && pclose(p) != 0) ns = -1;
  if (ns < 0) {
    fprintf(stderr, "bench_api: a measurement failed: %s\n", cmd);
    exit(1);
  }
  return ns;
}

static int by_value(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, by_value);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
  int pairs = 7;
  const char *dir = "/dev/shm";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--child") == 0) return child();
    if (strcmp(argv[i], "--pairs") == 0 && i + 1 < argc) pairs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
    else {
      fprintf(stderr, "usage: bench_api [--pairs N] [--dir DIR]\n");
      return 2;
    }
  }
  if (pairs < 1 || pairs > 100) pairs = 7;
  char self[4096], work[4096], records[4200];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = 0;
  snprintf(work, sizeof work, "%s/provio-bench-api.XXXXXX", dir);
  if (!mkdtemp(work)) {
    fprintf(stderr, "bench_api: cannot make a directory in %s\n", dir);
    return 1;
  }
  snprintf(records, sizeof records, "%s/records", work);
  double load[3] = {0};
  getloadavg(load, 3);
  printf("provio_metric from C, linked with -lprovio (%d pairs, load %.2f %.2f %.2f)\n", pairs, load[0],
         load[1], load[2]);
  double idle[100], recording[100];
  for (int i = 0; i < pairs; i++) {
    idle[i] = measure(self, NULL);
    recording[i] = measure(self, records);
    printf("pair %d: not recording %.2f ns, recording %.1f ns\n", i + 1, idle[i], recording[i]);
  }
  printf("provio_metric not recording: %.2f ns per call (median)\n", median(idle, pairs));
  printf("provio_metric recording: %.1f ns per call (median)\n", median(recording, pairs));
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
  return system(cmd) == 0 ? 0 : 1;
}
