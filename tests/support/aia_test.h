/* tests/support/aia_test.h: shared helpers for the CMocka suites. */
#ifndef AIA_TEST_H
#define AIA_TEST_H

#include <stdarg.h> /* cmocka 1.1.5 needs these before <cmocka.h> */
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "aiasim/aiasim.h"

/* cmocka prints a failed -2 as 0xfffffffffffffffe; print the status name. */
#define assert_aia_ok(sim, expr)                                                \
  do {                                                                          \
    int aia_rc_ = (expr);                                                       \
    if (aia_rc_ != AIA_OK)                                                      \
      fail_msg("%s -> %s (%s)", #expr, aia_status_name(aia_rc_),                \
               (sim) ? aia_sim_errmsg(sim) : "no sim");                         \
  } while (0)

#define assert_aia_status(expr, want)                                           \
  do {                                                                          \
    int aia_rc_ = (expr);                                                       \
    if (aia_rc_ != (want))                                                      \
      fail_msg("%s -> %s, expected %s", #expr, aia_status_name(aia_rc_),        \
               aia_status_name(want));                                          \
  } while (0)

/* A sim with the given seed; fails the test on error. */
static inline aia_sim *aia_test_sim(uint64_t seed)
{
  aia_sim_config cfg;
  aia_sim *sim = NULL;
  aia_sim_config_init(&cfg);
  cfg.seed = seed;
  if (aia_sim_create(&cfg, &sim) != AIA_OK)
    fail_msg("aia_sim_create failed");
  return sim;
}

/* Runs the group; "-f PATTERN" on the command line filters tests by name. */
#define AIA_TEST_MAIN(group)                                                    \
  int main(int argc, char **argv)                                               \
  {                                                                             \
    for (int i = 1; i + 1 < argc; i++)                                          \
      if (argv[i][0] == '-' && argv[i][1] == 'f' && argv[i][2] == '\0')         \
        cmocka_set_test_filter(argv[i + 1]);                                    \
    return cmocka_run_group_tests(group, NULL, NULL);                           \
  }

#endif /* AIA_TEST_H */
