/* build.c: the build driver. */
#include "build.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "config.h"
#include "datasets/ds.h"
#include "datasets/iter.h"
#include "lib/blas.h"
#include "lib/catalog_builds.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/safetensors.h"
#include "lib/vit.h"
#include "pipeline/image.h"
#include "pipeline/image_patch.h"
#include "pipeline/prompt.h"
#include "pipeline/shard.h"
#include "pipeline/shards_admin.h"
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
static char *params_json(const al_build_opts *o, const al_patch_opts *po, const char *spm_sha,
			 const char *vit_sha, char (*src_sha)[65])
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	gs(g, "dataset"); gs(g, o->dataset);
	gs(g, "task"); gs(g, o->task);
	gs(g, "split"); gs(g, o->split);
	gs(g, "template"); gs(g, o->tmpl);
	gs(g, "tokenizer_sha256"); gs(g, spm_sha);
	gs(g, "vit_sha256"); gs(g, vit_sha);
	gs(g, "size"); gi(g, po->size);
	gs(g, "patch"); gi(g, po->patch);
	gs(g, "dtype"); gs(g, o->dtype == AL_SHARD_BF16 ? "bf16" : "f16");
	gs(g, "shard_examples"); gi(g, o->shard_examples);
	gs(g, "limit"); gi(g, o->limit);
	gs(g, "no_images"); yajl_gen_bool(g, o->no_images);
	gs(g, "sources");
	gen_sources(g, o, src_sha);
	yajl_gen_map_close(g);
	return gen_text(g);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, al_err *e)
{
	if (need <= *cap)
		return 0;
	size_t c = need * 2;
	void *n = realloc(*p, c * elem);
	if (!n)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	*p = n;
	*cap = c;
	return 0;
}

/* Remove build id (read back by name), as al_shards_drop does. */
static int drop_build(al_catalog *c, const char *name, al_err *e)
{
	al_cat_build b;
	int rc = al_catalog_build_get(c, name, &b, e);
	if (rc == 0)
		rc = al_shards_drop(c, &b, e);
	al_cat_build_clear(&b);
	return rc == AL_ENOTFOUND ? 0 : rc;
}

/* ---- the pipeline ----
 *
 * The calling thread reads records, renders their prompts and copies what
 * the work needs into a job; workers tokenize and decode, resize,
 * patchify and embed images; the calling thread writes the finished jobs
 * in the order they were read.  Each job's result depends on its record
 * alone, so the shards are the same bytes whatever the number of workers.
 * With one thread (-j 1) the calling thread does the work itself.
 */

typedef struct job {
	long seq;
	int state;                 /* J_FREE, J_QUEUED, J_DONE */
	/* in */
	char *text;                /* the input, then each target, NUL-separated */
	size_t text_len, text_cap;
	int nt;
	size_t id_len, input_at;   /* text: id, task, input, targets */
	char label[512];           /* the image's name, for messages */
	unsigned char *img;
	size_t img_size, img_cap;
	/* out */
	uint32_t *ids;
	size_t ids_cap;
	uint32_t n_in, lens[256], np;
	uint16_t *patches;         /* [np, dim] */
	int rc;
	al_err err;
	double t_tok, t_img;
} job;

enum { J_FREE, J_QUEUED, J_DONE };

/* A worker's scratch space. */
typedef struct scratch {
	struct ctx *c;
	al_spm_tokens tok;
	al_patcher *pt;            /* decode, resize, patchify */
	float *px, *emb;
} scratch;

typedef struct ctx {
	const al_build_opts *o;
	al_catalog *cat;
	long long build_id;
	al_spm *sp;
	al_vit *vit;
	al_shard_writer *w;
	char path[4096];
	long in_shard, seq;
	al_build_stats *st;
	uint32_t dim, max_dim;
	size_t npatch;             /* patches per image */
	al_patch_opts po;
	/* jobs: a window of nslots in flight, job k in slot k % nslots */
	job *slots;
	int nslots, nworkers;
	pthread_t *threads;
	scratch *scr;              /* [nscr]: one per worker, or the caller's */
	int nscr;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	long queued, taken;        /* jobs handed to workers, jobs taken */
	int stop;
} ctx;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int close_shard(ctx *c, al_err *e)
{
	if (!c->w)
		return 0;
	/* The row first, then the file under its name: every shard file
	 * the build leaves has a row (so its clean-up can tell it is the
	 * build's own), and a row whose file is not there yet belongs to a
	 * build still "building". */
	uint64_t sum, bytes, n = al_shard_writer_count(c->w);
	int rc = al_shard_writer_seal(c->w, &sum, &bytes, e);
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)sum);
	al_cat_shard row = {.build_id = c->build_id, .seq = c->seq, .path = c->path,
			    .examples = (long long)n, .bytes = (long long)bytes, .checksum = hex};
	if (rc == 0)
		rc = al_catalog_shard_add(c->cat, &row, e);
	if (rc < 0) {
		al_shard_writer_abort(c->w);
		c->w = NULL;
		return rc;
	}
	rc = al_shard_writer_commit(c->w, NULL, NULL, e);
	c->w = NULL;
	if (rc < 0)
		return rc;
	c->seq++;
	c->st->shards++;
	c->in_shard = 0;
	return 0;
}

/* Tokenize text at ids[at..]; *n receives the count. */
static int encode(ctx *c, scratch *s, job *j, const char *text, size_t at, uint32_t *n, al_err *e)
{
	if (al_spm_encode(c->sp, text, strlen(text), AL_SPM_ADD_EOS, &s->tok, e) < 0)
		return e->code;
	if (grow((void **)&j->ids, &j->ids_cap, at + s->tok.n, sizeof *j->ids, e) < 0)
		return e->code;
	for (size_t i = 0; i < s->tok.n; i++)
		j->ids[at + i] = (uint32_t)s->tok.ids[i];
	*n = (uint32_t)s->tok.n;
	return 0;
}

/* The work of one job: its result depends on the job alone. */
static int work(ctx *c, scratch *s, job *j, al_err *e)
{
	const al_build_opts *o = c->o;
	double t0 = now();
	const char *t = j->text + j->input_at;
	size_t at;
	int rc;
	if ((rc = encode(c, s, j, t, 0, &j->n_in, e)) < 0)
		return rc;
	at = j->n_in;
	for (int i = 0; i < j->nt; i++) {
		t += strlen(t) + 1;
		if ((rc = encode(c, s, j, t, at, &j->lens[i], e)) < 0)
			return rc;
		at += j->lens[i];
	}
	double t1 = now();
	j->t_tok = t1 - t0;
	j->np = 0;
	if (j->img_size) {
		if ((rc = al_patcher_run_buf(s->pt, j->img, j->img_size, j->label, &c->po, s->px,
					     NULL, e)) < 0)
			return rc;
		const float *src = s->px;
		if (c->vit) {
			if ((rc = al_vit_forward(c->vit, s->px, s->emb, e)) < 0)
				return rc;
			src = s->emb;
		}
		size_t n = c->npatch * c->dim;
		if (!j->patches && !(j->patches = malloc(sizeof(uint16_t) * c->npatch * c->max_dim)))
			return al_err_set(e, AL_ENOMEM, "out of memory");
		for (size_t k = 0; k < n; k++)
			j->patches[k] = o->dtype == AL_SHARD_BF16 ? al_f32_to_bf16(src[k]) : al_f32_to_f16(src[k]);
		j->np = (uint32_t)c->npatch;
		j->t_img = now() - t1;
	}
	return 0;
}

static void *worker(void *arg)
{
	scratch *s = arg;
	ctx *c = s->c;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->stop && c->taken == c->queued)
			pthread_cond_wait(&c->work, &c->mu);
		if (c->stop) {   /* the build ended or failed: the rest is moot */
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		job *j = &c->slots[c->taken % c->nslots];
		c->taken++;
		pthread_mutex_unlock(&c->mu);
		j->err.code = 0;
		j->rc = work(c, s, j, &j->err);
		pthread_mutex_lock(&c->mu);
		j->state = J_DONE;
		pthread_cond_broadcast(&c->done);
		pthread_mutex_unlock(&c->mu);
	}
}
/* Copy what the work needs out of record r into job j (the calling
 * thread): id and task, then the input and each target rendered, in one
 * NUL-separated buffer; the image's bytes. */
static int fill(ctx *c, job *j, const al_record *r, al_err *e)
{
	const al_build_opts *o = c->o;
	const char *tmpl = o->tmpl ? o->tmpl : al_prompt_default(r->dataset, r->task);
	if (!tmpl)
		return al_err_set(e, AL_EINVAL, "no template for dataset %s task %s; give one "
				  "with --template", r->dataset, r->task ? r->task : "-");
	char *input = al_prompt_render(tmpl, r, e);
	if (!input)
		return e->code;
	const char *task = r->task ? r->task : r->dataset;
	j->nt = r->ntargets < 256 ? r->ntargets : 256;
	j->id_len = strlen(r->id);
	size_t need = j->id_len + strlen(task) + strlen(input) + 3, at = 0;
	char tbuf[8192];
	for (int i = 0; i < j->nt; i++) {
		al_prompt_target(r, i, tbuf, sizeof tbuf);
		need += strlen(tbuf) + 1;
	}
	if (grow((void **)&j->text, &j->text_cap, need, 1, e) < 0) {
		free(input);
		return e->code;
	}
#define PUT(s) do { size_t l_ = strlen(s) + 1; memcpy(j->text + at, s, l_); at += l_; } while (0)
	PUT(r->id);
	PUT(task);
	j->input_at = at;
	PUT(input);
	for (int i = 0; i < j->nt; i++) {
		al_prompt_target(r, i, tbuf, sizeof tbuf);
		PUT(tbuf);
	}
#undef PUT
	free(input);
	j->img_size = 0;
	if (r->image_data && !o->no_images) {
		snprintf(j->label, sizeof j->label, "%s", r->image ? r->image : r->id);
		if (grow((void **)&j->img, &j->img_cap, r->image_size + 1, 1, e) < 0)
			return e->code;
		memcpy(j->img, r->image_data, r->image_size);
		j->img_size = r->image_size;
		if (!j->img_size)
			return al_err_set(e, AL_EFORMAT, "'%s': an empty image", j->label);
	}
	j->rc = 0;
	j->err.code = 0;
	j->t_tok = j->t_img = 0;
	return 0;
}

/* Write the oldest job, waiting for it if need be (the calling thread). */
static int retire(ctx *c, long seq, al_err *e)
{
	job *j = &c->slots[seq % c->nslots];
	double t0 = now();
	if (c->nworkers) {
		pthread_mutex_lock(&c->mu);
		while (j->state != J_DONE)
			pthread_cond_wait(&c->done, &c->mu);
		pthread_mutex_unlock(&c->mu);
	}
	double t1 = now();
	c->st->t_wait += t1 - t0;
	j->state = J_FREE;
	if (j->rc < 0) {
		*e = j->err;
		return j->rc;
	}
	c->st->t_tokenize += j->t_tok;
	c->st->t_image += j->t_img;
	const al_build_opts *o = c->o;
	int rc;
	if (!c->w) {
		snprintf(c->path, sizeof c->path, "%s/%s-%05ld.als", o->out_dir, o->name, c->seq);
		if (!(c->w = al_shard_writer_new(c->path, c->dim ? o->dtype : AL_SHARD_NONE, c->dim, e)))
			return e->code;
	}
	const char *id = j->text, *task = id + j->id_len + 1;
	al_shard_example x = {id, j->id_len, task, strlen(task), j->ids, j->n_in, (uint32_t)j->nt,
			      j->lens, j->ids + j->n_in, j->np, j->np ? j->patches : NULL};
	if ((rc = al_shard_writer_add(c->w, &x, e)) < 0)
		return rc;
	c->st->examples++;
	if (j->np)
		c->st->images++;
	if (++c->in_shard >= o->shard_examples)
		rc = close_shard(c, e);
	c->st->t_write += now() - t1;
	return rc;
}

static void stop_workers(ctx *c)
{
	if (!c->threads)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < c->nworkers; i++)
		pthread_join(c->threads[i], NULL);
	free(c->threads);
	c->threads = NULL;
}

static int start_workers(ctx *c, al_err *e)
{
	size_t px = c->npatch * (size_t)(c->po.patch * c->po.patch * 3);
	c->nslots = c->nworkers ? 4 * c->nworkers : 1;
	c->slots = calloc((size_t)c->nslots, sizeof *c->slots);
	c->nscr = c->nworkers ? c->nworkers : 1;
	c->scr = calloc((size_t)c->nscr, sizeof *c->scr);
	if (!c->slots || !c->scr)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (int i = 0; i < c->nscr; i++) {
		c->scr[i].c = c;
		if (c->npatch && (!(c->scr[i].px = malloc(sizeof(float) * px)) ||
				  !(c->scr[i].emb = malloc(sizeof(float) * c->npatch * c->max_dim)) ||
				  !(c->scr[i].pt = al_patcher_new())))
			return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	if (!c->nworkers)
		return 0;
	if (!(c->threads = calloc((size_t)c->nworkers, sizeof *c->threads)))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (int i = 0; i < c->nworkers; i++)
		if (pthread_create(&c->threads[i], NULL, worker, &c->scr[i]) != 0) {
			c->nworkers = i;
			stop_workers(c);
			return al_err_set(e, AL_ENOMEM, "unable to start a worker thread");
		}
	return 0;
}

static void free_pipeline(ctx *c)
{
	stop_workers(c);
	for (int i = 0; c->slots && i < c->nslots; i++) {
		free(c->slots[i].text);
		free(c->slots[i].img);
		free(c->slots[i].ids);
		free(c->slots[i].patches);
	}
	free(c->slots);
	for (int i = 0; c->scr && i < c->nscr; i++) {
		al_spm_tokens_free(&c->scr[i].tok);
		al_patcher_free(c->scr[i].pt);
		free(c->scr[i].px);
		free(c->scr[i].emb);
	}
	free(c->scr);
}

/* Read every record, hand it to the workers, write the results in order. */
static int pump(ctx *c, al_ds_iter *it, al_err *e)
{
	const al_build_opts *o = c->o;
	const al_record *r;
	long next = 0, written = 0;
	int rc = 0, first = 1;
	al_progress *pg = al_progress_new("examples", 0);
	while (!(o->limit && next >= o->limit)) {
		double t0 = now();
		if ((rc = al_ds_iter_next(it, &r, e)) <= 0)
			break;
		/* A shard without images has no patch width; one with images,
		 * the width of every image, decided by the first record. */
		if (first) {
			if (!r->image_data)
				c->dim = 0;
			first = 0;
		}
		c->st->t_read += now() - t0;
		for (; next - written >= c->nslots && rc >= 0; written++) {
			rc = retire(c, written, e);
			al_progress_add(pg, 1);
		}
		if (rc < 0)
			break;
		t0 = now();
		job *j = &c->slots[next % c->nslots];
		if ((rc = fill(c, j, r, e)) < 0)
			break;
		c->st->t_read += now() - t0;
		if (c->nworkers) {
			pthread_mutex_lock(&c->mu);
			j->state = J_QUEUED;
			c->queued++;
			pthread_cond_signal(&c->work);
			pthread_mutex_unlock(&c->mu);
		} else {
			j->rc = work(c, &c->scr[0], j, &j->err);
			j->state = J_DONE;
		}
		next++;
	}
	for (; rc >= 0 && written < next; written++) {
		rc = retire(c, written, e);
		al_progress_add(pg, 1);
	}
	al_progress_free(pg);
	stop_workers(c);
	return rc < 0 ? rc : 0;
}

/* An earlier build of this name (the caller holding its lock): 1 if it
 * is complete with the same parameters (nothing to do), an error if it is
 * complete with others and replace is not set, else 0 once it is removed
 * (interrupted, or replaced) or if there is none. */
static int settle_earlier(ctx *c, const char *params, al_err *e)
{
	const al_build_opts *o = c->o;
	al_cat_build old;
	int rc = al_catalog_build_get(c->cat, o->name, &old, e);
	if (rc == AL_ENOTFOUND) {
		e->code = 0;   /* no such build: a new one */
		e->msg[0] = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	int complete = strcmp(old.status, "complete") == 0;
	if (complete && strcmp(old.params, params) == 0) {
		c->st->skipped = 1;
		rc = 1;
	} else if (complete && !o->replace) {
		rc = al_err_set(e, AL_EINVAL, "build '%s' exists with other inputs or "
				"parameters; give --replace to build it again", o->name);
	} else {
		if (!complete)
			al_info("build '%s' was interrupted; building it again", o->name);
		rc = al_shards_drop(c->cat, &old, e);
	}
	al_cat_build_clear(&old);
	return rc;
}

int al_build_run(const al_build_opts *o, al_build_stats *st, al_err *e)
{
	memset(st, 0, sizeof *st);
	double t_start = now();
	char spm_sha[65], vit_sha[65] = "", (*src_sha)[65] = calloc(o->nsources + 1, 65);
	ctx c = {.o = o, .st = st, .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
		 .done = PTHREAD_COND_INITIALIZER};
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
	/* the image and patch sides: the ViT's, or those asked for */
	al_patch_opts_default(&c.po);
	if (!o->no_images && o->vit && !(c.vit = al_vit_load(o->vit, e))) {
		rc = e->code;
		goto out;
	}
	if ((rc = al_patch_opts_settle(&c.po, o->size, o->patch, c.vit, o->vit, e)) < 0)
		goto out;
	params = params_json(o, &c.po, spm_sha, o->vit ? vit_sha : NULL, src_sha);
	/* The build's lock, held to the end: no other process builds,
	 * cleans up or removes it meanwhile, so a "building" row is one
	 * that was interrupted. */
	if (!(c.cat = al_catalog_open(o->catalog, e)) ||
	    al_catalog_lock_build(c.cat, o->name, e) < 0) {
		rc = e->code;
		goto out;
	}
	if ((rc = settle_earlier(&c, params, e)) != 0)
		goto out;
	al_shards_sweep(o->out_dir, o->name);   /* a killed run's temporaries */
	char *srcs = sources_json(o, src_sha);
	al_cat_build row = {.name = (char *)o->name, .dataset = (char *)o->dataset,
			    .split = (char *)o->split, .task = (char *)o->task,
			    .tokenizer_sha256 = spm_sha, .vision_sha256 = o->vit ? vit_sha : NULL,
			    .sources = srcs, .params = params, .tool_version = PACKAGE_VERSION,
			    .out_dir = (char *)o->out_dir};
	rc = srcs ? al_catalog_build_add(c.cat, &row, &c.build_id, e)
		  : al_err_set(e, AL_ENOMEM, "out of memory");
	free(srcs);
	if (rc < 0)
		goto out;

	if (!(c.sp = al_spm_new(o->spm, e))) {
		rc = e->code;
		goto fail;
	}
	if (!o->no_images) {
		int side = c.po.size, p = c.po.patch;
		c.npatch = (size_t)(side / p) * (side / p);
		c.dim = (uint32_t)(p * p * 3);
		if (c.vit) {
			c.dim = (uint32_t)al_vit_cfg(c.vit)->hidden;
			/* one OpenBLAS thread inside each worker: never
			 * oversubscribed, and the same sums whatever -j is */
			al_blas_set_threads(1);
		}
		c.max_dim = c.dim > (uint32_t)(p * p * 3) ? c.dim : (uint32_t)(p * p * 3);
	}
	int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	st->threads = jobs < 1 ? 1 : jobs;
	c.nworkers = st->threads > 1 ? st->threads : 0;
	if ((rc = start_workers(&c, e)) < 0)
		goto fail;
	al_ds_opts dso = {.split = o->split, .task = o->task, .skip_bad = o->skip_bad,
			  .no_images = o->no_images};
	if (!(ds = al_ds_new(o->dataset, &dso, e)) || !(it = al_ds_iter_new(ds, o->sources, o->nsources, e))) {
		rc = e->code;
		goto fail;
	}
	st->t_setup = now() - t_start;
	if ((rc = pump(&c, it, e)) < 0)
		goto fail;
	double t0 = now();
	if ((rc = close_shard(&c, e)) < 0)
		goto fail;
	st->t_write += now() - t0;
	if ((rc = al_catalog_build_complete(c.cat, c.build_id, e)) == 0)
		goto out;
fail:
	/* No half build stays behind: the partial shard's temporary file,
	 * the shards written and the build's rows go.  (Killed, the build
	 * keeps status "building" and the next run does this.) */
	stop_workers(&c);
	al_shard_writer_abort(c.w);
	c.w = NULL;
	if (c.build_id) {
		al_err e2 = {0};
		if (drop_build(c.cat, o->name, &e2) < 0)
			al_warn("the failed build '%s' stays in the catalog as \"building\" (%s); "
				"the next run of the same build removes it", o->name, e2.msg);
	}
out:
	free_pipeline(&c);
	al_ds_iter_free(it);
	al_ds_free(ds);
	al_shard_writer_abort(c.w);
	al_spm_free(c.sp);
	al_vit_free(c.vit);
	al_catalog_close(c.cat);
	free(params);
	free(src_sha);
	st->t_wall = now() - t_start;
	return rc < 0 ? rc : 0;
}
