/* shards_admin.c: verify builds' shards, read their examples back, remove
 * builds. */
#include "shards_admin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/catalog_builds.h"

typedef struct verify_ctx {
	al_verify_fn fn;
	void *ctx;
	int *bad;
} verify_ctx;

static int verify_one(void *arg, const al_cat_shard *row, al_err *e)
{
	verify_ctx *v = arg;
	const char *path = row->path, *sum = row->checksum;
	uint64_t examples = (uint64_t)row->examples, bytes = (uint64_t)row->bytes;
	char problem[1200] = "";
	struct stat st;
	al_err ee = {0};
	al_shard *s = NULL;
	(void)e;
	if (stat(path, &st) != 0)
		snprintf(problem, sizeof problem, "missing: %s", strerror(errno));
	else if ((uint64_t)st.st_size != bytes)
		snprintf(problem, sizeof problem, "%jd bytes; the catalog says %" PRIu64
			 " (truncated or changed)", (intmax_t)st.st_size, bytes);
	else if (!(s = al_shard_open(path, &ee)))
		snprintf(problem, sizeof problem, "%s", ee.msg);
	else if (al_shard_count(s) != examples)
		snprintf(problem, sizeof problem, "%" PRIu64 " examples; the catalog says %"
			 PRIu64, al_shard_count(s), examples);
	else if (al_shard_verify(s, &ee) < 0)
		snprintf(problem, sizeof problem, "%s", ee.msg);
	else {
		char hex[17];
		snprintf(hex, sizeof hex, "%016" PRIx64, al_shard_checksum(s));
		if (strcmp(hex, sum) != 0)
			snprintf(problem, sizeof problem, "checksum %s; the catalog says %s "
				 "(replaced by another shard?)", hex, sum);
	}
	al_shard_close(s);
	if (*problem)
		(*v->bad)++;
	v->fn(v->ctx, row->build, path, *problem ? problem : NULL);
	return 0;
}

int al_shards_verify(al_catalog *c, const char *name, al_verify_fn fn, void *ctx, int *bad,
		     al_err *e)
{
	verify_ctx v = {fn, ctx, bad};
	*bad = 0;
	return al_catalog_shards_each(c, name, verify_one, &v, e);
}

typedef struct each_ctx {
	al_example_fn fn;
	void *ctx;
	int found;
} each_ctx;

static int each_in_shard(void *arg, const al_cat_shard *row, al_err *e)
{
	each_ctx *x = arg;
	int rc = 0;
	x->found = 1;
	al_shard *s = al_shard_open(row->path, e);
	if (!s)
		return e->code;
	for (uint64_t i = 0; rc == 0 && i < al_shard_count(s); i++) {
		al_shard_example ex;
		if ((rc = al_shard_get(s, i, &ex, e)) == 0)
			rc = x->fn(x->ctx, &ex, e);
	}
	al_shard_close(s);
	return rc;
}

int al_shards_each_example(al_catalog *c, const char *name, al_example_fn fn, void *ctx,
			   al_err *e)
{
	each_ctx x = {fn, ctx, 0};
	int rc = al_catalog_shards_each(c, name, each_in_shard, &x, e);
	if (rc == 0 && !x.found)
		rc = al_err_set(e, AL_ENOTFOUND, "no shards of a build '%s' in '%s'", name,
				al_catalog_path(c));
	return rc;
}

typedef struct paths {
	char **v;
	size_t n, cap;
} paths;

static int add_path(void *arg, const al_cat_shard *row, al_err *e)
{
	paths *p = arg;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		char **np = realloc(p->v, cap * sizeof *np);
		if (!np)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		p->v = np;
		p->cap = cap;
	}
	if (!(p->v[p->n] = strdup(row->path)))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	p->n++;
	return 0;
}

int al_shards_remove(al_catalog *c, const char *name, al_err *e)
{
	/* The rows go first, in one transaction; then the files.  A crash in
	 * between leaves files nothing refers to, never rows without files. */
	paths p = {0};
	int rc;
	if ((rc = al_catalog_begin(c, e)) < 0)
		return rc;
	if ((rc = al_catalog_shards_each(c, name, add_path, &p, e)) < 0 ||
	    (rc = al_catalog_build_delete_named(c, name, e)) < 0)
		al_catalog_rollback(c);
	else if ((rc = al_catalog_commit(c, e)) < 0)
		al_catalog_rollback(c);
	for (size_t i = 0; i < p.n; i++) {
		if (rc == 0)
			unlink(p.v[i]);
		free(p.v[i]);
	}
	free(p.v);
	return rc;
}
