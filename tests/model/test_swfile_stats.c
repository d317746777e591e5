/* SW-file use (aia_vcpu_get_file_stats, aia_kvm_file_stats) through the
 * scenario API: vCPUs that start on their SW-file and never get a VS-file
 * count as on the SW-file; releases and returns are counted apart; the
 * placeholder SW-file before a vCPU's first VS-file is not a move. */
#include <string.h>

#include "aia_test.h"
#include "aiasim/kvm.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"

/* Two harts with one guest file each and four busy vCPUs (AUTO): two of
 * them find no file. */
static const char exhaust[] = "aiasim: 1\nname: ex\nduration: 20ms\ndrain: 5ms\npolicy: [kick]\n"
                              "platform: { harts: 2, geilen: 1 }\n"
                              "host: { slice: 1ms }\n"
                              "vms: [{ name: vm0, vcpus: 4, aia_mode: MODE,\n"
                              "        guest: { behaviour: duty, duty: { busy: 100us, idle: 300us } } }]\n"
                              "devices: [{ name: nic, vm: vm0, pattern: poisson, rate: 20000/s }]\n";

typedef struct cap {
  aia_kvm *kvm;
  aia_vcpu_file_stats sum, per[4];
} cap;

static void built(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
{
  (void)sim;
  (void)plat;
  ((cap *)user)->kvm = kvm;
}

static void ended(void *user, aia_sim *sim)
{
  cap *c = user;
  aia_vm *vm = aia_kvm_vm(c->kvm, 0);
  (void)sim;
  c->sum.struct_size = sizeof c->sum;
  assert_int_equal(aia_kvm_file_stats(c->kvm, &c->sum), AIA_OK);
  assert_int_equal(aia_vm_vcpus(vm), 4);
  for (uint32_t i = 0; i < 4; i++) {
    c->per[i].struct_size = sizeof c->per[i];
    assert_int_equal(aia_vcpu_get_file_stats(aia_vm_vcpu(vm, i), &c->per[i]), AIA_OK);
  }
  assert_int_equal(aia_vcpu_get_file_stats(NULL, &c->per[0]), AIA_EINVAL);
  assert_int_equal(aia_vcpu_get_file_stats(aia_vm_vcpu(vm, 0), NULL), AIA_EINVAL);
  assert_int_equal(aia_kvm_file_stats(NULL, &c->sum), AIA_EINVAL);
}

static aia_run_result run_for(const char *mode, const char *harts, aia_policy policy,
                             const char *duration, cap *c)
{
  char text[sizeof exhaust + 16], *p;
  aia_scenario *s = NULL;
  aia_diag d;
  size_t n = 0;
  aia_run_result r;
  aia_run_options opt;
  char err[256];
  aia_override ov[] = { { "platform.harts", harts }, { "duration", duration } };
  p = strstr(strcpy(text, exhaust), "MODE");
  memmove(p + strlen(mode), p + 4, strlen(p + 4) + 1);
  memcpy(p, mode, strlen(mode));
  assert_int_equal(aia_scenario_load_mem("t.yaml", text, strlen(text), ov, 2, &s, &d, 1, &n),
                   AIA_OK);
  memset(&r, 0, sizeof r);
  memset(c, 0, sizeof *c);
  aia_run_options_init(&opt);
  opt.on_built = built;
  opt.on_end = ended;
  opt.user = c;
  if (aia_scenario_run(s, policy, &opt, &r, err, sizeof err) != AIA_OK)
    fail_msg("run failed: %s", err);
  aia_scenario_destroy(s);
  return r;
}

static aia_run_result run(const char *mode, const char *harts, aia_policy policy, cap *c)
{
  return run_for(mode, harts, policy, "20ms", c);
}

/* The per-vCPU figures sum to the VM's, and agree with the meter. */
static void check_sums(const cap *c, const aia_run_result *r)
{
  aia_vcpu_file_stats t;
  memset(&t, 0, sizeof t);
  for (uint32_t i = 0; i < 4; i++) {
    assert_true(c->per[i].vcpus_on_swfile <= 1);
    assert_true((c->per[i].vcpus_on_swfile == 1) == (c->per[i].swfile_entries > 0));
    assert_true((c->per[i].swfile_entries > 0) == (c->per[i].swfile_guest_cycles > 0));
    t.vcpus_on_swfile += c->per[i].vcpus_on_swfile;
    t.swfile_entries += c->per[i].swfile_entries;
    t.swfile_guest_cycles += c->per[i].swfile_guest_cycles;
    t.vs_to_sw += c->per[i].vs_to_sw;
    t.sw_to_vs += c->per[i].sw_to_vs;
    t.swfile_msis += c->per[i].swfile_msis;
  }
  assert_int_equal(t.vcpus_on_swfile, c->sum.vcpus_on_swfile);
  assert_int_equal(t.swfile_entries, c->sum.swfile_entries);
  assert_int_equal(t.swfile_guest_cycles, c->sum.swfile_guest_cycles);
  assert_int_equal(t.vs_to_sw, c->sum.vs_to_sw);
  assert_int_equal(t.sw_to_vs, c->sum.sw_to_vs);
  assert_int_equal(t.swfile_msis, c->sum.swfile_msis);
  assert_int_equal(c->sum.vs_to_sw, r->r.swfile_fallbacks);
  assert_true(c->sum.swfile_msis <= r->r.msis);
  assert_int_equal(r->r.lost_interrupts + r->r.lost_wakeups, 0);
}

static void test_exhaustion_counts_the_vcpus_left_on_swfiles(void **state)
{
  cap c;
  aia_run_result r;
  (void)state;
  r = run("auto", "2", AIA_POLICY_NOKICK, &c);
  check_sums(&c, &r);
  /* Two files, four vCPUs, nothing frees a file: exactly two vCPUs run on
   * their SW-files all along, without any move (the old swfile_fallbacks
   * said 0 here, as if nobody had). */
  assert_int_equal(c.sum.vcpus_on_swfile, 2);
  assert_int_equal(c.sum.vs_to_sw, 0);
  assert_int_equal(c.sum.sw_to_vs, 0);
  assert_true(c.sum.swfile_entries >= 100);
  assert_true(c.sum.swfile_msis >= 100);
  /* Busy a quarter of the time at most, over 25 ms, two of them. */
  assert_true(c.sum.swfile_guest_cycles > 1000000 && c.sum.swfile_guest_cycles < 2 * 25000000);
  aia_run_result_free(&r);
}

static void test_release_and_return_are_counted_apart(void **state)
{
  cap c;
  aia_run_result r;
  (void)state;
  /* With the kick, a vCPU with a VS-file changes harts while the other
   * hart's file is taken: its file goes back to the SW-file (VS -> SW), and
   * a later run loop finds a free file again (SW -> VS). Each thread counts
   * its whole weight in its hart's load from its start, as a new task does,
   * which shifts wake_affine's choices: the first move comes after 20 ms,
   * within 100 ms. */
  r = run_for("auto", "2", AIA_POLICY_KICK, "100ms", &c);
  check_sums(&c, &r);
  assert_true(c.sum.vs_to_sw >= 1);
  assert_true(c.sum.sw_to_vs >= 1);
  assert_true(c.sum.vcpus_on_swfile >= 3); /* the two without a file, and the released one */
  aia_run_result_free(&r);
}

static void test_enough_files_or_none(void **state)
{
  cap c;
  aia_run_result r;
  (void)state;
  /* Four harts, one file each: every vCPU gets a VS-file before its first
   * entry; that first allocation is not a SW -> VS move. */
  r = run("auto", "4", AIA_POLICY_NOKICK, &c);
  check_sums(&c, &r);
  assert_int_equal(c.sum.vcpus_on_swfile, 0);
  assert_int_equal(c.sum.swfile_entries, 0);
  assert_int_equal(c.sum.sw_to_vs + c.sum.vs_to_sw, 0);
  aia_run_result_free(&r);
  /* EMUL: every vCPU on its SW-file, every MSI written there. */
  r = run("emul", "2", AIA_POLICY_NOKICK, &c);
  check_sums(&c, &r);
  assert_int_equal(c.sum.vcpus_on_swfile, 4);
  assert_int_equal(c.sum.sw_to_vs + c.sum.vs_to_sw, 0);
  assert_int_equal(c.sum.swfile_msis, r.r.msis);
  aia_run_result_free(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_exhaustion_counts_the_vcpus_left_on_swfiles),
    cmocka_unit_test(test_release_and_return_are_counted_apart),
    cmocka_unit_test(test_enough_files_or_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
