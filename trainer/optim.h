/* optim.h: optimizers and the learning-rate schedule.
 *
 * An optimizer updates a list of parameter tensors from their gradients,
 * keeping its state per tensor:
 *
 *     al_param ps[] = {{down, gdown, d, r}, {up, gup, r, d}};
 *     al_optim *o = al_optim_new(AL_ADAFACTOR, ps, 2, &e);
 *     for (step = 1; ...; step++) {
 *         ... gradients into gdown, gup ...
 *         al_clip_grad_norm(ps, 2, 1.0);
 *         al_optim_step(o, al_lr_at(&sched, step));
 *     }
 *
 * Adafactor (Shazeer and Stern 2018) as Hugging Face's Adafactor with
 * scale_parameter=False, relative_step=False, warmup_init=False, beta1
 * None, decay_rate -0.8, clip_threshold 1.0, eps1 1e-30 and the learning
 * rate given: second moments factored into row and column means for
 * matrices, the update divided by max(1, RMS(update) / 1.0).
 * AdamW as torch.optim.AdamW (decoupled weight decay, bias correction).
 */
#ifndef AL_OPTIM_H
#define AL_OPTIM_H

#include <stddef.h>

#include "lib/err.h"

typedef struct al_param {
	float *w, *g;   /* the parameter and its gradient */
	int rows, cols; /* a matrix; cols = 1 for a vector */
} al_param;

enum { AL_ADAFACTOR, AL_ADAMW };

typedef struct al_optim_opts {
	int kind;
	double beta1, beta2, eps, weight_decay;   /* AdamW */
	double decay_rate, clip_threshold, eps1;  /* Adafactor */
} al_optim_opts;

/* Defaults: AdamW (0.9, 0.999, 1e-8, 0.01), Adafactor (-0.8, 1.0, 1e-30). */
void al_optim_defaults(al_optim_opts *o, int kind);
int al_optim_parse(const char *name);   /* "adafactor" | "adamw", else -1 */

typedef struct al_optim al_optim;

al_optim *al_optim_new(const al_optim_opts *opts, const al_param *ps, int n, al_err *e);
void al_optim_free(al_optim *o);
/* One update with learning rate lr; counts steps from 1. */
void al_optim_step(al_optim *o, double lr);
long al_optim_steps(const al_optim *o);
/* The state as flat arrays, to save and restore a run exactly. */
size_t al_optim_state_size(const al_optim *o);
float *al_optim_state(al_optim *o);
void al_optim_set_steps(al_optim *o, long t);

/* Scale every gradient so that their global L2 norm is at most max_norm;
 * returns the norm before clipping. */
double al_clip_grad_norm(const al_param *ps, int n, double max_norm);

/* Linear warm-up, then a decay (t counts from 1, w = max(warmup, 1)):
 *   AL_DECAY_RSQRT   lr(t) = base min(t / w, sqrt(w / t))
 *   AL_DECAY_NONE    lr(t) = base min(t / w, 1)
 *   AL_DECAY_COSINE  base t / w, then base (1 + cos(pi (t - w) / (T - w))) / 2
 *                    down to 0 at the last step T = total (and after it) */
enum { AL_DECAY_NONE, AL_DECAY_RSQRT, AL_DECAY_COSINE };
typedef struct al_schedule {
	double base;
	long warmup;
	int decay;
	long total;           /* the cosine's last step */
} al_schedule;

double al_lr_at(const al_schedule *s, long t);

#endif
