/* cmd_init.c: adalink init: write a randomly initialised checkpoint of a
 * named geometry (the ViT geometries; the trainer adds T5's). */
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "pipeline/vit.h"

static const al_cmd_help help = {
	"init",
	"adalink init --config NAME -o CKPT [--seed S]",
	"Write a randomly initialised checkpoint of a named geometry as one\n"
	"safetensors file with Hugging Face names and the config in __metadata__.\n"
	"Geometries: vit-tiny (hidden 192, 12 layers, 3 heads, 224 / 16),\n"
	"vit-base-patch16-224 (hidden 768, 12 layers, 12 heads, 224 / 16).",
	"  -c, --config NAME  the geometry (required)\n"
	"  -o, --output CKPT  the file to write (required)\n"
	"      --seed S       the random seed (default 0); same seed, same bytes\n",
};

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, 0, 'c'},
		{"output", required_argument, 0, 'o'},
		{"seed", required_argument, 0, 256},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *cfg = NULL, *out = NULL;
	long seed = 0;
	int c, status;
	while ((c = getopt_long(argc, argv, "c:o:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'o': out = optarg; break;
		case 256:
			if (al_parse_long(optarg, 0, 0x7fffffffffffffffL, &seed) < 0)
				return al_cli_usage(&help, "--seed wants a non-negative integer, not '%s'", optarg);
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
	if (strcmp(cfg, "vit-tiny") && strcmp(cfg, "vit-base-patch16-224"))
		return al_cli_usage(&help, "unknown geometry '%s' (vit-tiny, vit-base-patch16-224)", cfg);
	al_err e = {0};
	if (al_vit_init_write(out, cfg, (uint64_t)seed, &e) < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	return AL_EXIT_OK;
}
