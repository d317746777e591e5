/* lib/core/sim.c: clock, event loop, timers, hook dispatch, stream hash.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim_impl.h"

#define FNV_PRIME UINT64_C(0x100000001b3)
#define FNV_BASIS UINT64_C(0xcbf29ce484222325)

void aia_sim_config_init(aia_sim_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->seed = 1;
  cfg->clock_hz = 1000000000u;
  cfg->max_events_per_cycle = 1000000u;
  cfg->records = 1;
}

int aia__sim_fail(aia_sim *sim, int status, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sim->errmsg, sizeof sim->errmsg, fmt, ap);
  va_end(ap);
  return status;
}

int aia__sim_abort(aia_sim *sim, int status, const char *fmt, ...)
{
  va_list ap;
  if (sim->abort_rc != AIA_OK)
    return status; /* the first error is the one reported */
  va_start(ap, fmt);
  vsnprintf(sim->errmsg, sizeof sim->errmsg, fmt, ap);
  va_end(ap);
  sim->abort_rc = status;
  sim->stop = 1;
  return status;
}

static void timer_fire(aia_sim *sim, aia__ev *ev);
static void timer_init(aia__pev *e, uint32_t index, void *ctx);

int aia_sim_create(const aia_sim_config *cfg, aia_sim **out)
{
  aia_sim_config c;
  aia_sim *sim;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (cfg == NULL || cfg->struct_size < offsetof(aia_sim_config, clock_hz) + sizeof(uint64_t))
    return AIA_EINVAL;
  aia_sim_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  if (c.clock_hz == 0)
    return AIA_EINVAL;
  sim = calloc(1, sizeof *sim);
  if (sim == NULL)
    return AIA_ENOMEM;
  sim->magic = AIA__SIM_MAGIC;
  sim->seed = c.seed;
  sim->clock_hz = c.clock_hz;
  sim->max_per_cycle = c.max_events_per_cycle;
  sim->max_steps = c.max_steps;
  sim->records = c.records != 0;
  sim->hash = FNV_BASIS;
  sim->seq = 1; /* keys are never 0: 0 marks an idle event */
  sim->next_hook_id = 1;
  aia__evq_init(&sim->q);
  aia__evpool_init(&sim->timers, sizeof(aia__timer), timer_fire, timer_init, NULL);
  *out = sim;
  return AIA_OK;
}

static void tabs_free_retired(aia_sim *sim); /* hook tables, below */

void aia_sim_destroy(aia_sim *sim)
{
  if (!aia__sim_ok(sim) || sim->running || sim->dispatching)
    return; /* from a hook or a callback: not allowed, nothing happens */
  /* The queue first, while every component's memory is valid: cancelled
   * entries stay in the heap and still point at their events (evq.h).
   * Then the components, in reverse order of attachment. */
  aia__evq_free(&sim->q);
  for (uint32_t i = sim->ncomps; i-- > 0;)
    sim->comps[i].destroy(sim->comps[i].obj);
  free(sim->comps);
  aia__evpool_free(&sim->timers, NULL); /* the queue is gone: nothing to take out */
  free(sim->hooks);
  free(sim->tab);
  tabs_free_retired(sim);
  free(sim->nested);
  sim->magic = 0;
  free(sim);
}

int aia__sim_attach(aia_sim *sim, void *obj, void (*destroy)(void *obj))
{
  if (sim->ncomps == sim->comp_cap) {
    uint32_t cap = sim->comp_cap ? sim->comp_cap * 2 : 8;
    aia__component *c = realloc(sim->comps, cap * sizeof *c);
    if (c == NULL)
      return AIA_ENOMEM;
    sim->comps = c;
    sim->comp_cap = cap;
  }
  sim->comps[sim->ncomps].obj = obj;
  sim->comps[sim->ncomps].destroy = destroy;
  sim->ncomps++;
  return AIA_OK;
}

aia_cycle aia_sim_now(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? sim->now : 0;
}

uint64_t aia_sim_seed(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? sim->seed : 0;
}

uint64_t aia_sim_clock_hz(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? sim->clock_hz : 0;
}

aia_cycle aia_sim_ns_to_cycles(const aia_sim *sim, uint64_t ns)
{
  if (!aia__sim_ok(sim))
    return 0;
  /* ns * hz / 1e9 without overflow for any realistic pair. */
  uint64_t hz = sim->clock_hz;
  return (ns / 1000000000u) * hz + (ns % 1000000000u) * hz / 1000000000u;
}

/* Queues ev at (when, phase), which the caller checked is not in the past. */
static inline int sim_push(aia_sim *sim, aia__ev *ev, aia_cycle when, aia_phase phase)
{
  uint64_t key = ((uint64_t)phase << AIA__SEQ_BITS) | (sim->seq++ & ((UINT64_C(1) << AIA__SEQ_BITS) - 1));
  return aia__evq_push(&sim->q, ev, when, key);
}

int aia__sim_at(aia_sim *sim, aia__ev *ev, aia_cycle when, aia_phase phase)
{
  if (when < sim->now || (when == sim->now && sim->running && (uint32_t)phase < sim->phase))
    return aia__sim_fail(sim, AIA_ERANGE,
                         "event scheduled in the past (cycle %llu phase %u, now %llu phase %u)",
                         (unsigned long long)when, (unsigned)phase,
                         (unsigned long long)sim->now, sim->phase);
  return sim_push(sim, ev, when, phase);
}

/* Runs `ev`, the earliest event (just peeked). */
static int run_one(aia_sim *sim, aia__ev *ev)
{
  aia_cycle when = ev->when;
  uint32_t phase = (uint32_t)(ev->key >> AIA__SEQ_BITS);

  if (when == sim->now) {
    if (sim->max_per_cycle && ++sim->same_cycle > sim->max_per_cycle)
      return aia__sim_fail(sim, AIA_ERANGE,
                           "more than %llu events on cycle %llu: zero-delay loop?",
                           (unsigned long long)sim->max_per_cycle,
                           (unsigned long long)when);
  } else {
    sim->same_cycle = 1;
  }
  if (sim->max_steps && sim->steps >= sim->max_steps)
    return aia__sim_fail(sim, AIA_ELIMIT, "the event budget of %llu events is spent (cycle %llu)",
                         (unsigned long long)sim->max_steps, (unsigned long long)when);
  (void)aia__evq_take(&sim->q); /* ev, the front just found */
  sim->now = when;
  sim->phase = phase;
  sim->steps++;
  ev->fire(sim, ev);
  return AIA_OK;
}

/* The earliest event into *ev (NULL: none), or AIA_ENOMEM with errmsg. */
static int next_event(aia_sim *sim, aia__ev **ev)
{
  if (aia__evq_front(&sim->q, ev) != AIA_OK)
    return aia__sim_fail(sim, AIA_ENOMEM, "out of memory in the event queue (cycle %llu)",
                         (unsigned long long)sim->now);
  return AIA_OK;
}

static int run_loop(aia_sim *sim, int bounded, aia_cycle limit)
{
  int rc = AIA_OK;
  aia__ev *top;
  if (sim->abort_rc != AIA_OK)
    return sim->abort_rc;
  sim->running = 1;
  sim->stop = 0;
  for (;;) {
    if (sim->stop || (rc = next_event(sim, &top)) != AIA_OK)
      break;
    if (top == NULL || (bounded && top->when > limit))
      break;
    rc = run_one(sim, top);
    if (rc != AIA_OK)
      break;
  }
  sim->running = 0;
  if (rc == AIA_OK && sim->abort_rc != AIA_OK) {
    sim->stop = 0;
    return sim->abort_rc; /* the clock stays at the event that broke */
  }
  if (rc == AIA_OK && bounded && !sim->stop && limit > sim->now) {
    sim->now = limit;
    sim->phase = 0;
  }
  sim->stop = 0;
  return rc;
}

int aia_sim_run(aia_sim *sim)
{
  int rc;
  if (!aia__sim_ok(sim))
    return AIA_EINVAL;
  if (sim->running || sim->dispatching)
    return aia__sim_fail(sim, AIA_ESTATE, "aia_sim_run called from inside the simulation");
  if ((rc = aia__sim_run_hook(sim, AIA__RUN_ALL, 0)) != AIA_OK)
    return rc;
  rc = run_loop(sim, 0, 0);
  (void)aia__sim_run_hook(sim, AIA__RUN_END, 0);
  return rc;
}

int aia_sim_run_until(aia_sim *sim, aia_cycle limit)
{
  int rc;
  if (!aia__sim_ok(sim))
    return AIA_EINVAL;
  if (sim->running || sim->dispatching)
    return aia__sim_fail(sim, AIA_ESTATE, "aia_sim_run_until called from inside the simulation");
  if (limit < sim->now)
    return aia__sim_fail(sim, AIA_ERANGE, "run_until(%llu) is before now (%llu)",
                         (unsigned long long)limit, (unsigned long long)sim->now);
  if ((rc = aia__sim_run_hook(sim, AIA__RUN_UNTIL, limit)) != AIA_OK)
    return rc;
  return run_loop(sim, 1, limit);
}

int aia_sim_step(aia_sim *sim)
{
  int rc;
  if (!aia__sim_ok(sim))
    return AIA_EINVAL;
  if (sim->running || sim->dispatching)
    return aia__sim_fail(sim, AIA_ESTATE, "aia_sim_step called from inside the simulation");
  if ((rc = aia__sim_run_hook(sim, AIA__RUN_STEP, 0)) != AIA_OK)
    return rc;
  if (sim->abort_rc != AIA_OK)
    return sim->abort_rc;
  aia__ev *top;
  if ((rc = next_event(sim, &top)) != AIA_OK)
    return rc;
  if (top == NULL)
    return AIA_ENOENT;
  sim->running = 1;
  rc = run_one(sim, top);
  sim->running = 0;
  if (rc == AIA_OK && sim->abort_rc != AIA_OK) {
    sim->stop = 0;
    rc = sim->abort_rc;
  }
  return rc;
}

void aia_sim_stop(aia_sim *sim)
{
  if (aia__sim_ok(sim))
    sim->stop = 1;
}

int aia_sim_next_event_cycle(const aia_sim *sim, aia_cycle *when)
{
  aia__ev *top;
  if (!aia__sim_ok(sim) || when == NULL)
    return AIA_EINVAL;
  /* Logically const: a peek may reorganise the queue, never change it. */
  if (aia__evq_front(&((aia_sim *)(uintptr_t)sim)->q, &top) != AIA_OK)
    return AIA_ENOMEM;
  if (top == NULL)
    return AIA_ENOENT;
  *when = top->when;
  return AIA_OK;
}

size_t aia_sim_pending(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? aia__evq_size(&sim->q) : 0;
}

uint64_t aia_sim_steps(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? sim->steps : 0;
}

/* ---- user timers: pooled intrusive events with generation-checked handles */

static void timer_release(aia_sim *sim, aia__timer *t)
{
  t->gen++;
  if (t->gen == 0)
    t->gen = 1;
  t->fn = NULL;
  aia__evpool_put(&sim->timers, &t->pe);
}

static void timer_fire(aia_sim *sim, aia__ev *ev)
{
  aia__timer *t = AIA__CONTAINER_OF(ev, aia__timer, pe.ev);
  aia_timer_fn fn = t->fn;
  void *user = t->user;
  timer_release(sim, t); /* before the call: it may schedule again */
  fn(sim, user);
}

static void timer_init(aia__pev *e, uint32_t index, void *ctx)
{
  aia__timer *t = AIA__CONTAINER_OF(e, aia__timer, pe);
  (void)ctx;
  t->gen = 1;
  t->idx = index;
}

int aia_sim_schedule(aia_sim *sim, aia_cycle when, aia_phase phase, aia_timer_fn fn,
                     void *user, aia_timer *out)
{
  aia__timer *t;
  int rc;

  if (out)
    *out = 0;
  if (!aia__sim_ok(sim) || fn == NULL || (unsigned)phase >= AIA_PH_COUNT_)
    return AIA_EINVAL;
  if (when < sim->now || (when == sim->now && sim->running && (uint32_t)phase < sim->phase))
    return aia__sim_fail(sim, AIA_ERANGE, "cannot schedule at cycle %llu phase %u: now is %llu phase %u",
                         (unsigned long long)when, (unsigned)phase,
                         (unsigned long long)sim->now, sim->phase);
  aia__pev *e = aia__evpool_get(&sim->timers);
  if (e == NULL)
    return aia__sim_fail(sim, AIA_ENOMEM, "out of memory for a timer");
  t = AIA__CONTAINER_OF(e, aia__timer, pe);
  t->fn = fn;
  t->user = user;
  rc = sim_push(sim, &t->pe.ev, when, phase); /* checked above */
  if (rc != AIA_OK) {
    timer_release(sim, t);
    return rc;
  }
  if (out)
    *out = ((uint64_t)t->gen << 32) | (uint64_t)(t->idx + 1);
  return AIA_OK;
}

int aia_sim_cancel(aia_sim *sim, aia_timer h)
{
  uint32_t idx = (uint32_t)(h & 0xffffffffu), gen = (uint32_t)(h >> 32);
  aia__timer *t;
  if (!aia__sim_ok(sim))
    return AIA_EINVAL;
  aia__pev *e = idx == 0 ? NULL : aia__evpool_at(&sim->timers, idx - 1);
  if (e == NULL)
    return AIA_ENOENT;
  t = AIA__CONTAINER_OF(e, aia__timer, pe);
  if (t->gen != gen || t->fn == NULL || !aia__ev_queued(&t->pe.ev))
    return AIA_ENOENT;
  aia__evq_cancel(&sim->q, &t->pe.ev);
  timer_release(sim, t);
  return AIA_OK;
}

/* ---- hooks and the event stream */

/* ---- hook tables
 *
 * A record is handed to the hooks listed for its kind in sim->tab, read
 * through a pointer taken when the record's turn starts: a hook attached
 * meanwhile (by a hook) gets the records after this one. A table replaced
 * while a record is handed out goes to sim->retired until that record is
 * done. A hook detached meanwhile is not called again, not even for this
 * record (its entries in every table are pointed at a no-op at once), and
 * the table is rebuilt without it, in place, when the record is done.
 * sim->tab_pending: a table was retired or a hook detached during a record. */

static void hook_gone(void *user, const aia_event *ev)
{
  (void)user;
  (void)ev;
}

static uint32_t tab_entries(const aia_sim *sim)
{
  uint32_t n = 0;
  for (uint32_t i = 0; i < sim->nhooks; i++)
    n += (uint32_t)__builtin_popcountll(sim->hooks[i].mask);
  return n;
}

/* Fills t from the hooks (t has room: t->cap >= tab_entries). */
static void tab_fill(aia__hooktab *t, const aia_sim *sim)
{
  uint32_t at = 0;
  for (uint32_t k = 0; k < 64; k++) {
    t->start[k] = at;
    for (uint32_t i = 0; i < sim->nhooks; i++)
      if ((sim->hooks[i].mask >> k) & 1u)
        t->e[at++] = (aia__disp){ sim->hooks[i].fn, sim->hooks[i].user, sim->hooks[i].id };
    t->n[k] = at - t->start[k];
  }
}

static void tabs_free_retired(aia_sim *sim)
{
  while (sim->retired) {
    aia__hooktab *t = sim->retired;
    sim->retired = t->next;
    free(t);
  }
}

/* Points the entries of hook `id` in t at the no-op. */
static void tab_forget(aia__hooktab *t, uint32_t id)
{
  for (uint32_t k = 0; k < t->start[63] + t->n[63]; k++)
    if (t->e[k].id == id)
      t->e[k].fn = hook_gone;
}

/* A new table for the hooks as they are now; AIA_ENOMEM leaves the old one. */
static int tab_rebuild(aia_sim *sim)
{
  uint32_t n = tab_entries(sim);
  aia__hooktab *t = malloc(sizeof *t + (size_t)n * sizeof t->e[0]);
  if (t == NULL)
    return AIA_ENOMEM;
  t->next = NULL;
  t->cap = n;
  tab_fill(t, sim);
  if (sim->tab && sim->dispatching) {
    sim->tab->next = sim->retired;
    sim->retired = sim->tab;
    sim->tab_pending = true;
  } else {
    free(sim->tab);
  }
  sim->tab = t;
  return AIA_OK;
}

/* After a record: the retired tables freed, the table refilled (in place:
 * the hooks hold no more entries than when it was made). Out of line: it is
 * rare, and inlined its registers would cost every record. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((cold, noinline))
#endif
static void tab_settle(aia_sim *sim)
{
  tabs_free_retired(sim);
  tab_fill(sim->tab, sim);
  sim->tab_pending = false;
}

int aia_sim_hook_add(aia_sim *sim, uint64_t mask, aia_hook_fn fn, void *user, uint32_t *id)
{
  if (id)
    *id = 0;
  if (!aia__sim_ok(sim) || fn == NULL)
    return AIA_EINVAL;
  if (sim->nhooks == sim->hook_cap) {
    uint32_t cap = sim->hook_cap ? sim->hook_cap * 2 : 4;
    aia__hook *h = realloc(sim->hooks, cap * sizeof *h);
    if (h == NULL)
      return AIA_ENOMEM;
    sim->hooks = h;
    sim->hook_cap = cap;
  }
  aia__hook *h = &sim->hooks[sim->nhooks++];
  h->mask = mask;
  h->fn = fn;
  h->user = user;
  h->id = sim->next_hook_id++;
  if (tab_rebuild(sim) != AIA_OK) {
    sim->nhooks--;
    return AIA_ENOMEM;
  }
  sim->hook_mask |= mask;
  if (id)
    *id = h->id;
  return AIA_OK;
}

int aia_sim_hook_remove(aia_sim *sim, uint32_t id)
{
  if (!aia__sim_ok(sim))
    return AIA_EINVAL;
  for (uint32_t i = 0; i < sim->nhooks; i++) {
    if (sim->hooks[i].id != id)
      continue;
    memmove(&sim->hooks[i], &sim->hooks[i + 1], (sim->nhooks - i - 1) * sizeof *sim->hooks);
    sim->nhooks--;
    sim->hook_mask = 0;
    for (uint32_t k = 0; k < sim->nhooks; k++)
      sim->hook_mask |= sim->hooks[k].mask;
    tab_forget(sim->tab, id);
    for (aia__hooktab *t = sim->retired; t; t = t->next)
      tab_forget(t, id);
    if (sim->dispatching)
      sim->tab_pending = true;
    else
      tab_fill(sim->tab, sim);
    return AIA_OK;
  }
  return AIA_ENOENT;
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
  return (h ^ v) * FNV_PRIME;
}

/* Runs the hooks that want ev->kind (the caller checked hook_mask, so the
 * kind is below 64 and there is a table). */
static inline void dispatch(aia_sim *sim, const aia_event *ev)
{
  const aia__hooktab *t = sim->tab;
  const aia__disp *d = t->e + t->start[ev->kind];
  uint32_t n = t->n[ev->kind];
  sim->dispatching++;
  for (uint32_t i = 0; i < n; i++)
    d[i].fn(d[i].user, ev); /* may attach or detach hooks: see "hook tables" */
  sim->dispatching--;
  if (sim->tab_pending)
    tab_settle(sim);
}

/* A record made by a hook (or by a model a hook called into) waits until the
 * record being dispatched has reached every hook. A hook that makes a record
 * for each record it sees would keep the queue from ever draining: past
 * AIA__NESTED_MAX records made while handling one, the run stops with
 * AIA_ERANGE. */
#define AIA__NESTED_MAX 65536u

__attribute__((cold, noinline))
static void queue_nested(aia_sim *sim, const aia_event *ev)
{
  if (sim->nnested == sim->nested_cap) {
    uint32_t cap = sim->nested_cap ? sim->nested_cap * 2 : 16;
    aia_event *p;
    if (sim->nnested >= AIA__NESTED_MAX) {
      (void)aia__sim_abort(sim, AIA_ERANGE,
                           "hooks made more than %u records while handling one record "
                           "(a hook that records for every record it sees?)",
                           AIA__NESTED_MAX);
      return;
    }
    p = realloc(sim->nested, (size_t)cap * sizeof *p);
    if (p == NULL) {
      (void)aia__sim_abort(sim, AIA_ENOMEM, "out of memory for a record made inside a hook");
      return;
    }
    sim->nested = p;
    sim->nested_cap = cap;
  }
  sim->nested[sim->nnested++] = *ev;
}

/* Hands out the records the hooks made, in the order they were made (rare:
 * out of line, as tab_settle). */
__attribute__((cold, noinline))
static void drain_nested(aia_sim *sim)
{
  while (sim->nested_head < sim->nnested) {
    aia_event ev = sim->nested[sim->nested_head++]; /* the array may move */
    dispatch(sim, &ev);
  }
  sim->nnested = sim->nested_head = 0;
}

void aia__sim_record_on(aia_sim *sim, uint32_t kind, uint32_t hart, uint32_t vm, uint32_t vcpu,
                        uint32_t file, uint32_t iid, uint64_t msi, uint64_t arg)
{
  /* The record is written before the hash is computed, so that its stores
   * have reached the cache when a hook copies it whole: a wide load of
   * narrow stores still in flight waits for them (store forwarding fails). */
  aia_event ev = { .cycle = sim->now, .kind = kind, .hart = hart, .vm = vm, .vcpu = vcpu,
                   .file = file, .iid = iid, .msi = msi, .arg = arg };
  uint64_t h = sim->hash;
  h = mix(h, ev.cycle);
  h = mix(h, ((uint64_t)kind << 32) | hart);
  h = mix(h, ((uint64_t)vm << 32) | vcpu);
  h = mix(h, ((uint64_t)file << 32) | iid);
  h = mix(h, msi);
  h = mix(h, arg);
  sim->hash = h;
  sim->nevents++;
  if (kind < 64 && ((sim->hook_mask >> kind) & 1u)) {
    if (sim->dispatching) {
      queue_nested(sim, &ev);
    } else {
      dispatch(sim, &ev);
      if (sim->nnested)
        drain_nested(sim);
    }
  }
}

void aia_sim_emit(aia_sim *sim, const aia_event *in)
{
  if (!aia__sim_ok(sim) || in == NULL)
    return;
  aia__sim_record(sim, in->kind, in->hart, in->vm, in->vcpu, in->file, in->iid, in->msi, in->arg);
}

uint64_t aia_sim_hash(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? sim->hash : 0;
}

uint64_t aia_sim_event_count(const aia_sim *sim)
{
  return aia__sim_ok(sim) ? sim->nevents : 0;
}

void aia_sim_rng(const aia_sim *sim, uint64_t stream, aia_rng *r)
{
  if (r == NULL)
    return;
  aia_rng_seed(r, aia__sim_ok(sim) ? sim->seed : 0, stream);
}

const char *aia_sim_errmsg(const aia_sim *sim)
{
  if (!aia__sim_ok(sim))
    return "invalid simulation handle";
  return sim->errmsg[0] ? sim->errmsg : "no error";
}

/* ---- records */

static const char kind_names[AIA_EV_KIND_COUNT_][16] = {
  [AIA_EV_USER] = "user",
  [AIA_EV_MSI_POSTED] = "msi_posted",
  [AIA_EV_MSI_LANDED] = "msi_landed",
  [AIA_EV_MSI_DROPPED] = "msi_dropped",
  [AIA_EV_EIP_CLEAR] = "eip_clear",
  [AIA_EV_FILE_LINE] = "file_line",
  [AIA_EV_HGEIP] = "hgeip",
  [AIA_EV_SGEIP] = "sgeip",
  [AIA_EV_IPI_SEND] = "ipi_send",
  [AIA_EV_IPI_DELIVER] = "ipi_deliver",
  [AIA_EV_HART_IDLE] = "hart_idle",
  [AIA_EV_HART_WAKE] = "hart_wake",
  [AIA_EV_HGEIE] = "hgeie",
  [AIA_EV_SEIP] = "seip",
  [AIA_EV_THREAD_ENQUEUE] = "thread_enqueue",
  [AIA_EV_SCHED_IN] = "sched_in",
  [AIA_EV_SCHED_OUT] = "sched_out",
  [AIA_EV_THREAD_WAKE] = "thread_wake",
  [AIA_EV_THREAD_MIGRATE] = "thread_migrate",
  [AIA_EV_THREAD_SLEEP] = "thread_sleep",
  [AIA_EV_VCPU_STATE] = "vcpu_state",
  [AIA_EV_VM_ENTRY] = "vm_entry",
  [AIA_EV_VM_EXIT] = "vm_exit",
  [AIA_EV_KICK] = "kick",
  [AIA_EV_WAKEUP] = "wakeup",
  [AIA_EV_HGEI_IRQ] = "hgei_irq",
  [AIA_EV_INJECT] = "inject",
  [AIA_EV_VSFILE_MIGRATE] = "vsfile_migrate",
  [AIA_EV_SWFILE] = "swfile",
  [AIA_EV_HALT_POLL] = "halt_poll",
  [AIA_EV_BLOCK] = "block",
  [AIA_EV_GUEST_TRAP] = "guest_trap",
  [AIA_EV_CLAIM] = "claim",
  [AIA_EV_WFI] = "wfi",
  [AIA_EV_USER_EXIT] = "user_exit",
  [AIA_EV_MSI_SOURCE] = "msi_source",
  [AIA_EV_VIOLATION] = "violation",
  [AIA_EV_WIRED] = "wired",
  [AIA_EV_APLIC_MSI] = "aplic_msi",
  [AIA_EV_APLIC_LINE] = "aplic_line",
  [AIA_EV_APLIC_MMIO] = "aplic_mmio",
  [AIA_EV_WIRED_REQUEST] = "wired_request",
  [AIA_EV_WIRED_ACK] = "wired_ack",
};

const char *aia_event_kind_name(uint32_t kind)
{
  if (kind >= AIA_EV_KIND_COUNT_ || kind_names[kind][0] == '\0')
    return "unknown";
  return kind_names[kind];
}

void aia_event_init(aia_event *ev, uint32_t kind)
{
  if (ev == NULL)
    return;
  ev->cycle = 0;
  ev->kind = kind;
  ev->hart = ev->vm = ev->vcpu = ev->file = AIA_NONE;
  ev->iid = 0;
  ev->msi = 0;
  ev->arg = 0;
}
