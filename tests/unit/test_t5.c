/* test_t5.c: the T5 forward and backward against the PyTorch reference in
 * tests/ref/t5_ref.py (outputs in tests/data/t5), central finite
 * differences, and load errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/safetensors.h"
#include "lib/t5.h"
#include "tests/tap.h"

static char path[4096];
static const char *dp(const char *name, const char *ext)
{
	snprintf(path, sizeof path, "%s/t5/%s%s", tap_data(), name, ext);
	return path;
}

static float *get_f32(const al_st *st, const char *name, uint64_t *n)
{
	const al_st_tensor *t = al_st_find(st, name);
	if (!t)
		return NULL;
	*n = al_st_numel(t);
	float *v = malloc(*n * sizeof *v);
	al_st_read_f32(t, v, NULL);
	return v;
}

/* Largest |a - b| over max(|b|) (relative to the tensor's scale). */
static double rel(const float *a, const float *b, uint64_t n)
{
	double mx = 0, err = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (fabs(b[i]) > mx) mx = fabs(b[i]);
		if (fabs(a[i] - b[i]) > err) err = fabs(a[i] - b[i]);
	}
	return err / (mx > 0 ? mx : 1);
}

static void check(const char *name, float fd)
{
	al_err e = {0};
	al_t5 *m = al_t5_load(dp(name, ".safetensors"), &e);
	ok(m != NULL, "%s: loads (%s)", name, e.msg);
	al_st *ref = al_st_open(dp(name, ".ref.safetensors"), &e);
	ok(ref != NULL, "%s: reference opens (%s)", name, e.msg);
	if (!m || !ref)
		return;
	const al_t5_config *c = al_t5_cfg(m);
	const al_st_tensor *tt = al_st_find(ref, "targets"), *ti = al_st_find(ref, "ids");
	int B = (int)tt->shape[0], Td = (int)tt->shape[1], Te = (int)ti->shape[1];
	int *targets = malloc(sizeof *targets * B * Td), *ids = malloc(sizeof *ids * B * Te);
	for (int i = 0; i < B * Td; i++) {
		int64_t v;
		memcpy(&v, (const char *)tt->data + 8 * i, 8);
		targets[i] = (int)v;
	}
	for (int i = 0; i < B * Te; i++) {
		int64_t v;
		memcpy(&v, (const char *)ti->data + 8 * i, 8);
		ids[i] = (int)v;
	}
	uint64_t n = 0;
	float *embeds = get_f32(ref, "embeds", &n), *mask = get_f32(ref, "mask", &n);
	float *logits = get_f32(ref, "logits", &n), *lps = get_f32(ref, "logprobs", &n);
	float *nll = get_f32(ref, "nll", &n), *grad = get_f32(ref, "grad", &n);
	float *mine = malloc(sizeof *mine * B * Te * c->d_model);
	ok(al_t5_embed(m, ids, B * Te, mine, &e) == 0 &&
	   rel(mine, embeds, (uint64_t)B * Te * c->d_model) == 0, "%s: embedding lookup equals the reference", name);

	al_t5_acts *a = al_t5_acts_new(m, B, Te, Td, &e);
	al_t5_batch b = {B, Te, Td, embeds, mask, targets};
	float *lp = malloc(sizeof *lp * B * Td);
	double got = al_t5_forward(m, a, &b, lp);
	double r = rel(al_t5_logits(a), logits, (uint64_t)B * Td * c->vocab);
	ok(r < 1e-4, "%s: logits within 1e-4 of the reference (%.2g)", name, r);
	r = rel(lp, lps, (uint64_t)B * Td);
	ok(r < 1e-4, "%s: log-probs within 1e-4 (%.2g)", name, r);
	is_dbl(got, nll[0], 1e-4, "%s: nll %.6f", name, got);
	ok(lp[1 * Td + Td - 1] == 0, "%s: the ignored target has log-prob 0", name);

	float *d = malloc(sizeof *d * B * Te * c->d_model);
	al_t5_backward(m, a, d);
	r = rel(d, grad, (uint64_t)B * Te * c->d_model);
	ok(r < 1e-3, "%s: d nll / d embeds within 1e-3 of autograd (%.2g)", name, r);
	double padded = 0;
	for (int i = Te - 2; i < Te; i++)
		for (int k = 0; k < c->d_model; k++)
			padded += fabs(d[(1 * Te + i) * c->d_model + k]);
	ok(padded == 0, "%s: padded positions get no gradient", name);

	if (fd) {  /* central differences at a few coordinates */
		double worst = 0, scale = 0;
		for (int i = 0; i < B * Te * c->d_model; i++)
			if (fabs(d[i]) > scale) scale = fabs(d[i]);
		float *x = malloc(sizeof *x * B * Te * c->d_model);
		memcpy(x, embeds, sizeof *x * B * Te * c->d_model);
		b.embeds = x;
		for (int k = 0; k < 24; k++) {
			int i = (k * 37 + 5) % (B * Te * c->d_model);
			float x0 = x[i], h = fd;
			x[i] = x0 + h;
			double lp1 = al_t5_forward(m, a, &b, NULL);
			x[i] = x0 - h;
			double lm1 = al_t5_forward(m, a, &b, NULL);
			x[i] = x0;
			double fdv = (lp1 - lm1) / (2 * h);
			if (fabs(fdv - d[i]) / scale > worst) worst = fabs(fdv - d[i]) / scale;
		}
		ok(worst < 1e-3, "%s: gradient within 1e-3 of central differences (%.2g)", name, worst);
		free(x);
	}
	/* incremental decoding with the cache gives the full forward's logits */
	for (int bi = 0; bi < B; bi++) {
		al_t5_enc *en = al_t5_enc_new(m, embeds + (size_t)bi * Te * c->d_model, mask + bi * Te, Te, &e);
		al_t5_dec *dec = en ? al_t5_dec_new(en, Td, &e) : NULL;
		float *lg = malloc(sizeof *lg * c->vocab);
		double worst = 0;
		int steps = 0;
		for (int t = 0; dec && t < Td; t++) {
			int tok = t == 0 ? 0 : targets[bi * Td + t - 1];
			if (tok < 0)
				break;
			steps += al_t5_dec_step(dec, tok, lg) == t + 1;
			double r2 = rel(lg, logits + ((size_t)bi * Td + t) * c->vocab, c->vocab);
			if (r2 > worst) worst = r2;
		}
		ok(steps >= Td - 1 && worst < 1e-4, "%s: cached decoding of example %d matches the "
		   "full forward (%d steps, %.2g)", name, bi, steps, worst);
		ok(!dec || al_t5_dec_step(dec, 1, lg) == -1 || steps < Td, "%s: stepping past max_len is refused", name);
		free(lg);
		al_t5_dec_free(dec);
		al_t5_enc_free(en);
	}
	al_t5_acts_free(a);
	al_t5_free(m);
	al_st_free(ref);
	free(targets); free(ids); free(embeds); free(mask); free(logits); free(lps);
	free(nll); free(grad); free(mine); free(lp); free(d);
}

/* The same weights as a Hugging Face folder: config.json with
 * model.safetensors, and config.json with two shards and an index. */
static double nll_of(const char *ckpt, al_err *e)
{
	al_t5 *m = al_t5_load(ckpt, e);
	if (!m)
		return NAN;
	al_st *ref = al_st_open(dp("t5-1.1", ".ref.safetensors"), e);
	uint64_t n = 0;
	float *embeds = get_f32(ref, "embeds", &n), *mask = get_f32(ref, "mask", &n);
	const al_st_tensor *tt = al_st_find(ref, "targets");
	int B = (int)tt->shape[0], Td = (int)tt->shape[1], Te = (int)(n / B);
	int *targets = malloc(sizeof *targets * B * Td);
	for (int i = 0; i < B * Td; i++) {
		int64_t v;
		memcpy(&v, (const char *)tt->data + 8 * i, 8);
		targets[i] = (int)v;
	}
	al_t5_acts *a = al_t5_acts_new(m, B, Te, Td, e);
	al_t5_batch b = {B, Te, Td, embeds, mask, targets};
	double v = al_t5_forward(m, a, &b, NULL);
	al_t5_acts_free(a);
	al_t5_free(m);
	al_st_free(ref);
	free(embeds); free(mask); free(targets);
	return v;
}

static void test_folders(void)
{
	al_err e = {0};
	char dir[] = "/tmp/al-test-t5-XXXXXX", p[512];
	ok(mkdtemp(dir) != NULL, "temporary folder");
	al_st *st = al_st_open(dp("t5-1.1", ".safetensors"), &e);
	double want = nll_of(dp("t5-1.1", ".safetensors"), &e);
	for (int sharded = 0; sharded < 2; sharded++) {
		snprintf(p, sizeof p, "%s/m%d", dir, sharded);
		mkdir(p, 0777);
		snprintf(p, sizeof p, "%s/m%d/config.json", dir, sharded);
		FILE *f = fopen(p, "w");
		fputs(al_st_meta_get(st, "config"), f);
		fclose(f);
		al_st_writer *w[2];
		FILE *idx = NULL;
		if (sharded) {
			snprintf(p, sizeof p, "%s/m1/model.safetensors.index.json", dir);
			idx = fopen(p, "w");
			fputs("{\"metadata\": {}, \"weight_map\": {", idx);
		}
		for (int k = 0; k < 1 + sharded; k++) {
			snprintf(p, sizeof p, sharded ? "%s/m1/model-0000%d-of-00002.safetensors"
				 : "%s/m0/model.safetensors", dir, k + 1);
			w[k] = al_st_writer_new(p, &e);
		}
		for (size_t i = 0; i < al_st_count(st); i++) {
			const al_st_tensor *t = al_st_tensor_at(st, i);
			int k = sharded ? (int)(i % 2) : 0;
			al_st_writer_add(w[k], t->name, t->dtype, t->ndim, t->shape, t->data, &e);
			if (idx)
				fprintf(idx, "%s\"%s\": \"model-0000%d-of-00002.safetensors\"",
					i ? ", " : "", t->name, k + 1);
		}
		for (int k = 0; k < 1 + sharded; k++) {
			al_st_writer_commit(w[k], &e);
			al_st_writer_free(w[k]);
		}
		if (idx) {
			fputs("}}", idx);
			fclose(idx);
		}
		snprintf(p, sizeof p, "%s/m%d", dir, sharded);
		double got = nll_of(p, &e);
		is_dbl(got, want, 1e-7, "a model folder%s gives the same nll (%s)",
		       sharded ? " with two shards and an index" : "", e.msg);
	}
	snprintf(p, sizeof p, "%s/m0/model.safetensors", dir);
	al_st_writer *w = al_st_writer_new(p, &e);   /* drop one tensor */
	for (size_t i = 1; i < al_st_count(st); i++) {
		const al_st_tensor *t = al_st_tensor_at(st, i);
		al_st_writer_add(w, t->name, t->dtype, t->ndim, t->shape, t->data, &e);
	}
	al_st_writer_commit(w, &e);
	al_st_writer_free(w);
	snprintf(p, sizeof p, "%s/m0", dir);
	ok(al_t5_load(p, &e) == NULL, "a checkpoint missing a tensor is refused");
	has_str(e.msg, "is missing", "naming the tensor (%s)", e.msg);
	al_st_free(st);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
}

/* al_t5_new: deterministic, saved and loaded back unchanged. */
static void test_new_save(void)
{
	al_err e = {0};
	al_t5_config c;
	char *j;
	ok(al_t5_config_parse(&c, "{\"vocab_size\": 50, \"d_model\": 16, \"d_kv\": 4, "
			      "\"d_ff\": 24, \"num_heads\": 2, \"num_layers\": 1, "
			      "\"num_decoder_layers\": 2, \"feed_forward_proj\": \"gated-gelu\", "
			      "\"tie_word_embeddings\": false}", "cfg", &e) == 0, "parse a small config");
	al_t5 *a = al_t5_new(&c, 6, 42, &e), *b = al_t5_new(&c, 6, 42, &e), *d = al_t5_new(&c, 6, 43, &e);
	ok(a && b && d, "al_t5_new (%s)", e.msg);
	size_t np = al_t5_nparams(a);
	/* C 16, H D 8, F 24, V 50, 32 buckets: embeddings and head 2 x 50 x 16,
	 * two bias tables 2 x 32 x 2, two final norms, the projection 16 x 6;
	 * an encoder layer: 2 norms, q k v o 4 x 8 x 16, wi_0 wi_1 wo 3 x 24 x 16;
	 * a decoder layer adds a norm and the cross-attention's 4 x 8 x 16. */
	size_t enc_layer = 2 * 16 + 4 * 8 * 16 + 3 * 24 * 16, dec_layer = enc_layer + 16 + 4 * 8 * 16;
	ok(np == 2 * 50 * 16 + 2 * 32 * 2 + 2 * 16 + 16 * 6 + enc_layer + 2 * dec_layer,
	   "parameter count as the geometry says (%zu)", np);
	ok(memcmp(al_t5_shared(a), al_t5_shared(b), sizeof(float) * 50 * 16) == 0, "the same seed gives the same weights");
	ok(memcmp(al_t5_shared(a), al_t5_shared(d), sizeof(float) * 50 * 16) != 0, "another seed does not");
	char dir[] = "/tmp/al-test-t5new-XXXXXX", p[256];
	mkdtemp(dir);
	snprintf(p, sizeof p, "%s/m.safetensors", dir);
	ok(al_t5_save(a, p, &e) == 0, "save (%s)", e.msg);
	al_t5 *l = al_t5_load(p, &e);
	ok(l != NULL, "the saved checkpoint loads (%s)", e.msg);
	if (l) {
		const al_t5_config *lc = al_t5_cfg(l);
		ok(lc->d_model == 16 && lc->dec_layers == 2 && lc->gated && !lc->tied && lc->vision_dim == 6,
		   "with its config and vision projection");
		ok(al_t5_nparams(l) == np, "and every parameter");
		ok(memcmp(al_t5_vision_projection(l), al_t5_vision_projection(a), sizeof(float) * 16 * 6) == 0,
		   "values round-trip");
	}
	j = al_t5_config_json(&c);
	al_t5_config c2;
	ok(j && al_t5_config_parse(&c2, j, "json", &e) == 0 && memcmp(&c, &c2, sizeof c) == 0,
	   "config JSON round-trips");
	free(j);
	al_t5_free(a); al_t5_free(b); al_t5_free(d); al_t5_free(l);
	unlink(p);
	rmdir(dir);
}

int main(void)
{
	test_new_save();
	test_folders();
	check("t5-1.0", 5e-3f);   /* ReLU: kinks above, float noise below */
	check("t5-1.1", 1e-2f);
	check("t5-1.1-deep", 0);
	check("t5-1.1-bf16", 0);

	al_err e = {0};
	ok(al_t5_load(dp("t5-1.1", ".ref.safetensors"), &e) == NULL, "a file without a config is refused");
	has_str(e.msg, "no \"config\" in its __metadata__", "saying what is missing");
	al_t5_config c;
	ok(al_t5_config_parse(&c, "{\"feed_forward_proj\": \"swish\"}", "cfg", &e) < 0, "an unknown feed-forward is refused");
	has_str(e.msg, "\"swish\" is not supported", "and named");
	ok(al_t5_config_parse(&c, "{\"d_model\": -4}", "cfg", &e) < 0, "a negative size is refused");
	ok(al_t5_config_parse(&c, "{}", "cfg", &e) == 0 && c.d_model == 512 && c.heads == 8 &&
	   !c.gated && c.tied && c.dec_layers == 6, "defaults are T5's (t5-small)");
	ok(al_t5_config_parse(&c, "{\"num_layers\": 3, \"feed_forward_proj\": \"gated-gelu\", "
			      "\"tie_word_embeddings\": false}", "cfg", &e) == 0 &&
	   c.dec_layers == 3 && c.gated && !c.tied, "num_decoder_layers defaults to num_layers");
	return done_testing();
}
