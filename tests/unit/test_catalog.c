/* test_catalog.c: creation, migration bookkeeping, refusal of newer or
 * foreign files, constraints; the typed functions on builds, shards, runs
 * and their values, and transactions, each checked against the sqlite3
 * command line tool as an independent reader (and writer) and against
 * values worked out by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "lib/catalog_builds.h"
#include "lib/catalog_impl.h"
#include "lib/catalog_runs.h"
#include "tests/tap.h"

static char tmpdir[64];

/* Run sql with the sqlite3 command line tool on db; its output, with
 * '|' between columns and '\n' between rows (the final newline dropped),
 * in a static buffer. */
static const char *cli(const char *db, const char *sql)
{
	static char out[8192];
	char file[128], cmd[512];
	snprintf(file, sizeof file, "%s/cli.sql", tmpdir);
	FILE *f = fopen(file, "w");
	fputs(sql, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "sqlite3 -batch '%s' <'%s' 2>&1", db, file);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
	if (p)
		pclose(p);
	out[n] = 0;
	while (n && out[n - 1] == '\n')
		out[--n] = 0;
	return out;
}

/* Collects what the walks hand over, as text. */
typedef struct sink {
	char s[2048];
	int calls, stop_at;
} sink;

static void put(sink *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sink *k, const char *fmt, ...)
{
	size_t n = strlen(k->s);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->s + n, sizeof k->s - n, fmt, ap);
	va_end(ap);
}

static int on_shard(void *ctx, const al_cat_shard *s, al_err *e)
{
	sink *k = ctx;
	put(k, "%s:%lld:%lld:%s:%lld:%lld:%s;", s->build, s->build_id, s->seq, s->path,
	    s->examples, s->bytes, s->checksum);
	if (++k->calls == k->stop_at)
		return al_err_set(e, AL_EINVAL, "stopped");
	return 0;
}

static int on_build(void *ctx, const al_cat_build_sum *b, al_err *e)
{
	(void)e;
	put(ctx, "%s|%s|%s|%s|%s|%lld|%lld|%lld;", b->name, b->dataset, b->split ? b->split : "-",
	    b->task ? b->task : "-", b->status, b->shards, b->examples, b->bytes);
	return 0;
}

static int on_run(void *ctx, const al_cat_run_sum *r, al_err *e)
{
	(void)e;
	const char *v[] = {r->name, r->method, r->status, r->steps, r->loss, r->best_dev_loss,
			   r->best_dev_metric};
	for (int i = 0; i < 7; i++)
		put(ctx, "%s%s", i ? "|" : "", v[i] ? v[i] : "-");
	put(ctx, ";");
	return 0;
}

static void test_builds(const char *path);
static void test_runs(const char *path);
static void test_transactions(const char *path);
static void test_paths_and_locks(const char *dir);

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
	snprintf(tmpdir, sizeof tmpdir, "%s", dir);
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

	snprintf(junk, sizeof junk, "%s/typed.db", dir);
	test_builds(junk);
	test_runs(junk);
	test_transactions(junk);
	test_paths_and_locks(dir);
	is_str(al_catalog_sqlite_version(), cli(":memory:", "SELECT sqlite_version();"),
	       "the SQLite version is the library's");

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
	return done_testing();
}

#define GLOB_TIME "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"

static void test_builds(const char *path)
{
	al_err e = {0};
	al_catalog *c = al_catalog_open(path, &e);
	ok(c != NULL, "builds: a new catalog (%s)", e.msg);
	long long id1 = 0, id2 = 0;
	al_cat_build a = {.name = "rte-train", .dataset = "glue", .split = "train", .task = "rte",
			  .tokenizer_sha256 = "t0k", .sources = "[]", .params = "{\"k\":1}",
			  .tool_version = "0.1"};
	ok(al_catalog_build_add(c, &a, &id1, &e) == 0, "build_add (%s)", e.msg);
	is_int(id1, 1, "the first build gets id 1");
	is_str(cli(path, "SELECT id, name, dataset, split, task, tokenizer_sha256, "
		   "quote(vision_sha256), sources, params, tool_version, status, quote(finished) "
		   "FROM builds;"),
	       "1|rte-train|glue|train|rte|t0k|NULL|[]|{\"k\":1}|0.1|building|NULL",
	       "sqlite3 reads back every field, vision NULL, status building");
	ok(al_catalog_build_add(c, &a, &id2, &e) == AL_EDB, "the same name again is refused");
	has_str(e.msg, "UNIQUE", "by the UNIQUE constraint");
	has_str(e.msg, "recording the build", "saying what was being done");
	al_cat_build q = {.name = "it's", .dataset = "glue", .sources = "[]", .params = "{}",
			  .tool_version = "0.1"};
	ok(al_catalog_build_add(c, &q, &id2, &e) == 0 && id2 == 2, "a name with a quote goes in bound");
	is_str(cli(path, "SELECT count(*) FROM builds WHERE name = 'it''s' AND split IS NULL;"), "1",
	       "sqlite3 finds it, split NULL");

	cli(path, "INSERT INTO builds(name, dataset, tool_version, status, created) VALUES "
	    "('cola', 'glue', '0.2', 'complete', '2026-01-02T03:04:05Z');");
	al_cat_build b;
	ok(al_catalog_build_get(c, "cola", &b, &e) == 0, "build_get of a row sqlite3 wrote (%s)", e.msg);
	is_int(b.id, 3, "its id");
	ok(b.split == NULL && b.task == NULL && b.vision_sha256 == NULL && b.finished == NULL,
	   "NULL columns come back NULL");
	is_str(b.status, "complete", "status");
	is_str(b.created, "2026-01-02T03:04:05Z", "created");
	is_str(b.sources, "[]", "sources defaults to []");
	is_str(b.params, "{}", "params defaults to {}");
	is_str(b.tool_version, "0.2", "tool_version");
	al_cat_build_clear(&b);
	ok(b.name == NULL && b.id == 0, "build_clear zeroes");
	is_int(al_catalog_build_get(c, "nosuch", &b, &e), AL_ENOTFOUND, "an unknown build: AL_ENOTFOUND");
	has_str(e.msg, "no build 'nosuch' in '", "naming it");
	has_str(e.msg, path, "and the catalog");
	ok(b.name == NULL, "b stays zeroed");

	/* seq 1 before seq 0: the walk still goes by seq */
	al_cat_shard s1 = {.build_id = 1, .seq = 1, .path = "/s/a-1.als", .examples = 20,
			   .bytes = 2000, .checksum = "00000000000000bb"};
	al_cat_shard s0 = {.build_id = 1, .seq = 0, .path = "/s/a-0.als", .examples = 10,
			   .bytes = 1000, .checksum = "00000000000000aa"};
	al_cat_shard sc = {.build_id = 3, .seq = 0, .path = "/s/c-0.als", .examples = 5,
			   .bytes = 500, .checksum = "00000000000000cc"};
	ok(al_catalog_shard_add(c, &s1, &e) == 0 && al_catalog_shard_add(c, &s0, &e) == 0 &&
	   al_catalog_shard_add(c, &sc, &e) == 0, "shard_add three times (%s)", e.msg);
	is_str(cli(path, "SELECT build_id, seq, path, examples, bytes, checksum FROM shards ORDER BY id;"),
	       "1|1|/s/a-1.als|20|2000|00000000000000bb\n"
	       "1|0|/s/a-0.als|10|1000|00000000000000aa\n"
	       "3|0|/s/c-0.als|5|500|00000000000000cc", "sqlite3 reads the three shard rows");
	al_cat_shard bad = {.build_id = 99, .seq = 0, .path = "x", .checksum = "0"};
	is_int(al_catalog_shard_add(c, &bad, &e), AL_EDB, "a shard of no build is refused");
	has_str(e.msg, "FOREIGN KEY", "by the foreign key");
	has_str(e.msg, "recording a shard", "saying what was being done");
	is_int(al_catalog_shard_add(c, &s0, &e), AL_EDB, "the same (build, seq) twice is refused");
	has_str(e.msg, "UNIQUE", "by the UNIQUE constraint");

	sink k = {0};
	ok(al_catalog_shards_each(c, "rte-train", on_shard, &k, &e) == 0, "shards_each of a build");
	is_str(k.s, "rte-train:1:0:/s/a-0.als:10:1000:00000000000000aa;"
	       "rte-train:1:1:/s/a-1.als:20:2000:00000000000000bb;", "its shards by seq");
	k = (sink){0};
	ok(al_catalog_shards_each(c, NULL, on_shard, &k, &e) == 0, "shards_each of every build");
	is_str(k.s, "cola:3:0:/s/c-0.als:5:500:00000000000000cc;"
	       "rte-train:1:0:/s/a-0.als:10:1000:00000000000000aa;"
	       "rte-train:1:1:/s/a-1.als:20:2000:00000000000000bb;", "by build name, then seq");
	k = (sink){0};
	ok(al_catalog_build_shards_each(c, 3, on_shard, &k, &e) == 0 &&
	   !strcmp(k.s, "cola:3:0:/s/c-0.als:5:500:00000000000000cc;"), "build_shards_each by id");
	k = (sink){0};
	ok(al_catalog_shards_each(c, "it's", on_shard, &k, &e) == 0 && k.calls == 0,
	   "a build without shards: no call, 0");
	k = (sink){.stop_at = 1};
	is_int(al_catalog_shards_each(c, NULL, on_shard, &k, &e), AL_EINVAL,
	       "a callback's error stops the walk and is returned");
	is_int(k.calls, 1, "after one call");
	cli(path, "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum) "
	    "VALUES (2, 0, '/s/q.als', 7, 70, '0123456789abcdef');");
	k = (sink){0};
	al_catalog_shards_each(c, "it's", on_shard, &k, &e);
	is_str(k.s, "it's:2:0:/s/q.als:7:70:0123456789abcdef;", "a shard row sqlite3 wrote reads back");

	k = (sink){0};
	ok(al_catalog_builds_each(c, on_build, &k, &e) == 0, "builds_each");
	is_str(k.s, "cola|glue|-|-|complete|1|5|500;it's|glue|-|-|building|1|7|70;"
	       "rte-train|glue|train|rte|building|2|30|3000;",
	       "every build by name with its shard count and sums (10 + 20, 1000 + 2000)");

	ok(al_catalog_build_complete(c, 1, &e) == 0, "build_complete");
	is_str(cli(path, "SELECT status, finished GLOB " GLOB_TIME " FROM builds WHERE id = 1;"),
	       "complete|1", "sqlite3: complete, finished a UTC time");
	ok(al_catalog_build_delete_named(c, "cola", &e) == 0, "build_delete_named");
	is_str(cli(path, "SELECT count(*) FROM builds WHERE name = 'cola'; "
		   "SELECT count(*) FROM shards WHERE build_id = 3;"), "0\n0",
	       "sqlite3: the build and its shard are gone");
	is_int(al_catalog_build_delete_named(c, "cola", &e), AL_ENOTFOUND, "again: AL_ENOTFOUND");
	has_str(e.msg, "no build 'cola'", "naming it");
	ok(al_catalog_build_delete(c, 1, &e) == 0, "build_delete by id");
	is_str(cli(path, "SELECT count(*) FROM shards WHERE build_id = 1; SELECT name FROM builds;"),
	       "0\nit's", "sqlite3: its shards went with it, one build is left");
	ok(al_catalog_build_delete(c, 12345, &e) == 0, "build_delete of no build is no error");
	al_catalog_close(c);
}

static void test_runs(const char *path)
{
	al_err e = {0};
	al_catalog *c = al_catalog_open(path, &e);
	long long id = 0, id2 = -1;
	ok(al_catalog_run_add(c, "a", "adalink", "{\"rank\": 4}", NULL, &id, &e) == 0 && id == 1,
	   "run_add (%s)", e.msg);
	is_str(cli(path, "SELECT id, name, method, config, quote(backbone_sha256), status, "
		   "quote(final_scores), quote(finished) FROM runs;"),
	       "1|a|adalink|{\"rank\": 4}|NULL|running|NULL|NULL", "sqlite3 reads the run back");
	is_int(al_catalog_run_find(c, "a", &id2, &e), 1, "run_find: found");
	is_int(id2, 1, "with its id");
	is_int(al_catalog_run_find(c, "b", &id2, &e), 0, "run_find of no run: 0");

	al_cat_value v[] = {
		{1, "loss", 2.5}, {2, "loss", 1.5}, {2, "lr", 0.01}, {3, "loss", NAN},
		{3, "dev_loss", 0.75}, {3, "dev_accuracy", 0.5}, {4, "loss", 1.0}, {4, "lr", INFINITY},
		{5, "dev_accuracy", 0.625}, {5, "dev_loss", 0.875},
	};
	al_cat_value again = {2, "loss", 1.25};
	ok(al_catalog_run_values_put(c, id, v, sizeof v / sizeof *v, &e) == 0 &&
	   al_catalog_run_values_put(c, id, &again, 1, &e) == 0, "values_put (%s)", e.msg);
	is_str(cli(path, "SELECT step, name, quote(value) FROM run_metrics ORDER BY step, name;"),
	       "1|loss|2.5\n2|loss|1.25\n2|lr|0.01\n3|dev_accuracy|0.5\n3|dev_loss|0.75\n"
	       "3|loss|NULL\n4|loss|1.0\n4|lr|NULL\n5|dev_accuracy|0.625\n5|dev_loss|0.875",
	       "sqlite3: every value, NaN and infinity as NULL, step 2's loss replaced");
	double x;
	ok(al_catalog_run_extreme(c, id, "loss", 0, &x, &e) == 1 && x == 1.0, "least loss 1.0");
	ok(al_catalog_run_extreme(c, id, "loss", 1, &x, &e) == 1 && x == 2.5, "greatest loss 2.5");
	ok(al_catalog_run_extreme(c, id, "nosuch", 0, &x, &e) == 0 && isnan(x), "none: 0 and NaN");
	long *steps;
	double *vals;
	size_t n;
	ok(al_catalog_run_series(c, id, "loss", &steps, &vals, &n, &e) == 0, "run_series");
	ok(n == 3 && steps[0] == 1 && steps[1] == 2 && steps[2] == 4 && vals[0] == 2.5 &&
	   vals[1] == 1.25 && vals[2] == 1.0, "loss at steps 1, 2, 4 (the NULL left out)");
	free(steps);
	free(vals);
	char **names;
	ok(al_catalog_run_metric_names(c, id, &names, &n, &e) == 0 && n == 4, "four names");
	ok(n == 4 && !strcmp(names[0], "dev_accuracy") && !strcmp(names[1], "dev_loss") &&
	   !strcmp(names[2], "loss") && !strcmp(names[3], "lr"), "sorted");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);

	cli(path, "INSERT INTO runs(name, method, created) VALUES ('b', 'lora', '2999-01-01T00:00:00Z');");
	sink k = {0};
	ok(al_catalog_runs_each(c, on_run, &k, &e) == 0, "runs_each");
	/* a: the last step with a loss is 4 (1.0, "%.6g": 1); the least
	 * dev_loss 0.75; the first dev metric by name, dev_accuracy, at best
	 * 0.625.  b (sqlite3's, created later): nothing logged, but SQLite's
	 * printf('%.6g', NULL) gives "0" for its least dev_loss (a quirk of
	 * the listing's query, kept as it was). */
	is_str(cli(":memory:", "SELECT printf('%.6g', NULL);"), "0", "sqlite3: printf of NULL is 0");
	is_str(k.s, "a|adalink|running|4|1|0.75|accuracy 0.625;b|lora|running|-|-|0|-;",
	       "every run, oldest first, summarised");
	al_cat_run r;
	ok(al_catalog_run_get(c, "b", &r, &e) == 0, "run_get of sqlite3's run");
	ok(r.id == 2 && !strcmp(r.method, "lora") && !strcmp(r.config, "{}") && !r.finished &&
	   !r.final_scores && !strcmp(r.created, "2999-01-01T00:00:00Z"), "its fields");
	al_cat_run_clear(&r);
	is_int(al_catalog_run_get(c, "nosuch", &r, &e), AL_ENOTFOUND, "run_get of no run");
	has_str(e.msg, "no run 'nosuch'", "naming it");

	ok(al_catalog_run_finish(c, id, "finished", "{\"dev_loss\": 0.75}", &e) == 0, "run_finish");
	is_str(cli(path, "SELECT status, final_scores, finished GLOB " GLOB_TIME " FROM runs WHERE id = 1;"),
	       "finished|{\"dev_loss\": 0.75}|1", "sqlite3: finished, its scores, a time");
	ok(al_catalog_run_rewind(c, id, 3, "{\"rank\": 8}", &e) == 0, "run_rewind to step 3");
	is_str(cli(path, "SELECT status, config, quote(final_scores), quote(finished) FROM runs WHERE id = 1; "
		   "SELECT count(*), max(step) FROM run_metrics WHERE run_id = 1;"),
	       "running|{\"rank\": 8}|NULL|NULL\n6|3",
	       "sqlite3: running again, the new config, the 6 values up to step 3 kept");
	ok(al_catalog_run_get(c, "a", &r, &e) == 0 && !strcmp(r.status, "running") &&
	   !strcmp(r.config, "{\"rank\": 8}") && !r.backbone_sha256, "run_get reads the same");
	al_cat_run_clear(&r);
	ok(al_catalog_run_delete(c, id, &e) == 0, "run_delete");
	is_str(cli(path, "SELECT count(*) FROM run_metrics; SELECT name FROM runs;"), "0\nb",
	       "sqlite3: its values went with it");
	al_catalog_close(c);
}

static void test_transactions(const char *path)
{
	al_err e = {0};
	setenv("ADALINK_CATALOG_WAIT", "0.2", 1);
	al_catalog *c1 = al_catalog_open(path, &e), *c2 = al_catalog_open(path, &e);
	long long id;
	ok(c1 && c2, "two connections");
	ok(al_catalog_begin(c1, &e) == 0 && al_catalog_run_add(c1, "t1", "lora", "{}", NULL, &id, &e) == 0,
	   "a run added inside a transaction");
	is_str(cli(path, "SELECT count(*) FROM runs WHERE name = 't1';"), "0", "sqlite3 does not see it yet");
	al_catalog_rollback(c1);
	is_str(cli(path, "SELECT count(*) FROM runs WHERE name = 't1';"), "0", "nor after the rollback");
	ok(al_catalog_begin(c1, &e) == 0 && al_catalog_run_add(c1, "t2", "lora", "{}", NULL, &id, &e) == 0 &&
	   al_catalog_commit(c1, &e) == 0, "a run added and committed");
	is_str(cli(path, "SELECT count(*) FROM runs WHERE name = 't2';"), "1", "sqlite3 sees it");
	ok(al_catalog_begin(c1, &e) == 0, "one connection takes the write lock");
	is_int(al_catalog_begin(c2, &e), AL_EDB, "the other cannot, after its wait");
	has_str(e.msg, "is locked by another writer", "saying so");
	has_str(e.msg, "ADALINK_CATALOG_WAIT", "and what to do");
	al_catalog_rollback(c1);
	ok(al_catalog_begin(c2, &e) == 0, "once released, it can");
	al_catalog_rollback(c2);
	al_catalog_rollback(c2);
	al_catalog_rollback(NULL);
	ok(1, "a rollback with no transaction, or no catalog, does nothing");
	ok(al_catalog_commit(c1, &e) < 0, "a commit with no transaction fails");
	al_catalog_close(c1);
	al_catalog_close(c2);
	unsetenv("ADALINK_CATALOG_WAIT");
}

static int on_path(void *ctx, const al_cat_shard *s, al_err *e)
{
	sink *k = ctx;
	(void)e;
	put(k, "%s=%s;", s->stored, s->path);
	return 0;
}

/* Shard paths stored relative to the catalog's folder and read back from
 * here; a catalog of schema version 1 migrated; readers that refuse what
 * is not a catalog; the build lock between two connections. */
static void test_paths_and_locks(const char *dir)
{
	char path[256], sub[256], shard[300], cmd[700];
	al_err e = {0};
	snprintf(path, sizeof path, "%s/p/cat.db", dir);
	snprintf(sub, sizeof sub, "%s/p/out", dir);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
	ok(system(cmd) == 0, "paths: a catalog folder with an output folder in it");
	al_catalog *c = al_catalog_open(path, &e);
	long long id = 0;
	al_cat_build b = {.name = "b", .dataset = "glue", .sources = "[]", .params = "{}",
			  .tool_version = "0", .out_dir = sub};
	ok(c && al_catalog_build_add(c, &b, &id, &e) == 0, "a build with an output folder (%s)", e.msg);
	snprintf(shard, sizeof shard, "%s/b-00000.als", sub);
	al_cat_shard s0 = {.build_id = id, .seq = 0, .path = shard, .examples = 1, .bytes = 1,
			   .checksum = "00000000000000aa"};
	al_cat_shard s1 = {.build_id = id, .seq = 1, .path = "/elsewhere/b-00001.als", .examples = 1,
			   .bytes = 1, .checksum = "00000000000000bb"};
	ok(al_catalog_shard_add(c, &s0, &e) == 0 && al_catalog_shard_add(c, &s1, &e) == 0,
	   "two shards, one under the catalog's folder, one elsewhere (%s)", e.msg);
	is_str(cli(path, "SELECT out_dir FROM builds; SELECT path, path_base FROM shards ORDER BY seq;"),
	       "out\nout/b-00000.als|catalog\n/elsewhere/b-00001.als|catalog",
	       "sqlite3: stored relative to the catalog's folder, or absolute outside it");
	sink k = {0};
	al_catalog_shards_each(c, "b", on_path, &k, &e);
	char want[1200];
	snprintf(want, sizeof want, "out/b-00000.als=%s/p/out/b-00000.als;"
		 "/elsewhere/b-00001.als=/elsewhere/b-00001.als;", dir);
	is_str(k.s, want, "read back joined to the catalog's folder");
	al_cat_build g;
	ok(al_catalog_build_get(c, "b", &g, &e) == 0, "build_get");
	snprintf(want, sizeof want, "%s/p/out", dir);
	is_str(g.out_dir, want, "out_dir read back from here");
	al_cat_build_clear(&g);

	/* the lock: a second connection cannot take the same build's */
	setenv("ADALINK_CATALOG_WAIT", "0.2", 1);
	al_catalog *c2 = al_catalog_open(path, &e);
	ok(al_catalog_lock_build(c, "b", &e) == 0, "lock build b (%s)", e.msg);
	ok(al_catalog_lock_build(c2, "other", &e) == 0, "another connection locks another build");
	is_int(al_catalog_lock_build(c2, "b", &e), AL_EDB, "but not b, while the first holds it");
	has_str(e.msg, "being built or removed by another adalink process", "saying so");
	al_catalog_close(c);
	ok(al_catalog_lock_build(c2, "b", &e) == 0, "closing the first connection frees it");
	al_catalog_close(c2);
	unsetenv("ADALINK_CATALOG_WAIT");

	/* schema version 1: its rows keep their paths, relative to where
	 * build ran (here, when found), else to the catalog's folder */
	cli(path, "UPDATE shards SET path = 'out/b-00000.als' WHERE seq = 0;"
	    "ALTER TABLE shards DROP COLUMN path_base; ALTER TABLE builds DROP COLUMN out_dir;"
	    "PRAGMA user_version = 1;");
	c = al_catalog_open_readonly(path, &e);
	ok(c != NULL, "a reader opens a catalog of version 1 (%s)", e.msg);
	is_str(cli(path, "PRAGMA user_version; SELECT path_base FROM shards ORDER BY seq;"
		   "SELECT quote(out_dir) FROM builds;"), "2\ncwd\ncwd\nNULL",
	       "migrated to version 2: its rows marked 'cwd', no output folder");
	k.s[0] = 0;
	al_catalog_shards_each(c, "b", on_path, &k, &e);
	snprintf(want, sizeof want, "out/b-00000.als=%s/p/out/b-00000.als;"
		 "/elsewhere/b-00001.als=/elsewhere/b-00001.als;", dir);
	is_str(k.s, want, "a relative path not found from here is found beside the catalog");
	al_catalog_close(c);

	/* readers refuse what is not a catalog, and create nothing */
	char other[300];
	snprintf(other, sizeof other, "%s/p/none.db", dir);
	ok(al_catalog_open_readonly(other, &e) == NULL && e.code == AL_ENOTFOUND,
	   "a missing catalog: AL_ENOTFOUND");
	has_str(e.msg, "no catalog", "saying so");
	ok(al_catalog_open_existing(other, &e) == NULL && access(other, F_OK) != 0,
	   "open_existing refuses it too, and nothing is created");
	snprintf(other, sizeof other, "%s/p/empty.db", dir);
	fclose(fopen(other, "w"));
	struct stat st;
	ok(al_catalog_open_readonly(other, &e) == NULL && stat(other, &st) == 0 && st.st_size == 0,
	   "an empty file is refused and stays empty");
	has_str(e.msg, "is not an adalink catalog (an empty file)", "saying so");
}
