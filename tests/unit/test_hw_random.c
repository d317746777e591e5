/* Randomized differential test of the interrupt file: the white-box core
 * (aia__ifile_*) and the public aia_file_* API are each driven with the same
 * kind of random operation stream as the plain reference of
 * tests/support/ifile_ref.h (one byte per identity, topei by a scan from 1
 * to N), and compared after every operation: topei, the output line, every
 * CSR read with its status, one pending and one enable bit; the whole
 * register file every 512 operations.
 *
 * Operations: seteipnum (valid, 0, above N, random 32-bit), *ireg
 * read/write/set/clear on eip/eie (odd numbers included: illegal on RV64,
 * legal on RV32), eithreshold and eidelivery (legal and illegal values),
 * reserved 0x71/0x73..0x7F, numbers outside 0x70..0xFF, claims with each
 * write op, topei reads. N = 63, 255, 2047; XLEN 32 and 64; fixed seeds.
 * Rules: riscv-aia src/IMSIC.adoc (see docs/hardware.md). */
#include "test_hw_fixture.h"
#include "hw/ifile.h"
#include "ifile_ref.h"

#define OPS_PER_RUN 100000u
#define SENTINEL UINT64_C(0x5A5A5A5A5A5A5A5A)

/* ------------------------------------------------- devices under test ---- */

/* One interface over the two implementations. */
typedef struct dut {
  const char *name;
  void *ctx;
  int (*set)(void *ctx, uint32_t iid); /* 1 taken, 0 ignored, -1 not reported */
  int (*ireg)(void *ctx, uint32_t sel, aia_csr_op op, uint64_t v, uint64_t *old);
  uint64_t (*topei)(void *ctx, aia_csr_op op); /* identity << 16 | identity */
  bool (*line)(void *ctx);
  bool (*pending)(void *ctx, uint32_t iid);
  bool (*enabled)(void *ctx, uint32_t iid);
  void (*tick)(void *ctx);           /* lets time pass (public API only) */
  bool (*summary_ok)(void *ctx, const rf_file *r); /* white-box invariant */
} dut;

static uint64_t fmt(uint32_t iid)
{
  return ((uint64_t)iid << 16) | iid;
}

/* White-box: the core of lib/hw/ifile.h. */
static int wb_set(void *ctx, uint32_t iid)
{
  bool oom = false;
  bool ok = aia__ifile_set_pending(ctx, iid, &oom);
  if (oom)
    fail_msg("aia__ifile_set_pending reported out of memory");
  return ok ? 1 : 0;
}

static int wb_ireg(void *ctx, uint32_t sel, aia_csr_op op, uint64_t v, uint64_t *old)
{
  return aia__ifile_ireg(ctx, sel, op, v, old);
}

static uint64_t wb_topei(void *ctx, aia_csr_op op)
{
  return fmt(op == AIA_CSR_READ ? aia__ifile_topei(ctx) : aia__ifile_claim(ctx));
}

static bool wb_line(void *ctx)
{
  return aia__ifile_line(ctx);
}

static bool wb_pending(void *ctx, uint32_t iid)
{
  return aia__ifile_is_pending(ctx, iid);
}

static bool wb_enabled(void *ctx, uint32_t iid)
{
  return aia__ifile_is_enabled(ctx, iid);
}

static bool wb_summary_ok(void *ctx, const rf_file *r)
{
  const aia__ifile *f = ctx;
  uint32_t want = 0;
  for (uint32_t w = 0; w < f->words; w++)
    for (uint32_t b = 0; b < 64; b++) {
      uint32_t id = w * 64 + b;
      if (id >= 1 && id <= r->n && r->eip[id] && r->eie[id])
        want |= UINT32_C(1) << w;
    }
  if (f->summary != want)
    fail_msg("summary 0x%08x, reference 0x%08x", f->summary, want);
  return aia__ifile_is_empty(f) == rf_is_empty(r);
}

/* Public API: one file of a platform. */
typedef struct pub {
  fx f;
  uint32_t file;
} pub;

static int pub_set(void *ctx, uint32_t iid)
{
  pub *p = ctx;
  int rc = aia_file_set_pending(p->f.p, 0, p->file, iid, 0);
  if (rc != AIA_OK)
    fail_msg("aia_file_set_pending(%u) -> %s", iid, aia_status_name(rc));
  return -1;
}

static int pub_ireg(void *ctx, uint32_t sel, aia_csr_op op, uint64_t v, uint64_t *old)
{
  pub *p = ctx;
  return aia_file_ireg(p->f.p, 0, p->file, sel, op, v, old);
}

static uint64_t pub_topei(void *ctx, aia_csr_op op)
{
  pub *p = ctx;
  uint64_t old = SENTINEL;
  int rc = aia_file_topei(p->f.p, 0, p->file, op, &old);
  if (rc != AIA_OK)
    fail_msg("aia_file_topei -> %s", aia_status_name(rc));
  return old;
}

static bool pub_line(void *ctx)
{
  pub *p = ctx;
  return aia_file_line(p->f.p, 0, p->file);
}

static bool pub_pending(void *ctx, uint32_t iid)
{
  pub *p = ctx;
  return aia_file_is_pending(p->f.p, 0, p->file, iid);
}

static bool pub_enabled(void *ctx, uint32_t iid)
{
  pub *p = ctx;
  return aia_file_is_enabled(p->f.p, 0, p->file, iid);
}

static void pub_tick(void *ctx)
{
  pub *p = ctx;
  fx_run_until(&p->f, aia_sim_now(p->f.sim) + 1);
}

/* ----------------------------------------------------------- driver ---- */

static uint64_t gen_bits(aia_rng *g, uint32_t xlen)
{
  uint64_t v;
  switch (aia_rng_below(g, 7)) {
  case 0:
    v = 0;
    break;
  case 1:
    v = UINT64_MAX;
    break;
  case 2:
    v = UINT64_C(1) << aia_rng_below(g, 64);
    break;
  case 3:
    v = aia_rng_next(g) & aia_rng_next(g) & aia_rng_next(g) & aia_rng_next(g);
    break;
  case 4:
    v = aia_rng_next(g) | aia_rng_next(g);
    break;
  default:
    v = aia_rng_next(g);
    break;
  }
  return xlen == 32 ? v & UINT32_MAX : v;
}

static uint32_t gen_iid(aia_rng *g, uint32_t n)
{
  uint64_t r = aia_rng_below(g, 20);
  if (r < 16)
    return 1u + (uint32_t)aia_rng_below(g, n);
  if (r == 16)
    return 0;
  if (r < 19)
    return n + 1u + (uint32_t)aia_rng_below(g, 64);
  return (uint32_t)aia_rng_next(g);
}

static aia_csr_op gen_op(aia_rng *g)
{
  return (aia_csr_op)aia_rng_below(g, 4);
}

static uint32_t gen_other_sel(aia_rng *g)
{
  switch (aia_rng_below(g, 5)) {
  case 0:
    return 0x71;
  case 1:
    return 0x73u + (uint32_t)aia_rng_below(g, 13);
  case 2:
    return (uint32_t)aia_rng_below(g, 0x70);
  case 3:
    return 0x100u + (uint32_t)aia_rng_below(g, 0x200);
  default:
    return (uint32_t)aia_rng_next(g);
  }
}

static uint64_t gen_eidelivery(aia_rng *g, uint32_t xlen)
{
  static const uint64_t vals[] = { 0, 1, 0, 1, 2, 3, AIA_EIDELIVERY_APLIC, AIA_EIDELIVERY_APLIC | 1u,
                                   0x80000000u };
  uint64_t r = aia_rng_below(g, 10);
  uint64_t v = r < 9 ? vals[r] : aia_rng_next(g);
  return xlen == 32 ? v & UINT32_MAX : v;
}

static uint64_t gen_threshold(aia_rng *g, uint32_t n, uint32_t xlen)
{
  uint64_t r = aia_rng_below(g, 10), v;
  if (r < 6)
    v = aia_rng_below(g, (uint64_t)n + 2);
  else if (r < 8)
    v = 0;
  else
    v = aia_rng_next(g);
  return xlen == 32 ? v & UINT32_MAX : v;
}

/* One CSR access on both sides; status, old value, and no *old write on
 * error must agree. */
static void both_ireg(const dut *d, rf_file *r, uint32_t sel, aia_csr_op op, uint64_t v, uint64_t step)
{
  uint64_t want = SENTINEL, got = SENTINEL;
  int rw = rf_ireg(r, sel, op, v, &want);
  int rg = d->ireg(d->ctx, sel, op, v, &got);
  if (rw != rg)
    fail_msg("%s step %" PRIu64 ": ireg(0x%x, op %d, 0x%" PRIx64 ") -> %s, reference %s", d->name,
             step, sel, (int)op, v, aia_status_name(rg), aia_status_name(rw));
  if (got != want)
    fail_msg("%s step %" PRIu64 ": ireg(0x%x, op %d, 0x%" PRIx64 ") old 0x%" PRIx64
             ", reference 0x%" PRIx64,
             d->name, step, sel, (int)op, v, got, want);
}

/* Reads every register of the file on both sides. */
static void sweep(const dut *d, rf_file *r, uint64_t step)
{
  both_ireg(d, r, AIA_ISEL_EIDELIVERY, AIA_CSR_READ, 0, step);
  both_ireg(d, r, AIA_ISEL_EITHRESHOLD, AIA_CSR_READ, 0, step);
  for (uint32_t sel = 0x80; sel <= 0xFF; sel++)
    both_ireg(d, r, sel, AIA_CSR_READ, 0, step);
  for (uint32_t iid = 0; iid <= r->n + 1; iid++) {
    if (d->pending(d->ctx, iid) != (iid <= r->n && r->eip[iid]))
      fail_msg("%s step %" PRIu64 ": pending(%u) differs", d->name, step, iid);
    if (d->enabled(d->ctx, iid) != (iid <= r->n && r->eie[iid]))
      fail_msg("%s step %" PRIu64 ": enabled(%u) differs", d->name, step, iid);
  }
}

static void drive(const dut *d, uint32_t n, uint32_t xlen, bool aplic_ok, uint64_t seed)
{
  rf_file *r = malloc(sizeof *r);
  aia_rng g;
  assert_non_null(r);
  rf_init(r, n, xlen, aplic_ok);
  aia_rng_seed(&g, seed, n * 100u + xlen);
  for (uint64_t step = 0; step < OPS_PER_RUN; step++) {
    uint64_t k = aia_rng_below(&g, 100);
    if (k < 25) {
      uint32_t iid = gen_iid(&g, n);
      bool want = rf_set(r, iid);
      int got = d->set(d->ctx, iid);
      if (got >= 0 && (got == 1) != want)
        fail_msg("%s step %" PRIu64 ": set_pending(%u) -> %d, reference %d", d->name, step, iid,
                 got, want);
    } else if (k < 55) {
      both_ireg(d, r, 0x80u + (uint32_t)aia_rng_below(&g, 128), gen_op(&g), gen_bits(&g, xlen),
                step);
    } else if (k < 62) {
      both_ireg(d, r, AIA_ISEL_EITHRESHOLD, gen_op(&g), gen_threshold(&g, n, xlen), step);
    } else if (k < 67) {
      both_ireg(d, r, AIA_ISEL_EIDELIVERY, gen_op(&g), gen_eidelivery(&g, xlen), step);
    } else if (k < 71) {
      both_ireg(d, r, gen_other_sel(&g), gen_op(&g), gen_bits(&g, xlen), step);
    } else if (k < 86) {
      aia_csr_op op = (aia_csr_op)(1 + aia_rng_below(&g, 3));
      uint32_t want = rf_claim(r);
      uint64_t got = d->topei(d->ctx, op);
      if (got != fmt(want))
        fail_msg("%s step %" PRIu64 ": claim 0x%" PRIx64 ", reference %u", d->name, step, got, want);
    } else if (k < 99) {
      uint32_t iid = (uint32_t)aia_rng_below(&g, (uint64_t)n + 2);
      if (d->pending(d->ctx, iid) != (iid <= n && r->eip[iid]))
        fail_msg("%s step %" PRIu64 ": pending(%u) differs", d->name, step, iid);
      if (d->enabled(d->ctx, iid) != (iid <= n && r->eie[iid]))
        fail_msg("%s step %" PRIu64 ": enabled(%u) differs", d->name, step, iid);
    } else {
      /* Empty the pending array now and then, so empty and sparse states
       * (topei 0, line low) are visited as often as full ones. */
      for (uint32_t sel = 0x80; sel < 0xC0; sel += xlen == 64 ? 2u : 1u)
        both_ireg(d, r, sel, AIA_CSR_WRITE, 0, step);
    }
    /* After every operation: topei (read only) and the line. */
    {
      uint64_t got = d->topei(d->ctx, AIA_CSR_READ);
      if (got != fmt(rf_topei(r)))
        fail_msg("%s step %" PRIu64 ": topei 0x%" PRIx64 ", reference %u", d->name, step, got,
                 rf_topei(r));
      if (d->line(d->ctx) != rf_line(r))
        fail_msg("%s step %" PRIu64 ": line %d, reference %d", d->name, step, d->line(d->ctx),
                 rf_line(r));
    }
    if (d->summary_ok != NULL && step % 8 == 0 && !d->summary_ok(d->ctx, r))
      fail_msg("%s step %" PRIu64 ": is_empty differs from the reference", d->name, step);
    if (step % 512 == 511)
      sweep(d, r, step);
    if (d->tick != NULL && step % 64 == 63)
      d->tick(d->ctx);
  }
  sweep(d, r, OPS_PER_RUN);
  free(r);
}

static void run_whitebox(uint32_t n, uint32_t xlen, uint64_t seed)
{
  aia__ifile f;
  bool aplic_ok = (seed & 1u) != 0;
  dut d = { "ifile", &f, wb_set, wb_ireg, wb_topei, wb_line, wb_pending, wb_enabled, NULL,
            wb_summary_ok };
  aia__ifile_init(&f, n, xlen, aplic_ok);
  drive(&d, n, xlen, aplic_ok, seed);
  aia__ifile_free(&f);
}

/* RV64 drives the S file with APLIC mode on; RV32 a guest file. */
static void run_public(uint32_t n, uint32_t xlen, uint64_t seed)
{
  pub p;
  aia_platform_config c;
  dut d = { "aia_file", &p, pub_set, pub_ireg, pub_topei, pub_line, pub_pending, pub_enabled,
            pub_tick, NULL };
  fx_default_cfg(&c);
  c.harts = 1;
  c.geilen = 1;
  c.ids = n;
  c.xlen = xlen;
  c.s_aplic_mode = true;
  p.file = xlen == 64 ? 0 : 1;
  if (fx_open(&p.f, &c) != 0)
    fail_msg("platform create failed (ids %u, xlen %u)", n, xlen);
  drive(&d, n, xlen, p.file == 0, seed);
  fx_close(&p.f);
}

static void test_random_ifile_n63(void **state)
{
  (void)state;
  run_whitebox(63, 64, 1);
  run_whitebox(63, 32, 2);
}

static void test_random_ifile_n255(void **state)
{
  (void)state;
  run_whitebox(255, 64, 3);
  run_whitebox(255, 32, 4);
}

static void test_random_ifile_n2047(void **state)
{
  (void)state;
  run_whitebox(2047, 64, 5);
  run_whitebox(2047, 32, 6);
}

static void test_random_public_file_n63(void **state)
{
  (void)state;
  run_public(63, 64, 11);
  run_public(63, 32, 12);
}

static void test_random_public_file_n255(void **state)
{
  (void)state;
  run_public(255, 64, 13);
  run_public(255, 32, 14);
}

static void test_random_public_file_n2047(void **state)
{
  (void)state;
  run_public(2047, 64, 15);
  run_public(2047, 32, 16);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_random_ifile_n63),        cmocka_unit_test(test_random_ifile_n255),
    cmocka_unit_test(test_random_ifile_n2047),      cmocka_unit_test(test_random_public_file_n63),
    cmocka_unit_test(test_random_public_file_n255), cmocka_unit_test(test_random_public_file_n2047),
  };
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0)
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests_name("hw_random", tests, NULL, NULL);
}
