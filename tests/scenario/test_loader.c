/* Scenario loader: the format example read field by field, defaults,
 * units, overrides, sweep points, checks on scenarios built in C, several
 * problems in one pass, determinism, the shipped examples. */
#include "aiasim/host.h"
#include <dirent.h>
#include <string.h>

#include "aia_test.h"
#include "aiasim/scenario.h"
#include "scenario/scn_impl.h"

#define MS(x) ((aia_cycle)(x) * 1000000u) /* at 1 GHz */
#define US(x) ((aia_cycle)(x) * 1000u)

/* Loads text; fails the test with the first problem if it does not load. */
static aia_scenario *load_ok(const char *text, const aia_override *ov, size_t nov)
{
  aia_scenario *s = NULL;
  aia_diag d[4];
  size_t n = 0;
  char buf[600];
  int rc = aia_scenario_load_mem("t.yaml", text, strlen(text), ov, nov, &s, d, 4, &n);
  if (rc != AIA_OK) {
    aia_diag_format(&d[0], buf, sizeof buf);
    fail_msg("load failed (%s): %s", aia_status_name(rc), n ? buf : "no diag");
  }
  assert_non_null(s);
  assert_int_equal(n, 0);
  return s;
}

/* Loads text that must fail; returns the first formatted problem. */
static const char *load_bad(const char *text, const aia_override *ov, size_t nov, int want_rc,
                            char *buf, size_t len)
{
  aia_scenario *s = (aia_scenario *)&s; /* must be reset to NULL */
  aia_diag d[2];
  size_t n = 0;
  int rc = aia_scenario_load_mem("t.yaml", text, strlen(text), ov, nov, &s, d, 2, &n);
  assert_aia_status(rc, want_rc);
  assert_null(s);
  assert_true(n >= 1);
  assert_int_equal(aia_diag_format(&d[0], buf, len), AIA_OK);
  return buf;
}

#define MIN "aiasim: 1\nname: t\nduration: 1ms\n"

/* ------------------------------------------------- format example ------ */

static void test_scenario_md_example(void **state)
{
  aia_scenario *s = NULL;
  aia_diag d[4];
  size_t n = 99;
  (void)state;
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR "/scenario_md.yaml", NULL, 0, &s, d, 4, &n),
                   AIA_OK);
  assert_int_equal(n, 0);
  assert_string_equal(s->name, "idle-guests");
  assert_string_equal(s->source, AIA_SCN_DIR "/scenario_md.yaml");
  assert_true(s->seed == 1);
  assert_true(s->clock_hz == 1000000000u);
  assert_true(s->duration == MS(10));
  assert_true(s->drain == MS(1));
  assert_int_equal(s->kernel, AIA_ERA_C);
  assert_int_equal(s->npolicies, 2);
  assert_int_equal(s->policies[0], AIA_POLICY_KICK);
  assert_int_equal(s->policies[1], AIA_POLICY_NOKICK);
  assert_int_equal(s->faults, 0);
  /* platform */
  assert_int_equal(s->harts, 4);
  assert_int_equal(s->geilen, 7);
  assert_int_equal(s->ids, 255);
  assert_true(s->imsic_base == 0x28000000u);
  assert_true(s->hart_stride == 0x8000u);
  /* timing: the two given, the rest from the model */
  assert_true(s->timing[AIA_T_VM_EXIT] == 2000);
  assert_true(s->timing[AIA_T_IPI_DELIVER] == 4000);
  assert_true(s->timing[AIA_T_VM_ENTRY] == 1500);
  assert_true(s->timing[AIA_T_MSI_WRITE] == 50);
  assert_int_equal(s->jitter[AIA_T_IPI_DELIVER].kind, AIA_JITTER_UNIFORM);
  assert_true(s->jitter[AIA_T_IPI_DELIVER].amount == 500);
  for (unsigned f = 0; f < AIA_T_COUNT_; f++)
    if (f != AIA_T_IPI_DELIVER)
      assert_int_equal(s->jitter[f].kind, AIA_JITTER_NONE);
  /* host */
  assert_true(s->timing[AIA_T_SLICE] == MS(3));
  assert_true(s->timing[AIA_T_HALT_POLL_MAX] == US(500));
  assert_int_equal(s->injector_hart, 0);
  assert_true(s->balance_interval == 4000000u);
  assert_int_equal(s->nnoise, 1);
  assert_int_equal(s->noise[0].nharts, 2);
  assert_int_equal(s->noise[0].harts[0], 1);
  assert_int_equal(s->noise[0].harts[1], 2);
  assert_true(s->noise[0].busy == MS(2));
  assert_true(s->noise[0].idle == MS(1));
  /* vms */
  assert_int_equal(s->nvms, 1);
  const aia_scn_vm *vm = &s->vms[0];
  assert_string_equal(vm->name, "vm0");
  assert_int_equal(vm->vcpus, 4);
  assert_int_equal(vm->mode, AIA_MODE_AUTO);
  assert_int_equal(vm->naffinity, 3);
  assert_int_equal(vm->affinity[0], 1);
  assert_int_equal(vm->affinity[1], 2);
  assert_int_equal(vm->affinity[2], 3);
  assert_int_equal(vm->guest.behaviour, AIA_BEHAVIOUR_IDLE);
  assert_true(vm->guest.duty_busy == US(50));
  assert_true(vm->guest.duty_idle == US(200));
  assert_true(vm->guest.isr == 300);
  assert_int_equal(vm->guest.threshold, 0);
  assert_int_equal(vm->guest.eidelivery, 1);
  assert_int_equal(vm->guest.nenable, 1);
  assert_int_equal(vm->guest.enable[0].lo, 1);
  assert_int_equal(vm->guest.enable[0].hi, 255);
  assert_int_equal(vm->guest.nmask_seie, 0);
  assert_true(vm->guest.tick == 0);
  /* devices */
  assert_int_equal(s->ndevices, 1);
  const aia_scn_device *dv = &s->devices[0];
  assert_string_equal(dv->name, "nic");
  assert_int_equal(dv->vm, 0);
  assert_int_equal(dv->nvcpus, 0);
  assert_null(dv->vcpus);
  assert_false(dv->random_target);
  assert_int_equal(dv->niids, 2);
  assert_int_equal(dv->iids[0], 32);
  assert_int_equal(dv->iids[1], 33);
  assert_int_equal(dv->path, AIA_PATH_KVM);
  assert_int_equal(dv->pattern, AIA_PATTERN_POISSON);
  assert_true(dv->period == 50000); /* 1e9 / 20000 */
  assert_int_equal(dv->burst_count, 8);
  assert_true(dv->burst_every == MS(1));
  assert_int_equal(dv->nat, 1);
  assert_true(dv->at[0].at == 1000);
  assert_int_equal(dv->at[0].vcpu, 0);
  assert_int_equal(dv->at[0].iid, 32);
  /* sweep */
  assert_int_equal(s->sweep.kind, AIA_SWEEP_SET);
  assert_string_equal(s->sweep.path, "devices.nic.rate");
  assert_int_equal(s->sweep.nvalues, 3);
  assert_string_equal(s->sweep.values[0], "1000/s");
  assert_string_equal(s->sweep.values[1], "10000/s");
  assert_string_equal(s->sweep.values[2], "100000/s");
  /* expect */
  assert_true(s->expect.has_lost_wakeups);
  assert_true(s->expect.lost_wakeups == 0);
  assert_true(s->expect.lost_wakeups_min == 0 && s->expect.lost_wakeups_max == 0);
  assert_true(s->expect.has_lost_interrupts);
  assert_true(s->expect.lost_interrupts == 0);
  assert_true(s->expect.has_latency_p99_max);
  assert_true(s->expect.latency_p99_max == US(20));
  /* kept for the sweep points */
  assert_non_null(s->text);
  assert_true(s->text_len > 1000 && strlen(s->text) == s->text_len);
  assert_int_equal(s->nov, 0);
  assert_int_equal(aia_scenario_check(s, NULL), AIA_OK);
  aia_scenario_destroy(s);
}

/* ----------------------------------------------------------- defaults -- */

static void test_defaults_from_the_model(void **state)
{
  aia_scenario *s = NULL;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  (void)state;
  aia_platform_config_init(&pc);
  aia_host_config_init(&hc);
  aia_kvm_config_init(&kc);
  assert_int_equal(aia_scenario_create(&s), AIA_OK);
  assert_string_equal(s->name, "");
  assert_true(s->seed == 1 && s->clock_hz == 1000000000u && s->duration == 0);
  assert_true(s->drain == MS(1));
  assert_int_equal(s->kernel, kc.era);
  assert_int_equal(s->npolicies, 1);
  assert_int_equal(s->policies[0], AIA_POLICY_NOKICK);
  assert_int_equal(s->harts, pc.harts);
  assert_int_equal(s->geilen, pc.geilen);
  assert_int_equal(s->ids, pc.ids);
  assert_true(s->imsic_base == pc.imsic_base && s->hart_stride == pc.hart_stride);
  assert_true(s->timing[AIA_T_MSI_WRITE] == pc.msi_write);
  assert_true(s->timing[AIA_T_LINE_TO_HART] == pc.line_to_hart);
  assert_true(s->timing[AIA_T_IPI_DELIVER] == pc.ipi_deliver);
  assert_true(s->timing[AIA_T_IDLE_EXIT] == pc.idle_exit);
  assert_true(s->timing[AIA_T_CTX_SWITCH] == hc.ctx_switch);
  assert_true(s->timing[AIA_T_SCHED_WAKE] == hc.sched_wake);
  assert_true(s->timing[AIA_T_SLICE] == hc.slice);
  assert_true(s->timing[AIA_T_WAKEUP_GRANULARITY] == hc.wakeup_granularity);
  assert_true(s->balance_interval == hc.balance_interval);
  assert_true(s->timing[AIA_T_GUEST_TRAP] == kc.timing.guest_trap);
  assert_true(s->timing[AIA_T_ISR] == kc.timing.isr);
  assert_true(s->timing[AIA_T_WFI_TIMEOUT] == kc.timing.wfi_timeout);
  assert_true(s->timing[AIA_T_VM_ENTRY] == kc.timing.vm_entry);
  assert_true(s->timing[AIA_T_VM_EXIT] == kc.timing.vm_exit);
  assert_true(s->timing[AIA_T_IPI_SEND] == kc.timing.ipi_send);
  assert_true(s->timing[AIA_T_KICK] == kc.timing.kick);
  assert_true(s->timing[AIA_T_INJECT] == kc.timing.inject);
  assert_true(s->timing[AIA_T_HGEI_HANDLER] == kc.timing.hgei_handler);
  assert_true(s->timing[AIA_T_HALT_POLL_MAX] == kc.timing.halt_poll_max);
  assert_true(s->timing[AIA_T_VSFILE_MIGRATE] == kc.timing.vsfile_migrate);
  assert_true(s->timing[AIA_T_HFENCE_ROUNDTRIP] == kc.timing.hfence_roundtrip);
  assert_true(s->timing[AIA_T_SWFILE_UPDATE] == kc.timing.swfile_update);
  assert_true(s->timing[AIA_T_RUN_LOOP] == kc.timing.run_loop);
  assert_true(s->timing[AIA_T_CSR_EMULATE] == kc.timing.csr_emulate);
  assert_true(s->timing[AIA_T_HALT_POLL_START] == kc.timing.halt_poll_start);
  assert_int_equal(s->injector_hart, kc.injector_hart);
  assert_int_equal(s->nvms + s->ndevices + s->nnoise, 0);
  assert_int_equal(s->sweep.kind, AIA_SWEEP_NONE);
  assert_false(s->expect.has_lost_wakeups || s->expect.has_lost_interrupts ||
               s->expect.has_latency_p99_max);
  assert_null(s->text);

  /* the smallest file gives the same scenario */
  aia_scenario *m = load_ok(MIN, NULL, 0);
  assert_string_equal(m->name, "t");
  assert_true(m->duration == MS(1));
  m->duration = 0;
  m->name[0] = '\0';
  assert_memory_equal(m->timing, s->timing, sizeof s->timing);
  assert_memory_equal(m->jitter, s->jitter, sizeof s->jitter);
  assert_true(m->seed == s->seed && m->clock_hz == s->clock_hz && m->drain == s->drain);
  assert_true(m->harts == s->harts && m->geilen == s->geilen && m->ids == s->ids);
  assert_true(m->hart_stride == s->hart_stride && m->imsic_base == s->imsic_base);
  assert_true(m->kernel == s->kernel && m->npolicies == 1 && m->policies[0] == s->policies[0]);
  aia_scenario_destroy(m);
  aia_scenario_destroy(s);
  aia_scenario_destroy(NULL);

  /* item defaults */
  s = load_ok(MIN "clock_hz: 2GHz\nvms: [{}]\ndevices: [{rate: 1k/s}]\nhost: {noise: [{}]}\n"
              "platform: {geilen: 31}\n",
              NULL, 0);
  assert_string_equal(s->vms[0].name, "vm0");
  assert_int_equal(s->vms[0].vcpus, 1);
  assert_int_equal(s->vms[0].mode, AIA_MODE_AUTO);
  assert_int_equal(s->vms[0].naffinity, 0);
  assert_int_equal(s->vms[0].guest.behaviour, AIA_BEHAVIOUR_IDLE);
  assert_true(s->vms[0].guest.duty_busy == 100000 && s->vms[0].guest.duty_idle == 400000);
  assert_int_equal(s->vms[0].guest.eidelivery, 1);
  assert_string_equal(s->devices[0].name, "dev0");
  assert_int_equal(s->devices[0].vm, 0); /* the only VM */
  assert_int_equal(s->devices[0].niids, 1);
  assert_int_equal(s->devices[0].iids[0], 32);
  assert_int_equal(s->devices[0].pattern, AIA_PATTERN_POISSON);
  assert_true(s->devices[0].burst_every == 2000000);
  assert_true(s->noise[0].busy == 2000000 && s->noise[0].idle == 2000000);
  assert_int_equal(s->noise[0].nharts, 0);
  assert_true(s->drain == 2000000);     /* 1 ms at 2 GHz */
  assert_true(s->duration == 2000000);
  assert_true(s->hart_stride == 0x20000); /* 32 pages for geilen 31 */
  aia_scenario_destroy(s);
}

/* -------------------------------------------------------------- units -- */

typedef struct dur_case {
  const char *text;
  uint64_t clock;
  int rc;
  uint64_t cycles;
} dur_case;

static void test_durations(void **state)
{
  static const dur_case cases[] = {
    { "0", 1000000000u, AIA__PR_OK, 0 },
    { "2000", 1000000000u, AIA__PR_OK, 2000 },
    { "1_000_000", 1000000000u, AIA__PR_OK, 1000000 },
    { "0x100", 1000000000u, AIA__PR_OK, 256 },
    { "250ns", 1000000000u, AIA__PR_OK, 250 },
    { "40us", 1000000000u, AIA__PR_OK, 40000 },
    { "40\xc2\xb5s", 1000000000u, AIA__PR_OK, 40000 }, /* micro sign */
    { "40\xce\xbcs", 1000000000u, AIA__PR_OK, 40000 }, /* Greek mu */
    { "3ms", 1000000000u, AIA__PR_OK, 3000000 },
    { "1s", 1000000000u, AIA__PR_OK, 1000000000 },
    { "1.5us", 1000000000u, AIA__PR_OK, 1500 },
    { "0.25ms", 1000000000u, AIA__PR_OK, 250000 },
    { " 10 ms ", 1000000000u, AIA__PR_OK, 10000000 },
    { "1ns", 3000000000u, AIA__PR_OK, 3 },
    { "1us", 32768u, AIA__PR_SUBCYCLE, 0 },    /* 0.03 cycles */
    { "16us", 32768u, AIA__PR_OK, 1 },         /* 0.52 -> 1 */
    { "15ns", 100000000u, AIA__PR_OK, 2 },     /* 1.5 -> 2 (halves up) */
    { "14ns", 100000000u, AIA__PR_OK, 1 },
    { "4ns", 100000000u, AIA__PR_SUBCYCLE, 0 },
    { "0ns", 100000000u, AIA__PR_OK, 0 },
    { "1000000000s", 1000000000u, AIA__PR_OK, UINT64_C(1000000000000000000) },
    { "10000000000s", 1000000000u, AIA__PR_BIG, 0 },
    { "4611686018427387904", 1000000000u, AIA__PR_OK, UINT64_C(4611686018427387904) },
    { "4611686018427387905", 1000000000u, AIA__PR_BIG, 0 },
    { "99999999999999999999", 1000000000u, AIA__PR_BIG, 0 },
    { "-5", 1000000000u, AIA__PR_NEGATIVE, 0 },
    { "-0", 1000000000u, AIA__PR_OK, 0 },
    { "10 parsecs", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "1.5", 1000000000u, AIA__PR_SYNTAX, 0 }, /* fractional cycles */
    { "ms", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "1e3ns", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "1msec", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "_1", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "1__0", 1000000000u, AIA__PR_SYNTAX, 0 },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint64_t v = 12345;
    int rc = aia__scn_parse_duration(cases[i].text, strlen(cases[i].text), cases[i].clock, false,
                                     NULL, &v);
    if (rc != cases[i].rc || (rc == AIA__PR_OK && v != cases[i].cycles))
      fail_msg("duration \"%s\" at %llu Hz: rc %d cycles %llu, expected rc %d cycles %llu",
               cases[i].text, (unsigned long long)cases[i].clock, rc, (unsigned long long)v,
               cases[i].rc, (unsigned long long)cases[i].cycles);
  }
  /* signed: sweep offsets */
  int64_t sv = 0;
  uint64_t v = 0;
  assert_int_equal(aia__scn_parse_duration("-3us", 4, 1000000000u, true, &sv, &v), AIA__PR_OK);
  assert_true(sv == -3000);
  assert_int_equal(aia__scn_parse_duration("+7", 2, 1000000000u, true, &sv, &v), AIA__PR_OK);
  assert_true(sv == 7);

  /* the same through a file, at another clock */
  aia_scenario *s = load_ok("aiasim: 1\nname: t\nduration: 2.5ms\nclock_hz: 100MHz\n"
                            "timing: {vm_exit: 20us, kick: 0x10, isr: 1s}\n",
                            NULL, 0);
  assert_true(s->clock_hz == 100000000u);
  assert_true(s->duration == 250000);
  assert_true(s->timing[AIA_T_VM_EXIT] == 2000);
  assert_true(s->timing[AIA_T_KICK] == 16);
  assert_true(s->timing[AIA_T_ISR] == 100000000u);
  aia_scenario_destroy(s);
}

typedef struct rate_case {
  const char *text;
  uint64_t clock;
  int rc;
  uint64_t period;
} rate_case;

static void test_rates_and_clocks(void **state)
{
  static const rate_case cases[] = {
    { "20000/s", 1000000000u, AIA__PR_OK, 50000 },
    { "20k/s", 1000000000u, AIA__PR_OK, 50000 },
    { "1M/s", 1000000000u, AIA__PR_OK, 1000 },
    { "1G/s", 1000000000u, AIA__PR_OK, 1 },
    { "1.5k/s", 1000000000u, AIA__PR_OK, 666667 },
    { "3/s", 1000000000u, AIA__PR_OK, 333333333 },
    { "50/ms", 1000000000u, AIA__PR_OK, 20000 },
    { "2/us", 1000000000u, AIA__PR_OK, 500 },
    { "10kHz", 1000000000u, AIA__PR_OK, 100000 },
    { "250 Hz", 1000000000u, AIA__PR_OK, 4000000 },
    { "20 k/s", 1000000000u, AIA__PR_OK, 50000 },
    { "1000/s", 2000000000u, AIA__PR_OK, 2000000 },
    { "2G/s", 1000000000u, AIA__PR_FAST, 0 },
    { "1000001/s", 1000000u, AIA__PR_FAST, 0 },
    { "0/s", 1000000000u, AIA__PR_ZERO, 0 },
    { "0.0k/s", 1000000000u, AIA__PR_ZERO, 0 },
    { "20000", 1000000000u, AIA__PR_NOUNIT, 0 },
    { "-5/s", 1000000000u, AIA__PR_NEGATIVE, 0 },
    { "fast", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "20000/h", 1000000000u, AIA__PR_SYNTAX, 0 },
    { "0.000000001/s", 1000000000000u, AIA__PR_SLOW, 0 },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint64_t p = 12345;
    int rc = aia__scn_parse_rate(cases[i].text, strlen(cases[i].text), cases[i].clock, &p);
    if (rc != cases[i].rc || (rc == AIA__PR_OK && p != cases[i].period))
      fail_msg("rate \"%s\" at %llu Hz: rc %d period %llu, expected rc %d period %llu",
               cases[i].text, (unsigned long long)cases[i].clock, rc, (unsigned long long)p,
               cases[i].rc, (unsigned long long)cases[i].period);
  }
  uint64_t hz = 0;
  assert_int_equal(aia__scn_parse_clock("1GHz", 4, &hz), AIA__PR_OK);
  assert_true(hz == 1000000000u);
  assert_int_equal(aia__scn_parse_clock("1.5 GHz", 7, &hz), AIA__PR_OK);
  assert_true(hz == 1500000000u);
  assert_int_equal(aia__scn_parse_clock("32768", 5, &hz), AIA__PR_OK);
  assert_true(hz == 32768u);
  assert_int_equal(aia__scn_parse_clock("100 MHz", 7, &hz), AIA__PR_OK);
  assert_true(hz == 100000000u);
  assert_int_equal(aia__scn_parse_clock("1.0000000005GHz", 15, &hz), AIA__PR_SYNTAX);
  assert_int_equal(aia__scn_parse_clock("fast", 4, &hz), AIA__PR_SYNTAX);

  /* period: as the other way to give a device's rate */
  aia_scenario *s = load_ok(MIN "vms: [{name: vm0}]\ndevices:\n"
                                "  - {name: a, pattern: periodic, period: 25us}\n"
                                "  - {name: b, rate: 40k/s}\n",
                            NULL, 0);
  assert_true(s->devices[0].period == 25000 && s->devices[1].period == 25000);
  aia_scenario_destroy(s);
}

static void test_lists_and_words(void **state)
{
  (void)state;
  aia_scenario *s = load_ok(MIN "policy: wake_first\nfaults: \"no_wakeon_hgei, swfile_no_lock\"\n"
                                "kernel: A\nplatform: {harts: 8}\n"
                                "vms:\n  - name: a\n    vcpus: 8\n    affinity: 0-3,6\n"
                                "    aia_mode: hwaccel\n"
                                "    guest: {enable: [1-31, 64, \"100-200\"], behaviour: duty,\n"
                                "            duty: {busy: 10us, idle: 20us}, eidelivery: 0,\n"
                                "            mask_seie: [{from: 1ms, to: 2ms}], tick: 4ms}\n"
                                "devices:\n  - {vcpus: 5, iids: 40-42, rate: 1k/s, target: random,\n"
                                "     path: direct}\n"
                                "  - {vcpus: [1, 2], pattern: burst, burst: {count: 3, every: 2ms}}\n",
                            NULL, 0);
  assert_int_equal(s->npolicies, 1);
  assert_int_equal(s->policies[0], AIA_POLICY_WAKE_FIRST);
  assert_int_equal(s->faults, AIA_FAULT_NO_WAKEON_HGEI | AIA_FAULT_SWFILE_NO_LOCK);
  assert_int_equal(s->kernel, AIA_ERA_A);
  const aia_scn_vm *vm = &s->vms[0];
  assert_int_equal(vm->naffinity, 5);
  assert_int_equal(vm->affinity[3], 3);
  assert_int_equal(vm->affinity[4], 6);
  assert_int_equal(vm->mode, AIA_MODE_HWACCEL);
  assert_int_equal(vm->guest.nenable, 3);
  assert_int_equal(vm->guest.enable[0].lo, 1);
  assert_int_equal(vm->guest.enable[0].hi, 31);
  assert_int_equal(vm->guest.enable[1].lo, 64);
  assert_int_equal(vm->guest.enable[1].hi, 64);
  assert_int_equal(vm->guest.enable[2].lo, 100);
  assert_int_equal(vm->guest.enable[2].hi, 200);
  assert_int_equal(vm->guest.behaviour, AIA_BEHAVIOUR_DUTY);
  assert_true(vm->guest.duty_busy == 10000 && vm->guest.duty_idle == 20000);
  assert_int_equal(vm->guest.eidelivery, 0);
  assert_int_equal(vm->guest.nmask_seie, 1);
  assert_true(vm->guest.mask_seie[0].from == MS(1) && vm->guest.mask_seie[0].to == MS(2));
  assert_true(vm->guest.tick == MS(4));
  const aia_scn_device *d = &s->devices[0];
  assert_int_equal(d->nvcpus, 1);
  assert_int_equal(d->vcpus[0], 5);
  assert_int_equal(d->niids, 3);
  assert_int_equal(d->iids[2], 42);
  assert_true(d->random_target);
  assert_int_equal(d->path, AIA_PATH_DIRECT);
  d = &s->devices[1];
  assert_int_equal(d->nvcpus, 2);
  assert_int_equal(d->pattern, AIA_PATTERN_BURST);
  assert_int_equal(d->burst_count, 3);
  assert_true(d->burst_every == MS(2));
  aia_scenario_destroy(s);

  /* list items take the device's first target and identity by default;
   * expected counts as bounds; offset sweeps */
  s = load_ok(MIN "vms: [{name: vm0, vcpus: 4}]\n"
                  "devices: [{vcpus: [2, 3], iids: [50], pattern: list, at: [{at: 5us}, "
                  "{at: 9, vcpu: 1, iid: 7}]}]\n"
                  "sweep: {offset: {vcpu: 3, from: -3us, to: 3000, step: 25}}\n"
                  "expect: {lost_wakeups: {min: 1}, lost_interrupts: {min: 2, max: 4}}\n",
              NULL, 0);
  d = &s->devices[0];
  assert_int_equal(d->nat, 2);
  assert_true(d->at[0].at == 5000 && d->at[0].vcpu == 2 && d->at[0].iid == 50);
  assert_true(d->at[1].at == 9 && d->at[1].vcpu == 1 && d->at[1].iid == 7);
  assert_int_equal(s->sweep.kind, AIA_SWEEP_OFFSET);
  assert_int_equal(s->sweep.vm, 0);
  assert_int_equal(s->sweep.vcpu, 3);
  assert_true(s->sweep.from == -3000 && s->sweep.to == 3000 && s->sweep.step == 25);
  assert_true(s->expect.has_lost_wakeups);
  assert_true(s->expect.lost_wakeups_min == 1 && s->expect.lost_wakeups_max == UINT64_MAX);
  assert_true(s->expect.lost_interrupts_min == 2 && s->expect.lost_interrupts_max == 4);
  assert_false(s->expect.has_latency_p99_max);
  aia_scenario_destroy(s);
}

/* ---------------------------------------------------------- overrides -- */

static void test_overrides(void **state)
{
  const aia_override ov[] = {
    { "devices.nic.rate", "50000/s" }, { "timing.vm_exit", "3000" },
    { "seed", "7" },                   { "host.slice", "1ms" },
    { "vms.vm0.vcpus", "2" },          { "policy", "wake_first,kick" },
    { "timing.jitter.kick.exponential", "40" }, /* a new mapping on the way */
    { "expect.lost_wakeups", "3" },    { "vms.vm0.guest.threshold", "0x10" },
  };
  const size_t nov = sizeof ov / sizeof ov[0];
  aia_scenario *s = NULL;
  aia_diag d[4];
  size_t n;
  (void)state;
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR "/scenario_md.yaml", ov, nov, &s, d, 4, &n),
                   AIA_OK);
  assert_true(s->devices[0].period == 20000);
  assert_true(s->timing[AIA_T_VM_EXIT] == 3000);
  assert_true(s->seed == 7);
  assert_true(s->timing[AIA_T_SLICE] == MS(1));
  assert_int_equal(s->vms[0].vcpus, 2);
  assert_int_equal(s->npolicies, 2);
  assert_int_equal(s->policies[0], AIA_POLICY_WAKE_FIRST);
  assert_int_equal(s->policies[1], AIA_POLICY_KICK);
  assert_int_equal(s->jitter[AIA_T_KICK].kind, AIA_JITTER_EXP);
  assert_true(s->jitter[AIA_T_KICK].amount == 40);
  assert_int_equal(s->jitter[AIA_T_IPI_DELIVER].kind, AIA_JITTER_UNIFORM); /* untouched */
  assert_true(s->expect.lost_wakeups == 3);
  assert_int_equal(s->vms[0].guest.threshold, 16);
  /* the overrides are kept */
  assert_int_equal(s->nov, nov);
  for (size_t i = 0; i < nov; i++) {
    assert_string_equal(s->ov_paths[i], ov[i].path);
    assert_string_equal(s->ov_values[i], ov[i].value);
  }
  aia_scenario_destroy(s);

  /* clock_hz from an override converts every duration of the file */
  const aia_override clk = { "clock_hz", "2GHz" };
  s = load_ok(MIN "timing: {vm_exit: 1us}\n", &clk, 1);
  assert_true(s->duration == 2000000 && s->timing[AIA_T_VM_EXIT] == 2000);
  aia_scenario_destroy(s);

  /* an empty file made whole by overrides */
  const aia_override whole[] = { { "aiasim", "1" }, { "name", "x" }, { "duration", "5us" } };
  s = load_ok("", whole, 3);
  assert_string_equal(s->name, "x");
  assert_true(s->duration == 5000);
  aia_scenario_destroy(s);

  /* problems: "<--set>:N:0", N = the override's place */
  char buf[600];
  const aia_override bad1[] = { { "seed", "1" }, { "devices.nicc.rate", "5/s" } };
  assert_string_equal(load_bad(MIN "vms: [{name: vm0}]\ndevices: [{name: nic, rate: 1/s}]\n",
                               bad1, 2, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:2:0: error: devices has no item named 'nicc' (did you mean "
                      "'nic'?)");
  const aia_override bad2 = { "timing.vm_exti", "3" };
  assert_string_equal(load_bad(MIN, &bad2, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: unknown key 'vm_exti' in timing (did you mean "
                      "'vm_exit'?)");
  const aia_override bad3 = { "platform.harts", "many" };
  assert_string_equal(load_bad(MIN, &bad3, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: harts: \"many\" is not an integer");
  const aia_override bad4 = { "name.first", "x" };
  assert_string_equal(load_bad(MIN, &bad4, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: 'name' holds a single value: there are no keys "
                      "under it");
  const aia_override bad5 = { "timing..kick", "1" };
  assert_string_equal(load_bad(MIN, &bad5, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: 'timing..kick' is not a dotted path (like "
                      "devices.nic.rate)");
  const aia_override bad6 = { "platform.harts", "0" };
  assert_string_equal(load_bad(MIN, &bad6, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: harts: 0 is out of range (1..4096)");
  const aia_override bad7 = { "name", "\xff" };
  assert_string_equal(load_bad(MIN, &bad7, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: name: the value is not valid UTF-8");
  const aia_override bad8 = { "host.noise.4.busy", "1ms" };
  assert_string_equal(load_bad(MIN "host: {noise: [{}]}\n", &bad8, 1, AIA_ESCHEMA, buf,
                               sizeof buf),
                      "<--set>:1:0: error: noise has no item 4 (it has 1, numbered from 0)");
  /* a list that is not in the file has no items to set */
  const aia_override bad9 = { "host.noise.0.busy", "1ms" };
  assert_string_equal(load_bad(MIN, &bad9, 1, AIA_ESCHEMA, buf, sizeof buf),
                      "<--set>:1:0: error: 'host.noise' is not in the file, so it has no item 0 "
                      "to set: write the list in the file first");
  /* an unnamed VM answers to its default name */
  const aia_override byname = { "vms.vm1.vcpus", "3" };
  s = load_ok(MIN "vms: [{name: a}, {}]\ndevices: [{vm: vm1, rate: 1k/s}]\n", &byname, 1);
  assert_int_equal(s->vms[1].vcpus, 3);
  assert_int_equal(s->devices[0].vm, 1);
  aia_scenario_destroy(s);
  /* bad arguments */
  assert_int_equal(aia_scenario_load_mem("t", MIN, strlen(MIN), NULL, 1, &s, NULL, 0, NULL),
                   AIA_EINVAL);
  assert_null(s);
  const aia_override nullp = { NULL, "1" };
  assert_int_equal(aia_scenario_load_mem("t", MIN, strlen(MIN), &nullp, 1, &s, NULL, 0, NULL),
                   AIA_EINVAL);
  assert_int_equal(aia_scenario_load_mem("t", MIN, strlen(MIN), NULL, 0, NULL, NULL, 0, NULL),
                   AIA_EINVAL);
}

/* ------------------------------------------------------------- sweeps -- */

static void test_sweep_points(void **state)
{
  aia_scenario *s = NULL, *p = NULL, *p2 = NULL;
  aia_diag d[4];
  size_t n;
  const aia_override ov = { "seed", "9" };
  static const uint64_t periods[] = { 1000000, 100000, 10000 };
  (void)state;
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR "/scenario_md.yaml", &ov, 1, &s, d, 4, &n),
                   AIA_OK);
  for (uint32_t i = 0; i < 3; i++) {
    assert_int_equal(aia_scenario_point(s, i, &p, d, 4, &n), AIA_OK);
    assert_true(p->devices[0].period == periods[i]);
    assert_true(p->seed == 9); /* the scenario's own overrides still apply */
    assert_int_equal(p->sweep.kind, AIA_SWEEP_NONE);
    assert_null(p->sweep.values);
    assert_null(p->text); /* a point keeps no copy of the file */
    assert_int_equal(p->text_len, 0);
    assert_int_equal(aia_scenario_point(p, 0, &p2, d, 4, &n), AIA_EINVAL);
    assert_int_equal(p->nov, 2);
    assert_string_equal(p->ov_paths[1], "devices.nic.rate");
    assert_string_equal(p->ov_values[1], s->sweep.values[i]);
    assert_string_equal(p->source, s->source);
    aia_scenario_destroy(p);
  }
  assert_int_equal(aia_scenario_point(s, 3, &p, d, 4, &n), AIA_EINVAL);
  assert_null(p);
  aia_scenario_destroy(s);

  /* clock_hz swept: each point converts every duration again */
  s = load_ok(MIN "sweep: {set: clock_hz, values: [1GHz, 500MHz]}\n", NULL, 0);
  assert_int_equal(aia_scenario_point(s, 1, &p, d, 4, &n), AIA_OK);
  assert_true(p->clock_hz == 500000000u && p->duration == 500000);
  aia_scenario_destroy(p);
  aia_scenario_destroy(s);

  /* a path that is in no file yet but in the schema */
  s = load_ok(MIN "sweep: {set: timing.kick, values: [0, 1us]}\n", NULL, 0);
  assert_int_equal(aia_scenario_point(s, 1, &p, d, 4, &n), AIA_OK);
  assert_true(p->timing[AIA_T_KICK] == 1000);
  aia_scenario_destroy(p);
  aia_scenario_destroy(s);

  /* every value is tried when the file is loaded, and reported where it is */
  char buf[600];
  assert_string_equal(load_bad(MIN "vms: [{name: vm0, affinity: [0, 3]}]\n"
                                   "sweep: {set: platform.harts, values: [4, 2, 8]}\n",
                               NULL, 0, AIA_ESCHEMA, buf, sizeof buf),
                      "t.yaml:5:42: error: value \"2\" for platform.harts: affinity: hart 3 does "
                      "not exist (the platform has 2 harts) (at 4:33)");
  assert_string_equal(load_bad(MIN "vms: [{name: vm0}]\ndevices: [{name: nic, rate: 1k/s}]\n"
                                   "sweep:\n  set: devices.nic.rate\n  values: [1k/s, fast]\n",
                               NULL, 0, AIA_ESCHEMA, buf, sizeof buf),
                      "t.yaml:8:18: error: rate: \"fast\" is not a rate (use events per second, "
                      "e.g. 20000/s, 20k/s or 1M/s)");

  /* a scenario built in C has no text to load a point from */
  assert_int_equal(aia_scenario_create(&s), AIA_OK);
  assert_int_equal(aia_scenario_point(s, 0, &p, d, 4, &n), AIA_EINVAL);
  aia_scenario_destroy(s);
}

/* --------------------------------------------------- built in C, check -- */

static aia_scenario *c_scenario(void)
{
  aia_scenario *s = NULL;
  aia_scn_vm *vm;
  aia_scn_device *dev;
  aia_scn_noise *nz;
  assert_int_equal(aia_scenario_create(&s), AIA_OK);
  snprintf(s->name, sizeof s->name, "built-in-c");
  s->duration = MS(5);
  assert_int_equal(aia_scenario_add_vm(s, "guest", &vm), AIA_OK);
  vm->vcpus = 2;
  assert_int_equal(aia_scenario_add_device(s, NULL, 0, &dev), AIA_OK);
  dev->period = 1000;
  assert_int_equal(aia_scenario_add_noise(s, &nz), AIA_OK);
  return s;
}

/* Breaks one thing in a fresh C-built scenario; check() must say `want`. */
#define EXPECT_CHECK(stmt, want)                                                   \
  do {                                                                             \
    aia_scenario *s_ = c_scenario();                                               \
    aia_diag d_;                                                                   \
    char b_[600];                                                                  \
    stmt;                                                                          \
    assert_int_equal(aia_scenario_check(s_, &d_), AIA_ESCHEMA);                    \
    assert_int_equal(d_.line, 0);                                                  \
    assert_int_equal(aia_diag_format(&d_, b_, sizeof b_), AIA_OK);                 \
    assert_string_equal(b_, want);                                                 \
    aia_scenario_destroy(s_);                                                      \
  } while (0)

static void test_check_built_in_c(void **state)
{
  aia_scenario *s;
  aia_diag d;
  (void)state;
  s = c_scenario();
  assert_int_equal(aia_scenario_check(s, &d), AIA_OK);
  assert_string_equal(s->vms[0].name, "guest");
  assert_string_equal(s->devices[0].name, "dev0");
  aia_scenario_destroy(s);

  assert_int_equal(aia_scenario_create(&s), AIA_OK);
  assert_int_equal(aia_scenario_check(s, &d), AIA_ESCHEMA); /* no name, no duration */
  assert_string_equal(d.message, "name: must not be empty");
  assert_int_equal(aia_scenario_add_vm(s, "bad name", NULL), AIA_EINVAL);
  assert_int_equal(aia_scenario_add_device(s, "0dev", 0, NULL), AIA_EINVAL);
  assert_int_equal(s->nvms + s->ndevices, 0);
  aia_scenario_destroy(s);
  assert_int_equal(aia_scenario_check(NULL, &d), AIA_EINVAL);

  EXPECT_CHECK(s_->duration = 0, "<scenario>: error: duration: must be more than 0");
  EXPECT_CHECK(s_->harts = 0, "<scenario>: error: platform: harts: 0 is out of range (1..4096)");
  EXPECT_CHECK(s_->geilen = 64,
               "<scenario>: error: platform: geilen: 64 is out of range (0..63)");
  EXPECT_CHECK(s_->ids = 100, "<scenario>: error: platform: ids: 100 is not valid (63..2047, "
                              "with ids+1 a multiple of 64)");
  EXPECT_CHECK(s_->geilen = 15, "<scenario>: error: platform: hart_stride: 0x8000 is too small: "
                                "geilen 15 needs 16 pages (0x10000)");
  EXPECT_CHECK(s_->hart_stride = 0x8800,
               "<scenario>: error: platform: hart_stride: 0x8800 is not a multiple of 4 KiB");
  EXPECT_CHECK(s_->npolicies = 0, "<scenario>: error: policy: at least one policy is needed");
  EXPECT_CHECK((s_->policies[1] = AIA_POLICY_NOKICK, s_->npolicies = 2),
               "<scenario>: error: policy: 'nokick' is listed twice");
  EXPECT_CHECK(s_->faults = 0x100, "<scenario>: error: faults: unknown fault bits 0x100");
  EXPECT_CHECK(s_->timing[AIA_T_SLICE] = 0,
               "<scenario>: error: host: slice: must be at least 1 cycle");
  EXPECT_CHECK(s_->injector_hart = 4, "<scenario>: error: host: injector_hart: hart 4 does not "
                                      "exist (the platform has 4 harts)");
  EXPECT_CHECK(s_->vms[0].vcpus = 0,
               "<scenario>: error: vms[0]: vcpus: 0 is out of range (1..1024)");
  EXPECT_CHECK(s_->vms[0].guest.threshold = 256,
               "<scenario>: error: vms[0].guest: threshold: 256 is more than ids (255)");
  EXPECT_CHECK(s_->vms[0].guest.enable[0].hi = 256,
               "<scenario>: error: vms[0].guest: enable: identity 256 is out of range (1..255)");
  EXPECT_CHECK(aia_scenario_add_vm(s_, "guest", NULL),
               "<scenario>: error: vms[1]: name: 'guest' is already the name of vms[0]");
  EXPECT_CHECK(s_->devices[0].vm = 1,
               "<scenario>: error: devices[0]: vm: VM 1 does not exist (the scenario has 1 VM)");
  EXPECT_CHECK(s_->devices[0].iids[0] = 0,
               "<scenario>: error: devices[0]: iids: identity 0 is out of range (1..255)");
  EXPECT_CHECK(s_->devices[0].period = 0,
               "<scenario>: error: devices[0]: pattern poisson needs a rate or a period");
  EXPECT_CHECK(s_->devices[0].pattern = AIA_PATTERN_LIST,
               "<scenario>: error: devices[0]: pattern list needs at least one item in 'at'");
  EXPECT_CHECK(s_->noise[0].busy = 0,
               "<scenario>: error: host.noise[0]: busy: must be at least 1 cycle");
  EXPECT_CHECK((s_->sweep.kind = AIA_SWEEP_OFFSET, s_->sweep.vcpu = 2, s_->sweep.step = 1),
               "<scenario>: error: sweep.offset: vcpu: vCPU 2 does not exist (guest has 2 "
               "vCPUs)");
  EXPECT_CHECK((s_->sweep.kind = AIA_SWEEP_OFFSET, s_->sweep.from = 5),
               "<scenario>: error: sweep.offset: step: must be more than 0");
  EXPECT_CHECK((s_->sweep.kind = AIA_SWEEP_SET, strcpy(s_->sweep.path, "devices.dev1.rate")),
               "<scenario>: error: sweep: set: no device named 'dev1' (did you mean 'dev0'?)");
  EXPECT_CHECK((s_->sweep.kind = AIA_SWEEP_SET, strcpy(s_->sweep.path, "timing")),
               "<scenario>: error: sweep: set: 'timing' is a group of keys: name one of them");
  EXPECT_CHECK((s_->sweep.kind = AIA_SWEEP_SET, strcpy(s_->sweep.path, "vms.guest.vcpus")),
               "<scenario>: error: sweep: values: at least one value is needed");

  /* arrays from malloc: destroy frees them */
  s = c_scenario();
  s->vms[0].affinity = malloc(2 * sizeof *s->vms[0].affinity);
  s->vms[0].affinity[0] = 1;
  s->vms[0].affinity[1] = 3;
  s->vms[0].naffinity = 2;
  assert_int_equal(aia_scenario_check(s, &d), AIA_OK);
  s->vms[0].affinity[1] = 4;
  assert_int_equal(aia_scenario_check(s, &d), AIA_ESCHEMA);
  assert_string_equal(d.message,
                      "vms[0]: affinity: hart 4 does not exist (the platform has 4 harts)");
  aia_scenario_destroy(s);
}

/* ---------------------------------------------------- all in one pass -- */

static void test_every_problem_in_file_order(void **state)
{
  const char *text = "aiasim: 1\n"                     /* 1 */
                     "name: t\n"                       /* 2 */
                     "duration: 1ms\n"                 /* 3 */
                     "devices:\n"                      /* 4 */
                     "  - {name: d, vm: vm0, rate: 1k/s, iids: [900]}\n" /* 5 */
                     "platform: {harts: 2, gelien: 3}\n" /* 6 */
                     "vms:\n"                          /* 7 */
                     "  - name: vm0\n"                 /* 8 */
                     "    affinity: [0, 5]\n"          /* 9 */
                     "seed: 1\n"                       /* 10 */
                     "seed: 2\n";                      /* 11 */
  aia_scenario *s;
  aia_diag d[8];
  size_t n = 0;
  char buf[600];
  static const char *const want[] = {
    "t.yaml:5:43: error: iids: identity 900 is out of range (1..255)",
    "t.yaml:6:22: error: unknown key 'gelien' in platform (did you mean 'geilen'?)",
    "t.yaml:9:19: error: affinity: hart 5 does not exist (the platform has 2 harts)",
    "t.yaml:11:1: error: duplicate key 'seed' (first at 10:1)",
  };
  (void)state;
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), NULL, 0, &s, d, 8, &n),
                   AIA_ESCHEMA);
  assert_null(s);
  assert_int_equal(n, 4);
  for (size_t i = 0; i < 4; i++) {
    aia_diag_format(&d[i], buf, sizeof buf);
    assert_string_equal(buf, want[i]);
  }
  /* a smaller array keeps the first ones in file order; the count is all */
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), NULL, 0, &s, d, 2, &n),
                   AIA_ESCHEMA);
  assert_int_equal(n, 4);
  aia_diag_format(&d[1], buf, sizeof buf);
  assert_string_equal(buf, want[1]);
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), NULL, 0, &s, NULL, 0, &n),
                   AIA_ESCHEMA);
  assert_int_equal(n, 4);

  /* a value that does not convert: no cross-check on the value standing in */
  text = MIN "platform: {harts: lots}\nvms: [{affinity: [0, 5]}]\n";
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), NULL, 0, &s, d, 8, &n),
                   AIA_ESCHEMA);
  assert_int_equal(n, 1);
  assert_string_equal(d[0].message, "harts: \"lots\" is not an integer");
}

/* -------------------------------------------------------- determinism -- */

static void same_scenario(const aia_scenario *a, const aia_scenario *b)
{
  /* everything but the pointers, field by field through copies */
  aia_scenario x = *a, y = *b;
  x.noise = y.noise = NULL;
  x.vms = y.vms = NULL;
  x.devices = y.devices = NULL;
  x.sweep.values = y.sweep.values = NULL;
  x.text = y.text = NULL;
  x.ov_paths = y.ov_paths = x.ov_values = y.ov_values = NULL;
  assert_memory_equal(&x, &y, sizeof x);
  assert_memory_equal(a->text, b->text, a->text_len + 1);
  for (uint32_t i = 0; i < a->nnoise; i++) {
    aia_scn_noise p = a->noise[i], q = b->noise[i];
    assert_memory_equal(p.harts, q.harts, p.nharts * sizeof *p.harts);
    p.harts = q.harts = NULL;
    assert_memory_equal(&p, &q, sizeof p);
  }
  for (uint32_t i = 0; i < a->nvms; i++) {
    aia_scn_vm p = a->vms[i], q = b->vms[i];
    assert_memory_equal(p.affinity, q.affinity, p.naffinity * sizeof *p.affinity);
    assert_memory_equal(p.guest.enable, q.guest.enable, p.guest.nenable * sizeof *p.guest.enable);
    assert_memory_equal(p.guest.mask_seie, q.guest.mask_seie,
                        p.guest.nmask_seie * sizeof *p.guest.mask_seie);
    p.affinity = q.affinity = NULL;
    p.guest.enable = q.guest.enable = NULL;
    p.guest.mask_seie = q.guest.mask_seie = NULL;
    assert_memory_equal(&p, &q, sizeof p);
  }
  for (uint32_t i = 0; i < a->ndevices; i++) {
    aia_scn_device p = a->devices[i], q = b->devices[i];
    assert_memory_equal(p.vcpus, q.vcpus, p.nvcpus * sizeof *p.vcpus);
    assert_memory_equal(p.iids, q.iids, p.niids * sizeof *p.iids);
    assert_memory_equal(p.at, q.at, p.nat * sizeof *p.at);
    p.vcpus = q.vcpus = p.iids = q.iids = NULL;
    p.at = q.at = NULL;
    assert_memory_equal(&p, &q, sizeof p);
  }
  for (uint32_t i = 0; i < a->sweep.nvalues; i++)
    assert_string_equal(a->sweep.values[i], b->sweep.values[i]);
}

static void test_loading_twice_gives_the_same_scenario(void **state)
{
  aia_scenario *a = NULL, *b = NULL;
  aia_diag d[2];
  size_t n;
  (void)state;
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR "/scenario_md.yaml", NULL, 0, &a, d, 2, &n),
                   AIA_OK);
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR "/scenario_md.yaml", NULL, 0, &b, d, 2, &n),
                   AIA_OK);
  same_scenario(a, b);
  aia_scenario_destroy(b);
  /* and from memory, with the same text */
  assert_int_equal(aia_scenario_load_mem(a->source, a->text, a->text_len, NULL, 0, &b, d, 2, &n),
                   AIA_OK);
  same_scenario(a, b);
  aia_scenario_destroy(b);
  aia_scenario_destroy(a);
}

/* ----------------------------------------------------------- examples -- */

static void test_shipped_examples_load(void **state)
{
  DIR *dir = opendir(AIA_EXAMPLES_DIR);
  struct dirent *e;
  int loaded = 0;
  (void)state;
  if (dir == NULL)
    skip(); /* no examples in this tree */
  while ((e = readdir(dir)) != NULL) {
    size_t l = strlen(e->d_name);
    char path[1024], buf[600];
    aia_scenario *s = NULL;
    aia_diag d[1];
    size_t n;
    if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", AIA_EXAMPLES_DIR, e->d_name);
    if (aia_scenario_load_file(path, NULL, 0, &s, d, 1, &n) != AIA_OK) {
      aia_diag_format(&d[0], buf, sizeof buf);
      closedir(dir);
      fail_msg("%s", buf);
    }
    assert_int_equal(aia_scenario_check(s, NULL), AIA_OK);
    aia_scenario_destroy(s);
    loaded++;
  }
  closedir(dir);
  print_message("%d example scenarios load\n", loaded);
}

/* ---------------------------------------------------------- messages -- */

/* The host scheduler's keys: values reach the scenario, durations follow
 * clock_hz, features change the kernel's defaults, llc gives a group per
 * hart, and --set reaches them too. */
static void test_scheduler_keys(void **state)
{
  aia_scenario *s;
  aia_host_config hc;
  aia_override ov[] = { { "host.scheduler", "rr" } };
  (void)state;
  aia_host_config_init(&hc);
  s = load_ok(MIN, NULL, 0);
  assert_int_equal(s->scheduler, AIA_SCHED_EEVDF);
  assert_int_equal(s->hz, hc.hz);
  assert_true(s->base_slice == hc.base_slice && s->migration_cost == hc.migration_cost);
  assert_true(s->sched_latency == hc.sched_latency && s->min_granularity == hc.min_granularity);
  assert_true(s->sched_features == AIA_SCHED_F_DEFAULT);
  assert_null(s->llc);
  aia_scenario_destroy(s);

  s = load_ok("aiasim: 1\nname: t\nduration: 1ms\nclock_hz: 2GHz\n"
              "platform: { harts: 6, llc: [[0, 2, 4], \"1,3\", [5]] }\n"
              "host:\n  scheduler: cfs\n  hz: 1000\n  migration_cost: 0\n"
              "  features: [NO_GENTLE_FAIR_SLEEPERS, WA_BIAS]\n"
              "  noise: [{ busy: 1ms, idle: 1ms, nice: -7 }, { nice: 19 }]\n",
              NULL, 0);
  assert_int_equal(s->scheduler, AIA_SCHED_CFS);
  assert_int_equal(s->hz, 1000);
  assert_true(s->migration_cost == 0);
  assert_true(s->base_slice == 1400000u); /* 0.7 ms at 2 GHz */
  assert_true(s->sched_features == (AIA_SCHED_F_DEFAULT & ~AIA_SCHED_F_GENTLE_FAIR_SLEEPERS));
  assert_int_equal(s->nllc, 6);
  {
    static const uint32_t want[6] = { 0, 1, 0, 1, 0, 2 };
    for (unsigned i = 0; i < 6; i++)
      assert_int_equal(s->llc[i], want[i]);
  }
  assert_int_equal(s->nnoise, 2);
  assert_int_equal(s->noise[0].nice, -7);
  assert_int_equal(s->noise[1].nice, 19);
  aia_scenario_destroy(s);

  s = load_ok(MIN, ov, 1);
  assert_int_equal(s->scheduler, AIA_SCHED_RR);
  aia_scenario_destroy(s);
}

static void test_diag_format(void **state)
{
  aia_diag d;
  char buf[64];
  (void)state;
  memset(&d, 0, sizeof d);
  snprintf(d.file, sizeof d.file, "a.yaml");
  d.line = 3;
  d.column = 7;
  snprintf(d.message, sizeof d.message, "harts: 0 is out of range (1..4096)");
  assert_int_equal(aia_diag_format(&d, buf, sizeof buf), AIA_OK);
  assert_string_equal(buf, "a.yaml:3:7: error: harts: 0 is out of range (1..4096)");
  assert_int_equal(aia_diag_format(&d, buf, 20), AIA_ERANGE);
  assert_string_equal(buf, "a.yaml:3:7: error: ");
  d.line = 0;
  assert_int_equal(aia_diag_format(&d, buf, sizeof buf), AIA_OK);
  assert_string_equal(buf, "a.yaml: error: harts: 0 is out of range (1..4096)");
  assert_int_equal(aia_diag_format(NULL, buf, sizeof buf), AIA_EINVAL);
  assert_int_equal(aia_diag_format(&d, NULL, 0), AIA_EINVAL);
  assert_string_equal(aia_timing_field_name(AIA_T_MSI_WRITE), "msi_write");
  assert_string_equal(aia_timing_field_name(AIA_T_HALT_POLL_START), "halt_poll_start");
  assert_null(aia_timing_field_name(AIA_T_COUNT_));

  /* a file that cannot be read */
  aia_scenario *s;
  aia_diag dd[1];
  size_t n;
  char b2[600];
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR "/no-such-file.yaml", NULL, 0, &s, dd, 1, &n),
                   AIA_EIO);
  assert_null(s);
  assert_int_equal(n, 1);
  aia_diag_format(&dd[0], b2, sizeof b2);
  assert_string_equal(b2, AIA_SCN_DIR "/no-such-file.yaml: error: cannot read the file: No such "
                          "file or directory");
  assert_int_equal(aia_scenario_load_file(AIA_SCN_DIR, NULL, 0, &s, dd, 1, &n), AIA_EIO);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scenario_md_example),
    cmocka_unit_test(test_defaults_from_the_model),
    cmocka_unit_test(test_durations),
    cmocka_unit_test(test_rates_and_clocks),
    cmocka_unit_test(test_lists_and_words),
    cmocka_unit_test(test_overrides),
    cmocka_unit_test(test_sweep_points),
    cmocka_unit_test(test_check_built_in_c),
    cmocka_unit_test(test_every_problem_in_file_order),
    cmocka_unit_test(test_loading_twice_gives_the_same_scenario),
    cmocka_unit_test(test_shipped_examples_load),
    cmocka_unit_test(test_scheduler_keys),
    cmocka_unit_test(test_diag_format),
  };
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0)
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
