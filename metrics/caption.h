/* caption.h: the COCO caption metrics, as pycocoevalcap computes them:
 * CIDEr-D, BLEU-1..4 and ROUGE-L over a corpus of images, each with one
 * candidate caption and one or more reference captions.
 *
 *     al_captions *c = al_captions_new();
 *     const char *refs[] = {"a dog runs", "the dog is running"};
 *     al_captions_add(c, "a dog is running", refs, 2, &e);
 *     ...
 *     double cider, per[n];
 *     al_cider_d(c, per, &cider, &e);
 *
 * Captions are already tokenized: tokens are separated by whitespace (run
 * the PTB tokenizer of ptbtok.h first for raw text).  CIDEr-D and BLEU
 * split on runs of whitespace as Python's str.split(); ROUGE-L splits on
 * single spaces as str.split(" ") does (so "" is one empty token there).
 */
#ifndef AL_CAPTION_H
#define AL_CAPTION_H

#include <stddef.h>

#include "lib/err.h"

typedef struct al_captions al_captions;

/* An empty corpus; NULL on no memory. */
al_captions *al_captions_new(void);
void al_captions_free(al_captions *c);

/* Add one image: its candidate caption and its nrefs (>= 1) reference
 * captions.  AL_EINVAL if nrefs is 0, AL_ENOMEM on no memory. */
int al_captions_add(al_captions *c, const char *cand, const char *const *refs,
		    size_t nrefs, al_err *e);

/* Size the tables for about this many images, sentences (candidates and
 * references) and tokens in all (optional: a hint that spares regrowing
 * them).  Returns 0 or AL_ENOMEM. */
int al_captions_reserve(al_captions *c, size_t images, size_t sentences,
			size_t tokens, al_err *e);

/* CIDEr-D (n = 1..4, sigma 6, clipped, x10, document frequencies over the
 * references of this corpus, log(max(1, df))), as pycocoevalcap's Cider:
 * *score is the mean over images and per_image (NULL or count() doubles)
 * the score of each.  A one-image corpus scores 0 (every idf is 0).
 * (CIDEr-D and BLEU use scratch space inside c: not for two threads.)
 * AL_EINVAL on an empty corpus. */
int al_cider_d(al_captions *c, double *per_image, double *score, al_err *e);

/* BLEU-1..4 as pycocoevalcap's Bleu with option "closest": score[k] is
 * the corpus BLEU-(k+1) (clipped n-gram counts summed over the corpus,
 * the reference length closest to each candidate's, ties to the shorter,
 * epsilons 1e-15 and 1e-9), per_image (NULL or 4 * count() doubles, image
 * i's BLEU-(k+1) at [4 * i + k]) the sentence-level scores the reference
 * returns beside it.  AL_EINVAL on an empty corpus. */
int al_bleu(al_captions *c, double score[4], double *per_image, al_err *e);

/* ROUGE-L (longest common subsequence F-measure, beta 1.2, the best
 * precision and the best recall over the references) as pycocoevalcap's
 * Rouge: *score the mean over images, per_image (NULL or count() doubles)
 * each image's.  AL_EINVAL on an empty corpus. */
int al_rouge_l(const al_captions *c, double *per_image, double *score, al_err *e);

#endif
