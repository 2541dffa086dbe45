/* ds.h: reading a dataset's distribution as a stream of records.
 *
 *     al_ds_opts o = {.split = "val"};
 *     al_ds *ds = al_ds_new("coco", &o, &e);
 *     rc = al_ds_run(ds, sources, nsources, on_record, ctx, &e);
 *     al_ds_free(ds);
 *
 * Sources (archives, folders, loose files; see source.h) are read in the
 * order given, each member once.  Annotation files are recognised by their
 * official names and parsed as they stream by (JSON through yajl's
 * callbacks, TSV line by line); image members that come after them are
 * joined to their annotations, and each record is handed over with the
 * image's bytes.  GLUE records are handed over as their lines are read.
 * Annotations should come first: in the same archive ahead of the images,
 * or as an earlier source.  A source whose images come before any
 * annotation file has been read (an archive that stores them that way, or
 * an image archive given first) is read a second time, after the other
 * sources, for those images: so nothing seeks and nothing is held back,
 * at the price of a second read (standard input cannot be read twice, so
 * there it is an error).  To pull records one at a time instead of
 * being called back, see iter.h.
 */
#ifndef AL_DS_H
#define AL_DS_H

#include <stdint.h>

#include "lib/err.h"
#include "record.h"

typedef struct al_ds_opts {
	const char *split;    /* only this split (NULL: all) */
	const char *task;     /* GLUE: only this task; ST-VQA: "1", "2", "3" */
	int skip_bad;         /* count and skip bad records instead of failing */
	int no_images;        /* annotations only: no image source expected;
				 records name the image the annotation names */
	uint64_t max_image;   /* largest image in bytes (0: 64 MiB) */
	const char *unit;     /* text: "para" (NULL: the same) or "doc" */
	long min_words;       /* text: drop units of fewer words */
	/* Told each skipped record's message (may be NULL). */
	void (*on_skip)(void *ctx, const char *msg);
	void *skip_ctx;
} al_ds_opts;

typedef struct al_ds_stats {
	uint64_t records, images, skipped, bytes, members;
} al_ds_stats;

typedef struct al_ds al_ds;

/* A reader for dataset name (see al_ds_list); NULL with AL_ENOTFOUND if
 * there is no such dataset, AL_EINVAL for a --task it does not have. */
al_ds *al_ds_new(const char *name, const al_ds_opts *o, al_err *e);

/* Called for each record; return 0 to go on, 1 to stop early (e.g. a
 * limit reached), or a negative AL_E* code (with e filled) to fail. */
typedef int (*al_record_fn)(void *ctx, const al_record *r, al_err *e);

/* Read the sources and hand every record to fn.  Returns 0 or a negative
 * AL_E* code: a corrupt archive, a missing expected file ("expected X;
 * found Y"), malformed JSON (file, byte), a missing or mistyped field
 * (file, element), a TSV row with the wrong column count (file, line), an
 * image named by an annotation that no source holds, a duplicate id.
 * With skip_bad the record-level ones are counted in stats.skipped and
 * each is told to the on_skip option. */
int al_ds_run(al_ds *ds, const char *const *sources, int nsources,
	      al_record_fn fn, void *ctx, al_err *e);

/* As al_ds_run over one loose member named name holding data[0..size)
 * (for tests and fuzzing). */
int al_ds_run_mem(al_ds *ds, const char *name, const void *data, size_t size,
		  al_record_fn fn, void *ctx, al_err *e);

const al_ds_stats *al_ds_get_stats(const al_ds *ds);

void al_ds_free(al_ds *ds);

/* The split a file name says: "test-dev", "test", "restval", "train",
 * "val" (the first found in that order) or NULL. */
const char *al_split_from_name(const char *base);

/* The registry: dataset i (0, 1, ... until NULL is returned) with a
 * one-line summary and the files it expects. */
const char *al_ds_list(int i, const char **summary, const char **expects);

#endif
