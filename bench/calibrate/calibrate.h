/* bench/calibrate/calibrate.h: what the shapes of bench_calibrate share
 * (calibrate.c: the helpers, shapes a-c and the report; fork.c: shape d).
 * SPDX-License-Identifier: MIT */
#ifndef BENCH_CALIBRATE_H
#define BENCH_CALIBRATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "aiasim/aiasim.h"

/* Real threads. */
uint64_t mono_ns(void);
void sleep_until(uint64_t t);
/* Pins the calling thread to cpu (-1: every CPU); no timer slack. */
void pin(int cpu);
void die(const char *what, int rc);
#define CHECK(call)                                                                            \
  do {                                                                                         \
    int rc_ = (call);                                                                          \
    if (rc_ != 0)                                                                              \
      die(#call, rc_);                                                                         \
  } while (0)

typedef struct rshared {
  atomic_int stop;
} rshared;
extern rshared g_real;

typedef struct rspinner {
  int cpu, nice;
  uint64_t cpu_ns;
  pthread_t th;
} rspinner;

/* Spins on its CPU at its nice until g_real.stop; notes its CPU time. */
void *rspinner_main(void *arg);

/* The model. */
typedef struct model {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
} model;

extern uint64_t g_features; /* the model's scheduler features */
void model_new(model *m, uint32_t harts, uint32_t hz);
/* A thread pinned to cpu (-1: made on hart 0, any hart allowed). */
aia_thread *model_thread(model *m, int cpu, int nice, const aia_thread_ops *ops);
aia_thread *model_noise(model *m, int cpu, int nice, aia_cycle busy, aia_cycle idle);

/* Counts a row of the report and says whether it met its target. */
const char *verdict(bool ok);

/* fork.c */
void shape_d(uint32_t hz);

#endif /* BENCH_CALIBRATE_H */
