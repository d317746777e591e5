/* Halt polling as kvm_vcpu_can_poll() allows it: only while the vCPU's
 * thread is the only task on its hart (single_task_running), not after
 * need_resched, and not past the window. */
#include "kvm_fixture.h"

#define US 1000u

typedef struct pulse {
  kf *f;
  uint32_t left;
  uint64_t msi;
} pulse;

/* An MSI every 100 us, `left` times. */
static void pulse_fire(aia_sim *sim, void *user)
{
  pulse *p = user;
  assert_aia_ok(sim, aia_kvm_inject(p->f->kvm, kf_vcpu(p->f, 0), 0, 0, 40, ++p->msi));
  if (--p->left)
    assert_aia_ok(sim, aia_sim_schedule(sim, aia_sim_now(sim) + 100 * US, AIA_PH_HART,
                                        pulse_fire, p, NULL));
}

/* The vCPU's records from `from` on, in order. */
static const aia_event *next_vcpu_rec(const kf *f, size_t *i, aia_cycle from)
{
  for (; *i < f->nlog; (*i)++) {
    const aia_event *e = &f->log[*i];
    if (e->cycle >= from && e->vm == 0 && e->vcpu == 0 &&
        (e->kind == AIA_EV_HALT_POLL || e->kind == AIA_EV_BLOCK))
      return &f->log[(*i)++];
  }
  return NULL;
}

static void test_poll_stops_when_another_thread_is_runnable(void **state)
{
  kf f;
  pulse p;
  aia_noise_config nc;
  aia_thread *noise;
  const aia_event *e, *poll = NULL;
  aia_cycle arrive = 0;
  size_t i = 0;
  (void)state;
  kf_defaults(&f);
  f.pcfg.harts = 1;
  f.kcfg.injector_hart = 0;
  kf_build(&f, 1);
  f.idle[0] = 1;
  p.f = &f;
  p.left = 30;
  p.msi = 0;
  assert_aia_ok(f.sim, aia_vcpu_start(kf_vcpu(&f, 0), 0));
  assert_aia_ok(f.sim, aia_sim_schedule(f.sim, 50 * US, AIA_PH_HART, pulse_fire, &p, NULL));
  kf_run_until(&f, 2000 * US);
  /* By now the window has grown past the MSI period: the vCPU polls. */
  assert_true(kf_count(&f, AIA_EV_HALT_POLL, 1000 * US, AIA_NONE) >= 3);
  /* Find a poll that is under way at 2,000 us + 1 and let a CPU-bound
   * thread become runnable on the hart in the middle of it. */
  for (size_t k = 0; k < f.nlog; k++)
    if (f.log[k].kind == AIA_EV_HALT_POLL)
      poll = &f.log[k];
  assert_non_null(poll);
  arrive = poll->cycle + poll->arg / 2;
  assert_true(arrive > aia_sim_now(f.sim));
  aia_noise_config_init(&nc);
  nc.busy = 100000 * US;
  nc.start = arrive;
  assert_aia_ok(f.sim, aia_noise_create(f.host, &nc, &noise));
  kf_run_until(&f, 5000 * US);
  /* The poll ended the cycle the other thread was queued: the vCPU blocks
   * (and the other thread gets the hart). */
  i = 0;
  e = next_vcpu_rec(&f, &i, poll->cycle + 1);
  assert_non_null(e);
  assert_int_equal(e->kind, AIA_EV_BLOCK);
  assert_int_equal(e->cycle, arrive);
  /* While the other thread stays runnable there, no halt polls at all. */
  while ((e = next_vcpu_rec(&f, &i, arrive)) != NULL)
    if (e->kind == AIA_EV_HALT_POLL)
      fail_msg("a halt poll at %llu with another runnable thread on the hart",
               (unsigned long long)e->cycle);
  /* ... and the vCPU did go back to sleep after that (it gets the hart at
   * the spinner's slice end, takes its MSIs, and blocks without polling). */
  assert_true(kf_count(&f, AIA_EV_BLOCK, arrive + 1, AIA_NONE) >= 1);
  kf_free(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_poll_stops_when_another_thread_is_runnable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
