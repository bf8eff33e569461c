/* mpi.c - MPI: initialisation (each process's rank and size), MPI-IO at
 * its own level, and the data flow between ranks (receives, their
 * completions, collectives), every function under both its MPI_ and its
 * PMPI_ name.
 *
 * One module per MPI family, each its own preload library built from this
 * file against that family's mpi.h (PROVIO_MPI_OPENMPI: libmpi.so.40;
 * PROVIO_MPI_MPICH: the MPICH ABI of MPICH, Intel MPI, Cray MPICH and
 * MVAPICH).  The families differ in ABI (handles are pointers in one and
 * ints in the other, MPI_STATUS_IGNORE is NULL in one and 1 in the other),
 * so code built against one header must never handle the other's calls.
 * And they are not part of libprovio.so, which every process loads: a
 * program that tests for MPI through a weak symbol must not find ours.
 * provio-run preloads the module of the family the program uses (see
 * docs/mpi.md); the module checks at the first MPI call that the MPI loaded
 * is its family, by a symbol only that family's library defines, and
 * otherwise, or without libprovio.so's core, passes every call straight
 * through to the next definition: all of the families' parameters are
 * integers or pointers, one register each, so forwarding them unread is
 * safe whatever their types (see handle_arg).
 *
 * The module does not link an MPI library: each MPI function and object it
 * uses is looked up at run time.  They are looked up when MPI is first
 * entered, not at load: an MPI library may be dlopen'ed after our
 * constructor ran (Python's mpi4py).  Lookups inside wrappers are unsafe
 * only where an allocator can lead (mmap); nothing reaches MPI from there.
 * It reaches the core only through core_ops.h's table.
 *
 * Stacking with other tools: each wrapper calls the next definition of its
 * own name.  A tool preloaded after provio still sees MPI_Init; one before
 * it that calls PMPI_Init itself (Darshan) still reaches us, which is why
 * the PMPI_ names are wrapped too (OpenMPI's Fortran bindings also call
 * PMPI_File_open and friends).  A tool after us whose MPI_Init calls
 * PMPI_Init enters our PMPI_Init inside our MPI_Init: only the outer call
 * records.  Likewise any MPI-IO call made inside one we are in passes
 * straight through.
 *
 * provio makes no MPI communication of its own: it asks only for the rank
 * and size and, once per communicator, its group (local queries), so it
 * needs no duplicated communicator.
 *
 * MPI-IO sessions live in a table keyed by MPI_File handle, claimed with a
 * compare-and-swap: no lock and no allocation on any MPI-IO call.  Bytes are
 * count * type size, or for blocking calls the count in the status when the
 * caller asked for one (a read at the end of the file returns less).  A
 * nonblocking call counts what it asked for, when it is started.  The split
 * collectives (*_begin/_end) and MPI-4's large-count forms (*_c) are not
 * wrapped. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>

#include <mpi.h>

#include "core_ops.h"
#include "serialize.h"
#include "sys.h"
#include "vocab.h"

/* A handle passed by value (MPI_Comm, MPI_Info, MPI_File, MPI_Datatype), as
 * the wrappers take it: a whole register, so that a module passing through
 * the other family's calls forwards Open MPI's pointers untruncated
 * (MPICH's handles are ints).  provio converts one to its family's type
 * before using it itself. */
typedef uintptr_t handle_arg;

/* (name without its MPI_/PMPI_ prefix, parameters); all return int.  The
 * reads and writes follow in MPI_DATA_FUNCTIONS. */
#define MPI_FUNCTIONS(X)                                                                          \
  X(Init, (int *argc, char ***argv))                                                              \
  X(Init_thread, (int *argc, char ***argv, int required, int *provided))                          \
  X(Finalize, (void))                                                                             \
  X(File_open, (handle_arg comm, const char *name, int amode, handle_arg info, MPI_File *fh))      \
  X(File_close, (MPI_File *fh))                                                                   \
  X(File_sync, (handle_arg fh))                                                                    \
  X(File_set_size, (handle_arg fh, MPI_Offset size))

#define READ_AT (handle_arg fh, MPI_Offset off, void *buf, int count, handle_arg dt, MPI_Status *st)
#define READ (handle_arg fh, void *buf, int count, handle_arg dt, MPI_Status *st)
#define WRITE_AT (handle_arg fh, MPI_Offset off, const void *buf, int count, handle_arg dt, MPI_Status *st)
#define WRITE (handle_arg fh, const void *buf, int count, handle_arg dt, MPI_Status *st)
#define IREAD_AT (handle_arg fh, MPI_Offset off, void *buf, int count, handle_arg dt, MPI_Request *req)
#define IREAD (handle_arg fh, void *buf, int count, handle_arg dt, MPI_Request *req)
#define IWRITE_AT (handle_arg fh, MPI_Offset off, const void *buf, int count, handle_arg dt, MPI_Request *req)
#define IWRITE (handle_arg fh, const void *buf, int count, handle_arg dt, MPI_Request *req)
#define AT_ARGS (fh, off, buf, count, dt, st)
#define ARGS (fh, buf, count, dt, st)
#define IAT_ARGS (fh, off, buf, count, dt, req)
#define IARGS (fh, buf, count, dt, req)

/* (name, parameters, arguments, is_write, collective, status or NULL) */
#define MPI_DATA_FUNCTIONS(X)                                                                     \
  X(File_read, READ, ARGS, 0, 0, st)                                                              \
  X(File_read_at, READ_AT, AT_ARGS, 0, 0, st)                                                     \
  X(File_read_all, READ, ARGS, 0, 1, st)                                                          \
  X(File_read_at_all, READ_AT, AT_ARGS, 0, 1, st)                                                 \
  X(File_read_shared, READ, ARGS, 0, 0, st)                                                       \
  X(File_read_ordered, READ, ARGS, 0, 1, st)                                                      \
  X(File_write, WRITE, ARGS, 1, 0, st)                                                            \
  X(File_write_at, WRITE_AT, AT_ARGS, 1, 0, st)                                                   \
  X(File_write_all, WRITE, ARGS, 1, 1, st)                                                        \
  X(File_write_at_all, WRITE_AT, AT_ARGS, 1, 1, st)                                               \
  X(File_write_shared, WRITE, ARGS, 1, 0, st)                                                     \
  X(File_write_ordered, WRITE, ARGS, 1, 1, st)                                                    \
  X(File_iread, IREAD, IARGS, 0, 0, NULL)                                                         \
  X(File_iread_at, IREAD_AT, IAT_ARGS, 0, 0, NULL)                                                \
  X(File_iread_all, IREAD, IARGS, 0, 1, NULL)                                                     \
  X(File_iread_at_all, IREAD_AT, IAT_ARGS, 0, 1, NULL)                                            \
  X(File_iread_shared, IREAD, IARGS, 0, 0, NULL)                                                  \
  X(File_iwrite, IWRITE, IARGS, 1, 0, NULL)                                                       \
  X(File_iwrite_at, IWRITE_AT, IAT_ARGS, 1, 0, NULL)                                              \
  X(File_iwrite_all, IWRITE, IARGS, 1, 1, NULL)                                                   \
  X(File_iwrite_at_all, IWRITE_AT, IAT_ARGS, 1, 1, NULL)                                          \
  X(File_iwrite_shared, IWRITE, IARGS, 1, 0, NULL)

/* Messages: receives, their completions, collectives (see "data flow
 * between ranks" below), and what ends a communicator or request. */
#define MPI_MESSAGE_FUNCTIONS(X)                                                                  \
  X(Recv, (void *b, int n, handle_arg dt, int src, int tag, handle_arg comm, MPI_Status *st))     \
  X(Sendrecv, (const void *sb, int sn, handle_arg sdt, int dst, int stag, void *rb, int rn,       \
               handle_arg rdt, int src, int rtag, handle_arg comm, MPI_Status *st))               \
  X(Sendrecv_replace, (void *b, int n, handle_arg dt, int dst, int stag, int src, int rtag,       \
                       handle_arg comm, MPI_Status *st))                                          \
  X(Irecv, (void *b, int n, handle_arg dt, int src, int tag, handle_arg comm, MPI_Request *req))  \
  X(Wait, (MPI_Request *req, MPI_Status *st))                                                     \
  X(Test, (MPI_Request *req, int *flag, MPI_Status *st))                                          \
  X(Waitall, (int n, MPI_Request *reqs, MPI_Status *sts))                                         \
  X(Testall, (int n, MPI_Request *reqs, int *flag, MPI_Status *sts))                              \
  X(Waitany, (int n, MPI_Request *reqs, int *index, MPI_Status *st))                              \
  X(Testany, (int n, MPI_Request *reqs, int *index, int *flag, MPI_Status *st))                   \
  X(Waitsome, (int n, MPI_Request *reqs, int *outcount, int *indices, MPI_Status *sts))           \
  X(Testsome, (int n, MPI_Request *reqs, int *outcount, int *indices, MPI_Status *sts))           \
  X(Request_free, (MPI_Request *req))                                                             \
  X(Comm_free, (MPI_Comm *comm))

/* The collectives (blocking name, nonblocking name, parameters of the
 * blocking form, its arguments, where the data goes, the root or -1); the
 * nonblocking form adds MPI_Request *req. */
#define MPI_COLLECTIVES(X) \
  X(Bcast, Ibcast, (void *b, int n, handle_arg dt, int root, handle_arg comm), (b, n, dt, root, comm), FROM_ROOT, root) \
  X(Scatter, Iscatter, (const void *sb, int sn, handle_arg sdt, void *rb, int rn, handle_arg rdt, int root, handle_arg comm), (sb, sn, sdt, rb, rn, rdt, root, comm), FROM_ROOT, root) \
  X(Scatterv, Iscatterv, (const void *sb, const int *sn, const int *sd, handle_arg sdt, void *rb, int rn, handle_arg rdt, int root, handle_arg comm), (sb, sn, sd, sdt, rb, rn, rdt, root, comm), FROM_ROOT, root) \
  X(Gather, Igather, (const void *sb, int sn, handle_arg sdt, void *rb, int rn, handle_arg rdt, int root, handle_arg comm), (sb, sn, sdt, rb, rn, rdt, root, comm), TO_ROOT, root) \
  X(Gatherv, Igatherv, (const void *sb, int sn, handle_arg sdt, void *rb, const int *rn, const int *rd, handle_arg rdt, int root, handle_arg comm), (sb, sn, sdt, rb, rn, rd, rdt, root, comm), TO_ROOT, root) \
  X(Reduce, Ireduce, (const void *sb, void *rb, int n, handle_arg dt, handle_arg op, int root, handle_arg comm), (sb, rb, n, dt, op, root, comm), TO_ROOT, root) \
  X(Allreduce, Iallreduce, (const void *sb, void *rb, int n, handle_arg dt, handle_arg op, handle_arg comm), (sb, rb, n, dt, op, comm), ALL_TO_ALL, -1) \
  X(Allgather, Iallgather, (const void *sb, int sn, handle_arg sdt, void *rb, int rn, handle_arg rdt, handle_arg comm), (sb, sn, sdt, rb, rn, rdt, comm), ALL_TO_ALL, -1) \
  X(Allgatherv, Iallgatherv, (const void *sb, int sn, handle_arg sdt, void *rb, const int *rn, const int *rd, handle_arg rdt, handle_arg comm), (sb, sn, sdt, rb, rn, rd, rdt, comm), ALL_TO_ALL, -1) \
  X(Alltoall, Ialltoall, (const void *sb, int sn, handle_arg sdt, void *rb, int rn, handle_arg rdt, handle_arg comm), (sb, sn, sdt, rb, rn, rdt, comm), ALL_TO_ALL, -1) \
  X(Alltoallv, Ialltoallv, (const void *sb, const int *sn, const int *sd, handle_arg sdt, void *rb, const int *rn, const int *rd, handle_arg rdt, handle_arg comm), (sb, sn, sd, sdt, rb, rn, rd, rdt, comm), ALL_TO_ALL, -1) \
  X(Alltoallw, Ialltoallw, (const void *sb, const int *sn, const int *sd, const MPI_Datatype *sdt, void *rb, const int *rn, const int *rd, const MPI_Datatype *rdt, handle_arg comm), (sb, sn, sd, sdt, rb, rn, rd, rdt, comm), ALL_TO_ALL, -1) \
  X(Reduce_scatter, Ireduce_scatter, (const void *sb, void *rb, const int *rn, handle_arg dt, handle_arg op, handle_arg comm), (sb, rb, rn, dt, op, comm), ALL_TO_ALL, -1) \
  X(Reduce_scatter_block, Ireduce_scatter_block, (const void *sb, void *rb, int rn, handle_arg dt, handle_arg op, handle_arg comm), (sb, rb, rn, dt, op, comm), ALL_TO_ALL, -1) \
  X(Scan, Iscan, (const void *sb, void *rb, int n, handle_arg dt, handle_arg op, handle_arg comm), (sb, rb, n, dt, op, comm), ALL_TO_ALL, -1) \
  X(Exscan, Iexscan, (const void *sb, void *rb, int n, handle_arg dt, handle_arg op, handle_arg comm), (sb, rb, n, dt, op, comm), ALL_TO_ALL, -1)
#define WITH_REQUEST(...) (__VA_ARGS__, MPI_Request *req)
#define WITH_REQUEST_ARG(...) (__VA_ARGS__, req)

/* What provio calls itself, under the PMPI_ names (no tool sees them). */
#define MPI_HELPERS(X)                                                                            \
  X(int, PMPI_Comm_rank, (MPI_Comm comm, int *rank))                                              \
  X(int, PMPI_Comm_size, (MPI_Comm comm, int *size))                                              \
  X(int, PMPI_Comm_test_inter, (MPI_Comm comm, int *inter))                                       \
  X(int, PMPI_Comm_compare, (MPI_Comm a, MPI_Comm b, int *result))                                \
  X(int, PMPI_Comm_group, (MPI_Comm comm, MPI_Group *group))                                      \
  X(int, PMPI_Group_translate_ranks, (MPI_Group a, int n, const int *ranks, MPI_Group b, int *out)) \
  X(int, PMPI_Group_free, (MPI_Group *group))                                                     \
  X(int, PMPI_Test_cancelled, (const MPI_Status *st, int *flag))                                  \
  X(int, PMPI_Type_size_x, (MPI_Datatype dt, MPI_Count *size))                                    \
  X(int, PMPI_Get_count, (const MPI_Status *st, MPI_Datatype dt, int *count))

#define DECLARE_BOTH(name, params)                                                                \
  PV_DECLARE_REAL(int, MPI_##name, params) PV_DECLARE_REAL(int, PMPI_##name, params)
#define RESOLVE(ret, name, params) real_##name = (ret(*) params)mpi_symbol(#name);
#define RESOLVE_BOTH(name, params) RESOLVE(int, MPI_##name, params) RESOLVE(int, PMPI_##name, params)
#define DECLARE_DATA(name, params, ...) DECLARE_BOTH(name, params)
#define RESOLVE_DATA(name, params, ...) RESOLVE_BOTH(name, params)

#define DECLARE_COLLECTIVE(name, iname, params, ...) DECLARE_BOTH(name, params) DECLARE_BOTH(iname, WITH_REQUEST params)
#define RESOLVE_COLLECTIVE(name, iname, params, ...) RESOLVE_BOTH(name, params) RESOLVE_BOTH(iname, WITH_REQUEST params)

MPI_FUNCTIONS(DECLARE_BOTH)
MPI_MESSAGE_FUNCTIONS(DECLARE_BOTH)
MPI_COLLECTIVES(DECLARE_COLLECTIVE)
MPI_DATA_FUNCTIONS(DECLARE_DATA)
MPI_HELPERS(PV_DECLARE_REAL)

#if defined(PROVIO_MPI_OPENMPI)
/* Defined by libmpi.so.40 alone; its address is Open MPI's MPI_COMM_WORLD. */
#define FAMILY_SYMBOL "ompi_mpi_comm_world"
#define WORLD ((MPI_Comm)family)
#elif defined(PROVIO_MPI_MPICH)
/* mpi.h's MPI_DUP_FN names it, so every library of the MPICH ABI defines
 * it; Open MPI does not (though it does define MPIR_ debugger symbols). */
#define FAMILY_SYMBOL "MPIR_Dup_fn"
#define WORLD MPI_COMM_WORLD
#else
#error "define PROVIO_MPI_OPENMPI or PROVIO_MPI_MPICH"
#endif

static const struct provio_core_ops *core; /* NULL: libprovio.so is not loaded */
static void *family;              /* FAMILY_SYMBOL in the MPI loaded, once resolved */
static int active;                /* atomic: MPI is our family and the core is there */

static void resolve(void);
#define NEXT_MPI(name) (real_##name ? real_##name : (resolve(), real_##name))

/* ---- finding the MPI library --------------------------------------------- */

static int find_libmpi(struct dl_phdr_info *info, size_t size, void *found)
{
  const char *base = strrchr(info->dlpi_name, '/');
  base = base ? base + 1 : info->dlpi_name;
  /* libmpi.so.40, libmpich.so.12, Intel's libmpi.so.12, libmpi_cray.so */
  if (strncmp(base, "libmpi", 6) != 0) return 0;
  *(const char **)found = info->dlpi_name;
  return 1;
}

/* name as libmpi defines it.  A module dlopen'ed with RTLD_LOCAL that links
 * libmpi (a Python extension) takes libmpi out of the global scope, while
 * its own calls still bind to our wrappers first. */
static void *libmpi_symbol(const char *name)
{
  const char *lib = NULL;
  dl_iterate_phdr(find_libmpi, &lib);
  void *h = lib ? dlopen(lib, RTLD_LAZY | RTLD_NOLOAD) : NULL;
  if (!h) return NULL;
  void *p = dlsym(h, name);
  dlclose(h);
  return p;
}

/* The next definition of a function after ours (after this library, not
 * after libprovio.so: they may be preloaded in either order). */
static void *mpi_symbol(const char *name)
{
  void *p = dlsym(RTLD_NEXT, name);
  return p ? p : libmpi_symbol(name);
}

static void resolve(void)
{
  MPI_FUNCTIONS(RESOLVE_BOTH)
  MPI_MESSAGE_FUNCTIONS(RESOLVE_BOTH)
  MPI_COLLECTIVES(RESOLVE_COLLECTIVE)
  MPI_DATA_FUNCTIONS(RESOLVE_DATA)
  MPI_HELPERS(RESOLVE)
  /* The first definition, not the next: a program that names
   * MPI_COMM_WORLD holds a copy of the object (a copy relocation), and
   * that copy is the one libmpi initialises. */
  void *f = dlsym(RTLD_DEFAULT, FAMILY_SYMBOL);
  family = f ? f : libmpi_symbol(FAMILY_SYMBOL);
  __atomic_store_n(&active, core && family, __ATOMIC_RELEASE);
}

/* ---- MPI-IO sessions by handle ------------------------------------------- */

#define FILE_SLOTS 512
enum { SLOT_FREE = 0, SLOT_GONE = 1 }; /* GONE: reusable, but lookups probe past it */

typedef struct file_slot {
  uintptr_t key; /* the MPI_File, or SLOT_FREE / SLOT_GONE (atomic) */
  pv_session s;
} file_slot;

static file_slot *file_table; /* mapped at MPI_Init, which precedes any MPI_File_open */

/* The slot of key in table (n slots of size bytes, each beginning with
 * its uintptr_t key: a handle, SLOT_FREE or SLOT_GONE, atomic), or NULL.
 * Lookups stop at a never used slot.  With claim, a key not there takes
 * the first free or released slot by compare-and-swap, and *claimed is
 * set: no lock and no allocation, for any handle table of this module. */
static void *slot_probe(void *table, size_t n, size_t size, uintptr_t key, int claim, int *claimed)
{
  if (!table || key <= SLOT_GONE) return NULL;
  size_t h = (size_t)(((key >> 3) * 0x9E3779B97F4A7C15ull) >> 40);
  for (size_t i = 0; i < 32; i++) {
    uintptr_t *slot = (uintptr_t *)((char *)table + (h + i) % n * size);
    uintptr_t cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (cur == key) return slot;
    if (!claim && cur == SLOT_FREE) return NULL;
    if (claim && cur <= SLOT_GONE && __atomic_compare_exchange_n(slot, &cur, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      *claimed = 1;
      return slot;
    }
    if (cur == key) return slot; /* another thread claimed it for key meanwhile */
  }
  return NULL;
}

static file_slot *file_probe(uintptr_t fh, int claim, int *claimed)
{
  return slot_probe(__atomic_load_n(&file_table, __ATOMIC_ACQUIRE), FILE_SLOTS, sizeof(file_slot), fh, claim, claimed);
}
static file_slot *file_find(uintptr_t fh) { return file_probe(fh, 0, NULL); }

/* A slot for a handle just opened: one it still has belongs to a file
 * whose close provio did not see, and its session ends here. */
static file_slot *file_claim(uintptr_t fh)
{
  int claimed = 0;
  file_slot *slot = file_probe(fh, 1, &claimed);
  if (slot && !claimed) core->session_finish(&slot->s);
  return slot;
}

static pv_session *file_session(uintptr_t fh)
{
  file_slot *slot = file_find(fh);
  return slot && __atomic_load_n(&slot->s.active, __ATOMIC_ACQUIRE) ? &slot->s : NULL;
}

/* Writes the record and frees the slot. */
static void file_finish(file_slot *slot)
{
  core->session_finish(&slot->s);
  __atomic_store_n(&slot->key, SLOT_GONE, __ATOMIC_RELEASE);
}

/* ---- data flow between ranks ----------------------------------------------
 * Per peer (world rank) a DataFlow record of what arrived from it, and per
 * communicator and direction one of the collectives that mix all members
 * (docs/model.md, "Data flow between MPI ranks").  A flow's record is
 * written by the thread that saw its first message, into that thread's
 * record file, then rewritten in place (lastAt, messages) at a later
 * message once PV_REFRESH_TICKS have passed, and at MPI_Finalize, exit and
 * exec: a killed rank leaves its flows as of a second before.  On a
 * message: one table entry found by index or by a short probe, a count, a
 * clock read; no allocation and no lock.  The owner counts with plain
 * stores, other threads with atomic adds (as a file session's counts). */

enum { DIR_IN, DIR_OUT, DIR_BOTH, DIRECTIONS };
static const char *const direction_names[DIRECTIONS] = {"in", "out", "both"};

/* Where a flow's record sits in its thread's record file. */
typedef struct flow_at {
  uint64_t file_id;             /* the record file; 0: not written there */
  uint64_t n;                   /* <thread>/flow/<n>; 0: no record yet */
  int tid;
  uint32_t last, messages;      /* offsets of lastAt's time and of the count's field */
} flow_at;

typedef struct flow {
  uint64_t key;                 /* communicator flows: which one (atomic); 0: free */
  int ready;                    /* atomic: direction and comm filled in */
  const void *owner;            /* atomic: pv_tls of the thread writing the record */
  uint64_t messages;            /* the owner's count */
  uint64_t shared;              /* other threads' (atomic adds) */
  int64_t first_ns;
  uint64_t last;                /* ticks of the latest message (atomic) */
  uint64_t due;                 /* ticks from which the owner's next message refreshes */
  int direction;                /* and communicator, of a communicator's flow */
  char comm[24];                /* "world" or "g" and 16 hex digits */
  flow_at rec;
} flow;

static flow *peers;             /* world size entries, mapped at MPI_Init */
static int world_size;

#define COMM_FLOWS 256
#define COMM_FLOW_PROBES 32
static flow *comm_flows;        /* COMM_FLOWS entries, mapped at MPI_Init */

static uint64_t flow_count(const flow *f)
{
  return __atomic_load_n(&f->messages, __ATOMIC_RELAXED) + __atomic_load_n(&f->shared, __ATOMIC_RELAXED);
}

/* Writes f's whole record into t's file at r (numbering it if new). */
static void write_flow(pv_thread *t, const flow *f, flow_at *r)
{
  char *p = core->record_begin(t, 10 * PV_RECORD_LINE);
  if (!p) return;
  char iri[PV_IRI_MAX + 64];
  const pv_identity *id = &core->proc->id;
  if (!r->n) {
    size_t n = core->thread_new_iri(t, iri, "f");
    for (size_t i = id->rec_iri_len + 1; i < n; i++) r->n = r->n * 10 + (uint64_t)(iri[i] - '0');
    r->tid = t->tid;
  }
  size_t il = pv_record_iri(iri, id, "f", r->n);
  p = PV_TRIPLE_TYPE(p, iri, il, PV_PROV("Activity"));
  p = PV_TRIPLE_TYPE(p, iri, il, PV_TERM("DataFlow"));
  p = PV_TRIPLE_IRI(p, iri, il, PV_TERM("partOf"), id->proc_iri, id->proc_iri_len);
  if (core->proc->cfg.records & PV_REC_THREADS) {
    p = PV_PUT_LIT(pv_put_subject(p, iri, il), PV_PROV("wasAssociatedWith") " <");
    p = pv_put_end(PV_PUT_LIT(p + pv_thread_iri(p, id, r->tid), ">"));
  }
  const flow *pf = __atomic_load_n(&peers, __ATOMIC_ACQUIRE);
  if (pf && f >= pf && f < pf + world_size) {
    p = PV_TRIPLE_LONG(p, iri, il, PV_TERM("peerRank"), f - pf);
  } else {
    p = PV_TRIPLE_STRING(p, iri, il, PV_TERM("communicator"), f->comm, strlen(f->comm));
    const char *d = direction_names[f->direction];
    p = PV_TRIPLE_STRING(p, iri, il, PV_TERM("direction"), d, strlen(d));
  }
  p = PV_TRIPLE_TIME(p, iri, il, PV_TERM("firstAt"), f->first_ns);
  p = PV_PUT_LIT(pv_put_subject(p, iri, il), PV_TERM("lastAt") " ");
  r->last = (uint32_t)(p - t->writer.base) + 1;
  p = pv_put_end(pv_put_time(p, f->first_ns));
  p = PV_PUT_LIT(pv_put_subject(p, iri, il), PV_TERM("messages") " ");
  r->messages = (uint32_t)(p - t->writer.base);
  pv_put_fixed(p, 0);
  p = pv_put_end(PV_PUT_LIT(p + PV_FIXED_WIDTH, PV_XSD_LONG_TAIL));
  pv_record_end(t, p);
  r->file_id = t->file_id;
}

/* Brings f's record up to date in the calling thread's file.  The owner
 * rewrites its own record in place (writing it whole first in a file that
 * lacks it: a new segment); any other thread, at the end, writes it anew
 * in its own file under the same IRI with the numbers so far: they only
 * grow, and readers take the largest. */
static void refresh_flow(flow *f)
{
  int e = errno;
  core->enter();
  pv_thread *t = core->thread_current();
  if (t) {
    flow_at *r = &f->rec, copy;
    int own = __atomic_load_n(&f->owner, __ATOMIC_ACQUIRE) == (const void *)core->tls() && (!r->n || r->tid == t->tid);
    if (!own) {
      copy = *r;
      copy.file_id = 0;
      r = &copy;
    }
    if (r->file_id != t->file_id) write_flow(t, f, r);
    if (r->file_id == t->file_id) {
      uint64_t now = pv_ticks(), last = __atomic_load_n(&f->last, __ATOMIC_RELAXED);
      int64_t last_ns = core->now_ns() - core->ticks_to_ns(now - (last < now ? last : now));
      pv_fmt_datetime(t->writer.base + r->last, last_ns > f->first_ns ? last_ns : f->first_ns);
      pv_put_fixed(t->writer.base + r->messages, flow_count(f));
    }
    if (own) f->due = pv_ticks() + PV_REFRESH_TICKS;
  }
  core->leave();
  errno = e;
}

/* One message of flow f completed at now (ticks), seen by the thread of
 * tls: the hot path. */
PV_HOT_INLINE void flow_seen(flow *f, const void *tls, uint64_t now)
{
  const void *owner = __atomic_load_n(&f->owner, __ATOMIC_ACQUIRE);
  if (!owner) {
    if (__atomic_compare_exchange_n(&f->owner, &owner, tls, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      owner = tls;
      f->first_ns = core->now_ns();
    }
  }
  if (owner == tls)
    __atomic_store_n(&f->messages, __atomic_load_n(&f->messages, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  else
    __atomic_fetch_add(&f->shared, 1, __ATOMIC_RELAXED);
  __atomic_store_n(&f->last, now, __ATOMIC_RELAXED);
  if (__builtin_expect(owner == tls && now >= f->due, 0)) refresh_flow(f);
}

/* The flow of communicator id (hash h) in direction d, claimed if new;
 * NULL if the table is full or another thread is still filling it. */
static flow *comm_flow(uint64_t h, const char *id, int d)
{
  flow *table = __atomic_load_n(&comm_flows, __ATOMIC_ACQUIRE);
  uint64_t key = (h ^ (uint64_t)(d + 1) * 0x9E3779B97F4A7C15ull) | 1;
  for (size_t i = 0; table && i < COMM_FLOW_PROBES; i++) {
    flow *f = &table[(key + i) % COMM_FLOWS];
    uint64_t cur = __atomic_load_n(&f->key, __ATOMIC_ACQUIRE);
    if (cur == 0 && __atomic_compare_exchange_n(&f->key, &cur, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      f->direction = d;
      strcpy(f->comm, id);
      __atomic_store_n(&f->ready, 1, __ATOMIC_RELEASE);
      return f;
    }
    if (cur == key) return __atomic_load_n(&f->ready, __ATOMIC_ACQUIRE) ? f : NULL;
  }
  return NULL;
}

/* Every flow's record up to date: at MPI_Finalize, exit and exec. */
static void refresh_flows(void)
{
  flow *p = __atomic_load_n(&peers, __ATOMIC_ACQUIRE), *c = __atomic_load_n(&comm_flows, __ATOMIC_ACQUIRE);
  for (int i = 0; p && i < world_size; i++)
    if (__atomic_load_n(&p[i].owner, __ATOMIC_ACQUIRE)) refresh_flow(&p[i]);
  for (int i = 0; c && i < COMM_FLOWS; i++)
    if (__atomic_load_n(&c[i].owner, __ATOMIC_ACQUIRE)) refresh_flow(&c[i]);
}

/* ---- communicators ----------------------------------------------------------
 * What a communicator's ranks are in MPI_COMM_WORLD and what its flows are
 * called, worked out at its first message (a few local MPI queries) and
 * kept until MPI_Comm_free.  MPI_COMM_WORLD itself needs no entry. */

#define COMM_SLOTS 512
enum { COMM_BUILDING, COMM_READY, COMM_SKIPPED }; /* SKIPPED: an inter-communicator */

typedef struct comm_slot {
  uintptr_t key;                /* the MPI_Comm, or SLOT_FREE / SLOT_GONE (atomic) */
  int state;                    /* atomic */
  int rank, size;               /* the caller's rank in it, its size */
  int *world;                   /* world rank of each rank (mapped), NULL: the same */
  size_t world_bytes;
  uint64_t hash;
  char id[24];
  flow *flows[DIRECTIONS];      /* found at first use */
} comm_slot;

static comm_slot *comm_table;   /* mapped at MPI_Init */
static comm_slot world_slot = {.id = "world"}; /* hash 0; rank and size at MPI_Init */

/* A released slot's state is COMM_BUILDING again, so a new key never shows
 * an old entry; *mine: this call took the slot (and must fill it). */
static comm_slot *comm_probe(uintptr_t key, int claim, int *mine)
{
  return slot_probe(__atomic_load_n(&comm_table, __ATOMIC_ACQUIRE), COMM_SLOTS, sizeof(comm_slot), key, claim, mine);
}

/* FNV-1a over the members' world ranks in rank order: the same on every
 * member, so their records name the communicator alike. */
static uint64_t members_hash(const int *world, int size)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < size; i++)
    for (int b = 0; b < 32; b += 8) h = (h ^ (uint64_t)(((unsigned)world[i] >> b) & 0xff)) * 0x100000001b3ull;
  return h;
}

/* Fills a claimed slot for comm. */
static void comm_build(comm_slot *slot, MPI_Comm comm)
{
  int inter = 1, size = 0, rank = 0, same = MPI_UNEQUAL;
  if (real_PMPI_Comm_test_inter(comm, &inter) != MPI_SUCCESS || inter ||
      real_PMPI_Comm_size(comm, &size) != MPI_SUCCESS || real_PMPI_Comm_rank(comm, &rank) != MPI_SUCCESS ||
      real_PMPI_Comm_compare(comm, WORLD, &same) != MPI_SUCCESS || size <= 0) {
    __atomic_store_n(&slot->state, COMM_SKIPPED, __ATOMIC_RELEASE);
    return;
  }
  slot->rank = rank;
  slot->size = size;
  slot->world = NULL;
  memset(slot->flows, 0, sizeof slot->flows);
  if (same == MPI_IDENT || same == MPI_CONGRUENT) {
    slot->hash = 0;
    strcpy(slot->id, "world");
    __atomic_store_n(&slot->state, COMM_READY, __ATOMIC_RELEASE);
    return;
  }
  size_t bytes = 2 * sizeof(int) * (size_t)size;
  int *m = pv_sys_mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  MPI_Group g, wg;
  int ok = m != MAP_FAILED && real_PMPI_Comm_group(comm, &g) == MPI_SUCCESS;
  if (ok) {
    ok = real_PMPI_Comm_group(WORLD, &wg) == MPI_SUCCESS;
    if (ok) {
      for (int i = 0; i < size; i++) m[size + i] = i;
      ok = real_PMPI_Group_translate_ranks(g, size, m + size, wg, m) == MPI_SUCCESS;
      real_PMPI_Group_free(&wg);
    }
    real_PMPI_Group_free(&g);
  }
  if (!ok) {
    if (m != MAP_FAILED) pv_sys_munmap(m, bytes);
    __atomic_store_n(&slot->state, COMM_SKIPPED, __ATOMIC_RELEASE);
    return;
  }
  slot->world = m;
  slot->world_bytes = bytes;
  if (same == MPI_SIMILAR) {
    slot->hash = 0;
    strcpy(slot->id, "world");
  } else {
    static const char hex[] = "0123456789abcdef";
    slot->hash = members_hash(m, size);
    slot->id[0] = 'g';
    for (int i = 0; i < 16; i++) slot->id[1 + i] = hex[(slot->hash >> (60 - 4 * i)) & 15];
    slot->id[17] = 0;
  }
  __atomic_store_n(&slot->state, COMM_READY, __ATOMIC_RELEASE);
}

/* comm's entry, worked out at its first use; NULL if it has none (an
 * inter-communicator, a full table, another thread still building it). */
static comm_slot *comm_lookup(MPI_Comm comm)
{
  int mine = 0;
  comm_slot *slot = comm_probe((uintptr_t)comm, 0, &mine);
  if (!slot) {
    slot = comm_probe((uintptr_t)comm, 1, &mine);
    if (!slot) return NULL;
    if (mine) {
      int e = errno;
      core->enter();
      comm_build(slot, comm);
      core->leave();
      errno = e;
    }
  }
  return __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) == COMM_READY ? slot : NULL;
}

PV_HOT_INLINE comm_slot *comm_of(handle_arg arg)
{
  MPI_Comm comm = (MPI_Comm)arg;
  return comm == WORLD ? &world_slot : comm_lookup(comm);
}

/* MPI_Comm_free: the handle may come back for another communicator. */
static void comm_forget(MPI_Comm *comm)
{
  int mine;
  comm_slot *slot = comm && *comm != WORLD ? comm_probe((uintptr_t)*comm, 0, &mine) : NULL;
  if (!slot) return;
  int *m = slot->world, e = errno;
  slot->world = NULL;
  __atomic_store_n(&slot->state, COMM_BUILDING, __ATOMIC_RELAXED);
  __atomic_store_n(&slot->key, SLOT_GONE, __ATOMIC_RELEASE);
  if (m) pv_sys_munmap(m, slot->world_bytes);
  errno = e;
}

/* A message from rank src of comm arrived. */
PV_HOT_INLINE void arrived(comm_slot *c, int src, const void *tls, uint64_t now)
{
  if (!c || src < 0 || src >= c->size) return; /* MPI_PROC_NULL */
  int w = c->world ? c->world[src] : src;
  if (w >= 0 && w < world_size) flow_seen(&peers[w], tls, now);
}

static void mixed(comm_slot *c, int d, const void *tls, uint64_t now)
{
  if (!c) return;
  flow *f = __atomic_load_n(&c->flows[d], __ATOMIC_ACQUIRE);
  if (!f) {
    f = comm_flow(c->hash, c->id, d);
    if (!f) return;
    __atomic_store_n(&c->flows[d], f, __ATOMIC_RELEASE);
  }
  flow_seen(f, tls, now);
}

/* A collective of kind on c completed; RECEIVE: a receive from rank root. */
enum { FROM_ROOT, TO_ROOT, ALL_TO_ALL, RECEIVE };

static void collective_done(comm_slot *c, int kind, int root, const void *tls, uint64_t now)
{
  if (!c) return;
  if (kind == ALL_TO_ALL) mixed(c, DIR_BOTH, tls, now);
  else if (kind == TO_ROOT) mixed(c, c->rank == root ? DIR_IN : DIR_OUT, tls, now);
  else if (kind == RECEIVE || c->rank != root) arrived(c, root, tls, now);
}

static void collective(handle_arg comm, int kind, int root, const void *tls)
{
  collective_done(comm_of(comm), kind, root, tls, pv_ticks());
}

/* ---- nonblocking receives and collectives ----------------------------------
 * An MPI_Irecv's or nonblocking collective's request is remembered with
 * its communicator, kind and source or root until a completion call
 * returns it completed; the flow is counted then, a receive's source from
 * the status when it named MPI_ANY_SOURCE.  A table like the file
 * handles', claimed by compare-and-swap; when it is full, a call is
 * counted when it is posted, a receive from any source not at all. */

#define REQUEST_SLOTS 4096
typedef struct request_slot {
  uintptr_t key;                /* the MPI_Request, or SLOT_FREE / SLOT_GONE (atomic) */
  comm_slot *comm;
  int kind;                     /* RECEIVE or a collective's */
  int src;                      /* the receive's source, the collective's root */
} request_slot;

static request_slot *request_table; /* mapped at MPI_Init */
static int requests_pending;        /* atomic: slots in use; 0 spares completions a look */

static request_slot *request_probe(uintptr_t key, int claim)
{
  int claimed = 0;
  request_slot *slot = slot_probe(__atomic_load_n(&request_table, __ATOMIC_ACQUIRE), REQUEST_SLOTS,
                                  sizeof(request_slot), key, claim, &claimed);
  if (claimed) __atomic_add_fetch(&requests_pending, 1, __ATOMIC_RELAXED);
  return slot;
}

static void posted(handle_arg comm, int kind, int src, const MPI_Request *req, const void *tls)
{
  comm_slot *c = comm_of(comm);
  if (!c || (kind == RECEIVE && src == MPI_PROC_NULL)) return;
  request_slot *slot = request_probe((uintptr_t)*req, 1);
  if (slot) {
    slot->comm = c;
    slot->kind = kind;
    slot->src = src;
  } else if (kind != RECEIVE || src != MPI_ANY_SOURCE) {
    collective_done(c, kind, src, tls, pv_ticks());
  }
}

static void request_release(request_slot *slot)
{
  __atomic_store_n(&slot->key, SLOT_GONE, __ATOMIC_RELEASE);
  __atomic_sub_fetch(&requests_pending, 1, __ATOMIC_RELAXED);
}

/* A remembered receive among the requests a completion call was given. */
#define WATCHED_MAX 128
typedef struct watched {
  int index;
  request_slot *slot;
} watched;

/* The remembered receives among reqs[0..n), at most WATCHED_MAX. */
static int watch(int n, const MPI_Request *reqs, watched *w)
{
  int k = 0;
  if (!__atomic_load_n(&requests_pending, __ATOMIC_RELAXED) || !reqs) return 0;
  for (int i = 0; i < n && k < WATCHED_MAX; i++) {
    request_slot *slot = request_probe((uintptr_t)reqs[i], 0);
    if (slot) w[k++] = (watched){i, slot};
  }
  return k;
}

/* Watched receive w completed with status st (NULL: none to read). */
static void completed(const watched *w, const MPI_Status *st, const void *tls)
{
  int kind = w->slot->kind, src = w->slot->src, cancelled = 0;
  comm_slot *c = w->slot->comm;
  request_release(w->slot);
  if (st && real_PMPI_Test_cancelled(st, &cancelled) == MPI_SUCCESS && cancelled) return;
  if (kind == RECEIVE && src == MPI_ANY_SOURCE) src = st ? st->MPI_SOURCE : -1;
  collective_done(c, kind, src, tls, pv_ticks());
}

/* After a completion call over reqs: which watched ones completed.  index:
 * the one Waitany/Testany completed; indices/outcount: Waitsome's; all: every one. */
static void completions(const watched *w, int k, int all, int index, const int *indices, int outcount,
                        const MPI_Status *sts, int single, const void *tls)
{
  for (int j = 0; j < k; j++) {
    int at = -1;
    if (all) at = w[j].index;
    else if (index == w[j].index) at = 0;
    for (int i = 0; indices && i < outcount && at < 0; i++)
      if (indices[i] == w[j].index) at = i;
    if (at < 0) continue;
    completed(&w[j], sts ? (single ? sts : &sts[at]) : NULL, tls);
  }
}

/* ---- recording ----------------------------------------------------------- */


/* A trace record naming the session's file (or none). */
static void trace_file(const char *fn, const pv_session *s, int64_t rc, uint64_t t0)
{
  if (!s) {
    core->trace_fd(fn, -1, rc, t0);
    return;
  }
  char path[PV_PATH_MAX + 1];
  memcpy(path, s->path, s->path_len);
  path[s->path_len] = 0;
  core->trace_path(fn, AT_FDCWD, path, rc, t0);
}

/* Zeroed memory for n entries of size bytes, or NULL. */
static void *table(size_t n, size_t size)
{
  void *m = pv_sys_mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return m == MAP_FAILED ? NULL : m;
}

/* The tables of the message calls, which record from here on (comm_build
 * needs every helper). */
#define RESOLVED(ret, name, params) &&real_##name
static void start_flows(int rank, int size)
{
  world_size = world_slot.size = size;
  world_slot.rank = rank;
  __atomic_store_n(&world_slot.state, COMM_READY, __ATOMIC_RELEASE);
  __atomic_store_n(&comm_table, (comm_slot *)table(COMM_SLOTS, sizeof(comm_slot)), __ATOMIC_RELEASE);
  __atomic_store_n(&request_table, (request_slot *)table(REQUEST_SLOTS, sizeof(request_slot)), __ATOMIC_RELEASE);
  __atomic_store_n(&comm_flows, (flow *)table(COMM_FLOWS, sizeof(flow)), __ATOMIC_RELEASE);
  __atomic_store_n(&peers, (flow *)table((size_t)size, sizeof(flow)), __ATOMIC_RELEASE);
}

static void initialized(const char *fn, int rc, uint64_t t0)
{
  int e = errno;
  core->enter();
  if (rc == MPI_SUCCESS) {
    __atomic_store_n(&file_table, (file_slot *)table(FILE_SLOTS, sizeof(file_slot)), __ATOMIC_RELEASE);
    int rank, size;
    if (real_PMPI_Comm_rank && real_PMPI_Comm_size && real_PMPI_Comm_rank(WORLD, &rank) == MPI_SUCCESS &&
        real_PMPI_Comm_size(WORLD, &size) == MPI_SUCCESS) {
      core->record_rank(rank, size);
      if (1 MPI_HELPERS(RESOLVED)) start_flows(rank, size);
    }
  }
  if (core->tracing()) core->trace_fd(fn, -1, rc, t0);
  core->leave();
  errno = e;
}

/* ROMIO and OMPIO take a file system prefix ("ufs:/data/x"): the file is
 * what follows it. */
static const char *file_path(const char *name)
{
  static const char *const prefixes[] = {"ufs:", "nfs:", "lustre:", "gpfs:", "pvfs2:", "panfs:",
                                         "daos:", "ime:", "xfs:", NULL};
  for (int i = 0; prefixes[i]; i++)
    if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) return name + strlen(prefixes[i]);
  return name;
}

static int amode_flags(int amode)
{
  int flags = (amode & MPI_MODE_RDWR) ? O_RDWR : (amode & MPI_MODE_WRONLY) ? O_WRONLY : O_RDONLY;
  if (amode & MPI_MODE_CREATE) flags |= O_CREAT;
  if (amode & MPI_MODE_EXCL) flags |= O_EXCL;
  if (amode & MPI_MODE_APPEND) flags |= O_APPEND;
  return flags;
}

static void file_opened(const char *fn, int rc, const char *name, int amode, MPI_File *fh,
                        uintptr_t caller, uint64_t t0)
{
  int e = errno;
  core->enter();
  pv_session *s = NULL;
  char canon[PV_PATH_MAX];
  size_t len = rc == MPI_SUCCESS && name && fh ? core->canon_at(AT_FDCWD, file_path(name), canon, sizeof canon) : 0;
  int unrecorded = !(core->proc->cfg.records & PV_REC_FILES) || core->path_excluded(canon, len);
  file_slot *slot = len && !unrecorded ? file_claim((uintptr_t)*fh) : NULL;
  if (slot) s = core->session_start(&slot->s, canon, len, amode_flags(amode), PV_API_MPIIO, core->callsite_find(caller));
  if (core->tracing()) trace_file(fn, s, rc, t0);
  core->leave();
  errno = e;
}

static int64_t data_bytes(int count, handle_arg dt, const MPI_Status *st)
{
  MPI_Datatype type = (MPI_Datatype)dt;
  MPI_Count size;
  if (!real_PMPI_Type_size_x || real_PMPI_Type_size_x(type, &size) != MPI_SUCCESS) return 0;
  int got;
  if (st && st != MPI_STATUS_IGNORE && real_PMPI_Get_count && real_PMPI_Get_count(st, type, &got) == MPI_SUCCESS &&
      got != MPI_UNDEFINED)
    count = got;
  return (int64_t)count * size;
}

static void transferred(const char *fn, handle_arg fh, int is_write, int collective, int rc, int count,
                        handle_arg dt, const MPI_Status *st, uint64_t t0)
{
  pv_session *s = file_session(fh);
  if (!s && !core->tracing()) return;
  int e = errno;
  core->enter();
  /* Only a successful call vouches for its datatype. */
  int64_t bytes = rc == MPI_SUCCESS ? data_bytes(count, dt, st) : 0;
  if (s) {
    core->account_io(s, is_write, bytes, t0);
    if (collective) core->count(s, PV_C_COLLECTIVE, 1);
  }
  if (core->tracing()) trace_file(fn, s, bytes, t0);
  core->leave();
  errno = e;
}

static void metered(const char *fn, handle_arg fh, int counter, int rc, uint64_t t0)
{
  pv_session *s = file_session(fh);
  if (s) {
    core->count(s, counter, 1);
    core->count(s, PV_C_META_TICKS, pv_ticks() - t0);
  }
  if (core->tracing()) trace_file(fn, s, rc, t0);
}

/* ---- wrappers, each under both names --------------------------------------- */

/* The next definition, or an MPI error if there is none (a program that
 * detects MPI by a weak symbol found ours). */
#define ENTER(name, args)                                                                         \
  if (!NEXT_MPI(name)) return MPI_ERR_INTERN;                                                     \
  if (!__atomic_load_n(&active, __ATOMIC_ACQUIRE) || core->idle(PV_LAYER_MPIIO))               \
    return real_##name args;                                                                      \
  uint64_t t0_ = pv_ticks();

static int init_entered, finalize_entered; /* atomic: only the first (outermost) call records */

#define ONCE_WRAPPER(name, params, args, entered, before, after)                                  \
  PV_EXPORT int name params                                                                       \
  {                                                                                               \
    if (!NEXT_MPI(name)) return MPI_ERR_INTERN;                                                   \
    if (!__atomic_load_n(&active, __ATOMIC_ACQUIRE) || core->idle(PV_LAYER_NONE) ||              \
        __atomic_exchange_n(&entered, 1, __ATOMIC_ACQ_REL))                                       \
      return real_##name args;                                                                    \
    uint64_t t0_ = pv_ticks();                                                                    \
    before;                                                                                       \
    int rc_ = real_##name args;                                                                   \
    after;                                                                                        \
    return rc_;                                                                                   \
  }
#define INIT_WRAPPER(name, params, args)                                                          \
  ONCE_WRAPPER(name, params, args, init_entered, (void)0, initialized(#name, rc_, t0_))
/* MPI requires every file closed before MPI_Finalize; those that were not
 * are recorded as ending here. */
#define FINALIZE_WRAPPER(name)                                                                    \
  ONCE_WRAPPER(name, (void), (), finalize_entered, (finish_files(), refresh_flows()),              \
               if (core->tracing()) core->trace_fd(#name, -1, rc_, t0_))

/* Also at exit and exec: a rank that ends without MPI_Finalize. */
static void finish_files(void)
{
  file_slot *t = __atomic_load_n(&file_table, __ATOMIC_ACQUIRE);
  if (!t) return;
  int e = errno;
  core->enter();
  for (size_t i = 0; i < FILE_SLOTS; i++)
    if (__atomic_load_n(&t[i].key, __ATOMIC_ACQUIRE) > SLOT_GONE) file_finish(&t[i]);
  core->leave();
  errno = e;
}

static void file_closing(const char *fn, MPI_File *fh, uint64_t t0)
{
  file_slot *slot = fh ? file_find((uintptr_t)*fh) : NULL;
  if (!slot && !core->tracing()) return;
  int e = errno;
  core->enter();
  if (core->tracing()) trace_file(fn, slot ? &slot->s : NULL, 0, t0);
  if (slot) file_finish(slot);
  core->leave();
  errno = e;
}

/* Every MPI-IO wrapper: the call made inside the MPI-IO layer, with what
 * is recorded before it and after it (statements that see rc_ and t0_).
 * Named name by an asm label: its handle_arg parameters differ from the
 * prototype in mpi.h. */
#define MPIIO_WRAPPER(name, params, args, before, after)                                          \
  PV_EXPORT int pv_##name params __asm__(#name);                                                  \
  PV_EXPORT int pv_##name params                                                                  \
  {                                                                                               \
    ENTER(name, args)                                                                             \
    before;                                                                                       \
    pv_layer_save o_ = core->layer_enter(PV_LAYER_MPIIO, #name);                                  \
    int rc_ = real_##name args;                                                                   \
    core->layer_leave(o_);                                                                        \
    after;                                                                                        \
    return rc_;                                                                                   \
  }

#define OPEN_WRAPPER(name)                                                                        \
  MPIIO_WRAPPER(name, (handle_arg comm, const char *path, int amode, handle_arg info, MPI_File *fh), \
                (comm, path, amode, info, fh), (void)0,                                           \
                file_opened(#name, rc_, path, amode, fh, CALLER(), t0_))
/* As close(): the record is written before the handle is released, since
 * another thread's next open may get the same handle. */
#define CLOSE_WRAPPER(name) MPIIO_WRAPPER(name, (MPI_File *fh), (fh), file_closing(#name, fh, t0_), (void)0)
#define META_WRAPPER(name, params, args, counter)                                                 \
  MPIIO_WRAPPER(name, params, args, (void)0, metered(#name, fh, counter, rc_, t0_))
#define DATA_WRAPPER(name, params, args, is_write, collective, status)                            \
  MPIIO_WRAPPER(name, params, args, (void)0,                                                      \
                transferred(#name, fh, is_write, collective, rc_, count, dt, status, t0_))

#define BOTH(wrapper, name, ...) wrapper(MPI_##name, __VA_ARGS__) wrapper(PMPI_##name, __VA_ARGS__)
#define DATA_BOTH(name, ...) BOTH(DATA_WRAPPER, name, __VA_ARGS__)

BOTH(INIT_WRAPPER, Init, (int *argc, char ***argv), (argc, argv))
BOTH(INIT_WRAPPER, Init_thread, (int *argc, char ***argv, int required, int *provided),
     (argc, argv, required, provided))
FINALIZE_WRAPPER(MPI_Finalize)
FINALIZE_WRAPPER(PMPI_Finalize)
OPEN_WRAPPER(MPI_File_open)
OPEN_WRAPPER(PMPI_File_open)
CLOSE_WRAPPER(MPI_File_close)
CLOSE_WRAPPER(PMPI_File_close)
BOTH(META_WRAPPER, File_sync, (handle_arg fh), (fh), PV_C_SYNCS)
BOTH(META_WRAPPER, File_set_size, (handle_arg fh, MPI_Offset size), (fh, size), PV_C_META)
MPI_DATA_FUNCTIONS(DATA_BOTH)

/* ---- message wrappers, each under both names ------------------------------ */

/* Set inside a message call we record: one made within it (a tool's
 * MPI_Recv calling PMPI_Recv, a collective built on point-to-point) is the
 * same message. */
static __thread int in_message __attribute__((tls_model("initial-exec")));
/* The thread's pv_tls in the core, asked once (the core's TLS is not
 * reachable from here without a call). */
static __thread const struct pv_tls *thread_tls __attribute__((tls_model("initial-exec")));

/* The calling thread's pv_tls if its message calls are recorded: MPI is
 * initialised and ours, provio is not idle, and the call is the program's,
 * not made inside MPI-IO or HDF5 (their own traffic moves no data of the
 * program's between ranks). */
PV_HOT_INLINE const void *recording(void)
{
  if (!__atomic_load_n(&active, __ATOMIC_ACQUIRE) || in_message || !__atomic_load_n(&peers, __ATOMIC_ACQUIRE))
    return NULL;
  const struct pv_tls *tls = thread_tls;
  if (__builtin_expect(!tls, 0)) thread_tls = tls = core->tls();
  return !tls->depth && !tls->layer && __atomic_load_n(&core->proc->state, __ATOMIC_ACQUIRE) == PV_ACTIVE ? tls
                                                                                                         : NULL;
}

/* before and after see tls_ (and after rc_); named by an asm label, as
 * MPIIO_WRAPPER. */
#define MESSAGE_WRAPPER(name, params, args, before, after)                                        \
  PV_EXPORT int pv_##name params __asm__(#name);                                                  \
  PV_EXPORT int pv_##name params                                                                  \
  {                                                                                               \
    if (!NEXT_MPI(name)) return MPI_ERR_INTERN;                                                   \
    const void *tls_ = recording();                                                               \
    if (!tls_) return real_##name args;                                                           \
    before;                                                                                       \
    in_message++;                                                                                 \
    int rc_ = real_##name args;                                                                   \
    in_message--;                                                                                 \
    after;                                                                                        \
    return rc_;                                                                                   \
  }
#define MESSAGE_BOTH(name, ...) BOTH(MESSAGE_WRAPPER, name, __VA_ARGS__)

/* A blocking receive from src: the status is read only when src is
 * MPI_ANY_SOURCE, into one of ours if the caller wants none. */
#define RECEIVE(name, params, args)                                                               \
  MESSAGE_BOTH(name, params, args,                                                                \
               MPI_Status local_;                                                                 \
               if (src == MPI_ANY_SOURCE && st == MPI_STATUS_IGNORE) st = &local_,                \
               if (rc_ == MPI_SUCCESS)                                                            \
                   arrived(comm_of(comm), src == MPI_ANY_SOURCE ? st->MPI_SOURCE : src, tls_, pv_ticks()))

RECEIVE(Recv, (void *b, int n, handle_arg dt, int src, int tag, handle_arg comm, MPI_Status *st),
        (b, n, dt, src, tag, comm, st))
RECEIVE(Sendrecv,
        (const void *sb, int sn, handle_arg sdt, int dst, int stag, void *rb, int rn, handle_arg rdt, int src,
         int rtag, handle_arg comm, MPI_Status *st),
        (sb, sn, sdt, dst, stag, rb, rn, rdt, src, rtag, comm, st))
RECEIVE(Sendrecv_replace,
        (void *b, int n, handle_arg dt, int dst, int stag, int src, int rtag, handle_arg comm, MPI_Status *st),
        (b, n, dt, dst, stag, src, rtag, comm, st))
MESSAGE_BOTH(Irecv, (void *b, int n, handle_arg dt, int src, int tag, handle_arg comm, MPI_Request *req),
             (b, n, dt, src, tag, comm, req), (void)0,
             if (rc_ == MPI_SUCCESS && req) posted(comm, RECEIVE, src, req, tls_))

/* Completions: the remembered receives among the requests are looked up
 * before the call (it sets completed requests to MPI_REQUEST_NULL), their
 * statuses read after it, into ours if the caller wants none and there are
 * at most WATCHED_MAX requests. */
#define ONE_STATUS                                                                                \
  MPI_Status local_;                                                                              \
  if (k_ && st == MPI_STATUS_IGNORE) st = &local_
#define STATUSES                                                                                  \
  MPI_Status local_[WATCHED_MAX];                                                                 \
  int own_ = k_ && sts == MPI_STATUSES_IGNORE && n <= WATCHED_MAX;                                \
  if (own_) sts = local_
#define SEEN_STATUSES (own_ || sts != MPI_STATUSES_IGNORE ? sts : NULL)
#define WATCH(n, reqs)                                                                            \
  watched w_[WATCHED_MAX];                                                                        \
  int k_ = watch(n, reqs, w_)

MESSAGE_BOTH(Wait, (MPI_Request *req, MPI_Status *st), (req, st), WATCH(req ? 1 : 0, req); ONE_STATUS,
             if (k_ && rc_ == MPI_SUCCESS) completed(w_, st, tls_))
MESSAGE_BOTH(Test, (MPI_Request *req, int *flag, MPI_Status *st), (req, flag, st),
             WATCH(req ? 1 : 0, req); ONE_STATUS, if (k_ && rc_ == MPI_SUCCESS && *flag) completed(w_, st, tls_))
MESSAGE_BOTH(Waitall, (int n, MPI_Request *reqs, MPI_Status *sts), (n, reqs, sts), WATCH(n, reqs); STATUSES,
             if (k_ && rc_ == MPI_SUCCESS) completions(w_, k_, 1, -1, NULL, 0, SEEN_STATUSES, 0, tls_))
MESSAGE_BOTH(Testall, (int n, MPI_Request *reqs, int *flag, MPI_Status *sts), (n, reqs, flag, sts),
             WATCH(n, reqs); STATUSES,
             if (k_ && rc_ == MPI_SUCCESS && *flag) completions(w_, k_, 1, -1, NULL, 0, SEEN_STATUSES, 0, tls_))
MESSAGE_BOTH(Waitany, (int n, MPI_Request *reqs, int *index, MPI_Status *st), (n, reqs, index, st),
             WATCH(n, reqs); ONE_STATUS,
             if (k_ && rc_ == MPI_SUCCESS) completions(w_, k_, 0, *index, NULL, 0, st, 1, tls_))
MESSAGE_BOTH(Testany, (int n, MPI_Request *reqs, int *index, int *flag, MPI_Status *st),
             (n, reqs, index, flag, st), WATCH(n, reqs); ONE_STATUS,
             if (k_ && rc_ == MPI_SUCCESS && *flag) completions(w_, k_, 0, *index, NULL, 0, st, 1, tls_))
MESSAGE_BOTH(Waitsome, (int n, MPI_Request *reqs, int *outcount, int *indices, MPI_Status *sts),
             (n, reqs, outcount, indices, sts), WATCH(n, reqs); STATUSES,
             if (k_ && rc_ == MPI_SUCCESS && *outcount != MPI_UNDEFINED)
                 completions(w_, k_, 0, -1, indices, *outcount, SEEN_STATUSES, 0, tls_))
MESSAGE_BOTH(Testsome, (int n, MPI_Request *reqs, int *outcount, int *indices, MPI_Status *sts),
             (n, reqs, outcount, indices, sts), WATCH(n, reqs); STATUSES,
             if (k_ && rc_ == MPI_SUCCESS && *outcount != MPI_UNDEFINED)
                 completions(w_, k_, 0, -1, indices, *outcount, SEEN_STATUSES, 0, tls_))

/* Whatever the caller (inside a layer too): a handle freed may come back
 * for another request or communicator, which must not find the old entry. */
static void request_freeing(const MPI_Request *req)
{
  request_slot *slot = req && __atomic_load_n(&requests_pending, __ATOMIC_RELAXED) ? request_probe((uintptr_t)*req, 0) : NULL;
  if (slot) request_release(slot);
}
#define FREEING_WRAPPER(name, params, args, forget)                                               \
  PV_EXPORT int name params                                                                       \
  {                                                                                               \
    if (!NEXT_MPI(name)) return MPI_ERR_INTERN;                                                   \
    if (__atomic_load_n(&active, __ATOMIC_ACQUIRE)) forget;                                       \
    return real_##name args;                                                                      \
  }
BOTH(FREEING_WRAPPER, Request_free, (MPI_Request *req), (req), request_freeing(req))
BOTH(FREEING_WRAPPER, Comm_free, (MPI_Comm *comm), (comm), comm_forget(comm))

/* A nonblocking one is counted when it completes, as an MPI_Irecv. */
#define COLLECTIVE(name, iname, params, args, kind, root)                                         \
  MESSAGE_BOTH(name, params, args, (void)0, if (rc_ == MPI_SUCCESS) collective(comm, kind, root, tls_)) \
  MESSAGE_BOTH(iname, WITH_REQUEST params, WITH_REQUEST_ARG args, (void)0,                          \
               if (rc_ == MPI_SUCCESS && req) posted(comm, kind, root, req, tls_))

MPI_COLLECTIVES(COLLECTIVE)

/* ---- registration ----------------------------------------------------------- */

/* A forked child inherits the tables, not the records: it is no rank. */
static void forget(void)
{
  __atomic_store_n(&file_table, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&peers, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&comm_flows, NULL, __ATOMIC_RELEASE);
}

static void finish(void)
{
  finish_files();
  refresh_flows();
}

static pv_module module = {{[PV_HOOK_FORK_CHILD] = forget, [PV_HOOK_EXEC] = finish, [PV_HOOK_EXIT] = finish}, NULL};

__attribute__((constructor)) static void mpi_module_load(void)
{
  /* A libprovio.so of another layout, or an older one without the members
   * used here, leaves the module inert. */
  const struct provio_core_ops *ops = dlsym(RTLD_DEFAULT, "provio_core_ops_v1");
  if (!ops || ops->version != PROVIO_CORE_OPS_VERSION || ops->size < sizeof *ops) return;
  core = ops;
  core->register_module(&module);
}
