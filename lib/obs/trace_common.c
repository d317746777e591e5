/* lib/obs/trace_common.c: the parts both timeline writers need: the
 * configuration, the shape of the system, integer time conversion.
 * SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim_impl.h"
#include "obs/trace_impl.h"

void aia_trace_config_init(aia_trace_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
}

uint64_t aia__trace_gcd(uint64_t a, uint64_t b)
{
  while (b != 0) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* The full product of two 64-bit numbers, from four 32x32 partial products. */
static void mul_wide(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
  uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
  uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  *lo = (ll & 0xffffffffu) | (mid << 32);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t aia__trace_muldiv(uint64_t a, uint64_t b, uint64_t c)
{
  uint64_t hi, lo, q = 0, r;
  if (c == 0)
    return UINT64_MAX;
  if (a == 0 || b <= UINT64_MAX / a)
    return a * b / c;
  mul_wide(a, b, &hi, &lo);
  if (hi >= c)
    return UINT64_MAX; /* the quotient needs more than 64 bits */
  /* Restoring division of hi:lo by c, one bit at a time. r < c throughout;
   * a bit shifted out of r means the true remainder exceeds 2^64 > c. */
  r = hi;
  for (int i = 63; i >= 0; i--) {
    uint64_t out = r >> 63;
    r = (r << 1) | ((lo >> i) & 1u);
    q <<= 1;
    if (out || r >= c) {
      r -= c;
      q |= 1u;
    }
  }
  return q;
}

static void sys_clear(aia__trace_sys *s)
{
  free(s->vm_base);
  free(s->vcpus);
  free(s->thread_vcpu);
  free(s->scenario);
  memset(s, 0, sizeof *s);
}

void aia__trace_sys_free(aia__trace_sys *s)
{
  if (s != NULL)
    sys_clear(s);
}

/* The smallest struct_size accepted: up to and including `platform`. */
#define CFG_MIN_SIZE (offsetof(aia_trace_config, platform) + sizeof(aia_platform *))

int aia__trace_sys_init(aia__trace_sys *s, aia_sim *sim, const aia_trace_config *cfg)
{
  aia_trace_config c;
  aia_platform_config pc;
  uint64_t g;
  memset(s, 0, sizeof *s);
  if (!aia__sim_ok(sim) || cfg == NULL)
    return AIA_EINVAL;
  if (cfg->struct_size < CFG_MIN_SIZE)
    return aia__sim_fail(sim, AIA_EINVAL, "trace: config struct_size %zu too small",
                         cfg->struct_size);
  aia_trace_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  if (c.platform == NULL)
    return aia__sim_fail(sim, AIA_EINVAL, "trace: config.platform is required");
  if (aia_platform_sim(c.platform) != sim)
    return aia__sim_fail(sim, AIA_EINVAL, "trace: config.platform belongs to another sim");
  if (c.kvm != NULL && aia_kvm_sim(c.kvm) != sim)
    return aia__sim_fail(sim, AIA_EINVAL, "trace: config.kvm belongs to another sim");
  if (c.to != 0 && c.to <= c.from)
    return aia__sim_fail(sim, AIA_EINVAL,
                         "trace: window [%llu, %llu) is empty (to must be 0 or > from)",
                         (unsigned long long)c.from, (unsigned long long)c.to);

  aia_platform_get_config(c.platform, &pc);
  s->sim = sim;
  s->plat = c.platform;
  s->kvm = c.kvm;
  s->harts = pc.harts;
  s->geilen = pc.geilen;
  s->from = c.from;
  s->to = c.to;
  s->opened = aia_sim_now(sim);
  s->seed = c.has_seed ? c.seed : aia_sim_seed(sim);
  s->clock_hz = aia_sim_clock_hz(sim);
  g = aia__trace_gcd(UINT64_C(1000000000), s->clock_hz);
  s->ns_num = UINT64_C(1000000000) / g;
  s->ns_den = s->clock_hz / g;

  {
    const char *name = c.scenario ? c.scenario : "";
    size_t len = strlen(name);
    s->scenario = malloc(len + 1);
    if (s->scenario == NULL)
      goto nomem;
    memcpy(s->scenario, name, len + 1);
  }

  s->nvms = c.kvm ? aia_kvm_vm_count(c.kvm) : 0;
  s->vm_base = calloc((size_t)s->nvms + 1, sizeof *s->vm_base);
  if (s->vm_base == NULL)
    goto nomem;
  for (uint32_t i = 0; i < s->nvms; i++)
    s->vm_base[i + 1] = s->vm_base[i] + aia_vm_vcpus(aia_kvm_vm(c.kvm, i));
  s->nvcpus = s->vm_base[s->nvms];
  s->vcpus = calloc(s->nvcpus ? s->nvcpus : 1, sizeof *s->vcpus);
  if (s->vcpus == NULL)
    goto nomem;
  for (uint32_t i = 0; i < s->nvms; i++) {
    aia_vm *vm = aia_kvm_vm(c.kvm, i);
    for (uint32_t k = 0; k < aia_vm_vcpus(vm); k++) {
      aia_vcpu *v = aia_vm_vcpu(vm, k);
      uint32_t tid = aia_thread_id(aia_vcpu_thread(v));
      s->vcpus[s->vm_base[i] + k] = v;
      if (tid != AIA_NONE && tid + 1 > s->nthreads)
        s->nthreads = tid + 1;
    }
  }
  s->thread_vcpu = calloc(s->nthreads ? s->nthreads : 1, sizeof *s->thread_vcpu);
  if (s->thread_vcpu == NULL)
    goto nomem;
  for (uint32_t gi = 0; gi < s->nvcpus; gi++) {
    uint32_t tid = aia_thread_id(aia_vcpu_thread(s->vcpus[gi]));
    if (tid < s->nthreads)
      s->thread_vcpu[tid] = gi + 1;
  }
  return AIA_OK;

nomem:
  sys_clear(s);
  return AIA_ENOMEM;
}

uint32_t aia__trace_vcpu(const aia__trace_sys *s, uint32_t vm, uint32_t vcpu)
{
  if (vm >= s->nvms || vcpu >= s->vm_base[vm + 1] - s->vm_base[vm])
    return AIA_NONE;
  return s->vm_base[vm] + vcpu;
}

uint32_t aia__trace_thread_vcpu(const aia__trace_sys *s, uint32_t thread)
{
  if (thread >= s->nthreads || s->thread_vcpu[thread] == 0)
    return AIA_NONE;
  return s->thread_vcpu[thread] - 1;
}

void aia__trace_vcpu_name(const aia__trace_sys *s, uint32_t g, uint32_t *vm, uint32_t *vcpu)
{
  uint32_t i = 0;
  while (i + 1 < s->nvms && s->vm_base[i + 1] <= g)
    i++;
  *vm = i;
  *vcpu = g - s->vm_base[i];
}
