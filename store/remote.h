/* remote.h - a SPARQL 1.1 server as the store (docs/server-store.md).
 *
 * A store argument that is an http(s) URL names a server's SPARQL query
 * endpoint.  Reads go to it unauthenticated; updates (SPARQL Update and the
 * Graph Store HTTP Protocol) with HTTP digest credentials read only from the
 * file PROVIO_STORE_AUTH names.  Every job's records live in one named graph;
 * the graphs published so far are listed in PV_REMOTE_REGISTRY, and every
 * read names them as its dataset, so a staging graph (a load under way, or
 * one killed) is never seen. */
#ifndef PROVIO_STORE_REMOTE_H
#define PROVIO_STORE_REMOTE_H

#include <librdf.h>
#include <stddef.h>

#define PV_REMOTE_REGISTRY "urn:provio:graphs"
#define PV_REMOTE_GRAPH_CLASS "https://w3id.org/provio/ns#JobGraph"
#define PV_REMOTE_AUTH_ENV "PROVIO_STORE_AUTH"

/* Statuses; prov-merge and prov-query exit with these numbers. */
enum pv_remote_status {
  PV_REMOTE_OK = 0,
  PV_REMOTE_BAD_QUERY = 5,    /* the server rejected the query text */
  PV_REMOTE_REFUSED = 10,     /* the server refused the credentials (HTTP 401, 403) */
  PV_REMOTE_UNREACHABLE = 11, /* no connection to the server */
  PV_REMOTE_SERVER = 12,      /* the server failed, or answered what we cannot read */
  PV_REMOTE_AUTH_FILE = 13,   /* no usable credentials file (unset, unreadable, not 0600, not ours) */
};

typedef struct pv_text {
  char *p;
  size_t n, cap;
} pv_text;

typedef struct pv_remote {
  char *endpoint;      /* the query endpoint */
  char *update;        /* SPARQL Update endpoint (authenticated) */
  char *graph_store;   /* Graph Store HTTP Protocol endpoint (authenticated) */
  char *user, *password;
  void *curl;
  int virtuoso;        /* the server said it is Virtuoso (Server: header) */
  char content_type[128]; /* of the last answer */
  long http_status;       /* of the last answer */
  char **dataset;      /* published graphs, as IRIs; NULL until loaded */
  size_t ndataset;
} pv_remote;

/* Whether a store argument names a server. */
int pv_remote_is_url(const char *store);

/* Connects (for_update: reads the credentials file too) and loads the
 * list of published graphs.  Returns a status, err filled on failure. */
int pv_remote_open(pv_remote *r, const char *endpoint, int for_update, char *err, size_t errlen);
void pv_remote_close(pv_remote *r);

/* Reads the list of published graphs again; *changed: it is not the one
 * the reads so far named (a merge published meanwhile, and may have
 * dropped a graph those reads used: a reader runs again, as prov-query
 * does).  Returns a status. */
int pv_remote_reread(pv_remote *r, int *changed, char *err, size_t errlen);

/* Leaves graph out of the dataset later reads name (a merge reads what
 * other jobs hold, not the previous load of its own). */
void pv_remote_exclude(pv_remote *r, const char *graph);

/* A query over the published graphs; the answer in out (accept: its media
 * type).  No published graph: an empty dataset, never the server's
 * default one. */
int pv_remote_query(pv_remote *r, const char *query, const char *accept, pv_text *out, char *err,
                    size_t errlen);

/* A CONSTRUCT whose triples are added to model. */
int pv_remote_construct(pv_remote *r, const char *query, librdf_world *world, librdf_model *model, char *err,
                        size_t errlen);

/* The same, each triple handed to each (nonzero: stop, out of memory). */
int pv_remote_construct_each(pv_remote *r, const char *query, librdf_world *world,
                             int (*each)(void *ctx, librdf_statement *st), void *ctx, char *err, size_t errlen);

/* One SPARQL Update request (authenticated). */
int pv_remote_update(pv_remote *r, const char *update, char *err, size_t errlen);

/* Adds N-Triples to a graph through the Graph Store Protocol (POST). */
int pv_remote_post_graph(pv_remote *r, const char *graph, const char *data, size_t n, char *err, size_t errlen);

/* Query text from user input: an IRI as <...> (characters SPARQL does not
 * allow there as \u escapes), a string as "..." with every quote,
 * backslash and control character escaped.  Appended to t; 0 or -1 (no
 * memory). */
int pv_sparql_iri(pv_text *t, const char *iri);
int pv_sparql_string(pv_text *t, const char *s, size_t n);
int pv_text_add(pv_text *t, const char *s, size_t n);
int pv_text_str(pv_text *t, const char *s);

/* Servers normalise xsd:dateTime lexical forms (Virtuoso drops trailing
 * zeros of the fraction: "...01.500000Z" comes back "...01.5Z"); provio
 * writes UTC with six digits.  Rewrites lex (n bytes) into out that way
 * and returns the new length, or 0 if lex is no such UTC time. */
size_t pv_datetime_canonical(const char *lex, size_t n, char out[32]);

/* The same for every xsd:dateTime literal of N-Triples text (t->p may be
 * replaced).  0, or -1 out of memory. */
int pv_ntriples_canonical(pv_text *t);

void pv_text_free(pv_text *t);

#endif
