/* core.h - the recorder every capture module writes through.
 *
 * One process-wide state, read-only after init, and one recorder per thread
 * (its own file, no sharing, no locks).  Capture modules call
 * pv_thread_current() and, if it returns a recorder, build a record between
 * pv_record_begin and pv_record_end. */
#ifndef PROVIO_CORE_H
#define PROVIO_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ident.h"
#include "writer.h"

enum pv_state { PV_UNINIT = 0, PV_ACTIVE = 1, PV_STOPPED = 2 };

typedef struct pv_thread {
  pv_writer writer;            /* base NULL until the thread's first record */
  int in_use;                  /* slot claimed by a live thread (atomic) */
  int tid;
  unsigned segment;            /* file segment: a new file when one may not grow */
  char iri[PV_IRI_MAX];        /* the thread agent */
  size_t iri_len;
  uint64_t file_id;            /* changes with every record file opened */
  void *capture;               /* the capture modules' per-thread state */
  /* Before the big buffers: on the slot's first page with the fields
   * above, which every thread that records touches. */
  char record_iri[2][PV_IRI_MAX + 64]; /* access, operation and version IRIs being written */
  /* Room for two file IRIs while a record is built: too big for the stacks
   * of some threads, and TLS must stay tiny for a dlopen'ed libprovio.so. */
  char scratch[2][PV_FILE_IRI_MAX(PV_PATH_MAX)];
  char path[3][PV_PATH_MAX + 1]; /* pv_thread_path() */
} pv_thread;

typedef struct pv_process {
  /* What every start writes comes first and the path buffers last, of
   * which only the first bytes are used; pv_proc starts on a page.  Every
   * page a start touches is a page fault in every process (about 12 us on
   * a virtual machine, measured). */
  int state;                   /* enum pv_state, atomic */
  pv_dir dir;                  /* <PROVIO_DIR>/<host>, by path: no descriptor kept */
  int argc;
  char **argv;
  size_t out_dir_len;
  pv_identity id;
  pv_config cfg;
  char principal[PV_IRI_MAX];   /* whom threads act for: the MPI rank, else the user */
  /* PROVIO_DIR made absolute (never recorded): its first out_dir_len
   * bytes; then /<host>, the directory of the record files. */
  char out_dir[PV_PATH_MAX];
  char exe[PV_PATH_MAX];        /* the executable, from /proc/self/exe */
  char cwd[PV_PATH_MAX];        /* kept current by the chdir wrappers */
} pv_process;

extern pv_process pv_proc;

/* Per-thread re-entry guard and cached recorder.  initial-exec TLS: no
 * allocation and no lock on access, which a preloaded library needs. */
enum pv_layer { PV_LAYER_NONE = 0, PV_LAYER_MPIIO = 1, PV_LAYER_HDF5 = 2 };

struct pv_tls {
  pv_thread *thread;
  int depth;                   /* >0 while inside provio itself: pass calls through */
  int layer;                   /* enum pv_layer: inside an MPI-IO or HDF5 call, whose
                                  wrapper sets it so that the POSIX I/O beneath is
                                  recorded as provio:viaLayer, not as the program's */
  const char *layer_call;      /* the higher-level call, e.g. "H5Dwrite" */
};
extern __thread struct pv_tls pv_tls __attribute__((tls_model("initial-exec")));

/* Around a forwarded MPI-IO or HDF5 call: the POSIX capture beneath sees
 * which layer and call its I/O belongs to; nested calls restore the outer. */
typedef struct pv_layer_save {
  int layer;
  const char *call;
} pv_layer_save;

static inline pv_layer_save pv_layer_enter_at(struct pv_tls *tls, int layer, const char *call)
{
  pv_layer_save outer = {tls->layer, tls->layer_call};
  tls->layer = layer;
  tls->layer_call = call;
  return outer;
}

static inline void pv_layer_leave_at(struct pv_tls *tls, pv_layer_save outer)
{
  tls->layer = outer.layer;
  tls->layer_call = outer.call;
}

/* The same for the calling thread, from inside libprovio.so (modules built
 * apart get their pv_tls from core_ops.h's tls()). */
static inline pv_layer_save pv_layer_enter(int layer, const char *call)
{
  return pv_layer_enter_at(&pv_tls, layer, call);
}

static inline void pv_layer_leave(pv_layer_save outer) { pv_layer_leave_at(&pv_tls, outer); }

/* Room for one record line: a subject IRI and a predicate with a short
 * object (a number, a time, a flag).  Builders reserve a multiple of it
 * plus the exact bound of any longer object. */
#define PV_RECORD_LINE (PV_IRI_MAX + 200)

/* Reads the configuration and identity; makes the output directory.
 * Recording stays off (and this returns -1) without PROVIO_DIR or on error.
 * forked (may be NULL) runs in a forked child before it records anything,
 * whether the fork ran atfork handlers or not (_Fork, a raw clone); it must
 * call pv_core_after_fork_child first. */
int pv_core_init(int argc, char **argv, void (*forked)(void));

/* Stops recording process-wide and finishes every thread's file that no
 * thread is writing a record into at this moment (those stay unfinished:
 * valid, newline padded). */
void pv_core_shutdown(void);

/* In a forked child: forgets the parent's files and identity. */
void pv_core_after_fork_child(void);

/* Ends recording after an internal failure; the program goes on untouched. */
void pv_core_fail(const char *why);

/* The calling thread's recorder, opening its file on first use; NULL when
 * recording is off. */
pv_thread *pv_thread_current(void);

/* Room for a record of at most max bytes, or NULL (recording then stops,
 * or the file was finished at exit). */
char *pv_record_begin(pv_thread *t, size_t max);
static inline void pv_record_end(pv_thread *t, char *end)
{
  pv_writer_commit(&t->writer, end);
  __atomic_store_n(&t->writer.state, PV_WRITER_IDLE, __ATOMIC_RELEASE);
}

/* Before an exec: the record begun up to end is written but not committed,
 * followed by the end marker, and the file is cut there, so that if the
 * exec succeeds (the mapping then vanishes) the file is finished and ends
 * with that record.  If it fails, pv_record_unseal drops the record and
 * the file goes on as before. */
void pv_record_seal(pv_thread *t, char *end);
void pv_record_unseal(pv_thread *t);

/* A path-sized buffer (PV_PATH_MAX + 1 bytes, i < 3) of the calling
 * thread, for what is too big for small thread stacks; NULL when recording
 * is off.  Only while pv_tls.depth > 0: a signal handler's calls then pass
 * through and cannot reuse it. */
char *pv_thread_path(int i);

/* A fresh record IRI of the process image: <rec_iri><kind><n>
 * (docs/model.md, "Identifiers"). dst needs t->iri_len + 32 + strlen(kind)
 * bytes; returns its length. */
size_t pv_thread_new_iri(pv_thread *t, char *dst, const char *kind);

int64_t pv_now_ns(void);

/* One turn of a short wait for another thread (a spin, never a lock). */
static inline void pv_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Appends one line to PROVIO_LOG if set; never to stdout or stderr. */
void pv_log(const char *what, const char *detail);

#endif
