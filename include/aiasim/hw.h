/* aiasim/hw.h: the hardware model: IMSIC interrupt files, harts, guest
 * interrupt files, hgeip/hgeie/VGEIN, SGEI, IPIs, idle WFI, MMIO and CSR views.
 * SPDX-License-Identifier: MIT
 *
 * The authority is the RISC-V AIA specification (IMSIC chapter, CSR chapter)
 * and the hypervisor extension of the privileged specification; see
 * docs/hardware.md for each rule and its section.
 *
 * A platform belongs to one aia_sim (created on it, destroyed with it) and is
 * used on that simulation's thread only. Register accesses take effect at the
 * current cycle; MSI writes and IPIs are posted and take effect later.
 */
#ifndef AIA_HW_H
#define AIA_HW_H

#include <stdbool.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef struct aia_platform aia_platform; /* opaque; owned by its aia_sim */

/* Indirect register numbers (*iselect). */
#define AIA_ISEL_EIDELIVERY 0x70u
#define AIA_ISEL_EITHRESHOLD 0x72u
#define AIA_ISEL_EIP0 0x80u /* 0x80..0xBF */
#define AIA_ISEL_EIE0 0xC0u /* 0xC0..0xFF */

/* eidelivery values. */
#define AIA_EIDELIVERY_OFF 0u
#define AIA_EIDELIVERY_ON 1u
#define AIA_EIDELIVERY_APLIC 0x40000000u /* S/M files only, when configured */

/* MMIO: offsets within a file's 4 KiB page. */
#define AIA_MMIO_SETEIPNUM_LE 0x0u
#define AIA_MMIO_SETEIPNUM_BE 0x4u
#define AIA_MMIO_PAGE 0x1000u

/* Interrupt causes (the bit numbers of mip/hip), in the order of the HS
 * priority list: SEI, SSI, STI, SGEI, VSEI, VSSI, VSTI. */
#define AIA_IRQ_SSI 1u
#define AIA_IRQ_VSSI 2u
#define AIA_IRQ_STI 5u
#define AIA_IRQ_VSTI 6u
#define AIA_IRQ_SEI 9u
#define AIA_IRQ_VSEI 10u
#define AIA_IRQ_SGEI 12u

/* CSR access kinds: CSRRW, CSRRS, CSRRC semantics and a plain read.
 * Every access returns the old value through *old (may be NULL). */
typedef enum aia_csr_op {
  AIA_CSR_READ = 0,  /* read only, no write side effect */
  AIA_CSR_WRITE = 1, /* CSRRW: old value out, new value in */
  AIA_CSR_SET = 2,   /* CSRRS: old value out, bits set */
  AIA_CSR_CLEAR = 3  /* CSRRC: old value out, bits cleared */
} aia_csr_op;

typedef struct aia_platform_config {
  size_t struct_size;     /* set by aia_platform_config_init() */
  uint32_t harts;         /* 1..4096; default 4 */
  uint32_t geilen;        /* guest files per hart, 0..63 (RV32: 0..31); default 7 */
  uint32_t ids;           /* identities of each guest file: 63..2047, ids+1 multiple of 64; default 255 */
  uint32_t s_ids;         /* identities of each S-level file; 0 = same as ids */
  uint32_t xlen;          /* 32 or 64; default 64 */
  bool s_aplic_mode;      /* S files implement eidelivery = 0x40000000; default false */
  uint64_t imsic_base;    /* physical address of hart 0's S-file page; default 0x28000000 */
  uint64_t hart_stride;   /* distance between harts' pages; default 0x8000, must hold
                             (geilen+1) pages and be a multiple of 4 KiB */
  aia_cycle msi_write;    /* MSI write issue -> eip bit set; default 50 */
  aia_cycle line_to_hart; /* file line change -> seen by the hart (hgeip/SEIP); default 10 */
  aia_cycle ipi_deliver;  /* IPI send -> SSIP pending on the target; default 4000 */
  aia_cycle idle_exit;    /* idle hart: interrupt pending -> running again; default 1000 */
  /* Random extra delay on each of the four latencies above (default none),
   * drawn from the simulation's PRNG stream for the platform. */
  aia_jitter jitter_msi_write, jitter_line_to_hart, jitter_ipi_deliver, jitter_idle_exit;
} aia_platform_config;

/* Fills cfg with the defaults. */
AIA_API void aia_platform_config_init(aia_platform_config *cfg);

/* Creates the platform on `sim` (destroyed by aia_sim_destroy). *out = NULL
 * first. AIA_EINVAL with aia_sim_errmsg() naming the field for a bad config
 * (e.g. "ids 100: must be 63..2047 with ids+1 a multiple of 64"); AIA_ENOMEM.
 * Every file starts with eithreshold 0, eip = eie = 0, and eidelivery 0
 * (0x40000000, the reset value, on S files when s_aplic_mode is set). */
AIA_API int aia_platform_create(aia_sim *sim, const aia_platform_config *cfg,
                                aia_platform **out);

/* The configuration in force (a copy). */
AIA_API void aia_platform_get_config(const aia_platform *p, aia_platform_config *cfg);

/* The simulation the platform belongs to. */
AIA_API aia_sim *aia_platform_sim(const aia_platform *p);

/* ---------------------------------------------------------------- files --
 * A file is named by (hart, file): file 0 is the hart's S-level file, files
 * 1..geilen its guest files. Out-of-range names give AIA_ERANGE. These calls
 * act on the file directly, as the hypervisor (or a debugger) would, with no
 * VGEIN indirection and no latency. */

/* Indirect register access by iselect number, with CSRRW/RS/RC semantics.
 * Pending bits cleared by a write are reported as AIA_EV_EIP_CLEAR (arg 1).
 * Rules: eidelivery WARL (0, 1; 0x40000000 on S files when configured; any
 * other value leaves it unchanged); eithreshold WLRL 0..N (larger values are
 * not written); eip/eie bit 0 of register 0 reads 0; bits for identities > N
 * read 0. 0x71, 0x73..0x7F read 0 and ignore writes. RV64: odd eip/eie
 * numbers -> AIA_EILLEGAL. Any other number -> AIA_EILLEGAL. On error
 * nothing changes and *old is not written. */
AIA_API int aia_file_ireg(aia_platform *p, uint32_t hart, uint32_t file, uint32_t iselect,
                          aia_csr_op op, uint64_t value, uint64_t *old);

/* *topei: the lowest pending-and-enabled identity below the threshold (when
 * the threshold is non-zero), as identity << 16 | identity, 0 if none; it
 * does not depend on eidelivery. Any op other than READ claims: it clears
 * exactly the identity returned in *old (value ignored); nothing when 0. */
AIA_API int aia_file_topei(aia_platform *p, uint32_t hart, uint32_t file, aia_csr_op op,
                           uint64_t *old);

/* Sets eip[iid] at once (an MSI with no latency). Identity 0 or > N is
 * ignored and reported as AIA_EV_MSI_DROPPED; returns AIA_OK either way. */
AIA_API int aia_file_set_pending(aia_platform *p, uint32_t hart, uint32_t file, uint32_t iid,
                                 uint64_t msi);

/* Queries (no side effects): pending/enabled bit of one identity, the output
 * line (eidelivery == 1 && topei != 0), and the identity count N. */
AIA_API bool aia_file_is_pending(const aia_platform *p, uint32_t hart, uint32_t file, uint32_t iid);
AIA_API bool aia_file_is_enabled(const aia_platform *p, uint32_t hart, uint32_t file, uint32_t iid);
AIA_API bool aia_file_line(const aia_platform *p, uint32_t hart, uint32_t file);
AIA_API uint32_t aia_file_ids(const aia_platform *p, uint32_t hart, uint32_t file);

/* Whole-file image, for migration and save/restore (KVM's vsfile read/write). */
typedef struct aia_file_image {
  uint32_t eidelivery;
  uint32_t eithreshold;
  uint64_t eip[32]; /* bit i of word w = identity 64*w + i */
  uint64_t eie[32];
} aia_file_image;

/* Copies the file into *img. With `clear`, the file is then reset to
 * eidelivery 0, eithreshold 0, eip = eie = 0 (KVM's read-and-clear). */
AIA_API int aia_file_save(aia_platform *p, uint32_t hart, uint32_t file, aia_file_image *img,
                          bool clear);

/* Loads *img into the file: eip is ORed into the pending bits, eie written,
 * then eithreshold, then eidelivery (the spec's migration order). Bits above
 * N are ignored. */
AIA_API int aia_file_restore(aia_platform *p, uint32_t hart, uint32_t file,
                             const aia_file_image *img);

/* ---------------------------------------------------------------- MMIO --- */

/* Physical address of a file's page. */
AIA_API int aia_file_address(const aia_platform *p, uint32_t hart, uint32_t file, uint64_t *pa);

/* Maps a physical address to (hart, file, offset). AIA_ENODEV if no file. */
AIA_API int aia_mmio_decode(const aia_platform *p, uint64_t pa, uint32_t *hart, uint32_t *file,
                            uint32_t *offset);

/* A bus write of `size` bytes. Posted: it returns at once and the identity
 * lands in the file msi_write cycles later (writes to one file land in issue
 * order). seteipnum_be takes the byte-swapped value. Other offsets are
 * ignored. `msi` tags every record the write causes. AIA_ENODEV (no file at
 * pa), AIA_EACCESS (size != 4 or pa not 4-byte aligned): nothing is posted. */
AIA_API int aia_mmio_write(aia_platform *p, uint64_t pa, uint32_t size, uint32_t value,
                           uint64_t msi);

/* A bus read: every register of the page reads 0. AIA_ENODEV, AIA_EACCESS. */
AIA_API int aia_mmio_read(const aia_platform *p, uint64_t pa, uint32_t size, uint32_t *value);

/* ---------------------------------------------------------------- harts -- */

/* Per-hart CSR view. `vs` selects the VS-level registers (vsiselect/vsireg,
 * vstopei): they act on guest file hstatus.VGEIN; VGEIN == 0 gives
 * AIA_EVIRTUAL (virtual instruction: how KVM traps SW-file accesses). With
 * vs false they act on the S-level file. Same rules as aia_file_ireg, except
 * that from VS level an unimplemented register is AIA_EVIRTUAL, not
 * AIA_EILLEGAL (the guest's access traps to the hypervisor). */
AIA_API int aia_hart_ireg(aia_platform *p, uint32_t hart, bool vs, uint32_t iselect,
                          aia_csr_op op, uint64_t value, uint64_t *old);
AIA_API int aia_hart_topei(aia_platform *p, uint32_t hart, bool vs, aia_csr_op op, uint64_t *old);

/* hgeip as the hart sees it (guest file lines, line_to_hart late); read-only. */
AIA_API uint64_t aia_hart_hgeip(const aia_platform *p, uint32_t hart);

/* hgeie with CSR semantics; only bits geilen:1 are writable. */
AIA_API int aia_hart_hgeie(aia_platform *p, uint32_t hart, aia_csr_op op, uint64_t value,
                           uint64_t *old);

/* hstatus.VGEIN: 0..geilen (WLRL: larger values give AIA_ERANGE). */
AIA_API int aia_hart_set_vgein(aia_platform *p, uint32_t hart, uint32_t vgein);
AIA_API uint32_t aia_hart_vgein(const aia_platform *p, uint32_t hart);

/* hvip bits written by the hypervisor (only VSSIP, VSTIP, VSEIP count). */
AIA_API int aia_hart_set_hvip(aia_platform *p, uint32_t hart, uint64_t hvip);

/* hie/sie: which interrupts may trap to HS (bits of the AIA_IRQ_* causes).
 * Default after create: SSI, SEI and SGEI enabled. */
AIA_API int aia_hart_set_ie(aia_platform *p, uint32_t hart, uint64_t ie);
AIA_API uint64_t aia_hart_ie(const aia_platform *p, uint32_t hart);

/* sstatus.SIE of the host (interrupts enabled in HS-mode); default true. */
AIA_API int aia_hart_set_sie(aia_platform *p, uint32_t hart, bool on);

/* V: whether the hart runs a guest (VS/VU). HS interrupts always trap when
 * V = 1, whatever sstatus.SIE says. Default false. */
AIA_API int aia_hart_set_virt(aia_platform *p, uint32_t hart, bool v);
AIA_API bool aia_hart_virt(const aia_platform *p, uint32_t hart);

/* mip/hip as seen now: SSIP (IPI), SEIP (S file line), SGEIP
 * ((hgeip & hgeie) != 0), VSEIP (hvip.VSEIP | hgeip[VGEIN]), VSSIP, VSTIP. */
AIA_API uint64_t aia_hart_mip(const aia_platform *p, uint32_t hart);

/* The interrupt that traps to HS now, in priority order SEI, SSI, STI, SGEI
 * (VS-level causes are delegated to the guest and never listed here);
 * 0 if none: pending & ie, and (V == 1 or sstatus.SIE). */
AIA_API uint32_t aia_hart_hs_irq(const aia_platform *p, uint32_t hart);

/* Software interrupts. send: posted, SSIP rises on `to` ipi_deliver cycles
 * later. clear: SSIP cleared at once (the handler's acknowledgement). */
AIA_API int aia_hart_send_ipi(aia_platform *p, uint32_t from, uint32_t to, uint64_t msi);
AIA_API int aia_hart_clear_ipi(aia_platform *p, uint32_t hart);

/* Idle WFI: the hart stops until an interrupt is pending and enabled
 * (mip & ie != 0, whatever sstatus.SIE), then wakes idle_exit cycles later.
 * A wfi with such an interrupt already pending still pays idle_exit. */
AIA_API int aia_hart_wfi(aia_platform *p, uint32_t hart);
AIA_API bool aia_hart_is_idle(const aia_platform *p, uint32_t hart);

/* Listener for the layers above (and host simulators): called on the sim
 * thread, after the change, whenever a hart's mip or hgeip changes or an
 * idle hart has woken (and on some enable changes). `woke` is true for the latter. Several may be attached; they run
 * in attach order. AIA_ENOMEM, AIA_EINVAL. */
typedef void (*aia_hart_irq_fn)(void *user, uint32_t hart, bool woke);
AIA_API int aia_platform_listen(aia_platform *p, aia_hart_irq_fn fn, void *user);

/* Change a latency at run time (for sweeps or co-simulation). */
AIA_API int aia_platform_set_latency(aia_platform *p, aia_cycle msi_write, aia_cycle line_to_hart,
                                     aia_cycle ipi_deliver, aia_cycle idle_exit);

AIA_END_DECLS

#endif /* AIA_HW_H */
