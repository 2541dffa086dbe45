/* predict.c: decoding inputs one after another. */
#include "predict.h"

#include <stdlib.h>
#include <string.h>

int al_predict_examples(const al_model *mo, const al_examples *src, const al_search_opts *o,
			al_predict_out out, void *ctx, al_err *e)
{
	int *ids = malloc(sizeof(int) * (size_t)o->max_len), rc = 0;
	if (!ids)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (long i = 0; rc == 0 && i < al_examples_count(src); i++) {
		al_example x;
		double score;
		if ((rc = al_examples_get(src, i, 0, &x, e)) < 0)
			break;
		int n = al_decode(mo->t5, mo->adapter, &x, o, ids, &score, e);
		if (n < 0)
			rc = al_err_wrap(e, "example '%s'", x.id);
		else
			rc = out(ctx, &x, i + 1, ids, n, score, e);
		al_examples_release(src, &x);
	}
	free(ids);
	return rc;
}

int al_predict_jsonl(const al_model *mo, FILE *fp, const char *label, const al_search_opts *o,
		     al_predict_out out, void *ctx, al_err *e)
{
	int *ids = malloc(sizeof(int) * (size_t)o->max_len), rc = 0;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	ssize_t len;
	if (!ids)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	while (rc == 0 && (len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		al_example x;
		double score;
		if ((rc = al_example_parse(&x, line, label, lineno, 0, e)) < 0)
			break;
		int n = al_decode(mo->t5, mo->adapter, &x, o, ids, &score, e);
		if (n < 0)
			rc = al_err_wrap(e, "%s: line %ld", label, lineno);
		else
			rc = out(ctx, &x, lineno, ids, n, score, e);
		al_example_clear(&x);
	}
	if (rc == 0 && ferror(fp))
		rc = al_err_set(e, AL_EIO, "reading '%s' failed", label);
	free(line);
	free(ids);
	return rc;
}
