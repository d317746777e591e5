/* lib/obs/trace_impl.h: what the Chrome and VCD writers share: the shape of
 * the traced system, the copied configuration, integer time conversion.
 * SPDX-License-Identifier: MIT */
#ifndef AIA__TRACE_IMPL_H
#define AIA__TRACE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "aiasim/trace.h"

typedef struct aia__trace_sys {
  aia_sim *sim;
  aia_platform *plat;
  const aia_kvm *kvm;       /* may be NULL */
  uint32_t harts, geilen;
  uint32_t nvms;
  uint32_t *vm_base;        /* nvms + 1 entries: VM i owns global vCPUs [vm_base[i], vm_base[i+1]) */
  uint32_t nvcpus;
  aia_vcpu **vcpus;         /* global vCPU index -> vCPU */
  uint32_t *thread_vcpu;    /* thread id -> global vCPU index + 1; 0 = not a vCPU thread */
  uint32_t nthreads;        /* entries of thread_vcpu */
  aia_cycle from, to;       /* to == 0: no end */
  aia_cycle opened;         /* cycle of open */
  uint64_t seed;
  uint64_t clock_hz;
  char *scenario;           /* never NULL after init */
  uint64_t ns_num, ns_den;  /* ns = cycle * ns_num / ns_den (reduced) */
} aia__trace_sys;

/* Validates cfg against sim and fills s (allocates). AIA_EINVAL with
 * aia_sim_errmsg() set, AIA_ENOMEM. On failure s holds nothing to free. */
int aia__trace_sys_init(aia__trace_sys *s, aia_sim *sim, const aia_trace_config *cfg);
void aia__trace_sys_free(aia__trace_sys *s);

/* Global vCPU index of (vm, vcpu), or AIA_NONE if unknown. */
uint32_t aia__trace_vcpu(const aia__trace_sys *s, uint32_t vm, uint32_t vcpu);

/* Global vCPU index of a host thread, or AIA_NONE if it runs no vCPU. */
uint32_t aia__trace_thread_vcpu(const aia__trace_sys *s, uint32_t thread);

/* (vm, vcpu) of a global vCPU index. */
void aia__trace_vcpu_name(const aia__trace_sys *s, uint32_t g, uint32_t *vm, uint32_t *vcpu);

/* floor(a * b / c) for c != 0, exact over the full 128-bit product;
 * UINT64_MAX if the result does not fit. */
uint64_t aia__trace_muldiv(uint64_t a, uint64_t b, uint64_t c);

uint64_t aia__trace_gcd(uint64_t a, uint64_t b);

/* Nanoseconds of a cycle, rounded down. */
/* The cycle a trace closes at: the sim's current cycle, clipped to the
 * window's end when the window has one. */
static inline aia_cycle aia__trace_end(const aia__trace_sys *s)
{
  aia_cycle end = aia_sim_now(s->sim);
  return (s->to != 0 && end > s->to) ? s->to : end;
}

static inline uint64_t aia__trace_ns(const aia__trace_sys *s, aia_cycle c)
{
  return aia__trace_muldiv(c, s->ns_num, s->ns_den);
}

#endif /* AIA__TRACE_IMPL_H */
