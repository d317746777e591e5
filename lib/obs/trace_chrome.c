/* lib/obs/trace_chrome.c: the Chrome / Perfetto JSON timeline writer.
 * SPDX-License-Identifier: MIT
 *
 * Tracks (one "thread" each, all in pid 1):
 *   hart<h>        what the hart does: idle (WFI), schedule (between two
 *                  threads), a host thread, and nested in a vCPU thread the
 *                  guest (VM entry to VM exit);
 *   vm<v> vcpu<c>  the vCPU's state (AIA_EV_VCPU_STATE), back to back;
 *   events         records that belong to no hart and no known vCPU.
 * Instants mark MSIs, kicks, IPIs, SGEIs, claims, violations; a flow joins
 * each MSI's source to the claim that took it.
 *
 * Ordering. A complete ("X") event carries its start but is only known at
 * its end, and the file must be sorted by timestamp. Events therefore go
 * into a min-heap keyed by (cycle, sequence) and leave it once nothing still
 * open (a slice, an unclaimed MSI) can produce an event before them. A
 * slice's sequence number is taken when it opens, so a parent precedes the
 * slices and instants that begin on the same cycle inside it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/version.h"
#include "core/sim_impl.h"
#include "obs/trace_impl.h"

/* Kinds of slices. */
enum { SL_NONE = 0, SL_IDLE, SL_SCHED, SL_THREAD, SL_GUEST, SL_STATE };

/* States of an MSI followed from its source to its claim. */
enum { FL_FLIGHT = 0, FL_LANDED, FL_CLEARED };

typedef struct slice {
  uint8_t what;    /* SL_*; SL_NONE = nothing open */
  aia_cycle start; /* cycle it began (may precede the window) */
  uint64_t seq;
  uint32_t a, b;   /* THREAD: thread id, global vCPU; GUEST: global vCPU, VGEIN;
                      STATE: aia_vcpu_state, hart */
} slice;

/* One event of the output, waiting in the heap. */
typedef struct tev {
  aia_cycle at;   /* timestamp (cycle) */
  aia_cycle end;  /* X: end cycle */
  uint64_t seq;
  uint32_t tid;
  uint8_t ph;     /* 'X', 'i', 's', 'f' */
  uint8_t what;   /* X: SL_* */
  uint8_t exit;   /* GUEST: exit reason + 1; 0 = ended otherwise */
  uint32_t a, b;  /* X: as in slice */
  aia_event ev;   /* i: the record; s/f: ev.msi */
} tev;

typedef struct flow {
  uint64_t msi;
  aia_cycle src;
  uint64_t seq;   /* reserved for the "s" event at the source */
  uint32_t g;     /* global vCPU */
  uint32_t iid;
  uint8_t state;  /* FL_* */
} flow;

struct aia_trace_chrome {
  aia__trace_sys sys;
  FILE *out;
  uint32_t hook;
  bool hooked, closed, done, io_error, nomem, first;
  uint64_t seq;
  slice *hs;       /* 2 per hart: [2h] the hart's activity, [2h+1] the guest in it */
  slice *vs;       /* per global vCPU */
  tev *heap;
  size_t n, cap, flush_at;
  flow *fl;
  size_t nfl, cfl;
};

/* Names. Arrays of characters, not of pointers: no relocated data. */
static const char state_names[AIA_VCPU_STATE_COUNT_][12] = {
  "in_guest", "in_host", "polling", "blocked", "runnable", "userspace"
};
static const char exit_names[5][12] = { "wfi", "irq", "csr_trap", "resched", "userspace" };
static const char kick_names[4][12] = { "woke", "ipi", "nothing", "own_thread" };
static const char viol_names[3][20] = { "lost_wakeup", "lost_interrupt", "wired_unserviced" };

/* Records the writer reads. */
#define CHROME_MASK                                                                         \
  (AIA_EV_BIT(AIA_EV_USER) | AIA_EV_BIT(AIA_EV_MSI_LANDED) | AIA_EV_BIT(AIA_EV_MSI_DROPPED) | \
   AIA_EV_BIT(AIA_EV_EIP_CLEAR) | AIA_EV_BIT(AIA_EV_IPI_SEND) |                               \
   AIA_EV_BIT(AIA_EV_IPI_DELIVER) | AIA_EV_BIT(AIA_EV_HART_IDLE) |                            \
   AIA_EV_BIT(AIA_EV_HART_WAKE) | AIA_EV_BIT(AIA_EV_SCHED_IN) | AIA_EV_BIT(AIA_EV_SCHED_OUT) | \
   AIA_EV_BIT(AIA_EV_VCPU_STATE) | AIA_EV_BIT(AIA_EV_VM_ENTRY) | AIA_EV_BIT(AIA_EV_VM_EXIT) | \
   AIA_EV_BIT(AIA_EV_KICK) | AIA_EV_BIT(AIA_EV_WAKEUP) | AIA_EV_BIT(AIA_EV_HGEI_IRQ) |        \
   AIA_EV_BIT(AIA_EV_VSFILE_MIGRATE) | AIA_EV_BIT(AIA_EV_SWFILE) | AIA_EV_BIT(AIA_EV_CLAIM) |  \
   AIA_EV_BIT(AIA_EV_USER_EXIT) | AIA_EV_BIT(AIA_EV_MSI_SOURCE) | AIA_EV_BIT(AIA_EV_VIOLATION) | \
   AIA_EV_BIT(AIA_EV_WIRED_REQUEST) | AIA_EV_BIT(AIA_EV_WIRED_ACK) |                          \
   AIA_EV_BIT(AIA_EV_APLIC_MSI) | AIA_EV_BIT(AIA_EV_APLIC_MMIO))

/* ------------------------------------------------------------ tracks --- */

static uint32_t tid_hart(const aia_trace_chrome *w, uint32_t h)
{
  (void)w;
  return 1 + h;
}

static uint32_t tid_vcpu(const aia_trace_chrome *w, uint32_t g)
{
  return 1 + w->sys.harts + g;
}

static uint32_t tid_events(const aia_trace_chrome *w)
{
  return 1 + w->sys.harts + w->sys.nvcpus;
}

/* ------------------------------------------------------------ output --- */

static void put(aia_trace_chrome *w, const char *s)
{
  if (fputs(s, w->out) == EOF)
    w->io_error = true;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void putf(aia_trace_chrome *w, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (vfprintf(w->out, fmt, ap) < 0)
    w->io_error = true;
  va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
  size_t n;
  uint32_t cp;
  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    n = 2, cp = s[0] & 0x1fu;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    n = 3, cp = s[0] & 0x0fu;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    n = 4, cp = s[0] & 0x07u;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0u) != 0x80u)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0; /* overlong, out of range, or a surrogate */
  return n;
}

/* A JSON string: quotes, backslashes and control characters escaped; bytes
 * that are not UTF-8 become U+FFFD, so any input gives valid JSON. */
static void put_str(aia_trace_chrome *w, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  char buf[8];
  put(w, "\"");
  while (*p) {
    size_t n = utf8_len(p);
    if (n == 0) {
      put(w, "\\ufffd");
      p++;
    } else if (*p == '"' || *p == '\\') {
      buf[0] = '\\';
      buf[1] = (char)*p;
      buf[2] = '\0';
      put(w, buf);
      p++;
    } else if (*p < 0x20 || *p == 0x7f) {
      putf(w, "\\u%04x", (unsigned)*p);
      p++;
    } else {
      memcpy(buf, p, n);
      buf[n] = '\0';
      put(w, buf);
      p += n;
    }
  }
  put(w, "\"");
}

/* Microseconds with three decimals, from integer nanoseconds. */
static void put_us(aia_trace_chrome *w, uint64_t ns)
{
  putf(w, "%" PRIu64 ".%03" PRIu64, ns / 1000u, ns % 1000u);
}

/* Start of one event of traceEvents. */
static void ev_begin(aia_trace_chrome *w, char ph, uint32_t tid)
{
  put(w, w->first ? "\n" : ",\n");
  w->first = false;
  putf(w, "{\"ph\":\"%c\",\"pid\":1,\"tid\":%" PRIu32, ph, tid);
}

static void put_meta(aia_trace_chrome *w, uint32_t tid, const char *name, uint32_t sort)
{
  ev_begin(w, 'M', tid);
  put(w, ",\"name\":\"thread_name\",\"args\":{\"name\":");
  put_str(w, name);
  put(w, "}}");
  ev_begin(w, 'M', tid);
  putf(w, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%" PRIu32 "}}", sort);
}

static void vcpu_label(const aia_trace_chrome *w, uint32_t g, char *buf, size_t len)
{
  uint32_t vm, vcpu;
  aia__trace_vcpu_name(&w->sys, g, &vm, &vcpu);
  snprintf(buf, len, "vm%" PRIu32 " vcpu%" PRIu32, vm, vcpu);
}

static void write_header(aia_trace_chrome *w)
{
  char name[64];
  aia__trace_sys *s = &w->sys;
  put(w, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"aiasim " AIA_VERSION_STRING
         "\",\"scenario\":");
  put_str(w, s->scenario);
  putf(w,
       ",\"seed\":\"%" PRIu64 "\",\"clock_hz\":\"%" PRIu64 "\",\"from_cycle\":\"%" PRIu64
       "\",\"to_cycle\":\"%" PRIu64 "\"},\"traceEvents\":[",
       s->seed, s->clock_hz, s->from, s->to);
  w->first = true;
  ev_begin(w, 'M', 0);
  put(w, ",\"name\":\"process_name\",\"args\":{\"name\":");
  if (s->scenario[0]) {
    put_str(w, s->scenario);
  } else {
    put(w, "\"aiasim\"");
  }
  put(w, "}}");
  for (uint32_t h = 0; h < s->harts; h++) {
    snprintf(name, sizeof name, "hart%" PRIu32, h);
    put_meta(w, tid_hart(w, h), name, tid_hart(w, h));
  }
  for (uint32_t g = 0; g < s->nvcpus; g++) {
    vcpu_label(w, g, name, sizeof name);
    put_meta(w, tid_vcpu(w, g), name, tid_vcpu(w, g));
  }
  put_meta(w, tid_events(w), "events", tid_events(w));
}

/* A thread's name on a hart track: its vCPU, or its id. */
static void thread_label(const aia_trace_chrome *w, uint32_t thread, uint32_t g, char *buf,
                         size_t len)
{
  if (g != AIA_NONE) {
    char v[32];
    vcpu_label(w, g, v, sizeof v);
    snprintf(buf, len, "host: %s", v);
  } else {
    snprintf(buf, len, "thread %" PRIu32, thread);
  }
}

static void write_slice(aia_trace_chrome *w, const tev *e)
{
  char name[64];
  uint64_t ns0 = aia__trace_ns(&w->sys, e->at), ns1 = aia__trace_ns(&w->sys, e->end);
  const char *cat = "hart";
  name[0] = '\0';
  switch (e->what) {
  case SL_IDLE:
    snprintf(name, sizeof name, "idle (WFI)");
    break;
  case SL_SCHED:
    cat = "sched";
    snprintf(name, sizeof name, "schedule");
    break;
  case SL_THREAD:
    cat = "thread";
    thread_label(w, e->a, e->b, name, sizeof name);
    break;
  case SL_GUEST: {
    char v[32];
    cat = "guest";
    vcpu_label(w, e->a, v, sizeof v);
    snprintf(name, sizeof name, "guest: %s", v);
    break;
  }
  default:
    cat = "vcpu";
    snprintf(name, sizeof name, "%s", e->a < AIA_VCPU_STATE_COUNT_ ? state_names[e->a] : "unknown");
    break;
  }
  ev_begin(w, 'X', e->tid);
  put(w, ",\"ts\":");
  put_us(w, ns0);
  put(w, ",\"dur\":");
  put_us(w, ns1 - ns0);
  putf(w, ",\"cat\":\"%s\",\"name\":", cat);
  put_str(w, name);
  switch (e->what) {
  case SL_THREAD:
    putf(w, ",\"args\":{\"thread\":%" PRIu32 "}", e->a);
    break;
  case SL_GUEST:
    putf(w, ",\"args\":{\"vgein\":%" PRIu32, e->b);
    if (e->exit > 0 && e->exit <= 5)
      putf(w, ",\"exit\":\"%s\"", exit_names[e->exit - 1]);
    put(w, "}");
    break;
  case SL_STATE:
    if (e->b != AIA_NONE)
      putf(w, ",\"args\":{\"hart\":%" PRIu32 "}", e->b);
    break;
  default:
    break;
  }
  put(w, "}");
}

static const char *kind_cat(uint32_t kind)
{
  if (kind == AIA_EV_USER)
    return "user";
  if (kind < AIA_EV_THREAD_ENQUEUE)
    return "hw";
  if (kind < AIA_EV_VCPU_STATE)
    return "host";
  if (kind < AIA_EV_MSI_SOURCE)
    return "kvm";
  if (kind == AIA_EV_MSI_SOURCE || kind == AIA_EV_WIRED_REQUEST || kind == AIA_EV_WIRED_ACK)
    return "workload";
  if (kind == AIA_EV_VIOLATION)
    return "oracle";
  return "aplic";
}

static void write_instant(aia_trace_chrome *w, const tev *e)
{
  const aia_event *r = &e->ev;
  ev_begin(w, 'i', e->tid);
  put(w, ",\"ts\":");
  put_us(w, aia__trace_ns(&w->sys, e->at));
  putf(w, ",\"s\":\"t\",\"cat\":\"%s\",\"name\":", kind_cat(r->kind));
  put_str(w, aia_event_kind_name(r->kind));
  put(w, ",\"args\":{");
  putf(w, "\"cycle\":%" PRIu64, r->cycle);
  if (r->hart != AIA_NONE)
    putf(w, ",\"hart\":%" PRIu32, r->hart);
  if (r->vm != AIA_NONE)
    putf(w, ",\"vm\":%" PRIu32, r->vm);
  if (r->vcpu != AIA_NONE)
    putf(w, ",\"vcpu\":%" PRIu32, r->vcpu);
  if (r->file != AIA_NONE)
    putf(w, ",\"file\":%" PRIu32, r->file);
  if (r->iid != 0 && r->iid != AIA_NONE)
    putf(w, ",\"iid\":%" PRIu32, r->iid);
  if (r->msi != 0)
    putf(w, ",\"msi\":%" PRIu64, r->msi);
  putf(w, ",\"arg\":%" PRIu64, r->arg);
  if (r->kind == AIA_EV_KICK && r->arg < 4)
    putf(w, ",\"outcome\":\"%s\"", kick_names[r->arg]);
  if (r->kind == AIA_EV_VIOLATION && r->arg < 3)
    putf(w, ",\"violation\":\"%s\"", viol_names[r->arg]);
  put(w, "}}");
}

static void write_flow(aia_trace_chrome *w, const tev *e)
{
  ev_begin(w, (char)e->ph, e->tid);
  put(w, ",\"ts\":");
  put_us(w, aia__trace_ns(&w->sys, e->at));
  putf(w, ",\"cat\":\"msi\",\"name\":\"msi\",\"id\":%" PRIu64 "%s}", e->ev.msi,
       e->ph == 'f' ? ",\"bp\":\"e\"" : "");
}

static void write_event(aia_trace_chrome *w, const tev *e)
{
  switch (e->ph) {
  case 'X':
    write_slice(w, e);
    break;
  case 'i':
    write_instant(w, e);
    break;
  default:
    write_flow(w, e);
    break;
  }
}

/* -------------------------------------------------------------- heap --- */

static bool before(const tev *a, const tev *b)
{
  if (a->at != b->at)
    return a->at < b->at;
  return a->seq < b->seq;
}

static void heap_push(aia_trace_chrome *w, const tev *e)
{
  size_t i;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1024;
    tev *p = realloc(w->heap, cap * sizeof *p);
    if (p == NULL) {
      w->nomem = true; /* the event is lost; close reports AIA_ENOMEM */
      return;
    }
    w->heap = p;
    w->cap = cap;
  }
  i = w->n++;
  while (i > 0) {
    size_t up = (i - 1) / 2;
    if (!before(e, &w->heap[up]))
      break;
    w->heap[i] = w->heap[up];
    i = up;
  }
  w->heap[i] = *e;
}

static void heap_pop(aia_trace_chrome *w, tev *out)
{
  size_t i = 0;
  tev last;
  *out = w->heap[0];
  last = w->heap[--w->n];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= w->n)
      break;
    if (c + 1 < w->n && before(&w->heap[c + 1], &w->heap[c]))
      c++;
    if (!before(&w->heap[c], &last))
      break;
    w->heap[i] = w->heap[c];
    i = c;
  }
  if (w->n > 0)
    w->heap[i] = last;
}

/* Writes every held event with a cycle before `mark`. */
static void flush_before(aia_trace_chrome *w, aia_cycle mark)
{
  tev e;
  while (w->n > 0 && w->heap[0].at < mark) {
    heap_pop(w, &e);
    write_event(w, &e);
  }
}

/* The earliest cycle at which an event may still appear: the output start
 * of every open slice and the source of every MSI not yet claimed. */
static aia_cycle watermark(const aia_trace_chrome *w)
{
  aia_cycle m = UINT64_MAX;
  for (uint32_t i = 0; i < 2 * w->sys.harts; i++)
    if (w->hs[i].what != SL_NONE && w->hs[i].start < m)
      m = w->hs[i].start;
  for (uint32_t g = 0; g < w->sys.nvcpus; g++)
    if (w->vs[g].what != SL_NONE && w->vs[g].start < m)
      m = w->vs[g].start;
  for (size_t i = 0; i < w->nfl; i++)
    if (w->fl[i].src < m)
      m = w->fl[i].src;
  return m < w->sys.from ? w->sys.from : m;
}

static void maybe_flush(aia_trace_chrome *w)
{
  if (w->n < w->flush_at)
    return;
  flush_before(w, watermark(w));
  w->flush_at = w->n * 2 > 1024 ? w->n * 2 : 1024;
}

/* ------------------------------------------------------------ slices --- */

static void sl_open(aia_trace_chrome *w, slice *s, uint8_t what, aia_cycle at, uint32_t a,
                    uint32_t b)
{
  s->what = what;
  s->start = at;
  s->seq = w->seq++;
  s->a = a;
  s->b = b;
}

/* Ends a slice at `at`; what lies inside the window is kept for output.
 * Slices of no length (after clipping) are left out. */
static void sl_close(aia_trace_chrome *w, slice *s, uint32_t tid, aia_cycle at, uint8_t exit)
{
  aia_cycle st = s->start < w->sys.from ? w->sys.from : s->start;
  uint8_t what = s->what;
  s->what = SL_NONE;
  if (what == SL_NONE || at <= st || aia__trace_ns(&w->sys, at) <= aia__trace_ns(&w->sys, st))
    return;
  tev e;
  memset(&e, 0, sizeof e);
  e.at = st;
  e.end = at;
  e.seq = s->seq;
  e.tid = tid;
  e.ph = 'X';
  e.what = what;
  e.exit = exit;
  e.a = s->a;
  e.b = s->b;
  heap_push(w, &e);
}

/* The hart starts something new at level 0: whatever ran there ends. */
static void hart_level0(aia_trace_chrome *w, uint32_t h, aia_cycle at, uint8_t what, uint32_t a,
                        uint32_t b)
{
  sl_close(w, &w->hs[2 * h + 1], tid_hart(w, h), at, 0);
  sl_close(w, &w->hs[2 * h], tid_hart(w, h), at, 0);
  if (what != SL_NONE)
    sl_open(w, &w->hs[2 * h], what, at, a, b);
}

static bool in_window(const aia_trace_chrome *w, aia_cycle c)
{
  return c >= w->sys.from && (w->sys.to == 0 || c < w->sys.to);
}

static void push_instant(aia_trace_chrome *w, uint32_t tid, const aia_event *ev)
{
  tev e;
  if (!in_window(w, ev->cycle))
    return;
  memset(&e, 0, sizeof e);
  e.at = ev->cycle;
  e.seq = w->seq++;
  e.tid = tid;
  e.ph = 'i';
  e.ev = *ev;
  heap_push(w, &e);
}

/* ------------------------------------------------------------- flows --- */

static void flow_remove(aia_trace_chrome *w, size_t i)
{
  memmove(&w->fl[i], &w->fl[i + 1], (w->nfl - i - 1) * sizeof *w->fl);
  w->nfl--;
}

static void flow_add(aia_trace_chrome *w, uint32_t g, const aia_event *ev)
{
  if (w->nfl == w->cfl) {
    size_t c = w->cfl ? w->cfl * 2 : 64;
    flow *p = realloc(w->fl, c * sizeof *p);
    if (p == NULL) {
      w->nomem = true; /* this MSI gets no arrow; close reports AIA_ENOMEM */
      return;
    }
    w->fl = p;
    w->cfl = c;
  }
  flow *f = &w->fl[w->nfl++];
  f->msi = ev->msi;
  f->src = ev->cycle;
  f->seq = w->seq++;
  f->g = g;
  f->iid = ev->iid;
  f->state = FL_FLIGHT;
}

static int flow_find(const aia_trace_chrome *w, uint64_t msi)
{
  for (size_t i = w->nfl; i-- > 0;)
    if (w->fl[i].msi == msi)
      return (int)i;
  return -1;
}

/* The claim took the MSIs of flow i: both ends go out. */
static void flow_finish(aia_trace_chrome *w, size_t i, aia_cycle at)
{
  const flow *f = &w->fl[i];
  tev e;
  memset(&e, 0, sizeof e);
  e.tid = tid_vcpu(w, f->g);
  e.ev.msi = f->msi;
  e.ph = 's';
  e.at = f->src;
  e.seq = f->seq;
  heap_push(w, &e);
  e.ph = 'f';
  e.at = at;
  e.seq = w->seq++;
  heap_push(w, &e);
  flow_remove(w, i);
}

static void on_landed(aia_trace_chrome *w, const aia_event *ev)
{
  int i = flow_find(w, ev->msi);
  uint32_t g, iid;
  if (i < 0 || w->fl[i].state != FL_FLIGHT)
    return;
  w->fl[i].state = FL_LANDED;
  if (ev->arg & 1u)
    return; /* coalesced: the bit was already set, one claim takes both */
  /* The bit was clear, yet older MSIs of this identity still wait for
   * their claim: their bit vanished (outside a migration) and no claim will
   * take them. As the meter does, give them up. */
  g = w->fl[i].g;
  iid = w->fl[i].iid;
  if (aia_vcpu_is_migrating(w->sys.vcpus[g]))
    return;
  for (size_t k = 0; k < (size_t)i;) {
    if (w->fl[k].g == g && w->fl[k].iid == iid && w->fl[k].state == FL_LANDED) {
      flow_remove(w, k);
      i--;
    } else {
      k++;
    }
  }
}

static void on_claim(aia_trace_chrome *w, uint32_t g, const aia_event *ev)
{
  bool cleared = false;
  for (size_t i = 0; i < w->nfl; i++)
    if (w->fl[i].g == g && w->fl[i].iid == ev->iid && w->fl[i].state == FL_CLEARED)
      cleared = true;
  /* An emulated claim (SW-file) took the bit at the exit; the guest's claim
   * record follows at the next entry: it ends the flows that bit held. */
  uint8_t want = cleared ? FL_CLEARED : FL_LANDED;
  for (size_t i = 0; i < w->nfl;) {
    if (w->fl[i].g == g && w->fl[i].iid == ev->iid && w->fl[i].state == want)
      flow_finish(w, i, ev->cycle);
    else
      i++;
  }
}

/* ------------------------------------------------------------ stream --- */

/* Ends everything at `end` and writes all that is held. */
static void finish(aia_trace_chrome *w, aia_cycle end)
{
  for (uint32_t h = 0; h < w->sys.harts; h++)
    hart_level0(w, h, end, SL_NONE, 0, 0);
  for (uint32_t g = 0; g < w->sys.nvcpus; g++)
    sl_close(w, &w->vs[g], tid_vcpu(w, g), end, 0);
  w->nfl = 0; /* unclaimed MSIs get no arrow */
  flush_before(w, UINT64_MAX);
  w->done = true;
}

static uint32_t hart_of(const aia_trace_chrome *w, uint32_t h)
{
  return h < w->sys.harts ? h : AIA_NONE;
}

static void on_record(void *user, const aia_event *ev)
{
  aia_trace_chrome *w = user;
  uint32_t h = hart_of(w, ev->hart);
  uint32_t g = aia__trace_vcpu(&w->sys, ev->vm, ev->vcpu);
  uint32_t tid = g != AIA_NONE ? tid_vcpu(w, g) : h != AIA_NONE ? tid_hart(w, h) : tid_events(w);
  if (w->done || w->closed)
    return;
  if (w->sys.to != 0 && ev->cycle >= w->sys.to) {
    finish(w, w->sys.to);
    return;
  }
  switch (ev->kind) {
  case AIA_EV_HART_IDLE:
    if (h != AIA_NONE)
      hart_level0(w, h, ev->cycle, SL_IDLE, 0, 0);
    break;
  case AIA_EV_HART_WAKE:
  case AIA_EV_SCHED_OUT:
    if (h != AIA_NONE)
      hart_level0(w, h, ev->cycle, SL_SCHED, 0, 0);
    break;
  case AIA_EV_SCHED_IN:
    if (h != AIA_NONE)
      hart_level0(w, h, ev->cycle, SL_THREAD, ev->vcpu, aia__trace_thread_vcpu(&w->sys, ev->vcpu));
    break;
  case AIA_EV_VM_ENTRY:
    if (h != AIA_NONE && g != AIA_NONE) {
      sl_close(w, &w->hs[2 * h + 1], tid_hart(w, h), ev->cycle, 0);
      sl_open(w, &w->hs[2 * h + 1], SL_GUEST, ev->cycle, g, (uint32_t)ev->arg);
    }
    break;
  case AIA_EV_VM_EXIT:
    if (h != AIA_NONE)
      sl_close(w, &w->hs[2 * h + 1], tid_hart(w, h), ev->cycle,
               ev->arg < 5 ? (uint8_t)(ev->arg + 1) : 0);
    break;
  case AIA_EV_VCPU_STATE:
    if (g != AIA_NONE) {
      sl_close(w, &w->vs[g], tid_vcpu(w, g), ev->cycle, 0);
      sl_open(w, &w->vs[g], SL_STATE, ev->cycle, (uint32_t)ev->arg, ev->hart);
    }
    break;
  case AIA_EV_MSI_SOURCE:
    push_instant(w, tid, ev);
    if (g != AIA_NONE && ev->msi != 0 && in_window(w, ev->cycle))
      flow_add(w, g, ev);
    break;
  case AIA_EV_MSI_LANDED:
    /* A file's landing shows on its hart; the SW-file's on its vCPU. */
    push_instant(w, h != AIA_NONE ? tid_hart(w, h) : tid, ev);
    if (ev->msi != 0)
      on_landed(w, ev);
    break;
  case AIA_EV_MSI_DROPPED: {
    push_instant(w, h != AIA_NONE ? tid_hart(w, h) : tid, ev);
    int i = ev->msi != 0 ? flow_find(w, ev->msi) : -1;
    if (i >= 0)
      flow_remove(w, (size_t)i);
    break;
  }
  case AIA_EV_EIP_CLEAR:
    /* KVM's emulated claim of a SW-file identity (vm/vcpu set). */
    if (g != AIA_NONE)
      for (size_t i = 0; i < w->nfl; i++)
        if (w->fl[i].g == g && w->fl[i].iid == ev->iid && w->fl[i].state == FL_LANDED)
          w->fl[i].state = FL_CLEARED;
    break;
  case AIA_EV_CLAIM:
    push_instant(w, tid, ev);
    if (g != AIA_NONE)
      on_claim(w, g, ev);
    break;
  case AIA_EV_WIRED_REQUEST: /* no vCPU: on the events track */
  case AIA_EV_WIRED_ACK:     /* on the handler's vCPU */
  case AIA_EV_APLIC_MSI:     /* on the target's vCPU */
  case AIA_EV_APLIC_MMIO:    /* on the storing vCPU */
    push_instant(w, tid, ev);
    break;
  case AIA_EV_IPI_SEND: {
    /* Shown on the sender (arg) when it is a hart; hart = the target. */
    uint32_t from = ev->arg < w->sys.harts ? (uint32_t)ev->arg : AIA_NONE;
    push_instant(w, from != AIA_NONE ? tid_hart(w, from) : h != AIA_NONE ? tid_hart(w, h) : tid,
                 ev);
    break;
  }
  case AIA_EV_IPI_DELIVER:
  case AIA_EV_HGEI_IRQ:
    push_instant(w, h != AIA_NONE ? tid_hart(w, h) : tid, ev);
    break;
  default: /* kick, wakeup, VS-file and SW-file moves, exits to the VMM, violations, user */
    push_instant(w, tid, ev);
    break;
  }
  maybe_flush(w);
}

/* ---------------------------------------------------------- lifecycle -- */

static void chrome_free(void *obj)
{
  aia_trace_chrome *w = obj;
  aia__trace_sys_free(&w->sys);
  free(w->hs);
  free(w->vs);
  free(w->heap);
  free(w->fl);
  free(w);
}

/* What the harts and vCPUs are doing when the writer is opened. */
static void initial_state(aia_trace_chrome *w)
{
  aia_cycle now = w->sys.opened;
  for (uint32_t h = 0; h < w->sys.harts; h++)
    if (aia_hart_is_idle(w->sys.plat, h))
      sl_open(w, &w->hs[2 * h], SL_IDLE, now, 0, 0);
  for (uint32_t g = 0; g < w->sys.nvcpus; g++) {
    const aia_vcpu *v = w->sys.vcpus[g];
    const aia_thread *t = aia_vcpu_thread(v);
    aia_vcpu_state st = aia_vcpu_get_state(v);
    uint32_t h = aia_thread_hart(t);
    bool on = aia_thread_get_state(t) == AIA_THREAD_RUNNING && aia_thread_is_on_cpu(t) &&
              h < w->sys.harts;
    sl_open(w, &w->vs[g], SL_STATE, now, (uint32_t)st, on ? h : AIA_NONE);
    if (on && w->hs[2 * h].what == SL_NONE)
      sl_open(w, &w->hs[2 * h], SL_THREAD, now, aia_thread_id(t), g);
    if (on && st == AIA_VCPU_IN_GUEST && w->hs[2 * h + 1].what == SL_NONE)
      sl_open(w, &w->hs[2 * h + 1], SL_GUEST, now, g, aia_hart_vgein(w->sys.plat, h));
  }
}

int aia_trace_chrome_open(aia_sim *sim, FILE *out, const aia_trace_config *cfg,
                          aia_trace_chrome **wp)
{
  aia_trace_chrome *w;
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
  w->flush_at = 1024;
  w->hs = calloc(2 * (size_t)w->sys.harts, sizeof *w->hs);
  w->vs = calloc(w->sys.nvcpus ? w->sys.nvcpus : 1, sizeof *w->vs);
  if (w->hs == NULL || w->vs == NULL) {
    chrome_free(w);
    return AIA_ENOMEM;
  }
  rc = aia__sim_attach(sim, w, chrome_free);
  if (rc != AIA_OK) {
    chrome_free(w);
    return rc;
  }
  /* From here on the sim owns w: failures leave it closed, not freed. */
  w->closed = true;
  write_header(w);
  if (w->io_error || ferror(out))
    return aia__sim_fail(sim, AIA_EIO, "trace: writing the JSON header failed");
  initial_state(w);
  rc = aia_sim_hook_add(sim, CHROME_MASK, on_record, w, &w->hook);
  if (rc != AIA_OK)
    return rc;
  w->hooked = true;
  w->closed = false;
  *wp = w;
  return AIA_OK;
}

int aia_trace_chrome_close(aia_trace_chrome *w)
{
  if (w == NULL)
    return AIA_EINVAL;
  if (w->closed)
    return AIA_ESTATE;
  if (!w->done)
    finish(w, aia__trace_end(&w->sys));
  put(w, "\n]}\n");
  if (w->hooked)
    (void)aia_sim_hook_remove(w->sys.sim, w->hook);
  w->hooked = false;
  w->closed = true;
  free(w->heap);
  free(w->fl);
  w->heap = NULL;
  w->fl = NULL;
  w->n = w->cap = w->nfl = w->cfl = 0;
  if (w->nomem)
    return aia__sim_fail(w->sys.sim, AIA_ENOMEM, "trace: out of memory, events were lost");
  if (w->io_error || ferror(w->out))
    return aia__sim_fail(w->sys.sim, AIA_EIO, "trace: writing the JSON trace failed");
  return AIA_OK;
}
