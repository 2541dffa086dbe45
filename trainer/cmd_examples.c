/* cmd_examples.c: adalink examples: the examples a pretraining objective
 * makes from a text corpus, as JSONL that forward, predict and train read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "trainer/examples.h"
#include "trainer/objective.h"

static const al_cmd_help help = {
	"examples",
	"adalink examples --objective span|prefix-lm --model SPM --vocab-size V\n"
	"                        [--inputs-length N] [--seed S] [--pick P] RECORDS",
	"Write the examples that adalink train --objective makes from the text records\n"
	"RECORDS (adalink ingest text), one JSONL line each: {\"id\", \"input_ids\",\n"
	"\"target_ids\"}, with the noise of one visit (--pick), so that a model can be\n"
	"measured on exactly them (adalink forward) and a baseline on their targets.",
	"      --objective O       span (T5's span corruption) or prefix-lm\n"
	"  -m, --model SPM         the SentencePiece model that tokenizes the records\n"
	"      --vocab-size V      the model's vocabulary (sentinels are its last 100 ids)\n"
	"      --inputs-length N   encoder tokens of an example (default 128)\n"
	"  -s, --seed S            the run's seed (default 0)\n"
	"      --pick P            the visit whose noise is drawn (default 0: the noise a\n"
	"                          training run's validation loss sees)\n",
};

int cmd_examples(int argc, char **argv)
{
	enum { OBJ = 1000, VOCAB, INLEN, PICK };
	static const struct option opts[] = {
		{"objective", required_argument, 0, OBJ},
		{"model", required_argument, 0, 'm'},
		{"vocab-size", required_argument, 0, VOCAB},
		{"inputs-length", required_argument, 0, INLEN},
		{"seed", required_argument, 0, 's'},
		{"pick", required_argument, 0, PICK},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *spm = NULL;
	al_objective_opts o = {-1, 128, 0, 0};
	long v, pick = 0;
	int c, status;
	while ((c = getopt_long(argc, argv, "m:s:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'm': spm = optarg; break;
		case OBJ:
			o.objective = al_objective_parse(optarg);
			if (o.objective != AL_OBJ_SPAN && o.objective != AL_OBJ_PREFIX_LM)
				return al_cli_usage(&help, "--objective wants span or prefix-lm, not '%s'",
						    optarg);
			break;
		case VOCAB:
		case INLEN:
			if (al_parse_long(optarg, 2, 1 << 24, &v) < 0)
				return al_cli_usage(&help, "--%s wants a whole number from 2, not '%s'",
						    c == VOCAB ? "vocab-size" : "inputs-length", optarg);
			*(c == VOCAB ? &o.vocab_size : &o.inputs_length) = (int)v;
			break;
		case 's':
		case PICK:
			if (al_parse_long(optarg, 0, 0x7fffffffffffffffL, c == 's' ? &v : &pick) < 0)
				return al_cli_usage(&help, "--%s wants a whole number from 0, not '%s'",
						    c == 's' ? "seed" : "pick", optarg);
			if (c == 's')
				o.seed = (uint64_t)v;
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (o.objective < 0 || !spm || !o.vocab_size)
		return al_cli_usage(&help, "--objective, --model and --vocab-size are required");
	if (argc - optind != 1)
		return al_cli_usage(&help, "name one RECORDS file");
	al_err e = {0};
	al_spm *sp = al_spm_new(spm, &e);
	al_examples *s = sp ? al_examples_objective(argv[optind], sp, &o, &e) : NULL;
	int rc = s ? 0 : e.code;
	for (long i = 0; rc == 0 && i < al_examples_count(s); i++) {
		al_example x;
		if ((rc = al_examples_get(s, i, (uint64_t)pick, &x, &e)) < 0)
			break;
		printf("{\"id\": %ld, \"input_ids\": [", i);
		for (int k = 0; k < x.n_in; k++)
			printf(k ? ", %d" : "%d", x.input_ids[k]);
		fputs("], \"target_ids\": [", stdout);
		for (int k = 0; k < x.n_tgt; k++)
			printf(k ? ", %d" : "%d", x.target_ids[k]);
		fputs("]}\n", stdout);
		al_examples_release(s, &x);
	}
	al_examples_free(s);
	al_spm_free(sp);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
}
