/* merge.c: folding LoRA and AdaLink's text module into the backbone. */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/blas.h"
#include "lib/json_write.h"

int al_merge_lora(al_t5 *m, const al_adapter *a, al_err *e)
{
	if (al_adapter_check(a, m, e) < 0)
		return e->code;
	for (int i = 0; i < a->lora.n; i++) {
		const al_t5_lora_w *w = &a->lora.w[i];
		float *W = al_t5_linear_weight(m, w->decoder, w->layer, w->slot);
		/* W [O, I] += scale B [O, r] A [r, I] */
		al_sgemm(0, 0, w->O, w->I, a->lora.r, a->lora.scale, w->B, a->lora.r, w->A, w->I,
			 1.0f, W, w->I);
	}
	return 0;
}

/* 0 if a has no per-task modules or one of them is task's; else
 * AL_ENOTFOUND naming the tasks a has. */
static int known_task(const al_adapter *a, const char *task, al_err *e)
{
	char list[512] = "";
	size_t k = 0;
	for (int i = 0; i < a->nmods; i++) {
		const char *t = a->mods[i].task;
		if (!t[0])
			continue;
		if (strcmp(t, task) == 0)
			return 0;
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(a->mods[j].task, t) == 0;
		if (!seen && k < sizeof list)
			k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k ? ", " : "", t);
	}
	if (!k)
		return 0;   /* one shared module serves every task */
	return al_err_set(e, AL_ENOTFOUND, "the adapter has no modules for task '%s' "
			  "(it has: %s)", task, list);
}

int al_merge_text(al_t5 *m, al_adapter *a, const char *task, al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	if (task && *task && known_task(a, task, e) < 0)
		return e->code;
	al_module *md = al_adapter_find(a, task, "text");
	if (!md)
		return al_err_set(e, AL_EINVAL, "the adapter has no text module%s%s to fold",
				  task && *task ? " for task " : "", task && *task ? task : "");
	if (md->d != c->d_model)
		return al_err_set(e, AL_EINVAL, "the adapter's modules are %d wide; the "
				  "backbone's d_model is %d", md->d, c->d_model);
	float *E = al_t5_encoder_embeddings(m, e);
	if (!E)
		return e->code;
	/* a slab of rows at a time through the module, as al_module_forward
	 * runs them in training */
	enum { ROWS = 1024 };
	int C = c->d_model, r = md->r;
	float *in = malloc(sizeof(float) * ROWS * ((size_t)C + 2 * r));
	if (!in)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	float *z = in + (size_t)ROWS * C, *h = z + (size_t)ROWS * r;
	for (int v = 0; v < c->vocab; v += ROWS) {
		int n = c->vocab - v < ROWS ? c->vocab - v : ROWS;
		float *rows = E + (size_t)v * C;
		memcpy(in, rows, sizeof(float) * n * C);
		al_module_forward(md, a->act, in, rows, z, h, NULL, n);
	}
	free(in);
	return 0;
}

al_adapter *al_merge_rest(const al_adapter *a, al_err *e)
{
	e->code = 0;
	al_adapter *left = calloc(1, sizeof *left);
	if (!left) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	left->act = a->act;
	for (int i = 0; i < a->nmods; i++) {
		const al_module *md = &a->mods[i];
		al_module *nm;
		if (strcmp(md->modality, "image") != 0)
			continue;
		if (!(nm = al_adapter_add(left, md->task, md->modality, md->d, md->r, e))) {
			al_adapter_free(left);
			return NULL;
		}
		memcpy(nm->down, md->down, sizeof(float) * 2 * md->d * md->r);
	}
	if (left->nmods == 0) {
		al_adapter_free(left);
		return NULL;
	}
	al_json *j = al_json_new();
	if (j) {
		al_json_obj_open(j);
		al_json_key(j, "method");
		al_json_str(j, "adalink");
		al_json_key(j, "rank");
		al_json_int(j, left->mods[0].r);
		al_json_key(j, "activation");
		al_json_str(j, al_act_name(left->act));
		al_json_key(j, "modalities");
		al_json_str(j, "image");
		al_json_obj_close(j);
		left->config = al_json_done(j, e);
		al_json_free(j);
	} else {
		al_err_set(e, AL_ENOMEM, "out of memory");
	}
	if (!left->config) {
		al_adapter_free(left);
		return NULL;
	}
	return left;
}
