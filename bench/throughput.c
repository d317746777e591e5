/* bench/throughput.c: how fast the full model runs (stats and oracle on,
 * traces off), and how much memory it needs.
 *
 *   bench_throughput [runs] [--quick] [--only WORKLOAD]
 *   bench_throughput --icount WORKLOAD full|stream|none
 *
 * --icount makes one run of one workload (running, idle64, big, scaleN; at
 * the --quick length) with the stream and the meter, the stream alone, or
 * neither, and prints its steps: for bench/icount/run.sh, which counts its
 * timed part's instructions and cache misses under callgrind.
 *
 * AIASIM_BENCH_SCHED=eevdf|cfs|rr picks the host scheduler (default eevdf).
 *
 * Workloads:
 *   running  4 harts, 8 busy vCPUs, 1,000,000 MSI/s in all
 *   idle64   64 harts, 256 idle vCPUs, 1,000 MSI/s per vCPU (256,000/s in all)
 *   big      1,024 harts, 4,096 idle vCPUs, 250 MSI/s per vCPU (1.02 M/s in
 *            all: 41 % of what one injector hart at 400 cycles carries)
 *   scale    events/s as harts double from 1 to 1,024 (4 idle vCPUs per hart,
 *            250 MSI/s per vCPU, some 500,000 steps timed after 2 ms
 *            simulated of warm-up; --only scaleN: size N alone, N a power
 *            of two up to 1,024)
 *   records  what the record stream costs on `running`: the workload with the
 *            stream and the meter, with the stream alone, and with neither
 *            (aia_sim_config.records = 0), fastest of `runs` each
 *   memory   heap bytes per vCPU and per hart at geilen 63, ids 2047
 * Each figure is the median of `runs` runs (default 5) with min and max
 * (the cost per step at 1,024 harts over 64: the two run in turn, best of
 * each).
 * One machine-readable line per figure: bench=throughput ... Every run
 * checks that the injector carried its load (nothing refused, busy less
 * than 90 % of the time): a saturated workload measures the queue in front
 * of the injector, not the model, so it is reported loudly and the exit
 * status is 1. Targets (printed with the figure, "met" or "NOT MET"):
 * running >= 12 M engine steps/s; the record stream <= 10 % of the time;
 * cost per step at 1,024 harts <= 1.25x the cost at 64; <= 8 KiB per hart
 * and <= 4 KiB per vCPU. */
#define _GNU_SOURCE 1 /* wait4, mallinfo2 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aiasim/aiasim.h"

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct wl {
  const char *name;
  uint32_t harts, vcpus, geilen, ids;
  aia_behaviour beh;
  aia_cycle period; /* per device, one device per VM of 8 vCPUs */
  aia_cycle sim;    /* simulated cycles */
  aia_cycle warm;   /* simulated before the clock starts (not counted) */
} wl;

typedef struct out {
  double wall, ev_s, msi_s, ratio;
  uint64_t steps, msis, injected;
  int saturated;
} out;

static int failed; /* a target not met or a saturated workload (this process only) */

static void die(const char *what, int rc)
{
  fprintf(stderr, "bench_throughput: %s: %s\n", what, aia_strerror(rc));
  exit(3);
}

/* Builds the system; VMs of 8 vCPUs, one Poisson device each. */
static aia_sim *build(const wl *w, int records, aia_meter **meter, aia_kvm **kvm_out)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  int rc;
  aia_sim_config_init(&sc);
  sc.records = records;
  if ((rc = aia_sim_create(&sc, &sim)))
    die("sim", rc);
  aia_platform_config_init(&pc);
  pc.harts = w->harts;
  pc.geilen = w->geilen;
  pc.ids = w->ids;
  pc.hart_stride = (uint64_t)(w->geilen + 1) * 0x1000u;
  if ((rc = aia_platform_create(sim, &pc, &plat)))
    die(aia_sim_errmsg(sim), rc);
  aia_host_config_init(&hc);
  if (getenv("AIASIM_BENCH_SCHED")) /* eevdf (default), cfs or rr */
    hc.scheduler = strcmp(getenv("AIASIM_BENCH_SCHED"), "rr") == 0    ? AIA_SCHED_RR
                   : strcmp(getenv("AIASIM_BENCH_SCHED"), "cfs") == 0 ? AIA_SCHED_CFS
                                                                     : AIA_SCHED_EEVDF;
  if ((rc = aia_host_create(sim, plat, &hc, &host)))
    die("host", rc);
  aia_kvm_config_init(&kc);
  if ((rc = aia_kvm_create(sim, plat, host, &kc, &kvm)))
    die("kvm", rc);
  for (uint32_t base = 0; base < w->vcpus; base += 8) {
    aia_vm_config vc;
    aia_vm *vm;
    aia_vm_config_init(&vc);
    vc.vcpus = w->vcpus - base < 8 ? w->vcpus - base : 8;
    if ((rc = aia_vm_create(kvm, &vc, &vm)))
      die(aia_sim_errmsg(sim), rc);
    for (uint32_t k = 0; k < vc.vcpus; k++) {
      aia_guest_config gc;
      aia_guest_config_init(&gc);
      gc.behaviour = w->beh;
      if ((rc = aia_guest_attach(sim, aia_vm_vcpu(vm, k), &gc)) ||
          (rc = aia_vcpu_guest_setup(aia_vm_vcpu(vm, k), 1, 0, 1, w->ids)))
        die("guest", rc);
    }
    if (w->period) {
      aia_device_config dc;
      aia_device *d;
      aia_device_config_init(&dc);
      dc.vm = vm;
      dc.period = w->period;
      if ((rc = aia_device_create(kvm, &dc, &d)))
        die("device", rc);
    }
  }
  aia_meter_config mc;
  aia_meter_config_init(&mc);
  if (meter && (rc = aia_meter_create(kvm, &mc, meter)))
    die("meter", rc);
  for (uint32_t i = 0; i < aia_kvm_vm_count(kvm); i++)
    for (uint32_t k = 0; k < aia_vm_vcpus(aia_kvm_vm(kvm, i)); k++)
      aia_vcpu_start(aia_vm_vcpu(aia_kvm_vm(kvm, i), k), 0);
  if (kvm_out)
    *kvm_out = kvm;
  return sim;
}

/* The timed part of a run, out of line (and not a tail call) so that
 * callgrind can count it alone: bench/icount/run.sh collects only inside
 * this function (--toggle-collect=timed_part). */
static __attribute__((noinline)) int timed_part(aia_sim *sim, aia_cycle until)
{
  int rc = aia_sim_run_until(sim, until);
  __asm__ volatile("" ::: "memory");
  return rc;
}

/* One run. records 2: the stream and the meter (the normal case); 1: the
 * stream without the meter; 0: no stream, no meter. Without the meter, msis
 * counts the injector's routines (the meter's MSI count when nothing is
 * refused). */
static out run_once(const wl *w, int records)
{
  aia_meter *meter = NULL;
  aia_kvm *kvm;
  aia_result r;
  aia_injector_stats is = { .struct_size = sizeof is };
  out o;
  aia_sim *sim = build(w, records != 0, records == 2 ? &meter : NULL, &kvm);
  int rc = w->warm ? aia_sim_run_until(sim, w->warm) : AIA_OK;
  uint64_t steps0 = aia_sim_steps(sim), msis0 = 0, injected0 = 0;
  if (w->warm) {
    if (aia_kvm_injector_stats(kvm, &is) != AIA_OK)
      die("injector stats", AIA_EINVAL);
    injected0 = is.injected;
    if (meter) {
      aia_meter_result(meter, &r);
      msis0 = r.msis;
    } else {
      msis0 = injected0;
    }
  }
  double t0 = now_s();
  if (rc == AIA_OK)
    rc = timed_part(sim, w->warm + w->sim);
  o.wall = now_s() - t0;
  if (rc)
    die(aia_sim_errmsg(sim), rc);
  if (aia_kvm_injector_stats(kvm, &is) != AIA_OK)
    die("injector stats", AIA_EINVAL);
  if (meter)
    aia_meter_result(meter, &r);
  else
    r.msis = is.injected;
  o.saturated = is.refused > 0 || (double)is.busy_cycles > 0.9 * (double)(w->warm + w->sim);
  o.injected = is.injected - injected0;
  o.steps = aia_sim_steps(sim) - steps0;
  o.msis = r.msis - msis0;
  o.ev_s = (double)o.steps / o.wall;
  o.msi_s = (double)o.msis / o.wall;
  o.ratio = ((double)w->sim / 1e9) / o.wall; /* simulated seconds per wall second */
  aia_sim_destroy(sim);
  return o;
}

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void stat3(double *v, int n, double *med, double *lo, double *hi)
{
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  *lo = v[0];
  *hi = v[n - 1];
  *med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* `runs` (at most 64) runs of the whole model in one child process, so
 * that they start from a fresh heap (a process that has just freed a
 * 1,024-hart system runs a small one a third slower) and have their own
 * peak RSS (into *maxrss_kib, may be NULL). Returns the runs that reported. */
static int runs_in_child(const wl *w, int runs, out *res, long *maxrss_kib)
{
  int fds[2], n = 0;
  if (pipe(fds) != 0)
    exit(3);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    for (int i = 0; i < runs; i++) {
      out o = run_once(w, 2);
      if (write(fds[1], &o, sizeof o) != (ssize_t)sizeof o)
        _exit(3);
    }
    _exit(0);
  }
  close(fds[1]);
  while (pid > 0 && n < runs && n < 64 && read(fds[0], &res[n], sizeof *res) == (ssize_t)sizeof *res)
    n++;
  close(fds[0]);
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  if (pid > 0)
    wait4(pid, NULL, 0, &ru);
  if (maxrss_kib)
    *maxrss_kib = ru.ru_maxrss;
  return n;
}

/* Runs a workload `runs` times in a child process and prints the medians. */
static double measure(const wl *w, int runs)
{
  double ev[64], msi[64], ratio[64], wall[64];
  uint64_t steps = 0, msis = 0;
  int saturated = 0;
  out res[64];
  long maxrss;
  int n = runs_in_child(w, runs, res, &maxrss);
  for (int i = 0; i < n; i++) {
    ev[i] = res[i].ev_s;
    msi[i] = res[i].msi_s;
    ratio[i] = res[i].ratio;
    wall[i] = res[i].wall;
    steps = res[i].steps;
    msis = res[i].msis;
    saturated |= res[i].saturated;
  }
  if (n == 0) {
    fprintf(stderr, "bench_throughput: %s: no result\n", w->name);
    failed = 1;
    return 0;
  }
  double m, lo, hi, mm, mlo, mhi, r, rlo, rhi, wm, wlo, whi;
  stat3(ev, n, &m, &lo, &hi);
  stat3(msi, n, &mm, &mlo, &mhi);
  stat3(ratio, n, &r, &rlo, &rhi);
  stat3(wall, n, &wm, &wlo, &whi);
  printf("bench=throughput workload=%s harts=%u vcpus=%u sim_ms=%.1f runs=%d steps=%" PRIu64
         " msis=%" PRIu64 " events_per_s=%.2fM (min %.2fM max %.2fM) msis_per_s=%.2fM (min %.2fM max "
         "%.2fM) sim_per_wall=%.3f (min %.3f max %.3f) wall_s=%.3f peak_rss_kib=%ld\n",
         w->name, w->harts, w->vcpus, (double)w->sim / 1e6, n, steps, msis, m / 1e6, lo / 1e6,
         hi / 1e6, mm / 1e6, mlo / 1e6, mhi / 1e6, r, rlo, rhi, wm, maxrss);
  if (saturated) {
    printf("bench=throughput workload=%s SATURATED: the injector refused MSIs or was busy "
           "more than 90 %% of the time; this figure measures its queue, not the model\n",
           w->name);
    fprintf(stderr, "bench_throughput: workload %s saturates the injector\n", w->name);
    failed = 1;
  }
  fflush(stdout);
  return m;
}

/* Prints a target line; ratio rounded down to the three decimals shown. */
static void target(const char *what, double value, double limit, int at_most)
{
  double v = (double)(uint64_t)(value * 1000.0) / 1000.0;
  int met = at_most ? v <= limit : v >= limit;
  printf("bench=throughput target %s=%.3f %s %.3f %s\n", what, v, at_most ? "<=" : ">=", limit,
         met ? "met" : "NOT MET");
  if (!met)
    failed = 1;
}

/* Heap bytes of a system (after 1 ms), from mallinfo2 before and after:
 * the arena's bytes in use and the blocks malloc placed with mmap (which
 * blocks go where moves with malloc's dynamic threshold, so both count). */
static size_t heap_of(uint32_t harts, uint32_t vcpus)
{
  wl w = { "mem", harts, vcpus, 63, 2047, AIA_BEHAVIOUR_IDLE, 0, 0, 0 };
  struct mallinfo2 a = mallinfo2();
  aia_meter *meter;
  aia_sim *sim = build(&w, 1, &meter, NULL);
  aia_sim_run_until(sim, 1000000); /* every vCPU has entered and got its VS-file */
  struct mallinfo2 b = mallinfo2();
  aia_sim_destroy(sim);
  return (b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd);
}

/* What the record stream costs: the workload with it (hash, hooks, the
 * meter), with the stream but no meter, and with neither
 * (aia_sim_config.records = 0), runs interleaved; a share is 1 - time
 * without / time with, of the fastest runs (noise on a shared machine only
 * ever adds time). All three must inject the same MSIs (the model does not
 * read its records), or the comparison is void and the bench fails. */
static void measure_records(const wl *w, int runs)
{
  double t[3][64];
  int n = 0, same = 1;
  for (; n < runs && n < 64; n++) {
    out a = run_once(w, 2), b = run_once(w, 1), c = run_once(w, 0);
    t[2][n] = a.wall;
    t[1][n] = b.wall;
    t[0][n] = c.wall;
    same &= a.injected == b.injected && a.injected == c.injected && !a.saturated;
  }
  double med[3], lo[3], hi[3];
  for (int k = 0; k < 3; k++)
    stat3(t[k], n, &med[k], &lo[k], &hi[k]);
  printf("bench=throughput records workload=%s runs=%d wall_s_full=%.4f (min %.4f) "
         "wall_s_stream_no_meter=%.4f (min %.4f) wall_s_no_records=%.4f (min %.4f) "
         "stream_share=%.3f meter_share=%.3f\n",
         w->name, n, med[2], lo[2], med[1], lo[1], med[0], lo[0], (lo[1] - lo[0]) / lo[2],
         (lo[2] - lo[1]) / lo[2]);
  if (!same) {
    printf("bench=throughput records workload=%s: the runs with and without records injected "
           "different MSIs; no figure\n", w->name);
    failed = 1;
    return;
  }
  target("recording_share", 1.0 - lo[0] / lo[2], 0.10, 1);
}

/* The cost per step at 1,024 harts over the cost at 64: the two workloads
 * run in turn, `runs` times each, and each one's fastest run counts. The
 * machine's load comes and goes over seconds, so a sweep that runs one
 * size after the other can catch the two in different weather; alternating
 * them, and keeping each one's best, compares the model with itself. */
static void measure_cost_ratio(const wl *a, const wl *b, int runs)
{
  double best_a = 0, best_b = 0;
  int ok = 1;
  for (int i = 0; i < runs; i++) {
    out x, y;
    if (runs_in_child(a, 1, &x, NULL) != 1 || runs_in_child(b, 1, &y, NULL) != 1)
      x.saturated = 1, y.saturated = 1, x.ev_s = y.ev_s = 0;
    best_a = x.ev_s > best_a ? x.ev_s : best_a;
    best_b = y.ev_s > best_b ? y.ev_s : best_b;
    ok &= !x.saturated && !y.saturated;
  }
  printf("bench=throughput cost_per_step runs=%d best_steps_per_s_%s=%.2fM best_steps_per_s_%s=%.2fM\n",
         runs, a->name, best_a / 1e6, b->name, best_b / 1e6);
  if (!ok) {
    printf("bench=throughput cost_per_step: a run saturated its injector; no figure\n");
    failed = 1;
    return;
  }
  target("cost_per_step_1024_over_64", best_a / best_b, 1.25, 1);
}

/* --icount: one run of one workload, with the records as asked, for
 * callgrind to count (bench/icount/run.sh); prints its steps. */
static int icount_run(const wl *w, const char *records)
{
  int rec = strcmp(records, "full") == 0 ? 2 : strcmp(records, "stream") == 0 ? 1
            : strcmp(records, "none") == 0 ? 0 : -1;
  if (rec < 0) {
    fprintf(stderr, "bench_throughput: --icount: records is full, stream or none, not %s\n",
            records);
    return 2;
  }
  out o = run_once(w, rec);
  printf("bench=icount-run workload=%s records=%s steps=%" PRIu64 " msis=%" PRIu64
         " saturated=%d\n", w->name, records, o.steps, o.msis, o.saturated);
  return o.saturated ? 1 : 0;
}

int main(int argc, char **argv)
{
  int runs = 5, quick = 0;
  const char *only = NULL, *icount = NULL, *icount_rec = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      quick = 1;
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (strcmp(argv[i], "--icount") == 0) {
      if (i + 2 >= argc) {
        fprintf(stderr, "bench_throughput: --icount WORKLOAD full|stream|none\n");
        return 2;
      }
      icount = argv[++i];
      icount_rec = argv[++i];
      quick = 1; /* a count per step needs no long run */
    } else {
      runs = atoi(argv[i]);
    }
  }
  if (runs < 1 || runs > 64)
    runs = 5;
  aia_cycle scale = quick ? 10 : 1;
  /* Devices serve 8 vCPUs each: period = 1e9 / (8 * per-vCPU rate). */
  wl running = { "running", 4, 8, 7, 255, AIA_BEHAVIOUR_BUSY, 1000, 200000000 / scale, 0 };
  wl idle64 = { "idle64", 64, 256, 7, 255, AIA_BEHAVIOUR_IDLE, 125000, 200000000 / scale, 0 };
  wl big = { "big", 1024, 4096, 7, 255, AIA_BEHAVIOUR_IDLE, 500000, 20000000 / scale, 0 };
  if (icount && strncmp(icount, "scale", 5) != 0) {
    const wl *w = strcmp(icount, "running") == 0 ? &running : strcmp(icount, "idle64") == 0 ? &idle64
                  : strcmp(icount, "big") == 0   ? &big : NULL;
    if (w == NULL) {
      fprintf(stderr, "bench_throughput: --icount: no workload %s\n", icount);
      return 2;
    }
    return icount_run(w, icount_rec);
  }
  if (icount == NULL)
    printf("# full model, stats and oracle on, traces off; median of %d runs\n", runs);
#define WANT(n) (icount == NULL && (only == NULL || strcmp(only, (n)) == 0))
  if (WANT("running"))
    target("running_msteps_per_s", measure(&running, runs) / 1e6, 12.0, 0);
  if (WANT("running") || WANT("records"))
    measure_records(&running, runs);
  if (WANT("idle64"))
    measure(&idle64, runs);
  if (WANT("big"))
    measure(&big, runs);
  if (only != NULL && strncmp(only, "scale", 5) != 0 && strcmp(only, "memory") != 0)
    return failed;
  wl s64 = { 0 }, s1024 = { 0 };
  for (uint32_t h = 1; h <= 1024; h *= 2) {
    char name[32];
    snprintf(name, sizeof name, "scale%u", h);
    /* about the same number of events at every size (some 500,000 steps);
     * the first 2 ms simulated (every vCPU starting and going idle, the
     * first touch of the system's memory) run before the clock starts, so
     * the figure is the steady state's cost per step */
    aia_cycle t = (aia_cycle)16000000000 / h / scale;
    wl s = { name, h, 4 * h, 7, 255, AIA_BEHAVIOUR_IDLE, 500000, t < 4000000 ? 4000000 : t,
             2000000 };
    s.name = name;
    if (icount && strcmp(icount, name) == 0)
      return icount_run(&s, icount_rec);
    if (icount)
      continue;
    if (WANT("scale") || WANT(name))
      (void)measure(&s, runs < 3 ? runs : 3);
    if (h == 64)
      s64 = s, s64.name = "scale64";
    if (h == 1024)
      s1024 = s, s1024.name = "scale1024";
  }
  if (icount) {
    fprintf(stderr, "bench_throughput: --icount: no workload %s\n", icount);
    return 2;
  }
  if (WANT("scale"))
    measure_cost_ratio(&s64, &s1024, runs);
  if (only != NULL && strcmp(only, "memory") != 0)
    return failed;
  /* Memory: the difference between 2x and 1x the system isolates the cost
   * per hart and per vCPU (geilen 63, ids 2047). */
  size_t h1 = heap_of(64, 0 + 64), h2 = heap_of(128, 64), v2 = heap_of(64, 128);
  double per_hart = (double)(h2 - h1) / 64.0, per_vcpu = (double)(v2 - h1) / 64.0;
  printf("bench=throughput memory geilen=63 ids=2047 bytes_per_hart=%.0f bytes_per_vcpu=%.0f\n",
         per_hart, per_vcpu);
  target("kib_per_hart", per_hart / 1024.0, 8.0, 1);
  target("kib_per_vcpu", per_vcpu / 1024.0, 4.0, 1);
  return failed;
}
