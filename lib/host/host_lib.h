/* lib/host/host_lib.h: what the host offers the other layers of the
 * library beyond its public API (aiasim/host.h).
 * SPDX-License-Identifier: MIT */
#ifndef AIA__HOST_LIB_H
#define AIA__HOST_LIB_H

#include "aiasim/host.h"

/* Prefetches the thread's state (aia__prefetch): a thread about to be
 * woken, e.g. the target of an MSI. NULL is accepted. */
void aia__thread_prefetch(const aia_thread *t);

#endif /* AIA__HOST_LIB_H */
