/* lib/hw/ifile.c: one IMSIC interrupt file (AIA spec, IMSIC chapter).
 * SPDX-License-Identifier: MIT
 *
 * topei is O(1): `summary` keeps one bit per 64-identity word whose pending
 * and enabled bits intersect, so the lowest deliverable identity is found by
 * two count-trailing-zeros instead of a scan of up to 2047 bits.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/ifile.h"

#define EIP(f, w) ((f)->bits[(w)])
#define EIE(f, w) ((f)->bits[(f)->words + (w)])

void aia__ifile_init(aia__ifile *f, uint32_t ids, uint32_t xlen, bool aplic_ok)
{
  memset(f, 0, sizeof *f);
  f->ids = ids;
  f->words = (ids + 1) / 64;
  f->xlen = (uint8_t)xlen;
  f->aplic_ok = aplic_ok;
  /* Reset value: 0x40000000 where APLIC delivery is implemented, else 0. */
  f->eidelivery = aplic_ok ? AIA_EIDELIVERY_APLIC : AIA_EIDELIVERY_OFF;
}

void aia__ifile_free(aia__ifile *f)
{
  free(f->bits);
  f->bits = NULL;
  f->summary = 0;
}

static bool ensure(aia__ifile *f)
{
  if (f->bits == NULL)
    f->bits = calloc(2u * f->words, sizeof *f->bits);
  return f->bits != NULL;
}

static inline void resum(aia__ifile *f, uint32_t w)
{
  if (EIP(f, w) & EIE(f, w))
    f->summary |= UINT32_C(1) << w;
  else
    f->summary &= ~(UINT32_C(1) << w);
}

uint32_t aia__ifile_topei(const aia__ifile *f)
{
  if (f->summary == 0)
    return 0;
  uint32_t w = (uint32_t)__builtin_ctz(f->summary);
  uint64_t x = EIP(f, w) & EIE(f, w);
  uint32_t iid = w * 64u + (uint32_t)__builtin_ctzll(x);
  /* The lowest deliverable identity is at or above the threshold: so is
   * every other one. */
  if (f->eithreshold != 0 && iid >= f->eithreshold)
    return 0;
  return iid;
}

bool aia__ifile_set_pending(aia__ifile *f, uint32_t iid, bool *oom)
{
  if (oom)
    *oom = false;
  if (iid == 0 || iid > f->ids)
    return false;
  if (!ensure(f)) {
    if (oom)
      *oom = true;
    return false;
  }
  EIP(f, iid / 64) |= UINT64_C(1) << (iid % 64);
  resum(f, iid / 64);
  return true;
}

uint32_t aia__ifile_claim(aia__ifile *f)
{
  uint32_t iid = aia__ifile_topei(f);
  if (iid != 0) {
    EIP(f, iid / 64) &= ~(UINT64_C(1) << (iid % 64));
    resum(f, iid / 64);
  }
  return iid;
}

bool aia__ifile_is_pending(const aia__ifile *f, uint32_t iid)
{
  return f->bits && iid > 0 && iid <= f->ids && ((EIP(f, iid / 64) >> (iid % 64)) & 1u);
}

bool aia__ifile_is_enabled(const aia__ifile *f, uint32_t iid)
{
  return f->bits && iid > 0 && iid <= f->ids && ((EIE(f, iid / 64) >> (iid % 64)) & 1u);
}

static uint64_t apply(aia_csr_op op, uint64_t old, uint64_t v)
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

/* Bits of a 64-bit-aligned word that hold implemented identities. Identity
 * 0 (bit 0 of word 0) is never implemented. Words past N do not exist. */
static uint64_t word_mask(const aia__ifile *f, uint32_t w)
{
  if (w >= f->words)
    return 0;
  return w == 0 ? ~UINT64_C(1) : ~UINT64_C(0);
}

int aia__ifile_ireg(aia__ifile *f, uint32_t isel, aia_csr_op op, uint64_t value, uint64_t *old)
{
  uint64_t xmask = f->xlen == 32 ? UINT64_C(0xffffffff) : UINT64_MAX;
  if ((unsigned)op > AIA_CSR_CLEAR)
    return AIA_EINVAL;
  value &= xmask;

  if (isel == AIA_ISEL_EIDELIVERY) {
    uint64_t o = f->eidelivery, n = apply(op, o, value);
    if (op != AIA_CSR_READ &&
        (n == AIA_EIDELIVERY_OFF || n == AIA_EIDELIVERY_ON ||
         (n == AIA_EIDELIVERY_APLIC && f->aplic_ok)))
      f->eidelivery = (uint32_t)n; /* WARL: other values leave it as it was */
    if (old)
      *old = o;
    return AIA_OK;
  }
  if (isel == AIA_ISEL_EITHRESHOLD) {
    uint64_t o = f->eithreshold, n = apply(op, o, value);
    if (op != AIA_CSR_READ && n <= f->ids)
      f->eithreshold = (uint32_t)n; /* WLRL: only legal values are written */
    if (old)
      *old = o;
    return AIA_OK;
  }
  if (isel >= 0x71 && isel <= 0x7F) { /* reserved: read 0, ignore writes */
    if (old)
      *old = 0;
    return AIA_OK;
  }
  if (isel >= AIA_ISEL_EIP0 && isel <= 0xFF) {
    bool eie = isel >= AIA_ISEL_EIE0;
    uint32_t k = isel - (eie ? AIA_ISEL_EIE0 : AIA_ISEL_EIP0);
    uint32_t w, shift;
    uint64_t fieldmask;
    if (f->xlen == 64) {
      if (k & 1u)
        return AIA_EILLEGAL;
      w = k / 2;
      shift = 0;
      fieldmask = UINT64_MAX;
    } else {
      w = k / 2;
      shift = (k & 1u) * 32u;
      fieldmask = UINT64_C(0xffffffff);
    }
    uint64_t impl = (word_mask(f, w) >> shift) & fieldmask;
    uint64_t cur = 0;
    if (f->bits && w < f->words)
      cur = ((eie ? EIE(f, w) : EIP(f, w)) >> shift) & fieldmask;
    uint64_t n = apply(op, cur, value) & impl;
    if (op != AIA_CSR_READ && n != cur) {
      if (!ensure(f))
        return AIA_ENOMEM;
      uint64_t *word = eie ? &EIE(f, w) : &EIP(f, w);
      *word = (*word & ~(fieldmask << shift)) | (n << shift);
      resum(f, w);
    }
    if (old)
      *old = cur;
    return AIA_OK;
  }
  return AIA_EILLEGAL;
}

void aia__ifile_save(aia__ifile *f, aia_file_image *img, bool clear)
{
  memset(img, 0, sizeof *img);
  img->eidelivery = f->eidelivery;
  img->eithreshold = f->eithreshold;
  if (f->bits)
    for (uint32_t w = 0; w < f->words; w++) {
      img->eip[w] = EIP(f, w);
      img->eie[w] = EIE(f, w);
    }
  if (clear) {
    f->eidelivery = 0;
    f->eithreshold = 0;
    /* Empty now: the storage goes until a bit is set again (a vCPU's
     * SW-file while it has a VS-file, a guest file after a migration). */
    free(f->bits);
    f->bits = NULL;
    f->summary = 0;
  }
}

int aia__ifile_restore(aia__ifile *f, const aia_file_image *img)
{
  bool any = false;
  for (uint32_t w = 0; w < f->words; w++)
    any |= ((img->eip[w] | img->eie[w]) & word_mask(f, w)) != 0;
  if (any && !ensure(f))
    return AIA_ENOMEM;
  if (f->bits)
    for (uint32_t w = 0; w < f->words; w++) {
      EIP(f, w) |= img->eip[w] & word_mask(f, w);
      EIE(f, w) = img->eie[w] & word_mask(f, w);
      resum(f, w);
    }
  /* Threshold, then delivery, each through its WARL/WLRL rule. */
  (void)aia__ifile_ireg(f, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, img->eithreshold, NULL);
  (void)aia__ifile_ireg(f, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, img->eidelivery, NULL);
  return AIA_OK;
}

bool aia__ifile_is_empty(const aia__ifile *f)
{
  if (f->bits == NULL)
    return true;
  for (uint32_t w = 0; w < 2u * f->words; w++)
    if (f->bits[w])
      return false;
  return true;
}
