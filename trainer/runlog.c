/* runlog.c: training runs recorded in the catalog. */
#include "runlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog.h"

typedef struct value {
	long step;
	char name[32];
	double v;
} value;

struct al_runlog {
	al_catalog *c;
	sqlite3_int64 id;
	value *buf;
	size_t n, cap;
};

static int db_err(al_runlog *r, al_err *e, const char *what)
{
	return al_err_set(e, AL_EDB, "catalog '%s': %s: %s", al_catalog_path(r->c), what,
			  sqlite3_errmsg(al_catalog_db(r->c)));
}

/* Run one statement with text/int64 parameters given as a format: 't' text
 * (NULL: SQL NULL), 'i' sqlite3_int64.  Returns SQLITE_DONE or ROW's first
 * column in *out when out is set. */
static int exec1(al_runlog *r, const char *sql, const char *fmt, const void *const *args,
		 sqlite3_int64 *out, al_err *e)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(al_catalog_db(r->c), sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(r, e, "preparing a statement");
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 't')
			sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(s, i + 1, *(const sqlite3_int64 *)args[i]);
	}
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && out)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(r, e, "recording the run");
	return rc;
}

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
	if (al_catalog_exec(r->c, "BEGIN IMMEDIATE", e) < 0)
		goto bad;
	sqlite3_int64 id = -1, step = resume_step;
	int rc = exec1(r, "SELECT id FROM runs WHERE name = ?", "t",
		       (const void *[]){name}, &id, e);
	if (rc < 0)
		goto rollback;
	if (resume && rc == SQLITE_ROW) {
		if (exec1(r, "DELETE FROM run_metrics WHERE run_id = ? AND step > ?", "ii",
			  (const void *[]){&id, &step}, NULL, e) < 0 ||
		    exec1(r, "UPDATE runs SET status = 'running', finished = NULL, "
			  "final_scores = NULL, config = ? WHERE id = ?", "ti",
			  (const void *[]){config, &id}, NULL, e) < 0)
			goto rollback;
	} else {
		if (rc == SQLITE_ROW && exec1(r, "DELETE FROM runs WHERE id = ?", "i",
					      (const void *[]){&id}, NULL, e) < 0)
			goto rollback;
		if (exec1(r, "INSERT INTO runs (name, method, config, backbone_sha256) "
			  "VALUES (?, ?, ?, ?)", "tttt",
			  (const void *[]){name, method, config, backbone_sha256}, NULL, e) < 0)
			goto rollback;
		id = sqlite3_last_insert_rowid(al_catalog_db(r->c));
	}
	if (al_catalog_exec(r->c, "COMMIT", e) < 0)
		goto rollback;
	r->id = id;
	return r;
rollback:
	sqlite3_exec(al_catalog_db(r->c), "ROLLBACK", NULL, NULL, NULL);
bad:
	al_err_wrap(e, "recording run '%s'", name);
	al_runlog_free(r);
	return NULL;
}

int al_runlog_add(al_runlog *r, long step, const char *name, double v, al_err *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		value *b = realloc(r->buf, cap * sizeof *b);
		if (!b)
			return al_err_set(e, AL_ENOMEM, "out of memory");
		r->buf = b;
		r->cap = cap;
	}
	value *x = &r->buf[r->n++];
	x->step = step;
	snprintf(x->name, sizeof x->name, "%s", name);
	x->v = v;
	return 0;
}

int al_runlog_flush(al_runlog *r, al_err *e)
{
	if (r->n == 0)
		return 0;
	sqlite3 *db = al_catalog_db(r->c);
	sqlite3_stmt *s = NULL;
	if (al_catalog_exec(r->c, "BEGIN IMMEDIATE", e) < 0)
		return e->code;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO run_metrics (run_id, step, name, "
			       "value) VALUES (?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, r->id);
		sqlite3_bind_int64(s, 2, r->buf[i].step);
		sqlite3_bind_text(s, 3, r->buf[i].name, -1, SQLITE_STATIC);
		if (isfinite(r->buf[i].v))
			sqlite3_bind_double(s, 4, r->buf[i].v);
		else
			sqlite3_bind_null(s, 4);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (al_catalog_exec(r->c, "COMMIT", e) < 0)
		goto rollback;
	r->n = 0;
	return 0;
fail:
	db_err(r, e, "logging the run's values");
	sqlite3_finalize(s);
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return e->code;
}

int al_runlog_finish(al_runlog *r, const char *status, const char *final_scores, al_err *e)
{
	if (al_runlog_flush(r, e) < 0)
		return e->code;
	sqlite3_int64 id = r->id;
	return exec1(r, "UPDATE runs SET status = ?, final_scores = ?, finished = "
		     "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", "tti",
		     (const void *[]){status, final_scores, &id}, NULL, e) < 0 ? e->code : 0;
}

static double extreme(al_runlog *r, const char *name, int max)
{
	sqlite3_stmt *s;
	double v = NAN;
	if (sqlite3_prepare_v2(al_catalog_db(r->c), max ? "SELECT max(value) FROM run_metrics "
			       "WHERE run_id = ? AND name = ?" : "SELECT min(value) FROM run_metrics "
			       "WHERE run_id = ? AND name = ?", -1, &s, NULL) != SQLITE_OK)
		return NAN;
	sqlite3_bind_int64(s, 1, r->id);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return v;
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
