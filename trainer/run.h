/* run.h: a training run as one library call.
 *
 * al_train_run owns everything a run is made of: the backbone and the
 * adapter it trains (AdaLink, prompt tuning, LoRA or every weight), the
 * example stream (JSONL or catalog builds, shuffled or sampled by task),
 * the optimizer step over micro-batches, the dev loss and metric every K
 * steps with the best adapter kept, atomic checkpoints and an exact
 * --resume, and the run's log in the catalog.  It prints nothing: what a
 * user should see reaches the caller as events.  adalink train fills a
 * spec from its options (one field per option) and prints the events.
 *
 *     al_train_spec s;
 *     al_train_spec_defaults(&s);
 *     s.backbone = "t5.safetensors";
 *     s.data = "train.jsonl";
 *     s.output = "adapter.safetensors";
 *     al_train_result r;
 *     if (al_train_run(&s, print_event, NULL, &r, &e) < 0)
 *         ... e.msg says what failed; the last checkpoint stays ...
 *
 * The files: OUTPUT (the adapter, or with method full a checkpoint),
 * OUTPUT.state (the optimizer and the step, for --resume) and OUTPUT.best
 * (the adapter of the best dev loss, or metric), each written atomically.
 */
#ifndef AL_RUN_H
#define AL_RUN_H

#include <stddef.h>

#include "lib/err.h"

/* What adalink train's options set, one field for each. */
typedef struct al_train_spec {
	/* the model and the data */
	const char *backbone;      /* -b: folder or .safetensors */
	const char *projection;    /* --projection: vision projection file, or NULL */
	const char *data;          /* -d: JSONL examples, or NULL */
	const char *catalog;       /* -C: catalog of the builds, and of the run's log */
	const char *train;         /* -t: build names, comma-separated */
	const char *dev;           /* -D: JSONL, or build names with a catalog */
	const char *spm;           /* --model: the SentencePiece model (dev metric) */
	const char *metric;        /* --metric: a metric name, "none", or NULL (the task's) */
	const char *run;           /* --run: the run's name (NULL: the output's) */
	const char *output;        /* -o */
	/* the objective */
	int objective;             /* --objective: AL_OBJ_* (objective.h) */
	long inputs_length;        /* --inputs-length: a pretraining example's encoder tokens */
	/* the method */
	int method;                /* --method: AL_METHOD_* */
	long rank;                 /* -r: AdaLink's and LoRA's r; prompt's hidden units */
	long prompt_tokens;        /* --prompt-tokens */
	double lora_alpha;         /* --lora-alpha (0: the rank) */
	int lora_decoder;          /* --lora-decoder */
	const char *modalities;    /* -M: text, image or text,image */
	int per_task;              /* -T */
	int act;                   /* -f: AL_ACT_* */
	double dropout;            /* -p */
	/* the order of the examples */
	int sample;                /* --sample: -1 (one shuffled pass), AL_SAMPLE_* */
	long sample_cap;           /* --sample-cap (0: none) */
	long seed;                 /* -s */
	/* the optimisation */
	int optimizer;             /* -O: AL_ADAFACTOR or AL_ADAMW */
	double lr;                 /* -l */
	long warmup;               /* -w */
	int schedule;              /* --schedule: AL_DECAY_* (optim.h) */
	int no_decay;              /* --no-decay: the same as --schedule constant */
	long steps;                /* -n */
	long batch;                /* -B */
	long micro;                /* -m (0: the batch) */
	double clip;               /* -c (0: off) */
	long eval_every;           /* -e */
	int resume;                /* -R */
	int force;                 /* --force: resume although the adapter records
				      another backbone */
	int dry_run;               /* --dry-run: count the parameters only */
} al_train_spec;

/* adalink train's defaults: adalink, rank 64, 64 prompt tokens, text,
 * dropout 0.1, Adafactor at 1e-3 with 1/sqrt decay, 1000 steps of 8,
 * clip 1.0, a report every 100 steps, seed 0; supervised, or pretraining
 * examples of 128 encoder tokens. */
void al_train_spec_defaults(al_train_spec *s);

enum {
	AL_TRAIN_NOTE,      /* msg: what the run found or chose */
	AL_TRAIN_WARN,      /* msg: something the user should know, not fatal */
	AL_TRAIN_STEP,      /* after every step */
	AL_TRAIN_REPORT,    /* every eval_every steps and at the last: a checkpoint */
};

typedef struct al_train_event {
	int kind;
	const char *msg;           /* NOTE, WARN */
	long step, steps;          /* steps done, of all */
	double loss;               /* the step's mean NLL per target token */
	double loss_ema;           /* smoothed: 0.9 of the last value, 0.1 of the step's */
	double lr;                 /* of the step */
	double tokens_per_s;       /* target tokens since the start (or resume) */
	double eta_s;
	double wall_s, cpu_s;      /* since the start: wall clock, the process's CPU */
	int report;                /* STEP: a REPORT of this step follows */
	int dev;                   /* REPORT: the dev values below are set */
	double dev_loss;           /* mean NLL per target token of the dev set */
	const char *metric;        /* the dev metric's name, or NULL */
	double dev_metric;
	long nolabel;              /* GLUE outputs that are no label name */
	int best;                  /* this checkpoint is the best so far */
} al_train_event;

typedef void (*al_train_hook)(void *ctx, const al_train_event *ev);

typedef struct al_train_result {
	long steps;                /* the step reached */
	double loss;               /* the last step's */
	double loss_ema;
	double best_dev_loss;      /* NaN if no dev set */
	double best_dev_metric;    /* NaN if no dev metric */
	int method;                /* dry run: the method, */
	size_t trainable, backbone;   /* its parameters and the backbone's */
} al_train_result;

/* Run s; hook (may be NULL) receives the events.  Returns 0 and fills r,
 * or a negative AL_E* with e filled; a failed run is marked "failed" in
 * the catalog, and the files of its last checkpoint stay. */
int al_train_run(const al_train_spec *s, al_train_hook hook, void *ctx, al_train_result *r,
		 al_err *e);

#endif
