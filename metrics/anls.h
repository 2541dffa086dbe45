/* anls.h: ANLS (average normalised Levenshtein similarity) as the official
 * DocVQA / InfographicVQA / ST-VQA script computes it.
 *
 * For each ground-truth answer: both strings are stripped, lowercased and
 * their whitespace runs made single spaces; the Levenshtein distance of
 * the two (over code points) is divided by the longer of the two RAW
 * strings' lengths after str.upper() (so "ß" counts 2).  A question scores
 * 1 - the smallest such value, or 0 if that is below 0.5 (0.5 itself is
 * kept).
 */
#ifndef AL_ANLS_H
#define AL_ANLS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* The score of pred against the n (>= 1) answers into *score.  AL_EINVAL
 * if n is 0, AL_ENOMEM on no memory. */
int al_anls_question(const char *pred, const char *const *answers, size_t n,
		     double *score, al_err *e);

/* The Levenshtein distance of a[0..na) and b[0..nb) (code points); -1 on
 * no memory. */
long al_levenshtein(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

#endif
