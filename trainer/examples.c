/* examples.c: training examples from JSONL or from shards. */
#include "examples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog_builds.h"
#include "lib/rng.h"
#include "lib/safetensors.h"
#include "pipeline/shard.h"
#include "pipeline/shards_admin.h"

struct al_examples {
	/* JSONL */
	al_example *xs;
	long n;
	/* shards: shard k holds examples first[k] .. first[k + 1] - 1 */
	al_shard **shards;
	int nshards;
	long *first;          /* [nshards + 1] */
	/* made on request (shards: groups of consecutive examples) */
	al_examples_source made;
};

/* The shard holding global example i (binary search), and its index in it. */
static int locate(const al_examples *s, long i, uint64_t *at)
{
	int lo = 0, hi = s->nshards - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (s->first[mid] <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	*at = (uint64_t)(i - s->first[lo]);
	return lo;
}

static void no_problem(void *ctx, const char *b, const char *p, const char *problem)
{
	char *first = ctx;
	if (problem && !first[0])
		snprintf(first, 1024, "shard '%s' of build '%s': %s", p, b, problem);
}

al_examples *al_examples_jsonl(const char *path, al_err *e)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		al_err_errno(e, AL_EIO, "unable to open '%s'", path);
		return NULL;
	}
	al_examples *s = calloc(1, sizeof *s);
	long cap = 0, lineno = 0;
	char *line = NULL;
	size_t lc = 0;
	ssize_t len;
	while (s && (len = getline(&line, &lc, fp)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		if (s->n == cap) {
			cap = cap ? 2 * cap : 256;
			al_example *nx = realloc(s->xs, sizeof *nx * cap);
			if (!nx) {
				al_err_set(e, AL_ENOMEM, "out of memory");
				goto bad;
			}
			s->xs = nx;
		}
		if (al_example_parse(&s->xs[s->n], line, path, lineno, 1, e) < 0)
			goto bad;
		s->n++;
	}
	free(line);
	fclose(fp);
	if (s && s->n == 0) {
		al_err_set(e, AL_EFORMAT, "'%s' holds no examples", path);
		al_examples_free(s);
		return NULL;
	}
	return s;
bad:
	free(line);
	fclose(fp);
	al_examples_free(s);
	return NULL;
}

/* Open a build's shard and append it to s (al_catalog_shards_each). */
static int add_shard(void *ctx, const al_cat_shard *row, al_err *e)
{
	al_examples *s = ctx;
	al_shard **ns = realloc(s->shards, sizeof *ns * (s->nshards + 1));
	if (ns)
		s->shards = ns;
	long *nf = ns ? realloc(s->first, sizeof *nf * (s->nshards + 2)) : NULL;
	if (!nf)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	s->first = nf;
	al_shard *sh = al_shard_open(row->path, e);
	if (!sh)
		return e->code;
	s->shards[s->nshards] = sh;
	s->first[s->nshards] = s->n;
	s->n += (long)al_shard_count(sh);
	s->first[++s->nshards] = s->n;
	return 0;
}

al_examples *al_examples_builds(const char *catalog, const char *names, al_err *e)
{
	al_catalog *c = al_catalog_open_readonly(catalog, e);
	if (!c)
		return NULL;
	al_examples *s = calloc(1, sizeof *s);
	char *list = strdup(names), *save = NULL;
	if (!s || !list) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto bad;
	}
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char problem[1024] = "";
		int nbad;
		al_cat_build b;
		int rc = al_catalog_build_get(c, name, &b, e);
		if (rc < 0 && rc != AL_ENOTFOUND)
			goto bad;
		int found = rc == 0, complete = found && strcmp(b.status, "complete") == 0;
		if (found)
			al_cat_build_clear(&b);
		if (!complete) {
			al_err_set(e, AL_ENOTFOUND, "build '%s' is %s in '%s'; run adalink build first",
				   name, found ? "not complete" : "not", catalog);
			goto bad;
		}
		if (al_shards_verify(c, name, no_problem, problem, &nbad, e) < 0)
			goto bad;
		if (nbad) {
			al_err_set(e, AL_EFORMAT, "%s; 'adalink shards verify' lists them all, "
				   "'adalink build --replace' rebuilds", problem);
			goto bad;
		}
		if (al_catalog_shards_each(c, name, add_shard, s, e) < 0)
			goto bad;
	}
	free(list);
	al_catalog_close(c);
	if (s->n == 0) {
		al_err_set(e, AL_EFORMAT, "builds '%s' hold no examples", names);
		al_examples_free(s);
		return NULL;
	}
	return s;
bad:
	free(list);
	al_catalog_close(c);
	al_examples_free(s);
	return NULL;
}

al_examples *al_examples_made(const al_examples_source *src, al_err *e)
{
	al_examples *s = calloc(1, sizeof *s);
	int k = src->nshards > 0 ? src->nshards : 1;
	if (!s || !(s->first = malloc(sizeof *s->first * (size_t)(k + 1)))) {
		free(s);
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	s->made = *src;
	s->n = src->n;
	s->nshards = k;
	for (int i = 0; i <= k; i++)   /* k groups of (nearly) equal size */
		s->first[i] = (long)((double)src->n * i / k);
	return s;
}

void al_examples_free(al_examples *s)
{
	if (!s)
		return;
	if (s->made.free)
		s->made.free(s->made.ctx);
	for (long i = 0; s->xs && i < s->n; i++)
		al_example_clear(&s->xs[i]);
	free(s->xs);
	for (int i = 0; s->shards && i < s->nshards; i++)
		al_shard_close(s->shards[i]);
	free(s->shards);
	free(s->first);
	free(s);
}

long al_examples_count(const al_examples *s) { return s->n; }

int al_examples_get(const al_examples *s, long i, uint64_t pick, al_example *x, al_err *e)
{
	if (s->xs) {
		*x = s->xs[i];
		return 0;
	}
	if (s->made.get) {
		memset(x, 0, sizeof *x);
		return s->made.get(s->made.ctx, i, pick, x, e);
	}
	uint64_t at = 0;
	const al_shard *sh = s->shards[locate(s, i, &at)];
	al_shard_example se;
	memset(x, 0, sizeof *x);
	if (al_shard_get(sh, at, &se, e) < 0)
		return e->code;
	if (se.n_targets == 0)
		return al_err_set(e, AL_EFORMAT, "example '%.*s' has no target", (int)se.id_len, se.id);
	snprintf(x->id, sizeof x->id, "%.*s", (int)(se.id_len < sizeof x->id - 1 ? se.id_len : sizeof x->id - 1), se.id);
	snprintf(x->task, sizeof x->task, "%.*s", (int)(se.task_len < sizeof x->task - 1 ? se.task_len : sizeof x->task - 1), se.task);
	uint32_t k = (uint32_t)(pick % se.n_targets), off = 0;
	for (uint32_t t = 0; t < k; t++)
		off += se.target_lens[t];
	x->n_in = (int)se.n_input;
	x->n_tgt = (int)se.target_lens[k];
	x->input_ids = malloc(sizeof(int) * (x->n_in + 1));
	x->target_ids = malloc(sizeof(int) * (x->n_tgt + 1));
	if (!x->input_ids || !x->target_ids) {
		al_example_clear(x);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	for (int j = 0; j < x->n_in; j++)
		x->input_ids[j] = (int)se.input[j];
	for (int j = 0; j < x->n_tgt; j++)
		x->target_ids[j] = (int)se.targets[off + j];
	if (se.n_patches) {
		uint32_t D = al_shard_patch_dim(sh);
		size_t n = (size_t)se.n_patches * D;
		x->image = malloc(sizeof(float) * n);
		if (!x->image) {
			al_example_clear(x);
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		int bf = al_shard_patch_dtype(sh) == AL_SHARD_BF16;
		for (size_t j = 0; j < n; j++)
			x->image[j] = bf ? al_bf16_to_f32(se.patches[j]) : al_f16_to_f32(se.patches[j]);
		x->n_patches = (int)se.n_patches;
		x->image_dim = (int)D;
	}
	return 0;
}

int al_examples_ntargets(const al_examples *s, long i)
{
	if (s->xs || s->made.get)
		return 1;
	al_shard_example se;
	uint64_t at = 0;
	const al_shard *sh = s->shards[locate(s, i, &at)];   /* at is set by now */
	if (al_shard_get(sh, at, &se, NULL) < 0)
		return 0;
	return (int)se.n_targets;
}

void al_examples_release(const al_examples *s, al_example *x)
{
	if (!s->xs)
		al_example_clear(x);
	else
		memset(x, 0, sizeof *x);
}

const char *al_examples_task(const al_examples *s, long i, char *buf, size_t n)
{
	if (s->xs) {
		snprintf(buf, n, "%s", s->xs[i].task);
		return buf;
	}
	if (s->made.get) {
		buf[0] = 0;
		return buf;
	}
	al_shard_example se;
	uint64_t at = 0;
	buf[0] = 0;
	const al_shard *sh = s->shards[locate(s, i, &at)];   /* at is set by now */
	if (al_shard_get(sh, at, &se, NULL) == 0)
		snprintf(buf, n, "%.*s", (int)se.task_len, se.task);
	return buf;
}

int al_examples_shards(const al_examples *s) { return s->xs ? 1 : s->nshards; }

long al_examples_shard_first(const al_examples *s, int k) { return s->xs ? 0 : s->first[k]; }

long al_examples_shard_count(const al_examples *s, int k)
{
	return s->xs ? s->n : s->first[k + 1] - s->first[k];
}

/* ---- the reader: shuffled shards, a shuffle buffer ---- */

struct al_examples_reader {
	const al_examples *s;
	uint64_t seed;
	long cap;             /* buffer capacity */
	int nunits;           /* shards (JSONL: 1) */
	/* the state */
	long epoch;
	al_rng rng;
	int *order;           /* [nunits] this epoch's shard order */
	int at;               /* order[at] is the shard being read */
	long example;         /* next example of that shard */
	long read, handed;
	long *buf, fill;      /* global indices */
};

/* The next example read from the shards, or 0 at the epoch's end. */
static int pull(al_examples_reader *r, long *i)
{
	while (r->at < r->nunits &&
	       r->example >= al_examples_shard_count(r->s, r->order[r->at])) {
		r->at++;
		r->example = 0;
	}
	if (r->at == r->nunits)
		return 0;
	*i = al_examples_shard_first(r->s, r->order[r->at]) + r->example++;
	r->read++;
	return 1;
}

static void start_epoch(al_examples_reader *r, long ep)
{
	r->epoch = ep;
	al_rng_seed(&r->rng, r->seed * 1000003u + (uint64_t)ep);
	for (int k = 0; k < r->nunits; k++)
		r->order[k] = k;
	for (int k = r->nunits - 1; k > 0; k--) {
		int j = (int)al_rng_below(&r->rng, (uint64_t)k + 1), t = r->order[k];
		r->order[k] = r->order[j];
		r->order[j] = t;
	}
	r->at = 0;
	r->example = r->read = r->handed = r->fill = 0;
	while (r->fill < r->cap && pull(r, &r->buf[r->fill]))
		r->fill++;
}

al_examples_reader *al_examples_reader_new(const al_examples *s, uint64_t seed, long buffer,
					   al_err *e)
{
	al_examples_reader *r = calloc(1, sizeof *r);
	if (!r)
		goto oom;
	r->s = s;
	r->seed = seed;
	r->cap = buffer > 0 ? buffer : AL_EXAMPLES_BUFFER;
	if (r->cap > s->n)
		r->cap = s->n;   /* a bigger buffer would only hold all of them */
	r->nunits = al_examples_shards(s);
	if (!(r->order = malloc(sizeof *r->order * (size_t)r->nunits)) ||
	    !(r->buf = malloc(sizeof *r->buf * (size_t)(r->cap ? r->cap : 1))))
		goto oom;
	start_epoch(r, 0);
	return r;
oom:
	al_examples_reader_free(r);
	al_err_set(e, AL_ENOMEM, "out of memory");
	return NULL;
}

void al_examples_reader_free(al_examples_reader *r)
{
	if (!r)
		return;
	free(r->order);
	free(r->buf);
	free(r);
}

long al_examples_reader_next(al_examples_reader *r)
{
	if (r->fill == 0)
		start_epoch(r, r->epoch + 1);
	long j = (long)al_rng_below(&r->rng, (uint64_t)r->fill), i = r->buf[j];
	if (!pull(r, &r->buf[j]))
		r->buf[j] = r->buf[--r->fill];
	r->handed++;
	return i;
}

void al_examples_reader_pos(const al_examples_reader *r, al_examples_pos *p)
{
	p->epoch = r->epoch;
	p->shard = r->at < r->nunits ? r->order[r->at] : -1;
	p->example = r->example;
	p->read = r->read;
	p->handed = r->handed;
	p->buffered = r->fill;
}

void al_examples_reader_seek(al_examples_reader *r, uint64_t n)
{
	start_epoch(r, 0);
	for (uint64_t k = 0; k < n; k++)
		al_examples_reader_next(r);
}

enum { ST_VERSION = 1, ST_HEAD = 16 };

int al_examples_reader_save(const al_examples_reader *r, uint64_t **words, size_t *n, al_err *e)
{
	size_t len = ST_HEAD + (size_t)r->nunits + (size_t)r->fill;
	uint64_t *w = malloc(sizeof *w * len);
	if (!w)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	uint64_t head[ST_HEAD] = {ST_VERSION, r->seed, (uint64_t)r->cap, (uint64_t)r->nunits,
				  (uint64_t)r->s->n, (uint64_t)r->epoch, (uint64_t)r->at,
				  (uint64_t)r->example, (uint64_t)r->read, (uint64_t)r->handed,
				  (uint64_t)r->fill, r->rng.s[0], r->rng.s[1], r->rng.s[2], r->rng.s[3], 0};
	memcpy(w, head, sizeof head);
	for (int k = 0; k < r->nunits; k++)
		w[ST_HEAD + k] = (uint64_t)r->order[k];
	for (long k = 0; k < r->fill; k++)
		w[ST_HEAD + r->nunits + k] = (uint64_t)r->buf[k];
	*words = w;
	*n = len;
	return 0;
}

int al_examples_reader_restore(al_examples_reader *r, const uint64_t *w, size_t n, al_err *e)
{
	if (n < ST_HEAD || w[0] != ST_VERSION)
		return al_err_set(e, AL_EFORMAT, "the saved example order is not one this adalink "
				  "writes (version %llu)", n ? (unsigned long long)w[0] : 0ULL);
	if (w[1] != r->seed || w[2] != (uint64_t)r->cap || w[3] != (uint64_t)r->nunits ||
	    w[4] != (uint64_t)r->s->n)
		return al_err_set(e, AL_EFORMAT, "the saved example order is of %llu examples in %llu "
				  "shards, seed %llu, a buffer of %llu; this run has %ld in %d, seed "
				  "%llu, %ld: give the same data and options to resume",
				  (unsigned long long)w[4], (unsigned long long)w[3],
				  (unsigned long long)w[1], (unsigned long long)w[2], r->s->n, r->nunits,
				  (unsigned long long)r->seed, r->cap);
	uint64_t fill = w[10], units = (uint64_t)r->nunits;
	if (fill > (uint64_t)r->cap || n != ST_HEAD + units + fill || w[6] > units)
		return al_err_set(e, AL_EFORMAT, "the saved example order is damaged");
	for (uint64_t k = 0; k < units + fill; k++)
		if (w[ST_HEAD + k] >= (k < units ? units : (uint64_t)r->s->n))
			return al_err_set(e, AL_EFORMAT, "the saved example order is damaged");
	r->epoch = (long)w[5];
	r->at = (int)w[6];
	r->example = (long)w[7];
	r->read = (long)w[8];
	r->handed = (long)w[9];
	r->fill = (long)fill;
	memcpy(r->rng.s, w + 11, sizeof r->rng.s);
	for (uint64_t k = 0; k < units; k++)
		r->order[k] = (int)w[ST_HEAD + k];
	for (uint64_t k = 0; k < fill; k++)
		r->buf[k] = (long)w[ST_HEAD + units + k];
	return 0;
}
