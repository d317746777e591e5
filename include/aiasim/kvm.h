/* aiasim/kvm.h: the model of Linux KVM on RISC-V driving the AIA: VMs, vCPUs
 * and their run loop, WFI / halt polling / block / wake, kvm_vcpu_kick, the
 * HGEI wake path, MSI injection with and without the kick, VS-file
 * migration and the SW-file fallback.
 * SPDX-License-Identifier: MIT
 *
 * The behaviour mirrors arch/riscv/kvm/ and virt/kvm/kvm_main.c; the table in
 * docs/fidelity.md maps each kernel function to the model function that
 * mirrors it. A kvm instance belongs to one aia_sim (destroyed with it) and
 * is used on that simulation's thread.
 */
#ifndef AIA_KVM_H
#define AIA_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/host.h"
#include "aiasim/hw.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef struct aia_kvm aia_kvm;   /* opaque */
typedef struct aia_vm aia_vm;     /* opaque; owned by its kvm */
typedef struct aia_vcpu aia_vcpu; /* opaque; owned by its vm */

/* Kernel eras of the wake logic (docs/fidelity.md §3). */
typedef enum aia_era {
  AIA_ERA_A = 0, /* 6.14..6.16-rc: arm hgeie in kvm_arch_vcpu_blocking on the current hart */
  AIA_ERA_B = 1, /* 4cec89db80ba: arm at every sched-out while blocking, predicate on this hart */
  AIA_ERA_C = 2  /* 873f10cf8e4d: as B, and "VS-file on another hart" counts as runnable */
} aia_era;

/* Injection variants of kvm_riscv_vcpu_aia_imsic_inject(). */
typedef enum aia_policy {
  AIA_POLICY_KICK = 0,      /* writel, then kvm_vcpu_kick (before d252435aca44) */
  AIA_POLICY_NOKICK = 1,    /* writel only (after d252435aca44) */
  AIA_POLICY_WAKE_FIRST = 2 /* kvm_vcpu_wake_up, then writel (proposed on the list) */
} aia_policy;

/* AIA mode of a VM (KVM_DEV_RISCV_AIA_MODE_*). */
typedef enum aia_mode {
  AIA_MODE_EMUL = 0,    /* always the SW-file */
  AIA_MODE_HWACCEL = 1, /* a VS-file or the run fails (exit to userspace) */
  AIA_MODE_AUTO = 2     /* VS-file when one is free, else the SW-file */
} aia_mode;

/* Fault switches: each plants a known class of hypervisor bug. */
#define AIA_FAULT_NO_WAKEON_HGEI (1u << 0)       /* never arm hgeie */
#define AIA_FAULT_ARM_AFTER_SLEEP (1u << 1)      /* arm after the task sleeps, no level re-check */
#define AIA_FAULT_HGEI_HANDLER_NO_KICK (1u << 2) /* hgei_interrupt clears hgeie but kicks nobody */
#define AIA_FAULT_MIGRATE_DROPS_PENDING (1u << 3) /* VS-file migration does not carry eip over */
#define AIA_FAULT_SWFILE_NO_LOCK (1u << 4)       /* pre-Dec-2023 SW-file extirq race */
/* In-kernel APLIC: setipnum / setip set a level source's pending bit even
 * with its line deasserted (aplic_write_pending before the 2024 fix): each
 * end-of-interrupt retrigger of the guest driver sends a spurious MSI. */
#define AIA_FAULT_APLIC_LEVEL_SETIP (1u << 5)
/* Guest side: the guest's APLIC driver does not write setipnum_le at the
 * end of a level source's handler (the retrigger the AIA specification
 * recommends for level sources in MSI mode): a line that stays asserted
 * after the handler is never delivered again. */
#define AIA_FAULT_APLIC_NO_RETRIGGER (1u << 6)
#define AIA_FAULT_ALL_ 0x7fu

/* vCPU states as reported in AIA_EV_VCPU_STATE records. */
typedef enum aia_vcpu_state {
  AIA_VCPU_IN_GUEST = 0,  /* VS-mode on a hart */
  AIA_VCPU_IN_HOST = 1,   /* run loop or exit handling */
  AIA_VCPU_POLLING = 2,   /* halt polling */
  AIA_VCPU_BLOCKED = 3,   /* asleep in kvm_vcpu_block */
  AIA_VCPU_RUNNABLE = 4,  /* woken or preempted, waiting for a hart */
  AIA_VCPU_USERSPACE = 5, /* exited to the VMM */
  AIA_VCPU_STATE_COUNT_ = 6
} aia_vcpu_state;

/* vcpu->mode, read by kvm_vcpu_kick. */
typedef enum aia_vcpu_mode {
  AIA_MODE_OUTSIDE_GUEST = 0,
  AIA_MODE_IN_GUEST = 1,
  AIA_MODE_EXITING_GUEST = 2
} aia_vcpu_mode;

/* Reasons in AIA_EV_VM_EXIT records. */
typedef enum aia_exit_reason {
  AIA_EXIT_WFI = 0,       /* virtual instruction: WFI trapped */
  AIA_EXIT_IRQ = 1,       /* an HS interrupt (IPI, SGEI, timer) */
  AIA_EXIT_CSR_TRAP = 2,  /* virtual instruction: SW-file CSR access emulated */
  AIA_EXIT_RESCHED = 3,   /* host tick with need_resched */
  AIA_EXIT_USERSPACE = 4, /* the run loop returns to the VMM */
  AIA_EXIT_MMIO = 5       /* a guest load/store to the in-kernel APLIC, emulated */
} aia_exit_reason;

/* Costs in cycles. Defaults and their sources: docs/fidelity.md. */
typedef struct aia_kvm_timing {
  aia_cycle vm_entry;        /* world switch into the guest; default 1500 */
  aia_cycle vm_exit;         /* world switch out of the guest; default 2000 */
  aia_cycle guest_trap;      /* VS external interrupt -> guest handler; default 200 */
  aia_cycle isr;             /* guest work per claimed identity; default 300 */
  aia_cycle wfi_timeout;     /* guest WFI with VTW: trap after this; 0 = at once; default 0 */
  aia_cycle run_loop;        /* one pass of host-side run-loop work; default 500 */
  aia_cycle ipi_send;        /* sender cost of smp_send_reschedule; default 200 */
  aia_cycle kick;            /* kvm_vcpu_kick software path; default 300 */
  aia_cycle inject;          /* the injection routine on the injector; default 400 */
  aia_cycle hgei_handler;    /* hgei_interrupt; default 800 */
  aia_cycle halt_poll_max;   /* halt_poll_ns ceiling; 0 disables polling; default 500000 */
  aia_cycle halt_poll_start; /* halt_poll_ns_grow_start; default 10000 */
  aia_cycle vsfile_migrate;  /* per 64 identities of CSR traffic; default 200 */
  aia_cycle hfence_roundtrip; /* G-stage remap HFENCE request and ack; default 4000 */
  aia_cycle swfile_update;   /* SW-file set bit + extirq update; default 300 */
  aia_cycle csr_emulate;     /* trapped SW-file CSR access, emulation only; default 500 */
  aia_cycle block_check;     /* set_current_state + kvm_vcpu_check_block, up to the
                                schedule() that sleeps; default 100 */
  aia_cycle mmio_emulate;    /* a trapped guest access to the in-kernel APLIC: decode,
                                kvm_io_bus dispatch and the register emulation; the
                                exit and entry are vm_exit / vm_entry; default 600 */
} aia_kvm_timing;

/* Index of a timing field in aia_kvm_config.jitter. */
#define AIA_KVM_JITTER_INDEX(field) (offsetof(aia_kvm_timing, field) / sizeof(aia_cycle))
#define AIA_KVM_JITTER_MAX 24

typedef struct aia_kvm_config {
  size_t struct_size;     /* set by aia_kvm_config_init() */
  aia_era era;            /* default AIA_ERA_C */
  aia_policy policy;      /* default AIA_POLICY_NOKICK */
  uint32_t faults;        /* AIA_FAULT_* bits; default 0 */
  uint32_t injector_hart; /* where the injection routine runs; default 0 */
  aia_kvm_timing timing;
  /* Random extra cycles on each use of a cost, indexed by
   * AIA_KVM_JITTER_INDEX(field); default none. halt_poll_max and
   * halt_poll_start are limits, not costs: their jitter is ignored. */
  aia_jitter jitter[AIA_KVM_JITTER_MAX];
  /* Most injections waiting for the injector hart at once; one more is
   * refused (aia_kvm_inject returns AIA_EBUSY, counted in
   * aia_injector_stats.refused): a workload faster than the injector
   * saturates it, it does not grow the model without bound. 1..2^32-1;
   * default 1048576 (about 64 MiB of waiting jobs). */
  uint32_t injector_backlog;
} aia_kvm_config;

AIA_API void aia_kvm_config_init(aia_kvm_config *cfg);

/* Creates the hypervisor on a platform and host scheduler of `sim`
 * (destroyed with the sim). AIA_EINVAL (bad era, policy, faults, injector
 * hart; aia_sim_errmsg names it), AIA_ENOMEM. */
AIA_API int aia_kvm_create(aia_sim *sim, aia_platform *plat, aia_host *host,
                           const aia_kvm_config *cfg, aia_kvm **out);

/* The simulation the hypervisor belongs to. */
AIA_API aia_sim *aia_kvm_sim(const aia_kvm *kvm);

/* The configuration in force (a copy). */
AIA_API void aia_kvm_get_config(const aia_kvm *kvm, aia_kvm_config *cfg);

/* VMs created so far, and VM i (NULL if out of range). */
AIA_API uint32_t aia_kvm_vm_count(const aia_kvm *kvm);
AIA_API aia_vm *aia_kvm_vm(const aia_kvm *kvm, uint32_t i);

/* The scheduler statistics of every vCPU thread of every VM, summed field
 * by field (aia_thread_get_stats; noise threads are not included). Fills
 * as much as st->struct_size allows. AIA_EINVAL for a NULL argument or a
 * struct_size smaller than a size_t. */
AIA_API int aia_kvm_sched_stats(const aia_kvm *kvm, aia_thread_stats *st);

/* The injection policy may be changed between runs (or at any time). */
AIA_API int aia_kvm_set_policy(aia_kvm *kvm, aia_policy policy);

/* ---- guest side: what the vCPU's guest does (built-in behaviours live in
 * aiasim/workload.h; a host simulator may supply its own). */

/* What the guest does next when it is not handling an interrupt. */
typedef enum aia_guest_action {
  AIA_GUEST_BUSY = 0, /* compute until *until (a cycle), then ask again */
  AIA_GUEST_WFI = 1   /* execute WFI now */
} aia_guest_action;

typedef struct aia_guest_ops {
  size_t struct_size;
  /* Required. Called whenever the guest runs with no interrupt to handle. */
  aia_guest_action (*next)(void *user, aia_vcpu *vcpu, aia_cycle now, aia_cycle *until);
  /* Optional. Called after each identity the guest claims through (vs)topei. */
  void (*claimed)(void *user, aia_vcpu *vcpu, uint32_t iid);
} aia_guest_ops;

/* ---- VMs and vCPUs */

typedef struct aia_vm_config {
  size_t struct_size;  /* set by aia_vm_config_init() */
  aia_mode mode;       /* default AIA_MODE_AUTO */
  uint32_t ids;        /* guest identities (nr_msis - 1); 0 = the platform's ids */
  uint32_t vcpus;      /* default 1 */
  const uint32_t *affinity; /* harts the vCPU threads may run on; NULL = all */
  uint32_t naffinity;
} aia_vm_config;

AIA_API void aia_vm_config_init(aia_vm_config *cfg);

/* Creates a VM with its vCPUs (each a host thread, not yet started).
 * AIA_EINVAL with the field named in aia_sim_errmsg(); AIA_ENOMEM. */
AIA_API int aia_vm_create(aia_kvm *kvm, const aia_vm_config *cfg, aia_vm **out);

AIA_API uint32_t aia_vm_index(const aia_vm *vm);
AIA_API uint32_t aia_vm_vcpus(const aia_vm *vm);
AIA_API aia_vcpu *aia_vm_vcpu(aia_vm *vm, uint32_t index); /* NULL if out of range */

/* Installs the guest behaviour (copied; user is handed back untouched). */
AIA_API int aia_vcpu_set_guest(aia_vcpu *v, const aia_guest_ops *ops, void *user);

/* Guest-side IMSIC programming done before the vCPU starts (the guest's
 * driver probe): eidelivery, eithreshold and the enabled identities [lo, hi].
 * Written into the vCPU's current file (the SW-file until the first entry). */
AIA_API int aia_vcpu_guest_setup(aia_vcpu *v, uint32_t eidelivery, uint32_t eithreshold,
                                 uint32_t enable_lo, uint32_t enable_hi);

/* Guest enables identities lo..hi more (eie bits set) in its current file. */
AIA_API int aia_vcpu_guest_enable_range(aia_vcpu *v, uint32_t lo, uint32_t hi);

/* Guest masks or unmasks its supervisor external interrupt (vsie.SEIE). */
AIA_API int aia_vcpu_guest_set_seie(aia_vcpu *v, bool on);

/* Guest work per claimed identity for this vCPU; 0 = the timing table's isr. */
AIA_API int aia_vcpu_set_isr(aia_vcpu *v, aia_cycle isr);

/* Guest timer: the next timer interrupt of this vCPU at `when` (0 = none).
 * A blocked vCPU is woken through KVM's timer path at that cycle. */
AIA_API int aia_vcpu_set_timer(aia_vcpu *v, aia_cycle when);

/* KVM_RUN: the vCPU thread becomes runnable at cycle `at` (>= now). */
AIA_API int aia_vcpu_start(aia_vcpu *v, aia_cycle at);

/* Queries. */
AIA_API uint32_t aia_vcpu_index(const aia_vcpu *v);
AIA_API aia_vm *aia_vcpu_vm(const aia_vcpu *v);
AIA_API aia_vcpu_state aia_vcpu_get_state(const aia_vcpu *v);
AIA_API aia_vcpu_mode aia_vcpu_get_mode(const aia_vcpu *v);
AIA_API aia_thread *aia_vcpu_thread(const aia_vcpu *v);
/* Hart of the VS-file (-1: SW-file) and its guest-file index (0: none). */
AIA_API int32_t aia_vcpu_vsfile_hart(const aia_vcpu *v);
AIA_API uint32_t aia_vcpu_vsfile_hgei(const aia_vcpu *v);
/* True if the vCPU's current file (VS or SW) holds an identity that is
 * pending, enabled, below the threshold and delivery is on. */
AIA_API bool aia_vcpu_has_deliverable(const aia_vcpu *v);
/* True between the allocation of a new file and the restore of its state
 * (or the end of a release to the SW-file): pending bits may then live in
 * two files at once. */
AIA_API bool aia_vcpu_is_migrating(const aia_vcpu *v);
/* The guest's vsie.SEIE. */
AIA_API bool aia_vcpu_guest_seie(const aia_vcpu *v);

/* How a vCPU used its software interrupt file (the SW-file KVM keeps when
 * the vCPU has no VS-file: AUTO mode with every guest file taken, or EMUL
 * mode). Cycles of the simulation's clock. */
typedef struct aia_vcpu_file_stats {
  size_t struct_size;         /* set by the caller to sizeof(aia_vcpu_file_stats) */
  uint64_t vcpus_on_swfile;   /* 1 if the vCPU ever entered the guest on its SW-file
                                 (summed: how many did) */
  uint64_t swfile_entries;    /* VM entries with the SW-file as its file (VGEIN 0) */
  aia_cycle swfile_guest_cycles; /* cycles in the guest on the SW-file, VM entry to VM
                                 exit (an entry under way at the call counts to now) */
  uint64_t vs_to_sw;          /* VS-file released into the SW-file (hart change with no
                                 free guest file, or the VS-file's hart going away) */
  uint64_t sw_to_vs;          /* SW-file contents moved into a new VS-file after the
                                 vCPU had entered the guest (the allocation of its
                                 first VS-file before its first entry is not one) */
  uint64_t swfile_msis;       /* MSIs written into the SW-file, coalesced ones included */
} aia_vcpu_file_stats;

/* KVM's generic halt statistics of one vCPU (struct kvm_vcpu_stat_generic,
 * counted where virt/kvm/kvm_main.c counts them: kvm_vcpu_halt,
 * update_halt_poll_stats, kvm_vcpu_wake_up). Times are in cycles of the
 * simulation's clock; the histograms are binned as the kernel bins its
 * halt_*_hist: bucket fls64(ns) of the duration in nanoseconds, the last
 * bucket taking everything longer. */
#define AIA_HALT_HIST_BUCKETS 32
typedef struct aia_vcpu_halt_stats {
  size_t struct_size;            /* set by the caller to sizeof(aia_vcpu_halt_stats) */
  uint64_t halt_successful_poll; /* halts that ended without the thread being scheduled
                                    out (a poll that saw the wake-up, or a wake-up between
                                    the end of the poll and the sleep) */
  uint64_t halt_attempted_poll;  /* halts that polled (halt_poll_ns was not 0) */
  uint64_t halt_poll_invalid;    /* successful polls woken by an invalid wake-up: always 0
                                    on RISC-V, which has no invalid wake-ups */
  uint64_t halt_wakeup;          /* kvm_vcpu_wake_up calls that woke the vCPU */
  aia_cycle halt_poll_success_cycles; /* polling time of the successful polls */
  aia_cycle halt_poll_fail_cycles;    /* polling time of the others */
  aia_cycle halt_wait_cycles;    /* from the end of polling to the wake-up, for halts that
                                    slept */
  uint64_t halt_poll_success_hist[AIA_HALT_HIST_BUCKETS];
  uint64_t halt_poll_fail_hist[AIA_HALT_HIST_BUCKETS];
  uint64_t halt_wait_hist[AIA_HALT_HIST_BUCKETS];
} aia_vcpu_halt_stats;

/* Copies v's halt statistics (as many as fit in st->struct_size).
 * AIA_EINVAL for a NULL argument or a struct_size smaller than a size_t. */
AIA_API int aia_vcpu_get_halt_stats(const aia_vcpu *v, aia_vcpu_halt_stats *st);

/* The same, summed over every vCPU of every VM. AIA_EINVAL as above. */
AIA_API int aia_kvm_halt_stats(const aia_kvm *kvm, aia_vcpu_halt_stats *st);

/* The part of RISC-V's struct kvm_vcpu_stat (arch/riscv/include/asm/
 * kvm_host.h) that the model produces, counted where arch/riscv/kvm counts
 * it. Fields the model cannot produce (ecall_exit_stat, mmio_exit_*,
 * wrs_exit_stat, the misaligned and access-fault exits) are not here: the
 * modelled guest makes no SBI calls and traps no loads or stores other than
 * those to its in-kernel APLIC. */
typedef struct aia_vcpu_exit_stats {
  size_t struct_size;       /* set by the caller to sizeof(aia_vcpu_exit_stats) */
  uint64_t exits;           /* guest exits of any cause (kvm_arch_vcpu_ioctl_run, after
                               each return from the guest) */
  uint64_t wfi_exit_stat;   /* WFIs that trapped to KVM and were handled
                               (vcpu_insn.c: wfi_insn) */
  uint64_t csr_exit_kernel; /* trapped CSR accesses emulated in the kernel: the guest's
                               stopei on its SW-file (vcpu_insn.c: csr_insn) */
  uint64_t csr_exit_user;   /* trapped CSR accesses handed to the VMM: always 0, every
                               CSR the model traps is emulated in the kernel */
  uint64_t signal_exits;    /* returns to the VMM for a pending signal
                               (kvm_handle_signal_exit): always 0, the model's vCPU
                               threads get no signals */
  uint64_t mmio_exit_kernel; /* trapped loads and stores emulated in the kernel: the
                               guest's stores to its in-kernel APLIC (vcpu_exit.c:
                               gstage_page_fault -> kvm_riscv_vcpu_mmio_store) */
} aia_vcpu_exit_stats;

/* Copies v's exit statistics (as many as fit in st->struct_size).
 * AIA_EINVAL for a NULL argument or a struct_size smaller than a size_t. */
AIA_API int aia_vcpu_get_exit_stats(const aia_vcpu *v, aia_vcpu_exit_stats *st);

/* The same, summed over every vCPU of every VM. AIA_EINVAL as above. */
AIA_API int aia_kvm_exit_stats(const aia_kvm *kvm, aia_vcpu_exit_stats *st);

/* Copies v's file statistics (as many as fit in st->struct_size).
 * AIA_EINVAL for a NULL argument or a struct_size smaller than a size_t. */
AIA_API int aia_vcpu_get_file_stats(const aia_vcpu *v, aia_vcpu_file_stats *st);

/* The same, summed over every vCPU of every VM. AIA_EINVAL as above. */
AIA_API int aia_kvm_file_stats(const aia_kvm *kvm, aia_vcpu_file_stats *st);

/* The injector hart: kvm_riscv_vcpu_aia_imsic_inject runs there, one call
 * at a time (aia_kvm_inject queues each behind the ones before it). A
 * workload faster than the routine saturates it: MSIs wait longer and
 * longer, and some may still wait when the run ends. Those were never
 * handed to the modelled hypervisor, so the oracle does not count them as
 * lost interrupts; they are `waiting` here. */
typedef struct aia_injector_stats {
  size_t struct_size;     /* set by the caller to sizeof(aia_injector_stats) */
  uint64_t queued;        /* aia_kvm_inject calls accepted */
  uint64_t refused;       /* calls refused (AIA_EBUSY): injector_backlog were waiting */
  uint64_t injected;      /* routines that ran */
  uint64_t waiting;       /* accepted, not run yet (queued - injected) */
  uint64_t backlog_max;   /* most waiting at once */
  aia_cycle delay_max;    /* longest wait between a call and the start of its routine */
  aia_cycle busy_cycles;  /* cycles the injector spent in routines, up to now */
} aia_injector_stats;

/* Copies the injector's statistics (as many as fit in st->struct_size).
 * AIA_EINVAL for a NULL argument or a struct_size smaller than a size_t. */
AIA_API int aia_kvm_injector_stats(const aia_kvm *kvm, aia_injector_stats *st);

/* kvm_riscv_aia_disable: hart `hart` goes offline. SGEI is masked there;
 * every vCPU holding one of its guest files is released to its SW-file (its
 * pending state carried over), and one whose hgeie bit was armed is kicked.
 * The scheduler is not told: keep threads off the hart (affinity) if the
 * scenario models a real hot-unplug. AIA_EINVAL, AIA_ERANGE. */
AIA_API int aia_kvm_hart_offline(aia_kvm *kvm, uint32_t hart);

/* ---- MSIs */

/* Runs kvm_riscv_vcpu_aia_imsic_inject() for (guest_index, offset, data) on
 * the injector hart at the current cycle, with the configured policy.
 * Argument errors (iid 0, iid >= nr_msis, guest_index != 0, offset not 0x0
 * or 0x4) return AIA_EINVAL/AIA_ENODEV at once and change nothing. `msi`
 * tags every record the injection causes. */
AIA_API int aia_kvm_inject(aia_kvm *kvm, aia_vcpu *target, uint32_t guest_index, uint32_t offset,
                           uint32_t data, uint64_t msi);

/* A store straight into the target's current file page, bypassing KVM (a
 * guest IPI or an IOMMU-remapped MSI). With a VS-file it is a posted MMIO
 * write to that file; with the SW-file the page is not mapped and the store
 * traps to KVM, which injects it (the kvm path). */
AIA_API int aia_kvm_inject_direct(aia_kvm *kvm, aia_vcpu *target, uint32_t iid, uint64_t msi);

/* ---- KVM's in-kernel APLIC (arch/riscv/kvm/aia_aplic.c)
 *
 * What the kernel emulates for a guest's wired interrupts: one MSI-mode
 * domain (domaincfg.DM reads 1, BE 0, only IE writable), no delegation
 * (a sourcecfg written with D reads 0), no MSI address registers (the
 * kernel sends by identity). A pending and enabled source becomes an MSI
 * through kvm_riscv_aia_inject_msi_by_id: target hart index = the vCPU's
 * index in its VM, guest index, EIID -> the injection routine, with the
 * KVM's policy (kick, nokick, wake_first) like any other MSI. Offsets are
 * those of aiasim/aplic.h. The hardware APLIC (aia_aplic_*) is separate. */

typedef struct aia_vaplic aia_vaplic; /* opaque; owned by its VM */

/* Creates the VM's in-kernel APLIC with `sources` wired sources (1..1023;
 * the kernel's nr_sources, KVM_DEV_RISCV_AIA_CONFIG_SRCS). Every register
 * starts at 0. One per VM: a second gives AIA_EINVAL. AIA_ENOMEM. */
AIA_API int aia_vm_create_aplic(aia_vm *vm, uint32_t sources, aia_vaplic **out);

/* The VM's in-kernel APLIC, or NULL. */
AIA_API aia_vaplic *aia_vm_aplic(const aia_vm *vm);

/* The wired line of `source` is now `level` (KVM_IRQ_LINE, or an irqfd:
 * kvm_riscv_aia_aplic_inject), from the VMM or a device on the injector.
 * Edge modes set pending on their edge; level modes whenever the line is
 * asserted and the source not pending; an enabled pending source in a
 * domain with IE is sent at once. AIA_ENODEV for a bad source (the
 * kernel's -ENODEV); AIA_EBUSY if the injector refused the MSI. */
AIA_API int aia_vaplic_set_line(aia_vaplic *a, uint32_t source, bool level);

/* Register access at `offset` of the APLIC's region, as the VMM (or a
 * test) does it: no exit, no cost. AIA_EACCESS for an unaligned offset,
 * AIA_ENODEV where the kernel emulates no register (the access would go
 * on to the VMM). A write ends, as in the kernel, by sending every enabled
 * pending source. */
AIA_API int aia_vaplic_read(aia_vaplic *a, uint32_t offset, uint32_t *value);
AIA_API int aia_vaplic_write(aia_vaplic *a, uint32_t offset, uint32_t value);

typedef struct aia_vaplic_stats {
  size_t struct_size;
  uint64_t line_calls;   /* aia_vaplic_set_line calls */
  uint64_t msis;         /* MSIs sent (sources and genmsi) */
  uint64_t msis_no_vcpu; /* of which to a hart index with no vCPU (dropped) */
  uint64_t guest_writes; /* trapped guest stores emulated (AIA_EXIT_MMIO) */
  uint64_t unhandled;    /* of which at offsets the kernel does not emulate */
} aia_vaplic_stats;

/* Fills as much as st->struct_size allows. AIA_EINVAL. */
AIA_API int aia_vaplic_get_stats(const aia_vaplic *a, aia_vaplic_stats *st);

AIA_END_DECLS

#endif /* AIA_KVM_H */
