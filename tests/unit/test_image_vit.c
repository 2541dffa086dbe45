/* test_image_vit.c: ViT config parsing, the initialised checkpoints
 * (geometry, statistics, determinism), shape checks, and properties of the
 * forward.  Agreement with a python3-torch forward is in tests/cli/patches.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/safetensors.h"
#include "lib/vit.h"
#include "tests/tap.h"

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	while (same) {
		int ca = getc(fa), cb = getc(fb);
		same = ca == cb;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

int main(void)
{
	al_err e = {0};
	al_vit_config c;
	is_int(al_vit_config_parse(&c, "{\"hidden_size\": 64, \"num_hidden_layers\": 2, "
				   "\"num_attention_heads\": 4, \"intermediate_size\": 128, "
				   "\"image_size\": 224, \"patch_size\": 14}", "x", &e), 0, "a config parses");
	ok(c.hidden == 64 && c.layers == 2 && c.heads == 4 && c.inter == 128 && c.image == 224 &&
	   c.patch == 14 && c.eps == 1e-12f && !c.gelu_tanh, "with Hugging Face's defaults (eps 1e-12, gelu)");
	is_int(al_vit_config_parse(&c, "{\"hidden_size\": 64}", "cfg.json", &e), AL_EFORMAT, "a missing key");
	is_str(e.msg, "'cfg.json': config: no \"num_hidden_layers\"", "is named");
	is_int(al_vit_config_parse(&c, "{\"hidden_size\": 64, \"num_hidden_layers\": 2, "
				   "\"num_attention_heads\": 5, \"intermediate_size\": 128, "
				   "\"image_size\": 224, \"patch_size\": 14}", "x", &e), AL_EFORMAT,
	       "5 heads do not divide 64");
	is_int(al_vit_config_parse(&c, "{\"hidden_size\": 64, \"num_hidden_layers\": 2, "
				   "\"num_attention_heads\": 4, \"intermediate_size\": 128, "
				   "\"image_size\": 224, \"patch_size\": 14, \"hidden_act\": \"swish\"}",
				   "x", &e), AL_EFORMAT, "an unknown activation");
	has_str(e.msg, "swish", "is named");

	char dir[] = "/tmp/al-test-vit-XXXXXX", a[64], b[64], d[64], bad[64];
	ok(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(a, sizeof a, "%s/a.safetensors", dir);
	snprintf(b, sizeof b, "%s/b.safetensors", dir);
	snprintf(d, sizeof d, "%s/d.safetensors", dir);
	snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
	is_int(al_vit_init_write(a, "vit-tiny", 7, &e), 0, "init vit-tiny");
	is_int(al_vit_init_write(b, "vit-tiny", 7, &e), 0, "again, same seed");
	is_int(al_vit_init_write(d, "vit-tiny", 8, &e), 0, "another seed");
	ok(same_file(a, b), "the same seed gives the same bytes");
	ok(!same_file(a, d), "another seed other bytes");
	is_int(al_vit_init_write(d, "vit-huge", 1, &e), AL_EINVAL, "an unknown geometry");

	al_st *st = al_st_open(a, &e);
	ok(st != NULL, "the checkpoint is sound safetensors");
	if (st) {
		is_int(al_st_count(st), 4 + 16 * 12 + 2, "198 tensors");
		const al_st_tensor *t = al_st_find(st, "vit.embeddings.patch_embeddings.projection.weight");
		ok(t && t->ndim == 4 && t->shape[0] == 192 && t->shape[1] == 3 && t->shape[2] == 16 &&
		   t->shape[3] == 16, "projection.weight [192,3,16,16]");
		t = al_st_find(st, "vit.encoder.layer.11.intermediate.dense.weight");
		ok(t && t->shape[0] == 768 && t->shape[1] == 192, "layer 11 intermediate [768,192]");
		t = al_st_find(st, "vit.embeddings.position_embeddings");
		ok(t && t->shape[1] == 197, "197 positions (196 patches and the class token)");
		/* Weights: normal(0, 0.02) truncated at 2 std.  Truncation at 2
		 * std leaves a std of 0.02 * 0.8796 = 0.01759. */
		t = al_st_find(st, "vit.encoder.layer.0.attention.attention.query.weight");
		float *w = malloc(192 * 192 * sizeof *w);
		al_st_read_f32(t, w, &e);
		double s = 0, s2 = 0, mx = 0;
		for (int i = 0; i < 192 * 192; i++) {
			s += w[i];
			s2 += (double)w[i] * w[i];
			mx = fabs(w[i]) > mx ? fabs(w[i]) : mx;
		}
		double mean = s / (192 * 192), sd = sqrt(s2 / (192 * 192) - mean * mean);
		ok(fabs(mean) < 5e-4, "query weights have mean ~0 (%.2g)", mean);
		is_dbl(sd, 0.02 * 0.8796, 0.02, "and std 0.0176 (truncated normal)");
		ok(mx <= 0.04f, "and none beyond 2 std (max %.4f)", mx);
		free(w);
		has_str(al_st_meta_get(st, "config"), "\"hidden_size\": 192", "the config is in the metadata");
		al_st_free(st);
	}

	al_vit *v = al_vit_load(a, &e);
	ok(v != NULL, "load vit-tiny");
	if (v) {
		is_int(al_vit_patches(v), 196, "196 patches");
		int n = 196, k = 16 * 16 * 3, D = 192;
		float *p = malloc((size_t)n * k * sizeof *p), *o = malloc((size_t)n * D * sizeof *o);
		uint32_t s = 1;
		for (int i = 0; i < n * k; i++) {
			s = s * 1664525u + 1013904223u;
			p[i] = (float)(s >> 8) / (1 << 24) * 2 - 1;
		}
		is_int(al_vit_forward(v, p, o, &e), 0, "forward");
		/* The final layernorm has weight 1 and bias 0 here: every row
		 * has mean 0 and variance 1. */
		double worst_m = 0, worst_v = 0;
		for (int r = 0; r < n; r++) {
			double m = 0, q = 0;
			for (int j = 0; j < D; j++)
				m += o[r * D + j];
			m /= D;
			for (int j = 0; j < D; j++)
				q += (o[r * D + j] - m) * (o[r * D + j] - m);
			q /= D;
			worst_m = fabs(m) > worst_m ? fabs(m) : worst_m;
			worst_v = fabs(q - 1) > worst_v ? fabs(q - 1) : worst_v;
		}
		ok(worst_m < 1e-5 && worst_v < 1e-4, "rows have mean 0 and variance 1 (%.2g, %.2g)",
		   worst_m, worst_v);
		/* Patches are independent inputs: changing patch 5 changes the
		 * outputs of others only through attention, and changes row 5. */
		float *o2 = malloc((size_t)n * D * sizeof *o2);
		p[5 * k] += 1.0f;
		al_vit_forward(v, p, o2, &e);
		double d5 = 0;
		for (int j = 0; j < D; j++)
			d5 += fabs(o2[5 * D + j] - o[5 * D + j]);
		ok(d5 > 1e-3, "a change in patch 5 moves row 5");
		free(o2);
		free(p);
		free(o);
		al_vit_free(v);
	}

	/* Wrong shapes and missing tensors are named. */
	al_st_writer *w = al_st_writer_new(bad, &e);
	al_st_writer_meta(w, "config", "{\"hidden_size\": 8, \"num_hidden_layers\": 1, "
			  "\"num_attention_heads\": 2, \"intermediate_size\": 16, "
			  "\"image_size\": 4, \"patch_size\": 2}", &e);
	static float zeros[8 * 8];
	uint64_t s_cls[3] = {1, 1, 8}, s_pos[3] = {1, 4, 8};
	al_st_writer_add(w, "embeddings.cls_token", AL_F32, 3, s_cls, zeros, &e);
	al_st_writer_add(w, "embeddings.position_embeddings", AL_F32, 3, s_pos, zeros, &e);
	is_int(al_st_writer_commit(w, &e), 0, "write a checkpoint with 4 positions for 2x2 patches");
	al_st_writer_free(w);
	ok(al_vit_load(bad, &e) == NULL, "it does not load");
	has_str(e.msg, "tensor 'embeddings.position_embeddings' has shape [1,4,8], expected [1,5,8]",
		"the message names the tensor, its shape and the shape expected");
	w = al_st_writer_new(bad, &e);
	al_st_writer_meta(w, "config", "{\"hidden_size\": 8, \"num_hidden_layers\": 1, "
			  "\"num_attention_heads\": 2, \"intermediate_size\": 16, "
			  "\"image_size\": 2, \"patch_size\": 2}", &e);
	uint64_t s_pos2[3] = {1, 2, 8};
	al_st_writer_add(w, "embeddings.cls_token", AL_F32, 3, s_cls, zeros, &e);
	al_st_writer_add(w, "embeddings.position_embeddings", AL_F32, 3, s_pos2, zeros, &e);
	al_st_writer_commit(w, &e);
	al_st_writer_free(w);
	ok(al_vit_load(bad, &e) == NULL, "a checkpoint without the projection");
	has_str(e.msg, "no tensor 'embeddings.patch_embeddings.projection.weight'", "names what is missing");
	ok(al_vit_load("/nonexistent/vit", &e) == NULL && e.code == AL_EIO, "a missing path is AL_EIO");
	unlink(a);
	unlink(b);
	unlink(d);
	unlink(bad);
	rmdir(dir);
	return done_testing();
}
