/* image_resize.c: two-pass separable resampling with fixed-point weights. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/image_resize.h"

#define FRAC_BITS 22   /* fractional bits of the integer weights */

int al_filter_parse(const char *name)
{
	if (strcmp(name, "bilinear") == 0)
		return AL_FILTER_BILINEAR;
	if (strcmp(name, "bicubic") == 0)
		return AL_FILTER_BICUBIC;
	return -1;
}

static double triangle(double x)
{
	x = fabs(x);
	return x < 1.0 ? 1.0 - x : 0.0;
}

static double cubic(double x)
{
	const double a = -0.5;
	x = fabs(x);
	if (x < 1.0)
		return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
	if (x < 2.0)
		return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
	return 0.0;
}

/* Weights of one axis: for output i, source pixels first[i] ..
 * first[i] + count[i] - 1 with integer weights w[i * taps ..]; taps is
 * even and the weights past count[i] are 0, so the vector kernels can
 * read the taps two at a time. */
typedef struct axis {
	int in, out, taps;
	al_filter f;
	int *first, *count;
	int32_t *w;
	int32_t *wx;     /* for the horizontal vector kernel: each pair of
			    weights as w0 w0 w0 w0 w1 w1 w1 w1 */
} axis;

static void axis_free(axis *a)
{
	free(a->first);
	free(a->count);
	free(a->w);
	free(a->wx);
	memset(a, 0, sizeof *a);
}

static int axis_init(axis *a, int in, int out, al_filter f)
{
	double (*fn)(double) = f == AL_FILTER_BICUBIC ? cubic : triangle;
	double support = f == AL_FILTER_BICUBIC ? 2.0 : 1.0;
	double scale = (double)in / out;
	double stretch = scale < 1.0 ? 1.0 : scale;
	support *= stretch;
	a->in = in;
	a->out = out;
	a->f = f;
	a->taps = (int)ceil(support) * 2 + 2;   /* + 1, made even */
	a->first = malloc(out * sizeof *a->first);
	a->count = malloc(out * sizeof *a->count);
	a->w = calloc((size_t)out * a->taps, sizeof *a->w);
	a->wx = malloc((size_t)out * a->taps * 4 * sizeof *a->wx);
	double *k = malloc(a->taps * sizeof *k);
	if (!a->first || !a->count || !a->w || !a->wx || !k) {
		free(k);
		axis_free(a);
		return AL_ENOMEM;
	}
	for (int i = 0; i < out; i++) {
		double centre = (i + 0.5) * scale;
		int lo = (int)(centre - support + 0.5);
		int hi = (int)(centre + support + 0.5);
		if (lo < 0)
			lo = 0;
		if (hi > in)
			hi = in;
		int n = hi - lo;
		if (n > a->taps - 1)
			n = a->taps - 1;
		double sum = 0.0;
		for (int j = 0; j < n; j++) {
			k[j] = fn((j + lo - centre + 0.5) / stretch);
			sum += k[j];
		}
		int32_t *w = a->w + (size_t)i * a->taps;
		for (int j = 0; j < n; j++) {
			double v = sum != 0.0 ? k[j] / sum : k[j];
			v *= (double)(1 << FRAC_BITS);
			w[j] = (int32_t)(v < 0 ? v - 0.5 : v + 0.5);
		}
		a->first[i] = lo;
		a->count[i] = n;
		for (int j = 0; j < a->taps; j++)
			for (int c = 0; c < 4; c++)
				a->wx[((size_t)i * a->taps + j) * 4 + c] = w[j];
	}
	free(k);
	return 0;
}

/* Sums fit in 32 bits: |weights| add up to under 1.4 (bicubic's lobes),
 * and 255 * 1.4 * 2^22 < 2^31. */
static inline uint8_t clip(int32_t s)
{
	s >>= FRAC_BITS;
	return s < 0 ? 0 : s > 255 ? 255 : (uint8_t)s;
}

/* Horizontal, one row: src row (width sw) into dst row (width dw). */
static void row_h(const uint8_t *row, uint8_t *o, int dw, const axis *a)
{
	for (int x = 0; x < dw; x++) {
		const int32_t *w = a->w + (size_t)x * a->taps;
		const uint8_t *p = row + (size_t)a->first[x] * 3;
		int32_t r = 1 << (FRAC_BITS - 1), g = r, b = r;
		for (int j = 0; j < a->count[x]; j++, p += 3) {
			r += p[0] * w[j];
			g += p[1] * w[j];
			b += p[2] * w[j];
		}
		o[x * 3] = clip(r);
		o[x * 3 + 1] = clip(g);
		o[x * 3 + 2] = clip(b);
	}
}

/* Vertical, one output row: nrows source rows (stride bytes apart) with
 * weights k into o (n bytes). */
static void row_v(const uint8_t *src, size_t stride, const int32_t *k, int nrows,
		  uint8_t *o, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++) {
		int32_t acc = 1 << (FRAC_BITS - 1);
		const uint8_t *p = src + i;
		for (int j = 0; j < nrows; j++, p += stride)
			acc += *p * k[j];
		o[i] = clip(acc);
	}
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_KERNELS 1

/* The same sums, eight 32-bit lanes at a time; the integer arithmetic is
 * the scalar code's, so the bytes are identical. */
/* One output pixel's sums, as four lanes r g b 0 in each 128-bit half. */
__attribute__((target("avx2")))
static inline __m256i taps_avx2(const uint8_t *p, const __m256i *w, int count, __m128i shuf)
{
	__m256i acc = _mm256_setzero_si256();
	for (int j = 0; j < count; j += 2, p += 6, w++) {
		__m128i px = _mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)p), shuf);
		acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(px),
							       _mm256_loadu_si256(w)));
	}
	return acc;
}

/* The same sums, eight 32-bit lanes at a time, two output pixels a step;
 * the integer arithmetic is the scalar code's, so the bytes are
 * identical. */
__attribute__((target("avx2")))
static void row_h_avx2(const uint8_t *row, uint8_t *o, int dw, const axis *a)
{
	/* two pixels r0 g0 b0 r1 g1 b1 -> r0 g0 b0 0 r1 g1 b1 0 */
	const __m128i shuf = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1,
					   -1, -1, -1, -1, -1, -1, -1, -1);
	/* packed bytes r g b 0 r' g' b' 0 -> r g b r' g' b' */
	const __m128i out6 = _mm_setr_epi8(0, 1, 2, 4, 5, 6, -1, -1,
					   -1, -1, -1, -1, -1, -1, -1, -1);
	const __m256i half = _mm256_set1_epi32(1 << (FRAC_BITS - 1));
	size_t stride = (size_t)a->taps * 4 / 8;   /* __m256i per output */
	const __m256i *wx = (const __m256i *)a->wx;
	int x = 0;
	for (; x + 2 <= dw; x += 2) {
		__m256i s0 = taps_avx2(row + (size_t)a->first[x] * 3, wx + x * stride,
				       a->count[x], shuf);
		__m256i s1 = taps_avx2(row + (size_t)a->first[x + 1] * 3, wx + (x + 1) * stride,
				       a->count[x + 1], shuf);
		/* [s0 lo | s1 lo] + [s0 hi | s1 hi] */
		__m256i s = _mm256_add_epi32(_mm256_permute2x128_si256(s0, s1, 0x20),
					     _mm256_permute2x128_si256(s0, s1, 0x31));
		s = _mm256_srai_epi32(_mm256_add_epi32(s, half), FRAC_BITS);
		__m128i v = _mm_packs_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
		v = _mm_shuffle_epi8(_mm_packus_epi16(v, v), out6);
		uint8_t *d = o + (size_t)x * 3;
		uint32_t lo = (uint32_t)_mm_cvtsi128_si32(v);
		uint16_t hi = (uint16_t)_mm_extract_epi16(v, 2);
		memcpy(d, &lo, 4);
		memcpy(d + 4, &hi, 2);
	}
	for (; x < dw; x++) {
		__m256i acc = taps_avx2(row + (size_t)a->first[x] * 3, wx + x * stride,
					a->count[x], shuf);
		__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
		s = _mm_srai_epi32(_mm_add_epi32(s, _mm256_castsi256_si128(half)), FRAC_BITS);
		s = _mm_packus_epi16(_mm_packs_epi32(s, s), s);
		uint32_t v = (uint32_t)_mm_cvtsi128_si32(s);
		o[x * 3] = (uint8_t)v;
		o[x * 3 + 1] = (uint8_t)(v >> 8);
		o[x * 3 + 2] = (uint8_t)(v >> 16);
	}
}

__attribute__((target("avx2")))
static void row_v_avx2(const uint8_t *src, size_t stride, const int32_t *k, int nrows,
		       uint8_t *o, size_t n)
{
	const __m256i half = _mm256_set1_epi32(1 << (FRAC_BITS - 1));
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i a0 = half, a1 = half;
		const uint8_t *p = src + i;
		for (int j = 0; j < nrows; j++, p += stride) {
			__m256i wj = _mm256_set1_epi32(k[j]);
			__m128i v = _mm_loadu_si128((const __m128i *)p);
			a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(v), wj));
			a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(
				_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)), wj));
		}
		a0 = _mm256_srai_epi32(a0, FRAC_BITS);
		a1 = _mm256_srai_epi32(a1, FRAC_BITS);
		/* packs works within 128-bit lanes: restore the order */
		__m256i s = _mm256_permute4x64_epi64(_mm256_packs_epi32(a0, a1), 0xd8);
		__m128i b = _mm_packus_epi16(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
		_mm_storeu_si128((__m128i *)(o + i), b);
	}
	row_v(src, stride, k, nrows, o, i, n);
}

/* Worker threads ask at once: an atomic flag (every thread that finds it
 * unset computes the same answer), so there is no data race. */
static int use_avx2(void)
{
	static int have = -1;
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("avx2") != 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	return h;
}
#endif

/* Horizontal: rows y0 .. y0 + nrows - 1 of src (width sw, sh rows in all)
 * into dst (width dw, nrows rows).  The vector kernel reads up to five
 * bytes past the last pixel it weighs (into the next row), so the
 * buffer's last row, and rows of one pixel, go through the scalar one. */
static void pass_h(const uint8_t *src, int sw, int sh, int y0, int nrows, uint8_t *dst,
		   int dw, const axis *a)
{
	for (int y = 0; y < nrows; y++) {
		const uint8_t *row = src + (size_t)(y0 + y) * sw * 3;
		uint8_t *o = dst + (size_t)y * dw * 3;
#ifdef HAVE_AVX2_KERNELS
		if (y0 + y < sh - 1 && sw >= 2 && use_avx2()) {
			row_h_avx2(row, o, dw, a);
			continue;
		}
#else
		(void)sh;
#endif
		row_h(row, o, dw, a);
	}
}

/* Vertical: src rows are offset by y0 (row first[y] - y0 of src). */
static void pass_v(const uint8_t *src, int w, int y0, uint8_t *dst, int dh, const axis *a)
{
	size_t stride = (size_t)w * 3;
	for (int y = 0; y < dh; y++) {
		const int32_t *k = a->w + (size_t)y * a->taps;
		const uint8_t *s = src + (size_t)(a->first[y] - y0) * stride;
		uint8_t *o = dst + (size_t)y * stride;
#ifdef HAVE_AVX2_KERNELS
		if (use_avx2()) {
			row_v_avx2(s, stride, k, a->count[y], o, stride);
			continue;
		}
#endif
		row_v(s, stride, k, a->count[y], o, 0, stride);
	}
}

struct al_resampler {
	axis ax, ay;          /* the last sizes' weights, kept */
	uint8_t *mid;         /* the horizontal pass's output */
	size_t midcap;
};

al_resampler *al_resampler_new(void)
{
	return calloc(1, sizeof(al_resampler));
}

void al_resampler_free(al_resampler *r)
{
	if (!r)
		return;
	axis_free(&r->ax);
	axis_free(&r->ay);
	free(r->mid);
	free(r);
}

static int axis_get(axis *a, int in, int out, al_filter f)
{
	if (a->w && a->in == in && a->out == out && a->f == f)
		return 0;
	axis_free(a);
	return axis_init(a, in, out, f);
}

int al_resampler_run(al_resampler *r, const uint8_t *src, int sw, int sh, uint8_t *dst,
		     int ow, int oh, al_filter filter, al_err *e)
{
	if (ow <= 0 || oh <= 0 || sw <= 0 || sh <= 0 || (uint64_t)ow * oh > (uint64_t)INT_MAX)
		return al_err_set(e, AL_EINVAL, "cannot resize %dx%d to %dx%d", sw, sh, ow, oh);
	if (ow == sw && oh == sh) {
		memcpy(dst, src, (size_t)ow * oh * 3);
		return 0;
	}
	/* a filter's taps grow with the shrink factor: an image far longer
	 * than wide (a 1e8 x 1 PNG is small once compressed) would ask for
	 * gigabytes of weights */
	if ((double)sw / ow > AL_RESIZE_MAX_SHRINK || (double)sh / oh > AL_RESIZE_MAX_SHRINK)
		return al_err_set(e, AL_ELIMIT, "cannot resize %dx%d to %dx%d: more than %dx smaller "
				  "along one side", sw, sh, ow, oh, AL_RESIZE_MAX_SHRINK);
	if ((ow != sw && axis_get(&r->ax, sw, ow, filter) < 0) ||
	    (oh != sh && axis_get(&r->ay, sh, oh, filter) < 0))
		return al_err_set(e, AL_ENOMEM, "out of memory resizing to %dx%d", ow, oh);
	if (ow == sw)
		pass_v(src, ow, 0, dst, oh, &r->ay);
	else if (oh == sh)
		pass_h(src, sw, sh, 0, oh, dst, ow, &r->ax);
	else {
		/* Only the source rows the vertical pass reads. */
		int y0 = r->ay.first[0];
		int y1 = r->ay.first[oh - 1] + r->ay.count[oh - 1];
		size_t need = (size_t)(y1 - y0) * ow * 3;
		if (need > r->midcap) {
			free(r->mid);
			if (!(r->mid = malloc(need))) {
				r->midcap = 0;
				return al_err_set(e, AL_ENOMEM, "out of memory resizing to %dx%d", ow, oh);
			}
			r->midcap = need;
		}
		pass_h(src, sw, sh, y0, y1 - y0, r->mid, ow, &r->ax);
		pass_v(r->mid, ow, y0, dst, oh, &r->ay);
	}
	return 0;
}

int al_image_resize(const al_image *in, int ow, int oh, al_filter filter,
		    al_image *out, al_err *e)
{
	memset(out, 0, sizeof *out);
	if (ow <= 0 || oh <= 0 || in->w <= 0 || in->h <= 0 ||
	    (uint64_t)ow * oh > (uint64_t)INT_MAX)
		return al_err_set(e, AL_EINVAL, "cannot resize %dx%d to %dx%d", in->w, in->h, ow, oh);
	al_resampler *r = al_resampler_new();
	if (!r || !(out->px = malloc((size_t)ow * oh * 3))) {
		al_resampler_free(r);
		return al_err_set(e, AL_ENOMEM, "out of memory resizing to %dx%d", ow, oh);
	}
	out->w = ow;
	out->h = oh;
	int rc = al_resampler_run(r, in->px, in->w, in->h, out->px, ow, oh, filter, e);
	al_resampler_free(r);
	if (rc < 0)
		al_image_release(out);
	return rc;
}
