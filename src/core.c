/* core.c - process and thread recorders: lifecycle, files, failures. */
#include "core.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serialize.h"
#include "sys.h"
#include "vocab.h"

pv_process pv_proc = {.dirfd = -1};
__thread struct pv_tls pv_tls __attribute__((tls_model("initial-exec")));

/* Recorder slots come from chunks of anonymous memory that are never freed:
 * a thread claims a free slot with one compare-and-swap, and nothing on the
 * recording path takes a lock or calls malloc. */
#define SLOTS_PER_CHUNK 64
typedef struct slot_chunk {
  pv_thread slot[SLOTS_PER_CHUNK];
  struct slot_chunk *next;
} slot_chunk;
static slot_chunk *chunks;
static pthread_key_t exit_key;
static int log_fd = -1;

int64_t pv_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Moves one of our long-lived descriptors out of the program's way: a
 * tracked program must get the descriptor numbers it gets untracked. */
static int out_of_the_way(int fd)
{
  if (fd < 0) return fd;
  struct rlimit rl;
  long floor = syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 512 && rl.rlim_cur < (1u << 20)
                   ? (long)rl.rlim_cur - 256
                   : 256;
  int high = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor);
  if (high < 0) return fd;
  pv_sys_close(fd);
  return high;
}

void pv_log(const char *what, const char *detail)
{
  if (!pv_proc.cfg.log_path) return;
  int saved = errno;
  if (log_fd < 0)
    log_fd = out_of_the_way(pv_sys_openat(AT_FDCWD, pv_proc.cfg.log_path,
                                          O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (log_fd >= 0) {
    char line[1024], *p = line, *end = line + sizeof line - 2;
    p = PV_PUT_LIT(p, "provio[");
    p += pv_fmt_u64(p, (uint64_t)getpid());
    p = PV_PUT_LIT(p, "]: ");
    for (const char *s = what; s && *s && p < end; s++) *p++ = *s;
    if (detail) {
      if (p + 2 < end) p = PV_PUT_LIT(p, ": ");
      for (const char *s = detail; *s && p < end; s++) *p++ = *s;
    }
    *p++ = '\n';
    pv_sys_write(log_fd, line, (size_t)(p - line));
  }
  errno = saved;
}

void pv_core_fail(const char *why)
{
  __atomic_store_n(&pv_proc.state, PV_STOPPED, __ATOMIC_RELEASE);
  pv_log("recording stopped", why);
}

/* mkdir -p for the user's directory, 0700 for what we create.  The user's
 * own path may go through symlinks (scratch links are common); below it we
 * create and open without following any. */
static int open_output_dir(const char *dir, const char *host)
{
  char path[PV_PATH_MAX];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) return -1;
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] == '/' || path[i] == 0) {
      char c = path[i];
      path[i] = 0;
      if (pv_sys_mkdirat(AT_FDCWD, path, 0700) != 0 && errno != EEXIST) return -1;
      path[i] = c;
    }
  }
  int top = pv_sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (top < 0) return -1;
  if (pv_sys_mkdirat(top, host, 0700) != 0 && errno != EEXIST) {
    pv_sys_close(top);
    return -1;
  }
  int fd = out_of_the_way(pv_sys_openat(top, host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0));
  pv_sys_close(top);
  if (fd < 0) return -1;
  /* A directory someone else made could be read or swapped by them. */
  struct stat st;
  /* Nor one that others may write to: they could swap our files. */
  if (pv_sys_fstat(fd, &st) != 0 || st.st_uid != getuid() || (st.st_mode & 022)) {
    pv_sys_close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

static void finish_writer(pv_thread *t)
{
  char *p = pv_writer_reserve(&t->writer, sizeof "# provio-end\n");
  if (p) pv_writer_commit(&t->writer, PV_PUT_LIT(p, "# provio-end\n"));
  pv_writer_close(&t->writer);
}

static void thread_exit(void *arg)
{
  pv_thread *t = arg;
  int saved = errno;
  pv_tls.depth++;
  if (t->writer.base) finish_writer(t);
  pv_tls.thread = NULL;
  __atomic_store_n(&t->in_use, 0, __ATOMIC_RELEASE);
  pv_tls.depth--;
  errno = saved;
}

static int build_identity(int64_t now)
{
  pv_identity_init(&pv_proc.id, &pv_proc.cfg, now);
  pv_proc.dirfd = open_output_dir(pv_proc.cfg.dir, pv_proc.id.host);
  return pv_proc.dirfd < 0 ? -1 : 0;
}

int pv_core_init(int argc, char **argv)
{
  const char *warning;
  pv_config_load(&pv_proc.cfg, &warning);
  if (warning) pv_log("configuration", warning);
  pv_proc.argc = argc;
  pv_proc.argv = argv;
  if (!getcwd(pv_proc.cwd, sizeof pv_proc.cwd)) strcpy(pv_proc.cwd, "/");
  if (!pv_proc.cfg.dir) {
    pv_log("PROVIO_DIR is not set", "not recording");
    return -1;
  }
  pv_proc.out_dir_len = pv_path_canon(pv_proc.out_dir, sizeof pv_proc.out_dir - 1, pv_proc.cwd, pv_proc.cfg.dir);
  pv_proc.out_dir[pv_proc.out_dir_len] = 0;
  if (build_identity(pv_now_ns()) != 0) {
    pv_log("cannot open the output directory", strerror(errno));
    return -1;
  }
  if (pthread_key_create(&exit_key, thread_exit) != 0) return -1;
  __atomic_store_n(&pv_proc.state, PV_ACTIVE, __ATOMIC_RELEASE);
  return 0;
}

static pv_thread *claim_slot(void)
{
  for (;;) {
    for (slot_chunk *c = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE); c; c = c->next)
      for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
        int expected = 0;
        if (!__atomic_load_n(&c->slot[i].in_use, __ATOMIC_RELAXED) &&
            __atomic_compare_exchange_n(&c->slot[i].in_use, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
          return &c->slot[i];
      }
    slot_chunk *c = pv_sys_mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) return NULL;
    c->slot[0].in_use = 1;
    c->next = __atomic_load_n(&chunks, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&chunks, &c->next, c, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      ;
    return &c->slot[0];
  }
}

/* <proc>/thread/<tid> a prov:SoftwareAgent, provio:Thread ... */
static int open_thread_file(pv_thread *t)
{
  char name[96], *p = name;
  p += pv_fmt_u64(p, (uint64_t)pv_proc.id.pid);
  *p++ = '.';
  p += pv_fmt_i64(p, pv_proc.id.start_ns);
  *p++ = '.';
  p += pv_fmt_u64(p, (uint64_t)t->tid);
  if (t->segment) {
    p = PV_PUT_LIT(p, ".s");
    p += pv_fmt_u64(p, t->segment);
  }
  p = PV_PUT_LIT(p, ".nt");
  *p = 0;
  static uint64_t files_opened;
  t->file_id = __atomic_add_fetch(&files_opened, 1, __ATOMIC_RELAXED);
  int err = pv_writer_open(&t->writer, pv_proc.dirfd, name);
  /* The same thread's earlier file (a failed exec finished it): go on in
   * the next segment. */
  if (err == -EEXIST && t->segment < 1000) {
    t->segment++;
    return open_thread_file(t);
  }
  if (err) {
    pv_log("cannot create a record file", strerror(-err));
    return -1;
  }
  size_t max = 1024 + 8 * t->iri_len + 2 * pv_proc.id.proc_iri_len + strlen(pv_proc.principal);
  char *l = pv_writer_reserve(&t->writer, max);
  if (!l) return -1;
  l = PV_PUT_LIT(l, PV_FILE_MAGIC "\n");
  if (t->segment == 0) {
    const char *proc = pv_proc.id.proc_iri;
    size_t pl = pv_proc.id.proc_iri_len;
    l = PV_TRIPLE_TYPE(l, t->iri, t->iri_len, PV_PROV("SoftwareAgent"));
    l = PV_TRIPLE_TYPE(l, t->iri, t->iri_len, PV_TERM("Thread"));
    l = PV_TRIPLE_LONG(l, t->iri, t->iri_len, PV_TERM("tid"), t->tid);
    l = PV_TRIPLE_IRI(l, t->iri, t->iri_len, PV_TERM("threadOf"), proc, pl);
    l = PV_TRIPLE_IRI(l, proc, pl, PV_PROV("wasAssociatedWith"), t->iri, t->iri_len);
    if (pv_proc.principal[0])
      l = PV_TRIPLE_IRI(l, t->iri, t->iri_len, PV_PROV("actedOnBehalfOf"), pv_proc.principal,
                        strlen(pv_proc.principal));
  }
  pv_writer_commit(&t->writer, l);
  return 0;
}

pv_thread *pv_thread_current(void)
{
  pv_thread *t = pv_tls.thread;
  if (__builtin_expect(t != NULL, 1))
    return __atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) == PV_ACTIVE ? t : NULL;
  if (__atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) != PV_ACTIVE) return NULL;
  int saved = errno;
  t = claim_slot();
  if (!t) {
    pv_core_fail("out of memory for a thread recorder");
    errno = saved;
    return NULL;
  }
  t->tid = pv_sys_gettid();
  t->segment = 0;
  char *p = t->iri;
  p = pv_put(p, pv_proc.id.proc_iri, pv_proc.id.proc_iri_len);
  p = PV_PUT_LIT(p, "/thread/");
  p += pv_fmt_u64(p, (uint64_t)t->tid);
  t->iri_len = (size_t)(p - t->iri);
  if (open_thread_file(t) != 0) {
    pv_writer_abandon(&t->writer);
    __atomic_store_n(&t->in_use, 0, __ATOMIC_RELEASE);
    pv_core_fail("cannot start a thread's record file");
    errno = saved;
    return NULL;
  }
  pthread_setspecific(exit_key, t);
  pv_tls.thread = t;
  errno = saved;
  return t;
}

char *pv_record_begin(pv_thread *t, size_t max)
{
  char *p = pv_writer_reserve(&t->writer, max);
  if (__builtin_expect(p != NULL, 1)) return p;
  /* A full span: continue in the next segment file. */
  if (t->writer.mapped + max + PV_WRITER_CHUNK > PV_WRITER_SPAN && max < PV_WRITER_SPAN / 2) {
    finish_writer(t);
    t->segment++;
    if (open_thread_file(t) == 0 && (p = pv_writer_reserve(&t->writer, max))) return p;
  }
  pv_core_fail("cannot extend a record file");
  return NULL;
}

size_t pv_thread_new_iri(pv_thread *t, char *dst, const char *kind)
{
  char *p = pv_put(dst, t->iri, t->iri_len);
  *p++ = '/';
  p = pv_put(p, kind, strlen(kind));
  *p++ = '/';
  /* One counter for the process: a thread id can come back (tid reuse, a
   * failed exec restarting the thread's file), its records must not. */
  static uint64_t records;
  p += pv_fmt_u64(p, __atomic_add_fetch(&records, 1, __ATOMIC_RELAXED));
  return (size_t)(p - dst);
}

void pv_thread_finish(void)
{
  pv_thread *t = pv_tls.thread;
  if (!t) return;
  pthread_setspecific(exit_key, NULL);
  thread_exit(t);
}

void pv_core_shutdown(void)
{
  pv_thread_finish();
  __atomic_store_n(&pv_proc.state, PV_STOPPED, __ATOMIC_RELEASE);
}

void pv_core_after_fork_child(void)
{
  /* The child shares no memory with the parent any more, but it inherited
   * MAP_SHARED views of the parent's files: drop them all unwritten. */
  for (slot_chunk *c = chunks; c; c = c->next)
    for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
      pv_writer_abandon(&c->slot[i].writer);
      c->slot[i].in_use = 0;
    }
  pv_tls.thread = NULL;
  pthread_setspecific(exit_key, NULL);
  if (pv_proc.state != PV_ACTIVE) return;
  int top = pv_proc.dirfd;
  pv_identity_init(&pv_proc.id, &pv_proc.cfg, pv_now_ns());
  pv_proc.dirfd = top; /* same host, same directory */
}
