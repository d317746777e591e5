/* tests/fuzz/fuzz_ifile.c: one IMSIC interrupt file, three implementations,
 * compared after every operation.
 *
 * The input is a program. Its first byte picks the file:
 *   bits 0..4  N = 64 * (b + 1) - 1, so 63, 127, ... 2047 identities
 *   bit 5      XLEN 32 (set) or 64
 *   bit 6      the S file supports eidelivery = 0x40000000 (APLIC mode)
 *   bit 7      use guest file 1 instead of the S file 0 (guest files never
 *              support APLIC mode)
 * Every later operation is one opcode byte and its operands (see the switch
 * in LLVMFuzzerTestOneInput). Each is applied to
 *   - the reference model of tests/support/ifile_ref.h,
 *   - the white-box core lib/hw/ifile.h (aia__ifile_*),
 *   - the public API aia_file_* on a one-hart platform,
 * and the three must agree on every status, every old value (and leave the
 * old value alone on error), the records the public API emits (MSI landed
 * or dropped, pending bits cleared), saved images, and, after every
 * operation, topei and the output line. A "sweep" operation (and the end of
 * the input) compares every register and the core's summary word; the end
 * of the input also every pending and enable query. Letting time pass checks that the line reached the
 * hart (SEIP for the S file, hgeip bit 1 for the guest file).
 *
 * Any disagreement is a finding: abort().
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "ifile_ref.h"
#include "aiasim/aiasim.h"
#include "hw/ifile.h"

#define SENTINEL UINT64_C(0xA5A5A5A5A5A5A5A5)
#define LINE_TO_HART 10u
#define MAX_OPS 4096u
#define MAX_SWEEPS 2u

typedef struct counts {
  uint64_t landed, coalesced, dropped, clear_csr, clear_claim, other_file;
} counts;

typedef struct fctx {
  rf_file ref;
  aia__ifile wb;
  aia_sim *sim;
  aia_platform *p;
  uint32_t file, n, xlen;
  aia_file_image slot[2];
  counts c;
} fctx;

static uint64_t fmt(uint32_t iid)
{
  return ((uint64_t)iid << 16) | iid;
}

/* Records of the public API for our file. */
static void on_record(void *user, const aia_event *ev)
{
  fctx *x = user;
  if (ev->hart != 0 || ev->file != x->file) {
    if (ev->kind == AIA_EV_MSI_LANDED || ev->kind == AIA_EV_MSI_DROPPED ||
        ev->kind == AIA_EV_EIP_CLEAR)
      x->c.other_file++;
    return;
  }
  switch (ev->kind) {
  case AIA_EV_MSI_LANDED:
    if (ev->arg & 1u)
      x->c.coalesced++;
    else
      x->c.landed++;
    break;
  case AIA_EV_MSI_DROPPED:
    x->c.dropped++;
    break;
  case AIA_EV_EIP_CLEAR:
    if (ev->arg == 1)
      x->c.clear_csr++;
    else
      x->c.clear_claim++;
    break;
  default:
    break;
  }
}

static void check_counts(const fctx *x, const counts *want, const char *what)
{
  FZ_CHECK(memcmp(&x->c, want, sizeof *want) == 0,
           "%s: records landed %" PRIu64 "/%" PRIu64 " coalesced %" PRIu64 "/%" PRIu64
           " dropped %" PRIu64 "/%" PRIu64 " clear(csr) %" PRIu64 "/%" PRIu64
           " clear(claim) %" PRIu64 "/%" PRIu64 " other file %" PRIu64 " (got/want)",
           what, x->c.landed, want->landed, x->c.coalesced, want->coalesced, x->c.dropped,
           want->dropped, x->c.clear_csr, want->clear_csr, x->c.clear_claim, want->clear_claim,
           x->c.other_file);
}

/* ------------------------------------------------------------ checks -- */

static void check_top(fctx *x, const char *after)
{
  uint32_t want = rf_topei(&x->ref);
  uint64_t old = SENTINEL;
  int rc;
  FZ_CHECK(aia__ifile_topei(&x->wb) == want, "after %s: core topei %u, reference %u", after,
           aia__ifile_topei(&x->wb), want);
  rc = aia_file_topei(x->p, 0, x->file, AIA_CSR_READ, &old);
  FZ_CHECK(rc == AIA_OK, "after %s: aia_file_topei(READ) -> %s", after, aia_status_name(rc));
  FZ_CHECK(old == fmt(want), "after %s: aia_file_topei 0x%" PRIx64 ", reference %u", after, old,
           want);
  FZ_CHECK(aia__ifile_line(&x->wb) == rf_line(&x->ref), "after %s: core line %d, reference %d",
           after, aia__ifile_line(&x->wb), rf_line(&x->ref));
  FZ_CHECK(aia_file_line(x->p, 0, x->file) == rf_line(&x->ref),
           "after %s: aia_file_line %d, reference %d", after, aia_file_line(x->p, 0, x->file),
           rf_line(&x->ref));
}

/* One indirect register access on all three. */
static void do_ireg(fctx *x, uint32_t sel, aia_csr_op op, uint64_t v)
{
  uint64_t want = SENTINEL, got_wb = SENTINEL, got_pub = SENTINEL;
  uint32_t cleared = 0;
  counts c = x->c;
  int rw = rf_ireg_ex(&x->ref, sel, op, v, &want, &cleared);
  int rc = aia__ifile_ireg(&x->wb, sel, op, v, &got_wb);
  int rp = aia_file_ireg(x->p, 0, x->file, sel, op, v, &got_pub);
  FZ_CHECK(rc == rw, "core ireg(0x%x, op %d, 0x%" PRIx64 ") -> %s, reference %s", sel, (int)op, v,
           aia_status_name(rc), aia_status_name(rw));
  FZ_CHECK(rp == rw, "aia_file_ireg(0x%x, op %d, 0x%" PRIx64 ") -> %s, reference %s", sel, (int)op,
           v, aia_status_name(rp), aia_status_name(rw));
  FZ_CHECK(got_wb == want, "core ireg(0x%x, op %d, 0x%" PRIx64 ") old 0x%" PRIx64
           ", reference 0x%" PRIx64, sel, (int)op, v, got_wb, want);
  FZ_CHECK(got_pub == want, "aia_file_ireg(0x%x, op %d, 0x%" PRIx64 ") old 0x%" PRIx64
           ", reference 0x%" PRIx64, sel, (int)op, v, got_pub, want);
  c.clear_csr += cleared;
  check_counts(x, &c, "ireg");
}

/* Every register and the core's private summary; with `bits`, also the
 * pending and enable queries for every identity (the costly part: done at
 * the end of each input only). */
static void sweep(fctx *x, bool bits)
{
  uint32_t summary = 0;
  do_ireg(x, AIA_ISEL_EIDELIVERY, AIA_CSR_READ, 0);
  do_ireg(x, AIA_ISEL_EITHRESHOLD, AIA_CSR_READ, 0);
  for (uint32_t sel = AIA_ISEL_EIP0; sel <= 0xFF; sel++)
    do_ireg(x, sel, AIA_CSR_READ, 0);
  for (uint32_t id = 0; id <= x->n + 1; id++) {
    bool p = id <= x->n && x->ref.eip[id], e = id <= x->n && x->ref.eie[id];
    if (p && e)
      summary |= UINT32_C(1) << (id / 64u);
    if (!bits)
      continue;
    FZ_CHECK(aia__ifile_is_pending(&x->wb, id) == p, "core pending(%u) != %d", id, p);
    FZ_CHECK(aia__ifile_is_enabled(&x->wb, id) == e, "core enabled(%u) != %d", id, e);
    FZ_CHECK(aia_file_is_pending(x->p, 0, x->file, id) == p, "aia_file_is_pending(%u) != %d", id,
             p);
    FZ_CHECK(aia_file_is_enabled(x->p, 0, x->file, id) == e, "aia_file_is_enabled(%u) != %d", id,
             e);
  }
  FZ_CHECK(x->wb.summary == summary, "core summary 0x%08x, reference 0x%08x", x->wb.summary,
           summary);
  FZ_CHECK(aia__ifile_is_empty(&x->wb) == rf_is_empty(&x->ref), "core is_empty %d, reference %d",
           aia__ifile_is_empty(&x->wb), rf_is_empty(&x->ref));
  FZ_CHECK(aia_file_ids(x->p, 0, x->file) == x->n, "aia_file_ids %u, want %u",
           aia_file_ids(x->p, 0, x->file), x->n);
}

/* ------------------------------------------------------------ operands -- */

/* Mostly valid identities, and the edges: 0, N, N+1.., random 32 bits. */
static uint32_t gen_iid(fz_in *in, uint32_t n)
{
  uint8_t k = fz_u8(in);
  switch (k & 3u) {
  case 0:
    return 1u + fz_u16(in) % n;
  case 1:
    return n - 1u + (k >> 2); /* N-1 .. N+62 */
  case 2:
    return fz_u32(in);
  default:
    return k >> 2; /* 0..63 */
  }
}

/* The four ops, and now and then one that is not an op at all. */
static aia_csr_op gen_op(fz_in *in)
{
  uint8_t b = fz_u8(in);
  return (aia_csr_op)(b < 0xF8 ? (b & 3u) : 4u + (b & 7u));
}

/* Changes some bits of an image (after a save, before a restore). */
static void mutate_image(fz_in *in, aia_file_image *img)
{
  uint8_t k = fz_u8(in) % 8u;
  for (uint8_t i = 0; i < k; i++) {
    uint8_t what = fz_u8(in);
    switch (what & 3u) {
    case 0:
      img->eip[(what >> 2) & 31u] ^= fz_value(in);
      break;
    case 1:
      img->eie[(what >> 2) & 31u] ^= fz_value(in);
      break;
    case 2:
      img->eithreshold = (uint32_t)fz_value(in);
      break;
    default:
      img->eidelivery = (uint32_t)fz_value(in);
      break;
    }
  }
}

/* ------------------------------------------------------------ ops -- */

static void op_set(fctx *x, uint32_t iid)
{
  counts c = x->c;
  bool was = iid >= 1 && iid <= x->n && x->ref.eip[iid];
  bool want = rf_set(&x->ref, iid), oom = true;
  bool got = aia__ifile_set_pending(&x->wb, iid, &oom);
  int rc;
  FZ_CHECK(!oom, "core set_pending(%u) reported out of memory", iid);
  FZ_CHECK(got == want, "core set_pending(%u) -> %d, reference %d", iid, got, want);
  rc = aia_file_set_pending(x->p, 0, x->file, iid, 1);
  FZ_CHECK(rc == AIA_OK, "aia_file_set_pending(%u) -> %s", iid, aia_status_name(rc));
  if (!want)
    c.dropped++;
  else if (was)
    c.coalesced++;
  else
    c.landed++;
  check_counts(x, &c, "set_pending");
}

static void op_claim(fctx *x, aia_csr_op op)
{
  counts c = x->c;
  uint64_t old = SENTINEL;
  int rc = aia_file_topei(x->p, 0, x->file, op, &old);
  if ((unsigned)op > AIA_CSR_CLEAR) {
    FZ_CHECK(rc == AIA_EINVAL, "aia_file_topei(op %d) -> %s, want AIA_EINVAL", (int)op,
             aia_status_name(rc));
    FZ_CHECK(old == SENTINEL, "aia_file_topei(op %d) failed but wrote *old", (int)op);
    check_counts(x, &c, "bad claim");
    return;
  }
  uint32_t want = op == AIA_CSR_READ ? rf_topei(&x->ref) : rf_claim(&x->ref);
  uint32_t got = op == AIA_CSR_READ ? aia__ifile_topei(&x->wb) : aia__ifile_claim(&x->wb);
  FZ_CHECK(rc == AIA_OK, "aia_file_topei(op %d) -> %s", (int)op, aia_status_name(rc));
  FZ_CHECK(got == want, "core claim %u, reference %u", got, want);
  FZ_CHECK(old == fmt(want), "aia_file_topei(op %d) 0x%" PRIx64 ", reference %u", (int)op, old,
           want);
  if (op != AIA_CSR_READ && want != 0)
    c.clear_claim++;
  check_counts(x, &c, "claim");
}

static void op_save(fctx *x, uint32_t s, bool clear)
{
  aia_file_image a, b, d;
  int rc;
  memset(&d, 0x5A, sizeof d);
  rf_save(&x->ref, &a, clear);
  aia__ifile_save(&x->wb, &b, clear);
  rc = aia_file_save(x->p, 0, x->file, &d, clear);
  FZ_CHECK(rc == AIA_OK, "aia_file_save -> %s", aia_status_name(rc));
  FZ_CHECK(memcmp(&a, &b, sizeof a) == 0, "core saved image differs from the reference");
  FZ_CHECK(memcmp(&a, &d, sizeof a) == 0, "aia_file_save image differs from the reference");
  x->slot[s] = a;
}

static void op_restore(fctx *x, const aia_file_image *img)
{
  int rc;
  rf_restore(&x->ref, img);
  rc = aia__ifile_restore(&x->wb, img);
  FZ_CHECK(rc == AIA_OK, "core restore -> %s", aia_status_name(rc));
  rc = aia_file_restore(x->p, 0, x->file, img);
  FZ_CHECK(rc == AIA_OK, "aia_file_restore -> %s", aia_status_name(rc));
}

/* Lets time pass; the file's line must then be what the hart sees. */
static void op_tick(fctx *x, uint32_t extra)
{
  aia_cycle t = aia_sim_now(x->sim) + LINE_TO_HART + 1u + extra;
  int rc = aia_sim_run_until(x->sim, t);
  bool line = rf_line(&x->ref);
  FZ_CHECK(rc == AIA_OK, "run_until -> %s", aia_status_name(rc));
  FZ_CHECK(aia_sim_now(x->sim) == t, "run_until stopped at %" PRIu64, aia_sim_now(x->sim));
  if (x->file == 0) {
    bool seip = (aia_hart_mip(x->p, 0) >> AIA_IRQ_SEI) & 1u;
    FZ_CHECK(seip == line, "SEIP %d, line %d", seip, line);
    FZ_CHECK(aia_hart_hgeip(x->p, 0) == 0, "hgeip 0x%" PRIx64 " with guest file untouched",
             aia_hart_hgeip(x->p, 0));
  } else {
    uint64_t hgeip = aia_hart_hgeip(x->p, 0);
    FZ_CHECK(hgeip == (line ? 2u : 0u), "hgeip 0x%" PRIx64 ", line %d", hgeip, line);
  }
}

static int open_platform(fctx *x, bool aplic)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_sim_config_init(&sc);
  if (aia_sim_create(&sc, &x->sim) != AIA_OK)
    return -1;
  aia_platform_config_init(&pc);
  pc.harts = 1;
  pc.geilen = 1;
  pc.ids = x->n;
  pc.xlen = x->xlen;
  pc.s_aplic_mode = aplic;
  pc.line_to_hart = LINE_TO_HART;
  if (aia_platform_create(x->sim, &pc, &x->p) != AIA_OK ||
      aia_sim_hook_add(x->sim, AIA_EV_ALL, on_record, x, NULL) != AIA_OK) {
    aia_sim_destroy(x->sim);
    return -1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static fctx x; /* ~5 KB of reference state: kept off the stack */
  fz_in in;
  uint8_t cfg;
  bool aplic;
  uint32_t sweeps = 0;

  if (size < 1)
    return 0;
  fz_init(&in, data, size);
  memset(&x, 0, sizeof x);
  cfg = fz_u8(&in);
  x.n = 64u * ((cfg & 31u) + 1u) - 1u;
  x.xlen = (cfg & 0x20u) ? 32u : 64u;
  aplic = (cfg & 0x40u) != 0;
  x.file = (cfg & 0x80u) ? 1u : 0u;
  rf_init(&x.ref, x.n, x.xlen, aplic && x.file == 0);
  aia__ifile_init(&x.wb, x.n, x.xlen, aplic && x.file == 0);
  FZ_CHECK(open_platform(&x, aplic) == 0, "platform create failed (N %u, RV%u)", x.n, x.xlen);
  check_top(&x, "create");
  sweep(&x, false);

  for (uint32_t step = 0; step < MAX_OPS && !fz_done(&in); step++) {
    uint8_t opc = fz_u8(&in);
    const char *what = "?";
    switch (opc % 12u) {
    case 0:
    case 1:
      what = "seteipnum";
      op_set(&x, gen_iid(&in, x.n));
      break;
    case 2: { /* any iselect number 0..0x1FF */
      uint32_t sel = fz_u16(&in) & 0x1FFu;
      aia_csr_op op = gen_op(&in);
      what = "ireg";
      do_ireg(&x, sel, op, fz_value(&in));
      break;
    }
    case 3: { /* the implemented range 0x70..0xFF, more often */
      uint32_t sel = 0x70u + fz_u8(&in) % 0x90u;
      aia_csr_op op = gen_op(&in);
      what = "ireg";
      do_ireg(&x, sel, op, fz_value(&in));
      break;
    }
    case 4: { /* the same access on every eip (or eie) register */
      uint8_t b = fz_u8(&in);
      uint32_t base = (b & 1u) ? AIA_ISEL_EIE0 : AIA_ISEL_EIP0;
      aia_csr_op op = (aia_csr_op)((b >> 1) & 3u);
      uint64_t v = fz_value(&in);
      what = "bulk ireg";
      for (uint32_t k = 0; k < 64u; k += x.xlen == 64 ? 2u : 1u)
        do_ireg(&x, base + k, op, v);
      break;
    }
    case 5:
      what = "topei";
      op_claim(&x, AIA_CSR_READ);
      break;
    case 6: {
      uint8_t b = fz_u8(&in);
      what = "claim";
      op_claim(&x, (aia_csr_op)(b < 0xF0 ? 1u + b % 3u : 4u + (b & 3u)));
      break;
    }
    case 7: {
      uint8_t b = fz_u8(&in);
      what = "save";
      op_save(&x, b & 1u, (b & 2u) != 0);
      break;
    }
    case 8: {
      uint8_t b = fz_u8(&in);
      aia_file_image img = x.slot[b & 1u];
      what = "restore";
      if (b & 2u)
        mutate_image(&in, &img);
      op_restore(&x, &img);
      break;
    }
    case 9: {
      aia_file_image img;
      memset(&img, 0, sizeof img);
      what = "restore (raw)";
      mutate_image(&in, &img);
      op_restore(&x, &img);
      break;
    }
    case 10:
      what = "tick";
      op_tick(&x, fz_u8(&in));
      break;
    default: /* a full sweep is costly: at most a few per input */
      what = "sweep";
      if (sweeps++ < MAX_SWEEPS)
        sweep(&x, false);
      break;
    }
    check_top(&x, what);
  }
  sweep(&x, true);
  op_tick(&x, 0);
  aia__ifile_free(&x.wb);
  aia_sim_destroy(x.sim);
  return 0;
}
