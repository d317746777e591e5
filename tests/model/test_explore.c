/* The explorer: on one idle vCPU and two harts, eras A and B lose a wake-up
 * with one perturbation and era C loses nothing up to two; the minimal
 * counterexample reproduces when run as a scenario; the report does not
 * depend on the number of threads; bad configurations are refused. */
#define _DEFAULT_SOURCE 1 /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aia_test.h"
#include "aiasim/explore.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"

static const char one[] =
  "aiasim: 1\nname: one\nduration: 2ms\ndrain: 1ms\npolicy: [nokick]\n"
  "platform: { harts: 2 }\n"
  "vms: [{ name: vm0, vcpus: 1, guest: { behaviour: idle } }]\n"
  "devices: [{ name: nic, vm: vm0, pattern: list, at: [{ at: 1ms, vcpu: 0, iid: 32 }] }]\n";

static aia_scenario *load(const char *text, const char *kernel)
{
  aia_scenario *s = NULL;
  aia_override ov[] = { { "kernel", kernel } };
  aia_diag d;
  size_t n = 0;
  assert_int_equal(aia_scenario_load_mem("one.yaml", text, strlen(text), ov, 1, &s, &d, 1, &n),
                   AIA_OK);
  return s;
}

/* The counterexample run as a scenario: scn plus its force items. */
static aia_run_result replay(const aia_scenario *scn, const aia_explore_cex *x)
{
  aia_scenario copy = *scn;
  aia_run_result r;
  char err[256];
  copy.force = x->force;
  copy.nforce = x->nforce;
  if (aia_scenario_run(&copy, AIA_POLICY_NOKICK, NULL, &r, err, sizeof err) != AIA_OK)
    fail_msg("replay: %s", err);
  return r;
}

static void test_eras(void **state)
{
  aia_explore_config cfg;
  (void)state;
  aia_explore_config_init(&cfg);
  for (int k = 0; k < 3; k++) {
    const char *era = k == 0 ? "A" : k == 1 ? "B" : "C";
    aia_scenario *s = load(one, era);
    aia_explore_report r;
    char err[256];
    cfg.depth = k < 2 ? 1 : 2;
    assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_OK);
    assert_true(r.complete);
    assert_int_equal(r.depth_done, cfg.depth);
    assert_true(r.choice_points >= 10);
    assert_true(r.runs > 100 && r.states > 50 && r.states <= r.runs);
    if (k < 2) {
      aia_run_result rr;
      assert_true(r.found_wakeup);
      assert_int_equal(r.wakeup.nforce, 1); /* the reference run is clean */
      rr = replay(s, &r.wakeup);
      assert_true(rr.r.lost_wakeups >= 1);
      assert_true(rr.r.trace_hash == r.wakeup.trace_hash); /* bit for bit */
      aia_run_result_free(&rr);
    } else {
      assert_false(r.found_wakeup);
      assert_false(r.found_interrupt);
      assert_int_equal(r.violating, 0);
    }
    aia_explore_report_free(&r);
    aia_scenario_destroy(s);
  }
}

static void test_threads_do_not_change_the_report(void **state)
{
  aia_explore_config cfg;
  aia_explore_report a, b;
  aia_scenario *s = load(one, "B");
  char err[256];
  (void)state;
  aia_explore_config_init(&cfg);
  cfg.depth = 2;
  assert_int_equal(aia_explore(s, AIA_POLICY_KICK, &cfg, &a, err, sizeof err), AIA_OK);
  cfg.jobs = 2;
  assert_int_equal(aia_explore(s, AIA_POLICY_KICK, &cfg, &b, err, sizeof err), AIA_OK);
  assert_true(a.runs == b.runs && a.states == b.states && a.violating == b.violating);
  assert_int_equal(a.wakeup.nforce, b.wakeup.nforce);
  assert_true(a.wakeup.trace_hash == b.wakeup.trace_hash);
  assert_memory_equal(a.wakeup.force, b.wakeup.force, a.wakeup.nforce * sizeof *a.wakeup.force);
  /* A budget cuts the search and says so. */
  cfg.max_runs = 50;
  aia_explore_report_free(&b);
  assert_int_equal(aia_explore(s, AIA_POLICY_KICK, &cfg, &b, err, sizeof err), AIA_OK);
  assert_false(b.complete);
  assert_true(b.runs <= 50);
  aia_explore_report_free(&a);
  aia_explore_report_free(&b);
  aia_scenario_destroy(s);
}

static void test_counterexample_file(void **state)
{
  aia_explore_config cfg;
  aia_explore_report r;
  aia_scenario *s = load(one, "A"), *back = NULL;
  char err[256], *buf = NULL;
  size_t len = 0;
  aia_diag d;
  size_t n = 0;
  aia_run_result rr;
  FILE *f;
  (void)state;
  aia_explore_config_init(&cfg);
  cfg.depth = 1;
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_OK);
  f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(aia_explore_write_scenario(s, AIA_POLICY_NOKICK, &r.wakeup, f), AIA_OK);
  fclose(f);
  assert_non_null(strstr(buf, "force:\n  - { after: { vm: vm0, vcpu: 0, event: "));
  /* The file loads and its run loses the wake-up, with the same stream. */
  assert_int_equal(aia_scenario_load_mem("cex.yaml", buf, len, NULL, 0, &back, &d, 1, &n), AIA_OK);
  assert_int_equal(back->nforce, r.wakeup.nforce);
  assert_int_equal(aia_scenario_run(back, AIA_POLICY_NOKICK, NULL, &rr, err, sizeof err), AIA_OK);
  assert_true(rr.r.lost_wakeups >= 1);
  assert_true(rr.r.trace_hash == r.wakeup.trace_hash);
  /* A scenario with force: of its own cannot be written out this way. */
  assert_int_equal(aia_explore_write_scenario(back, AIA_POLICY_NOKICK, &r.wakeup, stdout),
                   AIA_EINVAL);
  aia_run_result_free(&rr);
  aia_scenario_destroy(back);
  free(buf);
  aia_explore_report_free(&r);
  aia_scenario_destroy(s);
}

/* A scenario whose run has some 1,400 choice points (an MSI every 5 us). */
static const char busy[] =
  "aiasim: 1\nname: busy\nduration: 2ms\ndrain: 1ms\npolicy: [nokick]\n"
  "platform: { harts: 2 }\n"
  "vms: [{ name: vm0, vcpus: 1, guest: { behaviour: idle } }]\n"
  "devices: [{ name: nic, vm: vm0, pattern: poisson, rate: 200000/s }]\n";

/* Peak resident set (KiB) of a child that explores `runs` schedules of
 * `text` (at least `ncp` choice points) to depth `depth`. */
static long explore_peak_kib(const char *text, uint64_t ncp, uint32_t depth, uint64_t runs)
{
  struct rusage ru;
  int st;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    aia_scenario *s = load(text, "C");
    aia_explore_config cfg;
    aia_explore_report r;
    char err[256];
    aia_explore_config_init(&cfg);
    cfg.max_runs = runs;
    cfg.depth = depth;
    int rc = aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err);
    _exit(rc == AIA_OK && r.runs == runs && r.choice_points >= ncp ? 0 : 1);
  }
  assert_int_equal(wait4(pid, &st, 0, &ru), pid);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return ru.ru_maxrss;
}

/* Depth 2 keeps the schedules of depth 1 for their extension: their
 * perturbations, not the choice points of each of their runs (some 60 KB
 * each here: 3,000 runs used to peak 150 MB above 100 runs). */
static void test_memory_does_not_grow_with_the_runs(void **state)
{
  const char *pre = getenv("LD_PRELOAD");
  (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  skip(); /* the sanitizers keep freed memory a while */
#endif
  if (pre && strstr(pre, "vgpreload"))
    skip(); /* so does valgrind */
  long small = explore_peak_kib(busy, 1000, 2, 100), large = explore_peak_kib(busy, 1000, 2, 3000);
  assert_true(large - small < 16 * 1024);
}

/* Nor with the choice points: a run 20 times as long (29,000 choice points,
 * 260,000 children at depth 1) explored on a budget of 50 runs makes its
 * children a chunk at a time; made all at once they peaked 33 MB higher. */
static void test_memory_does_not_grow_with_the_children(void **state)
{
  const char *pre = getenv("LD_PRELOAD");
  char longer[sizeof busy + 8];
  char *at;
  (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  skip();
#endif
  if (pre && strstr(pre, "vgpreload"))
    skip();
  strcpy(longer, busy);
  at = strstr(longer, "duration: 2ms");
  assert_non_null(at);
  memmove(at + 14, at + 13, strlen(at + 13) + 1);
  memcpy(at, "duration: 40ms", 14);
  long small = explore_peak_kib(busy, 1000, 1, 50), large = explore_peak_kib(longer, 20000, 1, 50);
  assert_true(large - small < 12 * 1024);
}

/* The time budget: no run starts once it is spent, even within the first
 * depth's batch (it used to be looked at between batches only: --budget 3s
 * took 28 s on a scenario whose first depth has 50,000 schedules). Spent
 * before the first perturbed schedule, it leaves the reference run alone. */
static void test_time_budget_stops_within_a_depth(void **state)
{
  aia_scenario *s = load(busy, "C");
  (void)state;
  for (uint32_t jobs = 1; jobs <= 2; jobs++) {
    aia_explore_config cfg;
    aia_explore_report r;
    char err[256];
    aia_explore_config_init(&cfg);
    cfg.max_seconds = 1e-9;
    cfg.jobs = jobs;
    assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_OK);
    assert_int_equal(r.runs, 1);
    assert_int_equal(r.depth_done, 0);
    assert_false(r.complete);
    assert_true(r.choice_points > 1000);
    aia_explore_report_free(&r);
  }
  aia_scenario_destroy(s);
}

typedef struct seen_progress {
  pthread_t caller;
  uint64_t calls, last_runs, last_extended;
  uint32_t last_depth, max_depth;
  bool on_other_thread, went_back;
} seen_progress;

static void on_progress(void *user, const aia_explore_progress *p)
{
  seen_progress *s = user;
  if (!pthread_equal(pthread_self(), s->caller))
    s->on_other_thread = true;
  if (p->runs < s->last_runs || p->depth < s->last_depth || p->depth < 1 || p->depth > s->max_depth ||
      (p->depth == s->last_depth && p->extended < s->last_extended) ||
      p->extended >= p->to_extend || p->states > p->runs)
    s->went_back = true;
  s->last_runs = p->runs;
  s->last_depth = p->depth;
  s->last_extended = p->extended;
  s->calls++;
}

/* The progress callback: on the calling thread only, counts that never go
 * back, within the report's; the same report with it as without. */
static void test_progress(void **state)
{
  aia_scenario *s = load(one, "C");
  aia_explore_report plain;
  char err[256];
  aia_explore_config cfg;
  (void)state;
  aia_explore_config_init(&cfg);
  assert_true(cfg.progress == NULL && cfg.progress_every == 0.5);
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &plain, err, sizeof err), AIA_OK);
  for (uint32_t jobs = 1; jobs <= 2; jobs++) {
    seen_progress sp = { pthread_self(), 0, 0, 0, 0, 2, false, false };
    aia_explore_report r;
    cfg.jobs = jobs;
    cfg.progress = on_progress;
    cfg.progress_user = &sp;
    cfg.progress_every = 0; /* after every run of this thread */
    assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_OK);
    /* One thread runs every schedule on the caller; with two, how many the
     * caller gets depends on the host's scheduling. */
    if (jobs == 1)
      assert_true(sp.calls > 50);
    assert_false(sp.on_other_thread);
    assert_false(sp.went_back);
    if (jobs == 1)
      assert_int_equal(sp.last_depth, 2);
    assert_true(sp.last_runs <= r.runs);
    assert_int_equal(r.runs, plain.runs);
    assert_int_equal(r.states, plain.states);
    aia_explore_report_free(&r);
  }
  aia_explore_report_free(&plain);
  cfg.progress_every = -1;
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &plain, err, sizeof err), AIA_EINVAL);
  aia_scenario_destroy(s);
}

static void test_bad_configurations(void **state)
{
  aia_explore_config cfg;
  aia_explore_report r;
  aia_scenario *s = load(one, "C"), *empty = NULL;
  char err[256];
  static const char novcpu[] = "aiasim: 1\nname: e\nduration: 1ms\n";
  aia_diag d;
  size_t n = 0;
  (void)state;
  aia_explore_config_init(&cfg);
  cfg.depth = 0;
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_EINVAL);
  assert_non_null(strstr(err, "depth"));
  cfg.depth = 5;
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_EINVAL);
  aia_explore_config_init(&cfg);
  cfg.jobs = 0;
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_EINVAL);
  aia_explore_config_init(&cfg);
  cfg.msi = cfg.preempt = cfg.migrate = false;
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_EINVAL);
  aia_explore_config_init(&cfg);
  cfg.from = 5000000;
  cfg.to = 6000000; /* after the run: no choice point */
  assert_int_equal(aia_explore(s, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_EINVAL);
  assert_non_null(strstr(err, "choice point"));
  aia_explore_config_init(&cfg);
  assert_int_equal(aia_explore(s, (aia_policy)7, &cfg, &r, err, sizeof err), AIA_EINVAL);
  assert_int_equal(aia_scenario_load_mem("e.yaml", novcpu, strlen(novcpu), NULL, 0, &empty, &d, 1,
                                         &n),
                   AIA_OK);
  assert_int_equal(aia_explore(empty, AIA_POLICY_NOKICK, &cfg, &r, err, sizeof err), AIA_EINVAL);
  assert_non_null(strstr(err, "no vCPU"));
  aia_scenario_destroy(empty);
  aia_scenario_destroy(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_eras),
    cmocka_unit_test(test_threads_do_not_change_the_report),
    cmocka_unit_test(test_counterexample_file),
    cmocka_unit_test(test_memory_does_not_grow_with_the_runs),
    cmocka_unit_test(test_memory_does_not_grow_with_the_children),
    cmocka_unit_test(test_time_budget_stops_within_a_depth),
    cmocka_unit_test(test_progress),
    cmocka_unit_test(test_bad_configurations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
