/* Workload and KVM API surface: every MSI pattern, target choice, guest
 * behaviour option, and the argument checks of the public calls. */
#include "kvm_fixture.h"

static aia_device *mkdev(kf *f, aia_device_config *dc)
{
  aia_device *d = NULL;
  assert_aia_ok(f->sim, aia_device_create(f->kvm, dc, &d));
  return d;
}

static void test_patterns_send_what_they_say(void **state)
{
  kf f;
  (void)state;
  kf_defaults(&f);
  f.vcfg.vcpus = 2;
  kf_build(&f, 1);
  static const uint32_t iids[] = { 5, 6, 7 };
  static const uint32_t one[] = { 1 };
  aia_device_config dc;
  /* periodic, to vCPU 1 only, every 100,000 cycles from 50,000 to 1,000,000 */
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.pattern = AIA_PATTERN_PERIODIC;
  dc.period = 100000;
  dc.start = 50000;
  dc.stop = 1000000;
  dc.vcpus = one;
  dc.nvcpus = 1;
  dc.iids = iids;
  dc.niids = 3;
  aia_device *per = mkdev(&f, &dc);
  /* burst of 4 every 300,000, random targets */
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.pattern = AIA_PATTERN_BURST;
  dc.burst_count = 4;
  dc.burst_every = 300000;
  dc.random_target = true;
  dc.stop = 1000000;
  aia_device *burst = mkdev(&f, &dc);
  /* an explicit list, given out of order */
  aia_msi_at list[3] = { { 700000, 0, 9 }, { 200000, 1, 8 }, { 200000, 0, 8 } };
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.pattern = AIA_PATTERN_LIST;
  dc.list = list;
  dc.nlist = 3;
  aia_device *lst = mkdev(&f, &dc);
  /* a Poisson source stopped early */
  aia_device_config_init(&dc);
  dc.vm = f.vm;
  dc.period = 10000;
  aia_device *poi = mkdev(&f, &dc);
  for (uint32_t i = 0; i < 2; i++)
    assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, i), 0));
  kf_run_until(&f, 100000);
  aia_device_stop(poi);
  uint64_t poi_sent = aia_device_sent(poi);
  kf_run_until(&f, 2000000);
  assert_true(poi_sent > 0);
  assert_int_equal(aia_device_sent(poi), poi_sent);
  /* periodic: 50k+100k*k < 1M -> k = 0..9 is 10 MSIs (first one at 150k) */
  assert_int_equal(aia_device_sent(per), 9);
  assert_int_equal(aia_device_sent(burst), 16); /* bursts at 0, 300k, 600k, 900k */
  assert_int_equal(aia_device_sent(lst), 3);
  /* the periodic source used identities 5, 6, 7 in turn, on vCPU 1 */
  uint32_t seen[3] = { 0, 0, 0 };
  for (size_t i = 0; i < f.nlog; i++)
    if (f.log[i].kind == AIA_EV_MSI_SOURCE && f.log[i].iid >= 5 && f.log[i].iid <= 7) {
      assert_int_equal(f.log[i].vcpu, 1);
      seen[f.log[i].iid - 5]++;
    }
  assert_int_equal(seen[0], 3);
  assert_int_equal(seen[1], 3);
  assert_int_equal(seen[2], 3);
  /* the list: both 200,000 items went out on that cycle, in the given order */
  const aia_event *l8 = NULL;
  for (size_t i = 0; i < f.nlog; i++)
    if (f.log[i].kind == AIA_EV_MSI_SOURCE && f.log[i].iid == 8) {
      l8 = &f.log[i];
      break;
    }
  assert_non_null(l8);
  assert_int_equal(l8->cycle, 200000);
  assert_int_equal(l8->vcpu, 1);
  assert_int_equal(aia_device_sent(NULL), 0);
  aia_device_stop(NULL);
  kf_free(&f);
}

static void test_device_arguments_are_checked(void **state)
{
  kf f;
  aia_device *d = (aia_device *)&f;
  aia_device_config dc;
  static const uint32_t bad_vcpu[] = { 5 };
  static const uint32_t bad_iid[] = { 0 };
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  assert_aia_status(aia_device_create(f.kvm, NULL, &d), AIA_EINVAL);
  assert_aia_status(aia_device_create(f.kvm, &dc, NULL), AIA_EINVAL);
  aia_device_config_init(&dc);
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL); /* no vm */
  assert_null(d);
  dc.vm = f.vm;
  dc.vcpus = bad_vcpu;
  dc.nvcpus = 1;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  dc.nvcpus = 0;
  dc.iids = bad_iid;
  dc.niids = 1;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  dc.niids = 0;
  dc.period = 0;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  dc.period = 10;
  dc.pattern = AIA_PATTERN_BURST;
  dc.burst_count = 0;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  dc.pattern = AIA_PATTERN_LIST;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL); /* empty list */
  aia_msi_at bad = { 10, 0, 999 };
  dc.list = &bad;
  dc.nlist = 1;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  dc.pattern = (aia_pattern)9;
  assert_aia_status(aia_device_create(f.kvm, &dc, &d), AIA_EINVAL);
  assert_aia_status(aia_workload_send(NULL, kf_vcpu(&f, 0), 1, AIA_PATH_KVM, NULL), AIA_EINVAL);
  uint64_t id = 0;
  assert_aia_ok(f.sim, aia_workload_send(f.kvm, kf_vcpu(&f, 0), 3, AIA_PATH_DIRECT, &id));
  assert_true(id > 0);
  kf_free(&f);
}

static void test_guest_options(void **state)
{
  kf f;
  (void)state;
  kf_defaults(&f);
  f.vcfg.vcpus = 3;
  kf_build(&f, 1);
  aia_guest_config gc;
  aia_guest_config_init(&gc);
  assert_aia_status(aia_guest_attach(NULL, kf_vcpu(&f, 0), &gc), AIA_EINVAL);
  gc.behaviour = (aia_behaviour)7;
  assert_aia_status(aia_guest_attach(f.sim, kf_vcpu(&f, 0), &gc), AIA_EINVAL);
  gc.behaviour = AIA_BEHAVIOUR_DUTY;
  gc.duty_busy = 0;
  assert_aia_status(aia_guest_attach(f.sim, kf_vcpu(&f, 0), &gc), AIA_EINVAL);
  gc.duty_busy = UINT64_MAX;
  gc.duty_idle = 1;
  assert_aia_status(aia_guest_attach(f.sim, kf_vcpu(&f, 0), &gc), AIA_EINVAL);
  aia_cycle empty[1][2] = { { 500, 500 } };
  aia_guest_config_init(&gc);
  gc.mask_seie = (const aia_cycle(*)[2])empty;
  gc.nmask_seie = 1;
  assert_aia_status(aia_guest_attach(f.sim, kf_vcpu(&f, 0), &gc), AIA_EINVAL);
  /* vCPU 0: duty 40k/160k; vCPU 1: idle with a 100k tick; vCPU 2: idle,
   * SEIE masked over [100k, 300k). */
  aia_guest_config_init(&gc);
  gc.behaviour = AIA_BEHAVIOUR_DUTY;
  gc.duty_busy = 40000;
  gc.duty_idle = 160000;
  assert_aia_ok(f.sim, aia_guest_attach(f.sim, kf_vcpu(&f, 0), &gc));
  aia_guest_config_init(&gc);
  gc.tick = 100000;
  assert_aia_ok(f.sim, aia_guest_attach(f.sim, kf_vcpu(&f, 1), &gc));
  aia_cycle per[1][2] = { { 100000, 300000 } };
  aia_guest_config_init(&gc);
  gc.mask_seie = (const aia_cycle(*)[2])per;
  gc.nmask_seie = 1;
  assert_aia_ok(f.sim, aia_guest_attach(f.sim, kf_vcpu(&f, 2), &gc));
  for (uint32_t i = 0; i < 3; i++)
    assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, i), 0));
  kf_run_until(&f, 150000);
  assert_false(aia_vcpu_guest_seie(kf_vcpu(&f, 2)));
  assert_aia_ok(f.sim, aia_workload_send(f.kvm, kf_vcpu(&f, 2), 4, AIA_PATH_KVM, NULL));
  kf_run_until(&f, 250000);
  uint64_t c2 = 0;
  for (size_t i = 0; i < f.nlog; i++)
    c2 += f.log[i].kind == AIA_EV_CLAIM && f.log[i].vcpu == 2;
  assert_int_equal(c2, 0); /* masked */
  kf_run_until(&f, 1000000);
  assert_true(aia_vcpu_guest_seie(kf_vcpu(&f, 2)));
  const aia_event *cl = NULL;
  for (size_t i = 0; i < f.nlog; i++)
    if (f.log[i].kind == AIA_EV_CLAIM && f.log[i].vcpu == 2)
      cl = &f.log[i];
  assert_non_null(cl); /* delivered once unmasked, at 300k or just after */
  if (!(cl->cycle >= 300000 && cl->cycle < 320000))
    fail_msg("claimed at %llu", (unsigned long long)cl->cycle);
  /* the duty vCPU and the ticking vCPU wake up on their timers */
  uint64_t wakes0 = 0, wakes1 = 0;
  for (size_t i = 0; i < f.nlog; i++)
    if (f.log[i].kind == AIA_EV_VM_ENTRY && f.log[i].vcpu == 0)
      wakes0++;
    else if (f.log[i].kind == AIA_EV_VM_ENTRY && f.log[i].vcpu == 1)
      wakes1++;
  assert_true(wakes0 >= 5); /* 1 ms / 200 us periods */
  assert_true(wakes1 >= 9); /* 1 ms / 100 us ticks */
  kf_free(&f);
}

static void test_kvm_arguments_are_checked(void **state)
{
  kf f;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  aia_vcpu *v = kf_vcpu(&f, 0);
  aia_vm *vm2 = (aia_vm *)&f;
  aia_vm_config vc;
  aia_vm_config_init(&vc);
  vc.ids = 100;
  assert_aia_status(aia_vm_create(f.kvm, &vc, &vm2), AIA_EINVAL);
  assert_null(vm2);
  vc.ids = 0;
  vc.vcpus = 0;
  assert_aia_status(aia_vm_create(f.kvm, &vc, &vm2), AIA_EINVAL);
  vc.vcpus = 1;
  static const uint32_t bad_aff[] = { 9 };
  vc.affinity = bad_aff;
  vc.naffinity = 1;
  assert_aia_status(aia_vm_create(f.kvm, &vc, &vm2), AIA_EINVAL);
  vc.naffinity = 0;
  assert_aia_status(aia_vm_create(f.kvm, &vc, &vm2), AIA_EINVAL);
  vc.affinity = NULL;
  vc.mode = (aia_mode)5;
  assert_aia_status(aia_vm_create(f.kvm, &vc, &vm2), AIA_EINVAL);
  assert_aia_status(aia_vm_create(NULL, &vc, &vm2), AIA_EINVAL);
  assert_aia_status(aia_vcpu_guest_setup(v, 2, 0, 1, 10), AIA_EINVAL);
  assert_aia_status(aia_vcpu_guest_setup(v, 1, 999, 1, 10), AIA_EINVAL);
  assert_aia_status(aia_vcpu_guest_enable_range(v, 0, 5), AIA_EINVAL);
  assert_aia_status(aia_vcpu_guest_enable_range(v, 9, 5), AIA_EINVAL);
  assert_aia_ok(f.sim, aia_vcpu_guest_enable_range(v, 1, 63));
  assert_aia_status(aia_vcpu_set_guest(v, NULL, NULL), AIA_EINVAL);
  assert_aia_status(aia_vcpu_start(v, 0), AIA_OK);
  assert_aia_status(aia_vcpu_start(v, 0), AIA_ESTATE);
  kf_run_until(&f, 10);
  assert_aia_status(aia_vcpu_set_timer(v, 5), AIA_ERANGE);
  assert_aia_ok(f.sim, aia_vcpu_set_timer(v, 0));
  assert_aia_status(aia_kvm_set_policy(f.kvm, (aia_policy)9), AIA_EINVAL);
  assert_aia_ok(f.sim, aia_kvm_set_policy(f.kvm, AIA_POLICY_KICK));
  assert_aia_status(aia_kvm_inject(f.kvm, v, 1, 0, 5, 1), AIA_ENODEV);
  assert_aia_status(aia_kvm_inject(f.kvm, v, 0, 8, 5, 1), AIA_ENODEV);
  assert_aia_status(aia_kvm_inject(f.kvm, v, 0, 0, 0, 1), AIA_ENODEV);
  assert_aia_status(aia_kvm_inject(f.kvm, v, 0, 0, 64, 1), AIA_EINVAL);
  /* big-endian offset: the identity is byte-swapped */
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, v, 0, 4, 0x05000000u, 1));
  assert_aia_status(aia_kvm_inject_direct(NULL, v, 5, 2), AIA_EINVAL);
  assert_int_equal(aia_vm_index(f.vm), 0);
  assert_int_equal(aia_vm_vcpus(f.vm), 1);
  assert_null(aia_vm_vcpu(f.vm, 3));
  assert_int_equal(aia_vcpu_index(v), 0);
  assert_ptr_equal(aia_vcpu_vm(v), f.vm);
  assert_int_equal(aia_vcpu_index(NULL), AIA_NONE);
  assert_int_equal(aia_vcpu_get_state(NULL), AIA_VCPU_USERSPACE);
  assert_false(aia_vcpu_has_deliverable(NULL));
  assert_false(aia_vcpu_is_migrating(NULL));
  assert_int_equal(aia_kvm_vm_count(f.kvm), 1);
  assert_null(aia_kvm_vm(f.kvm, 1));
  assert_ptr_equal(aia_kvm_sim(f.kvm), f.sim);
  aia_kvm_config kc;
  aia_kvm_get_config(f.kvm, &kc);
  assert_int_equal(kc.policy, AIA_POLICY_KICK);
  kf_run_until(&f, 200000);
  assert_int_equal(f.claims[0], 1);
  assert_int_equal(f.last_claim[0], 5);
  kf_free(&f);
}

static void test_kvm_create_checks(void **state)
{
  kf f;
  aia_kvm *k2 = NULL;
  aia_kvm_config kc;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  aia_kvm_config_init(&kc);
  kc.era = (aia_era)4;
  assert_aia_status(aia_kvm_create(f.sim, f.plat, f.host, &kc, &k2), AIA_EINVAL);
  kc.era = AIA_ERA_C;
  kc.policy = (aia_policy)4;
  assert_aia_status(aia_kvm_create(f.sim, f.plat, f.host, &kc, &k2), AIA_EINVAL);
  kc.policy = AIA_POLICY_KICK;
  kc.faults = 1u << 20;
  assert_aia_status(aia_kvm_create(f.sim, f.plat, f.host, &kc, &k2), AIA_EINVAL);
  kc.faults = 0;
  kc.injector_hart = 9;
  assert_aia_status(aia_kvm_create(f.sim, f.plat, f.host, &kc, &k2), AIA_EINVAL);
  assert_aia_status(aia_kvm_create(f.sim, NULL, f.host, &kc, &k2), AIA_EINVAL);
  assert_aia_status(aia_kvm_create(f.sim, f.plat, f.host, &kc, NULL), AIA_EINVAL);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_patterns_send_what_they_say),
    cmocka_unit_test(test_device_arguments_are_checked),
    cmocka_unit_test(test_guest_options),
    cmocka_unit_test(test_kvm_arguments_are_checked),
    cmocka_unit_test(test_kvm_create_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
