/* score.c: running a metric over an al_score_set (see score.h). */
#include "score.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "anls.h"
#include "caption.h"
#include "glue.h"
#include "pynum.h"
#include "ptbtok.h"
#include "vqa.h"

static const char *const metrics[] = {
	"cider", "bleu", "rouge", "caption", "vqa", "anls", "accuracy", "f1",
	"mcc", "pearson", "spearman", "glue", NULL,
};

int al_score_metric_check(const char *metric, const char *task, al_err *e)
{
	for (int i = 0; metrics[i]; i++) {
		if (strcmp(metric, metrics[i]))
			continue;
		if (strcmp(metric, "glue") == 0) {
			if (!task)
				return al_err_set(e, AL_EINVAL, "glue wants a TASK: cola, "
						  "sst2, mrpc, qqp, stsb, mnli, mnli_matched, "
						  "mnli_mismatched, qnli, rte, wnli, hans or ax");
			if (al_glue_task(task) < 0)
				return al_err_set(e, AL_EINVAL, "'%s' is not a GLUE task "
						  "(cola, sst2, mrpc, qqp, stsb, mnli, qnli, "
						  "rte, wnli, hans, ax)", task);
		}
		return 0;
	}
	return al_err_set(e, AL_EINVAL, "'%s' is not a metric (cider, bleu, rouge, "
			  "caption, vqa, anls, accuracy, f1, mcc, pearson, "
			  "spearman, glue TASK)", metric);
}

void al_score_result_free(al_score_result *r)
{
	free(r->per);
	r->per = NULL;
}

static int alloc_per(al_score_result *r, size_t nex, int nper, al_err *e)
{
	r->nex = nex;
	r->nper = nper;
	r->per = calloc(nex * (size_t)nper + 1, sizeof *r->per);
	return r->per ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
}

static void put(al_score_result *r, const char *name, double v)
{
	r->name[r->n] = name;
	r->value[r->n++] = v;
}

/* Tokenize every reference (one run) and every candidate (another run),
 * as the COCO evaluation does; out arrays are malloc'd. */
static int tokenize_all(const al_score_set *s, char ***refs_out, char ***cands_out,
			al_err *e)
{
	size_t n = al_score_count(s), nr = 0;
	for (size_t i = 0; i < n; i++)
		nr += al_score_at(s, i)->nrefs;
	const char **rl = malloc((nr + 1) * sizeof *rl), **cl = malloc((n + 1) * sizeof *cl);
	char **ro = calloc(nr + 1, sizeof *ro), **co = calloc(n + 1, sizeof *co);
	al_ptb *t = al_ptb_new(e);
	int rc = 0;
	if (!t) {
		rc = e ? e->code : AL_EINVAL;
		goto out;
	}
	if (!rl || !cl || !ro || !co) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const al_score_ex *x = al_score_at(s, i);
		cl[i] = x->pred;
		for (size_t j = 0; j < x->nrefs; j++)
			rl[k++] = x->refs[j];
	}
	if ((rc = al_ptb_tokenize(t, rl, nr, ro, e)) < 0 ||
	    (rc = al_ptb_tokenize(t, cl, n, co, e)) < 0)
		goto out;
	*refs_out = ro;
	*cands_out = co;
	ro = co = NULL;
out:
	if (ro)
		for (size_t i = 0; i < nr; i++)
			free(ro[i]);
	if (co)
		for (size_t i = 0; i < n; i++)
			free(co[i]);
	free(ro);
	free(co);
	free(rl);
	free(cl);
	al_ptb_free(t);
	return rc;
}

static int run_captions(const char *metric, const al_score_set *s, int pretok,
			al_score_result *r, al_err *e)
{
	size_t n = al_score_count(s), nr = 0;
	char **trefs = NULL, **tcands = NULL;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (al_score_at(s, i)->nrefs == 0)
			return al_err_set(e, AL_EFORMAT, "id '%s': a numeric label, not "
					  "reference captions", al_score_at(s, i)->id);
		nr += al_score_at(s, i)->nrefs;
	}
	if (!pretok && (rc = tokenize_all(s, &trefs, &tcands, e)) < 0)
		return rc;
	al_captions *c = al_captions_new();
	if (!c) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	/* size the tables: at most a token per two bytes (the token pool
	 * is only touched as far as it fills) */
	size_t est = 0, k0 = 0;
	for (size_t i = 0; i < n; i++) {
		const al_score_ex *x = al_score_at(s, i);
		for (size_t j = 0; j <= x->nrefs; j++) {
			const char *t = j == x->nrefs ? (pretok ? x->pred : tcands[i])
				: (pretok ? x->refs[j] : trefs[k0 + j]);
			est += strlen(t) / 2 + 1;
		}
		k0 += x->nrefs;
	}
	if ((rc = al_captions_reserve(c, n, n + nr, est, e)) < 0)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const al_score_ex *x = al_score_at(s, i);
		const char *const *refs = pretok ? (const char *const *)x->refs
			: (const char *const *)trefs + k;
		rc = al_captions_add(c, pretok ? x->pred : tcands[i], refs, x->nrefs, e);
		k += x->nrefs;
	}
	if (rc < 0)
		goto out;
	int cider = !strcmp(metric, "cider") || !strcmp(metric, "caption");
	int bleu = !strcmp(metric, "bleu") || !strcmp(metric, "caption");
	int rouge = !strcmp(metric, "rouge") || !strcmp(metric, "caption");
	int nper = cider + 4 * bleu + rouge;
	if ((rc = alloc_per(r, n, nper, e)) < 0)
		goto out;
	double *tmp = malloc(4 * n * sizeof *tmp);
	if (!tmp) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	int col = 0;
	double v, b[4];
	if (cider) {
		if ((rc = al_cider_d(c, tmp, &v, e)) < 0)
			goto done;
		put(r, "CIDEr", v);
		r->per_name[col] = "CIDEr";
		for (size_t i = 0; i < n; i++)
			r->per[i * nper + col] = tmp[i];
		col++;
	}
	if (bleu) {
		static const char *const bn[] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"};
		if ((rc = al_bleu(c, b, tmp, e)) < 0)
			goto done;
		for (int q = 0; q < 4; q++) {
			put(r, bn[q], b[q]);
			r->per_name[col + q] = bn[q];
			for (size_t i = 0; i < n; i++)
				r->per[i * nper + col + q] = tmp[4 * i + q];
		}
		col += 4;
	}
	if (rouge) {
		if ((rc = al_rouge_l(c, tmp, &v, e)) < 0)
			goto done;
		put(r, "ROUGE_L", v);
		r->per_name[col] = "ROUGE_L";
		for (size_t i = 0; i < n; i++)
			r->per[i * nper + col] = tmp[i];
	}
done:
	free(tmp);
out:
	al_captions_free(c);
	if (trefs)
		for (size_t i = 0; i < nr; i++)
			free(trefs[i]);
	if (tcands)
		for (size_t i = 0; i < n; i++)
			free(tcands[i]);
	free(trefs);
	free(tcands);
	return rc;
}

static int run_answers(const char *metric, const al_score_set *s,
		       al_score_result *r, al_err *e)
{
	size_t n = al_score_count(s);
	int vqa = strcmp(metric, "vqa") == 0;
	int rc = alloc_per(r, n, 1, e);
	if (rc < 0)
		return rc;
	r->per_name[0] = vqa ? "VQA" : "ANLS";
	for (size_t i = 0; i < n; i++) {
		const al_score_ex *x = al_score_at(s, i);
		if (x->nrefs == 0)
			return al_err_set(e, AL_EFORMAT, "id '%s': a numeric label, not "
					  "answers", x->id);
		const char *const *a = (const char *const *)x->refs;
		rc = vqa ? al_vqa_accuracy(x->pred, a, x->nrefs, &r->per[i], e)
			 : al_anls_question(x->pred, a, x->nrefs, &r->per[i], e);
		if (rc < 0)
			return al_err_wrap(e, "id '%s'", x->id);
	}
	put(r, r->per_name[0], al_py_sum(r->per, n) / (double)n);
	return 0;
}

/* The index of a label name of task (case-insensitive, surrounding blanks
 * ignored), or -1. */
static double label_index(int task, const char *p)
{
	const char *const *names = task >= 0 ? al_glue_label_names(task) : NULL;
	if (!names)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\n' || p[len - 1] == '\t'))
		len--;
	for (int k = 0; names[k]; k++)
		if (strlen(names[k]) == len && strncasecmp(names[k], p, len) == 0)
			return k;
	return -1;
}

/* A prediction as a number: a JSON number, a numeric string, or (with a
 * task) one of its label names; with a task, any other text is -1 and
 * counted in *invalid (wrong, as T5's postprocessors make it). */
static int pred_number(const al_score_ex *x, int task, double *v, long *invalid, al_err *e)
{
	if (x->pred_is_num) {
		*v = x->pred_num;
		return 0;
	}
	const char *p = x->pred;
	while (*p == ' ' || *p == '\t')
		p++;
	char *end;
	errno = 0;
	double d = strtod(p, &end);
	while (end && (*end == ' ' || *end == '\t' || *end == '\n'))
		end++;
	if (end != p && *end == 0 && errno == 0) {
		*v = d;
		return 0;
	}
	double k = label_index(task, p);
	if (k >= 0) {
		*v = k;
		return 0;
	}
	if (task >= 0) {
		*v = -1;
		(*invalid)++;
		return 0;
	}
	return al_err_set(e, AL_EFORMAT, "id '%s': prediction '%s' is not a number%s",
			  x->id, x->pred, task >= 0 && al_glue_label_names(task)
			  ? " nor a label name of the task" : "");
}

static int run_glue(const char *metric, int task, const al_score_set *s,
		    al_score_result *r, al_err *e)
{
	size_t n = al_score_count(s);
	long *ip = malloc((2 * n + 1) * sizeof *ip);
	double *dp = malloc((2 * n + 1) * sizeof *dp);
	int rc = 0;
	if (!ip || !dp) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	long *il = ip + n;
	double *dl = dp + n;
	long invalid = 0;
	int regression = task >= 0 ? al_glue_is_regression(task)
		: !strcmp(metric, "pearson") || !strcmp(metric, "spearman");
	for (size_t i = 0; i < n; i++) {
		const al_score_ex *x = al_score_at(s, i);
		if (!x->has_label && !x->label_text) {
			rc = al_err_set(e, AL_EFORMAT, "id '%s': expected a numeric "
					"\"label\", not references", x->id);
			goto out;
		}
		if ((rc = pred_number(x, task, &dp[i], &invalid, e)) < 0)
			goto out;
		if (x->has_label) {
			dl[i] = x->label;
		} else if ((dl[i] = label_index(task, x->label_text)) < 0) {
			rc = al_err_set(e, AL_EFORMAT, "id '%s': label '%s' is not a number%s",
					x->id, x->label_text, task >= 0 ? " nor a label name "
					"of the task" : "; name the GLUE task (glue TASK)");
			goto out;
		}
		if (!regression) {
			if (dp[i] != floor(dp[i]) || dl[i] != floor(dl[i]) ||
			    fabs(dp[i]) > 1e15 || fabs(dl[i]) > 1e15) {
				rc = al_err_set(e, AL_EFORMAT, "id '%s': a class label must "
						"be a whole number (label %g, prediction %g)",
						x->id, dl[i], dp[i]);
				goto out;
			}
			ip[i] = (long)dp[i];
			il[i] = (long)dl[i];
		}
	}
	r->invalid = (size_t)invalid;
	if (!regression) {
		if ((rc = alloc_per(r, n, 1, e)) < 0)
			goto out;
		r->per_name[0] = "correct";
		for (size_t i = 0; i < n; i++)
			r->per[i] = ip[i] == il[i];
	} else {
		/* each example's term of the correlations, over the values
		 * rounded to float32 as the reference rounds them */
		int pe = task >= 0 || !strcmp(metric, "pearson");
		int sp = task >= 0 || !strcmp(metric, "spearman");
		double *f = malloc((3 * n + 1) * sizeof *f);
		if (!f || (rc = alloc_per(r, n, pe + sp, e)) < 0) {
			free(f);
			rc = rc < 0 ? rc : al_err_set(e, AL_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < 2 * n; i++)
			f[i] = (double)(float)dp[i];
		int col = 0;
		for (int ranked = 0; ranked < 2 && rc == 0; ranked++) {
			if (!(ranked ? sp : pe))
				continue;
			r->per_name[col] = ranked ? "spearman_term" : "pearson_term";
			rc = al_glue_corr_terms(f, f + n, n, ranked, f + 2 * n, e);
			for (size_t i = 0; i < n && rc == 0; i++)
				r->per[i * r->nper + col] = f[2 * n + i];
			col++;
		}
		free(f);
		if (rc < 0)
			goto out;
	}
	if (task >= 0) {
		al_glue_result g;
		if ((rc = al_glue_score(task, ip, il, dp, dl, n, &g, e)) < 0)
			goto out;
		for (int k = 0; k < g.count; k++)
			put(r, g.name[k], g.value[k]);
		put(r, "glue_score", g.glue_score);
	} else if (!strcmp(metric, "accuracy")) {
		put(r, "accuracy", al_glue_accuracy(ip, il, n));
	} else if (!strcmp(metric, "f1")) {
		double f;
		if ((rc = al_glue_f1(ip, il, n, &f, e)) < 0)
			goto out;
		put(r, "f1", f);
	} else if (!strcmp(metric, "mcc")) {
		put(r, "mcc", al_glue_mcc(ip, il, n));
	} else {
		for (size_t i = 0; i < 2 * n; i++)
			dp[i] = (double)(float)dp[i];
		double v = !strcmp(metric, "pearson") ? al_glue_pearson(dp, dl, n)
			: al_glue_spearman(dp, dl, n);
		if (v == -2) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			goto out;
		}
		put(r, metric, v);
	}
out:
	free(ip);
	free(dp);
	return rc;
}

int al_score_run(const char *metric, const char *task, const al_score_set *s,
		 int pretokenized, al_score_result *r, al_err *e)
{
	memset(r, 0, sizeof *r);
	int rc = al_score_metric_check(metric, task, e);
	if (rc < 0)
		return rc;
	if (al_score_count(s) == 0)
		return al_err_set(e, AL_EINVAL, "no examples to score");
	if (!strcmp(metric, "cider") || !strcmp(metric, "bleu") ||
	    !strcmp(metric, "rouge") || !strcmp(metric, "caption"))
		rc = run_captions(metric, s, pretokenized, r, e);
	else if (!strcmp(metric, "vqa") || !strcmp(metric, "anls"))
		rc = run_answers(metric, s, r, e);
	else
		rc = run_glue(metric, strcmp(metric, "glue") ? -1 : al_glue_task(task),
			      s, r, e);
	if (rc < 0)
		al_score_result_free(r);
	return rc;
}
