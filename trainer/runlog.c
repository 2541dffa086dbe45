/* runlog.c: training runs recorded in the catalog. */
#include "runlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog_runs.h"

struct al_runlog {
	al_catalog *c;
	long long id;
	al_cat_value *buf;
	size_t n, cap;
};

al_runlog *al_runlog_start(const char *catalog, const char *name, const char *method,
			   const char *config, const char *backbone_sha256, int resume,
			   long resume_step, al_err *e)
{
	al_runlog *r = calloc(1, sizeof *r);
	if (!r) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	if (!(r->c = al_catalog_open(catalog, e)))
		goto bad;
	if (al_catalog_begin(r->c, e) < 0)
		goto bad;
	long long id = -1;
	int found = al_catalog_run_find(r->c, name, &id, e);
	if (found < 0)
		goto rollback;
	if (resume && found) {
		if (al_catalog_run_rewind(r->c, id, resume_step, config, e) < 0)
			goto rollback;
	} else {
		if (found && al_catalog_run_delete(r->c, id, e) < 0)
			goto rollback;
		if (al_catalog_run_add(r->c, name, method, config, backbone_sha256, &id, e) < 0)
			goto rollback;
	}
	if (al_catalog_commit(r->c, e) < 0)
		goto rollback;
	r->id = id;
	return r;
rollback:
	al_catalog_rollback(r->c);
bad:
	al_err_wrap(e, "recording run '%s'", name);
	al_runlog_free(r);
	return NULL;
}

int al_runlog_add(al_runlog *r, long step, const char *name, double v, al_err *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		al_cat_value *b = realloc(r->buf, cap * sizeof *b);
		if (!b)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		r->buf = b;
		r->cap = cap;
	}
	al_cat_value *x = &r->buf[r->n++];
	x->step = step;
	snprintf(x->name, sizeof x->name, "%s", name);
	x->value = v;
	return 0;
}

int al_runlog_flush(al_runlog *r, al_err *e)
{
	if (r->n == 0)
		return 0;
	if (al_catalog_begin(r->c, e) < 0)
		return e->code;
	if (al_catalog_run_values_put(r->c, r->id, r->buf, r->n, e) < 0 ||
	    al_catalog_commit(r->c, e) < 0) {
		al_catalog_rollback(r->c);
		return e->code;
	}
	r->n = 0;
	return 0;
}

int al_runlog_finish(al_runlog *r, const char *status, const char *final_scores, al_err *e)
{
	if (al_runlog_flush(r, e) < 0)
		return e->code;
	return al_catalog_run_finish(r->c, r->id, status, final_scores, e);
}

/* A catalog that fails here gives NaN, as a run with no such value does. */
static double extreme(al_runlog *r, const char *name, int max)
{
	double v;
	al_err e = {0};
	return al_catalog_run_extreme(r->c, r->id, name, max, &v, &e) > 0 ? v : NAN;
}

double al_runlog_min(al_runlog *r, const char *name) { return extreme(r, name, 0); }
double al_runlog_max(al_runlog *r, const char *name) { return extreme(r, name, 1); }

void al_runlog_free(al_runlog *r)
{
	if (!r)
		return;
	al_catalog_close(r->c);
	free(r->buf);
	free(r);
}

const char *al_runlog_default_name(const char *path, char *buf, size_t n)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	static const char suffix[] = ".safetensors";
	if (len > sizeof suffix - 1 && strcmp(base + len - (sizeof suffix - 1), suffix) == 0)
		len -= sizeof suffix - 1;
	snprintf(buf, n, "%.*s", (int)len, base);
	return buf;
}
