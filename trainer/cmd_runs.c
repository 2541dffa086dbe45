/* cmd_runs.c: adalink runs ls|show|history|compare|rm: the training runs
 * recorded in a catalog. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "trainer/runs.h"

static const al_cmd_help help = {
	"runs",
	"adalink runs ls|show|history|compare|rm --catalog DB [RUN...]",
	"The training runs adalink train recorded in a catalog:\n"
	"  ls              every run: name, method, status, steps, last loss, best\n"
	"                  dev loss, best dev metric, created (TSV with a header)\n"
	"  show RUN        its settings and final scores (key, value), then its\n"
	"                  checkpoints: step, mean training loss since the previous\n"
	"                  one, and every other value logged there (TSV)\n"
	"  history RUN     every logged value by step, one column per name (TSV;\n"
	"                  empty where nothing was logged)\n"
	"  compare RUN...  settings, final scores and summaries side by side, one\n"
	"                  column per run; differing settings are marked '*'\n"
	"  rm RUN          remove the run and its values",
	"  -c, --catalog DB   the catalog (required)\n",
};

/* key/value rows collected from JSON members, for show and compare */
typedef struct kv {
	char **k, **v;
	size_t n;
	const char *prefix;
} kv;

static void kv_add(const char *key, const char *value, void *arg)
{
	kv *t = arg;
	char **k = realloc(t->k, (t->n + 1) * sizeof *k), **v;
	if (!k)
		return;
	t->k = k;
	if (!(v = realloc(t->v, (t->n + 1) * sizeof *v)))
		return;
	t->v = v;
	size_t len = strlen(t->prefix) + strlen(key) + 1;
	if (!(k[t->n] = malloc(len)))
		return;
	snprintf(k[t->n], len, "%s%s", t->prefix, key);
	v[t->n] = strdup(value ? value : "");
	t->n++;
}

/* key's row in t, or -1 */
static long kv_find(const kv *t, const char *key)
{
	for (size_t l = 0; l < t->n; l++)
		if (!strcmp(t->k[l], key))
			return (long)l;
	return -1;
}

/* key's value in t, or "" */
static const char *kv_get(const kv *t, const char *key)
{
	long l = kv_find(t, key);
	return l < 0 ? "" : t->v[l];
}

static void kv_free(kv *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->k[i]);
		free(t->v[i]);
	}
	free(t->k);
	free(t->v);
}

/* A run's rows: fields, config.*, final.*, and summaries of its values. */
static int run_rows(al_catalog *c, const al_cat_run *r, kv *t, al_err *e)
{
	const char *fields[][2] = {
		{"name", r->name}, {"method", r->method}, {"status", r->status},
		{"backbone_sha256", r->backbone_sha256}, {"created", r->created},
		{"finished", r->finished},
	};
	t->prefix = "";
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		kv_add(fields[i][0], fields[i][1] ? fields[i][1] : "", t);
	t->prefix = "config.";
	if (r->config && al_json_members(r->config, kv_add, t, e) < 0)
		return e->code;
	t->prefix = "final.";
	if (r->final_scores && al_json_members(r->final_scores, kv_add, t, e) < 0)
		return e->code;
	char **names;
	size_t nn;
	if (al_catalog_run_metric_names(c, r->id, &names, &nn, e) < 0)
		return e->code;
	t->prefix = "";
	for (size_t i = 0; i < nn; i++) {
		long *steps;
		double *vals;
		size_t n;
		if (al_catalog_run_series(c, r->id, names[i], &steps, &vals, &n, e) == 0 && n) {
			char key[96], val[64];
			snprintf(key, sizeof key, "last.%s", names[i]);
			snprintf(val, sizeof val, "%.6g (step %ld)", vals[n - 1], steps[n - 1]);
			kv_add(key, val, t);
			if (!strstr(names[i], "loss") && strncmp(names[i], "dev_", 4))
				goto next;   /* lr, tokens/s: no "best" */
			size_t best = 0;
			int lower = strstr(names[i], "loss") != NULL;   /* else higher is better */
			for (size_t k = 1; k < n; k++)
				if (lower ? vals[k] < vals[best] : vals[k] > vals[best])
					best = k;
			snprintf(key, sizeof key, "best.%s", names[i]);
			snprintf(val, sizeof val, "%.6g (step %ld)", vals[best], steps[best]);
			kv_add(key, val, t);
		}
next:
		free(steps);
		free(vals);
		free(names[i]);
	}
	free(names);
	return 0;
}

static int ls_row(void *ctx, const al_cat_run_sum *r, al_err *e)
{
	(void)ctx;
	(void)e;
	const char *v[] = {r->name, r->method, r->status, r->steps, r->loss, r->best_dev_loss,
			   r->best_dev_metric, r->created};
	for (int i = 0; i < 8; i++)
		printf("%s%s", i ? "\t" : "", v[i] ? v[i] : "");
	putchar('\n');
	return 0;
}

static int ls(al_catalog *c, char **names, int n, al_err *e)
{
	(void)names;
	(void)n;
	puts("name\tmethod\tstatus\tsteps\tloss\tbest_dev_loss\tbest_dev_metric\tcreated");
	return al_catalog_runs_each(c, ls_row, NULL, e);
}

/* The values of every name at every step, one column per name; with
 * checkpoints, only the steps where something other than loss and lr was
 * logged, loss being the mean since the previous such step. */
static int table(al_catalog *c, const al_cat_run *r, int checkpoints, al_err *e)
{
	char **names;
	size_t nn;
	if (al_catalog_run_metric_names(c, r->id, &names, &nn, e) < 0)
		return e->code;
	long **steps = calloc(nn + 1, sizeof *steps);
	double **vals = calloc(nn + 1, sizeof *vals);
	size_t *n = calloc(nn + 1, sizeof *n), *at = calloc(nn + 1, sizeof *at);
	int rc = 0, iloss = -1;
	if (!steps || !vals || !n || !at)
		rc = al_err_set(e, AL_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < nn; i++) {
		rc = al_catalog_run_series(c, r->id, names[i], &steps[i], &vals[i], &n[i], e);
		if (!strcmp(names[i], "loss"))
			iloss = (int)i;
	}
	if (rc == 0) {
		fputs("step", stdout);
		for (size_t i = 0; i < nn; i++)
			if (!checkpoints || strcmp(names[i], "lr"))
				printf("\t%s", names[i]);
		putchar('\n');
	}
	double lsum = 0;
	long lcount = 0;
	for (;;) {
		if (rc < 0)
			break;
		long step = -1;   /* the next step with any value */
		for (size_t i = 0; i < nn; i++)
			if (at[i] < n[i] && (step < 0 || steps[i][at[i]] < step))
				step = steps[i][at[i]];
		if (step < 0)
			break;
		int other = 0;
		for (size_t i = 0; i < nn; i++)
			if (at[i] < n[i] && steps[i][at[i]] == step && (int)i != iloss &&
			    strcmp(names[i], "lr"))
				other = 1;
		if (checkpoints && iloss >= 0 && at[iloss] < n[iloss] && steps[iloss][at[iloss]] == step) {
			lsum += vals[iloss][at[iloss]];
			lcount++;
		}
		if (!checkpoints || other) {
			printf("%ld", step);
			for (size_t i = 0; i < nn; i++) {
				if (checkpoints && !strcmp(names[i], "lr"))
					continue;
				int here = at[i] < n[i] && steps[i][at[i]] == step;
				if (checkpoints && (int)i == iloss) {
					if (lcount)
						printf("\t%.6g", lsum / lcount);
					else
						putchar('\t');
					lsum = 0;
					lcount = 0;
				} else if (here) {
					printf(checkpoints ? "\t%.6g" : "\t%.9g", vals[i][at[i]]);
				} else {
					putchar('\t');
				}
			}
			putchar('\n');
		}
		for (size_t i = 0; i < nn; i++)
			if (at[i] < n[i] && steps[i][at[i]] == step)
				at[i]++;
	}
	for (size_t i = 0; i < nn; i++) {
		if (steps)
			free(steps[i]);
		if (vals)
			free(vals[i]);
		free(names[i]);
	}
	free(names);
	free(steps);
	free(vals);
	free(n);
	free(at);
	return rc;
}

static int show_run(al_catalog *c, const char *name, int history, al_err *e)
{
	al_cat_run r;
	kv t = {0};
	int rc = al_catalog_run_get(c, name, &r, e);
	if (rc == 0 && !history) {
		rc = run_rows(c, &r, &t, e);
		for (size_t i = 0; rc == 0 && i < t.n; i++)
			if (strncmp(t.k[i], "last.", 5) && strncmp(t.k[i], "best.", 5))
				printf("%s\t%s\n", t.k[i], t.v[i]);
		if (rc == 0)
			putchar('\n');
	}
	if (rc == 0)
		rc = table(c, &r, !history, e);
	kv_free(&t);
	al_cat_run_clear(&r);
	return rc;
}

static int show(al_catalog *c, char **names, int n, al_err *e)
{
	(void)n;
	return show_run(c, names[0], 0, e);
}

static int history(al_catalog *c, char **names, int n, al_err *e)
{
	(void)n;
	return show_run(c, names[0], 1, e);
}

static int compare(al_catalog *c, char **names, int n, al_err *e)
{
	al_cat_run *r = calloc((size_t)n, sizeof *r);
	kv *t = calloc((size_t)n, sizeof *t);
	int rc = r && t ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
	for (int i = 0; rc == 0 && i < n; i++)
		if ((rc = al_catalog_run_get(c, names[i], &r[i], e)) == 0)
			rc = run_rows(c, &r[i], &t[i], e);
	if (rc == 0) {
		/* the union of keys, in the order first seen */
		fputs("key", stdout);
		for (int i = 0; i < n; i++)
			printf("\t%s", names[i]);
		putchar('\n');
		for (int i = 0; i < n; i++) {
			for (size_t k = 0; k < t[i].n; k++) {
				const char *key = t[i].k[k];
				int seen = 0;
				for (int j = 0; j < i && !seen; j++)
					seen = kv_find(&t[j], key) >= 0;
				if (seen || !strcmp(key, "name"))
					continue;
				int differs = 0;
				for (int j = 1; j < n; j++)
					differs |= strcmp(kv_get(&t[0], key), kv_get(&t[j], key)) != 0;
				int mark = differs && !strncmp(key, "config.", 7);
				printf("%s%s", mark ? "*" : "", key);
				for (int j = 0; j < n; j++)
					printf("\t%s", kv_get(&t[j], key));
				putchar('\n');
			}
		}
	}
	for (int i = 0; i < n; i++) {
		if (t)
			kv_free(&t[i]);
		if (r)
			al_cat_run_clear(&r[i]);
	}
	free(t);
	free(r);
	return rc;
}

static int rm(al_catalog *c, char **names, int n, al_err *e)
{
	al_cat_run r;
	(void)n;
	if (al_catalog_run_get(c, names[0], &r, e) < 0)
		return e->code;
	int rc = al_catalog_run_delete(c, r.id, e);
	al_cat_run_clear(&r);
	return rc;
}

/* The actions and the RUNs each takes. */
enum { NO_RUN, ONE_RUN, RUNS };
static const struct action {
	const char *name;
	int (*fn)(al_catalog *c, char **names, int n, al_err *e);
	int runs;                  /* NO_RUN, ONE_RUN or RUNS (two or more) */
	int write;                 /* opens the catalog read-write */
} actions[] = {
	{"ls", ls, NO_RUN, 0},
	{"show", show, ONE_RUN, 0},
	{"history", history, ONE_RUN, 0},
	{"compare", compare, RUNS, 0},
	{"rm", rm, ONE_RUN, 1},
};

int cmd_runs(int argc, char **argv)
{
	static const struct option opts[] = {
		{"catalog", required_argument, 0, 'c'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *path = NULL;
	int c, status;
	/* -C as train and predict spell it, too */
	while ((c = getopt_long(argc, argv, "c:C:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'c': case 'C': path = optarg; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (optind >= argc)
		return al_cli_usage(&help, "an action is required: ls, show, history, compare or rm");
	const struct action *act = NULL;
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
		if (!strcmp(argv[optind], actions[i].name))
			act = &actions[i];
	if (!act)
		return al_cli_usage(&help, "unknown action '%s'", argv[optind]);
	int nargs = argc - optind - 1;
	if (act->runs == NO_RUN && nargs)
		return al_cli_usage(&help, "%s takes no RUN", act->name);
	if (act->runs == RUNS && nargs < 2)
		return al_cli_usage(&help, "%s needs two RUNs or more", act->name);
	if (act->runs == ONE_RUN && nargs != 1)
		return al_cli_usage(&help, "%s needs one RUN", act->name);
	if (!path)
		return al_cli_usage(&help, "--catalog is required");
	al_err e = {0};
	al_catalog *cat = act->write ? al_catalog_open_existing(path, &e) : al_catalog_open_readonly(path, &e);
	int rc = cat ? act->fn(cat, argv + optind + 1, nargs, &e) : e.code;
	al_catalog_close(cat);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
}
