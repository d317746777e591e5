/* lib/scenario/scenario.c: scenarios as C data: defaults, building one in C,
 * freeing, the semantic checks shared with the loader, sweep paths, points
 * and diagnostics.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/host.h"
#include "aiasim/hw.h"
#include "aiasim/kvm.h"
#include "aiasim/aplic.h"
#include "scenario/scn_impl.h"

#define MAX_VCPUS 1024u
#define PAGE 4096u

/* ----------------------------------------------------------- defaults -- */

void aia__scn_defaults(aia_scenario *scn)
{
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_cycle *t = scn->timing;

  memset(scn, 0, sizeof *scn);
  aia_platform_config_init(&pc);
  aia_host_config_init(&hc);
  aia_kvm_config_init(&kc);
  scn->seed = 1;
  scn->clock_hz = 1000000000u;
  scn->drain = aia__scn_ns(scn->clock_hz, 1000000u);
  scn->kernel = kc.era;
  scn->policies[0] = kc.policy;
  scn->npolicies = 1;
  scn->faults = kc.faults;
  scn->harts = pc.harts;
  scn->geilen = pc.geilen;
  scn->ids = pc.ids;
  scn->imsic_base = pc.imsic_base;
  scn->hart_stride = pc.hart_stride;
  t[AIA_T_MSI_WRITE] = pc.msi_write;
  t[AIA_T_LINE_TO_HART] = pc.line_to_hart;
  t[AIA_T_IPI_DELIVER] = pc.ipi_deliver;
  t[AIA_T_IDLE_EXIT] = pc.idle_exit;
  t[AIA_T_CTX_SWITCH] = hc.ctx_switch;
  t[AIA_T_SCHED_WAKE] = hc.sched_wake;
  t[AIA_T_SLICE] = hc.slice;
  t[AIA_T_WAKEUP_GRANULARITY] = hc.wakeup_granularity;
  t[AIA_T_GUEST_TRAP] = kc.timing.guest_trap;
  t[AIA_T_ISR] = kc.timing.isr;
  t[AIA_T_WFI_TIMEOUT] = kc.timing.wfi_timeout;
  t[AIA_T_VM_ENTRY] = kc.timing.vm_entry;
  t[AIA_T_VM_EXIT] = kc.timing.vm_exit;
  t[AIA_T_IPI_SEND] = kc.timing.ipi_send;
  t[AIA_T_KICK] = kc.timing.kick;
  t[AIA_T_INJECT] = kc.timing.inject;
  t[AIA_T_HGEI_HANDLER] = kc.timing.hgei_handler;
  t[AIA_T_HALT_POLL_MAX] = kc.timing.halt_poll_max;
  t[AIA_T_VSFILE_MIGRATE] = kc.timing.vsfile_migrate;
  t[AIA_T_HFENCE_ROUNDTRIP] = kc.timing.hfence_roundtrip;
  t[AIA_T_SWFILE_UPDATE] = kc.timing.swfile_update;
  t[AIA_T_RUN_LOOP] = kc.timing.run_loop;
  t[AIA_T_CSR_EMULATE] = kc.timing.csr_emulate;
  t[AIA_T_HALT_POLL_START] = kc.timing.halt_poll_start;
  t[AIA_T_MMIO_EMULATE] = kc.timing.mmio_emulate;
  scn->injector_hart = kc.injector_hart;
  scn->injector_backlog = kc.injector_backlog;
  scn->balance_interval = hc.balance_interval;
  scn->scheduler = hc.scheduler;
  scn->hz = hc.hz;
  scn->sched_features = hc.features;
  aia__scn_host_defaults(scn);
}

/* The scheduler's durations, which follow clock_hz (Linux's values in ns). */
void aia__scn_host_defaults(aia_scenario *scn)
{
  scn->base_slice = aia__scn_ns(scn->clock_hz, 700000u);
  scn->sched_latency = aia__scn_ns(scn->clock_hz, 6000000u);
  scn->min_granularity = aia__scn_ns(scn->clock_hz, 750000u);
  scn->migration_cost = aia__scn_ns(scn->clock_hz, 500000u);
}

void aia__scn_default_name(char *buf, size_t len, bool device, uint32_t i)
{
  snprintf(buf, len, "%s%" PRIu32, device ? "dev" : "vm", i);
}

int aia__scn_vm_defaults(const aia_scenario *scn, aia_scn_vm *vm, uint32_t i)
{
  memset(vm, 0, sizeof *vm);
  aia__scn_default_name(vm->name, sizeof vm->name, false, i);
  vm->vcpus = 1;
  vm->mode = AIA_MODE_AUTO;
  vm->guest.behaviour = AIA_BEHAVIOUR_IDLE;
  vm->guest.duty_busy = aia__scn_ns(scn->clock_hz, 50000u);
  vm->guest.duty_idle = aia__scn_ns(scn->clock_hz, 200000u);
  vm->guest.eidelivery = 1;
  vm->guest.enable = malloc(sizeof *vm->guest.enable);
  if (vm->guest.enable == NULL)
    return AIA_ENOMEM;
  vm->guest.enable[0].lo = 1;
  vm->guest.enable[0].hi = scn->ids;
  vm->guest.nenable = 1;
  return AIA_OK;
}

void aia__scn_device_defaults(const aia_scenario *scn, aia_scn_device *d, uint32_t i)
{
  memset(d, 0, sizeof *d);
  aia__scn_default_name(d->name, sizeof d->name, true, i);
  d->path = AIA_PATH_KVM;
  d->pattern = AIA_PATTERN_POISSON;
  d->burst_count = 8;
  d->burst_every = aia__scn_ns(scn->clock_hz, 1000000u);
  d->wired_trigger = AIA_TRIGGER_LEVEL_HIGH;
  d->wired_ack = aia__scn_ns(scn->clock_hz, 1000u);
}

void aia__scn_noise_defaults(const aia_scenario *scn, aia_scn_noise *nz)
{
  memset(nz, 0, sizeof *nz);
  nz->busy = aia__scn_ns(scn->clock_hz, 1000000u);
  nz->idle = aia__scn_ns(scn->clock_hz, 1000000u);
}

void aia__scn_vm_free(aia_scn_vm *vm)
{
  free(vm->affinity);
  free(vm->guest.enable);
  free(vm->guest.mask_seie);
  vm->affinity = NULL;
  vm->guest.enable = NULL;
  vm->guest.mask_seie = NULL;
}

void aia__scn_device_free(aia_scn_device *d)
{
  free(d->vcpus);
  free(d->iids);
  free(d->at);
  d->vcpus = d->iids = NULL;
  d->at = NULL;
}

void aia__scn_sweep_free(aia_scn_sweep *s)
{
  if (s->values != NULL)
    for (uint32_t i = 0; i < s->nvalues; i++)
      free(s->values[i]);
  free(s->values);
  s->values = NULL;
  s->nvalues = 0;
}

/* ---------------------------------------------------------- lifecycle -- */

int aia_scenario_create(aia_scenario **out)
{
  aia_scenario *scn;
  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  scn = malloc(sizeof *scn);
  if (scn == NULL)
    return AIA_ENOMEM;
  aia__scn_defaults(scn);
  *out = scn;
  return AIA_OK;
}

void aia_scenario_destroy(aia_scenario *scn)
{
  if (scn == NULL)
    return;
  if (scn->noise != NULL)
    for (uint32_t i = 0; i < scn->nnoise; i++)
      free(scn->noise[i].harts);
  free(scn->noise);
  free(scn->llc);
  free(scn->force);
  if (scn->vms != NULL)
    for (uint32_t i = 0; i < scn->nvms; i++)
      aia__scn_vm_free(&scn->vms[i]);
  free(scn->vms);
  if (scn->devices != NULL)
    for (uint32_t i = 0; i < scn->ndevices; i++)
      aia__scn_device_free(&scn->devices[i]);
  free(scn->devices);
  aia__scn_sweep_free(&scn->sweep);
  free(scn->text);
  for (uint32_t i = 0; i < scn->nov; i++) {
    if (scn->ov_paths != NULL)
      free(scn->ov_paths[i]);
    if (scn->ov_values != NULL)
      free(scn->ov_values[i]);
  }
  free(scn->ov_paths);
  free(scn->ov_values);
  free(scn);
}

static int copy_name(char *dst, const char *name)
{
  size_t n = strlen(name);
  if (!aia__scn_is_name(name, n))
    return AIA_EINVAL;
  memcpy(dst, name, n + 1);
  return AIA_OK;
}

int aia_scenario_add_vm(aia_scenario *scn, const char *name, aia_scn_vm **out)
{
  aia_scn_vm *vms, vm;
  if (out != NULL)
    *out = NULL;
  if (scn == NULL || scn->nvms >= UINT32_MAX - 1 || (scn->nvms > 0 && scn->vms == NULL))
    return AIA_EINVAL;
  if (aia__scn_vm_defaults(scn, &vm, scn->nvms) != AIA_OK)
    return AIA_ENOMEM;
  if (name != NULL && copy_name(vm.name, name) != AIA_OK) {
    aia__scn_vm_free(&vm);
    return AIA_EINVAL;
  }
  vms = realloc(scn->vms, (scn->nvms + (size_t)1) * sizeof *vms);
  if (vms == NULL) {
    aia__scn_vm_free(&vm);
    return AIA_ENOMEM;
  }
  vms[scn->nvms] = vm;
  scn->vms = vms;
  if (out != NULL)
    *out = &vms[scn->nvms];
  scn->nvms++;
  return AIA_OK;
}

int aia_scenario_add_device(aia_scenario *scn, const char *name, uint32_t vm,
                            aia_scn_device **out)
{
  aia_scn_device *devs, d;
  if (out != NULL)
    *out = NULL;
  if (scn == NULL || scn->ndevices >= UINT32_MAX - 1 ||
      (scn->ndevices > 0 && scn->devices == NULL))
    return AIA_EINVAL;
  aia__scn_device_defaults(scn, &d, scn->ndevices);
  d.vm = vm;
  if (name != NULL && copy_name(d.name, name) != AIA_OK)
    return AIA_EINVAL;
  d.iids = malloc(sizeof *d.iids);
  if (d.iids == NULL)
    return AIA_ENOMEM;
  d.iids[0] = 32;
  d.niids = 1;
  devs = realloc(scn->devices, (scn->ndevices + (size_t)1) * sizeof *devs);
  if (devs == NULL) {
    aia__scn_device_free(&d);
    return AIA_ENOMEM;
  }
  devs[scn->ndevices] = d;
  scn->devices = devs;
  if (out != NULL)
    *out = &devs[scn->ndevices];
  scn->ndevices++;
  return AIA_OK;
}

int aia_scenario_add_noise(aia_scenario *scn, aia_scn_noise **out)
{
  aia_scn_noise *nz;
  if (out != NULL)
    *out = NULL;
  if (scn == NULL || scn->nnoise >= UINT32_MAX - 1 || (scn->nnoise > 0 && scn->noise == NULL))
    return AIA_EINVAL;
  nz = realloc(scn->noise, (scn->nnoise + (size_t)1) * sizeof *nz);
  if (nz == NULL)
    return AIA_ENOMEM;
  scn->noise = nz;
  aia__scn_noise_defaults(scn, &nz[scn->nnoise]);
  if (out != NULL)
    *out = &nz[scn->nnoise];
  scn->nnoise++;
  return AIA_OK;
}

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

/* -------------------------------------------------------- sweep paths -- */

/* Component [*pos, end) of a dotted path. */
static bool next_comp(const char *path, size_t *pos, const char **comp, size_t *len)
{
  size_t p = *pos, q;
  if (path[p] == '\0')
    return false;
  q = p;
  while (path[q] != '\0' && path[q] != '.')
    q++;
  *comp = path + p;
  *len = q - p;
  *pos = path[q] == '.' ? q + 1 : q;
  return true;
}

/* Index of the VM or device named comp (or numbered, "0"), else -1 with a
 * hint in why. */
static int find_item(const aia_scenario *s, bool device, const char *comp, size_t len, char *why,
                     size_t wlen)
{
  uint32_t n = device ? s->ndevices : s->nvms, idx;
  const char *best = NULL;
  if (aia__scn_digits(comp, len, &idx))
    return idx < n ? (int)idx : -1;
  for (uint32_t i = 0; i < n; i++) {
    const char *nm = device ? s->devices[i].name : s->vms[i].name;
    if (strlen(nm) == len && memcmp(nm, comp, len) == 0)
      return (int)i;
    if (best == NULL && aia__scn_is_close(comp, len, nm))
      best = nm;
  }
  if (best != NULL)
    snprintf(why, wlen, "no %s named '%.*s' (did you mean '%s'?)", device ? "device" : "VM",
             (int)(len < 40 ? len : 40), comp, best);
  else
    snprintf(why, wlen, "no %s named '%.*s'", device ? "device" : "VM",
             (int)(len < 40 ? len : 40), comp);
  return -2;
}

int aia__scn_resolve(const aia_scenario *s, const char *path, char *why, size_t wlen)
{
  unsigned tb = AIA__TB_ROOT;
  const aia_scn_vm *vm = NULL;
  const aia_scn_device *dev = NULL;
  const char *comp, *last = "";
  size_t pos = 0, len, lastlen = 0;
  bool group = true;

  if (path[0] == '\0') {
    snprintf(why, wlen, "the path is empty");
    return -1;
  }
  if (strncmp(path, "sweep", 5) == 0 && (path[5] == '\0' || path[5] == '.')) {
    snprintf(why, wlen, "a sweep cannot change the sweep itself");
    return -1;
  }
  while (next_comp(path, &pos, &comp, &len)) {
    const aia__table *t = aia__scn_table(tb);
    int k;
    if (len == 0) {
      snprintf(why, wlen, "'%s' has an empty component", path);
      return -1;
    }
    if (!group) {
      snprintf(why, wlen, "'%.*s' takes a single value: nothing is under it", (int)lastlen,
               last);
      return -1;
    }
    k = aia__scn_find_key(tb, comp, len);
    if (k < 0) {
      const char *hint = aia__scn_suggest_key(tb, comp, len);
      const char *where = t->name[0] ? t->name : "the top level";
      if (hint != NULL)
        snprintf(why, wlen, "'%.*s' is not a key of %s (did you mean '%s'?)",
                 (int)(len < 40 ? len : 40), comp, where, hint);
      else
        snprintf(why, wlen, "'%.*s' is not a key of %s", (int)(len < 40 ? len : 40), comp,
                 where);
      return -1;
    }
    const aia__field *f = aia__scn_field(tb, (unsigned)k);
    last = comp;
    lastlen = len;
    if (f->type == AIA__FT_MAP) {
      tb = f->sub;
      continue;
    }
    if (f->type != AIA__FT_SEQ) {
      if (f->type == AIA__FT_VALUES || f->type == AIA__FT_PATH) {
        snprintf(why, wlen, "'%.*s' cannot be swept", (int)len, comp);
        return -1;
      }
      group = false;
      continue;
    }
    /* a list: the next component picks the item */
    const char *item;
    size_t ilen;
    uint32_t idx, n = 0;
    if (!next_comp(path, &pos, &item, &ilen) || ilen == 0) {
      snprintf(why, wlen, "'%.*s' is a list: name one of its items", (int)len, comp);
      return -1;
    }
    if (f->sub == AIA__TB_VM || f->sub == AIA__TB_DEVICE) {
      bool device = f->sub == AIA__TB_DEVICE;
      int r = find_item(s, device, item, ilen, why, wlen);
      if (r == -1) {
        snprintf(why, wlen, "%s has no item %.*s", device ? "devices" : "vms", (int)ilen, item);
        return -1;
      }
      if (r < 0)
        return -1;
      if (device)
        dev = &s->devices[r];
      else
        vm = &s->vms[r];
    } else {
      if (f->sub == AIA__TB_NOISE)
        n = s->nnoise;
      else if (f->sub == AIA__TB_PERIOD)
        n = vm != NULL ? vm->guest.nmask_seie : 0;
      else if (f->sub == AIA__TB_AT)
        n = dev != NULL ? dev->nat : 0;
      if (!aia__scn_digits(item, ilen, &idx) || idx >= n) {
        snprintf(why, wlen, "%.*s has no item '%.*s' (items are numbered from 0)", (int)len,
                 comp, (int)(ilen < 40 ? ilen : 40), item);
        return -1;
      }
    }
    tb = f->sub;
  }
  if (group) {
    snprintf(why, wlen, "'%s' is a group of keys: name one of them", path);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------- public -- */

typedef struct first_diag {
  aia_diag *d;
  const aia_scenario *s;
  bool have;
} first_diag;

/* "vms.0.guest.threshold" -> "vms[0].guest" (the object the key is in). */
static void object_path(const char *path, char *out, size_t len)
{
  const char *bar = strchr(path, '|');
  size_t n = bar ? (size_t)(bar - path) : strlen(path), used = 0, end = 0;
  for (size_t i = n; i > 1; i--) /* drop a trailing ".@N" */
    if (path[i - 2] == '.' && path[i - 1] == '@') {
      n = i - 2;
      break;
    }
  for (size_t i = n; i > 0; i--) /* drop the key itself */
    if (path[i - 1] == '.') {
      end = i - 1;
      break;
    }
  out[0] = '\0';
  for (size_t i = 0; i < end && used + 2 < len;) {
    size_t j = i;
    while (j < end && path[j] != '.')
      j++;
    uint32_t v;
    int w;
    if (aia__scn_digits(path + i, j - i, &v))
      w = snprintf(out + used, len - used, "[%" PRIu32 "]", v);
    else
      w = snprintf(out + used, len - used, "%s%.*s", used ? "." : "", (int)(j - i), path + i);
    if (w < 0 || (size_t)w >= len - used)
      break;
    used += (size_t)w;
    i = j + 1;
  }
}

static void first_report(void *user, const char *path, const char *msg)
{
  first_diag *f = user;
  char obj[128];
  if (f->have)
    return;
  f->have = true;
  object_path(path, obj, sizeof obj);
  snprintf(f->d->file, sizeof f->d->file, "%s",
           f->s->source[0] != '\0' ? f->s->source : "<scenario>");
  f->d->line = 0;
  f->d->column = 0;
  if (obj[0] != '\0')
    snprintf(f->d->message, sizeof f->d->message, "%s: %s", obj, msg);
  else
    snprintf(f->d->message, sizeof f->d->message, "%s", msg);
}

int aia_scenario_check(const aia_scenario *scn, aia_diag *diag)
{
  aia_diag scratch;
  first_diag f;
  if (scn == NULL)
    return AIA_EINVAL;
  f.d = diag != NULL ? diag : &scratch;
  f.s = scn;
  f.have = false;
  return aia__scn_check(scn, first_report, &f) == 0 ? AIA_OK : AIA_ESCHEMA;
}

int aia_diag_format(const aia_diag *d, char *buf, size_t len)
{
  int n;
  const char *file;
  if (d == NULL || buf == NULL || len == 0)
    return AIA_EINVAL;
  file = d->file[0] != '\0' ? d->file : "<scenario>";
  if (d->line == 0)
    n = snprintf(buf, len, "%.*s: error: %.*s", (int)sizeof d->file, file,
                 (int)sizeof d->message, d->message);
  else
    n = snprintf(buf, len, "%.*s:%" PRIu32 ":%" PRIu32 ": error: %.*s", (int)sizeof d->file,
                 file, d->line, d->column, (int)sizeof d->message, d->message);
  if (n < 0)
    return AIA_EINVAL;
  return (size_t)n < len ? AIA_OK : AIA_ERANGE;
}

int aia_scenario_point(const aia_scenario *scn, uint32_t i, aia_scenario **out, aia_diag *diags,
                       size_t ndiag, size_t *nfound)
{
  aia_override *ov;
  size_t nov;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (nfound != NULL)
    *nfound = 0;
  if (scn == NULL || out == NULL || scn->sweep.kind != AIA_SWEEP_SET || scn->text == NULL ||
      scn->sweep.values == NULL || i >= scn->sweep.nvalues || scn->sweep.values[i] == NULL ||
      (scn->nov > 0 && (scn->ov_paths == NULL || scn->ov_values == NULL)))
    return AIA_EINVAL;
  nov = (size_t)scn->nov + 1;
  ov = malloc(nov * sizeof *ov);
  if (ov == NULL)
    return AIA_ENOMEM;
  for (uint32_t k = 0; k < scn->nov; k++) {
    ov[k].path = scn->ov_paths[k];
    ov[k].value = scn->ov_values[k];
  }
  ov[scn->nov].path = scn->sweep.path;
  ov[scn->nov].value = scn->sweep.values[i];
  rc = aia__scn_load(scn->source[0] != '\0' ? scn->source : NULL, scn->text, scn->text_len, ov,
                     nov, AIA__LOAD_NO_SWEEP_CHECK, out, diags, ndiag, nfound);
  free(ov);
  if (rc == AIA_OK) {
    aia__scn_sweep_free(&(*out)->sweep);
    memset(&(*out)->sweep, 0, sizeof (*out)->sweep);
    /* A point is not swept again: it keeps no copy of the text (a sweep of
     * a large file would hold one per point in memory). */
    free((*out)->text);
    (*out)->text = NULL;
    (*out)->text_len = 0;
  }
  return rc;
}
