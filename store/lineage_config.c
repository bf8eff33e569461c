/* lineage_config.c - the settings behind a result: what the processes in
 * its lineage recorded through provio_annotate(). */
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "query_output.h"

int pv_query_config(pv_store *s, const char *target, enum pv_format fmt, FILE *out, char *err,
                    size_t errlen)
{
  pv_q q;
  pv_q_init(&q, s);
  librdf_node *node;
  int rc = pv_lineage_resolve(&q, target, &node, err, errlen);
  if (rc != PV_EXIT_OK) {
    pv_q_free(&q);
    return rc;
  }
  pv_lineage l;
  pv_lineage_walk(&q, node, &(pv_walk){PV_BACKWARD, -1, 0}, &l);
  static const char *const cols[] = {"level", "process", "command", "key", "value"};
  pv_table t;
  pv_table_init(&t, 5, cols);
  for (size_t i = 0; i < l.n; i++) {
    if (l.nodes[i].kind != PV_K_PROCESS) continue;
    librdf_node *p = l.nodes[i].node;
    char *cmd = pv_q_string(&q, p, PV_T_COMMAND_LINE);
    librdf_iterator *it = pv_q_targets(&q, p, PV_T_SETTING);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
      librdf_node *setting = librdf_iterator_get_object(it);
      char *key = pv_q_string(&q, setting, PV_T_KEY), *value = pv_q_string(&q, setting, PV_T_VALUE);
      pv_cell *row = pv_table_row(&t);
      pv_cell_long(&row[0], l.nodes[i].level);
      pv_cell_iri(&row[1], l.nodes[i].key);
      pv_cell_string(&row[2], cmd);
      pv_cell_string(&row[3], key);
      pv_cell_string(&row[4], value);
      free(key);
      free(value);
    }
    if (it) librdf_free_iterator(it);
    free(cmd);
  }
  rc = pv_table_print(&t, fmt, out);
  if (rc != PV_EXIT_OK) snprintf(err, errlen, "cannot write the output");
  pv_table_free(&t);
  pv_lineage_free(&l);
  librdf_free_node(node);
  pv_q_free(&q);
  return rc;
}
