/* examples/custom-hook: a measurement the library does not make, built
 * from the record stream with a hook.
 *
 * For every vCPU, how long is it out of the guest? The hook pairs each
 * AIA_EV_VM_EXIT with the same vCPU's next AIA_EV_VM_ENTRY and records the
 * distance in two histograms: one per vCPU and one per exit reason (WFI,
 * host interrupt, SW-file CSR trap, reschedule). The run is done once with
 * the kick after injection and once without, and each prints a
 * text table of percentiles.
 *
 * The hook sees exactly the records the library's own meter sees: it runs
 * on the simulation thread, in event order, and must copy what it keeps.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aiasim/aiasim.h>

#define NVCPU 4
#define NREASON 5 /* aia_exit_reason values */
#define END 40000000u

typedef struct out_of_guest {
  aia_cycle exit_at[NVCPU];
  uint32_t reason[NVCPU];
  int out[NVCPU];                /* exited, no entry yet */
  aia_hist per_vcpu[NVCPU];
  aia_hist per_reason[NREASON];
  int oom;
} out_of_guest;

static void on_exit_entry(void *user, const aia_event *ev)
{
  out_of_guest *o = user;
  if (ev->vm != 0 || ev->vcpu >= NVCPU)
    return;
  uint32_t v = ev->vcpu;
  if (ev->kind == AIA_EV_VM_EXIT) {
    o->exit_at[v] = ev->cycle;
    o->reason[v] = ev->arg < NREASON ? (uint32_t)ev->arg : 0;
    o->out[v] = 1;
  } else if (ev->kind == AIA_EV_VM_ENTRY && o->out[v]) {
    aia_cycle d = ev->cycle - o->exit_at[v];
    o->out[v] = 0;
    if (aia_hist_record(&o->per_vcpu[v], d) != AIA_OK ||
        aia_hist_record(&o->per_reason[o->reason[v]], d) != AIA_OK)
      o->oom = 1;
  }
}

static void row(const char *name, const aia_hist *h)
{
  aia_hist_summary s;
  aia_hist_summarize(h, &s);
  if (s.count == 0) {
    printf("  %-10s %7s\n", name, "0");
    return;
  }
  printf("  %-10s %7" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %10" PRIu64 " %10.0f\n",
         name, s.count, s.p50, s.p90, s.p99, s.max, s.mean);
}

static void die(aia_sim *sim, int rc, const char *what)
{
  fprintf(stderr, "custom_hook: %s: %s (%s)\n", what, aia_status_name(rc),
          sim ? aia_sim_errmsg(sim) : "");
  exit(1);
}

#define CHECK(sim, call)      \
  do {                        \
    int rc_ = (call);         \
    if (rc_ != AIA_OK)        \
      die((sim), rc_, #call); \
  } while (0)

/* Two harts, one VM with four vCPUs (two busy, two idle guests), a Poisson
 * device at 20,000 MSIs/s through KVM. The idle vCPUs share the harts with
 * the busy ones: a woken idle vCPU preempts the busy one on its hart (the
 * host scheduler is Linux's EEVDF), which shows as the busy vCPUs' resched
 * exits; an idle vCPU's exit-to-entry time is mostly its sleep in WFI. */
static void run(aia_policy policy)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_vm_config vc;
  aia_device_config dc;
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_vm *vm;
  aia_device *dev;
  out_of_guest *o = calloc(1, sizeof *o);
  if (o == NULL)
    die(NULL, AIA_ENOMEM, "calloc");

  aia_sim_config_init(&sc);
  sc.seed = 11;
  CHECK(NULL, aia_sim_create(&sc, &sim));
  aia_platform_config_init(&pc);
  pc.harts = 2;
  pc.ids = 63;
  CHECK(sim, aia_platform_create(sim, &pc, &plat));
  aia_host_config_init(&hc);
  CHECK(sim, aia_host_create(sim, plat, &hc, &host));
  aia_kvm_config_init(&kc);
  kc.policy = policy;
  CHECK(sim, aia_kvm_create(sim, plat, host, &kc, &kvm));
  aia_vm_config_init(&vc);
  vc.vcpus = NVCPU;
  CHECK(sim, aia_vm_create(kvm, &vc, &vm));
  for (uint32_t i = 0; i < NVCPU; i++) {
    aia_guest_config gc;
    aia_guest_config_init(&gc);
    gc.behaviour = i < 2 ? AIA_BEHAVIOUR_BUSY : AIA_BEHAVIOUR_IDLE;
    CHECK(sim, aia_guest_attach(sim, aia_vm_vcpu(vm, i), &gc));
    CHECK(sim, aia_vcpu_guest_setup(aia_vm_vcpu(vm, i), AIA_EIDELIVERY_ON, 0, 1, 63));
  }
  aia_device_config_init(&dc);
  dc.vm = vm;
  dc.period = 50000;
  dc.stop = END;
  CHECK(sim, aia_device_create(kvm, &dc, &dev));

  /* The custom measurement: only the two kinds it needs. */
  CHECK(sim, aia_sim_hook_add(sim, AIA_EV_BIT(AIA_EV_VM_EXIT) | AIA_EV_BIT(AIA_EV_VM_ENTRY),
                              on_exit_entry, o, NULL));
  for (uint32_t i = 0; i < NVCPU; i++)
    CHECK(sim, aia_vcpu_start(aia_vm_vcpu(vm, i), 0));
  CHECK(sim, aia_sim_run_until(sim, END));

  static const char *const reasons[NREASON] = { "wfi", "irq", "csr_trap", "resched",
                                                "userspace" };
  printf("policy %s: VM exit -> next VM entry, in cycles (%" PRIu64 " MSIs, hash 0x%016" PRIx64
         ")\n",
         policy == AIA_POLICY_KICK ? "kick" : "nokick", aia_device_sent(dev), aia_sim_hash(sim));
  printf("  %-10s %7s %9s %9s %9s %10s %10s\n", "", "exits", "p50", "p90", "p99", "max", "mean");
  for (uint32_t v = 0; v < NVCPU; v++) {
    char name[32];
    snprintf(name, sizeof name, "vcpu %u%s", v, v < 2 ? " b" : " i");
    row(name, &o->per_vcpu[v]);
  }
  for (uint32_t r = 0; r < NREASON; r++)
    row(reasons[r], &o->per_reason[r]);
  printf("  (b: busy guest, i: idle guest)\n");
  if (o->oom)
    printf("  warning: some values not recorded (out of memory)\n");

  aia_sim_destroy(sim);
  for (uint32_t v = 0; v < NVCPU; v++)
    aia_hist_free(&o->per_vcpu[v]);
  for (uint32_t r = 0; r < NREASON; r++)
    aia_hist_free(&o->per_reason[r]);
  free(o);
}

int main(void)
{
  run(AIA_POLICY_KICK);
  printf("\n");
  run(AIA_POLICY_NOKICK);
  return 0;
}
