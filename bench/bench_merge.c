/* bench_merge - how fast prov-merge consolidates a job, next to what the
 * same data costs raptor alone and Redland alone.
 *
 *   bench_merge [-n TRIPLES] [-r ROUNDS] [-j THREADS]
 *
 * gen_job writes a synthetic job of TRIPLES triples (default 1M) under a
 * scratch directory on /dev/shm.  Each round then measures, interleaved:
 *   parse   raptor's N-Triples parser over the same lines, counting only;
 *   load    bare Redland: librdf's parser straight into a new hashes/BDB
 *           store, one thread (what rdfproc or a script would do);
 *   merge   the prov-merge program into a new store: checking, parsing on
 *           all cores, deduplication, derivations, state, swap into place
 *           (and its larger BDB cache, see store/store_bdb.c).
 * It prints each round and the medians, the median of the per-round ratio
 * merge/load, and the targets (merge <= 20 s, ratio <= 1.2). */
#include <dirent.h>
#include <fcntl.h>
#include <raptor2.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "replace.h"
#include "store.h"

extern char **environ;

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Every complete triple line of every record file, in one N-Triples file:
 * the input the two baselines get. */
static long concat(const char *dir, FILE *out)
{
  DIR *d = opendir(dir);
  if (!d) return 0;
  long lines = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (e->d_type == DT_DIR) {
      lines += concat(path, out);
      continue;
    }
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (f && (n = getline(&line, &cap, f)) > 0)
      if (line[0] == '<' && line[n - 1] == '\n') {
        fwrite(line, 1, (size_t)n, out);
        lines++;
      }
    free(line);
    if (f) fclose(f);
  }
  closedir(d);
  return lines;
}

static long counted;
static void count_statement(void *data, raptor_statement *st) { counted++; }

static double raptor_parse(const char *file)
{
  raptor_world *w = raptor_new_world();
  raptor_world_open(w);
  raptor_parser *p = raptor_new_parser(w, "ntriples");
  raptor_parser_set_statement_handler(p, NULL, count_statement);
  raptor_uri *base = raptor_new_uri(w, (const unsigned char *)"urn:provio:base");
  FILE *f = fopen(file, "rb");
  counted = 0;
  double t = now();
  raptor_parser_parse_file_stream(p, f, NULL, base);
  t = now() - t;
  fclose(f);
  raptor_free_uri(base);
  raptor_free_parser(p);
  raptor_free_world(w);
  return t;
}

static double redland_load(const char *file, const char *store)
{
  pv_store s;
  char err[512], uri[4200];
  if (pv_store_create(&s, store, err, sizeof err)) {
    fprintf(stderr, "bench_merge: %s\n", err);
    exit(1);
  }
  librdf_parser *p = librdf_new_parser(s.world, "ntriples", NULL, NULL);
  snprintf(uri, sizeof uri, "file://%s", file);
  librdf_uri *u = librdf_new_uri(s.world, (const unsigned char *)uri);
  double t = now();
  if (librdf_parser_parse_into_model(p, u, NULL, s.model)) {
    fprintf(stderr, "bench_merge: Redland could not load %s\n", file);
    exit(1);
  }
  librdf_model_sync(s.model);
  t = now() - t;
  librdf_free_uri(u);
  librdf_free_parser(p);
  pv_store_close(&s);
  pv_remove_dir(store);
  return t;
}

static int run(char *const argv[], const char *out)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (out) posix_spawn_file_actions_addopen(&fa, 2, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int ws;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static double merge(char *run_dir, char *store, const char *threads, const char *log)
{
  char *argv[] = {PROV_MERGE, "-s", store, "-j", (char *)threads, run_dir, NULL};
  double t = now();
  if (run(argv, log) != 0) {
    fprintf(stderr, "bench_merge: prov-merge failed, see %s\n", log);
    exit(1);
  }
  t = now() - t;
  pv_remove_dir(store);
  return t;
}

int main(int argc, char **argv)
{
  long triples = 1000000;
  int rounds = 7, c;
  char threads[16];
  snprintf(threads, sizeof threads, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
  while ((c = getopt(argc, argv, "n:r:j:")) != -1) {
    if (c == 'n') triples = atol(optarg);
    else if (c == 'r') rounds = atoi(optarg);
    else if (c == 'j') snprintf(threads, sizeof threads, "%d", atoi(optarg));
    else {
      fprintf(stderr, "usage: bench_merge [-n TRIPLES] [-r ROUNDS] [-j THREADS]\n");
      return 2;
    }
  }
  if (rounds < 1 || rounds > 99) rounds = 7;
  char scratch[] = "/dev/shm/provio-bench-merge.XXXXXX";
  if (!mkdtemp(scratch)) {
    perror("bench_merge: /dev/shm");
    return 1;
  }
  char run_dir[4200], all[4200], store[4200], log[4200], ntr[32];
  snprintf(run_dir, sizeof run_dir, "%s/run", scratch);
  snprintf(log, sizeof log, "%s/merge.log", scratch);
  snprintf(all, sizeof all, "%s/all.nt", scratch);
  snprintf(store, sizeof store, "%s/store", scratch);
  snprintf(ntr, sizeof ntr, "%ld", triples);
  char *gen[] = {GEN_JOB, "-n", ntr, "-H", "4", "-P", "4", "-S", "2", "-i", "/work/input.dat", run_dir, NULL};
  if (run(gen, NULL) != 0) {
    fprintf(stderr, "bench_merge: gen_job failed\n");
    return 1;
  }
  FILE *f = fopen(all, "w");
  long lines = concat(run_dir, f);
  fclose(f);
  printf("bench_merge: %ld triples in record files under %s (%ld cores online)\n", lines, run_dir,
         sysconf(_SC_NPROCESSORS_ONLN));
  printf("%5s %10s %10s %10s %8s\n", "round", "parse s", "load s", "merge s", "ratio");

  double tp[99], tl[99], tm[99], ratio[99];
  for (int r = 0; r < rounds; r++) {
    tp[r] = raptor_parse(all);
    if (counted != lines) fprintf(stderr, "bench_merge: raptor counted %ld of %ld\n", counted, lines);
    /* alternate which goes first so that neither always gets a warm cache */
    if (r % 2 == 0) {
      tl[r] = redland_load(all, store);
      tm[r] = merge(run_dir, store, threads, log);
    } else {
      tm[r] = merge(run_dir, store, threads, log);
      tl[r] = redland_load(all, store);
    }
    ratio[r] = tm[r] / tl[r];
    printf("%5d %10.3f %10.3f %10.3f %8.3f\n", r + 1, tp[r], tl[r], tm[r], ratio[r]);
    fflush(stdout);
  }
  double mp = median(tp, rounds), ml = median(tl, rounds), mm = median(tm, rounds), mr = median(ratio, rounds);
  printf("raptor parse only:        %7.3f s  %9.0f triples/s (one thread)\n", mp, lines / mp);
  printf("bare Redland bdb load:    %7.3f s  %9.0f triples/s (librdf parser into hashes/bdb)\n", ml, lines / ml);
  printf("prov-merge into bdb:      %7.3f s  %9.0f triples/s (whole program, %s parser threads)\n", mm,
         lines / mm, threads);
  printf("merge / bare load:        %7.3f  (median of %d interleaved pairs)\n", mr, rounds);
  printf("targets: merge <= 20 s: %s; merge <= 1.2 x bare load: %s\n", mm <= 20 ? "met" : "MISSED",
         mr <= 1.2 ? "met" : "MISSED");
  printf("last merge's own summary:\n");
  fflush(stdout);
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "cat '%s'", log);
  if (system(cmd) != 0) return 1;
  unlink(all);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
  return system(cmd) == 0 ? 0 : 1;
}
