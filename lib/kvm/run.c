/* lib/kvm/run.c: the vCPU thread: run loop, guest execution, WFI, halt
 * polling, block and wake, and the AIA update (VS-file migration, SW-file).
 * SPDX-License-Identifier: MIT
 *
 * The vCPU thread's code is a state machine (aia__pc): each step runs at an
 * event of the thread's own, only while the thread has its hart, and says
 * which step comes next and after how many cycles. Preemption points are the
 * places Linux can switch the thread: the top of the run loop (cond_resched
 * in xfer_to_guest_mode_handle_work), preempt_enable after a guest exit,
 * preempt_enable after prepare_to_rcuwait, and schedule() in the block loop.
 *
 * Mirrors arch/riscv/kvm/vcpu.c kvm_arch_vcpu_ioctl_run,
 * kvm_riscv_vcpu_enter_exit, kvm_riscv_vcpu_flush_interrupts,
 * kvm_riscv_vcpu_has_interrupts; vcpu_insn.c kvm_riscv_vcpu_wfi;
 * virt/kvm/kvm_main.c kvm_vcpu_halt, kvm_vcpu_block, kvm_vcpu_check_block,
 * kvm_sched_in, kvm_sched_out; aia_imsic.c kvm_riscv_vcpu_aia_imsic_update,
 * kvm_riscv_vcpu_aia_imsic_release, kvm_riscv_vcpu_aia_imsic_put,
 * kvm_riscv_vcpu_aia_imsic_has_interrupt; aia.c kvm_riscv_aia_wakeon_hgei.
 */
#include <stdlib.h>
#include <string.h>

#include "aiasim/aplic.h"
#include "kvm/kvm_impl.h"

#define MIP_VSEIP (UINT64_C(1) << AIA_IRQ_VSEI)
#define HVIP_VSEIP (UINT64_C(1) << AIA__IRQ_VS_EXT)

static void step_fire(aia_sim *sim, aia__ev *ev);
static void guest_fire(aia_sim *sim, aia__ev *ev);
static void guest_next(aia_vcpu *v);
static void guest_check_irq(aia_vcpu *v);

void aia__vcpu_init_events(aia_vcpu *v)
{
  aia__ev_init(&v->step_ev, step_fire);
  aia__ev_init(&v->guest_ev, guest_fire);
  aia__ev_init(&v->timer_ev, aia__vcpu_timer_fire);
}

static aia_cycle now_of(const aia_vcpu *v)
{
  return v->kvm->sim->now;
}

/* The hart the thread runs on (valid while it has one). */
static uint32_t here(const aia_vcpu *v)
{
  return aia_thread_hart(v->thread);
}

static const aia_kvm_timing *T(const aia_vcpu *v)
{
  return &v->kvm->cfg.timing;
}

/* Next step of the thread's code, `delay` cycles from now. */
static void go(aia_vcpu *v, aia__pc pc, aia_cycle delay)
{
  v->pc = pc;
  aia__sim_cancel(v->kvm->sim, &v->step_ev);
  (void)aia__sim_soon(v->kvm->sim, &v->step_ev, now_of(v) + delay, AIA_PH_HART);
}

/* Cost of moving a file's state with CSR accesses, per 64 identities. */
static aia_cycle file_cost(const aia_vcpu *v)
{
  return AIA__COST(v->kvm, vsfile_migrate) * ((v->vm->ids + 1) / 64);
}

bool aia__vcpu_deliverable(const aia_vcpu *v)
{
  if (v->vsfile_cpu >= 0)
    return aia_file_line(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei);
  return v->swfile.eidelivery == AIA_EIDELIVERY_ON && aia__ifile_topei(&v->swfile) != 0;
}

static bool hgeip_bit(const aia_vcpu *v, uint32_t hart, uint32_t hgei)
{
  return hgei > 0 && ((aia_hart_hgeip(v->kvm->plat, hart) >> hgei) & 1u);
}

/* kvm_arch_vcpu_runnable for a vCPU whose thread runs on v->cpu:
 * kvm_riscv_vcpu_has_interrupts plus a pending timer (check_block). */
bool aia__vcpu_runnable(aia_vcpu *v)
{
  uint32_t cpu;
  if (v->timer_pending)
    return true;
  if (!(v->vsie & AIA__VSIE_SEIE))
    return false;
  if (v->irqs_pending & (UINT64_C(1) << AIA__IRQ_VS_EXT))
    return true; /* SW-file VS_EXT */
  if (v->cpu < 0)
    return false;
  cpu = (uint32_t)v->cpu;
  switch (v->kvm->cfg.era) {
  case AIA_ERA_A: { /* aia_find_hgei on this hart, then its HGEIP */
    int hgei = aia__hgei_find(v->kvm, cpu, v);
    return hgei > 0 && hgeip_bit(v, cpu, (uint32_t)hgei);
  }
  case AIA_ERA_B: /* this hart's HGEIP at vsfile_hgei, whatever hart the file is on */
    return v->vsfile_cpu >= 0 && hgeip_bit(v, cpu, v->vsfile_hgei);
  default: /* C: a VS-file on another hart counts as runnable */
    if (v->vsfile_cpu < 0)
      return false;
    if ((uint32_t)v->vsfile_cpu != cpu)
      return true;
    return hgeip_bit(v, cpu, v->vsfile_hgei);
  }
}

/* ------------------------------------------------------------ guest ---- */

static void guest_at(aia_vcpu *v, aia__seg seg, aia_cycle when)
{
  v->seg = seg;
  v->seg_end = when;
  aia__sim_cancel(v->kvm->sim, &v->guest_ev);
  (void)aia__sim_soon(v->kvm->sim, &v->guest_ev, when, AIA_PH_HART);
}

/* The guest stops executing (an exit begins): remember what is left. */
static void guest_pause(aia_vcpu *v)
{
  if (aia__ev_queued(&v->guest_ev)) {
    v->seg_left = v->seg_end > now_of(v) ? v->seg_end - now_of(v) : 0;
    aia__sim_cancel(v->kvm->sim, &v->guest_ev);
  } else {
    v->seg_left = 0;
  }
}

/* The guest runs again after an entry. */
static void guest_resume(aia_vcpu *v)
{
  switch (v->seg) {
  case SEG_NONE:
    guest_next(v);
    break;
  case SEG_BUSY:
    if (v->seg_end == UINT64_MAX)
      break; /* busy forever: no event */
    guest_at(v, SEG_BUSY, v->seg_end > now_of(v) ? v->seg_end : now_of(v));
    break;
  default:
    guest_at(v, v->seg, now_of(v) + v->seg_left);
    break;
  }
}

static void request_exit(aia_vcpu *v, aia_exit_reason reason);

static void guest_next(aia_vcpu *v)
{
  aia_cycle until = UINT64_MAX;
  aia_guest_action a = v->ops.next(v->guest_user, v, now_of(v), &until);
  if (a != AIA_GUEST_BUSY && a != AIA_GUEST_WFI) {
    aia__sim_abort(v->kvm->sim, AIA_EINVAL,
                   "vcpu %u.%u: the guest's next() returned action %d (AIA_GUEST_BUSY or "
                   "AIA_GUEST_WFI)",
                   v->vm->index, v->index, (int)a);
    a = AIA_GUEST_WFI;
  } else if (a == AIA_GUEST_BUSY && until < now_of(v)) {
    aia__sim_abort(v->kvm->sim, AIA_EINVAL,
                   "vcpu %u.%u: the guest's next() returned until = cycle %llu, before now (%llu)",
                   v->vm->index, v->index, (unsigned long long)until,
                   (unsigned long long)now_of(v));
  }
  if (v->exit_pending || v->state != AIA_VCPU_IN_GUEST)
    return; /* the behaviour changed something that made it exit */
  if (a == AIA_GUEST_WFI) {
    aia__kvm_emit(v->kvm, AIA_EV_WFI, v, here(v), 0, 0, 0);
    v->seg = SEG_WFI;
    aia__sim_cancel(v->kvm->sim, &v->guest_ev);
    guest_check_irq(v);
    if (v->seg == SEG_WFI) /* nothing pending: it waits, then traps (VTW) */
      guest_at(v, SEG_WFI, now_of(v) + AIA__COST(v->kvm, wfi_timeout));
    return;
  }
  if (until <= now_of(v))
    until = now_of(v) + 1;
  v->seg = SEG_BUSY;
  v->seg_end = until;
  aia__sim_cancel(v->kvm->sim, &v->guest_ev);
  if (until != UINT64_MAX)
    guest_at(v, SEG_BUSY, until);
}

/* Claims the top identity through vstopei. With the SW-file (VGEIN = 0) the
 * access traps to KVM, which emulates it (exit, then the result on entry). */
static void guest_claim(aia_vcpu *v)
{
  uint32_t iid;
  if (v->csr_trap_claim) {
    /* The emulated access completes: its result is the guest's, even if
     * the run loop moved the vCPU to a VS-file before this entry. */
    v->csr_trap_claim = false;
    iid = v->last_claim;
  } else if (v->guest_vgein == 0) {
    v->csr_trap_claim = true;
    v->seg_left = 0;
    request_exit(v, AIA_EXIT_CSR_TRAP);
    return;
  } else {
    uint64_t old = 0;
    (void)aia_hart_topei(v->kvm->plat, here(v), true, AIA_CSR_WRITE, &old);
    iid = (uint32_t)(old >> 16);
  }
  if (iid != 0) {
    aia_cycle extra = 0;
    aia__kvm_emit(v->kvm, AIA_EV_CLAIM, v, here(v), iid, 0, v->guest_vgein == 0);
    if (v->vm->aplic != NULL) {
      /* A wired source's handler: it acknowledges the device (the device's
       * cost), and for a level source ends with the retrigger store to
       * setipnum_le, which traps (Linux's APLIC MSI driver, irq_eoi). */
      uint32_t level = 0;
      extra = aia__vaplic_claimed(v->vm->aplic, v, iid, &level);
      v->eoi_source = (v->kvm->cfg.faults & AIA_FAULT_APLIC_NO_RETRIGGER) ? 0 : level;
      v->eoi_done = false;
    }
    if (v->ops.claimed)
      v->ops.claimed(v->guest_user, v, iid);
    if (v->exit_pending || v->state != AIA_VCPU_IN_GUEST)
      return;
    guest_at(v, SEG_ISR, now_of(v) + (v->isr ? v->isr : AIA__COST(v->kvm, isr)) + extra);
    return;
  }
  /* Nothing left: return from the trap (sret) to what was interrupted. An
   * interrupt that is pending again traps again at once. */
  v->seg = v->seg_before_trap;
  v->seg_left = v->before_trap_left;
  v->seg_before_trap = SEG_NONE;
  if (v->seg == SEG_NONE)
    guest_next(v);
  else
    guest_resume(v);
  /* An interrupt that is pending again traps at once (a WFI checked it
   * already in guest_next). */
  if (v->state == AIA_VCPU_IN_GUEST && !v->exit_pending && v->seg == SEG_BUSY)
    guest_check_irq(v);
}

static void guest_fire(aia_sim *sim, aia__ev *ev)
{
  aia_vcpu *v = AIA__CONTAINER_OF(ev, aia_vcpu, guest_ev);
  (void)sim;
  if (v->state != AIA_VCPU_IN_GUEST || v->exit_pending)
    return;
  switch (v->seg) {
  case SEG_BUSY:
    v->seg = SEG_NONE;
    guest_next(v);
    break;
  case SEG_WFI: /* no interrupt within wfi_timeout: the WFI traps */
    v->seg = SEG_NONE; /* KVM retires the WFI (sepc += 4) */
    request_exit(v, AIA_EXIT_WFI);
    break;
  case SEG_ISR:
    if (v->eoi_source != 0 && !v->eoi_done) { /* the retrigger store traps */
      v->seg_left = 0;
      request_exit(v, AIA_EXIT_MMIO);
      break;
    }
    v->eoi_source = 0;
    v->eoi_done = false;
    guest_claim(v);
    break;
  case SEG_TRAP:
    guest_claim(v);
    break;
  default:
    break;
  }
}

/* Guest-side interrupt checks while it runs: the timer, then VS external
 * interrupts (hip.VSEIP and vsie.SEIE, not while in its handler). */
static void guest_check_irq(aia_vcpu *v)
{
  uint64_t mip;
  if (v->state != AIA_VCPU_IN_GUEST || v->exit_pending)
    return;
  if (v->timer_pending) {
    v->timer_pending = false;
    if (v->seg == SEG_WFI) { /* the tick ends the WFI */
      aia__sim_cancel(v->kvm->sim, &v->guest_ev);
      v->seg = SEG_NONE;
      guest_next(v);
      if (v->state != AIA_VCPU_IN_GUEST || v->exit_pending)
        return;
    }
  }
  if (v->seg == SEG_TRAP || v->seg == SEG_ISR || !v->guest_seie)
    return;
  mip = aia_hart_mip(v->kvm->plat, here(v));
  if (!(mip & MIP_VSEIP))
    return;
  if (v->seg == SEG_WFI) {
    v->seg_before_trap = SEG_NONE; /* the WFI completes */
  } else {
    v->seg_before_trap = v->seg;
    guest_pause(v);
    v->before_trap_left = v->seg_left;
  }
  aia__kvm_emit(v->kvm, AIA_EV_GUEST_TRAP, v, here(v), 0, 0, 0);
  guest_at(v, SEG_TRAP, now_of(v) + AIA__COST(v->kvm, guest_trap));
}

/* The vCPU's hart changed its interrupt state while the guest runs: an HS
 * interrupt (IPI, SGEI) forces an exit; else the guest may take a VSEI. */
void aia__vcpu_hart_changed(aia_vcpu *v, uint32_t hart)
{
  if (v->state != AIA_VCPU_IN_GUEST || v->exit_pending)
    return;
  if (aia_hart_hs_irq(v->kvm->plat, hart) != 0) {
    request_exit(v, AIA_EXIT_IRQ);
    return;
  }
  guest_check_irq(v);
}

/* ------------------------------------------------------------ exits ---- */

static void request_exit(aia_vcpu *v, aia_exit_reason reason)
{
  if (v->exit_pending)
    return;
  v->exit_pending = true;
  v->exit_reason = reason;
  if (reason != AIA_EXIT_CSR_TRAP && reason != AIA_EXIT_MMIO && v->seg != SEG_NONE)
    guest_pause(v);
  else
    aia__sim_cancel(v->kvm->sim, &v->guest_ev);
  go(v, PC_EXIT, AIA__COST(v->kvm, vm_exit));
}

/* ------------------------------------------------------------ halt ----- */

static void halt_poll_update(aia_vcpu *v, aia_cycle halt_ns)
{
  aia_cycle max = T(v)->halt_poll_max, cur = v->halt_poll_ns;
  if (max == 0) {
    v->halt_poll_ns = 0;
  } else if (halt_ns <= cur) {
    /* within the window: keep it */
  } else if (halt_ns > max) {
    /* shrink_halt_poll_ns: divided by halt_poll_ns_shrink (2 in current
     * kernels), and 0 once below halt_poll_ns_grow_start. */
    aia_cycle n = cur / 2;
    v->halt_poll_ns = n < T(v)->halt_poll_start ? 0 : n;
  } else if (cur < max && halt_ns < max) {
    aia_cycle n = cur * 2;
    if (n < T(v)->halt_poll_start)
      n = T(v)->halt_poll_start;
    if (n > max)
      n = max;
    v->halt_poll_ns = n;
  }
}

/* KVM_STATS_LOG_HIST_UPDATE: bucket fls64(ns), clamped to the last. */
static void hist_add(uint64_t *hist, const aia_vcpu *v, aia_cycle cycles)
{
  uint64_t hz = aia_sim_clock_hz(v->kvm->sim);
  double ns = hz ? (double)cycles * 1e9 / (double)hz : 0.0;
  uint64_t n = ns >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)ns;
  unsigned b = 0;
  while (n) {
    b++;
    n >>= 1;
  }
  hist[b < AIA_HALT_HIST_BUCKETS ? b : AIA_HALT_HIST_BUCKETS - 1]++;
}

/* update_halt_poll_stats: the poll ran from block_start to poll_end. */
static void halt_poll_stats(aia_vcpu *v, bool success)
{
  aia_vcpu_halt_stats *st = &v->hst;
  aia_cycle poll = v->poll_end - v->block_start;
  st->halt_attempted_poll++;
  if (success) {
    st->halt_successful_poll++; /* vcpu_valid_wakeup is always true on RISC-V */
    st->halt_poll_success_cycles += poll;
    hist_add(st->halt_poll_success_hist, v, poll);
  } else {
    st->halt_poll_fail_cycles += poll;
    hist_add(st->halt_poll_fail_hist, v, poll);
  }
}

/* Polling re-checks the predicate whenever something it reads changes. */
static void poll_check(aia_vcpu *v)
{
  if (v->pc != PC_POLL || !aia__ev_queued(&v->step_ev) || !aia_thread_is_on_cpu(v->thread))
    return;
  if (!aia__vcpu_runnable(v))
    return;
  v->poll_end = now_of(v); /* kvm_vcpu_check_block < 0 inside the poll loop */
  halt_poll_stats(v, true);
  halt_poll_update(v, now_of(v) - v->block_start);
  aia__vcpu_set_state(v, AIA_VCPU_IN_HOST);
  go(v, PC_LOOP, 0);
}

void aia__vcpu_timer_fire(aia_sim *sim, aia__ev *ev)
{
  aia_vcpu *v = AIA__CONTAINER_OF(ev, aia_vcpu, timer_ev);
  (void)sim;
  v->timer_pending = true;
  if (v->state == AIA_VCPU_IN_GUEST && !v->exit_pending) {
    guest_check_irq(v);
    return;
  }
  poll_check(v);
  /* kvm_riscv_vcpu_hrtimer_expired: kick the vCPU (wakes it if blocked).
   * The host timer fires on the vCPU's own hart when its thread has one. */
  aia__vcpu_kick(v, v->cpu >= 0 ? (uint32_t)v->cpu : AIA_NONE, 0);
}

/* The kicker runs on the hart where this vCPU's guest runs (the injector
 * hart in the model): its interrupt takes the guest out. */
void aia__vcpu_force_exit(aia_vcpu *v)
{
  if (v->state == AIA_VCPU_IN_GUEST && !v->exit_pending)
    request_exit(v, AIA_EXIT_IRQ);
}

/* ------------------------------------------------------------ AIA update */

static void arm_hgeie(aia_vcpu *v, uint32_t hart, uint32_t hgei, bool on)
{
  if (hgei == 0)
    return;
  (void)aia_hart_hgeie(v->kvm->plat, hart, on ? AIA_CSR_SET : AIA_CSR_CLEAR,
                       UINT64_C(1) << hgei, NULL);
}

/* kvm_riscv_vcpu_aia_imsic_update, first part. */
static void aia_update(aia_vcpu *v)
{
  uint32_t cpu = here(v);
  int hgei;
  if (v->vm->mode == AIA_MODE_EMUL || (v->vsfile_cpu >= 0 && (uint32_t)v->vsfile_cpu == cpu)) {
    go(v, PC_ENTER, 0);
    return;
  }
  hgei = aia__hgei_alloc(v->kvm, cpu, v);
  if (hgei < 0) {
    if (v->vm->mode == AIA_MODE_HWACCEL) { /* KVM_EXIT_FAIL_ENTRY, no VS-file */
      bool switched = false;
      aia__kvm_emit(v->kvm, AIA_EV_USER_EXIT, v, cpu, 0, 0, 1);
      v->pc = PC_USERSPACE;
      /* The VMM gets the failure and does not run the vCPU again: its
       * thread gives the hart up for good. */
      aia__sim_cancel(v->kvm->sim, &v->step_ev);
      (void)aia_thread_set_interruptible(v->thread);
      (void)aia_thread_schedule(v->thread, &switched);
      aia__vcpu_set_state(v, AIA_VCPU_USERSPACE);
      return;
    }
    if (v->vsfile_cpu >= 0) { /* AUTO: release to the SW-file */
      v->migrating = true;
      v->mig_old_cpu = v->vsfile_cpu;
      v->mig_old_hgei = v->vsfile_hgei;
      v->vsfile_cpu = -1;
      v->vsfile_hgei = 0;
      v->guest_vgein = 0;
      /* iounmap of the guest's IMSIC page (G-stage, with its HFENCE round
       * trip), then the old file is read through a synchronous IPI. */
      go(v, PC_REL_READ, AIA__COST(v->kvm, hfence_roundtrip) + AIA__COST(v->kvm, ipi_send) +
                             v->kvm->plat->cfg.ipi_deliver);
      return;
    }
    go(v, PC_ENTER, 0); /* stays on the SW-file; tried again next pass */
    return;
  }
  v->mig_new_hgei = (uint32_t)hgei;
  v->migrating = true;
  if (v->kvm->cfg.era != AIA_ERA_A)
    arm_hgeie(v, cpu, (uint32_t)hgei, false); /* no stale arm for this index */
  {
    aia_file_image junk;
    (void)aia_file_save(v->kvm->plat, cpu, (uint32_t)hgei, &junk, true); /* local_clear */
  }
  go(v, PC_MIG_CLEARED, file_cost(v) + AIA__COST(v->kvm, hfence_roundtrip));
}

/* Swap under the write lock: injections now go to the new file. The image
 * the old file is read into lives until the restore (520 bytes a vCPU
 * would otherwise carry all the time). */
static void mig_swap(aia_vcpu *v)
{
  if (v->mig_img == NULL && (v->mig_img = malloc(sizeof *v->mig_img)) == NULL) {
    (void)aia__sim_abort(v->kvm->sim, AIA_ENOMEM, "out of memory for a VS-file migration");
    return;
  }
  v->mig_old_cpu = v->vsfile_cpu;
  v->mig_old_hgei = v->vsfile_hgei;
  v->vsfile_cpu = (int32_t)here(v);
  v->vsfile_hgei = v->mig_new_hgei;
  if (v->mig_old_cpu >= 0) {
    /* imsic_vsfile_read on the old hart through a synchronous IPI. */
    go(v, PC_MIG_SWAPPED, AIA__COST(v->kvm, ipi_send) + v->kvm->plat->cfg.ipi_deliver);
    return;
  }
  /* From the SW-file: imsic_swfile_read(clear), VS_EXT unset. */
  aia__ifile_save(&v->swfile, v->mig_img, true);
  aia__vcpu_unset_interrupt(v, AIA__IRQ_VS_EXT);
  aia__kvm_emit(v->kvm, AIA_EV_SWFILE, v, here(v), 0, 0, 0);
  if (v->ever_entered || v->fst.vs_to_sw > 0)
    v->fst.sw_to_vs++;
  go(v, PC_MIG_RESTORE, 0);
}

static void mig_read_old(aia_vcpu *v)
{
  (void)aia_file_save(v->kvm->plat, (uint32_t)v->mig_old_cpu, v->mig_old_hgei, v->mig_img, true);
  aia__hgei_free(v->kvm, (uint32_t)v->mig_old_cpu, v->mig_old_hgei);
  go(v, PC_MIG_RESTORE, file_cost(v));
}

static void mig_restore(aia_vcpu *v)
{
  if (v->kvm->cfg.faults & AIA_FAULT_MIGRATE_DROPS_PENDING)
    memset(v->mig_img->eip, 0, sizeof v->mig_img->eip);
  (void)aia_file_restore(v->kvm->plat, here(v), v->vsfile_hgei, v->mig_img);
  free(v->mig_img);
  v->mig_img = NULL;
  v->guest_vgein = v->vsfile_hgei;
  v->migrating = false;
  aia__kvm_emit(v->kvm, AIA_EV_VSFILE_MIGRATE, v, here(v), 0, 0,
                v->mig_old_cpu >= 0 ? (uint64_t)v->mig_old_cpu : AIA_NONE);
  go(v, PC_ENTER, file_cost(v));
}

/* kvm_riscv_vcpu_aia_imsic_release, after the lock: the old file is read
 * and cleared on its hart, ORed into the SW-file, then freed. */
static void release_read(aia_vcpu *v)
{
  aia_file_image img;
  (void)aia_file_save(v->kvm->plat, (uint32_t)v->mig_old_cpu, v->mig_old_hgei, &img, true);
  if (v->kvm->cfg.faults & AIA_FAULT_MIGRATE_DROPS_PENDING)
    memset(img.eip, 0, sizeof img.eip);
  (void)aia__ifile_restore(&v->swfile, &img);
  aia__kvm_emit(v->kvm, AIA_EV_SWFILE, v, here(v), 0, 0, 1);
  v->fst.vs_to_sw++;
  /* imsic_swfile_update runs on this thread before the next entry: the
   * VS_EXT update is synchronous here (its cost is part of file_cost). */
  aia__swfile_extirq_update_now(v, here(v));
  aia__hgei_free(v->kvm, (uint32_t)v->mig_old_cpu, v->mig_old_hgei);
  v->migrating = false;
  go(v, PC_ENTER, file_cost(v));
}

/* The release done from another context (a hart going offline): the
 * vCPU's file becomes its SW-file at once. A guest running on that file is
 * taken out first (its VGEIN would name a file that is gone). */
void aia__vcpu_release_now(aia_vcpu *v)
{
  aia_file_image img;
  uint32_t old = (uint32_t)v->vsfile_cpu, hgei = v->vsfile_hgei;
  aia__vcpu_force_exit(v);
  v->vsfile_cpu = -1;
  v->vsfile_hgei = 0;
  v->guest_vgein = 0;
  (void)aia_file_save(v->kvm->plat, old, hgei, &img, true);
  (void)aia__ifile_restore(&v->swfile, &img);
  aia__kvm_emit(v->kvm, AIA_EV_SWFILE, v, old, 0, 0, 1);
  v->fst.vs_to_sw++;
  aia__swfile_extirq_update_now(v, old);
  aia__hgei_free(v->kvm, old, hgei);
}

/* ------------------------------------------------------------ the loop - */

/* A preemption point before `next`: returns false if the thread switched
 * (it resumes at `next` when it has a hart again). */
static bool preempt_point(aia_vcpu *v, aia__pc next)
{
  bool switched = false;
  v->pc = next;
  aia__sim_cancel(v->kvm->sim, &v->step_ev);
  if (aia_thread_preempt_point(v->thread, &switched) != AIA_OK)
    return true;
  return !switched;
}

static void enter(aia_vcpu *v)
{
  uint32_t cpu = here(v);
  uint64_t mask;
  (void)aia_hart_set_sie(v->kvm->plat, cpu, false); /* local_irq_disable */
  v->mode = AIA_MODE_IN_GUEST;
  /* kvm_riscv_vcpu_flush_interrupts */
  mask = v->irqs_pending_mask;
  v->irqs_pending_mask = 0;
  v->hvip = (v->hvip & ~mask) | (v->irqs_pending & mask);
  if (aia_host_need_resched(v->kvm->host, cpu)) { /* xfer_to_guest_mode_work_pending */
    v->mode = AIA_MODE_OUTSIDE_GUEST;
    (void)aia_hart_set_sie(v->kvm->plat, cpu, true);
    go(v, PC_LOOP, 0);
    return;
  }
  go(v, PC_IN_GUEST, AIA__COST(v->kvm, vm_entry));
}

static void entered(aia_vcpu *v)
{
  uint32_t cpu = here(v);
  aia__kvm_hart *kh = &v->kvm->harts[cpu];
  kh->in_guest = v;
  (void)aia_hart_set_vgein(v->kvm->plat, cpu, v->guest_vgein);
  (void)aia_hart_set_hvip(v->kvm->plat, cpu, v->hvip & HVIP_VSEIP);
  (void)aia_hart_set_virt(v->kvm->plat, cpu, true);
  v->exit_pending = false;
  aia__vcpu_set_state(v, AIA_VCPU_IN_GUEST);
  aia__kvm_emit(v->kvm, AIA_EV_VM_ENTRY, v, cpu, 0, 0, v->guest_vgein);
  v->ever_entered = true;
  if (v->guest_vgein == 0) {
    v->fst.vcpus_on_swfile = 1;
    v->fst.swfile_entries++;
    v->sw_in = true;
    v->sw_entered = aia_sim_now(v->kvm->sim);
  }
  if (aia_host_need_resched(v->kvm->host, cpu)) {
    request_exit(v, AIA_EXIT_RESCHED);
    return;
  }
  if (v->mode == AIA_MODE_EXITING_GUEST) {
    /* Kicked on this very hart while entering (the kicker's interrupt is
     * pending here): it exits at once, and the run loop sees the request. */
    request_exit(v, AIA_EXIT_IRQ);
    return;
  }
  aia__vcpu_hart_changed(v, cpu); /* an HS interrupt already pending exits at once */
  if (v->state == AIA_VCPU_IN_GUEST && !v->exit_pending) {
    guest_check_irq(v);
    if (v->state == AIA_VCPU_IN_GUEST && !v->exit_pending && !aia__ev_queued(&v->guest_ev))
      guest_resume(v);
  }
}

static void exited(aia_vcpu *v)
{
  uint32_t cpu = here(v);
  aia__kvm_hart *kh = &v->kvm->harts[cpu];
  v->mode = AIA_MODE_OUTSIDE_GUEST;
  v->vsie = v->guest_seie ? AIA__VSIE_SEIE : 0; /* kvm_riscv_vcpu_sync_interrupts */
  kh->in_guest = NULL;
  (void)aia_hart_set_virt(v->kvm->plat, cpu, false);
  (void)aia_hart_set_vgein(v->kvm->plat, cpu, 0);
  (void)aia_hart_set_hvip(v->kvm->plat, cpu, 0);
  v->exit_pending = false;
  v->xst.exits++; /* kvm_arch_vcpu_ioctl_run: every return from the guest */
  aia__vcpu_set_state(v, AIA_VCPU_IN_HOST);
  aia__kvm_emit(v->kvm, AIA_EV_VM_EXIT, v, cpu, 0, 0, v->exit_reason);
  if (v->sw_in) {
    v->fst.swfile_guest_cycles += aia_sim_now(v->kvm->sim) - v->sw_entered;
    v->sw_in = false;
  }
  /* The interrupt window: pending host interrupts are taken here, on this
   * thread's time (an SGEI's handler delays the rest of the exit path). */
  if (aia_hart_mip(v->kvm->plat, cpu) & (UINT64_C(1) << AIA_IRQ_SSI))
    (void)aia_host_handle_ipi(v->kvm->host, cpu);
  (void)aia_hart_set_sie(v->kvm->plat, cpu, true);
  aia_cycle irq_cost = aia__hgei_take_now(v->kvm, cpu) ? AIA__COST(v->kvm, hgei_handler) : 0;
  aia__host_sei_check(v->kvm, cpu, false);
  /* preempt_enable: a preemption point before the exit is handled. */
  if (preempt_point(v, PC_HANDLE))
    go(v, PC_HANDLE, irq_cost);
}

static void handle_exit(aia_vcpu *v)
{
  switch (v->exit_reason) {
  case AIA_EXIT_WFI: /* wfi_insn -> kvm_riscv_vcpu_wfi */
    v->xst.wfi_exit_stat++;
    if (aia__vcpu_runnable(v)) {
      go(v, PC_LOOP, 0);
      return;
    }
    v->block_start = now_of(v); /* kvm_vcpu_halt: start = poll_end = now */
    v->poll_end = v->block_start;
    v->do_halt_poll = v->halt_poll_ns > 0;
    v->waited = false;
    /* kvm_vcpu_can_poll: single_task_running() && !need_resched(). The
     * kernel's do-while checks once and stops, which is no poll at all. */
    if (v->halt_poll_ns > 0 && (aia_host_queue_len(v->kvm->host, here(v)) > 0 ||
                                aia_host_need_resched(v->kvm->host, here(v)))) {
      go(v, PC_BLOCK, 0);
      return;
    }
    if (v->halt_poll_ns > 0) {
      aia__vcpu_set_state(v, AIA_VCPU_POLLING);
      aia__kvm_emit(v->kvm, AIA_EV_HALT_POLL, v, here(v), 0, 0, v->halt_poll_ns);
      go(v, PC_POLL, v->halt_poll_ns);
      return;
    }
    go(v, PC_BLOCK, 0);
    return;
  case AIA_EXIT_CSR_TRAP: { /* csr_insn -> kvm_riscv_vcpu_aia_imsic_rmw(TOPEI), SW-file */
    v->xst.csr_exit_kernel++;
    v->last_claim = aia__ifile_claim(&v->swfile);
    if (v->last_claim)
      aia__kvm_emit(v->kvm, AIA_EV_EIP_CLEAR, v, here(v), v->last_claim, 0, 1);
    aia_cycle emul = AIA__COST(v->kvm, csr_emulate); /* one draw for both */
    aia__swfile_extirq_update_claim(v, here(v), emul);
    go(v, PC_LOOP, emul);
    return;
  }
  case AIA_EXIT_MMIO: /* gstage_page_fault -> kvm_riscv_vcpu_mmio_store -> aplic_mmio_write */
    v->xst.mmio_exit_kernel++;
    (void)aia__vaplic_guest_write(v->vm->aplic, v, AIA_APLIC_SETIPNUM_LE, v->eoi_source);
    v->eoi_done = true;
    go(v, PC_LOOP, AIA__COST(v->kvm, mmio_emulate));
    return;
  default:
    go(v, PC_LOOP, 0);
    return;
  }
}

static bool wakeon_hgei_armed_by_era_a(const aia_vcpu *v)
{
  return v->kvm->cfg.era == AIA_ERA_A &&
         !(v->kvm->cfg.faults & (AIA_FAULT_NO_WAKEON_HGEI | AIA_FAULT_ARM_AFTER_SLEEP));
}

static void block_enter(aia_vcpu *v)
{
  uint32_t cpu = here(v);
  /* Era A: kvm_arch_vcpu_blocking -> kvm_riscv_aia_wakeon_hgei(true) on this hart. */
  if (wakeon_hgei_armed_by_era_a(v)) {
    int hgei = aia__hgei_find(v->kvm, cpu, v);
    if (hgei > 0)
      arm_hgeie(v, cpu, (uint32_t)hgei, true);
  }
  v->poll_end = now_of(v); /* polling (if any) is over: kvm_vcpu_block */
  v->blocking = true; /* prepare_to_rcuwait */
  aia__kvm_emit(v->kvm, AIA_EV_BLOCK, v, cpu, 0, 0, 0);
  if (preempt_point(v, PC_BLOCK_LOOP)) /* preempt_enable */
    go(v, PC_BLOCK_LOOP, 0);
}

static void block_loop(aia_vcpu *v)
{
  (void)aia_thread_set_interruptible(v->thread);
  if (aia__vcpu_runnable(v)) { /* kvm_vcpu_check_block < 0 */
    (void)aia_thread_set_running(v->thread);
    go(v, PC_BLOCK_DONE, 0);
    return;
  }
  /* The check and the way into schedule() take block_check cycles: an MSI
   * landing in that window is what the sched-out arm (level) catches. */
  go(v, PC_BLOCK_SCHED, AIA__COST(v->kvm, block_check));
}

static void block_sched(aia_vcpu *v)
{
  bool switched = false;
  v->pc = PC_BLOCK_LOOP;
  v->waited = true; /* kvm_vcpu_block reached schedule() */
  aia__sim_cancel(v->kvm->sim, &v->step_ev);
  (void)aia_thread_schedule(v->thread, &switched);
  if (!switched) /* woken before it slept: check again */
    go(v, PC_BLOCK_LOOP, 0);
}

static void block_done(aia_vcpu *v)
{
  uint32_t cpu = here(v);
  v->blocking = false; /* finish_rcuwait */
  if (wakeon_hgei_armed_by_era_a(v)) { /* kvm_arch_vcpu_unblocking */
    int hgei = aia__hgei_find(v->kvm, cpu, v);
    if (hgei > 0)
      arm_hgeie(v, cpu, (uint32_t)hgei, false);
  }
  if (v->waited) {
    v->hst.halt_wait_cycles += now_of(v) - v->poll_end;
    hist_add(v->hst.halt_wait_hist, v, now_of(v) - v->poll_end);
  }
  if (v->do_halt_poll)
    halt_poll_stats(v, !v->waited);
  halt_poll_update(v, now_of(v) - v->block_start);
  aia__vcpu_set_state(v, AIA_VCPU_IN_HOST);
  go(v, PC_LOOP, 0);
}

static void step_fire(aia_sim *sim, aia__ev *ev)
{
  aia_vcpu *v = AIA__CONTAINER_OF(ev, aia_vcpu, step_ev);
  (void)sim;
  if (!aia_thread_is_on_cpu(v->thread))
    return; /* it resumes from v->pc when it has a hart again */
  switch (v->pc) {
  case PC_LOOP:
    if (preempt_point(v, PC_UPDATE))
      go(v, PC_UPDATE, AIA__COST(v->kvm, run_loop));
    break;
  case PC_UPDATE:
    aia_update(v);
    break;
  case PC_MIG_CLEARED:
    mig_swap(v);
    break;
  case PC_MIG_SWAPPED:
    mig_read_old(v);
    break;
  case PC_MIG_RESTORE:
    mig_restore(v);
    break;
  case PC_REL_READ:
    release_read(v);
    break;
  case PC_ENTER:
    enter(v);
    break;
  case PC_IN_GUEST:
    entered(v);
    break;
  case PC_EXIT:
    exited(v);
    break;
  case PC_HANDLE:
    handle_exit(v);
    break;
  case PC_POLL: /* the poll window ran out */
    go(v, PC_BLOCK, 0);
    break;
  case PC_BLOCK:
    aia__vcpu_set_state(v, AIA_VCPU_IN_HOST);
    block_enter(v);
    break;
  case PC_BLOCK_LOOP:
    block_loop(v);
    break;
  case PC_BLOCK_SCHED:
    block_sched(v);
    break;
  case PC_BLOCK_DONE:
    block_done(v);
    break;
  default:
    break;
  }
}

/* ------------------------------------------------------------ thread --- */

static void th_run(void *user, aia_thread *t, uint32_t hart)
{
  aia_vcpu *v = user;
  (void)t;
  (void)hart;
  if (v->pc == PC_USERSPACE)
    return;
  go(v, v->pc, 0);
}

static void th_resched(void *user, aia_thread *t, uint32_t hart)
{
  aia_vcpu *v = user;
  (void)t;
  (void)hart;
  if (v->state == AIA_VCPU_IN_GUEST && !v->exit_pending) {
    request_exit(v, AIA_EXIT_RESCHED); /* the host tick exits the guest */
  } else if (v->pc == PC_POLL && aia__ev_queued(&v->step_ev)) {
    go(v, PC_BLOCK, 0); /* polling stops on need_resched */
  }
  /* Otherwise the next preemption point yields. */
}

/* Another thread became runnable on this hart: single_task_running() is
 * false, so a poll stops at its next iteration (kvm_vcpu_can_poll). */
static void th_contended(void *user, aia_thread *t, uint32_t hart)
{
  aia_vcpu *v = user;
  (void)t;
  (void)hart;
  if (v->pc == PC_POLL && aia__ev_queued(&v->step_ev))
    go(v, PC_BLOCK, 0);
}

/* kvm_sched_in -> kvm_arch_vcpu_load. */
static void th_sched_in(void *user, aia_thread *t, uint32_t hart)
{
  aia_vcpu *v = user;
  (void)t;
  v->preempted = false;
  v->kvm->harts[hart].running = v;
  v->cpu = (int32_t)hart;
  if (v->pc != PC_USERSPACE)
    aia__vcpu_set_state(v, v->pc == PC_POLL ? AIA_VCPU_POLLING : AIA_VCPU_IN_HOST);
}

/* kvm_sched_out -> kvm_arch_vcpu_put -> kvm_riscv_vcpu_aia_imsic_put. */
static void th_sched_out(void *user, aia_thread *t, uint32_t hart, aia_sched_reason reason)
{
  aia_vcpu *v = user;
  uint32_t f = v->kvm->cfg.faults;
  (void)t;
  if (reason != AIA_SCHED_SLEEP)
    v->preempted = true;
  if (v->blocking && v->vsfile_cpu >= 0 && !(f & AIA_FAULT_NO_WAKEON_HGEI)) {
    if (f & AIA_FAULT_ARM_AFTER_SLEEP) {
      /* Planted bug: arms as if waiting for an edge, so a line that is
       * already high (an MSI between the check and the arm) is missed. */
      if (reason == AIA_SCHED_SLEEP &&
          !aia_file_line(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei))
        arm_hgeie(v, hart, v->vsfile_hgei, true);
    } else if (v->kvm->cfg.era != AIA_ERA_A) {
      arm_hgeie(v, hart, v->vsfile_hgei, true); /* on the hart being left */
    }
  }
  v->cpu = -1;
  if (v->kvm->harts[hart].running == v)
    v->kvm->harts[hart].running = NULL;
  if (v->pc != PC_USERSPACE)
    aia__vcpu_set_state(v, reason == AIA_SCHED_SLEEP ? AIA_VCPU_BLOCKED : AIA_VCPU_RUNNABLE);
}

static bool th_in_guest(void *user, const aia_thread *t)
{
  const aia_vcpu *v = user;
  (void)t;
  return v->pc == PC_IN_GUEST || v->pc == PC_EXIT;
}

void aia__vcpu_fill_ops(aia_thread_ops *ops, aia_vcpu *v)
{
  aia_thread_ops_init(ops);
  ops->user = v;
  ops->run = th_run;
  ops->resched = th_resched;
  ops->sched_in = th_sched_in;
  ops->sched_out = th_sched_out;
  ops->in_guest = th_in_guest;
  ops->contended = th_contended;
}

/* Called by the SW-file path and the listener: polling re-checks. */
void aia__vcpu_poll_recheck(aia_vcpu *v)
{
  poll_check(v);
}
