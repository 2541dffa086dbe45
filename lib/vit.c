/* vit.c: loading, checking and running a Hugging Face ViT; writing a
 * randomly initialised one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/blas.h"
#include "lib/file.h"
#include "lib/json_read.h"
#include "lib/safetensors.h"
#include "lib/vit.h"

typedef struct vit_layer {
	float *ln1w, *ln1b, *wq, *bq, *wk, *bk, *wv, *bv, *wo, *bo;
	float *ln2w, *ln2b, *wi, *bi, *wout, *bout;
} vit_layer;

struct al_vit {
	al_vit_config c;
	float *wp, *bp, *cls, *pos, *lnw, *lnb;   /* wp [D, P*P*3] channels last */
	vit_layer *layer;
};

static int get_int(const al_jnode *root, const char *key, int dflt, int *out, const char *label,
		   al_err *e)
{
	const al_jnode *v = al_jget(root, key);
	long long x;
	if (!v) {
		if (dflt < 0)
			return al_err_set(e, AL_EFORMAT, "'%s': config: no \"%s\"", label, key);
		*out = dflt;
		return 0;
	}
	if (al_jint(v, &x) < 0 || x <= 0 || x > 1000000)
		return al_err_set(e, AL_EFORMAT, "'%s': config: \"%s\" is not a positive integer",
				  label, key);
	*out = (int)x;
	return 0;
}

int al_vit_config_parse(al_vit_config *c, const char *json, const char *label, al_err *e)
{
	memset(c, 0, sizeof *c);
	al_jnode *root = NULL;
	if (al_json_parse(NULL, json, strlen(json), AL_JSON_COMMENTS, &root, e) < 0 ||
	    root->type != AL_J_OBJ) {
		al_jnode_free(root);
		return al_err_set(e, AL_EFORMAT, "'%s': config is not a JSON object", label);
	}
	int ch = 0, rc;
	if ((rc = get_int(root, "hidden_size", -1, &c->hidden, label, e)) < 0 ||
	    (rc = get_int(root, "num_hidden_layers", -1, &c->layers, label, e)) < 0 ||
	    (rc = get_int(root, "num_attention_heads", -1, &c->heads, label, e)) < 0 ||
	    (rc = get_int(root, "intermediate_size", -1, &c->inter, label, e)) < 0 ||
	    (rc = get_int(root, "image_size", -1, &c->image, label, e)) < 0 ||
	    (rc = get_int(root, "patch_size", -1, &c->patch, label, e)) < 0 ||
	    (rc = get_int(root, "num_channels", 3, &ch, label, e)) < 0)
		goto out;
	rc = AL_EFORMAT;
	if (ch != 3) {
		al_err_set(e, rc, "'%s': config: num_channels %d, only 3 is supported", label, ch);
		goto out;
	}
	if (c->image > 8192 || c->hidden > 1 << 16 || c->inter > 1 << 18 || c->layers > 1024) {
		al_err_set(e, rc, "'%s': config: sizes beyond any ViT (image_size 8192, hidden_size "
			   "65536, intermediate_size 262144, 1024 layers at most)", label);
		goto out;
	}
	if (c->hidden % c->heads || c->image % c->patch) {
		al_err_set(e, rc, "'%s': config: heads must divide hidden_size and patch_size "
			   "image_size", label);
		goto out;
	}
	double eps;
	c->eps = al_jnum(al_jget(root, "layer_norm_eps"), &eps) == 0 ? (float)eps : 1e-12f;
	const char *act = al_jstr(root, "hidden_act");
	if (!act)
		act = "gelu";
	if (strcmp(act, "gelu") == 0)
		c->gelu_tanh = 0;
	else if (strcmp(act, "gelu_new") == 0 || strcmp(act, "gelu_pytorch_tanh") == 0)
		c->gelu_tanh = 1;
	else {
		al_err_set(e, rc, "'%s': config: hidden_act \"%s\" is not supported "
			   "(gelu, gelu_new, gelu_pytorch_tanh)", label, act);
		goto out;
	}
	const al_jnode *qkv = al_jget(root, "qkv_bias");
	if (qkv && qkv->type == AL_J_BOOL && strcmp(qkv->s, "false") == 0) {
		al_err_set(e, rc, "'%s': config: qkv_bias false is not supported", label);
		goto out;
	}
	rc = 0;
out:
	al_jnode_free(root);
	return rc;
}

/* Fetch prefix+name as f32, checking its shape. */
static float *fetch(const al_st *st, const char *file, const char *prefix, const char *name,
		    int ndim, const uint64_t *shape, al_err *e)
{
	char full[256];
	snprintf(full, sizeof full, "%s%s", prefix, name);
	const al_st_tensor *t = al_st_find(st, full);
	if (!t) {
		al_err_set(e, AL_EFORMAT, "'%s': no tensor '%s'", file, full);
		return NULL;
	}
	int same = t->ndim == ndim;
	for (int d = 0; same && d < ndim; d++)
		same = t->shape[d] == shape[d];
	if (!same) {
		char want[128] = "", got[128] = "";
		for (int d = 0; d < ndim; d++)
			snprintf(want + strlen(want), sizeof want - strlen(want), "%s%llu",
				 d ? "," : "", (unsigned long long)shape[d]);
		for (int d = 0; d < t->ndim && strlen(got) < 100; d++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu",
				 d ? "," : "", (unsigned long long)t->shape[d]);
		al_err_set(e, AL_EFORMAT, "'%s': tensor '%s' has shape [%s], expected [%s]",
			   file, full, got, want);
		return NULL;
	}
	float *f = malloc(al_st_numel(t) * sizeof *f + 1);
	if (!f) {
		al_err_set(e, AL_ENOMEM, "'%s': out of memory for '%s'", file, full);
		return NULL;
	}
	if (al_st_read_f32(t, f, e) < 0) {
		free(f);
		al_err_wrap(e, "'%s': '%s'", file, full);
		return NULL;
	}
	return f;
}

void al_vit_free(al_vit *v)
{
	if (!v)
		return;
	free(v->wp); free(v->bp); free(v->cls); free(v->pos); free(v->lnw); free(v->lnb);
	for (int l = 0; v->layer && l < v->c.layers; l++) {
		float **p = (float **)&v->layer[l];
		for (size_t i = 0; i < sizeof(vit_layer) / sizeof(float *); i++)
			free(p[i]);
	}
	free(v->layer);
	free(v);
}

const al_vit_config *al_vit_cfg(const al_vit *v) { return &v->c; }
int al_vit_patches(const al_vit *v)
{
	int g = v->c.image / v->c.patch;
	return g * g;
}

static int load_weights(al_vit *v, const al_st *st, const char *file, al_err *e)
{
	const char *pre = al_st_find(st, "vit.embeddings.cls_token") ? "vit." : "";
	uint64_t D = (uint64_t)v->c.hidden, I = (uint64_t)v->c.inter, P = (uint64_t)v->c.patch;
	uint64_t T = (uint64_t)al_vit_patches(v) + 1;
	uint64_t s_cls[3] = {1, 1, D}, s_pos[3] = {1, T, D}, s_conv[4] = {D, 3, P, P};
	uint64_t s_d[1] = {D}, s_i[1] = {I}, s_dd[2] = {D, D}, s_id[2] = {I, D}, s_di[2] = {D, I};
	float *conv;
	if (!(v->cls = fetch(st, file, pre, "embeddings.cls_token", 3, s_cls, e)) ||
	    !(v->pos = fetch(st, file, pre, "embeddings.position_embeddings", 3, s_pos, e)) ||
	    !(conv = fetch(st, file, pre, "embeddings.patch_embeddings.projection.weight", 4, s_conv, e)))
		return e->code;
	v->wp = malloc(D * P * P * 3 * sizeof *v->wp);
	if (!v->wp) {
		free(conv);
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", file);
	}
	/* [D, c, y, x] -> [D, (y * P + x) * 3 + c], the patches' layout. */
	for (uint64_t d = 0; d < D; d++)
		for (uint64_t c = 0; c < 3; c++)
			for (uint64_t i = 0; i < P * P; i++)
				v->wp[d * P * P * 3 + i * 3 + c] = conv[(d * 3 + c) * P * P + i];
	free(conv);
	if (!(v->bp = fetch(st, file, pre, "embeddings.patch_embeddings.projection.bias", 1, s_d, e)) ||
	    !(v->lnw = fetch(st, file, pre, "layernorm.weight", 1, s_d, e)) ||
	    !(v->lnb = fetch(st, file, pre, "layernorm.bias", 1, s_d, e)))
		return e->code;
	v->layer = calloc((size_t)v->c.layers, sizeof *v->layer);
	if (!v->layer)
		return al_err_set(e, AL_ENOMEM, "'%s': out of memory", file);
	static const struct { const char *name; int kind; } parts[] = {
		/* kind: 0 [D], 1 [D,D], 2 [I,D], 3 [I], 4 [D,I]; vit_layer order */
		{"layernorm_before.weight", 0}, {"layernorm_before.bias", 0},
		{"attention.attention.query.weight", 1}, {"attention.attention.query.bias", 0},
		{"attention.attention.key.weight", 1}, {"attention.attention.key.bias", 0},
		{"attention.attention.value.weight", 1}, {"attention.attention.value.bias", 0},
		{"attention.output.dense.weight", 1}, {"attention.output.dense.bias", 0},
		{"layernorm_after.weight", 0}, {"layernorm_after.bias", 0},
		{"intermediate.dense.weight", 2}, {"intermediate.dense.bias", 3},
		{"output.dense.weight", 4}, {"output.dense.bias", 0},
	};
	for (int l = 0; l < v->c.layers; l++) {
		float **p = (float **)&v->layer[l];
		for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
			char name[128];
			snprintf(name, sizeof name, "encoder.layer.%d.%s", l, parts[i].name);
			int k = parts[i].kind;
			const uint64_t *shape = k == 0 ? s_d : k == 1 ? s_dd : k == 2 ? s_id : k == 3 ? s_i : s_di;
			if (!(p[i] = fetch(st, file, pre, name, k == 0 || k == 3 ? 1 : 2, shape, e)))
				return e->code;
		}
	}
	return 0;
}

al_vit *al_vit_load(const char *path, al_err *e)
{
	struct stat sb;
	if (stat(path, &sb) < 0) {
		al_err_errno(e, AL_EIO, "unable to open '%s'", path);
		return NULL;
	}
	char file[4096], cfgpath[4096];
	al_map m = {0};
	char *json = NULL;
	al_st *st = NULL;
	al_vit *v = calloc(1, sizeof *v);
	if (!v) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(cfgpath, sizeof cfgpath, "%s/config.json", path);
		snprintf(file, sizeof file, "%s/model.safetensors", path);
		if (al_map_file(cfgpath, &m, e) < 0)
			goto fail;
		json = malloc(m.size + 1);
		if (!json) {
			al_err_set(e, AL_ENOMEM, "out of memory");
			goto fail;
		}
		if (m.size)
			memcpy(json, m.data, m.size);
		json[m.size] = 0;
		if (al_vit_config_parse(&v->c, json, cfgpath, e) < 0 || !(st = al_st_open(file, e)))
			goto fail;
	} else {
		snprintf(file, sizeof file, "%s", path);
		if (!(st = al_st_open(file, e)))
			goto fail;
		const char *cfg = al_st_meta_get(st, "config");
		if (!cfg) {
			al_err_set(e, AL_EFORMAT, "'%s': no \"config\" in __metadata__; give a model "
				   "folder (config.json, model.safetensors) instead", file);
			goto fail;
		}
		if (al_vit_config_parse(&v->c, cfg, file, e) < 0)
			goto fail;
	}
	if (load_weights(v, st, file, e) < 0)
		goto fail;
	al_st_free(st);
	al_map_release(&m);
	free(json);
	return v;
fail:
	al_st_free(st);
	al_map_release(&m);
	free(json);
	al_vit_free(v);
	return NULL;
}

/* y[T, O] = x[T, I] W[O, I]^T + b */
static void linear(float *y, const float *x, const float *W, const float *b, int T, int I, int O)
{
	al_sgemm(0, 1, T, O, I, 1.0f, x, I, W, I, 0.0f, y, O);
	for (int t = 0; t < T; t++)
		for (int o = 0; o < O; o++)
			y[(size_t)t * O + o] += b[o];
}

static void layernorm(float *y, const float *x, const float *w, const float *b, int T, int D,
		      float eps)
{
	for (int t = 0; t < T; t++) {
		const float *r = x + (size_t)t * D;
		double mean = 0, var = 0;
		for (int d = 0; d < D; d++)
			mean += r[d];
		mean /= D;
		for (int d = 0; d < D; d++)
			var += (r[d] - mean) * (r[d] - mean);
		float rstd = (float)(1.0 / sqrt(var / D + eps));
		for (int d = 0; d < D; d++)
			y[(size_t)t * D + d] = (float)(r[d] - mean) * rstd * w[d] + b[d];
	}
}

static void gelu(float *x, size_t n, int tanh_form)
{
	for (size_t i = 0; i < n; i++) {
		float v = x[i];
		x[i] = tanh_form
			? 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)))
			: 0.5f * v * (1.0f + erff(v * 0.7071067811865476f));
	}
}

int al_vit_forward(const al_vit *v, const float *patches, float *out, al_err *e)
{
	const al_vit_config *c = &v->c;
	int N = al_vit_patches(v), T = N + 1, D = c->hidden, I = c->inter, K = c->patch * c->patch * 3;
	int H = c->heads, dh = D / H;
	size_t td = (size_t)T * D;
	float *buf = malloc((td * 6 + (size_t)T * T + (size_t)T * I) * sizeof *buf);
	if (!buf)
		return al_err_set(e, AL_ENOMEM, "out of memory for the ViT forward");
	float *x = buf, *h = x + td, *q = h + td, *k = q + td, *val = k + td, *att = val + td;
	float *s = att + td, *m = s + (size_t)T * T;
	/* Embeddings. */
	al_sgemm(0, 1, N, D, K, 1.0f, patches, K, v->wp, K, 0.0f, x + D, D);
	for (int d = 0; d < D; d++)
		x[d] = v->cls[d] + v->pos[d];
	for (int t = 1; t < T; t++)
		for (int d = 0; d < D; d++)
			x[(size_t)t * D + d] += v->bp[d] + v->pos[(size_t)t * D + d];
	float scale = 1.0f / sqrtf((float)dh);
	for (int l = 0; l < c->layers; l++) {
		const vit_layer *L = &v->layer[l];
		layernorm(h, x, L->ln1w, L->ln1b, T, D, c->eps);
		linear(q, h, L->wq, L->bq, T, D, D);
		linear(k, h, L->wk, L->bk, T, D, D);
		linear(val, h, L->wv, L->bv, T, D, D);
		for (int hd = 0; hd < H; hd++) {
			al_sgemm(0, 1, T, T, dh, scale, q + hd * dh, D, k + hd * dh, D, 0.0f, s, T);
			for (int i = 0; i < T; i++) {
				float *r = s + (size_t)i * T, mx = r[0];
				for (int j = 1; j < T; j++)
					mx = r[j] > mx ? r[j] : mx;
				double sum = 0;
				for (int j = 0; j < T; j++)
					sum += (r[j] = expf(r[j] - mx));
				float inv = (float)(1.0 / sum);
				for (int j = 0; j < T; j++)
					r[j] *= inv;
			}
			al_sgemm(0, 0, T, dh, T, 1.0f, s, T, val + hd * dh, D, 0.0f, att + hd * dh, D);
		}
		linear(h, att, L->wo, L->bo, T, D, D);
		for (size_t i = 0; i < td; i++)
			x[i] += h[i];
		layernorm(h, x, L->ln2w, L->ln2b, T, D, c->eps);
		linear(m, h, L->wi, L->bi, T, D, I);
		gelu(m, (size_t)T * I, c->gelu_tanh);
		linear(h, m, L->wout, L->bout, T, I, D);
		for (size_t i = 0; i < td; i++)
			x[i] += h[i];
	}
	layernorm(h, x, v->lnw, v->lnb, T, D, c->eps);
	memcpy(out, h + D, (size_t)N * D * sizeof *out);
	free(buf);
	return 0;
}

/* splitmix64 */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* normal(0, std) truncated at +-2 std (redrawn), Box-Muller. */
static float trunc_normal(uint64_t *s, float std)
{
	for (;;) {
		double u1 = ((next_u64(s) >> 11) + 1.0) / 9007199254740993.0;
		double u2 = (next_u64(s) >> 11) / 9007199254740992.0;
		double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
		if (z >= -2.0 && z <= 2.0)
			return (float)(z * std);
	}
}

int al_vit_init_write(const char *path, const char *geometry, uint64_t seed, al_err *e)
{
	al_vit_config c = {0};
	if (strcmp(geometry, "vit-tiny") == 0)
		c = (al_vit_config){192, 12, 3, 768, 224, 16, 1e-12f, 0};
	else if (strcmp(geometry, "vit-base-patch16-224") == 0)
		c = (al_vit_config){768, 12, 12, 3072, 224, 16, 1e-12f, 0};
	else
		return al_err_set(e, AL_EINVAL, "unknown ViT geometry '%s' (vit-tiny, "
				  "vit-base-patch16-224)", geometry);
	char cfg[512];
	snprintf(cfg, sizeof cfg,
		 "{\"architectures\": [\"ViTModel\"], \"model_type\": \"vit\", "
		 "\"hidden_size\": %d, \"num_hidden_layers\": %d, \"num_attention_heads\": %d, "
		 "\"intermediate_size\": %d, \"image_size\": %d, \"patch_size\": %d, "
		 "\"num_channels\": 3, \"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-12, "
		 "\"qkv_bias\": true, \"initializer_range\": 0.02, "
		 "\"hidden_dropout_prob\": 0.0, \"attention_probs_dropout_prob\": 0.0}",
		 c.hidden, c.layers, c.heads, c.inter, c.image, c.patch);
	uint64_t D = (uint64_t)c.hidden, I = (uint64_t)c.inter, P = (uint64_t)c.patch;
	uint64_t T = (uint64_t)(c.image / c.patch) * (uint64_t)(c.image / c.patch) + 1;
	/* name, ndim, shape, init: 'n' normal, 'z' zeros, 'o' ones */
	typedef struct { char name[96]; int ndim; uint64_t shape[4]; char init; } spec;
	int nt = 6 + 16 * c.layers;
	spec *sp = calloc((size_t)nt, sizeof *sp);
	float **data = calloc((size_t)nt, sizeof *data);
	al_st_writer *w = sp && data ? al_st_writer_new(path, e) : NULL;
	int rc = 0, n = 0;
	if (!w) {
		rc = sp && data ? e->code : al_err_set(e, AL_ENOMEM, "out of memory");
		goto out;
	}
#define SPEC(nm, nd, a, b, c_, d, in) do { \
	snprintf(sp[n].name, sizeof sp[n].name, "%s", nm); \
	sp[n].ndim = nd; sp[n].shape[0] = a; sp[n].shape[1] = b; sp[n].shape[2] = c_; \
	sp[n].shape[3] = d; sp[n].init = in; n++; } while (0)
	SPEC("vit.embeddings.cls_token", 3, 1, 1, D, 0, 'n');
	SPEC("vit.embeddings.position_embeddings", 3, 1, T, D, 0, 'n');
	SPEC("vit.embeddings.patch_embeddings.projection.weight", 4, D, 3, P, P, 'n');
	SPEC("vit.embeddings.patch_embeddings.projection.bias", 1, D, 0, 0, 0, 'z');
	for (int l = 0; l < c.layers; l++) {
		char b[96];
#define L(suffix, nd, a, bb, in) do { \
	snprintf(b, sizeof b, "vit.encoder.layer.%d.%s", l, suffix); \
	SPEC(b, nd, a, bb, 0, 0, in); } while (0)
		L("attention.attention.query.weight", 2, D, D, 'n');
		L("attention.attention.query.bias", 1, D, 0, 'z');
		L("attention.attention.key.weight", 2, D, D, 'n');
		L("attention.attention.key.bias", 1, D, 0, 'z');
		L("attention.attention.value.weight", 2, D, D, 'n');
		L("attention.attention.value.bias", 1, D, 0, 'z');
		L("attention.output.dense.weight", 2, D, D, 'n');
		L("attention.output.dense.bias", 1, D, 0, 'z');
		L("intermediate.dense.weight", 2, I, D, 'n');
		L("intermediate.dense.bias", 1, I, 0, 'z');
		L("output.dense.weight", 2, D, I, 'n');
		L("output.dense.bias", 1, D, 0, 'z');
		L("layernorm_before.weight", 1, D, 0, 'o');
		L("layernorm_before.bias", 1, D, 0, 'z');
		L("layernorm_after.weight", 1, D, 0, 'o');
		L("layernorm_after.bias", 1, D, 0, 'z');
#undef L
	}
	SPEC("vit.layernorm.weight", 1, D, 0, 0, 0, 'o');
	SPEC("vit.layernorm.bias", 1, D, 0, 0, 0, 'z');
#undef SPEC
	uint64_t state = seed;
	if ((rc = al_st_writer_meta(w, "config", cfg, e)) < 0 ||
	    (rc = al_st_writer_meta(w, "format", "pt", e)) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		uint64_t numel = 1;
		for (int d = 0; d < sp[i].ndim; d++)
			numel *= sp[i].shape[d];
		if (!(data[i] = malloc(numel * sizeof **data))) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			goto out;
		}
		for (uint64_t j = 0; j < numel; j++)
			data[i][j] = sp[i].init == 'n' ? trunc_normal(&state, 0.02f)
				: sp[i].init == 'o' ? 1.0f : 0.0f;
		if ((rc = al_st_writer_add(w, sp[i].name, AL_F32, sp[i].ndim, sp[i].shape, data[i], e)) < 0)
			goto out;
	}
	rc = al_st_writer_commit(w, e);
out:
	al_st_writer_free(w);
	for (int i = 0; data && i < n; i++)
		free(data[i]);
	free(data);
	free(sp);
	return rc;
}
