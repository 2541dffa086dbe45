/* test_objective.c: pretraining examples over a corpus (trainer/objective.c):
 * every span-corruption example fills the encoder input exactly, its
 * targets put back into its input give the corpus's own tokens (each
 * record tokenized, EOS after each, one stream cut into pieces), a visit's
 * pick changes the noise and nothing else; the prefix LM's input and
 * target are a cut of the same piece. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include <unistd.h>

#include "trainer/objective.h"
#include "trainer/span.h"

static const char *paras[] = {
	"The licenses for most software and other practical works are designed to take away "
	"your freedom to share and change the works.",
	"When we speak of free software, we are referring to freedom, not price.",
	"To protect your rights, we need to prevent others from denying you these rights or "
	"asking you to surrender the rights.",
	"For example, if you distribute copies of such a program, whether gratis or for a fee, "
	"you must pass on to the recipients the same freedoms that you received.",
	"Developers that use the GNU GPL protect your rights with two steps: assert copyright "
	"on the software, and offer you this License giving you legal permission to copy, "
	"distribute and/or modify it.",
};

int main(void)
{
	const char *d = getenv("TESTDATA");
	char spm_path[4096], corpus[4096];
	snprintf(spm_path, sizeof spm_path, "%s/spm/t5_spiece.model", d ? d : "tests/data");
	snprintf(corpus, sizeof corpus, "%s/al-obj.%d.jsonl", getenv("TMPDIR") ? getenv("TMPDIR") :
		 "/tmp", (int)getpid());
	FILE *f = fopen(corpus, "w");
	for (int r = 0; r < 4; r++)
		for (size_t i = 0; i < sizeof paras / sizeof *paras; i++)
			fprintf(f, "{\"inputs\": {\"text\": \"%s\"}, \"targets\": []}\n", paras[i]);
	fclose(f);
	al_err e = {0};
	al_spm *sp = al_spm_new(spm_path, &e);
	ok(sp != NULL, "the T5 tokenizer loads (%s)", e.msg);
	/* the stream, tokenized here record by record */
	int32_t stream[4096];
	long ns = 0;
	al_spm_tokens t = {0};
	for (int r = 0; r < 4; r++)
		for (size_t i = 0; i < sizeof paras / sizeof *paras; i++) {
			al_spm_encode(sp, paras[i], strlen(paras[i]), AL_SPM_ADD_EOS, &t, &e);
			for (size_t k = 0; k < t.n; k++)
				stream[ns++] = t.ids[k];
		}
	al_spm_tokens_free(&t);

	al_objective_opts o = {AL_OBJ_SPAN, 32, 32128, 7};
	al_examples *s = al_examples_objective(corpus, sp, &o, &e);
	ok(s != NULL, "span examples over the corpus (%s)", e.msg);
	long n = s ? al_examples_count(s) : 0;
	int raw = 0, tgt_len = 0;
	al_span_lengths(32, 0.15, 3.0, &raw, &tgt_len);   /* tested in test_span */
	ok(n == ns / raw && n > 3, "%ld pieces of %d tokens from a stream of %ld", n, raw, ns);
	int full = 1, back = 1, eos = 1;
	for (long i = 0; s && i < n; i++) {
		al_example x;
		if (al_examples_get(s, i, 12345, &x, &e) < 0) {
			back = 0;
			break;
		}
		full &= x.n_in == 32;
		eos &= x.input_ids[x.n_in - 1] == 1 && x.target_ids[x.n_tgt - 1] == 1;
		/* each sentinel of the input replaced by what follows it in the target */
		int32_t out[256];
		int m = 0, ti = 0;
		for (int k = 0; k < x.n_in - 1; k++) {
			if (x.input_ids[k] < 32128 - 100) {
				out[m++] = x.input_ids[k];
				continue;
			}
			if (ti >= x.n_tgt || x.target_ids[ti] != x.input_ids[k])
				back = 0;
			for (ti++; ti < x.n_tgt - 1 && x.target_ids[ti] < 32128 - 100; ti++)
				out[m++] = x.target_ids[ti];
		}
		back &= m == raw && memcmp(out, stream + i * raw, sizeof *out * (size_t)raw) == 0;
		al_examples_release(s, &x);
	}
	ok(full, "every input is exactly 32 tokens");
	ok(eos, "inputs and targets end in EOS");
	ok(back, "the targets put back into the inputs give the corpus's tokens, piece by piece");
	/* the noise: a function of the pick, fresh for another */
	int same = 1, differ = 0;
	for (long i = 0; s && i < n; i++) {
		al_example a, b, c;
		al_examples_get(s, i, 1, &a, &e);
		al_examples_get(s, i, 1, &b, &e);
		al_examples_get(s, i, 2, &c, &e);
		same &= a.n_in == b.n_in && !memcmp(a.input_ids, b.input_ids, sizeof(int) * a.n_in);
		differ += c.n_tgt != a.n_tgt || memcmp(a.target_ids, c.target_ids,
							sizeof(int) * a.n_tgt) != 0;
		al_examples_release(s, &a);
		al_examples_release(s, &b);
		al_examples_release(s, &c);
	}
	ok(same, "the same pick gives the same example");
	ok(differ > n / 2, "another pick gives other noise (%d of %ld pieces)", differ, n);
	al_examples_free(s);

	o.objective = AL_OBJ_PREFIX_LM;
	s = al_examples_objective(corpus, sp, &o, &e);
	n = s ? al_examples_count(s) : 0;
	ok(n == ns / 32, "prefix LM: %ld pieces of 32 tokens", n);
	int cut = 1;
	for (long i = 0; s && i < n; i++) {
		al_example x;
		al_examples_get(s, i, 3, &x, &e);
		cut &= x.n_in + x.n_tgt == 34 && x.n_in >= 2 && x.n_tgt >= 2 &&
		       !memcmp(x.input_ids, stream + i * 32, sizeof(int) * (x.n_in - 1)) &&
		       !memcmp(x.target_ids, stream + i * 32 + x.n_in - 1, sizeof(int) * (x.n_tgt - 1));
		al_examples_release(s, &x);
	}
	ok(cut, "prefix LM: input and target are the piece cut in two, each ending in EOS");
	al_examples_free(s);

	o.objective = AL_OBJ_SPAN;
	o.vocab_size = 8000;   /* T5's ids reach 32099: they would be read as sentinels */
	s = al_examples_objective(corpus, sp, &o, &e);
	ok(!s && e.code == AL_EINVAL && strstr(e.msg, "sentinel"), "ids of a larger vocabulary are "
	   "refused: %s", e.msg);
	al_examples_free(s);
	al_spm_free(sp);
	remove(corpus);
	return done_testing();
}
