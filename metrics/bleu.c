/* bleu.c: BLEU-1..4 as pycocoevalcap's bleu_scorer.py computes it with
 * option "closest". */
#include "caption_impl.h"

#include <math.h>
#include <stdlib.h>

static const double tiny = 1e-15, small = 1e-9;

int al_bleu(al_captions *c, double score[4], double *per_image, al_err *e)
{
	size_t N = c->nimages;
	if (N == 0)
		return al_err_set(e, AL_EINVAL, "BLEU: no images to score");
	int rc = al_captions_prepare(c, e);
	if (rc < 0)
		return rc;
	size_t maxng = c->maxocc + 1;
	uint32_t *maxc = malloc(maxng * sizeof *maxc);
	al_ngrams hg, rg;
	int ha = al_ngrams_alloc(c, &hg), ra = al_ngrams_alloc(c, &rg);
	if (!maxc || ha < 0 || ra < 0) {
		free(maxc);
		al_ngrams_free(&hg);
		al_ngrams_free(&rg);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	long tot_guess[AL_CAP_N] = {0}, tot_correct[AL_CAP_N] = {0};
	double testlen_sum = 0, reflen_sum = 0;
	for (size_t i = 0; i < N; i++) {
		const al_image *im = &c->images[i];
		const al_sent *hs = &c->sents[im->cand];
		al_captions_ngrams(c, hs, &hg);
		const uint32_t *hcnt = hg.cnt;
		long testlen = (long)hs->ntok, reflen = -1;
		/* cook_refs: each candidate n-gram's largest count in one
		 * reference */
		for (uint32_t j = 0; j < hg.n; j++)
			maxc[j] = 0;
		for (size_t r = 1; r <= im->nrefs; r++) {
			const al_sent *rs = &c->sents[im->cand + r];
			al_captions_ngrams(c, rs, &rg);
			const uint32_t *rcnt = rg.cnt;
			long l = (long)rs->ntok;
			long d = labs(l - testlen), bd = labs(reflen - testlen);
			if (reflen < 0 || d < bd || (d == bd && l < reflen))
				reflen = l;
			for (int k = 0; k < AL_CAP_N; k++)
				for (uint32_t j = hg.first[k]; j < hg.first[k + 1]; j++) {
					long at = al_ngrams_find(c, &rg, k, hg.id[j]);
					if (at >= 0 && rcnt[at] > maxc[j])
						maxc[j] = rcnt[at];
				}
		}
		long guess[AL_CAP_N], correct[AL_CAP_N] = {0};
		for (int k = 0; k < AL_CAP_N; k++) {
			guess[k] = testlen - k > 0 ? testlen - k : 0;
			for (size_t j = hg.first[k]; j < hg.first[k + 1]; j++)
				correct[k] += hcnt[j] < maxc[j] ? hcnt[j] : maxc[j];
			tot_guess[k] += guess[k];
			tot_correct[k] += correct[k];
		}
		testlen_sum += (double)testlen;
		reflen_sum += (double)reflen;
		if (per_image) {
			double b = 1.0;
			for (int k = 0; k < AL_CAP_N; k++) {
				b *= ((double)correct[k] + tiny) / ((double)guess[k] + small);
				per_image[4 * i + k] = pow(b, 1.0 / (k + 1.0));
			}
			double ratio = ((double)testlen + tiny) / ((double)reflen + small);
			if (ratio < 1)
				for (int k = 0; k < AL_CAP_N; k++)
					per_image[4 * i + k] *= exp(1 - 1 / ratio);
		}
	}
	free(maxc);
	al_ngrams_free(&hg);
	al_ngrams_free(&rg);
	double b = 1.0;
	for (int k = 0; k < AL_CAP_N; k++) {
		b *= ((double)tot_correct[k] + tiny) / ((double)tot_guess[k] + small);
		score[k] = pow(b, 1.0 / (k + 1.0));
	}
	double ratio = (testlen_sum + tiny) / (reflen_sum + small);
	if (ratio < 1)
		for (int k = 0; k < AL_CAP_N; k++)
			score[k] *= exp(1 - 1 / ratio);
	return 0;
}
