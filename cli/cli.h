/* cli/cli.h: what the command's files share.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_CLI_H
#define AIA_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aiasim/aiasim.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"
#include "aiasim/trace.h"

#define AIA_CLI_EXIT_EXPECT 1
#define AIA_CLI_EXIT_INPUT 2
#define AIA_CLI_EXIT_INTERNAL 3

/* One run of `aiasim run`: a sweep point under one policy. */
typedef struct job {
  const aia_scenario *scn;  /* the point's scenario */
  aia_policy policy;
  uint32_t point;           /* index of the point */
  bool probe;
  aia_cycle probe_at;
  int64_t offset;
  aia_run_result res;
  aia_thread_stats sched;   /* the vCPU threads' schedstat, summed at the end */
  aia_thread_stats *vsched; /* and per vCPU, VMs in order (nvsched entries) */
  uint32_t *vsched_vm;      /* the VM of each */
  uint32_t nvsched;
  aia_vcpu_file_stats files; /* SW-file use, summed over the vCPUs */
  aia_kvm *kvm;             /* during the run only */
  int rc;
  char err[256];
  char trace_path[1024], vcd_path[1024];
  aia_cycle tr_from, tr_to;
  FILE *trace_f, *vcd_f;
  aia_trace_chrome *trace_w;
  aia_trace_vcd *vcd_w;
} job;

/* report.c: the text report (npol policies side by side per point), the
 * JSON report (`index` maps job i to its run number in the unsharded
 * sweep) and the CSV. */
void aia__cli_text_report(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                          uint32_t npol);
void aia__cli_write_json(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                         const size_t *index);
void aia__cli_write_csv(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs);

/* `aiasim explore ...` (argv[1] is "explore"); returns the exit status. */
int aia__cli_explore(int argc, char **argv);

#endif /* AIA_CLI_H */
