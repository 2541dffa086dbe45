/* examples.h: where training examples come from: a JSONL file or builds in
 * the catalog (their shards, mapped), and the order a run reads them in.
 *
 * Examples are addressed by a global index (the builds' shards one after
 * another, in catalog order).  Shards are checked against the catalog when
 * opened: a missing, truncated or modified shard is refused.  Nothing is
 * held per example of a build: one of any size costs a few bytes per
 * shard.  A JSONL file is read whole into memory and counts as one shard.
 *
 * The order (al_examples_reader): each epoch visits every example once.
 * It shuffles the shards' order, reads each shard from first to last, and
 * hands out examples through a shuffle buffer of `buffer` examples (at
 * most all of them): the next example is a random one of the buffer,
 * replaced by the next one read.  Memory is the buffer, whatever the
 * data's size; examples mix across the shards the buffer spans.
 * Everything is a pure function of the seed, so the same seed gives the
 * same order.  A resumed training run finds its place with
 * al_examples_reader_seek (the indices replayed, no example read); the
 * whole state (epoch, shard, example; the buffer; the generator) can also
 * be saved and restored, for a caller that keeps it in a checkpoint.
 *
 *     al_examples_reader *r = al_examples_reader_new(src, seed, 10000, &e);
 *     long i = al_examples_reader_next(r);        // then al_examples_get(src, i, ...)
 *     al_examples_reader_save(r, &state, &n);     // u64 words, for a checkpoint
 *     al_examples_reader_restore(r2, state, n, &e);
 */
#ifndef AL_EXAMPLES_H
#define AL_EXAMPLES_H

#include <stdint.h>

#include "lib/err.h"
#include "trainer/forward.h"

typedef struct al_examples al_examples;

al_examples *al_examples_jsonl(const char *path, al_err *e);
/* names: comma-separated build names. */
al_examples *al_examples_builds(const char *catalog, const char *names, al_err *e);
/* Examples made on request, e.g. by a pretraining objective over a corpus:
 * n of them, in nshards groups of consecutive examples (the reader
 * shuffles the groups' order); get fills x afresh (released with
 * al_example_clear) for example i and its visit's pick; free releases ctx
 * with the examples. */
typedef struct al_examples_source {
	long n;
	int nshards;
	void *ctx;
	int (*get)(void *ctx, long i, uint64_t pick, al_example *x, al_err *e);
	void (*free)(void *ctx);
} al_examples_source;
al_examples *al_examples_made(const al_examples_source *src, al_err *e);
void al_examples_free(al_examples *s);
long al_examples_count(const al_examples *s);

/* Example i into x.  For shards x is built afresh (free it with
 * al_example_clear); for JSONL it is a view (clear only the view:
 * al_examples_release).  With several targets, one is chosen by pick
 * (deterministically: pick modulo their number). */
int al_examples_get(const al_examples *s, long i, uint64_t pick, al_example *x, al_err *e);
void al_examples_release(const al_examples *s, al_example *x);
/* How many targets example i has (JSONL: 1; 0 if it cannot be read):
 * al_examples_get with pick 0 .. n-1 gives each. */
int al_examples_ntargets(const al_examples *s, long i);

/* Example i's task name into buf ("" if none); returns buf. */
const char *al_examples_task(const al_examples *s, long i, char *buf, size_t n);

/* Shards (JSONL: 1) and shard k's first global index and count. */
int al_examples_shards(const al_examples *s);
long al_examples_shard_first(const al_examples *s, int k);
long al_examples_shard_count(const al_examples *s, int k);

typedef struct al_examples_reader al_examples_reader;

/* Where a reader is, in the epoch under way. */
typedef struct al_examples_pos {
	long epoch;           /* 0, 1, ... */
	int shard;            /* the shard being read (its number, not its place in the order) */
	long example;         /* the next example to read from it */
	long read;            /* examples read from shards this epoch */
	long handed;          /* examples handed out this epoch */
	long buffered;        /* examples in the buffer */
} al_examples_pos;

#define AL_EXAMPLES_BUFFER 10000   /* the default shuffle buffer */

/* A reader over s (which must outlive it) at the start of epoch 0.
 * buffer < 1: AL_EXAMPLES_BUFFER. */
al_examples_reader *al_examples_reader_new(const al_examples *s, uint64_t seed, long buffer,
					   al_err *e);
void al_examples_reader_free(al_examples_reader *r);
/* The global index of the next example. */
long al_examples_reader_next(al_examples_reader *r);
void al_examples_reader_pos(const al_examples_reader *r, al_examples_pos *p);
/* Back to the start, then n examples on: the state a run has after n
 * examples, found by replaying the indices (no example is read). */
void al_examples_reader_seek(al_examples_reader *r, uint64_t n);
/* The whole state as *n 64-bit words (malloc'd into *words; NULL on
 * failure), and back.  Restore refuses (AL_EFORMAT) a state saved for
 * other data, another seed or another buffer size. */
int al_examples_reader_save(const al_examples_reader *r, uint64_t **words, size_t *n, al_err *e);
int al_examples_reader_restore(al_examples_reader *r, const uint64_t *words, size_t n, al_err *e);

#endif
