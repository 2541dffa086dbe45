/* train.h: the AdaLink training step: micro-batches through the frozen
 * backbone, gradients averaged over target tokens, clipping, the optimizer
 * and the schedule; exact save and resume of the optimizer state.
 *
 *     al_trainer *t = al_trainer_new(model, adapter, &opts, &e);
 *     while (al_trainer_steps(t) < opts.steps) {
 *         ... take opts.batch examples into xs ...
 *         al_trainer_step(t, xs, n, &loss, &e);
 *     }
 */
#ifndef AL_TRAIN_H
#define AL_TRAIN_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/forward.h"
#include "trainer/optim.h"

typedef struct al_train_opts {
	int optimizer;        /* AL_ADAFACTOR or AL_ADAMW */
	double lr;            /* peak learning rate */
	long warmup;          /* linear warm-up steps */
	int decay;            /* after the warm-up: AL_DECAY_* (optim.h) */
	long total_steps;     /* the run's last step (the cosine decays to it) */
	int micro;            /* examples per forward pass (0: all at once) */
	double clip;          /* gradient-norm clip (0: none) */
	double dropout;       /* on the modules' hidden units (0: none) */
	uint64_t seed;        /* of the dropout masks */
} al_train_opts;

/* adafactor, 1e-3, no warm-up, rsqrt decay, one pass, clip 1.0, no dropout */
void al_train_defaults(al_train_opts *o);

typedef struct al_trainer al_trainer;

al_trainer *al_trainer_new(const al_t5 *m, al_adapter *ad, const al_train_opts *o, al_err *e);
void al_trainer_free(al_trainer *t);

/* One optimizer step over n examples; *loss receives their mean NLL per
 * target token before the update.  A NaN or infinite loss or gradient
 * leaves the adapter untouched and returns AL_ENUMERIC. */
int al_trainer_step(al_trainer *t, const al_example *xs, int n, double *loss, al_err *e);
long al_trainer_steps(const al_trainer *t);
double al_trainer_lr(const al_trainer *t);   /* the rate of the last step */

/* Save and restore the optimizer state (step count and moments) so that
 * a resumed run continues exactly. */
int al_trainer_save_state(const al_trainer *t, const char *path, al_err *e);
int al_trainer_load_state(al_trainer *t, const char *path, al_err *e);

#endif
