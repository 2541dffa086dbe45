/* cmd_init.c: adalink init: write a randomly initialised checkpoint of a
 * named geometry: the T5 family's and the ViT's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/file.h"
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
	"adalink init (--config NAME | --config-json FILE) -o CKPT [--seed S]\n"
	"                    [--vision-dim D] [--vocab-size V]",
	"Write a randomly initialised checkpoint of a named geometry as one\n"
	"safetensors file with Hugging Face names and the config in __metadata__.\n"
	"T5: t5-tiny (d 64, 2+2 layers, 4 heads, d_ff 128, vocab 512, gated; for\n"
	"tests), t5-small, t5-v1_1-small, t5-v1_1-base, flan-t5-base.\n"
	"ViT: vit-tiny (hidden 192, 12 layers, 3 heads, 224 / 16),\n"
	"vit-base-patch16-224 (hidden 768, 12 layers, 12 heads, 224 / 16).\n"
	"Any other T5 geometry from a Hugging Face config.json (--config-json).",
	"  -c, --config NAME     a named geometry\n"
	"      --config-json FILE  a T5 geometry from a Hugging Face config.json\n"
	"                        (d_model, d_kv, d_ff, num_heads, num_layers,\n"
	"                        num_decoder_layers, vocab_size, feed_forward_proj,\n"
	"                        tie_word_embeddings, ...; T5's defaults for the rest)\n"
	"  -o, --output CKPT     the file to write (required)\n"
	"      --seed S          the random seed (default 0); same seed, same bytes\n"
	"      --vision-dim D    T5: add vision_projection.weight [d_model, D]\n"
	"      --vocab-size V    T5: resize the vocabulary (32128 takes T5's ids)\n",
};

/* On a terminal (or with ADALINK_PROGRESS=1) and not --quiet: say on one
 * rewritten line what init is doing, for the big geometries' long draws;
 * NULL ends the line. */
static void stage(const char *fmt, const char *arg)
{
	const char *force = getenv("ADALINK_PROGRESS");
	if (al_log_level() < AL_LOG_INFO || (!(force && *force == '1') && !isatty(2)))
		return;
	fputs("\radalink init: ", stderr);
	if (fmt)
		fprintf(stderr, fmt, arg);
	fputs(fmt ? "...\033[K" : "\r\033[K", stderr);
	fflush(stderr);
}

/* A T5 of the geometry in json (label names it), written to out. */
static int init_t5(const char *json, const char *label, const char *out, long vocab, long vision,
		   long seed, al_err *e)
{
	al_t5_config tc;
	if (al_t5_config_parse(&tc, json, label, e) < 0)
		return e->code;
	if (vocab)
		tc.vocab = (int)vocab;
	stage("drawing the weights of %s", label);
	al_t5 *m = al_t5_new(&tc, (int)vision, (uint64_t)seed, e);
	if (m)
		stage("writing %s", out);
	if (!m || al_t5_save(m, out, e) < 0) {
		stage(NULL, NULL);
		al_t5_free(m);
		return e->code;
	}
	stage(NULL, NULL);
	al_info("%s: %s, %zu parameters", out, label, al_t5_nparams(m));
	al_t5_free(m);
	return 0;
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, 0, 'c'},
		{"output", required_argument, 0, 'o'},
		{"seed", required_argument, 0, 256},
		{"vision-dim", required_argument, 0, 257},
		{"vocab-size", required_argument, 0, 258},
		{"config-json", required_argument, 0, 259},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *cfg = NULL, *out = NULL, *cfg_json = NULL;
	long seed = 0, vision = 0, vocab = 0;
	int c, status;
	while ((c = getopt_long(argc, argv, "c:o:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'o': out = optarg; break;
		case 259: cfg_json = optarg; break;
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
	if (!cfg == !cfg_json || !out)
		return al_cli_usage(&help, "-o and one of --config NAME and --config-json FILE are "
				    "required");
	al_err e = {0};
	if (cfg_json) {
		al_map map = {0};
		char *json = NULL;
		int rc = al_map_file(cfg_json, &map, &e);
		if (rc == 0 && !(json = strndup(map.data ? (const char *)map.data : "", map.size)))
			rc = al_err_set(&e, AL_ENOMEM, "out of memory");
		if (rc == 0)
			rc = init_t5(json, cfg_json, out, vocab, vision, seed, &e);
		free(json);
		al_map_release(&map);
		if (rc < 0) {
			al_error("%s", e.msg);
			return AL_EXIT_FAIL;
		}
		return AL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof t5s / sizeof *t5s; i++) {
		if (strcmp(cfg, t5s[i].name) != 0)
			continue;
		if (init_t5(t5s[i].json, t5s[i].name, out, vocab, vision, seed, &e) < 0) {
			al_error("%s", e.msg);
			return AL_EXIT_FAIL;
		}
		return AL_EXIT_OK;
	}
	if (strcmp(cfg, "vit-tiny") && strcmp(cfg, "vit-base-patch16-224"))
		return al_cli_usage(&help, "unknown geometry '%s' (t5-tiny, t5-small, t5-v1_1-small, "
				    "t5-v1_1-base, flan-t5-base, vit-tiny, vit-base-patch16-224)", cfg);
	if (vision || vocab)
		return al_cli_usage(&help, "--vision-dim and --vocab-size are for T5 geometries");
	stage("drawing the weights of %s and writing them", cfg);
	int rc = al_vit_init_write(out, cfg, (uint64_t)seed, &e);
	stage(NULL, NULL);
	if (rc < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return AL_EXIT_OK;
}
