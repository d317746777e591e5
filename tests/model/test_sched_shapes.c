/* The two host-scheduler shapes that motivated the fair class, through the
 * scenario API: a sleeping vCPU beside a CPU-bound thread on one hart is
 * woken within microseconds (the round robin made it wait for its 1 ms
 * granularity), and vCPUs sharing two busy harts do change harts. */
#include <string.h>

#include "aia_test.h"
#include "aiasim/host.h"
#include "aiasim/kvm.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"

static const char spin1[] = "aiasim: 1\nname: spin1\nduration: 200ms\npolicy: [nokick]\n"
                            "platform: { harts: 1 }\n"
                            "host:\n  halt_poll_max: 0\n"
                            "  noise: [{ harts: all, busy: 10s, idle: 1ms }]\n"
                            "vms: [{ name: vm0, vcpus: 1, guest: { behaviour: idle } }]\n"
                            "devices: [{ name: nic, vm: vm0, pattern: poisson, rate: 1600/s }]\n";

static const char bal[] = "aiasim: 1\nname: bal\nduration: 50ms\npolicy: [nokick]\n"
                          "platform: { harts: 2 }\n"
                          "host:\n  noise: [{ harts: all, busy: 100us, idle: 150us }]\n"
                          "vms: [{ name: vm0, vcpus: 4, guest: { behaviour: idle } }]\n"
                          "devices: [{ name: nic, vm: vm0, pattern: poisson, rate: 8000/s }]\n";

typedef struct cap {
  aia_kvm *kvm;
  aia_thread_stats st;
} cap;

static void built(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
{
  (void)sim;
  (void)plat;
  ((cap *)user)->kvm = kvm;
}

/* At the end of the run, before the sim goes: the vCPU threads' schedstat. */
static void ended(void *user, aia_sim *sim)
{
  cap *c = user;
  (void)sim;
  c->st.struct_size = 0;
  assert_int_equal(aia_kvm_sched_stats(c->kvm, &c->st), AIA_EINVAL);
  assert_int_equal(aia_kvm_sched_stats(c->kvm, NULL), AIA_EINVAL);
  c->st.struct_size = sizeof c->st;
  assert_int_equal(aia_kvm_sched_stats(NULL, &c->st), AIA_EINVAL);
  assert_int_equal(aia_kvm_sched_stats(c->kvm, &c->st), AIA_OK);
}

static aia_run_result run_st(const char *text, const char *sched, aia_thread_stats *st)
{
  cap c;
  aia_run_options opt;
  aia_scenario *s = NULL;
  aia_override ov[] = { { "host.scheduler", sched } };
  aia_diag d;
  size_t n = 0;
  aia_run_result r;
  char err[256];
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), ov, 1, &s, &d, 1, &n),
                   AIA_OK);
  memset(&r, 0, sizeof r);
  memset(&c, 0, sizeof c);
  aia_run_options_init(&opt);
  opt.on_built = built;
  opt.on_end = ended;
  opt.user = &c;
  if (aia_scenario_run(s, AIA_POLICY_NOKICK, &opt, &r, err, sizeof err) != AIA_OK)
    fail_msg("run failed: %s", err);
  aia_scenario_destroy(s);
  *st = c.st;
  return r;
}

/* Checks that hold for any run: every wake-up of a vCPU thread is a
 * kvm_vcpu_wake_up that woke it, and lands on the waker's hart or another. */
static void check_consistent(const aia_run_result *r, const aia_thread_stats *st)
{
  assert_int_equal(st->nr_wakeups, r->r.wakeups);
  assert_int_equal(st->nr_wakeups_local + st->nr_wakeups_remote, st->nr_wakeups);
  assert_true(st->nr_wakeups_migrate <= st->nr_migrations);
  /* A VS-file changes harts only when its vCPU's thread did. */
  assert_true(st->nr_migrations >= r->r.vsfile_migrations);
  assert_true(st->nr_voluntary_switches + st->nr_involuntary_switches <= st->nr_switches);
  assert_true(st->nr_voluntary_switches >= st->nr_wakeups);
}

static void test_woken_vcpu_beside_a_spinner(void **state)
{
  aia_run_result e, rr;
  aia_thread_stats es, rs;
  (void)state;
  e = run_st(spin1, "eevdf", &es);
  rr = run_st(spin1, "rr", &rs);
  check_consistent(&e, &es);
  check_consistent(&rr, &rs);
  assert_true(e.r.wake_latency.count > 200);
  assert_int_equal(e.r.lost_wakeups, 0);
  /* With lag, the woken vCPU preempts at once: the wake-up costs the SGEI
   * path and a context switch, a few microseconds. */
  assert_true(e.r.wake_latency.p50 < 50000);
  /* The round robin keeps the spinner for its wakeup granularity. */
  assert_true(rr.r.wake_latency.p50 > 200000);
  /* The same from the scheduler's side, run_delay per wake-up: the SGEI
   * handler wakes the vCPU on the spinner's own hart and the return from
   * the interrupt switches to it at once (the cost is in the handler, not
   * in the queue); the round robin leaves it queued for hundreds of us. */
  assert_true(es.nr_wakeups > 200 && rs.nr_wakeups > 100);
  assert_true(es.run_delay / es.nr_wakeups < 1000);
  assert_true(rs.run_delay / rs.nr_wakeups > 200000);
  aia_run_result_free(&e);
  aia_run_result_free(&rr);
}

static void test_vcpus_change_harts_under_load(void **state)
{
  aia_run_result e, c;
  aia_thread_stats es, cs;
  (void)state;
  e = run_st(bal, "eevdf", &es);
  c = run_st(bal, "cfs", &cs);
  check_consistent(&e, &es);
  check_consistent(&c, &cs);
  assert_int_equal(e.r.lost_wakeups, 0);
  assert_true(e.r.vsfile_migrations >= 10);
  assert_true(c.r.vsfile_migrations >= 10);
  assert_true(es.nr_wakeups_migrate >= 1 && es.nr_wakeups_remote >= 1);
  aia_run_result_free(&e);
  aia_run_result_free(&c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_woken_vcpu_beside_a_spinner),
    cmocka_unit_test(test_vcpus_change_harts_under_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
