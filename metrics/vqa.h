/* vqa.h: VQA accuracy as the official VQA evaluation (vqaEval.py of
 * GT-Vision-Lab/VQA) computes it.
 *
 * Answers lose '\n' and '\t' (made spaces) and surrounding whitespace.
 * Only when the ground-truth answers are not all the same are they, and
 * the predicted answer, normalised: punctuation removed or made a space,
 * periods not before a digit dropped, lowercased, number words made digits
 * ("two" -> "2"), articles dropped, contractions restored ("dont" ->
 * "don't").  The accuracy of a question is the mean, over each of the
 * ground-truth answers left out in turn, of min(1, matches among the
 * others / 3): with ten answers, the average over the ten subsets of nine.
 */
#ifndef AL_VQA_H
#define AL_VQA_H

#include <stddef.h>

#include "lib/err.h"

/* The accuracy (a fraction in [0, 1]) of pred against the n (>= 1)
 * ground-truth answers into *acc.  AL_EINVAL if n is 0, AL_ENOMEM. */
int al_vqa_accuracy(const char *pred, const char *const *answers, size_t n,
		    double *acc, al_err *e);

/* The official normalisation of one answer (processPunctuation then
 * processDigitArticle): a malloc'd string, NULL on no memory. */
char *al_vqa_normalize(const char *answer);

#endif
