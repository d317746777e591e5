/* KVM's in-kernel APLIC (lib/kvm/vaplic.c, arch/riscv/kvm/aia_aplic.c):
 * the register emulation with the kernel's read-only fields and its
 * differences from the specification, the line path
 * (kvm_riscv_aia_aplic_inject) for edge and level sources, the MSI through
 * the injection routine, wired devices with the guest's acknowledge and its
 * trapped setipnum_le retrigger, and the oracle on unserved requests. */
#include "aiasim/aiasim.h"
#include "kvm_fixture.h"

#define SRC_CFG(i) (AIA_APLIC_SOURCECFG + 4u * ((i) - 1u))
#define TARGET(i) (AIA_APLIC_TARGET + 4u * ((i) - 1u))

static aia_vaplic *make_aplic(kf *f, uint32_t sources)
{
  aia_vaplic *a = NULL;
  assert_aia_ok(f->sim, aia_vm_create_aplic(f->vm, sources, &a));
  assert_ptr_equal(aia_vm_aplic(f->vm), a);
  return a;
}

static uint32_t rd(aia_vaplic *a, uint32_t off)
{
  uint32_t v = 0xDEADBEEFu;
  assert_int_equal(aia_vaplic_read(a, off, &v), AIA_OK);
  return v;
}

static void wr(aia_vaplic *a, uint32_t off, uint32_t v)
{
  assert_int_equal(aia_vaplic_write(a, off, v), AIA_OK);
}

/* aplic_mmio_read/write_offset: domaincfg reads 0x80000000 | IE | DM (MSI
 * mode, DM read-only 1); only IE is writable; D clears sourcecfg; the mode
 * bits are kept as written, reserved values too (unlike aiasim's hardware
 * APLIC); target keeps hart, guest and EIID; genmsi drops the guest index;
 * holes are -ENODEV; offsets not 4-byte aligned -EOPNOTSUPP. */
static void test_vaplic_registers_as_the_kernel_emulates_them(void **state)
{
  (void)state;
  kf f;
  kf_defaults(&f);
  kf_build(&f, 1);
  aia_vaplic *a = make_aplic(&f, 40);
  aia_vaplic *again = NULL;
  assert_int_equal(aia_vm_create_aplic(f.vm, 8, &again), AIA_EINVAL);
  assert_null(again);
  assert_int_equal(rd(a, AIA_APLIC_DOMAINCFG), 0x80000004u);
  wr(a, AIA_APLIC_DOMAINCFG, 0xFFFFFFFFu);
  assert_int_equal(rd(a, AIA_APLIC_DOMAINCFG), 0x80000104u);
  wr(a, AIA_APLIC_DOMAINCFG, 0);
  wr(a, SRC_CFG(3), 0x405u);
  assert_int_equal(rd(a, SRC_CFG(3)), 0);
  wr(a, SRC_CFG(3), 0x3FBu); /* D clear: SM = 3, reserved, kept */
  assert_int_equal(rd(a, SRC_CFG(3)), 3);
  wr(a, TARGET(3), 0xFFFFFFFFu);
  assert_int_equal(rd(a, TARGET(3)), 0xFFFFF7FFu);
  wr(a, AIA_APLIC_GENMSI, 0xFFFFFFFFu);
  assert_int_equal(rd(a, AIA_APLIC_GENMSI), 0xFFFC0FFFu);
  /* sources 1..40: sourcecfg[41] and target[41] are past the emulation */
  uint32_t v = 0;
  assert_int_equal(aia_vaplic_read(a, SRC_CFG(41), &v), AIA_ENODEV);
  assert_int_equal(aia_vaplic_write(a, TARGET(41), 1), AIA_ENODEV);
  assert_int_equal(aia_vaplic_read(a, AIA_APLIC_MMSIADDRCFG, &v), AIA_ENODEV);
  assert_int_equal(aia_vaplic_read(a, AIA_APLIC_IDC, &v), AIA_ENODEV);
  assert_int_equal(aia_vaplic_read(a, 2, &v), AIA_EACCESS);
  assert_int_equal(aia_vaplic_write(a, 0x1E01u, 1), AIA_EACCESS);
  /* number registers and clrie read 0 */
  assert_int_equal(rd(a, AIA_APLIC_SETIPNUM), 0);
  assert_int_equal(rd(a, AIA_APLIC_CLRIE), 0);
  /* the kernel's enable bit ignores the source mode */
  wr(a, AIA_APLIC_SETIENUM, 7);
  assert_int_equal(rd(a, AIA_APLIC_SETIE), 1u << 7);
  wr(a, AIA_APLIC_CLRIENUM, 7);
  assert_int_equal(rd(a, AIA_APLIC_SETIE), 0);
  kf_free(&f);
}

/* kvm_riscv_aia_aplic_inject, level-high: the line sets pending whenever
 * it is asserted and the source not pending, and dropping the line does
 * not clear it (the specification clears it; the kernel does not). Edge:
 * only the edge. in_clrip reads the rectified input (the 2024 fix). */
static void test_vaplic_line_rules_for_level_and_edge(void **state)
{
  (void)state;
  kf f;
  kf_defaults(&f);
  kf_build(&f, 1);
  aia_vaplic *a = make_aplic(&f, 32);
  wr(a, SRC_CFG(1), AIA_SM_LEVEL1);
  wr(a, SRC_CFG(2), AIA_SM_EDGE1);
  wr(a, SRC_CFG(3), AIA_SM_LEVEL0);
  wr(a, SRC_CFG(4), AIA_SM_EDGE0);
  /* level-low and edge-falling with the wire low: the rectified input is high */
  assert_int_equal(rd(a, AIA_APLIC_IN_CLRIP), 0x18u);
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0);
  /* level: setipnum needs the line asserted */
  wr(a, AIA_APLIC_SETIPNUM, 1);
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0);
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 1, true));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0x2u);
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 1, false));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0x2u);
  wr(a, AIA_APLIC_CLRIPNUM, 1);
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0);
  /* edge-rising: the edge only, not a held line */
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 2, true));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0x4u);
  wr(a, AIA_APLIC_CLRIPNUM, 2);
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 2, true));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0);
  /* edge-falling */
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 4, true));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0);
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 4, false));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0x10u);
  assert_int_equal(aia_vaplic_set_line(a, 33, true), AIA_ENODEV);
  assert_int_equal(aia_vaplic_set_line(a, 0, true), AIA_ENODEV);
  kf_free(&f);
}

/* Before the 2024 fix of aplic_write_pending (AIA_FAULT_APLIC_LEVEL_SETIP),
 * setipnum set a level source's pending bit with its line deasserted. */
static void test_vaplic_fault_level_setip_sets_pending_on_a_quiet_line(void **state)
{
  (void)state;
  kf f;
  kf_defaults(&f);
  f.kcfg.faults = AIA_FAULT_APLIC_LEVEL_SETIP;
  kf_build(&f, 1);
  aia_vaplic *a = make_aplic(&f, 32);
  wr(a, SRC_CFG(1), AIA_SM_LEVEL1);
  wr(a, AIA_APLIC_SETIPNUM_LE, 1);
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0x2u);
  kf_free(&f);
}

/* With IE and the source enabled, the line's MSI goes through the
 * injection routine on the injector to the target's vCPU and identity, and
 * the guest claims it; a target naming no vCPU is dropped as the kernel
 * does (kvm_riscv_aia_inject_msi_by_id finds no vCPU and returns 0). */
static void test_vaplic_msi_reaches_the_target_vcpu_through_the_injection_routine(void **state)
{
  (void)state;
  kf f;
  kf_defaults(&f);
  f.vcfg.vcpus = 2;
  kf_build(&f, 1);
  aia_vaplic *a = make_aplic(&f, 32);
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 1), 0));
  kf_run_until(&f, 100000);
  wr(a, SRC_CFG(5), AIA_SM_EDGE1);
  wr(a, TARGET(5), 1u << AIA_APLIC_TARGET_HART_SHIFT | 9u); /* vCPU 1, EIID 9 */
  wr(a, SRC_CFG(6), AIA_SM_EDGE1);
  wr(a, TARGET(6), 7u << AIA_APLIC_TARGET_HART_SHIFT | 9u); /* no vCPU 7 */
  wr(a, AIA_APLIC_SETIE, 0x60u);
  wr(a, AIA_APLIC_DOMAINCFG, AIA_APLIC_DOMAINCFG_IE);
  uint64_t inj0 = f.counts[AIA_EV_INJECT];
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 5, true));
  assert_aia_ok(f.sim, aia_vaplic_set_line(a, 6, true));
  assert_int_equal(rd(a, AIA_APLIC_SETIP), 0); /* both sent: pending cleared */
  kf_run_until(&f, 200000);
  assert_int_equal(f.counts[AIA_EV_INJECT] - inj0, 1);
  assert_int_equal(f.claims[1], 1);
  assert_int_equal(f.last_claim[1], 9);
  assert_int_equal(f.claims[0], 0);
  aia_vaplic_stats st = { .struct_size = sizeof st };
  assert_aia_ok(f.sim, aia_vaplic_get_stats(a, &st));
  assert_int_equal(st.msis, 2);
  assert_int_equal(st.msis_no_vcpu, 1);
  assert_int_equal(st.line_calls, 2);
  /* genmsi: an extempore MSI to vCPU 0, EIID 11 */
  wr(a, AIA_APLIC_GENMSI, 11);
  kf_run_until(&f, 300000);
  assert_int_equal(f.claims[0], 1);
  assert_int_equal(f.last_claim[0], 11);
  kf_free(&f);
}

/* A level device serving one request per acknowledge: three requests at
 * once keep the line asserted after the first two handlers; each handler
 * ends with the setipnum_le store, which traps (an MMIO exit, emulated on
 * the vCPU's own hart) and re-sends the still-asserted source. All three
 * are served; the meter sees no violation. */
static void run_level_burst(kf *f, uint32_t faults, aia_wired_stats *ws, aia_result *res)
{
  aia_meter *m;
  aia_wired *w;
  aia_wired_config wc;
  kf_defaults(f);
  f->vcfg.vcpus = 1;
  f->kcfg.faults = faults;
  f->kcfg.policy = AIA_POLICY_KICK;
  f->idle[0] = 1;
  kf_build(f, 3);
  (void)make_aplic(f, 32);
  aia_wired_config_init(&wc);
  wc.vm = f->vm;
  wc.source = 10;
  wc.trigger = AIA_TRIGGER_LEVEL_HIGH;
  wc.pattern = AIA_PATTERN_BURST;
  wc.burst_count = 3;
  wc.burst_every = 10000000;
  wc.start = 200000;
  wc.stop = 300000; /* one burst */
  wc.per_ack = 1;
  assert_aia_ok(f->sim, aia_wired_create(f->kvm, &wc, &w));
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  assert_aia_ok(f->sim, aia_meter_create(f->kvm, &mc, &m));
  assert_aia_ok(f->sim, aia_vcpu_start(kf_vcpu(f, 0), 0));
  kf_run_until(f, 5000000);
  aia_meter_finish(m);
  aia_meter_result(m, res);
  ws->struct_size = sizeof *ws;
  assert_aia_ok(f->sim, aia_wired_get_stats(w, ws));
}

static void test_vaplic_level_device_is_served_through_the_retrigger_store(void **state)
{
  (void)state;
  kf f;
  aia_wired_stats ws;
  aia_result r;
  run_level_burst(&f, 0, &ws, &r);
  assert_int_equal(ws.requests, 3);
  assert_int_equal(ws.served, 3);
  assert_int_equal(ws.acks, 3);
  assert_int_equal(ws.spurious, 0);
  assert_int_equal(r.wired_requests, 3);
  assert_int_equal(r.wired_served, 3);
  assert_int_equal(r.lost_interrupts, 0);
  assert_int_equal(r.wired_unserviced, 0);
  aia_vcpu_exit_stats xs = { .struct_size = sizeof xs };
  assert_aia_ok(f.sim, aia_vcpu_get_exit_stats(kf_vcpu(&f, 0), &xs));
  assert_int_equal(xs.mmio_exit_kernel, 3); /* one retrigger store per level handler */
  assert_int_equal(kf_count_arg(&f, AIA_EV_VM_EXIT, 0, AIA_EXIT_MMIO), 3);
  /* The stores are emulated on the vCPU's hart: the re-sent MSIs' kicks
   * are the vCPU's own (no IPI). */
  const aia_event *mm = kf_first(&f, AIA_EV_APLIC_MMIO, 0);
  assert_non_null(mm);
  assert_int_equal(mm->arg, (UINT64_C(1) << 32) | AIA_APLIC_SETIPNUM_LE);
  uint64_t own = 0;
  for (size_t i = 0; i < f.nlog; i++)
    if (f.log[i].kind == AIA_EV_KICK && f.log[i].hart == mm->hart && f.log[i].arg == 3)
      own++;
  assert_int_equal(own, 2); /* the two re-sends while the line stayed up */
  /* the exit and its emulation: the next entry is at least vm_exit +
   * mmio_emulate + vm_entry after the trapped store's exit began */
  const aia_event *ex = NULL, *en = NULL;
  for (size_t i = 0; i < f.nlog && en == NULL; i++) {
    if (ex == NULL && f.log[i].kind == AIA_EV_VM_EXIT && f.log[i].arg == AIA_EXIT_MMIO)
      ex = &f.log[i];
    else if (ex != NULL && f.log[i].kind == AIA_EV_VM_ENTRY)
      en = &f.log[i];
  }
  assert_non_null(en);
  assert_true(en->cycle - ex->cycle >= f.kcfg.timing.mmio_emulate + f.kcfg.timing.vm_entry);
  kf_free(&f);
}

/* Without the guest's retrigger store (AIA_FAULT_APLIC_NO_RETRIGGER) the
 * line stays asserted after the first handler and nothing sends it again:
 * two requests are never served, and the oracle says so. */
static void test_vaplic_without_the_retrigger_the_oracle_reports_unserved_requests(void **state)
{
  (void)state;
  kf f;
  aia_wired_stats ws;
  aia_result r;
  run_level_burst(&f, AIA_FAULT_APLIC_NO_RETRIGGER, &ws, &r);
  assert_int_equal(ws.requests, 3);
  assert_int_equal(ws.served, 1);
  assert_int_equal(ws.outstanding, 2);
  assert_int_equal(r.wired_unserviced, 1);
  assert_int_equal(r.lost_interrupts, 1);
  assert_true(r.nviolations >= 1);
  assert_int_equal(r.violations[r.nviolations - 1].kind, AIA_VIOL_WIRED_UNSERVICED);
  assert_int_equal(r.violations[r.nviolations - 1].iid, 10);
  aia_vcpu_exit_stats xs = { .struct_size = sizeof xs };
  assert_aia_ok(f.sim, aia_vcpu_get_exit_stats(kf_vcpu(&f, 0), &xs));
  assert_int_equal(xs.mmio_exit_kernel, 0);
  kf_free(&f);
}

/* The guest's driver reconfigures source 4 (sourcecfg to inactive, then
 * back to edge, as a set_type through an inactive state would) and the
 * device's edge falls in between: the kernel drops it (the source was
 * inactive), so the request is never served, and the oracle says so. An
 * edge outside that window is served. */
static void src_off(aia_sim *sim, void *user)
{
  (void)sim;
  wr(user, SRC_CFG(4), AIA_SM_INACTIVE);
}

static void src_on(aia_sim *sim, void *user)
{
  (void)sim;
  wr(user, SRC_CFG(4), AIA_SM_EDGE1);
}

static void run_edge_during_reconfigure(kf *f, aia_cycle edge_at, aia_result *r)
{
  aia_meter *m;
  aia_wired *w;
  aia_wired_config wc;
  kf_defaults(f);
  f->idle[0] = 1;
  kf_build(f, 5);
  aia_vaplic *a = make_aplic(f, 8);
  aia_wired_config_init(&wc);
  wc.vm = f->vm;
  wc.source = 4;
  wc.trigger = AIA_TRIGGER_EDGE_RISING;
  wc.pattern = AIA_PATTERN_BURST;
  wc.burst_count = 1;
  wc.burst_every = 100000000;
  wc.start = edge_at;
  wc.stop = edge_at + 1;
  assert_aia_ok(f->sim, aia_wired_create(f->kvm, &wc, &w));
  assert_aia_ok(f->sim, aia_sim_schedule(f->sim, 300000, AIA_PH_HART, src_off, a, NULL));
  assert_aia_ok(f->sim, aia_sim_schedule(f->sim, 300100, AIA_PH_HART, src_on, a, NULL));
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  assert_aia_ok(f->sim, aia_meter_create(f->kvm, &mc, &m));
  assert_aia_ok(f->sim, aia_vcpu_start(kf_vcpu(f, 0), 0));
  kf_run_until(f, 3000000);
  aia_meter_finish(m);
  aia_meter_result(m, r);
}

static void test_vaplic_an_edge_lost_while_the_source_is_reconfigured_is_reported(void **state)
{
  (void)state;
  kf f;
  aia_result r;
  run_edge_during_reconfigure(&f, 300050, &r); /* inside the window */
  assert_int_equal(r.wired_requests, 1);
  assert_int_equal(r.wired_served, 0);
  assert_int_equal(r.wired_unserviced, 1);
  assert_int_equal(r.violations[r.nviolations - 1].kind, AIA_VIOL_WIRED_UNSERVICED);
  kf_free(&f);
  run_edge_during_reconfigure(&f, 300200, &r); /* after it */
  assert_int_equal(r.wired_served, 1);
  assert_int_equal(r.wired_unserviced, 0);
  assert_int_equal(r.lost_interrupts, 0);
  kf_free(&f);
}

/* Bad arguments to the wired device. */
static void test_vaplic_wired_device_arguments(void **state)
{
  (void)state;
  kf f;
  aia_wired *w = (aia_wired *)&f;
  aia_wired_config wc;
  kf_defaults(&f);
  kf_build(&f, 1);
  aia_wired_config_init(&wc);
  wc.vm = f.vm;
  wc.source = 3;
  assert_int_equal(aia_wired_create(f.kvm, &wc, &w), AIA_EINVAL); /* no APLIC yet */
  assert_null(w);
  (void)make_aplic(&f, 8);
  wc.source = 9;
  assert_int_equal(aia_wired_create(f.kvm, &wc, &w), AIA_EINVAL);
  wc.source = 3;
  wc.vcpu = 1;
  assert_int_equal(aia_wired_create(f.kvm, &wc, &w), AIA_EINVAL);
  wc.vcpu = 0;
  wc.eiid = 64; /* ids 63 */
  assert_int_equal(aia_wired_create(f.kvm, &wc, &w), AIA_EINVAL);
  wc.eiid = 0;
  wc.pattern = AIA_PATTERN_LIST;
  assert_int_equal(aia_wired_create(f.kvm, &wc, &w), AIA_EINVAL);
  wc.pattern = AIA_PATTERN_POISSON;
  assert_aia_ok(f.sim, aia_wired_create(f.kvm, &wc, &w));
  assert_non_null(w);
  aia_wired *w2 = NULL;
  assert_int_equal(aia_wired_create(f.kvm, &wc, &w2), AIA_EINVAL); /* source taken */
  assert_int_equal(aia_wired_create(NULL, &wc, &w2), AIA_EINVAL);
  assert_int_equal(aia_wired_get_stats(NULL, NULL), AIA_EINVAL);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_vaplic_registers_as_the_kernel_emulates_them),
    cmocka_unit_test(test_vaplic_line_rules_for_level_and_edge),
    cmocka_unit_test(test_vaplic_fault_level_setip_sets_pending_on_a_quiet_line),
    cmocka_unit_test(test_vaplic_msi_reaches_the_target_vcpu_through_the_injection_routine),
    cmocka_unit_test(test_vaplic_level_device_is_served_through_the_retrigger_store),
    cmocka_unit_test(test_vaplic_without_the_retrigger_the_oracle_reports_unserved_requests),
    cmocka_unit_test(test_vaplic_an_edge_lost_while_the_source_is_reconfigured_is_reported),
    cmocka_unit_test(test_vaplic_wired_device_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
