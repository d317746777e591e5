/* Event queue and engine: ordering, cancellation, run_until, stepping. */
#include <string.h>

#include "aia_test.h"
#include "core/evq.h"

/* ---- white-box: the heap against a sorted reference ---- */

typedef struct item {
  aia__ev ev;
  aia_cycle when;
  uint64_t key;
  int live; /* queued in the heap */
} item;

static void no_fire(aia_sim *sim, aia__ev *ev)
{
  (void)sim;
  (void)ev;
}

/* Reference: the live item with the smallest (when, key). */
static item *ref_min(item *items, size_t n)
{
  item *best = NULL;
  for (size_t i = 0; i < n; i++)
    if (items[i].live && (best == NULL || items[i].when < best->when ||
                          (items[i].when == best->when && items[i].key < best->key)))
      best = &items[i];
  return best;
}

static void test_heap_matches_sorted_reference(void **state)
{
  enum { N = 512, OPS = 100000 };
  item *items = calloc(N, sizeof *items);
  aia__evq q;
  aia_rng r;
  uint64_t seq = 1;
  size_t live = 0, pops = 0, cancels = 0;
  (void)state;
  assert_non_null(items);
  aia__evq_init(&q);
  aia_rng_seed(&r, 42, 0);
  for (size_t i = 0; i < N; i++)
    aia__ev_init(&items[i].ev, no_fire);

  for (int op = 0; op < OPS; op++) {
    uint64_t c = aia_rng_below(&r, 10);
    if (c < 5) { /* insert a random idle item; times collide often */
      item *it = &items[aia_rng_below(&r, N)];
      if (it->live)
        continue;
      it->when = aia_rng_below(&r, 64);
      it->key = ((uint64_t)aia_rng_below(&r, 5) << AIA__SEQ_BITS) | seq++;
      assert_int_equal(aia__evq_push(&q, &it->ev, it->when, it->key), AIA_OK);
      it->live = 1;
      live++;
    } else if (c < 7) { /* cancel a random item, queued or not */
      item *it = &items[aia_rng_below(&r, N)];
      aia__evq_cancel(&q, &it->ev);
      if (it->live) {
        it->live = 0;
        live--;
        cancels++;
      }
      assert_false(aia__ev_queued(&it->ev));
    } else { /* pop: must be the reference minimum */
      item *want = ref_min(items, N);
      aia__ev *got = aia__evq_pop(&q);
      if (want == NULL) {
        assert_null(got);
        continue;
      }
      assert_ptr_equal(got, &want->ev);
      want->live = 0;
      live--;
      pops++;
    }
    assert_int_equal(aia__evq_size(&q), live);
  }
  /* Drain: strictly increasing order. */
  aia_cycle lw = 0;
  uint64_t lk = 0;
  int first = 1;
  while (aia__evq_size(&q)) {
    aia__ev *ev = aia__evq_pop(&q);
    item *it = AIA__CONTAINER_OF(ev, item, ev);
    if (!first)
      assert_true(it->when > lw || (it->when == lw && it->key > lk));
    lw = it->when;
    lk = it->key;
    first = 0;
    it->live = 0;
  }
  assert_true(pops > 10000);
  assert_true(cancels > 1000);
  aia__evq_free(&q);
  free(items);
}

/* Mass cancellation triggers compaction; order and membership survive it. */
static void test_heap_compaction_keeps_order(void **state)
{
  enum { N = 6000 };
  item *items = calloc(N, sizeof *items);
  aia__evq q;
  aia_rng r;
  size_t live = N;
  (void)state;
  assert_non_null(items);
  aia__evq_init(&q);
  aia_rng_seed(&r, 4, 0);
  for (size_t i = 0; i < N; i++) {
    aia__ev_init(&items[i].ev, no_fire);
    items[i].when = aia_rng_below(&r, 1000);
    items[i].key = i + 1;
    assert_int_equal(aia__evq_push(&q, &items[i].ev, items[i].when, items[i].key), AIA_OK);
    items[i].live = 1;
  }
  for (size_t i = 0; i < N; i++)
    if (aia_rng_below(&r, 10) < 8) {
      aia__evq_cancel(&q, &items[i].ev);
      items[i].live = 0;
      live--;
    }
  assert_int_equal(aia__evq_size(&q), live);
  assert_true(q.total < N); /* compaction ran */
  /* Re-arm some cancelled items with new keys: they must come back. */
  for (size_t i = 0; i < 100; i++)
    if (!items[i].live) {
      items[i].key = N + 1 + i;
      assert_int_equal(aia__evq_push(&q, &items[i].ev, items[i].when, items[i].key), AIA_OK);
      items[i].live = 1;
      live++;
    }
  while (live > 0) {
    item *want = ref_min(items, N);
    aia__ev *got = aia__evq_pop(&q);
    assert_ptr_equal(got, &want->ev);
    want->live = 0;
    live--;
  }
  assert_null(aia__evq_pop(&q));
  aia__evq_free(&q);
  free(items);
}

/* The way the engine uses the queue: time never goes back, delays from
 * zero to 2^62 cycles, every phase, a peek followed by pushes before the
 * peeked event (run_until stopping short), keys counting down as the
 * mailbox's do, and cancellations, in phases that fill the queue to
 * thousands of events and drain it to a few (so it changes between the
 * small array and the buckets many times); every pop is the reference
 * minimum. */
static void test_queue_in_simulation_use(void **state)
{
  enum { N = 2048, OPS = 300000 };
  item *items = calloc(N, sizeof *items);
  aia__evq q;
  aia_rng r;
  uint64_t seq = 1, down = (UINT64_C(1) << AIA__SEQ_BITS) - 1;
  aia_cycle now = 0;
  size_t live = 0, early = 0, pops = 0, big = 0, changes = 0, bucketed = 0, alone = 0, alone_up = 0;
  (void)state;
  assert_non_null(items);
  aia__evq_init(&q);
  aia_rng_seed(&r, 7, 0);
  for (size_t i = 0; i < N; i++)
    aia__ev_init(&items[i].ev, no_fire);
  for (int op = 0; op < OPS; op++) {
    uint64_t c = aia_rng_below(&r, 100), fill = (op / 20000) % 2 ? 75 : 25;
    if (c < fill) {
      item *it = &items[aia_rng_below(&r, N)];
      uint64_t d, k = aia_rng_below(&r, 8);
      if (it->live)
        continue;
      switch (aia_rng_below(&r, 6)) {
      case 0: d = 0; break;
      case 1: d = aia_rng_below(&r, 4); break;
      case 2: d = aia_rng_below(&r, 1000); break;
      case 3: d = aia_rng_below(&r, UINT64_C(1) << 40); break;
      case 4: d = UINT64_C(1) << aia_rng_below(&r, 62); break;
      default: d = aia_rng_below(&r, 100000); break;
      }
      if (d > UINT64_MAX - now)
        d = 0; /* the clock does not wrap */
      if (k == 0 && live > 0) {
        /* Peek, then push between now and the peeked event. */
        aia__ev *top = aia__evq_peek(&q);
        assert_non_null(top);
        if (top->when > now) {
          d = aia_rng_below(&r, top->when - now);
          early++;
        }
      }
      it->when = now + d;
      it->key = ((uint64_t)aia_rng_below(&r, AIA__EVQ_PHASES) << AIA__SEQ_BITS) |
                (aia_rng_below(&r, 4) == 0 ? down-- : seq++);
      assert_int_equal(aia__evq_push(&q, &it->ev, it->when, it->key), AIA_OK);
      it->live = 1;
      live++;
    } else if (c < fill + 10) {
      item *it = &items[aia_rng_below(&r, N)];
      aia__evq_cancel(&q, &it->ev);
      if (it->live) {
        it->live = 0;
        live--;
      }
    } else {
      item *want = ref_min(items, N);
      aia__ev *got = aia__evq_pop(&q);
      if (want == NULL) {
        assert_null(got);
        continue;
      }
      assert_ptr_equal(got, &want->ev);
      assert_false(aia__ev_queued(got));
      assert_true(want->when >= now);
      alone += q.fsrc == AIA__EVQ_LONE; /* taken straight from its bucket */
      alone_up += q.fsrc == AIA__EVQ_LONE && q.flevel > 0; /* ... of level 1 or higher */
      now = want->when;
      want->live = 0;
      live--;
      pops++;
      if (q.total <= 8) /* a queue this small is the array alone again */
        assert_int_equal(q.lmask | q.curmask, 0);
    }
    assert_int_equal(aia__evq_size(&q), live);
    if (q.lmask != 0)
      bucketed++;
    if (live > 1000)
      big++;
    if (live < 8 && big > 0)
      changes++, big = 0;
  }
  assert_true(pops > 50000);
  assert_true(early > 100);
  assert_true(bucketed > 10000); /* the buckets were used */
  assert_true(alone > 300);     /* and the short cut for a lone earliest event */
  assert_true(alone_up > 50);   /* also from above level 0 (73) */
  assert_true(changes >= 5); /* filled and drained again at least five times */
  assert_true(aia__evq_bytes(&q) > 0);
  aia__evq_free(&q);
  assert_int_equal(aia__evq_bytes(&q), 0);
  for (size_t i = 0; i < N; i++)
    assert_false(aia__ev_queued(&items[i].ev)); /* freeing idles them */
  free(items);
}

/* A burst of a million events drained again gives its memory back. */
static void test_queue_memory_follows_the_load(void **state)
{
  enum { N = 1 << 20 };
  item *items = calloc(N, sizeof *items);
  aia__evq q;
  aia_rng r;
  (void)state;
  assert_non_null(items);
  aia__evq_init(&q);
  aia_rng_seed(&r, 3, 0);
  for (size_t i = 0; i < N; i++) {
    aia__ev_init(&items[i].ev, no_fire);
    assert_int_equal(aia__evq_push(&q, &items[i].ev, 1 + aia_rng_below(&r, 1u << 30), i + 1),
                     AIA_OK);
  }
  assert_true(aia__evq_bytes(&q) >= (size_t)N * sizeof(aia__evq_ent));
  aia_cycle last = 0;
  for (size_t i = 0; i < N - 8; i++) {
    aia__ev *ev = aia__evq_pop(&q);
    assert_non_null(ev);
    assert_true(ev->when >= last);
    last = ev->when;
  }
  assert_int_equal(aia__evq_size(&q), 8);
  assert_true(aia__evq_bytes(&q) < 256 * 1024); /* 24 MiB at the peak */
  aia__evq_free(&q);
  free(items);
}

/* The chunk pools keep what taking the buckets apart has recently needed
 * (so a steady load does not allocate and free the same chunks over and
 * over), and no more: after a burst, a smaller steady load that keeps the
 * buckets in use ends with the memory of that load, not of the burst. */
static void test_queue_memory_follows_the_load_down(void **state)
{
  enum { N = 1 << 18, KEEP = 2048, STEPS = 200000 };
  item *items = calloc(N, sizeof *items);
  aia__evq q;
  aia_rng r;
  uint64_t seq = 1;
  (void)state;
  assert_non_null(items);
  aia__evq_init(&q);
  aia_rng_seed(&r, 5, 0);
  for (size_t i = 0; i < N; i++) {
    aia__ev_init(&items[i].ev, no_fire);
    assert_int_equal(aia__evq_push(&q, &items[i].ev, 1 + aia_rng_below(&r, 1u << 20), seq++), AIA_OK);
  }
  size_t peak = aia__evq_bytes(&q);
  for (size_t i = 0; i < N - KEEP; i++)
    assert_non_null(aia__evq_pop(&q));
  /* The hold model on what is left: each event taken is queued again
   * 1 to 1,000 cycles later, so KEEP stay queued and the buckets in use. */
  for (size_t s = 0; s < STEPS; s++) {
    aia__ev *ev = aia__evq_pop(&q);
    assert_non_null(ev);
    aia_cycle now = ev->when;
    assert_int_equal(aia__evq_push(&q, ev, now + 1 + aia_rng_below(&r, 1000), seq++), AIA_OK);
  }
  assert_int_equal(aia__evq_size(&q), KEEP);
  size_t after = aia__evq_bytes(&q);
  assert_true(peak > 6 * 1024 * 1024);
  assert_true(after < 512 * 1024);
  aia__evq_free(&q);
  free(items);
}

/* Entries queued before the buckets' current cycle (a caller scheduling
 * between run calls) go to the early array, as many as the caller makes:
 * there it becomes a heap (a sorted array would move half of itself at each
 * of them), and everything still comes out in order. */
static void test_queue_many_early_entries(void **state)
{
  enum { FAR = 100, EARLY = 20000 };
  item *items = calloc(FAR + EARLY, sizeof *items);
  aia__evq q;
  aia_rng r;
  uint64_t seq = 1;
  (void)state;
  assert_non_null(items);
  aia__evq_init(&q);
  aia_rng_seed(&r, 11, 0);
  for (size_t i = 0; i < FAR + EARLY; i++)
    aia__ev_init(&items[i].ev, no_fire);
  /* Buckets from cycle 1,000,000 on; the front found, so `last` is there. */
  for (size_t i = 0; i < FAR + EARLY; i++) {
    item *it = &items[i];
    it->when = i < FAR ? 1000000 + aia_rng_below(&r, 1000) : aia_rng_below(&r, 1000000);
    it->key = seq++;
    assert_int_equal(aia__evq_push(&q, &it->ev, it->when, it->key), AIA_OK);
    if (i == FAR - 1) {
      assert_non_null(aia__evq_peek(&q));
      assert_true(q.lmask | q.curmask);
    }
  }
  assert_int_equal(q.eheap, 1);
  const item *prev = NULL;
  for (size_t i = 0; i < FAR + EARLY; i++) {
    const item *it = (const item *)(void *)aia__evq_pop(&q);
    assert_non_null(it);
    if (prev)
      assert_true(it->when > prev->when || (it->when == prev->when && it->key > prev->key));
    assert_true((i < EARLY) == (it->when < 1000000));
    prev = it;
  }
  assert_null(aia__evq_pop(&q));
  assert_int_equal(q.eheap, 0);
  aia__evq_free(&q);
  free(items);
}

/* Bad keys are refused, not queued. */
static void test_queue_refuses_bad_keys(void **state)
{
  aia__evq q;
  item it;
  (void)state;
  aia__evq_init(&q);
  aia__ev_init(&it.ev, no_fire);
  assert_int_equal(aia__evq_push(&q, &it.ev, 5, 0), AIA_EINVAL);
  assert_int_equal(aia__evq_push(&q, &it.ev, 5, (uint64_t)AIA__EVQ_PHASES << AIA__SEQ_BITS | 1),
                   AIA_EINVAL);
  assert_false(aia__ev_queued(&it.ev));
  assert_int_equal(aia__evq_size(&q), 0);
  assert_null(aia__evq_peek(&q));
  aia__evq_free(&q);
}

/* ---- public API ---- */

typedef struct log {
  aia_sim *sim;
  int order[64];
  aia_cycle at[64];
  int n;
} log_t;

typedef struct tag {
  log_t *log;
  int id;
} tag;

static void record(aia_sim *sim, void *user)
{
  tag *t = user;
  t->log->order[t->log->n] = t->id;
  t->log->at[t->log->n] = aia_sim_now(sim);
  t->log->n++;
}

static void test_equal_cycle_runs_in_insertion_order(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  log_t lg = { .n = 0 };
  tag tags[10];
  (void)state;
  for (int i = 0; i < 10; i++) {
    tags[i].log = &lg;
    tags[i].id = i;
    assert_aia_ok(sim, aia_sim_schedule(sim, 100, AIA_PH_HART, record, &tags[i], NULL));
  }
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(lg.n, 10);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(lg.order[i], i);
    assert_int_equal(lg.at[i], 100);
  }
  aia_sim_destroy(sim);
}

static void test_phase_orders_within_a_cycle(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  log_t lg = { .n = 0 };
  tag a = { &lg, 1 }, b = { &lg, 2 }, c = { &lg, 3 };
  (void)state;
  assert_aia_ok(sim, aia_sim_schedule(sim, 50, AIA_PH_OBSERVE, record, &a, NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 50, AIA_PH_DELIVER, record, &b, NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 49, AIA_PH_OBSERVE, record, &c, NULL));
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(lg.n, 3);
  assert_int_equal(lg.order[0], 3);
  assert_int_equal(lg.order[1], 2);
  assert_int_equal(lg.order[2], 1);
  aia_sim_destroy(sim);
}

static void test_cancel_head_middle_and_already_run(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  log_t lg = { .n = 0 };
  tag tags[5];
  aia_timer h[5];
  (void)state;
  for (int i = 0; i < 5; i++) {
    tags[i].log = &lg;
    tags[i].id = i;
    assert_aia_ok(sim, aia_sim_schedule(sim, 10u * (aia_cycle)(i + 1), AIA_PH_HART, record,
                                        &tags[i], &h[i]));
    assert_true(h[i] != 0);
  }
  assert_aia_ok(sim, aia_sim_cancel(sim, h[0])); /* head */
  assert_aia_ok(sim, aia_sim_cancel(sim, h[2])); /* middle */
  assert_aia_status(aia_sim_cancel(sim, h[2]), AIA_ENOENT); /* twice */
  assert_int_equal(aia_sim_pending(sim), 3);
  assert_aia_ok(sim, aia_sim_run_until(sim, 20));
  assert_int_equal(lg.n, 1);
  assert_int_equal(lg.order[0], 1);
  assert_aia_status(aia_sim_cancel(sim, h[1]), AIA_ENOENT); /* already run */
  assert_aia_status(aia_sim_cancel(sim, 0), AIA_ENOENT);
  assert_aia_status(aia_sim_cancel(sim, UINT64_C(0xffff00000fff)), AIA_ENOENT);
  /* A new timer reuses the slot of a finished one; the old handle stays dead. */
  aia_timer again;
  assert_aia_ok(sim, aia_sim_schedule(sim, 60, AIA_PH_HART, record, &tags[0], &again));
  assert_aia_status(aia_sim_cancel(sim, h[1]), AIA_ENOENT);
  assert_aia_status(aia_sim_cancel(sim, h[0]), AIA_ENOENT);
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(lg.n, 4);
  assert_int_equal(lg.order[1], 3);
  assert_int_equal(lg.order[2], 4);
  assert_int_equal(lg.order[3], 0);
  assert_int_equal(lg.at[3], 60);
  aia_sim_destroy(sim);
}

static void test_run_until_stops_exactly(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  log_t lg = { .n = 0 };
  tag tags[3];
  aia_cycle next;
  (void)state;
  for (int i = 0; i < 3; i++) {
    tags[i].log = &lg;
    tags[i].id = i;
  }
  assert_aia_ok(sim, aia_sim_schedule(sim, 999, AIA_PH_HART, record, &tags[0], NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 1000, AIA_PH_OBSERVE, record, &tags[1], NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 1001, AIA_PH_DELIVER, record, &tags[2], NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 1000));
  assert_int_equal(lg.n, 2);
  assert_int_equal(aia_sim_now(sim), 1000);
  assert_aia_ok(sim, aia_sim_next_event_cycle(sim, &next));
  assert_int_equal(next, 1001);
  /* With nothing due the clock still advances to the limit. */
  assert_aia_ok(sim, aia_sim_run_until(sim, 1000));
  assert_aia_status(aia_sim_run_until(sim, 999), AIA_ERANGE);
  assert_aia_ok(sim, aia_sim_step(sim));
  assert_int_equal(aia_sim_now(sim), 1001);
  assert_aia_status(aia_sim_step(sim), AIA_ENOENT);
  assert_aia_status(aia_sim_next_event_cycle(sim, &next), AIA_ENOENT);
  assert_aia_ok(sim, aia_sim_run_until(sim, 5000));
  assert_int_equal(aia_sim_now(sim), 5000);
  assert_aia_status(aia_sim_schedule(sim, 4999, AIA_PH_HART, record, &tags[0], NULL), AIA_ERANGE);
  aia_sim_destroy(sim);
}

/* Chunked run_until reaches the same hash as one run. */
typedef struct chain {
  aia_rng r;
  int left;
} chain;

static void chain_fire(aia_sim *sim, void *user)
{
  chain *c = user;
  aia_event ev;
  aia_event_init(&ev, AIA_EV_USER);
  ev.arg = aia_rng_next(&c->r);
  aia_sim_emit(sim, &ev);
  if (--c->left > 0) {
    aia_phase ph = aia_rng_below(&c->r, 2) ? AIA_PH_HART : AIA_PH_OBSERVE;
    assert_aia_ok(sim, aia_sim_schedule(sim, aia_sim_now(sim) + 1 + aia_rng_below(&c->r, 100),
                                        ph, chain_fire, c, NULL));
  }
}

static uint64_t chain_hash(uint64_t seed, aia_cycle chunk)
{
  aia_sim *sim = aia_test_sim(seed);
  chain c[4];
  for (int i = 0; i < 4; i++) {
    aia_sim_rng(sim, (uint64_t)i, &c[i].r);
    c[i].left = 2000;
    aia_sim_schedule(sim, (aia_cycle)i, AIA_PH_HART, chain_fire, &c[i], NULL);
  }
  if (chunk == 0) {
    assert_aia_ok(sim, aia_sim_run(sim));
  } else {
    aia_cycle t = 0;
    while (aia_sim_pending(sim)) {
      t += chunk;
      assert_aia_ok(sim, aia_sim_run_until(sim, t));
    }
  }
  assert_int_equal(aia_sim_event_count(sim), 8000);
  uint64_t h = aia_sim_hash(sim);
  aia_sim_destroy(sim);
  return h;
}

static void test_determinism_hash(void **state)
{
  (void)state;
  uint64_t a = chain_hash(7, 0), b = chain_hash(7, 0), c = chain_hash(8, 0);
  assert_true(a == b);
  assert_true(a != c);
  assert_true(chain_hash(7, 333) == a);
  assert_true(chain_hash(7, 1) == a);
}

static void reenter(aia_sim *sim, void *user)
{
  int *rc = user;
  rc[0] = aia_sim_run(sim);
  rc[1] = aia_sim_run_until(sim, aia_sim_now(sim) + 10);
  rc[2] = aia_sim_step(sim);
  /* Earlier phase on the same cycle is refused; same phase is accepted. */
  rc[3] = aia_sim_schedule(sim, aia_sim_now(sim), AIA_PH_DELIVER, reenter, NULL, NULL);
}

static void test_reentry_is_refused(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  int rc[4] = { 1, 1, 1, 1 };
  (void)state;
  assert_aia_ok(sim, aia_sim_schedule(sim, 5, AIA_PH_HART, reenter, rc, NULL));
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(rc[0], AIA_ESTATE);
  assert_int_equal(rc[1], AIA_ESTATE);
  assert_int_equal(rc[2], AIA_ESTATE);
  assert_int_equal(rc[3], AIA_ERANGE);
  aia_sim_destroy(sim);
}

static void forever(aia_sim *sim, void *user)
{
  aia_sim_schedule(sim, aia_sim_now(sim), AIA_PH_OBSERVE, forever, user, NULL);
}

static void test_livelock_guard(void **state)
{
  aia_sim_config cfg;
  aia_sim *sim;
  (void)state;
  aia_sim_config_init(&cfg);
  cfg.max_events_per_cycle = 1000;
  assert_aia_ok(NULL, aia_sim_create(&cfg, &sim));
  assert_aia_ok(sim, aia_sim_schedule(sim, 3, AIA_PH_OBSERVE, forever, NULL, NULL));
  assert_aia_status(aia_sim_run(sim), AIA_ERANGE);
  assert_non_null(strstr(aia_sim_errmsg(sim), "zero-delay"));
  assert_int_equal(aia_sim_now(sim), 3);
  aia_sim_destroy(sim);
}

static void stopper(aia_sim *sim, void *user)
{
  (void)user;
  aia_sim_stop(sim);
}

static void test_stop_returns_after_current_event(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  log_t lg = { .n = 0 };
  tag t = { &lg, 9 };
  (void)state;
  assert_aia_ok(sim, aia_sim_schedule(sim, 10, AIA_PH_HART, stopper, NULL, NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 20, AIA_PH_HART, record, &t, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 100));
  assert_int_equal(aia_sim_now(sim), 10);
  assert_int_equal(lg.n, 0);
  assert_aia_ok(sim, aia_sim_run_until(sim, 100));
  assert_int_equal(lg.n, 1);
  assert_int_equal(aia_sim_now(sim), 100);
  aia_sim_destroy(sim);
}

static void test_bad_arguments(void **state)
{
  aia_sim_config cfg;
  aia_sim *sim = (aia_sim *)&cfg;
  (void)state;
  assert_aia_status(aia_sim_create(NULL, &sim), AIA_EINVAL);
  assert_null(sim);
  aia_sim_config_init(&cfg);
  cfg.clock_hz = 0;
  assert_aia_status(aia_sim_create(&cfg, &sim), AIA_EINVAL);
  cfg.clock_hz = 1;
  cfg.struct_size = 4;
  assert_aia_status(aia_sim_create(&cfg, &sim), AIA_EINVAL);
  assert_aia_status(aia_sim_create(&cfg, NULL), AIA_EINVAL);
  aia_sim_destroy(NULL);
  assert_aia_status(aia_sim_run(NULL), AIA_EINVAL);
  sim = aia_test_sim(1);
  assert_aia_status(aia_sim_schedule(sim, 1, AIA_PH_HART, NULL, NULL, NULL), AIA_EINVAL);
  assert_aia_status(aia_sim_schedule(sim, 1, (aia_phase)7, stopper, NULL, NULL), AIA_EINVAL);
  assert_aia_status(aia_sim_next_event_cycle(sim, NULL), AIA_EINVAL);
  assert_int_equal(aia_sim_ns_to_cycles(sim, 1500), 1500);
  aia_sim_destroy(sim);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_heap_matches_sorted_reference),
    cmocka_unit_test(test_heap_compaction_keeps_order),
    cmocka_unit_test(test_queue_in_simulation_use),
    cmocka_unit_test(test_queue_memory_follows_the_load),
    cmocka_unit_test(test_queue_memory_follows_the_load_down),
    cmocka_unit_test(test_queue_many_early_entries),
    cmocka_unit_test(test_queue_refuses_bad_keys),
    cmocka_unit_test(test_equal_cycle_runs_in_insertion_order),
    cmocka_unit_test(test_phase_orders_within_a_cycle),
    cmocka_unit_test(test_cancel_head_middle_and_already_run),
    cmocka_unit_test(test_run_until_stops_exactly),
    cmocka_unit_test(test_determinism_hash),
    cmocka_unit_test(test_reentry_is_refused),
    cmocka_unit_test(test_livelock_guard),
    cmocka_unit_test(test_stop_returns_after_current_event),
    cmocka_unit_test(test_bad_arguments),
  };
  for (int i = 1; i + 1 < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] == 'f')
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
