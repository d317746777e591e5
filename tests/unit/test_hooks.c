/* Hook dispatch, event stream hash, status texts and version. */
#include <string.h>

#include "aia_test.h"

typedef struct seen {
  uint32_t n;
  uint32_t kinds[16];
  aia_cycle cycles[16];
  int tag;
  int *order;
  int *norder;
} seen;

static void on_event(void *user, const aia_event *ev)
{
  seen *s = user;
  if (s->n < 16) {
    s->kinds[s->n] = ev->kind;
    s->cycles[s->n] = ev->cycle;
  }
  s->n++;
  if (s->order)
    s->order[(*s->norder)++] = s->tag;
}

typedef struct emit_at {
  uint32_t kind;
} emit_at;

static void emitter(aia_sim *sim, void *user)
{
  emit_at *e = user;
  aia_event ev;
  aia_event_init(&ev, e->kind);
  ev.cycle = 12345; /* overwritten with now */
  aia_sim_emit(sim, &ev);
}

static void test_mask_and_order(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  int order[16], norder = 0;
  seen all = { .tag = 1, .order = order, .norder = &norder };
  seen only_kick = { .tag = 2, .order = order, .norder = &norder };
  emit_at a = { AIA_EV_KICK }, b = { AIA_EV_BLOCK };
  uint32_t id1, id2;
  (void)state;
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_event, &all, &id1));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_BIT(AIA_EV_KICK), on_event, &only_kick, &id2));
  assert_true(id1 != id2);
  aia_sim_schedule(sim, 10, AIA_PH_HART, emitter, &a, NULL);
  aia_sim_schedule(sim, 20, AIA_PH_HART, emitter, &b, NULL);
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(all.n, 2);
  assert_int_equal(only_kick.n, 1);
  assert_int_equal(all.kinds[0], AIA_EV_KICK);
  assert_int_equal(all.cycles[0], 10);
  assert_int_equal(all.kinds[1], AIA_EV_BLOCK);
  assert_int_equal(all.cycles[1], 20);
  /* Hooks run in attach order. */
  assert_int_equal(norder, 3);
  assert_int_equal(order[0], 1);
  assert_int_equal(order[1], 2);
  assert_int_equal(order[2], 1);
  /* Removal. */
  assert_aia_ok(sim, aia_sim_hook_remove(sim, id1));
  assert_aia_status(aia_sim_hook_remove(sim, id1), AIA_ENOENT);
  aia_sim_schedule(sim, 30, AIA_PH_HART, emitter, &a, NULL);
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(all.n, 2);
  assert_int_equal(only_kick.n, 2);
  assert_int_equal(aia_sim_event_count(sim), 3);
  assert_aia_status(aia_sim_hook_add(sim, 0, NULL, NULL, NULL), AIA_EINVAL);
  aia_sim_destroy(sim);
}

static uint64_t hash_of(uint32_t k1, uint32_t k2)
{
  aia_sim *sim = aia_test_sim(1);
  emit_at a = { k1 }, b = { k2 };
  aia_sim_schedule(sim, 10, AIA_PH_HART, emitter, &a, NULL);
  aia_sim_schedule(sim, 11, AIA_PH_HART, emitter, &b, NULL);
  aia_sim_run(sim);
  uint64_t h = aia_sim_hash(sim);
  aia_sim_destroy(sim);
  return h;
}

static void test_hash_sees_order_and_content(void **state)
{
  (void)state;
  assert_true(hash_of(AIA_EV_KICK, AIA_EV_BLOCK) == hash_of(AIA_EV_KICK, AIA_EV_BLOCK));
  assert_true(hash_of(AIA_EV_KICK, AIA_EV_BLOCK) != hash_of(AIA_EV_BLOCK, AIA_EV_KICK));
  assert_true(hash_of(AIA_EV_KICK, AIA_EV_KICK) != hash_of(AIA_EV_KICK, AIA_EV_BLOCK));
}

/* A hook that answers every KICK with a USER record (tagged in arg) made
 * from inside the dispatch; with `runaway`, it answers its own records too. */
typedef struct answerer {
  aia_sim *sim;
  int runaway;
} answerer;

static void answer(void *user, const aia_event *ev)
{
  answerer *a = user;
  if (ev->kind != AIA_EV_KICK && !a->runaway)
    return;
  aia_event out;
  aia_event_init(&out, AIA_EV_USER);
  out.arg = ev->arg + 1;
  aia_sim_emit(a->sim, &out);
}

static void kick_then_answer(aia_sim *sim, void *user)
{
  aia_event ev;
  (void)user;
  aia_event_init(&ev, AIA_EV_KICK);
  aia_sim_emit(sim, &ev);
  aia_event_init(&ev, AIA_EV_USER);
  ev.arg = 1;
  aia_sim_emit(sim, &ev);
}

static void test_nested_records_reach_hooks_in_stream_order(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  answerer a = { sim, 0 };
  seen before = { 0 }, after = { 0 };
  emit_at k = { AIA_EV_KICK };
  (void)state;
  /* One hook attached before the answering one and one after: both must see
   * the KICK first and the USER record it caused second, the order in which
   * the two were counted and hashed. (Handed out at once, the USER record
   * would reach the later hook before the KICK it answers.) */
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_event, &before, NULL));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, answer, &a, NULL));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_event, &after, NULL));
  aia_sim_schedule(sim, 10, AIA_PH_HART, emitter, &k, NULL);
  aia_sim_schedule(sim, 20, AIA_PH_HART, emitter, &k, NULL);
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(aia_sim_event_count(sim), 4);
  assert_int_equal(before.n, 4);
  assert_int_equal(after.n, 4);
  for (uint32_t i = 0; i < 4; i++) {
    uint32_t want = i % 2 ? AIA_EV_USER : AIA_EV_KICK;
    assert_int_equal(before.kinds[i], want);
    assert_int_equal(after.kinds[i], want);
    assert_int_equal(after.cycles[i], i < 2 ? 10 : 20);
  }
  /* Counted and hashed when made: the same hash as a simulation without
   * hooks that emits the two records one after the other. */
  aia_sim *plain = aia_test_sim(1);
  aia_sim_schedule(plain, 10, AIA_PH_HART, kick_then_answer, NULL, NULL);
  aia_sim_schedule(plain, 20, AIA_PH_HART, kick_then_answer, NULL, NULL);
  assert_aia_ok(plain, aia_sim_run(plain));
  assert_int_equal(aia_sim_event_count(plain), 4);
  assert_true(aia_sim_hash(plain) == aia_sim_hash(sim));
  aia_sim_destroy(plain);
  aia_sim_destroy(sim);
}

/* A hook that, at its first record, detaches hook `id` (itself or another)
 * or attaches one that counts into `added`. */
typedef struct churner {
  aia_sim *sim;
  uint32_t id;   /* the hook to detach */
  seen *added;   /* attached instead, when not NULL */
  uint32_t n;
} churner;

static void churn(void *user, const aia_event *ev)
{
  churner *c = user;
  (void)ev;
  if (c->n++ > 0)
    return;
  if (c->added)
    assert_aia_ok(c->sim, aia_sim_hook_add(c->sim, AIA_EV_ALL, on_event, c->added, NULL));
  else
    assert_aia_ok(c->sim, aia_sim_hook_remove(c->sim, c->id));
}

static void test_hooks_change_from_the_next_record(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  seen first = { 0 }, victim = { 0 }, after = { 0 }, added = { 0 };
  churner quits = { sim, 0, NULL, 0 }, adds = { sim, 0, &added, 0 }, kills = { sim, 0, NULL, 0 };
  uint32_t adds_id;
  emit_at k = { AIA_EV_KICK };
  (void)state;
  /* From inside a hook: a detached hook is not called again, not even for
   * the record at hand, and every other hook still gets that record (a hook
   * that detached itself once made the one after it miss it); an attached
   * hook gets the records after it. */
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_event, &first, NULL));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, churn, &quits, &quits.id));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, churn, &adds, &adds_id));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, churn, &kills, NULL));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_event, &victim, &kills.id));
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_event, &after, NULL));
  for (aia_cycle t = 10; t <= 30; t += 10)
    aia_sim_schedule(sim, t, AIA_PH_HART, emitter, &k, NULL);
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(first.n, 3);
  assert_int_equal(quits.n, 1);
  assert_int_equal(adds.n, 3);
  assert_int_equal(kills.n, 3);
  assert_int_equal(victim.n, 0);
  assert_int_equal(after.n, 3);
  assert_int_equal(added.n, 2);
  assert_int_equal(added.cycles[0], 20);
  assert_aia_status(aia_sim_hook_remove(sim, quits.id), AIA_ENOENT);
  /* Detached while nothing runs: at once. */
  assert_aia_ok(sim, aia_sim_hook_remove(sim, adds_id));
  aia_sim_schedule(sim, 40, AIA_PH_HART, emitter, &k, NULL);
  assert_aia_ok(sim, aia_sim_run(sim));
  assert_int_equal(adds.n, 3);
  assert_int_equal(after.n, 4);
  assert_int_equal(added.n, 3);
  aia_sim_destroy(sim);
}

static void test_runaway_hook_stops_the_run(void **state)
{
  aia_sim *sim = aia_test_sim(1);
  answerer a = { sim, 1 };
  emit_at k = { AIA_EV_KICK };
  (void)state;
  /* Each record the hook sees makes another: the queue of records made
   * inside hooks never drains. The run must stop with a clear error, not
   * loop or exhaust memory. */
  assert_aia_ok(sim, aia_sim_hook_add(sim, AIA_EV_ALL, answer, &a, NULL));
  aia_sim_schedule(sim, 10, AIA_PH_HART, emitter, &k, NULL);
  assert_aia_status(aia_sim_run(sim), AIA_ERANGE);
  assert_non_null(strstr(aia_sim_errmsg(sim), "hooks made more than 65536 records"));
  assert_int_equal(aia_sim_now(sim), 10);
  assert_aia_status(aia_sim_run(sim), AIA_ERANGE); /* and every later run call */
  aia_sim_destroy(sim);
}

static void test_names_and_version(void **state)
{
  (void)state;
  assert_string_equal(aia_status_name(AIA_EINVAL), "AIA_EINVAL");
  assert_string_equal(aia_status_name(AIA_OK), "AIA_OK");
  assert_string_equal(aia_status_name(12345), "AIA_UNKNOWN");
  assert_string_equal(aia_strerror(AIA_ENOMEM), "out of memory");
  assert_string_equal(aia_strerror(-999), "unknown status");
  assert_int_equal(aia_version(), AIA_VERSION_HEX);
  assert_string_equal(aia_version_string(), AIA_VERSION_STRING);
  assert_string_equal(aia_event_kind_name(AIA_EV_MSI_LANDED), "msi_landed");
  assert_string_equal(aia_event_kind_name(1000), "unknown");
  for (uint32_t k = 0; k < AIA_EV_KIND_COUNT_; k++)
    assert_non_null(aia_event_kind_name(k));
  aia_event ev;
  aia_event_init(&ev, AIA_EV_KICK);
  assert_int_equal(ev.hart, AIA_NONE);
  assert_int_equal(ev.vcpu, AIA_NONE);
  assert_int_equal(ev.iid, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mask_and_order),
    cmocka_unit_test(test_hash_sees_order_and_content),
    cmocka_unit_test(test_nested_records_reach_hooks_in_stream_order),
    cmocka_unit_test(test_hooks_change_from_the_next_record),
    cmocka_unit_test(test_runaway_hook_stops_the_run),
    cmocka_unit_test(test_names_and_version),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
