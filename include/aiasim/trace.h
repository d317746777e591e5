/* aiasim/trace.h: timeline writers, Chrome/Perfetto JSON and VCD, as hook
 * consumers of a simulation's record stream.
 * SPDX-License-Identifier: MIT
 *
 * A writer attaches one hook to a simulation and turns the records it sees
 * into a file a timeline viewer opens: ui.perfetto.dev (or chrome://tracing)
 * for the JSON, GTKWave for the VCD. What each track and signal shows is in
 * docs/traces.md.
 *
 * Lifecycle. aia_trace_*_open() writes the header and attaches the hook;
 * run the simulation; aia_trace_*_close() writes the end of the file and
 * detaches the hook. The writer object belongs to the simulation and is
 * freed by aia_sim_destroy() (close only releases its buffers). Close before
 * you fclose() the stream and before you destroy the sim; a sim destroyed
 * without close never touches the stream again, so the file is then cut
 * short but nothing is written to a stream the caller may have closed.
 *
 * Output. The writers only ever write to the FILE * they were given and
 * never print anything else. The output is a pure function of the record
 * stream (and of the configuration): the same run gives the same bytes on
 * every machine. Every number is printed with integer arithmetic; cycles are
 * converted to time with the simulation's clock_hz.
 *
 * Window. Only what happens in the cycle window [from, to) is written, so a
 * long run can be traced around a point of interest without writing
 * gigabytes. Records before `from` are still read, to know the state at
 * `from` (a slice that began earlier starts at `from`; the VCD's initial
 * values are those at `from`); records at or after `to` are ignored.
 *
 * Thread-safety: a writer is used on its simulation's thread, like the sim.
 * Writers hold no global state: several sims, each with its writers, may run
 * in parallel threads.
 */
#ifndef AIA_TRACE_H
#define AIA_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "aiasim/export.h"
#include "aiasim/hw.h"
#include "aiasim/kvm.h"
#include "aiasim/sim.h"

AIA_BEGIN_DECLS

typedef struct aia_trace_config {
  size_t struct_size;     /* set by aia_trace_config_init() */
  aia_cycle from;         /* first cycle written; default 0 */
  aia_cycle to;           /* first cycle no longer written; 0 = no end (default).
                             With to != 0, from < to is required. */
  const char *scenario;   /* name shown in the header (JSON otherData, VCD
                             $comment); copied at open; NULL = "" (default) */
  bool has_seed;          /* false (default): the header shows aia_sim_seed() */
  uint64_t seed;          /* the seed shown when has_seed is true */
  /* The system, to name and size the tracks and signals. `platform` is
   * required (harts and guest files); `kvm` is optional (VMs and vCPUs; the
   * threads of its vCPUs are named after them). Both must belong to the
   * simulation the writer is opened on. Open the writer after the VMs are
   * created: a VM created later has no track. (platform is not const:
   * hgeie is read through its CSR accessor.) */
  aia_platform *platform;
  const aia_kvm *kvm;
} aia_trace_config;

/* Fills cfg with the defaults and sets struct_size. */
AIA_API void aia_trace_config_init(aia_trace_config *cfg);

/* ------------------------------------------------- Chrome / Perfetto --- */

typedef struct aia_trace_chrome aia_trace_chrome; /* opaque; owned by the sim */

/* Writes the JSON header and the track names to `out` and attaches a hook
 * to `sim`. *w is set to NULL first. Call it at any cycle; what the harts and
 * vCPUs are doing at that moment is read from the platform and kvm.
 * AIA_EINVAL (NULL argument, struct_size too small, no platform, platform or
 * kvm of another sim, to != 0 && to <= from; aia_sim_errmsg() says which),
 * AIA_ENOMEM, AIA_EIO (the header could not be written). On failure nothing
 * is attached (bytes may already be in `out` for AIA_EIO).
 *
 * Events are written in timestamp order. A slice is only complete at its
 * end, so events are held in memory until no open slice or unclaimed MSI
 * can precede them; in the worst case (a vCPU blocked for the whole window)
 * that is every event of the window until close. */
AIA_API int aia_trace_chrome_open(aia_sim *sim, FILE *out, const aia_trace_config *cfg,
                                  aia_trace_chrome **w);

/* Ends every open slice at the current cycle (or at `to` if that is
 * earlier), writes what is still held and the closing brackets, and
 * detaches the hook. Does not fclose() `out`. Must not be called from a
 * hook of the same sim. AIA_OK; AIA_EIO if any write to `out` failed since
 * open; AIA_ENOMEM if events had to be dropped for lack of memory (the file
 * is still well formed); AIA_ESTATE if already closed; AIA_EINVAL for NULL. */
AIA_API int aia_trace_chrome_close(aia_trace_chrome *w);

/* ---------------------------------------------------------------- VCD --- */

typedef struct aia_trace_vcd aia_trace_vcd; /* opaque; owned by the sim */

/* Writes the VCD header (declarations up to $enddefinitions) to `out` and
 * attaches a hook to `sim`. *w is set to NULL first. The initial values
 * ($dumpvars) are written at max(from, the cycle of open), once that cycle
 * has passed. Same errors as aia_trace_chrome_open(). */
AIA_API int aia_trace_vcd_open(aia_sim *sim, FILE *out, const aia_trace_config *cfg,
                               aia_trace_vcd **w);

/* Writes the changes still held, then a last time stamp at the current
 * cycle (or at `to` if that is earlier) as the end marker, and detaches the
 * hook. Does not fclose() `out`. AIA_OK, AIA_EIO, AIA_ESTATE, AIA_EINVAL as
 * for aia_trace_chrome_close() (the VCD writer allocates nothing while it
 * runs, so never AIA_ENOMEM). */
AIA_API int aia_trace_vcd_close(aia_trace_vcd *w);

AIA_END_DECLS

#endif /* AIA_TRACE_H */
