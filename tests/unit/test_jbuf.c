/* The JSON report's buffer (cli/jbuf.c): numbers come out as printf
 * formats them, with and without a sink, and nothing is lost at the
 * buffer's edges. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aia_test.h"
#include "jbuf.h"

/* A jbuf without a sink, as a NUL-terminated string (freed by the caller). */
static char *text_of(jbuf *b)
{
  assert_false(b->failed);
  char *s = malloc(b->n + 1);
  assert_non_null(s);
  memcpy(s, b->p, b->n);
  s[b->n] = '\0';
  return s;
}

static void expect_f(int prec, double v)
{
  char want[600];
  jbuf b;
  snprintf(want, sizeof want, "%.*f", prec, v);
  jb_init(&b, NULL, 8);
  jb_f(&b, prec, v);
  char *got = text_of(&b);
  if (strcmp(got, want) != 0)
    fail_msg("%%.%df of %.17g: got %s, printf gives %s", prec, v, got, want);
  free(got);
  free(b.p);
}

/* Ties (x.x5 exactly in binary: .25, .75, ...), values just around them,
 * integers, and random doubles of every size, with one and four decimals. */
static void test_doubles_as_printf(void **state)
{
  (void)state;
  static const double edge[] = { 0.0,  0.05, 0.15, 0.25, 0.35, 0.45, 0.75, 1.25, 2.5,
                                 0.95, 9.95, 99.95, 1e16, 1e17, 1.5e17, 123456789.25,
                                 -0.25, -3.75, 1e300, 4503599627370495.5 };
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    expect_f(1, edge[i]);
    expect_f(4, edge[i]);
  }
  uint64_t s = UINT64_C(0x9e3779b97f4a7c15);
  for (int i = 0; i < 200000; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    double v;
    switch (i % 4) {
    case 0: v = (double)(s % 4000) / 40.0; break;                 /* many ties */
    case 1: v = (double)(s % 1000003) / (double)(1 + (s >> 44)); break;
    case 2: v = (double)(s >> 11) * 0x1p-53 * 1e17; break;        /* near the limit */
    default: memcpy(&v, &s, sizeof v); if (v != v) v = 0; break; /* any bits */
    }
    expect_f(1, v);
    if (i % 16 == 0)
      expect_f(4, v);
  }
}

static void test_integers_as_printf(void **state)
{
  (void)state;
  static const uint64_t u[] = { 0, 1, 9, 10, 99, 100, 1000000, UINT64_C(9999999999999999999),
                                UINT64_C(10000000000000000000), UINT64_MAX };
  static const int64_t i64[] = { 0, -1, 1, -10, INT64_MAX, INT64_MIN, -9223372036854775807 };
  for (size_t k = 0; k < sizeof u / sizeof u[0]; k++) {
    char want[64];
    jbuf b;
    jb_init(&b, NULL, 1); /* grows at every number */
    jb_u64(&b, u[k]);
    jb_c(&b, ' ');
    jb_hex16(&b, u[k]);
    snprintf(want, sizeof want, "%" PRIu64 " %016" PRIx64, u[k], u[k]);
    char *got = text_of(&b);
    assert_string_equal(got, want);
    free(got);
    free(b.p);
  }
  for (size_t k = 0; k < sizeof i64 / sizeof i64[0]; k++) {
    char want[64];
    jbuf b;
    jb_init(&b, NULL, 4);
    jb_i64(&b, i64[k]);
    snprintf(want, sizeof want, "%" PRId64, i64[k]);
    char *got = text_of(&b);
    assert_string_equal(got, want);
    free(got);
    free(b.p);
  }
}

static void test_string_escapes(void **state)
{
  (void)state;
  jbuf b;
  jb_init(&b, NULL, 16);
  jb_str(&b, "a\"b\\c\n\x01z");
  char *got = text_of(&b);
  assert_string_equal(got, "\"a\\\"b\\\\c\\u000a\\u0001z\"");
  free(got);
  free(b.p);
}

/* The same appends, through a sink and into memory: the same bytes, in
 * the same order, across many buffer fills and with pieces bigger than the
 * sink's buffer. */
static void test_sink_and_memory_agree(void **state)
{
  (void)state;
  char *big = malloc(3 * JB_SINK_BYTES + 7);
  assert_non_null(big);
  memset(big, 'x', 3 * JB_SINK_BYTES + 6);
  big[3 * JB_SINK_BYTES + 6] = '\0';
  FILE *f = tmpfile();
  assert_non_null(f);
  jbuf mem, sink;
  jb_init(&mem, NULL, 64);
  jb_init(&sink, f, JB_SINK_BYTES);
  for (int pass = 0; pass < 2; pass++) {
    jbuf *b = pass ? &sink : &mem;
    for (uint64_t i = 0; i < 20000; i++) {
      jb_kv(b, ", \"n\": ", i * UINT64_C(2654435761));
      if (i % 5000 == 0)
        jb_s(b, big);
      if (i % 7 == 0)
        jb_f(b, 1, (double)i / 8.0);
    }
  }
  jb_close(&sink);
  assert_false(mem.failed);
  assert_int_equal(ferror(f), 0);
  long len = ftell(f);
  assert_true(len > 0 && (size_t)len == mem.n);
  rewind(f);
  char *back = malloc(mem.n);
  assert_non_null(back);
  assert_int_equal(fread(back, 1, mem.n, f), mem.n);
  assert_memory_equal(back, mem.p, mem.n);
  fclose(f);
  free(back);
  free(big);
  free(mem.p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_doubles_as_printf),
    cmocka_unit_test(test_integers_as_printf),
    cmocka_unit_test(test_string_escapes),
    cmocka_unit_test(test_sink_and_memory_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
