/* lib/core/mailbox.c: items posted from other threads, drained into the
 * simulation at the start of each run call, delivered at their cycle.
 * SPDX-License-Identifier: MIT
 *
 * Two halves:
 *  - shared (under `lock`): the inbox of items posted and not yet drained,
 *    the floor, the per-source sequence counters, the handler table, and
 *    the post counters;
 *  - simulation thread only: a binary min-heap of drained items keyed by
 *    (cycle, source, seq), and one intrusive event armed at the heap's
 *    earliest cycle. When it fires it delivers every item of that cycle.
 * The drain swaps the inbox with an empty spare array under the lock (O(1)),
 * so producers are held up only for that swap; the heap insertions happen
 * after the unlock.
 *
 * The delivery event is pushed with a key of its own instead of the next
 * insertion sequence number: phase AIA_PH_HART with the sequence bits near
 * their maximum, counting down on each push. It therefore sorts after every
 * ordinary AIA_PH_HART event of its cycle whenever it was pushed (so the
 * result does not depend on which drain saw an item), and no two pushes
 * reuse a key (the queue's lazy cancellation tells dead entries apart by
 * key).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/mailbox.h"
#include "core/sim_impl.h"

#define MB_MAGIC 0x4d424f58u /* "MBOX" */
#define MB_MAX_SOURCES 65536u
#define SEQ_MASK ((UINT64_C(1) << AIA__SEQ_BITS) - 1)

typedef struct mail_vec {
  aia_mail *a;
  size_t n, cap;
} mail_vec;

typedef struct handler {
  aia_mail_fn fn;
  aia_mail_drop_fn drop;
  void *user;
} handler;

/* The pthread mutex lives only here: no pthread type reaches a public
 * header (aia_mailbox is opaque). */
struct aia_mailbox {
  uint32_t magic;
  aia_sim *sim;
  pthread_mutex_t lock;

  /* shared, under lock */
  mail_vec inbox;
  aia_cycle inbox_min;   /* earliest cycle in the inbox (valid when n > 0) */
  aia_cycle floor;
  uint64_t *seqs;        /* last sequence number of each source */
  uint32_t nsources;
  uint32_t capacity;
  handler handlers[AIA_MAIL_KINDS];
  uint64_t posted, refused;

  /* simulation thread only */
  mail_vec spare;        /* empty; swapped with the inbox by a drain */
  mail_vec heap;         /* drained items, min-heap by (cycle, source, seq) */
  aia__ev ev;            /* delivery event, armed at heap.a[0].cycle */
  uint64_t key_down;     /* next key's sequence bits, counting down */
  int need_rearm;        /* a push failed for want of memory */
  uint64_t drained, delivered, failed;
};

void aia_mailbox_config_init(aia_mailbox_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->sources = 16;
  cfg->capacity = 0;
}

static int mb_ok(const aia_mailbox *mb)
{
  return mb != NULL && mb->magic == MB_MAGIC;
}

/* ---- the heap of drained items (simulation thread) */

static int mail_before(const aia_mail *x, const aia_mail *y)
{
  if (x->cycle != y->cycle)
    return x->cycle < y->cycle;
  if (x->source != y->source)
    return x->source < y->source;
  return x->seq < y->seq;
}

static int vec_reserve(mail_vec *v, size_t want)
{
  size_t cap;
  aia_mail *a;
  if (want <= v->cap)
    return AIA_OK;
  cap = v->cap ? v->cap : 16;
  while (cap < want) {
    if (cap > SIZE_MAX / 2 / sizeof *a)
      return AIA_ENOMEM;
    cap *= 2;
  }
  a = realloc(v->a, cap * sizeof *a);
  if (a == NULL)
    return AIA_ENOMEM;
  v->a = a;
  v->cap = cap;
  return AIA_OK;
}

/* Capacity must have been reserved. */
static void heap_push(mail_vec *h, const aia_mail *m)
{
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!mail_before(m, &h->a[p]))
      break;
    h->a[i] = h->a[p];
    i = p;
  }
  h->a[i] = *m;
}

static aia_mail heap_pop(mail_vec *h)
{
  aia_mail top = h->a[0], last = h->a[--h->n];
  size_t i = 0, n = h->n;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && mail_before(&h->a[c + 1], &h->a[c]))
      c++;
    if (!mail_before(&h->a[c], &last))
      break;
    h->a[i] = h->a[c];
    i = c;
  }
  if (n > 0)
    h->a[i] = last;
  return top;
}

/* Arms the delivery event at the heap's earliest cycle (or disarms it). */
static void rearm(aia_mailbox *mb)
{
  aia_sim *sim = mb->sim;
  if (mb->heap.n == 0) {
    aia__sim_cancel(sim, &mb->ev);
    mb->need_rearm = 0;
    return;
  }
  aia_cycle when = mb->heap.a[0].cycle;
  if (aia__ev_queued(&mb->ev) && mb->ev.when == when)
    return;
  aia__sim_cancel(sim, &mb->ev);
  uint64_t key = ((uint64_t)AIA_PH_HART << AIA__SEQ_BITS) | (mb->key_down & SEQ_MASK);
  if (aia__evq_push(&sim->q, &mb->ev, when, key) != AIA_OK) {
    /* Out of memory: make the run stop so the next run call retries (and
     * reports AIA_ENOMEM if it still cannot) before the item's cycle. */
    mb->need_rearm = 1;
    aia_sim_stop(sim);
    return;
  }
  mb->key_down--;
  mb->need_rearm = 0;
}

static void deliver(aia_sim *sim, aia__ev *ev)
{
  aia_mailbox *mb = AIA__CONTAINER_OF(ev, aia_mailbox, ev);
  aia_cycle now = aia_sim_now(sim);
  while (mb->heap.n > 0 && mb->heap.a[0].cycle == now) {
    aia_mail m = heap_pop(&mb->heap);
    /* The table is written only on this thread (under the lock, for the
     * producers' sake), so reading it here needs no lock. */
    handler h = mb->handlers[m.kind];
    if (h.fn(h.user, sim, &m) == 0)
      mb->delivered++;
    else
      mb->failed++;
  }
  rearm(mb);
}

/* ---- drain: shared inbox -> heap */

/* Moves the inbox into the heap and arms the delivery event. With `what`
 * one of AIA__RUN_ALL/UNTIL/STEP (not -1), also raises the floor past the
 * last cycle the starting call may run, in the same critical section as the
 * swap, so that no item can slip in below it. */
static int drain(aia_mailbox *mb, int what, aia_cycle limit)
{
  aia_sim *sim = mb->sim;
  size_t n;

  for (;;) {
    pthread_mutex_lock(&mb->lock);
    n = mb->inbox.n;
    if (mb->heap.n + n <= mb->heap.cap)
      break;
    pthread_mutex_unlock(&mb->lock);
    if (vec_reserve(&mb->heap, mb->heap.n + n + n / 2) != AIA_OK)
      return aia__sim_fail(sim, AIA_ENOMEM, "mailbox: no memory to drain %zu items", n);
  }
  if (what >= 0) {
    aia_cycle bound = limit, floor;
    int any = 1;
    if (what == AIA__RUN_ALL) {
      bound = UINT64_MAX;
    } else if (what == AIA__RUN_STEP) {
      /* The event aia_sim_step will run: the earliest of the queue, the
       * drained items and the items being drained now. */
      const aia__ev *top = aia__evq_peek(&sim->q);
      any = top != NULL || mb->heap.n > 0 || n > 0;
      bound = UINT64_MAX;
      if (top)
        bound = top->when;
      if (mb->heap.n > 0 && mb->heap.a[0].cycle < bound)
        bound = mb->heap.a[0].cycle;
      if (n > 0 && mb->inbox_min < bound)
        bound = mb->inbox_min;
    }
    floor = bound == UINT64_MAX ? UINT64_MAX : bound + 1;
    if (any && floor > mb->floor)
      mb->floor = floor;
  }
  mail_vec got = mb->inbox;
  mb->inbox = mb->spare;
  mb->inbox.n = 0;
  pthread_mutex_unlock(&mb->lock);

  for (size_t i = 0; i < got.n; i++)
    heap_push(&mb->heap, &got.a[i]);
  mb->drained += got.n;
  got.n = 0;
  mb->spare = got;
  rearm(mb);
  if (mb->need_rearm)
    return aia__sim_fail(sim, AIA_ENOMEM, "mailbox: no memory to schedule the next delivery");
  return AIA_OK;
}

static int on_run(aia_sim *sim, void *obj, int what, aia_cycle limit)
{
  aia_mailbox *mb = obj;
  if (what == AIA__RUN_END) {
    aia_cycle now = aia_sim_now(sim);
    pthread_mutex_lock(&mb->lock);
    mb->floor = now == UINT64_MAX ? now : now + 1;
    pthread_mutex_unlock(&mb->lock);
    return AIA_OK;
  }
  return drain(mb, what, limit);
}

/* ---- lifecycle */

static void drop_vec(aia_mailbox *mb, mail_vec *v)
{
  for (size_t i = 0; i < v->n; i++) {
    const handler *h = &mb->handlers[v->a[i].kind];
    if (h->drop)
      h->drop(h->user, &v->a[i]);
  }
  free(v->a);
  v->a = NULL;
  v->n = v->cap = 0;
}

/* Component destructor, run by aia_sim_destroy after the event queue is
 * gone: items never delivered go to their kind's drop callback, the drained
 * ones first in delivery order, then those still in the inbox in post
 * order. */
static void mb_destroy(void *obj)
{
  aia_mailbox *mb = obj;
  while (mb->heap.n > 0) {
    aia_mail m = heap_pop(&mb->heap);
    const handler *h = &mb->handlers[m.kind];
    if (h->drop)
      h->drop(h->user, &m);
  }
  drop_vec(mb, &mb->inbox);
  drop_vec(mb, &mb->heap);
  free(mb->spare.a);
  free(mb->seqs);
  pthread_mutex_destroy(&mb->lock);
  mb->magic = 0;
  if (mb->sim->run_hook_obj == mb) {
    mb->sim->run_hook = NULL;
    mb->sim->run_hook_obj = NULL;
  }
  free(mb);
}

int aia_mailbox_create(aia_sim *sim, const aia_mailbox_config *cfg, aia_mailbox **out)
{
  aia_mailbox_config c;
  aia_mailbox *mb;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (!aia__sim_ok(sim) || cfg == NULL ||
      cfg->struct_size < offsetof(aia_mailbox_config, sources) + sizeof(uint32_t))
    return AIA_EINVAL;
  if (sim->running)
    return aia__sim_fail(sim, AIA_ESTATE, "mailbox: created from inside the simulation");
  if (sim->run_hook != NULL)
    return aia__sim_fail(sim, AIA_EBUSY, "mailbox: this simulation already has one");
  aia_mailbox_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  if (c.sources == 0 || c.sources > MB_MAX_SOURCES)
    return aia__sim_fail(sim, AIA_EINVAL, "mailbox: sources %u: must be 1..%u", c.sources,
                         MB_MAX_SOURCES);
  mb = calloc(1, sizeof *mb);
  if (mb == NULL)
    return AIA_ENOMEM;
  mb->seqs = calloc(c.sources, sizeof *mb->seqs);
  if (mb->seqs == NULL) {
    free(mb);
    return AIA_ENOMEM;
  }
  if (pthread_mutex_init(&mb->lock, NULL) != 0) {
    free(mb->seqs);
    free(mb);
    return aia__sim_fail(sim, AIA_EIO, "mailbox: pthread_mutex_init failed");
  }
  mb->magic = MB_MAGIC;
  mb->sim = sim;
  mb->nsources = c.sources;
  mb->capacity = c.capacity;
  /* Events of the current cycle may already have run. */
  mb->floor = sim->steps > 0 && sim->now < UINT64_MAX ? sim->now + 1 : sim->now;
  mb->key_down = SEQ_MASK;
  aia__ev_init(&mb->ev, deliver);
  rc = aia__sim_attach(sim, mb, mb_destroy);
  if (rc != AIA_OK) {
    pthread_mutex_destroy(&mb->lock);
    free(mb->seqs);
    free(mb);
    return rc;
  }
  sim->run_hook = on_run;
  sim->run_hook_obj = mb;
  *out = mb;
  return AIA_OK;
}

aia_sim *aia_mailbox_sim(const aia_mailbox *mb)
{
  return mb_ok(mb) ? mb->sim : NULL;
}

int aia_mailbox_set_handler(aia_mailbox *mb, uint32_t kind, aia_mail_fn fn,
                            aia_mail_drop_fn drop, void *user)
{
  if (!mb_ok(mb) || kind == 0 || kind >= AIA_MAIL_KINDS || fn == NULL)
    return AIA_EINVAL;
  pthread_mutex_lock(&mb->lock);
  mb->handlers[kind].fn = fn;
  mb->handlers[kind].drop = drop;
  mb->handlers[kind].user = user;
  pthread_mutex_unlock(&mb->lock);
  return AIA_OK;
}

/* ---- any thread */

int aia_mailbox_post(aia_mailbox *mb, const aia_mail *m, uint64_t *seq)
{
  int rc = AIA_OK;
  if (seq)
    *seq = 0;
  if (!mb_ok(mb) || m == NULL)
    return AIA_EINVAL;
  pthread_mutex_lock(&mb->lock);
  if (m->source >= mb->nsources || m->kind == 0 || m->kind >= AIA_MAIL_KINDS)
    rc = AIA_EINVAL;
  else if (mb->handlers[m->kind].fn == NULL)
    rc = AIA_ENOENT;
  else if (m->cycle < mb->floor)
    rc = AIA_ERANGE;
  else if (mb->capacity && mb->inbox.n >= mb->capacity)
    rc = AIA_EBUSY;
  else
    rc = vec_reserve(&mb->inbox, mb->inbox.n + 1);
  if (rc == AIA_OK) {
    aia_mail *slot = &mb->inbox.a[mb->inbox.n];
    *slot = *m;
    slot->seq = ++mb->seqs[m->source];
    if (mb->inbox.n == 0 || m->cycle < mb->inbox_min)
      mb->inbox_min = m->cycle;
    mb->inbox.n++;
    mb->posted++;
    if (seq)
      *seq = slot->seq;
  } else {
    mb->refused++;
  }
  pthread_mutex_unlock(&mb->lock);
  return rc;
}

aia_cycle aia_mailbox_floor(aia_mailbox *mb)
{
  aia_cycle f;
  if (!mb_ok(mb))
    return UINT64_MAX;
  pthread_mutex_lock(&mb->lock);
  f = mb->floor;
  pthread_mutex_unlock(&mb->lock);
  return f;
}

size_t aia_mailbox_waiting(aia_mailbox *mb)
{
  size_t n;
  if (!mb_ok(mb))
    return 0;
  pthread_mutex_lock(&mb->lock);
  n = mb->inbox.n;
  pthread_mutex_unlock(&mb->lock);
  return n;
}

/* ---- simulation thread */

int aia_mailbox_drain(aia_mailbox *mb)
{
  if (!mb_ok(mb))
    return AIA_EINVAL;
  if (mb->sim->running)
    return aia__sim_fail(mb->sim, AIA_ESTATE, "mailbox: drained from inside the simulation");
  return drain(mb, -1, 0);
}

void aia_mailbox_stats_get(aia_mailbox *mb, aia_mailbox_stats *st)
{
  if (st == NULL)
    return;
  memset(st, 0, sizeof *st);
  if (!mb_ok(mb))
    return;
  pthread_mutex_lock(&mb->lock);
  st->posted = mb->posted;
  st->refused = mb->refused;
  pthread_mutex_unlock(&mb->lock);
  st->drained = mb->drained;
  st->delivered = mb->delivered;
  st->failed = mb->failed;
  st->scheduled = mb->heap.n;
}
