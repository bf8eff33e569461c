/* Derivations (docs/model.md, "Version model"): exactly the triples the
 * rules give on a small workflow, no more; the same after the fact table is
 * saved and read back; a version merged later that comes between a write
 * and a read moves what the read used; and one case per rule of the causal
 * version model (issue 9). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "derived_lines.h"

#define PROV "http://www.w3.org/ns/prov#"
#define PIO "https://w3id.org/provio/ns#"
#define J "urn:provio:job:j/proc/h/"
#define RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

static void fact(pv_facts *f, const char *s, const char *p, const char *o, char kind)
{
  pv_term t[3] = {{PV_T_IRI, s, (uint32_t)strlen(s), NULL, 0}, {PV_T_IRI, p, (uint32_t)strlen(p), NULL, 0},
                  {kind, o, (uint32_t)strlen(o), NULL, 0}};
  if (kind == PV_T_TYPED) t[2].x = "http://www.w3.org/2001/XMLSchema#long", t[2].xn = 38;
  ck_assert_int_eq(pv_facts_wanted(t), 1);
  ck_assert_int_eq(pv_facts_add(f, t), 0);
}

static char at_buf[32][40];
static const char *at(int k) /* minute k of the day */
{
  snprintf(at_buf[k], sizeof at_buf[k], "2026-11-22T05:%02d:00.000000Z", k);
  return at_buf[k];
}

static void process(pv_facts *f, const char *p, int pid, int ppid, int start, int end, const char *ended_by)
{
  char n[16];
  fact(f, p, PIO "host", "h", PV_T_PLAIN);
  snprintf(n, sizeof n, "%d", pid);
  fact(f, p, PIO "pid", n, PV_T_TYPED);
  snprintf(n, sizeof n, "%d", ppid);
  fact(f, p, PIO "ppid", n, PV_T_TYPED);
  fact(f, p, PROV "startedAtTime", at(start), PV_T_TYPED);
  if (end >= 0) fact(f, p, PROV "endedAtTime", at(end), PV_T_TYPED);
  if (ended_by) fact(f, p, PIO "endedBy", ended_by, PV_T_PLAIN);
}

static void session(pv_facts *f, const char *a, const char *p, const char *file, int start, const char *reads,
                    const char *version, int gen)
{
  fact(f, a, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", PIO "FileAccess", PV_T_IRI);
  fact(f, a, PIO "partOf", p, PV_T_IRI);
  fact(f, a, PIO "file", file, PV_T_IRI);
  fact(f, a, PROV "startedAtTime", at(start), PV_T_TYPED);
  fact(f, a, PIO "reads", reads, PV_T_TYPED);
  if (version) {
    fact(f, a, PIO "version", version, PV_T_IRI);
    fact(f, version, PROV "wasGeneratedBy", p, PV_T_IRI);
    fact(f, version, PROV "generatedAtTime", at(gen), PV_T_TYPED);
  }
}

#define W J "10.1"
#define R J "20.2"
#define X1 J "30.6"
#define X2 J "30.7"
#define C J "40.3"
#define P1 J "60.1"
#define P2 J "61.1"
#define P3 J "62.1"
#define K J "70.1"
#define Y J "50.9"
#define F "file:///f"
#define G "file:///g"
#define H "file:///h"

static pv_facts *workflow(void)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 5, "exit");
  process(f, R, 20, 10, 2, 8, "exit");        /* spawned by W (ppid, W running) */
  process(f, X1, 30, 1, 6, 7, "exec");
  process(f, X2, 30, 1, 7, 9, "exit");        /* what X1 exec'd */
  process(f, C, 40, 20, 3, 4, "exit");
  fact(f, C, PIO "forkedFrom", R, PV_T_IRI);
  process(f, P1, 60, 1, 1, 9, "exit");
  process(f, P2, 61, 1, 1, 9, "exit");
  fact(f, P1, PIO "writesPipe", "h:pipe:[7]", PV_T_PLAIN);
  fact(f, P2, PIO "readsPipe", "h:pipe:[7]", PV_T_PLAIN);
  process(f, K, 70, 1, 1, -1, NULL);          /* killed: no end */
  process(f, Y, 50, 10, 9, 10, "exit");        /* its parent pid's process had ended */

  session(f, W "/thread/10/access/1", W, F, 0, "0", W "/thread/10/version/2", 1);
  session(f, R "/thread/20/access/1", R, F, 3, "5", NULL, 0);
  fact(f, R "/thread/20/access/1", PIO "lastReadAt", at(3), PV_T_TYPED); /* its first read too */
  session(f, R "/thread/20/access/2", R, G, 4, "0", R "/thread/20/version/3", 4);
  session(f, W "/thread/10/access/3", W, F, 4, "0", W "/thread/10/version/4", 5);
  /* rename g -> h at minute 6 */
  fact(f, R "/thread/20/version/5", PROV "specializationOf", H, PV_T_IRI);
  fact(f, R "/thread/20/version/5", PROV "generatedAtTime", at(6), PV_T_TYPED);
  fact(f, R "/thread/20/version/5", PIO "renamedFrom", G, PV_T_IRI);

  fact(f, K "/thread/70", PIO "threadOf", K, PV_T_IRI);
  fact(f, W "/thread/10", PIO "threadOf", W, PV_T_IRI);
  ck_assert_int_eq(pv_facts_thread(f, K "/thread/70", 0), 0);
  ck_assert_int_eq(pv_facts_thread(f, W "/thread/10", 1), 0);
  return f;
}

static void check_workflow(const out *o)
{
  ck_assert(has(o, W "/thread/10/version/4", PROV "wasRevisionOf", W "/thread/10/version/2"));
  ck_assert(has(o, R, PROV "used", W "/thread/10/version/2"));
  ck_assert(has(o, R, PROV "wasInformedBy", W));
  ck_assert(has(o, R "/thread/20/version/3", PROV "wasDerivedFrom", W "/thread/10/version/2"));
  ck_assert(has(o, R "/thread/20/version/5", PROV "wasDerivedFrom", R "/thread/20/version/3"));
  ck_assert(has(o, X2, PIO "execedFrom", X1));
  ck_assert(has(o, X2, PROV "wasInformedBy", X1));
  ck_assert(has(o, C, PROV "wasInformedBy", R));
  ck_assert(has(o, P2, PROV "wasInformedBy", P1));
  ck_assert(has(o, K "/thread/70", PIO "recordsComplete", "false"));
  ck_assert(has(o, W "/thread/10", PIO "recordsComplete", "true"));
  ck_assert(has(o, K, PIO "endedBy", "unknown"));
  /* the read and the writes qualified, with their times */
  ck_assert(has(o, R, PROV "qualifiedUsage", R "/thread/20/access/1/usage"));
  ck_assert(has(o, R "/thread/20/access/1/usage", RDF_TYPE, PROV "Usage"));
  ck_assert(has(o, R "/thread/20/access/1/usage", PROV "entity", W "/thread/10/version/2"));
  ck_assert(has(o, R "/thread/20/access/1/usage", PROV "atTime", at(3)));
  const char *made[][3] = {{W "/thread/10/version/2", W, "2026-11-22T05:01:00.000000Z"},
                           {R "/thread/20/version/3", R, "2026-11-22T05:04:00.000000Z"},
                           {W "/thread/10/version/4", W, "2026-11-22T05:05:00.000000Z"}};
  for (int i = 0; i < 3; i++) {
    char g[300];
    snprintf(g, sizeof g, "%s/generation", made[i][0]);
    ck_assert(has(o, made[i][0], PROV "qualifiedGeneration", g));
    ck_assert(has(o, g, RDF_TYPE, PROV "Generation"));
    ck_assert(has(o, g, PROV "activity", made[i][1]));
    ck_assert(has(o, g, PROV "atTime", made[i][2]));
  }
  /* what the records of a session leave out (docs/model.md, "What the
   * records leave out"): the read's use of the file, each session
   * version's file */
  ck_assert(has(o, R, PROV "used", F));
  ck_assert(has(o, R "/thread/20/version/3", PROV "specializationOf", G));
  ck_assert(has(o, W "/thread/10/version/4", PROV "specializationOf", F));
  ck_assert(has(o, R "/thread/20/access/1", PIO "firstReadAt", "2026-11-22T05:03:00.000000Z"));
  /* sessions that wrote without a first change: they changed the file
   * once, when their version was made */
  ck_assert(has(o, W "/thread/10/access/1", PIO "firstWriteAt", "2026-11-22T05:01:00.000000Z"));
  ck_assert(has(o, R "/thread/20/access/2", PIO "firstWriteAt", "2026-11-22T05:04:00.000000Z"));
  ck_assert(has(o, W "/thread/10/access/3", PIO "firstWriteAt", "2026-11-22T05:05:00.000000Z"));
  /* and nothing else: no link from Y to the W that had ended, none from
   * the first read to the version written after it, no generation of the
   * rename's version (no process generated it) */
  ck_assert_int_eq(o->n, 12 + 4 + 3 * 4 + 1 + 3 + 3 + 1);
}

START_TEST(derives_exactly_the_rules)
{
  pv_facts *f = workflow();
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(f, collect, &o), 0);
  check_workflow(&o);
  pv_facts_free(f);
}
END_TEST

START_TEST(saved_table_derives_the_same)
{
  pv_facts *f = workflow();
  FILE *tmp = tmpfile();
  ck_assert_int_eq(pv_facts_write(f, tmp), 0);
  pv_facts_free(f);
  rewind(tmp);
  pv_facts *g = pv_facts_new();
  ck_assert_int_eq(pv_facts_read(g, tmp), 0);
  fclose(tmp);
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(g, collect, &o), 0);
  check_workflow(&o);
  pv_facts_free(g);
}
END_TEST

/* Nodes are told apart by rdf:type, not by their IRIs: a job whose id
 * has "/call/" or "/access/" in it derives like any other. */
START_TEST(a_job_id_with_call_in_it_derives)
{
  pv_facts *f = pv_facts_new();
#define CJ "urn:provio:job:a/call/b/access/c/proc/h/"
  process(f, CJ "10.1", 10, 1, 0, 9, "exit");
  process(f, CJ "20.2", 20, 1, 0, 9, "exit");
  session(f, CJ "10.1/thread/10/call/1", CJ "10.1", F, 0, "0", CJ "10.1/thread/10/call/2", 1);
  session(f, CJ "20.2/thread/20/access/1", CJ "20.2", F, 3, "5", NULL, 0);
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(f, collect, &o), 0);
  ck_assert(has(&o, CJ "20.2", PROV "used", CJ "10.1/thread/10/call/2"));
  ck_assert(has(&o, CJ "20.2", PROV "wasInformedBy", CJ "10.1"));
#undef CJ
  pv_facts_free(f);
}
END_TEST

static long saved_size(pv_facts *f)
{
  FILE *tmp = tmpfile();
  ck_assert_int_eq(pv_facts_write(f, tmp), 0);
  long n = ftell(tmp);
  fclose(tmp);
  return n;
}

static void io_call(pv_facts *f, const char *call, int typed_first)
{
  if (typed_first) fact(f, call, RDF_TYPE, PIO "IoCall", PV_T_IRI);
  fact(f, call, PIO "partOf", W, PV_T_IRI);
  fact(f, call, PIO "file", "file:///only-called", PV_T_IRI);
  fact(f, call, PROV "startedAtTime", at(2), PV_T_TYPED);
  if (!typed_first) fact(f, call, RDF_TYPE, PIO "IoCall", PV_T_IRI);
}

/* Trace mode's one record per call is no fact: the saved table is the
 * same without them, also for a call whose type came after its other
 * triples, and the derivations do not change. */
START_TEST(trace_calls_stay_out_of_the_saved_table)
{
  pv_facts *plain = workflow(), *traced = workflow();
  io_call(traced, W "/thread/10/c/1", 1);
  io_call(traced, W "/thread/10/c/2", 0);
  fact(traced, "file:///only-called", PROV "specializationOf", "file:///x", PV_T_IRI);
  fact(plain, "file:///only-called", PROV "specializationOf", "file:///x", PV_T_IRI);
  ck_assert_int_eq(saved_size(traced), saved_size(plain));
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(traced, collect, &o), 0);
  check_workflow(&o);
  pv_facts_free(plain);
  pv_facts_free(traced);
}
END_TEST

START_TEST(later_merge_moves_the_used_version)
{
  pv_facts *f = workflow();
  /* another job wrote f at minute 2, between W's write and R's read */
  process(f, "urn:provio:job:k/proc/h2/5.1", 5, 1, 1, 3, "exit");
  fact(f, "urn:provio:job:k/proc/h2/5.1/thread/5/version/1", PROV "specializationOf", F, PV_T_IRI);
  fact(f, "urn:provio:job:k/proc/h2/5.1/thread/5/version/1", PROV "wasGeneratedBy", "urn:provio:job:k/proc/h2/5.1",
       PV_T_IRI);
  fact(f, "urn:provio:job:k/proc/h2/5.1/thread/5/version/1", PROV "generatedAtTime", at(2), PV_T_TYPED);
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(f, collect, &o), 0);
  ck_assert(!has(&o, R, PROV "used", W "/thread/10/version/2"));
  ck_assert(has(&o, R, PROV "used", "urn:provio:job:k/proc/h2/5.1/thread/5/version/1"));
  ck_assert(has(&o, R, PROV "wasInformedBy", "urn:provio:job:k/proc/h2/5.1"));
  ck_assert(has(&o, R "/thread/20/access/1/usage", PROV "entity", "urn:provio:job:k/proc/h2/5.1/thread/5/version/1"));
  ck_assert(!has(&o, R "/thread/20/access/1/usage", PROV "entity", W "/thread/10/version/2"));
  ck_assert(has(&o, "urn:provio:job:k/proc/h2/5.1/thread/5/version/1", PROV "wasRevisionOf", W "/thread/10/version/2"));
  pv_facts_free(f);
}
END_TEST

START_TEST(hdf5_objects_derive_like_files)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  process(f, R, 20, 1, 1, 9, "exit");
  const char *raw = "file:///d.h5#/raw", *dec = "file:///d.h5#/decimated";
  fact(f, W "/h5version/1", PROV "specializationOf", raw, PV_T_IRI);
  fact(f, W "/h5version/1", PROV "wasGeneratedBy", W, PV_T_IRI);
  fact(f, W "/h5version/1", PROV "generatedAtTime", at(2), PV_T_TYPED);
  fact(f, R "/h5access/1", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", PIO "Hdf5Access", PV_T_IRI);
  fact(f, R "/h5access/1", PIO "partOf", R, PV_T_IRI);
  fact(f, R "/h5access/1", PIO "object", raw, PV_T_IRI);
  fact(f, R "/h5access/1", PROV "startedAtTime", at(3), PV_T_TYPED);
  fact(f, R "/h5access/1", PIO "reads", "1", PV_T_TYPED);
  fact(f, R "/h5version/2", PROV "specializationOf", dec, PV_T_IRI);
  fact(f, R "/h5version/2", PROV "wasGeneratedBy", R, PV_T_IRI);
  fact(f, R "/h5version/2", PROV "generatedAtTime", at(4), PV_T_TYPED);
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(f, collect, &o), 0);
  ck_assert(has(&o, R, PROV "used", W "/h5version/1"));
  ck_assert(has(&o, R "/h5version/2", PROV "wasDerivedFrom", W "/h5version/1"));
  ck_assert(has(&o, R, PROV "wasInformedBy", W));
  ck_assert(has(&o, R "/h5access/1/usage", PROV "entity", W "/h5version/1"));
  ck_assert(has(&o, R "/h5version/2/generation", PROV "activity", R));
  ck_assert(has(&o, R, PROV "used", raw)); /* as a session that read: the object */
  ck_assert_int_eq(o.n, 3 + 4 + 2 * 4 + 1);
  pv_facts_free(f);
}
END_TEST

/* ---- the causal version model (issue 9), one case per rule ---- */

#define NO (-1)

/* A session <a> of process p on file: open..close, reads in [r1, r2],
 * first write w1 and last change gen of its version v (NO: absent). */
typedef struct sess {
  const char *a, *p, *file, *fid;
  int start, end, r1, r2, w1;
  const char *v;
  int gen, fresh;
} sess;

static void add_session(pv_facts *f, sess x)
{
  fact(f, x.a, RDF_TYPE, PIO "FileAccess", PV_T_IRI);
  fact(f, x.a, PIO "partOf", x.p, PV_T_IRI);
  fact(f, x.a, PIO "file", x.file, PV_T_IRI);
  fact(f, x.a, PROV "startedAtTime", at(x.start), PV_T_TYPED);
  if (x.end != NO) fact(f, x.a, PROV "endedAtTime", at(x.end), PV_T_TYPED);
  if (x.fid) fact(f, x.a, PIO "fileId", x.fid, PV_T_PLAIN);
  if (x.r1 != NO) {
    fact(f, x.a, PIO "reads", "1", PV_T_TYPED);
    fact(f, x.a, PIO "firstReadAt", at(x.r1), PV_T_TYPED);
    fact(f, x.a, PIO "lastReadAt", at(x.r2), PV_T_TYPED);
  }
  if (x.v) {
    fact(f, x.a, PIO "version", x.v, PV_T_IRI);
    if (x.w1 != NO) fact(f, x.a, PIO "firstWriteAt", at(x.w1), PV_T_TYPED);
    fact(f, x.v, PROV "specializationOf", x.file, PV_T_IRI);
    fact(f, x.v, PROV "wasGeneratedBy", x.p, PV_T_IRI);
    fact(f, x.v, PROV "generatedAtTime", at(x.gen), PV_T_TYPED);
    if (x.fresh) fact(f, x.v, PIO "newContent", "true", PV_T_TYPED);
  }
}

static out *derive_all(pv_facts *f)
{
  static out o;
  memset(&o, 0, sizeof o);
  ck_assert_int_eq(pv_facts_derive(f, collect, &o), 0);
  return &o;
}

START_TEST(late_read_is_no_source)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 2, "exit");
  process(f, R, 20, 1, 3, 12, "exit");
  add_session(f, (sess){W "/a/1", W, F, NULL, 0, 2, NO, NO, 1, W "/v/1", 1, 1});
  /* R opens g and f at 3, reads g at 4, writes h from 5 to 7, reads f only at 9 */
  add_session(f, (sess){R "/a/1", R, G, NULL, 3, 10, 4, 4, NO, NULL, 0, 0});
  add_session(f, (sess){R "/a/2", R, F, NULL, 3, 10, 9, 9, NO, NULL, 0, 0});
  add_session(f, (sess){R "/a/3", R, H, NULL, 5, 7, NO, NO, 5, R "/v/3", 7, 1});
  out *o = derive_all(f);
  ck_assert(has(o, R, PROV "used", W "/v/1"));
  ck_assert(!has(o, R "/v/3", PROV "wasDerivedFrom", W "/v/1"));
  ck_assert(has(o, R "/v/3", PROV "wasDerivedFrom", G)); /* an outside input, read in time */
  pv_facts_free(f);
}
END_TEST

START_TEST(truncation_starts_a_new_history)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  add_session(f, (sess){W "/a/1", W, F, "1:5", 0, 1, NO, NO, 0, W "/v/1", 1, 1});
  add_session(f, (sess){W "/a/2", W, F, "1:5", 2, 3, NO, NO, 2, W "/v/2", 3, 1}); /* O_TRUNC */
  add_session(f, (sess){W "/a/3", W, F, "1:5", 4, 5, NO, NO, 4, W "/v/3", 5, 0}); /* append */
  out *o = derive_all(f);
  ck_assert(!has(o, W "/v/2", PROV "wasRevisionOf", W "/v/1"));
  ck_assert(has(o, W "/v/3", PROV "wasRevisionOf", W "/v/2"));
  pv_facts_free(f);
}
END_TEST

static void rename_op(pv_facts *f, const char *op, const char *p, const char *from, const char *to, int t)
{
  fact(f, op, PIO "operation", "rename", PV_T_PLAIN);
  fact(f, op, PIO "partOf", p, PV_T_IRI);
  fact(f, op, PIO "file", from, PV_T_IRI);
  fact(f, op, PIO "target", to, PV_T_IRI);
  fact(f, op, PROV "startedAtTime", at(t), PV_T_TYPED);
}

START_TEST(rename_over_starts_a_new_history)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  process(f, R, 20, 1, 6, 9, "exit");
  add_session(f, (sess){W "/a/1", W, H, "1:6", 0, 1, NO, NO, 0, W "/v/1", 1, 0}); /* the old h */
  add_session(f, (sess){W "/a/2", W, G, "1:7", 2, 3, NO, NO, 2, W "/v/2", 3, 0}); /* g, to be h */
  rename_op(f, W "/op/3", W, G, H, 4);
  fact(f, W "/v/3", PROV "specializationOf", H, PV_T_IRI);
  fact(f, W "/v/3", PROV "wasGeneratedBy", W, PV_T_IRI);
  fact(f, W "/v/3", PROV "generatedAtTime", at(4), PV_T_TYPED);
  fact(f, W "/v/3", PIO "renamedFrom", G, PV_T_IRI);
  add_session(f, (sess){R "/a/1", R, H, "1:7", 6, 7, 6, 6, NO, NULL, 0, 0});
  out *o = derive_all(f);
  ck_assert(has(o, W "/v/3", PROV "wasDerivedFrom", W "/v/2"));
  ck_assert(!has(o, W "/v/3", PROV "wasRevisionOf", W "/v/1"));
  ck_assert(has(o, R, PROV "used", W "/v/3"));
  ck_assert(!has(o, R, PROV "used", W "/v/1"));
  pv_facts_free(f);
}
END_TEST

START_TEST(unlink_and_create_start_a_new_history)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  process(f, R, 20, 1, 6, 9, "exit");
  add_session(f, (sess){W "/a/1", W, F, NULL, 0, 1, NO, NO, 0, W "/v/1", 1, 0});
  fact(f, W "/op/2", PIO "operation", "unlink", PV_T_PLAIN);
  fact(f, W "/op/2", PIO "file", F, PV_T_IRI);
  fact(f, W "/op/2", PROV "startedAtTime", at(2), PV_T_TYPED);
  add_session(f, (sess){W "/a/3", W, F, NULL, 3, 4, NO, NO, 3, W "/v/3", 4, 0}); /* an old record: no newContent */
  add_session(f, (sess){R "/a/1", R, F, NULL, 6, 7, 6, 6, NO, NULL, 0, 0});
  out *o = derive_all(f);
  ck_assert(!has(o, W "/v/3", PROV "wasRevisionOf", W "/v/1"));
  ck_assert(has(o, R, PROV "used", W "/v/3"));
  pv_facts_free(f);
}
END_TEST

/* The capture makes no version for a session that changed nothing; the
 * reader after it sees the version before.  (A store case: it held on
 * the old derivations too.) */
START_TEST(session_without_change_leaves_the_older_version)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  process(f, R, 20, 1, 0, 9, "exit");
  add_session(f, (sess){W "/a/1", W, F, "1:5", 0, 1, NO, NO, 0, W "/v/1", 1, 1});
  add_session(f, (sess){W "/a/2", W, F, "1:5", 2, 3, NO, NO, NO, NULL, 0, 0}); /* O_RDWR|O_CREAT, no write */
  add_session(f, (sess){R "/a/1", R, F, "1:5", 4, 5, 4, 4, NO, NULL, 0, 0});
  out *o = derive_all(f);
  ck_assert(has(o, R, PROV "used", W "/v/1"));
  pv_facts_free(f);
}
END_TEST

START_TEST(a_link_reaches_the_file_by_its_id)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  process(f, R, 20, 1, 0, 9, "exit");
  add_session(f, (sess){W "/a/1", W, F, "1:5", 0, 1, NO, NO, 0, W "/v/1", 1, 1});
  add_session(f, (sess){R "/a/1", R, "file:///link-to-f", "1:5", 4, 5, 4, 4, NO, NULL, 0, 0});
  add_session(f, (sess){R "/a/2", R, G, NULL, 6, 7, NO, NO, 6, R "/v/2", 7, 1});
  out *o = derive_all(f);
  ck_assert(has(o, R, PROV "used", W "/v/1"));
  ck_assert(has(o, R "/v/2", PROV "wasDerivedFrom", W "/v/1"));
  pv_facts_free(f);
}
END_TEST

START_TEST(a_reader_sees_the_version_being_written)
{
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  process(f, R, 20, 1, 0, 9, "exit");
  add_session(f, (sess){W "/a/1", W, F, "1:5", 0, 9, NO, NO, 1, W "/v/1", 8, 1}); /* writes 1..8 */
  add_session(f, (sess){R "/a/1", R, F, "1:5", 3, 5, 4, 5, NO, NULL, 0, 0});
  out *o = derive_all(f);
  ck_assert(has(o, R, PROV "used", W "/v/1"));
  ck_assert(has(o, R "/a/1/usage", PROV "entity", W "/v/1"));
  pv_facts_free(f);
}
END_TEST

static void in_job(pv_facts *f, const char *p, const char *rank)
{
  fact(f, p, PIO "partOfJob", "urn:provio:job:j", PV_T_IRI);
  if (rank) fact(f, p, PIO "rank", rank, PV_T_TYPED);
}

/* Ranks 0 (P1) and 1 (P2) of job j, running from 0 to 9. */
static void two_ranks(pv_facts *f)
{
  process(f, P1, 60, 1, 0, 9, "exit");
  process(f, P2, 61, 1, 0, 9, "exit");
  in_job(f, P1, "0");
  in_job(f, P2, "1");
}

START_TEST(overlapping_writes_of_a_job_are_one_version)
{
  pv_facts *f = pv_facts_new();
  two_ranks(f);
  process(f, R, 20, 1, 0, 9, "exit");
  add_session(f, (sess){P1 "/a/1", P1, G, NULL, 0, 1, 0, 0, NO, NULL, 0, 0});
  add_session(f, (sess){P2 "/a/1", P2, H, NULL, 0, 1, 0, 0, NO, NULL, 0, 0});
  add_session(f, (sess){P1 "/a/2", P1, F, "1:5", 2, 5, NO, NO, 2, P1 "/v/2", 4, 1});
  add_session(f, (sess){P2 "/a/2", P2, F, "1:5", 2, 5, NO, NO, 3, P2 "/v/2", 5, 0});
  add_session(f, (sess){R "/a/1", R, F, "1:5", 6, 7, 6, 6, NO, NULL, 0, 0});
  out *o = derive_all(f);
  const char *j = P1 "/v/2/joint"; /* P1's IRI sorts first */
  ck_assert(has(o, j, PIO "member", P1 "/v/2"));
  ck_assert(has(o, j, PIO "member", P2 "/v/2"));
  ck_assert(has(o, j, PROV "specializationOf", F));
  ck_assert(has(o, j, PROV "qualifiedGeneration", P1 "/v/2/joint/1/generation"));
  ck_assert(has(o, P1 "/v/2/joint/2/generation", PROV "activity", P2));
  ck_assert(has(o, j, PROV "wasDerivedFrom", G));
  ck_assert(has(o, j, PROV "wasDerivedFrom", H));
  ck_assert(has(o, R, PROV "used", j));
  ck_assert(!has(o, R, PROV "used", P1 "/v/2"));
  ck_assert(!has(o, P2 "/v/2", PROV "wasRevisionOf", P1 "/v/2"));
  pv_facts_free(f);
}
END_TEST

/* Lineage reads a joint version's contributors from its own
 * wasGeneratedBy: a member whose version names another generator than its
 * session's process (forged, or an older capture) adds that one too. */
START_TEST(a_joint_version_names_every_member_s_generator)
{
  pv_facts *f = pv_facts_new();
  two_ranks(f);
  process(f, K, 70, 1, 0, 9, "exit");
  add_session(f, (sess){P1 "/a/2", P1, F, "1:5", 2, 5, NO, NO, 2, P1 "/v/2", 4, 1});
  add_session(f, (sess){P2 "/a/2", P2, F, "1:5", 2, 5, NO, NO, 3, P2 "/v/2", 5, 0});
  fact(f, P2 "/v/2", PROV "wasGeneratedBy", K, PV_T_IRI);
  out *o = derive_all(f);
  const char *j = P1 "/v/2/joint";
  ck_assert(has(o, j, PIO "member", P2 "/v/2"));
  ck_assert(has(o, j, PROV "wasGeneratedBy", P1));
  ck_assert(has(o, j, PROV "wasGeneratedBy", P2));
  ck_assert(has(o, j, PROV "wasGeneratedBy", K));
  pv_facts_free(f);
}
END_TEST

/* N-1 ranks open, write and close on their own: rank 1 may open after
 * rank 0 closed; their blocks are still one content.  A rank that later
 * replaces what it wrote starts a version of its own. */
START_TEST(ranks_writing_one_after_the_other_are_one_version)
{
  pv_facts *f = pv_facts_new();
  two_ranks(f);
  add_session(f, (sess){P1 "/a/1", P1, G, NULL, 0, 1, 0, 0, NO, NULL, 0, 0});
  add_session(f, (sess){P2 "/a/1", P2, H, NULL, 0, 1, 0, 0, NO, NULL, 0, 0});
  add_session(f, (sess){P1 "/a/2", P1, F, "1:5", 2, 3, NO, NO, 2, P1 "/v/2", 3, 1});
  add_session(f, (sess){P2 "/a/2", P2, F, "1:5", 4, 5, NO, NO, 4, P2 "/v/2", 5, 0});
  add_session(f, (sess){P1 "/a/3", P1, F, "1:5", 7, 8, NO, NO, 7, P1 "/v/3", 8, 1});
  out *o = derive_all(f);
  const char *j = P1 "/v/2/joint";
  ck_assert(has(o, j, PIO "member", P1 "/v/2"));
  ck_assert(has(o, j, PIO "member", P2 "/v/2"));
  ck_assert(!has(o, j, PIO "member", P1 "/v/3"));
  ck_assert(!has(o, P2 "/v/2", PROV "wasRevisionOf", P1 "/v/2"));
  pv_facts_free(f);
}
END_TEST

static void flow(pv_facts *f, const char *fl, const char *p, const char *pred, const char *v, const char *dir, int t1,
                 int t2)
{
  fact(f, fl, RDF_TYPE, PIO "DataFlow", PV_T_IRI);
  fact(f, fl, PIO "partOf", p, PV_T_IRI);
  fact(f, fl, pred, v, pred[strlen(pred) - 1] == 'k' ? PV_T_TYPED : PV_T_PLAIN);
  if (dir) fact(f, fl, PIO "direction", dir, PV_T_PLAIN);
  fact(f, fl, PIO "firstAt", at(t1), PV_T_TYPED);
  fact(f, fl, PIO "lastAt", at(t2), PV_T_TYPED);
}

START_TEST(a_broadcast_carries_the_root_s_input)
{
  pv_facts *f = pv_facts_new();
  two_ranks(f);
  add_session(f, (sess){P1 "/a/1", P1, G, NULL, 0, 1, 1, 1, NO, NULL, 0, 0}); /* params */
  add_session(f, (sess){P1 "/a/2", P1, "file:///late", NULL, 0, 8, 7, 7, NO, NULL, 0, 0});
  flow(f, P2 "/f/1", P2, PIO "peerRank", "0", NULL, 2, 2);
  add_session(f, (sess){P2 "/a/1", P2, H, NULL, 3, 4, NO, NO, 3, P2 "/v/1", 4, 1});
  out *o = derive_all(f);
  ck_assert(has(o, P2 "/f/1/data", RDF_TYPE, PIO "Message"));
  ck_assert(has(o, P2 "/f/1/data", PROV "wasGeneratedBy", P1));
  ck_assert(has(o, P2, PROV "used", P2 "/f/1/data"));
  ck_assert(has(o, P2 "/f/1/data", PROV "wasDerivedFrom", G));
  ck_assert(!has(o, P2 "/f/1/data", PROV "wasDerivedFrom", "file:///late"));
  ck_assert(has(o, P2 "/v/1", PROV "wasDerivedFrom", P2 "/f/1/data"));
  pv_facts_free(f);
}
END_TEST

START_TEST(a_reduce_reaches_only_the_root)
{
  pv_facts *f = pv_facts_new();

  two_ranks(f);
  process(f, P3, 62, 1, 0, 9, "exit");
  in_job(f, P3, "2");
  add_session(f, (sess){P2 "/a/1", P2, G, NULL, 0, 1, 1, 1, NO, NULL, 0, 0});
  add_session(f, (sess){P3 "/a/1", P3, H, NULL, 0, 1, 1, 1, NO, NULL, 0, 0});
  flow(f, P1 "/f/1", P1, PIO "communicator", "world", "in", 2, 2);
  flow(f, P2 "/f/1", P2, PIO "communicator", "world", "out", 2, 2);
  flow(f, P3 "/f/1", P3, PIO "communicator", "world", "out", 2, 2);
  add_session(f, (sess){P1 "/a/2", P1, F, NULL, 3, 4, NO, NO, 3, P1 "/v/2", 4, 1});
  add_session(f, (sess){P3 "/a/2", P3, "file:///out3", NULL, 3, 4, NO, NO, 3, P3 "/v/2", 4, 1});
  out *o = derive_all(f);
  const char *x = "urn:provio:job:j/exchange/world";
  ck_assert(has(o, x, RDF_TYPE, PIO "Exchange"));
  ck_assert(has(o, x, PROV "wasDerivedFrom", G));
  ck_assert(has(o, x, PROV "wasDerivedFrom", H));
  ck_assert(has(o, P1 "/v/2", PROV "wasDerivedFrom", x));
  ck_assert(!has(o, P3 "/v/2", PROV "wasDerivedFrom", x));
  ck_assert(!has(o, P3 "/v/2", PROV "wasDerivedFrom", G));
  pv_facts_free(f);
}
END_TEST

START_TEST(a_pipe_carries_what_its_writer_read)
{
  pv_facts *f = workflow(); /* P1 writes pipe [7], P2 reads it */
  add_session(f, (sess){P1 "/a/1", P1, F, NULL, 2, 3, 2, 3, NO, NULL, 0, 0});
  add_session(f, (sess){P2 "/a/1", P2, "file:///sorted", NULL, 1, 8, NO, NO, 7, P2 "/v/1", 8, 1});
  out o = {0};
  ck_assert_int_eq(pv_facts_derive(f, collect, &o), 0);
  ck_assert(has(&o, P1, PROV "used", W "/thread/10/version/2"));
  ck_assert(has(&o, P2 "/v/1", PROV "wasDerivedFrom", W "/thread/10/version/2"));
  pv_facts_free(f);
}
END_TEST

START_TEST(environment_files_are_classified)
{
  setenv("PROVIO_ENVIRONMENT", "/opt/site:/nowhere", 1);
  pv_facts *f = pv_facts_new();
  process(f, W, 10, 1, 0, 9, "exit");
  fact(f, W, PIO "executable", "file:///home/u/sim", PV_T_IRI);
  const char *files[] = {"file:///etc/openmpi/x.conf", "file:///opt/site/lib.so", "file:///home/u/p.pth",
                         "file:///home/u/data.txt", "file:///home/u/shm-lock"};
  for (int i = 0; i < 5; i++) {
    char a[100];
    snprintf(a, sizeof a, W "/a/%d", i);
    add_session(f, (sess){a, W, files[i], NULL, 0, 1, 0, 0, NO, NULL, 0, 0});
    if (i == 4) fact(f, a, PIO "libraryInternal", "true", PV_T_TYPED);
  }
  out *o = derive_all(f);
  ck_assert(has(o, "file:///home/u/sim", PIO "environment", "true"));
  ck_assert(has(o, files[0], PIO "environment", "true"));
  ck_assert(has(o, files[1], PIO "environment", "true"));
  ck_assert(has(o, files[2], PIO "environment", "true"));
  ck_assert(!has(o, files[3], PIO "environment", "true"));
  ck_assert(has(o, files[4], PIO "environment", "true"));
  unsetenv("PROVIO_ENVIRONMENT");
  pv_facts_free(f);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("merge_derive");
  TCase *c = tcase_create("derive");
  tcase_add_test(c, derives_exactly_the_rules);
  tcase_add_test(c, saved_table_derives_the_same);
  tcase_add_test(c, later_merge_moves_the_used_version);
  tcase_add_test(c, hdf5_objects_derive_like_files);
  tcase_add_test(c, late_read_is_no_source);
  tcase_add_test(c, truncation_starts_a_new_history);
  tcase_add_test(c, rename_over_starts_a_new_history);
  tcase_add_test(c, unlink_and_create_start_a_new_history);
  tcase_add_test(c, session_without_change_leaves_the_older_version);
  tcase_add_test(c, a_link_reaches_the_file_by_its_id);
  tcase_add_test(c, a_reader_sees_the_version_being_written);
  tcase_add_test(c, overlapping_writes_of_a_job_are_one_version);
  tcase_add_test(c, ranks_writing_one_after_the_other_are_one_version);
  tcase_add_test(c, a_joint_version_names_every_member_s_generator);
  tcase_add_test(c, a_broadcast_carries_the_root_s_input);
  tcase_add_test(c, a_reduce_reaches_only_the_root);
  tcase_add_test(c, a_pipe_carries_what_its_writer_read);
  tcase_add_test(c, environment_files_are_classified);
  tcase_add_test(c, a_job_id_with_call_in_it_derives);
  tcase_add_test(c, trace_calls_stay_out_of_the_saved_table);
  suite_add_tcase(s, c);
  return s;
}
