/* remote_query.c - prov-query's commands on a server store. */
#include "remote_query.h"

#include <stdlib.h>
#include <string.h>

#include "query_output.h"
#include "vocab.h"

static int exit_of(int status)
{
  return status == PV_REMOTE_OK ? PV_EXIT_OK : status;
}

static void swallow(void *data, raptor_log_message *m) {}

/* A literal as pv_query_sparql shows it: dateTimes back in provio's form. */
static void cell_from_literal(pv_cell *c, rasqal_literal *l)
{
  if (!l) return;
  if (l->type == RASQAL_LITERAL_URI) {
    pv_cell_iri(c, (const char *)raptor_uri_as_string(l->value.uri));
    return;
  }
  if (l->type == RASQAL_LITERAL_BLANK) {
    pv_cell_set(c, PV_CELL_BNODE, (const char *)l->string, NULL, NULL);
    return;
  }
  const char *dt = l->datatype ? (const char *)raptor_uri_as_string(l->datatype) : NULL;
  char canon[32];
  if (dt && strcmp(dt, PV_NS_XSD "dateTime") == 0 &&
      pv_datetime_canonical((const char *)l->string, l->string_len, canon)) {
    pv_cell_set(c, PV_CELL_LITERAL, canon, dt, NULL);
    return;
  }
  pv_cell_set(c, PV_CELL_LITERAL, (const char *)l->string, dt, l->language);
}

static int print_bindings(const pv_text *xml, enum pv_format fmt, FILE *out, char *err, size_t errlen)
{
  rasqal_world *rw = librdf_world_get_rasqal(pv_store_world());
  raptor_world *raw = rasqal_world_get_raptor(rw);
  rasqal_world_set_log_handler(rw, NULL, swallow);
  rasqal_query_results *res = rasqal_new_query_results2(rw, NULL, RASQAL_QUERY_RESULTS_BINDINGS);
  raptor_iostream *in = raptor_new_iostream_from_string(raw, xml->p, xml->n);
  rasqal_query_results_formatter *f = rasqal_new_query_results_formatter(rw, "xml", NULL, NULL);
  raptor_uri *base = raptor_new_uri(raw, (const unsigned char *)"urn:provio:server");
  int rc = PV_EXIT_OK;
  if (!res || !in || !f || !base || rasqal_query_results_formatter_read(rw, in, f, res, base)) {
    snprintf(err, errlen, "the server's SPARQL results do not parse");
    rc = PV_REMOTE_SERVER;
  } else {
    int n = rasqal_query_results_get_bindings_count(res);
    const char **names = calloc(n > 0 ? (size_t)n : 1, sizeof *names);
    for (int i = 0; i < n; i++) names[i] = (const char *)rasqal_query_results_get_binding_name(res, i);
    pv_table t;
    pv_table_init(&t, (size_t)(n > 0 ? n : 0), names);
    free(names);
    for (; !rasqal_query_results_finished(res); rasqal_query_results_next(res)) {
      pv_cell *row = pv_table_row(&t);
      for (int i = 0; i < n; i++) cell_from_literal(&row[i], rasqal_query_results_get_binding_value(res, i));
    }
    rc = pv_table_print(&t, fmt, out);
    pv_table_free(&t);
  }
  if (base) raptor_free_uri(base);
  if (f) rasqal_free_query_results_formatter(f);
  if (in) raptor_free_iostream(in);
  if (res) rasqal_free_query_results(res);
  return rc;
}

/* Virtuoso answers an ASK with one row of one variable, __ASK_RETVAL,
 * 1 or 0, when SPARQL results in XML are asked for. */
#define VIRTUOSO_ASK "<variable name=\"__ASK_RETVAL\"/>"

static int is_boolean(const pv_text *xml)
{
  return xml->p && (strstr(xml->p, "<boolean>") || strstr(xml->p, VIRTUOSO_ASK));
}

/* <boolean>true</boolean> of an ASK answer, or Virtuoso's 1. */
static int print_boolean(const pv_text *xml, enum pv_format fmt, FILE *out)
{
  const char *b = strstr(xml->p, "<boolean>");
  int yes = b ? strncmp(b + 9, "true", 4) == 0 : strstr(xml->p, ">1</literal>") != NULL;
  return pv_print_boolean(yes, fmt, out);
}

/* A CONSTRUCT's triples, through the same serializer as the embedded store's. */
static int print_graph(pv_remote *r, pv_text *nt, FILE *out, char *err, size_t errlen)
{
  pv_store mem;
  if (pv_store_memory(&mem, err, errlen)) return PV_EXIT_ERROR;
  int rc = pv_ntriples_canonical(nt) ? PV_EXIT_ERROR : PV_EXIT_OK;
  librdf_parser *p = librdf_new_parser(mem.world, "ntriples", NULL, NULL);
  librdf_uri *base = librdf_new_uri(mem.world, (const unsigned char *)"urn:provio:server");
  if (!rc && nt->n &&
      (!p || !base || librdf_parser_parse_counted_string_into_model(p, (const unsigned char *)nt->p, nt->n, base, mem.model))) {
    snprintf(err, errlen, "%s: the server's N-Triples do not parse", r->endpoint);
    rc = PV_REMOTE_SERVER;
  }
  if (base) librdf_free_uri(base);
  if (p) librdf_free_parser(p);
  librdf_serializer *ser = rc ? NULL : librdf_new_serializer(mem.world, "ntriples", NULL, NULL);
  if (!rc && (!ser || librdf_serializer_serialize_model_to_file_handle(ser, out, NULL, mem.model) != 0 ||
              fflush(out) != 0 || ferror(out)))
    rc = PV_EXIT_ERROR;
  if (ser) librdf_free_serializer(ser);
  pv_store_close(&mem);
  return rc;
}

int pv_remote_sparql(pv_remote *r, const char *query, enum pv_format fmt, FILE *out, char *err, size_t errlen)
{
  pv_text text = {0}, answer = {0};
  if (pv_text_str(&text, PV_QUERY_PROLOGUE) || pv_text_str(&text, query)) {
    snprintf(err, errlen, "out of memory");
    pv_text_free(&text);
    return PV_EXIT_ERROR;
  }
  *err = 0;
  /* Virtuoso answers 406 to a CONSTRUCT whose Accept lists results
   * first, and results as N-Triples to a SELECT whose Accept lists
   * N-Triples first: results are asked for, then N-Triples. */
  int rc = exit_of(pv_remote_query(r, text.p, "application/sparql-results+xml", &answer, err, errlen));
  if (rc && r->http_status == 406)
    rc = exit_of(pv_remote_query(r, text.p, "application/n-triples", &answer, err, errlen));
  pv_text_free(&text);
  if (rc == PV_EXIT_OK) {
    if (strstr(r->content_type, "sparql-results+xml"))
      rc = is_boolean(&answer) ? print_boolean(&answer, fmt, out)
                                                     : print_bindings(&answer, fmt, out, err, errlen);
    else
      rc = print_graph(r, &answer, out, err, errlen);
  }
  if (rc == PV_EXIT_ERROR && !*err) snprintf(err, errlen, "cannot write the results");
  pv_text_free(&answer);
  return rc;
}

int pv_remote_fetch_all(pv_remote *r, pv_store *mem, char *err, size_t errlen)
{
  if (pv_store_memory(mem, err, errlen)) return PV_EXIT_ERROR;
  return exit_of(pv_remote_construct(r, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", mem->world, mem->model, err,
                                     errlen));
}
