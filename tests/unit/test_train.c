/* test_train.c: AdaLink over a small random backbone fits 64 random
 * examples; a resumed run continues exactly; a NaN stops a step and keeps
 * the adapter.
 *
 * Measured: on a random backbone, input-only adaptation plateaus (d 32:
 * loss 2.4 per token; d 64: 1.0; d 128: 0.23 after 500 steps) instead of
 * reaching zero as on a pre-trained one, so the test asks for a tenfold
 * drop from log(64), well past what a broken gradient could give. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/rng.h"
#include "tests/tap.h"
#include "trainer/train.h"

enum { NX = 64, TIN = 6, TOUT = 2, V = 64, D = 128, RANK = 64 };

static al_example xs[NX];

static al_adapter *fresh(int d, uint64_t seed)
{
	al_err e = {0};
	al_adapter *a = calloc(1, sizeof *a);
	al_module *m = al_adapter_add(a, NULL, "text", d, RANK, &e);
	al_rng r;
	al_rng_seed(&r, seed);
	for (int i = 0; i < d * RANK; i++)
		m->down[i] = (float)(al_rng_normal(&r) / sqrt(d));
	return a;
}

static double train(const al_t5 *m, al_adapter *a, long from, long to, const char *state,
		    const char *save, double *first)
{
	al_err e = {0};
	al_train_opts o;
	al_train_defaults(&o);
	o.optimizer = AL_ADAMW;
	o.lr = 1e-2;
	o.warmup = 10;
	o.decay = 0;
	o.micro = 32;
	al_trainer *t = al_trainer_new(m, a, &o, &e);
	if (state && al_trainer_load_state(t, state, &e) < 0)
		printf("# %s\n", e.msg);
	double loss = NAN;
	for (long s = from; s < to; s++) {
		if (al_trainer_step(t, xs, NX, &loss, &e) < 0) {
			printf("# %s\n", e.msg);
			break;
		}
		if (first && s == from)
			*first = loss;
	}
	if (save)
		al_trainer_save_state(t, save, &e);
	al_trainer_free(t);
	return loss;
}

int main(void)
{
	al_err e = {0};
	al_t5_config c;
	al_t5_config_parse(&c, "{\"vocab_size\": 64, \"d_model\": 128, \"d_kv\": 16, \"d_ff\": 128, "
			   "\"num_heads\": 4, \"num_layers\": 2, \"feed_forward_proj\": \"gated-gelu\", "
			   "\"tie_word_embeddings\": false}", "cfg", &e);
	al_t5 *m = al_t5_new(&c, 0, 11, &e);
	ok(m != NULL, "a tiny random backbone");
	al_rng r;
	al_rng_seed(&r, 3);
	for (int i = 0; i < NX; i++) {
		xs[i].input_ids = malloc(sizeof(int) * TIN);
		xs[i].target_ids = malloc(sizeof(int) * TOUT);
		xs[i].n_in = TIN;
		xs[i].n_tgt = TOUT;
		for (int k = 0; k < TIN; k++) xs[i].input_ids[k] = 2 + (int)al_rng_below(&r, V - 2);
		for (int k = 0; k < TOUT; k++) xs[i].target_ids[k] = 2 + (int)al_rng_below(&r, V - 2);
	}
	al_adapter *a = fresh(D, 5);
	double first = 0, last = train(m, a, 0, 300, NULL, NULL, &first);
	ok(first > 3.0, "the untrained loss is near log(64) = 4.16 (%.3f)", first);
	ok(last < 0.45, "after 300 steps AdaLink fits the 64 examples (loss %.4f, 10x below log 64)", last);
	al_adapter_free(a);

	/* resume: 20 steps at once equal 10 + 10 with the state saved between */
	char dir[] = "/tmp/al-test-train-XXXXXX", st[256], ad[256];
	mkdtemp(dir);
	snprintf(st, sizeof st, "%s/state.safetensors", dir);
	snprintf(ad, sizeof ad, "%s/adapter.safetensors", dir);
	al_adapter *x = fresh(D, 9), *y = fresh(D, 9);
	double lx = train(m, x, 0, 20, NULL, NULL, NULL);
	train(m, y, 0, 10, NULL, st, NULL);
	al_adapter_save(y, ad, 0, &e);
	al_adapter_free(y);
	y = al_adapter_load(ad, &e);
	double ly = train(m, y, 10, 20, st, NULL, NULL);
	ok(lx == ly && memcmp(x->mods[0].up, y->mods[0].up, sizeof(float) * RANK * D) == 0,
	   "a resumed run gives the same loss and parameters bit for bit (%.9g, %.9g)", lx, ly);
	al_adapter_free(x);

	/* NaN: a poisoned parameter stops the step, the adapter is kept */
	y->mods[0].up[0] = NAN;
	al_train_opts o;
	al_train_defaults(&o);
	al_trainer *t = al_trainer_new(m, y, &o, &e);
	double loss;
	ok(al_trainer_step(t, xs, 4, &loss, &e) == AL_ENUMERIC, "a NaN loss stops the step");
	has_str(e.msg, "NaN", "and says so (%s)", e.msg);
	is_int(al_trainer_steps(t), 0, "no step was taken");
	al_trainer_free(t);
	al_adapter_free(y);
	unlink(st);
	unlink(ad);
	rmdir(dir);
	for (int i = 0; i < NX; i++)
		al_example_clear(&xs[i]);
	al_t5_free(m);
	return done_testing();
}
