/* train_step.c: time the AdaLink training step (forward, backward to the
 * adapter) of DESIGN.md's geometry through libadalink; with "full" first,
 * the step that trains every weight (pretraining, full fine-tuning: the
 * backward computes every weight's gradient too).
 *   bench/train_step [full] [STEPS] [B Te Td]
 * Prints: seconds per step, GFLOP per step (matrix products), GFLOP/s. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/blas.h"
#include "lib/rng.h"
#include "lib/t5.h"
#include "trainer/adalink.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	al_blas_boot(argc, argv);
	int full = argc > 1 && strcmp(argv[1], "full") == 0;
	argc -= full;
	argv += full;
	int steps = argc > 1 ? atoi(argv[1]) : 3;
	int B = argc > 4 ? atoi(argv[2]) : 8, Te = argc > 4 ? atoi(argv[3]) : 128;
	int Td = argc > 4 ? atoi(argv[4]) : 32, R = 64;
	al_err e = {0};
	al_t5_config c;
	/* T5 1.1 small */
	al_t5_config_parse(&c, "{\"vocab_size\": 32128, \"d_model\": 512, \"d_kv\": 64, \"d_ff\": 1024, "
			   "\"num_heads\": 6, \"num_layers\": 8, \"num_decoder_layers\": 8, "
			   "\"feed_forward_proj\": \"gated-gelu\", \"tie_word_embeddings\": false}", "bench", &e);
	al_t5 *m = al_t5_new(&c, 0, 1, &e);
	if (!m) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 1;
	}
	/* the weights as the PyTorch reference draws them (t5_ref.weights):
	 * lm_head N(0, d^-1/2), not Hugging Face's N(0, 1) of adalink init,
	 * whose logits are d^1/2 times wider; both steps then see the same
	 * kind of model */
	al_t5_tensor *ts;
	int nt = al_t5_tensors(m, &ts, &e);
	for (int i = 0; i < nt; i++)
		if (strcmp(ts[i].name, "lm_head.weight") == 0)
			for (long k = 0; k < (long)ts[i].rows * ts[i].cols; k++)
				ts[i].data[k] *= (float)(1.0 / sqrt((double)c.d_model));
	if (nt > 0)
		free(ts);
	int C = c.d_model, N = B * Te, M = B * Td;
	al_adapter ad = {0};
	al_module *mod = al_adapter_add(&ad, NULL, "text", C, R, &e);
	al_rng r;
	al_rng_seed(&r, 2);
	for (int i = 0; i < C * R; i++) {
		mod->down[i] = (float)(0.05 * al_rng_normal(&r));
		mod->up[i] = (float)(0.05 * al_rng_normal(&r));
	}
	int *ids = malloc(sizeof *ids * N), *tg = malloc(sizeof *tg * M);
	for (int i = 0; i < N; i++) ids[i] = 2 + (int)al_rng_below(&r, 32000);
	for (int i = 0; i < M; i++) tg[i] = 2 + (int)al_rng_below(&r, 32000);
	float *raw = malloc(sizeof(float) * N * C), *enc = malloc(sizeof(float) * N * C);
	float *g = malloc(sizeof(float) * N * C), *z = malloc(sizeof(float) * N * R);
	float *h = malloc(sizeof(float) * N * R), *dz = malloc(sizeof(float) * N * R);
	al_t5_embed(m, ids, N, raw, &e);
	al_t5_acts *a = al_t5_acts_new(m, B, Te, Td, &e);
	al_t5 *grads = full ? al_t5_grads_new(m, &e) : NULL;
	if (!a || (full && (!grads || al_t5_acts_train(a, NULL, grads, m, &e) < 0))) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 1;
	}
	al_t5_batch b = {B, Te, Td, enc, NULL, tg};
	double best = 1e9, loss = 0;
	for (int s = 0; s < steps + 1; s++) {
		double t0 = now();
		if (full) {   /* every weight: the embeddings' gradient too */
			memcpy(enc, raw, sizeof(float) * N * C);
			loss = al_t5_forward(m, a, &b, NULL);
			al_t5_backward(m, a, g);
			al_t5_embed_backward(grads, ids, N, g);
		} else {
			al_module_forward(mod, AL_ACT_NONE, raw, enc, z, h, NULL, N);
			loss = al_t5_forward(m, a, &b, NULL);
			al_t5_backward(m, a, g);
			al_module_backward(mod, AL_ACT_NONE, raw, z, h, NULL, g, dz, N);
		}
		double t = now() - t0;
		if (s > 0 && t < best)   /* the first step warms up */
			best = t;
	}
	/* matrix-product FLOPs: forward 2mnk each; the backward of a frozen
	 * linear layer costs one product (input gradient only), attention
	 * four, the head one. */
	double L = c.enc_layers, Ld = c.dec_layers, HD = c.heads * c.d_kv, F = c.d_ff, V = c.vocab;
	double enc_lin = 2.0 * N * C * (4 * HD + 3 * F), enc_att = 2.0 * 2 * B * c.heads * Te * Te * c.d_kv;
	double dec_lin = 2.0 * M * C * (4 * HD + 3 * F) + 2.0 * M * C * 2 * HD + 2.0 * N * C * 2 * HD;
	double dec_att = 2.0 * 2 * B * c.heads * Td * Td * c.d_kv + 2.0 * 2 * B * c.heads * Td * Te * c.d_kv;
	double head = 2.0 * M * C * V, ada = 2.0 * 2 * N * C * R;
	double fwd = L * (enc_lin + enc_att) + Ld * (dec_lin + dec_att) + head + ada;
	double bwd = L * (enc_lin + 2 * enc_att) + Ld * (dec_lin + 2 * dec_att) + head + 2 * ada;
	if (full)   /* no module; every linear layer and the head a second product */
		bwd = L * (2 * enc_lin + 2 * enc_att) + Ld * (2 * dec_lin + 2 * dec_att) + 2 * head,
		fwd -= ada;
	double gf = (fwd + bwd) * 1e-9;
	printf("adalink%s\tcore %s\tthreads %d\tloss %.4f\t%.4f s/step\t%.1f GFLOP/step\t%.1f GFLOP/s\n",
	       full ? " full" : "", al_blas_core(), al_blas_threads(), loss / M, best, gf, gf / best);
	return 0;
}
