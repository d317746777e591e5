/* lib/kvm/kvm_impl.h: private state of the KVM model.
 * SPDX-License-Identifier: MIT */
#ifndef AIA__KVM_IMPL_H
#define AIA__KVM_IMPL_H

#include "aiasim/host.h"
#include "aiasim/kvm.h"
#include "core/sim_impl.h"
#include "hw/hw_impl.h"
#include "hw/ifile.h"

#define AIA__IRQ_VS_EXT 10u
#define AIA__VSIE_SEIE (UINT64_C(1) << 9) /* vsie.SEIE (S-level view of VSEI) */

/* Where the vCPU thread's code is (the run loop as a state machine). */
typedef enum aia__pc {
  PC_LOOP = 0,     /* top of the run loop: preemption point */
  PC_UPDATE,       /* kvm_riscv_vcpu_aia_update */
  PC_MIG_CLEARED,  /* new file cleared, remap + HFENCE in flight */
  PC_MIG_SWAPPED,  /* swap done, waiting for the old file's read-and-clear */
  PC_MIG_RESTORE,  /* OR the saved state into the new file */
  PC_REL_READ,     /* release: old file read in flight */
  PC_ENTER,        /* IRQs off, mode = IN_GUEST, flush, entry */
  PC_IN_GUEST,     /* world switch in done: the guest runs */
  PC_EXIT,         /* world switch out in progress */
  PC_IRQ_WINDOW,   /* host interrupts taken, then preempt_enable */
  PC_HANDLE,       /* exit handling (WFI, CSR emulation) */
  PC_POLL,         /* halt polling */
  PC_BLOCK,        /* kvm_vcpu_block entry */
  PC_BLOCK_LOOP,   /* set_current_state; check_block */
  PC_BLOCK_SCHED,  /* schedule() after a negative check */
  PC_BLOCK_DONE,   /* finish_rcuwait, halt-poll bookkeeping */
  PC_USERSPACE     /* returned to the VMM: stopped */
} aia__pc;

/* What the guest is doing while in VS-mode. */
typedef enum aia__seg {
  SEG_NONE = 0, /* asks the behaviour what next */
  SEG_BUSY,     /* computing until an absolute cycle */
  SEG_WFI,      /* WFI: completes on an interrupt or traps after wfi_timeout */
  SEG_TRAP,     /* entering its interrupt handler (guest_trap) */
  SEG_ISR       /* handling a claimed identity (isr) */
} aia__seg;

typedef struct aia__kvm_hart {
  uint64_t free_bitmap;            /* guest files free for allocation (bit 0 never) */
  struct aia_vcpu *owners[64];     /* owner of each guest file */
  struct aia_vcpu *running;        /* kvm_running_vcpu of this hart */
  struct aia_vcpu *in_guest;       /* vCPU whose guest runs here (V=1) */
  aia__ev hgei_ev;                 /* hgei_interrupt in flight */
  struct aia_kvm *kvm;
  uint32_t index;
} aia__kvm_hart;

struct aia_vcpu {
  struct aia_kvm *kvm;
  struct aia_vm *vm;
  uint32_t index;
  aia_thread *thread;

  /* KVM's view */
  aia_vcpu_mode mode;
  int32_t cpu;                  /* vcpu->cpu, -1 when put */
  aia_vcpu_state state;
  int32_t vsfile_cpu;           /* -1: SW-file */
  uint32_t vsfile_hgei;
  uint32_t guest_vgein;         /* guest hstatus.VGEIN */
  aia__ifile swfile;
  aia_cycle swfile_lock_until;  /* swfile_extirq_lock held until */
  aia_vcpu_file_stats fst;      /* aia_vcpu_get_file_stats */
  aia_vcpu_halt_stats hst;      /* aia_vcpu_get_halt_stats */
  aia_vcpu_exit_stats xst;      /* aia_vcpu_get_exit_stats */
  aia_cycle poll_end;           /* kvm_vcpu_halt's poll_end */
  bool do_halt_poll, waited;    /* kvm_vcpu_halt's locals */
  aia_cycle sw_entered;         /* VM entry on the SW-file under way since (if sw_in) */
  bool sw_in;
  bool ever_entered;            /* a VM entry happened (the SW-file was not a mere
                                   placeholder before the first VS-file) */
  uint64_t irqs_pending, irqs_pending_mask;
  uint64_t hvip;                /* guest context hvip */
  uint64_t vsie;                /* saved at exit (what the predicate reads) */
  bool blocking;                /* rcuwait task set */
  bool preempted;
  aia_cycle halt_poll_ns;
  aia_cycle block_start;
  bool poll_success;

  /* run loop */
  aia__pc pc;
  aia__ev step_ev;
  uint32_t exit_reason;
  bool exit_pending;            /* an exit has been decided */
  bool started;
  /* migration in progress */
  bool migrating;               /* between the new file's alloc and its restore */
  int32_t mig_old_cpu;
  uint32_t mig_old_hgei, mig_new_hgei;
  aia_file_image *mig_img;      /* the old file's contents, only during a migration */

  /* guest */
  aia_guest_ops ops;
  void *guest_user;
  bool guest_seie;              /* live vsie.SEIE */
  aia__seg seg;
  aia_cycle seg_end;            /* when the segment ends (while in guest) */
  aia_cycle seg_left;           /* remaining, while out of the guest */
  aia__seg seg_before_trap;     /* resumed after the handler returns */
  aia_cycle before_trap_left;
  aia__ev guest_ev;
  aia_cycle isr;                /* per-identity guest work; 0 = timing.isr */
  bool csr_trap_claim;          /* SW-file claim waiting for emulation */
  uint32_t eoi_source;          /* level APLIC source whose handler ends with a
                                   setipnum_le store (trapped), 0 = none */
  bool eoi_done;                /* that store was emulated */
  aia_cycle isr_extra;          /* device-side acknowledge, added to this ISR */
  uint32_t last_claim;

  /* timer */
  aia__ev timer_ev;
  bool timer_pending;
};

struct aia_vm {
  struct aia_kvm *kvm;
  uint32_t index;
  aia_mode mode;
  uint32_t ids;                 /* nr_msis - 1 */
  uint32_t nvcpus;
  struct aia_vcpu *vcpus;
  struct aia_vaplic *aplic;     /* in-kernel APLIC, or NULL */
};

/* A wired device attached to a source: acknowledged by the guest's
 * handler, returns the acknowledge's cost. */
typedef aia_cycle (*aia__vaplic_ack_fn)(void *user, aia_vcpu *v, uint32_t source);

/* vaplic.c: struct aplic_irq and struct aplic of the kernel. */
typedef struct aia__vaplic_irq {
  uint32_t sourcecfg, state, target;
} aia__vaplic_irq;

struct aia_vaplic {
  struct aia_vm *vm;
  struct aia_kvm *kvm;
  uint32_t nr_irqs, nr_words;   /* sources + 1, and the 32-bit words covering them */
  uint32_t domaincfg, genmsi;
  aia__vaplic_irq *irqs;        /* [nr_irqs]; [0] unused */
  struct aia__vaplic_dev {
    aia__vaplic_ack_fn fn;
    void *user;
  } *devs;                      /* [nr_irqs]: the device wired to each source */
  aia_vaplic_stats st;
};

/* A deferred piece of KVM work: an injection routine running on the
 * injector, an IPI leaving its sender, a SW-file extirq update landing. */
typedef enum aia__kjob_kind { KJ_INJECT = 0, KJ_IPI, KJ_EXTIRQ } aia__kjob_kind;

typedef struct aia__kjob {
  aia__pev pe;                  /* pooled (aia_kvm.jobs) */
  struct aia_kvm *kvm;
  struct aia_vcpu *v;
  uint32_t kind, iid, from, to;
  bool set;
  uint64_t msi;
} aia__kjob;

struct aia_kvm {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm_config cfg;
  aia__kvm_hart *harts;
  uint32_t nharts;
  struct aia_vm **vms;
  uint32_t nvms;
  aia_cycle injector_busy;      /* injection routines on the injector run one at a time */
  aia_injector_stats inj;       /* aia_kvm_injector_stats (busy_cycles: booked ahead) */
  uint64_t next_msi;            /* last MSI id handed out (workload sources) */
  uint32_t ndevices;            /* sources created, for their PRNG streams */
  aia_rng rng;                  /* jitter draws */
  bool jitter;                  /* any jitter configured */
  aia__evpool jobs;             /* aia__kjob */
};

/* A cost with its jitter: COST(kvm, vm_exit). */
static inline aia_cycle aia__kvm_cost(struct aia_kvm *kvm, aia_cycle base, size_t idx)
{
  if (!kvm->jitter)
    return base;
  return base + aia_jitter_draw(&kvm->rng, &kvm->cfg.jitter[idx]);
}
#define AIA__COST(kvm, field) \
  aia__kvm_cost((kvm), (kvm)->cfg.timing.field, AIA_KVM_JITTER_INDEX(field))

/* A record of KVM's, about vCPU v (NULL: none) on `hart` (inline: most of
 * a run's records come through here). */
static inline void aia__kvm_emit(aia_kvm *kvm, uint32_t kind, const aia_vcpu *v, uint32_t hart,
                                 uint32_t iid, uint64_t msi, uint64_t arg)
{
  aia__sim_record(kvm->sim, kind, hart, v ? v->vm->index : AIA_NONE, v ? v->index : AIA_NONE,
                  AIA_NONE, iid, msi, arg);
}

/* kvm.c */
void aia__vcpu_set_state(aia_vcpu *v, aia_vcpu_state s);

/* hgei.c: per-hart guest file control and hgei_interrupt */
int aia__hgei_alloc(aia_kvm *kvm, uint32_t hart, aia_vcpu *owner);
void aia__hgei_free(aia_kvm *kvm, uint32_t hart, uint32_t hgei);
int aia__hgei_find(const aia_kvm *kvm, uint32_t hart, const aia_vcpu *owner);
void aia__hgei_check(aia_kvm *kvm, uint32_t hart, bool woke);
void aia__hgei_fire(aia_sim *sim, aia__ev *ev);
bool aia__hgei_take_now(aia_kvm *kvm, uint32_t hart);
void aia__host_sei_check(aia_kvm *kvm, uint32_t hart, bool woke);

/* kvm.c: deferred work */
aia__kjob *aia__kjob_post(aia_kvm *kvm, uint32_t kind, aia_cycle when);
/* n more MSIs refused by a full injector backlog (aia_injector_stats). */
void aia__kvm_injector_refused(aia_kvm *kvm, uint64_t n);

/* kick.c */
bool aia__vcpu_wake_up(aia_vcpu *v, uint32_t from, uint64_t msi);
void aia__vcpu_kick(aia_vcpu *v, uint32_t from, uint64_t msi);
void aia__send_ipi(aia_kvm *kvm, uint32_t from, uint32_t to, uint64_t msi);
void aia__inject_run(aia__kjob *j);
void aia__extirq_apply(aia__kjob *j);

/* inject.c: prefetches what an MSI sent to v will touch (its vCPU and
 * thread, the hart of its VS-file); no effect on the model. */
void aia__vcpu_prefetch(const aia_vcpu *v);
/* inject.c: SW-file */
void aia__swfile_extirq_update(aia_vcpu *v, uint32_t from, uint64_t msi);
void aia__vcpu_set_interrupt(aia_vcpu *v, uint32_t irq, uint32_t from, uint64_t msi);
void aia__vcpu_unset_interrupt(aia_vcpu *v, uint32_t irq);
void aia__swfile_extirq_update_claim(aia_vcpu *v, uint32_t from, aia_cycle emul);
void aia__swfile_extirq_update_now(aia_vcpu *v, uint32_t from);

/* inject.c: the injection routine run synchronously on hart `from` (an
 * in-kernel APLIC emulated on the vCPU's own thread), not queued on the
 * injector. */
int aia__inject_now(aia_kvm *kvm, aia_vcpu *v, uint32_t guest_index, uint32_t iid, uint32_t from);

/* vaplic.c */
void aia__vaplic_free(struct aia_vaplic *a);
int aia__vaplic_guest_write(struct aia_vaplic *a, aia_vcpu *v, uint32_t offset, uint32_t value);
/* The guest claimed iid on v: every wired device whose source targets (v,
 * iid) is acknowledged; returns the cycles the acknowledges add to the
 * handler, and in *level_source the level source the handler ends with a
 * setipnum_le store for (0: none). */
aia_cycle aia__vaplic_claimed(struct aia_vaplic *a, aia_vcpu *v, uint32_t iid,
                              uint32_t *level_source);
int aia__vaplic_attach(struct aia_vaplic *a, uint32_t source, aia__vaplic_ack_fn fn, void *user);

/* run.c */
void aia__vcpu_hart_changed(aia_vcpu *v, uint32_t hart);
bool aia__vcpu_runnable(aia_vcpu *v);
void aia__vcpu_timer_fire(aia_sim *sim, aia__ev *ev);
void aia__vcpu_fill_ops(aia_thread_ops *ops, aia_vcpu *v);
void aia__vcpu_init_events(aia_vcpu *v);
bool aia__vcpu_deliverable(const aia_vcpu *v);
void aia__vcpu_poll_recheck(aia_vcpu *v);
void aia__vcpu_force_exit(aia_vcpu *v);
void aia__vcpu_release_now(aia_vcpu *v);

#endif /* AIA__KVM_IMPL_H */
