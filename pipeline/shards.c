/* shards.c: verify and remove builds. */
#include "shards.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/shard.h"

int al_shards_verify(al_catalog *c, const char *name, al_verify_fn fn, void *ctx, int *bad,
		     al_err *e)
{
	sqlite3 *db = al_catalog_db(c);
	sqlite3_stmt *q;
	*bad = 0;
	if (sqlite3_prepare_v2(db, "SELECT b.name, s.path, s.examples, s.bytes, s.checksum "
			       "FROM shards s JOIN builds b ON b.id = s.build_id "
			       "WHERE ?1 IS NULL OR b.name = ?1 ORDER BY b.name, s.seq",
			       -1, &q, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "catalog '%s': %s", al_catalog_path(c), sqlite3_errmsg(db));
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *build = (const char *)sqlite3_column_text(q, 0);
		const char *path = (const char *)sqlite3_column_text(q, 1);
		uint64_t examples = (uint64_t)sqlite3_column_int64(q, 2);
		uint64_t bytes = (uint64_t)sqlite3_column_int64(q, 3);
		const char *sum = (const char *)sqlite3_column_text(q, 4);
		char problem[1200] = "";
		struct stat st;
		al_err ee = {0};
		al_shard *s = NULL;
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
			(*bad)++;
		fn(ctx, build, path, *problem ? problem : NULL);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return al_err_set(e, AL_EDB, "catalog '%s': %s", al_catalog_path(c), sqlite3_errmsg(db));
	return 0;
}

int al_shards_remove(al_catalog *c, const char *name, al_err *e)
{
	/* The rows go first, in one transaction; then the files.  A crash in
	 * between leaves files nothing refers to, never rows without files. */
	sqlite3 *db = al_catalog_db(c);
	sqlite3_stmt *q;
	char **paths = NULL;
	size_t n = 0, cap = 0;
	if (al_catalog_exec(c, "BEGIN IMMEDIATE", e) < 0)
		return e->code;
	sqlite3_prepare_v2(db, "SELECT s.path FROM shards s JOIN builds b ON b.id = s.build_id "
			   "WHERE b.name = ?", -1, &q, NULL);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			char **np = realloc(paths, cap * sizeof *np);
			if (!np)
				break;
			paths = np;
		}
		paths[n++] = strdup((const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	sqlite3_prepare_v2(db, "DELETE FROM builds WHERE name = ?", -1, &q, NULL);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : AL_EDB;
	sqlite3_finalize(q);
	if (rc == 0 && sqlite3_changes(db) == 0)
		rc = al_err_set(e, AL_ENOTFOUND, "no build '%s' in '%s'", name, al_catalog_path(c));
	else if (rc < 0)
		al_err_set(e, AL_EDB, "catalog '%s': %s", al_catalog_path(c), sqlite3_errmsg(db));
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	else
		rc = al_catalog_exec(c, "COMMIT", e);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && paths[i])
			unlink(paths[i]);
		free(paths[i]);
	}
	free(paths);
	return rc;
}
