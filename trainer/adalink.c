/* adalink.c: AdaLink modules: forward, backward, and adapter files. */
#include "adalink.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lib/blas.h"
#include "lib/json_write.h"
#include "lib/nn.h"
#include "lib/rng.h"
#include "lib/safetensors.h"

static al_prompt *prompt_new(int n, int d, int h, al_err *e);
static int lora_add(al_adapter *a, int r, int decoder, int layer, int slot, int I, int O,
		    const char *name, al_err *e);
static int lora_parse(const char *name, int *dec, int *layer, int *slot);
static char *config_json(const al_adapter_opts *o, al_err *e);

static const char *methods[] = {"adalink", "prompt", "lora", "full"};

const char *al_method_name(int method)
{
	return method >= 0 && method < 4 ? methods[method] : "?";
}

int al_method_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, methods[i]) == 0)
			return i;
	return -1;
}

const char *al_act_name(int act)
{
	return act == AL_ACT_RELU ? "relu" : act == AL_ACT_GELU ? "gelu" : "none";
}

int al_act_parse(const char *name)
{
	if (strcmp(name, "none") == 0 || strcmp(name, "identity") == 0)
		return AL_ACT_NONE;
	if (strcmp(name, "relu") == 0)
		return AL_ACT_RELU;
	if (strcmp(name, "gelu") == 0)
		return AL_ACT_GELU;
	return -1;
}

al_module *al_adapter_add(al_adapter *a, const char *task, const char *modality,
			  int d, int r, al_err *e)
{
	if (strlen(task ? task : "") >= sizeof a->mods->task || strlen(modality) >= sizeof a->mods->modality)
		return al_err_set(e, AL_EINVAL, "task or modality name too long"), NULL;
	al_module *nm = realloc(a->mods, (a->nmods + 1) * sizeof *nm);
	if (!nm)
		return al_err_set(e, AL_ENOMEM, "out of memory"), NULL;
	a->mods = nm;
	al_module *m = &a->mods[a->nmods];
	memset(m, 0, sizeof *m);
	snprintf(m->task, sizeof m->task, "%s", task ? task : "");
	snprintf(m->modality, sizeof m->modality, "%s", modality);
	m->d = d;
	m->r = r;
	size_t n = (size_t)d * r;
	m->down = calloc(4 * n, sizeof *m->down);   /* down, up, gdown, gup */
	if (!m->down)
		return al_err_set(e, AL_ENOMEM, "out of memory"), NULL;
	m->up = m->down + n;
	m->gdown = m->up + n;
	m->gup = m->gdown + n;
	a->nmods++;
	return m;
}

al_module *al_adapter_find(al_adapter *a, const char *task, const char *modality)
{
	al_module *shared = NULL;
	for (int i = 0; a && i < a->nmods; i++) {
		al_module *m = &a->mods[i];
		if (strcmp(m->modality, modality) != 0)
			continue;
		if (task && *task && strcmp(m->task, task) == 0)
			return m;
		if (!m->task[0])
			shared = m;
	}
	return shared;
}

void al_adapter_zero_grad(al_adapter *a)
{
	for (int i = 0; i < a->nmods; i++) {
		size_t n = (size_t)a->mods[i].d * a->mods[i].r;
		memset(a->mods[i].gdown, 0, 2 * n * sizeof(float));
	}
	if (a->prompt) {
		al_prompt *p = a->prompt;
		size_t n = (size_t)p->n * p->d + 2 * (size_t)p->d * p->h + p->h + p->d;
		memset(p->gP, 0, n * sizeof(float));
	}
	for (int i = 0; i < a->lora.n; i++) {
		al_t5_lora_w *w = &a->lora.w[i];
		size_t n = (size_t)a->lora.r * (w->I + w->O);
		memset(w->gA, 0, n * sizeof(float));
	}
	if (a->fullgrad)
		al_t5_zero(a->fullgrad);
}

void al_adapter_free(al_adapter *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->nmods; i++)
		free(a->mods[i].down);
	free(a->mods);
	if (a->prompt)
		free(a->prompt->P);
	free(a->prompt);
	for (int i = 0; i < a->lora.n; i++)
		free(a->lora.w[i].A);
	free(a->lora.w);
	free(a->lora_names);
	al_t5_free(a->fullgrad);
	free(a->config);
	free(a);
}

/* "adalink.[TASK.]MODALITY.down|up" -> task, modality, part. */
static int parse_name(const char *name, char *task, size_t tn, char *mod, size_t mn, int *up)
{
	if (strncmp(name, "adalink.", 8) != 0)
		return -1;
	const char *s = name + 8, *last = strrchr(s, '.');
	if (!last || (strcmp(last, ".down") != 0 && strcmp(last, ".up") != 0))
		return -1;
	*up = strcmp(last, ".up") == 0;
	const char *prev = NULL;
	for (const char *p = s; p < last; p++)
		if (*p == '.')
			prev = p;
	const char *m = prev ? prev + 1 : s;
	size_t ml = (size_t)(last - m), tl = prev ? (size_t)(prev - s) : 0;
	if (ml == 0 || ml >= mn || tl >= tn || (prev && tl == 0))
		return -1;
	memcpy(mod, m, ml);
	mod[ml] = 0;
	memcpy(task, s, tl);
	task[tl] = 0;
	if (strcmp(mod, "text") != 0 && strcmp(mod, "image") != 0)
		return -1;
	return 0;
}

static const char *prompt_names[] = {"prompt.tokens", "prompt.down", "prompt.down_bias",
				     "prompt.up", "prompt.up_bias"};

static int load_prompt(al_adapter *a, al_st *st, const char *path, al_err *e)
{
	const al_st_tensor *t[5];
	for (int i = 0; i < 5; i++)
		if (!(t[i] = al_st_find(st, prompt_names[i])))
			return al_err_set(e, AL_EFORMAT, "'%s': prompt tuning needs '%s'", path,
					  prompt_names[i]);
	if (al_st_count(st) != 5)
		return al_err_set(e, AL_EFORMAT, "'%s': a prompt adapter holds the five "
				  "prompt.* tensors only", path);
	uint64_t n = t[0]->shape[0], d = t[0]->shape[1], h = t[1]->ndim == 2 ? t[1]->shape[1] : 0;
	if (t[0]->ndim != 2 || t[1]->ndim != 2 || t[2]->ndim != 1 || t[3]->ndim != 2 ||
	    t[4]->ndim != 1 || !n || !d || !h || n > 1 << 16 || d > 1 << 16 || h > 1 << 16 ||
	    t[1]->shape[0] != d || t[2]->shape[0] != h || t[3]->shape[0] != h ||
	    t[3]->shape[1] != d || t[4]->shape[0] != d)
		return al_err_set(e, AL_EFORMAT, "'%s': the prompt tensors must be tokens [n,d], "
				  "down [d,h], down_bias [h], up [h,d], up_bias [d]", path);
	if (!(a->prompt = prompt_new((int)n, (int)d, (int)h, e)))
		return e->code;
	float *dst[] = {a->prompt->P, a->prompt->down, a->prompt->bdown, a->prompt->up, a->prompt->bup};
	for (int i = 0; i < 5; i++)
		if (al_st_read_f32(t[i], dst[i], e) < 0)
			return e->code;
	return 0;
}

static int load_lora(al_adapter *a, al_st *st, const char *path, al_err *e)
{
	int r = 0;
	for (size_t i = 0; i < al_st_count(st); i++) {
		const al_st_tensor *t = al_st_tensor_at(st, i);
		size_t len = strlen(t->name);
		const char *sa = ".lora_A.weight", *sb = ".lora_B.weight";
		char base[128], bname[160];
		int dec, layer, slot;
		if (len > strlen(sa) && strcmp(t->name + len - strlen(sb), sb) == 0)
			continue;   /* paired with its A below */
		if (len <= strlen(sa) || len - strlen(sa) >= sizeof base ||
		    strcmp(t->name + len - strlen(sa), sa) != 0)
			return al_err_set(e, AL_EFORMAT, "'%s': tensor '%s' is not a LoRA tensor "
					  "(LAYER.lora_A.weight, LAYER.lora_B.weight)", path, t->name);
		memcpy(base, t->name, len - strlen(sa));
		base[len - strlen(sa)] = 0;
		if (lora_parse(base, &dec, &layer, &slot) < 0)
			return al_err_set(e, AL_EFORMAT, "'%s': '%s' names no linear layer of a "
					  "T5 block", path, base);
		snprintf(bname, sizeof bname, "%s%s", base, sb);
		const al_st_tensor *b = al_st_find(st, bname);
		if (t->ndim != 2 || !b || b->ndim != 2 || b->shape[1] != t->shape[0] ||
		    !t->shape[0] || !t->shape[1] || !b->shape[0] || t->shape[0] > 1 << 16 ||
		    t->shape[1] > 1 << 20 || b->shape[0] > 1 << 20 || (r && (int)t->shape[0] != r))
			return al_err_set(e, AL_EFORMAT, "'%s': '%s' [r, in] needs a matching '%s' "
					  "[out, r], with one r for every layer", path, t->name, bname);
		r = (int)t->shape[0];
		if (lora_add(a, r, dec, layer, slot, (int)t->shape[1], (int)b->shape[0], base, e) < 0)
			return e->code;
		al_t5_lora_w *w = &a->lora.w[a->lora.n - 1];
		if (al_st_read_f32(t, w->A, e) < 0 || al_st_read_f32(b, w->B, e) < 0)
			return e->code;
	}
	if (a->lora.n == 0 || 2 * (size_t)a->lora.n != al_st_count(st))
		return al_err_set(e, AL_EFORMAT, "'%s': %s", path, a->lora.n ? "a lora_B without "
				  "its lora_A" : "no LoRA tensors");
	a->lora.r = r;
	if (a->lora_alpha <= 0)
		a->lora_alpha = (float)r;   /* no config: scale 1 */
	a->lora.scale = a->lora_alpha / r;
	return 0;
}

al_adapter *al_adapter_load(const char *path, al_err *e)
{
	al_st *st = al_st_open(path, e);
	if (!st)
		return NULL;
	al_adapter *a = calloc(1, sizeof *a);
	if (!a) {
		al_st_free(st);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	/* A T5 checkpoint's names: the user gave a backbone (a fully fine-tuned
	 * one, most likely) where an adapter belongs. */
	if (al_st_find(st, "shared.weight") || al_st_find(st, "encoder.final_layer_norm.weight")) {
		al_err_set(e, AL_EFORMAT, "'%s' is a whole checkpoint (full fine-tuning?), not an "
			   "adapter: give it as --backbone", path);
		goto bad;
	}
	const char *cfg = al_st_meta_get(st, "config");
	if (cfg) {
		char eb[128];
		yajl_val root = yajl_tree_parse(cfg, eb, sizeof eb);
		const char *pa[] = {"activation", NULL}, *pm[] = {"method", NULL};
		yajl_val act = root ? yajl_tree_get(root, pa, yajl_t_string) : NULL;
		yajl_val meth = root ? yajl_tree_get(root, pm, yajl_t_string) : NULL;
		if (!root) {
			al_err_set(e, AL_EFORMAT, "'%s': the config in __metadata__ is not "
				   "JSON: %s", path, eb);
			goto bad;
		}
		a->method = meth ? al_method_parse(meth->u.string) : AL_METHOD_ADALINK;
		const char *pl[] = {"alpha", NULL};
		yajl_val alpha = yajl_tree_get(root, pl, yajl_t_number);
		a->lora_alpha = alpha ? (float)YAJL_GET_DOUBLE(alpha) : 0;
		if (a->method < 0 || a->method == AL_METHOD_FULL) {
			al_err_set(e, AL_EFORMAT, "'%s': method \"%s\" %s", path, meth->u.string,
				   a->method < 0 ? "is not adalink, prompt or lora" :
				   "is a whole backbone: give it as --backbone");
			yajl_tree_free(root);
			goto bad;
		}
		a->act = act ? al_act_parse(act->u.string) : AL_ACT_NONE;
		yajl_tree_free(root);
		if (a->act < 0) {
			al_err_set(e, AL_EFORMAT, "'%s': unknown activation in its config; "
				   "expected none, relu or gelu", path);
			goto bad;
		}
		a->config = strdup(cfg);
	} else if (al_st_count(st) > 0) {   /* the tensors alone: their names tell */
		const char *n0 = al_st_tensor_at(st, 0)->name;
		a->method = strncmp(n0, "prompt.", 7) == 0 ? AL_METHOD_PROMPT :
			    strstr(n0, ".lora_") ? AL_METHOD_LORA : AL_METHOD_ADALINK;
	}
	if (a->method == AL_METHOD_PROMPT || a->method == AL_METHOD_LORA) {
		if ((a->method == AL_METHOD_PROMPT ? load_prompt(a, st, path, e) :
		     load_lora(a, st, path, e)) < 0)
			goto bad;
		al_st_free(st);
		return a;
	}
	/* Pair the down and up tensors of each module. */
	for (size_t i = 0; i < al_st_count(st); i++) {
		const al_st_tensor *t = al_st_tensor_at(st, i);
		char task[64], mod[8];
		int up;
		if (parse_name(t->name, task, sizeof task, mod, sizeof mod, &up) < 0) {
			al_err_set(e, AL_EFORMAT, "'%s': tensor '%s' is not an AdaLink "
				   "tensor (adalink.[TASK.]text|image.down|up)", path, t->name);
			goto bad;
		}
		if (up)
			continue;
		char upname[160];
		snprintf(upname, sizeof upname, "adalink.%s%s%s.up", task, *task ? "." : "", mod);
		const al_st_tensor *u = al_st_find(st, upname);
		if (t->ndim != 2 || !u || u->ndim != 2 || u->shape[0] != t->shape[1] ||
		    u->shape[1] != t->shape[0] || t->shape[0] == 0 || t->shape[1] == 0 ||
		    t->shape[0] > 1 << 20 || t->shape[1] > 1 << 20) {
			al_err_set(e, AL_EFORMAT, "'%s': '%s' [d, r] needs a matching '%s' "
				   "[r, d]", path, t->name, upname);
			goto bad;
		}
		al_module *m = al_adapter_add(a, task, mod, (int)t->shape[0], (int)t->shape[1], e);
		if (!m || al_st_read_f32(t, m->down, e) < 0 || al_st_read_f32(u, m->up, e) < 0)
			goto bad;
	}
	/* every up needs its down */
	for (size_t i = 0; i < al_st_count(st); i++) {
		const al_st_tensor *t = al_st_tensor_at(st, i);
		char task[64], mod[8];
		int up;
		parse_name(t->name, task, sizeof task, mod, sizeof mod, &up);
		if (up && !al_adapter_find(a, task, mod)) {
			al_err_set(e, AL_EFORMAT, "'%s': '%s' has no matching down tensor", path, t->name);
			goto bad;
		}
	}
	if (a->nmods == 0) {
		al_err_set(e, AL_EFORMAT, "'%s' holds no AdaLink tensors", path);
		goto bad;
	}
	al_st_free(st);
	return a;
bad:
	al_st_free(st);
	al_adapter_free(a);
	return NULL;
}

int al_adapter_save(const al_adapter *a, const char *path, int grads, al_err *e)
{
	if (a->full)
		return al_t5_save(grads ? a->fullgrad : a->full, path, e);
	al_st_writer *w = al_st_writer_new(path, e);
	if (!w)
		return e ? e->code : AL_ENOMEM;
	int rc = 0;
	if (a->config)
		rc = al_st_writer_meta(w, "config", a->config, e);
	for (int i = 0; i < a->nmods && rc == 0; i++) {
		const al_module *m = &a->mods[i];
		char name[160];
		uint64_t sd[2] = {(uint64_t)m->d, (uint64_t)m->r}, su[2] = {(uint64_t)m->r, (uint64_t)m->d};
		snprintf(name, sizeof name, "adalink.%s%s%s.down", m->task, *m->task ? "." : "", m->modality);
		rc = al_st_writer_add(w, name, AL_F32, 2, sd, grads ? m->gdown : m->down, e);
		snprintf(name, sizeof name, "adalink.%s%s%s.up", m->task, *m->task ? "." : "", m->modality);
		if (rc == 0)
			rc = al_st_writer_add(w, name, AL_F32, 2, su, grads ? m->gup : m->up, e);
	}
	if (a->prompt) {
		const al_prompt *p = a->prompt;
		uint64_t sh[5][2] = {{p->n, p->d}, {p->d, p->h}, {p->h, 0}, {p->h, p->d}, {p->d, 0}};
		const float *v[5] = {p->P, p->down, p->bdown, p->up, p->bup};
		const float *g[5] = {p->gP, p->gdown, p->gbdown, p->gup, p->gbup};
		for (int i = 0; i < 5 && rc == 0; i++)
			rc = al_st_writer_add(w, prompt_names[i], AL_F32, sh[i][1] ? 2 : 1, sh[i],
					      grads ? g[i] : v[i], e);
	}
	for (int i = 0; i < a->lora.n && rc == 0; i++) {
		const al_t5_lora_w *l = &a->lora.w[i];
		char name[160];
		uint64_t sa[2] = {(uint64_t)a->lora.r, (uint64_t)l->I}, sb[2] = {(uint64_t)l->O, (uint64_t)a->lora.r};
		snprintf(name, sizeof name, "%s.lora_A.weight", a->lora_names[i]);
		rc = al_st_writer_add(w, name, AL_F32, 2, sa, grads ? l->gA : l->A, e);
		snprintf(name, sizeof name, "%s.lora_B.weight", a->lora_names[i]);
		if (rc == 0)
			rc = al_st_writer_add(w, name, AL_F32, 2, sb, grads ? l->gB : l->B, e);
	}
	if (rc == 0)
		rc = al_st_writer_commit(w, e);
	al_st_writer_free(w);
	return rc;
}

static void act_forward(int act, const float *z, float *h, size_t n)
{
	if (act == AL_ACT_GELU) {
		al_gelu_forward(h, z, n);
	} else {
		memcpy(h, z, n * sizeof *h);
		if (act == AL_ACT_RELU)
			al_relu_forward(h, n);
	}
}

void al_module_forward(const al_module *m, int act, const float *E, float *out,
		       float *z, float *h, const float *mask, int N)
{
	int d = m->d, r = m->r;
	al_sgemm(0, 0, N, r, d, 1.0f, E, d, m->down, r, 0.0f, z, r);   /* z = E down */
	act_forward(act, z, h, (size_t)N * r);
	if (mask)
		for (size_t i = 0; i < (size_t)N * r; i++)
			h[i] *= mask[i];
	memcpy(out, E, sizeof *out * N * d);
	al_sgemm(0, 0, N, d, r, 1.0f, h, r, m->up, d, 1.0f, out, d);    /* += h up */
}

void al_module_backward(al_module *m, int act, const float *E, const float *z,
			const float *h, const float *mask, const float *dout, float *dz, int N)
{
	int d = m->d, r = m->r;
	size_t n = (size_t)N * r;
	al_sgemm(1, 0, r, d, N, 1.0f, h, r, dout, d, 1.0f, m->gup, d);   /* gup += h^T dout */
	al_sgemm(0, 1, N, r, d, 1.0f, dout, d, m->up, d, 0.0f, dz, r);   /* dh = dout up^T */
	if (mask)
		for (size_t i = 0; i < n; i++)
			dz[i] *= mask[i];
	if (act == AL_ACT_GELU)
		al_gelu_backward(dz, dz, z, n);
	else if (act == AL_ACT_RELU)
		al_relu_backward(dz, dz, h, n);
	al_sgemm(1, 0, d, r, N, 1.0f, E, d, dz, r, 1.0f, m->gdown, r);   /* gdown += E^T dz */
}

/* ---- prompt tuning ---- */

static al_prompt *prompt_new(int n, int d, int h, al_err *e)
{
	al_prompt *p = calloc(1, sizeof *p);
	size_t np = (size_t)n * d + 2 * (size_t)d * h + h + d;
	float *b = p ? calloc(2 * np + 2 * (size_t)n * h + (size_t)n * d, sizeof *b) : NULL;
	if (!b) {
		free(p);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	p->n = n, p->d = d, p->h = h;
	float **v[] = {&p->P, &p->down, &p->bdown, &p->up, &p->bup,
		       &p->gP, &p->gdown, &p->gbdown, &p->gup, &p->gbup};
	size_t len[] = {(size_t)n * d, (size_t)d * h, h, (size_t)h * d, d};
	for (int i = 0; i < 10; i++) {
		*v[i] = b;
		b += len[i % 5];
	}
	p->z = b;
	p->a = b + (size_t)n * h;
	p->out = p->a + (size_t)n * h;
	return p;
}

al_adapter *al_adapter_prompt(const al_t5 *m, int n, int h, uint64_t seed, al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	int d = c->d_model;
	al_adapter *a = calloc(1, sizeof *a);
	if (!a || !(a->prompt = prompt_new(n, d, h, e))) {
		if (!a)
			al_err_set(e, AL_ENOMEM, "out of memory");
		al_adapter_free(a);
		return NULL;
	}
	a->method = AL_METHOD_PROMPT;
	al_rng r;
	al_rng_seed(&r, seed);
	for (int i = 0; i < n; i++) {   /* rows of the vocabulary, as Lester et al. */
		int id = (int)(al_rng_uniform(&r) * c->vocab);
		id = id < c->vocab ? id : c->vocab - 1;
		al_t5_embed(m, &id, 1, a->prompt->P + (size_t)i * d, e);
	}
	for (size_t k = 0; k < (size_t)d * h; k++)
		a->prompt->down[k] = (float)(al_rng_normal(&r) / sqrt((double)d));
	al_adapter_opts o = {.method = AL_METHOD_PROMPT, .rank = h, .prompt_tokens = n, .seed = seed};
	if (!(a->config = config_json(&o, e))) {
		al_adapter_free(a);
		return NULL;
	}
	return a;
}

void al_prompt_forward(al_prompt *p)
{
	int n = p->n, d = p->d, h = p->h;
	for (int i = 0; i < n; i++)
		memcpy(p->z + (size_t)i * h, p->bdown, sizeof(float) * h);
	al_sgemm(0, 0, n, h, d, 1.0f, p->P, d, p->down, h, 1.0f, p->z, h);   /* z = P down + b */
	memcpy(p->a, p->z, sizeof(float) * n * h);
	al_relu_forward(p->a, (size_t)n * h);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < d; k++)
			p->out[(size_t)i * d + k] = p->P[(size_t)i * d + k] + p->bup[k];
	al_sgemm(0, 0, n, d, h, 1.0f, p->a, h, p->up, d, 1.0f, p->out, d);   /* += a up */
}

void al_prompt_backward(al_prompt *p, const float *dout)
{
	int n = p->n, d = p->d, h = p->h;
	float *dz = malloc(sizeof(float) * n * h);
	if (!dz)
		return;
	al_sgemm(1, 0, h, d, n, 1.0f, p->a, h, dout, d, 1.0f, p->gup, d);   /* gup += a^T G */
	al_sgemm(0, 1, n, h, d, 1.0f, dout, d, p->up, d, 0.0f, dz, h);      /* da = G up^T */
	al_relu_backward(dz, dz, p->a, (size_t)n * h);
	al_sgemm(1, 0, d, h, n, 1.0f, p->P, d, dz, h, 1.0f, p->gdown, h);  /* gdown += P^T dz */
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < d; k++) {
			p->gbup[k] += dout[(size_t)i * d + k];
			p->gP[(size_t)i * d + k] += dout[(size_t)i * d + k];
		}
		for (int k = 0; k < h; k++)
			p->gbdown[k] += dz[(size_t)i * h + k];
	}
	al_sgemm(0, 1, n, d, h, 1.0f, dz, h, p->down, h, 1.0f, p->gP, d);  /* gP += dz down^T */
	free(dz);
}

/* ---- LoRA ---- */

static int lora_add(al_adapter *a, int r, int decoder, int layer, int slot, int I, int O,
		    const char *name, al_err *e)
{
	al_t5_lora_w *nw = realloc(a->lora.w, (a->lora.n + 1) * sizeof *nw);
	if (nw)
		a->lora.w = nw;
	char (*nn)[128] = realloc(a->lora_names, (a->lora.n + 1) * sizeof *nn);
	if (nn)
		a->lora_names = nn;
	float *b = nw && nn ? calloc(2 * (size_t)r * (I + O), sizeof *b) : NULL;
	if (!b)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	al_t5_lora_w *w = &a->lora.w[a->lora.n];
	*w = (al_t5_lora_w){decoder, layer, slot, I, O, b, b + (size_t)r * I,
			    b + (size_t)r * (I + O), b + (size_t)r * (2 * I + O)};
	snprintf(a->lora_names[a->lora.n], sizeof a->lora_names[0], "%s", name);
	a->lora.n++;
	return 0;
}

al_adapter *al_adapter_lora(const al_t5 *m, int r, float alpha, int decoder, uint64_t seed,
			    al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	al_adapter *a = calloc(1, sizeof *a);
	if (!a) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	a->method = AL_METHOD_LORA;
	a->lora.r = r;
	a->lora_alpha = alpha;
	a->lora.scale = alpha / r;
	al_adapter_opts o = {.method = AL_METHOD_LORA, .rank = r, .lora_alpha = alpha,
			     .lora_decoder = decoder, .seed = seed};
	if (!(a->config = config_json(&o, e))) {
		al_adapter_free(a);
		return NULL;
	}
	al_rng g;
	al_rng_seed(&g, seed);
	for (int dec = 0; dec <= decoder; dec++)
		for (int l = 0; l < (dec ? c->dec_layers : c->enc_layers); l++)
			for (int s = 0; s < AL_T5_SLOTS; s++) {
				char name[128];
				int I, O;
				if (!al_t5_linear(c, dec, l, s, name, sizeof name, &I, &O))
					continue;
				if (lora_add(a, r, dec, l, s, I, O, name, e) < 0) {
					al_adapter_free(a);
					return NULL;
				}
				float *A = a->lora.w[a->lora.n - 1].A, bound = 1.0f / sqrtf((float)I);
				for (size_t k = 0; k < (size_t)r * I; k++)
					A[k] = (float)((2 * al_rng_uniform(&g) - 1) * bound);
			}
	return a;
}

/* "encoder.block.3.layer.1.DenseReluDense.wi_0" -> decoder, layer, slot */
static int lora_parse(const char *name, int *dec, int *layer, int *slot)
{
	char side[16], sub[32], leaf[8];
	int sl, end = 0;
	if (sscanf(name, "%15[a-z].block.%d.layer.%d.%31[A-Za-z].%7[a-z_0-9]%n", side, layer, &sl,
		   sub, leaf, &end) != 5 || name[end] || *layer < 0)
		return -1;
	if (strcmp(side, "encoder") && strcmp(side, "decoder"))
		return -1;
	*dec = side[0] == 'd';
	static const char *att[] = {"q", "k", "v", "o"};
	for (int i = 0; i < 4; i++)
		if (strcmp(leaf, att[i]) == 0) {
			if (strcmp(sub, "SelfAttention") == 0 && sl == 0)
				return *slot = AL_T5_Q + i, 0;
			if (strcmp(sub, "EncDecAttention") == 0 && sl == 1 && *dec)
				return *slot = AL_T5_CQ + i, 0;
			return -1;
		}
	if (strcmp(sub, "DenseReluDense") != 0 || sl != (*dec ? 2 : 1))
		return -1;
	if (strcmp(leaf, "wi") == 0 || strcmp(leaf, "wi_0") == 0)
		*slot = AL_T5_WI0;
	else if (strcmp(leaf, "wi_1") == 0)
		*slot = AL_T5_WI1;
	else if (strcmp(leaf, "wo") == 0)
		*slot = AL_T5_WO;
	else
		return -1;
	return 0;
}

/* ---- full fine-tuning ---- */

al_adapter *al_adapter_full(al_t5 *m, al_err *e)
{
	al_adapter *a = calloc(1, sizeof *a);
	if (!a) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	a->method = AL_METHOD_FULL;
	a->full = m;
	if (!(a->fullgrad = al_t5_grads_new(m, e))) {
		al_adapter_free(a);
		return NULL;
	}
	return a;
}

/* ---- every method ---- */

int al_adapter_prefix(const al_adapter *a)
{
	return a && a->prompt ? a->prompt->n : 0;
}

int al_adapter_params(al_adapter *a, al_param **ps, al_err *e)
{
	int n = 0, cap = 2 * a->nmods + 5 + 2 * a->lora.n;
	al_t5_tensor *t = NULL, *g = NULL;
	int nt = 0;
	if (a->full) {
		if ((nt = al_t5_tensors(a->full, &t, e)) < 0 || al_t5_tensors(a->fullgrad, &g, e) < 0) {
			free(t);
			return e->code;
		}
		cap += nt;
	}
	*ps = calloc(cap ? cap : 1, sizeof **ps);
	if (!*ps) {
		free(t);
		free(g);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	for (int i = 0; i < a->nmods; i++) {
		al_module *md = &a->mods[i];
		(*ps)[n++] = (al_param){md->down, md->gdown, md->d, md->r};
		(*ps)[n++] = (al_param){md->up, md->gup, md->r, md->d};
	}
	if (a->prompt) {
		al_prompt *p = a->prompt;
		(*ps)[n++] = (al_param){p->P, p->gP, p->n, p->d};
		(*ps)[n++] = (al_param){p->down, p->gdown, p->d, p->h};
		(*ps)[n++] = (al_param){p->bdown, p->gbdown, p->h, 1};
		(*ps)[n++] = (al_param){p->up, p->gup, p->h, p->d};
		(*ps)[n++] = (al_param){p->bup, p->gbup, p->d, 1};
	}
	for (int i = 0; i < a->lora.n; i++) {
		al_t5_lora_w *w = &a->lora.w[i];
		(*ps)[n++] = (al_param){w->A, w->gA, a->lora.r, w->I};
		(*ps)[n++] = (al_param){w->B, w->gB, w->O, a->lora.r};
	}
	for (int i = 0; i < nt; i++)   /* the vision tower (and its projection) stays frozen */
		if (strcmp(t[i].name, "vision_projection.weight") != 0)
			(*ps)[n++] = (al_param){t[i].data, g[i].data, t[i].rows, t[i].cols};
	free(t);
	free(g);
	return n;
}

size_t al_adapter_nparams(const al_adapter *a)
{
	size_t n = 0;
	for (int i = 0; i < a->nmods; i++)
		n += 2 * (size_t)a->mods[i].d * a->mods[i].r;
	if (a->prompt)
		n += (size_t)a->prompt->n * a->prompt->d + 2 * (size_t)a->prompt->d * a->prompt->h +
		     a->prompt->h + a->prompt->d;
	for (int i = 0; i < a->lora.n; i++)
		n += (size_t)a->lora.r * (a->lora.w[i].I + a->lora.w[i].O);
	if (a->full) {
		const al_t5_config *c = al_t5_cfg(a->full);
		n += al_t5_nparams(a->full) - (size_t)c->d_model * c->vision_dim;
	}
	return n;
}

int al_adapter_check(const al_adapter *a, const al_t5 *m, al_err *e)
{
	const al_t5_config *c = al_t5_cfg(m);
	for (int i = 0; i < a->nmods; i++)
		if (a->mods[i].d != c->d_model)
			return al_err_set(e, AL_EINVAL, "the adapter's modules are %d wide; the "
					  "backbone's d_model is %d", a->mods[i].d, c->d_model);
	if (a->prompt && a->prompt->d != c->d_model)
		return al_err_set(e, AL_EINVAL, "the soft prompt is %d wide; the backbone's "
				  "d_model is %d", a->prompt->d, c->d_model);
	for (int i = 0; i < a->lora.n; i++) {
		const al_t5_lora_w *w = &a->lora.w[i];
		char name[160];
		int I, O;
		if (!al_t5_linear(c, w->decoder, w->layer, w->slot, name, sizeof name, &I, &O) ||
		    strcmp(name, a->lora_names[i]) != 0)
			return al_err_set(e, AL_EINVAL, "LoRA on '%s': the backbone has no such "
					  "linear layer", a->lora_names[i]);
		if (I != w->I || O != w->O)
			return al_err_set(e, AL_EINVAL, "LoRA on '%s': A [r, %d] and B [%d, r] do "
					  "not fit the layer's [%d, %d] weight", a->lora_names[i],
					  w->I, w->O, O, I);
	}
	return 0;
}

/* ---- a new adapter of any method ---- */

int al_adapter_modalities(const char *modalities, int *text, int *image)
{
	*text = modalities && strstr(modalities, "text") != NULL;
	*image = modalities && strstr(modalities, "image") != NULL;
	return *text || *image ? 0 : -1;
}

al_adapter *al_adapter_adalink(const al_t5 *m, const al_adapter_opts *o,
			       const char *const *tasks, int ntasks, al_err *e)
{
	int C = al_t5_cfg(m)->d_model, text, image;
	if (o->rank < 1 || al_adapter_modalities(o->modalities, &text, &image) < 0) {
		al_err_set(e, AL_EINVAL, "an AdaLink adapter needs a rank from 1 and text, image "
			   "or text,image");
		return NULL;
	}
	al_adapter *a = calloc(1, sizeof *a);
	if (!a) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	a->method = AL_METHOD_ADALINK;
	a->act = o->act;
	al_rng r;
	al_rng_seed(&r, o->seed);
	static const char *const shared[] = {""};
	if (!o->per_task || ntasks == 0) {
		tasks = shared;
		ntasks = 1;
	}
	for (int t = 0; t < ntasks; t++)
		for (int k = 0; k < 2; k++) {
			if (!(k ? image : text))
				continue;
			al_module *md = al_adapter_add(a, tasks[t], k ? "image" : "text", C, o->rank, e);
			if (!md) {
				al_adapter_free(a);
				return NULL;
			}
			for (long j = 0; j < (long)C * o->rank; j++)   /* W_up stays zero */
				md->down[j] = (float)(al_rng_normal(&r) / sqrt((double)C));
		}
	return a;
}

/* The config JSON an adapter made from o is saved with (the method's
 * shape, its seed and the backbone's hash); NULL with e filled on failure. */
static char *config_json(const al_adapter_opts *o, al_err *e)
{
	al_json *j = al_json_new();
	if (!j) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	al_json_obj_open(j);
	al_json_key(j, "method");
	al_json_str(j, al_method_name(o->method));
	if (o->method == AL_METHOD_PROMPT) {
		al_json_key(j, "tokens");
		al_json_int(j, o->prompt_tokens);
		al_json_key(j, "hidden");
		al_json_int(j, o->rank);
	} else {
		al_json_key(j, "rank");
		al_json_int(j, o->rank);
	}
	if (o->method == AL_METHOD_ADALINK) {
		al_json_key(j, "activation");
		al_json_str(j, al_act_name(o->act));
		al_json_key(j, "modalities");
		al_json_str(j, o->modalities);
		al_json_key(j, "per_task");
		al_json_bool(j, o->per_task);
		al_json_key(j, "dropout");
		al_json_num(j, o->dropout);
	} else if (o->method == AL_METHOD_LORA) {
		al_json_key(j, "alpha");
		al_json_float(j, (float)(o->lora_alpha > 0 ? o->lora_alpha : o->rank));
		al_json_key(j, "decoder");
		al_json_bool(j, o->lora_decoder);
	}
	al_json_key(j, "seed");
	al_json_int(j, (long long)o->seed);
	if (o->backbone_sha256) {   /* the constructors alone know no backbone hash */
		al_json_key(j, "backbone_sha256");
		al_json_str(j, o->backbone_sha256);
	}
	al_json_obj_close(j);
	char *s = al_json_done(j, e);
	al_json_free(j);
	return s;
}

al_adapter *al_adapter_new(al_t5 *m, const al_adapter_opts *o, const char *const *tasks,
			   int ntasks, al_err *e)
{
	al_adapter *a = NULL;
	switch (o->method) {
	case AL_METHOD_ADALINK:
		a = al_adapter_adalink(m, o, tasks, ntasks, e);
		break;
	case AL_METHOD_PROMPT:
		a = al_adapter_prompt(m, o->prompt_tokens, o->rank, o->seed, e);
		break;
	case AL_METHOD_LORA:
		a = al_adapter_lora(m, o->rank, (float)(o->lora_alpha > 0 ? o->lora_alpha : o->rank),
				    o->lora_decoder, o->seed, e);
		break;
	case AL_METHOD_FULL:   /* its checkpoint carries the backbone's config */
		return al_adapter_full(m, e);
	default:
		al_err_set(e, AL_EINVAL, "no such method (%d)", o->method);
		return NULL;
	}
	if (!a)
		return NULL;
	free(a->config);
	if (!(a->config = config_json(o, e))) {
		al_adapter_free(a);
		return NULL;
	}
	return a;
}
