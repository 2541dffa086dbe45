/* forward.h: one example through AdaLink modules and the frozen backbone,
 * with the gradient of its NLL reaching the modules (adalink forward, and
 * the training loop's inner step).
 *
 * The encoder input is [image tokens; text tokens]: image embeddings [P, Dv]
 * go through the frozen vision projection to [P, d_model] and the image
 * module, the text ids through the vocabulary embeddings and the text
 * module (each module only if the adapter has one for the example's task).
 */
#ifndef AL_FORWARD_H
#define AL_FORWARD_H

#include "lib/err.h"
#include "lib/t5.h"
#include "trainer/adalink.h"

typedef struct al_example {
	char id[128];          /* "id" of the line (string or number), or "" */
	int id_is_number;      /* print it back unquoted */
	int *input_ids, n_in;
	int *target_ids, n_tgt;
	char task[64];
	float *image;          /* [n_patches, image_dim] or NULL */
	int n_patches, image_dim;
} al_example;

/* Parse one JSONL line {"input_ids": [...], "target_ids": [...], "id"?,
 * "task"?, "image_embeddings"?}; label and line name it in messages.
 * need_targets = 0 accepts a line without target_ids (prediction). */
int al_example_parse(al_example *x, const char *json, const char *label, long line,
		      int need_targets, al_err *e);
void al_example_clear(al_example *x);

/* The encoder input of x with the adapter applied (no gradients):
 * out[(n_patches + n_in), d_model], image tokens first; returns the row
 * count or a negative code. */
int al_example_embed(const al_t5 *m, al_adapter *adapter, const al_example *x, float *out,
		     al_err *e);

/* A runner keeps the activations and scratch of the largest batch seen,
 * so a training loop allocates once. */
typedef struct al_runner al_runner;

al_runner *al_runner_new(const al_t5 *m, al_err *e);
void al_runner_free(al_runner *r);

/* Dropout on the modules' hidden units for the batches run with grad:
 * probability p, masks drawn from seed (set it anew for every batch). */
void al_runner_set_dropout(al_runner *r, float p, uint64_t seed);

/* Run n examples as one padded batch.  nll[i] receives example i's summed
 * NLL; logprobs (may be NULL) holds n arrays of xs[i].n_tgt values.  With
 * grad set, adds grad_scale * d(sum of all nll) / d(parameters) into the
 * gradients of the adapter's modules (adapter may be NULL without grad). */
int al_runner_batch(al_runner *r, al_adapter *adapter, const al_example *xs, int n,
		    double *nll, float **logprobs, int grad, float grad_scale, al_err *e);

#endif
