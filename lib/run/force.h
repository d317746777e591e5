/* lib/run/force.h: the forced moments of a scenario, for run.c.
 * SPDX-License-Identifier: MIT */
#ifndef AIA__RUN_FORCE_H
#define AIA__RUN_FORCE_H

#include "aiasim/kvm.h"
#include "aiasim/scenario.h"

typedef struct aia__force aia__force;

/* Arms every `force:` item of scn on a built system (before it runs):
 * moments `at` a cycle at once, `after` ones through a hook. *out (freed
 * with aia__force_free after the sim is destroyed) may be NULL when the
 * scenario forces nothing. AIA_EINVAL for a vCPU or hart the system does
 * not have, AIA_ENOMEM. */
int aia__force_setup(const aia_scenario *scn, aia_sim *sim, aia_host *host, aia_kvm *kvm,
                     aia__force **out);

/* The first failure of an action taken during the run (AIA_OK if none). */
int aia__force_status(const aia__force *fs);

void aia__force_free(aia__force *fs);

#endif /* AIA__RUN_FORCE_H */
