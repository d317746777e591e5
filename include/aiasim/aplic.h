/* aiasim/aplic.h: the Advanced Platform-Level Interrupt Controller (APLIC)
 * of the RISC-V AIA specification: wired interrupt sources, interrupt
 * domains with delegation, MSI and direct delivery.
 * SPDX-License-Identifier: MIT
 *
 * An APLIC belongs to a platform (created on it, destroyed with its
 * simulation) and is used on that simulation's thread only. In MSI mode
 * it forwards interrupts as 32-bit writes to the platform's IMSIC files
 * (aia_mmio_write, so they take the platform's msi_write latency); in
 * direct mode each domain has one interrupt delivery control (IDC) per
 * hart, whose output is the hart's external interrupt (SEIP for a
 * supervisor-level domain; listeners see every domain's lines).
 * docs/hardware.md lists each rule with the section of the specification
 * it comes from and the choices made where the specification leaves one.
 *
 * The in-kernel APLIC that KVM emulates for a guest is another thing: see
 * aia_vaplic_* in aiasim/kvm.h.
 */
#ifndef AIA_APLIC_H
#define AIA_APLIC_H

#include <stdbool.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/hw.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef struct aia_aplic aia_aplic; /* opaque; owned by its platform's aia_sim */

/* Register offsets within a domain's control region. sourcecfg[i] is at
 * AIA_APLIC_SOURCECFG + 4*(i-1), target[i] at AIA_APLIC_TARGET + 4*(i-1);
 * setip[k], in_clrip[k], setie[k] and clrie[k] cover sources 32k..32k+31. */
#define AIA_APLIC_DOMAINCFG 0x0000u
#define AIA_APLIC_SOURCECFG 0x0004u
#define AIA_APLIC_MMSIADDRCFG 0x1BC0u
#define AIA_APLIC_MMSIADDRCFGH 0x1BC4u
#define AIA_APLIC_SMSIADDRCFG 0x1BC8u
#define AIA_APLIC_SMSIADDRCFGH 0x1BCCu
#define AIA_APLIC_SETIP 0x1C00u
#define AIA_APLIC_SETIPNUM 0x1CDCu
#define AIA_APLIC_IN_CLRIP 0x1D00u
#define AIA_APLIC_CLRIPNUM 0x1DDCu
#define AIA_APLIC_SETIE 0x1E00u
#define AIA_APLIC_SETIENUM 0x1EDCu
#define AIA_APLIC_CLRIE 0x1F00u
#define AIA_APLIC_CLRIENUM 0x1FDCu
#define AIA_APLIC_SETIPNUM_LE 0x2000u
#define AIA_APLIC_SETIPNUM_BE 0x2004u
#define AIA_APLIC_GENMSI 0x3000u
#define AIA_APLIC_TARGET 0x3004u
#define AIA_APLIC_IDC 0x4000u /* IDC of hart index h at AIA_APLIC_IDC + 32*h */
/* Within an IDC. */
#define AIA_APLIC_IDELIVERY 0x00u
#define AIA_APLIC_IFORCE 0x04u
#define AIA_APLIC_ITHRESHOLD 0x08u
#define AIA_APLIC_TOPI 0x18u
#define AIA_APLIC_CLAIMI 0x1Cu

/* Fields. */
#define AIA_APLIC_DOMAINCFG_IE (1u << 8)
#define AIA_APLIC_DOMAINCFG_DM (1u << 2)
#define AIA_APLIC_DOMAINCFG_BE (1u << 0)
#define AIA_APLIC_SOURCECFG_D (1u << 10)
#define AIA_APLIC_TARGET_HART_SHIFT 18u  /* hart index, bits 31:18 */
#define AIA_APLIC_TARGET_GUEST_SHIFT 12u /* guest index (MSI mode), bits 17:12 */
#define AIA_APLIC_TARGET_EIID_MASK 0x7FFu
#define AIA_APLIC_GENMSI_BUSY (1u << 12)
#define AIA_APLIC_MMSIADDRCFGH_L (1u << 31)

#define AIA_APLIC_MAX_SOURCES 1023u
#define AIA_APLIC_MAX_DOMAINS 16u
#define AIA_APLIC_MAX_HARTS 16384u /* hart index is 14 bits */

/* Source modes (sourcecfg.SM). 2 and 3 are reserved. */
typedef enum aia_source_mode {
  AIA_SM_INACTIVE = 0,
  AIA_SM_DETACHED = 1,
  AIA_SM_EDGE1 = 4,  /* rising edge */
  AIA_SM_EDGE0 = 5,  /* falling edge */
  AIA_SM_LEVEL1 = 6, /* level high */
  AIA_SM_LEVEL0 = 7  /* level low */
} aia_source_mode;

/* Delivery modes an APLIC implements (aia_aplic_config.modes). */
#define AIA_APLIC_MODE_DIRECT 1u
#define AIA_APLIC_MODE_MSI 2u

typedef struct aia_aplic_domain_config {
  int32_t parent;      /* index of the parent domain; -1 for the root (domain 0,
                          the only one without a parent); a parent's index is
                          lower than its children's */
  bool machine;        /* machine-level domain (the root usually is) */
  uint64_t base;       /* physical address of its control region, 4 KiB aligned */
  uint32_t first_hart; /* hart index 0 of the domain is this platform hart */
  uint32_t harts;      /* harts it can deliver to directly (IDCs); 1..16384 */
} aia_aplic_domain_config;

typedef struct aia_aplic_config {
  size_t struct_size;   /* set by aia_aplic_config_init() */
  uint32_t sources;     /* wired sources 1..sources; 1..1023; default 32 */
  uint32_t modes;       /* AIA_APLIC_MODE_* bits; default both */
  bool big_endian;      /* domaincfg.BE writable; default false (read-only 0) */
  uint32_t iprio_bits;  /* IPRIOLEN, priority bits in direct mode: 1..8; default 8 */
  /* Domains (copied). NULL / 0: one supervisor-level root domain at
   * 0x0D000000 over every hart of the platform. */
  const aia_aplic_domain_config *domains;
  uint32_t ndomains;    /* at most AIA_APLIC_MAX_DOMAINS */
} aia_aplic_config;

AIA_API void aia_aplic_config_init(aia_aplic_config *cfg);

/* Creates an APLIC on platform `p`. At reset every register reads 0 except
 * domaincfg (0x80000000, DM = 1 when only MSI mode is implemented), every
 * source is inactive, every input low. AIA_EINVAL with aia_sim_errmsg()
 * naming the field (overlapping regions, a parent after its child, a hart
 * range past the platform); AIA_ENOMEM. */
AIA_API int aia_aplic_create(aia_platform *p, const aia_aplic_config *cfg, aia_aplic **out);

/* The configuration in force (a copy; domains points into the APLIC). */
AIA_API void aia_aplic_get_config(const aia_aplic *a, aia_aplic_config *cfg);

/* Bytes of domain d's region: 16 KiB, plus 32 per IDC when direct mode is
 * implemented, rounded up to 4 KiB. AIA_ERANGE for no such domain. */
AIA_API int aia_aplic_domain_region(const aia_aplic *a, uint32_t d, uint64_t *base,
                                    uint64_t *size);

/* The wired input of `source` (1..sources) is now `level`. The domain the
 * source is active in (the end of its delegation chain) applies its mode's
 * rules at once (an AIA_EV_WIRED record). AIA_ERANGE for a bad source. */
AIA_API int aia_aplic_set_input(aia_aplic *a, uint32_t source, bool level);

/* A bus access to a domain's control region: 4 bytes, 4-byte aligned
 * (else AIA_EACCESS; nothing changes). No region at pa: AIA_ENODEV.
 * Registers are little-endian unless the domain's domaincfg.BE is 1;
 * offsets inside a region that hold no register read 0 and ignore writes.
 * A read of claimi claims (it has a side effect, hence not const). */
AIA_API int aia_aplic_mmio_read(aia_aplic *a, uint64_t pa, uint32_t size, uint32_t *value);
AIA_API int aia_aplic_mmio_write(aia_aplic *a, uint64_t pa, uint32_t size, uint32_t value);

/* What a source looks like now (no side effects). */
typedef struct aia_aplic_source_state {
  uint32_t domain;      /* the domain it is active in (end of its delegation chain) */
  aia_source_mode mode; /* its mode there */
  bool input;           /* the wired input */
  bool rectified;       /* the input as the mode sees it (0 for inactive, detached) */
  bool pending, enabled;
  uint32_t target;      /* its target register there */
} aia_aplic_source_state;

AIA_API int aia_aplic_source(const aia_aplic *a, uint32_t source, aia_aplic_source_state *st);

/* Direct mode: the output of domain d's IDC for hart index h (domaincfg.IE,
 * idelivery, and topi != 0 or iforce). False for bad indices. */
AIA_API bool aia_aplic_line(const aia_aplic *a, uint32_t d, uint32_t h);

/* Listener for direct-mode output changes: called on the sim thread after
 * the change, with the domain, the hart index in it and the new level.
 * Several may be attached; they run in attach order. AIA_ENOMEM, AIA_EINVAL. */
typedef void (*aia_aplic_line_fn)(void *user, uint32_t domain, uint32_t hart_index, bool level);
AIA_API int aia_aplic_listen(aia_aplic *a, aia_aplic_line_fn fn, void *user);

/* Counters: MSIs forwarded (sources and genmsi), MSIs whose address held no
 * interrupt file (lost on the bus), claims through claimi that returned a
 * source, direct-mode line rises. */
typedef struct aia_aplic_stats {
  size_t struct_size;
  uint64_t msis_sent, msis_unrouted, claims, line_rises;
} aia_aplic_stats;

AIA_API int aia_aplic_get_stats(const aia_aplic *a, aia_aplic_stats *st);

AIA_END_DECLS

#endif /* AIA_APLIC_H */
