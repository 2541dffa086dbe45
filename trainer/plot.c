/* plot.c: SVG line charts. */
#include "plot.h"

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
