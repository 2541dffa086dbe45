/* test_shard.c: the shard format: a hand-checked layout, a round trip,
 * the checksum, and damaged files (never a crash, always a message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "pipeline/shard.h"
#include "tests/tap.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
	return v;
}

int main(void)
{
	char dir[] = "/tmp/al-test-shard-XXXXXX", path[256];
	ok(mkdtemp(dir) != NULL, "temporary folder");
	snprintf(path, sizeof path, "%s/s.als", dir);
	al_err e = {0};

	uint32_t in0[3] = {5, 6, 1}, tl0[2] = {2, 1}, tg0[3] = {7, 1, 1};
	uint32_t in1[1] = {9}, tl1[1] = {0};
	uint16_t px[2 * 3] = {0x3c00, 0xc000, 0, 1, 2, 0x7bff};
	al_shard_example xs[3] = {
		{"a", 1, "rte", 3, in0, 3, 2, tl0, tg0, 0, NULL},
		{"img-1", 5, "caption", 7, in1, 1, 1, tl1, NULL, 2, px},
		{"", 0, "", 0, NULL, 0, 0, NULL, NULL, 0, NULL},
	};
	al_shard_writer *w = al_shard_writer_new(path, AL_SHARD_F16, 3, &e);
	ok(w != NULL, "writer opens (%s)", e.msg);
	for (int i = 0; i < 3; i++)
		ok(al_shard_writer_add(w, &xs[i], &e) == 0, "add example %d (%s)", i, e.msg);
	ok(access(path, F_OK) != 0, "nothing at the final name before commit");
	uint64_t sum = 0, bytes = 0;
	ok(al_shard_writer_commit(w, &sum, &bytes, &e) == 0, "commit (%s)", e.msg);

	/* The layout, by hand: header 64; record 0 at 64: 24 bytes of counts,
	 * "a" "rte" (4 bytes), ids 5 6 1, lengths 2 1, targets 7 1 1: 24 + 4 +
	 * 12 + 8 + 12 = 60 bytes, so record 1 starts at 64 + 64 = 128 (8-aligned);
	 * record 1: 24 + 12 ("img-1" "caption") + 4 (id 9) + 4 (a length 0) =
	 * 44, patches 8-aligned at 128 + 48 = 176, 12 bytes to 188; record 2 at
	 * 192: 24 bytes to 216; the index of 3 offsets at 216 to 240. */
	al_map m;
	al_map_file(path, &m, &e);
	const uint8_t *b = m.data;
	ok(m.size == 240 && bytes == 240, "240 bytes, as worked out by hand (%zu)", m.size);
	ok(memcmp(b, "ALSHARD", 8) == 0, "magic");
	ok(b[8] == 1 && b[12] == AL_SHARD_F16 && b[16] == 3, "version 1, f16 patches 3 wide");
	is_int(le64(b + 24), 3, "3 examples");
	is_int(le64(b + 32), 216, "the index at 216");
	is_int(le64(b + 40), 240, "the file size");
	is_int(le64(b + 216), 64, "record 0 at 64");
	is_int(le64(b + 224), 128, "record 1 at 128");
	is_int(le64(b + 232), 192, "record 2 at 192");
	ok(memcmp(b + 128 + 24, "img-1caption", 12) == 0, "id and task bytes follow the counts");
	ok(b[176] == 0x00 && b[177] == 0x3c, "patches start 8-aligned at 176, little-endian");
	al_map_release(&m);

	/* the checksum, by Debian's xxh64sum over the bytes after the header */
	char cmd[600], line[128] = "";
	snprintf(cmd, sizeof cmd, "tail -c +65 '%s' | xxh64sum 2>/dev/null", path);
	FILE *pp = popen(cmd, "r");
	if (pp && fgets(line, sizeof line, pp) && line[0] != ' ') {
		char want[32];
		snprintf(want, sizeof want, "%016llx", (unsigned long long)sum);
		ok(strncmp(line, want, 16) == 0, "xxh64sum agrees with the header's checksum (%.16s)", line);
	} else {
		ok(0, "xxh64sum (Debian package xxhash) is needed to check the checksum");
	}
	if (pp)
		pclose(pp);

	al_shard *s = al_shard_open(path, &e);
	ok(s != NULL, "the shard opens (%s)", e.msg);
	if (s) {
		is_int(al_shard_count(s), 3, "3 examples");
		ok(al_shard_checksum(s) == sum, "the header holds the commit's checksum");
		ok(al_shard_verify(s, &e) == 0, "and it verifies");
		al_shard_example x;
		ok(al_shard_get(s, 0, &x, &e) == 0 && x.id_len == 1 && !memcmp(x.id, "a", 1) &&
		   x.task_len == 3 && !memcmp(x.task, "rte", 3) && x.n_input == 3 && x.input[2] == 1 &&
		   x.n_targets == 2 && x.target_lens[0] == 2 && x.targets[0] == 7 && x.targets[2] == 1 &&
		   x.n_patches == 0 && x.patches == NULL, "example 0 reads back field by field");
		ok(al_shard_get(s, 1, &x, &e) == 0 && x.n_patches == 2 && x.patches[0] == 0x3c00 &&
		   x.patches[5] == 0x7bff && x.n_targets == 1 && x.target_lens[0] == 0,
		   "example 1: its patches and an empty target");
		ok(al_shard_get(s, 2, &x, &e) == 0 && x.id_len == 0 && x.n_input == 0,
		   "example 2: empty everything");
		ok(al_shard_get(s, 3, &x, &e) < 0, "example 3 does not exist");
		al_shard_close(s);
	}

	/* damage: every single-byte change is caught by open, get or verify,
	 * and nothing crashes (the sanitizer build checks the reads) */
	al_map_file(path, &m, &e);
	size_t n = m.size;
	uint8_t *copy = malloc(n);
	int caught = 0, total = 0;
	char bad[300];
	snprintf(bad, sizeof bad, "%s/bad.als", dir);
	for (size_t at = 0; at < n; at++) {
		memcpy(copy, m.data, n);
		copy[at] ^= 0x5a;
		FILE *f = fopen(bad, "wb");
		fwrite(copy, 1, n, f);
		fclose(f);
		total++;
		al_shard *t = al_shard_open(bad, &e);
		int hit = t == NULL;
		if (t) {
			al_shard_example x;
			for (uint64_t i = 0; i < al_shard_count(t); i++)
				hit |= al_shard_get(t, i, &x, &e) < 0;
			hit |= al_shard_verify(t, &e) < 0;
			hit |= al_shard_checksum(t) != sum;
		}
		caught += hit;
		al_shard_close(t);
	}
	is_int(caught, total, "every one of %d single-byte changes is caught", total);
	FILE *f = fopen(bad, "wb");
	fwrite(m.data, 1, n - 5, f);
	fclose(f);
	ok(al_shard_open(bad, &e) == NULL, "a truncated shard is refused");
	has_str(e.msg, "truncated", "saying it may be truncated");
	f = fopen(bad, "wb");
	fwrite("not a shard at all, not at all, not at all, not at all, not at all", 1, 66, f);
	fclose(f);
	ok(al_shard_open(bad, &e) == NULL, "a foreign file is refused");
	has_str(e.msg, "not an adalink shard", "saying so");
	free(copy);
	al_map_release(&m);
	ok(al_shard_writer_new(bad, AL_SHARD_F16, 0, &e) == NULL, "f16 patches need a width");
	w = al_shard_writer_new(bad, AL_SHARD_NONE, 0, &e);
	ok(al_shard_writer_add(w, &xs[1], &e) < 0, "patches in a shard without them are refused");
	al_shard_writer_abort(w);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
	return done_testing();
}
