/* lib/core/evq.c: 4-ary min-heap event queue with exact lazy cancellation.
 * SPDX-License-Identifier: MIT */
#include "core/evq.h"

#include <stdlib.h>
#include <string.h>

static inline int before(const aia__evq_ent *x, const aia__evq_ent *y)
{
  return x->when < y->when || (x->when == y->when && x->key < y->key);
}

static inline int is_dead(const aia__evq_ent *e)
{
  return e->ev->key != e->key;
}

void aia__evq_init(aia__evq *q)
{
  q->a = NULL;
  q->mem = NULL;
  q->n = q->cap = q->dead = 0;
}

void aia__evq_free(aia__evq *q)
{
  for (uint32_t i = 0; i < q->n; i++)
    if (!is_dead(&q->a[i]))
      q->a[i].ev->key = 0;
  free(q->mem);
  aia__evq_init(q);
}

static void sift_up(aia__evq_ent *a, uint32_t i, aia__evq_ent e)
{
  while (i > 0) {
    uint32_t p = (i - 1) >> 2;
    if (!before(&e, &a[p]))
      break;
    a[i] = a[p];
    i = p;
  }
  a[i] = e;
}

static void sift_down(aia__evq_ent *a, uint32_t n, uint32_t i, aia__evq_ent e)
{
  for (;;) {
    uint32_t c = 4 * i + 1, best, end;
    if (c >= n)
      break;
    best = c;
    end = c + 4 < n ? c + 4 : n;
    for (uint32_t k = c + 1; k < end; k++)
      if (before(&a[k], &a[best]))
        best = k;
    if (!before(&a[best], &e))
      break;
    a[i] = a[best];
    i = best;
  }
  a[i] = e;
}

static void remove_top(aia__evq *q)
{
  if (--q->n > 0)
    sift_down(q->a, q->n, 0, q->a[q->n]);
}

/* Restores "the top is live" by dropping dead entries that reached it. */
static void clean_top(aia__evq *q)
{
  while (q->n > 0 && is_dead(&q->a[0])) {
    q->dead--;
    remove_top(q);
  }
}

/* Drops every dead entry and rebuilds the heap (Floyd), O(n). */
static void compact(aia__evq *q)
{
  uint32_t k = 0;
  for (uint32_t i = 0; i < q->n; i++)
    if (!is_dead(&q->a[i]))
      q->a[k++] = q->a[i];
  q->n = k;
  q->dead = 0;
  if (k > 1)
    for (uint32_t i = (k - 2) / 4 + 1; i-- > 0;)
      sift_down(q->a, k, i, q->a[i]);
}

int aia__evq_push(aia__evq *q, aia__ev *ev, aia_cycle when, uint64_t key)
{
  if (q->n == q->cap) {
    aia__evq_ent *a;
    uint32_t cap;
    if (q->dead > q->n / 2) {
      compact(q);
    } else {
      cap = q->cap ? q->cap * 2 : 64;
      if (cap <= q->cap)
        return AIA_ENOMEM;
      /* a[1] on a 128-byte boundary: children 4i+1..4i+4 share a block. */
      void *mem = malloc((size_t)cap * sizeof *a + 256);
      uintptr_t base;
      if (mem == NULL)
        return AIA_ENOMEM;
      base = ((uintptr_t)mem + 128 + 127) & ~(uintptr_t)127;
      a = (aia__evq_ent *)(base - sizeof *a);
      if (q->n)
        memcpy(a, q->a, (size_t)q->n * sizeof *a);
      free(q->mem);
      q->mem = mem;
      q->a = a;
      q->cap = cap;
    }
  }
  aia__evq_ent e = { when, key, ev, 0 };
  ev->when = when;
  ev->key = key;
  sift_up(q->a, q->n++, e);
  return AIA_OK;
}

aia__ev *aia__evq_pop(aia__evq *q)
{
  aia__ev *ev;
  if (q->n == 0)
    return NULL;
  ev = q->a[0].ev; /* live by invariant */
  ev->key = 0;
  remove_top(q);
  clean_top(q);
  return ev;
}

void aia__evq_cancel(aia__evq *q, aia__ev *ev)
{
  if (ev->key == 0)
    return;
  ev->key = 0;
  q->dead++;
  clean_top(q);
  if (q->dead > 1024 && q->dead > q->n - q->dead)
    compact(q);
}
