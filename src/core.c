/* core.c - process and thread recorders: lifecycle, files, failures. */
#include "core.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serialize.h"
#include "sys.h"
#include "vocab.h"

pv_process pv_proc __attribute__((aligned(4096)));
__thread struct pv_tls pv_tls __attribute__((tls_model("initial-exec")));

/* Recorder slots come from chunks of anonymous memory that are never freed:
 * a thread claims a free slot with one compare-and-swap, and nothing on the
 * recording path takes a lock or calls malloc. */
#define SLOTS_PER_CHUNK 64
typedef struct slot_chunk {
  /* First: on the page of the first slot, not one more page per process. */
  struct slot_chunk *next;
  int reached; /* 1 + highest slot ever claimed (atomic): walks stop there, on touched pages */
  int fork_token; /* the first chunk's: see fork_token below */
  pv_thread slot[SLOTS_PER_CHUNK];
} slot_chunk;
static slot_chunk *chunks;
static pthread_key_t exit_key;
static char log_path[PV_PATH_MAX];
static void (*on_fork)(void);

/* A word the kernel zeroes in a forked child (MADV_WIPEONFORK), so that a
 * fork that ran no atfork handler is noticed without a system call: in the
 * first chunk of slots, which a child must not use as its parent left it
 * anyway (its files are the parent's), so that it costs no page and no
 * mapping of its own.  Without kernel support (before Linux 4.14), the pid
 * is compared. */
static int *fork_token;

int64_t pv_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int forked_unseen(void)
{
  return fork_token ? !__atomic_load_n(fork_token, __ATOMIC_RELAXED)
                    : (int)syscall(SYS_getpid) != pv_proc.id.pid;
}

/* A chunk of free slots, added to the list; NULL if memory is short. */
static slot_chunk *add_chunk(void)
{
  slot_chunk *c = pv_sys_mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (c == MAP_FAILED) return NULL;
  c->next = __atomic_load_n(&chunks, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&chunks, &c->next, c, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    ;
  return c;
}

static void arm_fork_token(void)
{
  if (!fork_token) {
    slot_chunk *c = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE);
    if (!c && !(c = add_chunk())) return;
    while (c->next) c = c->next; /* the first one, which a child keeps in the list */
    if (pv_sys_madvise(c, sizeof *c, MADV_WIPEONFORK) != 0) return;
    fork_token = &c->fork_token;
  }
  __atomic_store_n(fork_token, 1, __ATOMIC_RELAXED);
}

/* The log is opened for each line and closed again: no descriptor of ours
 * stays where the program could close, replace or count it.  It must be a
 * regular file of ours reached without a symlink; opening never blocks (a
 * FIFO without reader), and a line never grows it past RLIMIT_FSIZE. */
void pv_log(const char *what, const char *detail)
{
  if (!log_path[0]) return;
  int saved = errno;
  int fd = pv_sys_openat(AT_FDCWD, log_path,
                         O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
  struct stat st;
  struct rlimit rl;
  if (fd >= 0 && pv_sys_fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
      syscall(SYS_getrlimit, RLIMIT_FSIZE, &rl) == 0) {
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
    if (rl.rlim_cur == RLIM_INFINITY || (uint64_t)st.st_size + (uint64_t)(p - line) <= rl.rlim_cur)
      pv_sys_write(fd, line, (size_t)(p - line));
  }
  if (fd >= 0) pv_sys_close(fd);
  errno = saved;
}

void pv_core_fail(const char *why)
{
  __atomic_store_n(&pv_proc.state, PV_STOPPED, __ATOMIC_RELEASE);
  pv_log("recording stopped", why);
}

/* mkdir -p for the user's directory, 0700 for what we create.  The user's
 * own path may go through symlinks (scratch links are common); below it we
 * create and open without following any.  Usually it exists already: one
 * check, no mkdir per component (every process of a job starts here). */
static int make_output_dir(void)
{
  char *path = pv_proc.out_dir;
  size_t n = pv_proc.out_dir_len, hl = strlen(pv_proc.id.host);
  if (n == 0 || n + hl + 2 > sizeof pv_proc.out_dir) return -ENAMETOOLONG;
  path[n] = '/';
  memcpy(path + n + 1, pv_proc.id.host, hl + 1);
  int rc = pv_dir_init(&pv_proc.dir, path);
  if (rc != -ENOENT) return rc;
  path[n] = 0;
  for (size_t i = 1; i <= n; i++) {
    if (path[i] == '/' || path[i] == 0) {
      char c = path[i];
      path[i] = 0;
      if (pv_sys_mkdirat(AT_FDCWD, path, 0700) != 0 && errno != EEXIST) return -errno;
      path[i] = c;
    }
  }
  path[n] = '/';
  if (pv_sys_mkdirat(AT_FDCWD, path, 0700) != 0 && errno != EEXIST) return -errno;
  return pv_dir_init(&pv_proc.dir, path);
}

/* Appends the end marker and trims t's file.  The caller owns the writer
 * (PV_WRITER_BUSY or DONE).  Another thread's file keeps its mapping and
 * is not grown: its thread may still update in place what lies before the
 * committed end, never past it. */
static void end_file(pv_thread *t, int own)
{
  pv_writer *w = &t->writer;
  if (!w->base) return;
  static const char marker[] = "# provio-end\n";
  char *p = w->mapped - w->len >= sizeof marker - 1 ? w->base + w->len
            : own ? pv_writer_reserve(w, sizeof marker - 1) : NULL;
  if (p) pv_writer_commit(w, pv_put(p, marker, sizeof marker - 1));
  if (own) pv_writer_close(w);
  else pv_writer_trim(w, w->len);
}

/* Claims t's writer for finishing: not while a record is being written. */
static int claim_for_end(pv_thread *t)
{
  int idle = PV_WRITER_IDLE;
  return __atomic_compare_exchange_n(&t->writer.state, &idle, PV_WRITER_DONE, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED);
}

static void thread_exit(void *arg)
{
  pv_thread *t = arg;
  int saved = errno;
  pv_tls.depth++;
  if (t->writer.base && claim_for_end(t)) end_file(t, 1);
  pv_tls.thread = NULL;
  __atomic_store_n(&t->in_use, 0, __ATOMIC_RELEASE);
  pv_tls.depth--;
  errno = saved;
}

int pv_core_init(int argc, char **argv, void (*forked)(void))
{
  pv_sys_populate(&pv_proc, offsetof(pv_process, cwd) + 256); /* all but the unused ends */
  pv_config_load(&pv_proc.cfg);
  pv_proc.argc = argc;
  pv_proc.argv = argv;
  if (!getcwd(pv_proc.cwd, sizeof pv_proc.cwd)) strcpy(pv_proc.cwd, "/");
  /* The program may chdir: the log keeps its place. */
  if (pv_proc.cfg.log_path)
    log_path[pv_path_canon(log_path, sizeof log_path - 1, pv_proc.cwd, pv_proc.cfg.log_path)] = 0;
  /* A bad setting is told here, once, and otherwise ignored: a job is never
   * stopped nor its output changed by provio's configuration. */
  for (int i = 0; i < pv_proc.cfg.problems && i < PV_CONFIG_PROBLEMS; i++) pv_log("configuration", pv_proc.cfg.problem[i]);
  if (pv_proc.cfg.problems > PV_CONFIG_PROBLEMS) pv_log("configuration", "more problems not shown");
  if (!pv_proc.cfg.dir) {
    pv_log("PROVIO_DIR is not set", "not recording");
    return -1;
  }
  pv_proc.out_dir_len = pv_path_canon(pv_proc.out_dir, sizeof pv_proc.out_dir - 1, pv_proc.cwd, pv_proc.cfg.dir);
  pv_proc.out_dir[pv_proc.out_dir_len] = 0;
  pv_identity_init(&pv_proc.id, &pv_proc.cfg, pv_now_ns());
  int err = make_output_dir();
  if (err) {
    pv_log("cannot open the output directory", strerror(-err));
    return -1;
  }
  if (pthread_key_create(&exit_key, thread_exit) != 0) return -1;
  on_fork = forked;
  if (forked) pthread_atfork(NULL, NULL, forked);
  arm_fork_token();
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
                                        __ATOMIC_RELAXED)) {
          int reached = __atomic_load_n(&c->reached, __ATOMIC_RELAXED);
          while (reached <= i && !__atomic_compare_exchange_n(&c->reached, &reached, i + 1, 0,
                                                              __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            ;
          return &c->slot[i];
        }
      }
    if (!add_chunk()) return NULL;
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
  int err = pv_writer_open(&t->writer, &pv_proc.dir, name);
  /* The same thread's earlier file (a thread id reused): go on in the next
   * segment. */
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
    /* Which thread and process the file records: prov-merge tells from it
     * whose records are incomplete, so it stays with thread agents off. */
    l = PV_TRIPLE_TYPE(l, t->iri, t->iri_len, PV_TERM("Thread"));
    l = PV_TRIPLE_IRI(l, t->iri, t->iri_len, PV_TERM("threadOf"), proc, pl);
    if (pv_proc.cfg.records & PV_REC_THREADS) {
      l = PV_TRIPLE_TYPE(l, t->iri, t->iri_len, PV_PROV("SoftwareAgent"));
      l = PV_TRIPLE_LONG(l, t->iri, t->iri_len, PV_TERM("tid"), t->tid);
      l = PV_TRIPLE_IRI(l, proc, pl, PV_PROV("wasAssociatedWith"), t->iri, t->iri_len);
      if (pv_proc.principal[0])
        l = PV_TRIPLE_IRI(l, t->iri, t->iri_len, PV_PROV("actedOnBehalfOf"), pv_proc.principal,
                          strlen(pv_proc.principal));
    }
  }
  pv_writer_commit(&t->writer, l);
  return 0;
}

/* The calling thread's slot, claimed on first use; its file is opened
 * only when the thread records something. */
static pv_thread *thread_slot(void)
{
  pv_thread *t = pv_tls.thread;
  if (t) return t;
  t = claim_slot();
  if (!t) {
    pv_core_fail("out of memory for a thread recorder");
    return NULL;
  }
  t->tid = pv_sys_gettid();
  t->segment = 0;
  t->writer.base = NULL;
  t->iri_len = pv_thread_iri(t->iri, &pv_proc.id, t->tid);
  pthread_setspecific(exit_key, t);
  pv_tls.thread = t;
  return t;
}

char *pv_thread_path(int i)
{
  if (__atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) != PV_ACTIVE) return NULL;
  int saved = errno;
  /* The child of a raw clone becomes a process of its own before it
   * counts a path query into its parent's sums. */
  if (__builtin_expect(forked_unseen(), 0)) pv_thread_current();
  pv_thread *t = thread_slot();
  errno = saved;
  return t ? t->path[i] : NULL;
}

pv_thread *pv_thread_current(void)
{
  pv_thread *t = pv_tls.thread;
  if (__builtin_expect(t != NULL && t->writer.base != NULL && !forked_unseen(), 1))
    return __atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) == PV_ACTIVE ? t : NULL;
  if (__atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) != PV_ACTIVE) return NULL;
  int saved = errno;
  if (forked_unseen()) {
    /* A child of _Fork or a raw clone: the writer mappings were not
     * inherited (MADV_DONTFORK); it is a new process. */
    if (on_fork) on_fork();
    else pv_core_after_fork_child();
  }
  t = thread_slot();
  if (t && !t->writer.base) {
    __atomic_store_n(&t->writer.state, PV_WRITER_BUSY, __ATOMIC_RELAXED);
    if (open_thread_file(t) != 0) {
      pv_writer_close(&t->writer);
      pv_core_fail("cannot start a thread's record file");
      t = NULL;
    } else {
      __atomic_store_n(&t->writer.state, PV_WRITER_IDLE, __ATOMIC_RELEASE);
    }
  }
  errno = saved;
  return __atomic_load_n(&pv_proc.state, __ATOMIC_ACQUIRE) == PV_ACTIVE ? t : NULL;
}

char *pv_record_begin(pv_thread *t, size_t max)
{
  int idle = PV_WRITER_IDLE;
  if (!__atomic_compare_exchange_n(&t->writer.state, &idle, PV_WRITER_BUSY, 0, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED))
    return NULL; /* finished at exit by another thread */
  char *p = pv_writer_reserve(&t->writer, max);
  if (__builtin_expect(p != NULL, 1)) return p;
  if (t->writer.full) {
    /* RLIMIT_FSIZE: no file may grow past it, so go on in the next one. */
    end_file(t, 1);
    t->segment++;
    if (open_thread_file(t) == 0 && (p = pv_writer_reserve(&t->writer, max))) return p;
    pv_core_fail("a record does not fit in a file under the file size limit (ulimit -f)");
  } else {
    pv_core_fail("cannot extend a record file");
  }
  __atomic_store_n(&t->writer.state, PV_WRITER_IDLE, __ATOMIC_RELEASE);
  return NULL;
}

void pv_record_seal(pv_thread *t, char *end)
{
  static const char marker[] = "# provio-end\n";
  pv_writer *w = &t->writer;
  if ((size_t)(w->base + w->mapped - end) < sizeof marker - 1) return;
  end = pv_put(end, marker, sizeof marker - 1);
  pv_writer_trim(w, (size_t)(end - w->base));
}

void pv_record_unseal(pv_thread *t)
{
  if (pv_writer_untrim(&t->writer) != 0) {
    /* The file stays sealed and shorter than its mapping: nothing may be
     * written into it any more. */
    pv_core_fail("cannot reopen a record file after a failed exec");
    return;
  }
  __atomic_store_n(&t->writer.state, PV_WRITER_IDLE, __ATOMIC_RELEASE);
}

size_t pv_thread_new_iri(pv_thread *t, char *dst, const char *kind)
{
  (void)t;
  /* One counter for the process: the names carry no thread id, and a
   * thread id can come back (tid reuse) anyway. */
  static uint64_t records;
  return pv_record_iri(dst, &pv_proc.id, kind, __atomic_add_fetch(&records, 1, __ATOMIC_RELAXED));
}

void pv_core_shutdown(void)
{
  __atomic_store_n(&pv_proc.state, PV_STOPPED, __ATOMIC_RELEASE);
  pv_thread *self = pv_tls.thread;
  if (self) {
    pthread_setspecific(exit_key, NULL);
    thread_exit(self);
  }
  /* Threads still running: their files are finished too.  One writing a
   * record right now ends it within microseconds and, recording being
   * stopped, starts no other: wait that long for it, never longer (its
   * file then stays unfinished, valid up to its last record). */
  for (slot_chunk *c = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE); c; c = c->next)
    for (int i = 0; i < __atomic_load_n(&c->reached, __ATOMIC_ACQUIRE); i++) {
      pv_thread *t = &c->slot[i];
      if (!__atomic_load_n(&t->in_use, __ATOMIC_ACQUIRE) || !t->writer.base) continue;
      for (long spin = 0; spin < (1L << 20); spin++) {
        if (claim_for_end(t)) {
          end_file(t, 0);
          break;
        }
        if (__atomic_load_n(&t->writer.state, __ATOMIC_ACQUIRE) == PV_WRITER_DONE) break;
        pv_cpu_relax();
      }
    }
}

void pv_core_after_fork_child(void)
{
  /* The child shares no memory with the parent any more and did not
   * inherit the mappings of its files. */
  arm_fork_token();
  for (slot_chunk *c = chunks; c; c = c->next)
    for (int i = 0; i < c->reached; i++) {
      pv_writer_forget(&c->slot[i].writer);
      c->slot[i].writer.state = PV_WRITER_IDLE;
      c->slot[i].in_use = 0;
    }
  pv_tls.thread = NULL;
  pthread_setspecific(exit_key, NULL);
  if (pv_proc.state != PV_ACTIVE) return;
  pv_identity_init(&pv_proc.id, &pv_proc.cfg, pv_now_ns()); /* same host, same directory */
}
