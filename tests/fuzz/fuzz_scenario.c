/* tests/fuzz/fuzz_scenario.c: the YAML scenario loader on arbitrary bytes.
 *
 * The whole input is the scenario text, given to aia_scenario_load_mem()
 * as it is (not NUL-terminated: the sanitizers catch a read past the end).
 * Overrides come from the input too: up to three leading lines of the form
 *   #@ path=value
 * are passed as --set would pass them. They are YAML comments, so the
 * bundled scenarios are valid corpus files unchanged, and diagnostics keep
 * the line numbers of the input.
 *
 * A scenario that loads is given to aia_scenario_check(), which applies the
 * loader's own checks again and must agree; a scenario with a SET sweep also
 * has its first and last points loaded (aia_scenario_point) and checked.
 * Then everything is destroyed: LeakSanitizer watches the rest.
 *
 * What must hold (else abort()): the status is one the header lists; *out
 * is NULL on failure and set on success, with no problem reported; a parse
 * or schema failure reports at least one problem (even with no room for
 * diagnostics); every diagnostic written has a terminated file name and a
 * terminated, non-empty message; aia_diag_format() fits in a large buffer
 * and, in a small one, says AIA_ERANGE but still terminates the string.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "aiasim/aiasim.h"
#include "aiasim/scenario.h"

#define MAX_OV 3u
#define NDIAG 4u

/* FUZZ_VERBOSE=1 in the environment: the outcome of each load. */
static int verbose = -1;

static void check_diags(const aia_diag *d, size_t nd, size_t nfound, int rc)
{
  size_t shown = nfound < nd ? nfound : nd;
  for (size_t i = 0; i < shown; i++) {
    char small[48], big[640];
    int f;
    FZ_CHECK(memchr(d[i].file, '\0', sizeof d[i].file) != NULL, "diag %zu: file not terminated",
             i);
    FZ_CHECK(memchr(d[i].message, '\0', sizeof d[i].message) != NULL,
             "diag %zu: message not terminated", i);
    FZ_CHECK(d[i].message[0] != '\0', "diag %zu of %s: empty message", i, aia_status_name(rc));
    f = aia_diag_format(&d[i], big, sizeof big);
    FZ_CHECK(f == AIA_OK, "aia_diag_format(640 bytes) -> %s", aia_status_name(f));
    FZ_CHECK(strlen(big) < sizeof big, "aia_diag_format overflow");
    f = aia_diag_format(&d[i], small, sizeof small);
    FZ_CHECK(f == AIA_OK || f == AIA_ERANGE, "aia_diag_format(48 bytes) -> %s",
             aia_status_name(f));
    FZ_CHECK(memchr(small, '\0', sizeof small) != NULL, "aia_diag_format left no terminator");
  }
}

/* The outcome of one load, whatever it was. */
static void check_load(int rc, const aia_scenario *scn, const aia_diag *d, size_t nd,
                       size_t nfound)
{
  FZ_CHECK(rc == AIA_OK || rc == AIA_EPARSE || rc == AIA_ESCHEMA || rc == AIA_ENOMEM ||
               rc == AIA_EINVAL,
           "load -> %d (%s)", rc, aia_status_name(rc));
  if (rc != AIA_OK) {
    FZ_CHECK(scn == NULL, "load failed (%s) but returned a scenario", aia_status_name(rc));
    if (rc == AIA_EPARSE || rc == AIA_ESCHEMA)
      FZ_CHECK(nfound >= 1, "load failed (%s) with no problem reported", aia_status_name(rc));
    check_diags(d, nd, nfound, rc);
    return;
  }
  FZ_CHECK(scn != NULL, "load succeeded without a scenario");
  FZ_CHECK(nfound == 0, "load succeeded with %zu problems reported", nfound);
}

/* A loaded scenario passes the checks it was loaded with. */
static void check_again(const aia_scenario *scn, const char *what)
{
  aia_diag d;
  int rc;
  memset(&d, 0, sizeof d);
  rc = aia_scenario_check(scn, &d);
  FZ_CHECK(rc == AIA_OK, "%s loads, but aia_scenario_check -> %s: %s:%" PRIu32 ":%" PRIu32 ": %s",
           what, aia_status_name(rc), d.file, d.line, d.column, d.message);
  FZ_CHECK(scn->npolicies >= 1 && scn->npolicies <= 3, "%s: %" PRIu32 " policies", what,
           scn->npolicies);
}

static void sweep_point(const aia_scenario *scn, uint32_t i)
{
  aia_diag d[NDIAG];
  aia_scenario *pt = NULL;
  size_t nfound = 0;
  int rc = aia_scenario_point(scn, i, &pt, d, NDIAG, &nfound);
  check_load(rc, pt, d, NDIAG, nfound);
  if (rc == AIA_OK) {
    check_again(pt, "sweep point");
    FZ_CHECK(pt->sweep.kind == AIA_SWEEP_NONE, "a sweep point still has a sweep");
  }
  aia_scenario_destroy(pt);
}

/* Splits the leading "#@ path=value" lines into NUL-terminated copies. */
static size_t take_overrides(const uint8_t *data, size_t size, char *store[2 * MAX_OV],
                             aia_override *ov)
{
  size_t at = 0, n = 0;
  while (n < MAX_OV && size - at >= 2 && data[at] == '#' && data[at + 1] == '@') {
    const uint8_t *line = data + at + 2, *nl = memchr(line, '\n', size - at - 2);
    size_t len = nl ? (size_t)(nl - line) : size - at - 2;
    const uint8_t *eq = memchr(line, '=', len);
    size_t plen = eq ? (size_t)(eq - line) : len, vlen = eq ? len - plen - 1 : 0;
    if (plen > 0 && line[0] == ' ') { /* "#@ path": one space is decoration */
      line++;
      plen--;
    }
    store[2 * n] = malloc(plen + 1);
    store[2 * n + 1] = malloc(vlen + 1);
    FZ_CHECK(store[2 * n] != NULL && store[2 * n + 1] != NULL, "out of memory");
    memcpy(store[2 * n], line, plen);
    store[2 * n][plen] = '\0';
    if (vlen)
      memcpy(store[2 * n + 1], eq + 1, vlen);
    store[2 * n + 1][vlen] = '\0';
    ov[n].path = store[2 * n];
    ov[n].value = store[2 * n + 1];
    n++;
    at += 2 + len + (nl ? 1 : 0);
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *store[2 * MAX_OV] = { NULL };
  aia_override ov[MAX_OV];
  aia_diag d[NDIAG];
  aia_scenario *scn = NULL;
  size_t nfound = 0, nov, nd;
  int rc;

  nov = take_overrides(data, size, store, ov);
  /* Sometimes no room for diagnostics at all: the count must still come. */
  nd = size % 5u == 0 ? 0 : NDIAG;
  memset(d, 0, sizeof d);
  rc = aia_scenario_load_mem("fuzz.yaml", (const char *)data, size, nov ? ov : NULL, nov, &scn,
                             nd ? d : NULL, nd, &nfound);
  if (verbose < 0)
    verbose = getenv("FUZZ_VERBOSE") != NULL;
  if (verbose) {
    char line[640] = "";
    if (rc != AIA_OK && nd > 0 && nfound > 0)
      (void)aia_diag_format(&d[0], line, sizeof line);
    fprintf(stderr, "%zu overrides: %s, %zu problems %s\n", nov, aia_status_name(rc), nfound,
            line);
  }
  check_load(rc, scn, d, nd, nfound);
  if (rc == AIA_OK) {
    check_again(scn, "scenario");
    if (scn->sweep.kind == AIA_SWEEP_SET && scn->sweep.nvalues > 0) {
      sweep_point(scn, 0);
      if (scn->sweep.nvalues > 1)
        sweep_point(scn, scn->sweep.nvalues - 1);
    }
  }
  aia_scenario_destroy(scn);
  for (size_t i = 0; i < 2 * MAX_OV; i++)
    free(store[i]);
  return 0;
}
