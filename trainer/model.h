/* model.h: a backbone opened for inference with its adapter applied:
 * AdaLink modules, prompt tuning, LoRA (folded into the weights or run
 * beside them), a fully fine-tuned checkpoint, and a vision projection
 * set apart.  adalink forward, predict and merge open their model here,
 * and a training run's dev evaluation decodes through al_model_lora_fold.
 *
 *     al_model_spec s = {.backbone = "t5/", .adapter = "a.safetensors"};
 *     al_model mo;
 *     if (al_model_open(&mo, &s, &e) < 0) ...
 *     al_decode(mo.t5, mo.adapter, &x, &opts, ids, &score, &e);
 *     al_model_close(&mo);
 */
#ifndef AL_MODEL_H
#define AL_MODEL_H

#include "lib/err.h"
#include "lib/t5.h"
#include "trainer/adalink.h"

typedef struct al_model_spec {
	const char *backbone;    /* a model folder or .safetensors (a full
				    fine-tuning's output is one too) */
	const char *projection;  /* vision_projection.weight from this file, or NULL */
	const char *adapter;     /* an adapter file (adalink, prompt, lora), or NULL */
	int fold_lora;           /* fold a LoRA adapter into the weights (decoding) */
	int train_all;           /* without an adapter: every weight as the trainable
				    "adapter" (forward --grad of the backbone) */
	int force;               /* apply the adapter whatever backbone it records */
} al_model_spec;

typedef struct al_model {
	al_t5 *t5;               /* owned */
	al_adapter *adapter;     /* owned; NULL: the backbone alone */
} al_model;

/* AL_EINVAL (saying --force overrides it) when the adapter a, read from
 * apath, records a backbone_sha256 that is not backbone's; 0 when they
 * agree, when a records none, or when backbone is a sharded folder (no one
 * file to hash).  Hashes backbone only when a records a hash. */
int al_model_check_backbone(const al_adapter *a, const char *apath, const char *backbone,
			    al_err *e);

/* Open s into mo (zeroed first); on failure nothing is left open.  An
 * adapter trained on another backbone is refused unless s->force (see
 * al_model_check_backbone). */
int al_model_open(al_model *mo, const al_model_spec *s, al_err *e);
void al_model_close(al_model *mo);

/* Fold a's LoRA into m for a while (decoding runs on the folded weights);
 * the weights it changes are kept and al_lora_unfold puts them back bit
 * for bit.  NULL with e->code == 0 when a has no LoRA (nothing to undo). */
typedef struct al_lora_fold al_lora_fold;
al_lora_fold *al_lora_fold_in(al_t5 *m, const al_adapter *a, al_err *e);
void al_lora_unfold(al_lora_fold *f);

#endif
