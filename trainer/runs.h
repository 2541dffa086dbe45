/* runs.h: reading the training runs recorded in a catalog (runlog.h
 * writes them), for adalink runs and adalink plot.
 */
#ifndef AL_RUNS_H
#define AL_RUNS_H

#include <stddef.h>
#include <sqlite3.h>

#include "lib/err.h"

typedef struct al_run {
	long long id;
	char *name, *method, *status, *config, *backbone_sha256, *final_scores;
	char *created, *finished;
} al_run;

/* The run called name: 0, or AL_ENOTFOUND with a message naming the
 * catalog's runs. */
int al_run_get(sqlite3 *db, const char *name, al_run *r, al_err *e);
void al_run_clear(al_run *r);

/* The values logged under metric for run id, by increasing step, into
 * malloc'd arrays (*n may be 0). */
int al_run_series(sqlite3 *db, long long id, const char *metric, long **steps,
		  double **values, size_t *n, al_err *e);

/* The metric names logged for run id, sorted, as a malloc'd array of
 * malloc'd strings. */
int al_run_metric_names(sqlite3 *db, long long id, char ***names, size_t *n, al_err *e);

/* Call fn(key, value-as-text, arg) for each top-level member of a JSON
 * object (strings unquoted, numbers as written, true/false/null as such).
 * AL_EFORMAT if json is not an object. */
int al_json_members(const char *json, void (*fn)(const char *key, const char *value, void *arg),
		    void *arg, al_err *e);

#endif
