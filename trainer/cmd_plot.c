/* cmd_plot.c: adalink plot: training curves of runs in a catalog, as SVG
 * (or PNG through gnuplot). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "lib/log.h"
#include "trainer/plot.h"

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

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
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
	al_err e = {0};
	int rc = al_plot_runs(path, argv + optind, argc - optind, dev, every, out, &e);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return AL_EXIT_OK;
}
