/* mpi.c - MPI: initialisation (each process's rank and size) and MPI-IO at
 * its own level, every function under both its MPI_ and its PMPI_ name.
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
 * and size (local queries), so it needs no duplicated communicator.
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
#include "sys.h"

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

/* What provio calls itself, under the PMPI_ names (no tool sees them). */
#define MPI_HELPERS(X)                                                                            \
  X(int, PMPI_Comm_rank, (MPI_Comm comm, int *rank))                                              \
  X(int, PMPI_Comm_size, (MPI_Comm comm, int *size))                                              \
  X(int, PMPI_Type_size_x, (MPI_Datatype dt, MPI_Count *size))                                    \
  X(int, PMPI_Get_count, (const MPI_Status *st, MPI_Datatype dt, int *count))

#define DECLARE_BOTH(name, params)                                                                \
  PV_DECLARE_REAL(int, MPI_##name, params) PV_DECLARE_REAL(int, PMPI_##name, params)
#define RESOLVE(ret, name, params) real_##name = (ret(*) params)mpi_symbol(#name);
#define RESOLVE_BOTH(name, params) RESOLVE(int, MPI_##name, params) RESOLVE(int, PMPI_##name, params)
#define DECLARE_DATA(name, params, ...) DECLARE_BOTH(name, params)
#define RESOLVE_DATA(name, params, ...) RESOLVE_BOTH(name, params)

MPI_FUNCTIONS(DECLARE_BOTH)
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
#define FILE_PROBES 32
enum { SLOT_FREE = 0, SLOT_GONE = 1 }; /* GONE: reusable, but lookups probe past it */

typedef struct file_slot {
  uintptr_t key; /* the MPI_File, or SLOT_FREE / SLOT_GONE (atomic) */
  pv_session s;
} file_slot;

static file_slot *file_table; /* mapped at MPI_Init, which precedes any MPI_File_open */

static size_t file_hash(uintptr_t key) { return (size_t)(((key >> 4) * 0x9E3779B97F4A7C15ull) >> 40); }

/* The slot holding fh; with claim, a free slot taken for it.  Lookups stop
 * at a never used slot, claims take the first free or released one. */
static file_slot *file_probe(uintptr_t key, int claim)
{
  file_slot *t = __atomic_load_n(&file_table, __ATOMIC_ACQUIRE);
  if (!t || key <= SLOT_GONE) return NULL;
  for (size_t i = 0, h = file_hash(key); i < FILE_PROBES; i++) {
    file_slot *slot = &t[(h + i) % FILE_SLOTS];
    uintptr_t cur = __atomic_load_n(&slot->key, __ATOMIC_ACQUIRE);
    if (!claim && (cur == key || cur == SLOT_FREE)) return cur == key ? slot : NULL;
    if (claim && cur <= SLOT_GONE &&
        __atomic_compare_exchange_n(&slot->key, &cur, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return slot;
  }
  return NULL;
}
static file_slot *file_find(uintptr_t fh) { return file_probe(fh, 0); }
static file_slot *file_claim(uintptr_t fh) { return file_probe(fh, 1); }

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

static void initialized(const char *fn, int rc, uint64_t t0)
{
  int e = errno;
  core->enter();
  if (rc == MPI_SUCCESS) {
    void *m = pv_sys_mmap(NULL, sizeof(file_slot) * FILE_SLOTS, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m != MAP_FAILED) __atomic_store_n(&file_table, (file_slot *)m, __ATOMIC_RELEASE);
    int rank, size;
    if (real_PMPI_Comm_rank && real_PMPI_Comm_size && real_PMPI_Comm_rank(WORLD, &rank) == MPI_SUCCESS &&
        real_PMPI_Comm_size(WORLD, &size) == MPI_SUCCESS)
      core->record_rank(rank, size);
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
  file_slot *slot = len && !core->path_excluded(canon, len) ? file_claim((uintptr_t)*fh) : NULL;
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
  ONCE_WRAPPER(name, (void), (), finalize_entered, finish_files(),                                \
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

/* ---- registration ----------------------------------------------------------- */

/* A forked child inherits the table, not the files' records. */
static void forget_files(void) { __atomic_store_n(&file_table, NULL, __ATOMIC_RELEASE); }

static pv_module module = {{[PV_HOOK_FORK_CHILD] = forget_files, [PV_HOOK_EXEC] = finish_files,
                            [PV_HOOK_EXIT] = finish_files}, NULL};

__attribute__((constructor)) static void mpi_module_load(void)
{
  /* A libprovio.so of another layout, or an older one without the members
   * used here, leaves the module inert. */
  const struct provio_core_ops *ops = dlsym(RTLD_DEFAULT, "provio_core_ops_v1");
  if (!ops || ops->version != PROVIO_CORE_OPS_VERSION || ops->size < sizeof *ops) return;
  core = ops;
  core->register_module(&module);
}
