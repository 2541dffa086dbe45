/* vqa.c: VQA accuracy (see vqa.h). */
#include "vqa.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static const char punct[] = ";/[]\"{}()=+\\_-><@`,?!";

static const char *const manual_map[][2] = {
	{"none", "0"}, {"zero", "0"}, {"one", "1"}, {"two", "2"},
	{"three", "3"}, {"four", "4"}, {"five", "5"}, {"six", "6"},
	{"seven", "7"}, {"eight", "8"}, {"nine", "9"}, {"ten", "10"},
};

/* The official contractions table (keys that can never match after
 * lowercasing, such as "Im", are kept as the reference has them). */
static const char *const contractions[][2] = {
	{"aint", "ain't"}, {"arent", "aren't"}, {"cant", "can't"},
	{"couldve", "could've"}, {"couldnt", "couldn't"},
	{"couldn'tve", "couldn't've"}, {"couldnt've", "couldn't've"},
	{"didnt", "didn't"}, {"doesnt", "doesn't"}, {"dont", "don't"},
	{"hadnt", "hadn't"}, {"hadnt've", "hadn't've"}, {"hadn'tve", "hadn't've"},
	{"hasnt", "hasn't"}, {"havent", "haven't"}, {"hed", "he'd"},
	{"hed've", "he'd've"}, {"he'dve", "he'd've"}, {"hes", "he's"},
	{"howd", "how'd"}, {"howll", "how'll"}, {"hows", "how's"},
	{"Id've", "I'd've"}, {"I'dve", "I'd've"}, {"Im", "I'm"}, {"Ive", "I've"},
	{"isnt", "isn't"}, {"itd", "it'd"}, {"itd've", "it'd've"},
	{"it'dve", "it'd've"}, {"itll", "it'll"}, {"let's", "let's"},
	{"maam", "ma'am"}, {"mightnt", "mightn't"}, {"mightnt've", "mightn't've"},
	{"mightn'tve", "mightn't've"}, {"mightve", "might've"},
	{"mustnt", "mustn't"}, {"mustve", "must've"}, {"neednt", "needn't"},
	{"notve", "not've"}, {"oclock", "o'clock"}, {"oughtnt", "oughtn't"},
	{"ow's'at", "'ow's'at"}, {"'ows'at", "'ow's'at"}, {"'ow'sat", "'ow's'at"},
	{"shant", "shan't"}, {"shed've", "she'd've"}, {"she'dve", "she'd've"},
	{"she's", "she's"}, {"shouldve", "should've"}, {"shouldnt", "shouldn't"},
	{"shouldnt've", "shouldn't've"}, {"shouldn'tve", "shouldn't've"},
	{"somebody'd", "somebodyd"}, {"somebodyd've", "somebody'd've"},
	{"somebody'dve", "somebody'd've"}, {"somebodyll", "somebody'll"},
	{"somebodys", "somebody's"}, {"someoned", "someone'd"},
	{"someoned've", "someone'd've"}, {"someone'dve", "someone'd've"},
	{"someonell", "someone'll"}, {"someones", "someone's"},
	{"somethingd", "something'd"}, {"somethingd've", "something'd've"},
	{"something'dve", "something'd've"}, {"somethingll", "something'll"},
	{"thats", "that's"}, {"thered", "there'd"}, {"thered've", "there'd've"},
	{"there'dve", "there'd've"}, {"therere", "there're"},
	{"theres", "there's"}, {"theyd", "they'd"}, {"theyd've", "they'd've"},
	{"they'dve", "they'd've"}, {"theyll", "they'll"}, {"theyre", "they're"},
	{"theyve", "they've"}, {"twas", "'twas"}, {"wasnt", "wasn't"},
	{"wed've", "we'd've"}, {"we'dve", "we'd've"}, {"weve", "we've"},
	{"werent", "weren't"}, {"whatll", "what'll"}, {"whatre", "what're"},
	{"whats", "what's"}, {"whatve", "what've"}, {"whens", "when's"},
	{"whered", "where'd"}, {"wheres", "where's"}, {"whereve", "where've"},
	{"whod", "who'd"}, {"whod've", "who'd've"}, {"who'dve", "who'd've"},
	{"wholl", "who'll"}, {"whos", "who's"}, {"whove", "who've"},
	{"whyll", "why'll"}, {"whyre", "why're"}, {"whys", "why's"},
	{"wont", "won't"}, {"wouldve", "would've"}, {"wouldnt", "wouldn't"},
	{"wouldnt've", "wouldn't've"}, {"wouldn'tve", "wouldn't've"},
	{"yall", "y'all"}, {"yall'll", "y'all'll"}, {"y'allll", "y'all'll"},
	{"yall'd've", "y'all'd've"}, {"y'alld've", "y'all'd've"},
	{"y'all'dve", "y'all'd've"}, {"youd", "you'd"}, {"youd've", "you'd've"},
	{"you'dve", "you'd've"}, {"youll", "you'll"}, {"youre", "you're"},
	{"youve", "you've"},
};

static int isdig(char c) { return c >= '0' && c <= '9'; }

/* processPunctuation: the decision for each mark looks at the input, the
 * replacement works on the output; then at most 32 periods that are not
 * before a digit go (re.UNICODE is passed where sub() takes its count). */
static char *process_punctuation(const char *in)
{
	size_t n = strlen(in);
	int comma = 0;
	for (size_t i = 1; i + 1 < n; i++)
		if (in[i] == ',' && isdig(in[i - 1]) && isdig(in[i + 1]))
			comma = 1;
	char *out = malloc(n + 1), *tmp = malloc(n + 1);
	if (!out || !tmp) {
		free(out);
		free(tmp);
		return NULL;
	}
	memcpy(out, in, n + 1);
	for (const char *p = punct; *p; p++) {
		char pc = *p;
		int drop = comma;
		for (size_t i = 0; i < n && !drop; i++)
			if (in[i] == pc && ((i + 1 < n && in[i + 1] == ' ') ||
					    (i > 0 && in[i - 1] == ' ')))
				drop = 1;
		size_t k = 0;
		for (char *q = out; *q; q++) {
			if (*q != pc)
				tmp[k++] = *q;
			else if (!drop)
				tmp[k++] = ' ';
		}
		tmp[k] = 0;
		memcpy(out, tmp, k + 1);
	}
	size_t k = 0;
	int removed = 0;
	for (char *q = out; *q; q++) {
		if (*q == '.' && removed < 32 && !isdig(q[1])) {
			removed++;
			continue;
		}
		tmp[k++] = *q;
	}
	tmp[k] = 0;
	free(out);
	return tmp;
}

static const char *lookup(const char *const (*table)[2], size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i][0], w) == 0)
			return table[i][1];
	return NULL;
}

/* processDigitArticle: lowercase, split, number words to digits, drop
 * articles, restore contractions, join with single spaces. */
static char *process_digit_article(const char *in)
{
	size_t n, ln;
	uint32_t *cp = al_u8_decode(in, strlen(in), &n);
	if (!cp)
		return NULL;
	uint32_t *lo = al_u8_lower(cp, n, &ln);
	free(cp);
	if (!lo)
		return NULL;
	char *out = malloc(ln * 4 + 1);
	if (!out) {
		free(lo);
		return NULL;
	}
	size_t k = 0, i = 0;
	while (i < ln) {
		if (al_u8_isspace(lo[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < ln && !al_u8_isspace(lo[j]))
			j++;
		char *w = al_u8_encode(lo + i, j - i, NULL);
		if (!w) {
			free(lo);
			free(out);
			return NULL;
		}
		i = j;
		const char *m = lookup(manual_map, sizeof manual_map / sizeof *manual_map, w);
		const char *word = m ? m : w;
		if (strcmp(word, "a") && strcmp(word, "an") && strcmp(word, "the")) {
			const char *c = lookup(contractions, sizeof contractions /
					       sizeof *contractions, word);
			if (c)
				word = c;
			size_t wl = strlen(word);
			if (k)
				out[k++] = ' ';
			memcpy(out + k, word, wl);  /* ASCII: fits in 4 bytes a code point */
			k += wl;
		}
		free(w);
	}
	out[k] = 0;
	free(lo);
	return out;
}

char *al_vqa_normalize(const char *answer)
{
	char *p = process_punctuation(answer);
	if (!p)
		return NULL;
	char *d = process_digit_article(p);
	free(p);
	return d;
}

/* '\n' and '\t' to spaces, then Python's strip(). */
static char *clean(const char *s)
{
	size_t n;
	uint32_t *cp = al_u8_decode(s, strlen(s), &n);
	if (!cp)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (cp[i] == '\n' || cp[i] == '\t')
			cp[i] = ' ';
	size_t b = 0, e = n;
	while (b < e && al_u8_isspace(cp[b]))
		b++;
	while (e > b && al_u8_isspace(cp[e - 1]))
		e--;
	char *out = al_u8_encode(cp + b, e - b, NULL);
	free(cp);
	return out;
}

int al_vqa_accuracy(const char *pred, const char *const *answers, size_t n,
		    double *acc, al_err *e)
{
	if (n == 0)
		return al_err_set(e, AL_EINVAL, "VQA: a question without answers");
	char **gt = calloc(n, sizeof *gt);
	char *res = clean(pred ? pred : "");
	int rc = 0;
	if (!gt || !res)
		goto nomem;
	int differ = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(gt[i] = clean(answers[i] ? answers[i] : "")))
			goto nomem;
		if (i && strcmp(gt[i], gt[0]))
			differ = 1;
	}
	if (differ) {
		for (size_t i = 0; i < n; i++) {
			char *t = al_vqa_normalize(gt[i]);
			if (!t)
				goto nomem;
			free(gt[i]);
			gt[i] = t;
		}
		char *t = al_vqa_normalize(res);
		if (!t)
			goto nomem;
		free(res);
		res = t;
	}
	size_t match = 0;
	for (size_t i = 0; i < n; i++)
		match += strcmp(gt[i], res) == 0;
	double sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		size_t others = match - (strcmp(gt[i], res) == 0);
		double a = (double)others / 3;
		sum += a < 1 ? a : 1;
	}
	*acc = sum / (double)n;
	goto out;
nomem:
	rc = al_err_set(e, AL_ENOMEM, "out of memory");
out:
	if (gt)
		for (size_t i = 0; i < n; i++)
			free(gt[i]);
	free(gt);
	free(res);
	return rc;
}
