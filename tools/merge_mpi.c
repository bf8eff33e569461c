/* merge_mpi.c - prov-merge --mpi (merge_mpi.h, docs/scaling.md). */
#include "merge_mpi.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reader.h"
#include "remote_merge.h"

enum { TAG_LIST = 1, TAG_RECORDS, TAG_FILES, TAG_DONE };

#define FILES_BATCH (1 << 20) /* bytes of file facts a rank sends at once */

/* A rank's end: its status and counts (the ranks run the same binary). */
typedef struct done_msg {
  int32_t status;
  int32_t unused;
  uint64_t triples_read, duplicates, lines_rejected;
  char err[1024];
} done_msg;

/* Rank 0's side of the exchange. */
typedef struct collector {
  int size, done;
  uint64_t triples_read, duplicates, lines_rejected;
} collector;

/* A rank's side: file facts gathered until FILES_BATCH. */
typedef struct sender {
  char *p;
  size_t n, cap;
} sender;

int pv_mpi_start(int *argc, char ***argv, int *rank, int *size, char *err, size_t errlen)
{
  int provided;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    snprintf(err, errlen, "--mpi: MPI_Init_thread failed");
    return -1;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  /* rank 0 takes the other ranks' records in a thread of its own */
  if (provided < MPI_THREAD_SERIALIZED) {
    snprintf(err, errlen, "--mpi: the MPI library offers no MPI_THREAD_SERIALIZED");
    MPI_Finalize();
    return -1;
  }
  return 0;
}

void pv_mpi_finish(void) { MPI_Finalize(); }

/* Open MPI's blocking calls spin: a rank waiting for rank 0 (finding the
 * files, storing) would take a core from it.  These wait in short sleeps. */
static void nap(void)
{
  struct timespec d = {0, 2000000};
  nanosleep(&d, NULL);
}

static void wait_for(MPI_Request *req)
{
  int done = 0;
  while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) nap();
}

static void bcast_status(int *status)
{
  MPI_Request req;
  MPI_Ibcast(status, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
  wait_for(&req);
}

static void probe(int source, int tag, MPI_Status *st)
{
  int found = 0;
  while (MPI_Iprobe(source, tag, MPI_COMM_WORLD, &found, st) == MPI_SUCCESS && !found) nap();
}

static int send(const void *p, size_t n, int to, int tag)
{
  MPI_Request req;
  if (MPI_Isend(p, (int)n, MPI_BYTE, to, tag, MPI_COMM_WORLD, &req) != MPI_SUCCESS) return -1;
  wait_for(&req);
  return 0;
}

/* ---- splitting the files ---- */

typedef struct share_unit {
  size_t first, n; /* files[first .. first+n) */
  uint64_t bytes;
} share_unit;

static int by_bytes(const void *pa, const void *pb)
{
  const share_unit *a = pa, *b = pb;
  if (a->bytes != b->bytes) return a->bytes < b->bytes ? 1 : -1;
  return (a->first > b->first) - (a->first < b->first);
}

static size_t dir_len(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? (size_t)(slash - path) : 0;
}

/* Each file's rank (owner[i]): host directories (the files sorted by path
 * keep a directory together) go, largest first, to the rank with the
 * fewest bytes so far; a directory larger than a rank's share is split
 * into its files, so that one node's job still spreads. */
static int split(const pv_rfiles *f, int size, int *owner)
{
  uint64_t total = 0;
  for (size_t i = 0; i < f->n; i++) total += (uint64_t)f->v[i].data_end + 1;
  uint64_t share = total / (uint64_t)size + 1;
  share_unit *u = malloc((f->n ? f->n : 1) * sizeof *u);
  uint64_t *load = calloc((size_t)size, sizeof *load);
  if (!u || !load) {
    free(u);
    free(load);
    return -1;
  }
  size_t nu = 0;
  for (size_t i = 0; i < f->n;) {
    size_t j = i, len = dir_len(f->v[i].path);
    uint64_t bytes = 0;
    while (j < f->n && dir_len(f->v[j].path) == len && strncmp(f->v[j].path, f->v[i].path, len) == 0)
      bytes += (uint64_t)f->v[j++].data_end + 1;
    if (bytes <= share) {
      u[nu++] = (share_unit){i, j - i, bytes};
    } else {
      for (size_t k = i; k < j; k++) u[nu++] = (share_unit){k, 1, (uint64_t)f->v[k].data_end + 1};
    }
    i = j;
  }
  qsort(u, nu, sizeof *u, by_bytes);
  for (size_t k = 0; k < nu; k++) {
    int least = 0;
    for (int r = 1; r < size; r++)
      if (load[r] < load[least]) least = r;
    load[least] += u[k].bytes;
    for (size_t i = u[k].first; i < u[k].first + u[k].n; i++) owner[i] = least;
  }
  free(u);
  free(load);
  return 0;
}

/* ---- rank 0: taking the others' records ---- */

/* Takes one message from any rank; imp NULL: thrown away (the merge has
 * failed; the ranks must not wait on a send).  0, or a status with err. */
static int receive(collector *c, pv_merge_import *imp, char *err, size_t errlen)
{
  MPI_Status st;
  int n;
  probe(MPI_ANY_SOURCE, MPI_ANY_TAG, &st);
  MPI_Get_count(&st, MPI_BYTE, &n);
  char *buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf) {
    snprintf(err, errlen, "out of memory");
    return PV_MERGE_FAILED;
  }
  MPI_Recv(buf, n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  int rc = 0;
  if (st.MPI_TAG == TAG_RECORDS && imp) {
    if (pv_merge_import_records(imp, buf, (size_t)n) != 0) rc = PV_MERGE_FAILED;
  } else if (st.MPI_TAG == TAG_FILES && imp) {
    for (char *at = buf; !rc && at < buf + n;) {
      int finished = *at++;
      const char *group = at;
      at += strlen(at) + 1;
      const char *thread = at;
      at += strlen(at) + 1;
      if (pv_merge_import_file(imp, group, finished, thread) != 0) rc = PV_MERGE_FAILED;
    }
  } else if (st.MPI_TAG == TAG_DONE && (size_t)n == sizeof(done_msg)) {
    done_msg *d = (done_msg *)buf;
    c->done++;
    c->triples_read += d->triples_read;
    c->duplicates += d->duplicates;
    c->lines_rejected += d->lines_rejected;
    if (d->status) {
      snprintf(err, errlen, "rank %d: %.900s", st.MPI_SOURCE, d->err);
      rc = d->status;
    }
  }
  if (rc == PV_MERGE_FAILED && !*err) snprintf(err, errlen, "out of memory");
  free(buf);
  return rc;
}

static int import_all(void *ctx, pv_merge_import *imp, char *err, size_t errlen)
{
  collector *c = ctx;
  while (c->done < c->size - 1) {
    int rc = receive(c, imp, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

static void drain(collector *c)
{
  char ignored[1024];
  while (c->done < c->size - 1) receive(c, NULL, ignored, sizeof ignored);
}

static int append(sender *s, const char *p, size_t n)
{
  if (s->n + n > s->cap) {
    size_t cap = 2 * (s->n + n);
    char *grown = realloc(s->p, cap);
    if (!grown) return -1;
    s->p = grown;
    s->cap = cap;
  }
  memcpy(s->p + s->n, p, n);
  s->n += n;
  return 0;
}

/* Finds and splits the files, sends each other rank its list (paths, NUL
 * after each), and keeps its own (paths into files).  0, or a status with
 * err; every rank learns the status. */
static int deal(const pv_merge_opts *o, int size, pv_rfiles *files, char ***mine, int *nmine,
                pv_merge_stats *found, char *err, size_t errlen)
{
  int flags = (o->follow ? PV_FIND_FOLLOW : 0) | (o->skip_foreign ? PV_FIND_SKIP_FOREIGN : 0);
  int status = pv_rfiles_find(files, o->inputs, o->ninputs, flags, err, errlen) ? PV_MERGE_INPUT : 0;
  found->warnings = files->warnings;
  found->nwarnings = files->nwarnings;
  files->warnings = NULL;
  files->nwarnings = 0;
  int *owner = status ? NULL : malloc((files->n ? files->n : 1) * sizeof *owner);
  sender *lists = status ? NULL : calloc((size_t)size, sizeof *lists);
  *mine = status ? NULL : malloc((files->n + 2) * sizeof **mine);
  int fail = !status && (!owner || !lists || !*mine || split(files, size, owner) != 0);
  *nmine = 0;
  for (size_t i = 0; !status && !fail && i < files->n; i++) {
    if (owner[i] == 0) (*mine)[(*nmine)++] = files->v[i].path;
    else fail = append(&lists[owner[i]], files->v[i].path, strlen(files->v[i].path) + 1) != 0;
  }
  if (fail) {
    snprintf(err, errlen, "out of memory");
    status = PV_MERGE_FAILED;
  }
  bcast_status(&status);
  for (int r = 1; !status && r < size; r++) send(lists[r].p, lists[r].n, r, TAG_LIST);
  for (int r = 0; lists && r < size; r++) free(lists[r].p);
  free(lists);
  free(owner);
  return status;
}

static int rank0(const pv_merge_opts *o, const char *rank0_file, int remote, int size, pv_merge_stats *st,
                 char graph[64], unsigned long long *uploaded, unsigned long long *listed_elsewhere, char *err,
                 size_t errlen)
{
  pv_rfiles files = {0};
  pv_merge_stats found = {0};
  char **mine = NULL;
  int nmine = 0;
  collector c = {.size = size};
  int status = deal(o, size, &files, &mine, &nmine, &found, err, errlen);
  memset(st, 0, sizeof *st);
  int dealt = !status;
  if (dealt) {
    if (rank0_file) mine[nmine++] = (char *)rank0_file;
    pv_merge_opts mpi = *o;
    mpi.inputs = mine;
    mpi.ninputs = nmine;
    mpi.named = o->inputs;
    mpi.nnamed = o->ninputs;
    mpi.import = import_all;
    mpi.import_ctx = &c;
    status = remote ? pv_merge_remote(&mpi, st, graph, uploaded, err, errlen) : pv_merge(&mpi, st, err, errlen);
    drain(&c);
    st->triples_read += c.triples_read;
    st->duplicates += c.duplicates;
    st->lines_rejected += c.lines_rejected;
    *listed_elsewhere = c.lines_rejected;
  }
  /* the warnings of finding are the ones that count: each rank named files only */
  for (size_t i = 0; i < st->nwarnings; i++) free(st->warnings[i]);
  free(st->warnings);
  st->warnings = found.warnings;
  st->nwarnings = found.nwarnings;
  free(mine);
  pv_rfiles_free(&files);
  if (dealt) bcast_status(&status);
  return status;
}

/* ---- the other ranks: handing on what they parsed ---- */

static int send_records(void *ctx, const char *recs, size_t n)
{
  (void)ctx;
  return send(recs, n, 0, TAG_RECORDS);
}

static int flush_files(sender *s)
{
  int rc = s->n ? send(s->p, s->n, 0, TAG_FILES) : 0;
  s->n = 0;
  return rc;
}

static int send_file(void *ctx, const char *group, int finished, const char *thread_iri)
{
  sender *s = ctx;
  char flag = (char)(finished != 0);
  if (append(s, &flag, 1) || append(s, group, strlen(group) + 1) || append(s, thread_iri, strlen(thread_iri) + 1))
    return -1;
  return s->n >= FILES_BATCH ? flush_files(s) : 0;
}

static int rank_other(const pv_merge_opts *o, pv_merge_stats *st)
{
  memset(st, 0, sizeof *st);
  int status;
  bcast_status(&status);
  if (status) return status;
  MPI_Status ms;
  int n;
  probe(0, TAG_LIST, &ms);
  MPI_Get_count(&ms, MPI_BYTE, &n);
  char *list = malloc((size_t)n + 1);
  MPI_Recv(list, n, MPI_BYTE, 0, TAG_LIST, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  done_msg d = {0};
  size_t count = 0;
  for (int i = 0; list && i < n; i++) count += list[i] == 0;
  char **paths = list ? malloc((count + 1) * sizeof *paths) : NULL;
  if (!paths) {
    d.status = PV_MERGE_FAILED;
    snprintf(d.err, sizeof d.err, "out of memory");
  } else if (count) {
    size_t k = 0;
    for (char *at = list; at < list + n; at += strlen(at) + 1) paths[k++] = at;
    sender files = {0};
    pv_merge_export out = {&files, send_records, send_file};
    pv_merge_opts mine = *o;
    mine.inputs = paths;
    mine.ninputs = (int)count;
    mine.store = mine.output = NULL;
    mine.progress = NULL;
    mine.export = &out;
    d.status = pv_merge(&mine, st, d.err, sizeof d.err);
    if (!d.status && flush_files(&files) != 0) {
      d.status = PV_MERGE_FAILED;
      snprintf(d.err, sizeof d.err, "cannot hand the files on to rank 0");
    }
    free(files.p);
    d.triples_read = st->triples_read;
    d.duplicates = st->duplicates;
    d.lines_rejected = st->lines_rejected;
  }
  send(&d, sizeof d, 0, TAG_DONE);
  free(paths);
  free(list);
  bcast_status(&status);
  return status;
}

int pv_mpi_merge(const pv_merge_opts *o, const char *rank0_file, int remote, pv_merge_stats *st, char graph[64],
                 unsigned long long *uploaded, unsigned long long *listed_elsewhere, char *err, size_t errlen)
{
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  *err = 0;
  *listed_elsewhere = 0;
  if (rank == 0) return rank0(o, rank0_file, remote, size, st, graph, uploaded, listed_elsewhere, err, errlen);
  return rank_other(o, st);
}
