/* tests/unit/test_hw_fixture.h: fixture and small helpers shared by the
 * hardware-layer suites (test_hw_file, _csr, _mmio, _hart, _random).
 *
 * Every helper is static inline so a suite that does not use one gets no
 * unused-function warning. Helpers that perform an access fail the test with
 * the access named when it does not return AIA_OK; the value checks stay in
 * the tests.
 */
#ifndef AIA_TEST_HW_FIXTURE_H
#define AIA_TEST_HW_FIXTURE_H

#include <inttypes.h>
#include <string.h>

#include "aia_test.h"
#include "aiasim/hw.h"

/* Latencies of the default fixture: chosen unlike the library defaults and
 * unlike each other, so a test that mixes two of them up fails. */
#define FX_MSI_WRITE 50u
#define FX_LINE_TO_HART 10u
#define FX_IPI_DELIVER 400u
#define FX_IDLE_EXIT 100u

/* mip/hip bit of a cause. */
#define MIP(cause) (UINT64_C(1) << (cause))

typedef struct fx {
  aia_sim *sim;
  aia_platform *p;
  aia_platform_config cfg;
} fx;

/* Two harts, three guest files each, 255 identities, RV64. */
static inline void fx_default_cfg(aia_platform_config *c)
{
  aia_platform_config_init(c);
  c->harts = 2;
  c->geilen = 3;
  c->ids = 255;
  c->xlen = 64;
  c->msi_write = FX_MSI_WRITE;
  c->line_to_hart = FX_LINE_TO_HART;
  c->ipi_deliver = FX_IPI_DELIVER;
  c->idle_exit = FX_IDLE_EXIT;
}

static inline int fx_open(fx *f, const aia_platform_config *c)
{
  aia_sim_config sc;
  aia_sim_config_init(&sc);
  sc.seed = 1;
  f->p = NULL;
  if (aia_sim_create(&sc, &f->sim) != AIA_OK)
    return -1;
  f->cfg = *c;
  if (aia_platform_create(f->sim, c, &f->p) != AIA_OK) {
    aia_sim_destroy(f->sim);
    f->sim = NULL;
    return -1;
  }
  return 0;
}

static inline void fx_close(fx *f)
{
  aia_sim_destroy(f->sim);
  f->sim = NULL;
  f->p = NULL;
}

static inline int fx_setup(void **state)
{
  aia_platform_config c;
  fx *f = calloc(1, sizeof *f);
  if (f == NULL)
    return -1;
  fx_default_cfg(&c);
  if (fx_open(f, &c) != 0) {
    free(f);
    return -1;
  }
  *state = f;
  return 0;
}

static inline int fx_teardown(void **state)
{
  fx *f = *state;
  fx_close(f);
  free(f);
  return 0;
}

/* Rebuilds the fixture with another configuration, inside a test. */
static inline void fx_reopen(fx *f, const aia_platform_config *c)
{
  fx_close(f);
  if (fx_open(f, c) != 0)
    fail_msg("platform create failed for the test's configuration");
}

/* Advances the clock to `cycle`, running every event up to it. */
static inline void fx_run_until(fx *f, aia_cycle cycle)
{
  int rc = aia_sim_run_until(f->sim, cycle);
  if (rc != AIA_OK)
    fail_msg("run_until(%" PRIu64 ") -> %s", cycle, aia_status_name(rc));
}

/* ---- file registers, through aia_file_ireg / aia_file_topei ---- */

static inline uint64_t fx_ireg(fx *f, uint32_t hart, uint32_t file, uint32_t isel, aia_csr_op op,
                               uint64_t value)
{
  uint64_t old = UINT64_C(0xDEADBEEFDEADBEEF);
  int rc = aia_file_ireg(f->p, hart, file, isel, op, value, &old);
  if (rc != AIA_OK)
    fail_msg("aia_file_ireg(hart %u, file %u, isel 0x%x, op %d) -> %s", hart, file, isel, (int)op,
             aia_status_name(rc));
  return old;
}

static inline uint64_t fx_rd(fx *f, uint32_t hart, uint32_t file, uint32_t isel)
{
  return fx_ireg(f, hart, file, isel, AIA_CSR_READ, 0);
}

static inline void fx_wr(fx *f, uint32_t hart, uint32_t file, uint32_t isel, uint64_t value)
{
  (void)fx_ireg(f, hart, file, isel, AIA_CSR_WRITE, value);
}

static inline uint64_t fx_topei_op(fx *f, uint32_t hart, uint32_t file, aia_csr_op op)
{
  uint64_t old = UINT64_C(0xDEADBEEFDEADBEEF);
  int rc = aia_file_topei(f->p, hart, file, op, &old);
  if (rc != AIA_OK)
    fail_msg("aia_file_topei(hart %u, file %u, op %d) -> %s", hart, file, (int)op,
             aia_status_name(rc));
  return old;
}

/* Identity part (bits 26:16) of the file's topei, read without claiming. */
static inline uint32_t fx_top(fx *f, uint32_t hart, uint32_t file)
{
  return (uint32_t)(fx_topei_op(f, hart, file, AIA_CSR_READ) >> 16) & 0x7FFu;
}

/* CSRRW on topei: claims; returns the identity read (and cleared). */
static inline uint32_t fx_claim(fx *f, uint32_t hart, uint32_t file)
{
  return (uint32_t)(fx_topei_op(f, hart, file, AIA_CSR_WRITE) >> 16) & 0x7FFu;
}

/* eip/eie register number and bit of an identity at the platform's XLEN. */
static inline uint32_t fx_isel_of(const fx *f, uint32_t base, uint32_t iid)
{
  return f->cfg.xlen == 64 ? base + 2u * (iid / 64u) : base + iid / 32u;
}

static inline uint64_t fx_bit_of(const fx *f, uint32_t iid)
{
  return UINT64_C(1) << (f->cfg.xlen == 64 ? iid % 64u : iid % 32u);
}

/* Enables one identity with CSRRS on its eie register. */
static inline void fx_enable(fx *f, uint32_t hart, uint32_t file, uint32_t iid)
{
  (void)fx_ireg(f, hart, file, fx_isel_of(f, AIA_ISEL_EIE0, iid), AIA_CSR_SET, fx_bit_of(f, iid));
}

static inline void fx_set_pending(fx *f, uint32_t hart, uint32_t file, uint32_t iid)
{
  int rc = aia_file_set_pending(f->p, hart, file, iid, 0);
  if (rc != AIA_OK)
    fail_msg("aia_file_set_pending(%u, %u, %u) -> %s", hart, file, iid, aia_status_name(rc));
}

static inline void fx_delivery(fx *f, uint32_t hart, uint32_t file, uint32_t value)
{
  fx_wr(f, hart, file, AIA_ISEL_EIDELIVERY, value);
}

/* Delivery on, identity enabled and pending: the file's line goes high. */
static inline void fx_raise(fx *f, uint32_t hart, uint32_t file, uint32_t iid)
{
  fx_delivery(f, hart, file, AIA_EIDELIVERY_ON);
  fx_enable(f, hart, file, iid);
  fx_set_pending(f, hart, file, iid);
}

static inline uint64_t fx_file_pa(fx *f, uint32_t hart, uint32_t file)
{
  uint64_t pa = 0;
  int rc = aia_file_address(f->p, hart, file, &pa);
  if (rc != AIA_OK)
    fail_msg("aia_file_address(%u, %u) -> %s", hart, file, aia_status_name(rc));
  return pa;
}

static inline uint64_t fx_hgeie(fx *f, uint32_t hart, aia_csr_op op, uint64_t value)
{
  uint64_t old = UINT64_C(0xDEADBEEFDEADBEEF);
  int rc = aia_hart_hgeie(f->p, hart, op, value, &old);
  if (rc != AIA_OK)
    fail_msg("aia_hart_hgeie(%u, op %d) -> %s", hart, (int)op, aia_status_name(rc));
  return old;
}

static inline uint32_t fx_bswap32(uint32_t v)
{
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

/* ---- event recorder (a hook) ---- */

#define REC_MAX 512u

typedef struct rec {
  uint32_t n;
  aia_event ev[REC_MAX];
} rec;

static inline void rec_hook(void *user, const aia_event *ev)
{
  rec *r = user;
  if (r->n < REC_MAX)
    r->ev[r->n] = *ev;
  r->n++;
}

static inline void rec_attach(fx *f, rec *r, uint64_t mask)
{
  memset(r, 0, sizeof *r);
  assert_aia_ok(f->sim, aia_sim_hook_add(f->sim, mask, rec_hook, r, NULL));
}

/* The nth (0-based) record of `kind`, or NULL. */
static inline const aia_event *rec_find(const rec *r, uint32_t kind, uint32_t nth)
{
  uint32_t n = r->n < REC_MAX ? r->n : REC_MAX;
  for (uint32_t i = 0; i < n; i++)
    if (r->ev[i].kind == kind && nth-- == 0)
      return &r->ev[i];
  return NULL;
}

static inline uint32_t rec_count(const rec *r, uint32_t kind)
{
  uint32_t n = r->n < REC_MAX ? r->n : REC_MAX, c = 0;
  for (uint32_t i = 0; i < n; i++)
    c += r->ev[i].kind == kind;
  return c;
}

/* Fails unless the nth record of `kind` exists; returns it. */
static inline const aia_event *rec_must(const rec *r, uint32_t kind, uint32_t nth)
{
  const aia_event *e = rec_find(r, kind, nth);
  if (e == NULL)
    fail_msg("no record #%u of kind %s (%u records seen)", nth, aia_event_kind_name(kind), r->n);
  return e;
}

#endif /* AIA_TEST_HW_FIXTURE_H */
