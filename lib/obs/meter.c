/* lib/obs/meter.c: the stats consumer and the oracle (hooks on the stream).
 * SPDX-License-Identifier: MIT
 * Definitions of every figure: docs/measurements.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/obs.h"
#include "core/sim_impl.h"

/* MSI_QUEUED: sent through KVM, its injection routine has not run yet (the
 * injector hart is busy); at the end of a run such an MSI was never handed
 * to the hypervisor, so it is not a lost interrupt. */
enum { MSI_IN_FLIGHT = 0, MSI_PENDING, MSI_CLAIMED, MSI_COALESCED, MSI_DROPPED, MSI_QUEUED };

typedef struct msi_rec {
  aia_cycle src;
  uint32_t vcpu; /* global vCPU index */
  uint16_t iid;
  uint8_t state;
  uint8_t wake;  /* target was blocked at injection */
} msi_rec;

typedef struct old_rec {
  uint64_t id;
  msi_rec r;
} old_rec;

typedef struct pend {
  uint32_t iid;
  bool cleared; /* its bit was cleared by an emulated claim; CLAIM follows */
  uint64_t msi;
} pend;

/* A record in a vCPU's ring of recent records, in 32 bytes instead of 48:
 * vm and vcpu are the vCPU's own or both AIA_NONE (`who`); hart, iid and
 * file are kept plus one in 16, 16 and 8 bits, so that AIA_NONE (all ones)
 * wraps to 0. A record that does not fit (a user's, say) turns that vCPU's
 * ring into one of full records (vstate.full) from then on. */
typedef struct ring_ent {
  aia_cycle cycle;
  uint64_t msi, arg;
  uint16_t hart, iid;
  uint8_t file, kind, who, pad;
} ring_ent;
enum { WHO_OWN = 0, WHO_NONE = 1 };

typedef struct vstate {
  /* The first cache line: what every record of the vCPU reads (ring_push,
   * account). At 1,024 harts a vCPU's state is cold at each of its MSIs
   * and falls out of the cache between its records, so each line more is a
   * miss more. */
  uint32_t vm, vcpu;
  aia_event *full;           /* NULL, or the ring in full records (see ring_ent) */
  uint32_t ring_pos, ring_n;
  uint32_t state;            /* aia_vcpu_state */
  uint32_t npend;
  pend *pend;
  aia_cycle blocked_since, landed;
  bool reported;             /* a lost wake-up was reported this episode */
  bool kick_ipi;             /* a kick IPI is on its way */
  bool lost_open;            /* counting guest cycles lost to a kick exit */
  bool woke;                 /* woken, no claim yet */
  bool claimed_since_wake;
  /* Then what fewer records read. */
  uint32_t cpend;
  aia_vcpu *v;
  aia_cycle lost_start;
  aia_cycle *wake_src;       /* MSIs waiting for the vCPU to be back in guest */
  uint32_t nwake, cwake;
  aia_timer check;
  aia_cycle check_at;
  struct aia_meter *m;
  /* Last: the fields above are read on every record, the ring only
   * written, one entry. */
  ring_ent ring[AIA_VIOLATION_RECENT];
} vstate;

struct aia_meter {
  aia_sim *sim;
  aia_kvm *kvm;
  aia_meter_config cfg;
  aia_cycle vm_exit;
  uint32_t *vm_base;         /* nvms + 1: VM i's vCPUs are vs[vm_base[i] .. vm_base[i + 1]) */
  uint32_t nvms, nv;
  vstate *vs;
  msi_rec *msis;             /* ids [base, base + n) */
  uint64_t base;
  size_t n, cap;
  /* Records older than base still unresolved (an MSI never claimed holds
   * its place): moved here, in id order, so that the window above stays as
   * long as the MSIs in flight, not as long as the run. */
  old_rec *old;
  size_t nold, cold;
  aia_hist lat, wlat;
  aia_result r;
  aia_violation *viol;       /* max_violations of them from the first one; NULL before */
  uint32_t nviol;
  uint64_t not_injected;     /* MSIs still waiting for the injector at the finish */
  bool finished;
  /* Wired devices, per VM (allocated at its first request): per source,
   * requests outstanding, since when, and the vCPU that last served it. */
  struct wsrc {
    uint64_t out;
    aia_cycle oldest;
    uint32_t vcpu;
  } **wired;
  aia_hist wired_lat;
};

#define WIRED_SOURCES 1024u

void aia_meter_config_init(aia_meter_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->oracle = true;
  cfg->wake_bound = 0; /* 0: 1 ms of the sim's clock, filled at create */
  cfg->max_violations = 100;
}

static vstate *vs_of(aia_meter *m, uint32_t vm, uint32_t vcpu)
{
  if (vm >= m->nvms)
    return NULL;
  uint32_t base = m->vm_base[vm];
  if (vcpu >= m->vm_base[vm + 1] - base) /* AIA_NONE too */
    return NULL;
  return &m->vs[base + vcpu];
}

static msi_rec *msi_of(aia_meter *m, uint64_t id)
{
  if (id < m->base) { /* binary search among the old ones */
    size_t lo = 0, hi = m->nold;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (m->old[mid].id < id)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo < m->nold && m->old[lo].id == id ? &m->old[lo].r : NULL;
  }
  if (id >= m->base + m->n)
    return NULL;
  return &m->msis[id - m->base];
}

static bool resolved(const msi_rec *r)
{
  return r->state == MSI_CLAIMED || r->state == MSI_COALESCED;
}

/* Moves the unresolved records of the window's first half to `old` and
 * drops the half, when few of them are unresolved: memory then follows the
 * MSIs in flight. Records in `old` that got resolved are dropped too. */
static void compact_old(aia_meter *m)
{
  size_t half = m->n / 2, keep = 0;
  for (size_t k = 0; k < half; k++)
    keep += !resolved(&m->msis[k]);
  if (half == 0 || keep > half / 4)
    return; /* mostly in flight: the window must grow */
  size_t w = 0;
  for (size_t k = 0; k < m->nold; k++)
    if (!resolved(&m->old[k].r))
      m->old[w++] = m->old[k];
  m->nold = w;
  if (m->nold + keep > m->cold) {
    size_t c = m->cold ? m->cold : 64;
    while (c < m->nold + keep)
      c *= 2;
    old_rec *o = realloc(m->old, c * sizeof *o);
    if (o == NULL)
      return;
    m->old = o;
    m->cold = c;
  }
  for (size_t k = 0; k < half; k++)
    if (!resolved(&m->msis[k])) {
      m->old[m->nold].id = m->base + k;
      m->old[m->nold].r = m->msis[k];
      m->nold++;
    }
  memmove(m->msis, m->msis + half, (m->n - half) * sizeof *m->msis);
  m->n -= half;
  m->base += half;
}

/* The ring's form of hart, iid or file is the value plus one (AIA_NONE:
 * 0); it fits when the sum fits the field, which one test checks for all
 * three (ring_push). */
static inline uint32_t widen(uint32_t x)
{
  return x - 1u; /* 0 - 1 wraps to AIA_NONE */
}

static aia_event ring_get(const vstate *s, uint32_t k)
{
  const ring_ent *r = &s->ring[k];
  aia_event ev;
  if (s->full)
    return s->full[k];
  ev.cycle = r->cycle;
  ev.kind = r->kind;
  ev.hart = widen(r->hart);
  ev.vm = r->who == WHO_OWN ? s->vm : AIA_NONE;
  ev.vcpu = r->who == WHO_OWN ? s->vcpu : AIA_NONE;
  ev.file = widen(r->file);
  ev.iid = widen(r->iid);
  ev.msi = r->msi;
  ev.arg = r->arg;
  return ev;
}

/* The first record that does not fit: the ring becomes full records. */
static bool ring_widen(vstate *s)
{
  aia_event *f = malloc(AIA_VIOLATION_RECENT * sizeof *f);
  if (f == NULL)
    return false;
  for (uint32_t k = 0; k < AIA_VIOLATION_RECENT; k++)
    f[k] = ring_get(s, k);
  s->full = f;
  return true;
}

static void ring_push(vstate *s, const aia_event *ev)
{
  uint32_t hart = ev->hart + 1u, iid = ev->iid + 1u, file = ev->file + 1u;
  bool own = ev->vm == s->vm && ev->vcpu == s->vcpu;
  bool none = (ev->vm & ev->vcpu) == AIA_NONE; /* both AIA_NONE */
  bool fits = (((hart | iid) >> 16) | (file >> 8)) == 0 && (own || none);
  if (s->full == NULL && !fits && !ring_widen(s))
    return; /* out of memory: this record is missing from a violation's recent list */
  if (s->full) {
    s->full[s->ring_pos] = *ev;
  } else {
    ring_ent *r = &s->ring[s->ring_pos];
    r->cycle = ev->cycle;
    r->msi = ev->msi;
    r->arg = ev->arg;
    r->hart = (uint16_t)hart;
    r->iid = (uint16_t)iid;
    r->file = (uint8_t)file;
    r->kind = (uint8_t)ev->kind; /* below 64: hooks see no other kinds */
    r->who = own ? WHO_OWN : WHO_NONE;
  }
  s->ring_pos = (s->ring_pos + 1) % AIA_VIOLATION_RECENT;
  if (s->ring_n < AIA_VIOLATION_RECENT)
    s->ring_n++;
}

static void violation(aia_meter *m, aia_violation_kind kind, vstate *s, uint64_t msi,
                      uint32_t iid, const char *what)
{
  if (kind == AIA_VIOL_LOST_WAKEUP)
    m->r.lost_wakeups++;
  else
    m->r.lost_interrupts++;
  if (kind == AIA_VIOL_WIRED_UNSERVICED)
    m->r.wired_unserviced++;
  aia__sim_record(m->sim, AIA_EV_VIOLATION, AIA_NONE, s->vm, s->vcpu, AIA_NONE, iid, msi, kind);
  if (m->nviol >= m->cfg.max_violations)
    return;
  if (m->viol == NULL) {
    /* Each is some 2 KB (its recent records): the room is made at the first
     * violation, all of it, so a result handed out keeps pointing at it. */
    m->viol = malloc((size_t)m->cfg.max_violations * sizeof *m->viol);
    if (m->viol == NULL)
      return; /* counted above, not kept in detail */
  }
  aia_violation *v = &m->viol[m->nviol++];
  memset(v, 0, sizeof *v);
  v->kind = kind;
  v->vm = s->vm;
  v->vcpu = s->vcpu;
  v->cycle = aia_sim_now(m->sim);
  v->msi = msi;
  v->iid = iid;
  snprintf(v->what, sizeof v->what, "%s", what);
  for (uint32_t k = 0; k < s->ring_n; k++)
    v->recent[k] = ring_get(s, (s->ring_pos + AIA_VIOLATION_RECENT - s->ring_n + k) % AIA_VIOLATION_RECENT);
  v->nrecent = s->ring_n;
}

/* ---- the oracle's lost wake-up check */

static bool stuck(const vstate *s)
{
  return s->state == AIA_VCPU_BLOCKED && aia_vcpu_has_deliverable(s->v) &&
         aia_vcpu_guest_seie(s->v);
}

static void arm_check(aia_meter *m, vstate *s, aia_cycle at);

static void check_fire(aia_sim *sim, void *user)
{
  vstate *s = user;
  aia_meter *m = s->m;
  aia_cycle now = aia_sim_now(sim);
  s->check = 0;
  if (s->reported || !stuck(s))
    return;
  aia_cycle since = s->blocked_since > s->landed ? s->blocked_since : s->landed;
  if (now - since < m->cfg.wake_bound) {
    arm_check(m, s, since + m->cfg.wake_bound);
    return;
  }
  s->reported = true;
  char what[160];
  snprintf(what, sizeof what,
           "vCPU %u.%u blocked for %llu cycles with a deliverable identity (wake_bound %llu)",
           s->vm, s->vcpu, (unsigned long long)(now - since),
           (unsigned long long)m->cfg.wake_bound);
  violation(m, AIA_VIOL_LOST_WAKEUP, s, 0, 0, what);
}

static void arm_check(aia_meter *m, vstate *s, aia_cycle at)
{
  if (!m->cfg.oracle || m->finished)
    return;
  if (s->check && s->check_at <= at)
    return; /* an earlier check re-arms itself if needed */
  if (s->check)
    aia_sim_cancel(m->sim, s->check);
  s->check_at = at;
  if (aia_sim_schedule(m->sim, at, AIA_PH_OBSERVE, check_fire, s, &s->check) != AIA_OK)
    s->check = 0;
}

/* ---- the stream */

static void new_msi(aia_meter *m, const aia_event *ev, vstate *s)
{
  if (ev->msi < m->base)
    return;
  if (m->n == 0)
    m->base = ev->msi;
  size_t need = (size_t)(ev->msi - m->base) + 1;
  if (need > m->cap) {
    /* Drop resolved records at the front before growing. */
    size_t k = 0;
    while (k < m->n && resolved(&m->msis[k]))
      k++;
    if (k > 0) {
      memmove(m->msis, m->msis + k, (m->n - k) * sizeof *m->msis);
      m->n -= k;
      m->base += k;
      need -= k;
    }
    if (need > m->cap) {
      uint64_t before = m->base;
      compact_old(m);
      need -= (size_t)(m->base - before);
    }
    if (need > m->cap) {
      size_t cap = m->cap ? m->cap * 2 : 64;
      while (cap < need)
        cap *= 2;
      msi_rec *p = realloc(m->msis, cap * sizeof *p);
      if (p == NULL)
        return;
      m->msis = p;
      m->cap = cap;
    }
  }
  while (m->n < need) {
    memset(&m->msis[m->n], 0, sizeof m->msis[m->n]);
    m->msis[m->n].state = MSI_CLAIMED; /* ids never seen (other sources) count as done */
    m->n++;
  }
  msi_rec *r = &m->msis[ev->msi - m->base];
  r->src = ev->cycle;
  r->vcpu = (uint32_t)(s - m->vs);
  r->iid = (uint16_t)ev->iid;
  r->state = ev->arg == 0 ? MSI_QUEUED : MSI_IN_FLIGHT; /* arg 0: through KVM */
  r->wake = s->state == AIA_VCPU_BLOCKED;
  m->r.msis++;
}

static void add_pend(vstate *s, uint32_t iid, uint64_t msi)
{
  if (s->npend == s->cpend) {
    uint32_t c = s->cpend ? s->cpend * 2 : 4;
    pend *p = realloc(s->pend, c * sizeof *p);
    if (p == NULL)
      return;
    s->pend = p;
    s->cpend = c;
  }
  s->pend[s->npend].iid = iid;
  s->pend[s->npend].cleared = false;
  s->pend[s->npend].msi = msi;
  s->npend++;
}

/* The pending MSI of `iid` whose bit is (cleared == false) still in the
 * file, or whose bit an emulated claim took (cleared == true). */
static int find_pend(const vstate *s, uint32_t iid, bool cleared)
{
  for (uint32_t i = 0; i < s->npend; i++)
    if (s->pend[i].iid == iid && s->pend[i].cleared == cleared)
      return (int)i;
  return -1;
}

static struct wsrc *wsrc_of(aia_meter *m, uint32_t vm, uint32_t source)
{
  if (vm >= m->nvms || source >= WIRED_SOURCES)
    return NULL;
  if (m->wired[vm] == NULL)
    m->wired[vm] = calloc(WIRED_SOURCES, sizeof *m->wired[vm]);
  return m->wired[vm] ? &m->wired[vm][source] : NULL;
}

static void on_wired(aia_meter *m, const aia_event *ev)
{
  struct wsrc *w = wsrc_of(m, ev->vm, ev->iid);
  if (w == NULL)
    return;
  if (ev->kind == AIA_EV_WIRED_REQUEST) {
    if (w->out == 0)
      w->oldest = ev->cycle;
    w->out++;
    m->r.wired_requests++;
    return;
  }
  if (ev->vcpu != AIA_NONE)
    w->vcpu = ev->vcpu;
  uint64_t n = ev->arg < w->out ? ev->arg : w->out;
  if (n == 0)
    return;
  (void)aia_hist_record(&m->wired_lat, ev->cycle - w->oldest);
  m->r.wired_served += n;
  w->out -= n;
  if (w->out > 0)
    w->oldest = ev->cycle; /* the rest: waiting since this acknowledge at the latest */
}

static void account(aia_meter *m, const aia_event *ev, vstate *s, msi_rec *r);

static void on_event(void *user, const aia_event *ev)
{
  aia_meter *m = user;
  vstate *s = vs_of(m, ev->vm, ev->vcpu);
  msi_rec *r = NULL;

  if (s == NULL && ev->msi != 0 && ev->kind != AIA_EV_MSI_SOURCE) {
    r = msi_of(m, ev->msi);
    if (r)
      s = &m->vs[r->vcpu];
  }
  if (s)
    ring_push(s, ev);
  account(m, ev, s, r);
}

/* The figures and the oracle's state, from one record. */
static void account(aia_meter *m, const aia_event *ev, vstate *s, msi_rec *r)
{
  switch (ev->kind) {
  case AIA_EV_MSI_SOURCE:
    if (s) {
      new_msi(m, ev, s);
      /* The MSI's records come over the next steps, two a ring line: the
       * lines are fetched now, at once, not one miss at a time. */
      aia__prefetch(s->ring, sizeof s->ring);
      if (s->pend)
        aia__prefetch(s->pend, sizeof *s->pend); /* read when it lands */
    }
    break;
  case AIA_EV_WIRED_REQUEST:
  case AIA_EV_WIRED_ACK:
    on_wired(m, ev);
    break;
  case AIA_EV_MSI_LANDED:
    r = r ? r : msi_of(m, ev->msi);
    if (r == NULL || r->state != MSI_IN_FLIGHT || s == NULL)
      break;
    int prev = find_pend(s, ev->iid, false);
    if (prev >= 0 && !(ev->arg & 1u) && !aia_vcpu_is_migrating(s->v)) {
      /* The file did not hold the bit, yet an earlier MSI with this identity
       * was never claimed: its pending bit vanished. That MSI is lost. */
      msi_rec *gone = msi_of(m, s->pend[prev].msi);
      if (gone)
        gone->state = MSI_DROPPED;
      s->pend[prev] = s->pend[--s->npend];
      prev = -1;
    }
    if ((ev->arg & 1u) || prev >= 0) {
      r->state = MSI_COALESCED; /* timed from the first one */
      m->r.coalesced++;
    } else {
      r->state = MSI_PENDING;
      add_pend(s, ev->iid, ev->msi);
    }
    s->landed = ev->cycle;
    if (s->state == AIA_VCPU_BLOCKED)
      arm_check(m, s, ev->cycle + m->cfg.wake_bound);
    break;
  case AIA_EV_INJECT: /* the injection routine runs: the MSI is KVM's now */
    r = r ? r : msi_of(m, ev->msi);
    if (r && r->state == MSI_QUEUED)
      r->state = MSI_IN_FLIGHT;
    break;
  case AIA_EV_MSI_DROPPED:
    r = r ? r : msi_of(m, ev->msi);
    if (r == NULL || (r->state != MSI_IN_FLIGHT && r->state != MSI_PENDING))
      break;
    if (r->state == MSI_PENDING && s) {
      /* Landed, then found lost (KVM: in a file nobody owns): no claim of
       * its identity can be this MSI's any more. */
      for (uint32_t k = 0; k < s->npend; k++)
        if (s->pend[k].msi == ev->msi) {
          s->pend[k] = s->pend[--s->npend];
          break;
        }
    }
    r->state = MSI_DROPPED;
    break;
  case AIA_EV_CLAIM: {
    if (s == NULL)
      break;
    s->claimed_since_wake = true;
    int k = find_pend(s, ev->iid, true);
    if (k < 0)
      k = find_pend(s, ev->iid, false);
    if (k < 0)
      break;
    msi_rec *c = msi_of(m, s->pend[k].msi);
    s->pend[k] = s->pend[--s->npend];
    if (c == NULL)
      break;
    c->state = MSI_CLAIMED;
    m->r.claimed++;
    (void)aia_hist_record(&m->lat, ev->cycle - c->src);
    break;
  }
  case AIA_EV_EIP_CLEAR:
    /* KVM's emulated claim of a SW-file identity (vm/vcpu set): the bit is
     * gone now, the guest's CLAIM record comes at its next entry. */
    if (s && ev->vm != AIA_NONE) {
      int k = find_pend(s, ev->iid, false);
      if (k >= 0)
        s->pend[k].cleared = true;
    }
    break;
  case AIA_EV_IPI_SEND:
    m->r.ipis++;
    break;
  case AIA_EV_KICK:
    if (s == NULL)
      break;
    if (ev->arg == 1) {
      m->r.kick_ipis++;
      s->kick_ipi = true;
    } else if (ev->arg == 0 && ev->msi != 0) {
      m->r.kick_wakeups++;
    }
    break;
  case AIA_EV_VM_EXIT:
    m->r.vm_exits++;
    if (s && s->kick_ipi && ev->arg == AIA_EXIT_IRQ) {
      m->r.kick_exits++;
      s->lost_open = true;
      s->lost_start = ev->cycle - m->vm_exit;
    }
    if (s)
      s->kick_ipi = false;
    break;
  case AIA_EV_VM_ENTRY:
    if (s == NULL)
      break;
    if (s->lost_open) {
      m->r.guest_cycles_lost_to_kicks += ev->cycle - s->lost_start;
      s->lost_open = false;
    }
    for (uint32_t k = 0; k < s->nwake; k++)
      (void)aia_hist_record(&m->wlat, ev->cycle - s->wake_src[k]);
    s->nwake = 0;
    break;
  case AIA_EV_HGEI_IRQ:
    if (ev->arg != 0)
      m->r.hgei_irqs++;
    break;
  case AIA_EV_WAKEUP:
    if (s == NULL)
      break;
    if (ev->arg == 0) {
      m->r.wakeups++;
      s->woke = true;
      s->claimed_since_wake = false;
    } else {
      m->r.duplicate_wakeups++;
    }
    break;
  case AIA_EV_VSFILE_MIGRATE:
    if (ev->arg != AIA_NONE)
      m->r.vsfile_migrations++;
    break;
  case AIA_EV_SWFILE:
    if (ev->arg == 1)
      m->r.swfile_fallbacks++;
    break;
  case AIA_EV_VCPU_STATE:
    if (s == NULL)
      break;
    s->state = (uint32_t)ev->arg;
    if (ev->arg == AIA_VCPU_BLOCKED) {
      if (s->woke && !s->claimed_since_wake)
        m->r.spurious_wakeups++;
      s->woke = false;
      s->blocked_since = ev->cycle;
      s->reported = false;
      arm_check(m, s, ev->cycle + m->cfg.wake_bound);
    }
    break;
  default:
    break;
  }
  /* An MSI that finds its vCPU blocked is timed to its return to the guest. */
  if (ev->kind == AIA_EV_MSI_SOURCE && s && s->state == AIA_VCPU_BLOCKED) {
    if (s->nwake == s->cwake) {
      uint32_t c = s->cwake ? s->cwake * 2 : 4;
      aia_cycle *p = realloc(s->wake_src, c * sizeof *p);
      if (p == NULL)
        return;
      s->wake_src = p;
      s->cwake = c;
    }
    s->wake_src[s->nwake++] = ev->cycle;
  }
}

static void meter_free(void *obj)
{
  aia_meter *m = obj;
  for (uint32_t i = 0; i < m->nv; i++) {
    free(m->vs[i].pend);
    free(m->vs[i].wake_src);
    free(m->vs[i].full);
  }
  free(m->vs);
  free(m->vm_base);
  free(m->msis);
  free(m->old);
  free(m->viol);
  for (uint32_t i = 0; m->wired && i < m->nvms; i++)
    free(m->wired[i]);
  free(m->wired);
  aia_hist_free(&m->lat);
  aia_hist_free(&m->wlat);
  aia_hist_free(&m->wired_lat);
  free(m);
}

int aia_meter_create(aia_kvm *kvm, const aia_meter_config *cfg, aia_meter **out)
{
  aia_meter_config c;
  aia_kvm_config kc;
  aia_meter *m;
  aia_sim *sim;
  int rc;
  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (kvm == NULL || cfg == NULL || cfg->struct_size < sizeof(size_t) + 1)
    return AIA_EINVAL;
  aia_meter_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  aia_kvm_get_config(kvm, &kc);
  m = calloc(1, sizeof *m);
  if (m == NULL)
    return AIA_ENOMEM;
  sim = aia_kvm_sim(kvm);
  m->kvm = kvm;
  m->nvms = aia_kvm_vm_count(kvm);
  m->vm_base = calloc((size_t)m->nvms + 1, sizeof *m->vm_base);
  for (uint32_t i = 0; i < m->nvms; i++) {
    if (m->vm_base)
      m->vm_base[i] = m->nv;
    m->nv += aia_vm_vcpus(aia_kvm_vm(kvm, i));
  }
  if (m->vm_base)
    m->vm_base[m->nvms] = m->nv; /* VM i's vCPUs: [vm_base[i], vm_base[i + 1]) */
  m->vs = calloc(m->nv ? m->nv : 1, sizeof *m->vs);
  m->wired = calloc(m->nvms ? m->nvms : 1, sizeof *m->wired);
  if (m->vm_base == NULL || m->vs == NULL || m->wired == NULL) {
    meter_free(m);
    return AIA_ENOMEM;
  }
  for (uint32_t i = 0; i < m->nvms; i++) {
    aia_vm *vm = aia_kvm_vm(kvm, i);
    for (uint32_t k = 0; k < aia_vm_vcpus(vm); k++) {
      vstate *s = &m->vs[m->vm_base[i] + k];
      s->vm = i;
      s->vcpu = k;
      s->v = aia_vm_vcpu(vm, k);
      s->state = aia_vcpu_get_state(s->v);
      s->m = m;
    }
  }
  m->sim = sim;
  if (c.wake_bound == 0)
    c.wake_bound = aia_sim_ns_to_cycles(sim, 1000000);
  m->cfg = c;
  m->vm_exit = kc.timing.vm_exit;
  aia_hist_init(&m->lat);
  aia_hist_init(&m->wlat);
  aia_hist_init(&m->wired_lat);
  rc = aia__sim_attach(sim, m, meter_free);
  if (rc != AIA_OK) {
    meter_free(m);
    return rc;
  }
  rc = aia_sim_hook_add(sim, AIA_EV_ALL, on_event, m, NULL);
  if (rc != AIA_OK)
    return rc;
  *out = m;
  return AIA_OK;
}

void aia_meter_finish(aia_meter *m)
{
  if (m == NULL || m->finished)
    return;
  if (m->cfg.oracle) {
    for (uint32_t i = 0; i < m->nv; i++) {
      vstate *s = &m->vs[i];
      if (!s->reported && stuck(s)) {
        char what[160];
        s->reported = true;
        snprintf(what, sizeof what,
                 "vCPU %u.%u still blocked at the end with a deliverable identity", s->vm, s->vcpu);
        violation(m, AIA_VIOL_LOST_WAKEUP, s, 0, 0, what);
      }
    }
    for (size_t k = 0; k < m->nold + m->n; k++) {
      uint64_t id = k < m->nold ? m->old[k].id : m->base + (k - m->nold);
      msi_rec *r = k < m->nold ? &m->old[k].r : &m->msis[k - m->nold];
      if (r->state == MSI_CLAIMED || r->state == MSI_COALESCED)
        continue;
      if (r->state == MSI_QUEUED) { /* still waiting for the injector */
        m->not_injected++;
        continue;
      }
      char what[160];
      snprintf(what, sizeof what, "MSI %llu (identity %u to vCPU %u.%u) was never claimed%s",
               (unsigned long long)id, r->iid, m->vs[r->vcpu].vm, m->vs[r->vcpu].vcpu,
               r->state == MSI_DROPPED ? " (its write was lost)" : "");
      violation(m, AIA_VIOL_LOST_INTERRUPT, &m->vs[r->vcpu], id, r->iid, what);
    }
    aia_cycle now = aia_sim_now(m->sim);
    for (uint32_t vm = 0; vm < m->nvms; vm++)
      for (uint32_t src = 0; m->wired[vm] && src < WIRED_SOURCES; src++) {
        struct wsrc *w = &m->wired[vm][src];
        vstate *s = vs_of(m, vm, w->vcpu);
        if (w->out == 0 || now - w->oldest < m->cfg.wake_bound || s == NULL)
          continue;
        char what[160];
        snprintf(what, sizeof what,
                 "wired source %u of VM %u: %llu request(s) not served, the oldest since "
                 "cycle %llu",
                 src, vm, (unsigned long long)w->out, (unsigned long long)w->oldest);
        violation(m, AIA_VIOL_WIRED_UNSERVICED, s, 0, src, what);
      }
  }
  m->finished = true;
}

void aia_meter_result(const aia_meter *m, aia_result *res)
{
  if (m == NULL || res == NULL)
    return;
  *res = m->r;
  aia_hist_summarize(&m->lat, &res->latency);
  aia_hist_summarize(&m->wlat, &res->wake_latency);
  aia_hist_summarize(&m->wired_lat, &res->wired_latency);
  res->events = aia_sim_event_count(m->sim);
  res->trace_hash = aia_sim_hash(m->sim);
  res->violations = m->viol;
  res->nviolations = m->nviol;
}

uint64_t aia_meter_not_injected(const aia_meter *m)
{
  return m ? m->not_injected : 0;
}

const aia_hist *aia_meter_latency(const aia_meter *m)
{
  return m ? &m->lat : NULL;
}

const aia_hist *aia_meter_wake_latency(const aia_meter *m)
{
  return m ? &m->wlat : NULL;
}
