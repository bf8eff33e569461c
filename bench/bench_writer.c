/* bench_writer - cost of emitting one triple through the recorder core,
 * from one thread and from several at once (scratch on /dev/shm).
 *
 *   bench_writer [triples-per-thread] [max-threads]
 *
 * Each triple is a typical record line: a fresh record IRI, a PROV-O
 * property and a percent-encoded file IRI. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "serialize.h"
#include "vocab.h"

static long per_thread = 2000000;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *emit(void *arg)
{
  static const char path[] = "/lustre/project/run 42/output/decimate.h5";
  pv_thread *t = pv_thread_current();
  if (!t) return (void *)1;
  for (long i = 0; i < per_thread; i++) {
    char *p = pv_record_begin(t, 2 * PV_IRI_MAX + PV_IRI_ENC_MAX(sizeof path) + 64);
    if (!p) return (void *)1;
    char rec[PV_IRI_MAX + 64];
    size_t rl = pv_thread_new_iri(t, rec, "use");
    p = pv_put_iri(p, rec, rl);
    p = PV_PUT_LIT(p, " " PV_PROV("used") " <file://");
    p += pv_iri_encode(p, path, sizeof path - 1, "/");
    p = pv_put_end(PV_PUT_LIT(p, ">"));
    pv_record_end(t, p);
  }
  return NULL;
}

static double run(int threads)
{
  pthread_t th[64];
  double t0 = now();
  for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, emit, NULL);
  for (int i = 0; i < threads; i++) {
    void *rc;
    pthread_join(th[i], &rc);
    if (rc) {
      fprintf(stderr, "bench_writer: recording failed\n");
      exit(1);
    }
  }
  return now() - t0;
}

int main(int argc, char **argv)
{
  if (argc > 1) per_thread = atol(argv[1]);
  int max_threads = argc > 2 ? atoi(argv[2]) : 4;
  char dir[] = "/dev/shm/provio-bench.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  setenv("PROVIO_DIR", dir, 1);
  setenv("PROVIO_JOB_ID", "bench", 1);
  if (pv_core_init(0, NULL, NULL) != 0) {
    fprintf(stderr, "bench_writer: cannot start the recorder in %s\n", dir);
    return 1;
  }
  printf("triple emission through the recorder core (%ld triples per thread, %ld cores)\n",
         per_thread, sysconf(_SC_NPROCESSORS_ONLN));
  printf("%8s %14s %14s %16s\n", "threads", "ns/triple", "ns/triple/thr", "Mtriples/s total");
  for (int threads = 1; threads <= max_threads; threads *= 2) {
    double s = run(threads);
    double total = (double)per_thread * threads;
    printf("%8d %14.1f %14.1f %16.2f\n", threads, s * 1e9 / total, s * 1e9 / per_thread,
           total / s / 1e6);
  }
  pv_core_shutdown();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}
