/* image.h: decode JPEG and PNG files into 8-bit RGB, and write PNG.
 *
 * Every decoded image is 8-bit RGB, interleaved, rows top to bottom, no
 * padding: pixel (x, y) channel c is px[(y * w + x) * 3 + c].
 *
 * JPEG goes through libjpeg-turbo with its default (accurate integer) IDCT
 * and fancy upsampling, so the pixels equal djpeg's for the same file.
 * Grayscale is replicated to R = G = B; CMYK and YCCK files are taken to
 * follow Adobe's inverted convention (as djpeg and Pillow do) and turned
 * into RGB as R = round(C * K / 255) (likewise G from M, B from Y), which
 * is what both djpeg's PPM writer and Pillow's convert("RGB") give.
 * With a draft size S the decoder scales down by 1/2, 1/4 or 1/8 in the
 * DCT domain, the largest factor s with s <= min(w / S, h / S) (integer
 * division), giving ceil(w / s) x ceil(h / s), as Pillow's Image.draft.
 *
 * PNG goes through libpng: palette, gray (1, 2, 4, 8, 16 bits), 16-bit
 * colour (the high byte is kept), alpha (dropped, not composited, as
 * Pillow's convert("RGB")), tRNS (ignored) and Adam7 interlacing.
 *
 * Before any pixel is decoded the header's width x height is checked
 * against a pixel limit (AL_IMAGE_MAX_PIXELS by default).
 *
 * EXIF orientation (JPEG APP1 "Exif", tag 0x0112; PNG files are left as
 * they are) is ignored unless asked for; then the image is flipped or rotated upright as Pillow's
 * ImageOps.exif_transpose does (2 mirror, 3 rotate 180, 4 flip, 5
 * transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90
 * counter-clockwise).
 *
 *     al_err e = {0};
 *     al_image im = {0};
 *     al_decode_opts o = {0};              // limit: default, no draft
 *     if (al_image_load("x.jpg", &o, &im, &e) < 0) ... e.msg ...
 *     al_image_release(&im);
 */
#ifndef AL_IMAGE_H
#define AL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define AL_IMAGE_MAX_PIXELS 100000000u   /* 100 megapixels */

typedef struct al_image {
	int w, h;       /* pixels */
	uint8_t *px;    /* w * h * 3 bytes, RGB; owned (al_image_release) */
} al_image;

typedef struct al_decode_opts {
	uint64_t max_pixels;  /* 0: AL_IMAGE_MAX_PIXELS */
	int draft;            /* > 0: target size for JPEG DCT scaling; 0: none */
	int exif;             /* 1: apply the EXIF orientation */
} al_decode_opts;

/* Decode the image in buf[0..n) (JPEG or PNG, told by its first bytes)
 * into img (which must be empty).  label names the input in messages.
 * opts may be NULL.  Returns 0, or AL_EFORMAT (not an image, corrupt,
 * truncated), AL_ELIMIT (too many pixels), AL_ENOMEM; img stays empty
 * on failure. */
int al_image_decode(const uint8_t *buf, size_t n, const char *label,
		    const al_decode_opts *opts, al_image *img, al_err *e);

/* The same for one format, without the EXIF step (al_image_decode does
 * it); these are the fuzz targets' entry points. */
int al_jpeg_decode(const uint8_t *buf, size_t n, const char *label,
		   const al_decode_opts *opts, al_image *img, al_err *e);
int al_png_decode(const uint8_t *buf, size_t n, const char *label,
		  const al_decode_opts *opts, al_image *img, al_err *e);

/* al_jpeg_decode into reused memory: *handle (NULL at first) keeps the
 * decoder, *px (capacity *cap) receives the w x h pixels, *tmp the CMYK
 * ones; both grow as needed and stay the caller's (free; release the
 * handle with al_jpeg_handle_free).  Returns as al_jpeg_decode. */
int al_jpeg_decode_reuse(void **handle, uint8_t **px, size_t *cap, uint8_t **tmp,
			 size_t *tmpcap, const uint8_t *buf, size_t n, const char *label,
			 const al_decode_opts *opts, int *w, int *h, al_err *e);
void al_jpeg_handle_free(void *handle);

/* A decoder for many images on one thread: its memory is reused from one
 * image to the next.  al_decoder_decode fills *view with pixels owned by
 * d, valid until its next call or al_decoder_free; do not release it. */
typedef struct al_decoder al_decoder;

al_decoder *al_decoder_new(void);   /* NULL: out of memory */
void al_decoder_free(al_decoder *d);
int al_decoder_decode(al_decoder *d, const uint8_t *buf, size_t n, const char *label,
		      const al_decode_opts *opts, al_image *view, al_err *e);

/* The EXIF orientation (1..8) in a JPEG's APP1 segment; 1 when there is
 * none or it is malformed. */
int al_jpeg_orientation(const uint8_t *buf, size_t n);

/* Reorient img in place for EXIF orientation o (1..8; others: no-op).
 * Returns 0 or AL_ENOMEM. */
int al_image_orient(al_image *img, int o, al_err *e);

/* Read path ("-": standard input) and decode it as al_image_decode. */
int al_image_load(const char *path, const al_decode_opts *opts, al_image *img,
		  al_err *e);

/* Write img as an 8-bit RGB PNG, atomically (temporary file, rename). */
int al_png_write(const char *path, const al_image *img, al_err *e);

/* Free the pixels and empty img.  An empty img is allowed. */
void al_image_release(al_image *img);

#endif
