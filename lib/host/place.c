/* lib/host/place.c: wake placement of the fair policies, as
 * select_task_rq_fair (kernel/sched/fair.c) does it for a wake-up: the
 * waker's hart, wake_affine (idle, then weight), select_idle_sibling
 * (target, prev, recent_used_cpu, a scan of the target's last-level-cache
 * group from target + 1).
 * SPDX-License-Identifier: MIT
 *
 * Not modelled: wake_wide (the waker/wakee flip heuristic: aiasim's wakers
 * are interrupt handlers and timers, for which it stays off), SMT siblings
 * and idle cores, SIS_UTIL's bound on the scan, asymmetric capacities, and
 * energy-aware placement.
 */
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
  const uint64_t *grp = &h->llc_mask[(size_t)h->rq[target].llc * h->words];
  uint32_t start = target + 1 == h->nharts ? 0 : target + 1;
  for (uint32_t pass = 0; pass < 2; pass++) {
    uint32_t from = pass == 0 ? start : 0, to = pass == 0 ? h->nharts : start;
    for (uint32_t w = from / 64; w * 64 < to; w++) {
      uint64_t m = h->idle[w] & grp[w] & (t->mask ? t->mask[w] : ~UINT64_C(0));
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
