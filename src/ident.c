/* ident.c - process identity and the IRI scheme. */
#include "ident.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "serialize.h"
#include "sys.h"
#include "vocab.h"

/* Characters kept readable in the job part of IRIs (see docs/model.md). */
#define JOB_KEEP ":"

static size_t copy_str(char *dst, size_t cap, const char *a)
{
  size_t n = strlen(a);
  if (n >= cap) n = cap - 1;
  memcpy(dst, a, n);
  dst[n] = 0;
  return n;
}

/* /proc/<pid>/<what> into buf (NUL-terminated); its length, 0 if unread. */
static size_t read_proc(long pid, const char *what, char *buf, size_t cap)
{
  char path[64], *p = path;
  p += copy_str(p, 8, "/proc/");
  p += pv_fmt_u64(p, (uint64_t)pid);
  *p++ = '/';
  copy_str(p, 32, what);
  int fd = pv_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return 0;
  ssize_t n = (ssize_t)syscall(SYS_read, fd, buf, cap - 1);
  pv_sys_close(fd);
  buf[n > 0 ? n : 0] = 0;
  return n > 0 ? (size_t)n : 0;
}

/* MPICH's launcher (Hydra) tells its ranks no id of their launch: they get
 * PMI_RANK, PMI_SIZE, PMI_FD and HYDI_CONTROL_FD, the same numbers in every
 * launch.  What all ranks of one launch share, on every node, is the address
 * of mpiexec's control socket ("host:port"), which each node's
 * hydra_pmi_proxy gets on its command line (--control-port): taken from the
 * nearest such proxy above this process into dst. */
static int hydra_launch(char *dst, size_t cap)
{
  if (!getenv("HYDI_CONTROL_FD")) return 0;
  char buf[4096];
  long pid = (long)getppid();
  for (int up = 0; up < 8 && pid > 1; up++) {
    size_t n = read_proc(pid, "cmdline", buf, sizeof buf);
    const char *base = strrchr(buf, '/');
    if (n && strcmp(base ? base + 1 : buf, "hydra_pmi_proxy") == 0) {
      for (const char *a = buf; a < buf + n; a += strlen(a) + 1)
        if (strcmp(a, "--control-port") == 0 && a + strlen(a) + 1 < buf + n) {
          copy_str(dst, cap, a + strlen(a) + 1);
          return *dst != 0;
        }
      return 0;
    }
    /* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
    const char *close = read_proc(pid, "stat", buf, sizeof buf) ? strrchr(buf, ')') : NULL;
    if (!close || close[1] != ' ' || !close[2] || close[3] != ' ') return 0;
    pid = strtol(close + 4, NULL, 10);
  }
  return 0;
}

/* The job a process belongs to: an explicit id first, then the batch
 * system's, then the MPI launcher's namespace (shared by all ranks of one
 * mpirun or, for Hydra, its control address), and last the login session,
 * which groups a shell script's processes. */
static void find_job(pv_identity *id, const pv_config *c)
{
  static const struct { const char *var, *kind; } sched[] = {
      {"SLURM_JOB_ID", "slurm"}, {"LSB_JOBID", "lsf"},   {"PBS_JOBID", "pbs"},
      {"FLUX_JOB_ID", "flux"},   {"COBALT_JOBID", "cobalt"}, {"PMIX_NAMESPACE", "pmix"},
  };
  const char *value = c->job, *kind = "provio";
  for (size_t i = 0; !value && i < sizeof sched / sizeof sched[0]; i++) {
    const char *v = getenv(sched[i].var);
    if (v && *v) {
      value = v;
      kind = sched[i].kind;
    }
  }
  char hydra[256];
  if (!value && hydra_launch(hydra, sizeof hydra)) {
    value = hydra;
    kind = "hydra";
  }
  char *p = id->job, *end = id->job + sizeof id->job - 1;
  if (!value) {
    kind = "session";
    char sid[24];
    sid[pv_fmt_u64(sid, (uint64_t)getsid(0))] = 0;
    p += copy_str(p, (size_t)(end - p) + 1, "session:");
    p += copy_str(p, (size_t)(end - p) + 1, id->host);
    p += copy_str(p, (size_t)(end - p) + 1, ":");
    p += copy_str(p, (size_t)(end - p) + 1, sid);
  } else {
    if (c->job != value) {
      p += copy_str(p, (size_t)(end - p) + 1, kind);
      p += copy_str(p, (size_t)(end - p) + 1, ":");
    }
    p += copy_str(p, (size_t)(end - p) + 1, value);
    const char *step = strcmp(kind, "slurm") == 0 ? getenv("SLURM_STEP_ID") : NULL;
    if (step && *step && !c->job) {
      p += copy_str(p, (size_t)(end - p) + 1, ".");
      p += copy_str(p, (size_t)(end - p) + 1, step);
    }
  }
  /* Many small tasks of a pilot runtime share one allocation. */
  const char *task = getenv("RP_TASK_ID");
  if (task && *task) {
    p += copy_str(p, (size_t)(end - p) + 1, ":task:");
    p += copy_str(p, (size_t)(end - p) + 1, task);
  }
  id->scheduler = kind;
}

void pv_identity_init(pv_identity *id, const pv_config *c, int64_t now_ns)
{
  memset(id, 0, sizeof *id);
  struct utsname u;
  /* The system call: glibc's uname is a page the program rarely touches. */
  if (syscall(SYS_uname, &u) == 0) {
    char *dot = strchr(u.nodename, '.');
    if (dot) *dot = 0;
    copy_str(id->host, sizeof id->host, u.nodename[0] ? u.nodename : "localhost");
  } else {
    copy_str(id->host, sizeof id->host, "localhost");
  }
  id->pid = getpid();
  id->start_ns = now_ns;
  find_job(id, c);

  /* urn:provio:job:<job>  and  <job>/proc/<host>/<pid>.<start_ns> */
  char *p = id->job_iri;
  p += copy_str(p, 64, PV_URN "job:");
  p += pv_iri_encode(p, id->job, strlen(id->job) > 200 ? 200 : strlen(id->job), JOB_KEEP);
  *p = 0;
  id->job_iri_len = (size_t)(p - id->job_iri);
  memcpy(id->proc_iri, id->job_iri, id->job_iri_len);
  p = id->proc_iri + id->job_iri_len;
  p += copy_str(p, 16, "/proc/");
  p += pv_iri_encode(p, id->host, strlen(id->host) > 64 ? 64 : strlen(id->host), "");
  *p++ = '/';
  p += pv_fmt_u64(p, (uint64_t)id->pid);
  *p++ = '.';
  p += pv_fmt_i64(p, id->start_ns);
  *p = 0;
  id->proc_iri_len = (size_t)(p - id->proc_iri);
  p = id->rec_iri;
  p += copy_str(p, 16, PV_URN "r:");
  p += pv_iri_encode(p, id->host, strlen(id->host) > 64 ? 64 : strlen(id->host), "");
  *p++ = '/';
  p += pv_fmt_u64(p, (uint64_t)id->pid);
  *p++ = '.';
  p += pv_fmt_i64(p, id->start_ns);
  *p++ = '/';
  *p = 0;
  id->rec_iri_len = (size_t)(p - id->rec_iri);
}

/* Whether the components from s on are all plain: none empty (no "//",
 * no trailing slash), none "." or "..".  What programs pass is most often
 * already canonical, and then it is copied whole. */
static int plain_components(const char *s)
{
  for (;;) {
    if (s[0] == '/' || s[0] == 0) return 0;
    if (s[0] == '.' && (s[1] == '/' || s[1] == 0 || (s[1] == '.' && (s[2] == '/' || s[2] == 0)))) return 0;
    s = strchr(s, '/');
    if (!s) return 1;
    s++;
  }
}

size_t pv_path_canon(char *dst, size_t cap, const char *cwd, const char *path)
{
  if (path[0] == '/' ? plain_components(path + 1)
                     : path[0] && cwd[0] == '/' && plain_components(cwd + 1) && plain_components(path)) {
    size_t cl = path[0] == '/' ? 0 : strlen(cwd), pl = strlen(path), total = cl ? cl + 1 + pl : pl;
    if (total > cap) return 0;
    memcpy(dst, cwd, cl);
    if (cl) dst[cl++] = '/';
    memcpy(dst + cl, path, pl);
    return total;
  }
  size_t n = 0;
  const char *parts[2] = {path[0] == '/' ? NULL : cwd, path};
  dst[n++] = '/';
  for (int k = 0; k < 2; k++) {
    const char *s = parts[k];
    if (!s) continue;
    while (*s) {
      while (*s == '/') s++;
      if (!*s) break;
      const char *e = s;
      while (*e && *e != '/') e++;
      size_t len = (size_t)(e - s);
      if (len == 1 && s[0] == '.') {
        /* nothing */
      } else if (len == 2 && s[0] == '.' && s[1] == '.') {
        while (n > 1 && dst[n - 1] != '/') n--;   /* drop the last component */
        if (n > 1) n--;                            /* and its slash */
      } else {
        if (n > 1) {
          if (n + 1 > cap) return 0;
          dst[n++] = '/';
        }
        if (n + len > cap) return 0;
        memcpy(dst + n, s, len);
        n += len;
      }
      s = e;
    }
  }
  return n;
}

size_t pv_file_iri_on(char *dst, const char *host, size_t hl, const char *canon, size_t n)
{
  char *p = dst;
  memcpy(p, "file://", 7);
  p += 7;
  if (host) p += pv_iri_encode(p, host, hl > 255 ? 255 : hl, "");
  p += pv_iri_encode(p, canon, n, "/");
  return (size_t)(p - dst);
}

size_t pv_file_iri(char *dst, const pv_identity *id, const pv_config *c, const char *canon, size_t n)
{
  int local = pv_prefix_list_match(&c->local, canon, n);
  return pv_file_iri_on(dst, local ? id->host : NULL, local ? strlen(id->host) : 0, canon, n);
}

int pv_file_iri_parse(const char *iri, size_t n, char *host, size_t host_cap, size_t *host_len,
                      char *path, size_t path_cap, size_t *path_len)
{
  if (n < 8 || memcmp(iri, "file://", 7) != 0) return -1;
  const char *h = iri + 7, *end = iri + n;
  const char *slash = memchr(h, '/', (size_t)(end - h));
  if (!slash) return -1;
  const char *frag = memchr(slash, '#', (size_t)(end - slash));
  if (frag) end = frag; /* an HDF5 object inside the file */
  if ((size_t)(slash - h) > host_cap || (size_t)(end - slash) > path_cap) return -1;
  size_t hl = pv_iri_decode(host, h, (size_t)(slash - h));
  size_t pl = pv_iri_decode(path, slash, (size_t)(end - slash));
  if (hl == (size_t)-1 || pl == (size_t)-1) return -1;
  *host_len = hl;
  *path_len = pl;
  return 0;
}
