/* hdf5_vol.h - what the two halves of the HDF5 VOL connector share.
 *
 * hdf5_vol.c is the passthrough: every callback forwards to the connector
 * underneath.  hdf5_record.c keeps a provenance session per open HDF5
 * object and writes it out when the object is closed.  The wrapper below is
 * what HDF5 holds for every object while the connector is stacked. */
#ifndef PROVIO_HDF5_VOL_H
#define PROVIO_HDF5_VOL_H

#include <hdf5.h>
#include <stdint.h>

#include "core_ops.h"

/* The core, reached through libprovio.so's one exported table: the plugin
 * links libprovio.so but sees none of its pv_* symbols. */
#define PV_CORE (&provio_core_ops_v1)

/* Calls the under connector's own callback when it has one: no public
 * H5VL* layer in between, so an error it reports reaches the application
 * exactly as without us (the public forwarders add an entry and print the
 * stack a second time).  Without a callback (or a class) the public
 * forwarder runs and reports the missing method the way HDF5 would. */
#define PV_UNDER(o, member, args, public_call) \
  ((o)->cls && (o)->cls->member ? (o)->cls->member args : (public_call))

/* Times are counted in pv_ticks() and converted when written. */
enum pv_h5_counter {
  PV_H5_READS, PV_H5_WRITES, PV_H5_BYTES_READ, PV_H5_BYTES_WRITTEN, PV_H5_ELEMS_READ,
  PV_H5_ELEMS_WRITTEN, PV_H5_READ_TICKS, PV_H5_WRITE_TICKS, PV_H5_META_OPS, PV_H5_META_TICKS,
  PV_H5_FLUSHES, PV_H5_COLLECTIVE, PV_H5_INDEPENDENT, PV_H5_COUNTERS
};

/* One HDF5 file as provio names it, shared by the sessions of its objects. */
typedef struct pv_h5file {
  int refs;                /* atomic */
  int parallel;            /* opened through the MPI-IO driver */
  int excluded;            /* under PROVIO_EXCLUDE: objects are not recorded */
  uint64_t key;            /* for the set of entities this process described */
  size_t name_len;         /* name as the under connector reports it */
  size_t canon_len;        /* canonical absolute path */
  char *canon;             /* inside data, after the name */
  char data[];
} pv_h5file;

/* What one open object did between open (or create) and close. */
typedef struct pv_h5session {
  pv_h5file *file;
  int64_t open_ns;
  uint64_t key;            /* the object, in the set of described entities */
  unsigned created : 1;    /* this session created the object */
  unsigned modified : 1;   /* changed without a data write (extent) */
  unsigned shape_stale : 1; /* shape and extent unknown or out of date */
  unsigned file_flags;     /* H5F_ACC_* of a file session */
  uint64_t n[PV_H5_COUNTERS];
  uint64_t first_at[2], last_at[2]; /* pv_ticks() of the first and latest read [0]
                                       and change [1]; 0: none */
  hid_t type_cache;        /* last memory type seen and its size */
  size_t type_cache_size;
  uint64_t extent;         /* elements in the dataspace (H5S_ALL transfers) */
  char datatype[32];
  int rank;                /* dataspace: -2 unknown, -1 null, else dims */
  hsize_t dims[H5S_MAX_RANK], max_dims[H5S_MAX_RANK];
  size_t path_len, attr_len;
  char *attr;              /* inside path, after the object path */
  char path[];             /* full object path; for attributes the owner's */
} pv_h5session;

/* HDF5's handle on an object while provio is stacked. */
typedef struct pv_h5obj {
  void *under;
  hid_t under_vol_id;
  const H5VL_class_t *cls; /* the under connector's class, NULL if unknown */
  H5I_type_t type;         /* H5I_BADID for async requests */
  int untracked;           /* no session will ever be started */
  int64_t open_ns;
  pv_h5session *s;
} pv_h5obj;

/* HDF5's automatic error printing off for a while: a call into another
 * connector may go through public H5VL functions, which print at once
 * when they fail, and a question provio asks must print nothing. */
typedef struct pv_h5quiet {
  H5E_auto2_t func;
  void *data;
  int saved;
} pv_h5quiet;
void pv_h5_quiet_begin(pv_h5quiet *q);
void pv_h5_quiet_end(pv_h5quiet *q);

/* The session read (kind 0) or changed (1) its object just now. */
static inline void pv_h5_mark(pv_h5session *s, int kind)
{
  uint64_t now = pv_ticks();
  if (!s->first_at[kind]) s->first_at[kind] = now;
  s->last_at[kind] = now;
}

/* Starts o's session: names from the object itself, its file (shared with
 * parent's when the under connector reports the same file name), and the
 * datatype and shape (from type_id/space_id when given, else asked).
 * Leaves o->s NULL when the object is not to be recorded. */
void pv_h5_session_start(pv_h5obj *o, const pv_h5obj *parent, int created, hid_t type_id,
                         hid_t space_id);

/* A file session, from the name the application passed. */
void pv_h5_file_session_start(pv_h5obj *o, const char *name, unsigned flags, int created,
                              int parallel);

/* Before the under close: refreshes what may have changed (shape). */
void pv_h5_session_before_close(pv_h5obj *o);

/* After a successful close: writes the records and frees the session. */
void pv_h5_session_end(pv_h5obj *o);

/* A reopened file (H5Freopen) shares the first one's file. */
void pv_h5_file_session_reopen(pv_h5obj *o, const pv_h5obj *first);

/* HDF5 lets the connector go (and may unload it): frees what the records
 * half keeps for the process. */
void pv_h5_record_term(void);

/* Elements a transfer moves, from its selections; H5S_ALL moves the whole
 * extent (pv_h5_extent, asked of the connector the first time). */
uint64_t pv_h5_transfer_elems(pv_h5obj *o, hid_t mem_space, hid_t file_space);
uint64_t pv_h5_extent(pv_h5obj *o);
size_t pv_h5_type_size(pv_h5session *s, hid_t type_id);

/* Operations on links and objects, recorded when they succeed. */
enum pv_h5_op {
  PV_H5_OP_DELETE, PV_H5_OP_MOVE, PV_H5_OP_COPY_LINK, PV_H5_OP_COPY_OBJECT, PV_H5_OP_HARD_LINK,
  PV_H5_OP_SOFT_LINK, PV_H5_OP_EXTERNAL_LINK, PV_H5_OP_USER_LINK, PV_H5_OP_ATTR_DELETE,
  PV_H5_OP_ATTR_RENAME
};

typedef struct pv_h5op {
  enum pv_h5_op op;
  int64_t at_ns;
  uint64_t ticks;
  pv_h5obj *loc;                  /* where the name is looked up */
  const char *name;               /* as the application gave it (may be NULL) */
  pv_h5obj *dst_loc;              /* moves and copies: the destination */
  const char *dst_name;
  const char *link_target;        /* soft and external links */
  const char *attr_name, *attr_new_name;
  char *obj_path, *dst_path;      /* resolved full paths (may be NULL) */
  const char *obj_kind, *dst_kind;
} pv_h5op;

/* The full path of the object that name (relative to loc) reaches, in
 * loc's file (with hard_only, only when the last link is a hard link);
 * NULL if there is none.  Malloc'd; kind gets the object's kind. */
char *pv_h5_probe_path(pv_h5obj *loc, const char *name, int hard_only, const char **kind);

void pv_h5_record_op(pv_h5op *op);

#endif
