/* tasks.c: multi-task sampling (see tasks.h). */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rng.h"

typedef struct {
	char name[64];
	long n;
	long *idx;          /* its examples' global indices */
	double cum;         /* cumulative probability up to and with this task */
} task;

struct al_task_sampler {
	task *t;
	int nt;
	uint64_t seed;
	long *all;          /* one block for every idx */
};

void al_task_sampler_free(al_task_sampler *s)
{
	if (!s)
		return;
	free(s->t);
	free(s->all);
	free(s);
}

static int find(al_task_sampler *s, const char *name)
{
	for (int k = 0; k < s->nt; k++)
		if (strcmp(s->t[k].name, name) == 0)
			return k;
	return -1;
}

al_task_sampler *al_task_sampler_new(const al_examples *src, int kind, long cap, uint64_t seed,
				     al_err *e)
{
	long n = al_examples_count(src);
	al_task_sampler *s = calloc(1, sizeof *s);
	int *of = malloc(sizeof(int) * (n ? n : 1));
	if (!s || !of || !(s->all = malloc(sizeof(long) * (n ? n : 1))))
		goto oom;
	s->seed = seed;
	/* the task of every example, and the tasks in order of first sight */
	for (long i = 0; i < n; i++) {
		char buf[64];
		const char *name = al_examples_task(src, i, buf, sizeof buf);
		int k = find(s, name);
		if (k < 0) {
			task *nt = realloc(s->t, (s->nt + 1) * sizeof *nt);
			if (!nt)
				goto oom;
			s->t = nt;
			k = s->nt++;
			memset(&s->t[k], 0, sizeof s->t[k]);
			snprintf(s->t[k].name, sizeof s->t[k].name, "%s", name);
		}
		of[i] = k;
		s->t[k].n++;
	}
	if (s->nt == 0) {
		al_err_set(e, AL_EINVAL, "no examples to sample from");
		goto bad;
	}
	long at = 0;
	double total = 0;
	for (int k = 0; k < s->nt; k++) {
		s->t[k].idx = s->all + at;
		at += s->t[k].n;
		s->t[k].n = 0;
	}
	for (long i = 0; i < n; i++) {
		task *t = &s->t[of[i]];
		t->idx[t->n++] = i;
	}
	for (int k = 0; k < s->nt; k++)
		total += kind == AL_SAMPLE_UNIFORM ? 1.0 :
			 (double)(cap > 0 && s->t[k].n > cap ? cap : s->t[k].n);
	double run = 0;
	for (int k = 0; k < s->nt; k++) {
		run += (kind == AL_SAMPLE_UNIFORM ? 1.0 :
			(double)(cap > 0 && s->t[k].n > cap ? cap : s->t[k].n)) / total;
		s->t[k].cum = run;
	}
	s->t[s->nt - 1].cum = 1.0;
	free(of);
	return s;
oom:
	al_err_set(e, AL_ENOMEM, "out of memory for the tasks of %ld examples", n);
bad:
	free(of);
	al_task_sampler_free(s);
	return NULL;
}

long al_task_sampler_draw(const al_task_sampler *s, uint64_t pos)
{
	al_rng r;
	al_rng_seed(&r, s->seed * 0x9e3779b97f4a7c15ull ^ (pos + 0x632be59bd9b4e019ull));
	double u = al_rng_uniform(&r);
	int k = 0;
	while (k < s->nt - 1 && u >= s->t[k].cum)
		k++;
	long j = (long)(al_rng_uniform(&r) * s->t[k].n);
	return s->t[k].idx[j < s->t[k].n ? j : s->t[k].n - 1];
}

int al_task_sampler_tasks(const al_task_sampler *s) { return s->nt; }

const char *al_task_sampler_task(const al_task_sampler *s, int k, long *count, double *prob)
{
	if (count)
		*count = s->t[k].n;
	if (prob)
		*prob = s->t[k].cum - (k ? s->t[k - 1].cum : 0);
	return s->t[k].name;
}
