/* The APLIC under random register traffic and random wire changes: three
 * domains (an M root with two S children), both delivery modes, every
 * register offset of every region including the holes, sizes and
 * alignments that are refused. After each step the invariants that must
 * hold whatever the sequence: a source is active in exactly one domain and
 * its bits read 0 everywhere else; a refused access changes nothing; each
 * IDC's output is exactly IE && idelivery && (topi || iforce); a direct
 * supervisor domain's line is the hart's SEIP when no other source drives
 * it. Deterministic (a fixed seed). */
#include <string.h>

#include "aia_test.h"
#include "aiasim/aplic.h"
#include "aiasim/hw.h"
#include "aiasim/rng.h"

#define SOURCES 40u
#define STEPS 60000

static const aia_aplic_domain_config doms[3] = {
  { -1, true, 0x0C000000u, 0, 4 },
  { 0, false, 0x0D000000u, 0, 4 },
  { 0, false, 0x0E000000u, 2, 2 },
};

/* A register offset, mostly the interesting ones, sometimes anything. */
static uint32_t pick_offset(aia_rng *r)
{
  uint32_t src = 1u + (uint32_t)aia_rng_below(r, SOURCES + 3u); /* a few past the end */
  switch (aia_rng_below(r, 12)) {
  case 0: return AIA_APLIC_DOMAINCFG;
  case 1: return AIA_APLIC_SOURCECFG + 4u * (src - 1u);
  case 2: return AIA_APLIC_TARGET + 4u * (src - 1u);
  case 3: return AIA_APLIC_SETIP + 4u * (uint32_t)aia_rng_below(r, 3);
  case 4: return AIA_APLIC_IN_CLRIP + 4u * (uint32_t)aia_rng_below(r, 3);
  case 5: return AIA_APLIC_SETIE + 4u * (uint32_t)aia_rng_below(r, 3);
  case 6: return AIA_APLIC_CLRIE + 4u * (uint32_t)aia_rng_below(r, 3);
  case 7: {
    static const uint32_t nums[] = { AIA_APLIC_SETIPNUM, AIA_APLIC_CLRIPNUM, AIA_APLIC_SETIENUM,
                                     AIA_APLIC_CLRIENUM, AIA_APLIC_SETIPNUM_LE,
                                     AIA_APLIC_SETIPNUM_BE, AIA_APLIC_GENMSI };
    return nums[aia_rng_below(r, 7)];
  }
  case 8: return AIA_APLIC_IDC + 32u * (uint32_t)aia_rng_below(r, 5) + 4u * (uint32_t)aia_rng_below(r, 8);
  case 9: return AIA_APLIC_MMSIADDRCFG + 4u * (uint32_t)aia_rng_below(r, 4);
  default: return 4u * (uint32_t)aia_rng_below(r, 0x5000u / 4u);
  }
}

static uint32_t pick_value(aia_rng *r)
{
  switch (aia_rng_below(r, 6)) {
  case 0: return (uint32_t)aia_rng_below(r, SOURCES + 3u); /* a source number */
  case 1: return (uint32_t)aia_rng_below(r, 8);            /* a mode */
  case 2: return AIA_APLIC_SOURCECFG_D | (uint32_t)aia_rng_below(r, 3);
  case 3: return AIA_APLIC_DOMAINCFG_IE | (aia_rng_below(r, 2) ? AIA_APLIC_DOMAINCFG_DM : 0);
  case 4: return (uint32_t)aia_rng_below(r, 4) << AIA_APLIC_TARGET_HART_SHIFT |
                 (uint32_t)aia_rng_below(r, 256);
  default: return (uint32_t)aia_rng_next(r);
  }
}

static uint32_t rd(aia_aplic *a, uint32_t d, uint32_t off)
{
  uint32_t v = 0;
  assert_int_equal(aia_aplic_mmio_read(a, doms[d].base + off, 4, &v), AIA_OK);
  return v;
}

/* How often the checks saw the interesting states (the run must reach
 * them, or it proves nothing). */
typedef struct seen {
  uint64_t delegated, pending, lines;
} seen;

static void check(seen *sn, aia_platform *p, aia_aplic *a)
{
  uint32_t live[3][2] = { { 0 } };
  for (uint32_t i = 1; i <= SOURCES; i++) {
    aia_aplic_source_state st;
    assert_int_equal(aia_aplic_source(a, i, &st), AIA_OK);
    assert_true(st.domain < 3);
    if (st.mode == AIA_SM_INACTIVE)
      assert_false(st.pending || st.enabled);
    if (st.mode == AIA_SM_INACTIVE || st.mode == AIA_SM_DETACHED)
      assert_false(st.rectified);
    if (st.pending && st.mode != AIA_SM_INACTIVE && i < 64)
      live[st.domain][i / 32] |= 1u << (i % 32);
    sn->delegated += st.domain != 0;
    sn->pending += st.pending;
  }
  /* setip of each domain shows exactly the pending sources active there
   * (BE domains read swapped) */
  for (uint32_t d = 0; d < 3; d++) {
    bool be = (rd(a, d, AIA_APLIC_DOMAINCFG) & 0xFFu) == 0x80u;
    for (uint32_t k = 0; k < 2; k++) {
      uint32_t v = rd(a, d, AIA_APLIC_SETIP + 4u * k);
      if (be)
        v = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
      assert_int_equal(v, live[d][k]);
    }
  }
  /* IDC outputs and the harts' SEIP (S domains 1 and 2 drive harts 0..3
   * and 2..3; the IMSIC S files stay quiet: eidelivery 0) */
  bool seip[4] = { false, false, false, false };
  for (uint32_t d = 0; d < 3; d++)
    for (uint32_t h = 0; h < doms[d].harts; h++) {
      uint32_t cfg = rd(a, d, AIA_APLIC_DOMAINCFG);
      if ((cfg & 0xFFu) == 0x80u) /* big-endian view */
        cfg = (cfg >> 24) | ((cfg >> 8) & 0xFF00u) | ((cfg << 8) & 0xFF0000u) | (cfg << 24);
      uint32_t base = AIA_APLIC_IDC + 32u * h;
      uint32_t idel = rd(a, d, base + AIA_APLIC_IDELIVERY), ifo = rd(a, d, base + AIA_APLIC_IFORCE);
      uint32_t topi = rd(a, d, base + AIA_APLIC_TOPI);
      bool big = (rd(a, d, AIA_APLIC_DOMAINCFG) & 0xFFu) == 0x80u;
      if (big) {
        idel = idel >> 24;
        ifo = ifo >> 24;
      }
      bool want = (cfg & AIA_APLIC_DOMAINCFG_IE) && !(cfg & AIA_APLIC_DOMAINCFG_DM) && idel &&
                  (ifo || topi != 0);
      assert_int_equal(aia_aplic_line(a, d, h), want);
      sn->lines += want;
      if (want && !doms[d].machine)
        seip[doms[d].first_hart + h] = true;
    }
  for (uint32_t h = 0; h < 4; h++)
    assert_int_equal((aia_hart_mip(p, h) >> AIA_IRQ_SEI) & 1u, seip[h]);
}

static void test_aplic_random_traffic_keeps_the_invariants(void **state)
{
  (void)state;
  aia_sim *sim = aia_test_sim(7);
  aia_platform_config pc;
  aia_platform *p;
  aia_aplic_config c;
  aia_aplic *a;
  aia_rng r;
  seen sn = { 0, 0, 0 };
  aia_platform_config_init(&pc);
  pc.harts = 4;
  assert_aia_ok(sim, aia_platform_create(sim, &pc, &p));
  aia_aplic_config_init(&c);
  c.sources = SOURCES;
  c.big_endian = true;
  c.iprio_bits = 4;
  c.domains = doms;
  c.ndomains = 3;
  assert_aia_ok(sim, aia_aplic_create(p, &c, &a));
  aia_rng_seed(&r, 12345, 1);
  /* Start from a programmed APLIC: MSI addresses of the platform's layout,
   * locked (random writes cannot move them), interrupts enabled in every
   * domain, every IDC delivering. */
  assert_aia_ok(sim, aia_aplic_mmio_write(a, doms[0].base + AIA_APLIC_SMSIADDRCFG, 4, 0x28000u));
  assert_aia_ok(sim, aia_aplic_mmio_write(a, doms[0].base + AIA_APLIC_SMSIADDRCFGH, 4, 0x300000u));
  assert_aia_ok(sim, aia_aplic_mmio_write(a, doms[0].base + AIA_APLIC_MMSIADDRCFGH, 4, 0x80002000u));
  for (uint32_t d = 0; d < 3; d++) {
    assert_aia_ok(sim, aia_aplic_mmio_write(a, doms[d].base, 4, AIA_APLIC_DOMAINCFG_IE));
    for (uint32_t h = 0; h < doms[d].harts; h++)
      assert_aia_ok(sim, aia_aplic_mmio_write(a, doms[d].base + AIA_APLIC_IDC + 32u * h, 4, 1));
  }
  for (int s = 0; s < STEPS; s++) {
    uint32_t d = (uint32_t)aia_rng_below(&r, 3);
    uint32_t off = pick_offset(&r);
    switch (aia_rng_below(&r, 10)) {
    case 0: case 1: case 2: {
      uint32_t src = 1u + (uint32_t)aia_rng_below(&r, SOURCES);
      assert_aia_ok(sim, aia_aplic_set_input(a, src, aia_rng_below(&r, 2) != 0));
      break;
    }
    case 3: { /* a refused access: wrong size or alignment changes nothing */
      uint32_t v = 7, before = rd(a, d, AIA_APLIC_SETIE);
      uint32_t size = aia_rng_below(&r, 2) ? 2u : 8u;
      assert_int_equal(aia_aplic_mmio_write(a, doms[d].base + off, size, 0xFFFFFFFFu), AIA_EACCESS);
      assert_int_equal(aia_aplic_mmio_read(a, doms[d].base + off + 1u, 4, &v), AIA_EACCESS);
      assert_int_equal(v, 7);
      assert_int_equal(rd(a, d, AIA_APLIC_SETIE), before);
      break;
    }
    case 4: { /* a read; half of them claims */
      uint32_t v;
      if (aia_rng_below(&r, 2))
        off = AIA_APLIC_IDC + 32u * (uint32_t)aia_rng_below(&r, doms[d].harts) + AIA_APLIC_CLAIMI;
      assert_int_equal(aia_aplic_mmio_read(a, doms[d].base + off, 4, &v), AIA_OK);
      break;
    }
    default:
      assert_int_equal(aia_aplic_mmio_write(a, doms[d].base + off, 4, pick_value(&r)), AIA_OK);
      break;
    }
    if (s % 16 == 0)
      assert_aia_ok(sim, aia_sim_run_until(sim, aia_sim_now(sim) + 10));
    check(&sn, p, a);
  }
  aia_aplic_stats st = { .struct_size = sizeof st };
  assert_aia_ok(sim, aia_aplic_get_stats(a, &st));
  print_message("delegated %llu, pending %llu, lines up %llu; msis %llu (unrouted %llu), "
                "claims %llu, line rises %llu\n",
                (unsigned long long)sn.delegated, (unsigned long long)sn.pending,
                (unsigned long long)sn.lines, (unsigned long long)st.msis_sent,
                (unsigned long long)st.msis_unrouted, (unsigned long long)st.claims,
                (unsigned long long)st.line_rises);
  assert_true(sn.delegated > STEPS && sn.pending > STEPS && sn.lines > 1000);
  assert_true(st.msis_sent - st.msis_unrouted > 50 && st.claims > 100 && st.line_rises > 20);
  uint32_t v;
  assert_int_equal(aia_aplic_mmio_read(a, 0x0F000000u, 4, &v), AIA_ENODEV);
  assert_int_equal(aia_aplic_set_input(a, 0, true), AIA_ERANGE);
  assert_int_equal(aia_aplic_set_input(a, SOURCES + 1u, true), AIA_ERANGE);
  aia_sim_destroy(sim);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_aplic_random_traffic_keeps_the_invariants),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
