/* tests/support/ifile_ref.h: a plain reference model of one IMSIC interrupt
 * file, for differential tests and fuzz targets.
 *
 * Written for clarity, not speed: one byte per identity, topei by a scan
 * from 1 to N, every eip/eie register rebuilt bit by bit. It knows nothing
 * of the library's data layout (no summary word, no lazy allocation), so a
 * disagreement with lib/hw/ifile.c points at one of the two readings of the
 * spec (riscv-aia src/IMSIC.adoc; the rules are listed in docs/hardware.md
 * and in the comments of aiasim/hw.h).
 *
 * Header-only, every function static inline (a user that needs only some
 * gets no unused-function warning). No cmocka, no libFuzzer: plain C11.
 */
#ifndef AIA_TEST_IFILE_REF_H
#define AIA_TEST_IFILE_REF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "aiasim/hw.h"

#define RF_MAX_IDS 2047u

typedef struct rf_file {
  uint32_t n;        /* identities 1..n */
  uint32_t xlen;     /* 32 or 64 */
  bool aplic_ok;     /* eidelivery may hold 0x40000000 (S files with APLIC mode) */
  uint32_t eidelivery, eithreshold;
  uint8_t eip[RF_MAX_IDS + 1], eie[RF_MAX_IDS + 1]; /* index = identity; [0] always 0 */
} rf_file;

/* Reset state: nothing pending or enabled, threshold 0, eidelivery 0, or
 * 0x40000000 where that value is supported (IMSIC.adoc, eidelivery). */
static inline void rf_init(rf_file *r, uint32_t n, uint32_t xlen, bool aplic_ok)
{
  memset(r, 0, sizeof *r);
  r->n = n;
  r->xlen = xlen;
  r->aplic_ok = aplic_ok;
  r->eidelivery = aplic_ok ? AIA_EIDELIVERY_APLIC : AIA_EIDELIVERY_OFF;
}

/* The lowest identity pending and enabled, and below the threshold when the
 * threshold is not 0; 0 if there is none. */
static inline uint32_t rf_topei(const rf_file *r)
{
  for (uint32_t i = 1; i <= r->n; i++)
    if (r->eip[i] && r->eie[i] && (r->eithreshold == 0 || i < r->eithreshold))
      return i;
  return 0;
}

/* The file's output line: delivery on and something to deliver. */
static inline bool rf_line(const rf_file *r)
{
  return r->eidelivery == AIA_EIDELIVERY_ON && rf_topei(r) != 0;
}

/* seteipnum: identities 0 and > N are ignored. True if the bit was set. */
static inline bool rf_set(rf_file *r, uint32_t iid)
{
  if (iid == 0 || iid > r->n)
    return false;
  r->eip[iid] = 1;
  return true;
}

/* A claim (a CSR write to topei): clears the identity topei returns. */
static inline uint32_t rf_claim(rf_file *r)
{
  uint32_t t = rf_topei(r);
  if (t != 0)
    r->eip[t] = 0;
  return t;
}

/* The new value of a CSRRW/RS/RC (READ: unchanged). */
static inline uint64_t rf_apply(aia_csr_op op, uint64_t old, uint64_t v)
{
  switch (op) {
  case AIA_CSR_WRITE:
    return v;
  case AIA_CSR_SET:
    return old | v;
  case AIA_CSR_CLEAR:
    return old & ~v;
  default:
    return old;
  }
}

/* eip (or eie) register `k` (0..63) as a value of XLEN bits: identities
 * 32k .. 32k + XLEN - 1 (on RV64 only even k exist). */
static inline uint64_t rf_reg_value(const rf_file *r, const uint8_t *arr, uint32_t k)
{
  uint64_t v = 0;
  for (uint32_t b = 0; b < r->xlen; b++) {
    uint32_t id = k * 32u + b;
    if (id >= 1 && id <= r->n && arr[id])
      v |= UINT64_C(1) << b;
  }
  return v;
}

/* Number of pending bits a write changed from 1 to 0 is returned through
 * *cleared (may be NULL): the library reports each one as a record. */
static inline void rf_reg_write(rf_file *r, uint8_t *arr, uint32_t k, uint64_t v,
                                uint32_t *cleared)
{
  for (uint32_t b = 0; b < r->xlen; b++) {
    uint32_t id = k * 32u + b;
    if (id >= 1 && id <= r->n) {
      uint8_t nb = (uint8_t)((v >> b) & 1u);
      if (cleared != NULL && arr[id] && !nb)
        (*cleared)++;
      arr[id] = nb;
    }
  }
}

/* An indirect register access (*iselect / *ireg), with the rules of
 * aia_file_ireg(): eidelivery WARL (0, 1, 0x40000000 when aplic_ok; other
 * values leave it as it is), eithreshold WLRL (values above N not written),
 * 0x71 and 0x73..0x7F read 0 and ignore writes, eip/eie 0x80..0xFF (odd
 * numbers illegal on RV64), anything else illegal, an op other than the
 * four AIA_CSR_* invalid. The value is cut to XLEN bits first. On error
 * nothing changes and *old is not written. *cleared (may be NULL) counts
 * pending bits the access cleared. */
static inline int rf_ireg_ex(rf_file *r, uint32_t sel, aia_csr_op op, uint64_t v, uint64_t *old,
                             uint32_t *cleared)
{
  if ((unsigned)op > AIA_CSR_CLEAR)
    return AIA_EINVAL;
  if (r->xlen == 32)
    v &= UINT32_MAX;
  if (sel == AIA_ISEL_EIDELIVERY) {
    uint64_t nv = rf_apply(op, r->eidelivery, v);
    *old = r->eidelivery;
    if (op != AIA_CSR_READ && (nv == AIA_EIDELIVERY_OFF || nv == AIA_EIDELIVERY_ON ||
                               (r->aplic_ok && nv == AIA_EIDELIVERY_APLIC)))
      r->eidelivery = (uint32_t)nv;
    return AIA_OK;
  }
  if (sel == AIA_ISEL_EITHRESHOLD) {
    uint64_t nv = rf_apply(op, r->eithreshold, v);
    *old = r->eithreshold;
    if (op != AIA_CSR_READ && nv <= r->n)
      r->eithreshold = (uint32_t)nv;
    return AIA_OK;
  }
  if (sel >= 0x71 && sel <= 0x7F) {
    *old = 0;
    return AIA_OK;
  }
  if (sel >= AIA_ISEL_EIP0 && sel <= 0xFF) {
    uint8_t *arr = sel < AIA_ISEL_EIE0 ? r->eip : r->eie;
    uint32_t k = sel & 0x3Fu;
    uint64_t o;
    if (r->xlen == 64 && (k & 1u))
      return AIA_EILLEGAL;
    o = rf_reg_value(r, arr, k);
    *old = o;
    if (op != AIA_CSR_READ)
      rf_reg_write(r, arr, k, rf_apply(op, o, v), arr == r->eip ? cleared : NULL);
    return AIA_OK;
  }
  return AIA_EILLEGAL;
}

static inline int rf_ireg(rf_file *r, uint32_t sel, aia_csr_op op, uint64_t v, uint64_t *old)
{
  return rf_ireg_ex(r, sel, op, v, old, NULL);
}

/* The whole-file image of aia_file_save(): bit i of word w is identity
 * 64w + i; bits of identities that do not exist are 0. With `clear` the file
 * is then reset to eidelivery 0 (whatever its reset value), threshold 0 and
 * no bit set (KVM's read-and-clear). */
static inline void rf_save(rf_file *r, aia_file_image *img, bool clear)
{
  memset(img, 0, sizeof *img);
  img->eidelivery = r->eidelivery;
  img->eithreshold = r->eithreshold;
  for (uint32_t id = 1; id <= r->n; id++) {
    if (r->eip[id])
      img->eip[id / 64u] |= UINT64_C(1) << (id % 64u);
    if (r->eie[id])
      img->eie[id / 64u] |= UINT64_C(1) << (id % 64u);
  }
  if (clear) {
    r->eidelivery = AIA_EIDELIVERY_OFF;
    r->eithreshold = 0;
    memset(r->eip, 0, sizeof r->eip);
    memset(r->eie, 0, sizeof r->eie);
  }
}

/* aia_file_restore(): eip ORed in, eie written, then eithreshold and then
 * eidelivery, each through its own WLRL/WARL rule; bits of identities that
 * do not exist are ignored. */
static inline void rf_restore(rf_file *r, const aia_file_image *img)
{
  uint64_t old;
  for (uint32_t id = 1; id <= r->n; id++) {
    if ((img->eip[id / 64u] >> (id % 64u)) & 1u)
      r->eip[id] = 1;
    r->eie[id] = (uint8_t)((img->eie[id / 64u] >> (id % 64u)) & 1u);
  }
  (void)rf_ireg(r, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, img->eithreshold, &old);
  (void)rf_ireg(r, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, img->eidelivery, &old);
}

/* True if no eip or eie bit is set. */
static inline bool rf_is_empty(const rf_file *r)
{
  return memchr(r->eip, 1, sizeof r->eip) == NULL && memchr(r->eie, 1, sizeof r->eie) == NULL;
}

#endif /* AIA_TEST_IFILE_REF_H */
