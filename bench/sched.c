/* bench/sched.c: host scheduler throughput. 64 harts, 1,024 noise threads
 * with short busy periods (oversubscription 16:1), default host timings;
 * reports context switches per second of wall time.
 * Usage: bench_sched [sim-cycles] [seed]   (defaults 200000000 = 200 ms, 1)
 * Prints one line, e.g.
 *   bench=sched harts=64 threads=1024 ... switches_per_s=... seed=1 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aiasim/aiasim.h"
#include "aiasim/host.h"

#define HARTS 64u
#define THREADS 1024u
#define BUSY 20000u  /* 20 us of CPU per period */
#define IDLE 60000u  /* 60 us asleep between periods */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
  aia_cycle cycles = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000000ull;
  uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_noise_config nc;
  aia_host_stats st = { .struct_size = sizeof st };
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  double t0, t1;
  int rc;

  aia_sim_config_init(&sc);
  sc.seed = seed;
  aia_platform_config_init(&pc);
  pc.harts = HARTS;
  aia_host_config_init(&hc);
  if (aia_sim_create(&sc, &sim) != AIA_OK || aia_platform_create(sim, &pc, &plat) != AIA_OK ||
      aia_host_create(sim, plat, &hc, &host) != AIA_OK) {
    fprintf(stderr, "bench_sched: setup failed\n");
    return 1;
  }
  for (uint32_t i = 0; i < THREADS; i++) {
    aia_thread *t;
    aia_noise_config_init(&nc);
    nc.busy = BUSY;
    nc.idle = IDLE;
    nc.dist = AIA_NOISE_EXP;
    nc.start = i * 97u % IDLE;
    nc.hart = i % HARTS;
    if (aia_noise_create(host, &nc, &t) != AIA_OK) {
      fprintf(stderr, "bench_sched: noise thread %u: %s\n", i, aia_sim_errmsg(sim));
      return 1;
    }
  }
  t0 = now_s();
  rc = aia_sim_run_until(sim, cycles);
  t1 = now_s();
  if (rc != AIA_OK || aia_host_get_stats(host, &st) != AIA_OK) {
    fprintf(stderr, "bench_sched: run failed: %s\n", aia_sim_errmsg(sim));
    return 1;
  }
  double wall = t1 - t0;
  printf("bench=sched harts=%u threads=%u busy=%u idle=%u dist=exp sim_cycles=%" PRIu64
         " ctx_switches=%" PRIu64 " preemptions=%" PRIu64 " migrations=%" PRIu64
         " resched_ipis=%" PRIu64 " steps=%" PRIu64 " wall_s=%.3f switches_per_s=%.0f"
         " steps_per_s=%.0f sim_over_wall=%.3f seed=%" PRIu64 "\n",
         HARTS, THREADS, BUSY, IDLE, (uint64_t)cycles, st.ctx_switches, st.preemptions,
         st.migrations, st.resched_ipis, aia_sim_steps(sim), wall,
         (double)st.ctx_switches / wall, (double)aia_sim_steps(sim) / wall,
         (double)cycles / (double)aia_sim_clock_hz(sim) / wall, seed);
  aia_sim_destroy(sim);
  return 0;
}
