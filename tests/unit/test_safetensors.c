/* test_safetensors.c: the reader against files written by an independent
 * Python writer (tests/data/safetensors/gen.py), the malformed corpus, the
 * writer round trip, the streaming writer read back by Python's struct and
 * json modules, and half/bfloat16 conversions against Python's. */
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

/* Python's reading of a streamed file, independent of our reader: the
 * header as struct and json see it, each tensor's bytes unpacked. */
static const char py_check[] =
	"import json, struct, sys\n"
	"b = open(sys.argv[1], 'rb').read()\n"
	"(n,) = struct.unpack('<Q', b[:8])\n"
	"assert (8 + n) % 8 == 0, 'data not aligned'\n"
	"h = b[8:8 + n].decode('utf-8')\n"
	"assert h.rstrip(' ').endswith('}') and len(h) - len(h.rstrip(' ')) < 8, 'padding'\n"
	"pairs = json.loads(h, object_pairs_hook=lambda p: p)\n"
	"keys = [k for k, _ in pairs]\n"
	"assert keys == ['__metadata__', 'a', 'b', 'empty', 'c', 'd'], keys\n"
	"top = dict(pairs)\n"
	"assert dict(top['__metadata__']) == {'k': 'v', 'tab': 'a\\tb'}, top['__metadata__']\n"
	"data = b[8 + n:]\n"
	"want = {'a': ('F32', [2, 3], '<6f', [0.5 * k for k in range(6)]),\n"
	"        'b': ('F16', [4], '<4e', [1.0, -2.0, 65504.0, 2.0 ** -24]),\n"
	"        'empty': ('BF16', [0, 5], '<0H', []),\n"
	"        'c': ('I64', [3], '<3q', [-1, 2 ** 40, 7]),\n"
	"        'd': ('U8', [2, 2, 2], '<8B', list(range(8)))}\n"
	"end = 0\n"
	"for k in keys[1:]:\n"
	"    e = dict(top[k])\n"
	"    dt, shape, fmt, vals = want[k]\n"
	"    assert e['dtype'] == dt and e['shape'] == shape, (k, e)\n"
	"    lo, hi = e['data_offsets']\n"
	"    assert lo == end and hi - lo == struct.calcsize(fmt), (k, lo, hi)\n"
	"    got = list(struct.unpack(fmt, data[lo:hi]))\n"
	"    assert got == vals, (k, got, vals)\n"
	"    end = hi\n"
	"assert end == len(data), ('trailing bytes', end, len(data))\n"
	"print('ok')\n";

/* Files in dir whose names start with prefix. */
static int count_files(const char *dir, const char *prefix)
{
	char cmd[600], line[64] = "";
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '^%s'", dir, prefix);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof line, p))
		line[0] = 0;
	if (p)
		pclose(p);
	return atoi(line);
}

static void test_stream(void)
{
	char dir[] = "/tmp/al-test-stream-XXXXXX";
	ok(mkdtemp(dir) != NULL, "temporary folder");
	char out[256], py[256], cmd[1024];
	snprintf(out, sizeof out, "%s/s.safetensors", dir);
	snprintf(py, sizeof py, "%s/check.py", dir);
	al_err e = {0};
	float a[6] = {0, 0.5f, 1, 1.5f, 2, 2.5f};
	uint16_t h[4] = {0x3c00, 0xc000, 0x7bff, 0x0001};
	int64_t c[3] = {-1, (int64_t)1 << 40, 7};   /* little-endian hosts, as the format */
	uint8_t d[8] = {0, 1, 2, 3, 4, 5, 6, 7}, junk[64] = {0};
	uint64_t sa[2] = {2, 3}, sh[1] = {4}, sz[2] = {0, 5}, sc[1] = {3}, sd[3] = {2, 2, 2},
		 sj[1] = {64};
	al_st_writer *w = al_st_writer_new(out, &e);
	ok(al_st_writer_put(w, a, &e) == AL_EINVAL, "no data before begin");
	ok(al_st_writer_meta(w, "k", "v", &e) == 0 && al_st_writer_meta(w, "tab", "a\tb", &e) == 0,
	   "declare the metadata");
	e = (al_err){0};
	int rc = al_st_writer_add(w, "skipped first", AL_U8, 1, sj, NULL, &e);
	rc |= al_st_writer_add(w, "a", AL_F32, 2, sa, NULL, &e);
	rc |= al_st_writer_add(w, "b", AL_F16, 1, sh, NULL, &e);
	rc |= al_st_writer_add(w, "skipped", AL_F32, 2, sa, NULL, &e);
	rc |= al_st_writer_add(w, "empty", AL_BF16, 2, sz, NULL, &e);
	rc |= al_st_writer_add(w, "c", AL_I64, 1, sc, NULL, &e);
	rc |= al_st_writer_add(w, "d", AL_U8, 3, sd, NULL, &e);
	rc |= al_st_writer_add(w, "skipped last", AL_U8, 1, sj, NULL, &e);
	ok(rc == 0, "declare 8 tensors without data (%s)", e.msg);
	ok(access(out, F_OK) != 0 && count_files(dir, "s.safetensors.tmp") == 0,
	   "nothing is created before begin");
	e = (al_err){0};
	ok(al_st_writer_begin(w, &e) == 0, "begin writes the header (%s)", e.msg);
	ok(count_files(dir, "s.safetensors.tmp") == 1 && access(out, F_OK) != 0,
	   "into a temporary file beside the output");
	ok(al_st_writer_add(w, "late", AL_U8, 1, sj, NULL, &e) == AL_EINVAL, "no tensor after begin");
	has_str(e.msg, "after the data has begun", "saying so");
	ok(al_st_writer_meta(w, "late", "x", &e) == AL_EINVAL, "no metadata after begin");
	e = (al_err){0};
	rc = al_st_writer_drop(w, &e);
	rc |= al_st_writer_put(w, a, &e);
	rc |= al_st_writer_put(w, h, &e);
	rc |= al_st_writer_drop(w, &e);
	rc |= al_st_writer_put(w, NULL, &e);   /* empty: no bytes */
	rc |= al_st_writer_put(w, c, &e);
	ok(rc == 0, "stream and drop in the declared order (%s)", e.msg);
	ok(al_st_writer_commit(w, &e) == AL_EINVAL, "commit refuses while a tensor is missing");
	has_str(e.msg, "tensor 'd' was never written", "naming the first missing");
	rc = al_st_writer_put(w, d, &e);
	rc |= al_st_writer_drop(w, &e);
	ok(rc == 0, "the last two");
	ok(al_st_writer_put(w, d, &e) == AL_EINVAL, "nothing past the last tensor");
	e = (al_err){0};
	ok(al_st_writer_commit(w, &e) == 0, "commit (%s)", e.msg);
	ok(al_st_writer_put(w, d, &e) == AL_EINVAL, "nothing after commit");
	al_st_writer_free(w);
	ok(count_files(dir, "s.safetensors.tmp") == 0, "no temporary file is left");

	FILE *f = fopen(py, "w");
	ok(f && fputs(py_check, f) >= 0 && fclose(f) == 0, "write the Python check");
	if (access("/usr/bin/python3", X_OK) == 0) {
		snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' 2>&1", py, out);
		FILE *p = popen(cmd, "r");
		char line[1024] = "";
		if (p && !fgets(line, sizeof line, p))
			line[0] = 0;
		int st = p ? pclose(p) : -1;
		line[strcspn(line, "\n")] = 0;
		ok(st == 0 && strcmp(line, "ok") == 0, "Python's struct and json read the streamed "
		   "file: the kept tensors in order, their bytes, no gap, metadata (%s)", line);
	} else {
		ok(1, "# SKIP no /usr/bin/python3");
	}

	/* Abandoned after begin: the temporary file goes, nothing is renamed. */
	char out2[300];
	snprintf(out2, sizeof out2, "%s/gone.safetensors", dir);
	w = al_st_writer_new(out2, &e);
	al_st_writer_add(w, "d", AL_U8, 3, sd, NULL, &e);
	al_st_writer_begin(w, &e);
	al_st_writer_put(w, d, &e);
	ok(count_files(dir, "gone.safetensors.tmp") == 1, "a begun writer has its temporary file");
	al_st_writer_free(w);
	ok(count_files(dir, "gone.safetensors") == 0, "freed uncommitted: no file, no temporary file");

	/* Every tensor dropped: a valid file with the metadata only. */
	w = al_st_writer_new(out2, &e);
	al_st_writer_meta(w, "k", "v", &e);
	al_st_writer_add(w, "a", AL_F32, 2, sa, NULL, &e);
	al_st_writer_begin(w, &e);
	al_st_writer_drop(w, &e);
	ok(al_st_writer_commit(w, &e) == 0, "commit with every tensor dropped");
	al_st_writer_free(w);
	e = (al_err){0};
	al_st *st = al_st_open(out2, &e);
	ok(st && al_st_count(st) == 0 && al_st_meta_get(st, "k"), "is an empty, valid file (%s)",
	   e.msg);
	al_st_free(st);

	/* Many names: the duplicate check still finds the one among them. */
	w = al_st_writer_new(out2, &e);
	char name[32];
	rc = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "t%d", i);
		rc |= al_st_writer_add(w, name, AL_U8, 1, sj, NULL, &e);
	}
	ok(rc == 0, "5000 names");
	ok(al_st_writer_add(w, "t4321", AL_U8, 1, sj, NULL, &e) == AL_EINVAL, "a duplicate among them");
	al_st_writer_free(w);

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
	test_stream();
	return done_testing();
}
