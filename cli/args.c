/* cli/args.c: the command line of `aiasim run` and `aiasim check` into
 * opts. Every problem goes through aia__cli_die_input (which does not
 * return); the fuzz target tests/fuzz/fuzz_cli.c links this file alone.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---------------------------------------------------------- options ---- */


/* "8G", "512M", "4096K", "1000000" (bytes); "4e9" and plain numbers for
 * counts. 0 means no limit. */
static uint64_t parse_budget(const char *opt, const char *v, int sizes)
{
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  double mul = 1;
  if (sizes && *end) {
    switch (*end) {
    case 'K': case 'k': mul = 1024.0; end++; break;
    case 'M': case 'm': mul = 1024.0 * 1024; end++; break;
    case 'G': case 'g': mul = 1024.0 * 1024 * 1024; end++; break;
    case 'T': case 't': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'i' && end[1] == 'B')
      end += 2;
    else if (*end == 'B')
      end++;
  }
  if (end == v || *end || errno || !(x >= 0) || x * mul > 1.8e19)
    aia__cli_die_input("%s %s: expected a number%s, 0 for no limit", opt, v,
              sizes ? " of bytes (K, M, G suffixes)" : "");
  return (uint64_t)(x * mul);
}

static void add_override(opts *o, const char *path, const char *value)
{
  aia_override *ov = realloc(o->ov, (o->nov + 1) * sizeof *ov);
  if (ov == NULL)
    exit(AIA_CLI_EXIT_INTERNAL);
  o->ov = ov;
  o->ov[o->nov].path = path;
  o->ov[o->nov].value = value;
  o->nov++;
}

static int parse_policy(const char *s, aia_policy *p)
{
  for (int i = 0; i < 3; i++)
    if (strcmp(s, aia_policy_name((aia_policy)i)) == 0) {
      *p = (aia_policy)i;
      return 0;
    }
  return -1;
}

static void parse_policies(opts *o, const char *arg)
{
  char buf[128];
  if (strlen(arg) >= sizeof buf)
    aia__cli_die_input("--policy: too long");
  strcpy(buf, arg);
  o->npolicies = 0;
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    aia_policy p;
    if (parse_policy(tok, &p) != 0)
      aia__cli_die_input("--policy: unknown policy '%s' (kick, nokick or wake_first)", tok);
    for (uint32_t k = 0; k < o->npolicies; k++)
      if (o->policies[k] == p)
        aia__cli_die_input("--policy: '%s' given twice", tok);
    if (o->npolicies == 3)
      aia__cli_die_input("--policy: at most three policies");
    o->policies[o->npolicies++] = p;
  }
  if (o->npolicies == 0)
    aia__cli_die_input("--policy: no policy given");
}

static const char *need(int argc, char **argv, int *i)
{
  if (*i + 1 >= argc)
    aia__cli_die_input("%s needs a value", argv[*i]);
  return argv[++*i];
}

void aia__cli_parse_args(int argc, char **argv, opts *o)
{
  int dashdash = 0;
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  aia_limits_init(&o->lim);
  if (argc < 2)
    aia__cli_die_input("no command (run, check, explore or merge; see --help)");
  o->cmd = argv[1];
  if (strcmp(o->cmd, "merge") == 0)
    return; /* its own arguments: see merge_main */
  if (strcmp(o->cmd, "run") != 0 && strcmp(o->cmd, "check") != 0)
    aia__cli_die_input("unknown command '%s' (run, check, explore or merge; see --help)", o->cmd);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--set") == 0) {
      const char *kv = need(argc, argv, &i);
      const char *eq = strchr(kv, '=');
      if (eq == NULL || eq == kv)
        aia__cli_die_input("--set %s: expected PATH=VALUE", kv);
      char *path = strndup(kv, (size_t)(eq - kv));
      if (path == NULL)
        exit(AIA_CLI_EXIT_INTERNAL);
      char **st = realloc(o->ov_store, (o->nov + 1) * sizeof *st);
      if (st == NULL)
        exit(AIA_CLI_EXIT_INTERNAL);
      o->ov_store = st;
      o->ov_store[o->nov] = path;
      add_override(o, path, eq + 1);
    } else if (strcmp(a, "--seed") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      errno = 0;
      (void)strtoull(v, &end, 0);
      if (errno || *end || !*v)
        aia__cli_die_input("--seed %s: not a number", v);
      char **st = realloc(o->ov_store, (o->nov + 1) * sizeof *st);
      if (st == NULL)
        exit(AIA_CLI_EXIT_INTERNAL);
      o->ov_store = st;
      o->ov_store[o->nov] = NULL;
      add_override(o, "seed", v);
    } else if (strcmp(a, "--policy") == 0) {
      parse_policies(o, need(argc, argv, &i));
    } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
      const char *v = need(argc, argv, &i);
      char *end;
      unsigned long n = strtoul(v, &end, 10);
      if (*end || n < 1 || n > 256)
        aia__cli_die_input("--jobs %s: must be 1..256", v);
      o->jobs = (unsigned)n;
    } else if (strcmp(a, "--json") == 0) {
      o->json = need(argc, argv, &i);
    } else if (strcmp(a, "--csv") == 0) {
      o->csv = need(argc, argv, &i);
    } else if (strcmp(a, "--html") == 0) {
      o->html = need(argc, argv, &i);
    } else if (strcmp(a, "--trace") == 0) {
      o->trace = need(argc, argv, &i);
    } else if (strcmp(a, "--vcd") == 0) {
      o->vcd = need(argc, argv, &i);
    } else if (strcmp(a, "--trace-window") == 0) {
      o->window = need(argc, argv, &i);
    } else if (strcmp(a, "--shard") == 0) {
      const char *v = need(argc, argv, &i);
      unsigned k, n;
      char tail;
      if (sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k >= n)
        aia__cli_die_input("--shard %s: expected K/N with 0 <= K < N", v);
      o->shard_k = k;
      o->shard_n = n;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      o->quiet = 1;
    } else if (strcmp(a, "--progress") == 0) {
      o->progress = 1;
    } else if (strcmp(a, "--max-memory") == 0) {
      o->lim.max_memory = parse_budget(a, need(argc, argv, &i), 1);
    } else if (strcmp(a, "--max-events") == 0) {
      o->lim.max_events = parse_budget(a, need(argc, argv, &i), 0);
    } else if (strcmp(a, "--max-points") == 0) {
      o->lim.max_points = parse_budget(a, need(argc, argv, &i), 0);
    } else if (strcmp(a, "--") == 0 && !dashdash) {
      dashdash = 1; /* what follows is a file name, even "-x" */
    } else if (a[0] == '-' && a[1] != '\0' && !dashdash) {
      aia__cli_die_input("unknown option '%s' (see --help)", a);
    } else if (o->file == NULL) {
      o->file = a;
    } else {
      aia__cli_die_input("unexpected argument '%s'", a);
    }
  }
  if (o->file == NULL)
    aia__cli_die_input("%s: no scenario file given", o->cmd);
}

