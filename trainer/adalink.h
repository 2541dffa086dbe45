/* adalink.h: AdaLink modules, the methods the paper compares it with
 * (prompt tuning, LoRA, full fine-tuning), and adapter files.
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
 *
 * The other methods (al_adapter.method) keep their tensors in the same
 * struct and file format:
 *   prompt  N soft tokens prepended to every encoder input, through a
 *           residual reparameterisation (Razdaibiedina et al. 2023):
 *           P' = P + relu(P W_down + b_down) W_up + b_up, W_up and b_up
 *           zero at the start; prompt.tokens [N,d], prompt.down [d,h],
 *           prompt.down_bias [h], prompt.up [h,d], prompt.up_bias [d].
 *   lora    PEFT's names: encoder.block.0.layer.0.SelfAttention.q.lora_A.weight
 *           [r, in] and ...lora_B.weight [out, r] (zero at the start) for
 *           every linear of the encoder blocks (and the decoder's with
 *           --lora-decoder); y = x W^T + alpha/r (x A^T) B^T.
 *   full    every backbone weight but the vision projection trains; the
 *           "adapter" is the backbone itself, saved as a checkpoint.
 */
#ifndef AL_ADALINK_H
#define AL_ADALINK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/t5.h"
#include "trainer/optim.h"

enum { AL_ACT_NONE, AL_ACT_RELU, AL_ACT_GELU };
enum { AL_METHOD_ADALINK, AL_METHOD_PROMPT, AL_METHOD_LORA, AL_METHOD_FULL };

const char *al_method_name(int method);
int al_method_parse(const char *name);   /* -1 if unknown */

typedef struct al_module {
	char task[64];      /* "" for the shared module */
	char modality[8];   /* "text" or "image" */
	int d, r;
	float *down, *up;   /* [d, r], [r, d] */
	float *gdown, *gup; /* gradients, same shapes (accumulated) */
} al_module;

/* Prompt tuning's soft tokens and their reparameterisation. */
typedef struct al_prompt {
	int n, d, h;               /* tokens, width, hidden units of the MLP */
	float *P, *down, *bdown, *up, *bup;      /* [n,d] [d,h] [h] [h,d] [d] */
	float *gP, *gdown, *gbdown, *gup, *gbup; /* their gradients */
	float *z, *a, *out;        /* forward: [n,h] pre- and post-relu, [n,d] P' */
} al_prompt;

typedef struct al_adapter {
	int method;         /* AL_METHOD_* */
	int act;            /* AL_ACT_* */
	al_module *mods;    /* adalink (each module holds its rank r) */
	int nmods;
	al_prompt *prompt;  /* prompt */
	al_t5_lora lora;    /* lora: lora.w[i] named lora_names[i] */
	char (*lora_names)[128];
	float lora_alpha;
	al_t5 *full, *fullgrad;   /* full: the backbone (borrowed) and its gradient */
	char *config;       /* the metadata config JSON, or NULL */
} al_adapter;

/* New adapters of each method for backbone m (AdaLink's modules are
 * added with al_adapter_add).  Prompt: n tokens copied from vocabulary
 * rows drawn with seed, an MLP of h hidden units (W_down N(0, 1/d)).
 * LoRA: rank r on every linear of the encoder (and decoder) blocks, A
 * uniform in +-1/sqrt(in) (as PEFT), B zero, scale alpha / r.  Full: m's
 * own weights (m must outlive the adapter) and a gradient of its shape. */
al_adapter *al_adapter_prompt(const al_t5 *m, int n, int h, uint64_t seed, al_err *e);
al_adapter *al_adapter_lora(const al_t5 *m, int r, float alpha, int decoder, uint64_t seed,
			    al_err *e);
al_adapter *al_adapter_full(al_t5 *m, al_err *e);

/* What a new adapter of any method is made of: the options of adalink
 * train that shape it.  rank is the one rank of the adapter: AdaLink's
 * and LoRA's r, or the hidden units of prompt tuning's MLP. */
typedef struct al_adapter_opts {
	int method;             /* AL_METHOD_* */
	int rank;
	int act;                /* adalink: AL_ACT_* between down and up */
	const char *modalities; /* adalink: "text", "image" or "text,image" */
	int per_task;           /* adalink: one module per task and modality */
	double dropout;         /* recorded in the config (the trainer applies it) */
	int prompt_tokens;      /* prompt: soft tokens */
	double lora_alpha;      /* lora: updates scaled by alpha / r (0: r) */
	int lora_decoder;       /* lora: the decoder's blocks too */
	uint64_t seed;          /* of the initialisation */
	const char *backbone_sha256;   /* recorded in the config; NULL: "" */
} al_adapter_opts;

/* AdaLink's modules for backbone m: with per_task one per task of
 * tasks[0..ntasks) (in that order) and modality, else one shared per
 * modality; W_down drawn N(0, 1/d) from seed, module after module
 * (text before image), W_up zero. */
al_adapter *al_adapter_adalink(const al_t5 *m, const al_adapter_opts *o,
			       const char *const *tasks, int ntasks, al_err *e);
/* A new adapter of o->method (dispatching to the constructors above), its
 * config JSON (the metadata it is saved with) set from o.  full: m's own
 * weights, m must outlive it. */
al_adapter *al_adapter_new(al_t5 *m, const al_adapter_opts *o, const char *const *tasks,
			   int ntasks, al_err *e);
/* 1 and 1 if o->modalities names text and image; -1 if it names neither. */
int al_adapter_modalities(const char *modalities, int *text, int *image);

/* The trainable tensors as optimizer parameters (free *ps); returns the
 * count. */
int al_adapter_params(al_adapter *a, al_param **ps, al_err *e);
/* The number of trainable parameters. */
size_t al_adapter_nparams(const al_adapter *a);
/* Soft tokens an adapter puts in front of every encoder input (prompt). */
int al_adapter_prefix(const al_adapter *a);
/* Check that a fits backbone m (widths, layers, shapes). */
int al_adapter_check(const al_adapter *a, const al_t5 *m, al_err *e);

/* Prompt tuning: p->out = P' (saving what the backward needs), and the
 * backward from dout [n, d] (accumulating every gradient). */
void al_prompt_forward(al_prompt *p);
void al_prompt_backward(al_prompt *p, const float *dout);

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
 * adapter's tensor names, with config as metadata (full: a checkpoint of
 * the backbone, or of its gradient). */
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
