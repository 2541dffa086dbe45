/* examples.c: training examples from JSONL or from shards. */
#include "examples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog.h"
#include "lib/rng.h"
#include "lib/safetensors.h"
#include "pipeline/shard.h"
#include "pipeline/shards.h"

struct al_examples {
	/* JSONL */
	al_example *xs;
	long n;
	/* shards: every example as (shard, index) */
	al_shard **shards;
	int nshards;
	int *which;
	uint64_t *at;
};

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

al_examples *al_examples_builds(const char *catalog, const char *names, al_err *e)
{
	al_catalog *c = al_catalog_open(catalog, e);
	if (!c)
		return NULL;
	al_examples *s = calloc(1, sizeof *s);
	char *list = strdup(names), *save = NULL;
	long cap = 0;
	if (!s || !list) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		goto bad;
	}
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char problem[1024] = "";
		int nbad;
		sqlite3_stmt *q;
		sqlite3_prepare_v2(al_catalog_db(c), "SELECT status FROM builds WHERE name = ?", -1, &q, NULL);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		int found = sqlite3_step(q) == SQLITE_ROW;
		int complete = found && strcmp((const char *)sqlite3_column_text(q, 0), "complete") == 0;
		sqlite3_finalize(q);
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
		sqlite3_prepare_v2(al_catalog_db(c), "SELECT s.path FROM shards s JOIN builds b ON "
				   "b.id = s.build_id WHERE b.name = ? ORDER BY s.seq", -1, &q, NULL);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			al_shard **ns = realloc(s->shards, sizeof *ns * (s->nshards + 1));
			if (!ns) {
				sqlite3_finalize(q);
				al_err_set(e, AL_ENOMEM, "out of memory");
				goto bad;
			}
			s->shards = ns;
			al_shard *sh = al_shard_open((const char *)sqlite3_column_text(q, 0), e);
			if (!sh) {
				sqlite3_finalize(q);
				goto bad;
			}
			s->shards[s->nshards] = sh;
			for (uint64_t i = 0; i < al_shard_count(sh); i++) {
				if (s->n == cap) {
					cap = cap ? 2 * cap : 1024;
					int *w = realloc(s->which, sizeof *w * cap);
					uint64_t *a = w ? realloc(s->at, sizeof *a * cap) : NULL;
					if (w)
						s->which = w;
					if (!w || !a) {
						sqlite3_finalize(q);
						al_err_set(e, AL_ENOMEM, "out of memory");
						goto bad;
					}
					s->at = a;
				}
				s->which[s->n] = s->nshards;
				s->at[s->n] = i;
				s->n++;
			}
			s->nshards++;
		}
		sqlite3_finalize(q);
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

void al_examples_free(al_examples *s)
{
	if (!s)
		return;
	for (long i = 0; s->xs && i < s->n; i++)
		al_example_clear(&s->xs[i]);
	free(s->xs);
	for (int i = 0; i < s->nshards; i++)
		al_shard_close(s->shards[i]);
	free(s->shards);
	free(s->which);
	free(s->at);
	free(s);
}

long al_examples_count(const al_examples *s) { return s->n; }

int al_examples_get(const al_examples *s, long i, uint64_t pick, al_example *x, al_err *e)
{
	if (s->xs) {
		*x = s->xs[i];
		return 0;
	}
	const al_shard *sh = s->shards[s->which[i]];
	al_shard_example se;
	memset(x, 0, sizeof *x);
	if (al_shard_get(sh, s->at[i], &se, e) < 0)
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
	al_shard_example se;
	buf[0] = 0;
	if (al_shard_get(s->shards[s->which[i]], s->at[i], &se, NULL) == 0)
		snprintf(buf, n, "%.*s", (int)se.task_len, se.task);
	return buf;
}

void al_examples_order(long count, uint64_t seed, long ep, int *order)
{
	al_rng r;
	al_rng_seed(&r, seed * 1000003u + (uint64_t)ep);
	for (long i = 0; i < count; i++)
		order[i] = (int)i;
	for (long i = count - 1; i > 0; i--) {
		long j = (long)al_rng_below(&r, (uint64_t)i + 1);
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}
