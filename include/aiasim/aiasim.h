/* aiasim/aiasim.h: umbrella header. Include this one.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_AIASIM_H
#define AIA_AIASIM_H

#include "aiasim/export.h"
#include "aiasim/version.h"
#include "aiasim/status.h"
#include "aiasim/rng.h"
#include "aiasim/hooks.h"
#include "aiasim/sim.h"
#include "aiasim/mailbox.h"
#include "aiasim/stats.h"
#include "aiasim/hw.h"
#include "aiasim/aplic.h"
#include "aiasim/host.h"
#include "aiasim/kvm.h"
#include "aiasim/workload.h"
#include "aiasim/obs.h"
#include "aiasim/trace.h"

#endif /* AIA_AIASIM_H */
