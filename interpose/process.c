/* process.c - the process itself: start and end records, fork, exec,
 * spawn and every way out (return from main, exit, _exit, _Exit), so that
 * files are finished even when no destructor runs (dash leaves via _exit). */
#define _GNU_SOURCE
#include <alloca.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interpose.h"
#include "serialize.h"
#include "sys.h"
#include "trace.h"
#include "vocab.h"

typedef int (*main_fn)(int, char **, char **);

#define PROCESS_FUNCTIONS(X)                                                                      \
  X(pid_t, fork, (void))                                                                          \
  X(int, execve, (const char *path, char *const argv[], char *const envp[]))                      \
  X(int, execv, (const char *path, char *const argv[]))                                           \
  X(int, execvp, (const char *file, char *const argv[]))                                          \
  X(int, execvpe, (const char *file, char *const argv[], char *const envp[]))                     \
  X(int, fexecve, (int fd, char *const argv[], char *const envp[]))                               \
  X(int, execveat, (int dirfd, const char *path, char *const argv[], char *const envp[], int fl)) \
  X(int, posix_spawn, (pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,        \
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]))    \
  X(int, posix_spawnp, (pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,       \
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[]))   \
  X(void, exit, (int status))                                                                     \
  X(void, _exit, (int status))                                                                    \
  X(void, _Exit, (int status))                                                                    \
  X(int, __libc_start_main, (main_fn main, int argc, char **argv, void (*init)(void),             \
                             void (*fini)(void), void (*rtld_fini)(void), void *stack_end))

PROCESS_FUNCTIONS(PV_DECLARE_LAZY)
static void resolve(void) { PROCESS_FUNCTIONS(PV_RESOLVE_REAL) }
PV_MODULE(process, [PV_HOOK_RESOLVE] = resolve)

void *pv_next_symbol(const char *name) { return dlsym(RTLD_NEXT, name); }

static int exit_status = -1;  /* known once main returns or exit() is called */
static int ended;             /* the end record is written */

/* ---- records -------------------------------------------------------------- */


#define COMMAND_LINE_MAX 8192 /* raw bytes of the commandLine literal */
#define PIPE_NAME_MAX 384      /* "host:pipe:[inode]", raw bytes */

/* Whether a shell would need quotes around a.  A loop of ours, not
 * strpbrk: a C library function the program never calls costs a page
 * fault at every start. */
static int needs_quotes(const char *a)
{
  static const char special[] = " \t\n'\"\\$`*?;&|<>(){}";
  if (!*a) return 1;
  for (; *a; a++)
    for (const char *s = special; *s; s++)
      if (*a == *s) return 1;
  return 0;
}

/* The raw text (n bytes) as the body of a literal at *dst, advanced; with
 * *dst NULL only counted. */
static size_t emit(char **dst, const char *text, size_t n)
{
  if (*dst) *dst += pv_literal_escape(*dst, text, n);
  return n;
}

/* argv as one line for people: arguments with blanks or quotes in '...'.
 * Written escaped straight into the record, not built in a buffer first:
 * a buffer is one more page to fault in at every start.  Returns the raw
 * length (escaping is per character, so the pieces escape as the whole). */
static size_t command_line(char **dst, size_t cap)
{
  size_t n = 0;
  for (int i = 0; i < pv_proc.argc && pv_proc.argv && pv_proc.argv[i]; i++) {
    const char *a = pv_proc.argv[i];
    int quote = needs_quotes(a);
    if (n + 4 + 4 * strlen(a) >= cap) break;
    if (i) n += emit(dst, " ", 1);
    if (quote) n += emit(dst, "'", 1);
    for (;;) {
      const char *q = quote ? strchr(a, '\'') : NULL;
      n += emit(dst, a, q ? (size_t)(q - a) : strlen(a));
      if (!q) break;
      n += emit(dst, "'\\''", 4);
      a = q + 1;
    }
    if (quote) n += emit(dst, "'", 1);
  }
  return n;
}

static size_t put_urn(char *dst, const char *kind, const char *value, const char *keep)
{
  char *p = pv_put(dst, PV_URN, sizeof PV_URN - 1);
  p = pv_put(p, kind, strlen(kind));
  *p++ = ':';
  size_t n = strlen(value);
  if (n > 300) n = 300;
  p += pv_iri_encode(p, value, n, keep);
  *p = 0;
  return (size_t)(p - dst);
}

static const char *env_first(const char *const *names)
{
  for (; *names; names++) {
    const char *v = getenv(*names);
    if (v && *v) return v;
  }
  return NULL;
}

/* The rank as the launcher tells it, before MPI_Init. */
static long launcher_rank(long *size)
{
  static const char *const ranks[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK",
                                      "SLURM_PROCID", NULL};
  static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS", NULL};
  const char *r = env_first(ranks), *s = env_first(sizes);
  *size = s ? atol(s) : -1;
  return r ? atol(r) : -1;
}

/* Together: both are written at every start, and each page touched then
 * is a page fault (core.h, pv_process). */
static struct {
  char user[PV_IRI_MAX];
  char program[PV_IRI_MAX + PV_PATH_MAX];
} agent_iri;
static long rank_recorded = -1; /* per process image */

/* Threads act for the rank: <job>/rank/<n>. */
static void set_rank_principal(long rank)
{
  char *p = pv_put(pv_proc.principal, pv_proc.id.job_iri, pv_proc.id.job_iri_len);
  p = PV_PUT_LIT(p, "/rank/");
  p += pv_fmt_i64(p, rank);
  *p = 0;
}

static void identify_agents(void)
{
  pv_sys_populate(&agent_iri, sizeof agent_iri.user + 256);
  const char *user = getenv("USER");
  if (!user || !*user) user = getenv("LOGNAME");
  char uid[32] = "uid";
  if (!user || !*user) {
    uid[3 + pv_fmt_u64(uid + 3, (uint64_t)getuid())] = 0;
    user = uid;
  }
  put_urn(agent_iri.user, "user", user, "");
  put_urn(agent_iri.program, "program", pv_proc.exe, "/");
  long size, rank = launcher_rank(&size);
  if (rank >= 0) set_rank_principal(rank);
  else memcpy(pv_proc.principal, agent_iri.user, strlen(agent_iri.user) + 1);
}

/* "<proc> <pred> <file IRI of path>" into p. */
static char *put_file_triple(char *p, const char *pred, size_t predlen, const char *path, char *scratch)
{
  char *canon = pv_thread_path(0); /* a forking thread's stack may be small */
  size_t n = canon ? pv_path_canon(canon, PV_PATH_MAX, pv_proc.cwd, path) : 0;
  if (!n) return p;
  size_t fl = pv_file_iri(scratch, &pv_proc.id, &pv_proc.cfg, canon, n);
  p = pv_put_subject(p, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len);
  p = pv_put(p, pred, predlen);
  return pv_put_end(pv_put_iri(p, scratch, fl));
}
#define PUT_FILE(p, pred, path, scratch) put_file_triple(p, pred " ", sizeof pred, path, scratch)

void pv_record_rank(long rank, long size)
{
  /* The launcher's environment and MPI_Init usually agree: say it once. */
  if (rank == rank_recorded) return;
  pv_thread *t = pv_thread_current();
  if (!t) return;
  rank_recorded = rank;
  set_rank_principal(rank);
  size_t rl = strlen(pv_proc.principal);
  char *l = pv_record_begin(t, 8 * PV_RECORD_LINE);
  if (!l) return;
  const char *proc = pv_proc.id.proc_iri;
  size_t pl = pv_proc.id.proc_iri_len;
  l = PV_TRIPLE_TYPE(l, pv_proc.principal, rl, PV_PROV("Agent"));
  l = PV_TRIPLE_TYPE(l, pv_proc.principal, rl, PV_TERM("Rank"));
  l = PV_TRIPLE_IRI(l, pv_proc.principal, rl, PV_PROV("actedOnBehalfOf"), agent_iri.user, strlen(agent_iri.user));
  l = PV_TRIPLE_LONG(l, pv_proc.principal, rl, PV_TERM("rank"), rank);
  l = PV_TRIPLE_IRI(l, proc, pl, PV_PROV("wasAssociatedWith"), pv_proc.principal, rl);
  l = PV_TRIPLE_LONG(l, proc, pl, PV_TERM("rank"), rank);
  if (size > 0) {
    l = PV_TRIPLE_LONG(l, proc, pl, PV_TERM("worldSize"), size);
  }
  l = PV_TRIPLE_IRI(l, t->iri, t->iri_len, PV_PROV("actedOnBehalfOf"), pv_proc.principal, rl);
  pv_record_end(t, l);
}

/* Standard input and output that are pipes: how the processes of a shell
 * pipeline find each other (prov-merge links writer and reader of one
 * pipe).  Standard error carries diagnostics, not data. */
static char *put_pipes(char *p)
{
  _Static_assert(PIPE_NAME_MAX >= sizeof pv_proc.id.host + 1 + 64, "host:target fits");
  for (int fd = 0; fd <= 1; fd++) {
    char link[32] = "/proc/self/fd/", target[64];
    link[14] = (char)('0' + fd);
    link[15] = 0;
    ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof target - 1);
    if (n <= 5 || memcmp(target, "pipe:", 5) != 0) continue;
    int mode = (int)syscall(SYS_fcntl, fd, F_GETFL) & O_ACCMODE;
    char name[PIPE_NAME_MAX], *q = name;
    q = pv_put(q, pv_proc.id.host, strlen(pv_proc.id.host));
    *q++ = ':';
    q = pv_put(q, target, (size_t)n);
    p = pv_put_subject(p, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len);
    p = mode == O_RDONLY ? PV_PUT_LIT(p, PV_TERM("readsPipe") " ") : PV_PUT_LIT(p, PV_TERM("writesPipe") " ");
    p = pv_put_end(pv_put_string(p, name, (size_t)(q - name)));
  }
  return p;
}

/* Room for the start record, from the strings it holds: a line per triple
 * of at most two IRIs, each no longer than the longest of the record's
 * own, and a short object (PV_RECORD_LINE's 200 bytes), plus its literals
 * and file IRIs.  A bound of the worst case (IRIs of PV_IRI_MAX, paths of
 * PV_PATH_MAX: 90 KB) would make every process, and every forked child
 * before its exec, fill a first extent three times the size. */
static size_t start_record_max(const char *forked_from, size_t command_line_len)
{
  const size_t iris[] = {pv_proc.id.job_iri_len, strlen(agent_iri.user), strlen(agent_iri.program),
                         forked_from ? strlen(forked_from) : 0};
  size_t iri = pv_proc.id.proc_iri_len;
  for (size_t i = 0; i < sizeof iris / sizeof iris[0]; i++)
    if (iris[i] > iri) iri = iris[i];
  size_t cwd = strlen(pv_proc.cwd);
  return 40 * (2 * iri + 200) + PV_LITERAL_MAX(command_line_len) + PV_LITERAL_MAX(strlen(pv_proc.id.host)) +
         PV_LITERAL_MAX(strlen(pv_proc.id.job)) + PV_LITERAL_MAX(strlen(pv_proc.id.scheduler)) +
         2 * PV_LITERAL_MAX(PIPE_NAME_MAX) + PV_FILE_IRI_MAX(cwd + 1 + strlen(pv_proc.exe)) + PV_FILE_IRI_MAX(cwd);
}

static void record_process_start(const char *forked_from)
{
  pv_thread *t = pv_thread_current();
  if (!t) return;
  char *count_only = NULL;
  size_t cl = command_line(&count_only, COMMAND_LINE_MAX);
  size_t ul = strlen(agent_iri.user), gl = strlen(agent_iri.program);
  char *p = pv_record_begin(t, start_record_max(forked_from, cl));
  if (!p) return;
  const char *proc = pv_proc.id.proc_iri, *job = pv_proc.id.job_iri;
  size_t pl = pv_proc.id.proc_iri_len, jl = pv_proc.id.job_iri_len;
  p = PV_TRIPLE_TYPE(p, proc, pl, PV_PROV("Activity"));
  p = PV_TRIPLE_TYPE(p, proc, pl, PV_TERM("Process"));
  p = PV_TRIPLE_IRI(p, proc, pl, PV_TERM("partOfJob"), job, jl);
  p = PV_TRIPLE_TIME(p, proc, pl, PV_PROV("startedAtTime"), pv_proc.id.start_ns);
  p = PV_TRIPLE_STRING(p, proc, pl, PV_TERM("host"), pv_proc.id.host, strlen(pv_proc.id.host));
  p = PV_TRIPLE_LONG(p, proc, pl, PV_TERM("pid"), pv_proc.id.pid);
  p = PV_TRIPLE_LONG(p, proc, pl, PV_TERM("ppid"), getppid());
  p = PV_PUT_LIT(pv_put_subject(p, proc, pl), PV_TERM("commandLine") " \"");
  command_line(&p, COMMAND_LINE_MAX);
  p = pv_put_end(PV_PUT_LIT(p, "\""));
  p = PV_TRIPLE_LONG(p, proc, pl, PV_TERM("argc"), pv_proc.argc);
  if (pv_proc.exe[0]) p = PUT_FILE(p, PV_TERM("executable"), pv_proc.exe, t->scratch[0]);
  p = PUT_FILE(p, PV_TERM("cwd"), pv_proc.cwd, t->scratch[0]);
  p = PV_TRIPLE_IRI(p, proc, pl, PV_PROV("wasAssociatedWith"), agent_iri.program, gl);
  p = PV_TRIPLE_IRI(p, proc, pl, PV_PROV("wasAssociatedWith"), agent_iri.user, ul);
  if (forked_from) p = PV_TRIPLE_IRI(p, proc, pl, PV_TERM("forkedFrom"), forked_from, strlen(forked_from));
  p = put_pipes(p);
  p = PV_TRIPLE_TYPE(p, job, jl, PV_TERM("Job"));
  p = PV_TRIPLE_STRING(p, job, jl, PV_TERM("jobId"), pv_proc.id.job, strlen(pv_proc.id.job));
  p = PV_TRIPLE_STRING(p, job, jl, PV_TERM("scheduler"), pv_proc.id.scheduler, strlen(pv_proc.id.scheduler));
  p = PV_TRIPLE_TYPE(p, agent_iri.program, gl, PV_PROV("SoftwareAgent"));
  p = PV_TRIPLE_TYPE(p, agent_iri.program, gl, PV_TERM("Program"));
  p = PV_TRIPLE_TYPE(p, agent_iri.user, ul, PV_PROV("Person"));
  p = PV_TRIPLE_TYPE(p, agent_iri.user, ul, PV_TERM("User"));
  p = PV_TRIPLE_LONG(p, agent_iri.user, ul, PV_TERM("uid"), getuid());
  pv_record_end(t, p);
  /* The program file and the rank, now that the thread file exists. */
  if (pv_proc.exe[0]) {
    char *canon = pv_thread_path(0); /* a forking thread's stack may be small */
    size_t n = canon ? pv_path_canon(canon, PV_PATH_MAX, "/", pv_proc.exe) : 0;
    size_t fl = pv_file_iri(t->scratch[0], &pv_proc.id, &pv_proc.cfg, canon, n);
    char *l = pv_record_begin(t, 2 * PV_RECORD_LINE + 2 * gl + fl);
    if (l) {
      l = PV_TRIPLE_IRI(l, agent_iri.program, gl, PV_TERM("executable"), t->scratch[0], fl);
      pv_record_end(t, l);
    }
  }
  long size, rank = launcher_rank(&size);
  if (rank >= 0) pv_record_rank(rank, size);
}

/* Room for the end triples of a process. */
#define END_RECORD_MAX (6 * PV_RECORD_LINE + PV_FILE_IRI_MAX(PV_PATH_MAX))

static char *put_process_end(pv_thread *t, char *p, const char *ended_by, int status, const char *exec_path)
{
  const char *proc = pv_proc.id.proc_iri;
  size_t pl = pv_proc.id.proc_iri_len;
  p = PV_TRIPLE_TIME(p, proc, pl, PV_PROV("endedAtTime"), pv_now_ns());
  p = PV_TRIPLE_STRING(p, proc, pl, PV_TERM("endedBy"), ended_by, strlen(ended_by));
  if (status >= 0) {
    p = PV_TRIPLE_LONG(p, proc, pl, PV_TERM("exitStatus"), status);
  }
  if (exec_path) p = PUT_FILE(p, PV_TERM("execTarget"), exec_path, t->scratch[0]);
  return p;
}

void pv_record_process_end(const char *ended_by, int status)
{
  if (ended) return;
  ended = 1;
  pv_thread *t = pv_thread_current();
  char *p = t ? pv_record_begin(t, END_RECORD_MAX) : NULL;
  if (p) pv_record_end(t, put_process_end(t, p, ended_by, status, NULL));
}

static void record_child(pid_t child)
{
  pv_thread *t = pv_thread_current();
  char *p = t ? pv_record_begin(t, 2 * PV_RECORD_LINE) : NULL;
  if (!p) return;
  p = PV_TRIPLE_LONG(p, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len, PV_TERM("childPid"), child);
  pv_record_end(t, p);
}

/* Descriptors the process was started with (a shell's redirections): the
 * program's reads and writes on them belong to those files. */
static void track_inherited(void)
{
  int dir = pv_sys_openat(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir < 0) return;
  char buf[4096];
  long n;
  while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      int fd = 0; /* not atoi: strtol and its tables would be two more page faults */
      for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++) fd = fd * 10 + (*c - '0');
      if (fd == dir) continue;
      /* fstat first: most inherited descriptors (terminals, pipes,
       * /dev/null) are not files, and need no readlink. */
      struct stat st;
      if (pv_sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;
      char path[PV_PATH_MAX];
      ssize_t len = syscall(SYS_readlinkat, dir, d->d_name, path, sizeof path - 1);
      if (len <= 0 || path[0] != '/') continue;
      int flags = (int)syscall(SYS_fcntl, fd, F_GETFL);
      pv_track_canonical(fd, path, (size_t)len, flags, PV_API_INHERITED, 0);
    }
  }
  pv_sys_close(dir);
}

/* ---- lifecycle ------------------------------------------------------------- */

/* What the image's open files and path queries owe the records: written
 * before it ends, or before an exec (then counted again from zero, so
 * that a failed exec loses and repeats nothing). */
static void flush_image(enum pv_flush how)
{
  /* e.g. a rank's MPI-IO files, if it exits without MPI_Finalize */
  pv_modules_run(how == PV_FLUSH_RESTART ? PV_HOOK_EXEC : PV_HOOK_EXIT);
  pv_track_flush_all(how);
  pv_path_queries_flush();
}

/* Everything a process image owes its records before it exits. */
static void finish_image(int status)
{
  int e = errno;
  pv_tls.depth++;
  flush_image(PV_FLUSH_CLOSE);
  pv_record_process_end("exit", status);
  pv_core_shutdown();
  pv_tls.depth--;
  errno = e;
}

/* Before an exec, which may fail (a PATH search tries one directory after
 * another): the end record is written and the file sealed after it, not
 * committed, so that only a successful exec ends the image.  Returns the
 * thread whose file is sealed. */
static pv_thread *exec_attempt(const char *target)
{
  int e = errno;
  pv_tls.depth++;
  flush_image(PV_FLUSH_RESTART);
  pv_thread *t = pv_thread_current();
  char *p = t ? pv_record_begin(t, END_RECORD_MAX) : NULL;
  if (p) pv_record_seal(t, put_process_end(t, p, "exec", -1, target));
  pv_tls.depth--;
  errno = e;
  return p ? t : NULL;
}

static void exec_failed(pv_thread *t)
{
  int e = errno;
  if (t) pv_record_unseal(t);
  errno = e;
}

static char parent_iri[PV_IRI_MAX];

static void after_fork_child(void)
{
  int e = errno;
  memcpy(parent_iri, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len + 1);
  pv_core_after_fork_child();
  if (pv_proc.state != PV_ACTIVE) {
    errno = e;
    return;
  }
  pv_tls.depth++;
  pv_track_flush_all(PV_FLUSH_FORGET);
  pv_modules_run(PV_HOOK_FORK_CHILD);
  pv_path_queries_forget();
  ended = 0;
  exit_status = -1;
  rank_recorded = -1;
  record_process_start(parent_iri);
  pv_tls.depth--;
  errno = e;
}

/* glibc passes argc/argv to ELF constructors: the command line is known
 * without reading /proc. */
__attribute__((constructor)) static void provio_load(int argc, char **argv)
{
  int e = errno; /* a program starts with errno 0 */
  pv_tls.depth++;
  pv_clock_init();
  if (pv_core_init(argc, argv, after_fork_child) == 0) {
    ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", pv_proc.exe, sizeof pv_proc.exe - 1);
    pv_proc.exe[n > 0 ? n : 0] = 0;
    identify_agents();
    track_inherited();
    record_process_start(NULL);
  }
  pv_tls.depth--;
  errno = e;
}

__attribute__((destructor)) static void provio_unload(void)
{
  /* PV_IDLE: also a vfork child leaving through exit() after a failed
   * exec, which runs destructors in its parent's memory. */
  if (PV_IDLE()) return;
  finish_image(exit_status);
}

/* ---- wrappers -------------------------------------------------------------- */

static main_fn real_main;
static int main_returning(int argc, char **argv, char **envp)
{
  exit_status = real_main(argc, argv, envp);
  return exit_status;
}
/* Wrapping the program's main is the only way to see the status it
 * returns: glibc calls exit() on it from inside libc. */
PV_EXPORT int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                                void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
  real_main = main;
  return PV_REAL(__libc_start_main)(main_returning, argc, argv, init, fini, rtld_fini, stack_end);
}

/* In trace mode the process calls are IoCalls too (no file). */
static void trace_call(const char *fn, int64_t rc)
{
  if (pv_tracing() && !PV_IDLE()) pv_trace_fd(fn, -1, rc, pv_ticks());
}

PV_EXPORT void exit(int status)
{
  trace_call("exit", status);
  if (!PV_IDLE()) exit_status = status & 0xff; /* not a vfork child's, in the parent's memory */
  PV_REAL(exit)(status);
  __builtin_unreachable();
}

#define QUICK_EXIT(name)                                                                          \
  PV_EXPORT void name(int status)                                                                 \
  {                                                                                               \
    if (!PV_IDLE()) {                                                                             \
      trace_call(#name, status);                                                                  \
      finish_image(status & 0xff);                                                                \
    }                                                                                             \
    PV_REAL(name)(status);                                                                        \
    __builtin_unreachable();                                                                      \
  }
QUICK_EXIT(_exit)
QUICK_EXIT(_Exit)

PV_EXPORT pid_t fork(void)
{
  pv_resolve_all(); /* the child, with one thread left, never looks up */
  if (PV_IDLE()) return real_fork();
  pid_t pid = real_fork(); /* the child is set up by after_fork_child */
  if (pid > 0) {
    int e = errno;
    trace_call("fork", pid);
    pv_tls.depth++;
    record_child(pid);
    pv_tls.depth--;
    errno = e;
  }
  return pid;
}

/* A vfork child shares its parent's memory (its TLS included) until it
 * execs or exits, and it may report back through that memory: it must stay
 * a vfork child, and must not touch provio's state.  The parent marks
 * itself inside provio before the system call, so the child's calls all
 * pass straight through; the parent undoes that when it resumes.  The
 * return address is kept in a register across the call, as glibc's vfork
 * does: the child's calls overwrite the stack slot it came from. */
#if defined(__x86_64__)
#define PV_STR_(x) #x
#define PV_STR(x) PV_STR_(x)
__attribute__((used, visibility("hidden"))) void pv_vfork_enter(void)
{
  pv_resolve_all(); /* the child runs in our memory: it must not look up */
  trace_call("vfork", 0);
  pv_tls.depth++;
}

__attribute__((used, visibility("hidden"))) pid_t pv_vfork_parent(long rc)
{
  pv_tls.depth--;
  if ((unsigned long)rc > -4096UL) {
    errno = (int)-rc;
    return -1;
  }
  if (!PV_IDLE()) {
    int e = errno;
    pv_tls.depth++;
    record_child((pid_t)rc);
    pv_tls.depth--;
    errno = e;
  }
  return (pid_t)rc;
}

__asm__(".text\n"
        ".globl vfork\n"
        ".type vfork, @function\n"
        "vfork:\n"
        "  .cfi_startproc\n"
        "  endbr64\n"
        "  sub $8, %rsp\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  call pv_vfork_enter\n"
        "  add $8, %rsp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  pop %rdi\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  .cfi_register %rip, %rdi\n"
        "  mov $" PV_STR(SYS_vfork) ", %eax\n"
        "  syscall\n"
        "  push %rdi\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %rip, 0\n"
        "  test %rax, %rax\n"
        "  jz 1f\n"
        "  mov %rax, %rdi\n"
        "  jmp pv_vfork_parent\n"
        "1:\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size vfork, .-vfork\n");
#else
/* Elsewhere a real fork stands in: the child gets its own memory, so a
 * report through shared memory is lost, but nothing is corrupted. */
PV_EXPORT pid_t vfork(void)
{
  trace_call("vfork", 0);
  return fork();
}
#endif

#define SPAWN_WRAPPER(name)                                                                       \
  PV_EXPORT int name(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,          \
                     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])       \
  {                                                                                               \
    if (PV_IDLE()) return PV_REAL(name)(pid, path, fa, attr, argv, envp);                         \
    pid_t child = -1;                                                                             \
    int rc = PV_REAL(name)(&child, path, fa, attr, argv, envp);                                   \
    if (pid) *pid = child;                                                                        \
    if (rc == 0) {                                                                                \
      int e = errno;                                                                              \
      trace_call(#name, child);                                                                   \
      pv_tls.depth++;                                                                             \
      record_child(child);                                                                        \
      pv_tls.depth--;                                                                             \
      errno = e;                                                                                  \
    }                                                                                             \
    return rc;                                                                                    \
  }
SPAWN_WRAPPER(posix_spawn)
SPAWN_WRAPPER(posix_spawnp)

/* An exec that fails ends nothing: see exec_attempt.  On a C library
 * without the call (execveat before glibc 2.34) it fails as the kernel
 * would. */
#define EXEC_WRAPPER(name, params, args, target)                                                  \
  PV_EXPORT int name params                                                                       \
  {                                                                                               \
    if (!PV_REAL(name)) {                                                                         \
      errno = ENOSYS;                                                                             \
      return -1;                                                                                  \
    }                                                                                             \
    pv_thread *sealed = NULL;                                                                     \
    if (!PV_IDLE()) {                                                                             \
      trace_call(#name, 0);                                                                       \
      sealed = exec_attempt(target);                                                              \
    }                                                                                             \
    int rc = PV_REAL(name) args;                                                                  \
    exec_failed(sealed);                                                                          \
    return rc;                                                                                    \
  }
EXEC_WRAPPER(execve, (const char *path, char *const argv[], char *const envp[]), (path, argv, envp), path)
EXEC_WRAPPER(execv, (const char *path, char *const argv[]), (path, argv), path)
/* A bare name is searched in PATH by the call: only a path names the file. */
#define PATH_ONLY(file) (strchr(file, '/') ? file : NULL)
EXEC_WRAPPER(execvp, (const char *file, char *const argv[]), (file, argv), PATH_ONLY(file))
EXEC_WRAPPER(execvpe, (const char *file, char *const argv[], char *const envp[]), (file, argv, envp),
             PATH_ONLY(file))
EXEC_WRAPPER(fexecve, (int fd, char *const argv[], char *const envp[]), (fd, argv, envp), NULL)
EXEC_WRAPPER(execveat, (int dirfd, const char *path, char *const argv[], char *const envp[], int fl),
             (dirfd, path, argv, envp, fl), path)

/* The list forms gather their arguments and go through the vector forms
 * above; glibc's own would call execve internally, unseen. */
#define GATHER_ARGS(first, envp_out)                                                              \
  va_list ap;                                                                                     \
  int count = 1;                                                                                  \
  va_start(ap, first);                                                                            \
  while (va_arg(ap, const char *)) count++;                                                       \
  va_end(ap);                                                                                     \
  char **argv = alloca(((size_t)count + 1) * sizeof *argv);                                       \
  argv[0] = (char *)first;                                                                        \
  va_start(ap, first);                                                                            \
  for (int i = 1; i <= count; i++) argv[i] = va_arg(ap, char *);                                  \
  envp_out;                                                                                       \
  va_end(ap);

PV_EXPORT int execl(const char *path, const char *arg, ...)
{
  GATHER_ARGS(arg, (void)0)
  return execv(path, argv);
}
PV_EXPORT int execlp(const char *file, const char *arg, ...)
{
  GATHER_ARGS(arg, (void)0)
  return execvp(file, argv);
}
PV_EXPORT int execle(const char *path, const char *arg, ...)
{
  char **envp;
  GATHER_ARGS(arg, envp = va_arg(ap, char **))
  return execve(path, argv, envp);
}
