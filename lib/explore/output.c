/* lib/explore/output.c: a counterexample of the explorer as a scenario file
 * (aia_explore_write_scenario) and as a Perfetto trace (aia_explore_trace).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/explore.h"
#include "aiasim/host.h"
#include "aiasim/run.h"
#include "aiasim/trace.h"

#define NEV (AIA_FORCE_AFTER_VSFILE_MIGRATE + 1u) /* aia_force_event values */

static const char ev_names[NEV][16] = { "wfi_trap", "vm_exit", "vm_entry", "halt_poll",
                                         "block", "wakeup", "sched_out", "sched_in",
                                         "guest_trap", "claim", "vsfile_migrate" };


static const char *vm_name(const aia_scenario *scn, uint32_t vm)
{
  return vm < scn->nvms ? scn->vms[vm].name : "?";
}

/* Is text[at..] a top-level line for `key` ("key:" at column 0)? */
static bool is_key_line(const char *t, size_t at, size_t len, const char *key)
{
  size_t k = strlen(key);
  return at + k < len && memcmp(t + at, key, k) == 0 && t[at + k] == ':';
}

/* Top-level override of scn for `key`, or NULL. The last one wins. */
static const char *top_override(const aia_scenario *scn, const char *key)
{
  const char *v = NULL;
  for (uint32_t i = 0; i < scn->nov; i++)
    if (scn->ov_paths[i] && strcmp(scn->ov_paths[i], key) == 0)
      v = scn->ov_values[i];
  return v;
}

int aia_explore_write_scenario(const aia_scenario *scn, aia_policy policy,
                               const aia_explore_cex *cex, FILE *out)
{
  const char *t;
  size_t len, at = 0;
  bool nested = false;
  if (scn == NULL || cex == NULL || out == NULL || scn->text == NULL || scn->nforce > 0 ||
      aia_policy_name(policy) == NULL)
    return AIA_EINVAL;
  t = scn->text;
  len = scn->text_len;
  for (uint32_t i = 0; i < scn->nov; i++)
    if (scn->ov_paths[i] && strchr(scn->ov_paths[i], '.') != NULL)
      nested = true;
  /* The file's text, less the top-level keys that --set replaced (with the
   * indented lines of their values). */
  while (at < len) {
    size_t e = at;
    bool drop = false;
    while (e < len && t[e] != '\n')
      e++;
    for (uint32_t i = 0; i < scn->nov && !drop; i++)
      if (scn->ov_paths[i] && strchr(scn->ov_paths[i], '.') == NULL &&
          is_key_line(t, at, len, scn->ov_paths[i]))
        drop = true;
    if (drop) {
      at = e < len ? e + 1 : e;
      while (at < len && (t[at] == ' ' || t[at] == '\t' || t[at] == '-')) {
        while (at < len && t[at] != '\n')
          at++;
        at = at < len ? at + 1 : at;
      }
      continue;
    }
    if (fwrite(t + at, 1, e - at, out) != e - at)
      return AIA_EIO;
    fputc('\n', out);
    at = e < len ? e + 1 : e;
  }
  fprintf(out, "\n# --set of the exploration, written into the file:\n");
  for (uint32_t i = 0; i < scn->nov; i++) {
    const char *p = scn->ov_paths[i];
    if (p == NULL || strchr(p, '.') != NULL || top_override(scn, p) != scn->ov_values[i])
      continue;
    fprintf(out, "%s: %s\n", p, scn->ov_values[i]);
  }
  fprintf(out,
          "\n# A counterexample found by `aiasim explore` (%u perturbation%s): policy %s\n"
          "# loses %llu wake-up(s) and %llu interrupt(s). Reproduce with\n"
          "#   aiasim run THIS_FILE --policy %s",
          cex->nforce, cex->nforce == 1 ? "" : "s", aia_policy_name(policy),
          (unsigned long long)cex->lost_wakeups, (unsigned long long)cex->lost_interrupts,
          aia_policy_name(policy));
  if (nested)
    for (uint32_t i = 0; i < scn->nov; i++)
      if (scn->ov_paths[i] && strchr(scn->ov_paths[i], '.') != NULL)
        fprintf(out, " --set %s=%s", scn->ov_paths[i], scn->ov_values[i]);
  fprintf(out, "\n%s", cex->nforce ? "force:\n" : "# (the scenario loses it as it is)\n");
  for (uint32_t i = 0; i < cex->nforce; i++) {
    const aia_scn_force *f = &cex->force[i];
    fprintf(out, "  - { after: { vm: %s, vcpu: %u, event: %s, nth: %u }, delay: %llu, ",
            vm_name(scn, f->after_vm), f->after_vcpu,
            f->after_event < NEV ? ev_names[f->after_event] : "?", f->after_nth,
            (unsigned long long)f->delay);
    switch (f->action) {
    case AIA_FORCE_PREEMPT:
      fprintf(out, "preempt: { hart: %u } }\n", f->preempt_hart);
      break;
    case AIA_FORCE_MIGRATE:
      fprintf(out, "migrate: { vm: %s, vcpu: %u, to: %u } }\n", vm_name(scn, f->migrate_vm),
              f->migrate_vcpu, f->migrate_to);
      break;
    default:
      fprintf(out, "msi: { vm: %s, vcpu: %u, iid: %u } }\n", vm_name(scn, f->msi_vm),
              f->msi_vcpu, f->msi_iid);
      break;
    }
  }
  return ferror(out) ? AIA_EIO : AIA_OK;
}

typedef struct tracer {
  FILE *f;
  aia_trace_chrome *w;
  int rc;
} tracer;

static void tr_built(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
{
  tracer *t = user;
  aia_trace_config tc;
  aia_trace_config_init(&tc);
  tc.platform = plat;
  tc.kvm = kvm;
  t->rc = aia_trace_chrome_open(sim, t->f, &tc, &t->w);
}

static void tr_end(void *user, aia_sim *sim)
{
  tracer *t = user;
  (void)sim;
  if (t->w != NULL) {
    int rc = aia_trace_chrome_close(t->w);
    if (t->rc == AIA_OK)
      t->rc = rc;
    t->w = NULL;
  }
}

int aia_explore_trace(const aia_scenario *scn, aia_policy policy, const aia_explore_cex *cex,
                      FILE *trace, char *err, size_t errlen)
{
  aia_scenario copy;
  aia_scn_force *all;
  aia_run_options opt;
  aia_run_result r;
  tracer t = { trace, NULL, AIA_OK };
  uint32_t n;
  int rc;
  if (scn == NULL || cex == NULL || trace == NULL) {
    if (err && errlen)
      snprintf(err, errlen, "explore: bad arguments");
    return AIA_EINVAL;
  }
  n = scn->nforce + cex->nforce;
  all = malloc((n ? n : 1) * sizeof *all);
  if (all == NULL)
    return AIA_ENOMEM;
  if (scn->nforce)
    memcpy(all, scn->force, scn->nforce * sizeof *all);
  if (cex->nforce)
    memcpy(all + scn->nforce, cex->force, cex->nforce * sizeof *all);
  copy = *scn;
  copy.force = all;
  copy.nforce = n;
  aia_run_options_init(&opt);
  opt.on_built = tr_built;
  opt.on_end = tr_end;
  opt.user = &t;
  rc = aia_scenario_run(&copy, policy, &opt, &r, err, errlen);
  free(all);
  if (rc == AIA_OK)
    aia_run_result_free(&r);
  return rc != AIA_OK ? rc : t.rc;
}
