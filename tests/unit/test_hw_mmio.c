/* The MMIO view: page layout and address decode, seteipnum_le/_be, posted
 * writes with msi_write latency and per-file ordering, access faults.
 * Spec: riscv-aia src/IMSIC.adoc, "Memory region for an interrupt file",
 * "Arrangement of the memory regions of multiple interrupt files". */
#include "test_hw_fixture.h"

#define BASE UINT64_C(0x40000000)
#define STRIDE UINT64_C(0x10000)

/* Four harts, three guest files, non-default base and stride. */
static void use_layout(fx *f)
{
  aia_platform_config c;
  fx_default_cfg(&c);
  c.harts = 4;
  c.imsic_base = BASE;
  c.hart_stride = STRIDE;
  fx_reopen(f, &c);
}

/* Page of (hart, file) = imsic_base + hart * hart_stride + file * 4 KiB: the
 * S page first, then guest pages 1..GEILEN. */
static void test_mmio_file_address_is_base_plus_hart_stride_plus_page(void **state)
{
  fx *f = *state;
  uint64_t pa = 0;
  assert_aia_ok(f->sim, aia_file_address(f->p, 0, 0, &pa));
  assert_int_equal(pa, UINT64_C(0x28000000)); /* the default imsic_base */
  assert_aia_ok(f->sim, aia_file_address(f->p, 1, 2, &pa));
  assert_int_equal(pa, UINT64_C(0x28000000) + 0x8000 + 2 * 0x1000);
  use_layout(f);
  for (uint32_t h = 0; h < 4; h++)
    for (uint32_t g = 0; g <= 3; g++)
      assert_int_equal(fx_file_pa(f, h, g), BASE + h * STRIDE + g * AIA_MMIO_PAGE);
}

/* Decode is the inverse of the layout, for every word of every page. */
static void test_mmio_decode_finds_s_page_and_guest_pages(void **state)
{
  fx *f = *state;
  const uint32_t offs[] = { 0, 4, 8, 0x800, 0xFFC };
  use_layout(f);
  for (uint32_t h = 0; h < 4; h++)
    for (uint32_t g = 0; g <= 3; g++)
      for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        uint32_t dh = 99, dg = 99, doff = 99;
        assert_aia_ok(f->sim, aia_mmio_decode(f->p, BASE + h * STRIDE + g * 0x1000 + offs[i], &dh,
                                              &dg, &doff));
        assert_int_equal(dh, h);
        assert_int_equal(dg, g);
        assert_int_equal(doff, offs[i]);
      }
}

/* Pages beyond GEILEN inside a hart's stride, below the base, and after the
 * last hart hold no file. */
static void test_mmio_decode_outside_files_is_enodev(void **state)
{
  fx *f = *state;
  const uint64_t holes[] = { BASE - 4, BASE + 4 * 0x1000, BASE + STRIDE - 4,
                             BASE + STRIDE + 4 * 0x1000 + 4, BASE + 4 * STRIDE, 0,
                             UINT64_MAX - 3 };
  use_layout(f);
  for (size_t i = 0; i < sizeof holes / sizeof holes[0]; i++) {
    uint32_t h, g, off;
    assert_aia_status(aia_mmio_decode(f->p, holes[i], &h, &g, &off), AIA_ENODEV);
  }
}

/* A write is posted: nothing is pending before msi_write cycles have passed,
 * the identity is pending exactly then. */
static void test_mmio_write_lands_msi_write_cycles_later(void **state)
{
  fx *f = *state;
  const aia_cycle t = 300;
  fx_run_until(f, t);
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 1, 2), 4, 77, 0));
  assert_false(aia_file_is_pending(f->p, 1, 2, 77));
  fx_run_until(f, t + FX_MSI_WRITE - 1);
  assert_false(aia_file_is_pending(f->p, 1, 2, 77));
  fx_run_until(f, t + FX_MSI_WRITE);
  assert_true(aia_file_is_pending(f->p, 1, 2, 77));
  /* Only that file. */
  assert_false(aia_file_is_pending(f->p, 1, 1, 77));
  assert_false(aia_file_is_pending(f->p, 0, 2, 77));
  assert_false(aia_file_is_pending(f->p, 1, 0, 77));
}

/* seteipnum_le at offset 0 takes the value as is. */
static void test_mmio_le_write_sets_the_identity(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 0) + AIA_MMIO_SETEIPNUM_LE, 4, 255, 0));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 3) + AIA_MMIO_SETEIPNUM_LE, 4, 1, 0));
  fx_run_until(f, FX_MSI_WRITE);
  assert_true(aia_file_is_pending(f->p, 0, 0, 255));
  assert_true(aia_file_is_pending(f->p, 0, 3, 1));
  assert_false(aia_file_is_pending(f->p, 0, 0, 1));
}

/* seteipnum_be at offset 4 takes the byte-swapped value: the bus value
 * 0x05000000 is identity 5, and the bus value 5 is identity 0x05000000. */
static void test_mmio_be_write_takes_the_byte_swapped_value(void **state)
{
  fx *f = *state;
  const uint64_t pa = fx_file_pa(f, 1, 1);
  assert_aia_ok(f->sim, aia_mmio_write(f->p, pa + AIA_MMIO_SETEIPNUM_BE, 4, fx_bswap32(5), 0));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, pa + AIA_MMIO_SETEIPNUM_BE, 4, 9, 0));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, pa + AIA_MMIO_SETEIPNUM_BE, 4, 0x00010000u, 0));
  fx_run_until(f, FX_MSI_WRITE);
  assert_true(aia_file_is_pending(f->p, 1, 1, 5));   /* 0x05000000 swapped */
  assert_false(aia_file_is_pending(f->p, 1, 1, 9));  /* swapped: 0x09000000 */
  assert_int_equal(fx_rd(f, 1, 1, AIA_ISEL_EIP0), UINT64_C(1) << 5);
  for (uint32_t k = 2; k < 8; k += 2)
    assert_int_equal(fx_rd(f, 1, 1, AIA_ISEL_EIP0 + k), 0);
}

/* The LE port does not swap: a byte-swapped identity is out of range. */
static void test_mmio_le_write_of_a_swapped_value_is_ignored(void **state)
{
  fx *f = *state;
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_DROPPED) | AIA_EV_BIT(AIA_EV_MSI_LANDED));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 1), 4, fx_bswap32(5), 0));
  fx_run_until(f, FX_MSI_WRITE);
  assert_false(aia_file_is_pending(f->p, 0, 1, 5));
  assert_int_equal(rec_count(&r, AIA_EV_MSI_DROPPED), 1);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 0);
}

/* Identity 0 and identities above N reach the file and are dropped there,
 * at the landing cycle. */
static void test_mmio_zero_and_out_of_range_identities_are_dropped(void **state)
{
  fx *f = *state;
  const uint32_t bad[] = { 0, 256, 2047, 0x10001 };
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_DROPPED) | AIA_EV_BIT(AIA_EV_MSI_LANDED));
  fx_run_until(f, 10);
  for (size_t i = 0; i < 4; i++)
    assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 1, 3), 4, bad[i], 40 + i));
  fx_run_until(f, 10 + FX_MSI_WRITE);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_DROPPED), 4);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 0);
  for (uint32_t i = 0; i < 4; i++) {
    const aia_event *e = rec_must(&r, AIA_EV_MSI_DROPPED, i);
    assert_int_equal(e->cycle, 10 + FX_MSI_WRITE);
    assert_int_equal(e->hart, 1);
    assert_int_equal(e->file, 3);
    assert_int_equal(e->msi, 40 + i);
  }
  assert_false(aia_file_is_pending(f->p, 1, 3, 1)); /* 0x10001 is not 1 */
  assert_int_equal(fx_rd(f, 1, 3, AIA_ISEL_EIP0), 0);
}

/* Only naturally aligned 32-bit accesses: anything else is an access fault,
 * and nothing is posted. */
static void test_mmio_misaligned_or_non_word_access_is_eaccess(void **state)
{
  fx *f = *state;
  const uint64_t pa = fx_file_pa(f, 0, 1);
  const struct {
    uint64_t off;
    uint32_t size;
  } bad[] = { { 1, 4 }, { 2, 4 }, { 3, 4 }, { 0, 1 }, { 0, 2 }, { 0, 8 }, { 0, 0 }, { 4, 2 },
              { 6, 4 }, { 0xFFE, 4 } };
  size_t queued = aia_sim_pending(f->sim);
  rec r;
  rec_attach(f, &r, AIA_EV_ALL);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint32_t v = 0xABCD;
    assert_aia_status(aia_mmio_write(f->p, pa + bad[i].off, bad[i].size, 3, 0), AIA_EACCESS);
    assert_aia_status(aia_mmio_read(f->p, pa + bad[i].off, bad[i].size, &v), AIA_EACCESS);
  }
  assert_int_equal(aia_sim_pending(f->sim), queued);
  fx_run_until(f, 1000);
  assert_false(aia_file_is_pending(f->p, 0, 1, 3));
  assert_int_equal(r.n, 0);
}

/* No file at the address: AIA_ENODEV for reads and writes. */
static void test_mmio_unmapped_address_is_enodev(void **state)
{
  fx *f = *state;
  uint32_t v = 0xABCD;
  const size_t queued = aia_sim_pending(f->sim);
  const uint64_t gap = fx_file_pa(f, 0, 3) + AIA_MMIO_PAGE; /* page 4 of hart 0 */
  const uint64_t past = fx_file_pa(f, 1, 0) + 0x8000;        /* hart 2 of 2 */
  assert_aia_status(aia_mmio_write(f->p, gap, 4, 1, 0), AIA_ENODEV);
  assert_aia_status(aia_mmio_write(f->p, past, 4, 1, 0), AIA_ENODEV);
  assert_aia_status(aia_mmio_write(f->p, 0x1000, 4, 1, 0), AIA_ENODEV);
  assert_aia_status(aia_mmio_read(f->p, gap, 4, &v), AIA_ENODEV);
  assert_aia_status(aia_mmio_read(f->p, fx_file_pa(f, 0, 0) - 4, 4, &v), AIA_ENODEV);
  assert_int_equal(aia_sim_pending(f->sim), queued);
}

/* Reads of seteipnum_le, seteipnum_be and every other word return 0, with
 * identities pending or not. */
static void test_mmio_reads_return_zero(void **state)
{
  fx *f = *state;
  const uint32_t offs[] = { 0, 4, 8, 0x100, 0xFFC };
  fx_raise(f, 1, 0, 1);
  fx_raise(f, 1, 2, 255);
  for (uint32_t g = 0; g <= 3; g++)
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
      uint32_t v = 0xABCD;
      assert_aia_ok(f->sim, aia_mmio_read(f->p, fx_file_pa(f, 1, g) + offs[i], 4, &v));
      assert_int_equal(v, 0);
    }
}

/* Writes to words other than the two seteipnum registers are ignored. */
static void test_mmio_writes_to_other_offsets_are_ignored(void **state)
{
  fx *f = *state;
  const uint32_t offs[] = { 8, 0xC, 0x100, 0xFFC };
  for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
    assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 2) + offs[i], 4, 7, 0));
  fx_run_until(f, 10 * FX_MSI_WRITE);
  assert_false(aia_file_is_pending(f->p, 0, 2, 7));
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIP0), 0);
}

/* Two writes to one file land in issue order, even when the second was
 * issued with a shorter latency. */
static void test_mmio_two_writes_to_one_file_land_in_issue_order(void **state)
{
  fx *f = *state;
  const uint64_t pa = fx_file_pa(f, 0, 1);
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_LANDED));
  assert_aia_ok(f->sim, aia_platform_set_latency(f->p, 500, FX_LINE_TO_HART, FX_IPI_DELIVER,
                                                 FX_IDLE_EXIT));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, pa, 4, 11, 1));
  fx_run_until(f, 1);
  assert_aia_ok(f->sim, aia_platform_set_latency(f->p, 5, FX_LINE_TO_HART, FX_IPI_DELIVER,
                                                 FX_IDLE_EXIT));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, pa, 4, 22, 2));
  fx_run_until(f, 100);
  assert_false(aia_file_is_pending(f->p, 0, 1, 22)); /* not before the first */
  fx_run_until(f, 1000);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 2);
  assert_int_equal(rec_must(&r, AIA_EV_MSI_LANDED, 0)->msi, 1);
  assert_int_equal(rec_must(&r, AIA_EV_MSI_LANDED, 0)->cycle, 500);
  assert_int_equal(rec_must(&r, AIA_EV_MSI_LANDED, 1)->msi, 2);
  assert_true(rec_must(&r, AIA_EV_MSI_LANDED, 1)->cycle >= 500);
  assert_true(aia_file_is_pending(f->p, 0, 1, 22));
}

/* Writes issued on the same cycle to one file land in issue order. */
static void test_mmio_same_cycle_writes_land_in_issue_order(void **state)
{
  fx *f = *state;
  rec r;
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_LANDED));
  for (uint32_t i = 0; i < 5; i++)
    assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 1, 1), 4, 50 - 10 * i, 1 + i));
  fx_run_until(f, FX_MSI_WRITE);
  assert_int_equal(rec_count(&r, AIA_EV_MSI_LANDED), 5);
  for (uint32_t i = 0; i < 5; i++) {
    assert_int_equal(rec_must(&r, AIA_EV_MSI_LANDED, i)->msi, 1 + i);
    assert_int_equal(rec_must(&r, AIA_EV_MSI_LANDED, i)->iid, 50 - 10 * i);
  }
}

/* MSI_POSTED at issue (arg: the address), MSI_LANDED at landing, both
 * tagged with the caller's msi id. */
static void test_mmio_write_reports_posted_then_landed(void **state)
{
  fx *f = *state;
  rec r;
  const uint64_t pa = fx_file_pa(f, 1, 3);
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_MSI_POSTED) | AIA_EV_BIT(AIA_EV_MSI_LANDED));
  fx_run_until(f, 20);
  assert_aia_ok(f->sim, aia_mmio_write(f->p, pa, 4, 99, 0xC0FFEE));
  {
    const aia_event *e = rec_must(&r, AIA_EV_MSI_POSTED, 0);
    assert_int_equal(e->cycle, 20);
    assert_int_equal(e->arg, pa);
    assert_int_equal(e->msi, 0xC0FFEE);
  }
  assert_null(rec_find(&r, AIA_EV_MSI_LANDED, 0));
  fx_run_until(f, 20 + FX_MSI_WRITE);
  {
    const aia_event *e = rec_must(&r, AIA_EV_MSI_LANDED, 0);
    assert_int_equal(e->cycle, 20 + FX_MSI_WRITE);
    assert_int_equal(e->hart, 1);
    assert_int_equal(e->file, 3);
    assert_int_equal(e->iid, 99);
    assert_int_equal(e->msi, 0xC0FFEE);
  }
}

/* A write to an already pending identity still lands (and is reported), the
 * bit stays a single pending bit. */
static void test_mmio_write_to_a_pending_identity_coalesces(void **state)
{
  fx *f = *state;
  fx_enable(f, 0, 2, 3);
  for (int i = 0; i < 3; i++)
    assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 2), 4, 3, 0));
  fx_run_until(f, FX_MSI_WRITE);
  assert_int_equal(fx_claim(f, 0, 2), 3);
  assert_int_equal(fx_claim(f, 0, 2), 0);
}

/* aia_platform_set_latency changes msi_write for writes issued after it. */
static void test_mmio_set_latency_applies_to_later_writes(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_platform_set_latency(f->p, 7, 1, 1, 1));
  assert_aia_ok(f->sim, aia_mmio_write(f->p, fx_file_pa(f, 0, 0), 4, 4, 0));
  fx_run_until(f, 6);
  assert_false(aia_file_is_pending(f->p, 0, 0, 4));
  fx_run_until(f, 7);
  assert_true(aia_file_is_pending(f->p, 0, 0, 4));
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
    T(test_mmio_file_address_is_base_plus_hart_stride_plus_page),
    T(test_mmio_decode_finds_s_page_and_guest_pages),
    T(test_mmio_decode_outside_files_is_enodev),
    T(test_mmio_write_lands_msi_write_cycles_later),
    T(test_mmio_le_write_sets_the_identity),
    T(test_mmio_be_write_takes_the_byte_swapped_value),
    T(test_mmio_le_write_of_a_swapped_value_is_ignored),
    T(test_mmio_zero_and_out_of_range_identities_are_dropped),
    T(test_mmio_misaligned_or_non_word_access_is_eaccess),
    T(test_mmio_unmapped_address_is_enodev),
    T(test_mmio_reads_return_zero),
    T(test_mmio_writes_to_other_offsets_are_ignored),
    T(test_mmio_two_writes_to_one_file_land_in_issue_order),
    T(test_mmio_same_cycle_writes_land_in_issue_order),
    T(test_mmio_write_reports_posted_then_landed),
    T(test_mmio_write_to_a_pending_identity_coalesces),
    T(test_mmio_set_latency_applies_to_later_writes),
  };
#undef T
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0)
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests_name("hw_mmio", tests, NULL, NULL);
}
