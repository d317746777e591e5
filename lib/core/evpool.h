/* lib/core/evpool.h: pools of pooled events (private). The model's
 * short-lived events (user timers, the platform's delayed writes, KVM's
 * deferred work) are structs that begin with an aia__pev; a pool makes
 * them AIA__EVPOOL_BLOCK at a time, keeps the free ones on a list, and
 * never moves one (a queued event stays where it is). Taking one and
 * giving it back are two pointer moves, inline.
 * SPDX-License-Identifier: MIT */
#ifndef AIA__EVPOOL_H
#define AIA__EVPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "core/evq.h"

#define AIA__EVPOOL_BLOCK 64u

/* The head of a pooled event; the element's own fields follow it. */
typedef struct aia__pev {
  aia__ev ev;
  struct aia__pev *next_free; /* while free; NULL = the last free one */
} aia__pev;

/* Called once for each new element, with its index in the pool. */
typedef void (*aia__pev_init)(aia__pev *e, uint32_t index, void *ctx);

typedef struct aia__evpool {
  unsigned char **blocks;
  uint32_t nblocks;
  uint32_t size;      /* bytes of one element */
  aia__pev *free;     /* the free elements, through next_free */
  aia__ev_fn fire;    /* every element's event runs this */
  aia__pev_init init; /* may be NULL */
  void *ctx;
} aia__evpool;

/* An empty pool of elements of `size` bytes (an aia__pev first). */
void aia__evpool_init(aia__evpool *p, size_t size, aia__ev_fn fire, aia__pev_init init, void *ctx);
/* Adds a block of free elements; AIA_ENOMEM when out of memory (out of
 * line: once per AIA__EVPOOL_BLOCK elements in use at once). */
int aia__evpool_grow(aia__evpool *p);
/* The element with this index, or NULL if there is none. */
aia__pev *aia__evpool_at(const aia__evpool *p, uint32_t index);
/* Frees every block; with sim, first takes every element's event out of
 * its queue (NULL: the queue is gone already). */
void aia__evpool_free(aia__evpool *p, aia_sim *sim);

/* A free element (its event idle), or NULL when out of memory. */
static inline aia__pev *aia__evpool_get(aia__evpool *p)
{
  aia__pev *e = p->free;
  if (e == NULL) {
    if (aia__evpool_grow(p) != 0)
      return NULL;
    e = p->free;
  }
  p->free = e->next_free;
  return e;
}

/* Gives e back (its event must be idle). */
static inline void aia__evpool_put(aia__evpool *p, aia__pev *e)
{
  e->next_free = p->free;
  p->free = e;
}

#endif
