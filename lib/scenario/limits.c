/* lib/scenario/limits.c: what a scenario will cost before it runs (memory,
 * engine events, MSIs, sweep points) and the budgets it must fit in, the
 * same for `aiasim check` and `aiasim run` (docs/limits.md).
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aiasim/scenario.h"

/* Bytes per modelled object, measured (1,024 harts with 4 idle vCPUs each:
 * 6.8 KiB a hart, 3.4 KiB a vCPU, meter included) with a margin of 1.5. */
#define HART_BYTES 10240u
#define VCPU_BYTES 5120u
#define VM_BYTES 4096u
#define DEVICE_BYTES 1024u
#define WAITING_BYTES 96u /* one injection waiting for the injector */
#define MSI_BYTES 32u     /* the meter's record of an MSI not yet resolved */
#define BASE_BYTES (4u << 20)
/* Events per MSI, a floor (a coalesced MSI into a running guest costs about
 * 4; a wake-up 20 and more): the estimate refuses only what cannot fit. */
#define EVENTS_PER_MSI 4u

void aia_limits_init(aia_limits *l)
{
  if (l == NULL)
    return;
  memset(l, 0, sizeof *l);
  l->struct_size = sizeof *l;
  l->max_memory = AIA_LIMIT_MEMORY_DEFAULT;
  l->max_events = AIA_LIMIT_EVENTS_DEFAULT;
  l->max_points = AIA_LIMIT_POINTS_DEFAULT;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
  return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

int aia_scenario_cost_estimate(const aia_scenario *scn, aia_scenario_cost *out)
{
  uint64_t vcpus = 0, msis = 0, events = 0;
  if (scn == NULL || out == NULL || out->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  aia_scenario_cost c;
  memset(&c, 0, sizeof c);
  for (uint32_t i = 0; i < scn->nvms && scn->vms; i++)
    vcpus += scn->vms[i].vcpus;
  for (uint32_t i = 0; i < scn->ndevices && scn->devices; i++) {
    const aia_scn_device *d = &scn->devices[i];
    uint64_t n;
    switch (d->pattern) {
    case AIA_PATTERN_LIST:
      n = d->nat;
      break;
    case AIA_PATTERN_BURST:
      n = sat_mul(d->burst_count, d->burst_every ? scn->duration / d->burst_every + 1 : 1);
      break;
    default:
      n = d->period ? scn->duration / d->period + 1 : 0;
      break;
    }
    msis = sat_add(msis, n);
  }
  events = sat_mul(msis, EVENTS_PER_MSI);
  /* The host tick on every hart. */
  if (scn->clock_hz && scn->hz)
    events = sat_add(events, sat_mul(scn->harts, scn->duration / (scn->clock_hz / scn->hz + 1)));
  /* Noise threads switch twice a period on each of their harts. */
  for (uint32_t i = 0; i < scn->nnoise && scn->noise; i++) {
    const aia_scn_noise *z = &scn->noise[i];
    uint64_t period = z->busy + z->idle;
    uint64_t harts = z->nharts ? z->nharts : scn->harts;
    if (period)
      events = sat_add(events, sat_mul(2 * harts, scn->duration / period));
  }
  uint64_t waiting = msis < scn->injector_backlog ? msis : scn->injector_backlog;
  uint64_t mem = BASE_BYTES;
  mem = sat_add(mem, sat_mul(scn->harts, HART_BYTES));
  mem = sat_add(mem, sat_mul(vcpus, VCPU_BYTES));
  mem = sat_add(mem, sat_mul(scn->nvms, VM_BYTES));
  mem = sat_add(mem, sat_mul(scn->ndevices, DEVICE_BYTES));
  mem = sat_add(mem, sat_mul(waiting, WAITING_BYTES + MSI_BYTES));
  mem = sat_add(mem, scn->text_len);
  c.struct_size = out->struct_size;
  c.memory = mem;
  c.events = events;
  c.msis = msis;
  c.vcpus = vcpus;
  switch (scn->sweep.kind) {
  case AIA_SWEEP_SET:
    c.points = scn->sweep.nvalues;
    break;
  case AIA_SWEEP_OFFSET:
    if (scn->sweep.step > 0 && scn->sweep.to >= scn->sweep.from) {
      /* (to - from) / step + 1 without overflow of the difference */
      uint64_t span = (uint64_t)scn->sweep.to - (uint64_t)scn->sweep.from;
      c.points = span / (uint64_t)scn->sweep.step + 1;
    } else {
      c.points = 1;
    }
    break;
  default:
    c.points = 1;
    break;
  }
  size_t n = out->struct_size < sizeof c ? out->struct_size : sizeof c;
  memcpy(out, &c, n);
  return AIA_OK;
}

/* "1.5 GiB", "340 MiB" */
static void bytes(char *buf, size_t len, uint64_t b)
{
  if (b >= (UINT64_C(1) << 30))
    snprintf(buf, len, "%.1f GiB", (double)b / (double)(UINT64_C(1) << 30));
  else
    snprintf(buf, len, "%.0f MiB", (double)b / (double)(UINT64_C(1) << 20));
}

int aia_scenario_check_limits(const aia_scenario *scn, const aia_limits *lim, char *err, size_t len)
{
  aia_limits l;
  aia_scenario_cost c;
  char a[32], b[32];
  if (scn == NULL)
    return AIA_EINVAL;
  aia_limits_init(&l);
  if (lim) {
    if (lim->struct_size < sizeof(size_t))
      return AIA_EINVAL;
    memcpy(&l, lim, lim->struct_size < sizeof l ? lim->struct_size : sizeof l);
  }
  c.struct_size = sizeof c;
  if (aia_scenario_cost_estimate(scn, &c) != AIA_OK)
    return AIA_EINVAL;
  if (l.max_points && c.points > l.max_points) {
    if (err)
      snprintf(err, len,
               "the sweep has %" PRIu64 " points; the budget is %" PRIu64 " (max_points)", c.points,
               l.max_points);
    return AIA_ELIMIT;
  }
  if (l.max_memory && c.memory > l.max_memory) {
    bytes(a, sizeof a, c.memory);
    bytes(b, sizeof b, l.max_memory);
    if (err)
      snprintf(err, len,
               "one run needs about %s (%" PRIu32 " harts, %" PRIu64 " vCPUs); the memory budget is %s"
               " (max_memory)",
               a, scn->harts, c.vcpus, b);
    return AIA_ELIMIT;
  }
  if (l.max_events && c.events > l.max_events) {
    if (err)
      snprintf(err, len,
               "the devices send about %" PRIu64 " MSIs, at least %" PRIu64
               " events; the event budget of a run is %" PRIu64 " (max_events)",
               c.msis, c.events, l.max_events);
    return AIA_ELIMIT;
  }
  return AIA_OK;
}
