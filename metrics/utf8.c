/* utf8.c: Python 3 string semantics over UTF-8 (see utf8.h). */
#include "utf8.h"

#include <locale.h>
#include <stdlib.h>
#include <wctype.h>

uint32_t *al_u8_decode(const char *s, size_t len, size_t *n)
{
	uint32_t *out = malloc((len + 1) * sizeof *out);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k = 0;
	while (i < len) {
		unsigned c = p[i];
		int need;
		uint32_t cp;
		if (c < 0x80) {
			out[k++] = c;
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
		} else {
			out[k++] = 0xfffd;
			i++;
			continue;
		}
		int bad = 0;
		for (int j = 1; j <= need; j++) {
			if (i + j >= len || (p[i + j] & 0xc0) != 0x80) {
				bad = 1;
				break;
			}
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if (bad) {
			out[k++] = 0xfffd;
			i++;
			continue;
		}
		out[k++] = cp;
		i += need + 1;
	}
	*n = k;
	return out;
}

char *al_u8_encode(const uint32_t *cp, size_t n, size_t *len)
{
	char *out = malloc(n * 4 + 1);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cp[i];
		if (c < 0x80) {
			out[k++] = (char)c;
		} else if (c < 0x800) {
			out[k++] = (char)(0xc0 | (c >> 6));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[k++] = (char)(0xe0 | (c >> 12));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[k++] = (char)(0xf0 | (c >> 18));
			out[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[k] = 0;
	if (len)
		*len = k;
	return out;
}

int al_u8_isspace(uint32_t c)
{
	if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
		return 1;
	if (c < 0x85)
		return 0;
	return c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The C.UTF-8 locale for towlower_l/towupper_l (Unicode simple case
 * mappings), created once. */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static int tried;
	if (!tried) {
		tried = 1;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

/* Unicode's unconditional SpecialCasing.txt upper mappings that expand
 * (the ones Python applies), as {code point, up to 3 code points}. */
static const uint32_t special_upper[][4] = {
	{0x00df, 0x0053, 0x0053, 0},       /* ß -> SS */
	{0x0149, 0x02bc, 0x004e, 0},       /* ŉ */
	{0x01f0, 0x004a, 0x030c, 0},       /* ǰ */
	{0x0390, 0x0399, 0x0308, 0x0301},  /* ΐ */
	{0x03b0, 0x03a5, 0x0308, 0x0301},  /* ΰ */
	{0x0587, 0x0535, 0x0552, 0},       /* և */
	{0x1e96, 0x0048, 0x0331, 0},
	{0x1e97, 0x0054, 0x0308, 0},
	{0x1e98, 0x0057, 0x030a, 0},
	{0x1e99, 0x0059, 0x030a, 0},
	{0x1e9a, 0x0041, 0x02be, 0},
	{0xfb00, 0x0046, 0x0046, 0},       /* ﬀ */
	{0xfb01, 0x0046, 0x0049, 0},       /* ﬁ */
	{0xfb02, 0x0046, 0x004c, 0},       /* ﬂ */
	{0xfb03, 0x0046, 0x0046, 0x0049},  /* ﬃ */
	{0xfb04, 0x0046, 0x0046, 0x004c},  /* ﬄ */
	{0xfb05, 0x0053, 0x0054, 0},
	{0xfb06, 0x0053, 0x0054, 0},
	{0xfb13, 0x0544, 0x0546, 0},
	{0xfb14, 0x0544, 0x0535, 0},
	{0xfb15, 0x0544, 0x053b, 0},
	{0xfb16, 0x054e, 0x0546, 0},
	{0xfb17, 0x0544, 0x053d, 0},
};

static const uint32_t *upper_special(uint32_t c)
{
	if (c != 0xdf && c != 0x149 && c != 0x1f0 && c != 0x390 && c != 0x3b0 &&
	    c != 0x587 && !(c >= 0x1e96 && c <= 0x1e9a) && !(c >= 0xfb00 && c <= 0xfb17))
		return NULL;
	for (size_t i = 0; i < sizeof special_upper / sizeof *special_upper; i++)
		if (special_upper[i][0] == c)
			return special_upper[i] + 1;
	return NULL;
}

static uint32_t simple_lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	locale_t loc = utf8_locale();
	return loc ? (uint32_t)towlower_l((wint_t)c, loc) : c;
}

static uint32_t simple_upper(uint32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? c - 32 : c;
	locale_t loc = utf8_locale();
	return loc ? (uint32_t)towupper_l((wint_t)c, loc) : c;
}

static int is_cased(uint32_t c)
{
	return simple_lower(c) != c || simple_upper(c) != c;
}

uint32_t *al_u8_lower(const uint32_t *cp, size_t n, size_t *out_n)
{
	uint32_t *out = malloc((2 * n + 1) * sizeof *out);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cp[i];
		if (c == 0x130) {            /* İ -> i + combining dot above */
			out[k++] = 'i';
			out[k++] = 0x307;
		} else if (c == 0x3a3) {     /* Σ: final sigma rule */
			int before = 0, after = 0;
			for (size_t j = i; j-- > 0;)
				if (is_cased(cp[j])) { before = 1; break; }
			if (i + 1 < n && is_cased(cp[i + 1]))
				after = 1;
			out[k++] = before && !after ? 0x3c2 : 0x3c3;
		} else {
			out[k++] = simple_lower(c);
		}
	}
	*out_n = k;
	return out;
}

size_t al_u8_upper_len(const uint32_t *cp, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const uint32_t *sp = upper_special(cp[i]);
		if (!sp) {
			k++;
			continue;
		}
		for (int j = 0; j < 3 && sp[j]; j++)
			k++;
	}
	return k;
}

size_t al_u8_squeeze(uint32_t *cp, size_t n)
{
	size_t k = 0;
	int pending = 0;
	for (size_t i = 0; i < n; i++) {
		if (al_u8_isspace(cp[i])) {
			pending = k > 0;
			continue;
		}
		if (pending) {
			cp[k++] = ' ';
			pending = 0;
		}
		cp[k++] = cp[i];
	}
	return k;
}
