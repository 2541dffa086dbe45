/* cmd_init.c: adalink init: write a randomly initialised checkpoint of a
 * named geometry: the T5 family's and the ViT's. */
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "lib/t5.h"
#include "lib/vit.h"

/* The T5 geometries, as their Hugging Face config.json files give them. */
static const struct {
	const char *name, *json;
} t5s[] = {
	{"t5-tiny", "{\"vocab_size\": 512, \"d_model\": 64, \"d_kv\": 16, \"d_ff\": 128, "
		    "\"num_heads\": 4, \"num_layers\": 2, \"feed_forward_proj\": \"gated-gelu\", "
		    "\"tie_word_embeddings\": false}"},
	{"t5-small", "{\"vocab_size\": 32128, \"d_model\": 512, \"d_kv\": 64, \"d_ff\": 2048, "
		     "\"num_heads\": 8, \"num_layers\": 6, \"feed_forward_proj\": \"relu\", "
		     "\"tie_word_embeddings\": true}"},
	{"t5-v1_1-small", "{\"vocab_size\": 32128, \"d_model\": 512, \"d_kv\": 64, \"d_ff\": 1024, "
			  "\"num_heads\": 6, \"num_layers\": 8, \"feed_forward_proj\": \"gated-gelu\", "
			  "\"tie_word_embeddings\": false}"},
	{"t5-v1_1-base", "{\"vocab_size\": 32128, \"d_model\": 768, \"d_kv\": 64, \"d_ff\": 2048, "
			 "\"num_heads\": 12, \"num_layers\": 12, \"feed_forward_proj\": \"gated-gelu\", "
			 "\"tie_word_embeddings\": false}"},
	{"flan-t5-base", "{\"vocab_size\": 32128, \"d_model\": 768, \"d_kv\": 64, \"d_ff\": 2048, "
			 "\"num_heads\": 12, \"num_layers\": 12, \"feed_forward_proj\": \"gated-gelu\", "
			 "\"tie_word_embeddings\": false}"},
};

static const al_cmd_help help = {
	"init",
	"adalink init --config NAME -o CKPT [--seed S] [--vision-dim D] [--vocab-size V]",
	"Write a randomly initialised checkpoint of a named geometry as one\n"
	"safetensors file with Hugging Face names and the config in __metadata__.\n"
	"T5: t5-tiny (d 64, 2+2 layers, 4 heads, d_ff 128, vocab 512, gated; for\n"
	"tests), t5-small, t5-v1_1-small, t5-v1_1-base, flan-t5-base.\n"
	"ViT: vit-tiny (hidden 192, 12 layers, 3 heads, 224 / 16),\n"
	"vit-base-patch16-224 (hidden 768, 12 layers, 12 heads, 224 / 16).",
	"  -c, --config NAME     the geometry (required)\n"
	"  -o, --output CKPT     the file to write (required)\n"
	"      --seed S          the random seed (default 0); same seed, same bytes\n"
	"      --vision-dim D    T5: add vision_projection.weight [d_model, D]\n"
	"      --vocab-size V    T5: resize the vocabulary (32128 takes T5's ids)\n",
};

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, 0, 'c'},
		{"output", required_argument, 0, 'o'},
		{"seed", required_argument, 0, 256},
		{"vision-dim", required_argument, 0, 257},
		{"vocab-size", required_argument, 0, 258},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *cfg = NULL, *out = NULL;
	long seed = 0, vision = 0, vocab = 0;
	int c, status;
	while ((c = getopt_long(argc, argv, "c:o:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'o': out = optarg; break;
		case 256:
			if (al_parse_long(optarg, 0, 0x7fffffffffffffffL, &seed) < 0)
				return al_cli_usage(&help, "--seed wants a non-negative integer, not '%s'", optarg);
			break;
		case 257:
		case 258:
			if (al_parse_long(optarg, 1, 1 << 20, c == 257 ? &vision : &vocab) < 0)
				return al_cli_usage(&help, "--%s wants 1 to 1048576, not '%s'",
						    c == 257 ? "vision-dim" : "vocab-size", optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (optind != argc)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind]);
	if (!cfg || !out)
		return al_cli_usage(&help, "--config and -o are required");
	al_err e = {0};
	for (size_t i = 0; i < sizeof t5s / sizeof *t5s; i++) {
		if (strcmp(cfg, t5s[i].name) != 0)
			continue;
		al_t5_config tc;
		al_t5_config_parse(&tc, t5s[i].json, t5s[i].name, &e);
		if (vocab)
			tc.vocab = (int)vocab;
		al_t5 *m = al_t5_new(&tc, (int)vision, (uint64_t)seed, &e);
		if (!m || al_t5_save(m, out, &e) < 0) {
			al_t5_free(m);
			al_error("%s", e.msg);
			return AL_EXIT_FAIL;
		}
		al_info("%s: %s, %zu parameters", out, cfg, al_t5_nparams(m));
		al_t5_free(m);
		return AL_EXIT_OK;
	}
	if (strcmp(cfg, "vit-tiny") && strcmp(cfg, "vit-base-patch16-224"))
		return al_cli_usage(&help, "unknown geometry '%s' (t5-tiny, t5-small, t5-v1_1-small, "
				    "t5-v1_1-base, flan-t5-base, vit-tiny, vit-base-patch16-224)", cfg);
	if (vision || vocab)
		return al_cli_usage(&help, "--vision-dim and --vocab-size are for T5 geometries");
	if (al_vit_init_write(out, cfg, (uint64_t)seed, &e) < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return AL_EXIT_OK;
}
