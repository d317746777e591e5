/* cli/run.c: `aiasim run`: a sweep's points and runs set up, run (on
 * cli/sweep.c's pipeline, --jobs threads) and written (text, JSON, CSV) as
 * each point is done, then freed, so memory does not grow with the number
 * of points; the --html page keeps only what it draws.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiasim/aiasim.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"
#include "aiasim/trace.h"
#include "cli.h"

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
  job_io *io = j->io;
  if (io && io->trace_path[0]) {
    if (aia__cli_out_open(&io->trace_o, io->trace_path, j->err, sizeof j->err) != 0)
      j->out_err = true;
    else if (aia_trace_chrome_open(sim, io->trace_o.f, &tc, &j->trace_w) != AIA_OK)
      snprintf(j->err, sizeof j->err, "cannot start the trace %.180s", io->trace_path);
  }
  if (io && io->vcd_path[0]) {
    if (aia__cli_out_open(&io->vcd_o, io->vcd_path, j->err, sizeof j->err) != 0)
      j->out_err = true;
    else if (aia_trace_vcd_open(sim, io->vcd_o.f, &tc, &j->vcd_w) != AIA_OK)
      snprintf(j->err, sizeof j->err, "cannot start the VCD %.180s", io->vcd_path);
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

/* Room for the per-vCPU statistics of n vCPUs. */
static int job_alloc(job *j, uint32_t n)
{
  free(j->vsched);
  free(j->vsched_vm);
  free(j->vhalt);
  free(j->vexit);
  j->vsched = n ? calloc(n, sizeof *j->vsched) : NULL;
  j->vsched_vm = n ? calloc(n, sizeof *j->vsched_vm) : NULL;
  j->vhalt = n ? calloc(n, sizeof *j->vhalt) : NULL;
  j->vexit = n ? calloc(n, sizeof *j->vexit) : NULL;
  j->nvsched_cap = n;
  if (n && (j->vsched == NULL || j->vsched_vm == NULL || j->vhalt == NULL || j->vexit == NULL)) {
    j->nvsched_cap = 0;
    return -1;
  }
  return 0;
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
  /* For a short run the arrays come from the thread that loaded the point
   * (sweep_load), which is the one that frees them: freed on another
   * thread, into the allocator arena the runs of that thread use, they cost
   * the runs a third of their speed in lock contention. */
  if (n > j->nvsched_cap && job_alloc(j, n) != 0) {
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
  job_io *io = j->io;
  if (io == NULL)
    return;
  if (bad_t) {
    aia__cli_out_abort(&io->trace_o);
    snprintf(j->err, sizeof j->err, "cannot write %.200s: %s", io->trace_path,
             aia_strerror(rt));
    j->out_err = true;
  } else if (aia__cli_out_commit(&io->trace_o, e, sizeof e) != 0) {
    snprintf(j->err, sizeof j->err, "%s", e);
    j->out_err = true;
  }
  if (bad_v) {
    aia__cli_out_abort(&io->vcd_o);
    snprintf(j->err, sizeof j->err, "cannot write %.200s: %s", io->vcd_path,
             aia_strerror(rv));
    j->out_err = true;
  } else if (aia__cli_out_commit(&io->vcd_o, e, sizeof e) != 0) {
    snprintf(j->err, sizeof j->err, "%s", e);
    j->out_err = true;
  }
}

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
  opt.max_memory = j->lim->max_memory;
  opt.max_events = j->lim->max_events;
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
    aia__cli_die_input("--trace-window: value too long");
  memcpy(buf, s, n);
  buf[n] = '\0';
  double v = strtod(buf, &end);
  uint64_t mul_num = 1, mul_den = 1; /* cycles */
  if (strcmp(end, "ns") == 0) { mul_num = hz; mul_den = 1000000000u; }
  else if (strcmp(end, "us") == 0) { mul_num = hz; mul_den = 1000000u; }
  else if (strcmp(end, "ms") == 0) { mul_num = hz; mul_den = 1000u; }
  else if (strcmp(end, "s") == 0) { mul_num = hz; mul_den = 1u; }
  else if (*end != '\0' || end == buf)
    aia__cli_die_input("--trace-window: '%s' is not a duration (cycles, or ns/us/ms/s)", buf);
  if (v < 0)
    aia__cli_die_input("--trace-window: '%s' is negative", buf);
  return (aia_cycle)(v * (double)mul_num / (double)mul_den + 0.5);
}

/* ---------------------------------------------------------- expect ----- */

/* 1 if the expect block failed or an unexpected violation was found (the
 * checks themselves: aia__cli_expect_checks). */
static int check_expect(const aia_scenario *base, const job *jobs, size_t njobs)
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
                base->name, jobs[i].run, pol, c->measured, c->label, c->min);
      else if (c->max == UINT64_MAX)
        fprintf(stderr, "aiasim: %s: run %zu (%s): %" PRIu64 " %s, expected at least %" PRIu64 "\n",
                base->name, jobs[i].run, pol, c->measured, c->label, c->min);
      else
        fprintf(stderr, "aiasim: %s: run %zu (%s): %" PRIu64 " %s, expected %" PRIu64 "..%" PRIu64 "\n",
                base->name, jobs[i].run, pol, c->measured, c->label, c->min, c->max);
    }
  }
  return bad;
}



/* ---------------------------------------------------------- the sweep -- */

/* Points in flight per thread (loaded, running, or waiting to be written):
 * enough to keep every thread busy, few enough that their results are small. */
#define WINDOW_POINTS_PER_THREAD 32u
/* Up to this many vCPUs, the loader makes a job's room for the per-vCPU
 * statistics (about 1 KiB a vCPU). */
#define PREALLOC_VCPUS 64u

/* The point's scenario: the base itself, or (SET sweep) the base loaded
 * again with the point's value. 0, or an exit status after the message. */
static int point_scenario(const opts *o, const aia_scenario *base, uint32_t i, aia_scenario **out)
{
  *out = (aia_scenario *)base;
  if (base->sweep.kind != AIA_SWEEP_SET)
    return 0;
  aia_diag diags[16];
  size_t nfound = 0;
  int rc = aia_scenario_point(base, i, out, diags, 16, &nfound);
  if (rc == AIA_OK)
    return 0;
  *out = NULL;
  for (size_t k = 0; k < nfound && k < 16; k++)
    aia__cli_print_diag(&diags[k], o);
  if (nfound == 0)
    fprintf(stderr, "%s: error: sweep point %u: %s\n", base->name, i, aia_strerror(rc));
  return rc == AIA_ENOMEM ? AIA_CLI_EXIT_INTERNAL : AIA_CLI_EXIT_INPUT;
}

static void job_free(job *j)
{
  aia_run_result_free(&j->res);
  free(j->vsched);
  free(j->vsched_vm);
  free(j->vhalt);
  free(j->vexit);
  free(j->json);
  j->json = NULL;
  j->json_len = j->json_cap = 0;
  free(j->io);
  j->io = NULL;
  aia__cli_html_free(j);
}

/* Reports a failed run; the exit status it calls for. */
static int job_failed(const opts *o, const job *j)
{
  fprintf(stderr, "aiasim: %s: run %zu (%s): %s\n", o->file, j->run, aia_policy_name(j->policy),
          j->err);
  /* An output that could not be written, or a budget the run did not fit
   * in, is the user's to fix (2). */
  if (j->rc == AIA_ELIMIT) {
    fprintf(stderr, "aiasim: %s: the budget is --max-events %" PRIu64 " (0: no limit)\n", o->file,
            o->lim.max_events);
    return AIA_CLI_EXIT_INPUT;
  }
  return j->out_err ? AIA_CLI_EXIT_INPUT : AIA_CLI_EXIT_INTERNAL;
}

/* What write_point writes to, and the figures it keeps across points. */
typedef struct writer_ctx {
  const opts *o;
  const aia_scenario *base;
  uint32_t npol;
  out_file *json, *csv;
  size_t *runs_written;
  html_point *hp;
  size_t *nhp;
  int *expect_bad;
} writer_ctx;

/* Writes the runs of one point (all finished); 0 or an exit status (a run
 * failed: nothing of this point is written). */
static int write_point(writer_ctx *w, job *jobs, size_t n)
{
  int status = 0;
  for (size_t i = 0; i < n; i++)
    if (jobs[i].rc != AIA_OK) {
      int st = job_failed(w->o, &jobs[i]);
      if (status != AIA_CLI_EXIT_INTERNAL)
        status = st;
    }
  if (status != 0)
    return status;
  if (!w->o->quiet)
    aia__cli_text_report(stdout, w->base, jobs, n, w->npol);
  if (w->o->json)
    aia__cli_json_runs(w->json->f, w->base, jobs, n, *w->runs_written == 0);
  if (w->o->csv)
    aia__cli_write_csv(w->csv->f, w->base, jobs, n);
  for (size_t i = 0; w->hp && i < n; i++) {
    html_point *h = &w->hp[(*w->nhp)++];
    h->point = jobs[i].point;
    h->policy = jobs[i].policy;
    h->p99 = jobs[i].res.r.latency.p99;
  }
  *w->expect_bad |= check_expect(w->base, jobs, n);
  *w->runs_written += n;
  return 0;
}

/* A short run's room (its per-vCPU statistics' arrays and its JSON line's
 * buffer), kept when its point is retired and handed to a later point: a
 * sweep of short runs otherwise spends a good part of the loading thread's
 * time in malloc and free. At most a window's worth is kept. */
typedef struct room {
  aia_thread_stats *vsched;
  uint32_t *vsched_vm;
  aia_vcpu_halt_stats *vhalt;
  aia_vcpu_exit_stats *vexit;
  uint32_t cap;
  char *json;
  size_t json_cap;
} room;

/* The sweep's callbacks (cli/sweep.c) and what they need. */
typedef struct sweep_ctx {
  const opts *o;
  const aia_scenario *base;
  const aia_policy *pols;
  uint32_t npol, first, stride;
  const aia_cycle *trap;
  aia_cycle tr_from, tr_to;
  size_t njobs_total;
  progress *pr;
  job *keep;                /* the first point's runs, kept for the page */
  uint32_t *nkeep;
  aia_scenario **keep_scn;
  writer_ctx w;
  room *rooms;              /* kept for reuse (a stack), up to max_rooms */
  size_t nrooms, max_rooms;
} sweep_ctx;

/* A kept room of `nv` vCPUs or more into j (emptied), or -1. */
static int room_take(sweep_ctx *c, job *j, uint32_t nv)
{
  if (c->nrooms == 0 || c->rooms[c->nrooms - 1].cap < nv)
    return -1;
  room *r = &c->rooms[--c->nrooms];
  j->vsched = r->vsched;
  j->vsched_vm = r->vsched_vm;
  j->vhalt = r->vhalt;
  j->vexit = r->vexit;
  j->nvsched_cap = r->cap;
  if (r->cap) { /* as job_alloc leaves them */
    memset(j->vsched, 0, r->cap * sizeof *j->vsched);
    memset(j->vsched_vm, 0, r->cap * sizeof *j->vsched_vm);
    memset(j->vhalt, 0, r->cap * sizeof *j->vhalt);
    memset(j->vexit, 0, r->cap * sizeof *j->vexit);
  }
  j->json = r->json;
  j->json_cap = r->json_cap;
  j->json_len = 0;
  return 0;
}

/* Keeps j's room if it is a short run's and there is space; then frees
 * the rest of j (all of it otherwise). */
static void room_keep(sweep_ctx *c, job *j)
{
  if (j->nvsched_cap <= PREALLOC_VCPUS && (j->vsched || j->json) && c->nrooms < c->max_rooms) {
    c->rooms[c->nrooms++] = (room){ j->vsched, j->vsched_vm, j->vhalt, j->vexit,
                                    j->nvsched_cap, j->json, j->json_cap };
    j->vsched = NULL;
    j->vsched_vm = NULL;
    j->vhalt = NULL;
    j->vexit = NULL;
    j->nvsched_cap = 0;
    j->json = NULL;
  }
  job_free(j);
}

static void rooms_free(sweep_ctx *c)
{
  for (size_t k = 0; k < c->nrooms; k++) {
    free(c->rooms[k].vsched);
    free(c->rooms[k].vsched_vm);
    free(c->rooms[k].vhalt);
    free(c->rooms[k].vexit);
    free(c->rooms[k].json);
  }
  free(c->rooms);
  c->rooms = NULL;
  c->nrooms = 0;
}

static int sweep_load(void *ctx, uint64_t n, job *jobs, aia_scenario **scn)
{
  sweep_ctx *c = ctx;
  const opts *o = c->o;
  const aia_scenario *base = c->base;
  uint32_t i = c->first + (uint32_t)(n * c->stride);
  int status = point_scenario(o, base, i, scn);
  if (status != 0)
    return status;
  int64_t off = base->sweep.kind == AIA_SWEEP_OFFSET ? base->sweep.from + (int64_t)i * base->sweep.step
                                                    : 0;
  /* Short runs: the per-vCPU statistics' room is made here (run_end).
   * Long ones make their own: a window of jobs holding room for thousands
   * of vCPUs would cost hundreds of megabytes, for a gain lost in the time
   * of such runs. */
  uint32_t nv = 0;
  for (uint32_t vm = 0; vm < (*scn)->nvms; vm++)
    nv += (*scn)->vms[vm].vcpus;
  for (uint32_t k = 0; k < c->npol; k++) {
    job *j = &jobs[k];
    j->scn = *scn;
    j->policy = c->pols[k];
    j->lim = &o->lim;
    j->point = i;
    j->run = (size_t)i * c->npol + k;
    j->offset = off;
    j->tr_from = c->tr_from;
    j->tr_to = c->tr_to;
    if (base->sweep.kind == AIA_SWEEP_OFFSET) {
      int64_t at = (int64_t)c->trap[k] + off;
      j->probe = true;
      j->probe_at = at < 0 ? 0 : (aia_cycle)at;
    }
    if (o->trace || o->vcd) {
      if ((j->io = calloc(1, sizeof *j->io)) == NULL) {
        fputs("aiasim: error: out of memory\n", stderr);
        return AIA_CLI_EXIT_INTERNAL;
      }
      if (o->trace)
        run_path(j->io->trace_path, sizeof j->io->trace_path, o->trace, j, c->njobs_total > 1);
      if (o->vcd)
        run_path(j->io->vcd_path, sizeof j->io->vcd_path, o->vcd, j, c->njobs_total > 1);
    }
    /* A retired point's room, else a new one. */
    if (nv <= PREALLOC_VCPUS && room_take(c, j, nv) != 0 && job_alloc(j, nv) != 0) {
      fputs("aiasim: error: out of memory\n", stderr);
      return AIA_CLI_EXIT_INTERNAL;
    }
    /* Its JSON line's room too, for the same reason (none: the run's
     * thread makes it). */
    if (nv <= PREALLOC_VCPUS && o->json && o->jobs > 1 && j->json == NULL &&
        (j->json = malloc(AIA_CLI_JSON_ROOM(nv))))
      j->json_cap = AIA_CLI_JSON_ROOM(nv);
    if (o->html && n == 0 && aia__cli_html_prepare(j) != 0) {
      fputs("aiasim: error: out of memory\n", stderr);
      return AIA_CLI_EXIT_INTERNAL;
    }
  }
  return 0;
}

static void sweep_run(void *ctx, job *j, bool format)
{
  sweep_ctx *c = ctx;
  run_job(j, c->pr->mode != PROGRESS_OFF);
  /* With several threads its JSON line is formatted on this one. */
  if (format && c->o->json && c->o->jobs > 1 && j->rc == AIA_OK)
    aia__cli_json_format(c->base, j);
  aia__cli_progress_job_done(c->pr, j);
}

static int sweep_write(void *ctx, job *jobs, size_t n)
{
  sweep_ctx *c = ctx;
  return write_point(&c->w, jobs, n);
}

/* The page keeps the first point's runs (and their scenario), if they ran. */
static void sweep_retire(void *ctx, uint64_t n, job *jobs, uint32_t npol, aia_scenario *scn)
{
  sweep_ctx *c = ctx;
  bool keeping = c->o->html && n == 0 && scn != NULL;
  for (uint32_t k = 0; keeping && k < npol; k++)
    keeping = jobs[k].rc == AIA_OK;
  for (uint32_t k = 0; k < npol; k++) {
    if (keeping)
      c->keep[(*c->nkeep)++] = jobs[k];
    else
      room_keep(c, &jobs[k]);
  }
  if (scn == NULL || scn == c->base)
    return;
  if (keeping)
    *c->keep_scn = scn;
  else
    aia_scenario_destroy(scn);
}

int aia__cli_run(const opts *o, aia_scenario *base)
{
  aia_policy pols[3];
  uint32_t npol = o->npolicies;
  memcpy(pols, o->policies, sizeof pols);
  if (npol == 0) {
    npol = base->npolicies;
    memcpy(pols, base->policies, sizeof pols);
  }

  /* The points this command runs (a shard runs every shard_n-th). */
  uint32_t npoints = 1;
  if (base->sweep.kind != AIA_SWEEP_NONE) {
    aia_scenario_cost c;
    c.struct_size = sizeof c;
    (void)aia_scenario_cost_estimate(base, &c);
    if (c.points < 1 || c.points > UINT32_MAX)
      aia__cli_die_input("%s: the sweep has %" PRIu64 " points; at most %" PRIu32, o->file, c.points,
                         UINT32_MAX);
    npoints = (uint32_t)c.points;
  }
  uint32_t first = o->shard_n ? o->shard_k : 0, stride = o->shard_n ? o->shard_n : 1;
  uint64_t nmine = first < npoints ? (npoints - first + stride - 1) / stride : 0;
  size_t njobs_total = (size_t)nmine * npol;
  aia_cycle trap[3] = { 0, 0, 0 };
  if (base->sweep.kind == AIA_SWEEP_OFFSET)
    for (uint32_t k = 0; k < npol; k++) {
      char err[256];
      int rc = aia_scenario_wfi_trap(base, pols[k], base->sweep.vm, base->sweep.vcpu, &trap[k], err,
                                     sizeof err);
      if (rc != AIA_OK) {
        fprintf(stderr, "%s: error: offset sweep: %s\n", o->file, err);
        return AIA_CLI_EXIT_INPUT;
      }
    }
  aia_cycle tr_from = 0, tr_to = 0;
  if (o->window) {
    const char *colon = strchr(o->window, ':');
    if (colon == NULL)
      aia__cli_die_input("--trace-window %s: expected FROM:TO", o->window);
    tr_from = parse_window_part(o->window, (size_t)(colon - o->window), base->clock_hz);
    tr_to = parse_window_part(colon + 1, strlen(colon + 1), base->clock_hz);
    if (tr_to != 0 && tr_to <= tr_from)
      aia__cli_die_input("--trace-window %s: TO must be after FROM", o->window);
    if (tr_from >= base->duration + base->drain)
      aia__cli_die_input("--trace-window %s: FROM is at or after the end of the run (cycle %" PRIu64
                         ")",
                         o->window, base->duration + base->drain);
  }

  /* Every output is opened (the per-run traces probed) now, so a path that
   * cannot be written stops the command before any run. Files go to a
   * temporary name, renamed into place once complete. */
  out_file json_o = { 0 }, csv_o = { 0 }, html_o = { 0 };
  {
    char err[1200];
    int bad = 0;
    const char *special = NULL;
    if (njobs_total > 1 && o->trace && aia__cli_is_special(o->trace))
      special = o->trace;
    if (njobs_total > 1 && o->vcd && aia__cli_is_special(o->vcd))
      special = o->vcd;
    if (special)
      aia__cli_die_input("%s: %zu runs write one trace each (OUT-<policy>-<point>): give a file name",
                         special, njobs_total);
    if (o->json && aia__cli_out_open(&json_o, o->json, err, sizeof err) != 0)
      bad = 1;
    if (!bad && o->csv && aia__cli_out_open(&csv_o, o->csv, err, sizeof err) != 0)
      bad = 1;
    if (!bad && o->html && aia__cli_out_open(&html_o, o->html, err, sizeof err) != 0)
      bad = 1;
    if (!bad && njobs_total > 0 && (o->trace || o->vcd)) {
      /* Every trace goes to the same directory: the first one tells. */
      job probe;
      char path[1024];
      memset(&probe, 0, sizeof probe);
      probe.policy = pols[0];
      probe.point = first;
      if (o->trace) {
        run_path(path, sizeof path, o->trace, &probe, njobs_total > 1);
        bad = aia__cli_out_probe(path, err, sizeof err) != 0;
      }
      if (!bad && o->vcd) {
        run_path(path, sizeof path, o->vcd, &probe, njobs_total > 1);
        bad = aia__cli_out_probe(path, err, sizeof err) != 0;
      }
    }
    if (bad) {
      aia__cli_out_abort(&json_o);
      aia__cli_out_abort(&csv_o);
      aia__cli_out_abort(&html_o);
      aia__cli_die_input("%s", err);
    }
  }

  progress pr;
  progress_mode pm = PROGRESS_OFF;
  if (o->progress || (isatty(2) && !o->quiet))
    pm = isatty(2) ? PROGRESS_TERMINAL : PROGRESS_LOG;
  aia__cli_progress_start(&pr, njobs_total, (uint64_t)njobs_total * (base->duration + base->drain),
                          base->clock_hz, pm);
  if (!o->quiet)
    aia__cli_text_header(stdout, base);
  if (o->json)
    aia__cli_json_begin(json_o.f, base, o, (size_t)npoints * npol);
  if (o->csv)
    aia__cli_csv_header(csv_o.f);

  /* The sweep panel of the page: each run's p99, nothing else. */
  html_point *hp = NULL;
  size_t nhp = 0;
  if (o->html && nmine > 1) {
    hp = calloc(njobs_total, sizeof *hp);
    if (hp == NULL) {
      fputs("aiasim: error: out of memory\n", stderr);
      return AIA_CLI_EXIT_INTERNAL;
    }
  }
  job keep[3];              /* the first point's runs, for the page */
  aia_scenario *keep_scn = NULL;
  uint32_t nkeep = 0;
  int status = 0, expect_bad = 0;
  size_t runs_written = 0;
  sweep_ctx sc = { .o = o, .base = base, .pols = pols, .npol = npol, .first = first,
                   .stride = stride, .trap = trap, .tr_from = tr_from, .tr_to = tr_to,
                   .njobs_total = njobs_total, .pr = &pr, .keep = keep, .nkeep = &nkeep,
                   .keep_scn = &keep_scn,
                   .w = { .o = o, .base = base, .npol = npol, .json = &json_o, .csv = &csv_o,
                          .runs_written = &runs_written, .hp = hp, .nhp = &nhp,
                          .expect_bad = &expect_bad } };
  sweep_ops ops = { .ctx = &sc, .load = sweep_load, .run = sweep_run, .write = sweep_write,
                    .retire = sweep_retire };
  size_t window = (size_t)WINDOW_POINTS_PER_THREAD * (o->jobs ? o->jobs : 1);
  sc.max_rooms = window * npol;
  sc.rooms = malloc(sc.max_rooms * sizeof *sc.rooms);
  if (sc.rooms == NULL)
    sc.max_rooms = 0; /* none kept: every point makes its own */
  status = aia__cli_sweep(&ops, nmine, npol, o->jobs, window, &pr);
  rooms_free(&sc);
  aia__cli_progress_stop(&pr);
  if (status == 0) {
    char err[1200];
    if (!o->quiet && aia__cli_stdout_check(err, sizeof err) != 0) {
      fprintf(stderr, "aiasim: error: the text report: %s\n", err);
      status = AIA_CLI_EXIT_INPUT;
    }
    if (o->json) {
      aia__cli_json_end(json_o.f, runs_written > 0);
      if (aia__cli_out_commit(&json_o, err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: error: %s\n", err);
        status = AIA_CLI_EXIT_INPUT;
      }
    }
    if (o->csv && aia__cli_out_commit(&csv_o, err, sizeof err) != 0) {
      fprintf(stderr, "aiasim: error: %s\n", err);
      status = AIA_CLI_EXIT_INPUT;
    }
    if (o->html) {
      if (nkeep == npol)
        aia__cli_write_html(html_o.f, base, keep, npol, hp, nhp);
      if (nkeep != npol || aia__cli_out_commit(&html_o, err, sizeof err) != 0) {
        fprintf(stderr, "aiasim: error: %s\n", nkeep == npol ? err : "--html: no run to draw");
        status = AIA_CLI_EXIT_INPUT;
      }
    }
    if (status == 0)
      status = expect_bad ? AIA_CLI_EXIT_EXPECT : 0;
  }
  /* A failure: no report replaces an older one. */
  aia__cli_out_abort(&json_o);
  aia__cli_out_abort(&csv_o);
  aia__cli_out_abort(&html_o);
  for (uint32_t k = 0; k < nkeep; k++)
    job_free(&keep[k]);
  if (keep_scn)
    aia_scenario_destroy(keep_scn);
  free(hp);
  return status;
}
