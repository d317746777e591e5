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
  /* Fair class (fair.c). vruntime and deadline are in the virtual time of
   * the run queue of t->hart; vlag is kept while off every queue. */
  uint32_t weight;            /* from nice */
  aia_cycle slice;            /* request (EEVDF); custom_slice: set by the owner */
  bool custom_slice;
  bool placed_once;           /* first placement done (ENQUEUE_INITIAL before) */
  bool rel_deadline;          /* deadline holds deadline - vruntime (PLACE_REL_DEADLINE) */
  bool delayed;               /* EEVDF DELAY_DEQUEUE: asleep but still on t->hart's queue */
  bool fair_curr;             /* rq->curr of the fair accounting (not in the sums) */
  bool wakeq;                 /* woken, on t->hart's wakelist until its IPI is taken */
  struct aia_thread *wl_next; /* wakelist link */
  uint32_t wl_from;           /* the waker's hart */
  uint64_t vruntime, deadline, vprot;
  int64_t vlag;
  aia_cycle exec_start;       /* when it last started running (cache-hot rule) */
  aia_cycle sum_exec, prev_sum_exec;
  uint32_t recent_hart;       /* p->recent_used_cpu */
  uint64_t load_avg;          /* PELT-style load average (weight units << 10) */
  aia_cycle load_upd;         /* last update of load_avg, on the period grid */
  aia_thread_stats ts;         /* schedstat (aia_thread_get_stats) */
  aia_cycle in_since;         /* when it was last switched in */
  aia_cycle wait_since;       /* when it became runnable and waiting */
  bool waiting;               /* counting run_delay */
  bool affine_wake;           /* this wake-up's wake_affine chose the waker's hart */
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
  /* Fair class (fair.c): the queue list holds the entities of the tree;
   * rq->curr is accounted apart, as cfs_rq->curr. */
  uint64_t min_vruntime;      /* CFS placement base; EEVDF: base of the keys */
  int64_t avg_vruntime;       /* sum over queued entities of (vruntime - min_vruntime) * w */
  int64_t avg_load;           /* sum of their weights */
  uint64_t load;              /* weights of queued entities and curr (and delayed ones) */
  uint32_t nr_running;        /* queued + curr (+ delayed) */
  uint32_t ndelayed;          /* delayed entities on the queue */
  bool contended_sent;        /* the current thread was told it is not alone */
  aia_thread *wl_head, *wl_tail; /* wakelist: woken threads waiting for this hart's IPI */
  uint32_t nwl;
  aia__ev tick_ev;            /* scheduler tick (armed while the hart is busy) */
  aia__ev contend_ev;         /* tells curr another thread is runnable here */
  /* Balancing (balance.c) and wake placement (place.c). */
  uint32_t llc;               /* last-level-cache group */
  aia_cycle avg_idle;         /* rq->avg_idle */
  aia_cycle idle_stamp;       /* when it went idle; 0 = not idle since */
  bool idle_stamped;
  aia_cycle next_balance[2];  /* per domain level: LLC, system */
  aia_cycle balance_iv[2];    /* current interval per level (doubles on failure) */
  uint32_t balance_failed[2]; /* sd->nr_balance_failed */
  uint64_t load_avg;          /* PELT-style load of the hart (weight units << 10) */
  aia_cycle load_upd;
} aia__rq;

struct aia_host {
  uint32_t magic;
  aia_sim *sim;
  aia_platform *plat;
  aia_host_config cfg;
  uint32_t nharts, words;     /* harts and 64-bit words of a hart mask */
  aia__rq *rq;
  uint64_t *idle;             /* bit h: rq h has nothing to run (curr, queue, picking) */
  uint64_t *waiting;          /* bit h: rq h has runnable threads queued (qlen > 0) */
  aia_thread **threads;
  uint32_t nthreads, thread_cap;
  uint64_t queued;            /* threads on all queues (arms the balancer) */
  uint32_t *scratch;          /* nharts entries, for the balancer */
  aia__ev balance_ev;
  aia_host_stats st;
  /* Fair class, scaled for the number of harts (1 + ilog2(min(harts, 8))). */
  aia_cycle base_slice, sched_latency, min_gran, wakeup_gran, tick;
  uint32_t factor;
  uint32_t ctx_from;          /* hart whose code is acting (a remote waker), else AIA_NONE:
                                 a resched it causes on another hart travels as an IPI */
  uint64_t *llc_mask;         /* nllc bitmaps of `words` words: the harts of each group */
  uint32_t nllc;
  aia_cycle pelt_period;      /* 1024 us in cycles */
  int error;                  /* first failure inside an event (AIA_ENOMEM) */
};

/* Schedules (or re-arms) an intrusive host event; a time already past in this
 * cycle's phase order moves to the next cycle. Failures are recorded in
 * host->error and stop the simulation. */
void aia__host_at(aia_host *h, aia__ev *ev, aia_cycle when, aia_phase phase);

/* ---- shared between host.c, sched.c, fair.c, place.c and balance.c ---- */

static inline bool aia__host_ok(const aia_host *h)
{
  return h != NULL && h->magic == AIA__HOST_MAGIC;
}
static inline bool aia__thread_ok(const aia_thread *t)
{
  return t != NULL && t->magic == AIA__THREAD_MAGIC && aia__host_ok(t->host);
}
/* sched.c: the events of every run queue, of a thread; the listener and
 * the first WFI of every hart. */
void aia__host_init_events(aia_host *h);
void aia__thread_init_events(aia_thread *t);
int aia__host_start(aia_host *h);
/* host.c: an affinity mask of the host's width (*out NULL = all harts). */
int aia__host_build_mask(aia_host *h, const uint64_t *aff, uint32_t nbits, uint64_t **out);

static inline bool aia__fair(const aia_host *h)
{
  return h->cfg.scheduler != AIA_SCHED_RR;
}
static inline bool aia__feat(const aia_host *h, uint64_t f)
{
  return (h->cfg.features & f) != 0;
}
static inline bool aia__allowed(const aia_thread *t, uint32_t hart)
{
  return t->mask == NULL || ((t->mask[hart / 64] >> (hart % 64)) & 1u);
}
/* Word w of the harts t may run on. */
static inline uint64_t aia__allowed_word(const aia_thread *t, uint32_t w)
{
  return t->mask ? t->mask[w] : ~UINT64_C(0);
}
static inline bool aia__rq_idle(const aia__rq *rq)
{
  return rq->curr == NULL && rq->qlen == 0 && !rq->picking && rq->nwl == 0;
}
static inline unsigned aia__ctz64(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctzll(v);
#else
  unsigned n = 0;
  while (!(v & 1u)) {
    v >>= 1;
    n++;
  }
  return n;
#endif
}
/* The harts of last-level-cache group g, of hart's group, and how many. */
static inline const uint64_t *aia__llc_group_span(const aia_host *h, uint32_t g)
{
  return &h->llc_mask[(size_t)g * h->words];
}
static inline const uint64_t *aia__llc_span(const aia_host *h, uint32_t hart)
{
  return aia__llc_group_span(h, h->rq[hart].llc);
}
static inline uint32_t aia__llc_weight(const aia_host *h, uint32_t hart)
{
  const uint64_t *span = aia__llc_span(h, hart);
  uint32_t n = 0;
  for (uint32_t w = 0; w < h->words; w++)
    for (uint64_t m = span[w]; m; m &= m - 1)
      n++;
  return n;
}
static inline aia_cycle aia__now(const aia_host *h)
{
  return h->sim->now;
}

/* A record of the scheduler's about thread t on `hart` (inline, as KVM's). */
static inline void aia__host_emit(aia_host *h, uint32_t kind, uint32_t hart, const aia_thread *t,
                                  uint64_t arg)
{
  aia__sim_record(h->sim, kind, hart, t->vm, t->id, AIA_NONE, 0, 0, arg);
}
void aia__host_fail(aia_host *h, int rc);
/* Sets need_resched on rq (reason), through a reschedule IPI when `from`
 * is another hart. */
void aia__host_resched(aia_host *h, aia__rq *rq, aia_sched_reason reason, uint32_t from);
/* Moves a queued thread from its queue to dst's (cause), with the records
 * and the IPI an idle dst needs. */
void aia__host_pull(aia_host *h, aia_thread *t, uint32_t dst, uint32_t cause);
uint32_t aia__host_lowest_allowed(const aia_host *h, const aia_thread *t);
uint32_t aia__host_first_idle_allowed(const aia_host *h, const aia_thread *t);

/* sched.c: run-queue mechanics the wake path (wake.c) shares. */
void aia__host_upd_idle(aia_host *h, const aia__rq *rq);
/* Where a thread goes when it must leave (or may not use) its hart. */
uint32_t aia__host_fallback_hart(const aia_host *h, const aia_thread *t);
bool aia__host_in_guest(const aia_thread *t);
void aia__host_send_ipi(aia_host *h, uint32_t from, uint32_t to);
/* Puts t on rq's queue (t->hart must be rq->id) / takes it off. */
void aia__host_q_push(aia_host *h, aia__rq *rq, aia_thread *t, bool woken);
void aia__host_q_remove(aia_host *h, aia__rq *rq, aia_thread *t);
/* Changes t's hart (cause: aia_migrate_cause) and reports it. */
void aia__host_move_hart(aia_host *h, aia_thread *t, uint32_t target, uint32_t cause);
/* Wakes an idle hart in WFI with a reschedule IPI from `from`. */
void aia__host_kick_idle(aia_host *h, aia__rq *rq, uint32_t from);
/* After t was queued on rq: preemption of rq's current, or an idle kick. */
void aia__host_after_enqueue(aia_host *h, aia__rq *rq, aia_thread *t, uint32_t from, bool woken);
/* Ends a DELAY_DEQUEUE sleeper's stay on its queue. */
void aia__host_undelay(aia_host *h, aia_thread *t);

/* wake.c: wake placement of a sleeping thread (try_to_wake_up), and the
 * activation of a hart's wakelist when it takes its IPI. */
void aia__host_place(aia_host *h, aia_thread *t, uint32_t from);
void aia__host_run_wakelist(aia_host *h, aia__rq *rq);

/* fair.c: EEVDF and CFS accounting (kernel/sched/fair.c). */
uint32_t aia__nice_weight(int32_t nice);
void aia__fair_init(aia_host *h);
void aia__fair_update_curr(aia_host *h, aia__rq *rq, bool check);
void aia__fair_tree_add(aia__rq *rq, aia_thread *t);
void aia__fair_tree_sub(aia__rq *rq, aia_thread *t);
/* enqueue_entity: joins rq's load; flags: placement of a wake / a move. */
enum { AIA__ENQ_WAKE = 1, AIA__ENQ_MIGRATED = 2, AIA__ENQ_REQUEUE = 4 };
void aia__fair_enqueue(aia_host *h, aia__rq *rq, aia_thread *t, unsigned flags);
/* dequeue_entity: leaves rq's load (t is curr or already off the tree).
 * Returns false when DELAY_DEQUEUE keeps a sleeper queued instead. */
bool aia__fair_dequeue(aia_host *h, aia__rq *rq, aia_thread *t, bool sleep);
aia_thread *aia__fair_pick(aia_host *h, aia__rq *rq);
void aia__fair_set_next(aia_host *h, aia__rq *rq, aia_thread *t);
void aia__fair_put_prev(aia_host *h, aia__rq *rq, aia_thread *t);
bool aia__fair_wakeup_preempt(aia_host *h, aia__rq *rq, aia_thread *t);
void aia__fair_tick(aia_host *h, aia__rq *rq);
void aia__pelt_update_rq(aia_host *h, aia__rq *rq);
void aia__pelt_update_thread(aia_host *h, aia_thread *t, bool runnable);
/* DELAY_DEQUEUE: the delayed sleeper t leaves its queue for good. */
void aia__fair_finish_delayed(aia_host *h, aia__rq *rq, aia_thread *t);
/* A woken delayed sleeper is runnable again where it is (requeue). */
void aia__fair_requeue_delayed(aia_host *h, aia__rq *rq, aia_thread *t);

/* rr.c: the round-robin policy. */
uint32_t aia__rr_select(aia_host *h, const aia_thread *t, aia_wake_placement *how);
void aia__rr_arm_balance(aia_host *h);
void aia__rr_arm_slice(aia_host *h, aia__rq *rq);
void aia__rr_check_wakeup(aia_host *h, aia__rq *rq, uint32_t from);
void aia__rr_slice_fire(aia_sim *sim, aia__ev *ev);
void aia__rr_gran_fire(aia_sim *sim, aia__ev *ev);
void aia__rr_balance_fire(aia_sim *sim, aia__ev *ev);

/* place.c: select_task_rq_fair. Returns the hart and the placement kind. */
uint32_t aia__select_task_rq(aia_host *h, aia_thread *t, uint32_t waker,
                             aia_wake_placement *how);
/* place.c: select_task_rq_fair for a new thread (WF_FORK): the idlest
 * allowed hart, from t->hart (the hart of its creator). */
uint32_t aia__select_task_rq_fork(aia_host *h, const aia_thread *t);

/* balance.c: newidle, periodic and nohz idle balancing. */
bool aia__newidle_balance(aia_host *h, aia__rq *rq);
void aia__periodic_balance(aia_host *h, aia__rq *rq);
void aia__balance_init(aia_host *h, aia__rq *rq);
/* A thread was queued on an idle rq: avg_idle learns the idle time. */
void aia__idle_end(aia_host *h, aia__rq *rq);

#endif /* AIA__HOST_IMPL_H */
