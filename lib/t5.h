/* t5.h: the frozen T5-family encoder-decoder (T5 1.0, T5 1.1, FLAN-T5) in
 * f32 on OpenBLAS, forward and backward to the encoder's input embeddings.
 *
 * The backbone is frozen: the backward computes activation gradients only,
 * never weight gradients.  The gradient it returns, d(sum of the batch's
 * target NLL)/d(encoder input embeddings), is what AdaLink's modules (and
 * anything else that acts on the inputs) need.
 *
 *     al_t5 *m = al_t5_load("flan-t5-small/", &e);   // or one .safetensors
 *     al_t5_batch b = {B, Te, Td, embeds, mask, targets};
 *     al_t5_embed(m, ids, B * Te, embeds);           // or your own embeds
 *     al_t5_acts *a = al_t5_acts_new(m, B, Te, Td, &e);
 *     double nll = al_t5_forward(m, a, &b, logprobs);
 *     al_t5_backward(m, a, d_embeds);
 *
 * Checkpoints use Hugging Face's names (shared.weight,
 * encoder.block.N.layer.0.SelfAttention.q.weight, ..., lm_head.weight) and
 * its config keys (d_model, d_kv, d_ff, num_layers, num_decoder_layers,
 * num_heads, relative_attention_num_buckets, relative_attention_max_distance,
 * layer_norm_epsilon, feed_forward_proj, tie_word_embeddings, vocab_size,
 * decoder_start_token_id).  F16 and BF16 weights are widened to f32.
 */
#ifndef AL_T5_H
#define AL_T5_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safetensors.h"

typedef struct al_t5_config {
	int vocab;              /* V */
	int d_model;            /* C */
	int d_kv;               /* D per head */
	int d_ff;               /* F */
	int heads;              /* H */
	int enc_layers, dec_layers;
	int buckets, max_distance;
	float eps;
	int gated;              /* 1: gated-gelu (T5 1.1, FLAN), 0: relu (T5 1.0) */
	int tied;               /* 1: logits from shared.weight scaled by C^-1/2 */
	int decoder_start;      /* 0 */
	int vision_dim;         /* columns of vision_projection.weight, 0 if none */
} al_t5_config;

typedef struct al_t5 al_t5;

/* Load a Hugging Face model folder (config.json with model.safetensors or
 * model.safetensors.index.json and its shards) or one .safetensors file
 * whose __metadata__ holds the config JSON under "config". */
al_t5 *al_t5_load(const char *path, al_err *e);
void al_t5_free(al_t5 *m);
/* A randomly initialised model of config c as Hugging Face initialises T5,
 * plus a vision projection [d_model, vision_dim] when vision_dim > 0;
 * the same seed gives the same weights everywhere. */
al_t5 *al_t5_new(const al_t5_config *c, int vision_dim, uint64_t seed, al_err *e);
/* Write one .safetensors with Hugging Face names and the config JSON in
 * __metadata__["config"] (atomically). */
int al_t5_save(const al_t5 *m, const char *path, al_err *e);
/* The same with every tensor as dtype: AL_F32, or AL_BF16 / AL_F16
 * rounded to nearest even (half the size; loading widens them again). */
int al_t5_save_as(const al_t5 *m, const char *path, al_dtype dtype, al_err *e);
/* The config as Hugging Face's config.json text (malloc'd). */
char *al_t5_config_json(const al_t5_config *c);
size_t al_t5_nparams(const al_t5 *m);
const al_t5_config *al_t5_cfg(const al_t5 *m);
/* Parse a config JSON text (Hugging Face keys, T5 defaults for absent ones). */
int al_t5_config_parse(al_t5_config *c, const char *json, const char *label, al_err *e);

/* out[n, C] = shared.weight[ids[n]] (or encoder.embed_tokens.weight when
 * the checkpoint has its own); ids out of range are an error. */
int al_t5_embed(const al_t5 *m, const int *ids, int n, float *out, al_err *e);
/* The vocabulary embeddings [V, C] (read-only view). */
const float *al_t5_shared(const al_t5 *m);
/* vision_projection.weight [C, vision_dim], or NULL. */
const float *al_t5_vision_projection(const al_t5 *m);
/* Take vision_projection.weight [C, D] from the safetensors file path
 * (the tensor of that name, or the file's only tensor), replacing the
 * backbone's own if it has one.  AL_EFORMAT on a wrong shape. */
int al_t5_set_projection(al_t5 *m, const char *path, al_err *e);

typedef struct al_t5_batch {
	int B, Te, Td;
	const float *embeds;    /* [B, Te, C] encoder input embeddings */
	const float *mask;      /* [B, Te] 1 for real positions, 0 for padding; NULL: all 1 */
	const int *targets;     /* [B, Td] target ids, negative: padding (ignored) */
} al_t5_batch;

typedef struct al_t5_acts al_t5_acts;   /* the activations of one batch */

al_t5_acts *al_t5_acts_new(const al_t5 *m, int B, int Te, int Td, al_err *e);
void al_t5_acts_free(al_t5_acts *a);

/* Run the model; returns the summed NLL (natural log) of the targets and
 * fills logprobs[B, Td] (0 at ignored positions) when not NULL.  The batch
 * may be smaller than the activations were made for, in every dimension
 * (larger: NaN is returned).
 * logits, if not NULL after the call, views [B, Td, V] inside a. */
double al_t5_forward(const al_t5 *m, al_t5_acts *a, const al_t5_batch *b, float *logprobs);
const float *al_t5_logits(const al_t5_acts *a);

/* After al_t5_forward on the same batch: d_embeds[B, Te, C] (overwritten)
 * = gradient of the summed NLL with respect to b->embeds. */
void al_t5_backward(const al_t5 *m, al_t5_acts *a, float *d_embeds);
/* The same for scale times the summed NLL (and so every gradient that
 * al_t5_acts_train asked for). */
void al_t5_backward_scaled(const al_t5 *m, al_t5_acts *a, float *d_embeds, float scale);

/* ---- training the backbone's weights: LoRA and full fine-tuning ----
 *
 * The linear layers of a block, by slot (cross-attention in decoder blocks
 * only, WI1 in gated feed-forwards only; WI0 is "wi" in ReLU ones). */
enum { AL_T5_Q, AL_T5_K, AL_T5_V, AL_T5_O, AL_T5_CQ, AL_T5_CK, AL_T5_CV, AL_T5_CO,
       AL_T5_WI0, AL_T5_WI1, AL_T5_WO, AL_T5_SLOTS };

/* The Hugging Face name of a linear layer, without ".weight"
 * ("encoder.block.0.layer.0.SelfAttention.q"), and its input and output
 * widths; returns 0 when the backbone has no such layer. */
int al_t5_linear(const al_t5_config *c, int decoder, int layer, int slot, char *name, size_t n,
		 int *I, int *O);
/* The weight [O, I] of a linear layer (writable, to merge into), or NULL. */
float *al_t5_linear_weight(al_t5 *m, int decoder, int layer, int slot);

/* LoRA (Hu et al. 2021): y = x W^T + scale (x A^T) B^T on the listed
 * linear layers; A [r, I], B [O, r] as PEFT names them (lora_A, lora_B). */
typedef struct al_t5_lora_w {
	int decoder, layer, slot;
	int I, O;               /* the linear's input and output widths */
	float *A, *B;           /* [r, I], [O, r] */
	float *gA, *gB;         /* their gradients, accumulated by the backward */
} al_t5_lora_w;

typedef struct al_t5_lora {
	int r;
	float scale;            /* alpha / r */
	int n;
	al_t5_lora_w *w;
} al_t5_lora;

/* A model of zeros with m's layout, to hold every weight's gradient. */
al_t5 *al_t5_grads_new(const al_t5 *m, al_err *e);
void al_t5_zero(al_t5 *m);

/* From now on, the batches run on a (made for m) apply lora (NULL: none),
 * and their backward adds every weight's gradient into grads (made by
 * al_t5_grads_new(m); NULL: none; the vision projection's stays zero).
 * Without either the frozen path runs as before.  Call it after
 * al_t5_acts_new; lora and grads must outlive the batches. */
int al_t5_acts_train(al_t5_acts *a, const al_t5_lora *lora, al_t5 *grads, const al_t5 *m,
		     al_err *e);
/* The gradient d of the encoder's input embeddings [n, C] (from
 * al_t5_backward) added into the rows ids of grads' encoder embeddings. */
void al_t5_embed_backward(al_t5 *grads, const int *ids, int n, const float *d);

/* Every tensor of m in checkpoint order, views into m (free *out). */
typedef struct al_t5_tensor {
	char name[128];
	float *data;
	int rows, cols;         /* cols = 1 for a vector */
} al_t5_tensor;
int al_t5_tensors(al_t5 *m, al_t5_tensor **out, al_err *e);   /* returns the count */

/* The encoder's own input embeddings [V, C], writable: the first call
 * gives the encoder a copy of shared.weight (saved as
 * encoder.embed_tokens.weight), so that the decoder's inputs and a tied
 * output layer keep the original.  al_t5_embed reads this table. */
float *al_t5_encoder_embeddings(al_t5 *m, al_err *e);

/* The encoder alone: out[Te, C] for one example (mask may be NULL). */
int al_t5_encode(const al_t5 *m, const float *embeds, const float *mask, int Te, float *out,
		 al_err *e);

/* Incremental decoding with a key/value cache.  An al_t5_enc holds one
 * example's encoder output and every layer's cross-attention keys and
 * values; decoders over it feed one token at a time and get the next
 * token's logits, as the full forward would give them:
 *
 *     al_t5_enc *en = al_t5_enc_new(m, embeds, mask, Te, &e);
 *     al_t5_dec *d = al_t5_dec_new(en, max_len, &e);
 *     al_t5_dec_step(d, decoder_start, logits);   // logits for position 0
 *     al_t5_dec_step(d, argmax(logits), logits);  // ... and so on
 *
 * al_t5_dec_copy makes dst continue exactly as src would (beam search). */
typedef struct al_t5_enc al_t5_enc;
typedef struct al_t5_dec al_t5_dec;

al_t5_enc *al_t5_enc_new(const al_t5 *m, const float *embeds, const float *mask, int Te,
			 al_err *e);
void al_t5_enc_free(al_t5_enc *en);
al_t5_dec *al_t5_dec_new(const al_t5_enc *en, int max_len, al_err *e);
void al_t5_dec_free(al_t5_dec *d);
/* Feed token at the next position; logits[V] for the position after it.
 * Returns the number of tokens fed, or -1 when max_len is reached. */
int al_t5_dec_step(al_t5_dec *d, int token, float *logits);
void al_t5_dec_copy(al_t5_dec *dst, const al_t5_dec *src);

#endif
