/* model.c: opening a backbone with its adapter for inference. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "trainer/merge.h"
#include "trainer/run_setup.h"

int al_model_check_backbone(const al_adapter *a, const char *apath, const char *backbone,
			    al_err *e)
{
	char want[65] = "", got[65];
	yajl_val root = a && a->config ? yajl_tree_parse(a->config, NULL, 0) : NULL;
	const char *path[] = {"backbone_sha256", NULL};
	const char *sv = YAJL_GET_STRING(yajl_tree_get(root, path, yajl_t_string));
	if (sv && strlen(sv) < sizeof want)
		strcpy(want, sv);
	yajl_tree_free(root);
	if (!want[0] || strcmp(want, "folder") == 0)
		return 0;   /* not recorded, or recorded as a sharded folder */
	if (al_run_backbone_sha256(backbone, got, e) < 0)
		return e->code;
	if (strcmp(got, "folder") == 0 || strcmp(got, want) == 0)
		return 0;   /* a sharded folder has no one hash to compare */
	return al_err_set(e, AL_EINVAL, "'%s' was trained on another backbone (SHA-256 "
			  "%.12s...), not '%s' (%.12s...); --force applies it anyway",
			  apath, want, backbone, got);
}

int al_model_open(al_model *mo, const al_model_spec *s, al_err *e)
{
	memset(mo, 0, sizeof *mo);
	if (!(mo->t5 = al_t5_load(s->backbone, e)))
		return e->code;
	if ((s->projection && al_t5_set_projection(mo->t5, s->projection, e) < 0) ||
	    (s->adapter && !(mo->adapter = al_adapter_load(s->adapter, e))) ||
	    (mo->adapter && !s->force &&
	     al_model_check_backbone(mo->adapter, s->adapter, s->backbone, e) < 0) ||
	    (!s->adapter && s->train_all && !(mo->adapter = al_adapter_full(mo->t5, e))) ||
	    (s->fold_lora && mo->adapter && mo->adapter->method == AL_METHOD_LORA &&
	     al_merge_lora(mo->t5, mo->adapter, e) < 0)) {
		int rc = e->code;
		al_model_close(mo);
		return rc;
	}
	return 0;
}

void al_model_close(al_model *mo)
{
	al_adapter_free(mo->adapter);
	al_t5_free(mo->t5);
	memset(mo, 0, sizeof *mo);
}

struct al_lora_fold {
	al_t5 *m;
	const al_adapter *a;
	float *saved;   /* every folded weight, one after another */
};

al_lora_fold *al_lora_fold_in(al_t5 *m, const al_adapter *a, al_err *e)
{
	e->code = 0;
	if (!a || a->method != AL_METHOD_LORA || a->lora.n == 0)
		return NULL;
	size_t n = 0;
	for (int i = 0; i < a->lora.n; i++)
		n += (size_t)a->lora.w[i].O * a->lora.w[i].I;
	al_lora_fold *f = calloc(1, sizeof *f);
	if (!f || !(f->saved = malloc(sizeof(float) * n))) {
		free(f);
		al_err_set(e, AL_ENOMEM, "out of memory (keeping %zu weights while LoRA is folded)", n);
		return NULL;
	}
	f->m = m;
	f->a = a;
	float *p = f->saved;
	for (int i = 0; i < a->lora.n; i++) {
		const al_t5_lora_w *w = &a->lora.w[i];
		size_t k = (size_t)w->O * w->I;
		memcpy(p, al_t5_linear_weight(m, w->decoder, w->layer, w->slot), sizeof(float) * k);
		p += k;
	}
	if (al_merge_lora(m, a, e) < 0) {
		al_lora_unfold(f);
		return NULL;
	}
	return f;
}

void al_lora_unfold(al_lora_fold *f)
{
	if (!f)
		return;
	const float *p = f->saved;
	for (int i = 0; i < f->a->lora.n; i++) {
		const al_t5_lora_w *w = &f->a->lora.w[i];
		size_t k = (size_t)w->O * w->I;
		memcpy(al_t5_linear_weight(f->m, w->decoder, w->layer, w->slot), p, sizeof(float) * k);
		p += k;
	}
	free(f->saved);
	free(f);
}
