/* Output: tables of RDF terms in every format, and the escaping that keeps
 * any byte a name may hold from breaking a line, a CSV field or JSON. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"
#include "query_output.h"

static char *print(const pv_table *t, enum pv_format fmt)
{
  captured c;
  ck_assert_int_eq(pv_table_print(t, fmt, capture_begin(&c)), PV_EXIT_OK);
  return capture_end(&c);
}

static void sample(pv_table *t)
{
  static const char *const cols[] = {"name", "bytes"};
  pv_table_init(t, 2, cols);
  pv_cell *r = pv_table_row(t);
  pv_cell_string(&r[0], "caf\xc3\xa9,\t\"x\"\n\x01");
  pv_cell_long(&r[1], 6000000000000LL);
  r = pv_table_row(t);
  pv_cell_iri(&r[0], "https://w3id.org/provio/ns#File");
  r = pv_table_row(t);
  pv_cell_set(&r[0], PV_CELL_LITERAL, "bad \xff utf-8", NULL, "en");
  pv_cell_seconds(&r[1], 1500000);
}

START_TEST(tsv_and_csv)
{
  pv_table t;
  sample(&t);
  char *s = print(&t, PV_FMT_TSV);
  /* W3C SPARQL 1.1 TSV: ?names, terms as in Turtle, numbers bare */
  ck_assert_str_eq(s, "?name\t?bytes\n\"caf\xc3\xa9,\\t\\\"x\\\"\\n\\u0001\"\t6000000000000\n"
                      "<https://w3id.org/provio/ns#File>\t\n\"bad \\uFFFD utf-8\"@en\t0.001500\n");
  free(s);
  s = print(&t, PV_FMT_CSV);
  ck_assert_str_eq(s, "name,bytes\r\n\"caf\xc3\xa9,\t\"\"x\"\"\n\x01\",6000000000000\r\n"
                      "https://w3id.org/provio/ns#File,\r\nbad \xff utf-8,0.001500\r\n");
  free(s);
  pv_table_free(&t);
}
END_TEST

START_TEST(json_is_w3c_sparql_results)
{
  pv_table t;
  sample(&t);
  char *s = print(&t, PV_FMT_JSON);
  ck_assert_str_eq(s, "{\"head\":{\"vars\":[\"name\",\"bytes\"]},\"results\":{\"bindings\":[\n"
                      "{\"name\":{\"type\":\"literal\",\"value\":\"caf\xc3\xa9,\\t\\\"x\\\"\\n\\u0001\"},"
                      "\"bytes\":{\"type\":\"literal\",\"value\":\"6000000000000\",\"datatype\":\"http://www.w3.org/2001/XMLSchema#integer\"}},\n"
                      "{\"name\":{\"type\":\"uri\",\"value\":\"https://w3id.org/provio/ns#File\"}},\n"
                      "{\"name\":{\"type\":\"literal\",\"value\":\"bad \\ufffd utf-8\",\"xml:lang\":\"en\"},"
                      "\"bytes\":{\"type\":\"literal\",\"value\":\"0.001500\",\"datatype\":\"http://www.w3.org/2001/XMLSchema#decimal\"}}\n"
                      "]}}\n");
  free(s);
  pv_table_free(&t);
}
END_TEST

START_TEST(table_aligns_by_characters)
{
  pv_table t;
  sample(&t);
  char *s = print(&t, PV_FMT_TABLE);
  /* numbers right-aligned, our namespace abbreviated, width counted in
   * characters (the two bytes of an e-acute take one column) */
  ck_assert_str_eq(s, "name                  bytes\n"
                      "--------------------  -------------\n"
                      "caf\xc3\xa9,\\x09\"x\"\\x0A\\x01  6000000000000\n"
                      "provio:File\n"
                      "bad \\xFF utf-8             0.001500\n");
  free(s);
  pv_table_free(&t);
}
END_TEST

START_TEST(tsv_terms_are_turtle)
{
  static const char *const cols[] = {"t"};
  pv_table t;
  pv_table_init(&t, 1, cols);
  const char *x = "http://www.w3.org/2001/XMLSchema#";
  char dt[8][80];
  const char *types[] = {"long", "boolean", "double", "decimal", "string", "integer", "integer", "dateTime"};
  for (int i = 0; i < 8; i++) snprintf(dt[i], sizeof dt[i], "%s%s", x, types[i]);
  const char *values[] = {"007", "true", "1.5e3", "1.", "a\\b", "-12", "1.0", "2026-01-01T00:00:00Z"};
  for (int i = 0; i < 8; i++) pv_cell_set(pv_table_row(&t), PV_CELL_LITERAL, values[i], dt[i], NULL);
  pv_cell_iri(pv_table_row(&t), "urn:a b>c\\d");
  pv_cell_set(pv_table_row(&t), PV_CELL_BNODE, "b0", NULL, NULL);
  char *s = print(&t, PV_FMT_TSV);
  ck_assert_str_eq(s, "?t\n"
                      "\"007\"^^<http://www.w3.org/2001/XMLSchema#long>\n"
                      "true\n1.5e3\n"
                      "\"1.\"^^<http://www.w3.org/2001/XMLSchema#decimal>\n"
                      "\"a\\\\b\"\n-12\n"
                      "\"1.0\"^^<http://www.w3.org/2001/XMLSchema#integer>\n"
                      "\"2026-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>\n"
                      "<urn:a\\u0020b\\u003Ec\\u005Cd>\n"
                      "_:b0\n");
  free(s);
  pv_table_free(&t);
}
END_TEST

static int by_bytes(const pv_cell *a, const pv_cell *b, size_t ncols)
{
  return strcmp(a[1].value, b[1].value);
}

START_TEST(rows_sort_whole)
{
  static const char *const cols[] = {"k", "v"};
  pv_table t;
  pv_table_init(&t, 2, cols);
  const char *data[][2] = {{"c", "3"}, {"a", "1"}, {"b", "2"}};
  for (int i = 0; i < 3; i++) {
    pv_cell *r = pv_table_row(&t);
    pv_cell_string(&r[0], data[i][0]);
    pv_cell_string(&r[1], data[i][1]);
  }
  pv_table_sort(&t, by_bytes);
  char *s = print(&t, PV_FMT_TSV);
  ck_assert_str_eq(s, "?k\t?v\n\"a\"\t\"1\"\n\"b\"\t\"2\"\n\"c\"\t\"3\"\n");
  free(s);
  pv_table_free(&t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("query_output");
  TCase *tc = tcase_create("output");
  tcase_add_test(tc, tsv_and_csv);
  tcase_add_test(tc, tsv_terms_are_turtle);
  tcase_add_test(tc, json_is_w3c_sparql_results);
  tcase_add_test(tc, table_aligns_by_characters);
  tcase_add_test(tc, rows_sort_whole);
  suite_add_tcase(s, tc);
  return s;
}
