/* lib/workload/workload.c: built-in guest behaviours and MSI sources.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "aiasim/workload.h"
#include "kvm/kvm_impl.h"

/* ------------------------------------------------------------ guests --- */

typedef struct guest {
  aia_guest_config cfg;
  aia_cycle (*mask)[2];
  aia_vcpu *v;
  aia_sim *sim;
  aia_cycle origin; /* start of the first duty period */
} guest;

void aia_guest_config_init(aia_guest_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->behaviour = AIA_BEHAVIOUR_IDLE;
  cfg->duty_busy = 50000;
  cfg->duty_idle = 200000;
}

/* a + b, or UINT64_MAX (never) when the moment is past the last cycle. */
static aia_cycle sat_add(aia_cycle a, aia_cycle b)
{
  return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Next tick strictly after now (UINT64_MAX: none before the last cycle). */
static aia_cycle next_tick(aia_cycle now, aia_cycle tick)
{
  return now / tick + 1 > UINT64_MAX / tick ? UINT64_MAX : (now / tick + 1) * tick;
}

static aia_guest_action guest_next(void *user, aia_vcpu *v, aia_cycle now, aia_cycle *until)
{
  guest *g = user;
  aia_cycle wake = 0;
  switch (g->cfg.behaviour) {
  case AIA_BEHAVIOUR_BUSY:
    *until = UINT64_MAX;
    return AIA_GUEST_BUSY;
  case AIA_BEHAVIOUR_DUTY: {
    aia_cycle p = g->cfg.duty_busy + g->cfg.duty_idle;
    aia_cycle ph = (now - g->origin) % p;
    if (ph < g->cfg.duty_busy) {
      *until = sat_add(now, g->cfg.duty_busy - ph); /* past the last cycle: busy to the end */
      return AIA_GUEST_BUSY;
    }
    wake = sat_add(now, p - ph); /* its timer ends the idle period */
    break;
  }
  default:
    break;
  }
  if (g->cfg.tick) {
    aia_cycle t = next_tick(now, g->cfg.tick);
    if (wake == 0 || t < wake)
      wake = t;
  }
  if (wake && wake != UINT64_MAX) /* UINT64_MAX: the period ends after the last cycle */
    (void)aia_vcpu_set_timer(v, wake);
  return AIA_GUEST_WFI;
}

static void mask_on(aia_sim *sim, void *user)
{
  (void)sim;
  (void)aia_vcpu_guest_set_seie(((guest *)user)->v, false);
}

/* The masked period ends by the guest's timer: a guest asleep in WFI with
 * SEIE off cannot unmask until something wakes it, so the period end is a
 * timer interrupt (the guest programmed it), which also wakes a blocked vCPU. */
static void mask_off(aia_sim *sim, void *user)
{
  guest *g = user;
  (void)aia_vcpu_guest_set_seie(g->v, true);
  (void)aia_vcpu_set_timer(g->v, aia_sim_now(sim));
}

static void guest_free(void *obj)
{
  guest *g = obj;
  free(g->mask);
  free(g);
}

int aia_guest_attach(aia_sim *sim, aia_vcpu *v, const aia_guest_config *cfg)
{
  aia_guest_config c;
  aia_guest_ops ops;
  guest *g;
  int rc;
  if (sim == NULL || v == NULL || cfg == NULL || cfg->struct_size < sizeof(size_t) + 4)
    return AIA_EINVAL;
  aia_guest_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  if ((unsigned)c.behaviour > AIA_BEHAVIOUR_DUTY)
    return aia__sim_fail(sim, AIA_EINVAL, "guest: behaviour %u: must be busy, idle or duty",
                         (unsigned)c.behaviour);
  /* duty: busy > 0; an idle part of 0 makes it a busy guest (the scenario
   * loader accepts that too). */
  if (c.behaviour == AIA_BEHAVIOUR_DUTY &&
      (c.duty_busy == 0 || c.duty_busy > UINT64_MAX / 2 || c.duty_idle > UINT64_MAX / 2))
    return aia__sim_fail(sim, AIA_EINVAL,
                         "guest: duty busy must be > 0, and both below 2^63 cycles");
  if (c.tick > UINT64_MAX / 2)
    return aia__sim_fail(sim, AIA_EINVAL, "guest: tick must be below 2^63 cycles");
  for (uint32_t i = 0; i < c.nmask_seie; i++)
    if (c.mask_seie == NULL || c.mask_seie[i][0] >= c.mask_seie[i][1] ||
        c.mask_seie[i][0] < aia_sim_now(sim))
      return aia__sim_fail(sim, AIA_EINVAL, "guest: mask_seie period %u is empty or in the past", i);
  g = calloc(1, sizeof *g);
  if (g == NULL)
    return AIA_ENOMEM;
  g->cfg = c;
  g->v = v;
  g->sim = sim;
  g->origin = aia_sim_now(sim);
  if (c.nmask_seie) {
    g->mask = calloc(c.nmask_seie, sizeof *g->mask);
    if (g->mask == NULL) {
      free(g);
      return AIA_ENOMEM;
    }
    memcpy(g->mask, c.mask_seie, c.nmask_seie * sizeof *g->mask);
  }
  g->cfg.mask_seie = NULL;
  rc = aia__sim_attach(sim, g, guest_free);
  if (rc != AIA_OK) {
    guest_free(g);
    return rc;
  }
  for (uint32_t i = 0; i < c.nmask_seie; i++) {
    rc = aia_sim_schedule(sim, g->mask[i][0], AIA_PH_HART, mask_on, g, NULL);
    if (rc == AIA_OK)
      rc = aia_sim_schedule(sim, g->mask[i][1], AIA_PH_HART, mask_off, g, NULL);
    if (rc != AIA_OK)
      return rc;
  }
  memset(&ops, 0, sizeof ops);
  ops.struct_size = sizeof ops;
  ops.next = guest_next;
  return aia_vcpu_set_guest(v, &ops, g);
}

/* ------------------------------------------------------------ sources -- */

struct aia_device {
  aia__ev ev;
  aia_kvm *kvm;
  aia_device_config cfg;
  uint32_t *vcpus, *iids;
  aia_msi_at *list;
  aia_rng rng;
  uint64_t sent;
  uint32_t rr, iid_idx, list_pos;
  bool stopped;
};

void aia_device_config_init(aia_device_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->path = AIA_PATH_KVM;
  cfg->pattern = AIA_PATTERN_POISSON;
  cfg->period = 50000;
  cfg->burst_count = 8;
  cfg->burst_every = 1000000;
}

int aia_workload_send(aia_kvm *kvm, aia_vcpu *v, uint32_t iid, aia_msi_path path, uint64_t *msi)
{
  uint64_t id;
  if (kvm == NULL || v == NULL || v->kvm != kvm)
    return AIA_EINVAL;
  if ((unsigned)path > AIA_PATH_DIRECT)
    return aia__sim_fail(kvm->sim, AIA_EINVAL, "workload send: path %u: must be kvm or direct",
                         (unsigned)path);
  if (v->ops.next == guest_next) /* ours: its state is about to be used too */
    aia__prefetch(v->guest_user, sizeof(guest));
  id = ++kvm->next_msi;
  if (msi)
    *msi = id;
  if (path == AIA_PATH_DIRECT)
    return aia_kvm_inject_direct(kvm, v, iid, id);
  int rc = aia_kvm_inject(kvm, v, 0, AIA_MMIO_SETEIPNUM_LE, iid, id);
  if (rc == AIA_EBUSY) { /* refused: the id was not used (ids stay dense) */
    kvm->next_msi--;
    if (msi)
      *msi = 0;
  }
  return rc;
}

static int send_one(aia_device *d, uint32_t vcpu, uint32_t iid)
{
  aia_vcpu *v = aia_vm_vcpu(d->cfg.vm, vcpu);
  if (v == NULL)
    return AIA_OK;
  d->sent++;
  return aia_workload_send(d->kvm, v, iid, d->cfg.path, NULL);
}

static int send_next(aia_device *d)
{
  uint32_t n = d->cfg.nvcpus, vcpu;
  if (d->cfg.random_target)
    vcpu = d->vcpus[aia_rng_below(&d->rng, n)];
  else
    vcpu = d->vcpus[d->rr++ % n];
  return send_one(d, vcpu, d->iids[d->iid_idx++ % d->cfg.niids]);
}

static void arm(aia_device *d, aia_cycle when)
{
  if (d->stopped || (d->cfg.stop && when >= d->cfg.stop))
    return;
  (void)aia__sim_soon(d->kvm->sim, &d->ev, when, AIA_PH_HART);
}

static aia_cycle gap(aia_device *d)
{
  aia_cycle g = d->cfg.pattern == AIA_PATTERN_POISSON ? aia_rng_exponential(&d->rng, d->cfg.period)
                                                      : d->cfg.period;
  return g ? g : 1;
}

static void device_fire(aia_sim *sim, aia__ev *ev)
{
  aia_device *d = AIA__CONTAINER_OF(ev, aia_device, ev);
  aia_cycle now = aia_sim_now(sim);
  switch (d->cfg.pattern) {
  case AIA_PATTERN_LIST:
    while (d->list_pos < d->cfg.nlist && d->list[d->list_pos].at <= now) {
      send_one(d, d->list[d->list_pos].vcpu, d->list[d->list_pos].iid);
      d->list_pos++;
    }
    if (d->list_pos < d->cfg.nlist)
      arm(d, d->list[d->list_pos].at);
    break;
  case AIA_PATTERN_BURST:
    for (uint32_t i = 0; i < d->cfg.burst_count; i++)
      if (send_next(d) == AIA_EBUSY) {
        /* The injector's backlog is full and stays so this cycle: the rest
         * of the burst is refused at once, not one by one. */
        uint32_t rest = d->cfg.burst_count - i - 1;
        d->sent += rest;
        aia__kvm_injector_refused(d->kvm, rest);
        break;
      }
    arm(d, now + d->cfg.burst_every);
    break;
  default:
    send_next(d);
    arm(d, now + gap(d));
    break;
  }
}

static void device_free(void *obj)
{
  aia_device *d = obj;
  aia__sim_cancel(d->kvm->sim, &d->ev);
  free(d->vcpus);
  free(d->iids);
  free(d->list);
  free(d);
}

static int cmp_at(const void *a, const void *b)
{
  const aia_msi_at *x = a, *y = b;
  return x->at < y->at ? -1 : x->at > y->at;
}

int aia_device_create(aia_kvm *kvm, const aia_device_config *cfg, aia_device **out)
{
  aia_device_config c;
  aia_device *d;
  aia_sim *sim;
  uint32_t nv;
  int rc;
  static const uint32_t default_iid = 32;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (kvm == NULL || cfg == NULL || cfg->struct_size < sizeof(size_t) + sizeof(void *))
    return AIA_EINVAL;
  sim = kvm->sim;
  aia_device_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  if (c.vm == NULL || c.vm->kvm != kvm)
    return aia__sim_fail(sim, AIA_EINVAL, "device: vm missing or of another kvm");
  nv = aia_vm_vcpus(c.vm);
  if ((unsigned)c.pattern > AIA_PATTERN_LIST || (unsigned)c.path > AIA_PATH_DIRECT)
    return aia__sim_fail(sim, AIA_EINVAL, "device: bad pattern or path");
  if (c.pattern != AIA_PATTERN_LIST && c.period == 0 && c.pattern != AIA_PATTERN_BURST)
    return aia__sim_fail(sim, AIA_EINVAL, "device: period must be > 0");
  if (c.pattern == AIA_PATTERN_BURST && (c.burst_count == 0 || c.burst_every == 0))
    return aia__sim_fail(sim, AIA_EINVAL, "device: burst count and every must be > 0");
  if (c.pattern == AIA_PATTERN_BURST && c.burst_count > AIA_BURST_MAX)
    return aia__sim_fail(sim, AIA_EINVAL, "device: burst count %u: at most %u MSIs at one instant",
                         c.burst_count, AIA_BURST_MAX);
  if (c.stop != 0 && c.start > c.stop)
    return aia__sim_fail(sim, AIA_EINVAL, "device: start (cycle %llu) is after stop (cycle %llu)",
                         (unsigned long long)c.start, (unsigned long long)c.stop);
  if ((c.nvcpus && c.vcpus == NULL) || (c.niids && c.iids == NULL) || (c.nlist && c.list == NULL))
    return aia__sim_fail(sim, AIA_EINVAL, "device: %s is NULL but %s is %u",
                         c.nvcpus && c.vcpus == NULL ? "vcpus" : c.niids && c.iids == NULL ? "iids" : "list",
                         c.nvcpus && c.vcpus == NULL ? "nvcpus" : c.niids && c.iids == NULL ? "niids" : "nlist",
                         c.nvcpus && c.vcpus == NULL ? c.nvcpus : c.niids && c.iids == NULL ? c.niids : c.nlist);
  for (uint32_t i = 0; i < c.nvcpus; i++)
    if (c.vcpus[i] >= nv)
      return aia__sim_fail(sim, AIA_EINVAL, "device: target vCPU %u: the VM has %u", c.vcpus[i], nv);
  for (uint32_t i = 0; i < c.niids; i++)
    if (c.iids[i] == 0 || c.iids[i] > c.vm->ids)
      return aia__sim_fail(sim, AIA_EINVAL, "device: identity %u: must be 1..%u", c.iids[i], c.vm->ids);
  for (uint32_t i = 0; i < c.nlist; i++)
    if (c.list[i].vcpu >= nv || c.list[i].iid == 0 || c.list[i].iid > c.vm->ids)
      return aia__sim_fail(sim, AIA_EINVAL, "device: list item %u has a bad vCPU or identity", i);
  if (c.pattern == AIA_PATTERN_LIST && c.nlist == 0)
    return aia__sim_fail(sim, AIA_EINVAL, "device: pattern list needs at least one item");
  d = calloc(1, sizeof *d);
  if (d == NULL)
    return AIA_ENOMEM;
  d->kvm = kvm;
  aia__ev_init(&d->ev, device_fire);
  if (c.nvcpus == 0) {
    c.nvcpus = nv;
    d->vcpus = calloc(nv, sizeof *d->vcpus);
    if (d->vcpus)
      for (uint32_t i = 0; i < nv; i++)
        d->vcpus[i] = i;
  } else {
    d->vcpus = calloc(c.nvcpus, sizeof *d->vcpus);
    if (d->vcpus)
      memcpy(d->vcpus, c.vcpus, c.nvcpus * sizeof *d->vcpus);
  }
  if (c.niids == 0) {
    c.niids = 1;
    c.iids = &default_iid;
  }
  d->iids = calloc(c.niids, sizeof *d->iids);
  if (d->iids)
    memcpy(d->iids, c.iids, c.niids * sizeof *d->iids);
  if (c.nlist) {
    d->list = calloc(c.nlist, sizeof *d->list);
    if (d->list) {
      /* Stable insertion sort by time: equal times keep the given order. */
      for (uint32_t i = 0; i < c.nlist; i++) {
        aia_msi_at x = c.list[i];
        uint32_t k = i;
        while (k > 0 && cmp_at(&d->list[k - 1], &x) > 0) {
          d->list[k] = d->list[k - 1];
          k--;
        }
        d->list[k] = x;
      }
    }
  }
  if (d->vcpus == NULL || d->iids == NULL || (c.nlist && d->list == NULL)) {
    device_free(d);
    return AIA_ENOMEM;
  }
  c.vcpus = d->vcpus;
  c.iids = d->iids;
  c.list = d->list;
  d->cfg = c;
  rc = aia__sim_attach(sim, d, device_free);
  if (rc != AIA_OK) {
    device_free(d);
    return rc;
  }
  aia_sim_rng(sim, c.stream ? c.stream : 0x10000u + kvm->ndevices, &d->rng);
  kvm->ndevices++;
  switch (c.pattern) {
  case AIA_PATTERN_LIST:
    arm(d, d->list[0].at < c.start ? c.start : d->list[0].at);
    break;
  case AIA_PATTERN_BURST:
    arm(d, c.start);
    break;
  default:
    arm(d, c.start + gap(d));
    break;
  }
  *out = d;
  return AIA_OK;
}

void aia_device_stop(aia_device *d)
{
  if (d == NULL)
    return;
  d->stopped = true;
  aia__sim_cancel(d->kvm->sim, &d->ev);
}

uint64_t aia_device_sent(const aia_device *d)
{
  return d ? d->sent : 0;
}
