/* lib/core/evpool.c: pools of pooled events (evpool.h).
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "core/evpool.h"
#include "core/sim_impl.h"

void aia__evpool_init(aia__evpool *p, size_t size, aia__ev_fn fire, aia__pev_init init, void *ctx)
{
  p->blocks = NULL;
  p->nblocks = 0;
  p->size = (uint32_t)size;
  p->free = NULL;
  p->fire = fire;
  p->init = init;
  p->ctx = ctx;
}

static aia__pev *elem(const aia__evpool *p, uint32_t b, uint32_t i)
{
  return (aia__pev *)(void *)(p->blocks[b] + (size_t)i * p->size);
}

__attribute__((cold, noinline)) int aia__evpool_grow(aia__evpool *p)
{
  uint32_t b = p->nblocks;
  if (b >= UINT32_MAX / AIA__EVPOOL_BLOCK - 1)
    return AIA_ENOMEM;
  unsigned char **blocks = realloc(p->blocks, (b + 1) * sizeof *blocks);
  if (blocks == NULL)
    return AIA_ENOMEM;
  p->blocks = blocks;
  if ((blocks[b] = calloc(AIA__EVPOOL_BLOCK, p->size)) == NULL)
    return AIA_ENOMEM;
  p->nblocks = b + 1;
  /* Threaded onto the free list lowest index first. */
  for (uint32_t i = AIA__EVPOOL_BLOCK; i-- > 0;) {
    aia__pev *e = elem(p, b, i);
    aia__ev_init(&e->ev, p->fire);
    if (p->init)
      p->init(e, b * AIA__EVPOOL_BLOCK + i, p->ctx);
    e->next_free = p->free;
    p->free = e;
  }
  return AIA_OK;
}

aia__pev *aia__evpool_at(const aia__evpool *p, uint32_t index)
{
  if (index / AIA__EVPOOL_BLOCK >= p->nblocks)
    return NULL;
  return elem(p, index / AIA__EVPOOL_BLOCK, index % AIA__EVPOOL_BLOCK);
}

void aia__evpool_free(aia__evpool *p, aia_sim *sim)
{
  for (uint32_t b = 0; b < p->nblocks; b++) {
    if (sim)
      for (uint32_t i = 0; i < AIA__EVPOOL_BLOCK; i++)
        aia__sim_cancel(sim, &elem(p, b, i)->ev);
    free(p->blocks[b]);
  }
  free(p->blocks);
  p->blocks = NULL;
  p->nblocks = 0;
  p->free = NULL;
}
