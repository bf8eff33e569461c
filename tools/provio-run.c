/* provio-run - run a command with provenance capture.
 *
 *   provio-run [--out DIR] [--mode summary|trace] [--config FILE] [--no-hdf5] -- CMD ARGS...
 *
 * Sets LD_PRELOAD (prepending libprovio.so to what is there), PROVIO_DIR,
 * PROVIO_MODE and the HDF5 VOL variables, then execs CMD: the exit status is
 * CMD's own.  Under MPI, put it after the launcher so that only the ranks
 * are tracked:  mpirun -n 64 provio-run --out /scratch/prov -- ./app */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_config.h"

#ifndef PROVIO_LIBDIR_FROM_BINDIR
#define PROVIO_LIBDIR_FROM_BINDIR "../lib"
#endif
#ifndef PROVIO_PLUGINDIR_FROM_BINDIR
#define PROVIO_PLUGINDIR_FROM_BINDIR "../lib/provio/hdf5"
#endif
#ifndef PROVIO_BUILD_LIBDIR
#define PROVIO_BUILD_LIBDIR ""
#endif

enum { EXIT_USAGE = 2, EXIT_SETUP = 3, EXIT_EXEC = 127 };

static void usage(FILE *out)
{
  fputs(
      "usage: provio-run [OPTIONS] -- COMMAND [ARGS...]\n"
      "\n"
      "Runs COMMAND with provenance capture: every process it starts records its file,\n"
      "stdio, MPI-IO and HDF5 I/O into per-thread N-Triples files under DIR.\n"
      "\n"
      "Options:\n"
      "  -o, --out DIR        where the record files go (default: $PROVIO_DIR, else\n"
      "                       ./provio-records); made absolute\n"
      "  -m, --mode MODE      summary (one record per file session, the default) or\n"
      "                       trace (also one record per call)\n"
      "  -c, --config FILE    read PROVIO_* settings from FILE (lines NAME=VALUE, # comments)\n"
      "      --no-hdf5        do not enable the HDF5 VOL connector\n"
      "      --no-callsites   do not record the calling function of opens and renames\n"
      "  -V, --version        print provio's version and exit\n"
      "  -h, --help           this text\n"
      "\n"
      "Environment set for COMMAND:\n"
      "  LD_PRELOAD           libprovio.so prepended to the existing value\n"
      "  PROVIO_DIR, PROVIO_MODE, PROVIO_CALLSITES   from the options\n"
      "  HDF5_PLUGIN_PATH     the provio connector's directory prepended (unless --no-hdf5)\n"
      "  HDF5_VOL_CONNECTOR   \"provio under_vol=0;under_info={}\" unless already set\n"
      "Other variables read by libprovio.so (see provio-run(1)): PROVIO_JOB_ID,\n"
      "PROVIO_EXCLUDE, PROVIO_INCLUDE, PROVIO_LOCAL, PROVIO_LOG.\n"
      "\n"
      "Exit status: COMMAND's; 2 for a usage error, 3 if the setup failed, 127 if\n"
      "COMMAND cannot be run.\n",
      out);
}

/* Directory of this executable, for finding the library beside it. */
static int self_dir(char *dst, size_t cap)
{
  ssize_t n = readlink("/proc/self/exe", dst, cap - 1);
  if (n <= 0) return -1;
  dst[n] = 0;
  char *slash = strrchr(dst, '/');
  if (!slash) return -1;
  *slash = 0;
  return 0;
}

/* The first of dir/rel/name that exists, made canonical. */
static int find_file(char *dst, const char *dir, const char *rel, const char *name)
{
  char path[PATH_MAX * 2];
  snprintf(path, sizeof path, "%s/%s/%s", dir, rel, name);
  return realpath(path, dst) && access(dst, R_OK) == 0 ? 0 : -1;
}

static int prepend(const char *var, const char *value, const char *sep)
{
  const char *old = getenv(var);
  if (!old || !*old) return setenv(var, value, 1);
  size_t n = strlen(value) + strlen(old) + strlen(sep) + 1;
  char *both = malloc(n);
  if (!both) return -1;
  snprintf(both, n, "%s%s%s", value, sep, old);
  int rc = setenv(var, both, 1);
  free(both);
  return rc;
}

static int set_env(void *ctx, const char *name, const char *value)
{
  return setenv(name, value, 1);
}

static int load_config(const char *file)
{
  FILE *f = fopen(file, "r");
  if (!f) {
    fprintf(stderr, "provio-run: cannot read %s: %s\n", file, strerror(errno));
    return -1;
  }
  char err[128];
  int rc = pv_run_config_read(f, set_env, NULL, err, sizeof err);
  fclose(f);
  if (rc != 0) fprintf(stderr, "provio-run: %s:%s\n", file, err);
  return rc;
}

int main(int argc, char **argv)
{
  static const struct option options[] = {
      {"out", required_argument, NULL, 'o'},    {"mode", required_argument, NULL, 'm'},
      {"config", required_argument, NULL, 'c'}, {"no-hdf5", no_argument, NULL, 'H'},
      {"no-callsites", no_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  const char *out = NULL, *mode = NULL, *config = NULL;
  int hdf5 = 1, callsites = 1, c;
  while ((c = getopt_long(argc, argv, "+o:m:c:hV", options, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'm': mode = optarg; break;
    case 'c': config = optarg; break;
    case 'H': hdf5 = 0; break;
    case 'C': callsites = 0; break;
    case 'h': usage(stdout); return 0;
    case 'V': puts("provio-run (provio) " PROVIO_VERSION_STRING); return 0;
    default: usage(stderr); return EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fputs("provio-run: no command given (use: provio-run [OPTIONS] -- COMMAND ...)\n", stderr);
    return EXIT_USAGE;
  }
  if (mode && strcmp(mode, "summary") != 0 && strcmp(mode, "trace") != 0) {
    fprintf(stderr, "provio-run: --mode must be summary or trace, not '%s'\n", mode);
    return EXIT_USAGE;
  }
  if (config && load_config(config) != 0) return EXIT_SETUP;

  char dir[PATH_MAX], lib[PATH_MAX], plugin[PATH_MAX];
  if (self_dir(dir, sizeof dir) != 0 ||
      (find_file(lib, dir, PROVIO_LIBDIR_FROM_BINDIR, "libprovio.so") != 0 &&
       find_file(lib, PROVIO_BUILD_LIBDIR, ".", "libprovio.so") != 0)) {
    fputs("provio-run: cannot find libprovio.so next to this program\n", stderr);
    return EXIT_SETUP;
  }
  if (!out) out = getenv("PROVIO_DIR");
  if (!out || !*out) out = "provio-records";
  char absolute[PATH_MAX * 2];
  if (out[0] != '/') {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
      fputs("provio-run: cannot determine the current directory\n", stderr);
      return EXIT_SETUP;
    }
    snprintf(absolute, sizeof absolute, "%s/%s", cwd, out);
    out = absolute;
  }
#ifdef PROVIO_SANITIZER_RUNTIME
  /* A sanitizer build's libprovio.so works only behind its runtime. */
  if (prepend("LD_PRELOAD", lib, ":") != 0 || prepend("LD_PRELOAD", PROVIO_SANITIZER_RUNTIME, ":") != 0 ||
#else
  if (prepend("LD_PRELOAD", lib, ":") != 0 ||
#endif
      setenv("PROVIO_DIR", out, 1) != 0 ||
      (mode && setenv("PROVIO_MODE", mode, 1) != 0) ||
      (!callsites && setenv("PROVIO_CALLSITES", "0", 1) != 0)) {
    fputs("provio-run: cannot set the environment\n", stderr);
    return EXIT_SETUP;
  }
  if (hdf5) {
    char libdir[PATH_MAX];
    snprintf(libdir, sizeof libdir, "%s", lib);
    char *slash = strrchr(libdir, '/');
    if (slash) *slash = 0;
    /* Installed: <prefix>/lib/provio/hdf5; in a build tree: hdf5/ beside the library. */
    if (find_file(plugin, dir, PROVIO_PLUGINDIR_FROM_BINDIR, "libprovio_vol.so") == 0 ||
        find_file(plugin, libdir, "hdf5", "libprovio_vol.so") == 0) {
      slash = strrchr(plugin, '/');
      if (slash) *slash = 0;
      prepend("HDF5_PLUGIN_PATH", plugin, ":");
      setenv("HDF5_VOL_CONNECTOR", "provio under_vol=0;under_info={}", 0);
    }
  }
  execvp(argv[optind], argv + optind);
  fprintf(stderr, "provio-run: cannot run %s: %s\n", argv[optind], strerror(errno));
  return EXIT_EXEC;
}
