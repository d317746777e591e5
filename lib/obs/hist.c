/* lib/obs/hist.c: log-linear latency histogram.
 * SPDX-License-Identifier: MIT
 *
 * Bucket layout: values 0..255 have a bucket each. A value v >= 256 with
 * e = floor(log2 v) falls in bucket 256 + (e - 8) * 128 + (v >> (e - 7)) - 128:
 * 128 buckets per power of two, each 2^(e-7) wide. Reporting the midpoint
 * bounds the relative error by 2^(e-8) / 2^e = 1/256.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/stats.h"
#include "aiasim/status.h"

#define EXACT 256u
#define SUB 128u
#define SUB_BITS 7u
#define MAX_BUCKETS (EXACT + (64u - 8u) * SUB)

static inline uint32_t bucket_of(uint64_t v)
{
  if (v < EXACT)
    return (uint32_t)v;
  unsigned e = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = e - SUB_BITS;
  return EXACT + (e - 8u) * SUB + (uint32_t)((v >> shift) - SUB);
}

/* Lowest value of bucket b and its width. */
static void bucket_bounds(uint32_t b, uint64_t *lo, uint64_t *width)
{
  if (b < EXACT) {
    *lo = b;
    *width = 1;
    return;
  }
  uint32_t e = (b - EXACT) / SUB + 8u, sub = (b - EXACT) % SUB;
  unsigned shift = e - SUB_BITS;
  *lo = ((uint64_t)(SUB + sub)) << shift;
  *width = UINT64_C(1) << shift;
}

void aia_hist_init(aia_hist *h)
{
  if (h == NULL)
    return;
  memset(h, 0, sizeof *h);
}

void aia_hist_free(aia_hist *h)
{
  if (h == NULL)
    return;
  free(h->counts);
  aia_hist_init(h);
}

void aia_hist_reset(aia_hist *h)
{
  if (h == NULL)
    return;
  if (h->counts)
    memset(h->counts, 0, h->nbuckets * sizeof *h->counts);
  h->count = h->min = h->max = h->sum_lo = h->sum_hi = 0;
}

static int grow(aia_hist *h, uint32_t need)
{
  uint32_t n = h->nbuckets ? h->nbuckets : 64;
  uint64_t *c;
  while (n < need)
    n *= 2;
  if (n > MAX_BUCKETS)
    n = MAX_BUCKETS;
  c = realloc(h->counts, n * sizeof *c);
  if (c == NULL)
    return AIA_ENOMEM;
  memset(c + h->nbuckets, 0, (n - h->nbuckets) * sizeof *c);
  h->counts = c;
  h->nbuckets = n;
  return AIA_OK;
}

static void add_sum(aia_hist *h, uint64_t lo, uint64_t hi)
{
  uint64_t s = h->sum_lo + lo;
  h->sum_hi += hi + (s < lo);
  h->sum_lo = s;
}

int aia_hist_record_n(aia_hist *h, uint64_t v, uint64_t n)
{
  uint32_t b;
  if (h == NULL)
    return AIA_EINVAL;
  if (n == 0)
    return AIA_OK;
  b = bucket_of(v);
  if (b >= h->nbuckets && grow(h, b + 1) != AIA_OK)
    return AIA_ENOMEM;
  h->counts[b] += n;
  if (h->count == 0 || v < h->min)
    h->min = v;
  if (v > h->max)
    h->max = v;
  h->count += n;
  /* v * n as a 128-bit product, from 32-bit halves. */
  uint64_t vl = v & 0xffffffffu, vh = v >> 32, nl = n & 0xffffffffu, nh = n >> 32;
  uint64_t ll = vl * nl, lh = vl * nh, hl = vh * nl, hh = vh * nh;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  uint64_t lo = (ll & 0xffffffffu) | (mid << 32);
  uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  add_sum(h, lo, hi);
  return AIA_OK;
}

int aia_hist_record(aia_hist *h, uint64_t v)
{
  return aia_hist_record_n(h, v, 1);
}

int aia_hist_merge(aia_hist *dst, const aia_hist *src)
{
  if (dst == NULL || src == NULL)
    return AIA_EINVAL;
  if (src->count == 0)
    return AIA_OK;
  if (src->nbuckets > dst->nbuckets && grow(dst, src->nbuckets) != AIA_OK)
    return AIA_ENOMEM;
  for (uint32_t i = 0; i < src->nbuckets; i++)
    dst->counts[i] += src->counts[i];
  if (dst->count == 0 || src->min < dst->min)
    dst->min = src->min;
  if (src->max > dst->max)
    dst->max = src->max;
  dst->count += src->count;
  add_sum(dst, src->sum_lo, src->sum_hi);
  return AIA_OK;
}

/* Nearest rank of quantile q (0 < q < 1) in a non-empty histogram:
 * ceil(q * count), between 1 and count. */
static uint64_t rank_of(const aia_hist *h, double q)
{
  double r = ceil(q * (double)h->count);
  uint64_t rank = r < 1.0 ? 1 : (uint64_t)r;
  return rank > h->count ? h->count : rank;
}

/* The value reported for bucket b: its middle, kept within [min, max]. */
static uint64_t bucket_value(const aia_hist *h, uint32_t b)
{
  uint64_t lo, w, v;
  bucket_bounds(b, &lo, &w);
  v = lo + (w >> 1);
  return v < h->min ? h->min : v > h->max ? h->max : v;
}

uint64_t aia_hist_quantile(const aia_hist *h, double q)
{
  uint64_t rank, seen = 0;
  if (h == NULL || h->count == 0)
    return 0;
  if (!(q > 0.0))
    return h->min;
  if (q >= 1.0)
    return h->max;
  rank = rank_of(h, q);
  for (uint32_t b = 0; b < h->nbuckets; b++) {
    seen += h->counts[b];
    if (seen >= rank)
      return bucket_value(h, b);
  }
  return h->max;
}

double aia_hist_mean(const aia_hist *h)
{
  if (h == NULL || h->count == 0)
    return 0.0;
  return ((double)h->sum_hi * 18446744073709551616.0 + (double)h->sum_lo) / (double)h->count;
}

void aia_hist_summarize(const aia_hist *h, aia_hist_summary *s)
{
  if (h == NULL || s == NULL) {
    if (s)
      memset(s, 0, sizeof *s);
    return;
  }
  s->count = h->count;
  s->mean = aia_hist_mean(h);
  s->min = h->min;
  /* The four quantiles of aia_hist_quantile, in one pass over the buckets. */
  static const double q[4] = { 0.50, 0.90, 0.99, 0.999 };
  uint64_t *out[4] = { &s->p50, &s->p90, &s->p99, &s->p999 }, rank[4], seen = 0;
  unsigned k = 0;
  for (unsigned i = 0; i < 4; i++) {
    rank[i] = h->count ? rank_of(h, q[i]) : 0;
    *out[i] = h->count ? h->max : 0;
  }
  /* Nothing is below the minimum's bucket. */
  for (uint32_t b = h->count ? bucket_of(h->min) : 0; h->count && b < h->nbuckets && k < 4; b++) {
    seen += h->counts[b];
    while (k < 4 && seen >= rank[k])
      *out[k++] = bucket_value(h, b);
  }
  s->max = h->max;
}
