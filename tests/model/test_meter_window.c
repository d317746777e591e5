/* The meter's MSI records follow the MSIs in flight: one MSI that is
 * never claimed (its identity is above the guest's threshold) does not keep
 * every later record alive, and it is still found and reported as lost at
 * the end. Thousands of MSIs after it are timed as usual. */
#include "kvm_fixture.h"

typedef struct feed {
  kf *f;
  uint32_t left;
  uint64_t msi;
} feed;

static void feed_fire(aia_sim *sim, void *user)
{
  feed *p = user;
  assert_aia_ok(sim, aia_kvm_inject(p->f->kvm, kf_vcpu(p->f, 0), 0, AIA_MMIO_SETEIPNUM_LE, 32,
                                    ++p->msi));
  if (--p->left)
    assert_aia_ok(sim, aia_sim_schedule(sim, aia_sim_now(sim) + 20000, AIA_PH_HART, feed_fire, p,
                                        NULL));
}

static void test_stuck_msi_does_not_pin_the_window(void **state)
{
  kf f;
  feed p;
  aia_meter *meter;
  aia_meter_config mc;
  aia_result r;
  (void)state;
  kf_defaults(&f);
  f.kcfg.injector_hart = 0;
  kf_build(&f, 5);
  f.idle[0] = 1;
  /* Threshold 50: identities 50 and above are never delivered. */
  assert_aia_ok(f.sim, aia_vcpu_guest_setup(kf_vcpu(&f, 0), 1, 50, 1, f.pcfg.ids));
  aia_meter_config_init(&mc);
  assert_aia_ok(f.sim, aia_meter_create(f.kvm, &mc, &meter));
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 1));
  kf_run_until(&f, 50000);
  uint64_t stuck = 1;
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, AIA_MMIO_SETEIPNUM_LE, 60, stuck));
  p.f = &f;
  p.left = 6000;
  p.msi = stuck;
  assert_aia_ok(f.sim, aia_sim_schedule(f.sim, 60000, AIA_PH_HART, feed_fire, &p, NULL));
  kf_run_until(&f, 60000 + 6001 * 20000);
  aia_meter_finish(meter);
  aia_meter_result(meter, &r);
  assert_int_equal(r.msis, 6001);
  assert_int_equal(r.claimed + r.coalesced, 6000);
  assert_int_equal(r.lost_interrupts, 1);
  assert_int_equal(r.lost_wakeups, 0);
  /* The violation names the stuck MSI. */
  int found = 0;
  for (uint32_t i = 0; i < r.nviolations; i++)
    found |= r.violations[i].kind == AIA_VIOL_LOST_INTERRUPT && r.violations[i].msi == stuck &&
             r.violations[i].iid == 60;
  assert_true(found);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_stuck_msi_does_not_pin_the_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
