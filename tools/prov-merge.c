/* prov-merge - consolidates provio record files into a store.
 * See prov-merge(1) and docs/prov-merge.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merge.h"
#include "merge_follow.h"
#include "merge_mpi.h"
#include "mlflow.h"
#include "remote.h"
#include "remote_merge.h"

#define SHOWN_REJECTS 20

static const char usage[] =
    "usage: prov-merge [options] -s STORE [--mlflow MLRUNS] DIR|FILE...\n"
    "       prov-merge [options] -o FILE [--mlflow MLRUNS] DIR|FILE...\n"
    "Merges provio record files (every *.nt below each DIR) into a Redland store,\n"
    "adding the derivations of docs/model.md.  The store is replaced as a whole:\n"
    "readers never see half a merge, and a failed merge leaves it untouched.\n"
    "\n"
    "  -s, --store DIR     the store (created if missing; merged into if it exists);\n"
    "                      or a SPARQL server, http://HOST:PORT/sparql: the records\n"
    "                      become one named graph there (docs/server-store.md;\n"
    "                      credentials from the file $PROVIO_STORE_AUTH, mode 0600)\n"
    "  -o, --output FILE   also write the whole consolidated graph to FILE ('-': stdout)\n"
    "  -f, --format FMT    ntriples or turtle (default: turtle for *.ttl, else ntriples)\n"
    "  -j, --jobs N        parser threads (default: one per core)\n"
    "      --follow        consolidate a running job: a pass every --interval seconds\n"
    "                      merges what is new, until every process of the job has\n"
    "                      ended or SIGINT/SIGTERM (then one last pass); the store is\n"
    "                      then the one a merge at the end gives\n"
    "      --interval S    seconds between --follow's passes (default 5)\n"
    "      --follow-symlinks  follow DIR or FILE if it is a symbolic link\n"
    "      --skip-foreign  leave out, with a warning, record files and directories of\n"
    "                      another user or writable by others (default: refuse them)\n"
    "      --mlflow MLRUNS also import an MLflow file store (its mlruns directory):\n"
    "                      runs, params, metric histories, tags; each artifact file is\n"
    "                      tied to the version the capture saw written at its path\n"
    "                      during the run (record directories then optional; not an\n"
    "                      MLflow file store: exit 3)\n"
    "      --mpi           run under mpirun: the ranks split the record files, parse\n"
    "                      and deduplicate in parallel, rank 0 stores (docs/scaling.md)\n"
    "  -q, --quiet         print errors only\n"
    "  -v, --verbose       list every rejected line (default: the first 20)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "PROVIO_ENVIRONMENT (colon-separated path prefixes): more files to mark as the\n"
    "program's environment, which prov-query lineage hides unless --all.\n"
    "\n"
    "Exit status: 0 merged (rejected lines are reported, not fatal), 1 merge failed,\n"
    "2 usage, 3 bad input (missing, empty, not provio, another user's), 4 store\n"
    "unusable or locked, 5 cannot write the output file, 7 the store is damaged\n"
    "(merge the records into a new store), 130 interrupted.  The store is intact\n"
    "after any non-zero status.  A server store also: 10 credentials refused,\n"
    "11 server unreachable, 12 server failed, 13 credentials file unusable.\n";

static volatile sig_atomic_t stop, following, stop_asked;
/* --follow: the first signal asks for one last pass, a second stops it */
static void on_signal(int sig)
{
  if (following && !stop_asked) stop_asked = sig;
  else stop = sig;
}

static void human(char *dst, size_t n, double v)
{
  if (v >= 1e6) snprintf(dst, n, "%.2fM", v / 1e6);
  else if (v >= 1e4) snprintf(dst, n, "%.1fk", v / 1e3);
  else snprintf(dst, n, "%.0f", v);
}

/* One line, redrawn in place: only ever on a terminal. */
static void draw_progress(void *ctx, const pv_merge_stats *s, int final)
{
  (void)ctx;
  if (final) {
    fputs("\r\033[K", stderr);
    return;
  }
  char read[32], rate[32];
  human(read, sizeof read, (double)s->triples_read);
  human(rate, sizeof rate, s->seconds > 0 ? (double)s->triples_read / s->seconds : 0);
  double frac = s->bytes ? (double)s->bytes_done / (double)s->bytes : 1;
  char bar[21];
  int fill = (int)(frac * 20);
  for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
  bar[20] = 0;
  fprintf(stderr, "\r\033[Kprov-merge: [%s] %3.0f%%  files %zu/%zu  %s triples  %s/s", bar, 100 * frac,
          s->files_done, s->files, read, rate);
  fflush(stderr);
}

/* listed_elsewhere: rejected lines another rank (--mpi) listed */
static void print_rejects(const pv_merge_stats *s, int verbose, unsigned long long listed_elsewhere)
{
  size_t shown = verbose ? s->nrejects : s->nrejects < SHOWN_REJECTS ? s->nrejects : SHOWN_REJECTS;
  for (size_t i = 0; i < shown; i++)
    fprintf(stderr, "prov-merge: %s:%ld: %s\n", s->rejects[i].path, s->rejects[i].line, s->rejects[i].why);
  if (s->lines_rejected > shown + listed_elsewhere)
    fprintf(stderr, "prov-merge: ... and %llu more rejected lines%s\n",
            (unsigned long long)(s->lines_rejected - shown - listed_elsewhere), verbose ? "" : " (-v lists them)");
}

static void summary(const pv_merge_opts *o, const pv_merge_stats *s, int verbose, unsigned long long listed_elsewhere)
{
  fprintf(stderr,
          "prov-merge: %zu files (%zu unfinished), %llu triples read, %llu stored, %llu duplicates, "
          "%llu lines rejected\n",
          s->files, s->files_unfinished, (unsigned long long)s->triples_read,
          (unsigned long long)s->triples_new, (unsigned long long)s->duplicates, (unsigned long long)s->lines_rejected);
  const char *where = o->store ? o->store : "the output";
  fprintf(stderr, "prov-merge: %llu derived triples added, %llu withdrawn; %s %s %llu triples (%.2f s, %.0f triples/s)\n",
          (unsigned long long)s->derived_added, (unsigned long long)s->derived_removed, where,
          s->store_changed ? "now holds" : "unchanged, holds", (unsigned long long)s->store_triples, s->seconds,
          s->seconds > 0 ? (double)s->triples_read / s->seconds : 0.0);
  print_rejects(s, verbose, listed_elsewhere);
}

static int ends_with(const char *s, const char *tail)
{
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0;
}

static void remove_import(const char *dir, const char *file)
{
  if (*file) unlink(file);
  if (*dir) rmdir(dir);
}

/* Writes the MLflow store's records into dir/mlflow.nt, dir a fresh
 * private directory under $TMPDIR.  0, or an exit status with err set. */
static int import_mlflow(const char *mlruns, int quiet, char *dir, size_t dirlen, char *file, size_t filelen,
                         char *err, size_t errlen)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, dirlen, "%s/prov-merge-mlflow.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "%s: cannot make a scratch directory: %s", dir, strerror(errno));
    *dir = 0;
    return 1;
  }
  snprintf(file, filelen, "%s/mlflow.nt", dir);
  int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    snprintf(err, errlen, "%s: %s", file, strerror(errno));
    if (fd >= 0) close(fd);
    return 1;
  }
  int runs = pv_mlflow_records(mlruns, f, quiet ? NULL : stderr, err, errlen);
  if (fclose(f) != 0 && runs >= 0) {
    snprintf(err, errlen, "%s: %s", file, strerror(errno));
    return 1;
  }
  return runs < 0 ? 3 : 0;
}

/* --follow: what each pass says, and how it merges */
static int quiet_follow, verbose_follow;
typedef struct follow_target {
  int remote;
  char graph[64];
  unsigned long long uploaded;
} follow_target;

static int merge_once(void *ctx, const pv_merge_opts *o, pv_merge_stats *st, char *err, size_t errlen)
{
  follow_target *t = ctx;
  return t->remote ? pv_merge_remote(o, st, t->graph, &t->uploaded, err, errlen) : pv_merge(o, st, err, errlen);
}

static void report_pass(const pv_merge_stats *s, int pass, int ended)
{
  for (size_t i = 0; i < s->nwarnings; i++) fprintf(stderr, "prov-merge: warning: %s\n", s->warnings[i]);
  if (quiet_follow) return;
  print_rejects(s, verbose_follow, 0);
  fprintf(stderr,
          "prov-merge: pass %d: %zu files (%zu unfinished), %llu triples read, %llu stored, %llu derived added, "
          "%llu withdrawn; the store %s %llu triples%s\n",
          pass, s->files, s->files_unfinished, (unsigned long long)s->triples_read,
          (unsigned long long)s->triples_new, (unsigned long long)s->derived_added,
          (unsigned long long)s->derived_removed, s->store_changed ? "now holds" : "unchanged, holds",
          (unsigned long long)s->store_triples, ended ? "; every process of the job has ended" : "");
  fflush(stderr);
}

int main(int argc, char **argv)
{
  /* Provenance is private to its user: the store, its state and -o. */
  umask(077);
  enum { OPT_FOLLOW_SYMLINKS = 256, OPT_SKIP_FOREIGN, OPT_MLFLOW, OPT_MPI, OPT_FOLLOW, OPT_INTERVAL };
  static const struct option longs[] = {
      {"store", required_argument, NULL, 's'}, {"output", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, 'f'}, {"jobs", required_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, 'q'},       {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},        {"version", no_argument, NULL, 'V'},
      {"follow-symlinks", no_argument, NULL, OPT_FOLLOW_SYMLINKS},
      {"skip-foreign", no_argument, NULL, OPT_SKIP_FOREIGN},
      {"follow", no_argument, NULL, OPT_FOLLOW}, {"interval", required_argument, NULL, OPT_INTERVAL},
      {"mlflow", required_argument, NULL, OPT_MLFLOW}, {"mpi", no_argument, NULL, OPT_MPI},
      {NULL, 0, NULL, 0}};
  pv_merge_opts o = {0};
  int quiet = 0, verbose = 0, mpi = 0, c;
  double interval = 5;
  const char *mlflow = NULL;
  while ((c = getopt_long(argc, argv, "s:o:f:j:qvhV", longs, NULL)) != -1) {
    switch (c) {
    case 's': o.store = optarg; break;
    case 'o': o.output = optarg; break;
    case 'f':
      if (strcmp(optarg, "ntriples") && strcmp(optarg, "turtle")) {
        fprintf(stderr, "prov-merge: -f: unknown format '%s' (ntriples or turtle)\n", optarg);
        return 2;
      }
      o.format = optarg;
      break;
    case 'j': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 1 || n > 1024) {
        fprintf(stderr, "prov-merge: -j: expected a number of threads from 1 to 1024, got '%s'\n", optarg);
        return 2;
      }
      o.threads = (int)n;
      break;
    }
    case 'q': quiet = 1; break;
    case OPT_FOLLOW_SYMLINKS: o.follow = 1; break;
    case OPT_FOLLOW: following = 1; break;
    case OPT_INTERVAL: {
      char *end;
      interval = strtod(optarg, &end);
      if (*end || !(interval >= 0.01 && interval <= 86400)) {
        fprintf(stderr, "prov-merge: --interval: expected seconds from 0.01 to 86400, got '%s'\n", optarg);
        return 2;
      }
      break;
    }
    case OPT_SKIP_FOREIGN: o.skip_foreign = 1; break;
    case OPT_MLFLOW: mlflow = optarg; break;
    case OPT_MPI: mpi = 1; break;
    case 'v': verbose = 1; break;
    case 'h': fputs(usage, stdout); return 0;
    case 'V': printf("prov-merge (provio) %s\n", PROVIO_VERSION); return 0;
    default: fputs("prov-merge: try 'prov-merge --help'\n", stderr); return 2;
    }
  }
  if ((optind == argc && !mlflow) || (!o.store && !o.output)) {
    fprintf(stderr, "prov-merge: %s\n%s", optind == argc ? "no record directory given" : "give -s STORE or -o FILE",
            usage);
    return 2;
  }
  if (following && (mpi || !o.store)) {
    fprintf(stderr, "prov-merge: --follow needs -s STORE%s\n", mpi ? " and goes without --mpi" : "");
    return 2;
  }
  if (!o.format) o.format = o.output && ends_with(o.output, ".ttl") ? "turtle" : "ntriples";
  o.inputs = argv + optind;
  o.ninputs = argc - optind;
  char err[1024], mlflow_dir[4200] = "", mlflow_nt[4300] = "";
  char **inputs = NULL;
  int rank = 0, ranks = 1;
  if (mpi && pv_mpi_start(&argc, &argv, &rank, &ranks, err, sizeof err) != 0) {
    fprintf(stderr, "prov-merge: %s\n", err);
    return 1;
  }
  if (mlflow && rank == 0) {
    /* the runs as one more record file, private to this merge */
    int status = import_mlflow(mlflow, quiet, mlflow_dir, sizeof mlflow_dir, mlflow_nt, sizeof mlflow_nt, err,
                               sizeof err);
    inputs = status ? NULL : malloc((size_t)(o.ninputs + 1) * sizeof *inputs);
    if (!inputs) {
      fprintf(stderr, "prov-merge: %s\n", status ? err : "out of memory");
      remove_import(mlflow_dir, mlflow_nt);
      return status ? status : 1;
    }
    memcpy(inputs, o.inputs, (size_t)o.ninputs * sizeof *inputs);
    if (!mpi) inputs[o.ninputs++] = mlflow_nt; /* with --mpi: rank 0's alone */
    o.inputs = inputs;
  }
  o.stop = &stop;
  if (!quiet && rank == 0 && isatty(STDERR_FILENO)) o.progress = draw_progress;

  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  pv_merge_stats st;
  int remote = o.store && pv_remote_is_url(o.store);
  if (remote && o.output) {
    remove_import(mlflow_dir, mlflow_nt);
    if (rank == 0) fprintf(stderr, "prov-merge: -o goes with an embedded store, not a server (query the server instead)\n");
    if (mpi) pv_mpi_finish();
    return 2;
  }
  if (following) {
    quiet_follow = quiet;
    verbose_follow = verbose;
    o.progress = NULL;
    follow_target t = {.remote = remote};
    pv_follow_opts fo = {interval, !remote, &stop_asked, report_pass};
    int status = pv_follow(&o, &fo, merge_once, &t, err, sizeof err);
    remove_import(mlflow_dir, mlflow_nt);
    free(inputs);
    if (status) fprintf(stderr, "prov-merge: %s\n", err);
    return status;
  }
  char graph[64];
  unsigned long long uploaded = 0, listed_elsewhere = 0;
  int status = mpi      ? pv_mpi_merge(&o, *mlflow_nt ? mlflow_nt : NULL, remote, &st, graph, &uploaded,
                                       &listed_elsewhere, err, sizeof err)
               : remote ? pv_merge_remote(&o, &st, graph, &uploaded, err, sizeof err)
                        : pv_merge(&o, &st, err, sizeof err);
  if (mpi) pv_mpi_finish();
  remove_import(mlflow_dir, mlflow_nt);
  free(inputs);
  if (o.progress && (status || st.nwarnings)) fputs("\r\033[K", stderr);
  /* even with -q: what was left out is not merged */
  for (size_t i = 0; i < st.nwarnings; i++) fprintf(stderr, "prov-merge: warning: %s\n", st.warnings[i]);
  if (rank != 0) {
    if (!quiet) print_rejects(&st, verbose, 0); /* this rank's share; rank 0 reports the rest */
  } else if (status) {
    fprintf(stderr, "prov-merge: %s\n", err);
  } else if (!quiet) {
    summary(&o, &st, verbose, listed_elsewhere);
    if (remote) fprintf(stderr, "prov-merge: %llu triples published in graph <%s> of %s\n", uploaded, graph, o.store);
  }
  pv_merge_stats_free(&st);
  return status;
}
