/* lib/host/noise.c: noise threads, the host load that oversubscribes harts.
 * SPDX-License-Identifier: MIT
 *
 * A noise thread alternates a busy period (CPU time: only cycles on a hart
 * count, so a preempted noise thread finishes its period later) and a sleep
 * ended by a timer that wakes it from no hart. It gives the hart up at once
 * when asked to reschedule. Periods are fixed or drawn from its own PRNG
 * stream, so adding a noise thread shifts no other component's draws.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_impl.h"

#define NOISE_STREAM_BASE UINT64_C(0x6e6f697365000000) /* "noise" */

typedef struct noise {
  aia_thread *t;
  aia_host *h;
  aia_cycle busy, idle, until;
  uint32_t dist;
  aia_rng rng;
  aia_cycle left;  /* CPU time left in the busy period; 0 = start a new one */
  aia_cycle since; /* when it last got (or kept) the hart */
  aia__ev busy_ev; /* busy period ends (armed only while on a hart) */
  aia__ev idle_ev; /* sleep ends */
} noise;

void aia_noise_config_init(aia_noise_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->busy = 1000000u;
  cfg->idle = 1000000u;
  cfg->dist = AIA_NOISE_FIXED;
}

static aia_cycle draw(noise *n, aia_cycle mean)
{
  switch (n->dist) {
  case AIA_NOISE_UNIFORM:
    return aia_rng_range(&n->rng, mean / 2, mean + mean / 2);
  case AIA_NOISE_EXP:
    return aia_rng_exponential(&n->rng, mean);
  default:
    return mean;
  }
}

static void arm_busy(noise *n)
{
  n->since = n->h->sim->now;
  aia__host_at(n->h, &n->busy_ev, n->since + n->left, AIA_PH_HART);
}

static void noise_run(void *user, aia_thread *t, uint32_t hart)
{
  noise *n = user;
  (void)t;
  (void)hart;
  if (n->left == 0) {
    n->left = draw(n, n->busy);
    if (n->left == 0)
      n->left = 1;
  }
  arm_busy(n);
}

static void noise_resched(void *user, aia_thread *t, uint32_t hart)
{
  noise *n = user;
  aia_cycle used = n->h->sim->now - n->since;
  bool switched = false;
  (void)hart;
  aia__sim_cancel(n->h->sim, &n->busy_ev);
  /* The end of the period would have run first (phase HART < SCHED). */
  n->left = used < n->left ? n->left - used : 1;
  (void)aia_thread_preempt_point(t, &switched);
  if (!switched)
    arm_busy(n); /* alone on its hart: keeps going */
}

static void busy_fire(aia_sim *sim, aia__ev *ev)
{
  noise *n = AIA__CONTAINER_OF(ev, noise, busy_ev);
  aia_cycle nap;
  bool switched = false;
  n->left = 0;
  (void)aia_thread_set_interruptible(n->t);
  (void)aia_thread_schedule(n->t, &switched);
  if (!switched) { /* cannot happen: nothing wakes it in between */
    noise_run(n, n->t, aia_thread_hart(n->t));
    return;
  }
  nap = draw(n, n->idle);
  if (n->until == 0 || sim->now + nap <= n->until)
    aia__host_at(n->h, &n->idle_ev, sim->now + nap, AIA_PH_HART);
}

static void idle_fire(aia_sim *sim, aia__ev *ev)
{
  noise *n = AIA__CONTAINER_OF(ev, noise, idle_ev);
  (void)sim;
  (void)aia_thread_wake(n->t, AIA_NONE, NULL, NULL);
}

static void noise_free(aia_host *h, void *owned)
{
  noise *n = owned;
  aia__sim_cancel(h->sim, &n->busy_ev);
  aia__sim_cancel(h->sim, &n->idle_ev);
  free(n);
}

int aia_noise_create(aia_host *host, const aia_noise_config *cfg, aia_thread **out)
{
  aia_noise_config c;
  aia_thread_config tc;
  aia_thread_ops ops;
  aia_thread *t;
  noise *n;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (host == NULL || host->magic != AIA__HOST_MAGIC)
    return AIA_EINVAL;
  aia_noise_config_init(&c);
  if (cfg != NULL) {
    if (cfg->struct_size < offsetof(aia_noise_config, idle) + sizeof(aia_cycle))
      return aia__sim_fail(host->sim, AIA_EINVAL, "noise: config struct_size too small");
    memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  }
  if (c.busy == 0)
    return aia__sim_fail(host->sim, AIA_EINVAL, "noise: busy 0: must be at least 1 cycle");
  if (c.dist > AIA_NOISE_EXP)
    return aia__sim_fail(host->sim, AIA_EINVAL, "noise: unknown distribution %u", c.dist);
  if (c.start < host->sim->now)
    return aia__sim_fail(host->sim, AIA_ERANGE, "noise: start %llu is in the past",
                         (unsigned long long)c.start);
  n = calloc(1, sizeof *n);
  if (n == NULL)
    return AIA_ENOMEM;
  aia_thread_config_init(&tc);
  tc.hart = c.hart;
  tc.affinity = c.affinity;
  tc.affinity_harts = c.affinity_harts;
  tc.nice = c.nice;
  aia_thread_ops_init(&ops);
  ops.user = n;
  ops.run = noise_run;
  ops.resched = noise_resched;
  rc = aia_thread_create(host, &tc, &ops, &t);
  if (rc != AIA_OK) {
    free(n);
    return rc;
  }
  t->owned = n; /* released with the thread */
  t->owned_free = noise_free;
  n->t = t;
  n->h = host;
  n->busy = c.busy;
  n->idle = c.idle;
  n->until = c.until;
  n->dist = c.dist;
  aia_sim_rng(host->sim, c.stream ? c.stream : NOISE_STREAM_BASE + t->id, &n->rng);
  aia__ev_init(&n->busy_ev, busy_fire);
  aia__ev_init(&n->idle_ev, idle_fire);
  if (c.until == 0 || c.start <= c.until)
    aia__host_at(host, &n->idle_ev, c.start, AIA_PH_HART);
  *out = t;
  return host->error;
}
