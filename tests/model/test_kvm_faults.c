/* KVM model: each planted bug turns a delivered MSI into a lost wakeup that
 * the model's invariant sees; the same scenario without it is clean. */
#include "kvm_fixture.h"

static bool lost_wakeup(kf *f)
{
  aia_vcpu *v = kf_vcpu(f, 0);
  return aia_vcpu_get_state(v) == AIA_VCPU_BLOCKED && aia_vcpu_has_deliverable(v) &&
         aia_vcpu_guest_seie(v);
}

/* An idle vCPU pinned on hart 1 blocks in WFI; one MSI is injected at `at`
 * (0: 100,000). Returns claims; *lost says whether it is a lost wakeup. */
static uint32_t blocked_msi(uint32_t faults, aia_cycle at, bool *lost)
{
  static const uint32_t hart1[] = { 1 };
  kf f;
  kf_defaults(&f);
  f.kcfg.faults = faults;
  f.vcfg.affinity = hart1;
  f.vcfg.naffinity = 1;
  kf_build(&f, 1);
  f.idle[0] = 1;
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  kf_run_until(&f, at ? at : 100000);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 9, 1));
  kf_run_until(&f, (at ? at : 100000) + 2000000);
  uint32_t claims = f.claims[0];
  *lost = lost_wakeup(&f);
  kf_free(&f);
  return claims;
}

static void test_fault_no_wakeon_hgei(void **state)
{
  bool lost;
  (void)state;
  assert_int_equal(blocked_msi(0, 0, &lost), 1);
  assert_false(lost);
  assert_int_equal(blocked_msi(AIA_FAULT_NO_WAKEON_HGEI, 0, &lost), 0);
  assert_true(lost);
}

static void test_fault_hgei_handler_no_kick(void **state)
{
  bool lost;
  (void)state;
  assert_int_equal(blocked_msi(AIA_FAULT_HGEI_HANDLER_NO_KICK, 0, &lost), 0);
  assert_true(lost);
}

/* arm_after_sleep: only an MSI that lands between the last check and the
 * arm is missed, so sweep the landing time across the first block. */
static void test_fault_arm_after_sleep(void **state)
{
  (void)state;
  uint32_t lost_with = 0, lost_without = 0;
  for (aia_cycle at = 2000; at < 30000; at += 25) {
    bool lost;
    (void)blocked_msi(AIA_FAULT_ARM_AFTER_SLEEP, at, &lost);
    lost_with += lost;
    (void)blocked_msi(0, at, &lost);
    lost_without += lost;
  }
  assert_int_equal(lost_without, 0);
  assert_true(lost_with >= 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fault_no_wakeon_hgei),
    cmocka_unit_test(test_fault_hgei_handler_no_kick),
    cmocka_unit_test(test_fault_arm_after_sleep),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
