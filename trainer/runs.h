/* runs.h: reading back the training runs recorded in a catalog (runlog.h
 * writes them; lib/catalog_runs.h holds the statements), for adalink runs
 * and adalink plot.
 */
#ifndef AL_RUNS_H
#define AL_RUNS_H

#include "lib/catalog_runs.h"
#include "lib/err.h"

/* Call fn(key, value-as-text, arg) for each top-level member of a JSON
 * object (strings unquoted, numbers as written, true/false/null as such).
 * AL_EFORMAT if json is not an object. */
int al_json_members(const char *json, void (*fn)(const char *key, const char *value, void *arg),
		    void *arg, al_err *e);

#endif
