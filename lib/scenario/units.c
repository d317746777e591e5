/* lib/scenario/units.c: numbers, durations, rates and frequencies of the
 * scenario language, in exact integer arithmetic, and the edit distance
 * behind "did you mean".
 * SPDX-License-Identifier: MIT
 *
 * A duration or rate is read as a decimal mantissa m with k fraction digits
 * and a unit; the cycle count is then one rational number rounded once, so
 * "0.5us" at 1 GHz is exactly 500 cycles and no floating point is involved.
 * Products are formed in 128 bits (a small portable helper, not __int128).
 */
#include <string.h>

#include "scenario/scn_impl.h"

/* ---------------------------------------------------------- 128 bits -- */

typedef struct u128 {
  uint64_t hi, lo;
} u128;

static u128 u128_of(uint64_t v)
{
  u128 r = { 0, v };
  return r;
}

static u128 mul64(uint64_t a, uint64_t b)
{
  uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  u128 r;
  r.lo = (mid << 32) | (p00 & 0xffffffffu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

/* a * b; false on overflow of 128 bits. */
static bool mul128(u128 a, uint64_t b, u128 *r)
{
  u128 lo = mul64(a.lo, b), hi = mul64(a.hi, b);
  if (hi.hi != 0 || lo.hi + hi.lo < lo.hi)
    return false;
  r->lo = lo.lo;
  r->hi = lo.hi + hi.lo;
  return true;
}

static int cmp128(u128 a, u128 b)
{
  if (a.hi != b.hi)
    return a.hi < b.hi ? -1 : 1;
  if (a.lo != b.lo)
    return a.lo < b.lo ? -1 : 1;
  return 0;
}

static u128 add128(u128 a, u128 b)
{
  u128 r;
  r.lo = a.lo + b.lo;
  r.hi = a.hi + b.hi + (r.lo < a.lo);
  return r;
}

static u128 sub128(u128 a, u128 b)
{
  u128 r;
  r.lo = a.lo - b.lo;
  r.hi = a.hi - b.hi - (a.lo < b.lo);
  return r;
}

static u128 shl1(u128 a)
{
  u128 r;
  r.hi = (a.hi << 1) | (a.lo >> 63);
  r.lo = a.lo << 1;
  return r;
}

/* round(n / d) to nearest (halves up); d != 0. Restoring division. */
static u128 div_round(u128 n, u128 d)
{
  u128 q = { 0, 0 }, rem = { 0, 0 };
  for (int i = 127; i >= 0; i--) {
    uint64_t bit = i >= 64 ? (n.hi >> (i - 64)) & 1u : (n.lo >> i) & 1u;
    bool top = (rem.hi >> 63) != 0;
    rem = shl1(rem);
    rem.lo |= bit;
    q = shl1(q);
    if (top || cmp128(rem, d) >= 0) {
      rem = sub128(rem, d);
      q.lo |= 1u;
    }
  }
  /* remainder >= d - remainder  <=>  2 * remainder >= d */
  if (cmp128(rem, sub128(d, rem)) >= 0)
    q = add128(q, u128_of(1));
  return q;
}

static uint64_t pow10u(unsigned k)
{
  uint64_t p = 1;
  while (k--)
    p *= 10u;
  return p;
}

/* ----------------------------------------------------------- scanning -- */

void aia__scn_trim(const char **s, size_t *n)
{
  while (*n > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
    (*n)--;
}

bool aia__scn_digits(const char *s, size_t n, uint32_t *v)
{
  uint64_t x = 0;
  if (n == 0 || n > 9)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    x = x * 10u + (uint64_t)(s[i] - '0');
  }
  *v = (uint32_t)x;
  return true;
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* A decimal number at s[*i]: digits, '_' only between digits, and with
 * `frac` an optional '.' and more digits. m = all digits as one integer,
 * *k = number of fraction digits (trailing zeros dropped). */
static int scan_decimal(const char *s, size_t n, size_t *i, bool frac, uint64_t *m, unsigned *k)
{
  size_t p = *i;
  uint64_t v = 0;
  unsigned fd = 0, pending_zeros = 0;
  bool any = false, in_frac = false, big = false;
  while (p < n) {
    char c = s[p];
    if (is_digit(c)) {
      unsigned d = (unsigned)(c - '0');
      if (in_frac && d == 0) {
        pending_zeros++; /* decide later whether it is a trailing zero */
        p++;
        any = true;
        continue;
      }
      if (in_frac) {
        while (pending_zeros > 0) {
          if (v > UINT64_MAX / 10u)
            big = true;
          else
            v *= 10u;
          fd++;
          pending_zeros--;
        }
        fd++;
      }
      if (v > (UINT64_MAX - d) / 10u)
        big = true;
      else
        v = v * 10u + d;
      any = true;
      p++;
    } else if (c == '_' && any && p + 1 < n && is_digit(s[p + 1]) && !in_frac) {
      p++;
    } else if (c == '.' && frac && !in_frac && any && p + 1 < n && is_digit(s[p + 1])) {
      in_frac = true;
      p++;
    } else {
      break;
    }
  }
  *m = v;
  *k = fd;
  if (!any)
    return AIA__PR_SYNTAX;
  *i = p;
  return big || fd > 18 ? AIA__PR_BIG : AIA__PR_OK;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int parse_plain_uint(const char *s, size_t n, uint64_t *out)
{
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v = 0;
    bool big = false;
    for (size_t i = 2; i < n; i++) {
      int h = hexval(s[i]);
      if (h < 0) {
        if (s[i] == '_' && i > 2 && i + 1 < n && hexval(s[i + 1]) >= 0)
          continue;
        return AIA__PR_SYNTAX;
      }
      if (v >> 60)
        big = true;
      v = (v << 4) | (uint64_t)h;
    }
    if (big)
      return AIA__PR_BIG;
    *out = v;
    return AIA__PR_OK;
  }
  size_t i = 0;
  uint64_t m = 0;
  unsigned k = 0;
  int rc = scan_decimal(s, n, &i, false, &m, &k);
  if (rc == AIA__PR_SYNTAX || i != n)
    return AIA__PR_SYNTAX;
  if (rc != AIA__PR_OK)
    return rc;
  *out = m;
  return AIA__PR_OK;
}

int aia__scn_parse_uint(const char *s, size_t n, uint64_t *out)
{
  uint64_t v;
  aia__scn_trim(&s, &n);
  if (n > 1 && s[0] == '-') {
    int rc = parse_plain_uint(s + 1, n - 1, &v);
    if (rc == AIA__PR_OK && v == 0) {
      *out = 0;
      return AIA__PR_OK;
    }
    return rc == AIA__PR_SYNTAX ? AIA__PR_SYNTAX : AIA__PR_NEGATIVE;
  }
  if (n > 1 && s[0] == '+')
    return parse_plain_uint(s + 1, n - 1, out);
  return parse_plain_uint(s, n, out);
}

/* Does s[i..n) equal `word` exactly? */
static bool rest_is(const char *s, size_t i, size_t n, const char *word)
{
  size_t w = strlen(word);
  return n - i == w && memcmp(s + i, word, w) == 0;
}

int aia__scn_parse_duration(const char *s, size_t n, uint64_t clock_hz, bool sign, int64_t *neg,
                            uint64_t *out)
{
  bool minus = false;
  size_t i = 0;
  uint64_t m = 0, div;
  unsigned k = 0;
  int rc;

  aia__scn_trim(&s, &n);
  if (n > 0 && (s[0] == '-' || s[0] == '+')) {
    minus = s[0] == '-';
    s++;
    n--;
  }
  if (n == 0)
    return AIA__PR_SYNTAX;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { /* hex cycles */
    rc = parse_plain_uint(s, n, &m);
    if (rc != AIA__PR_OK)
      return rc;
    div = 0;
    k = 0;
  } else {
    rc = scan_decimal(s, n, &i, true, &m, &k);
    if (rc == AIA__PR_SYNTAX)
      return rc;
    size_t j = i;
    while (j < n && s[j] == ' ')
      j++;
    if (i == n) {
      if (k != 0) /* fractional cycles */
        return AIA__PR_SYNTAX;
      div = 0;
    } else if (rest_is(s, j, n, "ns")) {
      div = 1000000000u;
    } else if (rest_is(s, j, n, "us") || rest_is(s, j, n, "\xc2\xb5s") ||
               rest_is(s, j, n, "\xce\xbcs")) {
      div = 1000000u;
    } else if (rest_is(s, j, n, "ms")) {
      div = 1000u;
    } else if (rest_is(s, j, n, "s")) {
      div = 1u;
    } else {
      return AIA__PR_SYNTAX;
    }
    if (rc != AIA__PR_OK)
      return rc;
  }
  if (minus && m != 0 && !sign)
    return AIA__PR_NEGATIVE;
  uint64_t cycles;
  if (div == 0) {
    cycles = m;
  } else {
    /* cycles = m * clock_hz / (10^k * div), rounded */
    u128 num = mul64(m, clock_hz), den = mul64(pow10u(k), div);
    u128 q = div_round(num, den);
    if (q.hi != 0)
      return AIA__PR_BIG;
    cycles = q.lo;
    if (cycles == 0 && m != 0)
      return AIA__PR_SUBCYCLE;
  }
  if (cycles > AIA__MAX_CYCLES)
    return AIA__PR_BIG;
  if (neg != NULL)
    *neg = minus ? -(int64_t)cycles : (int64_t)cycles;
  *out = cycles;
  return AIA__PR_OK;
}

/* Multiplier prefix at s[*i] (k, M, G): 10^3, 10^6, 10^9, or 1. */
static uint64_t prefix(const char *s, size_t n, size_t *i)
{
  if (*i < n) {
    switch (s[*i]) {
    case 'k':
      (*i)++;
      return 1000u;
    case 'M':
      (*i)++;
      return 1000000u;
    case 'G':
      (*i)++;
      return 1000000000u;
    default:
      break;
    }
  }
  return 1u;
}

int aia__scn_parse_rate(const char *s, size_t n, uint64_t clock_hz, uint64_t *period)
{
  size_t i = 0;
  uint64_t m = 0, mult, per;
  unsigned k = 0;
  int rc;

  aia__scn_trim(&s, &n);
  if (n > 0 && s[0] == '-') {
    size_t j = 1;
    if (scan_decimal(s, n, &j, true, &m, &k) != AIA__PR_SYNTAX)
      return AIA__PR_NEGATIVE;
    return AIA__PR_SYNTAX;
  }
  rc = scan_decimal(s, n, &i, true, &m, &k);
  if (rc == AIA__PR_SYNTAX)
    return rc;
  if (i == n)
    return AIA__PR_NOUNIT;
  while (i < n && s[i] == ' ')
    i++;
  if (rest_is(s, i, n, "Hz") || rest_is(s, i + 1, n, "Hz")) {
    mult = prefix(s, n, &i);
    if (!rest_is(s, i, n, "Hz"))
      return AIA__PR_SYNTAX;
    per = 1u;
  } else {
    mult = prefix(s, n, &i);
    if (rest_is(s, i, n, "/s"))
      per = 1u;
    else if (rest_is(s, i, n, "/ms"))
      per = 1000u;
    else if (rest_is(s, i, n, "/us") || rest_is(s, i, n, "/\xc2\xb5s") ||
             rest_is(s, i, n, "/\xce\xbcs"))
      per = 1000000u;
    else
      return AIA__PR_SYNTAX;
  }
  if (rc != AIA__PR_OK)
    return rc;
  if (m == 0)
    return AIA__PR_ZERO;
  /* events per second = m * mult * per / 10^k; period = clock_hz / that */
  u128 num = mul64(clock_hz, pow10u(k)), den;
  if (!mul128(mul64(m, mult), per, &den))
    return AIA__PR_FAST;
  if (cmp128(den, num) > 0)
    return AIA__PR_FAST;
  u128 q = div_round(num, den);
  if (q.hi != 0 || q.lo > AIA__MAX_CYCLES)
    return AIA__PR_SLOW;
  *period = q.lo;
  return AIA__PR_OK;
}

int aia__scn_parse_clock(const char *s, size_t n, uint64_t *hz)
{
  size_t i = 0;
  uint64_t m = 0, mult;
  unsigned k = 0;
  int rc;

  aia__scn_trim(&s, &n);
  if (n > 0 && s[0] == '-')
    return aia__scn_parse_uint(s, n, &m) == AIA__PR_SYNTAX ? AIA__PR_SYNTAX : AIA__PR_NEGATIVE;
  if (aia__scn_parse_uint(s, n, hz) == AIA__PR_OK)
    return AIA__PR_OK;
  rc = scan_decimal(s, n, &i, true, &m, &k);
  if (rc == AIA__PR_SYNTAX)
    return rc;
  while (i < n && s[i] == ' ')
    i++;
  mult = prefix(s, n, &i);
  if (!rest_is(s, i, n, "Hz"))
    return AIA__PR_SYNTAX;
  if (rc != AIA__PR_OK)
    return rc;
  u128 v = mul64(m, mult);
  uint64_t p = pow10u(k);
  u128 q = div_round(v, u128_of(p));
  u128 back;
  /* the value must be a whole number of Hz */
  if (q.hi != 0 || !mul128(q, p, &back) || cmp128(back, v) != 0)
    return AIA__PR_SYNTAX;
  *hz = q.lo;
  return AIA__PR_OK;
}

bool aia__scn_is_name(const char *s, size_t n)
{
  if (n == 0 || n >= AIA_SCN_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && (i == 0 || !(is_digit(c) || c == '-')))
      return false;
  }
  return true;
}

/* ------------------------------------------------------ edit distance -- */

unsigned aia__scn_distance(const char *a, size_t alen, const char *b, size_t blen, unsigned cap)
{
  /* Optimal string alignment (a transposition counts 1), three rows. */
  enum { MAXL = 64 };
  unsigned r0[MAXL + 1], r1[MAXL + 1], r2[MAXL + 1];
  unsigned *pp = r0, *p = r1, *c = r2;
  if (alen > MAXL || blen > MAXL)
    return cap + 1;
  if ((alen > blen ? alen - blen : blen - alen) > cap)
    return cap + 1;
  for (size_t j = 0; j <= blen; j++)
    p[j] = (unsigned)j;
  for (size_t i = 1; i <= alen; i++) {
    c[0] = (unsigned)i;
    for (size_t j = 1; j <= blen; j++) {
      unsigned cost = a[i - 1] == b[j - 1] ? 0u : 1u;
      unsigned v = p[j] + 1;
      if (c[j - 1] + 1 < v)
        v = c[j - 1] + 1;
      if (p[j - 1] + cost < v)
        v = p[j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      c[j] = v;
    }
    unsigned *t = pp;
    pp = p;
    p = c;
    c = t;
  }
  return p[blen] > cap ? cap + 1 : p[blen];
}

bool aia__scn_is_close(const char *got, size_t glen, const char *want)
{
  size_t wlen = strlen(want);
  unsigned cap = wlen <= 3 ? 1u : wlen <= 8 ? 2u : 3u;
  unsigned d = aia__scn_distance(got, glen, want, wlen, cap);
  return d <= cap && d < wlen; /* "D" is not a typo of "A" */
}

uint64_t aia__scn_ns(uint64_t clock_hz, uint64_t ns)
{
  u128 q = div_round(mul64(ns, clock_hz), u128_of(1000000000u));
  return q.hi != 0 || q.lo > AIA__MAX_CYCLES ? AIA__MAX_CYCLES : q.lo;
}
