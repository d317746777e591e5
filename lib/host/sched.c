/* lib/host/sched.c: per-hart run queues, switches, wake placement,
 * preemption requests, reschedule IPIs, idle harts, balancing, forcing.
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

void aia__host_emit(aia_host *h, uint32_t kind, uint32_t hart, const aia_thread *t, uint64_t arg)
{
  aia_event ev;
  aia_event_init(&ev, kind);
  ev.hart = hart;
  ev.vm = t->vm;
  ev.vcpu = t->id;
  ev.arg = arg;
  aia_sim_emit(h->sim, &ev);
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

static void upd_idle(aia_host *h, const aia__rq *rq)
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
    uint64_t m = h->idle[w] & (t->mask ? t->mask[w] : ~UINT64_C(0));
    if (m)
      return w * 64 + aia__ctz64(m);
  }
  return AIA_NONE;
}

/* Where a thread goes when it must leave (or may not use) its hart. */
static uint32_t fallback_hart(const aia_host *h, const aia_thread *t)
{
  uint32_t i = aia__host_first_idle_allowed(h, t);
  return i != AIA_NONE ? i : aia__host_lowest_allowed(h, t);
}

static bool in_guest(const aia_thread *t)
{
  return t->ops.in_guest != NULL && t->ops.in_guest(t->ops.user, t);
}

static void send_ipi(aia_host *h, uint32_t from, uint32_t to)
{
  int rc = aia_hart_send_ipi(h->plat, from, to, 0);
  if (rc != AIA_OK)
    aia__host_fail(h, rc);
  else
    h->st.resched_ipis++;
}

/* ------------------------------------------------------- run queues ---- */

static void arm_balance(aia_host *h)
{
  aia_cycle iv = h->cfg.balance_interval;
  if (iv == 0 || aia__ev_queued(&h->balance_ev))
    return;
  /* On a fixed grid, so the phase does not depend on when queues filled. */
  aia__host_at(h, &h->balance_ev, (now_of(h) / iv + 1) * iv, AIA_PH_SCHED);
}

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

/* Puts t on rq's queue. RR: woken threads after the earlier woken ones, at
 * the front; everything else at the tail. Fair: at the tail (the order only
 * breaks ties) and into the sums. A delayed sleeper (DELAY_DEQUEUE) is
 * linked without becoming runnable. t->hart must already be rq->id. */
static void q_push(aia_host *h, aia__rq *rq, aia_thread *t, bool woken)
{
  if (aia__fair(h)) {
    q_link_after(rq, rq->tail, t);
    aia__fair_tree_add(rq, t);
    t->queued = true;
    if (t->delayed)
      return;
    t->state = AIA_THREAD_RUNNABLE;
    rq->qlen++;
    h->queued++;
    upd_idle(h, rq);
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
  rq->qlen++;
  h->queued++;
  upd_idle(h, rq);
  aia__host_emit(h, AIA_EV_THREAD_ENQUEUE, rq->id, t, woken ? 1 : 0);
  if (h->queued == 1)
    arm_balance(h);
}

static void q_remove(aia_host *h, aia__rq *rq, aia_thread *t)
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
  upd_idle(h, rq);
}

/* Changes the thread's hart and reports it when it differs. */
static void move_hart(aia_host *h, aia_thread *t, uint32_t target, uint32_t cause)
{
  uint32_t old = t->hart;
  if (old == target)
    return;
  t->hart = target;
  h->st.migrations++;
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
    send_ipi(h, from, rq->id);
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

/* Arms the slice event at the next slice boundary of the current turn (at
 * least one slice after it began), when someone waits. */
static void arm_slice(aia_host *h, aia__rq *rq)
{
  aia_cycle s = h->cfg.slice, ran, k;
  if (aia__ev_queued(&rq->slice_ev))
    return;
  ran = now_of(h) - rq->turn_start;
  k = ran == 0 ? 1 : (ran + s - 1) / s;
  aia__host_at(h, &rq->slice_ev, rq->turn_start + k * s, AIA_PH_SCHED);
}

/* A woken thread waits on rq: preempt now if the current thread has run
 * wakeup_granularity cycles in its turn, else when it will have. */
static void check_wakeup(aia_host *h, aia__rq *rq, uint32_t from)
{
  aia_cycle g = h->cfg.wakeup_granularity;
  if (now_of(h) - rq->turn_start >= g)
    aia__host_resched(h, rq, AIA_SCHED_WAKEUP, from);
  else if (!aia__ev_queued(&rq->gran_ev))
    aia__host_at(h, &rq->gran_ev, rq->turn_start + g, AIA_PH_SCHED);
}

static void kick_idle(aia_host *h, aia__rq *rq, uint32_t from)
{
  /* A hart that left WFI and has its decision pending needs no IPI; the
   * hardware's view also covers listeners that run before ours. */
  if (!rq->hw_idle || rq->kicked || !aia_hart_is_idle(h->plat, rq->id))
    return;
  rq->kicked = true;
  send_ipi(h, from == AIA_NONE ? rq->id : from, rq->id);
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
static void after_enqueue(aia_host *h, aia__rq *rq, aia_thread *t, uint32_t from, bool woken)
{
  if (rq->curr == NULL) {
    if (!rq->picking)
      kick_idle(h, rq, from);
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
  arm_slice(h, rq);
  if (woken)
    check_wakeup(h, rq, from);
}

/* ---------------------------------------------------------- switches --- */

static void go_idle(aia_host *h, aia__rq *rq)
{
  int rc;
  rq->curr = NULL;
  upd_idle(h, rq);
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
static void undelay(aia_host *h, aia_thread *t)
{
  if (!t->delayed)
    return;
  q_remove(h, &h->rq[t->hart], t);
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
  q_remove(h, rq, t);
  t->state = AIA_THREAD_RUNNING;
  t->on_cpu = false;
  rq->curr = t;
  rq->contended_sent = false;
  if (aia__fair(h)) {
    aia__fair_set_next(h, rq, t);
    arm_tick(h, rq);
  }
  upd_idle(h, rq);
  aia__host_at(h, &rq->switch_ev, now_of(h) + h->cfg.ctx_switch, AIA_PH_SCHED);
}

/* The fair pick; delayed sleepers it picks leave the queue on the way. */
static aia_thread *fair_pick(aia_host *h, aia__rq *rq)
{
  for (;;) {
    aia_thread *t = aia__fair_pick(h, rq);
    if (t == NULL || !t->delayed)
      return t;
    q_remove(h, rq, t);
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
    upd_idle(h, rq);
    pulled = aia__newidle_balance(h, rq);
    rq->picking = false;
    upd_idle(h, rq);
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
    arm_slice(h, rq);
  if (!aia__fair(h) && rq->nwoken)
    check_wakeup(h, rq, rq->id);
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
  upd_idle(h, rq);
  t->on_cpu = false;
  if (sleep) {
    t->state = AIA_THREAD_SLEEPING;
    t->interruptible = false;
    if (t->delayed)
      q_push(h, rq, t, false);
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
      target = allowed(t, from) ? from : fallback_hart(h, t);
      cause = AIA_MIGRATE_AFFINITY;
    }
    t->migrate_to = AIA_NONE;
    fair_move(h, t, from, target);
    move_hart(h, t, target, cause);
    q_push(h, &h->rq[target], t, false);
    if (target != from)
      after_enqueue(h, &h->rq[target], t, from, false);
  } else if (t->state == AIA_THREAD_SLEEPING && t->migrate_to != AIA_NONE) {
    if (allowed(t, t->migrate_to)) {
      undelay(h, t);
      move_hart(h, t, t->migrate_to, t->migrate_cause);
    }
    t->migrate_to = AIA_NONE;
  }
  rq->picking = false;
  upd_idle(h, rq);
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
    target = fallback_hart(h, t);
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
  rq->curr = NULL;
  rq->need_resched = 0;
  rq->notified = false;
  rq->picking = true;
  t->state = AIA_THREAD_RUNNABLE;
  upd_idle(h, rq);
}

/* Moves t to `target` now, whatever its state (force_migrate, affinity). */
static void move_thread(aia_host *h, aia_thread *t, uint32_t target, uint32_t cause)
{
  aia__rq *rq = &h->rq[t->hart];
  uint32_t from = t->hart;

  if (!allowed(t, target))
    return;
  switch (t->state) {
  case AIA_THREAD_SLEEPING:
    if (target != from)
      undelay(h, t);
    move_hart(h, t, target, cause);
    break;
  case AIA_THREAD_RUNNABLE:
    if (!t->queued) { /* inside its own sched_out: switch_out places it */
      t->migrate_to = target;
      t->migrate_cause = cause;
    } else if (target != from) {
      q_remove(h, rq, t);
      fair_move(h, t, from, target);
      move_hart(h, t, target, cause);
      q_push(h, &h->rq[target], t, false);
      after_enqueue(h, &h->rq[target], t, from, false);
    }
    break;
  case AIA_THREAD_RUNNING:
    if (target == from) {
      t->migrate_to = AIA_NONE;
    } else if (!t->on_cpu) {
      abort_switch(h, rq, t);
      fair_move(h, t, from, target);
      move_hart(h, t, target, cause);
      q_push(h, &h->rq[target], t, false);
      after_enqueue(h, &h->rq[target], t, from, false);
      rq->picking = false;
      upd_idle(h, rq);
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

/* try_to_wake_up for the fair policies: a delayed sleeper is requeued
 * where it is (ttwu_runnable); any other goes where select_task_rq_fair
 * says. */
static void place_fair(aia_host *h, aia_thread *t, uint32_t from)
{
  uint32_t target;
  aia_wake_placement how;
  aia__rq *rq;

  t->interruptible = false;
  t->migrate_to = AIA_NONE;
  aia__pelt_update_thread(h, t, false);
  if (t->delayed) {
    rq = &h->rq[t->hart];
    q_remove(h, rq, t);
    aia__fair_requeue_delayed(h, rq, t);
    aia__host_emit(h, AIA_EV_THREAD_WAKE, rq->id, t, (uint64_t)AIA_WAKE_REQUEUE);
    q_push(h, rq, t, true);
    after_enqueue(h, rq, t, from, true);
    return;
  }
  target = aia__select_task_rq(h, t, from, &how);
  rq = &h->rq[target];
  aia__host_emit(h, AIA_EV_THREAD_WAKE, target, t, (uint64_t)how);
  if (h->cfg.scheduler == AIA_SCHED_CFS && target != t->hart)
    t->vruntime = t->vruntime - h->rq[t->hart].min_vruntime + rq->min_vruntime;
  move_hart(h, t, target, AIA_MIGRATE_WAKE);
  aia__idle_end(h, rq);
  aia__fair_enqueue(h, rq, t, AIA__ENQ_WAKE);
  q_push(h, rq, t, true);
  after_enqueue(h, rq, t, from, true);
}

/* Wake placement of a sleeping thread. */
static void place(aia_host *h, aia_thread *t, uint32_t from)
{
  uint32_t last = t->hart, target;
  aia_wake_placement how;
  aia__rq *rq;

  if (aia__fair(h)) {
    place_fair(h, t, from);
    return;
  }
  if (allowed(t, last) && rq_is_idle(&h->rq[last])) {
    target = last;
    how = AIA_WAKE_LAST_IDLE;
  } else if ((target = aia__host_first_idle_allowed(h, t)) != AIA_NONE) {
    how = AIA_WAKE_OTHER_IDLE;
  } else if (allowed(t, last)) {
    target = last;
    how = AIA_WAKE_LAST_QUEUE;
  } else {
    target = aia__host_lowest_allowed(h, t);
    how = AIA_WAKE_OTHER_QUEUE;
  }
  t->interruptible = false;
  t->migrate_to = AIA_NONE;
  aia__host_emit(h, AIA_EV_THREAD_WAKE, target, t, (uint64_t)how);
  move_hart(h, t, target, AIA_MIGRATE_WAKE);
  rq = &h->rq[target];
  q_push(h, rq, t, true);
  after_enqueue(h, rq, t, from, true);
}

/* ------------------------------------------------------ other events --- */

static void slice_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, slice_ev);
  (void)sim;
  if (rq->curr && rq->curr->on_cpu && rq->qlen > 0)
    aia__host_resched(rq->host, rq, AIA_SCHED_SLICE, rq->id);
}

static void gran_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, gran_ev);
  (void)sim;
  if (rq->curr && rq->curr->on_cpu && rq->nwoken > 0)
    aia__host_resched(rq->host, rq, AIA_SCHED_WAKEUP, rq->id);
}

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
  if (t->on_cpu && in_guest(t))
    return; /* the owner's exit path calls aia_host_handle_ipi() */
  rc = aia_hart_clear_ipi(h->plat, rq->id);
  if (rc != AIA_OK)
    aia__host_fail(h, rc);
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
  q_remove(h, &h->rq[src], t);
  fair_move(h, t, src, dst);
  move_hart(h, t, dst, cause);
  q_push(h, &h->rq[dst], t, false);
  if (cause == AIA_MIGRATE_BALANCE)
    h->st.balance_pulls++;
  after_enqueue(h, &h->rq[dst], t, src, false);
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

/* Pulls one thread onto idle hart dst from the busiest queue (most waiting
 * threads, lowest hart on ties) whose hart is running something; the thread
 * nearest the tail that may run on dst. */
static bool pull_to(aia_host *h, uint32_t dst, uint32_t *src_list, uint32_t nsrc)
{
  uint32_t best = AIA_NONE, best_len = 0;
  aia_thread *pick = NULL;
  for (uint32_t i = 0; i < nsrc; i++) {
    aia__rq *s = &h->rq[src_list[i]];
    if (s->qlen <= best_len || s->curr == NULL)
      continue;
    for (aia_thread *t = s->tail; t; t = t->prev) {
      if (allowed(t, dst)) {
        best = s->id;
        best_len = s->qlen;
        pick = t;
        break;
      }
    }
  }
  if (pick == NULL)
    return false;
  q_remove(h, &h->rq[best], pick);
  move_hart(h, pick, dst, AIA_MIGRATE_BALANCE);
  q_push(h, &h->rq[dst], pick, false);
  h->st.balance_pulls++;
  after_enqueue(h, &h->rq[dst], pick, best, false);
  return true;
}

static void balance_fire(aia_sim *sim, aia__ev *ev)
{
  aia_host *h = AIA__CONTAINER_OF(ev, aia_host, balance_ev);
  uint32_t nsrc = 0;
  (void)sim;
  for (uint32_t i = 0; i < h->nharts; i++)
    if (h->rq[i].qlen > 0 && h->rq[i].curr != NULL)
      h->scratch[nsrc++] = i;
  for (uint32_t w = 0; w < h->words && nsrc > 0; w++) {
    uint64_t m = h->idle[w];
    while (m) {
      uint32_t dst = w * 64 + aia__ctz64(m);
      m &= m - 1;
      if ((h->idle[w] >> (dst % 64)) & 1u)
        (void)pull_to(h, dst, h->scratch, nsrc);
    }
  }
  if (h->queued > 0)
    arm_balance(h);
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

/* --------------------------------------------------------- lifecycle --- */

void aia_host_config_init(aia_host_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->slice = 3000000u;
  cfg->wakeup_granularity = 1000000u;
  cfg->ctx_switch = 2000u;
  cfg->sched_wake = 1000u;
  cfg->balance_interval = 4000000u;
  cfg->scheduler = AIA_SCHED_EEVDF;
  cfg->hz = 250;
  cfg->base_slice = 700000u;
  cfg->sched_latency = 6000000u;
  cfg->min_granularity = 750000u;
  cfg->migration_cost = 500000u;
  cfg->features = AIA_SCHED_F_DEFAULT;
  cfg->llc = NULL;
}

static const char feature_names[][24] = {
  "PLACE_LAG", "RUN_TO_PARITY", "PREEMPT_SHORT", "PLACE_DEADLINE_INITIAL",
  "PLACE_REL_DEADLINE", "DELAY_DEQUEUE", "GENTLE_FAIR_SLEEPERS", "WAKEUP_PREEMPTION",
  "WA_IDLE", "WA_WEIGHT", "WA_BIAS", "SIS", "NEWIDLE", "PERIODIC_BALANCE",
};

const char *aia_sched_feature_name(uint64_t bit)
{
  for (unsigned i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++)
    if (bit == UINT64_C(1) << i)
      return feature_names[i];
  return NULL;
}

/* Queued events must be cancelled before their memory goes: the engine's
 * queue still points at them until aia_sim_destroy frees it. */
static void thread_free(aia_host *h, aia_thread *t)
{
  if (t == NULL)
    return;
  aia__sim_cancel(h->sim, &t->force_ev);
  if (t->owned_free)
    t->owned_free(h, t->owned);
  t->magic = 0;
  free(t->mask);
  free(t);
}

static void host_destroy(void *obj)
{
  aia_host *h = obj;
  for (uint32_t i = 0; h->rq && i < h->nharts; i++) {
    aia__rq *rq = &h->rq[i];
    aia__ev *evs[] = { &rq->switch_ev, &rq->slice_ev,  &rq->gran_ev,   &rq->resched_ev,
                       &rq->ipi_ev,    &rq->wake_ev,   &rq->preempt_ev, &rq->tick_ev,
                       &rq->contend_ev };
    for (size_t k = 0; k < sizeof evs / sizeof evs[0]; k++)
      aia__sim_cancel(h->sim, evs[k]);
  }
  aia__sim_cancel(h->sim, &h->balance_ev);
  for (uint32_t i = 0; i < h->nthreads; i++)
    thread_free(h, h->threads[i]);
  free(h->threads);
  free(h->rq);
  free(h->idle);
  free(h->waiting);
  free(h->scratch);
  free(h->llc_mask);
  h->magic = 0;
  free(h);
}

static bool host_ok(const aia_host *h)
{
  return h != NULL && h->magic == AIA__HOST_MAGIC;
}

static bool thread_ok(const aia_thread *t)
{
  return t != NULL && t->magic == AIA__THREAD_MAGIC && host_ok(t->host);
}

int aia_host_create(aia_sim *sim, aia_platform *plat, const aia_host_config *cfg,
                    aia_host **out)
{
  aia_host_config c;
  aia_platform_config pc;
  aia_host *h;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (!aia__sim_ok(sim) || plat == NULL)
    return AIA_EINVAL;
  if (aia_platform_sim(plat) != sim)
    return aia__sim_fail(sim, AIA_EINVAL, "host: the platform belongs to another simulation");
  aia_host_config_init(&c);
  if (cfg != NULL) {
    if (cfg->struct_size < offsetof(aia_host_config, slice) + sizeof(aia_cycle))
      return aia__sim_fail(sim, AIA_EINVAL, "host: config struct_size %zu too small",
                           cfg->struct_size);
    memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
    c.struct_size = sizeof c;
  }
  if (c.slice == 0)
    return aia__sim_fail(sim, AIA_EINVAL, "host: slice 0: must be at least 1 cycle");
  if (c.scheduler > AIA_SCHED_RR)
    return aia__sim_fail(sim, AIA_EINVAL, "host: scheduler %u: must be 0 (eevdf), 1 (cfs) or 2 (rr)",
                         c.scheduler);
  if (c.base_slice == 0 || c.sched_latency == 0 || c.min_granularity == 0)
    return aia__sim_fail(sim, AIA_EINVAL,
                         "host: base_slice, sched_latency and min_granularity must be at least 1 cycle");
  if (c.base_slice > UINT64_C(1) << 40 || c.sched_latency > UINT64_C(1) << 40 ||
      c.min_granularity > UINT64_C(1) << 40 || c.wakeup_granularity > UINT64_C(1) << 40 ||
      c.migration_cost > UINT64_C(1) << 40)
    return aia__sim_fail(sim, AIA_EINVAL, "host: a scheduler duration is above 2^40 cycles");
  if (c.hz > aia_sim_clock_hz(sim))
    return aia__sim_fail(sim, AIA_EINVAL, "host: hz %u is above the clock (%llu Hz)", c.hz,
                         (unsigned long long)aia_sim_clock_hz(sim));
  if (c.features & ~AIA_SCHED_F_DEFAULT)
    return aia__sim_fail(sim, AIA_EINVAL, "host: unknown feature bits 0x%llx",
                         (unsigned long long)(c.features & ~AIA_SCHED_F_DEFAULT));
  aia_platform_config_init(&pc);
  aia_platform_get_config(plat, &pc);
  if (pc.harts == 0)
    return aia__sim_fail(sim, AIA_EINVAL, "host: the platform has no harts");

  h = calloc(1, sizeof *h);
  if (h == NULL)
    return AIA_ENOMEM;
  h->sim = sim;
  h->plat = plat;
  h->cfg = c;
  h->nharts = pc.harts;
  h->words = (pc.harts + 63) / 64;
  h->rq = calloc(h->nharts, sizeof *h->rq);
  h->idle = calloc(h->words, sizeof *h->idle);
  h->waiting = calloc(h->words, sizeof *h->waiting);
  h->scratch = calloc(h->nharts, sizeof *h->scratch);
  if (h->rq == NULL || h->idle == NULL || h->waiting == NULL || h->scratch == NULL) {
    host_destroy(h);
    return AIA_ENOMEM;
  }
  /* LLC groups: renumbered densely in order of first appearance. */
  h->nllc = 1;
  if (c.llc != NULL) {
    uint32_t *map = malloc(h->nharts * sizeof *map);
    if (map == NULL) {
      host_destroy(h);
      return AIA_ENOMEM;
    }
    for (uint32_t i = 0; i < h->nharts; i++)
      map[i] = AIA_NONE;
    h->nllc = 0;
    for (uint32_t i = 0; i < h->nharts; i++) {
      uint32_t g = c.llc[i];
      if (g >= h->nharts) {
        free(map);
        host_destroy(h);
        return aia__sim_fail(sim, AIA_EINVAL,
                             "host: llc[%u] = %u: group numbers must be below harts (%u)", i, g,
                             pc.harts);
      }
      if (map[g] == AIA_NONE)
        map[g] = h->nllc++;
      h->rq[i].llc = map[g];
    }
    free(map);
  }
  h->llc_mask = calloc((size_t)h->nllc * h->words, sizeof *h->llc_mask);
  if (h->llc_mask == NULL) {
    host_destroy(h);
    return AIA_ENOMEM;
  }
  for (uint32_t i = 0; i < h->nharts; i++)
    h->llc_mask[(size_t)h->rq[i].llc * h->words + i / 64] |= UINT64_C(1) << (i % 64);
  h->cfg.llc = NULL; /* not kept: the caller's array */
  aia__fair_init(h);
  for (uint32_t i = 0; i < h->nharts; i++) {
    aia__rq *rq = &h->rq[i];
    rq->host = h;
    rq->id = i;
    aia__ev_init(&rq->switch_ev, switch_fire);
    aia__ev_init(&rq->slice_ev, slice_fire);
    aia__ev_init(&rq->gran_ev, gran_fire);
    aia__ev_init(&rq->resched_ev, resched_fire);
    aia__ev_init(&rq->ipi_ev, ipi_fire);
    aia__ev_init(&rq->wake_ev, wake_fire);
    aia__ev_init(&rq->preempt_ev, preempt_fire);
    aia__ev_init(&rq->tick_ev, tick_fire);
    aia__ev_init(&rq->contend_ev, contend_fire);
    aia__balance_init(h, rq);
    upd_idle(h, rq);
  }
  aia__ev_init(&h->balance_ev, balance_fire);
  h->magic = AIA__HOST_MAGIC;
  rc = aia__sim_attach(sim, h, host_destroy);
  if (rc != AIA_OK) {
    host_destroy(h);
    return rc;
  }
  rc = aia_platform_listen(plat, on_irq, h);
  if (rc != AIA_OK) {
    h->magic = 0; /* freed with the sim; never handed out */
    return rc;
  }
  for (uint32_t i = 0; i < h->nharts; i++)
    go_idle(h, &h->rq[i]);
  if (h->error != AIA_OK) {
    h->magic = 0;
    return h->error;
  }
  *out = h;
  return AIA_OK;
}

void aia_host_get_config(const aia_host *host, aia_host_config *cfg)
{
  if (cfg == NULL)
    return;
  if (!host_ok(host)) {
    aia_host_config_init(cfg);
    return;
  }
  *cfg = host->cfg;
}

aia_sim *aia_host_sim(const aia_host *host)
{
  return host_ok(host) ? host->sim : NULL;
}

aia_platform *aia_host_platform(const aia_host *host)
{
  return host_ok(host) ? host->plat : NULL;
}

uint32_t aia_host_harts(const aia_host *host)
{
  return host_ok(host) ? host->nharts : 0;
}

int aia_host_get_stats(const aia_host *host, aia_host_stats *st)
{
  aia_host_stats tmp;
  if (!host_ok(host) || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  tmp = host->st;
  tmp.struct_size = st->struct_size;
  memcpy(st, &tmp, st->struct_size < sizeof tmp ? st->struct_size : sizeof tmp);
  return AIA_OK;
}

/* ----------------------------------------------------------- threads --- */

void aia_thread_ops_init(aia_thread_ops *ops)
{
  if (ops == NULL)
    return;
  memset(ops, 0, sizeof *ops);
  ops->struct_size = sizeof *ops;
}

void aia_thread_config_init(aia_thread_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->vm = AIA_NONE;
}

/* A mask of h->words words from the caller's encoding; *out NULL = all.
 * AIA_EINVAL if it allows no hart of this platform. */
static int build_mask(aia_host *h, const uint64_t *aff, uint32_t nbits, uint64_t **out)
{
  uint64_t *m, any = 0;
  uint32_t n;
  *out = NULL;
  if (aff == NULL)
    return AIA_OK;
  m = calloc(h->words, sizeof *m);
  if (m == NULL)
    return AIA_ENOMEM;
  n = nbits < h->nharts ? nbits : h->nharts;
  for (uint32_t w = 0; w * 64 < n; w++) {
    uint64_t v = aff[w];
    if (n - w * 64 < 64)
      v &= (UINT64_C(1) << (n - w * 64)) - 1;
    m[w] = v;
    any |= v;
  }
  if (!any) {
    free(m);
    return aia__sim_fail(h->sim, AIA_EINVAL, "host: affinity allows no hart (harts=%u)",
                         h->nharts);
  }
  *out = m;
  return AIA_OK;
}

int aia_thread_create(aia_host *host, const aia_thread_config *cfg, const aia_thread_ops *ops,
                      aia_thread **out)
{
  aia_thread_config c;
  aia_thread *t;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (!host_ok(host))
    return AIA_EINVAL;
  aia_thread_config_init(&c);
  if (cfg != NULL) {
    if (cfg->struct_size < offsetof(aia_thread_config, hart) + sizeof(uint32_t))
      return aia__sim_fail(host->sim, AIA_EINVAL, "host: thread config struct_size too small");
    memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  }
  if (c.hart >= host->nharts)
    return aia__sim_fail(host->sim, AIA_EINVAL, "host: thread hart %u out of range (harts=%u)",
                         c.hart, host->nharts);
  if (c.nice < -20 || c.nice > 19)
    return aia__sim_fail(host->sim, AIA_EINVAL, "host: nice %d: must be -20..19", (int)c.nice);
  if (c.slice > UINT64_C(1) << 40)
    return aia__sim_fail(host->sim, AIA_EINVAL, "host: slice %llu is above 2^40 cycles",
                         (unsigned long long)c.slice);
  if (ops != NULL && ops->struct_size < offsetof(aia_thread_ops, user) + sizeof(void *))
    return aia__sim_fail(host->sim, AIA_EINVAL, "host: thread ops struct_size too small");
  if (host->nthreads == host->thread_cap) {
    uint32_t cap = host->thread_cap ? host->thread_cap * 2 : 16;
    aia_thread **a = realloc(host->threads, cap * sizeof *a);
    if (a == NULL)
      return AIA_ENOMEM;
    host->threads = a;
    host->thread_cap = cap;
  }
  t = calloc(1, sizeof *t);
  if (t == NULL)
    return AIA_ENOMEM;
  rc = build_mask(host, c.affinity, c.affinity_harts, &t->mask);
  if (rc != AIA_OK) {
    free(t);
    return rc;
  }
  aia_thread_ops_init(&t->ops);
  if (ops != NULL) {
    memcpy(&t->ops, ops, ops->struct_size < sizeof t->ops ? ops->struct_size : sizeof t->ops);
    t->ops.struct_size = sizeof t->ops;
  }
  t->magic = AIA__THREAD_MAGIC;
  t->host = host;
  t->id = host->nthreads;
  t->vm = c.vm;
  t->state = AIA_THREAD_SLEEPING;
  t->hart = allowed(t, c.hart) ? c.hart : aia__host_lowest_allowed(host, t);
  t->migrate_to = AIA_NONE;
  t->force_target = AIA_NONE;
  t->weight = aia__nice_weight(c.nice);
  t->custom_slice = c.slice != 0;
  t->slice = c.slice ? c.slice : host->base_slice;
  t->recent_hart = AIA_NONE;
  aia__ev_init(&t->force_ev, force_fire);
  host->threads[host->nthreads++] = t;
  *out = t;
  return AIA_OK;
}

uint32_t aia_thread_id(const aia_thread *t)
{
  return thread_ok(t) ? t->id : AIA_NONE;
}

aia_thread *aia_host_thread(const aia_host *host, uint32_t id)
{
  return host_ok(host) && id < host->nthreads ? host->threads[id] : NULL;
}

uint32_t aia_host_thread_count(const aia_host *host)
{
  return host_ok(host) ? host->nthreads : 0;
}

aia_thread_state aia_thread_get_state(const aia_thread *t)
{
  return thread_ok(t) ? (aia_thread_state)t->state : AIA_THREAD_SLEEPING;
}

uint32_t aia_thread_hart(const aia_thread *t)
{
  return thread_ok(t) ? t->hart : AIA_NONE;
}

bool aia_thread_is_interruptible(const aia_thread *t)
{
  return thread_ok(t) && t->interruptible;
}

bool aia_thread_is_on_cpu(const aia_thread *t)
{
  return thread_ok(t) && t->on_cpu;
}

bool aia_thread_may_run_on(const aia_thread *t, uint32_t hart)
{
  return thread_ok(t) && hart < t->host->nharts && allowed(t, hart);
}

int aia_thread_set_affinity(aia_thread *t, const uint64_t *affinity, uint32_t affinity_harts)
{
  aia_host *h;
  uint64_t *m;
  int rc;
  if (!thread_ok(t))
    return AIA_EINVAL;
  h = t->host;
  rc = build_mask(h, affinity, affinity_harts, &m);
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
    undelay(h, t);
    return h->error;
  }
  move_thread(h, t, fallback_hart(h, t), AIA_MIGRATE_AFFINITY);
  return h->error;
}

/* ------------------------------------------------ thread-side calls ---- */

static int on_cpu_check(const aia_thread *t, const char *what)
{
  if (!thread_ok(t))
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

int aia_thread_wake(aia_thread *t, uint32_t from, bool *woken, aia_cycle *cost)
{
  aia_host *h;
  bool ok = false;
  if (woken)
    *woken = false;
  if (cost)
    *cost = 0;
  if (!thread_ok(t))
    return AIA_EINVAL;
  h = t->host;
  if (from != AIA_NONE && from >= h->nharts)
    return aia__sim_fail(h->sim, AIA_ERANGE, "host: wake from hart %u (harts=%u)", from,
                         h->nharts);
  if (t->state == AIA_THREAD_SLEEPING) {
    place(h, t, from);
    ok = true;
  } else if (t->interruptible) {
    t->interruptible = false;
    aia__host_emit(h, AIA_EV_THREAD_WAKE, t->hart, t, AIA_WAKE_NOT_SLEPT);
    ok = true;
  }
  if (ok)
    h->st.wakes++;
  else
    h->st.wake_noops++;
  if (woken)
    *woken = ok;
  if (cost)
    *cost = ok ? h->cfg.sched_wake : 0;
  return h->error;
}

/* ------------------------------------------------------------ harts ---- */

static int hart_check(const aia_host *host, uint32_t hart)
{
  if (!host_ok(host))
    return AIA_EINVAL;
  if (hart >= host->nharts)
    return aia__sim_fail(host->sim, AIA_ERANGE, "host: hart %u out of range (harts=%u)", hart,
                         host->nharts);
  return AIA_OK;
}

aia_thread *aia_host_current(const aia_host *host, uint32_t hart)
{
  return host_ok(host) && hart < host->nharts ? host->rq[hart].curr : NULL;
}

uint32_t aia_host_queue_len(const aia_host *host, uint32_t hart)
{
  return host_ok(host) && hart < host->nharts ? host->rq[hart].qlen : 0;
}

bool aia_host_hart_is_idle(const aia_host *host, uint32_t hart)
{
  return host_ok(host) && hart < host->nharts && rq_is_idle(&host->rq[hart]);
}

bool aia_host_need_resched(const aia_host *host, uint32_t hart)
{
  return host_ok(host) && hart < host->nharts && host->rq[hart].need_resched != 0;
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
  if (rq->need_resched && !rq->notified)
    aia__host_at(host, &rq->resched_ev, now_of(host), AIA_PH_SCHED);
  return host->error;
}

int aia_host_force_migrate(aia_host *host, aia_thread *t, uint32_t hart, aia_cycle when)
{
  int rc = hart_check(host, hart);
  if (rc != AIA_OK)
    return rc;
  if (!thread_ok(t) || t->host != host)
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
