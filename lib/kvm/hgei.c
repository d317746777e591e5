/* lib/kvm/hgei.c: per-hart guest external interrupt control.
 * SPDX-License-Identifier: MIT
 * Mirrors arch/riscv/kvm/aia.c: kvm_riscv_aia_alloc_hgei,
 * kvm_riscv_aia_free_hgei, aia_find_hgei, hgei_interrupt. */
#include "kvm/kvm_impl.h"

/* kvm_riscv_aia_alloc_hgei: lowest free index on `hart`; -1 if none. */
int aia__hgei_alloc(aia_kvm *kvm, uint32_t hart, aia_vcpu *owner)
{
  aia__kvm_hart *kh = &kvm->harts[hart];
  if (kh->free_bitmap == 0)
    return -1;
  int i = __builtin_ctzll(kh->free_bitmap);
  kh->free_bitmap &= ~(UINT64_C(1) << i);
  kh->owners[i] = owner;
  return i;
}

/* kvm_riscv_aia_free_hgei. */
void aia__hgei_free(aia_kvm *kvm, uint32_t hart, uint32_t hgei)
{
  aia__kvm_hart *kh = &kvm->harts[hart];
  if (hgei == 0 || hgei > 63 || (kh->free_bitmap >> hgei) & 1u)
    return;
  kh->free_bitmap |= UINT64_C(1) << hgei;
  kh->owners[hgei] = NULL;
}

/* aia_find_hgei (era A): the index `owner` holds on `hart`, or -1. */
int aia__hgei_find(const aia_kvm *kvm, uint32_t hart, const aia_vcpu *owner)
{
  const aia__kvm_hart *kh = &kvm->harts[hart];
  for (int i = 1; i < 64; i++)
    if (kh->owners[i] == owner)
      return i;
  return -1;
}

/* hgei_interrupt: runs on the hart that took SGEI. */
static void hgei_interrupt(aia_kvm *kvm, uint32_t hart)
{
  aia__kvm_hart *kh = &kvm->harts[hart];
  uint64_t mask = aia_hart_hgeip(kvm->plat, hart), hgeie = 0;
  aia_hart_hgeie(kvm->plat, hart, AIA_CSR_READ, 0, &hgeie);
  mask &= hgeie;
  aia__kvm_emit(kvm, AIA_EV_HGEI_IRQ, NULL, hart, 0, 0, mask);
  if (mask == 0)
    return;
  aia_hart_hgeie(kvm->plat, hart, AIA_CSR_CLEAR, mask, NULL); /* one-shot: disarm what fired */
  if (kvm->cfg.faults & AIA_FAULT_HGEI_HANDLER_NO_KICK)
    return;
  for (uint32_t i = 1; i < 64; i++)
    if (((mask >> i) & 1u) && kh->owners[i])
      aia__vcpu_kick(kh->owners[i], hart, 0);
}

/* SGEI pending, enabled, and interrupts taken on this hart (not in a guest:
 * a vCPU in guest mode exits first and its run loop re-enables them). */
static bool sgei_deliverable(const aia_kvm *kvm, const aia__kvm_hart *kh)
{
  return kh->in_guest == NULL && !aia_hart_is_idle(kvm->plat, kh->index) &&
         (aia_hart_mip(kvm->plat, kh->index) & aia_hart_ie(kvm->plat, kh->index) &
          (UINT64_C(1) << AIA_IRQ_SGEI)) != 0 &&
         aia_hart_hs_irq(kvm->plat, kh->index) != 0;
}

void aia__hgei_fire(aia_sim *sim, aia__ev *ev)
{
  aia__kvm_hart *kh = AIA__CONTAINER_OF(ev, aia__kvm_hart, hgei_ev);
  (void)sim;
  /* Interrupts may have been disabled or the hart entered a guest since the
   * SGEI was seen: re-check that it is still taken here. */
  if (!sgei_deliverable(kh->kvm, kh))
    return;
  hgei_interrupt(kh->kvm, kh->index);
}

/* Called when a hart not running a guest may have a deliverable SGEI. On a
 * busy hart the handler runs hgei_handler cycles later (interrupt entry and
 * dispatch). On a hart that has just left WFI it runs at once: idle_exit
 * already paid for the entry, and the idle loop must not go back to WFI
 * before the handler's wake-ups are seen. SGEI is taken after any
 * higher-priority interrupt (the scheduler handles SSI). */
void aia__hgei_check(aia_kvm *kvm, uint32_t hart, bool woke)
{
  aia__kvm_hart *kh = &kvm->harts[hart];
  /* Interrupts off: taken when they are enabled again (a new notification). */
  if (woke) {
    /* The interrupt that ended WFI is taken before the idle loop decides
     * anything, even if another listener already sent the hart back to WFI
     * within this cycle. */
    if (kh->in_guest == NULL && (aia_hart_mip(kvm->plat, hart) & aia_hart_ie(kvm->plat, hart) &
                                 (UINT64_C(1) << AIA_IRQ_SGEI))) {
      aia__sim_cancel(kvm->sim, &kh->hgei_ev);
      hgei_interrupt(kvm, hart);
    }
    return;
  }
  if (aia__ev_queued(&kh->hgei_ev) || !sgei_deliverable(kvm, kh))
    return;
  (void)aia__sim_soon(kvm->sim, &kh->hgei_ev, kvm->sim->now + AIA__COST(kvm, hgei_handler),
                    AIA_PH_HART);
}

/* The interrupt window of a vCPU's run loop (local_irq_enable after an
 * exit): a pending SGEI is taken right there, on the vCPU thread's time.
 * Returns true if the handler ran (the caller charges hgei_handler). */
bool aia__hgei_take_now(aia_kvm *kvm, uint32_t hart)
{
  aia__kvm_hart *kh = &kvm->harts[hart];
  if (!sgei_deliverable(kvm, kh))
    return false;
  aia__sim_cancel(kvm->sim, &kh->hgei_ev);
  hgei_interrupt(kvm, hart);
  return true;
}

/* kvm_riscv_aia_disable: the hart goes offline. SGEI is masked there, every
 * vCPU owning one of its guest files is released to its SW-file
 * (kvm_riscv_vcpu_aia_imsic_release, done here synchronously: the old
 * file's state is ORed into the SW-file and VS_EXT updated), and an owner
 * whose hgeie bit was armed is kicked, since no SGEI will wake it now. */
int aia_kvm_hart_offline(aia_kvm *kvm, uint32_t hart)
{
  if (kvm == NULL)
    return AIA_EINVAL;
  if (hart >= kvm->nharts)
    return aia__sim_fail(kvm->sim, AIA_ERANGE, "kvm: hart %u out of range", hart);
  aia__kvm_hart *kh = &kvm->harts[hart];
  (void)aia_hart_set_ie(kvm->plat, hart, aia_hart_ie(kvm->plat, hart) & ~(UINT64_C(1) << AIA_IRQ_SGEI));
  for (uint32_t i = 1; i < 64; i++) {
    aia_vcpu *v = kh->owners[i];
    uint64_t hgeie = 0;
    if (v == NULL || v->migrating || v->vsfile_cpu != (int32_t)hart || v->vsfile_hgei != i)
      continue;
    aia__vcpu_release_now(v);
    (void)aia_hart_hgeie(kvm->plat, hart, AIA_CSR_READ, 0, &hgeie);
    if ((hgeie >> i) & 1u) {
      (void)aia_hart_hgeie(kvm->plat, hart, AIA_CSR_CLEAR, UINT64_C(1) << i, NULL);
      aia__vcpu_kick(v, hart, 0);
    }
  }
  return AIA_OK;
}

/* The host's own IMSIC driver: an S-level external interrupt (an MSI to a
 * hart's S-file, e.g. a host device or a stray raw write) is claimed through
 * stopei until none is left, whenever the hart takes interrupts. Without it
 * an S-file interrupt would wake an idle hart for ever. */
void aia__host_sei_check(aia_kvm *kvm, uint32_t hart, bool woke)
{
  aia__kvm_hart *kh = &kvm->harts[hart];
  if (kh->in_guest ||
      (!woke && (aia_hart_is_idle(kvm->plat, hart) || aia_hart_hs_irq(kvm->plat, hart) == 0)) ||
      !(aia_hart_mip(kvm->plat, hart) & aia_hart_ie(kvm->plat, hart) & (UINT64_C(1) << AIA_IRQ_SEI)))
    return;
  for (int guard = 0; guard < 4096; guard++) {
    uint64_t old = 0;
    if (aia_hart_topei(kvm->plat, hart, false, AIA_CSR_WRITE, &old) != AIA_OK || old == 0)
      break;
  }
}
