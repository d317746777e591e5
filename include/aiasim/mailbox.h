/* aiasim/mailbox.h: the one cross-thread entry into a simulation.
 * SPDX-License-Identifier: MIT
 *
 * A mailbox lets threads other than the simulation's own (the device models
 * of a host simulator, say) hand work to an aia_sim: each item names the
 * cycle at which it must take effect. The simulation thread moves the items
 * posted so far into its event queue at the start of every aia_sim_run(),
 * aia_sim_run_until() and aia_sim_step() call (the "drain"), and delivers
 * each one at its cycle by calling the handler registered for its kind.
 *
 * The mailbox itself knows nothing of MSIs: an item is a cycle, a producer
 * id, a kind and four payload words. The layer that owns a payload type
 * registers the handler that interprets it; aiasim/workload.h does so for
 * MSIs addressed to a vCPU and for raw physical MMIO writes
 * (aia_workload_mailbox, aia_mailbox_post_msi, aia_mailbox_post_mmio).
 *
 * Determinism. Items that fall on the same cycle are delivered in the order
 * (cycle, source, seq), where seq counts the posts of each source: the order
 * does not depend on which thread posted first or on which drain picked an
 * item up. All items of one cycle are delivered by a single event placed
 * after every other AIA_PH_HART event of that cycle and before AIA_PH_SCHED,
 * a position that does not depend on when the items were drained either.
 * One source id per producer thread (or per deterministic producer) keeps
 * the whole run independent of thread timing.
 *
 * The floor. A post whose cycle is below the mailbox's floor is refused
 * with AIA_ERANGE. The floor is one past the last cycle the simulation has
 * run or may be running:
 *   - at creation: now, or now + 1 if the simulation has run any event;
 *   - when aia_sim_run_until(limit) starts: at least limit + 1;
 *   - when aia_sim_step() starts: at least (cycle of the event it runs) + 1;
 *   - while aia_sim_run() runs: the maximum cycle (every post is refused,
 *     as no cycle is safe); when it returns: now + 1.
 * It never goes down except when aia_sim_run() returns. So an accepted item
 * is always drained before the simulation reaches its cycle.
 *
 * The protocol a host simulator follows so that no post is ever refused and
 * runs are reproducible (docs/embedding.md has both in full):
 *   - quanta: the simulation thread calls aia_sim_run_until(Q_k) for quantum
 *     k while producers, working on the same quantum, post only for cycles
 *     >= Q_k + 1; a barrier ends the quantum;
 *   - promises (conservative lookahead): each producer publishes the lowest
 *     cycle it may still post for (an atomic store with release order, after
 *     its posts), and the simulation thread runs only until min(promise) - 1
 *     (read with acquire order).
 *
 * Memory ordering. Every piece of shared state (the items waiting, the
 * floor, the per-source counters, the handler table) is read and written
 * under one mutex; locking and unlocking it are acquire and release
 * operations (POSIX memory synchronization). Therefore everything a producer
 * wrote before its aia_mailbox_post() returned AIA_OK, including memory an
 * item's payload points to, is visible to the handler when it runs on the
 * simulation thread; and a refusal is based on a floor that a drain really
 * published. No other synchronization is needed between producers and the
 * simulation thread, and producers need none among themselves.
 *
 * Thread-safety: aia_mailbox_post(), aia_mailbox_floor() and
 * aia_mailbox_waiting() may be called from any thread, concurrently with each
 * other and with the simulation running. Every other function is for the
 * simulation's thread only. The mailbox belongs to its simulation and is
 * freed by aia_sim_destroy(); no thread may use it once that call has
 * started.
 */
#ifndef AIA_MAILBOX_H
#define AIA_MAILBOX_H

#include <stddef.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef struct aia_mailbox aia_mailbox; /* opaque; owned by its aia_sim */

/* Item kinds: 0 is never valid; 1..7 belong to the library (their payload
 * is documented where their handler lives); 8..15 are free for users. */
#define AIA_MAIL_KINDS 16u
#define AIA_MAIL_MSI 1u   /* an MSI to a vCPU: aiasim/workload.h */
#define AIA_MAIL_MMIO 2u  /* a raw physical MMIO write: aiasim/workload.h */
#define AIA_MAIL_USER 8u  /* first kind free for applications */

#define AIA_MAIL_WORDS 4u

/* One item. The poster fills cycle, source, kind and w; seq is assigned by
 * aia_mailbox_post() (the value given is ignored). */
typedef struct aia_mail {
  aia_cycle cycle;             /* the cycle at which the handler runs */
  uint32_t source;             /* producer id, 0..sources-1 */
  uint32_t kind;               /* 1..AIA_MAIL_KINDS-1, with a handler */
  uint64_t seq;                /* 1, 2, ... per source, in post order */
  uint64_t w[AIA_MAIL_WORDS];  /* payload; meaning set by the kind */
} aia_mail;

/* Delivers one item on the simulation thread at aia_sim_now() == m->cycle
 * (phase AIA_PH_HART). It may call any function of the simulation, schedule
 * work and post to the mailbox (for cycles >= the floor). A non-zero return
 * counts the item as failed (aia_mailbox_stats); it is not retried. */
typedef int (*aia_mail_fn)(void *user, aia_sim *sim, const aia_mail *m);

/* Called instead of the handler for an item that will never be delivered:
 * one still waiting when the simulation is destroyed. Lets a producer free
 * memory the payload refers to. Runs inside aia_sim_destroy(). */
typedef void (*aia_mail_drop_fn)(void *user, const aia_mail *m);

typedef struct aia_mailbox_config {
  size_t struct_size; /* set by aia_mailbox_config_init() */
  uint32_t sources;   /* producer ids 0..sources-1; 1..65536; default 16 */
  uint32_t capacity;  /* most items posted and not yet drained; a post beyond
                         it gets AIA_EBUSY; 0 = no limit (default) */
} aia_mailbox_config;

/* Per-mailbox counters. */
typedef struct aia_mailbox_stats {
  uint64_t posted;    /* posts accepted */
  uint64_t refused;   /* posts refused (AIA_ERANGE, AIA_EBUSY, bad source or kind) */
  uint64_t drained;   /* items moved into the simulation */
  uint64_t delivered; /* handlers that returned 0 */
  uint64_t failed;    /* handlers that returned non-zero */
  uint64_t scheduled; /* drained items still waiting for their cycle */
} aia_mailbox_stats;

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_mailbox_config_init(aia_mailbox_config *cfg);

/* Creates the mailbox of `sim` (at most one per simulation) with no
 * handlers. *out = NULL first. AIA_EINVAL (NULL argument, sources out of
 * range, struct_size too small), AIA_EBUSY (the sim already has one),
 * AIA_ENOMEM, AIA_EIO (the mutex could not be created). Not from inside a
 * hook or callback of `sim` (AIA_ESTATE). */
AIA_API int aia_mailbox_create(aia_sim *sim, const aia_mailbox_config *cfg, aia_mailbox **out);

/* The simulation the mailbox belongs to. */
AIA_API aia_sim *aia_mailbox_sim(const aia_mailbox *mb);

/* Registers (or replaces) the handler of `kind`; `drop` may be NULL. Posts
 * of a kind without a handler are refused, so register before producers
 * start. `user` is handed back untouched. AIA_EINVAL (kind 0 or out of
 * range, NULL fn). */
AIA_API int aia_mailbox_set_handler(aia_mailbox *mb, uint32_t kind, aia_mail_fn fn,
                                    aia_mail_drop_fn drop, void *user);

/* Any thread. Queues a copy of *m for delivery at m->cycle. *seq (may be
 * NULL) receives the item's per-source sequence number. Failures change
 * nothing (the source's sequence does not advance) and, being possibly on
 * another thread, leave aia_sim_errmsg() alone:
 * AIA_EINVAL (NULL argument, source >= sources, kind out of range),
 * AIA_ENOENT (no handler for the kind), AIA_ERANGE (cycle below the floor),
 * AIA_EBUSY (capacity reached), AIA_ENOMEM. */
AIA_API int aia_mailbox_post(aia_mailbox *mb, const aia_mail *m, uint64_t *seq);

/* Any thread. The current floor: posts for a lower cycle are refused. A
 * snapshot: the floor may rise as soon as this returns. */
AIA_API aia_cycle aia_mailbox_floor(aia_mailbox *mb);

/* Any thread. Items posted and not yet drained. */
AIA_API size_t aia_mailbox_waiting(aia_mailbox *mb);

/* Drains now, as the next run call would, without running anything and
 * without moving the floor: afterwards aia_sim_next_event_cycle() and
 * aia_sim_pending() count the items posted so far. AIA_ENOMEM (the items
 * stay in the mailbox), AIA_ESTATE (called from inside the simulation). */
AIA_API int aia_mailbox_drain(aia_mailbox *mb);

/* The counters. */
AIA_API void aia_mailbox_stats_get(aia_mailbox *mb, aia_mailbox_stats *st);

AIA_END_DECLS

#endif /* AIA_MAILBOX_H */
