/* test_examples.c: training examples from builds in the catalog, and the
 * reader's order: every example once an epoch, shards shuffled, a bounded
 * shuffle buffer, the same order for the same seed, and a state that saves
 * and restores exactly. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "pipeline/shard.h"
#include "tests/tap.h"
#include "trainer/examples.h"

#define NB 7
static const int sizes[NB] = {7, 3, 10, 1, 6, 4, 5};   /* b: 5 shards, c: 2 */
#define N 36

static int sql(al_catalog *c, const char *q)
{
	al_err e = {0};
	return al_catalog_exec(c, q, &e);
}

/* Shard k holds examples "k-0", "k-1", ... with input id 100 k + i. */
static int write_shards(const char *dir, const char *db)
{
	al_err e = {0};
	al_catalog *c = al_catalog_open(db, &e);
	if (!c)
		return -1;
	sql(c, "INSERT INTO builds(id, name, dataset, tool_version, status) VALUES "
	       "(1, 'b', 'glue', 't', 'complete'), (2, 'c', 'glue', 't', 'complete')");
	for (int k = 0; k < NB; k++) {
		char path[512], id[32], q[1024];
		snprintf(path, sizeof path, "%s/s%d.als", dir, k);
		al_shard_writer *w = al_shard_writer_new(path, AL_SHARD_NONE, 0, &e);
		for (int i = 0; w && i < sizes[k]; i++) {
			uint32_t in = (uint32_t)(100 * k + i), len = 1, tg = 1;
			snprintf(id, sizeof id, "%d-%d", k, i);
			al_shard_example x = {id, strlen(id), "rte", 3, &in, 1, 1, &len, &tg, 0, NULL};
			al_shard_writer_add(w, &x, &e);
		}
		uint64_t sum, bytes;
		if (!w || al_shard_writer_commit(w, &sum, &bytes, &e) < 0)
			return -1;
		snprintf(q, sizeof q, "INSERT INTO shards(build_id, seq, path, examples, bytes, checksum) "
			 "VALUES (%d, %d, '%s', %d, %" PRIu64 ", '%016" PRIx64 "')", k < 5 ? 1 : 2,
			 k < 5 ? k : k - 5, path, sizes[k], bytes, sum);
		if (sql(c, q) < 0)
			return -1;
	}
	al_catalog_close(c);
	return 0;
}

/* Which shard global index i is in, by the sizes. */
static int shard_of(long i)
{
	for (int k = 0; k < NB; k++) {
		if (i < sizes[k])
			return k;
		i -= sizes[k];
	}
	return -1;
}

int main(void)
{
	char dir[] = "/tmp/al-test-examples-XXXXXX", db[256];
	ok(mkdtemp(dir) != NULL, "temporary folder");
	snprintf(db, sizeof db, "%s/cat.db", dir);
	al_err e = {0};
	ok(write_shards(dir, db) == 0, "7 shards in 2 builds");
	al_examples *s = al_examples_builds(db, "b,c", &e);
	ok(s != NULL, "builds b and c open (%s)", e.msg);
	if (!s)
		return done_testing();
	is_int(al_examples_count(s), N, "36 examples");
	is_int(al_examples_shards(s), NB, "in 7 shards");
	int good = 1;
	for (long i = 0; i < N; i++) {
		al_example x;
		char want[32];
		int k = shard_of(i);
		long at = i - al_examples_shard_first(s, k);
		snprintf(want, sizeof want, "%d-%ld", k, at);
		if (al_examples_get(s, i, 0, &x, &e) < 0 || strcmp(x.id, want) != 0 || x.n_in != 1 ||
		    x.input_ids[0] != 100 * k + at)
			good = 0;
		al_examples_release(s, &x);
	}
	ok(good, "global index i is example i of the shards in catalog order (b's, then c's)");

	/* three epochs with a buffer of 4 */
	enum { B = 4, EP = 3 };
	long seq[EP * N];
	al_examples_reader *r = al_examples_reader_new(s, 5, B, &e);
	int perm = 1, bounded = 1;
	for (int ep = 0; ep < EP; ep++) {
		int seen[N] = {0};
		for (long k = 0; k < N; k++) {
			long i = seq[ep * N + k] = al_examples_reader_next(r);
			al_examples_pos p;
			al_examples_reader_pos(r, &p);
			if (i < 0 || i >= N || seen[i]++)
				perm = 0;
			/* k + 1 handed out: exactly min(N, k + 1 + B) read, the
			 * rest in the buffer, never more than B */
			long want = k + 1 + B < N ? k + 1 + B : N;
			if (p.epoch != ep || p.handed != k + 1 || p.read != want || p.buffered > B ||
			    p.buffered != want - (k + 1))
				bounded = 0;
		}
	}
	ok(perm, "each of 3 epochs hands out every example exactly once");
	ok(bounded, "the buffer holds at most 4 examples: after k handed out, k + 4 read");
	ok(memcmp(seq, seq + N, sizeof(long) * N) != 0 && memcmp(seq + N, seq + 2 * N, sizeof(long) * N) != 0,
	   "each epoch has its own order");
	/* shuffled: not the order of the shards read one after the other,
	 * and examples of different shards mix in the first dozen */
	int inorder = 1, shards_seen = 0, mask = 0;
	for (long k = 1; k < N; k++)
		inorder &= seq[k] == seq[k - 1] + 1;
	for (long k = 0; k < 12; k++)
		if (!(mask & 1 << shard_of(seq[k])))
			mask |= 1 << shard_of(seq[k]), shards_seen++;
	ok(!inorder && shards_seen >= 3, "shuffled: %d shards among the first 12 examples", shards_seen);
	int firsts = 0;
	for (uint64_t sd = 0; sd < 16; sd++) {
		al_examples_reader *q = al_examples_reader_new(s, sd, 1, &e);
		al_examples_pos p;
		al_examples_reader_next(q);
		al_examples_reader_pos(q, &p);
		firsts |= 1 << p.shard;
		al_examples_reader_free(q);
	}
	ok(__builtin_popcount(firsts) >= 3, "the shards' order is shuffled too: 16 seeds start "
	   "reading with %d different shards", __builtin_popcount(firsts));

	/* the same seed, the same order; another seed, another */
	al_examples_reader *r2 = al_examples_reader_new(s, 5, B, &e), *r3 = al_examples_reader_new(s, 6, B, &e);
	int same = 1, differ = 0;
	for (long k = 0; k < EP * N; k++) {
		same &= al_examples_reader_next(r2) == seq[k];
		differ |= al_examples_reader_next(r3) != seq[k];
	}
	ok(same, "seed 5 again: the same 108 examples in the same order");
	ok(differ, "seed 6: another order");

	/* save after 50 (epoch 1, mid-shard), restore into a fresh reader */
	al_examples_reader_seek(r2, 50);
	uint64_t *w = NULL;
	size_t nw = 0;
	ok(al_examples_reader_save(r2, &w, &nw, &e) == 0, "save the state after 50 examples");
	al_examples_pos p;
	al_examples_reader_pos(r2, &p);
	ok(p.epoch == 1 && p.handed == 14, "it is at epoch 1, example 14 of it (%ld, %ld)", p.epoch, p.handed);
	al_examples_reader *r4 = al_examples_reader_new(s, 5, B, &e);
	ok(al_examples_reader_restore(r4, w, nw, &e) == 0, "restore it (%s)", e.msg);
	int exact = 1, exact2 = 1;
	for (long k = 50; k < EP * N; k++) {
		exact &= al_examples_reader_next(r4) == seq[k];
		exact2 &= al_examples_reader_next(r2) == seq[k];
	}
	ok(exact, "the restored reader hands out examples 50..107 as the first run did");
	ok(exact2, "and so does seek(50)");
	al_examples_reader *r5 = al_examples_reader_new(s, 7, B, &e);
	ok(al_examples_reader_restore(r5, w, nw, &e) == AL_EFORMAT, "a state saved for seed 5 is "
	   "refused by a reader of seed 7");
	has_str(e.msg, "seed 5", "saying which seed it was saved for");
	w[16] = 99;   /* the first of the shard order: no such shard */
	ok(al_examples_reader_restore(r4, w, nw, &e) == AL_EFORMAT, "a damaged state is refused");
	free(w);

	/* a buffer as big as the data: a full shuffle, still every example once */
	al_examples_reader *r6 = al_examples_reader_new(s, 1, 1000, &e);
	int seen[N] = {0}, once = 1;
	for (long k = 0; k < N; k++)
		once &= seen[al_examples_reader_next(r6)]++ == 0;
	ok(once, "a buffer larger than the data: every example once");

	/* a tampered shard is refused when the builds open */
	char path[512];
	snprintf(path, sizeof path, "%s/s6.als", dir);
	FILE *f = fopen(path, "r+b");
	fseek(f, 70, SEEK_SET);
	fputc('X', f);
	fclose(f);
	al_examples *bad = al_examples_builds(db, "b,c", &e);
	ok(bad == NULL && e.code == AL_EFORMAT, "a modified shard: the builds are refused");
	has_str(e.msg, path, "naming the shard");
	al_examples *b = al_examples_builds(db, "b", &e);
	ok(b && al_examples_count(b) == 27, "build b alone, untouched, still opens: 27 examples");
	al_examples_free(b);

	al_examples_reader_free(r);
	al_examples_reader_free(r2);
	al_examples_reader_free(r3);
	al_examples_reader_free(r4);
	al_examples_reader_free(r5);
	al_examples_reader_free(r6);
	al_examples_free(s);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
	return done_testing();
}
