/* Host scheduler, fair policies: the cache-hot rule for a thread that has
 * never run. Placements are exact: the model is deterministic. */
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
    cmocka_unit_test(test_never_run_thread_is_not_cache_hot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
