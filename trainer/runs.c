/* runs.c: training runs read back from the catalog. */
#include "runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

static char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

int al_run_get(sqlite3 *db, const char *name, al_run *r, al_err *e)
{
	sqlite3_stmt *s;
	memset(r, 0, sizeof *r);
	if (sqlite3_prepare_v2(db, "SELECT id, name, method, status, config, backbone_sha256, "
			       "final_scores, created, finished FROM runs WHERE name = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "reading the runs: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(s, 0);
		r->name = col(s, 1);
		r->method = col(s, 2);
		r->status = col(s, 3);
		r->config = col(s, 4);
		r->backbone_sha256 = col(s, 5);
		r->final_scores = col(s, 6);
		r->created = col(s, 7);
		r->finished = col(s, 8);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return al_err_set(e, AL_EDB, "reading the runs: %s", sqlite3_errmsg(db));
	return al_err_set(e, AL_ENOTFOUND, "no run '%s' in the catalog (adalink runs ls "
			  "lists them)", name);
}

void al_run_clear(al_run *r)
{
	free(r->name);
	free(r->method);
	free(r->status);
	free(r->config);
	free(r->backbone_sha256);
	free(r->final_scores);
	free(r->created);
	free(r->finished);
	memset(r, 0, sizeof *r);
}

int al_run_series(sqlite3 *db, long long id, const char *metric, long **steps,
		  double **values, size_t *n, al_err *e)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	*steps = NULL;
	*values = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT step, value FROM run_metrics WHERE run_id = ? AND "
			       "name = ? AND value IS NOT NULL ORDER BY step", -1, &s, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "reading the run's values: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, metric, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			long *ns = realloc(*steps, cap * sizeof *ns);
			if (ns)
				*steps = ns;
			double *nv = realloc(*values, cap * sizeof *nv);
			if (nv)
				*values = nv;
			if (!ns || !nv) {
				sqlite3_finalize(s);
				return al_err_set(e, AL_ENOMEM, "out of memory");
			}
		}
		(*steps)[*n] = (long)sqlite3_column_int64(s, 0);
		(*values)[(*n)++] = sqlite3_column_double(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return al_err_set(e, AL_EDB, "reading the run's values: %s", sqlite3_errmsg(db));
	return 0;
}

int al_run_metric_names(sqlite3 *db, long long id, char ***names, size_t *n, al_err *e)
{
	sqlite3_stmt *s;
	*names = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT name FROM run_metrics WHERE run_id = ? "
			       "ORDER BY name", -1, &s, NULL) != SQLITE_OK)
		return al_err_set(e, AL_EDB, "reading the run's values: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **nn = realloc(*names, (*n + 1) * sizeof *nn);
		char *v = col(s, 0);
		if (!nn || !v) {
			free(v);
			if (nn)
				*names = nn;
			sqlite3_finalize(s);
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		*names = nn;
		nn[(*n)++] = v;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return al_err_set(e, AL_EDB, "reading the run's values: %s", sqlite3_errmsg(db));
	return 0;
}

int al_json_members(const char *json, void (*fn)(const char *, const char *, void *),
		    void *arg, al_err *e)
{
	char ebuf[128];
	yajl_val root = json ? yajl_tree_parse(json, ebuf, sizeof ebuf) : NULL;
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return al_err_set(e, AL_EFORMAT, "not a JSON object: %.60s", json ? json : "(null)");
	}
	for (size_t i = 0; i < root->u.object.len; i++) {
		yajl_val v = root->u.object.values[i];
		const char *t = YAJL_IS_STRING(v) ? v->u.string : YAJL_IS_NUMBER(v) ? v->u.number.r
			: YAJL_IS_TRUE(v) ? "true" : YAJL_IS_FALSE(v) ? "false"
			: YAJL_IS_NULL(v) ? "null" : "(structure)";
		fn(root->u.object.keys[i], t, arg);
	}
	yajl_tree_free(root);
	return 0;
}
