/* cmd_ingest.c: adalink ingest: a dataset's archives -> JSONL records. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ds.h"
#include "cli.h"
#include "lib/log.h"

static const al_cmd_help help = {
	"ingest",
	"adalink ingest DATASET [--split S] [--task T] [--limit N] [--skip-bad]\n"
	"                       [--no-images] SOURCE...\n"
	"       adalink ingest text [--unit doc|para] [--min-words N] [--skip-bad]\n"
	"                       SOURCE...\n"
	"       adalink ingest --list",
	"Read a dataset's distribution as downloaded (archives: zip, tar, tar.gz,\n"
	"tar.bz2, tar.xz, tar.zst; folders; loose files) as a stream and write one\n"
	"JSON record a line on stdout: dataset, split, id, task, image, inputs,\n"
	"targets.  Give the annotation sources first, then the images.",
	"  -s, --split S    only split S (train, val, test, restval, dev, ...)\n"
	"  -t, --task T     GLUE: only task T (cola, sst2, ...); ST-VQA: 1, 2, 3\n"
	"  -n, --limit N    stop after N records\n"
	"  -k, --skip-bad   count and skip bad records instead of failing\n"
	"  -I, --no-images  annotations only: records name the image the\n"
	"                   annotation names; no image source is read\n"
	"  -u, --unit U     text: a record per paragraph (para, the default) or\n"
	"                   per document (doc)\n"
	"      --min-words N\n"
	"                   text: drop paragraphs or documents of fewer words\n"
	"  -l, --list       list the datasets and the files each expects\n",
};

typedef struct ctx {
	al_recw *w;
	long limit;
	al_progress *p;
} ctx;

static int on_record(void *p, const al_record *r, al_err *e)
{
	ctx *c = p;
	int rc = al_recw_write(c->w, r, e);
	if (rc < 0)
		return rc;
	al_progress_add(c->p, 1);
	if (c->limit > 0 && --c->limit == 0)
		return 1;
	return 0;
}

static void on_skip(void *p, const char *msg)
{
	(void)p;
	al_warn("skipped: %s", msg);
}

static int list(void)
{
	const char *name, *summary, *expects;
	for (int i = 0; (name = al_ds_list(i, &summary, &expects)); i++)
		printf("%s\t%s\t%s\n", name, summary, expects);
	return fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{"split", required_argument, 0, 's'},
		{"task", required_argument, 0, 't'},
		{"limit", required_argument, 0, 'n'},
		{"skip-bad", no_argument, 0, 'k'},
		{"no-images", no_argument, 0, 'I'},
		{"list", no_argument, 0, 'l'},
		{"unit", required_argument, 0, 'u'},
		{"min-words", required_argument, 0, 1001},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	al_ds_opts o = {0};
	int c, status, do_list = 0;
	long limit = 0;
	while ((c = getopt_long(argc, argv, "s:t:n:kIlu:" AL_CLI_COMMON_SHORT, opts,
				NULL)) != -1) {
		switch (c) {
		case 's': o.split = optarg; break;
		case 't': o.task = optarg; break;
		case 'n':
			if (al_parse_long(optarg, 1, 0x7fffffffffffffffL,
					  &limit) < 0)
				return al_cli_usage(&help, "--limit wants a positive "
						    "count, not '%s'", optarg);
			break;
		case 'k': o.skip_bad = 1; break;
		case 'I': o.no_images = 1; break;
		case 'l': do_list = 1; break;
		case 'u': o.unit = optarg; break;
		case 1001:
			if (al_parse_long(optarg, 0, 0x7fffffffffffffffL,
					  &o.min_words) < 0)
				return al_cli_usage(&help, "--min-words wants a count, "
						    "not '%s'", optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (do_list) {
		if (optind != argc)
			return al_cli_usage(&help, "--list takes no arguments");
		return list();
	}
	if (optind == argc)
		return al_cli_usage(&help, "a DATASET is required (adalink ingest "
				    "--list names them)");
	if (optind + 1 == argc)
		return al_cli_usage(&help, "a SOURCE is required after '%s'",
				    argv[optind]);
	if ((o.unit || o.min_words) && strcmp(argv[optind], "text") != 0)
		return al_cli_usage(&help, "--unit and --min-words are for text, "
				    "not '%s'", argv[optind]);
	o.on_skip = al_log_level() > AL_LOG_QUIET ? on_skip : NULL;
	al_err e = {0};
	al_ds *ds = al_ds_new(argv[optind], &o, &e);
	if (!ds) {
		if (e.code == AL_ENOTFOUND || e.code == AL_EINVAL)
			return al_cli_usage(&help, "%s", e.msg);
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	ctx cx = {al_recw_new(stdout), limit, NULL};
	if (!cx.w) {
		al_ds_free(ds);
		al_error("out of memory");
		return AL_EXIT_FAIL;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cx.p = al_progress_new("records", limit > 0 ? (uint64_t)limit : 0);
	int rc = al_ds_run(ds, (const char *const *)argv + optind + 1,
			   argc - optind - 1, on_record, &cx, &e);
	if (rc == 0 && fflush(stdout) != 0)
		rc = al_err_errno(&e, AL_EIO, "unable to write the records");
	al_progress_free(cx.p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const al_ds_stats *st = al_ds_get_stats(ds);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
	if (rc < 0)
		al_error("%s", e.msg);
	else if (al_log_level() > AL_LOG_QUIET)
		fprintf(stderr, "adalink ingest: %" PRIu64 " records, %" PRIu64
			" images, %" PRIu64 " skipped, %" PRIu64 " bytes, %.2f "
			"seconds\n", st->records, st->images, st->skipped,
			st->bytes, secs);
	al_recw_free(cx.w);
	al_ds_free(ds);
	return rc < 0 ? AL_EXIT_FAIL : AL_EXIT_OK;
}
