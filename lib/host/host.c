/* lib/host/host.c: the host's and threads' lifecycle: configuration and
 * its checks, creation (LLC groups, the fair class's scaled tunables),
 * destruction, threads, getters and statistics.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "host/host_impl.h"
#include "host/host_lib.h"

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
  "WA_IDLE", "WA_WEIGHT", "WA_BIAS", "SIS", "NEWIDLE", "PERIODIC_BALANCE", "TTWU_QUEUE",
  "FORK_BALANCE",
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
  h->ctx_from = AIA_NONE;
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
    h->rq[i].host = h;
    h->rq[i].id = i;
    aia__balance_init(h, &h->rq[i]);
  }
  aia__host_init_events(h);
  h->magic = AIA__HOST_MAGIC;
  rc = aia__sim_attach(sim, h, host_destroy);
  if (rc != AIA_OK) {
    host_destroy(h);
    return rc;
  }
  rc = aia__host_start(h);
  if (rc != AIA_OK) {
    h->magic = 0; /* freed with the sim; never handed out */
    return rc;
  }
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
  if (!aia__host_ok(host)) {
    aia_host_config_init(cfg);
    return;
  }
  *cfg = host->cfg;
}

aia_sim *aia_host_sim(const aia_host *host)
{
  return aia__host_ok(host) ? host->sim : NULL;
}

aia_platform *aia_host_platform(const aia_host *host)
{
  return aia__host_ok(host) ? host->plat : NULL;
}

uint32_t aia_host_harts(const aia_host *host)
{
  return aia__host_ok(host) ? host->nharts : 0;
}

int aia_thread_get_stats(const aia_thread *t, aia_thread_stats *st)
{
  aia_thread_stats tmp;
  aia_cycle now;
  if (!aia__thread_ok(t) || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  tmp = t->ts;
  now = aia__now(t->host);
  if (t->state == AIA_THREAD_RUNNING)
    tmp.run_time += now - t->in_since;
  if (t->waiting)
    tmp.run_delay += now - t->wait_since;
  aia__stats_copy_out(st, &tmp, sizeof tmp);
  return AIA_OK;
}

int aia_host_get_stats(const aia_host *host, aia_host_stats *st)
{
  aia_host_stats tmp;
  if (!aia__host_ok(host) || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  tmp = host->st;
  aia__stats_copy_out(st, &tmp, sizeof tmp);
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
int aia__host_build_mask(aia_host *h, const uint64_t *aff, uint32_t nbits, uint64_t **out)
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
  if (!aia__host_ok(host))
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
  rc = aia__host_build_mask(host, c.affinity, c.affinity_harts, &t->mask);
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
  t->hart = aia__allowed(t, c.hart) ? c.hart : aia__host_lowest_allowed(host, t);
  t->migrate_to = AIA_NONE;
  t->force_target = AIA_NONE;
  t->weight = aia__nice_weight(c.nice);
  t->custom_slice = c.slice != 0;
  t->slice = c.slice ? c.slice : host->base_slice;
  t->recent_hart = AIA_NONE;
  aia__thread_init_events(t);
  host->threads[host->nthreads++] = t;
  *out = t;
  return AIA_OK;
}

uint32_t aia_thread_id(const aia_thread *t)
{
  return aia__thread_ok(t) ? t->id : AIA_NONE;
}

void aia__thread_prefetch(const aia_thread *t)
{
  if (t != NULL)
    aia__prefetch(t, sizeof *t);
}

aia_thread *aia_host_thread(const aia_host *host, uint32_t id)
{
  return aia__host_ok(host) && id < host->nthreads ? host->threads[id] : NULL;
}

uint32_t aia_host_thread_count(const aia_host *host)
{
  return aia__host_ok(host) ? host->nthreads : 0;
}

aia_thread_state aia_thread_get_state(const aia_thread *t)
{
  return aia__thread_ok(t) ? (aia_thread_state)t->state : AIA_THREAD_SLEEPING;
}

uint32_t aia_thread_hart(const aia_thread *t)
{
  return aia__thread_ok(t) ? t->hart : AIA_NONE;
}

bool aia_thread_is_interruptible(const aia_thread *t)
{
  return aia__thread_ok(t) && t->interruptible;
}

bool aia_thread_is_on_cpu(const aia_thread *t)
{
  return aia__thread_ok(t) && t->on_cpu;
}

bool aia_thread_may_run_on(const aia_thread *t, uint32_t hart)
{
  return aia__thread_ok(t) && hart < t->host->nharts && aia__allowed(t, hart);
}

