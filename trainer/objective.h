/* objective.h: what a training run learns from: supervised examples
 * (inputs and targets, as built), or a pretraining objective made on the
 * fly from a text corpus: T5's span corruption, or the prefix LM of LM
 * adaptation (Lester et al. 2021) that T5's "LM adapted" checkpoints add
 * after it.  See span.h for the objectives themselves.
 *
 * The corpus is JSONL records with the text in "inputs" {"text": ...}
 * (adalink ingest text writes them).  It is tokenized once when opened,
 * every document ending in EOS, into one stream of ids held in memory
 * (4 bytes a token), and cut into pieces that nothing pads:
 *   span       pieces of the raw length whose corruption fills
 *              inputs_length encoder tokens exactly (T5's
 *              random_spans_helper); the target is the spans, with their
 *              sentinels;
 *   prefix-lm  pieces of inputs_length tokens, each cut at a random point:
 *              the prefix is the input, the rest the target.
 * Example i is piece i; its noise (or cut) is drawn from (seed, the
 * visit's pick, i), so every visit of a piece sees fresh noise and a run
 * repeated or resumed sees the same.
 */
#ifndef AL_OBJECTIVE_H
#define AL_OBJECTIVE_H

#include <stdint.h>

#include "lib/err.h"
#include "pipeline/spm.h"
#include "trainer/examples.h"

enum { AL_OBJ_SUPERVISED, AL_OBJ_SPAN, AL_OBJ_PREFIX_LM };

const char *al_objective_name(int objective);
int al_objective_parse(const char *name);   /* -1 if unknown */

typedef struct al_objective_opts {
	int objective;          /* AL_OBJ_SPAN or AL_OBJ_PREFIX_LM */
	int inputs_length;      /* encoder tokens of an example (T5: 512; 128 here) */
	int vocab_size;         /* the model's: sentinels from vocab_size - 1 down */
	uint64_t seed;
} al_objective_opts;

/* Examples of objective o over the corpus at path, tokenized with sp.
 * AL_EINVAL if the corpus is too short for one piece, or a token id is
 * not below vocab_size - 100 (it would be read as a sentinel). */
al_examples *al_examples_objective(const char *path, const al_spm *sp,
				   const al_objective_opts *o, al_err *e);

#endif
