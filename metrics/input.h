/* input.h: references and predictions for adalink score, read from the
 * project's JSONL or from the official files, matched by id.
 *
 * JSONL (DESIGN.md): references {"id": ..., "references": ["...", ...]}
 * (or "answers", or adalink ingest's "targets" when there is no numeric
 * "label")
 * or, for GLUE, {"id": ..., "label": N}; predictions {"id": ...,
 * "prediction": "..." or N}.  Ids may be strings or numbers (a number is
 * kept as its JSON text).  Official formats (al_score_format):
 *   coco   - references: a COCO captions file {"annotations": [{"image_id",
 *            "caption"}, ...]}; predictions: a results list [{"image_id",
 *            "caption"}]; only the images of the results are scored, as
 *            the COCO evaluation does.
 *   vqa    - references: a VQA annotations file {"annotations":
 *            [{"question_id", "answers": [{"answer"}, ...]}]};
 *            predictions: [{"question_id", "answer"}].
 *   docvqa, stvqa - references {"data": [{"questionId" or "question_id",
 *            "answers": [...]}]}; predictions [{"questionId" or
 *            "question_id", "answer"}].
 *   glue   - references: a GLUE dev TSV (the label is the column named
 *            gold_label, label, score, is_duplicate or Quality; CoLA's
 *            header-less file: column 2); ids are its "index" (or "id")
 *            column, else the 0-based row; predictions: a TSV of index and
 *            prediction (the submission layout, header optional) or JSONL.
 *            A label or prediction that is not a number is kept as text
 *            (label_text / pred) for the task's label names.
 */
#ifndef AL_INPUT_H
#define AL_INPUT_H

#include <stddef.h>

#include "lib/err.h"

enum al_score_format {
	AL_FMT_AUTO = 0, AL_FMT_JSONL, AL_FMT_COCO, AL_FMT_VQA, AL_FMT_DOCVQA,
	AL_FMT_STVQA, AL_FMT_GLUE,
};

/* The format named s ("jsonl", "coco", ...), or -1. */
int al_score_format_parse(const char *s);

typedef struct al_score_ex {
	char *id;
	char **refs;          /* text references (captions, answers) */
	size_t nrefs, refs_cap;
	int has_label;        /* a numeric label (GLUE) */
	double label;
	char *label_text;     /* a label given as text (GLUE TSV), or NULL */
	char *pred;           /* the prediction as text (NULL: none yet) */
	int pred_is_num;      /* the prediction was a JSON number */
	double pred_num;
} al_score_ex;

/* A set of examples; it owns every string of its examples. */
typedef struct al_score_set al_score_set;

al_score_set *al_score_set_new(void);
void al_score_set_free(al_score_set *s);

/* Read the references of path ("-": stdin) in format fmt (AL_FMT_AUTO:
 * detected from the content).  A duplicate id is an error naming it and
 * its line.  Returns 0 or a negative AL_E* code. */
int al_score_read_refs(al_score_set *s, const char *path, int fmt, al_err *e);

/* Read the predictions of path and attach each to its reference.  An id
 * with no reference, or a second prediction for an id, is an error naming
 * the id. */
int al_score_read_preds(al_score_set *s, const char *path, int fmt, al_err *e);

/* Add one example directly: its id, its nrefs text references and its
 * prediction (NULL: none yet).  With glue, refs[0] is the GLUE label as
 * text: a number (STS-B, or a class index) or one of the task's label
 * names.  A duplicate id is an error. */
int al_score_add(al_score_set *s, const char *id, const char *const *refs, size_t nrefs,
		 int glue, const char *pred, al_err *e);

/* Check every reference has a prediction: an error naming the first id
 * without one, unless allow_missing (then it predicts ""). */
int al_score_check(al_score_set *s, int allow_missing, al_err *e);

size_t al_score_count(const al_score_set *s);
const al_score_ex *al_score_at(const al_score_set *s, size_t i);

#endif
