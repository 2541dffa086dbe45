/* forward.c: an example through AdaLink and the frozen T5. */
#include "forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lib/blas.h"
#include "lib/rng.h"

void al_example_clear(al_example *x)
{
	free(x->input_ids);
	free(x->target_ids);
	free(x->image);
	memset(x, 0, sizeof *x);
}

static int int_array(yajl_val v, int **out, int *n, const char *what, const char *label,
		     long line, al_err *e)
{
	if (!v || !YAJL_IS_ARRAY(v))
		return al_err_set(e, AL_EFORMAT, "%s: line %ld: \"%s\" must be an array of "
				  "token ids", label, line, what);
	size_t len = v->u.array.len;
	*out = malloc((len ? len : 1) * sizeof **out);
	if (!*out)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		yajl_val t = v->u.array.values[i];
		if (!YAJL_IS_INTEGER(t) || t->u.number.i < 0 || t->u.number.i > 1 << 30)
			return al_err_set(e, AL_EFORMAT, "%s: line %ld: \"%s\"[%zu] is not a "
					  "token id", label, line, what, i);
		(*out)[i] = (int)t->u.number.i;
	}
	*n = (int)len;
	return 0;
}

int al_example_parse(al_example *x, const char *json, const char *label, long line,
		      int need_targets, al_err *e)
{
	char eb[256];
	memset(x, 0, sizeof *x);
	yajl_val root = yajl_tree_parse(json, eb, sizeof eb);
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return al_err_set(e, AL_EFORMAT, "%s: line %ld: not a JSON object%s%s", label,
				  line, root ? "" : ": ", root ? "" : eb);
	}
	const char *pi[] = {"input_ids", NULL}, *pt[] = {"target_ids", NULL};
	const char *pk[] = {"task", NULL}, *pm[] = {"image_embeddings", NULL};
	int rc = int_array(yajl_tree_get(root, pi, yajl_t_any), &x->input_ids, &x->n_in,
			   "input_ids", label, line, e);
	yajl_val tg = yajl_tree_get(root, pt, yajl_t_any);
	if (rc == 0 && (tg || need_targets))
		rc = int_array(tg, &x->target_ids, &x->n_tgt, "target_ids", label, line, e);
	if (rc == 0 && need_targets && x->n_tgt == 0)
		rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: \"target_ids\" is empty",
				label, line);
	const char *pd[] = {"id", NULL};
	yajl_val id = yajl_tree_get(root, pd, yajl_t_any);
	if (rc == 0 && id) {
		if (YAJL_IS_STRING(id) && strlen(id->u.string) < sizeof x->id)
			strcpy(x->id, id->u.string);
		else if (YAJL_IS_NUMBER(id) && strlen(YAJL_GET_NUMBER(id)) < sizeof x->id) {
			strcpy(x->id, YAJL_GET_NUMBER(id));
			x->id_is_number = 1;
		}
		else
			rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: \"id\" must be a string "
					"or a number, under %zu bytes", label, line, sizeof x->id);
	}
	yajl_val task = yajl_tree_get(root, pk, yajl_t_any);
	if (rc == 0 && task) {
		if (!YAJL_IS_STRING(task) || strlen(task->u.string) >= sizeof x->task)
			rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: \"task\" must be a "
					"short string", label, line);
		else
			strcpy(x->task, task->u.string);
	}
	yajl_val img = yajl_tree_get(root, pm, yajl_t_any);
	if (rc == 0 && img && !YAJL_IS_NULL(img)) {
		size_t P = YAJL_IS_ARRAY(img) ? img->u.array.len : 0;
		yajl_val r0 = P ? img->u.array.values[0] : NULL;
		size_t Dv = r0 && YAJL_IS_ARRAY(r0) ? r0->u.array.len : 0;
		if (!P || !Dv || P > 1 << 16 || Dv > 1 << 16)
			rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: \"image_embeddings\" must "
					"be a non-empty array of equal-length number arrays",
					label, line);
		else if (!(x->image = malloc(P * Dv * sizeof *x->image)))
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
		for (size_t p = 0; rc == 0 && p < P; p++) {
			yajl_val r = img->u.array.values[p];
			if (!YAJL_IS_ARRAY(r) || r->u.array.len != Dv) {
				rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: image_embeddings[%zu] "
						"does not have %zu numbers", label, line, p, Dv);
				break;
			}
			for (size_t k = 0; k < Dv && rc == 0; k++) {
				yajl_val v = r->u.array.values[k];
				if (!YAJL_IS_NUMBER(v))
					rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: "
							"image_embeddings[%zu][%zu] is not a number",
							label, line, p, k);
				else if (!isfinite(x->image[p * Dv + k] = (float)YAJL_GET_DOUBLE(v)))
					rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: "
							"image_embeddings[%zu][%zu] is past the "
							"float range", label, line, p, k);
			}
		}
		x->n_patches = (int)P;
		x->image_dim = (int)Dv;
	}
	yajl_tree_free(root);
	if (rc < 0)
		al_example_clear(x);
	return rc;
}

int al_example_embed(const al_t5 *m, al_adapter *adapter, const al_example *x, float *out,
		     al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	int C = c->d_model, P = x->image ? x->n_patches : 0, T = x->n_in;
	int P0 = al_adapter_prefix(adapter);
	if (P0) {   /* the soft prompt first */
		al_prompt_forward(adapter->prompt);
		memcpy(out, adapter->prompt->out, sizeof(float) * P0 * C);
		int rc = al_example_embed(m, NULL, x, out + (size_t)P0 * C, e);
		return rc < 0 ? rc : P0 + rc;
	}
	if (P && (!al_t5_vision_projection(m) || x->image_dim != c->vision_dim))
		return al_err_set(e, AL_EINVAL, "image embeddings %d wide do not fit the "
				  "backbone's vision projection (%d)", x->image_dim, c->vision_dim);
	float *raw = malloc(sizeof(float) * ((size_t)(P + T) * C + 1));
	al_module *mi = P ? al_adapter_find(adapter, x->task, "image") : NULL;
	al_module *mt = T ? al_adapter_find(adapter, x->task, "text") : NULL;
	int r = mi && mi->r > (mt ? mt->r : 0) ? mi->r : mt ? mt->r : 1;
	float *z = malloc(sizeof(float) * 2 * ((size_t)(P + T) * r + 1)), *h = z + (size_t)(P + T) * r + 1;
	int rc = P + T;
	if (!raw || !z) {
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
	if (P)
		al_sgemm(0, 1, P, C, c->vision_dim, 1.0f, x->image, c->vision_dim,
			 al_t5_vision_projection(m), c->vision_dim, 0.0f, raw, C);
	if (T && (rc = al_t5_embed(m, x->input_ids, T, raw + (size_t)P * C, e)) < 0)
		goto out;
	rc = P + T;
	memcpy(out, raw, sizeof(float) * (size_t)(P + T) * C);
	if (mi && mi->d == C)
		al_module_forward(mi, adapter->act, raw, out, z, h, NULL, P);
	if (mt && mt->d == C)
		al_module_forward(mt, adapter->act, raw + (size_t)P * C, out + (size_t)P * C, z, h, NULL, T);
out:
	free(raw);
	free(z);
	return rc;
}

struct al_runner {
	const al_t5 *m;
	al_t5_acts *acts;
	int B, Te, Td, R;        /* capacity of acts and of the buffers below */
	float *raw, *enc, *g;    /* [B, Te, C] */
	float *mask;             /* [B, Te] */
	int *targets;            /* [B, Td] */
	float *lp;               /* [B, Td] */
	float *z, *h, *dz;       /* [B * Te, R] */
	float *drop;             /* [B * Te, R] dropout masks of the batch */
	float p;                 /* dropout probability (training only) */
	uint64_t seed;           /* of this batch's masks */
};

void al_runner_set_dropout(al_runner *r, float p, uint64_t seed)
{
	r->p = p;
	r->seed = seed;
}

al_runner *al_runner_new(const al_t5 *m, al_err *e)
{
	al_runner *r = calloc(1, sizeof *r);
	if (!r)
		al_err_set(e, AL_ENOMEM, "out of memory");
	else
		r->m = m;
	return r;
}

static void release(al_runner *r)
{
	al_t5_acts_free(r->acts);
	free(r->raw);
	free(r->mask);
	free(r->targets);
	free(r->lp);
	free(r->z);
	r->acts = NULL;
	r->raw = r->mask = r->lp = r->z = NULL;
	r->targets = NULL;
}

void al_runner_free(al_runner *r)
{
	if (!r)
		return;
	release(r);
	free(r);
}

static int reserve(al_runner *r, int B, int Te, int Td, int R, al_err *e)
{
	if (B <= r->B && Te <= r->Te && Td <= r->Td && R <= r->R && r->acts)
		return 0;
	B = B > r->B ? B : r->B;
	Te = Te > r->Te ? Te : r->Te;
	Td = Td > r->Td ? Td : r->Td;
	R = R > r->R ? R : r->R;
	release(r);
	size_t C = al_t5_cfg(r->m)->d_model, bte = (size_t)B * Te;
	r->acts = al_t5_acts_new(r->m, B, Te, Td, e);
	r->raw = malloc(sizeof(float) * bte * C * 3);
	r->mask = malloc(sizeof(float) * bte);
	r->targets = malloc(sizeof(int) * B * Td);
	r->lp = malloc(sizeof(float) * B * Td);
	r->z = malloc(sizeof(float) * (bte * (R ? R : 1) * 4));
	if (!r->acts || !r->raw || !r->mask || !r->targets || !r->lp || !r->z) {
		release(r);
		r->B = r->Te = r->Td = r->R = 0;
		return al_err_set(e, AL_ENOMEM, "out of memory for a batch of %d x (%d + %d) tokens",
				  B, Te, Td);
	}
	r->enc = r->raw + bte * C;
	r->g = r->enc + bte * C;
	r->h = r->z + bte * (R ? R : 1);
	r->dz = r->h + bte * (R ? R : 1);
	r->drop = r->dz + bte * (R ? R : 1);
	r->B = B, r->Te = Te, r->Td = Td, r->R = R;
	return 0;
}

/* Each example's image and text spans through its task's modules: forward
 * (r->raw into r->enc) or backward (gradients from r->g). */
static void run_modules(al_runner *r, al_adapter *ad, const al_example *xs, int n, int Te,
			int C, int R, int P0, int backward, int train)
{
	int drop = train && r->p > 0;
	if (!ad || ad->nmods == 0)
		return;
	for (int i = 0; i < n; i++) {
		const al_example *x = &xs[i];
		int P = x->image ? x->n_patches : 0;
		struct { al_module *m; size_t row; int len; } span[2] = {
			{P ? al_adapter_find(ad, x->task, "image") : NULL, (size_t)i * Te + P0, P},
			{x->n_in ? al_adapter_find(ad, x->task, "text") : NULL, (size_t)i * Te + P0 + P, x->n_in},
		};
		for (int k = 0; k < 2; k++) {
			al_module *md = span[k].m;
			size_t row = span[k].row;
			if (!md)
				continue;
			float *mask = drop ? r->drop + row * R : NULL;
			if (drop && !backward) {   /* seeded by batch, example, span */
				al_rng g;
				al_rng_seed(&g, r->seed * 0x9e3779b97f4a7c15ull + (uint64_t)(2 * i + k));
				float keep = 1.0f / (1.0f - r->p);
				for (size_t j = 0; j < (size_t)span[k].len * md->r; j++)
					mask[j] = al_rng_uniform(&g) < r->p ? 0.0f : keep;
			}
			if (backward)
				al_module_backward(md, ad->act, r->raw + row * C, r->z + row * R,
						   r->h + row * R, mask, r->g + row * C, r->dz, span[k].len);
			else
				al_module_forward(md, ad->act, r->raw + row * C, r->enc + row * C,
						  r->z + row * R, r->h + row * R, mask, span[k].len);
		}
	}
}

int al_runner_batch(al_runner *r, al_adapter *adapter, const al_example *xs, int n,
		    double *nll, float **logprobs, int grad, float grad_scale, al_err *e)
{
	const al_t5 *m = r->m;
	const al_t5_config *c = al_t5_cfg(m);
	int C = c->d_model, Te = 0, Td = 0, R = 0, P0 = al_adapter_prefix(adapter);
	if (n <= 0)
		return al_err_set(e, AL_EINVAL, "an empty batch");
	if (adapter && al_adapter_check(adapter, m, e) < 0)
		return e->code;
	if (adapter && adapter->full && adapter->full != m)
		return al_err_set(e, AL_EINVAL, "a full fine-tuning adapter runs on its own backbone");
	for (int i = 0; i < n; i++) {
		const al_example *x = &xs[i];
		int P = x->image ? x->n_patches : 0;
		if (P + x->n_in == 0)
			return al_err_set(e, AL_EINVAL, "example %d has no input tokens and no image", i + 1);
		if (P && !al_t5_vision_projection(m))
			return al_err_set(e, AL_EINVAL, "example %d has image embeddings but the "
					  "backbone has no vision_projection.weight", i + 1);
		if (P && x->image_dim != c->vision_dim)
			return al_err_set(e, AL_EINVAL, "example %d: image embeddings are %d wide; "
					  "the backbone's vision projection takes %d", i + 1,
					  x->image_dim, c->vision_dim);
		for (int k = 0; k < x->n_tgt; k++)
			if (x->target_ids[k] >= c->vocab)
				return al_err_set(e, AL_EINVAL, "example %d: target id %d is outside "
						  "the vocabulary (0..%d)", i + 1, x->target_ids[k],
						  c->vocab - 1);
		for (int k = 0; k < 2; k++) {
			al_module *md = al_adapter_find(adapter, x->task, k ? "image" : "text");
			if (md && md->r > R)
				R = md->r;
		}
		if (P0 + P + x->n_in > Te)
			Te = P0 + P + x->n_in;
		if (x->n_tgt > Td)
			Td = x->n_tgt;
	}
	if (reserve(r, n, Te, Td, R, e) < 0)
		return e->code;
	/* LoRA in every pass, the weights' gradients in training ones */
	if (al_t5_acts_train(r->acts, adapter && adapter->lora.n ? &adapter->lora : NULL,
			     adapter && grad ? adapter->fullgrad : NULL, m, e) < 0)
		return e->code;
	size_t TC = (size_t)Te * C;
	memset(r->raw, 0, sizeof(float) * n * TC);
	if (P0)
		al_prompt_forward(adapter->prompt);
	for (int i = 0; i < n; i++) {
		const al_example *x = &xs[i];
		int P = x->image ? x->n_patches : 0;
		if (P0)   /* rows: [soft prompt; image; text] */
			memcpy(r->raw + i * TC, adapter->prompt->out, sizeof(float) * P0 * C);
		float *raw = r->raw + i * TC + (size_t)P0 * C;
		if (P)   /* image tokens: [P, C] = image [P, Dv] projection^T */
			al_sgemm(0, 1, P, C, c->vision_dim, 1.0f, x->image, c->vision_dim,
				 al_t5_vision_projection(m), c->vision_dim, 0.0f, raw, C);
		if (x->n_in && al_t5_embed(m, x->input_ids, x->n_in, raw + (size_t)P * C, e) < 0)
			return al_err_wrap(e, "example %d", i + 1);
		for (int t = 0; t < Te; t++)
			r->mask[i * Te + t] = t < P0 + P + x->n_in;
		for (int t = 0; t < Td; t++)
			r->targets[i * Td + t] = t < x->n_tgt ? x->target_ids[t] : -1;
	}
	memcpy(r->enc, r->raw, sizeof(float) * n * TC);
	run_modules(r, adapter, xs, n, Te, C, R, P0, 0, grad);
	al_t5_batch b = {n, Te, Td, r->enc, r->mask, r->targets};
	double total = al_t5_forward(m, r->acts, &b, r->lp);
	if (!isfinite(total))
		return al_err_set(e, AL_ENUMERIC, "the loss is %g: NaN or infinite", total);
	for (int i = 0; i < n; i++) {
		double s = 0;
		for (int t = 0; t < xs[i].n_tgt; t++)
			s -= r->lp[i * Td + t];
		nll[i] = s;
		if (logprobs)
			memcpy(logprobs[i], r->lp + (size_t)i * Td, sizeof(float) * xs[i].n_tgt);
	}
	if (!grad)
		return 0;
	al_t5_backward_scaled(m, r->acts, r->g, grad_scale);
	run_modules(r, adapter, xs, n, Te, C, R, P0, 1, grad);
	if (P0) {   /* the prompt's rows of every example, summed */
		float *dp = r->g;   /* example 0's rows hold the sum */
		for (int i = 1; i < n; i++)
			for (size_t k = 0; k < (size_t)P0 * C; k++)
				dp[k] += r->g[i * TC + k];
		al_prompt_backward(adapter->prompt, dp);
	}
	if (adapter && adapter->fullgrad)   /* the text rows back to the vocabulary */
		for (int i = 0; i < n; i++) {
			int P = xs[i].image ? xs[i].n_patches : 0;
			al_t5_embed_backward(adapter->fullgrad, xs[i].input_ids, xs[i].n_in,
					     r->g + i * TC + (size_t)(P0 + P) * C);
		}
	return 0;
}
