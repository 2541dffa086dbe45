/* test_spm_trie.c: the double-array trie against a plain list search. */
#include <string.h>

#include "pipeline/spm_trie.h"
#include "tests/tap.h"

int main(void)
{
	const char *keys[] = {"a", "ab", "abc", "b", "\xe2\x96\x81", "\xe2\x96\x81the",
			      "\xff", "zz"};
	size_t lens[8];
	int32_t vals[8];
	for (int i = 0; i < 8; i++) {
		lens[i] = strlen(keys[i]);
		vals[i] = 10 * i;
	}
	al_err e = {0};
	al_spm_trie *t = al_spm_trie_new(keys, lens, vals, 8, &e);
	ok(t != NULL, "builds (%s)", e.msg);
	for (int i = 0; i < 8; i++)
		is_int(al_spm_trie_find(t, keys[i], lens[i]), 10 * i, "finds '%s'", keys[i]);
	is_int(al_spm_trie_find(t, "abcd", 4), -1, "abcd is not a key");
	is_int(al_spm_trie_find(t, "z", 1), -1, "a prefix of a key is not a key");
	is_int(al_spm_trie_find(t, "", 0), -1, "the empty string is not a key");
	int32_t v = -1;
	is_int(al_spm_trie_longest(t, "abx", 3, &v), 2, "longest prefix of abx is ab");
	is_int(v, 10, "with ab's value");
	is_int(al_spm_trie_longest(t, "\xe2\x96\x81thx", 6, &v), 3, "longest of _thx");
	is_int(al_spm_trie_longest(t, "q", 1, NULL), 0, "no prefix of q");
	int32_t s = al_spm_trie_next(t, 0, 'a');
	ok(s >= 0 && al_spm_trie_value(t, s) == 0, "step a");
	s = al_spm_trie_next(t, s, 'b');
	ok(s >= 0 && al_spm_trie_value(t, s) == 10, "step ab");
	is_int(al_spm_trie_next(t, s, 'x'), -1, "no step abx");
	is_int(al_spm_trie_next(t, 0, 0), -1, "a NUL byte never matches");
	al_spm_trie_free(t);

	const char *dup[] = {"x", "x"};
	size_t dl[] = {1, 1};
	int32_t dv[] = {1, 2};
	t = al_spm_trie_new(dup, dl, dv, 2, &e);
	ok(!t && e.code == AL_EINVAL, "a duplicate key is refused");

	/* Many keys: every 1- and 2-byte string over 40 letters, checked
	 * against the keys themselves and non-keys. */
	enum { N = 40 + 40 * 40 };
	static char store[N][2];
	static const char *k[N];
	static size_t l[N];
	static int32_t vv[N];
	int n = 0;
	for (int a = 0; a < 40; a++) {
		store[n][0] = (char)(0x30 + a * 5);
		k[n] = store[n]; l[n] = 1; vv[n] = n; n++;
		for (int b = 0; b < 40; b++) {
			store[n][0] = (char)(0x30 + a * 5);
			store[n][1] = (char)(0x31 + b * 3);
			k[n] = store[n]; l[n] = 2; vv[n] = n; n++;
		}
	}
	t = al_spm_trie_new(k, l, vv, (size_t)n, &e);
	int bad = 0;
	for (int i = 0; i < n && t; i++)
		bad += al_spm_trie_find(t, k[i], l[i]) != i;
	ok(t && bad == 0, "1640 keys all found (%d wrong)", bad);
	char nk[2] = {0x30, 0x30};
	ok(t && al_spm_trie_find(t, nk, 2) == -1, "a non-key is not found");
	al_spm_trie_free(t);
	return done_testing();
}
