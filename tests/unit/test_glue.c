/* test_glue.c: GLUE metrics on hand-worked cases. */
#include <math.h>

#include "metrics/glue.h"
#include "metrics/pynum.h"
#include "tests/tap.h"

int main(void)
{
	al_err e = {0};
	long p1[] = {1, 0, 1, 1}, l1[] = {1, 1, 1, 0};
	is_dbl(al_glue_accuracy(p1, l1, 4), 0.5, 0, "accuracy 2 of 4");
	/* tp 2, fp 1, fn 1: 2*2 / (4 + 1 + 1) */
	long p2[] = {1, 1, 0, 0, 1}, l2[] = {1, 0, 0, 1, 1};
	double f;
	is_int(al_glue_f1(p2, l2, 5, &f, &e), 0, "f1 scores");
	is_dbl(f, 4.0 / 6, 1e-15, "f1 = 2tp / (2tp + fp + fn)");
	long z[] = {0, 0, 0};
	al_glue_f1(z, z, 3, &f, &e);
	is_dbl(f, 0.0, 0, "f1 with no positives is 0");
	long bad[] = {2, 0, 1};
	is_int(al_glue_f1(bad, z, 3, &f, &e), AL_EINVAL, "f1 on a label 2 is an error");
	/* tp 2 tn 1 fp 1 fn 1: (2 - 1) / sqrt(3 3 2 2) */
	is_dbl(al_glue_mcc(p2, l2, 5), 1.0 / 6, 1e-15, "binary MCC");
	long z5[] = {0, 0, 0, 0, 0};
	is_dbl(al_glue_mcc(z5, l2, 5), 0.0, 0, "MCC with a constant side is 0");
	/* 3 classes: t = [2,1,1], p = [2,0,2], 3 correct of 4:
	 * (3*4 - 6) / sqrt((16 - 6)(16 - 8)) */
	long l3[] = {0, 1, 2, 0}, p3[] = {0, 2, 2, 0};
	is_dbl(al_glue_mcc(p3, l3, 4), 6 / sqrt(80), 1e-15, "multiclass MCC");
	double x[] = {1, 2, 3}, y[] = {1, 2, 4};
	is_dbl(al_glue_pearson(x, y, 3), 9 / sqrt(84), 1e-14, "pearson");
	double c[] = {2, 2, 2};
	ok(isnan(al_glue_pearson(x, c, 3)), "pearson of a constant is NaN");
	ok(isnan(al_glue_spearman(c, x, 3)), "spearman of a constant is NaN");
	/* ties: ranks [1, 2.5, 2.5, 4] vs [1, 3, 2, 4]: 4.5 / sqrt(4.5 * 5) */
	double sx[] = {1, 2, 2, 3}, sy[] = {1, 3, 2, 4};
	is_dbl(al_glue_spearman(sx, sy, 4), 4.5 / sqrt(22.5), 1e-14, "spearman with average ranks for ties");

	int t = al_glue_task("MRPC");
	ok(t >= 0, "MRPC is a task");
	al_glue_result r;
	is_int(al_glue_score(t, p2, l2, NULL, NULL, 5, &r, &e), 0, "glue mrpc scores");
	is_dbl(r.glue_score, (0.6 + 4.0 / 6) / 2, 1e-15, "MRPC's GLUE score: mean of accuracy and F1");
	t = al_glue_task("STS-B");
	ok(al_glue_is_regression(t), "STS-B is regression");
	double py[] = {1, 2, 4};
	is_int(al_glue_score(t, NULL, NULL, py, x, 3, &r, &e), 0, "glue stsb scores");
	is_dbl(r.glue_score, (9 / sqrt(84) + 1.0) / 2, 1e-14, "STS-B: mean of Pearson and Spearman");
	is_int(al_glue_task("nosuch"), -1, "an unknown task");
	double avg[] = {0.5, 0.7, 0.9};
	is_dbl(al_glue_average(avg, 3), 0.7, 1e-15, "the GLUE average");

	/* the leaderboard's average: MNLI once (mean of m and mm), AX out */
	double sc[AL_GLUE_NTASKS] = {0};
	int have[AL_GLUE_NTASKS] = {0}, counted;
	sc[al_glue_task("cola")] = 0.5;
	sc[al_glue_task("sst2")] = 0.9;
	sc[al_glue_task("mnli_matched")] = 0.8;
	sc[al_glue_task("mnli_mismatched")] = 0.7;
	sc[al_glue_task("ax")] = 0.1;
	have[al_glue_task("cola")] = have[al_glue_task("sst2")] = 1;
	have[al_glue_task("mnli-m")] = have[al_glue_task("MNLI-MM")] = have[al_glue_task("ax")] = 1;
	is_dbl(al_glue_leaderboard_average(sc, have, &counted), (0.5 + 0.9 + 0.75) / 3, 1e-15,
	       "GLUE average: CoLA, SST-2 and MNLI's (m + mm) / 2; AX left out");
	is_int(counted, 3, "three tasks counted");
	have[al_glue_task("mnli_mismatched")] = 0;
	is_dbl(al_glue_leaderboard_average(sc, have, NULL), (0.5 + 0.9 + 0.8) / 3, 1e-15,
	       "MNLI matched alone stands for MNLI");
	int none[AL_GLUE_NTASKS] = {0};
	none[al_glue_task("ax")] = 1;
	ok(isnan(al_glue_leaderboard_average(sc, none, &counted)) && counted == 0,
	   "AX alone: no average");
	is_str(al_glue_task_name(al_glue_task("STS-B")), "stsb", "canonical task names");

	/* correlation terms: x 1 2 3, y 1 2 4: deviations -1 0 1 and
	 * -4/3 -1/3 5/3, norms sqrt 2 and sqrt(42)/3: terms 4/sqrt(84), 0,
	 * 5/sqrt(84), summing to 9/sqrt(84) */
	double term[4];
	is_int(al_glue_corr_terms(x, y, 3, 0, term, &e), 0, "pearson terms");
	is_dbl(term[0], 4 / sqrt(84), 1e-15, "pearson term 1");
	is_dbl(term[1], 0, 1e-15, "pearson term 2");
	is_dbl(term[0] + term[1] + term[2], al_glue_pearson(x, y, 3), 0, "pearson terms add up");
	is_int(al_glue_corr_terms(sx, sy, 4, 1, term, &e), 0, "spearman terms");
	is_dbl(term[0] + term[1] + term[2] + term[3], al_glue_spearman(sx, sy, 4), 0,
	       "spearman terms (of the average ranks) add up");
	al_glue_corr_terms(x, c, 3, 0, term, &e);
	ok(isnan(term[0]) && isnan(term[2]), "terms of a constant side are NaN");

	/* the summation order of numpy's mean: 9 values > 8: pairwise */
	double v[9] = {1e16, 1, -1e16, 1, 1, 1, 1, 1, 1};
	/* r[0..7] = first 8; ((1e16+1)+(-1e16+1)) + ((1+1)+(1+1)) = 0+2 ... + 1 */
	is_dbl(al_np_mean(v, 9) * 9, ((1e16 + 1) + (-1e16 + 1)) + ((1.0 + 1) + (1.0 + 1)) + 1, 0,
	       "np.mean sums 8 lanes then the rest");
	char buf[40];
	is_str(al_fmt_double(0.1, buf, sizeof buf), "0.1", "shortest text of 0.1");
	is_str(al_fmt_double(1.0 / 3, buf, sizeof buf), "0.3333333333333333", "shortest text of 1/3");
	return done_testing();
}
