/* KVM model: a vCPU blocked in WFI on its VS-file's hart (era C). */
#include "kvm_fixture.h"

static void blocked_setup(kf *f, aia_policy policy, aia_era era)
{
  static const uint32_t hart1[] = { 1 };
  kf_defaults(f);
  f->kcfg.policy = policy;
  f->kcfg.era = era;
  f->vcfg.affinity = hart1;
  f->vcfg.naffinity = 1;
  kf_build(f, 1);
  f->idle[0] = 1;
  assert_aia_ok(f->sim, aia_vcpu_start(kf_vcpu(f, 0), 0));
  kf_run_until(f, 100000);
  if (aia_vcpu_get_state(kf_vcpu(f, 0)) != AIA_VCPU_BLOCKED)
    kf_dump(f, 0, 100000);
  assert_int_equal(aia_vcpu_get_state(kf_vcpu(f, 0)), AIA_VCPU_BLOCKED);
  assert_int_equal(aia_vcpu_vsfile_hart(kf_vcpu(f, 0)), 1);
  /* Era B/C arm hgeie at sched-out while blocking. */
  uint64_t hgeie = 0;
  assert_aia_ok(f->sim, aia_hart_hgeie(f->plat, 1, AIA_CSR_READ, 0, &hgeie));
  assert_true(hgeie == (UINT64_C(1) << aia_vcpu_vsfile_hgei(kf_vcpu(f, 0))));
}

static void test_blocked_nokick_wakes_through_sgei(void **state)
{
  kf f;
  (void)state;
  blocked_setup(&f, AIA_POLICY_NOKICK, AIA_ERA_C);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 9, 1));
  kf_run_until(&f, 200000);
  if (f.claims[0] != 1)
    kf_dump(&f, 100000, 200000);
  assert_int_equal(f.claims[0], 1);
  assert_int_equal(f.last_claim[0], 9);
  assert_int_equal(kf_count(&f, AIA_EV_HGEI_IRQ, 100000, 1), 1);
  /* The only wake is the kick from hgei_interrupt on hart 1. */
  assert_int_equal(kf_count(&f, AIA_EV_WAKEUP, 100000, AIA_NONE), 1);
  assert_int_equal(kf_count(&f, AIA_EV_WAKEUP, 100000, 1), 1);
  /* hgei_interrupt disarmed the bit when it ran; the idle guest then
   * blocked again and the next sched-out armed it again. */
  const aia_event *irq = kf_first(&f, AIA_EV_HGEI_IRQ, 100000);
  const aia_event *dis = kf_first(&f, AIA_EV_HGEIE, 100000);
  assert_non_null(irq);
  assert_non_null(dis);
  assert_int_equal(dis->cycle, irq->cycle);
  assert_int_equal(dis->arg, 0);
  assert_int_equal(aia_vcpu_get_state(kf_vcpu(&f, 0)), AIA_VCPU_BLOCKED);
  uint64_t hgeie = 0;
  assert_aia_ok(f.sim, aia_hart_hgeie(f.plat, 1, AIA_CSR_READ, 0, &hgeie));
  assert_true(hgeie == 2);
  kf_free(&f);
}

static void test_blocked_kick_wakes_directly_and_sgei_still_fires(void **state)
{
  kf f;
  (void)state;
  blocked_setup(&f, AIA_POLICY_KICK, AIA_ERA_C);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 9, 1));
  kf_run_until(&f, 200000);
  assert_int_equal(f.claims[0], 1);
  /* The injector's kick (hart 0) woke it ... */
  const aia_event *w = kf_first(&f, AIA_EV_WAKEUP, 100000);
  assert_non_null(w);
  assert_int_equal(w->hart, 0);
  assert_int_equal(kf_count_arg(&f, AIA_EV_WAKEUP, 100000, 0), 1);
  /* ... and the SGEI still fired on hart 1 (counted): its kick found the
   * task already awake, a duplicate wake-up. */
  assert_int_equal(kf_count(&f, AIA_EV_HGEI_IRQ, 100000, 1), 1);
  assert_int_equal(kf_count_arg(&f, AIA_EV_WAKEUP, 100000, 1), 1);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_blocked_nokick_wakes_through_sgei),
    cmocka_unit_test(test_blocked_kick_wakes_directly_and_sgei_still_fires),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
