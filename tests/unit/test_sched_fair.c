/* Host scheduler, fair policies (EEVDF and CFS): configuration, CPU shares
 * by weight, the bookkeeping and lag bounds under random load, wakeup
 * preemption with and without lag, CFS sleeper credit, every wake
 * placement rule of select_task_rq_fair, newidle and periodic balancing,
 * the cache-hot rule, and the "not alone any more" notification. Cycle
 * counts are exact where the model is deterministic. */
#include <math.h>

#include "host/host_impl.h"
#include "test_sched_fixture.h"

#define MS 1000000u
#define US 1000u
#define CS 2000u     /* ctx_switch default */
#define TICK 4000000u /* hz 250 at 1 GHz */
#define SPIN (UINT64_C(100000) * MS) /* a busy period longer than any run */

static aia_host_config fair_cfg(aia_sched_policy p)
{
  aia_host_config c;
  aia_host_config_init(&c);
  c.scheduler = p;
  return c;
}

/* A noise thread: busy/idle periods (FIXED), affinity `mask` over 64 harts
 * (0 = all), nice, first wake at `start`. */
static aia_thread *noise(fx *f, aia_cycle busy, aia_cycle idle, uint64_t mask, int nice,
                         aia_cycle start, uint32_t hart)
{
  aia_noise_config nc;
  aia_thread *t;
  aia_noise_config_init(&nc);
  nc.busy = busy;
  nc.idle = idle;
  nc.nice = nice;
  nc.start = start;
  nc.hart = hart;
  if (mask) {
    nc.affinity = &mask;
    nc.affinity_harts = 64;
  }
  assert_aia_ok(f->sim, aia_noise_create(f->host, &nc, &t));
  return t;
}

/* ------------------------------------------------------ configuration -- */

static void test_defaults_and_errors(void **state)
{
  aia_host_config c;
  aia_host *h = NULL;
  fx *f;
  uint32_t llc[4] = { 0, 0, 9, 1 };
  (void)state;
  aia_host_config_init(&c);
  assert_int_equal(c.scheduler, AIA_SCHED_EEVDF);
  assert_int_equal(c.hz, 250);
  assert_int_equal(c.base_slice, 700000);
  assert_int_equal(c.sched_latency, 6000000);
  assert_int_equal(c.min_granularity, 750000);
  assert_int_equal(c.migration_cost, 500000);
  assert_true(c.features == AIA_SCHED_F_DEFAULT);
  assert_string_equal(aia_sched_feature_name(AIA_SCHED_F_RUN_TO_PARITY), "RUN_TO_PARITY");
  assert_string_equal(aia_sched_feature_name(AIA_SCHED_F_PERIODIC), "PERIODIC_BALANCE");
  assert_string_equal(aia_sched_feature_name(AIA_SCHED_F_TTWU_QUEUE), "TTWU_QUEUE");
  assert_string_equal(aia_sched_feature_name(AIA_SCHED_F_FORK_BALANCE), "FORK_BALANCE");
  assert_null(aia_sched_feature_name(AIA_SCHED_F_FORK_BALANCE << 1));
  assert_null(aia_sched_feature_name(3));

  f = fx_new(1, 4, &c, NULL, false);
  /* The log factor: 1 + ilog2(min(harts, 8)) = 3 for 4 harts. */
  assert_int_equal(f->host->factor, 3);
  assert_int_equal(f->host->base_slice, 3 * 700000);
  assert_int_equal(f->host->tick, TICK);
  c.scheduler = 3;
  assert_int_equal(aia_host_create(f->sim, f->plat, &c, &h), AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f->sim), "scheduler 3"));
  c = fair_cfg(AIA_SCHED_EEVDF);
  c.base_slice = 0;
  assert_int_equal(aia_host_create(f->sim, f->plat, &c, &h), AIA_EINVAL);
  c = fair_cfg(AIA_SCHED_EEVDF);
  c.hz = 2000000000u;
  assert_int_equal(aia_host_create(f->sim, f->plat, &c, &h), AIA_EINVAL);
  c = fair_cfg(AIA_SCHED_EEVDF);
  c.features = UINT64_C(1) << 40;
  assert_int_equal(aia_host_create(f->sim, f->plat, &c, &h), AIA_EINVAL);
  c = fair_cfg(AIA_SCHED_EEVDF);
  c.llc = llc; /* group 9 of 4 harts */
  assert_int_equal(aia_host_create(f->sim, f->plat, &c, &h), AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f->sim), "llc[2] = 9"));
  assert_null(h);
  {
    aia_thread_config tc;
    aia_thread *t = NULL;
    aia_thread_config_init(&tc);
    tc.nice = 20;
    assert_int_equal(aia_thread_create(f->host, &tc, NULL, &t), AIA_EINVAL);
    tc.nice = -21;
    assert_int_equal(aia_thread_create(f->host, &tc, NULL, &t), AIA_EINVAL);
    assert_null(t);
  }
  fx_free(f);

  /* Groups are renumbered densely in order of appearance. */
  c = fair_cfg(AIA_SCHED_EEVDF);
  llc[0] = 3;
  llc[1] = 3;
  llc[2] = 0;
  llc[3] = 0;
  c.llc = llc;
  f = fx_new(1, 4, &c, NULL, false);
  assert_int_equal(f->host->nllc, 2);
  assert_int_equal(f->host->rq[0].llc, 0);
  assert_int_equal(f->host->rq[3].llc, 1);
  assert_int_equal(aia__nice_weight(0), 1024);
  assert_int_equal(aia__nice_weight(5), 335);
  assert_int_equal(aia__nice_weight(-20), 88761);
  fx_free(f);
}

/* --------------------------------------------------------------- shares */

typedef struct runtime {
  aia_cycle since[8], total[8];
} runtime;

static void rt_hook(void *user, const aia_event *ev)
{
  runtime *r = user;
  if (ev->vcpu >= 8)
    return;
  if (ev->kind == AIA_EV_SCHED_IN)
    r->since[ev->vcpu] = ev->cycle;
  else if (ev->kind == AIA_EV_SCHED_OUT)
    r->total[ev->vcpu] += ev->cycle - r->since[ev->vcpu];
}

/* n spinners with these nice values on one hart for `run` cycles: each
 * one's share of the CPU is within 1 % of its weight's share. */
static void check_shares(aia_sched_policy p, const int *nice, unsigned n)
{
  aia_host_config c = fair_cfg(p);
  runtime r;
  fx *f = fx_new(1, 1, &c, NULL, false);
  aia_cycle run = 3000u * MS, all = 0;
  double wsum = 0;
  memset(&r, 0, sizeof r);
  assert_aia_ok(f->sim, aia_sim_hook_add(f->sim, AIA_EV_BIT(AIA_EV_SCHED_IN) |
                                                     AIA_EV_BIT(AIA_EV_SCHED_OUT),
                                         rt_hook, &r, NULL));
  for (unsigned i = 0; i < n; i++) {
    noise(f, SPIN, 1, 0, nice[i], 0, 0);
    wsum += aia__nice_weight(nice[i]);
  }
  fx_run(f, run);
  for (unsigned i = 0; i < n; i++) {
    aia_thread *t = aia_host_thread(f->host, i);
    if (aia_thread_is_on_cpu(t))
      r.total[i] += run - r.since[i];
    all += r.total[i];
  }
  for (unsigned i = 0; i < n; i++) {
    double want = aia__nice_weight(nice[i]) / wsum, got = (double)r.total[i] / (double)all;
    if (fabs(got - want) > 0.01 * want)
      fail_msg("%s thread %u (nice %d of %u): share %.4f, weight share %.4f",
               p == AIA_SCHED_CFS ? "cfs" : "eevdf", i, nice[i], n, got, want);
  }
  /* Most of the hart went to the spinners, not to switches. */
  assert_true(all > run - run / 50);
  fx_free(f);
}

static void test_shares_follow_weights(void **state)
{
  static const int n00[] = { 0, 0 }, n05[] = { 0, 5 }, n000[] = { 0, 0, 0 }, n005[] = { 0, 0, 5 };
  (void)state;
  for (int p = AIA_SCHED_EEVDF; p <= AIA_SCHED_CFS; p++) {
    check_shares((aia_sched_policy)p, n00, 2);
    check_shares((aia_sched_policy)p, n05, 2);
    check_shares((aia_sched_policy)p, n000, 3);
    check_shares((aia_sched_policy)p, n005, 3);
  }
}

/* ------------------------------------------------ bookkeeping and lag -- */

typedef struct inv {
  fx *f;
  uint64_t checks;
  double worst; /* largest |lag| * w / (n (slice + tick)) seen on a queue */
  uint32_t last, last_tid; /* the record being checked */
  uint64_t picks;          /* eligibility checks made */
} inv;

static uint64_t vfair(uint64_t delta, uint32_t w)
{
  return delta * 1024u / w;
}

static void check_rq(inv *s, const aia_host *h, const aia__rq *rq)
{
  int64_t sum_key = 0, sum_w = 0;
  uint64_t load = 0;
  uint32_t nr = 0, ndel = 0;
  double vw = 0, wt = 0;
  const aia_thread *c = rq->curr != NULL && rq->curr->fair_curr ? rq->curr : NULL;
  for (const aia_thread *t = rq->head; t; t = t->next) {
    sum_key += (int64_t)(t->vruntime - rq->min_vruntime) * (int64_t)t->weight;
    sum_w += t->weight;
    load += t->weight;
    nr++;
    ndel += t->delayed;
    vw += (double)(int64_t)(t->vruntime - rq->min_vruntime) * t->weight;
    wt += t->weight;
  }
  if (c) {
    load += c->weight;
    nr++;
    vw += (double)(int64_t)(c->vruntime - rq->min_vruntime) * c->weight;
    wt += c->weight;
  }
  if (sum_key != rq->avg_vruntime || sum_w != rq->avg_load || load != rq->load ||
      nr != rq->nr_running || ndel != rq->ndelayed)
    fail_msg("after %s of thread %u: hart %u at %llu: sums %lld/%lld load %llu nr %u del %u, recomputed %lld/%lld %llu "
             "%u %u",
             aia_event_kind_name(s->last), s->last_tid, rq->id, (unsigned long long)h->sim->now, (long long)rq->avg_vruntime,
             (long long)rq->avg_load, (unsigned long long)rq->load, rq->nr_running,
             rq->ndelayed, (long long)sum_key, (long long)sum_w, (unsigned long long)load, nr,
             ndel);
  if (wt > 0 && h->cfg.scheduler == AIA_SCHED_EEVDF) {
    double V = vw / wt, bound = (double)nr * (double)(h->base_slice + h->tick + CS) * 1024.0;
    /* Eligibility: what pick_eevdf would run next has lag >= 0 (up to the
     * rounding of the average), unless nothing on the queue has. */
    const aia_thread *best = aia__fair_pick((aia_host *)h, (aia__rq *)rq);
    if (best != NULL && best != c) {
      bool any = false;
      for (const aia_thread *t = rq->head; t; t = t->next)
        if (V - (double)(int64_t)(t->vruntime - rq->min_vruntime) >= -1.0)
          any = true;
      if (any && V - (double)(int64_t)(best->vruntime - rq->min_vruntime) < -1.0)
        fail_msg("hart %u: the pick, thread %u, is not eligible (lag %.1f)", rq->id, best->id,
                 V - (double)(int64_t)(best->vruntime - rq->min_vruntime));
      s->picks++;
    }
    for (const aia_thread *t = rq->head;; t = t->next) {
      const aia_thread *e = t ? t : c;
      if (e == NULL)
        break;
      double lag = (V - (double)(int64_t)(e->vruntime - rq->min_vruntime)) * e->weight;
      if (fabs(lag) > bound)
        fail_msg("thread %u on hart %u: weighted lag %.0f beyond %.0f", e->id, rq->id, lag,
                 bound);
      if (fabs(lag) / bound > s->worst)
        s->worst = fabs(lag) / bound;
      if (t == NULL)
        break;
    }
  }
}

static void inv_hook(void *user, const aia_event *ev)
{
  inv *s = user;
  const aia_host *h = s->f->host;
  s->last = ev->kind;
  s->last_tid = ev->vcpu;
  for (uint32_t i = 0; i < h->nharts; i++)
    check_rq(s, h, &h->rq[i]);
  /* A sleeper keeps the lag it left with, clamped as update_entity_lag does. */
  if (h->cfg.scheduler == AIA_SCHED_EEVDF)
    for (uint32_t i = 0; i < h->nthreads; i++) {
      const aia_thread *t = h->threads[i];
      uint64_t span = 2 * t->slice > h->tick ? 2 * t->slice : h->tick;
      if (t->state == AIA_THREAD_SLEEPING && !t->delayed &&
          (uint64_t)(t->vlag < 0 ? -t->vlag : t->vlag) > vfair(span, t->weight))
        fail_msg("thread %u: vlag %lld beyond the clamp", t->id, (long long)t->vlag);
    }
  s->checks++;
}

static void inv_timer(aia_sim *sim, void *user)
{
  inv *s = user;
  aia_event ev;
  aia_event_init(&ev, AIA_EV_USER);
  inv_hook(s, &ev);
  assert_aia_ok(sim, aia_sim_schedule(sim, aia_sim_now(sim) + 7 * US, AIA_PH_OBSERVE, inv_timer,
                                      s, NULL));
}

static void random_load(aia_sched_policy p, uint64_t feats, uint64_t seed)
{
  static const int nices[] = { -5, 0, 0, 3, 5, 10, 0, -2 };
  aia_host_config c = fair_cfg(p);
  inv s;
  c.features = feats;
  fx *f = fx_new(seed, 2, &c, NULL, false);
  memset(&s, 0, sizeof s);
  s.f = f;
  for (unsigned i = 0; i < 8; i++) {
    aia_noise_config nc;
    aia_thread *t;
    aia_noise_config_init(&nc);
    nc.busy = (i % 3 + 1) * 300 * US;
    nc.idle = (i % 4 + 1) * 250 * US;
    nc.dist = AIA_NOISE_EXP;
    nc.nice = nices[i];
    nc.hart = i % 2;
    assert_aia_ok(f->sim, aia_noise_create(f->host, &nc, &t));
  }
  /* Records that come when the scheduler's state is settled, and a check
   * in the observe phase every 7 us. */
  assert_aia_ok(f->sim, aia_sim_hook_add(f->sim, AIA_EV_BIT(AIA_EV_SCHED_IN) |
                                                     AIA_EV_BIT(AIA_EV_THREAD_ENQUEUE) |
                                                     AIA_EV_BIT(AIA_EV_THREAD_SLEEP),
                                         inv_hook, &s, NULL));
  assert_aia_ok(f->sim, aia_sim_schedule(f->sim, 7 * US, AIA_PH_OBSERVE, inv_timer, &s, NULL));
  fx_run(f, 400u * MS);
  assert_true(s.checks > 5000);
  if (p == AIA_SCHED_EEVDF)
    assert_true(s.picks > 1000);
  if (p == AIA_SCHED_EEVDF && (feats & AIA_SCHED_F_DELAY_DEQUEUE)) {
    aia_host_stats st;
    st.struct_size = sizeof st;
    assert_aia_ok(f->sim, aia_host_get_stats(f->host, &st));
    assert_true(st.delayed_dequeues > 0); /* the path was exercised */
  }
  fx_free(f);
}

static void test_bookkeeping_and_lag_bounds(void **state)
{
  (void)state;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    random_load(AIA_SCHED_EEVDF, AIA_SCHED_F_DEFAULT, seed);
    random_load(AIA_SCHED_EEVDF, AIA_SCHED_F_DEFAULT & ~AIA_SCHED_F_DELAY_DEQUEUE, seed);
    random_load(AIA_SCHED_CFS, AIA_SCHED_F_DEFAULT, seed);
  }
}

/* ------------------------------------------------- wakeup preemption --- */

/* One hart, a spinner since 0, and an owner-driven thread W that has run
 * once before (so its lag is used). W is woken at `at` with lag `lag`;
 * returns when W got the hart (its SCHED_IN). */
static aia_cycle wake_with_lag(uint64_t feats, int64_t lag, aia_cycle at)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  hog g;
  aia_thread *w;
  aia_cycle in;
  fx *f;
  c.features = feats;
  f = fx_new(1, 1, &c, NULL, true);
  noise(f, SPIN, 1, 0, 0, 0, 0);
  w = hog_new(f, &g, 0, 0);
  fx_run(f, at);
  w->placed_once = true;
  w->vlag = lag;
  wake(f, w, 0, true);
  fx_run(f, at + 2 * TICK);
  in = fx_find(f, AIA_EV_SCHED_IN, aia_thread_id(w), 0)->cycle;
  fx_free(f);
  return in;
}

/* schedstat of the woken thread: picked at once, or after waiting for the
 * tick (run_delay exact), one wake-up, one switch; the spinner's switches
 * are involuntary. */
/* Per-thread schedstat (aia_thread_get_stats): W starts beside a spinner,
 * runs, sleeps, and is woken at 20 ms + 1 with or without lag; the figures
 * of the second episode are exact. */
static void test_thread_schedstat(void **state)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  aia_thread_stats a, w, sp;
  hog g;
  aia_thread *t, *s;
  bool sw = false;
  fx *f;
  (void)state;
  c.features &= ~AIA_SCHED_F_DELAY_DEQUEUE; /* a plain sleep: no requeue */
  for (int lag = 0; lag < 2; lag++) {
    f = fx_new(1, 1, &c, NULL, false);
    s = noise(f, SPIN, 1, 0, 0, 0, 0);
    t = hog_new(f, &g, 0, 0);
    wake(f, t, AIA_NONE, true);
    while (!aia_thread_is_on_cpu(t))
      assert_aia_ok(f->sim, aia_sim_step(f->sim));
    assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
    assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
    assert_true(sw);
    a.struct_size = sizeof a;
    assert_aia_ok(f->sim, aia_thread_get_stats(t, &a));
    /* The first start is no wake-up and its placement no migration. */
    assert_int_equal(a.nr_wakeups, 0);
    assert_int_equal(a.nr_migrations, 0);
    assert_int_equal(a.nr_switches, 1);
    assert_int_equal(a.nr_voluntary_switches, 1);
    assert_int_equal(a.nr_involuntary_switches, 0);
    fx_run(f, 20 * MS + 1);
    t->vlag = lag ? 50 * US : 0;
    wake(f, t, 0, true);
    fx_run(f, 27 * MS);
    w.struct_size = sizeof w;
    sp.struct_size = sizeof sp;
    assert_aia_ok(f->sim, aia_thread_get_stats(t, &w));
    assert_aia_ok(f->sim, aia_thread_get_stats(s, &sp));
    assert_int_equal(w.nr_wakeups, 1);
    assert_int_equal(w.nr_wakeups_local, 1); /* woken from hart 0, runs there */
    assert_int_equal(w.nr_wakeups_remote + w.nr_wakeups_migrate + w.nr_wakeups_affine, 0);
    assert_int_equal(w.nr_switches - a.nr_switches, 1);
    if (lag) {
      /* Placed with lag it preempts at once, runs until the 24 ms tick
       * hands the hart back to the spinner, and waits again from there:
       * run_delay counts every wait on the queue, not only the first. */
      assert_int_equal(w.run_time - a.run_time, 24 * MS - (20 * MS + 1));
      assert_int_equal(w.run_delay - a.run_delay, 27 * MS - 24 * MS);
      assert_int_equal(w.nr_involuntary_switches, 1);
    } else {
      /* Without lag it waits for the 24 ms tick, then keeps the hart. */
      assert_int_equal(w.run_delay - a.run_delay, 24 * MS - (20 * MS + 1));
      assert_int_equal(w.run_time - a.run_time, 27 * MS - 24 * MS);
      assert_int_equal(w.nr_involuntary_switches, 0);
    }
    assert_int_equal(w.nr_voluntary_switches, 1);
    assert_true(sp.nr_involuntary_switches >= 1);
    assert_int_equal(sp.nr_voluntary_switches, 0);
    assert_true(sp.run_time + w.run_time <= 27 * MS);
    assert_int_equal(aia_thread_get_stats(t, NULL), AIA_EINVAL);
    fx_free(f);
  }
}

static void test_sleeper_with_lag_preempts_at_once(void **state)
{
  (void)state;
  /* Placed lag before the average, it makes the spinner ineligible: the
   * spinner yields at once (the request is local, the wake-up runs on that
   * hart) and W runs one context switch later. */
  assert_int_equal(wake_with_lag(AIA_SCHED_F_DEFAULT, 50 * US, 20 * MS + 1), 20 * MS + 1 + CS);
  assert_int_equal(wake_with_lag(AIA_SCHED_F_DEFAULT, 1, 20 * MS + 1), 20 * MS + 1 + CS);
  /* Without PLACE_LAG the lag is ignored: it waits as a zero-lag sleeper. */
  assert_int_equal(wake_with_lag(AIA_SCHED_F_DEFAULT & ~AIA_SCHED_F_PLACE_LAG, 50 * US, 20 * MS + 1),
                   24 * MS + CS);
}

static void test_sleeper_without_lag_waits_for_the_tick(void **state)
{
  (void)state;
  /* The 20 ms tick gave the spinner a new request (0.7 ms); woken one cycle
   * later at the average, W is eligible but the spinner is too and its
   * deadline is earlier: W waits until the spinner's request is served,
   * which the scheduler notices at the next tick (24 ms). */
  assert_int_equal(wake_with_lag(AIA_SCHED_F_DEFAULT, 0, 20 * MS + 1), 24 * MS + CS);
  assert_int_equal(wake_with_lag(AIA_SCHED_F_DEFAULT, -(int64_t)(50 * US), 20 * MS + 1), 24 * MS + CS);
  /* Woken after the spinner's request ran out (1 ms after the tick), the
   * wake-up's own update_curr serves it: W runs at once. */
  assert_int_equal(wake_with_lag(AIA_SCHED_F_DEFAULT, 0, 21 * MS), 21 * MS + CS);
}

/* CFS: a long sleeper is placed sched_latency / 2 before min_vruntime
 * (GENTLE_FAIR_SLEEPERS; a whole sched_latency without) and preempts a
 * spinner once it is ahead by more than the wakeup granularity. */
static void cfs_credit(bool gentle)
{
  aia_host_config c = fair_cfg(AIA_SCHED_CFS);
  hog g;
  fx *f;
  aia_thread *t;
  bool sw = false;
  if (!gentle)
    c.features &= ~AIA_SCHED_F_GENTLE_FAIR_SLEEPERS;
  f = fx_new(1, 1, &c, NULL, true);
  noise(f, SPIN, 1, 0, 0, 0, 0);
  t = hog_new(f, &g, 0, 0);
  fx_run(f, 1 * MS);
  wake(f, t, AIA_NONE, true);
  /* It waits behind the spinner (its first placement is one slice late:
   * START_DEBIT); once it runs, it goes back to sleep. */
  while (!aia_thread_is_on_cpu(t))
    assert_aia_ok(f->sim, aia_sim_step(f->sim));
  assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
  assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
  assert_true(sw);
  fx_run(f, 50 * MS);
  {
    const aia__rq *rq = &f->host->rq[0];
    uint64_t credit = f->host->sched_latency >> (gentle ? 1 : 0);
    f->nlog = 0;
    wake(f, t, AIA_NONE, true);
    /* update_curr ran at the enqueue: min_vruntime is the spinner's. */
    assert_true(t->vruntime == rq->min_vruntime - credit);
  }
  fx_run(f, 51 * MS);
  assert_rec(f, AIA_EV_SCHED_IN, aia_thread_id(t), 0, 50 * MS + CS, 0);
  fx_free(f);
}

static void test_cfs_sleeper_credit(void **state)
{
  (void)state;
  cfs_credit(true);
  cfs_credit(false);
}

/* ---------------------------------------------------------- placement -- */

static const aia_event *last_wake(const fx *f, uint32_t tid)
{
  const aia_event *e = NULL;
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == AIA_EV_THREAD_WAKE && f->log[i].vcpu == tid)
      e = &f->log[i];
  if (e == NULL)
    fail_msg("thread %u was not woken", tid);
  return e;
}

#define assert_wake(f, t, want_hart, want_how)                                           \
  do {                                                                                   \
    const aia_event *w_ = last_wake((f), aia_thread_id(t));                              \
    if (w_->hart != (uint32_t)(want_hart) || w_->arg != (uint64_t)(want_how))            \
      fail_msg("wake of thread %u: hart %u placement %llu, expected hart %u placement %u", \
               aia_thread_id(t), w_->hart, (unsigned long long)w_->arg,                  \
               (unsigned)(want_hart), (unsigned)(want_how));                             \
  } while (0)

/* A spinner pinned to each hart in `busy` (bit mask), from cycle 0. */
static void spinners(fx *f, uint64_t busy)
{
  for (uint32_t h = 0; h < 64; h++)
    if (busy >> h & 1u)
      noise(f, SPIN, 1, UINT64_C(1) << h, 0, 0, h);
}

/* Runs a thread on `hart` (pinned there) and puts it to sleep, then frees
 * its affinity: its previous hart is `hart`. */
static aia_thread *slept_on(fx *f, hog *g, uint32_t hart)
{
  aia_thread *t = hog_new(f, g, hart, UINT64_C(1) << hart);
  bool sw = false;
  wake(f, t, AIA_NONE, true);
  while (!aia_thread_is_on_cpu(t))
    assert_aia_ok(f->sim, aia_sim_step(f->sim));
  assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
  assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
  assert_true(sw);
  assert_aia_ok(f->sim, aia_thread_set_affinity(t, NULL, 0));
  return t;
}

static void test_wake_placement_rules(void **state)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  /* A thread that sleeps right after running next to a spinner has negative
   * lag: with DELAY_DEQUEUE it would still be queued and be requeued where
   * it is (tested below). These cases are about select_task_rq_fair. */
  c.features &= ~AIA_SCHED_F_DELAY_DEQUEUE;
  aia_host_stats st;
  hog g, g2;
  aia_thread *t;
  fx *f;
  (void)state;
  st.struct_size = sizeof st;

  /* wake_affine_idle: the waker's hart is idle, the previous one busy, one
   * cache: the thread is pulled to the waker (an interrupt's hart). */
  f = fx_new(1, 2, &c, NULL, true);
  spinners(f, 0x2);
  fx_run(f, 1 * MS);
  t = slept_on(f, &g, 1);
  fx_run(f, 2 * MS);
  wake(f, t, 0, true);
  assert_wake(f, t, 0, AIA_WAKE_TARGET_IDLE);
  assert_aia_ok(f->sim, aia_host_get_stats(f->host, &st));
  assert_int_equal(st.wake_affine, 1);
  fx_free(f);

  /* The previous hart idle: it stays there whatever the waker. */
  f = fx_new(1, 2, &c, NULL, true);
  spinners(f, 0x1);
  fx_run(f, 1 * MS);
  t = slept_on(f, &g, 1);
  fx_run(f, 2 * MS);
  wake(f, t, 0, true);
  assert_wake(f, t, 1, AIA_WAKE_TARGET_IDLE);
  fx_free(f);

  /* select_idle_sibling scans the cache group from target + 1: with the
   * target (its previous hart, 1) busy and harts 0 and 2 idle, hart 2. */
  f = fx_new(1, 3, &c, NULL, true);
  spinners(f, 0x2);
  fx_run(f, 1 * MS);
  t = slept_on(f, &g, 1);
  fx_run(f, 2 * MS);
  wake(f, t, AIA_NONE, true);
  assert_wake(f, t, 2, AIA_WAKE_SCAN_IDLE);
  fx_free(f);

  /* recent_used_cpu: after that scan, hart 1 is its recent hart; asleep on
   * 2, woken with 2 busy and 1 idle again: hart 1, without a scan. */
  f = fx_new(1, 3, &c, NULL, true);
  noise(f, SPIN, 1, 0x2, 0, 0, 1);          /* hart 1 busy ... */
  t = slept_on(f, &g, 1);
  fx_run(f, 2 * MS);
  noise(f, SPIN, 1, 0x4, 0, 3 * MS, 2);     /* hart 2 busy from 3 ms */
  fx_run(f, 2 * MS + 1);
  wake(f, t, AIA_NONE, true); /* 1 busy, scan -> 2 (idle until 3 ms) */
  assert_wake(f, t, 2, AIA_WAKE_SCAN_IDLE);
  while (!aia_thread_is_on_cpu(t))
    assert_aia_ok(f->sim, aia_sim_step(f->sim));
  {
    bool sw = false;
    assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
    assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
  }
  assert_aia_ok(f->sim, aia_thread_set_affinity(aia_host_thread(f->host, 0), &(uint64_t){ 0x1 }, 64));
  fx_run(f, 4 * MS); /* hart 1's spinner moved to 0; hart 2 busy */
  assert_true(aia_host_hart_is_idle(f->host, 1));
  wake(f, t, AIA_NONE, true);
  assert_wake(f, t, 1, AIA_WAKE_RECENT_IDLE);
  fx_free(f);

  /* Nothing idle: queued on the target. (A thread that never ran is a new
   * task, placed by the fork balance: tests/unit/test_sched_place.c.) */
  f = fx_new(1, 2, &c, NULL, true);
  t = slept_on(f, &g, 1);
  for (uint32_t h = 0; h < 2; h++)
    noise(f, SPIN, 1, UINT64_C(1) << h, 0, aia_sim_now(f->sim) + 1 * US, h);
  fx_run(f, aia_sim_now(f->sim) + 1 * MS);
  wake(f, t, AIA_NONE, true);
  assert_wake(f, t, 1, AIA_WAKE_TARGET_BUSY);
  fx_free(f);

  /* Neither the previous hart nor the waker's allowed and the only allowed
   * one busy (an idle allowed one would be found by the scan): the
   * fallback, select_fallback_rq. */
  f = fx_new(1, 3, &c, NULL, true);
  spinners(f, 0x5);
  fx_run(f, 1 * MS);
  t = slept_on(f, &g, 0);
  assert_aia_ok(f->sim, aia_thread_set_affinity(t, &(uint64_t){ 0x4 }, 64));
  wake(f, t, 1, true);
  assert_wake(f, t, 2, AIA_WAKE_FALLBACK);
  fx_free(f);

  /* PREV_IDLE: with WA_IDLE off, wake_affine_weight sends the thread to a
   * busy waker whose load average is low (its thread has just woken after
   * 99 ms asleep) rather than to its idle previous hart whose average is
   * still high (a spinner ran there for 100 ms); select_idle_sibling then
   * takes the idle prev. */
  c.features &= ~AIA_SCHED_F_WA_IDLE;
  f = fx_new(1, 2, &c, NULL, true);
  t = slept_on(f, &g2, 1); /* has run: not a new task */
  {
    aia_cycle t0 = aia_sim_now(f->sim);
    noise(f, 100 * MS, SPIN, 0x2, 0, t0, 1); /* hart 1: 100 ms from t0 */
    noise(f, 1 * MS, 99 * MS, 0x1, 0, t0, 0);  /* hart 0: 1 ms of every 100 */
    fx_run(f, t0 + 100 * MS + 500 * US);
  }
  wake(f, t, 0, true);
  assert_wake(f, t, 1, AIA_WAKE_PREV_IDLE);
  fx_free(f);
}

/* DELAY_DEQUEUE: a thread that sleeps with negative lag stays queued; woken
 * before it is picked, it is requeued where it is (no placement). */
typedef struct napper {
  aia_thread *t;
  bool sleep_on_resched;
  uint32_t slept;
} napper;

static void nap_resched(void *user, aia_thread *t, uint32_t hart)
{
  napper *n = user;
  bool sw = false;
  (void)hart;
  if (n->sleep_on_resched) {
    n->sleep_on_resched = false;
    assert_aia_ok(aia_host_sim(t->host), aia_thread_set_interruptible(t));
    assert_aia_ok(aia_host_sim(t->host), aia_thread_schedule(t, &sw));
    n->slept++;
    return;
  }
  (void)aia_thread_preempt_point(t, &sw);
}

static void test_delayed_dequeue_requeues(void **state)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  aia_thread_ops ops;
  aia_thread_config tc;
  napper n;
  fx *f = fx_new(1, 2, &c, NULL, true);
  (void)state;
  memset(&n, 0, sizeof n);
  noise(f, SPIN, 1, 0x1, 0, 0, 0); /* thread 0 spins on hart 0 */
  aia_thread_ops_init(&ops);
  ops.user = &n;
  ops.resched = nap_resched;
  aia_thread_config_init(&tc);
  tc.affinity = &(uint64_t){ 0x1 };
  tc.affinity_harts = 64;
  assert_aia_ok(f->sim, aia_thread_create(f->host, &tc, &ops, &n.t));
  wake(f, n.t, AIA_NONE, true);
  fx_run(f, 30 * MS); /* both share hart 0 */
  /* At its next slice end it sleeps instead of yielding: it has used its
   * request, so its lag is negative, and the spinner is queued. */
  n.sleep_on_resched = true;
  while (n.slept == 0)
    assert_aia_ok(f->sim, aia_sim_step(f->sim));
  assert_true(n.t->delayed);
  assert_int_equal(aia_thread_get_state(n.t), AIA_THREAD_SLEEPING);
  assert_int_equal(f->host->rq[0].ndelayed, 1);
  /* Hart 1 is idle and allowed now, but a delayed thread is requeued. */
  assert_aia_ok(f->sim, aia_thread_set_affinity(n.t, NULL, 0));
  assert_true(n.t->delayed);
  wake(f, n.t, 1, true);
  assert_wake(f, n.t, 0, AIA_WAKE_REQUEUE);
  assert_false(n.t->delayed);
  assert_int_equal(f->host->rq[0].ndelayed, 0);
  assert_int_equal(aia_thread_get_state(n.t), AIA_THREAD_RUNNABLE);
  fx_free(f);
}

/* ---------------------------------------------------------- balancing -- */

static uint32_t count_migrations(const fx *f, uint32_t cause)
{
  uint32_t n = 0;
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == AIA_EV_THREAD_MIGRATE && (f->log[i].arg >> 32) == cause)
      n++;
  return n;
}

/* Hart 0 runs spinner A with spinner B waiting (hart 1 was busy when both
 * started); hart 1's thread sleeps at 5 ms: newidle pulls B at once. */
static void newidle_case(aia_cycle migration_cost, bool expect_pull)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  hog g;
  aia_thread *a, *b, *t;
  bool sw = false;
  fx *f;
  c.migration_cost = migration_cost;
  c.features &= ~AIA_SCHED_F_PERIODIC;
  f = fx_new(1, 2, &c, NULL, true);
  t = hog_new(f, &g, 1, 0x2);
  wake(f, t, AIA_NONE, true);
  a = noise(f, SPIN, 1, 0, 0, 10 * US, 0);
  b = noise(f, SPIN, 1, 0, 0, 10 * US, 0);
  fx_run(f, 5 * MS);
  assert_int_equal(aia_thread_hart(a), 0);
  assert_int_equal(aia_thread_hart(b), 0);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
  assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
  assert_true(sw);
  fx_run(f, 5 * MS + 100 * US);
  if (expect_pull) {
    const aia_thread *moved = aia_thread_hart(a) == 1 ? a : b;
    assert_int_equal(count_migrations(f, AIA_MIGRATE_NEWIDLE), 1);
    assert_int_equal(aia_thread_hart(moved), 1);
    assert_rec(f, AIA_EV_SCHED_IN, aia_thread_id(moved), aia_thread_id(moved) == aia_thread_id(b) ? 0 : fx_count(f, AIA_EV_SCHED_IN, aia_thread_id(moved)) - 1, 5 * MS + CS, 1);
  } else {
    /* The waiting spinner is cache-hot (it last ran, or was created, less
     * than migration_cost ago): a newidle balance leaves it. */
    assert_int_equal(count_migrations(f, AIA_MIGRATE_NEWIDLE), 0);
    assert_true(aia_host_hart_is_idle(f->host, 1));
  }
  fx_free(f);
}

static void test_newidle_pull_and_cache_hot(void **state)
{
  (void)state;
  newidle_case(500 * US, true);  /* the waiting one last ran >= 1 ms ago */
  newidle_case(100 * MS, false); /* ... which is less than 100 ms */
}

/* Two spinners start on hart 0 (pinned), then may go anywhere: hart 1 is
 * idle and does not tick; the busy hart's tick runs the nohz idle balance
 * for it, which pulls one. */
static void test_periodic_balance_spreads(void **state)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  aia_thread *a, *b;
  fx *f;
  (void)state;
  c.features &= ~AIA_SCHED_F_NEWIDLE;
  f = fx_new(1, 2, &c, NULL, true);
  a = noise(f, SPIN, 1, 0x1, 0, 0, 0);
  b = noise(f, SPIN, 1, 0x1, 0, 0, 0);
  fx_run(f, 10 * MS);
  assert_int_equal(count_migrations(f, AIA_MIGRATE_BALANCE), 0);
  assert_aia_ok(f->sim, aia_thread_set_affinity(a, NULL, 0));
  assert_aia_ok(f->sim, aia_thread_set_affinity(b, NULL, 0));
  fx_run(f, 100 * MS);
  assert_int_equal(count_migrations(f, AIA_MIGRATE_BALANCE), 1);
  assert_true(aia_thread_hart(a) != aia_thread_hart(b));
  /* Each migration record of the balancer is on a tick. */
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == AIA_EV_THREAD_MIGRATE)
      assert_int_equal(f->log[i].cycle % TICK, 0);
  fx_free(f);
}

/* Hart 1's thread sleeps at 5 ms while hart 0 runs spinner A with B
 * waiting (newidle balance off). No hart was idle at hart 0's earlier
 * ticks; the nohz idle balance those ticks run must still take hart 1 once
 * it is idle and due, and pull one spinner on a tick no later than hart 1's
 * busy balance interval (16 x 2 ms, doubled at most) after it went idle. A
 * cached "next idle balance" that a hart going idle did not lower would
 * never pull. */
static void test_nohz_balance_after_idle_entry(void **state)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  hog g;
  aia_thread *a, *b, *t;
  bool sw = false;
  fx *f;
  (void)state;
  c.features &= ~AIA_SCHED_F_NEWIDLE;
  f = fx_new(1, 2, &c, NULL, true);
  t = hog_new(f, &g, 1, 0x2);
  wake(f, t, AIA_NONE, true);
  a = noise(f, SPIN, 1, 0, 0, 10 * US, 0);
  b = noise(f, SPIN, 1, 0, 0, 10 * US, 0);
  fx_run(f, 5 * MS);
  assert_int_equal(aia_thread_hart(a), 0);
  assert_int_equal(aia_thread_hart(b), 0);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
  assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
  assert_true(sw);
  fx_run(f, 200 * MS);
  assert_int_equal(count_migrations(f, AIA_MIGRATE_BALANCE), 1);
  assert_true(aia_thread_hart(a) != aia_thread_hart(b));
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == AIA_EV_THREAD_MIGRATE) {
      assert_true(f->log[i].cycle > 5 * MS);
      assert_true(f->log[i].cycle <= 5 * MS + 2 * 16 * 2 * MS + TICK);
      assert_int_equal(f->log[i].cycle % TICK, 0);
    }
  fx_free(f);
}

/* ------------------------------------------------------ not alone ------ */

typedef struct alone {
  uint32_t calls;
  aia_cycle at;
} alone;

static void on_contended(void *user, aia_thread *t, uint32_t hart)
{
  alone *a = user;
  (void)t;
  (void)hart;
  a->calls++;
  a->at = aia_sim_now(aia_host_sim(t->host));
}

static void test_contended_notification(void **state)
{
  aia_host_config c = fair_cfg(AIA_SCHED_EEVDF);
  aia_thread_ops ops;
  aia_thread *t;
  alone a = { 0, 0 };
  fx *f = fx_new(1, 1, &c, NULL, false);
  (void)state;
  aia_thread_ops_init(&ops);
  ops.user = &a;
  ops.contended = on_contended;
  assert_aia_ok(f->sim, aia_thread_create(f->host, NULL, &ops, &t));
  wake(f, t, AIA_NONE, true);
  fx_run(f, 1 * MS);
  assert_int_equal(a.calls, 0);
  /* A second thread is queued behind it at 2 ms (it does not preempt: the
   * owner-driven thread never reaches a preemption point). */
  noise(f, SPIN, 1, 0, 0, 2 * MS, 0);
  noise(f, SPIN, 1, 0, 0, 3 * MS, 0);
  fx_run(f, 4 * MS);
  assert_int_equal(a.calls, 1); /* once per change from alone to not alone */
  assert_int_equal(a.at, 2 * MS);
  fx_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults_and_errors),
    cmocka_unit_test(test_shares_follow_weights),
    cmocka_unit_test(test_bookkeeping_and_lag_bounds),
    cmocka_unit_test(test_thread_schedstat),
    cmocka_unit_test(test_sleeper_with_lag_preempts_at_once),
    cmocka_unit_test(test_sleeper_without_lag_waits_for_the_tick),
    cmocka_unit_test(test_cfs_sleeper_credit),
    cmocka_unit_test(test_wake_placement_rules),
    cmocka_unit_test(test_delayed_dequeue_requeues),
    cmocka_unit_test(test_newidle_pull_and_cache_hot),
    cmocka_unit_test(test_periodic_balance_spreads),
    cmocka_unit_test(test_nohz_balance_after_idle_entry),
    cmocka_unit_test(test_contended_notification),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
