/* The two host-scheduler shapes that motivated the fair class, through the
 * scenario API: a sleeping vCPU beside a CPU-bound thread on one hart is
 * woken within microseconds (the round robin made it wait for its 1 ms
 * granularity), and vCPUs sharing two busy harts do change harts. */
#include <string.h>

#include "aia_test.h"
#include "aiasim/host.h"
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

static aia_run_result run(const char *text, const char *sched)
{
  aia_scenario *s = NULL;
  aia_override ov[] = { { "host.scheduler", sched } };
  aia_diag d;
  size_t n = 0;
  aia_run_result r;
  char err[256];
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), ov, 1, &s, &d, 1, &n),
                   AIA_OK);
  memset(&r, 0, sizeof r);
  if (aia_scenario_run(s, AIA_POLICY_NOKICK, NULL, &r, err, sizeof err) != AIA_OK)
    fail_msg("run failed: %s", err);
  aia_scenario_destroy(s);
  return r;
}

static void test_woken_vcpu_beside_a_spinner(void **state)
{
  aia_run_result e, rr;
  (void)state;
  e = run(spin1, "eevdf");
  rr = run(spin1, "rr");
  assert_true(e.r.wake_latency.count > 200);
  assert_int_equal(e.r.lost_wakeups, 0);
  /* With lag, the woken vCPU preempts at once: the wake-up costs the SGEI
   * path and a context switch, a few microseconds. */
  assert_true(e.r.wake_latency.p50 < 50000);
  /* The round robin keeps the spinner for its wakeup granularity. */
  assert_true(rr.r.wake_latency.p50 > 200000);
  aia_run_result_free(&e);
  aia_run_result_free(&rr);
}

static void test_vcpus_change_harts_under_load(void **state)
{
  aia_run_result e, c;
  (void)state;
  e = run(bal, "eevdf");
  c = run(bal, "cfs");
  assert_int_equal(e.r.lost_wakeups, 0);
  assert_true(e.r.vsfile_migrations >= 10);
  assert_true(c.r.vsfile_migrations >= 10);
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
