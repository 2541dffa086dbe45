/* score.h: adalink score's work: run a named metric over matched
 * references and predictions, giving the corpus numbers and the number of
 * every example.
 */
#ifndef AL_SCORE_H
#define AL_SCORE_H

#include <stddef.h>

#include "input.h"
#include "lib/err.h"

enum { AL_SCORE_MAXN = 8 };

typedef struct al_score_result {
	int n;                              /* corpus numbers */
	const char *name[AL_SCORE_MAXN];    /* "CIDEr", "Bleu_1", ... */
	double value[AL_SCORE_MAXN];
	int nper;                           /* numbers per example */
	const char *per_name[AL_SCORE_MAXN];
	double *per;                        /* [i * nper + k], or NULL */
	size_t nex;
	size_t invalid;    /* GLUE predictions that are no label name (scored -1) */
} al_score_result;

/* Whether metric (with task for "glue") is known: 0 or AL_EINVAL with a
 * message listing the metrics. */
int al_score_metric_check(const char *metric, const char *task, al_err *e);

/* Score set s with metric ("cider", "bleu", "rouge", "caption", "vqa",
 * "anls", "accuracy", "f1", "mcc", "pearson", "spearman", "glue"; task
 * names the GLUE task for "glue").  Captions are PTB-tokenized first
 * unless pretokenized.  r->per is malloc'd (free with al_score_result_free).
 * Returns 0 or a negative AL_E* code. */
int al_score_run(const char *metric, const char *task, const al_score_set *s,
		 int pretokenized, al_score_result *r, al_err *e);

void al_score_result_free(al_score_result *r);

#endif
