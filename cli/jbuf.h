/* cli/jbuf.h: the buffer the JSON report is built in, numbers formatted by
 * hand (with one fprintf per group of fields, formatting was half the time
 * of a sweep of short runs).
 *
 * With a sink, the buffer goes to that FILE whenever it is full, so memory
 * stays bounded whatever the size of what is written; errors show in the
 * FILE (ferror). Without a sink the buffer grows, and `failed` says when it
 * could not (what was appended after that is lost).
 * SPDX-License-Identifier: MIT */
#ifndef AIA_CLI_JBUF_H
#define AIA_CLI_JBUF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct jbuf {
  char *p;
  size_t n, cap;
  FILE *sink;
  bool failed;
} jbuf;

/* The buffer of a jbuf with a sink. */
#define JB_SINK_BYTES 16384u

/* A buffer of `cap` bytes (a sink's: JB_SINK_BYTES); without a sink,
 * `failed` is set if it could not be made. */
void jb_init(jbuf *b, FILE *sink, size_t cap);
/* Hands what is buffered to the sink (none: drops it). */
void jb_flush(jbuf *b);
/* Flushes to the sink and frees the buffer. */
void jb_close(jbuf *b);
/* Appends k bytes when they do not fit (jb_put's slow path). */
void jb_grow(jbuf *b, const char *s, size_t k);

static inline void jb_put(jbuf *b, const char *s, size_t k)
{
  if (b->cap - b->n >= k && b->p != NULL) {
    memcpy(b->p + b->n, s, k);
    b->n += k;
  } else {
    jb_grow(b, s, k);
  }
}

/* A string (inlined: a literal's length is known when compiled). */
static inline void jb_s(jbuf *b, const char *s)
{
  jb_put(b, s, strlen(s));
}

static inline void jb_c(jbuf *b, char c)
{
  jb_put(b, &c, 1);
}

/* The decimal digits of v end at `end` (room for 20 before it); returns
 * the first. */
static inline char *jb_digits(char *end, uint64_t v)
{
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

static inline unsigned jb_ndigits(uint64_t v)
{
  unsigned n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

/* v in decimal, as %PRIu64. */
static inline void jb_u64(jbuf *b, uint64_t v)
{
  unsigned nd = jb_ndigits(v);
  if (b->p != NULL && b->cap - b->n >= nd) { /* in place */
    jb_digits(b->p + b->n + nd, v);
    b->n += nd;
  } else {
    char num[24];
    jb_grow(b, jb_digits(num + sizeof num, v), nd);
  }
}

/* `key` (its separator and colon with it), then v. */
static inline void jb_kv(jbuf *b, const char *key, uint64_t v)
{
  jb_s(b, key);
  jb_u64(b, v);
}

/* v in decimal, as %PRId64. */
void jb_i64(jbuf *b, int64_t v);
/* 16 lower-case hex digits, as %016PRIx64. */
void jb_hex16(jbuf *b, uint64_t v);
/* v with `prec` decimals, as %.*f (the same digits, the same rounding). */
void jb_f(jbuf *b, int prec, double v);
/* A JSON string: quotes, backslashes and control characters escaped. */
void jb_str(jbuf *b, const char *s);

#endif /* AIA_CLI_JBUF_H */
