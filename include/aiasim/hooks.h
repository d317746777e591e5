/* aiasim/hooks.h: the event stream every layer reports through.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_HOOKS_H
#define AIA_HOOKS_H

#include <stdint.h>
#include "aiasim/export.h"

AIA_BEGIN_DECLS

/* Simulated time, in cycles of the simulation's reference clock. */
typedef uint64_t aia_cycle;

/* "Not applicable" for the hart/vm/vcpu/file/iid fields of a record. */
#define AIA_NONE UINT32_MAX

/* What a record reports. Values are ABI: only append (at most 64 kinds, so a
 * kind mask fits in a uint64_t). The meaning of `arg` is given per kind. */
typedef enum aia_event_kind {
  AIA_EV_USER = 0,          /* posted by a user through aia_sim_emit(); arg: user's */
  /* hardware (lib/hw) */
  AIA_EV_MSI_POSTED = 1,    /* a seteipnum write was issued; arg: physical address */
  AIA_EV_MSI_LANDED = 2,    /* the write reached its file and set eip[iid]; arg bit 0:
                               the bit was already set (coalesced), bit 1: SW-file */
  AIA_EV_MSI_DROPPED = 3,   /* the write was lost; arg 0: bad iid, 1: out of memory,
                               2: landed in a guest file nobody owns */
  AIA_EV_EIP_CLEAR = 4,     /* eip[iid] cleared (claim or CSR write) */
  AIA_EV_FILE_LINE = 5,     /* a file's output line changed; arg: new level */
  AIA_EV_HGEIP = 6,         /* a hart's hgeip changed (as seen by the hart); arg: new value */
  AIA_EV_SGEIP = 7,         /* mip.SGEIP changed; arg: new level */
  AIA_EV_IPI_SEND = 8,      /* software interrupt sent to `hart`; arg: sender hart */
  AIA_EV_IPI_DELIVER = 9,   /* software interrupt became pending on `hart` */
  AIA_EV_HART_IDLE = 10,    /* hart entered WFI with nothing to run */
  AIA_EV_HART_WAKE = 11,    /* idle hart left WFI; arg: cause */
  AIA_EV_HGEIE = 12,        /* a hart's hgeie changed; arg: new value */
  AIA_EV_SEIP = 13,         /* the S-level file's line reached the hart; arg: level */
  /* host scheduler (lib/host) */
  AIA_EV_THREAD_ENQUEUE = 16, /* thread placed on `hart`'s run queue */
  AIA_EV_SCHED_IN = 17,     /* thread starts running on `hart` */
  AIA_EV_SCHED_OUT = 18,    /* thread stops running on `hart`; arg: reason */
  AIA_EV_THREAD_WAKE = 19,  /* try_to_wake_up placed a thread; arg: placement */
  AIA_EV_THREAD_MIGRATE = 20, /* thread moved to `hart`; arg: hart it left */
  AIA_EV_THREAD_SLEEP = 21, /* thread went to sleep */
  /* KVM (lib/kvm) */
  AIA_EV_VCPU_STATE = 24,   /* vCPU changed state; arg: new aia_vcpu_state */
  AIA_EV_VM_ENTRY = 25,     /* world switch into the guest */
  AIA_EV_VM_EXIT = 26,      /* world switch out of the guest; arg: exit reason */
  AIA_EV_KICK = 27,         /* kvm_vcpu_kick; arg: 0 woke it, 1 IPI sent, 2 nothing,
                               3 own thread (mode change only) */
  AIA_EV_WAKEUP = 28,       /* kvm_vcpu_wake_up on a blocking vCPU; hart: the waker's;
                               arg 0: woken, 1: duplicate (already awake) */
  AIA_EV_HGEI_IRQ = 29,     /* hgei_interrupt ran on `hart`; arg: mask handled */
  AIA_EV_INJECT = 30,       /* the KVM injection routine ran; arg: policy */
  AIA_EV_VSFILE_MIGRATE = 31, /* VS-file moved; arg: old hart */
  AIA_EV_SWFILE = 32,       /* vCPU fell back to (or left) its SW-file; arg: 1 to, 0 from */
  AIA_EV_HALT_POLL = 33,    /* halt polling started; arg: poll window in cycles */
  AIA_EV_BLOCK = 34,        /* vCPU thread blocked in kvm_vcpu_block */
  AIA_EV_GUEST_TRAP = 35,   /* guest took a VS external interrupt */
  AIA_EV_CLAIM = 36,        /* guest claimed iid through vstopei */
  AIA_EV_WFI = 37,          /* guest executed WFI */
  AIA_EV_USER_EXIT = 38,    /* vCPU exited to userspace; arg: reason */
  /* workload and observers */
  AIA_EV_MSI_SOURCE = 40,   /* a device produced an MSI; msi: its id */
  AIA_EV_VIOLATION = 41,    /* the oracle found a violation; arg: kind */
  /* wired interrupts (lib/hw/aplic.c, lib/kvm/vaplic.c); vm is AIA_NONE for
   * the platform's APLIC, the VM's index for its in-kernel APLIC */
  AIA_EV_WIRED = 42,        /* a wired input changed; iid: source; arg: new level */
  AIA_EV_APLIC_MSI = 43,    /* an APLIC forwarded a source as an MSI; iid: EIID;
                               arg: source << 32 | target register (0 source: genmsi) */
  AIA_EV_APLIC_LINE = 44,   /* a direct-mode IDC output changed; hart: the platform
                               hart; file: domain; arg: new level */
  AIA_EV_APLIC_MMIO = 45,   /* a guest access to its in-kernel APLIC trapped; arg:
                               offset, bit 32 set for a write */
  AIA_EV_WIRED_REQUEST = 46, /* a wired device needs service (aia_wired); iid: source;
                               arg: requests now outstanding */
  AIA_EV_WIRED_ACK = 47,    /* the guest's handler acknowledged the device; vcpu: the
                               handler's; iid: source; arg: requests it served */
  AIA_EV_KIND_COUNT_ = 48   /* one past the last kind in use */
} aia_event_kind;

/* Mask bit of one kind, and the mask of every kind. */
#define AIA_EV_BIT(kind) (UINT64_C(1) << (unsigned)(kind))
#define AIA_EV_ALL UINT64_MAX

/* One record of the stream. Borrowed: valid only during the callback. */
typedef struct aia_event {
  aia_cycle cycle;  /* when it happened */
  uint32_t kind;    /* aia_event_kind */
  uint32_t hart;    /* physical hart, or AIA_NONE */
  uint32_t vm;      /* VM index, or AIA_NONE */
  uint32_t vcpu;    /* vCPU index within the VM, or AIA_NONE */
  uint32_t file;    /* interrupt file on `hart`: 0 = S-level, 1..geilen guest; or AIA_NONE */
  uint32_t iid;     /* interrupt identity, or 0 / AIA_NONE */
  uint64_t msi;     /* id of the MSI this record belongs to; 0 = none */
  uint64_t arg;     /* kind-specific value */
} aia_event;

/* A hook. `user` is the pointer given at attach time, handed back untouched.
 * Hooks run synchronously on the simulation thread, in event order. */
typedef void (*aia_hook_fn)(void *user, const aia_event *ev);

/* Short lower-case name of a kind ("msi_landed"); "unknown" if out of range.
 * Static text; callable from any thread. */
AIA_API const char *aia_event_kind_name(uint32_t kind);

/* Initialises a record with cycle 0, the given kind, and every index field
 * set to AIA_NONE (iid 0, msi 0, arg 0). */
AIA_API void aia_event_init(aia_event *ev, uint32_t kind);

AIA_END_DECLS

#endif /* AIA_HOOKS_H */
