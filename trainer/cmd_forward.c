/* cmd_forward.c: adalink forward: the model as a calculator of
 * log-likelihoods, and of the adapter's gradient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/forward.h"

static const al_cmd_help help = {
	"forward",
	"adalink forward --backbone CKPT [--adapter A] [--grad OUT] [FILE]",
	"Read examples as JSONL ({\"input_ids\": [...], \"target_ids\": [...]}, with\n"
	"optional \"task\" and \"image_embeddings\") from FILE or standard input and\n"
	"write, for each, {\"nll\": SUM, \"tokens\": N, \"logprobs\": [...]} (natural\n"
	"log, one per target token; the decoder starts from token 0, as T5's).",
	"  -b, --backbone CKPT  the frozen T5 checkpoint: a Hugging Face model folder\n"
	"                       or a .safetensors file with its config in metadata\n"
	"  -a, --adapter A      AdaLink adapter (.safetensors) applied to the inputs\n"
	"  -g, --grad OUT       write the gradient of the summed nll of all lines\n"
	"                       with respect to every adapter tensor to OUT\n",
};

int cmd_forward(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'},
		{"adapter", required_argument, 0, 'a'},
		{"grad", required_argument, 0, 'g'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *backbone = NULL, *adapter_path = NULL, *grad_path = NULL;
	int c, status;
	while ((c = getopt_long(argc, argv, "b:a:g:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'b': backbone = optarg; break;
		case 'a': adapter_path = optarg; break;
		case 'g': grad_path = optarg; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!backbone)
		return al_cli_usage(&help, "--backbone is required");
	if (grad_path && !adapter_path)
		return al_cli_usage(&help, "--grad needs an --adapter to differentiate");
	if (argc - optind > 1)
		return al_cli_usage(&help, "one input FILE at most");
	const char *in = optind < argc ? argv[optind] : "-";
	FILE *fp = strcmp(in, "-") == 0 ? stdin : fopen(in, "r");
	if (!fp) {
		al_error("unable to open '%s': %m", in);
		return AL_EXIT_FAIL;
	}
	const char *label = fp == stdin ? "<stdin>" : in;
	al_err e = {0};
	int rc = AL_EXIT_FAIL;
	al_adapter *ad = NULL;
	al_t5 *m = al_t5_load(backbone, &e);
	if (!m)
		goto fail;
	if (adapter_path && !(ad = al_adapter_load(adapter_path, &e)))
		goto fail;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, n = 0;
	double total = 0;
	al_progress *pg = al_progress_new("examples", 0);
	while (getline(&line, &cap, fp) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		al_example x;
		if (al_example_parse(&x, line, label, lineno, &e) < 0)
			goto fail_line;
		float *lp = malloc(sizeof *lp * x.n_tgt);
		double nll = 0;
		if (!lp || al_forward_example(m, ad, &x, &nll, lp, grad_path != NULL, &e) < 0) {
			free(lp);
			al_example_clear(&x);
			al_err_wrap(&e, "%s: line %ld", label, lineno);
			goto fail_line;
		}
		printf("{\"nll\": %.9g, \"tokens\": %d, \"logprobs\": [", nll, x.n_tgt);
		for (int i = 0; i < x.n_tgt; i++)
			printf(i ? ", %.9g" : "%.9g", lp[i]);
		printf("]}\n");
		total += nll;
		n++;
		free(lp);
		al_example_clear(&x);
		al_progress_add(pg, 1);
	}
	al_progress_free(pg);
	free(line);
	if (ferror(fp)) {
		al_error("reading '%s' failed", label);
		goto done;
	}
	if (grad_path && al_adapter_save(ad, grad_path, 1, &e) < 0)
		goto fail;
	al_debug("%ld examples, summed nll %.6f", n, total);
	rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
	goto done;
fail_line:
	al_progress_free(pg);
	free(line);
fail:
	al_error("%s", e.msg);
done:
	if (fp != stdin)
		fclose(fp);
	al_adapter_free(ad);
	al_t5_free(m);
	return rc;
}
