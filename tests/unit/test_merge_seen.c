/* The set of triples a store holds: exact membership through growth and
 * removal, the derived-only mark, and saving and reading it back. */
#include <check.h>
#include <stdio.h>

#include "seen.h"

static pv_hash h(long i)
{
  char key[32];
  int n = snprintf(key, sizeof key, "triple %ld", i);
  return pv_hash_bytes(key, (size_t)n);
}

START_TEST(membership_survives_growth_and_removal)
{
  pv_seen *s = pv_seen_new(16);
  for (long i = 0; i < 200000; i++) ck_assert_int_eq(pv_seen_add(s, h(i), i % 3 == 0), 1);
  for (long i = 0; i < 200000; i++) ck_assert_int_eq(pv_seen_add(s, h(i), 1), 0);
  ck_assert_int_eq(pv_seen_count(s), 200000);
  for (long i = 0; i < 200000; i += 2) pv_seen_remove(s, h(i));
  ck_assert_int_eq(pv_seen_count(s), 100000);
  for (long i = 0; i < 200000; i++) {
    int want = i % 2 ? (i % 3 == 0 ? PV_SEEN_DERIVED : PV_SEEN_RECORDED) : PV_SEEN_NO;
    ck_assert_int_eq(pv_seen_state(s, h(i)), want);
  }
  pv_seen_free(s);
}
END_TEST

START_TEST(recorded_wins_over_derived)
{
  pv_seen *s = pv_seen_new(16);
  ck_assert_int_eq(pv_seen_add(s, h(1), 1), 1);
  ck_assert_int_eq(pv_seen_state(s, h(1)), PV_SEEN_DERIVED);
  ck_assert_int_eq(pv_seen_add(s, h(1), 0), 0);
  ck_assert_int_eq(pv_seen_state(s, h(1)), PV_SEEN_RECORDED);
  ck_assert_int_eq(pv_seen_add(s, h(1), 1), 0);
  ck_assert_int_eq(pv_seen_state(s, h(1)), PV_SEEN_RECORDED);
  pv_seen_free(s);
}
END_TEST

START_TEST(saved_and_read_back)
{
  pv_seen *s = pv_seen_new(16);
  for (long i = 0; i < 5000; i++) pv_seen_add(s, h(i), i % 2);
  FILE *f = tmpfile();
  ck_assert_int_eq(pv_seen_write(s, f), 0);
  rewind(f);
  pv_seen *t = pv_seen_new(16);
  ck_assert_int_eq(pv_seen_read(t, f, pv_seen_count(s)), 0);
  fclose(f);
  ck_assert_int_eq(pv_seen_count(t), 5000);
  for (long i = 0; i < 5000; i++) ck_assert_int_eq(pv_seen_state(t, h(i)), i % 2 ? PV_SEEN_DERIVED : PV_SEEN_RECORDED);
  ck_assert_int_eq(pv_seen_state(t, h(5000)), PV_SEEN_NO);
  pv_seen_free(s);
  pv_seen_free(t);
}
END_TEST

Suite *make_suite(void)
{
  Suite *s = suite_create("merge_seen");
  TCase *c = tcase_create("seen");
  tcase_add_test(c, membership_survives_growth_and_removal);
  tcase_add_test(c, recorded_wins_over_derived);
  tcase_add_test(c, saved_and_read_back);
  suite_add_tcase(s, c);
  return s;
}
