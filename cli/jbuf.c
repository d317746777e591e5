/* cli/jbuf.c: the JSON report's buffer (jbuf.h).
 * SPDX-License-Identifier: MIT */
#include "jbuf.h"

#include <float.h>
#include <stdlib.h>

void jb_init(jbuf *b, FILE *sink, size_t cap)
{
  b->p = malloc(cap ? cap : 1);
  b->n = 0;
  b->cap = b->p ? cap : 0;
  b->sink = sink;
  b->failed = b->p == NULL && sink == NULL;
}

void jb_flush(jbuf *b)
{
  if (b->sink && b->n)
    fwrite(b->p, 1, b->n, b->sink); /* errors: ferror on the sink */
  b->n = 0;
}

void jb_close(jbuf *b)
{
  jb_flush(b);
  free(b->p);
  b->p = NULL;
  b->cap = 0;
}

void jb_grow(jbuf *b, const char *s, size_t k)
{
  if (k == 0)
    return;
  if (b->sink) {
    jb_flush(b);
    if (b->p != NULL && k <= b->cap) {
      memcpy(b->p, s, k);
      b->n = k;
    } else {
      fwrite(s, 1, k, b->sink); /* bigger than the buffer (or none): at once */
    }
    return;
  }
  if (b->failed)
    return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap - b->n < k) {
    if (cap > SIZE_MAX / 2) {
      b->failed = true;
      return;
    }
    cap *= 2;
  }
  char *p = realloc(b->p, cap);
  if (p == NULL) {
    b->failed = true;
    return;
  }
  b->p = p;
  b->cap = cap;
  memcpy(b->p + b->n, s, k);
  b->n += k;
}

void jb_i64(jbuf *b, int64_t v)
{
  if (v < 0) {
    jb_c(b, '-');
    jb_u64(b, (uint64_t)0 - (uint64_t)v);
  } else {
    jb_u64(b, (uint64_t)v);
  }
}

void jb_hex16(jbuf *b, uint64_t v)
{
  char d[16];
  for (int i = 15; i >= 0; i--, v >>= 4)
    d[i] = "0123456789abcdef"[v & 15];
  jb_put(b, d, sizeof d);
}

/* With one decimal, the digits are made here from the double's bits, in
 * integers: ten times the exact value, rounded half to even, as printf
 * rounds it. (Not with a long double: its extra bits are not there on
 * every machine, nor under valgrind.) Else printf makes them. */
void jb_f(jbuf *b, int prec, double v)
{
#if DBL_MANT_DIG == 53 && FLT_RADIX == 2
  if (prec == 1 && v >= 0 && v < 1e17) {
    uint64_t bits, m, t;
    int e;
    memcpy(&bits, &v, sizeof bits);
    e = (int)((bits >> 52) & 0x7ff);
    m = bits & ((UINT64_C(1) << 52) - 1);
    if (e == 0) {
      e = -1074; /* subnormal (or zero) */
    } else {
      m |= UINT64_C(1) << 52;
      e -= 1075;
    }
    /* v = m * 2^e; ten times it is m * 10 * 2^e, with m * 10 < 2^57 */
    if (e >= 0) {
      t = m * 10 << e; /* v is an integer below 1e17: below 2^64 */
    } else if (-e >= 58) {
      t = 0; /* m * 10 < 2^57 <= half of 2^-e: below a half */
    } else {
      unsigned sh = (unsigned)-e;
      uint64_t x = m * 10, r = x & ((UINT64_C(1) << sh) - 1), half = UINT64_C(1) << (sh - 1);
      t = x >> sh;
      if (r > half || (r == half && (t & 1u)))
        t++;
    }
    jb_u64(b, t / 10);
    jb_c(b, '.');
    jb_c(b, (char)('0' + t % 10));
    return;
  }
#endif
  char num[512];
  int k = snprintf(num, sizeof num, "%.*f", prec, v);
  if (k > 0)
    jb_put(b, num, (size_t)k < sizeof num ? (size_t)k : sizeof num - 1);
}

void jb_str(jbuf *b, const char *s)
{
  jb_c(b, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      jb_c(b, '\\');
      jb_c(b, (char)c);
    } else if (c < 0x20) {
      char u[8];
      snprintf(u, sizeof u, "\\u%04x", c);
      jb_s(b, u);
    } else {
      jb_c(b, (char)c);
    }
  }
  jb_c(b, '"');
}
