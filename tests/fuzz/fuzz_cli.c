/* tests/fuzz/fuzz_cli.c: the command line of `aiasim run` and `check`
 * (cli/args.c) on arbitrary arguments, and the overrides they carry applied
 * to a small scenario.
 *
 * The input is the argument list, one argument per line (at most 48; a
 * line may hold any byte but newline). argv[0] is "aiasim"; the first line
 * is the command. aia__cli_die_input, which the real command makes exit
 * with status 2, returns here to the harness with longjmp, so every refusal
 * is one input's end; whatever parse_args allocated before it is freed.
 * Arguments that parse are then used as the command would: the overrides
 * (--set, --seed) go to aia_scenario_load_mem with a fixed scenario, and the
 * budgets (--max-*) to aia_scenario_check_limits.
 *
 * What must hold (else abort()): a refusal prints a message; an accepted
 * command line has run or check as its command and a file name, at most 3
 * distinct policies and 1..256 jobs, and a shard K < N; the load with its
 * overrides returns a status the header lists, with *out set exactly on
 * success.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include "fuzz.h"
#include "aiasim/aiasim.h"
#include "aiasim/scenario.h"
#include "../../cli/cli.h"

#define MAX_ARGS 48

/* Single-threaded fuzzing: the way back from a refusal. */
static jmp_buf refused;
static int said;

_Noreturn void aia__cli_die_input(const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  said = n > 0;
  longjmp(refused, 1);
}

static const char base[] = "aiasim: 1\n"
                           "name: f\n"
                           "duration: 1ms\n"
                           "platform: { harts: 3 }\n"
                           "host: { noise: [ { busy: 1ms, idle: 1ms } ] }\n"
                           "vms: [ { name: vm0, vcpus: 2, guest: { behaviour: idle } } ]\n"
                           "devices: [ { name: nic, vm: vm0, rate: 10k/s } ]\n";

static void free_opts(opts *o)
{
  for (size_t i = 0; o->ov_store && i < o->nov; i++)
    free(o->ov_store[i]);
  free(o->ov_store);
  free(o->ov);
  o->ov_store = NULL;
  o->ov = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *buf = malloc(size + 1);
  char *argv[MAX_ARGS + 2];
  int argc = 0;
  volatile opts o;
  if (buf == NULL)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  argv[argc++] = "aiasim";
  for (char *p = buf; argc < MAX_ARGS + 1 && p <= buf + size;) {
    char *nl = memchr(p, '\n', (size_t)(buf + size - p));
    if (nl)
      *nl = '\0';
    argv[argc++] = p;
    if (nl == NULL)
      break;
    p = nl + 1;
  }
  argv[argc] = NULL;
  memset((void *)&o, 0, sizeof o);
  said = 0;
  if (setjmp(refused) != 0) {
    if (!said)
      abort(); /* a refusal without a message */
    free_opts((opts *)&o);
    free(buf);
    return 0;
  }
  aia__cli_parse_args(argc, argv, (opts *)&o);
  opts *op = (opts *)&o;
  if (op->cmd == NULL || (strcmp(op->cmd, "run") != 0 && strcmp(op->cmd, "check") != 0 &&
                          strcmp(op->cmd, "merge") != 0))
    abort();
  if (strcmp(op->cmd, "merge") != 0) {
    if (op->file == NULL || op->jobs < 1 || op->jobs > 256 || op->npolicies > 3)
      abort();
    for (uint32_t a = 0; a < op->npolicies; a++)
      for (uint32_t b = a + 1; b < op->npolicies; b++)
        if (op->policies[a] == op->policies[b])
          abort();
    if (op->shard_n && op->shard_k >= op->shard_n)
      abort();
    aia_scenario *scn = NULL;
    aia_diag d[2];
    size_t nfound = 0;
    int rc = aia_scenario_load_mem("fuzz", base, sizeof base - 1, op->ov, op->nov, &scn, d, 2,
                                   &nfound);
    if ((rc == AIA_OK) != (scn != NULL))
      abort();
    if (rc != AIA_OK && rc != AIA_ESCHEMA && rc != AIA_EPARSE && rc != AIA_ENOMEM)
      abort();
    if (rc != AIA_OK && rc != AIA_ENOMEM && nfound == 0)
      abort();
    if (scn) {
      char why[256];
      int lr = aia_scenario_check_limits(scn, &op->lim, why, sizeof why);
      if (lr != AIA_OK && (lr != AIA_ELIMIT || why[0] == '\0'))
        abort();
      aia_scenario_destroy(scn);
    }
  }
  free_opts(op);
  free(buf);
  return 0;
}
