/* cmd_plot.c: adalink plot: training curves of runs in a catalog, as SVG
 * (or PNG through gnuplot). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "lib/cli.h"
#include "lib/file.h"
#include "lib/log.h"
#include "trainer/plot.h"
#include "trainer/runs.h"

static const al_cmd_help help = {
	"plot",
	"adalink plot --catalog DB [--dev NAME] [--every K] -o OUT.svg|OUT.png RUN...",
	"Draw the training loss and the dev metric of the runs against the step,\n"
	"one line per run, as an SVG picture (or a PNG through gnuplot, if\n"
	"installed), so runs can be compared at a glance.",
	"  -c, --catalog DB    the catalog the runs were recorded in (required)\n"
	"  -D, --dev NAME      the dev value to draw (default: the first dev_METRIC\n"
	"                      logged, else dev_loss; 'none': no dev panel)\n"
	"  -k, --every K       draw the training loss as means of K steps (default:\n"
	"                      the longest run's steps / 100, at least 1)\n"
	"  -o, --output OUT    the picture: .svg, or .png through gnuplot\n",
};

typedef struct curve {
	double *x, *y;
	size_t n;
} curve;

/* The mean of every k values (the last group may be shorter), at the
 * group's last step. */
static void bucket(const long *steps, const double *v, size_t n, long k, curve *c)
{
	c->n = 0;
	double sum = 0;
	long cnt = 0;
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		cnt++;
		if (cnt == k || i + 1 == n) {
			c->x[c->n] = (double)steps[i];
			c->y[c->n++] = sum / (double)cnt;
			sum = 0;
			cnt = 0;
		}
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* PNG: the same curves as data blocks for gnuplot. */
static int plot_png(const char *out, const al_panel *p, int np, al_err *e)
{
	if (system("command -v gnuplot >/dev/null 2>&1") != 0)
		return al_err_set(e, AL_EINVAL, "a PNG needs gnuplot (apt-get install gnuplot-nox); "
				  "or write an .svg");
	char tmp[] = "/tmp/adalink-plot.XXXXXX";
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return al_err_set(e, AL_EIO, "unable to write a gnuplot script: %s", strerror(errno));
	fprintf(f, "set terminal png size %d,%d\nset output '", 520 * np, 420);
	for (const char *s = out; *s; s++)
		fprintf(f, *s == '\'' ? "''" : "%c", *s);
	fprintf(f, "'\nset multiplot layout 1,%d\nset key top right\nset grid\n", np);
	for (int i = 0; i < np; i++) {
		for (int s = 0; s < p[i].nseries; s++) {
			fprintf(f, "$d%d_%d << EOD\n", i, s);
			for (size_t k = 0; k < p[i].series[s].n; k++)
				fprintf(f, "%.9g %.9g\n", p[i].series[s].x[k], p[i].series[s].y[k]);
			fputs("EOD\n", f);
		}
		fprintf(f, "set title \"%s\"\nset xlabel \"%s\"\nset ylabel \"%s\"\nplot ",
			p[i].title, p[i].xlabel, p[i].ylabel);
		for (int s = 0; s < p[i].nseries; s++)
			fprintf(f, "%s$d%d_%d with lines title \"%s\"", s ? ", " : "", i, s,
				p[i].series[s].label);
		fputs(p[i].nseries ? "\n" : "NaN notitle\n", f);
	}
	fputs("unset multiplot\n", f);
	int bad = fclose(f) != 0;
	char cmd[64 + sizeof tmp];
	snprintf(cmd, sizeof cmd, "gnuplot '%s'", tmp);
	int rc = bad ? -1 : system(cmd);
	unlink(tmp);
	if (rc != 0)
		return al_err_set(e, AL_EIO, "gnuplot failed to write '%s'", out);
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"catalog", required_argument, 0, 'c'},
		{"dev", required_argument, 0, 'D'},
		{"every", required_argument, 0, 'k'},
		{"output", required_argument, 0, 'o'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *path = NULL, *out = NULL, *dev = NULL;
	long every = 0;
	int c, status;
	while ((c = getopt_long(argc, argv, "c:C:D:k:o:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'c': case 'C': path = optarg; break;
		case 'D': dev = optarg; break;
		case 'o': out = optarg; break;
		case 'k':
			if (al_parse_long(optarg, 1, 1L << 30, &every) < 0)
				return al_cli_usage(&help, "--every wants a whole number from 1, not '%s'",
						    optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!path || !out)
		return al_cli_usage(&help, "--catalog and --output are required");
	if (optind >= argc)
		return al_cli_usage(&help, "name one RUN or more (adalink runs ls lists them)");
	int png = ends_with(out, ".png");
	if (!png && !ends_with(out, ".svg"))
		return al_cli_usage(&help, "--output wants a .svg or .png file, not '%s'", out);
	int nr = argc - optind;
	char **names = argv + optind;
	al_err e = {0};
	al_cat_run *runs = calloc((size_t)nr, sizeof *runs);
	curve *loss = calloc((size_t)nr, sizeof *loss), *devc = calloc((size_t)nr, sizeof *devc);
	al_series *ls = calloc((size_t)nr, sizeof *ls), *ds = calloc((size_t)nr, sizeof *ds);
	long **steps = calloc((size_t)nr, sizeof *steps);
	double **vals = calloc((size_t)nr, sizeof *vals);
	size_t *nv = calloc((size_t)nr, sizeof *nv);
	char devname[64] = "";
	int rc = runs && loss && devc && ls && ds && steps && vals && nv ? 0
		: al_err_set(&e, AL_ENOMEM, "out of memory");
	al_catalog *cat = rc == 0 ? al_catalog_open_readonly(path, &e) : NULL;
	if (!cat)
		rc = e.code;
	al_catalog *db = cat;
	for (int i = 0; rc == 0 && i < nr; i++)
		rc = al_catalog_run_get(db, names[i], &runs[i], &e);
	/* the dev value: given, or the first dev_METRIC of any run, else dev_loss */
	if (dev && strcmp(dev, "none"))
		snprintf(devname, sizeof devname, "%s%s", strncmp(dev, "dev_", 4) ? "dev_" : "", dev);
	for (int i = 0; rc == 0 && !dev && i < nr; i++) {
		char **mn;
		size_t nm;
		if ((rc = al_catalog_run_metric_names(db, runs[i].id, &mn, &nm, &e)) < 0)
			break;
		for (size_t k = 0; k < nm; k++) {
			if (!devname[0] && !strncmp(mn[k], "dev_", 4) && strcmp(mn[k], "dev_loss"))
				snprintf(devname, sizeof devname, "%s", mn[k]);
			free(mn[k]);
		}
		free(mn);
	}
	if (!dev && !devname[0])
		snprintf(devname, sizeof devname, "dev_loss");
	long longest = 0;
	for (int i = 0; rc == 0 && i < nr; i++) {
		rc = al_catalog_run_series(db, runs[i].id, "loss", &steps[i], &vals[i], &nv[i], &e);
		if (rc == 0 && nv[i] && steps[i][nv[i] - 1] > longest)
			longest = steps[i][nv[i] - 1];
	}
	long k = every ? every : longest / 100 > 1 ? longest / 100 : 1;
	int any_dev = 0;
	for (int i = 0; rc == 0 && i < nr; i++) {
		loss[i].x = malloc((nv[i] + 1) * sizeof(double));
		loss[i].y = malloc((nv[i] + 1) * sizeof(double));
		if (!loss[i].x || !loss[i].y) {
			rc = al_err_set(&e, AL_ENOMEM, "out of memory");
			break;
		}
		bucket(steps[i], vals[i], nv[i], k, &loss[i]);
		ls[i] = (al_series){names[i], loss[i].x, loss[i].y, loss[i].n};
		if (devname[0]) {
			long *s;
			double *v;
			size_t n;
			if ((rc = al_catalog_run_series(db, runs[i].id, devname, &s, &v, &n, &e)) < 0)
				break;
			devc[i].x = malloc((n + 1) * sizeof(double));
			devc[i].y = v;
			for (size_t j = 0; devc[i].x && j < n; j++)
				devc[i].x[j] = (double)s[j];
			devc[i].n = n;
			free(s);
			any_dev |= n > 0;
			ds[i] = (al_series){names[i], devc[i].x, devc[i].y, devc[i].x ? n : 0};
		}
	}
	if (rc == 0 && dev && devname[0] && !any_dev)
		rc = al_err_set(&e, AL_ENOTFOUND, "no run logged '%s' (adalink runs show RUN "
				"lists what was logged)", devname);
	if (rc == 0) {
		char ltitle[96];
		snprintf(ltitle, sizeof ltitle, k > 1 ? "training loss (mean of %ld steps)"
			 : "training loss", k);
		al_panel p[2] = {
			{ltitle, "step", "loss per target token", ls, nr},
			{devname, "step", devname, ds, nr},
		};
		int np = any_dev ? 2 : 1;
		if (png) {
			rc = plot_png(out, p, np, &e);
		} else {
			al_afile *af = al_afile_open(out, &e);
			if (!af)
				rc = e.code;
			else if ((rc = al_plot_svg(al_afile_fp(af), p, np, &e)) < 0)
				al_afile_abort(af);
			else
				rc = al_afile_commit(af, &e);
		}
	}
	for (int i = 0; i < nr; i++) {
		if (runs)
			al_cat_run_clear(&runs[i]);
		if (loss) {
			free(loss[i].x);
			free(loss[i].y);
		}
		if (devc) {
			free(devc[i].x);
			free(devc[i].y);
		}
		if (steps)
			free(steps[i]);
		if (vals)
			free(vals[i]);
	}
	free(runs);
	free(loss);
	free(devc);
	free(ls);
	free(ds);
	free(steps);
	free(vals);
	free(nv);
	al_catalog_close(cat);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return AL_EXIT_OK;
}
