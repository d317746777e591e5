/* aiasim/rng.h: deterministic pseudo-random streams (xoshiro256**).
 * SPDX-License-Identifier: MIT */
#ifndef AIA_RNG_H
#define AIA_RNG_H

#include <stdint.h>
#include "aiasim/export.h"

AIA_BEGIN_DECLS

/* One xoshiro256** stream. Plain data: embed it, copy it, no cleanup needed.
 * A stream is used by one thread at a time. */
typedef struct aia_rng {
  uint64_t s[4];
} aia_rng;

/* Seeds a stream from (seed, stream id) through splitmix64, so that streams
 * with different ids are independent and adding a stream shifts no other. */
AIA_API void aia_rng_seed(aia_rng *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits. */
AIA_API uint64_t aia_rng_next(aia_rng *r);

/* Uniform integer in [0, n) without modulo bias (rejection); 0 when n == 0. */
AIA_API uint64_t aia_rng_below(aia_rng *r, uint64_t n);

/* Uniform integer in [lo, hi] inclusive; lo when hi <= lo. */
AIA_API uint64_t aia_rng_range(aia_rng *r, uint64_t lo, uint64_t hi);

/* Exponentially distributed integer with the given mean (rounded to nearest);
 * 0 when mean == 0. Used for Poisson arrivals and exponential jitter. */
AIA_API uint64_t aia_rng_exponential(aia_rng *r, uint64_t mean);

/* Random extra delay added to one cost ("jitter"). */
typedef enum aia_jitter_kind {
  AIA_JITTER_NONE = 0,
  AIA_JITTER_UNIFORM = 1, /* uniform in [0, amount] */
  AIA_JITTER_EXP = 2      /* exponential with mean amount */
} aia_jitter_kind;

typedef struct aia_jitter {
  aia_jitter_kind kind;
  uint64_t amount; /* cycles */
} aia_jitter;

/* One draw of a jitter (0 for AIA_JITTER_NONE or a zero amount). */
AIA_API uint64_t aia_jitter_draw(aia_rng *r, const aia_jitter *j);

/* Uniform double in [0, 1) with 53 random bits. */
AIA_API double aia_rng_unit(aia_rng *r);

AIA_END_DECLS

#endif /* AIA_RNG_H */
