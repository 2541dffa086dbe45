/* predict.h: decoding a stream of inputs with an opened model (adalink
 * predict): catalog builds in their order, or JSONL lines as they come.
 * Each output reaches a callback with its example, so the caller decides
 * how to write it.
 */
#ifndef AL_PREDICT_H
#define AL_PREDICT_H

#include <stdio.h>

#include "lib/err.h"
#include "trainer/decode.h"
#include "trainer/examples.h"
#include "trainer/model.h"

/* One output: ids[0..n) (EOS included when reached) and its score for
 * example x, which is number (its index from 1, or its line) of the input. */
typedef int (*al_predict_out)(void *ctx, const al_example *x, long number, const int *ids,
			      int n, double score, al_err *e);

/* Decode every example of src in order. */
int al_predict_examples(const al_model *mo, const al_examples *src, const al_search_opts *o,
			al_predict_out out, void *ctx, al_err *e);
/* Decode every non-blank JSONL line of fp ({"input_ids": [...], "id"?,
 * "task"?, "image_embeddings"?}); label names fp in messages. */
int al_predict_jsonl(const al_model *mo, FILE *fp, const char *label, const al_search_opts *o,
		     al_predict_out out, void *ctx, al_err *e);

#endif
