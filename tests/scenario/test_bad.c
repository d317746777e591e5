/* Malformed scenarios: every file of tests/bad must be refused with exactly
 * the first problem written next to it in tests/bad/expected.txt
 * ("NAME<TAB>FIRST-LINE"); inputs of 10 MB made here must be refused or
 * accepted quickly and without a crash; every prefix of a good file loads or
 * fails cleanly. Run from tests/bad so that the names printed are the base
 * names; the directory comes from AIA_BAD_DIR or the first argument. */
#include <dirent.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aia_test.h"
#include "aiasim/scenario.h"

static const char *bad_dir = AIA_BAD_DIR;

typedef struct expect_line {
  char name[128];
  char first[700];
} expect_line;

/* Reads expected.txt; returns the number of lines. */
static size_t read_expected(expect_line **out)
{
  char path[1024], line[1024];
  size_t n = 0, cap = 0;
  expect_line *v = NULL;
  FILE *f;
  snprintf(path, sizeof path, "%s/expected.txt", bad_dir);
  f = fopen(path, "r");
  if (f == NULL)
    fail_msg("cannot open %s", path);
  while (fgets(line, sizeof line, f) != NULL) {
    char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (tab == NULL)
      fail_msg("expected.txt: no tab in \"%s\"", line);
    if (nl != NULL)
      *nl = '\0';
    *tab = '\0';
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      v = realloc(v, cap * sizeof *v);
      assert_non_null(v);
    }
    if (strlen(line) >= sizeof v[n].name || strlen(tab + 1) >= sizeof v[n].first)
      fail_msg("expected.txt: line too long: %s", line);
    memcpy(v[n].name, line, strlen(line) + 1);
    memcpy(v[n].first, tab + 1, strlen(tab + 1) + 1);
    n++;
  }
  fclose(f);
  *out = v;
  return n;
}

static char *slurp(const char *name, size_t *len)
{
  FILE *f = fopen(name, "rb");
  char *buf;
  long sz;
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  sz = ftell(f);
  assert_true(sz >= 0);
  rewind(f);
  buf = malloc((size_t)sz + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
  fclose(f);
  *len = (size_t)sz;
  return buf;
}

static void test_each_bad_file_gives_its_first_error(void **state)
{
  expect_line *ex = NULL;
  size_t n = read_expected(&ex);
  char cwd[1024];
  int failures = 0;
  (void)state;
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(bad_dir), 0);
  assert_true(n >= 40);
  for (size_t i = 0; i < n; i++) {
    aia_scenario *s = (aia_scenario *)&s;
    aia_diag d[8];
    size_t nf = 0, len;
    char got[700];
    int rc = aia_scenario_load_file(ex[i].name, NULL, 0, &s, d, 8, &nf);
    if (rc != AIA_EPARSE && rc != AIA_ESCHEMA) {
      print_error("%s: loaded with %s\n", ex[i].name, aia_status_name(rc));
      aia_scenario_destroy(rc == AIA_OK ? s : NULL);
      failures++;
      continue;
    }
    assert_null(s);
    assert_true(nf >= 1);
    assert_int_equal(aia_diag_format(&d[0], got, sizeof got), AIA_OK);
    if (strcmp(got, ex[i].first) != 0) {
      print_error("%s:\n  got      %s\n  expected %s\n", ex[i].name, got, ex[i].first);
      failures++;
    }
    /* the same text from memory: the same first problem, the same count */
    char *text = slurp(ex[i].name, &len);
    aia_diag dm[8];
    size_t nm = 0;
    assert_int_equal(aia_scenario_load_mem(ex[i].name, text, len, NULL, 0, &s, dm, 8, &nm), rc);
    assert_null(s);
    assert_int_equal(nm, nf);
    assert_memory_equal(&dm[0], &d[0], sizeof d[0]);
    /* no room for problems: still refused, still counted */
    assert_int_equal(aia_scenario_load_mem(ex[i].name, text, len, NULL, 0, &s, NULL, 0, &nm), rc);
    assert_null(s);
    assert_int_equal(nm, nf);
    free(text);
  }
  assert_int_equal(chdir(cwd), 0);
  free(ex);
  if (failures)
    fail_msg("%d bad files did not give their expected first error", failures);
  print_message("%zu bad files refused with the expected first error\n", n);
}

static void test_every_bad_file_is_listed(void **state)
{
  expect_line *ex = NULL;
  size_t n = read_expected(&ex), files = 0;
  DIR *dir = opendir(bad_dir);
  struct dirent *e;
  (void)state;
  assert_non_null(dir);
  while ((e = readdir(dir)) != NULL) {
    size_t l = strlen(e->d_name);
    bool found = false;
    if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
      continue;
    files++;
    for (size_t i = 0; i < n && !found; i++)
      found = strcmp(ex[i].name, e->d_name) == 0;
    if (!found) {
      closedir(dir);
      fail_msg("%s has no line in expected.txt", e->d_name);
    }
  }
  closedir(dir);
  assert_int_equal(files, n);
  free(ex);
}

/* ---------------------------------------------------------- 10 MB inputs -- */

#define BIG (10u << 20)

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

static void put(buf *b, const char *s)
{
  size_t l = strlen(s);
  if (b->n + l + 1 > b->cap) {
    b->cap = (b->n + l + 1) * 2;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
  memcpy(b->p + b->n, s, l + 1);
  b->n += l;
}

/* Loads one big input from a file and from memory; returns the status and
 * the first problem. The time each load took is printed for information
 * only: timing targets live in bench/, never as assertions in tests. */
static int load_big(const char *what, const char *text, size_t len, char *first, size_t flen)
{
  char path[] = "/tmp/aiasim-big-XXXXXX";
  int fd = mkstemp(path);
  FILE *f;
  aia_scenario *s = NULL;
  aia_diag d[4];
  size_t nf = 0;
  double t0, t1, t2;
  int rc, rc2;

  assert_true(fd >= 0);
  f = fdopen(fd, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, len, f), len);
  fclose(f);
  t0 = now_s();
  rc = aia_scenario_load_file(path, NULL, 0, &s, d, 4, &nf);
  t1 = now_s();
  unlink(path);
  if (rc == AIA_OK) {
    assert_int_equal(nf, 0);
    aia_scenario_destroy(s);
    snprintf(first, flen, "accepted");
  } else {
    assert_null(s);
    assert_true(nf >= 1);
    aia_diag_format(&d[0], first, flen);
  }
  rc2 = aia_scenario_load_mem("big.yaml", text, len, NULL, 0, &s, d, 4, &nf);
  t2 = now_s();
  assert_int_equal(rc2, rc);
  aia_scenario_destroy(s);
  print_message("%-34s %5.2f s + %5.2f s  %s\n", what, t1 - t0, t2 - t1, first);
  return rc;
}

static void test_ten_megabyte_inputs(void **state)
{
  buf b = { NULL, 0, 0 };
  char first[700], line[128];
  aia_rng r;
  (void)state;

  /* nesting: refused at level 33 without building anything */
  b.p = malloc(BIG + 1);
  assert_non_null(b.p);
  memset(b.p, '[', BIG);
  assert_int_equal(load_big("10 MB of '['", b.p, BIG, first, sizeof first), AIA_EPARSE);
  assert_non_null(strstr(first, "nesting deeper than 32 levels"));

  /* random bytes */
  aia_rng_seed(&r, 7, 0);
  for (size_t i = 0; i < BIG; i++)
    b.p[i] = (char)(aia_rng_next(&r) >> 56);
  assert_int_equal(load_big("10 MB of random bytes", b.p, BIG, first, sizeof first), AIA_EPARSE);

  /* a comment and nothing else */
  memset(b.p, ' ', BIG);
  b.p[0] = '#';
  b.p[BIG - 1] = '\n';
  assert_int_equal(load_big("10 MB comment", b.p, BIG, first, sizeof first), AIA_ESCHEMA);
  free(b.p);

  /* a list pattern with 300,000 items: more nodes than a scenario may have */
  memset(&b, 0, sizeof b);
  put(&b, "aiasim: 1\nname: big\nduration: 1s\nvms: [{name: vm0, vcpus: 4}]\n"
          "devices:\n  - name: nic\n    pattern: list\n    at:\n");
  for (uint32_t i = 0; b.n < BIG; i++) {
    snprintf(line, sizeof line, "      - { at: %u, vcpu: %u, iid: 32 }\n", i * 10, i % 4);
    put(&b, line);
  }
  assert_int_equal(load_big("10 MB list of MSIs", b.p, b.n, first, sizeof first), AIA_EPARSE);
  assert_non_null(strstr(first, "more than 1000000 YAML nodes"));

  /* half as many items: accepted, all of them */
  b.n = 0;
  put(&b, "aiasim: 1\nname: big\nduration: 1s\nvms: [{name: vm0, vcpus: 4}]\n"
          "devices:\n  - name: nic\n    pattern: list\n    at:\n");
  for (uint32_t i = 0; i < 140000; i++) {
    snprintf(line, sizeof line, "      - { at: %u, vcpu: %u, iid: 32 }\n", i * 10, i % 4);
    put(&b, line);
  }
  assert_int_equal(load_big("5 MB list of 140,000 MSIs", b.p, b.n, first, sizeof first), AIA_OK);

  /* unknown keys, one per line: each would be a problem */
  b.n = 0;
  put(&b, "aiasim: 1\nname: big\nduration: 1ms\n");
  for (uint32_t i = 0; b.n < BIG; i++) {
    snprintf(line, sizeof line, "key%u: %u\n", i, i);
    put(&b, line);
  }
  assert_int_equal(load_big("10 MB of unknown keys", b.p, b.n, first, sizeof first), AIA_EPARSE);

  /* a name of 10 MB */
  b.n = 0;
  put(&b, "aiasim: 1\nduration: 1ms\nname: \"");
  while (b.n < BIG)
    put(&b, "abcdefghijklmnopqrstuvwxyz0123456789");
  put(&b, "\"\n");
  assert_int_equal(load_big("10 MB name", b.p, b.n, first, sizeof first), AIA_ESCHEMA);
  assert_non_null(strstr(first, "name: is "));

  /* one scalar list of 10 MB: "1-63,1-63,..." */
  b.n = 0;
  put(&b, "aiasim: 1\nname: big\nduration: 1ms\nvms:\n  - guest:\n      enable: \"");
  while (b.n < BIG)
    put(&b, "1-63,");
  put(&b, "1\"\n");
  assert_int_equal(load_big("10 MB identity list", b.p, b.n, first, sizeof first), AIA_ESCHEMA);
  free(b.p);
}

/* Every prefix of a good file, and every single-byte change of its first
 * lines, loads or fails with a problem; never a crash or a leak. */
static void test_prefixes_and_mutations_of_a_good_file(void **state)
{
  char path[1024];
  size_t len, ok = 0, bad = 0;
  char *text;
  static const char subst[] = { ' ', ':', '-', '[', '{', '\n', '\t', '"', '&', '*', '!', 'x', '0' };
  (void)state;
  snprintf(path, sizeof path, "%s/../scenario/scenario_md.yaml", bad_dir);
  text = slurp(path, &len);
  for (size_t i = 0; i <= len; i++) {
    aia_scenario *s = NULL;
    aia_diag d[2];
    size_t nf = 0;
    int rc = aia_scenario_load_mem("p.yaml", text, i, NULL, 0, &s, d, 2, &nf);
    if (rc == AIA_OK) {
      ok++;
      aia_scenario_destroy(s);
    } else {
      assert_null(s);
      assert_true(nf >= 1 && (rc == AIA_EPARSE || rc == AIA_ESCHEMA));
      bad++;
    }
  }
  for (size_t i = 0; i < len && i < 1200; i++) {
    char keep = text[i];
    for (size_t k = 0; k < sizeof subst; k++) {
      aia_scenario *s = NULL;
      aia_diag d[2];
      size_t nf = 0;
      int rc;
      text[i] = subst[k];
      rc = aia_scenario_load_mem("m.yaml", text, len, NULL, 0, &s, d, 2, &nf);
      if (rc == AIA_OK)
        aia_scenario_destroy(s);
      else
        assert_true(s == NULL && nf >= 1);
    }
    text[i] = keep;
  }
  print_message("%zu prefixes load, %zu fail cleanly\n", ok, bad);
  free(text);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_each_bad_file_gives_its_first_error),
    cmocka_unit_test(test_every_bad_file_is_listed),
    cmocka_unit_test(test_ten_megabyte_inputs),
    cmocka_unit_test(test_prefixes_and_mutations_of_a_good_file),
  };
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
      cmocka_set_test_filter(argv[++i]);
    else
      bad_dir = argv[i];
  }
  return cmocka_run_group_tests(tests, NULL, NULL);
}
