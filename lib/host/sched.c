/* lib/host/sched.c: the mechanics shared by every policy: per-hart run
 * queues, switches, the fair class hooks (fair.c), wake-ups (wake.c),
 * placement (place.c, rr.c), balancing (balance.c, rr.c), preemption requests,
 * reschedule IPIs, idle harts, the tick, forcing, and the calls a thread
 * makes.
 * SPDX-License-Identifier: MIT
 *
 * The policy is described in docs/scheduler.md. Invariants kept here:
 *  - a thread is on at most one queue, or current on at most one hart;
 *  - rq->curr is set from the moment a switch begins (the thread is RUNNING
 *    but not on_cpu) until the thread gives the hart up;
 *  - sched_out of a thread is always reported before its next sched_in,
 *    because sched_in only happens in switch_fire, an event that starts
 *    after the thread was taken off a queue, and a thread gets on a queue
 *    only after its sched_out;
 *  - the owner's callbacks run from scheduler events (never nested inside an
 *    owner call), except sched_out, which runs inside the owner's
 *    schedule()/preempt_point() as kvm_sched_out runs inside __schedule().
 */
#include <stdlib.h>
#include <string.h>

#include "host/host_impl.h"

#define SSIP_BIT (UINT64_C(1) << AIA_IRQ_SSI)

/* ---------------------------------------------------------- helpers ---- */

static aia_cycle now_of(const aia_host *h)
{
  return h->sim->now;
}

void aia__host_fail(aia_host *h, int rc)
{
  if (h->error == AIA_OK)
    h->error = rc;
  aia_sim_stop(h->sim);
}

void aia__host_at(aia_host *h, aia__ev *ev, aia_cycle when, aia_phase phase)
{
  aia_sim *sim = h->sim;
  int rc;
  if (aia__ev_queued(ev))
    aia__sim_cancel(sim, ev);
  if (when < sim->now)
    when = sim->now;
  if (when == sim->now && sim->running && (uint32_t)phase < sim->phase)
    when++;
  rc = aia__sim_at(sim, ev, when, phase);
  if (rc != AIA_OK)
    aia__host_fail(h, rc);
}

#define allowed aia__allowed

uint32_t aia__host_lowest_allowed(const aia_host *h, const aia_thread *t)
{
  if (t->mask == NULL)
    return 0;
  for (uint32_t w = 0; w < h->words; w++)
    if (t->mask[w])
      return w * 64 + aia__ctz64(t->mask[w]);
  return 0; /* unreachable: masks are never empty */
}

#define rq_is_idle aia__rq_idle

void aia__host_upd_idle(aia_host *h, const aia__rq *rq)
{
  uint64_t bit = UINT64_C(1) << (rq->id % 64);
  if (rq_is_idle(rq))
    h->idle[rq->id / 64] |= bit;
  else
    h->idle[rq->id / 64] &= ~bit;
  if (rq->qlen > 0)
    h->waiting[rq->id / 64] |= bit;
  else
    h->waiting[rq->id / 64] &= ~bit;
}

uint32_t aia__host_first_idle_allowed(const aia_host *h, const aia_thread *t)
{
  for (uint32_t w = 0; w < h->words; w++) {
    uint64_t m = h->idle[w] & aia__allowed_word(t, w);
    if (m)
      return w * 64 + aia__ctz64(m);
  }
  return AIA_NONE;
}

/* Where a thread goes when it must leave (or may not use) its hart. */
uint32_t aia__host_fallback_hart(const aia_host *h, const aia_thread *t)
{
  uint32_t i = aia__host_first_idle_allowed(h, t);
  return i != AIA_NONE ? i : aia__host_lowest_allowed(h, t);
}

bool aia__host_in_guest(const aia_thread *t)
{
  return t->ops.in_guest != NULL && t->ops.in_guest(t->ops.user, t);
}

void aia__host_send_ipi(aia_host *h, uint32_t from, uint32_t to)
{
  int rc = aia_hart_send_ipi(h->plat, from, to, 0);
  if (rc != AIA_OK)
    aia__host_fail(h, rc);
  else
    h->st.resched_ipis++;
}

/* ------------------------------------------------------- run queues ---- */

/* Links t after `prev` (NULL: at the head). */
static void q_link_after(aia__rq *rq, aia_thread *prev, aia_thread *t)
{
  t->prev = prev;
  t->next = prev ? prev->next : rq->head;
  if (t->next)
    t->next->prev = t;
  else
    rq->tail = t;
  if (prev)
    prev->next = t;
  else
    rq->head = t;
}

/* schedstat: t became runnable and waits for a hart (run_delay). */
static void start_wait(aia_host *h, aia_thread *t)
{
  if (!t->waiting) {
    t->waiting = true;
    t->wait_since = now_of(h);
  }
}

/* Puts t on rq's queue. RR: woken threads after the earlier woken ones, at
 * the front; everything else at the tail. Fair: at the tail (the order only
 * breaks ties) and into the sums. A delayed sleeper (DELAY_DEQUEUE) is
 * linked without becoming runnable. t->hart must already be rq->id. */
void aia__host_q_push(aia_host *h, aia__rq *rq, aia_thread *t, bool woken)
{
  if (aia__fair(h)) {
    q_link_after(rq, rq->tail, t);
    aia__fair_tree_add(rq, t);
    t->queued = true;
    if (t->delayed)
      return;
    t->state = AIA_THREAD_RUNNABLE;
    start_wait(h, t);
    rq->qlen++;
    h->queued++;
    aia__host_upd_idle(h, rq);
    aia__host_emit(h, AIA_EV_THREAD_ENQUEUE, rq->id, t, woken ? 1 : 0);
    return;
  }
  if (woken) {
    q_link_after(rq, rq->woken_tail, t);
    rq->woken_tail = t;
    rq->nwoken++;
  } else {
    q_link_after(rq, rq->tail, t);
  }
  t->queued = true;
  t->woken = woken;
  t->state = AIA_THREAD_RUNNABLE;
  start_wait(h, t);
  rq->qlen++;
  h->queued++;
  aia__host_upd_idle(h, rq);
  aia__host_emit(h, AIA_EV_THREAD_ENQUEUE, rq->id, t, woken ? 1 : 0);
  if (h->queued == 1)
    aia__rr_arm_balance(h);
}

void aia__host_q_remove(aia_host *h, aia__rq *rq, aia_thread *t)
{
  if (aia__fair(h))
    aia__fair_tree_sub(rq, t);
  if (t->woken) {
    /* Everything before a woken entry is woken: its prev is the new tail. */
    if (rq->woken_tail == t)
      rq->woken_tail = t->prev;
    rq->nwoken--;
  }
  if (t->prev)
    t->prev->next = t->next;
  else
    rq->head = t->next;
  if (t->next)
    t->next->prev = t->prev;
  else
    rq->tail = t->prev;
  t->prev = t->next = NULL;
  t->queued = false;
  t->woken = false;
  if (t->delayed)
    return;
  rq->qlen--;
  h->queued--;
  if (rq->qlen == 0)
    rq->contended_sent = false;
  aia__host_upd_idle(h, rq);
}

/* Changes the thread's hart and reports it when it differs. */
void aia__host_move_hart(aia_host *h, aia_thread *t, uint32_t target, uint32_t cause)
{
  uint32_t old = t->hart;
  if (old == target)
    return;
  t->hart = target;
  h->st.migrations++;
  /* schedstat: set_task_cpu counts, wake_up_new_task's placement does not. */
  if (!(cause == AIA_MIGRATE_WAKE && t->ts.nr_switches == 0))
    t->ts.nr_migrations++;
  aia__host_emit(h, AIA_EV_THREAD_MIGRATE, target, t, (uint64_t)old | ((uint64_t)cause << 32));
}

/* ------------------------------------------------------ preemption ---- */

/* Sets need_resched on rq. Local requests (from rq's own hart, a tick, or
 * no hart) are delivered by a same-cycle event; remote ones by a reschedule
 * IPI, delivered when the hart handles it. The first reason wins. */
void aia__host_resched(aia_host *h, aia__rq *rq, aia_sched_reason reason, uint32_t from)
{
  if (rq->curr == NULL || rq->need_resched)
    return;
  rq->need_resched = (uint32_t)reason + 1;
  rq->notified = false;
  if (from != AIA_NONE && from != rq->id && rq->curr->on_cpu)
    aia__host_send_ipi(h, from, rq->id);
  else
    aia__host_at(h, &rq->resched_ev, now_of(h), AIA_PH_SCHED);
}

/* Calls the current thread's resched callback, once per request. */
static void deliver_resched(aia__rq *rq)
{
  aia_thread *t = rq->curr;
  if (!rq->need_resched || rq->notified || t == NULL || !t->on_cpu)
    return;
  rq->notified = true;
  if (t->ops.resched)
    t->ops.resched(t->ops.user, t, rq->id);
}

void aia__host_kick_idle(aia_host *h, aia__rq *rq, uint32_t from)
{
  /* A hart that left WFI and has its decision pending needs no IPI; the
   * hardware's view also covers listeners that run before ours. */
  if (!rq->hw_idle || rq->kicked || !aia_hart_is_idle(h->plat, rq->id))
    return;
  rq->kicked = true;
  aia__host_send_ipi(h, from == AIA_NONE ? rq->id : from, rq->id);
}

/* The current thread is no longer alone on rq: tell it (halt polling). */
static void note_contended(aia_host *h, aia__rq *rq)
{
  if (rq->curr == NULL || rq->qlen == 0 || rq->contended_sent || rq->curr->ops.contended == NULL)
    return;
  if (!aia__ev_queued(&rq->contend_ev))
    aia__host_at(h, &rq->contend_ev, now_of(h), AIA_PH_SCHED);
}

/* After t was queued on rq from hart `from`. */
void aia__host_after_enqueue(aia_host *h, aia__rq *rq, aia_thread *t, uint32_t from, bool woken)
{
  if (rq->curr == NULL) {
    if (!rq->picking)
      aia__host_kick_idle(h, rq, from);
    return;
  }
  note_contended(h, rq);
  if (aia__fair(h)) {
    /* wakeup_preempt: for wake-ups and moves alike (attach_task). */
    if (aia__fair_wakeup_preempt(h, rq, t)) {
      h->st.wakeup_preemptions++;
      aia__host_resched(h, rq, AIA_SCHED_WAKEUP, from);
    }
    return;
  }
  if (!rq->curr->on_cpu)
    return; /* switch_fire looks at the queue */
  aia__rr_arm_slice(h, rq);
  if (woken)
    aia__rr_check_wakeup(h, rq, from);
}

/* ---------------------------------------------------------- switches --- */

static void go_idle(aia_host *h, aia__rq *rq)
{
  int rc;
  rq->curr = NULL;
  aia__host_upd_idle(h, rq);
  if (rq->hw_idle)
    return;
  rq->hw_idle = true;
  rq->kicked = false;
  h->st.idle_entries++;
  rc = aia_hart_wfi(h->plat, rq->id);
  if (rc != AIA_OK)
    aia__host_fail(h, rc);
}

/* A delayed sleeper leaves its queue for good (before it is moved while
 * asleep: force_migrate, affinity). */
void aia__host_undelay(aia_host *h, aia_thread *t)
{
  if (!t->delayed)
    return;
  aia__host_q_remove(h, &h->rq[t->hart], t);
  aia__fair_finish_delayed(h, &h->rq[t->hart], t);
}

/* Fair accounting of runnable t, off every queue and not curr, as it moves
 * from hart `from` to hart `to` (dequeue there, enqueue here). */
static void fair_move(aia_host *h, aia_thread *t, uint32_t from, uint32_t to)
{
  aia__rq *a = &h->rq[from], *b = &h->rq[to];
  if (!aia__fair(h) || from == to)
    return;
  (void)aia__fair_dequeue(h, a, t, false);
  if (h->cfg.scheduler == AIA_SCHED_CFS) /* vruntime relative to min_vruntime */
    t->vruntime = t->vruntime - a->min_vruntime + b->min_vruntime;
  aia__fair_enqueue(h, b, t, AIA__ENQ_MIGRATED);
}

static void arm_tick(aia_host *h, aia__rq *rq)
{
  aia_cycle p = h->tick;
  if (!aia__fair(h) || p == 0 || aia__ev_queued(&rq->tick_ev))
    return;
  /* Ticks of all harts on one grid, as jiffies are. */
  aia__host_at(h, &rq->tick_ev, (now_of(h) / p + 1) * p, AIA_PH_SCHED);
}

static void start_switch(aia_host *h, aia__rq *rq, aia_thread *t)
{
  aia__host_q_remove(h, rq, t);
  /* schedstat: picked; the switch is charged to it, as to the next task */
  if (t->waiting) {
    t->ts.run_delay += now_of(h) - t->wait_since;
    t->waiting = false;
  }
  t->in_since = now_of(h);
  t->ts.nr_switches++;
  t->state = AIA_THREAD_RUNNING;
  t->on_cpu = false;
  rq->curr = t;
  rq->contended_sent = false;
  if (aia__fair(h)) {
    aia__fair_set_next(h, rq, t);
    arm_tick(h, rq);
  }
  aia__host_upd_idle(h, rq);
  aia__host_at(h, &rq->switch_ev, now_of(h) + h->cfg.ctx_switch, AIA_PH_SCHED);
}

/* The fair pick; delayed sleepers it picks leave the queue on the way. */
static aia_thread *fair_pick(aia_host *h, aia__rq *rq)
{
  for (;;) {
    aia_thread *t = aia__fair_pick(h, rq);
    if (t == NULL || !t->delayed)
      return t;
    aia__host_q_remove(h, rq, t);
    aia__fair_finish_delayed(h, rq, t);
  }
}

static void pick_next(aia_host *h, aia__rq *rq)
{
  aia_thread *t;
  if (rq->curr != NULL)
    return;
  if (!aia__fair(h)) {
    if (rq->head)
      start_switch(h, rq, rq->head);
    else
      go_idle(h, rq);
    return;
  }
  t = fair_pick(h, rq);
  if (t == NULL) {
    bool pulled;
    rq->picking = true;
    aia__host_upd_idle(h, rq);
    pulled = aia__newidle_balance(h, rq);
    rq->picking = false;
    aia__host_upd_idle(h, rq);
    t = pulled ? fair_pick(h, rq) : NULL;
  }
  if (t != NULL)
    start_switch(h, rq, t);
  else
    go_idle(h, rq);
}

static void switch_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, switch_ev);
  aia_host *h = rq->host;
  aia_thread *t = rq->curr;
  (void)sim;
  if (t == NULL || t->on_cpu)
    return;
  t->on_cpu = true;
  rq->turn_start = now_of(h);
  h->st.ctx_switches++;
  aia__host_emit(h, AIA_EV_SCHED_IN, rq->id, t, 0);
  if (t->ops.sched_in)
    t->ops.sched_in(t->ops.user, t, rq->id);
  if (rq->curr != t || !t->on_cpu)
    return;
  if (!aia__fair(h) && rq->qlen)
    aia__rr_arm_slice(h, rq);
  if (!aia__fair(h) && rq->nwoken)
    aia__rr_check_wakeup(h, rq, rq->id);
  note_contended(h, rq);
  if (rq->need_resched && !rq->notified)
    aia__host_at(h, &rq->resched_ev, now_of(h), AIA_PH_SCHED);
  /* An SSIP left pending for the previous (guest) thread is taken as soon
   * as this one runs with interrupts on: no new edge will announce it. */
  if ((aia_hart_mip(h->plat, rq->id) & SSIP_BIT) && !aia__ev_queued(&rq->ipi_ev))
    aia__host_at(h, &rq->ipi_ev, now_of(h), AIA_PH_HART);
  if (t->ops.run)
    t->ops.run(t->ops.user, t, rq->id);
}

/* t gives its hart up: sleeps, or stays runnable (queued on its hart, or on
 * its migration target). Reports, runs sched_out, then the hart picks. */
static void switch_out(aia_host *h, aia_thread *t, bool sleep, aia_sched_reason reason)
{
  aia__rq *rq = &h->rq[t->hart];
  uint32_t from = rq->id;

  aia__sim_cancel(h->sim, &rq->slice_ev);
  aia__sim_cancel(h->sim, &rq->gran_ev);
  aia__sim_cancel(h->sim, &rq->resched_ev);
  rq->need_resched = 0;
  rq->notified = false;
  if (aia__fair(h)) {
    if (sleep) {
      aia__pelt_update_thread(h, t, true);
      if (!aia__fair_dequeue(h, rq, t, true))
        t->delayed = true; /* linked below, still asleep */
    } else {
      aia__fair_put_prev(h, rq, t);
    }
  }
  rq->curr = NULL;
  rq->picking = true;
  aia__host_upd_idle(h, rq);
  t->on_cpu = false;
  t->ts.run_time += now_of(h) - t->in_since;
  if (sleep)
    t->ts.nr_voluntary_switches++;
  else
    t->ts.nr_involuntary_switches++;
  if (sleep) {
    t->state = AIA_THREAD_SLEEPING;
    t->interruptible = false;
    if (t->delayed)
      aia__host_q_push(h, rq, t, false);
    h->st.sleeps++;
    aia__host_emit(h, AIA_EV_THREAD_SLEEP, from, t, 0);
  } else {
    t->state = AIA_THREAD_RUNNABLE;
    h->st.preemptions++;
  }
  aia__host_emit(h, AIA_EV_SCHED_OUT, from, t, (uint64_t)reason);
  if (t->ops.sched_out)
    t->ops.sched_out(t->ops.user, t, from, reason);

  /* The callback may have woken it or changed its affinity: re-read. */
  if (t->state == AIA_THREAD_RUNNABLE && !t->queued && !t->on_cpu) {
    uint32_t target = t->migrate_to, cause = t->migrate_cause;
    if (target == AIA_NONE || !allowed(t, target)) {
      target = allowed(t, from) ? from : aia__host_fallback_hart(h, t);
      cause = AIA_MIGRATE_AFFINITY;
    }
    t->migrate_to = AIA_NONE;
    fair_move(h, t, from, target);
    aia__host_move_hart(h, t, target, cause);
    aia__host_q_push(h, &h->rq[target], t, false);
    if (target != from)
      aia__host_after_enqueue(h, &h->rq[target], t, from, false);
  } else if (t->state == AIA_THREAD_SLEEPING && t->migrate_to != AIA_NONE) {
    if (allowed(t, t->migrate_to)) {
      aia__host_undelay(h, t);
      aia__host_move_hart(h, t, t->migrate_to, t->migrate_cause);
    }
    t->migrate_to = AIA_NONE;
  }
  rq->picking = false;
  aia__host_upd_idle(h, rq);
  pick_next(h, rq);
}

/* Preemption at a preemption point (need_resched is set, or a move is due). */
static void preempt_now(aia_host *h, aia_thread *t, bool *switched)
{
  aia__rq *rq = &h->rq[t->hart];
  uint32_t target = t->migrate_to;
  aia_sched_reason reason;

  if (target != AIA_NONE && !allowed(t, target))
    target = AIA_NONE;
  if (target == AIA_NONE && !allowed(t, rq->id)) {
    target = aia__host_fallback_hart(h, t);
    t->migrate_cause = AIA_MIGRATE_AFFINITY;
  }
  if (target == rq->id)
    target = AIA_NONE;
  t->migrate_to = target;
  if (target == AIA_NONE && rq->qlen > 0 && aia__fair(h) &&
      rq->need_resched != (uint32_t)AIA_SCHED_FORCED + 1) {
    /* schedule() picks again, curr included: it may keep the hart. */
    aia__fair_update_curr(h, rq, false);
    if (fair_pick(h, rq) == t) {
      rq->need_resched = 0;
      rq->notified = false;
      aia__sim_cancel(h->sim, &rq->resched_ev);
      *switched = false;
      return;
    }
  }
  if (target == AIA_NONE && rq->qlen == 0) {
    /* Nothing else to run: keep the hart; the turn goes on. */
    rq->need_resched = 0;
    rq->notified = false;
    aia__sim_cancel(h->sim, &rq->resched_ev);
    *switched = false;
    return;
  }
  if (target != AIA_NONE)
    reason = AIA_SCHED_MIGRATE;
  else
    reason = rq->need_resched ? (aia_sched_reason)(rq->need_resched - 1) : AIA_SCHED_FORCED;
  switch_out(h, t, false, reason);
  *switched = true;
}

/* Cancels a switch that has begun but not finished: the thread never got
 * the hart (no sched_in), so it needs no sched_out. It is left RUNNABLE and
 * off every queue; the caller queues it and then calls pick_next(rq). */
static void abort_switch(aia_host *h, aia__rq *rq, aia_thread *t)
{
  aia__sim_cancel(h->sim, &rq->switch_ev);
  aia__sim_cancel(h->sim, &rq->resched_ev);
  if (aia__fair(h))
    aia__fair_put_prev(h, rq, t);
  t->ts.run_time += now_of(h) - t->in_since;
  rq->curr = NULL;
  rq->need_resched = 0;
  rq->notified = false;
  rq->picking = true;
  t->state = AIA_THREAD_RUNNABLE;
  aia__host_upd_idle(h, rq);
}

/* Moves t to `target` now, whatever its state (force_migrate, affinity). */
static void move_thread(aia_host *h, aia_thread *t, uint32_t target, uint32_t cause)
{
  aia__rq *rq = &h->rq[t->hart];
  uint32_t from = t->hart;

  if (!allowed(t, target))
    return;
  if (t->wakeq) { /* being woken: it is moved once it is active */
    t->force_target = target;
    aia__host_at(h, &t->force_ev, now_of(h) + 1, AIA_PH_SCHED);
    return;
  }
  switch (t->state) {
  case AIA_THREAD_SLEEPING:
    if (target != from)
      aia__host_undelay(h, t);
    aia__host_move_hart(h, t, target, cause);
    break;
  case AIA_THREAD_RUNNABLE:
    if (!t->queued) { /* inside its own sched_out: switch_out places it */
      t->migrate_to = target;
      t->migrate_cause = cause;
    } else if (target != from) {
      aia__host_q_remove(h, rq, t);
      fair_move(h, t, from, target);
      aia__host_move_hart(h, t, target, cause);
      aia__host_q_push(h, &h->rq[target], t, false);
      aia__host_after_enqueue(h, &h->rq[target], t, from, false);
    }
    break;
  case AIA_THREAD_RUNNING:
    if (target == from) {
      t->migrate_to = AIA_NONE;
    } else if (!t->on_cpu) {
      abort_switch(h, rq, t);
      fair_move(h, t, from, target);
      aia__host_move_hart(h, t, target, cause);
      aia__host_q_push(h, &h->rq[target], t, false);
      aia__host_after_enqueue(h, &h->rq[target], t, from, false);
      rq->picking = false;
      aia__host_upd_idle(h, rq);
      pick_next(h, rq);
    } else {
      t->migrate_to = target;
      t->migrate_cause = cause;
      aia__host_resched(h, rq, AIA_SCHED_MIGRATE, AIA_NONE);
    }
    break;
  default:
    break;
  }
}

/* ------------------------------------------------------ other events --- */

static void resched_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, resched_ev);
  (void)sim;
  deliver_resched(rq);
}

/* SSIP rose on a hart with a current thread (phase HART). */
static void ipi_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, ipi_ev);
  aia_host *h = rq->host;
  aia_thread *t = rq->curr;
  int rc;
  (void)sim;
  if (!(aia_hart_mip(h->plat, rq->id) & SSIP_BIT) || t == NULL)
    return; /* gone, or an idle hart: the WFI exit path clears it */
  if (t->on_cpu && aia__host_in_guest(t))
    return; /* the owner's exit path calls aia_host_handle_ipi() */
  rc = aia_hart_clear_ipi(h->plat, rq->id);
  if (rc != AIA_OK)
    aia__host_fail(h, rc);
  aia__host_run_wakelist(h, rq);
  deliver_resched(rq);
}

/* The hart left WFI. Runs in phase SCHED, after this cycle's interrupt
 * handlers (phase HART) had their chance to wake threads onto it. */
static void wake_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, wake_ev);
  aia_host *h = rq->host;
  (void)sim;
  rq->kicked = false;
  if (aia_hart_mip(h->plat, rq->id) & SSIP_BIT) {
    int rc = aia_hart_clear_ipi(h->plat, rq->id);
    if (rc != AIA_OK)
      aia__host_fail(h, rc);
  }
  if (rq->curr == NULL) {
    rq->picking = true; /* no IPI to itself while it activates */
    aia__host_run_wakelist(h, rq);
    rq->picking = false;
    aia__host_upd_idle(h, rq);
  }
  pick_next(h, rq);
}

/* The scheduler tick of a busy hart (nohz: idle harts do not tick). */
static void tick_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, tick_ev);
  aia_host *h = rq->host;
  (void)sim;
  if (rq->curr == NULL)
    return;
  h->st.ticks++;
  aia__fair_tick(h, rq);
  aia__periodic_balance(h, rq);
  arm_tick(h, rq);
}

static void contend_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, contend_ev);
  aia_thread *t = rq->curr;
  (void)sim;
  if (t == NULL || !t->on_cpu || rq->qlen == 0 || rq->contended_sent)
    return;
  rq->contended_sent = true;
  if (t->ops.contended)
    t->ops.contended(t->ops.user, t, rq->id);
}

void aia__host_pull(aia_host *h, aia_thread *t, uint32_t dst, uint32_t cause)
{
  uint32_t src = t->hart;
  aia__host_q_remove(h, &h->rq[src], t);
  fair_move(h, t, src, dst);
  aia__host_move_hart(h, t, dst, cause);
  aia__host_q_push(h, &h->rq[dst], t, false);
  if (cause == AIA_MIGRATE_BALANCE)
    h->st.balance_pulls++;
  aia__host_after_enqueue(h, &h->rq[dst], t, src, false);
}

static void preempt_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, preempt_ev);
  (void)sim;
  if (rq->curr)
    aia__host_resched(rq->host, rq, AIA_SCHED_FORCED, AIA_NONE);
}

static void force_fire(aia_sim *sim, aia__ev *ev)
{
  aia_thread *t = AIA__CONTAINER_OF(ev, aia_thread, force_ev);
  (void)sim;
  move_thread(t->host, t, t->force_target, AIA_MIGRATE_FORCED);
}

/* Platform listener: SSIP changes and WFI exits. Only arms events. */
static void on_irq(void *user, uint32_t hart, bool woke)
{
  aia_host *h = user;
  aia__rq *rq;
  if (h->magic != AIA__HOST_MAGIC || hart >= h->nharts)
    return;
  rq = &h->rq[hart];
  if (woke) {
    if (!rq->hw_idle)
      return;
    rq->hw_idle = false;
    aia__host_at(h, &rq->wake_ev, now_of(h), AIA_PH_SCHED);
    return;
  }
  if (rq->curr != NULL && !aia__ev_queued(&rq->ipi_ev) &&
      (aia_hart_mip(h->plat, hart) & SSIP_BIT))
    aia__host_at(h, &rq->ipi_ev, now_of(h), AIA_PH_HART);
}

/* ------------------------------------------------------------- setup --- */

void aia__host_init_events(aia_host *h)
{
  for (uint32_t i = 0; i < h->nharts; i++) {
    aia__rq *rq = &h->rq[i];
    aia__ev_init(&rq->switch_ev, switch_fire);
    aia__ev_init(&rq->slice_ev, aia__rr_slice_fire);
    aia__ev_init(&rq->gran_ev, aia__rr_gran_fire);
    aia__ev_init(&rq->resched_ev, resched_fire);
    aia__ev_init(&rq->ipi_ev, ipi_fire);
    aia__ev_init(&rq->wake_ev, wake_fire);
    aia__ev_init(&rq->preempt_ev, preempt_fire);
    aia__ev_init(&rq->tick_ev, tick_fire);
    aia__ev_init(&rq->contend_ev, contend_fire);
    aia__host_upd_idle(h, rq);
  }
  aia__ev_init(&h->balance_ev, aia__rr_balance_fire);
}

void aia__thread_init_events(aia_thread *t)
{
  aia__ev_init(&t->force_ev, force_fire);
}

int aia__host_start(aia_host *h)
{
  int rc = aia_platform_listen(h->plat, on_irq, h);
  if (rc != AIA_OK)
    return rc;
  for (uint32_t i = 0; i < h->nharts; i++)
    go_idle(h, &h->rq[i]);
  return AIA_OK;
}

int aia_thread_set_affinity(aia_thread *t, const uint64_t *affinity, uint32_t affinity_harts)
{
  aia_host *h;
  uint64_t *m;
  int rc;
  if (!aia__thread_ok(t))
    return AIA_EINVAL;
  h = t->host;
  rc = aia__host_build_mask(h, affinity, affinity_harts, &m);
  if (rc != AIA_OK)
    return rc;
  free(t->mask);
  t->mask = m;
  if (t->migrate_to != AIA_NONE && !allowed(t, t->migrate_to))
    t->migrate_to = AIA_NONE;
  /* A sleeping thread keeps its last hart: its wake resolves it. */
  if (allowed(t, t->hart))
    return AIA_OK;
  if (t->state == AIA_THREAD_SLEEPING) {
    aia__host_undelay(h, t);
    return h->error;
  }
  move_thread(h, t, aia__host_fallback_hart(h, t), AIA_MIGRATE_AFFINITY);
  return h->error;
}

/* ------------------------------------------------ thread-side calls ---- */

static int on_cpu_check(const aia_thread *t, const char *what)
{
  if (!aia__thread_ok(t))
    return AIA_EINVAL;
  if (!t->on_cpu)
    return aia__sim_fail(t->host->sim, AIA_ESTATE, "host: %s: thread %u is not on a hart", what,
                         t->id);
  return AIA_OK;
}

int aia_thread_set_interruptible(aia_thread *t)
{
  int rc = on_cpu_check(t, "set_interruptible");
  if (rc == AIA_OK)
    t->interruptible = true;
  return rc;
}

int aia_thread_set_running(aia_thread *t)
{
  int rc = on_cpu_check(t, "set_running");
  if (rc == AIA_OK)
    t->interruptible = false;
  return rc;
}

int aia_thread_schedule(aia_thread *t, bool *switched)
{
  bool sw = false;
  int rc = on_cpu_check(t, "schedule");
  if (switched)
    *switched = false;
  if (rc != AIA_OK)
    return rc;
  if (t->interruptible) {
    switch_out(t->host, t, true, AIA_SCHED_SLEEP);
    sw = true;
  } else if (t->host->rq[t->hart].need_resched || t->migrate_to != AIA_NONE) {
    preempt_now(t->host, t, &sw);
  }
  if (switched)
    *switched = sw;
  return t->host->error;
}

int aia_thread_preempt_point(aia_thread *t, bool *switched)
{
  bool sw = false;
  int rc = on_cpu_check(t, "preempt_point");
  if (switched)
    *switched = false;
  if (rc != AIA_OK)
    return rc;
  if (t->host->rq[t->hart].need_resched || t->migrate_to != AIA_NONE)
    preempt_now(t->host, t, &sw);
  if (switched)
    *switched = sw;
  return t->host->error;
}

/* ------------------------------------------------------------ harts ---- */

static int hart_check(const aia_host *host, uint32_t hart)
{
  if (!aia__host_ok(host))
    return AIA_EINVAL;
  if (hart >= host->nharts)
    return aia__sim_fail(host->sim, AIA_ERANGE, "host: hart %u out of range (harts=%u)", hart,
                         host->nharts);
  return AIA_OK;
}

aia_thread *aia_host_current(const aia_host *host, uint32_t hart)
{
  return aia__host_ok(host) && hart < host->nharts ? host->rq[hart].curr : NULL;
}

uint32_t aia_host_queue_len(const aia_host *host, uint32_t hart)
{
  return aia__host_ok(host) && hart < host->nharts ? host->rq[hart].qlen : 0;
}

bool aia_host_hart_is_idle(const aia_host *host, uint32_t hart)
{
  return aia__host_ok(host) && hart < host->nharts && rq_is_idle(&host->rq[hart]);
}

bool aia_host_need_resched(const aia_host *host, uint32_t hart)
{
  return aia__host_ok(host) && hart < host->nharts && host->rq[hart].need_resched != 0;
}

int aia_host_handle_ipi(aia_host *host, uint32_t hart)
{
  aia__rq *rq;
  int rc = hart_check(host, hart);
  if (rc != AIA_OK)
    return rc;
  rq = &host->rq[hart];
  rc = aia_hart_clear_ipi(host->plat, hart);
  if (rc != AIA_OK)
    return rc;
  aia__host_run_wakelist(host, rq);
  if (rq->need_resched && !rq->notified)
    aia__host_at(host, &rq->resched_ev, now_of(host), AIA_PH_SCHED);
  return host->error;
}

int aia_host_force_migrate(aia_host *host, aia_thread *t, uint32_t hart, aia_cycle when)
{
  int rc = hart_check(host, hart);
  if (rc != AIA_OK)
    return rc;
  if (!aia__thread_ok(t) || t->host != host)
    return AIA_EINVAL;
  if (!allowed(t, hart))
    return aia__sim_fail(host->sim, AIA_EINVAL, "host: thread %u may not run on hart %u", t->id,
                         hart);
  if (when < now_of(host))
    return aia__sim_fail(host->sim, AIA_ERANGE, "host: force_migrate at %llu is in the past",
                         (unsigned long long)when);
  t->force_target = hart;
  aia__host_at(host, &t->force_ev, when, AIA_PH_SCHED);
  return host->error;
}

int aia_host_force_preempt(aia_host *host, uint32_t hart, aia_cycle when)
{
  int rc = hart_check(host, hart);
  if (rc != AIA_OK)
    return rc;
  if (when < now_of(host))
    return aia__sim_fail(host->sim, AIA_ERANGE, "host: force_preempt at %llu is in the past",
                         (unsigned long long)when);
  aia__host_at(host, &host->rq[hart].preempt_ev, when, AIA_PH_SCHED);
  return host->error;
}
