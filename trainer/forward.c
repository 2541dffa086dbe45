/* forward.c: an example through AdaLink and the frozen T5. */
#include "forward.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lib/blas.h"

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

int al_example_parse(al_example *x, const char *json, const char *label, long line, al_err *e)
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
	if (rc == 0)
		rc = int_array(yajl_tree_get(root, pt, yajl_t_any), &x->target_ids, &x->n_tgt,
			       "target_ids", label, line, e);
	if (rc == 0 && x->n_tgt == 0)
		rc = al_err_set(e, AL_EFORMAT, "%s: line %ld: \"target_ids\" is empty",
				label, line);
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
				else
					x->image[p * Dv + k] = (float)YAJL_GET_DOUBLE(v);
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

int al_forward_example(const al_t5 *m, al_adapter *adapter, const al_example *x,
		       double *nll, float *logprobs, int grad, al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	int C = c->d_model, P = x->image ? x->n_patches : 0, T = x->n_in;
	int Te = P + T;
	if (Te == 0)
		return al_err_set(e, AL_EINVAL, "an example with no input tokens and no image");
	if (P && !al_t5_vision_projection(m))
		return al_err_set(e, AL_EINVAL, "the example has image embeddings but the "
				  "backbone has no vision_projection.weight");
	if (P && x->image_dim != c->vision_dim)
		return al_err_set(e, AL_EINVAL, "image embeddings are %d wide; the backbone's "
				  "vision projection takes %d", x->image_dim, c->vision_dim);
	al_module *mt = al_adapter_find(adapter, x->task, "text");
	al_module *mi = P ? al_adapter_find(adapter, x->task, "image") : NULL;
	if ((mt && mt->d != C) || (mi && mi->d != C))
		return al_err_set(e, AL_EINVAL, "the adapter's modules are %d wide; the "
				  "backbone's d_model is %d", mt ? mt->d : mi->d, C);
	int r = mt ? mt->r : 0, ri = mi ? mi->r : 0, rr = r > ri ? r : ri;
	size_t need = (size_t)Te * C * 3 + (size_t)(T + P) * rr * 3 + 1;
	float *buf = calloc(need, sizeof *buf);
	al_t5_acts *a = buf ? al_t5_acts_new(m, 1, Te, x->n_tgt, e) : NULL;
	if (!a) {
		free(buf);
		return buf ? e->code : al_err_set(e, AL_ENOMEM, "out of memory");
	}
	float *raw = buf;                        /* [Te, C] before the modules */
	float *enc = raw + (size_t)Te * C;        /* [Te, C] the encoder input */
	float *g = enc + (size_t)Te * C;          /* [Te, C] its gradient */
	float *z = g + (size_t)Te * C, *h = z + (size_t)(T + P) * rr, *dz = h + (size_t)(T + P) * rr;
	int rc = 0;
	if (P)   /* image tokens: projected, [P, C] = image [P, Dv] W^T */
		al_sgemm(0, 1, P, C, c->vision_dim, 1.0f, x->image, c->vision_dim,
			 al_t5_vision_projection(m), c->vision_dim, 0.0f, raw, C);
	if (T && (rc = al_t5_embed(m, x->input_ids, T, raw + (size_t)P * C, e)) < 0)
		goto out;
	memcpy(enc, raw, sizeof *enc * Te * C);
	if (mi)
		al_module_forward(mi, adapter->act, raw, enc, z, h, P);
	if (mt && T)
		al_module_forward(mt, adapter->act, raw + (size_t)P * C, enc + (size_t)P * C,
				  z + (size_t)P * rr, h + (size_t)P * rr, T);
	al_t5_batch b = {1, Te, x->n_tgt, enc, NULL, x->target_ids};
	for (int i = 0; i < x->n_tgt; i++)
		if (x->target_ids[i] >= c->vocab) {
			rc = al_err_set(e, AL_EINVAL, "target id %d is outside the vocabulary "
					"(0..%d)", x->target_ids[i], c->vocab - 1);
			goto out;
		}
	*nll = al_t5_forward(m, a, &b, logprobs);
	if (grad) {
		al_t5_backward(m, a, g);
		if (mi)
			al_module_backward(mi, adapter->act, raw, z, h, g, dz, P);
		if (mt && T)
			al_module_backward(mt, adapter->act, raw + (size_t)P * C, z + (size_t)P * rr,
					   h + (size_t)P * rr, g + (size_t)P * C, dz, T);
	}
out:
	al_t5_acts_free(a);
	free(buf);
	return rc;
}
