/* test_ptbtok.c: the caption tokenizer against ptb_golden.json: real
 * captions tokenized by Stanford CoreNLP 3.4.1's PTBTokenizer
 * (-preserveLines -lowerCase) and filtered as pycocoevalcap does, all in
 * one run in the file's key order; plus hand-worked cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "lib/file.h"
#include "metrics/ptbtok.h"
#include "tests/tap.h"

static yajl_val member(yajl_val o, const char *k)
{
	const char *path[] = {k, NULL};
	return yajl_tree_get(o, path, yajl_t_any);
}

static void golden(al_ptb *t)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/metrics/ptb_golden.json", tap_data());
	al_map m;
	al_err e = {0};
	if (al_map_file(path, &m, &e) < 0) {
		ok(0, "read %s: %s", path, e.msg);
		return;
	}
	char *text = malloc(m.size + 1);
	memcpy(text, m.data, m.size);
	text[m.size] = 0;
	al_map_release(&m);
	char ebuf[256];
	yajl_val doc = yajl_tree_parse(text, ebuf, sizeof ebuf);
	free(text);
	ok(doc != NULL, "ptb_golden.json parses");
	if (!doc)
		return;
	yajl_val raw = member(doc, "raw"), tok = member(doc, "tokenized");
	ok(YAJL_IS_OBJECT(raw) && YAJL_IS_OBJECT(tok), "it has raw and tokenized");
	size_t n = 0;
	for (size_t i = 0; i < raw->u.object.len; i++)
		n += raw->u.object.values[i]->u.array.len;
	const char **lines = malloc(n * sizeof *lines);
	const char **want = malloc(n * sizeof *want);
	const char **key = malloc(n * sizeof *key);
	size_t k = 0;
	for (size_t i = 0; i < raw->u.object.len; i++) {
		yajl_val list = raw->u.object.values[i];
		yajl_val wl = member(tok, raw->u.object.keys[i]);
		for (size_t j = 0; j < list->u.array.len; j++, k++) {
			lines[k] = YAJL_GET_STRING(list->u.array.values[j]);
			want[k] = YAJL_GET_STRING(wl->u.array.values[j]);
			key[k] = raw->u.object.keys[i];
		}
	}
	char **out = calloc(n, sizeof *out);
	is_int(al_ptb_tokenize(t, lines, n, out, &e), 0, "tokenize %zu captions in one run", n);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(out[i], want[i])) {
			if (bad++ < 10)
				printf("#   %s: '%s'\n#     got  '%s'\n#     want '%s'\n",
				       key[i], lines[i], out[i], want[i]);
		}
		free(out[i]);
	}
	is_int(bad, 0, "every golden caption tokenizes as CoreNLP 3.4.1 did");
	free(out);
	free(lines);
	free(want);
	free(key);
	yajl_tree_free(doc);
}

static void one(al_ptb *t, const char *in, const char *want, const char *what)
{
	char *out = NULL;
	al_err e = {0};
	al_ptb_tokenize(t, &in, 1, &out, &e);
	is_str(out, want, "%s", what);
	free(out);
}

int main(void)
{
	al_err e = {0};
	al_ptb *t = al_ptb_new(&e);
	ok(t != NULL, "al_ptb_new: %s", e.msg);
	if (!t)
		return done_testing();
	golden(t);
	/* hand-worked: clitics split, punctuation tokens dropped, brackets
	 * escaped and lowercased (so they stay), ellipsis and dashes dropped */
	one(t, "The cat's bowl, isn't it?", "the cat 's bowl is n't it", "clitics split and punctuation dropped");
	one(t, "(Two) dogs -- really...", "-lrb- two -rrb- dogs really", "brackets kept as -lrb-/-rrb-");
	one(t, "", "", "an empty caption");
	one(t, "A man.\n", "a man", "a newline inside a caption is a space");
	one(t, "They can't", "they ca n't", "can't is ca n't, as in the treebank");
	al_ptb_free(t);
	return done_testing();
}
