/* test_adalink.c: AdaLink modules: hand-worked forward, backward against
 * finite differences for each activation, adapter files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/safetensors.h"
#include "tests/tap.h"
#include "trainer/adalink.h"

enum { N = 3, d = 5, r = 2 };
static al_module *M;
static int ACT;
static float E[N * d], G[N * d];
static const float *MASK;   /* dropout mask of the loss, or NULL */

static double loss(void)
{
	float out[N * d], z[N * r], h[N * r];
	al_module_forward(M, ACT, E, out, z, h, MASK, N);
	double s = 0;
	for (int i = 0; i < N * d; i++) s += (double)out[i] * G[i];
	return s;
}

static double fd_worst(float *p, const float *g, int n)
{
	double worst = 0, scale = 1e-3;
	for (int i = 0; i < n; i++) if (fabs(g[i]) > scale) scale = fabs(g[i]);
	for (int i = 0; i < n; i++) {
		float x0 = p[i], h = 1e-2f;
		p[i] = x0 + h; double a = loss();
		p[i] = x0 - h; double b = loss();
		p[i] = x0;
		double err = fabs((a - b) / (2 * h) - g[i]) / scale;
		if (err > worst) worst = err;
	}
	return worst;
}

int main(void)
{
	al_err e = {0};
	al_adapter *a = calloc(1, sizeof *a);
	M = al_adapter_add(a, NULL, "text", d, r, &e);
	ok(M != NULL, "add a text module");
	/* hand-worked: up = 0 leaves E unchanged */
	unsigned s = 3;
	for (int i = 0; i < N * d; i++) { s = s * 1103515245u + 12345u; E[i] = (float)((s >> 8) & 0xff) / 64 - 2; }
	for (int i = 0; i < d * r; i++) M->down[i] = (float)(i % 3) - 1;
	float out[N * d], z[N * r], h[N * r], dz[N * r];
	al_module_forward(M, AL_ACT_NONE, E, out, z, h, NULL, N);
	ok(memcmp(out, E, sizeof E) == 0, "W_up = 0: the embeddings pass unchanged");
	/* hand-worked with d=5, r=2: out = E + (E down) up */
	for (int i = 0; i < r * d; i++) M->up[i] = 0.5f * (float)((i % 4) - 1);
	al_module_forward(M, AL_ACT_NONE, E, out, z, h, NULL, N);
	double want = E[1 * d + 2];
	for (int k = 0; k < r; k++) {
		double zz = 0;
		for (int j = 0; j < d; j++) zz += (double)E[1 * d + j] * M->down[j * r + k];
		want += zz * M->up[k * d + 2];
	}
	is_dbl(out[1 * d + 2], want, 1e-6, "E' = E + (E W_down) W_up");

	for (ACT = 0; ACT < 3; ACT++) {
		for (int i = 0; i < N * d; i++) { s = s * 1103515245u + 12345u; G[i] = (float)((s >> 8) & 0xff) / 128 - 1; }
		al_adapter_zero_grad(a);
		al_module_forward(M, ACT, E, out, z, h, NULL, N);
		al_module_backward(M, ACT, E, z, h, NULL, G, dz, N);
		ok(fd_worst(M->down, M->gdown, d * r) < 2e-3, "%s: d W_down matches finite differences", al_act_name(ACT));
		ok(fd_worst(M->up, M->gup, r * d) < 2e-3, "%s: d W_up matches finite differences", al_act_name(ACT));
	}

	al_adapter_add(a, "rte", "text", d, r, &e);
	al_adapter_add(a, NULL, "image", d, r, &e);
	/* dropout: a fixed mask of zeros and 1/(1-p) scales the hidden units,
	 * forward and backward alike */
	static float mask[N * r];
	for (int i = 0; i < N * r; i++)
		mask[i] = i % 3 == 0 ? 0.0f : 1.0f / 0.9f;
	MASK = mask;
	for (ACT = 0; ACT < 3; ACT++) {
		al_adapter_zero_grad(a);
		al_module_forward(&a->mods[0], ACT, E, out, z, h, mask, N);
		int dropped = 1;
		for (int i = 0; i < N * r; i += 3)
			dropped &= h[i] == 0;
		ok(dropped, "%s: masked hidden units are zero", al_act_name(ACT));
		M = &a->mods[0];
		al_module_backward(M, ACT, E, z, h, mask, G, dz, N);
		ok(fd_worst(M->down, M->gdown, d * r) < 2e-3 && fd_worst(M->up, M->gup, r * d) < 2e-3,
		   "%s with dropout: gradients match finite differences of the masked loss",
		   al_act_name(ACT));
	}
	MASK = NULL;
	al_module *t = &a->mods[1];   /* pointers from _add last until the next _add */
	ok(al_adapter_find(a, "rte", "text") == t, "a task's own module is found");
	ok(al_adapter_find(a, "cola", "text") == &a->mods[0], "another task falls back to the shared module");
	ok(al_adapter_find(a, NULL, "image") == &a->mods[2], "the image module");
	al_adapter *none = calloc(1, sizeof *none);
	ok(al_adapter_find(none, NULL, "image") == NULL, "no module: NULL");
	al_adapter_free(none);

	char dir[] = "/tmp/al-test-ad-XXXXXX", p[256];
	mkdtemp(dir);
	snprintf(p, sizeof p, "%s/a.safetensors", dir);
	a->config = strdup("{\"method\": \"adalink\", \"rank\": 2, \"activation\": \"relu\"}");
	a->act = AL_ACT_RELU;
	ok(al_adapter_save(a, p, 0, &e) == 0, "save (%s)", e.msg);
	al_adapter *b = al_adapter_load(p, &e);
	ok(b && b->nmods == 3 && b->act == AL_ACT_RELU && b->mods[0].r == r, "load: 3 modules, relu, rank 2");
	al_module *bt = b ? al_adapter_find(b, "rte", "text") : NULL;
	ok(bt && memcmp(bt->down, t->down, sizeof(float) * d * r) == 0, "the per-task module round-trips");
	al_adapter_free(b);
	al_st *st = al_st_open(p, &e);
	ok(st && al_st_find(st, "adalink.rte.text.down") && al_st_find(st, "adalink.image.up"),
	   "tensor names adalink.rte.text.down, adalink.image.up");
	al_st_free(st);

	/* bad files */
	float x[d * r] = {0};
	uint64_t sh[2] = {d, r}, shu[2] = {r, d + 1};
	al_st_writer *w = al_st_writer_new(p, &e);
	al_st_writer_add(w, "adalink.text.down", AL_F32, 2, sh, x, &e);
	al_st_writer_commit(w, &e); al_st_writer_free(w);
	ok(al_adapter_load(p, &e) == NULL, "a down without its up is refused");
	has_str(e.msg, "needs a matching 'adalink.text.up'", "naming the missing tensor");
	w = al_st_writer_new(p, &e);
	al_st_writer_add(w, "adalink.text.down", AL_F32, 2, sh, x, &e);
	float xu[r * (d + 1)] = {0};
	al_st_writer_add(w, "adalink.text.up", AL_F32, 2, shu, xu, &e);
	al_st_writer_commit(w, &e); al_st_writer_free(w);
	ok(al_adapter_load(p, &e) == NULL, "mismatched shapes are refused");
	w = al_st_writer_new(p, &e);
	al_st_writer_add(w, "lora.q.A", AL_F32, 2, sh, x, &e);
	al_st_writer_commit(w, &e); al_st_writer_free(w);
	ok(al_adapter_load(p, &e) == NULL, "a foreign tensor is refused");
	has_str(e.msg, "is not an AdaLink tensor", "saying so");
	unlink(p);
	rmdir(dir);
	al_adapter_free(a);
	return done_testing();
}
