/* Library misuse gets its documented error, never a crash: calls from a
 * hook on a record emitted outside a run, NULL histograms, bad workload
 * arguments, a guest behaviour that breaks its contract, setup after the
 * start, a second platform, malformed device configurations. */
#include "kvm_fixture.h"

typedef struct reent {
  aia_sim *sim;
  int calls, run_rc, until_rc, step_rc;
} reent;

static void reent_hook(void *user, const aia_event *ev)
{
  reent *r = user;
  (void)ev;
  if (r->calls++ > 0)
    return;
  /* A record emitted by aia_vcpu_start, outside any run call. */
  aia_sim_destroy(r->sim); /* must do nothing */
  r->run_rc = aia_sim_run(r->sim);
  r->until_rc = aia_sim_run_until(r->sim, 1000);
  r->step_rc = aia_sim_step(r->sim);
}

static void test_calls_from_a_hook_outside_a_run(void **state)
{
  kf f;
  reent r = { 0 };
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  f.idle[0] = 1;
  r.sim = f.sim;
  assert_aia_ok(f.sim, aia_sim_hook_add(f.sim, AIA_EV_ALL, reent_hook, &r, NULL));
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_true(r.calls > 0);
  assert_int_equal(r.run_rc, AIA_ESTATE);
  assert_int_equal(r.until_rc, AIA_ESTATE);
  assert_int_equal(r.step_rc, AIA_ESTATE);
  assert_int_equal(aia_sim_now(f.sim), 0); /* nothing ran */
  /* The sim is whole: it runs, then is destroyed normally. */
  kf_run_until(&f, 100000);
  assert_true(kf_count(&f, AIA_EV_WFI, 0, AIA_NONE) > 0);
  kf_free(&f);
}

static void test_null_histograms(void **state)
{
  aia_hist_summary s;
  (void)state;
  assert_int_equal(aia_hist_record(NULL, 1), AIA_EINVAL);
  assert_int_equal(aia_hist_record_n(NULL, 1, 5), AIA_EINVAL);
  assert_int_equal(aia_hist_merge(NULL, NULL), AIA_EINVAL);
  assert_int_equal(aia_hist_quantile(NULL, 0.5), 0);
  assert_true(aia_hist_mean(NULL) == 0.0);
  memset(&s, 0xff, sizeof s);
  aia_hist_summarize(NULL, &s);
  assert_int_equal(s.count, 0);
  assert_int_equal(s.max, 0);
  aia_hist_summarize(NULL, NULL);
  aia_hist_init(NULL);
  aia_hist_reset(NULL);
  aia_hist_free(NULL);
}

static void test_workload_send_bad_path(void **state)
{
  kf f;
  uint64_t id = 77;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  assert_int_equal(aia_workload_send(f.kvm, kf_vcpu(&f, 0), 32, (aia_msi_path)9, &id),
                   AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), "path 9"));
  assert_int_equal(f.counts[AIA_EV_MSI_SOURCE], 0); /* nothing was sent */
  kf_free(&f);
}

static int bad_action;
static aia_cycle bad_until;

static aia_guest_action bad_next(void *user, aia_vcpu *v, aia_cycle now, aia_cycle *until)
{
  (void)user;
  (void)v;
  if (bad_until) {
    *until = now > bad_until ? now - bad_until : 0;
    return AIA_GUEST_BUSY;
  }
  return (aia_guest_action)bad_action;
}

static void run_bad_guest(int action, aia_cycle until_back, const char *want)
{
  kf f;
  aia_guest_ops ops;
  kf_defaults(&f);
  kf_build(&f, 1);
  memset(&ops, 0, sizeof ops);
  ops.struct_size = sizeof ops;
  ops.next = bad_next;
  bad_action = action;
  bad_until = until_back;
  assert_aia_ok(f.sim, aia_vcpu_set_guest(kf_vcpu(&f, 0), &ops, NULL));
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 5000));
  int rc = aia_sim_run_until(f.sim, 1000000);
  assert_int_equal(rc, AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), want));
  aia_cycle at = aia_sim_now(f.sim);
  assert_true(at >= 5000 && at < 1000000); /* stopped where it broke */
  /* Every later run call says the same. */
  assert_int_equal(aia_sim_run_until(f.sim, 2000000), AIA_EINVAL);
  assert_int_equal(aia_sim_step(f.sim), AIA_EINVAL);
  assert_int_equal(aia_sim_now(f.sim), at);
  kf_free(&f);
}

static void test_guest_unknown_action(void **state)
{
  (void)state;
  run_bad_guest(7, 0, "returned action 7");
}

static void test_guest_until_in_the_past(void **state)
{
  (void)state;
  run_bad_guest(0, 1000, "before now");
}

static void test_setup_after_start(void **state)
{
  kf f;
  aia_guest_config gc;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  f.idle[0] = 1;
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_int_equal(aia_vcpu_guest_setup(kf_vcpu(&f, 0), 1, 0, 1, 10), AIA_ESTATE);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), "after aia_vcpu_start"));
  aia_guest_config_init(&gc);
  assert_int_equal(aia_guest_attach(f.sim, kf_vcpu(&f, 0), &gc), AIA_ESTATE);
  kf_free(&f);
}

static void test_second_platform(void **state)
{
  kf f;
  aia_platform *p2 = NULL;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  assert_int_equal(aia_platform_create(f.sim, &f.pcfg, &p2), AIA_ESTATE);
  assert_null(p2);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), "has one already"));
  kf_free(&f);
}

static void test_device_configs(void **state)
{
  kf f;
  aia_device_config dc;
  aia_device *d;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.nvcpus = 3;
  dc.vcpus = NULL;
  assert_int_equal(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), "vcpus is NULL but nvcpus is 3"));
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.start = 2000;
  dc.stop = 1000;
  assert_int_equal(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), "after stop"));
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.pattern = AIA_PATTERN_BURST;
  dc.burst_count = AIA_BURST_MAX + 1;
  assert_int_equal(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  dc.burst_count = AIA_BURST_MAX;
  assert_aia_ok(f.sim, aia_device_create(f.kvm, &dc, &d));
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_calls_from_a_hook_outside_a_run),
    cmocka_unit_test(test_null_histograms),
    cmocka_unit_test(test_workload_send_bad_path),
    cmocka_unit_test(test_guest_unknown_action),
    cmocka_unit_test(test_guest_until_in_the_past),
    cmocka_unit_test(test_setup_after_start),
    cmocka_unit_test(test_second_platform),
    cmocka_unit_test(test_device_configs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
