/* nn.c: T5 kernels, forward and backward (see nn.h for shapes). */
#include "nn.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "blas.h"

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
	return 1.0f - 2.0f / (expf(2.0f * u) + 1.0f);
}

void al_gelu_forward(float *y, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float v = x[i];
		y[i] = 0.5f * v * (1.0f + fast_tanh(GELU_K * (v + 0.044715f * v * v * v)));
	}
}

void al_gelu_backward(float *dx, const float *dy, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float v = x[i];
		float t = fast_tanh(GELU_K * (v + 0.044715f * v * v * v));
		float dt = (1.0f - t * t) * GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
		dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * dt);
	}
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

void al_attention_forward(float *out, float *probs, const float *q, const float *k,
			  const float *v, const float *bias, const float *key_mask,
			  int causal, int B, int Tq, int Tk, int H, int D)
{
	int HD = H * D;
	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++) {
			const float *qb = q + (size_t)b * Tq * HD + h * D;
			const float *kb = k + (size_t)b * Tk * HD + h * D;
			const float *vb = v + (size_t)b * Tk * HD + h * D;
			float *P = probs + ((size_t)b * H + h) * Tq * Tk;
			/* S[Tq,Tk] = Q K^T */
			al_sgemm(0, 1, Tq, Tk, D, 1.0f, qb, HD, kb, HD, 0.0f, P, Tk);
			for (int i = 0; i < Tq; i++) {
				float *row = P + (size_t)i * Tk;
				const float *br = bias ? bias + ((size_t)h * Tq + i) * Tk : NULL;
				const float *mr = key_mask ? key_mask + (size_t)b * Tk : NULL;
				float mx = -INFINITY;
				for (int j = 0; j < Tk; j++) {
					float s = row[j];
					if (br)
						s += br[j];
					/* Masked as Hugging Face masks: add the
					 * lowest float, so a fully masked row
					 * stays finite (uniform). */
					if ((mr && mr[j] == 0) || (causal && j > i))
						s += -FLT_MAX;
					row[j] = s;
					if (s > mx)
						mx = s;
				}
				float sum = 0;
				for (int j = 0; j < Tk; j++) {
					row[j] = expf(row[j] - mx);
					sum += row[j];
				}
				float inv = 1.0f / sum;
				for (int j = 0; j < Tk; j++)
					row[j] *= inv;
			}
			/* O[Tq,D] = P V */
			al_sgemm(0, 0, Tq, D, Tk, 1.0f, P, Tk, vb, HD, 0.0f,
				 out + (size_t)b * Tq * HD + h * D, HD);
		}
}

void al_attention_backward(float *dq, float *dk, float *dv, const float *dout,
			   const float *probs, const float *q, const float *k,
			   const float *v, int B, int Tq, int Tk, int H, int D,
			   float *dS)
{
	al_attention_backward_bias(dq, dk, dv, NULL, dout, probs, q, k, v, B, Tq, Tk, H, D, dS);
}

void al_attention_backward_bias(float *dq, float *dk, float *dv, float *dbias,
				const float *dout, const float *probs, const float *q,
				const float *k, const float *v, int B, int Tq, int Tk, int H,
				int D, float *dS)
{
	int HD = H * D;
	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++) {
			size_t qo = (size_t)b * Tq * HD + h * D, ko = (size_t)b * Tk * HD + h * D;
			const float *P = probs + ((size_t)b * H + h) * Tq * Tk;
			/* dV += P^T dO */
			if (dv)
				al_sgemm(1, 0, Tk, D, Tq, 1.0f, P, Tk, dout + qo, HD, 1.0f,
					 dv + ko, HD);
			/* dP = dO V^T */
			al_sgemm(0, 1, Tq, Tk, D, 1.0f, dout + qo, HD, v + ko, HD, 0.0f, dS, Tk);
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
			if (dbias) {   /* the bias is added to S as it is */
				float *db = dbias + (size_t)h * Tq * Tk;
				for (size_t i = 0; i < (size_t)Tq * Tk; i++)
					db[i] += dS[i];
			}
			/* dQ += dS K;  dK += dS^T Q */
			if (dq)
				al_sgemm(0, 0, Tq, D, Tk, 1.0f, dS, Tk, k + ko, HD, 1.0f, dq + qo, HD);
			if (dk)
				al_sgemm(1, 0, Tk, D, Tq, 1.0f, dS, Tk, q + qo, HD, 1.0f, dk + ko, HD);
		}
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
		sum += expf(r[j] - m);
	*mx = m;
	return sum;
}

double al_xent_forward(const float *logits, const int *targets, float *logprob, int N, int V)
{
	double total = 0;
	for (int n = 0; n < N; n++) {
		if (targets[n] < 0) {
			if (logprob)
				logprob[n] = 0;
			continue;
		}
		const float *r = logits + (size_t)n * V;
		float mx;
		double sum = row_sumexp(r, V, &mx);
		double lp = (double)(r[targets[n]] - mx) - log(sum);
		if (logprob)
			logprob[n] = (float)lp;
		total -= lp;
	}
	return total;
}

void al_xent_backward(float *dlogits, const float *logits, const int *targets, float scale,
		      int N, int V)
{
	for (int n = 0; n < N; n++) {
		float *d = dlogits + (size_t)n * V;
		if (targets[n] < 0) {
			memset(d, 0, sizeof *d * V);
			continue;
		}
		const float *r = logits + (size_t)n * V;
		float mx;
		float inv = (float)(1.0 / row_sumexp(r, V, &mx));
		for (int j = 0; j < V; j++)
			d[j] = scale * expf(r[j] - mx) * inv;
		d[targets[n]] -= scale;
	}
}
