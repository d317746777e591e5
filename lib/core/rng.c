/* lib/core/rng.c: xoshiro256** streams seeded through splitmix64.
 * SPDX-License-Identifier: MIT
 * Algorithms by Blackman and Vigna (public domain reference), written here
 * from their published description. */
#include <math.h>
#include <stddef.h>
#include "aiasim/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void aia_rng_seed(aia_rng *r, uint64_t seed, uint64_t stream)
{
  /* Mix the stream id through splitmix64 first so that nearby (seed, stream)
   * pairs do not give overlapping splitmix sequences. */
  uint64_t x = stream;
  uint64_t k = splitmix64(&x);
  x = seed ^ k;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
    r->s[0] = 1; /* the all-zero state is a fixed point */
}

uint64_t aia_rng_next(aia_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t aia_rng_below(aia_rng *r, uint64_t n)
{
  if (n == 0)
    return 0;
  /* Reject the top partial block so every residue is equally likely. */
  uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x;
  do
    x = aia_rng_next(r);
  while (x >= limit);
  return x % n;
}

uint64_t aia_rng_range(aia_rng *r, uint64_t lo, uint64_t hi)
{
  if (hi <= lo)
    return lo;
  if (lo == 0 && hi == UINT64_MAX)
    return aia_rng_next(r);
  return lo + aia_rng_below(r, hi - lo + 1);
}

double aia_rng_unit(aia_rng *r)
{
  return (double)(aia_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t aia_rng_exponential(aia_rng *r, uint64_t mean)
{
  if (mean == 0)
    return 0;
  double u = aia_rng_unit(r);           /* [0, 1) */
  double v = -log1p(-u) * (double)mean; /* -ln(1-u): finite since u < 1 */
  if (v >= 18446744073709549568.0)
    return UINT64_MAX;
  return (uint64_t)(v + 0.5);
}

uint64_t aia_jitter_draw(aia_rng *r, const aia_jitter *j)
{
  if (j == NULL || j->amount == 0)
    return 0;
  switch (j->kind) {
  case AIA_JITTER_UNIFORM:
    return aia_rng_range(r, 0, j->amount);
  case AIA_JITTER_EXP:
    return aia_rng_exponential(r, j->amount);
  default:
    return 0;
  }
}
