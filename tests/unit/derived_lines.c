/* derived_lines.c - see derived_lines.h. */
#include "derived_lines.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

int collect(void *ctx, const pv_term t[3])
{
  out *o = ctx;
  ck_assert_int_lt(o->n, 256);
  snprintf(o->line[o->n], sizeof o->line[0], "%.*s %.*s %.*s", (int)t[0].n, t[0].s, (int)t[1].n, t[1].s,
           (int)t[2].n, t[2].s);
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->line[i], o->line[o->n]) == 0) return 0; /* two rules, one triple */
  o->n++;
  return 0;
}

int has(const out *o, const char *s, const char *p, const char *obj)
{
  char want[600];
  snprintf(want, sizeof want, "%s %s %s", s, p, obj);
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->line[i], want) == 0) return 1;
  return 0;
}
