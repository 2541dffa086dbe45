/* test_vqa.c: VQA accuracy on hand-worked questions (the rules of the
 * official vqaEval.py, one case each). */
#include <stdlib.h>

#include "metrics/vqa.h"
#include "tests/tap.h"

static double acc(const char *pred, const char *const *ans, size_t n)
{
	double a = -1;
	al_err e = {0};
	if (al_vqa_accuracy(pred, ans, n, &a, &e) < 0)
		printf("# %s\n", e.msg);
	return a;
}

static void norm(const char *in, const char *want, const char *what)
{
	char *s = al_vqa_normalize(in);
	is_str(s, want, "normalize: %s", what);
	free(s);
}

int main(void)
{
	const char *same[10] = {"yes", "yes", "yes", "yes", "yes", "yes", "yes", "yes", "yes", "yes"};
	is_dbl(acc("yes", same, 10), 1.0, 1e-15, "ten equal answers, exact match: 1");
	is_dbl(acc("Yes", same, 10), 0.0, 0, "ten equal answers are not normalized: 'Yes' misses");
	is_dbl(acc("  yes\t", same, 10), 1.0, 1e-15, "surrounding whitespace and tabs go even then");
	const char *num[10] = {"two", "two", "two", "2", "2", "2", "2", "2", "2", "2"};
	is_dbl(acc("2", num, 10), 1.0, 1e-15, "answers differ: 'two' becomes '2'");
	/* 2 "cat", 8 "dog", predict cat: leaving out a cat leaves 1 match
	 * (1/3), leaving out a dog leaves 2 (2/3): (2/3 + 16/3) / 10 = 0.6 */
	const char *cd[10] = {"cat", "cat", "dog", "dog", "dog", "dog", "dog", "dog", "dog", "dog"};
	is_dbl(acc("cat", cd, 10), 0.6, 1e-15, "the mean over the ten leave-one-out subsets");
	/* 3 "cat": cats leave 2 (2/3), dogs leave 3 (1): (2 + 7) / 10 */
	const char *cd3[10] = {"cat", "cat", "cat", "dog", "dog", "dog", "dog", "dog", "dog", "dog"};
	is_dbl(acc("cat", cd3, 10), 0.9, 1e-15, "three matches of nine count fully");
	is_dbl(acc("bird", cd3, 10), 0.0, 0, "no match: 0");
	const char *hd[4] = {"hot dog", "hot dog", "hot dog", "pizza"};
	/* 3 matches of 4: leaving out a hot dog leaves 2 (2/3), the pizza 3 (1) */
	is_dbl(acc("hot-dog", hd, 4), (3 * 2.0 / 3 + 1) / 4, 1e-15, "a hyphen becomes a space");
	const char *dn[4] = {"don't", "don't", "don't", "x"};
	is_dbl(acc("dont", dn, 4), (3 * 2.0 / 3 + 1) / 4, 1e-15, "'dont' becomes \"don't\"");
	is_dbl(acc("x", NULL, 0), -1, 0, "no answers is an error");

	norm("The Two dogs!", "2 dogs", "articles go, numbers become digits, '!' goes");
	norm("1,000", "1000", "a digit comma digit: punctuation removed without spaces");
	norm("yes.", "yes", "a period not before a digit goes");
	norm("3.5", "3.5", "a decimal point stays");
	norm("left/right", "left right", "a slash between words becomes a space");
	norm("left / right", "left right", "a slash beside a space is removed");
	norm("it's", "it's", "the apostrophe is not punctuation here");
	norm("an apple", "apple", "'an' is an article");
	norm("ten", "10", "'ten' is a number word");
	return done_testing();
}
