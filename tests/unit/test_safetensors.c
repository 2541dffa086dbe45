/* test_safetensors.c: the reader against files written by an independent
 * Python writer (tests/data/safetensors/gen.py), the malformed corpus, the
 * writer round trip, and half/bfloat16 conversions against Python's. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/safetensors.h"
#include "tests/tap.h"

static char path[4096];

static const char *data_path(const char *rel)
{
	snprintf(path, sizeof path, "%s/safetensors/%s", tap_data(), rel);
	return path;
}

static void test_tiny(void)
{
	al_err e = {0};
	al_st *st = al_st_open(data_path("good/tiny.safetensors"), &e);
	ok(st != NULL, "tiny opens (%s)", e.msg);
	if (!st)
		return;
	is_int(al_st_count(st), 6, "tiny has 6 tensors");
	FILE *f = fopen(data_path("good/tiny.expect"), "r");
	char line[4096];
	size_t i = 0;
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *name = strtok(line, "\t"), *dtype = strtok(NULL, "\t");
		char *shape = strtok(NULL, "\t"), *vals = strtok(NULL, "\t");
		const al_st_tensor *t = al_st_find(st, name);
		ok(t != NULL, "tensor %s found by name", name);
		if (!t)
			continue;
		ok(t == al_st_tensor_at(st, i), "tensor %s is number %zu in data order", name, i);
		is_str(al_dtype_name(t->dtype), dtype, "%s dtype", name);
		char got[256] = "";
		for (int d = 0; d < t->ndim; d++)
			snprintf(got + strlen(got), sizeof got - strlen(got), d ? ",%llu" : "%llu",
				 (unsigned long long)t->shape[d]);
		is_str(got, shape ? shape : "", "%s shape", name);
		if (t->dtype == AL_F32 || t->dtype == AL_F16 || t->dtype == AL_BF16 ||
		    t->dtype == AL_F64) {
			uint64_t n = al_st_numel(t);
			float *x = calloc(n, sizeof *x);
			ok(al_st_read_f32(t, x, &e) == 0, "%s reads as f32", name);
			char *save, *v = vals ? strtok_r(vals, ",", &save) : NULL;
			int same = 1;
			for (uint64_t k = 0; k < n; k++, v = strtok_r(NULL, ",", &save))
				same &= v && x[k] == (float)strtod(v, NULL);
			ok(same, "%s values equal Python's", name);
			free(x);
		}
		i++;
	}
	if (f)
		fclose(f);
	is_int(i, 6, "expect file read");
	const al_st_tensor *e64 = al_st_find(st, "e");
	int64_t seven = 0;
	if (e64)
		memcpy(&seven, e64->data, 8);
	is_int(seven, 7, "I64 scalar holds 7");
	ok(al_st_find(st, "nope") == NULL, "unknown name not found");
	is_str(al_st_meta_get(st, "format"), "pt", "metadata format");
	is_str(al_st_meta_get(st, "config"), "{\"d_model\": 64, \"num_heads\": 4}",
	       "metadata config kept as a string");
	ok(al_st_read_f32(al_st_find(st, "e"), NULL, &e) < 0, "I64 is not read as f32");
	has_str(e.msg, "expected a floating-point dtype", "and the message says why");
	al_st_free(st);

	st = al_st_open(data_path("good/empty.safetensors"), &e);
	ok(st && al_st_count(st) == 0 && al_st_meta_count(st) == 0, "empty file opens with no tensors");
	al_st_free(st);
}

static void test_half(void)
{
	al_err e = {0};
	al_st *st = al_st_open(data_path("good/f16.safetensors"), &e);
	ok(st != NULL, "f16 corpus opens (%s)", e.msg);
	if (!st)
		return;
	const al_st_tensor *bits = al_st_find(st, "bits"), *wid = al_st_find(st, "widened");
	const al_st_tensor *x = al_st_find(st, "x"), *xh = al_st_find(st, "x_f16");
	ok(bits && wid && x && xh, "f16 corpus has its tensors");
	if (!(bits && wid && x && xh))
		return;
	int bad = 0;
	for (int i = 0; i < 65536; i++) {
		uint16_t h;
		float want, got;
		memcpy(&h, (const char *)bits->data + 2 * i, 2);
		memcpy(&want, (const char *)wid->data + 4 * i, 4);
		got = al_f16_to_f32(h);
		if (!(got == want && signbit(got) == signbit(want)) && !(isnan(got) && isnan(want)))
			bad++;
	}
	is_int(bad, 0, "all 65536 halves widen as Python's struct does");
	uint64_t n = al_st_numel(x);
	bad = 0;
	for (uint64_t i = 0; i < n; i++) {
		float v;
		uint16_t want;
		memcpy(&v, (const char *)x->data + 4 * i, 4);
		memcpy(&want, (const char *)xh->data + 2 * i, 2);
		if (al_f32_to_f16(v) != want)
			bad++;
	}
	is_int(bad, 0, "%llu floats round to half as Python's struct does", (unsigned long long)n);
	al_st_free(st);

	/* bfloat16: hand-worked round-to-nearest-even. */
	is_int(al_f32_to_bf16(1.0f), 0x3f80, "bf16(1) = 0x3f80");
	uint32_t u = 0x3f808000u;  /* halfway between 0x3f80 and 0x3f81: even */
	float f;
	memcpy(&f, &u, 4);
	is_int(al_f32_to_bf16(f), 0x3f80, "tie rounds to even (down)");
	u = 0x3f818000u;
	memcpy(&f, &u, 4);
	is_int(al_f32_to_bf16(f), 0x3f82, "tie rounds to even (up)");
	u = 0x3f808001u;
	memcpy(&f, &u, 4);
	is_int(al_f32_to_bf16(f), 0x3f81, "above the tie rounds up");
	ok(isnan(al_bf16_to_f32(al_f32_to_bf16(NAN))), "NaN stays NaN in bf16");
	is_dbl(al_bf16_to_f32(0xc040), -3.0, 0, "bf16 0xc040 = -3");
}

static void test_bad_corpus(void)
{
	FILE *f = fopen(data_path("bad/expected.tsv"), "r");
	ok(f != NULL, "bad corpus list opens");
	if (!f)
		return;
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		char rel[600];
		snprintf(rel, sizeof rel, "bad/%s", line);
		al_err e = {0};
		al_st *st = al_st_open(data_path(rel), &e);
		ok(st == NULL && e.code < 0, "%s is rejected", line);
		has_str(e.msg, tab + 1, "%s: message names the problem", line);
		al_st_free(st);
		n++;
	}
	fclose(f);
	ok(n >= 40, "corpus holds %d files", n);
}

/* Every truncation and many random mutations of a good file: opened or
 * rejected with a message, never a crash (the sanitizer build checks). */
static void test_mutations(void)
{
	al_map m;
	al_err e = {0};
	ok(al_map_file(data_path("good/tiny.safetensors"), &m, &e) == 0, "map tiny");
	int rejected = 0;
	for (size_t len = 0; len < m.size; len++) {
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, m.data, len);
		al_st *st = al_st_open_mem(b, len, "cut", &e);
		rejected += st == NULL && e.msg[0];
		al_st_free(st);
		free(b);
	}
	is_int(rejected, (long long)m.size, "every truncation of tiny is rejected");
	unsigned s = 1;
	int opened = 0, clean = 1;
	for (int it = 0; it < 3000; it++) {
		uint8_t *b = malloc(m.size);
		memcpy(b, m.data, m.size);
		for (int k = 0; k < 1 + it % 4; k++) {
			s = s * 1103515245u + 12345u;
			size_t at = (s >> 8) % m.size;
			s = s * 1103515245u + 12345u;
			b[at] = (uint8_t)(s >> 16);
		}
		e.msg[0] = 0;
		al_st *st = al_st_open_mem(b, m.size, "mutant", &e);
		if (st) {
			opened++;
			for (size_t i = 0; i < al_st_count(st); i++) {
				const al_st_tensor *t = al_st_tensor_at(st, i);
				clean &= t->end <= m.size && (const uint8_t *)t->data + (t->end - t->begin) <= b + m.size;
			}
		} else {
			clean &= e.msg[0] != 0;
		}
		al_st_free(st);
		free(b);
	}
	ok(clean, "3000 mutants: each opened inside the buffer or rejected with a message (%d opened)", opened);
	al_map_release(&m);
}

static void test_writer(void)
{
	char dir[] = "/tmp/al-test-st-XXXXXX";
	ok(mkdtemp(dir) != NULL, "temporary folder");
	char out[256];
	snprintf(out, sizeof out, "%s/w.safetensors", dir);
	al_err e = {0};
	float a[6] = {1, 2, 3, 4, 5, 6};
	uint16_t h[3] = {0x3c00, 0xc000, 0x7bff};
	uint64_t sa[2] = {2, 3}, sh[1] = {3}, sz[2] = {0, 5};
	al_st_writer *w = al_st_writer_new(out, &e);
	ok(al_st_writer_meta(w, "config", "{\"x\": \"t\\tab\"}", &e) == 0, "add metadata");
	ok(al_st_writer_add(w, "adalink.text.down", AL_F32, 2, sa, a, &e) == 0, "add F32");
	ok(al_st_writer_add(w, "h", AL_F16, 1, sh, h, &e) == 0, "add F16");
	ok(al_st_writer_add(w, "nothing", AL_BF16, 2, sz, NULL, &e) == 0, "add an empty tensor");
	ok(al_st_writer_add(w, "h", AL_F16, 1, sh, h, &e) < 0, "a duplicate name is refused");
	has_str(e.msg, "duplicate tensor 'h'", "and named");
	ok(al_st_writer_add(w, "__metadata__", AL_F16, 1, sh, h, &e) < 0, "__metadata__ is no tensor name");
	ok(access(out, F_OK) != 0, "nothing written before commit");
	ok(al_st_writer_commit(w, &e) == 0, "commit (%s)", e.msg);
	al_st_writer_free(w);
	al_st *st = al_st_open(out, &e);
	ok(st != NULL, "written file reads back (%s)", e.msg);
	if (st) {
		is_int(al_st_count(st), 3, "3 tensors");
		is_int((8 + al_st_header_size(st)) % 8, 0, "data starts 8-byte aligned");
		const al_st_tensor *t = al_st_find(st, "adalink.text.down");
		float back[6] = {0};
		ok(t && al_st_read_f32(t, back, &e) == 0 && memcmp(back, a, sizeof a) == 0,
		   "F32 data round-trips");
		t = al_st_find(st, "h");
		ok(t && al_st_read_f32(t, back, &e) == 0 && back[0] == 1 && back[1] == -2 &&
		   back[2] == 65504, "F16 data widens to 1, -2, 65504");
		is_str(al_st_meta_get(st, "config"), "{\"x\": \"t\\tab\"}", "metadata round-trips");
		al_st_free(st);
	}
	/* An uncommitted writer leaves nothing behind. */
	char out2[300];
	snprintf(out2, sizeof out2, "%s/never.safetensors", dir);
	w = al_st_writer_new(out2, &e);
	al_st_writer_add(w, "h", AL_F16, 1, sh, h, &e);
	al_st_writer_free(w);
	ok(access(out2, F_OK) != 0, "a discarded writer writes nothing");
	/* A folder that does not exist: a clear error. */
	w = al_st_writer_new("/nonexistent-dir/x.safetensors", &e);
	ok(al_st_writer_commit(w, &e) < 0, "commit into a missing folder fails");
	has_str(e.msg, "No such file or directory", "with the system's reason");
	al_st_writer_free(w);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
}

int main(void)
{
	test_tiny();
	test_half();
	test_bad_corpus();
	test_mutations();
	test_writer();
	return done_testing();
}
