/* cmd_train.c: adalink train: AdaLink modules over a frozen backbone, or
 * the methods the paper compares them with. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "lib/cli.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/rng.h"
#include "lib/t5.h"
#include "trainer/adalink.h"
#include "trainer/forward.h"
#include "metrics/glue.h"
#include "metrics/score.h"
#include "trainer/evaluate.h"
#include "trainer/examples.h"
#include "trainer/runlog.h"
#include "trainer/tasks.h"
#include "trainer/train.h"

#include <yajl/yajl_gen.h>

static const al_cmd_help help = {
	"train",
	"adalink train --backbone CKPT (--data FILE | --catalog DB --train NAMES)\n"
	"                     [--dev FILE|NAMES] [--method adalink|prompt|lora|full] [--rank R]\n"
	"                     [--prompt-tokens N] [--lora-alpha X] [--lora-decoder]\n"
	"                     [--sample proportional|uniform] [--sample-cap N] [--dry-run]\n"
	"                     [--modalities text,image] [--per-task] [--act none|relu|gelu]\n"
	"                     [--optimizer adafactor|adamw] [--lr X] [--warmup N] [--no-decay]\n"
	"                     [--steps N] [--batch B] [--micro M] [--clip X] [--seed S]\n"
	"                     [--eval-every K] [--model SPM] [--metric NAME|none]\n"
	"                     [--projection F] [--run NAME] [--resume] -o ADAPTER",
	"Train AdaLink modules (E' = E + f(E W_down) W_up on the input embeddings of\n"
	"each modality) over a frozen T5-family backbone on the shards of builds in\n"
	"a catalog, or on JSONL examples ({\"input_ids\", \"target_ids\"} with\n"
	"optional \"task\" and \"image_embeddings\").\n"
	"Writes the adapter to ADAPTER and the optimizer state to ADAPTER.state.\n"
	"--method trains instead the paper's baselines: prompt tuning, LoRA, or every\n"
	"weight of the backbone (full; ADAPTER is then a whole checkpoint).",
	"  -b, --backbone CKPT     the frozen backbone (folder or .safetensors)\n"
	"      --projection F      vision_projection.weight [d_model, D] from the\n"
	"                          safetensors file F, for image inputs (replacing the\n"
	"                          backbone's own, if any)\n"
	"  -d, --data FILE         training examples (JSONL)\n"
	"  -C, --catalog DB        train from builds in this catalog (adalink build);\n"
	"                          the run is recorded there (adalink runs)\n"
	"  -t, --train NAMES       the builds to train on, comma-separated\n"
	"      --run NAME          the run's name in the catalog (default: ADAPTER's\n"
	"                          file name without .safetensors)\n"
	"  -D, --dev FILE|NAMES    examples (JSONL, or builds with --catalog) whose mean\n"
	"                          loss (and metric, with --model) is reported every K\n"
	"                          steps; the best adapter is kept as ADAPTER.best\n"
	"      --model SPM         the backbone's SentencePiece model: with it the dev\n"
	"                          set is also decoded (greedy) and scored with its\n"
	"                          task's metric, which then picks the best adapter\n"
	"      --metric NAME       the dev metric (default: by the task: cider, vqa,\n"
	"                          anls or glue; any of adalink score's); none: off\n"
	"      --method M          adalink (default), prompt, lora or full\n"
	"  -r, --rank R            rank of every module (default 64); prompt: hidden\n"
	"                          units of the reparameterisation MLP; lora: r\n"
	"      --prompt-tokens N   prompt tuning's soft tokens (default 64)\n"
	"      --lora-alpha X      LoRA's alpha: updates scaled by alpha/r (default r)\n"
	"      --lora-decoder      LoRA on the decoder's blocks too (default: encoder)\n"
	"      --sample HOW        mix tasks by drawing each example's task: proportional\n"
	"                          to its size (capped by --sample-cap) or uniform\n"
	"                          (default: one shuffled pass over all examples)\n"
	"      --sample-cap N      the size above which a task counts as N (default\n"
	"                          none)\n"
	"      --dry-run           print the trainable parameters and their share of\n"
	"                          the backbone, and stop (no data needed)\n"
	"  -M, --modalities LIST   text, image or text,image (default text)\n"
	"  -T, --per-task          one module per task and modality, routed by \"task\"\n"
	"  -f, --act F             none (default), relu or gelu between down and up\n"
	"  -O, --optimizer NAME    adafactor (default) or adamw\n"
	"  -l, --lr X              peak learning rate (default 1e-3)\n"
	"  -w, --warmup N          linear warm-up steps (default 0)\n"
	"      --no-decay          keep the rate after the warm-up (default: 1/sqrt)\n"
	"  -n, --steps N           optimizer steps (default 1000)\n"
	"  -B, --batch B           examples per step (default 8)\n"
	"  -m, --micro M           examples per forward pass (default: the batch)\n"
	"  -c, --clip X            clip the gradient norm at X (default 1.0; 0: off)\n"
	"  -p, --dropout P         dropout on the modules' hidden units (default 0.1)\n"
	"  -s, --seed S            initialisation and example order (default 0)\n"
	"  -e, --eval-every K      report the dev loss every K steps (default 100)\n"
	"  -R, --resume            continue from ADAPTER and ADAPTER.state exactly\n"
	"  -o, --output ADAPTER    where to write the adapter (.safetensors)\n",
};

/* Mean NLL per target token over every example of src. */
static double dev_loss(al_runner *run, al_adapter *ad, const al_examples *src, int micro, al_err *e)
{
	double sum = 0, nll[micro];
	long tokens = 0, n = al_examples_count(src);
	al_example xs[micro];
	for (long at = 0; at < n; at += micro) {
		int k = n - at < micro ? (int)(n - at) : micro, got = 0, rc = 0;
		for (; got < k && rc == 0; got++)
			rc = al_examples_get(src, at + got, 0, &xs[got], e);
		if (rc == 0)
			rc = al_runner_batch(run, ad, xs, k, nll, NULL, 0, 1.0f, e);
		for (int i = 0; i < k && rc == 0; i++) {
			sum += nll[i];
			tokens += xs[i].n_tgt;
		}
		for (int i = 0; i < got - (rc != 0); i++)
			al_examples_release(src, &xs[i]);
		if (rc < 0)
			return NAN;
	}
	return sum / (tokens ? tokens : 1);
}

/* The run's settings as a JSON object (for the catalog's runs table). */
static char *run_config(const char *adapter_cfg, const al_train_opts *to, long steps, long batch,
			long every, const char *backbone, const char *train, const char *dev,
			const char *out)
{
	const struct { const char *k, *v; } texts[] = {
		{"backbone", backbone}, {"train", train}, {"dev", dev}, {"output", out},
		{"optimizer", to->optimizer == AL_ADAMW ? "adamw" : "adafactor"},
	};
	const struct { const char *k; double v; } nums[] = {
		{"lr", to->lr}, {"warmup", (double)to->warmup}, {"decay", to->decay},
		{"steps", (double)steps}, {"batch", (double)batch}, {"micro", to->micro},
		{"clip", to->clip}, {"eval_every", (double)every},
	};
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_map_open(g);
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		yajl_gen_string(g, (const unsigned char *)texts[i].k, strlen(texts[i].k));
		if (texts[i].v)
			yajl_gen_string(g, (const unsigned char *)texts[i].v, strlen(texts[i].v));
		else
			yajl_gen_null(g);
	}
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		yajl_gen_string(g, (const unsigned char *)nums[i].k, strlen(nums[i].k));
		char num[32];
		int k = snprintf(num, sizeof num, "%.10g", nums[i].v);
		yajl_gen_number(g, num, (size_t)k);
	}
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	/* the adapter's settings (a JSON object "{...}") and ours in one */
	const char *a = adapter_cfg ? adapter_cfg : "{}";
	a += strspn(a, " \t\n");
	size_t alen = strlen(a);
	while (alen && a[alen - 1] != '}')
		alen--;
	char *r = NULL;
	if (*a == '{' && alen >= 2 && (r = malloc(alen + len + 3))) {
		int empty = strspn(a + 1, " \t\n") >= alen - 2;
		snprintf(r, alen + len + 3, "%.*s%s%.*s", (int)(alen - 1), a,
			 empty ? "" : ", ", (int)(len - 1), (const char *)buf + 1);
	}
	yajl_gen_free(g);
	return r;
}

/* The dataset of the first build named in names ("" if unknown). */
static void build_dataset(const char *catalog, const char *names, char *ds, size_t n,
			  char *tok_sha, size_t tn)
{
	al_err e = {0};
	ds[0] = tok_sha[0] = 0;
	al_catalog *c = al_catalog_open_readonly(catalog, &e);
	sqlite3_stmt *q;
	size_t len = strcspn(names, ",");
	if (c && sqlite3_prepare_v2(al_catalog_db(c), "SELECT dataset, tokenizer_sha256 FROM builds "
				    "WHERE name = ?", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, names, (int)len, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(q, 0);
			const char *t = (const char *)sqlite3_column_text(q, 1);
			snprintf(ds, n, "%s", d ? d : "");
			snprintf(tok_sha, tn, "%s", t ? t : "");
		}
		sqlite3_finalize(q);
	}
	al_catalog_close(c);
}

/* The dev metric: named, or the task's; it needs the tokenizer.  Leaves
 * eo->metric NULL when there is none (the dev loss alone). */
static int setup_eval(const al_examples *dev, const char *catalog, const char *names,
		      const char *spm_path, const char *metric, al_spm **sp, al_eval_opts *eo,
		      char *task, al_err *e)
{
	char ds[64] = "", tok[80] = "";
	if (metric && !strcmp(metric, "none"))
		return 0;
	if (al_examples_count(dev) > 0)
		al_examples_task(dev, 0, task, 64);
	if (catalog)
		build_dataset(catalog, names, ds, sizeof ds, tok, sizeof tok);
	const char *mm = metric ? metric : al_eval_metric_for(ds, task);
	if (!mm) {
		al_info("no metric for the dev set's task '%s': the dev loss alone", task);
		return 0;
	}
	if (!spm_path) {
		al_info("the dev metric (%s) needs --model SPM to read the outputs as text: "
			"the dev loss alone", mm);
		return 0;
	}
	const char *gt = al_glue_task(task) >= 0 ? task : NULL;
	if (al_score_metric_check(mm, !strcmp(mm, "glue") ? gt : NULL, e) < 0)
		return e->code;
	if (tok[0]) {   /* the dev build's tokenizer must be this one */
		char sha[65];
		if (al_sha256_file(spm_path, sha, e) < 0)
			return e->code;
		if (strcmp(sha, tok))
			return al_err_set(e, AL_EINVAL, "--model '%s' is not the tokenizer the dev "
					  "build was made with (SHA-256 %.12s..., not %.12s...)",
					  spm_path, tok, sha);
	}
	if (!(*sp = al_spm_new(spm_path, e)))
		return e->code;
	/* outputs as long as the longest target seen, and a little more */
	int longest = 1;
	long n = al_examples_count(dev);
	for (long i = 0; i < n && i < 256; i++)
		for (int k = 0; k < al_examples_ntargets(dev, i); k++) {
			al_example x;
			if (al_examples_get(dev, i, (uint64_t)k, &x, e) < 0)
				return e->code;
			if (x.n_tgt > longest)
				longest = x.n_tgt;
			al_examples_release(dev, &x);
		}
	eo->metric = mm;
	eo->task = gt;
	eo->max_len = longest + 4 < 128 ? longest + 4 : 128;
	al_info("dev metric: %s%s%s over %ld examples, outputs up to %d tokens", mm,
		gt ? " " : "", gt ? gt : "", n, eo->max_len);
	return 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int cmd_train(int argc, char **argv)
{
	enum { NO_DECAY = 1000, RUN, MODEL, METRIC, PROJ, METHOD, PTOKENS, ALPHA, LDEC, SAMPLE, SCAP, DRY };
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'}, {"data", required_argument, 0, 'd'},
		{"catalog", required_argument, 0, 'C'}, {"train", required_argument, 0, 't'},
		{"dev", required_argument, 0, 'D'}, {"rank", required_argument, 0, 'r'},
		{"modalities", required_argument, 0, 'M'}, {"per-task", no_argument, 0, 'T'},
		{"act", required_argument, 0, 'f'}, {"optimizer", required_argument, 0, 'O'},
		{"lr", required_argument, 0, 'l'}, {"warmup", required_argument, 0, 'w'},
		{"no-decay", no_argument, 0, NO_DECAY}, {"steps", required_argument, 0, 'n'},
		{"batch", required_argument, 0, 'B'}, {"micro", required_argument, 0, 'm'},
		{"clip", required_argument, 0, 'c'}, {"seed", required_argument, 0, 's'},
		{"dropout", required_argument, 0, 'p'},
		{"eval-every", required_argument, 0, 'e'}, {"resume", no_argument, 0, 'R'},
		{"output", required_argument, 0, 'o'}, {"run", required_argument, 0, RUN},
		{"method", required_argument, 0, METHOD},
		{"prompt-tokens", required_argument, 0, PTOKENS},
		{"lora-alpha", required_argument, 0, ALPHA}, {"lora-decoder", no_argument, 0, LDEC},
		{"sample", required_argument, 0, SAMPLE}, {"sample-cap", required_argument, 0, SCAP},
		{"dry-run", no_argument, 0, DRY},
		{"projection", required_argument, 0, PROJ},
		{"model", required_argument, 0, MODEL}, {"metric", required_argument, 0, METRIC},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	const char *backbone = NULL, *data = NULL, *dev = NULL, *out = NULL, *mods = "text";
	const char *catalog = NULL, *builds = NULL, *run_name = NULL, *spm_path = NULL, *metric = NULL;
	const char *proj = NULL;
	long rank = 64, steps = 1000, batch = 8, micro = 0, seed = 0, every = 100, warmup = 0;
	int per_task = 0, act = AL_ACT_NONE, resume = 0, c, status;
	int method = AL_METHOD_ADALINK, lora_dec = 0, sample = -1, dry = 0;
	long ptokens = 64, scap = 0;
	double alpha = 0;
	al_train_opts to;
	al_train_defaults(&to);
	to.dropout = 0.1;   /* the paper's */
	char *end;
	while ((c = getopt_long(argc, argv, "b:d:C:t:D:r:M:Tf:O:l:w:n:B:m:c:p:s:e:Ro:" AL_CLI_COMMON_SHORT,
				opts, NULL)) != -1) {
		switch (c) {
		case 'b': backbone = optarg; break;
		case 'd': data = optarg; break;
		case 'C': catalog = optarg; break;
		case 't': builds = optarg; break;
		case 'D': dev = optarg; break;
		case 'o': out = optarg; break;
		case 'M': mods = optarg; break;
		case 'T': per_task = 1; break;
		case 'R': resume = 1; break;
		case NO_DECAY: to.decay = 0; break;
		case RUN: run_name = optarg; break;
		case MODEL: spm_path = optarg; break;
		case PROJ: proj = optarg; break;
		case METRIC: metric = optarg; break;
		case LDEC: lora_dec = 1; break;
		case DRY: dry = 1; break;
		case METHOD:
			if ((method = al_method_parse(optarg)) < 0)
				return al_cli_usage(&help, "--method wants adalink, prompt, lora or full, "
						    "not '%s'", optarg);
			break;
		case SAMPLE:
			sample = strcmp(optarg, "proportional") == 0 ? AL_SAMPLE_PROPORTIONAL :
				 strcmp(optarg, "uniform") == 0 ? AL_SAMPLE_UNIFORM : -2;
			if (sample == -2)
				return al_cli_usage(&help, "--sample wants proportional or uniform, "
						    "not '%s'", optarg);
			break;
		case PTOKENS:
		case SCAP:
			if (al_parse_long(optarg, 1, c == SCAP ? 1L << 40 : 4096,
					  c == SCAP ? &scap : &ptokens) < 0)
				return al_cli_usage(&help, "--%s wants a whole number from 1, not '%s'",
						    c == SCAP ? "sample-cap" : "prompt-tokens", optarg);
			break;
		case ALPHA:
			alpha = strtod(optarg, &end);
			if (end == optarg || *end || !(alpha > 0) || alpha > 1e6)
				return al_cli_usage(&help, "--lora-alpha wants a positive number, not '%s'",
						    optarg);
			break;
		case 'f':
			if ((act = al_act_parse(optarg)) < 0)
				return al_cli_usage(&help, "--act wants none, relu or gelu, not '%s'", optarg);
			break;
		case 'O':
			if ((to.optimizer = al_optim_parse(optarg)) < 0)
				return al_cli_usage(&help, "--optimizer wants adafactor or adamw, not '%s'", optarg);
			break;
		case 'l':
		case 'c':
		case 'p':
			{
				double x = strtod(optarg, &end);
				if (end == optarg || *end || !(x >= 0) || x > 1e3 || (c == 'p' && x >= 1))
					return al_cli_usage(&help, "--%s wants a non-negative number%s, not '%s'",
							    c == 'l' ? "lr" : c == 'c' ? "clip" : "dropout",
							    c == 'p' ? " below 1" : "", optarg);
				*(c == 'l' ? &to.lr : c == 'c' ? &to.clip : &to.dropout) = x;
			}
			break;
		case 'r': case 'w': case 'n': case 'B': case 'm': case 's': case 'e':
			{
				long *dst = c == 'r' ? &rank : c == 'w' ? &warmup : c == 'n' ? &steps :
					    c == 'B' ? &batch : c == 'm' ? &micro : c == 's' ? &seed : &every;
				long lo = c == 'w' || c == 'm' || c == 's' ? 0 : 1;
				if (al_parse_long(optarg, lo, 1L << 30, dst) < 0)
					return al_cli_usage(&help, "-%c wants a whole number from %ld, not '%s'",
							    c, lo, optarg);
			}
			break;
		default:
			if (al_cli_common(&help, c, optarg, &status) < 0)
				return status;
		}
	}
	if (dry && backbone && (!per_task || data || builds))
		;   /* counting needs the data only to find the tasks */
	else if (!backbone || !out || (!data == !builds) || (builds && !catalog))
		return al_cli_usage(&help, "--backbone, --output, and either --data FILE or "
				    "--catalog DB --train NAMES are required");
	if (per_task && method != AL_METHOD_ADALINK)
		return al_cli_usage(&help, "--per-task routes AdaLink's modules; --method %s has "
				    "none", al_method_name(method));
	if ((lora_dec || alpha > 0) && method != AL_METHOD_LORA)
		return al_cli_usage(&help, "--lora-decoder and --lora-alpha are for --method lora");
	if (scap && sample != AL_SAMPLE_PROPORTIONAL)
		return al_cli_usage(&help, "--sample-cap caps --sample proportional");
	if (metric && strcmp(metric, "none") && (!spm_path || !dev))
		return al_cli_usage(&help, "--metric scores the --dev set's outputs as text: give "
				    "--dev and --model SPM");
	if (run_name && !catalog)
		return al_cli_usage(&help, "--run names the run in a catalog: give --catalog DB");
	if (optind < argc)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind]);
	int want_text = strstr(mods, "text") != NULL, want_image = strstr(mods, "image") != NULL;
	if (!want_text && !want_image)
		return al_cli_usage(&help, "--modalities wants text, image or text,image, not '%s'", mods);
	to.warmup = warmup;
	to.micro = (int)micro;
	to.seed = (uint64_t)seed;

	al_err e = {0};
	int rc = AL_EXIT_FAIL, n = 0;
	al_examples *src = NULL, *dsrc = NULL;
	al_adapter *ad = NULL;
	al_trainer *tr = NULL;
	al_runner *drun = NULL;
	al_runlog *rl = NULL;
	al_spm *sp = NULL;
	al_eval_opts eo = {0};
	char etask[64] = "";
	char *cfgjson = NULL, rname[256], sha[65] = "";
	al_examples_reader *rd = NULL;
	char state[4096], best[4096];
	snprintf(state, sizeof state, "%s.state", out);
	snprintf(best, sizeof best, "%s.best", out);
	al_task_sampler *ts = NULL;
	/* full fine-tuning resumes from the weights it wrote */
	al_t5 *m = al_t5_load(resume && method == AL_METHOD_FULL ? out : backbone, &e);
	if (!m || (proj && al_t5_set_projection(m, proj, &e) < 0))
		goto fail;
	if (dry && !data && !builds)
		goto count;
	if (!(src = builds ? al_examples_builds(catalog, builds, &e) : al_examples_jsonl(data, &e)) ||
	    (dev && !(dsrc = builds ? al_examples_builds(catalog, dev, &e) : al_examples_jsonl(dev, &e))))
		goto fail;
	/* the backbone's SHA-256: of the file, or of a folder's
	 * model.safetensors (sharded folders: "folder") */
	if ((!resume || catalog) && !dry) {
		char mpath[4096];
		snprintf(mpath, sizeof mpath, "%s/model.safetensors", backbone);
		if (al_sha256_file(backbone, sha, &e) < 0 ||
		    (strcmp(sha, "folder") == 0 && access(mpath, R_OK) == 0 &&
		     al_sha256_file(mpath, sha, &e) < 0))
			goto fail;
	}
count:
	n = src ? (int)al_examples_count(src) : 0;
	int C = al_t5_cfg(m)->d_model;
	if (resume && method == AL_METHOD_FULL) {
		if (!(ad = al_adapter_full(m, &e)))
			goto fail;
	} else if (resume) {
		if (!(ad = al_adapter_load(out, &e)))
			goto fail;
	} else if (method != AL_METHOD_ADALINK) {
		char cfg[512];
		if (method == AL_METHOD_PROMPT) {
			ad = al_adapter_prompt(m, (int)ptokens, (int)rank, (uint64_t)seed, &e);
			snprintf(cfg, sizeof cfg, "{\"method\": \"prompt\", \"tokens\": %ld, \"hidden\": "
				 "%ld, \"seed\": %ld, \"backbone_sha256\": \"%s\"}", ptokens, rank, seed, sha);
		} else if (method == AL_METHOD_LORA) {
			if (alpha <= 0)
				alpha = (double)rank;
			ad = al_adapter_lora(m, (int)rank, (float)alpha, lora_dec, (uint64_t)seed, &e);
			snprintf(cfg, sizeof cfg, "{\"method\": \"lora\", \"rank\": %ld, \"alpha\": %g, "
				 "\"decoder\": %s, \"seed\": %ld, \"backbone_sha256\": \"%s\"}", rank,
				 alpha, lora_dec ? "true" : "false", seed, sha);
		} else {
			ad = al_adapter_full(m, &e);
			*cfg = 0;
		}
		if (!ad)
			goto fail;
		if (*cfg) {
			free(ad->config);
			ad->config = strdup(cfg);
		}
	} else {
		/* modules: shared, or one per task seen in the data */
		ad = calloc(1, sizeof *ad);
		if (!ad)
			goto fail;
		ad->act = act;
		ad->rank = (int)rank;
		al_rng r;
		al_rng_seed(&r, (uint64_t)seed);
		char tbuf[64];
		for (int i = 0; i < n; i++) {
			const char *task = per_task ? al_examples_task(src, i, tbuf, sizeof tbuf) : "";
			for (int k = 0; k < 2; k++) {
				const char *mod = k ? "image" : "text";
				if (!(k ? want_image : want_text))
					continue;
				al_module *have = al_adapter_find(ad, task, mod);
				if (have && strcmp(have->task, task) == 0)
					continue;
				al_module *md = al_adapter_add(ad, task, mod, C, (int)rank, &e);
				if (!md)
					goto fail;
				for (long j = 0; j < (long)C * rank; j++)   /* W_up stays zero */
					md->down[j] = (float)(al_rng_normal(&r) / sqrt((double)C));
			}
		}
		char cfg[768];
		snprintf(cfg, sizeof cfg, "{\"method\": \"adalink\", \"rank\": %ld, \"activation\": "
			 "\"%s\", \"modalities\": \"%s\", \"per_task\": %s, \"dropout\": %g, "
			 "\"seed\": %ld, \"backbone_sha256\": \"%s\"}", rank, al_act_name(act), mods,
			 per_task ? "true" : "false", to.dropout, seed, sha);
		ad->config = strdup(cfg);
		if (dry && !src) {   /* no data: the shared modules */
			for (int k = 0; k < 2; k++)
				if ((k ? want_image : want_text) &&
				    !al_adapter_add(ad, "", k ? "image" : "text", C, (int)rank, &e))
					goto fail;
		}
	}
	if (ad->method != method) {
		al_err_set(&e, AL_EINVAL, "'%s' is a %s adapter; resume it with --method %s", out,
			   al_method_name(ad->method), al_method_name(ad->method));
		goto fail;
	}
	if (dry) {
		size_t np = al_adapter_nparams(ad), nb = al_t5_nparams(m);
		printf("method\t%s\ntrainable\t%zu\nbackbone\t%zu\nshare\t%.4f%%\n",
		       al_method_name(method), np, nb, 100.0 * (double)np / (double)nb);
		rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
		goto done;
	}
	if (!(tr = al_trainer_new(m, ad, &to, &e)) || (resume && al_trainer_load_state(tr, state, &e) < 0))
		goto fail;
	if (dsrc && !(drun = al_runner_new(m, &e)))
		goto fail;
	if (catalog) {
		if (!run_name)
			run_name = al_runlog_default_name(out, rname, sizeof rname);
		if (!(cfgjson = run_config(ad->config, &to, steps, batch, every, backbone,
					   builds ? builds : data, dev, out))) {
			al_err_set(&e, AL_ENOMEM, "out of memory");
			goto fail;
		}
		if (!(rl = al_runlog_start(catalog, run_name, al_method_name(method), cfgjson, sha, resume,
					   al_trainer_steps(tr), &e)))
			goto fail;
	}
	if (dsrc && setup_eval(dsrc, builds ? catalog : NULL, dev, spm_path, metric, &sp, &eo,
			       etask, &e) < 0)
		goto fail;
	char mkey[64];
	snprintf(mkey, sizeof mkey, "dev_%s", eo.metric ? eo.metric : "");
	/* the best so far: by the metric (higher is better), else the loss */
	double best_dev = INFINITY, best_metric = -INFINITY;
	if (rl && resume && dsrc && isfinite(al_runlog_min(rl, "dev_loss")))
		best_dev = al_runlog_min(rl, "dev_loss");   /* ADAPTER.best's */
	if (rl && resume && eo.metric && isfinite(al_runlog_max(rl, mkey)))
		best_metric = al_runlog_max(rl, mkey);
	/* example order: shuffled shards through a shuffle buffer, a pure
	 * function of the seed; a resumed run replays the order up to its
	 * step and sees the same examples */
	rd = al_examples_reader_new(src, (uint64_t)seed, 0, &e);
	al_example *bx = malloc(sizeof *bx * batch);
	if (!rd || !bx || (sample >= 0 && !(ts = al_task_sampler_new(src, sample, scap, (uint64_t)seed, &e)))) {
		free(bx);
		goto fail;
	}
	for (int k = 0; ts && k < al_task_sampler_tasks(ts); k++) {
		long cnt;
		double pr;
		const char *tn = al_task_sampler_task(ts, k, &cnt, &pr);
		al_info("task %s: %ld examples, drawn with probability %.4f", *tn ? tn : "(none)", cnt, pr);
	}
	long start = al_trainer_steps(tr);
	al_examples_reader_seek(rd, (uint64_t)(start * batch));
	double t0 = now(), loss = 0, ema = NAN;
	long tokens = 0;
	if (method == AL_METHOD_ADALINK)
		al_info("training %d examples, %d module%s of rank %ld, %ld steps of %ld%s",
			n, ad->nmods, ad->nmods == 1 ? "" : "s", rank, steps, batch,
			resume ? " (resumed)" : "");
	else
		al_info("training %d examples, %s, %zu parameters, %ld steps of %ld%s", n,
			al_method_name(method), al_adapter_nparams(ad), steps, batch,
			resume ? " (resumed)" : "");
	for (long s = start; s < steps; s++) {
		long pos = s * batch;
		int got = 0, gr = 0;
		for (; got < batch && gr == 0; got++, pos++) {
			/* with several targets, one chosen by the position */
			gr = al_examples_get(src, ts ? al_task_sampler_draw(ts, (uint64_t)pos) :
					   al_examples_reader_next(rd),
					   (uint64_t)pos * 0x9e3779b97f4a7c15ull >> 33,
					   &bx[got], &e);
			if (gr == 0)
				tokens += bx[got].n_tgt;
		}
		if (gr < 0) {
			got--;
			for (int b = 0; b < got; b++)
				al_examples_release(src, &bx[b]);
			goto fail_bx;
		}
		int srv = al_trainer_step(tr, bx, (int)batch, &loss, &e);
		for (int b = 0; b < got; b++)
			al_examples_release(src, &bx[b]);
		if (srv < 0) {
			if (e.code == AL_ENUMERIC)
				al_err_wrap(&e, "training stopped; '%s' keeps the last good adapter", out);
			al_adapter_save(ad, out, 0, NULL);
			goto fail_bx;
		}
		ema = isnan(ema) ? loss : 0.9 * ema + 0.1 * loss;
		long done = s + 1;
		if (rl && (al_runlog_add(rl, done, "loss", loss, &e) < 0 ||
			   al_runlog_add(rl, done, "lr", al_trainer_lr(tr), &e) < 0))
			goto fail_bx;
		double el = now() - t0, rate = (done - start) / (el > 0 ? el : 1);
		if (al_log_level() >= AL_LOG_DEBUG) {   /* for bench/methods: CPU as well as wall */
			struct timespec cpu;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
			al_debug("step %ld done at %.3f s, %.3f s of CPU", done, el,
				 cpu.tv_sec + cpu.tv_nsec * 1e-9);
		}
		if (done % every == 0 || done == steps || al_log_level() >= AL_LOG_DEBUG) {
			char line[256];
			int k = snprintf(line, sizeof line, "step %ld/%ld loss %.4f lr %.3g %.0f tokens/s ETA %.0f s",
					 done, steps, ema, al_trainer_lr(tr), tokens / (el > 0 ? el : 1),
					 (steps - done) / rate);
			if (rl && al_runlog_add(rl, done, "tokens_per_s", tokens / (el > 0 ? el : 1), &e) < 0)
				goto fail_bx;
			if (dsrc && (done % every == 0 || done == steps)) {
				double dl = dev_loss(drun, ad, dsrc, micro ? (int)micro : (int)batch, &e);
				if (isnan(dl))
					goto fail_bx;
				double dm = NAN;
				long nolabel = 0;
				if (eo.metric && al_evaluate(m, ad, dsrc, sp, &eo, &dm, &nolabel, &e) < 0)
					goto fail_bx;
				int better = eo.metric ? dm > best_metric : dl < best_dev;
				k += snprintf(line + k, sizeof line - k, " dev %.4f", dl);
				if (eo.metric)
					k += snprintf(line + k, sizeof line - k, " %s %.4f", eo.metric, dm);
				if (nolabel)
					k += snprintf(line + k, sizeof line - k, " (%ld outputs no label)",
						      nolabel);
				snprintf(line + k, sizeof line - k, "%s", better ? " (best)" : "");
				if (rl && (al_runlog_add(rl, done, "dev_loss", dl, &e) < 0 ||
					   (eo.metric && al_runlog_add(rl, done, mkey, dm, &e) < 0)))
					goto fail_bx;
				if (dl < best_dev)
					best_dev = dl;
				if (better) {
					if (eo.metric)
						best_metric = dm;
					if (al_adapter_save(ad, best, 0, &e) < 0)
						goto fail_bx;
				}
			}
			al_info("%s", line);
			/* a checkpoint: adapter and state, each written atomically */
			if (al_adapter_save(ad, out, 0, &e) < 0 || al_trainer_save_state(tr, state, &e) < 0)
				goto fail_bx;
			/* the log follows the checkpoint; a busy catalog only
			 * delays it to the next one */
			al_err le = {0};
			if (rl && al_runlog_flush(rl, &le) < 0)
				al_warn("%s; will retry at the next checkpoint", le.msg);
		}
	}
	if (al_adapter_save(ad, out, 0, &e) < 0 || al_trainer_save_state(tr, state, &e) < 0)
		goto fail_bx;
	if (rl) {
		char fin[256];
		int k = isfinite(ema) ? snprintf(fin, sizeof fin, "{\"steps\": %ld, \"loss\": %.9g", steps, ema)
				      : snprintf(fin, sizeof fin, "{\"steps\": %ld", steps);
		if (dsrc && isfinite(best_dev))
			k += snprintf(fin + k, sizeof fin - k, ", \"best_dev_loss\": %.9g", best_dev);
		if (eo.metric && isfinite(best_metric))
			k += snprintf(fin + k, sizeof fin - k, ", \"best_%s\": %.9g", mkey, best_metric);
		snprintf(fin + k, sizeof fin - k, "}");
		if (al_runlog_finish(rl, "finished", fin, &e) < 0)
			goto fail_bx;
	}
	printf("%s\tsteps\t%ld\tloss\t%.6f\n", out, steps, loss);
	rc = fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
	free(bx);
	goto done;
fail_bx:
	free(bx);
fail:
	al_error("%s", e.msg);
	if (rl) {
		al_err fe = {0};
		al_runlog_finish(rl, "failed", NULL, &fe);
	}
done:
	al_spm_free(sp);
	al_runlog_free(rl);
	free(cfgjson);
	al_examples_reader_free(rd);
	al_task_sampler_free(ts);
	al_runner_free(drun);
	al_trainer_free(tr);
	al_adapter_free(ad);
	al_examples_free(src);
	al_examples_free(dsrc);
	al_t5_free(m);
	return rc;
}
