/* cmd_inspect.c: adalink inspect: list a safetensors file's tensors and
 * metadata as TSV. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "lib/safetensors.h"

static const al_cmd_help help = {
	"inspect",
	"adalink inspect [-t | -m] [-H] [-s] FILE",
	"Check a safetensors file's header and print its tensors (name, dtype,\n"
	"shape, bytes, offset) and its __metadata__ (key, value) as TSV.",
	"  -t, --tensors    print the tensor table only\n"
	"  -m, --meta       print the metadata table only\n"
	"  -H, --no-header  leave out the header lines of the tables\n"
	"  -s, --summary    print one line: tensors, parameters, bytes, dtypes\n",
};

/* TSV-escape: tab, newline, carriage return and backslash. */
static void put_field(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default: putchar(*s);
		}
	}
}

static void print_shape(const al_st_tensor *t)
{
	putchar('[');
	for (int d = 0; d < t->ndim; d++)
		printf(d ? ",%" PRIu64 : "%" PRIu64, t->shape[d]);
	putchar(']');
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tensors", no_argument, 0, 't'},
		{"meta", no_argument, 0, 'm'},
		{"no-header", no_argument, 0, 'H'},
		{"summary", no_argument, 0, 's'},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	int tensors = 1, meta = 1, header = 1, summary = 0, c, status;
	while ((c = getopt_long(argc, argv, "tmHs" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 't': meta = 0; tensors = 1; break;
		case 'm': tensors = 0; meta = 1; break;
		case 'H': header = 0; break;
		case 's': summary = 1; break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (optind != argc - 1)
		return al_cli_usage(&help, optind == argc ? "a FILE is required"
				    : "one FILE at a time, not %d", argc - optind);
	const char *path = argv[optind];
	al_err e = {0};
	al_st *st = al_st_open(path, &e);
	if (!st) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	size_t n = al_st_count(st);
	if (summary) {
		uint64_t params = 0, bytes = 0;
		unsigned seen = 0;
		for (size_t i = 0; i < n; i++) {
			const al_st_tensor *t = al_st_tensor_at(st, i);
			params += al_st_numel(t);
			bytes += t->end - t->begin;
			seen |= 1u << t->dtype;
		}
		printf("%s\t%zu tensors\t%" PRIu64 " parameters\t%" PRIu64 " bytes\t",
		       path, n, params, bytes);
		const char *sep = "";
		for (int d = 0; d < AL_NDTYPES; d++)
			if (seen & (1u << d)) {
				printf("%s%s", sep, al_dtype_name(d));
				sep = ",";
			}
		printf("\t%zu metadata\n", al_st_meta_count(st));
		tensors = meta = 0;
	}
	if (tensors) {
		if (header)
			puts("name\tdtype\tshape\tbytes\toffset");
		for (size_t i = 0; i < n; i++) {
			const al_st_tensor *t = al_st_tensor_at(st, i);
			put_field(t->name);
			printf("\t%s\t", al_dtype_name(t->dtype));
			print_shape(t);
			printf("\t%" PRIu64 "\t%" PRIu64 "\n", t->end - t->begin,
			       8 + al_st_header_size(st) + t->begin);
		}
	}
	size_t nm = al_st_meta_count(st);
	if (meta && (nm || !tensors)) {
		if (tensors)
			putchar('\n');
		if (header)
			puts("key\tvalue");
		for (size_t i = 0; i < nm; i++) {
			const char *k, *v;
			al_st_meta_at(st, i, &k, &v);
			put_field(k);
			putchar('\t');
			put_field(v);
			putchar('\n');
		}
	}
	al_st_free(st);
	if (fflush(stdout) != 0) {
		al_error("unable to write the output");
		return AL_EXIT_FAIL;
	}
	return AL_EXIT_OK;
}
