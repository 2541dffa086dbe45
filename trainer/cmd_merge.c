/* cmd_merge.c: adalink merge: an adapter folded into its backbone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/json_write.h"
#include "lib/log.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/merge.h"

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
	"                       default: the shared module)\n"
	"  -r, --rest R         where modules that stay adapters go (default\n"
	"                       MERGED.rest.safetensors)\n"
	"  -o, --output MERGED  the merged checkpoint\n",
};

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'},
		{"adapter", required_argument, 0, 'a'},
		{"task", required_argument, 0, 't'},
		{"rest", required_argument, 0, 'r'},
		{"output", required_argument, 0, 'o'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *backbone = NULL, *apath = NULL, *task = NULL, *rest = NULL, *out = NULL;
	int c, status;
	while ((c = getopt_long(argc, argv, "b:a:t:r:o:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'b': backbone = optarg; break;
		case 'a': apath = optarg; break;
		case 't': task = optarg; break;
		case 'r': rest = optarg; break;
		case 'o': out = optarg; break;
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
	al_adapter *ad = NULL, *left = NULL;
	al_t5 *m = al_t5_load(backbone, &e);
	if (!m || !(ad = al_adapter_load(apath, &e)))
		goto fail;
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
		if (!(left = calloc(1, sizeof *left))) {
			al_err_set(&e, AL_ENOMEM, "out of memory");
			goto fail;
		}
		left->act = ad->act;
		left->rank = ad->rank;
		for (int i = 0; i < ad->nmods; i++) {
			al_module *md = &ad->mods[i], *nm;
			if (strcmp(md->modality, "image") != 0)
				continue;
			if (!(nm = al_adapter_add(left, md->task, md->modality, md->d, md->r, &e)))
				goto fail;
			memcpy(nm->down, md->down, sizeof(float) * 2 * md->d * md->r);
		}
		if (left->nmods) {
			if (!rest) {
				snprintf(restbuf, sizeof restbuf, "%s.rest.safetensors", out);
				rest = restbuf;
			}
			al_json *j = al_json_new();
			if (!j) {
				al_err_set(&e, AL_ENOMEM, "out of memory");
				goto fail;
			}
			al_json_obj_open(j);
			al_json_key(j, "method"); al_json_str(j, "adalink");
			al_json_key(j, "rank"); al_json_int(j, left->rank);
			al_json_key(j, "activation"); al_json_str(j, al_act_name(left->act));
			al_json_key(j, "modalities"); al_json_str(j, "image");
			al_json_obj_close(j);
			left->config = al_json_done(j, &e);
			al_json_free(j);
			if (!left->config)
				goto fail;
			if (al_adapter_save(left, rest, 0, &e) < 0)
				goto fail;
			al_info("the image module%s cannot be folded and stay%s an adapter: '%s'",
				left->nmods > 1 ? "s" : "", left->nmods > 1 ? "" : "s", rest);
		}
	}
	if (al_t5_save(m, out, &e) < 0)
		goto fail;
	printf("%s\t%s\n", out, ad->method == AL_METHOD_LORA ? "lora" : "text");
	if (left && left->nmods)
		printf("%s\timage\n", rest);
	rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
	goto done;
fail:
	al_error("%s", e.msg);
done:
	al_adapter_free(left);
	al_adapter_free(ad);
	al_t5_free(m);
	return rc;
}
