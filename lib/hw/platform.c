/* lib/hw/platform.c: harts, their IMSICs, the MSI write path, IPIs, idle WFI.
 * SPDX-License-Identifier: MIT
 * Rules and their spec sections: docs/hardware.md. */
#include <stdlib.h>
#include <string.h>

#include "hw/hw_impl.h"


enum { JOB_LAND, JOB_LINE, JOB_IPI };

#define MIP_SSIP (UINT64_C(1) << AIA_IRQ_SSI)
#define MIP_VSSIP (UINT64_C(1) << AIA_IRQ_VSSI)
#define MIP_VSTIP (UINT64_C(1) << AIA_IRQ_VSTI)
#define MIP_SEIP (UINT64_C(1) << AIA_IRQ_SEI)
#define MIP_VSEIP (UINT64_C(1) << AIA_IRQ_VSEI)
#define MIP_SGEIP (UINT64_C(1) << AIA_IRQ_SGEI)

void aia_platform_config_init(aia_platform_config *cfg)
{
  if (cfg == NULL)
    return;
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg;
  cfg->harts = 4;
  cfg->geilen = 7;
  cfg->ids = 255;
  cfg->s_ids = 0;
  cfg->xlen = 64;
  cfg->imsic_base = 0x28000000u;
  cfg->hart_stride = 0x8000u;
  cfg->msi_write = 50;
  cfg->line_to_hart = 10;
  cfg->ipi_deliver = 4000;
  cfg->idle_exit = 1000;
}

static bool ids_ok(uint32_t n)
{
  return n >= 63 && n <= 2047 && ((n + 1) % 64) == 0;
}

static int check_config(aia_sim *sim, const aia_platform_config *c)
{
  if (c->harts < 1 || c->harts > 4096)
    return aia__sim_fail(sim, AIA_EINVAL, "platform: harts %u: must be 1..4096", c->harts);
  if (c->xlen != 32 && c->xlen != 64)
    return aia__sim_fail(sim, AIA_EINVAL, "platform: xlen %u: must be 32 or 64", c->xlen);
  if (c->geilen > (c->xlen == 32 ? 31u : 63u))
    return aia__sim_fail(sim, AIA_EINVAL, "platform: geilen %u: must be 0..%u for RV%u",
                         c->geilen, c->xlen == 32 ? 31u : 63u, c->xlen);
  if (!ids_ok(c->ids))
    return aia__sim_fail(sim, AIA_EINVAL,
                         "platform: ids %u: must be 63..2047 with ids+1 a multiple of 64", c->ids);
  if (c->s_ids != 0 && !ids_ok(c->s_ids))
    return aia__sim_fail(sim, AIA_EINVAL,
                         "platform: s_ids %u: must be 63..2047 with s_ids+1 a multiple of 64",
                         c->s_ids);
  if (c->hart_stride % AIA_MMIO_PAGE != 0 ||
      c->hart_stride < (uint64_t)(c->geilen + 1) * AIA_MMIO_PAGE)
    return aia__sim_fail(sim, AIA_EINVAL,
                         "platform: hart_stride 0x%llx: must be a multiple of 4 KiB holding "
                         "%u pages", (unsigned long long)c->hart_stride, c->geilen + 1);
  if (c->imsic_base % AIA_MMIO_PAGE != 0)
    return aia__sim_fail(sim, AIA_EINVAL, "platform: imsic_base 0x%llx: must be 4 KiB aligned",
                         (unsigned long long)c->imsic_base);
  if (c->imsic_base + (uint64_t)c->harts * c->hart_stride < c->imsic_base)
    return aia__sim_fail(sim, AIA_EINVAL, "platform: MMIO range wraps the address space");
  return AIA_OK;
}

static void platform_destroy(void *obj)
{
  aia_platform *p = obj;
  for (uint32_t h = 0; h < p->cfg.harts; h++) {
    aia__hart *ht = &p->harts[h];
    aia__sim_cancel(p->sim, &ht->wake_ev);
    if (ht->files)
      for (uint32_t f = 0; f <= p->cfg.geilen; f++)
        aia__ifile_free(&ht->files[f]);
    free(ht->files);
    free(ht->last_land);
    free(ht->last_line);
  }
  aia__evpool_free(&p->jobs, p->sim);
  free(p->harts);
  free(p->listeners);
  free(p);
}

static void wake_fire(aia_sim *sim, aia__ev *ev);
static void job_fire(aia_sim *sim, aia__ev *ev);
static void job_init(aia__pev *e, uint32_t index, void *ctx);

int aia_platform_create(aia_sim *sim, const aia_platform_config *cfg, aia_platform **out)
{
  aia_platform_config c;
  aia_platform *p;
  int rc;

  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (!aia__sim_ok(sim) || cfg == NULL || cfg->struct_size < sizeof(size_t) + 4)
    return AIA_EINVAL;
  if (sim->has_platform)
    return aia__sim_fail(sim, AIA_ESTATE, "platform: this simulation has one already");
  aia_platform_config_init(&c);
  memcpy(&c, cfg, cfg->struct_size < sizeof c ? cfg->struct_size : sizeof c);
  c.struct_size = sizeof c;
  rc = check_config(sim, &c);
  if (rc != AIA_OK)
    return rc;
  p = calloc(1, sizeof *p);
  if (p == NULL)
    return AIA_ENOMEM;
  p->sim = sim;
  aia__evpool_init(&p->jobs, sizeof(aia__hw_job), job_fire, job_init, p);
  p->cfg = c;
  aia_sim_rng(sim, 0x30000u, &p->rng);
  p->harts = calloc(c.harts, sizeof *p->harts);
  if (p->harts == NULL)
    goto oom;
  for (uint32_t h = 0; h < c.harts; h++) {
    aia__hart *ht = &p->harts[h];
    ht->index = h;
    ht->p = p;
    ht->sie = true;
    ht->ie = MIP_SSIP | MIP_SEIP | MIP_SGEIP;
    aia__ev_init(&ht->wake_ev, wake_fire);
    ht->files = calloc(c.geilen + 1, sizeof *ht->files);
    ht->last_land = calloc(c.geilen + 1, sizeof *ht->last_land);
    ht->last_line = calloc(c.geilen + 1, sizeof *ht->last_line);
    if (ht->files == NULL || ht->last_land == NULL || ht->last_line == NULL)
      goto oom;
    aia__ifile_init(&ht->files[0], c.s_ids ? c.s_ids : c.ids, c.xlen, c.s_aplic_mode);
    for (uint32_t f = 1; f <= c.geilen; f++)
      aia__ifile_init(&ht->files[f], c.ids, c.xlen, false);
  }
  rc = aia__sim_attach(sim, p, platform_destroy);
  if (rc != AIA_OK)
    goto oom;
  sim->has_platform = true;
  *out = p;
  return AIA_OK;
oom:
  platform_destroy(p);
  return aia__sim_fail(sim, AIA_ENOMEM, "platform: out of memory");
}

void aia_platform_get_config(const aia_platform *p, aia_platform_config *cfg)
{
  if (p && cfg)
    *cfg = p->cfg;
}

aia_sim *aia_platform_sim(const aia_platform *p)
{
  return p ? p->sim : NULL;
}

int aia_platform_listen(aia_platform *p, aia_hart_irq_fn fn, void *user)
{
  aia__hw_listener *l;
  if (p == NULL || fn == NULL)
    return AIA_EINVAL;
  l = realloc(p->listeners, (p->nlisteners + 1) * sizeof *l);
  if (l == NULL)
    return AIA_ENOMEM;
  p->listeners = l;
  l[p->nlisteners].fn = fn;
  l[p->nlisteners].user = user;
  p->nlisteners++;
  return AIA_OK;
}

int aia_platform_set_latency(aia_platform *p, aia_cycle msi_write, aia_cycle line_to_hart,
                             aia_cycle ipi_deliver, aia_cycle idle_exit)
{
  if (p == NULL)
    return AIA_EINVAL;
  p->cfg.msi_write = msi_write;
  p->cfg.line_to_hart = line_to_hart;
  p->cfg.ipi_deliver = ipi_deliver;
  p->cfg.idle_exit = idle_exit;
  return AIA_OK;
}

/* ------------------------------------------------------------ records -- */

static void emit(aia_platform *p, uint32_t kind, uint32_t hart, uint32_t file, uint32_t iid,
                 uint64_t msi, uint64_t arg)
{
  aia__sim_record(p->sim, kind, hart, AIA_NONE, AIA_NONE, file, iid, msi, arg);
}

/* ------------------------------------------------------------ delayed jobs */

static void job_init(aia__pev *e, uint32_t index, void *ctx)
{
  (void)index;
  AIA__CONTAINER_OF(e, aia__hw_job, pe)->p = ctx;
}

static inline aia__hw_job *job_alloc(aia_platform *p)
{
  aia__pev *e = aia__evpool_get(&p->jobs);
  return e ? AIA__CONTAINER_OF(e, aia__hw_job, pe) : NULL;
}

static void job_release(aia_platform *p, aia__hw_job *j)
{
  aia__evpool_put(&p->jobs, &j->pe);
}

static int post(aia_platform *p, uint32_t kind, aia_cycle when, aia_phase ph, uint32_t hart,
                uint32_t file, uint32_t value, uint64_t msi)
{
  aia__hw_job *j = job_alloc(p);
  int rc;
  if (j == NULL)
    return aia__sim_fail(p->sim, AIA_ENOMEM, "hw: out of memory for a posted write");
  j->kind = kind;
  j->hart = hart;
  j->file = file;
  j->value = value;
  j->msi = msi;
  rc = aia__sim_soon(p->sim, &j->pe.ev, when, ph); /* zero latency: this cycle, not the past */
  if (rc != AIA_OK)
    job_release(p, j);
  return rc;
}

/* ------------------------------------------------------------ hart state */

static uint64_t compute_mip(const aia_platform *p, const aia__hart *ht)
{
  uint64_t mip = 0;
  (void)p;
  if (ht->ssip)
    mip |= MIP_SSIP;
  if (ht->seip || ht->ext_seip)
    mip |= MIP_SEIP;
  if (ht->hgeip & ht->hgeie)
    mip |= MIP_SGEIP;
  if ((ht->hvip & MIP_VSEIP) || (ht->vgein && ((ht->hgeip >> ht->vgein) & 1u)))
    mip |= MIP_VSEIP;
  mip |= ht->hvip & (MIP_VSSIP | MIP_VSTIP);
  return mip;
}

static void notify(aia_platform *p, uint32_t hart, bool woke)
{
  /* Listeners may attach more listeners: index loop, re-read each time. */
  for (uint32_t i = 0; i < p->nlisteners; i++)
    p->listeners[i].fn(p->listeners[i].user, hart, woke);
}

/* Idle WFI ends idle_exit cycles after an enabled interrupt is pending. */
static void check_idle_wake(aia_platform *p, aia__hart *ht)
{
  if (ht->idle && !aia__ev_queued(&ht->wake_ev) && (ht->mip & ht->ie))
    (void)aia__sim_soon(p->sim, &ht->wake_ev,
                      p->sim->now + p->cfg.idle_exit + aia_jitter_draw(&p->rng, &p->cfg.jitter_idle_exit),
                      AIA_PH_HART);
}

/* Recomputes mip; reports SGEIP changes; tells the listeners. */
static void update_hart(aia_platform *p, aia__hart *ht)
{
  uint64_t mip = compute_mip(p, ht), old = ht->mip;
  if (mip == old)
    return;
  ht->mip = mip;
  if ((mip ^ old) & MIP_SGEIP)
    emit(p, AIA_EV_SGEIP, ht->index, AIA_NONE, 0, 0, (mip & MIP_SGEIP) ? 1 : 0);
  check_idle_wake(p, ht);
  notify(p, ht->index, false);
}

void aia__hart_set_ext_seip(aia_platform *p, uint32_t hart, bool level)
{
  aia__hart *ht = &p->harts[hart];
  if (ht->ext_seip == level)
    return;
  ht->ext_seip = level;
  update_hart(p, ht);
}

static void wake_fire(aia_sim *sim, aia__ev *ev)
{
  aia__hart *ht = AIA__CONTAINER_OF(ev, aia__hart, wake_ev);
  aia_platform *p = ht->p;
  (void)sim;
  ht->idle = false;
  emit(p, AIA_EV_HART_WAKE, ht->index, AIA_NONE, 0, 0, ht->mip);
  notify(p, ht->index, true);
}

/* A file's state changed: report a line change at the file now, and let it
 * reach the hart line_to_hart later. */
static void file_changed(aia_platform *p, uint32_t hart, uint32_t file, uint64_t msi)
{
  aia__hart *ht = &p->harts[hart];
  bool line = aia__ifile_line(&ht->files[file]);
  bool was = (ht->line_now >> file) & 1u;
  if (line == was)
    return;
  ht->line_now ^= UINT64_C(1) << file;
  emit(p, AIA_EV_FILE_LINE, hart, file, aia__ifile_topei(&ht->files[file]), msi, line);
  /* Changes of one line reach the hart in order, whatever the jitter. */
  aia_cycle when = p->sim->now + p->cfg.line_to_hart +
                   aia_jitter_draw(&p->rng, &p->cfg.jitter_line_to_hart);
  if (when < ht->last_line[file])
    when = ht->last_line[file];
  ht->last_line[file] = when;
  (void)post(p, JOB_LINE, when, AIA_PH_UPDATE, hart, file, line, msi);
}

static void line_reaches_hart(aia_platform *p, aia__hart *ht, uint32_t file, bool level,
                              uint64_t msi)
{
  if (file == 0) {
    if (ht->seip == level)
      return;
    ht->seip = level;
    emit(p, AIA_EV_SEIP, ht->index, 0, 0, msi, level);
  } else {
    uint64_t bit = UINT64_C(1) << file;
    uint64_t n = level ? (ht->hgeip | bit) : (ht->hgeip & ~bit);
    if (n == ht->hgeip)
      return;
    ht->hgeip = n;
    emit(p, AIA_EV_HGEIP, ht->index, file, 0, msi, n);
    /* Software that polls hgeip (KVM's halt polling) must see the change
     * even when mip does not move (the bit is not armed in hgeie). */
    if (compute_mip(p, ht) == ht->mip) {
      notify(p, ht->index, false);
      return;
    }
  }
  update_hart(p, ht);
}

static void job_fire(aia_sim *sim, aia__ev *ev)
{
  aia__hw_job *j = AIA__CONTAINER_OF(ev, aia__hw_job, pe.ev);
  aia_platform *p = j->p;
  uint32_t kind = j->kind, hart = j->hart, file = j->file, value = j->value;
  uint64_t msi = j->msi;
  aia__hart *ht = &p->harts[hart];
  (void)sim;
  job_release(p, j);
  switch (kind) {
  case JOB_LAND: {
    bool oom = false, was = aia__ifile_is_pending(&ht->files[file], value);
    if (aia__ifile_set_pending(&ht->files[file], value, &oom)) {
      emit(p, AIA_EV_MSI_LANDED, hart, file, value, msi, was ? 1 : 0);
      file_changed(p, hart, file, msi);
    } else {
      emit(p, AIA_EV_MSI_DROPPED, hart, file, value, msi, oom ? 1 : 0);
    }
    break;
  }
  case JOB_LINE:
    line_reaches_hart(p, ht, file, value != 0, msi);
    break;
  case JOB_IPI:
    if (!ht->ssip) {
      ht->ssip = true;
      emit(p, AIA_EV_IPI_DELIVER, hart, AIA_NONE, 0, msi, 0);
      update_hart(p, ht);
    } else {
      emit(p, AIA_EV_IPI_DELIVER, hart, AIA_NONE, 0, msi, 1); /* arg 1: already pending */
    }
    break;
  default:
    break;
  }
}

/* ------------------------------------------------------------ files ---- */

static int file_ref(const aia_platform *p, uint32_t hart, uint32_t file)
{
  if (p == NULL)
    return AIA_EINVAL;
  if (hart >= p->cfg.harts || file > p->cfg.geilen)
    return aia__sim_fail(p->sim, AIA_ERANGE, "hw: hart %u file %u out of range (harts=%u geilen=%u)",
                         hart, file, p->cfg.harts, p->cfg.geilen);
  return AIA_OK;
}

int aia_file_ireg(aia_platform *p, uint32_t hart, uint32_t file, uint32_t iselect, aia_csr_op op,
                  uint64_t value, uint64_t *old)
{
  int rc = file_ref(p, hart, file);
  if (rc != AIA_OK)
    return rc;
  aia__ifile *f = &p->harts[hart].files[file];
  bool eip_reg = iselect >= AIA_ISEL_EIP0 && iselect < AIA_ISEL_EIE0;
  uint64_t before[32] = { 0 };
  if (eip_reg && op != AIA_CSR_READ && f->bits)
    memcpy(before, f->bits, f->words * sizeof *before);
  rc = aia__ifile_ireg(f, iselect, op, value, old);
  if (rc == AIA_EILLEGAL)
    return aia__sim_fail(p->sim, rc, "hw: iselect 0x%x is not an implemented register (RV%u)",
                         iselect, p->cfg.xlen);
  if (rc != AIA_OK)
    return rc;
  if (op == AIA_CSR_READ)
    return AIA_OK;
  if (eip_reg && f->bits) /* report each pending bit the write cleared */
    for (uint32_t w = 0; w < f->words; w++) {
      uint64_t gone = before[w] & ~f->bits[w];
      while (gone) {
        uint32_t b = (uint32_t)__builtin_ctzll(gone);
        gone &= gone - 1;
        emit(p, AIA_EV_EIP_CLEAR, hart, file, w * 64 + b, 0, 1); /* arg 1: CSR write */
      }
    }
  file_changed(p, hart, file, 0);
  return AIA_OK;
}

int aia_file_topei(aia_platform *p, uint32_t hart, uint32_t file, aia_csr_op op, uint64_t *old)
{
  int rc = file_ref(p, hart, file);
  uint32_t iid;
  if (rc != AIA_OK)
    return rc;
  if ((unsigned)op > AIA_CSR_CLEAR)
    return AIA_EINVAL;
  aia__ifile *f = &p->harts[hart].files[file];
  if (op == AIA_CSR_READ) {
    iid = aia__ifile_topei(f);
  } else {
    iid = aia__ifile_claim(f);
    if (iid != 0) {
      emit(p, AIA_EV_EIP_CLEAR, hart, file, iid, 0, 0);
      file_changed(p, hart, file, 0);
    }
  }
  if (old)
    *old = ((uint64_t)iid << 16) | iid;
  return AIA_OK;
}

int aia_file_set_pending(aia_platform *p, uint32_t hart, uint32_t file, uint32_t iid, uint64_t msi)
{
  int rc = file_ref(p, hart, file);
  bool oom = false;
  if (rc != AIA_OK)
    return rc;
  bool was = aia__ifile_is_pending(&p->harts[hart].files[file], iid);
  if (aia__ifile_set_pending(&p->harts[hart].files[file], iid, &oom)) {
    emit(p, AIA_EV_MSI_LANDED, hart, file, iid, msi, was ? 1 : 0);
    file_changed(p, hart, file, msi);
  } else {
    emit(p, AIA_EV_MSI_DROPPED, hart, file, iid, msi, oom ? 1 : 0);
    if (oom)
      return aia__sim_fail(p->sim, AIA_ENOMEM, "hw: out of memory for file bits");
  }
  return AIA_OK;
}

static const aia__ifile *cfile(const aia_platform *p, uint32_t hart, uint32_t file)
{
  if (p == NULL || hart >= p->cfg.harts || file > p->cfg.geilen)
    return NULL;
  return &p->harts[hart].files[file];
}

bool aia_file_is_pending(const aia_platform *p, uint32_t hart, uint32_t file, uint32_t iid)
{
  const aia__ifile *f = cfile(p, hart, file);
  return f && aia__ifile_is_pending(f, iid);
}

bool aia_file_is_enabled(const aia_platform *p, uint32_t hart, uint32_t file, uint32_t iid)
{
  const aia__ifile *f = cfile(p, hart, file);
  return f && aia__ifile_is_enabled(f, iid);
}

bool aia_file_line(const aia_platform *p, uint32_t hart, uint32_t file)
{
  const aia__ifile *f = cfile(p, hart, file);
  return f && aia__ifile_line(f);
}

uint32_t aia_file_ids(const aia_platform *p, uint32_t hart, uint32_t file)
{
  const aia__ifile *f = cfile(p, hart, file);
  return f ? f->ids : 0;
}

int aia_file_save(aia_platform *p, uint32_t hart, uint32_t file, aia_file_image *img, bool clear)
{
  int rc = file_ref(p, hart, file);
  if (rc != AIA_OK)
    return rc;
  if (img == NULL)
    return AIA_EINVAL;
  aia__ifile_save(&p->harts[hart].files[file], img, clear);
  if (clear)
    file_changed(p, hart, file, 0);
  return AIA_OK;
}

int aia_file_restore(aia_platform *p, uint32_t hart, uint32_t file, const aia_file_image *img)
{
  int rc = file_ref(p, hart, file);
  if (rc != AIA_OK)
    return rc;
  if (img == NULL)
    return AIA_EINVAL;
  rc = aia__ifile_restore(&p->harts[hart].files[file], img);
  if (rc != AIA_OK)
    return aia__sim_fail(p->sim, rc, "hw: out of memory restoring a file");
  file_changed(p, hart, file, 0);
  return AIA_OK;
}

/* ------------------------------------------------------------ MMIO ----- */

int aia_file_address(const aia_platform *p, uint32_t hart, uint32_t file, uint64_t *pa)
{
  if (p == NULL || pa == NULL)
    return AIA_EINVAL;
  if (hart >= p->cfg.harts || file > p->cfg.geilen)
    return AIA_ERANGE;
  *pa = p->cfg.imsic_base + (uint64_t)hart * p->cfg.hart_stride + (uint64_t)file * AIA_MMIO_PAGE;
  return AIA_OK;
}

int aia_mmio_decode(const aia_platform *p, uint64_t pa, uint32_t *hart, uint32_t *file,
                    uint32_t *offset)
{
  uint64_t off, h, within;
  if (p == NULL)
    return AIA_EINVAL;
  if (pa < p->cfg.imsic_base)
    return AIA_ENODEV;
  off = pa - p->cfg.imsic_base;
  h = off / p->cfg.hart_stride;
  within = off % p->cfg.hart_stride;
  if (h >= p->cfg.harts || within / AIA_MMIO_PAGE > p->cfg.geilen)
    return AIA_ENODEV;
  if (hart)
    *hart = (uint32_t)h;
  if (file)
    *file = (uint32_t)(within / AIA_MMIO_PAGE);
  if (offset)
    *offset = (uint32_t)(within % AIA_MMIO_PAGE);
  return AIA_OK;
}

static uint32_t bswap32(uint32_t v)
{
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

int aia_mmio_write(aia_platform *p, uint64_t pa, uint32_t size, uint32_t value, uint64_t msi)
{
  uint32_t hart, file, offset, iid;
  int rc;
  if (p == NULL)
    return AIA_EINVAL;
  rc = aia_mmio_decode(p, pa, &hart, &file, &offset);
  if (rc != AIA_OK)
    return aia__sim_fail(p->sim, rc, "hw: no interrupt file at 0x%llx", (unsigned long long)pa);
  if (size != 4 || (pa & 3u) != 0)
    return aia__sim_fail(p->sim, AIA_EACCESS,
                         "hw: %u-byte access at 0x%llx: only aligned 32-bit accesses", size,
                         (unsigned long long)pa);
  if (offset == AIA_MMIO_SETEIPNUM_LE)
    iid = value;
  else if (offset == AIA_MMIO_SETEIPNUM_BE)
    iid = bswap32(value);
  else
    return AIA_OK; /* read-only zero register: the write is ignored */
  emit(p, AIA_EV_MSI_POSTED, hart, file, iid, msi, pa);
  /* Posted: lands msi_write later, never before an earlier write to the
   * same file (one file sees its writes in issue order). */
  aia__hart *ht = &p->harts[hart];
  aia_cycle when = p->sim->now + p->cfg.msi_write + aia_jitter_draw(&p->rng, &p->cfg.jitter_msi_write);
  if (when < ht->last_land[file])
    when = ht->last_land[file];
  ht->last_land[file] = when;
  return post(p, JOB_LAND, when, AIA_PH_DELIVER, hart, file, iid, msi);
}

int aia_mmio_read(const aia_platform *p, uint64_t pa, uint32_t size, uint32_t *value)
{
  int rc;
  if (p == NULL || value == NULL)
    return AIA_EINVAL;
  rc = aia_mmio_decode(p, pa, NULL, NULL, NULL);
  if (rc != AIA_OK)
    return rc;
  if (size != 4 || (pa & 3u) != 0)
    return AIA_EACCESS;
  *value = 0;
  return AIA_OK;
}

/* ------------------------------------------------------------ harts ---- */

static aia__hart *hart_ref(aia_platform *p, uint32_t hart)
{
  if (p == NULL)
    return NULL;
  if (hart >= p->cfg.harts) {
    aia__sim_fail(p->sim, AIA_ERANGE, "hw: hart %u out of range (harts=%u)", hart, p->cfg.harts);
    return NULL;
  }
  return &p->harts[hart];
}

static const aia__hart *chart(const aia_platform *p, uint32_t hart)
{
  return (p && hart < p->cfg.harts) ? &p->harts[hart] : NULL;
}

int aia_hart_ireg(aia_platform *p, uint32_t hart, bool vs, uint32_t iselect, aia_csr_op op,
                  uint64_t value, uint64_t *old)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if (vs && ht->vgein == 0)
    return aia__sim_fail(p->sim, AIA_EVIRTUAL, "hw: hart %u: VS-level access with VGEIN = 0", hart);
  int rc = aia_file_ireg(p, hart, vs ? ht->vgein : 0, iselect, op, value, old);
  /* From VS-mode an unimplemented register is a virtual-instruction fault. */
  return (vs && rc == AIA_EILLEGAL) ? AIA_EVIRTUAL : rc;
}

int aia_hart_topei(aia_platform *p, uint32_t hart, bool vs, aia_csr_op op, uint64_t *old)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if (vs && ht->vgein == 0)
    return aia__sim_fail(p->sim, AIA_EVIRTUAL, "hw: hart %u: vstopei access with VGEIN = 0", hart);
  return aia_file_topei(p, hart, vs ? ht->vgein : 0, op, old);
}

uint64_t aia_hart_hgeip(const aia_platform *p, uint32_t hart)
{
  const aia__hart *ht = chart(p, hart);
  return ht ? ht->hgeip : 0;
}

int aia_hart_hgeie(aia_platform *p, uint32_t hart, aia_csr_op op, uint64_t value, uint64_t *old)
{
  aia__hart *ht = hart_ref(p, hart);
  uint64_t writable, n;
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if ((unsigned)op > AIA_CSR_CLEAR)
    return AIA_EINVAL;
  /* Bits geilen:1 are writable, the rest read 0. */
  writable = (p->cfg.geilen >= 63 ? UINT64_MAX : ((UINT64_C(1) << (p->cfg.geilen + 1)) - 1)) &
             ~UINT64_C(1);
  if (p->cfg.xlen == 32)
    value &= UINT64_C(0xffffffff);
  if (old)
    *old = ht->hgeie;
  switch (op) {
  case AIA_CSR_WRITE:
    n = value;
    break;
  case AIA_CSR_SET:
    n = ht->hgeie | value;
    break;
  case AIA_CSR_CLEAR:
    n = ht->hgeie & ~value;
    break;
  default:
    return AIA_OK;
  }
  n &= writable;
  if (n != ht->hgeie) {
    ht->hgeie = n;
    emit(p, AIA_EV_HGEIE, hart, AIA_NONE, 0, 0, n);
    update_hart(p, ht);
  }
  return AIA_OK;
}

int aia_hart_set_vgein(aia_platform *p, uint32_t hart, uint32_t vgein)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if (vgein > p->cfg.geilen)
    return aia__sim_fail(p->sim, AIA_ERANGE, "hw: hart %u: VGEIN %u > geilen %u", hart, vgein,
                         p->cfg.geilen);
  ht->vgein = vgein;
  update_hart(p, ht);
  return AIA_OK;
}

uint32_t aia_hart_vgein(const aia_platform *p, uint32_t hart)
{
  const aia__hart *ht = chart(p, hart);
  return ht ? ht->vgein : 0;
}

int aia_hart_set_hvip(aia_platform *p, uint32_t hart, uint64_t hvip)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  ht->hvip = hvip & (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP);
  update_hart(p, ht);
  return AIA_OK;
}

int aia_hart_set_ie(aia_platform *p, uint32_t hart, uint64_t ie)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  ht->ie = ie;
  check_idle_wake(p, ht);
  notify(p, hart, false);
  return AIA_OK;
}

uint64_t aia_hart_ie(const aia_platform *p, uint32_t hart)
{
  const aia__hart *ht = chart(p, hart);
  return ht ? ht->ie : 0;
}

int aia_hart_set_sie(aia_platform *p, uint32_t hart, bool on)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if (ht->sie != on) {
    ht->sie = on;
    if (on && (ht->mip & ht->ie))
      notify(p, hart, false); /* interrupts held back may now be taken */
  }
  return AIA_OK;
}

int aia_hart_set_virt(aia_platform *p, uint32_t hart, bool v)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  ht->virt = v;
  return AIA_OK;
}

bool aia_hart_virt(const aia_platform *p, uint32_t hart)
{
  const aia__hart *ht = chart(p, hart);
  return ht && ht->virt;
}

uint64_t aia_hart_mip(const aia_platform *p, uint32_t hart)
{
  const aia__hart *ht = chart(p, hart);
  return ht ? ht->mip : 0;
}

uint32_t aia_hart_hs_irq(const aia_platform *p, uint32_t hart)
{
  static const uint8_t order[] = { AIA_IRQ_SEI, AIA_IRQ_SSI, AIA_IRQ_STI, AIA_IRQ_SGEI };
  const aia__hart *ht = chart(p, hart);
  uint64_t pend;
  if (ht == NULL || !(ht->virt || ht->sie))
    return 0;
  pend = ht->mip & ht->ie;
  for (size_t i = 0; i < sizeof order; i++)
    if ((pend >> order[i]) & 1u)
      return order[i];
  return 0;
}

int aia_hart_send_ipi(aia_platform *p, uint32_t from, uint32_t to, uint64_t msi)
{
  if (p == NULL)
    return AIA_EINVAL;
  if (from >= p->cfg.harts || to >= p->cfg.harts)
    return aia__sim_fail(p->sim, AIA_ERANGE, "hw: IPI %u -> %u: hart out of range (harts=%u)",
                         from, to, p->cfg.harts);
  emit(p, AIA_EV_IPI_SEND, to, AIA_NONE, 0, msi, from);
  return post(p, JOB_IPI,
              p->sim->now + p->cfg.ipi_deliver + aia_jitter_draw(&p->rng, &p->cfg.jitter_ipi_deliver),
              AIA_PH_UPDATE, to, 0, 0, msi);
}

int aia_hart_clear_ipi(aia_platform *p, uint32_t hart)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if (ht->ssip) {
    ht->ssip = false;
    update_hart(p, ht);
  }
  return AIA_OK;
}

int aia_hart_wfi(aia_platform *p, uint32_t hart)
{
  aia__hart *ht = hart_ref(p, hart);
  if (ht == NULL)
    return p ? AIA_ERANGE : AIA_EINVAL;
  if (ht->idle)
    return AIA_OK;
  ht->idle = true;
  emit(p, AIA_EV_HART_IDLE, hart, AIA_NONE, 0, 0, 0);
  check_idle_wake(p, ht);
  return AIA_OK;
}

bool aia_hart_is_idle(const aia_platform *p, uint32_t hart)
{
  const aia__hart *ht = chart(p, hart);
  return ht && ht->idle;
}
