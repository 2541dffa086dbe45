/* spm.h: a SentencePiece tokenizer that gives the ids the reference C++
 * library gives: normalization (spm_norm.h), then the model's segmentation
 * (unigram: the best Viterbi path; BPE: greedy merges by score), unknown
 * pieces (runs merged into one unknown id, or split into <0xXX> byte
 * pieces with byte fallback), user-defined pieces kept whole; and decoding
 * ids or pieces back to text.
 *
 *     al_spm *sp = al_spm_new("spiece.model", &e);
 *     al_spm_tokens t = {0};
 *     al_spm_encode(sp, "Hello world", 11, 0, &t);
 *     for (size_t i = 0; i < t.n; i++) printf("%d ", t.ids[i]);
 *     al_spm_buf text = {0};
 *     al_spm_decode_ids(sp, t.ids, t.n, &text, &e);
 *     al_spm_tokens_free(&t); free(text.s); al_spm_free(sp);
 *
 * A loaded al_spm is never changed by encoding or decoding, so threads may
 * share one, each with its own al_spm_tokens.
 */
#ifndef AL_SPM_H
#define AL_SPM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "spm_model.h"
#include "spm_norm.h"

typedef struct al_spm al_spm;

/* Encoded tokens.  {0} is empty; one value can be reused for many calls
 * (its buffers grow and are kept); al_spm_tokens_free releases them. */
typedef struct al_spm_tokens {
	int32_t *ids;
	uint32_t *off, *len;   /* span in norm, or off = UINT32_MAX: the piece */
	size_t n, cap;
	al_spm_buf norm;       /* the normalized text */
	void *scratch;         /* the encoders' working memory */
} al_spm_tokens;

/* Release t's buffers and empty it. */
void al_spm_tokens_free(al_spm_tokens *t);

/* Flags for al_spm_encode. */
enum { AL_SPM_ADD_BOS = 1, AL_SPM_ADD_EOS = 2 };

/* Load the model file at path and check it as the reference library does
 * (one unknown piece, no duplicate or empty pieces, byte pieces only and
 * all 256 with byte fallback, a supported model type).  NULL and e filled
 * on failure. */
al_spm *al_spm_new(const char *path, al_err *e);

/* The same from a parsed model, which the tokenizer takes over (freed with
 * it, or here on failure). */
al_spm *al_spm_from_model(al_spm_model *m, const char *name, al_err *e);

/* Free sp and its model; NULL is allowed. */
void al_spm_free(al_spm *sp);

/* The model sp was made from (owned by sp). */
const al_spm_model *al_spm_model_of(const al_spm *sp);

/* Ids of the pieces named by the trainer spec, as the reference library
 * resolves them; -1 if the model does not define that piece. */
int al_spm_bos_id(const al_spm *sp);
int al_spm_eos_id(const al_spm *sp);
int al_spm_unk_id(const al_spm *sp);

/* The id of piece s[0..len) (the unknown id if it is not a piece). */
int al_spm_piece_id(const al_spm *sp, const char *s, size_t len);

/* Encode text[0..len) into t (replacing its contents).  flags:
 * AL_SPM_ADD_BOS, AL_SPM_ADD_EOS (AL_EINVAL if the model lacks the piece).
 * Returns 0, AL_ENOMEM or AL_EINVAL with e filled. */
int al_spm_encode(const al_spm *sp, const char *text, size_t len, int flags,
		  al_spm_tokens *t, al_err *e);

/* The piece text of token i of t (the input's normalized text for a run
 * of unknown characters, the model's piece otherwise); its length in *len. */
const char *al_spm_token_piece(const al_spm *sp, const al_spm_tokens *t,
			       size_t i, size_t *len);

/* Decode ids[0..n) into out (replacing its contents).  An id outside the
 * vocabulary is AL_EINVAL. */
int al_spm_decode_ids(const al_spm *sp, const int32_t *ids, size_t n,
		      al_spm_buf *out, al_err *e);

/* Decode pieces (strs[i] of lens[i] bytes) into out. */
int al_spm_decode_pieces(const al_spm *sp, const char *const *strs,
			 const size_t *lens, size_t n, al_spm_buf *out, al_err *e);

#endif
