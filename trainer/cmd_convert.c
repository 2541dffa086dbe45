/* cmd_convert.c: adalink convert: a T5 checkpoint rewritten as one
 * .safetensors file or a Hugging Face model folder, in F32, BF16 or F16. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/t5.h"

static const al_cmd_help help = {
	"convert",
	"adalink convert --backbone CKPT -o OUT [--dtype f32|bf16|f16]",
	"Rewrite a T5 checkpoint (a model folder or one .safetensors file) as one\n"
	".safetensors file with the config in __metadata__, or, when OUT ends in '/'\n"
	"or is a folder, as a Hugging Face model folder (config.json and\n"
	"model.safetensors), with every tensor in the dtype asked for.",
	"  -b, --backbone CKPT   the checkpoint to convert\n"
	"  -o, --output OUT      a .safetensors file, or a folder (made if need be)\n"
	"  -d, --dtype T         f32 (default), bf16 or f16 (rounded to nearest even;\n"
	"                        loading widens them to f32 again)\n",
};

/* Write the config and the weights of m into the folder dir. */
static int write_folder(const al_t5 *m, const char *dir, al_dtype dt, al_err *e)
{
	char path[4096];
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return al_err_errno(e, AL_EIO, "unable to make the folder '%s'", dir);
	snprintf(path, sizeof path, "%s/config.json", dir);
	char *cfg = al_t5_config_json(al_t5_cfg(m));
	al_afile *f = cfg ? al_afile_open(path, e) : NULL;
	int rc = !cfg ? al_err_set(e, AL_ENOMEM, "out of memory") : !f ? e->code : 0;
	if (rc == 0) {
		fputs(cfg, al_afile_fp(f));
		fputc('\n', al_afile_fp(f));
		rc = al_afile_commit(f, e);
	}
	free(cfg);
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	return rc < 0 ? rc : al_t5_save_as(m, path, dt, e);
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'},
		{"output", required_argument, 0, 'o'},
		{"dtype", required_argument, 0, 'd'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *in = NULL, *out = NULL;
	al_dtype dt = AL_F32;
	int c, status;
	while ((c = getopt_long(argc, argv, "b:o:d:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'b': in = optarg; break;
		case 'o': out = optarg; break;
		case 'd':
			dt = !strcmp(optarg, "f32") ? AL_F32 : !strcmp(optarg, "bf16") ? AL_BF16 :
			     !strcmp(optarg, "f16") ? AL_F16 : AL_NDTYPES;
			if (dt == AL_NDTYPES)
				return al_cli_usage(&help, "--dtype wants f32, bf16 or f16, not '%s'", optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!in || !out)
		return al_cli_usage(&help, "--backbone and --output are required");
	if (optind < argc)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind]);
	al_err e = {0};
	struct stat st;
	size_t n = strlen(out);
	int folder = (n && out[n - 1] == '/') || (stat(out, &st) == 0 && S_ISDIR(st.st_mode));
	al_t5 *m = al_t5_load(in, &e);
	if (!m || (folder ? write_folder(m, out, dt, &e) : al_t5_save_as(m, out, dt, &e)) < 0) {
		al_t5_free(m);
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	printf("%s\t%s\t%zu\n", out, al_dtype_name(dt), al_t5_nparams(m));
	al_t5_free(m);
	return fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
}
