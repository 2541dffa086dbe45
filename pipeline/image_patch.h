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

#include "lib/vit.h"
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

/* Settle o's image side S and patch side P: the one policy of adalink
 * patches and adalink build.  size and patch are the sides asked for, 0
 * where none was.  With a ViT (vit not NULL, vit_path naming it in
 * messages) S and P are its config's image_size and patch_size, and a side
 * asked for that differs is AL_EINVAL naming both values; without one they
 * are the sides asked for, or o's own (224 and 14 by default).  Then o is
 * checked as al_patch_opts_check does. */
int al_patch_opts_settle(al_patch_opts *o, int size, int patch, const al_vit *vit,
			 const char *vit_path, al_err *e);

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

/* The same chain for an image already in memory, buf[0..n); label names
 * it in messages. */
int al_patcher_run_buf(al_patcher *p, const uint8_t *buf, size_t n, const char *label,
		       const al_patch_opts *o, float *out, al_image *view, al_err *e);

/* One image's outcome, handed to al_patches_each's callback: valid
 * during the call only. */
typedef struct al_patch_item {
	int index;               /* into paths */
	int rc;                  /* 0, or the AL_E* code with err's message */
	const float *patches;    /* as al_patches_from_file's, when rc == 0 */
	const al_image *resized; /* the S x S image, when kept and rc == 0 */
	const al_err *err;
} al_patch_item;

/* Return 0 to go on, or a negative AL_E* code (with the message in the
 * caller's own al_err) to stop. */
typedef int (*al_patch_fn)(void *ctx, const al_patch_item *it);

enum { AL_PATCH_SLOTS_PER_THREAD = 2 };

/* The chain of al_patches_from_file for paths[0..n) on `threads` worker
 * threads (0: all cores), each with its own patcher; fn is called on the
 * calling thread for every image, in order, as soon as it and those before
 * it are done, whether it succeeded or not.  At most
 * AL_PATCH_SLOTS_PER_THREAD images per thread are in flight, so memory is
 * bounded whatever n; the results do not depend on the thread count.
 * keep_resized: also hand over each resized image.  Returns 0, fn's code,
 * or AL_EINVAL / AL_ENOMEM (in e). */
int al_patches_each(const char *const *paths, int n, const al_patch_opts *o,
		    int keep_resized, int threads, al_patch_fn fn, void *ctx, al_err *e);

#endif
