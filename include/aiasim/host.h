/* aiasim/host.h: the host scheduler: threads, per-hart run queues, slices,
 * wake placement, preemption, balancing, idle harts, noise threads.
 * SPDX-License-Identifier: MIT
 *
 * The policy and how it differs from Linux CFS/EEVDF is in docs/scheduler.md.
 * The short version:
 *
 *  - A host is created on an aia_sim and its aia_platform and is destroyed
 *    with the sim. Everything here runs on the simulation's thread.
 *  - A thread is a scheduling entity with an owner-supplied body (a set of
 *    callbacks, aia_thread_ops). The scheduler never runs the body's code
 *    itself and never takes the hart from a thread behind the owner's back:
 *    it asks (resched callback) and the body gives the hart up at its next
 *    preemption point by calling aia_thread_preempt_point() or
 *    aia_thread_schedule().
 *  - Harts with nothing to run execute WFI (aia_hart_wfi) and are woken with
 *    a reschedule IPI (aia_hart_send_ipi). The scheduler reacts to the
 *    platform through aia_platform_listen().
 *
 * Records (see hooks.h). Every scheduler record carries:
 *   hart = the hart the record is about,
 *   vcpu = the thread id (aia_thread_id(); dense, from 0, in creation order),
 *   vm   = the owner's tag from aia_thread_config.vm (AIA_NONE for noise
 *          threads), so a consumer can tell vCPU threads from the rest,
 *   file = AIA_NONE, iid = 0, msi = 0, and `arg` per kind:
 *   AIA_EV_THREAD_ENQUEUE  arg 1 = put in the woken section at the front of
 *                          the queue, 0 = at the tail
 *   AIA_EV_SCHED_IN        arg 0 (the thread starts running on `hart`)
 *   AIA_EV_SCHED_OUT       arg = aia_sched_reason
 *   AIA_EV_THREAD_WAKE     arg = aia_wake_placement; hart = where it goes
 *   AIA_EV_THREAD_MIGRATE  hart = its new hart; (uint32_t)arg = the hart it left,
 *                          arg >> 32 = aia_migrate_cause
 *   AIA_EV_THREAD_SLEEP    hart = the hart it slept on
 * AIA_EV_HART_IDLE / AIA_EV_HART_WAKE / AIA_EV_IPI_* come from the hardware.
 *
 * Status: calls return AIA_OK or a negative aia_status (AIA_EINVAL for bad
 * arguments, AIA_ERANGE for a hart out of range, AIA_ESTATE for a call the
 * thread's state does not allow); aia_sim_errmsg() has the detail. If the
 * scheduler cannot queue one of its own events (AIA_ENOMEM), it stops the
 * simulation and every later call that can fail returns that status.
 */
#ifndef AIA_HOST_H
#define AIA_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/hw.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef struct aia_host aia_host;     /* opaque; owned by its aia_sim */
typedef struct aia_thread aia_thread; /* opaque; owned by its aia_host */

/* ------------------------------------------------------------- config -- */

typedef struct aia_host_config {
  size_t struct_size;           /* set by aia_host_config_init() */
  aia_cycle slice;              /* round-robin slice; default 3,000,000 (3 ms at 1 GHz); >= 1 */
  aia_cycle wakeup_granularity; /* a woken thread preempts the current one once that
                                   one has run this long in its turn; default 1,000,000 */
  aia_cycle ctx_switch;         /* a switch that begins at T starts the next thread at
                                   T + ctx_switch; default 2,000 */
  aia_cycle sched_wake;         /* cost of a successful wake to the waker; the scheduler
                                   does not spend it, it reports it (aia_thread_wake);
                                   default 1,000 */
  aia_cycle balance_interval;   /* AIA_SCHED_RR only: idle-pull balancing period; 0 = off;
                                   default 4,000,000 */
  /* Fields below were added with the fair class (an older struct_size gets
   * their defaults). Durations are cycles; the defaults assume 1 GHz. */
  uint32_t scheduler;           /* aia_sched_policy; default AIA_SCHED_EEVDF */
  uint32_t hz;                  /* scheduler tick per simulated second (CONFIG_HZ);
                                   default 250; 0 = no tick */
  aia_cycle base_slice;         /* EEVDF request size before the log factor
                                   (normalized_sysctl_sched_base_slice); default 700,000 */
  aia_cycle sched_latency;      /* CFS period before the log factor; default 6,000,000 */
  aia_cycle min_granularity;    /* CFS minimum slice before the log factor; default 750,000 */
  aia_cycle migration_cost;     /* sysctl_sched_migration_cost: a thread that ran this
                                   recently is cache-hot (balancing leaves it), and a hart
                                   expected to idle less than this skips newidle balance;
                                   default 500,000 */
  uint64_t features;            /* AIA_SCHED_F_* bits; default AIA_SCHED_F_DEFAULT */
  const uint32_t *llc;          /* llc[h] = last-level-cache group of hart h (harts
                                   entries, copied); NULL = one group for all harts */
} aia_host_config;

/* The scheduling policy of the host (aia_host_config.scheduler). The fair
 * policies follow kernel/sched/fair.c; docs/scheduler.md maps each piece. */
typedef enum aia_sched_policy {
  AIA_SCHED_EEVDF = 0, /* Linux 6.6 and later: lag, virtual deadlines, eligibility */
  AIA_SCHED_CFS = 1,   /* Linux up to 6.5: vruntime, min_vruntime, granularities */
  AIA_SCHED_RR = 2     /* aiasim's round robin with a woken section: `slice`,
                          `wakeup_granularity`, `balance_interval`; exact and easy
                          to predict, for tests that place a preemption by hand */
} aia_sched_policy;

/* Scheduler features (aia_host_config.features), named as in
 * /sys/kernel/debug/sched/features. Bits the policy does not use are ignored. */
#define AIA_SCHED_F_PLACE_LAG (UINT64_C(1) << 0)        /* EEVDF: a woken or moved thread keeps its lag */
#define AIA_SCHED_F_RUN_TO_PARITY (UINT64_C(1) << 1)    /* EEVDF: the current thread keeps the hart
                                                           until its slice is used, while eligible */
#define AIA_SCHED_F_PREEMPT_SHORT (UINT64_C(1) << 2)    /* EEVDF: a shorter slice may cut protection */
#define AIA_SCHED_F_PLACE_DEADLINE_INITIAL (UINT64_C(1) << 3) /* EEVDF: first deadline at half a slice */
#define AIA_SCHED_F_PLACE_REL_DEADLINE (UINT64_C(1) << 4) /* EEVDF: deadline kept across a move */
#define AIA_SCHED_F_DELAY_DEQUEUE (UINT64_C(1) << 5)    /* EEVDF (6.12+): a sleeper with negative lag
                                                           stays queued until it is picked */
#define AIA_SCHED_F_GENTLE_FAIR_SLEEPERS (UINT64_C(1) << 6) /* CFS: sleeper credit halved */
#define AIA_SCHED_F_WAKEUP_PREEMPTION (UINT64_C(1) << 7) /* fair: a woken thread may preempt */
#define AIA_SCHED_F_WA_IDLE (UINT64_C(1) << 8)          /* wake_affine_idle */
#define AIA_SCHED_F_WA_WEIGHT (UINT64_C(1) << 9)        /* wake_affine_weight */
#define AIA_SCHED_F_WA_BIAS (UINT64_C(1) << 10)         /* wake_affine_weight favours prev */
#define AIA_SCHED_F_SIS (UINT64_C(1) << 11)             /* select_idle_sibling (off: stay on target) */
#define AIA_SCHED_F_NEWIDLE (UINT64_C(1) << 12)         /* balance when a hart goes idle */
#define AIA_SCHED_F_PERIODIC (UINT64_C(1) << 13)        /* balance from the tick (and nohz idle balance) */
#define AIA_SCHED_F_TTWU_QUEUE (UINT64_C(1) << 14)      /* a wake-up onto another cache's hart, or onto
                                                           an idle hart, is activated there when its
                                                           IPI arrives (ttwu_queue_wakelist), delayed
                                                           sleepers included */
#define AIA_SCHED_F_FORK_BALANCE (UINT64_C(1) << 15)    /* a thread's first start goes to the idlest
                                                           hart of the system (SD_BALANCE_FORK:
                                                           sched_balance_find_dst_cpu); off: it is
                                                           placed as a wake-up from its hart */
#define AIA_SCHED_F_DEFAULT (UINT64_C(0xffff))          /* all of the above: Linux 6.18's defaults */

/* Name of a feature bit ("PLACE_LAG", ...) or NULL; names map bit for bit to
 * the list above. */
AIA_API const char *aia_sched_feature_name(uint64_t bit);

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_host_config_init(aia_host_config *cfg);

/* Creates the scheduler for every hart of `plat`, which must belong to
 * `sim`. Every hart starts idle (it executes WFI at once). The host listens
 * to the platform and is destroyed by aia_sim_destroy(). *out = NULL first.
 * AIA_EINVAL (NULL argument, platform of another sim, slice 0, struct_size
 * too small), AIA_ENOMEM. */
AIA_API int aia_host_create(aia_sim *sim, aia_platform *plat, const aia_host_config *cfg,
                            aia_host **out);

/* The configuration in force (a copy; struct_size is set by the callee). */
AIA_API void aia_host_get_config(const aia_host *host, aia_host_config *cfg);

/* The simulation and platform the host was created on. */
AIA_API aia_sim *aia_host_sim(const aia_host *host);
AIA_API aia_platform *aia_host_platform(const aia_host *host);

/* Number of harts the host schedules (the platform's). */
AIA_API uint32_t aia_host_harts(const aia_host *host);

/* ------------------------------------------------------------ threads -- */

typedef enum aia_thread_state {
  AIA_THREAD_SLEEPING = 0, /* off every run queue; only a wake brings it back */
  AIA_THREAD_RUNNABLE = 1, /* on the run queue of aia_thread_hart() */
  AIA_THREAD_RUNNING = 2   /* current on aia_thread_hart() (possibly still in the
                              context switch that brings it in: see
                              aia_thread_is_on_cpu) */
} aia_thread_state;

/* Why a thread left its hart: the arg of AIA_EV_SCHED_OUT and of the
 * sched_out callback. Every reason but SLEEP leaves the thread runnable
 * (Linux: it is still on_rq, so kvm_sched_out sets vcpu->preempted). */
typedef enum aia_sched_reason {
  AIA_SCHED_SLEEP = 0,   /* aia_thread_schedule() while interruptible: it sleeps */
  AIA_SCHED_SLICE = 1,   /* its slice ended with other threads waiting */
  AIA_SCHED_WAKEUP = 2,  /* a woken thread preempted it (wakeup granularity) */
  AIA_SCHED_FORCED = 3,  /* aia_host_force_preempt() */
  AIA_SCHED_MIGRATE = 4  /* it leaves for another hart (forced migration or an
                            affinity change that excludes this hart) */
} aia_sched_reason;

/* Where a wake put a thread: the arg of AIA_EV_THREAD_WAKE. */
typedef enum aia_wake_placement {
  AIA_WAKE_LAST_IDLE = 0,   /* its last hart, which was idle */
  AIA_WAKE_OTHER_IDLE = 1,  /* the lowest-numbered idle hart it may run on */
  AIA_WAKE_LAST_QUEUE = 2,  /* no allowed hart idle: its last hart's queue */
  AIA_WAKE_OTHER_QUEUE = 3, /* as LAST_QUEUE, but the last hart is not allowed any
                               more: the lowest allowed hart's queue */
  AIA_WAKE_NOT_SLEPT = 4,   /* it had said it would sleep but had not slept yet:
                               set back to running, not moved (hart = its hart) */
  /* Fair policies (select_task_rq_fair + select_idle_sibling): */
  AIA_WAKE_TARGET_IDLE = 5, /* the wake_affine target (waker's or previous hart) was idle */
  AIA_WAKE_PREV_IDLE = 6,   /* the target was busy, the previous hart idle (same LLC) */
  AIA_WAKE_RECENT_IDLE = 7, /* the thread's recently used hart was idle (same LLC) */
  AIA_WAKE_SCAN_IDLE = 8,   /* an idle hart found by the scan of the target's LLC */
  AIA_WAKE_TARGET_BUSY = 9, /* nothing idle in the LLC: queued on the busy target */
  AIA_WAKE_FALLBACK = 10,   /* the choice was not allowed any more: the lowest allowed
                               idle hart, else the lowest allowed hart */
  AIA_WAKE_REQUEUE = 11,    /* EEVDF DELAY_DEQUEUE: it was still queued (delayed) on
                               its hart and is woken there, with no placement */
  AIA_WAKE_FORK = 12        /* fair policies: a thread's first start (wake_up_new_task),
                               placed on the idlest hart of the whole system
                               (sched_balance_find_dst_cpu), from its configured hart */
} aia_wake_placement;

/* Why a thread changed hart: bits 32.. of AIA_EV_THREAD_MIGRATE's arg. */
typedef enum aia_migrate_cause {
  AIA_MIGRATE_WAKE = 0,     /* wake placement chose another hart */
  AIA_MIGRATE_BALANCE = 1,  /* a balancer: RR's idle pull, or the fair policies'
                               periodic (tick) and nohz idle balance */
  AIA_MIGRATE_FORCED = 2,   /* aia_host_force_migrate() */
  AIA_MIGRATE_AFFINITY = 3, /* its affinity excluded the hart it was on */
  AIA_MIGRATE_NEWIDLE = 4   /* fair policies: pulled by a hart that was going idle */
} aia_migrate_cause;

/* The body of a thread, supplied by its owner. Every callback may be NULL
 * and receives `user` untouched. Callbacks run on the simulation thread from
 * the scheduler's own events, never from inside a call the owner made
 * (except sched_out, see below), and they may call back into this API.
 *
 * Order for one thread: sched_in, run, ..., sched_out, sched_in, run, ...
 * sched_out always comes before the next sched_in; sched_in names the hart
 * the thread now runs on (Linux preempt notifiers: kvm_sched_out/in). */
typedef struct aia_thread_ops {
  size_t struct_size; /* set by aia_thread_ops_init() */
  void *user;
  /* The thread has the hart (after the context switch): its code runs from
   * here, e.g. schedule() "returns" or the thread starts. Called right after
   * sched_in. */
  void (*run)(void *user, aia_thread *t, uint32_t hart);
  /* need_resched was set on the thread's hart. The body must give the hart up
   * at its next preemption point: aia_thread_preempt_point() or
   * aia_thread_schedule(). Calling one of them from inside this callback is
   * allowed and means "at once" (noise threads do). A vCPU in guest mode
   * exits the guest first (the KVM layer). Called once per request. */
  void (*resched)(void *user, aia_thread *t, uint32_t hart);
  /* Preempt notifier: the thread is switched in on `hart`. */
  void (*sched_in)(void *user, aia_thread *t, uint32_t hart);
  /* Preempt notifier: the thread is switched out of `hart`. Runs inside the
   * owner's aia_thread_schedule()/aia_thread_preempt_point() call (as
   * kvm_sched_out runs inside __schedule), after the thread's new state is
   * set and before the hart picks the next thread. */
  void (*sched_out)(void *user, aia_thread *t, uint32_t hart, aia_sched_reason reason);
  /* True while the thread runs a guest (or is on its way out of one and will
   * handle host interrupts itself). The scheduler then leaves reschedule IPIs
   * on that hart to the owner, which calls aia_host_handle_ipi() from its
   * exit path. NULL = never in a guest. */
  bool (*in_guest)(void *user, const aia_thread *t);
  /* Another thread became runnable on the hart this thread runs on (it is
   * no longer the only task there: single_task_running() turned false).
   * Called from a scheduler event of the same cycle, while the thread is on
   * its hart, once per change from "alone" to "not alone". KVM's halt
   * polling stops on it, as kvm_vcpu_can_poll() does. May be NULL. */
  void (*contended)(void *user, aia_thread *t, uint32_t hart);
} aia_thread_ops;

/* Zeroes ops and sets struct_size. */
AIA_API void aia_thread_ops_init(aia_thread_ops *ops);

typedef struct aia_thread_config {
  size_t struct_size;       /* set by aia_thread_config_init() */
  uint32_t vm;              /* tag copied into the `vm` field of its records; default AIA_NONE */
  uint32_t hart;            /* its initial "last hart": the fair policies' first
                               start (FORK_BALANCE) searches from here, as from the
                               hart of the thread that created it; RR and
                               NO_FORK_BALANCE place the first wake as any other;
                               default 0; the lowest allowed hart if this one is
                               not allowed */
  const uint64_t *affinity; /* allowed harts: bit h%64 of word h/64 = hart h; NULL = all.
                               Copied. */
  uint32_t affinity_harts;  /* number of harts `affinity` covers (bits beyond: not allowed) */
  int32_t nice;             /* -20..19, the fair policies' weight (1024 at 0, about 1.25x
                               per step); default 0 */
  aia_cycle slice;          /* EEVDF custom slice (sched_attr.sched_runtime); 0 (default)
                               = the host's scaled base slice */
} aia_thread_config;

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_thread_config_init(aia_thread_config *cfg);

/* Creates a thread, SLEEPING, with the given body (ops may be NULL: a thread
 * driven entirely by its owner). Start it with aia_thread_wake(). *out =
 * NULL first. AIA_EINVAL (bad sizes, an affinity with no hart of the
 * platform, hart out of range), AIA_ENOMEM. */
AIA_API int aia_thread_create(aia_host *host, const aia_thread_config *cfg,
                              const aia_thread_ops *ops, aia_thread **out);

/* Id of a thread (the `vcpu` field of its records) and the reverse lookup
 * (NULL if unknown). */
AIA_API uint32_t aia_thread_id(const aia_thread *t);
AIA_API aia_thread *aia_host_thread(const aia_host *host, uint32_t id);
AIA_API uint32_t aia_host_thread_count(const aia_host *host);

/* State; hart it runs on, is queued on, or last ran on (where a wake looks
 * first); whether it announced that it will sleep (TASK_INTERRUPTIBLE). */
AIA_API aia_thread_state aia_thread_get_state(const aia_thread *t);
AIA_API uint32_t aia_thread_hart(const aia_thread *t);
AIA_API bool aia_thread_is_interruptible(const aia_thread *t);

/* True when the thread is current on its hart and its context switch is
 * done (between sched_in and sched_out): its code may run. */
AIA_API bool aia_thread_is_on_cpu(const aia_thread *t);

/* Whether the affinity allows `hart`. */
AIA_API bool aia_thread_may_run_on(const aia_thread *t, uint32_t hart);

/* Replaces the affinity (same encoding as aia_thread_config; NULL = all).
 * Takes effect at once: a sleeping thread keeps its last hart even if now
 * excluded (its wake places it: AIA_WAKE_OTHER_QUEUE when no allowed hart
 * is idle); a queued thread on an excluded hart moves to the lowest idle
 * allowed hart (else the lowest allowed hart's queue); a thread being
 * switched in there is sent back and moved the same way; a thread running
 * on an excluded hart is asked to reschedule and moves when it gives the
 * hart up (reason AIA_SCHED_MIGRATE). AIA_EINVAL if no hart is allowed. */
AIA_API int aia_thread_set_affinity(aia_thread *t, const uint64_t *affinity,
                                    uint32_t affinity_harts);

/* ------------------------------------------- calls made by the thread --
 * These model code the thread executes on its hart; they are valid only while
 * aia_thread_is_on_cpu(t) (else AIA_ESTATE). *switched (may be NULL) is set
 * true when the thread gave the hart up: its code continues at the next run
 * callback. When false, it continues at once. */

/* set_current_state(TASK_INTERRUPTIBLE): the thread intends to sleep at its
 * next aia_thread_schedule(). A wake before that cancels the intention. */
AIA_API int aia_thread_set_interruptible(aia_thread *t);

/* __set_current_state(TASK_RUNNING): drops the intention to sleep. */
AIA_API int aia_thread_set_running(aia_thread *t);

/* schedule(): if still interruptible, the thread sleeps (sched_out reason
 * SLEEP) and the hart takes the next thread or goes idle. Otherwise, if
 * need_resched is set, it is preempted as by aia_thread_preempt_point().
 * Otherwise it returns at once without switching. */
AIA_API int aia_thread_schedule(aia_thread *t, bool *switched);

/* A preemption point (cond_resched, preempt_enable, return from interrupt):
 * if need_resched is set on its hart, the thread goes to the tail of the run
 * queue (or to its forced-migration target) and the hart switches. An
 * interruptible thread stays interruptible and runnable (Linux does not
 * dequeue on preemption). With nothing else to run, need_resched is cleared
 * and the thread keeps the hart (*switched false). */
AIA_API int aia_thread_preempt_point(aia_thread *t, bool *switched);

/* --------------------------------------------------------------- wake -- */

/* try_to_wake_up(), called from hart `from` (AIA_NONE: from outside any
 * hart, e.g. a test or a device). Outcomes, in *woken (may be NULL):
 *  - sleeping: placed (see aia_wake_placement: RR: last hart if idle and
 *    allowed, else the lowest idle allowed hart, else the last hart's queue
 *    if allowed, else the lowest allowed hart's queue; the fair policies:
 *    select_task_rq_fair, and for the thread's first start the fork
 *    balance, AIA_WAKE_FORK); true.
 *  - running or runnable but interruptible (said it will sleep, has not slept
 *    yet): set back to running, not moved, its next aia_thread_schedule()
 *    does not sleep; true.
 *  - otherwise (running or runnable): nothing happens; false.
 * A woken thread goes to the front of the queue, behind earlier woken ones.
 * If it lands on an idle hart in WFI, a reschedule IPI is sent from `from`
 * (from the target itself when `from` is AIA_NONE). If the hart runs a
 * thread that has run at least wakeup_granularity cycles in its turn, that
 * thread is preempted (need_resched; through a reschedule IPI when `from` is
 * another hart); otherwise it is preempted when it reaches the granularity.
 * *cost (may be NULL) receives the cycles the waker spends: sched_wake when
 * *woken is true, else 0. The scheduler does not delay anything by it: the
 * caller accounts it on its own timeline (KVM does, for the kick path). */
AIA_API int aia_thread_wake(aia_thread *t, uint32_t from, bool *woken, aia_cycle *cost);

/* -------------------------------------------------------------- harts -- */

/* The thread current on `hart` (possibly still being switched in), or NULL. */
AIA_API aia_thread *aia_host_current(const aia_host *host, uint32_t hart);

/* Threads waiting on `hart`'s run queue (the current one not counted). */
AIA_API uint32_t aia_host_queue_len(const aia_host *host, uint32_t hart);

/* True when `hart` has nothing to run (no current thread, empty queue). */
AIA_API bool aia_host_hart_is_idle(const aia_host *host, uint32_t hart);

/* TIF_NEED_RESCHED of `hart`'s current thread (what halt polling checks). */
AIA_API bool aia_host_need_resched(const aia_host *host, uint32_t hart);

/* Reschedule-IPI handling, the split with the owner of a thread:
 *  - The scheduler watches SSIP through its platform listener. On a hart
 *    that is idle it is cleared when the hart leaves WFI; on a hart whose
 *    current thread is not in a guest (in_guest NULL or false) it is cleared
 *    in phase AIA_PH_HART of the cycle it rose (or of the cycle after a
 *    switch brings in such a thread while it is still pending), and a
 *    pending need_resched is delivered (resched callback).
 *  - If the current thread is in a guest, SSIP is left alone: the hardware
 *    takes it as a VM exit, and the owner (KVM) calls aia_host_handle_ipi()
 *    from its exit path (at its interrupt-enable window). That clears SSIP
 *    and delivers a pending need_resched (resched callback, from a
 *    same-cycle scheduler event, not from inside this call). */
AIA_API int aia_host_handle_ipi(aia_host *host, uint32_t hart);

/* ----------------------------------------------------------- forcing --
 * For tests that must place a scheduler action inside a window of a few
 * cycles. Both act at cycle `when` (>= now) in phase AIA_PH_SCHED; a second
 * call for the same thread (or hart) replaces the first. */

/* Moves `t` to `hart` at `when`:
 *  - running (switch done): it is asked to reschedule at once and moves when
 *    it gives the hart up (a body that yields in its resched callback moves
 *    on that cycle); sched_out reason AIA_SCHED_MIGRATE;
 *  - being switched in: the switch is abandoned (no sched_in happened, so no
 *    sched_out either) and it moves as a runnable thread;
 *  - runnable: moved to the tail of `hart`'s queue;
 *  - sleeping: its last hart becomes `hart`, so a wake looks there first.
 * A moved thread lands on the tail of the target's queue; an idle target is
 * woken by a reschedule IPI from the hart it left. Reported as
 * AIA_EV_THREAD_MIGRATE. No-op if it is already there. AIA_EINVAL if the
 * affinity does not allow `hart` (checked again when it fires: no-op then). */
AIA_API int aia_host_force_migrate(aia_host *host, aia_thread *t, uint32_t hart,
                                   aia_cycle when);

/* Sets need_resched on `hart` at `when` (reason AIA_SCHED_FORCED): its
 * current thread is asked to reschedule. Nothing happens on an idle hart;
 * a thread alone on its hart keeps running (aia_thread_preempt_point). */
AIA_API int aia_host_force_preempt(aia_host *host, uint32_t hart, aia_cycle when);

/* ------------------------------------------------------ noise threads -- */

typedef enum aia_noise_dist {
  AIA_NOISE_FIXED = 0,   /* every period is exactly the mean */
  AIA_NOISE_UNIFORM = 1, /* uniform in [mean/2, mean + mean/2] */
  AIA_NOISE_EXP = 2      /* exponential with that mean */
} aia_noise_dist;

typedef struct aia_noise_config {
  size_t struct_size;       /* set by aia_noise_config_init() */
  aia_cycle busy;           /* CPU time per busy period (only time on a hart counts);
                               default 1,000,000; >= 1 */
  aia_cycle idle;           /* sleep between busy periods; default 1,000,000 */
  uint32_t dist;            /* aia_noise_dist for both; default FIXED */
  uint64_t stream;          /* PRNG stream of aia_sim_rng(); 0 (default) = derived
                               from the thread id */
  aia_cycle start;          /* cycle of its first wake; default 0 */
  aia_cycle until;          /* no wake after this cycle; 0 = never stops */
  uint32_t hart;            /* initial last hart, as aia_thread_config.hart */
  const uint64_t *affinity; /* as aia_thread_config; NULL = all */
  uint32_t affinity_harts;
  int32_t nice;             /* as aia_thread_config; default 0 */
} aia_noise_config;

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_noise_config_init(aia_noise_config *cfg);

/* Creates a noise thread: it alternates busy periods (on a hart) and sleeps
 * (a timer wakes it, from no hart), and gives the hart up at once when asked
 * to reschedule. Its records have vm = AIA_NONE. AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_noise_create(aia_host *host, const aia_noise_config *cfg, aia_thread **out);

/* -------------------------------------------------------------- stats -- */

typedef struct aia_host_stats {
  size_t struct_size;        /* set by the caller to sizeof(aia_host_stats) */
  uint64_t ctx_switches;     /* sched-ins (threads switched in) */
  uint64_t sleeps;           /* sched-outs with reason SLEEP */
  uint64_t preemptions;      /* sched-outs with any other reason */
  uint64_t wakes;            /* aia_thread_wake calls that returned true */
  uint64_t wake_noops;       /* ... that returned false */
  uint64_t migrations;       /* AIA_EV_THREAD_MIGRATE records */
  uint64_t balance_pulls;    /* threads moved by the balancer */
  uint64_t resched_ipis;     /* reschedule IPIs sent by the scheduler */
  uint64_t idle_entries;     /* WFI entered by the scheduler */
  uint64_t wakeup_preemptions; /* wakes that set need_resched on the woken thread's hart */
  uint64_t newidle_pulls;    /* threads pulled by a hart going idle (fair policies) */
  uint64_t ticks;            /* scheduler ticks handled (busy harts only: nohz idle) */
  uint64_t wake_affine;      /* wakes whose target became the waker's hart */
  uint64_t delayed_dequeues; /* EEVDF sleepers left queued with negative lag */
} aia_host_stats;

/* Copies the counters (as many as fit in st->struct_size). AIA_EINVAL. */
AIA_API int aia_host_get_stats(const aia_host *host, aia_host_stats *st);

/* One thread's scheduler statistics, named and counted as Linux's
 * /proc/PID/schedstat and /proc/PID/sched count them (times in cycles). */
typedef struct aia_thread_stats {
  size_t struct_size;         /* set by the caller to sizeof(aia_thread_stats) */
  aia_cycle run_time;         /* on a hart (sched_in to sched_out; a switch under way
                                 at the time of the call counts up to now) */
  aia_cycle run_delay;        /* runnable and waiting for a hart (queued, or woken and
                                 not yet switched in) */
  uint64_t nr_switches;       /* times switched in (schedstat's third field: timeslices) */
  uint64_t nr_voluntary_switches;   /* switched out to sleep */
  uint64_t nr_involuntary_switches; /* switched out while runnable (preempted, moved) */
  uint64_t nr_migrations;     /* hart changes, whatever the cause, except the
                                 placement of its first start */
  uint64_t nr_wakeups;        /* aia_thread_wake calls that woke it, the first start
                                 excepted (Linux counts no wake-up for a new task) */
  uint64_t nr_wakeups_local;  /* ... where it ran on the waker's hart afterwards */
  uint64_t nr_wakeups_remote; /* ... on another hart */
  uint64_t nr_wakeups_affine; /* ... where wake_affine chose the waker's hart */
  uint64_t nr_wakeups_migrate;/* ... that moved it to another hart */
} aia_thread_stats;

/* Copies t's statistics (as many as fit in st->struct_size). AIA_EINVAL. */
AIA_API int aia_thread_get_stats(const aia_thread *t, aia_thread_stats *st);

AIA_END_DECLS

#endif /* AIA_HOST_H */
