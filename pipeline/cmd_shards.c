/* cmd_shards.c: adalink shards ls|show|verify|cat|rm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "pipeline/shard.h"
#include "pipeline/shards.h"
#include "pipeline/spm.h"

static const al_cmd_help help = {
	"shards",
	"adalink shards ls|show|verify|cat|rm --catalog DB [-m SPM] [NAME]",
	"Look after the builds and shards of a catalog:\n"
	"  ls            every build: name, dataset, split, task, status, shards,\n"
	"                examples, bytes, created (TSV)\n"
	"  show NAME     one build's provenance (key, value) and its shards\n"
	"  verify [NAME] check every shard (or NAME's) against the catalog: present,\n"
	"                its size, its example count, its checksum; exit 1 if any\n"
	"                is missing, truncated or modified\n"
	"  cat NAME      print NAME's examples as JSONL (ids; text too with -m)\n"
	"  rm NAME       remove NAME's rows, then its shard files",
	"  -c, --catalog DB   the catalog (required)\n"
	"  -m, --model SPM    cat: decode ids to text with this SentencePiece model\n",
};

static void tsv(sqlite3_stmt *q)
{
	int n = sqlite3_column_count(q);
	for (int i = 0; i < n; i++) {
		const char *v = (const char *)sqlite3_column_text(q, i);
		printf("%s%s", i ? "\t" : "", v ? v : "");
	}
	putchar('\n');
}

static void on_verify(void *ctx, const char *build, const char *path, const char *problem)
{
	(void)ctx;
	if (problem)
		printf("BAD\t%s\t%s\t%s\n", build, path, problem);
	else
		printf("ok\t%s\t%s\n", build, path);
}

static void ids_out(const uint32_t *ids, uint32_t n)
{
	putchar('[');
	for (uint32_t i = 0; i < n; i++)
		printf(i ? ", %u" : "%u", ids[i]);
	putchar(']');
}

static void text_out(const al_spm *sp, const uint32_t *ids, uint32_t n, al_spm_buf *buf)
{
	al_err e = {0};
	int32_t *v = malloc(sizeof *v * (n ? n : 1));
	for (uint32_t i = 0; v && i < n; i++)
		v[i] = (int32_t)ids[i];
	if (v && al_spm_decode_ids(sp, v, n, buf, &e) == 0)
		al_cli_put_json(buf->s, buf->len);
	else
		fputs("null", stdout);
	free(v);
}

static int cat(al_catalog *c, const char *name, const char *model, al_err *e)
{
	al_spm *sp = model ? al_spm_new(model, e) : NULL;
	if (model && !sp)
		return e->code;
	sqlite3_stmt *q;
	sqlite3_prepare_v2(al_catalog_db(c), "SELECT s.path FROM shards s JOIN builds b ON "
			   "b.id = s.build_id WHERE b.name = ? ORDER BY s.seq", -1, &q, NULL);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	al_spm_buf buf = {0};
	int rc = 0, found = 0;
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		found = 1;
		al_shard *s = al_shard_open((const char *)sqlite3_column_text(q, 0), e);
		if (!s) {
			rc = e->code;
			break;
		}
		for (uint64_t i = 0; i < al_shard_count(s); i++) {
			al_shard_example x;
			if ((rc = al_shard_get(s, i, &x, e)) < 0)
				break;
			fputs("{\"id\": ", stdout);
			al_cli_put_json(x.id, x.id_len);
			fputs(", \"task\": ", stdout);
			al_cli_put_json(x.task, x.task_len);
			fputs(", \"input_ids\": ", stdout);
			ids_out(x.input, x.n_input);
			fputs(", \"target_ids\": [", stdout);
			const uint32_t *t = x.targets;
			for (uint32_t k = 0; k < x.n_targets; t += x.target_lens[k], k++) {
				fputs(k ? ", " : "", stdout);
				ids_out(t, x.target_lens[k]);
			}
			putchar(']');
			if (sp) {
				fputs(", \"input\": ", stdout);
				text_out(sp, x.input, x.n_input, &buf);
				fputs(", \"targets\": [", stdout);
				t = x.targets;
				for (uint32_t k = 0; k < x.n_targets; t += x.target_lens[k], k++) {
					fputs(k ? ", " : "", stdout);
					text_out(sp, t, x.target_lens[k], &buf);
				}
				putchar(']');
			}
			printf(", \"patches\": %u}\n", x.n_patches);
		}
		al_shard_close(s);
	}
	sqlite3_finalize(q);
	free(buf.s);
	al_spm_free(sp);
	if (rc == 0 && !found)
		rc = al_err_set(e, AL_ENOTFOUND, "no shards of a build '%s' in '%s'", name,
				al_catalog_path(c));
	return rc;
}

int cmd_shards(int argc, char **argv)
{
	static const struct option opts[] = {
		{"catalog", required_argument, 0, 'c'},
		{"model", required_argument, 0, 'm'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *db = NULL, *model = NULL;
	int c, status;
	while ((c = getopt_long(argc, argv, "c:m:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'c': db = optarg; break;
		case 'm': model = optarg; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (optind >= argc)
		return al_cli_usage(&help, "an action is required: ls, show, verify, cat or rm");
	const char *act = argv[optind], *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	int needs_name = !strcmp(act, "show") || !strcmp(act, "cat") || !strcmp(act, "rm");
	if (strcmp(act, "ls") && strcmp(act, "verify") && !needs_name)
		return al_cli_usage(&help, "unknown action '%s'", act);
	if (needs_name && !name)
		return al_cli_usage(&help, "%s needs a build NAME", act);
	if (argc - optind > 2)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind + 2]);
	if (!db)
		return al_cli_usage(&help, "--catalog is required");
	al_err e = {0};
	al_catalog *cat_db = al_catalog_open(db, &e);
	if (!cat_db) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	sqlite3 *sq = al_catalog_db(cat_db);
	sqlite3_stmt *q;
	int rc = 0, bad = 0;
	if (!strcmp(act, "ls")) {
		puts("name\tdataset\tsplit\ttask\tstatus\tshards\texamples\tbytes\tcreated");
		sqlite3_prepare_v2(sq, "SELECT b.name, b.dataset, b.split, b.task, b.status, count(s.id), "
				   "coalesce(sum(s.examples), 0), coalesce(sum(s.bytes), 0), b.created "
				   "FROM builds b LEFT JOIN shards s ON s.build_id = b.id "
				   "GROUP BY b.id ORDER BY b.name", -1, &q, NULL);
		while (sqlite3_step(q) == SQLITE_ROW)
			tsv(q);
		sqlite3_finalize(q);
	} else if (!strcmp(act, "show")) {
		static const char *keys[] = {"name", "dataset", "split", "task", "status",
			"tokenizer_sha256", "vision_sha256", "tool_version", "created", "finished",
			"sources", "params"};
		sqlite3_prepare_v2(sq, "SELECT name, dataset, split, task, status, tokenizer_sha256, "
				   "vision_sha256, tool_version, created, finished, sources, params "
				   "FROM builds WHERE name = ?", -1, &q, NULL);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_ROW)
			rc = al_err_set(&e, AL_ENOTFOUND, "no build '%s' in '%s'", name, db);
		else
			for (int i = 0; i < 12; i++) {
				const char *v = (const char *)sqlite3_column_text(q, i);
				printf("%s\t%s\n", keys[i], v ? v : "");
			}
		sqlite3_finalize(q);
		if (rc == 0) {
			puts("\nseq\tpath\texamples\tbytes\tchecksum");
			sqlite3_prepare_v2(sq, "SELECT s.seq, s.path, s.examples, s.bytes, s.checksum FROM "
					   "shards s JOIN builds b ON b.id = s.build_id WHERE b.name = ? "
					   "ORDER BY s.seq", -1, &q, NULL);
			sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
			while (sqlite3_step(q) == SQLITE_ROW)
				tsv(q);
			sqlite3_finalize(q);
		}
	} else if (!strcmp(act, "verify")) {
		rc = al_shards_verify(cat_db, name, on_verify, NULL, &bad, &e);
		if (rc == 0 && bad)
			al_error("%d shard%s missing, truncated or modified", bad, bad == 1 ? " is" : "s are");
	} else if (!strcmp(act, "cat")) {
		rc = cat(cat_db, name, model, &e);
	} else {
		rc = al_shards_remove(cat_db, name, &e);
	}
	al_catalog_close(cat_db);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return bad ? AL_EXIT_FAIL : (fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL);
}
