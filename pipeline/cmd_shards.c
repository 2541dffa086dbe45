/* cmd_shards.c: adalink shards ls|show|verify|cat|rm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog_builds.h"
#include "cli.h"
#include "lib/log.h"
#include "pipeline/shard.h"
#include "pipeline/shards_admin.h"
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
	"  rm NAME       remove NAME's shard files (only files that are its shards),\n"
	"                then its rows",
	"  -c, --catalog DB   the catalog (required)\n"
	"  -m, --model SPM    cat: decode ids to text with this SentencePiece model\n",
};

static void field(const char *v, int first)
{
	printf("%s%s", first ? "" : "\t", v ? v : "");
}

static int ls_row(void *ctx, const al_cat_build_sum *b, al_err *e)
{
	(void)ctx;
	(void)e;
	const char *v[] = {b->name, b->dataset, b->split, b->task, b->status};
	for (int i = 0; i < 5; i++)
		field(v[i], i == 0);
	printf("\t%lld\t%lld\t%lld", b->shards, b->examples, b->bytes);
	field(b->created, 0);
	putchar('\n');
	return 0;
}

static int shard_row(void *ctx, const al_cat_shard *s, al_err *e)
{
	(void)ctx;
	(void)e;
	printf("%lld\t%s\t%lld\t%lld\t%s\n", s->seq, s->path, s->examples, s->bytes,
	       s->checksum);
	return 0;
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

typedef struct cat_ctx {
	const al_spm *sp;
	al_spm_buf buf;
} cat_ctx;

static int cat_example(void *arg, const al_shard_example *x, al_err *e)
{
	cat_ctx *cc = arg;
	(void)e;
	fputs("{\"id\": ", stdout);
	al_cli_put_json(x->id, x->id_len);
	fputs(", \"task\": ", stdout);
	al_cli_put_json(x->task, x->task_len);
	fputs(", \"input_ids\": ", stdout);
	ids_out(x->input, x->n_input);
	fputs(", \"target_ids\": [", stdout);
	const uint32_t *t = x->targets;
	for (uint32_t k = 0; k < x->n_targets; t += x->target_lens[k], k++) {
		fputs(k ? ", " : "", stdout);
		ids_out(t, x->target_lens[k]);
	}
	putchar(']');
	if (cc->sp) {
		fputs(", \"input\": ", stdout);
		text_out(cc->sp, x->input, x->n_input, &cc->buf);
		fputs(", \"targets\": [", stdout);
		t = x->targets;
		for (uint32_t k = 0; k < x->n_targets; t += x->target_lens[k], k++) {
			fputs(k ? ", " : "", stdout);
			text_out(cc->sp, t, x->target_lens[k], &cc->buf);
		}
		putchar(']');
	}
	printf(", \"patches\": %u}\n", x->n_patches);
	return 0;
}

/* The actions: what the command line gave them, and what they found. */
typedef struct args {
	const char *name, *model;
	int bad;                   /* verify: shards with a problem */
} args;

static int act_ls(al_catalog *c, args *a, al_err *e)
{
	(void)a;
	puts("name\tdataset\tsplit\ttask\tstatus\tshards\texamples\tbytes\tcreated");
	return al_catalog_builds_each(c, ls_row, NULL, e);
}

static int act_show(al_catalog *c, args *a, al_err *e)
{
	al_cat_build b;
	int rc = al_catalog_build_get(c, a->name, &b, e);
	if (rc < 0)
		return rc;
	const char *kv[][2] = {
		{"name", b.name}, {"dataset", b.dataset}, {"split", b.split}, {"task", b.task},
		{"status", b.status}, {"tokenizer_sha256", b.tokenizer_sha256},
		{"vision_sha256", b.vision_sha256}, {"tool_version", b.tool_version},
		{"created", b.created}, {"finished", b.finished}, {"sources", b.sources},
		{"params", b.params},
	};
	for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
		printf("%s\t%s\n", kv[i][0], kv[i][1] ? kv[i][1] : "");
	al_cat_build_clear(&b);
	puts("\nseq\tpath\texamples\tbytes\tchecksum");
	return al_catalog_shards_each(c, a->name, shard_row, NULL, e);
}

static int act_verify(al_catalog *c, args *a, al_err *e)
{
	al_cat_build b;
	int rc = a->name ? al_catalog_build_get(c, a->name, &b, e) : 0;
	if (rc < 0)
		return rc;
	if (a->name)
		al_cat_build_clear(&b);
	rc = al_shards_verify(c, a->name, on_verify, NULL, &a->bad, e);
	if (rc == 0 && a->bad)
		al_error("%d shard%s missing, truncated or modified", a->bad,
			 a->bad == 1 ? " is" : "s are");
	return rc;
}

static int act_cat(al_catalog *c, args *a, al_err *e)
{
	cat_ctx cc = {0};
	al_spm *sp = a->model ? al_spm_new(a->model, e) : NULL;
	if (a->model && !sp)
		return e->code;
	cc.sp = sp;
	int rc = al_shards_each_example(c, a->name, cat_example, &cc, e);
	free(cc.buf.s);
	al_spm_free(sp);
	return rc;
}

static int act_rm(al_catalog *c, args *a, al_err *e)
{
	return al_shards_remove(c, a->name, e);
}

static const struct action {
	const char *name;
	int (*fn)(al_catalog *c, args *a, al_err *e);
	int needs_name;
	int write;                 /* opens the catalog read-write */
} actions[] = {
	{"ls", act_ls, 0, 0},
	{"show", act_show, 1, 0},
	{"verify", act_verify, 0, 0},
	{"cat", act_cat, 1, 0},
	{"rm", act_rm, 1, 1},
};

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
	const struct action *act = NULL;
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
		if (!strcmp(argv[optind], actions[i].name))
			act = &actions[i];
	if (!act)
		return al_cli_usage(&help, "unknown action '%s'", argv[optind]);
	args a = {optind + 1 < argc ? argv[optind + 1] : NULL, model, 0};
	if (act->needs_name && !a.name)
		return al_cli_usage(&help, "%s needs a build NAME", act->name);
	if (argc - optind > 2)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind + 2]);
	if (!db)
		return al_cli_usage(&help, "--catalog is required");
	al_err e = {0};
	/* no action creates a catalog: a missing one is a mistyped name */
	al_catalog *cat_db = act->write ? al_catalog_open_existing(db, &e)
					: al_catalog_open_readonly(db, &e);
	if (!cat_db) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	int rc = act->fn(cat_db, &a, &e);
	al_catalog_close(cat_db);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return a.bad ? AL_EXIT_FAIL : (fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL);
}
