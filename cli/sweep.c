/* cli/sweep.c: the runs of `aiasim run`, on --jobs threads, as a pipeline.
 *
 * The points go through a window of `window` points: this thread loads a
 * point into a free slot (its scenario and one job per policy) and publishes
 * its jobs; the worker threads take the published jobs in order and run
 * them; this thread writes each point's runs, in point order, as soon as
 * they have all finished, and frees the slot for the next point. Nothing
 * waits for a whole batch: loading, running and writing overlap, and the
 * memory is the window's, whatever the number of points. With N threads
 * there are N - 1 workers: this thread runs jobs too whenever nothing is
 * ready to be written, so N runs go on at once and no thread is left to
 * wake up and preempt a run for every write (on a machine with N cores,
 * an N + 1st thread cost short runs a third of their time in switches).
 *
 * The threads share the window through atomics (the next job, the jobs
 * published, each job's "finished" flag, the count of finished jobs); the
 * mutex and the two conditions are only for sleeping: a worker that has run
 * out of published jobs, this thread waiting for runs to finish. Runs of a
 * few microseconds each would otherwise spend their time on one lock.
 * SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct sweep {
  const sweep_ops *ops;
  uint32_t npol;
  size_t window;            /* points */
  job *jobs;                /* window * npol; job g is in slot g % (window * npol) */
  aia_scenario **scn;       /* window */
  _Atomic bool *finished;   /* per job slot */
  size_t total;             /* jobs in all */
  _Atomic size_t next;      /* the next job to take */
  _Atomic size_t avail;     /* jobs published */
  _Atomic size_t done;      /* jobs finished */
  _Atomic size_t wake_at;   /* this thread sleeps until this many are done */
  _Atomic bool stop;        /* publish no more; workers leave */
  pthread_mutex_t mu;
  pthread_cond_t work;      /* jobs published (or stop) */
  pthread_cond_t fin;       /* wake_at reached */
  _Atomic unsigned idle;    /* workers asleep (or about to sleep) on `work` */
  _Atomic bool waiting;     /* this thread asleep (or about to sleep) on `fin` */
} sweep;

static void *worker(void *arg)
{
  sweep *s = arg;
  const size_t slots = s->window * s->npol;
  for (;;) {
    size_t g = atomic_fetch_add(&s->next, 1);
    if (g >= s->total)
      return NULL;
    if (g >= atomic_load(&s->avail)) {
      /* idle first, then avail, as publish does avail first, then idle
       * (sequentially consistent: one of the two sees the other; counted
       * the other way round, a publish could miss a worker about to sleep
       * and leave it asleep on a published job). */
      pthread_mutex_lock(&s->mu);
      s->idle++;
      while (g >= atomic_load(&s->avail) && !atomic_load(&s->stop))
        pthread_cond_wait(&s->work, &s->mu);
      s->idle--;
      pthread_mutex_unlock(&s->mu);
      if (g >= atomic_load(&s->avail))
        return NULL; /* stopped before this job was published */
    }
    s->ops->run(s->ops->ctx, &s->jobs[g % slots], true);
    atomic_store(&s->finished[g % slots], true);
    /* Sequentially consistent: either the writer sees this run finished
     * when it looks before sleeping, or this sees the mark it set. */
    if (atomic_fetch_add(&s->done, 1) + 1 >= atomic_load(&s->wake_at) && atomic_load(&s->waiting)) {
      pthread_mutex_lock(&s->mu);
      pthread_cond_signal(&s->fin);
      pthread_mutex_unlock(&s->mu);
    }
  }
}

/* Loads the next point into its slot and publishes its jobs. */
static int publish(sweep *s, uint64_t n, progress *pr)
{
  size_t slot = (size_t)(n % s->window);
  job *jobs = &s->jobs[slot * s->npol];
  aia_scenario *scn = NULL;
  aia__cli_progress_hold(pr);
  memset(jobs, 0, s->npol * sizeof *jobs);
  int status = s->ops->load(s->ops->ctx, n, jobs, &scn);
  if (status != 0) {
    /* Not published: freed at once, the slot left empty for progress. */
    s->ops->retire(s->ops->ctx, n, jobs, s->npol, scn);
    for (uint32_t k = 0; k < s->npol; k++)
      jobs[k].scn = NULL;
    aia__cli_progress_release(pr);
    return status;
  }
  aia__cli_progress_release(pr);
  s->scn[slot] = scn;
  for (uint32_t k = 0; k < s->npol; k++)
    atomic_store(&s->finished[slot * s->npol + k], false);
  /* Sequentially consistent with the worker's idle++ then avail check. */
  atomic_fetch_add(&s->avail, s->npol);
  if (atomic_load(&s->idle)) {
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->mu);
  }
  return 0;
}

/* Is every run of point n finished? */
static bool point_done(sweep *s, uint64_t n)
{
  size_t base = (size_t)(n % s->window) * s->npol;
  for (uint32_t k = 0; k < s->npol; k++)
    if (!atomic_load(&s->finished[base + k]))
      return false;
  return true;
}

int aia__cli_sweep(const sweep_ops *ops, uint64_t npoints, uint32_t npol, unsigned nthreads,
                   size_t window, progress *pr)
{
  sweep s;
  int status = 0;
  pthread_t *t = NULL;
  unsigned started = 0;
  memset(&s, 0, sizeof s);
  s.ops = ops;
  s.npol = npol;
  s.total = (size_t)npoints * npol;
  s.window = window < 1 ? 1 : window;
  if (s.window > npoints && npoints > 0)
    s.window = (size_t)npoints;
  s.jobs = calloc(s.window * npol, sizeof *s.jobs);
  s.scn = calloc(s.window, sizeof *s.scn);
  s.finished = calloc(s.window * npol, sizeof *s.finished);
  if (s.jobs == NULL || s.scn == NULL || s.finished == NULL) {
    free(s.jobs);
    free(s.scn);
    free(s.finished);
    return AIA_CLI_EXIT_INTERNAL;
  }
  for (size_t i = 0; i < s.window * npol; i++)
    atomic_init(&s.finished[i], false);
  pthread_mutex_init(&s.mu, NULL);
  pthread_cond_init(&s.work, NULL);
  pthread_cond_init(&s.fin, NULL);
  aia__cli_progress_jobs(pr, s.jobs, s.window * npol);

  if (nthreads > s.total)
    nthreads = (unsigned)s.total;
  if (nthreads > 1 && (t = calloc(nthreads - 1, sizeof *t)) != NULL)
    for (; started < nthreads - 1; started++)
      if (pthread_create(&t[started], NULL, worker, &s) != 0)
        break;

  /* When it has nothing to write or run, this thread sleeps until a good
   * part of the window has finished (or all of it), not for every run. */
  size_t chunk = s.window * npol / 4 > npol ? s.window * npol / 4 : npol;
  uint64_t loaded = 0, out = 0;
  while (out < loaded || (status == 0 && loaded < npoints)) {
    while (status == 0 && loaded < npoints && loaded - out < s.window) {
      status = publish(&s, loaded, pr);
      if (status == 0)
        loaded++;
    }
    if (status != 0 && !atomic_load(&s.stop)) {
      pthread_mutex_lock(&s.mu);
      atomic_store(&s.stop, true);
      pthread_cond_broadcast(&s.work);
      pthread_mutex_unlock(&s.mu);
    }
    /* Every finished point from `out` on. */
    bool wrote = false;
    while (out < loaded && point_done(&s, out)) {
      size_t slot = (size_t)(out % s.window);
      job *jobs = &s.jobs[slot * npol];
      if (status == 0)
        status = ops->write(ops->ctx, jobs, npol);
      aia__cli_progress_hold(pr);
      aia__cli_progress_retire(pr, jobs, npol);
      ops->retire(ops->ctx, out, jobs, npol, s.scn[slot]);
      for (uint32_t k = 0; k < npol; k++)
        jobs[k].scn = NULL; /* an empty slot (publish clears the rest) */
      aia__cli_progress_release(pr);
      s.scn[slot] = NULL;
      out++;
      wrote = true;
    }
    if (wrote || out == loaded)
      continue; /* publish into the slots just freed */
    /* Nothing to write: run the next published job here, if any. */
    size_t g = atomic_load(&s.next);
    if (g < atomic_load(&s.avail) && atomic_compare_exchange_strong(&s.next, &g, g + 1)) {
      size_t k = g % (s.window * npol);
      ops->run(ops->ctx, &s.jobs[k], true);
      atomic_store(&s.finished[k], true);
      atomic_fetch_add(&s.done, 1);
      continue;
    }
    /* Everything published is taken: wait for the oldest point. */
    pthread_mutex_lock(&s.mu);
    while (!point_done(&s, out)) {
      size_t at = atomic_load(&s.done) + 1;
      size_t want = (size_t)out * npol + npol + chunk;
      if (at < want)
        at = want;
      atomic_store(&s.wake_at, at > atomic_load(&s.avail) ? atomic_load(&s.avail) : at);
      atomic_store(&s.waiting, true);
      if (atomic_load(&s.done) >= atomic_load(&s.wake_at))
        continue;
      pthread_cond_wait(&s.fin, &s.mu);
    }
    atomic_store(&s.waiting, false);
    pthread_mutex_unlock(&s.mu);
  }
  pthread_mutex_lock(&s.mu);
  atomic_store(&s.stop, true);
  pthread_cond_broadcast(&s.work);
  pthread_mutex_unlock(&s.mu);
  for (unsigned i = 0; i < started; i++)
    pthread_join(t[i], NULL);
  free(t);
  aia__cli_progress_jobs(pr, NULL, 0);
  pthread_cond_destroy(&s.fin);
  pthread_cond_destroy(&s.work);
  pthread_mutex_destroy(&s.mu);
  free(s.jobs);
  free(s.scn);
  free(s.finished);
  return status;
}
