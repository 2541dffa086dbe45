/* prompt.h: records as text-to-text examples, as in T5 and PaLI.
 *
 * The input is a template with {NAME} replaced by the record's input NAME;
 * the defaults (al_prompt_default) are T5's GLUE prefixes ("rte sentence1:
 * {sentence1} sentence2: {sentence2}") and PaLI's "caption en" and
 * "answer en: {question}".  Targets are the record's own, except that
 * GLUE's numeric labels become T5's words (CoLA: unacceptable, acceptable;
 * SST-2: negative, positive; MRPC: not_equivalent, equivalent; QQP:
 * not_duplicate, duplicate; WNLI: not_entailment, entailment) and STS-B
 * scores are rounded to the nearest 0.2 (ties to even, as T5's tf.round)
 * and written with one decimal.
 */
#ifndef AL_PROMPT_H
#define AL_PROMPT_H

#include <stddef.h>

#include "datasets/record.h"
#include "lib/err.h"

/* The default template for a dataset and task, or NULL if none. */
const char *al_prompt_default(const char *dataset, const char *task);

/* Render tmpl for r into a malloc'd string; AL_EFORMAT if the template
 * names an input the record lacks, or a '{' is not closed. */
char *al_prompt_render(const char *tmpl, const al_record *r, al_err *e);

/* Target i of r as training text into buf (NUL-terminated, cut to n). */
void al_prompt_target(const al_record *r, int i, char *buf, size_t n);

#endif
