/* Forced moments (`force:`): a migration placed between a WFI trap and the
 * block loses the wake-up in eras A and B and not in C, exactly; a forced
 * preemption and a forced MSI happen at their cycles. */
#include <string.h>

#include "aia_test.h"
#include "aiasim/host.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"

static const char a1[] =
  "aiasim: 1\nname: a1\nduration: 5ms\ndrain: 1ms\npolicy: [nokick]\n"
  "platform: { harts: 2 }\n"
  "vms: [{ name: vm0, vcpus: 1, guest: { behaviour: idle } }]\n"
  "force:\n"
  "  - { after: { vcpu: 0, event: wfi_trap }, delay: 100, migrate: { vcpu: 0, to: 1 } }\n"
  "  - { at: 2ms, msi: { vcpu: 0, iid: 32 } }\n";

typedef struct seen {
  aia_cycle msi_at, forced_out, migrate_at;
  uint32_t migrate_to;
} seen;

static void hook(void *user, const aia_event *ev)
{
  seen *s = user;
  if (ev->kind == AIA_EV_MSI_SOURCE && s->msi_at == 0)
    s->msi_at = ev->cycle;
  if (ev->kind == AIA_EV_SCHED_OUT && ev->arg == AIA_SCHED_FORCED && s->forced_out == 0)
    s->forced_out = ev->cycle;
  if (ev->kind == AIA_EV_THREAD_MIGRATE && (ev->arg >> 32) == AIA_MIGRATE_FORCED &&
      s->migrate_at == 0) {
    s->migrate_at = ev->cycle;
    s->migrate_to = ev->hart;
  }
}

static aia_run_result run(const char *text, const char *kernel, seen *s)
{
  aia_scenario *scn = NULL;
  aia_override ov[] = { { "kernel", kernel } };
  aia_diag d;
  size_t n = 0;
  aia_run_options o;
  aia_run_result r;
  char err[256];
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), ov, 1, &scn, &d, 1, &n),
                   AIA_OK);
  aia_run_options_init(&o);
  o.hook = hook;
  o.hook_user = s;
  memset(s, 0, sizeof *s);
  if (aia_scenario_run(scn, AIA_POLICY_NOKICK, &o, &r, err, sizeof err) != AIA_OK)
    fail_msg("run: %s", err);
  aia_scenario_destroy(scn);
  return r;
}

static void test_forced_migration_is_race_a1_b1(void **state)
{
  seen s;
  aia_run_result r;
  (void)state;
  for (int k = 0; k < 3; k++) {
    const char *era = k == 0 ? "A" : k == 1 ? "B" : "C";
    r = run(a1, era, &s);
    assert_int_equal(r.r.msis, 1);
    assert_int_equal(s.msi_at, 2000000); /* the forced MSI, at its cycle */
    assert_int_equal(s.migrate_to, 1);
    assert_true(s.migrate_at > 0 && s.migrate_at < 100000);
    if (k < 2) {
      if (r.r.lost_wakeups != 1 || r.r.claimed != 0)
        fail_msg("era %s: %llu lost wake-ups, %llu claimed", era,
                 (unsigned long long)r.r.lost_wakeups, (unsigned long long)r.r.claimed);
    } else {
      assert_int_equal(r.r.lost_wakeups, 0);
      assert_int_equal(r.r.claimed, 1);
      assert_true(r.r.vsfile_migrations >= 1);
    }
    aia_run_result_free(&r);
  }
}

/* One hart, a busy guest and a noise thread: a preemption forced at 1 ms
 * takes the hart from whichever runs then, right away (a guest exits first). */
static void test_forced_preempt_at_its_cycle(void **state)
{
  static const char text[] =
    "aiasim: 1\nname: p\nduration: 3ms\npolicy: [nokick]\nplatform: { harts: 1 }\n"
    "host: { noise: [{ busy: 100ms, idle: 1ms }] }\n"
    "vms: [{ name: vm0, vcpus: 1, guest: { behaviour: busy } }]\n"
    "force: [{ at: 1ms, preempt: { hart: 0 } }]\n";
  seen s;
  aia_run_result r;
  (void)state;
  r = run(text, "C", &s);
  assert_true(s.forced_out >= 1000000 && s.forced_out <= 1000000 + 5000);
  aia_run_result_free(&r);
}

static void test_force_keys_load(void **state)
{
  static const char text[] =
    "aiasim: 1\nname: k\nduration: 1ms\nvms: [{ name: a, vcpus: 2 }, { name: b }]\n"
    "force:\n"
    "  - { after: { vm: a, vcpu: 1, event: sched_out, nth: 3 }, delay: 2us, preempt: { hart: 2 } }\n"
    "  - { at: 40us, migrate: { vm: b, vcpu: 0, to: 3 } }\n"
    "  - { at: 50us, msi: { vm: a, vcpu: 1, iid: 7 } }\n";
  aia_scenario *scn = NULL;
  aia_diag d;
  size_t n = 0;
  (void)state;
  assert_int_equal(aia_scenario_load_mem("k.yaml", text, strlen(text), NULL, 0, &scn, &d, 1, &n),
                   AIA_OK);
  assert_int_equal(scn->nforce, 3);
  assert_true(scn->force[0].has_after && !scn->force[0].has_at);
  assert_int_equal(scn->force[0].after_vm, 0);
  assert_int_equal(scn->force[0].after_vcpu, 1);
  assert_int_equal(scn->force[0].after_event, AIA_FORCE_AFTER_SCHED_OUT);
  assert_int_equal(scn->force[0].after_nth, 3);
  assert_int_equal(scn->force[0].delay, 2000);
  assert_int_equal(scn->force[0].action, AIA_FORCE_PREEMPT);
  assert_int_equal(scn->force[0].preempt_hart, 2);
  assert_true(scn->force[1].has_at && scn->force[1].at == 40000);
  assert_int_equal(scn->force[1].action, AIA_FORCE_MIGRATE);
  assert_int_equal(scn->force[1].migrate_vm, 1);
  assert_int_equal(scn->force[1].migrate_to, 3);
  assert_int_equal(scn->force[2].action, AIA_FORCE_MSI);
  assert_int_equal(scn->force[2].msi_iid, 7);
  assert_int_equal(scn->force[2].after_nth, 1); /* the default, unused */
  aia_scenario_destroy(scn);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_forced_migration_is_race_a1_b1),
    cmocka_unit_test(test_forced_preempt_at_its_cycle),
    cmocka_unit_test(test_force_keys_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
