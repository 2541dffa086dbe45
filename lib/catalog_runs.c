/* catalog_runs.c: the statements on runs and run_metrics. */
#include "catalog_runs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_impl.h"

void al_cat_run_clear(al_cat_run *r)
{
	char **s[] = {&r->name, &r->method, &r->status, &r->config, &r->backbone_sha256,
		      &r->final_scores, &r->created, &r->finished};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		free(*s[i]);
	memset(r, 0, sizeof *r);
}

int al_catalog_run_get(al_catalog *c, const char *name, al_cat_run *r, al_err *e)
{
	static const char what[] = "reading the runs";
	sqlite3_stmt *st;
	memset(r, 0, sizeof *r);
	int rc = al_cat_prepare(c, &st, what, e,
				"SELECT id, name, method, status, config, backbone_sha256, "
				"final_scores, created, finished FROM runs WHERE name = ?", "t", name);
	if (rc < 0)
		return rc;
	rc = al_cat_step(c, st, what, e);
	if (rc > 0) {
		char **s[] = {&r->name, &r->method, &r->status, &r->config, &r->backbone_sha256,
			      &r->final_scores, &r->created, &r->finished};
		r->id = sqlite3_column_int64(st, 0);
		rc = 0;
		for (size_t i = 0; rc == 0 && i < sizeof s / sizeof *s; i++)
			rc = al_cat_dup(st, (int)i + 1, s[i], e);
		if (rc < 0)
			al_cat_run_clear(r);
	} else if (rc == 0) {
		rc = al_err_set(e, AL_ENOTFOUND, "no run '%s' in the catalog (adalink runs ls "
				"lists them)", name);
	}
	sqlite3_finalize(st);
	return rc;
}

int al_catalog_run_find(al_catalog *c, const char *name, long long *id, al_err *e)
{
	static const char what[] = "recording the run";
	sqlite3_stmt *st;
	int rc = al_cat_prepare(c, &st, what, e, "SELECT id FROM runs WHERE name = ?", "t", name);
	if (rc < 0)
		return rc;
	if ((rc = al_cat_step(c, st, what, e)) > 0)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int al_catalog_run_add(al_catalog *c, const char *name, const char *method,
		       const char *config, const char *backbone_sha256, long long *id,
		       al_err *e)
{
	int rc = al_cat_do(c, "recording the run", e, "INSERT INTO runs (name, method, config, "
			    "backbone_sha256) VALUES (?, ?, ?, ?)", "tttt", name, method, config,
			    backbone_sha256);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(al_catalog_db(c));
	return rc;
}

int al_catalog_run_rewind(al_catalog *c, long long id, long step, const char *config,
			  al_err *e)
{
	int rc = al_cat_do(c, "recording the run", e, "DELETE FROM run_metrics WHERE run_id = ? "
			    "AND step > ?", "ii", id, (long long)step);
	if (rc == 0)
		rc = al_cat_do(c, "recording the run", e, "UPDATE runs SET status = 'running', "
				"finished = NULL, final_scores = NULL, config = ? WHERE id = ?", "ti",
				config, id);
	return rc;
}

int al_catalog_run_finish(al_catalog *c, long long id, const char *status,
			  const char *final_scores, al_err *e)
{
	return al_cat_do(c, "recording the run", e, "UPDATE runs SET status = ?, final_scores = ?, "
			  "finished = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", "tti",
			  status, final_scores, id);
}

int al_catalog_run_delete(al_catalog *c, long long id, al_err *e)
{
	return al_cat_do(c, "removing the run", e, "DELETE FROM runs WHERE id = ?", "i", id);
}

int al_catalog_run_values_put(al_catalog *c, long long id, const al_cat_value *v, size_t n,
			      al_err *e)
{
	static const char what[] = "logging the run's values";
	sqlite3_stmt *st;
	if (n == 0)
		return 0;
	int rc = al_cat_prepare(c, &st, what, e, "INSERT OR REPLACE INTO run_metrics (run_id, "
				"step, name, value) VALUES (?, ?, ?, ?)", "");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (sqlite3_reset(st) != SQLITE_OK)
			rc = al_catalog_fail(c, e, what);
		else if ((rc = al_cat_bind(c, st, what, e, "iitd", id, (long long)v[i].step,
					   v[i].name, v[i].value)) == 0)
			rc = al_cat_step(c, st, what, e);
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int al_catalog_run_extreme(al_catalog *c, long long id, const char *name, int max, double *v,
			   al_err *e)
{
	static const char what[] = "reading the run's values";
	sqlite3_stmt *st;
	*v = NAN;
	int rc = al_cat_prepare(c, &st, what, e, max
				? "SELECT max(value) FROM run_metrics WHERE run_id = ? AND name = ?"
				: "SELECT min(value) FROM run_metrics WHERE run_id = ? AND name = ?",
				"it", id, name);
	if (rc < 0)
		return rc;
	rc = al_cat_step(c, st, what, e);
	if (rc > 0 && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*v = sqlite3_column_double(st, 0);
	else if (rc > 0)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int al_catalog_run_series(al_catalog *c, long long id, const char *metric, long **steps,
			  double **values, size_t *n, al_err *e)
{
	static const char what[] = "reading the run's values";
	sqlite3_stmt *st;
	size_t cap = 0;
	*steps = NULL;
	*values = NULL;
	*n = 0;
	int rc = al_cat_prepare(c, &st, what, e, "SELECT step, value FROM run_metrics WHERE "
				"run_id = ? AND name = ? AND value IS NOT NULL ORDER BY step", "it",
				id, metric);
	if (rc < 0)
		return rc;
	while ((rc = al_cat_step(c, st, what, e)) > 0) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			long *ns = realloc(*steps, cap * sizeof *ns);
			if (ns)
				*steps = ns;
			double *nv = realloc(*values, cap * sizeof *nv);
			if (nv)
				*values = nv;
			if (!ns || !nv) {
				rc = al_err_set(e, AL_ENOMEM, "out of memory");
				break;
			}
		}
		(*steps)[*n] = (long)sqlite3_column_int64(st, 0);
		(*values)[(*n)++] = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int al_catalog_run_metric_names(al_catalog *c, long long id, char ***names, size_t *n,
				al_err *e)
{
	static const char what[] = "reading the run's values";
	sqlite3_stmt *st;
	*names = NULL;
	*n = 0;
	int rc = al_cat_prepare(c, &st, what, e, "SELECT DISTINCT name FROM run_metrics WHERE "
				"run_id = ? ORDER BY name", "i", id);
	if (rc < 0)
		return rc;
	while ((rc = al_cat_step(c, st, what, e)) > 0) {
		char **nn = realloc(*names, (*n + 1) * sizeof *nn);
		if (nn)
			*names = nn;
		char *v;
		if (!nn || (rc = al_cat_dup(st, 0, &v, e)) < 0 || !v) {
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
			break;
		}
		nn[(*n)++] = v;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int al_catalog_runs_each(al_catalog *c, al_cat_run_fn fn, void *ctx, al_err *e)
{
	static const char what[] = "reading the runs";
	sqlite3_stmt *st;
	int rc = al_cat_prepare(c, &st, what, e,
		"SELECT r.name, r.method, r.status, "
		" (SELECT max(step) FROM run_metrics m WHERE m.run_id = r.id AND m.name = 'loss'), "
		" (SELECT printf('%.6g', value) FROM run_metrics m WHERE m.run_id = r.id AND m.name = 'loss' "
		"  ORDER BY step DESC LIMIT 1), "
		" (SELECT printf('%.6g', min(value)) FROM run_metrics m WHERE m.run_id = r.id "
		"  AND m.name = 'dev_loss'), "
		" (SELECT substr(m.name, 5) || ' ' || printf('%.6g', max(m.value)) FROM run_metrics m "
		"  WHERE m.run_id = r.id AND m.name LIKE 'dev!_%' ESCAPE '!' AND m.name != 'dev_loss' "
		"  GROUP BY m.name ORDER BY m.name LIMIT 1), "
		" r.created FROM runs r ORDER BY r.created, r.id", "");
	if (rc < 0)
		return rc;
	while ((rc = al_cat_step(c, st, what, e)) > 0) {
		al_cat_run_sum r = {
			al_cat_col(st, 0), al_cat_col(st, 1), al_cat_col(st, 2), al_cat_col(st, 3),
			al_cat_col(st, 4), al_cat_col(st, 5), al_cat_col(st, 6), al_cat_col(st, 7),
		};
		if ((rc = fn(ctx, &r, e)) < 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}
