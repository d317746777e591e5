/* cli/report.c: the reports of `aiasim run`: text (side by side per
 * policy), JSON (one line per run, so shards merge line by line) and CSV.
 * Field definitions: docs/measurements.md.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE 1 /* fopencookie */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---------------------------------------------------------- reports ---- */

static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_hist(FILE *f, const char *name, const aia_hist_summary *h)
{
  fprintf(f,
          "\"%s\": { \"count\": %" PRIu64 ", \"p50\": %" PRIu64 ", \"p90\": %" PRIu64
          ", \"p99\": %" PRIu64 ", \"p999\": %" PRIu64 ", \"max\": %" PRIu64 ", \"mean\": %.1f }",
          name, h->count, h->p50, h->p90, h->p99, h->p999, h->max, h->mean);
}

static void json_point(FILE *f, const aia_scenario *base, const job *j)
{
  if (base->sweep.kind == AIA_SWEEP_SET)
    json_str(f, base->sweep.values[j->point]);
  else if (base->sweep.kind == AIA_SWEEP_OFFSET)
    fprintf(f, "%" PRId64, j->offset);
  else
    fputs("null", f);
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

/* Decimal digits of v at the end of buf (of 20 or more); returns the first. */
static char *u64_digits(char *end, uint64_t v)
{
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

/* An array of numbers, built in one buffer and written at once: the halt
 * histograms are most of the numbers of a report with per-vCPU statistics,
 * and one fprintf per number was a tenth of a sweep's time. */
static void json_u64s(FILE *f, const char *name, const uint64_t *a, size_t n)
{
  char buf[1024];
  size_t len = 0;
  fprintf(f, ", \"%s\": [", name);
  for (size_t i = 0; i < n; i++) {
    char num[24], *d = u64_digits(num + sizeof num, a[i]);
    size_t nd = (size_t)(num + sizeof num - d);
    if (len + nd + 2 > sizeof buf) {
      fwrite(buf, 1, len, f);
      len = 0;
    }
    if (i) {
      buf[len++] = ',';
      buf[len++] = ' ';
    }
    memcpy(buf + len, d, nd);
    len += nd;
  }
  fwrite(buf, 1, len, f);
  fputc(']', f);
}

/* KVM's statistics, kernel names: the generic halt statistics (times in ns
 * and cycles) and RISC-V's exit counts. */
static void json_kvm(FILE *f, const aia_vcpu_halt_stats *h, const aia_vcpu_exit_stats *x,
                     uint64_t hz)
{
  fprintf(f,
          "{ \"exits\": %" PRIu64 ", \"wfi_exit_stat\": %" PRIu64 ", \"csr_exit_kernel\": %" PRIu64
          ", \"csr_exit_user\": %" PRIu64 ", \"signal_exits\": %" PRIu64
          ", \"mmio_exit_kernel\": %" PRIu64 ", ",
          x->exits, x->wfi_exit_stat, x->csr_exit_kernel, x->csr_exit_user, x->signal_exits,
          x->mmio_exit_kernel);
  fprintf(f,
          "\"halt_successful_poll\": %" PRIu64 ", \"halt_attempted_poll\": %" PRIu64
          ", \"halt_poll_invalid\": %" PRIu64 ", \"halt_wakeup\": %" PRIu64
          ", \"halt_poll_success_ns\": %" PRIu64 ", \"halt_poll_fail_ns\": %" PRIu64
          ", \"halt_wait_ns\": %" PRIu64 ", \"halt_poll_success_cycles\": %" PRIu64
          ", \"halt_poll_fail_cycles\": %" PRIu64 ", \"halt_wait_cycles\": %" PRIu64,
          h->halt_successful_poll, h->halt_attempted_poll, h->halt_poll_invalid, h->halt_wakeup,
          to_ns(h->halt_poll_success_cycles, hz), to_ns(h->halt_poll_fail_cycles, hz),
          to_ns(h->halt_wait_cycles, hz), h->halt_poll_success_cycles, h->halt_poll_fail_cycles,
          h->halt_wait_cycles);
  json_u64s(f, "halt_poll_success_hist", h->halt_poll_success_hist, AIA_HALT_HIST_BUCKETS);
  json_u64s(f, "halt_poll_fail_hist", h->halt_poll_fail_hist, AIA_HALT_HIST_BUCKETS);
  json_u64s(f, "halt_wait_hist", h->halt_wait_hist, AIA_HALT_HIST_BUCKETS);
  fputs(" }", f);
}

/* One aia_thread_stats as a JSON object (schedstat's names). */
static void json_sched(FILE *f, const aia_thread_stats *st)
{
  fprintf(f,
          "{ \"run_time\": %" PRIu64 ", \"run_delay\": %" PRIu64 ", \"nr_switches\": %" PRIu64
          ", \"nr_voluntary_switches\": %" PRIu64 ", \"nr_involuntary_switches\": %" PRIu64
          ", \"nr_migrations\": %" PRIu64 ", \"nr_wakeups\": %" PRIu64
          ", \"nr_wakeups_local\": %" PRIu64 ", \"nr_wakeups_remote\": %" PRIu64
          ", \"nr_wakeups_affine\": %" PRIu64 ", \"nr_wakeups_migrate\": %" PRIu64 " }",
          st->run_time, st->run_delay, st->nr_switches, st->nr_voluntary_switches,
          st->nr_involuntary_switches, st->nr_migrations, st->nr_wakeups, st->nr_wakeups_local,
          st->nr_wakeups_remote, st->nr_wakeups_affine, st->nr_wakeups_migrate);
}

/* One run as one line of JSON (so shards can be merged line by line). */
static void json_run(FILE *f, const aia_scenario *base, const job *j, size_t index)
{
  const aia_result *r = &j->res.r;
  fprintf(f, "    { \"run\": %zu, \"policy\": \"%s\", \"point\": ", index, aia_policy_name(j->policy));
  json_point(f, base, j);
  fprintf(f,
          ", \"msis\": %" PRIu64 ", \"claimed\": %" PRIu64 ", \"coalesced\": %" PRIu64
          ", \"lost_wakeups\": %" PRIu64 ", \"lost_interrupts\": %" PRIu64 ", ",
          r->msis, r->claimed, r->coalesced, r->lost_wakeups, r->lost_interrupts);
  json_hist(f, "latency_cycles", &r->latency);
  fputs(", ", f);
  json_hist(f, "wake_latency_cycles", &r->wake_latency);
  fprintf(f,
          ", \"ipis\": %" PRIu64 ", \"kick_ipis\": %" PRIu64 ", \"kick_wakeups\": %" PRIu64
          ", \"kick_exits\": %" PRIu64 ", \"vm_exits\": %" PRIu64
          ", \"guest_cycles_lost_to_kicks\": %" PRIu64 ", \"hgei_irqs\": %" PRIu64
          ", \"wakeups\": %" PRIu64 ", \"spurious_wakeups\": %" PRIu64
          ", \"duplicate_wakeups\": %" PRIu64 ", \"vsfile_migrations\": %" PRIu64
          ", \"swfile_fallbacks\": %" PRIu64 ", \"events\": %" PRIu64 ", \"steps\": %" PRIu64
          ", \"trace_hash\": \"%016" PRIx64 "\"",
          r->ipis, r->kick_ipis, r->kick_wakeups, r->kick_exits, r->vm_exits,
          r->guest_cycles_lost_to_kicks, r->hgei_irqs, r->wakeups, r->spurious_wakeups,
          r->duplicate_wakeups, r->vsfile_migrations, r->swfile_fallbacks, r->events,
          j->res.steps, r->trace_hash);
  fprintf(f,
          ", \"swfile\": { \"vcpus_on_swfile\": %" PRIu64 ", \"swfile_entries\": %" PRIu64
          ", \"swfile_guest_cycles\": %" PRIu64 ", \"vs_to_sw\": %" PRIu64
          ", \"sw_to_vs\": %" PRIu64 ", \"swfile_msis\": %" PRIu64 " }",
          j->files.vcpus_on_swfile, j->files.swfile_entries, j->files.swfile_guest_cycles,
          j->files.vs_to_sw, j->files.sw_to_vs, j->files.swfile_msis);
  {
    expect_check ck[3];
    size_t n = aia__cli_expect_checks(base, r, ck);
    fputs(", \"expect\": [", f);
    for (size_t k = 0; k < n; k++) {
      fprintf(f, "%s{ \"name\": \"%s\", \"held\": %s, \"measured\": %" PRIu64 ", \"min\": %" PRIu64
                 ", \"max\": ", k ? ", " : "", ck[k].name, ck[k].held ? "true" : "false",
              ck[k].measured, ck[k].min);
      if (ck[k].max == UINT64_MAX)
        fputs("null }", f);
      else
        fprintf(f, "%" PRIu64 " }", ck[k].max);
    }
    fputs("]", f);
  }
  {
    const aia_injector_stats *q = &j->inj;
    uint64_t dur = base->duration ? base->duration : 1;
    fprintf(f,
            ", \"injector\": { \"saturated\": %s, \"queued\": %" PRIu64 ", \"refused\": %" PRIu64
            ", \"injected\": %" PRIu64 ", \"waiting\": %" PRIu64 ", \"backlog_max\": %" PRIu64
            ", \"delay_max_cycles\": %" PRIu64 ", \"busy_cycles\": %" PRIu64
            ", \"utilization\": %.4f }",
            aia__cli_injector_saturated(j) ? "true" : "false", q->queued, q->refused, q->injected,
            q->waiting, q->backlog_max, q->delay_max, q->busy_cycles,
            (double)q->busy_cycles / (double)dur);
  }
  if (j->res.wired_devices) {
    const aia_wired_stats *w = &j->res.wired;
    const aia_vaplic_stats *a = &j->res.aplic;
    fprintf(f,
            ", \"wired\": { \"devices\": %u, \"requests\": %" PRIu64 ", \"served\": %" PRIu64
            ", \"unserviced\": %" PRIu64 ", \"outstanding\": %" PRIu64 ", \"acks\": %" PRIu64
            ", \"spurious_acks\": %" PRIu64 ", \"aplic_line_calls\": %" PRIu64
            ", \"aplic_msis\": %" PRIu64 ", \"aplic_msis_no_vcpu\": %" PRIu64
            ", \"mmio_exits\": %" PRIu64 ", ",
            j->res.wired_devices, r->wired_requests, r->wired_served, r->wired_unserviced,
            w->outstanding, w->acks, w->spurious, a->line_calls, a->msis, a->msis_no_vcpu,
            j->res.mmio_exits);
    json_hist(f, "latency_cycles", &r->wired_latency);
    fputs(" }", f);
  }
  fputs(", \"kvm\": ", f);
  json_kvm(f, &j->halt, &j->exits, base->clock_hz);
  fputs(", \"kvm_vcpus\": [", f);
  for (uint32_t k = 0, i = 0; k < j->nvsched; k++) {
    i = (k == 0 || j->vsched_vm[k] != j->vsched_vm[k - 1]) ? 0 : i + 1;
    fprintf(f, "%s{ \"vm\": %u, \"vcpu\": %u, \"kvm\": ", k ? ", " : "", j->vsched_vm[k], i);
    json_kvm(f, &j->vhalt[k], &j->vexit[k], base->clock_hz);
    fputs(" }", f);
  }
  fputs("]", f);
  fputs(", \"sched\": ", f);
  json_sched(f, &j->sched);
  fputs(", \"sched_vcpus\": [", f);
  for (uint32_t k = 0, i = 0; k < j->nvsched; k++) {
    i = (k == 0 || j->vsched_vm[k] != j->vsched_vm[k - 1]) ? 0 : i + 1;
    fprintf(f, "%s{ \"vm\": %u, \"vcpu\": %u, \"sched\": ", k ? ", " : "", j->vsched_vm[k], i);
    json_sched(f, &j->vsched[k]);
    fputs(" }", f);
  }
  fputs("]", f);
  if (r->nviolations) {
    fputs(", \"violations\": [", f);
    for (uint32_t k = 0; k < r->nviolations; k++) {
      const aia_violation *v = &r->violations[k];
      fprintf(f, "%s{ \"kind\": \"%s\", \"vm\": %u, \"vcpu\": %u, \"cycle\": %" PRIu64
                 ", \"msi\": %" PRIu64 ", \"iid\": %u, \"what\": ",
              k ? ", " : "", v->kind == AIA_VIOL_LOST_WAKEUP       ? "lost_wakeup"
              : v->kind == AIA_VIOL_LOST_INTERRUPT ? "lost_interrupt"
                                                   : "wired_unserviced",
              v->vm, v->vcpu, v->cycle, v->msi, v->iid);
      json_str(f, v->what);
      fputs(", \"recent\": [", f);
      for (uint32_t e = 0; e < v->nrecent; e++) {
        const aia_event *ev = &v->recent[e];
        fprintf(f,
                "%s{ \"cycle\": %" PRIu64 ", \"kind\": \"%s\", \"hart\": %d, \"vcpu\": %d"
                ", \"iid\": %u, \"msi\": %" PRIu64 ", \"arg\": %" PRIu64 " }",
                e ? ", " : "", ev->cycle, aia_event_kind_name(ev->kind),
                ev->hart == AIA_NONE ? -1 : (int)ev->hart, ev->vcpu == AIA_NONE ? -1 : (int)ev->vcpu,
                ev->iid, ev->msi, ev->arg);
      }
      fputs("] }", f);
    }
    fputs("]", f);
  }
  fputs(" }", f);
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
  fputs("{ \"aiasim\": 1, \"report_schema\": " AIA_CLI_REPORT_SCHEMA ", \"scenario\": ", f);
  json_str(f, base->name);
  fprintf(f,
          ", \"seed\": %" PRIu64 ", \"kernel\": \"%s\", \"clock_hz\": %" PRIu64
          ", \"duration\": %" PRIu64 ", \"drain\": %" PRIu64,
          base->seed, aia_era_name(base->kernel), base->clock_hz, base->duration, base->drain);
  /* What identifies the sweep, for merge: the file and the overrides, the
   * runs of the whole sweep, and which shard this is. */
  fprintf(f, ", \"sweep_hash\": \"%016" PRIx64 "\", \"overrides\": [", sweep_hash(base, o));
  for (size_t k = 0; k < o->nov; k++) {
    char buf[600];
    snprintf(buf, sizeof buf, "%s=%s", o->ov[k].path, o->ov[k].value);
    if (k)
      fputs(", ", f);
    json_str(f, buf);
  }
  fputs("], \"policies\": [", f);
  for (uint32_t k = 0; k < o->npolicies; k++)
    fprintf(f, "%s\"%s\"", k ? ", " : "", aia_policy_name(o->policies[k]));
  fprintf(f, "], \"total_runs\": %zu, ", total_runs);
  if (o->shard_n)
    fprintf(f, AIA_CLI_SHARD_FMT, o->shard_k, o->shard_n);
  else
    fputs(AIA_CLI_NO_SHARD, f);
  fputs(", \"runs\": [\n", f);
}

/* A run's JSON line goes into memory through a FILE of our own (a cookie
 * stream with a stdio buffer): stdio formats into it as fast as into a file,
 * where an open_memstream took three times as long. */
typedef struct membuf {
  char *p;
  size_t n, cap;
  bool failed;
} membuf;

static ssize_t membuf_write(void *cookie, const char *buf, size_t size)
{
  membuf *m = cookie;
  if (size > SIZE_MAX - m->n) {
    m->failed = true;
    return -1;
  }
  if (m->n + size > m->cap) {
    size_t cap = m->cap ? m->cap : 4096;
    while (cap < m->n + size)
      cap = cap > SIZE_MAX / 2 ? m->n + size : cap * 2;
    char *p = realloc(m->p, cap);
    if (p == NULL) {
      m->failed = true;
      return -1;
    }
    m->p = p;
    m->cap = cap;
  }
  memcpy(m->p + m->n, buf, size);
  m->n += size;
  return (ssize_t)size;
}

void aia__cli_json_format(const aia_scenario *base, job *j)
{
  membuf m = { NULL, 0, 0, false };
  cookie_io_functions_t io = { .read = NULL, .write = membuf_write, .seek = NULL, .close = NULL };
  char vbuf[16384];
  FILE *f;
  if (j->nvsched > AIA_CLI_JSON_PREFORMAT_VCPUS || (f = fopencookie(&m, "w", io)) == NULL)
    return;
  setvbuf(f, vbuf, _IOFBF, sizeof vbuf);
  json_run(f, base, j, j->run);
  bool bad = ferror(f) != 0;
  bad |= fclose(f) != 0; /* flushes into m */
  if (bad || m.failed) {
    free(m.p);
    return; /* the writer formats it then */
  }
  j->json = m.p;
  j->json_len = m.n;
}

/* One run a line, a comma at the end of each but the last of all: the
 * separator goes before every run but the first. */
void aia__cli_json_runs(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                        bool first)
{
  for (size_t i = 0; i < njobs; i++) {
    if (!first || i > 0)
      fputs(",\n", f);
    if (jobs[i].json)
      fwrite(jobs[i].json, 1, jobs[i].json_len, f); /* errors: ferror at commit */
    else
      json_run(f, base, &jobs[i], jobs[i].run);
  }
}

void aia__cli_json_end(FILE *f, bool any)
{
  fputs(any ? "\n  ] }\n" : "  ] }\n", f);
}

/* A halt histogram as one CSV cell: its 32 buckets joined by ';'. */
static void csv_hist(FILE *f, const uint64_t *hist)
{
  for (int b = 0; b < AIA_HALT_HIST_BUCKETS; b++)
    fprintf(f, "%c%" PRIu64, b ? ';' : ',', hist[b]);
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
  for (size_t i = 0; i < njobs; i++) {
    const job *j = &jobs[i];
    const aia_result *r = &j->res.r;
    fprintf(f, "%s,%" PRIu64 ",%s,%s,", base->name, base->seed, aia_era_name(base->kernel),
            aia_policy_name(j->policy));
    if (base->sweep.kind == AIA_SWEEP_SET)
      fprintf(f, "%s", base->sweep.values[j->point]);
    else if (base->sweep.kind == AIA_SWEEP_OFFSET)
      fprintf(f, "%" PRId64, j->offset);
    const aia_hist_summary *l = &r->latency, *w = &r->wake_latency;
    fprintf(f,
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.1f",
            r->msis, r->claimed, r->coalesced, r->lost_wakeups, r->lost_interrupts, l->count,
            l->p50, l->p90, l->p99, l->p999, l->max, l->mean, w->count, w->p50, w->p90, w->p99,
            w->p999, w->max, w->mean);
    fprintf(f,
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%016" PRIx64,
            r->ipis, r->kick_ipis, r->kick_wakeups, r->kick_exits, r->vm_exits,
            r->guest_cycles_lost_to_kicks, r->hgei_irqs, r->wakeups, r->spurious_wakeups,
            r->duplicate_wakeups, r->vsfile_migrations, r->swfile_fallbacks, r->events,
            j->res.steps, r->trace_hash);
    const aia_vcpu_halt_stats *h = &j->halt;
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
            h->halt_attempted_poll, h->halt_successful_poll, h->halt_poll_invalid, h->halt_wakeup,
            to_ns(h->halt_poll_success_cycles, base->clock_hz),
            to_ns(h->halt_poll_fail_cycles, base->clock_hz),
            to_ns(h->halt_wait_cycles, base->clock_hz));
    const aia_vcpu_file_stats *w2 = &j->files;
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
            w2->vcpus_on_swfile, w2->swfile_entries, w2->swfile_guest_cycles, w2->vs_to_sw,
            w2->sw_to_vs, w2->swfile_msis);
    const aia_thread_stats *t = &j->sched;
    fprintf(f,
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
            t->run_time, t->run_delay, t->nr_switches, t->nr_voluntary_switches,
            t->nr_involuntary_switches, t->nr_migrations, t->nr_wakeups, t->nr_wakeups_local,
            t->nr_wakeups_remote, t->nr_wakeups_affine, t->nr_wakeups_migrate);
    const aia_vcpu_exit_stats *x = &j->exits;
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, x->exits,
            x->wfi_exit_stat, x->csr_exit_kernel, x->csr_exit_user, x->signal_exits);
    csv_hist(f, h->halt_poll_success_hist);
    csv_hist(f, h->halt_poll_fail_hist);
    csv_hist(f, h->halt_wait_hist);
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
            x->mmio_exit_kernel, r->wired_requests, r->wired_served, r->wired_unserviced,
            r->wired_latency.p50, r->wired_latency.p99);
  }
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

