/* test_prompt.c: templates and targets, hand-worked from T5's GLUE
 * preprocessing (Raffel et al. 2020, appendix D). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/prompt.h"
#include "tests/tap.h"

int main(void)
{
	al_err e = {0};
	const char *names[2] = {"sentence1", "sentence2"}, *in[2] = {"A dog runs.", "An animal moves."};
	const char *tg[1] = {"entailment"};
	al_record r = {.dataset = "glue", .split = "dev", .task = "rte", .id = "7", .ninputs = 2,
		       .ntargets = 1, .targets = tg};
	memcpy(r.input_name, names, sizeof names);
	memcpy(r.input, in, sizeof in);
	char *s = al_prompt_render(al_prompt_default("glue", "rte"), &r, &e);
	is_str(s, "rte sentence1: A dog runs. sentence2: An animal moves.", "RTE as T5 writes it");
	free(s);
	s = al_prompt_render(al_prompt_default("glue", "mnli"), &r, &e);
	is_str(s, "mnli hypothesis: An animal moves. premise: A dog runs.", "MNLI: hypothesis first");
	free(s);
	char buf[64];
	al_prompt_target(&r, 0, buf, sizeof buf);
	is_str(buf, "entailment", "text labels stay");
	const char *one[1] = {"1"}, *zero[1] = {"0"}, *sts[1] = {"3.9"}, *sts2[1] = {"2.5"};
	r.task = "cola"; r.targets = one;
	al_prompt_target(&r, 0, buf, sizeof buf);
	is_str(buf, "acceptable", "CoLA 1 is acceptable");
	r.task = "sst2"; r.targets = zero;
	al_prompt_target(&r, 0, buf, sizeof buf);
	is_str(buf, "negative", "SST-2 0 is negative");
	r.task = "qqp"; r.targets = one;
	al_prompt_target(&r, 0, buf, sizeof buf);
	is_str(buf, "duplicate", "QQP 1 is duplicate");
	r.task = "stsb"; r.targets = sts;
	al_prompt_target(&r, 0, buf, sizeof buf);
	is_str(buf, "4.0", "STS-B 3.9 rounds to 4.0 (nearest 0.2)");
	r.targets = sts2;
	al_prompt_target(&r, 0, buf, sizeof buf);
	is_str(buf, "2.4", "STS-B 2.5 gives 2.4: 12.5 rounds half to even, as T5's tf.round");
	is_str(al_prompt_default("coco", "caption"), "caption en", "captions: PaLI's prefix");
	is_str(al_prompt_default("vqav2", NULL), "answer en: {question}", "VQA: PaLI's prefix");
	ok(al_prompt_default("glue", "nope") == NULL, "no template for an unknown task");
	ok(al_prompt_render("x {missing}", &r, &e) == NULL, "a missing input is an error");
	has_str(e.msg, "no input \"missing\"", "naming it");
	ok(al_prompt_render("x {open", &r, &e) == NULL, "an unclosed brace is an error");
	return done_testing();
}
