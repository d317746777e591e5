/* bench/kvm_halt/kvm_halt.c: KVM's halt polling on this machine's kernel
 * and in the model, side by side, in one run.
 *
 *   bench_kvm_halt [--count N] [--periods US,US,...]
 *
 * Real side: a VM on /dev/kvm (x86, the in-kernel irqchip) with one vCPU
 * whose guest, in real mode, unmasks IRQ 0 at the PIC and halts in a loop;
 * its handler counts the interrupt in guest memory and sends the EOI. The
 * vCPU thread runs on CPU 1; the main thread, on CPU 0, raises and lowers
 * IRQ 0 (KVM_IRQ_LINE) every P us, N times, and reads the vCPU's binary
 * statistics (KVM_GET_STATS_FD) before the first and after the last.
 *
 * Model side: the same shape as a scenario: one idle vCPU on hart 1, an
 * MSI every P us from the injector on hart 0, the kernel's halt-polling
 * parameters as this machine's kvm module has them
 * (/sys/module/kvm/parameters/halt_poll_ns, halt_poll_ns_grow_start).
 *
 * Halt polling is generic code (virt/kvm/kvm_main.c: kvm_vcpu_halt,
 * update_halt_poll_stats, the grow and shrink rules), the same on x86 and
 * RISC-V; the generic statistics compare directly. What the interrupt
 * costs on the way in is the architecture's, and on this machine runs
 * nested, so times differ where the paths differ: the rows say how much.
 * This is a benchmark: it prints, it does not judge, and it exits 0 when
 * it could run (77 when /dev/kvm cannot host the VM).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "aiasim/aiasim.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"

#define NB AIA_HALT_HIST_BUCKETS
#define WARMUP 20u /* interrupts before the statistics are first read */

/* The generic halt statistics, from either side. */
typedef struct halt {
  uint64_t attempted, successful, invalid, wakeup;
  uint64_t success_ns, fail_ns, wait_ns;
  uint64_t success_hist[NB], fail_hist[NB], wait_hist[NB];
  uint64_t irqs; /* interrupts the guest handled (real) or claimed (model) */
} halt;

static void halt_sub(halt *a, const halt *b)
{
  uint64_t *x = &a->attempted;
  const uint64_t *y = &b->attempted;
  for (size_t i = 0; i < sizeof *a / sizeof(uint64_t); i++)
    x[i] -= y[i];
}

/* ------------------------------------------------------------- real KVM -- */

/* Real-mode guest at 0x1000: PIC set up with vectors 0x20.., IRQ 0
 * unmasked, the IVT entry of vector 0x20 pointing at the handler, then
 * `sti; hlt; jmp hlt`. The handler at 0x1040: inc word [0x500], EOI, iret. */
static const uint8_t guest_code[] = {
  0xfa,                               /* cli */
  0xb0, 0x11, 0xe6, 0x20,             /* ICW1: edge, cascade, ICW4 */
  0xb0, 0x20, 0xe6, 0x21,             /* ICW2: vector base 0x20 */
  0xb0, 0x04, 0xe6, 0x21,             /* ICW3 */
  0xb0, 0x01, 0xe6, 0x21,             /* ICW4: 8086 mode */
  0xb0, 0xfe, 0xe6, 0x21,             /* OCW1: only IRQ 0 unmasked */
  0xc7, 0x06, 0x80, 0x00, 0x40, 0x10, /* mov word [0x80], 0x1040 */
  0xc7, 0x06, 0x82, 0x00, 0x00, 0x00, /* mov word [0x82], 0 */
  0xfb,                               /* sti */
  0xf4,                               /* hlt */
  0xeb, 0xfd,                         /* jmp back to hlt */
};
static const uint8_t guest_handler[] = {
  0xff, 0x06, 0x00, 0x05, /* inc word [0x500] */
  0xb0, 0x20, 0xe6, 0x20, /* EOI */
  0xcf,                   /* iret */
};

typedef struct real_vm {
  int kvm, vm, vcpu, stats;
  struct kvm_run *run;
  size_t run_size;
  uint8_t *mem;
  pthread_t thread;
  atomic_int stop;
  int run_errno; /* KVM_RUN's errno when it stopped for another reason */
  uint32_t exit_reason;
} real_vm;

static void on_sigusr1(int sig)
{
  (void)sig;
}

static void pin(int cpu)
{
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *vcpu_main(void *arg)
{
  real_vm *r = arg;
  pin(1);
  while (!atomic_load(&r->stop)) {
    if (ioctl(r->vcpu, KVM_RUN, 0) < 0) {
      if (errno == EINTR)
        continue;
      r->run_errno = errno;
      break;
    }
    if (r->run->exit_reason != KVM_EXIT_INTR) {
      r->exit_reason = r->run->exit_reason; /* the guest did something unplanned */
      break;
    }
  }
  return NULL;
}

static int real_open(real_vm *r, char *why, size_t len)
{
  struct kvm_userspace_memory_region region;
  struct kvm_sregs sregs;
  struct kvm_regs regs;
  memset(r, 0, sizeof *r);
  r->kvm = r->vm = r->vcpu = r->stats = -1;
  r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (r->kvm < 0)
    return snprintf(why, len, "/dev/kvm: %s", strerror(errno)), -1;
  if (ioctl(r->kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
    return snprintf(why, len, "this kernel has no binary statistics"), -1;
  r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
  if (r->vm < 0)
    return snprintf(why, len, "KVM_CREATE_VM: %s", strerror(errno)), -1;
  if (ioctl(r->vm, KVM_CREATE_IRQCHIP, 0) < 0)
    return snprintf(why, len, "KVM_CREATE_IRQCHIP: %s", strerror(errno)), -1;
  r->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r->mem == MAP_FAILED)
    return snprintf(why, len, "mmap: %s", strerror(errno)), -1;
  memcpy(r->mem + 0x1000, guest_code, sizeof guest_code);
  memcpy(r->mem + 0x1040, guest_handler, sizeof guest_handler);
  region = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = 0,
                                                 .memory_size = 0x10000,
                                                 .userspace_addr = (uintptr_t)r->mem };
  if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return snprintf(why, len, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno)), -1;
  r->vcpu = ioctl(r->vm, KVM_CREATE_VCPU, 0);
  if (r->vcpu < 0)
    return snprintf(why, len, "KVM_CREATE_VCPU: %s", strerror(errno)), -1;
  int sz = ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (sz <= 0)
    return snprintf(why, len, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno)), -1;
  r->run_size = (size_t)sz;
  r->run = mmap(NULL, r->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->vcpu, 0);
  if (r->run == MAP_FAILED)
    return snprintf(why, len, "mmap kvm_run: %s", strerror(errno)), -1;
  if (ioctl(r->vcpu, KVM_GET_SREGS, &sregs) < 0)
    return snprintf(why, len, "KVM_GET_SREGS: %s", strerror(errno)), -1;
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
  sregs.ds.selector = sregs.es.selector = sregs.ss.selector = 0;
  if (ioctl(r->vcpu, KVM_SET_SREGS, &sregs) < 0)
    return snprintf(why, len, "KVM_SET_SREGS: %s", strerror(errno)), -1;
  memset(&regs, 0, sizeof regs);
  regs.rip = 0x1000;
  regs.rsp = 0x8000;
  regs.rflags = 2;
  if (ioctl(r->vcpu, KVM_SET_REGS, &regs) < 0)
    return snprintf(why, len, "KVM_SET_REGS: %s", strerror(errno)), -1;
  r->stats = ioctl(r->vcpu, KVM_GET_STATS_FD, NULL);
  if (r->stats < 0)
    return snprintf(why, len, "KVM_GET_STATS_FD: %s", strerror(errno)), -1;
  return 0;
}

static void real_close(real_vm *r)
{
  if (r->stats >= 0)
    close(r->stats);
  if (r->run && r->run != MAP_FAILED)
    munmap(r->run, r->run_size);
  if (r->vcpu >= 0)
    close(r->vcpu);
  if (r->mem && r->mem != MAP_FAILED)
    munmap(r->mem, 0x10000);
  if (r->vm >= 0)
    close(r->vm);
  if (r->kvm >= 0)
    close(r->kvm);
}

/* Reads the halt statistics through the binary statistics file. */
static int real_stats(const real_vm *r, halt *h)
{
  struct kvm_stats_header hdr;
  memset(h, 0, sizeof *h);
  if (pread(r->stats, &hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
    return -1;
  size_t dsz = sizeof(struct kvm_stats_desc) + hdr.name_size;
  char *descs = malloc(dsz * hdr.num_desc);
  if (descs == NULL)
    return -1;
  if (pread(r->stats, descs, dsz * hdr.num_desc, hdr.desc_offset) != (ssize_t)(dsz * hdr.num_desc)) {
    free(descs);
    return -1;
  }
  static const struct {
    const char *name;
    size_t off, n;
  } want[] = {
    { "halt_attempted_poll", offsetof(halt, attempted), 1 },
    { "halt_successful_poll", offsetof(halt, successful), 1 },
    { "halt_poll_invalid", offsetof(halt, invalid), 1 },
    { "halt_wakeup", offsetof(halt, wakeup), 1 },
    { "halt_poll_success_ns", offsetof(halt, success_ns), 1 },
    { "halt_poll_fail_ns", offsetof(halt, fail_ns), 1 },
    { "halt_wait_ns", offsetof(halt, wait_ns), 1 },
    { "halt_poll_success_hist", offsetof(halt, success_hist), NB },
    { "halt_poll_fail_hist", offsetof(halt, fail_hist), NB },
    { "halt_wait_hist", offsetof(halt, wait_hist), NB },
  };
  int found = 0;
  for (uint32_t i = 0; i < hdr.num_desc; i++) {
    const struct kvm_stats_desc *d = (const struct kvm_stats_desc *)(descs + i * dsz);
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
      if (strcmp(d->name, want[k].name) != 0)
        continue;
      size_t n = d->size < want[k].n ? d->size : want[k].n;
      if (pread(r->stats, (char *)h + want[k].off, n * sizeof(uint64_t),
                hdr.data_offset + d->offset) != (ssize_t)(n * sizeof(uint64_t))) {
        free(descs);
        return -1;
      }
      found++;
    }
  }
  free(descs);
  h->irqs = (uint64_t)r->mem[0x500] | (uint64_t)r->mem[0x501] << 8;
  return found == (int)(sizeof want / sizeof want[0]) ? 0 : -1;
}

static void sleep_until(uint64_t ns)
{
  struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

static uint64_t mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int irq_line(const real_vm *r, uint32_t level)
{
  struct kvm_irq_level l = { .irq = 0, .level = level };
  return ioctl(r->vm, KVM_IRQ_LINE, &l);
}

/* One real run: N interrupts every period_ns. */
static int real_run(uint64_t period_ns, uint32_t n, halt *out, char *why, size_t len)
{
  real_vm r;
  halt before, after;
  if (real_open(&r, why, len) != 0) {
    real_close(&r);
    return -1;
  }
  if (pthread_create(&r.thread, NULL, vcpu_main, &r) != 0) {
    snprintf(why, len, "pthread_create failed");
    real_close(&r);
    return -1;
  }
  pin(0);
  sleep_until(mono_ns() + 20000000u); /* the guest sets up and halts */
  /* WARMUP interrupts first (the polling window settles), then the
   * statistics are read half a period after the last of them, and N more
   * follow at the same cadence: the halts counted are N of the regular. */
  int rc = 0;
  uint64_t t = mono_ns();
  for (uint32_t i = 0; i < WARMUP + n && rc == 0; i++) {
    t += period_ns;
    if (i == WARMUP) {
      sleep_until(t - period_ns / 2);
      rc = real_stats(&r, &before);
    }
    sleep_until(t);
    if (rc == 0 && (irq_line(&r, 1) != 0 || irq_line(&r, 0) != 0))
      rc = -1;
  }
  sleep_until(mono_ns() + 5000000u); /* the last interrupt is handled */
  if (rc == 0)
    rc = real_stats(&r, &after);
  atomic_store(&r.stop, 1);
  r.run->immediate_exit = 1;
  pthread_kill(r.thread, SIGUSR1);
  pthread_join(r.thread, NULL);
  if (rc != 0)
    snprintf(why, len, "reading the statistics or KVM_IRQ_LINE failed: %s", strerror(errno));
  else if (r.run_errno || r.exit_reason) {
    snprintf(why, len, "the vCPU stopped: errno %d, exit reason %u", r.run_errno, r.exit_reason);
    rc = -1;
  }
  if (rc == 0) {
    halt_sub(&after, &before);
    *out = after;
  }
  real_close(&r);
  return rc;
}

/* ---------------------------------------------------------------- model -- */

typedef struct model_ctx {
  aia_kvm *kvm;
  halt *h, before;
  aia_cycle snap_at;
  int failed;
} model_ctx;

static void model_read(model_ctx *c, halt *h)
{
  aia_vcpu_halt_stats st;
  st.struct_size = sizeof st;
  if (aia_kvm_halt_stats(c->kvm, &st) != AIA_OK) {
    c->failed = 1;
    return;
  }
  h->attempted = st.halt_attempted_poll;
  h->successful = st.halt_successful_poll;
  h->invalid = st.halt_poll_invalid;
  h->wakeup = st.halt_wakeup;
  h->success_ns = st.halt_poll_success_cycles; /* 1 GHz: cycles are ns */
  h->fail_ns = st.halt_poll_fail_cycles;
  h->wait_ns = st.halt_wait_cycles;
  memcpy(h->success_hist, st.halt_poll_success_hist, sizeof h->success_hist);
  memcpy(h->fail_hist, st.halt_poll_fail_hist, sizeof h->fail_hist);
  memcpy(h->wait_hist, st.halt_wait_hist, sizeof h->wait_hist);
}

static void model_snap(aia_sim *sim, void *user)
{
  (void)sim;
  model_read(user, &((model_ctx *)user)->before);
}

static void model_built(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
{
  model_ctx *c = user;
  (void)plat;
  c->kvm = kvm;
  if (aia_sim_schedule(sim, c->snap_at, AIA_PH_HART, model_snap, c, NULL) != AIA_OK)
    c->failed = 1;
}

static void model_end(void *user, aia_sim *sim)
{
  model_ctx *c = user;
  (void)sim;
  model_read(c, c->h);
  halt_sub(c->h, &c->before);
}

static int model_run(uint64_t period_ns, uint32_t n, uint64_t poll_max, uint64_t poll_start,
                     halt *out, char *why, size_t len)
{
  char text[1024];
  aia_scenario *scn = NULL;
  aia_diag diag;
  size_t nfound = 0;
  aia_run_options opt;
  aia_run_result res;
  model_ctx c;
  memset(&c, 0, sizeof c);
  c.h = out;
  /* MSIs every period from 1 ms on (the guest is halted by then); the
   * statistics read as on the real side, after WARMUP of them. */
  c.snap_at = 1000000 + period_ns * WARMUP + period_ns / 2;
  n += WARMUP;
  snprintf(text, sizeof text,
           "aiasim: 1\nname: kvm-halt\nduration: %" PRIu64 "ns\ndrain: 5ms\npolicy: [kick]\n"
           "platform: { harts: 2 }\n"
           "timing: { halt_poll_max: %" PRIu64 "ns, halt_poll_start: %" PRIu64 "ns }\n"
           "vms:\n  - { name: vm0, vcpus: 1, affinity: [1], guest: { behaviour: idle } }\n"
           "devices:\n  - { name: irq0, vm: vm0, vcpus: all, iids: [32], pattern: list,"
           " at: [",
           1000000 + period_ns * n + 1, poll_max, poll_start);
  size_t used = strlen(text);
  char *big = malloc(used + (size_t)n * 40 + 16);
  if (big == NULL)
    return snprintf(why, len, "out of memory"), -1;
  memcpy(big, text, used);
  for (uint32_t i = 1; i <= n; i++)
    used += (size_t)sprintf(big + used, "%s{ at: %" PRIu64 "ns }", i > 1 ? ", " : "",
                            1000000 + period_ns * i);
  used += (size_t)sprintf(big + used, "] }\n");
  int rc = aia_scenario_load_mem("kvm-halt", big, used, NULL, 0, &scn, &diag, 1, &nfound);
  free(big);
  if (rc != AIA_OK) {
    if (nfound == 0 || aia_diag_format(&diag, why, len) != AIA_OK)
      snprintf(why, len, "the model's scenario was refused");
    return -1;
  }
  aia_run_options_init(&opt);
  opt.on_built = model_built;
  opt.on_end = model_end;
  opt.user = &c;
  rc = aia_scenario_run(scn, AIA_POLICY_KICK, &opt, &res, why, len);
  if (rc == AIA_OK && c.failed) {
    snprintf(why, len, "cannot read the model's statistics");
    rc = AIA_EINVAL;
  }
  if (rc == AIA_OK) /* the guest's claims after the warm-up */
    out->irqs = res.r.claimed > WARMUP ? res.r.claimed - WARMUP : 0;
  aia_run_result_free(&res);
  aia_scenario_destroy(scn);
  return rc == AIA_OK ? 0 : -1;
}

/* --------------------------------------------------------------- report -- */

static uint64_t read_param(const char *name, uint64_t dflt)
{
  char path[128], buf[32];
  snprintf(path, sizeof path, "/sys/module/kvm/parameters/%s", name);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return dflt;
  uint64_t v = dflt;
  if (fgets(buf, sizeof buf, f))
    v = strtoull(buf, NULL, 10);
  fclose(f);
  return v;
}

static double per(uint64_t a, uint64_t b)
{
  return b ? (double)a / (double)b : 0.0;
}

/* Buckets holding 90 % of a histogram, as "lo..hi" (bucket k: 2^(k-1) <= ns < 2^k). */
static void span(char *buf, size_t len, const uint64_t *hist)
{
  uint64_t tot = 0, acc = 0;
  int lo = -1, hi = -1;
  for (int b = 0; b < NB; b++)
    tot += hist[b];
  if (tot == 0) {
    snprintf(buf, len, "-");
    return;
  }
  for (int b = 0; b < NB; b++) {
    acc += hist[b];
    if (lo < 0 && acc * 20 > tot)
      lo = b;
    if (hi < 0 && acc * 20 >= tot * 19)
      hi = b;
  }
  snprintf(buf, len, "%d..%d", lo, hi);
}

static void row_u(const char *name, uint64_t a, uint64_t b)
{
  printf("  %-34s %14" PRIu64 " %14" PRIu64 "\n", name, a, b);
}

static void row_f(const char *name, double a, double b)
{
  printf("  %-34s %14.1f %14.1f\n", name, a, b);
}

int main(int argc, char **argv)
{
  uint32_t n = 1000;
  uint64_t periods[16] = { 30, 100, 150, 300, 1000 };
  size_t nper = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      n = (uint32_t)strtoul(argv[++i], NULL, 10);
      if (n < 1 || n > 60000) {
        fprintf(stderr, "bench_kvm_halt: --count 1..60000\n");
        return 2;
      }
    } else if (strcmp(argv[i], "--periods") == 0 && i + 1 < argc) {
      char *s = argv[++i], *end;
      nper = 0;
      while (*s && nper < 16) {
        periods[nper] = strtoull(s, &end, 10);
        if (end == s || periods[nper] == 0) {
          fprintf(stderr, "bench_kvm_halt: --periods US,US,...\n");
          return 2;
        }
        nper++;
        s = *end == ',' ? end + 1 : end;
      }
    } else {
      fprintf(stderr, "usage: bench_kvm_halt [--count N] [--periods US,US,...]\n");
      return 2;
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigusr1;
  sigaction(SIGUSR1, &sa, NULL);
  uint64_t poll_max = read_param("halt_poll_ns", 200000);
  uint64_t poll_start = read_param("halt_poll_ns_grow_start", 10000);
  uint64_t grow = read_param("halt_poll_ns_grow", 2), shrink = read_param("halt_poll_ns_shrink", 2);
  struct utsname u;
  uname(&u);
  printf("bench_kvm_halt: %s %s; kvm halt_poll_ns %" PRIu64 ", grow %" PRIu64 ", grow_start %" PRIu64
         ", shrink %" PRIu64 "; %u interrupts per period\n",
         u.sysname, u.release, poll_max, grow, poll_start, shrink, n);
  if (grow != 2 || shrink != 2)
    printf("bench_kvm_halt: note: the model grows and shrinks by 2; this kernel's factors differ\n");
  for (size_t p = 0; p < nper; p++) {
    halt real, model;
    char why[256] = "";
    memset(&model, 0, sizeof model);
    if (real_run(periods[p] * 1000, n, &real, why, sizeof why) != 0) {
      printf("bench_kvm_halt: cannot run a VM here: %s\n", why);
      return 77;
    }
    if (model_run(periods[p] * 1000, n, poll_max, poll_start, &model, why, sizeof why) != 0) {
      printf("bench_kvm_halt: the model failed: %s\n", why);
      return 1;
    }
    char a[32], b[32];
    printf("\nperiod %" PRIu64 " us                        this kernel (x86, nested)   model\n",
           periods[p]);
    row_u("interrupts handled", real.irqs, model.irqs);
    row_u("halt_attempted_poll", real.attempted, model.attempted);
    row_u("halt_successful_poll", real.successful, model.successful);
    row_u("halt_poll_invalid", real.invalid, model.invalid);
    row_u("halt_wakeup", real.wakeup, model.wakeup);
    row_f("successful poll, mean us", per(real.success_ns, real.successful) / 1e3,
          per(model.success_ns, model.successful) / 1e3);
    row_f("failed poll, mean us", per(real.fail_ns, real.attempted - real.successful) / 1e3,
          per(model.fail_ns, model.attempted - model.successful) / 1e3);
    row_f("wait after the poll, mean us", per(real.wait_ns, real.wakeup) / 1e3,
          per(model.wait_ns, model.wakeup) / 1e3);
    span(a, sizeof a, real.success_hist);
    span(b, sizeof b, model.success_hist);
    printf("  %-34s %14s %14s\n", "halt_poll_success_hist 90 %", a, b);
    span(a, sizeof a, real.wait_hist);
    span(b, sizeof b, model.wait_hist);
    printf("  %-34s %14s %14s\n", "halt_wait_hist 90 %", a, b);
  }
  return 0;
}
