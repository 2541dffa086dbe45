/* test_anls.c: ANLS on hand-worked questions (the official DocVQA script's
 * rules), and the Levenshtein distance. */
#include <stdint.h>

#include "metrics/anls.h"
#include "tests/tap.h"

static double q(const char *pred, const char *const *ans, size_t n)
{
	double s = -1;
	al_err e = {0};
	if (al_anls_question(pred, ans, n, &s, &e) < 0)
		printf("# %s\n", e.msg);
	return s;
}

int main(void)
{
	const uint32_t k[] = {'k', 'i', 't', 't', 'e', 'n'}, s[] = {'s', 'i', 't', 't', 'i', 'n', 'g'};
	is_int(al_levenshtein(k, 6, s, 7), 3, "levenshtein(kitten, sitting) = 3");
	is_int(al_levenshtein(k, 0, s, 7), 7, "levenshtein('', sitting) = 7");

	const char *a1[] = {"john smith"};
	is_dbl(q("  John   Smith ", a1, 1), 1.0, 1e-15, "case and whitespace runs are normalized");
	const char *a2[] = {"abcd"};
	is_dbl(q("ab", a2, 1), 0.5, 1e-15, "similarity exactly 0.5 is kept");
	const char *a3[] = {"abc"};
	is_dbl(q("a", a3, 1), 0.0, 0, "below 0.5 scores 0");
	/* "  ab  " normalizes to "ab": distance 2, divided by the raw length 6 */
	is_dbl(q("  ab  ", a2, 1), 1 - 2.0 / 6, 1e-15, "the denominator is the raw strings' length");
	/* ß: "straße" vs "strasse": distance 2; upper() lengths 7 and 7 */
	const char *a4[] = {"STRASSE"};
	is_dbl(q("Straße", a4, 1), 1 - 2.0 / 7, 1e-15, "code points, and str.upper() lengths (ß is SS)");
	const char *a5[] = {"xyz", "abcd", "abce"};
	is_dbl(q("abcd", a5, 3), 1.0, 1e-15, "the best of the answers");
	const char *a6[] = {""};
	is_dbl(q("", a6, 1), 1.0, 1e-15, "two empty strings: value 0, score 1");
	is_dbl(q("x", NULL, 0), -1, 0, "no answers is an error");
	return done_testing();
}
