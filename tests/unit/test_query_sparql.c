/* SPARQL: standard prefixes, every output format, ASK and CONSTRUCT, and
 * one clear error (and no Rasqal noise) for a query that cannot run. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nt_parse.h"
#include "query_fixture.h"

/* Runs q; returns its output, *rc its status, err its message, and checks
 * that nothing reached stderr (Rasqal's warnings and errors are routed). */
static char *sparql(const char *q, enum pv_format fmt, int *rc, char *err, size_t errlen)
{
  char *dir = make_temp_dir(), path[4200];
  snprintf(path, sizeof path, "%s/stderr", dir);
  fflush(stderr);
  int saved = dup(2);
  FILE *e = fopen(path, "w+");
  dup2(fileno(e), 2);
  captured c;
  *rc = pv_query_sparql(pipeline_store(), q, fmt, capture_begin(&c), err, errlen);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  fseek(e, 0, SEEK_END);
  ck_assert_msg(ftell(e) == 0, "query printed to stderr");
  fclose(e);
  unlink(path);
  rmdir(dir);
  free(dir);
  return capture_end(&c);
}

static char *ok(const char *q, enum pv_format fmt)
{
  int rc;
  char err[512] = "";
  char *out = sparql(q, fmt, &rc, err, sizeof err);
  ck_assert_msg(rc == PV_EXIT_OK, "%s: %s", q, err);
  return out;
}

START_TEST(prefixes_are_declared)
{
  char *t = ok("SELECT (COUNT(?p) AS ?n) WHERE { ?p rdf:type provio:Process ; prov:startedAtTime ?t "
               "FILTER(?t > \"2026-01-01T00:01:00Z\"^^xsd:dateTime) OPTIONAL { ?p rdfs:label ?l } }",
               PV_FMT_TSV);
  ck_assert_str_eq(t, "?n\n6\n");
  free(t);
}
END_TEST

START_TEST(select_in_each_format)
{
  const char *q = "SELECT ?pid ?cmd ?none WHERE { ?p provio:pid ?pid ; provio:commandLine ?cmd "
                  "FILTER(?pid = 502 && CONTAINS(?cmd, \"cp\")) OPTIONAL { ?p provio:nothing ?none } }";
  char *t = ok(q, PV_FMT_TSV);
  ck_assert_str_eq(t, "?pid\t?cmd\t?none\n\"502\"^^<http://www.w3.org/2001/XMLSchema#long>\t"
                      "\"cp dec.h5 'we ird\\n\\\"q\\\" } UNION { ?s ?p ?o } #%.txt'\"\t\n");
  free(t);
  t = ok(q, PV_FMT_CSV);
  ck_assert_str_eq(t, "pid,cmd,none\r\n502,\"cp dec.h5 'we ird\n\"\"q\"\" } UNION { ?s ?p ?o } #%.txt'\",\r\n");
  free(t);
  t = ok(q, PV_FMT_JSON);
  ck_assert_str_eq(t, "{\"head\":{\"vars\":[\"pid\",\"cmd\",\"none\"]},\"results\":{\"bindings\":[\n"
                      "{\"pid\":{\"type\":\"literal\",\"value\":\"502\",\"datatype\":\"http://www.w3.org/2001/XMLSchema#long\"},"
                      "\"cmd\":{\"type\":\"literal\",\"value\":\"cp dec.h5 'we ird\\n\\\"q\\\" } UNION { ?s ?p ?o } #%.txt'\"}}\n"
                      "]}}\n");
  free(t);
  t = ok(q, PV_FMT_TABLE);
  ck_assert_str_eq(t, "pid  cmd                                                    none\n"
                      "---  -----------------------------------------------------  ----\n"
                      "502  cp dec.h5 'we ird\\x0A\"q\" } UNION { ?s ?p ?o } #%.txt'\n");
  free(t);
}
END_TEST

START_TEST(no_rows_still_names_the_columns)
{
  char *t = ok("SELECT ?p ?cmd WHERE { ?p provio:commandLine ?cmd ; provio:exitStatus 1 }", PV_FMT_TSV);
  /* 1 is an xsd:integer, the store holds xsd:long: no match, as SPARQL says */
  ck_assert_str_eq(t, "?p\t?cmd\n");
  free(t);
  t = ok("SELECT ?p WHERE { ?p provio:nothing ?x }", PV_FMT_JSON);
  ck_assert_str_eq(t, "{\"head\":{\"vars\":[\"p\"]},\"results\":{\"bindings\":[\n]}}\n");
  free(t);
}
END_TEST

START_TEST(ask_and_construct)
{
  char *t = ok("ASK { ?j a provio:Job }", PV_FMT_TSV);
  ck_assert_str_eq(t, "true\n");
  free(t);
  t = ok("ASK { ?j a provio:Nothing }", PV_FMT_JSON);
  ck_assert_str_eq(t, "{\"head\":{},\"boolean\":false}\n");
  free(t);
  t = ok("CONSTRUCT { ?v prov:wasAttributedTo ?p } WHERE { ?v a provio:FileVersion ; prov:wasGeneratedBy ?p }",
         PV_FMT_TABLE);
  nt_result r;
  nt_parse(t, strlen(t), &r);
  ck_assert_int_eq(r.errors, 0);
  ck_assert_int_eq(r.triples, 11); /* every file version and generator (the joint one has two), as N-Triples */
  free(t);
}
END_TEST

START_TEST(a_malformed_query_is_one_clear_error)
{
  int rc;
  char err[512];
  char *t = sparql("SELECT ?x WHERE {\n  ?x a provio:Process .\n  FILTER(?x >\n}", PV_FMT_TSV, &rc, err, sizeof err);
  ck_assert_int_eq(rc, PV_EXIT_BAD_QUERY);
  ck_assert_str_eq(err, "malformed query: line 4: syntax error, unexpected '}': }");
  ck_assert_str_eq(t, "");
  free(t);
  t = sparql("SELECT ?x WHERE { ?x nope:a ?y }", PV_FMT_TSV, &rc, err, sizeof err);
  ck_assert_int_eq(rc, PV_EXIT_BAD_QUERY);
  ck_assert_ptr_nonnull(strstr(err, "nope:a"));
  free(t);
  t = sparql("DESCRIBE <urn:provio:job:pmix:sim.1>", PV_FMT_TSV, &rc, err, sizeof err);
  ck_assert_int_eq(rc, PV_EXIT_BAD_QUERY);
  ck_assert_ptr_nonnull(strstr(err, "DESCRIBE"));
  free(t);
  t = sparql("INSERT DATA { <urn:a> <urn:b> <urn:c> }", PV_FMT_TSV, &rc, err, sizeof err);
  ck_assert_int_eq(rc, PV_EXIT_BAD_QUERY);
  free(t);
  t = sparql("SELECT * WHERE { ?a prov:wasDerivedFrom+ ?b }", PV_FMT_TSV, &rc, err, sizeof err);
  ck_assert_int_eq(rc, PV_EXIT_BAD_QUERY); /* no property paths in Rasqal 0.9.33 */
  free(t);
}
END_TEST

START_TEST(aggregates_warn_nobody)
{
  /* Rasqal warns "variable bound but unused" for every aggregate */
  char *t = ok("SELECT ?h (SUM(xsd:decimal(?b)) AS ?bytes) WHERE { ?a provio:partOf ?p ; provio:bytesWritten ?b . "
               "?p provio:host ?h } GROUP BY ?h ORDER BY ?h",
               PV_FMT_TSV);
  ck_assert_str_eq(t, "?h\t?bytes\n\"n1\"\t3001599616.0\n\"n2\"\t5000000100.0\n");
  free(t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_sparql");
  TCase *tc = tcase_create("sparql");
  tcase_add_unchecked_fixture(tc, pipeline_build, pipeline_remove);
  tcase_add_test(tc, prefixes_are_declared);
  tcase_add_test(tc, select_in_each_format);
  tcase_add_test(tc, no_rows_still_names_the_columns);
  tcase_add_test(tc, ask_and_construct);
  tcase_add_test(tc, a_malformed_query_is_one_clear_error);
  tcase_add_test(tc, aggregates_warn_nobody);
  suite_add_tcase(s, tc);
  return s;
}
