/* nn.c: T5 kernels, forward and backward (see nn.h for shapes). */
#include "nn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "par.h"

/* expf, but 0 at once below -104, where expf underflows to 0 anyway:
 * glibc's underflow path (errno, a function call) is slow, and masked
 * scores and a peaked softmax over a large vocabulary take it for most
 * entries. */
static inline float exp0(float x)
{
	return x > -104.0f ? expf(x) : 0.0f;
}

void al_linear_forward(float *y, const float *x, const float *W, int N, int I, int O)
{
	al_sgemm(0, 1, N, O, I, 1.0f, x, I, W, I, 0.0f, y, O);
}

void al_linear_backward_input(float *dx, const float *dy, const float *W, int N, int I, int O)
{
	al_sgemm(0, 0, N, I, O, 1.0f, dy, O, W, I, 1.0f, dx, I);
}

void al_linear_backward_weight(float *dW, const float *dy, const float *x, int N, int I, int O)
{
	al_sgemm(1, 0, O, I, N, 1.0f, dy, O, x, I, 1.0f, dW, I);
}

void al_rmsnorm_forward(float *y, float *rstd, const float *x, const float *w, int N, int C, float eps)
{
	for (int n = 0; n < N; n++) {
		const float *xr = x + (size_t)n * C;
		float *yr = y + (size_t)n * C;
		float ss = 0;
		for (int c = 0; c < C; c++)
			ss += xr[c] * xr[c];
		float r = 1.0f / sqrtf(ss / C + eps);
		rstd[n] = r;
		for (int c = 0; c < C; c++)
			yr[c] = xr[c] * r * w[c];
	}
}

/* y = w x r with r = (mean(x^2) + eps)^-1/2:
 * dx = r w dy - x r^3 / C * sum_c(dy w x). */
void al_rmsnorm_backward(float *dx, const float *dy, const float *x, const float *w,
			 const float *rstd, int N, int C)
{
	for (int n = 0; n < N; n++) {
		const float *xr = x + (size_t)n * C, *dyr = dy + (size_t)n * C;
		float *dxr = dx + (size_t)n * C;
		float r = rstd[n], dot = 0;
		for (int c = 0; c < C; c++)
			dot += dyr[c] * w[c] * xr[c];
		float k = dot * r * r * r / C;
		for (int c = 0; c < C; c++)
			dxr[c] += r * w[c] * dyr[c] - k * xr[c];
	}
}

void al_rmsnorm_backward_weight(float *dw, const float *dy, const float *x, const float *rstd,
				int N, int C)
{
	for (int n = 0; n < N; n++) {
		const float *xr = x + (size_t)n * C, *dyr = dy + (size_t)n * C;
		for (int c = 0; c < C; c++)
			dw[c] += dyr[c] * xr[c] * rstd[n];
	}
}

void al_relu_forward(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = x[i] > 0 ? x[i] : 0;
}

void al_relu_backward(float *dx, const float *dy, const float *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dx[i] = y[i] > 0 ? dy[i] : 0;
}

#define GELU_K 0.7978845608028654f   /* sqrt(2 / pi) */

/* tanh through expf, several times faster than libm's tanhf; the absolute
 * error stays near 1e-7, and +-1 come out exactly for large |u|. */
static inline float fast_tanh(float u)
{
	/* beyond +-20 the formula gives exactly +-1 in float, but through
	 * expf's slow overflow and underflow paths */
	if (u > 20.0f)
		return 1.0f;
	if (u < -20.0f)
		return -1.0f;
	return 1.0f - 2.0f / (expf(2.0f * u) + 1.0f);
}

/* GELU on all threads, in chunks (each value on its own: the same bits
 * whatever -j). */
enum { GELU_CHUNK = 1 << 15 };
typedef struct gelu_job {
	float *out;
	const float *x, *dy;   /* dy: the backward */
	size_t n;
} gelu_job;

static void gelu_fwd_chunk(void *ctx, long k, int worker)
{
	const gelu_job *g = ctx;
	(void)worker;
	size_t a = (size_t)k * GELU_CHUNK, b = a + GELU_CHUNK < g->n ? a + GELU_CHUNK : g->n;
	for (size_t i = a; i < b; i++) {
		float v = g->x[i];
		g->out[i] = 0.5f * v * (1.0f + fast_tanh(GELU_K * (v + 0.044715f * v * v * v)));
	}
}

static void gelu_bwd_chunk(void *ctx, long k, int worker)
{
	const gelu_job *g = ctx;
	(void)worker;
	size_t a = (size_t)k * GELU_CHUNK, b = a + GELU_CHUNK < g->n ? a + GELU_CHUNK : g->n;
	for (size_t i = a; i < b; i++) {
		float v = g->x[i];
		float t = fast_tanh(GELU_K * (v + 0.044715f * v * v * v));
		float dt = (1.0f - t * t) * GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
		g->out[i] = g->dy[i] * (0.5f * (1.0f + t) + 0.5f * v * dt);
	}
}

void al_gelu_forward(float *y, const float *x, size_t n)
{
	gelu_job g = {y, x, NULL, n};
	al_par_for((long)((n + GELU_CHUNK - 1) / GELU_CHUNK), gelu_fwd_chunk, &g);
}

void al_gelu_backward(float *dx, const float *dy, const float *x, size_t n)
{
	gelu_job g = {dx, x, dy, n};
	al_par_for((long)((n + GELU_CHUNK - 1) / GELU_CHUNK), gelu_bwd_chunk, &g);
}

/* As Hugging Face's T5Attention._relative_position_bucket, with the
 * logarithm in float32 as torch computes it. */
int al_t5_bucket(int relative, int bidirectional, int num_buckets, int max_distance)
{
	int bucket = 0;
	if (bidirectional) {
		num_buckets /= 2;
		if (relative > 0)
			bucket += num_buckets;
		relative = relative < 0 ? -relative : relative;
	} else {
		relative = relative < 0 ? -relative : 0;
	}
	int max_exact = num_buckets / 2;
	if (relative < max_exact)
		return bucket + relative;
	float ratio = (float)relative / (float)max_exact;
	float scale = (float)log((double)max_distance / max_exact);
	float large = logf(ratio) / scale * (float)(num_buckets - max_exact);
	int v = max_exact + (int)large;
	if (v > num_buckets - 1)
		v = num_buckets - 1;
	return bucket + v;
}

void al_t5_position_bias(float *bias, const float *table, int H, int Tq, int Tk,
			 int bidirectional, int num_buckets, int max_distance)
{
	for (int i = 0; i < Tq; i++)
		for (int j = 0; j < Tk; j++) {
			int b = al_t5_bucket(j - i, bidirectional, num_buckets, max_distance);
			for (int h = 0; h < H; h++)
				bias[((size_t)h * Tq + i) * Tk + j] = table[(size_t)b * H + h];
		}
}

void al_t5_position_bias_backward(float *dtable, const float *dbias, int H, int Tq, int Tk,
				  int bidirectional, int num_buckets, int max_distance)
{
	for (int i = 0; i < Tq; i++)
		for (int j = 0; j < Tk; j++) {
			int b = al_t5_bucket(j - i, bidirectional, num_buckets, max_distance);
			for (int h = 0; h < H; h++)
				dtable[(size_t)b * H + h] += dbias[((size_t)h * Tq + i) * Tk + j];
		}
}

/* One (batch, head) of the attention forward. */
typedef struct attn_fwd {
	float *out, *probs;
	const float *q, *k, *v, *bias, *key_mask;
	int causal, Tq, Tk, H, D;
} attn_fwd;

static void attn_fwd_one(void *ctx, long item, int worker)
{
	const attn_fwd *a = ctx;
	(void)worker;
	int H = a->H, D = a->D, Tq = a->Tq, Tk = a->Tk, HD = H * D;
	int b = (int)(item / H), h = (int)(item % H);
	const float *qb = a->q + (size_t)b * Tq * HD + h * D;
	const float *kb = a->k + (size_t)b * Tk * HD + h * D;
	const float *vb = a->v + (size_t)b * Tk * HD + h * D;
	float *P = a->probs + ((size_t)b * H + h) * Tq * Tk;
	/* S[Tq,Tk] = Q K^T */
	al_sgemm(0, 1, Tq, Tk, D, 1.0f, qb, HD, kb, HD, 0.0f, P, Tk);
	for (int i = 0; i < Tq; i++) {
		float *row = P + (size_t)i * Tk;
		const float *br = a->bias ? a->bias + ((size_t)h * Tq + i) * Tk : NULL;
		const float *mr = a->key_mask ? a->key_mask + (size_t)b * Tk : NULL;
		float mx = -INFINITY;
		for (int j = 0; j < Tk; j++) {
			float s = row[j];
			if (br)
				s += br[j];
			/* Masked as Hugging Face masks: add the lowest
			 * float, so a fully masked row stays finite
			 * (uniform). */
			if ((mr && mr[j] == 0) || (a->causal && j > i))
				s += -FLT_MAX;
			row[j] = s;
			if (s > mx)
				mx = s;
		}
		float sum = 0;
		for (int j = 0; j < Tk; j++) {
			row[j] = exp0(row[j] - mx);
			sum += row[j];
		}
		float inv = 1.0f / sum;
		for (int j = 0; j < Tk; j++)
			row[j] *= inv;
	}
	/* O[Tq,D] = P V */
	al_sgemm(0, 0, Tq, D, Tk, 1.0f, P, Tk, vb, HD, 0.0f, a->out + (size_t)b * Tq * HD + h * D, HD);
}

void al_attention_forward(float *out, float *probs, const float *q, const float *k,
			  const float *v, const float *bias, const float *key_mask,
			  int causal, int B, int Tq, int Tk, int H, int D)
{
	attn_fwd a = {out, probs, q, k, v, bias, key_mask, causal, Tq, Tk, H, D};
	al_par_for((long)B * H, attn_fwd_one, &a);
}

void al_attention_backward(float *dq, float *dk, float *dv, const float *dout,
			   const float *probs, const float *q, const float *k,
			   const float *v, int B, int Tq, int Tk, int H, int D,
			   float *dS)
{
	al_attention_backward_bias(dq, dk, dv, NULL, dout, probs, q, k, v, B, Tq, Tk, H, D, dS);
}

/* One head of the attention backward, over the batch in order (the bias
 * gradient of a head sums over the batch). */
typedef struct attn_bwd {
	float *dq, *dk, *dv, *dbias;
	const float *dout, *probs, *q, *k, *v;
	int B, Tq, Tk, H, D;
	float *scratch[64];   /* [Tq, Tk] per worker */
} attn_bwd;

static void attn_bwd_head(void *ctx, long item, int worker)
{
	const attn_bwd *a = ctx;
	int h = (int)item, H = a->H, D = a->D, Tq = a->Tq, Tk = a->Tk, HD = H * D;
	float *dS = a->scratch[worker];
	for (int b = 0; b < a->B; b++) {
		size_t qo = (size_t)b * Tq * HD + h * D, ko = (size_t)b * Tk * HD + h * D;
		const float *P = a->probs + ((size_t)b * H + h) * Tq * Tk;
		/* dV += P^T dO */
		if (a->dv)
			al_sgemm(1, 0, Tk, D, Tq, 1.0f, P, Tk, a->dout + qo, HD, 1.0f, a->dv + ko, HD);
		/* dP = dO V^T */
		al_sgemm(0, 1, Tq, Tk, D, 1.0f, a->dout + qo, HD, a->v + ko, HD, 0.0f, dS, Tk);
		/* dS = P (dP - sum_j dP P) */
		for (int i = 0; i < Tq; i++) {
			float *r = dS + (size_t)i * Tk;
			const float *pr = P + (size_t)i * Tk;
			float dot = 0;
			for (int j = 0; j < Tk; j++)
				dot += r[j] * pr[j];
			for (int j = 0; j < Tk; j++)
				r[j] = pr[j] * (r[j] - dot);
		}
		if (a->dbias) {   /* the bias is added to S as it is */
			float *db = a->dbias + (size_t)h * Tq * Tk;
			for (size_t i = 0; i < (size_t)Tq * Tk; i++)
				db[i] += dS[i];
		}
		/* dQ += dS K;  dK += dS^T Q */
		if (a->dq)
			al_sgemm(0, 0, Tq, D, Tk, 1.0f, dS, Tk, a->k + ko, HD, 1.0f, a->dq + qo, HD);
		if (a->dk)
			al_sgemm(1, 0, Tk, D, Tq, 1.0f, dS, Tk, a->q + qo, HD, 1.0f, a->dk + ko, HD);
	}
}

void al_attention_backward_bias(float *dq, float *dk, float *dv, float *dbias,
				const float *dout, const float *probs, const float *q,
				const float *k, const float *v, int B, int Tq, int Tk, int H,
				int D, float *dS)
{
	attn_bwd a = {dq, dk, dv, dbias, dout, probs, q, k, v, B, Tq, Tk, H, D, {0}};
	int T = al_par_threads();
	float *more = T > 1 ? malloc(sizeof *more * (size_t)(T - 1) * Tq * Tk) : NULL;
	if (!more)
		T = 1;   /* no room for the workers' scratch: one thread */
	a.scratch[0] = dS;
	for (int w = 1; w < T; w++)
		a.scratch[w] = more + (size_t)(w - 1) * Tq * Tk;
	if (T == 1)
		for (int h = 0; h < H; h++)
			attn_bwd_head(&a, h, 0);
	else
		al_par_for(H, attn_bwd_head, &a);
	free(more);
}

/* A row's maximum and sum of exp(x - max), the parts of its log-sum-exp. */
static double row_sumexp(const float *r, int V, float *mx)
{
	float m = -INFINITY;
	for (int j = 0; j < V; j++)
		if (r[j] > m)
			m = r[j];
	double sum = 0;
	for (int j = 0; j < V; j++)
		sum += exp0(r[j] - m);
	*mx = m;
	return sum;
}

typedef struct xent {
	const float *logits;
	const int *targets;
	float *d;          /* backward: dlogits */
	double *lp;        /* forward: each row's log-probability */
	float scale;
	int V;
} xent;

static void xent_fwd_row(void *ctx, long n, int worker)
{
	const xent *x = ctx;
	(void)worker;
	if (x->targets[n] < 0) {
		x->lp[n] = 0;
		return;
	}
	const float *r = x->logits + (size_t)n * x->V;
	float mx;
	double sum = row_sumexp(r, x->V, &mx);
	x->lp[n] = (double)(r[x->targets[n]] - mx) - log(sum);
}

double al_xent_forward(const float *logits, const int *targets, float *logprob, int N, int V)
{
	double total = 0;
	double *lp = malloc(sizeof *lp * (N > 0 ? N : 1));
	xent x = {logits, targets, NULL, lp, 1.0f, V};
	if (lp)
		al_par_for(N, xent_fwd_row, &x);
	for (int n = 0; n < N; n++) {   /* in order: the same sum whatever -j */
		double v = 0;
		if (lp) {
			v = lp[n];
		} else if (targets[n] >= 0) {   /* no room: row by row, here */
			const float *r = logits + (size_t)n * V;
			float mx;
			double sum = row_sumexp(r, V, &mx);
			v = (double)(r[targets[n]] - mx) - log(sum);
		}
		if (logprob)
			logprob[n] = (float)v;
		total -= v;
	}
	free(lp);
	return total;
}

static void xent_bwd_row(void *ctx, long n, int worker)
{
	const xent *x = ctx;
	(void)worker;
	int V = x->V;
	float *d = x->d + (size_t)n * V;
	if (x->targets[n] < 0) {
		memset(d, 0, sizeof *d * V);
		return;
	}
	const float *r = x->logits + (size_t)n * V;
	float mx;
	float inv = (float)(1.0 / row_sumexp(r, V, &mx));
	for (int j = 0; j < V; j++)
		d[j] = x->scale * exp0(r[j] - mx) * inv;
	d[x->targets[n]] -= x->scale;
}

void al_xent_backward(float *dlogits, const float *logits, const int *targets, float scale,
		      int N, int V)
{
	xent x = {logits, targets, dlogits, NULL, scale, V};
	al_par_for(N, xent_bwd_row, &x);
}
