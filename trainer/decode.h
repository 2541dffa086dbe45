/* decode.h: greedy and beam search over an adapted T5 (adalink predict).
 *
 * Beam search keeps the K best partial outputs by the sum of their tokens'
 * log-probabilities; an output ends at the end-of-sequence token (1) or at
 * max_len tokens.  With length_penalty a the score of a finished output of
 * n tokens is sum / n^a (Hugging Face's convention; a = 0: the raw sum).
 * Search stops when no unfinished output can beat the K-th finished one
 * (with a = 0 the sum only falls, so that test is exact).  K = 1 is greedy
 * decoding.
 */
#ifndef AL_DECODE_H
#define AL_DECODE_H

#include "lib/err.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/forward.h"

#define AL_EOS 1

typedef struct al_search_opts {
	int beam;              /* K >= 1 */
	int max_len;           /* tokens, counting the end-of-sequence token */
	double length_penalty; /* a */
} al_search_opts;

/* Decode example x (its input_ids, task and image; targets ignored).
 * out receives up to max_len ids (the EOS token included when reached);
 * returns their count, and the output's score in *score; negative on
 * failure. */
int al_decode(const al_t5 *m, al_adapter *adapter, const al_example *x,
	      const al_search_opts *o, int *out, double *score, al_err *e);

#endif
