/* KVM model: a running vCPU with a VS-file, kick vs nokick. */
#include "kvm_fixture.h"

/* Brings vCPU 0 (busy guest, pinned to hart 1) into the guest. */
static void running_setup(kf *f, aia_policy policy)
{
  static const uint32_t hart1[] = { 1 };
  kf_defaults(f);
  f->kcfg.policy = policy;
  f->vcfg.affinity = hart1;
  f->vcfg.naffinity = 1;
  kf_build(f, 1);
  assert_aia_ok(f->sim, aia_vcpu_start(kf_vcpu(f, 0), 0));
  kf_run_until(f, 100000);
  if (aia_vcpu_get_state(kf_vcpu(f, 0)) != AIA_VCPU_IN_GUEST)
    kf_dump(f, 0, 100000);
  assert_int_equal(aia_vcpu_get_state(kf_vcpu(f, 0)), AIA_VCPU_IN_GUEST);
  assert_int_equal(aia_vcpu_vsfile_hart(kf_vcpu(f, 0)), 1);
  assert_int_equal(aia_vcpu_vsfile_hgei(kf_vcpu(f, 0)), 1);
}

static void test_running_nokick_delivers_without_exit_or_ipi(void **state)
{
  kf f;
  (void)state;
  running_setup(&f, AIA_POLICY_NOKICK);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 5, 1));
  kf_run_until(&f, 200000);
  assert_int_equal(f.claims[0], 1);
  assert_int_equal(f.last_claim[0], 5);
  assert_int_equal(kf_count(&f, AIA_EV_VM_EXIT, 100000, AIA_NONE), 0);
  assert_int_equal(kf_count(&f, AIA_EV_IPI_SEND, 100000, AIA_NONE), 0);
  /* Latency path, exactly: inject + msi_write + line_to_hart + guest_trap. */
  const aia_event *src = kf_first(&f, AIA_EV_MSI_SOURCE, 100000);
  const aia_event *claim = kf_first(&f, AIA_EV_CLAIM, 100000);
  assert_non_null(src);
  assert_non_null(claim);
  assert_int_equal(claim->cycle - src->cycle,
                   f.kcfg.timing.inject + f.pcfg.msi_write + f.pcfg.line_to_hart +
                       f.kcfg.timing.guest_trap);
  kf_free(&f);
}

static void test_running_kick_adds_one_ipi_and_one_exit(void **state)
{
  kf f;
  (void)state;
  running_setup(&f, AIA_POLICY_KICK);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 5, 1));
  kf_run_until(&f, 200000);
  assert_int_equal(f.claims[0], 1);
  assert_int_equal(f.last_claim[0], 5);
  assert_int_equal(kf_count(&f, AIA_EV_IPI_SEND, 100000, 1), 1);
  assert_int_equal(kf_count(&f, AIA_EV_VM_EXIT, 100000, 1), 1);
  assert_int_equal(kf_count(&f, AIA_EV_VM_ENTRY, 100000, 1), 1);
  assert_int_equal(aia_vcpu_get_state(kf_vcpu(&f, 0)), AIA_VCPU_IN_GUEST);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_running_nokick_delivers_without_exit_or_ipi),
    cmocka_unit_test(test_running_kick_adds_one_ipi_and_one_exit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
