/* log.c: stderr messages and the progress meter. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char prog[64] = "adalink";
static int level = AL_LOG_INFO;

void al_log_init(const char *p)
{
	snprintf(prog, sizeof prog, "%s", p ? p : "adalink");
}

void al_log_set_level(int l) { level = l; }
int al_log_level(void) { return level; }

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prog, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void al_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void al_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void al_info(const char *fmt, ...)
{
	if (level < AL_LOG_INFO)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void al_debug(const char *fmt, ...)
{
	if (level < AL_LOG_DEBUG)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

struct al_progress {
	char what[48];
	uint64_t total, done;
	double start, last;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

char *al_human(double v, char *buf, int size)
{
	const char *u = "";
	if (v >= 1e9) { v /= 1e9; u = "G"; }
	else if (v >= 1e6) { v /= 1e6; u = "M"; }
	else if (v >= 1e4) { v /= 1e3; u = "k"; }
	snprintf(buf, size, *u ? "%.2f%s" : "%.0f%s", v, u);
	return buf;
}

al_progress *al_progress_new(const char *what, uint64_t total)
{
	const char *force = getenv("ADALINK_PROGRESS");
	if (level < AL_LOG_INFO)
		return NULL;
	if (!(force && *force == '1') && !isatty(2))
		return NULL;
	al_progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	snprintf(p->what, sizeof p->what, "%s", what);
	p->total = total;
	p->start = p->last = now();
	return p;
}

static void draw(al_progress *p, double t, int final)
{
	char d[32], tot[32], r[32];
	double el = t - p->start;
	double rate = el > 0 ? p->done / el : 0;
	fprintf(stderr, "\r%s: %s", prog, al_human(p->done, d, sizeof d));
	if (p->total)
		fprintf(stderr, "/%s %s (%.1f%%)", al_human(p->total, tot, sizeof tot),
			p->what, 100.0 * p->done / p->total);
	else
		fprintf(stderr, " %s", p->what);
	fprintf(stderr, ", %s/s", al_human(rate, r, sizeof r));
	if (p->total && rate > 0 && !final && p->done < p->total) {
		double eta = (p->total - p->done) / rate;
		fprintf(stderr, ", ETA %d:%02d", (int)(eta / 60), (int)eta % 60);
	} else if (final) {
		fprintf(stderr, ", %.1f s", el);
	}
	fprintf(stderr, "\033[K%s", final ? "\n" : "");
	fflush(stderr);
}

void al_progress_add(al_progress *p, uint64_t n)
{
	if (!p)
		return;
	p->done += n;
	double t = now();
	if (t - p->last >= 0.2) {
		p->last = t;
		draw(p, t, 0);
	}
}

void al_progress_free(al_progress *p)
{
	if (!p)
		return;
	draw(p, now(), 1);
	free(p);
}
