/* nn.h: the neural-network kernels of the T5 family, each a forward and a
 * backward, in f32 over row-major arrays.
 *
 * Letters in the shape comments:
 *   N  rows (batch x sequence, flattened)   C  model width (d_model)
 *   I, O  a linear layer's input and output widths
 *   B  batch   Tq, Tk  query and key lengths   H  heads   D  width per head
 *   V  vocabulary
 *
 * Linear weights are stored as Hugging Face stores them, [O, I]: y = x W^T.
 * The backbone is frozen, so most backward functions compute the gradient
 * of the input only; al_linear_backward_weight exists for the methods that
 * train weights (LoRA, full fine-tuning).  Backward functions ADD into their
 * gradient outputs (so residual branches sum), except where noted.
 */
#ifndef AL_NN_H
#define AL_NN_H

#include <stddef.h>

/* y[N,O] = x[N,I] W[O,I]^T */
void al_linear_forward(float *y, const float *x, const float *W, int N, int I, int O);
/* dx[N,I] += dy[N,O] W[O,I] */
void al_linear_backward_input(float *dx, const float *dy, const float *W, int N, int I, int O);
/* dW[O,I] += dy[N,O]^T x[N,I] */
void al_linear_backward_weight(float *dW, const float *dy, const float *x, int N, int I, int O);

/* T5's RMSNorm (no mean, no bias): y = x / sqrt(mean(x^2) + eps) * w.
 * y[N,C], x[N,C], w[C]; rstd[N] is saved for the backward. */
void al_rmsnorm_forward(float *y, float *rstd, const float *x, const float *w, int N, int C, float eps);
/* dx[N,C] += d/dx given dy[N,C] */
void al_rmsnorm_backward(float *dx, const float *dy, const float *x, const float *w,
			 const float *rstd, int N, int C);

/* dw[C] += sum over rows of dy[n,c] x[n,c] rstd[n] (the weight's gradient) */
void al_rmsnorm_backward_weight(float *dw, const float *dy, const float *x, const float *rstd,
				int N, int C);

/* ReLU in place and its backward: dx[n] = dy[n] * (y[n] > 0), overwriting dx. */
void al_relu_forward(float *x, size_t n);
void al_relu_backward(float *dx, const float *dy, const float *y, size_t n);

/* GELU, tanh form (Hugging Face "gelu_new"):
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).  y may equal x.
 * Backward overwrites dx[n] = dy[n] gelu'(x[n]). */
void al_gelu_forward(float *y, const float *x, size_t n);
void al_gelu_backward(float *dx, const float *dy, const float *x, size_t n);

/* T5's relative position bucket of (key - query) with num_buckets and
 * max_distance, bidirectional (encoder) or not (decoder). */
int al_t5_bucket(int relative, int bidirectional, int num_buckets, int max_distance);

/* bias[H,Tq,Tk] from the learned table[num_buckets, H]. */
void al_t5_position_bias(float *bias, const float *table, int H, int Tq, int Tk,
			 int bidirectional, int num_buckets, int max_distance);

/* Multi-head attention without scaling (T5):
 *   S = Q K^T + bias + mask,  P = softmax(S),  O = P V   per batch and head.
 * q[B,Tq,H*D], k[B,Tk,H*D], v[B,Tk,H*D] (heads side by side, as the
 * projections give them); out[B,Tq,H*D]; probs[B,H,Tq,Tk] saved.
 * bias[H,Tq,Tk] or NULL; key_mask[B,Tk] (1 keep, 0 masked) or NULL;
 * causal: query i sees keys 0..i only. */
void al_attention_forward(float *out, float *probs, const float *q, const float *k,
			  const float *v, const float *bias, const float *key_mask,
			  int causal, int B, int Tq, int Tk, int H, int D);
/* dq, dk, dv (+=) from dout; scratch[Tq*Tk] per call. */
void al_attention_backward(float *dq, float *dk, float *dv, const float *dout,
			   const float *probs, const float *q, const float *k,
			   const float *v, int B, int Tq, int Tk, int H, int D,
			   float *scratch);

/* The same, and dbias[H,Tq,Tk] (+=, summed over the batch) when not NULL:
 * the gradient of an additive score bias shared by the batch. */
void al_attention_backward_bias(float *dq, float *dk, float *dv, float *dbias,
				const float *dout, const float *probs, const float *q,
				const float *k, const float *v, int B, int Tq, int Tk, int H,
				int D, float *scratch);
/* dtable[num_buckets, H] += dbias[H,Tq,Tk] gathered by bucket (the
 * backward of al_t5_position_bias). */
void al_t5_position_bias_backward(float *dtable, const float *dbias, int H, int Tq, int Tk,
				  int bidirectional, int num_buckets, int max_distance);

/* Softmax cross-entropy: logits[N,V], targets[N] (negative: ignored).
 * Returns the summed loss over the non-ignored rows (natural log);
 * logprob[N] (may be NULL) receives each row's log p(target) (0 when
 * ignored).  Backward overwrites dlogits[N,V] = scale (softmax - onehot)
 * for kept rows and 0 for ignored ones. */
double al_xent_forward(const float *logits, const int *targets, float *logprob, int N, int V);
void al_xent_backward(float *dlogits, const float *logits, const int *targets, float scale,
		      int N, int V);

#endif
