/* run.c: a training run: open everything, then the loop (batch, step,
 * every K steps evaluate and save), then close. */
#include "run.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/t5.h"
#include "pipeline/spm.h"
#include "trainer/adalink.h"
#include "trainer/evaluate.h"
#include "trainer/examples.h"
#include "trainer/forward.h"
#include "trainer/objective.h"
#include "trainer/optim.h"
#include "trainer/model.h"
#include "trainer/run_setup.h"
#include "trainer/runlog.h"
#include "trainer/tasks.h"
#include "trainer/train.h"

void al_train_spec_defaults(al_train_spec *s)
{
	memset(s, 0, sizeof *s);
	s->method = AL_METHOD_ADALINK;
	s->rank = 64;
	s->prompt_tokens = 64;
	s->modalities = "text";
	s->act = AL_ACT_NONE;
	s->dropout = 0.1;   /* the paper's */
	s->sample = -1;
	s->optimizer = AL_ADAFACTOR;
	s->lr = 1e-3;
	s->schedule = AL_DECAY_RSQRT;
	s->objective = AL_OBJ_SUPERVISED;
	s->inputs_length = 128;
	s->steps = 1000;
	s->batch = 8;
	s->clip = 1.0;
	s->eval_every = 100;
}

/* Everything a run holds; run_close frees it. */
typedef struct run {
	const al_train_spec *s;
	al_train_hook hook;
	void *ctx;
	al_t5 *m;                 /* the backbone (full: the weights trained) */
	al_examples *src, *dev;
	al_adapter *ad;
	al_trainer *tr;
	al_runner *drun;          /* the dev loss's batches */
	al_runlog *rl;            /* the catalog's log, or NULL */
	al_spm *sp;               /* the dev metric's tokenizer, or NULL */
	al_eval_opts eo;          /* eo.metric NULL: the dev loss alone */
	char mkey[80];            /* the metric's name in the log: dev_METRIC */
	al_examples_reader *rd;
	al_task_sampler *ts;
	al_example *bx;           /* [batch] */
	char sha[65];             /* the backbone's SHA-256 */
	char state[4096], best[4096];
	double best_dev, best_metric;
	long start, tokens;
	double t0, loss, ema;
} run;

static void note(run *r, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(run *r, int kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	al_train_event ev = {.kind = kind, .msg = msg};
	if (r->hook)
		r->hook(r->ctx, &ev);
}

static double now(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- opening ---- */

/* A pretraining objective's examples over the corpus (and the held-out
 * one), tokenized with the model's SentencePiece model. */
static int open_corpus(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	al_objective_opts o = {s->objective, (int)s->inputs_length, al_t5_cfg(r->m)->vocab,
			       (uint64_t)s->seed};
	al_spm *sp = al_spm_new(s->spm, e);
	if (!sp)
		return e->code;
	int rc = 0;
	if (!(r->src = al_examples_objective(s->data, sp, &o, e)) ||
	    (s->dev && !(r->dev = al_examples_objective(s->dev, sp, &o, e))))
		rc = e->code;
	al_spm_free(sp);
	if (rc == 0)
		note(r, AL_TRAIN_NOTE, "%s: %ld examples of %ld encoder tokens", al_objective_name(
		     s->objective), al_examples_count(r->src), s->inputs_length);
	return rc;
}

/* The backbone (a full fine-tuning resumes from the weights it wrote),
 * the data, and the backbone's SHA-256. */
static int open_model_and_data(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	int full_resume = s->resume && s->method == AL_METHOD_FULL;
	if (!(r->m = al_t5_load(full_resume ? s->output : s->backbone, e)) ||
	    (s->projection && al_t5_set_projection(r->m, s->projection, e) < 0))
		return e->code;
	if (s->dry_run && !s->data && !s->train)
		return 0;   /* counting needs the data only to find the tasks */
	if (s->objective != AL_OBJ_SUPERVISED) {
		if (open_corpus(r, e) < 0)
			return e->code;
	} else if (!(r->src = s->train ? al_examples_builds(s->catalog, s->train, e) :
			      al_examples_jsonl(s->data, e)) ||
		   (s->dev && !(r->dev = s->train ? al_examples_builds(s->catalog, s->dev, e) :
				al_examples_jsonl(s->dev, e)))) {
		return e->code;
	}
	if ((!s->resume || s->catalog) && !s->dry_run)
		return al_run_backbone_sha256(s->backbone, r->sha, e);
	return 0;
}

/* The adapter: resumed from the output, or new. */
static int open_adapter(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	if (s->resume) {
		r->ad = s->method == AL_METHOD_FULL ? al_adapter_full(r->m, e) :
			al_adapter_load(s->output, e);
		if (!r->ad)
			return e->code;
		if (r->ad->method != s->method)
			return al_err_set(e, AL_EINVAL, "'%s' is a %s adapter; resume it with "
					  "--method %s", s->output, al_method_name(r->ad->method),
					  al_method_name(r->ad->method));
		if (s->method != AL_METHOD_FULL && !s->force &&
		    al_model_check_backbone(r->ad, s->output, s->backbone, e) < 0)
			return e->code;
		return 0;
	}
	al_adapter_opts o = {
		.method = s->method, .rank = (int)s->rank, .act = s->act,
		.modalities = s->modalities, .per_task = s->per_task, .dropout = s->dropout,
		.prompt_tokens = (int)s->prompt_tokens, .lora_alpha = s->lora_alpha,
		.lora_decoder = s->lora_decoder, .seed = (uint64_t)s->seed,
		.backbone_sha256 = r->sha,
	};
	al_run_tasks tasks = {0};
	if (s->per_task && r->src && al_run_tasks_of(r->src, &tasks, e) < 0)
		return e->code;
	r->ad = al_adapter_new(r->m, &o, (const char *const *)tasks.name, tasks.n, e);
	al_run_tasks_free(&tasks);
	return r->ad ? 0 : e->code;
}

/* The trainer (and its state when resuming), the dev runner, the log. */
static int open_training(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	al_train_opts to;
	al_train_defaults(&to);
	to.optimizer = s->optimizer;
	to.lr = s->lr;
	to.warmup = s->warmup;
	to.decay = s->no_decay ? AL_DECAY_NONE : s->schedule;
	to.total_steps = s->steps;
	to.micro = (int)s->micro;
	to.clip = s->clip;
	to.dropout = s->dropout;
	to.seed = (uint64_t)s->seed;
	snprintf(r->state, sizeof r->state, "%s.state", s->output);
	snprintf(r->best, sizeof r->best, "%s.best", s->output);
	if (!(r->tr = al_trainer_new(r->m, r->ad, &to, e)) ||
	    (s->resume && al_trainer_load_state(r->tr, r->state, e) < 0) ||
	    (r->dev && !(r->drun = al_runner_new(r->m, e))))
		return e->code;
	if (s->catalog) {
		char name[256];
		const char *rn = s->run ? s->run : al_runlog_default_name(s->output, name, sizeof name);
		char *cfg = al_run_config_json(r->ad->config, s, e);
		if (!cfg)
			return e->code;
		r->rl = al_runlog_start(s->catalog, rn, al_method_name(s->method), cfg, r->sha,
					s->resume, al_trainer_steps(r->tr), e);
		free(cfg);
		if (!r->rl)
			return e->code;
	}
	return 0;
}

/* --model read once when no dev metric has read it, so that a file that
 * is no tokenizer fails before training, not never. */
static int spm_readable(const run *r, al_err *e)
{
	if (!r->s->spm || r->sp || r->s->objective != AL_OBJ_SUPERVISED)
		return 0;   /* none, read already, or pretraining's (read at the start) */
	al_spm *sp = al_spm_new(r->s->spm, e);
	if (!sp)
		return al_err_wrap(e, "--model");
	al_spm_free(sp);
	return 0;
}

/* The dev metric, and the best values a resumed run had reached. */
static int open_eval(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	r->best_dev = INFINITY;
	r->best_metric = -INFINITY;
	if (!r->dev)
		return spm_readable(r, e);
	char why[512] = "";
	if ((s->objective == AL_OBJ_SUPERVISED &&   /* pretraining: the dev loss alone */
	     al_run_eval_setup(r->dev, s->train ? s->catalog : NULL, s->dev, s->spm, s->metric,
			       &r->sp, &r->eo, why, sizeof why, e) < 0) ||
	    spm_readable(r, e) < 0)
		return e->code;
	if (*why)
		note(r, AL_TRAIN_NOTE, "%s", why);
	snprintf(r->mkey, sizeof r->mkey, "dev_%s", r->eo.metric ? r->eo.metric : "");
	if (r->rl && s->resume && isfinite(al_runlog_min(r->rl, "dev_loss")))
		r->best_dev = al_runlog_min(r->rl, "dev_loss");   /* OUTPUT.best's */
	if (r->rl && s->resume && r->eo.metric && isfinite(al_runlog_max(r->rl, r->mkey)))
		r->best_metric = al_runlog_max(r->rl, r->mkey);
	return 0;
}

/* The example order: shuffled shards through a shuffle buffer, a pure
 * function of the seed, or draws by task; a resumed run replays the order
 * up to its step and sees the same examples. */
static int open_order(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	if (!(r->rd = al_examples_reader_new(r->src, (uint64_t)s->seed, 0, e)) ||
	    (s->sample >= 0 && !(r->ts = al_task_sampler_new(r->src, s->sample, s->sample_cap,
							       (uint64_t)s->seed, e))))
		return e->code;
	if (!(r->bx = calloc((size_t)s->batch, sizeof *r->bx)))
		return al_err_set(e, AL_ENOMEM, "out of memory");
	for (int k = 0; r->ts && k < al_task_sampler_tasks(r->ts); k++) {
		long cnt;
		double pr;
		const char *tn = al_task_sampler_task(r->ts, k, &cnt, &pr);
		note(r, AL_TRAIN_NOTE, "task %s: %ld examples, drawn with probability %.4f",
		     *tn ? tn : "(none)", cnt, pr);
	}
	r->start = al_trainer_steps(r->tr);
	al_examples_reader_seek(r->rd, (uint64_t)(r->start * s->batch));
	return 0;
}

static void run_close(run *r)
{
	free(r->bx);
	al_spm_free(r->sp);
	al_runlog_free(r->rl);
	al_examples_reader_free(r->rd);
	al_task_sampler_free(r->ts);
	al_runner_free(r->drun);
	al_trainer_free(r->tr);
	al_adapter_free(r->ad);
	al_examples_free(r->src);
	al_examples_free(r->dev);
	al_t5_free(r->m);
}

/* ---- the loop's parts ---- */

/* Batch step (s->batch examples from position step * batch) into r->bx. */
static int next_batch(run *r, long step, al_err *e)
{
	long batch = r->s->batch, pos = step * batch;
	for (int got = 0; got < batch; got++, pos++) {
		/* with several targets, one chosen by the position */
		long i = r->ts ? al_task_sampler_draw(r->ts, (uint64_t)pos) :
			 al_examples_reader_next(r->rd);
		if (al_examples_get(r->src, i, (uint64_t)pos * 0x9e3779b97f4a7c15ull >> 33,
				    &r->bx[got], e) < 0) {
			for (int b = 0; b < got; b++)
				al_examples_release(r->src, &r->bx[b]);
			return e->code;
		}
		r->tokens += r->bx[got].n_tgt;
	}
	return 0;
}

/* Mean NLL per target token over every dev example. */
static int dev_loss(run *r, double *out, al_err *e)
{
	int micro = r->s->micro ? (int)r->s->micro : (int)r->s->batch;
	double sum = 0, nll[micro];
	long tokens = 0, n = al_examples_count(r->dev);
	al_example xs[micro];
	for (long at = 0; at < n; at += micro) {
		int k = n - at < micro ? (int)(n - at) : micro, got = 0, rc = 0;
		for (; got < k && rc == 0; got++)
			rc = al_examples_get(r->dev, at + got, 0, &xs[got], e);
		if (rc == 0)
			rc = al_runner_batch(r->drun, r->ad, xs, k, nll, NULL, 0, 1.0f, e);
		for (int i = 0; i < k && rc == 0; i++) {
			sum += nll[i];
			tokens += xs[i].n_tgt;
		}
		for (int i = 0; i < got - (rc != 0); i++)
			al_examples_release(r->dev, &xs[i]);
		if (rc < 0)
			return rc;
	}
	*out = sum / (tokens ? tokens : 1);
	return 0;
}

/* The dev loss and metric into ev; a better adapter is kept as
 * OUTPUT.best (by the metric, higher is better, else the loss). */
static int evaluate(run *r, al_train_event *ev, al_err *e)
{
	double dm = NAN;
	long nolabel = 0;
	if (dev_loss(r, &ev->dev_loss, e) < 0 ||
	    (r->eo.metric && al_evaluate(r->m, r->ad, r->dev, r->sp, &r->eo, &dm, &nolabel, e) < 0))
		return e->code;
	ev->dev = 1;
	ev->metric = r->eo.metric;
	ev->dev_metric = dm;
	ev->nolabel = nolabel;
	ev->best = r->eo.metric ? dm > r->best_metric : ev->dev_loss < r->best_dev;
	if (r->rl && (al_runlog_add(r->rl, ev->step, "dev_loss", ev->dev_loss, e) < 0 ||
		      (r->eo.metric && al_runlog_add(r->rl, ev->step, r->mkey, dm, e) < 0)))
		return e->code;
	if (ev->dev_loss < r->best_dev)
		r->best_dev = ev->dev_loss;
	if (ev->best) {
		if (r->eo.metric)
			r->best_metric = dm;
		if (al_adapter_save(r->ad, r->best, 0, e) < 0)
			return e->code;
	}
	return 0;
}

/* The adapter and the optimizer state, each written atomically; then the
 * log, which a busy catalog only delays to the next checkpoint. */
static int checkpoint(run *r, al_err *e)
{
	if (al_adapter_save(r->ad, r->s->output, 0, e) < 0 ||
	    al_trainer_save_state(r->tr, r->state, e) < 0)
		return e->code;
	al_err le = {0};
	if (r->rl && al_runlog_flush(r->rl, &le) < 0)
		note(r, AL_TRAIN_WARN, "%s; will retry at the next checkpoint", le.msg);
	return 0;
}

/* The run's final scores in the catalog. */
static int finish_log(run *r, al_err *e)
{
	char fin[320];
	int k = isfinite(r->ema) ? snprintf(fin, sizeof fin, "{\"steps\": %ld, \"loss\": %.9g",
					    r->s->steps, r->ema)
				 : snprintf(fin, sizeof fin, "{\"steps\": %ld", r->s->steps);
	if (r->dev && isfinite(r->best_dev))
		k += snprintf(fin + k, sizeof fin - k, ", \"best_dev_loss\": %.9g", r->best_dev);
	if (r->eo.metric && isfinite(r->best_metric))
		k += snprintf(fin + k, sizeof fin - k, ", \"best_%s\": %.9g", r->mkey, r->best_metric);
	snprintf(fin + k, sizeof fin - k, "}");
	return al_runlog_finish(r->rl, "finished", fin, e);
}

/* ---- the run ---- */

static int train_loop(run *r, al_err *e)
{
	const al_train_spec *s = r->s;
	int n = (int)al_examples_count(r->src);
	if (s->method == AL_METHOD_ADALINK)
		note(r, AL_TRAIN_NOTE, "training %d examples, %d module%s of rank %ld, "
		     "%ld steps of %ld%s", n, r->ad->nmods, r->ad->nmods == 1 ? "" : "s", s->rank,
		     s->steps, s->batch, s->resume ? " (resumed)" : "");
	else
		note(r, AL_TRAIN_NOTE, "training %d examples, %s, %zu parameters, %ld steps of "
		     "%ld%s", n, al_method_name(s->method), al_adapter_nparams(r->ad), s->steps,
		     s->batch, s->resume ? " (resumed)" : "");
	if (s->batch > n && n > 0)
		note(r, AL_TRAIN_WARN, "the batch of %ld is larger than the %d training examples: "
		     "each step goes through them all %.1f times (a smaller --batch gives more "
		     "steps for the time)", s->batch, n, (double)s->batch / n);
	r->t0 = now(CLOCK_MONOTONIC);
	r->ema = NAN;
	for (long step = r->start; step < s->steps; step++) {
		/* forward, backward, update */
		if (next_batch(r, step, e) < 0)
			return e->code;
		int rc = al_trainer_step(r->tr, r->bx, (int)s->batch, &r->loss, e);
		for (int b = 0; b < s->batch; b++)
			al_examples_release(r->src, &r->bx[b]);
		if (rc < 0) {
			if (e->code != AL_ENUMERIC)
				return rc;
			/* the step left the adapter as it was: keep it */
			al_err se = {0};
			if (al_adapter_save(r->ad, s->output, 0, &se) < 0)
				return al_err_wrap(e, "training stopped, and saving the last good "
						   "adapter failed too (%s)", se.msg);
			return al_err_wrap(e, "training stopped; '%s' keeps the last good adapter",
					   s->output);
		}
		r->ema = isnan(r->ema) ? r->loss : 0.9 * r->ema + 0.1 * r->loss;
		/* the log and the user */
		long done = step + 1;
		double el = now(CLOCK_MONOTONIC) - r->t0, rate = (done - r->start) / (el > 0 ? el : 1);
		al_train_event ev = {
			.kind = AL_TRAIN_STEP, .step = done, .steps = s->steps, .loss = r->loss,
			.loss_ema = r->ema, .lr = al_trainer_lr(r->tr),
			.tokens_per_s = r->tokens / (el > 0 ? el : 1), .eta_s = (s->steps - done) / rate,
			.wall_s = el, .cpu_s = now(CLOCK_PROCESS_CPUTIME_ID),
			.report = done % s->eval_every == 0 || done == s->steps,
		};
		if (r->rl && (al_runlog_add(r->rl, done, "loss", r->loss, e) < 0 ||
			      al_runlog_add(r->rl, done, "lr", ev.lr, e) < 0))
			return e->code;
		if (r->hook)
			r->hook(r->ctx, &ev);
		if (!ev.report)
			continue;
		/* every K steps: evaluate, save */
		ev.kind = AL_TRAIN_REPORT;
		if ((r->rl && al_runlog_add(r->rl, done, "tokens_per_s", ev.tokens_per_s, e) < 0) ||
		    (r->dev && evaluate(r, &ev, e) < 0))
			return e->code;
		if (r->hook)
			r->hook(r->ctx, &ev);
		if (checkpoint(r, e) < 0)
			return e->code;
	}
	if (al_adapter_save(r->ad, s->output, 0, e) < 0 ||
	    al_trainer_save_state(r->tr, r->state, e) < 0 || (r->rl && finish_log(r, e) < 0))
		return e->code;
	return 0;
}

int al_train_run(const al_train_spec *s, al_train_hook hook, void *ctx, al_train_result *res,
		 al_err *e)
{
	run r = {.s = s, .hook = hook, .ctx = ctx};
	memset(res, 0, sizeof *res);
	res->best_dev_loss = res->best_dev_metric = NAN;
	res->method = s->method;
	int rc = open_model_and_data(&r, e);
	if (rc == 0)
		rc = open_adapter(&r, e);
	if (rc == 0 && s->dry_run) {
		res->trainable = al_adapter_nparams(r.ad);
		res->backbone = al_t5_nparams(r.m);
		run_close(&r);
		return 0;
	}
	if (rc == 0)
		rc = open_training(&r, e);
	if (rc == 0)
		rc = open_eval(&r, e);
	if (rc == 0)
		rc = open_order(&r, e);
	if (rc == 0)
		rc = train_loop(&r, e);
	if (rc == 0) {
		res->steps = s->steps;
		res->loss = r.loss;
		res->loss_ema = r.ema;
		if (r.dev && isfinite(r.best_dev))
			res->best_dev_loss = r.best_dev;
		if (r.eo.metric && isfinite(r.best_metric))
			res->best_dev_metric = r.best_metric;
	} else if (r.rl) {
		al_err fe = {0};
		if (al_runlog_finish(r.rl, "failed", NULL, &fe) < 0) {
			size_t l = strlen(e->msg);
			snprintf(e->msg + l, sizeof e->msg - l, "; marking the run failed in the "
				 "catalog failed too: %s", fe.msg);
		}
	}
	run_close(&r);
	return rc;
}
