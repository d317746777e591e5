/* tests/unit/test_sched_fixture.h: a sim + platform + host with a record
 * log, and a "hog" thread body, shared by the scheduler suites. */
#ifndef TEST_SCHED_FIXTURE_H
#define TEST_SCHED_FIXTURE_H

#include <string.h>

#include "aia_test.h"
#include "aiasim/host.h"

#define SSIP (UINT64_C(1) << AIA_IRQ_SSI)

typedef struct fx {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_event *log;
  size_t nlog, cap;
} fx;

static void fx_log(void *user, const aia_event *ev)
{
  fx *f = user;
  if (f->nlog == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 256;
    f->log = realloc(f->log, f->cap * sizeof *f->log);
    if (f->log == NULL)
      fail_msg("out of memory for the record log");
  }
  f->log[f->nlog++] = *ev;
}

#define FX_KINDS                                                                       \
  (AIA_EV_BIT(AIA_EV_THREAD_ENQUEUE) | AIA_EV_BIT(AIA_EV_SCHED_IN) |                   \
   AIA_EV_BIT(AIA_EV_SCHED_OUT) | AIA_EV_BIT(AIA_EV_THREAD_WAKE) |                     \
   AIA_EV_BIT(AIA_EV_THREAD_MIGRATE) | AIA_EV_BIT(AIA_EV_THREAD_SLEEP) |               \
   AIA_EV_BIT(AIA_EV_IPI_SEND) | AIA_EV_BIT(AIA_EV_IPI_DELIVER) |                      \
   AIA_EV_BIT(AIA_EV_HART_IDLE) | AIA_EV_BIT(AIA_EV_HART_WAKE))

/* A fixture; hc / pc may be NULL (defaults). `log` attaches the record log. */
static inline fx *fx_new(uint64_t seed, uint32_t harts, const aia_host_config *hc,
                         const aia_platform_config *pc, bool log)
{
  fx *f = calloc(1, sizeof *f);
  aia_platform_config p;
  assert_non_null(f);
  f->sim = aia_test_sim(seed);
  if (pc)
    p = *pc;
  else
    aia_platform_config_init(&p);
  p.harts = harts;
  assert_aia_ok(f->sim, aia_platform_create(f->sim, &p, &f->plat));
  if (log)
    assert_aia_ok(f->sim, aia_sim_hook_add(f->sim, FX_KINDS, fx_log, f, NULL));
  if (hc == NULL) { /* these suites test the exact RR policy unless told otherwise */
    aia_host_config rr;
    aia_host_config_init(&rr);
    rr.scheduler = AIA_SCHED_RR;
    assert_aia_ok(f->sim, aia_host_create(f->sim, f->plat, &rr, &f->host));
    return f;
  }
  assert_aia_ok(f->sim, aia_host_create(f->sim, f->plat, hc, &f->host));
  return f;
}

static inline void fx_free(fx *f)
{
  aia_sim_destroy(f->sim);
  free(f->log);
  free(f);
}

static inline void fx_run(fx *f, aia_cycle until)
{
  assert_aia_ok(f->sim, aia_sim_run_until(f->sim, until));
}

/* The nth (0-based) record of `kind` about thread `tid` (AIA_NONE: any). */
static inline const aia_event *fx_find(const fx *f, uint32_t kind, uint32_t tid, size_t nth)
{
  for (size_t i = 0; i < f->nlog; i++) {
    const aia_event *e = &f->log[i];
    if (e->kind == kind && (tid == AIA_NONE || e->vcpu == tid) && nth-- == 0)
      return e;
  }
  return NULL;
}

static inline size_t fx_count(const fx *f, uint32_t kind, uint32_t tid)
{
  size_t n = 0;
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == kind && (tid == AIA_NONE || f->log[i].vcpu == tid))
      n++;
  return n;
}

/* Asserts the nth record of kind/thread exists, at `cycle`, on `hart`. */
#define assert_rec(f, kind, tid, nth, cyc, hrt)                                        \
  do {                                                                                 \
    const aia_event *e_ = fx_find((f), (kind), (tid), (nth));                          \
    if (e_ == NULL)                                                                    \
      fail_msg("no record #%zu of %s for thread %u", (size_t)(nth),                    \
               aia_event_kind_name(kind), (unsigned)(tid));                            \
    if (e_->cycle != (aia_cycle)(cyc) || e_->hart != (uint32_t)(hrt))                  \
      fail_msg("%s #%zu of thread %u: cycle %llu hart %u, expected cycle %llu hart %u", \
               aia_event_kind_name(kind), (size_t)(nth), (unsigned)(tid),              \
               (unsigned long long)e_->cycle, e_->hart, (unsigned long long)(cyc),     \
               (unsigned)(hrt));                                                       \
  } while (0)

/* A thread body that never sleeps by itself. It gives the hart up at once
 * when asked (unless `stubborn`), reports in_guest = `guest`, and checks
 * that its notifiers alternate. */
typedef struct hog {
  aia_thread *t;
  bool stubborn, guest;
  int on;              /* between sched_in and sched_out */
  uint32_t in_hart;    /* hart of the last sched_in */
  uint32_t nin, nout, nrun, nresched;
  aia_sched_reason last_reason;
  uint64_t repin;      /* non-zero: sched_out sets this affinity (then clears it) */
  bool bad;            /* a notifier came out of order */
} hog;

static void hog_run(void *user, aia_thread *t, uint32_t hart)
{
  hog *g = user;
  (void)t;
  (void)hart;
  g->nrun++;
}

static void hog_resched(void *user, aia_thread *t, uint32_t hart)
{
  hog *g = user;
  (void)hart;
  g->nresched++;
  if (!g->stubborn)
    assert_int_equal(aia_thread_preempt_point(t, NULL), AIA_OK);
}

static void hog_in(void *user, aia_thread *t, uint32_t hart)
{
  hog *g = user;
  if (g->on || hart != aia_thread_hart(t))
    g->bad = true;
  g->on = 1;
  g->in_hart = hart;
  g->nin++;
}

static void hog_out(void *user, aia_thread *t, uint32_t hart, aia_sched_reason reason)
{
  hog *g = user;
  if (!g->on || hart != g->in_hart)
    g->bad = true;
  g->on = 0;
  g->nout++;
  g->last_reason = reason;
  if (g->repin) {
    uint64_t m = g->repin;
    g->repin = 0;
    if (aia_thread_set_affinity(t, &m, 64) != AIA_OK)
      g->bad = true;
  }
}

static bool hog_in_guest(void *user, const aia_thread *t)
{
  (void)t;
  return ((const hog *)user)->guest;
}

/* A hog thread with last hart `hart` and affinity `mask` over 64 harts
 * (0 = all harts). */
static inline aia_thread *hog_new(fx *f, hog *g, uint32_t hart, uint64_t mask)
{
  aia_thread_config tc;
  aia_thread_ops ops;
  memset(g, 0, sizeof *g);
  aia_thread_config_init(&tc);
  tc.hart = hart;
  tc.vm = 7;
  if (mask) {
    tc.affinity = &mask; /* copied by create */
    tc.affinity_harts = 64;
  }
  aia_thread_ops_init(&ops);
  ops.user = g;
  ops.run = hog_run;
  ops.resched = hog_resched;
  ops.sched_in = hog_in;
  ops.sched_out = hog_out;
  ops.in_guest = hog_in_guest;
  assert_aia_ok(f->sim, aia_thread_create(f->host, &tc, &ops, &g->t));
  return g->t;
}

static inline void wake(fx *f, aia_thread *t, uint32_t from, bool want)
{
  bool woken = !want;
  assert_aia_ok(f->sim, aia_thread_wake(t, from, &woken, NULL));
  assert_true(woken == want);
}

#endif /* TEST_SCHED_FIXTURE_H */
