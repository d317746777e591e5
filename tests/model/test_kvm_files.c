/* KVM model: SW-file path, VS-file migration windows, AUTO fallback,
 * HWACCEL failure. */
#include "kvm_fixture.h"

/* ---------------------------------------------------------------- SW-file */

/* EMUL VM, busy guest in guest mode on hart 1, injector on hart 0. */
static void swfile_setup(kf *f, aia_policy policy, uint32_t faults)
{
  static const uint32_t hart1[] = { 1 };
  kf_defaults(f);
  f->kcfg.policy = policy;
  f->kcfg.faults = faults;
  f->vcfg.mode = AIA_MODE_EMUL;
  f->vcfg.affinity = hart1;
  f->vcfg.naffinity = 1;
  kf_build(f, 1);
  assert_aia_ok(f->sim, aia_vcpu_start(kf_vcpu(f, 0), 0));
  kf_run_until(f, 100000);
  assert_int_equal(aia_vcpu_get_state(kf_vcpu(f, 0)), AIA_VCPU_IN_GUEST);
  assert_int_equal(aia_vcpu_vsfile_hart(kf_vcpu(f, 0)), -1);
}

static void test_swfile_inject_kicks_running_vcpu_in_every_variant(void **state)
{
  const aia_policy pols[] = { AIA_POLICY_KICK, AIA_POLICY_NOKICK, AIA_POLICY_WAKE_FIRST };
  (void)state;
  for (size_t i = 0; i < 3; i++) {
    kf f;
    swfile_setup(&f, pols[i], 0);
    assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 12, 1));
    kf_run_until(&f, 300000);
    assert_int_equal(f.claims[0], 1);
    assert_int_equal(f.last_claim[0], 12);
    /* set_interrupt kicked it: one IPI to hart 1, and an IRQ exit. */
    assert_int_equal(kf_count(&f, AIA_EV_IPI_SEND, 100000, 1), 1);
    uint64_t irq_exits = 0;
    for (size_t k = 0; k < f.nlog; k++)
      if (f.log[k].kind == AIA_EV_VM_EXIT && f.log[k].cycle >= 100000 && f.log[k].arg == AIA_EXIT_IRQ)
        irq_exits++;
    assert_int_equal(irq_exits, 1);
    /* The guest's claims trapped: one for the identity, one reading 0. */
    uint64_t csr_exits = 0;
    for (size_t k = 0; k < f.nlog; k++)
      if (f.log[k].kind == AIA_EV_VM_EXIT && f.log[k].arg == AIA_EXIT_CSR_TRAP)
        csr_exits++;
    assert_int_equal(csr_exits, 2);
    kf_free(&f);
  }
}

/* The Dec 2023 race: the guest's emulated claim of its last identity
 * decides "unset VS_EXT" and an injection decides "set" while that is in
 * flight; without swfile_extirq_lock the unset lands last. Returns claims. */
static uint32_t swfile_race(uint32_t faults, bool *stuck)
{
  kf f;
  aia_cycle tc = 0;
  /* Baseline: when does the emulated claim of the first MSI run? */
  swfile_setup(&f, AIA_POLICY_NOKICK, faults);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 12, 1));
  kf_run_until(&f, 300000);
  /* The guest claims until it reads 0: the second trapped claim is the
   * one that decides "nothing left, unset VS_EXT". */
  int traps = 0;
  for (size_t k = 0; k < f.nlog; k++)
    if (f.log[k].kind == AIA_EV_VM_EXIT && f.log[k].arg == AIA_EXIT_CSR_TRAP && ++traps == 2) {
      tc = f.log[k].cycle;
      break;
    }
  assert_true(tc > 100000);
  kf_free(&f);
  /* Again, with a second MSI whose routine runs 100 cycles after that
   * claim decided: its set lands at +swfile_update, the claim's unset at
   * +csr_emulate, later. */
  swfile_setup(&f, AIA_POLICY_NOKICK, faults);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 12, 1));
  kf_run_until(&f, tc + 100 - f.kcfg.timing.inject);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 13, 2));
  kf_run_until(&f, tc + 2000000);
  uint32_t claims = f.claims[0];
  *stuck = aia_vcpu_has_deliverable(kf_vcpu(&f, 0)) &&
           aia_vcpu_get_state(kf_vcpu(&f, 0)) == AIA_VCPU_IN_GUEST;
  kf_free(&f);
  return claims;
}

static void test_swfile_no_lock_loses_interrupt_with_forced_interleaving(void **state)
{
  bool stuck;
  (void)state;
  assert_int_equal(swfile_race(0, &stuck), 2);
  assert_false(stuck);
  assert_int_equal(swfile_race(AIA_FAULT_SWFILE_NO_LOCK, &stuck), 1);
  assert_true(stuck); /* pending in the SW-file, VS_EXT clear: never delivered */
}

/* ------------------------------------------------------------- migration */

/* Busy vCPU running on hart 1 with its VS-file there; at `at` it is moved
 * to hart 0 and migrates the file. */
static void mig_setup(kf *f, uint32_t faults, aia_cycle msi_write)
{
  kf_defaults(f);
  f->kcfg.faults = faults;
  f->pcfg.msi_write = msi_write;
  kf_build(f, 1);
  aia_vcpu *v = kf_vcpu(f, 0);
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, aia_vcpu_thread(v), 1, 0));
  assert_aia_ok(f->sim, aia_vcpu_start(v, 0));
  kf_run_until(f, 100000);
  assert_int_equal(aia_vcpu_vsfile_hart(v), 1);
  assert_aia_ok(f->sim, aia_host_force_migrate(f->host, aia_vcpu_thread(v), 0, 100000));
}

/* Cycle of the restore (AIA_EV_VSFILE_MIGRATE) in an undisturbed migration. */
static aia_cycle mig_restore_cycle(aia_cycle msi_write)
{
  kf f;
  mig_setup(&f, 0, msi_write);
  kf_run_until(&f, 300000);
  const aia_event *m = kf_first(&f, AIA_EV_VSFILE_MIGRATE, 100000);
  assert_non_null(m);
  assert_int_equal(m->hart, 0);
  aia_cycle t = m->cycle;
  kf_free(&f);
  return t;
}

/* Injects identity `iid` so that its write lands at `land`. */
static void inject_landing_at(kf *f, uint32_t iid, aia_cycle land)
{
  aia_cycle call = land - f->kcfg.timing.inject - f->pcfg.msi_write;
  kf_run_until(f, call);
  assert_aia_ok(f->sim, aia_kvm_inject(f->kvm, kf_vcpu(f, 0), 0, 0, iid, iid));
}

static uint32_t claimed_count(const kf *f, uint32_t iid)
{
  uint32_t n = 0;
  for (size_t k = 0; k < f->nlog; k++)
    if (f->log[k].kind == AIA_EV_CLAIM && f->log[k].iid == iid)
      n++;
  return n;
}

static void test_migration_msis_before_between_after_arrive_once(void **state)
{
  (void)state;
  aia_cycle tr = mig_restore_cycle(50);
  kf f;
  mig_setup(&f, 0, 50);
  /* Timeline before the restore at tr (ids 63: one 64-identity word):
   * swap at tr - file_cost - (ipi_send + ipi_deliver), read at tr - file_cost. */
  aia_cycle fc = f.kcfg.timing.vsfile_migrate;
  aia_cycle tswap = tr - fc - (f.kcfg.timing.ipi_send + f.pcfg.ipi_deliver);
  inject_landing_at(&f, 20, tswap - 1000); /* old file, before the swap */
  inject_landing_at(&f, 21, tswap + 1000); /* new file, delivery still off */
  inject_landing_at(&f, 22, tr + 1000);    /* new file, after the restore */
  kf_run_until(&f, tr + 500000);
  assert_int_equal(claimed_count(&f, 20), 1);
  assert_int_equal(claimed_count(&f, 21), 1);
  assert_int_equal(claimed_count(&f, 22), 1);
  /* 20 went to hart 1's file, 21 and 22 to hart 0's. */
  uint32_t harts[3] = { 9, 9, 9 };
  for (size_t k = 0; k < f.nlog; k++)
    if (f.log[k].kind == AIA_EV_MSI_LANDED && f.log[k].iid >= 20 && f.log[k].iid <= 22)
      harts[f.log[k].iid - 20] = f.log[k].hart;
  assert_int_equal(harts[0], 1);
  assert_int_equal(harts[1], 0);
  assert_int_equal(harts[2], 0);
  assert_int_equal(kf_count(&f, AIA_EV_MSI_DROPPED, 0, AIA_NONE), 0);
  kf_free(&f);
}

static void test_migration_slow_write_lands_in_freed_file_and_is_lost(void **state)
{
  (void)state;
  /* msi_write 10,000 > the IPI round trip of the read (4,200). */
  aia_cycle tr = mig_restore_cycle(10000);
  kf f, late;
  mig_setup(&f, 0, 10000);
  /* A second recorder, attached after KVM's own hook (the fixture's is
   * attached before it). */
  memset(&late, 0, sizeof late);
  assert_aia_ok(f.sim, aia_sim_hook_add(f.sim, AIA_EV_ALL, kf_hook, &late, NULL));
  aia_cycle fc = f.kcfg.timing.vsfile_migrate;
  aia_cycle tswap = tr - fc - (f.kcfg.timing.ipi_send + f.pcfg.ipi_deliver);
  /* The routine writes the old file 10 cycles before the swap. */
  kf_run_until(&f, tswap - 10 - f.kcfg.timing.inject);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, kf_vcpu(&f, 0), 0, 0, 30, 30));
  kf_run_until(&f, tr + 500000);
  assert_int_equal(claimed_count(&f, 30), 0);
  /* The window is reported: the write landed in a freed guest file. */
  const aia_event *d = kf_first(&f, AIA_EV_MSI_DROPPED, 0);
  assert_non_null(d);
  assert_int_equal(d->iid, 30);
  assert_int_equal(d->hart, 1);
  assert_int_equal(d->arg, 2);
  /* KVM finds the loss while the landing is handed to the hooks; a hook
   * attached before KVM's and one attached after it both see the landing
   * first, then the loss, the order of the stream. */
  const kf *logs[2] = { &f, &late };
  for (int k = 0; k < 2; k++) {
    const aia_event *dk = kf_first(logs[k], AIA_EV_MSI_DROPPED, 0), *l = NULL;
    assert_non_null(dk);
    for (const aia_event *e = logs[k]->log; e < dk; e++)
      if (e->kind == AIA_EV_MSI_LANDED && e->msi == dk->msi)
        l = e;
    assert_non_null(l);
    assert_true(dk == l + 1);
  }
  free(late.log);
  kf_free(&f);
}

static void test_migration_drops_pending_fault(void **state)
{
  (void)state;
  aia_cycle tr = mig_restore_cycle(50);
  kf f;
  mig_setup(&f, AIA_FAULT_MIGRATE_DROPS_PENDING, 50);
  aia_cycle tswap = tr - f.kcfg.timing.vsfile_migrate - (f.kcfg.timing.ipi_send + f.pcfg.ipi_deliver);
  inject_landing_at(&f, 20, tswap - 1000);
  kf_run_until(&f, tr + 500000);
  assert_int_equal(claimed_count(&f, 20), 0); /* dropped by the planted bug */
  kf_free(&f);
}

/* ------------------------------------------------------------ AUTO, HWACCEL */

static void test_auto_falls_back_to_swfile_and_moves_back(void **state)
{
  static const uint32_t hart1[] = { 1 };
  kf f;
  (void)state;
  kf_defaults(&f);
  f.pcfg.geilen = 1; /* one guest file per hart */
  f.vcfg.vcpus = 2;
  f.vcfg.affinity = hart1;
  f.vcfg.naffinity = 1;
  f.hcfg.slice = 200000;
  f.hcfg.scheduler = AIA_SCHED_RR; /* round robin on 200 us slices: both run within 1 ms */
  kf_build(&f, 1);
  aia_vcpu *a = kf_vcpu(&f, 0), *b = kf_vcpu(&f, 1);
  assert_aia_ok(f.sim, aia_vcpu_start(a, 0));
  assert_aia_ok(f.sim, aia_vcpu_start(b, 0));
  kf_run_until(&f, 1000000);
  /* One of them holds hart 1's only guest file, the other runs on its SW-file. */
  aia_vcpu *with = aia_vcpu_vsfile_hart(a) == 1 ? a : b, *without = with == a ? b : a;
  assert_int_equal(aia_vcpu_vsfile_hart(with), 1);
  assert_int_equal(aia_vcpu_vsfile_hart(without), -1);
  /* An MSI to the SW-file vCPU arrives. */
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, without, 0, 0, 40, 40));
  kf_run_until(&f, 2000000);
  assert_int_equal(f.claims[aia_vcpu_index(without)], 1);
  /* The file holder moves to hart 0; the other takes hart 1's file. */
  const uint64_t h0 = 1;
  assert_aia_ok(f.sim, aia_thread_set_affinity(aia_vcpu_thread(with), &h0, 1));
  kf_run_until(&f, 4000000);
  assert_int_equal(aia_vcpu_vsfile_hart(with), 0);
  /* AUTO retries the allocation on every run-loop pass: the next MSI's kick
   * makes it exit, the pass finds hart 1's file free and moves the SW-file
   * state (with that MSI) into it. */
  assert_int_equal(aia_vcpu_vsfile_hart(without), -1);
  assert_aia_ok(f.sim, aia_kvm_inject(f.kvm, without, 0, 0, 41, 41));
  kf_run_until(&f, 5000000);
  assert_int_equal(f.claims[aia_vcpu_index(without)], 2);
  assert_int_equal(aia_vcpu_vsfile_hart(without), 1);
  assert_true(kf_count(&f, AIA_EV_SWFILE, 4000000, 1) >= 1);
  kf_free(&f);
}

static void test_hwaccel_without_free_file_fails_the_run(void **state)
{
  static const uint32_t hart1[] = { 1 };
  kf f;
  (void)state;
  kf_defaults(&f);
  f.pcfg.geilen = 1;
  f.vcfg.vcpus = 2;
  f.vcfg.mode = AIA_MODE_HWACCEL;
  f.hcfg.slice = 200000;
  f.hcfg.scheduler = AIA_SCHED_RR; /* round robin on 200 us slices: both run within 1 ms */
  f.vcfg.affinity = hart1;
  f.vcfg.naffinity = 1;
  kf_build(&f, 1);
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 1), 0));
  kf_run_until(&f, 1000000);
  int in_user = (aia_vcpu_get_state(kf_vcpu(&f, 0)) == AIA_VCPU_USERSPACE) +
                (aia_vcpu_get_state(kf_vcpu(&f, 1)) == AIA_VCPU_USERSPACE);
  assert_int_equal(in_user, 1);
  assert_int_equal(kf_count(&f, AIA_EV_USER_EXIT, 0, 1), 1);
  kf_free(&f);
}

/* Host hart offline (kvm_riscv_aia_disable): a blocked owner is moved to
 * its SW-file with its pending MSI, kicked awake, and takes the MSI. */
static void test_hart_offline_releases_and_kicks_blocked_owner(void **state)
{
  kf f;
  (void)state;
  kf_defaults(&f);
  kf_build(&f, 1);
  f.idle[0] = 1;
  aia_vcpu *v = kf_vcpu(&f, 0);
  assert_aia_ok(f.sim, aia_host_force_migrate(f.host, aia_vcpu_thread(v), 1, 0));
  assert_aia_ok(f.sim, aia_vcpu_start(v, 0));
  kf_run_until(&f, 100000);
  assert_int_equal(aia_vcpu_get_state(v), AIA_VCPU_BLOCKED);
  assert_int_equal(aia_vcpu_vsfile_hart(v), 1);
  /* An MSI is pending in the file (SEIE off in the guest, so nothing wakes
   * it), then the hart goes offline. */
  assert_aia_ok(f.sim, aia_vcpu_guest_set_seie(v, false));
  assert_aia_ok(f.sim, aia_file_set_pending(f.plat, 1, aia_vcpu_vsfile_hgei(v), 9, 0));
  assert_aia_ok(f.sim, aia_vcpu_guest_set_seie(v, true));
  assert_aia_ok(f.sim, aia_kvm_hart_offline(f.kvm, 1));
  assert_int_equal(aia_vcpu_vsfile_hart(v), -1);
  assert_true(aia_vcpu_has_deliverable(v)); /* carried into the SW-file */
  assert_int_equal(kf_count_arg(&f, AIA_EV_SWFILE, 100000, 1), 1);
  /* hgeie was armed (it blocked there): the offline path kicked it. */
  assert_int_equal(kf_count_arg(&f, AIA_EV_KICK, 100000, 0), 1);
  kf_run_until(&f, 400000);
  assert_int_equal(f.claims[0], 1);
  assert_int_equal(f.last_claim[0], 9);
  assert_aia_status(aia_kvm_hart_offline(f.kvm, 7), AIA_ERANGE);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_swfile_inject_kicks_running_vcpu_in_every_variant),
    cmocka_unit_test(test_swfile_no_lock_loses_interrupt_with_forced_interleaving),
    cmocka_unit_test(test_migration_msis_before_between_after_arrive_once),
    cmocka_unit_test(test_migration_slow_write_lands_in_freed_file_and_is_lost),
    cmocka_unit_test(test_migration_drops_pending_fault),
    cmocka_unit_test(test_auto_falls_back_to_swfile_and_moves_back),
    cmocka_unit_test(test_hwaccel_without_free_file_fails_the_run),
    cmocka_unit_test(test_hart_offline_releases_and_kicks_blocked_owner),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
