/* t5_impl.h: the T5 model's private layout, shared by t5.c (loading,
 * training forward and backward) and t5_decode.c (incremental decoding).
 * Not for use outside lib/. */
#ifndef AL_T5_IMPL_H
#define AL_T5_IMPL_H

#include <stddef.h>

#include "t5.h"

/* ---- parameters: one block, pointer views (llm.c style) ---- */

typedef struct {
	float *ln0, *q, *k, *v, *o;          /* self-attention */
	float *ln1, *cq, *ck, *cv, *co;      /* cross-attention (decoder) */
	float *lnf, *wi0, *wi1, *wo;         /* feed-forward; wi1 if gated */
} layer_w;

struct al_t5 {
	al_t5_config c;
	float *block;
	size_t nparams;
	float *shared, *enc_bias, *dec_bias, *enc_final, *dec_final, *lm_head, *vproj;
	float *enc_embed;   /* encoder.embed_tokens.weight, or NULL: shared */
	float *enc_embed_own;   /* enc_embed when made apart (al_t5_encoder_embeddings) */
	int own_enc;        /* the layout holds enc_embed */
	float *vproj_ext;   /* a projection given apart (al_t5_set_projection) */
	layer_w *enc, *dec;
};


#endif
