/* cmd_forward.c: adalink forward: the model as a calculator of
 * log-likelihoods, and of the adapter's gradient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/forward.h"
#include "trainer/model.h"

static const al_cmd_help help = {
	"forward",
	"adalink forward --backbone CKPT [--projection F] [--adapter A] [--grad OUT]\n"
	"                       [--batch N] [FILE]",
	"Read examples as JSONL ({\"input_ids\": [...], \"target_ids\": [...]}, with\n"
	"optional \"task\" and \"image_embeddings\") from FILE or standard input and\n"
	"write, for each, {\"nll\": SUM, \"tokens\": N, \"logprobs\": [...]} (natural\n"
	"log, one per target token; the decoder starts from token 0, as T5's).",
	"  -b, --backbone CKPT  the frozen T5 checkpoint: a Hugging Face model folder\n"
	"                       or a .safetensors file with its config in metadata\n"
	"  -a, --adapter A      adapter (.safetensors) of AdaLink, prompt tuning or\n"
	"                       LoRA, as adalink train writes them\n"
	"  -g, --grad OUT       write the gradient of the summed nll of all lines\n"
	"                       with respect to every adapter tensor to OUT, under\n"
	"                       the adapter's names; without --adapter, with\n"
	"                       respect to every backbone weight (full fine-tuning)\n"
	"                       as a checkpoint\n"
	"  -B, --batch N        run N lines at a time, padded (default 8); the\n"
	"                       results do not depend on it beyond rounding\n"
	"      --projection F   vision_projection.weight [d_model, D] from the\n"
	"                       safetensors file F, for image inputs (replacing the\n"
	"                       backbone's own, if any)\n"
	"      --force          apply the adapter although it records another\n"
	"                       backbone (a different backbone_sha256)\n",
};

/* Run the examples held in xs and print their lines; empties xs. */
static int flush(al_runner *run, al_adapter *ad, al_example *xs, int n, int grad,
		 double *total, al_err *e)
{
	double nll[n];
	float *lp[n];
	int rc = 0;
	for (int i = 0; i < n; i++)
		lp[i] = malloc(sizeof(float) * xs[i].n_tgt);
	for (int i = 0; i < n; i++)
		if (!lp[i])
			rc = al_err_set(e, AL_ENOMEM, "out of memory");
	if (rc == 0)
		rc = al_runner_batch(run, ad, xs, n, nll, lp, grad, 1.0f, e);
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			printf("{\"nll\": %.9g, \"tokens\": %d, \"logprobs\": [", nll[i], xs[i].n_tgt);
			for (int k = 0; k < xs[i].n_tgt; k++)
				printf(k ? ", %.9g" : "%.9g", lp[i][k]);
			printf("]}\n");
			*total += nll[i];
		}
		free(lp[i]);
		al_example_clear(&xs[i]);
	}
	return rc;
}

int cmd_forward(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'},
		{"adapter", required_argument, 0, 'a'},
		{"grad", required_argument, 0, 'g'},
		{"batch", required_argument, 0, 'B'},
		{"projection", required_argument, 0, 1000},
		{"force", no_argument, 0, 1001},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *backbone = NULL, *adapter_path = NULL, *grad_path = NULL, *proj = NULL;
	int c, status, force = 0;
	long batch = 8;
	while ((c = getopt_long(argc, argv, "b:a:g:B:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'b': backbone = optarg; break;
		case 'a': adapter_path = optarg; break;
		case 'g': grad_path = optarg; break;
		case 1000: proj = optarg; break;
		case 1001: force = 1; break;
		case 'B':
			if (al_parse_long(optarg, 1, 4096, &batch) < 0)
				return al_cli_usage(&help, "--batch wants 1 to 4096 lines, not '%s'", optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!backbone)
		return al_cli_usage(&help, "--backbone is required");
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
	int rc = AL_EXIT_FAIL, n = 0;
	long lineno = 0, first = 1, count = 0;
	double total = 0;
	char *line = NULL;
	size_t cap = 0;
	al_runner *run = NULL;
	al_progress *pg = NULL;
	al_model mo = {0};
	al_model_spec ms = {.backbone = backbone, .projection = proj, .adapter = adapter_path,
			    .train_all = grad_path != NULL, .force = force};
	al_example *xs = calloc(batch, sizeof *xs);
	if (!xs)
		al_err_set(&e, AL_ENOMEM, "out of memory");
	if (!xs || al_model_open(&mo, &ms, &e) < 0 || !(run = al_runner_new(mo.t5, &e)))
		goto fail;
	al_adapter *ad = mo.adapter;
	pg = al_progress_new("examples", 0);
	for (;;) {
		ssize_t len = getline(&line, &cap, fp);
		if (len > 0) {
			lineno++;
			if (strspn(line, " \t\r\n") == (size_t)len)
				continue;
			if (n == 0)
				first = lineno;
			if (al_example_parse(&xs[n], line, label, lineno, 1, &e) < 0)
				goto fail;
			n++;
		}
		if (n == batch || (len <= 0 && n > 0)) {
			if (flush(run, ad, xs, n, grad_path != NULL, &total, &e) < 0) {
				al_err_wrap(&e, "%s: lines %ld-%ld", label, first, lineno);
				n = 0;
				goto fail;
			}
			count += n;
			al_progress_add(pg, n);
			n = 0;
		}
		if (len <= 0)
			break;
	}
	if (ferror(fp)) {
		al_err_set(&e, AL_EIO, "reading '%s' failed", label);
		goto fail;
	}
	if (grad_path && al_adapter_save(ad, grad_path, 1, &e) < 0)
		goto fail;
	al_debug("%ld examples, summed nll %.6f", count, total);
	rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
	goto done;
fail:
	al_error("%s", e.msg);
done:
	al_progress_free(pg);
	for (int i = 0; i < n; i++)
		al_example_clear(&xs[i]);
	free(xs);
	free(line);
	if (fp != stdin)
		fclose(fp);
	al_runner_free(run);
	al_model_close(&mo);
	return rc;
}
