/* record.h: one dataset example, and its JSONL form.
 *
 * A record is what every reader produces (DESIGN.md, Formats):
 *
 *   {"dataset":"vqav2","split":"val","id":262148000,"task":"vqa",
 *    "image":"val2014/COCO_val2014_000000262148.jpg",
 *    "inputs":{"question":"Where is he looking?"},
 *    "targets":["down","down","at table",...]}
 *
 * GLUE records add "label": the label as a number (the class index in the
 * order of the GLUE task's label names, the score for STS-B), or null in a
 * test split.  Ids that are decimal integers in the source are written as
 * JSON numbers, others as strings.
 */
#ifndef AL_RECORD_H
#define AL_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

enum { AL_REC_MAX_INPUTS = 4 };

typedef struct al_record {
	const char *dataset, *split, *task;
	const char *id;            /* the dataset's own id, as text */
	const char *image;         /* image member name, or NULL */
	int ninputs;
	const char *input_name[AL_REC_MAX_INPUTS];
	const char *input[AL_REC_MAX_INPUTS];
	int ntargets;
	const char *const *targets;
	int has_label;             /* 1: write "label" */
	const char *label;         /* its number as text, or NULL for null */
	const uint8_t *image_data; /* the image's bytes (NULL without image) */
	size_t image_size;
	const char *where;         /* annotation file (and line) it came from */
} al_record;

/* 1 if s is a JSON-safe decimal integer ("0", "-12"; no leading zeros). */
int al_is_int_text(const char *s);

typedef struct al_recw al_recw;

al_recw *al_recw_new(FILE *out);
/* Write r as one JSON line.  Text that is not valid UTF-8 gives AL_EFORMAT
 * naming r->where and the field; a write error gives AL_EIO. */
int al_recw_write(al_recw *w, const al_record *r, al_err *e);
void al_recw_free(al_recw *w);

#endif
