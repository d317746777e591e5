/* lib/hw/hw_impl.h: the platform's private state (for the layers above and
 * white-box tests; they read it, only lib/hw writes it).
 * SPDX-License-Identifier: MIT */
#ifndef AIA__HW_IMPL_H
#define AIA__HW_IMPL_H

#include "aiasim/hw.h"
#include "core/sim_impl.h"
#include "hw/ifile.h"

typedef struct aia__hart {
  struct aia_platform *p; /* owner */
  aia__ifile *files;      /* geilen + 1: [0] S-level, [1..geilen] guest */
  aia_cycle *last_land;   /* per file: cycle the last posted write lands */
  aia_cycle *last_line;   /* per file: cycle its last line change reaches the hart */
  uint64_t line_now;      /* bit f: file f's output line at the file */
  uint64_t hgeip;         /* guest lines as the hart sees them */
  uint64_t hgeie;
  uint64_t hvip;
  uint64_t ie;
  uint64_t mip;           /* last value reported to listeners */
  uint32_t vgein;
  bool seip;              /* S file line as the hart sees it */
  bool ext_seip;          /* an APLIC's direct-mode line (supervisor domain) */
  bool ssip;
  bool sie;
  bool virt;
  bool idle;
  aia__ev wake_ev;        /* idle exit in progress */
  uint32_t index;
} aia__hart;

typedef struct aia__hw_listener {
  aia_hart_irq_fn fn;
  void *user;
} aia__hw_listener;

/* A delayed hardware action: an MSI landing, a line reaching a hart, an IPI. */
typedef struct aia__hw_job {
  aia__pev pe;            /* pooled (aia_platform.jobs) */
  struct aia_platform *p;
  uint32_t kind, hart, file, value;
  uint64_t msi;
} aia__hw_job;

struct aia_platform {
  aia_sim *sim;
  aia_platform_config cfg;
  aia__hart *harts;
  aia__hw_listener *listeners;
  uint32_t nlisteners;
  aia__evpool jobs;       /* aia__hw_job */
  aia_rng rng;            /* jitter draws */
};

/* An APLIC domain's direct-mode output for `hart` (lib/hw/aplic.c): ORed
 * into mip.SEIP. */
void aia__hart_set_ext_seip(aia_platform *p, uint32_t hart, bool level);

#endif /* AIA__HW_IMPL_H */
