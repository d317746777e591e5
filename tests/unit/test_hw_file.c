/* The interrupt file as a register model: topei, threshold, eidelivery and the
 * output line, claims, ignored identities, save/restore. Public aia_file_*
 * API plus white-box checks of lib/hw/ifile.h.
 * Spec: riscv-aia src/IMSIC.adoc, "Interrupt files and interrupt identities",
 * "Interrupt priorities", "External interrupt delivery enable register",
 * "External interrupt enable threshold register", "Top external interrupt
 * CSRs", "Interrupt delivery and handling"; VSLevel.adoc for the migration
 * order. */
#include "test_hw_fixture.h"
#include "hw/ifile.h"

/* Every file of every hart starts with delivery off, threshold 0, nothing
 * pending or enabled (contract of aia_platform_create). */
static void test_file_starts_empty_with_delivery_off(void **state)
{
  fx *f = *state;
  for (uint32_t h = 0; h < f->cfg.harts; h++)
    for (uint32_t g = 0; g <= f->cfg.geilen; g++) {
      assert_int_equal(fx_rd(f, h, g, AIA_ISEL_EIDELIVERY), 0);
      assert_int_equal(fx_rd(f, h, g, AIA_ISEL_EITHRESHOLD), 0);
      for (uint32_t k = 0; k < 8; k += 2) {
        assert_int_equal(fx_rd(f, h, g, AIA_ISEL_EIP0 + k), 0);
        assert_int_equal(fx_rd(f, h, g, AIA_ISEL_EIE0 + k), 0);
      }
      assert_int_equal(fx_topei_op(f, h, g, AIA_CSR_READ), 0);
      assert_false(aia_file_line(f->p, h, g));
      assert_int_equal(aia_file_ids(f->p, h, g), 255);
    }
}

/* An S file that supports eidelivery = 0x40000000 resets to that value
 * (IMSIC.adoc, "External interrupt delivery enable register": "Reset
 * initializes eidelivery to 0x40000000 if that value is supported"); guest
 * files never support it and start at 0. */
static void test_file_s_file_with_aplic_mode_resets_to_aplic_delivery(void **state)
{
  fx *f = *state;
  aia_platform_config c;
  fx_default_cfg(&c);
  c.s_aplic_mode = true;
  fx_reopen(f, &c);
  for (uint32_t h = 0; h < c.harts; h++) {
    assert_int_equal(fx_rd(f, h, 0, AIA_ISEL_EIDELIVERY), AIA_EIDELIVERY_APLIC);
    assert_int_equal(fx_rd(f, h, 1, AIA_ISEL_EIDELIVERY), 0);
  }
}

/* topei: the lowest-numbered identity that is both pending and enabled. */
static void test_file_topei_is_lowest_pending_and_enabled(void **state)
{
  fx *f = *state;
  fx_set_pending(f, 0, 1, 200);
  fx_set_pending(f, 0, 1, 9);
  fx_set_pending(f, 0, 1, 5);
  assert_int_equal(fx_top(f, 0, 1), 0); /* pending, none enabled */
  fx_enable(f, 0, 1, 200);
  assert_int_equal(fx_top(f, 0, 1), 200);
  fx_enable(f, 0, 1, 9);
  assert_int_equal(fx_top(f, 0, 1), 9);
  fx_enable(f, 0, 1, 7); /* enabled, not pending: does not count */
  assert_int_equal(fx_top(f, 0, 1), 9);
  fx_enable(f, 0, 1, 5);
  assert_int_equal(fx_top(f, 0, 1), 5);
  /* Other files are independent. */
  assert_int_equal(fx_top(f, 0, 2), 0);
  assert_int_equal(fx_top(f, 1, 1), 0);
  assert_int_equal(fx_top(f, 0, 0), 0);
}

/* Identity == eithreshold is masked; identity < eithreshold is not. */
static void test_file_threshold_masks_identity_equal_to_threshold(void **state)
{
  fx *f = *state;
  fx_raise(f, 0, 2, 5);
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 5);
  assert_int_equal(fx_topei_op(f, 0, 2, AIA_CSR_READ), 0);
  assert_false(aia_file_line(f->p, 0, 2));
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 6);
  assert_int_equal(fx_top(f, 0, 2), 5);
  assert_true(aia_file_line(f->p, 0, 2));
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 1); /* nothing is below 1 */
  assert_int_equal(fx_top(f, 0, 2), 0);
  assert_false(aia_file_line(f->p, 0, 2));
  /* A lower identity still gets through the same threshold. */
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 5);
  fx_enable(f, 0, 2, 4);
  fx_set_pending(f, 0, 2, 4);
  assert_int_equal(fx_top(f, 0, 2), 4);
  /* The masked identity stays pending: the threshold hides, never clears. */
  assert_true(aia_file_is_pending(f->p, 0, 2, 5));
}

/* eithreshold 0 lets every enabled identity through, including N. */
static void test_file_threshold_zero_means_no_threshold(void **state)
{
  fx *f = *state;
  fx_raise(f, 1, 3, 255);
  fx_wr(f, 1, 3, AIA_ISEL_EITHRESHOLD, 255);
  assert_int_equal(fx_top(f, 1, 3), 0);
  fx_wr(f, 1, 3, AIA_ISEL_EITHRESHOLD, 0);
  assert_int_equal(fx_top(f, 1, 3), 255);
  assert_true(aia_file_line(f->p, 1, 3));
}

/* eidelivery = 0 holds the line low, but topei still reads (IMSIC.adoc,
 * "Interrupt delivery and handling"; *topei does not depend on eidelivery). */
static void test_file_delivery_off_keeps_line_low_but_topei_reads(void **state)
{
  fx *f = *state;
  fx_enable(f, 0, 1, 33);
  fx_set_pending(f, 0, 1, 33);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIDELIVERY), 0);
  assert_false(aia_file_line(f->p, 0, 1));
  assert_int_equal(fx_topei_op(f, 0, 1, AIA_CSR_READ), (33u << 16) | 33u);
  fx_delivery(f, 0, 1, AIA_EIDELIVERY_ON);
  assert_true(aia_file_line(f->p, 0, 1));
  fx_delivery(f, 0, 1, AIA_EIDELIVERY_OFF);
  assert_false(aia_file_line(f->p, 0, 1));
  /* The claim works with delivery off too. */
  assert_int_equal(fx_claim(f, 0, 1), 33);
  assert_false(aia_file_is_pending(f->p, 0, 1, 33));
}

/* eidelivery = 0x40000000 makes the file act as though eidelivery were 0. */
static void test_file_aplic_mode_behaves_as_delivery_off(void **state)
{
  fx *f = *state;
  aia_platform_config c;
  fx_default_cfg(&c);
  c.s_aplic_mode = true;
  fx_reopen(f, &c);
  fx_enable(f, 0, 0, 12);
  fx_set_pending(f, 0, 0, 12);
  fx_delivery(f, 0, 0, AIA_EIDELIVERY_APLIC);
  assert_int_equal(fx_rd(f, 0, 0, AIA_ISEL_EIDELIVERY), AIA_EIDELIVERY_APLIC);
  assert_false(aia_file_line(f->p, 0, 0));
  assert_int_equal(fx_top(f, 0, 0), 12);
  fx_delivery(f, 0, 0, AIA_EIDELIVERY_ON);
  assert_true(aia_file_line(f->p, 0, 0));
}

/* A claim (CSRRW, CSRRS or CSRRC on topei) clears exactly the identity it
 * returns, and leaves the rest alone. */
static void test_file_claim_returns_and_clears_exactly_that_identity(void **state)
{
  fx *f = *state;
  const aia_csr_op ops[] = { AIA_CSR_WRITE, AIA_CSR_SET, AIA_CSR_CLEAR };
  fx_delivery(f, 0, 3, AIA_EIDELIVERY_ON);
  for (uint32_t iid = 3; iid <= 11; iid += 4) {
    fx_enable(f, 0, 3, iid);
    fx_set_pending(f, 0, 3, iid);
  }
  for (size_t i = 0; i < 3; i++) {
    uint32_t want = 3u + 4u * (uint32_t)i;
    uint64_t old = 0;
    assert_aia_ok(f->sim, aia_file_topei(f->p, 0, 3, ops[i], &old));
    assert_int_equal(old, ((uint64_t)want << 16) | want);
    assert_false(aia_file_is_pending(f->p, 0, 3, want));
    for (uint32_t later = want + 4; later <= 11; later += 4)
      assert_true(aia_file_is_pending(f->p, 0, 3, later));
    assert_true(aia_file_is_enabled(f->p, 0, 3, want)); /* enable bit untouched */
  }
  assert_int_equal(fx_topei_op(f, 0, 3, AIA_CSR_READ), 0);
  assert_false(aia_file_line(f->p, 0, 3));
}

/* Reading topei (no write) never claims. */
static void test_file_topei_read_does_not_claim(void **state)
{
  fx *f = *state;
  fx_enable(f, 1, 0, 40);
  fx_set_pending(f, 1, 0, 40);
  for (int i = 0; i < 3; i++)
    assert_int_equal(fx_top(f, 1, 0), 40);
  assert_true(aia_file_is_pending(f->p, 1, 0, 40));
}

/* A claim when topei is 0 has no effect: identities hidden by the threshold
 * or not enabled stay pending. */
static void test_file_claim_with_nothing_pending_is_a_noop(void **state)
{
  fx *f = *state;
  assert_int_equal(fx_claim(f, 0, 1), 0); /* empty file */
  fx_enable(f, 0, 1, 10);
  fx_set_pending(f, 0, 1, 10); /* enabled, masked by the threshold */
  fx_set_pending(f, 0, 1, 2);  /* pending, not enabled */
  fx_wr(f, 0, 1, AIA_ISEL_EITHRESHOLD, 10);
  assert_int_equal(fx_topei_op(f, 0, 1, AIA_CSR_WRITE), 0);
  assert_true(aia_file_is_pending(f->p, 0, 1, 10));
  assert_true(aia_file_is_pending(f->p, 0, 1, 2));
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0), (UINT64_C(1) << 10) | (UINT64_C(1) << 2));
}

/* Identity 0 is never valid: setting it is ignored, reported as dropped. */
static void test_file_identity_zero_is_ignored(void **state)
{
  fx *f = *state;
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_DROPPED) | AIA_EV_BIT(AIA_EV_MSI_LANDED));
  fx_wr(f, 0, 1, AIA_ISEL_EIE0, UINT64_MAX);
  assert_aia_ok(f->sim, aia_file_set_pending(f->p, 0, 1, 0, 7));
  assert_false(aia_file_is_pending(f->p, 0, 1, 0));
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0), 0);
  assert_int_equal(fx_top(f, 0, 1), 0);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 0);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_DROPPED), 1);
  assert_int_equal(rec_must(&r, AIA_EV_MSI_DROPPED, 0)->msi, 7);
}

/* Identities above N are not implemented: ignored, reported as dropped. */
static void test_file_out_of_range_identity_is_ignored(void **state)
{
  fx *f = *state;
  const uint32_t bad[] = { 256, 257, 2047, 2048, 0x10005, UINT32_MAX };
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_DROPPED) | AIA_EV_BIT(AIA_EV_MSI_LANDED));
  for (uint32_t k = AIA_ISEL_EIE0; k <= AIA_ISEL_EIE0 + 6; k += 2)
    fx_wr(f, 1, 2, k, UINT64_MAX);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_aia_ok(f->sim, aia_file_set_pending(f->p, 1, 2, bad[i], 100 + i));
    assert_false(aia_file_is_pending(f->p, 1, 2, bad[i]));
  }
  for (uint32_t k = AIA_ISEL_EIP0; k <= AIA_ISEL_EIP0 + 6; k += 2)
    assert_int_equal(fx_rd(f, 1, 2, k), 0);
  assert_false(aia_file_is_pending(f->p, 1, 2, 5)); /* 0x10005 is not 5 */
  assert_int_equal(rec_count(&r, AIA_EV_MSI_DROPPED), 6);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 0);
  /* N itself is implemented. */
  assert_aia_ok(f->sim, aia_file_set_pending(f->p, 1, 2, 255, 0));
  assert_true(aia_file_is_pending(f->p, 1, 2, 255));
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 1);
}

/* topei carries the identity in bits 26:16 and the priority (the same
 * number) in bits 10:0; everything else is 0. Checked at N = 2047. */
static void test_file_topei_format_is_identity_and_priority(void **state)
{
  fx *f = *state;
  aia_platform_config c;
  fx_default_cfg(&c);
  c.ids = 2047;
  fx_reopen(f, &c);
  fx_enable(f, 0, 1, 2047);
  fx_set_pending(f, 0, 1, 2047);
  assert_int_equal(fx_topei_op(f, 0, 1, AIA_CSR_READ), UINT64_C(0x07FF07FF));
  fx_enable(f, 0, 1, 1);
  fx_set_pending(f, 0, 1, 1);
  assert_int_equal(fx_topei_op(f, 0, 1, AIA_CSR_READ), UINT64_C(0x00010001));
  fx_enable(f, 0, 1, 1024);
  fx_set_pending(f, 0, 1, 1024);
  assert_int_equal(fx_claim(f, 0, 1), 1);
  assert_int_equal(fx_topei_op(f, 0, 1, AIA_CSR_READ), UINT64_C(0x04000400));
}

/* Queries: bit 0 and bits above N are never pending or enabled. */
static void test_file_queries_report_nothing_outside_1_to_n(void **state)
{
  fx *f = *state;
  fx_wr(f, 0, 1, AIA_ISEL_EIE0, UINT64_MAX);
  fx_wr(f, 0, 1, AIA_ISEL_EIP0, UINT64_MAX);
  assert_false(aia_file_is_pending(f->p, 0, 1, 0));
  assert_false(aia_file_is_enabled(f->p, 0, 1, 0));
  assert_true(aia_file_is_pending(f->p, 0, 1, 1));
  assert_true(aia_file_is_enabled(f->p, 0, 1, 63));
  assert_false(aia_file_is_pending(f->p, 0, 1, 256));
  assert_false(aia_file_is_enabled(f->p, 0, 1, 256));
  assert_false(aia_file_is_pending(f->p, 0, 1, UINT32_MAX));
}

/* Files are named by (hart, 0..geilen); anything else is AIA_ERANGE. */
static void test_file_bad_names_give_erange(void **state)
{
  fx *f = *state;
  uint64_t old = 0x55, pa = 0x66;
  aia_file_image img;
  memset(&img, 0, sizeof img);
  assert_aia_status(aia_file_ireg(f->p, 2, 0, AIA_ISEL_EIDELIVERY, AIA_CSR_READ, 0, &old),
                    AIA_ERANGE);
  assert_aia_status(aia_file_ireg(f->p, 0, 4, AIA_ISEL_EIDELIVERY, AIA_CSR_READ, 0, &old),
                    AIA_ERANGE);
  assert_aia_status(aia_file_topei(f->p, 0, 4, AIA_CSR_WRITE, &old), AIA_ERANGE);
  assert_aia_status(aia_file_topei(f->p, 7, 0, AIA_CSR_READ, &old), AIA_ERANGE);
  assert_aia_status(aia_file_set_pending(f->p, 0, 4, 1, 0), AIA_ERANGE);
  assert_aia_status(aia_file_set_pending(f->p, 2, 1, 1, 0), AIA_ERANGE);
  assert_aia_status(aia_file_save(f->p, 0, 4, &img, false), AIA_ERANGE);
  assert_aia_status(aia_file_restore(f->p, 2, 0, &img), AIA_ERANGE);
  assert_aia_status(aia_file_address(f->p, 0, 4, &pa), AIA_ERANGE);
  assert_int_equal(old, 0x55); /* not written on error */
}

/* The S file may have its own size (s_ids); guest files use ids. */
static void test_file_s_ids_sizes_the_s_file_separately(void **state)
{
  fx *f = *state;
  aia_platform_config c;
  fx_default_cfg(&c);
  c.s_ids = 63;
  fx_reopen(f, &c);
  assert_int_equal(aia_file_ids(f->p, 0, 0), 63);
  assert_int_equal(aia_file_ids(f->p, 1, 0), 63);
  assert_int_equal(aia_file_ids(f->p, 0, 1), 255);
  fx_set_pending(f, 0, 0, 100);
  fx_set_pending(f, 0, 1, 100);
  assert_false(aia_file_is_pending(f->p, 0, 0, 100));
  assert_true(aia_file_is_pending(f->p, 0, 1, 100));
  fx_wr(f, 0, 0, AIA_ISEL_EITHRESHOLD, 64); /* > N of the S file: not written */
  assert_int_equal(fx_rd(f, 0, 0, AIA_ISEL_EITHRESHOLD), 0);
  fx_wr(f, 0, 1, AIA_ISEL_EITHRESHOLD, 64);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EITHRESHOLD), 64);
}

/* Save copies the whole file; with `clear` the file is then empty, delivery
 * off and threshold 0 (KVM's read-and-clear of the old VS-file). */
static void test_file_save_with_clear_resets_the_file(void **state)
{
  fx *f = *state;
  aia_file_image img;
  fx_raise(f, 0, 2, 70);
  fx_enable(f, 0, 2, 200);
  fx_set_pending(f, 0, 2, 3);
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 201);
  assert_true(aia_file_line(f->p, 0, 2));

  memset(&img, 0xA5, sizeof img);
  assert_aia_ok(f->sim, aia_file_save(f->p, 0, 2, &img, false));
  assert_int_equal(img.eidelivery, 1);
  assert_int_equal(img.eithreshold, 201);
  assert_int_equal(img.eip[0], UINT64_C(1) << 3);
  assert_int_equal(img.eip[1], UINT64_C(1) << 6);
  assert_int_equal(img.eie[1], UINT64_C(1) << 6);
  assert_int_equal(img.eie[3], UINT64_C(1) << 8);
  for (int w = 4; w < 32; w++) /* words beyond N are 0 in the image */
    assert_int_equal(img.eip[w] | img.eie[w], 0);
  assert_true(aia_file_line(f->p, 0, 2)); /* no clear: untouched */

  assert_aia_ok(f->sim, aia_file_save(f->p, 0, 2, &img, true));
  assert_int_equal(img.eip[1], UINT64_C(1) << 6);
  assert_false(aia_file_line(f->p, 0, 2));
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIDELIVERY), 0);
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EITHRESHOLD), 0);
  for (uint32_t k = 0; k < 8; k += 2) {
    assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIP0 + k), 0);
    assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIE0 + k), 0);
  }
}

/* Restore ORs eip into the file (MSIs that already reached the new file are
 * kept), writes eie, then eithreshold, then eidelivery. */
static void test_file_restore_ors_pending_and_loads_the_rest(void **state)
{
  fx *f = *state;
  aia_file_image img;
  memset(&img, 0, sizeof img);
  img.eidelivery = 1;
  img.eithreshold = 100;
  img.eip[0] = UINT64_C(1) << 20;
  img.eie[0] = (UINT64_C(1) << 20) | (UINT64_C(1) << 9);
  /* The target already holds pending 9 (an early MSI) and an enable that the
   * image does not have. */
  fx_set_pending(f, 1, 1, 9);
  fx_enable(f, 1, 1, 30);
  assert_aia_ok(f->sim, aia_file_restore(f->p, 1, 1, &img));
  assert_true(aia_file_is_pending(f->p, 1, 1, 9));
  assert_true(aia_file_is_pending(f->p, 1, 1, 20));
  assert_true(aia_file_is_enabled(f->p, 1, 1, 20));
  assert_false(aia_file_is_enabled(f->p, 1, 1, 30)); /* eie is written, not ORed */
  assert_int_equal(fx_rd(f, 1, 1, AIA_ISEL_EITHRESHOLD), 100);
  assert_int_equal(fx_rd(f, 1, 1, AIA_ISEL_EIDELIVERY), 1);
  assert_int_equal(fx_top(f, 1, 1), 9);
  assert_true(aia_file_line(f->p, 1, 1));
}

/* Bits of the image above N are ignored by restore. */
static void test_file_restore_ignores_bits_above_n(void **state)
{
  fx *f = *state;
  aia_file_image img;
  aia_platform_config c;
  fx_default_cfg(&c);
  c.ids = 63;
  fx_reopen(f, &c);
  memset(&img, 0, sizeof img);
  for (int w = 0; w < 32; w++)
    img.eip[w] = img.eie[w] = UINT64_MAX;
  assert_aia_ok(f->sim, aia_file_restore(f->p, 0, 1, &img));
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0), UINT64_MAX - 1); /* bit 0 too */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 2), 0);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIE0 + 2), 0);
  assert_false(aia_file_is_pending(f->p, 0, 1, 64));
  assert_false(aia_file_is_pending(f->p, 0, 1, 0));
  assert_int_equal(fx_top(f, 0, 1), 1);
}

/* Migration: save-and-clear on one hart, restore on another; the new hart's
 * hgeip follows line_to_hart after the restore. */
static void test_file_migration_moves_pending_state_between_harts(void **state)
{
  fx *f = *state;
  aia_file_image img;
  fx_raise(f, 0, 1, 42);
  fx_run_until(f, 100);
  assert_int_equal(aia_hart_hgeip(f->p, 0), UINT64_C(1) << 1);
  assert_aia_ok(f->sim, aia_file_save(f->p, 0, 1, &img, true));
  assert_aia_ok(f->sim, aia_file_restore(f->p, 1, 3, &img));
  assert_true(aia_file_line(f->p, 1, 3));
  assert_false(aia_file_line(f->p, 0, 1));
  fx_run_until(f, 100 + FX_LINE_TO_HART - 1);
  assert_int_equal(aia_hart_hgeip(f->p, 1), 0);
  assert_int_equal(aia_hart_hgeip(f->p, 0), UINT64_C(1) << 1);
  fx_run_until(f, 100 + FX_LINE_TO_HART);
  assert_int_equal(aia_hart_hgeip(f->p, 1), UINT64_C(1) << 3);
  assert_int_equal(aia_hart_hgeip(f->p, 0), 0);
  assert_int_equal(fx_claim(f, 1, 3), 42);
}

/* ---- white-box: lib/hw/ifile.h ---- */

/* A fresh file holds no storage until a bit is set; its state is empty. */
static void test_ifile_storage_is_allocated_on_first_set_bit(void **state)
{
  aia__ifile fi;
  uint64_t old = 1;
  (void)state;
  aia__ifile_init(&fi, 2047, 64, false);
  assert_null(fi.bits);
  assert_int_equal(fi.ids, 2047);
  assert_int_equal(fi.words, 32);
  assert_true(aia__ifile_is_empty(&fi));
  assert_int_equal(aia__ifile_topei(&fi), 0);
  assert_false(aia__ifile_line(&fi));
  assert_aia_ok(NULL, aia__ifile_ireg(&fi, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, 7, &old));
  assert_aia_ok(NULL, aia__ifile_ireg(&fi, AIA_ISEL_EIE0, AIA_CSR_WRITE, 0, &old));
  assert_aia_ok(NULL, aia__ifile_ireg(&fi, AIA_ISEL_EIP0 + 8, AIA_CSR_READ, 0, &old));
  assert_int_equal(old, 0);
  assert_null(fi.bits);
  assert_true(aia__ifile_set_pending(&fi, 5, NULL));
  assert_non_null(fi.bits);
  assert_false(aia__ifile_is_empty(&fi));
  aia__ifile_free(&fi);
}

/* set_pending refuses 0 and > N; claim returns and clears topei. */
static void test_ifile_set_pending_and_claim(void **state)
{
  aia__ifile fi;
  bool oom = true;
  uint64_t old;
  (void)state;
  aia__ifile_init(&fi, 63, 32, false);
  assert_false(aia__ifile_set_pending(&fi, 0, &oom));
  assert_false(aia__ifile_set_pending(&fi, 64, &oom));
  assert_true(aia__ifile_is_empty(&fi));
  oom = false;
  assert_true(aia__ifile_set_pending(&fi, 40, &oom));
  assert_false(oom);
  assert_true(aia__ifile_set_pending(&fi, 63, NULL));
  assert_int_equal(aia__ifile_claim(&fi), 0); /* nothing enabled */
  assert_true(aia__ifile_is_pending(&fi, 40));
  /* RV32: identity 40 is bit 8 of eie1, 63 is bit 31. */
  assert_aia_ok(NULL, aia__ifile_ireg(&fi, AIA_ISEL_EIE0 + 1, AIA_CSR_WRITE,
                                      (UINT64_C(1) << 8) | (UINT64_C(1) << 31), &old));
  assert_true(aia__ifile_is_enabled(&fi, 40));
  assert_int_equal(aia__ifile_topei(&fi), 40);
  assert_false(aia__ifile_line(&fi));
  fi.eidelivery = AIA_EIDELIVERY_ON;
  assert_true(aia__ifile_line(&fi));
  assert_int_equal(aia__ifile_claim(&fi), 40);
  assert_false(aia__ifile_is_pending(&fi, 40));
  assert_int_equal(aia__ifile_claim(&fi), 63);
  assert_int_equal(aia__ifile_claim(&fi), 0);
  assert_false(aia__ifile_line(&fi));
  aia__ifile_free(&fi);
}

/* The S-file APLIC value is legal only where aplic_ok says so. */
static void test_ifile_aplic_value_needs_aplic_ok(void **state)
{
  aia__ifile s, g;
  uint64_t old;
  (void)state;
  aia__ifile_init(&s, 255, 64, true);
  aia__ifile_init(&g, 255, 64, false);
  assert_aia_ok(NULL, aia__ifile_ireg(&s, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, AIA_EIDELIVERY_APLIC,
                                      &old));
  assert_aia_ok(NULL, aia__ifile_ireg(&g, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, AIA_EIDELIVERY_APLIC,
                                      &old));
  assert_int_equal(s.eidelivery, AIA_EIDELIVERY_APLIC);
  assert_int_equal(g.eidelivery, 0);
  aia__ifile_free(&s);
  aia__ifile_free(&g);
}

/* Save/restore of the core: image round trip, clear empties the file. */
static void test_ifile_save_restore_round_trip(void **state)
{
  aia__ifile a, b;
  aia_file_image img;
  uint64_t old;
  (void)state;
  aia__ifile_init(&a, 2047, 64, false);
  aia__ifile_init(&b, 2047, 64, false);
  assert_true(aia__ifile_set_pending(&a, 2000, NULL));
  assert_true(aia__ifile_set_pending(&a, 1, NULL));
  assert_aia_ok(NULL, aia__ifile_ireg(&a, AIA_ISEL_EIE0 + 62, AIA_CSR_SET,
                                      UINT64_C(1) << (2000 - 31 * 64), &old));
  assert_aia_ok(NULL, aia__ifile_ireg(&a, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, 2001, &old));
  assert_aia_ok(NULL, aia__ifile_ireg(&a, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, 1, &old));
  aia__ifile_save(&a, &img, true);
  assert_true(aia__ifile_is_empty(&a));
  assert_int_equal(a.eidelivery, 0);
  assert_int_equal(a.eithreshold, 0);
  assert_int_equal(aia__ifile_topei(&a), 0);
  assert_aia_ok(NULL, aia__ifile_restore(&b, &img));
  assert_int_equal(aia__ifile_topei(&b), 2000);
  assert_true(aia__ifile_is_pending(&b, 1));
  assert_true(aia__ifile_line(&b));
  assert_int_equal(b.eithreshold, 2001);
  aia__ifile_free(&a);
  aia__ifile_free(&b);
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
    T(test_file_starts_empty_with_delivery_off),
    T(test_file_s_file_with_aplic_mode_resets_to_aplic_delivery),
    T(test_file_topei_is_lowest_pending_and_enabled),
    T(test_file_threshold_masks_identity_equal_to_threshold),
    T(test_file_threshold_zero_means_no_threshold),
    T(test_file_delivery_off_keeps_line_low_but_topei_reads),
    T(test_file_aplic_mode_behaves_as_delivery_off),
    T(test_file_claim_returns_and_clears_exactly_that_identity),
    T(test_file_topei_read_does_not_claim),
    T(test_file_claim_with_nothing_pending_is_a_noop),
    T(test_file_identity_zero_is_ignored),
    T(test_file_out_of_range_identity_is_ignored),
    T(test_file_topei_format_is_identity_and_priority),
    T(test_file_queries_report_nothing_outside_1_to_n),
    T(test_file_bad_names_give_erange),
    T(test_file_s_ids_sizes_the_s_file_separately),
    T(test_file_save_with_clear_resets_the_file),
    T(test_file_restore_ors_pending_and_loads_the_rest),
    T(test_file_restore_ignores_bits_above_n),
    T(test_file_migration_moves_pending_state_between_harts),
    cmocka_unit_test(test_ifile_storage_is_allocated_on_first_set_bit),
    cmocka_unit_test(test_ifile_set_pending_and_claim),
    cmocka_unit_test(test_ifile_aplic_value_needs_aplic_ok),
    cmocka_unit_test(test_ifile_save_restore_round_trip),
  };
#undef T
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0)
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests_name("hw_file", tests, NULL, NULL);
}
