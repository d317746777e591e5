/* bench/calibrate/fork.c: shape (d) of bench_calibrate, where new threads
 * first run, on this machine's kernel and in the model.
 * SPDX-License-Identifier: MIT */
#define _GNU_SOURCE 1
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "calibrate.h"

/* ------------------------------------------------------------ shape d -- */

/* Where a new thread first runs when no CPU is idle: CPU 0 runs `n0`
 * pinned spinners and the thread that makes the new ones (it makes one,
 * waits for it to end, and so on), CPU 1 one pinned spinner. Upstream's
 * fork balance (wake_up_new_task: sched_balance_find_dst_cpu) sends a new
 * thread to the less loaded CPU 1; placed like a wake-up, it would stay on
 * CPU 0 unless a balance moved it before it first ran. 300 ms of warm-up
 * first: the kernel classifies CPUs by their load averages, which take
 * some 100 ms to settle. */
#define D_CHILDREN 40

static void *rchild_main(void *arg)
{
  *(int *)arg = sched_getcpu();
  return NULL;
}

static double real_d(unsigned n0, unsigned *n)
{
  rspinner sp[3] = { { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 1, 0, 0, 0 } };
  unsigned on1 = 0;
  *n = 0;
  atomic_store(&g_real.stop, 0);
  for (unsigned i = 2 - n0; i < 3; i++)
    CHECK(pthread_create(&sp[i].th, NULL, rspinner_main, &sp[i]));
  sleep_until(mono_ns() + 300000000u);
  for (unsigned i = 0; i < D_CHILDREN; i++) {
    pthread_t th;
    int cpu = -1;
    pin(0);
    pin(-1); /* still on CPU 0, and its children may go anywhere */
    if (sched_getcpu() != 0)
      continue;
    CHECK(pthread_create(&th, NULL, rchild_main, &cpu));
    pthread_join(th, NULL);
    on1 += cpu == 1;
    (*n)++;
  }
  atomic_store(&g_real.stop, 1);
  for (unsigned i = 2 - n0; i < 3; i++)
    pthread_join(sp[i].th, NULL);
  pin(-1);
  return *n ? (double)on1 / (double)*n : 0;
}

/* The model's creator is a thread pinned to hart 0 that wakes every 20 ms,
 * starts the next new thread (made on hart 0, any hart allowed) while it
 * runs, and sleeps; each new thread notes the hart it first runs on and
 * sleeps for good. */
typedef struct mcreator {
  model *m;
  aia_thread *t;
  int first[D_CHILDREN];
  unsigned made;
} mcreator;

static void mc_child_run(void *user, aia_thread *t, uint32_t hart)
{
  int *first = user;
  bool sw = false;
  if (*first < 0)
    *first = (int)hart;
  CHECK(aia_thread_set_interruptible(t));
  CHECK(aia_thread_schedule(t, &sw));
}

static void mc_timer(aia_sim *sim, void *user)
{
  mcreator *c = user;
  CHECK(aia_thread_wake(c->t, AIA_NONE, NULL, NULL));
  if (c->made + 1 < D_CHILDREN)
    CHECK(aia_sim_schedule(sim, aia_sim_now(sim) + 20000000u, AIA_PH_HART, mc_timer, c, NULL));
}

static void mc_run(void *user, aia_thread *t, uint32_t hart)
{
  mcreator *c = user;
  bool sw = false;
  if (c->made < D_CHILDREN) {
    aia_thread_ops ops;
    c->first[c->made] = -1;
    aia_thread_ops_init(&ops);
    ops.user = &c->first[c->made];
    ops.run = mc_child_run;
    CHECK(aia_thread_wake(model_thread(c->m, -1, 0, &ops), hart, NULL, NULL));
    c->made++;
  }
  CHECK(aia_thread_set_interruptible(t));
  CHECK(aia_thread_schedule(t, &sw));
}

static double model_d(unsigned n0, uint32_t hz, uint64_t features)
{
  model m;
  mcreator c;
  aia_thread_ops ops;
  unsigned on1 = 0;
  uint64_t saved = g_features;
  g_features = features;
  model_new(&m, 2, hz);
  g_features = saved;
  for (unsigned i = 0; i < n0; i++)
    model_noise(&m, 0, 0, UINT64_C(1) << 50, 1);
  model_noise(&m, 1, 0, UINT64_C(1) << 50, 1);
  memset(&c, 0, sizeof c);
  c.m = &m;
  aia_thread_ops_init(&ops);
  ops.user = &c;
  ops.run = mc_run;
  c.t = model_thread(&m, 0, 0, &ops);
  CHECK(aia_sim_schedule(m.sim, 300000000u, AIA_PH_HART, mc_timer, &c, NULL));
  CHECK(aia_sim_run_until(m.sim, 300000000u + (D_CHILDREN + 1) * 20000000u));
  for (unsigned i = 0; i < c.made; i++)
    on1 += c.first[i] == 1;
  aia_sim_destroy(m.sim);
  return c.made ? (double)on1 / c.made : 0;
}

void shape_d(uint32_t hz)
{
  printf("\n(d) new threads made on CPU 0 beside CPU 1 (one spinner): share that first ran\n"
         "    on CPU 1; the model as configured, and with NO_FORK_BALANCE (placed as a wake-up)\n");
  printf("%-13s | %-22s | %-22s | %-16s | %s\n", "CPU 0 spinners", "kernel", "model",
         "NO_FORK_BALANCE", "within 20 points");
  for (unsigned n0 = 1; n0 <= 2; n0++) {
    unsigned n;
    double k = real_d(n0, &n), up = model_d(n0, hz, g_features),
           wake = model_d(n0, hz, g_features & ~AIA_SCHED_F_FORK_BALANCE);
    printf("%-13u | %5.1f %% of %-12u | %5.1f %% of %-12u | %5.1f %%          | %s\n", n0,
           100 * k, n, 100 * up, D_CHILDREN, 100 * wake, verdict(n > 0 && fabs(k - up) <= 0.20));
  }
}

