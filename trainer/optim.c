/* optim.c: Adafactor, AdamW, gradient clipping, the schedule. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct al_optim {
	al_optim_opts o;
	al_param *ps;
	int n;
	long t;
	float *state;        /* all state in one block */
	size_t nstate;
	float **s1, **s2;    /* per tensor: AdamW m, v; Adafactor row, col (or full v in s1) */
	float *tmp;          /* Adafactor: the update of the largest tensor */
};

void al_optim_defaults(al_optim_opts *o, int kind)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->beta1 = 0.9;
	o->beta2 = 0.999;
	o->eps = 1e-8;
	o->weight_decay = kind == AL_ADAMW ? 0.01 : 0.0;
	o->decay_rate = -0.8;
	o->clip_threshold = 1.0;
	o->eps1 = 1e-30;
}

int al_optim_parse(const char *name)
{
	if (strcmp(name, "adafactor") == 0)
		return AL_ADAFACTOR;
	if (strcmp(name, "adamw") == 0)
		return AL_ADAMW;
	return -1;
}

static int factored(const al_param *p) { return p->rows > 1 && p->cols > 1; }

al_optim *al_optim_new(const al_optim_opts *opts, const al_param *ps, int n, al_err *e)
{
	al_optim *o = calloc(1, sizeof *o);
	if (!o)
		goto oom;
	o->o = *opts;
	o->n = n;
	o->ps = malloc(sizeof *o->ps * (n ? n : 1));
	o->s1 = calloc(n ? n : 1, sizeof *o->s1);
	o->s2 = calloc(n ? n : 1, sizeof *o->s2);
	if (!o->ps || !o->s1 || !o->s2)
		goto oom;
	memcpy(o->ps, ps, sizeof *ps * n);
	size_t total = 0, big = 1;
	for (int i = 0; i < n; i++) {
		size_t sz = (size_t)ps[i].rows * ps[i].cols;
		if (sz > big)
			big = sz;
		if (opts->kind == AL_ADAMW)
			total += 2 * sz;
		else
			total += factored(&ps[i]) ? (size_t)ps[i].rows + ps[i].cols : sz;
	}
	o->nstate = total;
	o->state = calloc(total + (opts->kind == AL_ADAFACTOR ? big : 0) + 1, sizeof *o->state);
	if (!o->state)
		goto oom;
	float *p = o->state;
	for (int i = 0; i < n; i++) {
		size_t sz = (size_t)ps[i].rows * ps[i].cols;
		if (opts->kind == AL_ADAMW) {
			o->s1[i] = p; p += sz;
			o->s2[i] = p; p += sz;
		} else if (factored(&ps[i])) {
			o->s1[i] = p; p += ps[i].rows;
			o->s2[i] = p; p += ps[i].cols;
		} else {
			o->s1[i] = p; p += sz;
		}
	}
	o->tmp = p;
	return o;
oom:
	al_optim_free(o);
	al_err_set(e, AL_ENOMEM, "out of memory for the optimizer's state");
	return NULL;
}

void al_optim_free(al_optim *o)
{
	if (!o)
		return;
	free(o->ps);
	free(o->s1);
	free(o->s2);
	free(o->state);
	free(o);
}

long al_optim_steps(const al_optim *o) { return o->t; }
void al_optim_set_steps(al_optim *o, long t) { o->t = t; }
size_t al_optim_state_size(const al_optim *o) { return o->nstate; }
float *al_optim_state(al_optim *o) { return o->state; }

static void adamw(al_optim *o, int i, double lr)
{
	const al_optim_opts *c = &o->o;
	al_param *p = &o->ps[i];
	size_t n = (size_t)p->rows * p->cols;
	float *m = o->s1[i], *v = o->s2[i];
	double bc1 = 1 - pow(c->beta1, (double)o->t), bc2 = 1 - pow(c->beta2, (double)o->t);
	float decay = (float)(1 - lr * c->weight_decay), step = (float)(lr / bc1);
	float b1 = (float)c->beta1, b2 = (float)c->beta2, sb2 = (float)sqrt(bc2), eps = (float)c->eps;
	for (size_t k = 0; k < n; k++) {
		float g = p->g[k];
		p->w[k] *= decay;
		m[k] = b1 * m[k] + (1 - b1) * g;
		v[k] = b2 * v[k] + (1 - b2) * g * g;
		p->w[k] -= step * m[k] / (sqrtf(v[k]) / sb2 + eps);
	}
}

static void adafactor(al_optim *o, int i, double lr)
{
	const al_optim_opts *c = &o->o;
	al_param *p = &o->ps[i];
	int R = p->rows, C = p->cols;
	size_t n = (size_t)R * C;
	float b2t = (float)(1.0 - pow((double)o->t, c->decay_rate)), eps1 = (float)c->eps1;
	float *u = o->tmp;
	if (factored(p)) {
		float *row = o->s1[i], *col = o->s2[i];
		for (int r = 0; r < R; r++) {
			double s = 0;
			for (int k = 0; k < C; k++) {
				float g = p->g[(size_t)r * C + k];
				s += g * g + eps1;
			}
			row[r] = b2t * row[r] + (1 - b2t) * (float)(s / C);
		}
		for (int k = 0; k < C; k++) {
			double s = 0;
			for (int r = 0; r < R; r++) {
				float g = p->g[(size_t)r * C + k];
				s += g * g + eps1;
			}
			col[k] = b2t * col[k] + (1 - b2t) * (float)(s / R);
		}
		double rm = 0;
		for (int r = 0; r < R; r++)
			rm += row[r];
		float rmean = (float)(rm / R);
		for (int r = 0; r < R; r++) {
			float rf = 1.0f / sqrtf(row[r] / rmean);
			for (int k = 0; k < C; k++)
				u[(size_t)r * C + k] = rf / sqrtf(col[k]) * p->g[(size_t)r * C + k];
		}
	} else {
		float *v = o->s1[i];
		for (size_t k = 0; k < n; k++) {
			float g = p->g[k];
			v[k] = b2t * v[k] + (1 - b2t) * (g * g + eps1);
			u[k] = g / sqrtf(v[k]);
		}
	}
	double ss = 0;
	for (size_t k = 0; k < n; k++)
		ss += (double)u[k] * u[k];
	double rms = sqrt(ss / n) / c->clip_threshold;
	float scale = (float)(lr / (rms > 1 ? rms : 1));
	float decay = (float)(c->weight_decay * lr);
	for (size_t k = 0; k < n; k++) {
		if (decay != 0)
			p->w[k] -= decay * p->w[k];
		p->w[k] -= scale * u[k];
	}
}

void al_optim_step(al_optim *o, double lr)
{
	o->t++;
	for (int i = 0; i < o->n; i++) {
		if (o->o.kind == AL_ADAMW)
			adamw(o, i, lr);
		else
			adafactor(o, i, lr);
	}
}

double al_clip_grad_norm(const al_param *ps, int n, double max_norm)
{
	double ss = 0;
	for (int i = 0; i < n; i++) {
		size_t sz = (size_t)ps[i].rows * ps[i].cols;
		for (size_t k = 0; k < sz; k++)
			ss += (double)ps[i].g[k] * ps[i].g[k];
	}
	double norm = sqrt(ss);
	if (max_norm > 0 && norm > max_norm) {
		float f = (float)(max_norm / (norm + 1e-6));
		for (int i = 0; i < n; i++) {
			size_t sz = (size_t)ps[i].rows * ps[i].cols;
			for (size_t k = 0; k < sz; k++)
				ps[i].g[k] *= f;
		}
	}
	return norm;
}

double al_lr_at(const al_schedule *s, long t)
{
	double w = s->warmup > 1 ? (double)s->warmup : 1.0;
	if (t < 1)
		t = 1;
	double f = t / w;
	if (f < 1)
		return s->base * f;
	if (s->decay == AL_DECAY_COSINE) {
		double span = (double)s->total - w;
		double p = span > 0 ? (t - w) / span : 1;
		return p >= 1 ? 0 : s->base * 0.5 * (1 + cos(M_PI * p));
	}
	return s->decay == AL_DECAY_RSQRT ? s->base * sqrt(w / t) : s->base;
}
