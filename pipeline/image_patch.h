/* image_patch.h: normalise and cut an image into patches; the whole chain
 * from a file to patches.
 *
 * Layout.  An image of W x H pixels (W and H multiples of P) gives
 * (H / P) * (W / P) patches in row-major order: patch (py, px), counting
 * from the top left, is number py * (W / P) + px.  Each patch is P * P * 3
 * values, its pixels row-major and the channels last:  value
 * ((y * P) + x) * 3 + c of patch (py, px) is channel c (R, G, B) of pixel
 * (px * P + x, py * P + y), normalised as (v / 255 - mean[c]) / std[c].
 */
#ifndef AL_IMAGE_PATCH_H
#define AL_IMAGE_PATCH_H

#include <stddef.h>

#include "pipeline/image.h"
#include "pipeline/image_resize.h"

/* Normalise and patchify img into out, which holds
 * (img->h / P) * (img->w / P) * P * P * 3 floats.  Returns 0, or
 * AL_EINVAL if P <= 0 or does not divide both sides or a std is 0. */
int al_image_patchify(const al_image *img, int patch, const float mean[3],
		      const float std[3], float *out, al_err *e);

typedef struct al_patch_opts {
	int size;             /* S: the image is resized to S x S (224) */
	int patch;            /* P: patch side (14) */
	al_filter filter;     /* AL_FILTER_BILINEAR */
	int draft;            /* 1: let the JPEG decoder scale down first */
	int exif;             /* 1: apply the EXIF orientation */
	float mean[3], std[3];/* 0.5 and 0.5 */
	uint64_t max_pixels;  /* 0: AL_IMAGE_MAX_PIXELS */
} al_patch_opts;

/* Fill o with the defaults above. */
void al_patch_opts_default(al_patch_opts *o);

/* Check o: S > 0, P > 0 dividing S, std non-zero.  AL_EINVAL if not. */
int al_patch_opts_check(const al_patch_opts *o, al_err *e);

/* Load path, decode, resize to S x S and patchify (with a patcher kept
 * per calling thread): *out receives a malloc'd array of (S / P)^2 * P * P * 3 floats (the caller frees it).
 * If resized is not NULL it receives the S x S image (release it).
 * Returns 0 or the decoder's error, naming path. */
int al_patches_from_file(const char *path, const al_patch_opts *o, float **out,
			 al_image *resized, al_err *e);

/* A patcher runs the chain for many images on one thread, reusing its
 * decoder, resampler and buffers (no allocation per image once warm). */
typedef struct al_patcher al_patcher;

al_patcher *al_patcher_new(void);   /* NULL: out of memory */
void al_patcher_free(al_patcher *p);

/* As al_patches_from_file, into out ((S / P)^2 * P * P * 3 floats).  If
 * view is not NULL it receives the S x S image, owned by p and valid until
 * its next call (do not release it). */
int al_patcher_run(al_patcher *p, const char *path, const al_patch_opts *o, float *out,
		   al_image *view, al_err *e);

/* The outcome of one image in al_patches_many. */
typedef struct al_patch_result {
	int rc;              /* 0 or the AL_E* code; err holds the message */
	float *patches;      /* as al_patches_from_file's *out; caller frees */
	al_image resized;    /* when asked for; caller releases */
	al_err err;
} al_patch_result;

/* al_patches_from_file for paths[0..n) on up to `threads` threads (0: all
 * cores), filling res[i] for paths[i] whatever happens to the others; the
 * results do not depend on the thread count.  keep_resized: also keep
 * each resized image.  Returns 0, or AL_ENOMEM if threads cannot start
 * (the work is then done on the calling thread). */
int al_patches_many(const char *const *paths, int n, const al_patch_opts *o,
		    int keep_resized, int threads, al_patch_result *res);

/* Free what res[0..n) hold. */
void al_patch_results_free(al_patch_result *res, int n);

#endif
