// adapters/systemc/src/systemc.cpp: aiasim::sc::system and vm_msi.
// SPDX-License-Identifier: MIT
#define SC_INCLUDE_DYNAMIC_PROCESSES 1 // sc_spawn (aplic's input method)
#include "aiasim/systemc.hpp"

#include <cmath>
#include <functional>
#include <cstring>

namespace aiasim {
namespace sc {

using sc_core::sc_time;
using sc_core::sc_time_stamp;

namespace {

// mip bits the ports show (aiasim/hw.h causes).
constexpr std::uint64_t bit(std::uint32_t cause) { return std::uint64_t(1) << cause; }
constexpr std::uint64_t kLines =
    bit(AIA_IRQ_SEI) | bit(AIA_IRQ_SGEI) | bit(AIA_IRQ_VSEI) | bit(AIA_IRQ_SSI);

// Units of the SystemC time resolution per second (1e12 for the default
// picosecond resolution).
std::uint64_t units_per_second()
{
  return static_cast<std::uint64_t>(std::llround(1.0 / sc_core::sc_get_time_resolution().to_seconds()));
}

std::uint32_t le32(const unsigned char *b)
{
  return std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 |
         std::uint32_t(b[3]) << 24;
}

} // namespace

bool check_payload(tlm::tlm_generic_payload &p)
{
  if (p.get_data_length() != 4 || p.get_streaming_width() < 4) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (const unsigned char *be = p.get_byte_enable_ptr()) {
    unsigned int n = p.get_byte_enable_length();
    for (unsigned int i = 0; i < 4; i++)
      if (n == 0 || be[i % n] != TLM_BYTE_ENABLED) {
        p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
      }
  }
  if (p.get_address() & 3u) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  return true;
}

// ------------------------------------------------------------- system ----

system::system(sc_core::sc_module_name name, aia_system *sys)
    : sc_module(name), imsic("imsic"), seip("seip"), sgeip("sgeip"), vseip("vseip"), ssip("ssip"),
      sim_(aia_system_sim(sys)), plat_(aia_system_platform(sys)), kvm_(aia_system_kvm(sys))
{
  init();
}

system::system(sc_core::sc_module_name name, aia_sim *sim, aia_platform *plat, aia_kvm *kvm)
    : sc_module(name), imsic("imsic"), seip("seip"), sgeip("sgeip"), vseip("vseip"), ssip("ssip"),
      sim_(sim), plat_(plat), kvm_(kvm)
{
  init();
}

system::~system() = default;

void system::init()
{
  if (sim_ == nullptr || plat_ == nullptr)
    SC_REPORT_FATAL("aiasim", "aiasim::sc::system: no simulation or platform");
  aia_platform_config pc;
  aia_platform_get_config(plat_, &pc);
  harts_ = pc.harts;
  hz_ = aia_sim_clock_hz(sim_);
  seip.init(harts_);
  sgeip.init(harts_);
  vseip.init(harts_);
  ssip.init(harts_);
  last_.assign(harts_, 0);
  for (std::uint32_t h = 0; h < harts_; h++)
    last_[h] = aia_hart_mip(plat_, h) & kLines;
  sc_time gq = tlm::tlm_global_quantum::instance().get();
  quantum_ = gq > sc_core::SC_ZERO_TIME ? gq : to_time(1);
  exact_ = to_cycles(quantum_) <= 1;
  imsic.register_b_transport(this, &system::b_transport);
  imsic.register_transport_dbg(this, &system::transport_dbg);
  imsic.register_get_direct_mem_ptr(this, &system::get_direct_mem_ptr);
  if (aia_platform_listen(plat_, &system::on_hart, this) != AIA_OK)
    SC_REPORT_FATAL("aiasim", "aiasim::sc::system: cannot listen to the platform");
  SC_HAS_PROCESS(system);
  SC_THREAD(run);
}

void system::set_quantum(const sc_time &q)
{
  quantum_ = q > sc_core::SC_ZERO_TIME ? q : to_time(1);
  exact_ = to_cycles(quantum_) <= 1;
  quantum_set_ = true;
}

aia_cycle system::to_cycles(const sc_time &t) const
{
  unsigned __int128 v = static_cast<unsigned __int128>(t.value()) * hz_;
  return static_cast<aia_cycle>(v / units_per_second());
}

sc_time system::to_time(aia_cycle c) const
{
  // rounded up, so that to_cycles(to_time(c)) == c
  std::uint64_t ups = units_per_second();
  unsigned __int128 v = (static_cast<unsigned __int128>(c) * ups + hz_ - 1) / hz_;
  return sc_time::from_value(static_cast<sc_dt::uint64>(v));
}

// The platform tells which hart changed; the change is queued with the
// model's cycle and reaches the ports at that cycle of SystemC time.
void system::on_hart(void *user, std::uint32_t hart, bool woke)
{
  (void)woke;
  auto *self = static_cast<system *>(user);
  if (hart >= self->harts_)
    return;
  std::uint64_t lines = aia_hart_mip(self->plat_, hart) & kLines;
  if (lines == self->last_[hart])
    return;
  self->last_[hart] = lines;
  self->changes_.push_back({ aia_sim_now(self->sim_), hart, lines });
}

void system::put(std::uint32_t hart, std::uint64_t lines)
{
  line_port *ports[4] = { &seip[hart], &sgeip[hart], &vseip[hart], &ssip[hart] };
  const std::uint32_t causes[4] = { AIA_IRQ_SEI, AIA_IRQ_SGEI, AIA_IRQ_VSEI, AIA_IRQ_SSI };
  for (int i = 0; i < 4; i++)
    if (ports[i]->size() > 0)
      (*ports[i])->write((lines & bit(causes[i])) != 0);
}

void system::flush(aia_cycle upto)
{
  while (!changes_.empty() && changes_.front().cycle <= upto) {
    const change &c = changes_.front();
    put(c.hart, c.lines);
    changes_.pop_front();
  }
}

aia_cycle system::sync(const sc_time &offset)
{
  aia_cycle c = to_cycles(sc_time_stamp() + offset);
  if (c > aia_sim_now(sim_)) {
    int rc = aia_sim_run_until(sim_, c);
    if (rc != AIA_OK)
      SC_REPORT_ERROR("aiasim", aia_sim_errmsg(sim_));
    wake();
  }
  return aia_sim_now(sim_);
}

void system::advance_for(const sc_time &at, socket_stats &st)
{
  aia_cycle c = to_cycles(at), now = aia_sim_now(sim_);
  if (c > now) {
    int rc = aia_sim_run_until(sim_, c);
    if (rc != AIA_OK)
      SC_REPORT_ERROR("aiasim", aia_sim_errmsg(sim_));
  } else if (c < now) {
    st.late++;
    st.late_cycles += now - c;
    if (now - c > st.late_max)
      st.late_max = now - c;
  }
}

// Exact mode: the model runs to SystemC now, and the thread sleeps until
// the model's next event or the next queued line change, whichever comes
// first (a transaction wakes it). Quantum mode: the model runs one quantum
// ahead; the thread replays the quantum's line changes at their cycles.
void system::run()
{
  for (std::uint32_t h = 0; h < harts_; h++) // the lines as they are at the start
    put(h, last_[h]);
  for (;;) {
    aia_cycle now_c = to_cycles(sc_time_stamp());
    if (exact_) {
      if (now_c > aia_sim_now(sim_) || aia_sim_pending(sim_) > 0) {
        int rc = aia_sim_run_until(sim_, now_c > aia_sim_now(sim_) ? now_c : aia_sim_now(sim_));
        if (rc != AIA_OK) {
          SC_REPORT_ERROR("aiasim", aia_sim_errmsg(sim_));
          return;
        }
      }
      flush(now_c);
      aia_cycle next = 0;
      bool have = aia_sim_next_event_cycle(sim_, &next) == AIA_OK;
      if (!changes_.empty() && (!have || changes_.front().cycle < next)) {
        next = changes_.front().cycle;
        have = true;
      }
      if (!have) {
        wait(kick_);
        continue;
      }
      if (next <= now_c) {
        wait(sc_core::SC_ZERO_TIME);
        continue;
      }
      wait(to_time(next) - sc_time_stamp(), kick_);
      continue;
    }
    aia_cycle end = to_cycles(sc_time_stamp() + quantum_);
    if (end > aia_sim_now(sim_)) {
      int rc = aia_sim_run_until(sim_, end);
      if (rc != AIA_OK) {
        SC_REPORT_ERROR("aiasim", aia_sim_errmsg(sim_));
        return;
      }
    }
    while (!changes_.empty() && changes_.front().cycle <= end) {
      sc_time at = to_time(changes_.front().cycle);
      if (at > sc_time_stamp())
        wait(at - sc_time_stamp());
      flush(changes_.front().cycle);
    }
    sc_time stop = to_time(end);
    if (stop > sc_time_stamp())
      wait(stop - sc_time_stamp());
    else
      wait(quantum_);
  }
}

void system::b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
{
  stats_.transactions++;
  p.set_dmi_allowed(false);
  if (p.get_command() == tlm::TLM_IGNORE_COMMAND) {
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (!check_payload(p)) {
    stats_.errors++;
    return;
  }
  std::uint64_t pa = imsic_base_ + p.get_address();
  std::uint32_t hart, file, off;
  if (aia_mmio_decode(plat_, pa, &hart, &file, &off) != AIA_OK) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    stats_.errors++;
    return;
  }
  advance_for(sc_time_stamp() + delay, stats_);
  if (p.get_command() == tlm::TLM_READ_COMMAND) {
    std::memset(p.get_data_ptr(), 0, 4); // every register of the page reads 0
  } else {
    std::uint32_t v = le32(p.get_data_ptr());
    int rc = kvm_ ? aia_workload_mmio_write(kvm_, pa, v, nullptr)
                  : aia_mmio_write(plat_, pa, 4, v, 0);
    if (rc != AIA_OK) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      stats_.errors++;
      return;
    }
    stats_.writes++;
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  wake();
}

unsigned int system::transport_dbg(tlm::tlm_generic_payload &p)
{
  // Debug access: reads only (0s), no side effect, no time.
  if (p.get_command() != tlm::TLM_READ_COMMAND) {
    p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return 0;
  }
  std::uint32_t h, f, o;
  if (aia_mmio_decode(plat_, imsic_base_ + p.get_address(), &h, &f, &o) != AIA_OK) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  std::memset(p.get_data_ptr(), 0, p.get_data_length());
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  return p.get_data_length();
}

bool system::get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d)
{
  (void)p;
  d.allow_none();
  return false;
}

int system::csr_ireg(std::uint32_t hart, bool vs, std::uint32_t iselect, aia_csr_op op,
                     std::uint64_t value, std::uint64_t *old, const sc_time &offset)
{
  sync(offset);
  int rc = aia_hart_ireg(plat_, hart, vs, iselect, op, value, old);
  wake();
  return rc;
}

int system::csr_topei(std::uint32_t hart, bool vs, aia_csr_op op, std::uint64_t *old,
                      const sc_time &offset)
{
  sync(offset);
  int rc = aia_hart_topei(plat_, hart, vs, op, old);
  wake();
  return rc;
}

std::uint64_t system::mip(std::uint32_t hart, const sc_time &offset)
{
  sync(offset);
  return aia_hart_mip(plat_, hart);
}

// ------------------------------------------------------------- vm_msi ----

vm_msi::vm_msi(sc_core::sc_module_name name, system &sys, std::uint32_t vm)
    : sc_module(name), socket("socket"), sys_(sys),
      vm_(sys.kvm() ? aia_kvm_vm(sys.kvm(), vm) : nullptr)
{
  if (vm_ == nullptr)
    SC_REPORT_FATAL("aiasim", "aiasim::sc::vm_msi: no such VM (the system needs a KVM side)");
  socket.register_b_transport(this, &vm_msi::b_transport);
  socket.register_get_direct_mem_ptr(this, &vm_msi::get_direct_mem_ptr);
}

void vm_msi::b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
{
  stats_.transactions++;
  p.set_dmi_allowed(false);
  if (p.get_command() == tlm::TLM_IGNORE_COMMAND) {
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (!check_payload(p)) {
    stats_.errors++;
    return;
  }
  std::uint64_t a = p.get_address();
  std::uint64_t page = a / AIA_MMIO_PAGE, off = a % AIA_MMIO_PAGE;
  aia_vcpu *v = page < aia_vm_vcpus(vm_) ? aia_vm_vcpu(vm_, static_cast<std::uint32_t>(page)) : nullptr;
  if (v == nullptr) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    stats_.errors++;
    return;
  }
  sys_.advance_for(sc_time_stamp() + delay, stats_);
  if (p.get_command() == tlm::TLM_READ_COMMAND) {
    std::memset(p.get_data_ptr(), 0, 4);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  std::uint32_t val = le32(p.get_data_ptr());
  if (off == AIA_MMIO_SETEIPNUM_BE)
    val = (val >> 24) | ((val >> 8) & 0xFF00u) | ((val << 8) & 0xFF0000u) | (val << 24);
  else if (off != AIA_MMIO_SETEIPNUM_LE) { // other registers of the page ignore writes
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  int rc = aia_workload_send(sys_.kvm(), v, val, AIA_PATH_KVM, nullptr);
  if (rc != AIA_OK && rc != AIA_EBUSY) { // a bad identity: the kernel's -EINVAL
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    stats_.errors++;
    return;
  }
  stats_.writes++;
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  sys_.wake();
}

bool vm_msi::get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d)
{
  (void)p;
  d.allow_none();
  return false;
}

// -------------------------------------------------------------- aplic ----

aplic::aplic(sc_core::sc_module_name name, system &sys, aia_aplic *a)
    : sc_module(name), mmio("mmio"), irq("irq"), sys_(sys), a_(a)
{
  if (a_ == nullptr)
    SC_REPORT_FATAL("aiasim", "aiasim::sc::aplic: no APLIC");
  aia_aplic_config c;
  aia_aplic_get_config(a_, &c);
  irq.init(c.sources + 1u);
  level_.assign(c.sources + 1u, false);
  mmio.register_b_transport(this, &aplic::b_transport);
  mmio.register_transport_dbg(this, &aplic::transport_dbg);
  mmio.register_get_direct_mem_ptr(this, &aplic::get_direct_mem_ptr);
}

// A method sensitive to the inputs that are bound (unbound ones have no
// event), spawned once the binding is known.
void aplic::end_of_elaboration()
{
  sc_core::sc_spawn_options o;
  o.spawn_method();
  o.dont_initialize();
  bool any = false;
  for (auto &p : irq)
    if (p.size() > 0) {
      o.set_sensitivity(&p->value_changed_event());
      any = true;
    }
  if (any)
    sc_core::sc_spawn(std::bind(&aplic::inputs, this), sc_core::sc_gen_unique_name("inputs"), &o);
}

void aplic::inputs()
{
  bool synced = false;
  for (std::uint32_t i = 1; i < irq.size(); i++) {
    if (irq[i].size() == 0)
      continue;
    bool v = irq[i]->read();
    if (v == level_[i])
      continue;
    if (!synced) {
      sys_.advance_for(sc_time_stamp(), stats_);
      synced = true;
    }
    level_[i] = v;
    (void)aia_aplic_set_input(a_, i, v);
  }
  if (synced)
    sys_.wake();
}

void aplic::b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
{
  stats_.transactions++;
  p.set_dmi_allowed(false);
  if (p.get_command() == tlm::TLM_IGNORE_COMMAND) {
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (!check_payload(p)) {
    stats_.errors++;
    return;
  }
  std::uint64_t pa = p.get_address();
  sys_.advance_for(sc_time_stamp() + delay, stats_);
  std::uint32_t v = 0;
  int rc;
  if (p.get_command() == tlm::TLM_READ_COMMAND) {
    rc = aia_aplic_mmio_read(a_, pa, 4, &v);
    if (rc == AIA_OK) {
      unsigned char *d = p.get_data_ptr();
      d[0] = (unsigned char)v;
      d[1] = (unsigned char)(v >> 8);
      d[2] = (unsigned char)(v >> 16);
      d[3] = (unsigned char)(v >> 24);
    }
  } else {
    rc = aia_aplic_mmio_write(a_, pa, 4, le32(p.get_data_ptr()));
    if (rc == AIA_OK)
      stats_.writes++;
  }
  if (rc != AIA_OK) { // AIA_ENODEV: no domain there (alignment was checked)
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    stats_.errors++;
    return;
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  sys_.wake();
}

unsigned int aplic::transport_dbg(tlm::tlm_generic_payload &p)
{
  // A read may claim (claimi): debug accesses would change the state.
  p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
  return 0;
}

bool aplic::get_direct_mem_ptr(tlm::tlm_generic_payload &p, tlm::tlm_dmi &d)
{
  (void)p;
  d.allow_none();
  return false;
}

} // namespace sc
} // namespace aiasim
