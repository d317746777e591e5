/* cli/cli.h: what the command's files share.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_CLI_H
#define AIA_CLI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "aiasim/aiasim.h"
#include "aiasim/run.h"
#include "aiasim/scenario.h"
#include "aiasim/trace.h"

/* Version of the JSON report's schema (docs/report.schema.json). */
#define AIA_CLI_REPORT_SCHEMA "1"

#define AIA_CLI_EXIT_EXPECT 1
#define AIA_CLI_EXIT_INPUT 2
#define AIA_CLI_EXIT_INTERNAL 3

/* main.c: the command line of `aiasim run` and `check`. */
typedef struct opts {
  const char *cmd, *file;
  aia_override *ov;
  size_t nov;
  char **ov_store; /* strings we allocated for --seed */
  aia_policy policies[3];
  uint32_t npolicies;
  unsigned jobs;
  const char *json, *csv, *html, *trace, *vcd, *window;
  int quiet;
  int progress; /* --progress */
  uint32_t shard_k, shard_n; /* --shard K/N; n == 0: all points */
  aia_limits lim;            /* --max-memory, --max-events, --max-points */
} opts;

/* args.c: fills *o from the command line (argv[1] is the command); any
 * problem goes to aia__cli_die_input. */
void aia__cli_parse_args(int argc, char **argv, opts *o);
/* main.c: prints "aiasim: error: ..." and exits 2. */
_Noreturn void aia__cli_die_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* main.c: a loader diagnostic, as file:line:col: error: ..., with the line;
 * one about an override names it as typed (--set PATH=VALUE, --seed N). */
void aia__cli_print_diag(const aia_diag *d, const opts *o);
/* run.c: `aiasim run` once the scenario is loaded; the exit status. */
int aia__cli_run(const opts *o, aia_scenario *base);
/* merge.c: `aiasim merge OUT IN...` (argv after "merge"); the exit status. */
int aia__cli_merge(int argc, char **argv);

/* out.c: an output file. Open: "-" is stdout; an existing device or pipe
 * is written in place; anything else goes to PATH.tmpPID (created
 * exclusively), renamed over PATH by commit once written, flushed and
 * closed. open and commit return 0, or -1 with a message naming the path
 * in err; a failed commit leaves no temporary file. abort drops what was
 * written. probe opens and aborts (is PATH writable now?). is_special: "-"
 * or an existing file that is not a regular one. stdout_check: 0 when
 * everything written to stdout reached it. */
typedef struct out_file {
  const char *path;
  char tmp[1100];
  FILE *f;
  char *buf;                /* its stdio buffer (AIA_CLI_OUT_BUFFER bytes), or NULL */
} out_file;
/* A report of a sweep is megabytes; written 4 KiB a call (stdio's default)
 * it took a fifth of a one-thread sweep's time. */
#define AIA_CLI_OUT_BUFFER (256u << 10)
int aia__cli_out_open(out_file *o, const char *path, char *err, size_t len);
int aia__cli_out_commit(out_file *o, char *err, size_t len);
void aia__cli_out_abort(out_file *o);
int aia__cli_out_probe(const char *path, char *err, size_t len);
bool aia__cli_is_special(const char *path);
int aia__cli_stdout_check(char *err, size_t len);
/* out.c: all of f (stopping soon after more than `max` bytes were read), NUL
 * terminated, its length in *len; NULL on a read error or out of memory. */
char *aia__cli_read_all(FILE *f, size_t max, size_t *len);

/* html.c: what the --html page draws of one run, gathered while it runs:
 * its latency histograms, and the time each of the first harts spends in
 * a guest, in the host and idle, in AIA_CLI_HTML_BINS bins. */
#define AIA_CLI_HTML_BINS 100
#define AIA_CLI_HTML_HARTS 32
typedef struct html_run {
  aia_hist lat, wlat;       /* copies of the meter's histograms */
  uint32_t harts;           /* harts of the platform */
  uint32_t nharts;          /* harts drawn: the first min(harts, AIA_CLI_HTML_HARTS) */
  aia_cycle span, bin;      /* cycles the bins cover (duration + drain), per bin */
  aia_cycle end;            /* cycle the run stopped */
  uint64_t *occ;            /* [hart][bin][guest, host, idle]: cycles */
  uint8_t *in_guest, *idle; /* per drawn hart: its state now */
  aia_cycle *since;         /* per drawn hart: in that state since */
} html_run;

/* One run of `aiasim run`: a sweep point under one policy. */
/* A run's trace outputs (allocated only when a trace is asked for: the
 * paths and the temporary-file state are two thirds of a job otherwise). */
typedef struct job_io {
  char trace_path[1024], vcd_path[1024]; /* "" for none */
  out_file trace_o, vcd_o;  /* open during the run */
} job_io;

typedef struct job {
  const aia_scenario *scn;  /* the point's scenario */
  aia_policy policy;
  uint32_t point;           /* index of the point */
  size_t run;               /* its run number in the whole (unsharded) sweep */
  bool probe;
  aia_cycle probe_at;
  int64_t offset;
  aia_run_result res;
  aia_thread_stats sched;   /* the vCPU threads' schedstat, summed at the end */
  aia_thread_stats *vsched; /* and per vCPU, VMs in order (nvsched entries) */
  aia_vcpu_halt_stats *vhalt; /* per vCPU too, same order */
  aia_vcpu_exit_stats *vexit; /* per vCPU too, same order */
  uint32_t *vsched_vm;      /* the VM of each */
  uint32_t nvsched;
  uint32_t nvsched_cap;     /* room in the four arrays above */
  aia_vcpu_file_stats files; /* SW-file use, summed over the vCPUs */
  aia_vcpu_halt_stats halt;  /* KVM's halt statistics, summed over the vCPUs */
  aia_vcpu_exit_stats exits; /* RISC-V's kvm_vcpu_stat exit counts, summed */
  aia_injector_stats inj;   /* the injector hart at the end of the run */
  html_run *html;           /* --html and a run the page draws; else NULL */
  bool progress_on;         /* the progress hook sees the records */
  const aia_limits *lim;    /* the command's budgets */
  aia_kvm *kvm;             /* during the run only */
  _Atomic uint64_t sim_done; /* simulated cycles done (progress; the run's thread
                                writes, the progress thread reads) */
  uint64_t nrec;            /* records seen by the progress hook */
  int rc;
  char err[256];
  struct job_io *io;        /* --trace / --vcd of this run; NULL without them */
  aia_cycle tr_from, tr_to;

  char *json;               /* its JSON run line, formatted on the run's thread (or room for it) */
  size_t json_len;          /* 0: not formatted */
  size_t json_cap;
  bool out_err;             /* err is about an output (exit 2, not 3) */
  aia_trace_chrome *trace_w;
  aia_trace_vcd *vcd_w;
} job;

/* report.c: the reports, written as the runs come: the text report (its
 * header, then npol policies side by side for each point of `jobs`), the
 * JSON report (begin, the runs of each point, first: no separator before
 * the first run of all, end) and the CSV (header, then rows). */
void aia__cli_text_header(FILE *f, const aia_scenario *base);
void aia__cli_text_report(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                          uint32_t npol);
void aia__cli_json_begin(FILE *f, const aia_scenario *base, const opts *o, size_t total_runs);
/* How the header says which shard a report is; merge writes the second. */
#define AIA_CLI_SHARD_FMT "\"shard\": { \"k\": %u, \"n\": %u }"
#define AIA_CLI_NO_SHARD "\"shard\": null"
/* Formats a finished run's JSON line into j->json (on the run's thread, so
 * that --jobs formats in parallel), into the room the loader made there if
 * it made some; leaves json_len 0 when out of memory or when the run has
 * more than AIA_CLI_JSON_PREFORMAT_VCPUS vCPUs (written directly then, to
 * keep memory bounded). */
#define AIA_CLI_JSON_PREFORMAT_VCPUS 4096u
/* The room a run's line takes, about (3 KB, and 1.5 KB a vCPU). */
#define AIA_CLI_JSON_ROOM(vcpus) (4096u + (size_t)(vcpus) * 1536u)
void aia__cli_json_format(const aia_scenario *base, job *j);
/* Writes the runs' lines (the formatted ones as they are). */
void aia__cli_json_runs(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs,
                        bool first);
void aia__cli_json_end(FILE *f, bool any);
void aia__cli_csv_header(FILE *f);
void aia__cli_write_csv(FILE *f, const aia_scenario *base, const job *jobs, size_t njobs);

/* report.c: whether the injector hart of a run was saturated: MSIs still
 * waiting for it at the end, or some refused because its backlog was full. */
bool aia__cli_injector_saturated(const job *j);

/* report.c: the verdict line of the runs of one point (npol policies side
 * by side), without "verdict: " and the newline. */
void aia__cli_verdict(char *buf, size_t len, const job *row, uint32_t npol);

/* html.c: the --html page. prepare allocates j->html (-1: out of memory);
 * hook takes every record of the run; result copies the meter's
 * histograms; finish closes the occupancy at the run's last cycle; free
 * releases j->html. write_html draws `rows` (the npol runs of the first
 * point) and, for a sweep, the p99 latency of every run in pts. */
int aia__cli_html_prepare(job *j);
void aia__cli_html_hook(job *j, const aia_event *ev);
void aia__cli_html_result(job *j, const aia_meter *m);
void aia__cli_html_finish(job *j, aia_cycle end);
void aia__cli_html_free(job *j);
/* One run's p99 for the page's sweep panel. */
typedef struct html_point {
  uint32_t point;
  aia_policy policy;
  uint64_t p99;
} html_point;
void aia__cli_write_html(FILE *f, const aia_scenario *base, const job *rows, uint32_t npol,
                         const html_point *pts, size_t npts);

/* One check of a scenario's expect block on one run. A count left out of
 * the block must be 0 (the oracle may find no violation the scenario does
 * not expect); latency_p99 is checked only when given. */
typedef struct expect_check {
  const char *name;  /* JSON: lost_wakeups, lost_interrupts, latency_p99_cycles */
  const char *label; /* text: "lost wake-ups", ... */
  uint64_t measured, min, max; /* max UINT64_MAX: no upper bound */
  bool held;
} expect_check;

/* report.c: the checks `base`'s expect block makes on run r (at most 3). */
size_t aia__cli_expect_checks(const aia_scenario *base, const aia_result *r, expect_check out[3]);

/* progress.c: what `aiasim run` shows while it runs, on stderr. */
typedef enum progress_mode {
  PROGRESS_OFF = 0,
  PROGRESS_TERMINAL = 1, /* one line rewritten in place, twice a second */
  PROGRESS_LOG = 2       /* one line every 5 s (--progress without a terminal) */
} progress_mode;

typedef struct progress {
  const job *jobs;       /* the sweep's job slots (under mu; scn NULL: empty) */
  size_t njobs;
  size_t total;          /* runs of the whole command */
  uint64_t cycles_before; /* simulated cycles of the runs retired */
  uint64_t cycles_total; /* of all runs (estimated from the base scenario) */
  uint64_t hz;
  progress_mode mode;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t done;           /* runs finished */
  bool stop, started;
  pthread_t thread;
  struct timespec t0;
} progress;

/* Starts the progress thread (nothing when mode is PROGRESS_OFF) for
 * `total` runs of `cycles_total` simulated cycles in all. */
void aia__cli_progress_start(progress *pr, size_t total, uint64_t cycles_total, uint64_t hz,
                             progress_mode mode);
/* The job slots whose runs progress follows (NULL at the end: the cycles of
 * the runs still in them count as done). */
void aia__cli_progress_jobs(progress *pr, const job *jobs, size_t njobs);
/* A run finished (its sim_done set to its whole length). */
void aia__cli_progress_job_done(progress *pr, job *j);
/* The job array given to progress_batch is about to change (a slot filled
 * or emptied): hold ... release around it (no-ops without progress). */
void aia__cli_progress_hold(progress *pr);
void aia__cli_progress_release(progress *pr);
/* Inside a hold: these jobs are done with; their simulated time counts as
 * done from now on (the caller empties their slots before releasing). */
void aia__cli_progress_retire(progress *pr, job *jobs, size_t n);

/* sweep.c: the runs of a sweep on a pipeline of `window` points. */
typedef struct sweep_ops {
  void *ctx;
  /* Point n (0-based, in order) into its npol jobs (zeroed) and its
   * scenario (*scn, may be left NULL on failure); 0 or an exit status. */
  int (*load)(void *ctx, uint64_t n, job *jobs, aia_scenario **scn);
  /* Runs one job, on any thread; `format`: also format its JSON line there
   * (the sweep asks for it when it runs on several threads, so that the
   * formatting is shared out too). */
  void (*run)(void *ctx, job *j, bool format);
  /* A point's runs, all finished, in point order; 0 or an exit status
   * (nothing more is written, the runs started finish). */
  int (*write)(void *ctx, job *jobs, size_t n);
  /* Done with a point, written or not: free (or keep) its jobs and scenario. */
  void (*retire)(void *ctx, uint64_t n, job *jobs, uint32_t npol, aia_scenario *scn);
} sweep_ops;
/* Runs npoints points of npol jobs on nthreads threads (1: on this one);
 * 0 or the first exit status of load or write. */
int aia__cli_sweep(const sweep_ops *ops, uint64_t npoints, uint32_t npol, unsigned nthreads,
                   size_t window, progress *pr);
/* Stops the thread and prints the final line. */
void aia__cli_progress_stop(progress *pr);
/* The record hook a run gets when progress is on (user: its job). */
void aia__cli_progress_hook(void *user, const aia_event *ev);

/* `aiasim explore ...` (argv[1] is "explore"); returns the exit status. */
int aia__cli_explore(int argc, char **argv);

#endif /* AIA_CLI_H */
