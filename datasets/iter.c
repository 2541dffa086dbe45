/* iter.c: al_ds_run in a helper thread, one record handed over at a time. */
#include "iter.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct al_ds_iter {
	al_ds *ds;
	const char *const *sources;
	int nsources;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const al_record *cur;
	int has;          /* cur is waiting for the consumer */
	int given;        /* cur has been handed to the consumer */
	int cancel;       /* the consumer has gone */
	int done, rc;     /* the reading has ended, with rc */
	int reported;     /* the end or error has been returned */
	al_err err;
};

static int hand_over(void *ctx, const al_record *r, al_err *e)
{
	(void)e;
	al_ds_iter *it = ctx;
	pthread_mutex_lock(&it->mu);
	it->cur = r;
	it->has = 1;
	pthread_cond_broadcast(&it->cv);
	while (it->has && !it->cancel)
		pthread_cond_wait(&it->cv, &it->mu);
	int stop = it->cancel;
	pthread_mutex_unlock(&it->mu);
	return stop;   /* 1 stops al_ds_run early */
}

static void *reader(void *p)
{
	al_ds_iter *it = p;
	al_err e = {0};
	int rc = al_ds_run(it->ds, it->sources, it->nsources, hand_over, it, &e);
	pthread_mutex_lock(&it->mu);
	it->rc = rc;
	it->err = e;
	it->done = 1;
	it->has = 0;
	pthread_cond_broadcast(&it->cv);
	pthread_mutex_unlock(&it->mu);
	return NULL;
}

al_ds_iter *al_ds_iter_new(al_ds *ds, const char *const *sources, int nsources,
			   al_err *e)
{
	al_ds_iter *it = calloc(1, sizeof *it);
	if (!it) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	it->ds = ds;
	it->sources = sources;
	it->nsources = nsources;
	pthread_mutex_init(&it->mu, NULL);
	pthread_cond_init(&it->cv, NULL);
	if (pthread_create(&it->thread, NULL, reader, it) != 0) {
		pthread_mutex_destroy(&it->mu);
		pthread_cond_destroy(&it->cv);
		free(it);
		al_err_set(e, AL_ENOMEM, "unable to start the reading thread");
		return NULL;
	}
	return it;
}

int al_ds_iter_next(al_ds_iter *it, const al_record **r, al_err *e)
{
	pthread_mutex_lock(&it->mu);
	/* Release the record the consumer had: only one it was given, not one
	 * the reader has put there since (the first call can come after it). */
	if (it->given) {
		it->has = 0;
		it->given = 0;
		pthread_cond_broadcast(&it->cv);
	}
	while (!it->has && !it->done)
		pthread_cond_wait(&it->cv, &it->mu);
	int rc;
	if (it->has) {
		*r = it->cur;
		it->given = 1;
		rc = 1;
	} else if (it->reported || it->rc == 0) {
		rc = 0;
	} else {
		if (e)
			*e = it->err;
		rc = it->rc;
	}
	if (!it->has)
		it->reported = 1;
	pthread_mutex_unlock(&it->mu);
	return rc;
}

void al_ds_iter_free(al_ds_iter *it)
{
	if (!it)
		return;
	pthread_mutex_lock(&it->mu);
	it->cancel = 1;
	pthread_cond_broadcast(&it->cv);
	pthread_mutex_unlock(&it->mu);
	pthread_join(it->thread, NULL);
	pthread_mutex_destroy(&it->mu);
	pthread_cond_destroy(&it->cv);
	free(it);
}
