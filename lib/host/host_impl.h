/* lib/host/host_impl.h: the host scheduler's private state (for lib/host and
 * white-box tests; only lib/host writes it).
 * SPDX-License-Identifier: MIT */
#ifndef AIA__HOST_IMPL_H
#define AIA__HOST_IMPL_H

#include "aiasim/host.h"
#include "core/sim_impl.h"

#define AIA__HOST_MAGIC 0x484f5354u   /* "HOST" */
#define AIA__THREAD_MAGIC 0x54485244u /* "THRD" */

struct aia_thread {
  uint32_t magic;
  uint32_t id;
  uint32_t vm;                /* record tag */
  uint32_t state;             /* aia_thread_state */
  uint32_t hart;              /* current / queued / last hart */
  uint32_t migrate_to;        /* pending move when it gives the hart up; AIA_NONE */
  uint32_t migrate_cause;     /* aia_migrate_cause of migrate_to */
  uint32_t force_target;      /* target of the pending force_ev */
  bool interruptible;         /* TASK_INTERRUPTIBLE announced, not slept yet */
  bool on_cpu;                /* current and switched in (sched_in done) */
  bool queued;                /* on a run queue */
  bool woken;                 /* in the woken section at the front of the queue */
  uint64_t *mask;             /* allowed harts (host->words words); NULL = all */
  struct aia_thread *prev, *next; /* run queue links */
  struct aia_host *host;
  aia_thread_ops ops;
  aia__ev force_ev;           /* aia_host_force_migrate */
  void *owned;                /* owned state (noise threads), released with the thread */
  void (*owned_free)(struct aia_host *h, void *owned); /* cancels its events, frees it */
};

/* One hart's run queue and scheduling state. */
typedef struct aia__rq {
  struct aia_host *host;
  uint32_t id;
  aia_thread *curr;           /* current (on_cpu, or being switched in) */
  aia_thread *head, *tail;    /* queue; the first nwoken entries are woken threads */
  aia_thread *woken_tail;     /* last woken entry, or NULL */
  uint32_t qlen, nwoken;
  uint32_t need_resched;      /* aia_sched_reason + 1; 0 = not set */
  bool notified;              /* the resched callback ran for this request */
  bool picking;               /* between a switch-out and the next pick */
  bool hw_idle;               /* we executed WFI and the hart has not woken yet */
  bool kicked;                /* a reschedule IPI to the idle hart is in flight */
  aia_cycle turn_start;       /* when curr was switched in */
  aia__ev switch_ev;          /* context switch completes */
  aia__ev slice_ev;           /* slice boundary (armed only while others wait) */
  aia__ev gran_ev;            /* wakeup granularity point (armed while woken wait) */
  aia__ev resched_ev;         /* deliver need_resched to curr */
  aia__ev ipi_ev;             /* SSIP handling, phase HART */
  aia__ev wake_ev;            /* decision after leaving WFI, phase SCHED */
  aia__ev preempt_ev;         /* aia_host_force_preempt */
} aia__rq;

struct aia_host {
  uint32_t magic;
  aia_sim *sim;
  aia_platform *plat;
  aia_host_config cfg;
  uint32_t nharts, words;     /* harts and 64-bit words of a hart mask */
  aia__rq *rq;
  uint64_t *idle;             /* bit h: rq h has nothing to run (curr, queue, picking) */
  aia_thread **threads;
  uint32_t nthreads, thread_cap;
  uint64_t queued;            /* threads on all queues (arms the balancer) */
  uint32_t *scratch;          /* nharts entries, for the balancer */
  aia__ev balance_ev;
  aia_host_stats st;
  int error;                  /* first failure inside an event (AIA_ENOMEM) */
};

/* Schedules (or re-arms) an intrusive host event; a time already past in this
 * cycle's phase order moves to the next cycle. Failures are recorded in
 * host->error and stop the simulation. */
void aia__host_at(aia_host *h, aia__ev *ev, aia_cycle when, aia_phase phase);

#endif /* AIA__HOST_IMPL_H */
