/* query_mkstore STORE FILE.nt... - builds a store from N-Triples fixtures as
 * they are (no merge), for the prov-query end-to-end tests. */
#include <stdio.h>

#include "query_load.h"

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: query_mkstore STORE FILE.nt...\n");
    return 2;
  }
  char err[1024];
  pv_store s;
  if (pv_store_create(&s, argv[1], err, sizeof err) != PV_STORE_OK) {
    fprintf(stderr, "query_mkstore: %s\n", err);
    return 1;
  }
  int rc = 0;
  for (int i = 2; i < argc && !rc; i++)
    if (pv_query_load(&s, argv[i], err, sizeof err) < 0) {
      fprintf(stderr, "query_mkstore: %s\n", err);
      rc = 1;
    }
  pv_store_close(&s);
  return rc;
}
