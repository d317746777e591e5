/* cli/report.c: the reports of `aiasim run`: text (side by side per
 * policy), JSON (one line per run, so shards merge line by line) and CSV.
 * Field definitions: docs/measurements.md.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jbuf.h"

/* ---------------------------------------------------------- reports ---- */

static void json_hist(jbuf *b, const char *name, const aia_hist_summary *h)
{
  jb_c(b, '"');
  jb_s(b, name);
  jb_kv(b, "\": { \"count\": ", h->count);
  jb_kv(b, ", \"p50\": ", h->p50);
  jb_kv(b, ", \"p90\": ", h->p90);
  jb_kv(b, ", \"p99\": ", h->p99);
  jb_kv(b, ", \"p999\": ", h->p999);
  jb_kv(b, ", \"max\": ", h->max);
  jb_s(b, ", \"mean\": ");
  jb_f(b, 1, h->mean);
  jb_s(b, " }");
}

static void json_point(jbuf *b, const aia_scenario *base, const job *j)
{
  if (base->sweep.kind == AIA_SWEEP_SET)
    jb_str(b, base->sweep.values[j->point]);
  else if (base->sweep.kind == AIA_SWEEP_OFFSET)
    jb_i64(b, j->offset);
  else
    jb_s(b, "null");
}

size_t aia__cli_expect_checks(const aia_scenario *base, const aia_result *r, expect_check out[3])
{
  const aia_scn_expect *e = &base->expect;
  size_t n = 0;
  out[n] = (expect_check){ "lost_wakeups", "lost wake-ups", r->lost_wakeups,
                           e->has_lost_wakeups ? e->lost_wakeups_min : 0,
                           e->has_lost_wakeups ? e->lost_wakeups_max : 0, false };
  n++;
  out[n] = (expect_check){ "lost_interrupts", "lost interrupts", r->lost_interrupts,
                           e->has_lost_interrupts ? e->lost_interrupts_min : 0,
                           e->has_lost_interrupts ? e->lost_interrupts_max : 0, false };
  n++;
  if (e->has_latency_p99_max) {
    out[n] = (expect_check){ "latency_p99_cycles", "latency p99 cycles", r->latency.p99, 0,
                             e->latency_p99_max, false };
    n++;
  }
  for (size_t k = 0; k < n; k++)
    out[k].held = out[k].measured >= out[k].min && out[k].measured <= out[k].max;
  return n;
}

static uint64_t to_ns(uint64_t cycles, uint64_t hz)
{
  double ns = hz ? (double)cycles * 1e9 / (double)hz : 0.0;
  return ns >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)ns;
}

/* An array of numbers: the halt histograms are most of the numbers of a
 * report with per-vCPU statistics. */
static void json_u64s(jbuf *b, const char *name, const uint64_t *a, size_t n)
{
  jb_s(b, ", \"");
  jb_s(b, name);
  jb_s(b, "\": [");
  for (size_t i = 0; i < n; i++) {
    if (i)
      jb_put(b, ", ", 2);
    jb_u64(b, a[i]);
  }
  jb_c(b, ']');
}

/* KVM's statistics, kernel names: the generic halt statistics (times in ns
 * and cycles) and RISC-V's exit counts. */
static void json_kvm(jbuf *b, const aia_vcpu_halt_stats *h, const aia_vcpu_exit_stats *x,
                     uint64_t hz)
{
  jb_kv(b, "{ \"exits\": ", x->exits);
  jb_kv(b, ", \"wfi_exit_stat\": ", x->wfi_exit_stat);
  jb_kv(b, ", \"csr_exit_kernel\": ", x->csr_exit_kernel);
  jb_kv(b, ", \"csr_exit_user\": ", x->csr_exit_user);
  jb_kv(b, ", \"signal_exits\": ", x->signal_exits);
  jb_kv(b, ", \"mmio_exit_kernel\": ", x->mmio_exit_kernel);
  jb_kv(b, ", \"halt_successful_poll\": ", h->halt_successful_poll);
  jb_kv(b, ", \"halt_attempted_poll\": ", h->halt_attempted_poll);
  jb_kv(b, ", \"halt_poll_invalid\": ", h->halt_poll_invalid);
  jb_kv(b, ", \"halt_wakeup\": ", h->halt_wakeup);
  jb_kv(b, ", \"halt_poll_success_ns\": ", to_ns(h->halt_poll_success_cycles, hz));
  jb_kv(b, ", \"halt_poll_fail_ns\": ", to_ns(h->halt_poll_fail_cycles, hz));
  jb_kv(b, ", \"halt_wait_ns\": ", to_ns(h->halt_wait_cycles, hz));
  jb_kv(b, ", \"halt_poll_success_cycles\": ", h->halt_poll_success_cycles);
  jb_kv(b, ", \"halt_poll_fail_cycles\": ", h->halt_poll_fail_cycles);
  jb_kv(b, ", \"halt_wait_cycles\": ", h->halt_wait_cycles);
  json_u64s(b, "halt_poll_success_hist", h->halt_poll_success_hist, AIA_HALT_HIST_BUCKETS);
  json_u64s(b, "halt_poll_fail_hist", h->halt_poll_fail_hist, AIA_HALT_HIST_BUCKETS);
  json_u64s(b, "halt_wait_hist", h->halt_wait_hist, AIA_HALT_HIST_BUCKETS);
  jb_s(b, " }");
}

/* One aia_thread_stats as a JSON object (schedstat's names). */
static void json_sched(jbuf *b, const aia_thread_stats *st)
{
  jb_kv(b, "{ \"run_time\": ", st->run_time);
  jb_kv(b, ", \"run_delay\": ", st->run_delay);
  jb_kv(b, ", \"nr_switches\": ", st->nr_switches);
  jb_kv(b, ", \"nr_voluntary_switches\": ", st->nr_voluntary_switches);
  jb_kv(b, ", \"nr_involuntary_switches\": ", st->nr_involuntary_switches);
  jb_kv(b, ", \"nr_migrations\": ", st->nr_migrations);
  jb_kv(b, ", \"nr_wakeups\": ", st->nr_wakeups);
  jb_kv(b, ", \"nr_wakeups_local\": ", st->nr_wakeups_local);
  jb_kv(b, ", \"nr_wakeups_remote\": ", st->nr_wakeups_remote);
  jb_kv(b, ", \"nr_wakeups_affine\": ", st->nr_wakeups_affine);
  jb_kv(b, ", \"nr_wakeups_migrate\": ", st->nr_wakeups_migrate);
  jb_s(b, " }");
}

/* The per-vCPU arrays' element header: `{ "vm": V, "vcpu": I, "NAME": `. */
static void json_vcpu_head(jbuf *b, const job *j, uint32_t k, uint32_t i, const char *name)
{
  jb_s(b, k ? ", { \"vm\": " : "{ \"vm\": ");
  jb_u64(b, j->vsched_vm[k]);
  jb_kv(b, ", \"vcpu\": ", i);
  jb_s(b, ", \"");
  jb_s(b, name);
  jb_s(b, "\": ");
}

static void json_violations(jbuf *b, const aia_result *r)
{
  jb_s(b, ", \"violations\": [");
  for (uint32_t k = 0; k < r->nviolations; k++) {
    const aia_violation *v = &r->violations[k];
    jb_s(b, k ? ", { \"kind\": \"" : "{ \"kind\": \"");
    jb_s(b, v->kind == AIA_VIOL_LOST_WAKEUP      ? "lost_wakeup"
            : v->kind == AIA_VIOL_LOST_INTERRUPT ? "lost_interrupt"
                                                 : "wired_unserviced");
    jb_kv(b, "\", \"vm\": ", v->vm);
    jb_kv(b, ", \"vcpu\": ", v->vcpu);
    jb_kv(b, ", \"cycle\": ", v->cycle);
    jb_kv(b, ", \"msi\": ", v->msi);
    jb_kv(b, ", \"iid\": ", v->iid);
    jb_s(b, ", \"what\": ");
    jb_str(b, v->what);
    jb_s(b, ", \"recent\": [");
    for (uint32_t e = 0; e < v->nrecent; e++) {
      const aia_event *ev = &v->recent[e];
      jb_kv(b, e ? ", { \"cycle\": " : "{ \"cycle\": ", ev->cycle);
      jb_s(b, ", \"kind\": \"");
      jb_s(b, aia_event_kind_name(ev->kind));
      jb_s(b, "\", \"hart\": ");
      jb_i64(b, ev->hart == AIA_NONE ? -1 : (int)ev->hart);
      jb_s(b, ", \"vcpu\": ");
      jb_i64(b, ev->vcpu == AIA_NONE ? -1 : (int)ev->vcpu);
      jb_kv(b, ", \"iid\": ", ev->iid);
      jb_kv(b, ", \"msi\": ", ev->msi);
      jb_kv(b, ", \"arg\": ", ev->arg);
      jb_s(b, " }");
    }
    jb_s(b, "] }");
  }
  jb_c(b, ']');
}

/* One run as one line of JSON (so shards can be merged line by line). */
static void json_run(jbuf *b, const aia_scenario *base, const job *j, size_t index)
{
  const aia_result *r = &j->res.r;
  jb_kv(b, "    { \"run\": ", index);
  jb_s(b, ", \"policy\": \"");
  jb_s(b, aia_policy_name(j->policy));
  jb_s(b, "\", \"point\": ");
  json_point(b, base, j);
  jb_kv(b, ", \"msis\": ", r->msis);
  jb_kv(b, ", \"claimed\": ", r->claimed);
  jb_kv(b, ", \"coalesced\": ", r->coalesced);
  jb_kv(b, ", \"lost_wakeups\": ", r->lost_wakeups);
  jb_kv(b, ", \"lost_interrupts\": ", r->lost_interrupts);
  jb_s(b, ", ");
  json_hist(b, "latency_cycles", &r->latency);
  jb_s(b, ", ");
  json_hist(b, "wake_latency_cycles", &r->wake_latency);
  jb_kv(b, ", \"ipis\": ", r->ipis);
  jb_kv(b, ", \"kick_ipis\": ", r->kick_ipis);
  jb_kv(b, ", \"kick_wakeups\": ", r->kick_wakeups);
  jb_kv(b, ", \"kick_exits\": ", r->kick_exits);
  jb_kv(b, ", \"vm_exits\": ", r->vm_exits);
  jb_kv(b, ", \"guest_cycles_lost_to_kicks\": ", r->guest_cycles_lost_to_kicks);
  jb_kv(b, ", \"hgei_irqs\": ", r->hgei_irqs);
  jb_kv(b, ", \"wakeups\": ", r->wakeups);
  jb_kv(b, ", \"spurious_wakeups\": ", r->spurious_wakeups);
  jb_kv(b, ", \"duplicate_wakeups\": ", r->duplicate_wakeups);
  jb_kv(b, ", \"vsfile_migrations\": ", r->vsfile_migrations);
  jb_kv(b, ", \"swfile_fallbacks\": ", r->swfile_fallbacks);
  jb_kv(b, ", \"events\": ", r->events);
  jb_kv(b, ", \"steps\": ", j->res.steps);
  jb_s(b, ", \"trace_hash\": \"");
  jb_hex16(b, r->trace_hash);
  jb_c(b, '"');
  jb_kv(b, ", \"swfile\": { \"vcpus_on_swfile\": ", j->files.vcpus_on_swfile);
  jb_kv(b, ", \"swfile_entries\": ", j->files.swfile_entries);
  jb_kv(b, ", \"swfile_guest_cycles\": ", j->files.swfile_guest_cycles);
  jb_kv(b, ", \"vs_to_sw\": ", j->files.vs_to_sw);
  jb_kv(b, ", \"sw_to_vs\": ", j->files.sw_to_vs);
  jb_kv(b, ", \"swfile_msis\": ", j->files.swfile_msis);
  jb_s(b, " }");
  {
    expect_check ck[3];
    size_t n = aia__cli_expect_checks(base, r, ck);
    jb_s(b, ", \"expect\": [");
    for (size_t k = 0; k < n; k++) {
      jb_s(b, k ? ", { \"name\": \"" : "{ \"name\": \"");
      jb_s(b, ck[k].name);
      jb_s(b, ck[k].held ? "\", \"held\": true" : "\", \"held\": false");
      jb_kv(b, ", \"measured\": ", ck[k].measured);
      jb_kv(b, ", \"min\": ", ck[k].min);
      jb_s(b, ", \"max\": ");
      if (ck[k].max == UINT64_MAX)
        jb_s(b, "null }");
      else {
        jb_u64(b, ck[k].max);
        jb_s(b, " }");
      }
    }
    jb_c(b, ']');
  }
  {
    const aia_injector_stats *q = &j->inj;
    uint64_t dur = base->duration ? base->duration : 1;
    jb_s(b, aia__cli_injector_saturated(j) ? ", \"injector\": { \"saturated\": true"
                                           : ", \"injector\": { \"saturated\": false");
    jb_kv(b, ", \"queued\": ", q->queued);
    jb_kv(b, ", \"refused\": ", q->refused);
    jb_kv(b, ", \"injected\": ", q->injected);
    jb_kv(b, ", \"waiting\": ", q->waiting);
    jb_kv(b, ", \"backlog_max\": ", q->backlog_max);
    jb_kv(b, ", \"delay_max_cycles\": ", q->delay_max);
    jb_kv(b, ", \"busy_cycles\": ", q->busy_cycles);
    jb_s(b, ", \"utilization\": ");
    jb_f(b, 4, (double)q->busy_cycles / (double)dur);
    jb_s(b, " }");
  }
  if (j->res.wired_devices) {
    const aia_wired_stats *w = &j->res.wired;
    const aia_vaplic_stats *a = &j->res.aplic;
    jb_kv(b, ", \"wired\": { \"devices\": ", j->res.wired_devices);
    jb_kv(b, ", \"requests\": ", r->wired_requests);
    jb_kv(b, ", \"served\": ", r->wired_served);
    jb_kv(b, ", \"unserviced\": ", r->wired_unserviced);
    jb_kv(b, ", \"outstanding\": ", w->outstanding);
    jb_kv(b, ", \"acks\": ", w->acks);
    jb_kv(b, ", \"spurious_acks\": ", w->spurious);
    jb_kv(b, ", \"aplic_line_calls\": ", a->line_calls);
    jb_kv(b, ", \"aplic_msis\": ", a->msis);
    jb_kv(b, ", \"aplic_msis_no_vcpu\": ", a->msis_no_vcpu);
    jb_kv(b, ", \"mmio_exits\": ", j->res.mmio_exits);
    jb_s(b, ", ");
    json_hist(b, "latency_cycles", &r->wired_latency);
    jb_s(b, " }");
  }
  jb_s(b, ", \"kvm\": ");
  json_kvm(b, &j->halt, &j->exits, base->clock_hz);
  jb_s(b, ", \"kvm_vcpus\": [");
  for (uint32_t k = 0, i = 0; k < j->nvsched; k++) {
    i = (k == 0 || j->vsched_vm[k] != j->vsched_vm[k - 1]) ? 0 : i + 1;
    json_vcpu_head(b, j, k, i, "kvm");
    json_kvm(b, &j->vhalt[k], &j->vexit[k], base->clock_hz);
    jb_s(b, " }");
  }
  jb_s(b, "], \"sched\": ");
  json_sched(b, &j->sched);
  jb_s(b, ", \"sched_vcpus\": [");
  for (uint32_t k = 0, i = 0; k < j->nvsched; k++) {
    i = (k == 0 || j->vsched_vm[k] != j->vsched_vm[k - 1]) ? 0 : i + 1;
    json_vcpu_head(b, j, k, i, "sched");
    json_sched(b, &j->vsched[k]);
    jb_s(b, " }");
  }
  jb_c(b, ']');
  if (r->nviolations)
    json_violations(b, r);
  jb_s(b, " }");
}

/* The report: a header line, one line per run, a footer line. `index` maps
 * job i to its run number in the whole (unsharded) sweep. */
/* FNV-1a over the scenario's text and the overrides, in order. */
static uint64_t sweep_hash(const aia_scenario *base, const opts *o)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; base->text && i < base->text_len; i++)
    h = (h ^ (unsigned char)base->text[i]) * UINT64_C(0x100000001b3);
  for (size_t k = 0; k < o->nov; k++) {
    const char *parts[2] = { o->ov[k].path, o->ov[k].value };
    for (int p = 0; p < 2; p++) {
      for (const char *c = parts[p]; *c; c++)
        h = (h ^ (unsigned char)*c) * UINT64_C(0x100000001b3);
      h = (h ^ (unsigned char)(p ? '\n' : '=')) * UINT64_C(0x100000001b3);
    }
  }
  return h;
}

void aia__cli_json_begin(FILE *f, const aia_scenario *base, const opts *o, size_t total_runs)
{
  jbuf b;
  char shard[96];
  jb_init(&b, f, JB_SINK_BYTES);
  jb_s(&b, "{ \"aiasim\": 1, \"report_schema\": " AIA_CLI_REPORT_SCHEMA ", \"scenario\": ");
  jb_str(&b, base->name);
  jb_kv(&b, ", \"seed\": ", base->seed);
  jb_s(&b, ", \"kernel\": \"");
  jb_s(&b, aia_era_name(base->kernel));
  jb_kv(&b, "\", \"clock_hz\": ", base->clock_hz);
  jb_kv(&b, ", \"duration\": ", base->duration);
  jb_kv(&b, ", \"drain\": ", base->drain);
  /* What identifies the sweep, for merge: the file and the overrides, the
   * runs of the whole sweep, and which shard this is. */
  jb_s(&b, ", \"sweep_hash\": \"");
  jb_hex16(&b, sweep_hash(base, o));
  jb_s(&b, "\", \"overrides\": [");
  for (size_t k = 0; k < o->nov; k++) {
    char buf[600];
    snprintf(buf, sizeof buf, "%s=%s", o->ov[k].path, o->ov[k].value);
    if (k)
      jb_s(&b, ", ");
    jb_str(&b, buf);
  }
  jb_s(&b, "], \"policies\": [");
  for (uint32_t k = 0; k < o->npolicies; k++) {
    jb_s(&b, k ? ", \"" : "\"");
    jb_s(&b, aia_policy_name(o->policies[k]));
    jb_c(&b, '"');
  }
  jb_kv(&b, "], \"total_runs\": ", total_runs);
  jb_s(&b, ", ");
  if (o->shard_n) {
    snprintf(shard, sizeof shard, AIA_CLI_SHARD_FMT, o->shard_k, o->shard_n);
    jb_s(&b, shard);
  } else {
    jb_s(&b, AIA_CLI_NO_SHARD);
  }
  jb_s(&b, ", \"runs\": [\n");
  jb_close(&b);
}

void aia__cli_json_format(const aia_scenario *base, job *j)
{
  jbuf b;
  if (j->nvsched > AIA_CLI_JSON_PREFORMAT_VCPUS)
    return;
  if (j->json) { /* the room the loader made */
    b = (jbuf){ .p = j->json, .cap = j->json_cap };
  } else {
    jb_init(&b, NULL, AIA_CLI_JSON_ROOM(j->nvsched));
    if (b.failed)
      return; /* the writer formats it then */
  }
  json_run(&b, base, j, j->run);
  j->json = b.p; /* where it is now, formatted or not */
  j->json_cap = b.cap;
  j->json_len = b.failed ? 0 : b.n;
}

/* One run a line, a comma at the end of each but the last of all: the
 * separator goes before every run but the first. */
void aia__cli_json_runs(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                        bool first)
{
  for (size_t i = 0; i < njobs; i++) {
    if (!first || i > 0)
      fputs(",\n", f);
    if (jobs[i].json_len) {
      fwrite(jobs[i].json, 1, jobs[i].json_len, f); /* errors: ferror at commit */
    } else {
      jbuf b;
      jb_init(&b, f, JB_SINK_BYTES);
      json_run(&b, base, &jobs[i], jobs[i].run);
      jb_close(&b);
    }
  }
}

void aia__cli_json_end(FILE *f, bool any)
{
  fputs(any ? "\n  ] }\n" : "  ] }\n", f);
}

/* A halt histogram as one CSV cell: its 32 buckets joined by ';'. */
static void csv_hist(jbuf *b, const uint64_t *hist)
{
  for (int k = 0; k < AIA_HALT_HIST_BUCKETS; k++) {
    jb_c(b, k ? ';' : ',');
    jb_u64(b, hist[k]);
  }
}

/* Numbers, each after a comma. */
static void csv_u64s(jbuf *b, const uint64_t *a, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    jb_c(b, ',');
    jb_u64(b, a[k]);
  }
}

void aia__cli_csv_header(FILE *f)
{
  fputs("scenario,seed,kernel,policy,point,msis,claimed,coalesced,lost_wakeups,lost_interrupts,"
        "lat_count,lat_p50,lat_p90,lat_p99,lat_p999,lat_max,lat_mean,"
        "wake_count,wake_p50,wake_p90,wake_p99,wake_p999,wake_max,wake_mean,"
        "ipis,kick_ipis,kick_wakeups,kick_exits,vm_exits,guest_cycles_lost_to_kicks,hgei_irqs,"
        "wakeups,spurious_wakeups,duplicate_wakeups,vsfile_migrations,swfile_fallbacks,events,"
        "steps,trace_hash,"
        "halt_attempted_poll,halt_successful_poll,halt_poll_invalid,halt_wakeup,"
        "halt_poll_success_ns,halt_poll_fail_ns,halt_wait_ns,"
        "vcpus_on_swfile,swfile_entries,swfile_guest_cycles,vs_to_sw,sw_to_vs,swfile_msis,"
        "run_time,run_delay,nr_switches,nr_voluntary_switches,nr_involuntary_switches,"
        "nr_migrations,nr_wakeups,nr_wakeups_local,nr_wakeups_remote,nr_wakeups_affine,"
        "nr_wakeups_migrate,exits,wfi_exit_stat,csr_exit_kernel,csr_exit_user,signal_exits,"
        "halt_poll_success_hist,halt_poll_fail_hist,halt_wait_hist,"
        "mmio_exit_kernel,wired_requests,wired_served,wired_unserviced,wired_latency_p50,"
        "wired_latency_p99\n", f);
}

void aia__cli_write_csv(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs)
{
  jbuf b;
  jb_init(&b, f, JB_SINK_BYTES);
  for (size_t i = 0; i < njobs; i++) {
    const job *j = &jobs[i];
    const aia_result *r = &j->res.r;
    jb_s(&b, base->name);
    jb_kv(&b, ",", base->seed);
    jb_c(&b, ',');
    jb_s(&b, aia_era_name(base->kernel));
    jb_c(&b, ',');
    jb_s(&b, aia_policy_name(j->policy));
    jb_c(&b, ',');
    if (base->sweep.kind == AIA_SWEEP_SET)
      jb_s(&b, base->sweep.values[j->point]);
    else if (base->sweep.kind == AIA_SWEEP_OFFSET)
      jb_i64(&b, j->offset);
    const aia_hist_summary *l = &r->latency, *w = &r->wake_latency;
    const uint64_t head[] = { r->msis, r->claimed, r->coalesced, r->lost_wakeups,
                              r->lost_interrupts, l->count, l->p50, l->p90, l->p99, l->p999,
                              l->max };
    csv_u64s(&b, head, sizeof head / sizeof head[0]);
    jb_c(&b, ',');
    jb_f(&b, 1, l->mean);
    const uint64_t wake[] = { w->count, w->p50, w->p90, w->p99, w->p999, w->max };
    csv_u64s(&b, wake, sizeof wake / sizeof wake[0]);
    jb_c(&b, ',');
    jb_f(&b, 1, w->mean);
    const uint64_t counts[] = { r->ipis, r->kick_ipis, r->kick_wakeups, r->kick_exits,
                                r->vm_exits, r->guest_cycles_lost_to_kicks, r->hgei_irqs,
                                r->wakeups, r->spurious_wakeups, r->duplicate_wakeups,
                                r->vsfile_migrations, r->swfile_fallbacks, r->events,
                                j->res.steps };
    csv_u64s(&b, counts, sizeof counts / sizeof counts[0]);
    jb_c(&b, ',');
    jb_hex16(&b, r->trace_hash);
    const aia_vcpu_halt_stats *h = &j->halt;
    const aia_vcpu_file_stats *w2 = &j->files;
    const aia_thread_stats *t = &j->sched;
    const aia_vcpu_exit_stats *x = &j->exits;
    const uint64_t rest[] = { h->halt_attempted_poll, h->halt_successful_poll,
                              h->halt_poll_invalid, h->halt_wakeup,
                              to_ns(h->halt_poll_success_cycles, base->clock_hz),
                              to_ns(h->halt_poll_fail_cycles, base->clock_hz),
                              to_ns(h->halt_wait_cycles, base->clock_hz),
                              w2->vcpus_on_swfile, w2->swfile_entries, w2->swfile_guest_cycles,
                              w2->vs_to_sw, w2->sw_to_vs, w2->swfile_msis,
                              t->run_time, t->run_delay, t->nr_switches, t->nr_voluntary_switches,
                              t->nr_involuntary_switches, t->nr_migrations, t->nr_wakeups,
                              t->nr_wakeups_local, t->nr_wakeups_remote, t->nr_wakeups_affine,
                              t->nr_wakeups_migrate,
                              x->exits, x->wfi_exit_stat, x->csr_exit_kernel, x->csr_exit_user,
                              x->signal_exits };
    csv_u64s(&b, rest, sizeof rest / sizeof rest[0]);
    csv_hist(&b, h->halt_poll_success_hist);
    csv_hist(&b, h->halt_poll_fail_hist);
    csv_hist(&b, h->halt_wait_hist);
    const uint64_t tail[] = { x->mmio_exit_kernel, r->wired_requests, r->wired_served,
                              r->wired_unserviced, r->wired_latency.p50, r->wired_latency.p99 };
    csv_u64s(&b, tail, sizeof tail / sizeof tail[0]);
    jb_c(&b, '\n');
  }
  jb_close(&b);
}

/* Cycles as microseconds with two decimals, from integers. */
static void us(char *buf, size_t len, uint64_t cycles, uint64_t hz)
{
  uint64_t ns100 = hz ? (cycles * 100000000u / hz) : 0; /* hundredths of a us */
  snprintf(buf, len, "%" PRIu64 ".%02" PRIu64, ns100 / 100, ns100 % 100);
}

bool aia__cli_injector_saturated(const job *j)
{
  return j->inj.waiting > 0 || j->inj.refused > 0;
}

void aia__cli_verdict(char *buf, size_t len, const job *row, uint32_t npol)
{
  /* Compare nokick with kick when both ran. */
  const job *kick = NULL, *nokick = NULL;
  uint64_t lost = 0;
  for (uint32_t k = 0; k < npol; k++) {
    if (row[k].policy == AIA_POLICY_KICK)
      kick = &row[k];
    if (row[k].policy == AIA_POLICY_NOKICK)
      nokick = &row[k];
    lost += row[k].res.r.lost_wakeups + row[k].res.r.lost_interrupts;
  }
  if (kick && nokick) {
    const aia_result *K = &kick->res.r, *N = &nokick->res.r;
    snprintf(buf, len,
             "nokick %s (%" PRIu64 " lost wake-ups, %" PRIu64 " lost interrupts); it saves %" PRIu64
             " kick IPIs and %" PRIu64 " guest cycles; p99 latency %" PRIu64 " vs %" PRIu64
             " cycles with the kick.",
             N->lost_wakeups + N->lost_interrupts ? "LOSES interrupts" : "delivers every interrupt",
             N->lost_wakeups, N->lost_interrupts, K->kick_ipis, K->guest_cycles_lost_to_kicks,
             N->latency.p99, K->latency.p99);
  } else {
    snprintf(buf, len, "%s",
             lost ? "the oracle found violations (see --json for details)"
                  : "no lost wake-up, no lost interrupt");
  }
}

void aia__cli_text_header(FILE *f, const aia_scenario *base)
{
  fprintf(f, "aiasim %s: scenario %s, seed %" PRIu64 ", kernel %s", aia_version_string(),
          base->name, base->seed, aia_era_name(base->kernel));
  for (uint32_t b = 1; b; b <<= 1)
    if ((base->faults & b) && aia_fault_name(b))
      fprintf(f, ", fault %s", aia_fault_name(b));
  fputs("\n", f);
}

void aia__cli_text_report(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                        uint32_t npol)
{
  char a[64];
  for (size_t i0 = 0; i0 < njobs; i0 += npol) {
    const job *row = &jobs[i0];
    if (base->sweep.kind == AIA_SWEEP_SET)
      fprintf(f, "\npoint %s = %s\n", base->sweep.path, base->sweep.values[row->point]);
    else if (base->sweep.kind == AIA_SWEEP_OFFSET)
      fprintf(f, "\npoint offset %+" PRId64 " cycles from the WFI trap\n", row->offset);
    else
      fputs("\n", f);
    fprintf(f, "%-34s", "");
    for (uint32_t k = 0; k < npol; k++)
      fprintf(f, "%16s", aia_policy_name(row[k].policy));
    fputs("\n", f);
#define ROW(label, expr)                                                                       \
  do {                                                                                         \
    fprintf(f, "%-34s", label);                                                                \
    for (uint32_t k = 0; k < npol; k++) {                                                      \
      const aia_result *r = &row[k].res.r;                                                     \
      (void)r;                                                                                 \
      fprintf(f, "%16" PRIu64, (uint64_t)(expr));                                               \
    }                                                                                          \
    fputs("\n", f);                                                                            \
  } while (0)
#define ROWUS(label, expr)                                                                     \
  do {                                                                                         \
    fprintf(f, "%-34s", label);                                                                \
    for (uint32_t k = 0; k < npol; k++) {                                                      \
      const aia_result *r = &row[k].res.r;                                                     \
      char c[96];                                                                              \
      (void)r;                                                                                 \
      us(a, sizeof a, (expr), base->clock_hz);                                                 \
      snprintf(c, sizeof c, "%" PRIu64 " / %s", (uint64_t)(expr), a);                          \
      fprintf(f, "%16s", c);                                                                   \
    }                                                                                          \
    fputs("\n", f);                                                                            \
  } while (0)
    ROW("MSIs (claimed, coalesced)", r->msis);
    ROW("  claimed", r->claimed);
    ROW("  coalesced", r->coalesced);
    ROWUS("latency p50 (cycles / us)", r->latency.p50);
    ROWUS("latency p99", r->latency.p99);
    ROWUS("latency p99.9", r->latency.p999);
    ROWUS("latency max", r->latency.max);
    ROWUS("wake latency p50 (blocked vCPU)", r->wake_latency.p50);
    ROWUS("wake latency p99", r->wake_latency.p99);
    ROW("IPIs (all)", r->ipis);
    ROW("kick IPIs", r->kick_ipis);
    ROW("VM exits (all)", r->vm_exits);
    ROW("  wfi_exit_stat (WFI traps)", row[k].exits.wfi_exit_stat);
    ROW("  csr_exit_kernel (SW-file)", row[k].exits.csr_exit_kernel);
    ROW("kick exits", r->kick_exits);
    ROW("guest cycles lost to kicks", r->guest_cycles_lost_to_kicks);
    ROW("wake-ups (all)", r->wakeups);
    ROW("  by kick", r->kick_wakeups);
    ROW("  duplicate", r->duplicate_wakeups);
    ROW("  spurious", r->spurious_wakeups);
    ROW("hgei interrupts", r->hgei_irqs);
    ROW("VS-file migrations", r->vsfile_migrations);
    ROW("halts that polled", row[k].halt.halt_attempted_poll);
    ROW("  ended without sleeping", row[k].halt.halt_successful_poll);
    ROW("  halt_wakeup", row[k].halt.halt_wakeup);
    ROW("SW-file fallbacks (VS -> SW)", r->swfile_fallbacks);
    ROW("vCPUs that ran on a SW-file", row[k].files.vcpus_on_swfile);
    ROW("  guest cycles on SW-files", row[k].files.swfile_guest_cycles);
    ROW("  MSIs written to SW-files", row[k].files.swfile_msis);
    ROW("  SW -> VS moves", row[k].files.sw_to_vs);
    ROW("vCPU run delay (cycles, total)", row[k].sched.run_delay);
    ROW("vCPU thread hart changes", row[k].sched.nr_migrations);
    if (row[0].res.wired_devices) {
      ROW("wired requests", r->wired_requests);
      ROW("  served by the guest's handler", r->wired_served);
      ROW("  sources left unserviced (lost)", r->wired_unserviced);
      ROW("handler acknowledges", row[k].res.wired.acks);
      ROW("  that found nothing (spurious)", row[k].res.wired.spurious);
      ROWUS("wired latency p50 (to the ack)", r->wired_latency.p50);
      ROWUS("wired latency p99", r->wired_latency.p99);
      ROW("APLIC MSIs (in-kernel APLIC)", row[k].res.aplic.msis);
      ROW("trapped APLIC stores (mmio exits)", row[k].res.mmio_exits);
    }
    ROW("lost wake-ups", r->lost_wakeups);
    ROW("lost interrupts", r->lost_interrupts);
#undef ROW
#undef ROWUS
    char verdict[512];
    aia__cli_verdict(verdict, sizeof verdict, row, npol);
    fprintf(f, "verdict: %s\n", verdict);
    for (uint32_t k = 0; k < npol; k++) {
      const aia_injector_stats *q = &row[k].inj;
      if (!aia__cli_injector_saturated(&row[k]))
        continue;
      us(a, sizeof a, q->delay_max, base->clock_hz);
      fprintf(f,
              "warning: %s: the injector hart is saturated (the workload sends MSIs faster than"
              " it injects them): %" PRIu64 " MSIs still waiting at the end, %" PRIu64
              " refused (backlog full), up to %" PRIu64 " waiting at once, up to %s us of wait;"
              " these are not lost interrupts.\n",
              aia_policy_name(row[k].policy), q->waiting, q->refused, q->backlog_max, a);
    }
  }
}

