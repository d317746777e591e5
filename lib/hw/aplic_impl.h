/* lib/hw/aplic_impl.h: the APLIC's private state, shared by aplic.c (the
 * sources and delivery) and aplic_regs.c (the register view).
 * SPDX-License-Identifier: MIT */
#ifndef AIA__APLIC_IMPL_H
#define AIA__APLIC_IMPL_H

#include "aiasim/aplic.h"
#include "hw/hw_impl.h"

typedef struct aia__aplic_dom {
  aia_aplic_domain_config c;
  uint64_t size;         /* bytes of the control region */
  uint32_t cfg;          /* domaincfg's IE, DM and BE bits */
  uint32_t genmsi;       /* hart index and EIID of the last genmsi write */
  uint32_t *sourcecfg;   /* [1..sources]; 0 where the source is not delegated here */
  uint32_t *children;    /* domain indices, in index order: child index k = children[k] */
  uint32_t nchildren;
  uint8_t *idelivery, *iforce, *ithreshold, *line; /* per IDC (hart index) */
  uint32_t *best;        /* per IDC: scratch for aia__aplic_update */
} aia__aplic_dom;

typedef struct aia__aplic_listener {
  aia_aplic_line_fn fn;
  void *user;
} aia__aplic_listener;

struct aia_aplic {
  aia_platform *p;
  aia_sim *sim;
  aia_aplic_config cfg;
  aia_aplic_domain_config *dcfg;
  aia__aplic_dom *d;
  /* Per source (index 1..sources), kept where the source is active: */
  uint8_t *input, *pending, *enabled;
  uint32_t *target;
  /* The root domain's MSI address configuration. */
  uint32_t mmsi, mmsih, smsi, smsih;
  aia__aplic_listener *listeners;
  uint32_t nlisteners;
  aia_aplic_stats st;
};

static inline bool aia__aplic_is_level(uint32_t sm)
{
  return sm == AIA_SM_LEVEL1 || sm == AIA_SM_LEVEL0;
}

/* domaincfg.DM = 0: the domain delivers directly. */
static inline bool aia__aplic_direct(const aia_aplic *a, uint32_t d)
{
  return !(a->d[d].cfg & AIA_APLIC_DOMAINCFG_DM);
}

uint32_t aia__aplic_active(const aia_aplic *a, uint32_t i);
bool aia__aplic_reaches(const aia_aplic *a, uint32_t i, uint32_t d);
uint32_t aia__aplic_mode(const aia_aplic *a, uint32_t i);
bool aia__aplic_live(const aia_aplic *a, uint32_t i, uint32_t d);
bool aia__aplic_rectified(const aia_aplic *a, uint32_t i);
void aia__aplic_sw_set_pending(aia_aplic *a, uint32_t i);
void aia__aplic_sw_clear_pending(aia_aplic *a, uint32_t i);
void aia__aplic_level_follow(aia_aplic *a, uint32_t i);
uint64_t aia__aplic_msi_address(const aia_aplic *a, bool machine, uint32_t hart, uint32_t guest);
void aia__aplic_send(aia_aplic *a, uint32_t d, uint32_t source, uint32_t target);
uint32_t aia__aplic_topi(const aia_aplic *a, uint32_t d, uint32_t h);
uint32_t aia__aplic_prio(const aia_aplic *a, uint32_t target);
void aia__aplic_update(aia_aplic *a, uint32_t d);
void aia__aplic_lines_off(aia_aplic *a, uint32_t d);
uint64_t aia__aplic_region_size(const aia_aplic_config *c, uint32_t harts);

#endif /* AIA__APLIC_IMPL_H */
