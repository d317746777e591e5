/* bench/explore.c: how fast the explorer runs schedules.
 *
 *   bench_explore [FILE] [DEPTH]
 *
 * Explores FILE (default examples/explore/two-vcpus-two-harts.yaml, era C,
 * nokick) to DEPTH (default 2) on 1 and on 2 threads and prints schedules
 * per second. Target: at least 20,000 per second per core on 2-hart
 * scenarios. */
#include <stdio.h>
#include <stdlib.h>

#include "aiasim/explore.h"
#include "aiasim/scenario.h"

int main(int argc, char **argv)
{
  const char *file = argc > 1 ? argv[1] : "examples/explore/two-vcpus-two-harts.yaml";
  unsigned depth = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
  aia_scenario *scn = NULL;
  aia_diag d;
  size_t n = 0;
  if (aia_scenario_load_file(file, NULL, 0, &scn, &d, 1, &n) != AIA_OK) {
    fprintf(stderr, "bench_explore: cannot load %s\n", file);
    return 2;
  }
  for (unsigned jobs = 1; jobs <= 2; jobs++) {
    aia_explore_config cfg;
    aia_explore_report r;
    char err[256];
    aia_explore_config_init(&cfg);
    cfg.depth = depth;
    cfg.jobs = jobs;
    if (aia_explore(scn, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err) != AIA_OK) {
      fprintf(stderr, "bench_explore: %s\n", err);
      return 2;
    }
    printf("bench=explore file=%s depth=%u jobs=%u schedules=%llu states=%llu seconds=%.3f "
           "schedules_per_s=%.0f per_core=%.0f\n",
           file, depth, jobs, (unsigned long long)r.runs, (unsigned long long)r.states, r.seconds,
           (double)r.runs / r.seconds, (double)r.runs / r.seconds / jobs);
    aia_explore_report_free(&r);
  }
  aia_scenario_destroy(scn);
  return 0;
}
