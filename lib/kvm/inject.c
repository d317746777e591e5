/* lib/kvm/inject.c: MSI injection (kvm_riscv_vcpu_aia_imsic_inject) and the
 * SW-file bridge to hvip (imsic_swfile_extirq_update,
 * kvm_riscv_vcpu_set_interrupt / unset_interrupt), arch/riscv/kvm/aia_imsic.c
 * and vcpu.c.
 * SPDX-License-Identifier: MIT */
#include "host/host_lib.h"
#include "kvm/kvm_impl.h"

void aia__vcpu_prefetch(const aia_vcpu *v)
{
  aia__prefetch(v, sizeof *v);
  aia__thread_prefetch(v->thread);
  if (v->vsfile_cpu >= 0 && (uint32_t)v->vsfile_cpu < v->kvm->plat->cfg.harts)
    aia__prefetch(&v->kvm->plat->harts[v->vsfile_cpu], sizeof(aia__hart));
}

/* kvm_riscv_vcpu_set_interrupt: pending + mask bits, then always a kick. */
void aia__vcpu_set_interrupt(aia_vcpu *v, uint32_t irq, uint32_t from, uint64_t msi)
{
  v->irqs_pending |= UINT64_C(1) << irq;
  v->irqs_pending_mask |= UINT64_C(1) << irq;
  aia__vcpu_kick(v, from, msi);
  aia__vcpu_poll_recheck(v);
}

/* kvm_riscv_vcpu_unset_interrupt: no kick. */
void aia__vcpu_unset_interrupt(aia_vcpu *v, uint32_t irq)
{
  v->irqs_pending &= ~(UINT64_C(1) << irq);
  v->irqs_pending_mask |= UINT64_C(1) << irq;
}

static bool swfile_signal(const aia_vcpu *v)
{
  return v->swfile.eidelivery == AIA_EIDELIVERY_ON && aia__ifile_topei(&v->swfile) != 0;
}

/* imsic_swfile_extirq_update: read the SW-file's topei, then set or unset
 * VS_EXT; it takes `apply_delay` cycles. With swfile_extirq_lock (the Dec
 * 2023 fix) the read and the write are one critical section: the decision
 * is taken when the update lands, so updates cannot cross. Without it
 * (AIA_FAULT_SWFILE_NO_LOCK) the decision is taken at the start and lands
 * apply_delay later: an "unset" decided before an injection can land after
 * the injection's "set". */
static void extirq_update(aia_vcpu *v, uint32_t from, uint64_t msi, aia_cycle apply_delay)
{
  bool nolock = (v->kvm->cfg.faults & AIA_FAULT_SWFILE_NO_LOCK) != 0;
  aia__kjob *j = NULL;
  if (apply_delay > 0)
    j = aia__kjob_post(v->kvm, KJ_EXTIRQ, v->kvm->sim->now + apply_delay);
  if (j != NULL) {
    j->v = v;
    j->set = swfile_signal(v);
    j->iid = nolock ? 0 : 1; /* 1: decide when it lands */
    j->from = from;
    j->msi = msi;
    return;
  }
  if (swfile_signal(v))
    aia__vcpu_set_interrupt(v, AIA__IRQ_VS_EXT, from, msi);
  else
    aia__vcpu_unset_interrupt(v, AIA__IRQ_VS_EXT);
}

void aia__extirq_apply(aia__kjob *j)
{
  if (j->iid == 1) /* under the lock: the state now decides */
    j->set = swfile_signal(j->v);
  if (j->set)
    aia__vcpu_set_interrupt(j->v, AIA__IRQ_VS_EXT, j->from, j->msi);
  else
    aia__vcpu_unset_interrupt(j->v, AIA__IRQ_VS_EXT);
}

void aia__swfile_extirq_update(aia_vcpu *v, uint32_t from, uint64_t msi)
{
  extirq_update(v, from, msi, AIA__COST(v->kvm, swfile_update));
}

/* The same update from the guest's emulated claim, which continues for
 * `emul` cycles (the emulation) before its result lands. */
void aia__swfile_extirq_update_claim(aia_vcpu *v, uint32_t from, aia_cycle emul)
{
  extirq_update(v, from, 0, emul);
}

/* The update done synchronously by the vCPU's own thread (release). */
void aia__swfile_extirq_update_now(aia_vcpu *v, uint32_t from)
{
  extirq_update(v, from, 0, 0);
}

/* The body of kvm_riscv_vcpu_aia_imsic_inject once its checks passed, run
 * on hart `from` under the read side of vsfile_lock. */
static void inject_body(aia_kvm *kvm, aia_vcpu *v, uint32_t iid, uint64_t msi, uint32_t from)
{
  aia__kvm_emit(kvm, AIA_EV_INJECT, v, from, iid, msi, (uint64_t)kvm->cfg.policy);
  if (v->vsfile_cpu >= 0) {
    uint64_t pa = 0;
    if (kvm->cfg.policy == AIA_POLICY_WAKE_FIRST)
      (void)aia__vcpu_wake_up(v, from, msi);
    (void)aia_file_address(kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei, &pa);
    (void)aia_mmio_write(kvm->plat, pa + AIA_MMIO_SETEIPNUM_LE, 4, iid, msi);
    if (kvm->cfg.policy == AIA_POLICY_KICK)
      aia__vcpu_kick(v, from, msi);
    return;
  }
  /* SW-file: set_bit, then the extirq update (which may kick). */
  bool was = aia__ifile_is_pending(&v->swfile, iid);
  if (aia__ifile_set_pending(&v->swfile, iid, NULL)) {
    v->fst.swfile_msis++;
    aia__kvm_emit(kvm, AIA_EV_MSI_LANDED, v, AIA_NONE, iid, msi, 2u | (was ? 1u : 0u));
  }
  aia__swfile_extirq_update(v, from, msi);
}

/* A queued routine's turn on the injector hart. */
void aia__inject_run(aia__kjob *j)
{
  j->kvm->inj.injected++;
  inject_body(j->kvm, j->v, j->iid, j->msi, j->kvm->cfg.injector_hart);
}

int aia__inject_now(aia_kvm *kvm, aia_vcpu *v, uint32_t guest_index, uint32_t iid, uint32_t from)
{
  /* the checks of kvm_riscv_vcpu_aia_imsic_inject */
  if (iid == 0 || iid > v->vm->ids || guest_index != 0)
    return aia__sim_fail(kvm->sim, AIA_ENODEV,
                         "inject: identity %u, guest index %u: needs 1..%u and guest page 0", iid,
                         guest_index, v->vm->ids);
  uint64_t msi = ++kvm->next_msi;
  aia__kvm_emit(kvm, AIA_EV_MSI_SOURCE, v, from, iid, msi, 0);
  inject_body(kvm, v, iid, msi, from);
  return AIA_OK;
}

int aia_kvm_inject(aia_kvm *kvm, aia_vcpu *v, uint32_t guest_index, uint32_t offset, uint32_t data,
                   uint64_t msi)
{
  aia_cycle start;
  aia__kjob *j;
  if (kvm == NULL || v == NULL || v->kvm != kvm)
    return AIA_EINVAL;
  /* The checks of kvm_riscv_vcpu_aia_imsic_inject: -ENODEV / -EINVAL. */
  if (data == 0 || guest_index != 0 ||
      (offset != AIA_MMIO_SETEIPNUM_LE && offset != AIA_MMIO_SETEIPNUM_BE))
    return aia__sim_fail(kvm->sim, AIA_ENODEV,
                         "inject: identity %u, guest index %u, offset 0x%x: needs a non-zero "
                         "identity, guest page 0 and seteipnum_le/be",
                         data, guest_index, offset);
  if (offset == AIA_MMIO_SETEIPNUM_BE)
    data = aia__swab32(data);
  if (data == 0 || data > v->vm->ids)
    return aia__sim_fail(kvm->sim, AIA_EINVAL, "inject: identity %u: must be 1..%u", data,
                         v->vm->ids);
  /* The routine runs on the injector hart; routines there run one at a
   * time. A full backlog refuses the call (the caller may retry later). */
  if (kvm->inj.queued - kvm->inj.injected >= kvm->cfg.injector_backlog) {
    kvm->inj.refused++;
    return AIA_EBUSY;
  }
  aia__vcpu_prefetch(v);
  start = kvm->sim->now > kvm->injector_busy ? kvm->sim->now : kvm->injector_busy;
  aia_cycle cost = AIA__COST(kvm, inject);
  j = aia__kjob_post(kvm, KJ_INJECT, start + cost);
  if (j == NULL)
    return aia__sim_fail(kvm->sim, AIA_ENOMEM, "inject: out of memory");
  kvm->injector_busy = start + cost;
  kvm->inj.queued++;
  kvm->inj.busy_cycles += cost;
  if (start - kvm->sim->now > kvm->inj.delay_max)
    kvm->inj.delay_max = start - kvm->sim->now;
  if (kvm->inj.queued - kvm->inj.injected > kvm->inj.backlog_max)
    kvm->inj.backlog_max = kvm->inj.queued - kvm->inj.injected;
  j->v = v;
  j->iid = data;
  j->msi = msi;
  aia__kvm_emit(kvm, AIA_EV_MSI_SOURCE, v, kvm->cfg.injector_hart, data, msi, 0);
  return AIA_OK;
}

int aia_kvm_inject_direct(aia_kvm *kvm, aia_vcpu *v, uint32_t iid, uint64_t msi)
{
  uint64_t pa = 0;
  if (kvm == NULL || v == NULL || v->kvm != kvm)
    return AIA_EINVAL;
  if (v->vsfile_cpu < 0) /* page not mapped: the store traps to KVM */
    return aia_kvm_inject(kvm, v, 0, AIA_MMIO_SETEIPNUM_LE, iid, msi);
  aia__vcpu_prefetch(v);
  aia__kvm_emit(kvm, AIA_EV_MSI_SOURCE, v, AIA_NONE, iid, msi, 1); /* arg 1: direct */
  (void)aia_file_address(kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei, &pa);
  return aia_mmio_write(kvm->plat, pa + AIA_MMIO_SETEIPNUM_LE, 4, iid, msi);
}
