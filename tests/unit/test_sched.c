/* Host scheduler: exact-cycle behaviour of rotation, wakes, placement,
 * preemption, IPIs, idle harts, balancing and forcing. */
#include "test_sched_fixture.h"

/* Default latencies of a wake onto an idle hart in WFI: reschedule IPI,
 * WFI exit, context switch. */
#define IPI 4000u
#define IDLE_EXIT 1000u
#define CS 2000u
#define WAKE_IDLE (IPI + IDLE_EXIT + CS)

static aia_host_config quiet_cfg(aia_cycle slice, aia_cycle gran, aia_cycle balance)
{
  aia_host_config c;
  aia_host_config_init(&c);
  c.scheduler = AIA_SCHED_RR;
  c.slice = slice;
  c.wakeup_granularity = gran;
  c.balance_interval = balance;
  return c;
}

static void test_defaults_and_errors(void **state)
{
  aia_host_config c;
  aia_thread_config tc;
  aia_thread *t = NULL;
  aia_host *h2 = NULL;
  uint64_t none = 0, beyond = UINT64_C(1) << 9;
  bool sw = true;
  fx *f;
  (void)state;
  aia_host_config_init(&c);
  c.scheduler = AIA_SCHED_RR;
  assert_int_equal(c.slice, 3000000);
  assert_int_equal(c.wakeup_granularity, 1000000);
  assert_int_equal(c.ctx_switch, 2000);
  assert_int_equal(c.sched_wake, 1000);
  assert_int_equal(c.balance_interval, 4000000);
  f = fx_new(1, 4, NULL, NULL, false);
  assert_int_equal(aia_host_harts(f->host), 4);
  c.slice = 0;
  assert_aia_status(aia_host_create(f->sim, f->plat, &c, &h2), AIA_EINVAL);
  assert_null(h2);
  aia_thread_config_init(&tc);
  tc.hart = 4;
  assert_aia_status(aia_thread_create(f->host, &tc, NULL, &t), AIA_EINVAL);
  assert_null(t);
  tc.hart = 0;
  tc.affinity = &none;
  tc.affinity_harts = 64;
  assert_aia_status(aia_thread_create(f->host, &tc, NULL, &t), AIA_EINVAL);
  tc.affinity = &beyond; /* hart 9 of a 4-hart platform */
  assert_aia_status(aia_thread_create(f->host, &tc, NULL, &t), AIA_EINVAL);
  tc.affinity = NULL;
  assert_aia_ok(f->sim, aia_thread_create(f->host, &tc, NULL, &t));
  assert_int_equal(aia_thread_id(t), 0);
  assert_ptr_equal(aia_host_thread(f->host, 0), t);
  assert_int_equal(aia_thread_get_state(t), AIA_THREAD_SLEEPING);
  assert_aia_status(aia_thread_wake(t, 4, NULL, NULL), AIA_ERANGE);
  assert_aia_status(aia_thread_schedule(t, &sw), AIA_ESTATE);
  assert_false(sw);
  assert_aia_status(aia_thread_set_interruptible(t), AIA_ESTATE);
  assert_aia_status(aia_thread_set_affinity(t, &none, 64), AIA_EINVAL);
  assert_aia_status(aia_host_force_preempt(f->host, 4, 0), AIA_ERANGE);
  fx_run(f, 10);
  assert_aia_status(aia_host_force_migrate(f->host, t, 1, 5), AIA_ERANGE);
  /* Every hart starts in WFI. */
  for (uint32_t i = 0; i < 4; i++) {
    assert_true(aia_hart_is_idle(f->plat, i));
    assert_true(aia_host_hart_is_idle(f->host, i));
  }
  fx_free(f);
}

/* Three threads on one hart rotate every slice, each switch costing
 * ctx_switch; the first one pays the wake of an idle hart. */
static void test_slice_rotation(void **state)
{
  enum { S = 100000 };
  aia_host_config c = quiet_cfg(S, 1000000000u, 0);
  fx *f = fx_new(1, 1, &c, NULL, true);
  hog g[3];
  (void)state;
  for (int i = 0; i < 3; i++) {
    hog_new(f, &g[i], 0, 0);
    wake(f, g[i].t, AIA_NONE, true);
  }
  fx_run(f, 7000 + 6 * (S + CS));
  for (uint32_t k = 0; k < 7; k++) {
    uint32_t tid = k % 3;
    assert_rec(f, AIA_EV_SCHED_IN, tid, k / 3, 7000 + k * (S + CS), 0);
    if (k < 6) {
      const aia_event *o = fx_find(f, AIA_EV_SCHED_OUT, tid, k / 3);
      assert_rec(f, AIA_EV_SCHED_OUT, tid, k / 3, 7000 + k * (S + CS) + S, 0);
      assert_int_equal(o->arg, AIA_SCHED_SLICE);
    }
  }
  /* The records carry the thread id in vcpu and the owner's tag in vm. */
  assert_int_equal(fx_find(f, AIA_EV_SCHED_IN, 2, 0)->vm, 7);
  for (int i = 0; i < 3; i++)
    assert_false(g[i].bad);
  assert_int_equal(fx_count(f, AIA_EV_IPI_SEND, AIA_NONE), 1);
  fx_free(f);
}

/* A reschedule IPI wakes an idle hart: send -> SSIP after ipi_deliver ->
 * out of WFI after idle_exit -> the thread after ctx_switch. */
static void test_ipi_wakes_idle_hart(void **state)
{
  aia_platform_config pc;
  aia_host_config c = quiet_cfg(1000000, 1000000, 0);
  aia_host_stats st = { .struct_size = sizeof st };
  fx *f;
  hog a, b;
  (void)state;
  aia_platform_config_init(&pc);
  pc.ipi_deliver = 300;
  pc.idle_exit = 50;
  c.ctx_switch = 20;
  f = fx_new(1, 2, &c, &pc, true);
  hog_new(f, &a, 0, 0);
  hog_new(f, &b, 0, 1); /* pinned to hart 0 */
  fx_run(f, 1000);
  wake(f, a.t, 1, true);
  const aia_event *s = fx_find(f, AIA_EV_IPI_SEND, AIA_NONE, 0);
  assert_non_null(s);
  assert_int_equal(s->cycle, 1000);
  assert_int_equal(s->hart, 0);
  assert_int_equal(s->arg, 1); /* sent from the waker's hart */
  fx_run(f, 1100);
  wake(f, b.t, 1, true); /* same hart, IPI already in flight: no second one */
  fx_run(f, 5000);
  assert_int_equal(fx_count(f, AIA_EV_IPI_SEND, AIA_NONE), 1);
  assert_int_equal(fx_find(f, AIA_EV_IPI_DELIVER, AIA_NONE, 0)->cycle, 1300);
  assert_int_equal(fx_find(f, AIA_EV_HART_WAKE, AIA_NONE, 0)->cycle, 1350);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 0, 1370, 0);
  assert_false(aia_hart_mip(f->plat, 0) & SSIP); /* the scheduler acknowledged it */
  assert_int_equal(aia_host_queue_len(f->host, 0), 1);
  assert_ptr_equal(aia_host_current(f->host, 0), a.t);
  assert_aia_ok(f->sim, aia_host_get_stats(f->host, &st));
  assert_int_equal(st.resched_ipis, 1);
  assert_int_equal(st.wakes, 2);
  assert_int_equal(st.ctx_switches, 1);
  fx_free(f);
}

/* try_to_wake_up: no-op on running/runnable threads; the announced-sleep
 * case returns true and cancels the sleep; a thread preempted while
 * interruptible stays runnable and is woken the same way. */
static void test_wake_running_runnable_interruptible(void **state)
{
  aia_host_config c = quiet_cfg(100000000u, 100000000u, 0);
  fx *f = fx_new(1, 2, &c, NULL, true);
  hog a, b;
  bool woken = true, sw = true;
  aia_cycle cost = 99;
  const aia_event *e;
  (void)state;
  hog_new(f, &a, 0, 1);
  hog_new(f, &b, 0, 1);
  wake(f, a.t, AIA_NONE, true);
  wake(f, b.t, AIA_NONE, true);
  fx_run(f, 10000);
  assert_int_equal(aia_thread_get_state(a.t), AIA_THREAD_RUNNING);
  assert_int_equal(aia_thread_get_state(b.t), AIA_THREAD_RUNNABLE);
  size_t before = f->nlog;
  assert_aia_ok(f->sim, aia_thread_wake(a.t, 1, &woken, &cost));
  assert_false(woken);
  assert_int_equal(cost, 0);
  assert_aia_ok(f->sim, aia_thread_wake(b.t, 1, &woken, &cost));
  assert_false(woken);
  assert_int_equal(f->nlog, before); /* nothing reported, nothing moved */
  assert_aia_status(aia_thread_set_interruptible(b.t), AIA_ESTATE);

  /* set_current_state(INTERRUPTIBLE), then a wake before schedule(). */
  assert_aia_ok(f->sim, aia_thread_set_interruptible(a.t));
  assert_true(aia_thread_is_interruptible(a.t));
  assert_aia_ok(f->sim, aia_thread_wake(a.t, 1, &woken, &cost));
  assert_true(woken);
  assert_int_equal(cost, 1000); /* sched_wake, for the caller to account */
  assert_false(aia_thread_is_interruptible(a.t));
  e = fx_find(f, AIA_EV_THREAD_WAKE, 0, 1);
  assert_non_null(e);
  assert_int_equal(e->arg, AIA_WAKE_NOT_SLEPT);
  assert_aia_ok(f->sim, aia_thread_schedule(a.t, &sw));
  assert_false(sw); /* did not sleep */
  assert_int_equal(aia_thread_get_state(a.t), AIA_THREAD_RUNNING);
  assert_int_equal(fx_count(f, AIA_EV_THREAD_SLEEP, AIA_NONE), 0);

  /* Control: without the wake, schedule() sleeps. */
  assert_aia_ok(f->sim, aia_thread_set_interruptible(a.t));
  assert_aia_ok(f->sim, aia_thread_schedule(a.t, &sw));
  assert_true(sw);
  assert_int_equal(aia_thread_get_state(a.t), AIA_THREAD_SLEEPING);
  assert_rec(f, AIA_EV_THREAD_SLEEP, 0, 0, 10000, 0);
  assert_int_equal(fx_find(f, AIA_EV_SCHED_OUT, 0, 0)->arg, AIA_SCHED_SLEEP);
  assert_int_equal(a.last_reason, AIA_SCHED_SLEEP);
  fx_run(f, 20000);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 0, 12000, 0);

  /* b announces a sleep and is preempted before schedule(): it stays
   * runnable and interruptible (kvm_sched_out sees it still on the queue). */
  wake(f, a.t, AIA_NONE, true);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(b.t));
  assert_aia_ok(f->sim, aia_host_force_preempt(f->host, 0, 30000));
  fx_run(f, 30000);
  assert_rec(f, AIA_EV_SCHED_OUT, 1, 0, 30000, 0);
  assert_int_equal(b.last_reason, AIA_SCHED_FORCED);
  assert_int_equal(aia_thread_get_state(b.t), AIA_THREAD_RUNNABLE);
  assert_true(aia_thread_is_interruptible(b.t));
  assert_aia_ok(f->sim, aia_thread_wake(b.t, AIA_NONE, &woken, NULL));
  assert_true(woken);
  assert_false(aia_thread_is_interruptible(b.t));
  assert_int_equal(aia_host_queue_len(f->host, 0), 1); /* not queued twice */
  assert_aia_ok(f->sim, aia_host_force_preempt(f->host, 0, 40000));
  fx_run(f, 50000);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 1, 42000, 0);
  assert_aia_ok(f->sim, aia_thread_schedule(b.t, &sw));
  assert_false(sw);
  assert_int_equal(aia_thread_get_state(b.t), AIA_THREAD_RUNNING);
  assert_false(a.bad || b.bad);
  fx_free(f);
}

static void test_place_last_hart_idle(void **state)
{
  fx *f = fx_new(1, 4, NULL, NULL, true);
  hog t;
  const aia_event *e;
  (void)state;
  hog_new(f, &t, 2, 0);
  wake(f, t.t, AIA_NONE, true);
  e = fx_find(f, AIA_EV_THREAD_WAKE, 0, 0);
  assert_int_equal(e->arg, AIA_WAKE_LAST_IDLE);
  assert_int_equal(e->hart, 2);
  fx_run(f, 10000);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 0, WAKE_IDLE, 2);
  assert_int_equal(fx_count(f, AIA_EV_THREAD_MIGRATE, AIA_NONE), 0);
  fx_free(f);
}

static void test_place_other_idle_hart(void **state)
{
  fx *f = fx_new(1, 4, NULL, NULL, true);
  hog x, t;
  const aia_event *e;
  (void)state;
  hog_new(f, &x, 2, UINT64_C(1) << 2);
  hog_new(f, &t, 2, 0xe); /* harts 1, 2, 3: hart 0 is idle but not allowed */
  wake(f, x.t, AIA_NONE, true);
  fx_run(f, 10000);
  wake(f, t.t, AIA_NONE, true);
  e = fx_find(f, AIA_EV_THREAD_WAKE, 1, 0);
  assert_int_equal(e->arg, AIA_WAKE_OTHER_IDLE);
  assert_int_equal(e->hart, 1);
  e = fx_find(f, AIA_EV_THREAD_MIGRATE, 1, 0);
  assert_non_null(e);
  assert_int_equal(e->hart, 1);
  assert_int_equal(e->arg, 2); /* left hart 2; cause WAKE (0) in the high bits */
  fx_run(f, 20000);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 0, 10000 + WAKE_IDLE, 1);
  fx_free(f);
}

static void test_place_queue(void **state)
{
  aia_host_config c = quiet_cfg(100000000u, 100000000u, 0);
  fx *f = fx_new(1, 2, &c, NULL, true);
  hog x, y, t, u;
  uint64_t only0 = 1;
  const aia_event *e;
  (void)state;
  hog_new(f, &x, 0, 1);
  hog_new(f, &y, 1, 2);
  hog_new(f, &t, 1, 0);
  hog_new(f, &u, 1, 0);
  wake(f, x.t, AIA_NONE, true);
  wake(f, y.t, AIA_NONE, true);
  fx_run(f, 10000);
  /* No allowed hart idle: the last hart's queue. */
  wake(f, t.t, AIA_NONE, true);
  e = fx_find(f, AIA_EV_THREAD_WAKE, 2, 0);
  assert_int_equal(e->arg, AIA_WAKE_LAST_QUEUE);
  assert_int_equal(e->hart, 1);
  assert_rec(f, AIA_EV_THREAD_ENQUEUE, 2, 0, 10000, 1);
  assert_int_equal(fx_find(f, AIA_EV_THREAD_ENQUEUE, 2, 0)->arg, 1); /* woken: front */
  assert_int_equal(fx_count(f, AIA_EV_THREAD_MIGRATE, 2), 0);
  /* The last hart is not allowed any more: the lowest allowed hart's queue. */
  assert_aia_ok(f->sim, aia_thread_set_affinity(u.t, &only0, 64));
  assert_int_equal(aia_thread_hart(u.t), 1); /* a sleeper keeps its last hart */
  wake(f, u.t, AIA_NONE, true);
  e = fx_find(f, AIA_EV_THREAD_WAKE, 3, 0);
  assert_int_equal(e->arg, AIA_WAKE_OTHER_QUEUE);
  assert_int_equal(e->hart, 0);
  e = fx_find(f, AIA_EV_THREAD_MIGRATE, 3, 0);
  assert_int_equal(e->hart, 0);
  assert_int_equal(e->arg, 1);
  assert_int_equal(aia_host_queue_len(f->host, 0), 1);
  assert_int_equal(aia_host_queue_len(f->host, 1), 1);
  assert_int_equal(fx_count(f, AIA_EV_IPI_SEND, AIA_NONE), 2); /* only the first two */
  fx_free(f);
}

/* A woken thread preempts once the current one has run wakeup_granularity
 * cycles in its turn: later if it has not yet, at once if it has; from
 * another hart through a reschedule IPI; a thread in a guest keeps SSIP
 * until its owner handles it. */
static void test_wakeup_preemption(void **state)
{
  enum { G = 50000 };
  aia_host_config c = quiet_cfg(10000000u, G, 0);
  fx *f = fx_new(1, 2, &c, NULL, true);
  hog a, b;
  bool sw;
  (void)state;
  hog_new(f, &a, 0, 1);
  hog_new(f, &b, 0, 1);
  wake(f, a.t, AIA_NONE, true);
  fx_run(f, 17000); /* a in at 7000, ran 10000 < G */
  wake(f, b.t, AIA_NONE, true);
  fx_run(f, 56999);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_OUT, 0), 0);
  fx_run(f, 100000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 0, 7000 + G, 0);
  assert_int_equal(fx_find(f, AIA_EV_SCHED_OUT, 0, 0)->arg, AIA_SCHED_WAKEUP);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 0, 7000 + G + CS, 0);

  /* a has run 98000 >= G when b wakes: preempted on the wake's cycle. */
  fx_run(f, 200000);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(b.t));
  assert_aia_ok(f->sim, aia_thread_schedule(b.t, &sw));
  fx_run(f, 300000);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 1, 202000, 0);
  wake(f, b.t, AIA_NONE, true);
  fx_run(f, 310000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 1, 300000, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 1, 302000, 0);

  /* Woken from hart 1: the request travels as a reschedule IPI. */
  fx_run(f, 400000);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(b.t));
  assert_aia_ok(f->sim, aia_thread_schedule(b.t, &sw));
  fx_run(f, 500000);
  wake(f, b.t, 1, true);
  assert_true(aia_host_need_resched(f->host, 0));
  fx_run(f, 510000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 2, 500000 + IPI, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 2, 500000 + IPI + CS, 0);
  assert_false(aia_hart_mip(f->plat, 0) & SSIP);

  /* Same, but a is in a guest: SSIP waits for aia_host_handle_ipi(). */
  fx_run(f, 600000);
  assert_aia_ok(f->sim, aia_thread_set_interruptible(b.t));
  assert_aia_ok(f->sim, aia_thread_schedule(b.t, &sw));
  a.guest = true;
  fx_run(f, 700000);
  wake(f, b.t, 1, true);
  fx_run(f, 800000);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_OUT, 0), 3);
  assert_true(aia_hart_mip(f->plat, 0) & SSIP);
  assert_true(aia_host_need_resched(f->host, 0));
  a.guest = false; /* the owner left the guest and runs its exit path */
  assert_aia_ok(f->sim, aia_host_handle_ipi(f->host, 0));
  assert_false(aia_hart_mip(f->plat, 0) & SSIP);
  fx_run(f, 810000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 3, 800000, 0);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 3, 802000, 0);
  assert_false(a.bad || b.bad);
  fx_free(f);
}

/* SSIP on a hart running a host thread is acknowledged by the scheduler in
 * the cycle it rises; with a guest running it is left to the owner. */
static void test_ssip_split(void **state)
{
  fx *f = fx_new(1, 2, NULL, NULL, true);
  hog a;
  (void)state;
  hog_new(f, &a, 0, 1);
  wake(f, a.t, AIA_NONE, true);
  fx_run(f, 10000);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->plat, 1, 0, 0));
  fx_run(f, 10000 + IPI);
  assert_false(aia_hart_mip(f->plat, 0) & SSIP);
  assert_int_equal(a.nresched, 0);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_OUT, AIA_NONE), 0);
  a.guest = true;
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->plat, 1, 0, 0));
  fx_run(f, 30000);
  assert_true(aia_hart_mip(f->plat, 0) & SSIP);
  assert_aia_ok(f->sim, aia_host_handle_ipi(f->host, 0));
  assert_false(aia_hart_mip(f->plat, 0) & SSIP);
  fx_run(f, 40000);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_OUT, AIA_NONE), 0);
  fx_free(f);
}

/* An idle hart woken by an interrupt that is not the scheduler's decides in
 * phase SCHED, after the handler (phase HART) woke a thread onto it: the
 * thread runs ctx_switch later, with no IPI. Without a thread, back to WFI. */
typedef struct handler {
  fx *f;
  aia_thread *wakee;
  uint32_t calls;
} handler;

static void on_hart(void *user, uint32_t hart, bool woke)
{
  handler *hd = user;
  uint64_t old = 0;
  if (!woke || hart != 0)
    return;
  hd->calls++;
  assert_int_equal(aia_file_topei(hd->f->plat, 0, 0, AIA_CSR_WRITE, &old), AIA_OK);
  if (old == 0)
    return; /* spurious: the claimed line had not dropped at the hart yet */
  assert_int_equal(old >> 16, 3);
  if (hd->wakee)
    wake(hd->f, hd->wakee, 0, true);
}

static void seip_at_zero(fx *f)
{
  assert_aia_ok(f->sim, aia_file_ireg(f->plat, 0, 0, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, 1, NULL));
  assert_aia_ok(f->sim, aia_file_ireg(f->plat, 0, 0, AIA_ISEL_EIE0, AIA_CSR_SET, 1u << 3, NULL));
  assert_aia_ok(f->sim, aia_file_set_pending(f->plat, 0, 0, 3, 0));
}

static void test_idle_wake_by_other_interrupt(void **state)
{
  fx *f = fx_new(1, 2, NULL, NULL, true);
  hog t;
  handler hd = { .f = f };
  const aia_event *w;
  (void)state;
  hog_new(f, &t, 0, 0);
  hd.wakee = t.t;
  assert_aia_ok(f->sim, aia_platform_listen(f->plat, on_hart, &hd));
  seip_at_zero(f);
  fx_run(f, 10000);
  assert_int_equal(hd.calls, 1);
  w = fx_find(f, AIA_EV_HART_WAKE, AIA_NONE, 0);
  assert_non_null(w);
  assert_int_equal(w->cycle, 10 + IDLE_EXIT); /* line_to_hart + idle_exit */
  assert_int_equal(fx_find(f, AIA_EV_THREAD_WAKE, 0, 0)->arg, AIA_WAKE_LAST_IDLE);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 0, w->cycle + CS, 0);
  assert_int_equal(fx_count(f, AIA_EV_IPI_SEND, AIA_NONE), 0);
  fx_free(f);
}

static void test_idle_wake_nothing_to_run(void **state)
{
  fx *f = fx_new(1, 2, NULL, NULL, true);
  handler hd = { .f = f };
  const aia_event *w, *i;
  (void)state;
  assert_aia_ok(f->sim, aia_platform_listen(f->plat, on_hart, &hd));
  seip_at_zero(f);
  fx_run(f, 10000);
  w = fx_find(f, AIA_EV_HART_WAKE, AIA_NONE, 0);
  i = fx_find(f, AIA_EV_HART_IDLE, AIA_NONE, 2); /* harts 0 and 1 at create, then this */
  assert_non_null(i);
  assert_int_equal(w->cycle, 10 + IDLE_EXIT);
  assert_int_equal(i->hart, 0);
  assert_int_equal(i->cycle, w->cycle); /* back to WFI in the same cycle */
  assert_true(i > w);
  /* SEIP was still seen (the claimed line drops line_to_hart later), so the
   * hart leaves WFI once more, finds nothing and goes back. */
  assert_int_equal(hd.calls, 2);
  assert_int_equal(fx_find(f, AIA_EV_HART_WAKE, AIA_NONE, 1)->cycle, w->cycle + IDLE_EXIT);
  assert_int_equal(fx_count(f, AIA_EV_HART_WAKE, AIA_NONE), 2);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_IN, AIA_NONE), 0);
  assert_true(aia_hart_is_idle(f->plat, 0));
  fx_free(f);
}

/* Idle pull: a thread waiting behind a running one moves to an idle hart at
 * the balance interval, without being woken. */
static void test_balance_pulls(void **state)
{
  enum { I = 1000000 };
  (void)state;
  for (int on = 0; on < 2; on++) {
    aia_host_config c = quiet_cfg(100000000u, 100000000u, on ? I : 0);
    aia_host_stats st = { .struct_size = sizeof st };
    fx *f = fx_new(1, 2, &c, NULL, true);
    hog g[3];
    const aia_event *m;
    for (int i = 0; i < 3; i++) {
      hog_new(f, &g[i], 0, 1);
      wake(f, g[i].t, AIA_NONE, true);
    }
    fx_run(f, 10000);
    assert_aia_ok(f->sim, aia_thread_set_affinity(g[1].t, NULL, 0));
    assert_aia_ok(f->sim, aia_thread_set_affinity(g[2].t, NULL, 0));
    assert_int_equal(aia_host_queue_len(f->host, 0), 2); /* hart 0 still allowed */
    fx_run(f, 3 * I);
    assert_aia_ok(f->sim, aia_host_get_stats(f->host, &st));
    if (!on) {
      assert_int_equal(fx_count(f, AIA_EV_THREAD_MIGRATE, AIA_NONE), 0);
      assert_int_equal(st.balance_pulls, 0);
      fx_free(f);
      continue;
    }
    assert_int_equal(st.balance_pulls, 1);
    m = fx_find(f, AIA_EV_THREAD_MIGRATE, AIA_NONE, 0);
    assert_non_null(m);
    assert_int_equal(m->vcpu, 2); /* the tail of hart 0's queue */
    assert_int_equal(m->cycle, I);
    assert_int_equal(m->hart, 1);
    assert_int_equal(m->arg, (uint64_t)AIA_MIGRATE_BALANCE << 32 | 0);
    assert_int_equal(fx_count(f, AIA_EV_THREAD_WAKE, 2), 1); /* not woken again */
    assert_rec(f, AIA_EV_SCHED_IN, 2, 0, I + WAKE_IDLE, 1);
    assert_int_equal(fx_count(f, AIA_EV_THREAD_MIGRATE, AIA_NONE), 1);
    assert_int_equal(aia_thread_hart(g[2].t), 1);
    fx_free(f);
  }
}

static void test_force_migrate_running(void **state)
{
  enum { X = 50000 };
  aia_host_config c = quiet_cfg(100000000u, 100000000u, 0);
  fx *f = fx_new(1, 4, &c, NULL, true);
  hog a;
  const aia_event *m;
  (void)state;
  hog_new(f, &a, 0, 0);
  wake(f, a.t, AIA_NONE, true);
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, a.t, 2, X));
  fx_run(f, X - 1);
  assert_int_equal(aia_thread_hart(a.t), 0);
  fx_run(f, X + 20000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 0, X, 0);
  assert_int_equal(a.last_reason, AIA_SCHED_MIGRATE);
  m = fx_find(f, AIA_EV_THREAD_MIGRATE, 0, 0);
  assert_non_null(m);
  assert_int_equal(m->cycle, X);
  assert_int_equal(m->hart, 2);
  assert_int_equal(m->arg, (uint64_t)AIA_MIGRATE_FORCED << 32 | 0);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 1, X + WAKE_IDLE, 2);
  assert_true(aia_host_hart_is_idle(f->host, 0));
  assert_rec(f, AIA_EV_HART_IDLE, AIA_NONE, 4, X, 0); /* 4 at create, then hart 0 */
  assert_false(a.bad);
  fx_free(f);
}

static void test_force_migrate_runnable_and_sleeping(void **state)
{
  enum { X = 50000 };
  aia_host_config c = quiet_cfg(100000000u, 100000000u, 0);
  fx *f = fx_new(1, 4, &c, NULL, true);
  hog b, q, d;
  uint64_t all = 0xf;
  const aia_event *m, *w;
  (void)state;
  hog_new(f, &b, 1, 2);
  hog_new(f, &q, 1, 2);
  hog_new(f, &d, 0, 0);
  wake(f, b.t, AIA_NONE, true);
  wake(f, q.t, AIA_NONE, true);
  fx_run(f, 10000);
  assert_aia_ok(f->sim, aia_thread_set_affinity(q.t, &all, 4));
  assert_aia_status(aia_host_force_migrate(f->host, b.t, 3, X), AIA_EINVAL); /* pinned */
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, q.t, 3, X));
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, d.t, 2, X + 1));
  fx_run(f, X + 20000);
  m = fx_find(f, AIA_EV_THREAD_MIGRATE, 1, 0);
  assert_int_equal(m->cycle, X);
  assert_int_equal(m->hart, 3);
  assert_int_equal(m->arg, (uint64_t)AIA_MIGRATE_FORCED << 32 | 1);
  assert_rec(f, AIA_EV_THREAD_ENQUEUE, 1, 1, X, 3);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 0, X + WAKE_IDLE, 3);
  assert_int_equal(aia_host_queue_len(f->host, 1), 0);
  /* Sleeping: only its last hart changes, so its wake looks there first. */
  assert_rec(f, AIA_EV_THREAD_MIGRATE, 2, 0, X + 1, 2);
  assert_int_equal(aia_thread_get_state(d.t), AIA_THREAD_SLEEPING);
  wake(f, d.t, AIA_NONE, true);
  w = fx_find(f, AIA_EV_THREAD_WAKE, 2, 0);
  assert_int_equal(w->hart, 2);
  assert_int_equal(w->arg, AIA_WAKE_LAST_IDLE);
  fx_free(f);
}

/* A thread whose switch-in has begun is sent elsewhere without a sched_in
 * on the hart it never reached. */
static void test_force_migrate_during_switch(void **state)
{
  fx *f = fx_new(1, 2, NULL, NULL, true);
  hog e;
  (void)state;
  hog_new(f, &e, 0, 0);
  wake(f, e.t, AIA_NONE, true);
  fx_run(f, IPI + IDLE_EXIT + 1); /* switch in progress on hart 0 */
  assert_ptr_equal(aia_host_current(f->host, 0), e.t);
  assert_false(aia_thread_is_on_cpu(e.t));
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, e.t, 1, 6000));
  fx_run(f, 20000);
  assert_rec(f, AIA_EV_THREAD_MIGRATE, 0, 0, 6000, 1);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 0, 6000 + WAKE_IDLE, 1);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_IN, 0), 1);
  assert_int_equal(fx_count(f, AIA_EV_SCHED_OUT, 0), 0);
  assert_rec(f, AIA_EV_HART_IDLE, AIA_NONE, 2, 6000, 0);
  assert_false(e.bad);
  fx_free(f);
}

static void test_force_preempt(void **state)
{
  aia_host_config c = quiet_cfg(100000000u, 100000000u, 0);
  fx *f = fx_new(1, 2, &c, NULL, true);
  hog a, b, s;
  bool sw = false;
  (void)state;
  hog_new(f, &a, 0, 1);
  hog_new(f, &b, 0, 1);
  hog_new(f, &s, 1, 2);
  s.stubborn = true; /* never reaches a preemption point by itself */
  wake(f, a.t, AIA_NONE, true);
  wake(f, b.t, AIA_NONE, true);
  wake(f, s.t, AIA_NONE, true);
  assert_aia_ok(f->sim, aia_host_force_preempt(f->host, 0, 30000));
  assert_aia_ok(f->sim, aia_host_force_preempt(f->host, 1, 30000));
  fx_run(f, 40000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 0, 30000, 0);
  assert_int_equal(a.last_reason, AIA_SCHED_FORCED);
  assert_rec(f, AIA_EV_SCHED_IN, 1, 0, 32000, 0);
  /* Alone on hart 1: asked, and keeps the hart at its preemption point. */
  assert_int_equal(s.nresched, 1);
  assert_true(aia_host_need_resched(f->host, 1));
  assert_aia_ok(f->sim, aia_thread_preempt_point(s.t, &sw));
  assert_false(sw);
  assert_false(aia_host_need_resched(f->host, 1));
  assert_int_equal(fx_count(f, AIA_EV_SCHED_OUT, 2), 0);
  fx_free(f);
}

/* Affinity changes take effect at once: a running thread leaves at its
 * preemption point, a queued one moves, and a change made from inside the
 * sched_out notifier is honoured when the thread is queued. */
static void test_affinity_changes(void **state)
{
  aia_host_config c = quiet_cfg(100000000u, 100000000u, 0);
  fx *f = fx_new(1, 4, &c, NULL, true);
  hog a, b, q, r;
  uint64_t only1 = 2, only3 = 8, h01 = 3;
  const aia_event *m;
  (void)state;
  hog_new(f, &a, 0, 0);
  hog_new(f, &b, 2, 4);  /* pinned to 2 */
  hog_new(f, &q, 2, 4);  /* pinned to 2, waits behind b */
  wake(f, a.t, AIA_NONE, true);
  wake(f, b.t, AIA_NONE, true);
  wake(f, q.t, AIA_NONE, true);
  fx_run(f, 10000);
  /* Running on a hart it may no longer use. */
  assert_aia_ok(f->sim, aia_thread_set_affinity(a.t, &only1, 64));
  assert_true(aia_host_need_resched(f->host, 0));
  fx_run(f, 20000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 0, 10000, 0);
  assert_int_equal(a.last_reason, AIA_SCHED_MIGRATE);
  m = fx_find(f, AIA_EV_THREAD_MIGRATE, 0, 0);
  assert_int_equal(m->hart, 1);
  assert_int_equal(m->arg, (uint64_t)AIA_MIGRATE_AFFINITY << 32 | 0);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 1, 10000 + WAKE_IDLE, 1);
  /* Queued on a hart it may no longer use: moves at once to an idle one. */
  assert_aia_ok(f->sim, aia_thread_set_affinity(q.t, &h01, 64));
  m = fx_find(f, AIA_EV_THREAD_MIGRATE, 2, 0);
  assert_non_null(m);
  assert_int_equal(m->cycle, 20000);
  assert_int_equal(m->hart, 0);
  assert_int_equal(aia_host_queue_len(f->host, 2), 0);
  fx_run(f, 40000);
  assert_rec(f, AIA_EV_SCHED_IN, 2, 0, 20000 + WAKE_IDLE, 0);
  /* Re-pinned from inside its own sched_out (preempted, stays runnable). */
  a.repin = only3;
  assert_aia_ok(f->sim, aia_host_force_preempt(f->host, 1, 50000));
  hog_new(f, &r, 1, 2); /* something for hart 1 to run instead */
  wake(f, r.t, AIA_NONE, true);
  fx_run(f, 70000);
  assert_rec(f, AIA_EV_SCHED_OUT, 0, 1, 50000, 1);
  assert_int_equal(a.last_reason, AIA_SCHED_FORCED);
  m = fx_find(f, AIA_EV_THREAD_MIGRATE, 0, 1);
  assert_non_null(m);
  assert_int_equal(m->hart, 3);
  assert_int_equal(m->cycle, 50000);
  assert_rec(f, AIA_EV_SCHED_IN, 0, 2, 50000 + WAKE_IDLE, 3);
  assert_false(a.bad || b.bad || q.bad || r.bad);
  fx_free(f);
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_defaults_and_errors),
  cmocka_unit_test(test_slice_rotation),
  cmocka_unit_test(test_ipi_wakes_idle_hart),
  cmocka_unit_test(test_wake_running_runnable_interruptible),
  cmocka_unit_test(test_place_last_hart_idle),
  cmocka_unit_test(test_place_other_idle_hart),
  cmocka_unit_test(test_place_queue),
  cmocka_unit_test(test_wakeup_preemption),
  cmocka_unit_test(test_ssip_split),
  cmocka_unit_test(test_idle_wake_by_other_interrupt),
  cmocka_unit_test(test_idle_wake_nothing_to_run),
  cmocka_unit_test(test_balance_pulls),
  cmocka_unit_test(test_force_migrate_running),
  cmocka_unit_test(test_force_migrate_runnable_and_sleeping),
  cmocka_unit_test(test_force_migrate_during_switch),
  cmocka_unit_test(test_force_preempt),
  cmocka_unit_test(test_affinity_changes),
};

AIA_TEST_MAIN(tests)
