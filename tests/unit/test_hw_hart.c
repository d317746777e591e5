/* Harts: configuration, hgeip/hgeie, SGEIP, VGEIN and VSEIP, SEIP, the HS
 * interrupt priority and enable rules, IPIs, idle WFI, listeners, and the
 * records of the MSI path with exact cycles.
 * Spec: riscv-isa-manual src/hypervisor.adoc, "Hypervisor Status Register"
 * (VGEIN), "Hypervisor Interrupt (hvip, hip, and hie) Registers",
 * "Hypervisor Guest External Interrupt Registers (hgeip and hgeie)";
 * riscv-aia src/IMSIC.adoc, "Interrupt delivery and handling" and
 * "Memory region for an interrupt file" (posted writes). */
#include "test_hw_fixture.h"

/* ---------------------------------------------------------- config ---- */

/* aia_platform_config_init fills the defaults hw.h documents. */
static void test_platform_config_init_fills_the_documented_defaults(void **state)
{
  aia_platform_config c;
  (void)state;
  memset(&c, 0xEE, sizeof c);
  aia_platform_config_init(&c);
  assert_int_equal(c.struct_size, sizeof c);
  assert_int_equal(c.harts, 4);
  assert_int_equal(c.geilen, 7);
  assert_int_equal(c.ids, 255);
  assert_int_equal(c.s_ids, 0);
  assert_int_equal(c.xlen, 64);
  assert_false(c.s_aplic_mode);
  assert_int_equal(c.imsic_base, UINT64_C(0x28000000));
  assert_int_equal(c.hart_stride, UINT64_C(0x8000));
  assert_int_equal(c.msi_write, 50);
  assert_int_equal(c.line_to_hart, 10);
  assert_int_equal(c.ipi_deliver, 4000);
  assert_int_equal(c.idle_exit, 1000);
}

/* Creates a platform from `c` on a fresh sim; returns the status, checks
 * that *out is NULL on failure and that errmsg names `field`. */
static int try_create(const aia_platform_config *c, const char *field)
{
  aia_sim *sim = aia_test_sim(1);
  aia_platform *p = (aia_platform *)(uintptr_t)1;
  int rc = aia_platform_create(sim, c, &p);
  if (rc != AIA_OK) {
    if (p != NULL)
      fail_msg("*out not NULL after a failed create");
    if (field != NULL && strstr(aia_sim_errmsg(sim), field) == NULL)
      fail_msg("errmsg \"%s\" does not name \"%s\"", aia_sim_errmsg(sim), field);
  } else if (p == NULL) {
    fail_msg("AIA_OK with *out NULL");
  }
  aia_sim_destroy(sim);
  return rc;
}

/* ids must be 63..2047 with ids+1 a multiple of 64 (IMSIC.adoc, "Interrupt
 * files and interrupt identities"); the same for s_ids when non-zero. */
static void test_platform_rejects_bad_identity_counts(void **state)
{
  const uint32_t bad[] = { 1, 62, 64, 100, 126, 2046, 2048, 2111, 4095, UINT32_MAX };
  aia_platform_config c;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    aia_platform_config_init(&c);
    c.ids = bad[i];
    assert_aia_status(try_create(&c, "ids"), AIA_EINVAL);
    aia_platform_config_init(&c);
    c.s_ids = bad[i];
    assert_aia_status(try_create(&c, "ids"), AIA_EINVAL);
  }
}

/* GEILEN is at most 63 (RV64) or 31 (RV32). */
static void test_platform_rejects_geilen_above_the_xlen_limit(void **state)
{
  aia_platform_config c;
  (void)state;
  aia_platform_config_init(&c);
  c.geilen = 64;
  c.hart_stride = 0x80000; /* large enough: only geilen is wrong */
  assert_aia_status(try_create(&c, "geilen"), AIA_EINVAL);
  c.geilen = 200;
  assert_aia_status(try_create(&c, "geilen"), AIA_EINVAL);
  c.geilen = 32;
  c.xlen = 32;
  assert_aia_status(try_create(&c, "geilen"), AIA_EINVAL);
}

static void test_platform_rejects_xlen_other_than_32_or_64(void **state)
{
  const uint32_t bad[] = { 0, 16, 31, 33, 63, 128 };
  aia_platform_config c;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    aia_platform_config_init(&c);
    c.xlen = bad[i];
    assert_aia_status(try_create(&c, "xlen"), AIA_EINVAL);
  }
}

/* hart_stride must hold (geilen+1) pages and be a multiple of 4 KiB. */
static void test_platform_rejects_too_small_or_unaligned_hart_stride(void **state)
{
  const uint64_t bad[] = { 0, 0x1000, 0x7000, 0x7FFF, 0x8800, 0x9004 };
  aia_platform_config c;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    aia_platform_config_init(&c); /* geilen 7: 8 pages = 0x8000 */
    c.hart_stride = bad[i];
    assert_aia_status(try_create(&c, "stride"), AIA_EINVAL);
  }
  aia_platform_config_init(&c);
  c.geilen = 15;
  assert_aia_status(try_create(&c, "stride"), AIA_EINVAL); /* 0x8000 < 16 pages */
}

/* Every file page is a naturally aligned 4 KiB page (IMSIC.adoc, "Memory
 * region for an interrupt file"), so imsic_base must be 4 KiB aligned. */
static void test_platform_rejects_unaligned_imsic_base(void **state)
{
  aia_platform_config c;
  (void)state;
  aia_platform_config_init(&c);
  c.imsic_base = UINT64_C(0x28000004);
  assert_aia_status(try_create(&c, "imsic_base"), AIA_EINVAL);
  c.imsic_base = UINT64_C(0x28000800);
  assert_aia_status(try_create(&c, "imsic_base"), AIA_EINVAL);
}

static void test_platform_rejects_bad_hart_counts_and_null_arguments(void **state)
{
  aia_platform_config c;
  aia_sim *sim = aia_test_sim(1);
  aia_platform *p = NULL;
  (void)state;
  aia_platform_config_init(&c);
  c.harts = 0;
  assert_aia_status(try_create(&c, "harts"), AIA_EINVAL);
  c.harts = 4097;
  assert_aia_status(try_create(&c, "harts"), AIA_EINVAL);
  aia_platform_config_init(&c);
  assert_aia_status(aia_platform_create(sim, NULL, &p), AIA_EINVAL);
  assert_aia_status(aia_platform_create(NULL, &c, &p), AIA_EINVAL);
  assert_aia_status(aia_platform_create(sim, &c, NULL), AIA_EINVAL);
  aia_sim_destroy(sim);
}

/* The limits themselves are accepted. */
static void test_platform_accepts_boundary_configs(void **state)
{
  aia_platform_config c;
  (void)state;
  aia_platform_config_init(&c);
  c.ids = 63;
  c.s_ids = 2047;
  assert_aia_ok(NULL, try_create(&c, NULL));
  aia_platform_config_init(&c);
  c.ids = 2047;
  c.geilen = 0;
  c.hart_stride = 0x1000;
  assert_aia_ok(NULL, try_create(&c, NULL));
  aia_platform_config_init(&c);
  c.geilen = 63;
  c.hart_stride = 64 * 0x1000;
  assert_aia_ok(NULL, try_create(&c, NULL));
  aia_platform_config_init(&c);
  c.xlen = 32;
  c.geilen = 31;
  c.hart_stride = 32 * 0x1000;
  assert_aia_ok(NULL, try_create(&c, NULL));
  aia_platform_config_init(&c);
  c.harts = 4096;
  assert_aia_ok(NULL, try_create(&c, NULL));
}

static void test_platform_get_config_returns_the_config_in_force(void **state)
{
  fx *f = *state;
  aia_platform_config c;
  memset(&c, 0, sizeof c);
  aia_platform_get_config(f->p, &c);
  assert_int_equal(c.harts, 2);
  assert_int_equal(c.geilen, 3);
  assert_int_equal(c.msi_write, FX_MSI_WRITE);
  assert_int_equal(c.idle_exit, FX_IDLE_EXIT);
  assert_ptr_equal(aia_platform_sim(f->p), f->sim);
  assert_aia_ok(f->sim, aia_platform_set_latency(f->p, 1, 2, 3, 4));
  aia_platform_get_config(f->p, &c);
  assert_int_equal(c.msi_write, 1);
  assert_int_equal(c.line_to_hart, 2);
  assert_int_equal(c.ipi_deliver, 3);
  assert_int_equal(c.idle_exit, 4);
}

/* ----------------------------------------------------------- harts ---- */

/* After create: SSI, SEI, SGEI enabled, sstatus.SIE on, V = 0, VGEIN 0,
 * nothing pending, not idle. */
static void test_hart_starts_with_documented_state(void **state)
{
  fx *f = *state;
  for (uint32_t h = 0; h < 2; h++) {
    assert_int_equal(aia_hart_ie(f->p, h), MIP(AIA_IRQ_SSI) | MIP(AIA_IRQ_SEI) | MIP(AIA_IRQ_SGEI));
    assert_false(aia_hart_virt(f->p, h));
    assert_int_equal(aia_hart_vgein(f->p, h), 0);
    assert_int_equal(aia_hart_mip(f->p, h), 0);
    assert_int_equal(aia_hart_hgeip(f->p, h), 0);
    assert_int_equal(fx_hgeie(f, h, AIA_CSR_READ, 0), 0);
    assert_int_equal(aia_hart_hs_irq(f->p, h), 0);
    assert_false(aia_hart_is_idle(f->p, h));
  }
}

/* Every hart call names its hart; a hart past the last is AIA_ERANGE. */
static void test_hart_bad_hart_number_gives_erange(void **state)
{
  fx *f = *state;
  uint64_t old = 0x77;
  assert_aia_status(aia_hart_ireg(f->p, 2, false, AIA_ISEL_EIDELIVERY, AIA_CSR_READ, 0, &old),
                    AIA_ERANGE);
  assert_aia_status(aia_hart_topei(f->p, 2, false, AIA_CSR_READ, &old), AIA_ERANGE);
  assert_aia_status(aia_hart_hgeie(f->p, 2, AIA_CSR_READ, 0, &old), AIA_ERANGE);
  assert_aia_status(aia_hart_set_vgein(f->p, 2, 0), AIA_ERANGE);
  assert_aia_status(aia_hart_set_hvip(f->p, 2, 0), AIA_ERANGE);
  assert_aia_status(aia_hart_set_ie(f->p, 2, 0), AIA_ERANGE);
  assert_aia_status(aia_hart_set_sie(f->p, 2, true), AIA_ERANGE);
  assert_aia_status(aia_hart_set_virt(f->p, 2, true), AIA_ERANGE);
  assert_aia_status(aia_hart_send_ipi(f->p, 0, 2, 0), AIA_ERANGE);
  assert_aia_status(aia_hart_clear_ipi(f->p, 2), AIA_ERANGE);
  assert_aia_status(aia_hart_wfi(f->p, 2), AIA_ERANGE);
  assert_int_equal(old, 0x77);
}

/* Only bits GEILEN:1 of hgeie are writable; bit 0 and bits above GEILEN
 * read 0 (hypervisor.adoc, "hgeip and hgeie"). */
static void test_hart_hgeie_bits_above_geilen_and_bit0_read_zero(void **state)
{
  fx *f = *state;
  aia_platform_config c;
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, UINT64_MAX);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_READ, 0), 0xE);
  (void)fx_hgeie(f, 1, AIA_CSR_SET, 0x31);
  assert_int_equal(fx_hgeie(f, 1, AIA_CSR_READ, 0), 0);

  fx_default_cfg(&c);
  c.geilen = 63;
  c.hart_stride = 64 * 0x1000;
  fx_reopen(f, &c);
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, UINT64_MAX);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_READ, 0), UINT64_MAX - 1);

  fx_default_cfg(&c);
  c.geilen = 0;
  fx_reopen(f, &c);
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, UINT64_MAX);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_READ, 0), 0);

  fx_default_cfg(&c);
  c.xlen = 32;
  c.geilen = 31;
  c.hart_stride = 32 * 0x1000;
  fx_reopen(f, &c);
  (void)fx_hgeie(f, 1, AIA_CSR_WRITE, UINT64_MAX);
  assert_int_equal(fx_hgeie(f, 1, AIA_CSR_READ, 0), UINT64_C(0xFFFFFFFE));
}

/* hgeie CSRRW/CSRRS/CSRRC return the old value. */
static void test_hart_hgeie_csr_ops_return_the_old_value(void **state)
{
  fx *f = *state;
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_WRITE, 0x2), 0);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_SET, 0x8), 0x2);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_CLEAR, 0x2), 0xA);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_READ, 0x6), 0x8);
  assert_int_equal(fx_hgeie(f, 0, AIA_CSR_READ, 0), 0x8);
}

/* hgeip bit g is guest file g's line as the hart sees it: exactly
 * line_to_hart cycles after the line changes, both ways. */
static void test_hart_hgeip_follows_guest_line_after_line_to_hart(void **state)
{
  fx *f = *state;
  const aia_cycle t = 1000, land = t + FX_MSI_WRITE, seen = land + FX_LINE_TO_HART;
  fx_delivery(f, 1, 2, 1);
  fx_enable(f, 1, 2, 17);
  fx_run_until(f, t);
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 1, 2), 4, 17, 0));
  fx_run_until(f, land);
  assert_true(aia_file_line(f->p, 1, 2));
  assert_int_equal(aia_hart_hgeip(f->p, 1), 0);
  fx_run_until(f, seen - 1);
  assert_int_equal(aia_hart_hgeip(f->p, 1), 0);
  fx_run_until(f, seen);
  assert_int_equal(aia_hart_hgeip(f->p, 1), UINT64_C(1) << 2);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0);
  /* Falling: a claim at cycle 2000. */
  fx_run_until(f, 2000);
  assert_int_equal(fx_claim(f, 1, 2), 17);
  assert_false(aia_file_line(f->p, 1, 2));
  fx_run_until(f, 2000 + FX_LINE_TO_HART - 1);
  assert_int_equal(aia_hart_hgeip(f->p, 1), UINT64_C(1) << 2);
  fx_run_until(f, 2000 + FX_LINE_TO_HART);
  assert_int_equal(aia_hart_hgeip(f->p, 1), 0);
}

/* Line changes made through registers (eidelivery) reach hgeip with the
 * same delay. */
static void test_hart_hgeip_follows_register_made_line_changes(void **state)
{
  fx *f = *state;
  fx_enable(f, 0, 3, 1);
  fx_set_pending(f, 0, 3, 1);
  fx_run_until(f, 500);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0); /* delivery off */
  fx_delivery(f, 0, 3, 1);
  fx_run_until(f, 500 + FX_LINE_TO_HART - 1);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0);
  fx_run_until(f, 500 + FX_LINE_TO_HART);
  assert_int_equal(aia_hart_hgeip(f->p, 0), UINT64_C(1) << 3);
  fx_wr(f, 0, 3, AIA_ISEL_EITHRESHOLD, 1); /* masks identity 1 */
  fx_run_until(f, 600 + FX_LINE_TO_HART);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0);
}

/* The hart sees the line through a pure delay: a pulse shorter than
 * line_to_hart still reaches hgeip, shifted by line_to_hart. */
static void test_hart_hgeip_is_the_guest_line_delayed_exactly(void **state)
{
  fx *f = *state;
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_HGEIP));
  fx_enable(f, 0, 1, 4);
  fx_delivery(f, 0, 1, 1);
  fx_run_until(f, 100);
  fx_set_pending(f, 0, 1, 4); /* line up at 100 */
  fx_run_until(f, 103);
  assert_int_equal(fx_claim(f, 0, 1), 4); /* line down at 103 */
  fx_run_until(f, 200);
  assert_int_equal(rec_count(&r, AIA_EV_HGEIP), 2);
  assert_int_equal(rec_must(&r, AIA_EV_HGEIP, 0)->cycle, 100 + FX_LINE_TO_HART);
  assert_int_equal(rec_must(&r, AIA_EV_HGEIP, 0)->arg, UINT64_C(1) << 1);
  assert_int_equal(rec_must(&r, AIA_EV_HGEIP, 1)->cycle, 103 + FX_LINE_TO_HART);
  assert_int_equal(rec_must(&r, AIA_EV_HGEIP, 1)->arg, 0);
}

/* The S file drives SEIP (after line_to_hart), never an hgeip bit. */
static void test_hart_seip_follows_the_s_file_line(void **state)
{
  fx *f = *state;
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_SEIP));
  fx_run_until(f, 40);
  fx_raise(f, 1, 0, 200);
  fx_run_until(f, 40 + FX_LINE_TO_HART - 1);
  assert_int_equal(aia_hart_mip(f->p, 1) & MIP(AIA_IRQ_SEI), 0);
  fx_run_until(f, 40 + FX_LINE_TO_HART);
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_SEI));
  assert_int_equal(aia_hart_hgeip(f->p, 1), 0);
  assert_int_equal(aia_hart_hs_irq(f->p, 1), AIA_IRQ_SEI);
  assert_int_equal(rec_must(&r, AIA_EV_SEIP, 0)->cycle, 40 + FX_LINE_TO_HART);
  assert_int_equal(rec_must(&r, AIA_EV_SEIP, 0)->arg, 1);
  assert_int_equal(rec_must(&r, AIA_EV_SEIP, 0)->hart, 1);
}

/* SGEIP = (hgeip & hgeie) != 0, recomputed at once when hgeie changes,
 * both ways; records at the cycle of the change. */
static void test_hart_sgeip_follows_hgeie_changes_both_ways(void **state)
{
  fx *f = *state;
  rec r;
  fx_raise(f, 0, 2, 9);
  fx_run_until(f, 100);
  assert_int_equal(aia_hart_hgeip(f->p, 0), UINT64_C(1) << 2);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SGEI), 0); /* hgeie 0 */
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_SGEIP) | AIA_EV_BIT(AIA_EV_HGEIE));
  (void)fx_hgeie(f, 0, AIA_CSR_SET, UINT64_C(1) << 2);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SGEI), MIP(AIA_IRQ_SGEI));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), AIA_IRQ_SGEI);
  fx_run_until(f, 150);
  (void)fx_hgeie(f, 0, AIA_CSR_CLEAR, UINT64_C(1) << 2);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SGEI), 0);
  assert_int_equal(aia_hart_hs_irq(f->p, 0), 0);
  assert_int_equal(rec_count(&r, AIA_EV_SGEIP), 2);
  assert_int_equal(rec_must(&r, AIA_EV_SGEIP, 0)->cycle, 100);
  assert_int_equal(rec_must(&r, AIA_EV_SGEIP, 0)->arg, 1);
  assert_int_equal(rec_must(&r, AIA_EV_SGEIP, 1)->cycle, 150);
  assert_int_equal(rec_must(&r, AIA_EV_SGEIP, 1)->arg, 0);
  assert_int_equal(rec_must(&r, AIA_EV_HGEIE, 0)->arg, UINT64_C(1) << 2);
  assert_int_equal(rec_must(&r, AIA_EV_HGEIE, 1)->arg, 0);
}

/* hgeie on another bit does not raise SGEIP. */
static void test_hart_sgeip_needs_hgeip_and_hgeie_on_the_same_bit(void **state)
{
  fx *f = *state;
  fx_raise(f, 0, 1, 9);
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, 0xC); /* bits 2, 3 */
  fx_run_until(f, 100);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0x2);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SGEI), 0);
  (void)fx_hgeie(f, 0, AIA_CSR_SET, 0x2);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SGEI), MIP(AIA_IRQ_SGEI));
}

/* VSEIP = hvip.VSEIP | hgeip[VGEIN]; hgeie does not affect it. */
static void test_hart_vseip_is_hgeip_at_vgein_or_hvip(void **state)
{
  fx *f = *state;
  fx_raise(f, 1, 3, 30);
  fx_run_until(f, 100);
  assert_int_equal(aia_hart_mip(f->p, 1) & MIP(AIA_IRQ_VSEI), 0); /* VGEIN 0 */
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 1, 2));
  assert_int_equal(aia_hart_mip(f->p, 1) & MIP(AIA_IRQ_VSEI), 0);
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 1, 3));
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_VSEI)); /* SGEIP off: hgeie 0 */
  (void)fx_hgeie(f, 1, AIA_CSR_WRITE, 0x8);
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_VSEI) | MIP(AIA_IRQ_SGEI));
  (void)fx_hgeie(f, 1, AIA_CSR_WRITE, 0);
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_VSEI));
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 1, 0));
  assert_aia_ok(f->sim, aia_hart_set_hvip(f->p, 1, MIP(AIA_IRQ_VSEI)));
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_VSEI));
  assert_int_equal(aia_hart_mip(f->p, 0), 0);
}

/* Only hvip.VSSIP, VSTIP and VSEIP count. */
static void test_hart_hvip_only_vs_bits_count(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_set_hvip(f->p, 0, UINT64_MAX));
  assert_int_equal(aia_hart_mip(f->p, 0),
                   MIP(AIA_IRQ_VSSI) | MIP(AIA_IRQ_VSTI) | MIP(AIA_IRQ_VSEI));
  assert_aia_ok(f->sim, aia_hart_set_hvip(f->p, 0, MIP(AIA_IRQ_VSTI)));
  assert_int_equal(aia_hart_mip(f->p, 0), MIP(AIA_IRQ_VSTI));
}

/* HS priority: SEI > SSI > STI > SGEI (hypervisor.adoc, hip/hie). STI has no
 * source in the hardware model, so SEI, SSI and SGEI are checked. */
static void test_hart_hs_priority_is_sei_then_ssi_then_sgei(void **state)
{
  fx *f = *state;
  fx_raise(f, 0, 1, 5);                            /* SGEI source */
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, 0x2);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 1, 0, 0)); /* SSI */
  fx_raise(f, 0, 0, 5);                            /* SEI */
  fx_run_until(f, FX_IPI_DELIVER);
  assert_int_equal(aia_hart_mip(f->p, 0),
                   MIP(AIA_IRQ_SEI) | MIP(AIA_IRQ_SSI) | MIP(AIA_IRQ_SGEI));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), AIA_IRQ_SEI);
  assert_int_equal(fx_claim(f, 0, 0), 5);
  fx_run_until(f, FX_IPI_DELIVER + FX_LINE_TO_HART);
  assert_int_equal(aia_hart_hs_irq(f->p, 0), AIA_IRQ_SSI);
  assert_aia_ok(f->sim, aia_hart_clear_ipi(f->p, 0));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), AIA_IRQ_SGEI);
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, 0);
  assert_int_equal(aia_hart_hs_irq(f->p, 0), 0);
}

/* A pending interrupt traps only with its ie bit set. */
static void test_hart_hs_irq_needs_the_ie_bit(void **state)
{
  fx *f = *state;
  fx_raise(f, 0, 0, 5);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 1, 0, 0));
  fx_run_until(f, FX_IPI_DELIVER);
  assert_aia_ok(f->sim, aia_hart_set_ie(f->p, 0, MIP(AIA_IRQ_SSI)));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), AIA_IRQ_SSI);
  assert_aia_ok(f->sim, aia_hart_set_ie(f->p, 0, 0));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), 0);
  assert_int_equal(aia_hart_mip(f->p, 0), MIP(AIA_IRQ_SEI) | MIP(AIA_IRQ_SSI)); /* still pending */
  assert_aia_ok(f->sim, aia_hart_set_ie(f->p, 0, MIP(AIA_IRQ_SEI)));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), AIA_IRQ_SEI);
}

/* In HS-mode (V = 0) sstatus.SIE = 0 masks every HS interrupt. */
static void test_hart_sie_off_masks_hs_interrupts_when_v_is_0(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 0, 1, 0));
  fx_run_until(f, FX_IPI_DELIVER);
  assert_aia_ok(f->sim, aia_hart_set_sie(f->p, 1, false));
  assert_int_equal(aia_hart_hs_irq(f->p, 1), 0);
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_SSI));
  assert_aia_ok(f->sim, aia_hart_set_sie(f->p, 1, true));
  assert_int_equal(aia_hart_hs_irq(f->p, 1), AIA_IRQ_SSI);
}

/* With V = 1 HS interrupts always trap, whatever sstatus.SIE says. */
static void test_hart_v1_takes_hs_interrupts_regardless_of_sie(void **state)
{
  fx *f = *state;
  fx_raise(f, 1, 2, 8);
  (void)fx_hgeie(f, 1, AIA_CSR_WRITE, 0x4);
  fx_run_until(f, 100);
  assert_aia_ok(f->sim, aia_hart_set_sie(f->p, 1, false));
  assert_int_equal(aia_hart_hs_irq(f->p, 1), 0);
  assert_aia_ok(f->sim, aia_hart_set_virt(f->p, 1, true));
  assert_true(aia_hart_virt(f->p, 1));
  assert_int_equal(aia_hart_hs_irq(f->p, 1), AIA_IRQ_SGEI);
  assert_aia_ok(f->sim, aia_hart_set_virt(f->p, 1, false));
  assert_int_equal(aia_hart_hs_irq(f->p, 1), 0);
}

/* VS-level causes are delegated to the guest: never an HS trap. */
static void test_hart_vs_causes_never_trap_to_hs(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_set_hvip(f->p, 0, UINT64_MAX));
  assert_aia_ok(f->sim, aia_hart_set_ie(f->p, 0, MIP(AIA_IRQ_VSSI) | MIP(AIA_IRQ_VSTI) |
                                                     MIP(AIA_IRQ_VSEI)));
  assert_aia_ok(f->sim, aia_hart_set_virt(f->p, 0, true));
  assert_int_equal(aia_hart_mip(f->p, 0),
                   MIP(AIA_IRQ_VSSI) | MIP(AIA_IRQ_VSTI) | MIP(AIA_IRQ_VSEI));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), 0);
}

/* An IPI raises SSIP on the target exactly ipi_deliver cycles after it is
 * sent; clear_ipi lowers it at once. */
static void test_hart_ipi_lands_after_ipi_deliver(void **state)
{
  fx *f = *state;
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_IPI_SEND) | AIA_EV_BIT(AIA_EV_IPI_DELIVER));
  fx_run_until(f, 77);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 1, 0, 5));
  fx_run_until(f, 77 + FX_IPI_DELIVER - 1);
  assert_int_equal(aia_hart_mip(f->p, 0), 0);
  fx_run_until(f, 77 + FX_IPI_DELIVER);
  assert_int_equal(aia_hart_mip(f->p, 0), MIP(AIA_IRQ_SSI));
  assert_int_equal(aia_hart_mip(f->p, 1), 0);
  {
    const aia_event *s = rec_must(&r, AIA_EV_IPI_SEND, 0), *d = rec_must(&r, AIA_EV_IPI_DELIVER, 0);
    assert_int_equal(s->cycle, 77);
    assert_int_equal(s->hart, 0);
    assert_int_equal(s->arg, 1);
    assert_int_equal(s->msi, 5);
    assert_int_equal(d->cycle, 77 + FX_IPI_DELIVER);
    assert_int_equal(d->hart, 0);
  }
  assert_aia_ok(f->sim, aia_hart_clear_ipi(f->p, 0));
  assert_int_equal(aia_hart_mip(f->p, 0), 0);
}

typedef struct heard {
  aia_sim *sim;
  int tag;
  uint32_t n;
  uint32_t hart[32];
  bool woke[32];
  aia_cycle cycle[32];
  int *order;
  uint32_t *norder;
} heard;

static void on_irq(void *user, uint32_t hart, bool woke)
{
  heard *h = user;
  if (h->n < 32) {
    h->hart[h->n] = hart;
    h->woke[h->n] = woke;
    h->cycle[h->n] = aia_sim_now(h->sim);
  }
  h->n++;
  if (h->order != NULL)
    h->order[(*h->norder)++ % 32] = h->tag;
}

/* Idle WFI: the hart wakes idle_exit cycles after an enabled interrupt
 * becomes pending (IPI path); HART_IDLE and HART_WAKE records, a listener
 * call with woke = true. */
static void test_hart_idle_wfi_wakes_idle_exit_after_an_enabled_interrupt(void **state)
{
  fx *f = *state;
  const aia_cycle t = 200, pend = t + FX_IPI_DELIVER, wake = pend + FX_IDLE_EXIT;
  heard h = { .sim = f->sim };
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_HART_IDLE) | AIA_EV_BIT(AIA_EV_HART_WAKE));
  assert_aia_ok(f->sim, aia_platform_listen(f->p, on_irq, &h));
  fx_run_until(f, 100);
  assert_aia_ok(f->sim, aia_hart_wfi(f->p, 1));
  assert_true(aia_hart_is_idle(f->p, 1));
  assert_false(aia_hart_is_idle(f->p, 0));
  fx_run_until(f, t);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 0, 1, 0));
  fx_run_until(f, wake - 1);
  assert_true(aia_hart_is_idle(f->p, 1));
  fx_run_until(f, wake);
  assert_false(aia_hart_is_idle(f->p, 1));
  assert_int_equal(rec_must(&r, AIA_EV_HART_IDLE, 0)->cycle, 100);
  assert_int_equal(rec_must(&r, AIA_EV_HART_IDLE, 0)->hart, 1);
  assert_int_equal(rec_must(&r, AIA_EV_HART_WAKE, 0)->cycle, wake);
  assert_int_equal(rec_must(&r, AIA_EV_HART_WAKE, 0)->hart, 1);
  /* Listener: SSIP change at `pend`, then the wake-up. */
  assert_int_equal(h.n, 2);
  assert_int_equal(h.hart[0], 1);
  assert_false(h.woke[0]);
  assert_int_equal(h.cycle[0], pend);
  assert_int_equal(h.hart[1], 1);
  assert_true(h.woke[1]);
  assert_int_equal(h.cycle[1], wake);
}

/* A guest MSI wakes an idle host hart through SGEI when hgeie arms the
 * file: landing + line_to_hart + idle_exit. */
static void test_hart_idle_wfi_wakes_on_sgei_from_a_guest_msi(void **state)
{
  fx *f = *state;
  const aia_cycle t = 1000;
  fx_delivery(f, 0, 3, 1);
  fx_enable(f, 0, 3, 64);
  (void)fx_hgeie(f, 0, AIA_CSR_WRITE, 0x8);
  assert_aia_ok(f->sim, aia_hart_wfi(f->p, 0));
  fx_run_until(f, t);
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 3), 4, 64, 0));
  fx_run_until(f, t + FX_MSI_WRITE + FX_LINE_TO_HART + FX_IDLE_EXIT - 1);
  assert_true(aia_hart_is_idle(f->p, 0));
  fx_run_until(f, t + FX_MSI_WRITE + FX_LINE_TO_HART + FX_IDLE_EXIT);
  assert_false(aia_hart_is_idle(f->p, 0));
}

/* Without the ie bit the pending interrupt does not wake the hart; enabling
 * it later wakes the hart idle_exit after the enable. */
static void test_hart_idle_wfi_ignores_interrupts_that_are_not_enabled(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_set_ie(f->p, 1, MIP(AIA_IRQ_SEI)));
  assert_aia_ok(f->sim, aia_hart_wfi(f->p, 1));
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 0, 1, 0));
  fx_run_until(f, 20000);
  assert_true(aia_hart_is_idle(f->p, 1));
  assert_int_equal(aia_hart_mip(f->p, 1), MIP(AIA_IRQ_SSI));
  assert_aia_ok(f->sim, aia_hart_set_ie(f->p, 1, MIP(AIA_IRQ_SSI)));
  fx_run_until(f, 20000 + FX_IDLE_EXIT - 1);
  assert_true(aia_hart_is_idle(f->p, 1));
  fx_run_until(f, 20000 + FX_IDLE_EXIT);
  assert_false(aia_hart_is_idle(f->p, 1));
}

/* WFI resumes on a pending-and-enabled interrupt whatever sstatus.SIE. */
static void test_hart_idle_wfi_wakes_even_with_sie_off(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_set_sie(f->p, 0, false));
  assert_aia_ok(f->sim, aia_hart_wfi(f->p, 0));
  fx_raise(f, 0, 0, 3);
  fx_run_until(f, FX_LINE_TO_HART + FX_IDLE_EXIT - 1);
  assert_true(aia_hart_is_idle(f->p, 0));
  fx_run_until(f, FX_LINE_TO_HART + FX_IDLE_EXIT);
  assert_false(aia_hart_is_idle(f->p, 0));
  assert_int_equal(aia_hart_hs_irq(f->p, 0), 0); /* woke, but SIE still masks the trap */
}

/* A WFI with an enabled interrupt already pending still pays idle_exit. */
static void test_hart_wfi_with_interrupt_already_pending_pays_idle_exit(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 1, 0, 0));
  fx_run_until(f, 5000);
  assert_aia_ok(f->sim, aia_hart_wfi(f->p, 0));
  assert_true(aia_hart_is_idle(f->p, 0));
  fx_run_until(f, 5000 + FX_IDLE_EXIT - 1);
  assert_true(aia_hart_is_idle(f->p, 0));
  fx_run_until(f, 5000 + FX_IDLE_EXIT);
  assert_false(aia_hart_is_idle(f->p, 0));
}

/* The records of one guest MSI, with exact cycles: posted, landed, file
 * line, hgeip, SGEIP; then a claim takes them down again. */
static void test_hart_guest_msi_records_have_exact_cycles(void **state)
{
  fx *f = *state;
  const aia_cycle t = 3000, land = t + FX_MSI_WRITE, seen = land + FX_LINE_TO_HART;
  const aia_cycle claim = 4000;
  const aia_event *e;
  rec r;
  fx_delivery(f, 1, 2, 1);
  fx_enable(f, 1, 2, 100);
  (void)fx_hgeie(f, 1, AIA_CSR_WRITE, 0x4);
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_LANDED) | AIA_EV_BIT(AIA_EV_FILE_LINE) |
                        AIA_EV_BIT(AIA_EV_HGEIP) | AIA_EV_BIT(AIA_EV_SGEIP) |
                        AIA_EV_BIT(AIA_EV_EIP_CLEAR));
  fx_run_until(f, t);
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 1, 2), 4, 100, 42));
  fx_run_until(f, claim);
  assert_int_equal(fx_claim(f, 1, 2), 100);
  fx_run_until(f, claim + 100);

  e = rec_must(&r, AIA_EV_MSI_LANDED, 0);
  assert_int_equal(e->cycle, land);
  assert_int_equal(e->hart, 1);
  assert_int_equal(e->file, 2);
  assert_int_equal(e->iid, 100);
  assert_int_equal(e->msi, 42);
  e = rec_must(&r, AIA_EV_FILE_LINE, 0);
  assert_int_equal(e->cycle, land);
  assert_int_equal(e->hart, 1);
  assert_int_equal(e->file, 2);
  assert_int_equal(e->arg, 1);
  assert_int_equal(e->msi, 42); /* a record the write caused */
  e = rec_must(&r, AIA_EV_HGEIP, 0);
  assert_int_equal(e->cycle, seen);
  assert_int_equal(e->hart, 1);
  assert_int_equal(e->arg, UINT64_C(1) << 2);
  e = rec_must(&r, AIA_EV_SGEIP, 0);
  assert_int_equal(e->cycle, seen);
  assert_int_equal(e->hart, 1);
  assert_int_equal(e->arg, 1);

  e = rec_must(&r, AIA_EV_EIP_CLEAR, 0);
  assert_int_equal(e->cycle, claim);
  assert_int_equal(e->iid, 100);
  e = rec_must(&r, AIA_EV_FILE_LINE, 1);
  assert_int_equal(e->cycle, claim);
  assert_int_equal(e->arg, 0);
  e = rec_must(&r, AIA_EV_HGEIP, 1);
  assert_int_equal(e->cycle, claim + FX_LINE_TO_HART);
  assert_int_equal(e->arg, 0);
  e = rec_must(&r, AIA_EV_SGEIP, 1);
  assert_int_equal(e->cycle, claim + FX_LINE_TO_HART);
  assert_int_equal(e->arg, 0);
  assert_int_equal(rec_count(&r, AIA_EV_FILE_LINE), 2);
  assert_int_equal(rec_count(&r, AIA_EV_HGEIP), 2);
  assert_int_equal(rec_count(&r, AIA_EV_SGEIP), 2);
}

/* A second MSI to a file whose line is already high changes no line. */
static void test_hart_msi_to_a_high_line_adds_no_line_records(void **state)
{
  fx *f = *state;
  rec r;
  fx_raise(f, 0, 1, 10);
  fx_run_until(f, 100);
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_FILE_LINE) | AIA_EV_BIT(AIA_EV_HGEIP) |
                        AIA_EV_BIT(AIA_EV_MSI_LANDED));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 1), 4, 20, 0));
  fx_run_until(f, 1000);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 1);
  assert_int_equal(rec_count(&r, AIA_EV_FILE_LINE), 0);
  assert_int_equal(rec_count(&r, AIA_EV_HGEIP), 0);
}

/* Listeners run in attach order, each on every mip change. */
static void test_hart_listeners_run_in_attach_order(void **state)
{
  fx *f = *state;
  int order[32];
  uint32_t norder = 0;
  heard a = { .sim = f->sim, .tag = 1, .order = order, .norder = &norder };
  heard b = { .sim = f->sim, .tag = 2, .order = order, .norder = &norder };
  assert_aia_ok(f->sim, aia_platform_listen(f->p, on_irq, &a));
  assert_aia_ok(f->sim, aia_platform_listen(f->p, on_irq, &b));
  assert_aia_status(aia_platform_listen(f->p, NULL, &a), AIA_EINVAL);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 0, 1, 0));
  fx_run_until(f, FX_IPI_DELIVER);
  assert_aia_ok(f->sim, aia_hart_clear_ipi(f->p, 1));
  assert_int_equal(a.n, 2);
  assert_int_equal(b.n, 2);
  assert_int_equal(a.cycle[0], FX_IPI_DELIVER);
  assert_false(a.woke[0]);
  assert_int_equal(norder, 4);
  assert_int_equal(order[0], 1);
  assert_int_equal(order[1], 2);
  assert_int_equal(order[2], 1);
  assert_int_equal(order[3], 2);
}

/* line_to_hart and ipi_deliver changed at run time apply from then on. */
static void test_hart_set_latency_changes_line_and_ipi_delays(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_platform_set_latency(f->p, FX_MSI_WRITE, 3, 20, 5));
  fx_raise(f, 0, 1, 1);
  assert_aia_ok(f->sim, aia_hart_send_ipi(f->p, 1, 0, 0));
  fx_run_until(f, 2);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0);
  fx_run_until(f, 3);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0x2);
  fx_run_until(f, 19);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SSI), 0);
  fx_run_until(f, 20);
  assert_int_equal(aia_hart_mip(f->p, 0) & MIP(AIA_IRQ_SSI), MIP(AIA_IRQ_SSI));
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_platform_config_init_fills_the_documented_defaults),
    cmocka_unit_test(test_platform_rejects_bad_identity_counts),
    cmocka_unit_test(test_platform_rejects_geilen_above_the_xlen_limit),
    cmocka_unit_test(test_platform_rejects_xlen_other_than_32_or_64),
    cmocka_unit_test(test_platform_rejects_too_small_or_unaligned_hart_stride),
    cmocka_unit_test(test_platform_rejects_unaligned_imsic_base),
    cmocka_unit_test(test_platform_rejects_bad_hart_counts_and_null_arguments),
    cmocka_unit_test(test_platform_accepts_boundary_configs),
    T(test_platform_get_config_returns_the_config_in_force),
    T(test_hart_starts_with_documented_state),
    T(test_hart_bad_hart_number_gives_erange),
    T(test_hart_hgeie_bits_above_geilen_and_bit0_read_zero),
    T(test_hart_hgeie_csr_ops_return_the_old_value),
    T(test_hart_hgeip_follows_guest_line_after_line_to_hart),
    T(test_hart_hgeip_follows_register_made_line_changes),
    T(test_hart_hgeip_is_the_guest_line_delayed_exactly),
    T(test_hart_seip_follows_the_s_file_line),
    T(test_hart_sgeip_follows_hgeie_changes_both_ways),
    T(test_hart_sgeip_needs_hgeip_and_hgeie_on_the_same_bit),
    T(test_hart_vseip_is_hgeip_at_vgein_or_hvip),
    T(test_hart_hvip_only_vs_bits_count),
    T(test_hart_hs_priority_is_sei_then_ssi_then_sgei),
    T(test_hart_hs_irq_needs_the_ie_bit),
    T(test_hart_sie_off_masks_hs_interrupts_when_v_is_0),
    T(test_hart_v1_takes_hs_interrupts_regardless_of_sie),
    T(test_hart_vs_causes_never_trap_to_hs),
    T(test_hart_ipi_lands_after_ipi_deliver),
    T(test_hart_idle_wfi_wakes_idle_exit_after_an_enabled_interrupt),
    T(test_hart_idle_wfi_wakes_on_sgei_from_a_guest_msi),
    T(test_hart_idle_wfi_ignores_interrupts_that_are_not_enabled),
    T(test_hart_idle_wfi_wakes_even_with_sie_off),
    T(test_hart_wfi_with_interrupt_already_pending_pays_idle_exit),
    T(test_hart_guest_msi_records_have_exact_cycles),
    T(test_hart_msi_to_a_high_line_adds_no_line_records),
    T(test_hart_listeners_run_in_attach_order),
    T(test_hart_set_latency_changes_line_and_ipi_delays),
  };
#undef T
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0)
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests_name("hw_hart", tests, NULL, NULL);
}
