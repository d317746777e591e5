/* lib/run/force.c: the forced moments of a scenario (`force:`): at a cycle,
 * or a delay after the nth record of a kind about one vCPU, preempt a hart,
 * move a vCPU's thread, or inject an MSI through KVM.
 * SPDX-License-Identifier: MIT
 *
 * Preemptions and moves go through aia_host_force_preempt/_migrate, which
 * act in phase AIA_PH_SCHED of their cycle. An MSI is injected in phase
 * AIA_PH_HART of its cycle, as a device's is; one that falls due in a phase
 * that has already passed (after a record of the same cycle, delay 0) is
 * injected at the next cycle.
 */
#include <stdlib.h>
#include <string.h>

#include "aiasim/host.h"
#include "aiasim/kvm.h"
#include "aiasim/workload.h"
#include "run/force.h"

typedef struct fitem {
  const aia_scn_force *f;
  aia__force *owner;
  uint32_t seen;      /* matching records so far (after) */
  uint32_t thread;    /* thread id of the `after` vCPU (scheduler records) */
  bool done;
} fitem;

struct aia__force {
  aia_sim *sim;
  aia_host *host;
  aia_kvm *kvm;
  aia_cycle vm_exit;  /* a WFI trap is reported at the exit's end: this much earlier */
  fitem *items;
  uint32_t n;
  int error;
};

static aia_vcpu *vcpu_of(const aia__force *fs, uint32_t vm, uint32_t vcpu)
{
  aia_vm *v = aia_kvm_vm(fs->kvm, vm);
  return v ? aia_vm_vcpu(v, vcpu) : NULL;
}

static void msi_fire(aia_sim *sim, void *user)
{
  fitem *it = user;
  const aia_scn_force *f = it->f;
  aia_vcpu *v = vcpu_of(it->owner, f->msi_vm, f->msi_vcpu);
  (void)sim;
  if (v != NULL)
    (void)aia_workload_send(it->owner->kvm, v, f->msi_iid, AIA_PATH_KVM, NULL);
}

/* Carries the action out at cycle `when` (>= now). */
static void act(fitem *it, aia_cycle when)
{
  aia__force *fs = it->owner;
  const aia_scn_force *f = it->f;
  int rc = AIA_OK;
  it->done = true;
  switch (f->action) {
  case AIA_FORCE_PREEMPT:
    rc = aia_host_force_preempt(fs->host, f->preempt_hart, when);
    break;
  case AIA_FORCE_MIGRATE: {
    aia_vcpu *v = vcpu_of(fs, f->migrate_vm, f->migrate_vcpu);
    rc = v ? aia_host_force_migrate(fs->host, aia_vcpu_thread(v), f->migrate_to, when)
           : AIA_EINVAL;
    break;
  }
  case AIA_FORCE_MSI:
    rc = aia_sim_schedule(fs->sim, when, AIA_PH_HART, msi_fire, it, NULL);
    if (rc == AIA_ERANGE) /* this cycle's HART phase is over */
      rc = aia_sim_schedule(fs->sim, when + 1, AIA_PH_HART, msi_fire, it, NULL);
    break;
  default:
    rc = AIA_EINVAL;
    break;
  }
  if (rc != AIA_OK && fs->error == AIA_OK)
    fs->error = rc;
}

static bool matches(const fitem *it, const aia_event *ev, aia_cycle *at)
{
  const aia_scn_force *f = it->f;
  bool sched = ev->kind == AIA_EV_SCHED_IN || ev->kind == AIA_EV_SCHED_OUT;
  *at = ev->cycle;
  if (sched) {
    if (ev->vcpu != it->thread)
      return false;
  } else if (ev->vm != f->after_vm || ev->vcpu != f->after_vcpu) {
    return false;
  }
  switch (f->after_event) {
  case AIA_FORCE_AFTER_WFI_TRAP:
    if (ev->kind != AIA_EV_VM_EXIT || ev->arg != AIA_EXIT_WFI)
      return false;
    *at = ev->cycle >= it->owner->vm_exit ? ev->cycle - it->owner->vm_exit : 0;
    return true;
  case AIA_FORCE_AFTER_VM_EXIT:
    return ev->kind == AIA_EV_VM_EXIT;
  case AIA_FORCE_AFTER_VM_ENTRY:
    return ev->kind == AIA_EV_VM_ENTRY;
  case AIA_FORCE_AFTER_HALT_POLL:
    return ev->kind == AIA_EV_HALT_POLL;
  case AIA_FORCE_AFTER_BLOCK:
    return ev->kind == AIA_EV_BLOCK;
  case AIA_FORCE_AFTER_WAKEUP:
    return ev->kind == AIA_EV_WAKEUP && ev->arg == 0;
  case AIA_FORCE_AFTER_SCHED_OUT:
    return ev->kind == AIA_EV_SCHED_OUT;
  case AIA_FORCE_AFTER_SCHED_IN:
    return ev->kind == AIA_EV_SCHED_IN;
  case AIA_FORCE_AFTER_GUEST_TRAP:
    return ev->kind == AIA_EV_GUEST_TRAP;
  case AIA_FORCE_AFTER_CLAIM:
    return ev->kind == AIA_EV_CLAIM;
  case AIA_FORCE_AFTER_VSFILE_MIGRATE:
    return ev->kind == AIA_EV_VSFILE_MIGRATE;
  default:
    return false;
  }
}

static void force_hook(void *user, const aia_event *ev)
{
  aia__force *fs = user;
  for (uint32_t i = 0; i < fs->n; i++) {
    fitem *it = &fs->items[i];
    aia_cycle at, when, now = aia_sim_now(fs->sim);
    if (it->done || !it->f->has_after || !matches(it, ev, &at))
      continue;
    if (++it->seen < it->f->after_nth)
      continue;
    when = at + it->f->delay;
    act(it, when < now ? now : when);
  }
}

#define FORCE_KINDS                                                                    \
  (AIA_EV_BIT(AIA_EV_VM_EXIT) | AIA_EV_BIT(AIA_EV_VM_ENTRY) | AIA_EV_BIT(AIA_EV_HALT_POLL) | \
   AIA_EV_BIT(AIA_EV_BLOCK) | AIA_EV_BIT(AIA_EV_WAKEUP) | AIA_EV_BIT(AIA_EV_SCHED_OUT) |      \
   AIA_EV_BIT(AIA_EV_SCHED_IN) | AIA_EV_BIT(AIA_EV_GUEST_TRAP) | AIA_EV_BIT(AIA_EV_CLAIM) |   \
   AIA_EV_BIT(AIA_EV_VSFILE_MIGRATE))

int aia__force_setup(const aia_scenario *scn, aia_sim *sim, aia_host *host, aia_kvm *kvm,
                     aia__force **out)
{
  aia__force *fs;
  bool hook = false;
  *out = NULL;
  if (scn->nforce == 0)
    return AIA_OK;
  fs = calloc(1, sizeof *fs);
  if (fs == NULL)
    return AIA_ENOMEM;
  fs->items = calloc(scn->nforce, sizeof *fs->items);
  if (fs->items == NULL) {
    free(fs);
    return AIA_ENOMEM;
  }
  fs->sim = sim;
  fs->host = host;
  fs->kvm = kvm;
  fs->n = scn->nforce;
  fs->vm_exit = scn->timing[AIA_T_VM_EXIT];
  *out = fs;
  for (uint32_t i = 0; i < fs->n; i++) {
    fitem *it = &fs->items[i];
    it->f = &scn->force[i];
    it->owner = fs;
    if (it->f->has_after) {
      aia_vcpu *v = vcpu_of(fs, it->f->after_vm, it->f->after_vcpu);
      if (v == NULL)
        return AIA_EINVAL;
      it->thread = aia_thread_id(aia_vcpu_thread(v));
      hook = true;
    } else {
      act(it, it->f->at + it->f->delay);
      if (fs->error != AIA_OK)
        return fs->error;
    }
  }
  if (hook)
    return aia_sim_hook_add(sim, FORCE_KINDS, force_hook, fs, NULL);
  return AIA_OK;
}

int aia__force_status(const aia__force *fs)
{
  return fs ? fs->error : AIA_OK;
}

void aia__force_free(aia__force *fs)
{
  if (fs == NULL)
    return;
  free(fs->items);
  free(fs);
}
