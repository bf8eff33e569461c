/* clock_moves_on.h - for test programs whose steps must carry different
 * record times: records keep microseconds, so wait until a millisecond of
 * wall clock has passed (a busy wait: no sleep, no scheduling in between). */
#ifndef CLOCK_MOVES_ON_H
#define CLOCK_MOVES_ON_H
#include <time.h>

static void clock_moves_on(void)
{
  struct timespec a, b;
  clock_gettime(CLOCK_REALTIME, &a);
  do clock_gettime(CLOCK_REALTIME, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 1000000L);
}
#endif
