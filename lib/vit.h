/* vit.h: a frozen Vision Transformer (Hugging Face ViT) in f32 on OpenBLAS,
 * turning an image's patches into the patch tokens' final embeddings.
 *
 * A checkpoint is a Hugging Face model folder (config.json and
 * model.safetensors) or one .safetensors file whose __metadata__ holds the
 * config JSON under "config".  Config keys: hidden_size, num_hidden_layers,
 * num_attention_heads, intermediate_size, image_size, patch_size,
 * num_channels (3), layer_norm_eps (1e-12), hidden_act ("gelu": exact erf
 * form; "gelu_new" or "gelu_pytorch_tanh": tanh form), qkv_bias (true).
 * Tensor names are Hugging Face's, with or without the "vit." prefix of
 * ViTForImageClassification:
 *   embeddings.cls_token [1,1,D], embeddings.position_embeddings [1,N+1,D],
 *   embeddings.patch_embeddings.projection.weight [D,3,P,P] and .bias [D],
 *   encoder.layer.L.layernorm_before/.layernorm_after .weight/.bias [D],
 *   encoder.layer.L.attention.attention.query/key/value .weight [D,D] .bias,
 *   encoder.layer.L.attention.output.dense .weight [D,D] .bias [D],
 *   encoder.layer.L.intermediate.dense .weight [I,D] .bias [I],
 *   encoder.layer.L.output.dense .weight [D,I] .bias [D],
 *   layernorm.weight/.bias [D]  (anything else, e.g. a classifier, is ignored).
 * F16 and BF16 weights are widened to f32.
 *
 * The forward is ViTModel's: patch embedding (the convolution, applied to
 * patches laid out as image_patch.h describes), the class token in front,
 * position embeddings added, pre-norm blocks (attention with 1/sqrt(head
 * width) scaling, GELU MLP), the final layernorm; it returns the N patch
 * tokens' rows [N, D], without the class token.
 */
#ifndef AL_VIT_H
#define AL_VIT_H

#include <stdint.h>

#include "lib/err.h"

typedef struct al_vit_config {
	int hidden, layers, heads, inter, image, patch;
	float eps;
	int gelu_tanh;   /* 1: tanh approximation */
} al_vit_config;

typedef struct al_vit al_vit;

/* Load and check every tensor's shape against the config; NULL and e
 * filled (naming the file and the tensor, and the shape expected) if not. */
al_vit *al_vit_load(const char *path, al_err *e);
void al_vit_free(al_vit *v);
const al_vit_config *al_vit_cfg(const al_vit *v);

/* Number of patches the checkpoint expects: (image / patch)^2. */
int al_vit_patches(const al_vit *v);

/* patches[N, P*P*3] (N = al_vit_patches) to out[N, D]. */
int al_vit_forward(const al_vit *v, const float *patches, float *out, al_err *e);

/* Write a randomly initialised checkpoint of a named geometry ("vit-tiny":
 * D 192, 12 layers, 3 heads, I 768; "vit-base-patch16-224": D 768, 12
 * layers, 12 heads, I 3072; both 224 / 16) to path as one safetensors file
 * with the config in its metadata and the "vit." names.  Weights are
 * normal(0, 0.02) truncated at two standard deviations, biases 0,
 * layernorms 1 and 0; the same seed gives the same bytes.  AL_EINVAL for an
 * unknown name. */
int al_vit_init_write(const char *path, const char *geometry, uint64_t seed, al_err *e);

/* Parse a config JSON document (label names it in messages). */
int al_vit_config_parse(al_vit_config *c, const char *json, const char *label, al_err *e);

#endif
