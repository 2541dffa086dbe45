/* cmd_merge.c: adalink merge: an adapter folded into its backbone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/json_write.h"
#include "lib/log.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/merge.h"
#include "trainer/model.h"

static const al_cmd_help help = {
	"merge",
	"adalink merge --backbone CKPT --adapter A [--task T] [--rest R] -o MERGED",
	"Fold an adapter into the backbone's weights and write the merged checkpoint\n"
	"(one .safetensors with its config), which gives what the backbone and the\n"
	"adapter gave together at no extra cost.  AdaLink's text module folds into\n"
	"the encoder's input embeddings (encoder.embed_tokens.weight; shared.weight,\n"
	"which the decoder and a tied output read, keeps the original); LoRA folds\n"
	"into the weights it adapts.  Image modules cannot fold: they are written to\n"
	"R, an adapter to use with MERGED.  Prompt tuning cannot fold.",
	"  -b, --backbone CKPT  the backbone the adapter was trained on\n"
	"  -a, --adapter A      the adapter (.safetensors)\n"
	"  -t, --task T         fold the text module of task T (per-task adapters;\n"
	"                       default: the shared module); T must be one of the\n"
	"                       adapter's tasks\n"
	"  -r, --rest R         where modules that stay adapters go (default\n"
	"                       MERGED.rest.safetensors)\n"
	"  -o, --output MERGED  the merged checkpoint (-: standard output, and the\n"
	"                       list of files written goes to standard error)\n"
	"      --force          merge although the adapter records another backbone\n"
	"                       (a different backbone_sha256)\n",
};

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'},
		{"adapter", required_argument, 0, 'a'},
		{"task", required_argument, 0, 't'},
		{"rest", required_argument, 0, 'r'},
		{"output", required_argument, 0, 'o'},
		{"force", no_argument, 0, 1001},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *backbone = NULL, *apath = NULL, *task = NULL, *rest = NULL, *out = NULL;
	int c, status, force = 0;
	while ((c = getopt_long(argc, argv, "b:a:t:r:o:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'b': backbone = optarg; break;
		case 'a': apath = optarg; break;
		case 't': task = optarg; break;
		case 'r': rest = optarg; break;
		case 'o': out = optarg; break;
		case 1001: force = 1; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!backbone || !apath || !out)
		return al_cli_usage(&help, "--backbone, --adapter and --output are required");
	if (optind < argc)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind]);
	al_err e = {0};
	int rc = AL_EXIT_FAIL;
	char restbuf[4096];
	al_adapter *left = NULL;
	al_model mo;
	al_model_spec ms = {.backbone = backbone, .adapter = apath, .force = force};
	if (al_model_open(&mo, &ms, &e) < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	al_t5 *m = mo.t5;
	al_adapter *ad = mo.adapter;
	if (ad->method == AL_METHOD_PROMPT) {
		al_err_set(&e, AL_EINVAL, "'%s' is prompt tuning: its soft tokens lengthen every "
			   "input and cannot be folded into the weights", apath);
		goto fail;
	}
	if (ad->method == AL_METHOD_LORA) {
		if (al_merge_lora(m, ad, &e) < 0)
			goto fail;
	} else {
		/* per-task text modules: one of them, chosen */
		int tasks = 0;
		for (int i = 0; i < ad->nmods; i++)
			tasks += strcmp(ad->mods[i].modality, "text") == 0 && ad->mods[i].task[0];
		if (tasks && !task) {
			al_err_set(&e, AL_EINVAL, "'%s' has per-task text modules; say which to fold "
				   "with --task", apath);
			goto fail;
		}
		if (al_merge_text(m, ad, task, &e) < 0) {
			al_err_wrap(&e, "'%s'", apath);
			goto fail;
		}
		/* the image modules stay an adapter */
		if (!(left = al_merge_rest(ad, &e)) && e.code < 0)
			goto fail;
		if (left) {
			if (!rest && strcmp(out, "-") == 0) {
				al_err_set(&e, AL_EINVAL, "'%s' has image modules, which stay an "
					   "adapter: with -o -, say where with --rest", apath);
				goto fail;
			}
			if (!rest) {
				snprintf(restbuf, sizeof restbuf, "%s.rest.safetensors", out);
				rest = restbuf;
			}
			if (al_adapter_save(left, rest, 0, &e) < 0)
				goto fail;
			al_info("the image module%s cannot be folded and stay%s an adapter: '%s'",
				left->nmods > 1 ? "s" : "", left->nmods > 1 ? "" : "s", rest);
		}
	}
	if (al_t5_save(m, out, &e) < 0)
		goto fail;
	FILE *said = strcmp(out, "-") == 0 ? stderr : stdout;   /* stdout holds MERGED */
	fprintf(said, "%s\t%s\n", out, ad->method == AL_METHOD_LORA ? "lora" : "text");
	if (left && left->nmods)
		fprintf(said, "%s\timage\n", rest);
	rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
	goto done;
fail:
	al_error("%s", e.msg);
done:
	al_adapter_free(left);
	al_model_close(&mo);
	return rc;
}
