/* test_catalog.c: creation, migration bookkeeping, refusal of newer or
 * foreign files, constraints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "tests/tap.h"

static int count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/al-test-cat-XXXXXX";
	ok(mkdtemp(dir) != NULL, "temporary folder");
	char path[256];
	snprintf(path, sizeof path, "%s/catalog.db", dir);
	al_err e = {0};

	al_catalog *c = al_catalog_open(path, &e);
	ok(c != NULL, "a new catalog is created (%s)", e.msg);
	is_int(al_catalog_version(c), al_catalog_latest(), "at the latest schema version");
	ok(al_catalog_latest() >= 1, "there is at least one migration");
	sqlite3 *db = al_catalog_db(c);
	is_int(count(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
		     "('datasets','builds','shards','runs','run_metrics')"), 5, "the five tables exist");
	sqlite3_stmt *s;
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	sqlite3_step(s);
	is_str((const char *)sqlite3_column_text(s, 0), "wal", "journal mode is WAL");
	sqlite3_finalize(s);
	is_int(count(db, "PRAGMA foreign_keys"), 1, "foreign keys are enforced");

	ok(al_catalog_exec(c, "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum) "
			   "VALUES (42, 0, 'x.als', 1, 1, 'ab')", &e) < 0,
	   "a shard of an unknown build is refused");
	has_str(e.msg, "FOREIGN KEY", "by the foreign key");
	ok(al_catalog_exec(c, "INSERT INTO builds(name, dataset, tool_version) VALUES ('b', 'glue', '0')", &e) == 0,
	   "a build row goes in");
	ok(al_catalog_exec(c, "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum) "
			   "VALUES (1, 0, 'x.als', 1, 1, 'ab')", &e) == 0, "and its shard");
	ok(al_catalog_exec(c, "DELETE FROM builds WHERE id = 1", &e) == 0, "deleting the build");
	is_int(count(db, "SELECT count(*) FROM shards"), 0, "deletes its shards too");
	ok(al_catalog_exec(c, "INSERT INTO builds(name, dataset, tool_version, status) "
			   "VALUES ('c', 'glue', '0', 'bogus')", &e) < 0, "status is checked");
	al_catalog_close(c);

	c = al_catalog_open(path, &e);
	ok(c != NULL, "reopening works");
	is_int(al_catalog_version(c), al_catalog_latest(), "and migrates nothing twice");
	al_catalog *c2 = al_catalog_open(path, &e);
	ok(c2 != NULL, "a second connection opens at the same time");
	al_catalog_close(c2);
	ok(al_catalog_exec(c, "PRAGMA user_version = 999", &e) == 0, "pretend a newer schema");
	al_catalog_close(c);
	c = al_catalog_open(path, &e);
	ok(c == NULL, "a newer catalog is refused");
	has_str(e.msg, "newer than this adalink knows", "with a message that says so");
	has_str(e.msg, "upgrade adalink", "and what to do");
	c = al_catalog_open_readonly(path, &e);
	ok(c == NULL, "read-only too");

	char junk[256];
	snprintf(junk, sizeof junk, "%s/junk.db", dir);
	FILE *f = fopen(junk, "w");
	fputs("this is not a database, but it is long enough to look like a header of one", f);
	fclose(f);
	c = al_catalog_open(junk, &e);
	ok(c == NULL, "a file that is not a database is refused");
	has_str(e.msg, junk, "the message names it");

	snprintf(junk, sizeof junk, "%s/missing/dir/x.db", dir);
	c = al_catalog_open(junk, &e);
	ok(c == NULL, "a path in a missing folder is refused");
	has_str(e.msg, "unable to open", "saying it cannot open it");

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
	return done_testing();
}
