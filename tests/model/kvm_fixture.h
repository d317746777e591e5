/* tests/model/kvm_fixture.h: a whole system (sim, platform, host, kvm, one
 * VM) for the KVM model tests, plus simple guests and an event recorder. */
#ifndef KVM_FIXTURE_H
#define KVM_FIXTURE_H

#include <string.h>

#include "aia_test.h"

#define KF_MAX_REC 200000

typedef struct kf_rec {
  aia_event ev;
} kf_rec;

typedef struct kf {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_vm *vm;
  aia_platform_config pcfg;
  aia_host_config hcfg;
  aia_kvm_config kcfg;
  aia_vm_config vcfg;
  /* event log (grows as needed, up to KF_MAX_REC records) */
  aia_event *log;
  size_t nlog, caplog;
  uint64_t counts[64];
  /* guest behaviour per vCPU: 0 busy, 1 idle */
  int idle[16];
  uint32_t claims[16];
  uint32_t last_claim[16];
} kf;

static inline void kf_hook(void *user, const aia_event *ev)
{
  kf *f = user;
  if (ev->kind < 64)
    f->counts[ev->kind]++;
  if (f->nlog == f->caplog && f->caplog < KF_MAX_REC) {
    size_t c = f->caplog ? f->caplog * 2 : 4096;
    aia_event *n = realloc(f->log, (c < KF_MAX_REC ? c : KF_MAX_REC) * sizeof *n);
    if (n != NULL) {
      f->log = n;
      f->caplog = c < KF_MAX_REC ? c : KF_MAX_REC;
    }
  }
  if (f->nlog < f->caplog)
    f->log[f->nlog++] = *ev;
}

static inline aia_guest_action kf_next(void *user, aia_vcpu *v, aia_cycle now, aia_cycle *until)
{
  kf *f = user;
  (void)now;
  if (f->idle[aia_vcpu_index(v)])
    return AIA_GUEST_WFI;
  *until = UINT64_MAX;
  return AIA_GUEST_BUSY;
}

static inline void kf_claimed(void *user, aia_vcpu *v, uint32_t iid)
{
  kf *f = user;
  f->claims[aia_vcpu_index(v)]++;
  f->last_claim[aia_vcpu_index(v)] = iid;
}

/* Defaults: 2 harts, geilen 7, ids 63, no balancing, one VM with one vCPU. */
static inline void kf_defaults(kf *f)
{
  memset(f, 0, sizeof *f);
  aia_platform_config_init(&f->pcfg);
  f->pcfg.harts = 2;
  f->pcfg.geilen = 7;
  f->pcfg.ids = 63;
  aia_host_config_init(&f->hcfg);
  f->hcfg.balance_interval = 0;
  aia_kvm_config_init(&f->kcfg);
  aia_vm_config_init(&f->vcfg);
}

/* Builds everything; vCPUs are given the test guest and the IMSIC setup
 * (delivery on, threshold 0, identities 1..ids enabled) but not started. */
static inline void kf_build(kf *f, uint64_t seed)
{
  aia_guest_ops ops;
  f->log = NULL;
  f->nlog = f->caplog = 0;
  f->sim = aia_test_sim(seed);
  assert_aia_ok(f->sim, aia_sim_hook_add(f->sim, AIA_EV_ALL, kf_hook, f, NULL));
  assert_aia_ok(f->sim, aia_platform_create(f->sim, &f->pcfg, &f->plat));
  assert_aia_ok(f->sim, aia_host_create(f->sim, f->plat, &f->hcfg, &f->host));
  assert_aia_ok(f->sim, aia_kvm_create(f->sim, f->plat, f->host, &f->kcfg, &f->kvm));
  assert_aia_ok(f->sim, aia_vm_create(f->kvm, &f->vcfg, &f->vm));
  memset(&ops, 0, sizeof ops);
  ops.struct_size = sizeof ops;
  ops.next = kf_next;
  ops.claimed = kf_claimed;
  for (uint32_t i = 0; i < aia_vm_vcpus(f->vm); i++) {
    aia_vcpu *v = aia_vm_vcpu(f->vm, i);
    assert_aia_ok(f->sim, aia_vcpu_set_guest(v, &ops, f));
    assert_aia_ok(f->sim, aia_vcpu_guest_setup(v, 1, 0, 1, f->pcfg.ids));
  }
}

static inline void kf_free(kf *f)
{
  aia_sim_destroy(f->sim);
  free(f->log);
}

static inline aia_vcpu *kf_vcpu(kf *f, uint32_t i)
{
  return aia_vm_vcpu(f->vm, i);
}

static inline void kf_run_until(kf *f, aia_cycle t)
{
  assert_aia_ok(f->sim, aia_sim_run_until(f->sim, t));
}

/* Records of one kind after cycle `from`, optionally for one hart. */
static inline uint64_t kf_count(const kf *f, uint32_t kind, aia_cycle from, uint32_t hart)
{
  uint64_t n = 0;
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == kind && f->log[i].cycle >= from && (hart == AIA_NONE || f->log[i].hart == hart))
      n++;
  return n;
}

/* Records of one kind with a given arg after cycle `from`. */
static inline uint64_t kf_count_arg(const kf *f, uint32_t kind, aia_cycle from, uint64_t arg)
{
  uint64_t n = 0;
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == kind && f->log[i].cycle >= from && f->log[i].arg == arg)
      n++;
  return n;
}

/* First record of a kind at or after `from` (NULL if none). */
static inline const aia_event *kf_first(const kf *f, uint32_t kind, aia_cycle from)
{
  for (size_t i = 0; i < f->nlog; i++)
    if (f->log[i].kind == kind && f->log[i].cycle >= from)
      return &f->log[i];
  return NULL;
}

/* Prints the log between two cycles (debugging aid on failure). */
static inline void kf_dump(const kf *f, aia_cycle from, aia_cycle to)
{
  for (size_t i = 0; i < f->nlog; i++) {
    const aia_event *e = &f->log[i];
    if (e->cycle < from || e->cycle > to)
      continue;
    fprintf(stderr, "%10llu %-15s hart %-3d vcpu %-3d file %-3d iid %-4u msi %-3llu arg %llu\n",
            (unsigned long long)e->cycle, aia_event_kind_name(e->kind), (int)e->hart,
            (int)e->vcpu, (int)e->file, e->iid, (unsigned long long)e->msi,
            (unsigned long long)e->arg);
  }
}

#endif /* KVM_FIXTURE_H */
