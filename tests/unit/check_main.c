/* check_main.c - the one main() of every unit-test program: each test file
 * provides make_suite(). */
#include <check.h>
#include <stdlib.h>

Suite *make_suite(void);

int main(void)
{
  /* Check kills a test after 4 s by default: a limit on wall time that a
   * loaded CI machine breaks while nothing is wrong (merge_lines took 6 s
   * at load 12).  Hangs are still caught, by this and by ctest's timeout.
   * Set before the suite is made, since tcase_create reads it. */
  setenv("CK_DEFAULT_TIMEOUT", "60", 0);
  SRunner *sr = srunner_create(make_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
