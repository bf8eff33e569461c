/* query_load.c - N-Triples into a store as they are, with no merging: how
 * the query tests and benchmarks build the stores they ask about. */
#include "query_load.h"

#include <stdio.h>

struct parse_errors {
  long count;
  char first[512];
};

/* raptor skips a bad line and its parse call still succeeds: errors are
 * only seen here. */
static int count_error(void *data, librdf_log_message *m)
{
  struct parse_errors *e = data;
  if (librdf_log_message_level(m) < LIBRDF_LOG_ERROR) return 1;
  if (!e->count++) {
    raptor_locator *loc = librdf_log_message_locator(m);
    snprintf(e->first, sizeof e->first, "line %d: %s", loc ? loc->line : -1,
             librdf_log_message_message(m));
  }
  return 1;
}

long pv_query_load(pv_store *s, const char *path, char *err, size_t errlen)
{
  struct parse_errors e = {0, ""};
  pv_store_set_log_handler(&e, count_error);
  librdf_parser *p = librdf_new_parser(s->world, "ntriples", NULL, NULL);
  librdf_uri *uri = librdf_new_uri_from_filename(s->world, path);
  librdf_stream *st = p && uri ? librdf_parser_parse_as_stream(p, uri, NULL) : NULL;
  long n = 0;
  for (; st && !librdf_stream_end(st); librdf_stream_next(st))
    if (librdf_model_add_statement(s->model, librdf_stream_get_object(st)) == 0) n++;
  if (st) librdf_free_stream(st);
  if (uri) librdf_free_uri(uri);
  if (p) librdf_free_parser(p);
  pv_store_set_log_handler(NULL, NULL);
  if (!st || e.count) {
    snprintf(err, errlen, "%s: %s", path, e.count ? e.first : "cannot parse");
    return -1;
  }
  return n;
}
