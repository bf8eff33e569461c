/* nt_parse.h - an independent check of our output: raptor's N-Triples
 * parser, with every error it reports counted (its parse calls alone return
 * success even when they skip lines). */
#ifndef PROVIO_TEST_NT_PARSE_H
#define PROVIO_TEST_NT_PARSE_H

#include <stddef.h>

typedef struct nt_result {
  long triples;
  long errors;
  /* first triple's subject IRI and object (IRI or literal value), raw bytes */
  char subject[16384];
  size_t subject_len;
  char object[16384];
  size_t object_len;
} nt_result;

/* Parses n bytes of N-Triples; fills r. */
void nt_parse(const char *buf, size_t n, nt_result *r);

/* Every triple of a document, for tests that check a record's shape:
 * IRIs without brackets, literals as their value (datatype apart, NULL
 * when plain), each NUL-terminated. */
typedef struct nt_triple {
  char *s, *p, *o;
  char *datatype;
  int o_is_iri;
} nt_triple;
typedef struct nt_graph {
  nt_triple *t;
  long n, cap;
  long errors;
} nt_graph;

nt_graph *nt_parse_graph(const char *buf, size_t n);
void nt_graph_free(nt_graph *g);
/* The i-th (from 0) triple with subject s and predicate p (either NULL:
 * any), or NULL. */
const nt_triple *nt_find(const nt_graph *g, const char *s, const char *p, int i);

/* Reads a whole file into a malloc'd buffer (NUL-terminated); *n its size. */
char *read_file(const char *path, size_t *n);

/* A fresh private directory under /dev/shm (or /tmp); caller frees the
 * name. It and everything in it are removed when the process exits. */
char *make_temp_dir(void);

/* Removes a directory tree (not following symbolic links). */
void remove_tree(const char *dir);

#endif
