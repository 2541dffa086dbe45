/* run_setup.h: what a training run works out before its first step: the
 * backbone's hash, the tasks in its data, the settings it records in the
 * catalog, and its dev metric.  Parts of al_train_run (run.h), apart so
 * that the run's own file reads as its loop.
 */
#ifndef AL_RUN_SETUP_H
#define AL_RUN_SETUP_H

#include <stddef.h>

#include "lib/err.h"
#include "pipeline/spm.h"
#include "trainer/evaluate.h"
#include "trainer/examples.h"
#include "trainer/run.h"

/* The SHA-256 (hex) of a backbone: of its file, or of a folder's
 * model.safetensors; a sharded folder gives "folder". */
int al_run_backbone_sha256(const char *backbone, char sha[65], al_err *e);

/* The tasks of src's examples in the order they first appear. */
typedef struct al_run_tasks {
	char **name;
	int n;
} al_run_tasks;
int al_run_tasks_of(const al_examples *src, al_run_tasks *t, al_err *e);
void al_run_tasks_free(al_run_tasks *t);

/* The run's settings as one JSON object for the catalog's runs table: the
 * adapter's config (a JSON object, or NULL) followed by the run's own
 * (backbone, data, optimizer, schedule, batch ...).  malloc'd; NULL with e
 * filled on failure. */
char *al_run_config_json(const char *adapter_config, const al_train_spec *s, al_err *e);

/* The dev metric: metric if named (NULL: the dev task's, "none": off); it
 * needs the tokenizer spm, which must be the one the dev build (names in
 * catalog, if a catalog is given) was made with.  Sets eo->metric (NULL:
 * the dev loss alone) and eo->task, eo->max_len, *sp; why receives what
 * the user should read about the choice ("" if nothing). */
int al_run_eval_setup(const al_examples *dev, const char *catalog, const char *names,
		      const char *spm, const char *metric, al_spm **sp, al_eval_opts *eo,
		      char *why, size_t whylen, al_err *e);

#endif
