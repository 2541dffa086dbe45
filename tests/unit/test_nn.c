/* test_nn.c: every kernel's backward against central finite differences of
 * its forward (in double-checked float32), and hand-worked values. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nn.h"
#include "tests/tap.h"

static unsigned seed = 1;
static float rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}
static float *owned[64];   /* every rvec, freed at the end */
static int nowned;
static float *rvec(size_t n)
{
	float *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++) v[i] = rnd();
	owned[nowned++] = v;
	return v;
}
static double dot(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
	return s;
}

/* Compare analytic gradient g[n] of L(x) = <f(x), w> with central
 * differences at every coordinate; returns the worst relative error. */
typedef double (*loss_fn)(float *x, void *ctx);
static double fd_check(loss_fn L, float *x, const float *g, size_t n, void *ctx, float h)
{
	double worst = 0, scale = 1e-3;
	for (size_t i = 0; i < n; i++)
		if (fabs(g[i]) > scale) scale = fabs(g[i]);
	for (size_t i = 0; i < n; i++) {
		float x0 = x[i];
		x[i] = x0 + h;
		double lp = L(x, ctx);
		x[i] = x0 - h;
		double lm = L(x, ctx);
		x[i] = x0;
		double fd = (lp - lm) / (2 * h);
		double err = fabs(fd - g[i]) / scale;
		if (err > worst) worst = err;
	}
	return worst;
}

/* ---- RMSNorm ---- */
enum { RN = 3, RC = 8 };
static float *rn_w, *rn_g;
static double rn_loss(float *x, void *ctx)
{
	float y[RN * RC], r[RN];
	al_rmsnorm_forward(y, r, x, rn_w, RN, RC, 1e-6f);
	return dot(y, rn_g, RN * RC);
}

/* ---- GELU ---- */
static float *ge_g;
static double ge_loss(float *x, void *ctx)
{
	float y[64];
	al_gelu_forward(y, x, 64);
	return dot(y, ge_g, 64);
}

/* ---- attention ---- */
enum { AB = 2, ATq = 3, ATk = 4, AH = 2, AD = 3 };
static float *aq, *ak, *av, *ag, *abias, amask[AB * ATk];
static int acausal;
static double at_loss(float *unused, void *ctx)
{
	float out[AB * ATq * AH * AD], probs[AB * AH * ATq * ATk];
	al_attention_forward(out, probs, aq, ak, av, abias, amask, acausal, AB, ATq, ATk, AH, AD);
	return dot(out, ag, sizeof out / sizeof *out);
}

/* ---- cross-entropy ---- */
enum { XN = 4, XV = 7 };
static int xt[XN] = {3, -100, 0, 6};
static double xe_loss(float *x, void *ctx)
{
	return al_xent_forward(x, xt, NULL, XN, XV);
}

/* ---- linear ---- */
enum { LN = 3, LI = 5, LO = 4 };
static float *lW, *lx, *lg;
static double lin_loss_x(float *x, void *ctx)
{
	float y[LN * LO];
	al_linear_forward(y, x, lW, LN, LI, LO);
	return dot(y, lg, LN * LO);
}
static double lin_loss_w(float *W, void *ctx)
{
	float y[LN * LO];
	al_linear_forward(y, lx, W, LN, LI, LO);
	return dot(y, lg, LN * LO);
}

int main(void)
{
	/* linear */
	lW = rvec(LO * LI); lx = rvec(LN * LI); lg = rvec(LN * LO);
	float y[LN * LO];
	al_linear_forward(y, lx, lW, LN, LI, LO);
	double want = 0;
	for (int i = 0; i < LI; i++) want += (double)lx[1 * LI + i] * lW[2 * LI + i];
	is_dbl(y[1 * LO + 2], want, 1e-6, "linear: y = x W^T");
	float dx[LN * LI] = {0}, dW[LO * LI] = {0};
	al_linear_backward_input(dx, lg, lW, LN, LI, LO);
	ok(fd_check(lin_loss_x, lx, dx, LN * LI, NULL, 1e-2f) < 1e-3, "linear: dx matches finite differences");
	al_linear_backward_weight(dW, lg, lx, LN, LI, LO);
	ok(fd_check(lin_loss_w, lW, dW, LO * LI, NULL, 1e-2f) < 1e-3, "linear: dW matches finite differences");

	/* RMSNorm: hand-worked forward, then gradient */
	float x1[4] = {1, 2, 3, 4}, w1[4] = {1, 1, 2, 0.5f}, y1[4], r1;
	al_rmsnorm_forward(y1, &r1, x1, w1, 1, 4, 0);
	is_dbl(r1, 1 / sqrt(7.5), 1e-6, "rmsnorm: rstd = 1/sqrt(mean(x^2))");
	is_dbl(y1[2], 6 / sqrt(7.5), 1e-6, "rmsnorm: y = x rstd w");
	rn_w = rvec(RC); rn_g = rvec(RN * RC);
	float *x = rvec(RN * RC), yy[RN * RC], r[RN], g[RN * RC] = {0};
	al_rmsnorm_forward(yy, r, x, rn_w, RN, RC, 1e-6f);
	al_rmsnorm_backward(g, rn_g, x, rn_w, r, RN, RC);
	double e = fd_check(rn_loss, x, g, RN * RC, NULL, 1e-2f);
	ok(e < 2e-3, "rmsnorm: backward matches finite differences (%.2g)", e);

	/* GELU (tanh): hand values and gradient */
	float gx[3] = {0, 1, -2}, gy[3];
	al_gelu_forward(gy, gx, 3);
	is_dbl(gy[0], 0, 1e-7, "gelu(0) = 0");
	is_dbl(gy[1], 0.5 * (1 + tanh(sqrt(2 / M_PI) * 1.044715)), 1e-6, "gelu(1), tanh form");
	is_dbl(gy[2], -1.0 * (1 + tanh(sqrt(2 / M_PI) * (-2 - 0.044715 * 8))), 1e-6, "gelu(-2), tanh form");
	ge_g = rvec(64);
	float *gxx = rvec(64), gg[64];
	for (int i = 0; i < 64; i++) gxx[i] *= 4;
	al_gelu_backward(gg, ge_g, gxx, 64);
	e = fd_check(ge_loss, gxx, gg, 64, NULL, 1e-2f);
	ok(e < 2e-3, "gelu: backward matches finite differences (%.2g)", e);

	/* ReLU */
	float rx[4] = {-1, 0.5f, 0, 2}, rdy[4] = {1, 2, 3, 4}, rdx[4];
	al_relu_forward(rx, 4);
	ok(rx[0] == 0 && rx[1] == 0.5f && rx[3] == 2, "relu forward");
	al_relu_backward(rdx, rdy, rx, 4);
	ok(rdx[0] == 0 && rdx[1] == 2 && rdx[2] == 0 && rdx[3] == 4, "relu backward");

	/* T5 buckets, hand-worked from the published formula */
	static const int bi[][2] = {{0, 0}, {-1, 1}, {1, 17}, {-7, 7}, {-8, 8}, {-16, 10},
				    {16, 26}, {-128, 15}, {-1000, 15}, {1000, 31}};
	for (size_t i = 0; i < sizeof bi / sizeof *bi; i++)
		is_int(al_t5_bucket(bi[i][0], 1, 32, 128), bi[i][1], "bidirectional bucket of %d", bi[i][0]);
	static const int uni[][2] = {{5, 0}, {0, 0}, {-1, 1}, {-15, 15}, {-16, 16}, {-32, 21},
				     {-128, 31}, {-500, 31}};
	for (size_t i = 0; i < sizeof uni / sizeof *uni; i++)
		is_int(al_t5_bucket(uni[i][0], 0, 32, 128), uni[i][1], "causal bucket of %d", uni[i][0]);

	/* attention: a hand-worked case (one head, uniform keys) */
	float q1[2] = {1, 0}, k1[4] = {0, 0, 0, 0}, v1[4] = {1, 2, 3, 4}, o1[2], p1[2];
	al_attention_forward(o1, p1, q1, k1, v1, NULL, NULL, 0, 1, 1, 2, 1, 2);
	ok(p1[0] == 0.5f && o1[0] == 2 && o1[1] == 3, "attention: equal scores average the values");
	float k2[4] = {1, 0, 0, 0};   /* scores 1 and 0, no 1/sqrt(d) scaling */
	al_attention_forward(o1, p1, q1, k2, v1, NULL, NULL, 0, 1, 1, 2, 1, 2);
	is_dbl(p1[0], exp(1) / (exp(1) + 1), 1e-6, "attention: scores are not scaled");

	aq = rvec(AB * ATq * AH * AD); ak = rvec(AB * ATk * AH * AD);
	av = rvec(AB * ATk * AH * AD); ag = rvec(AB * ATq * AH * AD);
	abias = rvec(AH * ATq * ATk);
	for (int i = 0; i < AB * ATk; i++) amask[i] = 1;
	amask[1 * ATk + 3] = 0;   /* second batch: last key padded */
	for (acausal = 0; acausal < 2; acausal++) {
		float out[AB * ATq * AH * AD], probs[AB * AH * ATq * ATk], scratch[ATq * ATk];
		float dq[AB * ATq * AH * AD] = {0}, dk[AB * ATk * AH * AD] = {0}, dv[AB * ATk * AH * AD] = {0};
		al_attention_forward(out, probs, aq, ak, av, abias, amask, acausal, AB, ATq, ATk, AH, AD);
		int masked_zero = 1;
		for (int h = 0; h < AH; h++)
			for (int i = 0; i < ATq; i++)
				masked_zero &= probs[((1 * AH + h) * ATq + i) * ATk + 3] == 0;
		ok(masked_zero, "attention (causal %d): padded keys get probability 0", acausal);
		if (acausal)
			ok(probs[0 * ATk + 1] == 0 && probs[1 * ATk + 1] != 0,
			   "causal: query 0 does not see key 1, query 1 does");
		al_attention_backward(dq, dk, dv, ag, probs, aq, ak, av, AB, ATq, ATk, AH, AD, scratch);
		e = fd_check(at_loss, aq, dq, AB * ATq * AH * AD, NULL, 1e-2f);
		ok(e < 2e-3, "attention (causal %d): dq matches finite differences (%.2g)", acausal, e);
		e = fd_check(at_loss, ak, dk, AB * ATk * AH * AD, NULL, 1e-2f);
		ok(e < 2e-3, "attention (causal %d): dk matches finite differences (%.2g)", acausal, e);
		e = fd_check(at_loss, av, dv, AB * ATk * AH * AD, NULL, 1e-2f);
		ok(e < 2e-3, "attention (causal %d): dv matches finite differences (%.2g)", acausal, e);
	}

	/* cross-entropy */
	float lg2[3] = {0, 0, 0}, lp;
	int t2 = 1;
	is_dbl(al_xent_forward(lg2, &t2, &lp, 1, 3), log(3), 1e-6, "xent: uniform over 3 = log 3");
	float *xl = rvec(XN * XV), dxl[XN * XV];
	float lps[XN];
	double loss = al_xent_forward(xl, xt, lps, XN, XV);
	ok(lps[1] == 0 && loss > 0, "xent: the ignored row adds nothing");
	is_dbl(-(lps[0] + lps[2] + lps[3]), loss, 1e-6, "xent: loss is minus the summed log-probs");
	al_xent_backward(dxl, xl, xt, 1.0f, XN, XV);
	e = fd_check(xe_loss, xl, dxl, XN * XV, NULL, 1e-2f);
	ok(e < 2e-3, "xent: backward matches finite differences (%.2g)", e);
	while (nowned)
		free(owned[--nowned]);
	return done_testing();
}
