/* examples/embed-lockstep: aiasim inside a host simulator's main loop.
 *
 * The "host simulator" here is a toy: a CPU model that advances in quanta
 * of QUANTUM cycles and a NIC that raises an MSI at fixed cycles. Each
 * quantum it
 *   1. hands the interrupt model the time up to the end of the quantum with
 *      aia_sim_run_until(), stopping first at each cycle where the NIC
 *      writes its MSI (a raw 32-bit store to the physical address of the
 *      vCPU's guest interrupt file, as an IOMMU-remapped device would do);
 *   2. asks aia_sim_next_event_cycle() when the model next has something to
 *      do, and skips the quanta in which neither side has work.
 * The guest that runs in the one vCPU is the host simulator's own, plugged
 * in through aia_guest_ops: after each interrupt it claims (the `claimed`
 * callback) it does 5,000 cycles of driver work, then executes WFI (the
 * `next` callback). A hook on the record stream measures, per MSI, the
 * cycles from the NIC's store to the guest's claim, and the run prints them.
 *
 * Everything runs on one thread; the output is the same on every run.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aiasim/aiasim.h>

#define QUANTUM 10000u      /* cycles per host quantum (10 us at 1 GHz) */
#define END 3000000u        /* simulated cycles */
#define WORK_PER_IRQ 5000u  /* guest driver work per claimed interrupt */
#define NMSI 12

/* ---- the host simulator's guest (one vCPU) */

typedef struct guest {
  aia_cycle work;     /* driver work owed, in cycles */
  uint32_t claims;
  uint32_t wfis;
} guest;

static aia_guest_action guest_next(void *user, aia_vcpu *v, aia_cycle now, aia_cycle *until)
{
  guest *g = user;
  (void)v;
  if (g->work) {
    *until = now + g->work; /* compute, then ask again */
    g->work = 0;
    return AIA_GUEST_BUSY;
  }
  g->wfis++;
  return AIA_GUEST_WFI; /* nothing to do: wait for an interrupt */
}

static void guest_claimed(void *user, aia_vcpu *v, uint32_t iid)
{
  guest *g = user;
  (void)v;
  (void)iid;
  g->claims++;
  g->work += WORK_PER_IRQ;
}

/* ---- the latency hook */

typedef struct msi_time {
  aia_cycle posted, claimed;
  uint32_t iid;
  uint32_t state_at_post; /* vCPU state when the store was issued */
} msi_time;

typedef struct meter {
  msi_time msi[NMSI];
  uint32_t vcpu_state;
  uint32_t exits, entries;
} meter;

/* MSI ids are the NIC's own numbers 1..NMSI; each uses its own identity,
 * so a claim names the MSI it belongs to. */
static void on_record(void *user, const aia_event *ev)
{
  meter *m = user;
  switch (ev->kind) {
  case AIA_EV_MSI_POSTED:
    if (ev->msi >= 1 && ev->msi <= NMSI) {
      m->msi[ev->msi - 1].posted = ev->cycle;
      m->msi[ev->msi - 1].iid = ev->iid;
      m->msi[ev->msi - 1].state_at_post = m->vcpu_state;
    }
    break;
  case AIA_EV_CLAIM:
    for (uint32_t i = 0; i < NMSI; i++)
      if (m->msi[i].iid == ev->iid && m->msi[i].posted && !m->msi[i].claimed)
        m->msi[i].claimed = ev->cycle;
    break;
  case AIA_EV_VCPU_STATE:
    m->vcpu_state = (uint32_t)ev->arg;
    break;
  case AIA_EV_VM_EXIT:
    m->exits++;
    break;
  case AIA_EV_VM_ENTRY:
    m->entries++;
    break;
  default:
    break;
  }
}

static const char *state_name(uint32_t s)
{
  static const char *const names[] = { "in guest", "in host", "polling",
                                       "blocked",  "runnable", "userspace" };
  return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static int check(aia_sim *sim, int rc, const char *what)
{
  if (rc != AIA_OK) {
    fprintf(stderr, "embed_lockstep: %s: %s (%s)\n", what, aia_status_name(rc),
            sim ? aia_sim_errmsg(sim) : "");
    exit(1);
  }
  return rc;
}

int main(void)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_vm_config vc;
  aia_guest_ops ops;
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_vm *vm;
  aia_vcpu *vcpu;
  static const uint32_t hart1[] = { 1 };
  guest g = { 0 };
  meter m;
  memset(&m, 0, sizeof m);

  /* The NIC's MSIs: cycles chosen to hit a blocked vCPU, a busy one and a
   * halt-polling one. */
  static const aia_cycle nic_at[NMSI] = { 200000,  200400,  460000,  900000,  905000,
                                          1300007, 1650000, 1652500, 2000000, 2250000,
                                          2251000, 2600000 };

  aia_sim_config_init(&sc);
  sc.seed = 42;
  check(NULL, aia_sim_create(&sc, &sim), "aia_sim_create");
  aia_platform_config_init(&pc);
  pc.harts = 2;
  pc.ids = 63;
  check(sim, aia_platform_create(sim, &pc, &plat), "aia_platform_create");
  aia_host_config_init(&hc);
  check(sim, aia_host_create(sim, plat, &hc, &host), "aia_host_create");
  aia_kvm_config_init(&kc);
  kc.policy = AIA_POLICY_NOKICK;
  check(sim, aia_kvm_create(sim, plat, host, &kc, &kvm), "aia_kvm_create");
  aia_vm_config_init(&vc);
  vc.vcpus = 1;
  vc.affinity = hart1; /* the vCPU thread runs on hart 1; injections on hart 0 */
  vc.naffinity = 1;
  check(sim, aia_vm_create(kvm, &vc, &vm), "aia_vm_create");
  vcpu = aia_vm_vcpu(vm, 0);

  memset(&ops, 0, sizeof ops);
  ops.struct_size = sizeof ops;
  ops.next = guest_next;
  ops.claimed = guest_claimed;
  check(sim, aia_vcpu_set_guest(vcpu, &ops, &g), "aia_vcpu_set_guest");
  check(sim, aia_vcpu_guest_setup(vcpu, AIA_EIDELIVERY_ON, 0, 1, 63), "aia_vcpu_guest_setup");
  check(sim, aia_sim_hook_add(sim, AIA_EV_ALL, on_record, &m, NULL), "aia_sim_hook_add");
  check(sim, aia_vcpu_start(vcpu, 0), "aia_vcpu_start");

  /* ---- the host simulator's main loop */
  uint32_t next_msi = 0;
  uint64_t quanta = 0, skipped = 0;
  for (aia_cycle start = 0; start < END;) {
    aia_cycle end = start + QUANTUM - 1; /* this quantum: [start, end] */

    /* The NIC's stores that fall in this quantum, each at its exact cycle. */
    while (next_msi < NMSI && nic_at[next_msi] <= end) {
      uint64_t pa;
      int32_t vs_hart = aia_vcpu_vsfile_hart(vcpu);
      check(sim, aia_sim_run_until(sim, nic_at[next_msi]), "aia_sim_run_until");
      if (vs_hart < 0) { /* no guest file yet: the IOMMU has no mapping */
        fprintf(stderr, "embed_lockstep: vCPU has no VS-file at cycle %" PRIu64 "\n",
                aia_sim_now(sim));
        return 1;
      }
      check(sim, aia_file_address(plat, (uint32_t)vs_hart, aia_vcpu_vsfile_hgei(vcpu), &pa),
            "aia_file_address");
      /* A posted 32-bit store of the identity to seteipnum_le, tagged with
       * the NIC's own MSI number. */
      check(sim, aia_mmio_write(plat, pa + AIA_MMIO_SETEIPNUM_LE, 4, 32 + next_msi,
                                next_msi + 1),
            "aia_mmio_write");
      next_msi++;
    }
    check(sim, aia_sim_run_until(sim, end), "aia_sim_run_until");
    quanta++;

    /* Fast-forward: the next cycle at which either side has work. */
    aia_cycle next = END, when;
    if (aia_sim_next_event_cycle(sim, &when) == AIA_OK && when < next)
      next = when;
    if (next_msi < NMSI && nic_at[next_msi] < next)
      next = nic_at[next_msi];
    aia_cycle next_start = end + 1;
    if (next > next_start) {
      aia_cycle jump = next / QUANTUM * QUANTUM; /* quantum holding `next` */
      if (jump > next_start) {
        skipped += (jump - next_start) / QUANTUM;
        next_start = jump;
      }
    }
    start = next_start;
  }
  check(sim, aia_sim_run_until(sim, END), "aia_sim_run_until");

  printf("embed_lockstep: %u MSIs by raw MMIO store, quantum %u cycles, run to %u\n", NMSI,
         QUANTUM, END);
  printf("%4s %4s %10s %10s %9s  %s\n", "msi", "iid", "stored", "claimed", "latency",
         "vCPU at store");
  for (uint32_t i = 0; i < NMSI; i++) {
    const msi_time *t = &m.msi[i];
    if (t->claimed)
      printf("%4u %4u %10" PRIu64 " %10" PRIu64 " %9" PRIu64 "  %s\n", i + 1, t->iid, t->posted,
             t->claimed, t->claimed - t->posted, state_name(t->state_at_post));
    else
      printf("%4u %4u %10" PRIu64 " %10s %9s  %s\n", i + 1, t->iid, t->posted, "-", "-",
             state_name(t->state_at_post));
  }
  printf("guest: %u claims, %u WFIs; VM exits %u, entries %u\n", g.claims, g.wfis, m.exits,
         m.entries);
  printf("host loop: %" PRIu64 " quanta run, %" PRIu64 " idle quanta skipped\n", quanta,
         skipped);
  printf("records %" PRIu64 ", hash 0x%016" PRIx64 "\n", aia_sim_event_count(sim),
         aia_sim_hash(sim));
  aia_sim_destroy(sim);
  return g.claims == NMSI ? 0 : 1;
}
