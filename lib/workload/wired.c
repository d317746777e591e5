/* lib/workload/wired.c: devices on wired lines of a VM's in-kernel APLIC.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "aiasim/aplic.h"
#include "aiasim/workload.h"
#include "kvm/kvm_impl.h"

struct aia_wired {
  aia__ev ev;
  aia_kvm *kvm;
  aia_wired_config cfg;
  aia_rng rng;
  aia_wired_stats st;
  bool stopped;
};

void aia_wired_config_init(aia_wired_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->trigger = AIA_TRIGGER_LEVEL_HIGH;
  cfg->pattern = AIA_PATTERN_POISSON;
  cfg->period = 50000;
  cfg->burst_count = 8;
  cfg->burst_every = 1000000;
  cfg->ack = 1000;
  cfg->program = true;
}

/* The wire's level when the device asserts it, and when it is quiet. */
static bool asserted(const aia_wired *w)
{
  return w->cfg.trigger == AIA_TRIGGER_EDGE_RISING || w->cfg.trigger == AIA_TRIGGER_LEVEL_HIGH;
}

static bool is_level(const aia_wired *w)
{
  return w->cfg.trigger == AIA_TRIGGER_LEVEL_HIGH || w->cfg.trigger == AIA_TRIGGER_LEVEL_LOW;
}

static void emit(aia_wired *w, uint32_t kind, const aia_vcpu *v, uint64_t arg)
{
  aia__sim_record(w->kvm->sim, kind, AIA_NONE, w->cfg.vm->index, v ? v->index : AIA_NONE, AIA_NONE,
                  w->cfg.source, 0, arg);
}

static void line(aia_wired *w, bool level)
{
  (void)aia_vaplic_set_line(w->cfg.vm->aplic, w->cfg.source, level);
}

/* One request: a level device asserts its line if it is quiet; an edge
 * device pulses it. */
static void request(aia_wired *w)
{
  w->st.requests++;
  w->st.outstanding++;
  emit(w, AIA_EV_WIRED_REQUEST, NULL, w->st.outstanding);
  if (is_level(w)) {
    if (w->st.outstanding == 1)
      line(w, asserted(w));
    return;
  }
  line(w, asserted(w));
  line(w, !asserted(w));
}

/* The guest's handler acknowledges the device: everything outstanding is
 * served and a level line goes quiet. */
static aia_cycle acked(void *user, aia_vcpu *v, uint32_t source)
{
  aia_wired *w = user;
  (void)source;
  w->st.acks++;
  if (w->st.outstanding == 0)
    w->st.spurious++;
  uint64_t n = w->st.outstanding;
  if (w->cfg.per_ack != 0 && n > w->cfg.per_ack)
    n = w->cfg.per_ack;
  w->st.served += n;
  w->st.outstanding -= n;
  emit(w, AIA_EV_WIRED_ACK, v, n);
  if (is_level(w) && n > 0 && w->st.outstanding == 0)
    line(w, !asserted(w));
  return w->cfg.ack;
}

static aia_cycle gap(aia_wired *w)
{
  aia_cycle g = w->cfg.pattern == AIA_PATTERN_POISSON ? aia_rng_exponential(&w->rng, w->cfg.period)
                                                      : w->cfg.period;
  return g ? g : 1;
}

static void arm(aia_wired *w, aia_cycle when)
{
  if (w->stopped || (w->cfg.stop && when >= w->cfg.stop))
    return;
  (void)aia__sim_soon(w->kvm->sim, &w->ev, when, AIA_PH_HART);
}

static void wired_fire(aia_sim *sim, aia__ev *ev)
{
  aia_wired *w = AIA__CONTAINER_OF(ev, aia_wired, ev);
  aia_cycle now = aia_sim_now(sim);
  if (w->cfg.pattern == AIA_PATTERN_BURST) {
    for (uint32_t i = 0; i < w->cfg.burst_count; i++)
      request(w);
    arm(w, now + w->cfg.burst_every);
    return;
  }
  request(w);
  arm(w, now + gap(w));
}

static void wired_free(void *obj)
{
  aia_wired *w = obj;
  aia__sim_cancel(w->kvm->sim, &w->ev);
  free(w);
}

static const uint32_t mode_of[] = { AIA_SM_EDGE1, AIA_SM_EDGE0, AIA_SM_LEVEL1, AIA_SM_LEVEL0 };

/* The guest driver's probe for this source (aplic_msi_setup and
 * request_irq's irq_set_type / unmask): sourcecfg, target, setienum,
 * domaincfg.IE. */
static void program(aia_wired *w)
{
  aia_vaplic *a = w->cfg.vm->aplic;
  uint32_t s = w->cfg.source;
  (void)aia_vaplic_write(a, AIA_APLIC_SOURCECFG + 4u * (s - 1u), mode_of[w->cfg.trigger]);
  (void)aia_vaplic_write(a, AIA_APLIC_TARGET + 4u * (s - 1u),
                         w->cfg.vcpu << AIA_APLIC_TARGET_HART_SHIFT | w->cfg.eiid);
  (void)aia_vaplic_write(a, AIA_APLIC_SETIENUM, s);
  uint32_t dc = 0;
  (void)aia_vaplic_read(a, AIA_APLIC_DOMAINCFG, &dc);
  (void)aia_vaplic_write(a, AIA_APLIC_DOMAINCFG, dc | AIA_APLIC_DOMAINCFG_IE);
}

int aia_wired_create(aia_kvm *kvm, const aia_wired_config *cfg, aia_wired **out)
{
  aia_wired_config c;
  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (kvm == NULL || cfg == NULL || cfg->struct_size < sizeof(size_t) + sizeof(void *))
    return AIA_EINVAL;
  aia_sim *sim = kvm->sim;
  aia_wired_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  if (c.vm == NULL || c.vm->kvm != kvm)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: vm missing or of another kvm");
  if (c.vm->aplic == NULL)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: vm %u has no in-kernel APLIC",
                         c.vm->index);
  if (c.source == 0 || c.source >= c.vm->aplic->nr_irqs)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: source %u: the APLIC has 1..%u",
                         c.source, c.vm->aplic->nr_irqs - 1u);
  if ((unsigned)c.trigger > AIA_TRIGGER_LEVEL_LOW)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: trigger %u: must be edge_rising, "
                         "edge_falling, level_high or level_low", (unsigned)c.trigger);
  if (c.vcpu >= c.vm->nvcpus)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: vcpu %u: the VM has %u", c.vcpu,
                         c.vm->nvcpus);
  if (c.eiid == 0)
    c.eiid = c.source;
  if (c.eiid > c.vm->ids || c.eiid > AIA_APLIC_TARGET_EIID_MASK)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: identity %u: must be 1..%u", c.eiid,
                         c.vm->ids);
  if (c.pattern != AIA_PATTERN_PERIODIC && c.pattern != AIA_PATTERN_POISSON &&
      c.pattern != AIA_PATTERN_BURST)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: pattern: periodic, poisson or burst");
  if (c.pattern != AIA_PATTERN_BURST && c.period == 0)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: period must be > 0");
  if (c.pattern == AIA_PATTERN_BURST &&
      (c.burst_count == 0 || c.burst_count > AIA_BURST_MAX || c.burst_every == 0))
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: burst count 1..%u and every > 0",
                         AIA_BURST_MAX);
  if (c.stop != 0 && c.start > c.stop)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: start is after stop");
  if (c.ack > UINT64_MAX / 4)
    return aia__sim_fail(sim, AIA_EINVAL, "wired device: ack must be below 2^62 cycles");
  aia_wired *w = calloc(1, sizeof *w);
  if (w == NULL)
    return AIA_ENOMEM;
  w->kvm = kvm;
  w->cfg = c;
  aia__ev_init(&w->ev, wired_fire);
  int rc = aia__sim_attach(sim, w, wired_free);
  if (rc != AIA_OK) {
    wired_free(w);
    return rc;
  }
  if ((rc = aia__vaplic_attach(c.vm->aplic, c.source, acked, w)) != AIA_OK)
    return rc;
  aia_sim_rng(sim, c.stream ? c.stream : 0x20000u + kvm->ndevices, &w->rng);
  kvm->ndevices++;
  if (c.program)
    program(w);
  if (!asserted(w)) /* an active-low wire is high while quiet */
    line(w, true);
  arm(w, c.pattern == AIA_PATTERN_BURST ? c.start : c.start + gap(w));
  *out = w;
  return AIA_OK;
}

int aia_wired_get_stats(const aia_wired *w, aia_wired_stats *st)
{
  if (w == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  aia_wired_stats s = w->st;
  s.struct_size = st->struct_size;
  memcpy(st, &s, st->struct_size < sizeof s ? st->struct_size : sizeof s);
  return AIA_OK;
}
