/* span.c: T5's span corruption, prefix LM and packing (see span.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rng.h"
#include "span.h"

al_span_opts al_span_opts_t5(int vocab_size)
{
	al_span_opts o = {0.15, 3.0, vocab_size, AL_SPAN_SENTINELS, AL_SPAN_EOS};
	return o;
}

void al_span_counts(int length, double density, double mean_span,
		    int *n_noise, int *n_spans)
{
	if (length < 2)
		length = 2;
	/* float32 products, rounded half to even, as TensorFlow computes
	 * them in random_spans_noise_mask */
	volatile float prod = (float)length * (float)density;
	int noise = (int)rintf(prod);
	if (noise < 1)
		noise = 1;
	if (noise > length - 1)
		noise = length - 1;
	volatile float q = (float)noise / (float)mean_span;
	int spans = (int)rintf(q);
	*n_noise = noise;
	*n_spans = spans < 1 ? 1 : spans;
}

/* Inputs and targets lengths (EOS included) of a raw piece of length
 * tokens, as random_spans_helper computes them (in double precision). */
static void helper_lengths(int length, double density, double mean_span,
			   int *in, int *tgt)
{
	int noise = (int)rint(length * density);
	int spans = (int)rint(noise / mean_span);
	*in = length - noise + spans + 1;
	*tgt = noise + spans + 1;
}

int al_span_lengths(int inputs_length, double density, double mean_span,
		    int *tokens_length, int *targets_length)
{
	if (inputs_length < 2 || !(density > 0 && density < 1) || !(mean_span > 0))
		return AL_EINVAL;
	int t = inputs_length - 1, in, tgt;
	for (;;) {
		helper_lengths(t + 1, density, mean_span, &in, &tgt);
		if (in > inputs_length)
			break;
		t++;
	}
	helper_lengths(t, density, mean_span, &in, &tgt);
	/* T5's adjustment that makes targets as long as inputs at 0.5 */
	if (density == 0.5 && tgt > in) {
		t--;
		tgt--;
	}
	*tokens_length = t;
	*targets_length = tgt;
	return 0;
}

int al_span_segments(const uint8_t *first, int n_items, int n_segments,
		     int *lengths)
{
	if (n_items < 1 || n_segments < 1 || n_segments > n_items)
		return AL_EINVAL;
	int seg = 0;
	lengths[0] = 1;
	for (int i = 0; i < n_items - 1; i++) {
		if (first[i]) {
			if (++seg >= n_segments)
				return AL_EINVAL;
			lengths[seg] = 0;
		}
		lengths[seg]++;
	}
	return seg == n_segments - 1 ? 0 : AL_EINVAL;
}

int al_span_mask_from(int length, const al_span_opts *o,
		      const uint8_t *noise_first, const uint8_t *nonnoise_first,
		      uint8_t *mask)
{
	if (length < 1)
		return AL_EINVAL;
	int full = length < 2 ? 2 : length, noise, spans;
	al_span_counts(length, o->noise_density, o->mean_span, &noise, &spans);
	int *nl = malloc(2 * (size_t)spans * sizeof *nl);
	if (!nl)
		return AL_ENOMEM;
	int *kl = nl + spans, rc;
	if ((rc = al_span_segments(noise_first, noise, spans, nl)) < 0 ||
	    (rc = al_span_segments(nonnoise_first, full - noise, spans, kl)) < 0) {
		free(nl);
		return rc;
	}
	/* non-noise span, noise span, non-noise span, ...; cut to length */
	int pos = 0;
	for (int s = 0; s < spans; s++) {
		for (int i = 0; i < kl[s]; i++, pos++)
			if (pos < length)
				mask[pos] = 0;
		for (int i = 0; i < nl[s]; i++, pos++)
			if (pos < length)
				mask[pos] = 1;
	}
	free(nl);
	return 0;
}

/* k of the n - 1 gap flags set, shuffled (Fisher-Yates, from the end). */
static void random_starts(al_rng *r, uint8_t *first, int n, int k)
{
	for (int i = 0; i < n - 1; i++)
		first[i] = i < k - 1;
	for (int i = n - 2; i > 0; i--) {
		int j = (int)al_rng_below(r, (uint64_t)i + 1);
		uint8_t t = first[i];
		first[i] = first[j];
		first[j] = t;
	}
}

int al_span_mask(int length, const al_span_opts *o, uint64_t seed,
		 uint8_t *mask, al_err *e)
{
	if (length < 1)
		return al_err_set(e, AL_EINVAL, "span corruption of %d tokens", length);
	int full = length < 2 ? 2 : length, noise, spans;
	al_span_counts(length, o->noise_density, o->mean_span, &noise, &spans);
	uint8_t *f = malloc((size_t)full);
	if (!f)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	al_rng r;
	al_rng_seed(&r, seed);
	uint8_t *nf = f, *kf = f + (noise > 1 ? noise - 1 : 0);
	random_starts(&r, nf, noise, spans);
	random_starts(&r, kf, full - noise, spans);
	int rc = al_span_mask_from(length, o, nf, kf, mask);
	free(f);
	if (rc < 0)
		return al_err_set(e, rc, "span corruption of %d tokens: no mask", length);
	return 0;
}

/* T5's noise_span_to_unique_sentinel: each run of tokens where mask[i]
 * == noise becomes one sentinel, counting down from vocab_size - 1. */
static int unique_sentinel(const int32_t *toks, const uint8_t *mask, int n,
			   int noise, const al_span_opts *o, int32_t *out,
			   al_err *e)
{
	int k = 0, run = 0;
	for (int i = 0; i < n; i++) {
		if ((mask[i] != 0) != noise) {
			out[k++] = toks[i];
			continue;
		}
		if (i > 0 && (mask[i - 1] != 0) == noise)
			continue;
		if (run >= o->sentinels)
			return al_err_set(e, AL_ELIMIT, "span corruption: more than "
					  "%d spans in %d tokens", o->sentinels, n);
		out[k++] = o->vocab_size - 1 - run++;
	}
	out[k++] = o->eos_id;
	return k;
}

int al_span_apply(const int32_t *toks, const uint8_t *mask, int n,
		  const al_span_opts *o, int32_t *in, int *n_in, int32_t *tgt,
		  int *n_tgt, al_err *e)
{
	int ni = unique_sentinel(toks, mask, n, 1, o, in, e);
	if (ni < 0)
		return ni;
	int nt = unique_sentinel(toks, mask, n, 0, o, tgt, e);
	if (nt < 0)
		return nt;
	*n_in = ni;
	*n_tgt = nt;
	return 0;
}

int al_span_corrupt(const int32_t *toks, int n, const al_span_opts *o,
		    uint64_t seed, int32_t *in, int *n_in, int32_t *tgt,
		    int *n_tgt, al_err *e)
{
	if (n == 0) {
		in[0] = tgt[0] = o->eos_id;
		*n_in = *n_tgt = 1;
		return 0;
	}
	uint8_t *mask = malloc((size_t)(n > 0 ? n : 1));
	if (!mask)
		return al_err_set(e, AL_ENOMEM, "out of memory");
	int rc = al_span_mask(n, o, seed, mask, e);
	if (rc == 0)
		rc = al_span_apply(toks, mask, n, o, in, n_in, tgt, n_tgt, e);
	free(mask);
	return rc;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t al_span_seed(uint64_t seed, uint64_t epoch, uint64_t index)
{
	uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
	h = mix(h ^ (epoch + 0x632be59bd9b4e019ULL));
	return mix(h ^ (index + 0x85ebca77c2b2ae63ULL));
}

int al_prefix_lm(const int32_t *toks, int n, int eos, uint64_t seed,
		 int32_t *in, int *n_in, int32_t *tgt, int *n_tgt, al_err *e)
{
	if (n < 1)
		return al_err_set(e, AL_EINVAL, "prefix LM of %d tokens", n);
	al_rng r;
	al_rng_seed(&r, seed);
	int k = n > 1 ? 1 + (int)al_rng_below(&r, (uint64_t)n - 1) : 0;
	memcpy(in, toks, (size_t)k * sizeof *in);
	in[k] = eos;
	memcpy(tgt, toks + k, (size_t)(n - k) * sizeof *tgt);
	tgt[n - k] = eos;
	*n_in = k + 1;
	*n_tgt = n - k + 1;
	return 0;
}

struct al_span_packer {
	int raw, eos;
	int32_t *buf;
	size_t len, start, cap;
};

al_span_packer *al_span_packer_new(int raw_length, int eos_id)
{
	if (raw_length < 1)
		return NULL;
	al_span_packer *p = calloc(1, sizeof *p);
	if (p) {
		p->raw = raw_length;
		p->eos = eos_id;
	}
	return p;
}

int al_span_packer_add(al_span_packer *p, const int32_t *toks, int n,
		       al_err *e)
{
	size_t want = (size_t)(n > 0 ? n : 0) + 1;
	if (p->start > 0 && p->start >= p->len / 2) {   /* drop what was taken */
		memmove(p->buf, p->buf + p->start, (p->len - p->start) * sizeof *p->buf);
		p->len -= p->start;
		p->start = 0;
	}
	if (p->cap - p->len < want) {
		size_t c = p->cap ? p->cap : 4096;
		while (c - p->len < want)
			c *= 2;
		int32_t *b = realloc(p->buf, c * sizeof *b);
		if (!b)
			return al_err_set(e, AL_ENOMEM, "out of memory packing documents");
		p->buf = b;
		p->cap = c;
	}
	if (n > 0)
		memcpy(p->buf + p->len, toks, (size_t)n * sizeof *toks);
	p->len += (size_t)(n > 0 ? n : 0);
	if (n <= 0 || toks[n - 1] != p->eos)
		p->buf[p->len++] = p->eos;
	return 0;
}

int al_span_packer_take(al_span_packer *p, int32_t *out)
{
	if (p->len - p->start < (size_t)p->raw)
		return 0;
	memcpy(out, p->buf + p->start, (size_t)p->raw * sizeof *out);
	p->start += (size_t)p->raw;
	return 1;
}

long al_span_packer_pending(const al_span_packer *p)
{
	return (long)(p->len - p->start);
}

void al_span_packer_free(al_span_packer *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p);
}
