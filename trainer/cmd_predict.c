/* cmd_predict.c: adalink predict: decode outputs for inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/decode.h"
#include "trainer/model.h"
#include "trainer/examples.h"
#include "trainer/forward.h"
#include "trainer/predict.h"
#include "pipeline/spm.h"

static const al_cmd_help help = {
	"predict",
	"adalink predict --backbone CKPT [--adapter A] [--beam K] [--max-len L]\n"
	"                       [--length-penalty A] [-m SPM] [--projection F]\n"
	"                       [--catalog DB --data NAMES | FILE]",
	"Read inputs as JSONL ({\"id\": ..., \"input_ids\": [...]}, with optional \"task\"\n"
	"and \"image_embeddings\") from FILE or standard input, decode an output for\n"
	"each with greedy or beam search, and write {\"id\", \"task\", \"prediction\",\n"
	"\"ids\", \"score\"} lines that adalink score reads.",
	"  -b, --backbone CKPT       the frozen T5 checkpoint (folder or .safetensors)\n"
	"  -a, --adapter A           AdaLink adapter applied to the inputs\n"
	"  -k, --beam K              beam width (default 1: greedy)\n"
	"  -L, --max-len L           at most L output tokens, EOS included (default 32)\n"
	"  -p, --length-penalty A    rank finished outputs by sum(log p) / length^A\n"
	"                            (default 0: the plain sum)\n"
	"  -m, --model SPM           write the prediction as text decoded with this\n"
	"                            SentencePiece model (default: the ids)\n"
	"  -C, --catalog DB          read the inputs from builds in this catalog\n"
	"  -d, --data NAMES          ... these builds, comma-separated\n"
	"      --projection F        vision_projection.weight [d_model, D] from the\n"
	"                            safetensors file F, for image inputs (replacing\n"
	"                            the backbone's own, if any)\n"
	"      --force               apply the adapter although it records another\n"
	"                            backbone (a different backbone_sha256)\n",
};

typedef struct printer {
	al_spm *sp;           /* the prediction as text; NULL: as ids */
	al_progress *pg;
} printer;

/* One prediction line; the prediction is text with a tokenizer, else the
 * ids space-separated (EOS left out), which score --pretokenized reads. */
static int print(void *ctx, const al_example *x, long number, const int *ids, int n,
		 double score, al_err *err)
{
	const printer *pr = ctx;
	const al_spm *sp = pr->sp;
	if (!isfinite(score))   /* JSON has no NaN or infinity */
		return al_err_set(err, AL_ENUMERIC, "example %ld%s%s%s: the score is %g: NaN "
				  "or infinite", number, x->id[0] ? " (id " : "", x->id,
				  x->id[0] ? ")" : "", score);
	fputs("{\"id\": ", stdout);
	if (x->id_is_number)
		fputs(x->id, stdout);
	else if (x->id[0])
		al_cli_put_json(x->id, strlen(x->id));
	else
		printf("%ld", number);
	fputs(", \"task\": ", stdout);
	al_cli_put_json(x->task, strlen(x->task));
	fputs(", \"prediction\": ", stdout);
	int k = n > 0 && ids[n - 1] == AL_EOS ? n - 1 : n;
	al_spm_buf buf = {0};
	al_err e = {0};
	int32_t *v = sp ? malloc(sizeof *v * (k ? k : 1)) : NULL;
	for (int i = 0; v && i < k; i++)
		v[i] = ids[i];
	if (v && al_spm_decode_ids(sp, v, (size_t)k, &buf, &e) == 0) {
		char *t = strndup(buf.s ? buf.s : "", buf.len);
		al_cli_put_json(t ? t : "", t ? strlen(t) : 0);
		free(t);
	} else {
		putchar('"');
		for (int i = 0; i < k; i++)
			printf(i ? " %d" : "%d", ids[i]);
		putchar('"');
	}
	free(v);
	free(buf.s);
	fputs(", \"ids\": [", stdout);
	for (int i = 0; i < n; i++)
		printf(i ? ", %d" : "%d", ids[i]);
	printf("], \"score\": %.9g}\n", score);
	al_progress_add(pr->pg, 1);
	return 0;
}

int cmd_predict(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'},
		{"adapter", required_argument, 0, 'a'},
		{"beam", required_argument, 0, 'k'},
		{"max-len", required_argument, 0, 'L'},
		{"length-penalty", required_argument, 0, 'p'},
		{"model", required_argument, 0, 'm'},
		{"catalog", required_argument, 0, 'C'},
		{"data", required_argument, 0, 'd'},
		{"projection", required_argument, 0, 1000},
		{"force", no_argument, 0, 1001},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *backbone = NULL, *adapter_path = NULL, *model = NULL, *catalog = NULL, *data = NULL;
	const char *proj = NULL;
	al_search_opts d = {1, 32, 0.0};
	long v;
	int c, status, force = 0;
	char *end;
	while ((c = getopt_long(argc, argv, "b:a:k:L:p:m:C:d:" AL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'b': backbone = optarg; break;
		case 'a': adapter_path = optarg; break;
		case 'm': model = optarg; break;
		case 'C': catalog = optarg; break;
		case 'd': data = optarg; break;
		case 1000: proj = optarg; break;
		case 1001: force = 1; break;
		case 'k':
			if (al_parse_long(optarg, 1, 64, &v) < 0)
				return al_cli_usage(&help, "--beam wants 1 to 64, not '%s'", optarg);
			d.beam = (int)v;
			break;
		case 'L':
			if (al_parse_long(optarg, 1, 4096, &v) < 0)
				return al_cli_usage(&help, "--max-len wants 1 to 4096, not '%s'", optarg);
			d.max_len = (int)v;
			break;
		case 'p':
			d.length_penalty = strtod(optarg, &end);
			if (end == optarg || *end || !(d.length_penalty >= 0 && d.length_penalty <= 10))
				return al_cli_usage(&help, "--length-penalty wants a number from 0 "
						    "to 10, not '%s'", optarg);
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (!backbone)
		return al_cli_usage(&help, "--backbone is required");
	if (argc - optind > 1 || (catalog && optind < argc))
		return al_cli_usage(&help, "one input FILE at most, and none with --catalog");
	if (!catalog != !data)
		return al_cli_usage(&help, "--catalog and --data go together");
	const char *in = optind < argc ? argv[optind] : "-";
	FILE *fp = catalog ? NULL : strcmp(in, "-") == 0 ? stdin : fopen(in, "r");
	if (!fp && !catalog) {
		al_error("unable to open '%s': %m", in);
		return AL_EXIT_FAIL;
	}
	const char *label = fp == stdin ? "<stdin>" : in;
	al_err e = {0};
	int rc = AL_EXIT_FAIL;
	al_examples *src = NULL;
	al_model mo = {0};
	al_model_spec ms = {.backbone = backbone, .projection = proj, .adapter = adapter_path,
			    .fold_lora = 1, .force = force};
	printer pr = {0};
	if (al_model_open(&mo, &ms, &e) < 0 || (model && !(pr.sp = al_spm_new(model, &e))) ||
	    (catalog && !(src = al_examples_builds(catalog, data, &e))))
		goto fail;
	pr.pg = al_progress_new("examples", 0);
	if ((src && al_predict_examples(&mo, src, &d, print, &pr, &e) < 0) ||
	    (fp && al_predict_jsonl(&mo, fp, label, &d, print, &pr, &e) < 0))
		goto fail;
	rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
	goto done;
fail:
	al_error("%s", e.msg);
done:
	al_progress_free(pr.pg);
	if (fp && fp != stdin)
		fclose(fp);
	al_spm_free(pr.sp);
	al_examples_free(src);
	al_model_close(&mo);
	return rc;
}
