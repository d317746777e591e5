/* lib/hw/aplic.c: the APLIC of the RISC-V AIA specification (chapter
 * "Advanced Platform-Level Interrupt Controller"): sources and their modes,
 * delegation between domains, pending and enable bits, MSI and direct
 * delivery. The register view (decode, byte order, each register's WARL
 * rules) is in aplic_regs.c. docs/hardware.md gives the rules with their
 * sections.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "hw/aplic_impl.h"

void aia_aplic_config_init(aia_aplic_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->sources = 32;
  cfg->modes = AIA_APLIC_MODE_DIRECT | AIA_APLIC_MODE_MSI;
  cfg->iprio_bits = 8;
}

/* ------------------------------------------------------------ sources --- */

uint32_t aia__aplic_active(const aia_aplic *a, uint32_t i)
{
  uint32_t d = 0;
  for (;;) {
    uint32_t sc = a->d[d].sourcecfg[i];
    if (!(sc & AIA_APLIC_SOURCECFG_D))
      return d;
    d = a->d[d].children[sc & 0x3FFu];
  }
}

bool aia__aplic_reaches(const aia_aplic *a, uint32_t i, uint32_t d)
{
  uint32_t cur = 0;
  for (;;) {
    if (cur == d)
      return true;
    uint32_t sc = a->d[cur].sourcecfg[i];
    if (!(sc & AIA_APLIC_SOURCECFG_D))
      return false;
    cur = a->d[cur].children[sc & 0x3FFu];
  }
}

uint32_t aia__aplic_mode(const aia_aplic *a, uint32_t i)
{
  return a->d[aia__aplic_active(a, i)].sourcecfg[i] & 7u;
}

/* Is source i active (delegated here and not inactive) in domain d? */
bool aia__aplic_live(const aia_aplic *a, uint32_t i, uint32_t d)
{
  return i >= 1 && i <= a->cfg.sources && aia__aplic_active(a, i) == d &&
         (a->d[d].sourcecfg[i] & 7u) != AIA_SM_INACTIVE;
}

bool aia__aplic_rectified(const aia_aplic *a, uint32_t i)
{
  switch (aia__aplic_mode(a, i)) {
  case AIA_SM_EDGE1:
  case AIA_SM_LEVEL1:
    return a->input[i] != 0;
  case AIA_SM_EDGE0:
  case AIA_SM_LEVEL0:
    return a->input[i] == 0;
  default: /* inactive, detached: the input is ignored */
    return false;
  }
}

/* "Precise effects on interrupt-pending bits": a write to setip / setipnum
 * for source i. Detached and edge: set. Level, MSI mode: set only while the
 * rectified input is high. Level, direct mode: the bit follows the input;
 * writes do not touch it. */
void aia__aplic_sw_set_pending(aia_aplic *a, uint32_t i)
{
  uint32_t d = aia__aplic_active(a, i), sm = a->d[d].sourcecfg[i] & 7u;
  if (sm == AIA_SM_INACTIVE)
    return;
  if (aia__aplic_is_level(sm) && (aia__aplic_direct(a, d) || !aia__aplic_rectified(a, i)))
    return;
  a->pending[i] = 1;
}

/* A write to in_clrip / clripnum. Level, direct mode: ignored. */
void aia__aplic_sw_clear_pending(aia_aplic *a, uint32_t i)
{
  uint32_t d = aia__aplic_active(a, i), sm = a->d[d].sourcecfg[i] & 7u;
  if (sm == AIA_SM_INACTIVE || (aia__aplic_is_level(sm) && aia__aplic_direct(a, d)))
    return;
  a->pending[i] = 0;
}

/* The pending bit of a level source after its input, mode or the domain's
 * delivery mode changed: direct mode, the rectified input; MSI mode,
 * cleared while the input is low (a rise sets it: see set_input). */
void aia__aplic_level_follow(aia_aplic *a, uint32_t i)
{
  uint32_t d = aia__aplic_active(a, i), sm = a->d[d].sourcecfg[i] & 7u;
  if (!aia__aplic_is_level(sm))
    return;
  bool r = aia__aplic_rectified(a, i);
  if (aia__aplic_direct(a, d))
    a->pending[i] = r;
  else if (!r)
    a->pending[i] = 0;
}

static void emit(aia_aplic *a, uint32_t kind, uint32_t hart, uint32_t file, uint32_t iid,
                 uint64_t arg)
{
  aia__sim_record(a->sim, kind, hart, AIA_NONE, AIA_NONE, file, iid, 0, arg);
}

int aia_aplic_set_input(aia_aplic *a, uint32_t source, bool level)
{
  if (a == NULL)
    return AIA_EINVAL;
  if (source == 0 || source > a->cfg.sources)
    return aia__sim_fail(a->sim, AIA_ERANGE, "aplic: source %u: must be 1..%u", source,
                         a->cfg.sources);
  if ((a->input[source] != 0) == level)
    return AIA_OK;
  uint32_t d = aia__aplic_active(a, source), sm = a->d[d].sourcecfg[source] & 7u;
  bool was = aia__aplic_rectified(a, source);
  a->input[source] = level;
  bool now = aia__aplic_rectified(a, source);
  emit(a, AIA_EV_WIRED, AIA_NONE, d, source, level);
  if (!was && now && sm != AIA_SM_INACTIVE && sm != AIA_SM_DETACHED)
    a->pending[source] = 1; /* a low-to-high transition of the rectified input */
  aia__aplic_level_follow(a, source);
  aia__aplic_update(a, d);
  return AIA_OK;
}

/* ------------------------------------------------------------ delivery -- */

/* "Interrupt delivery by MSIs": the address of hart index `hart`, guest
 * `guest` for a domain of the given level, from the root's msiaddrcfg
 * registers. */
uint64_t aia__aplic_msi_address(const aia_aplic *a, bool machine, uint32_t hart, uint32_t guest)
{
  uint32_t mh = a->mmsih;
  uint32_t lhxw = (mh >> 12) & 0xFu, hhxw = (mh >> 16) & 7u, hhxs = (mh >> 24) & 0x1Fu;
  uint64_t g = ((uint64_t)hart >> lhxw) & ((UINT64_C(1) << hhxw) - 1u);
  uint64_t h = (uint64_t)hart & ((UINT64_C(1) << lhxw) - 1u);
  uint64_t ppn;
  uint32_t lhxs;
  if (machine) {
    ppn = ((uint64_t)(mh & 0xFFFu) << 32) | a->mmsi;
    lhxs = (mh >> 20) & 7u;
    guest = 0;
  } else {
    ppn = ((uint64_t)(a->smsih & 0xFFFu) << 32) | a->smsi;
    lhxs = (a->smsih >> 20) & 7u;
  }
  return (ppn | (g << (hhxs + 12)) | (h << lhxs) | guest) << 12;
}

/* One MSI to (hart index, guest, EIID) of domain d: a 32-bit write to the
 * address's seteipnum_le. */
void aia__aplic_send(aia_aplic *a, uint32_t d, uint32_t source, uint32_t target)
{
  uint32_t hart = target >> AIA_APLIC_TARGET_HART_SHIFT;
  uint32_t guest = (target >> AIA_APLIC_TARGET_GUEST_SHIFT) & 0x3Fu;
  uint32_t eiid = target & AIA_APLIC_TARGET_EIID_MASK;
  uint64_t pa = aia__aplic_msi_address(a, a->d[d].c.machine, hart, guest);
  a->st.msis_sent++;
  emit(a, AIA_EV_APLIC_MSI, AIA_NONE, d, eiid, (uint64_t)source << 32 | target);
  if (aia_mmio_write(a->p, pa + AIA_MMIO_SETEIPNUM_LE, 4, eiid, 0) != AIA_OK)
    a->st.msis_unrouted++; /* no interrupt file there: lost on the bus */
}

/* Direct mode: topi of IDC h of domain d ("interrupt identity << 16 |
 * priority", 0 if none): the pending and enabled source targeting h with
 * the lowest priority number (the lowest source number among equals),
 * below ithreshold when ithreshold is not 0. */
uint32_t aia__aplic_topi(const aia_aplic *a, uint32_t d, uint32_t h)
{
  const aia__aplic_dom *dm = &a->d[d];
  uint32_t best = 0, best_prio = 0x100u;
  for (uint32_t i = 1; i <= a->cfg.sources; i++) {
    if (!a->pending[i] || !a->enabled[i] || !aia__aplic_live(a, i, d))
      continue;
    uint32_t t = a->target[i];
    if ((t >> AIA_APLIC_TARGET_HART_SHIFT) != h)
      continue;
    uint32_t prio = aia__aplic_prio(a, t);
    if (dm->ithreshold[h] != 0 && prio >= dm->ithreshold[h])
      continue;
    if (prio < best_prio) {
      best_prio = prio;
      best = i;
    }
  }
  return best ? best << 16 | best_prio : 0;
}

uint32_t aia__aplic_prio(const aia_aplic *a, uint32_t target)
{
  uint32_t p = target & ((1u << a->cfg.iprio_bits) - 1u);
  return p ? p : 1u;
}

static void set_line(aia_aplic *a, uint32_t d, uint32_t h, bool level)
{
  aia__aplic_dom *dm = &a->d[d];
  if ((dm->line[h] != 0) == level)
    return;
  dm->line[h] = level;
  uint32_t hart = dm->c.first_hart + h;
  if (level)
    a->st.line_rises++;
  emit(a, AIA_EV_APLIC_LINE, hart, d, 0, level);
  if (!dm->c.machine)
    aia__hart_set_ext_seip(a->p, hart, level);
  for (uint32_t k = 0; k < a->nlisteners; k++)
    a->listeners[k].fn(a->listeners[k].user, d, h, level);
}

/* After any change in domain d: MSI mode forwards every pending and enabled
 * source (in source order), clearing its pending bit; direct mode updates
 * every IDC's output. Nothing is delivered while domaincfg.IE is 0. */
void aia__aplic_update(aia_aplic *a, uint32_t d)
{
  aia__aplic_dom *dm = &a->d[d];
  bool ie = (dm->cfg & AIA_APLIC_DOMAINCFG_IE) != 0;
  if (!aia__aplic_direct(a, d)) {
    if (!ie)
      return;
    for (uint32_t i = 1; i <= a->cfg.sources; i++)
      if (a->pending[i] && a->enabled[i] && aia__aplic_live(a, i, d)) {
        a->pending[i] = 0;
        aia__aplic_send(a, d, i, a->target[i]);
      }
    return;
  }
  /* every IDC's topi in one pass over the sources */
  memset(dm->best, 0, dm->c.harts * sizeof *dm->best);
  for (uint32_t i = 1; i <= a->cfg.sources; i++) {
    if (!a->pending[i] || !a->enabled[i] || !aia__aplic_live(a, i, d))
      continue;
    uint32_t h = a->target[i] >> AIA_APLIC_TARGET_HART_SHIFT;
    uint32_t prio = aia__aplic_prio(a, a->target[i]);
    if (h >= dm->c.harts || (dm->ithreshold[h] != 0 && prio >= dm->ithreshold[h]))
      continue;
    if (dm->best[h] == 0 || prio < (dm->best[h] & 0xFFu))
      dm->best[h] = i << 16 | prio;
  }
  for (uint32_t h = 0; h < dm->c.harts; h++) {
    bool line = ie && dm->idelivery[h] && (dm->iforce[h] || dm->best[h] != 0);
    set_line(a, d, h, line);
  }
}

/* A direct-mode IDC's output goes low when the domain leaves direct mode. */
void aia__aplic_lines_off(aia_aplic *a, uint32_t d)
{
  for (uint32_t h = 0; h < a->d[d].c.harts; h++)
    set_line(a, d, h, false);
}

/* ------------------------------------------------------------ lifetime -- */

static void aplic_free(void *obj)
{
  aia_aplic *a = obj;
  for (uint32_t d = 0; d < a->cfg.ndomains; d++) {
    free(a->d[d].sourcecfg);
    free(a->d[d].children);
    free(a->d[d].idelivery);
    free(a->d[d].best);
  }
  free(a->d);
  free(a->dcfg);
  free(a->input);
  free(a->target);
  free(a->listeners);
  free(a);
}

static int check_domains(aia_sim *sim, const aia_aplic_config *c, const aia_platform_config *pc)
{
  for (uint32_t d = 0; d < c->ndomains; d++) {
    const aia_aplic_domain_config *x = &c->domains[d];
    if ((d == 0) != (x->parent < 0) || (d > 0 && (uint32_t)x->parent >= d))
      return aia__sim_fail(sim, AIA_EINVAL,
                           "aplic: domain %u: parent %d: domain 0 is the root (parent -1) and "
                           "every other domain's parent comes before it",
                           d, (int)x->parent);
    if (x->base & 0xFFFu)
      return aia__sim_fail(sim, AIA_EINVAL, "aplic: domain %u: base 0x%llx is not 4 KiB aligned",
                           d, (unsigned long long)x->base);
    if (x->harts == 0 || x->harts > AIA_APLIC_MAX_HARTS || x->first_hart >= pc->harts ||
        x->harts > pc->harts - x->first_hart)
      return aia__sim_fail(sim, AIA_EINVAL,
                           "aplic: domain %u: harts %u from %u: must be 1.. within the "
                           "platform's %u",
                           d, x->harts, x->first_hart, pc->harts);
  }
  return AIA_OK;
}

uint64_t aia__aplic_region_size(const aia_aplic_config *c, uint32_t harts)
{
  uint64_t s = 0x4000u;
  if (c->modes & AIA_APLIC_MODE_DIRECT)
    s += 32u * (uint64_t)harts;
  return (s + 0xFFFu) & ~UINT64_C(0xFFF);
}

int aia_aplic_create(aia_platform *p, const aia_aplic_config *cfg, aia_aplic **out)
{
  aia_aplic_config c;
  aia_platform_config pc;
  aia_aplic_domain_config one;
  aia_aplic *a;
  int rc;
  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (p == NULL || cfg == NULL || cfg->struct_size < sizeof(size_t) + 4)
    return AIA_EINVAL;
  aia_sim *sim = aia_platform_sim(p);
  aia_aplic_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  aia_platform_get_config(p, &pc);
  if (c.sources == 0 || c.sources > AIA_APLIC_MAX_SOURCES)
    return aia__sim_fail(sim, AIA_EINVAL, "aplic: sources %u: must be 1..%u", c.sources,
                         AIA_APLIC_MAX_SOURCES);
  if (c.modes == 0 || (c.modes & ~(AIA_APLIC_MODE_DIRECT | AIA_APLIC_MODE_MSI)))
    return aia__sim_fail(sim, AIA_EINVAL, "aplic: modes 0x%x: direct (1), msi (2) or both",
                         c.modes);
  if (c.iprio_bits == 0 || c.iprio_bits > 8)
    return aia__sim_fail(sim, AIA_EINVAL, "aplic: iprio_bits %u: must be 1..8", c.iprio_bits);
  if (c.ndomains > AIA_APLIC_MAX_DOMAINS || (c.ndomains && c.domains == NULL))
    return aia__sim_fail(sim, AIA_EINVAL, "aplic: ndomains %u: at most %u, with a domains array",
                         c.ndomains, AIA_APLIC_MAX_DOMAINS);
  if (c.ndomains == 0) {
    memset(&one, 0, sizeof one);
    one.parent = -1;
    one.base = UINT64_C(0x0D000000);
    one.harts = pc.harts;
    c.domains = &one;
    c.ndomains = 1;
  }
  if ((rc = check_domains(sim, &c, &pc)) != AIA_OK)
    return rc;
  for (uint32_t d = 0; d < c.ndomains; d++)
    for (uint32_t e = d + 1; e < c.ndomains; e++) {
      uint64_t b0 = c.domains[d].base, s0 = aia__aplic_region_size(&c, c.domains[d].harts);
      uint64_t b1 = c.domains[e].base, s1 = aia__aplic_region_size(&c, c.domains[e].harts);
      if (b0 < b1 + s1 && b1 < b0 + s0)
        return aia__sim_fail(sim, AIA_EINVAL, "aplic: domains %u and %u: regions overlap", d, e);
    }
  a = calloc(1, sizeof *a);
  if (a == NULL)
    return AIA_ENOMEM;
  a->p = p;
  a->sim = sim;
  a->cfg = c;
  a->dcfg = calloc(c.ndomains, sizeof *a->dcfg);
  a->d = calloc(c.ndomains, sizeof *a->d);
  /* input, pending and enabled share one block of 3 * (sources + 1) */
  a->input = calloc(3u * (c.sources + 1u), 1);
  a->target = calloc(c.sources + 1u, sizeof *a->target);
  bool ok = a->dcfg && a->d && a->input && a->target;
  if (ok) {
    a->pending = a->input + (c.sources + 1u);
    a->enabled = a->pending + (c.sources + 1u);
    memcpy(a->dcfg, c.domains, c.ndomains * sizeof *a->dcfg);
    a->cfg.domains = a->dcfg;
  }
  for (uint32_t d = 0; ok && d < c.ndomains; d++) {
    aia__aplic_dom *dm = &a->d[d];
    dm->c = c.domains[d];
    dm->size = aia__aplic_region_size(&c, dm->c.harts);
    dm->sourcecfg = calloc(c.sources + 1u, sizeof *dm->sourcecfg);
    dm->children = calloc(c.ndomains, sizeof *dm->children);
    /* idelivery, iforce, ithreshold and line share one block of 4 * harts */
    dm->idelivery = calloc(4u, dm->c.harts);
    dm->best = calloc(dm->c.harts, sizeof *dm->best);
    ok = dm->sourcecfg && dm->children && dm->idelivery && dm->best;
    if (ok) {
      dm->iforce = dm->idelivery + dm->c.harts;
      dm->ithreshold = dm->iforce + dm->c.harts;
      dm->line = dm->ithreshold + dm->c.harts;
    }
    if (c.modes == AIA_APLIC_MODE_MSI)
      dm->cfg = AIA_APLIC_DOMAINCFG_DM; /* read-only 1: MSI mode only */
    if (ok && d > 0) {
      aia__aplic_dom *par = &a->d[dm->c.parent];
      par->children[par->nchildren++] = d;
    }
  }
  if (!ok || (rc = aia__sim_attach(sim, a, aplic_free)) != AIA_OK) {
    aplic_free(a);
    return ok ? rc : AIA_ENOMEM;
  }
  *out = a;
  return AIA_OK;
}

void aia_aplic_get_config(const aia_aplic *a, aia_aplic_config *cfg)
{
  if (a != NULL && cfg != NULL)
    *cfg = a->cfg;
}

int aia_aplic_domain_region(const aia_aplic *a, uint32_t d, uint64_t *base, uint64_t *size)
{
  if (a == NULL)
    return AIA_EINVAL;
  if (d >= a->cfg.ndomains)
    return AIA_ERANGE;
  if (base)
    *base = a->d[d].c.base;
  if (size)
    *size = a->d[d].size;
  return AIA_OK;
}

int aia_aplic_source(const aia_aplic *a, uint32_t source, aia_aplic_source_state *st)
{
  if (a == NULL || st == NULL)
    return AIA_EINVAL;
  if (source == 0 || source > a->cfg.sources)
    return AIA_ERANGE;
  st->domain = aia__aplic_active(a, source);
  st->mode = (aia_source_mode)(a->d[st->domain].sourcecfg[source] & 7u);
  st->input = a->input[source] != 0;
  st->rectified = aia__aplic_rectified(a, source);
  st->pending = a->pending[source] != 0;
  st->enabled = a->enabled[source] != 0;
  st->target = a->target[source];
  return AIA_OK;
}

bool aia_aplic_line(const aia_aplic *a, uint32_t d, uint32_t h)
{
  return a != NULL && d < a->cfg.ndomains && h < a->d[d].c.harts && a->d[d].line[h];
}

int aia_aplic_listen(aia_aplic *a, aia_aplic_line_fn fn, void *user)
{
  if (a == NULL || fn == NULL)
    return AIA_EINVAL;
  aia__aplic_listener *n = realloc(a->listeners, (a->nlisteners + 1u) * sizeof *n);
  if (n == NULL)
    return AIA_ENOMEM;
  a->listeners = n;
  n[a->nlisteners].fn = fn;
  n[a->nlisteners].user = user;
  a->nlisteners++;
  return AIA_OK;
}

int aia_aplic_get_stats(const aia_aplic *a, aia_aplic_stats *st)
{
  if (a == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  aia_aplic_stats s = a->st;
  s.struct_size = st->struct_size;
  memcpy(st, &s, st->struct_size < sizeof s ? st->struct_size : sizeof s);
  return AIA_OK;
}
