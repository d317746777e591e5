/* The CSR view of an interrupt file: *iselect and *ireg numbers 0x70..0xFF with
 * CSRRW/CSRRS/CSRRC semantics, *topei, and the VS-level indirection through
 * hstatus.VGEIN.
 * Spec: riscv-aia src/IMSIC.adoc, "CSRs for external interrupts via an
 * IMSIC", "Indirectly accessed interrupt-file registers"; src/CSRs.adoc,
 * "Hypervisor and VS CSRs". */
#include "test_hw_fixture.h"

#define SENTINEL UINT64_C(0x5A5A5A5A5A5A5A5A)

static void use_cfg(fx *f, uint32_t xlen, uint32_t ids, bool s_aplic)
{
  aia_platform_config c;
  fx_default_cfg(&c);
  c.xlen = xlen;
  c.ids = ids;
  c.s_aplic_mode = s_aplic;
  fx_reopen(f, &c);
}

/* eidelivery is WARL: 0 and 1 are kept, anything else leaves it unchanged
 * (on a guest file, 0x40000000 included). */
static void test_csr_eidelivery_warl_keeps_only_0_and_1_on_guest_files(void **state)
{
  fx *f = *state;
  const uint64_t bad[] = { 2, 3, 0x80000000u, AIA_EIDELIVERY_APLIC, AIA_EIDELIVERY_APLIC | 1u,
                           UINT64_C(0x100000001), UINT64_MAX };
  use_cfg(f, 64, 255, true); /* s_aplic_mode never reaches guest files */
  for (uint32_t start = 0; start <= 1; start++) {
    fx_delivery(f, 0, 2, start);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      assert_int_equal(fx_ireg(f, 0, 2, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, bad[i]), start);
      assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIDELIVERY), start);
    }
  }
  fx_delivery(f, 0, 2, 1);
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIDELIVERY), 1);
  fx_delivery(f, 0, 2, 0);
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EIDELIVERY), 0);
}

/* 0x40000000 is accepted only by S files, and only with s_aplic_mode. */
static void test_csr_eidelivery_aplic_value_only_on_s_files_with_s_aplic_mode(void **state)
{
  fx *f = *state;
  fx_delivery(f, 0, 0, AIA_EIDELIVERY_APLIC); /* default: no APLIC mode */
  assert_int_equal(fx_rd(f, 0, 0, AIA_ISEL_EIDELIVERY), 0);
  use_cfg(f, 64, 255, true);
  fx_delivery(f, 1, 0, AIA_EIDELIVERY_APLIC);
  assert_int_equal(fx_rd(f, 1, 0, AIA_ISEL_EIDELIVERY), AIA_EIDELIVERY_APLIC);
  fx_delivery(f, 1, 0, AIA_EIDELIVERY_APLIC | 1u); /* still only the three values */
  assert_int_equal(fx_rd(f, 1, 0, AIA_ISEL_EIDELIVERY), AIA_EIDELIVERY_APLIC);
  for (uint32_t g = 1; g <= 3; g++) {
    fx_delivery(f, 1, g, AIA_EIDELIVERY_APLIC);
    assert_int_equal(fx_rd(f, 1, g, AIA_ISEL_EIDELIVERY), 0);
  }
}

/* CSRRS/CSRRC on eidelivery compute the new value, then apply WARL. */
static void test_csr_eidelivery_set_and_clear_follow_warl(void **state)
{
  fx *f = *state;
  assert_int_equal(fx_ireg(f, 0, 1, AIA_ISEL_EIDELIVERY, AIA_CSR_SET, 1), 0);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIDELIVERY), 1);
  assert_int_equal(fx_ireg(f, 0, 1, AIA_ISEL_EIDELIVERY, AIA_CSR_SET, 2), 1); /* 3: illegal */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIDELIVERY), 1);
  assert_int_equal(fx_ireg(f, 0, 1, AIA_ISEL_EIDELIVERY, AIA_CSR_CLEAR, 1), 1);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIDELIVERY), 0);
}

/* eithreshold is WLRL 0..N: every legal value is held, larger values are
 * not written. */
static void test_csr_eithreshold_wlrl_holds_0_to_n_only(void **state)
{
  fx *f = *state;
  use_cfg(f, 64, 2047, false);
  fx_wr(f, 0, 1, AIA_ISEL_EITHRESHOLD, 2047);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EITHRESHOLD), 2047);
  assert_int_equal(fx_ireg(f, 0, 1, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, 2048), 2047);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EITHRESHOLD), 2047);
  fx_wr(f, 0, 1, AIA_ISEL_EITHRESHOLD, 0);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EITHRESHOLD), 0);
  fx_wr(f, 0, 1, AIA_ISEL_EITHRESHOLD, UINT64_C(0x100000005)); /* high bits: too large */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EITHRESHOLD), 0);
  use_cfg(f, 64, 63, false);
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 63);
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EITHRESHOLD), 63);
  fx_wr(f, 0, 2, AIA_ISEL_EITHRESHOLD, 64);
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EITHRESHOLD), 63);
  (void)fx_ireg(f, 0, 2, AIA_ISEL_EITHRESHOLD, AIA_CSR_SET, 0x40); /* 0x7F > 63 */
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EITHRESHOLD), 63);
  (void)fx_ireg(f, 0, 2, AIA_ISEL_EITHRESHOLD, AIA_CSR_CLEAR, 0x0F);
  assert_int_equal(fx_rd(f, 0, 2, AIA_ISEL_EITHRESHOLD), 0x30);
}

/* Bit 0 of eip0 and eie0 is read-only 0 (identity 0 does not exist). */
static void test_csr_eip0_and_eie0_bit0_read_only_zero(void **state)
{
  fx *f = *state;
  fx_wr(f, 0, 1, AIA_ISEL_EIP0, UINT64_MAX);
  fx_wr(f, 0, 1, AIA_ISEL_EIE0, UINT64_MAX);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0), UINT64_MAX - 1);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIE0), UINT64_MAX - 1);
  (void)fx_ireg(f, 0, 1, AIA_ISEL_EIP0, AIA_CSR_CLEAR, UINT64_MAX - 1);
  (void)fx_ireg(f, 0, 1, AIA_ISEL_EIP0, AIA_CSR_SET, 1);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0), 0);
  assert_int_equal(fx_top(f, 0, 1), 0);
  use_cfg(f, 32, 63, false);
  fx_wr(f, 0, 1, AIA_ISEL_EIE0, UINT32_MAX);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIE0), UINT32_MAX - 1);
  fx_wr(f, 0, 1, AIA_ISEL_EIE0 + 1, UINT32_MAX); /* eie1 on RV32 has no bit 0 hole */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIE0 + 1), UINT32_MAX);
}

/* Registers exist for all 64 numbers, but bits of identities above N are
 * read-only zeros. */
static void test_csr_bits_above_n_read_zero_and_ignore_writes(void **state)
{
  fx *f = *state;
  use_cfg(f, 64, 63, false);
  assert_int_equal(fx_ireg(f, 0, 1, AIA_ISEL_EIP0 + 2, AIA_CSR_WRITE, UINT64_MAX), 0);
  assert_int_equal(fx_ireg(f, 0, 1, AIA_ISEL_EIE0 + 62, AIA_CSR_SET, UINT64_MAX), 0);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 2), 0);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIE0 + 62), 0);
  use_cfg(f, 64, 255, false);
  fx_wr(f, 0, 1, AIA_ISEL_EIP0 + 6, UINT64_MAX); /* 192..255: all implemented */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 6), UINT64_MAX);
  assert_true(aia_file_is_pending(f->p, 0, 1, 255));
  fx_wr(f, 0, 1, AIA_ISEL_EIP0 + 8, UINT64_MAX); /* 256..319: none */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 8), 0);
  use_cfg(f, 32, 63, false);
  fx_wr(f, 0, 1, AIA_ISEL_EIP0 + 2, UINT32_MAX); /* RV32 eip2: 64..95 */
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 2), 0);
}

/* RV64: odd eip/eie numbers do not exist: illegal instruction, no change,
 * *old not written. */
static void test_csr_rv64_odd_eip_eie_are_illegal(void **state)
{
  fx *f = *state;
  const uint32_t odd[] = { 0x81, 0x83, 0xBF, 0xC1, 0xC7, 0xFF };
  const aia_csr_op ops[] = { AIA_CSR_READ, AIA_CSR_WRITE, AIA_CSR_SET, AIA_CSR_CLEAR };
  fx_wr(f, 0, 1, AIA_ISEL_EIE0, 0xF0);
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
    for (size_t o = 0; o < 4; o++) {
      uint64_t old = SENTINEL;
      assert_aia_status(aia_file_ireg(f->p, 0, 1, odd[i], ops[o], UINT64_MAX, &old), AIA_EILLEGAL);
      assert_int_equal(old, SENTINEL);
    }
  for (uint32_t k = 0; k < 8; k += 2) {
    assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + k), 0);
    assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIE0 + k), k == 0 ? 0xF0 : 0);
  }
}

/* RV32: odd numbers are legal; eipK holds identities 32K..32K+31. */
static void test_csr_rv32_odd_registers_are_legal(void **state)
{
  fx *f = *state;
  use_cfg(f, 32, 255, false);
  fx_wr(f, 0, 1, AIA_ISEL_EIP0 + 1, UINT64_C(1) << 5); /* identity 37 */
  fx_wr(f, 0, 1, AIA_ISEL_EIE0 + 7, UINT64_C(1) << 31); /* identity 255 */
  fx_wr(f, 0, 1, AIA_ISEL_EIE0 + 1, UINT64_C(1) << 5);
  assert_true(aia_file_is_pending(f->p, 0, 1, 37));
  assert_true(aia_file_is_enabled(f->p, 0, 1, 37));
  assert_true(aia_file_is_enabled(f->p, 0, 1, 255));
  assert_false(aia_file_is_pending(f->p, 0, 1, 5));
  assert_int_equal(fx_top(f, 0, 1), 37);
  fx_set_pending(f, 0, 1, 63);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 1), (UINT64_C(1) << 31) | (UINT64_C(1) << 5));
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0), 0);
}

/* RV32 accesses are 32 bits wide: eip0 never reaches identities 32..63 and
 * never returns more than 32 bits. */
static void test_csr_rv32_access_is_32_bits_wide(void **state)
{
  fx *f = *state;
  uint64_t old = 0;
  use_cfg(f, 32, 63, false);
  fx_wr(f, 0, 1, AIA_ISEL_EIP0 + 1, UINT32_MAX);
  (void)aia_file_ireg(f->p, 0, 1, AIA_ISEL_EIP0, AIA_CSR_WRITE, UINT64_C(0xFFFFFFFF00000002), &old);
  (void)aia_file_ireg(f->p, 0, 1, AIA_ISEL_EIP0, AIA_CSR_CLEAR, UINT64_C(0xFFFFFFFF00000000), &old);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 1), UINT32_MAX); /* 32..63 untouched */
  assert_true(fx_rd(f, 0, 1, AIA_ISEL_EIP0) <= UINT32_MAX);
  assert_true(fx_rd(f, 0, 1, AIA_ISEL_EIP0 + 1) <= UINT32_MAX);
}

/* 0x71 and 0x73..0x7F are reserved: read 0, writes ignored, no fault. */
static void test_csr_reserved_numbers_read_zero_and_ignore_writes(void **state)
{
  fx *f = *state;
  const aia_csr_op ops[] = { AIA_CSR_READ, AIA_CSR_WRITE, AIA_CSR_SET, AIA_CSR_CLEAR };
  fx_delivery(f, 1, 2, 1);
  fx_wr(f, 1, 2, AIA_ISEL_EITHRESHOLD, 17);
  fx_wr(f, 1, 2, AIA_ISEL_EIE0, 0xF0);
  for (uint32_t sel = 0x71; sel <= 0x7F; sel++) {
    if (sel == AIA_ISEL_EITHRESHOLD)
      continue;
    for (size_t o = 0; o < 4; o++) {
      uint64_t old = SENTINEL;
      assert_aia_ok(f->sim, aia_file_ireg(f->p, 1, 2, sel, ops[o], UINT64_MAX, &old));
      assert_int_equal(old, 0);
    }
  }
  assert_int_equal(fx_rd(f, 1, 2, AIA_ISEL_EIDELIVERY), 1);
  assert_int_equal(fx_rd(f, 1, 2, AIA_ISEL_EITHRESHOLD), 17);
  assert_int_equal(fx_rd(f, 1, 2, AIA_ISEL_EIE0), 0xF0);
  assert_int_equal(fx_rd(f, 1, 2, AIA_ISEL_EIP0), 0);
}

/* Numbers outside 0x70..0xFF are not interrupt-file registers: illegal. */
static void test_csr_numbers_outside_0x70_to_0xff_are_illegal(void **state)
{
  fx *f = *state;
  const uint32_t sel[] = { 0x00, 0x30, 0x3F, 0x6F, 0x100, 0x170, 0x1FF, UINT32_MAX };
  for (size_t i = 0; i < sizeof sel / sizeof sel[0]; i++) {
    uint64_t old = SENTINEL;
    assert_aia_status(aia_file_ireg(f->p, 0, 0, sel[i], AIA_CSR_WRITE, 1, &old), AIA_EILLEGAL);
    assert_aia_status(aia_file_ireg(f->p, 0, 0, sel[i], AIA_CSR_READ, 0, &old), AIA_EILLEGAL);
    assert_int_equal(old, SENTINEL);
  }
  assert_int_equal(fx_rd(f, 0, 0, AIA_ISEL_EIDELIVERY), 0);
}

/* CSRRW, CSRRS and CSRRC return the value before the access. */
static void test_csr_rw_rs_rc_return_the_old_value(void **state)
{
  fx *f = *state;
  const uint32_t sel = AIA_ISEL_EIE0 + 2; /* identities 64..127: no bit-0 hole */
  assert_int_equal(fx_ireg(f, 0, 3, sel, AIA_CSR_WRITE, 0x00FF), 0);
  assert_int_equal(fx_ireg(f, 0, 3, sel, AIA_CSR_SET, 0xFF00), 0x00FF);
  assert_int_equal(fx_ireg(f, 0, 3, sel, AIA_CSR_CLEAR, 0x0FF0), 0xFFFF);
  assert_int_equal(fx_ireg(f, 0, 3, sel, AIA_CSR_WRITE, UINT64_C(1) << 63), 0xF00F);
  assert_int_equal(fx_ireg(f, 0, 3, sel, AIA_CSR_READ, 0x1234), UINT64_C(1) << 63);
  assert_int_equal(fx_rd(f, 0, 3, sel), UINT64_C(1) << 63); /* READ wrote nothing */
  assert_true(aia_file_is_enabled(f->p, 0, 3, 127));
  /* Same on eithreshold and on eip. */
  assert_int_equal(fx_ireg(f, 0, 3, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, 9), 0);
  assert_int_equal(fx_ireg(f, 0, 3, AIA_ISEL_EITHRESHOLD, AIA_CSR_SET, 0x10), 9);
  assert_int_equal(fx_ireg(f, 0, 3, AIA_ISEL_EITHRESHOLD, AIA_CSR_CLEAR, 1), 0x19);
  assert_int_equal(fx_rd(f, 0, 3, AIA_ISEL_EITHRESHOLD), 0x18);
  fx_set_pending(f, 0, 3, 4);
  assert_int_equal(fx_ireg(f, 0, 3, AIA_ISEL_EIP0, AIA_CSR_SET, 0x100), 0x10);
  assert_int_equal(fx_ireg(f, 0, 3, AIA_ISEL_EIP0, AIA_CSR_CLEAR, 0x10), 0x110);
  assert_int_equal(fx_rd(f, 0, 3, AIA_ISEL_EIP0), 0x100);
}

/* Clearing eip through the CSR window is a claim that does not race with
 * topei (IMSIC.adoc note): the line drops, a record reports the clear. */
static void test_csr_eip_clear_drops_the_line(void **state)
{
  fx *f = *state;
  rec r;
  fx_raise(f, 0, 1, 70);
  assert_true(aia_file_line(f->p, 0, 1));
  rec_attach(f, &r, AIA_EV_BIT(AIA_EV_EIP_CLEAR) | AIA_EV_BIT(AIA_EV_FILE_LINE));
  (void)fx_ireg(f, 0, 1, AIA_ISEL_EIP0 + 2, AIA_CSR_CLEAR, UINT64_C(1) << 6);
  assert_false(aia_file_is_pending(f->p, 0, 1, 70));
  assert_false(aia_file_line(f->p, 0, 1));
  assert_int_equal(rec_must(&r, AIA_EV_EIP_CLEAR, 0)->iid, 70);
  assert_int_equal(rec_must(&r, AIA_EV_EIP_CLEAR, 0)->arg, 1); /* 1: by a register write */
  assert_int_equal(rec_count(&r, AIA_EV_EIP_CLEAR), 1);
  assert_int_equal(rec_must(&r, AIA_EV_FILE_LINE, 0)->arg, 0);
}

/* Register accesses take effect at the current cycle. */
static void test_csr_register_writes_act_at_once(void **state)
{
  fx *f = *state;
  fx_run_until(f, 1234);
  fx_set_pending(f, 1, 1, 8);
  fx_delivery(f, 1, 1, 1);
  assert_false(aia_file_line(f->p, 1, 1));
  fx_enable(f, 1, 1, 8);
  assert_true(aia_file_line(f->p, 1, 1));
  assert_int_equal(aia_sim_now(f->sim), 1234);
}

/* ---- the hart's view: siselect/sireg/stopei and vsiselect/vsireg/vstopei ---- */

/* With VGEIN = 0 every VS-level access is a virtual-instruction fault
 * (CSRs.adoc, "Hypervisor and VS CSRs"), *old not written. */
static void test_csr_vs_access_with_vgein_zero_is_virtual_instruction(void **state)
{
  fx *f = *state;
  const uint32_t sel[] = { AIA_ISEL_EIDELIVERY, 0x71, AIA_ISEL_EITHRESHOLD, AIA_ISEL_EIP0,
                           AIA_ISEL_EIE0 + 4 };
  assert_int_equal(aia_hart_vgein(f->p, 0), 0);
  for (size_t i = 0; i < sizeof sel / sizeof sel[0]; i++) {
    uint64_t old = SENTINEL;
    assert_aia_status(aia_hart_ireg(f->p, 0, true, sel[i], AIA_CSR_WRITE, 1, &old), AIA_EVIRTUAL);
    assert_aia_status(aia_hart_ireg(f->p, 0, true, sel[i], AIA_CSR_READ, 0, &old), AIA_EVIRTUAL);
    assert_int_equal(old, SENTINEL);
  }
  {
    uint64_t old = SENTINEL;
    assert_aia_status(aia_hart_topei(f->p, 0, true, AIA_CSR_READ, &old), AIA_EVIRTUAL);
    assert_aia_status(aia_hart_topei(f->p, 0, true, AIA_CSR_WRITE, &old), AIA_EVIRTUAL);
    assert_int_equal(old, SENTINEL);
  }
  for (uint32_t g = 0; g <= 3; g++) /* nothing reached any file */
    assert_int_equal(fx_rd(f, 0, g, AIA_ISEL_EIDELIVERY), 0);
}

/* With VGEIN = g the VS registers are guest file g's, and only its. */
static void test_csr_vs_access_goes_to_guest_file_vgein(void **state)
{
  fx *f = *state;
  uint64_t old = 0;
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 1, 2));
  assert_int_equal(aia_hart_vgein(f->p, 1), 2);
  assert_aia_ok(f->sim, aia_hart_ireg(f->p, 1, true, AIA_ISEL_EIE0, AIA_CSR_WRITE, 1u << 6, &old));
  assert_aia_ok(f->sim, aia_hart_ireg(f->p, 1, true, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, 1, &old));
  assert_true(aia_file_is_enabled(f->p, 1, 2, 6));
  assert_false(aia_file_is_enabled(f->p, 1, 1, 6));
  assert_false(aia_file_is_enabled(f->p, 1, 0, 6));
  assert_false(aia_file_is_enabled(f->p, 0, 2, 6));
  assert_int_equal(fx_rd(f, 1, 2, AIA_ISEL_EIDELIVERY), 1);
  fx_set_pending(f, 1, 2, 6);
  fx_set_pending(f, 1, 0, 6);
  fx_enable(f, 1, 0, 6);
  assert_aia_ok(f->sim, aia_hart_topei(f->p, 1, true, AIA_CSR_WRITE, &old));
  assert_int_equal(old, (6u << 16) | 6u);
  assert_false(aia_file_is_pending(f->p, 1, 2, 6));
  assert_true(aia_file_is_pending(f->p, 1, 0, 6)); /* the S file is another file */
  /* Moving VGEIN moves the window. */
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 1, 3));
  assert_aia_ok(f->sim, aia_hart_ireg(f->p, 1, true, AIA_ISEL_EIDELIVERY, AIA_CSR_READ, 0, &old));
  assert_int_equal(old, 0);
}

/* vs = false is the S level: the S file, whatever VGEIN says. */
static void test_csr_s_access_goes_to_the_s_file(void **state)
{
  fx *f = *state;
  uint64_t old = SENTINEL;
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 0, 1));
  assert_aia_ok(f->sim, aia_hart_ireg(f->p, 0, false, AIA_ISEL_EITHRESHOLD, AIA_CSR_WRITE, 33, &old));
  assert_int_equal(old, 0);
  assert_int_equal(fx_rd(f, 0, 0, AIA_ISEL_EITHRESHOLD), 33);
  assert_int_equal(fx_rd(f, 0, 1, AIA_ISEL_EITHRESHOLD), 0);
  fx_enable(f, 0, 0, 2);
  fx_set_pending(f, 0, 0, 2);
  assert_aia_ok(f->sim, aia_hart_topei(f->p, 0, false, AIA_CSR_READ, &old));
  assert_int_equal(old, (2u << 16) | 2u);
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 0, 0)); /* S access needs no VGEIN */
  assert_aia_ok(f->sim, aia_hart_topei(f->p, 0, false, AIA_CSR_SET, &old));
  assert_int_equal(old, (2u << 16) | 2u);
  assert_false(aia_file_is_pending(f->p, 0, 0, 2));
  /* The hart view applies the same rules: RV64 odd number is illegal. */
  old = SENTINEL;
  assert_aia_status(aia_hart_ireg(f->p, 0, false, 0x81, AIA_CSR_READ, 0, &old), AIA_EILLEGAL);
  assert_int_equal(old, SENTINEL);
}

/* VGEIN is WLRL 0..GEILEN; a larger value is refused and VGEIN kept. */
static void test_csr_vgein_above_geilen_is_erange(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 0, 3));
  assert_aia_status(aia_hart_set_vgein(f->p, 0, 4), AIA_ERANGE);
  assert_aia_status(aia_hart_set_vgein(f->p, 0, 64), AIA_ERANGE);
  assert_int_equal(aia_hart_vgein(f->p, 0), 3);
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 0, 0));
  assert_int_equal(aia_hart_vgein(f->p, 0), 0);
}

/* From VS-mode, an odd eip/eie number on RV64 raises a virtual-instruction
 * exception, not an illegal-instruction one (IMSIC.adoc, "External
 * interrupt-pending registers": "unless done in VS-mode, in which case it
 * raises a virtual instruction exception"). */
static void test_csr_vs_rv64_odd_register_is_virtual_instruction(void **state)
{
  fx *f = *state;
  uint64_t old = SENTINEL;
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 0, 1));
  assert_aia_status(aia_hart_ireg(f->p, 0, true, 0x81, AIA_CSR_READ, 0, &old), AIA_EVIRTUAL);
  assert_aia_status(aia_hart_ireg(f->p, 0, true, 0xC3, AIA_CSR_WRITE, 1, &old), AIA_EVIRTUAL);
  assert_int_equal(old, SENTINEL);
}

/* Numbers 0x30..0x3F (major interrupt priorities) are inaccessible at VS
 * level: a virtual-instruction exception even with a valid VGEIN (CSRs.adoc,
 * "Hypervisor and VS CSRs"). */
static void test_csr_vs_inaccessible_0x30_to_0x3f_is_virtual_instruction(void **state)
{
  fx *f = *state;
  assert_aia_ok(f->sim, aia_hart_set_vgein(f->p, 1, 3));
  for (uint32_t sel = 0x30; sel <= 0x3F; sel++) {
    uint64_t old = SENTINEL;
    assert_aia_status(aia_hart_ireg(f->p, 1, true, sel, AIA_CSR_READ, 0, &old), AIA_EVIRTUAL);
    assert_int_equal(old, SENTINEL);
  }
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
    T(test_csr_eidelivery_warl_keeps_only_0_and_1_on_guest_files),
    T(test_csr_eidelivery_aplic_value_only_on_s_files_with_s_aplic_mode),
    T(test_csr_eidelivery_set_and_clear_follow_warl),
    T(test_csr_eithreshold_wlrl_holds_0_to_n_only),
    T(test_csr_eip0_and_eie0_bit0_read_only_zero),
    T(test_csr_bits_above_n_read_zero_and_ignore_writes),
    T(test_csr_rv64_odd_eip_eie_are_illegal),
    T(test_csr_rv32_odd_registers_are_legal),
    T(test_csr_rv32_access_is_32_bits_wide),
    T(test_csr_reserved_numbers_read_zero_and_ignore_writes),
    T(test_csr_numbers_outside_0x70_to_0xff_are_illegal),
    T(test_csr_rw_rs_rc_return_the_old_value),
    T(test_csr_eip_clear_drops_the_line),
    T(test_csr_register_writes_act_at_once),
    T(test_csr_vs_access_with_vgein_zero_is_virtual_instruction),
    T(test_csr_vs_access_goes_to_guest_file_vgein),
    T(test_csr_s_access_goes_to_the_s_file),
    T(test_csr_vgein_above_geilen_is_erange),
    T(test_csr_vs_rv64_odd_register_is_virtual_instruction),
    T(test_csr_vs_inaccessible_0x30_to_0x3f_is_virtual_instruction),
  };
#undef T
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "-f") == 0)
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests_name("hw_csr", tests, NULL, NULL);
}
