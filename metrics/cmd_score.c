/* cmd_score.c: adalink score: caption, VQA, ANLS and GLUE metrics of
 * predictions against references, as NAME<TAB>VALUE lines. */
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/file.h"
#include "lib/log.h"
#include "metrics/input.h"
#include "metrics/mutil.h"
#include "metrics/score.h"

static const al_cmd_help help = {
	"score",
	"adalink score METRIC [TASK] --refs R --preds P [--pretokenized]\n"
	"       [--per-example FILE] [--format FMT] [--allow-missing]",
	"Score predictions P against references R and print one NAME<TAB>VALUE\n"
	"line per number, as the official scorers compute them.  METRIC: cider,\n"
	"bleu, rouge, caption (all three), vqa, anls, accuracy, f1, mcc, pearson,\n"
	"spearman, or glue TASK (cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte,\n"
	"wnli, ax).  Values are fractions, to full double precision.",
	"  -r, --refs R          the references ('-': standard input)\n"
	"  -p, --preds P         the predictions ('-': standard input)\n"
	"  -t, --pretokenized    captions are space-separated tokens already:\n"
	"                        skip the PTB tokenizer\n"
	"  -e, --per-example F   write ID<TAB>NAME<TAB>VALUE for every example\n"
	"                        to F ('-': standard output)\n"
	"  -f, --format FMT      jsonl, coco, vqa, docvqa, stvqa, glue (dev TSV)\n"
	"                        or auto (the default: detected from the files)\n"
	"  -m, --allow-missing   score a reference with no prediction as empty\n",
};

/* Write one value, shortest round-trip text. */
static void put_value(FILE *f, double v)
{
	char buf[40];
	fputs(al_fmt_double(v, buf, sizeof buf), f);
}

static int write_per_example(const char *path, const al_score_set *s,
			     const al_score_result *r)
{
	al_err e = {0};
	al_afile *af = NULL;
	FILE *f = stdout;
	if (strcmp(path, "-")) {
		if (!(af = al_afile_open(path, &e))) {
			al_error("%s", e.msg);
			return -1;
		}
		f = al_afile_fp(af);
	}
	for (int k = 0; k < r->nper; k++)
		for (size_t i = 0; i < r->nex; i++) {
			fprintf(f, "%s\t%s\t", al_score_at(s, i)->id, r->per_name[k]);
			put_value(f, r->per[i * r->nper + k]);
			fputc('\n', f);
		}
	if (af && al_afile_commit(af, &e) < 0) {
		al_error("%s", e.msg);
		return -1;
	}
	return 0;
}

int cmd_score(int argc, char **argv)
{
	static const struct option opts[] = {
		{"refs", required_argument, 0, 'r'},
		{"preds", required_argument, 0, 'p'},
		{"pretokenized", no_argument, 0, 't'},
		{"per-example", required_argument, 0, 'e'},
		{"format", required_argument, 0, 'f'},
		{"allow-missing", no_argument, 0, 'm'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *refs = NULL, *preds = NULL, *per = NULL;
	int pretok = 0, fmt = AL_FMT_AUTO, allow_missing = 0, c, status;
	while ((c = getopt_long(argc, argv, "r:p:te:f:m" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'r': refs = optarg; break;
		case 'p': preds = optarg; break;
		case 't': pretok = 1; break;
		case 'e': per = optarg; break;
		case 'm': allow_missing = 1; break;
		case 'f':
			if ((fmt = al_score_format_parse(optarg)) < 0)
				return al_cli_usage(&help, "--format wants jsonl, coco, vqa, "
						    "docvqa, stvqa, glue or auto, not '%s'", optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (optind == argc)
		return al_cli_usage(&help, "a METRIC is required");
	const char *metric = argv[optind++];
	const char *task = optind < argc ? argv[optind++] : NULL;
	if (optind < argc)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind]);
	al_err e = {0};
	if (al_score_metric_check(metric, task, &e) < 0)
		return al_cli_usage(&help, "%s", e.msg);
	if (task && strcmp(metric, "glue"))
		return al_cli_usage(&help, "only glue takes a TASK, not %s", metric);
	if (!refs || !preds)
		return al_cli_usage(&help, "--refs and --preds are required");
	if (!strcmp(refs, "-") && !strcmp(preds, "-"))
		return al_cli_usage(&help, "--refs and --preds cannot both be stdin");
	al_score_set *s = al_score_set_new();
	al_score_result r = {0};
	int rc = AL_EXIT_FAIL;
	if (!s) {
		al_error("out of memory");
		return AL_EXIT_FAIL;
	}
	if (al_score_read_refs(s, refs, fmt, &e) < 0 ||
	    al_score_read_preds(s, preds, fmt, &e) < 0 ||
	    al_score_check(s, allow_missing, &e) < 0 ||
	    al_score_run(metric, task, s, pretok, &r, &e) < 0) {
		al_error("%s", e.msg);
		goto out;
	}
	for (int k = 0; k < r.n; k++) {
		printf("%s\t", r.name[k]);
		put_value(stdout, r.value[k]);
		putchar('\n');
	}
	if (per && write_per_example(per, s, &r) < 0)
		goto out;
	if (fflush(stdout) != 0) {
		al_error("unable to write the output");
		goto out;
	}
	rc = AL_EXIT_OK;
out:
	al_score_result_free(&r);
	al_score_set_free(s);
	return rc;
}
