/* test_span.c: trainer/span.c against tests/ref/span_ref.py (T5's
 * algorithm written out in numpy: tests/data/span/span.ref.txt), and the
 * properties of the objectives over many seeds and lengths. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "trainer/span.h"

enum { MAXN = 4096 };

/* Read integers up to the next '|' or the end of the line. */
static int read_ints(char **p, long *out, int max)
{
	int n = 0;
	char *s = *p;
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '|') {
			s++;
			break;
		}
		if (*s == '\n' || !*s)
			break;
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || n >= max)
			return -1;
		out[n++] = v;
		s = end;
	}
	*p = s;
	return n;
}

typedef struct counts {
	long lines, bad;
	char first_bad[200];
} counts;

static void fail(counts *c, const char *line)
{
	if (!c->bad++)
		snprintf(c->first_bad, sizeof c->first_bad, "%.150s", line);
}

static void check_m(char *line, counts *cm)
{
	static long v[8][MAXN];
	int n[8];
	int len, vocab;
	double dens, mean;
	char *p = line + 2;
	int off;
	if (sscanf(p, "%d %lf %lf %d |%n", &len, &dens, &mean, &vocab, &off) != 4)
		return fail(cm, line);
	p += off;
	for (int k = 0; k < 6; k++)
		if ((n[k] = read_ints(&p, v[k], MAXN)) < 0)
			return fail(cm, line);
	static int32_t toks[MAXN], in[MAXN], tgt[MAXN];
	static uint8_t nf[MAXN], kf[MAXN], mask[MAXN];
	for (int i = 0; i < n[0]; i++)
		toks[i] = (int32_t)v[0][i];
	for (int i = 0; i < n[1]; i++)
		nf[i] = (uint8_t)v[1][i];
	for (int i = 0; i < n[2]; i++)
		kf[i] = (uint8_t)v[2][i];
	al_span_opts o = {dens, mean, vocab, AL_SPAN_SENTINELS, AL_SPAN_EOS};
	al_err e = {0};
	int ni = 0, nt = 0, good = n[0] == len && n[3] == len;
	good = good && al_span_mask_from(len, &o, nf, kf, mask) == 0;
	for (int i = 0; good && i < len; i++)
		good = mask[i] == v[3][i];
	good = good && al_span_apply(toks, mask, len, &o, in, &ni, tgt, &nt, &e) == 0;
	good = good && ni == n[4] && nt == n[5];
	for (int i = 0; good && i < ni; i++)
		good = in[i] == v[4][i];
	for (int i = 0; good && i < nt; i++)
		good = tgt[i] == v[5][i];
	cm->lines++;
	if (!good)
		fail(cm, line);
}

static void reference_cases(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/span/span.ref.txt", tap_data());
	FILE *f = fopen(path, "r");
	ok(f != NULL, "open %s", path);
	if (!f)
		return;
	counts cc = {0}, ch = {0}, cm = {0};
	size_t cap = 1 << 20;
	char *line = malloc(cap);
	while (fgets(line, (int)cap, f)) {
		int len, a, b;
		double dens, mean;
		if (line[0] == 'C') {
			if (sscanf(line + 2, "%d %lf %lf %d %d", &len, &dens, &mean, &a, &b) != 5)
				fail(&cc, line);
			int noise, spans;
			al_span_counts(len, dens, mean, &noise, &spans);
			cc.lines++;
			if (noise != a || spans != b)
				fail(&cc, line);
		} else if (line[0] == 'H') {
			if (sscanf(line + 2, "%d %lf %lf %d %d", &len, &dens, &mean, &a, &b) != 5)
				fail(&ch, line);
			int t = -1, g = -1;
			ch.lines++;
			if (al_span_lengths(len, dens, mean, &t, &g) != 0 || t != a || g != b)
				fail(&ch, line);
		} else if (line[0] == 'M') {
			check_m(line, &cm);
		}
	}
	free(line);
	fclose(f);
	ok(cc.lines >= 4000 && cc.bad == 0, "noise token and span counts equal "
	   "the reference's in %ld cases (%ld differ; first: %s)", cc.lines, cc.bad,
	   cc.first_bad);
	ok(ch.lines >= 80 && ch.bad == 0, "raw and target lengths equal "
	   "random_spans_helper's in %ld cases (%ld differ; first: %s)", ch.lines,
	   ch.bad, ch.first_bad);
	ok(cm.lines >= 100 && cm.bad == 0, "masks, inputs and targets from the "
	   "same segment draws equal the reference's in %ld cases (%ld differ; "
	   "first: %s)", cm.lines, cm.bad, cm.first_bad);
}

/* Put the targets' spans back in place of the inputs' sentinels. */
static int fill_back(const int32_t *in, int ni, const int32_t *tgt, int nt,
		     int vocab, int32_t *out)
{
	int k = 0;
	for (int i = 0; i < ni - 1; i++) {
		if (in[i] < vocab - AL_SPAN_SENTINELS) {
			out[k++] = in[i];
			continue;
		}
		int j = 0;
		while (j < nt && tgt[j] != in[i])
			j++;
		for (j++; j < nt - 1 && tgt[j] < vocab - AL_SPAN_SENTINELS; j++)
			out[k++] = tgt[j];
	}
	return k;
}

static void properties(void)
{
	enum { V = 8000 };
	al_span_opts o = al_span_opts_t5(V);
	static int32_t toks[MAXN], in[MAXN + 1], tgt[MAXN + 1], back[MAXN];
	static uint8_t mask[MAXN];
	al_err e = {0};
	long cases = 0, bad_share = 0, bad_order = 0, bad_fill = 0, bad_shape = 0;
	long noise_total = 0, tok_total = 0;
	for (int c = 0; c < 3000; c++) {
		uint64_t seed = al_span_seed(7, 0, (uint64_t)c);
		int n = 2 + (int)(seed % 600);
		for (int i = 0; i < n; i++)
			toks[i] = 3 + (int32_t)((seed >> (i % 40)) + 7919u * (unsigned)i) % (V - 103);
		int noise, spans, ni, nt;
		al_span_counts(n, o.noise_density, o.mean_span, &noise, &spans);
		if (al_span_mask(n, &o, seed, mask, &e) != 0 ||
		    al_span_apply(toks, mask, n, &o, in, &ni, tgt, &nt, &e) != 0) {
			bad_shape++;
			continue;
		}
		cases++;
		int got = 0, runs = 0;
		for (int i = 0; i < n; i++) {
			got += mask[i];
			runs += mask[i] && (i == 0 || !mask[i - 1]);
		}
		noise_total += got;
		tok_total += n;
		if (got != noise || runs != spans || mask[0] || !mask[n - 1])
			bad_share++;
		if (ni != n - noise + spans + 1 || nt != noise + spans + 1 ||
		    in[ni - 1] != 1 || tgt[nt - 1] != 1)
			bad_shape++;
		int si = 0, st = 0;
		for (int i = 0; i < ni - 1; i++)
			if (in[i] >= V - AL_SPAN_SENTINELS && in[i] != V - 1 - si++)
				bad_order++;
		for (int i = 0; i < nt - 1; i++)
			if (tgt[i] >= V - AL_SPAN_SENTINELS && tgt[i] != V - 1 - st++)
				bad_order++;
		if (tgt[0] != V - 1 || si != spans || st != spans)
			bad_order++;
		int k = fill_back(in, ni, tgt, nt, V, back);
		if (k != n || memcmp(back, toks, (size_t)n * sizeof *toks) != 0)
			bad_fill++;
	}
	ok(cases == 3000 && bad_shape == 0, "3000 corruptions, lengths 2..601: "
	   "inputs hold non-noise + spans + EOS, targets noise + spans + EOS");
	ok(bad_share == 0, "each mask has the drawn noise count and spans, "
	   "starts clean and ends in noise (%ld not)", bad_share);
	is_dbl((double)noise_total / tok_total, 0.15, 0.01, "noise share 0.15");
	ok(bad_order == 0, "sentinels count down from vocab - 1 in inputs and "
	   "targets, the target starting with <extra_id_0> (%ld not)", bad_order);
	ok(bad_fill == 0, "filling the targets back into the inputs gives the "
	   "tokens exactly (%ld not)", bad_fill);
}

static void spans_are_uniform(void)
{
	/* every composition of 6 noise tokens into 2 spans is drawn: (1,5),
	 * (2,4), ..., (5,1), each about a fifth of the time */
	al_span_opts o = al_span_opts_t5(100);
	uint8_t mask[40];
	long seen[6] = {0};
	al_err e = {0};
	for (int s = 0; s < 5000; s++) {
		al_span_mask(40, &o, al_span_seed(3, 1, (uint64_t)s), mask, &e);
		int i = 0;
		while (!mask[i])
			i++;
		int first = 0;
		while (mask[i + first])
			first++;
		if (first >= 1 && first <= 5)
			seen[first]++;
	}
	int even = 1;
	for (int k = 1; k <= 5; k++)
		even = even && seen[k] > 850 && seen[k] < 1150;
	ok(even, "40 tokens: 6 noise in 2 spans; first span 1..5 about evenly "
	   "(%ld %ld %ld %ld %ld)", seen[1], seen[2], seen[3], seen[4], seen[5]);
}

static void seeds(void)
{
	al_span_opts o = al_span_opts_t5(8000);
	uint8_t a[141], b[141], c[141];
	al_err e = {0};
	al_span_mask(141, &o, al_span_seed(1, 0, 5), a, &e);
	al_span_mask(141, &o, al_span_seed(1, 0, 5), b, &e);
	al_span_mask(141, &o, al_span_seed(1, 1, 5), c, &e);
	ok(!memcmp(a, b, sizeof a), "same (seed, epoch, index): same noise");
	ok(memcmp(a, c, sizeof a), "next epoch: fresh noise");
	ok(al_span_seed(1, 0, 5) != al_span_seed(1, 5, 0) &&
	   al_span_seed(1, 0, 5) != al_span_seed(5, 0, 1), "seed, epoch and "
	   "index are not interchangeable");
}

static void packing(void)
{
	int raw, tl;
	ok(al_span_lengths(128, 0.15, 3.0, &raw, &tl) == 0 && raw == 141 && tl == 29,
	   "inputs 128: raw pieces of 141, targets of 29 (T5's helper)");
	al_span_packer *p = al_span_packer_new(raw, AL_SPAN_EOS);
	al_span_opts o = al_span_opts_t5(8000);
	al_err e = {0};
	static int32_t doc[500], piece[141], in[142], tgt[142], all[20000];
	long total = 0, pieces = 0, bad = 0, taken = 0;
	for (int d = 0; d < 60; d++) {
		int n = 1 + (d * 37) % 300;
		for (int i = 0; i < n; i++)
			doc[i] = all[total++] = 3 + (d * 131 + i) % 7000;
		if (d % 7 == 0)
			doc[n - 1] = all[total - 1] = AL_SPAN_EOS;   /* ends in EOS */
		else
			all[total++] = AL_SPAN_EOS;
		al_span_packer_add(p, doc, n, &e);
		while (al_span_packer_take(p, piece)) {
			int ni, nt;
			if (memcmp(piece, all + taken, sizeof piece) != 0)
				bad++;
			taken += raw;
			if (al_span_corrupt(piece, raw, &o, al_span_seed(9, 0, pieces), in,
					    &ni, tgt, &nt, &e) != 0 || ni != 128 || nt != 29)
				bad++;
			pieces++;
		}
	}
	ok(bad == 0 && pieces == total / raw && al_span_packer_pending(p) == total % raw,
	   "%ld documents packed into %ld pieces in order, each corrupted into "
	   "exactly 128 inputs and 29 targets; %ld tokens wait", 60L, pieces,
	   al_span_packer_pending(p));
	al_span_packer_free(p);
}

static void prefix_lm(void)
{
	int32_t toks[50], in[51], tgt[51];
	for (int i = 0; i < 50; i++)
		toks[i] = 100 + i;
	long bad = 0, seen_first = 0, seen_last = 0;
	al_err e = {0};
	for (int s = 0; s < 2000; s++) {
		int ni, nt;
		al_prefix_lm(toks, 50, 1, al_span_seed(4, 0, (uint64_t)s), in, &ni, tgt,
			     &nt, &e);
		int k = ni - 1;
		if (k < 1 || k > 49 || ni + nt != 52 || in[k] != 1 || tgt[nt - 1] != 1 ||
		    memcmp(in, toks, (size_t)k * 4) || memcmp(tgt, toks + k, (size_t)(50 - k) * 4))
			bad++;
		seen_first += k == 1;
		seen_last += k == 49;
	}
	ok(bad == 0 && seen_first && seen_last, "prefix LM: a prefix of 1..49 "
	   "tokens in, the rest out, both ending in EOS");
	int ni, nt;
	ok(al_prefix_lm(toks, 1, 1, 3, in, &ni, tgt, &nt, &e) == 0 && ni == 1 && nt == 2,
	   "prefix LM of one token: empty prefix");
}

static void limits(void)
{
	al_span_opts o = al_span_opts_t5(8000);
	static int32_t toks[3000], in[3001], tgt[3001];
	memset(toks, 0, sizeof toks);
	int ni, nt;
	al_err e = {0};
	ok(al_span_corrupt(toks, 3000, &o, 1, in, &ni, tgt, &nt, &e) == AL_ELIMIT,
	   "3000 tokens need 150 sentinels of 100: %s", e.msg);
	ok(al_span_corrupt(toks, 0, &o, 1, in, &ni, tgt, &nt, &e) == 0 && ni == 1 &&
	   nt == 1, "nothing to corrupt: EOS and EOS");
	int t, g;
	ok(al_span_lengths(1, 0.15, 3, &t, &g) == AL_EINVAL, "inputs of 1 refused");
}

int main(void)
{
	reference_cases();
	properties();
	spans_are_uniform();
	seeds();
	packing();
	prefix_lm();
	limits();
	return done_testing();
}
