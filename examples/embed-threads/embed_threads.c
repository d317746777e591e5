/* examples/embed-threads: device models on their own threads post MSIs
 * into a simulation running on the main thread, through the mailbox.
 *
 * Three device threads each produce a stream of MSIs (Poisson arrivals from
 * their own seeded generator) for the four vCPUs of a VM, and post each one
 * with aia_mailbox_post_msi() stamped with the cycle at which the device
 * raises it. The main thread owns the simulation and runs it forward.
 *
 * The protocol that makes the result independent of thread timing is
 * conservative lookahead: every device publishes a promise, "I will post
 * nothing below cycle P" (P is the cycle of its next MSI; an atomic store
 * with release order, made after the posts it covers), and the main thread
 * runs only up to min(P) - 1 (read with acquire order). Every MSI due before that cycle is then already in
 * the mailbox when aia_sim_run_until() drains it, and the mailbox orders
 * items of one cycle by (cycle, source, per-source sequence), so no
 * interleaving of the threads can change what the simulation sees. A device
 * also keeps within WINDOW cycles of aia_mailbox_floor() so the mailbox
 * stays small (flow control; it does not affect the result).
 *
 *   embed_threads [JITTER_SEED]
 * With a JITTER_SEED, devices sleep at random moments to shuffle the thread
 * timing. The output, ending with the stream hash, is identical whatever the
 * seed: the test runs it twice with different seeds and compares.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <aiasim/aiasim.h>

#define NDEV 3
#define NVCPU 4
#define END 50000000u     /* the devices stop raising MSIs here (50 ms) */
#define DRAIN 10000000u   /* then the model runs this much longer */
#define WINDOW 500000u    /* how far ahead of the floor a device may post */

typedef struct device {
  aia_mailbox *mb;
  uint32_t source;        /* mailbox source id: one per thread */
  aia_cycle mean_gap;     /* mean cycles between MSIs */
  uint32_t iid;
  uint64_t jitter_seed;   /* 0: no sleeps */
  _Atomic aia_cycle promise;
  uint64_t sent;
  int error;
} device;

static void nap(aia_rng *r)
{
  struct timespec ts = { 0, (long)aia_rng_below(r, 200000) }; /* up to 0.2 ms */
  nanosleep(&ts, NULL);
}

static void *device_main(void *arg)
{
  device *d = arg;
  aia_rng gen, jit;
  aia_cycle at = 0;
  aia_rng_seed(&gen, 2024, d->source);          /* what it sends: fixed */
  aia_rng_seed(&jit, d->jitter_seed, d->source); /* when the thread sleeps */
  for (uint64_t k = 0;; k++) {
    at += 1 + aia_rng_exponential(&gen, d->mean_gap);
    if (at >= END)
      break;
    /* Every MSI below `at` has been posted (program order), and the next
     * one is at `at`: promise that, with release order. */
    atomic_store_explicit(&d->promise, at, memory_order_release);
    /* Flow control: stay within WINDOW of the floor. The simulation can
     * always reach `at` - 1, so this wait always ends. */
    while (at > aia_mailbox_floor(d->mb) + WINDOW)
      sched_yield();
    if (d->jitter_seed && aia_rng_below(&jit, 64) == 0)
      nap(&jit);
    uint32_t vcpu = (uint32_t)aia_rng_below(&gen, NVCPU);
    int rc = aia_mailbox_post_msi(d->mb, at, d->source, 0, vcpu, d->iid, AIA_PATH_KVM, NULL);
    if (rc != AIA_OK) {
      d->error = rc; /* cannot happen under the protocol */
      break;
    }
    d->sent++;
  }
  atomic_store_explicit(&d->promise, UINT64_MAX, memory_order_release);
  return NULL;
}

static void die(aia_sim *sim, int rc, const char *what)
{
  fprintf(stderr, "embed_threads: %s: %s (%s)\n", what, aia_status_name(rc),
          sim ? aia_sim_errmsg(sim) : "");
  exit(1);
}

#define CHECK(sim, call)               \
  do {                                 \
    int rc_ = (call);                  \
    if (rc_ != AIA_OK)                 \
      die((sim), rc_, #call);          \
  } while (0)

int main(int argc, char **argv)
{
  uint64_t jitter_seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0;
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_vm_config vc;
  aia_mailbox_config mc;
  aia_meter_config metc;
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_vm *vm;
  aia_mailbox *mb;
  aia_meter *meter;
  device dev[NDEV];
  pthread_t th[NDEV];

  aia_sim_config_init(&sc);
  sc.seed = 7;
  CHECK(NULL, aia_sim_create(&sc, &sim));
  aia_platform_config_init(&pc);
  pc.harts = 4;
  pc.ids = 63;
  CHECK(sim, aia_platform_create(sim, &pc, &plat));
  aia_host_config_init(&hc);
  CHECK(sim, aia_host_create(sim, plat, &hc, &host));
  aia_kvm_config_init(&kc);
  CHECK(sim, aia_kvm_create(sim, plat, host, &kc, &kvm));
  aia_vm_config_init(&vc);
  vc.vcpus = NVCPU;
  CHECK(sim, aia_vm_create(kvm, &vc, &vm));
  for (uint32_t i = 0; i < NVCPU; i++) {
    aia_guest_config gc;
    aia_guest_config_init(&gc); /* idle: WFI whenever nothing is pending */
    CHECK(sim, aia_guest_attach(sim, aia_vm_vcpu(vm, i), &gc));
    CHECK(sim, aia_vcpu_guest_setup(aia_vm_vcpu(vm, i), AIA_EIDELIVERY_ON, 0, 1, 63));
  }
  aia_meter_config_init(&metc);
  CHECK(sim, aia_meter_create(kvm, &metc, &meter));

  /* The mailbox, with the MSI kinds of the workload layer. Handlers are in
   * place before any thread starts posting. */
  aia_mailbox_config_init(&mc);
  mc.sources = NDEV;
  CHECK(sim, aia_mailbox_create(sim, &mc, &mb));
  CHECK(sim, aia_workload_mailbox(kvm, mb));
  for (uint32_t i = 0; i < NVCPU; i++)
    CHECK(sim, aia_vcpu_start(aia_vm_vcpu(vm, i), 0));

  for (uint32_t i = 0; i < NDEV; i++) {
    memset(&dev[i], 0, sizeof dev[i]);
    dev[i].mb = mb;
    dev[i].source = i;
    dev[i].mean_gap = 40000u + 30000u * i;
    dev[i].iid = 32 + i;
    dev[i].jitter_seed = jitter_seed;
    atomic_init(&dev[i].promise, 0);
  }
  for (uint32_t i = 0; i < NDEV; i++)
    if (pthread_create(&th[i], NULL, device_main, &dev[i]) != 0) {
      fprintf(stderr, "embed_threads: pthread_create failed\n");
      return 1;
    }

  /* The simulation thread: run up to just below the smallest promise. */
  uint64_t runs = 0;
  for (;;) {
    aia_cycle safe = UINT64_MAX;
    for (uint32_t i = 0; i < NDEV; i++) {
      aia_cycle p = atomic_load_explicit(&dev[i].promise, memory_order_acquire);
      if (p < safe)
        safe = p;
    }
    if (safe == UINT64_MAX)
      break; /* every device is done */
    if (safe > aia_sim_now(sim) + 1) {
      CHECK(sim, aia_sim_run_until(sim, safe - 1));
      runs++;
    } else {
      sched_yield();
    }
  }
  for (uint32_t i = 0; i < NDEV; i++) {
    pthread_join(th[i], NULL);
    if (dev[i].error)
      die(sim, dev[i].error, "aia_mailbox_post_msi");
  }
  CHECK(sim, aia_sim_run_until(sim, END + DRAIN));
  aia_meter_finish(meter);

  aia_result r;
  aia_mailbox_stats st;
  aia_meter_result(meter, &r);
  aia_mailbox_stats_get(mb, &st);
  /* What the run computed; not the number of run calls or anything else
   * that depends on the thread timing (that goes to stderr). */
  printf("embed_threads: %d device threads, %d vCPUs, MSIs until cycle %u\n", NDEV, NVCPU, END);
  for (uint32_t i = 0; i < NDEV; i++)
    printf("  device %u: iid %u, mean gap %" PRIu64 " cycles, %" PRIu64 " MSIs posted\n", i,
           dev[i].iid, dev[i].mean_gap, dev[i].sent);
  printf("mailbox: %" PRIu64 " posted, %" PRIu64 " refused, %" PRIu64 " delivered, %" PRIu64
         " failed\n",
         st.posted, st.refused, st.delivered, st.failed);
  printf("MSIs %" PRIu64 ": claimed %" PRIu64 ", coalesced %" PRIu64 ", lost %" PRIu64 "\n",
         r.msis, r.claimed, r.coalesced, r.lost_interrupts);
  printf("latency (cycles): p50 %" PRIu64 " p90 %" PRIu64 " p99 %" PRIu64 " max %" PRIu64 "\n",
         r.latency.p50, r.latency.p90, r.latency.p99, r.latency.max);
  printf("wake-ups %" PRIu64 ", VM exits %" PRIu64 ", lost wake-ups %" PRIu64 "\n", r.wakeups,
         r.vm_exits, r.lost_wakeups);
  printf("records %" PRIu64 ", hash 0x%016" PRIx64 "\n", aia_sim_event_count(sim),
         aia_sim_hash(sim));
  fprintf(stderr, "embed_threads: %" PRIu64 " run_until calls (varies with thread timing)\n",
          runs);
  aia_sim_destroy(sim);
  return st.refused == 0 && st.failed == 0 ? 0 : 1;
}
