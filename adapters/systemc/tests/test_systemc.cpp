// adapters/systemc/tests/test_systemc.cpp: the SystemC adapter against the
// C API alone. One elaboration (SystemC allows one per process) holds four
// independent systems, each with its own initiator:
//   exact   a bare platform; MSIs over the `imsic` socket at given times
//           and annotated delays, claims through the CSR interface: the
//           SEIP port changes at exactly the cycles a C-only run with the
//           same input records, and the trace hash is the same.
//   kvm     a scenario (two idle vCPUs) built with aia_scenario_build; MSIs
//           through `vm_msi` (KVM's injection routine): the same trace
//           hash, MSIs and claims as the C-only run, to the end of the
//           drain.
//   bad     bad transactions: each gets its error response, nothing
//           reaches the model; DMI is refused; debug reads are zeros.
//   aplic   a platform APLIC programmed over its socket, its wire driven by
//           an sc_signal: SEIP at the C API's cycle, the same hash.
//   quantum the `exact` input issued at its time with no delay, with a
//           1,000-cycle quantum: the model is ahead, so the transactions are
//           counted late, by at most a quantum each, and each line change
//           comes at most a quantum after its exact cycle.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include <memory>

#include <tlm_utils/simple_initiator_socket.h>

#include "aiasim/systemc.hpp"

using namespace sc_core;

static int failures;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "test_systemc:%d: FAIL %s: ", __LINE__, #cond);                        \
      std::fprintf(stderr, __VA_ARGS__);                                                           \
      std::fputc('\n', stderr);                                                                    \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

// ---------------------------------------------------------------- input --

// One step of the exact test's input: at `cycle`, either an MSI of `iid`
// to hart 1's S-file, or (iid 0) a claim through stopei.
struct step {
  aia_cycle cycle;
  std::uint32_t iid;
};
static const step kSteps[] = { { 1000, 5 }, { 1003, 9 }, { 2000, 0 }, { 2500, 0 },
                                { 4000, 7 }, { 4001, 7 }, { 6000, 0 }, { 9000, 3 } };
static const aia_cycle kEnd = 12000;
static const std::uint64_t kImsicBase = 0x28000000u, kStride = 0x8000u;

static void make_bare(aia_sim **sim, aia_platform **plat)
{
  aia_sim_config sc;
  aia_sim_config_init(&sc);
  sc.seed = 1;
  if (aia_sim_create(&sc, sim) != AIA_OK)
    std::abort();
  aia_platform_config pc;
  aia_platform_config_init(&pc);
  pc.harts = 2;
  pc.geilen = 1;
  pc.ids = 63;
  if (aia_platform_create(*sim, &pc, plat) != AIA_OK)
    std::abort();
  // hart 1's S-file: delivery on, every identity enabled
  aia_file_ireg(*plat, 1, 0, AIA_ISEL_EIDELIVERY, AIA_CSR_WRITE, 1, nullptr);
  aia_file_ireg(*plat, 1, 0, AIA_ISEL_EIE0, AIA_CSR_WRITE, ~std::uint64_t(1), nullptr);
}

struct seip_rec {
  std::vector<std::pair<aia_cycle, bool>> v;
};
static void seip_hook(void *user, const aia_event *ev)
{
  if (ev->kind == AIA_EV_SEIP && ev->hart == 1)
    static_cast<seip_rec *>(user)->v.push_back({ ev->cycle, ev->arg != 0 });
}

// The C API alone: the same input, at the same cycles.
static void reference(seip_rec *rec, std::uint64_t *hash)
{
  aia_sim *sim;
  aia_platform *plat;
  make_bare(&sim, &plat);
  aia_sim_hook_add(sim, AIA_EV_ALL, seip_hook, rec, nullptr);
  for (const step &s : kSteps) {
    aia_sim_run_until(sim, s.cycle);
    if (s.iid)
      aia_mmio_write(plat, kImsicBase + kStride + AIA_MMIO_SETEIPNUM_LE, 4, s.iid, 0);
    else
      aia_hart_topei(plat, 1, false, AIA_CSR_WRITE, nullptr);
  }
  aia_sim_run_until(sim, kEnd);
  *hash = aia_sim_hash(sim);
  aia_sim_destroy(sim);
}

// ------------------------------------------------------------ initiator --

struct initiator : sc_module {
  tlm_utils::simple_initiator_socket<initiator> out;
  aiasim::sc::system *sys = nullptr;
  bool early = true; // issue at half the cycle, the rest as annotated delay
  std::vector<std::pair<aia_cycle, bool>> seen; // SEIP port of hart 1
  sc_in<bool> seip1;
  SC_HAS_PROCESS(initiator);
  explicit initiator(sc_module_name n) : sc_module(n), out("out"), seip1("seip1")
  {
    SC_THREAD(drive);
    SC_METHOD(watch);
    sensitive << seip1;
    dont_initialize();
  }
  void bind_seip(sc_signal<bool> &s) { seip1.bind(s); }
  void watch() { seen.push_back({ sys->to_cycles(sc_time_stamp()), seip1.read() }); }
  // Each step is issued early, at half its cycle, with the rest as the
  // transaction's annotated delay (a loosely-timed initiator).
  void drive()
  {
    for (const step &s : kSteps) {
      sc_time at = sys->to_time(early ? s.cycle / 2 : s.cycle);
      if (at > sc_time_stamp())
        wait(at - sc_time_stamp());
      sc_time delay = sys->to_time(s.cycle) - sc_time_stamp();
      if (s.iid) {
        tlm::tlm_generic_payload p;
        unsigned char d[4] = { (unsigned char)s.iid, 0, 0, 0 };
        p.set_command(tlm::TLM_WRITE_COMMAND);
        p.set_address(kImsicBase + kStride + AIA_MMIO_SETEIPNUM_LE);
        p.set_data_ptr(d);
        p.set_data_length(4);
        p.set_streaming_width(4);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        out->b_transport(p, delay);
        CHECK(p.get_response_status() == tlm::TLM_OK_RESPONSE, "MSI at %" PRIu64, s.cycle);
      } else {
        sys->csr_topei(1, false, AIA_CSR_WRITE, nullptr, delay);
      }
    }
  }
};

// ------------------------------------------------------------ the kvm test

static const char kScenario[] = "aiasim: 1\n"
                                "name: sc-kvm\n"
                                "seed: 3\n"
                                "duration: 400us\n"
                                "drain: 200us\n"
                                "platform: { harts: 3, geilen: 3, ids: 63 }\n"
                                "vms:\n"
                                "  - name: vm0\n"
                                "    vcpus: 2\n"
                                "    affinity: [1, 2]\n"
                                "    guest: { behaviour: idle }\n";

static std::vector<aia_scenario *> scenarios; // alive until the end (systems borrow them)

static aia_system *build_kvm(aia_policy pol)
{
  aia_scenario *scn = nullptr;
  aia_diag d;
  size_t n = 0;
  if (aia_scenario_load_mem("sc-kvm.yaml", kScenario, sizeof kScenario - 1, nullptr, 0, &scn, &d,
                            1, &n) != AIA_OK)
    std::abort();
  aia_system *y = nullptr;
  char err[256];
  if (aia_scenario_build(scn, pol, nullptr, &y, err, sizeof err) != AIA_OK) {
    std::fprintf(stderr, "%s\n", err);
    std::abort();
  }
  scenarios.push_back(scn);
  return y;
}

// MSIs to the VM: (cycle, vCPU, identity).
struct kmsi {
  aia_cycle cycle;
  std::uint32_t vcpu, iid;
};
static const kmsi kMsis[] = { { 50000, 0, 5 }, { 50000, 1, 6 }, { 120000, 1, 7 },
                              { 120400, 0, 5 }, { 300000, 0, 9 }, { 300001, 1, 9 } };
static const aia_cycle kKvmEnd = 600000; // duration + drain

static void kvm_reference(aia_run_result *res)
{
  aia_system *y = build_kvm(AIA_POLICY_NOKICK);
  aia_sim *sim = aia_system_sim(y);
  aia_vm *vm = aia_kvm_vm(aia_system_kvm(y), 0);
  for (const kmsi &m : kMsis) {
    aia_sim_run_until(sim, m.cycle);
    aia_workload_send(aia_system_kvm(y), aia_vm_vcpu(vm, m.vcpu), m.iid, AIA_PATH_KVM, nullptr);
  }
  aia_sim_run_until(sim, kKvmEnd);
  char err[256];
  aia_system_finish(y, res, err, sizeof err);
  aia_system_destroy(y);
}

struct kvm_initiator : sc_module {
  tlm_utils::simple_initiator_socket<kvm_initiator> out;
  aiasim::sc::system *sys = nullptr;
  SC_HAS_PROCESS(kvm_initiator);
  explicit kvm_initiator(sc_module_name n) : sc_module(n), out("out") { SC_THREAD(drive); }
  void drive()
  {
    for (const kmsi &m : kMsis) {
      sc_time at = sys->to_time(m.cycle);
      if (at > sc_time_stamp())
        wait(at - sc_time_stamp());
      tlm::tlm_generic_payload p;
      unsigned char d[4] = { (unsigned char)m.iid, 0, 0, 0 };
      sc_time delay = SC_ZERO_TIME;
      p.set_command(tlm::TLM_WRITE_COMMAND);
      p.set_address(std::uint64_t(m.vcpu) * AIA_MMIO_PAGE + AIA_MMIO_SETEIPNUM_LE);
      p.set_data_ptr(d);
      p.set_data_length(4);
      p.set_streaming_width(4);
      out->b_transport(p, delay);
      CHECK(p.get_response_status() == tlm::TLM_OK_RESPONSE, "kvm MSI at %" PRIu64, m.cycle);
    }
  }
};

// ------------------------------------------------------------ bad ones ---

struct bad_initiator : sc_module {
  tlm_utils::simple_initiator_socket<bad_initiator> out, vmout;
  aiasim::sc::system *sys = nullptr;
  SC_HAS_PROCESS(bad_initiator);
  explicit bad_initiator(sc_module_name n) : sc_module(n), out("out"), vmout("vmout")
  {
    SC_THREAD(drive);
  }
  tlm::tlm_response_status send(tlm_utils::simple_initiator_socket<bad_initiator> &s,
                                tlm::tlm_command cmd, std::uint64_t addr, unsigned len,
                                unsigned width, const unsigned char *be, unsigned belen)
  {
    tlm::tlm_generic_payload p;
    unsigned char d[8] = { 5, 0, 0, 0, 0, 0, 0, 0 };
    sc_time delay = SC_ZERO_TIME;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(d);
    p.set_data_length(len);
    p.set_streaming_width(width);
    p.set_byte_enable_ptr(const_cast<unsigned char *>(be));
    p.set_byte_enable_length(belen);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    s->b_transport(p, delay);
    return p.get_response_status();
  }
  void drive()
  {
    wait(sys->to_time(100));
    const std::uint64_t s1 = kImsicBase + kStride;
    const unsigned char half[4] = { 0xff, 0xff, 0, 0 };
    const unsigned char all[4] = { 0xff, 0xff, 0xff, 0xff };
    using R = tlm::tlm_response_status;
    R r;
    r = send(out, tlm::TLM_WRITE_COMMAND, s1, 2, 2, nullptr, 0);
    CHECK(r == tlm::TLM_BURST_ERROR_RESPONSE, "2-byte write: %d", (int)r);
    r = send(out, tlm::TLM_WRITE_COMMAND, s1, 8, 8, nullptr, 0);
    CHECK(r == tlm::TLM_BURST_ERROR_RESPONSE, "8-byte write: %d", (int)r);
    r = send(out, tlm::TLM_WRITE_COMMAND, s1, 4, 1, nullptr, 0);
    CHECK(r == tlm::TLM_BURST_ERROR_RESPONSE, "streaming width 1: %d", (int)r);
    r = send(out, tlm::TLM_WRITE_COMMAND, s1, 4, 4, half, 4);
    CHECK(r == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, "half enabled: %d", (int)r);
    r = send(out, tlm::TLM_WRITE_COMMAND, s1 + 2, 4, 4, nullptr, 0);
    CHECK(r == tlm::TLM_ADDRESS_ERROR_RESPONSE, "unaligned: %d", (int)r);
    r = send(out, tlm::TLM_WRITE_COMMAND, 0x1000, 4, 4, nullptr, 0);
    CHECK(r == tlm::TLM_ADDRESS_ERROR_RESPONSE, "no file: %d", (int)r);
    r = send(out, tlm::TLM_WRITE_COMMAND, kImsicBase + 2 * kStride, 4, 4, nullptr, 0);
    CHECK(r == tlm::TLM_ADDRESS_ERROR_RESPONSE, "past the last hart: %d", (int)r);
    r = send(out, tlm::TLM_IGNORE_COMMAND, 0x1000, 4, 4, nullptr, 0);
    CHECK(r == tlm::TLM_OK_RESPONSE, "ignore: %d", (int)r);
    r = send(out, tlm::TLM_READ_COMMAND, s1, 4, 4, all, 4);
    CHECK(r == tlm::TLM_OK_RESPONSE, "read: %d", (int)r);
    CHECK(sys->stats().writes == 0, "a bad transaction reached the model");
    CHECK(!aia_file_is_pending(sys->platform(), 1, 0, 5), "identity 5 pending after bad writes");
    // DMI refused, debug read gives zeros
    tlm::tlm_generic_payload p;
    tlm::tlm_dmi dmi;
    p.set_address(s1);
    p.set_command(tlm::TLM_READ_COMMAND);
    CHECK(!out->get_direct_mem_ptr(p, dmi), "DMI granted");
    unsigned char d[4] = { 1, 2, 3, 4 };
    p.set_data_ptr(d);
    p.set_data_length(4);
    CHECK(out->transport_dbg(p) == 4 && d[0] == 0 && d[3] == 0, "debug read");
    // the VM doorbell: a page with no vCPU, an identity out of range
    r = send(vmout, tlm::TLM_WRITE_COMMAND, 5 * AIA_MMIO_PAGE, 4, 4, nullptr, 0);
    CHECK(r == tlm::TLM_ADDRESS_ERROR_RESPONSE, "no vCPU page: %d", (int)r);
    unsigned char big[4] = { 0, 1, 0, 0 }; // identity 256 > 63
    tlm::tlm_generic_payload q;
    sc_time delay = SC_ZERO_TIME;
    q.set_command(tlm::TLM_WRITE_COMMAND);
    q.set_address(0);
    q.set_data_ptr(big);
    q.set_data_length(4);
    q.set_streaming_width(4);
    vmout->b_transport(q, delay);
    CHECK(q.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE, "identity 256: %d",
          (int)q.get_response_status());
  }
};

// --------------------------------------------------------------- the APLIC
// A platform APLIC in MSI mode, programmed over TLM at cycle 100: source 3
// edge-rising, to hart 1's S-file with EIID 12. The wire rises at cycle
// 3,000 (an sc_signal bound to irq[3]): the MSI is sent then, lands 50
// cycles later, and hart 1's SEIP rises 10 after that, as the C API alone
// gives.
static const std::uint64_t kAplic = 0x0D000000u;
struct reg {
  std::uint32_t off, val;
};
static const reg kAplicProgram[] = {
  { AIA_APLIC_DOMAINCFG, AIA_APLIC_DOMAINCFG_DM },
  { AIA_APLIC_MMSIADDRCFGH, 0x1000u },  // LHXW 1: two harts
  { AIA_APLIC_SMSIADDRCFG, 0x28000u },  // the IMSIC base
  { AIA_APLIC_SMSIADDRCFGH, 0x300000u }, // LHXS 3: 0x8000 per hart
  { AIA_APLIC_SOURCECFG + 8u, AIA_SM_EDGE1 },
  { AIA_APLIC_TARGET + 8u, (1u << AIA_APLIC_TARGET_HART_SHIFT) | 12u },
  { AIA_APLIC_SETIENUM, 3u },
  { AIA_APLIC_DOMAINCFG, AIA_APLIC_DOMAINCFG_DM | AIA_APLIC_DOMAINCFG_IE },
};
static const aia_cycle kAplicProgramAt = 100, kWireAt = 3000;

static void make_aplic(aia_sim **sim, aia_platform **plat, aia_aplic **a)
{
  make_bare(sim, plat);
  aia_aplic_config c;
  aia_aplic_config_init(&c);
  c.sources = 8;
  if (aia_aplic_create(*plat, &c, a) != AIA_OK)
    std::abort();
}

static void aplic_reference(seip_rec *rec, std::uint64_t *hash)
{
  aia_sim *sim;
  aia_platform *plat;
  aia_aplic *a;
  make_aplic(&sim, &plat, &a);
  aia_sim_hook_add(sim, AIA_EV_ALL, seip_hook, rec, nullptr);
  aia_sim_run_until(sim, kAplicProgramAt);
  for (const reg &r : kAplicProgram)
    aia_aplic_mmio_write(a, kAplic + r.off, 4, r.val);
  aia_sim_run_until(sim, kWireAt);
  aia_aplic_set_input(a, 3, true);
  aia_sim_run_until(sim, kKvmEnd);
  *hash = aia_sim_hash(sim);
  aia_sim_destroy(sim);
}

struct aplic_initiator : sc_module {
  tlm_utils::simple_initiator_socket<aplic_initiator> out;
  sc_signal<bool> wire3;
  aiasim::sc::system *sys = nullptr;
  std::vector<std::pair<aia_cycle, bool>> seen;
  sc_in<bool> seip1;
  SC_HAS_PROCESS(aplic_initiator);
  explicit aplic_initiator(sc_module_name n) : sc_module(n), out("out"), wire3("wire3"), seip1("seip1")
  {
    SC_THREAD(drive);
    SC_METHOD(watch);
    sensitive << seip1;
    dont_initialize();
  }
  void watch() { seen.push_back({ sys->to_cycles(sc_time_stamp()), seip1.read() }); }
  void drive()
  {
    wait(sys->to_time(kAplicProgramAt));
    for (const reg &r : kAplicProgram) {
      tlm::tlm_generic_payload p;
      unsigned char d[4] = { (unsigned char)r.val, (unsigned char)(r.val >> 8),
                             (unsigned char)(r.val >> 16), (unsigned char)(r.val >> 24) };
      sc_time delay = SC_ZERO_TIME;
      p.set_command(tlm::TLM_WRITE_COMMAND);
      p.set_address(kAplic + r.off);
      p.set_data_ptr(d);
      p.set_data_length(4);
      p.set_streaming_width(4);
      out->b_transport(p, delay);
      CHECK(p.get_response_status() == tlm::TLM_OK_RESPONSE, "APLIC write 0x%x", r.off);
    }
    // a read back, and an access past every region
    tlm::tlm_generic_payload p;
    unsigned char d[4] = { 0, 0, 0, 0 };
    sc_time delay = SC_ZERO_TIME;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(kAplic + AIA_APLIC_TARGET + 8u);
    p.set_data_ptr(d);
    p.set_data_length(4);
    p.set_streaming_width(4);
    out->b_transport(p, delay);
    CHECK(p.get_response_status() == tlm::TLM_OK_RESPONSE && d[0] == 12 && d[2] == 4,
          "APLIC target read back %02x %02x %02x %02x", d[0], d[1], d[2], d[3]);
    p.set_address(0x0F000000u);
    out->b_transport(p, delay);
    CHECK(p.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE, "APLIC: no region");
    CHECK(out->transport_dbg(p) == 0, "APLIC debug reads are refused");
    wait(sys->to_time(kWireAt) - sc_time_stamp());
    wire3.write(true);
  }
};

// ----------------------------------------------------------------- main --

int sc_main(int, char **)
{
  sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", SC_DO_NOTHING);
  // C-only references first (no SystemC involved)
  seip_rec ref;
  std::uint64_t ref_hash = 0;
  reference(&ref, &ref_hash);
  aia_run_result kref;
  kvm_reference(&kref);
  seip_rec aref;
  std::uint64_t aref_hash = 0;
  aplic_reference(&aref, &aref_hash);

  // exact: bare platform
  aia_sim *sim_e, *sim_q, *sim_b;
  aia_platform *plat_e, *plat_q, *plat_b;
  make_bare(&sim_e, &plat_e);
  make_bare(&sim_q, &plat_q);
  make_bare(&sim_b, &plat_b);
  aiasim::sc::system exact("exact", sim_e, plat_e);
  aiasim::sc::system quantum("quantum", sim_q, plat_q);
  quantum.set_quantum(quantum.to_time(1000));
  aia_system *ky = build_kvm(AIA_POLICY_NOKICK);
  aiasim::sc::system kvm("kvm", ky);
  aiasim::sc::vm_msi door("door", kvm, 0);
  aia_system *by = build_kvm(AIA_POLICY_NOKICK);
  aiasim::sc::system bad("bad", sim_b, plat_b);
  aiasim::sc::system badk("badk", by);
  aiasim::sc::vm_msi baddoor("baddoor", badk, 0);
  aia_sim *sim_a;
  aia_platform *plat_a;
  aia_aplic *ap_a;
  make_aplic(&sim_a, &plat_a, &ap_a);
  aiasim::sc::system apsys("apsys", sim_a, plat_a);
  aiasim::sc::aplic ap("ap", apsys, ap_a);

  // signals for every port of every system
  std::vector<std::unique_ptr<sc_signal<bool>>> sigs;
  auto bind_all = [&](aiasim::sc::system &s) {
    for (auto *v : { &s.seip, &s.sgeip, &s.vseip, &s.ssip })
      for (auto &port : *v) {
        sigs.emplace_back(new sc_signal<bool>());
        port.bind(*sigs.back());
      }
  };
  bind_all(exact);
  bind_all(quantum);
  bind_all(kvm);
  bind_all(bad);
  bind_all(badk);
  size_t ap_first = sigs.size();
  bind_all(apsys);
  sc_signal<bool> *exact_seip1 = sigs[1].get();   // exact.seip[1]
  sc_signal<bool> *quantum_seip1 = sigs[9].get(); // quantum.seip[1] (8 ports per 2-hart system)

  initiator ie("ie"), iq("iq");
  ie.sys = &exact;
  iq.sys = &quantum;
  iq.early = false; // at its time, no delay: the model is ahead by then
  ie.out.bind(exact.imsic);
  iq.out.bind(quantum.imsic);
  ie.bind_seip(*exact_seip1);
  iq.bind_seip(*quantum_seip1);
  kvm_initiator ik("ik");
  ik.sys = &kvm;
  ik.out.bind(door.socket);
  bad_initiator ib("ib");
  ib.sys = &bad;
  ib.out.bind(bad.imsic);
  ib.vmout.bind(baddoor.socket);
  aplic_initiator ia("ia");
  ia.sys = &apsys;
  ia.out.bind(ap.mmio);
  ap.irq[3].bind(ia.wire3);
  ia.seip1.bind(*sigs[ap_first + 1]); // apsys.seip[1]

  sc_start(exact.to_time(kKvmEnd));
  exact.sync();
  kvm.sync();
  quantum.sync();
  apsys.sync();

  // the APLIC: SEIP of hart 1 at the C API's cycles (3,060), same hash
  CHECK(ia.seen == aref.v && aref.v.size() == 1 && aref.v[0].first == kWireAt + 60,
        "APLIC: %zu port changes (first at %" PRIu64 "), %zu in the C-only run (first at %" PRIu64
        ")",
        ia.seen.size(), ia.seen.empty() ? 0 : ia.seen[0].first, aref.v.size(),
        aref.v.empty() ? 0 : aref.v[0].first);
  CHECK(aia_sim_hash(sim_a) == aref_hash, "APLIC: trace hash %016" PRIx64 ", C API %016" PRIx64,
        aia_sim_hash(sim_a), aref_hash);
  CHECK(ap.stats().writes == 8 && ap.stats().errors == 1, "APLIC: %" PRIu64 " writes, %" PRIu64
        " errors", ap.stats().writes, ap.stats().errors);

  // exact: the SEIP port changed at the C-only run's cycles
  CHECK(ie.seen == ref.v, "exact: %zu port changes, %zu in the C-only run", ie.seen.size(),
        ref.v.size());
  for (size_t i = 0; i < ie.seen.size() && i < ref.v.size(); i++)
    CHECK(ie.seen[i] == ref.v[i], "change %zu: port at %" PRIu64 " (%d), C API at %" PRIu64 " (%d)",
          i, ie.seen[i].first, ie.seen[i].second, ref.v[i].first, ref.v[i].second);
  CHECK(ref.v.size() >= 4, "the reference has %zu SEIP changes", ref.v.size());
  // the hash: run the exact system to the reference's end... it ran to
  // kKvmEnd; compare a fresh reference taken to the same cycle instead
  {
    seip_rec r2;
    std::uint64_t h2;
    aia_sim *sim;
    aia_platform *plat;
    make_bare(&sim, &plat);
    aia_sim_hook_add(sim, AIA_EV_ALL, seip_hook, &r2, nullptr);
    for (const step &s : kSteps) {
      aia_sim_run_until(sim, s.cycle);
      if (s.iid)
        aia_mmio_write(plat, kImsicBase + kStride + AIA_MMIO_SETEIPNUM_LE, 4, s.iid, 0);
      else
        aia_hart_topei(plat, 1, false, AIA_CSR_WRITE, nullptr);
    }
    aia_sim_run_until(sim, kKvmEnd);
    h2 = aia_sim_hash(sim);
    aia_sim_destroy(sim);
    CHECK(aia_sim_hash(sim_e) == h2, "exact: trace hash %016" PRIx64 ", C API %016" PRIx64,
          aia_sim_hash(sim_e), h2);
    (void)ref_hash;
  }
  CHECK(exact.stats().late == 0, "exact mode had %" PRIu64 " late transactions", exact.stats().late);

  // quantum: the lines at their cycles too; late transactions within a quantum
  CHECK(iq.seen.size() == ref.v.size(), "quantum: %zu changes, %zu expected", iq.seen.size(),
        ref.v.size());
  for (size_t i = 0; i < iq.seen.size() && i < ref.v.size(); i++)
    CHECK(iq.seen[i].second == ref.v[i].second && iq.seen[i].first >= ref.v[i].first &&
              iq.seen[i].first <= ref.v[i].first + 1000,
          "quantum change %zu at %" PRIu64 ", exact %" PRIu64, i, iq.seen[i].first, ref.v[i].first);
  CHECK(quantum.stats().late > 0, "quantum: no transaction was late");
  CHECK(quantum.stats().late_cycles <= quantum.stats().late * 1000, "quantum: late by more than a quantum");
  std::printf("quantum 1000 cycles: %" PRIu64 " of %" PRIu64 " transactions late, %" PRIu64
              " cycles in all\n",
              quantum.stats().late, quantum.stats().transactions, quantum.stats().late_cycles);

  // kvm: the same run as the C API alone
  aia_run_result kres;
  char err[256];
  CHECK(aia_system_finish(ky, &kres, err, sizeof err) == AIA_OK, "finish: %s", err);
  CHECK(kres.r.trace_hash == kref.r.trace_hash, "kvm: trace hash %016" PRIx64 ", C API %016" PRIx64,
        kres.r.trace_hash, kref.r.trace_hash);
  CHECK(kres.r.msis == kref.r.msis && kres.r.msis == 6, "kvm: %" PRIu64 " MSIs, C API %" PRIu64,
        kres.r.msis, kref.r.msis);
  CHECK(kres.r.claimed + kres.r.coalesced == 6 && kres.r.lost_interrupts == 0, "kvm: claims");
  CHECK(door.stats().writes == 6, "kvm: %" PRIu64 " writes", door.stats().writes);
  CHECK(bad.stats().errors == 7 && badk.stats().writes == 0 && baddoor.stats().errors == 2,
        "bad: %" PRIu64 " errors, %" PRIu64 " VM errors", bad.stats().errors, baddoor.stats().errors);
  aia_run_result_free(&kres);
  aia_run_result_free(&kref);
  aia_system_destroy(ky);
  aia_system_destroy(by);
  aia_sim_destroy(sim_e);
  aia_sim_destroy(sim_q);
  aia_sim_destroy(sim_b);
  aia_sim_destroy(sim_a);
  for (aia_scenario *scn : scenarios)
    aia_scenario_destroy(scn);
  if (failures == 0)
    std::printf("test_systemc: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
