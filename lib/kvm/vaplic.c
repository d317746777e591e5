/* lib/kvm/vaplic.c: KVM's in-kernel APLIC of a VM (arch/riscv/kvm/aia_aplic.c)
 * and the by-identity MSI injection it uses (kvm_riscv_aia_inject_msi_by_id,
 * arch/riscv/kvm/aia.c). MSI delivery mode only, one domain, no delegation:
 * the emulation as the kernel has it, including where it differs from the
 * specification (docs/fidelity.md lists each difference).
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "aiasim/aplic.h"
#include "kvm/kvm_impl.h"

/* The kernel's per-source state bits (struct aplic_irq.state). */
#define ST_PENDING 1u
#define ST_ENABLED 2u
#define ST_ENPEND (ST_PENDING | ST_ENABLED)
#define ST_INPUT 0x100u

#define DOMAINCFG_RDONLY 0x80000000u
#define HART_SHIFT AIA_APLIC_TARGET_HART_SHIFT
#define GUEST_SHIFT AIA_APLIC_TARGET_GUEST_SHIFT
#define GUEST_MASK 0x3Fu
#define HART_MASK 0x3FFFu
#define EIID_MASK AIA_APLIC_TARGET_EIID_MASK

static void emit(aia_vaplic *a, uint32_t kind, const aia_vcpu *v, uint32_t hart, uint32_t iid,
                 uint64_t msi, uint64_t arg)
{
  aia__sim_record(a->kvm->sim, kind, hart, a->vm->index, v ? v->index : AIA_NONE, AIA_NONE, iid,
                  msi, arg);
}

/* kvm_riscv_aia_inject_msi_by_id: the vCPU whose id is hart_index gets
 * identity iid in guest file guest_index, through
 * kvm_riscv_vcpu_aia_imsic_inject. No such vCPU: nothing (the kernel
 * returns 0). From the injector (`from` = AIA_NONE: the line path, queued
 * there like any KVM MSI) or run synchronously on hart `from` (a trapped
 * guest access, emulated by the vCPU's own thread). */
static int inject_by_id(aia_vaplic *a, uint32_t hart_index, uint32_t guest_index, uint32_t iid,
                        uint32_t from, uint32_t source, uint32_t target)
{
  aia_kvm *kvm = a->kvm;
  aia_vcpu *v = aia_vm_vcpu(a->vm, hart_index);
  a->st.msis++;
  emit(a, AIA_EV_APLIC_MSI, v, from, iid, 0, (uint64_t)source << 32 | target);
  if (v == NULL) {
    a->st.msis_no_vcpu++;
    return AIA_OK;
  }
  if (from == AIA_NONE) {
    uint64_t id = ++kvm->next_msi;
    int rc = aia_kvm_inject(kvm, v, guest_index, AIA_MMIO_SETEIPNUM_LE, iid, id);
    if (rc == AIA_EBUSY)
      kvm->next_msi--; /* refused: the id was not used */
    return rc;
  }
  return aia__inject_now(kvm, v, guest_index, iid, from);
}

/* aplic_inject_msi: the target register's hart index, guest index, EIID. */
static void inject_msi(aia_vaplic *a, uint32_t irq, uint32_t target, uint32_t from)
{
  (void)inject_by_id(a, (target >> HART_SHIFT) & HART_MASK, (target >> GUEST_SHIFT) & GUEST_MASK,
                     target & EIID_MASK, from, irq, target);
}

/* aplic_update_irq_range: with domaincfg.IE, every enabled and pending
 * source loses its pending bit and is sent. */
static void update_range(aia_vaplic *a, uint32_t first, uint32_t last, uint32_t from)
{
  if (!(a->domaincfg & AIA_APLIC_DOMAINCFG_IE))
    return;
  for (uint32_t irq = first; irq <= last; irq++) {
    if (irq == 0 || irq >= a->nr_irqs)
      continue;
    aia__vaplic_irq *d = &a->irqs[irq];
    if ((d->state & ST_ENPEND) == ST_ENPEND) {
      d->state &= ~ST_PENDING;
      inject_msi(a, irq, d->target, from);
    }
  }
}

static uint32_t sm_of(const aia__vaplic_irq *d)
{
  return d->sourcecfg & 7u;
}

/* aplic_write_pending: level sources take a set only while their input is
 * asserted (the 2024 fix for the spec's "special consideration for
 * level-sensitive sources"; AIA_FAULT_APLIC_LEVEL_SETIP restores the
 * earlier unconditional set). Inactive sources ignore it. */
static void write_pending(aia_vaplic *a, uint32_t irq, bool pending)
{
  if (irq == 0 || irq >= a->nr_irqs)
    return;
  aia__vaplic_irq *d = &a->irqs[irq];
  uint32_t sm = sm_of(d);
  if (sm == AIA_SM_INACTIVE)
    return;
  if (pending && (sm == AIA_SM_LEVEL1 || sm == AIA_SM_LEVEL0) &&
      !(a->kvm->cfg.faults & AIA_FAULT_APLIC_LEVEL_SETIP)) {
    bool in = (d->state & ST_INPUT) != 0;
    if ((in && sm == AIA_SM_LEVEL0) || (!in && sm == AIA_SM_LEVEL1))
      return;
  }
  if (pending)
    d->state |= ST_PENDING;
  else
    d->state &= ~ST_PENDING;
}

/* aplic_write_enabled: no check of the source mode. */
static void write_enabled(aia_vaplic *a, uint32_t irq, bool on)
{
  if (irq == 0 || irq >= a->nr_irqs)
    return;
  if (on)
    a->irqs[irq].state |= ST_ENABLED;
  else
    a->irqs[irq].state &= ~ST_ENABLED;
}

/* aplic_read_input: the rectified input (the wire XOR the inverted modes);
 * 0 for inactive or delegated sources. */
static bool read_input(const aia_vaplic *a, uint32_t irq)
{
  if (irq == 0 || irq >= a->nr_irqs)
    return false;
  const aia__vaplic_irq *d = &a->irqs[irq];
  uint32_t sm = sm_of(d);
  if ((d->sourcecfg & AIA_APLIC_SOURCECFG_D) || sm == AIA_SM_INACTIVE)
    return false;
  bool raw = (d->state & ST_INPUT) != 0;
  bool inv = sm == AIA_SM_LEVEL0 || sm == AIA_SM_EDGE0;
  return raw != inv;
}

static uint32_t word(const aia_vaplic *a, uint32_t w, int what)
{
  uint32_t v = 0;
  for (uint32_t i = 0; i < 32; i++) {
    uint32_t irq = w * 32u + i;
    if (irq == 0 || irq >= a->nr_irqs)
      continue;
    uint32_t st = a->irqs[irq].state;
    bool bit = what == 0 ? (st & ST_PENDING) != 0 : what == 1 ? read_input(a, irq) : (st & ST_ENABLED) != 0;
    if (bit)
      v |= 1u << i;
  }
  return v;
}

static bool in_words(const aia_vaplic *a, uint32_t off, uint32_t base)
{
  return off >= base && off < base + a->nr_words * 4u;
}

static bool in_irqs(const aia_vaplic *a, uint32_t off, uint32_t base)
{
  return off >= base && off < base + (a->nr_irqs - 1u) * 4u;
}

/* aplic_mmio_read_offset. */
static int read_offset(aia_vaplic *a, uint32_t off, uint32_t *val)
{
  if (off & 3u)
    return AIA_EACCESS;
  if (off == AIA_APLIC_DOMAINCFG)
    *val = DOMAINCFG_RDONLY | a->domaincfg | AIA_APLIC_DOMAINCFG_DM;
  else if (in_irqs(a, off, AIA_APLIC_SOURCECFG))
    *val = a->irqs[(off - AIA_APLIC_SOURCECFG) / 4u + 1u].sourcecfg;
  else if (in_words(a, off, AIA_APLIC_SETIP))
    *val = word(a, (off - AIA_APLIC_SETIP) / 4u, 0);
  else if (in_words(a, off, AIA_APLIC_IN_CLRIP))
    *val = word(a, (off - AIA_APLIC_IN_CLRIP) / 4u, 1);
  else if (in_words(a, off, AIA_APLIC_SETIE))
    *val = word(a, (off - AIA_APLIC_SETIE) / 4u, 2);
  else if (off == AIA_APLIC_SETIPNUM || off == AIA_APLIC_CLRIPNUM || off == AIA_APLIC_SETIENUM ||
           off == AIA_APLIC_CLRIENUM || off == AIA_APLIC_SETIPNUM_LE ||
           off == AIA_APLIC_SETIPNUM_BE || in_words(a, off, AIA_APLIC_CLRIE))
    *val = 0;
  else if (off == AIA_APLIC_GENMSI)
    *val = a->genmsi;
  else if (in_irqs(a, off, AIA_APLIC_TARGET))
    *val = a->irqs[(off - AIA_APLIC_TARGET) / 4u + 1u].target;
  else
    return AIA_ENODEV; /* -ENODEV: no register the kernel emulates */
  return AIA_OK;
}

/* aplic_mmio_write_offset; every handled write ends with
 * aplic_update_irq_range over all sources. */
static int write_offset(aia_vaplic *a, uint32_t off, uint32_t val, uint32_t from)
{
  if (off & 3u)
    return AIA_EACCESS;
  if (off == AIA_APLIC_DOMAINCFG) {
    a->domaincfg = val & AIA_APLIC_DOMAINCFG_IE; /* only IE is writable */
  } else if (in_irqs(a, off, AIA_APLIC_SOURCECFG)) {
    /* aplic_write_sourcecfg: D written as 1 clears the register, else the
     * mode bits are kept as written (2 and 3 included) */
    uint32_t irq = (off - AIA_APLIC_SOURCECFG) / 4u + 1u;
    a->irqs[irq].sourcecfg = (val & AIA_APLIC_SOURCECFG_D) ? 0 : val & 7u;
  } else if (in_words(a, off, AIA_APLIC_SETIP)) {
    for (uint32_t i = 0; i < 32; i++)
      if ((val >> i) & 1u)
        write_pending(a, (off - AIA_APLIC_SETIP) / 4u * 32u + i, true);
  } else if (off == AIA_APLIC_SETIPNUM || off == AIA_APLIC_SETIPNUM_LE) {
    write_pending(a, val, true);
  } else if (off == AIA_APLIC_SETIPNUM_BE) {
    write_pending(a, aia__swab32(val), true);
  } else if (in_words(a, off, AIA_APLIC_IN_CLRIP)) {
    for (uint32_t i = 0; i < 32; i++)
      if ((val >> i) & 1u)
        write_pending(a, (off - AIA_APLIC_IN_CLRIP) / 4u * 32u + i, false);
  } else if (off == AIA_APLIC_CLRIPNUM) {
    write_pending(a, val, false);
  } else if (in_words(a, off, AIA_APLIC_SETIE)) {
    for (uint32_t i = 0; i < 32; i++)
      if ((val >> i) & 1u)
        write_enabled(a, (off - AIA_APLIC_SETIE) / 4u * 32u + i, true);
  } else if (off == AIA_APLIC_SETIENUM) {
    write_enabled(a, val, true);
  } else if (in_words(a, off, AIA_APLIC_CLRIE)) {
    for (uint32_t i = 0; i < 32; i++)
      if ((val >> i) & 1u)
        write_enabled(a, (off - AIA_APLIC_CLRIE) / 4u * 32u + i, false);
  } else if (off == AIA_APLIC_CLRIENUM) {
    write_enabled(a, val, false);
  } else if (off == AIA_APLIC_GENMSI) {
    a->genmsi = val & ~(GUEST_MASK << GUEST_SHIFT);
    (void)inject_by_id(a, (val >> HART_SHIFT) & HART_MASK, 0, val & EIID_MASK, from, 0, a->genmsi);
  } else if (in_irqs(a, off, AIA_APLIC_TARGET)) {
    /* aplic_write_target: hart index, guest index and EIID kept */
    a->irqs[(off - AIA_APLIC_TARGET) / 4u + 1u].target =
        val & (EIID_MASK | (HART_MASK << HART_SHIFT) | (GUEST_MASK << GUEST_SHIFT));
  } else {
    return AIA_ENODEV;
  }
  update_range(a, 1, a->nr_irqs - 1u, from);
  return AIA_OK;
}

/* ------------------------------------------------------------ public ---- */

int aia_vm_create_aplic(aia_vm *vm, uint32_t sources, aia_vaplic **out)
{
  if (out == NULL)
    return AIA_EINVAL;
  *out = NULL;
  if (vm == NULL)
    return AIA_EINVAL;
  aia_sim *sim = vm->kvm->sim;
  if (vm->aplic != NULL)
    return aia__sim_fail(sim, AIA_EINVAL, "vm %u: it has an in-kernel APLIC already", vm->index);
  if (sources == 0 || sources > AIA_APLIC_MAX_SOURCES)
    return aia__sim_fail(sim, AIA_EINVAL, "vm %u: APLIC sources %u: must be 1..%u", vm->index,
                         sources, AIA_APLIC_MAX_SOURCES);
  aia_vaplic *a = calloc(1, sizeof *a);
  if (a == NULL)
    return AIA_ENOMEM;
  a->vm = vm;
  a->kvm = vm->kvm;
  a->nr_irqs = sources + 1u; /* kvm_riscv_aia_aplic_init: nr_sources + 1 */
  a->nr_words = (a->nr_irqs + 31u) / 32u;
  a->irqs = calloc(a->nr_irqs, sizeof *a->irqs);
  a->devs = calloc(a->nr_irqs, sizeof *a->devs);
  if (a->irqs == NULL || a->devs == NULL) {
    aia__vaplic_free(a);
    return AIA_ENOMEM;
  }
  vm->aplic = a;
  *out = a;
  return AIA_OK;
}

aia_vaplic *aia_vm_aplic(const aia_vm *vm)
{
  return vm ? vm->aplic : NULL;
}

void aia__vaplic_free(aia_vaplic *a)
{
  if (a == NULL)
    return;
  free(a->irqs);
  free(a->devs);
  free(a);
}

int aia__vaplic_attach(aia_vaplic *a, uint32_t source, aia__vaplic_ack_fn fn, void *user)
{
  if (source == 0 || source >= a->nr_irqs)
    return aia__sim_fail(a->kvm->sim, AIA_EINVAL, "vm %u: APLIC source %u: must be 1..%u",
                         a->vm->index, source, a->nr_irqs - 1u);
  if (a->devs[source].fn != NULL)
    return aia__sim_fail(a->kvm->sim, AIA_EINVAL, "vm %u: APLIC source %u has a device already",
                         a->vm->index, source);
  a->devs[source].fn = fn;
  a->devs[source].user = user;
  return AIA_OK;
}

aia_cycle aia__vaplic_claimed(aia_vaplic *a, aia_vcpu *v, uint32_t iid, uint32_t *level_source)
{
  aia_cycle extra = 0;
  *level_source = 0;
  for (uint32_t irq = 1; irq < a->nr_irqs; irq++) {
    const aia__vaplic_irq *d = &a->irqs[irq];
    uint32_t sm = sm_of(d);
    if (sm == AIA_SM_INACTIVE || (d->target & EIID_MASK) != iid ||
        ((d->target >> HART_SHIFT) & HART_MASK) != v->index)
      continue;
    if (a->devs[irq].fn != NULL)
      extra += a->devs[irq].fn(a->devs[irq].user, v, irq);
    /* the guest driver (Linux's APLIC MSI driver) ends a level source's
     * handler with its number stored to setipnum_le */
    if (*level_source == 0 && (sm == AIA_SM_LEVEL1 || sm == AIA_SM_LEVEL0))
      *level_source = irq;
  }
  return extra;
}

/* kvm_riscv_aia_aplic_inject: KVM_IRQ_LINE or an irqfd for a wired
 * source, run on the injector. Edge modes set pending on their edge (if
 * not pending); level modes set it whenever the line is asserted and not
 * pending (the kernel does not clear it when the line drops); then an
 * enabled, pending source is sent at once. */
int aia_vaplic_set_line(aia_vaplic *a, uint32_t source, bool level)
{
  if (a == NULL)
    return AIA_EINVAL;
  if (source == 0 || source >= a->nr_irqs)
    return aia__sim_fail(a->kvm->sim, AIA_ENODEV, "vm %u: APLIC source %u: must be 1..%u",
                         a->vm->index, source, a->nr_irqs - 1u);
  aia__vaplic_irq *d = &a->irqs[source];
  bool ie = (a->domaincfg & AIA_APLIC_DOMAINCFG_IE) != 0, inject = false;
  a->st.line_calls++;
  emit(a, AIA_EV_WIRED, NULL, AIA_NONE, source, 0, level);
  if (d->sourcecfg & AIA_APLIC_SOURCECFG_D)
    return AIA_OK;
  bool in = (d->state & ST_INPUT) != 0, pend = (d->state & ST_PENDING) != 0;
  switch (sm_of(d)) {
  case AIA_SM_EDGE1:
    if (level && !in && !pend)
      d->state |= ST_PENDING;
    break;
  case AIA_SM_EDGE0:
    if (!level && in && !pend)
      d->state |= ST_PENDING;
    break;
  case AIA_SM_LEVEL1:
    if (level && !pend)
      d->state |= ST_PENDING;
    break;
  case AIA_SM_LEVEL0:
    if (!level && !pend)
      d->state |= ST_PENDING;
    break;
  default:
    break;
  }
  if (level)
    d->state |= ST_INPUT;
  else
    d->state &= ~ST_INPUT;
  uint32_t target = d->target;
  if (ie && (d->state & ST_ENPEND) == ST_ENPEND) {
    d->state &= ~ST_PENDING;
    inject = true;
  }
  if (inject)
    inject_msi(a, source, target, AIA_NONE);
  return AIA_OK;
}

int aia_vaplic_read(aia_vaplic *a, uint32_t offset, uint32_t *value)
{
  if (a == NULL || value == NULL)
    return AIA_EINVAL;
  uint32_t v = 0;
  int rc = read_offset(a, offset, &v);
  if (rc == AIA_OK)
    *value = v;
  return rc;
}

int aia_vaplic_write(aia_vaplic *a, uint32_t offset, uint32_t value)
{
  if (a == NULL)
    return AIA_EINVAL;
  return write_offset(a, offset, value, AIA_NONE);
}

/* A guest store trapped on the vCPU's hart: emulated there (the kick of
 * any injection it causes is then the vCPU's own). */
int aia__vaplic_guest_write(aia_vaplic *a, aia_vcpu *v, uint32_t offset, uint32_t value)
{
  uint32_t hart = v->cpu >= 0 ? (uint32_t)v->cpu : AIA_NONE;
  a->st.guest_writes++;
  emit(a, AIA_EV_APLIC_MMIO, v, hart, 0, 0, (uint64_t)1 << 32 | offset);
  int rc = write_offset(a, offset, value, hart);
  if (rc != AIA_OK)
    a->st.unhandled++;
  return rc;
}

int aia_vaplic_get_stats(const aia_vaplic *a, aia_vaplic_stats *st)
{
  if (a == NULL || st == NULL || st->struct_size < sizeof(size_t))
    return AIA_EINVAL;
  aia_vaplic_stats s = a->st;
  s.struct_size = st->struct_size;
  memcpy(st, &s, st->struct_size < sizeof s ? st->struct_size : sizeof s);
  return AIA_OK;
}
