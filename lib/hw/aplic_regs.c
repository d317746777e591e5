/* lib/hw/aplic_regs.c: the APLIC's register view: which domain an address
 * belongs to, byte order (domaincfg.BE), and the WARL rules of each
 * register ("Memory-mapped control region for an interrupt domain" and
 * "Interrupt delivery directly by the APLIC" of the specification).
 * SPDX-License-Identifier: MIT */
#include "hw/aplic_impl.h"

#define MMSIH_MASK 0x9F77FFFFu /* L, HHXS, LHXS, HHXW, LHXW, High Base PPN */
#define SMSIH_MASK 0x00700FFFu /* LHXS, High Base PPN */
#define HART_MASK 0xFFFC0000u
#define GUEST_MASK 0x0003F000u
#define GENMSI_MASK (HART_MASK | AIA_APLIC_TARGET_EIID_MASK)

/* Finds the domain whose region holds pa. */
static int decode(const aia_aplic *a, uint64_t pa, uint32_t size, uint32_t *d, uint32_t *off)
{
  for (uint32_t k = 0; k < a->cfg.ndomains; k++) {
    const aia__aplic_dom *dm = &a->d[k];
    if (pa >= dm->c.base && pa - dm->c.base < dm->size) {
      if (size != 4 || (pa & 3u))
        return aia__sim_fail(a->sim, AIA_EACCESS,
                             "aplic: access of %u bytes at 0x%llx: registers take aligned "
                             "4-byte accesses",
                             size, (unsigned long long)pa);
      *d = k;
      *off = (uint32_t)(pa - dm->c.base);
      return AIA_OK;
    }
  }
  return aia__sim_fail(a->sim, AIA_ENODEV, "aplic: no domain region at 0x%llx",
                       (unsigned long long)pa);
}

/* Bit j of a 32-source word k where `bit(i)` holds, for sources active in d. */
static uint32_t word_of(const aia_aplic *a, uint32_t d, uint32_t k, const uint8_t *bits,
                        bool rectified)
{
  uint32_t w = 0;
  for (uint32_t j = 0; j < 32; j++) {
    uint32_t i = 32u * k + j;
    if (i == 0 || i > a->cfg.sources || !aia__aplic_live(a, i, d))
      continue;
    if (rectified ? aia__aplic_rectified(a, i) : bits[i] != 0)
      w |= 1u << j;
  }
  return w;
}

static uint32_t read_target(const aia_aplic *a, uint32_t d, uint32_t i)
{
  uint32_t t = a->target[i];
  if (!aia__aplic_live(a, i, d))
    return 0;
  if (aia__aplic_direct(a, d))
    return (t & HART_MASK) | aia__aplic_prio(a, t);
  return t & (HART_MASK | (a->d[d].c.machine ? 0u : GUEST_MASK) | AIA_APLIC_TARGET_EIID_MASK);
}

static uint32_t idc_read(aia_aplic *a, uint32_t d, uint32_t h, uint32_t reg)
{
  aia__aplic_dom *dm = &a->d[d];
  switch (reg) {
  case AIA_APLIC_IDELIVERY:
    return dm->idelivery[h];
  case AIA_APLIC_IFORCE:
    return dm->iforce[h];
  case AIA_APLIC_ITHRESHOLD:
    return dm->ithreshold[h];
  case AIA_APLIC_TOPI:
    return aia__aplic_direct(a, d) ? aia__aplic_topi(a, d, h) : 0;
  case AIA_APLIC_CLAIMI: {
    /* claimi reads as topi and claims: the source's pending bit is cleared
     * (level sources in direct mode follow their input instead); a read of
     * 0 clears iforce. */
    if (!aia__aplic_direct(a, d))
      return 0;
    uint32_t t = aia__aplic_topi(a, d, h);
    if (t) {
      uint32_t i = t >> 16;
      if (!aia__aplic_is_level(dm->sourcecfg[i] & 7u))
        a->pending[i] = 0;
      a->st.claims++;
    } else {
      dm->iforce[h] = 0;
    }
    aia__aplic_update(a, d);
    return t;
  }
  default:
    return 0;
  }
}

static uint32_t reg_read(aia_aplic *a, uint32_t d, uint32_t off)
{
  aia__aplic_dom *dm = &a->d[d];
  bool msi = (a->cfg.modes & AIA_APLIC_MODE_MSI) != 0;
  uint32_t n = a->cfg.sources;
  if (off == AIA_APLIC_DOMAINCFG)
    return 0x80000000u | dm->cfg;
  if (off >= AIA_APLIC_SOURCECFG && off < AIA_APLIC_SOURCECFG + 4u * AIA_APLIC_MAX_SOURCES) {
    uint32_t i = (off - AIA_APLIC_SOURCECFG) / 4u + 1u;
    return i <= n && aia__aplic_reaches(a, i, d) ? dm->sourcecfg[i] : 0;
  }
  if (off >= AIA_APLIC_MMSIADDRCFG && off <= AIA_APLIC_SMSIADDRCFGH) {
    if (d != 0 || !msi)
      return 0;
    return off == AIA_APLIC_MMSIADDRCFG    ? a->mmsi
           : off == AIA_APLIC_MMSIADDRCFGH ? a->mmsih
           : off == AIA_APLIC_SMSIADDRCFG  ? a->smsi
                                           : a->smsih;
  }
  if (off >= AIA_APLIC_SETIP && off < AIA_APLIC_SETIP + 128u)
    return word_of(a, d, (off - AIA_APLIC_SETIP) / 4u, a->pending, false);
  if (off >= AIA_APLIC_IN_CLRIP && off < AIA_APLIC_IN_CLRIP + 128u)
    return word_of(a, d, (off - AIA_APLIC_IN_CLRIP) / 4u, NULL, true);
  if (off >= AIA_APLIC_SETIE && off < AIA_APLIC_SETIE + 128u)
    return word_of(a, d, (off - AIA_APLIC_SETIE) / 4u, a->enabled, false);
  if (off == AIA_APLIC_GENMSI)
    return msi ? dm->genmsi : 0;
  if (off >= AIA_APLIC_TARGET && off < AIA_APLIC_TARGET + 4u * AIA_APLIC_MAX_SOURCES) {
    uint32_t i = (off - AIA_APLIC_TARGET) / 4u + 1u;
    return i <= n ? read_target(a, d, i) : 0;
  }
  if (off >= AIA_APLIC_IDC && (a->cfg.modes & AIA_APLIC_MODE_DIRECT)) {
    uint32_t h = (off - AIA_APLIC_IDC) / 32u;
    if (h < dm->c.harts)
      return idc_read(a, d, h, (off - AIA_APLIC_IDC) % 32u);
  }
  /* setipnum, clripnum, setienum, clrienum, setipnum_le/be, clrie[k],
   * and every offset that holds no register: 0 */
  return 0;
}

int aia_aplic_mmio_read(aia_aplic *a, uint64_t pa, uint32_t size, uint32_t *value)
{
  uint32_t d = 0, off = 0;
  if (a == NULL || value == NULL)
    return AIA_EINVAL;
  int rc = decode(a, pa, size, &d, &off);
  if (rc != AIA_OK)
    return rc;
  uint32_t v = reg_read(a, d, off);
  *value = (a->d[d].cfg & AIA_APLIC_DOMAINCFG_BE) ? aia__swab32(v) : v;
  return AIA_OK;
}

/* Clears source i's sourcecfg in domain d and below (delegation revoked). */
static void clear_below(aia_aplic *a, uint32_t d, uint32_t i)
{
  uint32_t sc = a->d[d].sourcecfg[i];
  a->d[d].sourcecfg[i] = 0;
  if (sc & AIA_APLIC_SOURCECFG_D)
    clear_below(a, a->d[d].children[sc & 0x3FFu], i);
}

/* sourcecfg[i] of domain d. D is read-only 0 in a domain without children;
 * a child index past its children, or a reserved mode (2, 3), leaves the
 * register as it was. A source that leaves the domain, comes back to it or
 * becomes inactive has its pending, enable and target cleared. */
static void write_sourcecfg(aia_aplic *a, uint32_t d, uint32_t i, uint32_t v)
{
  aia__aplic_dom *dm = &a->d[d];
  uint32_t old = dm->sourcecfg[i], nv;
  if (!aia__aplic_reaches(a, i, d))
    return;
  if ((v & AIA_APLIC_SOURCECFG_D) && dm->nchildren > 0) {
    if ((v & 0x3FFu) >= dm->nchildren)
      return;
    nv = v & (AIA_APLIC_SOURCECFG_D | 0x3FFu);
  } else {
    nv = v & 7u;
    if (nv == 2u || nv == 3u)
      return;
  }
  if (nv == old)
    return;
  if (old & AIA_APLIC_SOURCECFG_D)
    clear_below(a, dm->children[old & 0x3FFu], i);
  dm->sourcecfg[i] = nv;
  if ((old & AIA_APLIC_SOURCECFG_D) || (nv & AIA_APLIC_SOURCECFG_D) || nv == AIA_SM_INACTIVE ||
      old == AIA_SM_INACTIVE) {
    a->pending[i] = a->enabled[i] = 0;
    a->target[i] = 0;
  }
  aia__aplic_level_follow(a, i);
}

static void write_domaincfg(aia_aplic *a, uint32_t d, uint32_t v)
{
  aia__aplic_dom *dm = &a->d[d];
  uint32_t was = dm->cfg, dmode;
  if (a->cfg.modes == (AIA_APLIC_MODE_DIRECT | AIA_APLIC_MODE_MSI))
    dmode = v & AIA_APLIC_DOMAINCFG_DM;
  else
    dmode = a->cfg.modes == AIA_APLIC_MODE_MSI ? AIA_APLIC_DOMAINCFG_DM : 0;
  dm->cfg = (v & AIA_APLIC_DOMAINCFG_IE) | dmode |
            (a->cfg.big_endian ? v & AIA_APLIC_DOMAINCFG_BE : 0);
  if ((was ^ dm->cfg) & AIA_APLIC_DOMAINCFG_DM) {
    for (uint32_t i = 1; i <= a->cfg.sources; i++)
      if (aia__aplic_live(a, i, d))
        aia__aplic_level_follow(a, i);
    if (!aia__aplic_direct(a, d))
      aia__aplic_lines_off(a, d);
  }
}

static void write_target(aia_aplic *a, uint32_t d, uint32_t i, uint32_t v)
{
  if (!aia__aplic_live(a, i, d))
    return;
  if (aia__aplic_direct(a, d)) {
    if ((v >> AIA_APLIC_TARGET_HART_SHIFT) >= a->d[d].c.harts)
      return; /* no IDC for that hart index in this domain: unchanged */
    uint32_t prio = v & ((1u << a->cfg.iprio_bits) - 1u);
    a->target[i] = (v & HART_MASK) | (prio ? prio : 1u);
  } else {
    a->target[i] = v & (HART_MASK | (a->d[d].c.machine ? 0u : GUEST_MASK) |
                        AIA_APLIC_TARGET_EIID_MASK);
  }
}

/* setip / in_clrip / setie / clrie word k: bit j for source 32k + j. */
static void write_word(aia_aplic *a, uint32_t d, uint32_t k, uint32_t v, int what)
{
  for (uint32_t j = 0; j < 32; j++) {
    uint32_t i = 32u * k + j;
    if (!((v >> j) & 1u) || i == 0 || i > a->cfg.sources || !aia__aplic_live(a, i, d))
      continue;
    switch (what) {
    case 0: aia__aplic_sw_set_pending(a, i); break;
    case 1: aia__aplic_sw_clear_pending(a, i); break;
    case 2: a->enabled[i] = 1; break;
    default: a->enabled[i] = 0; break;
    }
  }
}

/* setipnum, clripnum, setienum, clrienum: one source by number. */
static void write_num(aia_aplic *a, uint32_t d, uint32_t i, int what)
{
  if (i >= 1 && i <= a->cfg.sources)
    write_word(a, d, i / 32u, 1u << (i % 32u), what);
}

static void idc_write(aia_aplic *a, uint32_t d, uint32_t h, uint32_t reg, uint32_t v)
{
  aia__aplic_dom *dm = &a->d[d];
  switch (reg) {
  case AIA_APLIC_IDELIVERY: dm->idelivery[h] = v & 1u; break;
  case AIA_APLIC_IFORCE: dm->iforce[h] = v & 1u; break;
  case AIA_APLIC_ITHRESHOLD: dm->ithreshold[h] = (uint8_t)(v & ((1u << a->cfg.iprio_bits) - 1u)); break;
  default: break; /* topi, claimi and the reserved words: read-only */
  }
}

static void reg_write(aia_aplic *a, uint32_t d, uint32_t off, uint32_t v)
{
  aia__aplic_dom *dm = &a->d[d];
  bool msi = (a->cfg.modes & AIA_APLIC_MODE_MSI) != 0;
  if (off == AIA_APLIC_DOMAINCFG) {
    write_domaincfg(a, d, v);
  } else if (off >= AIA_APLIC_SOURCECFG && off < AIA_APLIC_SOURCECFG + 4u * AIA_APLIC_MAX_SOURCES) {
    uint32_t i = (off - AIA_APLIC_SOURCECFG) / 4u + 1u;
    if (i <= a->cfg.sources)
      write_sourcecfg(a, d, i, v);
  } else if (off >= AIA_APLIC_MMSIADDRCFG && off <= AIA_APLIC_SMSIADDRCFGH) {
    if (d != 0 || !msi || (a->mmsih & AIA_APLIC_MMSIADDRCFGH_L))
      return; /* root domain only; read-only once locked (L) */
    if (off == AIA_APLIC_MMSIADDRCFG)
      a->mmsi = v;
    else if (off == AIA_APLIC_MMSIADDRCFGH)
      a->mmsih = v & MMSIH_MASK;
    else if (off == AIA_APLIC_SMSIADDRCFG)
      a->smsi = v;
    else
      a->smsih = v & SMSIH_MASK;
    return;
  } else if (off >= AIA_APLIC_SETIP && off < AIA_APLIC_SETIP + 128u) {
    write_word(a, d, (off - AIA_APLIC_SETIP) / 4u, v, 0);
  } else if (off == AIA_APLIC_SETIPNUM || off == AIA_APLIC_SETIPNUM_LE) {
    write_num(a, d, v, 0);
  } else if (off == AIA_APLIC_SETIPNUM_BE) {
    /* big-endian whatever domaincfg.BE says: undo the bus swap, then swap */
    uint32_t raw = (dm->cfg & AIA_APLIC_DOMAINCFG_BE) ? aia__swab32(v) : v;
    write_num(a, d, aia__swab32(raw), 0);
  } else if (off >= AIA_APLIC_IN_CLRIP && off < AIA_APLIC_IN_CLRIP + 128u) {
    write_word(a, d, (off - AIA_APLIC_IN_CLRIP) / 4u, v, 1);
  } else if (off == AIA_APLIC_CLRIPNUM) {
    write_num(a, d, v, 1);
  } else if (off >= AIA_APLIC_SETIE && off < AIA_APLIC_SETIE + 128u) {
    write_word(a, d, (off - AIA_APLIC_SETIE) / 4u, v, 2);
  } else if (off == AIA_APLIC_SETIENUM) {
    write_num(a, d, v, 2);
  } else if (off >= AIA_APLIC_CLRIE && off < AIA_APLIC_CLRIE + 128u) {
    write_word(a, d, (off - AIA_APLIC_CLRIE) / 4u, v, 3);
  } else if (off == AIA_APLIC_CLRIENUM) {
    write_num(a, d, v, 3);
  } else if (off == AIA_APLIC_GENMSI) {
    /* An extempore MSI (MSI mode only): hart index and EIID, guest 0; it
     * is sent at once, so Busy reads 0 again by the next access. */
    if (!msi || aia__aplic_direct(a, d))
      return;
    dm->genmsi = v & GENMSI_MASK;
    aia__aplic_send(a, d, 0, dm->genmsi);
    return;
  } else if (off >= AIA_APLIC_TARGET && off < AIA_APLIC_TARGET + 4u * AIA_APLIC_MAX_SOURCES) {
    uint32_t i = (off - AIA_APLIC_TARGET) / 4u + 1u;
    if (i <= a->cfg.sources)
      write_target(a, d, i, v);
  } else if (off >= AIA_APLIC_IDC && (a->cfg.modes & AIA_APLIC_MODE_DIRECT)) {
    uint32_t h = (off - AIA_APLIC_IDC) / 32u;
    if (h >= dm->c.harts)
      return;
    idc_write(a, d, h, (off - AIA_APLIC_IDC) % 32u, v);
  } else {
    return; /* no register here: ignored */
  }
  /* A write may change what is delivered in any domain of the source's
   * chain (delegation moves a source between domains). */
  for (uint32_t k = 0; k < a->cfg.ndomains; k++)
    aia__aplic_update(a, k);
}

int aia_aplic_mmio_write(aia_aplic *a, uint64_t pa, uint32_t size, uint32_t value)
{
  uint32_t d = 0, off = 0;
  if (a == NULL)
    return AIA_EINVAL;
  int rc = decode(a, pa, size, &d, &off);
  if (rc != AIA_OK)
    return rc;
  reg_write(a, d, off, (a->d[d].cfg & AIA_APLIC_DOMAINCFG_BE) ? aia__swab32(value) : value);
  return AIA_OK;
}
