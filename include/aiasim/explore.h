/* aiasim/explore.h: bounded exhaustive exploration of the wake path.
 * SPDX-License-Identifier: MIT
 *
 * A scenario's run is deterministic; the explorer perturbs it. From the
 * run it collects the choice points of every vCPU: its records of the wake
 * path (WFI trap, VM exit and entry, halt polling, kvm_vcpu_block, wake-up,
 * sched-out and sched-in of its thread, guest trap, claim, VS-file move).
 * At each choice point, and a few delays after it, it tries each
 * perturbation: an MSI to that vCPU, a preemption of the hart it is on, a
 * move of its thread to each other hart it may use. Perturbations are
 * written as the scenario's `force:` items (anchored to the nth record of
 * a kind about a vCPU), so every schedule is a runnable scenario.
 *
 * The search is breadth first, up to `depth` perturbations per schedule,
 * each later than the one before (the choice points of a perturbed run are
 * collected again from that run); a schedule whose run has the same record
 * stream hash as one already run is not extended (an equivalent schedule),
 * and one that violates is not extended either. The first violating
 * schedule found of each kind has the fewest perturbations, then the
 * earliest ones: the minimal counterexample.
 *
 * Not covered: orders of events that fall on the same cycle, costs other
 * than the scenario's, perturbations other than those above, moments that
 * are not within the listed delays of a choice point.
 */
#ifndef AIA_EXPLORE_H
#define AIA_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "aiasim/export.h"
#include "aiasim/kvm.h"
#include "aiasim/scenario.h"

AIA_BEGIN_DECLS

#define AIA_EXPLORE_MAX_DEPTH 4u
#define AIA_EXPLORE_MAX_DELAYS 8u

/* Where a search stands, as a progress callback sees it. */
typedef struct aia_explore_progress {
  uint32_t depth;           /* the depth being explored, 1..depth */
  uint64_t runs;            /* schedules run so far (the reference run included) */
  uint64_t states;          /* distinct record streams among them, up to the last
                               schedule extended */
  uint64_t extended;        /* schedules of the depth above extended so far (the
                               reference run counts as the one above depth 1) */
  uint64_t to_extend;       /* schedules of the depth above to extend in all */
  double seconds;           /* wall time so far */
} aia_explore_progress;

/* Called on the thread that called aia_explore, between runs. */
typedef void (*aia_explore_progress_fn)(void *user, const aia_explore_progress *p);

typedef struct aia_explore_config {
  size_t struct_size;       /* set by aia_explore_config_init() */
  uint32_t depth;           /* perturbations per schedule, 1..AIA_EXPLORE_MAX_DEPTH; default 2 */
  uint64_t max_runs;        /* budget in runs; 0 = none; default 1,000,000 */
  double max_seconds;       /* budget in wall seconds (no run starts after it, so it is
                               kept to within one run); 0 = none; default 0 */
  uint32_t jobs;            /* worker threads, 1..64; default 1 (results do not depend on it) */
  aia_cycle from, to;       /* choice points with a cycle in [from, to); to 0 = the
                               scenario's duration; default 0, 0 */
  aia_cycle delays[AIA_EXPLORE_MAX_DELAYS]; /* a perturbation acts this long after its
                               choice point; default { 0, 50, 500 } */
  uint32_t ndelays;         /* default 3 */
  bool msi, preempt, migrate; /* kinds of perturbation; default all true */
  aia_explore_progress_fn progress; /* NULL: none (default) */
  void *progress_user;
  double progress_every;    /* at most one call per this many seconds; default 0.5;
                               0: after every run of the calling thread */
} aia_explore_config;

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_explore_config_init(aia_explore_config *cfg);

/* One minimal counterexample: the perturbations (force items, owned) and
 * what its run found. */
typedef struct aia_explore_cex {
  aia_scn_force *force;
  uint32_t nforce;
  uint64_t lost_wakeups, lost_interrupts;
  uint64_t trace_hash;
} aia_explore_cex;

typedef struct aia_explore_report {
  aia_policy policy;
  uint64_t runs;            /* schedules run (the reference run included; a schedule
                               extended at the next depth runs once more then, to
                               list its choice points, and is not counted twice) */
  uint64_t states;          /* distinct record streams among them */
  uint64_t choice_points;   /* choice points of the reference run in the window */
  uint64_t violating;       /* runs that found a lost wake-up or interrupt */
  uint32_t depth_done;      /* every schedule up to this depth was run */
  bool complete;            /* depth_done == depth: the budget was not reached */
  double seconds;           /* wall time */
  aia_explore_cex wakeup;   /* minimal schedule losing a wake-up (nforce 0: none found) */
  aia_explore_cex interrupt;/* minimal schedule losing an interrupt */
  bool found_wakeup, found_interrupt;
} aia_explore_report;

/* Explores scn under `policy`. The scenario's own `force:` items stay and
 * come first. AIA_EINVAL (bad configuration, a scenario with no vCPU, no
 * choice point in the window; err says which), AIA_ENOMEM; a run that
 * fails returns its status. On success the report is filled (free it with
 * aia_explore_report_free). */
AIA_API int aia_explore(const aia_scenario *scn, aia_policy policy, const aia_explore_config *cfg,
                        aia_explore_report *out, char *err, size_t errlen);

AIA_API void aia_explore_report_free(aia_explore_report *r);

/* Writes a runnable scenario: the text scn was loaded from (it must have
 * been loaded from YAML and have no `force:` key of its own) followed by a
 * `force:` list of the counterexample's perturbations, with a comment that
 * names the policy. AIA_EINVAL, AIA_EIO. */
AIA_API int aia_explore_write_scenario(const aia_scenario *scn, aia_policy policy,
                                       const aia_explore_cex *cex, FILE *out);

/* Runs a counterexample (scn plus its force items) under `policy` with a
 * Chrome/Perfetto trace written to `trace`. AIA_OK or the run's status. */
AIA_API int aia_explore_trace(const aia_scenario *scn, aia_policy policy, const aia_explore_cex *cex,
                              FILE *trace, char *err, size_t errlen);

AIA_END_DECLS

#endif /* AIA_EXPLORE_H */
