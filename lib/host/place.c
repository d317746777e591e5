/* lib/host/place.c: wake placement of the fair policies, as
 * select_task_rq_fair (kernel/sched/fair.c) does it for a wake-up: the
 * waker's hart, wake_affine (idle, then weight), select_idle_sibling
 * (target, prev, recent_used_cpu, a scan of the target's last-level-cache
 * group from target + 1).
 * SPDX-License-Identifier: MIT
 *
 * A thread's first start is wake_up_new_task instead: the slow path of
 * select_task_rq_fair (SD_BALANCE_FORK), sched_balance_find_dst_cpu, which
 * walks down from the whole system to the idlest group, then the idlest
 * hart in it.
 *
 * Not modelled: wake_wide (the waker/wakee flip heuristic: aiasim's wakers
 * are interrupt handlers and timers, for which it stays off), SMT siblings
 * and idle cores, SIS_UTIL's bound on the scan, asymmetric capacities, and
 * energy-aware placement.
 */
#include <string.h>

#include "host/host_impl.h"

static bool share_cache(const aia_host *h, uint32_t a, uint32_t b)
{
  return h->rq[a].llc == h->rq[b].llc;
}

/* available_idle_cpu: nothing running, nothing queued, no switch under way. */
static bool idle_hart(const aia_host *h, uint32_t hart)
{
  return aia__rq_idle(&h->rq[hart]);
}

/* cpu_load: the hart's load average, in weight units. */
static int64_t cpu_load(const aia_host *h, uint32_t hart)
{
  return (int64_t)(h->rq[hart].load_avg >> 10);
}

/* wake_affine_idle */
static uint32_t wake_affine_idle(const aia_host *h, uint32_t this_cpu, uint32_t prev)
{
  /* An idle waker is an interrupt: move only within the cache. */
  if (idle_hart(h, this_cpu) && share_cache(h, this_cpu, prev))
    return idle_hart(h, prev) ? prev : this_cpu;
  if (idle_hart(h, prev))
    return prev;
  return AIA_NONE;
}

/* wake_affine_weight: the waker's hart if it stays less loaded with the
 * wakee than the previous hart without it (imbalance_pct 117: a bias of
 * 108 % in favour of prev). */
static uint32_t wake_affine_weight(const aia_host *h, const aia_thread *t, uint32_t this_cpu,
                                   uint32_t prev)
{
  int64_t task_load = (int64_t)(t->load_avg >> 10);
  int64_t this_eff = cpu_load(h, this_cpu) + task_load;
  int64_t prev_eff = cpu_load(h, prev) - task_load;
  if (aia__feat(h, AIA_SCHED_F_WA_BIAS)) {
    this_eff *= 100;
    prev_eff *= 100 + (117 - 100) / 2;
  }
  return this_eff < prev_eff ? this_cpu : AIA_NONE;
}

/* wake_affine */
static uint32_t wake_affine(aia_host *h, aia_thread *t, uint32_t this_cpu, uint32_t prev)
{
  uint32_t target = AIA_NONE;
  if (aia__feat(h, AIA_SCHED_F_WA_IDLE))
    target = wake_affine_idle(h, this_cpu, prev);
  if (aia__feat(h, AIA_SCHED_F_WA_WEIGHT) && target == AIA_NONE)
    target = wake_affine_weight(h, t, this_cpu, prev);
  if (target != this_cpu)
    return prev;
  h->st.wake_affine++;
  t->affine_wake = true;
  return this_cpu;
}

/* select_idle_cpu: the first idle allowed hart of target's group, from
 * target + 1 round to target. */
static uint32_t scan_llc(const aia_host *h, const aia_thread *t, uint32_t target)
{
  const uint64_t *grp = aia__llc_span(h, target);
  uint32_t start = target + 1 == h->nharts ? 0 : target + 1;
  for (uint32_t pass = 0; pass < 2; pass++) {
    uint32_t from = pass == 0 ? start : 0, to = pass == 0 ? h->nharts : start;
    for (uint32_t w = from / 64; w * 64 < to; w++) {
      uint64_t m = h->idle[w] & grp[w] & aia__allowed_word(t, w);
      if (w == from / 64 && from % 64)
        m &= ~UINT64_C(0) << (from % 64);
      if (m) {
        uint32_t hart = w * 64 + aia__ctz64(m);
        if (hart < to)
          return hart;
      }
    }
  }
  return AIA_NONE;
}

/* select_idle_sibling */
static uint32_t select_idle_sibling(aia_host *h, aia_thread *t, uint32_t prev, uint32_t target,
                                    aia_wake_placement *how)
{
  uint32_t recent, i;
  if (idle_hart(h, target) && aia__allowed(t, target)) {
    *how = AIA_WAKE_TARGET_IDLE;
    return target;
  }
  if (prev != target && share_cache(h, prev, target) && idle_hart(h, prev) &&
      aia__allowed(t, prev)) {
    *how = AIA_WAKE_PREV_IDLE;
    return prev;
  }
  recent = t->recent_hart;
  t->recent_hart = prev;
  if (recent != AIA_NONE && recent != prev && recent != target && share_cache(h, recent, target) &&
      idle_hart(h, recent) && aia__allowed(t, recent)) {
    *how = AIA_WAKE_RECENT_IDLE;
    return recent;
  }
  i = scan_llc(h, t, target);
  if (i != AIA_NONE) {
    *how = AIA_WAKE_SCAN_IDLE;
    return i;
  }
  *how = AIA_WAKE_TARGET_BUSY;
  return target;
}

/* select_task_rq_fair for a wake-up (WF_TTWU) from hart `waker`; AIA_NONE
 * is a timer, which fires on the hart the thread slept on. */
uint32_t aia__select_task_rq(aia_host *h, aia_thread *t, uint32_t waker, aia_wake_placement *how)
{
  uint32_t prev = t->hart, cpu = waker == AIA_NONE ? prev : waker, target = prev;
  if (aia__allowed(t, cpu) && cpu != prev && aia__allowed(t, prev))
    target = wake_affine(h, t, cpu, prev);
  else if (!aia__allowed(t, prev) && aia__allowed(t, cpu))
    target = cpu;
  if (aia__feat(h, AIA_SCHED_F_SIS)) {
    target = select_idle_sibling(h, t, prev, target, how);
  } else {
    *how = idle_hart(h, target) ? AIA_WAKE_TARGET_IDLE : AIA_WAKE_TARGET_BUSY;
  }
  if (!aia__allowed(t, target)) { /* select_fallback_rq */
    target = aia__host_first_idle_allowed(h, t);
    if (target == AIA_NONE)
      target = aia__host_lowest_allowed(h, t);
    *how = AIA_WAKE_FALLBACK;
  }
  return target;
}

/* ------------------------------------------- wake_up_new_task (WF_FORK) */

/* enum group_type, the three a system without SMT, asymmetry or misfit
 * tasks has. */
enum { G_HAS_SPARE = 0, G_FULLY_BUSY = 1, G_OVERLOADED = 2 };

/* struct sg_lb_stats, the parts the placement of a new thread reads. */
typedef struct gstats {
  uint32_t type, idle, nr, weight;
  uint64_t load;     /* sum of cpu_load, weight units */
  uint64_t avg_load; /* load per hart (group_load * SCHED_CAPACITY_SCALE / capacity) */
} gstats;

enum { IMBALANCE_PCT = 117 };

/* update_sg_wakeup_stats, one hart. The new thread is on no queue, so the
 * "_without(p)" forms are the plain ones. */
static void gstats_add(const aia_host *h, uint32_t i, gstats *s)
{
  const aia__rq *rq = &h->rq[i];
  s->load += (uint64_t)cpu_load(h, i);
  s->nr += rq->nr_running;
  if (rq->nr_running == 0 && idle_hart(h, i))
    s->idle++;
  s->weight++;
}

/* group_classify, by counts: the kernel also weighs utilisation (a group
 * of mostly idle threads can have spare capacity at nr == weight); the
 * model's loads have no utilisation, so a group has spare room when it has
 * fewer runnable threads than harts, and is overloaded with more. */
static void gstats_done(gstats *s)
{
  s->type = s->nr < s->weight ? G_HAS_SPARE : s->nr == s->weight ? G_FULLY_BUSY : G_OVERLOADED;
  s->avg_load = s->type == G_HAS_SPARE ? 0 : s->load / s->weight;
}

/* update_pick_idlest: is group s better than the idlest so far, b? The
 * lowest utilisation breaks a tie of idle harts; the model's stand-in is
 * the load. */
static bool pick_idlest(const gstats *b, const gstats *s)
{
  if (s->type != b->type)
    return s->type < b->type;
  if (s->type == G_HAS_SPARE)
    return s->idle > b->idle || (s->idle == b->idle && s->load < b->load);
  return s->avg_load < b->avg_load;
}

static bool group_allowed(const aia_host *h, const aia_thread *t, const uint64_t *span)
{
  for (uint32_t w = 0; w < h->words; w++)
    if (span[w] & aia__allowed_word(t, w))
      return true;
  return false;
}

/* sched_balance_find_dst_group. Level 1, the system: the groups are the
 * last-level-cache groups (returned as a group number); level 0, a
 * last-level cache: the groups are its harts (returned as a hart).
 * AIA_NONE: stay in the group of this_cpu. */
static uint32_t find_dst_group(const aia_host *h, const aia_thread *t, int level, uint32_t this_cpu)
{
  gstats local = { 0 }, idlest = { G_OVERLOADED, 0, 0, 0, 0, UINT64_MAX }, s;
  uint32_t best = AIA_NONE, ngroups = level == 1 ? h->nllc : h->nharts;
  bool have_local = false;
  for (uint32_t g = 0; g < ngroups; g++) {
    bool is_local;
    memset(&s, 0, sizeof s);
    if (level == 1) {
      const uint64_t *span = aia__llc_group_span(h, g);
      if (!group_allowed(h, t, span))
        continue;
      for (uint32_t w = 0; w < h->words; w++)
        for (uint64_t m = span[w]; m; m &= m - 1)
          gstats_add(h, w * 64 + aia__ctz64(m), &s);
      is_local = h->rq[this_cpu].llc == g;
    } else {
      if (!share_cache(h, g, this_cpu) || !aia__allowed(t, g))
        continue;
      gstats_add(h, g, &s);
      is_local = g == this_cpu;
    }
    gstats_done(&s);
    if (is_local) {
      local = s;
      have_local = true;
    } else if (pick_idlest(&idlest, &s)) {
      idlest = s;
      best = g;
    }
  }
  if (best == AIA_NONE || !have_local)
    return best;
  if (local.type != idlest.type)
    return local.type < idlest.type ? AIA_NONE : best;
  if (local.type == G_HAS_SPARE)
    return local.idle >= idlest.idle ? AIA_NONE : best;
  /* Busy both: move only if the local group is clearly more loaded. */
  if (idlest.avg_load >= local.avg_load + 1024u * (IMBALANCE_PCT - 100) / 100)
    return AIA_NONE;
  if (100 * local.avg_load <= IMBALANCE_PCT * idlest.avg_load)
    return AIA_NONE;
  return best;
}

/* sched_balance_find_dst_group_cpu over an LLC group's allowed harts: an
 * idle hart, the most recently idled one (every hart has the same idle
 * state, so the exit latencies tie), else the least loaded, else this_cpu. */
static uint32_t find_dst_cpu_in(const aia_host *h, const aia_thread *t, uint32_t g,
                                uint32_t this_cpu)
{
  const uint64_t *span = aia__llc_group_span(h, g);
  uint32_t idle = AIA_NONE, least = this_cpu;
  aia_cycle latest = 0;
  int64_t min_load = INT64_MAX;
  for (uint32_t w = 0; w < h->words; w++)
    for (uint64_t m = span[w] & aia__allowed_word(t, w); m; m &= m - 1) {
      uint32_t i = w * 64 + aia__ctz64(m);
      if (idle_hart(h, i)) {
        aia_cycle stamp = h->rq[i].idle_stamped ? h->rq[i].idle_stamp : 0;
        if (idle == AIA_NONE || stamp > latest) {
          idle = i;
          latest = stamp;
        }
      } else if (idle == AIA_NONE && cpu_load(h, i) < min_load) {
        min_load = cpu_load(h, i);
        least = i;
      }
    }
  return idle != AIA_NONE ? idle : least;
}

/* sched_balance_find_dst_cpu from the top domain down: at each level the
 * idlest group, then its idlest hart, then the next level down from there.
 * Domains of one hart do not exist (the kernel removes them). */
uint32_t aia__select_task_rq_fork(aia_host *h, const aia_thread *t)
{
  uint32_t cpu = t->hart;
  /* From each level down to the next: the largest domain of the hart
   * chosen so far that is smaller than this one. */
  for (int level = h->nllc > 1 ? 1 : 0; level >= 0; level--) {
    uint32_t g;
    if (level == 0 && aia__llc_weight(h, cpu) < 2)
      break;
    g = find_dst_group(h, t, level, cpu);
    if (g != AIA_NONE)
      cpu = level == 1 ? find_dst_cpu_in(h, t, g, cpu) : g;
  }
  /* select_fallback_rq, if t->hart was not allowed and nothing moved it */
  return aia__allowed(t, cpu) ? cpu : aia__host_lowest_allowed(h, t);
}
