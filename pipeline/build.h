/* build.h: a dataset's records into tokenized, patch-embedded shards,
 * tracked in the catalog (adalink build).
 *
 * One streaming pass: records from the dataset readers, rendered with the
 * prompt templates, tokenized with SentencePiece (an EOS after the input
 * and after each target), images decoded, resized, patchified and (with a
 * ViT) embedded, stored as f16 or bf16; shards of shard_examples examples
 * are written to a temporary file, recorded in the catalog (a row each),
 * then renamed into place, so every shard file has a row.  The build's row
 * holds every parameter and the SHA-256 of the tokenizer, the ViT and each
 * source: the same build run again is recognised and skipped, a build of
 * the same name with other inputs is refused unless replace is set, and an
 * interrupted build (status "building": the run holds the build's lock, so
 * no live process is still writing it) is removed (al_shards_drop: only
 * its own shard files) and built again, giving the rows and the bytes of
 * a run never interrupted.  A build that fails (a bad record, a full disk,
 * a locked catalog) leaves nothing: the partial shard, the shards written
 * and the build's rows are removed.
 *
 * With jobs > 1, worker threads tokenize and process images while the
 * calling thread reads and writes in the order read: the shards are the
 * same bytes whatever jobs is.
 */
#ifndef AL_BUILD_H
#define AL_BUILD_H

#include "lib/err.h"

typedef struct al_build_opts {
	const char *catalog, *out_dir, *name, *spm;
	const char *dataset, *task, *split;
	const char *tmpl;          /* NULL: al_prompt_default */
	const char *vit;           /* ViT checkpoint, or NULL: pixel patches */
	int size, patch;           /* image side and patch side (224, 14) */
	int dtype;                 /* AL_SHARD_F16 or AL_SHARD_BF16 */
	long shard_examples;       /* examples per shard (default 4096) */
	long limit;                /* at most this many examples (0: all) */
	int replace, skip_bad, no_images;
	int jobs;                  /* worker threads (0: one per core; 1: none) */
	const char *const *sources;
	int nsources;
} al_build_opts;

typedef struct al_build_stats {
	long examples, images, shards;
	int skipped;               /* 1: an identical build was already there */
	int threads;               /* threads that did the work */
	/* seconds: the whole run; reading records (archives, JSON, prompts)
	 * and writing shards and rows, in the calling thread; tokenizing and
	 * images (decode, resize, patchify, ViT), summed over the workers;
	 * the calling thread waiting for workers; */
	double t_wall, t_read, t_write, t_tokenize, t_image, t_wait;
	double t_setup;            /* hashing the inputs, loading the models, the catalog */
} al_build_stats;

int al_build_run(const al_build_opts *o, al_build_stats *st, al_err *e);

#endif
