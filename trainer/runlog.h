/* runlog.h: a training run in the catalog's runs and run_metrics tables
 * (adalink-catalog(5)), so that runs can be listed, compared and plotted
 * (adalink runs, adalink plot).
 *
 *     al_runlog *r = al_runlog_start(db, "rte-adalink", "adalink", cfg, sha, 0, 0, &e);
 *     al_runlog_add(r, step, "loss", 0.93);            (buffered in memory)
 *     al_runlog_flush(r, &e);                          (one transaction)
 *     al_runlog_finish(r, "finished", "{\"dev_loss\": 0.4}", &e);
 *
 * Values are buffered and written together at each flush, so a run holds
 * the catalog's write lock only for a moment at each checkpoint.
 */
#ifndef AL_RUNLOG_H
#define AL_RUNLOG_H

#include <stddef.h>

#include "lib/err.h"

/* TRANSITIONAL: trainer/cmd_train.c (build_dataset) still reads the
 * catalog through the raw handle; remove with lib/catalog_compat.h. */
#include "lib/catalog_compat.h"

typedef struct al_runlog al_runlog;

/* Start the run called name, or with resume continue it from step
 * resume_step (the values logged after that step are dropped; a run not
 * yet in the catalog is started).  Without resume, an earlier run of the
 * same name is replaced, as the adapter file is; resuming updates the
 * config.  config is a JSON object; backbone_sha256 may be NULL. */
al_runlog *al_runlog_start(const char *catalog, const char *name, const char *method,
			   const char *config, const char *backbone_sha256, int resume,
			   long resume_step, al_err *e);

/* Buffer one value (NaN and infinities are kept as NULL). */
int al_runlog_add(al_runlog *r, long step, const char *name, double value, al_err *e);

/* Write the buffered values in one transaction. */
int al_runlog_flush(al_runlog *r, al_err *e);

/* Flush, then mark the run "finished" or "failed" with its final scores
 * (a JSON object, or NULL). */
int al_runlog_finish(al_runlog *r, const char *status, const char *final_scores, al_err *e);

/* The least or greatest value logged under name so far (NaN if none): a
 * resumed run keeps its best dev loss or metric. */
double al_runlog_min(al_runlog *r, const char *name);
double al_runlog_max(al_runlog *r, const char *name);

/* Close without marking (a run left "running" was interrupted). */
void al_runlog_free(al_runlog *r);

/* The default run name for an adapter path: its file name without the
 * directory and a ".safetensors" suffix, into buf. */
const char *al_runlog_default_name(const char *adapter_path, char *buf, size_t n);

#endif
