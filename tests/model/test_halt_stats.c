/* KVM's statistics derived a second way from the record stream. The exit
 * counts (aia_vcpu_get_exit_stats) are the vm_exit records by reason. The
 * generic halt statistics (aia_vcpu_get_halt_stats): a poll starts at its halt_poll record and
 * ends when the vCPU leaves POLLING; it succeeded when no block record
 * follows (the wake-up came while polling). A halt is counted when it
 * ends, so a vCPU still asleep at the end has its last halt uncounted. */
#include "kvm_fixture.h"

#define US 1000u

typedef struct pulse {
  kf *f;
  uint32_t left;
  uint64_t msi;
  aia_cycle period;
  uint32_t vcpu;
} pulse;

static void pulse_fire(aia_sim *sim, void *user)
{
  pulse *p = user;
  assert_aia_ok(sim, aia_kvm_inject(p->f->kvm, kf_vcpu(p->f, p->vcpu), 0, 0, 40, ++p->msi));
  if (--p->left)
    assert_aia_ok(sim, aia_sim_schedule(sim, aia_sim_now(sim) + p->period, AIA_PH_HART,
                                        pulse_fire, p, NULL));
}

static uint64_t hist_sum(const uint64_t *h)
{
  uint64_t s = 0;
  for (int b = 0; b < AIA_HALT_HIST_BUCKETS; b++)
    s += h[b];
  return s;
}

/* Runs one idle vCPU on one hart with an MSI every `period` and checks its
 * halt statistics against the records. */
static aia_vcpu_halt_stats check_run(aia_cycle period, aia_cycle poll_max)
{
  kf f;
  pulse p;
  aia_vcpu_halt_stats st, sum;
  uint64_t polls = 0, ok = 0, wakeups = 0;
  aia_cycle ok_cycles = 0, fail_cycles = 0;
  kf_defaults(&f);
  f.pcfg.harts = 1;
  f.kcfg.injector_hart = 0;
  f.kcfg.timing.halt_poll_max = poll_max;
  kf_build(&f, 1);
  f.idle[0] = 1;
  p.f = &f;
  p.left = 40;
  p.msi = 0;
  p.period = period;
  p.vcpu = 0;
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_aia_ok(f.sim, aia_sim_schedule(f.sim, 50 * US, AIA_PH_HART, pulse_fire, &p, NULL));
  kf_run_until(&f, 50 * US + 41 * period);
  for (size_t i = 0; i < f.nlog; i++) {
    const aia_event *e = &f.log[i];
    if (e->vm != 0 || e->vcpu != 0)
      continue;
    if (e->kind == AIA_EV_WAKEUP && e->arg == 0)
      wakeups++;
    if (e->kind != AIA_EV_HALT_POLL)
      continue;
    polls++;
    size_t k = i + 1;
    while (k < f.nlog && !(f.log[k].vm == 0 && f.log[k].vcpu == 0 &&
                           f.log[k].kind == AIA_EV_VCPU_STATE && f.log[k].arg != AIA_VCPU_POLLING))
      k++;
    assert_true(k < f.nlog);
    aia_cycle end = f.log[k].cycle;
    bool blocked = false;
    for (size_t q = k + 1; q < f.nlog && f.log[q].cycle == end; q++)
      if (f.log[q].vm == 0 && f.log[q].vcpu == 0 && f.log[q].kind == AIA_EV_BLOCK)
        blocked = true;
    if (blocked) {
      /* The halt is over (and counted) only once a wake-up ended the sleep:
       * the last one of the run may still be asleep. */
      bool woken = false;
      for (size_t q = k + 1; q < f.nlog && !woken; q++)
        woken = f.log[q].vm == 0 && f.log[q].vcpu == 0 && f.log[q].kind == AIA_EV_WAKEUP &&
                f.log[q].arg == 0;
      if (!woken) {
        polls--;
        continue;
      }
      fail_cycles += end - e->cycle;
    } else {
      ok++;
      ok_cycles += end - e->cycle;
    }
  }
  st.struct_size = sizeof st;
  assert_aia_ok(f.sim, aia_vcpu_get_halt_stats(kf_vcpu(&f, 0), &st));
  sum.struct_size = sizeof sum;
  assert_aia_ok(f.sim, aia_kvm_halt_stats(f.kvm, &sum));
  assert_memory_equal(&st, &sum, sizeof st); /* one vCPU: the sum is that vCPU */
  assert_int_equal(st.halt_attempted_poll, polls);
  /* Every poll the wake-up ended is a success; a poll that ran out and then
   * found the vCPU runnable before sleeping would be one too (none here). */
  assert_int_equal(st.halt_successful_poll, ok);
  assert_int_equal(st.halt_poll_success_cycles, ok_cycles);
  assert_int_equal(st.halt_poll_fail_cycles, fail_cycles);
  assert_int_equal(st.halt_poll_invalid, 0);
  assert_int_equal(st.halt_wakeup, wakeups);
  assert_int_equal(hist_sum(st.halt_poll_success_hist), st.halt_successful_poll);
  assert_int_equal(hist_sum(st.halt_poll_fail_hist), st.halt_attempted_poll - st.halt_successful_poll);
  /* Every halt that slept was ended by a wake-up. */
  assert_int_equal(hist_sum(st.halt_wait_hist), st.halt_wakeup);
  assert_true(st.halt_wakeup == 0 || st.halt_wait_cycles > 0);
  assert_int_equal(aia_vcpu_get_halt_stats(NULL, &st), AIA_EINVAL);
  assert_int_equal(aia_kvm_halt_stats(f.kvm, NULL), AIA_EINVAL);
  kf_free(&f);
  return st;
}

static void test_short_halts_are_polled(void **state)
{
  (void)state;
  /* MSIs every 100 us, window up to 200 us. */
  aia_vcpu_halt_stats st = check_run(100 * US, 200 * US);
  /* Once the window has grown, the polls catch the MSIs. */
  assert_true(st.halt_attempted_poll >= 30 && st.halt_successful_poll >= 30);
  /* A successful poll is shorter than the MSI period (100 us < 2^17 ns). */
  for (int b = 18; b < AIA_HALT_HIST_BUCKETS; b++)
    assert_int_equal(st.halt_poll_success_hist[b], 0);
}

static void test_long_halts_sleep(void **state)
{
  (void)state;
  /* MSIs every 1 ms, window up to 200 us. */
  aia_vcpu_halt_stats st = check_run(1000 * US, 200 * US);
  /* One poll, which runs out; the halt (about 1 ms) is longer than the
   * 200 us ceiling, so the window shrinks to 0 and no halt polls again. */
  assert_int_equal(st.halt_attempted_poll, 1);
  assert_int_equal(st.halt_successful_poll, 0);
  assert_int_equal(st.halt_wakeup, 40);
  /* Each sleep lasts most of the 1 ms period: 2^19 <= ns < 2^20, bucket 20. */
  assert_true(st.halt_wait_hist[20] >= 35);
}

static void test_no_polling(void **state)
{
  kf f;
  aia_vcpu_halt_stats st;
  pulse p;
  (void)state;
  kf_defaults(&f);
  f.pcfg.harts = 1;
  f.kcfg.injector_hart = 0;
  f.kcfg.timing.halt_poll_max = 0;
  kf_build(&f, 1);
  f.idle[0] = 1;
  p.f = &f;
  p.left = 10;
  p.msi = 0;
  p.period = 100 * US;
  p.vcpu = 0;
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_aia_ok(f.sim, aia_sim_schedule(f.sim, 50 * US, AIA_PH_HART, pulse_fire, &p, NULL));
  kf_run_until(&f, 2000 * US);
  st.struct_size = sizeof st;
  assert_aia_ok(f.sim, aia_vcpu_get_halt_stats(kf_vcpu(&f, 0), &st));
  assert_int_equal(st.halt_attempted_poll, 0);
  assert_int_equal(st.halt_successful_poll, 0);
  assert_int_equal(st.halt_wakeup, 10);
  assert_int_equal(hist_sum(st.halt_wait_hist), 10);
  kf_free(&f);
}

/* Two vCPUs on two harts, MSIs to both, in AIA mode `mode`: exits are the
 * vm_exit records, wfi_exit_stat the WFI ones, csr_exit_kernel the CSR
 * traps of the SW-file; the VM's sum is the sum of its vCPUs. */
static aia_vcpu_exit_stats exit_run(aia_mode mode)
{
  kf f;
  pulse p[2];
  aia_vcpu_exit_stats st[2], sum;
  kf_defaults(&f);
  f.vcfg.mode = mode;
  f.vcfg.vcpus = 2;
  f.kcfg.injector_hart = 0;
  kf_build(&f, 3);
  for (uint32_t i = 0; i < 2; i++) {
    f.idle[i] = 1;
    p[i].f = &f;
    p[i].left = 20;
    p[i].msi = 0;
    p[i].period = 70 * US;
    p[i].vcpu = i;
    assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, i), i));
  }
  assert_aia_ok(f.sim, aia_sim_schedule(f.sim, 50 * US, AIA_PH_HART, pulse_fire, &p[0], NULL));
  assert_aia_ok(f.sim, aia_sim_schedule(f.sim, 85 * US, AIA_PH_HART, pulse_fire, &p[1], NULL));
  kf_run_until(&f, 50 * US + 30 * 70 * US);
  memset(&sum, 0, sizeof sum);
  for (uint32_t i = 0; i < 2; i++) {
    uint64_t exits = 0, wfi = 0, csr = 0;
    for (size_t r = 0; r < f.nlog; r++) {
      const aia_event *e = &f.log[r];
      if (e->kind != AIA_EV_VM_EXIT || e->vm != 0 || e->vcpu != i)
        continue;
      exits++;
      wfi += e->arg == AIA_EXIT_WFI;
      csr += e->arg == AIA_EXIT_CSR_TRAP;
    }
    st[i].struct_size = sizeof st[i];
    assert_aia_ok(f.sim, aia_vcpu_get_exit_stats(kf_vcpu(&f, i), &st[i]));
    assert_int_equal(st[i].exits, exits);
    /* The run ends long after the last MSI: every exit has been handled. */
    assert_int_equal(st[i].wfi_exit_stat, wfi);
    assert_int_equal(st[i].csr_exit_kernel, csr);
    assert_int_equal(st[i].csr_exit_user, 0);
    assert_int_equal(st[i].signal_exits, 0);
    assert_true(st[i].exits >= st[i].wfi_exit_stat + st[i].csr_exit_kernel);
  }
  sum.struct_size = sizeof sum;
  assert_aia_ok(f.sim, aia_kvm_exit_stats(f.kvm, &sum));
  assert_int_equal(sum.exits, st[0].exits + st[1].exits);
  assert_int_equal(sum.wfi_exit_stat, st[0].wfi_exit_stat + st[1].wfi_exit_stat);
  assert_int_equal(sum.csr_exit_kernel, st[0].csr_exit_kernel + st[1].csr_exit_kernel);
  /* A caller with an older, shorter struct gets what fits. */
  aia_vcpu_exit_stats small;
  memset(&small, 0xab, sizeof small);
  small.struct_size = offsetof(aia_vcpu_exit_stats, wfi_exit_stat);
  assert_aia_ok(f.sim, aia_vcpu_get_exit_stats(kf_vcpu(&f, 0), &small));
  assert_int_equal(small.exits, st[0].exits);
  assert_int_equal(small.wfi_exit_stat, 0xababababababababu);
  assert_int_equal(aia_vcpu_get_exit_stats(NULL, &small), AIA_EINVAL);
  assert_int_equal(aia_kvm_exit_stats(f.kvm, NULL), AIA_EINVAL);
  small.struct_size = 0;
  assert_int_equal(aia_kvm_exit_stats(f.kvm, &small), AIA_EINVAL);
  kf_free(&f);
  return st[0];
}

static void test_exits_on_vsfile(void **state)
{
  (void)state;
  aia_vcpu_exit_stats st = exit_run(AIA_MODE_HWACCEL);
  /* An idle guest on its VS-file: a WFI exit per MSI, no CSR traps. */
  assert_true(st.wfi_exit_stat >= 20);
  assert_int_equal(st.csr_exit_kernel, 0);
}

static void test_exits_on_swfile(void **state)
{
  (void)state;
  aia_vcpu_exit_stats st = exit_run(AIA_MODE_EMUL);
  /* On the SW-file every claim traps: one stopei that claims and one that
   * finds nothing left, per MSI at least. */
  assert_true(st.csr_exit_kernel >= 2 * 20);
  assert_true(st.wfi_exit_stat >= 20);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_short_halts_are_polled),
    cmocka_unit_test(test_long_halts_sleep),
    cmocka_unit_test(test_no_polling),
    cmocka_unit_test(test_exits_on_vsfile),
    cmocka_unit_test(test_exits_on_swfile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
