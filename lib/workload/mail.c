/* lib/workload/mail.c: the mailbox item kinds of the workload layer: an MSI
 * addressed to a vCPU, and a raw physical MMIO write. The mailbox (core)
 * carries the items; these handlers give them their meaning at their cycle.
 * SPDX-License-Identifier: MIT */
#include "aiasim/workload.h"
#include "kvm/kvm_impl.h"

static int deliver_msi(void *user, aia_sim *sim, const aia_mail *m)
{
  aia_kvm *kvm = user;
  aia_vm *vm = aia_kvm_vm(kvm, m->w[0] > UINT32_MAX ? UINT32_MAX : (uint32_t)m->w[0]);
  aia_vcpu *v = vm && m->w[1] <= UINT32_MAX ? aia_vm_vcpu(vm, (uint32_t)m->w[1]) : NULL;
  if (v == NULL)
    return aia__sim_fail(sim, AIA_EINVAL,
                         "mailbox: MSI from source %u for VM %llu vCPU %llu: no such vCPU",
                         m->source, (unsigned long long)m->w[0], (unsigned long long)m->w[1]);
  if (m->w[2] > UINT32_MAX || m->w[3] > AIA_PATH_DIRECT)
    return aia__sim_fail(sim, AIA_EINVAL, "mailbox: MSI from source %u: bad identity or path",
                         m->source);
  return aia_workload_send(kvm, v, (uint32_t)m->w[2], (aia_msi_path)m->w[3], NULL);
}

int aia_workload_mmio_write(aia_kvm *kvm, uint64_t pa, uint32_t value, uint64_t *msi_out)
{
  uint32_t hart, file, off;
  if (msi_out)
    *msi_out = 0;
  if (kvm == NULL)
    return AIA_EINVAL;
  int rc = aia_mmio_decode(kvm->plat, pa, &hart, &file, &off);
  if (rc != AIA_OK)
    return aia__sim_fail(kvm->sim, rc, "MMIO write to 0x%llx: no interrupt file there",
                         (unsigned long long)pa);
  if (pa & 3u)
    return aia_mmio_write(kvm->plat, pa, 4, value, 0); /* AIA_EACCESS, nothing posted */
  uint64_t msi = ++kvm->next_msi;
  /* Name the vCPU that owns the target guest file now (what an IOMMU-
   * remapped device MSI would reach), as aia_kvm_inject_direct does. */
  if (file >= 1 && file < 64 && hart < kvm->nharts &&
      (off == AIA_MMIO_SETEIPNUM_LE || off == AIA_MMIO_SETEIPNUM_BE)) {
    aia_vcpu *owner = kvm->harts[hart].owners[file];
    if (owner)
      aia__kvm_emit(kvm, AIA_EV_MSI_SOURCE, owner, AIA_NONE,
                    off == AIA_MMIO_SETEIPNUM_BE ? aia__swab32(value) : value, msi, 1);
  }
  if (msi_out)
    *msi_out = msi;
  return aia_mmio_write(kvm->plat, pa, 4, value, msi);
}

static int deliver_mmio(void *user, aia_sim *sim, const aia_mail *m)
{
  aia_kvm *kvm = user;
  int rc = aia_workload_mmio_write(kvm, m->w[0], (uint32_t)m->w[1], NULL);
  if (rc == AIA_ENODEV)
    return aia__sim_fail(sim, rc, "mailbox: MMIO write from source %u to 0x%llx: no device",
                         m->source, (unsigned long long)m->w[0]);
  return rc;
}

int aia_workload_mailbox(aia_kvm *kvm, aia_mailbox *mb)
{
  int rc;
  if (kvm == NULL || mb == NULL || aia_mailbox_sim(mb) != kvm->sim)
    return AIA_EINVAL;
  rc = aia_mailbox_set_handler(mb, AIA_MAIL_MSI, deliver_msi, NULL, kvm);
  if (rc == AIA_OK)
    rc = aia_mailbox_set_handler(mb, AIA_MAIL_MMIO, deliver_mmio, NULL, kvm);
  return rc;
}

int aia_mailbox_post_msi(aia_mailbox *mb, aia_cycle cycle, uint32_t source, uint32_t vm,
                         uint32_t vcpu, uint32_t iid, aia_msi_path path, uint64_t *seq)
{
  aia_mail m = { .cycle = cycle, .source = source, .kind = AIA_MAIL_MSI,
                 .w = { vm, vcpu, iid, (uint64_t)path } };
  return aia_mailbox_post(mb, &m, seq);
}

int aia_mailbox_post_mmio(aia_mailbox *mb, aia_cycle cycle, uint32_t source, uint64_t pa,
                          uint32_t value, uint64_t *seq)
{
  aia_mail m = { .cycle = cycle, .source = source, .kind = AIA_MAIL_MMIO,
                 .w = { pa, value, 4, 0 } };
  return aia_mailbox_post(mb, &m, seq);
}
