/* lib/host/fair.c: the fair class, EEVDF (Linux 6.6 and later) and CFS (up
 * to 6.5): weights, virtual runtime, lag, virtual deadlines, eligibility,
 * placement on wake-up and on a move, picking, wakeup preemption, the tick,
 * DELAY_DEQUEUE, and a PELT-style load average for wake_affine.
 * SPDX-License-Identifier: MIT
 *
 * Each function names the kernel/sched/fair.c function it mirrors. The
 * queue of a hart is a list (sched.c), not a tree: picking scans it, which
 * is cheap at the few threads a hart holds in the scenarios aiasim runs and
 * keeps the order of equal keys (first queued, first picked) as the kernel's
 * tree does. The sums that make eligibility O(1) are kept as the kernel
 * keeps them (avg_vruntime, avg_load, relative to min_vruntime).
 */
#include "host/host_impl.h"

#define NICE0 1024u

/* The kernel's nice-to-weight table (sched_prio_to_weight): 1024 at nice 0,
 * each step about 1.25x. */
static const uint32_t prio_to_weight[40] = {
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
  9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
  1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
  110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

uint32_t aia__nice_weight(int32_t nice)
{
  if (nice < -20)
    nice = -20;
  if (nice > 19)
    nice = 19;
  return prio_to_weight[nice + 20];
}

static bool eevdf(const aia_host *h)
{
  return h->cfg.scheduler == AIA_SCHED_EEVDF;
}

/* calc_delta_fair: wall time to virtual time at t's weight. */
static uint64_t calc_delta_fair(uint64_t delta, const aia_thread *t)
{
  if (t->weight == NICE0)
    return delta;
  if (delta > UINT64_MAX / NICE0)
    return delta / t->weight * NICE0;
  return delta * NICE0 / t->weight;
}

static int64_t entity_key(const aia__rq *rq, const aia_thread *t)
{
  return (int64_t)(t->vruntime - rq->min_vruntime);
}

static aia_thread *fair_curr(const aia__rq *rq)
{
  return rq->curr != NULL && rq->curr->fair_curr ? rq->curr : NULL;
}

/* avg_vruntime_add / avg_vruntime_sub: entities on the tree. */
void aia__fair_tree_add(aia__rq *rq, aia_thread *t)
{
  rq->avg_vruntime += entity_key(rq, t) * (int64_t)t->weight;
  rq->avg_load += t->weight;
}

void aia__fair_tree_sub(aia__rq *rq, aia_thread *t)
{
  rq->avg_vruntime -= entity_key(rq, t) * (int64_t)t->weight;
  rq->avg_load -= t->weight;
}

/* avg_vruntime: the load-weighted mean vruntime of the queue and curr. */
static uint64_t avg_vruntime(const aia__rq *rq)
{
  int64_t avg = rq->avg_vruntime, load = rq->avg_load;
  const aia_thread *c = fair_curr(rq);
  if (c) {
    avg += entity_key(rq, c) * (int64_t)c->weight;
    load += c->weight;
  }
  if (load) {
    if (avg < 0) /* floor, not truncation toward zero */
      avg -= load - 1;
    avg /= load;
  }
  return rq->min_vruntime + (uint64_t)avg;
}

/* vruntime_eligible / entity_eligible: lag >= 0, without the division. */
static bool vruntime_eligible(const aia__rq *rq, uint64_t vruntime)
{
  int64_t avg = rq->avg_vruntime, load = rq->avg_load;
  const aia_thread *c = fair_curr(rq);
  if (c) {
    avg += entity_key(rq, c) * (int64_t)c->weight;
    load += c->weight;
  }
  return avg >= (int64_t)(vruntime - rq->min_vruntime) * load;
}

static bool entity_eligible(const aia__rq *rq, const aia_thread *t)
{
  return vruntime_eligible(rq, t->vruntime);
}

/* Rebases the sums when min_vruntime moves (avg_vruntime_update). */
static void set_min_vruntime(aia__rq *rq, uint64_t v)
{
  int64_t delta = (int64_t)(v - rq->min_vruntime);
  if (delta <= 0)
    return; /* it never moves backwards */
  rq->avg_vruntime -= rq->avg_load * delta;
  rq->min_vruntime = v;
}

/* update_min_vruntime: max(min_vruntime, min(curr, leftmost)). */
static void update_min_vruntime(aia__rq *rq)
{
  const aia_thread *c = fair_curr(rq);
  uint64_t v = rq->min_vruntime;
  bool have = false;
  if (c) {
    v = c->vruntime;
    have = true;
  }
  for (const aia_thread *t = rq->head; t; t = t->next) {
    if (!have || (int64_t)(t->vruntime - v) < 0)
      v = t->vruntime;
    have = true;
  }
  if (have)
    set_min_vruntime(rq, v);
}

static void compute_lag(aia_host *h, const aia__rq *rq, aia_thread *t);

/* update_entity_lag: lag = V - v, clamped to the kernel's limit. The
 * average is the one t is part of: a thread already unlinked by the caller
 * is counted in for the computation. */
static void update_entity_lag(aia_host *h, aia__rq *rq, aia_thread *t)
{
  bool out = !t->queued && !(t->fair_curr && rq->curr == t);
  if (out)
    aia__fair_tree_add(rq, t);
  compute_lag(h, rq, t);
  if (out)
    aia__fair_tree_sub(rq, t);
}

static void compute_lag(aia_host *h, const aia__rq *rq, aia_thread *t)
{
  uint64_t span = 2 * t->slice > h->tick ? 2 * t->slice : h->tick;
  int64_t limit = (int64_t)calc_delta_fair(span, t);
  int64_t lag = (int64_t)(avg_vruntime(rq) - t->vruntime);
  if (lag > limit)
    lag = limit;
  if (lag < -limit)
    lag = -limit;
  t->vlag = lag;
}

/* cfs_rq_min_slice: the smallest request among queued entities and curr. */
static aia_cycle min_slice(const aia__rq *rq)
{
  aia_cycle m = UINT64_MAX;
  const aia_thread *c = fair_curr(rq);
  if (c)
    m = c->slice;
  for (const aia_thread *t = rq->head; t; t = t->next)
    if (t->slice < m)
      m = t->slice;
  return m;
}

/* set_protect_slice (6.17+): how far curr may run before another entity
 * with an earlier deadline may take the hart from it. */
static void set_protect_slice(aia_host *h, const aia__rq *rq, aia_thread *t)
{
  aia_cycle slice = h->cfg.base_slice;
  uint64_t vprot = t->deadline;
  if (aia__feat(h, AIA_SCHED_F_RUN_TO_PARITY))
    slice = min_slice(rq);
  if (slice > t->slice)
    slice = t->slice;
  if (slice != t->slice) {
    uint64_t v = t->vruntime + calc_delta_fair(slice, t);
    if ((int64_t)(v - vprot) < 0)
      vprot = v;
  }
  t->vprot = vprot;
}

static bool protect_slice(const aia_thread *t)
{
  return (int64_t)(t->vprot - t->vruntime) > 0;
}

static void cancel_protect_slice(aia_thread *t)
{
  if (protect_slice(t))
    t->vprot = t->vruntime;
}

/* update_deadline: a new request once the old one is served. */
static bool update_deadline(aia_host *h, aia_thread *t)
{
  if ((int64_t)(t->vruntime - t->deadline) < 0)
    return false;
  if (!t->custom_slice)
    t->slice = h->base_slice;
  t->deadline = t->vruntime + calc_delta_fair(t->slice, t);
  return true;
}

/* did_preempt_short: curr lost eligibility after a shorter-slice wake-up
 * cancelled its protection. */
static bool did_preempt_short(const aia_host *h, const aia__rq *rq, const aia_thread *c)
{
  if (!aia__feat(h, AIA_SCHED_F_PREEMPT_SHORT))
    return false;
  if (protect_slice(c))
    return false;
  return !entity_eligible(rq, c);
}

/* ------------------------------------------------------------- PELT --- */

/* 2^32 * 0.5^(k/32): the per-period decay with a 32-period half-life. */
static const uint32_t pelt_y[32] = {
  0xffffffff, 0xfa83b2db, 0xf5257d15, 0xefe4b99c, 0xeac0c6e8, 0xe5b906e7, 0xe0ccdeec,
  0xdbfbb798, 0xd744fccb, 0xd2a81d92, 0xce248c15, 0xc9b9bd86, 0xc5672a11, 0xc12c4cca,
  0xbd08a39f, 0xb8fbaf47, 0xb504f334, 0xb123f582, 0xad583eea, 0xa9a15ab5, 0xa5fed6aa,
  0xa2704303, 0x9ef53261, 0x9b8d39ba, 0x9837f052, 0x94f4efa9, 0x91c3d374, 0x8ea4398b,
  0x8b95c1e4, 0x88980e81, 0x85aac368, 0x82cd8699,
};

static uint64_t mul_frac(uint64_t a, uint64_t y)
{
  return (a >> 32) * y + (((a & 0xffffffffu) * y) >> 32);
}

/* ___update_load_sum / ___update_load_avg, coarsely: whole 1024 us periods,
 * the weight runnable since the last update counted for all of them. */
static void pelt(aia_host *h, uint64_t *avg, aia_cycle *upd, uint64_t weight)
{
  aia_cycle now = aia__now(h), p = h->pelt_period, n;
  uint64_t y;
  if (now < *upd + p)
    return;
  n = (now - *upd) / p;
  *upd += n * p;
  y = n >= 32 * 63 ? 0 : (uint64_t)pelt_y[n % 32] >> (n / 32);
  *avg = mul_frac(*avg, y) + mul_frac(weight << 10, (UINT64_C(1) << 32) - y);
}

void aia__pelt_update_rq(aia_host *h, aia__rq *rq)
{
  pelt(h, &rq->load_avg, &rq->load_upd, rq->load);
}

void aia__pelt_update_thread(aia_host *h, aia_thread *t, bool runnable)
{
  pelt(h, &t->load_avg, &t->load_upd, runnable ? t->weight : 0);
}

/* -------------------------------------------------------- accounting --- */

void aia__fair_init(aia_host *h)
{
  uint32_t n = h->nharts < 8 ? h->nharts : 8, lg = 0;
  while ((UINT32_C(1) << (lg + 1)) <= n)
    lg++;
  /* SCHED_TUNABLESCALING_LOG: 1 + ilog2(min(ncpus, 8)). */
  h->factor = 1 + lg;
  h->base_slice = h->cfg.base_slice * h->factor;
  h->sched_latency = h->cfg.sched_latency * h->factor;
  h->min_gran = h->cfg.min_granularity * h->factor;
  h->wakeup_gran = h->cfg.wakeup_granularity * h->factor;
  h->tick = h->cfg.hz ? h->sim->clock_hz / h->cfg.hz : 0;
  if (h->cfg.hz && h->tick == 0)
    h->tick = 1;
  h->pelt_period = h->sim->clock_hz / 1000000u * 1024u;
  if (h->pelt_period == 0)
    h->pelt_period = 1;
}

/* update_curr: charge the running entity; resched when its request is
 * served (EEVDF) and `check` says the caller may ask for one. */
void aia__fair_update_curr(aia_host *h, aia__rq *rq, bool check)
{
  aia_thread *c = fair_curr(rq);
  aia_cycle now = aia__now(h), delta;
  bool resched;
  if (c == NULL)
    return;
  delta = now - c->exec_start;
  c->exec_start = now;
  c->sum_exec += delta;
  c->vruntime += calc_delta_fair(delta, c);
  update_min_vruntime(rq);
  if (!eevdf(h))
    return;
  resched = update_deadline(h, c);
  if (!check || rq->nr_running - rq->ndelayed <= 1)
    return;
  if (resched || did_preempt_short(h, rq, c))
    aia__host_resched(h, rq, AIA_SCHED_SLICE, h->ctx_from != AIA_NONE ? h->ctx_from : rq->id);
}

/* place_entity (EEVDF) and the CFS place_entity with sleeper credit. */
static void place_entity(aia_host *h, aia__rq *rq, aia_thread *t, bool initial)
{
  if (!t->custom_slice)
    t->slice = h->base_slice;
  if (eevdf(h)) {
    uint64_t vslice = calc_delta_fair(t->slice, t);
    int64_t lag = 0;
    if (aia__feat(h, AIA_SCHED_F_PLACE_LAG) && rq->nr_running && t->vlag) {
      const aia_thread *c = fair_curr(rq);
      int64_t load = rq->avg_load + (c ? (int64_t)c->weight : 0);
      /* The lag t has after joining, not before: scale by (W + w) / W. */
      lag = t->vlag * (load + (int64_t)t->weight);
      lag /= load ? load : 1;
    }
    t->vruntime = avg_vruntime(rq) - (uint64_t)lag;
    if (t->rel_deadline) {
      t->deadline += t->vruntime;
      t->rel_deadline = false;
      return;
    }
    if (initial && aia__feat(h, AIA_SCHED_F_PLACE_DEADLINE_INITIAL))
      vslice /= 2;
    t->deadline = t->vruntime + vslice;
    return;
  }
  {
    uint64_t v = rq->min_vruntime;
    if (initial) {
      /* START_DEBIT: a new task starts one slice behind. */
      uint32_t nr = rq->nr_running + 1;
      aia_cycle period = nr > 8 ? nr * h->min_gran : h->sched_latency;
      uint64_t load = rq->load + t->weight;
      v += calc_delta_fair(period * t->weight / (load ? load : 1), t);
      t->vruntime = v;
      return;
    }
    {
      aia_cycle thresh = h->sched_latency;
      if (aia__feat(h, AIA_SCHED_F_GENTLE_FAIR_SLEEPERS))
        thresh >>= 1;
      v -= thresh;
    }
    if ((int64_t)(t->vruntime - v) < 0)
      t->vruntime = v;
  }
}

/* enqueue_entity: t joins rq (a wake-up or a move); the caller links it on
 * the queue next, which adds it to the sums. */
void aia__fair_enqueue(aia_host *h, aia__rq *rq, aia_thread *t, unsigned flags)
{
  bool initial = !t->placed_once;
  aia__fair_update_curr(h, rq, true);
  aia__pelt_update_rq(h, rq);
  if (initial) {
    t->vlag = 0;
    t->rel_deadline = false;
    t->placed_once = true;
    /* post_init_entity_util_avg + attach_entity_load_avg: a new thread
     * counts its whole weight in its queue's load at once, which is what
     * spreads threads started together (the fork balance reads it). */
    t->load_avg = (uint64_t)t->weight << 10;
    t->load_upd = rq->load_upd;
    rq->load_avg += t->load_avg;
  }
  /* EEVDF places every enqueue by its lag; CFS only wake-ups (a moved
   * thread keeps its vruntime, renormalised by the caller). */
  if (eevdf(h) || initial || (flags & AIA__ENQ_WAKE))
    place_entity(h, rq, t, initial);
  rq->load += t->weight;
  rq->nr_running++;
}

/* dequeue_entity for t, which is curr (sleeping or moving away) or off the
 * tree already (a queued thread being moved, unlinked by the caller). */
bool aia__fair_dequeue(aia_host *h, aia__rq *rq, aia_thread *t, bool sleep)
{
  aia__fair_update_curr(h, rq, false);
  if (eevdf(h) && sleep && aia__feat(h, AIA_SCHED_F_DELAY_DEQUEUE) &&
      !entity_eligible(rq, t) && rq->nr_running > 1) {
    /* Stays on the queue, asleep, until it is picked or woken. */
    t->fair_curr = false;
    t->delayed = true;
    rq->ndelayed++;
    h->st.delayed_dequeues++;
    return false;
  }
  aia__pelt_update_rq(h, rq);
  if (eevdf(h)) {
    update_entity_lag(h, rq, t);
    if (!sleep && aia__feat(h, AIA_SCHED_F_PLACE_REL_DEADLINE)) {
      t->deadline -= t->vruntime;
      t->rel_deadline = true;
    }
  }
  t->fair_curr = false;
  rq->load -= t->weight;
  rq->nr_running--;
  update_min_vruntime(rq);
  return true;
}

/* finish_delayed_dequeue_entity (DELAY_ZERO): the delayed sleeper leaves;
 * the caller has unlinked it. */
void aia__fair_finish_delayed(aia_host *h, aia__rq *rq, aia_thread *t)
{
  aia__pelt_update_rq(h, rq);
  update_entity_lag(h, rq, t);
  if (t->vlag > 0)
    t->vlag = 0;
  t->delayed = false;
  rq->ndelayed--;
  rq->load -= t->weight;
  rq->nr_running--;
  update_min_vruntime(rq);
}

/* requeue_delayed_entity: woken while still queued, the sleeper becomes
 * runnable where it is, keeping the vruntime (so the lag) it has earned
 * while it waited on the queue. DELAY_ZERO's clip applies when a delayed
 * sleeper finally leaves (above), not here: re-placing a requeued sleeper at
 * the average made it wait for the runner's slice several times more often
 * than the calibration's kernel does (docs/scheduler.md). The caller has
 * unlinked it and links it again as runnable. */
void aia__fair_requeue_delayed(aia_host *h, aia__rq *rq, aia_thread *t)
{
  aia__fair_update_curr(h, rq, true);
  t->delayed = false;
  rq->ndelayed--;
}

/* set_next_entity: t leaves the tree to run. */
void aia__fair_set_next(aia_host *h, aia__rq *rq, aia_thread *t)
{
  t->fair_curr = true;
  t->exec_start = aia__now(h);
  t->prev_sum_exec = t->sum_exec;
  if (eevdf(h))
    set_protect_slice(h, rq, t);
}

/* put_prev_entity: curr stops running but stays runnable. */
void aia__fair_put_prev(aia_host *h, aia__rq *rq, aia_thread *t)
{
  aia__fair_update_curr(h, rq, false);
  t->fair_curr = false;
}

/* pick_eevdf (with RUN_TO_PARITY slice protection) / CFS pick_next_entity:
 * over the queue and curr. Delayed sleepers can be the answer; the caller
 * dequeues them and picks again. */
aia_thread *aia__fair_pick(aia_host *h, aia__rq *rq)
{
  aia_thread *c = fair_curr(rq), *best = NULL, *first = NULL;
  if (!eevdf(h)) {
    best = c;
    for (aia_thread *t = rq->head; t; t = t->next)
      if (best == NULL || (int64_t)(t->vruntime - best->vruntime) < 0)
        best = t;
    return best;
  }
  if (rq->head == NULL)
    return c;
  if (c == NULL && rq->head == rq->tail)
    return rq->head;
  if (c && !entity_eligible(rq, c))
    c = NULL;
  if (c && protect_slice(c))
    return c;
  for (aia_thread *t = rq->head; t; t = t->next) {
    if (first == NULL || (int64_t)(t->deadline - first->deadline) < 0)
      first = t;
    if ((best == NULL || (int64_t)(t->deadline - best->deadline) < 0) && entity_eligible(rq, t))
      best = t;
  }
  if (best == NULL && c == NULL)
    best = first; /* rounding: nothing strictly eligible */
  if (best == NULL || (c && (int64_t)(c->deadline - best->deadline) < 0))
    best = c;
  return best;
}

/* do_preempt_short: a woken entity with a shorter slice. */
static bool do_preempt_short(const aia_host *h, const aia__rq *rq, const aia_thread *p,
                             const aia_thread *c)
{
  if (!aia__feat(h, AIA_SCHED_F_PREEMPT_SHORT))
    return false;
  if (p->slice >= c->slice)
    return false;
  if (!entity_eligible(rq, p))
    return false;
  if ((int64_t)(p->deadline - c->deadline) < 0)
    return true;
  return !entity_eligible(rq, c);
}

/* check_preempt_wakeup_fair: should the just-queued t take the hart from
 * curr? (EEVDF: t became the pick; CFS: wakeup_preempt_entity.) */
bool aia__fair_wakeup_preempt(aia_host *h, aia__rq *rq, aia_thread *t)
{
  aia_thread *c = fair_curr(rq);
  if (c == NULL || c == t || rq->need_resched || !aia__feat(h, AIA_SCHED_F_WAKEUP_PREEMPTION))
    return false;
  aia__fair_update_curr(h, rq, true);
  if (rq->need_resched)
    return false;
  if (eevdf(h)) {
    if (do_preempt_short(h, rq, t, c))
      cancel_protect_slice(c);
    return aia__fair_pick(h, rq) == t;
  }
  {
    int64_t vdiff = (int64_t)(c->vruntime - t->vruntime);
    return vdiff > 0 && (uint64_t)vdiff > calc_delta_fair(h->wakeup_gran, t);
  }
}

/* task_tick_fair -> entity_tick: EEVDF's update_curr does the work; CFS
 * checks the slice (check_preempt_tick). */
void aia__fair_tick(aia_host *h, aia__rq *rq)
{
  aia_thread *c = fair_curr(rq), *left = NULL;
  aia_cycle ideal, ran;
  uint32_t nr;
  aia__fair_update_curr(h, rq, true);
  aia__pelt_update_rq(h, rq);
  if (eevdf(h) || c == NULL || rq->nr_running <= 1)
    return;
  nr = rq->nr_running;
  ideal = (nr > 8 ? nr * h->min_gran : h->sched_latency) * c->weight / (rq->load ? rq->load : 1);
  if (ideal < h->min_gran)
    ideal = h->min_gran; /* BASE_SLICE */
  ran = c->sum_exec - c->prev_sum_exec;
  if (ran > ideal) {
    aia__host_resched(h, rq, AIA_SCHED_SLICE, rq->id);
    return;
  }
  if (ran < h->min_gran)
    return;
  for (aia_thread *t = rq->head; t; t = t->next)
    if (left == NULL || (int64_t)(t->vruntime - left->vruntime) < 0)
      left = t;
  if (left && (int64_t)(c->vruntime - left->vruntime) > (int64_t)ideal)
    aia__host_resched(h, rq, AIA_SCHED_SLICE, rq->id);
}
