/* cider.c: CIDEr-D as pycocoevalcap's cider_scorer.py computes it. */
#include "caption_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* math.e (np.e) of the reference */
static const double py_e = 2.718281828459045;

/* A sentence's n-grams as tf-idf vectors, one per order: weights w (by
 * entry), the norm per order and the number of 2-grams (the reference
 * counts those as the length). */
static long to_vec(const al_ngrams *g, const double *logdf, double ref_len, double *w,
		   double norm[AL_CAP_N])
{
	long length = 0;
	for (int k = 0; k < AL_CAP_N; k++) {
		double sq = 0.0;
		for (size_t j = g->first[k]; j < g->first[k + 1]; j++) {
			w[j] = (double)g->cnt[j] * (ref_len - logdf[g->df[j]]);
			sq += pow(w[j], 2);
			if (k == 1)
				length += g->cnt[j];
		}
		norm[k] = sqrt(sq);
	}
	return length;
}

int al_cider_d(al_captions *c, double *per_image, double *score, al_err *e)
{
	size_t N = c->nimages;
	if (N == 0)
		return al_err_set(e, AL_EINVAL, "CIDEr-D: no images to score");
	int rc = al_captions_prepare(c, e);
	if (rc < 0)
		return rc;
	size_t maxng = c->maxocc + 1;
	/* log(max(1, df)) for every possible df (0..N) */
	double *logdf = malloc((N + 1) * sizeof *logdf);
	double *scores = malloc(N * sizeof *scores);
	double *hw = malloc(maxng * sizeof *hw), *rw = malloc(maxng * sizeof *rw);
	al_ngrams hg, rg;
	int ha = al_ngrams_alloc(c, &hg), ra = al_ngrams_alloc(c, &rg);
	if (!logdf || !scores || !hw || !rw || ha < 0 || ra < 0) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t d = 0; d <= N; d++)
		logdf[d] = log(d > 1 ? (double)d : 1.0);
	double ref_len = log((double)N);
	for (size_t i = 0; i < N; i++) {
		const al_image *im = &c->images[i];
		al_captions_ngrams(c, &c->sents[im->cand], &hg);
		double hn[AL_CAP_N], rn[AL_CAP_N];
		long hlen = to_vec(&hg, logdf, ref_len, hw, hn);
		double sc[AL_CAP_N] = {0};
		for (size_t r = 1; r <= im->nrefs; r++) {
			al_captions_ngrams(c, &c->sents[im->cand + r], &rg);
			long rlen = to_vec(&rg, logdf, ref_len, rw, rn);
			double delta = (double)(hlen - rlen);
			double pen = pow(py_e, -pow(delta, 2) / (2 * pow(6.0, 2)));
			for (int k = 0; k < AL_CAP_N; k++) {
				double val = 0.0;
				for (uint32_t j = hg.first[k]; j < hg.first[k + 1]; j++) {
					long at = al_ngrams_find(c, &rg, k, hg.id[j]);
					double vr = at < 0 ? 0.0 : rw[at];
					double vh = hw[j];
					val += (vh < vr ? vh : vr) * vr;
				}
				if (hn[k] != 0 && rn[k] != 0)
					val /= hn[k] * rn[k];
				val *= pen;
				sc[k] += val;
			}
		}
		double avg = 0.0;
		for (int k = 0; k < AL_CAP_N; k++)
			avg += sc[k];
		avg /= AL_CAP_N;
		avg /= (double)im->nrefs;
		avg *= 10.0;
		scores[i] = avg;
		if (per_image)
			per_image[i] = avg;
	}
	*score = al_np_mean(scores, N);
out:
	free(logdf);
	free(scores);
	free(hw);
	free(rw);
	al_ngrams_free(&hg);
	al_ngrams_free(&rg);
	return rc;
}
