/* adalink.h: AdaLink modules and adapter files.
 *
 * A module adapts one modality's input embeddings E [N, d]:
 *     E' = E + f(E W_down) W_up,   W_down [d, r], W_up [r, d]
 * with f the identity (none), relu or gelu (tanh form).  W_up starts at
 * zero, so training starts from the unchanged backbone.  An adapter holds
 * one module per modality (text, image) and optionally one per task.
 *
 * File format (safetensors): adalink.text.down [d,r], adalink.text.up
 * [r,d], adalink.image.down, adalink.image.up; per task
 * adalink.TASK.text.down and so on; __metadata__ "config" holds
 * {"method": "adalink", "rank": r, "activation": "none", ...}.  A file with
 * the tensors alone loads too: modalities, tasks and rank come from the
 * names and shapes, and the activation defaults to none.
 */
#ifndef AL_ADALINK_H
#define AL_ADALINK_H

#include "lib/err.h"

enum { AL_ACT_NONE, AL_ACT_RELU, AL_ACT_GELU };

typedef struct al_module {
	char task[64];      /* "" for the shared module */
	char modality[8];   /* "text" or "image" */
	int d, r;
	float *down, *up;   /* [d, r], [r, d] */
	float *gdown, *gup; /* gradients, same shapes (accumulated) */
} al_module;

typedef struct al_adapter {
	int act;            /* AL_ACT_* */
	int rank;
	al_module *mods;
	int nmods;
	char *config;       /* the metadata config JSON, or NULL */
} al_adapter;

const char *al_act_name(int act);
int al_act_parse(const char *name);   /* -1 if unknown */

/* A new module of zeros for (task or NULL, modality); returns it.  The
 * pointer is valid until the next al_adapter_add (the table grows). */
al_module *al_adapter_add(al_adapter *a, const char *task, const char *modality,
			  int d, int r, al_err *e);
/* The module for (task, modality): the task's own if it has one, else the
 * shared one, else NULL. */
al_module *al_adapter_find(al_adapter *a, const char *task, const char *modality);

al_adapter *al_adapter_load(const char *path, al_err *e);
/* Write the parameters (grads=0) or the gradients (grads=1) under the
 * adapter's tensor names, with config as metadata. */
int al_adapter_save(const al_adapter *a, const char *path, int grads, al_err *e);
void al_adapter_zero_grad(al_adapter *a);
void al_adapter_free(al_adapter *a);

/* Forward: out[N,d] = E + (f(E down) * mask) up; z and h [N,r] are saved
 * for the backward (h = f(z) * mask).  mask [N,r] holds dropout's 0 and
 * 1/(1-p), or is NULL for none.  out may not alias E. */
void al_module_forward(const al_module *m, int act, const float *E, float *out,
		       float *z, float *h, const float *mask, int N);
/* Backward: accumulate gdown, gup from dout[N,d], with the forward's mask;
 * dz [N,r] is scratch. */
void al_module_backward(al_module *m, int act, const float *E, const float *z,
			const float *h, const float *mask, const float *dout, float *dz, int N);

#endif
