/* Derivations of the domain records (docs/model.md, "Domain records"),
 * from N-Triples in the shape the capture writes them: a configuration
 * file use is a read of the version current at the call; a checkpoint mark
 * names the version its process last wrote; user relations and classes
 * reach the PROV-O terms they specialise; all of it survives the saved
 * fact table. */
#include <check.h>
#include <raptor2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "derived_lines.h"

#define PROV "http://www.w3.org/ns/prov#"
#define PIO "https://w3id.org/provio/ns#"
#define USER "https://w3id.org/provio/user#"
#define TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#define XSD "http://www.w3.org/2001/XMLSchema#"
#define J "urn:provio:job:j/proc/h/"
#define TRAIN J "10.1"
#define EDIT J "20.1"
#define CFG "file:///run/cfg.yaml"
#define CKPT "file:///run/ckpt.pt"
#define DATA "file:///run/data.h5"
#define T(m) "\"2026-11-22T05:" #m ":00.000000Z\"^^<" XSD "dateTime>"
#define L(n) "\"" #n "\"^^<" XSD "long>"

/* EDIT writes cfg.yaml at minutes 01 and 08; TRAIN (minutes 02-09) takes
 * it as its configuration at 03, writes ckpt.pt at 04 and again, new
 * content, at 06, marking each as a checkpoint right after (steps 1, 2),
 * and relates ckpt.pt to data.h5 with a user relation two levels below
 * prov:wasDerivedFrom. */
static const char fixture[] =
    "<" EDIT "> <" PIO "host> \"h\" .\n"
    "<" EDIT "> <" PIO "pid> " L(20) " .\n"
    "<" EDIT "> <" PROV "startedAtTime> " T(00) " .\n"
    "<" EDIT "> <" PROV "endedAtTime> " T(09) " .\n"
    "<" TRAIN "> <" PIO "host> \"h\" .\n"
    "<" TRAIN "> <" PIO "pid> " L(10) " .\n"
    "<" TRAIN "> <" PROV "startedAtTime> " T(02) " .\n"
    "<" TRAIN "> <" PROV "endedAtTime> " T(09) " .\n"
#define SESSION(A, P, F, AT, V) \
    "<" A "> <" TYPE "> <" PIO "FileAccess> .\n" \
    "<" A "> <" PIO "partOf> <" P "> .\n" \
    "<" A "> <" PIO "file> <" F "> .\n" \
    "<" A "> <" PROV "startedAtTime> " T(AT) " .\n" \
    "<" A "> <" PIO "reads> " L(0) " .\n" \
    "<" A "> <" PIO "version> <" V "> .\n" \
    "<" V "> <" PROV "specializationOf> <" F "> .\n" \
    "<" V "> <" PROV "wasGeneratedBy> <" P "> .\n" \
    "<" V "> <" PROV "generatedAtTime> " T(AT) " .\n" \
    "<" V "> <" PIO "newContent> \"true\"^^<" XSD "boolean> .\n"
    SESSION(EDIT "/thread/20/access/1", EDIT, CFG, 01, EDIT "/thread/20/version/1")
    SESSION(EDIT "/thread/20/access/2", EDIT, CFG, 08, EDIT "/thread/20/version/2")
    SESSION(TRAIN "/thread/10/access/1", TRAIN, CKPT, 04, TRAIN "/thread/10/version/1")
    SESSION(TRAIN "/thread/10/access/2", TRAIN, CKPT, 06, TRAIN "/thread/10/version/2")
    "<" TRAIN "> <" PIO "configFile> <" TRAIN "/thread/10/configfile/1> .\n"
    "<" TRAIN "/thread/10/configfile/1> <" TYPE "> <" PIO "ConfigFileUse> .\n"
    "<" TRAIN "/thread/10/configfile/1> <" PIO "file> <" CFG "> .\n"
    "<" TRAIN "/thread/10/configfile/1> <" PROV "atTime> " T(03) " .\n"
#define MARK(N, AT, STEP) \
    "<" TRAIN "> <" PIO "checkpoint> <" TRAIN "/thread/10/checkpoint/" #N "> .\n" \
    "<" TRAIN "/thread/10/checkpoint/" #N "> <" TYPE "> <" PIO "CheckpointMark> .\n" \
    "<" TRAIN "/thread/10/checkpoint/" #N "> <" PIO "file> <" CKPT "> .\n" \
    "<" TRAIN "/thread/10/checkpoint/" #N "> <" PIO "step> " L(STEP) " .\n" \
    "<" TRAIN "/thread/10/checkpoint/" #N "> <" PROV "atTime> " T(AT) " .\n"
    MARK(1, 05, 1)
    MARK(2, 07, 2)
    "<" USER "Model> <" TYPE "> <http://www.w3.org/2000/01/rdf-schema#Class> .\n"
    "<" USER "Model> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <" PROV "Entity> .\n"
    "<" USER "usedData> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <" PROV "wasDerivedFrom> .\n"
    "<" USER "trainedOn> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <" USER "usedData> .\n"
    "<" USER "trainedOn> <http://www.w3.org/2000/01/rdf-schema#label> \"trainedOn\" .\n"
    "<" CKPT "> <" USER "trainedOn> <" DATA "> .\n"
    "<" CKPT "> <" TYPE "> <" USER "Model> .\n";

static void on_triple(void *ctx, raptor_statement *st)
{
  pv_buf b = {0};
  ck_assert_uint_gt(pv_enc_statement(&b, st), 0);
  pv_term t[3];
  pv_dec_triple(b.p, t);
  if (pv_facts_wanted(t)) ck_assert_int_eq(pv_facts_add(ctx, t), 0);
  pv_buf_free(&b);
}

static pv_facts *load(const char *nt)
{
  pv_facts *f = pv_facts_new();
  raptor_world *w = raptor_new_world();
  raptor_parser *p = raptor_new_parser(w, "ntriples");
  raptor_parser_set_statement_handler(p, f, on_triple);
  raptor_uri *base = raptor_new_uri(w, (const unsigned char *)"file:///base");
  ck_assert_int_eq(raptor_parser_parse_start(p, base), 0);
  ck_assert_int_eq(raptor_parser_parse_chunk(p, (const unsigned char *)nt, strlen(nt), 1), 0);
  raptor_free_uri(base);
  raptor_free_parser(p);
  raptor_free_world(w);
  return f;
}

static void derive(pv_facts *f, out *o)
{
  o->n = 0;
  ck_assert_int_eq(pv_facts_derive(f, collect, o), 0);
}

static void check_domain(const out *o)
{
  /* the configuration current at 03 (written at 01), not the one of 08 */
  ck_assert(has(o, TRAIN, PROV "used", EDIT "/thread/20/version/1"));
  ck_assert(!has(o, TRAIN, PROV "used", EDIT "/thread/20/version/2"));
  ck_assert(has(o, TRAIN, PROV "qualifiedUsage", TRAIN "/thread/10/configfile/1/usage"));
  ck_assert(has(o, TRAIN "/thread/10/configfile/1/usage", PROV "entity", EDIT "/thread/20/version/1"));
  ck_assert(has(o, TRAIN, PROV "wasInformedBy", EDIT));
  /* what TRAIN writes after it derives from its configuration */
  ck_assert(has(o, TRAIN "/thread/10/version/1", PROV "wasDerivedFrom", EDIT "/thread/20/version/1"));
  /* each mark names the version written before it, with its step */
  ck_assert(has(o, TRAIN "/thread/10/version/1", TYPE, PIO "Checkpoint"));
  ck_assert(has(o, TRAIN "/thread/10/version/1", PIO "step", "1"));
  ck_assert(!has(o, TRAIN "/thread/10/version/1", PIO "step", "2"));
  ck_assert(has(o, TRAIN "/thread/10/version/1", PIO "checkpointOf", TRAIN));
  ck_assert(has(o, TRAIN "/thread/10/version/2", PIO "step", "2"));
  ck_assert(!has(o, TRAIN "/thread/10/version/2", PIO "step", "1"));
  ck_assert(!has(o, EDIT "/thread/20/version/1", TYPE, PIO "Checkpoint"));
  /* RDFS up the declared chains */
  ck_assert(has(o, CKPT, USER "usedData", DATA));
  ck_assert(has(o, CKPT, PROV "wasDerivedFrom", DATA));
  ck_assert(has(o, CKPT, TYPE, PROV "Entity"));
}

START_TEST(domain_records_derive_as_the_contract_says)
{
  pv_facts *f = load(fixture);
  out *o = malloc(sizeof *o);
  derive(f, o);
  check_domain(o);
  free(o);
  pv_facts_free(f);
}
END_TEST

START_TEST(saved_table_derives_the_same)
{
  pv_facts *f = load(fixture);
  char *buf = NULL;
  size_t n = 0;
  FILE *mem = open_memstream(&buf, &n);
  ck_assert_int_eq(pv_facts_write(f, mem), 0);
  fclose(mem);
  pv_facts_free(f);
  pv_facts *g = pv_facts_new();
  FILE *in = fmemopen(buf, n, "rb");
  ck_assert_int_eq(pv_facts_read(g, in), 0);
  ck_assert_int_eq(fgetc(in), EOF);
  fclose(in);
  out *o = malloc(sizeof *o);
  derive(g, o);
  check_domain(o);
  free(o);
  free(buf);
  pv_facts_free(g);
}
END_TEST

/* A mark without a version of its process (another process wrote the
 * file, or the write was not seen) marks nothing; a declaration cycle
 * ends. */
START_TEST(unresolvable_marks_and_cycles_stay_quiet)
{
  static const char nt[] =
      "<" TRAIN "> <" PIO "host> \"h\" .\n"
      "<" TRAIN "> <" PIO "pid> " L(10) " .\n"
      "<" TRAIN "> <" PROV "startedAtTime> " T(02) " .\n"
      MARK(1, 05, 1)
      "<" USER "a> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <" USER "b> .\n"
      "<" USER "b> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <" USER "a> .\n"
      "<" CKPT "> <" USER "a> <" DATA "> .\n";
  pv_facts *f = load(nt);
  out *o = malloc(sizeof *o);
  derive(f, o);
  for (int i = 0; i < o->n; i++) ck_assert_msg(!strstr(o->line[i], PIO "Checkpoint"), "%s", o->line[i]);
  ck_assert(has(o, CKPT, USER "b", DATA));
  free(o);
  pv_facts_free(f);
}
END_TEST

/* A mark on a path no version has (the file was renamed to it unseen)
 * finds the version its process wrote by the file's identity on its host. */
START_TEST(a_renamed_checkpoint_is_found_by_its_file_id)
{
  static const char nt[] =
      "<" TRAIN "> <" PIO "host> \"h\" .\n"
      "<" TRAIN "> <" PIO "pid> " L(10) " .\n"
      "<" TRAIN "> <" PROV "startedAtTime> " T(02) " .\n"
      SESSION(TRAIN "/thread/10/access/1", TRAIN, "file:///run/tmp.pt", 04, TRAIN "/thread/10/version/1")
      "<" TRAIN "/thread/10/access/1> <" PIO "fileId> \"5:6\" .\n"
      "<" TRAIN "> <" PIO "checkpoint> <" TRAIN "/thread/10/checkpoint/1> .\n"
      "<" TRAIN "/thread/10/checkpoint/1> <" TYPE "> <" PIO "CheckpointMark> .\n"
      "<" TRAIN "/thread/10/checkpoint/1> <" PIO "file> <" CKPT "> .\n"
      "<" TRAIN "/thread/10/checkpoint/1> <" PIO "fileId> \"5:6\" .\n"
      "<" TRAIN "/thread/10/checkpoint/1> <" PIO "step> " L(7) " .\n"
      "<" TRAIN "/thread/10/checkpoint/1> <" PROV "atTime> " T(05) " .\n";
  pv_facts *f = load(nt);
  out *o = malloc(sizeof *o);
  derive(f, o);
  ck_assert(has(o, TRAIN "/thread/10/version/1", TYPE, PIO "Checkpoint"));
  ck_assert(has(o, TRAIN "/thread/10/version/1", PIO "step", "7"));
  free(o);
  pv_facts_free(f);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("merge_domain");
  TCase *c = tcase_create("domain");
  tcase_add_test(c, domain_records_derive_as_the_contract_says);
  tcase_add_test(c, saved_table_derives_the_same);
  tcase_add_test(c, unresolvable_marks_and_cycles_stay_quiet);
  tcase_add_test(c, a_renamed_checkpoint_is_found_by_its_file_id);
  suite_add_tcase(s, c);
  return s;
}
