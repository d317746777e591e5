/* tests/fuzz/fuzz.h: what the fuzz targets share: the libFuzzer entry point
 * and a reader that turns the input into numbers.
 *
 * Each target is built twice: with libFuzzer (AIASIM_FUZZ=ON, clang), which
 * brings its own main(), and as a plain program linked with driver.c, which
 * runs every file of the committed corpus once (ctest label `fuzz`).
 *
 * A target reports a finding by crashing: abort() for a broken invariant,
 * or the sanitizers for memory and undefined-behaviour errors.
 */
#ifndef AIA_TEST_FUZZ_H
#define AIA_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The entry point libFuzzer (or driver.c) calls once per input. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the input front to back. Past the end every read gives 0, so a
 * short input is simply a program that stops early (see fz_done). */
typedef struct fz_in {
  const uint8_t *p;
  size_t n, at;
} fz_in;

static inline void fz_init(fz_in *in, const uint8_t *data, size_t size)
{
  in->p = data;
  in->n = size;
  in->at = 0;
}

static inline int fz_done(const fz_in *in)
{
  return in->at >= in->n;
}

static inline uint8_t fz_u8(fz_in *in)
{
  return in->at < in->n ? in->p[in->at++] : 0;
}

/* Little-endian, `bytes` (1..8) bytes. */
static inline uint64_t fz_bytes(fz_in *in, unsigned bytes)
{
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++)
    v |= (uint64_t)fz_u8(in) << (8u * i);
  return v;
}

static inline uint16_t fz_u16(fz_in *in)
{
  return (uint16_t)fz_bytes(in, 2);
}

static inline uint32_t fz_u32(fz_in *in)
{
  return (uint32_t)fz_bytes(in, 4);
}

static inline uint64_t fz_u64(fz_in *in)
{
  return fz_bytes(in, 8);
}

/* A 64-bit value in one of a few shapes the fuzzer finds easily: small
 * numbers, single bits, all ones, all ones but one bit, raw 32 or 64 bits.
 * One shape byte, then 0 to 8 bytes. */
static inline uint64_t fz_value(fz_in *in)
{
  uint8_t shape = fz_u8(in);
  switch (shape & 7u) {
  case 0:
    return fz_u8(in);
  case 1:
    return fz_u16(in);
  case 2:
    return fz_u32(in);
  case 3:
    return fz_u64(in);
  case 4:
    return UINT64_C(1) << (fz_u8(in) & 63u);
  case 5:
    return UINT64_MAX;
  case 6:
    return ~(UINT64_C(1) << (fz_u8(in) & 63u));
  default:
    return (uint64_t)(shape >> 3); /* 0..31 with no extra byte */
  }
}

/* A broken invariant: say which, then crash so the fuzzer keeps the input. */
#define FZ_CHECK(cond, ...)                                                     \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "fuzz: %s:%d: check failed: %s: ", __FILE__, __LINE__,   \
              #cond);                                                           \
      fprintf(stderr, __VA_ARGS__);                                             \
      fputc('\n', stderr);                                                      \
      abort();                                                                  \
    }                                                                           \
  } while (0)

#endif /* AIA_TEST_FUZZ_H */
