/* adalink.c: AdaLink modules: forward, backward, and adapter files. */
#include "adalink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lib/blas.h"
#include "lib/nn.h"
#include "lib/safetensors.h"

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
}

void al_adapter_free(al_adapter *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->nmods; i++)
		free(a->mods[i].down);
	free(a->mods);
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
		if (meth && strcmp(meth->u.string, "adalink") != 0) {
			al_err_set(e, AL_EFORMAT, "'%s': method \"%s\" is not adalink", path,
				   meth->u.string);
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
		a->rank = (int)t->shape[1];
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
