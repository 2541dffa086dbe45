/* t5.c: loading the T5 family and running it forward and backward. */
#include "t5.h"
#include "t5_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "blas.h"
#include "file.h"
#include "nn.h"
#include "rng.h"
#include "json_read.h"
#include "safetensors.h"

const al_t5_config *al_t5_cfg(const al_t5 *m) { return &m->c; }
const float *al_t5_shared(const al_t5 *m) { return m->shared; }
const float *al_t5_vision_projection(const al_t5 *m) { return m->vproj; }

/* ---- config ---- */

static int jint(const al_jnode *root, const char *key, int def, int *out, const char *label,
		al_err *e)
{
	const al_jnode *v = al_jget(root, key);
	long long x;
	if (!v || v->type == AL_J_NULL) {
		*out = def;
		return 0;
	}
	if (al_jint(v, &x) < 0 || x < 0 || x > 1 << 30)
		return al_err_set(e, AL_EFORMAT, "%s: config key \"%s\" must be a "
				  "non-negative integer", label, key);
	*out = (int)x;
	return 0;
}

int al_t5_config_parse(al_t5_config *c, const char *json, const char *label, al_err *e)
{
	al_jnode *root = NULL;
	if (al_json_parse(NULL, json, strlen(json), AL_JSON_COMMENTS, &root, e) < 0 ||
	    root->type != AL_J_OBJ) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", root ? "" : e->msg);
		al_jnode_free(root);
		return al_err_set(e, AL_EFORMAT, "%s: the config is not a JSON object%s%s", label,
				  *why ? ": " : "", why);
	}
	memset(c, 0, sizeof *c);
	int rc = 0, nl = 0;
	rc |= jint(root, "vocab_size", 32128, &c->vocab, label, e);
	rc |= jint(root, "d_model", 512, &c->d_model, label, e);
	rc |= jint(root, "d_kv", 64, &c->d_kv, label, e);
	rc |= jint(root, "d_ff", 2048, &c->d_ff, label, e);
	rc |= jint(root, "num_heads", 8, &c->heads, label, e);
	rc |= jint(root, "num_layers", 6, &nl, label, e);
	c->enc_layers = nl;
	rc |= jint(root, "num_decoder_layers", nl, &c->dec_layers, label, e);
	rc |= jint(root, "relative_attention_num_buckets", 32, &c->buckets, label, e);
	rc |= jint(root, "relative_attention_max_distance", 128, &c->max_distance, label, e);
	rc |= jint(root, "decoder_start_token_id", 0, &c->decoder_start, label, e);
	if (rc) {
		al_jnode_free(root);
		return AL_EFORMAT;
	}
	double eps;
	c->eps = al_jnum(al_jget(root, "layer_norm_epsilon"), &eps) == 0 ? (float)eps : 1e-6f;
	const char *ff = al_jstr(root, "feed_forward_proj");
	if (!ff)
		ff = "relu";
	if (strcmp(ff, "relu") == 0)
		c->gated = 0;
	else if (strcmp(ff, "gated-gelu") == 0)
		c->gated = 1;
	else
		rc = al_err_set(e, AL_EFORMAT, "%s: feed_forward_proj \"%s\" is not "
				"supported; expected \"relu\" or \"gated-gelu\"", label, ff);
	const al_jnode *tie = al_jget(root, "tie_word_embeddings");
	c->tied = tie ? tie->type == AL_J_BOOL && strcmp(tie->s, "true") == 0 : 1;
	al_jnode_free(root);
	if (rc)
		return rc;
	if (!c->vocab || !c->d_model || !c->d_kv || !c->d_ff || !c->heads || !c->enc_layers ||
	    !c->dec_layers || c->buckets < 2 || !c->max_distance)
		return al_err_set(e, AL_EFORMAT, "%s: the config has a zero size "
				  "(vocab_size, d_model, d_kv, d_ff, num_heads, "
				  "num_layers or buckets)", label);
	/* sizes a file may ask for: T5-11B's fit (d_ff 65536, 128 heads of
	 * 128) and no product of them overflows what the loader computes */
	if (c->vocab > 1 << 24 || c->d_model > 1 << 16 || c->d_kv > 1 << 16 || c->heads > 1 << 16 ||
	    (long long)c->heads * c->d_kv > 1 << 20 || c->d_ff > 1 << 20 ||
	    c->enc_layers > 1024 || c->dec_layers > 1024 || c->buckets > 1 << 16 ||
	    c->max_distance > 1 << 24 || c->decoder_start >= c->vocab)
		return al_err_set(e, AL_EFORMAT, "%s: the config's sizes are beyond any T5 (at most "
				  "vocab_size 2^24, d_model, d_kv and num_heads 2^16, num_heads x "
				  "d_kv and d_ff 2^20, 1024 layers a stack, decoder_start_token_id "
				  "below vocab_size)", label);
	return 0;
}

/* ---- loading ---- */

typedef struct {
	al_st **files;
	int n;
} sources;

static const al_st_tensor *find(const sources *s, const char *name)
{
	for (int i = 0; i < s->n; i++) {
		const al_st_tensor *t = al_st_find(s->files[i], name);
		if (t)
			return t;
	}
	return NULL;
}

typedef struct {
	char name[128];
	float **dst;
	int ndim;
	uint64_t shape[2];
	int optional;
} want;

static void add(want *w, int *n, float **dst, int optional, int ndim, uint64_t d0,
		uint64_t d1, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void add(want *w, int *n, float **dst, int optional, int ndim, uint64_t d0,
		uint64_t d1, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w[*n].name, sizeof w[*n].name, fmt, ap);
	va_end(ap);
	w[*n].dst = dst;
	w[*n].ndim = ndim;
	w[*n].shape[0] = d0;
	w[*n].shape[1] = d1;
	w[*n].optional = optional;
	(*n)++;
}

static int plan(al_t5 *m, want **out)
{
	const al_t5_config *c = &m->c;
	uint64_t C = c->d_model, HD = (uint64_t)c->heads * c->d_kv, F = c->d_ff;
	int max = 16 + 16 * (c->enc_layers + c->dec_layers), n = 0;
	want *w = calloc(max, sizeof *w);
	if (!w)
		return -1;
	add(w, &n, &m->shared, 0, 2, c->vocab, C, "shared.weight");
	add(w, &n, &m->enc_bias, 0, 2, c->buckets, c->heads,
	    "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
	add(w, &n, &m->dec_bias, 0, 2, c->buckets, c->heads,
	    "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
	add(w, &n, &m->enc_final, 0, 1, C, 0, "encoder.final_layer_norm.weight");
	add(w, &n, &m->dec_final, 0, 1, C, 0, "decoder.final_layer_norm.weight");
	if (!c->tied)
		add(w, &n, &m->lm_head, 0, 2, c->vocab, C, "lm_head.weight");
	for (int pass = 0; pass < 2; pass++) {
		int L = pass ? c->dec_layers : c->enc_layers;
		const char *s = pass ? "decoder" : "encoder";
		for (int l = 0; l < L; l++) {
			layer_w *lw = pass ? &m->dec[l] : &m->enc[l];
			const char *A = "layer.0.SelfAttention";
			add(w, &n, &lw->ln0, 0, 1, C, 0, "%s.block.%d.layer.0.layer_norm.weight", s, l);
			add(w, &n, &lw->q, 0, 2, HD, C, "%s.block.%d.%s.q.weight", s, l, A);
			add(w, &n, &lw->k, 0, 2, HD, C, "%s.block.%d.%s.k.weight", s, l, A);
			add(w, &n, &lw->v, 0, 2, HD, C, "%s.block.%d.%s.v.weight", s, l, A);
			add(w, &n, &lw->o, 0, 2, C, HD, "%s.block.%d.%s.o.weight", s, l, A);
			int f = 1;
			if (pass) {
				const char *X = "layer.1.EncDecAttention";
				add(w, &n, &lw->ln1, 0, 1, C, 0, "%s.block.%d.layer.1.layer_norm.weight", s, l);
				add(w, &n, &lw->cq, 0, 2, HD, C, "%s.block.%d.%s.q.weight", s, l, X);
				add(w, &n, &lw->ck, 0, 2, HD, C, "%s.block.%d.%s.k.weight", s, l, X);
				add(w, &n, &lw->cv, 0, 2, HD, C, "%s.block.%d.%s.v.weight", s, l, X);
				add(w, &n, &lw->co, 0, 2, C, HD, "%s.block.%d.%s.o.weight", s, l, X);
				f = 2;
			}
			add(w, &n, &lw->lnf, 0, 1, C, 0, "%s.block.%d.layer.%d.layer_norm.weight", s, l, f);
			if (c->gated) {
				add(w, &n, &lw->wi0, 0, 2, F, C, "%s.block.%d.layer.%d.DenseReluDense.wi_0.weight", s, l, f);
				add(w, &n, &lw->wi1, 0, 2, F, C, "%s.block.%d.layer.%d.DenseReluDense.wi_1.weight", s, l, f);
			} else {
				add(w, &n, &lw->wi0, 0, 2, F, C, "%s.block.%d.layer.%d.DenseReluDense.wi.weight", s, l, f);
			}
			add(w, &n, &lw->wo, 0, 2, C, F, "%s.block.%d.layer.%d.DenseReluDense.wo.weight", s, l, f);
		}
	}
	*out = w;
	return n;
}

static char *slurp_text(const char *path, al_err *e)
{
	al_map m;
	if (al_map_file(path, &m, e) < 0)
		return NULL;
	char *s = malloc(m.size + 1);
	if (s) {
		memcpy(s, m.data, m.size);
		s[m.size] = 0;
	} else {
		al_err_set(e, AL_ENOMEM, "out of memory");
	}
	al_map_release(&m);
	return s;
}

/* Open the checkpoint's files and read its config. */
static int open_sources(const char *path, sources *s, al_t5_config *c, al_err *e)
{
	struct stat st;
	char p[4096];
	if (stat(path, &st) < 0)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		s->files = calloc(1, sizeof *s->files);
		if (!s->files || !(s->files[0] = al_st_open(path, e)))
			return e->code ? e->code : AL_ENOMEM;
		s->n = 1;
		const char *cfg = al_st_meta_get(s->files[0], "config");
		if (!cfg)
			return al_err_set(e, AL_EFORMAT, "'%s': no \"config\" in its "
					  "__metadata__; give the model folder (with "
					  "config.json) instead", path);
		return al_t5_config_parse(c, cfg, path, e);
	}
	snprintf(p, sizeof p, "%s/config.json", path);
	char *cfg = slurp_text(p, e);
	if (!cfg)
		return AL_EIO;
	int rc = al_t5_config_parse(c, cfg, p, e);
	free(cfg);
	if (rc < 0)
		return rc;
	snprintf(p, sizeof p, "%s/model.safetensors", path);
	if (stat(p, &st) == 0) {
		s->files = calloc(1, sizeof *s->files);
		if (!s->files || !(s->files[0] = al_st_open(p, e)))
			return e->code ? e->code : AL_ENOMEM;
		s->n = 1;
		return 0;
	}
	snprintf(p, sizeof p, "%s/model.safetensors.index.json", path);
	char *idx = slurp_text(p, e);
	if (!idx)
		return al_err_set(e, AL_EIO, "'%s' holds neither model.safetensors nor "
				  "model.safetensors.index.json", path);
	al_jnode *root = NULL;
	int prc = al_json_parse(p, idx, strlen(idx), AL_JSON_COMMENTS, &root, e);
	free(idx);
	const al_jnode *map = prc == 0 ? al_jget(root, "weight_map") : NULL;
	if (!map || map->type != AL_J_OBJ) {
		al_jnode_free(root);
		return prc < 0 ? prc : al_err_set(e, AL_EFORMAT, "'%s': expected a JSON object "
						  "with a \"weight_map\"", p);
	}
	size_t nv = map->n;
	s->files = calloc(nv ? nv : 1, sizeof *s->files);
	char **names = calloc(nv ? nv : 1, sizeof *names);
	if (!s->files || !names)
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < nv; i++) {
		const al_jnode *f = &map->kid[i];
		char *fname = f->type == AL_J_STR ? f->s : NULL;
		if (!fname || strchr(fname, '/')) {
			rc = al_err_set(e, AL_EFORMAT, "'%s': weight_map values must be "
					"file names in the folder", p);
			break;
		}
		int seen = 0;
		for (int j = 0; j < s->n; j++)
			seen |= strcmp(names[j], fname) == 0;
		if (seen)
			continue;
		names[s->n] = fname;
		char fp[4096];
		snprintf(fp, sizeof fp, "%s/%s", path, names[s->n]);
		if (!(s->files[s->n] = al_st_open(fp, e)))
			rc = e->code;
		else
			s->n++;
	}
	free(names);
	al_jnode_free(root);
	return rc;
}

/* Whether t can be the vision projection of a model of width C:
 * [C, D] with 0 < D <= 2^20. */
static int projection_shape_ok(const al_st_tensor *t, int C)
{
	return t->ndim == 2 && t->shape[0] == (uint64_t)C && t->shape[1] > 0 &&
	       t->shape[1] <= 1 << 20;
}

int al_t5_set_projection(al_t5 *m, const char *path, al_err *e)
{
	al_st *st = al_st_open(path, e);
	if (!st) {
		al_err_wrap(e, "--projection");
		return e->code;
	}
	const al_st_tensor *t = al_st_find(st, "vision_projection.weight");
	if (!t && al_st_count(st) == 1)
		t = al_st_tensor_at(st, 0);
	int rc = 0;
	if (!t) {
		rc = al_err_set(e, AL_EFORMAT, "'%s' has no vision_projection.weight", path);
	} else if (!projection_shape_ok(t, m->c.d_model)) {
		rc = al_err_set(e, AL_EFORMAT, "'%s': the projection must be [d_model=%d, "
				"vision_dim], not %d-dimensional [%llu, ...]", path, m->c.d_model,
				t->ndim, (unsigned long long)t->shape[0]);
	} else if (m->vproj && (uint64_t)m->c.vision_dim == t->shape[1]) {
		rc = al_st_read_f32(t, m->vproj, e);   /* in place of the backbone's */
	} else {
		float *p = malloc(sizeof *p * m->c.d_model * t->shape[1]);
		if (!p)
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
		else if ((rc = al_st_read_f32(t, p, e)) < 0)
			free(p);
		else {
			free(m->vproj_ext);
			m->vproj_ext = m->vproj = p;
			m->c.vision_dim = (int)t->shape[1];
		}
	}
	if (rc < 0)
		al_err_wrap(e, "--projection");
	al_st_free(st);
	return rc;
}

void al_t5_free(al_t5 *m)
{
	if (!m)
		return;
	free(m->vproj_ext);
	free(m->enc_embed_own);
	free(m->block);
	free(m->enc);
	free(m->dec);
	free(m);
}

/* Every tensor of m in order: plan(), then the vision projection (when
 * c.vision_dim > 0) and the encoder's own embeddings (own_enc).  A new
 * model's block holds them in this order; later the projection may come
 * apart (al_t5_set_projection) and the encoder's embeddings too
 * (al_t5_encoder_embeddings), so walk the tensors by their pointers (see
 * views()), never by the block. */
static int layout(al_t5 *m, want **w)
{
	int n = plan(m, w);
	if (n < 0)
		return n;
	if (m->c.vision_dim > 0)
		add(*w, &n, &m->vproj, 0, 2, m->c.d_model, m->c.vision_dim, "vision_projection.weight");
	if (m->own_enc)
		add(*w, &n, &m->enc_embed, 0, 2, m->c.vocab, m->c.d_model, "encoder.embed_tokens.weight");
	return n;
}

static size_t numel(const want *w) { return w->shape[0] * (w->ndim == 2 ? w->shape[1] : 1); }

/* Allocate m's parameter block for its config (and a vision projection
 * of vproj_dim columns when > 0) and point the views into it; *w and *n
 * describe every tensor for the caller to fill. */
static int alloc_params(al_t5 *m, int vproj_dim, want **w, int *n, al_err *e)
{
	m->enc = calloc(m->c.enc_layers, sizeof *m->enc);
	m->dec = calloc(m->c.dec_layers, sizeof *m->dec);
	if (vproj_dim > 0)
		m->c.vision_dim = vproj_dim;
	*n = (m->enc && m->dec) ? layout(m, w) : -1;
	if (*n < 0)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	size_t total = 0;
	for (int i = 0; i < *n; i++)
		if (__builtin_add_overflow(total, numel(&(*w)[i]), &total) ||
		    total > (SIZE_MAX / sizeof *m->block))
			return al_err_set(e, AL_EFORMAT, "the config asks for more parameters than "
					  "memory can address");
	m->nparams = total;
	m->block = malloc(total * sizeof *m->block);
	if (!m->block)
		return al_err_set(e, AL_ENOMEM, "out of memory for %zu parameters", total);
	float *p = m->block;
	for (int i = 0; i < *n; i++) {
		*(*w)[i].dst = p;
		p += numel(&(*w)[i]);
	}
	return 0;
}

al_t5 *al_t5_load(const char *path, al_err *e)
{
	sources s = {0};
	al_t5 *m = calloc(1, sizeof *m);
	want *w = NULL;
	int n = 0;
	if (!m) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	if (open_sources(path, &s, &m->c, e) < 0)
		goto bad;
	const al_st_tensor *vp = find(&s, "vision_projection.weight");
	if (vp && !projection_shape_ok(vp, m->c.d_model)) {
		al_err_set(e, AL_EFORMAT, "'%s': vision_projection.weight must be "
			   "[d_model=%d, vision_dim]", path, m->c.d_model);
		goto bad;
	}
	m->own_enc = find(&s, "encoder.embed_tokens.weight") != NULL;
	if (alloc_params(m, vp ? (int)vp->shape[1] : 0, &w, &n, e) < 0) {
		al_err_wrap(e, "'%s'", path);
		goto bad;
	}
	for (int i = 0; i < n; i++) {
		const al_st_tensor *t = find(&s, w[i].name);
		if (!t) {
			al_err_set(e, AL_EFORMAT, "'%s': tensor '%s' is missing; is this "
				   "a T5 checkpoint with this config?", path, w[i].name);
			goto bad;
		}
		if (t->ndim != w[i].ndim || t->shape[0] != w[i].shape[0] ||
		    (w[i].ndim == 2 && t->shape[1] != w[i].shape[1])) {
			char got[64] = "";
			for (int d = 0; d < t->ndim && d < 4; d++)
				snprintf(got + strlen(got), sizeof got - strlen(got), d ? ",%llu" : "%llu",
					 (unsigned long long)t->shape[d]);
			al_err_set(e, AL_EFORMAT, "'%s': tensor '%s' has shape [%s]; the "
				   "config says [%llu%s%.0llu]", path, w[i].name, got,
				   (unsigned long long)w[i].shape[0], w[i].ndim == 2 ? "," : "",
				   (unsigned long long)(w[i].ndim == 2 ? w[i].shape[1] : 0));
			goto bad;
		}
		if (al_st_read_f32(t, *w[i].dst, e) < 0) {
			al_err_wrap(e, "'%s'", path);
			goto bad;
		}
	}
	free(w);
	for (int i = 0; i < s.n; i++)
		al_st_free(s.files[i]);
	free(s.files);
	return m;
bad:
	free(w);
	for (int i = 0; i < s.n; i++)
		al_st_free(s.files[i]);
	free(s.files);
	al_t5_free(m);
	return NULL;
}

al_t5 *al_t5_new(const al_t5_config *c, int vision_dim, uint64_t seed, al_err *e)
{
	al_t5 *m = calloc(1, sizeof *m);
	want *w = NULL;
	int n = 0;
	if (!m) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	m->c = *c;
	m->c.vision_dim = 0;
	if (alloc_params(m, vision_dim, &w, &n, e) < 0) {
		free(w);
		al_t5_free(m);
		return NULL;
	}
	/* As Hugging Face initialises T5 (factor 1): norms 1, embeddings
	 * N(0, 1), q N(0, (C D)^-1/2), k and v N(0, C^-1/2), o N(0, (H D)^-1/2),
	 * wi N(0, C^-1/2), wo N(0, F^-1/2), an untied lm_head N(0, 1) (as
	 * modeling_t5's _init_weights), position biases and the vision
	 * projection N(0, C^-1/2) (its input's width for the latter). */
	al_rng r;
	al_rng_seed(&r, seed);
	double C = c->d_model, HD = (double)c->heads * c->d_kv;
	for (int i = 0; i < n; i++) {
		const char *nm = w[i].name;
		size_t cnt = w[i].shape[0] * (w[i].ndim == 2 ? w[i].shape[1] : 1);
		float *p = *w[i].dst;
		double sd;
		if (w[i].ndim == 1) {
			for (size_t k = 0; k < cnt; k++)
				p[k] = 1.0f;
			continue;
		}
		if (strcmp(nm, "shared.weight") == 0 || strcmp(nm, "lm_head.weight") == 0)
			sd = 1.0;
		else if (strstr(nm, ".q.weight"))
			sd = 1.0 / sqrt(C * c->d_kv);
		else if (strstr(nm, ".o.weight"))
			sd = 1.0 / sqrt(HD);
		else if (strstr(nm, ".wo.weight"))
			sd = 1.0 / sqrt((double)c->d_ff);
		else if (strcmp(nm, "vision_projection.weight") == 0)
			sd = 1.0 / sqrt((double)vision_dim);
		else
			sd = 1.0 / sqrt(C);
		for (size_t k = 0; k < cnt; k++)
			p[k] = (float)(sd * al_rng_normal(&r));
	}
	free(w);
	return m;
}

char *al_t5_config_json(const al_t5_config *c)
{
	char *s = malloc(1024);
	if (!s)
		return NULL;
	snprintf(s, 1024, "{\"model_type\": \"t5\", \"vocab_size\": %d, \"d_model\": %d, "
		 "\"d_kv\": %d, \"d_ff\": %d, \"num_heads\": %d, \"num_layers\": %d, "
		 "\"num_decoder_layers\": %d, \"relative_attention_num_buckets\": %d, "
		 "\"relative_attention_max_distance\": %d, \"layer_norm_epsilon\": %g, "
		 "\"feed_forward_proj\": \"%s\", \"tie_word_embeddings\": %s, "
		 "\"decoder_start_token_id\": %d, \"pad_token_id\": 0, \"eos_token_id\": 1}",
		 c->vocab, c->d_model, c->d_kv, c->d_ff, c->heads, c->enc_layers, c->dec_layers,
		 c->buckets, c->max_distance, c->eps, c->gated ? "gated-gelu" : "relu",
		 c->tied ? "true" : "false", c->decoder_start);
	return s;
}

/* m's tensors as layout() lists them, each *w[i].dst pointing at the
 * data wherever it lies: the views of a scratch copy of m (layout() takes
 * the addresses of the views it lists).  Returns the count, or -1. */
static int views(const al_t5 *m, al_t5 *shadow, want **w)
{
	*shadow = *m;
	shadow->enc = malloc(sizeof *m->enc * m->c.enc_layers);
	shadow->dec = malloc(sizeof *m->dec * m->c.dec_layers);
	if (!shadow->enc || !shadow->dec)
		return -1;
	memcpy(shadow->enc, m->enc, sizeof *m->enc * m->c.enc_layers);
	memcpy(shadow->dec, m->dec, sizeof *m->dec * m->c.dec_layers);
	return layout(shadow, w);
}

int al_t5_save(const al_t5 *m, const char *path, al_err *e)
{
	return al_t5_save_as(m, path, AL_F32, e);
}

/* The tensors narrowed to dtype (F16 or BF16, rounded to nearest even),
 * one block after another, for the writer; NULL on no memory. */
static uint16_t *narrowed(const want *w, int n, al_dtype dtype)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += (size_t)w[i].shape[0] * (w[i].ndim > 1 ? w[i].shape[1] : 1);
	uint16_t *h = malloc(sizeof *h * (total ? total : 1)), *p = h;
	for (int i = 0; h && i < n; i++) {
		size_t k = (size_t)w[i].shape[0] * (w[i].ndim > 1 ? w[i].shape[1] : 1);
		const float *f = *w[i].dst;
		for (size_t j = 0; j < k; j++)
			p[j] = dtype == AL_BF16 ? al_f32_to_bf16(f[j]) : al_f32_to_f16(f[j]);
		p += k;
	}
	return h;
}

int al_t5_save_as(const al_t5 *m, const char *path, al_dtype dtype, al_err *e)
{
	if (dtype != AL_F32 && dtype != AL_BF16 && dtype != AL_F16)
		return al_err_set(e, AL_EINVAL, "a checkpoint is written as F32, BF16 or F16, not %s",
				  al_dtype_name(dtype));
	want *w = NULL;
	al_t5 shadow;
	int n = views(m, &shadow, &w);
	char *cfg = al_t5_config_json(&m->c);
	uint16_t *h = n >= 0 && dtype != AL_F32 ? narrowed(w, n, dtype) : NULL;
	al_st_writer *wr = n >= 0 && cfg && (h || dtype == AL_F32) ? al_st_writer_new(path, e) : NULL;
	int rc = wr ? al_st_writer_meta(wr, "config", cfg, e) : al_err_set(e, AL_ENOMEM, "out of memory");
	const uint16_t *p = h;
	for (int i = 0; rc == 0 && i < n; i++) {
		rc = al_st_writer_add(wr, w[i].name, dtype, w[i].ndim, w[i].shape,
				      h ? (const void *)p : (const void *)*w[i].dst, e);
		if (h)
			p += (size_t)w[i].shape[0] * (w[i].ndim > 1 ? w[i].shape[1] : 1);
	}
	if (rc == 0)
		rc = al_st_writer_commit(wr, e);
	al_st_writer_free(wr);
	free(h);
	free(cfg);
	free(w);
	free(shadow.enc);
	free(shadow.dec);
	return rc;
}

size_t al_t5_nparams(const al_t5 *m) { return m->nparams; }

int al_t5_embed(const al_t5 *m, const int *ids, int n, float *out, al_err *e)
{
	int C = m->c.d_model;
	for (int i = 0; i < n; i++) {
		if (ids[i] < 0 || ids[i] >= m->c.vocab)
			return al_err_set(e, AL_EINVAL, "token id %d at position %d is outside "
					  "the vocabulary (0..%d)", ids[i], i, m->c.vocab - 1);
		memcpy(out + (size_t)i * C, (m->enc_embed ? m->enc_embed : m->shared) + (size_t)ids[i] * C,
		       sizeof *out * C);
	}
	return 0;
}

/* ---- the backbone's weights as trainable tensors ---- */

static float **slot_of(layer_w *w, int slot)
{
	switch (slot) {
	case AL_T5_Q: return &w->q;
	case AL_T5_K: return &w->k;
	case AL_T5_V: return &w->v;
	case AL_T5_O: return &w->o;
	case AL_T5_CQ: return &w->cq;
	case AL_T5_CK: return &w->ck;
	case AL_T5_CV: return &w->cv;
	case AL_T5_CO: return &w->co;
	case AL_T5_WI0: return &w->wi0;
	case AL_T5_WI1: return &w->wi1;
	default: return &w->wo;
	}
}

int al_t5_linear(const al_t5_config *c, int decoder, int layer, int slot, char *name, size_t n,
		 int *I, int *O)
{
	int C = c->d_model, HD = c->heads * c->d_kv, F = c->d_ff;
	*I = *O = 0;
	if (layer < 0 || layer >= (decoder ? c->dec_layers : c->enc_layers) || slot < 0 ||
	    slot >= AL_T5_SLOTS || (!decoder && slot >= AL_T5_CQ && slot <= AL_T5_CO) ||
	    (!c->gated && slot == AL_T5_WI1))
		return 0;
	static const char *leaf[] = {"q", "k", "v", "o", "q", "k", "v", "o", "wi_0", "wi_1", "wo"};
	const char *side = decoder ? "decoder" : "encoder";
	if (slot <= AL_T5_O)
		snprintf(name, n, "%s.block.%d.layer.0.SelfAttention.%s", side, layer, leaf[slot]);
	else if (slot <= AL_T5_CO)
		snprintf(name, n, "%s.block.%d.layer.1.EncDecAttention.%s", side, layer, leaf[slot]);
	else
		snprintf(name, n, "%s.block.%d.layer.%d.DenseReluDense.%s", side, layer, decoder ? 2 : 1,
			 slot == AL_T5_WI0 && !c->gated ? "wi" : leaf[slot]);
	*I = slot == AL_T5_O || slot == AL_T5_CO ? HD : slot == AL_T5_WO ? F : C;
	*O = slot == AL_T5_O || slot == AL_T5_CO || slot == AL_T5_WO ? C :
	     slot >= AL_T5_WI0 ? F : HD;
	return 1;
}

float *al_t5_linear_weight(al_t5 *m, int decoder, int layer, int slot)
{
	char buf[160];
	int I, O;
	if (!al_t5_linear(&m->c, decoder, layer, slot, buf, sizeof buf, &I, &O))
		return NULL;
	return *slot_of(decoder ? &m->dec[layer] : &m->enc[layer], slot);
}

al_t5 *al_t5_grads_new(const al_t5 *m, al_err *e)
{
	al_t5 *g = calloc(1, sizeof *g);
	want *w = NULL;
	int n = 0;
	if (!g) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	g->c = m->c;
	g->c.vision_dim = 0;
	g->own_enc = m->own_enc;
	if (alloc_params(g, m->c.vision_dim, &w, &n, e) < 0) {
		free(w);
		al_t5_free(g);
		return NULL;
	}
	free(w);
	al_t5_zero(g);
	return g;
}

void al_t5_zero(al_t5 *m) { memset(m->block, 0, m->nparams * sizeof *m->block); }

int al_t5_tensors(al_t5 *m, al_t5_tensor **out, al_err *e)
{
	want *w = NULL;
	al_t5 shadow;
	int n = views(m, &shadow, &w);
	*out = n >= 0 ? calloc(n ? n : 1, sizeof **out) : NULL;
	if (!*out) {
		n = al_err_set(e, AL_ENOMEM, "out of memory");
	} else {
		for (int i = 0; i < n; i++) {
			snprintf((*out)[i].name, sizeof (*out)[i].name, "%s", w[i].name);
			(*out)[i].data = *w[i].dst;
			(*out)[i].rows = (int)w[i].shape[0];
			(*out)[i].cols = w[i].ndim == 2 ? (int)w[i].shape[1] : 1;
		}
	}
	free(w);
	free(shadow.enc);
	free(shadow.dec);
	return n;
}

void al_t5_embed_backward(al_t5 *grads, const int *ids, int n, const float *d)
{
	int C = grads->c.d_model;
	float *table = grads->enc_embed ? grads->enc_embed : grads->shared;
	for (int i = 0; i < n; i++) {
		float *row = table + (size_t)ids[i] * C;
		for (int k = 0; k < C; k++)
			row[k] += d[(size_t)i * C + k];
	}
}

float *al_t5_encoder_embeddings(al_t5 *m, al_err *e)
{
	if (m->own_enc)
		return m->enc_embed;
	size_t VC = (size_t)m->c.vocab * m->c.d_model;
	if (!(m->enc_embed_own = malloc(VC * sizeof *m->enc_embed_own))) {
		al_err_set(e, AL_ENOMEM, "out of memory for a second embedding table");
		return NULL;
	}
	m->enc_embed = m->enc_embed_own;
	m->own_enc = 1;
	m->nparams += VC;
	memcpy(m->enc_embed, m->shared, VC * sizeof *m->shared);
	return m->enc_embed;
}

/* ---- activations ---- */

typedef struct {
	float *hin, *ln0, *rstd0, *q, *k, *v, *probs, *att;
	float *hmid, *ln1, *rstd1, *cq, *ck, *cv, *cprobs, *catt;
	float *hmid2, *lnf, *rstdf, *ffa, *ffb, *ffh;
} layer_a;

struct al_t5_acts {
	int B, Te, Td;            /* the batch being run */
	int cB, cTe, cTd;         /* the largest it has room for */
	float *block;
	layer_a *enc, *dec;
	float *enc_bias, *dec_bias;        /* [H,Te,Te], [H,Td,Td] */
	float *enc_mask;                   /* [B,Te] */
	float *enc_h, *enc_out, *enc_rstd; /* final norm input, output, rstd */
	float *dec_emb, *dec_h, *dec_out, *dec_rstd, *logits;
	int *targets;                      /* [B,Td] */
	/* backward scratch */
	float *g_dec, *g_dec2, *g_enc, *g_enc2, *g_encout, *g_ff, *g_ff2, *g_hd, *g_hd2,
	      *g_q, *g_k, *g_v, *g_ek, *g_ev, *g_logits, *g_scratch;
	/* training the weights (al_t5_acts_train) */
	int Le;                            /* encoder layers: decoder layer l is Le + l */
	const al_t5_lora *lora;
	const al_t5_lora_w **ltab;         /* [(Le + Ld) * AL_T5_SLOTS], NULL: no LoRA */
	float *lt, *lu;                    /* [rows, r] LoRA scratch */
	al_t5 *grads;                      /* every weight's gradient, or NULL */
	float *dbias;                      /* [H, T, T] the position bias's gradient */
};

const float *al_t5_logits(const al_t5_acts *a) { return a->logits; }

void al_t5_acts_free(al_t5_acts *a)
{
	if (!a)
		return;
	free(a->block);
	free(a->enc);
	free(a->dec);
	free(a->targets);
	free(a->ltab);
	free(a->lt);
	free(a->dbias);
	free(a);
}

al_t5_acts *al_t5_acts_new(const al_t5 *m, int B, int Te, int Td, al_err *e)
{
	const al_t5_config *c = &m->c;
	size_t C = c->d_model, HD = (size_t)c->heads * c->d_kv, F = c->d_ff, H = c->heads;
	size_t N = (size_t)B * Te, M = (size_t)B * Td, V = c->vocab;
	al_t5_acts *a = calloc(1, sizeof *a);
	if (!a)
		goto oom;
	a->B = a->cB = B, a->Te = a->cTe = Te, a->Td = a->cTd = Td;
	a->Le = c->enc_layers;
	a->enc = calloc(c->enc_layers, sizeof *a->enc);
	a->dec = calloc(c->dec_layers, sizeof *a->dec);
	a->targets = calloc(M ? M : 1, sizeof *a->targets);
	if (!a->enc || !a->dec || !a->targets)
		goto oom;
	/* Two passes: count, then point into one block. */
	float *base = NULL;
	size_t off = 0;
	for (int pass = 0; pass < 2; pass++) {
		off = 0;
#define TAKE(ptr, n) do { if (pass) (ptr) = base + off; off += (n); } while (0)
		for (int l = 0; l < c->enc_layers; l++) {
			layer_a *la = &a->enc[l];
			TAKE(la->hin, N * C); TAKE(la->ln0, N * C); TAKE(la->rstd0, N);
			TAKE(la->q, N * HD); TAKE(la->k, N * HD); TAKE(la->v, N * HD);
			TAKE(la->probs, (size_t)B * H * Te * Te); TAKE(la->att, N * HD);
			TAKE(la->hmid2, N * C); TAKE(la->lnf, N * C); TAKE(la->rstdf, N);
			TAKE(la->ffa, N * F); TAKE(la->ffh, N * F);
			if (c->gated) TAKE(la->ffb, N * F);
		}
		for (int l = 0; l < c->dec_layers; l++) {
			layer_a *la = &a->dec[l];
			TAKE(la->hin, M * C); TAKE(la->ln0, M * C); TAKE(la->rstd0, M);
			TAKE(la->q, M * HD); TAKE(la->k, M * HD); TAKE(la->v, M * HD);
			TAKE(la->probs, (size_t)B * H * Td * Td); TAKE(la->att, M * HD);
			TAKE(la->hmid, M * C); TAKE(la->ln1, M * C); TAKE(la->rstd1, M);
			TAKE(la->cq, M * HD); TAKE(la->ck, N * HD); TAKE(la->cv, N * HD);
			TAKE(la->cprobs, (size_t)B * H * Td * Te); TAKE(la->catt, M * HD);
			TAKE(la->hmid2, M * C); TAKE(la->lnf, M * C); TAKE(la->rstdf, M);
			TAKE(la->ffa, M * F); TAKE(la->ffh, M * F);
			if (c->gated) TAKE(la->ffb, M * F);
		}
		TAKE(a->enc_bias, H * Te * Te); TAKE(a->dec_bias, H * Td * Td);
		TAKE(a->enc_mask, N);
		TAKE(a->enc_h, N * C); TAKE(a->enc_out, N * C); TAKE(a->enc_rstd, N);
		TAKE(a->dec_emb, M * C); TAKE(a->dec_h, M * C); TAKE(a->dec_out, M * C);
		TAKE(a->dec_rstd, M); TAKE(a->logits, M * V);
		TAKE(a->g_dec, M * C); TAKE(a->g_dec2, M * C); TAKE(a->g_enc, N * C);
		TAKE(a->g_enc2, N * C); TAKE(a->g_encout, N * C);
		size_t R = N > M ? N : M;
		TAKE(a->g_ff, R * F); TAKE(a->g_ff2, R * F); TAKE(a->g_hd, R * HD);
		TAKE(a->g_hd2, R * HD);
		TAKE(a->g_q, R * HD); TAKE(a->g_k, R * HD); TAKE(a->g_v, R * HD);
		TAKE(a->g_ek, N * HD); TAKE(a->g_ev, N * HD);
		TAKE(a->g_logits, M * V);
		size_t T = Te > Td ? Te : Td;
		TAKE(a->g_scratch, T * T);
#undef TAKE
		if (!pass) {
			base = a->block = calloc(off ? off : 1, sizeof *base);
			if (!base)
				goto oom;
		}
	}
	return a;
oom:
	al_t5_acts_free(a);
	al_err_set(e, AL_ENOMEM, "out of memory for the activations of a batch of "
		   "%d x (%d + %d) tokens", B, Te, Td);
	return NULL;
}

int al_t5_acts_train(al_t5_acts *a, const al_t5_lora *lora, al_t5 *grads, const al_t5 *m,
		     al_err *e)
{
	const al_t5_config *c = &m->c;
	int L = c->enc_layers + c->dec_layers;
	free(a->ltab);
	free(a->lt);
	free(a->dbias);
	a->ltab = NULL, a->lt = a->lu = a->dbias = NULL;
	a->lora = NULL;
	a->grads = grads;
	if (grads && (grads->c.d_model != c->d_model || grads->c.vocab != c->vocab ||
		      grads->c.enc_layers != c->enc_layers || grads->c.dec_layers != c->dec_layers ||
		      grads->c.d_ff != c->d_ff || grads->c.gated != c->gated || grads->c.tied != c->tied ||
		      grads->own_enc != m->own_enc))
		return al_err_set(e, AL_EINVAL, "the gradients were not made for this model");
	if (grads) {
		size_t T = a->cTe > a->cTd ? a->cTe : a->cTd;
		if (!(a->dbias = calloc((size_t)c->heads * T * T, sizeof *a->dbias)))
			return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	if (!lora || lora->n == 0)
		return 0;
	size_t R = (size_t)a->cB * (a->cTe > a->cTd ? a->cTe : a->cTd);
	a->ltab = calloc((size_t)L * AL_T5_SLOTS, sizeof *a->ltab);
	a->lt = malloc(sizeof(float) * 2 * R * (lora->r > 0 ? lora->r : 1));
	if (!a->ltab || !a->lt)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	a->lu = a->lt + R * lora->r;
	for (int i = 0; i < lora->n; i++) {
		const al_t5_lora_w *w = &lora->w[i];
		char name[160];
		int I, O;
		if (!al_t5_linear(c, w->decoder, w->layer, w->slot, name, sizeof name, &I, &O))
			return al_err_set(e, AL_EINVAL, "LoRA on %s block %d, linear %d: the "
					  "backbone has no such layer", w->decoder ? "decoder" : "encoder",
					  w->layer, w->slot);
		if (w->I != I || w->O != O)
			return al_err_set(e, AL_EINVAL, "LoRA on %s: [%d, r] and [r, %d] do not fit "
					  "the layer's %d inputs and %d outputs", name, w->O, w->I, I, O);
		a->ltab[(w->decoder ? c->enc_layers : 0) * AL_T5_SLOTS + w->layer * AL_T5_SLOTS + w->slot] = w;
	}
	a->lora = lora;
	return 0;
}

/* y[N,O] = x[N,I] W[O,I]^T + beta y, plus the LoRA delta
 * scale (x A^T) B^T of layer li's slot when it has one. */
static void lin_fwd(const al_t5_acts *a, int li, int slot, float *y, float beta, const float *x,
		    const float *W, int N, int I, int O)
{
	al_sgemm(0, 1, N, O, I, 1.0f, x, I, W, I, beta, y, O);
	const al_t5_lora_w *l = a->ltab ? a->ltab[li * AL_T5_SLOTS + slot] : NULL;
	if (l) {
		int r = a->lora->r;
		al_sgemm(0, 1, N, r, I, 1.0f, x, I, l->A, I, 0.0f, a->lt, r);
		al_sgemm(0, 1, N, O, r, a->lora->scale, a->lt, r, l->B, r, 1.0f, y, O);
	}
}

/* The backward of lin_fwd: dx[N,I] = dy[N,O] W + beta dx (dx may be
 * NULL: not needed), plus the weight's gradient when training every
 * weight and the LoRA pair's gradients. */
static void lin_bwd(const al_t5_acts *a, int li, int slot, float *dx, float beta, const float *dy,
		    const float *x, const float *W, int N, int I, int O)
{
	if (dx)
		al_sgemm(0, 0, N, I, O, 1.0f, dy, O, W, I, beta, dx, I);
	if (a->grads) {
		layer_w *g = li < a->Le ? &a->grads->enc[li] : &a->grads->dec[li - a->Le];
		al_linear_backward_weight(*slot_of(g, slot), dy, x, N, I, O);
	}
	const al_t5_lora_w *l = a->ltab ? a->ltab[li * AL_T5_SLOTS + slot] : NULL;
	if (l) {
		int r = a->lora->r;
		float s = a->lora->scale;
		al_sgemm(0, 1, N, r, I, 1.0f, x, I, l->A, I, 0.0f, a->lt, r);      /* t = x A^T */
		al_sgemm(1, 0, O, r, N, s, dy, O, a->lt, r, 1.0f, l->gB, r);        /* gB += s dy^T t */
		al_sgemm(0, 0, N, r, O, 1.0f, dy, O, l->B, r, 0.0f, a->lu, r);      /* u = dy B */
		al_sgemm(1, 0, r, I, N, s, a->lu, r, x, I, 1.0f, l->gA, I);         /* gA += s u^T x */
		if (dx)
			al_sgemm(0, 0, N, I, r, s, a->lu, r, l->A, I, 1.0f, dx, I); /* dx += s u A */
	}
}

/* ---- forward ---- */

/* Feed-forward sub-layer of layer li: h += wo(act(x wi0) [* x wi1]) with
 * x = norm(h). */
static void ff_forward(const al_t5_config *c, const layer_w *w, layer_a *la, const al_t5_acts *a,
		       int li, float *h, int N)
{
	int C = c->d_model, F = c->d_ff;
	al_rmsnorm_forward(la->lnf, la->rstdf, h, w->lnf, N, C, c->eps);
	lin_fwd(a, li, AL_T5_WI0, la->ffa, 0.0f, la->lnf, w->wi0, N, C, F);
	size_t n = (size_t)N * F;
	if (c->gated) {
		lin_fwd(a, li, AL_T5_WI1, la->ffb, 0.0f, la->lnf, w->wi1, N, C, F);
		al_gelu_forward(la->ffh, la->ffa, n);
		for (size_t i = 0; i < n; i++)
			la->ffh[i] *= la->ffb[i];
	} else {
		memcpy(la->ffh, la->ffa, n * sizeof *la->ffh);
		al_relu_forward(la->ffh, n);
	}
	lin_fwd(a, li, AL_T5_WO, h, 1.0f, la->ffh, w->wo, N, F, C);   /* h += ffh wo^T */
}

/* h += the self-attention sub-layer of layer li over h (input saved in
 * la->hin), over B sequences of T positions: bidirectional with a key
 * mask (encoder), or causal (decoder). */
static void self_forward(const al_t5_config *c, const layer_w *w, layer_a *la, const al_t5_acts *a,
			 int li, float *h, int B, int T, const float *bias, const float *mask, int causal)
{
	int C = c->d_model, H = c->heads, D = c->d_kv, HD = H * D, N = B * T;
	memcpy(la->hin, h, sizeof *h * N * C);
	al_rmsnorm_forward(la->ln0, la->rstd0, h, w->ln0, N, C, c->eps);
	lin_fwd(a, li, AL_T5_Q, la->q, 0.0f, la->ln0, w->q, N, C, HD);
	lin_fwd(a, li, AL_T5_K, la->k, 0.0f, la->ln0, w->k, N, C, HD);
	lin_fwd(a, li, AL_T5_V, la->v, 0.0f, la->ln0, w->v, N, C, HD);
	al_attention_forward(la->att, la->probs, la->q, la->k, la->v, bias, mask, causal,
			     B, T, T, H, D);
	lin_fwd(a, li, AL_T5_O, h, 1.0f, la->att, w->o, N, HD, C);
}

/* The encoder over a->B x a->Te positions: enc_out and every saved
 * activation. */
static void encode(const al_t5 *m, al_t5_acts *a, const float *embeds, const float *mask)
{
	const al_t5_config *c = &m->c;
	int B = a->B, Te = a->Te, C = c->d_model, H = c->heads;
	int N = B * Te;
	size_t NC = (size_t)N * C;
	for (int i = 0; i < N; i++)
		a->enc_mask[i] = mask ? mask[i] : 1.0f;
	al_t5_position_bias(a->enc_bias, m->enc_bias, H, Te, Te, 1, c->buckets, c->max_distance);
	float *h = a->enc_h;   /* h runs through the layers in enc_h */
	memcpy(h, embeds, NC * sizeof *h);
	for (int l = 0; l < c->enc_layers; l++) {
		const layer_w *w = &m->enc[l];
		layer_a *la = &a->enc[l];
		self_forward(c, w, la, a, l, h, B, Te, a->enc_bias, a->enc_mask, 0);
		memcpy(la->hmid2, h, NC * sizeof *h);
		ff_forward(c, w, la, a, l, h, N);
	}
	al_rmsnorm_forward(a->enc_out, a->enc_rstd, h, m->enc_final, N, C, c->eps);
}

int al_t5_encode(const al_t5 *m, const float *embeds, const float *mask, int Te, float *out,
		 al_err *e)
{
	al_t5_acts *a = al_t5_acts_new(m, 1, Te, 1, e);
	if (!a)
		return e->code;
	encode(m, a, embeds, mask);
	memcpy(out, a->enc_out, sizeof(float) * Te * m->c.d_model);
	al_t5_acts_free(a);
	return 0;
}

double al_t5_forward(const al_t5 *m, al_t5_acts *a, const al_t5_batch *b, float *logprobs)
{
	const al_t5_config *c = &m->c;
	int B = b->B, Te = b->Te, Td = b->Td, C = c->d_model, H = c->heads, D = c->d_kv;
	int HD = H * D, N = B * Te, M = B * Td, V = c->vocab;
	size_t MC = (size_t)M * C;
	if (B > a->cB || Te > a->cTe || Td > a->cTd)
		return NAN;   /* activations too small: a caller's bug */
	/* Every buffer's size grows with B, Te and Td, so a smaller batch
	 * fits in the same pointers. */
	a->B = B, a->Te = Te, a->Td = Td;
	encode(m, a, b->embeds, b->mask);
	al_t5_position_bias(a->dec_bias, m->dec_bias, H, Td, Td, 0, c->buckets, c->max_distance);
	float *h;

	/* decoder input: the targets shifted right after the start token */
	for (int bi = 0; bi < B; bi++)
		for (int t = 0; t < Td; t++) {
			int tg = b->targets[bi * Td + t];
			a->targets[bi * Td + t] = tg;
			int in = t == 0 ? c->decoder_start : b->targets[bi * Td + t - 1];
			if (in < 0 || in >= V)
				in = 0;     /* padding: T5's pad id */
			memcpy(a->dec_emb + ((size_t)bi * Td + t) * C, m->shared + (size_t)in * C,
			       sizeof(float) * C);
		}
	h = a->dec_h;
	memcpy(h, a->dec_emb, MC * sizeof *h);
	for (int l = 0; l < c->dec_layers; l++) {
		const layer_w *w = &m->dec[l];
		layer_a *la = &a->dec[l];
		int li = c->enc_layers + l;
		self_forward(c, w, la, a, li, h, B, Td, a->dec_bias, NULL, 1);
		memcpy(la->hmid, h, MC * sizeof *h);
		al_rmsnorm_forward(la->ln1, la->rstd1, h, w->ln1, M, C, c->eps);
		lin_fwd(a, li, AL_T5_CQ, la->cq, 0.0f, la->ln1, w->cq, M, C, HD);
		lin_fwd(a, li, AL_T5_CK, la->ck, 0.0f, a->enc_out, w->ck, N, C, HD);
		lin_fwd(a, li, AL_T5_CV, la->cv, 0.0f, a->enc_out, w->cv, N, C, HD);
		al_attention_forward(la->catt, la->cprobs, la->cq, la->ck, la->cv, NULL,
				     a->enc_mask, 0, B, Td, Te, H, D);
		lin_fwd(a, li, AL_T5_CO, h, 1.0f, la->catt, w->co, M, HD, C);
		memcpy(la->hmid2, h, MC * sizeof *h);
		ff_forward(c, w, la, a, li, h, M);
	}
	al_rmsnorm_forward(a->dec_out, a->dec_rstd, h, m->dec_final, M, C, c->eps);
	if (c->tied)
		al_sgemm(0, 1, M, V, C, 1.0f / sqrtf((float)C), a->dec_out, C, m->shared, C,
			 0.0f, a->logits, V);
	else
		al_linear_forward(a->logits, a->dec_out, m->lm_head, M, C, V);
	return al_xent_forward(a->logits, a->targets, logprobs, M, V);
}

/* ---- backward ---- */

/* The RMSNorm's gradients: dx += from dy, and its weight's when training
 * every weight (gw: the weight's gradient in a->grads). */
static void norm_backward(const al_t5_acts *a, float *dx, const float *dy, const float *x,
			  const float *w, float *gw, const float *rstd, int N, int C)
{
	al_rmsnorm_backward(dx, dy, x, w, rstd, N, C);
	if (a->grads)
		al_rmsnorm_backward_weight(gw, dy, x, rstd, N, C);
}

static layer_w *gw_of(const al_t5_acts *a, int li)
{
	static layer_w none;
	if (!a->grads)
		return &none;
	return li < a->Le ? &a->grads->enc[li] : &a->grads->dec[li - a->Le];
}

/* dh += gradient through the feed-forward sub-layer h + FF(norm(h)) of
 * layer li, whose input was la->hmid2; dln is scratch [N, C]. */
static void ff_backward(const al_t5_config *c, const layer_w *w, const layer_a *la, int li,
			float *dh, float *dln, int N, al_t5_acts *a)
{
	int C = c->d_model, F = c->d_ff;
	size_t n = (size_t)N * F;
	/* d ffh [N,F] = dh [N,C] wo [C,F] */
	lin_bwd(a, li, AL_T5_WO, a->g_ff, 0.0f, dh, la->ffh, w->wo, N, F, C);
	memset(dln, 0, sizeof *dln * N * C);
	if (c->gated) {
		/* ffh = gelu(ffa) * ffb: d ffb = d ffh gelu(ffa) (into g_ff),
		 * d ffa = gelu'(ffa) d ffh ffb (into g_ff2) */
		al_gelu_forward(a->g_ff2, la->ffa, n);
		for (size_t i = 0; i < n; i++) {
			float d = a->g_ff[i];
			a->g_ff[i] = d * a->g_ff2[i];
			a->g_ff2[i] = d * la->ffb[i];
		}
		al_gelu_backward(a->g_ff2, a->g_ff2, la->ffa, n);
		lin_bwd(a, li, AL_T5_WI0, dln, 1.0f, a->g_ff2, la->lnf, w->wi0, N, C, F);
		lin_bwd(a, li, AL_T5_WI1, dln, 1.0f, a->g_ff, la->lnf, w->wi1, N, C, F);
	} else {
		al_relu_backward(a->g_ff, a->g_ff, la->ffh, n);
		lin_bwd(a, li, AL_T5_WI0, dln, 1.0f, a->g_ff, la->lnf, w->wi0, N, C, F);
	}
	norm_backward(a, dh, dln, la->hmid2, w->lnf, gw_of(a, li)->lnf, la->rstdf, N, C);
}

/* dh += gradient through the self-attention sub-layer of layer li, whose
 * input was la->hin; T is the sequence length, bidirectional or causal
 * alike.  With every weight training, a->dbias gathers the position
 * bias's gradient. */
static void self_backward(const al_t5_config *c, const layer_w *w, const layer_a *la, int li,
			  float *dh, float *dln, int B, int T, al_t5_acts *a)
{
	int C = c->d_model, H = c->heads, D = c->d_kv, HD = H * D, N = B * T;
	size_t nh = (size_t)N * HD;
	lin_bwd(a, li, AL_T5_O, a->g_hd, 0.0f, dh, la->att, w->o, N, HD, C);
	memset(a->g_q, 0, nh * sizeof *a->g_q);
	memset(a->g_k, 0, nh * sizeof *a->g_k);
	memset(a->g_v, 0, nh * sizeof *a->g_v);
	al_attention_backward_bias(a->g_q, a->g_k, a->g_v, a->grads ? a->dbias : NULL, a->g_hd,
				   la->probs, la->q, la->k, la->v, B, T, T, H, D, a->g_scratch);
	memset(dln, 0, sizeof *dln * N * C);
	lin_bwd(a, li, AL_T5_Q, dln, 1.0f, a->g_q, la->ln0, w->q, N, C, HD);
	lin_bwd(a, li, AL_T5_K, dln, 1.0f, a->g_k, la->ln0, w->k, N, C, HD);
	lin_bwd(a, li, AL_T5_V, dln, 1.0f, a->g_v, la->ln0, w->v, N, C, HD);
	norm_backward(a, dh, dln, la->hin, w->ln0, gw_of(a, li)->ln0, la->rstd0, N, C);
}

/* dh += gradient through the cross-attention sub-layer of layer li (input
 * la->hmid); the encoder output's gradient is added to a->g_encout. */
static void cross_backward(const al_t5_config *c, const layer_w *w, const layer_a *la, int li,
			   float *dh, float *dln, int B, int Td, int Te, al_t5_acts *a)
{
	int C = c->d_model, H = c->heads, D = c->d_kv, HD = H * D, M = B * Td, N = B * Te;
	lin_bwd(a, li, AL_T5_CO, a->g_hd, 0.0f, dh, la->catt, w->co, M, HD, C);
	memset(a->g_q, 0, (size_t)M * HD * sizeof *a->g_q);
	memset(a->g_ek, 0, (size_t)N * HD * sizeof *a->g_ek);
	memset(a->g_ev, 0, (size_t)N * HD * sizeof *a->g_ev);
	al_attention_backward(a->g_q, a->g_ek, a->g_ev, a->g_hd, la->cprobs, la->cq, la->ck,
			      la->cv, B, Td, Te, H, D, a->g_scratch);
	lin_bwd(a, li, AL_T5_CK, a->g_encout, 1.0f, a->g_ek, a->enc_out, w->ck, N, C, HD);
	lin_bwd(a, li, AL_T5_CV, a->g_encout, 1.0f, a->g_ev, a->enc_out, w->cv, N, C, HD);
	memset(dln, 0, sizeof *dln * M * C);
	lin_bwd(a, li, AL_T5_CQ, dln, 1.0f, a->g_q, la->ln1, w->cq, M, C, HD);
	norm_backward(a, dh, dln, la->hmid, w->ln1, gw_of(a, li)->ln1, la->rstd1, M, C);
}

void al_t5_backward(const al_t5 *m, al_t5_acts *a, float *d_embeds)
{
	al_t5_backward_scaled(m, a, d_embeds, 1.0f);
}

void al_t5_backward_scaled(const al_t5 *m, al_t5_acts *a, float *d_embeds, float scale)
{
	const al_t5_config *c = &m->c;
	int B = a->B, Te = a->Te, Td = a->Td, C = c->d_model, V = c->vocab, H = c->heads;
	int N = B * Te, M = B * Td;
	al_t5 *g = a->grads;
	float s = c->tied ? 1.0f / sqrtf((float)C) : 1.0f;
	const float *head = c->tied ? m->shared : m->lm_head;

	al_xent_backward(a->g_logits, a->logits, a->targets, scale, M, V);
	al_sgemm(0, 0, M, C, V, s, a->g_logits, V, head, C, 0.0f, a->g_dec2, C);
	if (g)   /* d head [V,C] += s g_logits^T dec_out */
		al_sgemm(1, 0, V, C, M, s, a->g_logits, V, a->dec_out, C, 1.0f,
			 c->tied ? g->shared : g->lm_head, C);
	memset(a->g_dec, 0, sizeof(float) * M * C);
	norm_backward(a, a->g_dec, a->g_dec2, a->dec_h, m->dec_final, g ? g->dec_final : NULL,
		      a->dec_rstd, M, C);

	memset(a->g_encout, 0, sizeof(float) * N * C);
	if (g)
		memset(a->dbias, 0, sizeof(float) * H * Td * Td);
	for (int l = c->dec_layers - 1; l >= 0; l--) {
		const layer_w *w = &m->dec[l];
		const layer_a *la = &a->dec[l];
		int li = c->enc_layers + l;
		ff_backward(c, w, la, li, a->g_dec, a->g_dec2, M, a);
		cross_backward(c, w, la, li, a->g_dec, a->g_dec2, B, Td, Te, a);
		/* below layer 0 lie only the decoder's embeddings: frozen
		 * unless every weight trains */
		if (l > 0 || g || a->ltab)
			self_backward(c, w, la, li, a->g_dec, a->g_dec2, B, Td, a);
	}
	if (g) {
		al_t5_position_bias_backward(g->dec_bias, a->dbias, H, Td, Td, 0, c->buckets,
					     c->max_distance);
		for (int bi = 0; bi < B; bi++)   /* the decoder's inputs, as the forward took them */
			for (int t = 0; t < Td; t++) {
				int in = t == 0 ? c->decoder_start : a->targets[bi * Td + t - 1];
				if (in < 0 || in >= V)
					in = 0;
				const float *d = a->g_dec + ((size_t)bi * Td + t) * C;
				float *row = g->shared + (size_t)in * C;
				for (int k = 0; k < C; k++)
					row[k] += d[k];
			}
	}

	memset(a->g_enc, 0, sizeof(float) * N * C);
	norm_backward(a, a->g_enc, a->g_encout, a->enc_h, m->enc_final, g ? g->enc_final : NULL,
		      a->enc_rstd, N, C);
	if (g)
		memset(a->dbias, 0, sizeof(float) * H * Te * Te);
	for (int l = c->enc_layers - 1; l >= 0; l--) {
		const layer_w *w = &m->enc[l];
		const layer_a *la = &a->enc[l];
		ff_backward(c, w, la, l, a->g_enc, a->g_enc2, N, a);
		self_backward(c, w, la, l, a->g_enc, a->g_enc2, B, Te, a);
	}
	if (g)
		al_t5_position_bias_backward(g->enc_bias, a->dbias, H, Te, Te, 1, c->buckets,
					     c->max_distance);
	memcpy(d_embeds, a->g_enc, sizeof(float) * N * C);
}
