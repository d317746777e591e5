/* lib/host/wake.c: waking a thread: try_to_wake_up's placement (the
 * policies' choice is in place.c and rr.c), the wakelist (TTWU_QUEUE) and
 * the activation on the chosen hart, and the schedstat wake-up counters.
 * SPDX-License-Identifier: MIT
 */
#include "host/host_impl.h"

#define SSIP_BIT (UINT64_C(1) << AIA_IRQ_SSI)

/* Activates a woken thread on rq (ttwu_do_activate, or ttwu_runnable for a
 * delayed sleeper), with preemption decided from hart `from`. */
static void activate_fair(aia_host *h, aia__rq *rq, aia_thread *t, uint32_t from)
{
  h->ctx_from = from;
  if (t->delayed) {
    aia__host_q_remove(h, rq, t);
    aia__fair_requeue_delayed(h, rq, t);
  } else {
    aia__idle_end(h, rq);
    aia__fair_enqueue(h, rq, t, AIA__ENQ_WAKE);
  }
  aia__host_q_push(h, rq, t, true);
  aia__host_after_enqueue(h, rq, t, from, true);
  h->ctx_from = AIA_NONE;
}

/* ttwu_queue_cond: the activation waits for the target's IPI when the
 * waker is another hart of another cache, or the target is idle. */
static bool use_wakelist(const aia_host *h, uint32_t from, uint32_t target)
{
  const aia__rq *rq = &h->rq[target];
  if (!aia__feat(h, AIA_SCHED_F_TTWU_QUEUE) || from == AIA_NONE || from == target)
    return false;
  if (h->rq[from].llc != rq->llc)
    return true;
  return rq->curr == NULL && rq->qlen == 0 && !rq->picking;
}

/* __ttwu_queue_wakelist: the thread waits on the target's wakelist; the
 * target is sent an IPI and activates it when it takes the IPI. */
static void queue_wakelist(aia_host *h, aia__rq *rq, aia_thread *t, uint32_t from)
{
  bool first = rq->nwl == 0;
  t->wakeq = true;
  t->wl_from = from;
  t->wl_next = NULL;
  if (rq->wl_tail)
    rq->wl_tail->wl_next = t;
  else
    rq->wl_head = t;
  rq->wl_tail = t;
  rq->nwl++;
  aia__host_upd_idle(h, rq);
  if (!first)
    return; /* the IPI is on its way */
  if (rq->curr == NULL && !rq->picking) {
    aia__host_kick_idle(h, rq, from);
    return;
  }
  if (aia_hart_mip(h->plat, rq->id) & SSIP_BIT) {
    /* Already pending: it will be taken (by the exit path of a guest, or
     * here) without a new edge. */
    if (!(rq->curr && rq->curr->on_cpu && aia__host_in_guest(rq->curr)) && !aia__ev_queued(&rq->ipi_ev))
      aia__host_at(h, &rq->ipi_ev, aia__now(h), AIA_PH_HART);
    return;
  }
  aia__host_send_ipi(h, from, rq->id);
}

/* sched_ttwu_pending: the hart took its IPI; every thread on its wakelist
 * is activated, preemption decided locally. */
void aia__host_run_wakelist(aia_host *h, aia__rq *rq)
{
  while (rq->wl_head != NULL) {
    aia_thread *t = rq->wl_head;
    rq->wl_head = t->wl_next;
    if (rq->wl_head == NULL)
      rq->wl_tail = NULL;
    rq->nwl--;
    t->wakeq = false;
    t->wl_next = NULL;
    aia__host_upd_idle(h, rq);
    if (!aia__allowed(t, rq->id)) { /* its affinity changed meanwhile */
      uint32_t to = aia__host_fallback_hart(h, t);
      if (t->delayed)
        aia__host_undelay(h, t);
      aia__host_emit(h, AIA_EV_THREAD_WAKE, to, t, (uint64_t)AIA_WAKE_FALLBACK);
      aia__host_move_hart(h, t, to, AIA_MIGRATE_AFFINITY);
      activate_fair(h, &h->rq[to], t, rq->id);
      continue;
    }
    activate_fair(h, rq, t, rq->id);
  }
}

/* try_to_wake_up for the fair policies: a delayed sleeper is requeued
 * where it is (ttwu_runnable); any other goes where select_task_rq_fair
 * says. Either is activated at once, or on the target's wakelist. A first
 * start (wake_up_new_task) is placed by the fork balance and activated
 * where it lands, with no wakelist. */
static void place_fair(aia_host *h, aia_thread *t, uint32_t from)
{
  bool fork = !t->placed_once && aia__feat(h, AIA_SCHED_F_FORK_BALANCE);
  uint32_t target;
  aia_wake_placement how = AIA_WAKE_FORK;
  aia__rq *rq;

  t->interruptible = false;
  t->migrate_to = AIA_NONE;
  aia__pelt_update_thread(h, t, false);
  if (t->delayed) {
    rq = &h->rq[t->hart];
    aia__host_emit(h, AIA_EV_THREAD_WAKE, rq->id, t, (uint64_t)AIA_WAKE_REQUEUE);
  } else {
    if (fork) {
      target = aia__select_task_rq_fork(h, t);
    } else {
      h->ctx_from = from;
      target = aia__select_task_rq(h, t, from, &how);
      h->ctx_from = AIA_NONE;
    }
    rq = &h->rq[target];
    aia__host_emit(h, AIA_EV_THREAD_WAKE, target, t, (uint64_t)how);
    if (!fork && h->cfg.scheduler == AIA_SCHED_CFS && target != t->hart)
      t->vruntime = t->vruntime - h->rq[t->hart].min_vruntime + rq->min_vruntime;
    aia__host_move_hart(h, t, target, AIA_MIGRATE_WAKE);
  }
  if (!fork && use_wakelist(h, from, rq->id))
    queue_wakelist(h, rq, t, from);
  else
    activate_fair(h, rq, t, from);
}

/* Wake placement of a sleeping thread. */
void aia__host_place(aia_host *h, aia_thread *t, uint32_t from)
{
  uint32_t target;
  aia_wake_placement how;
  aia__rq *rq;

  if (aia__fair(h)) {
    place_fair(h, t, from);
    return;
  }
  target = aia__rr_select(h, t, &how);
  t->interruptible = false;
  t->migrate_to = AIA_NONE;
  aia__host_emit(h, AIA_EV_THREAD_WAKE, target, t, (uint64_t)how);
  aia__host_move_hart(h, t, target, AIA_MIGRATE_WAKE);
  rq = &h->rq[target];
  aia__host_q_push(h, rq, t, true);
  aia__host_after_enqueue(h, rq, t, from, true);
}

/* ------------------------------------------------------------ wake --- */

int aia_thread_wake(aia_thread *t, uint32_t from, bool *woken, aia_cycle *cost)
{
  aia_host *h;
  bool ok = false;
  uint32_t prev;
  if (woken)
    *woken = false;
  if (cost)
    *cost = 0;
  if (!aia__thread_ok(t))
    return AIA_EINVAL;
  h = t->host;
  if (from != AIA_NONE && from >= h->nharts)
    return aia__sim_fail(h->sim, AIA_ERANGE, "host: wake from hart %u (harts=%u)", from,
                         h->nharts);
  prev = t->hart;
  t->affine_wake = false;
  if (t->wakeq) {
    ok = false; /* TASK_WAKING: already woken, not active yet */
  } else if (t->state == AIA_THREAD_SLEEPING) {
    aia__host_place(h, t, from);
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
  /* The first start is wake_up_new_task, which schedstat does not count as
   * a wake-up (ttwu_stat runs in try_to_wake_up only). */
  if (ok && t->ts.nr_switches > 0) {
    uint32_t waker = from != AIA_NONE ? from : prev; /* a timer: where it slept */
    t->ts.nr_wakeups++;
    if (t->hart == waker)
      t->ts.nr_wakeups_local++;
    else
      t->ts.nr_wakeups_remote++;
    if (t->affine_wake)
      t->ts.nr_wakeups_affine++;
    if (t->hart != prev)
      t->ts.nr_wakeups_migrate++;
  }
  if (woken)
    *woken = ok;
  if (cost)
    *cost = ok ? h->cfg.sched_wake : 0;
  return h->error;
}

