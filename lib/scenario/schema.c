/* lib/scenario/schema.c: the keys of scenario schema version 1 (docs/scenarios.md),
 * as data: for each kind of mapping, its keys with their type, whether they
 * are required, and where the value goes in the C structs.
 * SPDX-License-Identifier: MIT
 *
 * Every table is a static const array of char arrays and small integers: no
 * pointers, so nothing needs relocating and the library keeps no writable
 * data. Ranges are not here: they are checked on the C structs by
 * aia__scn_check(), once for files and for scenarios built in C alike.
 */
#include <stddef.h>
#include <string.h>

#include "scenario/scn_impl.h"

#define OFF(type, member) ((uint16_t)offsetof(type, member))
#define TIMING_OFF(i) ((uint16_t)(offsetof(aia_scenario, timing) + (i) * sizeof(aia_cycle)))
#define JITTER_OFF(i) ((uint16_t)(offsetof(aia_scenario, jitter) + (i) * sizeof(aia_jitter)))

/* The timing fields in aia_timing_field order (their YAML keys). */
#define AIA__TIMING_KEYS(X)                                                          \
  X(AIA_T_MSI_WRITE, msi_write) X(AIA_T_LINE_TO_HART, line_to_hart)                   \
  X(AIA_T_GUEST_TRAP, guest_trap) X(AIA_T_ISR, isr) X(AIA_T_WFI_TIMEOUT, wfi_timeout) \
  X(AIA_T_VM_ENTRY, vm_entry) X(AIA_T_VM_EXIT, vm_exit) X(AIA_T_IPI_SEND, ipi_send)   \
  X(AIA_T_IPI_DELIVER, ipi_deliver) X(AIA_T_KICK, kick) X(AIA_T_INJECT, inject)       \
  X(AIA_T_HGEI_HANDLER, hgei_handler) X(AIA_T_HALT_POLL_MAX, halt_poll_max)           \
  X(AIA_T_CTX_SWITCH, ctx_switch) X(AIA_T_SCHED_WAKE, sched_wake)                     \
  X(AIA_T_IDLE_EXIT, idle_exit) X(AIA_T_SLICE, slice)                                 \
  X(AIA_T_WAKEUP_GRANULARITY, wakeup_granularity)                                     \
  X(AIA_T_VSFILE_MIGRATE, vsfile_migrate) X(AIA_T_HFENCE_ROUNDTRIP, hfence_roundtrip) \
  X(AIA_T_SWFILE_UPDATE, swfile_update) X(AIA_T_RUN_LOOP, run_loop)                   \
  X(AIA_T_CSR_EMULATE, csr_emulate) X(AIA_T_HALT_POLL_START, halt_poll_start)         \
  X(AIA_T_MMIO_EMULATE, mmio_emulate)

#define F(k, t, s, fl, o, o2) { k, (uint8_t)(t), (uint8_t)(s), (uint8_t)(fl), 0, (o), (o2) }
#define FCOUNT(k, value, has, bounds)                                                  \
  { k, AIA__FT_COUNT, AIA__TB_CBOUND, 0,                                             \
    (uint8_t)(offsetof(aia_scn_expect, value) - offsetof(aia_scn_expect, has)),      \
    OFF(aia_scn_expect, value), OFF(aia_scn_expect, bounds) }
#define TIME_ENTRY(e, k) F(#k, AIA__FT_TIME, e, 0, TIMING_OFF(e), 0),
#define JITTER_ENTRY(e, k) F(#k, AIA__FT_MAP, AIA__TB_JSPEC, 0, JITTER_OFF(e), 0),

/* Table starts, in the order of the fields array below. */
enum {
  S_ROOT = 0,
  N_ROOT = 17,
  S_PLATFORM = S_ROOT + N_ROOT,
  N_PLATFORM = 6,
  S_TIMING = S_PLATFORM + N_PLATFORM,
  N_TIMING = AIA_T_COUNT_ + 1,
  S_JITTERS = S_TIMING + N_TIMING,
  N_JITTERS = AIA_T_COUNT_,
  S_JSPEC = S_JITTERS + N_JITTERS,
  N_JSPEC = 2,
  S_HOST = S_JSPEC + N_JSPEC,
  N_HOST = 13,
  S_NOISE = S_HOST + N_HOST,
  N_NOISE = 4,
  S_VM = S_NOISE + N_NOISE,
  N_VM = 5,
  S_GUEST = S_VM + N_VM,
  N_GUEST = 8,
  S_DUTY = S_GUEST + N_GUEST,
  N_DUTY = 2,
  S_PERIOD = S_DUTY + N_DUTY,
  N_PERIOD = 2,
  S_DEVICE = S_PERIOD + N_PERIOD,
  N_DEVICE = 12,
  S_BURST = S_DEVICE + N_DEVICE,
  N_BURST = 2,
  S_AT = S_BURST + N_BURST,
  N_AT = 3,
  S_SWEEP = S_AT + N_AT,
  N_SWEEP = 3,
  S_OFFSET = S_SWEEP + N_SWEEP,
  N_OFFSET = 6,
  S_EXPECT = S_OFFSET + N_OFFSET,
  N_EXPECT = 3,
  S_BOUND = S_EXPECT + N_EXPECT,
  N_BOUND = 1,
  S_CBOUND = S_BOUND + N_BOUND,
  N_CBOUND = 2,
  S_FORCE = S_CBOUND + N_CBOUND,
  N_FORCE = 6,
  S_AFTER = S_FORCE + N_FORCE,
  N_AFTER = 4,
  S_FPREEMPT = S_AFTER + N_AFTER,
  N_FPREEMPT = 1,
  S_FMIGRATE = S_FPREEMPT + N_FPREEMPT,
  N_FMIGRATE = 3,
  S_FMSI = S_FMIGRATE + N_FMIGRATE,
  N_FMSI = 3,
  S_WIRED = S_FMSI + N_FMSI,
  N_WIRED = 6,
  S_END = S_WIRED + N_WIRED
};

/* Keys are listed in the order they are read, which is what lets a value
 * depend on another: clock_hz first (durations need it), platform before
 * host and vms (harts, ids), vms before devices (VM names, vCPU counts), a
 * device's targets and identities before its list items. */
static const aia__field fields[S_END] = {
  /* root: aia_scenario */
  F("clock_hz", AIA__FT_CLOCK, 0, 0, OFF(aia_scenario, clock_hz), 0),
  F("aiasim", AIA__FT_VERSION, 0, AIA__F_REQ, 0, 0),
  F("name", AIA__FT_TEXT, 0, AIA__F_REQ, OFF(aia_scenario, name), 0),
  F("seed", AIA__FT_U64, 0, 0, OFF(aia_scenario, seed), 0),
  F("duration", AIA__FT_DUR, 0, AIA__F_REQ, OFF(aia_scenario, duration), 0),
  F("drain", AIA__FT_DUR, 0, 0, OFF(aia_scenario, drain), 0),
  F("kernel", AIA__FT_ENUM, AIA__WS_KERNEL, 0, OFF(aia_scenario, kernel), 0),
  F("policy", AIA__FT_POLICY, 0, 0, OFF(aia_scenario, policies), OFF(aia_scenario, npolicies)),
  F("faults", AIA__FT_FAULTS, 0, 0, OFF(aia_scenario, faults), 0),
  F("platform", AIA__FT_MAP, AIA__TB_PLATFORM, 0, 0, 0),
  F("timing", AIA__FT_MAP, AIA__TB_TIMING, 0, 0, 0),
  F("host", AIA__FT_MAP, AIA__TB_HOST, 0, 0, 0),
  F("vms", AIA__FT_SEQ, AIA__TB_VM, 0, OFF(aia_scenario, vms), OFF(aia_scenario, nvms)),
  F("devices", AIA__FT_SEQ, AIA__TB_DEVICE, 0, OFF(aia_scenario, devices),
    OFF(aia_scenario, ndevices)),
  F("force", AIA__FT_SEQ, AIA__TB_FORCE, 0, OFF(aia_scenario, force), OFF(aia_scenario, nforce)),
  F("sweep", AIA__FT_MAP, AIA__TB_SWEEP, 0, OFF(aia_scenario, sweep), 0),
  F("expect", AIA__FT_MAP, AIA__TB_EXPECT, 0, OFF(aia_scenario, expect), 0),
  /* platform: aia_scenario */
  F("harts", AIA__FT_U32, 0, 0, OFF(aia_scenario, harts), 0),
  F("geilen", AIA__FT_U32, 0, 0, OFF(aia_scenario, geilen), 0),
  F("ids", AIA__FT_U32, 0, 0, OFF(aia_scenario, ids), 0),
  F("imsic_base", AIA__FT_U64, 0, 0, OFF(aia_scenario, imsic_base), 0),
  F("hart_stride", AIA__FT_U64, 0, 0, OFF(aia_scenario, hart_stride), 0),
  F("llc", AIA__FT_LLC, 0, 0, OFF(aia_scenario, llc), OFF(aia_scenario, nllc)),
  /* timing: aia_scenario */
  AIA__TIMING_KEYS(TIME_ENTRY)
  F("jitter", AIA__FT_MAP, AIA__TB_JITTERS, 0, 0, 0),
  /* timing.jitter: aia_scenario */
  AIA__TIMING_KEYS(JITTER_ENTRY)
  /* timing.jitter.FIELD: aia_jitter */
  F("uniform", AIA__FT_JIT, AIA_JITTER_UNIFORM, 0, 0, 0),
  F("exponential", AIA__FT_JIT, AIA_JITTER_EXP, 0, 0, 0),
  /* host: aia_scenario */
  F("slice", AIA__FT_TIME, AIA_T_SLICE, 0, TIMING_OFF(AIA_T_SLICE), 0),
  F("halt_poll_max", AIA__FT_TIME, AIA_T_HALT_POLL_MAX, 0, TIMING_OFF(AIA_T_HALT_POLL_MAX), 0),
  F("injector_hart", AIA__FT_U32, 0, 0, OFF(aia_scenario, injector_hart), 0),
  F("injector_backlog", AIA__FT_U32, 0, 0, OFF(aia_scenario, injector_backlog), 0),
  F("balance_interval", AIA__FT_DUR, 0, 0, OFF(aia_scenario, balance_interval), 0),
  F("scheduler", AIA__FT_ENUM, AIA__WS_SCHED, 0, OFF(aia_scenario, scheduler), 0),
  F("hz", AIA__FT_U32, 0, 0, OFF(aia_scenario, hz), 0),
  F("base_slice", AIA__FT_DUR, 0, 0, OFF(aia_scenario, base_slice), 0),
  F("sched_latency", AIA__FT_DUR, 0, 0, OFF(aia_scenario, sched_latency), 0),
  F("min_granularity", AIA__FT_DUR, 0, 0, OFF(aia_scenario, min_granularity), 0),
  F("migration_cost", AIA__FT_DUR, 0, 0, OFF(aia_scenario, migration_cost), 0),
  F("features", AIA__FT_FEATURES, AIA__WS_FEATURE, 0, OFF(aia_scenario, sched_features), 0),
  F("noise", AIA__FT_SEQ, AIA__TB_NOISE, 0, OFF(aia_scenario, noise), OFF(aia_scenario, nnoise)),
  /* host.noise[]: aia_scn_noise */
  F("harts", AIA__FT_LIST, 0, AIA__F_ALL, OFF(aia_scn_noise, harts), OFF(aia_scn_noise, nharts)),
  F("busy", AIA__FT_DUR, 0, 0, OFF(aia_scn_noise, busy), 0),
  F("idle", AIA__FT_DUR, 0, 0, OFF(aia_scn_noise, idle), 0),
  F("nice", AIA__FT_NICE, 0, 0, OFF(aia_scn_noise, nice), 0),
  /* vms[]: aia_scn_vm */
  F("name", AIA__FT_NAME, 0, 0, OFF(aia_scn_vm, name), 0),
  F("vcpus", AIA__FT_U32, 0, 0, OFF(aia_scn_vm, vcpus), 0),
  F("aia_mode", AIA__FT_ENUM, AIA__WS_MODE, 0, OFF(aia_scn_vm, mode), 0),
  F("affinity", AIA__FT_LIST, 0, AIA__F_ALL, OFF(aia_scn_vm, affinity),
    OFF(aia_scn_vm, naffinity)),
  F("guest", AIA__FT_MAP, AIA__TB_GUEST, 0, OFF(aia_scn_vm, guest), 0),
  /* vms[].guest: aia_scn_guest */
  F("behaviour", AIA__FT_ENUM, AIA__WS_BEHAVIOUR, 0, OFF(aia_scn_guest, behaviour), 0),
  F("duty", AIA__FT_MAP, AIA__TB_DUTY, 0, 0, 0),
  F("isr", AIA__FT_DUR, 0, 0, OFF(aia_scn_guest, isr), 0),
  F("threshold", AIA__FT_U32, 0, 0, OFF(aia_scn_guest, threshold), 0),
  F("eidelivery", AIA__FT_U32, 0, 0, OFF(aia_scn_guest, eidelivery), 0),
  F("enable", AIA__FT_RANGES, 0, 0, OFF(aia_scn_guest, enable), OFF(aia_scn_guest, nenable)),
  F("mask_seie", AIA__FT_SEQ, AIA__TB_PERIOD, 0, OFF(aia_scn_guest, mask_seie),
    OFF(aia_scn_guest, nmask_seie)),
  F("tick", AIA__FT_DUR, 0, 0, OFF(aia_scn_guest, tick), 0),
  /* vms[].guest.duty: aia_scn_guest */
  F("busy", AIA__FT_DUR, 0, 0, OFF(aia_scn_guest, duty_busy), 0),
  F("idle", AIA__FT_DUR, 0, 0, OFF(aia_scn_guest, duty_idle), 0),
  /* vms[].guest.mask_seie[]: aia_scn_period */
  F("from", AIA__FT_DUR, 0, AIA__F_REQ, OFF(aia_scn_period, from), 0),
  F("to", AIA__FT_DUR, 0, AIA__F_REQ, OFF(aia_scn_period, to), 0),
  /* devices[]: aia_scn_device */
  F("name", AIA__FT_NAME, 0, 0, OFF(aia_scn_device, name), 0),
  F("vm", AIA__FT_VMREF, 0, 0, OFF(aia_scn_device, vm), 0),
  F("vcpus", AIA__FT_LIST, 0, AIA__F_ALL, OFF(aia_scn_device, vcpus),
    OFF(aia_scn_device, nvcpus)),
  F("target", AIA__FT_TARGET, AIA__WS_TARGET, 0, OFF(aia_scn_device, random_target), 0),
  F("iids", AIA__FT_LIST, 0, 0, OFF(aia_scn_device, iids), OFF(aia_scn_device, niids)),
  F("path", AIA__FT_ENUM, AIA__WS_PATH, 0, OFF(aia_scn_device, path), 0),
  F("pattern", AIA__FT_ENUM, AIA__WS_PATTERN, 0, OFF(aia_scn_device, pattern), 0),
  F("rate", AIA__FT_RATE, 0, 0, OFF(aia_scn_device, period), 0),
  F("period", AIA__FT_DUR, 0, 0, OFF(aia_scn_device, period), 0),
  F("burst", AIA__FT_MAP, AIA__TB_BURST, 0, 0, 0),
  F("at", AIA__FT_SEQ, AIA__TB_AT, 0, OFF(aia_scn_device, at), OFF(aia_scn_device, nat)),
  F("wired", AIA__FT_MAP, AIA__TB_WIRED, 0, 0, 0),
  /* devices[].burst: aia_scn_device */
  F("count", AIA__FT_U32, 0, 0, OFF(aia_scn_device, burst_count), 0),
  F("every", AIA__FT_DUR, 0, 0, OFF(aia_scn_device, burst_every), 0),
  /* devices[].at[]: aia_scn_list_item */
  F("at", AIA__FT_DUR, 0, AIA__F_REQ, OFF(aia_scn_list_item, at), 0),
  F("vcpu", AIA__FT_U32, 0, 0, OFF(aia_scn_list_item, vcpu), 0),
  F("iid", AIA__FT_U32, 0, 0, OFF(aia_scn_list_item, iid), 0),
  /* sweep: aia_scn_sweep */
  F("set", AIA__FT_PATH, 0, 0, OFF(aia_scn_sweep, path), 0),
  F("values", AIA__FT_VALUES, 0, 0, OFF(aia_scn_sweep, values), OFF(aia_scn_sweep, nvalues)),
  F("offset", AIA__FT_MAP, AIA__TB_OFFSET, 0, 0, 0),
  /* sweep.offset: aia_scn_sweep */
  F("vm", AIA__FT_VMREF, 0, 0, OFF(aia_scn_sweep, vm), 0),
  F("vcpu", AIA__FT_U32, 0, 0, OFF(aia_scn_sweep, vcpu), 0),
  F("relative_to", AIA__FT_ENUM, AIA__WS_RELATIVE, AIA__F_NOSTORE, 0, 0),
  F("from", AIA__FT_SDUR, 0, AIA__F_REQ, OFF(aia_scn_sweep, from), 0),
  F("to", AIA__FT_SDUR, 0, AIA__F_REQ, OFF(aia_scn_sweep, to), 0),
  F("step", AIA__FT_SDUR, 0, 0, OFF(aia_scn_sweep, step), 0),
  /* expect: aia_scn_expect */
  FCOUNT("lost_wakeups", lost_wakeups, has_lost_wakeups, lost_wakeups_min),
  FCOUNT("lost_interrupts", lost_interrupts, has_lost_interrupts, lost_interrupts_min),
  F("latency_p99", AIA__FT_MAP, AIA__TB_BOUND, 0, 0, 0),
  /* expect.latency_p99: aia_scn_expect */
  F("max", AIA__FT_DUR, 0, AIA__F_REQ, OFF(aia_scn_expect, latency_p99_max),
    OFF(aia_scn_expect, has_latency_p99_max)),
  /* expect.lost_*: { min, max }: two uint64_t */
  F("min", AIA__FT_U64, 0, 0, 0, 0),
  F("max", AIA__FT_U64, 0, 0, sizeof(uint64_t), 0),
  /* force[]: aia_scn_force */
  F("at", AIA__FT_DUR, 0, 0, OFF(aia_scn_force, at), 0),
  F("after", AIA__FT_MAP, AIA__TB_AFTER, 0, 0, 0),
  F("delay", AIA__FT_DUR, 0, 0, OFF(aia_scn_force, delay), 0),
  F("preempt", AIA__FT_MAP, AIA__TB_FPREEMPT, 0, 0, 0),
  F("migrate", AIA__FT_MAP, AIA__TB_FMIGRATE, 0, 0, 0),
  F("msi", AIA__FT_MAP, AIA__TB_FMSI, 0, 0, 0),
  /* force[].after: aia_scn_force */
  F("vm", AIA__FT_VMREF, 0, 0, OFF(aia_scn_force, after_vm), 0),
  F("vcpu", AIA__FT_U32, 0, 0, OFF(aia_scn_force, after_vcpu), 0),
  F("event", AIA__FT_ENUM, AIA__WS_FEVENT, AIA__F_REQ, OFF(aia_scn_force, after_event), 0),
  F("nth", AIA__FT_U32, 0, 0, OFF(aia_scn_force, after_nth), 0),
  /* force[].preempt */
  F("hart", AIA__FT_U32, 0, AIA__F_REQ, OFF(aia_scn_force, preempt_hart), 0),
  /* force[].migrate */
  F("vm", AIA__FT_VMREF, 0, 0, OFF(aia_scn_force, migrate_vm), 0),
  F("vcpu", AIA__FT_U32, 0, 0, OFF(aia_scn_force, migrate_vcpu), 0),
  F("to", AIA__FT_U32, 0, AIA__F_REQ, OFF(aia_scn_force, migrate_to), 0),
  /* force[].msi */
  F("vm", AIA__FT_VMREF, 0, 0, OFF(aia_scn_force, msi_vm), 0),
  F("vcpu", AIA__FT_U32, 0, 0, OFF(aia_scn_force, msi_vcpu), 0),
  F("iid", AIA__FT_U32, 0, 0, OFF(aia_scn_force, msi_iid), 0),
  /* devices[].wired: aia_scn_device */
  F("source", AIA__FT_U32, 0, AIA__F_REQ, OFF(aia_scn_device, wired_source), 0),
  F("trigger", AIA__FT_ENUM, AIA__WS_TRIGGER, 0, OFF(aia_scn_device, wired_trigger), 0),
  F("vcpu", AIA__FT_U32, 0, 0, OFF(aia_scn_device, wired_vcpu), 0),
  F("eiid", AIA__FT_U32, 0, 0, OFF(aia_scn_device, wired_eiid), 0),
  F("ack", AIA__FT_DUR, 0, 0, OFF(aia_scn_device, wired_ack), 0),
  F("per_ack", AIA__FT_U32, 0, 0, OFF(aia_scn_device, wired_per_ack), 0),
};

#define T(name, s, n, size) { name, (uint16_t)(s), (uint16_t)(n), (uint16_t)(size) }
static const aia__table tables[AIA__TB_COUNT_] = {
  T("", S_ROOT, N_ROOT, 0),
  T("platform", S_PLATFORM, N_PLATFORM, 0),
  T("timing", S_TIMING, N_TIMING, 0),
  T("timing.jitter", S_JITTERS, N_JITTERS, 0),
  T("jitter", S_JSPEC, N_JSPEC, 0),
  T("host", S_HOST, N_HOST, 0),
  T("noise", S_NOISE, N_NOISE, sizeof(aia_scn_noise)),
  T("vms", S_VM, N_VM, sizeof(aia_scn_vm)),
  T("guest", S_GUEST, N_GUEST, 0),
  T("duty", S_DUTY, N_DUTY, 0),
  T("mask_seie", S_PERIOD, N_PERIOD, sizeof(aia_scn_period)),
  T("devices", S_DEVICE, N_DEVICE, sizeof(aia_scn_device)),
  T("burst", S_BURST, N_BURST, 0),
  T("at", S_AT, N_AT, sizeof(aia_scn_list_item)),
  T("sweep", S_SWEEP, N_SWEEP, 0),
  T("offset", S_OFFSET, N_OFFSET, 0),
  T("expect", S_EXPECT, N_EXPECT, 0),
  T("latency_p99", S_BOUND, N_BOUND, 0),
  T("bounds", S_CBOUND, N_CBOUND, 0),
  T("force", S_FORCE, N_FORCE, sizeof(aia_scn_force)),
  T("after", S_AFTER, N_AFTER, 0),
  T("preempt", S_FPREEMPT, N_FPREEMPT, 0),
  T("migrate", S_FMIGRATE, N_FMIGRATE, 0),
  T("msi", S_FMSI, N_FMSI, 0),
  T("wired", S_WIRED, N_WIRED, 0),
};

/* Where a misplaced key belongs, for the hint: the tables a user writes by
 * hand, with the path shown for each. */
static const char homes[][20] = { "the top level", "platform", "timing", "timing.jitter", "", "host",
                                  "host.noise[]", "vms[]", "vms[].guest", "", "", "devices[]",
                                  "", "", "sweep", "sweep.offset", "expect", "", "",
                                  "force[]", "force[].after", "", "", "", "devices[].wired" };

typedef struct wordset {
  uint8_t first, count;
} wordset;
static const char words[][24] = {
  "A", "B", "C",                         /* kernel */
  "emul", "hwaccel", "auto",             /* aia_mode */
  "busy", "idle", "duty",                /* behaviour */
  "kvm", "direct",                       /* path */
  "periodic", "poisson", "burst", "list", /* pattern */
  "round_robin", "random",               /* target */
  "wfi_trap",                            /* relative_to */
  "kick", "nokick", "wake_first",        /* policy */
  "no_wakeon_hgei", "arm_after_sleep", "hgei_handler_no_kick", "migrate_drops_pending",
  "swfile_no_lock", "aplic_level_setip", "aplic_no_retrigger", /* faults */
  "eevdf", "cfs", "rr", /* host.scheduler */
  "PLACE_LAG", "RUN_TO_PARITY", "PREEMPT_SHORT", "PLACE_DEADLINE_INITIAL", "PLACE_REL_DEADLINE",
  "DELAY_DEQUEUE", "GENTLE_FAIR_SLEEPERS", "WAKEUP_PREEMPTION", "WA_IDLE", "WA_WEIGHT", "WA_BIAS",
  "SIS", "NEWIDLE", "PERIODIC_BALANCE", "TTWU_QUEUE", "FORK_BALANCE", /* host.features, in
                                                                         AIA_SCHED_F_* bit order */
  "wfi_trap", "vm_exit", "vm_entry", "halt_poll", "block", "wakeup", "sched_out", "sched_in",
  "guest_trap", "claim", "vsfile_migrate", /* force[].after.event: aia_force_event */
  "edge_rising", "edge_falling", "level_high", "level_low", /* devices[].wired.trigger */
};
static const wordset wordsets[AIA__WS_COUNT_] = {
  { 0, 3 }, { 3, 3 }, { 6, 3 }, { 9, 2 }, { 11, 4 }, { 15, 2 }, { 17, 1 }, { 18, 3 }, { 21, 7 },
  { 28, 3 }, { 31, 16 }, { 47, 11 }, { 58, 4 },
};

/* The enums must be int-sized: the loader stores them through an int. */
_Static_assert(sizeof(aia_era) == sizeof(int), "enum size");
_Static_assert(sizeof(aia_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(aia_behaviour) == sizeof(int), "enum size");
_Static_assert(sizeof(aia_msi_path) == sizeof(int), "enum size");
_Static_assert(sizeof(aia_pattern) == sizeof(int), "enum size");
_Static_assert(sizeof(aia_policy) == sizeof(int), "enum size");
_Static_assert(sizeof(aia_jitter_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(homes) / sizeof(homes[0]) == AIA__TB_COUNT_, "homes");
_Static_assert(S_END < 256, "field index fits");
_Static_assert(offsetof(aia_scn_expect, lost_wakeups_max) ==
                   offsetof(aia_scn_expect, lost_wakeups_min) + sizeof(uint64_t), "bounds");
_Static_assert(offsetof(aia_scn_expect, lost_interrupts_max) ==
                   offsetof(aia_scn_expect, lost_interrupts_min) + sizeof(uint64_t), "bounds");

const aia__table *aia__scn_table(unsigned tb)
{
  return tb < AIA__TB_COUNT_ ? &tables[tb] : NULL;
}

const aia__field *aia__scn_field(unsigned tb, unsigned i)
{
  if (tb >= AIA__TB_COUNT_ || i >= tables[tb].count)
    return NULL;
  return &fields[tables[tb].first + i];
}

int aia__scn_find_key(unsigned tb, const char *key, size_t len)
{
  const aia__table *t = aia__scn_table(tb);
  if (t == NULL)
    return -1;
  for (unsigned i = 0; i < t->count; i++) {
    const char *k = fields[t->first + i].key;
    if (strlen(k) == len && memcmp(k, key, len) == 0)
      return (int)i;
  }
  return -1;
}

const char *aia__scn_suggest_key(unsigned tb, const char *key, size_t len)
{
  const aia__table *t = aia__scn_table(tb);
  const char *best = NULL;
  unsigned bestd = ~0u;
  if (t == NULL || len > 64)
    return NULL;
  for (unsigned i = 0; i < t->count; i++) {
    const char *k = fields[t->first + i].key;
    if (!aia__scn_is_close(key, len, k))
      continue;
    unsigned d = aia__scn_distance(key, len, k, strlen(k), 8);
    if (d < bestd) {
      bestd = d;
      best = k;
    }
  }
  return best;
}

const char *aia__scn_key_home(unsigned tb, const char *key, size_t len)
{
  for (unsigned t = 0; t < AIA__TB_COUNT_; t++) {
    if (t == tb || homes[t][0] == '\0')
      continue;
    if (t == AIA__TB_JITTERS && tb == AIA__TB_TIMING)
      continue; /* the same names: a typo in timing is not a jitter key */
    if (aia__scn_find_key(t, key, len) >= 0)
      return homes[t];
  }
  return NULL;
}

int aia__scn_word(unsigned set, const char *s, size_t len)
{
  if (set >= AIA__WS_COUNT_)
    return -1;
  for (unsigned i = 0; i < wordsets[set].count; i++) {
    const char *w = words[wordsets[set].first + i];
    if (strlen(w) == len && memcmp(w, s, len) == 0)
      return (int)i;
  }
  return -1;
}

const char *aia__scn_word_name(unsigned set, unsigned i)
{
  if (set >= AIA__WS_COUNT_ || i >= wordsets[set].count)
    return NULL;
  return words[wordsets[set].first + i];
}

unsigned aia__scn_word_count(unsigned set)
{
  return set < AIA__WS_COUNT_ ? wordsets[set].count : 0;
}

void aia__scn_word_list(unsigned set, char *buf, size_t len)
{
  size_t used = 0;
  if (len == 0)
    return;
  buf[0] = '\0';
  for (unsigned i = 0; i < aia__scn_word_count(set); i++) {
    const char *w = aia__scn_word_name(set, i);
    size_t wl = strlen(w), sep = i ? 2 : 0;
    if (used + sep + wl + 1 > len)
      break;
    if (sep)
      memcpy(buf + used, ", ", 2);
    memcpy(buf + used + sep, w, wl + 1);
    used += sep + wl;
  }
}

const char *aia__scn_suggest_word(unsigned set, const char *s, size_t len)
{
  const char *best = NULL;
  unsigned bestd = ~0u;
  for (unsigned i = 0; i < aia__scn_word_count(set); i++) {
    const char *w = aia__scn_word_name(set, i);
    if (!aia__scn_is_close(s, len, w))
      continue;
    unsigned d = aia__scn_distance(s, len, w, strlen(w), 8);
    if (d < bestd) {
      bestd = d;
      best = w;
    }
  }
  return best;
}

const char *aia_timing_field_name(aia_timing_field f)
{
  if ((unsigned)f >= AIA_T_COUNT_)
    return NULL;
  return fields[S_TIMING + (unsigned)f].key;
}
