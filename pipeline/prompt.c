/* prompt.c: the template table and its rendering. */
#include "prompt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

static const struct {
	const char *dataset, *task, *tmpl;
} table[] = {
	{"glue", "cola", "cola sentence: {sentence}"},
	{"glue", "sst2", "sst2 sentence: {sentence}"},
	{"glue", "mrpc", "mrpc sentence1: {sentence1} sentence2: {sentence2}"},
	{"glue", "qqp", "qqp question1: {question1} question2: {question2}"},
	{"glue", "stsb", "stsb sentence1: {sentence1} sentence2: {sentence2}"},
	{"glue", "mnli", "mnli hypothesis: {sentence2} premise: {sentence1}"},
	{"glue", "ax", "mnli hypothesis: {sentence2} premise: {sentence1}"},
	{"glue", "qnli", "qnli question: {question} sentence: {sentence}"},
	{"glue", "rte", "rte sentence1: {sentence1} sentence2: {sentence2}"},
	{"glue", "wnli", "wnli sentence1: {sentence1} sentence2: {sentence2}"},
	{"coco", NULL, "caption en"},
	{"coco-karpathy", NULL, "caption en"},
	{"textcaps", NULL, "caption en"},
	{"vqav2", NULL, "answer en: {question}"},
	{"okvqa", NULL, "answer en: {question}"},
	{"textvqa", NULL, "answer en: {question}"},
	{"stvqa", NULL, "answer en: {question}"},
	{"docvqa", NULL, "answer en: {question}"},
};

const char *al_prompt_default(const char *dataset, const char *task)
{
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(table[i].dataset, dataset) == 0 &&
		    (!table[i].task || (task && strcmp(table[i].task, task) == 0)))
			return table[i].tmpl;
	return NULL;
}

char *al_prompt_render(const char *tmpl, const al_record *r, al_err *e)
{
	size_t cap = strlen(tmpl) + 64, n = 0;
	char *out = malloc(cap);
	for (const char *p = tmpl; out && *p;) {
		const char *piece = p;
		size_t len = 1;
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close) {
				free(out);
				al_err_set(e, AL_EFORMAT, "template \"%s\": a '{' is not closed", tmpl);
				return NULL;
			}
			piece = NULL;
			for (int i = 0; i < r->ninputs; i++)
				if (strlen(r->input_name[i]) == (size_t)(close - p - 1) &&
				    memcmp(r->input_name[i], p + 1, close - p - 1) == 0)
					piece = r->input[i];
			if (!piece) {
				al_err_set(e, AL_EFORMAT, "template \"%s\": record %s has no input "
					   "\"%.*s\"", tmpl, r->id, (int)(close - p - 1), p + 1);
				free(out);
				return NULL;
			}
			len = strlen(piece);
			p = close + 1;
		} else {
			p++;
		}
		if (al_grow((void **)&out, &cap, n + len + 1, 1, NULL) < 0) {
			free(out);
			out = NULL;
			break;
		}
		memcpy(out + n, piece, len);
		n += len;
	}
	if (!out) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	out[n] = 0;
	return out;
}

void al_prompt_target(const al_record *r, int i, char *buf, size_t n)
{
	static const struct { const char *task, *w0, *w1; } words[] = {
		{"cola", "unacceptable", "acceptable"}, {"sst2", "negative", "positive"},
		{"mrpc", "not_equivalent", "equivalent"}, {"qqp", "not_duplicate", "duplicate"},
		{"wnli", "not_entailment", "entailment"},
	};
	const char *t = r->targets[i];
	if (strcmp(r->dataset, "glue") == 0 && r->task) {
		for (size_t k = 0; k < sizeof words / sizeof *words; k++)
			if (strcmp(r->task, words[k].task) == 0 && (!strcmp(t, "0") || !strcmp(t, "1"))) {
				snprintf(buf, n, "%s", t[0] == '1' ? words[k].w1 : words[k].w0);
				return;
			}
		if (strcmp(r->task, "stsb") == 0) {
			char *end;
			double v = strtod(t, &end);
			if (end != t && !*end) {
				snprintf(buf, n, "%.1f", rint(v * 5.0) / 5.0);   /* half to even, as tf.round */
				return;
			}
		}
	}
	snprintf(buf, n, "%s", t);
}
