/* lib/scenario/check.c: the semantic checks of a scenario (ranges, names,
 * references between its parts), shared by the loader and by scenarios
 * built in C: every problem is reported with the path of the key.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/aplic.h"
#include "aiasim/host.h"
#include "aiasim/hw.h"
#include "aiasim/kvm.h"
#include "scenario/scn_impl.h"

#define MAX_VCPUS 1024u
#define PAGE 4096u

/* ----------------------------------------------------------- checking -- */

typedef struct chk {
  aia__scn_report_fn fn;
  void *user;
  uint32_t n;
} chk;

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif

static void PRINTF_LIKE(3, 4) rep(chk *c, const char *path, const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->n++;
  if (c->fn != NULL)
    c->fn(c->user, path, msg);
}

/* "s" after a count other than 1. */
static const char *pl(uint64_t n)
{
  return n == 1 ? "" : "s";
}

static bool ids_ok(uint32_t n)
{
  return n >= 63 && n <= 2047 && (n + 1) % 64 == 0;
}

static bool harts_ok(uint32_t n)
{
  return n >= 1 && n <= 4096;
}

static void check_harts(chk *c, const char *what, const uint32_t *h, uint32_t n, uint32_t harts)
{
  char path[96];
  if (n > 0 && h == NULL) {
    rep(c, what, "%s: %" PRIu32 " harts counted but no list", strrchr(what, '.') + 1, n);
    return;
  }
  if (!harts_ok(harts))
    return; /* reported at platform.harts */
  for (uint32_t i = 0; i < n; i++)
    if (h[i] >= harts) {
      snprintf(path, sizeof path, "%s.@%" PRIu32, what, h[i]);
      rep(c, path, "%s: hart %" PRIu32 " does not exist (the platform has %" PRIu32 " hart%s)",
          strrchr(what, '.') + 1, h[i], harts, pl(harts));
    }
}

static const char *word(unsigned set, unsigned i)
{
  const char *w = aia__scn_word_name(set, i);
  return w != NULL ? w : "?";
}

static void check_root(const aia_scenario *s, chk *c)
{
  size_t nl = strnlen(s->name, sizeof s->name);
  if (nl == 0)
    rep(c, "name", "name: must not be empty");
  else if (nl == sizeof s->name)
    rep(c, "name", "name: not terminated within %d bytes", AIA_SCN_NAME_MAX);
  if (s->clock_hz == 0 || s->clock_hz > AIA__MAX_CLOCK_HZ)
    rep(c, "clock_hz", "clock_hz: %" PRIu64 " is out of range (1..%" PRIu64 ")", s->clock_hz,
        AIA__MAX_CLOCK_HZ);
  if (s->duration == 0)
    rep(c, "duration", "duration: must be more than 0");
  else if (s->duration > AIA__MAX_CYCLES)
    rep(c, "duration", "duration: is too long (more than 2^62 cycles)");
  if (s->drain > AIA__MAX_CYCLES)
    rep(c, "drain", "drain: is too long (more than 2^62 cycles)");
  if ((unsigned)s->kernel > AIA_ERA_C)
    rep(c, "kernel", "kernel: %u is not a kernel era (A, B or C)", (unsigned)s->kernel);
  if (s->npolicies == 0)
    rep(c, "policy", "policy: at least one policy is needed");
  else if (s->npolicies > 3)
    rep(c, "policy", "policy: at most 3 policies (kick, nokick, wake_first)");
  for (uint32_t i = 0; i < s->npolicies && i < 3; i++) {
    if ((unsigned)s->policies[i] > AIA_POLICY_WAKE_FIRST) {
      rep(c, "policy", "policy: %u is not a policy", (unsigned)s->policies[i]);
      continue;
    }
    for (uint32_t j = 0; j < i; j++)
      if (s->policies[j] == s->policies[i])
        rep(c, "policy", "policy: '%s' is listed twice",
            word(AIA__WS_POLICY, (unsigned)s->policies[i]));
  }
  if (s->faults & ~AIA_FAULT_ALL_)
    rep(c, "faults", "faults: unknown fault bits 0x%" PRIx32, s->faults & ~AIA_FAULT_ALL_);
}

static void check_platform(const aia_scenario *s, chk *c)
{
  if (s->harts < 1 || s->harts > 4096)
    rep(c, "platform.harts", "harts: %" PRIu32 " is out of range (1..4096)", s->harts);
  if (s->geilen > 63)
    rep(c, "platform.geilen", "geilen: %" PRIu32 " is out of range (0..63)", s->geilen);
  if (!ids_ok(s->ids))
    rep(c, "platform.ids",
        "ids: %" PRIu32 " is not valid (63..2047, with ids+1 a multiple of 64)", s->ids);
  if (s->hart_stride % PAGE != 0)
    rep(c, "platform.hart_stride", "hart_stride: 0x%" PRIx64 " is not a multiple of 4 KiB",
        s->hart_stride);
  else if (s->geilen <= 63 && s->hart_stride < (uint64_t)(s->geilen + 1) * PAGE)
    rep(c, "platform.hart_stride",
        "hart_stride: 0x%" PRIx64 " is too small: geilen %" PRIu32 " needs %" PRIu32
        " pages (0x%" PRIx64 ")",
        s->hart_stride, s->geilen, s->geilen + 1, (uint64_t)(s->geilen + 1) * PAGE);
  if (s->imsic_base % PAGE != 0)
    rep(c, "platform.imsic_base", "imsic_base: 0x%" PRIx64 " is not 4 KiB aligned",
        s->imsic_base);
  else if (s->harts >= 1 && s->harts <= 4096 && s->hart_stride != 0 &&
           (s->hart_stride > UINT64_MAX / s->harts ||
            s->imsic_base + s->harts * s->hart_stride < s->imsic_base))
    rep(c, "platform.imsic_base",
        "imsic_base: the pages of %" PRIu32 " harts run past the end of the address space",
        s->harts);
}

static void check_timing(const aia_scenario *s, chk *c)
{
  char path[64];
  if (s->timing[AIA_T_SLICE] == 0)
    rep(c, "host.slice|timing.slice", "slice: must be at least 1 cycle");
  for (unsigned f = 0; f < AIA_T_COUNT_; f++) {
    const char *name = aia_timing_field_name((aia_timing_field)f);
    if (s->timing[f] > AIA__MAX_CYCLES) {
      snprintf(path, sizeof path, "timing.%s", name);
      rep(c, path, "%s: is too long (more than 2^62 cycles)", name);
    }
    if ((unsigned)s->jitter[f].kind > AIA_JITTER_EXP) {
      snprintf(path, sizeof path, "timing.jitter.%s", name);
      rep(c, path, "%s: %u is not a jitter kind", name, (unsigned)s->jitter[f].kind);
    }
  }
}

static void check_host(const aia_scenario *s, chk *c)
{
  char path[64];
  if (harts_ok(s->harts) && s->injector_hart >= s->harts)
    rep(c, "host.injector_hart",
        "injector_hart: hart %" PRIu32 " does not exist (the platform has %" PRIu32 " hart%s)",
        s->injector_hart, s->harts, pl(s->harts));
  if (s->injector_backlog == 0)
    rep(c, "host.injector_backlog", "injector_backlog: 0: at least 1 injection must be able to wait");
  if (s->nnoise > 0 && s->noise == NULL) {
    rep(c, "host.noise", "noise: %" PRIu32 " entries counted but no list", s->nnoise);
    return;
  }
  for (uint32_t i = 0; i < s->nnoise; i++) {
    const aia_scn_noise *nz = &s->noise[i];
    snprintf(path, sizeof path, "host.noise.%" PRIu32 ".harts", i);
    check_harts(c, path, nz->harts, nz->nharts, s->harts);
    if (nz->busy == 0) {
      snprintf(path, sizeof path, "host.noise.%" PRIu32 ".busy", i);
      rep(c, path, "busy: must be at least 1 cycle");
    }
    if (nz->nice < -20 || nz->nice > 19) {
      snprintf(path, sizeof path, "host.noise.%" PRIu32 ".nice", i);
      rep(c, path, "nice: %" PRId32 " is out of range (-20..19)", nz->nice);
    }
  }
  if (s->scheduler > AIA_SCHED_RR)
    rep(c, "host.scheduler", "scheduler: %" PRIu32 " is not eevdf, cfs or rr", s->scheduler);
  if (s->hz > 100000u || (s->clock_hz != 0 && s->hz > s->clock_hz))
    rep(c, "host.hz", "hz: %" PRIu32 " is out of range (0..100000, and at most clock_hz)", s->hz);
  {
    static const char keys[][16] = { "base_slice", "sched_latency", "min_granularity" };
    const aia_cycle vals[] = { s->base_slice, s->sched_latency, s->min_granularity };
    for (unsigned k = 0; k < 3; k++)
      if (vals[k] == 0 || vals[k] > (UINT64_C(1) << 40)) {
        snprintf(path, sizeof path, "host.%s", keys[k]);
        rep(c, path, "%s: %" PRIu64 " cycles is out of range (1..2^40)", keys[k], vals[k]);
      }
    if (s->migration_cost > (UINT64_C(1) << 40))
      rep(c, "host.migration_cost", "migration_cost: %" PRIu64 " cycles is above 2^40",
          s->migration_cost);
  }
  if (s->sched_features & ~AIA_SCHED_F_DEFAULT)
    rep(c, "host.features", "features: unknown bits 0x%" PRIx64,
        s->sched_features & ~AIA_SCHED_F_DEFAULT);
  if (s->llc != NULL && harts_ok(s->harts)) {
    if (s->nllc != s->harts) {
      rep(c, "platform.llc", "llc: %" PRIu32 " entries for %" PRIu32 " harts", s->nllc, s->harts);
    } else {
      for (uint32_t i = 0; i < s->nllc; i++)
        if (s->llc[i] >= s->harts) {
          rep(c, "platform.llc", "llc: hart %" PRIu32 " has group %" PRIu32 " (groups are 0..%" PRIu32 ")",
              i, s->llc[i], s->harts - 1);
          break;
        }
    }
  }
}

static void check_vm(const aia_scenario *s, chk *c, uint32_t i)
{
  const aia_scn_vm *vm = &s->vms[i];
  const aia_scn_guest *g = &vm->guest;
  char path[96];
  size_t nl = strnlen(vm->name, sizeof vm->name);

  snprintf(path, sizeof path, "vms.%" PRIu32 ".name", i);
  if (!aia__scn_is_name(vm->name, nl))
    rep(c, path, "name: \"%.*s\" is not a valid name (letters, digits, '_' and '-', "
        "starting with a letter or '_')", (int)(nl < 40 ? nl : 40), vm->name);
  else
    for (uint32_t j = 0; j < i; j++)
      if (strncmp(s->vms[j].name, vm->name, sizeof vm->name) == 0) {
        rep(c, path, "name: '%s' is already the name of vms[%" PRIu32 "]", vm->name, j);
        break;
      }
  if (vm->vcpus < 1 || vm->vcpus > MAX_VCPUS) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".vcpus", i);
    rep(c, path, "vcpus: %" PRIu32 " is out of range (1..%u)", vm->vcpus, MAX_VCPUS);
  }
  if ((unsigned)vm->mode > AIA_MODE_AUTO) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".aia_mode", i);
    rep(c, path, "aia_mode: %u is not an AIA mode", (unsigned)vm->mode);
  }
  snprintf(path, sizeof path, "vms.%" PRIu32 ".affinity", i);
  check_harts(c, path, vm->affinity, vm->naffinity, s->harts);

  if ((unsigned)g->behaviour > AIA_BEHAVIOUR_DUTY) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.behaviour", i);
    rep(c, path, "behaviour: %u is not a guest behaviour", (unsigned)g->behaviour);
  } else if (g->behaviour == AIA_BEHAVIOUR_DUTY && g->duty_busy == 0) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.duty.busy", i);
    rep(c, path, "busy: must be more than 0 for behaviour duty");
  }
  if (ids_ok(s->ids) && g->threshold > s->ids) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.threshold", i);
    rep(c, path, "threshold: %" PRIu32 " is more than ids (%" PRIu32 ")", g->threshold, s->ids);
  }
  if (g->eidelivery > 1) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.eidelivery", i);
    rep(c, path, "eidelivery: %" PRIu32 " is not 0 (off) or 1 (on)", g->eidelivery);
  }
  if (g->nenable > 0 && g->enable == NULL) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.enable", i);
    rep(c, path, "enable: %" PRIu32 " ranges counted but no list", g->nenable);
  } else {
    for (uint32_t r = 0; r < g->nenable; r++) {
      const aia_scn_range *rg = &g->enable[r];
      snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.enable.@%" PRIu32, i, rg->lo);
      if (rg->lo > rg->hi)
        rep(c, path, "enable: range %" PRIu32 "-%" PRIu32 " runs backwards", rg->lo, rg->hi);
      else if (rg->lo == 0 || (ids_ok(s->ids) && rg->hi > s->ids))
        rep(c, path, "enable: identity %" PRIu32 " is out of range (1..%" PRIu32 ")",
            rg->lo == 0 ? 0 : rg->hi, s->ids);
    }
  }
  if (g->nmask_seie > 0 && g->mask_seie == NULL) {
    snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.mask_seie", i);
    rep(c, path, "mask_seie: %" PRIu32 " periods counted but no list", g->nmask_seie);
  } else {
    for (uint32_t p = 0; p < g->nmask_seie; p++)
      if (g->mask_seie[p].from >= g->mask_seie[p].to) {
        snprintf(path, sizeof path, "vms.%" PRIu32 ".guest.mask_seie.%" PRIu32 ".to", i, p);
        rep(c, path, "to: %" PRIu64 " cycles is not after from (%" PRIu64 " cycles)",
            g->mask_seie[p].to, g->mask_seie[p].from);
      }
  }
}

static void check_iid(const aia_scenario *s, chk *c, const char *path, const char *key,
                      uint32_t iid)
{
  if (iid == 0 || (ids_ok(s->ids) && iid > s->ids))
    rep(c, path, "%s: identity %" PRIu32 " is out of range (1..%" PRIu32 ")", key, iid, s->ids);
}

/* A wired device: a line of its VM's in-kernel APLIC, its target set by
 * wired.vcpu and wired.eiid (vcpus, target, path and list patterns do not
 * apply). */
static void check_wired(const aia_scenario *s, chk *c, uint32_t i, const aia_scn_vm *vm)
{
  const aia_scn_device *d = &s->devices[i];
  char path[96];
  snprintf(path, sizeof path, "devices.%" PRIu32 ".wired.source", i);
  if (d->wired_source > AIA_APLIC_MAX_SOURCES)
    rep(c, path, "source: %" PRIu32 " is out of range (1..%u)", d->wired_source,
        AIA_APLIC_MAX_SOURCES);
  for (uint32_t j = 0; j < i; j++)
    if (s->devices[j].wired_source == d->wired_source && s->devices[j].vm == d->vm) {
      rep(c, path, "source: %" PRIu32 " of this VM is wired to devices[%" PRIu32 "] already",
          d->wired_source, j);
      break;
    }
  if ((unsigned)d->wired_trigger > AIA_TRIGGER_LEVEL_LOW) {
    snprintf(path, sizeof path, "devices.%" PRIu32 ".wired.trigger", i);
    rep(c, path, "trigger: %u is not a trigger", (unsigned)d->wired_trigger);
  }
  if (vm != NULL && d->wired_vcpu >= vm->vcpus) {
    snprintf(path, sizeof path, "devices.%" PRIu32 ".wired.vcpu", i);
    rep(c, path, "vcpu: vCPU %" PRIu32 " does not exist (%s has %" PRIu32 " vCPU%s)",
        d->wired_vcpu, vm->name, vm->vcpus, pl(vm->vcpus));
  }
  snprintf(path, sizeof path, "devices.%" PRIu32 ".wired.eiid", i);
  uint32_t eiid = d->wired_eiid ? d->wired_eiid : d->wired_source;
  if (eiid > AIA_APLIC_TARGET_EIID_MASK)
    rep(c, path, "eiid: identity %" PRIu32 " does not fit the target register (at most %u)", eiid,
        AIA_APLIC_TARGET_EIID_MASK);
  else if (d->wired_source <= AIA_APLIC_MAX_SOURCES)
    check_iid(s, c, path, d->wired_eiid ? "eiid" : "eiid (the source number)", eiid);
  if (d->wired_ack > AIA__MAX_CYCLES) {
    snprintf(path, sizeof path, "devices.%" PRIu32 ".wired.ack", i);
    rep(c, path, "ack: is too long (more than 2^62 cycles)");
  }
  if (d->nvcpus > 0 || d->path != AIA_PATH_KVM || d->random_target) {
    snprintf(path, sizeof path, "devices.%" PRIu32 ".wired", i);
    rep(c, path, "wired: a wired device's target is wired.vcpu and wired.eiid; vcpus, target "
        "and path do not apply");
  }
  snprintf(path, sizeof path, "devices.%" PRIu32 ".pattern", i);
  switch (d->pattern) {
  case AIA_PATTERN_PERIODIC:
  case AIA_PATTERN_POISSON:
    if (d->period == 0)
      rep(c, path, "pattern %s needs a rate or a period",
          word(AIA__WS_PATTERN, (unsigned)d->pattern));
    else if (d->period > AIA__MAX_CYCLES)
      rep(c, path, "period: is too long (more than 2^62 cycles)");
    break;
  case AIA_PATTERN_BURST:
    if (d->burst_count == 0 || d->burst_count > AIA_BURST_MAX || d->burst_every == 0)
      rep(c, path, "burst: count must be 1..%u and every more than 0", AIA_BURST_MAX);
    break;
  default:
    rep(c, path, "pattern: a wired device takes periodic, poisson or burst");
    break;
  }
}

static void check_device(const aia_scenario *s, chk *c, uint32_t i)
{
  const aia_scn_device *d = &s->devices[i];
  const aia_scn_vm *vm = NULL;
  char path[96];
  size_t nl = strnlen(d->name, sizeof d->name);

  snprintf(path, sizeof path, "devices.%" PRIu32 ".name", i);
  if (!aia__scn_is_name(d->name, nl))
    rep(c, path, "name: \"%.*s\" is not a valid name (letters, digits, '_' and '-', "
        "starting with a letter or '_')", (int)(nl < 40 ? nl : 40), d->name);
  else
    for (uint32_t j = 0; j < i; j++)
      if (strncmp(s->devices[j].name, d->name, sizeof d->name) == 0) {
        rep(c, path, "name: '%s' is already the name of devices[%" PRIu32 "]", d->name, j);
        break;
      }
  snprintf(path, sizeof path, "devices.%" PRIu32 ".vm", i);
  if (s->nvms == 0)
    rep(c, path, "vm: the scenario has no VMs");
  else if (d->vm >= s->nvms)
    rep(c, path, "vm: VM %" PRIu32 " does not exist (the scenario has %" PRIu32 " VM%s)",
        d->vm, s->nvms, pl(s->nvms));
  else if (s->vms != NULL && s->vms[d->vm].vcpus >= 1 && s->vms[d->vm].vcpus <= MAX_VCPUS)
    vm = &s->vms[d->vm]; /* else its vCPU count is what is wrong */

  if (d->wired_source != 0) {
    check_wired(s, c, i, vm);
    return;
  }
  if (d->nvcpus > 0 && d->vcpus == NULL) {
    snprintf(path, sizeof path, "devices.%" PRIu32 ".vcpus", i);
    rep(c, path, "vcpus: %" PRIu32 " targets counted but no list", d->nvcpus);
  } else if (vm != NULL) {
    for (uint32_t k = 0; k < d->nvcpus; k++)
      if (d->vcpus[k] >= vm->vcpus) {
        snprintf(path, sizeof path, "devices.%" PRIu32 ".vcpus.@%" PRIu32, i, d->vcpus[k]);
        rep(c, path, "vcpus: vCPU %" PRIu32 " does not exist (%s has %" PRIu32 " vCPU%s)",
            d->vcpus[k], vm->name, vm->vcpus, pl(vm->vcpus));
      }
  }
  snprintf(path, sizeof path, "devices.%" PRIu32 ".iids", i);
  if (d->niids == 0 || d->iids == NULL) {
    rep(c, path, "iids: at least one identity is needed");
  } else {
    for (uint32_t k = 0; k < d->niids; k++) {
      snprintf(path, sizeof path, "devices.%" PRIu32 ".iids.@%" PRIu32, i, d->iids[k]);
      check_iid(s, c, path, "iids", d->iids[k]);
    }
  }
  if ((unsigned)d->path > AIA_PATH_DIRECT) {
    snprintf(path, sizeof path, "devices.%" PRIu32 ".path", i);
    rep(c, path, "path: %u is not an MSI path", (unsigned)d->path);
  }
  switch (d->pattern) {
  case AIA_PATTERN_PERIODIC:
  case AIA_PATTERN_POISSON:
    if (d->period == 0) {
      snprintf(path, sizeof path, "devices.%" PRIu32 ".rate|devices.%" PRIu32 ".period", i, i);
      rep(c, path, "pattern %s needs a rate or a period",
          word(AIA__WS_PATTERN, (unsigned)d->pattern));
    } else if (d->period > AIA__MAX_CYCLES) {
      snprintf(path, sizeof path, "devices.%" PRIu32 ".period", i);
      rep(c, path, "period: is too long (more than 2^62 cycles)");
    }
    break;
  case AIA_PATTERN_BURST:
    if (d->burst_count == 0 || d->burst_count > AIA_BURST_MAX) {
      snprintf(path, sizeof path, "devices.%" PRIu32 ".burst.count", i);
      rep(c, path, "count: must be 1..%u (MSIs at one instant)", AIA_BURST_MAX);
    }
    if (d->burst_every == 0) {
      snprintf(path, sizeof path, "devices.%" PRIu32 ".burst.every", i);
      rep(c, path, "every: must be more than 0");
    }
    break;
  case AIA_PATTERN_LIST:
    snprintf(path, sizeof path, "devices.%" PRIu32 ".at", i);
    if (d->nat == 0 || d->at == NULL) {
      rep(c, path, "pattern list needs at least one item in 'at'");
      break;
    }
    for (uint32_t k = 0; k < d->nat; k++) {
      const aia_scn_list_item *it = &d->at[k];
      if (vm != NULL && it->vcpu >= vm->vcpus) {
        snprintf(path, sizeof path, "devices.%" PRIu32 ".at.%" PRIu32 ".vcpu", i, k);
        rep(c, path, "vcpu: vCPU %" PRIu32 " does not exist (%s has %" PRIu32 " vCPU%s)",
            it->vcpu, vm->name, vm->vcpus, pl(vm->vcpus));
      }
      snprintf(path, sizeof path, "devices.%" PRIu32 ".at.%" PRIu32 ".iid", i, k);
      check_iid(s, c, path, "iid", it->iid);
    }
    break;
  default:
    snprintf(path, sizeof path, "devices.%" PRIu32 ".pattern", i);
    rep(c, path, "pattern: %u is not a pattern", (unsigned)d->pattern);
    break;
  }
}

static void check_sweep(const aia_scenario *s, chk *c)
{
  const aia_scn_sweep *sw = &s->sweep;
  char why[200];
  switch (sw->kind) {
  case AIA_SWEEP_NONE:
    break;
  case AIA_SWEEP_SET:
    if (aia__scn_resolve(s, sw->path, why, sizeof why) != 0)
      rep(c, "sweep.set", "set: %s", why);
    if (sw->nvalues == 0 || sw->values == NULL) {
      rep(c, "sweep.values", "values: at least one value is needed");
    } else {
      for (uint32_t i = 0; i < sw->nvalues; i++)
        if (sw->values[i] == NULL) {
          rep(c, "sweep.values", "values: value %" PRIu32 " is missing", i);
          break;
        }
    }
    break;
  case AIA_SWEEP_OFFSET:
    if (sw->vm >= s->nvms || s->vms == NULL) {
      rep(c, "sweep.offset.vm", "vm: VM %" PRIu32 " does not exist (the scenario has %" PRIu32
          " VM%s)", sw->vm, s->nvms, pl(s->nvms));
    } else if (s->vms[sw->vm].vcpus >= 1 && s->vms[sw->vm].vcpus <= MAX_VCPUS &&
               sw->vcpu >= s->vms[sw->vm].vcpus) {
      rep(c, "sweep.offset.vcpu", "vcpu: vCPU %" PRIu32 " does not exist (%s has %" PRIu32
          " vCPU%s)", sw->vcpu, s->vms[sw->vm].name, s->vms[sw->vm].vcpus,
          pl(s->vms[sw->vm].vcpus));
    }
    if (sw->step <= 0)
      rep(c, "sweep.offset.step", "step: must be more than 0");
    if (sw->from > sw->to)
      rep(c, "sweep.offset.from", "from: %" PRId64 " is after to (%" PRId64 ")", sw->from,
          sw->to);
    break;
  default:
    rep(c, "sweep", "sweep: %u is not a sweep kind", (unsigned)sw->kind);
    break;
  }
}

static void check_expect(const aia_scenario *s, chk *c)
{
  const aia_scn_expect *e = &s->expect;
  if (e->has_lost_wakeups && e->lost_wakeups_min > e->lost_wakeups_max)
    rep(c, "expect.lost_wakeups", "lost_wakeups: min %" PRIu64 " is more than max %" PRIu64,
        e->lost_wakeups_min, e->lost_wakeups_max);
  if (e->has_lost_interrupts && e->lost_interrupts_min > e->lost_interrupts_max)
    rep(c, "expect.lost_interrupts",
        "lost_interrupts: min %" PRIu64 " is more than max %" PRIu64, e->lost_interrupts_min,
        e->lost_interrupts_max);
}

/* A vCPU reference of a force item: the VM exists, the vCPU is one of it. */
static bool force_vcpu_ok(const aia_scenario *s, chk *c, uint32_t i, const char *sub,
                          uint32_t vm, uint32_t vcpu)
{
  char path[96];
  if (vm >= s->nvms || s->vms == NULL) {
    snprintf(path, sizeof path, "force.%" PRIu32 ".%s.vm", i, sub);
    rep(c, path, "vm: the scenario has no such VM (%" PRIu32 " VMs)", s->nvms);
    return false;
  }
  if (vcpu >= s->vms[vm].vcpus) {
    snprintf(path, sizeof path, "force.%" PRIu32 ".%s.vcpu", i, sub);
    rep(c, path, "vcpu: %s has %" PRIu32 " vCPU%s (0..%" PRIu32 ")", s->vms[vm].name,
        s->vms[vm].vcpus, pl(s->vms[vm].vcpus), s->vms[vm].vcpus - 1);
    return false;
  }
  return true;
}

static void check_force(const aia_scenario *s, chk *c)
{
  char path[96];
  if (s->nforce > 0 && s->force == NULL) {
    rep(c, "force", "force: %" PRIu32 " items counted but no list", s->nforce);
    return;
  }
  for (uint32_t i = 0; i < s->nforce; i++) {
    const aia_scn_force *f = &s->force[i];
    if (f->has_at == f->has_after) {
      snprintf(path, sizeof path, "force.%" PRIu32, i);
      rep(c, path, "force: give at or after, exactly one");
    }
    if (f->has_at && f->at + f->delay > s->duration + s->drain) {
      snprintf(path, sizeof path, "force.%" PRIu32 ".at", i);
      rep(c, path, "at: %" PRIu64 " cycles is after the end of the run (duration + drain = %" PRIu64 ")",
          f->at + f->delay, s->duration + s->drain);
    }
    if (f->has_after) {
      (void)force_vcpu_ok(s, c, i, "after", f->after_vm, f->after_vcpu);
      if (f->after_event > AIA_FORCE_AFTER_VSFILE_MIGRATE) {
        snprintf(path, sizeof path, "force.%" PRIu32 ".after.event", i);
        rep(c, path, "event: %" PRIu32 " is not an event", f->after_event);
      }
      if (f->after_nth == 0) {
        snprintf(path, sizeof path, "force.%" PRIu32 ".after.nth", i);
        rep(c, path, "nth: counts from 1 (the first such event)");
      }
    }
    switch (f->action) {
    case AIA_FORCE_PREEMPT:
      if (harts_ok(s->harts) && f->preempt_hart >= s->harts) {
        snprintf(path, sizeof path, "force.%" PRIu32 ".preempt.hart", i);
        rep(c, path, "hart: hart %" PRIu32 " does not exist (the platform has %" PRIu32 " hart%s)",
            f->preempt_hart, s->harts, pl(s->harts));
      }
      break;
    case AIA_FORCE_MIGRATE:
      if (!force_vcpu_ok(s, c, i, "migrate", f->migrate_vm, f->migrate_vcpu))
        break;
      if (harts_ok(s->harts) && f->migrate_to >= s->harts) {
        snprintf(path, sizeof path, "force.%" PRIu32 ".migrate.to", i);
        rep(c, path, "to: hart %" PRIu32 " does not exist (the platform has %" PRIu32 " hart%s)",
            f->migrate_to, s->harts, pl(s->harts));
      } else {
        const aia_scn_vm *vm = &s->vms[f->migrate_vm];
        bool ok = vm->naffinity == 0;
        for (uint32_t k = 0; k < vm->naffinity && vm->affinity; k++)
          ok = ok || vm->affinity[k] == f->migrate_to;
        if (!ok) {
          snprintf(path, sizeof path, "force.%" PRIu32 ".migrate.to", i);
          rep(c, path, "to: the vCPUs of %s may not run on hart %" PRIu32 " (affinity)", vm->name,
              f->migrate_to);
        }
      }
      break;
    case AIA_FORCE_MSI:
      if (!force_vcpu_ok(s, c, i, "msi", f->msi_vm, f->msi_vcpu))
        break;
      if (f->msi_iid == 0 || f->msi_iid > s->ids) {
        snprintf(path, sizeof path, "force.%" PRIu32 ".msi.iid", i);
        rep(c, path, "iid: %" PRIu32 " is out of range (1..%" PRIu32 ")", f->msi_iid, s->ids);
      }
      break;
    default:
      snprintf(path, sizeof path, "force.%" PRIu32, i);
      rep(c, path, "force: give one action: preempt, migrate or msi");
      break;
    }
  }
}

uint32_t aia__scn_check(const aia_scenario *s, aia__scn_report_fn fn, void *user)
{
  chk c = { fn, user, 0 };
  check_root(s, &c);
  check_platform(s, &c);
  check_timing(s, &c);
  check_host(s, &c);
  if (s->nvms > 0 && s->vms == NULL)
    rep(&c, "vms", "vms: %" PRIu32 " VMs counted but no list", s->nvms);
  else
    for (uint32_t i = 0; i < s->nvms; i++)
      check_vm(s, &c, i);
  if (s->ndevices > 0 && s->devices == NULL)
    rep(&c, "devices", "devices: %" PRIu32 " devices counted but no list", s->ndevices);
  else
    for (uint32_t i = 0; i < s->ndevices; i++)
      check_device(s, &c, i);
  check_force(s, &c);
  check_sweep(s, &c);
  check_expect(s, &c);
  return c.n;
}
