/* cmd_train.c: adalink train: AdaLink modules over a frozen backbone, or
 * the methods the paper compares them with.  The options fill an
 * al_train_spec; al_train_run (run.h) does the work; this file prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "trainer/adalink.h"
#include "trainer/objective.h"
#include "trainer/optim.h"
#include "trainer/run.h"
#include "trainer/tasks.h"

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
	"                     [--projection F] [--run NAME] [--resume]\n"
	"                     [--objective supervised|span|prefix-lm] [--inputs-length N]\n"
	"                     [--schedule rsqrt|cosine|constant] -o ADAPTER",
	"Train AdaLink modules (E' = E + f(E W_down) W_up on the input embeddings of\n"
	"each modality) over a frozen T5-family backbone on the shards of builds in\n"
	"a catalog, or on JSONL examples ({\"input_ids\", \"target_ids\"} with\n"
	"optional \"task\" and \"image_embeddings\").\n"
	"Writes the adapter to ADAPTER and the optimizer state to ADAPTER.state.\n"
	"--method trains instead the paper's baselines: prompt tuning, LoRA, or every\n"
	"weight of the backbone (full; ADAPTER is then a whole checkpoint).\n"
	"--objective span or prefix-lm pretrains instead on examples made from a text\n"
	"corpus (with --method full: T5's span corruption, then LM adaptation).",
	"  -b, --backbone CKPT     the frozen backbone (folder or .safetensors)\n"
	"      --projection F      vision_projection.weight [d_model, D] from the\n"
	"                          safetensors file F, for image inputs (replacing the\n"
	"                          backbone's own, if any)\n"
	"  -d, --data FILE         training examples (JSONL)\n"
	"  -c, -C, --catalog DB    train from builds in this catalog (adalink build);\n"
	"                          the run is recorded there (adalink runs)\n"
	"  -t, --train NAMES       the builds to train on, comma-separated\n"
	"      --run NAME          the run's name in the catalog (default: ADAPTER's\n"
	"                          file name without .safetensors)\n"
	"  -D, --dev FILE|NAMES    examples (JSONL, or builds with --catalog) whose mean\n"
	"                          loss (and metric, with --model) is reported every K\n"
	"                          steps; the best adapter is kept as ADAPTER.best\n"
	"  -m, --model SPM         the backbone's SentencePiece model: with it the dev\n"
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
	"      --schedule S        after the warm-up: rsqrt (default; lr sqrt(w/t)),\n"
	"                          cosine (down to 0 at the last step) or constant\n"
	"      --no-decay          keep the rate after the warm-up (--schedule constant)\n"
	"      --objective O       supervised (default: inputs and targets as given),\n"
	"                          span (T5's span corruption) or prefix-lm (LM\n"
	"                          adaptation) over --data RECORDS, text records of\n"
	"                          adalink ingest text, tokenized with --model SPM;\n"
	"                          --dev RECORDS the same, for the validation loss\n"
	"      --inputs-length N   pretraining: encoder tokens of an example (default\n"
	"                          128; span corruption fills them exactly)\n"
	"  -n, --steps N           optimizer steps (default 1000)\n"
	"  -B, --batch B           examples per step (default 8)\n"
	"      --micro M           examples per forward pass (default: the batch)\n"
	"      --clip X            clip the gradient norm at X (default 1.0; 0: off)\n"
	"  -p, --dropout P         dropout on the modules' hidden units (default 0.1)\n"
	"  -s, --seed S            initialisation and example order (default 0)\n"
	"  -e, --eval-every K      report the dev loss every K steps (default 100)\n"
	"  -R, --resume            continue from ADAPTER and ADAPTER.state exactly\n"
	"      --force             resume although ADAPTER records another backbone\n"
	"                          (a different backbone_sha256)\n"
	"  -o, --output ADAPTER    where to write the adapter (.safetensors)\n",
};

/* The step line: loss, rate, ETA, and at a checkpoint the dev values. */
static void print_step(const al_train_event *ev)
{
	char line[512];
	int k = snprintf(line, sizeof line, "step %ld/%ld loss %.4f lr %.3g %.0f tokens/s ETA %.0f s",
			 ev->step, ev->steps, ev->loss_ema, ev->lr, ev->tokens_per_s, ev->eta_s);
	if (ev->dev) {
		k += snprintf(line + k, sizeof line - k, " dev %.4f", ev->dev_loss);
		if (ev->metric)
			k += snprintf(line + k, sizeof line - k, " %s %.4f", ev->metric, ev->dev_metric);
		if (ev->nolabel)
			k += snprintf(line + k, sizeof line - k, " (%ld outputs no label)", ev->nolabel);
		snprintf(line + k, sizeof line - k, "%s", ev->best ? " (best)" : "");
	}
	al_info("%s", line);
}

/* Seconds without a step line before one is printed anyway: the first
 * (slow steps, e.g. a batch far larger than the data, show progress
 * early), then the next ones. */
enum { FIRST_LINE_S = 2, QUIET_S = 60 };

/* The run's events as log lines; with -v every step's, with its CPU time
 * beside the wall clock (bench/methods reads it).  *last is the wall time
 * of the last step line (-1: none yet). */
static void print_event(void *ctx, const al_train_event *ev)
{
	double *last = ctx;
	if (ev->kind == AL_TRAIN_NOTE)
		al_info("%s", ev->msg);
	else if (ev->kind == AL_TRAIN_WARN)
		al_warn("%s", ev->msg);
	else if (ev->kind == AL_TRAIN_REPORT) {
		print_step(ev);
		*last = ev->wall_s;
	} else if (al_log_level() >= AL_LOG_DEBUG) {
		al_debug("step %ld done at %.3f s, %.3f s of CPU", ev->step, ev->wall_s, ev->cpu_s);
		if (!ev->report)   /* else the report's line follows */
			print_step(ev);
	} else if (!ev->report && ev->wall_s - (*last < 0 ? 0 : *last) >=
		   (*last < 0 ? FIRST_LINE_S : QUIET_S)) {
		print_step(ev);
		*last = ev->wall_s;
	}
}

/* A numeric option into s (c: its letter, 'c' for --clip, 'm' for
 * --micro): 0, or the usage error's status. */
static int number_option(int c, const char *arg, al_train_spec *s)
{
	if (c == 'l' || c == 'c' || c == 'p') {
		char *end;
		double x = strtod(arg, &end);
		if (end == arg || *end || !(x >= 0) || x > 1e3 || (c == 'p' && x >= 1))
			return al_cli_usage(&help, "--%s wants a number from 0 %s, not '%s'",
					    c == 'l' ? "lr" : c == 'c' ? "clip" : "dropout",
					    c == 'p' ? "to below 1" : "to 1000", arg);
		*(c == 'l' ? &s->lr : c == 'c' ? &s->clip : &s->dropout) = x;
		return 0;
	}
	long *dst = c == 'r' ? &s->rank : c == 'w' ? &s->warmup : c == 'n' ? &s->steps :
		    c == 'B' ? &s->batch : c == 'm' ? &s->micro : c == 's' ? &s->seed : &s->eval_every;
	long lo = c == 'w' || c == 'm' || c == 's' ? 0 : 1;
	if (al_parse_long(arg, lo, 1L << 30, dst) < 0)
		return al_cli_usage(&help, "--%s wants a whole number from %ld, not '%s'",
				    c == 'r' ? "rank" : c == 'w' ? "warmup" : c == 'n' ? "steps" :
				    c == 'B' ? "batch" : c == 'm' ? "micro" : c == 's' ? "seed" : "eval-every",
				    lo, arg);
	return 0;
}

/* The options into s: 0, or non-zero to exit with *status (--help, a usage
 * error). */
static int parse_options(int argc, char **argv, al_train_spec *s, int *status)
{
	enum { NO_DECAY = 1000, RUN, MICRO, CLIP, METRIC, PROJ, METHOD, PTOKENS, ALPHA, LDEC, SAMPLE, SCAP, DRY,
	       OBJECTIVE, INLEN, SCHEDULE, FORCE };
	static const struct option opts[] = {
		{"backbone", required_argument, 0, 'b'}, {"data", required_argument, 0, 'd'},
		{"catalog", required_argument, 0, 'C'}, {"train", required_argument, 0, 't'},
		{"dev", required_argument, 0, 'D'}, {"rank", required_argument, 0, 'r'},
		{"modalities", required_argument, 0, 'M'}, {"per-task", no_argument, 0, 'T'},
		{"act", required_argument, 0, 'f'}, {"optimizer", required_argument, 0, 'O'},
		{"lr", required_argument, 0, 'l'}, {"warmup", required_argument, 0, 'w'},
		{"no-decay", no_argument, 0, NO_DECAY}, {"steps", required_argument, 0, 'n'},
		{"batch", required_argument, 0, 'B'}, {"micro", required_argument, 0, MICRO},
		{"clip", required_argument, 0, CLIP}, {"seed", required_argument, 0, 's'},
		{"dropout", required_argument, 0, 'p'},
		{"eval-every", required_argument, 0, 'e'}, {"resume", no_argument, 0, 'R'},
		{"output", required_argument, 0, 'o'}, {"run", required_argument, 0, RUN},
		{"method", required_argument, 0, METHOD},
		{"prompt-tokens", required_argument, 0, PTOKENS},
		{"lora-alpha", required_argument, 0, ALPHA}, {"lora-decoder", no_argument, 0, LDEC},
		{"sample", required_argument, 0, SAMPLE}, {"sample-cap", required_argument, 0, SCAP},
		{"dry-run", no_argument, 0, DRY},
		{"projection", required_argument, 0, PROJ},
		{"model", required_argument, 0, 'm'}, {"metric", required_argument, 0, METRIC},
		{"objective", required_argument, 0, OBJECTIVE},
		{"inputs-length", required_argument, 0, INLEN},
		{"schedule", required_argument, 0, SCHEDULE},
		{"force", no_argument, 0, FORCE},
		AL_CLI_COMMON_OPTS,
		{0, 0, 0, 0},
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "b:d:c:C:t:D:r:M:Tf:O:l:w:n:B:m:p:s:e:Ro:" AL_CLI_COMMON_SHORT,
				opts, NULL)) != -1) {
		switch (c) {
		case 'b': s->backbone = optarg; break;
		case 'd': s->data = optarg; break;
		case 'c': case 'C': s->catalog = optarg; break;
		case 't': s->train = optarg; break;
		case 'D': s->dev = optarg; break;
		case 'o': s->output = optarg; break;
		case 'M': s->modalities = optarg; break;
		case 'T': s->per_task = 1; break;
		case 'R': s->resume = 1; break;
		case FORCE: s->force = 1; break;
		case NO_DECAY: s->no_decay = 1; break;
		case RUN: s->run = optarg; break;
		case 'm': s->spm = optarg; break;
		case PROJ: s->projection = optarg; break;
		case METRIC: s->metric = optarg; break;
		case LDEC: s->lora_decoder = 1; break;
		case DRY: s->dry_run = 1; break;
		case METHOD:
			if ((s->method = al_method_parse(optarg)) < 0)
				return *status = al_cli_usage(&help, "--method wants adalink, prompt, lora or full, "
						    "not '%s'", optarg);
			break;
		case OBJECTIVE:
			if ((s->objective = al_objective_parse(optarg)) < 0)
				return *status = al_cli_usage(&help, "--objective wants supervised, span or "
							      "prefix-lm, not '%s'", optarg);
			break;
		case SCHEDULE:
			s->schedule = !strcmp(optarg, "rsqrt") ? AL_DECAY_RSQRT :
				      !strcmp(optarg, "cosine") ? AL_DECAY_COSINE :
				      !strcmp(optarg, "constant") ? AL_DECAY_NONE : -1;
			if (s->schedule < 0)
				return *status = al_cli_usage(&help, "--schedule wants rsqrt, cosine or "
							      "constant, not '%s'", optarg);
			break;
		case INLEN:
			if (al_parse_long(optarg, 2, 1 << 16, &s->inputs_length) < 0)
				return *status = al_cli_usage(&help, "--inputs-length wants 2 to 65536 "
							      "tokens, not '%s'", optarg);
			break;
		case SAMPLE:
			s->sample = strcmp(optarg, "proportional") == 0 ? AL_SAMPLE_PROPORTIONAL :
				   strcmp(optarg, "uniform") == 0 ? AL_SAMPLE_UNIFORM : -2;
			if (s->sample == -2)
				return *status = al_cli_usage(&help, "--sample wants proportional or uniform, "
						    "not '%s'", optarg);
			break;
		case PTOKENS:
		case SCAP:
			if (al_parse_long(optarg, 1, c == SCAP ? 1L << 40 : 4096,
					  c == SCAP ? &s->sample_cap : &s->prompt_tokens) < 0)
				return *status = al_cli_usage(&help, "--%s wants a whole number from 1, not '%s'",
						    c == SCAP ? "sample-cap" : "prompt-tokens", optarg);
			break;
		case ALPHA:
			s->lora_alpha = strtod(optarg, &end);
			if (end == optarg || *end || !(s->lora_alpha > 0) || s->lora_alpha > 1e6)
				return *status = al_cli_usage(&help, "--lora-alpha wants a positive number, not '%s'",
						    optarg);
			break;
		case 'f':
			if ((s->act = al_act_parse(optarg)) < 0)
				return *status = al_cli_usage(&help, "--act wants none, relu or gelu, not '%s'", optarg);
			break;
		case 'O':
			if ((s->optimizer = al_optim_parse(optarg)) < 0)
				return *status = al_cli_usage(&help, "--optimizer wants adafactor or adamw, not '%s'", optarg);
			break;
		case 'l': case CLIP: case 'p':
		case 'r': case 'w': case 'n': case 'B': case MICRO: case 's': case 'e':
			if ((*status = number_option(c == CLIP ? 'c' : c == MICRO ? 'm' : c, optarg, s)) != 0)
				return -1;
			break;
		default:
			if (al_cli_common(&help, c, optarg, status) < 0)
				return -1;
		}
	}
	return 0;
}

/* What the options must satisfy together; 0, or the usage error's status. */
static int check_options(int argc, char **argv, const al_train_spec *s)
{
	if (s->dry_run && s->backbone && (!s->per_task || s->data || s->train))
		;   /* counting needs the data only to find the tasks */
	else if (s->data && s->train)
		return al_cli_usage(&help, "--data FILE and --train NAMES are exclusive: train on "
				    "examples from a file or on builds in the catalog, not both");
	else if (!s->backbone || !s->output || (!s->data == !s->train) || (s->train && !s->catalog))
		return al_cli_usage(&help, "--backbone, --output, and either --data FILE or "
				    "--catalog DB --train NAMES are required");
	if (s->per_task && s->method != AL_METHOD_ADALINK)
		return al_cli_usage(&help, "--per-task routes AdaLink's modules; --method %s has "
				    "none", al_method_name(s->method));
	if ((s->lora_decoder || s->lora_alpha > 0) && s->method != AL_METHOD_LORA)
		return al_cli_usage(&help, "--lora-decoder and --lora-alpha are for --method lora");
	if (s->sample_cap && s->sample != AL_SAMPLE_PROPORTIONAL)
		return al_cli_usage(&help, "--sample-cap caps --sample proportional");
	if (s->metric && strcmp(s->metric, "none") && (!s->spm || !s->dev))
		return al_cli_usage(&help, "--metric scores the --dev set's outputs as text: give "
				    "--dev and --model SPM");
	if (s->objective != AL_OBJ_SUPERVISED && (s->train || !s->spm || s->per_task ||
						  s->sample >= 0))
		return al_cli_usage(&help, "--objective %s makes its examples "
				    "from a text corpus: give --data RECORDS (adalink ingest text) and "
				    "--model SPM, and no --train, --per-task or --sample",
				    al_objective_name(s->objective));
	if (s->output && strcmp(s->output, "-") == 0)
		return al_cli_usage(&help, "--output names the adapter's file, with "
				    "ADAPTER.state beside it: '-' cannot be one");
	if (s->run && !s->catalog)
		return al_cli_usage(&help, "--run names the run in a catalog: give --catalog DB");
	if (optind < argc)
		return al_cli_usage(&help, "unexpected argument '%s'", argv[optind]);
	int text, image;
	if (al_adapter_modalities(s->modalities, &text, &image) < 0)
		return al_cli_usage(&help, "--modalities wants text, image or text,image, not '%s'",
				    s->modalities);
	return 0;
}

int cmd_train(int argc, char **argv)
{
	al_train_spec s;
	al_train_spec_defaults(&s);
	int status;
	if (parse_options(argc, argv, &s, &status) != 0)
		return status;
	if ((status = check_options(argc, argv, &s)) != 0)
		return status;

	al_err e = {0};
	al_train_result r;
	double last = -1;
	if (al_train_run(&s, print_event, &last, &r, &e) < 0) {
		al_error("%s", e.msg);
		return AL_EXIT_FAIL;
	}
	if (s.dry_run)
		printf("method\t%s\ntrainable\t%zu\nbackbone\t%zu\nshare\t%.4f%%\n",
		       al_method_name(r.method), r.trainable, r.backbone,
		       100.0 * (double)r.trainable / (double)r.backbone);
	else
		printf("%s\tsteps\t%ld\tloss\t%.6f\n", s.output, r.steps, r.loss);
	return fflush(stdout) == 0 ? AL_EXIT_OK : AL_EXIT_FAIL;
}
