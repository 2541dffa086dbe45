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
 * first[i] + count[i] - 1 with integer weights w[i * taps ..]. */
typedef struct axis {
	int taps;
	int *first, *count;
	int32_t *w;
} axis;

static void axis_free(axis *a)
{
	free(a->first);
	free(a->count);
	free(a->w);
}

static int axis_init(axis *a, int in, int out, al_filter f)
{
	double (*fn)(double) = f == AL_FILTER_BICUBIC ? cubic : triangle;
	double support = f == AL_FILTER_BICUBIC ? 2.0 : 1.0;
	double scale = (double)in / out;
	double stretch = scale < 1.0 ? 1.0 : scale;
	support *= stretch;
	a->taps = (int)ceil(support) * 2 + 1;
	a->first = malloc(out * sizeof *a->first);
	a->count = malloc(out * sizeof *a->count);
	a->w = calloc((size_t)out * a->taps, sizeof *a->w);
	double *k = malloc(a->taps * sizeof *k);
	if (!a->first || !a->count || !a->w || !k) {
		free(k);
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
		if (n > a->taps)
			n = a->taps;
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

/* Horizontal: rows y0 .. y0 + nrows - 1 of src (width sw) into dst
 * (width dw, nrows rows). */
static void pass_h(const uint8_t *src, int sw, int y0, int nrows, uint8_t *dst, int dw,
		   const axis *a)
{
	for (int y = 0; y < nrows; y++) {
		const uint8_t *row = src + (size_t)(y0 + y) * sw * 3;
		uint8_t *o = dst + (size_t)y * dw * 3;
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
}

/* Vertical: src rows are offset by y0 (row first[y] - y0 of src). */
static int pass_v(const uint8_t *src, int w, int y0, uint8_t *dst, int dh, const axis *a)
{
	size_t stride = (size_t)w * 3;
	int32_t *acc = malloc(stride * sizeof *acc);
	if (!acc)
		return AL_ENOMEM;
	for (int y = 0; y < dh; y++) {
		const int32_t *k = a->w + (size_t)y * a->taps;
		for (size_t i = 0; i < stride; i++)
			acc[i] = 1 << (FRAC_BITS - 1);
		for (int j = 0; j < a->count[y]; j++) {
			const uint8_t *row = src + (size_t)(a->first[y] - y0 + j) * stride;
			int32_t wj = k[j];
			for (size_t i = 0; i < stride; i++)
				acc[i] += row[i] * wj;
		}
		uint8_t *o = dst + (size_t)y * stride;
		for (size_t i = 0; i < stride; i++)
			o[i] = clip(acc[i]);
	}
	free(acc);
	return 0;
}

int al_image_resize(const al_image *in, int ow, int oh, al_filter filter,
		    al_image *out, al_err *e)
{
	memset(out, 0, sizeof *out);
	if (ow <= 0 || oh <= 0 || in->w <= 0 || in->h <= 0 ||
	    (uint64_t)ow * oh > (uint64_t)INT_MAX)
		return al_err_set(e, AL_EINVAL, "cannot resize %dx%d to %dx%d", in->w, in->h, ow, oh);
	size_t n = (size_t)ow * oh * 3;
	out->px = malloc(n);
	if (!out->px)
		return al_err_set(e, AL_ENOMEM, "out of memory resizing to %dx%d", ow, oh);
	out->w = ow;
	out->h = oh;
	if (ow == in->w && oh == in->h) {
		memcpy(out->px, in->px, n);
		return 0;
	}
	axis ax = {0}, ay = {0};
	uint8_t *mid = NULL;
	int rc = 0;
	if ((ow != in->w && axis_init(&ax, in->w, ow, filter) < 0) ||
	    (oh != in->h && axis_init(&ay, in->h, oh, filter) < 0)) {
		rc = AL_ENOMEM;
		goto out;
	}
	if (ow == in->w) {
		rc = pass_v(in->px, ow, 0, out->px, oh, &ay);
	} else if (oh == in->h) {
		pass_h(in->px, in->w, 0, oh, out->px, ow, &ax);
	} else {
		/* Only the source rows the vertical pass reads. */
		int y0 = ay.first[0];
		int y1 = ay.first[oh - 1] + ay.count[oh - 1];
		mid = malloc((size_t)(y1 - y0) * ow * 3);
		if (!mid) {
			rc = AL_ENOMEM;
			goto out;
		}
		pass_h(in->px, in->w, y0, y1 - y0, mid, ow, &ax);
		rc = pass_v(mid, ow, y0, out->px, oh, &ay);
	}
out:
	axis_free(&ax);
	axis_free(&ay);
	free(mid);
	if (rc < 0) {
		al_image_release(out);
		return al_err_set(e, rc, "out of memory resizing to %dx%d", ow, oh);
	}
	return 0;
}
