/* aiasim/workload.h: built-in guest behaviours and MSI sources.
 * SPDX-License-Identifier: MIT
 *
 * Both are owned by their aia_sim (freed with it) and run on its thread.
 * Every MSI a source produces gets an id, unique within the simulation,
 * carried by every record it causes (the `msi` field).
 */
#ifndef AIA_WORKLOAD_H
#define AIA_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/kvm.h"
#include "aiasim/mailbox.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef enum aia_behaviour {
  AIA_BEHAVIOUR_BUSY = 0, /* never idle */
  AIA_BEHAVIOUR_IDLE = 1, /* WFI whenever nothing is pending */
  AIA_BEHAVIOUR_DUTY = 2  /* busy for duty_busy, then idle for duty_idle, repeated */
} aia_behaviour;

typedef enum aia_msi_path {
  AIA_PATH_KVM = 0,   /* through the injection routine (irqfd / KVM_SIGNAL_MSI) */
  AIA_PATH_DIRECT = 1 /* a store to the vCPU's current file (guest IPI, IOMMU) */
} aia_msi_path;

typedef enum aia_pattern {
  AIA_PATTERN_PERIODIC = 0, /* one MSI every `period` */
  AIA_PATTERN_POISSON = 1,  /* exponential gaps with mean `period` */
  AIA_PATTERN_BURST = 2,    /* burst_count MSIs back to back every burst_every */
  AIA_PATTERN_LIST = 3      /* an explicit list of (cycle, vCPU, identity) */
} aia_pattern;

/* ---- guests */

typedef struct aia_guest_config {
  size_t struct_size;      /* set by aia_guest_config_init() */
  aia_behaviour behaviour; /* default idle */
  aia_cycle duty_busy;     /* default 50,000 */
  aia_cycle duty_idle;     /* default 200,000 */
  aia_cycle tick;          /* timer tick while idle; 0 = tickless (default) */
  /* Periods [from, to) with vsie.SEIE off. Copied. */
  const aia_cycle (*mask_seie)[2];
  uint32_t nmask_seie;
} aia_guest_config;

AIA_API void aia_guest_config_init(aia_guest_config *cfg);

/* Gives vCPU v the built-in behaviour (aia_vcpu_set_guest) and schedules its
 * SEIE mask periods. Call before aia_vcpu_start. AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_guest_attach(aia_sim *sim, aia_vcpu *v, const aia_guest_config *cfg);

/* ---- MSI sources */

typedef struct aia_msi_at {
  aia_cycle at;
  uint32_t vcpu;
  uint32_t iid;
} aia_msi_at;

typedef struct aia_device_config {
  size_t struct_size;       /* set by aia_device_config_init() */
  aia_vm *vm;               /* required */
  const uint32_t *vcpus;    /* targets (indices in the VM); NULL = all */
  uint32_t nvcpus;
  bool random_target;       /* random instead of round robin */
  const uint32_t *iids;     /* identities used in turn; NULL = { 32 } */
  uint32_t niids;
  aia_msi_path path;        /* default kvm */
  aia_pattern pattern;      /* default poisson */
  aia_cycle period;         /* mean gap; default 50,000 */
  uint32_t burst_count;     /* default 8; at most AIA_BURST_MAX */
  aia_cycle burst_every;    /* default 1,000,000 */
  const aia_msi_at *list;   /* pattern list; copied */
  uint32_t nlist;
  aia_cycle start;          /* first MSI not before; default 0 */
  aia_cycle stop;           /* no MSI at or after; 0 = never */
  uint64_t stream;          /* PRNG stream id; 0 = derived from the device index */
} aia_device_config;

AIA_API void aia_device_config_init(aia_device_config *cfg);

/* Most MSIs one burst may send at one instant. */
#define AIA_BURST_MAX 1048576u

typedef struct aia_device aia_device; /* opaque; owned by the sim */

/* Creates a source on `kvm` and schedules its first MSI. AIA_EINVAL (with
 * aia_sim_errmsg naming the field), AIA_ENOMEM. */
AIA_API int aia_device_create(aia_kvm *kvm, const aia_device_config *cfg, aia_device **out);

/* Stops a source: no MSI after now. */
AIA_API void aia_device_stop(aia_device *d);

/* MSIs it produced so far. */
AIA_API uint64_t aia_device_sent(const aia_device *d);

/* Sends one MSI now from outside any source (tests, co-simulation): the
 * next simulation-wide MSI id is used and returned in *msi (may be NULL). */
AIA_API int aia_workload_send(aia_kvm *kvm, aia_vcpu *v, uint32_t iid, aia_msi_path path,
                              uint64_t *msi);

/* A device's 32-bit write of `value` to physical address `pa` now (a bus
 * master outside the model: a DMA engine, a PCIe model, a co-simulated
 * initiator), tagged with the next MSI id (in *msi, may be NULL). When pa
 * is the seteipnum register of a guest file that a vCPU owns, an
 * AIA_EV_MSI_SOURCE record (arg 1: direct) names that vCPU first, so the
 * meter follows it. AIA_ENODEV (no interrupt file at pa), AIA_EACCESS (not
 * 4-byte aligned): nothing is posted and no id is used. */
AIA_API int aia_workload_mmio_write(aia_kvm *kvm, uint64_t pa, uint32_t value, uint64_t *msi);

/* ---- MSIs from other threads (through the mailbox, aiasim/mailbox.h)
 *
 * Payload of AIA_MAIL_MSI: w[0] VM index, w[1] vCPU index in the VM, w[2]
 * identity, w[3] aia_msi_path. At its cycle the item is sent as
 * aia_workload_send() would (next MSI id, AIA_EV_MSI_SOURCE, injection or
 * direct store).
 * Payload of AIA_MAIL_MMIO: w[0] physical address, w[1] the 32-bit value. At
 * its cycle the item is a 4-byte aia_mmio_write() on the kvm's platform,
 * tagged with the next MSI id. When the address is the seteipnum register
 * of a guest file that a vCPU owns at that moment, an AIA_EV_MSI_SOURCE
 * record (arg 1: direct) names that vCPU first, so the meter follows it as
 * it follows any direct MSI.
 * An item that turns out to be invalid at its cycle (no such vCPU, bad
 * identity, no device at the address) changes nothing; it is counted as
 * failed in aia_mailbox_stats and aia_sim_errmsg() says why. */

/* Simulation thread. Registers the handlers of AIA_MAIL_MSI and
 * AIA_MAIL_MMIO on `mb` for `kvm` (both of the same simulation).
 * AIA_EINVAL. */
AIA_API int aia_workload_mailbox(aia_kvm *kvm, aia_mailbox *mb);

/* Any thread. Posts an AIA_MAIL_MSI item: an MSI with identity `iid` for
 * vCPU `vcpu` of VM `vm` at `cycle`, by `path`. Same results as
 * aia_mailbox_post (*seq may be NULL). */
AIA_API int aia_mailbox_post_msi(aia_mailbox *mb, aia_cycle cycle, uint32_t source, uint32_t vm,
                                 uint32_t vcpu, uint32_t iid, aia_msi_path path, uint64_t *seq);

/* Any thread. Posts an AIA_MAIL_MMIO item: a device's 32-bit write of
 * `value` to physical address `pa` at `cycle` (e.g. a seteipnum_le
 * register: aia_file_address() + AIA_MMIO_SETEIPNUM_LE). Same results as
 * aia_mailbox_post (*seq may be NULL). */
AIA_API int aia_mailbox_post_mmio(aia_mailbox *mb, aia_cycle cycle, uint32_t source, uint64_t pa,
                                  uint32_t value, uint64_t *seq);

/* ---- wired devices
 *
 * A device whose interrupt is a wire into its VM's in-kernel APLIC
 * (aia_vm_create_aplic): it raises requests at the pattern's times; the
 * guest's handler acknowledges it (a device register access, `ack`
 * cycles added to the handler), which serves the requests outstanding
 * (all of them, or per_ack). Edge devices pulse the line once per request
 * (the irqfd's assert and deassert); level devices hold it asserted while
 * any request is outstanding. Requests go to the APLIC through the injector, as
 * KVM_IRQ_LINE or an irqfd would. */

typedef enum aia_trigger {
  AIA_TRIGGER_EDGE_RISING = 0,
  AIA_TRIGGER_EDGE_FALLING = 1,
  AIA_TRIGGER_LEVEL_HIGH = 2,
  AIA_TRIGGER_LEVEL_LOW = 3
} aia_trigger;

typedef struct aia_wired_config {
  size_t struct_size;   /* set by aia_wired_config_init() */
  aia_vm *vm;           /* required; it has an in-kernel APLIC */
  uint32_t source;      /* 1..the APLIC's sources; required */
  aia_trigger trigger;  /* default level_high */
  uint32_t vcpu;        /* the vCPU the guest targets (index in the VM); default 0 */
  uint32_t eiid;        /* the identity the guest gives it; 0 = the source number */
  aia_pattern pattern;  /* periodic, poisson or burst; default poisson */
  aia_cycle period;     /* mean gap between requests; default 50,000 */
  uint32_t burst_count; /* default 8 */
  aia_cycle burst_every; /* default 1,000,000 */
  aia_cycle ack;        /* the handler's acknowledge of the device; default 1,000 */
  uint32_t per_ack;     /* requests one acknowledge serves (a device that hands
                           out one item per interrupt: 1); 0 = all (default) */
  aia_cycle start;      /* first request not before; default 0 */
  aia_cycle stop;       /* no request at or after; 0 = never */
  uint64_t stream;      /* PRNG stream id; 0 = derived from the device index */
  /* Program the guest's APLIC at create, as its driver's probe would:
   * sourcecfg = the trigger's mode, target = (vcpu, guest 0, eiid),
   * setienum, domaincfg.IE. Default true. */
  bool program;
} aia_wired_config;

AIA_API void aia_wired_config_init(aia_wired_config *cfg);

typedef struct aia_wired aia_wired; /* opaque; owned by the sim */

/* Creates a wired device and schedules its first request. AIA_EINVAL (with
 * aia_sim_errmsg naming the field: no APLIC, a source out of range or
 * taken, a vCPU or identity out of range), AIA_ENOMEM. */
AIA_API int aia_wired_create(aia_kvm *kvm, const aia_wired_config *cfg, aia_wired **out);

typedef struct aia_wired_stats {
  size_t struct_size;
  uint64_t requests;    /* raised */
  uint64_t served;      /* served by an acknowledge */
  uint64_t acks;        /* acknowledges by the guest's handler */
  uint64_t spurious;    /* of which found nothing outstanding */
  uint64_t outstanding; /* raised, not served yet */
} aia_wired_stats;

/* Fills as much as st->struct_size allows. AIA_EINVAL. */
AIA_API int aia_wired_get_stats(const aia_wired *w, aia_wired_stats *st);

AIA_END_DECLS

#endif /* AIA_WORKLOAD_H */
