/* test_methods.c: prompt tuning, LoRA and full fine-tuning: every
 * gradient against central differences of the C forward (on tiny random
 * T5s, gated and untied, ReLU and tied), parameter counts against the
 * geometry, adapter files round-tripping, and a training step lowering
 * the loss.  tests/cli/methods.sh checks the same against PyTorch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/t5.h"
#include "tests/tap.h"
#include "trainer/adalink.h"
#include "trainer/forward.h"
#include "trainer/train.h"

enum { NX = 3 };
static al_example X[NX];
static al_runner *RUN;
static al_adapter *AD;
static const float H = 2e-3f;   /* the step: small, for ReLU's kinks */

static double loss(void)
{
	double nll[NX], s = 0;
	al_err e = {0};
	if (al_runner_batch(RUN, AD, X, NX, nll, NULL, 0, 1.0f, &e) < 0)
		return NAN;
	for (int i = 0; i < NX; i++)
		s += nll[i];
	return s;
}

/* Central differences on the largest-gradient coordinates of each
 * parameter tensor; the worst error relative to that gradient.  A
 * coordinate whose one-sided differences disagree sits on a ReLU's kink
 * (T5 1.0, the prompt's MLP), where differences mean nothing: the next
 * largest is taken instead. */
static double fd_worst(al_param *ps, int n, char *where, size_t wn, int *skipped, int *checked)
{
	double worst = 0, f0 = loss();
	*skipped = *checked = 0;
	for (int k = 0; k < n; k++) {
		size_t sz = (size_t)ps[k].rows * ps[k].cols;
		float *g = malloc(sizeof(float) * sz);
		memcpy(g, ps[k].g, sizeof(float) * sz);
		for (int tries = 0; tries < 6; tries++) {
			size_t at = 0;
			for (size_t i = 1; i < sz; i++)
				if (fabsf(g[i]) > fabsf(g[at]))
					at = i;
			double gr = g[at];
			g[at] = 0;
			if (fabs(gr) < 1e-2)
				break;   /* too small to see through float32 */
			float x0 = ps[k].w[at], h = H;
			ps[k].w[at] = x0 + h;
			double a = loss();
			ps[k].w[at] = x0 - h;
			double b = loss();
			ps[k].w[at] = x0;
			if (fabs((a - f0) - (f0 - b)) / h > 0.01 * fabs(gr)) {
				++*skipped;
				continue;
			}
			double err = fabs((a - b) / (2 * h) - gr) / fabs(gr);
			++*checked;
			if (err > worst) {
				worst = err;
				snprintf(where, wn, "tensor %d [%zu]: fd %.5g, grad %.5g", k, at,
					 (a - b) / (2 * h), gr);
			}
			break;
		}
		free(g);
	}
	return worst;
}

static void grads(void)
{
	double nll[NX];
	al_err e = {0};
	al_adapter_zero_grad(AD);
	ok(al_runner_batch(RUN, AD, X, NX, nll, NULL, 1, 1.0f, &e) == 0, "  forward and backward (%s)", e.msg);
}

static void check(const char *what, double tol)
{
	al_param *ps;
	al_err e = {0};
	int n = al_adapter_params(AD, &ps, &e);
	grads();
	char where[160] = "";
	int skipped, checked;
	double w = fd_worst(ps, n, where, sizeof where, &skipped, &checked);
	ok(w < tol && checked >= n * 3 / 4, "%s: %d of %d tensors' gradients within %g of central "
	   "differences (%.2g; %s; %d points on a kink passed over)", what, checked, n, tol, w,
	   where, skipped);
	free(ps);
}

static void randomize(al_param *ps, int n, float sd, unsigned *s)
{
	for (int k = 0; k < n; k++)
		for (size_t i = 0; i < (size_t)ps[k].rows * ps[k].cols; i++) {
			*s = *s * 1103515245u + 12345u;
			ps[k].w[i] = sd * ((float)(*s >> 8 & 0xffff) / 65535.0f - 0.5f);
		}
}

int main(void)
{
	al_err e = {0};
	unsigned seed = 7;
	for (int gated = 1; gated >= 0; gated--) {
		al_t5_config c = {.vocab = 40, .d_model = 16, .d_kv = 4, .d_ff = 24, .heads = 2,
				  .enc_layers = 2, .dec_layers = 2, .buckets = 8, .max_distance = 16,
				  .eps = 1e-6f, .gated = gated, .tied = !gated};
		const char *fam = gated ? "gated, untied" : "relu, tied";
		al_t5 *m = al_t5_new(&c, 0, 3 + gated, &e);
		RUN = al_runner_new(m, &e);
		int lens[NX][2] = {{5, 3}, {2, 4}, {7, 2}};
		for (int i = 0; i < NX; i++) {
			memset(&X[i], 0, sizeof X[i]);
			X[i].n_in = lens[i][0];
			X[i].n_tgt = lens[i][1];
			X[i].input_ids = malloc(sizeof(int) * X[i].n_in);
			X[i].target_ids = malloc(sizeof(int) * X[i].n_tgt);
			for (int k = 0; k < X[i].n_in; k++)
				X[i].input_ids[k] = 2 + (i * 7 + k * 5) % 38;
			for (int k = 0; k < X[i].n_tgt; k++)
				X[i].target_ids[k] = 1 + (i * 3 + k * 11) % 39;
		}
		al_param *ps;
		int n;

		/* prompt tuning, every tensor nonzero */
		AD = al_adapter_prompt(m, 4, 6, 1, &e);
		ok(AD != NULL, "%s: a prompt adapter (%s)", fam, e.msg);
		ok(al_adapter_prefix(AD) == 4, "  4 soft tokens in front");
		ok(al_adapter_nparams(AD) == 4 * 16 + 16 * 6 + 6 + 6 * 16 + 16,
		   "  N d + d h + h + h d + d parameters (%zu)", al_adapter_nparams(AD));
		n = al_adapter_params(AD, &ps, &e);
		randomize(ps + 1, n - 1, 1.0f, &seed);
		free(ps);
		check("  prompt", 2e-2);
		char path[] = "/tmp/al-test-methods-XXXXXX";
		int fd = mkstemp(path);
		close(fd);
		ok(al_adapter_save(AD, path, 0, &e) == 0, "  save (%s)", e.msg);
		al_adapter *b = al_adapter_load(path, &e);
		ok(b && b->method == AL_METHOD_PROMPT && b->prompt->n == 4 && b->prompt->h == 6 &&
		   memcmp(b->prompt->P, AD->prompt->P, sizeof(float) * (4 * 16 + 2 * 16 * 6 + 6 + 16)) == 0,
		   "  loads back the same (%s)", e.msg);
		al_adapter_free(b);
		al_adapter_free(AD);

		/* LoRA on the encoder, then on both */
		for (int dec = 0; dec < 2; dec++) {
			AD = al_adapter_lora(m, 3, 6.0f, dec, 2, &e);
			int HD = 8, per_enc = (3 * (16 + HD) + HD + 16 + (gated ? 2 : 1) * (16 + 24) + 24 + 16);
			int per_dec = per_enc + 3 * (16 + HD) + HD + 16;
			size_t want = 3 * (size_t)(2 * per_enc + (dec ? 2 * per_dec : 0));
			ok(AD && al_adapter_nparams(AD) == want, "%s: LoRA%s: r (in + out) per linear "
			   "(%zu, want %zu)", fam, dec ? " with --lora-decoder" : "",
			   AD ? al_adapter_nparams(AD) : 0, want);
			ok(AD->lora.scale == 2.0f, "  scale alpha / r");
			double base = loss();
			al_adapter *none = NULL;
			double nll[NX], s0 = 0;
			al_runner_batch(RUN, none, X, NX, nll, NULL, 0, 1.0f, &e);
			for (int i = 0; i < NX; i++)
				s0 += nll[i];
			ok(fabs(base - s0) < 1e-9 * fabs(s0), "  B zero: the backbone's nll (%.6f)", s0);
			n = al_adapter_params(AD, &ps, &e);
			randomize(ps, n, 0.6f, &seed);
			free(ps);
			check("  LoRA", 2e-2);
			ok(al_adapter_save(AD, path, 0, &e) == 0, "  save (%s)", e.msg);
			b = al_adapter_load(path, &e);
			ok(b && b->method == AL_METHOD_LORA && b->lora.n == AD->lora.n &&
			   b->lora.scale == 2.0f && b->lora.w[5].slot == AD->lora.w[5].slot &&
			   memcmp(b->lora.w[5].B, AD->lora.w[5].B, sizeof(float) * 3 * AD->lora.w[5].O) == 0,
			   "  loads back the same (%s)", e.msg);
			al_adapter_free(b);
			al_adapter_free(AD);
		}

		/* full fine-tuning: every weight of the backbone */
		AD = al_adapter_full(m, &e);
		ok(AD && al_adapter_nparams(AD) == al_t5_nparams(m), "%s: full: every weight trains (%zu)",
		   fam, al_adapter_nparams(AD));
		check("  full", 2e-2);
		/* a training step lowers the loss */
		al_train_opts o;
		al_train_defaults(&o);
		o.lr = 1e-2;
		al_trainer *t = al_trainer_new(m, AD, &o, &e);
		double l0 = loss(), lt;
		for (int s = 0; s < 3; s++)
			al_trainer_step(t, X, NX, &lt, &e);
		ok(loss() < 0.95 * l0, "  three Adafactor steps lower the loss (%.4f to %.4f)", l0, loss());
		al_trainer_free(t);
		al_adapter_free(AD);
		unlink(path);

		for (int i = 0; i < NX; i++)
			al_example_clear(&X[i]);
		al_runner_free(RUN);
		al_t5_free(m);
	}
	/* a model whose projection came apart and whose encoder got its own
	 * embeddings: every tensor is still listed, saved and trained where
	 * it lies */
	al_t5_config c = {.vocab = 40, .d_model = 16, .d_kv = 4, .d_ff = 24, .heads = 2,
			  .enc_layers = 1, .dec_layers = 1, .buckets = 8, .max_distance = 16,
			  .eps = 1e-6f, .gated = 1, .tied = 0};
	al_t5 *m = al_t5_new(&c, 3, 5, &e);
	char pp[] = "/tmp/al-test-methods-proj-XXXXXX", mp[] = "/tmp/al-test-methods-m-XXXXXX";
	close(mkstemp(pp));
	close(mkstemp(mp));
	al_t5 *pm = al_t5_new(&c, 5, 6, &e);   /* a projection 5 wide, from elsewhere */
	ok(al_t5_save(pm, pp, &e) == 0 && al_t5_set_projection(m, pp, &e) == 0,
	   "a projection of another width set apart (%s)", e.msg);
	float *E = al_t5_encoder_embeddings(m, &e);
	ok(E && E != al_t5_shared(m) && memcmp(E, al_t5_shared(m), sizeof(float) * 40 * 16) == 0,
	   "the encoder's own embeddings start as a copy of shared");
	E[3] += 1.0f;
	al_t5_tensor *t = NULL;
	int nt = al_t5_tensors(m, &t, &e);
	int saw = 0;
	for (int i = 0; i < nt; i++) {
		if (strcmp(t[i].name, "vision_projection.weight") == 0)
			saw |= (t[i].cols == 5 && t[i].data == al_t5_vision_projection(m)) ? 1 : 0;
		if (strcmp(t[i].name, "encoder.embed_tokens.weight") == 0)
			saw |= t[i].data == E ? 2 : 0;
	}
	ok(saw == 3, "both listed where they lie");
	free(t);
	ok(al_t5_save(m, mp, &e) == 0, "save (%s)", e.msg);
	al_t5 *back = al_t5_load(mp, &e);
	ok(back && al_t5_cfg(back)->vision_dim == 5 &&
	   memcmp(al_t5_vision_projection(back), al_t5_vision_projection(m), sizeof(float) * 16 * 5) == 0 &&
	   al_t5_encoder_embeddings(back, &e)[3] == E[3], "and load back the same (%s)", e.msg);
	AD = al_adapter_full(m, &e);
	RUN = al_runner_new(m, &e);
	for (int i = 0; i < NX; i++) {
		memset(&X[i], 0, sizeof X[i]);
		X[i].n_in = 3, X[i].n_tgt = 2;
		X[i].input_ids = malloc(sizeof(int) * 3);
		X[i].target_ids = malloc(sizeof(int) * 2);
		for (int k = 0; k < 3; k++)
			X[i].input_ids[k] = 3 + i + k;
		X[i].target_ids[0] = 5 + i, X[i].target_ids[1] = 1;
	}
	check("full, with both apart", 2e-2);
	for (int i = 0; i < NX; i++)
		al_example_clear(&X[i]);
	al_runner_free(RUN);
	al_adapter_free(AD);
	al_t5_free(back);
	al_t5_free(pm);
	al_t5_free(m);
	unlink(pp);
	unlink(mp);
	return done_testing();
}
