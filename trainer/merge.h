/* merge.h: folding an adapter into its backbone, so that serving the
 * merged checkpoint costs nothing beyond the backbone.
 *
 * AdaLink's text module acts on each token's embedding alone, so it folds
 * into the encoder's input embeddings exactly: row v becomes
 * E[v] + f(E[v] W_down) W_up.  The folded table is the encoder's own
 * (encoder.embed_tokens.weight): shared.weight also feeds the decoder's
 * inputs and, in T5 1.0, the tied output layer, and both keep the
 * original.  An image module cannot fold (its inputs are not a table) and
 * stays an adapter.  LoRA folds into the weights: W += alpha/r B A.
 */
#ifndef AL_MERGE_H
#define AL_MERGE_H

#include "lib/err.h"
#include "lib/t5.h"
#include "trainer/adalink.h"

/* Fold every LoRA pair of a into m's weights. */
int al_merge_lora(al_t5 *m, const al_adapter *a, al_err *e);

/* Fold the text module that examples of task (NULL or "": no task) go
 * through into m's encoder embeddings; AL_EINVAL if there is none.  A
 * task that the adapter's per-task modules do not name is AL_ENOTFOUND
 * (the message lists the tasks it has), not a silent fall back to the
 * shared module; an adapter with shared modules only takes any task. */
int al_merge_text(al_t5 *m, al_adapter *a, const char *task, al_err *e);

/* What cannot fold: a's image modules as an adapter of their own (with
 * a's activation and an AdaLink config), or NULL with e->code == 0 when a
 * has none. */
al_adapter *al_merge_rest(const al_adapter *a, al_err *e);

#endif
