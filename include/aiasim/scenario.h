/* aiasim/scenario.h: scenarios (the YAML files of docs/scenarios.md, schema
 * version 1, or the same thing built in C), and running them.
 * SPDX-License-Identifier: MIT
 *
 * A scenario is plain data: every duration is already converted to cycles
 * of its clock_hz, every rate to a mean period in cycles, names are copied.
 * It owns its arrays; aia_scenario_destroy() frees them.
 */
#ifndef AIA_SCENARIO_H
#define AIA_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/kvm.h"
#include "aiasim/sim.h"
#include "aiasim/workload.h"

AIA_BEGIN_DECLS

#define AIA_SCN_NAME_MAX 64

/* A problem found in a scenario, with its place. line/column are 1-based;
 * 0 when unknown (e.g. a reader error knows only a byte offset). */
typedef struct aia_diag {
  char file[256];
  uint32_t line;
  uint32_t column;
  char message[256];
} aia_diag;

/* Writes "file:line:col: error: message" (GCC style) into buf.
 * Returns AIA_OK, or AIA_ERANGE if it was cut to fit. */
AIA_API int aia_diag_format(const aia_diag *d, char *buf, size_t len);

/* Jitter added to one timing field, drawn from the run's PRNG. */
/* aia_jitter (kind + amount) is defined in aiasim/rng.h. */

/* Every timing field of the model, in cycles (sources: docs/fidelity.md). */
typedef enum aia_timing_field {
  AIA_T_MSI_WRITE = 0, AIA_T_LINE_TO_HART, AIA_T_GUEST_TRAP, AIA_T_ISR, AIA_T_WFI_TIMEOUT,
  AIA_T_VM_ENTRY, AIA_T_VM_EXIT, AIA_T_IPI_SEND, AIA_T_IPI_DELIVER, AIA_T_KICK, AIA_T_INJECT,
  AIA_T_HGEI_HANDLER, AIA_T_HALT_POLL_MAX, AIA_T_CTX_SWITCH, AIA_T_SCHED_WAKE, AIA_T_IDLE_EXIT,
  AIA_T_SLICE, AIA_T_WAKEUP_GRANULARITY, AIA_T_VSFILE_MIGRATE, AIA_T_HFENCE_ROUNDTRIP,
  AIA_T_SWFILE_UPDATE, AIA_T_RUN_LOOP, AIA_T_CSR_EMULATE, AIA_T_HALT_POLL_START, AIA_T_MMIO_EMULATE,
  AIA_T_COUNT_
} aia_timing_field;

/* YAML key of a timing field ("msi_write"); NULL if out of range. */
AIA_API const char *aia_timing_field_name(aia_timing_field f);

typedef struct aia_scn_period {
  aia_cycle from, to; /* [from, to) */
} aia_scn_period;

typedef struct aia_scn_range {
  uint32_t lo, hi; /* identities lo..hi inclusive */
} aia_scn_range;

typedef struct aia_scn_guest {
  aia_behaviour behaviour;     /* default idle */
  aia_cycle duty_busy, duty_idle; /* for duty; defaults 50us / 200us */
  aia_cycle isr;               /* 0: the timing table's isr */
  uint32_t threshold;          /* eithreshold; default 0 */
  uint32_t eidelivery;         /* default 1 */
  aia_scn_range *enable;       /* enabled identities; default: 1..ids (the loader */
  uint32_t nenable;            /* writes that range; 0 ranges also mean 1..ids) */
  aia_scn_period *mask_seie;   /* periods with vsie.SEIE off */
  uint32_t nmask_seie;
  aia_cycle tick;              /* guest timer tick; 0 = tickless (default) */
} aia_scn_guest;

typedef struct aia_scn_vm {
  char name[AIA_SCN_NAME_MAX];
  uint32_t vcpus;              /* default 1 */
  aia_mode mode;               /* default auto */
  uint32_t *affinity;          /* harts; NULL/0 = all */
  uint32_t naffinity;
  aia_scn_guest guest;
} aia_scn_vm;

typedef struct aia_scn_noise {
  uint32_t *harts;             /* NULL/0 = all */
  uint32_t nharts;
  aia_cycle busy, idle;
  int32_t nice;                /* added: -20..19, default 0 */
} aia_scn_noise;


typedef struct aia_scn_list_item {
  aia_cycle at;
  uint32_t vcpu;
  uint32_t iid;
} aia_scn_list_item;

typedef struct aia_scn_device {
  char name[AIA_SCN_NAME_MAX];
  uint32_t vm;                 /* index into vms */
  uint32_t *vcpus;             /* targets; NULL/0 = all (round robin) */
  uint32_t nvcpus;
  bool random_target;          /* pick targets at random instead of round robin */
  uint32_t *iids;              /* identities, used in turn; default { 32 } */
  uint32_t niids;
  aia_msi_path path;           /* default kvm */
  aia_pattern pattern;         /* default poisson */
  aia_cycle period;            /* mean cycles between MSIs (from rate or period) */
  uint32_t burst_count;        /* burst: MSIs per burst; default 8 */
  aia_cycle burst_every;       /* burst: cycles between bursts; default 1 ms */
  aia_scn_list_item *at;       /* pattern list */
  uint32_t nat;
  /* wired: (a wired device when wired_source != 0): a line of its VM's
   * in-kernel APLIC, aia_wired_config */
  uint32_t wired_source;       /* 1..1023 */
  aia_trigger wired_trigger;   /* default level_high */
  uint32_t wired_vcpu;         /* the vCPU the guest targets; default 0 */
  uint32_t wired_eiid;         /* 0 = the source number */
  aia_cycle wired_ack;         /* the handler's acknowledge; default 1 us */
  uint32_t wired_per_ack;      /* requests one acknowledge serves; 0 = all */
} aia_scn_device;

/* A forced moment (scenario key `force:`): at a cycle, or a delay after the
 * nth record of one kind about one vCPU, one action: preempt a hart, move a
 * vCPU's thread, or inject an MSI through KVM. For tests, and for the
 * counterexamples of an exploration, which are runnable scenarios. */
typedef enum aia_force_event {
  AIA_FORCE_AFTER_WFI_TRAP = 0,  /* the guest's WFI traps (the start of its VM exit) */
  AIA_FORCE_AFTER_VM_EXIT = 1,   /* any VM exit ends */
  AIA_FORCE_AFTER_VM_ENTRY = 2,  /* a VM entry */
  AIA_FORCE_AFTER_HALT_POLL = 3, /* halt polling starts */
  AIA_FORCE_AFTER_BLOCK = 4,     /* the thread enters kvm_vcpu_block */
  AIA_FORCE_AFTER_WAKEUP = 5,    /* kvm_vcpu_wake_up on it */
  AIA_FORCE_AFTER_SCHED_OUT = 6, /* its thread leaves a hart */
  AIA_FORCE_AFTER_SCHED_IN = 7,  /* its thread gets a hart */
  AIA_FORCE_AFTER_GUEST_TRAP = 8,/* the guest takes a VS external interrupt */
  AIA_FORCE_AFTER_CLAIM = 9,     /* the guest claims an identity */
  AIA_FORCE_AFTER_VSFILE_MIGRATE = 10 /* its VS-file moves */
} aia_force_event;

typedef enum aia_force_action {
  AIA_FORCE_PREEMPT = 1, /* need_resched on a hart (aia_host_force_preempt) */
  AIA_FORCE_MIGRATE = 2, /* move a vCPU's thread to a hart (aia_host_force_migrate) */
  AIA_FORCE_MSI = 3      /* an MSI to a vCPU through the injection routine */
} aia_force_action;

typedef struct aia_scn_force {
  bool has_at;                 /* `at` given: the moment is at + delay */
  aia_cycle at;
  bool has_after;              /* `after` given: the nth such record, + delay */
  uint32_t after_vm, after_vcpu;
  uint32_t after_event;        /* aia_force_event */
  uint32_t after_nth;          /* 1 = the first; default 1 */
  aia_cycle delay;             /* default 0 */
  uint32_t action;             /* aia_force_action */
  uint32_t preempt_hart;
  uint32_t migrate_vm, migrate_vcpu, migrate_to;
  uint32_t msi_vm, msi_vcpu, msi_iid;
} aia_scn_force;

typedef enum aia_sweep_kind { AIA_SWEEP_NONE = 0, AIA_SWEEP_SET = 1, AIA_SWEEP_OFFSET = 2 } aia_sweep_kind;

typedef struct aia_scn_sweep {
  aia_sweep_kind kind;
  char path[128];              /* SET: dotted path, e.g. devices.nic.rate */
  char **values;               /* SET: the values as written (strings) */
  uint32_t nvalues;
  uint32_t vm, vcpu;           /* OFFSET: the vCPU whose WFI trap is the origin */
  int64_t from, to, step;      /* OFFSET: cycles relative to the trap; from <= to, step > 0
                                  (default 1): points from, from+step, ... <= to */
} aia_scn_sweep;

/* A count is expected either exactly ("lost_wakeups: 0") or within bounds
 * ("lost_wakeups: { min: 1 }", "{ min: 1, max: 5 }"). has_* says the key is
 * present; the inclusive bounds *_min..*_max are filled for both forms (N:
 * N..N; a missing min is 0, a missing max UINT64_MAX): check those.
 * lost_wakeups / lost_interrupts hold N for the exact form, min otherwise. */
typedef struct aia_scn_expect {
  bool has_lost_wakeups;       /* each bound applies only when present */
  uint64_t lost_wakeups;
  bool has_lost_interrupts;
  uint64_t lost_interrupts;
  bool has_latency_p99_max;
  aia_cycle latency_p99_max;
  uint64_t lost_wakeups_min, lost_wakeups_max;       /* added: bounds, see above */
  uint64_t lost_interrupts_min, lost_interrupts_max;
} aia_scn_expect;

typedef struct aia_scenario {
  char name[AIA_SCN_NAME_MAX];
  char source[256];            /* file it was loaded from ("" if built in C) */
  uint64_t seed;               /* default 1 */
  uint64_t clock_hz;           /* default 1000000000 */
  aia_cycle duration;          /* required */
  aia_cycle drain;             /* default 1 ms */
  aia_era kernel;              /* default C */
  aia_policy policies[3];      /* default { nokick } ... run side by side */
  uint32_t npolicies;
  uint32_t faults;             /* AIA_FAULT_* */
  /* platform */
  uint32_t harts, geilen, ids;
  uint64_t imsic_base, hart_stride;
  /* timing (cycles) and jitter, indexed by aia_timing_field */
  aia_cycle timing[AIA_T_COUNT_];
  aia_jitter jitter[AIA_T_COUNT_];
  /* host */
  uint32_t injector_hart;
  aia_cycle balance_interval;
  aia_scn_noise *noise;
  uint32_t nnoise;
  aia_scn_vm *vms;
  uint32_t nvms;
  aia_scn_device *devices;
  uint32_t ndevices;
  aia_scn_sweep sweep;
  aia_scn_expect expect;
  /* Kept by the loader so that sweep points can be loaded again with one
   * more override (aia_scenario_point). NULL/0 for scenarios built in C. */
  char *text;
  size_t text_len;
  char **ov_paths, **ov_values;
  uint32_t nov;
  /* host scheduler (added with the fair class; see aia_host_config) */
  uint32_t scheduler;          /* host.scheduler: aia_sched_policy; default eevdf */
  uint32_t hz;                 /* host.hz; default 250 */
  aia_cycle base_slice;        /* host.base_slice; default 0.7 ms at clock_hz */
  aia_cycle sched_latency;     /* host.sched_latency (CFS); default 6 ms */
  aia_cycle min_granularity;   /* host.min_granularity (CFS); default 0.75 ms */
  aia_cycle migration_cost;    /* host.migration_cost; default 0.5 ms */
  uint64_t sched_features;     /* host.features applied to AIA_SCHED_F_DEFAULT */
  uint32_t *llc;               /* platform.llc: a group number per hart; NULL = one group */
  uint32_t nllc;               /* entries of llc (the number of harts when set) */
  aia_scn_force *force;        /* forced moments, in file order */
  uint32_t nforce;
  uint32_t injector_backlog;   /* host.injector_backlog (aia_kvm_config); default 1048576 */
} aia_scenario;

/* An empty scenario with every default (timing from the model's defaults),
 * no VM and no device. Fill it in C, then aia_scenario_check(). */
AIA_API int aia_scenario_create(aia_scenario **out);

/* Frees a scenario and everything it owns. NULL: no-op. Every array a
 * scenario points to is freed with free(): a scenario filled in C must hold
 * arrays from malloc() (the aia_scenario_add_* functions below do). */
AIA_API void aia_scenario_destroy(aia_scenario *scn);

/* Appends a VM with the defaults (1 vCPU, aia_mode auto, all harts, an idle
 * guest with eidelivery 1 and identities 1..ids enabled, ids as it is at the
 * time of the call, duty 50 us / 200 us at clock_hz). `name` (copied; NULL:
 * "vm<index>") must be 1..63 of letters, digits, '_' and '-', starting with
 * a letter or '_'. *out (may be NULL) points at the new VM until the next
 * aia_scenario_add_vm or aia_scenario_destroy. AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_scenario_add_vm(aia_scenario *scn, const char *name, aia_scn_vm **out);

/* Appends a device of VM index `vm` with the defaults (all vCPUs round
 * robin, iids { 32 }, path kvm, pattern poisson with no period yet, burst 8
 * every 1 ms at clock_hz). Name rules and *out as aia_scenario_add_vm
 * ("dev<index>" for NULL). AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_scenario_add_device(aia_scenario *scn, const char *name, uint32_t vm,
                                    aia_scn_device **out);

/* Appends a noise thread on all harts, busy 1 ms / idle 1 ms at clock_hz.
 * *out as aia_scenario_add_vm. AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_scenario_add_noise(aia_scenario *scn, aia_scn_noise **out);

/* Budgets of one run and of a sweep (docs/limits.md). 0 means no limit. */
#define AIA_LIMIT_MEMORY_DEFAULT (UINT64_C(8) << 30) /* 8 GiB */
#define AIA_LIMIT_EVENTS_DEFAULT UINT64_C(4000000000)
#define AIA_LIMIT_POINTS_DEFAULT UINT64_C(1000000)
typedef struct aia_limits {
  size_t struct_size;   /* set by aia_limits_init() */
  uint64_t max_memory;  /* bytes one run may need, as estimated below; default 8 GiB */
  uint64_t max_events;  /* engine events one run may take; default 4e9 (a few
                           minutes of one core) */
  uint64_t max_points;  /* points of a sweep; default 1e6 */
} aia_limits;

AIA_API void aia_limits_init(aia_limits *l);

/* What one run of a scenario will cost, estimated from the file alone:
 * memory (measured bytes per hart, vCPU, VM, device, and per MSI that may
 * wait for the injector, with a margin), a floor of the engine events
 * (about 4 per MSI, plus host ticks and noise), the MSIs the devices send,
 * and the sweep's points. */
typedef struct aia_scenario_cost {
  size_t struct_size;   /* set by the caller to sizeof(aia_scenario_cost) */
  uint64_t memory;      /* bytes */
  uint64_t events;      /* at least this many engine events */
  uint64_t msis;        /* MSIs the devices send */
  uint64_t vcpus;       /* vCPUs of all VMs */
  uint64_t points;      /* sweep points (1 without a sweep) */
} aia_scenario_cost;

/* Fills *out. AIA_EINVAL for a NULL argument or a struct_size smaller than
 * a size_t. */
AIA_API int aia_scenario_cost_estimate(const aia_scenario *scn, aia_scenario_cost *out);

/* AIA_OK when the estimate fits in `lim` (NULL: the defaults); else
 * AIA_ELIMIT with a sentence naming the budget in err (may be NULL). */
AIA_API int aia_scenario_check_limits(const aia_scenario *scn, const aia_limits *lim, char *err,
                                      size_t len);

/* Cross-checks a scenario (the same checks as the loader: ranges, vCPU
 * affinity within harts, identities within ids, ids legal, geilen <= 63,
 * device targets exist, sweep path exists). AIA_ESCHEMA with *diag set (line
 * 0 for scenarios built in C). */
AIA_API int aia_scenario_check(const aia_scenario *scn, aia_diag *diag);

/* An override "path=value" as the command line's --set gives it
 * (e.g. "devices.nic.rate=50000/s", "timing.vm_exit=3000", "seed=7"). */
typedef struct aia_override {
  const char *path;
  const char *value;
} aia_override;

/* Loads a YAML scenario. Overrides are applied before validation, as if the
 * file said so. On failure *out is NULL, every problem found (in file
 * order, at most ndiag) is written to diags, and *nfound says how many were
 * found (it may exceed ndiag). AIA_EPARSE (not YAML), AIA_ESCHEMA (YAML but
 * not a valid scenario), AIA_EIO (cannot read), AIA_ENOMEM. */
AIA_API int aia_scenario_load_file(const char *path, const aia_override *ov, size_t nov,
                                   aia_scenario **out, aia_diag *diags, size_t ndiag,
                                   size_t *nfound);
AIA_API int aia_scenario_load_mem(const char *name, const char *text, size_t len,
                                  const aia_override *ov, size_t nov, aia_scenario **out,
                                  aia_diag *diags, size_t ndiag, size_t *nfound);

/* Sweep point `i` of a SET sweep: the scenario loaded again from its text
 * with its overrides plus "sweep.path=values[i]"; its sweep is cleared and
 * it keeps no text (text NULL: it cannot be swept or explored again; use
 * the base scenario with the override for that).
 * AIA_EINVAL if the scenario has no SET sweep or i is out of range; else as
 * aia_scenario_load_mem. */
AIA_API int aia_scenario_point(const aia_scenario *scn, uint32_t i, aia_scenario **out,
                               aia_diag *diags, size_t ndiag, size_t *nfound);

AIA_END_DECLS

#endif /* AIA_SCENARIO_H */
