/* test_spm_norm.c: normalization with the T5 model's nmt_nfkc charsmap
 * (expected strings as Debian's spm_normalize prints them, with U+2581 for
 * the escaped spaces), whitespace options, and UTF-8 reading. */
#include <string.h>

#include "lib/utf8.h"
#include "pipeline/spm_norm.h"
#include "tests/tap.h"

#define SP "\xe2\x96\x81"

static const char *tdata(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("TESTDATA");
	snprintf(buf, sizeof buf, "%s/%s", d ? d : "tests/data", rel);
	return buf;
}

static const char *norm(const al_spm_norm *n, const char *s, size_t len)
{
	static al_spm_buf b;
	if (al_spm_norm_run(n, s, len, &b) || al_spm_buf_reserve(&b, 1))
		return "(error)";
	b.s[b.len] = 0;
	return b.s;
}

int main(void)
{
	al_err e = {0};
	al_spm_model *m = al_spm_model_load(tdata("spm/t5_spiece.model"), &e);
	ok(m != NULL, "T5 model (%s)", e.msg);
	if (!m)
		return done_testing();
	al_spm_norm *n = al_spm_norm_new(&m->norm, 0, NULL, "t5", &e);
	ok(n != NULL, "normalizer (%s)", e.msg);
	is_str(norm(n, "Hello world", 11), SP "Hello" SP "world", "dummy prefix, escaped space");
	is_str(norm(n, "  spaced   out  ", 16), SP "spaced" SP "out", "extra spaces removed");
	is_str(norm(n, "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3 \xef\xac\x81ne", 15),
	       SP "ABC" SP "fine", "full-width ABC and the fi ligature (NFKC)");
	is_str(norm(n, "bad \xff byte", 10), SP "bad" SP "\xef\xbf\xbd" SP "byte",
	       "an invalid byte becomes U+FFFD");
	is_str(norm(n, "a\tb", 3), SP "a" SP "b", "a tab is a space (nmt)");
	is_str(norm(n, "   ", 3), "", "spaces only: empty");
	is_str(norm(n, "", 0), "", "empty: empty");
	al_spm_norm_free(n);

	al_spm_normspec raw = m->norm;
	raw.add_dummy_prefix = 0;
	raw.remove_extra_whitespaces = 0;
	raw.escape_whitespaces = 0;
	n = al_spm_norm_new(&raw, 0, NULL, "t5", &e);
	is_str(norm(n, " a  b ", 6), " a  b ", "all whitespace options off");
	al_spm_norm_free(n);
	raw = m->norm;
	n = al_spm_norm_new(&raw, 1, NULL, "t5", &e);
	is_str(norm(n, "a b", 3), "a" SP "b" SP, "whitespace as suffix");
	al_spm_norm_free(n);

	const char *ukeys[] = {"\xef\xbc\xa1"};
	size_t ul[] = {3};
	int32_t uv[] = {5};
	al_spm_trie *u = al_spm_trie_new(ukeys, ul, uv, 1, &e);
	n = al_spm_norm_new(&m->norm, 0, u, "t5", &e);
	is_str(norm(n, "\xef\xbc\xa1\xef\xbc\xa1", 6), SP "\xef\xbc\xa1\xef\xbc\xa1",
	       "a user-defined piece is not normalized");
	al_spm_norm_free(n);
	al_spm_trie_free(u);

	al_spm_normspec broken = m->norm;
	broken.charsmap.len = 3;
	n = al_spm_norm_new(&broken, 0, NULL, "t5", &e);
	ok(!n && e.code == AL_EFORMAT, "a 3-byte charsmap is refused: %s", e.msg);

	/* the reference's UTF-8 reading, which the normalizer takes from lib */
	ok(al_utf8_next("\xc3\xa9", 2) == 2, "e-acute");
	ok(al_utf8_next("\xc0\xaf", 2) == 0, "overlong");
	ok(!al_utf8_next("\xed\xa0\x80", 3), "surrogate");
	ok(!al_utf8_next("\xf4\x90\x80\x80", 4), "above U+10FFFF");
	ok(al_utf8_next("\xef\xbf\xbd", 3) == 3, "U+FFFD");
	ok(!al_utf8_next("\xe2\x82", 2), "cut short");
	ok(al_utf8_next("\xf0\x9f\x98\x80", 4) == 4, "emoji");
	is_int(al_spm_char_len(0xe6), 3, "char_len of a 3-byte lead");
	is_int(al_spm_char_len(0x80), 1, "char_len of a continuation byte");
	al_spm_model_free(m);
	return done_testing();
}
