/* spm_trie.h: a byte trie in a double array, for looking up SentencePiece
 * pieces: exact matches, the longest prefix of a text that is a key, and a
 * step-by-step walk (the unigram encoder follows every piece that starts at
 * a position).
 *
 *     const char *keys[] = {"a", "ab"};  size_t lens[] = {1, 2};
 *     int32_t vals[] = {7, 9};
 *     al_spm_trie *t = al_spm_trie_new(keys, lens, vals, 2, &e);
 *     al_spm_trie_find(t, "ab", 2) == 9
 *     int32_t s = 0;  s = al_spm_trie_next(t, s, 'a');  // state after "a"
 *     al_spm_trie_value(t, s) == 7
 */
#ifndef AL_SPM_TRIE_H
#define AL_SPM_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

typedef struct al_spm_trie_node {
	int32_t base;   /* children of this state are at base + byte */
	int32_t check;  /* the parent state of this slot; -1 if free */
	int32_t value;  /* the key's value if a key ends here, else -1 */
} al_spm_trie_node;

typedef struct al_spm_trie {
	al_spm_trie_node *a;
	size_t n;       /* slots; every base + 255 is below n */
} al_spm_trie;

/* Build a trie over n distinct keys (bytes, any length >= 1) with values
 * >= 0.  Returns NULL on no memory or a duplicate key (AL_EINVAL). n may be
 * 0 (a trie that matches nothing). */
al_spm_trie *al_spm_trie_new(const char *const *keys, const size_t *lens,
			     const int32_t *values, size_t n, al_err *e);
/* Free t; NULL is allowed. */
void al_spm_trie_free(al_spm_trie *t);

/* The state after byte c from state s (the root is 0), or -1 if no key
 * continues that way. */
static inline int32_t al_spm_trie_next(const al_spm_trie *t, int32_t s, uint8_t c)
{
	int32_t p = t->a[s].base + c;
	return t->a[p].check == s ? p : -1;
}

/* The value of the key ending at state s, or -1. */
static inline int32_t al_spm_trie_value(const al_spm_trie *t, int32_t s)
{
	return t->a[s].value;
}

/* The value of key s[0..len), or -1 if it is not a key. */
int32_t al_spm_trie_find(const al_spm_trie *t, const char *s, size_t len);

/* The length of the longest key that is a prefix of s[0..len) (0 if none);
 * its value in *value when value is not NULL. */
size_t al_spm_trie_longest(const al_spm_trie *t, const char *s, size_t len,
			   int32_t *value);

#endif
