/* gen_job - writes the record files of a synthetic tracked job, exactly in
 * the form libprovio.so writes them (docs/model.md), for prov-merge's
 * benchmark and tests.
 *
 * The job runs in stages: every process of a stage reads the files the
 * previous stage wrote (stage 0 reads the -i inputs), then writes files of
 * its own, one session each; its second thread does the same.  The records
 * go through the core's own writer, so killed processes (-k) leave what a
 * SIGKILL leaves: no end line, NUL padding and a partial last line.
 *
 *   gen_job [-n TRIPLES] [-j JOB] [-H HOSTS] [-P PROCS] [-S STAGES] [-T THREADS]
 *           [-t START_NS] [-i INPUT]... [-o OUTPUT]... [-k KILLED] [-f] [-N SHARED] DIR
 *
 * -f makes every stage-0 process fork a child that execs "helper" (fork,
 * exec and spawn records for the process links).
 *
 * -N SHARED makes an N-1 job instead: HOSTS x PROCS ranks, one thread each,
 * all running at once; every rank reads the -i inputs (or
 * /work/JOB/input.dat), joins an allreduce on MPI_COMM_WORLD and writes
 * its block of the one file SHARED (-n, -S, -T, -o, -f do not apply).
 * Prints the number of triples written. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serialize.h"
#include "writer.h"

#define PROV "http://www.w3.org/ns/prov#"
#define PIO "https://w3id.org/provio/ns#"
#define TYPE "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
#define XLONG "^^<http://www.w3.org/2001/XMLSchema#long>"

typedef struct opts {
  long triples;
  const char *job, *dir;
  int hosts, procs, stages, threads, killed, fork;
  int64_t t0;
  const char *in[16], *out[16];
  int nin, nout;
  const char *shared;
} opts;

typedef struct rec {
  pv_writer w;
  char tiri[512];
  long seq;
  long lines;
} rec;

static long total;
static int64_t clock_ns; /* the synthetic clock: every record is a little later */

static void line(rec *r, const char *fmt, ...)
{
  char *p = pv_writer_reserve(&r->w, 8192);
  if (!p) {
    perror("gen_job: writer");
    exit(1);
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(p, 8192, fmt, ap);
  va_end(ap);
  pv_writer_commit(&r->w, p + n);
  r->lines++;
  total++;
}

static const char *when(int64_t ns)
{
  static char buf[4][40];
  static int k;
  char *b = buf[k++ & 3];
  b[pv_fmt_datetime(b, ns)] = 0;
  return b;
}

typedef struct proc {
  char iri[400], host[32];
  int pid, ppid;
  int64_t start;
  int stage, rank;
  rec t[8];
  int nt;
} proc;

static void open_thread(const opts *o, proc *p, int k)
{
  rec *r = &p->t[k];
  memset(r, 0, sizeof *r);
  char dir[4096], name[128];
  snprintf(dir, sizeof dir, "%s/%s", o->dir, p->host);
  mkdir(o->dir, 0700);
  mkdir(dir, 0700);
  /* the writer keeps referring to the directory: one per host, kept */
  static pv_dir host_dir[100];
  static char host_path[100][4096];
  int h = atoi(p->host + 4) % 100;
  int bad = 0;
  if (!host_dir[h].path) {
    memcpy(host_path[h], dir, sizeof dir);
    bad = pv_dir_init(&host_dir[h], host_path[h]);
  }
  int tid = p->pid + k;
  snprintf(name, sizeof name, "%d.%lld.%d.nt", p->pid, (long long)p->start, tid);
  if (bad || pv_writer_open(&r->w, &host_dir[h], name) != 0) {
    fprintf(stderr, "gen_job: cannot create %s/%s\n", dir, name);
    exit(1);
  }
  char tiri[sizeof r->tiri];
  snprintf(tiri, sizeof tiri, "%.400s/thread/%d", p->iri, tid);
  memcpy(r->tiri, tiri, sizeof tiri);
  line(r, "# provio-nt 1\n");
  total--;
  line(r, "<%s> " TYPE " <" PROV "SoftwareAgent> .\n", r->tiri);
  line(r, "<%s> " TYPE " <" PIO "Thread> .\n", r->tiri);
  line(r, "<%s> <" PIO "tid> \"%d\"" XLONG " .\n", r->tiri, tid);
  line(r, "<%s> <" PIO "threadOf> <%s> .\n", r->tiri, p->iri);
  line(r, "<%s> <" PROV "wasAssociatedWith> <%s> .\n", p->iri, r->tiri);
}

static void start_proc(const opts *o, proc *p, const char *program, const char *forked_from)
{
  rec *r = &p->t[0];
  const char *job = o->job;
  line(r, "<%s> " TYPE " <" PROV "Activity> .\n", p->iri);
  line(r, "<%s> " TYPE " <" PIO "Process> .\n", p->iri);
  line(r, "<%s> <" PIO "partOfJob> <urn:provio:job:%s> .\n", p->iri, job);
  line(r, "<%s> <" PROV "startedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", p->iri,
       when(p->start));
  line(r, "<%s> <" PIO "host> \"%s\" .\n", p->iri, p->host);
  line(r, "<%s> <" PIO "pid> \"%d\"" XLONG " .\n", p->iri, p->pid);
  line(r, "<%s> <" PIO "ppid> \"%d\"" XLONG " .\n", p->iri, p->ppid);
  line(r, "<%s> <" PIO "commandLine> \"%s --stage %d\" .\n", p->iri, program, p->stage);
  line(r, "<%s> <" PIO "argc> \"3\"" XLONG " .\n", p->iri);
  line(r, "<%s> <" PIO "executable> <file://%s> .\n", p->iri, program);
  line(r, "<%s> <" PIO "cwd> <file:///work> .\n", p->iri);
  line(r, "<%s> <" PROV "wasAssociatedWith> <urn:provio:program:%s> .\n", p->iri, program);
  line(r, "<%s> <" PROV "wasAssociatedWith> <urn:provio:user:bench> .\n", p->iri);
  if (forked_from) line(r, "<%s> <" PIO "forkedFrom> <%s> .\n", p->iri, forked_from);
  line(r, "<urn:provio:job:%s> " TYPE " <" PIO "Job> .\n", job);
  line(r, "<urn:provio:job:%s> <" PIO "jobId> \"%s\" .\n", job, job);
  line(r, "<urn:provio:job:%s> <" PIO "scheduler> \"provio\" .\n", job);
  line(r, "<urn:provio:program:%s> " TYPE " <" PROV "SoftwareAgent> .\n", program);
  line(r, "<urn:provio:program:%s> " TYPE " <" PIO "Program> .\n", program);
  line(r, "<urn:provio:user:bench> " TYPE " <" PROV "Person> .\n");
  line(r, "<urn:provio:user:bench> " TYPE " <" PIO "User> .\n");
  line(r, "<urn:provio:user:bench> <" PIO "uid> \"1000\"" XLONG " .\n");
  if (p->stage >= 0) {
    line(r, "<%s> <" PIO "rank> \"%d\"" XLONG " .\n", p->iri, p->rank);
    line(r, "<%s> <" PIO "worldSize> \"%d\"" XLONG " .\n", p->iri, o->hosts * o->procs);
  }
}

/* One open..close session; wrote: a new version of the file. */
static void session(proc *p, rec *r, const char *path, int wrote)
{
  char acc[700], ver[700];
  int64_t open_ns = clock_ns += 1000, close_ns = clock_ns += 50000;
  snprintf(acc, sizeof acc, "%s/access/%ld", r->tiri, ++r->seq);
  line(r, "<file://%s> " TYPE " <" PIO "File> .\n", path);
  line(r, "<file://%s> " TYPE " <" PROV "Entity> .\n", path);
  if (!wrote) line(r, "<%s> <" PROV "used> <file://%s> .\n", p->iri, path);
  line(r, "<%s> " TYPE " <" PROV "Activity> .\n", acc);
  line(r, "<%s> " TYPE " <" PIO "FileAccess> .\n", acc);
  line(r, "<%s> <" PIO "partOf> <%s> .\n", acc, p->iri);
  line(r, "<%s> <" PROV "wasAssociatedWith> <%s> .\n", acc, r->tiri);
  line(r, "<%s> <" PIO "file> <file://%s> .\n", acc, path);
  line(r, "<%s> <" PROV "startedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", acc, when(open_ns));
  line(r, "<%s> <" PROV "endedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", acc, when(close_ns));
  line(r, "<%s> <" PIO "api> \"posix\" .\n", acc);
  line(r, "<%s> <" PIO "openFlags> \"%s\" .\n", acc, wrote ? "O_WRONLY|O_CREAT|O_TRUNC" : "O_RDONLY");
  line(r, "<%s> <" PIO "%s> \"%ld\"" XLONG " .\n", acc, wrote ? "bytesWritten" : "bytesRead", 4096 * (r->seq % 97 + 1));
  line(r, "<%s> <" PIO "%s> \"%ld\"" XLONG " .\n", acc, wrote ? "writes" : "reads", r->seq % 97 + 1);
  line(r, "<%s> <" PIO "%s> \"%ld\"" XLONG " .\n", acc, wrote ? "writeTime" : "readTime", 1000 * (r->seq % 13 + 1));
  line(r, "<%s> <" PIO "callSite> \"main+0x%lx (/work/app)\" .\n", acc, 0x40 + r->seq % 7);
  if (wrote) {
    snprintf(ver, sizeof ver, "%s/version/%ld", r->tiri, ++r->seq);
    line(r, "<%s> " TYPE " <" PROV "Entity> .\n", ver);
    line(r, "<%s> " TYPE " <" PIO "FileVersion> .\n", ver);
    line(r, "<%s> <" PROV "specializationOf> <file://%s> .\n", ver, path);
    line(r, "<%s> <" PROV "wasGeneratedBy> <%s> .\n", ver, p->iri);
    line(r, "<%s> <" PROV "generatedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", ver,
         when(close_ns));
    line(r, "<%s> <" PIO "version> <%s> .\n", acc, ver);
  }
}

static void end_proc(proc *p, const char *how)
{
  rec *r = &p->t[0];
  line(r, "<%s> <" PROV "endedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", p->iri,
       when(clock_ns += 1000));
  line(r, "<%s> <" PIO "endedBy> \"%s\" .\n", p->iri, how);
  if (strcmp(how, "exit") == 0) line(r, "<%s> <" PIO "exitStatus> \"0\"" XLONG " .\n", p->iri);
}

static void finish(proc *p, int killed)
{
  for (int k = 0; k < p->nt; k++) {
    rec *r = &p->t[k];
    if (!killed) {
      char *e = pv_writer_reserve(&r->w, 16);
      pv_writer_commit(&r->w, PV_PUT_LIT(e, "# provio-end\n"));
      pv_writer_close(&r->w);
      continue;
    }
    /* SIGKILL mid-record: a partial line after the last committed one;
     * the rest of the mapped chunk stays newline padding. */
    char *e = pv_writer_reserve(&r->w, 64);
    memcpy(e, "<urn:provio:partial> <urn:provio:p", 34);
    munmap(r->w.base, r->w.mapped);
    pv_writer_forget(&r->w);
  }
}

static void make_proc(const opts *o, proc *p, int stage, int host, int rank, int pid, int ppid)
{
  memset(p, 0, sizeof *p);
  snprintf(p->host, sizeof p->host, "node%02d", host);
  p->pid = pid;
  p->ppid = ppid;
  p->start = clock_ns += 1000;
  p->stage = stage;
  p->rank = rank;
  snprintf(p->iri, sizeof p->iri, "urn:provio:job:%s/proc/%s/%d.%lld", o->job, p->host, pid, (long long)p->start);
}

/* The fork child and the program it execs: fork, exec and spawn links. */
static void helper_chain(const opts *o, proc *parent)
{
  proc child, image;
  make_proc(o, &child, -1, atoi(parent->host + 4), 0, parent->pid + 5000, parent->pid);
  child.nt = 1;
  open_thread(o, &child, 0);
  start_proc(o, &child, "/work/app", parent->iri);
  end_proc(&child, "exec");
  finish(&child, 0);
  make_proc(o, &image, -1, atoi(parent->host + 4), 0, child.pid, parent->pid);
  image.nt = 1;
  open_thread(o, &image, 0);
  start_proc(o, &image, "/work/helper", NULL);
  char path[600];
  snprintf(path, sizeof path, "/work/%s/helper-%s-%d.log", o->job, parent->host, parent->pid);
  session(&image, &image.t[0], path, 1);
  end_proc(&image, "exit");
  finish(&image, 0);
}

/* A collective on the world communicator: a DataFlow both ways. */
static void allreduce(proc *p, rec *r)
{
  char flow[700];
  snprintf(flow, sizeof flow, "%s/flow/%ld", r->tiri, ++r->seq);
  int64_t at = clock_ns += 1000;
  line(r, "<%s> " TYPE " <" PROV "Activity> .\n", flow);
  line(r, "<%s> " TYPE " <" PIO "DataFlow> .\n", flow);
  line(r, "<%s> <" PIO "partOf> <%s> .\n", flow, p->iri);
  line(r, "<%s> <" PROV "wasAssociatedWith> <%s> .\n", flow, r->tiri);
  line(r, "<%s> <" PIO "communicator> \"MPI_COMM_WORLD\" .\n", flow);
  line(r, "<%s> <" PIO "direction> \"both\" .\n", flow);
  line(r, "<%s> <" PIO "firstAt> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", flow, when(at));
  line(r, "<%s> <" PIO "lastAt> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n", flow, when(at));
  line(r, "<%s> <" PIO "messages> \"1\"" XLONG " .\n", flow);
}

/* -N: every rank's clock starts a nanosecond after the previous rank's,
 * so that all of them run, and write the shared file, at once. */
static void shared_job(opts *o)
{
  char input[600];
  if (!o->nin) {
    snprintf(input, sizeof input, "/work/%s/input.dat", o->job);
    o->in[o->nin++] = input;
  }
  int pid = 1000;
  for (int h = 0; h < o->hosts; h++)
    for (int k = 0; k < o->procs; k++) {
      int rank = h * o->procs + k;
      clock_ns = o->t0 + rank;
      proc p;
      make_proc(o, &p, 0, h, rank, pid += 7, 999);
      p.nt = 1;
      open_thread(o, &p, 0);
      start_proc(o, &p, "/work/app", NULL);
      for (int i = 0; i < o->nin; i++) session(&p, &p.t[0], o->in[i], 0);
      allreduce(&p, &p.t[0]);
      session(&p, &p.t[0], o->shared, 1);
      end_proc(&p, "exit");
      finish(&p, 0);
    }
}

int main(int argc, char **argv)
{
  opts o = {.triples = 1000000, .job = "gen", .hosts = 4, .procs = 4, .stages = 2, .threads = 2,
            .t0 = 1763791200000000000LL};
  int c;
  while ((c = getopt(argc, argv, "n:j:H:P:S:T:t:i:o:k:fN:")) != -1) {
    switch (c) {
    case 'n': o.triples = atol(optarg); break;
    case 'j': o.job = optarg; break;
    case 'H': o.hosts = atoi(optarg); break;
    case 'P': o.procs = atoi(optarg); break;
    case 'S': o.stages = atoi(optarg); break;
    case 'T': o.threads = atoi(optarg); break;
    case 't': o.t0 = atoll(optarg); break;
    case 'i': if (o.nin < 16) o.in[o.nin++] = optarg; break;
    case 'o': if (o.nout < 16) o.out[o.nout++] = optarg; break;
    case 'k': o.killed = atoi(optarg); break;
    case 'f': o.fork = 1; break;
    case 'N': o.shared = optarg; break;
    default:
      fprintf(stderr, "usage: gen_job [-n TRIPLES] [-j JOB] [-H HOSTS] [-P PROCS] [-S STAGES] [-T THREADS]\n"
                      "               [-t START_NS] [-i INPUT]... [-o OUTPUT]... [-k KILLED] [-f] [-N SHARED] DIR\n");
      return 2;
    }
  }
  if (optind != argc - 1 || o.hosts < 1 || o.procs < 1 || o.stages < 1 || o.threads < 1 || o.threads > 8) {
    fprintf(stderr, "gen_job: one DIR and positive sizes (at most 8 threads) expected\n");
    return 2;
  }
  o.dir = argv[optind];
  if (o.shared) {
    shared_job(&o);
    printf("%ld\n", total);
    return 0;
  }
  clock_ns = o.t0;
  int nprocs = o.hosts * o.procs * o.stages;
  /* about 21 triples per write session, 16 per read, 45 per process */
  long per_thread = (o.triples - 45L * nprocs) / ((long)nprocs * o.threads * 21);
  if (per_thread < 1) per_thread = 1;
  int pid = 1000;
  for (int s = 0; s < o.stages; s++)
    for (int h = 0; h < o.hosts; h++)
      for (int k = 0; k < o.procs; k++) {
        proc p;
        int rank = h * o.procs + k, index = s * o.hosts * o.procs + rank;
        make_proc(&o, &p, s, h, rank, pid += 7, 999);
        p.nt = o.threads;
        for (int t = 0; t < o.threads; t++) open_thread(&o, &p, t);
        start_proc(&o, &p, "/work/app", NULL);
        for (int t = 0; t < o.threads; t++) {
          rec *r = &p.t[t];
          char path[600];
          /* inputs: the -i files, or two files of the previous stage */
          if (s == 0) {
            for (int i = 0; i < o.nin; i++) session(&p, r, o.in[i], 0);
          } else {
            for (int i = 0; i < 2; i++) {
              int from = (rank + i) % (o.hosts * o.procs);
              snprintf(path, sizeof path, "/work/%s/stage%d/r%d.t0.0.dat", o.job, s - 1, from);
              session(&p, r, path, 0);
            }
          }
          for (long i = 0; i < per_thread; i++) {
            snprintf(path, sizeof path, "/work/%s/stage%d/r%d.t%d.%ld.dat", o.job, s, rank, t, i);
            session(&p, r, path, 1);
          }
          if (s == o.stages - 1 && rank == 0 && t == 0)
            for (int i = 0; i < o.nout; i++) session(&p, r, o.out[i], 1);
        }
        if (o.fork && s == 0) helper_chain(&o, &p);
        int killed = index >= nprocs - o.killed;
        if (!killed) end_proc(&p, "exit");
        finish(&p, killed);
      }
  printf("%ld\n", total);
  return 0;
}
