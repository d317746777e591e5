/* Host scheduler: noise threads, long random runs checked by a hook
 * (affinity, sched_out before sched_in, one thread per hart), determinism. */
#include "test_sched_fixture.h"

/* ------------------------------------------------------ noise periods -- */

static void test_noise_fixed_periods(void **state)
{
  aia_host_config c;
  aia_noise_config nc;
  aia_thread *t;
  fx *f;
  (void)state;
  aia_host_config_init(&c);
  c.scheduler = AIA_SCHED_RR;
  c.balance_interval = 0;
  f = fx_new(1, 1, &c, NULL, true);
  aia_noise_config_init(&nc);
  nc.busy = 10000;
  nc.idle = 20000;
  nc.start = 100;
  nc.until = 60000;
  assert_aia_ok(f->sim, aia_noise_create(f->host, &nc, &t));
  fx_run(f, 200000);
  /* wake 100 -> in 7100 -> sleep 17100 -> wake 37100 -> in 44100 -> sleep
   * 54100 -> the next wake (74100) is after `until`: it stays asleep. */
  assert_rec(f, AIA_EV_THREAD_WAKE, 0, 0, 100, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 0, 7100, 0);
  assert_rec(f, AIA_EV_THREAD_SLEEP, 0, 0, 17100, 0);
  assert_rec(f, AIA_EV_THREAD_WAKE, 0, 1, 37100, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 1, 44100, 0);
  assert_rec(f, AIA_EV_THREAD_SLEEP, 0, 1, 54100, 0);
  assert_int_equal(fx_count(f, AIA_EV_THREAD_WAKE, 0), 2);
  assert_int_equal(fx_find(f, AIA_EV_SCHED_IN, 0, 0)->vm, AIA_NONE);
  assert_int_equal(aia_thread_get_state(t), AIA_THREAD_SLEEPING);
  fx_free(f);
}

/* Only time on a hart counts towards a busy period: two noise threads
 * sharing a hart finish their 150,000-cycle periods in two turns each. */
static void test_noise_counts_cpu_time(void **state)
{
  enum { S = 100000, B = 150000 };
  aia_host_config c;
  aia_noise_config nc;
  aia_thread *a, *b;
  fx *f;
  (void)state;
  aia_host_config_init(&c);
  c.scheduler = AIA_SCHED_RR;
  c.slice = S;
  c.wakeup_granularity = 1000000000u;
  c.balance_interval = 0;
  f = fx_new(1, 1, &c, NULL, true);
  aia_noise_config_init(&nc);
  nc.busy = B;
  nc.idle = 100000000u;
  assert_aia_ok(f->sim, aia_noise_create(f->host, &nc, &a));
  assert_aia_ok(f->sim, aia_noise_create(f->host, &nc, &b));
  fx_run(f, 1000000);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 0, 7000, 0);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 0, 107000, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 0, 109000, 0);
  assert_rec(f, AIA_EV_SCHED_OUT, 1, 0, 209000, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 1, 211000, 0);
  assert_rec(f, AIA_EV_THREAD_SLEEP, 0, 0, 261000, 0); /* 100,000 + 50,000 */
  assert_rec(f, AIA_EV_SCHED_IN, 1, 1, 263000, 0);
  assert_rec(f, AIA_EV_THREAD_SLEEP, 1, 0, 313000, 0);
  assert_int_equal(fx_find(f, AIA_EV_SCHED_OUT, 0, 0)->arg, AIA_SCHED_SLICE);
  fx_free(f);
}

/* ------------------------------------------------------- random runs -- */

#define HARTS 8u
#define NOISE 24u
#define BODIES 16u

#define SCHED_KINDS                                                                    \
  (AIA_EV_BIT(AIA_EV_THREAD_ENQUEUE) | AIA_EV_BIT(AIA_EV_SCHED_IN) |                   \
   AIA_EV_BIT(AIA_EV_SCHED_OUT) | AIA_EV_BIT(AIA_EV_THREAD_WAKE) |                     \
   AIA_EV_BIT(AIA_EV_THREAD_MIGRATE) | AIA_EV_BIT(AIA_EV_THREAD_SLEEP))

/* Checks every scheduler record against what the records so far imply. */
typedef struct checker {
  aia_host *host;
  uint32_t on_hart[NOISE + BODIES];  /* hart the thread is switched in on, or NONE */
  uint32_t hart_thr[HARTS];          /* thread switched in on the hart, or NONE */
  uint64_t nrec, nin, nout, nmig, nforced_mig, nbalance, nwake, nsleep;
  uint64_t reasons[5];
  bool bad;
  char why[200];
} checker;

static void check_fail(checker *c, const aia_event *e, const char *what)
{
  if (c->bad)
    return;
  c->bad = true;
  snprintf(c->why, sizeof c->why, "cycle %llu thread %u hart %u: %s",
           (unsigned long long)e->cycle, e->vcpu, e->hart, what);
}

static void on_record(void *user, const aia_event *e)
{
  checker *c = user;
  aia_thread *t = aia_host_thread(c->host, e->vcpu);
  c->nrec++;
  if (t == NULL) {
    check_fail(c, e, "unknown thread id");
    return;
  }
  switch (e->kind) {
  case AIA_EV_SCHED_IN:
    c->nin++;
    if (c->on_hart[e->vcpu] != AIA_NONE)
      check_fail(c, e, "sched_in before the previous sched_out");
    if (c->hart_thr[e->hart] != AIA_NONE)
      check_fail(c, e, "sched_in on a hart that runs another thread");
    if (!aia_thread_may_run_on(t, e->hart))
      check_fail(c, e, "sched_in on a hart outside the affinity");
    if (aia_thread_hart(t) != e->hart)
      check_fail(c, e, "sched_in hart differs from the thread's hart");
    c->on_hart[e->vcpu] = e->hart;
    c->hart_thr[e->hart] = e->vcpu;
    break;
  case AIA_EV_SCHED_OUT:
    c->nout++;
    if (c->on_hart[e->vcpu] != e->hart)
      check_fail(c, e, "sched_out of a thread not switched in there");
    if (e->arg < 5)
      c->reasons[e->arg]++;
    c->on_hart[e->vcpu] = AIA_NONE;
    c->hart_thr[e->hart] = AIA_NONE;
    break;
  case AIA_EV_THREAD_ENQUEUE:
    if (!aia_thread_may_run_on(t, e->hart))
      check_fail(c, e, "queued on a hart outside the affinity");
    if (c->on_hart[e->vcpu] != AIA_NONE)
      check_fail(c, e, "queued while switched in");
    break;
  case AIA_EV_THREAD_MIGRATE:
    c->nmig++;
    if (e->arg >> 32 == AIA_MIGRATE_FORCED)
      c->nforced_mig++;
    if (e->arg >> 32 == AIA_MIGRATE_BALANCE)
      c->nbalance++;
    if (c->on_hart[e->vcpu] != AIA_NONE)
      check_fail(c, e, "migrated while switched in");
    break;
  case AIA_EV_THREAD_WAKE:
    c->nwake++;
    break;
  case AIA_EV_THREAD_SLEEP:
    c->nsleep++;
    if (c->on_hart[e->vcpu] != e->hart)
      check_fail(c, e, "slept while not switched in");
    break;
  default:
    break;
  }
}

/* A thread body that does random things a vCPU thread does: works, runs a
 * block loop (announce sleep, sometimes wait a little, schedule), wakes
 * others, is slow to reach a preemption point, enters a "guest". */
typedef struct rbody {
  fx *f;
  aia_thread *t;
  aia_rng rng;
  aia_timer work, blk, pp, wk;
  bool guest;
  int on;
  uint32_t in_hart;
  bool bad;
  struct rbody *all;
} rbody;

static aia_cycle rnd(rbody *r, aia_cycle lo, aia_cycle hi)
{
  return aia_rng_range(&r->rng, lo, hi);
}

static void rb_at(rbody *r, aia_timer *slot, aia_cycle dt, aia_timer_fn fn)
{
  aia_sim_cancel(r->f->sim, *slot);
  if (aia_sim_schedule(r->f->sim, aia_sim_now(r->f->sim) + dt, AIA_PH_HART, fn, r, slot) != 0)
    r->bad = true;
}

static void rb_work(aia_sim *sim, void *user);

static void rb_block(aia_sim *sim, void *user)
{
  rbody *r = user;
  bool sw = false;
  (void)sim;
  if (aia_thread_schedule(r->t, &sw) != AIA_OK)
    r->bad = true;
  if (!sw) /* woken in the window: back to work */
    rb_at(r, &r->work, rnd(r, 1, 20000), rb_work);
}

static void rb_work(aia_sim *sim, void *user)
{
  rbody *r = user;
  uint32_t hart = aia_thread_hart(r->t);
  uint64_t k = aia_rng_below(&r->rng, 10);
  (void)sim;
  if (r->guest && (aia_hart_mip(r->f->plat, hart) & SSIP))
    (void)aia_host_handle_ipi(r->f->host, hart); /* the exit path */
  r->guest = aia_rng_below(&r->rng, 4) == 0;
  if (k < 4) {
    if (aia_thread_set_interruptible(r->t) != AIA_OK)
      r->bad = true;
    if (k < 2)
      rb_block(sim, r);
    else
      rb_at(r, &r->blk, rnd(r, 1, 2000), rb_block);
    return;
  }
  if (k == 4) {
    (void)aia_thread_set_interruptible(r->t);
    (void)aia_thread_set_running(r->t);
  } else if (k == 5) {
    rbody *o = &r->all[aia_rng_below(&r->rng, BODIES)];
    (void)aia_thread_wake(o->t, hart, NULL, NULL);
  }
  rb_at(r, &r->work, rnd(r, 1, 20000), rb_work);
}

static void rb_pp(aia_sim *sim, void *user)
{
  rbody *r = user;
  (void)sim;
  if (aia_thread_preempt_point(r->t, NULL) != AIA_OK)
    r->bad = true;
}

static void rb_wake(aia_sim *sim, void *user)
{
  rbody *r = user;
  uint64_t from = aia_rng_below(&r->rng, HARTS + 1);
  (void)sim;
  (void)aia_thread_wake(r->t, from == HARTS ? AIA_NONE : (uint32_t)from, NULL, NULL);
}

static void rb_run(void *user, aia_thread *t, uint32_t hart)
{
  rbody *r = user;
  (void)hart;
  if (aia_thread_is_interruptible(t)) /* preempted inside its block loop */
    rb_at(r, &r->blk, rnd(r, 1, 2000), rb_block);
  else
    rb_at(r, &r->work, rnd(r, 1, 20000), rb_work);
}

static void rb_resched(void *user, aia_thread *t, uint32_t hart)
{
  rbody *r = user;
  (void)hart;
  if (aia_rng_below(&r->rng, 10) < 7) {
    if (aia_thread_preempt_point(t, NULL) != AIA_OK)
      r->bad = true;
  } else {
    rb_at(r, &r->pp, rnd(r, 1, 3000), rb_pp);
  }
}

static void rb_in(void *user, aia_thread *t, uint32_t hart)
{
  rbody *r = user;
  if (r->on || hart != aia_thread_hart(t))
    r->bad = true;
  r->on = 1;
  r->in_hart = hart;
}

static void rb_out(void *user, aia_thread *t, uint32_t hart, aia_sched_reason reason)
{
  rbody *r = user;
  (void)t;
  if (!r->on || hart != r->in_hart)
    r->bad = true;
  r->on = 0;
  r->guest = false;
  aia_sim_cancel(r->f->sim, r->work);
  aia_sim_cancel(r->f->sim, r->blk);
  aia_sim_cancel(r->f->sim, r->pp);
  if (reason == AIA_SCHED_SLEEP)
    rb_at(r, &r->wk, rnd(r, 1, 40000), rb_wake);
}

static bool rb_in_guest(void *user, const aia_thread *t)
{
  (void)t;
  return ((const rbody *)user)->guest;
}

/* Random scheduler actions a test could force. */
typedef struct chaos {
  fx *f;
  aia_rng rng;
  uint64_t n;
} chaos;

static uint64_t random_mask(aia_rng *r)
{
  uint64_t m = aia_rng_next(r) & ((UINT64_C(1) << HARTS) - 1);
  return m ? m : UINT64_C(1) << aia_rng_below(r, HARTS);
}

static void chaos_fire(aia_sim *sim, void *user)
{
  chaos *c = user;
  uint32_t nthr = aia_host_thread_count(c->f->host);
  aia_thread *t = aia_host_thread(c->f->host, (uint32_t)aia_rng_below(&c->rng, nthr));
  uint32_t hart = (uint32_t)aia_rng_below(&c->rng, HARTS);
  aia_cycle now = aia_sim_now(sim), when = now + aia_rng_below(&c->rng, 100);
  uint64_t m;
  c->n++;
  switch (aia_rng_below(&c->rng, 6)) {
  case 0:
    if (aia_thread_may_run_on(t, hart))
      (void)aia_host_force_migrate(c->f->host, t, hart, when);
    break;
  case 1:
    (void)aia_host_force_preempt(c->f->host, hart, when);
    break;
  case 2:
    m = random_mask(&c->rng);
    (void)aia_thread_set_affinity(t, &m, HARTS);
    break;
  case 3:
    (void)aia_thread_wake(t, aia_rng_below(&c->rng, 2) ? hart : AIA_NONE, NULL, NULL);
    break;
  case 4:
    (void)aia_hart_send_ipi(c->f->plat, hart, (uint32_t)aia_rng_below(&c->rng, HARTS), 0);
    break;
  default:
    break;
  }
  (void)aia_sim_schedule(sim, now + 1 + aia_rng_below(&c->rng, 5000), AIA_PH_SCHED, chaos_fire,
                         c, NULL);
}

typedef struct world {
  fx *f;
  checker ck;
  rbody bodies[BODIES];
  chaos ch;
} world;

static world *world_new(uint64_t seed, bool with_bodies, bool with_chaos)
{
  aia_host_config c;
  aia_noise_config nc;
  world *w = calloc(1, sizeof *w);
  aia_rng setup;
  assert_non_null(w);
  aia_host_config_init(&c);
  c.scheduler = AIA_SCHED_RR;
  c.slice = 50000;
  c.wakeup_granularity = 10000;
  c.ctx_switch = 500;
  c.balance_interval = 100000;
  w->f = fx_new(seed, HARTS, &c, NULL, false);
  w->ck.host = w->f->host;
  for (uint32_t i = 0; i < NOISE + BODIES; i++)
    w->ck.on_hart[i] = AIA_NONE;
  for (uint32_t i = 0; i < HARTS; i++)
    w->ck.hart_thr[i] = AIA_NONE;
  assert_aia_ok(w->f->sim, aia_sim_hook_add(w->f->sim, SCHED_KINDS, on_record, &w->ck, NULL));
  aia_sim_rng(w->f->sim, 1000, &setup);
  for (uint32_t i = 0; i < NOISE; i++) {
    uint64_t m = random_mask(&setup);
    aia_noise_config_init(&nc);
    nc.busy = 20000;
    nc.idle = 30000;
    nc.dist = (uint32_t)(i % 3);
    nc.start = aia_rng_below(&setup, 10000);
    nc.hart = (uint32_t)aia_rng_below(&setup, HARTS);
    nc.affinity = (i % 4) ? &m : NULL;
    nc.affinity_harts = HARTS;
    aia_thread *t;
    assert_aia_ok(w->f->sim, aia_noise_create(w->f->host, &nc, &t));
  }
  for (uint32_t i = 0; with_bodies && i < BODIES; i++) {
    rbody *r = &w->bodies[i];
    aia_thread_config tc;
    aia_thread_ops ops;
    uint64_t m = random_mask(&setup);
    r->f = w->f;
    r->all = w->bodies;
    aia_sim_rng(w->f->sim, 2000 + i, &r->rng);
    aia_thread_config_init(&tc);
    tc.vm = 1;
    tc.hart = (uint32_t)aia_rng_below(&setup, HARTS);
    tc.affinity = (i % 2) ? &m : NULL;
    tc.affinity_harts = HARTS;
    aia_thread_ops_init(&ops);
    ops.user = r;
    ops.run = rb_run;
    ops.resched = rb_resched;
    ops.sched_in = rb_in;
    ops.sched_out = rb_out;
    ops.in_guest = rb_in_guest;
    assert_aia_ok(w->f->sim, aia_thread_create(w->f->host, &tc, &ops, &r->t));
    wake(w->f, r->t, AIA_NONE, true);
  }
  if (with_chaos) {
    w->ch.f = w->f;
    aia_sim_rng(w->f->sim, 3000, &w->ch.rng);
    assert_aia_ok(w->f->sim, aia_sim_schedule(w->f->sim, 1000, AIA_PH_SCHED, chaos_fire,
                                              &w->ch, NULL));
  }
  return w;
}

static void world_free(world *w)
{
  fx_free(w->f);
  free(w);
}

/* Runs until the checker saw at least `records` scheduler records. */
static void world_run(world *w, uint64_t records)
{
  aia_cycle until = 0;
  while (w->ck.nrec < records && !w->ck.bad) {
    until += 1000000;
    fx_run(w->f, until);
    assert_true(until < 10000000000ull);
  }
  if (w->ck.bad)
    fail_msg("%s", w->ck.why);
  for (uint32_t i = 0; i < BODIES; i++)
    assert_false(w->bodies[i].bad);
}

static void test_random_affinity_never_violated(void **state)
{
  world *w = world_new(7, true, true);
  aia_host_stats st = { .struct_size = sizeof st };
  (void)state;
  world_run(w, 100000);
  assert_true(w->ck.nrec >= 100000);
  /* The run did exercise what could go wrong. */
  assert_true(w->ck.nin > 10000);
  assert_true(w->ck.nforced_mig > 50);
  assert_true(w->ck.nbalance > 10);
  assert_true(w->ck.reasons[AIA_SCHED_SLICE] > 100);
  assert_true(w->ck.reasons[AIA_SCHED_WAKEUP] > 100);
  assert_true(w->ck.reasons[AIA_SCHED_FORCED] > 10);
  assert_true(w->ck.reasons[AIA_SCHED_MIGRATE] > 10);
  assert_true(w->ck.reasons[AIA_SCHED_SLEEP] > 1000);
  assert_aia_ok(w->f->sim, aia_host_get_stats(w->f->host, &st));
  assert_int_equal(st.ctx_switches, w->ck.nin);
  assert_int_equal(st.balance_pulls, w->ck.nbalance);
  assert_int_equal(st.sleeps, w->ck.nsleep);
  world_free(w);
}

static void test_random_sched_out_before_sched_in(void **state)
{
  (void)state;
  for (uint64_t seed = 11; seed < 14; seed++) {
    world *w = world_new(seed, true, seed != 13);
    world_run(w, 200000);
    /* Every body saw its own notifiers alternate too (checked in rb_in/out). */
    for (uint32_t i = 0; i < BODIES; i++)
      assert_false(w->bodies[i].bad);
    assert_true(w->ck.nout + HARTS >= w->ck.nin);
    world_free(w);
  }
}

/* ------------------------------------------------------- determinism -- */

static void run_noise(uint64_t seed, uint64_t *hash, uint64_t *count, uint64_t *switches)
{
  world *w = world_new(seed, false, false);
  aia_host_stats st = { .struct_size = sizeof st };
  fx_run(w->f, 5000000);
  assert_false(w->ck.bad);
  *hash = aia_sim_hash(w->f->sim);
  *count = aia_sim_event_count(w->f->sim);
  assert_aia_ok(w->f->sim, aia_host_get_stats(w->f->host, &st));
  *switches = st.ctx_switches;
  world_free(w);
}

static void test_determinism(void **state)
{
  uint64_t h1, h2, h3, c1, c2, c3, s1, s2, s3;
  (void)state;
  run_noise(1, &h1, &c1, &s1);
  run_noise(1, &h2, &c2, &s2);
  run_noise(2, &h3, &c3, &s3);
  assert_true(s1 > 1000);
  assert_int_equal(h1, h2);
  assert_int_equal(c1, c2);
  assert_int_equal(s1, s2);
  assert_true(h1 != h3);
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_noise_fixed_periods),
  cmocka_unit_test(test_noise_counts_cpu_time),
  cmocka_unit_test(test_random_affinity_never_violated),
  cmocka_unit_test(test_random_sched_out_before_sched_in),
  cmocka_unit_test(test_determinism),
};

AIA_TEST_MAIN(tests)
