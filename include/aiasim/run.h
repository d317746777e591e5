/* aiasim/run.h: running a scenario with one policy and collecting its
 * result record (every field of the JSON report, docs/measurements.md).
 * SPDX-License-Identifier: MIT
 *
 * A run builds a fresh simulation from the scenario (platform, host, kvm,
 * VMs, guests, devices, noise, meter), runs it for `duration`, stops the
 * devices, drains for `drain`, lets the oracle finish, and destroys it.
 * Runs share nothing: any number may run in parallel threads, and the same
 * scenario, policy and seed always give the same result and trace hash.
 */
#ifndef AIA_RUN_H
#define AIA_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/hw.h"
#include "aiasim/kvm.h"
#include "aiasim/obs.h"
#include "aiasim/scenario.h"

AIA_BEGIN_DECLS

typedef struct aia_run_options {
  size_t struct_size;     /* set by aia_run_options_init() */
  bool oracle;            /* default true */
  aia_cycle wake_bound;   /* 0: 1 ms */
  /* An extra hook on every record of the run (trace writers, user code). */
  aia_hook_fn hook;
  void *hook_user;
  uint64_t hook_mask;     /* default AIA_EV_ALL */
  /* Called once the system is built (cycle 0, before anything ran), and
   * once after the run ends (before the system is destroyed): for
   * attaching trace writers or custom consumers that need the handles.
   * Either may be NULL; `user` is handed back untouched. */
  void (*on_built)(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm);
  void (*on_end)(void *user, aia_sim *sim);
  void *user;
  /* One extra MSI (identity `probe_iid`, kvm path) to (probe_vm, probe_vcpu)
   * at cycle probe_at, for offset sweeps; off unless `probe` is true. */
  bool probe;
  aia_cycle probe_at;
  uint32_t probe_vm, probe_vcpu, probe_iid;
  /* Called once the oracle's final checks are done (only when the run
   * succeeded), before on_end, with the run's meter: for what the result
   * record summarises, e.g. the whole latency histograms
   * (aia_meter_latency). The meter is gone after the call. May be NULL. */
  void (*on_result)(void *user, const aia_meter *meter);
  /* Budgets (aia_limits): the run is refused before it starts when the
   * scenario's estimate exceeds them, and stopped with AIA_ELIMIT when it
   * takes more than max_events engine events. 0: no limit. Defaults:
   * AIA_LIMIT_MEMORY_DEFAULT, AIA_LIMIT_EVENTS_DEFAULT. */
  uint64_t max_memory;
  uint64_t max_events;
} aia_run_options;

AIA_API void aia_run_options_init(aia_run_options *opt);

typedef struct aia_run_result {
  aia_policy policy;
  aia_result r;               /* r.violations points into `violations` below */
  aia_violation *violations;  /* owned; r.nviolations entries */
  aia_cycle end;              /* cycle at which the run stopped */
  uint64_t steps;             /* engine events run (aia_sim_steps); r.events counts records */
  /* Wired interrupts (0 when the scenario has no wired device): devices,
   * their counters summed, the in-kernel APLICs' counters summed, and the
   * guests' trapped APLIC accesses (aia_vcpu_exit_stats.mmio_exit_kernel). */
  uint32_t wired_devices;
  aia_wired_stats wired;
  aia_vaplic_stats aplic;
  uint64_t mmio_exits;
} aia_run_result;

/* Runs `scn` with `policy`. On failure (a scenario the model refuses,
 * AIA_ENOMEM) returns the status and writes a message into err (may be
 * NULL). Free the result with aia_run_result_free. */
AIA_API int aia_scenario_run(const aia_scenario *scn, aia_policy policy,
                             const aia_run_options *opt, aia_run_result *out,
                             char *err, size_t errlen);

AIA_API void aia_run_result_free(aia_run_result *res);

/* ---- the same in steps, for an embedder that drives time itself (a
 * co-simulation, the SystemC adapter): build the system of `scn` with
 * `policy` (devices, noise, force, probe and the meter as a run has them;
 * nothing has run yet, the clock is at 0), advance it with
 * aia_sim_run_until on aia_system_sim() (a run goes to duration, then
 * duration + drain), take the result once, destroy. aia_scenario_run is
 * exactly these calls. */
typedef struct aia_system aia_system; /* opaque */

/* As aia_scenario_run for the errors before the run. *out = NULL first.
 * `scn` is borrowed: it must stay alive until aia_system_destroy. */
AIA_API int aia_scenario_build(const aia_scenario *scn, aia_policy policy,
                               const aia_run_options *opt, aia_system **out, char *err,
                               size_t errlen);

/* The built system's parts (NULL for a NULL system). */
AIA_API aia_sim *aia_system_sim(const aia_system *sys);
AIA_API aia_platform *aia_system_platform(const aia_system *sys);
AIA_API aia_kvm *aia_system_kvm(const aia_system *sys);

/* The oracle's final checks and the result, at the current cycle (free it
 * with aia_run_result_free). Once: a second call is AIA_ESTATE. */
AIA_API int aia_system_finish(aia_system *sys, aia_run_result *out, char *err, size_t errlen);

/* Destroys the system and its simulation (on_end is called first). NULL is
 * allowed. */
AIA_API void aia_system_destroy(aia_system *sys);

/* The cycle at which vCPU (vm, vcpu) first traps on WFI in an undisturbed
 * run of `scn` with `policy` (the origin of offset sweeps). AIA_ENOENT if it
 * never does before the end of the run. */
AIA_API int aia_scenario_wfi_trap(const aia_scenario *scn, aia_policy policy, uint32_t vm,
                                  uint32_t vcpu, aia_cycle *at, char *err, size_t errlen);

/* Whether a timing field takes jitter in the model (scheduler costs and
 * the halt-polling limits do not). */
AIA_API bool aia_timing_field_has_jitter(aia_timing_field f);

/* Name of a policy ("kick", "nokick", "wake_first"), era ("A".."C"), fault
 * bit ("no_wakeon_hgei"...). Static text; NULL when out of range. */
AIA_API const char *aia_policy_name(aia_policy p);
AIA_API const char *aia_era_name(aia_era e);
AIA_API const char *aia_fault_name(uint32_t fault_bit);

AIA_END_DECLS

#endif /* AIA_RUN_H */
