/* catalog_compat.c: TRANSITIONAL (see catalog_compat.h): the old run
 * readers, over a connection borrowed from its al_catalog. */
#include "catalog_compat.h"

#include "catalog_impl.h"

/* An al_catalog around db, for the typed functions' messages. */
static al_catalog wrap(sqlite3 *db)
{
	const char *path = db ? sqlite3_db_filename(db, "main") : NULL;
	return (al_catalog){db, (char *)(path ? path : "catalog"), al_catalog_wait_ms()};
}

int al_run_get(sqlite3 *db, const char *name, al_run *r, al_err *e)
{
	al_catalog c = wrap(db);
	return al_catalog_run_get(&c, name, r, e);
}

void al_run_clear(al_run *r) { al_cat_run_clear(r); }

int al_run_series(sqlite3 *db, long long id, const char *metric, long **steps,
		  double **values, size_t *n, al_err *e)
{
	al_catalog c = wrap(db);
	return al_catalog_run_series(&c, id, metric, steps, values, n, e);
}

int al_run_metric_names(sqlite3 *db, long long id, char ***names, size_t *n, al_err *e)
{
	al_catalog c = wrap(db);
	return al_catalog_run_metric_names(&c, id, names, n, e);
}
