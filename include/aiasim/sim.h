/* aiasim/sim.h: the simulation engine (clock, event queue, hooks, PRNG streams).
 * SPDX-License-Identifier: MIT
 *
 * Thread-safety:
 *  - An aia_sim and every object obtained from it belong to one thread at a
 *    time. There is no locking inside.
 *  - Different aia_sim instances share nothing and may run in parallel threads.
 *    The library has no mutable global state.
 *  - aia_version*(), aia_strerror(), aia_status_name(), aia_event_kind_name()
 *    are pure and callable from any thread.
 *  - The one entry meant for other threads is the mailbox (aiasim/mailbox.h):
 *    items posted there are drained at the start of every aia_sim_run(),
 *    aia_sim_run_until() and aia_sim_step() call.
 *
 * Determinism: events are ordered by (cycle, phase, insertion sequence), a
 * strict total order, and randomness comes only from streams derived from the
 * seed. The same inputs and seed give the same event stream and hash.
 */
#ifndef AIA_SIM_H
#define AIA_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aiasim/export.h"
#include "aiasim/hooks.h"
#include "aiasim/rng.h"
#include "aiasim/status.h"

AIA_BEGIN_DECLS

typedef struct aia_sim aia_sim; /* opaque */

/* Evaluation order of events that fall on the same cycle. */
typedef enum aia_phase {
  AIA_PH_DELIVER = 0, /* MSI writes land, eip bits change */
  AIA_PH_UPDATE = 1,  /* files and harts recompute lines */
  AIA_PH_HART = 2,    /* harts take traps, software runs */
  AIA_PH_SCHED = 3,   /* host scheduler decisions */
  AIA_PH_OBSERVE = 4, /* observers see the settled cycle */
  AIA_PH_COUNT_ = 5
} aia_phase;

/* Handle of an event scheduled with aia_sim_schedule(). 0 is never a valid
 * handle. A handle stays safe to pass after its event ran or was cancelled:
 * it is then simply unknown (AIA_ENOENT). */
typedef uint64_t aia_timer;

/* Callback of a scheduled event. Runs on the simulation thread at its cycle. */
typedef void (*aia_timer_fn)(aia_sim *sim, void *user);

typedef struct aia_sim_config {
  size_t struct_size;   /* set by aia_sim_config_init(); lets the struct grow */
  uint64_t seed;        /* default 1 */
  uint64_t clock_hz;    /* cycles per simulated second; default 1000000000 */
  uint64_t max_events_per_cycle; /* livelock guard for zero-delay loops; 0 = off
                                    (default 1000000) */
  uint64_t max_steps;   /* budget: queue events one simulation may run in all; one
                           more fails the run call with AIA_ELIMIT; 0 = none
                           (the default) */
  int records;          /* 1 (default): the record stream runs (hash, count,
                           hooks). 0: there is none: aia_sim_emit and the
                           models' own records do nothing, hooks are never
                           called (attaching one still succeeds), and
                           aia_sim_hash / aia_sim_event_count keep their
                           initial values. The models do not read their own
                           records, so the simulation is otherwise the same;
                           what it saves is what the stream costs
                           (bench_throughput measures it that way). */
} aia_sim_config;

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_sim_config_init(aia_sim_config *cfg);

/* Creates a simulation at cycle 0 with an empty queue. *out is set to NULL
 * first and to the new handle on success. AIA_EINVAL for NULL arguments, a
 * zero clock or a struct_size too small; AIA_ENOMEM. */
AIA_API int aia_sim_create(const aia_sim_config *cfg, aia_sim **out);

/* Destroys the simulation and every object attached to it. NULL: no-op.
 * From inside a hook or a timer callback of this sim (even for a record
 * emitted outside a run call) it does nothing: destroy the sim after the
 * call that led to the hook returns. */
AIA_API void aia_sim_destroy(aia_sim *sim);

/* Current simulated cycle. */
AIA_API aia_cycle aia_sim_now(const aia_sim *sim);

/* Seed and clock the simulation was created with. */
AIA_API uint64_t aia_sim_seed(const aia_sim *sim);
AIA_API uint64_t aia_sim_clock_hz(const aia_sim *sim);

/* The three run calls below first drain the simulation's mailbox, if it
 * has one (aiasim/mailbox.h); a failed drain (AIA_ENOMEM) is returned
 * before anything runs. */

/* Runs events until the queue is empty or aia_sim_stop() is called.
 * AIA_ESTATE when called re-entrantly (from a hook or callback, also one
 * called for a record emitted outside a run call), AIA_ERANGE if the
 * livelock guard tripped, AIA_ELIMIT when max_steps events have run, and
 * the status of a model error (a callback that broke its contract, such as
 * a guest behaviour returning an unknown action): the run stops at that
 * event, and every later run call returns the same status (see
 * aia_sim_errmsg()). */
AIA_API int aia_sim_run(aia_sim *sim);

/* Runs every event with cycle <= limit, then sets the clock to limit (never
 * backwards). Stops early, with the clock at the last event run, if
 * aia_sim_stop() was called. AIA_ERANGE if limit < now; else as aia_sim_run. */
AIA_API int aia_sim_run_until(aia_sim *sim, aia_cycle limit);

/* Runs exactly one event. AIA_ENOENT if the queue is empty. */
AIA_API int aia_sim_step(aia_sim *sim);

/* Asks a running aia_sim_run*() to return after the current event. */
AIA_API void aia_sim_stop(aia_sim *sim);

/* Cycle of the earliest pending event in *when. AIA_ENOENT if none.
 * Mailbox items count once drained (aia_mailbox_drain, or any run call). */
AIA_API int aia_sim_next_event_cycle(const aia_sim *sim, aia_cycle *when);

/* Number of events currently queued (model-internal events included). */
AIA_API size_t aia_sim_pending(const aia_sim *sim);

/* Schedules fn(sim, user) at cycle `when` in `phase`. `when` must be >= now;
 * on the current cycle the phase must not be earlier than the one running.
 * *out (may be NULL) receives a handle for aia_sim_cancel().
 * AIA_EINVAL (NULL fn, bad phase), AIA_ERANGE (in the past), AIA_ENOMEM. */
AIA_API int aia_sim_schedule(aia_sim *sim, aia_cycle when, aia_phase phase,
                             aia_timer_fn fn, void *user, aia_timer *out);

/* Cancels an event scheduled with aia_sim_schedule(). AIA_ENOENT if it has
 * already run, was cancelled, or the handle is unknown. */
AIA_API int aia_sim_cancel(aia_sim *sim, aia_timer t);

/* Attaches a hook that receives every record whose kind bit is in `mask`.
 * Several hooks may be attached; they run in attach order. Attached from
 * inside a hook, it receives the records after the one being handed out.
 * A record made
 * while hooks run (aia_sim_emit from a hook, or a model reacting to a
 * record) is counted and hashed at once and handed to the hooks after the
 * current record has reached all of them, so every hook sees the stream in
 * order; over 65,536 such records for one record stop the run with
 * AIA_ERANGE. *id (may be NULL) receives an id for aia_sim_hook_remove().
 * AIA_EINVAL, AIA_ENOMEM. */
AIA_API int aia_sim_hook_add(aia_sim *sim, uint64_t mask, aia_hook_fn fn,
                             void *user, uint32_t *id);

/* Detaches a hook: it is not called again once this returns, not even (from
 * inside a hook) for the record being handed out, which the other hooks
 * still all receive. AIA_ENOENT for an unknown id. */
AIA_API int aia_sim_hook_remove(aia_sim *sim, uint32_t id);

/* Reports a record through the stream (hash, count, hooks). The cycle field
 * is overwritten with now. Models call this; users may emit AIA_EV_USER. */
AIA_API void aia_sim_emit(aia_sim *sim, const aia_event *ev);

/* Running 64-bit hash of every record emitted so far, and their number. */
AIA_API uint64_t aia_sim_hash(const aia_sim *sim);
AIA_API uint64_t aia_sim_event_count(const aia_sim *sim);

/* Number of queue events executed so far (scheduled callbacks and model
 * events alike). */
AIA_API uint64_t aia_sim_steps(const aia_sim *sim);

/* Seeds *r as stream `stream` of this simulation's seed. Streams with
 * different ids are independent. */
AIA_API void aia_sim_rng(const aia_sim *sim, uint64_t stream, aia_rng *r);

/* Detail of the last failure on this handle, for humans. Never NULL; valid
 * until the next call on the handle. */
AIA_API const char *aia_sim_errmsg(const aia_sim *sim);

/* Cycles for a duration in nanoseconds at this clock, rounded down. */
AIA_API aia_cycle aia_sim_ns_to_cycles(const aia_sim *sim, uint64_t ns);

AIA_END_DECLS

#endif /* AIA_SIM_H */
