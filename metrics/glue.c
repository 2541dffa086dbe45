/* glue.c: GLUE metrics (see glue.h). */
#include "glue.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pynum.h"

double al_glue_accuracy(const long *pred, const long *label, size_t n)
{
	if (n == 0)
		return NAN;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += pred[i] == label[i];
	return (double)k / (double)n;
}

int al_glue_f1(const long *pred, const long *label, size_t n, double *f1, al_err *e)
{
	long tp = 0, ps = 0, ts = 0;
	for (size_t i = 0; i < n; i++) {
		if ((pred[i] != 0 && pred[i] != 1) || (label[i] != 0 && label[i] != 1))
			return al_err_set(e, AL_EINVAL, "F1: example %zu: binary F1 "
					  "wants labels 0 and 1, not %ld and %ld",
					  i + 1, label[i], pred[i]);
		tp += pred[i] == 1 && label[i] == 1;
		ps += pred[i] == 1;
		ts += label[i] == 1;
	}
	*f1 = ps + ts == 0 ? 0.0 : 2.0 * (double)tp / (double)(ps + ts);
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static size_t class_of(const long *cls, size_t nc, long v)
{
	size_t lo = 0, hi = nc;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cls[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

double al_glue_mcc(const long *pred, const long *label, size_t n)
{
	long *cls = malloc((2 * n + 1) * sizeof *cls);
	if (!cls)
		return NAN;
	memcpy(cls, pred, n * sizeof *cls);
	memcpy(cls + n, label, n * sizeof *cls);
	qsort(cls, 2 * n, sizeof *cls, cmp_long);
	size_t nc = 0;
	for (size_t i = 0; i < 2 * n; i++)
		if (nc == 0 || cls[nc - 1] != cls[i])
			cls[nc++] = cls[i];
	long long *t = calloc(nc + 1, sizeof *t), *p = calloc(nc + 1, sizeof *p);
	if (!t || !p) {
		free(cls);
		free(t);
		free(p);
		return NAN;
	}
	long long correct = 0, ns = (long long)n;
	for (size_t i = 0; i < n; i++) {
		t[class_of(cls, nc, label[i])]++;
		p[class_of(cls, nc, pred[i])]++;
		correct += pred[i] == label[i];
	}
	long long tp = 0, pp = 0, tt = 0;
	for (size_t c = 0; c < nc; c++) {
		tp += t[c] * p[c];
		pp += p[c] * p[c];
		tt += t[c] * t[c];
	}
	free(cls);
	free(t);
	free(p);
	double cov_ytyp = (double)(correct * ns - tp);
	double cov_ypyp = (double)(ns * ns - pp), cov_ytyt = (double)(ns * ns - tt);
	if (cov_ypyp * cov_ytyt == 0)
		return 0.0;
	return cov_ytyp / sqrt(cov_ytyt * cov_ypyp);
}

double al_glue_pearson(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	int cx = 1, cy = 1;
	for (size_t i = 1; i < n; i++) {
		cx &= x[i] == x[0];
		cy &= y[i] == y[0];
	}
	if (cx || cy)
		return NAN;
	if (n == 2) {
		double a = (x[1] > x[0]) - (x[1] < x[0]), b = (y[1] > y[0]) - (y[1] < y[0]);
		return a * b;
	}
	double *xm = malloc(2 * n * sizeof *xm);
	if (!xm)
		return NAN;
	double *ym = xm + n;
	double mx = al_np_mean(x, n), my = al_np_mean(y, n);
	double sx = 0, sy = 0;
	for (size_t i = 0; i < n; i++) {
		xm[i] = x[i] - mx;
		ym[i] = y[i] - my;
		sx += xm[i] * xm[i];
		sy += ym[i] * ym[i];
	}
	double nx = sqrt(sx), ny = sqrt(sy), r = 0;
	for (size_t i = 0; i < n; i++)
		r += (xm[i] / nx) * (ym[i] / ny);
	free(xm);
	return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

typedef struct ranked { double v; size_t i; } ranked;

static int cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Average ranks (1-based) of v into r, ties sharing the mean rank. */
static int rankdata(const double *v, size_t n, double *r)
{
	ranked *t = malloc((n ? n : 1) * sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < n; i++)
		t[i] = (ranked){v[i], i};
	qsort(t, n, sizeof *t, cmp_ranked);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && t[j + 1].v == t[i].v)
			j++;
		double avg = 0.5 * (double)(i + 1 + j + 1);
		for (size_t k = i; k <= j; k++)
			r[t[k].i] = avg;
		i = j + 1;
	}
	free(t);
	return 0;
}

double al_glue_spearman(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	double *rx = malloc(2 * n * sizeof *rx);
	if (!rx)
		return -2;
	double *ry = rx + n;
	if (rankdata(x, n, rx) < 0 || rankdata(y, n, ry) < 0) {
		free(rx);
		return -2;
	}
	double r = al_glue_pearson(rx, ry, n);
	free(rx);
	return r;
}

int al_glue_corr_terms(const double *x, const double *y, size_t n, int use_ranks,
		       double *term, al_err *e)
{
	double *buf = malloc((use_ranks ? 4 : 2) * (n ? n : 1) * sizeof *buf);
	if (!buf)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	double *xm = buf, *ym = buf + n;
	if (use_ranks) {
		double *rx = buf + 2 * n, *ry = buf + 3 * n;
		if (rankdata(x, n, rx) < 0 || rankdata(y, n, ry) < 0) {
			free(buf);
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		x = rx;
		y = ry;
	}
	int cx = 1, cy = 1;
	for (size_t i = 1; i < n; i++) {
		cx &= x[i] == x[0];
		cy &= y[i] == y[0];
	}
	if (n < 2 || cx || cy) {
		for (size_t i = 0; i < n; i++)
			term[i] = NAN;
		free(buf);
		return 0;
	}
	/* as al_glue_pearson: deviations from numpy's mean, then each
	 * deviation over its side's norm */
	double mx = al_np_mean(x, n), my = al_np_mean(y, n), sx = 0, sy = 0;
	for (size_t i = 0; i < n; i++) {
		xm[i] = x[i] - mx;
		ym[i] = y[i] - my;
		sx += xm[i] * xm[i];
		sy += ym[i] * ym[i];
	}
	double nx = sqrt(sx), ny = sqrt(sy);
	for (size_t i = 0; i < n; i++)
		term[i] = (xm[i] / nx) * (ym[i] / ny);
	free(buf);
	return 0;
}

static const char *const task_names[] = {
	"cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "mnli_matched",
	"mnli_mismatched", "qnli", "rte", "wnli", "hans", "ax", NULL,
};
enum { T_COLA, T_SST2, T_MRPC, T_QQP, T_STSB, T_MNLI, T_MNLI_M, T_MNLI_MM,
       T_QNLI, T_RTE, T_WNLI, T_HANS, T_AX };

static const char *const labels_cola[] = {"unacceptable", "acceptable", NULL};
static const char *const labels_sst2[] = {"negative", "positive", NULL};
static const char *const labels_mrpc[] = {"not_equivalent", "equivalent", NULL};
static const char *const labels_qqp[] = {"not_duplicate", "duplicate", NULL};
static const char *const labels_mnli[] = {"entailment", "neutral", "contradiction", NULL};
static const char *const labels_qnli[] = {"entailment", "not_entailment", NULL};
static const char *const labels_wnli[] = {"not_entailment", "entailment", NULL};
static const char *const labels_hans[] = {"entailment", "non-entailment", NULL};

int al_glue_task(const char *name)
{
	char buf[32];
	size_t k = 0;
	for (const char *p = name; *p && k + 1 < sizeof buf; p++) {
		if (*p == '-')
			continue;
		buf[k++] = (char)tolower((unsigned char)*p);
	}
	buf[k] = 0;
	if (strcmp(buf, "mnlim") == 0)
		return T_MNLI_M;
	if (strcmp(buf, "mnlimm") == 0)
		return T_MNLI_MM;
	for (int i = 0; task_names[i]; i++)
		if (strcmp(buf, task_names[i]) == 0)
			return i;
	return -1;
}

const char *al_glue_task_name(int t)
{
	return t >= 0 && t < AL_GLUE_NTASKS ? task_names[t] : NULL;
}

const char *const *al_glue_label_names(int t)
{
	switch (t) {
	case T_COLA: return labels_cola;
	case T_SST2: return labels_sst2;
	case T_MRPC: return labels_mrpc;
	case T_QQP: return labels_qqp;
	case T_MNLI: case T_MNLI_M: case T_MNLI_MM: case T_AX: return labels_mnli;
	case T_QNLI: case T_RTE: return labels_qnli;
	case T_WNLI: return labels_wnli;
	case T_HANS: return labels_hans;
	}
	return NULL;
}

int al_glue_is_regression(int t) { return t == T_STSB; }

int al_glue_score(int t, const long *ipred, const long *ilabel,
		  const double *dpred, const double *dlabel, size_t n,
		  al_glue_result *r, al_err *e)
{
	memset(r, 0, sizeof *r);
	if (t < 0 || t > T_AX)
		return al_err_set(e, AL_EINVAL, "not a GLUE task");
	if (n == 0)
		return al_err_set(e, AL_EINVAL, "GLUE: no examples to score");
	switch (t) {
	case T_COLA: case T_AX:
		r->name[0] = "mcc";
		r->value[0] = al_glue_mcc(ipred, ilabel, n);
		r->count = 1;
		break;
	case T_STSB: {
		double *f = malloc(2 * n * sizeof *f);
		if (!f)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			f[i] = (double)(float)dpred[i];
			f[n + i] = (double)(float)dlabel[i];
		}
		r->name[0] = "pearson";
		r->value[0] = al_glue_pearson(f, f + n, n);
		r->name[1] = "spearman";
		r->value[1] = al_glue_spearman(f, f + n, n);
		r->count = 2;
		free(f);
		if (r->value[1] == -2)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		break;
	}
	case T_MRPC: case T_QQP: {
		r->name[0] = "accuracy";
		r->value[0] = al_glue_accuracy(ipred, ilabel, n);
		r->name[1] = "f1";
		/* a prediction that is no class (-1: not a label name) is
		 * wrong: the other class, as T5's f1_score_with_invalid */
		long *p = malloc((n ? n : 1) * sizeof *p);
		if (!p)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			p[i] = ipred[i] == 0 || ipred[i] == 1 || (ilabel[i] != 0 && ilabel[i] != 1)
				? ipred[i] : 1 - ilabel[i];
		int rc = al_glue_f1(p, ilabel, n, &r->value[1], e);
		free(p);
		if (rc < 0)
			return rc;
		r->count = 2;
		break;
	}
	default:
		r->name[0] = "accuracy";
		r->value[0] = al_glue_accuracy(ipred, ilabel, n);
		r->count = 1;
	}
	double s = 0;
	for (int i = 0; i < r->count; i++)
		s += r->value[i];
	r->glue_score = s / r->count;
	return 0;
}

double al_glue_average(const double *task_scores, size_t ntasks)
{
	if (ntasks == 0)
		return NAN;
	return al_py_sum(task_scores, ntasks) / (double)ntasks;
}

double al_glue_leaderboard_average(const double score[AL_GLUE_NTASKS],
				   const int have[AL_GLUE_NTASKS], int *counted)
{
	static const int order[] = {T_COLA, T_SST2, T_MRPC, T_STSB, T_QQP, T_MNLI,
				    T_QNLI, T_RTE, T_WNLI};
	double v[9];
	size_t k = 0;
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		int t = order[i];
		if (t != T_MNLI) {
			if (have[t])
				v[k++] = score[t];
			continue;
		}
		/* MNLI: the mean of matched and mismatched */
		double m[3];
		size_t nm = 0;
		if (have[T_MNLI])
			m[nm++] = score[T_MNLI];
		if (have[T_MNLI_M])
			m[nm++] = score[T_MNLI_M];
		if (have[T_MNLI_MM])
			m[nm++] = score[T_MNLI_MM];
		if (nm)
			v[k++] = al_py_sum(m, nm) / (double)nm;
	}
	if (counted)
		*counted = (int)k;
	return al_glue_average(v, k);
}
