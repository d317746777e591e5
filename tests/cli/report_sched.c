/* report_sched REPORT.json: checks the scheduler statistics of every run of
 * an `aiasim run --json` report. The per-vCPU objects (`sched_vcpus`) sum
 * to the run's `sched`, field by field; every vCPU thread wake-up is one of
 * the meter's `wakeups`; a wake-up lands on the waker's hart or another;
 * a VS-file moves only with its thread; a thread is switched out at most
 * as often as it was switched in; the SW-file releases are the meter's
 * swfile_fallbacks. Exit status 0 when all hold, 1 (with
 * the run and field named) otherwise, 2 when the report cannot be read.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const fields[] = {
  "run_time",         "run_delay",         "nr_switches",      "nr_voluntary_switches",
  "nr_involuntary_switches", "nr_migrations", "nr_wakeups",    "nr_wakeups_local",
  "nr_wakeups_remote", "nr_wakeups_affine", "nr_wakeups_migrate",
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static int bad(size_t run, const char *what)
{
  fprintf(stderr, "report_sched: run %zu: %s\n", run, what);
  return 1;
}

/* The integer `name` of object o, or -1 when it is missing or not one. */
static json_int_t get(const json_t *o, const char *name)
{
  const json_t *v = json_object_get(o, name);
  return json_is_integer(v) ? json_integer_value(v) : -1;
}

static int check_run(size_t i, const json_t *run)
{
  const json_t *sched = json_object_get(run, "sched");
  const json_t *vcpus = json_object_get(run, "sched_vcpus");
  json_int_t sum[NFIELDS] = { 0 };
  size_t k;
  const json_t *v;
  if (!json_is_object(sched) || !json_is_array(vcpus) || json_array_size(vcpus) == 0)
    return bad(i, "no sched object or no sched_vcpus array");
  json_array_foreach(vcpus, k, v) {
    const json_t *s = json_object_get(v, "sched");
    if (get(v, "vm") < 0 || get(v, "vcpu") < 0 || !json_is_object(s))
      return bad(i, "a sched_vcpus entry without vm, vcpu or sched");
    for (size_t f = 0; f < NFIELDS; f++) {
      if (get(s, fields[f]) < 0)
        return bad(i, fields[f]);
      sum[f] += get(s, fields[f]);
    }
    if (get(s, "nr_voluntary_switches") + get(s, "nr_involuntary_switches") >
        get(s, "nr_switches"))
      return bad(i, "a vCPU switched out more often than in");
  }
  for (size_t f = 0; f < NFIELDS; f++) {
    if (sum[f] != get(sched, fields[f])) {
      fprintf(stderr, "report_sched: run %zu: %s: vCPUs sum to %" JSON_INTEGER_FORMAT
                      ", sched says %" JSON_INTEGER_FORMAT "\n",
              i, fields[f], sum[f], get(sched, fields[f]));
      return 1;
    }
  }
  if (get(sched, "nr_wakeups") != get(run, "wakeups"))
    return bad(i, "nr_wakeups differs from wakeups");
  if (get(sched, "nr_wakeups_local") + get(sched, "nr_wakeups_remote") !=
      get(sched, "nr_wakeups"))
    return bad(i, "local + remote wake-ups differ from nr_wakeups");
  if (get(sched, "nr_migrations") < get(run, "vsfile_migrations"))
    return bad(i, "fewer thread hart changes than VS-file migrations");
  {
    static const char *const hf[] = { "halt_attempted_poll", "halt_successful_poll",
                                      "halt_wakeup", "exits", "wfi_exit_stat",
                                      "csr_exit_kernel", "halt_wait_ns" };
    const json_t *kv = json_object_get(run, "kvm_vcpus"), *kt = json_object_get(run, "kvm");
    if (!json_is_array(kv) || !json_is_object(kt))
      return bad(i, "no kvm object or no kvm_vcpus array");
    for (size_t f = 0; f < sizeof hf / sizeof hf[0]; f++) {
      json_int_t s = 0;
      json_array_foreach(kv, k, v)
        s += get(json_object_get(v, "kvm"), hf[f]);
      /* ns figures are converted per vCPU: the sum may round below. */
      if (s > get(kt, hf[f]) || (f < 6 && s != get(kt, hf[f])))
        return bad(i, hf[f]);
    }
    if (get(kt, "halt_wakeup") != get(run, "wakeups"))
      return bad(i, "halt_wakeup differs from wakeups");
    if (get(kt, "exits") != get(run, "vm_exits"))
      return bad(i, "kvm.exits differs from vm_exits");
    if (get(kt, "wfi_exit_stat") + get(kt, "csr_exit_kernel") > get(kt, "exits"))
      return bad(i, "more handled traps than exits");
    if (get(kt, "csr_exit_kernel") != 0 && get(json_object_get(run, "swfile"), "vcpus_on_swfile") == 0)
      return bad(i, "CSR traps without a vCPU on a SW-file");
  }
  if (!json_is_object(json_object_get(run, "swfile")) ||
      get(json_object_get(run, "swfile"), "vs_to_sw") != get(run, "swfile_fallbacks"))
    return bad(i, "swfile.vs_to_sw differs from swfile_fallbacks");
  if (get(json_object_get(run, "swfile"), "swfile_msis") > get(run, "msis"))
    return bad(i, "more MSIs written to SW-files than MSIs");
  return 0;
}

int main(int argc, char **argv)
{
  json_error_t err;
  json_t *root, *runs;
  size_t i;
  const json_t *run;
  int rc = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: report_sched REPORT.json\n");
    return 2;
  }
  root = json_load_file(argv[1], 0, &err);
  if (root == NULL) {
    fprintf(stderr, "report_sched: %s:%d:%d: %s\n", argv[1], err.line, err.column, err.text);
    return 2;
  }
  runs = json_object_get(root, "runs");
  if (!json_is_array(runs) || json_array_size(runs) == 0) {
    fprintf(stderr, "report_sched: %s: no runs\n", argv[1]);
    json_decref(root);
    return 2;
  }
  json_array_foreach(runs, i, run) {
    if (check_run(i, run) != 0)
      rc = 1;
  }
  json_decref(root);
  return rc;
}
