/* objective.c: pretraining examples made from a tokenized corpus. */
#include "objective.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "lib/array.h"
#include "trainer/span.h"

static const char *names[] = {"supervised", "span", "prefix-lm"};

const char *al_objective_name(int objective)
{
	return objective >= 0 && objective < 3 ? names[objective] : "?";
}

int al_objective_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

typedef struct corpus {
	int32_t *tok;            /* every document's ids, each ending in EOS */
	long n;
	size_t cap;
	int raw;                 /* tokens of a piece */
	al_objective_opts o;
	al_span_opts so;
} corpus;

static void corpus_free(void *ctx)
{
	corpus *c = ctx;
	if (c) {
		free(c->tok);
		free(c);
	}
}

/* Append the text of one record (line lineno of path) to the stream. */
static int add_record(corpus *c, const al_spm *sp, al_spm_tokens *t, const char *line,
		      const char *path, long lineno, al_err *e)
{
	char eb[160];
	yajl_val root = yajl_tree_parse(line, eb, sizeof eb);
	const char *p[] = {"inputs", "text", NULL};
	yajl_val text = root ? yajl_tree_get(root, p, yajl_t_string) : NULL;
	if (!text) {
		yajl_tree_free(root);
		return al_err_set(e, AL_EFORMAT, "'%s': line %ld: %s", path, lineno, root ?
				  "no \"inputs\": {\"text\": ...} (adalink ingest text writes "
				  "such records)" : eb);
	}
	const char *s = YAJL_GET_STRING(text);
	int rc = al_spm_encode(sp, s, strlen(s), AL_SPM_ADD_EOS, t, e);
	yajl_tree_free(root);
	if (rc < 0)
		return al_err_wrap(e, "'%s': line %ld", path, lineno);
	if (al_grow((void **)&c->tok, &c->cap, (size_t)c->n + t->n, sizeof *c->tok, e) < 0)
		return al_err_wrap(e, "'%s': %ld tokens", path, c->n);
	for (size_t i = 0; i < t->n; i++) {
		if (t->ids[i] >= c->o.vocab_size - c->so.sentinels)
			return al_err_set(e, AL_EINVAL, "'%s': line %ld: token id %d is a sentinel "
					  "of a vocabulary of %d (the tokenizer and the model "
					  "disagree)", path, lineno, t->ids[i], c->o.vocab_size);
		c->tok[c->n++] = t->ids[i];
	}
	return 0;
}

static int read_corpus(corpus *c, const char *path, const al_spm *sp, al_err *e)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return al_err_errno(e, AL_EIO, "unable to open '%s'", path);
	al_spm_tokens t = {0};
	char *line = NULL;
	size_t lc = 0;
	long lineno = 0;
	ssize_t len;
	int rc = 0;
	while (rc == 0 && (len = getline(&line, &lc, fp)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") != (size_t)len)
			rc = add_record(c, sp, &t, line, path, lineno, e);
	}
	if (rc == 0 && ferror(fp))
		rc = al_err_errno(e, AL_EIO, "reading '%s' failed", path);
	al_spm_tokens_free(&t);
	free(line);
	fclose(fp);
	return rc;
}

/* Piece i, corrupted (or cut) with the visit's noise. */
static int get_piece(void *ctx, long i, uint64_t pick, al_example *x, al_err *e)
{
	const corpus *c = ctx;
	const int32_t *piece = c->tok + (size_t)i * c->raw;
	uint64_t seed = al_span_seed(c->o.seed, pick, (uint64_t)i);
	snprintf(x->id, sizeof x->id, "%ld", i);
	x->id_is_number = 1;
	x->input_ids = malloc(sizeof(int) * (size_t)(c->raw + 1));
	x->target_ids = malloc(sizeof(int) * (size_t)(c->raw + 1));
	if (!x->input_ids || !x->target_ids) {
		al_example_clear(x);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	int rc = c->o.objective == AL_OBJ_SPAN ?
		al_span_corrupt(piece, c->raw, &c->so, seed, x->input_ids, &x->n_in,
				x->target_ids, &x->n_tgt, e) :
		al_prefix_lm(piece, c->raw, c->so.eos_id, seed, x->input_ids, &x->n_in,
			     x->target_ids, &x->n_tgt, e);
	if (rc < 0)
		al_example_clear(x);
	return rc;
}

al_examples *al_examples_objective(const char *path, const al_spm *sp,
				   const al_objective_opts *o, al_err *e)
{
	corpus *c = calloc(1, sizeof *c);
	if (!c) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->so = al_span_opts_t5(o->vocab_size);
	int tgt;
	if (o->objective == AL_OBJ_SPAN) {
		if (al_span_lengths(o->inputs_length, c->so.noise_density, c->so.mean_span, &c->raw,
				    &tgt) < 0) {
			al_err_set(e, AL_EINVAL, "no span corruption fills %d input tokens",
				   o->inputs_length);
			goto fail;
		}
	} else if (o->objective == AL_OBJ_PREFIX_LM && o->inputs_length >= 2) {
		c->raw = o->inputs_length;
	} else {
		al_err_set(e, AL_EINVAL, "objective %s over a corpus needs an input length from 2",
			   al_objective_name(o->objective));
		goto fail;
	}
	if (o->vocab_size <= c->so.sentinels + 3) {
		al_err_set(e, AL_EINVAL, "a vocabulary of %d leaves no room for %d sentinels",
			   o->vocab_size, c->so.sentinels);
		goto fail;
	}
	if (read_corpus(c, path, sp, e) < 0)
		goto fail;
	long n = c->n / c->raw;
	if (n < 1) {
		al_err_set(e, AL_EINVAL, "'%s' holds %ld tokens, fewer than one piece of %d", path,
			   c->n, c->raw);
		goto fail;
	}
	/* groups of 256 pieces for the reader to shuffle */
	al_examples_source src = {n, (int)((n + 255) / 256), c, get_piece, corpus_free};
	al_examples *s = al_examples_made(&src, e);
	if (s)
		return s;
fail:
	corpus_free(c);
	return NULL;
}
