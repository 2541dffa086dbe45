/* par.c: the parallel loop. */
#include "par.h"

#include <pthread.h>

#include "blas.h"

typedef struct job {
	long n, next;    /* next: taken atomically */
	void (*fn)(void *, long, int);
	void *ctx;
} job;

typedef struct worker {
	job *j;
	int id;
} worker;

static void *run(void *arg)
{
	worker *w = arg;
	for (;;) {
		long i = __atomic_fetch_add(&w->j->next, 1, __ATOMIC_RELAXED);
		if (i >= w->j->n)
			break;
		w->j->fn(w->j->ctx, i, w->id);
	}
	return NULL;
}

int al_par_threads(void)
{
	int t = al_blas_threads();
	return t > 1 ? (t > 64 ? 64 : t) : 1;
}

void al_par_for(long n, void (*fn)(void *ctx, long i, int worker), void *ctx)
{
	int T = al_par_threads();
	if (T > n)
		T = (int)n;
	if (T <= 1) {
		for (long i = 0; i < n; i++)
			fn(ctx, i, 0);
		return;
	}
	job j = {n, 0, fn, ctx};
	worker w[64];
	pthread_t th[64];
	int started = 0, saved = al_blas_threads();
	al_blas_set_threads(1);
	for (int k = 1; k < T; k++) {
		w[k] = (worker){&j, k};
		if (pthread_create(&th[k], NULL, run, &w[k]) != 0)
			break;   /* fewer threads: the caller does the rest */
		started = k;
	}
	w[0] = (worker){&j, 0};
	run(&w[0]);
	for (int k = 1; k <= started; k++)
		pthread_join(th[k], NULL);
	al_blas_set_threads(saved);
}
