/* glue.h: the GLUE metrics as Hugging Face evaluate's glue metric computes
 * them (over scikit-learn and SciPy), and each task's GLUE score as the
 * leaderboard combines them.
 */
#ifndef AL_GLUE_H
#define AL_GLUE_H

#include <stddef.h>

#include "lib/err.h"

/* The fraction of i with pred[i] == label[i]; NaN if n is 0. */
double al_glue_accuracy(const long *pred, const long *label, size_t n);

/* Binary F1 of the positive class 1 (scikit-learn's f1_score):
 * 2 tp / (2 tp + fp + fn), 0 when there is no positive at all.
 * AL_EINVAL if a value is neither 0 nor 1. */
int al_glue_f1(const long *pred, const long *label, size_t n, double *f1, al_err *e);

/* Matthews correlation over any number of classes (scikit-learn's
 * matthews_corrcoef, the multiclass form); 0 when either side is
 * constant. */
double al_glue_mcc(const long *pred, const long *label, size_t n);

/* Pearson correlation (SciPy's pearsonr); NaN when either side is
 * constant or n < 2. */
double al_glue_pearson(const double *x, const double *y, size_t n);

/* Spearman rank correlation with average ranks for ties (SciPy's
 * spearmanr); NaN when either side is constant or n < 2.  -2 (not a
 * correlation) on no memory. */
double al_glue_spearman(const double *x, const double *y, size_t n);

/* Per-example terms of the Pearson correlation of x and y (of their
 * average ranks if use_ranks: Spearman's): term[i] = (x_i - mean x)(y_i -
 * mean y) / (|x - mean x| |y - mean y|), which summed in order give the
 * correlation al_glue_pearson (al_glue_spearman) returns, before it clips
 * to [-1, 1].  Every term is NaN where the correlation is.  Returns 0 or
 * AL_ENOMEM. */
int al_glue_corr_terms(const double *x, const double *y, size_t n, int use_ranks,
		       double *term, al_err *e);

/* The number of GLUE tasks al_glue_task knows (indexes 0 .. N-1). */
enum { AL_GLUE_NTASKS = 13 };

/* The metrics of a GLUE task, by the names Hugging Face uses: "cola",
 * "sst2", "mrpc", "qqp", "stsb", "mnli", "mnli_matched",
 * "mnli_mismatched", "qnli", "rte", "wnli", "hans", "ax" (also with
 * dashes, any case: "SST-2", "STS-B").  Returns the task's index or -1. */
int al_glue_task(const char *name);

/* The canonical name of task t ("cola", "mnli_matched", ...), or NULL. */
const char *al_glue_task_name(int t);

/* The label names of task t's classes (NULL for STS-B), in label order,
 * NULL-terminated. */
const char *const *al_glue_label_names(int t);

/* Whether task t is STS-B (regression: labels and predictions are real
 * numbers, rounded to float32 as the reference does). */
int al_glue_is_regression(int t);

typedef struct al_glue_result {
	const char *name[3];    /* "accuracy", "f1", "mcc", "pearson", ... */
	double value[3];
	int count;
	double glue_score;      /* the leaderboard's: the mean of the above */
} al_glue_result;

/* Score task t.  Classification tasks read pred/label as integers
 * (ipred/ilabel), STS-B the reals (dpred/dlabel).  AL_EINVAL for F1 on
 * values that are not 0 or 1, AL_ENOMEM. */
int al_glue_score(int t, const long *ipred, const long *ilabel,
		  const double *dpred, const double *dlabel, size_t n,
		  al_glue_result *r, al_err *e);

/* The GLUE average: the plain mean of the tasks' glue scores. */
double al_glue_average(const double *task_scores, size_t ntasks);

/* The GLUE benchmark's score as the leaderboard computes it, over the
 * tasks given: score[t] is task t's glue score where have[t] is set.  The
 * plain mean of the tasks' scores in the leaderboard's order (CoLA, SST-2,
 * MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI), MNLI counting once with the
 * mean of the MNLI scores given (matched and mismatched, as the
 * leaderboard lists them; "mnli" is the matched set); the diagnostic AX
 * and HANS are left out.  *counted (may be NULL) gets the number of tasks
 * averaged.  NaN if none. */
double al_glue_leaderboard_average(const double score[AL_GLUE_NTASKS],
				   const int have[AL_GLUE_NTASKS], int *counted);

#endif
