/* The injector hart (aia_kvm_injector_stats): injections queue behind one
 * another at the routine's cost, a full backlog refuses more (AIA_EBUSY),
 * and the oracle does not count MSIs still waiting for the injector at the
 * end as lost interrupts (aia_meter_not_injected). Exact cycles: the
 * routine's cost has no jitter here. */
#include "kvm_fixture.h"

#define COST 400u

typedef struct sat {
  kf f;
  aia_meter *meter;
  aia_result r;
} sat;

/* One idle vCPU on hart 1, the injector on hart 0 at COST a routine, a
 * backlog of `backlog`. */
static void sat_build(sat *s, uint32_t backlog)
{
  memset(s, 0, sizeof *s);
  kf_defaults(&s->f);
  s->f.kcfg.injector_hart = 0;
  s->f.kcfg.timing.inject = COST;
  s->f.kcfg.injector_backlog = backlog;
  kf_build(&s->f, 1);
  s->f.idle[0] = 1;
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  assert_aia_ok(s->f.sim, aia_meter_create(s->f.kvm, &mc, &s->meter));
  assert_aia_ok(s->f.sim, aia_vcpu_start(kf_vcpu(&s->f, 0), 1));
  kf_run_until(&s->f, 100000); /* the guest is asleep in WFI */
}

static aia_injector_stats stats(sat *s)
{
  aia_injector_stats st;
  st.struct_size = sizeof st;
  assert_aia_ok(s->f.sim, aia_kvm_injector_stats(s->f.kvm, &st));
  return st;
}

static void test_queue_and_stats(void **state)
{
  sat s;
  (void)state;
  sat_build(&s, 1000);
  aia_cycle t0 = aia_sim_now(s.f.sim);
  for (uint64_t i = 1; i <= 10; i++)
    assert_aia_ok(s.f.sim, aia_kvm_inject(s.f.kvm, kf_vcpu(&s.f, 0), 0, AIA_MMIO_SETEIPNUM_LE,
                                          32 + (uint32_t)i, i));
  aia_injector_stats st = stats(&s);
  assert_int_equal(st.queued, 10);
  assert_int_equal(st.injected, 0);
  assert_int_equal(st.waiting, 10);
  assert_int_equal(st.backlog_max, 10);
  assert_int_equal(st.delay_max, 9 * COST); /* the tenth starts after nine routines */
  assert_int_equal(st.busy_cycles, 0);      /* none has finished */
  /* Three and a half routines later: three ran. */
  kf_run_until(&s.f, t0 + 3 * COST + COST / 2);
  st = stats(&s);
  assert_int_equal(st.injected, 3);
  assert_int_equal(st.waiting, 7);
  assert_int_equal(st.busy_cycles, 3 * COST + COST / 2);
  /* The inject records come one routine apart. */
  uint64_t n = 0;
  for (size_t i = 0; i < s.f.nlog; i++)
    if (s.f.log[i].kind == AIA_EV_INJECT) {
      n++;
      assert_int_equal(s.f.log[i].cycle, t0 + n * COST);
    }
  assert_int_equal(n, 3);
  /* Stop here: seven MSIs never reached KVM. They are not lost interrupts. */
  aia_meter_finish(s.meter);
  aia_meter_result(s.meter, &s.r);
  assert_int_equal(aia_meter_not_injected(s.meter), 7);
  assert_int_equal(s.r.msis, 10);
  assert_int_equal(s.r.lost_interrupts, s.r.msis - s.r.claimed - s.r.coalesced - 7);
  kf_free(&s.f);
}

static void test_all_injected_in_the_end(void **state)
{
  sat s;
  (void)state;
  sat_build(&s, 1000);
  for (uint64_t i = 1; i <= 10; i++)
    assert_aia_ok(s.f.sim, aia_kvm_inject(s.f.kvm, kf_vcpu(&s.f, 0), 0, AIA_MMIO_SETEIPNUM_LE,
                                          32, i));
  kf_run_until(&s.f, 2000000);
  aia_injector_stats st = stats(&s);
  assert_int_equal(st.injected, 10);
  assert_int_equal(st.waiting, 0);
  assert_int_equal(st.busy_cycles, 10 * COST);
  aia_meter_finish(s.meter);
  aia_meter_result(s.meter, &s.r);
  assert_int_equal(aia_meter_not_injected(s.meter), 0);
  assert_int_equal(s.r.lost_interrupts, 0);
  assert_int_equal(s.r.claimed + s.r.coalesced, 10);
  kf_free(&s.f);
}

static void test_full_backlog_refuses(void **state)
{
  sat s;
  (void)state;
  sat_build(&s, 5);
  for (uint64_t i = 1; i <= 8; i++) {
    int rc = aia_kvm_inject(s.f.kvm, kf_vcpu(&s.f, 0), 0, AIA_MMIO_SETEIPNUM_LE, 32, i);
    assert_int_equal(rc, i <= 5 ? AIA_OK : AIA_EBUSY);
  }
  aia_injector_stats st = stats(&s);
  assert_int_equal(st.queued, 5);
  assert_int_equal(st.refused, 3);
  assert_int_equal(st.backlog_max, 5);
  /* A refused call is no error of the simulation. */
  assert_string_equal(aia_sim_errmsg(s.f.sim), "no error");
  /* Once one routine ran there is room for one more. */
  kf_run_until(&s.f, aia_sim_now(s.f.sim) + COST);
  assert_aia_ok(s.f.sim, aia_kvm_inject(s.f.kvm, kf_vcpu(&s.f, 0), 0, AIA_MMIO_SETEIPNUM_LE, 32, 9));
  assert_int_equal(aia_kvm_inject(s.f.kvm, kf_vcpu(&s.f, 0), 0, AIA_MMIO_SETEIPNUM_LE, 32, 10),
                   AIA_EBUSY);
  /* Refused MSIs never existed for the meter. */
  kf_run_until(&s.f, 2000000);
  aia_meter_finish(s.meter);
  aia_meter_result(s.meter, &s.r);
  assert_int_equal(s.r.msis, 6);
  assert_int_equal(s.r.lost_interrupts, 0);
  kf_free(&s.f);
}

static void test_bad_arguments(void **state)
{
  kf f;
  aia_injector_stats st;
  (void)state;
  kf_defaults(&f);
  f.kcfg.injector_backlog = 0;
  f.log = NULL;
  f.sim = aia_test_sim(1);
  assert_aia_ok(f.sim, aia_platform_create(f.sim, &f.pcfg, &f.plat));
  assert_aia_ok(f.sim, aia_host_create(f.sim, f.plat, &f.hcfg, &f.host));
  assert_int_equal(aia_kvm_create(f.sim, f.plat, f.host, &f.kcfg, &f.kvm), AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(f.sim), "injector_backlog"));
  f.kcfg.injector_backlog = 1;
  assert_aia_ok(f.sim, aia_kvm_create(f.sim, f.plat, f.host, &f.kcfg, &f.kvm));
  st.struct_size = 0;
  assert_int_equal(aia_kvm_injector_stats(f.kvm, &st), AIA_EINVAL);
  assert_int_equal(aia_kvm_injector_stats(NULL, &st), AIA_EINVAL);
  assert_int_equal(aia_kvm_injector_stats(f.kvm, NULL), AIA_EINVAL);
  aia_sim_destroy(f.sim);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_queue_and_stats),
    cmocka_unit_test(test_all_injected_in_the_end),
    cmocka_unit_test(test_full_backlog_refuses),
    cmocka_unit_test(test_bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
