/* image_resize.h: resize 8-bit RGB images as Pillow's Image.resize does.
 *
 * A separable convolution, horizontal pass first, then vertical, each
 * producing 8-bit values.  For an axis going from n to m pixels the scale
 * is n / m and the filter is stretched by max(scale, 1), so downscaling
 * averages every source pixel (antialiasing).  Output pixel i is centred
 * at (i + 0.5) * scale and takes the source pixels whose centres lie
 * within the stretched support; its weights, normalised to sum to 1, are
 * stored in fixed point with 22 fractional bits (rounded half away from
 * zero), and each sum starts at one half so the final shift rounds.  The
 * result is clipped to [0, 255].  This is Pillow's ImagingResample for
 * 8-bit images, so for the same input and filter the output is Pillow's.
 * On x86-64 CPUs with AVX2 the same integer sums run eight lanes at a
 * time (the taps two pixels at a time horizontally, sixteen bytes of a
 * row vertically); the bytes are those of the scalar code.
 */
#ifndef AL_IMAGE_RESIZE_H
#define AL_IMAGE_RESIZE_H

#include "pipeline/image.h"

typedef enum al_filter {
	AL_FILTER_BILINEAR,   /* triangle, support 1 (Pillow BILINEAR) */
	AL_FILTER_BICUBIC,    /* Keys cubic a = -0.5, support 2 (Pillow BICUBIC) */
} al_filter;

/* Parse "bilinear" or "bicubic"; -1 if neither. */
int al_filter_parse(const char *name);

/* A resampler keeps the weights of the last sizes and its scratch rows,
 * for resizing many images without allocating; one per thread. */
typedef struct al_resampler al_resampler;

al_resampler *al_resampler_new(void);   /* NULL: out of memory */
void al_resampler_free(al_resampler *r);

/* The largest shrink along one side al_resampler_run takes (AL_ELIMIT
 * beyond it): a 65536-pixel side into 32. */
#define AL_RESIZE_MAX_SHRINK 2048

/* Resize src (sw x sh RGB, rows packed) into dst (ow x oh RGB, rows
 * packed), as al_image_resize.  Returns 0, AL_EINVAL or AL_ENOMEM. */
int al_resampler_run(al_resampler *r, const uint8_t *src, int sw, int sh, uint8_t *dst,
		     int ow, int oh, al_filter filter, al_err *e);

/* Resize in to ow x oh into out (which must be empty).  An image already
 * ow x oh is copied unchanged.  Returns 0, AL_EINVAL (bad size) or
 * AL_ENOMEM. */
int al_image_resize(const al_image *in, int ow, int oh, al_filter filter,
		    al_image *out, al_err *e);

#endif
