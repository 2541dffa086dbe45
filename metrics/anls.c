/* anls.c: ANLS (see anls.h). */
#include "anls.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

long al_levenshtein(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	if (na > nb) {
		const uint32_t *t = a;
		a = b;
		b = t;
		size_t tn = na;
		na = nb;
		nb = tn;
	}
	long *row = malloc((na + 1) * sizeof *row);
	if (!row)
		return -1;
	for (size_t i = 0; i <= na; i++)
		row[i] = (long)i;
	for (size_t j = 0; j < nb; j++) {
		long diag = row[0];
		row[0] = (long)j + 1;
		for (size_t i = 0; i < na; i++) {
			long up = row[i + 1], v;
			if (a[i] == b[j]) {
				v = diag;
			} else {
				v = diag < up ? diag : up;
				if (row[i] < v)
					v = row[i];
				v++;
			}
			diag = up;
			row[i + 1] = v;
		}
	}
	long d = row[na];
	free(row);
	return d;
}

/* ' '.join(s.strip().lower().split()) as code points, and the length of
 * s.upper(). */
static uint32_t *prepare(const char *s, size_t *n, size_t *upper_len)
{
	size_t cn, ln;
	uint32_t *cp = al_u8_decode(s, strlen(s), &cn);
	if (!cp)
		return NULL;
	*upper_len = al_u8_upper_len(cp, cn);
	uint32_t *lo = al_u8_lower(cp, cn, &ln);
	free(cp);
	if (!lo)
		return NULL;
	*n = al_u8_squeeze(lo, ln);
	return lo;
}

int al_anls_question(const char *pred, const char *const *answers, size_t n,
		     double *score, al_err *e)
{
	if (n == 0)
		return al_err_set(e, AL_EINVAL, "ANLS: a question without answers");
	size_t pn, pu;
	uint32_t *p = prepare(pred ? pred : "", &pn, &pu);
	if (!p)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	double best = 0;
	for (size_t i = 0; i < n; i++) {
		size_t gn, gu;
		uint32_t *g = prepare(answers[i] ? answers[i] : "", &gn, &gu);
		long d = g ? al_levenshtein(g, gn, p, pn) : -1;
		free(g);
		if (d < 0) {
			free(p);
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		size_t len = gu > pu ? gu : pu;
		double v = len == 0 ? 0.0 : (double)d / (double)len;
		if (i == 0 || v < best)
			best = v;
	}
	free(p);
	double r = 1 - best;
	*score = r < 0.5 ? 0 : r;
	return 0;
}
