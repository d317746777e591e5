// aiasim/systemc.hpp: aiasim inside a SystemC / TLM-2.0 virtual platform.
// SPDX-License-Identifier: MIT
//
// C++17 over aiasim's public C API only. Three modules:
//
//   aiasim::sc::system   the model (an aia_sim with its platform and, when
//                        built from a scenario, the KVM side): one TLM-2.0
//                        target socket `imsic` for the MMIO pages of every
//                        hart's interrupt files (physical addresses, as a
//                        DMA engine or an IOMMU-remapped device writes
//                        them), and per hart the interrupt lines the model
//                        drives, `seip`, `sgeip`, `vseip` (VSEIP of the
//                        current VGEIN) and `ssip`, as output ports of
//                        bool (sc_out<bool> that may stay unbound; bind
//                        them to sc_signal<bool>). A CPU
//                        model reads and writes the harts' AIA CSRs through
//                        plain calls (csr_ireg, csr_topei, mip).
//   aiasim::sc::vm_msi   a VM's MSI doorbell as KVM sees it: one 4 KiB page
//                        per vCPU (seteipnum_le at +0, seteipnum_be at +4);
//                        a write is an MSI through KVM's injection routine
//                        (KVM_SIGNAL_MSI / an irqfd), with the scenario's
//                        policy (kick, nokick, wake_first).
//   aiasim::sc::aplic    a platform APLIC (aiasim/aplic.h): a target socket
//                        for its domains' registers and one input per
//                        wired source.
//
// Time: a cycle of the simulation's clock (clock_hz) is 1/clock_hz of
// SystemC time. The model follows SystemC time: with the quantum at one
// cycle (exact mode, the default) it never runs ahead, every transaction
// takes effect at exactly sc_time_stamp() + its annotated delay, and the
// lines change at the exact cycle the C API alone gives. With a larger
// quantum (set_quantum, or tlm::tlm_global_quantum) the model runs ahead by
// up to one quantum, as a loosely-timed initiator does: lines still change
// at their exact cycle, but a transaction whose time the model has passed
// takes effect at the model's current cycle instead (counted in stats()).
//
// Bad transactions get an error response, never an exception or a crash:
// data length other than 4 or a streaming width below it
// (TLM_BURST_ERROR_RESPONSE), byte enables that are not all on
// (TLM_BYTE_ENABLE_ERROR_RESPONSE), no interrupt file / no vCPU page at the
// address or an address not 4-byte aligned (TLM_ADDRESS_ERROR_RESPONSE).
// DMI is refused (get_direct_mem_ptr returns false): the pages are
// registers, not memory. Reads return 0 (every register of an IMSIC page
// reads 0); TLM_IGNORE_COMMAND succeeds and does nothing.
#ifndef AIASIM_SYSTEMC_HPP
#define AIASIM_SYSTEMC_HPP

#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "aiasim/aiasim.h"
#include "aiasim/run.h"

namespace aiasim {
namespace sc {

// Counters of one module's socket traffic.
struct socket_stats {
  std::uint64_t transactions = 0; // b_transport calls
  std::uint64_t writes = 0;       // writes that reached the model
  std::uint64_t errors = 0;       // answered with an error response
  std::uint64_t late = 0;         // took effect after their time (quantum > 1 cycle)
  std::uint64_t late_cycles = 0;  // by how much, summed
  std::uint64_t late_max = 0;     // and at most
};

// An output line: an sc_out<bool> that may be left unbound (a platform
// that does not need a line leaves it; every port is optional).
using line_port = sc_core::sc_port<sc_core::sc_signal_inout_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

// A target socket that may be left unbound too.
template <typename M>
using target_socket = tlm_utils::simple_target_socket_optional<M>;

class system : public sc_core::sc_module {
public:
  // The model of a scenario (aia_scenario_build), KVM side included. The
  // system is borrowed: destroy it after the SystemC simulation.
  system(sc_core::sc_module_name name, aia_system *sys);
  // A bare model: a simulation and its platform (kvm may be NULL: then
  // `imsic` writes are plain posted MMIO writes, untagged).
  system(sc_core::sc_module_name name, aia_sim *sim, aia_platform *plat, aia_kvm *kvm = nullptr);
  ~system() override;

  target_socket<system> imsic;
  sc_core::sc_vector<line_port> seip, sgeip, vseip, ssip;

  // Physical address the `imsic` socket's address 0 stands for; default 0
  // (the interconnect passes physical addresses through).
  void set_imsic_base(std::uint64_t base) { imsic_base_ = base; }

  // The synchronisation quantum; one cycle (or less, or zero) is exact mode.
  // Before sc_start or between runs. Default: tlm_global_quantum if set,
  // else one cycle.
  void set_quantum(const sc_core::sc_time &q);
  sc_core::sc_time quantum() const { return quantum_; }
  bool exact() const { return exact_; }

  // Cycle <-> SystemC time through the simulation's clock.
  aia_cycle to_cycles(const sc_core::sc_time &t) const;
  sc_core::sc_time to_time(aia_cycle c) const;

  // Brings the model to SystemC time now + offset (never backwards), as a
  // CPU model does before it reads the harts' state. Returns the model's
  // cycle.
  aia_cycle sync(const sc_core::sc_time &offset = sc_core::SC_ZERO_TIME);

  // The harts' AIA CSRs for a CPU model (aiasim/hw.h: aia_hart_ireg,
  // aia_hart_topei, aia_hart_mip), at the caller's local time (offset).
  int csr_ireg(std::uint32_t hart, bool vs, std::uint32_t iselect, aia_csr_op op,
               std::uint64_t value, std::uint64_t *old,
               const sc_core::sc_time &offset = sc_core::SC_ZERO_TIME);
  int csr_topei(std::uint32_t hart, bool vs, aia_csr_op op, std::uint64_t *old,
                const sc_core::sc_time &offset = sc_core::SC_ZERO_TIME);
  std::uint64_t mip(std::uint32_t hart, const sc_core::sc_time &offset = sc_core::SC_ZERO_TIME);

  aia_sim *sim() const { return sim_; }
  aia_platform *platform() const { return plat_; }
  aia_kvm *kvm() const { return kvm_; }
  const socket_stats &stats() const { return stats_; }

  // For vm_msi: the model at the transaction's time (late ones counted).
  void advance_for(const sc_core::sc_time &at, socket_stats &st);
  void wake() { kick_.notify(sc_core::SC_ZERO_TIME); }

private:
  struct change {
    aia_cycle cycle;
    std::uint32_t hart;
    std::uint64_t lines;
  };
  void init();
  void run();
  void flush(aia_cycle upto);
  void put(std::uint32_t hart, std::uint64_t lines);
  void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload &p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d);
  static void on_hart(void *user, std::uint32_t hart, bool woke);

  aia_sim *sim_ = nullptr;
  aia_platform *plat_ = nullptr;
  aia_kvm *kvm_ = nullptr;
  std::uint32_t harts_ = 0;
  std::uint64_t hz_ = 1;
  std::uint64_t imsic_base_ = 0;
  sc_core::sc_time quantum_;
  bool exact_ = true;
  bool quantum_set_ = false;
  std::vector<std::uint64_t> last_;  // last lines queued, per hart
  std::deque<change> changes_;       // line changes not yet on the ports
  sc_core::sc_event kick_;
  socket_stats stats_;
};

class vm_msi : public sc_core::sc_module {
public:
  // sys must have been built from a scenario (it has a KVM side).
  vm_msi(sc_core::sc_module_name name, system &sys, std::uint32_t vm);
  target_socket<vm_msi> socket;
  const socket_stats &stats() const { return stats_; }

private:
  void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d);
  system &sys_;
  aia_vm *vm_;
  socket_stats stats_;
};

// The APLIC of a platform (aiasim/aplic.h) as a module: a target socket
// `mmio` for every domain's control region (physical addresses; a read of
// claimi claims, so debug reads are refused), and one input per wired
// source, `irq[1..sources]` (irq[0] is unused), as ports of bool that may
// stay unbound. An input change reaches the APLIC at the cycle of its
// SystemC time; what the APLIC delivers shows on the system's ports (MSIs
// land in the interrupt files, direct-mode lines drive SEIP).
using input_port = sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

class aplic : public sc_core::sc_module {
public:
  aplic(sc_core::sc_module_name name, system &sys, aia_aplic *a);
  target_socket<aplic> mmio;
  sc_core::sc_vector<input_port> irq;
  const socket_stats &stats() const { return stats_; }

private:
  void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload &p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d);
  void inputs();
  void end_of_elaboration() override;
  system &sys_;
  aia_aplic *a_;
  std::vector<bool> level_;
  socket_stats stats_;
};

// The checks shared by both sockets: a 4-byte, 4-byte-aligned transaction
// with every byte enabled. Sets the error response and returns false when
// it is not.
bool check_payload(tlm::tlm_generic_payload &p);

} // namespace sc
} // namespace aiasim

#endif
