/* bench/hw.c: interrupt-file operations per second through the public API.
 * One "op" is one seteipnum + one topei read + one claim on the same file
 * (aia_file_set_pending, aia_file_topei READ, aia_file_topei WRITE), the
 * path a device MSI and the guest's handler take. Every identity is enabled
 * and delivery is on, so each op raises and lowers the file's line and the
 * platform schedules the line_to_hart update; the clock advances every 256
 * ops so those events run too (that cost is included).
 * Identities are drawn uniformly from 1..N ("spread").
 * Prints one line per N (63 and 2047):
 *   bench=hw ids=63 ops_per_s=... ns_per_op=... pattern=spread delivery=1 ops=... check=...
 * With --all, also: pattern=top (always identity N, the worst case for a
 * scan from identity 1) and delivery=0 (line never changes: no FILE_LINE
 * records and no line_to_hart events, so only the file and the MSI_LANDED /
 * EIP_CLEAR records are timed).
 * `check` is a sum of the values read; it is the same on every run.
 * Public API only (bench targets see include/ only): the raw aia__ifile core
 * is exercised by tests/unit/test_hw_random.c, not timed here.
 * Usage: bench_hw [ops-per-size] [--all]   (default 4000000) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aiasim/aiasim.h"
#include "aiasim/hw.h"

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int rc)
{
  fprintf(stderr, "bench_hw: %s: %s\n", what, aia_status_name(rc));
  exit(3);
}

static void run(uint32_t ids, int top, uint32_t delivery, uint64_t ops)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_sim *sim;
  aia_platform *p;
  aia_rng g;
  uint32_t *iids;
  uint64_t check = 0, old;
  const uint32_t nbuf = 4096;
  int rc;

  aia_sim_config_init(&sc);
  if ((rc = aia_sim_create(&sc, &sim)) != AIA_OK)
    die("aia_sim_create", rc);
  aia_platform_config_init(&pc);
  pc.harts = 1;
  pc.geilen = 1;
  pc.ids = ids;
  if ((rc = aia_platform_create(sim, &pc, &p)) != AIA_OK)
    die("aia_platform_create", rc);
  for (uint32_t k = 0; k < 64; k += 2)
    if ((rc = aia_file_ireg(p, 0, 1, AIA_ISEL_EIE0 + k, AIA_CSR_WRITE, UINT64_MAX, NULL)) != AIA_OK)
      die("eie", rc);
  if ((rc = aia_file_ireg(p, 0, 1, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, delivery, NULL)) != AIA_OK)
    die("eidelivery", rc);

  /* Identities drawn before timing, so the PRNG is not in the loop. */
  iids = malloc(nbuf * sizeof *iids);
  if (iids == NULL)
    die("malloc", AIA_ENOMEM);
  aia_rng_seed(&g, 1, ids);
  for (uint32_t i = 0; i < nbuf; i++)
    iids[i] = top ? ids : 1u + (uint32_t)aia_rng_below(&g, ids);

  double t0 = now_s();
  for (uint64_t i = 0; i < ops; i++) {
    aia_file_set_pending(p, 0, 1, iids[i & (nbuf - 1)], i);
    aia_file_topei(p, 0, 1, AIA_CSR_READ, &old);
    check += old;
    aia_file_topei(p, 0, 1, AIA_CSR_WRITE, &old);
    check += old >> 16;
    if ((i & 255) == 255)
      aia_sim_run_until(sim, aia_sim_now(sim) + 100);
  }
  double dt = now_s() - t0;

  printf("bench=hw ids=%" PRIu32 " ops_per_s=%.0f ns_per_op=%.1f pattern=%s delivery=%" PRIu32
         " ops=%" PRIu64 " check=%" PRIu64 "\n",
         ids, (double)ops / dt, dt * 1e9 / (double)ops, top ? "top" : "spread", delivery, ops,
         check);
  free(iids);
  aia_sim_destroy(sim);
}

int main(int argc, char **argv)
{
  uint64_t ops = 4000000u;
  int all = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--all") == 0)
      all = 1;
    else
      ops = strtoull(argv[i], NULL, 10);
  }
  if (ops == 0)
    ops = 1;
  run(63, 0, 1, ops);
  run(2047, 0, 1, ops);
  if (all) {
    run(63, 1, 1, ops);
    run(2047, 1, 1, ops);
    run(63, 0, 0, ops);
    run(2047, 0, 0, ops);
  }
  return 0;
}
