/* test_caption.c: CIDEr-D, BLEU and ROUGE-L on hand-worked corpora; each
 * expected value is derived on paper from the definitions in
 * pycocoevalcap (comments show the working). */
#include <math.h>
#include <stdlib.h>

#include "metrics/caption.h"
#include "tests/tap.h"

static al_captions *corpus(const char *const (*img)[3], int n)
{
	al_captions *c = al_captions_new();
	al_err e = {0};
	for (int i = 0; i < n; i++) {
		size_t nr = img[i][2] ? 2 : 1;
		if (al_captions_add(c, img[i][0], img[i] + 1, nr, &e) < 0)
			printf("# add: %s\n", e.msg);
	}
	return c;
}

static void test_cider(void)
{
	al_err e = {0};
	double s, per[3];
	/* N = 2, every n-gram of the references is in one image: idf log 2.
	 * Image 1 identical to its reference: n = 1 and 2 cosines 1, n = 3, 4
	 * empty (0): (1 + 1) / 4 * 10 = 5.  Image 2 shares nothing: 0. */
	const char *const a[][3] = {{"a b", "a b", NULL}, {"c", "d", NULL}};
	al_captions *c = corpus(a, 2);
	is_int(al_cider_d(c, per, &s, &e), 0, "cider: scores");
	is_dbl(per[0], 5.0, 1e-12, "cider: identical caption scores 5");
	is_dbl(per[1], 0.0, 1e-12, "cider: disjoint caption scores 0");
	is_dbl(s, 2.5, 1e-12, "cider: corpus is the mean");
	al_captions_free(c);

	/* Length penalty: "x y" vs "x y z": 1-gram cosine 2/sqrt(6), 2-gram
	 * 1/sqrt(2); bigram counts 1 and 2, delta -1: exp(-1/72). */
	const char *const b[][3] = {{"x y", "x y z", NULL}, {"q", "w", NULL}};
	c = corpus(b, 2);
	al_cider_d(c, per, &s, &e);
	double want = (2 / sqrt(6) + 1 / sqrt(2)) * exp(-1.0 / 72) / 4 * 10;
	is_dbl(per[0], want, 1e-12, "cider: gaussian length penalty, sigma 6");
	al_captions_free(c);

	/* Clipping: "a a" vs "a b": min(2L, L) * L / (2L * sqrt(2) L) for
	 * 1-grams, 0 for 2-grams: 1 / (2 sqrt 2) / 4 * 10. */
	const char *const d[][3] = {{"a a", "a b", NULL}, {"c", "d", NULL}};
	c = corpus(d, 2);
	al_cider_d(c, per, &s, &e);
	is_dbl(per[0], 10 / (8 * sqrt(2)), 1e-12, "cider: candidate counts clipped by the reference's");
	al_captions_free(c);

	/* Document frequency: "a" is in both images' references: idf 0, so
	 * only "b" counts: image 1 "a b" vs "a b": 1-gram cosine 1, 2-gram 1. */
	const char *const f[][3] = {{"a b", "a b", NULL}, {"a", "a c", NULL}};
	c = corpus(f, 2);
	al_cider_d(c, per, &s, &e);
	is_dbl(per[0], 5.0, 1e-12, "cider: df over the references");
	/* image 2 "a" vs "a c": "a" weighs 0 (df 2): norm 0, score 0 */
	is_dbl(per[1], 0.0, 1e-12, "cider: an n-gram in every image weighs nothing");
	al_captions_free(c);

	/* Two references: the mean of the two similarities. */
	const char *const g[][3] = {{"a b", "a b", "c d"}, {"e", "f", NULL}};
	c = corpus(g, 2);
	al_cider_d(c, per, &s, &e);
	is_dbl(per[0], 2.5, 1e-12, "cider: divided by the number of references");
	al_captions_free(c);

	/* One image: log(1) - log(1) = 0 everywhere: 0, as the reference. */
	const char *const h[][3] = {{"a b", "a b", NULL}};
	c = corpus(h, 1);
	al_cider_d(c, per, &s, &e);
	is_dbl(s, 0.0, 0, "cider: a one-image corpus scores 0");
	al_captions_free(c);

	c = al_captions_new();
	is_int(al_cider_d(c, NULL, &s, &e), AL_EINVAL, "cider: an empty corpus is an error");
	is_int(al_captions_add(c, "a", NULL, 0, &e), AL_EINVAL, "an image without references is an error");
	al_captions_free(c);
}

static void test_bleu(void)
{
	al_err e = {0};
	double b[4], per[8];
	const double tiny = 1e-15, small = 1e-9;
	/* "a b c d" vs refs of 5 and 2 words: every n-gram matches; the
	 * closest length is 5: brevity penalty exp(1 - 1/ratio). */
	const char *const a[][3] = {{"a b c d", "a b c d e", "a b"}};
	al_captions *c = corpus(a, 1);
	is_int(al_bleu(c, b, per, &e), 0, "bleu: scores");
	double ratio = (4 + tiny) / (5 + small), bp = exp(1 - 1 / ratio);
	double p = 1;
	for (int k = 0; k < 4; k++) {
		p *= ((4 - k) + tiny) / ((4 - k) + small);
		is_dbl(b[k], pow(p, 1.0 / (k + 1)) * bp, 1e-12, "bleu: BLEU-%d with the brevity penalty", k + 1);
		is_dbl(per[k], b[k], 1e-12, "bleu: one image: sentence BLEU-%d equals the corpus", k + 1);
	}
	al_captions_free(c);

	/* Closest length, tie 2 vs 4 for a 3-word candidate: the shorter, so
	 * no brevity penalty. */
	const char *const t[][3] = {{"a b c", "a b", "a b c d"}};
	c = corpus(t, 1);
	al_bleu(c, b, NULL, &e);
	is_dbl(b[0], (3 + tiny) / (3 + small), 1e-12, "bleu: a tie in closeness goes to the shorter reference");
	al_captions_free(c);

	/* Clipping: "the the the" vs "the cat": 1 of 3 unigrams. */
	const char *const k[][3] = {{"the the the", "the cat", NULL}};
	c = corpus(k, 1);
	al_bleu(c, b, NULL, &e);
	is_dbl(b[0], (1 + tiny) / (3 + small), 1e-12, "bleu: counts clipped by the reference maximum");
	al_captions_free(c);

	/* Corpus: counts summed before dividing (not a mean of sentences):
	 * "a b" vs "a b" and "c d" vs "x y": 2 of 4 unigrams. */
	const char *const m[][3] = {{"a b", "a b", NULL}, {"c d", "x y", NULL}};
	c = corpus(m, 2);
	al_bleu(c, b, per, &e);
	/* lengths 4 and 4: ratio (4 + tiny) / (4 + small) is just below 1, so
	 * the reference's brevity penalty applies, by a hair */
	ratio = (4 + tiny) / (4 + small);
	is_dbl(b[0], (2 + tiny) / (4 + small) * exp(1 - 1 / ratio), 1e-15,
	       "bleu: corpus BLEU-1 pools the counts");
	is_dbl(per[4], (0 + tiny) / (2 + small), 1e-12, "bleu: sentence BLEU-1 of a miss is tiny/small");
	al_captions_free(c);
}

static void test_rouge(void)
{
	al_err e = {0};
	double s, per[2];
	/* "a b c d" vs "a c d e f": LCS 3, P 3/4, R 3/5, beta^2 1.44. */
	const char *const a[][3] = {{"a b c d", "a c d e f", NULL}};
	al_captions *c = corpus(a, 1);
	is_int(al_rouge_l(c, per, &s, &e), 0, "rouge: scores");
	double P = 0.75, R = 0.6, b2 = 1.2 * 1.2;
	is_dbl(s, (1 + b2) * P * R / (R + b2 * P), 1e-12, "rouge: F-measure with beta 1.2");
	al_captions_free(c);
	/* The best precision and the best recall come from different
	 * references: P = 1 (first), R = 1 (second): F = 1. */
	const char *const b[][3] = {{"a b c d", "a b c d e f g h", "a"}};
	c = corpus(b, 1);
	al_rouge_l(c, per, &s, &e);
	is_dbl(s, 1.0, 1e-12, "rouge: max precision and max recall taken separately");
	al_captions_free(c);
	/* An empty candidate is one empty token: LCS 0: 0. */
	const char *const d[][3] = {{"", "a b", NULL}, {"a b", "a b", NULL}};
	c = corpus(d, 2);
	al_rouge_l(c, per, &s, &e);
	is_dbl(per[0], 0.0, 0, "rouge: an empty candidate scores 0");
	is_dbl(s, 0.5, 1e-12, "rouge: corpus is the mean");
	al_captions_free(c);
}

int main(void)
{
	test_cider();
	test_bleu();
	test_rouge();
	return done_testing();
}
