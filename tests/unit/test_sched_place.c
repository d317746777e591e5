/* Host scheduler, fair policies: where a new thread starts
 * (wake_up_new_task: the fork balance, sched_balance_find_dst_cpu) and the
 * cache-hot rule for a thread that has never run. Placements are exact:
 * the model is deterministic. */
#include "host/host_impl.h"
#include "test_sched_fixture.h"

#define MS 1000000u
#define US 1000u
#define SPIN (UINT64_C(100000) * MS) /* a busy period longer than any run */

static aia_host_config eevdf(void)
{
  aia_host_config c;
  aia_host_config_init(&c);
  c.scheduler = AIA_SCHED_EEVDF;
  return c;
}

/* A spinning noise thread created on `hart`, allowed on `mask` (0: all),
 * first woken at `start`. */
static aia_thread *spinner(fx *f, uint64_t mask, int nice, aia_cycle start, uint32_t hart)
{
  aia_noise_config nc;
  aia_thread *t;
  aia_noise_config_init(&nc);
  nc.busy = SPIN;
  nc.idle = 1;
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

/* The first THREAD_WAKE record of thread tid. */
static const aia_event *first_wake(const fx *f, uint32_t tid)
{
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == AIA_EV_THREAD_WAKE && f->log[i].vcpu == tid)
      return &f->log[i];
  fail_msg("thread %u was not woken", tid);
  return NULL;
}

/* Eight threads created on hart 0 of four and started on the same cycle
 * land two to a hart, in the order the fork balance picks: an idle hart
 * while there is one (the creator's first), then the least loaded. The
 * wake-up path would have queued the last four on hart 0, its target,
 * once no hart was idle. */
static void test_new_threads_spread_by_load(void **state)
{
  static const uint32_t want[8] = { 0, 1, 2, 3, 0, 1, 2, 3 };
  aia_host_config c = eevdf();
  aia_thread *t[8];
  uint32_t per[4] = { 0 };
  fx *f = fx_new(1, 4, &c, NULL, true);
  (void)state;
  for (int i = 0; i < 8; i++)
    t[i] = spinner(f, 0, 0, 10 * US, 0);
  fx_run(f, 10 * US);
  for (int i = 0; i < 8; i++) {
    const aia_event *w = first_wake(f, aia_thread_id(t[i]));
    assert_int_equal(w->cycle, 10 * US);
    assert_int_equal(w->arg, AIA_WAKE_FORK);
    assert_int_equal(w->hart, want[i]);
    per[aia_thread_hart(t[i])]++;
  }
  for (int h = 0; h < 4; h++)
    assert_int_equal(per[h], 2);
  fx_free(f);

  /* NO_FORK_BALANCE: placed as wake-ups from hart 0; once no hart is idle
   * the rest queue on their target, hart 0. */
  c.features &= ~AIA_SCHED_F_FORK_BALANCE;
  f = fx_new(1, 4, &c, NULL, true);
  for (int i = 0; i < 8; i++)
    t[i] = spinner(f, 0, 0, 10 * US, 0);
  fx_run(f, 10 * US);
  for (int i = 4; i < 8; i++) {
    const aia_event *w = first_wake(f, aia_thread_id(t[i]));
    assert_int_equal(w->arg, AIA_WAKE_TARGET_BUSY);
    assert_int_equal(w->hart, 0);
  }
  fx_free(f);
}

/* Two cache groups of two harts: group 0 is full (a pinned spinner on
 * each hart), group 1 has hart 2 busy and hart 3 idle. A thread created on
 * hart 0 goes to hart 3: the idlest group of the system, then its idle
 * hart. (The wake-up path scans only the target's own group.) A thread
 * that may not leave group 0 stays on its hart. */
static void test_new_thread_finds_the_idlest_cache_group(void **state)
{
  static const uint32_t llc[4] = { 0, 0, 1, 1 };
  aia_host_config c = eevdf();
  aia_thread *a, *b;
  fx *f;
  (void)state;
  c.llc = llc;
  f = fx_new(1, 4, &c, NULL, true);
  spinner(f, 0x1, 0, 0, 0);
  spinner(f, 0x2, 0, 0, 1);
  spinner(f, 0x4, 0, 0, 2);
  fx_run(f, 1 * MS);
  assert_true(aia_host_hart_is_idle(f->host, 3));
  a = spinner(f, 0, 0, 2 * MS, 0);
  b = spinner(f, 0x3, 0, 2 * MS, 1);
  fx_run(f, 2 * MS);
  assert_int_equal(first_wake(f, aia_thread_id(a))->hart, 3);
  assert_int_equal(first_wake(f, aia_thread_id(a))->arg, AIA_WAKE_FORK);
  assert_int_equal(first_wake(f, aia_thread_id(b))->hart, 1);
  fx_free(f);
}

static uint32_t count_migrations(const fx *f, uint32_t cause)
{
  uint32_t n = 0;
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == AIA_EV_THREAD_MIGRATE && (f->log[i].arg >> 32) == cause)
      n++;
  return n;
}

/* A thread that has never run is not cache-hot: the kernel measures its
 * exec_start of 0 against the clock since boot. Hart 1's thread sleeps at
 * 5 ms with migration_cost at 100 ms, while thread b, started on the same
 * cycle and never run (nice 19: it does not preempt the spinner), waits on
 * hart 0: the newidle balance takes it. */
static void test_never_run_thread_is_not_cache_hot(void **state)
{
  aia_host_config c = eevdf();
  hog g;
  aia_thread *t, *b;
  bool sw = false;
  fx *f;
  (void)state;
  c.migration_cost = 100 * MS;
  c.features &= ~AIA_SCHED_F_PERIODIC;
  f = fx_new(1, 2, &c, NULL, true);
  t = hog_new(f, &g, 1, 0x2);
  wake(f, t, AIA_NONE, true);
  spinner(f, 0x1, 0, 10 * US, 0);
  b = spinner(f, 0, 19, 5 * MS, 0);
  fx_run(f, 5 * MS);
  assert_int_equal(first_wake(f, aia_thread_id(b))->hart, 0);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_IN, aia_thread_id(b)), 0);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(t));
  assert_aia_ok(f->sim, aia_thread_schedule(t, &sw));
  assert_true(sw);
  fx_run(f, 5 * MS + 100 * US);
  assert_int_equal(count_migrations(f, AIA_MIGRATE_NEWIDLE), 1);
  assert_int_equal(aia_thread_hart(b), 1);
  assert_int_equal(fx_find(f, AIA_EV_SCHED_IN, aia_thread_id(b), 0)->hart, 1);
  fx_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_new_threads_spread_by_load),
    cmocka_unit_test(test_new_thread_finds_the_idlest_cache_group),
    cmocka_unit_test(test_never_run_thread_is_not_cache_hot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
