/* spm_norm.h: SentencePiece text normalization, as the reference library
 * does it before encoding.
 *
 * The model's precompiled charsmap is a double-array trie (darts-clone
 * layout) over input byte strings whose values point into a blob of
 * NUL-terminated replacement strings; at each position the longest rule
 * wins, user-defined pieces are copied as they are, other valid UTF-8
 * characters are copied, and each invalid byte becomes U+FFFD.  Then
 * whitespace: leading, trailing and repeated spaces are dropped
 * (remove_extra_whitespaces), a space is put in front (add_dummy_prefix; at
 * the end with treat_whitespace_as_suffix), and spaces are written as
 * U+2581 (escape_whitespaces).
 *
 *     al_spm_norm *n = al_spm_norm_new(&model->norm, 0, NULL, "m", &e);
 *     al_spm_buf out = {0};
 *     al_spm_norm_run(n, "Hello  world", 12, &out);  // "\u2581Hello\u2581world"
 */
#ifndef AL_SPM_NORM_H
#define AL_SPM_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "spm_model.h"
#include "spm_trie.h"

/* A growable byte buffer; {0} is an empty one.  free(b.s) when done. */
typedef struct al_spm_buf {
	char *s;
	size_t len, cap;
} al_spm_buf;

/* Make room for n more bytes; AL_ENOMEM on failure. */
int al_spm_buf_reserve(al_spm_buf *b, size_t n);

typedef struct al_spm_norm al_spm_norm;

/* A normalizer for spec.  user (may be NULL, borrowed, must outlive the
 * normalizer) holds the user-defined pieces, which are never normalized.
 * A broken charsmap is AL_EFORMAT naming model_name. */
al_spm_norm *al_spm_norm_new(const al_spm_normspec *spec, int treat_ws_as_suffix,
			     const al_spm_trie *user, const char *model_name,
			     al_err *e);
/* Free n (not the trie it borrows); NULL is allowed. */
void al_spm_norm_free(al_spm_norm *n);

/* Normalize text[0..len) into out (replacing its contents).  Returns 0 or
 * AL_ENOMEM. */
int al_spm_norm_run(const al_spm_norm *n, const char *text, size_t len,
		    al_spm_buf *out);

/* The byte length of the character starting with byte c, judged by its
 * first byte only (1 for ASCII and stray continuation bytes, 2, 3, 4). */
static inline size_t al_spm_char_len(unsigned char c)
{
	static const unsigned char t[16] = {1, 1, 1, 1, 1, 1, 1, 1,
					    1, 1, 1, 1, 2, 2, 3, 4};
	return t[c >> 4];
}

#endif
