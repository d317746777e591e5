/* lib/explore/explore.c: bounded exhaustive exploration of the wake path
 * (include/aiasim/explore.h says what is explored and what is not).
 * SPDX-License-Identifier: MIT
 *
 * Every schedule is the scenario plus a list of `force:` items; a run of it
 * is aia_scenario_run() on a shallow copy of the scenario whose force list
 * is replaced (the copy shares every other array, read only, and is never
 * destroyed). Runs of one breadth-first level are independent and may run
 * on several threads; their results are then taken in order, so the report
 * does not depend on the number of threads. A counterexample's outputs (as
 * a scenario, as a trace) are in output.c.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aiasim/explore.h"
#include "aiasim/host.h"
#include "aiasim/run.h"
#include "aiasim/trace.h"

#define NEV (AIA_FORCE_AFTER_VSFILE_MIGRATE + 1u) /* aia_force_event values */
#define CHILDREN_CHUNK 16384u /* children made and run at a time */

static int fail(char *err, size_t len, int rc, const char *msg)
{
  if (err && len) {
    strncpy(err, msg, len - 1);
    err[len - 1] = '\0';
  }
  return rc;
}

void aia_explore_config_init(aia_explore_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->depth = 2;
  cfg->max_runs = 1000000u;
  cfg->jobs = 1;
  cfg->delays[0] = 0;
  cfg->delays[1] = 50;
  cfg->delays[2] = 500;
  cfg->ndelays = 3;
  cfg->msi = cfg->preempt = cfg->migrate = true;
  cfg->progress_every = 0.5;
}

/* ------------------------------------------------------ choice points -- */

typedef struct cp {
  uint32_t vm, vcpu, event, nth, hart;
  aia_cycle cycle;
  size_t seq;           /* order of its record (ties of cycle) */
} cp;

static int cp_cmp(const void *a, const void *b)
{
  const cp *x = a, *y = b;
  if (x->cycle != y->cycle)
    return x->cycle < y->cycle ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct ctx {
  const aia_scenario *scn;
  aia_policy policy;
  aia_explore_config cfg;
  uint32_t nvcpu;       /* vCPUs in all */
  uint32_t *vbase;      /* first global vCPU index of each VM */
  uint32_t iid;         /* identity of an injected MSI */
  double t0;            /* when the search began (now_s()) */
} ctx;

/* A collector: one per worker, reset before each run. */
typedef struct coll {
  const ctx *c;
  uint32_t *count;      /* nvcpu * NEV records seen */
  uint32_t *tvm, *tvcpu;/* thread id -> vCPU (AIA_NONE: not a vCPU thread) */
  uint32_t nthreads;
  bool want;            /* collect choice points */
  cp *cps;
  size_t ncp, cap;
  /* the last perturbation's anchor: choice points start at its moment */
  bool have_last, seen_last;
  uint32_t lvm, lvcpu, lev, lnth;
  aia_cycle ldelay, moment;
  bool oom;
} coll;

static void push_cp(coll *k, uint32_t vm, uint32_t vcpu, uint32_t ev, uint32_t nth, uint32_t hart,
                    aia_cycle cycle)
{
  const ctx *c = k->c;
  aia_cycle to = c->cfg.to ? c->cfg.to : c->scn->duration;
  if (k->have_last && k->lvm == vm && k->lvcpu == vcpu && k->lev == ev && k->lnth == nth) {
    k->seen_last = true;
    k->moment = cycle + k->ldelay;
    return;
  }
  if (!k->want || cycle < c->cfg.from || cycle >= to)
    return;
  if (k->have_last && (!k->seen_last || cycle < k->moment))
    return;
  if (k->ncp == k->cap) {
    size_t nc = k->cap ? k->cap * 2 : 64;
    cp *a = realloc(k->cps, nc * sizeof *a);
    if (a == NULL) {
      k->oom = true;
      return;
    }
    k->cps = a;
    k->cap = nc;
  }
  k->cps[k->ncp].vm = vm;
  k->cps[k->ncp].vcpu = vcpu;
  k->cps[k->ncp].event = ev;
  k->cps[k->ncp].nth = nth;
  k->cps[k->ncp].hart = hart;
  k->cps[k->ncp].cycle = cycle;
  k->cps[k->ncp].seq = k->ncp;
  k->ncp++;
}

static void count_and_push(coll *k, uint32_t vm, uint32_t vcpu, uint32_t ev, uint32_t hart,
                           aia_cycle cycle)
{
  const ctx *c = k->c;
  uint32_t g;
  if (vm >= c->scn->nvms || vcpu >= c->scn->vms[vm].vcpus)
    return;
  g = c->vbase[vm] + vcpu;
  push_cp(k, vm, vcpu, ev, ++k->count[g * NEV + ev], hart, cycle);
}

static void coll_hook(void *user, const aia_event *e)
{
  coll *k = user;
  uint32_t vm = e->vm, vcpu = e->vcpu;
  aia_cycle vx = k->c->scn->timing[AIA_T_VM_EXIT];
  if (e->kind == AIA_EV_SCHED_IN || e->kind == AIA_EV_SCHED_OUT) {
    if (e->vcpu >= k->nthreads || k->tvm[e->vcpu] == AIA_NONE)
      return;
    vm = k->tvm[e->vcpu];
    vcpu = k->tvcpu[e->vcpu];
  }
  switch (e->kind) {
  case AIA_EV_VM_EXIT:
    if (e->arg == AIA_EXIT_WFI)
      count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_WFI_TRAP, e->hart,
                     e->cycle >= vx ? e->cycle - vx : 0);
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_VM_EXIT, e->hart, e->cycle);
    break;
  case AIA_EV_VM_ENTRY:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_VM_ENTRY, e->hart, e->cycle);
    break;
  case AIA_EV_HALT_POLL:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_HALT_POLL, e->hart, e->cycle);
    break;
  case AIA_EV_BLOCK:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_BLOCK, e->hart, e->cycle);
    break;
  case AIA_EV_WAKEUP:
    if (e->arg == 0)
      count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_WAKEUP, e->hart, e->cycle);
    break;
  case AIA_EV_SCHED_OUT:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_SCHED_OUT, e->hart, e->cycle);
    break;
  case AIA_EV_SCHED_IN:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_SCHED_IN, e->hart, e->cycle);
    break;
  case AIA_EV_GUEST_TRAP:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_GUEST_TRAP, e->hart, e->cycle);
    break;
  case AIA_EV_CLAIM:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_CLAIM, e->hart, e->cycle);
    break;
  case AIA_EV_VSFILE_MIGRATE:
    count_and_push(k, vm, vcpu, AIA_FORCE_AFTER_VSFILE_MIGRATE, e->hart, e->cycle);
    break;
  default:
    break;
  }
}

#define COLL_KINDS                                                                     \
  (AIA_EV_BIT(AIA_EV_VM_EXIT) | AIA_EV_BIT(AIA_EV_VM_ENTRY) | AIA_EV_BIT(AIA_EV_HALT_POLL) | \
   AIA_EV_BIT(AIA_EV_BLOCK) | AIA_EV_BIT(AIA_EV_WAKEUP) | AIA_EV_BIT(AIA_EV_SCHED_OUT) |      \
   AIA_EV_BIT(AIA_EV_SCHED_IN) | AIA_EV_BIT(AIA_EV_GUEST_TRAP) | AIA_EV_BIT(AIA_EV_CLAIM) |   \
   AIA_EV_BIT(AIA_EV_VSFILE_MIGRATE))

/* on_built: thread ids of the vCPU threads. */
static void coll_built(void *user, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
{
  coll *k = user;
  (void)sim;
  (void)plat;
  for (uint32_t i = 0; i < k->nthreads; i++)
    k->tvm[i] = k->tvcpu[i] = AIA_NONE;
  for (uint32_t vm = 0; vm < aia_kvm_vm_count(kvm); vm++) {
    aia_vm *v = aia_kvm_vm(kvm, vm);
    for (uint32_t i = 0; i < aia_vm_vcpus(v); i++) {
      uint32_t id = aia_thread_id(aia_vcpu_thread(aia_vm_vcpu(v, i)));
      if (id < k->nthreads) {
        k->tvm[id] = vm;
        k->tvcpu[id] = i;
      }
    }
  }
}

static int coll_init(coll *k, const ctx *c)
{
  memset(k, 0, sizeof *k);
  k->c = c;
  k->nthreads = c->nvcpu + c->scn->nnoise + 1;
  k->count = calloc((size_t)c->nvcpu * NEV, sizeof *k->count);
  k->tvm = calloc(k->nthreads, sizeof *k->tvm);
  k->tvcpu = calloc(k->nthreads, sizeof *k->tvcpu);
  return k->count && k->tvm && k->tvcpu ? AIA_OK : AIA_ENOMEM;
}

static void coll_free(coll *k)
{
  free(k->count);
  free(k->tvm);
  free(k->tvcpu);
  free(k->cps);
}

/* ------------------------------------------------------------- runs ---- */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct sched {
  aia_scn_force *items; /* perturbations only (the scenario's own come first) */
  uint32_t n;
  cp *cps;              /* choice points of its run (when it is to be extended) */
  size_t ncp;
} sched;

typedef struct outcome {
  bool ran;             /* the schedule was run (a time budget stops a batch) */
  int rc;
  uint64_t lost_w, lost_i, hash;
  cp *cps;
  size_t ncp;
} outcome;

/* Runs one schedule with collector k. */
static void run_sched(const ctx *c, coll *k, const sched *s, bool want, outcome *o)
{
  aia_scenario copy = *c->scn;
  uint32_t nbase = c->scn->nforce, n = nbase + s->n;
  aia_scn_force *all = NULL;
  aia_run_options opt;
  aia_run_result r;
  char err[256];
  memset(o, 0, sizeof *o);
  if (n) {
    all = malloc(n * sizeof *all);
    if (all == NULL) {
      o->rc = AIA_ENOMEM;
      return;
    }
    if (nbase)
      memcpy(all, c->scn->force, nbase * sizeof *all);
    if (s->n)
      memcpy(all + nbase, s->items, s->n * sizeof *all);
  }
  copy.force = all;
  copy.nforce = n;
  memset(k->count, 0, (size_t)c->nvcpu * NEV * sizeof *k->count);
  k->want = want;
  k->ncp = 0;
  k->oom = false;
  k->have_last = s->n > 0;
  k->seen_last = false;
  if (s->n) {
    const aia_scn_force *l = &s->items[s->n - 1];
    k->lvm = l->after_vm;
    k->lvcpu = l->after_vcpu;
    k->lev = l->after_event;
    k->lnth = l->after_nth;
    k->ldelay = l->delay;
  }
  aia_run_options_init(&opt);
  opt.hook = coll_hook;
  opt.hook_user = k;
  opt.hook_mask = COLL_KINDS;
  opt.on_built = coll_built;
  opt.user = k;
  o->rc = aia_scenario_run(&copy, c->policy, &opt, &r, err, sizeof err);
  o->ran = true;
  free(all);
  if (o->rc != AIA_OK)
    return;
  o->lost_w = r.r.lost_wakeups;
  o->lost_i = r.r.lost_interrupts;
  o->hash = r.r.trace_hash;
  aia_run_result_free(&r);
  if (k->oom) {
    o->rc = AIA_ENOMEM;
    return;
  }
  if (want && k->ncp) {
    /* by cycle: a WFI trap is known only at the end of its exit */
    qsort(k->cps, k->ncp, sizeof *k->cps, cp_cmp);
    o->cps = malloc(k->ncp * sizeof *o->cps);
    if (o->cps == NULL) {
      o->rc = AIA_ENOMEM;
      return;
    }
    memcpy(o->cps, k->cps, k->ncp * sizeof *o->cps);
    o->ncp = k->ncp;
  }
}

/* A batch of schedules run by a pool of threads. */
typedef struct batch {
  const ctx *c;
  const sched *s;
  outcome *o;
  size_t n;
  double deadline;      /* no run starts after this (now_s()); 0: none */
  aia_explore_progress *prog; /* the caller's thread reports it (NULL: no callback) */
  double *prog_at;      /* when it is due next */
  atomic_size_t next;
  atomic_size_t done;   /* runs finished */
  atomic_int stop;
  atomic_int error;
} batch;

typedef struct worker {
  batch *b;
  coll k;
  bool caller;          /* the thread that called aia_explore */
} worker;

/* The callback, if it is due; `more` runs of the current batch are done. */
static void report_progress(const ctx *c, aia_explore_progress *p, double *at, size_t more)
{
  double t = now_s();
  aia_explore_progress q;
  if (t < *at)
    return;
  *at = t + c->cfg.progress_every;
  q = *p;
  q.runs += more;
  q.seconds = t - c->t0;
  c->cfg.progress(c->cfg.progress_user, &q);
}

static void *work(void *arg)
{
  worker *w = arg;
  batch *b = w->b;
  for (;;) {
    size_t i;
    if (atomic_load(&b->stop) || (b->deadline > 0 && now_s() > b->deadline))
      break; /* no run starts past the time budget */
    if ((i = atomic_fetch_add(&b->next, 1)) >= b->n)
      break;
    run_sched(b->c, &w->k, &b->s[i], false, &b->o[i]); /* its choice points: later, if kept */
    if (b->o[i].rc != AIA_OK) {
      atomic_store(&b->error, b->o[i].rc);
      atomic_store(&b->stop, 1);
    }
    atomic_fetch_add(&b->done, 1);
    if (w->caller && b->prog != NULL)
      report_progress(b->c, b->prog, b->prog_at, atomic_load(&b->done));
  }
  return NULL;
}

static int run_batch(const ctx *c, worker *ws, uint32_t nw, const sched *s, outcome *o, size_t n,
                     double deadline, aia_explore_progress *prog, double *prog_at)
{
  batch b;
  pthread_t th[64];
  uint32_t started = 0;
  b.c = c;
  b.s = s;
  b.o = o;
  b.n = n;
  b.deadline = deadline;
  b.prog = c->cfg.progress ? prog : NULL;
  b.prog_at = prog_at;
  atomic_init(&b.done, 0);
  atomic_init(&b.next, 0);
  atomic_init(&b.stop, 0);
  atomic_init(&b.error, AIA_OK);
  for (uint32_t i = 0; i < nw; i++)
    ws[i].b = &b;
  if (nw > 1 && n > 1) {
    for (uint32_t i = 1; i < nw; i++)
      if (pthread_create(&th[i], NULL, work, &ws[i]) == 0)
        started = i;
      else
        break;
  }
  work(&ws[0]);
  for (uint32_t i = 1; i <= started; i++)
    pthread_join(th[i], NULL);
  return atomic_load(&b.error);
}

/* ------------------------------------------------------ hash set ------- */

typedef struct hset {
  uint64_t *v;
  size_t cap, n;
  bool zero;
} hset;

static bool hset_add(hset *h, uint64_t x, bool *oom)
{
  size_t i;
  if (x == 0) {
    bool was = h->zero;
    h->zero = true;
    return !was;
  }
  if ((h->n + 1) * 2 > h->cap) {
    size_t nc = h->cap ? h->cap * 2 : 1024;
    uint64_t *nv = calloc(nc, sizeof *nv);
    if (nv == NULL) {
      *oom = true;
      return false;
    }
    for (size_t k = 0; k < h->cap; k++)
      if (h->v[k]) {
        size_t j = (size_t)(h->v[k] * UINT64_C(0x9e3779b97f4a7c15) >> 7) & (nc - 1);
        while (nv[j])
          j = (j + 1) & (nc - 1);
        nv[j] = h->v[k];
      }
    free(h->v);
    h->v = nv;
    h->cap = nc;
  }
  i = (size_t)(x * UINT64_C(0x9e3779b97f4a7c15) >> 7) & (h->cap - 1);
  while (h->v[i]) {
    if (h->v[i] == x)
      return false;
    i = (i + 1) & (h->cap - 1);
  }
  h->v[i] = x;
  h->n++;
  return true;
}

/* -------------------------------------------------------- the search --- */

static void sched_free(sched *s)
{
  free(s->items);
  free(s->cps);
  s->items = NULL;
  s->cps = NULL;
}

/* The children of s: one perturbation more, at each of its choice points
 * from *from on, until there are `max` of them or more (a choice point's
 * children are never split); *from becomes the next choice point. */
static int children(const ctx *c, const sched *s, size_t *from, size_t max, sched **out,
                    size_t *nout)
{
  const aia_scenario *scn = c->scn;
  size_t cap = 0, n = 0, i;
  sched *v = NULL;
  *out = NULL;
  *nout = 0;
  for (i = *from; i < s->ncp && n < max; i++) {
    const cp *p = &s->cps[i];
    const aia_scn_vm *vm = &scn->vms[p->vm];
    for (uint32_t d = 0; d < c->cfg.ndelays; d++) {
      for (uint32_t a = 0; a < 2u + scn->harts; a++) {
        aia_scn_force f;
        memset(&f, 0, sizeof f);
        f.has_after = true;
        f.after_vm = p->vm;
        f.after_vcpu = p->vcpu;
        f.after_event = p->event;
        f.after_nth = p->nth;
        f.delay = c->cfg.delays[d];
        if (a == 0) {
          /* "An MSI lands here": injected `lead` cycles before the moment,
           * anchored to the last choice point before that (if any). */
          aia_cycle lead = scn->timing[AIA_T_INJECT] + scn->timing[AIA_T_MSI_WRITE];
          aia_cycle target = p->cycle + c->cfg.delays[d];
          if (!c->cfg.msi)
            continue;
          if (target >= lead) {
            size_t j = i + 1;
            /* (a WFI trap is reported at the end of its exit: a moment
             * before that cannot be anchored to it) */
            while (j > 0 && (s->cps[j - 1].cycle > target - lead ||
                             s->cps[j - 1].event == AIA_FORCE_AFTER_WFI_TRAP))
              j--;
            if (j > 0) {
              const cp *q = &s->cps[j - 1];
              f.after_vm = q->vm;
              f.after_vcpu = q->vcpu;
              f.after_event = q->event;
              f.after_nth = q->nth;
              f.delay = target - lead - q->cycle;
            }
          }
          f.action = AIA_FORCE_MSI;
          f.msi_vm = p->vm;
          f.msi_vcpu = p->vcpu;
          f.msi_iid = c->iid;
        } else if (a == 1) {
          if (!c->cfg.preempt || p->hart >= scn->harts)
            continue;
          f.action = AIA_FORCE_PREEMPT;
          f.preempt_hart = p->hart;
        } else {
          uint32_t to = a - 2;
          bool ok = vm->naffinity == 0;
          if (!c->cfg.migrate || to == p->hart)
            continue;
          for (uint32_t k = 0; k < vm->naffinity; k++)
            ok = ok || vm->affinity[k] == to;
          if (!ok)
            continue;
          f.action = AIA_FORCE_MIGRATE;
          f.migrate_vm = p->vm;
          f.migrate_vcpu = p->vcpu;
          f.migrate_to = to;
        }
        if (n == cap) {
          size_t nc = cap ? cap * 2 : 64;
          sched *nv = realloc(v, nc * sizeof *nv);
          if (nv == NULL)
            goto oom;
          v = nv;
          cap = nc;
        }
        v[n].items = malloc((s->n + 1) * sizeof *v[n].items);
        if (v[n].items == NULL)
          goto oom;
        if (s->n)
          memcpy(v[n].items, s->items, s->n * sizeof *s->items);
        v[n].items[s->n] = f;
        v[n].n = s->n + 1;
        v[n].cps = NULL;
        v[n].ncp = 0;
        n++;
      }
    }
  }
  *out = v;
  *nout = n;
  *from = i;
  return AIA_OK;
oom:
  for (size_t k = 0; k < n; k++)
    sched_free(&v[k]);
  free(v);
  return AIA_ENOMEM;
}

static int keep_cex(aia_explore_cex *x, const sched *s, const outcome *o)
{
  x->force = malloc(s->n * sizeof *x->force);
  if (x->force == NULL)
    return AIA_ENOMEM;
  memcpy(x->force, s->items, s->n * sizeof *x->force);
  x->nforce = s->n;
  x->lost_wakeups = o->lost_w;
  x->lost_interrupts = o->lost_i;
  x->trace_hash = o->hash;
  return AIA_OK;
}

/* Takes the outcomes of the first n schedules of a batch, in order: counts
 * them, keeps the first counterexample of each kind, and moves the new
 * states that do not violate to *next (when want: they are to be extended). */
static int take(aia_explore_report *out, hset *seen, bool *oom, sched *ch, const outcome *oc,
                size_t n, bool want, sched **next, size_t *nnext)
{
  int rc = AIA_OK;
  for (size_t i = 0; i < n && rc == AIA_OK; i++) {
    out->runs++;
    if (!hset_add(seen, oc[i].hash, oom))
      continue;
    out->states++;
    if (oc[i].lost_w || oc[i].lost_i) {
      out->violating++;
      if (oc[i].lost_w && !out->found_wakeup) {
        out->found_wakeup = true;
        rc = keep_cex(&out->wakeup, &ch[i], &oc[i]);
      }
      if (oc[i].lost_i && !out->found_interrupt && rc == AIA_OK) {
        out->found_interrupt = true;
        rc = keep_cex(&out->interrupt, &ch[i], &oc[i]);
      }
      continue;
    }
    if (want) {
      if (*nnext % 256 == 0) {
        sched *nv = realloc(*next, (*nnext + 256) * sizeof *nv);
        if (nv == NULL)
          return AIA_ENOMEM;
        *next = nv;
      }
      (*next)[*nnext] = ch[i]; /* its choice points: listed when it is extended */
      ch[i].items = NULL;
      (*nnext)++;
    }
  }
  return rc;
}

int aia_explore(const aia_scenario *scn, aia_policy policy, const aia_explore_config *cfg_in,
                aia_explore_report *out, char *err, size_t errlen)
{
  ctx c;
  worker ws[64];
  uint32_t nw;
  hset seen = { NULL, 0, 0, false };
  sched root, *level = NULL, *next = NULL;
  size_t nlevel = 0, nnext = 0;
  outcome o0;
  double t0 = now_s(), deadline, prog_at;
  aia_explore_progress prog;
  int rc = AIA_OK;
  bool stop = false, oom = false;

  if (out == NULL)
    return fail(err, errlen, AIA_EINVAL, "explore: no report");
  memset(out, 0, sizeof *out);
  if (scn == NULL || aia_policy_name(policy) == NULL)
    return fail(err, errlen, AIA_EINVAL, "explore: bad scenario or policy");
  memset(&c, 0, sizeof c);
  c.scn = scn;
  c.policy = policy;
  aia_explore_config_init(&c.cfg);
  if (cfg_in != NULL) {
    if (cfg_in->struct_size < sizeof(size_t) + sizeof(uint32_t))
      return fail(err, errlen, AIA_EINVAL, "explore: config struct_size too small");
    memcpy(&c.cfg, cfg_in,
           cfg_in->struct_size < sizeof c.cfg ? cfg_in->struct_size : sizeof c.cfg);
  }
  if (c.cfg.depth < 1 || c.cfg.depth > AIA_EXPLORE_MAX_DEPTH)
    return fail(err, errlen, AIA_EINVAL, "explore: depth must be 1..4");
  if (c.cfg.ndelays < 1 || c.cfg.ndelays > AIA_EXPLORE_MAX_DELAYS)
    return fail(err, errlen, AIA_EINVAL, "explore: 1..8 delays");
  if (c.cfg.jobs < 1 || c.cfg.jobs > 64)
    return fail(err, errlen, AIA_EINVAL, "explore: jobs must be 1..64");
  if (!c.cfg.msi && !c.cfg.preempt && !c.cfg.migrate)
    return fail(err, errlen, AIA_EINVAL, "explore: no kind of perturbation");
  if (c.cfg.max_seconds < 0 || c.cfg.progress_every < 0 ||
      (c.cfg.to != 0 && c.cfg.to <= c.cfg.from))
    return fail(err, errlen, AIA_EINVAL, "explore: bad window or budget");
  if (scn->nvms == 0 || scn->vms == NULL)
    return fail(err, errlen, AIA_EINVAL, "explore: the scenario has no vCPU");
  c.vbase = calloc(scn->nvms, sizeof *c.vbase);
  if (c.vbase == NULL)
    return AIA_ENOMEM;
  for (uint32_t i = 0; i < scn->nvms; i++) {
    c.vbase[i] = c.nvcpu;
    c.nvcpu += scn->vms[i].vcpus;
  }
  c.iid = scn->ids >= 32 ? 32 : 1;
  if (scn->ndevices > 0 && scn->devices && scn->devices[0].niids && scn->devices[0].iids)
    c.iid = scn->devices[0].iids[0];
  c.t0 = t0;
  deadline = c.cfg.max_seconds > 0 ? t0 + c.cfg.max_seconds : 0;
  prog_at = t0 + c.cfg.progress_every;
  memset(&prog, 0, sizeof prog);
  nw = c.cfg.jobs;
  for (uint32_t i = 0; i < nw; i++) {
    ws[i].caller = i == 0; /* work(&ws[0]) runs on this thread */
    if (coll_init(&ws[i].k, &c) != AIA_OK) {
      for (uint32_t j = 0; j <= i; j++)
        coll_free(&ws[j].k);
      free(c.vbase);
      return AIA_ENOMEM;
    }
  }
  out->policy = policy;

  /* The reference run. */
  memset(&root, 0, sizeof root);
  run_sched(&c, &ws[0].k, &root, true, &o0);
  rc = o0.rc;
  if (rc != AIA_OK) {
    fail(err, errlen, rc, "explore: the reference run failed");
    goto done;
  }
  out->runs = 1;
  out->states = 1;
  (void)hset_add(&seen, o0.hash, &oom);
  root.cps = o0.cps;
  root.ncp = o0.ncp;
  out->choice_points = root.ncp;
  if (o0.lost_w || o0.lost_i) { /* the scenario loses as it is: 0 perturbations */
    out->violating = 1;
    out->found_wakeup = o0.lost_w > 0;
    out->found_interrupt = o0.lost_i > 0;
    out->wakeup.lost_wakeups = out->interrupt.lost_wakeups = o0.lost_w;
    out->wakeup.lost_interrupts = out->interrupt.lost_interrupts = o0.lost_i;
    out->wakeup.trace_hash = out->interrupt.trace_hash = o0.hash;
  }
  if (root.ncp == 0) {
    rc = fail(err, errlen, AIA_EINVAL, "explore: no choice point in the window (no vCPU activity)");
    goto done;
  }
  level = malloc(sizeof *level);
  if (level == NULL) {
    rc = AIA_ENOMEM;
    goto done;
  }
  level[0] = root;
  root.cps = NULL;
  nlevel = 1;

  /* Breadth first. A schedule kept for the next depth keeps its
   * perturbations only; its choice points (thousands of them in a long run)
   * are listed again by running it once more when it is extended, so the
   * memory is that of one schedule's choice points and of the kept
   * schedules' perturbations, not of every kept schedule's choice points
   * (which grew by 140 KB a run on a 2 ms scenario). */
  for (uint32_t d = 1; d <= c.cfg.depth && !stop; d++) {
    bool want = d < c.cfg.depth;
    for (size_t li = 0; li < nlevel && !stop; li++) {
      size_t from = 0;
      if (level[li].cps == NULL) {
        outcome po;
        run_sched(&c, &ws[0].k, &level[li], true, &po);
        if ((rc = po.rc) != AIA_OK)
          goto done;
        level[li].cps = po.cps;
        level[li].ncp = po.ncp;
      }
      /* Its children are made, run and taken CHILDREN_CHUNK at a time, in
       * their order: the memory is one chunk's, however many choice points
       * the run has (a 1 s scenario has 180,000: 1.6 million children). */
      while (from < level[li].ncp && !stop && rc == AIA_OK) {
        sched *ch = NULL;
        size_t nch = 0, nall, nran = 0;
        outcome *oc;
        rc = children(&c, &level[li], &from, CHILDREN_CHUNK, &ch, &nch);
        if (rc != AIA_OK)
          break;
        nall = nch;
        if (c.cfg.max_runs && out->runs + nch > c.cfg.max_runs) {
          nch = c.cfg.max_runs > out->runs ? (size_t)(c.cfg.max_runs - out->runs) : 0;
          stop = true;
        }
        oc = calloc(nch ? nch : 1, sizeof *oc);
        if (oc == NULL) {
          rc = AIA_ENOMEM;
        } else {
          prog.depth = d;
          prog.runs = out->runs;
          prog.states = out->states;
          prog.extended = li;
          prog.to_extend = nlevel;
          rc = run_batch(&c, ws, nw, ch, oc, nch, deadline, &prog, &prog_at);
          /* Past the time budget no run starts: what counts is the
           * schedules before the first one not run (any run after it is
           * dropped, so the report is that of a breadth-first prefix, as
           * with a run budget). */
          while (nran < nch && oc[nran].ran)
            nran++;
          if (nran < nch && rc == AIA_OK)
            stop = true;
        }
        if (rc == AIA_OK)
          rc = take(out, &seen, &oom, ch, oc, nran, want, &next, &nnext);
        for (size_t i = 0; i < nall; i++) /* beyond a cut budget: never run */
          free(ch[i].items);
        free(ch);
        free(oc);
        if (oom && rc == AIA_OK)
          rc = AIA_ENOMEM;
        if (deadline > 0 && now_s() > deadline)
          stop = true;
      }
      free(level[li].cps);
      level[li].cps = NULL;
      level[li].ncp = 0;
      if (rc != AIA_OK)
        goto done;
    }
    if (!stop)
      out->depth_done = d;
    for (size_t i = 0; i < nlevel; i++)
      sched_free(&level[i]);
    free(level);
    level = next;
    nlevel = nnext;
    next = NULL;
    nnext = 0;
  }
  out->complete = out->depth_done == c.cfg.depth;

done:
  out->seconds = now_s() - t0;
  for (size_t i = 0; i < nlevel; i++)
    sched_free(&level[i]);
  free(level);
  for (size_t i = 0; i < nnext; i++)
    sched_free(&next[i]);
  free(next);
  sched_free(&root);
  free(seen.v);
  for (uint32_t i = 0; i < nw; i++)
    coll_free(&ws[i].k);
  free(c.vbase);
  if (rc != AIA_OK)
    aia_explore_report_free(out);
  return rc;
}

void aia_explore_report_free(aia_explore_report *r)
{
  if (r == NULL)
    return;
  free(r->wakeup.force);
  free(r->interrupt.force);
  r->wakeup.force = r->interrupt.force = NULL;
  r->wakeup.nforce = r->interrupt.nforce = 0;
}
