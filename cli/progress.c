/* cli/progress.c: progress of `aiasim run` on stderr: simulated time done
 * of the total (all runs), runs done, wall time spent and an estimate of
 * the time left. Runs report their simulated cycle through a record hook
 * (every 4,096 records); a separate thread prints. Output never goes to
 * stdout, so reports on stdout are unchanged.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

static double since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static uint64_t job_total(const job *j)
{
  return j->scn ? j->scn->duration + j->scn->drain : 0; /* NULL: an empty slot */
}

void aia__cli_progress_hook(void *user, const aia_event *ev)
{
  job *j = user;
  if ((++j->nrec & 4095u) == 0)
    atomic_store_explicit(&j->sim_done, ev->cycle, memory_order_relaxed);
}

/* One line: "aiasim: 42% simulated (8.4 of 20.0 ms), 1/2 runs, 3.1 s, about 4.3 s left". */
static void print_line(progress *pr, size_t done, bool final)
{
  uint64_t sim, total = pr->cycles_total, hz = pr->hz ? pr->hz : 1;
  double el = since(&pr->t0), f;
  pthread_mutex_lock(&pr->mu);
  sim = pr->cycles_before;
  for (size_t i = 0; i < pr->njobs; i++) {
    uint64_t d = atomic_load_explicit(&pr->jobs[i].sim_done, memory_order_relaxed);
    uint64_t t = job_total(&pr->jobs[i]);
    sim += d < t ? d : t;
  }
  pthread_mutex_unlock(&pr->mu);
  if (final || sim > total)
    sim = total; /* a sweep of durations: the total is an estimate */
  f = total ? (double)sim / (double)total : 1.0;
  fprintf(stderr, "%saiasim: %3.0f%% simulated (%.1f of %.1f ms), %zu/%zu runs, %.1f s",
          pr->mode == PROGRESS_TERMINAL ? "\r" : "", 100.0 * f, (double)sim * 1e3 / (double)hz,
          (double)total * 1e3 / (double)hz, done, pr->total, el);
  if (!final && f > 0.005)
    fprintf(stderr, ", about %.1f s left", el * (1.0 - f) / f);
  else if (!final)
    fputs(", estimating", stderr);
  if (pr->mode == PROGRESS_TERMINAL)
    fputs("\033[K", stderr); /* the rest of a longer previous line */
  if (final || pr->mode == PROGRESS_LOG)
    fputs("\n", stderr);
  fflush(stderr);
}

static void *progress_main(void *arg)
{
  progress *pr = arg;
  const double every = pr->mode == PROGRESS_TERMINAL ? 0.5 : 5.0;
  pthread_mutex_lock(&pr->mu);
  while (!pr->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(every * 1e9) % 1000000000L;
    until.tv_sec += (time_t)every + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    int rc = 0;
    while (!pr->stop && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&pr->cv, &pr->mu, &until);
    if (pr->stop)
      break;
    size_t done = pr->done;
    pthread_mutex_unlock(&pr->mu);
    print_line(pr, done, false);
    pthread_mutex_lock(&pr->mu);
  }
  pthread_mutex_unlock(&pr->mu);
  return NULL;
}

void aia__cli_progress_start(progress *pr, size_t total, uint64_t cycles_total, uint64_t hz,
                             progress_mode mode)
{
  pr->jobs = NULL;
  pr->njobs = 0;
  pr->total = total;
  pr->cycles_before = 0;
  pr->cycles_total = cycles_total;
  pr->hz = hz;
  pr->mode = mode;
  pr->done = 0;
  pr->stop = false;
  pr->started = false;
  clock_gettime(CLOCK_MONOTONIC, &pr->t0);
  if (mode == PROGRESS_OFF)
    return;
  pthread_mutex_init(&pr->mu, NULL);
  pthread_cond_init(&pr->cv, NULL);
  if (pthread_create(&pr->thread, NULL, progress_main, pr) != 0) {
    fputs("aiasim: warning: no progress (cannot start its thread)\n", stderr);
    pthread_cond_destroy(&pr->cv);
    pthread_mutex_destroy(&pr->mu);
    pr->mode = PROGRESS_OFF;
    return;
  }
  pr->started = true;
}

void aia__cli_progress_jobs(progress *pr, const job *jobs, size_t njobs)
{
  if (!pr->started) {
    pr->jobs = jobs;
    pr->njobs = njobs;
    return;
  }
  pthread_mutex_lock(&pr->mu);
  if (jobs == NULL)
    for (size_t i = 0; i < pr->njobs; i++)
      pr->cycles_before += job_total(&pr->jobs[i]);
  pr->jobs = jobs;
  pr->njobs = njobs;
  pthread_mutex_unlock(&pr->mu);
}

void aia__cli_progress_hold(progress *pr)
{
  if (pr->started)
    pthread_mutex_lock(&pr->mu);
}

void aia__cli_progress_release(progress *pr)
{
  if (pr->started)
    pthread_mutex_unlock(&pr->mu);
}

void aia__cli_progress_retire(progress *pr, job *jobs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    pr->cycles_before += job_total(&jobs[i]);
}

void aia__cli_progress_job_done(progress *pr, job *j)
{
  atomic_store_explicit(&j->sim_done, job_total(j), memory_order_relaxed);
  if (pr->mode == PROGRESS_OFF)
    return;
  pthread_mutex_lock(&pr->mu);
  pr->done++;
  pthread_mutex_unlock(&pr->mu);
}

void aia__cli_progress_stop(progress *pr)
{
  if (!pr->started)
    return;
  pthread_mutex_lock(&pr->mu);
  pr->stop = true;
  pthread_cond_signal(&pr->cv);
  pthread_mutex_unlock(&pr->mu);
  pthread_join(pr->thread, NULL);
  print_line(pr, pr->done, true);
  pthread_cond_destroy(&pr->cv);
  pthread_mutex_destroy(&pr->mu);
  pr->started = false;
}
