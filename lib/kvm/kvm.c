/* lib/kvm/kvm.c: the hypervisor instance, VMs, vCPUs, hardware listener.
 * SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_impl.h"

void aia_kvm_config_init(aia_kvm_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->era = AIA_ERA_C;
  cfg->policy = AIA_POLICY_NOKICK;
  cfg->faults = 0;
  cfg->injector_hart = 0;
  cfg->injector_backlog = 1u << 20;
  aia_kvm_timing *t = &cfg->timing;
  t->vm_entry = 1500;
  t->vm_exit = 2000;
  t->guest_trap = 200;
  t->isr = 300;
  t->wfi_timeout = 0;
  t->run_loop = 500;
  t->ipi_send = 200;
  t->kick = 300;
  t->inject = 400;
  t->hgei_handler = 800;
  t->halt_poll_max = 500000;
  t->halt_poll_start = 10000;
  t->vsfile_migrate = 200;
  t->hfence_roundtrip = 4000;
  t->swfile_update = 300;
  t->csr_emulate = 500;
  t->block_check = 100;
  t->mmio_emulate = 600;
}

void aia__vcpu_set_state(aia_vcpu *v, aia_vcpu_state s)
{
  if (v->state == s)
    return;
  v->state = s;
  aia__kvm_emit(v->kvm, AIA_EV_VCPU_STATE, v, v->cpu >= 0 ? (uint32_t)v->cpu : AIA_NONE, 0, 0,
                (uint64_t)s);
}

static void kjob_fire(aia_sim *sim, aia__ev *ev)
{
  aia__kjob *j = AIA__CONTAINER_OF(ev, aia__kjob, pe.ev);
  aia_kvm *kvm = j->kvm;
  (void)sim;
  switch (j->kind) {
  case KJ_INJECT:
    aia__inject_run(j);
    break;
  case KJ_IPI:
    (void)aia_hart_send_ipi(kvm->plat, j->from, j->to, j->msi);
    break;
  case KJ_EXTIRQ:
    aia__extirq_apply(j);
    break;
  default:
    break;
  }
  aia__evpool_put(&kvm->jobs, &j->pe);
}

static void kjob_init(aia__pev *e, uint32_t index, void *ctx)
{
  (void)index;
  AIA__CONTAINER_OF(e, aia__kjob, pe)->kvm = ctx;
}

/* A pooled job scheduled at `when` (phase HART); NULL when out of memory. */
aia__kjob *aia__kjob_post(aia_kvm *kvm, uint32_t kind, aia_cycle when)
{
  aia__pev *e = aia__evpool_get(&kvm->jobs);
  if (e == NULL)
    return NULL;
  if (aia__sim_soon(kvm->sim, &e->ev, when, AIA_PH_HART) != AIA_OK) {
    aia__evpool_put(&kvm->jobs, e);
    return NULL;
  }
  aia__kjob *j = AIA__CONTAINER_OF(e, aia__kjob, pe);
  j->kind = kind;
  j->v = NULL;
  j->iid = j->from = j->to = 0;
  j->set = false;
  j->msi = 0;
  return j;
}

static void kvm_destroy(void *obj)
{
  aia_kvm *kvm = obj;
  for (uint32_t i = 0; i < kvm->nvms; i++) {
    aia_vm *vm = kvm->vms[i];
    for (uint32_t k = 0; k < vm->nvcpus; k++) {
      aia_vcpu *v = &vm->vcpus[k];
      aia__sim_cancel(kvm->sim, &v->step_ev);
      aia__sim_cancel(kvm->sim, &v->guest_ev);
      aia__sim_cancel(kvm->sim, &v->timer_ev);
      aia__ifile_free(&v->swfile);
      free(v->mig_img);
    }
    free(vm->vcpus);
    aia__vaplic_free(vm->aplic);
    free(vm);
  }
  for (uint32_t h = 0; h < kvm->nharts; h++)
    aia__sim_cancel(kvm->sim, &kvm->harts[h].hgei_ev);
  aia__evpool_free(&kvm->jobs, kvm->sim);
  free(kvm->vms);
  free(kvm->harts);
  free(kvm);
}

/* Platform listener: dispatches hart interrupt changes to the vCPU running a
 * guest there, or to the host-side SGEI handling. */
static void on_hart(void *user, uint32_t hart, bool woke)
{
  aia_kvm *kvm = user;
  aia__kvm_hart *kh = &kvm->harts[hart];
  if (kh->in_guest) {
    aia__vcpu_hart_changed(kh->in_guest, hart);
    return;
  }
  aia__hgei_check(kvm, hart, woke);
  aia__host_sei_check(kvm, hart, woke);
  if (kh->running)
    aia__vcpu_poll_recheck(kh->running); /* halt polling reads this hart's HGEIP */
}

/* An MSI that lands in a guest file nobody owns (freed by a migration while
 * the write was in flight, or never allocated) is lost: no vCPU will look
 * there, and the next owner's local_clear wipes it. Reported as
 * AIA_EV_MSI_DROPPED with arg 2. */
static void on_landed(void *user, const aia_event *ev)
{
  aia_kvm *kvm = user;
  if (ev->file == 0 || ev->file == AIA_NONE || ev->hart >= kvm->nharts || ev->file > 63)
    return;
  if (kvm->harts[ev->hart].owners[ev->file] != NULL)
    return;
  aia__sim_record(kvm->sim, AIA_EV_MSI_DROPPED, ev->hart, ev->vm, ev->vcpu, ev->file, ev->iid,
                  ev->msi, 2);
}

int aia_kvm_create(aia_sim *sim, aia_platform *plat, aia_host *host, const aia_kvm_config *cfg,
                   aia_kvm **out)
{
  aia_kvm_config c;
  aia_kvm *kvm;
  aia_platform_config pc;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (!aia__sim_ok(sim) || plat == NULL || host == NULL || cfg == NULL ||
      cfg->struct_size < sizeof(size_t) + 4)
    return AIA_EINVAL;
  if (aia_platform_sim(plat) != sim || aia_host_sim(host) != sim || aia_host_platform(host) != plat)
    return aia__sim_fail(sim, AIA_EINVAL, "kvm: platform and host must belong to this sim");
  aia_kvm_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  c.struct_size = sizeof c;
  aia_platform_get_config(plat, &pc);
  if ((unsigned)c.era > AIA_ERA_C)
    return aia__sim_fail(sim, AIA_EINVAL, "kvm: era %u: must be A, B or C", (unsigned)c.era);
  if ((unsigned)c.policy > AIA_POLICY_WAKE_FIRST)
    return aia__sim_fail(sim, AIA_EINVAL, "kvm: policy %u: must be kick, nokick or wake_first",
                         (unsigned)c.policy);
  if (c.faults & ~AIA_FAULT_ALL_)
    return aia__sim_fail(sim, AIA_EINVAL, "kvm: unknown fault bits 0x%x", c.faults);
  if (c.injector_hart >= pc.harts)
    return aia__sim_fail(sim, AIA_EINVAL, "kvm: injector_hart %u: the platform has %u harts",
                         c.injector_hart, pc.harts);
  if (c.injector_backlog == 0)
    return aia__sim_fail(sim, AIA_EINVAL, "kvm: injector_backlog 0: at least 1 injection must "
                                          "be able to wait");
  kvm = calloc(1, sizeof *kvm);
  if (kvm == NULL)
    return AIA_ENOMEM;
  kvm->sim = sim;
  aia__evpool_init(&kvm->jobs, sizeof(aia__kjob), kjob_fire, kjob_init, kvm);
  kvm->plat = plat;
  kvm->host = host;
  kvm->cfg = c;
  kvm->nharts = pc.harts;
  aia_sim_rng(sim, 0x40000u, &kvm->rng);
  for (size_t i = 0; i < AIA_KVM_JITTER_MAX; i++)
    if (c.jitter[i].kind != AIA_JITTER_NONE && c.jitter[i].amount)
      kvm->jitter = true;
  kvm->harts = calloc(pc.harts, sizeof *kvm->harts);
  if (kvm->harts == NULL) {
    free(kvm);
    return AIA_ENOMEM;
  }
  for (uint32_t h = 0; h < pc.harts; h++) {
    aia__kvm_hart *kh = &kvm->harts[h];
    /* aia_hgei_init: indices 1..geilen are free. */
    kh->free_bitmap = (pc.geilen >= 63 ? UINT64_MAX : ((UINT64_C(1) << (pc.geilen + 1)) - 1)) &
                      ~UINT64_C(1);
    kh->kvm = kvm;
    kh->index = h;
    aia__ev_init(&kh->hgei_ev, aia__hgei_fire);
  }
  rc = aia__sim_attach(sim, kvm, kvm_destroy);
  if (rc != AIA_OK) {
    kvm_destroy(kvm);
    return rc;
  }
  rc = aia_platform_listen(plat, on_hart, kvm);
  if (rc == AIA_OK)
    rc = aia_sim_hook_add(sim, AIA_EV_BIT(AIA_EV_MSI_LANDED), on_landed, kvm, NULL);
  if (rc != AIA_OK)
    return rc; /* destroyed with the sim */
  *out = kvm;
  return AIA_OK;
}

aia_sim *aia_kvm_sim(const aia_kvm *kvm)
{
  return kvm ? kvm->sim : NULL;
}

void aia_kvm_get_config(const aia_kvm *kvm, aia_kvm_config *cfg)
{
  if (kvm && cfg)
    *cfg = kvm->cfg;
}

uint32_t aia_kvm_vm_count(const aia_kvm *kvm)
{
  return kvm ? kvm->nvms : 0;
}

aia_vm *aia_kvm_vm(const aia_kvm *kvm, uint32_t i)
{
  return (kvm && i < kvm->nvms) ? kvm->vms[i] : NULL;
}

int aia_vcpu_get_file_stats(const aia_vcpu *v, aia_vcpu_file_stats *st)
{
  aia_vcpu_file_stats tmp;
  if (v == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  tmp = v->fst;
  if (v->sw_in)
    tmp.swfile_guest_cycles += aia_sim_now(v->kvm->sim) - v->sw_entered;
  aia__stats_copy_out(st, &tmp, sizeof tmp);
  return AIA_OK;
}

int aia_vcpu_get_halt_stats(const aia_vcpu *v, aia_vcpu_halt_stats *st)
{
  if (v == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  aia__stats_copy_out(st, &v->hst, sizeof v->hst);
  return AIA_OK;
}


void aia__kvm_injector_refused(aia_kvm *kvm, uint64_t n)
{
  kvm->inj.refused += n;
}

int aia_kvm_injector_stats(const aia_kvm *kvm, aia_injector_stats *st)
{
  aia_injector_stats tmp;
  if (kvm == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  tmp = kvm->inj;
  tmp.waiting = tmp.queued - tmp.injected;
  /* Cycles booked for routines not finished yet do not count. */
  if (kvm->injector_busy > kvm->sim->now)
    tmp.busy_cycles -= kvm->injector_busy - kvm->sim->now;
  aia__stats_copy_out(st, &tmp, sizeof tmp);
  return AIA_OK;
}

int aia_vcpu_get_exit_stats(const aia_vcpu *v, aia_vcpu_exit_stats *st)
{
  if (v == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  aia__stats_copy_out(st, &v->xst, sizeof v->xst);
  return AIA_OK;
}




/* A per-vCPU statistics getter, typed for sum_vcpus. */
typedef int (*vcpu_stats_fn)(const aia_vcpu *v, void *st);

static int get_halt(const aia_vcpu *v, void *st)
{
  return aia_vcpu_get_halt_stats(v, st);
}

static int get_exit(const aia_vcpu *v, void *st)
{
  return aia_vcpu_get_exit_stats(v, st);
}

static int get_file(const aia_vcpu *v, void *st)
{
  return aia_vcpu_get_file_stats(v, st);
}

static int get_sched(const aia_vcpu *v, void *st)
{
  return aia_thread_get_stats(aia_vcpu_thread(v), st);
}

/* The sum over every vCPU of every VM of one statistics struct of `size`
 * bytes (a struct_size, then uint64_t counters from offset `first`), handed
 * to the caller as aia__stats_copy_out does. */
static int sum_vcpus(const aia_kvm *kvm, void *out, size_t size, size_t first, vcpu_stats_fn get)
{
  uint64_t sum[128], one[128]; /* the largest stats struct (halt) is 832 bytes */
  if (kvm == NULL || out == NULL || *(const size_t *)out < sizeof(size_t) || size > sizeof sum)
    return AIA_EINVAL;
  memset(sum, 0, size);
  for (uint32_t vm = 0; vm < kvm->nvms; vm++) {
    for (uint32_t i = 0; i < aia_vm_vcpus(kvm->vms[vm]); i++) {
      size_t ss = size;
      memcpy(one, &ss, sizeof ss);
      if (get(aia_vm_vcpu(kvm->vms[vm], i), one) != AIA_OK)
        return AIA_EINVAL; /* cannot happen: every vCPU and its thread exist */
      aia__stats_add(sum, one, first, size);
    }
  }
  aia__stats_copy_out(out, sum, size);
  return AIA_OK;
}

int aia_kvm_halt_stats(const aia_kvm *kvm, aia_vcpu_halt_stats *st)
{
  return sum_vcpus(kvm, st, sizeof *st, offsetof(aia_vcpu_halt_stats, halt_successful_poll),
                   get_halt);
}

int aia_kvm_exit_stats(const aia_kvm *kvm, aia_vcpu_exit_stats *st)
{
  return sum_vcpus(kvm, st, sizeof *st, offsetof(aia_vcpu_exit_stats, exits), get_exit);
}

int aia_kvm_file_stats(const aia_kvm *kvm, aia_vcpu_file_stats *st)
{
  return sum_vcpus(kvm, st, sizeof *st, offsetof(aia_vcpu_file_stats, vcpus_on_swfile), get_file);
}

int aia_kvm_sched_stats(const aia_kvm *kvm, aia_thread_stats *st)
{
  return sum_vcpus(kvm, st, sizeof *st, offsetof(aia_thread_stats, run_time), get_sched);
}

int aia_kvm_set_policy(aia_kvm *kvm, aia_policy policy)
{
  if (kvm == NULL || (unsigned)policy > AIA_POLICY_WAKE_FIRST)
    return AIA_EINVAL;
  kvm->cfg.policy = policy;
  return AIA_OK;
}

void aia_vm_config_init(aia_vm_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->mode = AIA_MODE_AUTO;
  cfg->vcpus = 1;
}

int aia_vm_create(aia_kvm *kvm, const aia_vm_config *cfg, aia_vm **out)
{
  aia_vm_config c;
  aia_platform_config pc;
  aia_vm *vm;
  aia_vm **vms;
  uint64_t *aff = NULL;
  uint32_t aff_words;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (kvm == NULL || cfg == NULL || cfg->struct_size < sizeof(size_t) + 4)
    return AIA_EINVAL;
  aia_vm_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  aia_platform_get_config(kvm->plat, &pc);
  if ((unsigned)c.mode > AIA_MODE_AUTO)
    return aia__sim_fail(kvm->sim, AIA_EINVAL, "vm: aia_mode %u: must be emul, hwaccel or auto",
                         (unsigned)c.mode);
  if (c.mode != AIA_MODE_EMUL && pc.geilen == 0)
    return aia__sim_fail(kvm->sim, AIA_EINVAL,
                         "vm: aia_mode hwaccel/auto needs guest files (geilen is 0)");
  if (c.ids == 0)
    c.ids = pc.ids;
  if (c.ids < 63 || c.ids > 2047 || ((c.ids + 1) % 64) != 0 || c.ids > pc.ids)
    return aia__sim_fail(kvm->sim, AIA_EINVAL,
                         "vm: ids %u: must be 63..%u with ids+1 a multiple of 64", c.ids, pc.ids);
  if (c.vcpus == 0 || c.vcpus > 4096)
    return aia__sim_fail(kvm->sim, AIA_EINVAL, "vm: vcpus %u: must be 1..4096", c.vcpus);
  aff_words = (pc.harts + 63) / 64;
  if (c.affinity) {
    if (c.naffinity == 0)
      return aia__sim_fail(kvm->sim, AIA_EINVAL, "vm: affinity lists no hart");
    aff = calloc(aff_words, sizeof *aff);
    if (aff == NULL)
      return AIA_ENOMEM;
    for (uint32_t i = 0; i < c.naffinity; i++) {
      if (c.affinity[i] >= pc.harts) {
        free(aff);
        return aia__sim_fail(kvm->sim, AIA_EINVAL, "vm: affinity hart %u: the platform has %u harts",
                             c.affinity[i], pc.harts);
      }
      aff[c.affinity[i] / 64] |= UINT64_C(1) << (c.affinity[i] % 64);
    }
  }
  vm = calloc(1, sizeof *vm);
  vms = realloc(kvm->vms, (kvm->nvms + 1) * sizeof *vms);
  if (vm == NULL || vms == NULL) {
    free(vm);
    free(aff);
    return AIA_ENOMEM;
  }
  kvm->vms = vms;
  vm->kvm = kvm;
  vm->index = kvm->nvms;
  vm->mode = c.mode;
  vm->ids = c.ids;
  vm->vcpus = calloc(c.vcpus, sizeof *vm->vcpus);
  if (vm->vcpus == NULL) {
    free(vm);
    free(aff);
    return AIA_ENOMEM;
  }
  vm->nvcpus = c.vcpus;
  kvm->vms[kvm->nvms++] = vm;
  for (uint32_t k = 0; k < c.vcpus; k++) {
    aia_vcpu *v = &vm->vcpus[k];
    aia_thread_config tc;
    aia_thread_ops ops;
    v->kvm = kvm;
    v->vm = vm;
    v->index = k;
    v->cpu = -1;
    v->vsfile_cpu = -1;
    v->state = AIA_VCPU_USERSPACE;
    v->guest_seie = true;
    v->vsie = AIA__VSIE_SEIE;
    aia__ifile_init(&v->swfile, c.ids, pc.xlen, false);
    aia__vcpu_init_events(v);
    aia_thread_config_init(&tc);
    tc.vm = vm->index;
    tc.affinity = aff;
    tc.affinity_harts = aff ? pc.harts : 0;
    /* Spread the first placement over the allowed harts. */
    tc.hart = k % pc.harts;
    aia__vcpu_fill_ops(&ops, v);
    rc = aia_thread_create(kvm->host, &tc, &ops, &v->thread);
    if (rc != AIA_OK) {
      free(aff);
      return rc; /* the VM stays registered and is freed with the sim */
    }
  }
  free(aff);
  *out = vm;
  return AIA_OK;
}

uint32_t aia_vm_index(const aia_vm *vm)
{
  return vm ? vm->index : AIA_NONE;
}

uint32_t aia_vm_vcpus(const aia_vm *vm)
{
  return vm ? vm->nvcpus : 0;
}

aia_vcpu *aia_vm_vcpu(aia_vm *vm, uint32_t index)
{
  return (vm && index < vm->nvcpus) ? &vm->vcpus[index] : NULL;
}

int aia_vcpu_set_guest(aia_vcpu *v, const aia_guest_ops *ops, void *user)
{
  if (v == NULL || ops == NULL || ops->next == NULL || ops->struct_size < sizeof(size_t) + sizeof(void *))
    return AIA_EINVAL;
  if (v->started)
    return aia__sim_fail(v->kvm->sim, AIA_ESTATE,
                         "vcpu %u.%u: a guest behaviour cannot be set after aia_vcpu_start",
                         v->vm->index, v->index);
  memset(&v->ops, 0, sizeof v->ops);
  memcpy(&v->ops, ops, ops->struct_size < sizeof v->ops ? ops->struct_size : sizeof v->ops);
  v->guest_user = user;
  return AIA_OK;
}

/* The file the guest's driver sees now: its VS-file or the SW-file. */
int aia_vcpu_guest_setup(aia_vcpu *v, uint32_t eidelivery, uint32_t eithreshold,
                         uint32_t enable_lo, uint32_t enable_hi)
{
  aia_file_image img;
  if (v == NULL)
    return AIA_EINVAL;
  if (v->started)
    return aia__sim_fail(v->kvm->sim, AIA_ESTATE,
                         "vcpu %u.%u: guest setup after aia_vcpu_start (the guest programs its "
                         "file itself then: aia_vcpu_guest_enable_range)",
                         v->vm->index, v->index);
  if (eidelivery > 1 || eithreshold > v->vm->ids || enable_lo > enable_hi ||
      enable_hi > v->vm->ids)
    return aia__sim_fail(v->kvm->sim, AIA_EINVAL,
                         "vcpu: guest setup out of range (eidelivery %u, threshold %u, enable %u-%u, ids %u)",
                         eidelivery, eithreshold, enable_lo, enable_hi, v->vm->ids);
  memset(&img, 0, sizeof img);
  for (uint32_t i = enable_lo ? enable_lo : 1; i <= enable_hi && enable_hi; i++)
    img.eie[i / 64] |= UINT64_C(1) << (i % 64);
  img.eithreshold = eithreshold;
  img.eidelivery = eidelivery;
  if (v->vsfile_cpu >= 0) {
    aia_file_image cur;
    aia_file_save(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei, &cur, false);
    memcpy(cur.eie, img.eie, sizeof cur.eie);
    cur.eithreshold = eithreshold;
    cur.eidelivery = eidelivery;
    /* eie is written, eip ORed with itself: unchanged. */
    return aia_file_restore(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei, &cur);
  }
  aia_file_image cur;
  aia__ifile_save(&v->swfile, &cur, false);
  memcpy(cur.eie, img.eie, sizeof cur.eie);
  cur.eithreshold = eithreshold;
  cur.eidelivery = eidelivery;
  int rc = aia__ifile_restore(&v->swfile, &cur);
  if (rc == AIA_OK)
    aia__swfile_extirq_update(v, AIA_NONE, 0);
  return rc;
}

int aia_vcpu_guest_enable_range(aia_vcpu *v, uint32_t lo, uint32_t hi)
{
  if (v == NULL)
    return AIA_EINVAL;
  if (lo == 0 || lo > hi || hi > v->vm->ids)
    return aia__sim_fail(v->kvm->sim, AIA_EINVAL, "vcpu: enable range %u-%u outside 1..%u", lo, hi,
                         v->vm->ids);
  for (uint32_t w = lo / 64; w <= hi / 64; w++) {
    uint64_t bits = 0;
    for (uint32_t i = 0; i < 64; i++) {
      uint32_t id = w * 64 + i;
      if (id >= lo && id <= hi)
        bits |= UINT64_C(1) << i;
    }
    /* eie registers: 0xC0 + 2w on RV64, 0xC0 + 2w (low) / 2w+1 (high) on RV32 */
    if (v->vsfile_cpu >= 0) {
      aia_platform_config pc;
      aia_platform_get_config(v->kvm->plat, &pc);
      if (pc.xlen == 64) {
        (void)aia_file_ireg(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei,
                            AIA_ISEL_EIE0 + 2 * w, AIA_CSR_SET, bits, NULL);
      } else {
        (void)aia_file_ireg(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei,
                            AIA_ISEL_EIE0 + 2 * w, AIA_CSR_SET, bits & 0xffffffffu, NULL);
        (void)aia_file_ireg(v->kvm->plat, (uint32_t)v->vsfile_cpu, v->vsfile_hgei,
                            AIA_ISEL_EIE0 + 2 * w + 1, AIA_CSR_SET, bits >> 32, NULL);
      }
    } else {
      if (v->swfile.xlen == 64) {
        (void)aia__ifile_ireg(&v->swfile, AIA_ISEL_EIE0 + 2 * w, AIA_CSR_SET, bits, NULL);
      } else {
        (void)aia__ifile_ireg(&v->swfile, AIA_ISEL_EIE0 + 2 * w, AIA_CSR_SET, bits & 0xffffffffu, NULL);
        (void)aia__ifile_ireg(&v->swfile, AIA_ISEL_EIE0 + 2 * w + 1, AIA_CSR_SET, bits >> 32, NULL);
      }
    }
  }
  if (v->vsfile_cpu < 0)
    aia__swfile_extirq_update(v, AIA_NONE, 0);
  return AIA_OK;
}

int aia_vcpu_guest_set_seie(aia_vcpu *v, bool on)
{
  if (v == NULL)
    return AIA_EINVAL;
  v->guest_seie = on;
  if (v->kvm->harts && v->state == AIA_VCPU_IN_GUEST && v->cpu >= 0)
    aia__vcpu_hart_changed(v, (uint32_t)v->cpu);
  return AIA_OK;
}

int aia_vcpu_set_isr(aia_vcpu *v, aia_cycle isr)
{
  if (v == NULL)
    return AIA_EINVAL;
  v->isr = isr;
  return AIA_OK;
}

int aia_vcpu_set_timer(aia_vcpu *v, aia_cycle when)
{
  if (v == NULL)
    return AIA_EINVAL;
  aia__sim_cancel(v->kvm->sim, &v->timer_ev);
  if (when == 0)
    return AIA_OK;
  if (when < aia_sim_now(v->kvm->sim))
    return aia__sim_fail(v->kvm->sim, AIA_ERANGE, "vcpu: timer in the past");
  return aia__sim_soon(v->kvm->sim, &v->timer_ev, when, AIA_PH_HART);
}

static void start_now(aia_sim *sim, void *user)
{
  aia_vcpu *v = user;
  bool woken;
  (void)sim;
  aia__vcpu_set_state(v, AIA_VCPU_RUNNABLE);
  (void)aia_thread_wake(v->thread, AIA_NONE, &woken, NULL);
}

int aia_vcpu_start(aia_vcpu *v, aia_cycle at)
{
  if (v == NULL)
    return AIA_EINVAL;
  if (v->ops.next == NULL)
    return aia__sim_fail(v->kvm->sim, AIA_ESTATE, "vcpu %u.%u: no guest behaviour set",
                         v->vm->index, v->index);
  if (v->started)
    return aia__sim_fail(v->kvm->sim, AIA_ESTATE, "vcpu %u.%u: already started", v->vm->index,
                         v->index);
  if (at < aia_sim_now(v->kvm->sim))
    return aia__sim_fail(v->kvm->sim, AIA_ERANGE, "vcpu %u.%u: start cycle in the past",
                         v->vm->index, v->index);
  v->started = true;
  v->pc = PC_LOOP;
  if (at == aia_sim_now(v->kvm->sim)) {
    start_now(v->kvm->sim, v);
    return AIA_OK;
  }
  return aia_sim_schedule(v->kvm->sim, at, AIA_PH_SCHED, start_now, v, NULL);
}

uint32_t aia_vcpu_index(const aia_vcpu *v)
{
  return v ? v->index : AIA_NONE;
}

aia_vm *aia_vcpu_vm(const aia_vcpu *v)
{
  return v ? v->vm : NULL;
}

aia_vcpu_state aia_vcpu_get_state(const aia_vcpu *v)
{
  return v ? v->state : AIA_VCPU_USERSPACE;
}

aia_vcpu_mode aia_vcpu_get_mode(const aia_vcpu *v)
{
  return v ? v->mode : AIA_MODE_OUTSIDE_GUEST;
}

aia_thread *aia_vcpu_thread(const aia_vcpu *v)
{
  return v ? v->thread : NULL;
}

int32_t aia_vcpu_vsfile_hart(const aia_vcpu *v)
{
  return v ? v->vsfile_cpu : -1;
}

uint32_t aia_vcpu_vsfile_hgei(const aia_vcpu *v)
{
  return (v && v->vsfile_cpu >= 0) ? v->vsfile_hgei : 0;
}

bool aia_vcpu_has_deliverable(const aia_vcpu *v)
{
  return v && aia__vcpu_deliverable(v);
}

bool aia_vcpu_is_migrating(const aia_vcpu *v)
{
  return v && v->migrating;
}

bool aia_vcpu_guest_seie(const aia_vcpu *v)
{
  return v && v->guest_seie;
}

/* aia__stats_add sums them word by word: counters only after struct_size. */
_Static_assert(sizeof(aia_thread_stats) % sizeof(uint64_t) == 0, "thread stats: u64 counters");
_Static_assert(sizeof(aia_vcpu_file_stats) % sizeof(uint64_t) == 0, "file stats: u64 counters");
_Static_assert(sizeof(aia_vcpu_halt_stats) % sizeof(uint64_t) == 0, "halt stats: u64 counters");
_Static_assert(sizeof(aia_vcpu_exit_stats) % sizeof(uint64_t) == 0, "exit stats: u64 counters");
_Static_assert(sizeof(aia_vcpu_halt_stats) <= 128 * sizeof(uint64_t), "sum_vcpus: room for it");
_Static_assert(sizeof(aia_thread_stats) <= 128 * sizeof(uint64_t), "sum_vcpus: room for it");
