/* tasks.h: multi-task sampling: which example a training run takes at
 * each draw when several tasks are mixed (e.g. the eight GLUE tasks in one
 * run).
 *
 * A draw first picks a task, with probability proportional to its example
 * count capped at cap (cap <= 0: no cap), or uniformly; then an example of
 * that task uniformly.  Draw pos is a pure function of the seed and pos,
 * so a resumed run draws what the uninterrupted one would have.
 *
 *     al_task_sampler *ts = al_task_sampler_new(src, AL_SAMPLE_PROPORTIONAL, 50000, seed, &e);
 *     long i = al_task_sampler_draw(ts, pos);   // then al_examples_get(src, i, ...)
 */
#ifndef AL_TASKS_H
#define AL_TASKS_H

#include <stdint.h>

#include "lib/err.h"
#include "trainer/examples.h"

enum { AL_SAMPLE_PROPORTIONAL, AL_SAMPLE_UNIFORM };

typedef struct al_task_sampler al_task_sampler;

/* Reads every example's task once (it holds one index per example). */
al_task_sampler *al_task_sampler_new(const al_examples *src, int kind, long cap, uint64_t seed,
				     al_err *e);
void al_task_sampler_free(al_task_sampler *s);
/* The global index of draw pos. */
long al_task_sampler_draw(const al_task_sampler *s, uint64_t pos);
/* Tasks, and task k's name, example count and sampling probability. */
int al_task_sampler_tasks(const al_task_sampler *s);
const char *al_task_sampler_task(const al_task_sampler *s, int k, long *count, double *prob);

#endif
