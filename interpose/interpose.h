/* interpose.h - what the interception modules share: the wrapper
 * definition macros, the lock-free descriptor table, and the cheap clock.
 *
 * Every wrapper follows one shape (PV_PASS_IF_IDLE, then the real call,
 * then accounting only if the descriptor is tracked), so each module reads
 * as a list of what it records, not as copied boilerplate. */
#ifndef PROVIO_INTERPOSE_H
#define PROVIO_INTERPOSE_H

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.h"

#define PV_EXPORT __attribute__((visibility("default")))
/* The accounting every read and write does: GCC stops inlining it once it
 * is used in enough places, and a call plus its spills doubles its cost. */
#define PV_HOT_INLINE static inline __attribute__((always_inline))

/* ---- real functions ---------------------------------------------------
 * Each module lists its functions once in an X-macro
 *   #define MY_FUNCTIONS(X) X(ssize_t, read, (int fd, void *b, size_t n)) ...
 * and gets a pointer real_<name> per entry (PV_DECLARE_LAZY), which
 * PV_REAL(name) fills with dlsym(RTLD_NEXT) at the function's first call:
 * a short process resolves the dozen functions it calls, not all ~200
 * (each lookup costs about a thousand instructions at every start).  After
 * that a call costs one pointer load and a branch more than a direct one:
 * no lock, no allocation.  The lookup itself is what the dynamic linker's
 * lazy binding does at a first call through the PLT; it is also done for
 * every module before a fork (pv_resolve_all), so that a forked child of a
 * threaded program never looks up while another thread held the dynamic
 * linker's lock. */
#define PV_DECLARE_LAZY_OR(ret, name, params, fallback)                                          \
  static ret(*real_##name) params;                                                                \
  __attribute__((cold, noinline, unused)) static ret(*resolve_##name(void)) params                \
  {                                                                                               \
    ret(*f_) params = (ret(*) params)pv_next_symbol(#name);                                       \
    if (!f_) f_ = fallback;                                                                       \
    __atomic_store_n(&real_##name, f_, __ATOMIC_RELAXED);                                         \
    return f_;                                                                                    \
  }
#define PV_DECLARE_LAZY(ret, name, params) PV_DECLARE_LAZY_OR(ret, name, params, NULL)
/* The pointer alone, for a module that looks its functions up itself. */
#define PV_DECLARE_REAL(ret, name, params) static ret(*real_##name) params;
/* For a module's PV_HOOK_RESOLVE: every function resolved now. */
#define PV_RESOLVE_REAL(ret, name, params) \
  if (!__atomic_load_n(&real_##name, __ATOMIC_RELAXED)) resolve_##name();

/* Functions an older C library may lack (close_range before glibc 2.34,
 * the __isoc23 scanf forms before 2.38, ...), each returning an int-like
 * value: declared with PV_DECLARE_OPTIONAL, a missing one resolves to a
 * stand-in that fails with ENOSYS the way the system call would, so no
 * wrapper ever calls through NULL and the hot path needs no test. */
#define PV_DECLARE_OPTIONAL(ret, name, params)                                                    \
  static ret missing_##name params                                                                \
  {                                                                                               \
    errno = ENOSYS;                                                                               \
    return -1;                                                                                    \
  }                                                                                               \
  PV_DECLARE_LAZY_OR(ret, name, params, missing_##name)
#define PV_RESOLVE_OPTIONAL PV_RESOLVE_REAL

/* The next definition of name after ours in the lookup order, so that tools
 * preloaded after provio (or MPI profiling layers) keep working. */
void *pv_next_symbol(const char *name);

/* Resolution of every module's functions, once: before the process forks. */
void pv_resolve_all(void);
#define PV_REAL(name)                                                                             \
  ({                                                                                              \
    __typeof__(real_##name) real_ = __atomic_load_n(&real_##name, __ATOMIC_RELAXED);              \
    __builtin_expect(real_ != NULL, 1) ? real_ : resolve_##name();                                \
  })

/* ---- modules -----------------------------------------------------------
 * Each interface is one file that registers with the core what it must do
 * at load (resolve its real functions), in a forked child, before an exec
 * and at exit; the core runs the hooks, never a module by name.  A module
 * inside libprovio.so registers with PV_MODULE: a pointer placed in a linker
 * section, known before any constructor runs, since other libraries'
 * constructors may call our wrappers before ours ran.  A module in its own
 * preload library (MPI, one per MPI family) registers at load through
 * core_ops.h's table. */
enum pv_hook { PV_HOOK_RESOLVE, PV_HOOK_FORK_CHILD, PV_HOOK_EXEC, PV_HOOK_EXIT, PV_HOOKS };
typedef struct pv_module {
  void (*hook[PV_HOOKS])(void); /* each may be NULL */
  struct pv_module *next;       /* the registry's, for modules outside libprovio.so */
} pv_module;
#define PV_MODULE(id, ...)                                                                        \
  static pv_module pv_module_##id = {{__VA_ARGS__}, NULL};                                       \
  static pv_module *const pv_module_entry_##id __attribute__((used, section("pv_modules"))) =    \
      &pv_module_##id;
/* Runs the hook of every registered module that has one. */
void pv_modules_run(enum pv_hook hook);
/* Adds a module outside libprovio.so (a static struct: no allocation). */
void pv_module_register(pv_module *m);

/* The application's return address, for call sites. */
#define CALLER() ((uintptr_t)__builtin_return_address(0))

/* Inside provio (or before init, or after shutdown): just call through. */
#define PV_IDLE() (pv_tls.depth != 0 || pv_proc.state != PV_ACTIVE)

/* ---- clock ------------------------------------------------------------ */
static inline uint64_t pv_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_ia32_rdtsc();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}
/* Ticks to nanoseconds, calibrated against the real-time clock over the
 * process's life so far (no calibration pause at start). */
int64_t pv_ticks_to_ns(uint64_t ticks);
/* The real time of clock reading at, from the reading now_t taken at
 * now_ns: converted over the short span since, so the error stays small,
 * and never before floor (when the session started) nor after now_ns.
 * to_ns: pv_ticks_to_ns, or the core table's for a module outside. */
static inline int64_t pv_real_time(uint64_t at, uint64_t now_t, int64_t now_ns, int64_t floor,
                                   int64_t (*to_ns)(uint64_t))
{
  int64_t ns = at >= now_t ? now_ns : now_ns - to_ns(now_t - at);
  return ns < floor ? floor : ns;
}

/* ---- descriptor table --------------------------------------------------
 * One slot per file descriptor, in lazily mapped chunks installed with a
 * compare-and-swap.  The thread that opened a descriptor counts into it
 * with plain stores (no lock prefix: the common case costs what an add
 * costs); any other thread counts into a second set with atomic adds, so
 * counts stay exact when threads share a descriptor.  Closing sums both. */
enum pv_api { PV_API_POSIX = 0, PV_API_STDIO = 1, PV_API_MPIIO = 2, PV_API_INHERITED = 3 };
enum pv_counter {
  PV_C_BYTES_READ, PV_C_BYTES_WRITTEN, PV_C_READS, PV_C_WRITES, PV_C_SEEKS, PV_C_SYNCS,
  PV_C_META, PV_C_READ_TICKS, PV_C_WRITE_TICKS, PV_C_META_TICKS, PV_C_LAYER_IO,
  PV_C_COLLECTIVE, /* MPI-IO collective reads and writes (also counted as reads, writes) */
  PV_COUNTERS
};

/* Where an access record sits in the record file of the thread that wrote
 * it, so that its numbers and times can be rewritten in place (files.c). */
typedef struct pv_record_at {
  uint64_t file_id;               /* the record file the offsets are in; 0: none yet */
  uint64_t n;                     /* <thread>/access/<n> (and /version/<n>); 0: no record */
  int tid;                        /* the thread of that IRI */
  unsigned lines;                 /* optional lines already written (files.c) */
  uint32_t counter[PV_COUNTERS];  /* offsets of the counters' digits; 0: no line yet */
  uint32_t end, generated, sessions, last_read;
} pv_record_at;

/* A clock reading that stands for "until now": reads of a mapping, bytes
 * a stdio buffer holds until its next flush. */
#define PV_STILL UINT64_MAX

typedef struct pv_session {
  int active;                     /* atomic: 1 while the descriptor is tracked */
  int excluded;                   /* tracked only to be ignored (excluded path) */
  const void *owner;              /* &pv_tls of the thread that opened it */
  uint64_t counter[PV_COUNTERS];  /* the owner's counts (relaxed, plain stores) */
  uint64_t shared[PV_COUNTERS];   /* other threads' counts (atomic adds) */
  uint64_t due[2];                /* ticks from which the owner's next read [0] or
                                     write [1] brings the record up to date */
  uint64_t first_at[2], last_at[2]; /* clock readings of the first and latest read [0]
                                       and change [1]; 0: none yet */
  struct pv_stamp { uint64_t at; int64_t ns; } stamped[2][2]; /* first_at [0][k] and last_at
                                       [1][k] as last converted to times (files.c) */
  pv_record_at own;               /* the session's own record */
  struct pv_aggregate *agg;       /* or the summing record it adds to (files.c) */
  int flags;                      /* open flags */
  int api;                        /* enum pv_api */
  int via_layer;                  /* enum pv_layer of the call that opened it */
  const char *via_call;           /* and that call's name (a string constant) */
  int inner_layer;                /* enum pv_layer of calls made inside such a call */
  int mapped_writable;            /* a shared writable mapping: changes it cannot see */
  int new_content;                /* the file was empty when it started, or emptied */
  int has_id;                     /* dev and ino are known (fstat at open) */
  uint64_t dev, ino;
  int64_t open_ns;
  uintptr_t callsite;             /* return address of the application's call */
  size_t path_len;
  char path[PV_PATH_MAX];         /* canonical absolute path */
} pv_session;

#define PV_FD_CHUNK 256
#define PV_FD_MAX (1 << 20)
extern pv_session *pv_fd_chunks[PV_FD_MAX / PV_FD_CHUNK];

/* The session of fd if tracked, else NULL.  No allocation, no call. */
static inline pv_session *pv_fd_session(int fd)
{
  if (__builtin_expect((unsigned)fd >= PV_FD_MAX, 0)) return NULL;
  pv_session *chunk = __atomic_load_n(&pv_fd_chunks[fd / PV_FD_CHUNK], __ATOMIC_ACQUIRE);
  if (!chunk) return NULL;
  pv_session *s = &chunk[fd % PV_FD_CHUNK];
  return __atomic_load_n(&s->active, __ATOMIC_ACQUIRE) && !s->excluded ? s : NULL;
}
/* Whether fd is tracked at all (an excluded path included): what close()
 * must know, without mapping anything. */
static inline int pv_fd_tracked(int fd)
{
  if ((unsigned)fd >= PV_FD_MAX) return 0;
  pv_session *chunk = __atomic_load_n(&pv_fd_chunks[fd / PV_FD_CHUNK], __ATOMIC_ACQUIRE);
  return chunk && __atomic_load_n(&chunk[fd % PV_FD_CHUNK].active, __ATOMIC_ACQUIRE);
}
/* The slot for fd, mapping its chunk if needed; NULL if fd is out of range
 * or memory is short. */
pv_session *pv_fd_slot(int fd);
/* The lowest descriptor >= from that may hold a session (a walk over the
 * tracked ones: check the slot's active flag), or -1. */
int pv_fd_next_live(unsigned from);

/* Starts tracking fd as path (relative to dirfd's directory or the cwd)
 * opened with flags.  Returns the session, or NULL if not tracked. */
pv_session *pv_track_open(int fd, int dirfd, const char *path, int flags, int api,
                          uintptr_t callsite);
/* Same, from an already canonical absolute path. */
pv_session *pv_track_canonical(int fd, const char *canon, size_t len, int flags, int api,
                               uintptr_t callsite);
/* Stops tracking fd, writing its access record. */
void pv_track_close(int fd);
/* fd is about to be closed by the call fn (close, fclose, closedir): its
 * session ends, and in trace mode the call is recorded. */
void pv_closing(const char *fn, int fd);
/* fd was just made by a call that opens no tracked file (socket, pipe, a
 * descriptor passed in a message, ...): a session its number still has
 * belongs to a file whose close provio missed, and ends here. */
void pv_fd_appeared(int fd);
/* A session kept outside the descriptor table (an MPI-IO file handle's):
 * started on a slot its module owns and finished there, recorded the same
 * way.  Start returns NULL if the path is excluded. */
pv_session *pv_session_start(pv_session *s, const char *canon, size_t len, int flags, int api,
                             uintptr_t callsite);
void pv_session_finish(pv_session *s);
/* Brings the session's access record up to date (the owner thread's first
 * read, first write, and one call each PV_REFRESH_TICKS). */
void pv_session_refresh(pv_session *s);
#define PV_REFRESH_TICKS ((uint64_t)1 << 31) /* about a second */
/* New descriptor newfd refers to the same file as oldfd (dup family). */
void pv_track_dup(int oldfd, int newfd);
/* linkat gave the file of fd a name, path relative to dirfd: if it had
 * none (O_TMPFILE), its session, counted since the open, is recorded from
 * now on as a session of that name, and 0 is returned; else -1. */
int pv_track_named(int fd, int dirfd, const char *path);
/* What to do with every tracked descriptor at a process boundary. */
enum pv_flush {
  PV_FLUSH_CLOSE,   /* exit: write the records, stop tracking */
  PV_FLUSH_RESTART, /* exec: write the records so far, go on from zero */
  PV_FLUSH_FORGET,  /* forked child: the parent records what it did */
};
void pv_track_flush_all(enum pv_flush how);
void pv_clock_init(void);

PV_HOT_INLINE void pv_count(pv_session *s, int counter, uint64_t v)
{
  if (__builtin_expect(s->owner == (const void *)&pv_tls, 1))
    __atomic_store_n(&s->counter[counter],
                     __atomic_load_n(&s->counter[counter], __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
  else
    __atomic_fetch_add(&s->shared[counter], v, __ATOMIC_RELAXED);
}

/* Accounting after a read- or write-like call on a tracked descriptor:
 * its bytes (rc) and count, then the time since t0.  A record refresh is
 * due at the session's first read and first write (so a killed process
 * still shows what it read and that it wrote) and then now and again: one
 * compare here, the work out of line. */
PV_HOT_INLINE void pv_count_calls(pv_session *s, int is_write, ssize_t rc)
{
  if (rc > 0) pv_count(s, is_write ? PV_C_BYTES_WRITTEN : PV_C_BYTES_READ, (uint64_t)rc);
  pv_count(s, is_write ? PV_C_WRITES : PV_C_READS, 1);
  if (pv_tls.layer) {
    pv_count(s, PV_C_LAYER_IO, 1);
    s->inner_layer = pv_tls.layer;
  }
}
/* The session's first and latest read (kind 0) or change (1) at clock
 * reading now: what orders its reads against other sessions' versions. */
PV_HOT_INLINE void pv_mark(pv_session *s, int kind, uint64_t now)
{
  if (__builtin_expect(!__atomic_load_n(&s->first_at[kind], __ATOMIC_RELAXED), 0))
    __atomic_store_n(&s->first_at[kind], now, __ATOMIC_RELAXED);
  __atomic_store_n(&s->last_at[kind], now, __ATOMIC_RELAXED);
}
PV_HOT_INLINE void pv_refresh_if_due(pv_session *s, int is_write, uint64_t now)
{
  if (__builtin_expect(now >= s->due[is_write], 0) && s->owner == (const void *)&pv_tls)
    pv_session_refresh(s);
}
/* Without the clock (a call a stdio buffer served): only the first read
 * or write refreshes.  Such a read takes what an earlier, timed call
 * brought in; such a write reaches the file at a later flush, so the
 * change lasts until one. */
PV_HOT_INLINE void pv_account_calls(pv_session *s, int is_write, ssize_t rc)
{
  pv_count_calls(s, is_write, rc);
  if (is_write && rc > 0) __atomic_store_n(&s->last_at[1], PV_STILL, __ATOMIC_RELAXED);
  pv_refresh_if_due(s, is_write, 0);
}
PV_HOT_INLINE void pv_account_io(pv_session *s, int is_write, ssize_t rc, uint64_t t0)
{
  uint64_t now = pv_ticks();
  pv_count_calls(s, is_write, rc);
  pv_count(s, is_write ? PV_C_WRITE_TICKS : PV_C_READ_TICKS, now - t0);
  /* A failed or empty write changes nothing; any read call counts. */
  if (!is_write || rc > 0) pv_mark(s, is_write, now);
  pv_refresh_if_due(s, is_write, now);
}

/* ---- records beyond files ---------------------------------------------- */

/* A name operation (rename, unlink, mkdir, ...) on path (and target). */
void pv_record_name_op(const char *op, int dirfd, const char *path, int dirfd2, const char *target,
                       uintptr_t callsite);

/* The process's end (once), and its MPI rank once known. */
void pv_record_process_end(const char *ended_by, int status);
void pv_record_rank(long rank, long size);

/* "function+0xoff (object)" for the application code at or above pc; writes
 * into dst (cap bytes) and returns the length, 0 if unknown. */
size_t pv_callsite_name(uintptr_t pc, char *dst, size_t cap);

/* Canonical absolute path of path relative to dirfd (AT_FDCWD: the cwd). */
size_t pv_canon_at(int dirfd, const char *path, char *dst, size_t cap);

/* Whether a canonical path is excluded from recording. */
int pv_path_excluded(const char *canon, size_t len);
/* Whether file records (sessions, path queries, name operations) of a
 * canonical path are left out: excluded, or file records switched off. */
static inline int pv_file_unrecorded(const char *canon, size_t len)
{
  return !(pv_proc.cfg.records & PV_REC_FILES) || pv_path_excluded(canon, len);
}

#endif
