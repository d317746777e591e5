/* Histogram percentiles against a sorted reference; counters. */
#include <math.h>
#include <string.h>

#include "aia_test.h"

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank quantile of a sorted array. */
static uint64_t ref_quantile(const uint64_t *v, size_t n, double q)
{
  size_t rank = (size_t)ceil(q * (double)n);
  if (rank < 1)
    rank = 1;
  return v[rank - 1];
}

static void check_against_reference(uint64_t *v, size_t n)
{
  aia_hist h;
  const double qs[] = { 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999 };
  aia_hist_init(&h);
  long double sum = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(aia_hist_record(&h, v[i]), AIA_OK);
    sum += (long double)v[i];
  }
  qsort(v, n, sizeof *v, cmp_u64);
  assert_int_equal(h.count, n);
  assert_true(h.min == v[0]);
  assert_true(h.max == v[n - 1]);
  for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
    uint64_t want = ref_quantile(v, n, qs[k]);
    uint64_t got = aia_hist_quantile(&h, qs[k]);
    double err = want ? fabs((double)got - (double)want) / (double)want : (double)got;
    if (want < 256)
      assert_true(got == want); /* exact range */
    else if (err > 0.01)
      fail_msg("q=%g want %llu got %llu (err %.4f)", qs[k], (unsigned long long)want,
               (unsigned long long)got, err);
  }
  double mean = (double)(sum / (long double)n);
  assert_true(fabs(aia_hist_mean(&h) - mean) <= mean * 1e-12 + 1e-9);
  /* The summary (one pass) says what the quantiles say one by one. */
  aia_hist_summary s;
  aia_hist_summarize(&h, &s);
  assert_int_equal(s.count, n);
  assert_int_equal(s.min, v[0]);
  assert_int_equal(s.max, v[n - 1]);
  assert_int_equal(s.p50, aia_hist_quantile(&h, 0.50));
  assert_int_equal(s.p90, aia_hist_quantile(&h, 0.90));
  assert_int_equal(s.p99, aia_hist_quantile(&h, 0.99));
  assert_int_equal(s.p999, aia_hist_quantile(&h, 0.999));
  aia_hist_free(&h);
}

static void test_percentiles_within_one_percent(void **state)
{
  enum { N = 100000 };
  uint64_t *v = malloc(N * sizeof *v);
  aia_rng r;
  (void)state;
  assert_non_null(v);
  aia_rng_seed(&r, 3, 0);
  /* Log-uniform over 0 .. 2^40: every octave is exercised. */
  for (size_t i = 0; i < N; i++) {
    unsigned e = (unsigned)aia_rng_below(&r, 41);
    v[i] = aia_rng_below(&r, (UINT64_C(1) << e) + 1);
  }
  check_against_reference(v, N);
  /* Latency-like: exponential around 5,000 cycles. */
  for (size_t i = 0; i < N; i++)
    v[i] = 2000 + aia_rng_exponential(&r, 5000);
  check_against_reference(v, N);
  /* Small values only: every percentile exact. */
  for (size_t i = 0; i < N; i++)
    v[i] = aia_rng_below(&r, 256);
  check_against_reference(v, N);
  free(v);
}

static void test_exact_for_small_values(void **state)
{
  aia_hist h;
  (void)state;
  aia_hist_init(&h);
  for (uint64_t i = 1; i <= 100; i++)
    assert_int_equal(aia_hist_record(&h, i), AIA_OK);
  assert_true(aia_hist_quantile(&h, 0.5) == 50);
  assert_true(aia_hist_quantile(&h, 0.9) == 90);
  assert_true(aia_hist_quantile(&h, 0.99) == 99);
  assert_true(aia_hist_quantile(&h, 1.0) == 100);
  assert_true(aia_hist_quantile(&h, 0.0) == 1);
  assert_true(fabs(aia_hist_mean(&h) - 50.5) < 1e-12);
  aia_hist_summary s;
  aia_hist_summarize(&h, &s);
  assert_true(s.count == 100 && s.p50 == 50 && s.p999 == 100 && s.max == 100 && s.min == 1);
  aia_hist_reset(&h);
  assert_true(aia_hist_quantile(&h, 0.5) == 0);
  assert_true(aia_hist_mean(&h) == 0.0);
  aia_hist_free(&h);
}

static void test_huge_values_and_sum(void **state)
{
  aia_hist h;
  (void)state;
  aia_hist_init(&h);
  assert_int_equal(aia_hist_record(&h, UINT64_MAX), AIA_OK);
  assert_int_equal(aia_hist_record(&h, UINT64_MAX), AIA_OK);
  assert_true(aia_hist_quantile(&h, 0.5) == UINT64_MAX);
  /* 2 * (2^64 - 1) overflows 64 bits: the 128-bit sum keeps the mean. */
  assert_true(fabs(aia_hist_mean(&h) - 18446744073709551615.0) < 1e4);
  assert_int_equal(aia_hist_record_n(&h, 1000, 3), AIA_OK);
  assert_true(h.count == 5);
  aia_hist_free(&h);
}

static void test_merge_equals_single(void **state)
{
  aia_hist a, b, all;
  aia_rng r;
  (void)state;
  aia_hist_init(&a);
  aia_hist_init(&b);
  aia_hist_init(&all);
  aia_rng_seed(&r, 9, 9);
  for (int i = 0; i < 20000; i++) {
    uint64_t x = aia_rng_exponential(&r, (i & 1) ? 300 : 300000);
    assert_int_equal(aia_hist_record((i & 1) ? &a : &b, x), AIA_OK);
    assert_int_equal(aia_hist_record(&all, x), AIA_OK);
  }
  assert_int_equal(aia_hist_merge(&a, &b), AIA_OK);
  assert_true(a.count == all.count && a.min == all.min && a.max == all.max);
  assert_true(a.sum_lo == all.sum_lo && a.sum_hi == all.sum_hi);
  for (double q = 0.01; q < 1.0; q += 0.01)
    assert_true(aia_hist_quantile(&a, q) == aia_hist_quantile(&all, q));
  aia_hist empty;
  aia_hist_init(&empty);
  assert_int_equal(aia_hist_merge(&empty, &a), AIA_OK);
  assert_true(empty.count == a.count && empty.min == a.min);
  aia_hist_free(&a);
  aia_hist_free(&b);
  aia_hist_free(&all);
  aia_hist_free(&empty);
}

static void test_counters(void **state)
{
  aia_counters *c, *d;
  uint32_t ipis, exits, again;
  (void)state;
  assert_int_equal(aia_counters_create(&c), AIA_OK);
  assert_int_equal(aia_counters_create(&d), AIA_OK);
  assert_int_equal(aia_counters_register(c, "ipis", &ipis), AIA_OK);
  assert_int_equal(aia_counters_register(c, "exits", &exits), AIA_OK);
  assert_int_equal(aia_counters_register(c, "ipis", &again), AIA_OK);
  assert_int_equal(again, ipis);
  assert_int_equal(aia_counters_register(c, "", &again), AIA_EINVAL);
  assert_int_equal(aia_counters_register(c, NULL, &again), AIA_EINVAL);
  aia_counters_add(c, ipis, 3);
  aia_counters_add(c, exits, 1);
  aia_counters_add(c, 99, 1); /* unknown index: ignored */
  assert_true(aia_counters_get(c, "ipis") == 3);
  assert_true(aia_counters_get(c, "exits") == 1);
  assert_true(aia_counters_get(c, "nope") == 0);
  assert_int_equal(aia_counters_size(c), 2);
  assert_string_equal(aia_counters_name(c, 1), "exits");
  assert_null(aia_counters_name(c, 2));
  assert_int_equal(aia_counters_register(d, "exits", &again), AIA_OK);
  aia_counters_add(d, again, 10);
  assert_int_equal(aia_counters_merge(d, c), AIA_OK);
  assert_true(aia_counters_get(d, "exits") == 11);
  assert_true(aia_counters_get(d, "ipis") == 3);
  assert_true(aia_counters_value(d, 1) == 3);
  aia_counters_destroy(c);
  aia_counters_destroy(d);
  aia_counters_destroy(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_percentiles_within_one_percent),
    cmocka_unit_test(test_exact_for_small_values),
    cmocka_unit_test(test_huge_values_and_sum),
    cmocka_unit_test(test_merge_equals_single),
    cmocka_unit_test(test_counters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
