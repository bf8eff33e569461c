/* Derivations (docs/model.md, "Derived by prov-merge"): exactly the
 * triples the rules give on a small workflow, no more; the same after the
 * fact table is saved and read back; and a version merged later that comes
 * between a write and a read moves what the read used. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"

#define PROV "http://www.w3.org/ns/prov#"
#define PIO "https://w3id.org/provio/ns#"
#define J "urn:provio:job:j/proc/h/"
#define RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

typedef struct out {
  char line[64][600];
  int n;
} out;

static int collect(void *ctx, const pv_term t[3])
{
  out *o = ctx;
  ck_assert_int_lt(o->n, 64);
  snprintf(o->line[o->n], sizeof o->line[0], "%.*s %.*s %.*s", (int)t[0].n, t[0].s, (int)t[1].n, t[1].s,
           (int)t[2].n, t[2].s);
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->line[i], o->line[o->n]) == 0) return 0; /* two rules, one triple */
  o->n++;
  return 0;
}

static int has(const out *o, const char *s, const char *p, const char *obj)
{
  char want[600];
  snprintf(want, sizeof want, "%s %s %s", s, p, obj);
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->line[i], want) == 0) return 1;
  return 0;
}

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
    fact(f, version, PROV "specializationOf", file, PV_T_IRI);
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
  /* and nothing else: no link from Y to the W that had ended, none from
   * the first read to the version written after it, no generation of the
   * rename's version (no process generated it) */
  ck_assert_int_eq(o->n, 12 + 4 + 3 * 4);
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
  ck_assert_int_eq(o.n, 3 + 4 + 2 * 4);
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
  suite_add_tcase(s, c);
  return s;
}
