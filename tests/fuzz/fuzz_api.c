/* tests/fuzz/fuzz_api.c: random public-API call sequences on a small
 * simulated system.
 *
 * The first bytes of the input build the system: a platform of 2 or 3
 * harts (0..3 guest files each, 63 or 127 identities, RV32 or RV64), a host
 * scheduler, KVM (era, policy, fault switches: any value, invalid ones
 * included, which must be refused), 1 or 2 VMs of 1..3 vCPUs with built-in
 * guests, up to two MSI sources, an optional noise thread and an optional
 * meter with its oracle. The rest is a program of API calls: start vCPUs;
 * inject through KVM (valid and invalid identities, guest indices and
 * offsets) and directly; MMIO writes and reads at any address and size;
 * hgeie, VGEIN, hvip and ie writes under the hypervisor's feet; CSR
 * accesses to any file; forced migration and preemption; affinity changes;
 * guest SEIE, timer and IMSIC set-up; more VMs and sources; IPIs; policy
 * and latency changes; short runs of the clock, single steps; and destroy.
 *
 * What must hold (else abort()):
 *  - every call returns AIA_OK or a known negative status, and never crashes
 *    (the sanitizers watch memory and undefined behaviour, LeakSanitizer the
 *    final aia_sim_destroy);
 *  - the clock never goes back; aia_sim_run_until() succeeds and stops at
 *    its limit; the next event is never in the past;
 *  - after each run: every vCPU state, vcpu->mode and thread state is a value
 *    of its enum, harts and guest-file numbers are in range, each hart's
 *    current thread is RUNNING on that hart, hgeip and hgeie have no bit
 *    outside geilen:1;
 *  - every record has a known kind, the current cycle, cycles that never go
 *    back, and a hart in range.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "aiasim/aiasim.h"

#define MAX_VMS 4u
#define MAX_VCPUS 12u
#define MAX_DEVICES 4u
#define MAX_OPS 512u
#define RECENT 24u

typedef struct sys {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_meter *meter;
  aia_vm *vm[MAX_VMS];
  uint32_t nvm;
  aia_vcpu *vcpu[MAX_VCPUS];
  uint32_t nvcpu;
  aia_device *dev[MAX_DEVICES];
  uint32_t ndev;
  uint32_t harts, geilen, ids, xlen;
  aia_cycle last_now;     /* clock at the previous check */
  aia_cycle last_record;  /* cycle of the previous record */
  uint64_t records;
  bool idle_exit_zero; /* idle_exit set to 0 (see run_for) */
  bool stalled;        /* the engine's zero-delay guard stopped the clock */
  aia_event recent[RECENT]; /* the last records, printed when a run fails */
} sys;

/* FUZZ_VERBOSE=1 in the environment: one line per call (for reading a
 * finding; never set while fuzzing). */
static int verbose = -1;

/* --------------------------------------------------------- checks -- */

static void check_status(const sys *s, int rc, const char *call)
{
  FZ_CHECK(rc <= 0 && strcmp(aia_status_name(rc), "AIA_UNKNOWN") != 0,
           "%s returned %d, not a status (%s)", call, rc, aia_sim_errmsg(s->sim));
}

static void on_record(void *user, const aia_event *ev)
{
  sys *s = user;
  aia_cycle now = aia_sim_now(s->sim);
  FZ_CHECK(ev->kind < AIA_EV_KIND_COUNT_, "record of unknown kind %u", ev->kind);
  FZ_CHECK(ev->cycle == now, "record %s at cycle %" PRIu64 ", clock %" PRIu64,
           aia_event_kind_name(ev->kind), ev->cycle, now);
  FZ_CHECK(ev->cycle >= s->last_record, "record %s at %" PRIu64 " after one at %" PRIu64,
           aia_event_kind_name(ev->kind), ev->cycle, s->last_record);
  FZ_CHECK(ev->hart == AIA_NONE || ev->hart < s->harts, "record %s names hart %u of %u",
           aia_event_kind_name(ev->kind), ev->hart, s->harts);
  if (ev->kind == AIA_EV_VCPU_STATE)
    FZ_CHECK(ev->arg < AIA_VCPU_STATE_COUNT_, "vcpu state record with state %" PRIu64, ev->arg);
  s->last_record = ev->cycle;
  s->recent[s->records % RECENT] = *ev;
  s->records++;
}

/* The last records before a failed run (the most useful part of a report). */
static void dump_recent(const sys *s)
{
  uint64_t n = s->records < RECENT ? s->records : RECENT;
  fprintf(stderr, "fuzz: the last %" PRIu64 " of %" PRIu64 " records:\n", n, s->records);
  for (uint64_t i = s->records - n; i < s->records; i++) {
    const aia_event *e = &s->recent[i % RECENT];
    fprintf(stderr, "  %" PRIu64 " %-14s hart %d vm %d vcpu %d file %d iid %u arg %" PRIu64 "\n",
            e->cycle, aia_event_kind_name(e->kind), (int)e->hart, (int)e->vm, (int)e->vcpu,
            (int)e->file, e->iid, e->arg);
  }
  for (uint32_t h = 0; h < s->harts; h++) {
    uint64_t hgeie = 0;
    aia_thread *cur = aia_host_current(s->host, h);
    (void)aia_hart_hgeie(s->plat, h, AIA_CSR_READ, 0, &hgeie);
    fprintf(stderr,
            "  hart %u: mip 0x%" PRIx64 " ie 0x%" PRIx64 " hgeip 0x%" PRIx64 " hgeie 0x%" PRIx64
            " vgein %u virt %d idle %d hs_irq %u current %d queued %u\n",
            h, aia_hart_mip(s->plat, h), aia_hart_ie(s->plat, h), aia_hart_hgeip(s->plat, h),
            hgeie, aia_hart_vgein(s->plat, h), aia_hart_virt(s->plat, h),
            aia_hart_is_idle(s->plat, h), aia_hart_hs_irq(s->plat, h),
            cur ? (int)aia_thread_id(cur) : -1, aia_host_queue_len(s->host, h));
  }
  for (uint32_t i = 0; i < s->nvcpu; i++)
    fprintf(stderr, "  vcpu %u (vm %u): state %u thread %u on hart %u, VS-file %d/%u\n", i,
            aia_vm_index(aia_vcpu_vm(s->vcpu[i])), (unsigned)aia_vcpu_get_state(s->vcpu[i]),
            (unsigned)aia_thread_get_state(aia_vcpu_thread(s->vcpu[i])),
            aia_thread_hart(aia_vcpu_thread(s->vcpu[i])), aia_vcpu_vsfile_hart(s->vcpu[i]),
            aia_vcpu_vsfile_hgei(s->vcpu[i]));
}

static void check_clock(sys *s)
{
  aia_cycle now = aia_sim_now(s->sim), next = 0;
  int rc;
  FZ_CHECK(now >= s->last_now, "clock went back from %" PRIu64 " to %" PRIu64, s->last_now, now);
  s->last_now = now;
  rc = aia_sim_next_event_cycle(s->sim, &next);
  FZ_CHECK(rc == AIA_OK || rc == AIA_ENOENT, "next_event_cycle -> %s", aia_status_name(rc));
  if (rc == AIA_OK)
    FZ_CHECK(next >= now, "next event at %" PRIu64 ", clock %" PRIu64, next, now);
}

static void check_state(sys *s)
{
  uint64_t geimask = ((UINT64_C(1) << (s->geilen + 1)) - 1) & ~UINT64_C(1);
  check_clock(s);
  for (uint32_t i = 0; i < s->nvcpu; i++) {
    aia_vcpu *v = s->vcpu[i];
    aia_thread *t = aia_vcpu_thread(v);
    aia_vcpu_state st = aia_vcpu_get_state(v);
    aia_vcpu_mode md = aia_vcpu_get_mode(v);
    int32_t vh = aia_vcpu_vsfile_hart(v);
    uint32_t hgei = aia_vcpu_vsfile_hgei(v);
    FZ_CHECK((unsigned)st < AIA_VCPU_STATE_COUNT_, "vcpu %u: state %u", i, (unsigned)st);
    FZ_CHECK((unsigned)md <= AIA_MODE_EXITING_GUEST, "vcpu %u: mode %u", i, (unsigned)md);
    FZ_CHECK(t != NULL, "vcpu %u: no thread", i);
    FZ_CHECK((unsigned)aia_thread_get_state(t) <= AIA_THREAD_RUNNING, "vcpu %u: thread state %u",
             i, (unsigned)aia_thread_get_state(t));
    FZ_CHECK(aia_thread_hart(t) < s->harts, "vcpu %u: thread on hart %u", i, aia_thread_hart(t));
    FZ_CHECK(vh >= -1 && vh < (int32_t)s->harts, "vcpu %u: VS-file on hart %d", i, vh);
    FZ_CHECK(vh < 0 ? hgei == 0 : (hgei >= 1 && hgei <= s->geilen),
             "vcpu %u: VS-file %d/%u (geilen %u)", i, vh, hgei, s->geilen);
  }
  for (uint32_t id = 0; id < aia_host_thread_count(s->host); id++) {
    aia_thread *t = aia_host_thread(s->host, id);
    FZ_CHECK(t != NULL, "thread %u missing", id);
    FZ_CHECK((unsigned)aia_thread_get_state(t) <= AIA_THREAD_RUNNING, "thread %u: state %u", id,
             (unsigned)aia_thread_get_state(t));
  }
  for (uint32_t h = 0; h < s->harts; h++) {
    aia_thread *cur = aia_host_current(s->host, h);
    if (cur != NULL) {
      FZ_CHECK(aia_thread_get_state(cur) == AIA_THREAD_RUNNING,
               "hart %u: current thread %u is in state %u", h, aia_thread_id(cur),
               (unsigned)aia_thread_get_state(cur));
      FZ_CHECK(aia_thread_hart(cur) == h, "hart %u: current thread %u says hart %u", h,
               aia_thread_id(cur), aia_thread_hart(cur));
    }
    FZ_CHECK((aia_hart_hgeip(s->plat, h) & ~geimask) == 0, "hart %u: hgeip 0x%" PRIx64, h,
             aia_hart_hgeip(s->plat, h));
    uint64_t hgeie = 0;
    FZ_CHECK(aia_hart_hgeie(s->plat, h, AIA_CSR_READ, 0, &hgeie) == AIA_OK, "hgeie read");
    FZ_CHECK((hgeie & ~geimask) == 0, "hart %u: hgeie 0x%" PRIx64, h, hgeie);
  }
}

static void run_for(sys *s, aia_cycle step)
{
  aia_cycle limit = aia_sim_now(s->sim) + step;
  int rc;
  if (limit < step || s->stalled) { /* end of time, or a stalled clock: nothing to run */
    check_state(s);
    return;
  }
  rc = aia_sim_run_until(s->sim, limit);
  /* With idle_exit 0 a hart whose WFI is ended by an enabled interrupt that
   * no modelled software clears (e.g. hvip bits the program set, with hie
   * enabling them) wakes and idles again within one cycle for ever: the
   * engine's zero-delay guard stops it with AIA_ERANGE. That is the
   * documented outcome, not a bug; the program stops running the clock. */
  if (rc == AIA_ERANGE && s->idle_exit_zero && strstr(aia_sim_errmsg(s->sim), "zero-delay")) {
    s->stalled = true;
    check_state(s);
    return;
  }
  if (rc != AIA_OK || aia_sim_now(s->sim) != limit)
    dump_recent(s);
  if (verbose)
    fprintf(stderr, "%" PRIu64 ": run_until(%" PRIu64 ") -> %s, %" PRIu64 " records so far\n",
            aia_sim_now(s->sim), limit, aia_status_name(rc), s->records);
  FZ_CHECK(rc == AIA_OK, "run_until(%" PRIu64 ") -> %s: %s", limit, aia_status_name(rc),
           aia_sim_errmsg(s->sim));
  FZ_CHECK(aia_sim_now(s->sim) == limit, "run_until(%" PRIu64 ") stopped at %" PRIu64 " (%s)",
           limit, aia_sim_now(s->sim), aia_sim_errmsg(s->sim));
  check_state(s);
}

/* --------------------------------------------------------- operands -- */

static aia_vcpu *pick_vcpu(sys *s, fz_in *in)
{
  uint8_t b = fz_u8(in);
  if (b == 0xFF || s->nvcpu == 0)
    return NULL; /* every call must refuse a NULL vCPU */
  return s->vcpu[b % s->nvcpu];
}

static aia_thread *pick_thread(sys *s, fz_in *in)
{
  uint32_t n = aia_host_thread_count(s->host);
  uint8_t b = fz_u8(in);
  return n ? aia_host_thread(s->host, b % n) : NULL;
}

/* A hart number: mostly valid, sometimes just past the end or huge. */
static uint32_t pick_hart(sys *s, fz_in *in)
{
  uint8_t b = fz_u8(in);
  if (b < 0xF0)
    return b % s->harts;
  return b == 0xFF ? UINT32_MAX : s->harts + (b & 3u);
}

static uint32_t gen_iid(sys *s, fz_in *in)
{
  uint8_t k = fz_u8(in);
  switch (k & 3u) {
  case 0:
  case 1:
    return 1u + (uint32_t)(k >> 2) % s->ids; /* valid for VMs with the platform's ids */
  case 2:
    return (s->ids & ~63u) + (k >> 2); /* around 63 / 127 */
  default:
    return k >> 2 ? fz_u32(in) : 0u;
  }
}

/* A cycle near now: now .. now+, the far future, or (rarely) the past. */
static aia_cycle gen_when(sys *s, fz_in *in)
{
  aia_cycle now = aia_sim_now(s->sim);
  uint8_t b = fz_u8(in);
  if (b == 0xFF)
    return now > 0 ? now - 1 : 0;
  if (b == 0xFE)
    return UINT64_MAX;
  return now + (aia_cycle)b * 97u;
}

static aia_csr_op gen_op(fz_in *in)
{
  uint8_t b = fz_u8(in);
  return (aia_csr_op)(b < 0xF8 ? (b & 3u) : 4u + (b & 7u));
}

/* A physical address near the IMSIC pages, or anywhere. */
static uint64_t gen_pa(sys *s, fz_in *in)
{
  aia_platform_config pc;
  uint8_t b = fz_u8(in);
  aia_platform_get_config(s->plat, &pc);
  switch (b & 3u) {
  case 0:
  case 1: {
    uint32_t hart = fz_u8(in) % (s->harts + 1u), file = fz_u8(in) % (s->geilen + 2u);
    uint32_t off = (b & 4u) ? (uint32_t)(fz_u16(in) % AIA_MMIO_PAGE) : ((b >> 3) & 1u) * 4u;
    return pc.imsic_base + (uint64_t)hart * pc.hart_stride + (uint64_t)file * AIA_MMIO_PAGE + off;
  }
  case 2:
    return pc.imsic_base - 4u + (b >> 2);
  default:
    return fz_u64(in);
  }
}

/* --------------------------------------------------------- building -- */

static void attach_guest(sys *s, aia_vcpu *v, uint32_t vm_ids, fz_in *in)
{
  aia_guest_config gc;
  uint8_t b = fz_u8(in);
  int rc;
  aia_guest_config_init(&gc);
  gc.behaviour = (aia_behaviour)(b & 3u); /* 3: not a behaviour, refused */
  gc.tick = (b & 4u) ? 20000u : 0u;
  if (b & 8u) { /* extreme duty periods */
    gc.duty_busy = fz_value(in);
    gc.duty_idle = fz_value(in);
  } else {
    gc.duty_busy = 4000u + 1000u * ((b >> 4) & 3u);
    gc.duty_idle = 9000u;
  }
  aia_cycle from = (b & 0x40u) ? gen_when(s, in) : 0;
  aia_cycle to = (b & 0x40u) ? from + fz_u16(in) : 0;
  const aia_cycle mask[1][2] = { { from, to } };
  if (b & 0x40u) {
    gc.mask_seie = mask;
    gc.nmask_seie = 1;
  }
  rc = aia_guest_attach(s->sim, v, &gc);
  check_status(s, rc, "aia_guest_attach");
  if (rc != AIA_OK) { /* fall back to an idle guest so the vCPU can run */
    aia_guest_config_init(&gc);
    rc = aia_guest_attach(s->sim, v, &gc);
    FZ_CHECK(rc == AIA_OK, "aia_guest_attach(idle) -> %s", aia_status_name(rc));
  }
  /* The guest driver's probe: delivery on, every identity enabled. */
  rc = aia_vcpu_guest_setup(v, 1, 0, 1, vm_ids);
  FZ_CHECK(rc == AIA_OK, "aia_vcpu_guest_setup(1, 0, 1, %u) -> %s", vm_ids, aia_status_name(rc));
}

static void add_vm(sys *s, fz_in *in)
{
  aia_vm_config vc;
  aia_vm *vm = NULL;
  uint32_t aff[2];
  uint8_t b = fz_u8(in);
  int rc;
  if (s->nvm >= MAX_VMS)
    return;
  aia_vm_config_init(&vc);
  vc.vcpus = 1u + (b & 3u) % 3u;
  if (s->nvcpu + vc.vcpus > MAX_VCPUS)
    return;
  vc.mode = (aia_mode)((b >> 2) & 3u); /* 3: not a mode, refused */
  vc.ids = (b & 0x10u) ? 63u : 0u;
  if (b & 0x20u) {
    aff[0] = pick_hart(s, in);
    aff[1] = pick_hart(s, in);
    vc.affinity = aff;
    vc.naffinity = 1u + ((b >> 6) & 1u);
  }
  rc = aia_vm_create(s->kvm, &vc, &vm);
  check_status(s, rc, "aia_vm_create");
  if (rc != AIA_OK) {
    FZ_CHECK(vm == NULL, "aia_vm_create failed but returned a VM");
    return;
  }
  s->vm[s->nvm++] = vm;
  for (uint32_t i = 0; i < aia_vm_vcpus(vm); i++) {
    aia_vcpu *v = aia_vm_vcpu(vm, i);
    s->vcpu[s->nvcpu++] = v;
    attach_guest(s, v, vc.ids ? vc.ids : s->ids, in);
  }
}

static void add_device(sys *s, fz_in *in)
{
  aia_device_config dc;
  aia_device *d = NULL;
  aia_msi_at list[3];
  uint32_t iids[2], targets[2];
  uint8_t b = fz_u8(in), b2 = fz_u8(in);
  int rc;
  if (s->ndev >= MAX_DEVICES || s->nvm == 0)
    return;
  aia_device_config_init(&dc);
  dc.vm = s->vm[b2 % s->nvm];
  dc.pattern = (aia_pattern)(b & 3u);
  dc.path = (aia_msi_path)((b >> 2) & 1u);
  dc.random_target = (b >> 3) & 1u;
  dc.period = 2000u * (1u + fz_u8(in));
  dc.burst_count = 1u + (b2 >> 5);
  dc.burst_every = 20000u;
  dc.start = aia_sim_now(s->sim);
  if (b & 0x10u) {
    iids[0] = gen_iid(s, in);
    iids[1] = gen_iid(s, in);
    dc.iids = iids;
    dc.niids = 2;
  }
  if (b & 0x20u) {
    targets[0] = fz_u8(in) % 4u;
    targets[1] = fz_u8(in) % 4u;
    dc.vcpus = targets;
    dc.nvcpus = 1u + ((b >> 6) & 1u);
  }
  if (dc.pattern == AIA_PATTERN_LIST) {
    for (uint32_t i = 0; i < 3; i++) {
      list[i].at = gen_when(s, in);
      list[i].vcpu = fz_u8(in) % 4u;
      list[i].iid = gen_iid(s, in);
    }
    dc.list = list;
    dc.nlist = 1u + (b2 & 1u) + ((b2 >> 1) & 1u);
  }
  rc = aia_device_create(s->kvm, &dc, &d);
  check_status(s, rc, "aia_device_create");
  if (rc == AIA_OK)
    s->dev[s->ndev++] = d;
  else
    FZ_CHECK(d == NULL, "aia_device_create failed but returned a device");
}

/* Builds the system from the input's header; -1 if the header asks for a
 * configuration that is refused (that refusal is itself checked). */
static int build(sys *s, fz_in *in)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  uint8_t b0 = fz_u8(in), b1 = fz_u8(in), b2 = fz_u8(in), b3 = fz_u8(in);
  int rc;

  aia_sim_config_init(&sc);
  sc.seed = 1u + (b3 >> 4);
  sc.max_events_per_cycle = 100000u;
  if (aia_sim_create(&sc, &s->sim) != AIA_OK)
    return -1;
  FZ_CHECK(aia_sim_hook_add(s->sim, AIA_EV_ALL, on_record, s, NULL) == AIA_OK, "hook_add");

  aia_platform_config_init(&pc);
  s->harts = pc.harts = 2u + (b0 & 1u);
  s->geilen = pc.geilen = (b0 >> 1) & 3u;
  s->ids = pc.ids = (b0 & 0x08u) ? 127u : 63u;
  s->xlen = pc.xlen = (b0 & 0x10u) ? 32u : 64u;
  pc.s_aplic_mode = (b0 & 0x20u) != 0;
  pc.msi_write = 40u;
  pc.line_to_hart = 10u;
  pc.ipi_deliver = 300u;
  pc.idle_exit = 200u;
  if (b0 & 0x40u) {
    pc.jitter_msi_write.kind = AIA_JITTER_UNIFORM;
    pc.jitter_msi_write.amount = 100u;
    pc.jitter_ipi_deliver.kind = AIA_JITTER_EXP;
    pc.jitter_ipi_deliver.amount = 200u;
  }
  rc = aia_platform_create(s->sim, &pc, &s->plat);
  FZ_CHECK(rc == AIA_OK, "platform create -> %s: %s", aia_status_name(rc), aia_sim_errmsg(s->sim));

  aia_host_config_init(&hc);
  hc.slice = 10000u * (1u + (b3 & 7u));
  hc.wakeup_granularity = hc.slice / 3u;
  hc.ctx_switch = 500u;
  hc.balance_interval = (b3 & 8u) ? 40000u : 0u;
  /* Every scheduler, with a fast tick and short requests so that the fair
   * class preempts, balances and delays dequeues within a short input. */
  hc.scheduler = (uint32_t)((b3 >> 4) % 3u);
  hc.hz = (b2 & 0x80u) ? 100000u : 10000u;
  hc.base_slice = 20000u;
  hc.sched_latency = 60000u;
  hc.min_granularity = 7500u;
  hc.migration_cost = (b2 & 0x40u) ? 0u : 5000u;
  if (b0 & 0x80u)
    hc.features &= ~(AIA_SCHED_F_DELAY_DEQUEUE | AIA_SCHED_F_TTWU_QUEUE);
  rc = aia_host_create(s->sim, s->plat, &hc, &s->host);
  FZ_CHECK(rc == AIA_OK, "host create -> %s: %s", aia_status_name(rc), aia_sim_errmsg(s->sim));

  aia_kvm_config_init(&kc);
  kc.era = (aia_era)(b1 & 3u);               /* 3: not an era */
  kc.policy = (aia_policy)((b1 >> 2) & 3u);  /* 3: not a policy */
  kc.faults = b2 & 0x3Fu;                    /* bit 5: not a fault */
  kc.injector_hart = (b1 & 0x10u) ? 1u : 0u;
  kc.timing.halt_poll_max = (b1 & 0x20u) ? 30000u : 0u;
  kc.timing.wfi_timeout = (b1 & 0x40u) ? 3000u : 0u;
  if (b1 & 0x80u) {
    kc.jitter[AIA_KVM_JITTER_INDEX(vm_exit)].kind = AIA_JITTER_UNIFORM;
    kc.jitter[AIA_KVM_JITTER_INDEX(vm_exit)].amount = 500u;
    kc.jitter[AIA_KVM_JITTER_INDEX(inject)].kind = AIA_JITTER_EXP;
    kc.jitter[AIA_KVM_JITTER_INDEX(inject)].amount = 300u;
  }
  rc = aia_kvm_create(s->sim, s->plat, s->host, &kc, &s->kvm);
  check_status(s, rc, "aia_kvm_create");
  if (rc != AIA_OK) {
    FZ_CHECK(s->kvm == NULL, "aia_kvm_create failed but returned a handle");
    FZ_CHECK((b1 & 3u) == 3u || ((b1 >> 2) & 3u) == 3u || (b2 & 0x20u),
             "aia_kvm_create refused a valid configuration: %s", aia_sim_errmsg(s->sim));
    return -1;
  }

  add_vm(s, in);
  if (b2 & 0x40u)
    add_vm(s, in);
  if (s->nvm == 0)
    return -1;
  for (uint32_t i = 0; i < ((b3 >> 4) & 3u) && i < 2u; i++)
    add_device(s, in);
  if (b2 & 0x80u) {
    aia_noise_config nc;
    aia_thread *t = NULL;
    aia_noise_config_init(&nc);
    nc.busy = 15000u;
    nc.idle = 25000u;
    nc.dist = fz_u8(in) % 4u; /* 3: not a distribution */
    rc = aia_noise_create(s->host, &nc, &t);
    check_status(s, rc, "aia_noise_create");
  }
  if (b3 & 0x40u) {
    aia_meter_config mc;
    aia_meter_config_init(&mc);
    mc.wake_bound = 2000000u;
    rc = aia_meter_create(s->kvm, &mc, &s->meter);
    FZ_CHECK(rc == AIA_OK, "meter create -> %s", aia_status_name(rc));
  }
  return 0;
}

/* --------------------------------------------------------- program -- */

/* One API call chosen by the input. Returns false for "destroy". */
static bool step(sys *s, fz_in *in)
{
  uint8_t opc = fz_u8(in);
  int rc = AIA_OK;
  const char *call = "?";
  switch (opc % 28u) {
  case 0: {
    aia_vcpu *v = pick_vcpu(s, in);
    call = "aia_vcpu_start";
    rc = aia_vcpu_start(v, gen_when(s, in));
    break;
  }
  case 1:
  case 2: {
    aia_vcpu *v = pick_vcpu(s, in);
    uint8_t b = fz_u8(in);
    uint32_t gi = b < 0xF0 ? 0u : b & 0xFu;
    uint32_t off = (b & 1u) ? AIA_MMIO_SETEIPNUM_BE : AIA_MMIO_SETEIPNUM_LE;
    uint32_t iid = gen_iid(s, in);
    if ((b & 6u) == 6u)
      off = fz_u16(in);
    if (off == AIA_MMIO_SETEIPNUM_BE && !(b & 8u))
      iid = (iid >> 24) | ((iid >> 8) & 0xFF00u) | ((iid << 8) & 0xFF0000u) | (iid << 24);
    call = "aia_kvm_inject";
    rc = aia_kvm_inject(s->kvm, v, gi, off, iid, 1000u + opc);
    break;
  }
  case 3: {
    aia_vcpu *v = pick_vcpu(s, in);
    call = "aia_kvm_inject_direct";
    rc = aia_kvm_inject_direct(s->kvm, v, gen_iid(s, in), 2000u);
    break;
  }
  case 4: {
    aia_vcpu *v = pick_vcpu(s, in);
    uint8_t b = fz_u8(in);
    uint64_t msi = 0;
    call = "aia_workload_send";
    rc = aia_workload_send(s->kvm, v, gen_iid(s, in), (aia_msi_path)(b & 1u), &msi);
    break;
  }
  case 5: {
    uint64_t pa = gen_pa(s, in);
    uint8_t b = fz_u8(in);
    uint32_t size = b < 0xC0 ? 4u : b & 15u;
    call = "aia_mmio_write";
    rc = aia_mmio_write(s->plat, pa, size, gen_iid(s, in), 3000u);
    break;
  }
  case 6: {
    uint64_t pa = gen_pa(s, in);
    uint32_t val = 0x5A5A5A5Au;
    call = "aia_mmio_read";
    rc = aia_mmio_read(s->plat, pa, fz_u8(in) & 15u, &val);
    if (rc == AIA_OK)
      FZ_CHECK(val == 0, "MMIO read at 0x%" PRIx64 " gave 0x%x", pa, val);
    break;
  }
  case 7: {
    uint32_t h = pick_hart(s, in);
    aia_csr_op op = gen_op(in);
    uint64_t old = 0;
    call = "aia_hart_hgeie";
    rc = aia_hart_hgeie(s->plat, h, op, fz_value(in), &old);
    break;
  }
  case 8: {
    uint32_t h = pick_hart(s, in);
    call = "aia_hart_set_vgein";
    rc = aia_hart_set_vgein(s->plat, h, fz_u8(in) % (s->geilen + 3u));
    break;
  }
  case 9: {
    uint32_t h = pick_hart(s, in);
    call = "aia_hart_set_hvip";
    rc = aia_hart_set_hvip(s->plat, h, fz_value(in));
    break;
  }
  case 10: {
    uint32_t h = pick_hart(s, in);
    call = "aia_hart_set_ie";
    rc = aia_hart_set_ie(s->plat, h, fz_value(in));
    break;
  }
  case 11: {
    aia_thread *t = pick_thread(s, in);
    uint32_t h = pick_hart(s, in);
    call = "aia_host_force_migrate";
    rc = aia_host_force_migrate(s->host, t, h, gen_when(s, in));
    break;
  }
  case 12: {
    uint32_t h = pick_hart(s, in);
    call = "aia_host_force_preempt";
    rc = aia_host_force_preempt(s->host, h, gen_when(s, in));
    break;
  }
  case 13: {
    aia_thread *t = pick_thread(s, in);
    uint8_t b = fz_u8(in);
    uint64_t mask = b >> 3;
    call = "aia_thread_set_affinity";
    rc = aia_thread_set_affinity(t, (b & 1u) ? NULL : &mask, (b >> 1) & 3u ? (b >> 1) & 3u : 64u);
    break;
  }
  case 14: {
    aia_vcpu *v = pick_vcpu(s, in);
    call = "aia_vcpu_guest_set_seie";
    rc = aia_vcpu_guest_set_seie(v, fz_u8(in) & 1u);
    break;
  }
  case 15: {
    aia_vcpu *v = pick_vcpu(s, in);
    uint8_t b = fz_u8(in);
    call = "aia_vcpu_set_timer";
    rc = aia_vcpu_set_timer(v, b == 0 ? 0 : gen_when(s, in));
    break;
  }
  case 16:
  case 17:
  case 18: {
    uint8_t b = fz_u8(in);
    run_for(s, b == 0xFF ? 500000u : (aia_cycle)(b + 1u) * 311u);
    return true;
  }
  case 19: {
    aia_cycle when = 0;
    call = "aia_sim_next_event_cycle";
    rc = aia_sim_next_event_cycle(s->sim, &when);
    break;
  }
  case 20:
    call = "aia_vm_create";
    add_vm(s, in);
    break;
  case 21:
    call = "aia_device_create";
    add_device(s, in);
    break;
  case 22: {
    aia_vcpu *v = pick_vcpu(s, in);
    uint8_t b = fz_u8(in);
    /* Operands are read one statement at a time: the order in which a
     * call's arguments are evaluated is unspecified, and the corpus must
     * mean the same thing to every compiler. */
    switch (b & 3u) {
    case 0: {
      uint32_t deliv = fz_u8(in) % 3u;
      uint32_t thr = gen_iid(s, in);
      uint32_t lo = gen_iid(s, in);
      uint32_t hi = gen_iid(s, in);
      call = "aia_vcpu_guest_setup";
      rc = aia_vcpu_guest_setup(v, deliv, thr, lo, hi);
      break;
    }
    case 1: {
      uint32_t lo = gen_iid(s, in);
      uint32_t hi = gen_iid(s, in);
      call = "aia_vcpu_guest_enable_range";
      rc = aia_vcpu_guest_enable_range(v, lo, hi);
      break;
    }
    case 2:
      call = "aia_vcpu_set_isr";
      rc = aia_vcpu_set_isr(v, fz_u16(in));
      break;
    default:
      call = "aia_kvm_set_policy";
      rc = aia_kvm_set_policy(s->kvm, (aia_policy)(fz_u8(in) % 4u));
      break;
    }
    break;
  }
  case 23: { /* CSR accesses: the hart's view (VS through VGEIN) or any file */
    uint8_t b = fz_u8(in);
    uint32_t h = pick_hart(s, in);
    uint32_t sel = 0x70u + fz_u8(in) % 0x90u;
    aia_csr_op op = gen_op(in);
    uint64_t old = 0;
    if (b & 1u) {
      uint32_t file = fz_u8(in) % (s->geilen + 2u);
      call = "aia_file_ireg";
      rc = aia_file_ireg(s->plat, h, file, sel, op, fz_value(in), &old);
    } else if (b & 2u) {
      call = "aia_hart_topei";
      rc = aia_hart_topei(s->plat, h, (b & 4u) != 0, op, &old);
    } else {
      call = "aia_hart_ireg";
      rc = aia_hart_ireg(s->plat, h, (b & 4u) != 0, sel, op, fz_value(in), &old);
    }
    break;
  }
  case 24: {
    uint8_t b = fz_u8(in);
    uint32_t from = pick_hart(s, in), to = pick_hart(s, in);
    if (b & 1u) {
      call = "aia_hart_send_ipi";
      rc = aia_hart_send_ipi(s->plat, from, to, 4000u);
    } else if (s->ndev > 0) {
      call = "aia_device_stop";
      aia_device_stop(s->dev[b % s->ndev]);
    }
    break;
  }
  case 25:
    return false; /* destroy */
  case 26: { /* latencies changed at run time, zero included */
    uint8_t b = fz_u8(in);
    aia_cycle msi = (b & 1u) ? 0u : fz_u8(in), line = (b & 2u) ? 0u : fz_u8(in);
    aia_cycle ipi = (b & 4u) ? 0u : fz_u16(in), idle = (b & 8u) ? 0u : fz_u16(in);
    call = "aia_platform_set_latency";
    rc = aia_platform_set_latency(s->plat, msi, line, ipi, idle);
    if (rc == AIA_OK && idle == 0)
      s->idle_exit_zero = true;
    break;
  }
  default: { /* a few events one at a time */
    uint8_t k = fz_u8(in) & 15u;
    call = "aia_sim_step";
    for (uint8_t i = 0; i <= k && rc == AIA_OK; i++)
      rc = aia_sim_step(s->sim);
    if (rc == AIA_ENOENT)
      rc = AIA_OK; /* nothing left to run */
    check_state(s);
    break;
  }
  }
  check_status(s, rc, call);
  check_clock(s);
  if (verbose)
    fprintf(stderr, "%" PRIu64 ": %s -> %s\n", aia_sim_now(s->sim), call, aia_status_name(rc));
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sys s;
  fz_in in;
  if (verbose < 0)
    verbose = getenv("FUZZ_VERBOSE") != NULL;
  memset(&s, 0, sizeof s);
  fz_init(&in, data, size);
  if (build(&s, &in) == 0) {
    check_state(&s);
    for (uint32_t i = 0; i < MAX_OPS && !fz_done(&in); i++)
      if (!step(&s, &in))
        break;
    run_for(&s, 5000u);
    if (s.meter != NULL) {
      aia_result r;
      aia_meter_finish(s.meter);
      aia_meter_result(s.meter, &r);
      FZ_CHECK(r.nviolations <= r.lost_wakeups + r.lost_interrupts,
               "meter keeps %u violations of %" PRIu64, r.nviolations,
               r.lost_wakeups + r.lost_interrupts);
    }
  }
  aia_sim_destroy(s.sim);
  return 0;
}
