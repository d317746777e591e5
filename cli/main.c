/* cli/main.c: the aiasim command. Uses the public API only.
 * SPDX-License-Identifier: MIT
 *
 *   aiasim run FILE [options]     run a scenario (docs/scenarios.md)
 *   aiasim check FILE [--set p=v] validate only
 *   aiasim --help | --version
 * Exit status: 0 ran and every expect held; 1 an expect failed or the
 * oracle found a violation the scenario did not expect; 2 bad input (file,
 * option); 3 internal error.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "aiasim/aiasim.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"
#include "aiasim/trace.h"
#include "cli.h"

#define EXIT_EXPECT 1
#define EXIT_INPUT 2
#define EXIT_INTERNAL 3
#define MAX_DIAGS 64

static const char usage[] =
    "usage: aiasim run FILE [--policy P[,P]] [--seed N] [--set path=value]...\n"
    "                  [--jobs N] [--json OUT] [--csv OUT] [--trace OUT.json]\n"
    "                  [--vcd OUT.vcd] [--trace-window FROM:TO] [--html OUT.html]\n"
    "                  [--quiet] [--progress]\n"
    "       aiasim check FILE [--set path=value]...\n"
    "       aiasim merge OUT.json IN.json...\n"
    "       aiasim explore FILE [--depth K] [--jobs N] [--budget RUNS|TIME] [--json OUT]\n"
    "                      [--out DIR] (see aiasim explore --help)\n"
    "       aiasim --help | --version\n"
    "\n"
    "Runs a scenario (YAML, schema version 1) with each policy side by side\n"
    "(kick, nokick, wake_first) from the same seed, and reports latency, the\n"
    "cost of kicks, wake-ups and the oracle's verdict. See docs/scenarios.md.\n"
    "\n"
    "  --policy P[,P]   policies to run (default: the scenario's)\n"
    "  --seed N         seed (same as --set seed=N)\n"
    "  --set PATH=VAL   override one key of the file, e.g. timing.vm_exit=3000\n"
    "  --jobs N         run sweep points and policies on N threads (same output)\n"
    "  --json OUT       write the JSON report ('-' for stdout)\n"
    "  --csv OUT        write one CSV row per run and point\n"
    "  --html OUT       write a self-contained page with the report's figures\n"
    "  --trace OUT      Chrome/Perfetto trace of each run (suffixed per run)\n"
    "  --vcd OUT        VCD waveforms of each run (suffixed per run)\n"
    "  --trace-window FROM:TO  only trace records in [FROM, TO) (cycles or units)\n"
    "  --shard K/N      run only sweep points K, K+N, K+2N, ... (0 <= K < N)\n"
    "  --quiet          no text report, and no progress unless --progress\n"
    "  --progress       show progress on stderr even when it is not a terminal\n"
    "                   (a line every 5 s; on a terminal one line, updated)\n"
    "  merge            join the --json reports of the shards of one sweep into the\n"
    "                   report a single run gives (byte for byte)\n"
    "\n"
    "Exit status: 0 ok, 1 an expect failed or a violation, 2 bad input or an output\n"
    "that cannot be written, 3 internal error.\n";

static void die_input(const char *fmt, ...)
{
  va_list ap;
  fputs("aiasim: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  exit(EXIT_INPUT);
}

/* Exits 0 when what was written to stdout reached it, else 2. */
static void exit_stdout_checked(void)
{
  char err[256];
  if (aia__cli_stdout_check(err, sizeof err) != 0) {
    fprintf(stderr, "aiasim: error: %s\n", err);
    exit(EXIT_INPUT);
  }
  exit(0);
}

/* ---------------------------------------------------------- options ---- */

typedef struct opts {
  const char *cmd, *file;
  aia_override *ov;
  size_t nov;
  char **ov_store; /* strings we allocated for --seed */
  aia_policy policies[3];
  uint32_t npolicies;
  unsigned jobs;
  const char *json, *csv, *html, *trace, *vcd, *window;
  int quiet;
  int progress; /* --progress */
  uint32_t shard_k, shard_n; /* --shard K/N; n == 0: all points */
} opts;

static void add_override(opts *o, const char *path, const char *value)
{
  aia_override *ov = realloc(o->ov, (o->nov + 1) * sizeof *ov);
  if (ov == NULL)
    exit(EXIT_INTERNAL);
  o->ov = ov;
  o->ov[o->nov].path = path;
  o->ov[o->nov].value = value;
  o->nov++;
}

static int parse_policy(const char *s, aia_policy *p)
{
  for (int i = 0; i < 3; i++)
    if (strcmp(s, aia_policy_name((aia_policy)i)) == 0) {
      *p = (aia_policy)i;
      return 0;
    }
  return -1;
}

static void parse_policies(opts *o, const char *arg)
{
  char buf[128];
  if (strlen(arg) >= sizeof buf)
    die_input("--policy: too long");
  strcpy(buf, arg);
  o->npolicies = 0;
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    aia_policy p;
    if (parse_policy(tok, &p) != 0)
      die_input("--policy: unknown policy '%s' (kick, nokick or wake_first)", tok);
    for (uint32_t k = 0; k < o->npolicies; k++)
      if (o->policies[k] == p)
        die_input("--policy: '%s' given twice", tok);
    if (o->npolicies == 3)
      die_input("--policy: at most three policies");
    o->policies[o->npolicies++] = p;
  }
  if (o->npolicies == 0)
    die_input("--policy: no policy given");
}

static const char *need(int argc, char **argv, int *i)
{
  if (*i + 1 >= argc)
    die_input("%s needs a value", argv[*i]);
  return argv[++*i];
}

static void parse_args(int argc, char **argv, opts *o)
{
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  if (argc < 2) {
    fputs(usage, stderr);
    exit(EXIT_INPUT);
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage, stdout);
    exit_stdout_checked();
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("aiasim %s\n", aia_version_string());
    exit_stdout_checked();
  }
  o->cmd = argv[1];
  if (strcmp(o->cmd, "merge") == 0)
    return; /* its own arguments: see merge_main */
  if (strcmp(o->cmd, "run") != 0 && strcmp(o->cmd, "check") != 0)
    die_input("unknown command '%s' (run, check, explore or merge; see --help)", o->cmd);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--set") == 0) {
      const char *kv = need(argc, argv, &i);
      const char *eq = strchr(kv, '=');
      if (eq == NULL || eq == kv)
        die_input("--set %s: expected PATH=VALUE", kv);
      char *path = strndup(kv, (size_t)(eq - kv));
      if (path == NULL)
        exit(EXIT_INTERNAL);
      char **st = realloc(o->ov_store, (o->nov + 1) * sizeof *st);
      if (st == NULL)
        exit(EXIT_INTERNAL);
      o->ov_store = st;
      o->ov_store[o->nov] = path;
      add_override(o, path, eq + 1);
    } else if (strcmp(a, "--seed") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      errno = 0;
      (void)strtoull(v, &end, 0);
      if (errno || *end || !*v)
        die_input("--seed %s: not a number", v);
      char **st = realloc(o->ov_store, (o->nov + 1) * sizeof *st);
      if (st == NULL)
        exit(EXIT_INTERNAL);
      o->ov_store = st;
      o->ov_store[o->nov] = NULL;
      add_override(o, "seed", v);
    } else if (strcmp(a, "--policy") == 0) {
      parse_policies(o, need(argc, argv, &i));
    } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      unsigned long n = strtoul(v, &end, 10);
      if (*end || n < 1 || n > 256)
        die_input("--jobs %s: must be 1..256", v);
      o->jobs = (unsigned)n;
    } else if (strcmp(a, "--json") == 0) {
      o->json = need(argc, argv, &i);
    } else if (strcmp(a, "--csv") == 0) {
      o->csv = need(argc, argv, &i);
    } else if (strcmp(a, "--html") == 0) {
      o->html = need(argc, argv, &i);
    } else if (strcmp(a, "--trace") == 0) {
      o->trace = need(argc, argv, &i);
    } else if (strcmp(a, "--vcd") == 0) {
      o->vcd = need(argc, argv, &i);
    } else if (strcmp(a, "--trace-window") == 0) {
      o->window = need(argc, argv, &i);
    } else if (strcmp(a, "--shard") == 0) {
      const char *v = need(argc, argv, &i);
      unsigned k, n;
      char tail;
      if (sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k >= n)
        die_input("--shard %s: expected K/N with 0 <= K < N", v);
      o->shard_k = k;
      o->shard_n = n;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      o->quiet = 1;
    } else if (strcmp(a, "--progress") == 0) {
      o->progress = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      die_input("unknown option '%s' (see --help)", a);
    } else if (o->file == NULL) {
      o->file = a;
    } else {
      die_input("unexpected argument '%s'", a);
    }
  }
  if (o->file == NULL)
    die_input("%s: no scenario file given", o->cmd);
}

/* ---------------------------------------------------------- diagnostics */

/* Prints "file:line:col: error: msg", then the source line and a caret. */
static void print_diag(const aia_diag *d)
{
  char buf[768];
  aia_diag_format(d, buf, sizeof buf);
  fprintf(stderr, "%s\n", buf);
  if (d->line == 0 || d->file[0] == '\0' || d->file[0] == '<')
    return;
  FILE *f = fopen(d->file, "r");
  if (f == NULL)
    return;
  char line[512];
  uint32_t n = 0;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    int whole = len > 0 && line[len - 1] == '\n';
    if (++n == d->line) {
      if (whole)
        line[--len] = '\0';
      fprintf(stderr, "  %s\n  ", line);
      for (uint32_t c = 1; c < d->column && c <= len; c++)
        fputc(line[c - 1] == '\t' ? '\t' : ' ', stderr);
      fputs("^\n", stderr);
      break;
    }
    while (!whole && fgets(line, sizeof line, f)) { /* rest of a long line */
      len = strlen(line);
      whole = len > 0 && line[len - 1] == '\n';
    }
  }
  fclose(f);
}

static aia_scenario *load_or_exit(const opts *o)
{
  aia_diag diags[MAX_DIAGS];
  size_t nfound = 0;
  aia_scenario *scn = NULL;
  int rc = aia_scenario_load_file(o->file, o->ov, o->nov, &scn, diags, MAX_DIAGS, &nfound);
  if (rc == AIA_OK)
    return scn;
  if (rc == AIA_ENOMEM)
    exit(EXIT_INTERNAL);
  for (size_t i = 0; i < nfound && i < MAX_DIAGS; i++)
    print_diag(&diags[i]);
  if (nfound > MAX_DIAGS)
    fprintf(stderr, "aiasim: %zu more errors not shown\n", nfound - MAX_DIAGS);
  if (nfound == 0)
    fprintf(stderr, "%s: error: %s\n", o->file, aia_strerror(rc));
  exit(EXIT_INPUT);
}

/* ---------------------------------------------------------- the runs --- */


/* Trace writers of one run: opened on the built system, closed at its end,
 * where the vCPU threads' scheduler statistics are collected too. */
static void run_built(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
{
  job *j = user;
  aia_trace_config tc;
  j->kvm = kvm;
  aia_trace_config_init(&tc);
  tc.from = j->tr_from;
  tc.to = j->tr_to;
  tc.scenario = j->scn->name;
  tc.platform = plat;
  tc.kvm = kvm;
  if (j->trace_path[0]) {
    if (aia__cli_out_open(&j->trace_o, j->trace_path, j->err, sizeof j->err) != 0)
      j->out_err = true;
    else if (aia_trace_chrome_open(sim, j->trace_o.f, &tc, &j->trace_w) != AIA_OK)
      snprintf(j->err, sizeof j->err, "cannot start the trace %.180s", j->trace_path);
  }
  if (j->vcd_path[0]) {
    if (aia__cli_out_open(&j->vcd_o, j->vcd_path, j->err, sizeof j->err) != 0)
      j->out_err = true;
    else if (aia_trace_vcd_open(sim, j->vcd_o.f, &tc, &j->vcd_w) != AIA_OK)
      snprintf(j->err, sizeof j->err, "cannot start the VCD %.180s", j->vcd_path);
  }
}

/* The --html page's share of the records, and the progress hook's. */
static void run_hook(void *user, const aia_event *ev)
{
  job *j = user;
  if (j->html)
    aia__cli_html_hook(j, ev);
  if (j->progress_on)
    aia__cli_progress_hook(j, ev);
}

static void run_result(void *user, const aia_meter *m)
{
  job *j = user;
  if (j->html)
    aia__cli_html_result(j, m);
}

static void run_end(void *user, aia_sim *sim)
{
  job *j = user;
  uint32_t n = 0, k = 0;
  if (j->html)
    aia__cli_html_finish(j, aia_sim_now(sim));
  j->sched.struct_size = sizeof j->sched;
  if (aia_kvm_sched_stats(j->kvm, &j->sched) != AIA_OK)
    snprintf(j->err, sizeof j->err, "cannot read the scheduler statistics");
  j->halt.struct_size = sizeof j->halt;
  if (aia_kvm_halt_stats(j->kvm, &j->halt) != AIA_OK)
    snprintf(j->err, sizeof j->err, "cannot read the halt statistics");
  j->exits.struct_size = sizeof j->exits;
  if (aia_kvm_exit_stats(j->kvm, &j->exits) != AIA_OK)
    snprintf(j->err, sizeof j->err, "cannot read the exit statistics");
  j->inj.struct_size = sizeof j->inj;
  if (aia_kvm_injector_stats(j->kvm, &j->inj) != AIA_OK)
    snprintf(j->err, sizeof j->err, "cannot read the injector statistics");
  j->files.struct_size = sizeof j->files;
  if (aia_kvm_file_stats(j->kvm, &j->files) != AIA_OK)
    snprintf(j->err, sizeof j->err, "cannot read the file statistics");
  for (uint32_t vm = 0; vm < aia_kvm_vm_count(j->kvm); vm++)
    n += aia_vm_vcpus(aia_kvm_vm(j->kvm, vm));
  j->vsched = n ? calloc(n, sizeof *j->vsched) : NULL;
  j->vsched_vm = n ? calloc(n, sizeof *j->vsched_vm) : NULL;
  j->vhalt = n ? calloc(n, sizeof *j->vhalt) : NULL;
  j->vexit = n ? calloc(n, sizeof *j->vexit) : NULL;
  if (n && (j->vsched == NULL || j->vsched_vm == NULL || j->vhalt == NULL || j->vexit == NULL)) {
    snprintf(j->err, sizeof j->err, "out of memory");
    n = 0;
  }
  for (uint32_t vm = 0; vm < aia_kvm_vm_count(j->kvm) && k < n; vm++) {
    aia_vm *v = aia_kvm_vm(j->kvm, vm);
    for (uint32_t i = 0; i < aia_vm_vcpus(v) && k < n; i++, k++) {
      j->vsched[k].struct_size = sizeof j->vsched[k];
      j->vsched_vm[k] = vm;
      if (aia_thread_get_stats(aia_vcpu_thread(aia_vm_vcpu(v, i)), &j->vsched[k]) != AIA_OK)
        snprintf(j->err, sizeof j->err, "cannot read the scheduler statistics");
      j->vhalt[k].struct_size = sizeof j->vhalt[k];
      if (aia_vcpu_get_halt_stats(aia_vm_vcpu(v, i), &j->vhalt[k]) != AIA_OK)
        snprintf(j->err, sizeof j->err, "cannot read the halt statistics");
      j->vexit[k].struct_size = sizeof j->vexit[k];
      if (aia_vcpu_get_exit_stats(aia_vm_vcpu(v, i), &j->vexit[k]) != AIA_OK)
        snprintf(j->err, sizeof j->err, "cannot read the exit statistics");
    }
  }
  j->nvsched = k;
  j->kvm = NULL;
  /* A trace is renamed into place only when its writer and its stream
   * both succeeded; else its temporary file goes and the run fails. */
  /* AIA_EIO: the stream is in error, which the commit reports with its
   * reason; anything else (events dropped for lack of memory) here. */
  int rt = j->trace_w ? aia_trace_chrome_close(j->trace_w) : AIA_OK;
  int rv = j->vcd_w ? aia_trace_vcd_close(j->vcd_w) : AIA_OK;
  bool bad_t = rt != AIA_OK && rt != AIA_EIO, bad_v = rv != AIA_OK && rv != AIA_EIO;
  j->trace_w = NULL;
  j->vcd_w = NULL;
  char e[sizeof j->err];
  if (bad_t) {
    aia__cli_out_abort(&j->trace_o);
    snprintf(j->err, sizeof j->err, "cannot write %.200s: %s", j->trace_path,
             aia_strerror(rt));
    j->out_err = true;
  } else if (aia__cli_out_commit(&j->trace_o, e, sizeof e) != 0) {
    snprintf(j->err, sizeof j->err, "%s", e);
    j->out_err = true;
  }
  if (bad_v) {
    aia__cli_out_abort(&j->vcd_o);
    snprintf(j->err, sizeof j->err, "cannot write %.200s: %s", j->vcd_path,
             aia_strerror(rv));
    j->out_err = true;
  } else if (aia__cli_out_commit(&j->vcd_o, e, sizeof e) != 0) {
    snprintf(j->err, sizeof j->err, "%s", e);
    j->out_err = true;
  }
}

typedef struct pool {
  job *jobs;
  size_t njobs, next, done;
  pthread_mutex_t mu;
  const opts *o;
  progress *pr;
} pool;

static void run_job(job *j, bool with_progress)
{
  aia_run_options opt;
  aia_run_options_init(&opt);
  j->progress_on = with_progress;
  if (with_progress || j->html) {
    opt.hook = run_hook;
    opt.hook_user = j;
  }
  opt.probe = j->probe;
  opt.probe_at = j->probe_at;
  if (j->probe) {
    opt.probe_vm = j->scn->sweep.vm;
    opt.probe_vcpu = j->scn->sweep.vcpu;
    opt.probe_iid = 1;
  }
  opt.on_built = run_built;
  opt.on_end = run_end;
  opt.on_result = run_result;
  opt.user = j;
  j->rc = aia_scenario_run(j->scn, j->policy, &opt, &j->res, j->err, sizeof j->err);
  if (j->rc == AIA_OK && j->err[0])
    j->rc = AIA_EIO;
}

/* OUT.json for a single run; OUT-<policy>[-<point>].json for several. */
static void run_path(char *buf, size_t len, const char *base, const job *j, int many)
{
  const char *dot = strrchr(base, '.');
  const char *slash = strrchr(base, '/');
  if (!many) {
    snprintf(buf, len, "%s", base);
    return;
  }
  if (dot == NULL || (slash && dot < slash))
    dot = base + strlen(base);
  snprintf(buf, len, "%.*s-%s-%u%s", (int)(dot - base), base, aia_policy_name(j->policy), j->point,
           dot);
}

/* "FROM:TO" with durations in the scenario's units (cycles or ns/us/ms/s). */
static aia_cycle parse_window_part(const char *s, size_t n, uint64_t hz)
{
  char buf[64];
  char *end;
  if (n == 0)
    return 0;
  if (n >= sizeof buf)
    die_input("--trace-window: value too long");
  memcpy(buf, s, n);
  buf[n] = '\0';
  double v = strtod(buf, &end);
  uint64_t mul_num = 1, mul_den = 1; /* cycles */
  if (strcmp(end, "ns") == 0) { mul_num = hz; mul_den = 1000000000u; }
  else if (strcmp(end, "us") == 0) { mul_num = hz; mul_den = 1000000u; }
  else if (strcmp(end, "ms") == 0) { mul_num = hz; mul_den = 1000u; }
  else if (strcmp(end, "s") == 0) { mul_num = hz; mul_den = 1u; }
  else if (*end != '\0' || end == buf)
    die_input("--trace-window: '%s' is not a duration (cycles, or ns/us/ms/s)", buf);
  if (v < 0)
    die_input("--trace-window: '%s' is negative", buf);
  return (aia_cycle)(v * (double)mul_num / (double)mul_den + 0.5);
}

static void *worker(void *arg)
{
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    size_t i = p->next < p->njobs ? p->next++ : p->njobs;
    pthread_mutex_unlock(&p->mu);
    if (i >= p->njobs)
      return NULL;
    run_job(&p->jobs[i], p->pr->mode != PROGRESS_OFF);
    aia__cli_progress_job_done(p->pr, &p->jobs[i]);
    pthread_mutex_lock(&p->mu);
    p->done++;
    pthread_mutex_unlock(&p->mu);
  }
}

static void run_all(pool *p, unsigned nthreads)
{
  if (nthreads > p->njobs)
    nthreads = (unsigned)p->njobs;
  if (nthreads <= 1) {
    worker(p);
  } else {
    pthread_t *t = calloc(nthreads, sizeof *t);
    if (t == NULL)
      exit(EXIT_INTERNAL);
    for (unsigned i = 0; i < nthreads; i++)
      if (pthread_create(&t[i], NULL, worker, p) != 0)
        exit(EXIT_INTERNAL);
    for (unsigned i = 0; i < nthreads; i++)
      pthread_join(t[i], NULL);
    free(t);
  }
}

/* ---------------------------------------------------------- expect ----- */

/* 1 if the expect block failed or an unexpected violation was found (the
 * checks themselves: aia__cli_expect_checks). */
static int check_expect(const aia_scenario *base, const job *jobs, size_t njobs,
                        const size_t *index)
{
  int bad = 0;
  for (size_t i = 0; i < njobs; i++) {
    expect_check ck[3];
    size_t n = aia__cli_expect_checks(base, &jobs[i].res.r, ck);
    const char *pol = aia_policy_name(jobs[i].policy);
    for (size_t k = 0; k < n; k++) {
      const expect_check *c = &ck[k];
      if (c->held)
        continue;
      bad = 1;
      if (c->min == c->max)
        fprintf(stderr, "aiasim: %s: run %zu (%s): %" PRIu64 " %s, expected %" PRIu64 "\n",
                base->name, index[i], pol, c->measured, c->label, c->min);
      else if (c->max == UINT64_MAX)
        fprintf(stderr, "aiasim: %s: run %zu (%s): %" PRIu64 " %s, expected at least %" PRIu64 "\n",
                base->name, index[i], pol, c->measured, c->label, c->min);
      else
        fprintf(stderr, "aiasim: %s: run %zu (%s): %" PRIu64 " %s, expected %" PRIu64 "..%" PRIu64 "\n",
                base->name, index[i], pol, c->measured, c->label, c->min, c->max);
    }
  }
  return bad;
}


/* ---------------------------------------------------------- merge ------ */

typedef struct mline {
  size_t run;
  char *text;
} mline;

static int cmp_mline(const void *a, const void *b)
{
  const mline *x = a, *y = b;
  return x->run < y->run ? -1 : x->run > y->run;
}

/* Reads a whole file; NULL on error (message printed). */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (f == NULL) {
    fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno));
    return NULL;
  }
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 65536;
      char *p = realloc(buf, cap);
      if (p == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = p;
    }
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got == 0)
      break;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Joins shard reports: same header, runs sorted by their "run" number. The
 * reports are line-structured (header, one run per line, footer), checked
 * with a JSON parser before their lines are used. */
static int merge_main(int argc, char **argv)
{
  if (argc < 2)
    die_input("merge: usage: aiasim merge OUT.json IN.json...");
  const char *outp = argv[0];
  mline *lines = NULL;
  size_t nlines = 0, cap = 0;
  char *header = NULL;
  int status = 0;
  for (int a = 1; a < argc && status == 0; a++) {
    size_t len;
    char *text = slurp(argv[a], &len);
    json_error_t jerr;
    if (text == NULL)
      return EXIT_INPUT;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    if (doc == NULL || !json_is_array(json_object_get(doc, "runs")) ||
        json_integer_value(json_object_get(doc, "aiasim")) != 1) {
      fprintf(stderr, "%s:%d:%d: error: not an aiasim JSON report%s%s\n", argv[a],
              doc ? 1 : jerr.line, doc ? 1 : jerr.column, doc ? "" : ": ", doc ? "" : jerr.text);
      json_decref(doc);
      free(text);
      return EXIT_INPUT;
    }
    char *nl = strchr(text, '\n');
    if (nl == NULL) {
      fprintf(stderr, "%s: error: not a report written by aiasim run --json\n", argv[a]);
      json_decref(doc);
      free(text);
      return EXIT_INPUT;
    }
    *nl = '\0';
    if (header == NULL) {
      header = strdup(text);
    } else if (strcmp(header, text) != 0) {
      fprintf(stderr, "%s:1:1: error: another scenario, seed or kernel than %s\n", argv[a], argv[1]);
      status = EXIT_INPUT;
    }
    size_t nruns = json_array_size(json_object_get(doc, "runs")), got = 0;
    for (char *line = nl + 1; status == 0 && *line;) {
      char *end = strchr(line, '\n');
      if (end)
        *end = '\0';
      size_t l = strlen(line);
      if (l >= 5 && strncmp(line, "    {", 5) == 0) {
        if (line[l - 1] == ',')
          line[--l] = '\0';
        json_t *run = json_loads(line, 0, &jerr);
        json_t *idx = run ? json_object_get(run, "run") : NULL;
        if (!json_is_integer(idx)) {
          fprintf(stderr, "%s: error: a run without its \"run\" number\n", argv[a]);
          status = EXIT_INPUT;
        } else {
          if (nlines == cap) {
            cap = cap ? cap * 2 : 64;
            mline *p = realloc(lines, cap * sizeof *p);
            if (p == NULL)
              exit(EXIT_INTERNAL);
            lines = p;
          }
          lines[nlines].run = (size_t)json_integer_value(idx);
          lines[nlines].text = strdup(line);
          nlines++;
          got++;
        }
        json_decref(run);
      }
      line = end ? end + 1 : line + l;
    }
    if (status == 0 && got != nruns) {
      fprintf(stderr, "%s: error: %zu runs in the JSON but %zu run lines\n", argv[a], nruns, got);
      status = EXIT_INPUT;
    }
    json_decref(doc);
    free(text);
  }
  if (status == 0) {
    qsort(lines, nlines, sizeof *lines, cmp_mline);
    for (size_t i = 1; i < nlines; i++)
      if (lines[i].run == lines[i - 1].run) {
        fprintf(stderr, "aiasim: merge: run %zu appears twice\n", lines[i].run);
        status = EXIT_INPUT;
        break;
      }
  }
  if (status == 0) {
    out_file of;
    char err[1200];
    if (aia__cli_out_open(&of, outp, err, sizeof err) == 0) {
      fprintf(of.f, "%s\n", header);
      for (size_t i = 0; i < nlines; i++)
        fprintf(of.f, "%s%s\n", lines[i].text, i + 1 < nlines ? "," : "");
      fputs("  ] }\n", of.f);
      if (aia__cli_out_commit(&of, err, sizeof err) == 0)
        err[0] = '\0';
    }
    if (err[0]) {
      fprintf(stderr, "aiasim: merge: error: %s\n", err);
      status = EXIT_INPUT;
    }
  }
  for (size_t i = 0; i < nlines; i++)
    free(lines[i].text);
  free(lines);
  free(header);
  return status;
}

/* ---------------------------------------------------------- main ------- */


int main(int argc, char **argv)
{
  opts o;
  if (argc >= 2 && strcmp(argv[1], "explore") == 0)
    return aia__cli_explore(argc, argv);
  parse_args(argc, argv, &o);
  if (strcmp(o.cmd, "merge") == 0)
    return merge_main(argc - 2, argv + 2);
  aia_scenario *base = load_or_exit(&o);
  if (strcmp(o.cmd, "check") == 0) {
    aia_scenario_destroy(base);
    free(o.ov);
    for (size_t i = 0; i < o.nov; i++)
      free(o.ov_store[i]);
    free(o.ov_store);
    return 0;
  }
  if (o.npolicies == 0) {
    o.npolicies = base->npolicies;
    memcpy(o.policies, base->policies, sizeof o.policies);
  }

  /* Points of the sweep. */
  uint32_t npoints = 1;
  aia_scenario **pts = NULL;
  int64_t *offsets = NULL;
  aia_cycle trap[3] = { 0, 0, 0 };
  if (base->sweep.kind == AIA_SWEEP_SET) {
    npoints = base->sweep.nvalues;
  } else if (base->sweep.kind == AIA_SWEEP_OFFSET) {
    int64_t n = (base->sweep.to - base->sweep.from) / base->sweep.step + 1;
    if (n < 1 || n > 10000000)
      die_input("%s: the offset sweep has %" PRId64 " points", o.file, n);
    npoints = (uint32_t)n;
  }
  pts = calloc(npoints, sizeof *pts);
  offsets = calloc(npoints, sizeof *offsets);
  if (pts == NULL || offsets == NULL)
    return EXIT_INTERNAL;
  for (uint32_t i = 0; i < npoints; i++) {
    if (o.shard_n && i % o.shard_n != o.shard_k) {
      pts[i] = base; /* not run by this shard */
      continue;
    }
    if (base->sweep.kind == AIA_SWEEP_SET) {
      aia_diag diags[MAX_DIAGS];
      size_t nfound = 0;
      int rc = aia_scenario_point(base, i, &pts[i], diags, MAX_DIAGS, &nfound);
      if (rc != AIA_OK) {
        for (size_t k = 0; k < nfound && k < MAX_DIAGS; k++)
          print_diag(&diags[k]);
        return rc == AIA_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
      }
    } else {
      pts[i] = base;
      offsets[i] = base->sweep.kind == AIA_SWEEP_OFFSET
                       ? base->sweep.from + (int64_t)i * base->sweep.step
                       : 0;
    }
  }
  if (base->sweep.kind == AIA_SWEEP_OFFSET)
    for (uint32_t k = 0; k < o.npolicies; k++) {
      char err[256];
      int rc = aia_scenario_wfi_trap(base, o.policies[k], base->sweep.vm, base->sweep.vcpu,
                                     &trap[k], err, sizeof err);
      if (rc != AIA_OK) {
        fprintf(stderr, "%s: error: offset sweep: %s\n", o.file, err);
        return EXIT_INPUT;
      }
    }

  size_t njobs = 0;
  job *jobs = calloc((size_t)npoints * o.npolicies, sizeof *jobs);
  size_t *index = calloc((size_t)npoints * o.npolicies, sizeof *index);
  if (jobs == NULL || index == NULL)
    return EXIT_INTERNAL;
  for (uint32_t i = 0; i < npoints; i++)
    for (uint32_t k = 0; k < o.npolicies; k++) {
      if (o.shard_n && i % o.shard_n != o.shard_k)
        continue;
      index[njobs] = (size_t)i * o.npolicies + k;
      job *j = &jobs[njobs++];
      j->scn = pts[i];
      j->policy = o.policies[k];
      j->point = i;
      j->offset = offsets[i];
      if (base->sweep.kind == AIA_SWEEP_OFFSET) {
        int64_t at = (int64_t)trap[k] + offsets[i];
        j->probe = true;
        j->probe_at = at < 0 ? 0 : (aia_cycle)at;
      }
    }
  aia_cycle tr_from = 0, tr_to = 0;
  if (o.window) {
    const char *colon = strchr(o.window, ':');
    if (colon == NULL)
      die_input("--trace-window %s: expected FROM:TO", o.window);
    tr_from = parse_window_part(o.window, (size_t)(colon - o.window), base->clock_hz);
    tr_to = parse_window_part(colon + 1, strlen(colon + 1), base->clock_hz);
    if (tr_to != 0 && tr_to <= tr_from)
      die_input("--trace-window %s: TO must be after FROM", o.window);
  }
  for (size_t i = 0; i < njobs; i++) {
    jobs[i].tr_from = tr_from;
    jobs[i].tr_to = tr_to;
    if (o.trace)
      run_path(jobs[i].trace_path, sizeof jobs[i].trace_path, o.trace, &jobs[i], njobs > 1);
    if (o.vcd)
      run_path(jobs[i].vcd_path, sizeof jobs[i].vcd_path, o.vcd, &jobs[i], njobs > 1);
  }
  /* Every output is opened (or, for the per-run traces, probed) now, so a
   * path that cannot be written stops the command before any run. Files
   * go to a temporary name, renamed into place once complete. */
  out_file json_o = { 0 }, csv_o = { 0 }, html_o = { 0 };
  {
    char err[1200];
    int bad = 0;
    const char *special = NULL;
    if (njobs > 1 && o.trace && aia__cli_is_special(o.trace))
      special = o.trace;
    if (njobs > 1 && o.vcd && aia__cli_is_special(o.vcd))
      special = o.vcd;
    if (special)
      die_input("%s: %zu runs write one trace each (OUT-<policy>-<point>): give a file name",
                special, njobs);
    if (o.json && aia__cli_out_open(&json_o, o.json, err, sizeof err) != 0)
      bad = 1;
    if (!bad && o.csv && aia__cli_out_open(&csv_o, o.csv, err, sizeof err) != 0)
      bad = 1;
    if (!bad && o.html && aia__cli_out_open(&html_o, o.html, err, sizeof err) != 0)
      bad = 1;
    for (size_t i = 0; i < njobs && !bad; i++)
      if ((jobs[i].trace_path[0] && aia__cli_out_probe(jobs[i].trace_path, err, sizeof err) != 0) ||
          (jobs[i].vcd_path[0] && aia__cli_out_probe(jobs[i].vcd_path, err, sizeof err) != 0))
        bad = 1;
    if (bad) {
      aia__cli_out_abort(&json_o);
      aia__cli_out_abort(&csv_o);
      aia__cli_out_abort(&html_o);
      die_input("%s", err);
    }
  }
  if (o.html)
    for (size_t i = 0; i < njobs && i < o.npolicies; i++)
      if (aia__cli_html_prepare(&jobs[i]) != 0) {
        fputs("aiasim: error: out of memory\n", stderr);
        aia__cli_out_abort(&json_o);
        aia__cli_out_abort(&csv_o);
        aia__cli_out_abort(&html_o);
        return EXIT_INTERNAL;
      }
  progress pr;
  progress_mode pm = PROGRESS_OFF;
  if (o.progress || (isatty(2) && !o.quiet))
    pm = isatty(2) ? PROGRESS_TERMINAL : PROGRESS_LOG;
  aia__cli_progress_start(&pr, jobs, njobs, pm);
  pool p = { .jobs = jobs, .njobs = njobs, .o = &o, .pr = &pr };
  pthread_mutex_init(&p.mu, NULL);
  run_all(&p, o.jobs);
  pthread_mutex_destroy(&p.mu);
  aia__cli_progress_stop(&pr);

  int status = 0;
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].rc != AIA_OK) {
      fprintf(stderr, "aiasim: %s: run %zu (%s): %s\n", o.file, i,
              aia_policy_name(jobs[i].policy), jobs[i].err);
      /* An output that could not be written is the user's to fix (2). */
      if (status != EXIT_INTERNAL)
        status = jobs[i].out_err ? EXIT_INPUT : EXIT_INTERNAL;
    }
  if (status == 0) {
    char err[1200];
    if (!o.quiet) {
      aia__cli_text_report(stdout, base, jobs, njobs, o.npolicies);
      if (aia__cli_stdout_check(err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: error: the text report: %s\n", err);
        status = EXIT_INPUT;
      }
    }
    if (o.json) {
      aia__cli_write_json(json_o.f, base, jobs, njobs, index);
      if (aia__cli_out_commit(&json_o, err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: error: %s\n", err);
        status = EXIT_INPUT;
      }
    }
    if (o.csv) {
      aia__cli_write_csv(csv_o.f, base, jobs, njobs);
      if (aia__cli_out_commit(&csv_o, err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: error: %s\n", err);
        status = EXIT_INPUT;
      }
    }
    if (o.html) {
      aia__cli_write_html(html_o.f, base, jobs, njobs, o.npolicies);
      if (aia__cli_out_commit(&html_o, err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: error: %s\n", err);
        status = EXIT_INPUT;
      }
    }
    if (status == 0)
      status = check_expect(base, jobs, njobs, index) ? EXIT_EXPECT : 0;
  }
  /* The runs failed: no report replaces an older one. */
  aia__cli_out_abort(&json_o);
  aia__cli_out_abort(&csv_o);
  aia__cli_out_abort(&html_o);
  for (size_t i = 0; i < njobs; i++) {
    aia_run_result_free(&jobs[i].res);
    free(jobs[i].vsched);
    free(jobs[i].vsched_vm);
    free(jobs[i].vhalt);
    free(jobs[i].vexit);
    aia__cli_html_free(&jobs[i]);
  }
  free(jobs);
  free(index);
  for (uint32_t i = 0; i < npoints; i++)
    if (pts[i] != base)
      aia_scenario_destroy(pts[i]);
  free(pts);
  free(offsets);
  aia_scenario_destroy(base);
  for (size_t i = 0; i < o.nov; i++)
    free(o.ov_store[i]);
  free(o.ov_store);
  free(o.ov);
  return status;
}
