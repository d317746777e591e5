/* lib/kvm/kick.c: kvm_vcpu_wake_up and kvm_vcpu_kick (virt/kvm/kvm_main.c),
 * with the RISC-V kvm_arch_vcpu_should_kick.
 * SPDX-License-Identifier: MIT */
#include "kvm/kvm_impl.h"

/* Outcomes reported in AIA_EV_KICK records (arg). */
enum { KICK_WOKE = 0, KICK_IPI = 1, KICK_NOTHING = 2, KICK_OWN = 3 };

/* The reschedule IPI of a kick: it leaves its sender after the kick's own
 * work (kick) and the send (ipi_send). */
void aia__send_ipi(aia_kvm *kvm, uint32_t from, uint32_t to, uint64_t msi)
{
  aia__kjob *j = aia__kjob_post(kvm, KJ_IPI,
                                kvm->sim->now + AIA__COST(kvm, kick) + AIA__COST(kvm, ipi_send));
  if (j == NULL)
    return;
  j->from = from;
  j->to = to;
  j->msi = msi;
}

/* kvm_vcpu_wake_up -> rcuwait_wake_up: wakes the task only while it waits
 * in kvm_vcpu_block (between prepare_to_rcuwait and finish_rcuwait). True if
 * try_to_wake_up changed its state. */
bool aia__vcpu_wake_up(aia_vcpu *v, uint32_t from, uint64_t msi)
{
  bool woken = false;
  if (!v->blocking)
    return false;
  if (aia_thread_wake(v->thread, from, &woken, NULL) != AIA_OK)
    return false;
  if (!woken) { /* already woken (or running): a duplicate wake-up */
    aia__kvm_emit(v->kvm, AIA_EV_WAKEUP, v, from, 0, msi, 1);
    return false;
  }
  if (v->state == AIA_VCPU_BLOCKED)
    aia__vcpu_set_state(v, AIA_VCPU_RUNNABLE);
  v->hst.halt_wakeup++; /* kvm_vcpu_wake_up */
  aia__kvm_emit(v->kvm, AIA_EV_WAKEUP, v, from, 0, msi, 0);
  return true;
}

/* kvm_vcpu_kick, called from hart `from` (AIA_NONE: a host timer or a
 * device thread on no particular hart). */
void aia__vcpu_kick(aia_vcpu *v, uint32_t from, uint64_t msi)
{
  aia_kvm *kvm = v->kvm;
  if (aia__vcpu_wake_up(v, from, msi)) {
    aia__kvm_emit(kvm, AIA_EV_KICK, v, from, 0, msi, KICK_WOKE);
    return;
  }
  /* The caller runs on the hart of the vCPU's own thread (kvm_running_vcpu
   * of this hart): only the mode changes, never an IPI. If the guest is
   * running there (possible only in the model, where the injector hart may
   * also run vCPUs), the caller's interrupt is what takes it out. */
  if (from != AIA_NONE && kvm->harts[from].running == v) {
    if (v->mode == AIA_MODE_IN_GUEST)
      v->mode = AIA_MODE_EXITING_GUEST;
    aia__kvm_emit(kvm, AIA_EV_KICK, v, from, 0, msi, KICK_OWN);
    if (kvm->harts[from].in_guest == v)
      aia__vcpu_force_exit(v);
    return;
  }
  /* kvm_arch_vcpu_should_kick: cmpxchg(mode, IN_GUEST, EXITING). */
  if (v->mode == AIA_MODE_IN_GUEST) {
    v->mode = AIA_MODE_EXITING_GUEST;
    if (v->cpu >= 0 && (uint32_t)v->cpu != from) {
      aia__kvm_emit(kvm, AIA_EV_KICK, v, (uint32_t)v->cpu, 0, msi, KICK_IPI);
      aia__send_ipi(kvm, from == AIA_NONE ? (uint32_t)v->cpu : from, (uint32_t)v->cpu, msi);
      return;
    }
  }
  aia__kvm_emit(kvm, AIA_EV_KICK, v, from, 0, msi, KICK_NOTHING);
}
