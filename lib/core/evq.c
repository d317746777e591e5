/* lib/core/evq.c: the event queue, a radix heap over cycles with same-cycle
 * arrays per phase and exact lazy cancellation (evq.h has the design).
 * SPDX-License-Identifier: MIT */
#include "core/evq.h"

#include <stdlib.h>
#include <string.h>

#define VEC_KEEP 4096u /* an emptied array larger than this is freed */
/* A small queue is the early array alone, sorted (a few cache lines,
 * faster than any bucket structure); it becomes a radix heap when it holds
 * SMALL_MAX entries and goes back below SMALL_MIN. */
#define SMALL_MAX 32u
#define SMALL_MIN 8u
/* Same-cycle entries whose events are fetched ahead of their turn: a front
 * check reads the event (is it still queued with this key?), which misses
 * the cache when many thousands are pending. */
#define PREFETCH_AHEAD 2u
/* The queue's rare paths (growing, changing between the small array and the
 * buckets) stay out of line, so that the common ones do not save and
 * restore the registers those need. */
#define RARE __attribute__((noinline, cold))

static inline int before(const aia__evq_ent *x, const aia__evq_ent *y)
{
  return x->when < y->when || (x->when == y->when && x->key < y->key);
}

static inline int is_dead(const aia__evq_ent *e)
{
  return e->ev->key != e->key;
}

/* Level of a cycle later than last: the highest byte that differs; the
 * bucket in that level is the cycle's value of that byte. */
static inline unsigned level_of(aia_cycle when, aia_cycle last)
{
  return (63u - (unsigned)__builtin_clzll(when ^ last)) >> 3;
}

static inline unsigned digit_of(aia_cycle when, unsigned level)
{
  return (unsigned)(when >> (8 * level)) & 255u;
}

static inline unsigned phase_of(uint64_t key)
{
  return (unsigned)(key >> AIA__SEQ_BITS);
}

/* ---- growable arrays */

/* vec_reserve when the array is full: slides the live part to the front
 * when that is enough, else reallocates. */
RARE static int vec_grow(aia__evq_vec *v, uint64_t more)
{
  uint64_t need = (uint64_t)v->n + more;
  if (v->head > 0) {
    memmove(v->a, v->a + v->head, (size_t)v->n * sizeof *v->a);
    v->head = 0;
    if (need <= v->cap)
      return AIA_OK;
  }
  uint64_t cap = v->cap ? v->cap : 16;
  while (cap < need)
    cap *= 2;
  if (cap > UINT32_MAX || cap > SIZE_MAX / sizeof *v->a)
    return AIA_ENOMEM;
  aia__evq_ent *a = realloc(v->a, (size_t)cap * sizeof *a);
  if (a == NULL)
    return AIA_ENOMEM;
  v->a = a;
  v->cap = (uint32_t)cap;
  return AIA_OK;
}

/* Room for `more` entries after a[head + n). */
static inline int vec_reserve(aia__evq_vec *v, uint64_t more)
{
  if ((uint64_t)v->head + v->n + more <= v->cap)
    return AIA_OK;
  return vec_grow(v, more);
}

RARE static void vec_free(aia__evq_vec *v)
{
  free(v->a);
  v->a = NULL;
  v->head = v->n = v->cap = 0;
}

/* An array that just became empty: rewound, and freed if a burst made it big. */
static void vec_emptied(aia__evq_vec *v)
{
  v->head = 0;
  if (v->cap > VEC_KEEP)
    vec_free(v);
}

/* ---- chunk lists (the buckets) */

static const uint32_t chunk_cap[2] = { AIA__EVQ_SMALL, AIA__EVQ_LARGE };

static inline unsigned class_of(const aia__evq_chunk *c)
{
  return c->cap == AIA__EVQ_LARGE;
}

/* pool_fill when the pool is short: allocates the chunks missing. */
RARE static int pool_grow(aia__evq *q, unsigned k, uint64_t want)
{
  while (q->npool[k] < want) {
    aia__evq_chunk *c = malloc(sizeof *c + chunk_cap[k] * sizeof(aia__evq_ent));
    if (c == NULL)
      return AIA_ENOMEM;
    c->cap = chunk_cap[k];
    c->next = q->pool[k];
    q->pool[k] = c;
    q->npool[k]++;
    q->nchunks[k]++;
  }
  return AIA_OK;
}

/* Makes sure pool `k` holds at least `want` chunks. */
static inline int pool_fill(aia__evq *q, unsigned k, uint64_t want)
{
  if (want > q->want[k])
    q->want[k] = want;
  return q->npool[k] >= want ? AIA_OK : pool_grow(q, k, want);
}

/* Gives back free chunks beyond a quarter of those in use (and 64), or
 * beyond the largest recent reservation when that is more: taking a bucket
 * apart reserves for its worst case first, and trimming below that made
 * every such reservation allocate again what the last trim had freed. The
 * recent peak fades by a sixteenth a trim, so memory follows the demand. */
RARE static void pool_trim(aia__evq *q)
{
  for (unsigned k = 0; k < 2; k++) {
    uint64_t keep = 64 + (q->nchunks[k] - q->npool[k]) / 4;
    if (keep < q->want[k])
      keep = q->want[k];
    q->want[k] -= q->want[k] / 16;
    while (q->npool[k] > keep) {
      aia__evq_chunk *c = q->pool[k];
      q->pool[k] = c->next;
      free(c);
      q->npool[k]--;
      q->nchunks[k]--;
    }
  }
}

static inline void pool_put(aia__evq *q, aia__evq_chunk *c)
{
  unsigned k = class_of(c);
  c->next = q->pool[k];
  q->pool[k] = c;
  q->npool[k]++;
}

/* Does appending to l need a chunk of class *k? */
static inline int needs_chunk(const aia__evq_list *l, unsigned *k)
{
  if (l->last == NULL) {
    *k = 0;
    return 1;
  }
  *k = 1;
  return l->last->n == l->last->cap;
}

/* Appends to a list; the caller made sure the pool it needs is not empty. */
__attribute__((always_inline)) static inline void list_append(aia__evq *q, aia__evq_list *l, aia__evq_ent e)
{
  aia__evq_chunk *c = l->last;
  unsigned k;
  if (needs_chunk(l, &k)) {
    aia__evq_chunk *f = q->pool[k];
    q->pool[k] = f->next;
    q->npool[k]--;
    f->next = NULL;
    f->n = 0;
    if (c)
      c->next = f;
    else
      l->first = f;
    l->last = c = f;
  }
  c->e[c->n++] = e;
  l->n++;
}

/* Empties a list, its chunks back to the pools. */
static void list_clear(aia__evq *q, aia__evq_list *l)
{
  for (aia__evq_chunk *c = l->first; c;) {
    aia__evq_chunk *next = c->next;
    pool_put(q, c);
    c = next;
  }
  l->first = l->last = NULL;
  l->n = 0;
}

/* ---- same-cycle arrays: sorted by key, nearly always appended */

/* Out of order (a bucket mixes entries moved down with later pushes):
 * binary search, then one move. */
__attribute__((noinline)) static void cur_insert_sorted(aia__evq_vec *v, aia__evq_ent e)
{
  aia__evq_ent *a = v->a;
  uint32_t lo = v->head, hi = v->head + v->n, end = hi;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (a[mid].key < e.key)
      lo = mid + 1;
    else
      hi = mid;
  }
  memmove(&a[lo + 1], &a[lo], (size_t)(end - lo) * sizeof *a);
  a[lo] = e;
  v->n++;
}

static inline void cur_insert(aia__evq *q, aia__evq_ent e)
{
  aia__evq_vec *v = &q->cur[phase_of(e.key)];
  uint32_t end = v->head + v->n;
  if (v->n > 0 && v->a[end - 1].key > e.key) {
    cur_insert_sorted(v, e);
  } else {
    v->a[end] = e;
    v->n++;
  }
  q->curmask |= 1u << phase_of(e.key);
}

/* ---- the early array: sorted by cycle then key, the earliest at head */

/* Inserts e in order (the caller made room at the end). In a small queue
 * most new entries go near the front (a zero delay, or the next event of
 * a hart, before the timers further out), so the place is looked for from
 * the front, the first eight one by one, then by binary search; the part
 * before it moves down by one when there is room before head and it is
 * the shorter, else the part after it moves up. */
static void early_insert(aia__evq_vec *h, aia__evq_ent e)
{
  aia__evq_ent *a = h->a;
  uint32_t lo = h->head, end = h->head + h->n, scan = h->n < 8 ? end : lo + 8;
  while (lo < scan && before(&a[lo], &e))
    lo++;
  if (lo == scan && scan < end) {
    uint32_t hi = end;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (before(&a[mid], &e))
        lo = mid + 1;
      else
        hi = mid;
    }
  }
  if (h->head > 0 && lo - h->head <= end - lo) {
    for (uint32_t i = h->head; i < lo; i++) /* none to a few */
      a[i - 1] = a[i];
    h->head--;
    a[lo - 1] = e;
  } else {
    memmove(&a[lo + 1], &a[lo], (size_t)(end - lo) * sizeof *a);
    a[lo] = e;
  }
  h->n++;
}

/* Sorts the early array (insertion sort: collapse fills it with at most
 * SMALL_MIN entries). */
static void early_sort(aia__evq_vec *h)
{
  if (h->n < 2)
    return; /* (and h->a may be NULL) */
  aia__evq_ent *a = h->a + h->head;
  for (uint32_t i = 1; i < h->n; i++) {
    aia__evq_ent e = a[i];
    uint32_t k = i;
    while (k > 0 && before(&e, &a[k - 1])) {
      a[k] = a[k - 1];
      k--;
    }
    a[k] = e;
  }
}

/* 4-ary heap operations, for the early array when it is a heap. */
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
    uint32_t c = 4 * i + 1, best = c;
    if (c + 3 < n) {
      /* Four children: two pairs, then their winners (independent
       * compares, no loop). */
      uint32_t x = before(&a[c + 1], &a[c]) ? c + 1 : c;
      uint32_t y = before(&a[c + 3], &a[c + 2]) ? c + 3 : c + 2;
      best = before(&a[y], &a[x]) ? y : x;
    } else {
      if (c >= n)
        break;
      for (uint32_t k = c + 1; k < n; k++)
        if (before(&a[k], &a[best]))
          best = k;
    }
    if (!before(&a[best], &e))
      break;
    a[i] = a[best];
    i = best;
  }
  a[i] = e;
}

static void heapify(aia__evq_vec *h)
{
  if (h->n > 1)
    for (uint32_t i = (h->n - 2) / 4 + 1; i-- > 0;)
      sift_down(h->a, h->n, i, h->a[i]);
}

static void early_emptied(aia__evq *q)
{
  vec_emptied(&q->early);
  q->eheap = 0;
}

/* Queues e in the early array (the caller made room at the end). The array
 * is kept sorted while the queue is that array alone and it is small: then
 * most new entries go near its front, a few moves. Otherwise it becomes a
 * 4-ary heap (a sorted array from index 0 is one already), so that no
 * sequence of pushes makes one cost more than a logarithm: in the buckets'
 * mode the array holds the entries scheduled before `last`, as many as a
 * caller makes between two run calls. */
__attribute__((noinline)) static void early_push_heap(aia__evq *q, aia__evq_ent e)
{
  aia__evq_vec *h = &q->early;
  if (!q->eheap) {
    if (h->head > 0) {
      memmove(h->a, h->a + h->head, (size_t)h->n * sizeof *h->a);
      h->head = 0;
    }
    q->eheap = 1;
  }
  sift_up(h->a, h->n++, e);
}

static inline void early_push(aia__evq *q, aia__evq_ent e, int small)
{
  if (small && !q->eheap && q->early.n < SMALL_MAX)
    early_insert(&q->early, e);
  else
    early_push_heap(q, e);
}

__attribute__((noinline)) static void early_pop_heap(aia__evq_vec *h)
{
  sift_down(h->a, h->n, 0, h->a[h->n]);
}

static void early_remove_top(aia__evq *q)
{
  aia__evq_vec *h = &q->early;
  if (--h->n == 0)
    early_emptied(q);
  else if (!q->eheap)
    h->head++;
  else
    early_pop_heap(h);
  q->total--;
}

/* ---- the queue */

static inline void mark(aia__evq *q, unsigned lv, unsigned d)
{
  q->dmask[lv][d >> 6] |= UINT64_C(1) << (d & 63);
  q->lmask |= 1u << lv;
}

static inline void unmark(aia__evq *q, unsigned lv, unsigned d)
{
  uint64_t *m = q->dmask[lv];
  m[d >> 6] &= ~(UINT64_C(1) << (d & 63));
  if ((m[0] | m[1] | m[2] | m[3]) == 0)
    q->lmask &= ~(1u << lv);
}

/* The lowest non-empty bucket: lowest level, then lowest value. */
static inline unsigned lowest(const aia__evq *q, unsigned *d)
{
  unsigned lv = (unsigned)__builtin_ctz(q->lmask);
  const uint64_t *m = q->dmask[lv];
  unsigned w = m[0] ? 0 : m[1] ? 1 : m[2] ? 2 : 3;
  *d = w * 64 + (unsigned)__builtin_ctzll(m[w]);
  return lv;
}

void aia__evq_init(aia__evq *q)
{
  memset(q, 0, sizeof *q);
}

static void idle_if_live(const aia__evq_ent *e)
{
  if (!is_dead(e))
    e->ev->key = 0;
}

void aia__evq_free(aia__evq *q)
{
  for (unsigned lv = 0; lv < 8; lv++) {
    for (unsigned d = 0; q->bucket[lv] && d < 256; d++)
      for (aia__evq_chunk *c = q->bucket[lv][d].first; c;) {
        aia__evq_chunk *next = c->next;
        for (uint32_t i = 0; i < c->n; i++)
          idle_if_live(&c->e[i]);
        free(c);
        c = next;
      }
    free(q->bucket[lv]);
  }
  for (unsigned k = 0; k < 2; k++)
    for (aia__evq_chunk *c = q->pool[k]; c;) {
      aia__evq_chunk *next = c->next;
      free(c);
      c = next;
    }
  for (unsigned p = 0; p <= AIA__EVQ_PHASES; p++) {
    aia__evq_vec *v = p < AIA__EVQ_PHASES ? &q->cur[p] : &q->early;
    for (uint32_t i = v->head; i < v->head + v->n; i++)
      idle_if_live(&v->a[i]);
    vec_free(v);
  }
  aia__evq_init(q);
}

size_t aia__evq_bytes(const aia__evq *q)
{
  size_t n = (size_t)q->nchunks[0] * (sizeof(aia__evq_chunk) + AIA__EVQ_SMALL * sizeof(aia__evq_ent)) +
             (size_t)q->nchunks[1] * (sizeof(aia__evq_chunk) + AIA__EVQ_LARGE * sizeof(aia__evq_ent));
  for (unsigned lv = 0; lv < 8; lv++)
    if (q->bucket[lv])
      n += 256 * sizeof(aia__evq_list);
  for (unsigned p = 0; p < AIA__EVQ_PHASES; p++)
    n += (size_t)q->cur[p].cap * sizeof(aia__evq_ent);
  return n + (size_t)q->early.cap * sizeof(aia__evq_ent);
}

static inline int small_mode(const aia__evq *q)
{
  return (q->lmask | q->curmask) == 0;
}

/* Files an entry not before `last` (the caller made room): the same-cycle
 * arrays for `last` itself, else the bucket of its highest differing byte. */
static inline void place(aia__evq *q, aia__evq_ent e)
{
  if (e.when == q->last) {
    cur_insert(q, e);
  } else {
    unsigned lv = level_of(e.when, q->last), d = digit_of(e.when, lv);
    list_append(q, &q->bucket[lv][d], e);
    mark(q, lv, d);
  }
}

/* levels_ensure for the levels not allocated yet. */
RARE static int levels_grow(aia__evq *q, unsigned mask)
{
  for (mask &= ~q->lalloc; mask; mask &= mask - 1) {
    unsigned lv = (unsigned)__builtin_ctz(mask);
    if ((q->bucket[lv] = calloc(256, sizeof(aia__evq_list))) == NULL)
      return AIA_ENOMEM;
    q->lalloc |= 1u << lv;
  }
  return AIA_OK;
}

/* Makes sure the levels in the mask have their lists (one test when they
 * do: every bucket taken apart asks). */
static inline int levels_ensure(aia__evq *q, unsigned mask)
{
  return (mask & ~q->lalloc) ? levels_grow(q, mask) : AIA_OK;
}

/* The levels entries after `from` go to, as a mask. */
static unsigned levels_of(const aia__evq_ent *e, size_t n, aia_cycle from)
{
  unsigned mask = 0;
  for (size_t i = 0; i < n; i++)
    if (e[i].when != from)
      mask |= 1u << level_of(e[i].when, from);
  return mask;
}

/* Room in the same-cycle arrays for on_min[p] entries of each phase p in
 * pmask (the entries on the cycle that is becoming `last`). */
static int reserve_on_min(aia__evq *q, const uint64_t *on_min, unsigned pmask)
{
  for (; pmask; pmask &= pmask - 1) {
    unsigned p = (unsigned)__builtin_ctz(pmask);
    if (vec_reserve(&q->cur[p], on_min[p]) != AIA_OK)
      return AIA_ENOMEM;
  }
  return AIA_OK;
}

/* The early array holds the whole queue and is full: its entries move to the
 * buckets, `last` being their smallest cycle. All the memory is found first
 * (with room to spare: the pools are trimmed later), so a failure leaves
 * the queue the array alone. */
RARE static int expand(aia__evq *q)
{
  aia__evq_vec *h = &q->early;
  uint32_t n = h->n;
  const aia__evq_ent *a = h->a + h->head;
  aia_cycle min = a[0].when;
  uint64_t on_min[AIA__EVQ_PHASES] = { 0 };
  unsigned pmask = 0;
  if (levels_ensure(q, levels_of(a, n, min)) != AIA_OK)
    return AIA_ENOMEM;
  for (uint32_t i = 0; i < n; i++)
    if (a[i].when == min) {
      on_min[phase_of(a[i].key)]++;
      pmask |= 1u << phase_of(a[i].key);
    }
  if (pool_fill(q, 0, n) != AIA_OK || pool_fill(q, 1, n / 3 + 1) != AIA_OK)
    return AIA_ENOMEM;
  if (reserve_on_min(q, on_min, pmask) != AIA_OK)
    return AIA_ENOMEM;
  q->last = min;
  for (uint32_t i = 0; i < n; i++)
    place(q, a[i]);
  h->n = 0;
  early_emptied(q);
  pool_trim(q);
  return AIA_OK;
}

/* The queue has shrunk below SMALL_MIN: everything goes back to the early
 * array, sorted. Skipped (the queue stays as it is) if the array cannot grow. */
RARE static void collapse(aia__evq *q)
{
  aia__evq_vec *h = &q->early;
  if (vec_reserve(h, q->total - h->n) != AIA_OK)
    return;
  for (unsigned lv = 0; lv < 8; lv++) {
    if (!(q->lmask & (1u << lv)))
      continue;
    for (unsigned d = 0; d < 256; d++) {
      aia__evq_list *l = &q->bucket[lv][d];
      if (l->n == 0)
        continue;
      for (aia__evq_chunk *c = l->first; c; c = c->next)
        for (uint32_t i = 0; i < c->n; i++)
          h->a[h->head + h->n++] = c->e[i];
      list_clear(q, l);
    }
    memset(q->dmask[lv], 0, sizeof q->dmask[lv]);
  }
  for (unsigned p = 0; p < AIA__EVQ_PHASES; p++) {
    aia__evq_vec *v = &q->cur[p];
    for (uint32_t i = v->head; i < v->head + v->n; i++)
      h->a[h->head + h->n++] = v->a[i];
    v->n = 0;
    vec_emptied(v);
  }
  q->lmask = q->curmask = 0;
  early_sort(h);
  q->eheap = 0;
  q->want[0] = q->want[1] = 0; /* no bucket left to take apart */
  pool_trim(q);
}

int aia__evq_push(aia__evq *q, aia__ev *ev, aia_cycle when, uint64_t key)
{
  aia__evq_ent e = { when, key, ev };
  if (phase_of(key) >= AIA__EVQ_PHASES || key == 0)
    return AIA_EINVAL;
  if (small_mode(q) && (q->early.n < SMALL_MAX || expand(q) != AIA_OK)) {
    if (vec_reserve(&q->early, 1) != AIA_OK)
      return AIA_ENOMEM;
    early_push(q, e, 1);
  } else if (when > q->last) {
    unsigned lv = level_of(when, q->last), d = digit_of(when, lv);
    if (levels_ensure(q, 1u << lv) != AIA_OK)
      return AIA_ENOMEM;
    aia__evq_list *l = &q->bucket[lv][d];
    unsigned k;
    if (needs_chunk(l, &k) && q->npool[k] == 0 && pool_fill(q, k, 1) != AIA_OK)
      return AIA_ENOMEM;
    list_append(q, l, e);
    mark(q, lv, d);
  } else if (when == q->last) {
    if (vec_reserve(&q->cur[phase_of(key)], 1) != AIA_OK)
      return AIA_ENOMEM;
    cur_insert(q, e);
  } else {
    if (vec_reserve(&q->early, 1) != AIA_OK)
      return AIA_ENOMEM;
    early_push(q, e, 0);
  }
  ev->when = when;
  ev->key = key;
  q->total++;
  return AIA_OK;
}

/* Takes the lowest non-empty bucket, bucket[lv][d], apart: its smallest
 * cycle becomes `last`, its entries on that cycle go to the same-cycle
 * arrays (empty when this is called) and the others to buckets of lower
 * levels. In level 0 a bucket holds one cycle, so it goes to the same-cycle
 * arrays whole. The memory is found first, so a failure leaves the queue as
 * it was. */
static int redistribute(aia__evq *q, unsigned lv, unsigned d)
{
  aia__evq_list *l = &q->bucket[lv][d];
  aia_cycle min = UINT64_MAX;
  uint64_t on_min[AIA__EVQ_PHASES] = { 0 };
  unsigned pmask = 0; /* phases with entries on min */

  if (lv == 0) {
    /* One cycle: everything to the same-cycle arrays, which were empty, so
     * a failure to grow one only has to empty them again. */
    for (aia__evq_chunk *c = l->first; c; c = c->next)
      for (uint32_t i = 0; i < c->n; i++) {
        aia__evq_vec *v = &q->cur[phase_of(c->e[i].key)];
        if (v->head + v->n == v->cap && vec_reserve(v, 1) != AIA_OK) {
          for (unsigned p = 0; p < AIA__EVQ_PHASES; p++)
            q->cur[p].head = q->cur[p].n = 0;
          q->curmask = 0;
          return AIA_ENOMEM;
        }
        cur_insert(q, c->e[i]);
      }
    q->last = l->first->e[0].when;
    list_clear(q, l);
    unmark(q, 0, d);
    {
      /* A full bucket: the events behind the first are likely not in
       * cache (a queue of many thousands); take() keeps this lead. */
      const aia__evq_vec *v = &q->cur[__builtin_ctz(q->curmask)];
      for (uint32_t i = 1; i <= PREFETCH_AHEAD && i < v->n; i++)
        __builtin_prefetch(v->a[v->head + i].ev);
    }
    return AIA_OK;
  }
  for (aia__evq_chunk *c = l->first; c; c = c->next)
    for (uint32_t i = 0; i < c->n; i++) {
      aia_cycle w = c->e[i].when;
      if (w < min) {
        min = w;
        memset(on_min, 0, sizeof on_min);
        pmask = 0;
      }
      if (w == min) {
        on_min[phase_of(c->e[i].key)]++;
        pmask |= 1u << phase_of(c->e[i].key);
      }
    }
  {
    /* Each bucket below may need one chunk more than its share. */
    uint64_t spread = l->n < 256u * lv ? l->n : 256u * lv;
    if (pool_fill(q, 0, spread) != AIA_OK ||
        pool_fill(q, 1, l->n / AIA__EVQ_LARGE + (spread < l->n / 2 ? spread : l->n / 2) + 1) != AIA_OK)
      return AIA_ENOMEM;
  }
  if (reserve_on_min(q, on_min, pmask) != AIA_OK)
    return AIA_ENOMEM;
  /* The entries go to levels below this one (allocated once for all). */
  if (levels_ensure(q, (1u << lv) - 1) != AIA_OK)
    return AIA_ENOMEM;

  q->last = min;
  if (lv == 1) {
    /* Everything goes to level 0 (or to the same-cycle arrays): the
     * entries share all but their low byte with `last`. */
    aia__evq_list *b0 = q->bucket[0];
    uint64_t down = 0;
    for (aia__evq_chunk *c = l->first; c; c = c->next)
      for (uint32_t i = 0; i < c->n; i++) {
        if (c->e[i].when == min) {
          cur_insert(q, c->e[i]);
        } else {
          unsigned d0 = (unsigned)c->e[i].when & 255u;
          list_append(q, &b0[d0], c->e[i]);
          q->dmask[0][d0 >> 6] |= UINT64_C(1) << (d0 & 63);
          down++;
        }
      }
    if (down)
      q->lmask |= 1u;
  } else {
    for (aia__evq_chunk *c = l->first; c; c = c->next)
      for (uint32_t i = 0; i < c->n; i++)
        place(q, c->e[i]);
  }
  list_clear(q, l);
  unmark(q, lv, d);
  if (q->npool[0] > 64 || q->npool[1] > 64)
    pool_trim(q);
  return AIA_OK;
}

/* Finds the earliest live entry, dropping dead ones in front of it.
 * q->fsrc says where it is (0 = the early array, 1 + p = cur[p],
 * AIA__EVQ_LONE the lowest bucket, bucket[flevel][fdigit], holding nothing
 * else). */
static int front(aia__evq *q, aia__evq_ent **out)
{
  *out = NULL;
  for (;;) {
    aia__evq_vec *h = &q->early;
    if (h->n > 0) {
      if (is_dead(&h->a[h->head])) {
        q->dead--;
        early_remove_top(q);
        continue;
      }
      *out = &h->a[h->head];
      q->fsrc = 0;
      return AIA_OK;
    }
    if (q->curmask) {
      unsigned p = (unsigned)__builtin_ctz(q->curmask);
      aia__evq_vec *v = &q->cur[p];
      aia__evq_ent *e = &v->a[v->head];
      if (is_dead(e)) {
        q->dead--;
        q->total--;
        v->head++;
        if (--v->n == 0) {
          q->curmask &= ~(1u << p);
          vec_emptied(v);
        }
        continue;
      }
      *out = e;
      q->fsrc = 1 + p;
      return AIA_OK;
    }
    if (q->lmask == 0)
      return AIA_OK;
    /* The lowest bucket holding a single live entry: that entry is the
     * earliest and is taken from where it is, with no trip through the
     * same-cycle arrays (taking the bucket apart would only move it
     * there). Its cycle becomes `last`, and every other entry stays where
     * it belongs: they are all in this level or higher, in buckets above
     * this one. */
    unsigned d, lv = lowest(q, &d);
    aia__evq_list *l = &q->bucket[lv][d];
    if (l->n == 1 && !is_dead(&l->first->e[0])) {
      *out = &l->first->e[0];
      q->fsrc = AIA__EVQ_LONE;
      q->flevel = lv;
      q->fdigit = d;
      return AIA_OK;
    }
    int rc = redistribute(q, lv, d);
    if (rc != AIA_OK)
      return rc;
  }
}

int aia__evq_front_slow(aia__evq *q, aia__ev **out)
{
  aia__evq_ent *e;
  int rc = front(q, &e);
  *out = e ? e->ev : NULL;
  return rc;
}

aia__ev *aia__evq_peek(aia__evq *q)
{
  aia__ev *ev;
  return aia__evq_front(q, &ev) == AIA_OK ? ev : NULL;
}

aia__ev *aia__evq_take(aia__evq *q)
{
  aia__ev *ev;
  if (q->fsrc == 0) {
    ev = q->early.a[q->early.head].ev;
    early_remove_top(q);
  } else if (q->fsrc == AIA__EVQ_LONE) {
    aia__evq_list *l = &q->bucket[q->flevel][q->fdigit];
    ev = l->first->e[0].ev;
    q->last = l->first->e[0].when; /* nothing else is queued on it: cur is empty */
    list_clear(q, l);
    unmark(q, q->flevel, q->fdigit);
    q->total--;
  } else {
    aia__evq_vec *v = &q->cur[q->fsrc - 1];
    ev = v->a[v->head].ev;
    q->total--;
    v->head++;
    if (v->n > PREFETCH_AHEAD + 1)
      __builtin_prefetch(v->a[v->head + PREFETCH_AHEAD].ev);
    if (--v->n == 0) {
      q->curmask &= ~(1u << (q->fsrc - 1));
      vec_emptied(v);
    }
  }
  ev->key = 0;
  if (q->total <= SMALL_MIN && !small_mode(q))
    collapse(q);
  return ev;
}

aia__ev *aia__evq_pop(aia__evq *q)
{
  aia__ev *ev;
  if (aia__evq_front(q, &ev) != AIA_OK || ev == NULL)
    return NULL;
  return aia__evq_take(q);
}

/* ---- clean-up of cancelled entries */

static uint64_t vec_compact(aia__evq_vec *v)
{
  uint32_t k = 0, end = v->head + v->n;
  for (uint32_t i = v->head; i < end; i++)
    if (!is_dead(&v->a[i]))
      v->a[k++] = v->a[i];
  uint64_t dropped = v->n - k;
  v->head = 0;
  v->n = k;
  return dropped;
}

/* Keeps a list's live entries in order, in as few chunks as they need. */
static uint64_t list_compact(aia__evq *q, aia__evq_list *l)
{
  aia__evq_chunk *w = l->first;
  uint32_t wi = 0;
  uint64_t kept = 0, dropped;
  if (w == NULL)
    return 0;
  for (aia__evq_chunk *c = l->first; c; c = c->next)
    for (uint32_t i = 0; i < c->n; i++) {
      if (is_dead(&c->e[i]))
        continue;
      if (wi == w->cap) {
        w->n = wi;
        w = w->next;
        wi = 0;
      }
      w->e[wi++] = c->e[i]; /* the write cursor never passes the read one */
      kept++;
    }
  dropped = l->n - kept;
  w->n = wi;
  /* Chunks after the write cursor go back to the pools. */
  for (aia__evq_chunk *c = w->next; c;) {
    aia__evq_chunk *next = c->next;
    pool_put(q, c);
    c = next;
  }
  w->next = NULL;
  l->last = w;
  l->n = kept;
  if (kept == 0)
    list_clear(q, l);
  return dropped;
}

static void compact(aia__evq *q)
{
  uint64_t dropped = 0;
  /* The buckets that hold something, from the masks (a queue of a few
   * entries is not made to look at 2,048 lists). */
  for (unsigned lv = 0; lv < 8; lv++) {
    if (!(q->lmask & (1u << lv)))
      continue;
    for (unsigned w = 0; w < 4; w++) {
      uint64_t bits = q->dmask[lv][w];
      while (bits) {
        unsigned d = w * 64 + (unsigned)__builtin_ctzll(bits);
        aia__evq_list *l = &q->bucket[lv][d];
        bits &= bits - 1;
        dropped += list_compact(q, l);
        if (l->n == 0)
          unmark(q, lv, d);
      }
    }
  }
  for (unsigned p = 0; p < AIA__EVQ_PHASES; p++) {
    dropped += vec_compact(&q->cur[p]);
    if (q->cur[p].n == 0) {
      q->curmask &= ~(1u << p);
      vec_emptied(&q->cur[p]);
    }
  }
  dropped += vec_compact(&q->early); /* keeps a sorted array sorted */
  if (q->early.n == 0)
    early_emptied(q);
  else if (q->eheap)
    heapify(&q->early);
  q->total -= dropped;
  q->dead = 0;
  pool_trim(q);
}

void aia__evq_cancel(aia__evq *q, aia__ev *ev)
{
  if (ev->key == 0)
    return;
  ev->key = 0;
  q->dead++;
  if (q->dead > 64 && q->dead * 2 > q->total)
    compact(q);
}
