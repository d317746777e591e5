/* The mailbox: posts from several threads, delivery order independent of
 * thread timing, the floor and its refusals, delivery at the exact cycle and
 * phase position, pending items at destroy, and the workload's MSI and MMIO
 * kinds on a whole system. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "aia_test.h"

#define K_REC AIA_MAIL_USER       /* records each delivery */
#define K_FAIL (AIA_MAIL_USER + 1) /* handler that fails */
#define K_OWNED (AIA_MAIL_USER + 2) /* payload owns heap memory */

#define MAX_LOG 65536

typedef struct log {
  aia_mail m[MAX_LOG];
  aia_cycle at[MAX_LOG]; /* aia_sim_now() at delivery */
  size_t n;
  char order[64];        /* letters of timers and deliveries in run order */
  size_t norder;
  uint64_t dropped;
  aia_mailbox *mb;       /* for handlers that post */
  int post_rc;
} log_t;

static int on_rec(void *user, aia_sim *sim, const aia_mail *m)
{
  log_t *l = user;
  if (l->n < MAX_LOG) {
    l->m[l->n] = *m;
    l->at[l->n] = aia_sim_now(sim);
    l->n++;
  }
  if (l->norder < sizeof l->order - 1)
    l->order[l->norder++] = 'M';
  return 0;
}

static int on_fail(void *user, aia_sim *sim, const aia_mail *m)
{
  (void)user;
  (void)sim;
  (void)m;
  return AIA_EINVAL;
}

static int on_owned(void *user, aia_sim *sim, const aia_mail *m)
{
  (void)user;
  (void)sim;
  free((void *)(uintptr_t)m->w[0]);
  return 0;
}

static void drop_owned(void *user, const aia_mail *m)
{
  log_t *l = user;
  l->dropped++;
  free((void *)(uintptr_t)m->w[0]);
}

static void drop_count(void *user, const aia_mail *m)
{
  (void)m;
  ((log_t *)user)->dropped++;
}

static aia_mail mail(aia_cycle cycle, uint32_t source, uint32_t kind, uint64_t tag)
{
  aia_mail m;
  memset(&m, 0, sizeof m);
  m.cycle = cycle;
  m.source = source;
  m.kind = kind;
  m.w[0] = tag;
  return m;
}

static aia_mailbox *new_mailbox(aia_sim *sim, uint32_t sources, log_t *l)
{
  aia_mailbox_config cfg;
  aia_mailbox *mb = NULL;
  aia_mailbox_config_init(&cfg);
  cfg.sources = sources;
  assert_aia_ok(sim, aia_mailbox_create(sim, &cfg, &mb));
  assert_aia_ok(sim, aia_mailbox_set_handler(mb, K_REC, on_rec, drop_count, l));
  l->mb = mb;
  return mb;
}

static log_t *new_log(void)
{
  log_t *l = calloc(1, sizeof *l);
  assert_non_null(l);
  return l;
}

/* ---------------------------------------------------------------------- */

static void test_create_and_arguments(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox_config cfg;
  aia_mailbox *mb = (aia_mailbox *)1, *mb2 = (aia_mailbox *)1;
  aia_mail m;
  uint64_t seq = 99;

  aia_mailbox_config_init(&cfg);
  assert_int_equal(cfg.sources, 16);
  assert_aia_status(aia_mailbox_create(NULL, &cfg, &mb), AIA_EINVAL);
  assert_null(mb);
  assert_aia_status(aia_mailbox_create(sim, NULL, &mb), AIA_EINVAL);
  assert_aia_status(aia_mailbox_create(sim, &cfg, NULL), AIA_EINVAL);
  cfg.sources = 0;
  assert_aia_status(aia_mailbox_create(sim, &cfg, &mb), AIA_EINVAL);
  cfg.sources = 65537;
  assert_aia_status(aia_mailbox_create(sim, &cfg, &mb), AIA_EINVAL);
  cfg.sources = 2;
  cfg.capacity = 3;
  assert_aia_ok(sim, aia_mailbox_create(sim, &cfg, &mb));
  assert_ptr_equal(aia_mailbox_sim(mb), sim);
  assert_aia_status(aia_mailbox_create(sim, &cfg, &mb2), AIA_EBUSY);
  assert_null(mb2);

  assert_aia_status(aia_mailbox_set_handler(mb, 0, on_rec, NULL, l), AIA_EINVAL);
  assert_aia_status(aia_mailbox_set_handler(mb, AIA_MAIL_KINDS, on_rec, NULL, l), AIA_EINVAL);
  assert_aia_status(aia_mailbox_set_handler(mb, K_REC, NULL, NULL, l), AIA_EINVAL);

  m = mail(10, 0, K_REC, 0);
  assert_aia_status(aia_mailbox_post(mb, &m, &seq), AIA_ENOENT); /* no handler yet */
  assert_int_equal(seq, 0);
  assert_aia_ok(sim, aia_mailbox_set_handler(mb, K_REC, on_rec, NULL, l));
  assert_aia_status(aia_mailbox_post(NULL, &m, NULL), AIA_EINVAL);
  assert_aia_status(aia_mailbox_post(mb, NULL, NULL), AIA_EINVAL);
  m.source = 2;
  assert_aia_status(aia_mailbox_post(mb, &m, NULL), AIA_EINVAL);
  m.source = 1;
  m.kind = 0;
  assert_aia_status(aia_mailbox_post(mb, &m, NULL), AIA_EINVAL);
  m.kind = AIA_MAIL_KINDS;
  assert_aia_status(aia_mailbox_post(mb, &m, NULL), AIA_EINVAL);
  m.kind = K_REC;

  /* A fresh sim: nothing ran, so cycle 0 is still open. */
  assert_int_equal(aia_mailbox_floor(mb), 0);
  m.cycle = 0;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, &seq));
  assert_int_equal(seq, 1);
  m.cycle = 5;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, &seq));
  assert_int_equal(seq, 2);
  m.source = 0;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, &seq));
  assert_int_equal(seq, 1); /* per source */
  assert_aia_status(aia_mailbox_post(mb, &m, &seq), AIA_EBUSY); /* capacity 3 */
  assert_int_equal(aia_mailbox_waiting(mb), 3);

  aia_mailbox_stats st;
  aia_mailbox_stats_get(mb, &st);
  assert_int_equal(st.posted, 3);
  assert_int_equal(st.refused, 5);
  assert_int_equal(st.drained, 0);

  assert_aia_ok(sim, aia_mailbox_drain(mb));
  assert_int_equal(aia_mailbox_waiting(mb), 0);
  assert_int_equal(aia_mailbox_floor(mb), 0); /* a plain drain does not move it */
  aia_cycle next = 99;
  assert_aia_ok(sim, aia_sim_next_event_cycle(sim, &next));
  assert_int_equal(next, 0);
  assert_int_equal(aia_sim_pending(sim), 1); /* one delivery event */
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL)); /* room again */
  assert_aia_ok(sim, aia_sim_run_until(sim, 100));
  assert_int_equal(l->n, 4);
  aia_mailbox_stats_get(mb, &st);
  assert_int_equal(st.delivered, 4);
  assert_int_equal(st.scheduled, 0);

  aia_sim_destroy(sim);
  free(l);
}

/* A sim that ran to 40 with no event: cycle 40 is still open. */
static void test_floor_at_creation_after_run(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  assert_aia_ok(sim, aia_sim_run_until(sim, 40));
  aia_mailbox *mb = new_mailbox(sim, 1, l);
  assert_int_equal(aia_mailbox_floor(mb), 40);
  aia_mail m = mail(40, 0, K_REC, 0);
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 40));
  assert_int_equal(l->n, 1);
  assert_int_equal(l->at[0], 40);
  aia_sim_destroy(sim);
  free(l);
}

static void noop(aia_sim *sim, void *user)
{
  (void)sim;
  (void)user;
}

static void test_floor_after_events(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  assert_aia_ok(sim, aia_sim_schedule(sim, 40, AIA_PH_HART, noop, NULL, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 40));
  aia_mailbox *mb = new_mailbox(sim, 1, l);
  assert_int_equal(aia_mailbox_floor(mb), 41);
  aia_mail m = mail(40, 0, K_REC, 0);
  assert_aia_status(aia_mailbox_post(mb, &m, NULL), AIA_ERANGE);
  m.cycle = 41;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));
  aia_sim_destroy(sim);
  free(l);
}

/* run_until(L) raises the floor to L+1, step to its event's cycle + 1,
 * aia_sim_run closes the mailbox while it runs and reopens at now + 1. */
typedef struct poster {
  aia_mailbox *mb;
  aia_cycle cycle;
  int rc;
  aia_cycle floor;
} poster;

static void post_from_timer(aia_sim *sim, void *user)
{
  poster *p = user;
  aia_mail m = mail(p->cycle, 0, K_REC, 7);
  (void)sim;
  p->rc = aia_mailbox_post(p->mb, &m, NULL);
  p->floor = aia_mailbox_floor(p->mb);
}

static void test_floor_rules(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox *mb = new_mailbox(sim, 4, l);
  aia_mail m;
  poster p = { .mb = mb };

  assert_aia_ok(sim, aia_sim_run_until(sim, 100));
  assert_int_equal(aia_mailbox_floor(mb), 101);
  m = mail(100, 0, K_REC, 0);
  assert_aia_status(aia_mailbox_post(mb, &m, NULL), AIA_ERANGE);
  m.cycle = 101;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));

  /* During run_until(1000), a post for <= 1000 is refused, > 1000 accepted
   * and delivered by the next call. */
  p.cycle = 1000;
  assert_aia_ok(sim, aia_sim_schedule(sim, 500, AIA_PH_HART, post_from_timer, &p, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 1000));
  assert_aia_status(p.rc, AIA_ERANGE);
  assert_int_equal(p.floor, 1001);
  p.cycle = 1001;
  assert_aia_ok(sim, aia_sim_schedule(sim, 1500, AIA_PH_HART, post_from_timer, &p, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 2000));
  assert_int_equal(p.floor, 2001);
  assert_aia_status(p.rc, AIA_ERANGE);
  p.cycle = 2500;
  assert_aia_ok(sim, aia_sim_schedule(sim, 2100, AIA_PH_HART, post_from_timer, &p, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 2200));
  assert_aia_ok(sim, p.rc);
  assert_int_equal(l->n, 1);            /* the one at 101 */
  assert_aia_ok(sim, aia_sim_run_until(sim, 3000));
  assert_int_equal(l->n, 2);
  assert_int_equal(l->at[1], 2500);

  /* step: floor = the stepped event's cycle + 1. */
  assert_aia_ok(sim, aia_sim_schedule(sim, 3500, AIA_PH_HART, noop, NULL, NULL));
  m.cycle = 3200;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));
  assert_aia_ok(sim, aia_sim_step(sim)); /* runs the delivery at 3200 */
  assert_int_equal(aia_sim_now(sim), 3200);
  assert_int_equal(l->n, 3);
  assert_int_equal(aia_mailbox_floor(mb), 3201);
  assert_aia_ok(sim, aia_sim_step(sim));
  assert_int_equal(aia_sim_now(sim), 3500);
  assert_int_equal(aia_mailbox_floor(mb), 3501);
  /* Step with an empty queue: the drain supplies the event. */
  m.cycle = 3600;
  assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));
  assert_int_equal(aia_sim_pending(sim), 0);
  assert_aia_ok(sim, aia_sim_step(sim));
  assert_int_equal(aia_sim_now(sim), 3600);
  assert_int_equal(l->n, 4);
  assert_aia_status(aia_sim_step(sim), AIA_ENOENT);
  assert_int_equal(aia_mailbox_floor(mb), 3601);

  /* aia_sim_run: closed while running, now + 1 afterwards. */
  p.cycle = 100000;
  assert_aia_ok(sim, aia_sim_schedule(sim, 5000, AIA_PH_HART, post_from_timer, &p, NULL));
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_aia_status(p.rc, AIA_ERANGE);
  assert_int_equal(p.floor, UINT64_MAX);
  assert_int_equal(aia_sim_now(sim), 5000);
  assert_int_equal(aia_mailbox_floor(mb), 5001);

  aia_mailbox_stats st;
  aia_mailbox_stats_get(mb, &st);
  assert_int_equal(st.delivered, 4);
  assert_int_equal(st.refused, 4);
  aia_sim_destroy(sim);
  free(l);
}

/* Exact cycle, and the phase position: after every AIA_PH_HART event of the
 * cycle (even one scheduled later, from inside the run), before
 * AIA_PH_SCHED; items of one cycle in (source, seq) order. */
static void mark_h(aia_sim *sim, void *user)
{
  log_t *l = user;
  (void)sim;
  l->order[l->norder++] = 'H';
}

static void mark_s(aia_sim *sim, void *user)
{
  log_t *l = user;
  (void)sim;
  l->order[l->norder++] = 'S';
}

static void mark_d(aia_sim *sim, void *user)
{
  log_t *l = user;
  (void)sim;
  l->order[l->norder++] = 'D';
}

static void late_h(aia_sim *sim, void *user)
{
  log_t *l = user;
  l->order[l->norder++] = 'h';
  /* Same cycle, same phase, scheduled after the delivery event was armed. */
  assert_aia_ok(sim, aia_sim_schedule(sim, aia_sim_now(sim), AIA_PH_HART, mark_h, l, NULL));
}

static void test_exact_cycle_and_position(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox *mb = new_mailbox(sim, 8, l);
  aia_mail m;

  /* Items posted in scrambled order over sources and cycles. */
  const struct { aia_cycle c; uint32_t s; } in[] = {
    { 700, 3 }, { 300, 5 }, { 700, 1 }, { 700, 3 }, { 12345, 0 }, { 300, 0 }, { 700, 1 }, { 1, 7 },
  };
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    m = mail(in[i].c, in[i].s, K_REC, i);
    assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));
  }
  assert_aia_ok(sim, aia_mailbox_drain(mb));
  /* Scheduled after the drain armed the delivery event at cycle 1. */
  assert_aia_ok(sim, aia_sim_schedule(sim, 700, AIA_PH_SCHED, mark_s, l, NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 700, AIA_PH_HART, late_h, l, NULL));
  assert_aia_ok(sim, aia_sim_schedule(sim, 700, AIA_PH_DELIVER, mark_d, l, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 600));
  assert_aia_ok(sim, aia_sim_run_until(sim, 20000));

  assert_int_equal(l->n, 8);
  const struct { aia_cycle c; uint32_t s; uint64_t seq; uint64_t tag; } want[] = {
    { 1, 7, 1, 7 },   { 300, 0, 2, 5 }, { 300, 5, 1, 1 }, { 700, 1, 1, 2 },
    { 700, 1, 2, 6 }, { 700, 3, 1, 0 }, { 700, 3, 2, 3 }, { 12345, 0, 1, 4 },
  };
  for (size_t i = 0; i < 8; i++) {
    assert_int_equal(l->at[i], want[i].c);
    assert_int_equal(l->m[i].cycle, want[i].c);
    assert_int_equal(l->m[i].source, want[i].s);
    assert_int_equal(l->m[i].seq, want[i].seq);
    assert_int_equal(l->m[i].w[0], want[i].tag);
  }
  /* M at 1, MM at 300, then cycle 700: D, h (and the H it schedules),
   * the four deliveries, S; then M at 12345. */
  l->order[l->norder] = '\0';
  assert_string_equal(l->order, "MMMDhHMMMMSM");
  aia_sim_destroy(sim);
  free(l);
}

/* A failing handler is counted, later items still run. */
static void test_failed_handler(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox *mb = new_mailbox(sim, 1, l);
  assert_aia_ok(sim, aia_mailbox_set_handler(mb, K_FAIL, on_fail, NULL, l));
  aia_mail a = mail(10, 0, K_FAIL, 0), b = mail(10, 0, K_REC, 0);
  assert_aia_ok(sim, aia_mailbox_post(mb, &a, NULL));
  assert_aia_ok(sim, aia_mailbox_post(mb, &b, NULL));
  assert_aia_ok(sim, aia_sim_run_until(sim, 20));
  aia_mailbox_stats st;
  aia_mailbox_stats_get(mb, &st);
  assert_int_equal(st.failed, 1);
  assert_int_equal(st.delivered, 1);
  assert_int_equal(l->n, 1);
  aia_sim_destroy(sim);
  free(l);
}

/* Destroying the sim with items waiting (in the inbox, and drained but not
 * yet due) hands each one to its drop callback exactly once; payload memory
 * freed there leaves nothing for LeakSanitizer to find. */
static void test_destroy_with_pending(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox *mb = new_mailbox(sim, 2, l);
  assert_aia_ok(sim, aia_mailbox_set_handler(mb, K_OWNED, on_owned, drop_owned, l));
  for (int i = 0; i < 10; i++) {
    aia_mail m = mail((aia_cycle)(100 + i * 100), (uint32_t)(i & 1), K_OWNED, 0);
    m.w[0] = (uint64_t)(uintptr_t)malloc(64);
    assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL));
  }
  assert_aia_ok(sim, aia_sim_run_until(sim, 350)); /* 3 delivered, 7 drained and due later */
  for (int i = 0; i < 5; i++) {
    aia_mail m = mail((aia_cycle)(5000 + i), 0, K_OWNED, 0);
    m.w[0] = (uint64_t)(uintptr_t)malloc(32);
    assert_aia_ok(sim, aia_mailbox_post(mb, &m, NULL)); /* still in the inbox */
  }
  aia_mail r = mail(9000, 1, K_REC, 0);
  assert_aia_ok(sim, aia_mailbox_post(mb, &r, NULL));
  aia_mailbox_stats st;
  aia_mailbox_stats_get(mb, &st);
  assert_int_equal(st.delivered, 3);
  assert_int_equal(st.scheduled, 7);
  assert_int_equal(aia_mailbox_waiting(mb), 6);
  aia_sim_destroy(sim);
  assert_int_equal(l->dropped, 7 + 5 + 1);
  free(l);
}

/* ---- several producer threads */

#define NTHREADS 4
#define PER_THREAD 3000

typedef struct producer {
  aia_mailbox *mb;
  uint32_t source;
  uint64_t yield_seed;       /* changes only the interleaving */
  _Atomic aia_cycle promise; /* lowest cycle it may still post for */
  int errors;
} producer;

static uint64_t fnv(uint64_t h, uint64_t v)
{
  return (h ^ v) * UINT64_C(0x100000001b3);
}

static uint64_t log_hash(const log_t *l)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < l->n; i++) {
    h = fnv(h, l->at[i]);
    h = fnv(h, l->m[i].source);
    h = fnv(h, l->m[i].seq);
    h = fnv(h, l->m[i].w[0]);
  }
  return h;
}

/* Posts PER_THREAD items with non-decreasing cycles (several per cycle,
 * and cycles shared with the other producers), yielding at random, and
 * publishes its promise after each post (release). */
static void *produce(void *arg)
{
  producer *p = arg;
  aia_rng r, y;
  aia_cycle c = 1000;
  aia_rng_seed(&r, 7, p->source);
  aia_rng_seed(&y, p->yield_seed, p->source);
  for (uint32_t i = 0; i < PER_THREAD; i++) {
    c += aia_rng_below(&r, 3) * 10; /* 0: same cycle again */
    aia_mail m = mail(c, p->source, K_REC, ((uint64_t)p->source << 32) | i);
    if (aia_mailbox_post(p->mb, &m, NULL) != AIA_OK)
      p->errors++;
    atomic_store_explicit(&p->promise, c, memory_order_release);
    if (aia_rng_below(&y, 8) == 0)
      sched_yield();
  }
  atomic_store_explicit(&p->promise, UINT64_MAX, memory_order_release);
  return NULL;
}

/* The simulation thread runs while the producers post: each time, until
 * one cycle before the smallest promise (acquire), so no post is refused. */
static uint64_t run_with_threads(uint64_t yield_seed, int concurrent)
{
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox *mb = new_mailbox(sim, NTHREADS, l);
  producer prod[NTHREADS];
  pthread_t th[NTHREADS];

  for (uint32_t i = 0; i < NTHREADS; i++) {
    prod[i].mb = mb;
    prod[i].source = i;
    prod[i].yield_seed = yield_seed;
    atomic_init(&prod[i].promise, 0);
    prod[i].errors = 0;
  }
  for (uint32_t i = 0; i < NTHREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, produce, &prod[i]), 0);
  if (concurrent) {
    for (;;) {
      aia_cycle h = UINT64_MAX;
      for (uint32_t i = 0; i < NTHREADS; i++) {
        aia_cycle p = atomic_load_explicit(&prod[i].promise, memory_order_acquire);
        if (p < h)
          h = p;
      }
      if (h == UINT64_MAX)
        break;
      if (h > aia_sim_now(sim) + 1)
        assert_aia_ok(sim, aia_sim_run_until(sim, h - 1));
      else
        sched_yield();
    }
  }
  for (uint32_t i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(prod[i].errors, 0);
  }
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(l->n, NTHREADS * PER_THREAD);
  for (size_t i = 1; i < l->n; i++) {
    const aia_mail *a = &l->m[i - 1], *b = &l->m[i];
    assert_int_equal(l->at[i], b->cycle);
    assert_true(a->cycle < b->cycle || (a->cycle == b->cycle && (a->source < b->source ||
                (a->source == b->source && a->seq < b->seq))));
  }
  aia_mailbox_stats st;
  aia_mailbox_stats_get(mb, &st);
  assert_int_equal(st.refused, 0);
  assert_int_equal(st.delivered, NTHREADS * PER_THREAD);
  uint64_t h = log_hash(l);
  aia_sim_destroy(sim);
  free(l);
  return h;
}

static void test_threads_deterministic(void **state)
{
  (void)state;
  /* Items come from a fixed seed; yield_seed only moves the yields. Posting
   * everything first, or posting while the sim runs, gives the same run. */
  uint64_t ref = run_with_threads(1, 0);
  for (uint64_t y = 2; y < 8; y++)
    assert_int_equal(run_with_threads(y, (int)(y & 1)), ref);
}

/* Producers whose sequence differs only in yields: redo with different
 * yield patterns by varying which thread starts first. */
static void *produce_delayed(void *arg)
{
  producer *p = arg;
  for (uint32_t k = 0; k < p->source * 50; k++)
    sched_yield();
  return produce(arg);
}

static void test_threads_start_order(void **state)
{
  (void)state;
  uint64_t ref = run_with_threads(7, 1);
  aia_sim *sim = aia_test_sim(1);
  log_t *l = new_log();
  aia_mailbox *mb = new_mailbox(sim, NTHREADS, l);
  producer prod[NTHREADS];
  pthread_t th[NTHREADS];
  /* Reverse creation order, staggered starts, no concurrent running. */
  for (uint32_t i = NTHREADS; i-- > 0;) {
    prod[i].mb = mb;
    prod[i].source = i;
    prod[i].yield_seed = 99;
    atomic_init(&prod[i].promise, 0);
    prod[i].errors = 0;
    assert_int_equal(pthread_create(&th[i], NULL, produce_delayed, &prod[i]), 0);
  }
  for (uint32_t i = 0; i < NTHREADS; i++)
    pthread_join(th[i], NULL);
  assert_aia_ok(sim, aia_sim_run_until(sim, 500));  /* split runs: same result */
  assert_aia_ok(sim, aia_sim_run_until(sim, 20000));
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(log_hash(l), ref);
  aia_sim_destroy(sim);
  free(l);
}

/* ---- the workload's kinds on a whole system */

typedef struct sys {
  aia_sim *sim;
  aia_platform *plat;
  aia_kvm *kvm;
  aia_vm *vm;
  aia_mailbox *mb;
  aia_event src[64], posted[64], claims[64];
  size_t nsrc, nposted, nclaims;
} sys;

static void sys_hook(void *user, const aia_event *ev)
{
  sys *s = user;
  if (ev->kind == AIA_EV_MSI_SOURCE && s->nsrc < 64)
    s->src[s->nsrc++] = *ev;
  if (ev->kind == AIA_EV_MSI_POSTED && s->nposted < 64)
    s->posted[s->nposted++] = *ev;
  if (ev->kind == AIA_EV_CLAIM && s->nclaims < 64)
    s->claims[s->nclaims++] = *ev;
}

static void sys_build(sys *s)
{
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_vm_config vc;
  aia_host *host;
  aia_mailbox_config mc;
  memset(s, 0, sizeof *s);
  s->sim = aia_test_sim(3);
  aia_platform_config_init(&pc);
  pc.harts = 2;
  pc.ids = 63;
  assert_aia_ok(s->sim, aia_platform_create(s->sim, &pc, &s->plat));
  aia_host_config_init(&hc);
  assert_aia_ok(s->sim, aia_host_create(s->sim, s->plat, &hc, &host));
  aia_kvm_config_init(&kc);
  assert_aia_ok(s->sim, aia_kvm_create(s->sim, s->plat, host, &kc, &s->kvm));
  aia_vm_config_init(&vc);
  vc.vcpus = 2;
  assert_aia_ok(s->sim, aia_vm_create(s->kvm, &vc, &s->vm));
  for (uint32_t i = 0; i < 2; i++) {
    aia_guest_config gc;
    aia_guest_config_init(&gc);
    gc.behaviour = AIA_BEHAVIOUR_BUSY;
    assert_aia_ok(s->sim, aia_guest_attach(s->sim, aia_vm_vcpu(s->vm, i), &gc));
    assert_aia_ok(s->sim, aia_vcpu_guest_setup(aia_vm_vcpu(s->vm, i), 1, 0, 1, 63));
  }
  assert_aia_ok(s->sim, aia_sim_hook_add(s->sim, AIA_EV_ALL, sys_hook, s, NULL));
  aia_mailbox_config_init(&mc);
  assert_aia_ok(s->sim, aia_mailbox_create(s->sim, &mc, &s->mb));
  assert_aia_ok(s->sim, aia_workload_mailbox(s->kvm, s->mb));
  for (uint32_t i = 0; i < 2; i++)
    assert_aia_ok(s->sim, aia_vcpu_start(aia_vm_vcpu(s->vm, i), 0));
}

static void test_workload_msi_kind(void **state)
{
  (void)state;
  sys s;
  sys_build(&s);
  assert_aia_ok(s.sim, aia_mailbox_post_msi(s.mb, 200000, 1, 0, 1, 40, AIA_PATH_KVM, NULL));
  assert_aia_ok(s.sim, aia_mailbox_post_msi(s.mb, 200000, 0, 0, 0, 41, AIA_PATH_KVM, NULL));
  assert_aia_ok(s.sim, aia_mailbox_post_msi(s.mb, 300000, 0, 0, 1, 42, AIA_PATH_DIRECT, NULL));
  assert_aia_ok(s.sim, aia_mailbox_post_msi(s.mb, 310000, 0, 0, 9, 42, AIA_PATH_KVM, NULL));
  assert_aia_ok(s.sim, aia_mailbox_post_msi(s.mb, 320000, 0, 0, 0, 64, AIA_PATH_KVM, NULL));
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 1000000));
  assert_int_equal(s.nsrc, 3);
  /* Source 0 before source 1 on the same cycle. */
  assert_int_equal(s.src[0].cycle, 200000);
  assert_int_equal(s.src[0].vcpu, 0);
  assert_int_equal(s.src[0].iid, 41);
  assert_int_equal(s.src[1].cycle, 200000);
  assert_int_equal(s.src[1].vcpu, 1);
  assert_int_equal(s.src[1].iid, 40);
  assert_true(s.src[1].msi == s.src[0].msi + 1);
  assert_int_equal(s.src[2].cycle, 300000);
  assert_int_equal(s.src[2].arg, 1); /* direct */
  assert_int_equal(s.nclaims, 3);
  aia_mailbox_stats st;
  aia_mailbox_stats_get(s.mb, &st);
  assert_int_equal(st.delivered, 3);
  assert_int_equal(st.failed, 2); /* vCPU 9; identity 64 > 63 */
  aia_sim_destroy(s.sim);
}

static void test_workload_mmio_kind(void **state)
{
  (void)state;
  sys s;
  sys_build(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 100000)); /* VS-files allocated */
  aia_vcpu *v = aia_vm_vcpu(s.vm, 1);
  assert_true(aia_vcpu_vsfile_hart(v) >= 0);
  uint64_t pa = 0;
  assert_aia_ok(s.sim, aia_file_address(s.plat, (uint32_t)aia_vcpu_vsfile_hart(v),
                                        aia_vcpu_vsfile_hgei(v), &pa));
  assert_aia_ok(s.sim, aia_mailbox_post_mmio(s.mb, 150000, 2, pa + AIA_MMIO_SETEIPNUM_LE, 33, NULL));
  assert_aia_ok(s.sim, aia_mailbox_post_mmio(s.mb, 160000, 2, pa + AIA_MMIO_SETEIPNUM_BE,
                                             0x22000000u, NULL)); /* identity 34 */
  assert_aia_ok(s.sim, aia_mailbox_post_mmio(s.mb, 170000, 2, 0x10, 5, NULL)); /* no device */
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 1000000));
  assert_int_equal(s.nposted, 2);
  assert_int_equal(s.posted[0].cycle, 150000);
  assert_int_equal(s.posted[0].iid, 33);
  assert_int_equal(s.posted[1].cycle, 160000);
  assert_int_equal(s.posted[1].iid, 34);
  assert_int_equal(s.nsrc, 2);
  assert_int_equal(s.src[0].vcpu, 1);
  assert_int_equal(s.src[0].msi, s.posted[0].msi);
  assert_int_equal(s.nclaims, 2);
  assert_int_equal(s.claims[0].vcpu, 1);
  assert_int_equal(s.claims[0].iid, 33);
  assert_int_equal(s.claims[1].iid, 34);
  aia_mailbox_stats st;
  aia_mailbox_stats_get(s.mb, &st);
  assert_int_equal(st.delivered, 2);
  assert_int_equal(st.failed, 1);
  aia_sim_destroy(s.sim);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_create_and_arguments),
    cmocka_unit_test(test_floor_at_creation_after_run),
    cmocka_unit_test(test_floor_after_events),
    cmocka_unit_test(test_floor_rules),
    cmocka_unit_test(test_exact_cycle_and_position),
    cmocka_unit_test(test_failed_handler),
    cmocka_unit_test(test_destroy_with_pending),
    cmocka_unit_test(test_threads_deterministic),
    cmocka_unit_test(test_threads_start_order),
    cmocka_unit_test(test_workload_msi_kind),
    cmocka_unit_test(test_workload_mmio_kind),
  };
  for (int i = 1; i + 1 < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] == 'f' && argv[i][2] == '\0')
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
