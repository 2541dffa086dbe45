/* cmd_score.c: adalink score: caption, VQA, ANLS and GLUE metrics of
 * predictions against references, as NAME<TAB>VALUE lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/file.h"
#include "lib/log.h"
#include "metrics/glue.h"
#include "metrics/input.h"
#include "metrics/ptbtok.h"
#include "metrics/pynum.h"
#include "metrics/score.h"

static const al_cmd_help help = {
	"score",
	"adalink score METRIC [TASK] --refs R --preds P [--pretokenized]\n"
	"       [--per-example FILE] [--format FMT] [--allow-missing]\n"
	"       adalink score glue TASK TASK... --refs R --preds P --refs R --preds P...\n"
	"       adalink score --tokenize [--breaks-as-spaces] < CAPTIONS",
	"Score predictions P against references R and print one NAME<TAB>VALUE\n"
	"line per number, as the official scorers compute them.  METRIC: cider,\n"
	"bleu, rouge, caption (all three), vqa, anls, accuracy, f1, mcc, pearson,\n"
	"spearman, or glue TASK (cola, sst2, mrpc, qqp, stsb, mnli, mnli_matched,\n"
	"mnli_mismatched, qnli, rte, wnli, hans, ax).  Several GLUE tasks, each\n"
	"with its --refs and --preds in the same order, give each task's numbers\n"
	"as TASK.NAME and the leaderboard's average as glue_average.  Values are\n"
	"fractions, to full double precision.",
	"  -r, --refs R          the references ('-': standard input)\n"
	"  -p, --preds P         the predictions ('-': standard input)\n"
	"  -t, --pretokenized    captions are space-separated tokens already:\n"
	"                        skip the PTB tokenizer\n"
	"  -e, --per-example F   write ID<TAB>NAME<TAB>VALUE for every example\n"
	"                        to F ('-': standard output)\n"
	"  -f, --format FMT      jsonl, coco, vqa, docvqa, stvqa, glue (dev TSV)\n"
	"                        or auto (the default: detected from the files)\n"
	"  -m, --allow-missing   score a reference with no prediction as empty\n"
	"      --tokenize        print the caption tokenizer's output for the\n"
	"                        captions on standard input (one a line, one run)\n"
	"      --breaks-as-spaces  \\r, \\v, \\f, U+2028 and U+2029 in a caption are\n"
	"                        spaces, not line breaks (unlike the official scorer)\n",
};

/* Write one value, shortest round-trip text. */
static void put_value(FILE *f, double v)
{
	char buf[40];
	fputs(al_fmt_double(v, buf, sizeof buf), f);
}

/* Write every example's numbers as ID<TAB>NAME<TAB>VALUE, NAME after
 * prefix (NULL: none) and a dot. */
static void write_per_example(FILE *f, const char *prefix, const al_score_set *s,
			      const al_score_result *r)
{
	for (int k = 0; k < r->nper; k++)
		for (size_t i = 0; i < r->nex; i++) {
			fprintf(f, "%s\t%s%s%s\t", al_score_at(s, i)->id, prefix ? prefix : "",
				prefix ? "." : "", r->per_name[k]);
			put_value(f, r->per[i * r->nper + k]);
			fputc('\n', f);
		}
}

/* Score one pair of files; print its numbers (names after prefix, if
 * any) and per-example numbers to pf (if not NULL).  Task score of GLUE
 * in *glue_score.  Returns 0 or -1 (message printed). */
static int score_pair(const char *metric, const char *task, const char *refs,
		      const char *preds, int fmt, int pretok, int allow_missing,
		      const char *prefix, FILE *pf, double *glue_score)
{
	al_err e = {0};
	al_score_set *s = al_score_set_new();
	al_score_result r = {0};
	int rc = -1;
	if (!s) {
		al_error("out of memory");
		return -1;
	}
	if (al_score_read_refs(s, refs, fmt, &e) < 0 ||
	    al_score_read_preds(s, preds, fmt, &e) < 0 ||
	    al_score_check(s, allow_missing, &e) < 0 ||
	    al_score_run(metric, task, s, pretok, &r, &e) < 0) {
		al_error("%s%s%s", prefix ? prefix : "", prefix ? ": " : "", e.msg);
		goto out;
	}
	if (r.invalid)
		al_warn("%s%s%zu of %zu predictions %s neither a number nor a label name of "
			"the task: scored as -1, wrong (as T5's postprocessors do)",
			prefix ? prefix : "", prefix ? ": " : "", r.invalid, al_score_count(s),
			r.invalid == 1 ? "is" : "are");
	for (int k = 0; k < r.n; k++) {
		printf("%s%s%s\t", prefix ? prefix : "", prefix ? "." : "", r.name[k]);
		put_value(stdout, r.value[k]);
		putchar('\n');
		if (glue_score && !strcmp(r.name[k], "glue_score"))
			*glue_score = r.value[k];
	}
	if (pf)
		write_per_example(pf, prefix, s, &r);
	rc = 0;
out:
	al_score_result_free(&r);
	al_score_set_free(s);
	return rc;
}

/* adalink score --tokenize: the captions of standard input, one a line,
 * tokenized in one run; one output line per caption. */
static int tokenize_stdin(void)
{
	al_err e = {0};
	char **cap = NULL, *line = NULL;
	size_t n = 0, cap_n = 0, lcap = 0;
	ssize_t len;
	int rc = AL_EXIT_FAIL;
	while ((len = getline(&line, &lcap, stdin)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = 0;
		if (n == cap_n) {
			size_t nc = cap_n ? 2 * cap_n : 256;
			char **v = realloc(cap, nc * sizeof *v);
			if (!v)
				goto oom;
			cap = v;
			cap_n = nc;
		}
		if (!(cap[n] = strdup(line)))
			goto oom;
		n++;
	}
	if (ferror(stdin)) {
		al_error("unable to read standard input");
		goto out;
	}
	al_ptb *t = al_ptb_new(&e);
	char **out = t ? calloc(n + 1, sizeof *out) : NULL;
	if (!t || !out || al_ptb_tokenize(t, (const char *const *)cap, n, out, &e) < 0) {
		al_error("%s", t && out ? e.msg : t ? "out of memory" : e.msg);
		al_ptb_free(t);
		free(out);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		puts(out[i]);
		free(out[i]);
	}
	free(out);
	al_ptb_free(t);
	rc = AL_EXIT_OK;
	goto out;
oom:
	al_error("out of memory");
out:
	for (size_t i = 0; i < n; i++)
		free(cap[i]);
	free(cap);
	free(line);
	return rc;
}

/* Several GLUE tasks: each task's numbers, then the leaderboard's average. */
static int score_tasks(const char *metric, const char *const *tasks, int ntasks,
		       const char *const *refs, const char *const *preds, int fmt, int pretok,
		       int allow_missing, FILE *pf)
{
	double score[AL_GLUE_NTASKS] = {0};
	int have[AL_GLUE_NTASKS] = {0};
	for (int i = 0; i < ntasks; i++) {
		int t = al_glue_task(tasks[i]);
		if (score_pair(metric, tasks[i], refs[i], preds[i], fmt, pretok,
			       allow_missing, al_glue_task_name(t), pf, &score[t]) < 0)
			return AL_EXIT_FAIL;
		have[t] = 1;
	}
	int counted;
	double avg = al_glue_leaderboard_average(score, have, &counted);
	if (counted == 0) {
		al_error("no task counts towards the GLUE average (AX and "
			 "HANS are diagnostics)");
		return AL_EXIT_FAIL;
	}
	printf("glue_average\t");
	put_value(stdout, avg);
	putchar('\n');
	return AL_EXIT_OK;
}

/* --tokenize: the captions on stdin, tokenized, to stdout. */
static int tokenize_and_flush(void)
{
	int rc = tokenize_stdin();
	if (rc == AL_EXIT_OK && fflush(stdout) != 0) {
		al_error("unable to write the output");
		rc = AL_EXIT_FAIL;
	}
	return rc;
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
		{"tokenize", no_argument, 0, 1},
		{"breaks-as-spaces", no_argument, 0, 2},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	enum { MAXPAIRS = 2 * AL_GLUE_NTASKS };
	const char *refs[MAXPAIRS], *preds[MAXPAIRS], *per = NULL;
	int nrefs = 0, npreds = 0;
	int pretok = 0, fmt = AL_FMT_AUTO, allow_missing = 0, c, status;
	int tokenize = 0;
	while ((c = getopt_long(argc, argv, "r:p:te:f:m" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'p':
			if ((c == 'r' ? nrefs : npreds) == MAXPAIRS)
				return al_cli_usage(&help, "at most %d --refs and --preds", MAXPAIRS);
			if (c == 'r')
				refs[nrefs++] = optarg;
			else
				preds[npreds++] = optarg;
			break;
		case 't': pretok = 1; break;
		case 'e': per = optarg; break;
		case 'm': allow_missing = 1; break;
		case 1: tokenize = 1; break;
		case 2: al_ptb_default_spaces(1); break;
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
	if (tokenize) {
		if (optind < argc || nrefs || npreds || pretok || per)
			return al_cli_usage(&help, "--tokenize reads captions on standard "
					    "input and takes no METRIC or files");
		return tokenize_and_flush();
	}
	if (optind == argc)
		return al_cli_usage(&help, "a METRIC is required");
	const char *metric = argv[optind++];
	const char *const *tasks = (const char *const *)argv + optind;
	int ntasks = argc - optind;
	al_err e = {0};
	if (strcmp(metric, "glue")) {
		if (ntasks)
			return al_cli_usage(&help, "only glue takes a TASK, not %s", metric);
		if (al_score_metric_check(metric, NULL, &e) < 0)
			return al_cli_usage(&help, "%s", e.msg);
	} else {
		if (ntasks > AL_GLUE_NTASKS)
			return al_cli_usage(&help, "at most %d GLUE tasks", AL_GLUE_NTASKS);
		for (int i = 0; i < (ntasks ? ntasks : 1); i++)
			if (al_score_metric_check(metric, ntasks ? tasks[i] : NULL, &e) < 0)
				return al_cli_usage(&help, "%s", e.msg);
		for (int i = 0; i < ntasks; i++)
			for (int j = 0; j < i; j++)
				if (al_glue_task(tasks[i]) == al_glue_task(tasks[j]))
					return al_cli_usage(&help, "GLUE task '%s' given twice",
							    tasks[i]);
	}
	if (!nrefs || !npreds)
		return al_cli_usage(&help, "--refs and --preds are required");
	int npairs = ntasks > 1 ? ntasks : 1;
	if (ntasks > 1 && (nrefs != npairs || npreds != npairs))
		return al_cli_usage(&help, "one --refs and one --preds for each GLUE "
				    "task, in order (%d tasks, %d --refs, %d --preds)",
				    ntasks, nrefs, npreds);
	if (nrefs != npairs || npreds != npairs)
		return al_cli_usage(&help, "one --refs and one --preds (several pairs are "
				    "for several GLUE tasks)");
	int stdin_users = 0;
	for (int i = 0; i < npairs; i++)
		stdin_users += !strcmp(refs[i], "-") + !strcmp(preds[i], "-");
	if (stdin_users > 1)
		return al_cli_usage(&help, "only one of the --refs and --preds can be stdin");
	al_afile *af = NULL;
	FILE *pf = NULL;
	if (per && strcmp(per, "-")) {
		if (!(af = al_afile_open(per, &e))) {
			al_error("%s", e.msg);
			return AL_EXIT_FAIL;
		}
		pf = al_afile_fp(af);
	} else if (per) {
		pf = stdout;
	}
	int rc = AL_EXIT_OK;
	if (ntasks <= 1) {
		if (score_pair(metric, ntasks ? tasks[0] : NULL, refs[0], preds[0], fmt, pretok,
			       allow_missing, NULL, pf, NULL) < 0)
			rc = AL_EXIT_FAIL;
	} else {
		rc = score_tasks(metric, tasks, ntasks, refs, preds, fmt, pretok, allow_missing, pf);
	}
	if (af) {
		if (rc != AL_EXIT_OK)
			al_afile_abort(af);
		else if (al_afile_commit(af, &e) < 0) {
			al_error("%s", e.msg);
			rc = AL_EXIT_FAIL;
		}
	}
	if (rc == AL_EXIT_OK && fflush(stdout) != 0) {
		al_error("unable to write the output");
		rc = AL_EXIT_FAIL;
	}
	return rc;
}
