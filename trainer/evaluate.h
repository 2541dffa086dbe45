/* evaluate.h: the dev metric of a training run: greedy outputs for the dev
 * examples, decoded to text with the tokenizer, scored against all their
 * targets with the task's metric from metrics/ (adalink score's numbers).
 */
#ifndef AL_EVALUATE_H
#define AL_EVALUATE_H

#include "lib/err.h"
#include "lib/t5.h"
#include "pipeline/spm.h"
#include "trainer/adalink.h"
#include "trainer/examples.h"

/* The metric for a dev set of this dataset (may be NULL) and task:
 * "cider" for captions, "anls" for DocVQA and ST-VQA, "vqa" for other
 * question answering, "glue" for a GLUE task; NULL if none applies. */
const char *al_eval_metric_for(const char *dataset, const char *task);

typedef struct al_eval_opts {
	const char *metric;   /* cider, bleu, rouge, vqa, anls, glue, accuracy, ... */
	const char *task;     /* the GLUE task for "glue" */
	int max_len;          /* output tokens, EOS included */
} al_eval_opts;

/* Decode dev's examples greedily with the adapter (LoRA folded into m's
 * weights for the while, then put back bit for bit), score them, and put the
 * metric's main number in *value (CIDEr, VQA accuracy, ANLS, the task's
 * GLUE score, ...; a fraction); *invalid (may be NULL) receives the count
 * of GLUE outputs that are no label name (scored as wrong). */
int al_evaluate(al_t5 *m, al_adapter *ad, const al_examples *dev, const al_spm *sp,
		const al_eval_opts *o, double *value, long *invalid, al_err *e);

#endif
