/* test_optim.c: Adafactor and AdamW trajectories against the references
 * of tests/ref/optim_ref.py (AdamW: torch.optim.AdamW), clipping and the
 * schedule by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/safetensors.h"
#include "tests/tap.h"
#include "trainer/optim.h"

static al_st *ref;

static void get(const char *name, float *out)
{
	const al_st_tensor *t = al_st_find(ref, name);
	if (t)
		al_st_read_f32(t, out, NULL);
	else
		printf("# missing %s\n", name);
}

static void run(int kind, const char *name)
{
	static const int R[3] = {6, 4, 3}, C[3] = {5, 7, 1};
	float w[3][64], g[3][64], want[64];
	al_param ps[3];
	for (int i = 0; i < 3; i++) {
		char n[32];
		snprintf(n, sizeof n, "p%d", i);
		get(n, w[i]);
		ps[i] = (al_param){w[i], g[i], R[i], C[i]};
	}
	al_optim_opts o;
	al_optim_defaults(&o, kind);
	al_err e = {0};
	al_optim *opt = al_optim_new(&o, ps, 3, &e);
	al_schedule s = {0.01, 3, 1};
	double worst = 0;
	for (int step = 1; step <= 6; step++) {
		for (int i = 0; i < 3; i++) {
			char n[32];
			snprintf(n, sizeof n, "g%d_%d", step, i);
			get(n, g[i]);
		}
		al_clip_grad_norm(ps, 3, 1.0);
		al_optim_step(opt, al_lr_at(&s, step));
		for (int i = 0; i < 3; i++) {
			char n[32];
			snprintf(n, sizeof n, "%s%d_%d", name, step, i);
			get(n, want);
			for (int k = 0; k < R[i] * C[i]; k++) {
				double err = fabs(w[i][k] - want[k]) / (fabs(want[k]) > 1 ? fabs(want[k]) : 1);
				if (err > worst) worst = err;
			}
		}
	}
	ok(worst < 1e-5, "%s: 6 steps within 1e-5 of the reference (%.2g)", name, worst);
	is_int(al_optim_steps(opt), 6, "%s counts its steps", name);
	al_optim_free(opt);
}

int main(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/optim/optim.ref.safetensors", tap_data());
	al_err e = {0};
	ref = al_st_open(path, &e);
	ok(ref != NULL, "reference opens (%s)", e.msg);
	if (!ref)
		return done_testing();
	run(AL_ADAFACTOR, "adafactor");
	run(AL_ADAMW, "adamw");
	al_st_free(ref);

	al_schedule s = {1.0, 4, 1};
	is_dbl(al_lr_at(&s, 1), 0.25, 1e-12, "warm-up: t=1 of 4 gives base/4");
	is_dbl(al_lr_at(&s, 4), 1.0, 1e-12, "t=4 gives base");
	is_dbl(al_lr_at(&s, 16), 0.5, 1e-12, "t=16 gives base sqrt(4/16)");
	s.decay = 0;
	is_dbl(al_lr_at(&s, 100), 1.0, 1e-12, "without decay base stays");
	float g1[2] = {3, 4}, w1[2] = {0, 0};
	al_param p = {w1, g1, 2, 1};
	is_dbl(al_clip_grad_norm(&p, 1, 1.0), 5.0, 1e-12, "clip returns the norm before");
	is_dbl(g1[0], 0.6, 1e-6, "and scales to norm 1");
	is_int(al_optim_parse("adamw"), AL_ADAMW, "names parse");
	is_int(al_optim_parse("sgd"), -1, "unknown names do not");
	return done_testing();
}
