/* build.c: the build driver. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "config.h"
#include "datasets/ds.h"
#include "datasets/iter.h"
#include "lib/catalog.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/safetensors.h"
#include "lib/vit.h"
#include "pipeline/image.h"
#include "pipeline/image_patch.h"
#include "pipeline/prompt.h"
#include "pipeline/shard.h"
#include "pipeline/spm.h"

static void gs(yajl_gen g, const char *s)
{
	if (s)
		yajl_gen_string(g, (const unsigned char *)s, strlen(s));
	else
		yajl_gen_null(g);
}

static void gi(yajl_gen g, long v)
{
	yajl_gen_integer(g, v);
}

/* [{"path", "sha256"}, ...] of the sources */
static void gen_sources(yajl_gen g, const al_build_opts *o, char (*src_sha)[65])
{
	yajl_gen_array_open(g);
	for (int i = 0; i < o->nsources; i++) {
		yajl_gen_map_open(g);
		gs(g, "path"); gs(g, o->sources[i]);
		gs(g, "sha256"); gs(g, src_sha[i]);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static char *gen_text(yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char *s = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return s;
}

static char *sources_json(const al_build_opts *o, char (*src_sha)[65])
{
	yajl_gen g = yajl_gen_alloc(NULL);
	gen_sources(g, o, src_sha);
	return gen_text(g);
}

/* Every parameter that changes the shards, as canonical JSON. */
static char *params_json(const al_build_opts *o, const char *spm_sha, const char *vit_sha,
			 char (*src_sha)[65])
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	gs(g, "dataset"); gs(g, o->dataset);
	gs(g, "task"); gs(g, o->task);
	gs(g, "split"); gs(g, o->split);
	gs(g, "template"); gs(g, o->tmpl);
	gs(g, "tokenizer_sha256"); gs(g, spm_sha);
	gs(g, "vit_sha256"); gs(g, vit_sha);
	gs(g, "size"); gi(g, o->size);
	gs(g, "patch"); gi(g, o->patch);
	gs(g, "dtype"); gs(g, o->dtype == AL_SHARD_BF16 ? "bf16" : "f16");
	gs(g, "shard_examples"); gi(g, o->shard_examples);
	gs(g, "limit"); gi(g, o->limit);
	gs(g, "no_images"); yajl_gen_bool(g, o->no_images);
	gs(g, "sources");
	gen_sources(g, o, src_sha);
	yajl_gen_map_close(g);
	return gen_text(g);
}

static int step_done(sqlite3_stmt *st, al_catalog *c, al_err *e)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return al_err_set(e, AL_EDB, "catalog '%s': %s", al_catalog_path(c),
				  sqlite3_errmsg(al_catalog_db(c)));
	return 0;
}

/* Remove build id's shard files and rows, and the build row. */
static int drop_build(al_catalog *c, long long id, al_err *e)
{
	sqlite3 *db = al_catalog_db(c);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT path FROM shards WHERE build_id = ?", -1, &st, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "catalog: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		unlink((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "DELETE FROM builds WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "catalog: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, id);
	return step_done(st, c, e);
}

typedef struct {
	const al_build_opts *o;
	al_catalog *cat;
	long long build_id;
	al_spm *sp;
	al_vit *vit;
	al_spm_tokens tok;
	al_shard_writer *w;
	char path[4096];
	long in_shard, seq;
	al_build_stats *st;
	uint32_t *ids;
	size_t ids_cap;
	uint32_t dim;
	uint16_t *patches;
	float *px, *emb;
	al_patch_opts po;
} ctx;

static int grow_ids(ctx *c, size_t need, al_err *e)
{
	if (need <= c->ids_cap)
		return 0;
	size_t cap = need * 2;
	uint32_t *n = realloc(c->ids, cap * sizeof *n);
	if (!n)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	c->ids = n;
	c->ids_cap = cap;
	return 0;
}

static int close_shard(ctx *c, al_err *e)
{
	if (!c->w)
		return 0;
	uint64_t sum, bytes, n = al_shard_writer_count(c->w);
	int rc = al_shard_writer_commit(c->w, &sum, &bytes, e);
	c->w = NULL;
	if (rc < 0)
		return rc;
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)sum);
	sqlite3_stmt *st;
	sqlite3 *db = al_catalog_db(c->cat);
	if (sqlite3_prepare_v2(db, "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum) "
			       "VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "catalog: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, c->build_id);
	sqlite3_bind_int64(st, 2, c->seq);
	sqlite3_bind_text(st, 3, c->path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)bytes);
	sqlite3_bind_text(st, 6, hex, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, c->cat, e)) < 0)
		return rc;
	c->seq++;
	c->st->shards++;
	c->in_shard = 0;
	return 0;
}

static int encode(ctx *c, const char *text, size_t at, size_t *n, al_err *e)
{
	if (al_spm_encode(c->sp, text, strlen(text), AL_SPM_ADD_EOS, &c->tok, e) < 0)
		return e->code;
	if (grow_ids(c, at + c->tok.n, e) < 0)
		return e->code;
	for (size_t i = 0; i < c->tok.n; i++)
		c->ids[at + i] = (uint32_t)c->tok.ids[i];
	*n = c->tok.n;
	return 0;
}

static int on_record(ctx *c, const al_record *r, al_err *e)
{
	const al_build_opts *o = c->o;
	const char *tmpl = o->tmpl ? o->tmpl : al_prompt_default(r->dataset, r->task);
	if (!tmpl)
		return al_err_set(e, AL_EINVAL, "no template for dataset %s task %s; give one "
				  "with --template", r->dataset, r->task ? r->task : "-");
	char *input = al_prompt_render(tmpl, r, e);
	if (!input)
		return e->code;
	size_t n_in, at, tn;
	int rc = encode(c, input, 0, &n_in, e);
	free(input);
	if (rc < 0)
		return rc;
	uint32_t lens[256];
	int nt = r->ntargets < 256 ? r->ntargets : 256;
	at = n_in;
	for (int i = 0; i < nt; i++) {
		char tbuf[8192];
		al_prompt_target(r, i, tbuf, sizeof tbuf);
		if ((rc = encode(c, tbuf, at, &tn, e)) < 0)
			return rc;
		lens[i] = (uint32_t)tn;
		at += tn;
	}
	uint32_t np = 0;
	if (r->image_data && !o->no_images) {
		al_image img = {0}, rs = {0};
		al_decode_opts dopt = {0};
		char label[512];
		snprintf(label, sizeof label, "%s", r->image ? r->image : r->id);
		if ((rc = al_image_decode(r->image_data, r->image_size, label, &dopt, &img, e)) < 0)
			return rc;
		rc = al_image_resize(&img, o->size, o->size, c->po.filter, &rs, e);
		al_image_release(&img);
		if (rc == 0)
			rc = al_image_patchify(&rs, o->patch, c->po.mean, c->po.std, c->px, e);
		al_image_release(&rs);
		if (rc < 0)
			return rc;
		np = (uint32_t)((o->size / o->patch) * (o->size / o->patch));
		const float *src = c->px;
		if (c->vit) {
			if ((rc = al_vit_forward(c->vit, c->px, c->emb, e)) < 0)
				return rc;
			src = c->emb;
		}
		for (size_t k = 0; k < (size_t)np * c->dim; k++)
			c->patches[k] = o->dtype == AL_SHARD_BF16 ? al_f32_to_bf16(src[k]) : al_f32_to_f16(src[k]);
		c->st->images++;
	}
	if (!c->w) {
		snprintf(c->path, sizeof c->path, "%s/%s-%05ld.als", o->out_dir, o->name, c->seq);
		if (!(c->w = al_shard_writer_new(c->path, c->dim ? o->dtype : AL_SHARD_NONE, c->dim, e)))
			return e->code;
	}
	const char *task = r->task ? r->task : r->dataset;
	al_shard_example x = {r->id, strlen(r->id), task, strlen(task), c->ids, (uint32_t)n_in,
			      (uint32_t)nt, lens, c->ids + n_in, np, np ? c->patches : NULL};
	if ((rc = al_shard_writer_add(c->w, &x, e)) < 0)
		return rc;
	c->st->examples++;
	if (++c->in_shard >= o->shard_examples)
		return close_shard(c, e);
	return 0;
}

int al_build_run(const al_build_opts *o, al_build_stats *st, al_err *e)
{
	memset(st, 0, sizeof *st);
	char spm_sha[65], vit_sha[65] = "", (*src_sha)[65] = calloc(o->nsources + 1, 65);
	ctx c = {.o = o, .st = st};
	al_ds *ds = NULL;
	al_ds_iter *it = NULL;
	char *params = NULL;
	int rc = 0;
	if (!src_sha)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	if ((rc = al_sha256_file(o->spm, spm_sha, e)) < 0 ||
	    (o->vit && (rc = al_sha256_file(o->vit, vit_sha, e)) < 0))
		goto out;
	for (int i = 0; i < o->nsources; i++)
		if ((rc = al_sha256_file(o->sources[i], src_sha[i], e)) < 0)
			goto out;
	params = params_json(o, spm_sha, o->vit ? vit_sha : NULL, src_sha);
	if (!(c.cat = al_catalog_open(o->catalog, e))) {
		rc = e->code;
		goto out;
	}
	sqlite3 *db = al_catalog_db(c.cat);
	sqlite3_stmt *q;
	/* an earlier build of this name: done and identical, refused, or
	 * interrupted (removed and built again) */
	sqlite3_prepare_v2(db, "SELECT id, status, params FROM builds WHERE name = ?", -1, &q, NULL);
	sqlite3_bind_text(q, 1, o->name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(q, 0);
		int complete = strcmp((const char *)sqlite3_column_text(q, 1), "complete") == 0;
		int same = strcmp((const char *)sqlite3_column_text(q, 2), params) == 0;
		sqlite3_finalize(q);
		if (complete && same) {
			st->skipped = 1;
			goto out;
		}
		if (complete && !o->replace) {
			rc = al_err_set(e, AL_EINVAL, "build '%s' exists with other inputs or "
					"parameters; give --replace to build it again", o->name);
			goto out;
		}
		if (!complete)
			al_info("build '%s' was interrupted; building it again", o->name);
		if ((rc = drop_build(c.cat, id, e)) < 0)
			goto out;
	} else {
		sqlite3_finalize(q);
	}
	sqlite3_prepare_v2(db, "INSERT INTO builds(name, dataset, split, task, tokenizer_sha256, "
			   "vision_sha256, sources, params, tool_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   -1, &q, NULL);
	sqlite3_bind_text(q, 1, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, o->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, o->split, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, o->task, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, spm_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, o->vit ? vit_sha : NULL, -1, SQLITE_STATIC);
	char *srcs = sources_json(o, src_sha);
	sqlite3_bind_text(q, 7, srcs, -1, SQLITE_TRANSIENT);
	free(srcs);
	sqlite3_bind_text(q, 8, params, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, PACKAGE_VERSION, -1, SQLITE_STATIC);
	if ((rc = step_done(q, c.cat, e)) < 0)
		goto out;
	c.build_id = sqlite3_last_insert_rowid(db);

	if (!(c.sp = al_spm_new(o->spm, e))) {
		rc = e->code;
		goto out;
	}
	al_patch_opts_default(&c.po);
	c.po.size = o->size;
	c.po.patch = o->patch;
	if (!o->no_images) {
		size_t np = (size_t)(o->size / o->patch) * (o->size / o->patch);
		c.dim = (uint32_t)(o->patch * o->patch * 3);
		if (o->vit) {
			if (!(c.vit = al_vit_load(o->vit, e))) {
				rc = e->code;
				goto out;
			}
			if (al_vit_cfg(c.vit)->patch != o->patch || al_vit_cfg(c.vit)->image != o->size) {
				rc = al_err_set(e, AL_EINVAL, "'%s' takes %d x %d images in %d x %d "
						"patches; give --size %d --patch %d", o->vit,
						al_vit_cfg(c.vit)->image, al_vit_cfg(c.vit)->image,
						al_vit_cfg(c.vit)->patch, al_vit_cfg(c.vit)->patch,
						al_vit_cfg(c.vit)->image, al_vit_cfg(c.vit)->patch);
				goto out;
			}
			c.dim = (uint32_t)al_vit_cfg(c.vit)->hidden;
		}
		c.px = malloc(sizeof(float) * np * o->patch * o->patch * 3);
		c.emb = malloc(sizeof(float) * np * c.dim);
		c.patches = malloc(sizeof(uint16_t) * np * (c.dim > (uint32_t)(o->patch * o->patch * 3) ?
							     c.dim : (uint32_t)(o->patch * o->patch * 3)));
		if (!c.px || !c.emb || !c.patches) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			goto out;
		}
	}
	al_ds_opts dso = {.split = o->split, .task = o->task, .skip_bad = o->skip_bad,
			  .no_images = o->no_images};
	if (!(ds = al_ds_new(o->dataset, &dso, e)) || !(it = al_ds_iter_new(ds, o->sources, o->nsources, e))) {
		rc = e->code;
		goto out;
	}
	/* A shard without images has no patch width; one with images, the
	 * width of every image, decided by the first record. */
	const al_record *r;
	al_progress *pg = al_progress_new("examples", 0);
	int first = 1;
	while ((rc = al_ds_iter_next(it, &r, e)) > 0) {
		if (first) {
			if (!r->image_data)
				c.dim = 0;
			first = 0;
		}
		if ((rc = on_record(&c, r, e)) < 0)
			break;
		al_progress_add(pg, 1);
		if (o->limit && st->examples >= o->limit)
			break;
	}
	al_progress_free(pg);
	if (rc >= 0)
		rc = close_shard(&c, e);
	if (rc >= 0) {
		sqlite3_prepare_v2(db, "UPDATE builds SET status = 'complete', finished = "
				   "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", -1, &q, NULL);
		sqlite3_bind_int64(q, 1, c.build_id);
		rc = step_done(q, c.cat, e);
	}
out:
	al_ds_iter_free(it);
	al_ds_free(ds);
	al_shard_writer_abort(c.w);
	al_spm_tokens_free(&c.tok);
	al_spm_free(c.sp);
	al_vit_free(c.vit);
	al_catalog_close(c.cat);
	free(c.ids);
	free(c.px);
	free(c.emb);
	free(c.patches);
	free(params);
	free(src_sha);
	return rc < 0 ? rc : 0;
}
