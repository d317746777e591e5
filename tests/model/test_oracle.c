/* Workload, meter and oracle: the figures of the report and the oracle's
 * teeth, on systems built through the library API. */
#include "kvm_fixture.h"

typedef struct osys {
  kf f;
  aia_meter *meter;
  aia_result r;
} osys;

/* vcpus idle (or busy) built-in guests on `harts` harts; a Poisson device
 * to every vCPU (round robin) at `period` cycles, stopping at `stop`. */
static void osys_build_hook(osys *o, aia_era era, aia_policy policy, uint32_t faults,
                            uint64_t seed, uint32_t harts, uint32_t vcpus, aia_behaviour beh,
                            aia_cycle period, aia_cycle stop, aia_hook_fn hook, void *user)
{
  memset(o, 0, sizeof *o);
  kf_defaults(&o->f);
  o->f.pcfg.harts = harts;
  o->f.vcfg.vcpus = vcpus;
  o->f.kcfg.era = era;
  o->f.kcfg.policy = policy;
  o->f.kcfg.faults = faults;
  kf_build(&o->f, seed);
  for (uint32_t i = 0; i < vcpus; i++) {
    aia_guest_config gc;
    aia_guest_config_init(&gc);
    gc.behaviour = beh;
    assert_aia_ok(o->f.sim, aia_guest_attach(o->f.sim, kf_vcpu(&o->f, i), &gc));
  }
  if (period) {
    aia_device_config dc;
    aia_device *d;
    aia_device_config_init(&dc);
    dc.vm = o->f.vm;
    dc.period = period;
    dc.stop = stop;
    assert_aia_ok(o->f.sim, aia_device_create(o->f.kvm, &dc, &d));
  }
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  assert_aia_ok(o->f.sim, aia_meter_create(o->f.kvm, &mc, &o->meter));
  if (hook)
    assert_aia_ok(o->f.sim, aia_sim_hook_add(o->f.sim, AIA_EV_ALL, hook, user, NULL));
  for (uint32_t i = 0; i < vcpus; i++)
    assert_aia_ok(o->f.sim, aia_vcpu_start(kf_vcpu(&o->f, i), 0));
}

static void osys_build(osys *o, aia_era era, aia_policy policy, uint32_t faults, uint64_t seed,
                       uint32_t harts, uint32_t vcpus, aia_behaviour beh, aia_cycle period,
                       aia_cycle stop)
{
  osys_build_hook(o, era, policy, faults, seed, harts, vcpus, beh, period, stop, NULL, NULL);
}

static void osys_finish(osys *o, aia_cycle end)
{
  kf_run_until(&o->f, end);
  aia_meter_finish(o->meter);
  aia_meter_result(o->meter, &o->r);
}

/* The oversubscribed scenario: 2 harts, 4 vCPUs of one VM, idle guests,
 * Poisson MSIs (20,000/s in all), and one noise thread (100 us busy, 150 us
 * idle) on both harts: Linux's wake placement keeps a vCPU on its previous
 * hart while that one is idle, so the load is what moves vCPUs away from
 * their VS-files. */
static uint64_t oversubscribed_lost(aia_era era, aia_policy policy, uint64_t seed, uint64_t *msis)
{
  osys o;
  aia_noise_config nc;
  aia_thread *nt;
  osys_build(&o, era, policy, 0, seed, 2, 4, AIA_BEHAVIOUR_IDLE, 50000, 20000000);
  aia_noise_config_init(&nc);
  nc.busy = 100000;
  nc.idle = 150000;
  assert_aia_ok(o.f.sim, aia_noise_create(o.f.host, &nc, &nt));
  osys_finish(&o, 22000000);
  uint64_t lost = o.r.lost_wakeups;
  *msis = o.r.msis;
  kf_free(&o.f);
  return lost;
}

static void test_oversubscribed_eras(void **state)
{
  uint64_t msis, lost_a = 0, lost_b = 0, lost_c = 0;
  (void)state;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    lost_a += oversubscribed_lost(AIA_ERA_A, AIA_POLICY_NOKICK, seed, &msis);
    lost_b += oversubscribed_lost(AIA_ERA_B, AIA_POLICY_NOKICK, seed, &msis);
    uint64_t c = oversubscribed_lost(AIA_ERA_C, AIA_POLICY_NOKICK, seed, &msis);
    assert_true(msis > 300);
    if (c)
      fail_msg("era C lost %llu wake-ups with seed %llu", (unsigned long long)c,
               (unsigned long long)seed);
    lost_c += c;
  }
  assert_true(lost_a >= 1);
  assert_true(lost_b >= 1);
  assert_int_equal(lost_c, 0);
}

/* Each fault switch, in a scenario where it bites; the same without it is clean. */
static uint64_t fault_violations_at(uint32_t faults, aia_mode mode, aia_behaviour beh,
                                   aia_cycle period)
{
  osys o;
  memset(&o, 0, sizeof o);
  kf_defaults(&o.f);
  o.f.kcfg.faults = faults;
  o.f.vcfg.mode = mode;
  o.f.vcfg.vcpus = 4;
  o.f.hcfg.balance_interval = 2000000;
  kf_build(&o.f, 5);
  for (uint32_t i = 0; i < 4; i++) {
    aia_guest_config gc;
    aia_guest_config_init(&gc);
    gc.behaviour = beh;
    assert_aia_ok(o.f.sim, aia_guest_attach(o.f.sim, kf_vcpu(&o.f, i), &gc));
  }
  aia_device_config dc;
  aia_device *d;
  aia_device_config_init(&dc);
  dc.vm = o.f.vm;
  dc.period = period;
  dc.stop = 20000000;
  assert_aia_ok(o.f.sim, aia_device_create(o.f.kvm, &dc, &d));
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  assert_aia_ok(o.f.sim, aia_meter_create(o.f.kvm, &mc, &o.meter));
  for (uint32_t i = 0; i < 4; i++)
    assert_aia_ok(o.f.sim, aia_vcpu_start(kf_vcpu(&o.f, i), 0));
  /* Drain long enough for oversubscribed busy guests (3 ms slices). */
  osys_finish(&o, 40000000);
  uint64_t n = o.r.lost_wakeups + o.r.lost_interrupts;
  kf_free(&o.f);
  return n;
}

static uint64_t fault_violations(uint32_t faults, aia_mode mode, aia_behaviour beh)
{
  return fault_violations_at(faults, mode, beh, 20000);
}

static void test_each_fault_is_caught(void **state)
{
  (void)state;
  assert_int_equal(fault_violations(0, AIA_MODE_AUTO, AIA_BEHAVIOUR_IDLE), 0);
  assert_true(fault_violations(AIA_FAULT_NO_WAKEON_HGEI, AIA_MODE_AUTO, AIA_BEHAVIOUR_IDLE) >= 1);
  assert_true(fault_violations(AIA_FAULT_HGEI_HANDLER_NO_KICK, AIA_MODE_AUTO, AIA_BEHAVIOUR_IDLE) >= 1);
  /* Only an MSI landing between the last check and the arm is missed: a
   * busier device makes that window come up. */
  assert_int_equal(fault_violations_at(0, AIA_MODE_AUTO, AIA_BEHAVIOUR_IDLE, 3000), 0);
  assert_true(fault_violations_at(AIA_FAULT_ARM_AFTER_SLEEP, AIA_MODE_AUTO, AIA_BEHAVIOUR_IDLE,
                                  3000) >= 1);
  assert_true(fault_violations_at(AIA_FAULT_MIGRATE_DROPS_PENDING, AIA_MODE_AUTO,
                                  AIA_BEHAVIOUR_IDLE, 3000) >= 1);
  assert_int_equal(fault_violations(0, AIA_MODE_EMUL, AIA_BEHAVIOUR_BUSY), 0);
}

/* swfile_no_lock: the race needs an injection inside the few cycles between
 * the guest's last emulated claim deciding "unset" and that unset landing.
 * A list device places the second MSI there. Returns oracle violations. */
static uint64_t swfile_race_violations(uint32_t faults, aia_cycle second_at)
{
  static const uint32_t hart1[] = { 1 };
  osys o;
  memset(&o, 0, sizeof o);
  kf_defaults(&o.f);
  o.f.kcfg.faults = faults;
  o.f.vcfg.mode = AIA_MODE_EMUL;
  o.f.vcfg.affinity = hart1;
  o.f.vcfg.naffinity = 1;
  kf_build(&o.f, 1);
  aia_guest_config gc;
  aia_guest_config_init(&gc);
  gc.behaviour = AIA_BEHAVIOUR_BUSY;
  assert_aia_ok(o.f.sim, aia_guest_attach(o.f.sim, kf_vcpu(&o.f, 0), &gc));
  aia_msi_at list[2] = { { 100000, 0, 12 }, { second_at, 0, 13 } };
  aia_device_config dc;
  aia_device *d;
  aia_device_config_init(&dc);
  dc.vm = o.f.vm;
  dc.pattern = AIA_PATTERN_LIST;
  dc.list = list;
  dc.nlist = second_at ? 2 : 1;
  assert_aia_ok(o.f.sim, aia_device_create(o.f.kvm, &dc, &d));
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  assert_aia_ok(o.f.sim, aia_meter_create(o.f.kvm, &mc, &o.meter));
  assert_aia_ok(o.f.sim, aia_vcpu_start(kf_vcpu(&o.f, 0), 0));
  osys_finish(&o, 3000000);
  uint64_t n = o.r.lost_wakeups + o.r.lost_interrupts;
  if (second_at == 0) {
    /* Baseline: return when the second emulated claim (the one reading 0) ran. */
    int traps = 0;
    n = 0;
    for (size_t k = 0; k < o.f.nlog; k++)
      if (o.f.log[k].kind == AIA_EV_VM_EXIT && o.f.log[k].arg == AIA_EXIT_CSR_TRAP && ++traps == 2)
        n = o.f.log[k].cycle;
  }
  kf_free(&o.f);
  return n;
}

static void test_swfile_no_lock_is_caught(void **state)
{
  (void)state;
  /* With and without the lock the timeline up to the race is the same. */
  aia_cycle tc = swfile_race_violations(0, 0);
  assert_true(tc > 100000);
  assert_int_equal(swfile_race_violations(AIA_FAULT_SWFILE_NO_LOCK, 0), tc);
  aia_cycle at = tc + 100 - 400; /* its routine runs 100 cycles after the claim decided */
  assert_int_equal(swfile_race_violations(0, at), 0);
  assert_int_equal(swfile_race_violations(AIA_FAULT_SWFILE_NO_LOCK, at), 1);
}

/* One MSI to a running vCPU: every latency field is the sum of the costs. */
static void test_single_msi_latency_is_the_sum_of_costs(void **state)
{
  osys o;
  (void)state;
  osys_build(&o, AIA_ERA_C, AIA_POLICY_NOKICK, 0, 1, 2, 1, AIA_BEHAVIOUR_BUSY, 0, 0);
  kf_run_until(&o.f, 100000);
  assert_aia_ok(o.f.sim, aia_workload_send(o.f.kvm, kf_vcpu(&o.f, 0), 7, AIA_PATH_KVM, NULL));
  osys_finish(&o, 300000);
  aia_cycle want = o.f.kcfg.timing.inject + o.f.pcfg.msi_write + o.f.pcfg.line_to_hart +
                   o.f.kcfg.timing.guest_trap;
  assert_int_equal(o.r.msis, 1);
  assert_int_equal(o.r.claimed, 1);
  assert_int_equal(o.r.latency.count, 1);
  assert_int_equal(o.r.latency.p50, want);
  assert_int_equal(o.r.latency.p99, want);
  assert_int_equal(o.r.latency.max, want);
  assert_true(o.r.latency.mean == (double)want);
  assert_int_equal(o.r.wake_latency.count, 0);
  assert_int_equal(o.r.lost_wakeups + o.r.lost_interrupts, 0);
  kf_free(&o.f);
}

/* Blocked vCPU: the wake latency runs to its return to the guest. */
static void test_wake_latency_of_a_blocked_vcpu(void **state)
{
  osys o;
  (void)state;
  osys_build(&o, AIA_ERA_C, AIA_POLICY_NOKICK, 0, 1, 2, 1, AIA_BEHAVIOUR_IDLE, 0, 0);
  kf_run_until(&o.f, 100000);
  assert_int_equal(aia_vcpu_get_state(kf_vcpu(&o.f, 0)), AIA_VCPU_BLOCKED);
  assert_aia_ok(o.f.sim, aia_workload_send(o.f.kvm, kf_vcpu(&o.f, 0), 7, AIA_PATH_KVM, NULL));
  osys_finish(&o, 300000);
  assert_int_equal(o.r.wake_latency.count, 1);
  const aia_event *src = kf_first(&o.f, AIA_EV_MSI_SOURCE, 100000);
  const aia_event *entry = kf_first(&o.f, AIA_EV_VM_ENTRY, 100000);
  assert_non_null(src);
  assert_non_null(entry);
  assert_int_equal(o.r.wake_latency.max, entry->cycle - src->cycle);
  assert_int_equal(o.r.wakeups, 1);
  assert_int_equal(o.r.spurious_wakeups, 0);
  kf_free(&o.f);
}

/* Two MSIs with the same identity before the guest claims: one coalesced. */
static void test_coalescing_is_counted(void **state)
{
  osys o;
  (void)state;
  osys_build(&o, AIA_ERA_C, AIA_POLICY_NOKICK, 0, 1, 2, 1, AIA_BEHAVIOUR_BUSY, 0, 0);
  kf_run_until(&o.f, 100000);
  assert_aia_ok(o.f.sim, aia_vcpu_guest_set_seie(kf_vcpu(&o.f, 0), false));
  assert_aia_ok(o.f.sim, aia_workload_send(o.f.kvm, kf_vcpu(&o.f, 0), 7, AIA_PATH_KVM, NULL));
  assert_aia_ok(o.f.sim, aia_workload_send(o.f.kvm, kf_vcpu(&o.f, 0), 7, AIA_PATH_KVM, NULL));
  kf_run_until(&o.f, 110000);
  assert_aia_ok(o.f.sim, aia_vcpu_guest_set_seie(kf_vcpu(&o.f, 0), true));
  osys_finish(&o, 300000);
  assert_int_equal(o.r.msis, 2);
  assert_int_equal(o.r.claimed, 1);
  assert_int_equal(o.r.coalesced, 1);
  assert_int_equal(o.r.lost_interrupts, 0);
  /* Timed from the first: source at 100000, claimed at 110000 + guest_trap. */
  assert_int_equal(o.r.latency.max, 10000 + o.f.kcfg.timing.guest_trap);
  kf_free(&o.f);
}

/* A user hook sees exactly what the meter sees. */
typedef struct tally {
  uint64_t n[64];
} tally;

static void tally_hook(void *user, const aia_event *ev)
{
  ((tally *)user)->n[ev->kind]++;
}

static void test_user_hook_sees_what_the_meter_sees(void **state)
{
  osys o;
  tally t;
  (void)state;
  memset(&t, 0, sizeof t);
  osys_build_hook(&o, AIA_ERA_C, AIA_POLICY_KICK, 0, 2, 2, 4, AIA_BEHAVIOUR_IDLE, 30000, 5000000,
                  tally_hook, &t);
  osys_finish(&o, 6000000);
  assert_true(o.r.msis > 50);
  assert_int_equal(t.n[AIA_EV_MSI_SOURCE], o.r.msis);
  assert_int_equal(t.n[AIA_EV_IPI_SEND], o.r.ipis);
  assert_int_equal(t.n[AIA_EV_VM_EXIT], o.r.vm_exits);
  assert_int_equal(t.n[AIA_EV_CLAIM], o.r.claimed);
  /* ... and the fixture's own hook, attached first, saw as many records. */
  assert_int_equal(o.f.nlog < KF_MAX_REC ? o.f.nlog : 0, o.f.nlog < KF_MAX_REC ? o.r.events : 0);
  kf_free(&o.f);
}

/* A running vCPU at 50,000 MSI/s: one kick IPI and one kick exit per MSI
 * with the kick, none without. */
static void test_running_vcpu_kick_cost(void **state)
{
  (void)state;
  for (int k = 0; k < 2; k++) {
    osys o;
    static const uint32_t hart1[] = { 1 };
    memset(&o, 0, sizeof o);
    kf_defaults(&o.f);
    o.f.kcfg.policy = k ? AIA_POLICY_KICK : AIA_POLICY_NOKICK;
    o.f.vcfg.affinity = hart1;
    o.f.vcfg.naffinity = 1;
    kf_build(&o.f, 9);
    aia_guest_config gc;
    aia_guest_config_init(&gc);
    gc.behaviour = AIA_BEHAVIOUR_BUSY;
    assert_aia_ok(o.f.sim, aia_guest_attach(o.f.sim, kf_vcpu(&o.f, 0), &gc));
    aia_device_config dc;
    aia_device *d;
    aia_device_config_init(&dc);
    dc.vm = o.f.vm;
    dc.pattern = AIA_PATTERN_PERIODIC;
    dc.period = 20000; /* 50,000/s at 1 GHz */
    dc.start = 80000; /* first MSI at 100,000, the last before 10,100,000 */
    dc.stop = 10100000;
    assert_aia_ok(o.f.sim, aia_device_create(o.f.kvm, &dc, &d));
    aia_meter_config mc;
    aia_meter_config_init(&mc);
    assert_aia_ok(o.f.sim, aia_meter_create(o.f.kvm, &mc, &o.meter));
    assert_aia_ok(o.f.sim, aia_vcpu_start(kf_vcpu(&o.f, 0), 0));
    osys_finish(&o, 11000000);
    assert_int_equal(o.r.msis, 500);
    assert_int_equal(o.r.claimed, 500);
    if (k) {
      assert_int_equal(o.r.kick_ipis, 500);
      assert_int_equal(o.r.kick_exits, 500);
      /* each costs an exit, the run loop and an entry */
      assert_int_equal(o.r.guest_cycles_lost_to_kicks,
                       500 * (o.f.kcfg.timing.vm_exit + o.f.kcfg.timing.run_loop +
                              o.f.kcfg.timing.vm_entry));
    } else {
      assert_int_equal(o.r.kick_ipis, 0);
      assert_int_equal(o.r.kick_exits, 0);
      assert_int_equal(o.r.guest_cycles_lost_to_kicks, 0);
    }
    kf_free(&o.f);
  }
}

/* Idle guests in era C: no lost wake-up either way; the kick adds
 * duplicate wake-ups (the SGEI's kick finds the task already awake). */
static void test_idle_guests_kick_duplicates(void **state)
{
  (void)state;
  uint64_t dup[2];
  for (int k = 0; k < 2; k++) {
    osys o;
    osys_build(&o, AIA_ERA_C, k ? AIA_POLICY_KICK : AIA_POLICY_NOKICK, 0, 4, 2, 2,
               AIA_BEHAVIOUR_IDLE, 40000, 10000000);
    osys_finish(&o, 12000000);
    assert_int_equal(o.r.lost_wakeups, 0);
    assert_int_equal(o.r.lost_interrupts, 0);
    assert_true(o.r.msis > 100);
    dup[k] = o.r.duplicate_wakeups;
    kf_free(&o.f);
  }
  assert_int_equal(dup[0], 0);
  assert_true(dup[1] > 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_single_msi_latency_is_the_sum_of_costs),
    cmocka_unit_test(test_wake_latency_of_a_blocked_vcpu),
    cmocka_unit_test(test_coalescing_is_counted),
    cmocka_unit_test(test_user_hook_sees_what_the_meter_sees),
    cmocka_unit_test(test_running_vcpu_kick_cost),
    cmocka_unit_test(test_idle_guests_kick_duplicates),
    cmocka_unit_test(test_each_fault_is_caught),
    cmocka_unit_test(test_swfile_no_lock_is_caught),
    cmocka_unit_test(test_oversubscribed_eras),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
