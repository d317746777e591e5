/* lib/core/evq.h: the event queue (private).
 * SPDX-License-Identifier: MIT
 *
 * Orders (cycle, key, event) entries, key = phase << 56 | seq, where seq is a
 * per-simulation insertion counter (never 0): the order is strict and total,
 * so any correct queue runs events in the same order and the event stream
 * does not depend on the structure chosen here. Events are intrusive: each
 * model embeds an aia__ev in its own struct and recovers it with
 * AIA__CONTAINER_OF; nothing is allocated per schedule.
 *
 * The structure is a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) over
 * the cycle, which works because simulated time never goes back: an entry
 * lives in the bucket numbered by the highest bit in which its cycle differs
 * from `last`, the cycle most recently taken out; a push is an append, and
 * the smallest cycle is found by scanning the lowest non-empty bucket once,
 * which spreads its entries over lower buckets. Entries on `last` itself sit
 * in one short array per phase, sorted by key (`cur`): the same-cycle,
 * zero-delay events that are a third of the model's pushes never touch a
 * bucket. A push before `last` (possible after a peek moved `last` ahead:
 * run_until stopping short, a caller scheduling between run calls) goes to
 * the `early` array, whose entries all come first: a 4-ary heap there. A
 * small queue (fewer than 32 entries) is that array alone, kept sorted:
 * most new entries go near its front, and taking the earliest is a step of
 * its head.
 * docs/engine.md has the measurements behind the choice.
 *
 * Cancellation is O(1) and exact: an event remembers the key it was queued
 * with, and an entry whose key no longer matches its event's is dead. Dead
 * entries are dropped when they reach the front, and everything is
 * compacted once they are more than half of the entries, so their cost is
 * proportional to their share. An event's memory must therefore stay valid
 * until it has run, or until the queue is freed: aia_sim_destroy frees the
 * queue before any component.
 */
#ifndef AIA__EVQ_H
#define AIA__EVQ_H

#include <stddef.h>
#include <stdint.h>
#include "aiasim/sim.h"

#define AIA__CONTAINER_OF(ptr, type, member) \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define AIA__SEQ_BITS 56
#define AIA__EVQ_PHASES 8 /* a key's phase (key >> 56) is below this */
#define AIA__EVQ_LONE (AIA__EVQ_PHASES + 1) /* fsrc: alone in the lowest bucket */

typedef struct aia__ev aia__ev;
typedef void (*aia__ev_fn)(aia_sim *sim, aia__ev *ev);

struct aia__ev {
  aia__ev_fn fire;
  aia_cycle when; /* valid while queued */
  uint64_t key;   /* key it is queued with; 0 = not queued */
};

typedef struct aia__evq_ent {
  aia_cycle when;
  uint64_t key;
  aia__ev *ev;
} aia__evq_ent;

/* A growable array (same-cycle entries, the early array). */
typedef struct aia__evq_vec {
  aia__evq_ent *a;
  uint32_t head, n, cap; /* live slots are a[head .. head + n) */
} aia__evq_vec;

/* Buckets are lists of chunks from shared pools, so the memory follows the
 * entries held, not the largest size each bucket ever had. A list starts
 * with a small chunk (most buckets hold one or two events) and goes on
 * with large ones. */
#define AIA__EVQ_SMALL 2  /* entries: a 64-byte chunk */
#define AIA__EVQ_LARGE 21 /* entries: a 520-byte chunk */
typedef struct aia__evq_chunk {
  struct aia__evq_chunk *next;
  uint32_t n, cap;
  aia__evq_ent e[]; /* cap entries */
} aia__evq_chunk;

typedef struct aia__evq_list {
  aia__evq_chunk *first, *last;
  uint64_t n;
} aia__evq_list;

typedef struct aia__evq {
  aia_cycle last;                    /* every bucket entry is later */
  uint32_t lmask;                    /* bit l: some bucket of level l is not empty */
  uint64_t dmask[8][4];              /* bit d of level l: bucket[l][d] is not empty */
  uint32_t curmask;                  /* bit p: cur[p] is not empty */
  uint32_t fsrc;                     /* where front found the earliest: 0 early, 1 + p cur[p],
                                        AIA__EVQ_LONE alone in bucket[flevel][fdigit] */
  uint32_t flevel, fdigit;
  uint64_t dead;                     /* dead entries still held */
  uint64_t total;                    /* entries held, live or dead */
  aia__evq_list *bucket[8];          /* [highest differing byte][its value]; a level's
                                        256 lists are allocated when first used */
  uint32_t lalloc;                   /* bit l: bucket[l] is allocated */
  aia__evq_vec cur[AIA__EVQ_PHASES]; /* on cycle `last`, by phase, key order */
  aia__evq_vec early;                /* cycles before `last` (the whole queue in small
                                        mode), earliest at a[head]: sorted, or a
                                        4-ary heap from a[0] when eheap */
  uint32_t eheap;
  aia__evq_chunk *pool[2];           /* free chunks: small, large */
  uint64_t npool[2], nchunks[2];     /* free, allocated */
  uint64_t want[2];                  /* largest recent reservation (pool_fill) */
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
/* Frees the queue; the events still queued become idle. */
void aia__evq_free(aia__evq *q);
/* Live events queued. */
static inline uint64_t aia__evq_size(const aia__evq *q)
{
  return q->total - q->dead;
}
/* AIA_ENOMEM if the queue could not grow; the event is then not queued.
 * key must be non-zero and unique, its phase below AIA__EVQ_PHASES; the
 * event must not be queued. Any cycle is accepted (earlier than the last
 * one taken out too); the queue is fastest when cycles do not go back. */
int aia__evq_push(aia__evq *q, aia__ev *ev, aia_cycle when, uint64_t key);
/* The earliest live event into *out (its when and key say where it is
 * queued), NULL when empty. Logically const, but finding it may reorganise
 * the queue, which needs memory: AIA_ENOMEM (queue unchanged, *out NULL).
 * After AIA_OK, aia__evq_take takes out this event without allocating. */
int aia__evq_front_slow(aia__evq *q, aia__ev **out);
static inline int aia__evq_front(aia__evq *q, aia__ev **out)
{
  if (q->early.n > 0) { /* the early array comes first */
    const aia__evq_ent *e = q->early.a + q->early.head;
    if (e->ev->key == e->key) {
      q->fsrc = 0;
      *out = e->ev;
      return 0;
    }
  }
  return aia__evq_front_slow(q, out);
}
/* aia__evq_front without the status: NULL when empty or out of memory. */
aia__ev *aia__evq_peek(aia__evq *q);
/* Removes and returns the event the last aia__evq_front found (it becomes
 * idle). Only right after a front that found one, with no push or cancel
 * in between. */
aia__ev *aia__evq_take(aia__evq *q);
/* Removes and returns the earliest event (it becomes idle); NULL when
 * empty or out of memory. */
aia__ev *aia__evq_pop(aia__evq *q);
/* Removes a queued event; no-op for an idle one. */
void aia__evq_cancel(aia__evq *q, aia__ev *ev);
/* Bytes allocated by the queue (for memory accounting). */
size_t aia__evq_bytes(const aia__evq *q);

#endif /* AIA__EVQ_H */
