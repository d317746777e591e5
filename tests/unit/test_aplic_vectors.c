/* Replays the APLIC register vectors of tests/spec/aplic-vectors.txt
 * through the public API, one CMocka test per case. The file's header
 * says how each vector was derived from the specification and gives the
 * grammar; every failure names the file and line of the step.
 *
 * Platform: 4 harts, 7 guest files each, 255 identities, IMSIC pages at
 * 0x28000000 + hart * 0x8000 + file * 0x1000, msi_write 50 cycles. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aia_test.h"
#include "aiasim/aplic.h"
#include "aiasim/hw.h"

#ifndef AIA_APLIC_VECTORS
#error "AIA_APLIC_VECTORS must name the vector file"
#endif

#define MAX_CASES 128
#define MAX_LINES 256

typedef struct step {
  int line;
  char text[160];
} step;

typedef struct vcase {
  char name[64];
  int line;
  step steps[MAX_LINES];
  int nsteps;
} vcase;

static vcase cases[MAX_CASES];
static int ncases;

static uint64_t num(const char *s, int line)
{
  char *end;
  errno = 0;
  uint64_t v = strtoull(s, &end, 0);
  if (errno || *end != '\0')
    fail_msg("%s:%d: %s: not a number", AIA_APLIC_VECTORS, line, s);
  return v;
}

static int status_of(const char *s)
{
  if (strcmp(s, "ENODEV") == 0)
    return AIA_ENODEV;
  if (strcmp(s, "EACCESS") == 0)
    return AIA_EACCESS;
  if (strcmp(s, "ERANGE") == 0)
    return AIA_ERANGE;
  if (strcmp(s, "EINVAL") == 0)
    return AIA_EINVAL;
  return AIA_OK;
}

typedef struct world {
  aia_sim *sim;
  aia_platform *p;
  aia_aplic *a;
  aia_aplic_config cfg;
  aia_aplic_domain_config dom[AIA_APLIC_MAX_DOMAINS];
  int created;
} world;

static void create(world *w, int line)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_sim_config_init(&sc);
  sc.seed = 1;
  assert_int_equal(aia_sim_create(&sc, &w->sim), AIA_OK);
  aia_platform_config_init(&pc);
  pc.harts = 4;
  pc.geilen = 7;
  pc.ids = 255;
  pc.msi_write = 50;
  assert_aia_ok(w->sim, aia_platform_create(w->sim, &pc, &w->p));
  w->cfg.domains = w->dom;
  int rc = aia_aplic_create(w->p, &w->cfg, &w->a);
  if (rc != AIA_OK)
    fail_msg("%s:%d: aia_aplic_create: %s (%s)", AIA_APLIC_VECTORS, line, aia_status_name(rc),
             aia_sim_errmsg(w->sim));
  w->created = 1;
}

static uint64_t base_of(world *w, uint32_t d, int line)
{
  uint64_t b = 0;
  if (aia_aplic_domain_region(w->a, d, &b, NULL) != AIA_OK)
    fail_msg("%s:%d: no domain %u", AIA_APLIC_VECTORS, line, d);
  return b;
}

static uint64_t stat_of(const aia_aplic_stats *st, const char *name, int line)
{
  if (strcmp(name, "msis_sent") == 0)
    return st->msis_sent;
  if (strcmp(name, "msis_unrouted") == 0)
    return st->msis_unrouted;
  if (strcmp(name, "claims") == 0)
    return st->claims;
  if (strcmp(name, "line_rises") == 0)
    return st->line_rises;
  fail_msg("%s:%d: no counter %s", AIA_APLIC_VECTORS, line, name);
  return 0;
}

/* One step; tok[0] is the verb. */
static void run_step(world *w, char **tok, int n, int line)
{
  const char *f = AIA_APLIC_VECTORS;
  const char *v = tok[0];
  if (!w->created && strcmp(v, "sources") && strcmp(v, "modes") && strcmp(v, "be") &&
      strcmp(v, "iprio") && strcmp(v, "domain") && strcmp(v, "badcfg"))
    create(w, line);
  if (strcmp(v, "sources") == 0 && n == 2) {
    w->cfg.sources = (uint32_t)num(tok[1], line);
  } else if (strcmp(v, "modes") == 0 && n == 2) {
    w->cfg.modes = strcmp(tok[1], "msi") == 0      ? AIA_APLIC_MODE_MSI
                   : strcmp(tok[1], "direct") == 0 ? AIA_APLIC_MODE_DIRECT
                                                   : AIA_APLIC_MODE_MSI | AIA_APLIC_MODE_DIRECT;
  } else if (strcmp(v, "be") == 0 && n == 1) {
    w->cfg.big_endian = true;
  } else if (strcmp(v, "iprio") == 0 && n == 2) {
    w->cfg.iprio_bits = (uint32_t)num(tok[1], line);
  } else if (strcmp(v, "domain") == 0 && n == 6) {
    aia_aplic_domain_config *d = &w->dom[w->cfg.ndomains++];
    d->parent = (int32_t)strtol(tok[1], NULL, 0);
    d->machine = strcmp(tok[2], "M") == 0;
    d->base = num(tok[3], line);
    d->first_hart = (uint32_t)num(tok[4], line);
    d->harts = (uint32_t)num(tok[5], line);
  } else if (strcmp(v, "w") == 0 && n == 4) {
    uint64_t pa = base_of(w, (uint32_t)num(tok[1], line), line) + num(tok[2], line);
    int rc = aia_aplic_mmio_write(w->a, pa, 4, (uint32_t)num(tok[3], line));
    if (rc != AIA_OK)
      fail_msg("%s:%d: write: %s", f, line, aia_status_name(rc));
  } else if (strcmp(v, "r") == 0 && n == 4) {
    uint32_t got = 0xDEADBEEFu;
    uint64_t pa = base_of(w, (uint32_t)num(tok[1], line), line) + num(tok[2], line);
    int rc = aia_aplic_mmio_read(w->a, pa, 4, &got);
    uint32_t want = (uint32_t)num(tok[3], line);
    if (rc != AIA_OK || got != want)
      fail_msg("%s:%d: read %s: got 0x%08" PRIx32 " (%s), want 0x%08" PRIx32, f, line, tok[2], got,
               aia_status_name(rc), want);
  } else if (strcmp(v, "in") == 0 && n == 3) {
    assert_aia_ok(w->sim, aia_aplic_set_input(w->a, (uint32_t)num(tok[1], line), num(tok[2], line) != 0));
  } else if (strcmp(v, "run") == 0 && n == 2) {
    assert_aia_ok(w->sim, aia_sim_run_until(w->sim, aia_sim_now(w->sim) + num(tok[1], line)));
  } else if (strcmp(v, "eip") == 0 && n == 5) {
    bool got = aia_file_is_pending(w->p, (uint32_t)num(tok[1], line), (uint32_t)num(tok[2], line),
                                   (uint32_t)num(tok[3], line));
    if (got != (num(tok[4], line) != 0))
      fail_msg("%s:%d: eip of hart %s file %s identity %s is %d", f, line, tok[1], tok[2], tok[3], got);
  } else if (strcmp(v, "seip") == 0 && n == 3) {
    bool got = (aia_hart_mip(w->p, (uint32_t)num(tok[1], line)) >> AIA_IRQ_SEI) & 1u;
    if (got != (num(tok[2], line) != 0))
      fail_msg("%s:%d: mip.SEIP of hart %s is %d", f, line, tok[1], got);
  } else if (strcmp(v, "line") == 0 && n == 4) {
    bool got = aia_aplic_line(w->a, (uint32_t)num(tok[1], line), (uint32_t)num(tok[2], line));
    if (got != (num(tok[3], line) != 0))
      fail_msg("%s:%d: line of domain %s IDC %s is %d", f, line, tok[1], tok[2], got);
  } else if (strcmp(v, "stat") == 0 && n == 3) {
    aia_aplic_stats st = { .struct_size = sizeof st };
    assert_aia_ok(w->sim, aia_aplic_get_stats(w->a, &st));
    uint64_t got = stat_of(&st, tok[1], line);
    if (got != num(tok[2], line))
      fail_msg("%s:%d: %s is %" PRIu64 ", want %s", f, line, tok[1], got, tok[2]);
  } else if (strcmp(v, "bad") == 0 && n == 6) {
    /* bad r|w DOMAIN OFFSET SIZE STATUS: the access fails and changes nothing */
    uint32_t val = 0x12345678u;
    uint64_t pa = base_of(w, (uint32_t)num(tok[2], line), line) + num(tok[3], line);
    uint32_t size = (uint32_t)num(tok[4], line);
    int rc = tok[1][0] == 'r' ? aia_aplic_mmio_read(w->a, pa, size, &val)
                              : aia_aplic_mmio_write(w->a, pa, size, val);
    if (rc != status_of(tok[5]))
      fail_msg("%s:%d: got %s, want %s", f, line, aia_status_name(rc), tok[5]);
    if (tok[1][0] == 'r' && val != 0x12345678u)
      fail_msg("%s:%d: a failed read wrote its result", f, line);
  } else if (strcmp(v, "badcfg") == 0 && n == 2) {
    /* the configuration so far must be refused with STATUS */
    aia_sim_config sc;
    aia_platform_config pc;
    aia_sim_config_init(&sc);
    assert_int_equal(aia_sim_create(&sc, &w->sim), AIA_OK);
    aia_platform_config_init(&pc);
    pc.harts = 4;
    assert_aia_ok(w->sim, aia_platform_create(w->sim, &pc, &w->p));
    w->cfg.domains = w->dom;
    int rc = aia_aplic_create(w->p, &w->cfg, &w->a);
    if (rc != status_of(tok[1]) || w->a != NULL)
      fail_msg("%s:%d: create gave %s, want %s", f, line, aia_status_name(rc), tok[1]);
    w->created = 1;
  } else {
    fail_msg("%s:%d: cannot read this step", f, line);
  }
}

static void replay(void **state)
{
  vcase *c = *state;
  world w;
  memset(&w, 0, sizeof w);
  aia_aplic_config_init(&w.cfg);
  for (int s = 0; s < c->nsteps; s++) {
    char buf[160], *tok[8];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", c->steps[s].text);
    for (char *t = strtok(buf, " \t"); t && n < 8; t = strtok(NULL, " \t"))
      tok[n++] = t;
    run_step(&w, tok, n, c->steps[s].line);
  }
  if (!w.created)
    create(&w, c->line);
  aia_sim_destroy(w.sim);
}

static int load(void)
{
  FILE *fp = fopen(AIA_APLIC_VECTORS, "r");
  char buf[256];
  int line = 0;
  vcase *cur = NULL;
  if (fp == NULL) {
    fprintf(stderr, "%s: cannot open\n", AIA_APLIC_VECTORS);
    return -1;
  }
  while (fgets(buf, sizeof buf, fp)) {
    line++;
    char *hash = strchr(buf, '#');
    if (hash)
      *hash = '\0';
    char *p = buf, *e = buf + strlen(buf);
    while (*p == ' ' || *p == '\t')
      p++;
    while (e > p && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
      *--e = '\0';
    if (*p == '\0')
      continue;
    if (strncmp(p, "case ", 5) == 0) {
      if (ncases == MAX_CASES)
        break;
      cur = &cases[ncases++];
      size_t nlen = strlen(p + 5);
      if (nlen >= sizeof cur->name)
        nlen = sizeof cur->name - 1;
      memcpy(cur->name, p + 5, nlen);
      cur->name[nlen] = '\0';
      cur->line = line;
      continue;
    }
    if (cur == NULL || cur->nsteps == MAX_LINES) {
      fprintf(stderr, "%s:%d: a step outside a case, or too many steps\n", AIA_APLIC_VECTORS, line);
      fclose(fp);
      return -1;
    }
    size_t len = strlen(p);
    if (len >= sizeof cur->steps[0].text) {
      fprintf(stderr, "%s:%d: step longer than %zu bytes\n", AIA_APLIC_VECTORS, line,
              sizeof cur->steps[0].text - 1);
      fclose(fp);
      return -1;
    }
    cur->steps[cur->nsteps].line = line;
    memcpy(cur->steps[cur->nsteps].text, p, len + 1);
    cur->nsteps++;
  }
  fclose(fp);
  return ncases > 0 ? 0 : -1;
}

int main(void)
{
  static struct CMUnitTest tests[MAX_CASES];
  if (load() != 0)
    return 1;
  for (int i = 0; i < ncases; i++) {
    tests[i].name = cases[i].name;
    tests[i].test_func = replay;
    tests[i].initial_state = &cases[i];
  }
  return _cmocka_run_group_tests("aplic_vectors", tests, (size_t)ncases, NULL, NULL);
}
