/* lib/core/sim_impl.h: the engine's private interface for the model layers.
 * SPDX-License-Identifier: MIT */
#ifndef AIA__SIM_IMPL_H
#define AIA__SIM_IMPL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "aiasim/sim.h"
#include "core/evpool.h"
#include "core/evq.h"

#define AIA__SIM_MAGIC 0x41494153u /* "AIAS" */

typedef struct aia__hook {
  uint64_t mask;
  aia_hook_fn fn;
  void *user;
  uint32_t id;
} aia__hook;

typedef struct aia__timer {
  aia__pev pe;        /* pooled (sim->timers) */
  aia_timer_fn fn;
  void *user;
  uint32_t idx;       /* own index in the pool */
  uint32_t gen;       /* bumped when the timer is freed */
} aia__timer;

/* Run-call boundary hook: at most one per simulation, set by the mailbox
 * (core/mailbox.c). Called with AIA__RUN_ALL / AIA__RUN_UNTIL (limit) /
 * AIA__RUN_STEP when a run call starts, after its argument checks and before
 * it runs anything (a non-OK status makes the call return it), and with
 * AIA__RUN_END when aia_sim_run() returns. */
enum { AIA__RUN_ALL = 0, AIA__RUN_UNTIL = 1, AIA__RUN_STEP = 2, AIA__RUN_END = 3 };
typedef int (*aia__run_hook_fn)(aia_sim *sim, void *obj, int what, aia_cycle limit);

typedef struct aia__component {
  void *obj;
  void (*destroy)(void *obj);
} aia__component;

/* The hooks that want each kind, in attach order, in one block: a record is
 * handed to t->e[t->start[kind] ..][.. t->n[kind]]. */
typedef struct aia__disp {
  aia_hook_fn fn;
  void *user;
  uint32_t id;
} aia__disp;

typedef struct aia__hooktab {
  struct aia__hooktab *next; /* on the retired list */
  uint32_t cap;              /* entries e[] has room for */
  uint32_t start[64], n[64];
  aia__disp e[];
} aia__hooktab;

struct aia_sim {
  uint32_t magic;
  aia_cycle now;
  uint32_t phase;          /* phase of the event running (or last run) */
  uint64_t seq;
  aia__evq q;
  uint64_t seed, clock_hz, max_per_cycle, max_steps;
  uint64_t same_cycle;     /* events run on the current cycle */
  int running, stop;
  int dispatching;         /* hooks being called (records may come outside a run) */
  int abort_rc;            /* a model error stopped the run: every run call returns it */
  bool has_platform;       /* aia_platform_create was called on this sim */

  aia__hook *hooks;
  uint32_t nhooks, hook_cap, next_hook_id;
  uint64_t hook_mask;      /* union of the attached hooks' masks */
  aia__hooktab *tab;       /* the hooks by kind (sim.c, "hook tables") */
  aia__hooktab *retired;   /* tables replaced while a record was handed out */
  bool tab_pending;        /* a table retired or a hook detached during a record */
  /* Records made while hooks run: hashed at once, handed to the hooks after
   * the record being dispatched (FIFO from `nested_head`), so that every hook
   * sees the records in stream order whatever the order it was attached in. */
  aia_event *nested;
  uint32_t nnested, nested_head, nested_cap;

  uint64_t hash, nevents, steps;
  bool records;            /* aia_sim_config.records */

  aia__evpool timers;      /* aia__timer */

  aia__component *comps;
  uint32_t ncomps, comp_cap;

  aia__run_hook_fn run_hook; /* NULL: none */
  void *run_hook_obj;

  char errmsg[256];
};

/* Schedules an intrusive event at (when, phase). The event must be idle.
 * AIA_ERANGE for a time in the past, AIA_ENOMEM. */
int aia__sim_at(aia_sim *sim, aia__ev *ev, aia_cycle when, aia_phase phase);

/* As aia__sim_at, but a same-cycle event in a phase that already passed
 * runs in the current phase instead (after the running event). For model
 * code that continues "at once" from whatever phase it was called in. */
static inline int aia__sim_soon(aia_sim *sim, aia__ev *ev, aia_cycle when, aia_phase phase)
{
  if (when <= sim->now && sim->running && (uint32_t)phase < sim->phase)
    phase = (aia_phase)sim->phase;
  if (when < sim->now)
    when = sim->now;
  return aia__sim_at(sim, ev, when, phase);
}

/* Calls the run-boundary hook, if any. */
static inline int aia__sim_run_hook(aia_sim *sim, int what, aia_cycle limit)
{
  return sim->run_hook ? sim->run_hook(sim, sim->run_hook_obj, what, limit) : AIA_OK;
}

/* A 32-bit value with its bytes reversed (big-endian registers). */
static inline uint32_t aia__swab32(uint32_t x)
{
  return (x >> 24) | ((x >> 8) & 0xFF00u) | ((x << 8) & 0xFF0000u) | (x << 24);
}

/* A hint that the `bytes` at p are about to be used: a prefetch of each
 * cache line, with no effect on what the model does. On a large system an
 * MSI's target (its vCPU, thread, guest, hart) is cold in the cache when
 * the MSI is sent, and the steps that handle the MSI then wait for one miss
 * after another; asked for together, the misses overlap. */
static inline void aia__prefetch(const void *p, size_t bytes)
{
#if defined(__GNUC__) || defined(__clang__)
  for (size_t o = 0; o < bytes; o += 64)
    __builtin_prefetch((const char *)p + o, 1, 3);
#else
  (void)p;
  (void)bytes;
#endif
}

/* Cancels an intrusive event if queued. */
static inline void aia__sim_cancel(aia_sim *sim, aia__ev *ev)
{
  aia__evq_cancel(&sim->q, ev);
}

/* Attaches an object destroyed (in reverse order) by aia_sim_destroy. */
int aia__sim_attach(aia_sim *sim, void *obj, void (*destroy)(void *obj));

/* Writes errmsg and returns status, for one-line error returns. */
int aia__sim_fail(aia_sim *sim, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A model error inside a run (a callback's contract broken): writes
 * errmsg, stops the run, and makes this and every later run call return
 * `status`. Returns status. */
int aia__sim_abort(aia_sim *sim, int status, const char *fmt, ...);

/* True when a handle looks alive. */
static inline int aia__sim_ok(const aia_sim *sim)
{
  return sim != NULL && sim->magic == AIA__SIM_MAGIC;
}

/* aia__sim_record with records on (out of line). */
void aia__sim_record_on(aia_sim *sim, uint32_t kind, uint32_t hart, uint32_t vm, uint32_t vcpu,
                        uint32_t file, uint32_t iid, uint64_t msi, uint64_t arg);

/* aia_sim_emit for the library's own records, with the fields as arguments
 * (AIA_NONE / 0 where a record has none): the same hash, the same hooks,
 * no event copied in. sim must be valid. With records off
 * (aia_sim_config.records = 0) a call is this one test. */
static inline void aia__sim_record(aia_sim *sim, uint32_t kind, uint32_t hart, uint32_t vm,
                                   uint32_t vcpu, uint32_t file, uint32_t iid, uint64_t msi,
                                   uint64_t arg)
{
  if (sim->records)
    aia__sim_record_on(sim, kind, hart, vm, vcpu, file, iid, msi, arg);
}

/* Statistics structs (aia_thread_stats, aia_vcpu_*_stats, aia_host_stats):
 * a size_t struct_size, then nothing but uint64_t counters from `first`.
 * aia__stats_copy_out hands `src` (of `size` bytes) to a caller who set
 * dst's struct_size: as much as fits, struct_size kept. aia__stats_add adds
 * src's counters to dst's. */
static inline void aia__stats_copy_out(void *dst, const void *src, size_t size)
{
  size_t want = *(const size_t *)dst, n = want < size ? want : size;
  memcpy(dst, src, n);
  memcpy(dst, &want, sizeof want);
}

static inline void aia__stats_add(void *dst, const void *src, size_t first, size_t size)
{
  for (size_t off = first; off + sizeof(uint64_t) <= size; off += sizeof(uint64_t)) {
    uint64_t a, b;
    memcpy(&a, (char *)dst + off, sizeof a);
    memcpy(&b, (const char *)src + off, sizeof b);
    a += b;
    memcpy((char *)dst + off, &a, sizeof a);
  }
}

#endif /* AIA__SIM_IMPL_H */
