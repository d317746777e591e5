/* lib/obs/trace_vcd.c: the VCD (value change dump) timeline writer.
 * SPDX-License-Identifier: MIT
 *
 * Signals, in scope aia:
 *   hart<h>.hgeip  [geilen+1]  hgeip as the hart sees it (AIA_EV_HGEIP)
 *   hart<h>.hgeie  [geilen+1]  hgeie (AIA_EV_HGEIE)
 *   hart<h>.vgein  [bits]      hstatus.VGEIN: the entry's value at
 *                              AIA_EV_VM_ENTRY, 0 at AIA_EV_VM_EXIT
 *   hart<h>.sgeip, .seip       mip.SGEIP, mip.SEIP (AIA_EV_SGEIP, AIA_EV_SEIP)
 *   hart<h>.idle               the hart sits in WFI (HART_IDLE .. HART_WAKE)
 *   hart<h>.s_line, .g<k>_line output line of the S file and guest file k
 *                              (AIA_EV_FILE_LINE)
 *   vm<v>.vcpu<c>.state [3]    aia_vcpu_state (AIA_EV_VCPU_STATE)
 *
 * Changes are held for the cycle they happen on and written when a later
 * cycle begins, only for signals whose value differs from the one last
 * written: a signal that goes up and down within one cycle leaves no trace,
 * and every time stamp in the file is strictly larger than the one before.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/version.h"
#include "core/sim_impl.h"
#include "obs/trace_impl.h"

/* Signals of a hart, in declaration order; guest file lines follow. */
enum { S_HGEIP = 0, S_HGEIE, S_VGEIN, S_SGEIP, S_SEIP, S_IDLE, S_SLINE, S_PER_HART_FIXED };

static const char hart_sig_names[S_PER_HART_FIXED][8] = {
  "hgeip", "hgeie", "vgein", "sgeip", "seip", "idle", "s_line"
};

typedef struct sig {
  uint64_t cur;     /* value now */
  uint64_t written; /* value last written to the file */
  uint8_t width;
  bool dirty;       /* on the list of changes of the held cycle */
} sig;

struct aia_trace_vcd {
  aia__trace_sys sys;
  FILE *out;
  uint32_t hook;
  bool hooked, closed, done, io_error, dumped, wrote_time;
  uint32_t per_hart;  /* signals per hart */
  uint32_t nsig;
  sig *sig;
  uint32_t *dirty;    /* indices changed during the held cycle */
  uint32_t ndirty;
  aia_cycle held;     /* the cycle whose changes are held */
  aia_cycle dump_at;  /* where $dumpvars goes: max(from, open) */
  uint64_t last_time; /* last time stamp written (valid if wrote_time) */
  uint64_t t_num, t_den; /* time units = cycle * t_num / t_den */
  char timescale[8];
};

#define VCD_MASK                                                                             \
  (AIA_EV_BIT(AIA_EV_FILE_LINE) | AIA_EV_BIT(AIA_EV_HGEIP) | AIA_EV_BIT(AIA_EV_SGEIP) |       \
   AIA_EV_BIT(AIA_EV_HART_IDLE) | AIA_EV_BIT(AIA_EV_HART_WAKE) | AIA_EV_BIT(AIA_EV_HGEIE) |   \
   AIA_EV_BIT(AIA_EV_SEIP) | AIA_EV_BIT(AIA_EV_VCPU_STATE) | AIA_EV_BIT(AIA_EV_VM_ENTRY) |    \
   AIA_EV_BIT(AIA_EV_VM_EXIT))

/* ------------------------------------------------------------ output --- */

static void put(aia_trace_vcd *w, const char *s)
{
  if (fputs(s, w->out) == EOF)
    w->io_error = true;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void putf(aia_trace_vcd *w, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (vfprintf(w->out, fmt, ap) < 0)
    w->io_error = true;
  va_end(ap);
}

/* Identifier of signal n: printable ASCII '!'..'~' as digits of a
 * bijective base-94 number, least significant first, so every n has its
 * own shortest string: "!" .. "~", "!!", "\"!", ... */
static void vcd_id(uint32_t n, char out[8])
{
  size_t len = 0;
  uint64_t v = (uint64_t)n + 1;
  while (v > 0) {
    v -= 1;
    out[len++] = (char)('!' + v % 94u);
    v /= 94u;
  }
  out[len] = '\0';
}

static void put_value(aia_trace_vcd *w, uint32_t n)
{
  char id[8], bits[72];
  const sig *s = &w->sig[n];
  vcd_id(n, id);
  if (s->width == 1) {
    putf(w, "%c%s\n", (s->cur & 1u) ? '1' : '0', id);
    return;
  }
  /* Binary without leading zeros ("b0" for zero): VCD pads with 0. */
  size_t len = 0;
  int top = 63;
  while (top > 0 && !((s->cur >> top) & 1u))
    top--;
  for (int b = top; b >= 0; b--)
    bits[len++] = ((s->cur >> b) & 1u) ? '1' : '0';
  bits[len] = '\0';
  putf(w, "b%s %s\n", bits, id);
}

static uint64_t to_time(const aia_trace_vcd *w, aia_cycle c)
{
  return aia__trace_muldiv(c, w->t_num, w->t_den);
}

/* A time stamp, if it moves time forward. */
static bool put_time(aia_trace_vcd *w, aia_cycle c)
{
  uint64_t t = to_time(w, c);
  if (w->wrote_time && t <= w->last_time)
    return false;
  putf(w, "#%" PRIu64 "\n", t);
  w->last_time = t;
  w->wrote_time = true;
  return true;
}

/* The largest decade of seconds (1 fs .. 1 s) not longer than one cycle,
 * and the fraction that turns cycles into that unit. */
static void pick_timescale(aia_trace_vcd *w)
{
  static const char units[6][3] = { "fs", "ps", "ns", "us", "ms", "s" };
  uint64_t period_fs = UINT64_C(1000000000000000) / w->sys.clock_hz;
  uint64_t unit = 1, g;
  unsigned k = 0;
  while (k < 15 && unit * 10 <= period_fs) {
    unit *= 10;
    k++;
  }
  w->t_num = UINT64_C(1000000000000000) / unit;
  w->t_den = w->sys.clock_hz;
  g = aia__trace_gcd(w->t_num, w->t_den);
  w->t_num /= g;
  w->t_den /= g;
  snprintf(w->timescale, sizeof w->timescale, "%u%s", k % 3 == 0 ? 1u : k % 3 == 1 ? 10u : 100u,
           units[k / 3]);
}

/* Text for the $comment: no '$' (it would end the section early), no
 * control characters. */
static void put_comment_text(aia_trace_vcd *w, const char *s)
{
  char buf[2] = { 0, 0 };
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    buf[0] = (c < 0x20 || c == '$' || c >= 0x7f) ? '_' : (char)c;
    put(w, buf);
  }
}

static void put_var(aia_trace_vcd *w, uint32_t n, const char *name)
{
  char id[8];
  vcd_id(n, id);
  if (w->sig[n].width == 1)
    putf(w, "$var wire 1 %s %s $end\n", id, name);
  else
    putf(w, "$var wire %u %s %s [%u:0] $end\n", (unsigned)w->sig[n].width, id, name,
         (unsigned)w->sig[n].width - 1u);
}

static void write_header(aia_trace_vcd *w)
{
  char name[32];
  aia__trace_sys *s = &w->sys;
  put(w, "$version aiasim " AIA_VERSION_STRING " $end\n$comment seed=");
  putf(w, "%" PRIu64 " scenario=", s->seed);
  put_comment_text(w, s->scenario);
  putf(w, " clock_hz=%" PRIu64 " from=%" PRIu64 " to=%" PRIu64 " $end\n", s->clock_hz, s->from,
       s->to);
  putf(w, "$timescale %s $end\n$scope module aia $end\n", w->timescale);
  for (uint32_t h = 0; h < s->harts; h++) {
    uint32_t base = h * w->per_hart;
    putf(w, "$scope module hart%" PRIu32 " $end\n", h);
    for (uint32_t k = 0; k < S_PER_HART_FIXED; k++)
      put_var(w, base + k, hart_sig_names[k]);
    for (uint32_t f = 1; f <= s->geilen; f++) {
      snprintf(name, sizeof name, "g%" PRIu32 "_line", f);
      put_var(w, base + S_SLINE + f, name);
    }
    put(w, "$upscope $end\n");
  }
  for (uint32_t vm = 0; vm < s->nvms; vm++) {
    putf(w, "$scope module vm%" PRIu32 " $end\n", vm);
    for (uint32_t g = s->vm_base[vm]; g < s->vm_base[vm + 1]; g++) {
      putf(w, "$scope module vcpu%" PRIu32 " $end\n", g - s->vm_base[vm]);
      put_var(w, s->harts * w->per_hart + g, "state");
      put(w, "$upscope $end\n");
    }
    put(w, "$upscope $end\n");
  }
  put(w, "$upscope $end\n$enddefinitions $end\n");
}

/* ------------------------------------------------------------ values --- */

static void set(aia_trace_vcd *w, uint32_t n, uint64_t v)
{
  sig *s = &w->sig[n];
  if (s->width < 64)
    v &= (UINT64_C(1) << s->width) - 1u;
  if (s->cur == v)
    return;
  s->cur = v;
  if (!s->dirty) {
    s->dirty = true;
    w->dirty[w->ndirty++] = n;
  }
}

static void dumpvars(aia_trace_vcd *w)
{
  (void)put_time(w, w->dump_at);
  put(w, "$dumpvars\n");
  for (uint32_t n = 0; n < w->nsig; n++) {
    put_value(w, n);
    w->sig[n].written = w->sig[n].cur;
    w->sig[n].dirty = false;
  }
  put(w, "$end\n");
  w->ndirty = 0;
  w->dumped = true;
}

/* Writes the changes held for cycle w->held. */
static void write_changes(aia_trace_vcd *w)
{
  bool stamped = false;
  for (uint32_t i = 0; i < w->ndirty; i++) {
    uint32_t n = w->dirty[i];
    sig *s = &w->sig[n];
    s->dirty = false;
    if (s->cur == s->written)
      continue;
    if (!stamped) {
      (void)put_time(w, w->held);
      stamped = true;
    }
    put_value(w, n);
    s->written = s->cur;
  }
  w->ndirty = 0;
}

/* A record of cycle c > held arrives: the held cycle is complete. */
static void advance(aia_trace_vcd *w, aia_cycle c)
{
  if (!w->dumped) {
    /* Everything up to dump_at folds into the initial values. */
    if (c > w->dump_at)
      dumpvars(w);
  } else {
    write_changes(w);
  }
  w->held = c;
}

/* Ends the output at `end`: the held changes, then the end marker. */
static void finish(aia_trace_vcd *w, aia_cycle end)
{
  if (!w->dumped) {
    if (w->dump_at <= end && (w->sys.to == 0 || w->dump_at < w->sys.to))
      dumpvars(w);
  } else {
    write_changes(w);
  }
  if (w->dumped)
    (void)put_time(w, end);
  w->done = true;
}

static void on_record(void *user, const aia_event *ev)
{
  aia_trace_vcd *w = user;
  uint32_t h = ev->hart, base;
  if (w->done || w->closed)
    return;
  if (w->sys.to != 0 && ev->cycle >= w->sys.to) {
    finish(w, w->sys.to);
    return;
  }
  if (ev->cycle > w->held)
    advance(w, ev->cycle);
  if (ev->kind == AIA_EV_VCPU_STATE) {
    uint32_t g = aia__trace_vcpu(&w->sys, ev->vm, ev->vcpu);
    if (g != AIA_NONE)
      set(w, w->sys.harts * w->per_hart + g, ev->arg);
    return;
  }
  if (h >= w->sys.harts)
    return;
  base = h * w->per_hart;
  switch (ev->kind) {
  case AIA_EV_HGEIP:
    set(w, base + S_HGEIP, ev->arg);
    break;
  case AIA_EV_HGEIE:
    set(w, base + S_HGEIE, ev->arg);
    break;
  case AIA_EV_VM_ENTRY:
    set(w, base + S_VGEIN, ev->arg);
    break;
  case AIA_EV_VM_EXIT:
    set(w, base + S_VGEIN, 0);
    break;
  case AIA_EV_SGEIP:
    set(w, base + S_SGEIP, ev->arg != 0);
    break;
  case AIA_EV_SEIP:
    set(w, base + S_SEIP, ev->arg != 0);
    break;
  case AIA_EV_HART_IDLE:
    set(w, base + S_IDLE, 1);
    break;
  case AIA_EV_HART_WAKE:
    set(w, base + S_IDLE, 0);
    break;
  case AIA_EV_FILE_LINE:
    if (ev->file <= w->sys.geilen)
      set(w, base + S_SLINE + ev->file, ev->arg != 0);
    break;
  default:
    break;
  }
}

/* ---------------------------------------------------------- lifecycle -- */

static void vcd_free(void *obj)
{
  aia_trace_vcd *w = obj;
  aia__trace_sys_free(&w->sys);
  free(w->sig);
  free(w->dirty);
  free(w);
}

static uint8_t bits_for(uint32_t max)
{
  uint8_t b = 1;
  while (b < 32 && (max >> b) != 0)
    b++;
  return b;
}

/* The values at open, read from the platform and the vCPUs. */
static void initial_values(aia_trace_vcd *w)
{
  aia__trace_sys *s = &w->sys;
  for (uint32_t h = 0; h < s->harts; h++) {
    uint32_t base = h * w->per_hart;
    uint64_t hgeie = 0, mip = aia_hart_mip(s->plat, h);
    (void)aia_hart_hgeie(s->plat, h, AIA_CSR_READ, 0, &hgeie);
    w->sig[base + S_HGEIP].width = (uint8_t)(s->geilen + 1);
    w->sig[base + S_HGEIE].width = (uint8_t)(s->geilen + 1);
    w->sig[base + S_VGEIN].width = bits_for(s->geilen);
    for (uint32_t k = S_SGEIP; k < w->per_hart; k++)
      w->sig[base + k].width = 1;
    w->sig[base + S_HGEIP].cur = aia_hart_hgeip(s->plat, h);
    w->sig[base + S_HGEIE].cur = hgeie;
    w->sig[base + S_VGEIN].cur = aia_hart_vgein(s->plat, h);
    w->sig[base + S_SGEIP].cur = (mip >> AIA_IRQ_SGEI) & 1u;
    w->sig[base + S_SEIP].cur = (mip >> AIA_IRQ_SEI) & 1u;
    w->sig[base + S_IDLE].cur = aia_hart_is_idle(s->plat, h);
    for (uint32_t f = 0; f <= s->geilen; f++)
      w->sig[base + S_SLINE + f].cur = aia_file_line(s->plat, h, f);
  }
  for (uint32_t g = 0; g < s->nvcpus; g++) {
    sig *v = &w->sig[s->harts * w->per_hart + g];
    v->width = 3;
    v->cur = (uint64_t)aia_vcpu_get_state(s->vcpus[g]);
  }
}

int aia_trace_vcd_open(aia_sim *sim, FILE *out, const aia_trace_config *cfg, aia_trace_vcd **wp)
{
  aia_trace_vcd *w;
  int rc;
  if (wp == NULL)
    return AIA_EINVAL;
  *wp = NULL;
  if (!aia__sim_ok(sim) || out == NULL || cfg == NULL)
    return AIA_EINVAL;
  w = calloc(1, sizeof *w);
  if (w == NULL)
    return AIA_ENOMEM;
  rc = aia__trace_sys_init(&w->sys, sim, cfg);
  if (rc != AIA_OK) {
    free(w);
    return rc;
  }
  w->out = out;
  w->per_hart = S_PER_HART_FIXED + w->sys.geilen;
  w->nsig = w->sys.harts * w->per_hart + w->sys.nvcpus;
  w->sig = calloc(w->nsig, sizeof *w->sig);
  w->dirty = calloc(w->nsig, sizeof *w->dirty);
  if (w->sig == NULL || w->dirty == NULL) {
    vcd_free(w);
    return AIA_ENOMEM;
  }
  rc = aia__sim_attach(sim, w, vcd_free);
  if (rc != AIA_OK) {
    vcd_free(w);
    return rc;
  }
  /* From here on the sim owns w: failures leave it closed, not freed. */
  w->closed = true;
  pick_timescale(w);
  initial_values(w);
  w->held = w->sys.opened;
  w->dump_at = w->sys.from > w->sys.opened ? w->sys.from : w->sys.opened;
  write_header(w);
  if (w->io_error || ferror(out))
    return aia__sim_fail(sim, AIA_EIO, "trace: writing the VCD header failed");
  rc = aia_sim_hook_add(sim, VCD_MASK, on_record, w, &w->hook);
  if (rc != AIA_OK)
    return rc;
  w->hooked = true;
  w->closed = false;
  *wp = w;
  return AIA_OK;
}

int aia_trace_vcd_close(aia_trace_vcd *w)
{
  if (w == NULL)
    return AIA_EINVAL;
  if (w->closed)
    return AIA_ESTATE;
  if (!w->done)
    finish(w, aia__trace_end(&w->sys));
  if (w->hooked)
    (void)aia_sim_hook_remove(w->sys.sim, w->hook);
  w->hooked = false;
  w->closed = true;
  if (w->io_error || ferror(w->out))
    return aia__sim_fail(w->sys.sim, AIA_EIO, "trace: writing the VCD trace failed");
  return AIA_OK;
}
