/* cli.c: options and usage shared by every command. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "lib/blas.h"
#include "lib/log.h"

static int threads;

int al_cli_threads(void) { return threads; }

int al_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static const char common_help[] =
	"  -j, --threads N  use N threads (default: all cores)\n"
	"  -q, --quiet      print errors and warnings only; no progress\n"
	"  -v, --verbose    print debug messages\n"
	"  -h, --help       print this help and exit\n";

void al_cli_help(const al_cmd_help *h)
{
	printf("usage: %s\n\n%s\n\noptions:\n%s%s\nSee adalink-%s(1): adalink help %s\n",
	       h->synopsis, h->summary, h->options ? h->options : "",
	       common_help, h->name, h->name);
}

/* "adalink CMD", or "adalink" for the top level (name "adalink"). */
static const char *prog(const al_cmd_help *h, char *buf, size_t n)
{
	if (strcmp(h->name, "adalink") == 0)
		return "adalink";
	snprintf(buf, n, "adalink %s", h->name);
	return buf;
}

int al_cli_usage(const al_cmd_help *h, const char *fmt, ...)
{
	char b[96];
	const char *p = prog(h, b, sizeof b);
	va_list ap;
	fprintf(stderr, "%s: ", p);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\nTry '%s --help'.\n", h->synopsis, p);
	return AL_EXIT_USAGE;
}

int al_cli_common(const al_cmd_help *h, int c, const char *arg, int *status)
{
	long v;
	switch (c) {
	case AL_OPT_HELP:
		al_cli_help(h);
		*status = AL_EXIT_OK;
		return -1;
	case AL_OPT_QUIET:
		al_log_set_level(AL_LOG_QUIET);
		return 1;
	case AL_OPT_VERBOSE:
		al_log_set_level(AL_LOG_DEBUG);
		return 1;
	case AL_OPT_THREADS:
		if (al_parse_long(arg, 1, 4096, &v) < 0) {
			*status = al_cli_usage(h, "-j wants a thread count from 1 "
					       "to 4096, not '%s'", arg);
			return -1;
		}
		threads = (int)v;
		al_blas_set_threads(threads);
		return 1;
	case '?': { /* getopt_long has said what was wrong */
		char b[96];
		fprintf(stderr, "usage: %s\nTry '%s --help'.\n", h->synopsis,
			prog(h, b, sizeof b));
		}
		*status = AL_EXIT_USAGE;
		return -1;
	}
	return 0;
}

void al_cli_put_json(const char *s, size_t n)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *b;
	size_t len;
	if (!g)
		return;
	yajl_gen_string(g, (const unsigned char *)s, n);
	yajl_gen_get_buf(g, &b, &len);
	fwrite(b, 1, len, stdout);
	yajl_gen_free(g);
}
