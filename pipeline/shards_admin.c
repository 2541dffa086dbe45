/* shards_admin.c: verify builds' shards, read their examples back, remove
 * builds. */
#include "shards_admin.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/catalog_builds.h"
#include "lib/fault.h"

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
	char hex[17];
	if (!s)
		return e->code;
	snprintf(hex, sizeof hex, "%016" PRIx64, al_shard_checksum(s));
	if ((rc = al_shard_verify(s, e)) == 0 && strcmp(hex, row->checksum) != 0)
		rc = al_err_set(e, AL_EFORMAT, "'%s': checksum %s; the catalog says %s (replaced "
				"by another shard?)", row->path, hex, row->checksum);
	if (rc < 0)
		al_err_wrap(e, "build '%s'", row->build);
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

/* ---- removing a build: only its own shard files ---- */

typedef struct owned {
	long long seq, bytes;
	char *path, *checksum;
} owned;

typedef struct owned_list {
	owned *v;
	size_t n, cap;
} owned_list;

static int add_owned(void *arg, const al_cat_shard *row, al_err *e)
{
	owned_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		owned *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		l->v = nv;
		l->cap = cap;
	}
	owned *o = &l->v[l->n];
	o->seq = row->seq;
	o->bytes = row->bytes;
	o->path = strdup(row->path);
	o->checksum = strdup(row->checksum ? row->checksum : "");
	if (!o->path || !o->checksum) {
		free(o->path);
		free(o->checksum);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	l->n++;
	return 0;
}

static void owned_free(owned_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].checksum);
	}
	free(l->v);
}

/* The real path of path's folder into out (PATH_MAX). */
static int real_dir(const char *path, char *out)
{
	char dir[PATH_MAX + 2];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
	return realpath(dir, out) ? 0 : -1;
}

/* Why o->path is not shard o->seq of build name in folder dir (real
 * path), into why; 0 when it is (or is gone), -1 when it is not. */
static int not_ours(const owned *o, const char *name, const char *dir, char *why, size_t n)
{
	struct stat st;
	char rd[PATH_MAX], want[300];
	const char *slash = strrchr(o->path, '/'), *base = slash ? slash + 1 : o->path;
	al_err e = {0};
	if (lstat(o->path, &st) != 0)
		return 0;   /* gone already */
	snprintf(want, sizeof want, "%s-%05lld.als", name, o->seq);
	if (!S_ISREG(st.st_mode))
		snprintf(why, n, "not a regular file");
	else if (strcmp(base, want) != 0)
		snprintf(why, n, "a shard of this build is named '%s'", want);
	else if (real_dir(o->path, rd) < 0 || strcmp(rd, dir) != 0)
		snprintf(why, n, "not in the build's folder '%s'", dir);
	else {
		al_shard *s = al_shard_open(o->path, &e);
		char hex[17];
		if (!s) {
			snprintf(why, n, "%s", e.msg);
			return -1;
		}
		snprintf(hex, sizeof hex, "%016" PRIx64, al_shard_checksum(s));
		al_shard_close(s);
		if (strcmp(hex, o->checksum) != 0 || st.st_size != o->bytes)
			snprintf(why, n, "its checksum %s and size %jd are not the catalog's %s "
				 "and %lld", hex, (intmax_t)st.st_size, o->checksum, o->bytes);
		else
			return 0;
	}
	return -1;
}

/* Is name (in a build's folder) a temporary file of build's shards:
 * BUILD-NNNNN.als.tmp.XXXXXX? */
static int is_temporary(const char *name, const char *build)
{
	size_t n = strlen(build), len = strlen(name);
	if (strncmp(name, build, n) != 0 || name[n] != '-' || len != n + 1 + 5 + 4 + 5 + 6)
		return 0;
	for (size_t i = n + 1; i < n + 6; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return strncmp(name + n + 6, ".als.tmp.", 9) == 0;
}

/* Does the file at path start as a shard in the making does: nothing
 * yet, the zero header written first, or the shard magic? */
static int looks_unfinished(const char *path)
{
	unsigned char b[8] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t got = fread(b, 1, sizeof b, f);
	fclose(f);
	static const unsigned char zero[8];
	return got == 0 || memcmp(b, zero, got) == 0 || (got == 8 && memcmp(b, AL_SHARD_MAGIC, 8) == 0);
}

int al_shards_sweep(const char *dir, const char *build)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		if (!is_temporary(de->d_name, build))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && looks_unfinished(path)) {
			al_fault(AL_FAULT_UNLINK);
			removed += unlink(path) == 0;
		}
	}
	closedir(d);
	return removed;
}

int al_shards_drop(al_catalog *c, const al_cat_build *b, al_err *e)
{
	owned_list l = {0};
	char dir[PATH_MAX] = "", why[1200];
	int rc = al_catalog_build_shards_each(c, b->id, add_owned, &l, e);
	if (rc < 0)
		goto out;
	/* the build's folder: recorded, or (schema version 1) its first shard's */
	if (b->out_dir ? !realpath(b->out_dir, dir) : l.n && real_dir(l.v[0].path, dir) < 0)
		dir[0] = 0;
	for (size_t i = 0; i < l.n; i++)
		if (not_ours(&l.v[i], b->name, dir, why, sizeof why) < 0) {
			rc = al_err_set(e, AL_EINVAL, "refusing to remove '%s', which the catalog "
					"names as shard %lld of build '%s': %s; nothing was removed "
					"(move the file away if the build should go)", l.v[i].path,
					l.v[i].seq, b->name, why);
			goto out;
		}
	/* killed from here on, the build is "building": the next build of the
	 * same name, or shards rm, finishes the removal */
	if (b->status && strcmp(b->status, "complete") == 0 &&
	    (rc = al_catalog_build_reopen(c, b->id, e)) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		al_fault(AL_FAULT_UNLINK);
		if (unlink(l.v[i].path) != 0 && errno != ENOENT) {
			rc = al_err_errno(e, AL_EIO, "unable to remove '%s'", l.v[i].path);
			goto out;
		}
	}
	if (*dir)
		al_shards_sweep(dir, b->name);
	rc = al_catalog_build_delete(c, b->id, e);
out:
	owned_free(&l);
	return rc;
}

int al_shards_remove(al_catalog *c, const char *name, al_err *e)
{
	al_cat_build b;
	int rc = al_catalog_lock_build(c, name, e);
	if (rc < 0 || (rc = al_catalog_build_get(c, name, &b, e)) < 0)
		return rc;
	rc = al_shards_drop(c, &b, e);
	al_cat_build_clear(&b);
	return rc;
}
