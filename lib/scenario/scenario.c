/* lib/scenario/scenario.c: scenarios as C data: defaults, building one in C,
 * freeing, sweep paths, points and diagnostics (the semantic checks shared
 * with the loader are in check.c).
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/host.h"
#include "aiasim/hw.h"
#include "aiasim/kvm.h"
#include "scenario/scn_impl.h"

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
