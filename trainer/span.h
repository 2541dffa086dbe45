/* span.h: T5's pretraining objectives on token ids: span corruption
 * (Raffel et al. 2020, the "span_corruption" task of T5's code) and the
 * prefix LM of LM adaptation (Lester et al. 2021), and the packing of a
 * stream of documents into pieces that fill the encoder input exactly.
 *
 *     int raw, tgt_len;
 *     al_span_lengths(128, 0.15, 3.0, &raw, &tgt_len);   // 141, 29
 *     al_span_packer *p = al_span_packer_new(raw, AL_SPAN_EOS);
 *     al_span_packer_add(p, doc, ndoc, &e);    // ... every document
 *     while (al_span_packer_take(p, piece))    // piece: raw tokens
 *         al_span_corrupt(piece, raw, &o, al_span_seed(seed, epoch, i++),
 *                         in, &n_in, tgt, &n_tgt, &e);
 *     // n_in == 128 and n_tgt == 29 for every piece
 *
 * Span corruption draws the noise as T5's random_spans_noise_mask does:
 * round(length x density) noise tokens (at least 1, at most length - 1)
 * in round(noise / mean_span) spans (at least 1), as many non-noise spans,
 * alternating and starting with non-noise; the lengths of the noise spans
 * and of the non-noise spans are each a uniformly random composition (the
 * n - 1 gaps between n items shuffled, the first s - 1 of them in the
 * shuffle starting a new segment; noise first, then non-noise).  The counts are
 * computed in single precision and rounded half to even, as TensorFlow
 * does.  The input keeps the non-noise tokens and puts a sentinel where
 * each noise span was; the target lists each sentinel followed by the
 * span it replaced; both end in EOS.  Sentinels are numbered as T5 numbers
 * them: the first span's is vocab_size - 1 (<extra_id_0>), the next
 * vocab_size - 2, and so on.
 *
 * Randomness: every draw for an example comes from one seed, which
 * al_span_seed derives from (run seed, epoch, example index): fresh noise
 * every epoch, the same noise whenever a run is repeated or resumed. */
#ifndef AL_SPAN_H
#define AL_SPAN_H

#include <stdint.h>

#include "lib/err.h"

enum { AL_SPAN_EOS = 1, AL_SPAN_SENTINELS = 100 };

typedef struct al_span_opts {
	double noise_density;   /* share of noise tokens (T5: 0.15) */
	double mean_span;       /* mean noise span length (T5: 3) */
	int vocab_size;         /* sentinels are vocab_size - 1 downwards */
	int sentinels;          /* how many there are (T5: 100) */
	int eos_id;             /* T5: 1 */
} al_span_opts;

/* T5's options for a vocabulary of vocab_size ids (sentinels included). */
al_span_opts al_span_opts_t5(int vocab_size);

/* The number of noise tokens and of noise spans T5 draws for a piece of
 * length tokens (length >= 1; the same for 1 as for 2, as in T5). */
void al_span_counts(int length, double density, double mean_span,
		    int *n_noise, int *n_spans);

/* T5's random_spans_helper: the longest raw piece (*tokens_length) whose
 * corrupted input, EOS included, is at most inputs_length tokens, and the
 * length of its target, EOS included (*targets_length).  One sentinel per
 * span in the inputs and in the targets.  Returns 0, or AL_EINVAL for an
 * inputs_length below 2 or a density outside (0, 1). */
int al_span_lengths(int inputs_length, double density, double mean_span,
		    int *tokens_length, int *targets_length);

/* The lengths (lengths[0..n_segments)) of the segments of n_items items
 * whose starts are given by first[0..n_items-1): first[i] nonzero means a
 * new segment begins after item i.  Returns 0, or AL_EINVAL unless exactly
 * n_segments - 1 of the flags are set. */
int al_span_segments(const uint8_t *first, int n_items, int n_segments,
		     int *lengths);

/* The noise mask (mask[0..length), 1 = noise) for given segment starts:
 * noise_first has n_noise - 1 flags, nonnoise_first length - n_noise - 1,
 * the counts as al_span_counts gives them (for length 1: those of 2, the
 * mask cut to 1).  Returns 0 or AL_EINVAL. */
int al_span_mask_from(int length, const al_span_opts *o,
		      const uint8_t *noise_first, const uint8_t *nonnoise_first,
		      uint8_t *mask);

/* A random noise mask for a piece of length tokens, drawn from seed.
 * Returns 0, AL_EINVAL or AL_ENOMEM (with e filled). */
int al_span_mask(int length, const al_span_opts *o, uint64_t seed,
		 uint8_t *mask, al_err *e);

/* Corrupt toks[0..n) by mask as T5 does (noise_span_to_unique_sentinel
 * for the inputs, the same on the inverted mask for the targets, then
 * EOS): in[0..*n_in) the encoder input, tgt[0..*n_tgt) the target (room
 * for n + 1 ids each).  A mask drawn by al_span_mask starts with
 * non-noise and ends with noise, so the target's k-th sentinel comes
 * right before the span the input's k-th sentinel replaced.  AL_ELIMIT if
 * a sequence needs more than o->sentinels sentinels. */
int al_span_apply(const int32_t *toks, const uint8_t *mask, int n,
		  const al_span_opts *o, int32_t *in, int *n_in, int32_t *tgt,
		  int *n_tgt, al_err *e);

/* al_span_mask drawn from seed, then al_span_apply. */
int al_span_corrupt(const int32_t *toks, int n, const al_span_opts *o,
		    uint64_t seed, int32_t *in, int *n_in, int32_t *tgt,
		    int *n_tgt, al_err *e);

/* The seed of example index in epoch of a run seeded with seed (a hash
 * of the three; distinct triples give unrelated seeds). */
uint64_t al_span_seed(uint64_t seed, uint64_t epoch, uint64_t index);

/* Prefix LM: toks[0..n) cut after k tokens, k uniform in [1, n - 1] (0
 * for n = 1) as T5's random_prefix_noise_mask draws it; in = the prefix
 * then eos, tgt = the rest then eos (room for n + 1 ids each).  Returns 0
 * or AL_EINVAL (n < 1). */
int al_prefix_lm(const int32_t *toks, int n, int eos, uint64_t seed,
		 int32_t *in, int *n_in, int32_t *tgt, int *n_tgt, al_err *e);

/* Packing: documents in, pieces of exactly raw_length tokens out, nothing
 * padded, nothing dropped but the last unfinished piece. */
typedef struct al_span_packer al_span_packer;

/* A packer of pieces of raw_length (>= 1) tokens; NULL if out of memory. */
al_span_packer *al_span_packer_new(int raw_length, int eos_id);

/* Append a document's tokens, and eos_id unless they end in it.  Returns
 * 0 or AL_ENOMEM. */
int al_span_packer_add(al_span_packer *p, const int32_t *toks, int n,
		       al_err *e);

/* Copy the next piece to out[0..raw_length) and return 1; 0 while fewer
 * than raw_length tokens are held. */
int al_span_packer_take(al_span_packer *p, int32_t *out);

/* Tokens held that no piece has taken yet. */
long al_span_packer_pending(const al_span_packer *p);

void al_span_packer_free(al_span_packer *p);

#endif
