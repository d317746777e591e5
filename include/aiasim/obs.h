/* aiasim/obs.h: measurements and the correctness oracle, as hook consumers.
 * SPDX-License-Identifier: MIT
 *
 * A meter listens to a simulation's record stream (a hook, like any user's)
 * and keeps what the JSON report shows (docs/measurements.md): per-MSI latency,
 * wake-up latency, the cost of kicks, wake-ups, migrations. Its oracle
 * (optional) reports lost wake-ups and lost interrupts as violations.
 * Definitions: docs/measurements.md.
 */
#ifndef AIA_OBS_H
#define AIA_OBS_H

#include <stdbool.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/hooks.h"
#include "aiasim/kvm.h"
#include "aiasim/stats.h"

AIA_BEGIN_DECLS

#define AIA_VIOLATION_RECENT 32

typedef enum aia_violation_kind {
  AIA_VIOL_LOST_WAKEUP = 0,   /* blocked with a deliverable identity, nothing to wake it */
  AIA_VIOL_LOST_INTERRUPT = 1, /* an MSI neither claimed nor coalesced by the end */
  AIA_VIOL_WIRED_UNSERVICED = 2 /* a wired device's request not acknowledged by the
                                   guest within wake_bound of the end (also counted
                                   in lost_interrupts) */
} aia_violation_kind;

typedef struct aia_violation {
  aia_violation_kind kind;
  uint32_t vm, vcpu;
  aia_cycle cycle;        /* when it was found */
  uint64_t msi;           /* the MSI concerned (lost interrupts), else 0 */
  uint32_t iid;
  char what[160];         /* one line for humans */
  aia_event recent[AIA_VIOLATION_RECENT]; /* that vCPU's last records, oldest first */
  uint32_t nrecent;
} aia_violation;

/* Everything the JSON report shows for one run (docs/measurements.md). */
typedef struct aia_result {
  uint64_t msis, claimed, coalesced;
  uint64_t lost_wakeups, lost_interrupts;
  aia_hist_summary latency, wake_latency;   /* cycles */
  uint64_t ipis, kick_ipis, kick_wakeups, kick_exits, vm_exits;
  uint64_t guest_cycles_lost_to_kicks;
  uint64_t hgei_irqs, wakeups, spurious_wakeups, duplicate_wakeups;
  uint64_t vsfile_migrations, swfile_fallbacks;
  uint64_t events, trace_hash;
  const aia_violation *violations;          /* owned by the meter */
  uint32_t nviolations;                     /* kept (at most max_violations) */
  /* Wired devices (aia_wired): requests raised, served by the guest's
   * acknowledge, left unserviced at the end (violations), and the time
   * from a device's oldest unserved request to the acknowledge. */
  uint64_t wired_requests, wired_served, wired_unserviced;
  aia_hist_summary wired_latency;           /* cycles */
} aia_result;

typedef struct aia_meter_config {
  size_t struct_size;      /* set by aia_meter_config_init() */
  bool oracle;             /* default true */
  aia_cycle wake_bound;    /* longest a vCPU may stay blocked with a deliverable
                              identity; default 1 ms of the sim's clock */
  uint32_t max_violations; /* kept in detail; default 100 (all are counted) */
} aia_meter_config;

AIA_API void aia_meter_config_init(aia_meter_config *cfg);

typedef struct aia_meter aia_meter; /* opaque; owned by the sim */

/* Attaches a meter to the records of `kvm`'s simulation. Create it after
 * the VMs. AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_meter_create(aia_kvm *kvm, const aia_meter_config *cfg, aia_meter **out);

/* End of the run (after the drain): the oracle's final checks (blocked
 * vCPUs with a deliverable identity; MSIs never claimed). Call once. */
AIA_API void aia_meter_finish(aia_meter *m);

/* The figures so far. Pointers inside stay valid until the sim is destroyed. */
AIA_API void aia_meter_result(const aia_meter *m, aia_result *res);

/* MSIs sent through KVM whose injection routine had not run when
 * aia_meter_finish was called (the injector hart was saturated): not lost
 * interrupts, the hypervisor never had them; aia_injector_stats.waiting
 * counts the same ones. 0 before the finish. */
AIA_API uint64_t aia_meter_not_injected(const aia_meter *m);

/* The latency histograms themselves (for merging or finer percentiles). */
AIA_API const aia_hist *aia_meter_latency(const aia_meter *m);
AIA_API const aia_hist *aia_meter_wake_latency(const aia_meter *m);

AIA_END_DECLS

#endif /* AIA_OBS_H */
