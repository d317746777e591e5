/* aiasim/stats.h: latency histograms and named counters.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_STATS_H
#define AIA_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "aiasim/export.h"

AIA_BEGIN_DECLS

/* Log-linear histogram of uint64_t values (cycles).
 * Values below 256 are counted exactly. Above, each power of two is split in
 * 128 equal buckets and a bucket is reported by its midpoint, so a reported
 * percentile is within 1/256 (0.4%) of a value that was recorded, for every
 * value up to 2^64-1. min, max, count and sum are exact.
 * Buckets grow on demand: a histogram of small values stays small.
 * Plain struct: zero it (or aia_hist_init) before use, aia_hist_free after. */
typedef struct aia_hist {
  uint64_t *counts;    /* owned; nbuckets entries */
  uint32_t nbuckets;
  uint64_t count;
  uint64_t min;
  uint64_t max;
  uint64_t sum_lo;     /* exact 128-bit sum of recorded values */
  uint64_t sum_hi;
} aia_hist;

/* Summary as reported: count, exact mean, percentiles and exact max. */
typedef struct aia_hist_summary {
  uint64_t count;
  double mean;
  uint64_t min, p50, p90, p99, p999, max;
} aia_hist_summary;

AIA_API void aia_hist_init(aia_hist *h);
AIA_API void aia_hist_free(aia_hist *h);      /* leaves an empty, reusable hist */
AIA_API void aia_hist_reset(aia_hist *h);     /* empties, keeps the memory */

/* Records one value. AIA_ENOMEM if the buckets could not grow (nothing
 * changes); AIA_EINVAL for a NULL histogram. Every function here accepts
 * NULL: the init/free/reset calls do nothing, the queries return 0, and
 * summarize fills *s with zeros. */
AIA_API int aia_hist_record(aia_hist *h, uint64_t value);

/* Records `n` copies of one value. */
AIA_API int aia_hist_record_n(aia_hist *h, uint64_t value, uint64_t n);

/* Adds src into dst. AIA_ENOMEM leaves dst unchanged; AIA_EINVAL for NULL. */
AIA_API int aia_hist_merge(aia_hist *dst, const aia_hist *src);

/* Value at quantile q (0..1) by nearest rank: the smallest recorded value v
 * such that at least ceil(q*count) values are <= v, up to the bucket error.
 * Clamped to [min, max]; 0 for an empty histogram. */
AIA_API uint64_t aia_hist_quantile(const aia_hist *h, double q);

/* Mean of recorded values; 0.0 when empty. */
AIA_API double aia_hist_mean(const aia_hist *h);

/* Fills *s from h. */
AIA_API void aia_hist_summarize(const aia_hist *h, aia_hist_summary *s);

/* Named counters: a small ordered set of (name, uint64) pairs.
 * Names are copied; order is the order of first registration. */
typedef struct aia_counters aia_counters;

AIA_API int aia_counters_create(aia_counters **out);
AIA_API void aia_counters_destroy(aia_counters *c);

/* Returns the index of `name`, registering it (value 0) if new, in *idx.
 * AIA_EINVAL for NULL/empty names, AIA_ENOMEM. */
AIA_API int aia_counters_register(aia_counters *c, const char *name, uint32_t *idx);

/* Adds n to counter idx (no-op for an unknown index). */
AIA_API void aia_counters_add(aia_counters *c, uint32_t idx, uint64_t n);

/* Value of counter `name`, 0 if unknown. */
AIA_API uint64_t aia_counters_get(const aia_counters *c, const char *name);

/* Number of counters, and the name and value of counter i (NULL/0 past the end). */
AIA_API uint32_t aia_counters_size(const aia_counters *c);
AIA_API const char *aia_counters_name(const aia_counters *c, uint32_t i);
AIA_API uint64_t aia_counters_value(const aia_counters *c, uint32_t i);

/* Adds every counter of src into dst by name. AIA_ENOMEM. */
AIA_API int aia_counters_merge(aia_counters *dst, const aia_counters *src);

AIA_END_DECLS

#endif /* AIA_STATS_H */
