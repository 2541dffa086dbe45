/* catalog_runs.h: training runs and the values they log (the runs and
 * run_metrics tables of adalink-catalog(5)).
 *
 * A run has a unique name, the method it trains, its settings (JSON), the
 * backbone's SHA-256, a status ("running", "finished" or "failed") and its
 * final scores (JSON).  It logs named values by step ("loss", "lr",
 * "dev_loss", "dev_accuracy", ...); a NaN or infinity is kept as NULL.
 * Removing a run removes its values with it (ON DELETE CASCADE).
 *
 *     long long id;
 *     al_catalog_begin(c, &e);
 *     al_catalog_run_add(c, "rte", "adalink", "{}", NULL, &id, &e);
 *     al_catalog_run_values_put(c, id, vals, n, &e);
 *     al_catalog_commit(c, &e);
 *     al_catalog_run_finish(c, id, "finished", "{\"dev_loss\": 0.4}", &e);
 */
#ifndef AL_CATALOG_RUNS_H
#define AL_CATALOG_RUNS_H

#include <stddef.h>

#include "catalog.h"

/* A row of runs; every string a malloc'd copy (NULL where the column is
 * NULL) that al_cat_run_clear frees. */
typedef struct al_cat_run {
	long long id;
	char *name, *method, *status, *config, *backbone_sha256, *final_scores;
	char *created, *finished;
} al_cat_run;

/* Free the strings of r and zero it. */
void al_cat_run_clear(al_cat_run *r);

/* The run called name into r: 0, or AL_ENOTFOUND ("no run 'NAME' in the
 * catalog") with r zeroed, or the catalog's failure. */
int al_catalog_run_get(al_catalog *c, const char *name, al_cat_run *r, al_err *e);

/* The id of the run called name into *id: 1 found, 0 no such run, or the
 * catalog's failure. */
int al_catalog_run_find(al_catalog *c, const char *name, long long *id, al_err *e);

/* Record a new run of status "running"; *id receives its id.
 * backbone_sha256 may be NULL; config is a JSON object. */
int al_catalog_run_add(al_catalog *c, const char *name, const char *method,
		       const char *config, const char *backbone_sha256, long long *id,
		       al_err *e);

/* Take run id back to step: its values after step go, its status becomes
 * "running" again (finished and final scores NULL), its config config. */
int al_catalog_run_rewind(al_catalog *c, long long id, long step, const char *config,
			  al_err *e);

/* Mark run id with status ("finished", "failed") and final_scores (JSON
 * or NULL), finished now. */
int al_catalog_run_finish(al_catalog *c, long long id, const char *status,
			  const char *final_scores, al_err *e);

/* Remove run id and its values (nothing if there is no such run). */
int al_catalog_run_delete(al_catalog *c, long long id, al_err *e);

/* One logged value. */
typedef struct al_cat_value {
	long step;
	char name[32];
	double value;        /* NaN and infinities are stored as NULL */
} al_cat_value;

/* Store v[0..n) for run id, each replacing a value of the same step and
 * name.  One statement run n times: wrap it in a transaction. */
int al_catalog_run_values_put(al_catalog *c, long long id, const al_cat_value *v, size_t n,
			      al_err *e);

/* The least (max 0) or greatest (max 1) value logged under name for run
 * id into *v: 1, or 0 (and *v NaN) when there is none. */
int al_catalog_run_extreme(al_catalog *c, long long id, const char *name, int max, double *v,
			   al_err *e);

/* The values logged under metric for run id (NULLs left out), by
 * increasing step, into malloc'd arrays (*n may be 0). */
int al_catalog_run_series(al_catalog *c, long long id, const char *metric, long **steps,
			  double **values, size_t *n, al_err *e);

/* The names logged for run id, sorted, as a malloc'd array of malloc'd
 * strings. */
int al_catalog_run_metric_names(al_catalog *c, long long id, char ***names, size_t *n,
				al_err *e);

/* A run summarised for listing, every field as text (NULL when there is
 * nothing to say; valid during the callback only). */
typedef struct al_cat_run_sum {
	const char *name, *method, *status;
	const char *steps;            /* the last step with a "loss" */
	const char *loss;             /* the last "loss", %.6g */
	const char *best_dev_loss;    /* the least "dev_loss", %.6g */
	const char *best_dev_metric;  /* "METRIC VALUE": the greatest value of the
					 first dev_METRIC by name other than
					 dev_loss, %.6g */
	const char *created;
} al_cat_run_sum;

/* Call fn for every run, oldest first; fn's negative return stops the
 * walk and is returned. */
typedef int (*al_cat_run_fn)(void *ctx, const al_cat_run_sum *r, al_err *e);
int al_catalog_runs_each(al_catalog *c, al_cat_run_fn fn, void *ctx, al_err *e);

#endif
