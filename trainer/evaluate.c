/* evaluate.c: the dev metric during training. */
#include "evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/glue.h"
#include "metrics/input.h"
#include "metrics/score.h"
#include "trainer/decode.h"
#include "trainer/model.h"

const char *al_eval_metric_for(const char *dataset, const char *task)
{
	if (!task || !task[0])
		return NULL;
	if (!strcmp(task, "caption"))
		return "cider";
	if (!strcmp(task, "vqa"))
		return dataset && (!strcmp(dataset, "docvqa") || !strcmp(dataset, "stvqa"))
			? "anls" : "vqa";
	if (al_glue_task(task) >= 0)
		return "glue";
	return NULL;
}

/* ids (EOS and what follows left out) as text */
static char *text_of(const al_spm *sp, const int *ids, int n, al_err *e)
{
	int k = 0;
	while (k < n && ids[k] != AL_EOS)
		k++;
	int32_t *v = malloc(sizeof *v * (k ? k : 1));
	al_spm_buf buf = {0};
	char *t = NULL;
	if (!v) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	/* ids the tokenizer lacks (T5's 32000 and up: sentinels and padding
	 * of the vocabulary) are left out */
	size_t pieces = al_spm_model_of(sp)->npieces;
	int kept = 0;
	for (int i = 0; i < k; i++)
		if (ids[i] >= 0 && (size_t)ids[i] < pieces)
			v[kept++] = ids[i];
	if (al_spm_decode_ids(sp, v, (size_t)kept, &buf, e) == 0 &&
	    !(t = strndup(buf.s ? buf.s : "", buf.len)))
		al_err_set(e, AL_ENOMEM, "out of memory");
	free(v);
	free(buf.s);
	return t;
}

static int evaluate(const al_t5 *m, al_adapter *ad, const al_examples *dev, const al_spm *sp,
		    const al_eval_opts *o, double *value, long *invalid, al_err *e)
{
	long n = al_examples_count(dev);
	int glue = !strcmp(o->metric, "glue");
	al_search_opts so = {1, o->max_len, 0.0};
	al_score_set *set = al_score_set_new();
	int *out = malloc(sizeof *out * (o->max_len > 0 ? o->max_len : 1));
	int rc = set && out ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
	for (long i = 0; i < n && rc == 0; i++) {
		int nt = al_examples_ntargets(dev, i);
		char **refs = calloc(nt > 0 ? nt : 1, sizeof *refs);
		char *pred = NULL, id[160];
		al_example x;
		if (!refs) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			break;
		}
		for (int k = 0; k < nt && rc == 0; k++) {
			if ((rc = al_examples_get(dev, i, (uint64_t)k, &x, e)) < 0)
				break;
			if (!(refs[k] = text_of(sp, x.target_ids, x.n_tgt, e)))
				rc = e->code;
			al_examples_release(dev, &x);
		}
		if (rc == 0 && (rc = al_examples_get(dev, i, 0, &x, e)) == 0) {
			double score;
			int k = al_decode(m, ad, &x, &so, out, &score, e);
			if (k < 0)
				rc = k;
			else if (!(pred = text_of(sp, out, k, e)))
				rc = e->code;
			/* ids may repeat across builds: the index keeps them apart */
			snprintf(id, sizeof id, "%ld:%s", i, x.id);
			al_examples_release(dev, &x);
		}
		if (rc == 0)
			rc = al_score_add(set, id, (const char *const *)refs, (size_t)nt, glue, pred, e);
		for (int k = 0; k < nt; k++)
			free(refs[k]);
		free(refs);
		free(pred);
	}
	al_score_result r;
	memset(&r, 0, sizeof r);
	if (rc == 0 && n == 0)
		rc = al_err_set(e, AL_EINVAL, "the dev set is empty");
	if (rc == 0)
		rc = al_score_run(o->metric, o->task, set, 0, &r, e);
	if (rc == 0) {
		/* the main number: the GLUE score, else the first */
		int k = 0;
		for (int j = 0; j < r.n; j++)
			if (glue && !strcmp(r.name[j], "glue_score"))
				k = j;
		*value = r.n ? r.value[k] : NAN;
		if (invalid)
			*invalid = (long)r.invalid;
	}
	al_score_result_free(&r);
	al_score_set_free(set);
	free(out);
	return rc;
}

int al_evaluate(al_t5 *m, al_adapter *ad, const al_examples *dev, const al_spm *sp,
		const al_eval_opts *o, double *value, long *invalid, al_err *e)
{
	/* decoding runs on the weights with LoRA folded in, as predict does */
	al_lora_fold *f = al_lora_fold_in(m, ad, e);
	if (!f && e->code < 0)
		return e->code;
	int rc = evaluate(m, ad, dev, sp, o, value, invalid, e);
	al_lora_unfold(f);
	return rc;
}
