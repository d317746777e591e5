/* cli/explore.c: `aiasim explore FILE [options]`, bounded exhaustive
 * exploration of the wake path (include/aiasim/explore.h).
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aiasim/aiasim.h"
#include "aiasim/explore.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"
#include "cli.h"

static const char usage[] =
    "usage: aiasim explore FILE [--depth K] [--jobs N] [--budget RUNS|TIME] [--policy P[,P]]\n"
    "                      [--set path=value]... [--seed N] [--window FROM:TO] [--json OUT]\n"
    "                      [--out DIR] [--quiet] [--progress]\n"
    "\n"
    "Runs every schedule of up to K perturbations (an MSI, a preemption, a move of\n"
    "a vCPU's thread) at the choice points of the scenario's wake path, and reports\n"
    "lost wake-ups and lost interrupts with the shortest schedule that shows each.\n"
    "\n"
    "  --depth K        perturbations per schedule, 1..4 (default 2)\n"
    "  --jobs N         worker threads (same results), 1..64 (default 1)\n"
    "  --budget B       stop after B runs (a number) or B of wall time (30s, 5m)\n"
    "  --policy P[,P]   policies to explore (default: the scenario's)\n"
    "  --set PATH=VAL   override one key of the file (as for run)\n"
    "  --delays D,D,... a perturbation acts D cycles after its choice point\n"
    "                   (1..8 values; default 0,50,500)\n"
    "  --window FROM:TO choice points only in [FROM, TO) (cycles, or ns/us/ms/s;\n"
    "                   default: the whole duration)\n"
    "  --json OUT       write the report as JSON ('-' for stdout)\n"
    "  --out DIR        write each counterexample as DIR/NAME-POLICY-KIND.yaml and\n"
    "                   its Perfetto trace as .json\n"
    "  --progress       show progress on stderr off a terminal too (a line every\n"
    "                   5 s; on a terminal it is shown unless --quiet)\n"
    "\n"
    "Exit status: 0 nothing the scenario does not expect, 1 a violation it does not\n"
    "expect, 2 bad input, 3 internal error.\n";

/* Progress on stderr (stdout keeps the report). */
typedef struct explore_progress {
  const char *policy;
  bool terminal;        /* rewrite one line; else a line each call */
} explore_progress;

static void on_progress(void *user, const aia_explore_progress *p)
{
  const explore_progress *ep = user;
  fprintf(stderr,
          "%saiasim: explore %s, depth %u: %" PRIu64 " schedules (%.0f/s), %" PRIu64 " of %" PRIu64
          " schedules of depth %u extended, %.1f s%s",
          ep->terminal ? "\r" : "", ep->policy, p->depth, p->runs,
          p->seconds > 0 ? (double)p->runs / p->seconds : 0.0, p->extended, p->to_extend,
          p->depth - 1, p->seconds, ep->terminal ? "\033[K" : "\n");
  fflush(stderr);
}

static void die(const char *fmt, ...)
{
  va_list ap;
  fputs("aiasim: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  exit(AIA_CLI_EXIT_INPUT);
}

static const char *need(int argc, char **argv, int *i)
{
  if (*i + 1 >= argc)
    die("%s needs a value", argv[*i]);
  return argv[++*i];
}

/* A duration of --window: cycles, or a number with ns, us, ms or s. */
static aia_cycle parse_time(const char *s, size_t n, uint64_t hz)
{
  char buf[64], *end;
  double v, mul = 0;
  if (n == 0 || n >= sizeof buf)
    die("--window: bad time '%.*s'", (int)n, s);
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  v = strtod(buf, &end);
  if (errno || end == buf || v < 0)
    die("--window: bad time '%s'", buf);
  if (*end == '\0')
    mul = 1;
  else if (strcmp(end, "ns") == 0)
    mul = (double)hz / 1e9;
  else if (strcmp(end, "us") == 0)
    mul = (double)hz / 1e6;
  else if (strcmp(end, "ms") == 0)
    mul = (double)hz / 1e3;
  else if (strcmp(end, "s") == 0)
    mul = (double)hz;
  else
    die("--window: bad unit in '%s' (cycles, ns, us, ms or s)", buf);
  if (v * mul > 1e18)
    die("--window: '%s' is too large", buf);
  return (aia_cycle)(v * mul + 0.5);
}

static const char *kind_name(bool wakeup)
{
  return wakeup ? "lost-wakeup" : "lost-interrupt";
}

static void print_cex(const aia_scenario *scn, const char *what, const aia_explore_cex *x)
{
  static const char names[11][16] = { "wfi_trap", "vm_exit", "vm_entry", "halt_poll", "block",
                                      "wakeup", "sched_out", "sched_in", "guest_trap", "claim",
                                      "vsfile_migrate" };
  printf("  minimal %s schedule (%u perturbation%s)%s\n", what, x->nforce,
         x->nforce == 1 ? "" : "s", x->nforce ? ":" : ": the scenario loses it as it is");
  for (uint32_t i = 0; i < x->nforce; i++) {
    const aia_scn_force *f = &x->force[i];
    const char *vm = f->after_vm < scn->nvms ? scn->vms[f->after_vm].name : "?";
    printf("    %u. %llu cycles after %s.%u's %s #%u: ", i + 1, (unsigned long long)f->delay, vm,
           f->after_vcpu, f->after_event < 11 ? names[f->after_event] : "?", f->after_nth);
    if (f->action == AIA_FORCE_PREEMPT)
      printf("preempt hart %u\n", f->preempt_hart);
    else if (f->action == AIA_FORCE_MIGRATE)
      printf("move its thread to hart %u\n", f->migrate_to);
    else
      printf("an MSI (iid %u)\n", f->msi_iid);
  }
}

/* Writes the counterexample as DIR/NAME-POLICY-KIND.yaml and its trace
 * beside it (.json), each renamed into place once complete. 0, or -1 with
 * the reason in err. */
static int write_cex(const char *dir, const aia_scenario *scn, aia_policy p, bool wakeup,
                     const aia_explore_cex *x, char *path, size_t plen, char *err, size_t elen)
{
  char tpath[1100], why[256];
  out_file o;
  int rc;
  snprintf(path, plen, "%s/%s-%s-%s.yaml", dir, scn->name, aia_policy_name(p), kind_name(wakeup));
  if (aia__cli_out_open(&o, path, err, elen) != 0)
    return -1;
  rc = aia_explore_write_scenario(scn, p, x, o.f);
  if (rc != AIA_OK) {
    aia__cli_out_abort(&o);
    snprintf(err, elen, "cannot write %.900s: %s", path, aia_strerror(rc));
    return -1;
  }
  if (aia__cli_out_commit(&o, err, elen) != 0)
    return -1;
  snprintf(tpath, sizeof tpath, "%.*s.json", (int)(strlen(path) - 5), path);
  if (aia__cli_out_open(&o, tpath, err, elen) != 0)
    return -1;
  rc = aia_explore_trace(scn, p, x, o.f, why, sizeof why);
  if (rc != AIA_OK) {
    aia__cli_out_abort(&o);
    snprintf(err, elen, "cannot write %.900s: %.250s", tpath, why);
    return -1;
  }
  return aia__cli_out_commit(&o, err, elen);
}

int aia__cli_explore(int argc, char **argv)
{
  aia_explore_config cfg;
  aia_override ov[64];
  size_t nov = 0;
  const char *file = NULL, *json = NULL, *outdir = NULL, *window = NULL;
  aia_policy pol[3];
  uint32_t npol = 0;
  bool quiet = false, want_progress = false;
  explore_progress ep = { NULL, false };
  char seedbuf[32];
  aia_scenario *scn = NULL;
  aia_diag diags[16];
  size_t nfound = 0;
  int status = 0;
  FILE *jf = NULL;
  out_file jo = { 0 };
  char err0[1200];

  aia_explore_config_init(&cfg);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      if (aia__cli_stdout_check(err0, sizeof err0) != 0) {
        fprintf(stderr, "aiasim: error: %s\n", err0);
        return AIA_CLI_EXIT_INPUT;
      }
      return 0;
    } else if (strcmp(a, "--depth") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      unsigned long k = strtoul(v, &end, 10);
      if (*end || !*v || k < 1 || k > AIA_EXPLORE_MAX_DEPTH)
        die("--depth %s: must be 1..%u", v, AIA_EXPLORE_MAX_DEPTH);
      cfg.depth = (uint32_t)k;
    } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      unsigned long k = strtoul(v, &end, 10);
      if (*end || !*v || k < 1 || k > 64)
        die("--jobs %s: must be 1..64", v);
      cfg.jobs = (uint32_t)k;
    } else if (strcmp(a, "--budget") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      double x;
      errno = 0;
      x = strtod(v, &end);
      if (errno || end == v || x <= 0)
        die("--budget %s: a number of runs, or a time such as 30s or 5m", v);
      if (*end == '\0') {
        if (x != (double)(uint64_t)x || x > 1e12)
          die("--budget %s: a whole number of runs", v);
        cfg.max_runs = (uint64_t)x;
      } else if (strcmp(end, "s") == 0 || strcmp(end, "m") == 0 || strcmp(end, "h") == 0) {
        cfg.max_seconds = x * (*end == 'm' ? 60 : *end == 'h' ? 3600 : 1);
        cfg.max_runs = 0;
      } else {
        die("--budget %s: a number of runs, or a time such as 30s or 5m", v);
      }
    } else if (strcmp(a, "--policy") == 0) {
      char buf[64], *tok, *save = NULL;
      snprintf(buf, sizeof buf, "%s", need(argc, argv, &i));
      npol = 0;
      for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        aia_policy p;
        if (strcmp(tok, "kick") == 0)
          p = AIA_POLICY_KICK;
        else if (strcmp(tok, "nokick") == 0)
          p = AIA_POLICY_NOKICK;
        else if (strcmp(tok, "wake_first") == 0)
          p = AIA_POLICY_WAKE_FIRST;
        else
          die("--policy %s: not one of kick, nokick, wake_first", tok);
        if (npol == 3)
          die("--policy: at most three");
        pol[npol++] = p;
      }
      if (npol == 0)
        die("--policy: empty");
    } else if (strcmp(a, "--set") == 0) {
      const char *kv = need(argc, argv, &i);
      const char *eq = strchr(kv, '=');
      if (eq == NULL || eq == kv)
        die("--set %s: expected PATH=VALUE", kv);
      if (nov == 64)
        die("--set: at most 64");
      ov[nov].path = strndup(kv, (size_t)(eq - kv));
      if (ov[nov].path == NULL)
        exit(AIA_CLI_EXIT_INTERNAL);
      ov[nov++].value = eq + 1;
    } else if (strcmp(a, "--seed") == 0) {
      const char *v = need(argc, argv, &i);
      snprintf(seedbuf, sizeof seedbuf, "%s", v);
      if (nov == 64)
        die("--seed: too many overrides");
      ov[nov].path = strdup("seed");
      if (ov[nov].path == NULL)
        exit(AIA_CLI_EXIT_INTERNAL);
      ov[nov++].value = seedbuf;
    } else if (strcmp(a, "--window") == 0) {
      window = need(argc, argv, &i);
    } else if (strcmp(a, "--delays") == 0) {
      char buf[256], *tok, *save = NULL, *end;
      snprintf(buf, sizeof buf, "%s", need(argc, argv, &i));
      cfg.ndelays = 0;
      for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long long d;
        errno = 0;
        d = strtoull(tok, &end, 10);
        if (errno || *end || end == tok || d > 1000000000u)
          die("--delays: '%s' is not a number of cycles (0..10^9)", tok);
        if (cfg.ndelays == AIA_EXPLORE_MAX_DELAYS)
          die("--delays: at most %u values", AIA_EXPLORE_MAX_DELAYS);
        cfg.delays[cfg.ndelays++] = d;
      }
      if (cfg.ndelays == 0)
        die("--delays: empty");
    } else if (strcmp(a, "--json") == 0) {
      json = need(argc, argv, &i);
    } else if (strcmp(a, "--out") == 0) {
      outdir = need(argc, argv, &i);
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      quiet = true;
    } else if (strcmp(a, "--progress") == 0) {
      want_progress = true;
    } else if (a[0] == '-' && a[1] != '\0') {
      die("unknown option '%s' (see aiasim explore --help)", a);
    } else if (file == NULL) {
      file = a;
    } else {
      die("unexpected argument '%s'", a);
    }
  }
  if (file == NULL)
    die("explore: no scenario file given");
  if (aia_scenario_load_file(file, ov, nov, &scn, diags, 16, &nfound) != AIA_OK) {
    char buf[768];
    for (size_t i = 0; i < nfound && i < 16; i++) {
      aia_diag_format(&diags[i], buf, sizeof buf);
      fprintf(stderr, "%s\n", buf);
    }
    if (nfound == 0)
      fprintf(stderr, "%s: error: cannot load the scenario\n", file);
    status = AIA_CLI_EXIT_INPUT;
    goto out;
  }
  if (window != NULL) {
    const char *colon = strchr(window, ':');
    if (colon == NULL)
      die("--window %s: expected FROM:TO", window);
    cfg.from = parse_time(window, (size_t)(colon - window), scn->clock_hz);
    cfg.to = parse_time(colon + 1, strlen(colon + 1), scn->clock_hz);
    if (cfg.to <= cfg.from)
      die("--window %s: TO must be after FROM", window);
  }
  if (outdir != NULL && scn->nforce > 0)
    die("%s: --out writes counterexamples as the file plus force:, and the file has force: "
        "already",
        file);
  if (outdir != NULL && mkdir(outdir, 0777) != 0 && errno != EEXIST)
    die("--out %s: cannot create the directory", outdir);
  if (npol == 0) {
    npol = scn->npolicies;
    memcpy(pol, scn->policies, sizeof pol);
  }
  if (json != NULL) {
    char err[1200];
    if (aia__cli_out_open(&jo, json, err, sizeof err) != 0)
      die("%s", err);
    jf = jo.f;
  }
  if (want_progress || (isatty(2) && !quiet)) {
    ep.terminal = isatty(2) != 0;
    cfg.progress = on_progress;
    cfg.progress_user = &ep;
    cfg.progress_every = ep.terminal ? 0.5 : 5.0;
  }
  for (uint32_t k = 0; k < npol; k++) {
    aia_explore_report r;
    char err[256];
    char pw[1100] = "", pi[1100] = "";
    int rc;
    bool unexpected;
    ep.policy = aia_policy_name(pol[k]);
    rc = aia_explore(scn, pol[k], &cfg, &r, err, sizeof err);
    if (cfg.progress != NULL && ep.terminal) {
      fputs("\r\033[K", stderr); /* the report takes the line's place */
      fflush(stderr);
    } else if (cfg.progress != NULL && rc == AIA_OK) {
      fprintf(stderr, "aiasim: explore %s: done, %" PRIu64 " schedules, %" PRIu64 " states, %.1f s\n",
              ep.policy, r.runs, r.states, r.seconds);
    }
    if (rc != AIA_OK) {
      fprintf(stderr, "%s: error: %s\n", file, err);
      status = rc == AIA_EINVAL ? AIA_CLI_EXIT_INPUT : AIA_CLI_EXIT_INTERNAL;
      break;
    }
    /* A kind is unexpected when the scenario's expect allows none of it. */
    unexpected = (r.found_wakeup && scn->expect.lost_wakeups_max == 0) ||
                 (r.found_interrupt && scn->expect.lost_interrupts_max == 0);
    if (!scn->expect.has_lost_wakeups && r.found_wakeup)
      unexpected = true;
    if (!scn->expect.has_lost_interrupts && r.found_interrupt)
      unexpected = true;
    if (unexpected && status == 0)
      status = AIA_CLI_EXIT_EXPECT;
    if (outdir != NULL) {
      char werr[1200];
      if ((r.found_wakeup &&
           write_cex(outdir, scn, pol[k], true, &r.wakeup, pw, sizeof pw, werr, sizeof werr) != 0) ||
          (r.found_interrupt && write_cex(outdir, scn, pol[k], false, &r.interrupt, pi, sizeof pi,
                                          werr, sizeof werr) != 0)) {
        aia__cli_out_abort(&jo);
        die("%s", werr);
      }
    }
    if (!quiet) {
      if (k == 0)
        printf("aiasim %s: explore %s, kernel %s, depth %u\n", aia_version_string(), scn->name,
               aia_era_name(scn->kernel), cfg.depth);
      printf("\npolicy %s: %" PRIu64 " schedules, %" PRIu64 " distinct states, %" PRIu64
             " choice points in the reference run, %.2f s (%.0f schedules/s)\n",
             aia_policy_name(pol[k]), r.runs, r.states, r.choice_points, r.seconds,
             r.seconds > 0 ? (double)r.runs / r.seconds : 0.0);
      printf("  covered: %s (every schedule up to depth %u)\n",
             r.complete ? "the whole bound" : "the budget ran out first", r.depth_done);
      printf("  violating schedules: %" PRIu64 "; lost wake-ups: %s; lost interrupts: %s\n",
             r.violating, r.found_wakeup ? "found" : "none", r.found_interrupt ? "found" : "none");
      if (r.found_wakeup)
        print_cex(scn, "lost-wake-up", &r.wakeup);
      if (r.found_interrupt)
        print_cex(scn, "lost-interrupt", &r.interrupt);
      if (pw[0])
        printf("  written: %s (and .json)\n", pw);
      if (pi[0])
        printf("  written: %s (and .json)\n", pi);
    }
    if (json != NULL && k == 0) {
      fprintf(jf, "{ \"aiasim\": 1, \"explore\": \"%s\", \"kernel\": \"%s\", \"depth\": %u, \"runs\": [",
              scn->name, aia_era_name(scn->kernel), cfg.depth);
    }
    if (jf != NULL)
      fprintf(jf,
              "%s\n  { \"policy\": \"%s\", \"schedules\": %" PRIu64 ", \"states\": %" PRIu64
              ", \"choice_points\": %" PRIu64 ", \"depth_done\": %u, \"complete\": %s, "
              "\"violating\": %" PRIu64 ", \"lost_wakeup_found\": %s, \"lost_wakeup_depth\": %u, "
              "\"lost_interrupt_found\": %s, \"lost_interrupt_depth\": %u, \"seconds\": %.3f }",
              k ? "," : "", aia_policy_name(pol[k]), r.runs, r.states, r.choice_points,
              r.depth_done, r.complete ? "true" : "false", r.violating,
              r.found_wakeup ? "true" : "false", r.wakeup.nforce,
              r.found_interrupt ? "true" : "false", r.interrupt.nforce, r.seconds);
    aia_explore_report_free(&r);
  }
  if (jf != NULL) {
    char err[1200];
    if (status != AIA_CLI_EXIT_INPUT && status != AIA_CLI_EXIT_INTERNAL) {
      fprintf(jf, "\n] }\n");
      if (aia__cli_out_commit(&jo, err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: explore: error: %s\n", err);
        status = AIA_CLI_EXIT_INPUT;
      }
    } else {
      aia__cli_out_abort(&jo); /* no half report */
    }
  }
  if (!quiet && aia__cli_stdout_check(err0, sizeof err0) != 0) {
    fprintf(stderr, "aiasim: explore: error: %s\n", err0);
    if (status == 0 || status == AIA_CLI_EXIT_EXPECT)
      status = AIA_CLI_EXIT_INPUT;
  }
out:
  for (size_t i = 0; i < nov; i++)
    free((char *)ov[i].path);
  aia_scenario_destroy(scn);
  return status;
}
