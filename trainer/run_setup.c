/* run_setup.c: a training run's hash, tasks, recorded settings and dev
 * metric. */
#include "run_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "lib/catalog_builds.h"
#include "lib/hash.h"
#include "lib/json_write.h"
#include "metrics/glue.h"
#include "metrics/score.h"
#include "trainer/adalink.h"
#include "trainer/objective.h"
#include "trainer/optim.h"

int al_run_backbone_sha256(const char *backbone, char sha[65], al_err *e)
{
	char mpath[4096];
	snprintf(mpath, sizeof mpath, "%s/model.safetensors", backbone);
	if (al_sha256_file(backbone, sha, e) < 0 ||
	    (strcmp(sha, "folder") == 0 && access(mpath, R_OK) == 0 &&
	     al_sha256_file(mpath, sha, e) < 0))
		return e->code;
	return 0;
}

int al_run_tasks_of(const al_examples *src, al_run_tasks *t, al_err *e)
{
	long n = al_examples_count(src);
	char buf[64];
	memset(t, 0, sizeof *t);
	for (long i = 0; i < n; i++) {
		const char *task = al_examples_task(src, i, buf, sizeof buf);
		int k = 0;
		while (k < t->n && strcmp(t->name[k], task) != 0)
			k++;
		if (k < t->n)
			continue;
		char **nn = realloc(t->name, sizeof *nn * (size_t)(t->n + 1));
		if (!nn || !(nn[t->n] = strdup(task))) {
			if (nn)
				t->name = nn;
			al_run_tasks_free(t);
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		t->name = nn;
		t->n++;
	}
	return 0;
}

void al_run_tasks_free(al_run_tasks *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t->name);
	memset(t, 0, sizeof *t);
}

char *al_run_config_json(const char *adapter_config, const al_train_spec *s, al_err *e)
{
	const struct { const char *k, *v; } texts[] = {
		{"backbone", s->backbone}, {"train", s->train ? s->train : s->data}, {"dev", s->dev},
		{"output", s->output},
		{"optimizer", s->optimizer == AL_ADAMW ? "adamw" : "adafactor"},
		{"schedule", s->no_decay || s->schedule == AL_DECAY_NONE ? "constant" :
			     s->schedule == AL_DECAY_COSINE ? "cosine" : "rsqrt"},
		{"objective", al_objective_name(s->objective)},
	};
	const struct { const char *k; double v; } nums[] = {
		{"lr", s->lr}, {"warmup", (double)s->warmup}, {"decay", !s->no_decay},
		{"steps", (double)s->steps}, {"batch", (double)s->batch}, {"micro", (double)s->micro},
		{"clip", s->clip}, {"eval_every", (double)s->eval_every},
		{"inputs_length", s->objective ? (double)s->inputs_length : 0},
	};
	al_json *j = al_json_new();
	if (!j) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	al_json_obj_open(j);
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		al_json_key(j, texts[i].k);
		al_json_str(j, texts[i].v);   /* NULL: null */
	}
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		al_json_key(j, nums[i].k);
		al_json_num(j, nums[i].v);
	}
	al_json_obj_close(j);
	char *own = al_json_done(j, e), *all = NULL;
	al_json_free(j);
	/* the adapter's settings first, then the run's */
	if (own)
		all = al_json_obj_merge(adapter_config, own, e);
	free(own);
	return all;
}

/* The dataset and tokenizer hash of the first build named in names ("" if
 * there is no such build). */
static int build_dataset(const char *catalog, const char *names, char *ds, size_t n,
			 char *tok_sha, size_t tn, al_err *e)
{
	ds[0] = tok_sha[0] = 0;
	char *first = strndup(names, strcspn(names, ","));
	if (!first)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	al_cat_build b;
	int rc = 0;
	al_catalog *c = al_catalog_open_readonly(catalog, e);
	if (!c)
		rc = e->code;
	else if ((rc = al_catalog_build_get(c, first, &b, e)) == 0) {
		snprintf(ds, n, "%s", b.dataset ? b.dataset : "");
		snprintf(tok_sha, tn, "%s", b.tokenizer_sha256 ? b.tokenizer_sha256 : "");
		al_cat_build_clear(&b);
	} else if (rc == AL_ENOTFOUND) {
		rc = 0;   /* the dev set opened; nothing more to learn */
	}
	al_catalog_close(c);
	free(first);
	return rc;
}

/* Outputs as long as the longest target of the first 256 dev examples,
 * and a little more. */
static int output_length(const al_examples *dev, int *len, al_err *e)
{
	int longest = 1;
	long n = al_examples_count(dev);
	for (long i = 0; i < n && i < 256; i++)
		for (int k = 0; k < al_examples_ntargets(dev, i); k++) {
			al_example x;
			if (al_examples_get(dev, i, (uint64_t)k, &x, e) < 0)
				return e->code;
			if (x.n_tgt > longest)
				longest = x.n_tgt;
			al_examples_release(dev, &x);
		}
	*len = longest + 4 < 128 ? longest + 4 : 128;
	return 0;
}

int al_run_eval_setup(const al_examples *dev, const char *catalog, const char *names,
		      const char *spm, const char *metric, al_spm **sp, al_eval_opts *eo,
		      char *why, size_t whylen, al_err *e)
{
	char ds[64] = "", tok[80] = "", task[64] = "";
	why[0] = 0;
	memset(eo, 0, sizeof *eo);
	if (metric && !strcmp(metric, "none"))
		return 0;
	if (al_examples_count(dev) > 0)
		al_examples_task(dev, 0, task, sizeof task);
	if (catalog && build_dataset(catalog, names, ds, sizeof ds, tok, sizeof tok, e) < 0)
		return e->code;
	const char *mm = metric ? metric : al_eval_metric_for(ds, task);
	if (!mm) {
		snprintf(why, whylen, "no metric for the dev set's task '%s': the dev loss alone",
			 task);
		return 0;
	}
	if (!spm) {
		snprintf(why, whylen, "the dev metric (%s) needs --model SPM to read the outputs "
			 "as text: the dev loss alone", mm);
		return 0;
	}
	const char *gt = al_glue_task(task) >= 0 ? task : NULL;
	if (al_score_metric_check(mm, !strcmp(mm, "glue") ? gt : NULL, e) < 0)
		return e->code;
	if (tok[0]) {   /* the dev build's tokenizer must be this one */
		char sha[65];
		if (al_sha256_file(spm, sha, e) < 0)
			return e->code;
		if (strcmp(sha, tok))
			return al_err_set(e, AL_EINVAL, "--model '%s' is not the tokenizer the dev "
					  "build was made with (SHA-256 %.12s..., not %.12s...)",
					  spm, tok, sha);
	}
	int max_len = 0;
	if (!(*sp = al_spm_new(spm, e)) || output_length(dev, &max_len, e) < 0)
		return e->code;
	eo->metric = mm;
	eo->task = gt ? al_glue_task_name(al_glue_task(gt)) : NULL;   /* static, unlike task */
	eo->max_len = max_len;
	snprintf(why, whylen, "dev metric: %s%s%s over %ld examples, outputs up to %d tokens", mm,
		 gt ? " " : "", gt ? gt : "", al_examples_count(dev), eo->max_len);
	return 0;
}
