/* lib/hw/ifile.h: one IMSIC interrupt file as a plain register model (private).
 * SPDX-License-Identifier: MIT
 *
 * No time, no events: the platform (lib/hw/platform.c) wraps it with latency
 * and records, and KVM's SW-file (lib/kvm) uses it directly as the in-memory
 * file it emulates. Storage for eip/eie is allocated on the first write that
 * sets a bit, and freed when a save clears the file, so files that are not
 * in use cost only this struct.
 */
#ifndef AIA__IFILE_H
#define AIA__IFILE_H

#include <stdbool.h>
#include <stdint.h>
#include "aiasim/hw.h"

typedef struct aia__ifile {
  uint64_t *bits;        /* NULL, or 2*words: eip[0..words), eie[words..2*words) */
  uint32_t ids;          /* N: identities 1..N */
  uint32_t words;        /* (N + 1) / 64 */
  uint32_t eidelivery;
  uint32_t eithreshold;
  uint32_t summary;      /* bit w set iff eip[w] & eie[w] != 0 (words <= 32) */
  uint8_t xlen;          /* 32 or 64 */
  bool aplic_ok;         /* eidelivery may hold 0x40000000 (S/M files only) */
} aia__ifile;

/* ids must be valid (63..2047, ids+1 multiple of 64); xlen 32 or 64. */
void aia__ifile_init(aia__ifile *f, uint32_t ids, uint32_t xlen, bool aplic_ok);
void aia__ifile_free(aia__ifile *f);

/* Lowest pending-and-enabled identity below the threshold (if non-zero); 0 if none. */
uint32_t aia__ifile_topei(const aia__ifile *f);

/* eidelivery == 1 && topei != 0. */
static inline bool aia__ifile_line(const aia__ifile *f)
{
  return f->eidelivery == AIA_EIDELIVERY_ON && aia__ifile_topei(f) != 0;
}

/* Sets eip[iid]. Returns false (and changes nothing) for iid 0 or > N.
 * AIA_ENOMEM cannot happen silently: returns false and sets *oom if storage
 * could not be allocated (oom may be NULL). */
bool aia__ifile_set_pending(aia__ifile *f, uint32_t iid, bool *oom);

/* Claims topei: clears and returns it (0 when nothing qualifies). */
uint32_t aia__ifile_claim(aia__ifile *f);

bool aia__ifile_is_pending(const aia__ifile *f, uint32_t iid);
bool aia__ifile_is_enabled(const aia__ifile *f, uint32_t iid);

/* Indirect register access, rules as aia_file_ireg() in aiasim/hw.h.
 * AIA_EILLEGAL, AIA_ENOMEM; nothing changes on error. */
int aia__ifile_ireg(aia__ifile *f, uint32_t iselect, aia_csr_op op, uint64_t value, uint64_t *old);

/* Image save (optionally clearing the file) and restore (OR eip, write eie,
 * then eithreshold, then eidelivery), as aia_file_save/restore. */
void aia__ifile_save(aia__ifile *f, aia_file_image *img, bool clear);
int aia__ifile_restore(aia__ifile *f, const aia_file_image *img);

/* True if every eip and eie bit is 0. */
bool aia__ifile_is_empty(const aia__ifile *f);

#endif /* AIA__IFILE_H */
