/* adalink.c: main, the command table, global options, help and version.
 *
 * Each command is `int cmd_NAME(int argc, char **argv)` in a cmd_NAME.c of
 * the folder that holds its work; this file only dispatches.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <png.h>
#include <xxhash.h>
#include <yajl/yajl_version.h>

#include "lib/blas.h"
#include "lib/catalog.h"
#include "cli.h"
#include "lib/log.h"

int cmd_inspect(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_shards(int argc, char **argv);
int cmd_patches(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_examples(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"ingest", cmd_ingest, "read a dataset's archives and write JSONL records"},
	{"tokenize", cmd_tokenize, "SentencePiece: text to ids or pieces, and back"},
	{"patches", cmd_patches, "decode, resize and patchify images; embed with a ViT"},
	{"build", cmd_build, "tokenized, patch-embedded shards tracked in the catalog"},
	{"shards", cmd_shards, "list, show, verify, print and remove builds and shards"},
	{"init", cmd_init, "write a randomly initialised checkpoint of a named geometry"},
	{"score", cmd_score, "CIDEr, BLEU, ROUGE-L, VQA accuracy, ANLS, GLUE metrics"},
	{"forward", cmd_forward, "log-likelihoods of targets under a backbone and adapter"},
	{"train", cmd_train, "train AdaLink modules over a frozen backbone"},
	{"merge", cmd_merge, "fold an adapter into its backbone's weights"},
	{"convert", cmd_convert, "rewrite a T5 checkpoint as a file or model folder, F32 or BF16"},
	{"examples", cmd_examples, "the examples a pretraining objective makes from a corpus"},
	{"predict", cmd_predict, "decode outputs with greedy or beam search"},
	{"runs", cmd_runs, "list, show, compare and remove the training runs in a catalog"},
	{"plot", cmd_plot, "draw runs' training loss and dev metric against the step (SVG)"},
	{"inspect", cmd_inspect, "list a safetensors file's tensors and metadata"},
	{NULL, NULL, NULL},
};

static const char usage[] =
	"usage: adalink [-q] [-v] [-j N] COMMAND [ARGS]\n"
	"       adalink help COMMAND\n"
	"       adalink --version\n";

static void print_help(void)
{
	printf("%s\n"
	       "adalink adapts a frozen model with AdaLink and measures the result.\n\n"
	       "commands:\n", usage);
	for (const struct command *c = commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("  %-10s %s\n", "help", "show a command's manual page");
	printf("\noptions (before COMMAND; every command takes them too):\n"
	       "  -j, --threads N  use N threads (default: all cores)\n"
	       "  -q, --quiet      print errors and warnings only; no progress\n"
	       "  -v, --verbose    print debug messages\n"
	       "  -h, --help       print this help and exit\n"
	       "  -V, --version    print the versions of adalink, its libraries and\n"
	       "                   the OpenBLAS core in use\n"
	       "\n'adalink COMMAND --help' for a command's options, 'adalink help COMMAND'\n"
	       "for its manual page, adalink(1) for all of it.\n");
}

static void print_version(void)
{
	char pcre[32] = "?";
	int y = yajl_version();
	unsigned x = XXH_versionNumber();
	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	printf("adalink %s\n", PACKAGE_VERSION);
	printf("%s\n", archive_version_details());
	printf("libjpeg-turbo %s (turbojpeg, built against)\n", TURBOJPEG_VERSION);
	printf("libpng %s\n", png_get_libpng_ver(NULL));
	printf("SQLite %s\n", al_catalog_sqlite_version());
	printf("PCRE2 %s\n", pcre);
	printf("yajl %d.%d.%d\n", y / 10000, y / 100 % 100, y % 100);
	printf("xxHash %u.%u.%u\n", x / 10000, x / 100 % 100, x % 100);
	printf("%s\n", al_blas_version());
	printf("OpenBLAS core %s (chosen by %s), %d threads\n", al_blas_core(),
	       al_blas_core_source(), al_blas_threads());
}

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* adalink help CMD: the manual page, installed or in the source tree. */
static int help_cmd(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		print_help();
		return AL_EXIT_OK;
	}
	const char *name = argv[1];
	char page[64], path[4096];
	if (strcmp(name, "adalink") == 0 || strcmp(name, "help") == 0)
		snprintf(page, sizeof page, "adalink");   /* adalink(1) describes help */
	else if (find(name))
		snprintf(page, sizeof page, "adalink-%s", name);
	else {
		fprintf(stderr, "adalink help: '%s' is not a command; 'adalink --help' "
			"lists them\n", name);
		return AL_EXIT_USAGE;
	}
	struct stat st;
	snprintf(path, sizeof path, "%s/man1/%s.1", MANDIR, page);
	if (stat(path, &st) == 0) {
		execlp("man", "man", page, (char *)NULL);
	} else {
		snprintf(path, sizeof path, "%s/man/%s.1", ABS_TOP_SRCDIR, page);
		if (stat(path, &st) == 0)
			execlp("man", "man", "-l", path, (char *)NULL);
	}
	/* No man(1) or no page: the short help will have to do. */
	fprintf(stderr, "adalink help: cannot show the manual page %s(1); "
		"install man-db, or run 'adalink %s --help'\n", page, name);
	return AL_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	al_blas_boot(argc, argv);
	al_log_init("adalink");
	argv[0] = "adalink";   /* getopt's messages name the program so */
	static const struct option opts[] = {
		{"version", no_argument, 0, 'V'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	static const al_cmd_help top = {"adalink", "adalink [-q] [-v] [-j N] COMMAND [ARGS]",
					"", NULL};
	int c, status;
	while ((c = getopt_long(argc, argv, "+V" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		if (c == 'V') {
			print_version();
			return AL_EXIT_OK;
		}
		if (c == AL_OPT_HELP) {
			print_help();
			return AL_EXIT_OK;
		}
		if (c == '?') {
			fputs(usage, stderr);
			return AL_EXIT_USAGE;
		}
		if (al_cli_common(&top, c, optarg, &status) < 0)
			return status;
	}
	if (optind >= argc) {
		fprintf(stderr, "adalink: a command is required\n%s"
			"Try 'adalink --help'.\n", usage);
		return AL_EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0)
		return help_cmd(argc - optind, argv + optind);
	const struct command *cmd = find(name);
	if (!cmd) {
		fprintf(stderr, "adalink: '%s' is not a command\n%s"
			"Try 'adalink --help'.\n", name, usage);
		return AL_EXIT_USAGE;
	}
	char prog[64];
	snprintf(prog, sizeof prog, "adalink %s", name);
	al_log_init(prog);
	int at = optind;
	argv[at] = prog;
	optind = 0;    /* GNU getopt: 0 re-initialises it for the command */
	return cmd->fn(argc - at, argv + at);
}
