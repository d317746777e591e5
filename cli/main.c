/* cli/main.c: the aiasim command. Uses the public API only.
 * SPDX-License-Identifier: MIT
 *
 *   aiasim run FILE [options]     run a scenario (docs/scenarios.md)
 *   aiasim check FILE [--set p=v] validate only
 *   aiasim --help | --version
 *   aiasim merge | explore ...    (merge.c, explore.c)
 * Exit status: 0 ran and every expect held; 1 an expect failed or the
 * oracle found a violation the scenario did not expect; 2 bad input (file,
 * option, override) or an output that cannot be written; 3 internal error.
 * This file dispatches; args.c reads the options, run.c runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/aiasim.h"
#include "aiasim/scenario.h"
#include "cli.h"

#define EXIT_EXPECT 1
#define EXIT_INPUT 2
#define EXIT_INTERNAL 3
#define MAX_DIAGS 64

static const char usage[] =
    "usage: aiasim run FILE [--policy P[,P]] [--seed N] [--set path=value]...\n"
    "                  [--jobs N] [--json OUT] [--csv OUT] [--trace OUT.json]\n"
    "                  [--vcd OUT.vcd] [--trace-window FROM:TO] [--html OUT.html]\n"
    "                  [--quiet] [--progress]\n"
    "       aiasim check FILE [--set path=value]...\n"
    "       aiasim merge OUT.json IN.json...\n"
    "       aiasim explore FILE [--depth K] [--jobs N] [--budget RUNS|TIME] [--json OUT]\n"
    "                      [--out DIR] (see aiasim explore --help)\n"
    "       aiasim --help | --version\n"
    "\n"
    "Runs a scenario (YAML, schema version 1) with each policy side by side\n"
    "(kick, nokick, wake_first) from the same seed, and reports latency, the\n"
    "cost of kicks, wake-ups and the oracle's verdict. See docs/scenarios.md.\n"
    "\n"
    "  --policy P[,P]   policies to run (default: the scenario's)\n"
    "  --seed N         seed (same as --set seed=N)\n"
    "  --set PATH=VAL   override one key of the file, e.g. timing.vm_exit=3000\n"
    "  --jobs N         run sweep points and policies on N threads (same output)\n"
    "  --json OUT       write the JSON report ('-' for stdout)\n"
    "  --csv OUT        write one CSV row per run and point\n"
    "  --html OUT       write a self-contained page with the report's figures\n"
    "  --trace OUT      Chrome/Perfetto trace of each run (suffixed per run)\n"
    "  --vcd OUT        VCD waveforms of each run (suffixed per run)\n"
    "  --trace-window FROM:TO  only trace records in [FROM, TO) (cycles or units)\n"
    "  --shard K/N      run only sweep points K, K+N, K+2N, ... (0 <= K < N)\n"
    "  --quiet          no text report, and no progress unless --progress\n"
    "  --progress       show progress on stderr even when it is not a terminal\n"
    "                   (a line every 5 s; on a terminal one line, updated)\n"
    "  merge            join the --json reports of the shards of one sweep into the\n"
    "                   report a single run gives (byte for byte)\n"
    "\n"
    "Exit status: 0 ok, 1 an expect failed or a violation, 2 bad input or an output\n"
    "that cannot be written, 3 internal error.\n";

_Noreturn void aia__cli_die_input(const char *fmt, ...)
{
  va_list ap;
  fputs("aiasim: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  exit(EXIT_INPUT);
}

/* Exits 0 when what was written to stdout reached it, else 2. */
static void exit_stdout_checked(void)
{
  char err[256];
  if (aia__cli_stdout_check(err, sizeof err) != 0) {
    fprintf(stderr, "aiasim: error: %s\n", err);
    exit(EXIT_INPUT);
  }
  exit(0);
}

/* ---------------------------------------------------------- diagnostics */

/* Prints "file:line:col: error: msg", then the source line and a caret. */
void aia__cli_print_diag(const aia_diag *d, const opts *o)
{
  char buf[768];
  /* An override's problem names the option the user typed. */
  if (o && strcmp(d->file, "<--set>") == 0 && d->line >= 1 && d->line <= o->nov) {
    const aia_override *ov = &o->ov[d->line - 1];
    if (o->ov_store && o->ov_store[d->line - 1] == NULL && strcmp(ov->path, "seed") == 0)
      fprintf(stderr, "--seed %s: error: %s\n", ov->value, d->message);
    else
      fprintf(stderr, "--set %s=%s: error: %s\n", ov->path, ov->value, d->message);
    return;
  }
  aia_diag_format(d, buf, sizeof buf);
  fprintf(stderr, "%s\n", buf);
  if (d->line == 0 || d->file[0] == '\0' || d->file[0] == '<')
    return;
  FILE *f = fopen(d->file, "r");
  if (f == NULL)
    return;
  char line[512];
  uint32_t n = 0;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    int whole = len > 0 && line[len - 1] == '\n';
    if (++n == d->line) {
      if (whole)
        line[--len] = '\0';
      fprintf(stderr, "  %s\n  ", line);
      for (uint32_t c = 1; c < d->column && c <= len; c++)
        fputc(line[c - 1] == '\t' ? '\t' : ' ', stderr);
      fputs("^\n", stderr);
      break;
    }
    while (!whole && fgets(line, sizeof line, f)) { /* rest of a long line */
      len = strlen(line);
      whole = len > 0 && line[len - 1] == '\n';
    }
  }
  fclose(f);
}

static aia_scenario *load_or_exit(const opts *o)
{
  aia_diag diags[MAX_DIAGS];
  size_t nfound = 0;
  aia_scenario *scn = NULL;
  int rc;
  if (strcmp(o->file, "-") == 0) { /* the scenario on standard input */
    size_t len = 0;
    /* The loader's limit for files, for standard input too. */
    char *text = aia__cli_read_all(stdin, (size_t)64 << 20, &len);
    if (text == NULL)
      aia__cli_die_input("-: cannot read standard input: %s", strerror(errno ? errno : ENOMEM));
    if (len > (size_t)64 << 20) {
      free(text);
      aia__cli_die_input("-: the input is larger than 64 MiB");
    }
    rc = aia_scenario_load_mem("<stdin>", text, len, o->ov, o->nov, &scn, diags, MAX_DIAGS,
                               &nfound);
    free(text);
  } else {
    rc = aia_scenario_load_file(o->file, o->ov, o->nov, &scn, diags, MAX_DIAGS, &nfound);
  }
  if (rc == AIA_OK)
    return scn;
  if (rc == AIA_ENOMEM)
    exit(EXIT_INTERNAL);
  for (size_t i = 0; i < nfound && i < MAX_DIAGS; i++)
    aia__cli_print_diag(&diags[i], o);
  if (nfound > MAX_DIAGS)
    fprintf(stderr, "aiasim: %zu more errors not shown\n", nfound - MAX_DIAGS);
  if (nfound == 0)
    fprintf(stderr, "%s: error: %s\n", o->file, aia_strerror(rc));
  exit(EXIT_INPUT);
}

/* ---------------------------------------------------------- main ------- */


int main(int argc, char **argv)
{
  opts o;
  if (argc >= 2 && strcmp(argv[1], "explore") == 0)
    return aia__cli_explore(argc, argv);
  if (argc < 2) {
    fputs(usage, stderr);
    return EXIT_INPUT;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage, stdout);
    exit_stdout_checked();
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("aiasim %s\n", aia_version_string());
    exit_stdout_checked();
  }
  aia__cli_parse_args(argc, argv, &o);
  if (strcmp(o.cmd, "merge") == 0)
    return aia__cli_merge(argc - 2, argv + 2);
  aia_scenario *base = load_or_exit(&o);
  {
    /* The same budgets for check and run, before anything runs. */
    char why[512];
    if (aia_scenario_check_limits(base, &o.lim, why, sizeof why) != AIA_OK) {
      fprintf(stderr, "%s: error: %s; raise it with --%s (0: no limit)\n", o.file, why,
              strstr(why, "max_points")   ? "max-points"
              : strstr(why, "max_memory") ? "max-memory"
                                          : "max-events");
      exit(EXIT_INPUT);
    }
  }
  /* List MSIs the run never reaches: not an error (a sweep of durations
   * may cut some), but never silent. */
  for (uint32_t i = 0; i < base->ndevices; i++) {
    const aia_scn_device *d = &base->devices[i];
    uint32_t late = 0;
    if (d->pattern != AIA_PATTERN_LIST)
      continue;
    for (uint32_t k = 0; k < d->nat; k++)
      late += d->at[k].at >= base->duration;
    if (late)
      fprintf(stderr,
              "%s: warning: device %s: %" PRIu32 " of its %" PRIu32 " list MSIs are at or after the"
              " end of the run (duration %" PRIu64 " cycles): they are never sent\n",
              o.file, d->name, late, d->nat, base->duration);
  }
  if (strcmp(o.cmd, "check") == 0) {
    aia_scenario_destroy(base);
    free(o.ov);
    for (size_t i = 0; i < o.nov; i++)
      free(o.ov_store[i]);
    free(o.ov_store);
    return 0;
  }
  if (o.npolicies == 0) { /* the scenario's */
    o.npolicies = base->npolicies;
    memcpy(o.policies, base->policies, sizeof o.policies);
  }
  int status = aia__cli_run(&o, base);
  aia_scenario_destroy(base);
  for (size_t i = 0; i < o.nov; i++)
    free(o.ov_store[i]);
  free(o.ov_store);
  free(o.ov);
  return status;
}
