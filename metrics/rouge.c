/* rouge.c: ROUGE-L as pycocoevalcap's rouge.py computes it. */
#include "caption_impl.h"

#include <math.h>
#include <stdlib.h>

/* Length of the longest common subsequence of a[0..na) and b[0..nb),
 * with one row of nb + 1 counts in row. */
static size_t lcs(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
		  size_t *row)
{
	for (size_t j = 0; j <= nb; j++)
		row[j] = 0;
	for (size_t i = 0; i < na; i++) {
		size_t diag = 0;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			if (a[i] == b[j - 1])
				row[j] = diag + 1;
			else if (row[j - 1] > row[j])
				row[j] = row[j - 1];
			diag = up;
		}
	}
	return row[nb];
}

int al_rouge_l(const al_captions *c, double *per_image, double *score, al_err *e)
{
	size_t N = c->nimages, maxlen = 1;
	if (N == 0)
		return al_err_set(e, AL_EINVAL, "ROUGE-L: no images to score");
	for (size_t i = 0; i < c->nsents; i++)
		if (c->sents[i].nrtok > maxlen)
			maxlen = c->sents[i].nrtok;
	size_t *row = malloc((maxlen + 1) * sizeof *row);
	double *scores = malloc(N * sizeof *scores);
	if (!row || !scores) {
		free(row);
		free(scores);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	double beta2 = pow(1.2, 2);
	for (size_t i = 0; i < N; i++) {
		const al_image *im = &c->images[i];
		const al_sent *hs = &c->sents[im->cand];
		double pmax = 0, rmax = 0;
		for (size_t r = 1; r <= im->nrefs; r++) {
			const al_sent *rs = &c->sents[im->cand + r];
			double l = (double)lcs(SENT_RTOK(c, hs), hs->nrtok, SENT_RTOK(c, rs),
					      rs->nrtok, row);
			double p = l / (double)hs->nrtok, rc = l / (double)rs->nrtok;
			if (r == 1 || p > pmax)
				pmax = p;
			if (r == 1 || rc > rmax)
				rmax = rc;
		}
		double s = 0.0;
		if (pmax != 0 && rmax != 0)
			s = ((1 + beta2) * pmax * rmax) / (rmax + beta2 * pmax);
		scores[i] = s;
		if (per_image)
			per_image[i] = s;
	}
	*score = al_np_mean(scores, N);
	free(row);
	free(scores);
	return 0;
}
