/* lib/host/balance.c: load balancing of the fair policies, as
 * kernel/sched/fair.c does it: newidle balance when a hart is about to go
 * idle (sched_balance_newidle), periodic balance from the tick of a busy
 * hart (sched_balance_domains, with sd->balance_interval and busy_factor),
 * and the nohz idle balance a busy hart's tick asks of idle harts
 * (nohz_balancer_kick -> _nohz_idle_balance).
 * SPDX-License-Identifier: MIT
 *
 * Domains: the hart's last-level-cache group, and all harts when there is
 * more than one group. The imbalance is counted in runnable threads (the
 * kernel weighs load and utilisation; with equal weights the two agree on
 * whether one thread should move), and one thread moves per balance, as a
 * newidle balance of a preemptible kernel does. can_migrate_task's rules:
 * not running, allowed on the destination, not a delayed sleeper, and not
 * cache-hot (ran within migration_cost) unless the domain already failed
 * more than cache_nice_tries (1) times.
 */
#include "host/host_impl.h"

enum { BUSY_FACTOR = 16, CACHE_NICE_TRIES = 1 };
enum { IDLE_NEW = 0, IDLE_IDLE = 1, IDLE_NOT = 2 }; /* enum cpu_idle_type */

static uint32_t levels(const aia_host *h)
{
  return h->nllc > 1 ? 2 : 1;
}

static bool in_span(const aia_host *h, uint32_t level, uint32_t dst, uint32_t src)
{
  return level == 1 || h->nllc == 1 || h->rq[dst].llc == h->rq[src].llc;
}

static uint32_t span_weight(const aia_host *h, uint32_t level, uint32_t dst)
{
  return level == 1 || h->nllc == 1 ? h->nharts : aia__llc_weight(h, dst);
}

/* sd->min_interval: the span's weight in ms. */
static aia_cycle min_interval(const aia_host *h, uint32_t level, uint32_t dst)
{
  aia_cycle ms = h->sim->clock_hz / 1000u;
  return (aia_cycle)span_weight(h, level, dst) * (ms ? ms : 1);
}

void aia__balance_init(aia_host *h, aia__rq *rq)
{
  rq->avg_idle = 2 * h->cfg.migration_cost;
  for (uint32_t l = 0; l < 2; l++) {
    rq->balance_iv[l] = min_interval(h, l, rq->id);
    rq->next_balance[l] = 0;
  }
}

/* update_avg of rq->avg_idle, when a wake ends an idle period that a failed
 * newidle balance started (ttwu_do_activate). */
void aia__idle_end(aia_host *h, aia__rq *rq)
{
  aia_cycle max = 2 * h->cfg.migration_cost, d;
  int64_t diff;
  if (!rq->idle_stamped)
    return;
  rq->idle_stamped = false;
  d = aia__now(h) - rq->idle_stamp;
  diff = (int64_t)d - (int64_t)rq->avg_idle;
  rq->avg_idle = (aia_cycle)((int64_t)rq->avg_idle + diff / 8);
  if (rq->avg_idle > max)
    rq->avg_idle = max;
}

static uint32_t nr_running(const aia__rq *rq)
{
  return rq->qlen + (rq->curr != NULL ? 1u : 0u);
}

/* can_migrate_task */
static bool can_migrate(const aia_host *h, const aia_thread *t, uint32_t dst, uint32_t failed)
{
  aia_cycle cost = h->cfg.migration_cost;
  if (t->delayed || !aia__allowed(t, dst))
    return false;
  if (cost == 0 || failed > CACHE_NICE_TRIES)
    return true;
  /* task_hot. A thread that never ran has exec_start 0, which the kernel
   * measures against the clock since boot: never hot. The model's clock
   * starts at 0, so that case is said outright. */
  if (t->ts.nr_switches == 0)
    return true;
  return aia__now(h) - t->exec_start >= cost;
}

/* sched_balance_rq for one level: the busiest hart of the span (most
 * runnable threads, lowest number on ties), and one thread from it. Returns
 * 1 if a thread moved, 0 if balanced, -1 if imbalanced but nothing could
 * move. */
static int balance_level(aia_host *h, aia__rq *dst, uint32_t level, int idle)
{
  uint32_t mine = nr_running(dst), best = AIA_NONE, best_nr = 0;
  aia_thread *pick = NULL;
  uint32_t failed = idle == IDLE_NEW ? 0 : dst->balance_failed[level];
  /* Only harts with a thread waiting can give one: the waiting bitmap. */
  for (uint32_t w = 0; w < h->words; w++) {
    uint64_t m = h->waiting[w];
    while (m) {
      uint32_t i = w * 64 + aia__ctz64(m);
      uint32_t nr;
      m &= m - 1;
      if (i == dst->id || !in_span(h, level, dst->id, i))
        continue;
      nr = nr_running(&h->rq[i]);
      if (nr > best_nr) {
        best = i;
        best_nr = nr;
      }
    }
  }
  if (best == AIA_NONE || best_nr < 2 || best_nr < mine + 2)
    return 0;
  /* The least recently run thread that may move (the tail of cfs_tasks). */
  for (aia_thread *t = h->rq[best].head; t; t = t->next)
    if (can_migrate(h, t, dst->id, failed) && (pick == NULL || t->exec_start < pick->exec_start))
      pick = t;
  if (pick == NULL)
    return -1;
  aia__host_pull(h, pick, dst->id, idle == IDLE_NEW ? AIA_MIGRATE_NEWIDLE : AIA_MIGRATE_BALANCE);
  return 1;
}

/* sched_balance_newidle: rq has nothing to run. Skipped when the hart is
 * expected to idle for less than migration_cost (avg_idle) or when no hart
 * has a thread waiting (rd->overloaded). */
bool aia__newidle_balance(aia_host *h, aia__rq *rq)
{
  bool pulled = false;
  if (aia__feat(h, AIA_SCHED_F_NEWIDLE) && rq->avg_idle >= h->cfg.migration_cost &&
      h->queued > 0) {
    for (uint32_t l = 0; l < levels(h) && !pulled; l++)
      pulled = balance_level(h, rq, l, IDLE_NEW) > 0;
  }
  if (pulled) {
    h->st.newidle_pulls++;
  } else {
    rq->idle_stamp = aia__now(h);
    rq->idle_stamped = true;
  }
  return pulled;
}

/* sched_balance_domains for one hart: each level whose interval is due. */
static void rebalance(aia_host *h, aia__rq *rq, int idle)
{
  aia_cycle now = aia__now(h);
  for (uint32_t l = 0; l < levels(h); l++) {
    aia_cycle iv, lo;
    int r;
    if (now < rq->next_balance[l])
      continue;
    r = balance_level(h, rq, l, idle);
    lo = min_interval(h, l, rq->id);
    if (r > 0) {
      rq->balance_failed[l] = 0;
      rq->balance_iv[l] = lo;
    } else if (r < 0) {
      rq->balance_failed[l]++;
    } else {
      rq->balance_failed[l] = 0;
      if (rq->balance_iv[l] < 2 * lo)
        rq->balance_iv[l] *= 2;
    }
    iv = rq->balance_iv[l] * (idle == IDLE_NOT ? BUSY_FACTOR : 1);
    rq->next_balance[l] = now + iv;
  }
}

/* From the tick of busy hart rq: its own periodic balance, then, when it
 * has a thread waiting, the nohz idle balance of every idle hart that is
 * due (the kernel has one idle hart do it for all, after an IPI). */
void aia__periodic_balance(aia_host *h, aia__rq *rq)
{
  if (!aia__feat(h, AIA_SCHED_F_PERIODIC))
    return;
  rebalance(h, rq, IDLE_NOT);
  if (rq->qlen == 0)
    return;
  for (uint32_t w = 0; w < h->words; w++) {
    uint64_t m = h->idle[w];
    while (m) {
      uint32_t i = w * 64 + aia__ctz64(m);
      m &= m - 1;
      if (aia__rq_idle(&h->rq[i]))
        rebalance(h, &h->rq[i], IDLE_IDLE);
    }
  }
}
