/* train.c: the training step. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/safetensors.h"
#include "trainer/forward.h"

struct al_trainer {
	const al_t5 *m;
	al_adapter *ad;
	al_train_opts o;
	al_runner *run;
	al_optim *opt;
	al_param *ps;
	int nps;
	double lr;
	float *backup;   /* the parameters before a step, for a NaN rollback */
	size_t nback;
};

void al_train_defaults(al_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->optimizer = AL_ADAFACTOR;
	o->lr = 1e-3;
	o->decay = AL_DECAY_RSQRT;
	o->clip = 1.0;
}

al_trainer *al_trainer_new(const al_t5 *m, al_adapter *ad, const al_train_opts *o, al_err *e)
{
	al_trainer *t = calloc(1, sizeof *t);
	if (!t)
		goto oom;
	t->m = m;
	t->ad = ad;
	t->o = *o;
	if ((t->nps = al_adapter_params(ad, &t->ps, e)) < 0) {
		t->ps = NULL;
		al_trainer_free(t);
		return NULL;
	}
	for (int i = 0; i < t->nps; i++)
		t->nback += (size_t)t->ps[i].rows * t->ps[i].cols;
	t->backup = malloc(sizeof(float) * (t->nback ? t->nback : 1));
	al_optim_opts oo;
	al_optim_defaults(&oo, o->optimizer);
	if (!t->backup || !(t->run = al_runner_new(m, e)) ||
	    !(t->opt = al_optim_new(&oo, t->ps, t->nps, e))) {
		al_trainer_free(t);
		return NULL;
	}
	return t;
oom:
	al_trainer_free(t);
	al_err_set(e, AL_ENOMEM, "out of memory");
	return NULL;
}

void al_trainer_free(al_trainer *t)
{
	if (!t)
		return;
	al_runner_free(t->run);
	al_optim_free(t->opt);
	free(t->ps);
	free(t->backup);
	free(t);
}

long al_trainer_steps(const al_trainer *t) { return al_optim_steps(t->opt); }
double al_trainer_lr(const al_trainer *t) { return t->lr; }

int al_trainer_step(al_trainer *t, const al_example *xs, int n, double *loss, al_err *e)
{
	long tokens = 0;
	for (int i = 0; i < n; i++)
		tokens += xs[i].n_tgt;
	if (n <= 0 || tokens == 0)
		return al_err_set(e, AL_EINVAL, "a training step needs examples with targets");
	al_adapter_zero_grad(t->ad);
	int micro = t->o.micro > 0 ? t->o.micro : n;
	double sum = 0, nll[micro];
	for (int at = 0; at < n; at += micro) {
		int k = n - at < micro ? n - at : micro;
		/* masks depend on the seed, the step and the micro-batch only,
		 * so a resumed run draws the same ones */
		al_runner_set_dropout(t->run, (float)t->o.dropout,
				      t->o.seed * 1000003u + (uint64_t)al_trainer_steps(t) * 4099u + (uint64_t)at);
		if (al_runner_batch(t->run, t->ad, xs + at, k, nll, NULL, 1, 1.0f / (float)tokens, e) < 0)
			return e->code;
		for (int i = 0; i < k; i++)
			sum += nll[i];
	}
	*loss = sum / tokens;
	if (!isfinite(*loss))
		return al_err_set(e, AL_ENUMERIC, "step %ld: the loss is %g", al_trainer_steps(t) + 1, *loss);
	double norm = al_clip_grad_norm(t->ps, t->nps, t->o.clip);
	if (!isfinite(norm))
		return al_err_set(e, AL_ENUMERIC, "step %ld: the gradient norm is %g",
				  al_trainer_steps(t) + 1, norm);
	al_schedule s = {t->o.lr, t->o.warmup, t->o.decay, t->o.total_steps};
	t->lr = al_lr_at(&s, al_trainer_steps(t) + 1);
	float *b = t->backup;
	for (int i = 0; i < t->nps; i++) {
		size_t sz = (size_t)t->ps[i].rows * t->ps[i].cols;
		memcpy(b, t->ps[i].w, sz * sizeof *b);
		b += sz;
	}
	al_optim_step(t->opt, t->lr);
	int bad = 0;
	for (int i = 0; i < t->nps && !bad; i++) {
		size_t sz = (size_t)t->ps[i].rows * t->ps[i].cols;
		for (size_t k = 0; k < sz; k++)
			bad |= !isfinite(t->ps[i].w[k]);
	}
	if (bad) {   /* put the last good parameters back */
		b = t->backup;
		for (int i = 0; i < t->nps; i++) {
			size_t sz = (size_t)t->ps[i].rows * t->ps[i].cols;
			memcpy(t->ps[i].w, b, sz * sizeof *b);
			b += sz;
		}
		return al_err_set(e, AL_ENUMERIC, "step %ld: the update made a parameter NaN "
				  "or infinite; the adapter keeps its last good values",
				  al_trainer_steps(t));
	}
	return 0;
}

int al_trainer_save_state(const al_trainer *t, const char *path, al_err *e)
{
	al_st_writer *w = al_st_writer_new(path, e);
	if (!w)
		return e->code;
	char steps[32];
	snprintf(steps, sizeof steps, "%ld", al_trainer_steps(t));
	uint64_t n = al_optim_state_size(t->opt);
	int rc = al_st_writer_meta(w, "steps", steps, e);
	if (rc == 0)
		rc = al_st_writer_add(w, "optimizer.state", AL_F32, 1, &n, al_optim_state(t->opt), e);
	if (rc == 0)
		rc = al_st_writer_commit(w, e);
	al_st_writer_free(w);
	return rc;
}

int al_trainer_load_state(al_trainer *t, const char *path, al_err *e)
{
	al_st *st = al_st_open(path, e);
	if (!st)
		return e->code;
	const al_st_tensor *s = al_st_find(st, "optimizer.state");
	const char *steps = al_st_meta_get(st, "steps");
	int rc = 0;
	if (!s || !steps || s->dtype != AL_F32 || al_st_numel(s) != al_optim_state_size(t->opt))
		rc = al_err_set(e, AL_EFORMAT, "'%s' is not the optimizer state of this "
				"adapter and optimizer", path);
	else {
		memcpy(al_optim_state(t->opt), s->data, al_optim_state_size(t->opt) * sizeof(float));
		al_optim_set_steps(t->opt, atol(steps));
	}
	al_st_free(st);
	return rc;
}
