/* examples.h: where training examples come from: a JSONL file or builds in
 * the catalog (their shards, mapped).
 *
 * Examples are addressed by a global index; al_examples_order gives the
 * permutation of one epoch, a pure function of the seed and the epoch, so
 * a run resumed at step s sees exactly the examples it would have seen.
 * Shards are checked against the catalog when opened: a missing,
 * truncated or modified shard is refused.
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
void al_examples_free(al_examples *s);
long al_examples_count(const al_examples *s);

/* Example i into x.  For shards x is built afresh (free it with
 * al_example_clear); for JSONL it is a view (clear only the view:
 * al_examples_release).  With several targets, one is chosen by pick
 * (deterministically: pick modulo their number). */
int al_examples_get(const al_examples *s, long i, uint64_t pick, al_example *x, al_err *e);
void al_examples_release(const al_examples *s, al_example *x);

/* Example i's task name into buf ("" if none); returns buf. */
const char *al_examples_task(const al_examples *s, long i, char *buf, size_t n);

/* The order of epoch ep: a permutation of 0..count-1 into order[]. */
void al_examples_order(long count, uint64_t seed, long ep, int *order);

#endif
