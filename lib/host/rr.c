/* lib/host/rr.c: aiasim's own round-robin policy (host.scheduler: rr):
 * fixed slices, a woken section at the front of each queue (sched.c), a
 * wakeup granularity measured in the current thread's turn, wake placement
 * "last hart if idle, else the lowest idle hart, else the last hart's
 * queue", and an idle pull on a fixed grid. Exact and easy to predict, for
 * tests that place a preemption by hand; not Linux.
 * SPDX-License-Identifier: MIT */
#include "host/host_impl.h"

/* The RR wake placement; *how says which rule chose. */
uint32_t aia__rr_select(aia_host *h, const aia_thread *t, aia_wake_placement *how)
{
  uint32_t last = t->hart, target;
  if (aia__allowed(t, last) && aia__rq_idle(&h->rq[last])) {
    target = last;
    *how = AIA_WAKE_LAST_IDLE;
  } else if ((target = aia__host_first_idle_allowed(h, t)) != AIA_NONE) {
    *how = AIA_WAKE_OTHER_IDLE;
  } else if (aia__allowed(t, last)) {
    target = last;
    *how = AIA_WAKE_LAST_QUEUE;
  } else {
    target = aia__host_lowest_allowed(h, t);
    *how = AIA_WAKE_OTHER_QUEUE;
  }
  return target;
}

void aia__rr_arm_balance(aia_host *h)
{
  aia_cycle iv = h->cfg.balance_interval;
  if (iv == 0 || aia__ev_queued(&h->balance_ev))
    return;
  /* On a fixed grid, so the phase does not depend on when queues filled. */
  aia__host_at(h, &h->balance_ev, (aia__now(h) / iv + 1) * iv, AIA_PH_SCHED);
}

/* Arms the slice event at the next slice boundary of the current turn (at
 * least one slice after it began), when someone waits. */
void aia__rr_arm_slice(aia_host *h, aia__rq *rq)
{
  aia_cycle s = h->cfg.slice, ran, k;
  if (aia__ev_queued(&rq->slice_ev))
    return;
  ran = aia__now(h) - rq->turn_start;
  k = ran == 0 ? 1 : (ran + s - 1) / s;
  aia__host_at(h, &rq->slice_ev, rq->turn_start + k * s, AIA_PH_SCHED);
}

/* A woken thread waits on rq: preempt now if the current thread has run
 * wakeup_granularity cycles in its turn, else when it will have. */
void aia__rr_check_wakeup(aia_host *h, aia__rq *rq, uint32_t from)
{
  aia_cycle g = h->cfg.wakeup_granularity;
  if (aia__now(h) - rq->turn_start >= g)
    aia__host_resched(h, rq, AIA_SCHED_WAKEUP, from);
  else if (!aia__ev_queued(&rq->gran_ev))
    aia__host_at(h, &rq->gran_ev, rq->turn_start + g, AIA_PH_SCHED);
}

void aia__rr_slice_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, slice_ev);
  (void)sim;
  if (rq->curr && rq->curr->on_cpu && rq->qlen > 0)
    aia__host_resched(rq->host, rq, AIA_SCHED_SLICE, rq->id);
}

void aia__rr_gran_fire(aia_sim *sim, aia__ev *ev)
{
  aia__rq *rq = AIA__CONTAINER_OF(ev, aia__rq, gran_ev);
  (void)sim;
  if (rq->curr && rq->curr->on_cpu && rq->nwoken > 0)
    aia__host_resched(rq->host, rq, AIA_SCHED_WAKEUP, rq->id);
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
      if (aia__allowed(t, dst)) {
        best = s->id;
        best_len = s->qlen;
        pick = t;
        break;
      }
    }
  }
  if (pick == NULL)
    return false;
  (void)best;
  aia__host_pull(h, pick, dst, AIA_MIGRATE_BALANCE);
  return true;
}

void aia__rr_balance_fire(aia_sim *sim, aia__ev *ev)
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
    aia__rr_arm_balance(h);
}

