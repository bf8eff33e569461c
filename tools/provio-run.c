/* provio-run - run a command with provenance capture.
 *
 *   provio-run [--out DIR] [--mode summary|trace] [--config FILE] [--no-hdf5] [--mpi FAMILY] -- CMD ARGS...
 *
 * Sets LD_PRELOAD (prepending libprovio.so to what is there), PROVIO_DIR,
 * PROVIO_MODE and the HDF5 VOL variables, then execs CMD: the exit status is
 * CMD's own.  Under MPI, put it after the launcher so that only the ranks
 * are tracked:  mpirun -n 64 provio-run --out /scratch/prov -- ./app */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#ifndef PROVIO_LIBDIR_FROM_BINDIR
#define PROVIO_LIBDIR_FROM_BINDIR "../lib"
#endif
#ifndef PROVIO_PLUGINDIR_FROM_BINDIR
#define PROVIO_PLUGINDIR_FROM_BINDIR "../lib/provio/hdf5"
#endif
#ifndef PROVIO_BUILD_LIBDIR
#define PROVIO_BUILD_LIBDIR ""
#endif
#ifndef PROVIO_MULTIARCH
#define PROVIO_MULTIARCH ""
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
      "  -o, --out DIR        where the record files go (default: $PROVIO_DIR, else the\n"
      "                       --config file's dir, else ./provio-records); made absolute\n"
      "  -m, --mode MODE      summary (one record per file session, the default) or\n"
      "                       trace (also one record per call)\n"
      "  -c, --config FILE    the configuration file (docs/configuration.md: lines\n"
      "                       KEY = VALUE, # comments), passed on as PROVIO_CONFIG;\n"
      "                       options and PROVIO_* variables override it, its dir is\n"
      "                       the default of --out; bad lines are reported and ignored\n"
      "      --no-hdf5        do not enable the HDF5 VOL connector\n"
      "      --no-callsites   do not record the calling function of opens and renames\n"
      "      --mpi FAMILY     which MPI module to load: openmpi, mpich (the MPICH ABI:\n"
      "                       MPICH, Intel MPI, Cray MPICH, MVAPICH), both or none;\n"
      "                       default: the MPI that COMMAND links, else the one whose\n"
      "                       launcher started it, else none\n"
      "  -V, --version        print provio's version and exit\n"
      "  -h, --help           this text\n"
      "\n"
      "Environment set for COMMAND:\n"
      "  LD_PRELOAD           libprovio.so (and the MPI module) prepended to the existing\n"
      "                       value\n"
      "  PROVIO_DIR, PROVIO_MODE, PROVIO_CALLSITES, PROVIO_CONFIG   from the options\n"
      "  HDF5_PLUGIN_PATH     the provio connector's directory prepended (unless --no-hdf5)\n"
      "  HDF5_VOL_CONNECTOR   \"provio under_vol=0;under_info={}\", or provio stacked on the\n"
      "                       connector it names: \"provio under_vol=NAME;under_info={INFO}\"\n"
      "  PROVIO_HDF5_USER_VOL_CONNECTOR  its former value: what any HDF5 but provio's reads\n"
      "Other variables read by libprovio.so (see provio-run(1)): PROVIO_JOB_ID,\n"
      "PROVIO_EXCLUDE, PROVIO_INCLUDE, PROVIO_LOCAL, PROVIO_LOG, and the record class\n"
      "switches PROVIO_FILES, PROVIO_HDF5_GROUPS, ... (docs/configuration.md).\n"
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

/* HDF5 reads its default connector as "<name> <info>" from
 * HDF5_VOL_CONNECTOR.  provio goes on top of the one the user chose (by
 * name: provio resolves under_vol names as well as values), with the
 * user's info nested as its own under_info. */
static int set_vol_connector(void)
{
  const char *user = getenv("HDF5_VOL_CONNECTOR");
  const char *name = user ? user + strspn(user, " \t\r\n") : "";
  size_t name_len = strcspn(name, " \t\r\n");
  if (name_len == 6 && strncmp(name, "provio", 6) == 0) return 0;
  /* What every caller but provio's HDF5 still reads (interpose/hdf5_env.c). */
  if (setenv("PROVIO_HDF5_USER_VOL_CONNECTOR", user ? user : "", 1) != 0) return -1;
  if (name_len == 0) return setenv("HDF5_VOL_CONNECTOR", "provio under_vol=0;under_info={}", 1);
  const char *info = name + name_len;
  info += strspn(info, " \t");
  size_t info_len = strcspn(info, "\r\n");
  size_t n = name_len + info_len + 48;
  char *stacked = malloc(n);
  if (!stacked) return -1;
  snprintf(stacked, n, "provio under_vol=%.*s;under_info={%.*s}", (int)name_len, name, (int)info_len, info);
  int rc = setenv("HDF5_VOL_CONNECTOR", stacked, 1);
  free(stacked);
  return rc;
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

/* The command's libprovio.so reads the file (PROVIO_CONFIG, by absolute
 * path: the command may chdir); read here too, to report its problems
 * before the job starts and to learn its output directory. */
static int use_config(const char *file, const char **dir)
{
  static char path[PATH_MAX];
  static pv_config c;
  if (!realpath(file, path) || access(path, R_OK) != 0) {
    fprintf(stderr, "provio-run: cannot read %s: %s\n", file, strerror(errno));
    return -1;
  }
  pv_config_defaults(&c);
  pv_config_read_file(&c, path);
  for (int i = 0; i < c.problems && i < PV_CONFIG_PROBLEMS; i++) fprintf(stderr, "provio-run: %s\n", c.problem[i]);
  if (c.problems > PV_CONFIG_PROBLEMS) fprintf(stderr, "provio-run: %s: more problems not shown\n", path);
  *dir = c.dir;
  return setenv("PROVIO_CONFIG", path, 1);
}

/* ---- which MPI the command uses ----------------------------------------------
 * The MPI modules are preloaded only into MPI programs, and only the module
 * of the program's MPI family (interpose/mpi.c says why).  The family is
 * read from the libraries the executable needs, transitively, as the
 * loader would find them; a command that links no MPI (a script, Python
 * with mpi4py) is judged by the launcher's environment.  A module that
 * turns out wrong is harmless (it checks its family and passes through),
 * so when in doubt both are loaded. */
enum { MPI_OPENMPI = 1, MPI_MPICH = 2 };

/* The family a library's file name belongs to. */
static int library_family(const char *name)
{
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  /* libmpi.so.40, libmpi_mpifh.so.40, ...; the launcher's libopen-rte.so.40 */
  if ((!strncmp(base, "libmpi", 6) || !strncmp(base, "libopen-", 8)) && strstr(base, ".so.40"))
    return MPI_OPENMPI;
  /* libmpich.so.12, libmpichfort, libmpifort, Intel's libmpi.so.12, libmpi_cray */
  if (!strncmp(base, "libmpich", 8) || !strncmp(base, "libmpifort", 10) || !strncmp(base, "libmpi_cray", 11) ||
      (!strncmp(base, "libmpi", 6) && strstr(base, ".so.12")))
    return MPI_MPICH;
  return 0;
}

#define MAX_LIBRARIES 256
struct walk {
  int families;
  int seen;
  char *names[MAX_LIBRARIES]; /* libraries looked at, by name */
};

static int walk_object(struct walk *w, const char *path, int depth);

/* Each directory of a colon-separated list ($ORIGIN: origin) holding name. */
static int find_in(char *dst, size_t cap, const char *list, const char *origin, const char *name)
{
  while (list && *list) {
    size_t n = strcspn(list, ":");
    char dir[PATH_MAX];
    if (n >= 7 && !strncmp(list, "$ORIGIN", 7)) snprintf(dir, sizeof dir, "%s%.*s", origin, (int)(n - 7), list + 7);
    else snprintf(dir, sizeof dir, "%.*s", (int)n, list);
    snprintf(dst, cap, "%s/%s", dir, name);
    if (n && access(dst, R_OK) == 0) return 0;
    list += n + (list[n] == ':');
  }
  return -1;
}

/* A needed library, looked for where the loader looks (the cache aside:
 * the standard directories stand in for it). */
static void walk_needed(struct walk *w, const char *name, const char *rpath, const char *runpath,
                        const char *origin, int depth)
{
  int family = library_family(name);
  if (family) {
    w->families |= family;
    return;
  }
  for (int i = 0; i < w->seen; i++)
    if (!strcmp(w->names[i], name)) return;
  if (w->seen == MAX_LIBRARIES || !(w->names[w->seen] = strdup(name))) return;
  w->seen++;
  static const char standard[] = "/lib/" PROVIO_MULTIARCH ":/usr/lib/" PROVIO_MULTIARCH
                                 ":/lib64:/usr/lib64:/lib:/usr/lib:/usr/local/lib";
  char path[PATH_MAX * 2];
  int found;
  if (strchr(name, '/'))
    found = snprintf(path, sizeof path, "%s", name) > 0;
  else /* DT_RPATH counts only without DT_RUNPATH */
    found = (!runpath && !find_in(path, sizeof path, rpath, origin, name)) ||
            !find_in(path, sizeof path, getenv("LD_LIBRARY_PATH"), origin, name) ||
            !find_in(path, sizeof path, runpath, origin, name) || !find_in(path, sizeof path, standard, origin, name);
  if (found) walk_object(w, path, depth + 1);
}

/* The file offset of the n bytes at address addr of an ELF file of size
 * bytes, or -1 if no segment holds them in the file.  Every bound is
 * checked without overflow: the file may be anything. */
static int64_t file_offset(const Elf64_Phdr *ph, int phnum, uint64_t addr, uint64_t n, size_t size)
{
  for (int i = 0; i < phnum; i++) {
    if (ph[i].p_type != PT_LOAD || addr < ph[i].p_vaddr || addr - ph[i].p_vaddr > ph[i].p_filesz ||
        n > ph[i].p_filesz - (addr - ph[i].p_vaddr) || ph[i].p_offset > size)
      continue;
    uint64_t off = ph[i].p_offset + (addr - ph[i].p_vaddr);
    if (off >= ph[i].p_offset && off <= size && n <= size - off) return (int64_t)off;
  }
  return -1;
}

/* The ELF file at path: the families of the libraries it needs. */
static int walk_object(struct walk *w, const char *path, int depth)
{
  if (depth > 8) return -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
    if (fd >= 0) close(fd);
    return -1;
  }
  size_t size = (size_t)st.st_size;
  const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return -1;
  const Elf64_Ehdr *eh = (const void *)m;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phoff > size ||
      (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff) {
    munmap((void *)m, size);
    return -1;
  }
  const Elf64_Phdr *ph = (const void *)(m + eh->e_phoff);
  const Elf64_Dyn *dyn = NULL;
  size_t ndyn = 0;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_DYNAMIC && ph[i].p_offset <= size && ph[i].p_filesz <= size - ph[i].p_offset) {
      dyn = (const void *)(m + ph[i].p_offset);
      ndyn = ph[i].p_filesz / sizeof *dyn;
    }
  /* DT_STRTAB is an address: its file offset is that in the segment holding it. */
  uint64_t strtab = 0, strsz = 0;
  for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
    if (dyn[i].d_tag == DT_STRTAB) strtab = dyn[i].d_un.d_ptr;
    if (dyn[i].d_tag == DT_STRSZ) strsz = dyn[i].d_un.d_val;
  }
  int64_t off = strsz ? file_offset(ph, eh->e_phnum, strtab, strsz, size) : -1;
  /* Every name ends inside the table when its last byte ends one. */
  const char *strs = off >= 0 && m[off + strsz - 1] == 0 ? (const char *)m + off : NULL;
  if (strs) {
    const char *rpath = NULL, *runpath = NULL;
    for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
      if (dyn[i].d_tag == DT_RPATH && dyn[i].d_un.d_val < strsz) rpath = strs + dyn[i].d_un.d_val;
      if (dyn[i].d_tag == DT_RUNPATH && dyn[i].d_un.d_val < strsz) runpath = strs + dyn[i].d_un.d_val;
    }
    char origin[PATH_MAX];
    snprintf(origin, sizeof origin, "%s", path);
    char *slash = strrchr(origin, '/');
    if (slash) *slash = 0;
    for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++)
      if (dyn[i].d_tag == DT_NEEDED && dyn[i].d_un.d_val < strsz)
        walk_needed(w, strs + dyn[i].d_un.d_val, rpath, runpath, origin, depth);
  }
  munmap((void *)m, size);
  return 0;
}

static int env_set(const char *name) { return getenv(name) && *getenv(name); }

/* The MPI families whose modules the command gets. */
static int command_families(const char *command)
{
  char path[PATH_MAX], real[PATH_MAX];
  int found = strchr(command, '/') ? snprintf(path, sizeof path, "%s", command) > 0
                                   : !find_in(path, sizeof path, getenv("PATH"), ".", command);
  struct walk w = {0};
  if (found && realpath(path, real)) {
    const char *base = strrchr(real, '/') + 1;
    if (!strncmp(base, "mpiexec.hydra", 13) || !strncmp(base, "hydra_", 6)) w.families = MPI_MPICH;
    else walk_object(&w, real, 0);
  }
  for (int i = 0; i < w.seen; i++) free(w.names[i]);
  if (w.families) return w.families;
  if (env_set("OMPI_COMM_WORLD_SIZE")) return MPI_OPENMPI;
  int pmi = env_set("PMI_RANK") || env_set("PMI_FD") || env_set("PMI_PORT");
  /* srun starts either family through PMI or PMIx; Hydra (MPICH, Intel MPI) through PMI */
  if (pmi && !env_set("SLURM_STEP_ID")) return MPI_MPICH;
  if (pmi || env_set("PMIX_RANK")) return MPI_OPENMPI | MPI_MPICH;
  return 0;
}

static int families_named(const char *name)
{
  static const char *const names[] = {"none", "openmpi", "mpich", "both"};
  for (int i = 0; i < 4; i++)
    if (!strcmp(name, names[i])) return i;
  return -1;
}

/* The modules of families, each where libprovio.so is (lib): prepended to LD_PRELOAD. */
static int preload_mpi_modules(const char *lib, int families)
{
  static const char *const modules[] = {"libprovio-mpi-mpich.so", "libprovio-mpi-openmpi.so"};
  char dir[PATH_MAX], module[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", lib);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  for (int i = 0; i < 2; i++)
    if ((families & (i ? MPI_OPENMPI : MPI_MPICH)) && find_file(module, dir, ".", modules[i]) == 0 &&
        prepend("LD_PRELOAD", module, ":") != 0)
      return -1;
  return 0;
}

int main(int argc, char **argv)
{
  static const struct option options[] = {
      {"out", required_argument, NULL, 'o'},    {"mode", required_argument, NULL, 'm'},
      {"config", required_argument, NULL, 'c'}, {"no-hdf5", no_argument, NULL, 'H'},
      {"no-callsites", no_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},    {"mpi", required_argument, NULL, 'M'},
      {NULL, 0, NULL, 0}};
  const char *out = NULL, *mode = NULL, *config = NULL;
  int hdf5 = 1, callsites = 1, mpi = -1, c;
  while ((c = getopt_long(argc, argv, "+o:m:c:hV", options, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'm': mode = optarg; break;
    case 'c': config = optarg; break;
    case 'H': hdf5 = 0; break;
    case 'C': callsites = 0; break;
    case 'M':
      if ((mpi = families_named(optarg)) < 0) {
        fprintf(stderr, "provio-run: --mpi must be openmpi, mpich, both or none, not '%s'\n", optarg);
        return EXIT_USAGE;
      }
      break;
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
  const char *config_dir = NULL;
  if (config && use_config(config, &config_dir) != 0) return EXIT_SETUP;

  char dir[PATH_MAX], lib[PATH_MAX], plugin[PATH_MAX];
  if (self_dir(dir, sizeof dir) != 0 ||
      (find_file(lib, dir, PROVIO_LIBDIR_FROM_BINDIR, "libprovio.so") != 0 &&
       find_file(lib, PROVIO_BUILD_LIBDIR, ".", "libprovio.so") != 0)) {
    fputs("provio-run: cannot find libprovio.so next to this program\n", stderr);
    return EXIT_SETUP;
  }
  if (!out) out = getenv("PROVIO_DIR");
  if (!out) out = config_dir;
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
  if (mpi < 0) mpi = command_families(argv[optind]);
  /* libprovio.so first, then the MPI modules, then what was there; a
   * sanitizer build's libprovio.so works only behind its runtime. */
  if (preload_mpi_modules(lib, mpi) != 0 || prepend("LD_PRELOAD", lib, ":") != 0 ||
#ifdef PROVIO_SANITIZER_RUNTIME
      prepend("LD_PRELOAD", PROVIO_SANITIZER_RUNTIME, ":") != 0 ||
#endif
      setenv("PROVIO_DIR", out, 1) != 0 || (mode && setenv("PROVIO_MODE", mode, 1) != 0) ||
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
      set_vol_connector();
    }
  }
  execvp(argv[optind], argv + optind);
  fprintf(stderr, "provio-run: cannot run %s: %s\n", argv[optind], strerror(errno));
  return EXIT_EXEC;
}
