/* lib/core/evq.h: the event queue (private).
 * SPDX-License-Identifier: MIT
 *
 * A 4-ary min-heap of (cycle, key, event) entries. key = phase << 56 | seq,
 * where seq is a per-simulation insertion counter (never 0), so the order is
 * strict, total and independent of the heap's shape. Events are intrusive:
 * each model embeds an aia__ev in its own struct and recovers it with
 * AIA__CONTAINER_OF; nothing is allocated per schedule.
 *
 * Cancellation is O(1) and exact: an event remembers the key it was queued
 * with, and an entry whose key no longer matches its event's is dead. Dead
 * entries are dropped when they reach the top (the top is always live) and
 * the heap is compacted when they outnumber the live ones. So an event's
 * memory must stay valid until it has run, or until the queue is freed:
 * aia_sim_destroy frees the queue before any component. Compared with
 * storing each event's heap slot (eager removal), this saves a write into a
 * random event on every sift step, which is most of the cost of a large heap
 * (bench/engine.c measures the queue against a bare binary heap).
 */
#ifndef AIA__EVQ_H
#define AIA__EVQ_H

#include <stddef.h>
#include <stdint.h>
#include "aiasim/sim.h"

#define AIA__CONTAINER_OF(ptr, type, member) \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define AIA__SEQ_BITS 56

typedef struct aia__ev aia__ev;
typedef void (*aia__ev_fn)(aia_sim *sim, aia__ev *ev);

struct aia__ev {
  aia__ev_fn fire;
  aia_cycle when; /* valid while queued */
  uint64_t key;   /* key it is queued with; 0 = not queued */
};

/* 32 bytes, and the array is placed so that the four children of a node
 * share one 128-byte-aligned block: a sift step touches two cache lines. */
typedef struct aia__evq_ent {
  aia_cycle when;
  uint64_t key;
  aia__ev *ev;
  uint64_t pad_;
} aia__evq_ent;

typedef struct aia__evq {
  aia__evq_ent *a; /* heap array, inside mem */
  void *mem;       /* allocation */
  uint32_t n, cap; /* entries, live or dead */
  uint32_t dead;   /* dead entries still in the heap */
} aia__evq;

/* An event ready to be scheduled (not queued). */
static inline void aia__ev_init(aia__ev *ev, aia__ev_fn fire)
{
  ev->fire = fire;
  ev->when = 0;
  ev->key = 0;
}

static inline int aia__ev_queued(const aia__ev *ev)
{
  return ev->key != 0;
}

void aia__evq_init(aia__evq *q);
void aia__evq_free(aia__evq *q);
/* Live events queued. */
static inline uint32_t aia__evq_size(const aia__evq *q)
{
  return q->n - q->dead;
}
/* AIA_ENOMEM if the heap could not grow; the event is then not queued.
 * key must be non-zero and unique; the event must not be queued. */
int aia__evq_push(aia__evq *q, aia__ev *ev, aia_cycle when, uint64_t key);
/* Earliest (always live) entry, or NULL when empty. */
static inline const aia__evq_ent *aia__evq_peek(const aia__evq *q)
{
  return q->n ? &q->a[0] : NULL;
}
/* Removes and returns the earliest event (slot becomes idle); NULL when empty. */
aia__ev *aia__evq_pop(aia__evq *q);
/* Removes a queued event; no-op for an idle one. */
void aia__evq_cancel(aia__evq *q, aia__ev *ev);

#endif /* AIA__EVQ_H */
