/* lib/run/run.c: one run of a scenario with one policy.
 * SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/host.h"
#include "aiasim/hw.h"
#include "aiasim/kvm.h"
#include "aiasim/obs.h"
#include "aiasim/run.h"
#include "run/force.h"
#include "aiasim/workload.h"

void aia_run_options_init(aia_run_options *opt)
{
  if (opt == NULL)
    return;
  memset(opt, 0, sizeof *opt);
  opt->struct_size = sizeof *opt;
  opt->oracle = true;
  opt->hook_mask = AIA_EV_ALL;
  opt->max_memory = AIA_LIMIT_MEMORY_DEFAULT;
  opt->max_events = AIA_LIMIT_EVENTS_DEFAULT;
}

const char *aia_policy_name(aia_policy p)
{
  switch (p) {
  case AIA_POLICY_KICK:
    return "kick";
  case AIA_POLICY_NOKICK:
    return "nokick";
  case AIA_POLICY_WAKE_FIRST:
    return "wake_first";
  default:
    return NULL;
  }
}

const char *aia_era_name(aia_era e)
{
  switch (e) {
  case AIA_ERA_A:
    return "A";
  case AIA_ERA_B:
    return "B";
  case AIA_ERA_C:
    return "C";
  default:
    return NULL;
  }
}

const char *aia_fault_name(uint32_t bit)
{
  switch (bit) {
  case AIA_FAULT_NO_WAKEON_HGEI:
    return "no_wakeon_hgei";
  case AIA_FAULT_ARM_AFTER_SLEEP:
    return "arm_after_sleep";
  case AIA_FAULT_HGEI_HANDLER_NO_KICK:
    return "hgei_handler_no_kick";
  case AIA_FAULT_MIGRATE_DROPS_PENDING:
    return "migrate_drops_pending";
  case AIA_FAULT_SWFILE_NO_LOCK:
    return "swfile_no_lock";
  case AIA_FAULT_APLIC_LEVEL_SETIP:
    return "aplic_level_setip";
  case AIA_FAULT_APLIC_NO_RETRIGGER:
    return "aplic_no_retrigger";
  default:
    return NULL;
  }
}

/* A built system. */
typedef struct sys {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_meter *meter;
  aia_wired **wired;    /* the wired devices, for the result's sums */
  uint32_t nwired;
} sys;

static int fail(char *err, size_t len, int rc, const char *fmt, ...)
{
  if (err && len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
  }
  return rc;
}

#define T(f) (scn->timing[AIA_T_##f])

static int build(const aia_scenario *scn, aia_policy policy, const aia_run_options *opt, sys *s,
                 char *err, size_t errlen)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  int rc;

  memset(s, 0, sizeof *s);
  aia_sim_config_init(&sc);
  sc.seed = scn->seed;
  sc.clock_hz = scn->clock_hz;
  sc.max_steps = opt->max_events;
  /* The zero-delay guard grows with the system: every vCPU and hart may
   * act on one cycle (all vCPUs start at cycle 0). */
  {
    aia_scenario_cost c;
    c.struct_size = sizeof c;
    if (aia_scenario_cost_estimate(scn, &c) == AIA_OK) {
      uint64_t need = 64 * (c.vcpus + scn->harts + scn->ndevices);
      if (need > sc.max_events_per_cycle)
        sc.max_events_per_cycle = need;
    }
  }
  rc = aia_sim_create(&sc, &s->sim);
  if (rc != AIA_OK)
    return fail(err, errlen, rc, "cannot create the simulation: %s", aia_strerror(rc));
#define CHECK(what)                                                                            \
  do {                                                                                         \
    if (rc != AIA_OK)                                                                          \
      return fail(err, errlen, rc, "%s: %s", what, aia_sim_errmsg(s->sim));                    \
  } while (0)

  aia_platform_config_init(&pc);
  pc.harts = scn->harts;
  pc.geilen = scn->geilen;
  pc.ids = scn->ids;
  pc.imsic_base = scn->imsic_base;
  pc.hart_stride = scn->hart_stride;
  pc.msi_write = T(MSI_WRITE);
  pc.line_to_hart = T(LINE_TO_HART);
  pc.ipi_deliver = T(IPI_DELIVER);
  pc.idle_exit = T(IDLE_EXIT);
  pc.jitter_msi_write = scn->jitter[AIA_T_MSI_WRITE];
  pc.jitter_line_to_hart = scn->jitter[AIA_T_LINE_TO_HART];
  pc.jitter_ipi_deliver = scn->jitter[AIA_T_IPI_DELIVER];
  pc.jitter_idle_exit = scn->jitter[AIA_T_IDLE_EXIT];
  rc = aia_platform_create(s->sim, &pc, &s->plat);
  CHECK("platform");

  aia_host_config_init(&hc);
  hc.slice = T(SLICE);
  hc.wakeup_granularity = T(WAKEUP_GRANULARITY);
  hc.ctx_switch = T(CTX_SWITCH);
  hc.sched_wake = T(SCHED_WAKE);
  hc.balance_interval = scn->balance_interval;
  hc.scheduler = scn->scheduler;
  hc.hz = scn->hz;
  hc.base_slice = scn->base_slice;
  hc.sched_latency = scn->sched_latency;
  hc.min_granularity = scn->min_granularity;
  hc.migration_cost = scn->migration_cost;
  hc.features = scn->sched_features;
  hc.llc = scn->nllc == scn->harts ? scn->llc : NULL;
  rc = aia_host_create(s->sim, s->plat, &hc, &s->host);
  CHECK("host");

  aia_kvm_config_init(&kc);
  kc.era = scn->kernel;
  kc.policy = policy;
  kc.faults = scn->faults;
  kc.injector_hart = scn->injector_hart;
  kc.injector_backlog = scn->injector_backlog;
  kc.timing.vm_entry = T(VM_ENTRY);
  kc.timing.vm_exit = T(VM_EXIT);
  kc.timing.guest_trap = T(GUEST_TRAP);
  kc.timing.isr = T(ISR);
  kc.timing.wfi_timeout = T(WFI_TIMEOUT);
  kc.timing.run_loop = T(RUN_LOOP);
  kc.timing.ipi_send = T(IPI_SEND);
  kc.timing.kick = T(KICK);
  kc.timing.inject = T(INJECT);
  kc.timing.hgei_handler = T(HGEI_HANDLER);
  kc.timing.halt_poll_max = T(HALT_POLL_MAX);
  kc.timing.halt_poll_start = T(HALT_POLL_START);
  kc.timing.vsfile_migrate = T(VSFILE_MIGRATE);
  kc.timing.hfence_roundtrip = T(HFENCE_ROUNDTRIP);
  kc.timing.swfile_update = T(SWFILE_UPDATE);
  kc.timing.csr_emulate = T(CSR_EMULATE);
  kc.timing.mmio_emulate = T(MMIO_EMULATE);
#define J(field, F) kc.jitter[AIA_KVM_JITTER_INDEX(field)] = scn->jitter[AIA_T_##F]
  J(vm_entry, VM_ENTRY);
  J(vm_exit, VM_EXIT);
  J(guest_trap, GUEST_TRAP);
  J(isr, ISR);
  J(wfi_timeout, WFI_TIMEOUT);
  J(run_loop, RUN_LOOP);
  J(ipi_send, IPI_SEND);
  J(kick, KICK);
  J(inject, INJECT);
  J(hgei_handler, HGEI_HANDLER);
  J(vsfile_migrate, VSFILE_MIGRATE);
  J(hfence_roundtrip, HFENCE_ROUNDTRIP);
  J(swfile_update, SWFILE_UPDATE);
  J(csr_emulate, CSR_EMULATE);
  J(mmio_emulate, MMIO_EMULATE);
#undef J
  rc = aia_kvm_create(s->sim, s->plat, s->host, &kc, &s->kvm);
  CHECK("kvm");

  for (uint32_t i = 0; i < scn->nnoise; i++) {
    const aia_scn_noise *n = &scn->noise[i];
    aia_noise_config nc;
    uint64_t *mask = NULL;
    aia_thread *t;
    aia_noise_config_init(&nc);
    nc.busy = n->busy;
    nc.idle = n->idle;
    nc.nice = n->nice;
    nc.stream = 0x20000u + i;
    if (n->nharts) {
      mask = calloc((scn->harts + 63) / 64, sizeof *mask);
      if (mask == NULL)
        return fail(err, errlen, AIA_ENOMEM, "out of memory");
      for (uint32_t k = 0; k < n->nharts; k++)
        mask[n->harts[k] / 64] |= UINT64_C(1) << (n->harts[k] % 64);
      nc.affinity = mask;
      nc.affinity_harts = scn->harts;
      nc.hart = n->harts[0];
    }
    rc = aia_noise_create(s->host, &nc, &t);
    free(mask);
    CHECK("noise");
  }

  for (uint32_t i = 0; i < scn->nvms; i++) {
    const aia_scn_vm *sv = &scn->vms[i];
    aia_vm_config vc;
    aia_vm *vm;
    aia_vm_config_init(&vc);
    vc.mode = sv->mode;
    vc.ids = scn->ids;
    vc.vcpus = sv->vcpus;
    vc.affinity = sv->naffinity ? sv->affinity : NULL;
    vc.naffinity = sv->naffinity;
    rc = aia_vm_create(s->kvm, &vc, &vm);
    CHECK(sv->name);
    for (uint32_t k = 0; k < sv->vcpus; k++) {
      aia_vcpu *v = aia_vm_vcpu(vm, k);
      aia_guest_config gc;
      aia_cycle (*mask)[2] = NULL;
      aia_guest_config_init(&gc);
      gc.behaviour = sv->guest.behaviour;
      gc.duty_busy = sv->guest.duty_busy;
      gc.duty_idle = sv->guest.duty_idle;
      gc.tick = sv->guest.tick;
      if (sv->guest.nmask_seie) {
        mask = calloc(sv->guest.nmask_seie, sizeof *mask);
        if (mask == NULL)
          return fail(err, errlen, AIA_ENOMEM, "out of memory");
        for (uint32_t m = 0; m < sv->guest.nmask_seie; m++) {
          mask[m][0] = sv->guest.mask_seie[m].from;
          mask[m][1] = sv->guest.mask_seie[m].to;
        }
        gc.mask_seie = (const aia_cycle(*)[2])mask;
        gc.nmask_seie = sv->guest.nmask_seie;
      }
      rc = aia_guest_attach(s->sim, v, &gc);
      free(mask);
      CHECK("guest");
      if (sv->guest.isr)
        (void)aia_vcpu_set_isr(v, sv->guest.isr);
      if (sv->guest.nenable == 0) {
        rc = aia_vcpu_guest_setup(v, sv->guest.eidelivery, sv->guest.threshold, 1, scn->ids);
      } else {
        rc = aia_vcpu_guest_setup(v, sv->guest.eidelivery, sv->guest.threshold,
                                  sv->guest.enable[0].lo, sv->guest.enable[0].hi);
        for (uint32_t r = 1; rc == AIA_OK && r < sv->guest.nenable; r++)
          rc = aia_vcpu_guest_enable_range(v, sv->guest.enable[r].lo, sv->guest.enable[r].hi);
      }
      CHECK("guest setup");
    }
  }

  /* In-kernel APLICs: one per VM with a wired device, with QEMU virt's 96
   * sources or the highest source used. */
  for (uint32_t vm = 0; vm < scn->nvms; vm++) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < scn->ndevices; i++)
      if (scn->devices[i].vm == vm && scn->devices[i].wired_source > n)
        n = scn->devices[i].wired_source;
    if (n == 0)
      continue;
    aia_vaplic *a;
    rc = aia_vm_create_aplic(aia_kvm_vm(s->kvm, vm), n < 96 ? 96 : n, &a);
    CHECK("aplic");
  }
  for (uint32_t i = 0; i < scn->ndevices; i++) {
    const aia_scn_device *sd = &scn->devices[i];
    aia_device_config dc;
    if (sd->wired_source != 0) {
      aia_wired_config wc;
      aia_wired *w;
      aia_wired_config_init(&wc);
      wc.vm = aia_kvm_vm(s->kvm, sd->vm);
      wc.source = sd->wired_source;
      wc.trigger = sd->wired_trigger;
      wc.vcpu = sd->wired_vcpu;
      wc.eiid = sd->wired_eiid;
      wc.pattern = sd->pattern;
      wc.period = sd->period;
      wc.burst_count = sd->burst_count;
      wc.burst_every = sd->burst_every;
      wc.ack = sd->wired_ack;
      wc.per_ack = sd->wired_per_ack;
      wc.stop = scn->duration;
      wc.stream = 0x10000u + i;
      rc = aia_wired_create(s->kvm, &wc, &w);
      CHECK(sd->name);
      aia_wired **grown = realloc(s->wired, (s->nwired + 1u) * sizeof *grown);
      if (grown == NULL)
        return fail(err, errlen, AIA_ENOMEM, "out of memory");
      s->wired = grown;
      s->wired[s->nwired++] = w;
      continue;
    }
    aia_msi_at *list = NULL;
    aia_device *d;
    aia_device_config_init(&dc);
    dc.vm = aia_kvm_vm(s->kvm, sd->vm);
    dc.vcpus = sd->nvcpus ? sd->vcpus : NULL;
    dc.nvcpus = sd->nvcpus;
    dc.random_target = sd->random_target;
    dc.iids = sd->niids ? sd->iids : NULL;
    dc.niids = sd->niids;
    dc.path = sd->path;
    dc.pattern = sd->pattern;
    dc.period = sd->period;
    dc.burst_count = sd->burst_count;
    dc.burst_every = sd->burst_every;
    dc.stop = scn->duration;
    dc.stream = 0x10000u + i;
    if (sd->nat) {
      list = calloc(sd->nat, sizeof *list);
      if (list == NULL)
        return fail(err, errlen, AIA_ENOMEM, "out of memory");
      for (uint32_t k = 0; k < sd->nat; k++) {
        list[k].at = sd->at[k].at;
        list[k].vcpu = sd->at[k].vcpu;
        list[k].iid = sd->at[k].iid;
      }
      dc.list = list;
      dc.nlist = sd->nat;
    }
    rc = aia_device_create(s->kvm, &dc, &d);
    free(list);
    CHECK(sd->name);
  }

  aia_meter_config mc;
  aia_meter_config_init(&mc);
  mc.oracle = opt->oracle;
  mc.wake_bound = opt->wake_bound;
  rc = aia_meter_create(s->kvm, &mc, &s->meter);
  CHECK("meter");
  if (opt->hook) {
    rc = aia_sim_hook_add(s->sim, opt->hook_mask, opt->hook, opt->hook_user, NULL);
    CHECK("hook");
  }
  for (uint32_t i = 0; i < scn->nvms; i++) {
    aia_vm *vm = aia_kvm_vm(s->kvm, i);
    for (uint32_t k = 0; k < aia_vm_vcpus(vm); k++) {
      rc = aia_vcpu_start(aia_vm_vcpu(vm, k), 0);
      CHECK("vcpu start");
    }
  }
#undef CHECK
  return AIA_OK;
}

typedef struct probe {
  aia_kvm *kvm;
  aia_vcpu *v;
  uint32_t iid;
} probe;

static void probe_fire(aia_sim *sim, void *user)
{
  probe *p = user;
  (void)sim;
  (void)aia_workload_send(p->kvm, p->v, p->iid, AIA_PATH_KVM, NULL);
}

bool aia_timing_field_has_jitter(aia_timing_field f)
{
  switch (f) {
  case AIA_T_HALT_POLL_MAX:
  case AIA_T_HALT_POLL_START:
  case AIA_T_CTX_SWITCH:
  case AIA_T_SCHED_WAKE:
  case AIA_T_SLICE:
  case AIA_T_WAKEUP_GRANULARITY:
    return false;
  default:
    return f < AIA_T_COUNT_;
  }
}

/* The wired devices' and in-kernel APLICs' counters, summed. */
static void sum_wired(const sys *s, aia_run_result *out)
{
  aia_vcpu_exit_stats xs = { .struct_size = sizeof xs };
  out->wired_devices = s->nwired;
  for (uint32_t i = 0; i < s->nwired; i++) {
    aia_wired_stats w = { .struct_size = sizeof w };
    if (aia_wired_get_stats(s->wired[i], &w) != AIA_OK)
      continue;
    out->wired.requests += w.requests;
    out->wired.served += w.served;
    out->wired.acks += w.acks;
    out->wired.spurious += w.spurious;
    out->wired.outstanding += w.outstanding;
  }
  for (uint32_t i = 0; i < aia_kvm_vm_count(s->kvm); i++) {
    aia_vaplic_stats a = { .struct_size = sizeof a };
    if (aia_vaplic_get_stats(aia_vm_aplic(aia_kvm_vm(s->kvm, i)), &a) != AIA_OK)
      continue;
    out->aplic.line_calls += a.line_calls;
    out->aplic.msis += a.msis;
    out->aplic.msis_no_vcpu += a.msis_no_vcpu;
    out->aplic.guest_writes += a.guest_writes;
    out->aplic.unhandled += a.unhandled;
  }
  if (aia_kvm_exit_stats(s->kvm, &xs) == AIA_OK)
    out->mmio_exits = xs.mmio_exit_kernel;
}

/* A built system: what aia_scenario_run builds, runs and takes apart. */
struct aia_system {
  sys s;
  probe pr;
  aia__force *fs;
  aia_run_options opt;
  aia_policy policy;
  bool finished;
};

void aia_system_destroy(aia_system *y)
{
  if (y == NULL)
    return;
  if (y->opt.on_end && y->s.sim)
    y->opt.on_end(y->opt.user, y->s.sim);
  aia_sim_destroy(y->s.sim);
  free(y->s.wired);
  aia__force_free(y->fs);
  free(y);
}

int aia_scenario_build(const aia_scenario *scn, aia_policy policy, const aia_run_options *opt_in,
                       aia_system **out, char *err, size_t errlen)
{
  int rc;
  if (out == NULL)
    return fail(err, errlen, AIA_EINVAL, "no system handle");
  *out = NULL;
  if (scn == NULL || aia_policy_name(policy) == NULL)
    return fail(err, errlen, AIA_EINVAL, "bad scenario or policy");
  for (int f = 0; f < AIA_T_COUNT_; f++)
    if (scn->jitter[f].kind != AIA_JITTER_NONE && scn->jitter[f].amount &&
        !aia_timing_field_has_jitter((aia_timing_field)f))
      return fail(err, errlen, AIA_EINVAL, "timing.jitter.%s: this field takes no jitter",
                  aia_timing_field_name((aia_timing_field)f));
  aia_system *y = calloc(1, sizeof *y);
  if (y == NULL)
    return fail(err, errlen, AIA_ENOMEM, "out of memory");
  y->policy = policy;
  aia_run_options_init(&y->opt);
  if (opt_in)
    memcpy(&y->opt, opt_in, opt_in->struct_size < sizeof y->opt ? opt_in->struct_size : sizeof y->opt);
  {
    aia_limits lim;
    char why[256];
    aia_limits_init(&lim);
    lim.max_memory = y->opt.max_memory;
    lim.max_events = y->opt.max_events;
    lim.max_points = 0; /* one run; the sweep is the caller's */
    if (aia_scenario_check_limits(scn, &lim, why, sizeof why) != AIA_OK) {
      free(y);
      return fail(err, errlen, AIA_ELIMIT, "%s", why);
    }
  }
  rc = build(scn, policy, &y->opt, &y->s, err, errlen);
  if (rc == AIA_OK && y->opt.probe) {
    aia_vm *vm = aia_kvm_vm(y->s.kvm, y->opt.probe_vm);
    y->pr.kvm = y->s.kvm;
    y->pr.v = vm ? aia_vm_vcpu(vm, y->opt.probe_vcpu) : NULL;
    y->pr.iid = y->opt.probe_iid ? y->opt.probe_iid : 1;
    if (y->pr.v == NULL)
      rc = fail(err, errlen, AIA_EINVAL, "probe vCPU %u.%u does not exist", y->opt.probe_vm,
                y->opt.probe_vcpu);
    else
      rc = aia_sim_schedule(y->s.sim, y->opt.probe_at, AIA_PH_HART, probe_fire, &y->pr, NULL);
  }
  if (rc == AIA_OK) {
    rc = aia__force_setup(scn, y->s.sim, y->s.host, y->s.kvm, &y->fs);
    if (rc != AIA_OK)
      fail(err, errlen, rc, "force: %s", aia_sim_errmsg(y->s.sim));
  }
  if (rc == AIA_OK && y->opt.on_built)
    y->opt.on_built(y->opt.user, y->s.sim, y->s.plat, y->s.kvm);
  if (rc != AIA_OK) {
    y->opt.on_end = NULL; /* on_end pairs with an on_built that ran */
    aia_system_destroy(y);
    return rc;
  }
  *out = y;
  return AIA_OK;
}

aia_sim *aia_system_sim(const aia_system *y)
{
  return y ? y->s.sim : NULL;
}

aia_platform *aia_system_platform(const aia_system *y)
{
  return y ? y->s.plat : NULL;
}

aia_kvm *aia_system_kvm(const aia_system *y)
{
  return y ? y->s.kvm : NULL;
}

int aia_system_finish(aia_system *y, aia_run_result *out, char *err, size_t errlen)
{
  if (out == NULL)
    return fail(err, errlen, AIA_EINVAL, "no result record");
  memset(out, 0, sizeof *out);
  if (y == NULL)
    return fail(err, errlen, AIA_EINVAL, "no system");
  if (y->finished)
    return fail(err, errlen, AIA_ESTATE, "the system's result was taken already");
  y->finished = true;
  if (aia__force_status(y->fs) != AIA_OK)
    return fail(err, errlen, aia__force_status(y->fs), "force: %s", aia_sim_errmsg(y->s.sim));
  aia_meter_finish(y->s.meter);
  out->policy = y->policy;
  out->end = aia_sim_now(y->s.sim);
  out->steps = aia_sim_steps(y->s.sim);
  aia_meter_result(y->s.meter, &out->r);
  sum_wired(&y->s, out);
  if (y->opt.on_result)
    y->opt.on_result(y->opt.user, y->s.meter);
  if (out->r.nviolations) {
    out->violations = calloc(out->r.nviolations, sizeof *out->violations);
    if (out->violations == NULL)
      return fail(err, errlen, AIA_ENOMEM, "out of memory");
    memcpy(out->violations, out->r.violations, out->r.nviolations * sizeof *out->violations);
  }
  out->r.violations = out->violations;
  return AIA_OK;
}

int aia_scenario_run(const aia_scenario *scn, aia_policy policy, const aia_run_options *opt,
                     aia_run_result *out, char *err, size_t errlen)
{
  aia_system *y;
  if (out == NULL)
    return fail(err, errlen, AIA_EINVAL, "no result record");
  memset(out, 0, sizeof *out);
  int rc = aia_scenario_build(scn, policy, opt, &y, err, errlen);
  if (rc != AIA_OK)
    return rc;
  rc = aia_sim_run_until(y->s.sim, scn->duration);
  /* Devices stop at `duration` by themselves; drain until quiet or the end. */
  if (rc == AIA_OK)
    rc = aia_sim_run_until(y->s.sim, scn->duration + scn->drain);
  if (rc != AIA_OK)
    fail(err, errlen, rc, "simulation stopped: %s", aia_sim_errmsg(y->s.sim));
  else
    rc = aia_system_finish(y, out, err, errlen);
  aia_system_destroy(y);
  return rc;
}

void aia_run_result_free(aia_run_result *res)
{
  if (res == NULL)
    return;
  free(res->violations);
  res->violations = NULL;
  res->r.violations = NULL;
  res->r.nviolations = 0;
}

typedef struct trap_find {
  uint32_t vm, vcpu;
  aia_cycle vm_exit;
  aia_cycle at;
  bool found;
  aia_sim *sim;
} trap_find;

static void trap_hook(void *user, const aia_event *ev)
{
  trap_find *t = user;
  if (!t->found && ev->kind == AIA_EV_VM_EXIT && ev->arg == AIA_EXIT_WFI && ev->vm == t->vm &&
      ev->vcpu == t->vcpu) {
    t->found = true;
    t->at = ev->cycle - t->vm_exit; /* the trap begins the exit */
  }
}

int aia_scenario_wfi_trap(const aia_scenario *scn, aia_policy policy, uint32_t vm, uint32_t vcpu,
                          aia_cycle *at, char *err, size_t errlen)
{
  aia_run_options opt;
  aia_run_result res;
  trap_find t;
  int rc;
  if (scn == NULL || at == NULL)
    return fail(err, errlen, AIA_EINVAL, "bad arguments");
  memset(&t, 0, sizeof t);
  t.vm = vm;
  t.vcpu = vcpu;
  t.vm_exit = scn->timing[AIA_T_VM_EXIT];
  aia_run_options_init(&opt);
  opt.oracle = false;
  opt.hook = trap_hook;
  opt.hook_user = &t;
  opt.hook_mask = AIA_EV_BIT(AIA_EV_VM_EXIT);
  rc = aia_scenario_run(scn, policy, &opt, &res, err, errlen);
  aia_run_result_free(&res);
  if (rc != AIA_OK)
    return rc;
  if (!t.found)
    return fail(err, errlen, AIA_ENOENT, "vCPU %u.%u never traps on WFI", vm, vcpu);
  *at = t.at;
  return AIA_OK;
}
