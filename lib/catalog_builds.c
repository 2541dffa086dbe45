/* catalog_builds.c: the statements on builds and shards. */
#include "catalog_builds.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog_impl.h"

/* ---- paths: stored relative to the catalog's folder when under it ---- */

/* The catalog's folder as given (usable from here): "" for the current
 * one, else ending in '/'. */
static void cat_dir(const al_catalog *c, char *buf, size_t n)
{
	const char *slash = strrchr(c->path, '/');
	if (!slash)
		buf[0] = 0;
	else
		snprintf(buf, n, "%.*s", (int)(slash - c->path + 1), c->path);
}

/* The form a file base in folder dir (both usable from here; base NULL:
 * the folder itself) is stored in: relative to the catalog's folder if it
 * lies under it, else absolute, with every symbolic link of the folders
 * resolved (a folder that does not exist is taken as written).  NULL
 * and e filled on failure. */
static char *stored_in(const al_catalog *c, const char *dir, const char *base, al_err *e)
{
	char real[PATH_MAX], creal[PATH_MAX], cd[PATH_MAX + 2];
	cat_dir(c, cd, sizeof cd);
	if (!realpath(*cd ? cd : ".", creal)) {
		al_err_errno(e, AL_EIO, "unable to resolve the folder of catalog '%s'", c->path);
		return NULL;
	}
	/* a folder that is not there (yet): taken as written, from here */
	if (!realpath(dir, real)) {
		char here[PATH_MAX];
		if (dir[0] != '/' && !getcwd(here, sizeof here)) {
			al_err_errno(e, AL_EIO, "unable to resolve the folder '%s'", dir);
			return NULL;
		}
		if (snprintf(real, sizeof real, "%s%s%s", dir[0] == '/' ? "" : here,
			     dir[0] == '/' ? "" : "/", dir) >= (int)sizeof real) {
			al_err_set(e, AL_EINVAL, "'%s': path too long", dir);
			return NULL;
		}
	}
	size_t n = strlen(creal), need = strlen(real) + (base ? strlen(base) : 0) + 3;
	const char *rel = NULL;
	if (strcmp(real, creal) == 0)
		rel = "";
	else if (strncmp(real, creal, n) == 0 && (real[n] == '/' || n == 1))
		rel = real + n + (n > 1);
	char *out = malloc(need);
	if (!out) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	const char *d = rel ? rel : real;
	if (!base)
		snprintf(out, need, "%s", *d ? d : ".");
	else
		snprintf(out, need, "%s%s%s", d, *d && strcmp(d, "/") ? "/" : "", base);
	return out;
}

/* The stored form of a file path usable from here. */
static char *stored_form(const al_catalog *c, const char *path, al_err *e)
{
	char dir[PATH_MAX + 2];
	const char *slash = strrchr(path, '/');
	if (!slash)
		return stored_in(c, ".", path, e);
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
	return stored_in(c, dir, slash + 1, e);
}

/* A stored path made usable from here into buf: absolute as it is;
 * relative, joined to the catalog's folder; of a version 1 row (cwd 1),
 * relative to here as it was written, or failing that to the catalog's
 * folder. */
static const char *resolve(const al_catalog *c, const char *stored, int cwd, char *buf,
			   size_t n)
{
	char cd[PATH_MAX + 2];
	if (!stored || stored[0] == '/' || (cwd && access(stored, F_OK) == 0))
		return stored;
	cat_dir(c, cd, sizeof cd);
	snprintf(buf, n, "%s%s", cd, stored);
	return buf;
}

void al_cat_build_clear(al_cat_build *b)
{
	char **s[] = {&b->name, &b->dataset, &b->split, &b->task, &b->tokenizer_sha256,
		      &b->vision_sha256, &b->sources, &b->params, &b->tool_version, &b->status,
		      &b->created, &b->finished, &b->out_dir};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		free(*s[i]);
	memset(b, 0, sizeof *b);
}

int al_catalog_build_get(al_catalog *c, const char *name, al_cat_build *b, al_err *e)
{
	static const char what[] = "looking up the build";
	sqlite3_stmt *st;
	memset(b, 0, sizeof *b);
	int rc = al_cat_prepare(c, &st, what, e,
				"SELECT id, name, dataset, split, task, tokenizer_sha256, "
				"vision_sha256, sources, params, tool_version, status, created, "
				"finished, out_dir FROM builds WHERE name = ?", "t", name);
	if (rc < 0)
		return rc;
	rc = al_cat_step(c, st, what, e);
	if (rc > 0) {
		char **s[] = {&b->name, &b->dataset, &b->split, &b->task, &b->tokenizer_sha256,
			      &b->vision_sha256, &b->sources, &b->params, &b->tool_version,
			      &b->status, &b->created, &b->finished};
		b->id = sqlite3_column_int64(st, 0);
		rc = 0;
		for (size_t i = 0; rc == 0 && i < sizeof s / sizeof *s; i++)
			rc = al_cat_dup(st, (int)i + 1, s[i], e);
		char buf[PATH_MAX * 2];
		const char *od = al_cat_col(st, 13);
		if (rc == 0 && od && !(b->out_dir = strdup(resolve(c, od, 0, buf, sizeof buf))))
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
		if (rc < 0)
			al_cat_build_clear(b);
	} else if (rc == 0) {
		rc = al_err_set(e, AL_ENOTFOUND, "no build '%s' in '%s'", name, al_catalog_path(c));
	}
	sqlite3_finalize(st);
	return rc;
}

int al_catalog_build_add(al_catalog *c, const al_cat_build *b, long long *id, al_err *e)
{
	char *od = NULL;
	if (b->out_dir && !(od = stored_in(c, b->out_dir, NULL, e)))
		return e->code;
	int rc = al_cat_do(c, "recording the build", e,
			    "INSERT INTO builds(name, dataset, split, task, tokenizer_sha256, "
			    "vision_sha256, sources, params, tool_version, out_dir) VALUES (?, ?, ?, "
			    "?, ?, ?, ?, ?, ?, ?)", "tttttttttt", b->name,
			    b->dataset, b->split, b->task, b->tokenizer_sha256, b->vision_sha256,
			    b->sources, b->params, b->tool_version, od);
	free(od);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(al_catalog_db(c));
	return rc;
}

int al_catalog_build_complete(al_catalog *c, long long id, al_err *e)
{
	return al_cat_do(c, "completing the build", e,
			  "UPDATE builds SET status = 'complete', finished = "
			  "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", "i", id);
}

int al_catalog_build_reopen(al_catalog *c, long long id, al_err *e)
{
	return al_cat_do(c, "reopening the build", e, "UPDATE builds SET status = 'building', "
			  "finished = NULL WHERE id = ?", "i", id);
}

int al_catalog_build_delete(al_catalog *c, long long id, al_err *e)
{
	return al_cat_do(c, "removing a build", e, "DELETE FROM builds WHERE id = ?", "i", id);
}

int al_catalog_build_delete_named(al_catalog *c, const char *name, al_err *e)
{
	int rc = al_cat_do(c, "removing a build", e, "DELETE FROM builds WHERE name = ?", "t",
			    name);
	if (rc == 0 && sqlite3_changes(al_catalog_db(c)) == 0)
		rc = al_err_set(e, AL_ENOTFOUND, "no build '%s' in '%s'", name, al_catalog_path(c));
	return rc;
}

int al_catalog_builds_each(al_catalog *c, al_cat_build_fn fn, void *ctx, al_err *e)
{
	static const char what[] = "listing the builds";
	sqlite3_stmt *st;
	int rc = al_cat_prepare(c, &st, what, e,
				"SELECT b.name, b.dataset, b.split, b.task, b.status, count(s.id), "
				"coalesce(sum(s.examples), 0), coalesce(sum(s.bytes), 0), b.created "
				"FROM builds b LEFT JOIN shards s ON s.build_id = b.id "
				"GROUP BY b.id ORDER BY b.name", "");
	if (rc < 0)
		return rc;
	while ((rc = al_cat_step(c, st, what, e)) > 0) {
		al_cat_build_sum b = {
			al_cat_col(st, 0), al_cat_col(st, 1), al_cat_col(st, 2), al_cat_col(st, 3),
			al_cat_col(st, 4), sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
			sqlite3_column_int64(st, 7), al_cat_col(st, 8),
		};
		if ((rc = fn(ctx, &b, e)) < 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int al_catalog_shard_add(al_catalog *c, const al_cat_shard *s, al_err *e)
{
	char *path = stored_form(c, s->path, e);
	if (!path)
		return e->code;
	int rc = al_cat_do(c, "recording a shard", e,
			    "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum, "
			    "path_base) VALUES (?, ?, ?, ?, ?, ?, 'catalog')", "iitiit", s->build_id,
			    s->seq, path, s->examples, s->bytes, s->checksum);
	free(path);
	return rc;
}

/* The walk of al_catalog_shards_each and al_catalog_build_shards_each. */
static int shards_walk(al_catalog *c, sqlite3_stmt *st, al_cat_shard_fn fn, void *ctx,
		       al_err *e)
{
	int rc;
	char buf[PATH_MAX * 2];
	while ((rc = al_cat_step(c, st, "reading the shards", e)) > 0) {
		const char *base = al_cat_col(st, 7), *stored = al_cat_col(st, 3);
		al_cat_shard s = {
			sqlite3_column_int64(st, 0), al_cat_col(st, 1), sqlite3_column_int64(st, 2),
			resolve(c, stored, !base || strcmp(base, "catalog") != 0, buf, sizeof buf),
			sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), al_cat_col(st, 6),
			stored,
		};
		if ((rc = fn(ctx, &s, e)) < 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

#define SHARD_COLUMNS "SELECT s.build_id, b.name, s.seq, s.path, s.examples, s.bytes, " \
	"s.checksum, s.path_base FROM shards s JOIN builds b ON b.id = s.build_id "

int al_catalog_shards_each(al_catalog *c, const char *name, al_cat_shard_fn fn, void *ctx,
			   al_err *e)
{
	sqlite3_stmt *st;
	int rc = al_cat_prepare(c, &st, "reading the shards", e, SHARD_COLUMNS
				"WHERE ?1 IS NULL OR b.name = ?1 ORDER BY b.name, s.seq", "t", name);
	return rc < 0 ? rc : shards_walk(c, st, fn, ctx, e);
}

int al_catalog_build_shards_each(al_catalog *c, long long build_id, al_cat_shard_fn fn,
				 void *ctx, al_err *e)
{
	sqlite3_stmt *st;
	int rc = al_cat_prepare(c, &st, "reading the shards", e, SHARD_COLUMNS
				"WHERE s.build_id = ? ORDER BY s.seq", "i", build_id);
	return rc < 0 ? rc : shards_walk(c, st, fn, ctx, e);
}
