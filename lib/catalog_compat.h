/* catalog_compat.h: TRANSITIONAL, to be deleted.  The raw SQLite handle and
 * the old run readers over it, for the two callers not yet on the typed
 * functions, which this change does not own:
 *
 *   trainer/cmd_train.c (build_dataset): al_catalog_build_get gives the
 *     dataset and tokenizer_sha256 of a build;
 *   trainer/cmd_plot.c: al_catalog_run_get, al_catalog_run_metric_names,
 *     al_catalog_run_series and al_cat_run_clear on the al_catalog itself
 *     (al_catalog *db = cat; and al_cat_run for al_run).
 *
 * When both are converted, delete this file, catalog_compat.c, and the
 * includes of it in trainer/runlog.h and trainer/runs.h. */
#ifndef AL_CATALOG_COMPAT_H
#define AL_CATALOG_COMPAT_H

#include <stddef.h>
#include <sqlite3.h>

#include "catalog_runs.h"

sqlite3 *al_catalog_db(al_catalog *c);

typedef al_cat_run al_run;
int al_run_get(sqlite3 *db, const char *name, al_run *r, al_err *e);
void al_run_clear(al_run *r);
int al_run_series(sqlite3 *db, long long id, const char *metric, long **steps,
		  double **values, size_t *n, al_err *e);
int al_run_metric_names(sqlite3 *db, long long id, char ***names, size_t *n, al_err *e);

#endif
