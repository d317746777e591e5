/* KVM model: the three eras of the wake logic on the migration races, and
 * the WFI race window for era C without the kick. */
#include "kvm_fixture.h"

/* A lost wakeup as the model's own invariant sees it: the vCPU sleeps in
 * kvm_vcpu_block while its file holds a deliverable identity, with SEIE on. */
static bool lost_wakeup(kf *f, uint32_t i)
{
  aia_vcpu *v = kf_vcpu(f, i);
  return aia_vcpu_get_state(v) == AIA_VCPU_BLOCKED && aia_vcpu_has_deliverable(v) &&
         aia_vcpu_guest_seie(v);
}

/* Idle guest, one vCPU that may run on harts 0 and 1, started on hart 1. */
static void idle_setup(kf *f, aia_era era, aia_policy policy)
{
  kf_defaults(f);
  f->kcfg.era = era;
  f->kcfg.policy = policy;
  kf_build(f, 3);
  f->idle[0] = 1;
  /* Not started yet (sleeping): its first wake looks at hart 1. */
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, aia_vcpu_thread(kf_vcpu(f, 0)), 1, 0));
  kf_run_until(f, 0);
  assert_int_equal(aia_thread_hart(aia_vcpu_thread(kf_vcpu(f, 0))), 1);
}

/* Cycle at which the first WFI trap of vCPU 0 begins (undisturbed run). */
static aia_cycle first_wfi_trap(aia_era era)
{
  kf f;
  idle_setup(&f, era, AIA_POLICY_NOKICK);
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  kf_run_until(&f, 200000);
  aia_cycle t = 0;
  for (size_t i = 0; i < f.nlog; i++)
    if (f.log[i].kind == AIA_EV_VM_EXIT && f.log[i].arg == AIA_EXIT_WFI) {
      t = f.log[i].cycle - f.kcfg.timing.vm_exit;
      break;
    }
  assert_true(t > 0);
  kf_free(&f);
  return t;
}

/* A1: the thread is migrated to hart 0 between the WFI exit on hart 1 and
 * kvm_vcpu_block. Returns true if the MSI sent afterwards was lost. */
static bool run_migrated_before_block(aia_era era, aia_policy policy, uint32_t *claims)
{
  kf f;
  aia_cycle t = first_wfi_trap(era);
  idle_setup(&f, era, policy);
  aia_vcpu *v = kf_vcpu(&f, 0);
  assert_aia_ok(f.sim, aia_vcpu_start(v, 0));
  assert_aia_ok(f.sim, aia_host_force_migrate(f.host, aia_vcpu_thread(v), 0, t + 1));
  kf_run_until(&f, 300000);
  assert_int_equal(aia_thread_hart(aia_vcpu_thread(v)), 0);
  assert_int_equal(aia_vcpu_get_state(v), AIA_VCPU_BLOCKED);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, v, 0, 0, 7, 1));
  kf_run_until(&f, 2000000);
  bool lost = lost_wakeup(&f, 0);
  *claims = f.claims[0];
  kf_free(&f);
  return lost;
}

static void test_era_a_loses_wakeup_when_migrated_before_block(void **state)
{
  uint32_t claims;
  (void)state;
  assert_true(run_migrated_before_block(AIA_ERA_A, AIA_POLICY_NOKICK, &claims));
  assert_int_equal(claims, 0);
  /* The kick does not repair it: it wakes the thread on hart 0, where the
   * era-A predicate still reads the wrong hart, and it sleeps again. */
  assert_true(run_migrated_before_block(AIA_ERA_A, AIA_POLICY_KICK, &claims));
  assert_int_equal(claims, 0);
}

static void test_era_c_survives_migration_before_block(void **state)
{
  uint32_t claims;
  (void)state;
  assert_false(run_migrated_before_block(AIA_ERA_C, AIA_POLICY_NOKICK, &claims));
  assert_int_equal(claims, 1);
  assert_false(run_migrated_before_block(AIA_ERA_C, AIA_POLICY_KICK, &claims));
  assert_int_equal(claims, 1);
}

/* B5: blocked on hart 1 (armed there), then moved so that the SGEI wake
 * lands it on hart 0. */
static bool run_woken_elsewhere(aia_era era, aia_policy policy, uint32_t *claims, kf *out)
{
  kf f;
  idle_setup(&f, era, policy);
  aia_vcpu *v = kf_vcpu(&f, 0);
  assert_aia_ok(f.sim, aia_vcpu_start(v, 0));
  kf_run_until(&f, 200000);
  assert_int_equal(aia_vcpu_get_state(v), AIA_VCPU_BLOCKED);
  assert_int_equal(aia_vcpu_vsfile_hart(v), 1);
  /* While it sleeps its last hart becomes 0: the wake looks there first. */
  assert_aia_ok(f.sim, aia_host_force_migrate(f.host, aia_vcpu_thread(v), 0, 200000));
  kf_run_until(&f, 210000);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, v, 0, 0, 7, 1));
  kf_run_until(&f, 3000000);
  bool lost = lost_wakeup(&f, 0);
  *claims = f.claims[0];
  if (out)
    *out = f;
  else
    kf_free(&f);
  return lost;
}

static void test_era_b_loses_wakeup_when_woken_on_another_hart(void **state)
{
  uint32_t claims;
  kf f;
  (void)state;
  assert_true(run_woken_elsewhere(AIA_ERA_B, AIA_POLICY_NOKICK, &claims, &f));
  assert_int_equal(claims, 0);
  /* It re-armed the bit on the wrong hart (hart 0), not on the file's. */
  uint64_t h0 = 0, h1 = 0;
  assert_aia_ok(f.sim, aia_hart_hgeie(f.plat, 0, AIA_CSR_READ, 0, &h0));
  assert_aia_ok(f.sim, aia_hart_hgeie(f.plat, 1, AIA_CSR_READ, 0, &h1));
  assert_true(h0 != 0);
  assert_true(h1 == 0);
  kf_free(&f);
  assert_true(run_woken_elsewhere(AIA_ERA_B, AIA_POLICY_KICK, &claims, NULL));
  assert_int_equal(claims, 0);
  /* Era A loses it the same way (the SGEI consumed hgeie on hart 1). */
  assert_true(run_woken_elsewhere(AIA_ERA_A, AIA_POLICY_NOKICK, &claims, NULL));
}

static void test_era_c_survives_wake_on_another_hart(void **state)
{
  uint32_t claims;
  kf f;
  (void)state;
  assert_false(run_woken_elsewhere(AIA_ERA_C, AIA_POLICY_NOKICK, &claims, &f));
  assert_int_equal(claims, 1);
  /* The file followed the vCPU to hart 0. */
  assert_int_equal(aia_vcpu_vsfile_hart(kf_vcpu(&f, 0)), 0);
  assert_true(kf_count(&f, AIA_EV_VSFILE_MIGRATE, 200000, 0) >= 1);
  kf_free(&f);
  assert_false(run_woken_elsewhere(AIA_ERA_C, AIA_POLICY_KICK, &claims, NULL));
  assert_int_equal(claims, 1);
}

/* The race window: one MSI at every cycle from 3,000 before to 3,000 after
 * the WFI trap. Era C without the kick must never leave the vCPU asleep with
 * a deliverable identity, and the MSI is claimed exactly once. */
static void test_era_c_nokick_wfi_race_window(void **state)
{
  (void)state;
  aia_cycle t = first_wfi_trap(AIA_ERA_C);
  uint32_t runs = 0;
  for (int64_t off = -3000; off <= 3000; off++) {
    kf f;
    idle_setup(&f, AIA_ERA_C, AIA_POLICY_NOKICK);
    aia_vcpu *v = kf_vcpu(&f, 0);
    assert_aia_ok(f.sim, aia_vcpu_start(v, 0));
    kf_run_until(&f, (aia_cycle)((int64_t)t + off));
    assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, v, 0, 0, 11, 1));
    kf_run_until(&f, t + 1000000);
    if (lost_wakeup(&f, 0) || f.claims[0] != 1) {
      fprintf(stderr, "offset %lld: state %d deliverable %d claims %u\n", (long long)off,
              aia_vcpu_get_state(v), aia_vcpu_has_deliverable(v), f.claims[0]);
      kf_dump(&f, (aia_cycle)((int64_t)t + off) - 10, (aia_cycle)((int64_t)t + off) + 20000);
      fail();
    }
    kf_free(&f);
    runs++;
  }
  assert_int_equal(runs, 6001);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_era_a_loses_wakeup_when_migrated_before_block),
    cmocka_unit_test(test_era_c_survives_migration_before_block),
    cmocka_unit_test(test_era_b_loses_wakeup_when_woken_on_another_hart),
    cmocka_unit_test(test_era_c_survives_wake_on_another_hart),
    cmocka_unit_test(test_era_c_nokick_wfi_race_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
