/* plot.h: line charts as SVG, for adalink plot: one or more panels side by
 * side, each with several series (one per run) and a shared legend.
 *
 * Axes run from the data's least to greatest value rounded out to "nice"
 * ticks (1, 2 or 5 times a power of ten); series are drawn as polylines
 * in a fixed palette, in order.
 */
#ifndef AL_PLOT_H
#define AL_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"

typedef struct al_series {
	const char *label;
	const double *x, *y;
	size_t n;
} al_series;

typedef struct al_panel {
	const char *title, *xlabel, *ylabel;
	const al_series *series;
	int nseries;
} al_panel;

/* Write np panels to f as one SVG document.  A panel without points says
 * "no data".  Returns 0, or AL_EIO if writing fails. */
int al_plot_svg(FILE *f, const al_panel *p, int np, al_err *e);

/* The same panels as a PNG through gnuplot, run without a shell with the
 * script on its standard input; every string (the path, titles, run
 * names) single-quoted, so nothing in a name is interpreted.  AL_EINVAL if
 * gnuplot is not installed, AL_EIO if it fails. */
int al_plot_png(const char *out, const al_panel *p, int np, al_err *e);

/* The training loss (means of every steps, 0: the longest run's steps /
 * 100) and the dev value dev (NULL: the first dev_METRIC any run logged,
 * else dev_loss; "none": no dev panel) of the runs names[0..nr) in the
 * catalog at path, drawn into out: .png through gnuplot, else SVG written
 * atomically.  AL_ENOTFOUND for an unknown run or a dev value no run
 * logged. */
int al_plot_runs(const char *path, char *const *names, int nr, const char *dev, long every,
		 const char *out, al_err *e);

/* Nice ticks covering [lo, hi]: first tick *t0, step *dt, count *n
 * (at most about 8).  Exposed for the tests. */
void al_plot_ticks(double lo, double hi, double *t0, double *dt, int *n);

#endif
