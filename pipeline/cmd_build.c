/* cmd_build.c: adalink build: a dataset into shards tracked in the catalog. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cli.h"
#include "lib/log.h"
#include "pipeline/build.h"
#include "pipeline/image_patch.h"
#include "pipeline/shard.h"

static const al_cmd_help help = {
	"build",
	"adalink build --catalog DB --out DIR --name NAME -m SPM [--task T] [--split S]\n"
	"                     [--template TMPL] [--vit CKPT] [--size S] [--patch P]\n"
	"                     [--dtype f16|bf16] [--shard-examples N] [--limit N]\n"
	"                     [--no-images] [--skip-bad] [--replace] [--stats] [-j N]\n"
	"                     DATASET SOURCE...",
	"Read DATASET's SOURCEs (as adalink ingest does), render each record as a\n"
	"text-to-text example, tokenize it, decode, resize and patchify its image\n"
	"(embedded with a ViT when given), and write shards (adalink-shard(5)) to\n"
	"DIR, recording the build and every shard in the catalog\n"
	"(adalink-catalog(5)).  An identical build is skipped; an interrupted one\n"
	"is built again.  Worker threads (-j) tokenize and process images; the\n"
	"shards are the same bytes whatever -j is.",
	"  -c, --catalog DB          the SQLite catalog (created if needed)\n"
	"  -O, --out DIR             the folder for the shards (created if needed)\n"
	"  -n, --name NAME           the build's name: shards are DIR/NAME-00000.als ...\n"
	"  -m, --model SPM           the SentencePiece model (T5's spiece.model)\n"
	"  -t, --task T              as for ingest (GLUE: rte, cola, ...)\n"
	"  -s, --split S             as for ingest (train, val, dev, ...)\n"
	"  -T, --template TMPL       the input text, {NAME} for input NAME (default:\n"
	"                            T5's GLUE prefixes, \"caption en\", \"answer en:\n"
	"                            {question}\")\n"
	"  -V, --vit CKPT            embed the patches with this ViT (default: the\n"
	"                            normalised pixels are the embeddings); S and P\n"
	"                            are its image and patch size\n"
	"  -S, --size S              resize images to S x S (default 224)\n"
	"  -P, --patch P             patch side, dividing S (default 14)\n"
	"  -d, --dtype T             f16 (default) or bf16 for the embeddings\n"
	"  -N, --shard-examples N    examples per shard (default 4096)\n"
	"  -l, --limit N             stop after N examples\n"
	"      --no-images           annotations only: no image sources, no patches\n"
	"      --skip-bad            count and skip bad records\n"
	"      --replace             rebuild NAME even if its inputs changed\n"
	"      --stats               print where the time went and the peak memory\n",
};

int cmd_build(int argc, char **argv)
{
	enum { NO_IMAGES = 1000, SKIP_BAD, REPLACE, STATS };
	static const struct option opts[] = {
		{"catalog", required_argument, 0, 'c'}, {"out", required_argument, 0, 'O'},
		{"name", required_argument, 0, 'n'}, {"model", required_argument, 0, 'm'},
		{"task", required_argument, 0, 't'}, {"split", required_argument, 0, 's'},
		{"template", required_argument, 0, 'T'}, {"vit", required_argument, 0, 'V'},
		{"size", required_argument, 0, 'S'}, {"patch", required_argument, 0, 'P'},
		{"dtype", required_argument, 0, 'd'}, {"shard-examples", required_argument, 0, 'N'},
		{"limit", required_argument, 0, 'l'}, {"no-images", no_argument, 0, NO_IMAGES},
		{"skip-bad", no_argument, 0, SKIP_BAD}, {"replace", no_argument, 0, REPLACE},
		{"stats", no_argument, 0, STATS},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	/* size, patch 0: not asked (the ViT's, or 224 and 14) */
	al_build_opts o = {.dtype = AL_SHARD_F16, .shard_examples = 4096};
	long v;
	int c, status, stats = 0;
	while ((c = getopt_long(argc, argv, "c:O:n:m:t:s:T:V:S:P:d:N:l:" AL_CLI_COMMON_SHORT,
				opts, NULL)) != -1) {
		switch (c) {
		case 'c': o.catalog = optarg; break;
		case 'O': o.out_dir = optarg; break;
		case 'n': o.name = optarg; break;
		case 'm': o.spm = optarg; break;
		case 't': o.task = optarg; break;
		case 's': o.split = optarg; break;
		case 'T': o.tmpl = optarg; break;
		case 'V': o.vit = optarg; break;
		case NO_IMAGES: o.no_images = 1; break;
		case SKIP_BAD: o.skip_bad = 1; break;
		case REPLACE: o.replace = 1; break;
		case STATS: stats = 1; break;
		case 'd':
			if (strcmp(optarg, "f16") && strcmp(optarg, "bf16"))
				return al_cli_usage(&help, "--dtype wants f16 or bf16, not '%s'", optarg);
			o.dtype = strcmp(optarg, "bf16") == 0 ? AL_SHARD_BF16 : AL_SHARD_F16;
			break;
		case 'S': case 'P': case 'N': case 'l':
			if (al_parse_long(optarg, c == 'l' ? 0 : 1, 1L << 30, &v) < 0)
				return al_cli_usage(&help, "-%c wants a whole number, not '%s'", c, optarg);
			if (c == 'S') o.size = (int)v;
			else if (c == 'P') o.patch = (int)v;
			else if (c == 'N') o.shard_examples = v;
			else o.limit = v;
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!o.catalog || !o.out_dir || !o.name || !o.spm)
		return al_cli_usage(&help, "--catalog, --out, --name and --model are required");
	if (argc - optind < 2)
		return al_cli_usage(&help, "a DATASET and at least one SOURCE are required");
	if (strchr(o.name, '/') || !*o.name)
		return al_cli_usage(&help, "--name must be a plain name, not '%s'", o.name);
	al_err e = {0};
	al_patch_opts po;   /* with a ViT, al_build_run settles the sides once it is loaded */
	al_patch_opts_default(&po);
	if (!o.vit && al_patch_opts_settle(&po, o.size, o.patch, NULL, NULL, &e) < 0)
		return al_cli_usage(&help, "%s", e.msg);
	o.dataset = argv[optind];
	o.sources = (const char *const *)argv + optind + 1;
	o.nsources = argc - optind - 1;
	o.jobs = al_cli_threads();
	mkdir(o.out_dir, 0777);
	al_build_stats st;
	if (al_build_run(&o, &st, &e) < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	if (st.skipped)
		al_info("build '%s' is already in the catalog with the same inputs; nothing to do", o.name);
	if (stats && !st.skipped) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		double w = st.t_wall > 0 ? st.t_wall : 1e-9;
		/* one line, key and value pairs, for awk */
		double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
			     ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
		fprintf(stderr, "adalink build: stats\texamples %ld\tthreads %d\twall %.3f\t"
			"cpu %.3f\texamples/s %.1f\tsetup %.3f\tread %.3f\ttokenize %.3f\t"
			"image %.3f\twrite %.3f\twait %.3f\tmaxrss_kb %ld\n", st.examples,
			st.threads, st.t_wall, cpu, st.examples / w, st.t_setup, st.t_read,
			st.t_tokenize, st.t_image, st.t_write, st.t_wait, ru.ru_maxrss);
	}
	printf("%s\texamples\t%ld\timages\t%ld\tshards\t%ld%s\n", o.name, st.examples, st.images,
	       st.shards, st.skipped ? "\t(already built)" : "");
	return AL_EXIT_OK;
}
