/* t5_decode.c: T5's decoder one token at a time, with a key/value cache. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "nn.h"
#include "t5.h"
#include "t5_impl.h"

struct al_t5_enc {
	const al_t5 *m;
	int Te;
	float *mask;          /* [Te] */
	float *ck, *cv;       /* [L, Te, HD] cross-attention keys and values */
};

struct al_t5_dec {
	const al_t5_enc *en;
	int max_len, t;
	float *k, *v;         /* [L, max_len, HD] self-attention cache */
	float *x, *n, *q, *att, *ff0, *ff1, *scores, *rstd;   /* scratch */
	int *bucket;          /* [max_len] position buckets of the current step */
};

void al_t5_enc_free(al_t5_enc *en)
{
	if (!en)
		return;
	free(en->mask);
	free(en->ck);
	free(en);
}

al_t5_enc *al_t5_enc_new(const al_t5 *m, const float *embeds, const float *mask, int Te,
			 al_err *e)
{
	const al_t5_config *c = &m->c;
	int C = c->d_model, HD = c->heads * c->d_kv, L = c->dec_layers;
	al_t5_enc *en = calloc(1, sizeof *en);
	float *out = malloc(sizeof(float) * Te * C);
	if (!en || !out || !(en->mask = malloc(sizeof(float) * Te)) ||
	    !(en->ck = malloc(sizeof(float) * 2 * L * Te * HD))) {
		free(out);
		al_t5_enc_free(en);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	en->m = m;
	en->Te = Te;
	en->cv = en->ck + (size_t)L * Te * HD;
	for (int i = 0; i < Te; i++)
		en->mask[i] = mask ? mask[i] : 1.0f;
	if (al_t5_encode(m, embeds, mask, Te, out, e) < 0) {
		free(out);
		al_t5_enc_free(en);
		return NULL;
	}
	for (int l = 0; l < L; l++) {
		al_linear_forward(en->ck + (size_t)l * Te * HD, out, m->dec[l].ck, Te, C, HD);
		al_linear_forward(en->cv + (size_t)l * Te * HD, out, m->dec[l].cv, Te, C, HD);
	}
	free(out);
	return en;
}

void al_t5_dec_free(al_t5_dec *d)
{
	if (!d)
		return;
	free(d->k);
	free(d->x);
	free(d->bucket);
	free(d);
}

al_t5_dec *al_t5_dec_new(const al_t5_enc *en, int max_len, al_err *e)
{
	const al_t5_config *c = &en->m->c;
	size_t C = c->d_model, HD = (size_t)c->heads * c->d_kv, F = c->d_ff, L = c->dec_layers;
	size_t T = (size_t)(max_len > en->Te ? max_len : en->Te);
	al_t5_dec *d = calloc(1, sizeof *d);
	if (!d || !(d->k = malloc(sizeof(float) * 2 * L * max_len * HD)) ||
	    !(d->x = malloc(sizeof(float) * (2 * C + 2 * HD + 2 * F + T + 1))) ||
	    !(d->bucket = malloc(sizeof(int) * (size_t)max_len))) {
		al_t5_dec_free(d);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	d->en = en;
	d->max_len = max_len;
	d->v = d->k + L * max_len * HD;
	d->n = d->x + C;
	d->q = d->n + C;
	d->att = d->q + HD;
	d->ff0 = d->att + HD;
	d->ff1 = d->ff0 + F;
	d->scores = d->ff1 + F;
	d->rstd = d->scores + T;
	return d;
}

void al_t5_dec_copy(al_t5_dec *dst, const al_t5_dec *src)
{
	const al_t5_config *c = &src->en->m->c;
	size_t HD = (size_t)c->heads * c->d_kv;
	for (int l = 0; l < c->dec_layers; l++) {
		size_t off = (size_t)l * src->max_len * HD, n = (size_t)src->t * HD;
		memcpy(dst->k + off, src->k + off, n * sizeof(float));
		memcpy(dst->v + off, src->v + off, n * sizeof(float));
	}
	dst->t = src->t;
}

/* att[HD] = softmax over keys (q.k + bias + mask) v, per head */
static void attend(const al_t5_config *c, const float *q, const float *k, const float *v,
		   int nk, const float *bias_table, const int *bucket, const float *mask,
		   float *scores, float *att)
{
	int H = c->heads, D = c->d_kv, HD = H * D;
	for (int h = 0; h < H; h++) {
		float mx = -INFINITY;
		for (int j = 0; j < nk; j++) {
			const float *kj = k + (size_t)j * HD + h * D;
			float s = 0;
			for (int i = 0; i < D; i++)
				s += q[h * D + i] * kj[i];
			if (bias_table)
				s += bias_table[(size_t)bucket[j] * H + h];
			if (mask && mask[j] == 0)
				s += -FLT_MAX;
			scores[j] = s;
			if (s > mx)
				mx = s;
		}
		float sum = 0;
		for (int j = 0; j < nk; j++) {
			scores[j] = expf(scores[j] - mx);
			sum += scores[j];
		}
		float *o = att + h * D;
		memset(o, 0, sizeof(float) * D);
		for (int j = 0; j < nk; j++) {
			float p = scores[j] / sum;
			const float *vj = v + (size_t)j * HD + h * D;
			for (int i = 0; i < D; i++)
				o[i] += p * vj[i];
		}
	}
}

int al_t5_dec_step(al_t5_dec *d, int token, float *logits)
{
	const al_t5 *m = d->en->m;
	const al_t5_config *c = &m->c;
	int C = c->d_model, HD = c->heads * c->d_kv, F = c->d_ff, V = c->vocab, t = d->t;
	if (t >= d->max_len)
		return -1;
	if (token < 0 || token >= V)
		token = 0;
	memcpy(d->x, m->shared + (size_t)token * C, sizeof(float) * C);
	/* the same for every layer and head: once a step */
	for (int j = 0; j <= t; j++)
		d->bucket[j] = al_t5_bucket(j - t, 0, c->buckets, c->max_distance);
	for (int l = 0; l < c->dec_layers; l++) {
		const layer_w *w = &m->dec[l];
		float *kc = d->k + (size_t)l * d->max_len * HD, *vc = d->v + (size_t)l * d->max_len * HD;
		al_rmsnorm_forward(d->n, d->rstd, d->x, w->ln0, 1, C, c->eps);
		al_linear_forward(d->q, d->n, w->q, 1, C, HD);
		al_linear_forward(kc + (size_t)t * HD, d->n, w->k, 1, C, HD);
		al_linear_forward(vc + (size_t)t * HD, d->n, w->v, 1, C, HD);
		attend(c, d->q, kc, vc, t + 1, m->dec_bias, d->bucket, NULL, d->scores, d->att);
		al_sgemm(0, 1, 1, C, HD, 1.0f, d->att, HD, w->o, HD, 1.0f, d->x, C);

		al_rmsnorm_forward(d->n, d->rstd, d->x, w->ln1, 1, C, c->eps);
		al_linear_forward(d->q, d->n, w->cq, 1, C, HD);
		size_t eo = (size_t)l * d->en->Te * HD;
		attend(c, d->q, d->en->ck + eo, d->en->cv + eo, d->en->Te, NULL, NULL, d->en->mask,
		       d->scores, d->att);
		al_sgemm(0, 1, 1, C, HD, 1.0f, d->att, HD, w->co, HD, 1.0f, d->x, C);

		al_rmsnorm_forward(d->n, d->rstd, d->x, w->lnf, 1, C, c->eps);
		al_linear_forward(d->ff0, d->n, w->wi0, 1, C, F);
		if (c->gated) {
			al_linear_forward(d->ff1, d->n, w->wi1, 1, C, F);
			al_gelu_forward(d->ff0, d->ff0, F);
			for (int i = 0; i < F; i++)
				d->ff0[i] *= d->ff1[i];
		} else {
			al_relu_forward(d->ff0, F);
		}
		al_sgemm(0, 1, 1, C, F, 1.0f, d->ff0, F, w->wo, F, 1.0f, d->x, C);
	}
	al_rmsnorm_forward(d->n, d->rstd, d->x, m->dec_final, 1, C, c->eps);
	if (c->tied)
		al_sgemm(0, 1, 1, V, C, 1.0f / sqrtf((float)C), d->n, C, m->shared, C, 0.0f, logits, V);
	else
		al_linear_forward(logits, d->n, m->lm_head, 1, C, V);
	return ++d->t;
}
