/* catalog_builds.c: the statements on builds and shards. */
#include "catalog_builds.h"

#include <stdlib.h>
#include <string.h>

#include "catalog_impl.h"

void al_cat_build_clear(al_cat_build *b)
{
	char **s[] = {&b->name, &b->dataset, &b->split, &b->task, &b->tokenizer_sha256,
		      &b->vision_sha256, &b->sources, &b->params, &b->tool_version, &b->status,
		      &b->created, &b->finished};
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
				"finished FROM builds WHERE name = ?", "t", name);
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
	int rc = al_cat_do(c, "recording the build", e,
			    "INSERT INTO builds(name, dataset, split, task, tokenizer_sha256, "
			    "vision_sha256, sources, params, tool_version) VALUES (?, ?, ?, ?, ?, ?, "
			    "?, ?, ?)", "ttttttttt", b->name,
			    b->dataset, b->split, b->task, b->tokenizer_sha256, b->vision_sha256,
			    b->sources, b->params, b->tool_version);
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
	return al_cat_do(c, "recording a shard", e,
			  "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum) "
			  "VALUES (?, ?, ?, ?, ?, ?)", "iitiit", s->build_id, s->seq, s->path,
			  s->examples, s->bytes, s->checksum);
}

/* The walk of al_catalog_shards_each and al_catalog_build_shards_each. */
static int shards_walk(al_catalog *c, sqlite3_stmt *st, al_cat_shard_fn fn, void *ctx,
		       al_err *e)
{
	int rc;
	while ((rc = al_cat_step(c, st, "reading the shards", e)) > 0) {
		al_cat_shard s = {
			sqlite3_column_int64(st, 0), al_cat_col(st, 1), sqlite3_column_int64(st, 2),
			al_cat_col(st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
			al_cat_col(st, 6),
		};
		if ((rc = fn(ctx, &s, e)) < 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

#define SHARD_COLUMNS "SELECT s.build_id, b.name, s.seq, s.path, s.examples, s.bytes, " \
	"s.checksum FROM shards s JOIN builds b ON b.id = s.build_id "

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
