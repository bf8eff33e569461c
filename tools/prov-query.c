/* prov-query - SPARQL, one-command lineage, impact, statistics and runs over
 * a provio store.  The work is in store/ (query.h); this file is the
 * command line.  docs/prov-query.md and docs/man/prov-query.1 describe it. */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provio.h"
#include "query.h"
#include "query_output.h"
#include "remote_cache.h"
#include "remote_query.h"

extern char **environ;

#define STR(x) #x
#define XSTR(x) STR(x)
#define VERSION XSTR(PROVIO_VERSION_MAJOR) "." XSTR(PROVIO_VERSION_MINOR) "." XSTR(PROVIO_VERSION_PATCH)

#define EXIT_CODES                                                         \
  "Exit status:\n"                                                         \
  "  0  success\n"                                                         \
  "  1  other error (Redland failed, output could not be written)\n"      \
  "  2  bad command line\n"                                                \
  "  3  the store does not exist\n"                                        \
  "  4  the directory is not a provio store\n"                             \
  "  5  malformed or unsupported SPARQL query\n"                           \
  "  6  the target (or job) is not in the store\n"                         \
  "  7  the store is damaged (rebuild it by merging the records again)\n"  \
  "  10 a server store refused the credentials\n"                         \
  "  11 a server store cannot be reached\n"                               \
  "  12 a server store failed, or answered what cannot be read\n"         \
  "  13 the credentials file (PROVIO_STORE_AUTH) is unusable\n"           \
  "STORE may be a SPARQL server's endpoint, http://HOST:PORT/sparql\n"     \
  "(docs/server-store.md).\n"

enum command_id { C_SPARQL, C_LINEAGE, C_IMPACT, C_STATS, C_RUNS, C_CONFIG, C_METRICS, NCOMMANDS };

static const struct command {
  const char *name, *usage, *help;
} commands[NCOMMANDS] = {
    {"sparql", "prov-query -s STORE [--format FMT] 'QUERY' | -f FILE",
     "Runs a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT) with the prefixes rdf, rdfs, xsd,\n"
     "prov and provio declared.  CONSTRUCT prints N-Triples.\n\n"
     "  -f, --file FILE    read the query from FILE ('-': standard input)\n"
     "  --format FMT       table (default on a terminal), tsv (default otherwise: W3C\n"
     "                     SPARQL TSV, ?var header, terms in Turtle form), csv, json\n"
     "                     (W3C SPARQL 1.1 JSON results)\n\n"
     "Rasqal 0.9.33 computes integers as C ints: SUM over byte counts overflows past\n"
     "2^31 and COUNT(DISTINCT ...) miscounts.  Cast to xsd:decimal (SUM(xsd:decimal(?b)))\n"
     "or use the stats command.  No property paths, EXISTS, MINUS or DESCRIBE: use\n"
     "lineage and impact for transitive questions.\n"},
    {"lineage", "prov-query -s STORE lineage TARGET [--depth N] [--all] [--format FMT] [--svg FILE]",
     "Lists everything TARGET came from, each once: the versions of files, HDF5 objects\n"
     "and MPI messages it was derived from, as prov-merge derived them, back to inputs\n"
     "no tracked process wrote, and the processes that wrote them with the processes\n"
     "that started those.  A process's program, user and rank are shown on its line.\n"
     "A process as TARGET: what it read, and where that came from.\n\n"
     "TARGET is a path (absolute or relative to the working directory), PATH:/object\n"
     "for an HDF5 object, HOST:/path for a node-local file, or an IRI (<...>, file://,\n"
     "urn:), or a name as the text format prints it (with its \\\\ and \\xHH escapes).\n"
     "Use -- before a target that starts with '-'.\n\n"
     "  --depth N          at most N levels (default: all)\n"
     "  --all              also the environment: the executable, libraries, system and\n"
     "                     start-up files prov-merge marked (hidden by default)\n"
     "  --format FMT       text (default), tsv, json, dot (Graphviz)\n"
     "  --svg FILE         render the graph to FILE with Graphviz dot instead of printing\n"},
    {"impact", "prov-query -s STORE impact TARGET [--depth N] [--all] [--format FMT] [--svg FILE]",
     "Lists everything derived from TARGET, the exact inverse of lineage: each version\n"
     "whose lineage holds TARGET, and the processes that read TARGET or any of them.\n"
     "A process as TARGET: what it and the processes it started wrote, and so on.\n"
     "TARGET and the options are as for lineage (the environment too: hidden unless --all).\n"},
    {"stats", "prov-query -s STORE stats [--by program|file|rank|host] [--format FMT]",
     "Bytes read and written, call counts and seconds inside I/O calls per program (the\n"
     "default), file, MPI rank or host, largest first.  Sums are exact 64-bit integers.\n"
     "Sessions an I/O library opened for itself and MPI-IO/HDF5-level sessions (whose\n"
     "bytes the POSIX level already counts) are left out.\n\n"
     "  --by KEY           program, file, rank or host\n"
     "  --format FMT       table (default on a terminal), tsv, csv, json\n"},
    {"runs", "prov-query -s STORE runs [JOB] [--format FMT]",
     "Lists the jobs in the store with their start, end, process and rank counts, highest\n"
     "exit status and unfinished processes; with JOB (its id or IRI), its processes.\n\n"
     "  --format FMT       table (default on a terminal), tsv, csv, json\n"},
    {"config", "prov-query -s STORE config TARGET... [--format FMT]",
     "Lists what the processes (and imported MLflow runs) in each TARGET's lineage\n"
     "recorded about their run, all levels: settings (provio_config, provio_annotate),\n"
     "labels, metrics, configuration files (key: the file, value: the version read),\n"
     "and the checkpoints among the versions (key: the file, value: the version, its\n"
     "step; its process's settings are the configuration it was written under).\n"
     "Columns: level, process, command, kind (checkpoint, configfile, setting, label,\n"
     "metric), group, key, value, step, time; the targets' rows in the order given.\n"
     "TARGET is as for lineage (several: e.g. a shell glob, ckpt_*.pt).\n\n"
     "  --format FMT       table (default on a terminal), tsv, csv, json\n"},
    {"metrics", "prov-query -s STORE metrics [--run JOB|TARGET] [--name NAME] [--format FMT]",
     "Lists metric series (provio_metric, MLflow metrics): process, command, name, step,\n"
     "value, time, by process, name and step.\n\n"
     "  --run JOB|TARGET   only the processes of that job (its id or IRI), or else those\n"
     "                     in the lineage of TARGET (as for lineage: a file, a process\n"
     "                     or an MLflow run IRI)\n"
     "  --name NAME        only the metric NAME\n"
     "  --format FMT       table (default on a terminal), tsv, csv, json\n"},
};

static void usage(FILE *out, const struct command *c)
{
  if (c) {
    fprintf(out, "Usage: %s\n\n%s\n  -s, --store DIR    the store (default: $PROVIO_STORE)\n\n%s", c->usage,
            c->help, EXIT_CODES);
    return;
  }
  fputs("Usage: prov-query -s STORE [COMMAND] [ARGS...] [OPTIONS]\n\n"
        "Answers questions about a provio store made by prov-merge.\n\nCommands:\n",
        out);
  for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  %s\n", commands[i].usage);
  fputs("\nprov-query COMMAND --help describes a command; 'man prov-query' all of them.\n\n"
        "  -s, --store DIR    the store (default: $PROVIO_STORE)\n"
        "  -h, --help         this help\n  --version          the provio version\n\n",
        out);
  fputs(EXIT_CODES, out);
}

static int parse_format(const char *s, int lineage, enum pv_format *f)
{
  static const struct { const char *name; enum pv_format f; int lineage; } names[] = {
      {"table", PV_FMT_TABLE, 0}, {"tsv", PV_FMT_TSV, 2}, {"csv", PV_FMT_CSV, 0},
      {"json", PV_FMT_JSON, 2},   {"text", PV_FMT_TEXT, 1}, {"dot", PV_FMT_DOT, 1},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i].name) == 0 && (names[i].lineage == 2 || names[i].lineage == lineage)) {
      *f = names[i].f;
      return 0;
    }
  return -1;
}

static char *read_all(const char *path)
{
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return NULL;
  size_t n = 0, cap = 4096;
  char *buf = malloc(cap);
  for (size_t got; (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
    n += got;
    if (cap - n < 2) buf = realloc(buf, cap *= 2);
  }
  buf[n] = 0;
  int bad = ferror(f) || strlen(buf) != n;
  if (f != stdin) fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* Renders a lineage graph: DOT into Graphviz's dot on a pipe. */
static int render_svg(pv_store *s, const char *target, const pv_walk *w, const char *svg, char *err,
                      size_t errlen)
{
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return PV_EXIT_ERROR;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  char *argv[] = {"dot", "-Tsvg", "-o", (char *)svg, NULL};
  pid_t pid;
  int e = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[0]);
  if (e) {
    close(fds[1]);
    snprintf(err, errlen, "--svg needs Graphviz 'dot': %s", strerror(e));
    return PV_EXIT_ERROR;
  }
  FILE *out = fdopen(fds[1], "w");
  int rc = pv_query_lineage(s, target, w, PV_FMT_DOT, out, err, errlen);
  fclose(out);
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (rc == PV_EXIT_OK) snprintf(err, errlen, "dot failed to write %s", svg);
    if (rc == PV_EXIT_OK) rc = PV_EXIT_ERROR;
  }
  return rc;
}

/* What the command line asks. */
struct answer {
  enum command_id id;
  char **args;
  int nargs;
  const char *query;
  enum pv_format fmt;
  const char *format, *svg;
  enum pv_stats_by by;
  const char *run, *name;
  pv_walk walk;
};

static int answer(const struct answer *a, pv_store *s, FILE *out, char *err, size_t errlen)
{
  switch (a->id) {
  case C_SPARQL: return pv_query_sparql(s, a->query, a->fmt, out, err, errlen);
  case C_LINEAGE:
  case C_IMPACT: {
    int rc = a->svg ? render_svg(s, a->args[0], &a->walk, a->svg, err, errlen) : PV_EXIT_OK;
    if (rc == PV_EXIT_OK && (!a->svg || a->format))
      rc = pv_query_lineage(s, a->args[0], &a->walk, a->fmt, out, err, errlen);
    return rc;
  }
  case C_STATS: return pv_query_stats(s, a->by, a->fmt, out, err, errlen);
  case C_RUNS: return pv_query_runs(s, a->nargs ? a->args[0] : NULL, a->fmt, out, err, errlen);
  case C_CONFIG: return pv_query_config(s, a->args, a->nargs, a->fmt, out, err, errlen);
  case C_METRICS: return pv_query_metrics(s, a->run, a->name, a->fmt, out, err, errlen);
  default: return PV_EXIT_ERROR;
  }
}

/* The test hook of docs/server-store.md: with PROVIO_QUERY_HOLD set, a
 * command that has its answer says so on stderr and waits for its
 * standard input to close before it checks the published graphs (a test
 * publishes a job meanwhile). */
static void hold_before_checking(void)
{
  if (!getenv("PROVIO_QUERY_HOLD")) return;
  fprintf(stderr, "prov-query: answered\n");
  fflush(stderr);
  char buf[256];
  while (read(STDIN_FILENO, buf, sizeof buf) > 0) continue;
}

/* A command's answer from the server; SPARQL runs there, the others on a
 * cache that brings in what they read (remote_cache.h).  A merge that
 * publishes a job while the command reads replaces a graph the command
 * named and drops it: the command may have read part of it.  The answer
 * is kept aside until the list of published graphs, read again, is the
 * one the command used; otherwise the command runs again. */
static int answer_from_server(const struct answer *a, const char *store, char *err, size_t errlen)
{
  enum { TRIES = 5 };
  pv_remote server;
  int rc = pv_remote_open(&server, store, 0, err, errlen);
  for (int tries = 1; rc == PV_EXIT_OK; tries++) {
    FILE *out = tmpfile();
    if (!out) {
      snprintf(err, errlen, "cannot keep the answer aside: %s", strerror(errno));
      rc = PV_EXIT_ERROR;
      break;
    }
    err[0] = 0;
    if (a->id == C_SPARQL) {
      rc = pv_remote_sparql(&server, a->query, a->fmt, out, err, errlen);
    } else {
      pv_remote_cache cache;
      pv_store s;
      rc = pv_remote_cache_open(&cache, &server, &s, err, errlen);
      if (rc == PV_EXIT_OK) {
        rc = answer(a, &s, out, err, errlen);
        pv_store_close(&s);
      }
      if (cache.status) { /* what was answered misses what the server did not send */
        rc = cache.status;
        snprintf(err, errlen, "%s", cache.err);
      }
      pv_remote_cache_close(&cache);
    }
    hold_before_checking();
    int changed = 0;
    char again[256];
    if (tries < TRIES && pv_remote_reread(&server, &changed, again, sizeof again) == PV_EXIT_OK && changed) {
      fclose(out);
      rc = PV_EXIT_OK;
      continue;
    }
    rewind(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, out)) > 0) fwrite(buf, 1, n, stdout);
    if (ferror(out) || fflush(stdout) != 0 || ferror(stdout)) {
      snprintf(err, errlen, "cannot write the answer: %s", strerror(errno));
      rc = PV_EXIT_ERROR;
    }
    fclose(out);
    break;
  }
  pv_remote_close(&server);
  return rc;
}

int main(int argc, char **argv)
{
  enum { OPT_FORMAT = 256, OPT_DEPTH, OPT_BY, OPT_SVG, OPT_ALL, OPT_VERSION, OPT_RUN, OPT_NAME };
  static const struct option opts[] = {
      {"store", required_argument, NULL, 's'}, {"file", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},        {"format", required_argument, NULL, OPT_FORMAT},
      {"depth", required_argument, NULL, OPT_DEPTH}, {"by", required_argument, NULL, OPT_BY},
      {"svg", required_argument, NULL, OPT_SVG},     {"version", no_argument, NULL, OPT_VERSION},
      {"all", no_argument, NULL, OPT_ALL},     {"run", required_argument, NULL, OPT_RUN},
      {"name", required_argument, NULL, OPT_NAME},
      {NULL, 0, NULL, 0},
  };
  const char *store = getenv("PROVIO_STORE"), *file = NULL, *format = NULL, *by = NULL, *svg = NULL;
  const char *run = NULL, *name = NULL;
  int depth = -1, all = 0, help = 0, opt;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, "s:f:h", opts, NULL)) != -1) {
    switch (opt) {
    case 's': store = optarg; break;
    case 'f': file = optarg; break;
    case 'h': help = 1; break;
    case OPT_FORMAT: format = optarg; break;
    case OPT_BY: by = optarg; break;
    case OPT_SVG: svg = optarg; break;
    case OPT_ALL: all = 1; break;
    case OPT_RUN: run = optarg; break;
    case OPT_NAME: name = optarg; break;
    case OPT_VERSION: puts("prov-query (provio) " VERSION); return PV_EXIT_OK;
    case OPT_DEPTH: {
      char *end;
      long d = strtol(optarg, &end, 10);
      if (*optarg == 0 || *end || d < 0 || d > 1000000) {
        fprintf(stderr, "prov-query: --depth needs a number of levels, not '%s'\n", optarg);
        return PV_EXIT_USAGE;
      }
      depth = (int)d;
      break;
    }
    default:
      fprintf(stderr, "prov-query: unknown or incomplete option '%s' (see prov-query --help)\n",
              argv[optind - 1]);
      return PV_EXIT_USAGE;
    }
  }
  enum command_id id = C_SPARQL;
  int nargs = argc - optind;
  char **args = argv + optind;
  for (int i = C_LINEAGE; nargs > 0 && i < NCOMMANDS; i++)
    if (strcmp(args[0], commands[i].name) == 0) {
      id = (enum command_id)i;
      args++;
      nargs--;
      break;
    }
  const struct command *cmd = &commands[id];
  if (help) {
    usage(stdout, nargs || id != C_SPARQL || file ? cmd : NULL);
    return PV_EXIT_OK;
  }
  int lineage = id == C_LINEAGE || id == C_IMPACT;
  /* SPARQL: the query or -f; lineage, impact: a target; config: targets;
   * runs: an optional job; stats, metrics: nothing. */
  int min_args = id == C_SPARQL ? !file : lineage || id == C_CONFIG;
  int max_args = id == C_SPARQL ? !file : id == C_STATS || id == C_METRICS ? 0 : id == C_CONFIG ? argc : 1;
  if (nargs < min_args || nargs > max_args || (file && id != C_SPARQL) || (by && id != C_STATS) ||
      ((run || name) && id != C_METRICS) ||
      ((svg || depth >= 0 || all) && !lineage)) {
    if (id == C_SPARQL && nargs == 0 && !file) usage(stderr, NULL);
    else fprintf(stderr, "prov-query: usage: %s\n", cmd->usage);
    return PV_EXIT_USAGE;
  }
  enum pv_format fmt = lineage ? PV_FMT_TEXT : pv_is_terminal(stdout) ? PV_FMT_TABLE : PV_FMT_TSV;
  if (format && parse_format(format, lineage, &fmt) != 0) {
    fprintf(stderr, "prov-query: %s: no format '%s' (%s)\n", cmd->name, format,
            lineage ? "text, tsv, json, dot" : "table, tsv, csv, json");
    return PV_EXIT_USAGE;
  }
  static const char *const by_names[] = {"program", "file", "rank", "host"};
  enum pv_stats_by by_key = PV_BY_PROGRAM;
  for (int i = 0; by && i < 4; i++)
    if (strcmp(by, by_names[i]) == 0) by_key = (enum pv_stats_by)i;
  if (by && strcmp(by, by_names[by_key]) != 0) {
    fprintf(stderr, "prov-query: stats: --by program, file, rank or host, not '%s'\n", by);
    return PV_EXIT_USAGE;
  }
  if (!store) {
    fprintf(stderr, "prov-query: no store given (-s STORE, or set PROVIO_STORE)\n");
    return PV_EXIT_USAGE;
  }
  char *query = NULL;
  if (id == C_SPARQL) {
    errno = 0;
    query = file ? read_all(file) : strdup(args[0]);
    if (!query) {
      fprintf(stderr, "prov-query: %s: cannot read the query (%s)\n", file,
              errno ? strerror(errno) : "it holds a NUL byte");
      return PV_EXIT_USAGE;
    }
  }

  char err[1024] = "";
  const struct answer a = {id, args, nargs, query, fmt, format, svg, by_key, run, name,
                           {id == C_LINEAGE ? PV_BACKWARD : PV_FORWARD, depth, all}};
  int rc;
  if (!pv_remote_is_url(store)) {
    pv_store s;
    rc = pv_query_open(&s, store, err, sizeof err);
    if (rc == PV_EXIT_OK) {
      rc = answer(&a, &s, stdout, err, sizeof err);
      pv_store_close(&s);
    }
  } else {
    rc = answer_from_server(&a, store, err, sizeof err);
  }
  free(query);
  if (rc != PV_EXIT_OK) fprintf(stderr, "prov-query: %s\n", err[0] ? err : "failed");
  return rc;
}
