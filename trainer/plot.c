/* plot.c: SVG line charts. */
#include "plot.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <strings.h>

#include "lib/catalog.h"
#include "lib/catalog_runs.h"
#include "lib/file.h"

#include <math.h>
#include <string.h>

enum { PW = 460, PH = 340, ML = 64, MR = 16, MT = 36, MB = 48, LEGEND = 22 };

static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
	"#17becf",
};
#define NPAL ((int)(sizeof palette / sizeof *palette))

void al_plot_ticks(double lo, double hi, double *t0, double *dt, int *n)
{
	if (!(hi > lo)) {   /* one value (or none): a unit around it */
		double c = isfinite(lo) ? lo : 0, w = fabs(c) > 0 ? fabs(c) * 0.1 : 1;
		lo = c - w;
		hi = c + w;
	}
	double raw = (hi - lo) / 6, p = pow(10, floor(log10(raw))), f = raw / p;
	double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
	*t0 = floor(lo / step) * step;
	*dt = step;
	*n = (int)ceil((hi - *t0) / step - 1e-9) + 1;
}

static void text_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void tick_label(FILE *f, double v, double dt)
{
	if (fabs(v) < dt * 1e-6)
		v = 0;
	fprintf(f, "%g", v);
}

static void panel(FILE *f, const al_panel *p, double ox, double oy)
{
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (int s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++) {
			double x = p->series[s].x[i], y = p->series[s].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			xlo = fmin(xlo, x);
			xhi = fmax(xhi, x);
			ylo = fmin(ylo, y);
			yhi = fmax(yhi, y);
		}
	double w = PW - ML - MR, h = PH - MT - MB, x0 = ox + ML, y0 = oy + MT;
	fprintf(f, "<g class=\"panel\">\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		"font-size=\"14\">", x0 + w / 2, oy + 20);
	text_escaped(f, p->title);
	fprintf(f, "</text>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"none\" stroke=\"#444\"/>\n", x0, y0, w, h);
	if (!isfinite(xlo)) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">"
			"no data</text>\n</g>\n", x0 + w / 2, y0 + h / 2);
		return;
	}
	double xt0, xdt, yt0, ydt;
	int xn, yn;
	al_plot_ticks(xlo, xhi, &xt0, &xdt, &xn);
	al_plot_ticks(ylo, yhi, &yt0, &ydt, &yn);
	double xa = xt0, xb = xt0 + (xn - 1) * xdt, ya = yt0, yb = yt0 + (yn - 1) * ydt;
	if (xb <= xa)
		xb = xa + xdt;
	if (yb <= ya)
		yb = ya + ydt;
#define PX(v) (x0 + ((v) - xa) / (xb - xa) * w)
#define PY(v) (y0 + h - ((v) - ya) / (yb - ya) * h)
	for (int i = 0; i < xn; i++) {
		double v = xt0 + i * xdt;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">",
			PX(v), y0, PX(v), y0 + h, PX(v), y0 + h + 15);
		tick_label(f, v, xdt);
		fputs("</text>\n", f);
	}
	for (int i = 0; i < yn; i++) {
		double v = yt0 + i * ydt;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">",
			x0, PY(v), x0 + w, PY(v), x0 - 5, PY(v) + 4);
		tick_label(f, v, ydt);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">",
		x0 + w / 2, y0 + h + 36);
	text_escaped(f, p->xlabel);
	fprintf(f, "</text>\n<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
		"text-anchor=\"middle\" font-size=\"12\">", ox + 16, y0 + h / 2);
	text_escaped(f, p->ylabel);
	fputs("</text>\n", f);
	for (int s = 0; s < p->nseries; s++) {
		const al_series *se = &p->series[s];
		if (se->n == 0)
			continue;
		fprintf(f, "<polyline class=\"series\" data-label=\"");
		text_escaped(f, se->label);
		fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"",
			palette[s % NPAL]);
		for (size_t i = 0; i < se->n; i++)
			if (isfinite(se->x[i]) && isfinite(se->y[i]))
				fprintf(f, "%s%.2f,%.2f", i ? " " : "", PX(se->x[i]), PY(se->y[i]));
		fputs("\"/>\n", f);
		if (se->n == 1)   /* a lone point shows as a dot */
			fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n",
				PX(se->x[0]), PY(se->y[0]), palette[s % NPAL]);
	}
#undef PX
#undef PY
	fputs("</g>\n", f);
}

int al_plot_svg(FILE *f, const al_panel *p, int np, al_err *e)
{
	int nlegend = 0;
	for (int i = 0; i < np; i++)
		if (p[i].nseries > nlegend)
			nlegend = p[i].nseries;
	double W = PW * (np > 0 ? np : 1), H = PH + LEGEND * nlegend + 8;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
	for (int i = 0; i < np; i++)
		panel(f, &p[i], i * (double)PW, 0);
	/* the legend: the first panel with the most series names them */
	for (int i = 0; i < np; i++) {
		if (p[i].nseries != nlegend)
			continue;
		for (int s = 0; s < nlegend; s++) {
			double y = PH + LEGEND * s + 12;
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
				"stroke-width=\"3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"12\">",
				ML, y, ML + 24, y, palette[s % NPAL], ML + 30, y + 4);
			text_escaped(f, p[i].series[s].label);
			fputs("</text>\n", f);
		}
		break;
	}
	fputs("</svg>\n", f);
	if (fflush(f) != 0 || ferror(f))
		return al_err_set(e, AL_EIO, "writing the plot failed");
	return 0;
}

/* ---- PNG through gnuplot ---- */

/* s as a gnuplot single-quoted string: nothing inside is interpreted (no
 * backquote command, no escape), and a quote is doubled. */
static void gp_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* The script that draws the panels into out. */
static void gp_script(FILE *f, const char *out, const al_panel *p, int np)
{
	fprintf(f, "set terminal png size %d,%d\nset output ", 520 * np, 420);
	gp_quoted(f, out);
	fprintf(f, "\nset multiplot layout 1,%d\nset key top right\nset grid\n", np);
	for (int i = 0; i < np; i++) {
		for (int s = 0; s < p[i].nseries; s++) {
			fprintf(f, "$d%d_%d << EOD\n", i, s);
			for (size_t k = 0; k < p[i].series[s].n; k++)
				fprintf(f, "%.9g %.9g\n", p[i].series[s].x[k], p[i].series[s].y[k]);
			fputs("EOD\n", f);
		}
		fputs("set title ", f);
		gp_quoted(f, p[i].title);
		fputs("\nset xlabel ", f);
		gp_quoted(f, p[i].xlabel);
		fputs("\nset ylabel ", f);
		gp_quoted(f, p[i].ylabel);
		fputs("\nplot ", f);
		for (int s = 0; s < p[i].nseries; s++) {
			fprintf(f, "%s$d%d_%d with lines title ", s ? ", " : "", i, s);
			gp_quoted(f, p[i].series[s].label);
		}
		fputs(p[i].nseries ? "\n" : "NaN notitle\n", f);
	}
	fputs("unset multiplot\n", f);
}

int al_plot_png(const char *out, const al_panel *p, int np, al_err *e)
{
	int fds[2];
	if (pipe(fds) < 0)
		return al_err_errno(e, AL_EIO, "unable to start gnuplot");
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return al_err_errno(e, AL_EIO, "unable to start gnuplot");
	}
	if (pid == 0) {   /* no shell: gnuplot reads the script on its stdin */
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execlp("gnuplot", "gnuplot", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	FILE *f = fdopen(fds[1], "w");
	if (!f)
		close(fds[1]);
	else {
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);   /* gnuplot may be missing */
		gp_script(f, out, p, np);
		fclose(f);
		signal(SIGPIPE, old);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return al_err_set(e, AL_EINVAL, "a PNG needs gnuplot (apt-get install gnuplot-nox); "
				  "or write an .svg");
	if (!f || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return al_err_set(e, AL_EIO, "gnuplot failed to write '%s'", out);
	return 0;
}

/* ---- the runs of a catalog ---- */

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

/* What al_plot_runs reads and draws; plot_free releases it. */
typedef struct plot_data {
	int nr;
	al_cat_run *runs;
	curve *loss, *devc;          /* [nr] the training loss in buckets, the dev value */
	al_series *ls, *ds;          /* [nr] views of them for the panels */
	char devname[64];
	long k;                      /* steps a loss bucket holds */
	int any_dev;
} plot_data;

static void plot_free(plot_data *d)
{
	for (int i = 0; i < d->nr; i++) {
		if (d->runs)
			al_cat_run_clear(&d->runs[i]);
		if (d->loss) {
			free(d->loss[i].x);
			free(d->loss[i].y);
		}
		if (d->devc) {
			free(d->devc[i].x);
			free(d->devc[i].y);
		}
	}
	free(d->runs);
	free(d->loss);
	free(d->devc);
	free(d->ls);
	free(d->ds);
}

/* The dev value to draw: dev as given ("none": no panel), or the first
 * dev_METRIC any run logged, else dev_loss. */
static int pick_dev(al_catalog *db, plot_data *d, const char *dev, al_err *e)
{
	if (dev) {
		if (strcmp(dev, "none"))
			snprintf(d->devname, sizeof d->devname, "%s%s",
				 strncmp(dev, "dev_", 4) ? "dev_" : "", dev);
		return 0;
	}
	for (int i = 0; i < d->nr; i++) {
		char **mn;
		size_t nm;
		if (al_catalog_run_metric_names(db, d->runs[i].id, &mn, &nm, e) < 0)
			return e->code;
		for (size_t k = 0; k < nm; k++) {
			if (!d->devname[0] && !strncmp(mn[k], "dev_", 4) && strcmp(mn[k], "dev_loss"))
				snprintf(d->devname, sizeof d->devname, "%s", mn[k]);
			free(mn[k]);
		}
		free(mn);
	}
	if (!d->devname[0])
		snprintf(d->devname, sizeof d->devname, "dev_loss");
	return 0;
}

/* Every run's training loss, in buckets of every steps (0: the longest
 * run's steps / 100). */
static int load_loss(al_catalog *db, plot_data *d, char *const *names, long every, al_err *e)
{
	long **steps = calloc((size_t)d->nr, sizeof *steps), longest = 0;
	double **vals = calloc((size_t)d->nr, sizeof *vals);
	size_t *nv = calloc((size_t)d->nr, sizeof *nv);
	int rc = steps && vals && nv ? 0 : al_err_set(e, AL_ENOMEM, "out of memory");
	for (int i = 0; rc == 0 && i < d->nr; i++) {
		rc = al_catalog_run_series(db, d->runs[i].id, "loss", &steps[i], &vals[i], &nv[i], e);
		if (rc == 0 && nv[i] && steps[i][nv[i] - 1] > longest)
			longest = steps[i][nv[i] - 1];
	}
	d->k = every ? every : longest / 100 > 1 ? longest / 100 : 1;
	for (int i = 0; rc == 0 && i < d->nr; i++) {
		d->loss[i].x = malloc((nv[i] + 1) * sizeof(double));
		d->loss[i].y = malloc((nv[i] + 1) * sizeof(double));
		if (!d->loss[i].x || !d->loss[i].y) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			break;
		}
		bucket(steps[i], vals[i], nv[i], d->k, &d->loss[i]);
		d->ls[i] = (al_series){names[i], d->loss[i].x, d->loss[i].y, d->loss[i].n};
	}
	for (int i = 0; i < d->nr && steps && vals; i++) {
		free(steps[i]);
		free(vals[i]);
	}
	free(steps);
	free(vals);
	free(nv);
	return rc;
}

/* Every run's dev value, as logged. */
static int load_dev(al_catalog *db, plot_data *d, char *const *names, al_err *e)
{
	for (int i = 0; d->devname[0] && i < d->nr; i++) {
		long *s;
		double *v;
		size_t n;
		if (al_catalog_run_series(db, d->runs[i].id, d->devname, &s, &v, &n, e) < 0)
			return e->code;
		d->devc[i].x = malloc((n + 1) * sizeof(double));
		d->devc[i].y = v;
		for (size_t j = 0; d->devc[i].x && j < n; j++)
			d->devc[i].x[j] = (double)s[j];
		free(s);
		if (!d->devc[i].x)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		d->devc[i].n = n;
		d->any_dev |= n > 0;
		d->ds[i] = (al_series){names[i], d->devc[i].x, d->devc[i].y, n};
	}
	return 0;
}

/* The panels into out: PNG through gnuplot, else SVG written atomically. */
static int draw(const plot_data *d, const char *out, al_err *e)
{
	char ltitle[96];
	snprintf(ltitle, sizeof ltitle, d->k > 1 ? "training loss (mean of %ld steps)"
		 : "training loss", d->k);
	al_panel p[2] = {
		{ltitle, "step", "loss per target token", d->ls, d->nr},
		{d->devname, "step", d->devname, d->ds, d->nr},
	};
	int np = d->any_dev ? 2 : 1;
	size_t olen = strlen(out);
	if (olen >= 4 && strcasecmp(out + olen - 4, ".png") == 0)
		return al_plot_png(out, p, np, e);
	al_afile *af = al_afile_open(out, e);
	if (!af)
		return e->code;
	if (al_plot_svg(al_afile_fp(af), p, np, e) < 0) {
		al_afile_abort(af);
		return e->code;
	}
	return al_afile_commit(af, e);
}

int al_plot_runs(const char *path, char *const *names, int nr, const char *dev, long every,
		 const char *out, al_err *e)
{
	plot_data d = {.nr = nr};
	d.runs = calloc((size_t)nr, sizeof *d.runs);
	d.loss = calloc((size_t)nr, sizeof *d.loss);
	d.devc = calloc((size_t)nr, sizeof *d.devc);
	d.ls = calloc((size_t)nr, sizeof *d.ls);
	d.ds = calloc((size_t)nr, sizeof *d.ds);
	int rc = d.runs && d.loss && d.devc && d.ls && d.ds ? 0
		 : al_err_set(e, AL_ENOMEM, "out of memory");
	al_catalog *db = rc == 0 ? al_catalog_open_readonly(path, e) : NULL;
	if (!db)
		rc = e->code;
	for (int i = 0; rc == 0 && i < nr; i++)
		rc = al_catalog_run_get(db, names[i], &d.runs[i], e);
	if (rc == 0 && (pick_dev(db, &d, dev, e) < 0 || load_loss(db, &d, names, every, e) < 0 ||
			load_dev(db, &d, names, e) < 0))
		rc = e->code;
	if (rc == 0 && dev && d.devname[0] && !d.any_dev)
		rc = al_err_set(e, AL_ENOTFOUND, "no run logged '%s' (adalink runs show RUN "
				"lists what was logged)", d.devname);
	if (rc == 0)
		rc = draw(&d, out, e);
	plot_free(&d);
	al_catalog_close(db);
	return rc;
}
